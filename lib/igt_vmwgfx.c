// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 *
 * vmwgfx helpers: see igt_vmwgfx.h.
 */

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <xf86drm.h>
#include <vmwgfx_drm.h>

#include "igt.h"
#include "igt_pattern.h"
#include "igt_prime_provider.h"
#include "igt_vmwgfx.h"

/*
 * What these helpers need of VMware's SVGA device interface (svga_reg.h,
 * svga3d_*.h), under names of their own: the headers are not installed
 * by any package, and where they are (IGT's lib/svga) these must not
 * clash with them.
 */
#define VMWGFX_CAP_GBOBJECTS		(1u << 27)	/* SVGA_CAP_GBOBJECTS */
#define VMWGFX_INVALID_ID		0xffffffffu	/* SVGA3D_INVALID_ID */
#define VMWGFX_FORMAT_XRGB8888		1		/* SVGA3D_X8R8G8B8 */

/* Longest the device copies take, in microseconds. */
#define VMWGFX_COPY_TIMEOUT_US		(10 * 1000 * 1000)

/**
 * igt_vmwgfx_test_idle_for:
 * @fd: a vmwgfx DRM fd
 * @handle: a buffer of @fd, native or imported
 * @write: grab it for writing (drm_vmw_synccpu_write), else for reading
 *
 * Whether the buffer's fences, implicit ones included, let the CPU access
 * it as @write says, without blocking: a DRM_VMW_SYNCCPU grab with
 * dontblock and allow_cs, which waits for fences only and needs no
 * release. libigt's vmw_ioctl_syncforcpu() makes the same call but reports
 * every -EBUSY on stderr, which a test that polls a busy buffer expects
 * many times.
 *
 * Returns: 0 idle, -EBUSY busy, or another -errno.
 */
int igt_vmwgfx_test_idle_for(int fd, uint32_t handle, bool write)
{
	struct drm_vmw_synccpu_arg arg = {
		.op = drm_vmw_synccpu_grab,
		.flags = (write ? drm_vmw_synccpu_write : drm_vmw_synccpu_read) |
			 drm_vmw_synccpu_dontblock | drm_vmw_synccpu_allow_cs,
		.handle = handle,
	};

	return drmCommandWrite(fd, DRM_VMW_SYNCCPU, &arg, sizeof(arg)) ? -errno : 0;
}

/**
 * igt_vmwgfx_test_idle:
 * @fd: a vmwgfx DRM fd
 * @handle: a buffer of @fd, native or imported
 *
 * igt_vmwgfx_test_idle_for() for reading.
 *
 * Returns: 0 idle, -EBUSY busy, or another -errno.
 */
int igt_vmwgfx_test_idle(int fd, uint32_t handle)
{
	return igt_vmwgfx_test_idle_for(fd, handle, false);
}

static uint64_t vmwgfx_getparam(int fd, uint32_t param)
{
	struct drm_vmw_getparam_arg arg = { .param = param };

	if (drmCommandWriteRead(fd, DRM_VMW_GET_PARAM, &arg, sizeof(arg)))
		return 0;
	return arg.value;
}

/**
 * igt_vmwgfx_has_gb_surfaces:
 * @fd: a vmwgfx DRM fd
 *
 * Whether the device has guest-backed objects (SVGA_CAP_GBOBJECTS) and 3D,
 * so that user space makes guest-backed surfaces and has the device copy
 * between them. VMware's device has them; QEMU's vmware-svga as it ships
 * has not.
 *
 * Returns: true when it has.
 */
bool igt_vmwgfx_has_gb_surfaces(int fd)
{
	return (vmwgfx_getparam(fd, DRM_VMW_PARAM_HW_CAPS) & VMWGFX_CAP_GBOBJECTS) &&
	       vmwgfx_getparam(fd, DRM_VMW_PARAM_3D);
}

/**
 * __igt_vmwgfx_surface_create_flags:
 * @fd: a vmwgfx DRM fd
 * @width: pixels a row, any value (vmwgfx and the device are to check it)
 * @height: rows, any value
 * @buffer: the buffer to back the surface with (a GEM handle of @fd, an
 *	imported one too), or 0 for a new buffer made with it
 * @flags: drm_vmw_surface_flag_* besides create_buffer (scanout, say)
 * @srf: the surface made
 *
 * Makes an XRGB8888 guest-backed surface (DRM_VMW_GB_SURFACE_CREATE): the
 * device reads it from and writes it to @buffer's pages, rows of @width * 4
 * bytes from its start, through the page table vmwgfx builds of them.
 *
 * Returns: 0, or -errno: vmwgfx refuses dumb buffers as backing (EINVAL),
 * and buffers smaller than it computes the surface to need (EINVAL).
 */
int __igt_vmwgfx_surface_create_flags(int fd, uint32_t width, uint32_t height,
				      uint32_t buffer, uint32_t flags,
				      struct igt_vmwgfx_surface *srf)
{
	union drm_vmw_gb_surface_create_arg arg = {
		.req = {
			.format = VMWGFX_FORMAT_XRGB8888,
			.mip_levels = 1,
			.buffer_handle = buffer ?: VMWGFX_INVALID_ID,
			.drm_surface_flags = flags |
				(buffer ? 0 : drm_vmw_surface_flag_create_buffer),
			.base_size = { .width = width, .height = height, .depth = 1 },
		},
	};

	if (drmCommandWriteRead(fd, DRM_VMW_GB_SURFACE_CREATE, &arg, sizeof(arg)))
		return -errno;
	memset(srf, 0, sizeof(*srf));
	srf->handle = arg.rep.handle;
	srf->buffer = buffer ?: arg.rep.buffer_handle;
	srf->own_buffer = !buffer;
	srf->map_offset = arg.rep.buffer_map_handle;
	srf->width = width;
	srf->height = height;
	return 0;
}

/**
 * __igt_vmwgfx_surface_create:
 * @fd: a vmwgfx DRM fd
 * @width: pixels a row
 * @height: rows
 * @buffer: the buffer to back the surface with, or 0 for a new one
 * @srf: the surface made
 *
 * __igt_vmwgfx_surface_create_flags() without further flags.
 *
 * Returns: 0, or -errno.
 */
int __igt_vmwgfx_surface_create(int fd, uint32_t width, uint32_t height,
				uint32_t buffer, struct igt_vmwgfx_surface *srf)
{
	return __igt_vmwgfx_surface_create_flags(fd, width, height, buffer, 0, srf);
}

/**
 * igt_vmwgfx_surface_create:
 * @fd: a vmwgfx DRM fd
 * @width: pixels a row
 * @height: rows
 * @buffer: a GEM handle of @fd to back the surface with, or 0 for a new one
 * @srf: the surface made
 *
 * __igt_vmwgfx_surface_create(), asserting that it works.
 */
void igt_vmwgfx_surface_create(int fd, uint32_t width, uint32_t height,
			       uint32_t buffer, struct igt_vmwgfx_surface *srf)
{
	int ret = __igt_vmwgfx_surface_create(fd, width, height, buffer, srf);

	igt_assert_f(ret == 0, "GB_SURFACE_CREATE %ux%u on buffer %u: %s\n",
		     width, height, buffer, igt_errno_name(-ret));
}

/**
 * igt_vmwgfx_surface_destroy:
 * @fd: a vmwgfx DRM fd
 * @srf: a surface of igt_vmwgfx_surface_create()
 *
 * Drops the surface, and the buffer made with it; a given buffer stays.
 */
void igt_vmwgfx_surface_destroy(int fd, struct igt_vmwgfx_surface *srf)
{
	struct drm_vmw_surface_arg arg = { .sid = srf->handle };

	igt_assert_eq(drmCommandWrite(fd, DRM_VMW_UNREF_SURFACE, &arg, sizeof(arg)), 0);
	if (srf->own_buffer)
		gem_close(fd, srf->buffer);
	memset(srf, 0, sizeof(*srf));
}

static size_t surface_bytes(const struct igt_vmwgfx_surface *srf)
{
	return (size_t)srf->width * 4 * srf->height;
}

/**
 * igt_vmwgfx_surface_map:
 * @fd: a vmwgfx DRM fd
 * @srf: a surface made with its own buffer
 * @prot: PROT_READ and/or PROT_WRITE
 *
 * Maps the surface's own buffer for the CPU, until
 * igt_vmwgfx_surface_unmap().
 *
 * Returns: the mapping.
 */
void *igt_vmwgfx_surface_map(int fd, const struct igt_vmwgfx_surface *srf, int prot)
{
	void *ptr;

	igt_assert_f(srf->own_buffer, "surface %u: no buffer of its own to map\n",
		     srf->handle);
	ptr = mmap(NULL, surface_bytes(srf), prot, MAP_SHARED, fd, srf->map_offset);
	igt_assert_f(ptr != MAP_FAILED, "mmap of surface %u's buffer: %s\n",
		     srf->handle, igt_errno_name(errno));
	return ptr;
}

/**
 * igt_vmwgfx_surface_unmap:
 * @srf: a surface mapped with igt_vmwgfx_surface_map()
 * @ptr: the mapping
 *
 * Unmaps it.
 */
void igt_vmwgfx_surface_unmap(const struct igt_vmwgfx_surface *srf, void *ptr)
{
	munmap(ptr, surface_bytes(srf));
}

/**
 * igt_vmwgfx_cmd_sized:
 * @c: the command buffer
 * @id: an SVGA3D command id
 * @size: the bytes its header says follow (any value: a short body too)
 * @body: @size bytes of body
 *
 * Appends a command whose header claims @size bytes, and those bytes: the
 * next command starts right after them, on any byte.
 */
void igt_vmwgfx_cmd_sized(struct igt_vmwgfx_cmds *c, uint32_t id, uint32_t size,
			  const void *body)
{
	uint8_t *at = (uint8_t *)c->words + c->size;
	const uint32_t header[2] = { id, size };

	igt_assert(c->size + sizeof(header) + size <= sizeof(c->words));
	memcpy(at, header, sizeof(header));
	memcpy(at + sizeof(header), body, size);
	c->size += sizeof(header) + size;
}

/**
 * igt_vmwgfx_cmd:
 * @c: the command buffer
 * @id: an SVGA3D command id
 * @body: its body
 * @words: 32-bit words of @body
 *
 * Appends a command with its whole body.
 */
void igt_vmwgfx_cmd(struct igt_vmwgfx_cmds *c, uint32_t id, const uint32_t *body,
		    uint32_t words)
{
	igt_vmwgfx_cmd_sized(c, id, words * 4, body);
}

/**
 * __igt_vmwgfx_execbuf:
 * @fd: a vmwgfx DRM fd
 * @c: the commands, submitted as they are (vmwgfx's command checker sees
 *	them first)
 * @fence: the fence that signals once the device has run them
 *
 * DRM_VMW_EXECBUF of @c, without a context, asking for a fence.
 *
 * Returns: 0, or -errno of the ioctl (the checker's refusal), or the
 * fence's error (the commands were sent).
 */
int __igt_vmwgfx_execbuf(int fd, const struct igt_vmwgfx_cmds *c, uint32_t *fence)
{
	struct drm_vmw_fence_rep rep = { .error = -EINVAL };
	struct drm_vmw_execbuf_arg arg = {
		.commands = to_user_pointer(c->words),
		.command_size = c->size,
		.fence_rep = to_user_pointer(&rep),
		.version = DRM_VMW_EXECBUF_VERSION,
		.context_handle = VMWGFX_INVALID_ID,
		.imported_fence_fd = -1,
	};

	if (drmCommandWrite(fd, DRM_VMW_EXECBUF, &arg, sizeof(arg)))
		return -errno;
	if (rep.error)
		return rep.error;
	*fence = rep.handle;
	return 0;
}

/**
 * __igt_vmwgfx_fence_wait:
 * @fd: a vmwgfx DRM fd
 * @fence: a fence of __igt_vmwgfx_execbuf()
 * @timeout_us: how long to wait at most
 *
 * DRM_VMW_FENCE_WAIT for the device's progress past @fence.
 *
 * Returns: 0 signalled, -EBUSY not within @timeout_us, or another -errno.
 */
int __igt_vmwgfx_fence_wait(int fd, uint32_t fence, uint64_t timeout_us)
{
	struct drm_vmw_fence_wait_arg wait = {
		.handle = fence,
		.timeout_us = timeout_us,
		.flags = DRM_VMW_FENCE_FLAG_EXEC,
	};

	return drmCommandWriteRead(fd, DRM_VMW_FENCE_WAIT, &wait, sizeof(wait)) ? -errno : 0;
}

/**
 * igt_vmwgfx_fence_unref:
 * @fd: a vmwgfx DRM fd
 * @fence: a fence of __igt_vmwgfx_execbuf()
 *
 * Drops the fence's handle.
 */
void igt_vmwgfx_fence_unref(int fd, uint32_t fence)
{
	struct drm_vmw_fence_arg unref = { .handle = fence };

	drmCommandWrite(fd, DRM_VMW_FENCE_UNREF, &unref, sizeof(unref));
}

/**
 * __igt_vmwgfx_submit:
 * @fd: a vmwgfx DRM fd
 * @c: the commands
 * @timeout_us: how long the device may take
 *
 * __igt_vmwgfx_execbuf(), then waits for its fence.
 *
 * Returns: 0, or -errno of the execbuf, or of the wait (EBUSY: the fence
 * did not signal within @timeout_us).
 */
int __igt_vmwgfx_submit(int fd, const struct igt_vmwgfx_cmds *c, uint64_t timeout_us)
{
	uint32_t fence;
	int ret;

	ret = __igt_vmwgfx_execbuf(fd, c, &fence);
	if (ret)
		return ret;
	ret = __igt_vmwgfx_fence_wait(fd, fence, timeout_us);
	igt_vmwgfx_fence_unref(fd, fence);
	return ret;
}

/**
 * __igt_vmwgfx_bo_create:
 * @fd: a vmwgfx DRM fd
 * @size: bytes
 * @handle: the buffer's GEM handle
 *
 * A vmwgfx buffer that may back surfaces (DRM_VMW_ALLOC_DMABUF), unlike a
 * dumb buffer.
 *
 * Returns: 0, or -errno.
 */
int __igt_vmwgfx_bo_create(int fd, uint32_t size, uint32_t *handle)
{
	union drm_vmw_alloc_dmabuf_arg arg = { .req = { .size = size } };

	if (drmCommandWriteRead(fd, DRM_VMW_ALLOC_DMABUF, &arg, sizeof(arg)))
		return -errno;
	*handle = arg.rep.handle;
	return 0;
}

/**
 * igt_vmwgfx_bo_create:
 * @fd: a vmwgfx DRM fd
 * @size: bytes
 *
 * __igt_vmwgfx_bo_create(), asserting that it works.
 *
 * Returns: the buffer's GEM handle (gem_close() it).
 */
uint32_t igt_vmwgfx_bo_create(int fd, uint32_t size)
{
	uint32_t handle = 0;
	int ret = __igt_vmwgfx_bo_create(fd, size, &handle);

	igt_assert_f(ret == 0, "ALLOC_DMABUF of %u bytes: %s\n", size, igt_errno_name(-ret));
	return handle;
}

/**
 * __igt_vmwgfx_surface_copy:
 * @fd: a vmwgfx DRM fd
 * @dst: the surface copied to
 * @dst_x: where @rect goes in @dst
 * @dst_y: where @rect goes in @dst
 * @src: the surface copied from (@dst too)
 * @rect: what of @src is copied
 *
 * The device copies: it reads both surfaces from their buffers' pages
 * (UPDATE_GB_SURFACE), copies @rect of @src into @dst (SURFACE_COPY) and
 * writes @dst back to its buffer's pages (READBACK_GB_SURFACE), then the
 * CPU waits for it. What the buffers hold outside the rectangle stays.
 *
 * Returns: 0, or -errno of DRM_VMW_EXECBUF or of the fence wait.
 */
int __igt_vmwgfx_surface_copy(int fd, const struct igt_vmwgfx_surface *dst,
			      uint32_t dst_x, uint32_t dst_y,
			      const struct igt_vmwgfx_surface *src,
			      const struct igt_vmwgfx_rect *rect)
{
	const uint32_t copy[] = {
		src->handle, 0, 0,		/* image: surface, face, mip level */
		dst->handle, 0, 0,
		dst_x, dst_y, 0, rect->w, rect->h, 1, rect->x, rect->y, 0,
	};
	struct igt_vmwgfx_cmds c = {};

	igt_vmwgfx_cmd(&c, IGT_VMWGFX_CMD_UPDATE_GB_SURFACE, &src->handle, 1);
	if (dst != src)
		igt_vmwgfx_cmd(&c, IGT_VMWGFX_CMD_UPDATE_GB_SURFACE, &dst->handle, 1);
	igt_vmwgfx_cmd(&c, IGT_VMWGFX_CMD_SURFACE_COPY, copy, ARRAY_SIZE(copy));
	igt_vmwgfx_cmd(&c, IGT_VMWGFX_CMD_READBACK_GB_SURFACE, &dst->handle, 1);
	return __igt_vmwgfx_submit(fd, &c, VMWGFX_COPY_TIMEOUT_US);
}

/**
 * igt_vmwgfx_surface_copy:
 * @fd: a vmwgfx DRM fd
 * @dst: the surface copied to
 * @dst_x: where @rect goes in @dst
 * @dst_y: where @rect goes in @dst
 * @src: the surface copied from
 * @rect: what of @src is copied
 *
 * __igt_vmwgfx_surface_copy(), asserting that it works.
 */
void igt_vmwgfx_surface_copy(int fd, const struct igt_vmwgfx_surface *dst,
			     uint32_t dst_x, uint32_t dst_y,
			     const struct igt_vmwgfx_surface *src,
			     const struct igt_vmwgfx_rect *rect)
{
	int ret = __igt_vmwgfx_surface_copy(fd, dst, dst_x, dst_y, src, rect);

	igt_assert_f(ret == 0, "device copy of %ux%u from surface %u to %u: %s\n",
		     rect->w, rect->h, src->handle, dst->handle, igt_errno_name(-ret));
}

/*
 * The buffer seen as a surface: rows of stride / 4 pixels (the device's
 * surfaces are packed, so its padding is copied too). -EINVAL for a dumb
 * buffer, which vmwgfx does not let back a surface.
 */
static int vmwgfx_buffer_surface(int fd, uint32_t handle, const struct igt_prime_bo *bo,
				 struct igt_vmwgfx_surface *srf)
{
	igt_assert(bo->stride % 4 == 0);
	return __igt_vmwgfx_surface_create(fd, bo->stride / 4, bo->height, handle, srf);
}

/*
 * The device writes: the CPU fills a surface of the device's own, which the
 * device copies into a surface on the buffer and writes to its pages.
 */
static int vmwgfx_device_write(int fd, uint32_t handle, const struct igt_prime_bo *bo,
			       uint32_t seed)
{
	struct igt_vmwgfx_surface target, staging;
	struct igt_vmwgfx_rect all = { 0, 0, bo->stride / 4, bo->height };
	void *ptr;
	int ret;

	if (!igt_vmwgfx_has_gb_surfaces(fd))
		return -EOPNOTSUPP;
	ret = vmwgfx_buffer_surface(fd, handle, bo, &target);
	if (ret)
		return ret;
	igt_vmwgfx_surface_create(fd, all.w, all.h, 0, &staging);
	ptr = igt_vmwgfx_surface_map(fd, &staging, PROT_WRITE);
	igt_pattern_fill(ptr, bo->stride, bo->width, bo->height, seed);
	igt_vmwgfx_surface_unmap(&staging, ptr);

	igt_vmwgfx_surface_copy(fd, &target, 0, 0, &staging, &all);
	igt_vmwgfx_surface_destroy(fd, &staging);
	igt_vmwgfx_surface_destroy(fd, &target);
	return 0;
}

/*
 * The device reads: it copies a surface on the buffer into a surface of its
 * own and writes that to its pages, which the CPU then reads.
 */
static int vmwgfx_device_read(int fd, uint32_t handle, const struct igt_prime_bo *bo,
			      void *dst)
{
	struct igt_vmwgfx_surface source, staging;
	struct igt_vmwgfx_rect all = { 0, 0, bo->stride / 4, bo->height };
	void *ptr;
	int ret;

	if (!igt_vmwgfx_has_gb_surfaces(fd))
		return -EOPNOTSUPP;
	ret = vmwgfx_buffer_surface(fd, handle, bo, &source);
	if (ret)
		return ret;
	igt_vmwgfx_surface_create(fd, all.w, all.h, 0, &staging);
	igt_vmwgfx_surface_copy(fd, &staging, 0, 0, &source, &all);

	ptr = igt_vmwgfx_surface_map(fd, &staging, PROT_READ);
	memset(dst, 0, bo->size);
	memcpy(dst, ptr, surface_bytes(&staging));
	igt_vmwgfx_surface_unmap(&staging, ptr);
	igt_vmwgfx_surface_destroy(fd, &staging);
	igt_vmwgfx_surface_destroy(fd, &source);
	return 0;
}

const struct igt_prime_provider igt_prime_vmwgfx = {
	.name = "vmwgfx",
	.chipset = DRIVER_VMWGFX,
	IGT_PRIME_DUMB_OPS,
	.test_idle = igt_vmwgfx_test_idle,
	.device_write = vmwgfx_device_write,
	.device_read = vmwgfx_device_read,
	.device_why = "surfaces the device copies need guest-backed objects "
		      "(SVGA_CAP_GBOBJECTS), which this device does not offer",
	.has_device_copies = igt_vmwgfx_has_gb_surfaces,
	/* vmw_gb_surface_define_internal(): "Can't backup surface with a dumb buffer" */
	.device_own_errno = EINVAL,
	.device_own_why = "vmwgfx does not let a dumb buffer back a surface",
	/* vmw_prime_handle_to_fd() looks the handle up with vmw_user_bo_lookup(). */
	.unknown_handle_errno = ESRCH,
	.unknown_handle_why = "vmw_user_bo_lookup() gives ESRCH and logs an error",
	/* Imported buffers are mapped through dma_buf_vmap/mmap (50f119925091). */
	.maps_imports = true,
	/* Dumb buffers cross only since b32233accefff (6.9). */
	.prime_since = IGT_PRIME_KERNEL(6, 9),
	.old_import_errno = ENOSYS,
	.old_export_errno = ENOENT,
	.old_why = "vmwgfx imports and exports dumb buffers only from 6.9 (b32233accefff)",
};
