// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 *
 * vmwgfx helpers: see igt_vmwgfx.h.
 */

#include <errno.h>

#include <xf86drm.h>
#include <vmwgfx_drm.h>

#include "igt.h"
#include "igt_prime_provider.h"
#include "igt_vmwgfx.h"

/**
 * igt_vmwgfx_test_idle_for:
 * @fd: a vmwgfx DRM fd
 * @handle: a buffer of @fd, native or imported
 * @write: grab it for writing (drm_vmw_synccpu_write), else for reading
 *
 * Whether the buffer's fences, implicit ones included, let the CPU access
 * it as @write says, without blocking: a DRM_VMW_SYNCCPU grab with
 * dontblock and allow_cs, which waits for fences only and needs no
 * release. libigt's vmw_ioctl_syncforcpu() makes the same call but reports
 * every -EBUSY on stderr, which a test that polls a busy buffer expects
 * many times.
 *
 * Returns: 0 idle, -EBUSY busy, or another -errno.
 */
int igt_vmwgfx_test_idle_for(int fd, uint32_t handle, bool write)
{
	struct drm_vmw_synccpu_arg arg = {
		.op = drm_vmw_synccpu_grab,
		.flags = (write ? drm_vmw_synccpu_write : drm_vmw_synccpu_read) |
			 drm_vmw_synccpu_dontblock | drm_vmw_synccpu_allow_cs,
		.handle = handle,
	};

	return drmCommandWrite(fd, DRM_VMW_SYNCCPU, &arg, sizeof(arg)) ? -errno : 0;
}

/**
 * igt_vmwgfx_test_idle:
 * @fd: a vmwgfx DRM fd
 * @handle: a buffer of @fd, native or imported
 *
 * igt_vmwgfx_test_idle_for() for reading.
 *
 * Returns: 0 idle, -EBUSY busy, or another -errno.
 */
int igt_vmwgfx_test_idle(int fd, uint32_t handle)
{
	return igt_vmwgfx_test_idle_for(fd, handle, false);
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
