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

#include "igt.h"
#include "igt_host.h"
#include "igt_prime_crossing.h"
#include "igt_prime_scanout.h"
#include "igt_virtgpu.h"

IGT_TEST_DESCRIPTION("Buffers of every exporter shown by virtio-gpu, checked "
		     "by what the host's display device shows.");

/* QEMU's id of the device (see the harness's machine). */
#define VIRTGPU_DEVICE	"virtio-gpu"

static int providers[IGT_PRIME_MAX_PROVIDERS];
static struct igt_prime_scanout scanout;
static int virtgpu = -1;

static void test_native(void)
{
	igt_prime_scanout_check_native(virtgpu, &scanout, VIRTGPU_DEVICE, &igt_prime_virtio_gpu);
}

static void test_imported(struct igt_prime_crossing *c, void *data)
{
	igt_prime_scanout_check_imported(virtgpu, &scanout, VIRTGPU_DEVICE, c);
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
