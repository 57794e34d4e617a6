/* SPDX-License-Identifier: MIT */
/*
 * virtio-gpu helpers: the driver as a buffer provider, and its own ioctls
 * on resources.
 */

#ifndef IGT_VIRTGPU_H
#define IGT_VIRTGPU_H

#include <stdint.h>

int __igt_virtgpu_wait(int fd, uint32_t handle, uint32_t flags);
void igt_virtgpu_wait(int fd, uint32_t handle);
int igt_virtgpu_test_idle(int fd, uint32_t handle);

#endif /* IGT_VIRTGPU_H */
