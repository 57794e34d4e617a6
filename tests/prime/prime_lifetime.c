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
 *	close of everything leave the number of dma-bufs in
 *	/sys/kernel/debug/dma_buf/bufinfo where it was (releases deferred
 *	to a worker get 5 s).
 * Checks: dma-buf count after close
 */

#include <stdio.h>
#include <unistd.h>

#include "igt.h"
#include "igt_prime_crossing.h"

IGT_TEST_DESCRIPTION("Buffers shared between vgem, virtio-gpu, vmwgfx, udmabuf "
		     "and the system dma-heap outlive their exporter and leave "
		     "nothing behind.");

#define WIDTH	128
#define HEIGHT	32

#define EXPORTER_SEED	0x00c0ffeeu
#define IMPORTER_SEED	0x00beef00u

#define BUFINFO		"/sys/kernel/debug/dma_buf/bufinfo"

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

/* The "Total N objects" line that ends bufinfo. */
static int dmabuf_count(void)
{
	char line[256];
	int count = -1;
	FILE *f = fopen(BUFINFO, "r");

	igt_assert_f(f, "%s: %m\n", BUFINFO);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Total %d objects", &count) == 1)
			break;
	fclose(f);
	igt_assert_f(count >= 0, "no total in %s\n", BUFINFO);
	return count;
}

static void test_no_leak(const struct igt_prime_provider *exporter,
			 const struct igt_prime_provider *importer,
			 int exporter_fd, void *data)
{
	int before = dmabuf_count(), after = -1;

	for (int round = 0; round < 4; round++) {
		struct igt_prime_crossing c = {
			.exporter = exporter,
			.importer = importer,
			.exporter_fd = exporter_fd,
		};

		if (igt_prime_crossing_begin(&c, WIDTH, HEIGHT)) {
			igt_prime_exporter_fill(&c, EXPORTER_SEED + round);
			assert_import_holds(&c, EXPORTER_SEED + round, "round");
		}
		igt_prime_crossing_end(&c);
	}

	/* Give releases deferred to a worker (TTM's delayed delete) 5 s. */
	for (int tries = 0; tries < 50 && after != before; tries++) {
		if (tries)
			usleep(100 * 1000);
		after = dmabuf_count();
	}
	igt_assert_f(after == before, "%d dma-bufs before, %d after everything closed\n",
		     before, after);
}

int igt_main()
{
	igt_fixture()
		igt_prime_open_providers(providers);

	igt_describe("Close the exporter's handle, dma-buf and file: the import "
		     "keeps the contents, and takes writes.");
	igt_subtest_with_dynamic("exporter-closed")
		igt_prime_for_each_pair(providers, test_exporter_closed, NULL);

	igt_describe("Share and close everything four times: the dma-buf count "
		     "in debugfs is back where it was.");
	igt_subtest_with_dynamic("no-leak") {
		igt_require_f(access(BUFINFO, R_OK) == 0,
			      "%s not readable: debugfs not mounted or no CONFIG_DEBUG_FS\n",
			      BUFINFO);
		igt_prime_for_each_pair(providers, test_no_leak, NULL);
	}

	igt_fixture()
		igt_prime_close_providers(providers);
}
