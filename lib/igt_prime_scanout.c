// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

#include <errno.h>
#include <strings.h>
#include <sys/mman.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "igt.h"
#include "igt_host.h"
#include "igt_pattern.h"
#include "igt_prime_crossing.h"
#include "igt_prime_provider.h"
#include "igt_prime_scanout.h"

/**
 * SECTION:igt_prime_scanout
 * @short_description: A shared buffer on a KMS display
 * @title: Prime scanout
 * @include: igt_prime_scanout.h
 *
 * A buffer, native or imported, as the framebuffer of a CRTC with the legacy
 * KMS calls, for drivers whose display has no CRC: what it shows is read
 * back from the host (igt_host). A test of a display keeps it in a struct
 * igt_prime_display: igt_prime_display_open() and
 * igt_prime_display_require() in its fixture, the checks in its subtests.
 */

/**
 * __igt_prime_scanout_find:
 * @fd: a KMS driver's DRM fd
 * @scanout: filled with the first connected connector, a CRTC that can
 *	drive it and its preferred (else first) mode
 *
 * Returns: 0, or -ENODEV when no connector is connected.
 */
int __igt_prime_scanout_find(int fd, struct igt_prime_scanout *scanout)
{
	drmModeRes *res = drmModeGetResources(fd);
	int ret = -ENODEV;

	if (!res)
		return -errno;
	for (int i = 0; i < res->count_connectors && ret; i++) {
		drmModeConnector *conn = drmModeGetConnector(fd, res->connectors[i]);
		drmModeEncoder *enc;

		if (!conn)
			continue;
		enc = conn->count_encoders ? drmModeGetEncoder(fd, conn->encoders[0]) : NULL;
		if (conn->connection == DRM_MODE_CONNECTED && conn->count_modes && enc) {
			int mode = 0, crtc = ffs(enc->possible_crtcs) - 1;

			for (int m = 0; m < conn->count_modes; m++)
				if (conn->modes[m].type & DRM_MODE_TYPE_PREFERRED) {
					mode = m;
					break;
				}
			if (crtc >= 0 && crtc < res->count_crtcs) {
				*scanout = (struct igt_prime_scanout) {
					.crtc_id = res->crtcs[crtc],
					.connector_id = conn->connector_id,
					.mode = conn->modes[mode],
				};
				ret = 0;
			}
		}
		drmModeFreeEncoder(enc);
		drmModeFreeConnector(conn);
	}
	drmModeFreeResources(res);
	return ret;
}

/**
 * igt_prime_scanout_find:
 * @fd: a KMS driver's DRM fd
 * @scanout: filled as __igt_prime_scanout_find() fills it
 *
 * __igt_prime_scanout_find(), skipping when nothing is connected.
 */
void igt_prime_scanout_find(int fd, struct igt_prime_scanout *scanout)
{
	int ret = __igt_prime_scanout_find(fd, scanout);

	igt_require_f(ret != -ENODEV, "no connector of this device is connected\n");
	igt_assert_eq(ret, 0);
}

/**
 * __igt_prime_scanout_show:
 * @fd: a KMS driver's DRM fd that is DRM master
 * @scanout: from igt_prime_scanout_find()
 * @handle: a buffer of @fd (native or imported), XRGB8888, at least the
 *	mode's size
 * @stride: its bytes per row
 *
 * Makes a framebuffer of the buffer (ADDFB2), sets the mode on it and marks
 * it all dirty: virtual displays (vmwgfx's Legacy Display Unit, virtio-gpu's
 * RESOURCE_FLUSH) copy to the screen only what DIRTYFB names.
 *
 * Returns: 0 or -errno of the first ioctl that failed.
 */
int __igt_prime_scanout_show(int fd, struct igt_prime_scanout *scanout,
			     uint32_t handle, uint32_t stride)
{
	uint32_t handles[4] = { handle }, pitches[4] = { stride }, offsets[4] = {};
	uint32_t fb_id = 0;

	if (drmModeAddFB2(fd, scanout->mode.hdisplay, scanout->mode.vdisplay,
			  DRM_FORMAT_XRGB8888, handles, pitches, offsets, &fb_id, 0))
		return -errno;
	if (drmModeSetCrtc(fd, scanout->crtc_id, fb_id, 0, 0, &scanout->connector_id, 1,
			   &scanout->mode)) {
		int err = -errno;

		drmModeRmFB(fd, fb_id);
		return err;
	}
	if (scanout->fb_id)
		drmModeRmFB(fd, scanout->fb_id);
	scanout->fb_id = fb_id;
	igt_prime_scanout_dirty(fd, scanout);
	return 0;
}

/**
 * igt_prime_scanout_show:
 * @fd: a KMS driver's DRM fd that is DRM master
 * @scanout: from igt_prime_scanout_find()
 * @handle: a buffer of @fd, XRGB8888, at least the mode's size
 * @stride: its bytes per row
 *
 * __igt_prime_scanout_show(), asserting that it works.
 */
void igt_prime_scanout_show(int fd, struct igt_prime_scanout *scanout,
			    uint32_t handle, uint32_t stride)
{
	int ret = __igt_prime_scanout_show(fd, scanout, handle, stride);

	igt_assert_f(ret == 0, "scanout of buffer %u: %s\n", handle, igt_errno_name(-ret));
}

/**
 * igt_prime_scanout_dirty:
 * @fd: the DRM fd of igt_prime_scanout_show()
 * @scanout: showing a framebuffer
 *
 * Marks the whole framebuffer dirty (DIRTYFB), after the CPU wrote to it.
 */
void igt_prime_scanout_dirty(int fd, struct igt_prime_scanout *scanout)
{
	drmModeClip clip = {
		.x2 = scanout->mode.hdisplay,
		.y2 = scanout->mode.vdisplay,
	};

	igt_assert_eq(drmModeDirtyFB(fd, scanout->fb_id, &clip, 1), 0);
}

/**
 * igt_prime_scanout_off:
 * @fd: the DRM fd of igt_prime_scanout_show()
 * @scanout: from igt_prime_scanout_find()
 *
 * Turns the CRTC off and removes the framebuffer.
 */
void igt_prime_scanout_off(int fd, struct igt_prime_scanout *scanout)
{
	drmModeSetCrtc(fd, scanout->crtc_id, 0, 0, 0, NULL, 0, NULL);
	if (scanout->fb_id)
		drmModeRmFB(fd, scanout->fb_id);
	scanout->fb_id = 0;
}

/**
 * igt_prime_scanout_assert_host:
 * @device: the host's id of the display device (igt_host_screendump())
 * @scanout: showing a framebuffer filled with @seed's pattern
 * @seed: the pattern's seed
 *
 * Asserts that the host's display device shows the mode's size and, pixel
 * for pixel, @seed's pattern (X bits aside); writes the expected, actual
 * and diff images of a mismatch as igt_assert_image() does.
 */
void igt_prime_scanout_assert_host(const char *device,
				   const struct igt_prime_scanout *scanout,
				   uint32_t seed)
{
	pixman_image_t *screen = igt_host_screendump(device);
	pixman_image_t *expected = igt_pattern_image(scanout->mode.hdisplay,
						     scanout->mode.vdisplay, seed);

	igt_assert_eq(pixman_image_get_width(screen), scanout->mode.hdisplay);
	igt_assert_eq(pixman_image_get_height(screen), scanout->mode.vdisplay);
	igt_pattern_image_clear_x(expected);
	igt_assert_image(pixman_image_get_data(screen), pixman_image_get_stride(screen),
			 expected, seed, "host's view of the scanout");
	pixman_image_unref(expected);
	pixman_image_unref(screen);
}

/**
 * igt_prime_display_open:
 * @display: its @driver and @device set
 *
 * Opens the display's driver as DRM master, skipping when it is absent
 * (drm_open_driver_master()). It comes first in the fixture: once another
 * file of the driver is open, that one may hold DRM master.
 *
 * Returns: the DRM fd, also in @display->fd.
 */
int igt_prime_display_open(struct igt_prime_display *display)
{
	display->fd = drm_open_driver_master(display->driver->chipset);
	return display->fd;
}

/**
 * igt_prime_display_require:
 * @display: from igt_prime_display_open()
 *
 * Opens every provider (igt_prime_open_providers()) and finds the scanout
 * (igt_prime_scanout_find()); skips when no importer is bound, nothing is
 * connected or no host serves this guest (igt_require_host()).
 */
void igt_prime_display_require(struct igt_prime_display *display)
{
	igt_prime_open_providers(display->providers);
	igt_prime_scanout_find(display->fd, &display->scanout);
	igt_require_host();
}

/**
 * igt_prime_display_close:
 * @display: from igt_prime_display_open()
 *
 * Closes the driver's file and the providers' that
 * igt_prime_display_require() opened.
 */
void igt_prime_display_close(struct igt_prime_display *display)
{
	drm_close_driver(display->fd);
	igt_prime_close_providers(display->providers);
}

/* The two contents of a scanout check: the second must replace the first. */
static const uint32_t scanout_seeds[] = { 0x00102030u, 0x00a0b0c0u };

static void scanout_check(struct igt_prime_display *display, uint32_t handle,
			  uint32_t stride, void (*fill)(void *data, uint32_t seed),
			  void *data)
{
	struct igt_prime_scanout *scanout = &display->scanout;

	fill(data, scanout_seeds[0]);
	igt_prime_scanout_show(display->fd, scanout, handle, stride);
	igt_prime_scanout_assert_host(display->device, scanout, scanout_seeds[0]);

	fill(data, scanout_seeds[1]);
	igt_prime_scanout_dirty(display->fd, scanout);
	igt_prime_scanout_assert_host(display->device, scanout, scanout_seeds[1]);

	igt_prime_scanout_off(display->fd, scanout);
}

struct scanout_mapping {
	void *ptr;
	const struct igt_prime_bo *bo;
};

static void fill_mapping(void *data, uint32_t seed)
{
	struct scanout_mapping *m = data;

	igt_pattern_fill(m->ptr, m->bo->stride, m->bo->width, m->bo->height, seed);
}

/**
 * igt_prime_scanout_check_native:
 * @display: from igt_prime_display_require()
 *
 * The scanout check of the driver's own buffer: a buffer of the mode's
 * size, written through the provider's CPU mapping, is shown and the
 * host's view of it checked; then the CPU writes another pattern, the
 * framebuffer is marked dirty and the host's view checked again (a copy of
 * the older contents kept by the driver or the host shows there).
 */
void igt_prime_scanout_check_native(struct igt_prime_display *display)
{
	const struct igt_prime_provider *provider = display->driver;
	const drmModeModeInfo *mode = &display->scanout.mode;
	int fd = display->fd;
	struct igt_prime_bo bo;
	struct scanout_mapping m = { .bo = &bo };

	igt_prime_create(provider, fd, mode->hdisplay, mode->vdisplay, &bo);
	m.ptr = igt_prime_map(provider, fd, &bo, PROT_READ | PROT_WRITE);
	scanout_check(display, bo.handle, bo.stride, fill_mapping, &m);
	munmap(m.ptr, bo.size);
	provider->destroy(fd, &bo);
}

static void fill_exporter(void *data, uint32_t seed)
{
	igt_prime_exporter_fill(data, seed);
}

/**
 * igt_prime_scanout_check_imported:
 * @display: from igt_prime_display_require()
 * @c: a crossing into the display's driver, of the mode's size
 *
 * The scanout check of an imported buffer: the crossing's dma-buf is
 * imported into the display's file as well (scanout needs DRM master), the
 * exporter writes a pattern, the buffer is shown and the host's view of it
 * checked; then the exporter writes another, the framebuffer is marked
 * dirty and the host's view checked again.
 */
void igt_prime_scanout_check_imported(struct igt_prime_display *display,
				      struct igt_prime_crossing *c)
{
	int fd = display->fd;
	uint32_t handle = 0;

	igt_assert_eq(__prime_fd_to_handle(fd, c->dmabuf, &handle), 0);
	scanout_check(display, handle, c->bo.stride, fill_exporter, c);
	gem_close(fd, handle);
}

/*
 * What the host may show after only @rect was marked dirty: @after's
 * pattern inside it; outside, pixel by pixel, @before's or @after's as
 * @screen has it (DIRTYFB's clips say what changed at least: a driver may
 * update more), and @before's where it has neither.
 */
static pixman_image_t *expected_after_rect(pixman_image_t *screen, const drmModeClip *rect,
					   uint32_t before, uint32_t after)
{
	int width = pixman_image_get_width(screen), height = pixman_image_get_height(screen);
	pixman_image_t *expected = igt_pattern_image(width, height, before);
	uint32_t *want = pixman_image_get_data(expected);
	const uint32_t *seen = pixman_image_get_data(screen);
	uint32_t stride = pixman_image_get_stride(expected) / 4;
	uint32_t seen_stride = pixman_image_get_stride(screen) / 4;

	for (int y = 0; y < height; y++) {
		for (int x = 0; x < width; x++) {
			uint32_t new = igt_pattern_pixel(after, x, y) & 0x00ffffff;
			bool inside = x >= rect->x1 && x < rect->x2 &&
				      y >= rect->y1 && y < rect->y2;

			if (inside || (seen[y * seen_stride + x] & 0x00ffffff) == new)
				want[y * stride + x] = new;
		}
	}
	return expected;
}

/**
 * igt_prime_scanout_check_imported_rect:
 * @display: from igt_prime_display_require()
 * @c: a crossing into the display's driver, of the mode's size
 * @rect: the part of the framebuffer marked dirty
 *
 * As igt_prime_scanout_check_imported(), but after the exporter writes
 * the second pattern only @rect is marked dirty (DIRTYFB with one clip):
 * the host must show the second pattern inside it, and outside it each
 * pixel of either pattern, at its own position (a driver may copy more
 * than the damage, never another place).
 */
void igt_prime_scanout_check_imported_rect(struct igt_prime_display *display,
					   struct igt_prime_crossing *c,
					   const drmModeClip *rect)
{
	struct igt_prime_scanout *scanout = &display->scanout;
	int fd = display->fd;
	pixman_image_t *screen, *expected;
	uint32_t handle = 0;

	igt_assert_eq(__prime_fd_to_handle(fd, c->dmabuf, &handle), 0);
	igt_prime_exporter_fill(c, scanout_seeds[0]);
	igt_prime_scanout_show(fd, scanout, handle, c->bo.stride);
	igt_prime_scanout_assert_host(display->device, scanout, scanout_seeds[0]);

	igt_prime_exporter_fill(c, scanout_seeds[1]);
	igt_assert_eq(drmModeDirtyFB(fd, scanout->fb_id, (drmModeClip *)rect, 1), 0);
	screen = igt_host_screendump(display->device);
	igt_assert_eq(pixman_image_get_width(screen), scanout->mode.hdisplay);
	igt_assert_eq(pixman_image_get_height(screen), scanout->mode.vdisplay);
	expected = expected_after_rect(screen, rect, scanout_seeds[0], scanout_seeds[1]);
	igt_pattern_image_clear_x(expected);
	igt_assert_image(pixman_image_get_data(screen), pixman_image_get_stride(screen),
			 expected, scanout_seeds[1], "host's view of the scanout");
	pixman_image_unref(expected);
	pixman_image_unref(screen);

	igt_prime_scanout_off(fd, scanout);
	gem_close(fd, handle);
}

struct display_check {
	struct igt_prime_display *display;
	igt_prime_display_check_t check;
};

static void display_crossing(struct igt_prime_crossing *c, void *data)
{
	struct display_check *dc = data;

	dc->check(dc->display, c);
}

/**
 * igt_prime_display_for_each_import:
 * @display: from igt_prime_display_require()
 * @check: called for each crossing, inside its dynamic subtest
 *
 * igt_prime_for_each_crossing_into() the display's driver with buffers of
 * the mode's size: a dynamic subtest <exporter>-to-<driver> for every
 * available exporter; must be called inside igt_subtest_with_dynamic().
 */
void igt_prime_display_for_each_import(struct igt_prime_display *display,
				       igt_prime_display_check_t check)
{
	struct display_check dc = { display, check };

	igt_prime_for_each_crossing_into(display->providers, display->driver,
					 display->scanout.mode.hdisplay,
					 display->scanout.mode.vdisplay, display_crossing, &dc);
}
