// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

/**
 * TEST: prime sync
 * Category: Core
 * Mega feature: General Core features
 * Sub-category: DRM prime
 * Functionality: implicit synchronisation of shared buffers
 * Driver requirement: vgem, virtio_gpu, vmwgfx
 * Kernel requirement: CONFIG_DRM_VGEM (its fences), CONFIG_DRM_VIRTIO_GPU
 *	and CONFIG_DRM_VMWGFX; DMA_BUF_IOCTL_EXPORT_SYNC_FILE and
 *	IMPORT_SYNC_FILE (6.0); CONFIG_UDMABUF and CONFIG_DMABUF_HEAPS_SYSTEM
 *	for those exporters.
 * Guest requirement: vgem loaded; a virtio-gpu-pci device (no virgl); a
 *	vmware-svga device that vmwgfx binds (qemu/vmware-svga.patch).
 * Dynamic subtests: <exporter>-to-<importer>
 * Description: Fences on a shared buffer hold back the waits on either side
 *	as include/linux/dma-resv.h says: a reader waits for write fences
 *	only, a writer for every fence. Each is checked before and after each
 *	fence signals: poll() on the shared dma-buf
 *	(POLLIN: may read, POLLOUT: may write; the importer's export of its
 *	import is the exporter's dma-buf), the sync_files
 *	DMA_BUF_IOCTL_EXPORT_SYNC_FILE gives for READ, WRITE and RW, and the
 *	drivers' own waits on either side (VIRTGPU_WAIT; vmwgfx's SYNCCPU,
 *	grabbed for reading and for writing: both wait for every fence; vgem
 *	has none). A driver without a wait of
 *	its own is named in the log; the rest is checked. The fences: a
 *	pending vgem fence (of a buffer of its own) added to the exporter's
 *	dma-buf as a sync_file with DMA_BUF_IOCTL_IMPORT_SYNC_FILE, READ (a
 *	read fence) or WRITE (a write fence); vgem's own fences
 *	(VGEM_FENCE_ATTACH) on a vgem buffer, by its exporter or by vgem
 *	importing another driver's.
 *
 * SUBTEST: read-fence
 * Crossings: vgem, virtio-gpu, vmwgfx, udmabuf, dma-heap -> vgem, virtio-gpu, vmwgfx
 * Description: A pending read fence, imported as a sync_file: readers go
 *	through, writers wait, until it signals.
 * Checks: read fence: readers pass, writers wait
 *
 * SUBTEST: write-fence
 * Crossings: vgem, virtio-gpu, vmwgfx, udmabuf, dma-heap -> vgem, virtio-gpu, vmwgfx
 * Description: A pending write fence, imported as a sync_file: readers and
 *	writers wait until it signals.
 * Checks: write fence: everyone waits
 *
 * SUBTEST: both-fences
 * Crossings: vgem, virtio-gpu, vmwgfx, udmabuf, dma-heap -> vgem, virtio-gpu, vmwgfx
 * Description: A read fence and a write fence, both pending: everyone
 *	waits; the write fence signalled, readers go through and writers still
 *	wait for the read fence; both signalled, nobody waits.
 * Checks: read and write fences together
 *
 * SUBTEST: vgem-fence
 * Crossings: vgem -> vgem, virtio-gpu, vmwgfx
 * Description: vgem's own write fence on the exported vgem buffer.
 * Checks: implicit write fence from the exporter
 *
 * SUBTEST: vgem-read-fence
 * Crossings: vgem -> vgem, virtio-gpu, vmwgfx
 * Description: vgem's own read fence on the exported vgem buffer.
 * Checks: implicit read fence from the exporter
 *
 * SUBTEST: importer-fence
 * Crossings: vgem, virtio-gpu, vmwgfx, udmabuf, dma-heap -> vgem
 * Description: The importer's fences seen by the exporter's side: vgem
 *	attaches a read fence, then (the read fence signalled) a write fence,
 *	to its import of the buffer; each holds back the exporter's waits as
 *	it holds back the importer's. Only vgem here: virtio-gpu fences a
 *	buffer through virgl's execbuffer, which imports no other driver's
 *	buffer (ENODEV), and its 2D transfers are unfenced; vmwgfx fences
 *	through SVGA3D commands, which vmware-svga here does not have.
 * Checks: importer's fences seen by the exporter
 */

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "igt.h"
#include "dmabuf_sync_file.h"
#include "igt_vgem.h"
#include "igt_prime_crossing.h"
#include "igt_vmwgfx.h"

IGT_TEST_DESCRIPTION("Read and write fences on buffers shared between vgem, "
		     "virtio-gpu, vmwgfx, udmabuf and the system dma-heap hold "
		     "back the waits on either side as dma-resv's rules say.");

static int providers[IGT_PRIME_MAX_PROVIDERS];
static int vgem = -1;

/*
 * What the pending fences hold back, by dma-resv's rules: a reader waits for
 * write fences, a writer for every fence.
 */
struct held {
	bool readers;
	bool writers;
};

static const struct held nobody = { false, false };
static const struct held writers = { false, true };
static const struct held everyone = { true, true };

/* The @events poll() reports at once; an error or a bad fd asserts. */
static short poll_events(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ret = poll(&pfd, 1, 0);

	igt_assert_f(ret >= 0, "poll: %m\n");
	igt_assert_f(!(pfd.revents & (POLLERR | POLLNVAL)), "poll of fd %d: revents 0x%x\n",
		     fd, pfd.revents);
	return ret ? pfd.revents & events : 0;
}

static const char *busy(bool waits)
{
	return waits ? "busy" : "idle";
}

/* Whether the sync_file @dmabuf exports for access @flags is pending. */
static bool exports_pending(int dmabuf, uint32_t flags)
{
	int sync_file = dmabuf_export_sync_file(dmabuf, flags);
	bool pending = !poll_events(sync_file, POLLIN);

	close(sync_file);
	return pending;
}

static void assert_dmabuf_waits(int dmabuf, const char *side, struct held h)
{
	bool in = !poll_events(dmabuf, POLLIN), out = !poll_events(dmabuf, POLLOUT);

	igt_assert_f(in == h.readers, "%s dma-buf: POLLIN %s, expected %s\n",
		     side, busy(in), busy(h.readers));
	igt_assert_f(out == h.writers, "%s dma-buf: POLLOUT %s, expected %s\n",
		     side, busy(out), busy(h.writers));
	igt_assert_f(exports_pending(dmabuf, DMA_BUF_SYNC_READ) == h.readers,
		     "%s dma-buf: EXPORT_SYNC_FILE(READ) %s, expected %s\n", side,
		     busy(!h.readers), busy(h.readers));
	igt_assert_f(exports_pending(dmabuf, DMA_BUF_SYNC_WRITE) == h.writers,
		     "%s dma-buf: EXPORT_SYNC_FILE(WRITE) %s, expected %s\n", side,
		     busy(!h.writers), busy(h.writers));
	igt_assert_f(exports_pending(dmabuf, DMA_BUF_SYNC_RW) == h.writers,
		     "%s dma-buf: EXPORT_SYNC_FILE(RW) %s, expected %s\n", side,
		     busy(!h.writers), busy(h.writers));
}

/*
 * The driver's own wait on its handle: VIRTGPU_WAIT and vmwgfx's SYNCCPU
 * (with allow_cs) wait for every fence, read fences too, as a writer must.
 */
static void assert_driver_waits(const struct igt_prime_provider *p, int fd,
				uint32_t handle, const char *side, struct held h)
{
	int ret;

	if (!p->test_idle) {
		igt_info("%s (%s) has no wait of its own\n", p->name, side);
		return;
	}
	ret = p->test_idle(fd, handle);
	igt_assert_f(ret == (h.writers ? -EBUSY : 0), "%s's wait (%s): %s, expected %s\n",
		     p->name, side, ret == 0 ? "idle" : igt_errno_name(-ret),
		     h.writers ? "EBUSY" : "idle");
	if (p != &igt_prime_vmwgfx)
		return;
	/* SYNCCPU also takes the access: a write grab waits for every fence too. */
	ret = igt_vmwgfx_test_idle_for(fd, handle, true);
	igt_assert_f(ret == (h.writers ? -EBUSY : 0),
		     "vmwgfx's SYNCCPU write grab (%s): %s, expected %s\n", side,
		     ret == 0 ? "idle" : igt_errno_name(-ret), h.writers ? "EBUSY" : "idle");
}

/*
 * Every wait on either side of the crossing answers as @h says. The
 * importer's export of its import is the same dma-buf
 * (igt_prime_importer_dmabuf() asserts it), whose waits are checked once.
 */
static void assert_held(struct igt_prime_crossing *c, struct held h, const char *when)
{
	igt_info("%s: readers %s, writers %s\n", when, h.readers ? "wait" : "pass",
		 h.writers ? "wait" : "pass");
	close(igt_prime_importer_dmabuf(c));
	assert_dmabuf_waits(c->dmabuf, "the", h);
	assert_driver_waits(c->importer, c->importer_fd, c->imported, "importer", h);
	if (c->exporter->chipset)
		assert_driver_waits(c->exporter, c->exporter_fd, c->bo.handle, "exporter", h);
}

struct fence {
	int fd;
	uint32_t fence;
};

/* A pending vgem fence, of a buffer of its own, as a sync_file. */
static int pending_sync_file(struct fence *f)
{
	struct vgem_bo bo = { .width = 1, .height = 1, .bpp = 32 };
	int dmabuf, sync_file;

	vgem_create(vgem, &bo);
	f->fd = vgem;
	f->fence = vgem_fence_attach(vgem, &bo, VGEM_FENCE_WRITE);
	dmabuf = prime_handle_to_fd(vgem, bo.handle);
	sync_file = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_RW);
	close(dmabuf);
	gem_close(vgem, bo.handle);
	return sync_file;
}

/* A pending fence added to the exporter's dma-buf for access @flags. */
static struct fence add_fence(struct igt_prime_crossing *c, uint32_t flags)
{
	struct fence f;
	int sync_file = pending_sync_file(&f);

	dmabuf_import_sync_file(c->dmabuf, flags, sync_file);
	close(sync_file);
	return f;
}

static void test_read_fence(struct igt_prime_crossing *c, void *data)
{
	struct fence f = add_fence(c, DMA_BUF_SYNC_READ);

	assert_held(c, writers, "read fence pending");
	vgem_fence_signal(f.fd, f.fence);
	assert_held(c, nobody, "read fence signalled");
}

static void test_write_fence(struct igt_prime_crossing *c, void *data)
{
	struct fence f = add_fence(c, DMA_BUF_SYNC_WRITE);

	assert_held(c, everyone, "write fence pending");
	vgem_fence_signal(f.fd, f.fence);
	assert_held(c, nobody, "write fence signalled");
}

static void test_both_fences(struct igt_prime_crossing *c, void *data)
{
	struct fence read = add_fence(c, DMA_BUF_SYNC_READ);
	struct fence write = add_fence(c, DMA_BUF_SYNC_WRITE);

	assert_held(c, everyone, "read and write fences pending");
	vgem_fence_signal(write.fd, write.fence);
	assert_held(c, writers, "write fence signalled, read fence pending");
	vgem_fence_signal(read.fd, read.fence);
	assert_held(c, nobody, "both signalled");
}

/* vgem's own fence on vgem's buffer @handle: read, or write with @write. */
static void vgem_fence(struct igt_prime_crossing *c, int fd, uint32_t handle, bool write)
{
	struct vgem_bo bo = { .handle = handle };
	uint32_t fence = vgem_fence_attach(fd, &bo, write ? VGEM_FENCE_WRITE : 0);

	assert_held(c, write ? everyone : writers,
		    write ? "vgem write fence pending" : "vgem read fence pending");
	vgem_fence_signal(fd, fence);
	assert_held(c, nobody, "vgem fence signalled");
}

static void test_vgem_fence(struct igt_prime_crossing *c, void *data)
{
	vgem_fence(c, c->exporter_fd, c->bo.handle, true);
}

static void test_vgem_read_fence(struct igt_prime_crossing *c, void *data)
{
	vgem_fence(c, c->exporter_fd, c->bo.handle, false);
}

static void test_importer_fence(struct igt_prime_crossing *c, void *data)
{
	vgem_fence(c, c->importer_fd, c->imported, false);
	vgem_fence(c, c->importer_fd, c->imported, true);
}

static bool from_vgem(const struct igt_prime_provider *exporter,
		      const struct igt_prime_provider *importer)
{
	return exporter == &igt_prime_vgem;
}

int igt_main()
{
	igt_fixture() {
		igt_prime_open_providers(providers);
		vgem = igt_prime_drm_open(&igt_prime_vgem);
		igt_require_f(vgem >= 0, "vgem is not loaded: its fences are the fence source\n");
		igt_require_f(vgem_has_fences(vgem), "vgem has no fence ioctls\n");
	}

	igt_describe("A pending read fence imported into the exporter's dma-buf "
		     "holds back writers, not readers, on either side until it "
		     "signals.");
	igt_subtest_with_dynamic("read-fence")
		igt_prime_for_each_crossing(providers, IGT_PRIME_PAGE_WIDTH, IGT_PRIME_PAGE_HEIGHT,
					    test_read_fence, NULL);

	igt_describe("A pending write fence imported into the exporter's dma-buf "
		     "holds back readers and writers on either side until it "
		     "signals.");
	igt_subtest_with_dynamic("write-fence")
		igt_prime_for_each_crossing(providers, IGT_PRIME_PAGE_WIDTH, IGT_PRIME_PAGE_HEIGHT,
					    test_write_fence, NULL);

	igt_describe("A read and a write fence together: everyone waits, then "
		     "writers only, then nobody, as they signal.");
	igt_subtest_with_dynamic("both-fences")
		igt_prime_for_each_crossing(providers, IGT_PRIME_PAGE_WIDTH, IGT_PRIME_PAGE_HEIGHT,
					    test_both_fences, NULL);

	igt_describe("vgem's own write fence on the exported vgem buffer holds "
		     "back every wait on either side until it signals.");
	igt_subtest_with_dynamic("vgem-fence")
		igt_prime_for_each_crossing_if(providers, from_vgem,
					       IGT_PRIME_PAGE_WIDTH, IGT_PRIME_PAGE_HEIGHT,
					       test_vgem_fence, NULL);

	igt_describe("vgem's own read fence on the exported vgem buffer holds "
		     "back writers, not readers, until it signals.");
	igt_subtest_with_dynamic("vgem-read-fence")
		igt_prime_for_each_crossing_if(providers, from_vgem,
					       IGT_PRIME_PAGE_WIDTH, IGT_PRIME_PAGE_HEIGHT,
					       test_vgem_read_fence, NULL);

	igt_describe("Read and write fences vgem attaches to its import hold "
		     "back the exporter's waits as they hold back the importer's.");
	igt_subtest_with_dynamic("importer-fence") {
		igt_info("into vgem only: virtio-gpu fences through virgl's execbuffer, "
			 "which imports no other driver's buffer, and vmwgfx through "
			 "SVGA3D commands\n");
		igt_prime_for_each_crossing_into(providers, &igt_prime_vgem,
						 IGT_PRIME_PAGE_WIDTH, IGT_PRIME_PAGE_HEIGHT,
						 test_importer_fence, NULL);
	}

	igt_fixture() {
		drm_close_driver(vgem);
		igt_prime_close_providers(providers);
	}
}
