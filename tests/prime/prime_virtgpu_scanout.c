// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

/**
 * TEST: prime virtgpu scanout
 * Category: Display
 * Mega feature: General Display features
 * Sub-category: DRM prime
 * Functionality: imported buffers as virtio-gpu framebuffers
 * Driver requirement: virtio_gpu
 * Kernel requirement: CONFIG_DRM_VIRTIO_GPU_KMS; for other drivers'
 *	buffers, 6.14 or later (ca77f27a2665: foreign dma-bufs imported as
 *	guest blobs) and the exporters' drivers.
 * Guest requirement: a virtio-gpu-pci device with QEMU id "virtio-gpu"
 *	and without virgl (QEMU's screendump does not see a virgl scanout);
 *	blob resources for other drivers' buffers; xprime's host channel
 *	(IGT_HOST_PORT) for the host's view of the display.
 * Crossings: vgem, virtio-gpu, vmwgfx, udmabuf, dma-heap -> virtio-gpu
 * Dynamic subtests: <exporter>-to-virtio-gpu
 * Description: Shows a buffer on virtio-gpu's display (ADDFB2, SETCRTC,
 *	DIRTYFB: RESOURCE_FLUSH to the host) and checks what the host's
 *	display device shows against the buffer's pattern, then rewrites the
 *	buffer and checks again: a copy the host keeps of an older content
 *	shows there.
 *
 * SUBTEST: native
 * Description: A virtio-gpu dumb buffer on the display: the host shows its
 *	pattern, and after the CPU rewrites it and marks it dirty, the new one.
 * Checks: native scanout (the reference)
 *
 * SUBTEST: imported
 * Description: Another provider's buffer, imported into virtio-gpu (a
 *	guest blob), on the display: the host shows the exporter's pattern,
 *	and after the exporter rewrites it and the framebuffer is marked
 *	dirty, the new one.
 * Checks: imported scanout
 */

#include <sys/mman.h>

#include "igt.h"
#include "igt_host.h"
#include "igt_pattern.h"
#include "igt_prime_crossing.h"
#include "igt_prime_scanout.h"
#include "igt_virtgpu.h"

IGT_TEST_DESCRIPTION("Buffers of every exporter shown by virtio-gpu, checked "
		     "by what the host's display device shows.");

/* QEMU's id of the device (see the harness's machine). */
#define VIRTGPU_DEVICE	"virtio-gpu"

#define SEED_FIRST	0x00405060u
#define SEED_SECOND	0x00d0e0f0u

static int providers[IGT_PRIME_MAX_PROVIDERS];
static struct igt_prime_scanout scanout;
static int virtgpu = -1;

static void test_native(void)
{
	struct igt_prime_bo bo;
	void *ptr;

	igt_prime_create(&igt_prime_virtio_gpu, virtgpu, scanout.mode.hdisplay,
			 scanout.mode.vdisplay, &bo);
	ptr = igt_prime_map(&igt_prime_virtio_gpu, virtgpu, &bo, PROT_READ | PROT_WRITE);
	igt_pattern_fill(ptr, bo.stride, bo.width, bo.height, SEED_FIRST);
	igt_prime_scanout_show(virtgpu, &scanout, bo.handle, bo.stride);
	igt_prime_scanout_assert_host(VIRTGPU_DEVICE, &scanout, SEED_FIRST);

	igt_pattern_fill(ptr, bo.stride, bo.width, bo.height, SEED_SECOND);
	igt_prime_scanout_dirty(virtgpu, &scanout);
	igt_prime_scanout_assert_host(VIRTGPU_DEVICE, &scanout, SEED_SECOND);

	munmap(ptr, bo.size);
	igt_prime_scanout_off(virtgpu, &scanout);
	igt_prime_virtio_gpu.destroy(virtgpu, &bo);
}

static void test_imported(struct igt_prime_crossing *c, void *data)
{
	uint32_t handle = 0;

	/* Scanout needs DRM master: import into the master file as well. */
	igt_assert_eq(__prime_fd_to_handle(virtgpu, c->dmabuf, &handle), 0);

	igt_prime_exporter_fill(c, SEED_FIRST);
	igt_prime_scanout_show(virtgpu, &scanout, handle, c->bo.stride);
	igt_prime_scanout_assert_host(VIRTGPU_DEVICE, &scanout, SEED_FIRST);

	igt_prime_exporter_fill(c, SEED_SECOND);
	igt_prime_scanout_dirty(virtgpu, &scanout);
	igt_prime_scanout_assert_host(VIRTGPU_DEVICE, &scanout, SEED_SECOND);

	igt_prime_scanout_off(virtgpu, &scanout);
	gem_close(virtgpu, handle);
}

static bool to_virtgpu(const struct igt_prime_provider *exporter,
		       const struct igt_prime_provider *importer)
{
	return importer == &igt_prime_virtio_gpu;
}

int igt_main()
{
	igt_fixture() {
		/* First, so that no other file of virtio-gpu holds DRM master. */
		virtgpu = drm_open_driver_master(DRIVER_VIRTIO);
		igt_require_f(!igt_virtgpu_has_virgl(virtgpu),
			      "virtio-gpu has virgl: the host's screendump does not see its scanout\n");
		igt_prime_open_providers(providers);
		igt_prime_scanout_find(virtgpu, &scanout);
		igt_require_host();
	}

	igt_describe("Show a virtio-gpu dumb buffer and check the host's view of it.");
	igt_subtest("native")
		test_native();

	igt_describe("Show every exporter's buffer, imported into virtio-gpu, and "
		     "check the host's view of it.");
	igt_subtest_with_dynamic("imported")
		igt_prime_for_each_crossing_if(providers, to_virtgpu, scanout.mode.hdisplay,
					       scanout.mode.vdisplay, test_imported, NULL);

	igt_fixture() {
		drm_close_driver(virtgpu);
		igt_prime_close_providers(providers);
	}
}
