// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

/**
 * TEST: prime cross
 * Category: Core
 * Mega feature: General Core features
 * Sub-category: DRM prime
 * Functionality: dma-buf export and import between drivers
 * Driver requirement: vgem, virtio_gpu, vmwgfx
 * Kernel requirement: CONFIG_DRM_VGEM, CONFIG_DRM_VIRTIO_GPU and
 *	CONFIG_DRM_VMWGFX. virtio-gpu imports another driver's dma-buf only
 *	from 6.14 (ca77f27a2665), as a blob without virgl, and refuses it
 *	with ENODEV before; vmwgfx maps imported buffers through the dma-buf
 *	(50f119925091).
 * Guest requirement: vgem loaded; a virtio-gpu-pci device (no virgl); a
 *	vmware-svga device that vmwgfx binds (qemu/vmware-svga.patch). The
 *	crossings of a driver that is not bound are left out.
 * Crossings: vgem, virtio-gpu, vmwgfx, udmabuf, dma-heap -> vgem, virtio-gpu, vmwgfx
 * Dynamic subtests: <exporter>-to-<importer>
 * Description: Shares a buffer from every exporter (the three DRM drivers,
 *	udmabuf and the system dma-heap) to every DRM driver (same-driver
 *	pairs included) and checks each crossing by content, with a pattern
 *	that encodes each pixel's position.
 *
 * SUBTEST: import
 * Description: The importer takes the exporter's dma-buf and hands the same
 *	buffer back out: same size through lseek() on its own export. A
 *	driver that refuses another driver's dma-buf must give its
 *	documented errno.
 * Checks: import, re-export size
 *
 * SUBTEST: dmabuf-read
 * Description: A pattern written through the exporter's mapping reads back
 *	through mmap() of the dma-buf that the importer exports, bracketed by
 *	DMA_BUF_IOCTL_SYNC.
 * Checks: dma-buf mmap read
 *
 * SUBTEST: importer-read
 * Description: A pattern written through the exporter's mapping reads back
 *	through the importer's own mapping of the imported object
 *	(MODE_MAP_DUMB), or the importer refuses that mapping with its
 *	documented errno.
 * Checks: importer mmap read
 *
 * SUBTEST: importer-write
 * Description: A pattern written through the importer (its own mapping, or
 *	else the dma-buf it exports, with DMA_BUF_IOCTL_SYNC) reads back
 *	through the exporter's own mapping.
 * Checks: importer write
 */

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "igt.h"
#include "igt_dumb.h"
#include "igt_pattern.h"
#include "igt_prime_crossing.h"

IGT_TEST_DESCRIPTION("Shares buffers from vgem, virtio-gpu, vmwgfx, udmabuf and "
		     "the system dma-heap into vgem, virtio-gpu and vmwgfx, and "
		     "checks each crossing by content.");

static int providers[IGT_PRIME_MAX_PROVIDERS];

/* The importer's own CPU path to the imported object: MODE_MAP_DUMB. */
static int importer_dumb_map(struct igt_prime_crossing *c, void **ptr)
{
	return __igt_dumb_map(c->importer_fd, c->imported, c->bo.size,
			      PROT_READ | PROT_WRITE, ptr);
}

static void test_import(struct igt_prime_crossing *c, void *data)
{
	int fd;

	fd = prime_handle_to_fd(c->importer_fd, c->imported);
	igt_assert_eq(prime_get_size(fd), c->bo.size);
	igt_assert_eq(prime_get_size(c->dmabuf), c->bo.size);
	close(fd);
}

static void test_dmabuf_read(struct igt_prime_crossing *c, void *data)
{
	igt_prime_exporter_fill(c, IGT_PRIME_EXPORTER_SEED);
	igt_prime_importer_assert(c, IGT_PRIME_EXPORTER_SEED, "dma-buf mmap");
}

static void test_importer_read(struct igt_prime_crossing *c, void *data)
{
	void *ptr = NULL;
	int ret;

	igt_prime_exporter_fill(c, IGT_PRIME_EXPORTER_SEED);

	ret = importer_dumb_map(c, &ptr);
	if (!igt_prime_importer_maps(c)) {
		igt_assert_f(ret == -EINVAL,
			     "%s mapping an import: %s (%d), expected EINVAL\n",
			     c->importer->name, igt_errno_name(-ret), ret);
		igt_info("crossing refused: EINVAL (%s)\n", c->importer->maps_imports_why);
		return;
	}
	igt_assert_eq(ret, 0);
	igt_assert_pattern(ptr, c->bo.stride, IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT,
			   IGT_PRIME_EXPORTER_SEED, "importer's mapping");
	munmap(ptr, c->bo.size);
}

static void test_importer_write(struct igt_prime_crossing *c, void *data)
{
	void *ptr = NULL;
	int fd = -1;

	igt_prime_exporter_fill(c, IGT_PRIME_EXPORTER_SEED);

	if (igt_prime_importer_maps(c)) {
		igt_assert_eq(importer_dumb_map(c, &ptr), 0);
	} else {
		fd = prime_handle_to_fd_for_mmap(c->importer_fd, c->imported);
		ptr = mmap(NULL, c->bo.size, PROT_WRITE, MAP_SHARED, fd, 0);
		igt_assert(ptr != MAP_FAILED);
		prime_sync_start(fd, true);
	}
	igt_pattern_fill(ptr, c->bo.stride, IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT,
			 IGT_PRIME_IMPORTER_SEED);
	if (fd >= 0) {
		prime_sync_end(fd, true);
		close(fd);
	}
	munmap(ptr, c->bo.size);

	igt_prime_exporter_assert(c, NULL, IGT_PRIME_IMPORTER_SEED);
}

int igt_main()
{
	igt_fixture()
		igt_prime_open_providers(providers);

	igt_describe("Import every exporter's dma-buf into every DRM driver; the "
		     "importer exports the same buffer back, or refuses with its "
		     "documented errno.");
	igt_subtest_with_dynamic("import")
		igt_prime_for_each_crossing(providers, IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT,
					    test_import, NULL);

	igt_describe("Read the exporter's pattern through mmap() of the dma-buf "
		     "that the importer exports, with DMA_BUF_IOCTL_SYNC.");
	igt_subtest_with_dynamic("dmabuf-read")
		igt_prime_for_each_crossing(providers, IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT,
					    test_dmabuf_read, NULL);

	igt_describe("Read the exporter's pattern through the importer's own "
		     "mapping of the imported object, or get its documented "
		     "refusal.");
	igt_subtest_with_dynamic("importer-read")
		igt_prime_for_each_crossing(providers, IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT,
					    test_importer_read, NULL);

	igt_describe("Write a pattern through the importer and read it back "
		     "through the exporter's own mapping.");
	igt_subtest_with_dynamic("importer-write")
		igt_prime_for_each_crossing(providers, IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT,
					    test_importer_write, NULL);

	igt_fixture()
		igt_prime_close_providers(providers);
}
