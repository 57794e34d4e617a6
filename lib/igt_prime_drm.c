// SPDX-License-Identifier: MIT
/*
 * The DRM drivers as buffer providers, through dumb buffers: what all three
 * share. A driver that gains device-side operations moves to a file of its
 * own (igt_vmwgfx.c, igt_virtgpu.c).
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

#include <xf86drm.h>

#include "igt.h"
#include "igt_dumb.h"
#include "igt_prime_provider.h"

static int drm_create(int fd, uint32_t width, uint32_t height, struct igt_prime_bo *bo)
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

static int drm_export(int fd, struct igt_prime_bo *bo, bool writable)
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

static int drm_map(int fd, struct igt_prime_bo *bo, int prot, void **ptr)
{
	return __igt_dumb_map(fd, bo->handle, bo->size, prot, ptr);
}

static void drm_destroy(int fd, struct igt_prime_bo *bo)
{
	igt_dumb_destroy(fd, bo->handle);
}

#define DRM_PROVIDER_OPS \
	.open = igt_prime_drm_open, \
	.create = drm_create, \
	.export = drm_export, \
	.map = drm_map, \
	.destroy = drm_destroy, \
	.imports = true

const struct igt_prime_provider igt_prime_vgem = {
	.name = "vgem",
	.chipset = DRIVER_VGEM,
	DRM_PROVIDER_OPS,
	.maps_imports_why = "drm_gem_dumb_map_offset() refuses imported objects",
};

const struct igt_prime_provider igt_prime_virtio_gpu = {
	.name = "virtio-gpu",
	.chipset = DRIVER_VIRTIO,
	DRM_PROVIDER_OPS,
	/*
	 * Foreign dma-bufs become guest blobs only from 6.14 (ca77f27a2665),
	 * and only with blob resources and no virgl.
	 */
	.foreign_import_errno = ENODEV,
	.foreign_import_why = "virtio-gpu imports foreign dma-bufs only as blobs (>= 6.14, ca77f27a2665, blob without virgl)",
	.maps_imports_why = "virtio-gpu's dumb map offset refuses imported objects",
};

const struct igt_prime_provider igt_prime_vmwgfx = {
	.name = "vmwgfx",
	.chipset = DRIVER_VMWGFX,
	DRM_PROVIDER_OPS,
	/* Imported buffers are mapped through dma_buf_vmap/mmap (50f119925091). */
	.maps_imports = true,
	/* Dumb buffers cross only since b32233accefff (6.9). */
	.prime_since = IGT_PRIME_KERNEL(6, 9),
	.old_import_errno = ENOSYS,
	.old_export_errno = ENOENT,
	.old_why = "vmwgfx imports and exports dumb buffers only from 6.9 (b32233accefff)",
};
