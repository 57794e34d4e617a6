// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

/**
 * TEST: vmw prime scanout
 * Category: Display
 * Mega feature: General Display features
 * Sub-category: DRM prime
 * Functionality: imported buffers as vmwgfx framebuffers
 * Driver requirement: vmwgfx
 * Kernel requirement: CONFIG_DRM_VMWGFX, with prime import of dumb buffers
 *	(6.9, b32233accefff) and external buffers (50f119925091); exporters'
 *	drivers for their crossings.
 * Guest requirement: a vmware-svga device with QEMU id "vmware-svga" that
 *	vmwgfx binds (qemu/vmware-svga.patch), and xprime's host channel
 *	(IGT_HOST_PORT) for the host's view: vmwgfx's Legacy Display Unit
 *	has no CRC, so the screen is read back from QEMU.
 * Crossings: vgem, virtio-gpu, vmwgfx, udmabuf, dma-heap -> vmwgfx
 * Dynamic subtests: <exporter>-to-vmwgfx
 * Description: Shows a buffer on vmwgfx's display (ADDFB2, SETCRTC,
 *	DIRTYFB) and checks what the host's display device shows against the
 *	buffer's pattern, as kms_prime does with CRCs: the path vmwgfx once
 *	crashed on with imported buffers.
 *
 * SUBTEST: native
 * Description: A vmwgfx dumb buffer on the display: the host shows its
 *	pattern, and after the CPU rewrites it and marks it dirty, the new one.
 * Checks: native scanout (the reference)
 *
 * SUBTEST: imported
 * Description: Another provider's buffer, imported into vmwgfx, on the
 *	display: the host shows the exporter's pattern, and after the
 *	exporter rewrites it and the framebuffer is marked dirty, the new one.
 * Checks: imported scanout
 *
 * SUBTEST: imported-dirty-rect
 * Description: As imported, but only a rectangle is marked dirty after the
 *	rewrite: the host shows the new pattern there, and elsewhere each
 *	pixel of the old or the new one at its own position (a driver may
 *	update more than the damage). vmwgfx's Screen Target unit copies an
 *	imported framebuffer's damage on the CPU (vmw_bo_cpu_blit()) into the
 *	surface the device shows, from and to the rectangle's place; the
 *	Legacy Display Unit shows its VRAM framebuffer whole, so elsewhere
 *	the subtest skips, saying why.
 * Checks: imported scanout, sub-rectangle
 */

#include "igt.h"
#include "igt_prime_scanout.h"
#include "igt_vmwgfx.h"

IGT_TEST_DESCRIPTION("Buffers of every exporter shown by vmwgfx, checked by "
		     "what the host's display device shows.");

static struct igt_prime_display vmw_display = {
	.driver = &igt_prime_vmwgfx,
	/* QEMU's id of the device (see the harness's machine). */
	.device = "vmware-svga",
};

static void test_imported_dirty_rect(struct igt_prime_display *display,
				     struct igt_prime_crossing *c)
{
	const drmModeModeInfo *mode = &display->scanout.mode;
	int vmw = display->fd;
	/* A third of the screen, in from its top left corner. */
	const drmModeClip rect = {
		.x1 = mode->hdisplay / 4,
		.y1 = mode->vdisplay / 4,
		.x2 = mode->hdisplay / 4 + mode->hdisplay / 3,
		.y2 = mode->vdisplay / 4 + mode->vdisplay / 3,
	};

	igt_require_f(igt_vmwgfx_has_gb_surfaces(vmw),
		      "vmwgfx's Legacy Display Unit (no guest-backed objects) shows its "
		      "VRAM framebuffer whole: no dirty rectangle is copied alone\n");
	igt_prime_scanout_check_imported_rect(display, c, &rect);
}

int igt_main()
{
	igt_fixture() {
		igt_prime_display_open(&vmw_display);
		igt_prime_display_require(&vmw_display);
	}

	igt_describe("Show a vmwgfx dumb buffer and check the host's view of it.");
	igt_subtest("native")
		igt_prime_scanout_check_native(&vmw_display);

	igt_describe("Show every exporter's buffer, imported into vmwgfx, and "
		     "check the host's view of it.");
	igt_subtest_with_dynamic("imported")
		igt_prime_display_for_each_import(&vmw_display, igt_prime_scanout_check_imported);

	igt_describe("Show every exporter's buffer, imported into vmwgfx, mark a "
		     "rectangle of it dirty after a rewrite, and check the host's "
		     "view inside and outside it.");
	igt_subtest_with_dynamic("imported-dirty-rect")
		igt_prime_display_for_each_import(&vmw_display, test_imported_dirty_rect);

	igt_fixture()
		igt_prime_display_close(&vmw_display);
}
