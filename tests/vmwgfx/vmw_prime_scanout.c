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
 */

#include <unistd.h>

#include "igt.h"
#include "igt_host.h"
#include "igt_pattern.h"
#include "igt_prime_crossing.h"
#include "igt_prime_scanout.h"
#include "igt_vmwgfx.h"

IGT_TEST_DESCRIPTION("Buffers of every exporter shown by vmwgfx, checked by "
		     "what the host's display device shows.");

/* QEMU's id of the device (see the harness's machine). */
#define VMWGFX_DEVICE	"vmware-svga"

#define SEED_FIRST	0x00102030u
#define SEED_SECOND	0x00a0b0c0u

static int providers[IGT_PRIME_MAX_PROVIDERS];
static struct igt_prime_scanout scanout;
static int vmw = -1;

static void assert_screen(uint32_t seed)
{
	igt_prime_scanout_assert_host(VMWGFX_DEVICE, &scanout, seed);
}

static void test_native(void)
{
	struct igt_prime_bo bo;
	void *ptr;

	igt_prime_create(&igt_prime_vmwgfx, vmw, scanout.mode.hdisplay,
			 scanout.mode.vdisplay, &bo);
	ptr = igt_prime_map(&igt_prime_vmwgfx, vmw, &bo, PROT_READ | PROT_WRITE);
	igt_pattern_fill(ptr, bo.stride, bo.width, bo.height, SEED_FIRST);
	igt_prime_scanout_show(vmw, &scanout, bo.handle, bo.stride);
	assert_screen(SEED_FIRST);

	igt_pattern_fill(ptr, bo.stride, bo.width, bo.height, SEED_SECOND);
	igt_prime_scanout_dirty(vmw, &scanout);
	assert_screen(SEED_SECOND);

	munmap(ptr, bo.size);
	igt_prime_scanout_off(vmw, &scanout);
	igt_prime_vmwgfx.destroy(vmw, &bo);
}

static void test_imported(struct igt_prime_crossing *c, void *data)
{
	uint32_t handle = 0;

	/* Scanout needs DRM master: import into the master file as well. */
	igt_assert_eq(__prime_fd_to_handle(vmw, c->dmabuf, &handle), 0);

	igt_prime_exporter_fill(c, SEED_FIRST);
	igt_prime_scanout_show(vmw, &scanout, handle, c->bo.stride);
	assert_screen(SEED_FIRST);

	igt_prime_exporter_fill(c, SEED_SECOND);
	igt_prime_scanout_dirty(vmw, &scanout);
	assert_screen(SEED_SECOND);

	igt_prime_scanout_off(vmw, &scanout);
	gem_close(vmw, handle);
}

static bool to_vmwgfx(const struct igt_prime_provider *exporter,
		      const struct igt_prime_provider *importer)
{
	return importer == &igt_prime_vmwgfx;
}

int igt_main()
{
	igt_fixture() {
		/* First, so that no other file of vmwgfx holds DRM master. */
		vmw = drm_open_driver_master(DRIVER_VMWGFX);
		igt_prime_open_providers(providers);
		igt_prime_scanout_find(vmw, &scanout);
		igt_require_host();
	}

	igt_describe("Show a vmwgfx dumb buffer and check the host's view of it.");
	igt_subtest("native")
		test_native();

	igt_describe("Show every exporter's buffer, imported into vmwgfx, and "
		     "check the host's view of it.");
	igt_subtest_with_dynamic("imported")
		igt_prime_for_each_crossing_if(providers, to_vmwgfx, scanout.mode.hdisplay,
					       scanout.mode.vdisplay, test_imported, NULL);

	igt_fixture() {
		drm_close_driver(vmw);
		igt_prime_close_providers(providers);
	}
}
