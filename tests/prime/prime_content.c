// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

/**
 * TEST: prime content
 * Category: Core
 * Mega feature: General Core features
 * Sub-category: DRM prime
 * Functionality: dma-buf contents through the CPU paths of a crossing
 * Driver requirement: vgem, virtio_gpu, vmwgfx
 * Kernel requirement: CONFIG_DRM_VGEM, CONFIG_DRM_VIRTIO_GPU and
 *	CONFIG_DRM_VMWGFX; CONFIG_UDMABUF and CONFIG_DMABUF_HEAPS_SYSTEM for
 *	those exporters. virtio-gpu refuses foreign dma-bufs with ENODEV
 *	before 6.14 (ca77f27a2665).
 * Guest requirement: vgem loaded; a virtio-gpu-pci device (no virgl); a
 *	vmware-svga device that vmwgfx binds (qemu/vmware-svga.patch) with
 *	VRAM for a 16 MiB buffer. The crossings of a provider that is not
 *	there are left out.
 * Crossings: vgem, virtio-gpu, vmwgfx, udmabuf, dma-heap -> vgem, virtio-gpu, vmwgfx
 * Dynamic subtests: <exporter>-to-<importer>
 * Description: Writes and reads a shared buffer through the exporter's own
 *	mapping and through mmap() of the importer's dma-buf, bracketed by
 *	DMA_BUF_IOCTL_SYNC for read, write and both, in whole and in part,
 *	for sizes from one page to 16 MiB and for many buffers at once. Every
 *	check compares with a pattern that encodes each pixel's position;
 *	a mismatch leaves expected, actual and diff PNGs in
 *	IGT_FRAME_DUMP_PATH.
 *
 * SUBTEST: dmabuf-write
 * Description: The importer's dma-buf, mapped write-only and bracketed by
 *	DMA_BUF_SYNC_WRITE, overwrites the exporter's pattern; the exporter
 *	reads the new one.
 * Checks: dma-buf mmap write
 *
 * SUBTEST: dmabuf-read-write
 * Description: One DMA_BUF_SYNC_RW bracket on the importer's dma-buf reads
 *	the exporter's pattern and turns it in place into another one; the
 *	exporter reads the result.
 * Checks: dma-buf mmap read-modify-write
 *
 * SUBTEST: ping-pong
 * Description: With one mapping of the importer's dma-buf kept open, the
 *	exporter and the importer write in turn, three times, and each reads
 *	what the other wrote: no side may keep a stale copy.
 * Checks: writes seen in both directions
 *
 * SUBTEST: partial-write
 * Description: The importer maps its dma-buf from the second page on and
 *	writes a rectangle of another pattern there; the exporter sees the
 *	rectangle in place and its own pattern everywhere else.
 * Checks: partial write at an offset
 *
 * SUBTEST: size-one-page
 * Description: A buffer of one page (1024x1): the exporter's pattern reads
 *	through the importer's dma-buf, the importer's back through the
 *	exporter.
 * Checks: round trip, one page
 *
 * SUBTEST: size-odd
 * Description: A 333x77 buffer, whose size is no multiple of its row and
 *	whose rows end inside pages: round trip as in size-one-page.
 * Checks: round trip, odd size
 *
 * SUBTEST: size-16mib
 * Description: A 2048x2048 buffer (16 MiB, an sg table of many entries):
 *	round trip as in size-one-page.
 * Checks: round trip, 16 MiB
 *
 * SUBTEST: many-buffers
 * Description: 32 buffers shared at once, each with a pattern of its own,
 *	all imported before any is read: every import reads its own buffer,
 *	and every importer write lands in its own.
 * Checks: many buffers at once
 */

#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "igt.h"
#include "igt_pattern.h"
#include "igt_prime_crossing.h"

IGT_TEST_DESCRIPTION("Contents of buffers shared between vgem, virtio-gpu, "
		     "vmwgfx, udmabuf and the system dma-heap, through every "
		     "CPU path, at every size.");

#define WIDTH	256
#define HEIGHT	64

#define EXPORTER_SEED	0x00e0e0e0u
#define IMPORTER_SEED	0x0011aa11u
#define MANY		32
/* Names the checks through the importer's dma-buf, for messages and images. */
#define IMPORTER_MMAP	"importer's dma-buf mmap"

static int providers[IGT_PRIME_MAX_PROVIDERS];

/* The importer's dma-buf, mapped whole; close with dmabuf_unmap(). */
static void *importer_map(struct igt_prime_crossing *c, int prot, int *fd)
{
	*fd = igt_prime_importer_dmabuf(c);
	return igt_prime_dmabuf_map(*fd, 0, c->bo.size, prot);
}

static void dmabuf_unmap(struct igt_prime_crossing *c, void *ptr, int fd)
{
	munmap(ptr, c->bo.size);
	close(fd);
}

static void test_dmabuf_write(struct igt_prime_crossing *c, void *data)
{
	igt_prime_exporter_fill(c, EXPORTER_SEED);
	igt_prime_importer_fill(c, IMPORTER_SEED);
	igt_prime_exporter_assert(c, NULL, IMPORTER_SEED);
}

static void test_dmabuf_read_write(struct igt_prime_crossing *c, void *data)
{
	/* Pixels of two seeds differ by the seeds' xor (igt_pattern_pixel()). */
	const uint32_t turn = EXPORTER_SEED ^ IMPORTER_SEED;
	void *ptr;
	int fd;

	igt_prime_exporter_fill(c, EXPORTER_SEED);

	ptr = importer_map(c, PROT_READ | PROT_WRITE, &fd);
	igt_prime_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	igt_assert_pattern(ptr, c->bo.stride, c->bo.width, c->bo.height,
			   EXPORTER_SEED, IMPORTER_MMAP);
	for (uint32_t y = 0; y < c->bo.height; y++) {
		uint32_t *row = (uint32_t *)((char *)ptr + (uint64_t)y * c->bo.stride);

		for (uint32_t x = 0; x < c->bo.width; x++)
			row[x] ^= turn;
	}
	igt_prime_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
	dmabuf_unmap(c, ptr, fd);

	igt_prime_exporter_assert(c, NULL, IMPORTER_SEED);
}

static void test_ping_pong(struct igt_prime_crossing *c, void *data)
{
	void *ptr;
	int fd;

	ptr = importer_map(c, PROT_READ | PROT_WRITE, &fd);
	for (uint32_t round = 0; round < 3; round++) {
		uint32_t exporter_seed = EXPORTER_SEED + round;
		uint32_t importer_seed = IMPORTER_SEED + round;

		igt_prime_exporter_fill(c, exporter_seed);
		igt_prime_dmabuf_assert(fd, ptr, &c->bo, exporter_seed, IMPORTER_MMAP);
		igt_prime_dmabuf_fill(fd, ptr, &c->bo, importer_seed);
		igt_prime_exporter_assert(c, NULL, importer_seed);
	}
	dmabuf_unmap(c, ptr, fd);
}

static void test_partial_write(struct igt_prime_crossing *c, void *data)
{
	uint64_t page = sysconf(_SC_PAGESIZE);
	/* The first row wholly past the first page, and a ragged rectangle. */
	uint32_t y = (page + c->bo.stride - 1) / c->bo.stride;
	uint32_t x = 5, width = c->bo.width - 12, height = 9;
	pixman_image_t *expected;
	char *ptr;
	int fd;

	igt_assert_lt(y + height, c->bo.height);
	igt_prime_exporter_fill(c, EXPORTER_SEED);

	fd = igt_prime_importer_dmabuf(c);
	ptr = igt_prime_dmabuf_map(fd, page, c->bo.size - page, PROT_READ | PROT_WRITE);
	igt_prime_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	/* Rows are addressed from the buffer's start, one page before @ptr. */
	igt_pattern_fill_rect(ptr - page, c->bo.stride, x, y, width, height,
			      IMPORTER_SEED);
	igt_prime_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	munmap(ptr, c->bo.size - page);
	close(fd);

	expected = igt_pattern_image(c->bo.width, c->bo.height, EXPORTER_SEED);
	igt_pattern_image_paste(expected, x, y, width, height, IMPORTER_SEED);
	igt_prime_exporter_assert(c, expected, EXPORTER_SEED);
	pixman_image_unref(expected);
}

/* The exporter's pattern read by the importer, the importer's by the exporter. */
static void test_round_trip(struct igt_prime_crossing *c, void *data)
{
	void *ptr;
	int fd;

	igt_prime_exporter_fill(c, EXPORTER_SEED);

	ptr = importer_map(c, PROT_READ | PROT_WRITE, &fd);
	igt_prime_dmabuf_assert(fd, ptr, &c->bo, EXPORTER_SEED, IMPORTER_MMAP);
	igt_prime_dmabuf_fill(fd, ptr, &c->bo, IMPORTER_SEED);
	dmabuf_unmap(c, ptr, fd);

	igt_prime_exporter_assert(c, NULL, IMPORTER_SEED);
}

static void test_many_buffers(const struct igt_prime_provider *exporter,
			      const struct igt_prime_provider *importer,
			      int exporter_fd, void *data)
{
	struct igt_prime_crossing c[MANY];
	int n = 0;

	for (n = 0; n < MANY; n++) {
		c[n] = (struct igt_prime_crossing) {
			.exporter = exporter,
			.importer = importer,
			.exporter_fd = exporter_fd,
		};
		if (!igt_prime_crossing_begin(&c[n], WIDTH / 4, HEIGHT / 4)) {
			/* Refused as documented: the first one says so. */
			igt_assert_eq(n, 0);
			igt_prime_crossing_end(&c[n]);
			return;
		}
		igt_prime_exporter_fill(&c[n], EXPORTER_SEED + n);
	}

	for (int i = 0; i < MANY; i++) {
		void *ptr;
		int fd;

		ptr = importer_map(&c[i], PROT_READ | PROT_WRITE, &fd);
		igt_prime_dmabuf_assert(fd, ptr, &c[i].bo, EXPORTER_SEED + i, IMPORTER_MMAP);
		igt_prime_dmabuf_fill(fd, ptr, &c[i].bo, IMPORTER_SEED + i);
		dmabuf_unmap(&c[i], ptr, fd);
	}

	for (int i = 0; i < MANY; i++) {
		igt_prime_exporter_assert(&c[i], NULL, IMPORTER_SEED + i);
		igt_prime_crossing_end(&c[i]);
	}
}

static const struct {
	const char *name;
	uint32_t width, height;
} sizes[] = {
	{ "size-one-page", 1024, 1 },
	{ "size-odd", 333, 77 },
	{ "size-16mib", 2048, 2048 },
};

int igt_main()
{
	igt_fixture()
		igt_prime_open_providers(providers);

	igt_describe("Overwrite the exporter's pattern through a write-only "
		     "mapping of the importer's dma-buf.");
	igt_subtest_with_dynamic("dmabuf-write")
		igt_prime_for_each_crossing(providers, WIDTH, HEIGHT, test_dmabuf_write, NULL);

	igt_describe("Read and rewrite the buffer in place in one DMA_BUF_SYNC_RW "
		     "bracket on the importer's dma-buf.");
	igt_subtest_with_dynamic("dmabuf-read-write")
		igt_prime_for_each_crossing(providers, WIDTH, HEIGHT,
					    test_dmabuf_read_write, NULL);

	igt_describe("Exporter and importer write in turn through mappings kept "
		     "open, each reading what the other wrote.");
	igt_subtest_with_dynamic("ping-pong")
		igt_prime_for_each_crossing(providers, WIDTH, HEIGHT, test_ping_pong, NULL);

	igt_describe("Write a rectangle through a mapping of the importer's "
		     "dma-buf that starts one page in.");
	igt_subtest_with_dynamic("partial-write")
		igt_prime_for_each_crossing(providers, WIDTH, HEIGHT, test_partial_write,
					    NULL);

	for (int i = 0; i < ARRAY_SIZE(sizes); i++) {
		igt_describe_f("Round trip through the importer's dma-buf with a "
			       "%ux%u buffer.", sizes[i].width, sizes[i].height);
		igt_subtest_with_dynamic(sizes[i].name)
			igt_prime_for_each_crossing(providers, sizes[i].width,
						    sizes[i].height, test_round_trip, NULL);
	}

	igt_describe("Share 32 buffers at once, each with its own pattern.");
	igt_subtest_with_dynamic("many-buffers")
		igt_prime_for_each_pair(providers, test_many_buffers, NULL);

	igt_fixture()
		igt_prime_close_providers(providers);
}
