/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 The xprime authors
 *
 * Buffer providers: whatever makes a buffer and exports it as a dma-buf (a
 * DRM driver, udmabuf, a dma-heap) and, for DRM drivers, imports one.
 *
 * Every prime test reaches buffers through igt_prime_providers[]: a new
 * driver is one file that defines its struct igt_prime_provider, and one
 * line in that table.
 */

#ifndef IGT_PRIME_PROVIDER_H
#define IGT_PRIME_PROVIDER_H

#include <stdbool.h>
#include <stdint.h>

#define IGT_PRIME_KERNEL(a, b) ((a) << 16 | (b) << 8)

struct igt_prime_bo {
	uint32_t width;
	uint32_t height;
	uint32_t stride;	/* bytes per row */
	uint64_t size;		/* bytes */
	uint32_t handle;	/* GEM handle (DRM providers) */
	int backing;		/* memfd behind a udmabuf, else -1 */
	int dmabuf;		/* a provider whose buffer is a dma-buf: it, else -1 */
};

struct igt_prime_provider {
	/* As in subtest names: "vgem", "udmabuf", "dma-heap", ... */
	const char *name;
	/* DRM providers: DRIVER_* for __drm_open_driver(); 0 for the others. */
	unsigned int chipset;

	/* Opens the provider: a DRM fd or its device node; -errno if absent. */
	int (*open)(const struct igt_prime_provider *provider);
	/* Makes a @width x @height XRGB8888 buffer; 0 or -errno. */
	int (*create)(int fd, uint32_t width, uint32_t height, struct igt_prime_bo *bo);
	/* Exports it, writable or not; a new dma-buf fd or -errno. */
	int (*export)(int fd, struct igt_prime_bo *bo, bool writable);
	/* The provider's own CPU path to the buffer; 0 or -errno. */
	int (*map)(int fd, struct igt_prime_bo *bo, int prot, void **ptr);
	void (*destroy)(int fd, struct igt_prime_bo *bo);

	/*
	 * The device's own copies, without the CPU touching the buffer:
	 * write @seed's pattern into the buffer @handle (laid out as @bo), or
	 * read it into @dst (@bo->size bytes, @bo's layout). 0 or -errno;
	 * -EOPNOTSUPP when this device lacks what they need (device_why).
	 * NULL when the driver has no device-side copies.
	 */
	int (*device_write)(int fd, uint32_t handle, const struct igt_prime_bo *bo,
			    uint32_t seed);
	int (*device_read)(int fd, uint32_t handle, const struct igt_prime_bo *bo,
			   void *dst);
	const char *device_why;
	/* Whether @fd's device has those copies; NULL: it always has. */
	bool (*has_device_copies)(int fd);
	/*
	 * errno of the device copies of the provider's own buffers, those its
	 * create() makes (0: they work), for device_own_why.
	 */
	int device_own_errno;
	const char *device_own_why;

	/*
	 * The device's own wait for a buffer to go idle (implicit fences
	 * included), without blocking: 0 idle, -EBUSY busy. NULL when the
	 * driver has no such wait.
	 */
	int (*test_idle)(int fd, uint32_t handle);

	/*
	 * DRM providers: the errno of PRIME_HANDLE_TO_FD for a handle the
	 * file does not have (0: ENOENT, as drm_gem_prime_handle_to_fd()).
	 */
	int unknown_handle_errno;
	const char *unknown_handle_why;

	/* Importers (DRM providers) only: */
	bool imports;
	/* errno when it refuses another provider's dma-buf, 0 if it never does. */
	int foreign_import_errno;
	const char *foreign_import_why;
	/*
	 * Whether the importer file @fd must take another provider's dma-buf
	 * though foreign_import_errno is set: a device or kernel that can.
	 * NULL: it refuses wherever foreign_import_errno says.
	 */
	bool (*imports_foreign)(int fd);
	/* DRM_IOCTL_MODE_MAP_DUMB works on an imported object. */
	bool maps_imports;
	const char *maps_imports_why;

	/*
	 * Kernels older than @prime_since (KERNEL_VERSION-style, 0: always
	 * had it) refuse to import with @old_import_errno and to export with
	 * @old_export_errno, for @old_why.
	 */
	unsigned int prime_since;
	int old_import_errno;
	int old_export_errno;
	const char *old_why;
};

extern const struct igt_prime_provider igt_prime_vgem;
extern const struct igt_prime_provider igt_prime_virtio_gpu;
extern const struct igt_prime_provider igt_prime_vmwgfx;
extern const struct igt_prime_provider igt_prime_udmabuf;
extern const struct igt_prime_provider igt_prime_dma_heap;

extern const struct igt_prime_provider *const igt_prime_providers[];

#define for_each_prime_provider(p, i) \
	for ((i) = 0; ((p) = igt_prime_providers[(i)]); (i)++)

int igt_prime_drm_open(const struct igt_prime_provider *provider);

/* What the DRM providers share: dumb buffers and PRIME_HANDLE_TO_FD. */
int igt_prime_dumb_create(int fd, uint32_t width, uint32_t height,
			  struct igt_prime_bo *bo);
int igt_prime_dumb_export(int fd, struct igt_prime_bo *bo, bool writable);
int igt_prime_dumb_map(int fd, struct igt_prime_bo *bo, int prot, void **ptr);
void igt_prime_dumb_destroy(int fd, struct igt_prime_bo *bo);

#define IGT_PRIME_DUMB_OPS \
	.open = igt_prime_drm_open, \
	.create = igt_prime_dumb_create, \
	.export = igt_prime_dumb_export, \
	.map = igt_prime_dumb_map, \
	.destroy = igt_prime_dumb_destroy, \
	.imports = true

int __igt_prime_create(const struct igt_prime_provider *provider, int fd,
		       uint32_t width, uint32_t height, struct igt_prime_bo *bo);
void igt_prime_create(const struct igt_prime_provider *provider, int fd,
		      uint32_t width, uint32_t height, struct igt_prime_bo *bo);
int igt_prime_export(const struct igt_prime_provider *provider, int fd,
		     struct igt_prime_bo *bo, bool writable);
void *igt_prime_map(const struct igt_prime_provider *provider, int fd,
		    struct igt_prime_bo *bo, int prot);

bool igt_prime_kernel_older(unsigned int version);
bool igt_prime_exports(const struct igt_prime_provider *provider);

const char *igt_errno_name(int err);

#endif /* IGT_PRIME_PROVIDER_H */
