// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "igt.h"
#include "igt_prime_provider.h"

/**
 * SECTION:igt_prime_provider
 * @short_description: Buffer providers for dma-buf tests
 * @title: Prime buffer providers
 * @include: igt_prime_provider.h
 *
 * The table of buffer providers, and the asserting forms of their operations.
 */

/* Exporters first the DRM drivers, then the CPU exporters. */
const struct igt_prime_provider *const igt_prime_providers[] = {
	&igt_prime_vgem,
	&igt_prime_virtio_gpu,
	&igt_prime_vmwgfx,
	&igt_prime_udmabuf,
	&igt_prime_dma_heap,
	NULL
};

/**
 * igt_prime_drm_open:
 * @provider: a DRM provider
 *
 * Returns: a new DRM fd of the provider's driver, or -ENODEV.
 */
int igt_prime_drm_open(const struct igt_prime_provider *provider)
{
	int fd = __drm_open_driver(provider->chipset);

	return fd >= 0 ? fd : -ENODEV;
}

/**
 * __igt_prime_create:
 * @provider: the provider to make it
 * @fd: @provider's fd, from its open()
 * @width: pixels per row
 * @height: rows
 * @bo: the buffer made
 *
 * Makes a @width x @height XRGB8888 buffer on @provider.
 *
 * Returns: 0 or -errno.
 */
int __igt_prime_create(const struct igt_prime_provider *provider, int fd,
		       uint32_t width, uint32_t height, struct igt_prime_bo *bo)
{
	*bo = (struct igt_prime_bo) { .backing = -1, .dmabuf = -1 };
	return provider->create(fd, width, height, bo);
}

/**
 * igt_prime_create:
 * @provider: the provider to make it
 * @fd: @provider's fd, from its open()
 * @width: pixels per row
 * @height: rows
 * @bo: the buffer made
 *
 * Like __igt_prime_create(), asserting that it works and that the buffer
 * holds @height rows of @width pixels.
 */
void igt_prime_create(const struct igt_prime_provider *provider, int fd,
		      uint32_t width, uint32_t height, struct igt_prime_bo *bo)
{
	igt_assert_eq(__igt_prime_create(provider, fd, width, height, bo), 0);
	igt_assert_lte(width * 4, bo->stride);
	igt_assert_lte((uint64_t)bo->stride * height, bo->size);
}

/**
 * igt_prime_export:
 * @provider: the provider of @bo
 * @fd: @provider's fd
 * @bo: a buffer of @provider
 * @writable: a dma-buf that may be mapped for writing (O_RDWR)
 *
 * Exports @bo as a dma-buf, asserting that it works.
 *
 * Returns: the new dma-buf fd.
 */
int igt_prime_export(const struct igt_prime_provider *provider, int fd,
		     struct igt_prime_bo *bo, bool writable)
{
	int dmabuf = provider->export(fd, bo, writable);

	igt_assert_f(dmabuf >= 0, "%s export: %s\n", provider->name,
		     igt_errno_name(-dmabuf));
	return dmabuf;
}

/**
 * igt_prime_map:
 * @provider: the provider of @bo
 * @fd: @provider's fd
 * @bo: a buffer of @provider
 * @prot: PROT_READ and/or PROT_WRITE
 *
 * Maps @bo through the provider's own CPU path, asserting that it works.
 *
 * Returns: the mapping, @bo->size bytes.
 */
void *igt_prime_map(const struct igt_prime_provider *provider, int fd,
		    struct igt_prime_bo *bo, int prot)
{
	void *ptr = NULL;
	int ret = provider->map(fd, bo, prot, &ptr);

	igt_assert_f(ret == 0, "%s map: %s\n", provider->name, igt_errno_name(-ret));
	return ptr;
}

/**
 * igt_prime_kernel_older:
 * @version: IGT_PRIME_KERNEL(major, minor)
 *
 * Returns: whether the running kernel is older than @version.
 */
bool igt_prime_kernel_older(unsigned int version)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;
	int parsed;

	igt_assert_eq(uname(&u), 0);
	parsed = sscanf(u.release, "%u.%u", &major, &minor);
	igt_assert_eq(parsed, 2);
	return IGT_PRIME_KERNEL(major, minor) < version;
}

/**
 * igt_prime_exports:
 * @provider: a provider
 *
 * Returns: whether @provider exports its buffers on the running kernel.
 */
bool igt_prime_exports(const struct igt_prime_provider *provider)
{
	return !(provider->prime_since && provider->old_export_errno &&
		 igt_prime_kernel_older(provider->prime_since));
}

/**
 * igt_errno_name:
 * @err: a positive errno value
 *
 * The symbolic name of @err, for messages that a matrix or a person can
 * match exactly: glibc's strerrorname_np(), which returns NULL for a value
 * it does not know, and "0" for 0.
 *
 * Returns: the name ("ENODEV"), or "E?" for anything that is not a known
 * errno.
 */
const char *igt_errno_name(int err)
{
	const char *name = err > 0 ? strerrorname_np(err) : NULL;

	return name ?: "E?";
}
