// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-heap.h>

#include "igt.h"
#include "igt_prime_provider.h"

/**
 * SECTION:igt_dma_heap
 * @short_description: The system dma-heap as a dma-buf provider
 * @title: dma-heap provider
 * @include: igt_prime_provider.h
 *
 * The system dma-heap as a buffer provider: the buffer is a dma-buf from the
 * start, and mmap() of it (bracketed by DMA_BUF_IOCTL_SYNC by the caller) is
 * its only CPU path.
 */

static int heap_open(const struct igt_prime_provider *provider)
{
	int fd = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);

	return fd >= 0 ? fd : -errno;
}

static int heap_create(int fd, uint32_t width, uint32_t height, struct igt_prime_bo *bo)
{
	uint64_t page = sysconf(_SC_PAGESIZE);
	struct dma_heap_allocation_data args = {
		.fd_flags = O_RDWR | O_CLOEXEC,
	};

	bo->width = width;
	bo->height = height;
	bo->stride = width * 4;
	bo->size = ALIGN((uint64_t)bo->stride * height, page);
	args.len = bo->size;

	if (ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &args))
		return -errno;
	bo->dmabuf = args.fd;
	return 0;
}

static int heap_export(int fd, struct igt_prime_bo *bo, bool writable)
{
	/* The heap's dma-buf is always O_RDWR; hand out another reference. */
	int dmabuf = fcntl(bo->dmabuf, F_DUPFD_CLOEXEC, 0);

	return dmabuf >= 0 ? dmabuf : -errno;
}

static int heap_map(int fd, struct igt_prime_bo *bo, int prot, void **ptr)
{
	void *map = mmap(NULL, bo->size, prot, MAP_SHARED, bo->dmabuf, 0);

	if (map == MAP_FAILED)
		return -errno;
	*ptr = map;
	return 0;
}

static void heap_destroy(int fd, struct igt_prime_bo *bo)
{
	close(bo->dmabuf);
	bo->dmabuf = -1;
}

const struct igt_prime_provider igt_prime_dma_heap = {
	.name = "dma-heap",
	.open = heap_open,
	.create = heap_create,
	.export = heap_export,
	.map = heap_map,
	.destroy = heap_destroy,
};
