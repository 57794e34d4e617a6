// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <xf86drm.h>
#include <virtgpu_drm.h>

#include "igt.h"
#include "igt_pattern.h"
#include "igt_prime_provider.h"
#include "igt_virtgpu.h"

/**
 * SECTION:igt_virtgpu
 * @short_description: virtio-gpu buffers, waits and transfers
 * @title: virtio-gpu
 * @include: igt_virtgpu.h
 *
 * virtio-gpu helpers: the driver as a buffer provider, and its own ioctls
 * on resources: waits, transfers between a resource's guest pages and its
 * host copy, and (with virgl) copies between resources on the host.
 */

/**
 * __igt_virtgpu_wait:
 * @fd: a virtio-gpu DRM fd
 * @handle: a resource's handle in @fd
 * @flags: 0 to wait, VIRTGPU_WAIT_NOWAIT to test
 *
 * DRM_IOCTL_VIRTGPU_WAIT: waits for the resource's fences, implicit ones
 * included.
 *
 * Returns: 0 or -errno (-EBUSY: busy and VIRTGPU_WAIT_NOWAIT).
 */
int __igt_virtgpu_wait(int fd, uint32_t handle, uint32_t flags)
{
	struct drm_virtgpu_3d_wait wait = { .handle = handle, .flags = flags };

	return igt_ioctl(fd, DRM_IOCTL_VIRTGPU_WAIT, &wait) ? -errno : 0;
}

/**
 * igt_virtgpu_wait:
 * @fd: a virtio-gpu DRM fd
 * @handle: a resource's handle in @fd
 *
 * Waits for the resource to go idle, asserting that the wait works.
 */
void igt_virtgpu_wait(int fd, uint32_t handle)
{
	int ret = __igt_virtgpu_wait(fd, handle, 0);

	igt_assert_f(ret == 0, "VIRTGPU_WAIT of %u: %s\n", handle, igt_errno_name(-ret));
}

/**
 * igt_virtgpu_test_idle:
 * @fd: a virtio-gpu DRM fd
 * @handle: a resource's handle in @fd
 *
 * Returns: 0 idle, -EBUSY busy, or another -errno; never blocks.
 */
int igt_virtgpu_test_idle(int fd, uint32_t handle)
{
	return __igt_virtgpu_wait(fd, handle, VIRTGPU_WAIT_NOWAIT);
}

/* virgl's command stream: RESOURCE_COPY_REGION takes 13 dwords. */
#define VIRGL_CMD(cmd, obj, len)	((cmd) | (obj) << 8 | (len) << 16)
#define VIRGL_CCMD_RESOURCE_COPY_REGION	17
#define VIRGL_COPY_REGION_SIZE		13

/**
 * igt_virtgpu_has_virgl:
 * @fd: a virtio-gpu DRM fd
 *
 * Returns: whether the device has 3D (virgl): host-side copies and
 * TRANSFER_FROM_HOST.
 */
bool igt_virtgpu_has_virgl(int fd)
{
	return igt_virtgpu_getparam(fd, VIRTGPU_PARAM_3D_FEATURES);
}

/**
 * igt_virtgpu_getparam:
 * @fd: a virtio-gpu DRM fd
 * @param: a VIRTGPU_PARAM_*
 *
 * Returns: the parameter's value, 0 when the kernel does not know it.
 */
int igt_virtgpu_getparam(int fd, uint64_t param)
{
	int value = 0;
	struct drm_virtgpu_getparam gp = {
		.param = param,
		.value = (uintptr_t)&value,
	};

	return igt_ioctl(fd, DRM_IOCTL_VIRTGPU_GETPARAM, &gp) == 0 ? value : 0;
}

/**
 * igt_virtgpu_imports_foreign:
 * @fd: a virtio-gpu DRM fd
 *
 * virtio-gpu imports another driver's dma-buf as a guest blob: from 6.14
 * (ca77f27a2665), on a device with blob resources and without virgl.
 *
 * Returns: whether this device and kernel must take foreign dma-bufs.
 */
bool igt_virtgpu_imports_foreign(int fd)
{
	return igt_virtgpu_getparam(fd, VIRTGPU_PARAM_RESOURCE_BLOB) &&
	       !igt_virtgpu_has_virgl(fd) &&
	       !igt_prime_kernel_older(IGT_PRIME_KERNEL(6, 14));
}

/**
 * __igt_virtgpu_res_handle:
 * @fd: a virtio-gpu DRM fd
 * @handle: a buffer's handle in @fd
 * @res_handle: set to its resource id
 *
 * The host's resource id of the buffer @handle, as virgl commands name it.
 *
 * Returns: 0 or -errno.
 */
int __igt_virtgpu_res_handle(int fd, uint32_t handle, uint32_t *res_handle)
{
	struct drm_virtgpu_resource_info info = { .bo_handle = handle };

	if (igt_ioctl(fd, DRM_IOCTL_VIRTGPU_RESOURCE_INFO, &info))
		return -errno;
	*res_handle = info.res_handle;
	return 0;
}

/**
 * __igt_virtgpu_transfer:
 * @fd: a virtio-gpu DRM fd
 * @handle: a resource's handle in @fd
 * @to_host: TRANSFER_TO_HOST (guest pages to the host's copy), else
 *	TRANSFER_FROM_HOST
 * @width: the box's width, from (0, 0)
 * @height: the box's height
 *
 * The guest pages are laid out as the host lays out the resource (rows of
 * width * 4 bytes for a dumb buffer): with virgl the kernel refuses a
 * stride for anything but host 3D blobs (EINVAL).
 *
 * Returns: 0 or -errno (ENOSYS from the host for TRANSFER_FROM_HOST
 * without virgl).
 */
int __igt_virtgpu_transfer(int fd, uint32_t handle, bool to_host, uint32_t width,
			   uint32_t height)
{
	/* The two ioctls take the same layout. */
	struct drm_virtgpu_3d_transfer_to_host t = {
		.bo_handle = handle,
		.box = { .w = width, .h = height, .d = 1 },
	};

	return igt_ioctl(fd, to_host ? DRM_IOCTL_VIRTGPU_TRANSFER_TO_HOST :
				       DRM_IOCTL_VIRTGPU_TRANSFER_FROM_HOST, &t) ? -errno : 0;
}

/**
 * igt_virtgpu_transfer:
 * @fd: a virtio-gpu DRM fd
 * @handle: a resource's handle in @fd
 * @to_host: TRANSFER_TO_HOST, else TRANSFER_FROM_HOST
 * @width: the box's width, from (0, 0)
 * @height: the box's height
 *
 * __igt_virtgpu_transfer(), asserting that it works.
 */
void igt_virtgpu_transfer(int fd, uint32_t handle, bool to_host, uint32_t width,
			  uint32_t height)
{
	int ret = __igt_virtgpu_transfer(fd, handle, to_host, width, height);

	igt_assert_f(ret == 0, "TRANSFER_%s_HOST of %u: %s\n", to_host ? "TO" : "FROM",
		     handle, igt_errno_name(-ret));
}

/**
 * __igt_virtgpu_copy_region:
 * @fd: a virtio-gpu DRM fd with virgl
 * @dst: the buffer copied to, a handle of @fd
 * @src: the buffer copied from, a handle of @fd
 * @width: the region's width, from (0, 0) in both
 * @height: the region's height
 *
 * Copies between the host's copies of two resources with virgl's
 * RESOURCE_COPY_REGION, submitted by EXECBUFFER in @fd's context.
 *
 * Returns: 0 or -errno.
 */
int __igt_virtgpu_copy_region(int fd, uint32_t dst, uint32_t src, uint32_t width,
			      uint32_t height)
{
	uint32_t dst_res, src_res, handles[2] = { dst, src };
	uint32_t cmd[1 + VIRGL_COPY_REGION_SIZE];
	struct drm_virtgpu_execbuffer eb = {
		.size = sizeof(cmd),
		.command = (uintptr_t)cmd,
		.bo_handles = (uintptr_t)handles,
		.num_bo_handles = 2,
		.fence_fd = -1,
	};
	int ret;

	ret = __igt_virtgpu_res_handle(fd, dst, &dst_res);
	ret = ret ?: __igt_virtgpu_res_handle(fd, src, &src_res);
	if (ret)
		return ret;

	/* dst resource, level, x, y, z; src resource, level, box x, y, z, w, h, d */
	memcpy(cmd, (uint32_t[]) {
		VIRGL_CMD(VIRGL_CCMD_RESOURCE_COPY_REGION, 0, VIRGL_COPY_REGION_SIZE),
		dst_res, 0, 0, 0, 0,
		src_res, 0, 0, 0, 0, width, height, 1,
	}, sizeof(cmd));
	return igt_ioctl(fd, DRM_IOCTL_VIRTGPU_EXECBUFFER, &eb) ? -errno : 0;
}

/**
 * igt_virtgpu_copy_region:
 * @fd: a virtio-gpu DRM fd with virgl
 * @dst: the buffer copied to, a handle of @fd
 * @src: the buffer copied from, a handle of @fd
 * @width: the region's width, from (0, 0) in both
 * @height: the region's height
 *
 * __igt_virtgpu_copy_region(), asserting that it works.
 */
void igt_virtgpu_copy_region(int fd, uint32_t dst, uint32_t src, uint32_t width,
			     uint32_t height)
{
	int ret = __igt_virtgpu_copy_region(fd, dst, src, width, height);

	igt_assert_f(ret == 0, "RESOURCE_COPY_REGION %u <- %u: %s\n", dst, src,
		     igt_errno_name(-ret));
}

/* Gallium's names, as virgl uses them: a 2D texture of B8G8R8X8 pixels. */
#define PIPE_TEXTURE_2D			2
#define VIRGL_FORMAT_B8G8R8X8_UNORM	2
#define VIRGL_BIND_RENDER_TARGET	(1 << 1)
#define VIRGL_BIND_SAMPLER_VIEW		(1 << 3)
/* Row 0 at the top, as in dumb buffers; without it the host stores rows GL's way up. */
#define VIRGL_RESOURCE_Y_0_TOP		(1 << 0)

/**
 * __igt_virtgpu_resource_create_3d:
 * @fd: a virtio-gpu DRM fd with virgl
 * @width: pixels per row
 * @height: rows
 * @bo: filled with the handle and the guest layout (rows of @width * 4)
 *
 * RESOURCE_CREATE of a 3D resource: a 2D texture that virgl renders to and
 * samples from, with guest pages for transfers, row 0 at the top as in a
 * dumb buffer (copies between the two would flip it otherwise).
 *
 * Returns: 0 or -errno.
 */
int __igt_virtgpu_resource_create_3d(int fd, uint32_t width, uint32_t height,
				     struct igt_prime_bo *bo)
{
	struct drm_virtgpu_resource_create args = {
		.target = PIPE_TEXTURE_2D,
		.format = VIRGL_FORMAT_B8G8R8X8_UNORM,
		.bind = VIRGL_BIND_RENDER_TARGET | VIRGL_BIND_SAMPLER_VIEW,
		.width = width,
		.height = height,
		.depth = 1,
		.array_size = 1,
		.flags = VIRGL_RESOURCE_Y_0_TOP,
		.stride = width * 4,
		.size = width * 4 * height,
	};

	if (igt_ioctl(fd, DRM_IOCTL_VIRTGPU_RESOURCE_CREATE, &args))
		return -errno;
	*bo = (struct igt_prime_bo) {
		.width = width, .height = height, .stride = width * 4,
		.size = args.size, .handle = args.bo_handle, .backing = -1, .dmabuf = -1,
	};
	return 0;
}

/**
 * __igt_virtgpu_map:
 * @fd: a virtio-gpu DRM fd
 * @bo: a resource of @fd
 * @prot: PROT_READ and/or PROT_WRITE
 * @ptr: set to the mapping, @bo->size bytes
 *
 * Maps a resource's guest pages through DRM_IOCTL_VIRTGPU_MAP.
 *
 * Returns: 0 or -errno.
 */
int __igt_virtgpu_map(int fd, const struct igt_prime_bo *bo, int prot, void **ptr)
{
	struct drm_virtgpu_map map = { .handle = bo->handle };
	void *p;

	if (igt_ioctl(fd, DRM_IOCTL_VIRTGPU_MAP, &map))
		return -errno;
	p = mmap(NULL, bo->size, prot, MAP_SHARED, fd, map.offset);
	if (p == MAP_FAILED)
		return -errno;
	*ptr = p;
	return 0;
}

/**
 * igt_virtgpu_resource_create_3d:
 * @fd: a virtio-gpu DRM fd with virgl
 * @width: pixels per row
 * @height: rows
 * @bo: filled with the handle and the guest layout
 *
 * __igt_virtgpu_resource_create_3d(), asserting that it works.
 */
void igt_virtgpu_resource_create_3d(int fd, uint32_t width, uint32_t height,
				    struct igt_prime_bo *bo)
{
	int ret = __igt_virtgpu_resource_create_3d(fd, width, height, bo);

	igt_assert_f(ret == 0, "RESOURCE_CREATE %ux%u: %s\n", width, height,
		     igt_errno_name(-ret));
}

/**
 * igt_virtgpu_map:
 * @fd: a virtio-gpu DRM fd
 * @bo: a resource of @fd
 * @prot: PROT_READ and/or PROT_WRITE
 *
 * __igt_virtgpu_map(), asserting that it works.
 *
 * Returns: the mapping, @bo->size bytes.
 */
void *igt_virtgpu_map(int fd, const struct igt_prime_bo *bo, int prot)
{
	void *ptr = NULL;
	int ret = __igt_virtgpu_map(fd, bo, prot, &ptr);

	igt_assert_f(ret == 0, "VIRTGPU_MAP of %u: %s\n", bo->handle, igt_errno_name(-ret));
	return ptr;
}

/*
 * The device writes: the pattern goes into a staging resource, up to the
 * host, across to the buffer's host copy, and down into its guest pages.
 */
static int virtgpu_device_write(int fd, uint32_t handle, const struct igt_prime_bo *bo,
				uint32_t seed)
{
	struct igt_prime_bo staging;
	void *ptr;

	if (!igt_virtgpu_has_virgl(fd))
		return -EOPNOTSUPP;
	igt_virtgpu_resource_create_3d(fd, bo->width, bo->height, &staging);
	ptr = igt_virtgpu_map(fd, &staging, PROT_WRITE);
	igt_pattern_fill(ptr, staging.stride, bo->width, bo->height, seed);
	munmap(ptr, staging.size);

	igt_virtgpu_transfer(fd, staging.handle, true, bo->width, bo->height);
	igt_virtgpu_copy_region(fd, handle, staging.handle, bo->width, bo->height);
	igt_virtgpu_transfer(fd, handle, false, bo->width, bo->height);
	igt_virtgpu_wait(fd, handle);
	gem_close(fd, staging.handle);
	return 0;
}

/*
 * The device reads: the buffer's guest pages go up to the host, across to a
 * staging resource, and down into its pages, which the CPU then reads.
 */
static int virtgpu_device_read(int fd, uint32_t handle, const struct igt_prime_bo *bo,
			       void *dst)
{
	struct igt_prime_bo staging;
	void *ptr;

	if (!igt_virtgpu_has_virgl(fd))
		return -EOPNOTSUPP;
	igt_virtgpu_resource_create_3d(fd, bo->width, bo->height, &staging);

	igt_virtgpu_transfer(fd, handle, true, bo->width, bo->height);
	igt_virtgpu_copy_region(fd, staging.handle, handle, bo->width, bo->height);
	igt_virtgpu_transfer(fd, staging.handle, false, bo->width, bo->height);
	igt_virtgpu_wait(fd, staging.handle);

	ptr = igt_virtgpu_map(fd, &staging, PROT_READ);
	memset(dst, 0, bo->size);
	for (uint32_t y = 0; y < bo->height; y++)
		memcpy((char *)dst + (uint64_t)y * bo->stride,
		       (char *)ptr + (uint64_t)y * staging.stride, bo->width * 4);
	munmap(ptr, staging.size);
	gem_close(fd, staging.handle);
	return 0;
}

const struct igt_prime_provider igt_prime_virtio_gpu = {
	.name = "virtio-gpu",
	.chipset = DRIVER_VIRTIO,
	IGT_PRIME_DUMB_OPS,
	.test_idle = igt_virtgpu_test_idle,
	.device_write = virtgpu_device_write,
	.device_read = virtgpu_device_read,
	.device_why = "host-side copies need virgl (TRANSFER_FROM_HOST is ENOSYS without it)",
	.has_device_copies = igt_virtgpu_has_virgl,
	/*
	 * Foreign dma-bufs become guest blobs only from 6.14 (ca77f27a2665),
	 * and only with blob resources and no virgl.
	 */
	.foreign_import_errno = ENODEV,
	.foreign_import_why = "virtio-gpu imports foreign dma-bufs only as blobs (>= 6.14, ca77f27a2665, blob without virgl)",
	.imports_foreign = igt_virtgpu_imports_foreign,
	.maps_imports_why = "virtio-gpu's dumb map offset refuses imported objects",
};
