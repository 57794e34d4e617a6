/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 The xprime authors
 *
 * vmwgfx helpers: the driver as a buffer provider, and its own ioctls on
 * buffers: waits, and on a device with guest-backed objects, surfaces backed
 * by any buffer (an imported one too) and the device's copies between them.
 * Names keep clear of libigt's vmw_* exports (which need IGT's lib/svga
 * headers and would be interposed by a same-named definition).
 */

#ifndef IGT_VMWGFX_H
#define IGT_VMWGFX_H

#include <stdbool.h>
#include <stdint.h>

int igt_vmwgfx_test_idle_for(int fd, uint32_t handle, bool write);
int igt_vmwgfx_test_idle(int fd, uint32_t handle);

/* An XRGB8888 guest-backed surface: rows of width * 4 bytes in its buffer. */
struct igt_vmwgfx_surface {
	uint32_t handle;	/* the surface */
	uint32_t buffer;	/* its backing buffer's GEM handle */
	bool own_buffer;	/* made with the surface, closed with it */
	uint64_t map_offset;	/* mmap() offset of its own buffer */
	uint32_t width;
	uint32_t height;
};

struct igt_vmwgfx_rect {
	uint32_t x, y, w, h;
};

bool igt_vmwgfx_has_gb_surfaces(int fd);
int __igt_vmwgfx_surface_create(int fd, uint32_t width, uint32_t height,
				uint32_t buffer, struct igt_vmwgfx_surface *srf);
void igt_vmwgfx_surface_create(int fd, uint32_t width, uint32_t height,
			       uint32_t buffer, struct igt_vmwgfx_surface *srf);
void igt_vmwgfx_surface_destroy(int fd, struct igt_vmwgfx_surface *srf);
void *igt_vmwgfx_surface_map(int fd, const struct igt_vmwgfx_surface *srf, int prot);
void igt_vmwgfx_surface_unmap(const struct igt_vmwgfx_surface *srf, void *ptr);
int __igt_vmwgfx_surface_copy(int fd, const struct igt_vmwgfx_surface *dst,
			      uint32_t dst_x, uint32_t dst_y,
			      const struct igt_vmwgfx_surface *src,
			      const struct igt_vmwgfx_rect *rect);
void igt_vmwgfx_surface_copy(int fd, const struct igt_vmwgfx_surface *dst,
			     uint32_t dst_x, uint32_t dst_y,
			     const struct igt_vmwgfx_surface *src,
			     const struct igt_vmwgfx_rect *rect);

/* SVGA3D commands user space sends (svga3d_cmd.h), under names of our own. */
#define IGT_VMWGFX_CMD_SURFACE_COPY			1042
#define IGT_VMWGFX_CMD_UPDATE_GB_IMAGE			1101
#define IGT_VMWGFX_CMD_UPDATE_GB_SURFACE		1102
#define IGT_VMWGFX_CMD_READBACK_GB_IMAGE		1103
#define IGT_VMWGFX_CMD_READBACK_GB_SURFACE		1104
#define IGT_VMWGFX_CMD_NOP				1119
#define IGT_VMWGFX_CMD_READBACK_GB_IMAGE_PARTIAL	1128

/* A command buffer: headers (id, bytes that follow) and their bodies. */
struct igt_vmwgfx_cmds {
	uint32_t words[128];
	uint32_t size;		/* bytes to submit */
};

void igt_vmwgfx_cmd(struct igt_vmwgfx_cmds *c, uint32_t id, const uint32_t *body,
		    uint32_t words);
void igt_vmwgfx_cmd_sized(struct igt_vmwgfx_cmds *c, uint32_t id, uint32_t size,
			  const void *body);
int __igt_vmwgfx_execbuf(int fd, const struct igt_vmwgfx_cmds *c, uint32_t *fence);
int __igt_vmwgfx_fence_wait(int fd, uint32_t fence, uint64_t timeout_us);
void igt_vmwgfx_fence_unref(int fd, uint32_t fence);
int __igt_vmwgfx_submit(int fd, const struct igt_vmwgfx_cmds *c, uint64_t timeout_us);
int __igt_vmwgfx_bo_create(int fd, uint32_t size, uint32_t *handle);
uint32_t igt_vmwgfx_bo_create(int fd, uint32_t size);
int __igt_vmwgfx_surface_create_flags(int fd, uint32_t width, uint32_t height,
				      uint32_t buffer, uint32_t flags,
				      struct igt_vmwgfx_surface *srf);

#endif /* IGT_VMWGFX_H */
