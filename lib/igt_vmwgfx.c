// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 *
 * vmwgfx helpers: see igt_vmwgfx.h.
 */

#include <errno.h>
#include <strings.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>
#include <vmwgfx_drm.h>

#include "igt.h"
#include "igt_prime_provider.h"
#include "igt_vmwgfx.h"

/**
 * igt_vmwgfx_test_idle:
 * @fd: a vmwgfx DRM fd
 * @handle: a buffer of @fd, native or imported
 *
 * Whether the buffer's fences, implicit ones included, have all signalled,
 * without blocking: a DRM_VMW_SYNCCPU grab with dontblock and allow_cs,
 * which waits for fences only and needs no release. libigt's
 * vmw_ioctl_syncforcpu() makes the same call but reports every -EBUSY on
 * stderr, which a test that polls a busy buffer expects many times.
 *
 * Returns: 0 idle, -EBUSY busy, or another -errno.
 */
int igt_vmwgfx_test_idle(int fd, uint32_t handle)
{
	struct drm_vmw_synccpu_arg arg = {
		.op = drm_vmw_synccpu_grab,
		.flags = drm_vmw_synccpu_read | drm_vmw_synccpu_dontblock |
			 drm_vmw_synccpu_allow_cs,
		.handle = handle,
	};

	return drmCommandWrite(fd, DRM_VMW_SYNCCPU, &arg, sizeof(arg)) ? -errno : 0;
}

/**
 * __igt_vmwgfx_scanout_find:
 * @fd: a vmwgfx DRM fd
 * @scanout: filled with the first connected connector, a CRTC that can
 *	drive it and its preferred (else first) mode
 *
 * Returns: 0, or -ENODEV when no connector is connected.
 */
int __igt_vmwgfx_scanout_find(int fd, struct igt_vmwgfx_scanout *scanout)
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
				*scanout = (struct igt_vmwgfx_scanout) {
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
 * igt_vmwgfx_scanout_find:
 * __igt_vmwgfx_scanout_find(), skipping when nothing is connected.
 */
void igt_vmwgfx_scanout_find(int fd, struct igt_vmwgfx_scanout *scanout)
{
	int ret = __igt_vmwgfx_scanout_find(fd, scanout);

	igt_require_f(ret != -ENODEV, "vmwgfx has no connected connector\n");
	igt_assert_eq(ret, 0);
}

/**
 * __igt_vmwgfx_scanout_show:
 * @fd: a vmwgfx DRM fd that is DRM master
 * @scanout: from igt_vmwgfx_scanout_find()
 * @handle: a buffer of @fd (native or imported), XRGB8888, at least the
 *	mode's size
 * @stride: its bytes per row
 *
 * Makes a framebuffer of the buffer (ADDFB2), sets the mode on it and marks
 * it all dirty: the Legacy Display Unit copies to the screen only what
 * DIRTYFB names.
 *
 * Returns: 0 or -errno of the first ioctl that failed.
 */
int __igt_vmwgfx_scanout_show(int fd, struct igt_vmwgfx_scanout *scanout,
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
	igt_vmwgfx_scanout_dirty(fd, scanout);
	return 0;
}

/**
 * igt_vmwgfx_scanout_show:
 * __igt_vmwgfx_scanout_show(), asserting that it works.
 */
void igt_vmwgfx_scanout_show(int fd, struct igt_vmwgfx_scanout *scanout,
			     uint32_t handle, uint32_t stride)
{
	int ret = __igt_vmwgfx_scanout_show(fd, scanout, handle, stride);

	igt_assert_f(ret == 0, "scanout of buffer %u: %s\n", handle, igt_errno_name(-ret));
}

/**
 * igt_vmwgfx_scanout_dirty:
 * Marks the whole framebuffer dirty (DIRTYFB), after the CPU wrote to it.
 */
void igt_vmwgfx_scanout_dirty(int fd, struct igt_vmwgfx_scanout *scanout)
{
	drmModeClip clip = {
		.x2 = scanout->mode.hdisplay,
		.y2 = scanout->mode.vdisplay,
	};

	igt_assert_eq(drmModeDirtyFB(fd, scanout->fb_id, &clip, 1), 0);
}

/**
 * igt_vmwgfx_scanout_off:
 * Turns the CRTC off and removes the framebuffer.
 */
void igt_vmwgfx_scanout_off(int fd, struct igt_vmwgfx_scanout *scanout)
{
	drmModeSetCrtc(fd, scanout->crtc_id, 0, 0, 0, NULL, 0, NULL);
	if (scanout->fb_id)
		drmModeRmFB(fd, scanout->fb_id);
	scanout->fb_id = 0;
}

const struct igt_prime_provider igt_prime_vmwgfx = {
	.name = "vmwgfx",
	.chipset = DRIVER_VMWGFX,
	IGT_PRIME_DUMB_OPS,
	.test_idle = igt_vmwgfx_test_idle,
	/* vmw_prime_handle_to_fd() looks the handle up with vmw_user_bo_lookup(). */
	.unknown_handle_errno = ESRCH,
	.unknown_handle_why = "vmw_user_bo_lookup() gives ESRCH and logs an error",
	/* Imported buffers are mapped through dma_buf_vmap/mmap (50f119925091). */
	.maps_imports = true,
	/* Dumb buffers cross only since b32233accefff (6.9). */
	.prime_since = IGT_PRIME_KERNEL(6, 9),
	.old_import_errno = ENOSYS,
	.old_export_errno = ENOENT,
	.old_why = "vmwgfx imports and exports dumb buffers only from 6.9 (b32233accefff)",
};
