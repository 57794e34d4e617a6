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

#include <stdint.h>

#include <xf86drmMode.h>

/* A CRTC driving a connected connector, and the mode it shows. */
struct igt_vmwgfx_scanout {
	uint32_t crtc_id;
	uint32_t connector_id;
	drmModeModeInfo mode;
	uint32_t fb_id;		/* 0 until igt_vmwgfx_scanout_show() */
};

int __igt_vmwgfx_scanout_find(int fd, struct igt_vmwgfx_scanout *scanout);
void igt_vmwgfx_scanout_find(int fd, struct igt_vmwgfx_scanout *scanout);
int __igt_vmwgfx_scanout_show(int fd, struct igt_vmwgfx_scanout *scanout,
			      uint32_t handle, uint32_t stride);
void igt_vmwgfx_scanout_show(int fd, struct igt_vmwgfx_scanout *scanout,
			     uint32_t handle, uint32_t stride);
void igt_vmwgfx_scanout_dirty(int fd, struct igt_vmwgfx_scanout *scanout);
void igt_vmwgfx_scanout_off(int fd, struct igt_vmwgfx_scanout *scanout);

int igt_vmwgfx_test_idle(int fd, uint32_t handle);

#endif /* IGT_VMWGFX_H */
