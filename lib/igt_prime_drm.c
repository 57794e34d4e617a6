// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

#include <xf86drm.h>

#include "igt.h"
#include "igt_dumb.h"
#include "igt_prime_provider.h"

/**
 * SECTION:igt_prime_drm
 * @short_description: DRM drivers as dma-buf providers
 * @title: Prime DRM providers
 * @include: igt_prime_provider.h
 *
 * The DRM drivers as buffer providers, through dumb buffers: the operations
 * all three share, and vgem, which has nothing else. vmwgfx and virtio-gpu,
 * which have device-side operations, are in igt_vmwgfx.c and igt_virtgpu.c.
 */

/**
 * igt_prime_dumb_create:
 * @fd: a DRM fd
 * @width: pixels per row
 * @height: rows
 * @bo: the buffer made
 *
 * A DRM provider's create(), of IGT_PRIME_DUMB_OPS: an XRGB8888 dumb
 * buffer.
 *
 * Returns: 0 or -errno.
 */
int igt_prime_dumb_create(int fd, uint32_t width, uint32_t height, struct igt_prime_bo *bo)
{
	struct igt_dumb dumb;
	int ret = __igt_dumb_create(fd, width, height, 32, &dumb);

	if (ret)
		return ret;

	bo->width = width;
	bo->height = height;
	bo->stride = dumb.stride;
	bo->size = dumb.size;
	bo->handle = dumb.handle;
	return 0;
}

/**
 * igt_prime_dumb_export:
 * @fd: a DRM fd
 * @bo: a buffer of @fd
 * @writable: with DRM_RDWR, so that the dma-buf may be mapped for writing
 *
 * A DRM provider's export(), of IGT_PRIME_DUMB_OPS: PRIME_HANDLE_TO_FD.
 *
 * Returns: the new dma-buf fd, or -errno.
 */
int igt_prime_dumb_export(int fd, struct igt_prime_bo *bo, bool writable)
{
	struct drm_prime_handle args = {
		.handle = bo->handle,
		.flags = DRM_CLOEXEC | (writable ? DRM_RDWR : 0),
		.fd = -1,
	};

	if (igt_ioctl(fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &args))
		return -errno;
	return args.fd;
}

/**
 * igt_prime_dumb_map:
 * @fd: a DRM fd
 * @bo: a buffer of @fd
 * @prot: PROT_READ and/or PROT_WRITE
 * @ptr: set to the mapping, @bo->size bytes
 *
 * A DRM provider's map(), of IGT_PRIME_DUMB_OPS: MODE_MAP_DUMB and mmap().
 *
 * Returns: 0 or -errno.
 */
int igt_prime_dumb_map(int fd, struct igt_prime_bo *bo, int prot, void **ptr)
{
	return __igt_dumb_map(fd, bo->handle, bo->size, prot, ptr);
}

/**
 * igt_prime_dumb_destroy:
 * @fd: a DRM fd
 * @bo: a buffer of @fd
 *
 * A DRM provider's destroy(), of IGT_PRIME_DUMB_OPS.
 */
void igt_prime_dumb_destroy(int fd, struct igt_prime_bo *bo)
{
	kmstest_dumb_destroy(fd, bo->handle);
}

const struct igt_prime_provider igt_prime_vgem = {
	.name = "vgem",
	.chipset = DRIVER_VGEM,
	IGT_PRIME_DUMB_OPS,
	.maps_imports_why = "drm_gem_dumb_map_offset() refuses imported objects",
	/* vgem has no wait ioctl: its fences are waited on through dma-bufs. */
};
