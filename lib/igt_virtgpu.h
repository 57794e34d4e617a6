/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 The xprime authors
 *
 * virtio-gpu helpers: the driver as a buffer provider, and its own ioctls
 * on resources: waits, transfers between a resource's guest pages and its
 * host copy, and (with virgl) copies between resources on the host.
 */

#ifndef IGT_VIRTGPU_H
#define IGT_VIRTGPU_H

#include <stdbool.h>
#include <stdint.h>

#include "igt_prime_provider.h"

int __igt_virtgpu_wait(int fd, uint32_t handle, uint32_t flags);
void igt_virtgpu_wait(int fd, uint32_t handle);
int igt_virtgpu_test_idle(int fd, uint32_t handle);

int igt_virtgpu_getparam(int fd, uint64_t param);
bool igt_virtgpu_has_virgl(int fd);
bool igt_virtgpu_imports_foreign(int fd);
int __igt_virtgpu_res_handle(int fd, uint32_t handle, uint32_t *res_handle);

int __igt_virtgpu_resource_create_3d(int fd, uint32_t width, uint32_t height,
				     struct igt_prime_bo *bo);
void igt_virtgpu_resource_create_3d(int fd, uint32_t width, uint32_t height,
				    struct igt_prime_bo *bo);
int __igt_virtgpu_map(int fd, const struct igt_prime_bo *bo, int prot, void **ptr);
void *igt_virtgpu_map(int fd, const struct igt_prime_bo *bo, int prot);

int __igt_virtgpu_transfer(int fd, uint32_t handle, bool to_host, uint32_t width,
			   uint32_t height);
void igt_virtgpu_transfer(int fd, uint32_t handle, bool to_host, uint32_t width,
			  uint32_t height);

int __igt_virtgpu_copy_region(int fd, uint32_t dst, uint32_t src, uint32_t width,
			      uint32_t height);
void igt_virtgpu_copy_region(int fd, uint32_t dst, uint32_t src, uint32_t width,
			     uint32_t height);

#endif /* IGT_VIRTGPU_H */
