/*
 * Stand-in for IGT's lib/igt_vgem.h.
 *
 * Declares the vgem helpers of the libigt.so.0 ABI of igt-gpu-tools 2.5.
 * As upstream, igt.h does not include this header; include it yourself.
 */

#ifndef IGT_VGEM_H
#define IGT_VGEM_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A vgem buffer.  The caller fills in width, height and bpp; creation
 * fills in handle, pitch and size.  Layout shared with libigt (32 bytes).
 */
struct vgem_bo {
	uint32_t handle;
	uint32_t width, height;
	uint32_t bpp, pitch;
	uint64_t size;
};

/* Creates @bo with DRM_IOCTL_MODE_CREATE_DUMB; the __ form returns -errno. */
int __vgem_create(int fd, struct vgem_bo *bo);
void vgem_create(int fd, struct vgem_bo *bo);

/* Maps all of @bo with @prot (PROT_*); the __ form returns NULL on error. */
void *__vgem_mmap(int fd, struct vgem_bo *bo, unsigned int prot);
void *vgem_mmap(int fd, struct vgem_bo *bo, unsigned int prot);

/* Flags for vgem_fence_attach() (the first is also in <drm/vgem_drm.h>). */
#define VGEM_FENCE_WRITE		0x1
#define WIP_VGEM_FENCE_NOTIMEOUT	0x2

/* Whether the driver has the fence ioctls, and whether it accepts @flags. */
bool vgem_has_fences(int fd);
bool vgem_fence_has_flag(int fd, unsigned int flags);

/*
 * Attaches an unsignaled fence to @bo's reservation (exclusive with
 * VGEM_FENCE_WRITE) and returns its id; asserts on failure.  There is no
 * exported __vgem_fence_attach().
 */
uint32_t vgem_fence_attach(int fd, struct vgem_bo *bo, unsigned int flags);

/* Signals a fence from vgem_fence_attach(); the __ form returns -errno. */
int __vgem_fence_signal(int fd, uint32_t fence);
void vgem_fence_signal(int fd, uint32_t fence);

#endif /* IGT_VGEM_H */
