/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 The xprime authors
 *
 * Dumb buffers on any KMS or vgem device, with the errno kept: the __ forms
 * of libigt's kmstest_dumb_create() and kmstest_dumb_map_buffer(), which
 * assert. A prime test must also see *which* errno a driver gives, e.g. for
 * mapping an imported object; where it only needs the buffer, it uses
 * kmstest_dumb_*() themselves.
 */

#ifndef IGT_DUMB_H
#define IGT_DUMB_H

#include <stdint.h>

struct igt_dumb {
	uint32_t handle;
	uint32_t width;
	uint32_t height;
	uint32_t bpp;
	uint32_t stride;	/* bytes per row, as the driver chose it */
	uint64_t size;		/* bytes, as the driver chose it */
};

int __igt_dumb_create(int fd, uint32_t width, uint32_t height, uint32_t bpp,
		      struct igt_dumb *bo);
int __igt_dumb_map(int fd, uint32_t handle, uint64_t size, int prot, void **ptr);

#endif /* IGT_DUMB_H */
