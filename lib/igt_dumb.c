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
 * Dumb buffers on any KMS or vgem device, with the errno kept: the __ forms
 * of libigt's kmstest_dumb_create() and kmstest_dumb_map_buffer(), which
 * assert. A prime test must also see *which* errno a driver gives, e.g. for
 * mapping an imported object; where it only needs the buffer, it uses
 * kmstest_dumb_*() themselves.
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
