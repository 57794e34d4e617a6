// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/udmabuf.h>

#include "igt.h"
#include "igt_prime_provider.h"

/**
 * SECTION:igt_udmabuf
 * @short_description: udmabuf as a dma-buf provider
 * @title: udmabuf provider
 * @include: igt_prime_provider.h
 *
 * udmabuf as a buffer provider: a sealed memfd turned into a dma-buf by
 * /dev/udmabuf. The exporter's own CPU path is the memfd.
 */

static int udmabuf_open(const struct igt_prime_provider *provider)
{
	int fd = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);

	return fd >= 0 ? fd : -errno;
}

static int udmabuf_create(int fd, uint32_t width, uint32_t height,
			  struct igt_prime_bo *bo)
{
	uint64_t page = sysconf(_SC_PAGESIZE);
	int memfd;

	bo->width = width;
	bo->height = height;
	bo->stride = width * 4;
	/* udmabuf takes whole pages of a memfd that can no longer shrink. */
	bo->size = ALIGN((uint64_t)bo->stride * height, page);

	memfd = memfd_create("igt-udmabuf", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd < 0)
		return -errno;
	if (ftruncate(memfd, bo->size) || fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		int err = -errno;

		close(memfd);
		return err;
	}
	bo->backing = memfd;
	return 0;
}

static int udmabuf_export(int fd, struct igt_prime_bo *bo, bool writable)
{
	struct udmabuf_create args = {
		.memfd = bo->backing,
		.flags = UDMABUF_FLAGS_CLOEXEC,
		.size = bo->size,
	};
	int dmabuf = ioctl(fd, UDMABUF_CREATE, &args);

	/* udmabuf's dma-bufs are always O_RDWR: @writable cannot be honoured. */
	return dmabuf >= 0 ? dmabuf : -errno;
}

static int udmabuf_map(int fd, struct igt_prime_bo *bo, int prot, void **ptr)
{
	void *map = mmap(NULL, bo->size, prot, MAP_SHARED, bo->backing, 0);

	if (map == MAP_FAILED)
		return -errno;
	*ptr = map;
	return 0;
}

static void udmabuf_destroy(int fd, struct igt_prime_bo *bo)
{
	close(bo->backing);
	bo->backing = -1;
}

const struct igt_prime_provider igt_prime_udmabuf = {
	.name = "udmabuf",
	.open = udmabuf_open,
	.create = udmabuf_create,
	.export = udmabuf_export,
	.map = udmabuf_map,
	.destroy = udmabuf_destroy,
};
