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
 * SUBTEST: mmap-bounds
 * Description: mmap() of the shared dma-buf one page longer than the
 *	buffer, and of one page at its end, are refused (EINVAL); so is an
 *	offset of the largest page-aligned off_t (EINVAL), and one that leaves
 *	no room for the mapping below the top of the address range
 *	(EOVERFLOW, the mm core's). An importer that maps its imports itself
 *	(MODE_MAP_DUMB) refuses a mapping one page past the import's end
 *	(EINVAL). Last, one page mapped at the buffer's last page reads the
 *	exporter's pattern there, bracketed by DMA_BUF_SYNC_READ on that
 *	partial mapping.
 * Checks: mmap bounds: past the end refused, mmap bounds: the last page
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

#include <errno.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "igt.h"
#include "igt_dumb.h"
#include "igt_pattern.h"
#include "igt_prime_crossing.h"

IGT_TEST_DESCRIPTION("Contents of buffers shared between vgem, virtio-gpu, "
		     "vmwgfx, udmabuf and the system dma-heap, through every "
		     "CPU path, at every size.");

#define MANY		32
/* Names the checks through the importer's dma-buf, for messages and images. */
#define IMPORTER_MMAP	"importer's dma-buf mmap"

static int providers[IGT_PRIME_MAX_PROVIDERS];

static void test_dmabuf_write(struct igt_prime_crossing *c, void *data)
{
	igt_prime_exporter_fill(c, IGT_PRIME_EXPORTER_SEED);
	igt_prime_importer_fill(c, IGT_PRIME_IMPORTER_SEED);
	igt_prime_exporter_assert(c, NULL, IGT_PRIME_IMPORTER_SEED);
}

static void test_dmabuf_read_write(struct igt_prime_crossing *c, void *data)
{
	/* Pixels of two seeds differ by the seeds' xor (igt_pattern_pixel()). */
	const uint32_t turn = IGT_PRIME_EXPORTER_SEED ^ IGT_PRIME_IMPORTER_SEED;
	void *ptr;
	int fd;

	igt_prime_exporter_fill(c, IGT_PRIME_EXPORTER_SEED);

	ptr = igt_prime_importer_dmabuf_map(c, PROT_READ | PROT_WRITE, &fd);
	igt_prime_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW);
	igt_assert_pattern(ptr, c->bo.stride, c->bo.width, c->bo.height,
			   IGT_PRIME_EXPORTER_SEED, IMPORTER_MMAP);
	for (uint32_t y = 0; y < c->bo.height; y++) {
		uint32_t *row = (uint32_t *)((char *)ptr + (uint64_t)y * c->bo.stride);

		for (uint32_t x = 0; x < c->bo.width; x++)
			row[x] ^= turn;
	}
	igt_prime_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW);
	igt_prime_importer_dmabuf_unmap(c, ptr, fd);

	igt_prime_exporter_assert(c, NULL, IGT_PRIME_IMPORTER_SEED);
}

static void test_ping_pong(struct igt_prime_crossing *c, void *data)
{
	void *ptr;
	int fd;

	ptr = igt_prime_importer_dmabuf_map(c, PROT_READ | PROT_WRITE, &fd);
	for (uint32_t round = 0; round < 3; round++) {
		uint32_t exporter_seed = IGT_PRIME_EXPORTER_SEED + round;
		uint32_t importer_seed = IGT_PRIME_IMPORTER_SEED + round;

		igt_prime_exporter_fill(c, exporter_seed);
		igt_prime_dmabuf_assert(fd, ptr, &c->bo, exporter_seed, IMPORTER_MMAP);
		igt_prime_dmabuf_fill(fd, ptr, &c->bo, importer_seed);
		igt_prime_exporter_assert(c, NULL, importer_seed);
	}
	igt_prime_importer_dmabuf_unmap(c, ptr, fd);
}

static void test_partial_write(struct igt_prime_crossing *c, void *data)
{
	uint64_t page = sysconf(_SC_PAGESIZE);
	/* The first row wholly past the first page, and a ragged rectangle. */
	uint32_t y = DIV_ROUND_UP(page, c->bo.stride);
	uint32_t x = 5, width = c->bo.width - 12, height = 9;
	pixman_image_t *expected;
	char *ptr;
	int fd;

	igt_assert_lt(y + height, c->bo.height);
	igt_prime_exporter_fill(c, IGT_PRIME_EXPORTER_SEED);

	fd = igt_prime_importer_dmabuf(c);
	ptr = igt_prime_dmabuf_map(fd, page, c->bo.size - page, PROT_READ | PROT_WRITE);
	igt_prime_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	/* Rows are addressed from the buffer's start, one page before @ptr. */
	igt_pattern_fill_rect(ptr - page, c->bo.stride, x, y, width, height,
			      IGT_PRIME_IMPORTER_SEED);
	igt_prime_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
	munmap(ptr, c->bo.size - page);
	close(fd);

	expected = igt_pattern_image(c->bo.width, c->bo.height, IGT_PRIME_EXPORTER_SEED);
	igt_pattern_image_paste(expected, x, y, width, height, IGT_PRIME_IMPORTER_SEED);
	igt_prime_exporter_assert(c, expected, IGT_PRIME_EXPORTER_SEED);
	pixman_image_unref(expected);
}

/* Asserts that mmap() of @fd refuses @len bytes at @offset with @err. */
static void assert_map_refused(int fd, const char *what, uint64_t len, off_t offset, int err)
{
	void *ptr = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, offset);

	if (ptr != MAP_FAILED)
		munmap(ptr, len);
	igt_assert_f(ptr == MAP_FAILED && errno == err,
		     "%s: mmap of %" PRIu64 " bytes at 0x%llx: %s, expected %s\n", what, len,
		     (unsigned long long)offset, ptr == MAP_FAILED ? igt_errno_name(errno) :
		     "mapped", igt_errno_name(err));
}

/* The pixels of @seed's pattern in the page at @offset of @c's buffer. */
static void assert_page(struct igt_prime_crossing *c, const uint32_t *page_ptr,
			uint64_t offset, uint64_t page, uint32_t seed, const char *what)
{
	uint64_t wrong = 0, first = 0;

	for (uint64_t at = offset; at < offset + page; at += 4) {
		uint32_t x = (at % c->bo.stride) / 4, y = at / c->bo.stride;

		if (x >= c->bo.width || y >= c->bo.height)
			continue;
		if (page_ptr[(at - offset) / 4] != igt_pattern_pixel(seed, x, y) && !wrong++)
			first = at;
	}
	igt_assert_f(!wrong, "%s: %" PRIu64 " pixels of the page at 0x%" PRIx64
		     " wrong, the first at 0x%" PRIx64 "\n", what, wrong, offset, first);
}

/* The mappings of dma-buf @fd past the buffer's end that mmap() refuses. */
static void assert_dmabuf_bounds(struct igt_prime_crossing *c, int fd, const char *what)
{
	uint64_t page = sysconf(_SC_PAGESIZE);

	assert_map_refused(fd, what, c->bo.size + page, 0, EINVAL);
	assert_map_refused(fd, what, page, c->bo.size, EINVAL);
	assert_map_refused(fd, what, page, INT64_MAX & ~(page - 1), EINVAL);
	/* mmap_region()'s file_mmap_ok(): no room below the top. */
	assert_map_refused(fd, what, 2 * page, -(off_t)page, EOVERFLOW);
}

static void test_mmap_bounds(struct igt_prime_crossing *c, void *data)
{
	uint64_t page = sysconf(_SC_PAGESIZE), last;
	uint32_t *ptr;
	int fd;

	igt_assert_eq_u64(c->bo.size % page, 0);
	last = c->bo.size - page;
	igt_prime_exporter_fill(c, IGT_PRIME_EXPORTER_SEED);
	assert_dmabuf_bounds(c, c->dmabuf, "exporter's dma-buf");

	if (c->importer->maps_imports && c->exporter != c->importer) {
		int ret = __igt_dumb_map(c->importer_fd, c->imported, c->bo.size + page,
					 PROT_READ, (void **)&ptr);

		if (!ret)
			munmap(ptr, c->bo.size + page);
		igt_assert_f(ret == -EINVAL, "%s's mapping of its import, a page past its "
			     "end: %s, expected EINVAL\n", c->importer->name,
			     ret ? igt_errno_name(-ret) : "mapped");
	}

	/* The last page alone, synced as a part of the buffer. */
	fd = igt_prime_importer_dmabuf(c);
	ptr = igt_prime_dmabuf_map(fd, last, page, PROT_READ);
	igt_prime_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	assert_page(c, ptr, last, page, IGT_PRIME_EXPORTER_SEED, "the last page of the dma-buf");
	igt_prime_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	munmap(ptr, page);
	close(fd);
}

/* The exporter's pattern read by the importer, the importer's by the exporter. */
static void test_round_trip(struct igt_prime_crossing *c, void *data)
{
	void *ptr;
	int fd;

	igt_prime_exporter_fill(c, IGT_PRIME_EXPORTER_SEED);

	ptr = igt_prime_importer_dmabuf_map(c, PROT_READ | PROT_WRITE, &fd);
	igt_prime_dmabuf_assert(fd, ptr, &c->bo, IGT_PRIME_EXPORTER_SEED, IMPORTER_MMAP);
	igt_prime_dmabuf_fill(fd, ptr, &c->bo, IGT_PRIME_IMPORTER_SEED);
	igt_prime_importer_dmabuf_unmap(c, ptr, fd);

	igt_prime_exporter_assert(c, NULL, IGT_PRIME_IMPORTER_SEED);
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
		if (!igt_prime_crossing_begin(&c[n], IGT_PRIME_WIDTH / 4, IGT_PRIME_HEIGHT / 4)) {
			/* Refused as documented: the first one says so. */
			igt_assert_eq(n, 0);
			igt_prime_crossing_end(&c[n]);
			return;
		}
		igt_prime_exporter_fill(&c[n], IGT_PRIME_EXPORTER_SEED + n);
	}

	for (int i = 0; i < MANY; i++) {
		void *ptr;
		int fd;

		ptr = igt_prime_importer_dmabuf_map(&c[i], PROT_READ | PROT_WRITE, &fd);
		igt_prime_dmabuf_assert(fd, ptr, &c[i].bo, IGT_PRIME_EXPORTER_SEED + i,
					IMPORTER_MMAP);
		igt_prime_dmabuf_fill(fd, ptr, &c[i].bo, IGT_PRIME_IMPORTER_SEED + i);
		igt_prime_importer_dmabuf_unmap(&c[i], ptr, fd);
	}

	for (int i = 0; i < MANY; i++) {
		igt_prime_exporter_assert(&c[i], NULL, IGT_PRIME_IMPORTER_SEED + i);
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
		igt_prime_for_each_crossing(providers, IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT,
					    test_dmabuf_write, NULL);

	igt_describe("Read and rewrite the buffer in place in one DMA_BUF_SYNC_RW "
		     "bracket on the importer's dma-buf.");
	igt_subtest_with_dynamic("dmabuf-read-write")
		igt_prime_for_each_crossing(providers, IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT,
					    test_dmabuf_read_write, NULL);

	igt_describe("Exporter and importer write in turn through mappings kept "
		     "open, each reading what the other wrote.");
	igt_subtest_with_dynamic("ping-pong")
		igt_prime_for_each_crossing(providers, IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT,
					    test_ping_pong, NULL);

	igt_describe("Write a rectangle through a mapping of the importer's "
		     "dma-buf that starts one page in.");
	igt_subtest_with_dynamic("partial-write")
		igt_prime_for_each_crossing(providers, IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT,
					    test_partial_write, NULL);

	igt_describe("Mappings of a shared buffer's dma-bufs past its end are "
		     "refused, its last page reads right.");
	igt_subtest_with_dynamic("mmap-bounds")
		igt_prime_for_each_crossing(providers, IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT,
					    test_mmap_bounds, NULL);

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
