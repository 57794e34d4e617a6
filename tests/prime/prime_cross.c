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
#include "igt_prime_provider.h"

IGT_TEST_DESCRIPTION("Shares buffers from vgem, virtio-gpu, vmwgfx, udmabuf and "
		     "the system dma-heap into vgem, virtio-gpu and vmwgfx, and "
		     "checks each crossing by content.");

#define WIDTH	256
#define HEIGHT	64

#define EXPORTER_SEED	0x00e0e0e0u
#define IMPORTER_SEED	0x0011aa11u

struct crossing {
	const struct igt_prime_provider *exporter, *importer;
	int exporter_fd;
	int importer_fd;	/* a DRM file of its own, also for same-driver pairs */
	struct igt_prime_bo bo;	/* the exporter's */
	int dmabuf;		/* the exporter's export of it */
	uint32_t imported;	/* handle in importer_fd; 0 when refused */
};

static int provider_fd[16];

static void crossing_begin(struct crossing *c)
{
	int ret;

	c->importer_fd = igt_prime_drm_open(c->importer);
	igt_assert_fd(c->importer_fd);
	igt_prime_create(c->exporter, c->exporter_fd, WIDTH, HEIGHT, &c->bo);
	c->dmabuf = igt_prime_export(c->exporter, c->exporter_fd, &c->bo, true);

	c->imported = 0;
	ret = __prime_fd_to_handle(c->importer_fd, c->dmabuf, &c->imported);
	if (ret == 0) {
		igt_assert_neq(c->imported, 0);
		return;
	}

	/* Only a documented refusal of a foreign buffer is acceptable. */
	igt_assert_f(c->exporter != c->importer && c->importer->foreign_import_errno,
		     "%s refused a dma-buf from %s: %s (%d)\n", c->importer->name,
		     c->exporter->name, igt_errno_name(-ret), ret);
	igt_assert_f(-ret == c->importer->foreign_import_errno,
		     "%s refused a dma-buf from %s with %s, expected %s\n",
		     c->importer->name, c->exporter->name, igt_errno_name(-ret),
		     igt_errno_name(c->importer->foreign_import_errno));
	c->imported = 0;
	igt_info("crossing refused: %s (%s)\n", igt_errno_name(-ret),
		 c->importer->foreign_import_why);
}

static void crossing_end(struct crossing *c)
{
	if (c->imported)
		gem_close(c->importer_fd, c->imported);
	close(c->dmabuf);
	c->exporter->destroy(c->exporter_fd, &c->bo);
	drm_close_driver(c->importer_fd);
}

/*
 * The exporter's own CPU path, bracketed by DMA_BUF_IOCTL_SYNC on its
 * dma-buf: for the dma-heap that is the only way, for the others harmless.
 */
static void *exporter_begin(struct crossing *c, bool write)
{
	void *ptr = igt_prime_map(c->exporter, c->exporter_fd, &c->bo,
				  PROT_READ | PROT_WRITE);

	prime_sync_start(c->dmabuf, write);
	return ptr;
}

static void exporter_end(struct crossing *c, void *ptr, bool write)
{
	prime_sync_end(c->dmabuf, write);
	munmap(ptr, c->bo.size);
}

static void exporter_fill(struct crossing *c, uint32_t seed)
{
	void *ptr = exporter_begin(c, true);

	igt_pattern_fill(ptr, c->bo.stride, WIDTH, HEIGHT, seed);
	exporter_end(c, ptr, true);
}

/* The importer's own CPU path to the imported object: MODE_MAP_DUMB. */
static int importer_map(struct crossing *c, void **ptr)
{
	return __igt_dumb_map(c->importer_fd, c->imported, c->bo.size,
			      PROT_READ | PROT_WRITE, ptr);
}

/* The importer maps an imported object itself, or says why it does not. */
static bool importer_maps(struct crossing *c)
{
	/* A driver importing its own dma-buf gets its own object back. */
	return c->exporter == c->importer || c->importer->maps_imports;
}

static void test_import(struct crossing *c)
{
	int fd;

	fd = prime_handle_to_fd(c->importer_fd, c->imported);
	igt_assert_eq(prime_get_size(fd), c->bo.size);
	igt_assert_eq(prime_get_size(c->dmabuf), c->bo.size);
	close(fd);
}

static void test_dmabuf_read(struct crossing *c)
{
	void *ptr;
	int fd;

	exporter_fill(c, EXPORTER_SEED);

	fd = prime_handle_to_fd_for_mmap(c->importer_fd, c->imported);
	ptr = mmap(NULL, c->bo.size, PROT_READ, MAP_SHARED, fd, 0);
	igt_assert(ptr != MAP_FAILED);
	prime_sync_start(fd, false);
	igt_assert_pattern(ptr, c->bo.stride, WIDTH, HEIGHT, EXPORTER_SEED,
			   "dma-buf mmap");
	prime_sync_end(fd, false);
	munmap(ptr, c->bo.size);
	close(fd);
}

static void test_importer_read(struct crossing *c)
{
	void *ptr = NULL;
	int ret;

	exporter_fill(c, EXPORTER_SEED);

	ret = importer_map(c, &ptr);
	if (!importer_maps(c)) {
		igt_assert_f(ret == -EINVAL,
			     "%s mapping an import: %s (%d), expected EINVAL\n",
			     c->importer->name, igt_errno_name(-ret), ret);
		igt_info("crossing refused: EINVAL (%s)\n", c->importer->maps_imports_why);
		return;
	}
	igt_assert_eq(ret, 0);
	igt_assert_pattern(ptr, c->bo.stride, WIDTH, HEIGHT, EXPORTER_SEED,
			   "importer's mapping");
	munmap(ptr, c->bo.size);
}

static void test_importer_write(struct crossing *c)
{
	void *ptr = NULL;
	int fd = -1;

	exporter_fill(c, EXPORTER_SEED);

	if (importer_maps(c)) {
		igt_assert_eq(importer_map(c, &ptr), 0);
	} else {
		fd = prime_handle_to_fd_for_mmap(c->importer_fd, c->imported);
		ptr = mmap(NULL, c->bo.size, PROT_WRITE, MAP_SHARED, fd, 0);
		igt_assert(ptr != MAP_FAILED);
		prime_sync_start(fd, true);
	}
	igt_pattern_fill(ptr, c->bo.stride, WIDTH, HEIGHT, IMPORTER_SEED);
	if (fd >= 0) {
		prime_sync_end(fd, true);
		close(fd);
	}
	munmap(ptr, c->bo.size);

	ptr = exporter_begin(c, false);
	igt_assert_pattern(ptr, c->bo.stride, WIDTH, HEIGHT, IMPORTER_SEED,
			   "exporter's mapping");
	exporter_end(c, ptr, false);
}

static void for_each_crossing(void (*test)(struct crossing *c))
{
	const struct igt_prime_provider *exporter, *importer;
	int e, i;

	for_each_prime_provider(exporter, e) {
		if (provider_fd[e] < 0)
			continue;

		for_each_prime_provider(importer, i) {
			if (!importer->imports || provider_fd[i] < 0)
				continue;

			igt_dynamic_f("%s-to-%s", exporter->name, importer->name) {
				struct crossing c = {
					.exporter = exporter,
					.importer = importer,
					.exporter_fd = provider_fd[e],
				};

				crossing_begin(&c);
				if (c.imported)
					test(&c);
				crossing_end(&c);
			}
		}
	}
}

int igt_main()
{
	const struct igt_prime_provider *p;
	int i;

	igt_fixture() {
		int importers = 0;

		for_each_prime_provider(p, i) {
			provider_fd[i] = p->open(p);
			if (provider_fd[i] < 0)
				igt_info("%s: not available (%s)\n", p->name,
					 igt_errno_name(-provider_fd[i]));
			else if (p->imports)
				importers++;
		}
		igt_require_f(importers, "none of vgem, virtio-gpu, vmwgfx is bound\n");
	}

	igt_describe("Import every exporter's dma-buf into every DRM driver; the "
		     "importer exports the same buffer back, or refuses with its "
		     "documented errno.");
	igt_subtest_with_dynamic("import")
		for_each_crossing(test_import);

	igt_describe("Read the exporter's pattern through mmap() of the dma-buf "
		     "that the importer exports, with DMA_BUF_IOCTL_SYNC.");
	igt_subtest_with_dynamic("dmabuf-read")
		for_each_crossing(test_dmabuf_read);

	igt_describe("Read the exporter's pattern through the importer's own "
		     "mapping of the imported object, or get its documented "
		     "refusal.");
	igt_subtest_with_dynamic("importer-read")
		for_each_crossing(test_importer_read);

	igt_describe("Write a pattern through the importer and read it back "
		     "through the exporter's own mapping.");
	igt_subtest_with_dynamic("importer-write")
		for_each_crossing(test_importer_write);

	igt_fixture() {
		for_each_prime_provider(p, i)
			if (provider_fd[i] >= 0)
				close(provider_fd[i]);
	}
}
