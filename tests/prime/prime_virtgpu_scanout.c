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
#include "igt_prime_scanout.h"
#include "igt_virtgpu.h"

IGT_TEST_DESCRIPTION("Buffers of every exporter shown by virtio-gpu, checked "
		     "by what the host's display device shows.");

static struct igt_prime_display virtgpu_display = {
	.driver = &igt_prime_virtio_gpu,
	/* QEMU's id of the device (see the harness's machine). */
	.device = "virtio-gpu",
};

int igt_main()
{
	igt_fixture() {
		int virtgpu = igt_prime_display_open(&virtgpu_display);

		igt_require_f(!igt_virtgpu_has_virgl(virtgpu),
			      "virtio-gpu has virgl: the host's screendump does not see its scanout\n");
		igt_prime_display_require(&virtgpu_display);
	}

	igt_describe("Show a virtio-gpu dumb buffer and check the host's view of it.");
	igt_subtest("native")
		igt_prime_scanout_check_native(&virtgpu_display);

	igt_describe("Show every exporter's buffer, imported into virtio-gpu, and "
		     "check the host's view of it.");
	igt_subtest_with_dynamic("imported")
		igt_prime_display_for_each_import(&virtgpu_display,
						  igt_prime_scanout_check_imported);

	igt_fixture()
		igt_prime_display_close(&virtgpu_display);
}
