// SPDX-License-Identifier: MIT
/*
 * virtio-gpu helpers: see igt_virtgpu.h.
 */

#include <errno.h>

#include <xf86drm.h>
#include <virtgpu_drm.h>

#include "igt.h"
#include "igt_prime_provider.h"
#include "igt_virtgpu.h"

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
 * Waits for the resource to go idle, asserting that the wait works.
 */
void igt_virtgpu_wait(int fd, uint32_t handle)
{
	int ret = __igt_virtgpu_wait(fd, handle, 0);

	igt_assert_f(ret == 0, "VIRTGPU_WAIT of %u: %s\n", handle, igt_errno_name(-ret));
}

/**
 * igt_virtgpu_test_idle:
 * Returns: 0 idle, -EBUSY busy, or another -errno; never blocks.
 */
int igt_virtgpu_test_idle(int fd, uint32_t handle)
{
	return __igt_virtgpu_wait(fd, handle, VIRTGPU_WAIT_NOWAIT);
}

const struct igt_prime_provider igt_prime_virtio_gpu = {
	.name = "virtio-gpu",
	.chipset = DRIVER_VIRTIO,
	IGT_PRIME_DUMB_OPS,
	.test_idle = igt_virtgpu_test_idle,
	/*
	 * Foreign dma-bufs become guest blobs only from 6.14 (ca77f27a2665),
	 * and only with blob resources and no virgl.
	 */
	.foreign_import_errno = ENODEV,
	.foreign_import_why = "virtio-gpu imports foreign dma-bufs only as blobs (>= 6.14, ca77f27a2665, blob without virgl)",
	.maps_imports_why = "virtio-gpu's dumb map offset refuses imported objects",
};
