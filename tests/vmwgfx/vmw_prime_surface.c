// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

/**
 * TEST: vmw prime surface
 * Category: Core
 * Mega feature: General Core features
 * Sub-category: DRM prime
 * Functionality: imported buffers as vmwgfx guest-backed surfaces
 * Driver requirement: vmwgfx
 * Kernel requirement: CONFIG_DRM_VMWGFX with prime import of dumb buffers
 *	(6.9, b32233accefff); exporters' drivers for their crossings. vmwgfx
 *	refuses to back a surface with a dumb buffer (EINVAL), so its own
 *	buffers are no crossing here (own-dumb-buffer asserts the refusal).
 * Guest requirement: a vmware-svga device with guest-backed objects
 *	(SVGA_CAP_GBOBJECTS: xprime's "stdu" machine,
 *	vmware-svga,guest-backed=on); elsewhere every dynamic subtest skips,
 *	saying so.
 * Description: A buffer imported into vmwgfx backs a guest-backed surface,
 *	so vmwgfx binds it to a MOB whose page table it builds from the
 *	import's dma addresses, and the device reads and writes the buffer's
 *	pages through that table: a page missing, repeated, shifted or out
 *	of order shows as pixels of the wrong position. The exporter's own
 *	mapping provides or checks the pattern, pixel by pixel.
 *
 * SUBTEST: own-dumb-buffer
 * Description: vmwgfx refuses to back a surface with a dumb buffer of its
 *	own (vmw_gb_surface_define_internal(): EINVAL), and backs one with a
 *	buffer the surface makes.
 *
 * SUBTEST: copy-rect-to-import
 * Crossings: vgem, virtio-gpu, udmabuf, dma-heap -> vmwgfx
 * Dynamic subtests: <exporter>-to-vmwgfx
 * Description: The device copies a rectangle of a surface of its own into
 *	the imported buffer, at another place: the exporter sees that
 *	rectangle and its own pattern everywhere else.
 * Checks: imported resource, device write, sub-rectangle
 *
 * SUBTEST: copy-rect-from-import
 * Crossings: vgem, virtio-gpu, udmabuf, dma-heap -> vmwgfx
 * Dynamic subtests: <exporter>-to-vmwgfx
 * Description: The device copies a rectangle of the imported buffer into a
 *	surface of its own, at another place: the CPU sees the exporter's
 *	pattern there and the surface's own everywhere else.
 * Checks: imported resource, device read, sub-rectangle
 *
 * SUBTEST: read-one-page
 * Crossings: vgem, virtio-gpu, udmabuf, dma-heap -> vmwgfx
 * Dynamic subtests: <exporter>-to-vmwgfx
 * Description: A one-page import (32x32), which vmwgfx maps with a page
 *	table of depth 0, read whole by the device.
 * Checks: imported resource, device read, one-page table
 *
 * SUBTEST: read-4mib
 * Crossings: vgem, virtio-gpu, udmabuf, dma-heap -> vmwgfx
 * Dynamic subtests: <exporter>-to-vmwgfx
 * Description: A 4 MiB import (1024x1024), which vmwgfx maps with a page
 *	table of depth 2, read whole by the device.
 * Checks: imported resource, device read, two-level page table
 */

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "igt.h"
#include "igt_pattern.h"
#include "igt_prime_crossing.h"
#include "igt_vmwgfx.h"

IGT_TEST_DESCRIPTION("Imported buffers read and written by vmwgfx's device "
		     "through the MOB page tables vmwgfx builds of them, "
		     "checked pixel by pixel.");

#define DEVICE_SEED	0x000d0d0du

/* What is copied, and where to: rows and columns that start mid-page. */
static const struct igt_vmwgfx_rect rect = { .x = 37, .y = 11, .w = 150, .h = 40 };
#define TO_X	61
#define TO_Y	5

static int providers[IGT_PRIME_MAX_PROVIDERS];

/* Other drivers' buffers: vmwgfx's own are dumb buffers (own-dumb-buffer). */
static bool foreign_to_vmwgfx(const struct igt_prime_provider *exporter,
			      const struct igt_prime_provider *importer)
{
	return importer == &igt_prime_vmwgfx && exporter != &igt_prime_vmwgfx;
}

static void require_gb_surfaces(int fd)
{
	igt_require_f(igt_vmwgfx_has_gb_surfaces(fd), "vmwgfx: %s\n",
		      igt_prime_vmwgfx.device_why);
}

/* The import as a surface: rows of the exporter's stride. */
static void import_surface(struct igt_prime_crossing *c, struct igt_vmwgfx_surface *srf)
{
	require_gb_surfaces(c->importer_fd);
	igt_assert(c->bo.stride % 4 == 0);
	igt_vmwgfx_surface_create(c->importer_fd, c->bo.stride / 4, c->bo.height,
				  c->imported, srf);
}

/* A surface of the device's own, of the import's size, holding @seed. */
static void staging_surface(struct igt_prime_crossing *c, uint32_t seed,
			    struct igt_vmwgfx_surface *srf)
{
	void *ptr;

	igt_vmwgfx_surface_create(c->importer_fd, c->bo.stride / 4, c->bo.height, 0, srf);
	ptr = igt_vmwgfx_surface_map(c->importer_fd, srf, PROT_WRITE);
	igt_pattern_fill(ptr, c->bo.stride, c->bo.width, c->bo.height, seed);
	igt_vmwgfx_surface_unmap(srf, ptr);
}

/* @base's pattern, with @pasted's pattern's rect moved to (TO_X, TO_Y). */
static pixman_image_t *expected_image(struct igt_prime_crossing *c, uint32_t base,
				      uint32_t pasted)
{
	pixman_image_t *expected = igt_pattern_image(c->bo.width, c->bo.height, base);
	pixman_image_t *from = igt_pattern_image(c->bo.width, c->bo.height, pasted);

	pixman_image_composite(PIXMAN_OP_SRC, from, NULL, expected, rect.x, rect.y,
			       0, 0, TO_X, TO_Y, rect.w, rect.h);
	pixman_image_unref(from);
	return expected;
}

static void test_copy_rect_to_import(struct igt_prime_crossing *c, void *data)
{
	struct igt_vmwgfx_surface import, staging;
	pixman_image_t *expected;

	import_surface(c, &import);
	igt_prime_exporter_fill(c, IGT_PRIME_EXPORTER_SEED);
	staging_surface(c, DEVICE_SEED, &staging);

	igt_vmwgfx_surface_copy(c->importer_fd, &import, TO_X, TO_Y, &staging, &rect);

	expected = expected_image(c, IGT_PRIME_EXPORTER_SEED, DEVICE_SEED);
	igt_prime_exporter_assert(c, expected, DEVICE_SEED);
	pixman_image_unref(expected);
	igt_vmwgfx_surface_destroy(c->importer_fd, &staging);
	igt_vmwgfx_surface_destroy(c->importer_fd, &import);
}

static void test_copy_rect_from_import(struct igt_prime_crossing *c, void *data)
{
	struct igt_vmwgfx_surface import, staging;
	pixman_image_t *expected;
	void *ptr;

	import_surface(c, &import);
	igt_prime_exporter_fill(c, IGT_PRIME_EXPORTER_SEED);
	staging_surface(c, DEVICE_SEED, &staging);

	igt_vmwgfx_surface_copy(c->importer_fd, &staging, TO_X, TO_Y, &import, &rect);

	expected = expected_image(c, DEVICE_SEED, IGT_PRIME_EXPORTER_SEED);
	ptr = igt_vmwgfx_surface_map(c->importer_fd, &staging, PROT_READ);
	igt_assert_image(ptr, c->bo.stride, expected, IGT_PRIME_EXPORTER_SEED,
			 "device's copy into its surface");
	igt_vmwgfx_surface_unmap(&staging, ptr);
	pixman_image_unref(expected);
	igt_vmwgfx_surface_destroy(c->importer_fd, &staging);
	igt_vmwgfx_surface_destroy(c->importer_fd, &import);
}

/* The device reads the whole import through vmwgfx's MOB page table. */
static void test_read(struct igt_prime_crossing *c, void *data)
{
	void *copy;
	int ret;

	require_gb_surfaces(c->importer_fd);
	igt_prime_exporter_fill(c, IGT_PRIME_EXPORTER_SEED);
	copy = calloc(1, c->bo.size);
	igt_assert(copy);
	ret = igt_prime_vmwgfx.device_read(c->importer_fd, c->imported, &c->bo, copy);
	igt_assert_f(ret == 0, "vmwgfx device read: %s\n", igt_errno_name(-ret));
	igt_assert_pattern(copy, c->bo.stride, c->bo.width, c->bo.height, IGT_PRIME_EXPORTER_SEED,
			   "device's copy");
	free(copy);
}

static void test_own_dumb_buffer(int fd)
{
	struct igt_vmwgfx_surface srf;
	struct igt_prime_bo bo;
	int ret;

	require_gb_surfaces(fd);
	igt_prime_create(&igt_prime_vmwgfx, fd, IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT, &bo);
	ret = __igt_vmwgfx_surface_create(fd, bo.stride / 4, bo.height, bo.handle, &srf);
	igt_assert_f(ret == -igt_prime_vmwgfx.device_own_errno,
		     "surface on a vmwgfx dumb buffer: %s, expected %s (%s)\n",
		     ret ? igt_errno_name(-ret) : "made",
		     igt_errno_name(igt_prime_vmwgfx.device_own_errno),
		     igt_prime_vmwgfx.device_own_why);
	igt_prime_vmwgfx.destroy(fd, &bo);

	/* The surface itself is fine with a buffer of its own. */
	igt_vmwgfx_surface_create(fd, IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT, 0, &srf);
	igt_vmwgfx_surface_destroy(fd, &srf);
}

int igt_main()
{
	int vmw = -1;

	igt_fixture() {
		igt_prime_open_providers(providers);
		vmw = drm_open_driver(DRIVER_VMWGFX);
	}

	igt_describe("vmwgfx refuses a dumb buffer of its own as a surface's backing.");
	igt_subtest("own-dumb-buffer")
		test_own_dumb_buffer(vmw);

	igt_describe("The device copies a rectangle into an import; the exporter "
		     "checks every pixel.");
	igt_subtest_with_dynamic("copy-rect-to-import")
		igt_prime_for_each_crossing_if(providers, foreign_to_vmwgfx,
					       IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT,
					       test_copy_rect_to_import, NULL);

	igt_describe("The device copies a rectangle of an import; the CPU checks "
		     "every pixel of the copy.");
	igt_subtest_with_dynamic("copy-rect-from-import")
		igt_prime_for_each_crossing_if(providers, foreign_to_vmwgfx,
					       IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT,
					       test_copy_rect_from_import, NULL);

	igt_describe("The device reads a one-page import (a page table of depth 0).");
	igt_subtest_with_dynamic("read-one-page")
		igt_prime_for_each_crossing_if(providers, foreign_to_vmwgfx, 32, 32, test_read,
					       NULL);

	igt_describe("The device reads a 4 MiB import (a page table of depth 2).");
	igt_subtest_with_dynamic("read-4mib")
		igt_prime_for_each_crossing_if(providers, foreign_to_vmwgfx, 1024, 1024, test_read,
					       NULL);

	igt_fixture() {
		drm_close_driver(vmw);
		igt_prime_close_providers(providers);
	}
}
