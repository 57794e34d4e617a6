// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <xf86drm.h>

#include "igt.h"
#include "igt_dumb.h"

/**
 * SECTION:igt_dumb
 * @short_description: Dumb buffers that keep the errno
 * @title: Dumb buffers
 * @include: igt_dumb.h
 *
 * Dumb buffers on any KMS or vgem device, with the errors kept.
 *
 * libigt's kmstest_dumb_*() assert; a prime test must also see *which* errno
 * a driver gives, e.g. for mapping an imported object, so every helper here
 * has a __ form that returns -errno.
 */

/**
 * __igt_dumb_create:
 * @fd: DRM fd (a KMS device or vgem)
 * @width: width in pixels
 * @height: height in rows
 * @bpp: bits per pixel
 * @bo: filled with the handle, stride and size the driver chose
 *
 * Returns: 0 on success, -errno from DRM_IOCTL_MODE_CREATE_DUMB otherwise.
 */
int __igt_dumb_create(int fd, uint32_t width, uint32_t height, uint32_t bpp,
		      struct igt_dumb *bo)
{
	struct drm_mode_create_dumb arg = {
		.width = width,
		.height = height,
		.bpp = bpp,
	};

	if (igt_ioctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &arg))
		return -errno;

	*bo = (struct igt_dumb) {
		.handle = arg.handle,
		.width = width,
		.height = height,
		.bpp = bpp,
		.stride = arg.pitch,
		.size = arg.size,
	};
	return 0;
}

/**
 * igt_dumb_create:
 * Like __igt_dumb_create(), asserting that it works and that the driver's
 * stride and size hold the requested rows.
 */
void igt_dumb_create(int fd, uint32_t width, uint32_t height, uint32_t bpp,
		     struct igt_dumb *bo)
{
	igt_assert_eq(__igt_dumb_create(fd, width, height, bpp, bo), 0);
	igt_assert_lte(width * bpp / 8, bo->stride);
	igt_assert_lte((uint64_t)bo->stride * height, bo->size);
}

/**
 * __igt_dumb_map:
 * @fd: DRM fd owning @handle
 * @handle: GEM handle, native or imported
 * @size: bytes to map
 * @prot: PROT_READ and/or PROT_WRITE
 * @ptr: the mapping, on success
 *
 * Maps a GEM object through DRM_IOCTL_MODE_MAP_DUMB and mmap() of the DRM fd,
 * the importer's own CPU path for an imported buffer.
 *
 * Returns: 0, or -errno of whichever step failed.
 */
int __igt_dumb_map(int fd, uint32_t handle, uint64_t size, int prot, void **ptr)
{
	struct drm_mode_map_dumb arg = { .handle = handle };
	void *map;

	if (igt_ioctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &arg))
		return -errno;

	map = mmap(NULL, size, prot, MAP_SHARED, fd, arg.offset);
	if (map == MAP_FAILED)
		return -errno;

	*ptr = map;
	return 0;
}

/**
 * igt_dumb_map:
 * Like __igt_dumb_map(), asserting that it works; returns the mapping.
 */
void *igt_dumb_map(int fd, uint32_t handle, uint64_t size, int prot)
{
	void *ptr = NULL;

	igt_assert_eq(__igt_dumb_map(fd, handle, size, prot, &ptr), 0);
	return ptr;
}

/**
 * __igt_dumb_destroy:
 * Releases @handle with DRM_IOCTL_MODE_DESTROY_DUMB.
 *
 * Returns: 0, or -errno.
 */
int __igt_dumb_destroy(int fd, uint32_t handle)
{
	struct drm_mode_destroy_dumb arg = { .handle = handle };

	if (igt_ioctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &arg))
		return -errno;
	return 0;
}

/**
 * igt_dumb_destroy:
 * Like __igt_dumb_destroy(), asserting that it works.
 */
void igt_dumb_destroy(int fd, uint32_t handle)
{
	igt_assert_eq(__igt_dumb_destroy(fd, handle), 0);
}
