// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

/**
 * TEST: prime lifetime
 * Category: Core
 * Mega feature: General Core features
 * Sub-category: DRM prime
 * Functionality: lifetime of shared buffers
 * Driver requirement: vgem, virtio_gpu, vmwgfx
 * Kernel requirement: CONFIG_DRM_VGEM, CONFIG_DRM_VIRTIO_GPU and
 *	CONFIG_DRM_VMWGFX; CONFIG_UDMABUF and CONFIG_DMABUF_HEAPS_SYSTEM for
 *	those exporters; CONFIG_DEBUG_FS for the dma-buf count.
 * Guest requirement: vgem loaded; a virtio-gpu-pci device (no virgl); a
 *	vmware-svga device that vmwgfx binds (qemu/vmware-svga.patch);
 *	debugfs mounted at /sys/kernel/debug.
 * Crossings: vgem, virtio-gpu, vmwgfx, udmabuf, dma-heap -> vgem, virtio-gpu, vmwgfx
 * Dynamic subtests: <exporter>-to-<importer>
 * Description: An imported buffer lives as long as its import, whatever the
 *	exporter closes, and nothing is left behind once both sides have
 *	closed everything.
 *
 * SUBTEST: exporter-closed
 * Description: The exporter, with a DRM file (or device fd) of its own,
 *	closes its handle, then its dma-buf fd, then the whole file; after
 *	each step the importer still reads the exporter's pattern through a
 *	dma-buf exported from the import, and at the end it writes and reads
 *	back a pattern of its own.
 * Checks: contents survive the exporter
 *
 * SUBTEST: no-leak
 * Description: Four rounds of create, export, import, re-export, map and
 *	close of everything (export and close where the importer refuses the
 *	buffer: its error path must not leak either). While a round's buffer
 *	is shared, /sys/kernel/debug/dma_buf/bufinfo lists its dma-buf (by
 *	inode, with the importer's device attached when the importer is
 *	another driver); once everything is closed it lists none of the
 *	test's dma-bufs (releases deferred to a worker get a second). Other tests'
 *	buffers do not count.
 * Checks: the test's dma-bufs gone after close
 */

#include <inttypes.h>
#include <unistd.h>

#include "igt.h"
#include "igt_dmabuf_info.h"
#include "igt_prime_crossing.h"

IGT_TEST_DESCRIPTION("Buffers shared between vgem, virtio-gpu, vmwgfx, udmabuf "
		     "and the system dma-heap outlive their exporter and leave "
		     "nothing behind.");

#define WIDTH	128
#define HEIGHT	32

#define EXPORTER_SEED	0x00c0ffeeu
#define IMPORTER_SEED	0x00beef00u

static int providers[IGT_PRIME_MAX_PROVIDERS];

/* Reads the import through a dma-buf exported from it, then closes that. */
static void assert_import_holds(struct igt_prime_crossing *c, uint32_t seed,
				const char *after)
{
	igt_info("%s: checking the import\n", after);
	igt_prime_importer_assert(c, seed, after);
}

static void test_exporter_closed(const struct igt_prime_provider *exporter,
				 const struct igt_prime_provider *importer,
				 int unused, void *data)
{
	struct igt_prime_crossing c = {
		.exporter = exporter,
		.importer = importer,
		.exporter_fd = exporter->open(exporter),
	};

	igt_assert_fd(c.exporter_fd);
	if (!igt_prime_crossing_begin(&c, WIDTH, HEIGHT)) {
		igt_prime_crossing_end(&c);
		close(c.exporter_fd);
		return;
	}
	igt_prime_exporter_fill(&c, EXPORTER_SEED);

	exporter->destroy(c.exporter_fd, &c.bo);
	assert_import_holds(&c, EXPORTER_SEED, "exporter's handle closed");

	close(c.dmabuf);
	c.dmabuf = -1;
	assert_import_holds(&c, EXPORTER_SEED, "exporter's dma-buf closed");

	close(c.exporter_fd);
	c.exporter_fd = -1;
	assert_import_holds(&c, EXPORTER_SEED, "exporter's file closed");

	igt_prime_importer_fill(&c, IMPORTER_SEED);
	assert_import_holds(&c, IMPORTER_SEED, "importer's write, exporter gone");

	gem_close(c.importer_fd, c.imported);
	drm_close_driver(c.importer_fd);
}

#define ROUNDS	4
/* How long a release deferred to a worker may take, and how often to look. */
#define RELEASE_GRACE_MS	1000
#define RELEASE_POLL_MS		100

/*
 * Asserts that bufinfo lists the round's dma-buf @ino, at least as large as
 * @c's buffer, with a device attached when the importer is another driver:
 * the lookup that finds it gone later must be able to find it at all.
 */
static void assert_listed(const struct igt_prime_crossing *c, unsigned long ino)
{
	struct igt_dmabuf_list list;
	const struct igt_dmabuf_info *info;

	igt_dmabuf_info_read(&list);
	info = igt_dmabuf_info_find(&list, ino);
	igt_assert_f(info, "%s does not list the exported dma-buf (inode %lu) among its %d\n",
		     IGT_DMABUF_BUFINFO, ino, list.count);
	igt_assert_f(info->size >= c->bo.size, "dma-buf %lu: %" PRIu64 " bytes listed, %" PRIu64
		     " exported\n", ino, info->size, c->bo.size);
	if (c->exporter != c->importer)
		igt_assert_f(info->attachments > 0,
			     "dma-buf %lu, imported by %s: no device attached\n",
			     ino, c->importer->name);
	igt_dmabuf_info_free(&list);
}

/* How many of the @n dma-bufs @ino bufinfo still lists; igt_info()s each. */
static int still_listed(const unsigned long *ino, int n, bool say)
{
	struct igt_dmabuf_list list;
	int left = 0;

	igt_dmabuf_info_read(&list);
	for (int i = 0; i < n; i++) {
		const struct igt_dmabuf_info *info = igt_dmabuf_info_find(&list, ino[i]);

		if (!info)
			continue;
		left++;
		if (say)
			igt_info("still listed: dma-buf %lu, exporter %s, %" PRIu64
				 " bytes, %ld file references, %d devices attached\n",
				 info->ino, info->exporter, info->size, info->refs,
				 info->attachments);
	}
	igt_dmabuf_info_free(&list);
	return left;
}

static void test_no_leak(const struct igt_prime_provider *exporter,
			 const struct igt_prime_provider *importer,
			 int exporter_fd, void *data)
{
	/* Each round's dma-buf, also where the importer refused it. */
	unsigned long ino[ROUNDS];
	int n = 0, left;

	for (int round = 0; round < ROUNDS; round++) {
		struct igt_prime_crossing c = {
			.exporter = exporter,
			.importer = importer,
			.exporter_fd = exporter_fd,
		};
		bool imported = igt_prime_crossing_begin(&c, WIDTH, HEIGHT);

		if (c.dmabuf >= 0)
			ino[n++] = igt_dmabuf_ino(c.dmabuf);
		if (imported) {
			igt_prime_exporter_fill(&c, EXPORTER_SEED + round);
			assert_import_holds(&c, EXPORTER_SEED + round, "round");
			assert_listed(&c, ino[n - 1]);
		}
		igt_prime_crossing_end(&c);
	}
	igt_require_f(n, "%s exports no dma-buf on this kernel: nothing to count\n",
		      exporter->name);

	/*
	 * Releases deferred to a worker (TTM's delayed delete) get a second:
	 * where nothing leaks, the whole subtest, four rounds, took at most
	 * 0.11 s under TCG (6.12 and its debug twin, every machine).
	 */
	for (int tries = 0; (left = still_listed(ino, n, false)) &&
	     tries < RELEASE_GRACE_MS / RELEASE_POLL_MS; tries++)
		usleep(RELEASE_POLL_MS * 1000);
	if (left)
		still_listed(ino, n, true);
	igt_assert_f(!left, "%d of the %d dma-bufs of %d rounds still listed %d s after "
		     "everything was closed\n", left, n, ROUNDS, RELEASE_GRACE_MS / 1000);
}

int igt_main()
{
	igt_fixture()
		igt_prime_open_providers(providers);

	igt_describe("Close the exporter's handle, dma-buf and file: the import "
		     "keeps the contents, and takes writes.");
	igt_subtest_with_dynamic("exporter-closed")
		igt_prime_for_each_pair(providers, test_exporter_closed, NULL);

	igt_describe("Share and close everything four times: debugfs lists each "
		     "round's dma-buf while it is shared, and none of them once "
		     "everything is closed.");
	igt_subtest_with_dynamic("no-leak") {
		igt_require_f(access(IGT_DMABUF_BUFINFO, R_OK) == 0,
			      "%s not readable: debugfs not mounted or no CONFIG_DEBUG_FS\n",
			      IGT_DMABUF_BUFINFO);
		igt_prime_for_each_pair(providers, test_no_leak, NULL);
	}

	igt_fixture()
		igt_prime_close_providers(providers);
}
