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
 * Description: A fence on a shared buffer holds back every wait on the
 *	importer's side until it signals: poll() on the importer's dma-buf,
 *	the sync_file it exports (DMA_BUF_IOCTL_EXPORT_SYNC_FILE), and the
 *	importing driver's own wait ioctl (VIRTGPU_WAIT, vmwgfx's SYNCCPU;
 *	vgem has none). Unsignalled, each must say busy; signalled, idle.
 *
 * SUBTEST: vgem-fence
 * Crossings: vgem -> vgem, virtio-gpu, vmwgfx
 * Description: A vgem write fence attached to the exported vgem buffer.
 * Checks: implicit fence from the exporter
 *
 * SUBTEST: import-sync-file
 * Crossings: vgem, virtio-gpu, vmwgfx, udmabuf, dma-heap -> vgem, virtio-gpu, vmwgfx
 * Description: An unsignalled vgem fence, taken out of another buffer as a
 *	sync_file and put into the exporter's dma-buf with
 *	DMA_BUF_IOCTL_IMPORT_SYNC_FILE as a write fence.
 * Checks: sync_file import honoured
 */

#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "igt.h"
#include "dmabuf_sync_file.h"
#include "igt_vgem.h"
#include "igt_prime_crossing.h"

IGT_TEST_DESCRIPTION("Fences on buffers shared between vgem, virtio-gpu, vmwgfx, "
		     "udmabuf and the system dma-heap hold back the importer's "
		     "waits until they signal.");

#define WIDTH	64
#define HEIGHT	16

static int providers[IGT_PRIME_MAX_PROVIDERS];
static int vgem = -1;

static short poll_events(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ret = poll(&pfd, 1, timeout_ms);

	igt_assert_f(ret >= 0, "poll: %m\n");
	return ret ? pfd.revents : 0;
}

/*
 * Every wait the importer has, while the fence is pending: busy; then,
 * once @signal has run, idle.
 */
static void assert_waits(struct igt_prime_crossing *c, void (*signal)(void *),
			 void *arg)
{
	int dmabuf = igt_prime_importer_dmabuf(c);
	int sync_file = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_READ);
	int (*test_idle)(int, uint32_t) = c->importer->test_idle;

	igt_assert_eq(poll_events(dmabuf, POLLIN, 0), 0);
	igt_assert_eq(poll_events(dmabuf, POLLOUT, 0), 0);
	igt_assert_eq(poll_events(sync_file, POLLIN, 0), 0);
	if (test_idle)
		igt_assert_eq(test_idle(c->importer_fd, c->imported), -EBUSY);
	else
		igt_info("%s has no wait of its own\n", c->importer->name);

	signal(arg);

	igt_assert_eq(poll_events(dmabuf, POLLIN, 1000), POLLIN);
	igt_assert_eq(poll_events(dmabuf, POLLOUT, 1000), POLLOUT);
	igt_assert_eq(poll_events(sync_file, POLLIN, 1000), POLLIN);
	if (test_idle)
		igt_assert_eq(test_idle(c->importer_fd, c->imported), 0);

	close(sync_file);
	close(dmabuf);
}

struct vgem_fence {
	int fd;
	uint32_t fence;
};

static void signal_vgem_fence(void *arg)
{
	struct vgem_fence *f = arg;

	vgem_fence_signal(f->fd, f->fence);
}

static void test_vgem_fence(struct igt_prime_crossing *c, void *data)
{
	struct vgem_bo bo = { .handle = c->bo.handle };
	struct vgem_fence f = { .fd = c->exporter_fd };

	f.fence = vgem_fence_attach(f.fd, &bo, VGEM_FENCE_WRITE);
	assert_waits(c, signal_vgem_fence, &f);
}

static void test_import_sync_file(struct igt_prime_crossing *c, void *data)
{
	struct vgem_bo bo = { .width = 1, .height = 1, .bpp = 32 };
	struct vgem_fence f = { .fd = vgem };
	int dmabuf, sync_file;

	vgem_create(vgem, &bo);
	f.fence = vgem_fence_attach(vgem, &bo, VGEM_FENCE_WRITE);
	dmabuf = prime_handle_to_fd(vgem, bo.handle);
	sync_file = dmabuf_export_sync_file(dmabuf, DMA_BUF_SYNC_RW);
	close(dmabuf);

	dmabuf_import_sync_file(c->dmabuf, DMA_BUF_SYNC_WRITE, sync_file);
	close(sync_file);
	assert_waits(c, signal_vgem_fence, &f);

	gem_close(vgem, bo.handle);
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

	igt_describe("A vgem write fence on the exported vgem buffer holds back "
		     "every importer-side wait until it signals.");
	igt_subtest_with_dynamic("vgem-fence")
		igt_prime_for_each_crossing_if(providers, from_vgem, WIDTH, HEIGHT,
					       test_vgem_fence, NULL);

	igt_describe("A pending sync_file imported into the exporter's dma-buf "
		     "holds back every importer-side wait until it signals.");
	igt_subtest_with_dynamic("import-sync-file")
		igt_prime_for_each_crossing(providers, WIDTH, HEIGHT, test_import_sync_file,
					    NULL);

	igt_fixture() {
		drm_close_driver(vgem);
		igt_prime_close_providers(providers);
	}
}
