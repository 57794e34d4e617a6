/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 The xprime authors
 *
 * vmwgfx helpers: the driver as a buffer provider, and its own ioctls on
 * buffers. Names keep clear of libigt's vmw_* exports (which need IGT's
 * lib/svga headers and would be interposed by a same-named definition).
 */

#ifndef IGT_VMWGFX_H
#define IGT_VMWGFX_H

#include <stdbool.h>
#include <stdint.h>

int igt_vmwgfx_test_idle_for(int fd, uint32_t handle, bool write);
int igt_vmwgfx_test_idle(int fd, uint32_t handle);

#endif /* IGT_VMWGFX_H */
