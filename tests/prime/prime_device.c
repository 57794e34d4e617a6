// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

/**
 * TEST: prime device
 * Category: Core
 * Mega feature: General Core features
 * Sub-category: DRM prime
 * Functionality: device-side access to shared buffers
 * Driver requirement: vgem, virtio_gpu, vmwgfx
 * Kernel requirement: CONFIG_DRM_VIRTIO_GPU with virgl, or CONFIG_DRM_VMWGFX
 *	with guest-backed objects, for the device copies; the other
 *	providers' drivers for their crossings. virtio-gpu refuses foreign
 *	dma-bufs with ENODEV (with virgl on every kernel: ca77f27a2665 imports
 *	only blobs without virgl); vmwgfx refuses to back a surface with a
 *	dumb buffer, so its device copies only other drivers' buffers
 *	(vmw_prime_surface asserts the refusal).
 * Guest requirement: for virtio-gpu, a virtio-gpu-gl-pci device with virgl
 *	(xprime's "virgl" machine); for vmwgfx, a device with guest-backed
 *	objects (xprime's "stdu" machine: vmware-svga,guest-backed=on).
 *	Elsewhere that driver's dynamic subtests skip, saying so. vgem
 *	loaded, for the other side.
 * Dynamic subtests: <exporter>-to-<importer>
 * Description: The device of one side of a crossing writes or reads the
 *	shared buffer with its own copies, and the CPU on the other side
 *	checks or provides the pattern. virtio-gpu: TRANSFER_TO_HOST, virgl's
 *	RESOURCE_COPY_REGION on the host between the buffer and a 3D staging
 *	resource (RESOURCE_CREATE), TRANSFER_FROM_HOST. vmwgfx: a
 *	guest-backed surface on the buffer, which vmwgfx binds to a MOB whose
 *	page table it builds from the buffer's dma addresses (an import's
 *	too), UPDATE_GB_SURFACE (the device reads the pages), SURFACE_COPY
 *	to or from a staging surface, READBACK_GB_SURFACE (the device writes
 *	the pages). The crossings are those where that side's driver has
 *	device copies.
 *
 * SUBTEST: exporter-device-write
 * Crossings: virtio-gpu -> vgem, virtio-gpu, vmwgfx
 * Description: The exporter's device writes the pattern into the exported
 *	buffer; the importer reads it through its dma-buf.
 * Checks: exported resource, device write
 *
 * SUBTEST: exporter-device-read
 * Crossings: virtio-gpu -> vgem, virtio-gpu, vmwgfx
 * Description: The importer writes the pattern through its dma-buf; the
 *	exporter's device reads the exported buffer back.
 * Checks: exported resource, device read
 *
 * SUBTEST: importer-device-write
 * Crossings: vgem, virtio-gpu, vmwgfx, udmabuf, dma-heap -> virtio-gpu;
 *	vgem, virtio-gpu, udmabuf, dma-heap -> vmwgfx
 * Description: The importer's device writes the pattern into the imported
 *	buffer; the exporter reads it through its own mapping.
 * Checks: imported resource, device write
 *
 * SUBTEST: importer-device-read
 * Crossings: vgem, virtio-gpu, vmwgfx, udmabuf, dma-heap -> virtio-gpu;
 *	vgem, virtio-gpu, udmabuf, dma-heap -> vmwgfx
 * Description: The exporter writes the pattern through its own mapping; the
 *	importer's device reads the imported buffer back.
 * Checks: imported resource, device read
 */

#include <errno.h>
#include <stdlib.h>

#include "igt.h"
#include "igt_pattern.h"
#include "igt_prime_crossing.h"

IGT_TEST_DESCRIPTION("Shared buffers written and read by the devices of "
		     "their exporter and importer (virtio-gpu with virgl, "
		     "vmwgfx with guest-backed objects), checked by the CPU on "
		     "the other side.");

#define DEVICE_SEED	0x00d0d0d0u
#define CPU_SEED	0x000c0c0cu

static int providers[IGT_PRIME_MAX_PROVIDERS];

/* Skips, saying why, before anything touches the buffer. */
static void require_device(const struct igt_prime_provider *p, int fd)
{
	igt_require_f(!p->has_device_copies || p->has_device_copies(fd), "%s: %s\n",
		      p->name, p->device_why);
}

static void assert_copied(const struct igt_prime_provider *p, int ret)
{
	igt_assert_f(ret == 0, "%s device copy: %s\n", p->name, igt_errno_name(-ret));
}

static void device_assert(const struct igt_prime_provider *p, int fd,
			  uint32_t handle, struct igt_prime_crossing *c)
{
	void *copy = calloc(1, c->bo.size);

	igt_assert(copy);
	assert_copied(p, p->device_read(fd, handle, &c->bo, copy));
	igt_assert_pattern(copy, c->bo.stride, c->bo.width, c->bo.height, CPU_SEED,
			   "device's copy");
	free(copy);
}

static void test_exporter_device_write(struct igt_prime_crossing *c, void *data)
{
	require_device(c->exporter, c->exporter_fd);
	igt_prime_exporter_fill(c, CPU_SEED);
	assert_copied(c->exporter,
		      c->exporter->device_write(c->exporter_fd, c->bo.handle, &c->bo,
						DEVICE_SEED));
	igt_prime_importer_assert(c, DEVICE_SEED, "importer's dma-buf mmap");
}

static void test_exporter_device_read(struct igt_prime_crossing *c, void *data)
{
	require_device(c->exporter, c->exporter_fd);
	igt_prime_importer_fill(c, CPU_SEED);
	device_assert(c->exporter, c->exporter_fd, c->bo.handle, c);
}

static void test_importer_device_write(struct igt_prime_crossing *c, void *data)
{
	require_device(c->importer, c->importer_fd);
	igt_prime_exporter_fill(c, CPU_SEED);
	assert_copied(c->importer,
		      c->importer->device_write(c->importer_fd, c->imported, &c->bo,
						DEVICE_SEED));
	igt_prime_exporter_assert(c, NULL, DEVICE_SEED);
}

static void test_importer_device_read(struct igt_prime_crossing *c, void *data)
{
	require_device(c->importer, c->importer_fd);
	igt_prime_exporter_fill(c, CPU_SEED);
	device_assert(c->importer, c->importer_fd, c->imported, c);
}

/*
 * A device copies the buffers of its driver's own making unless the driver
 * refuses them (vmwgfx's dumb buffers: vmw_prime_surface asserts that), and
 * the buffers it imported from others.
 */
static bool copies(const struct igt_prime_provider *device, bool own)
{
	return device->device_write && device->device_read &&
	       !(own && device->device_own_errno);
}

static bool exporter_copies(const struct igt_prime_provider *exporter,
			    const struct igt_prime_provider *importer)
{
	return copies(exporter, true);
}

/* An import of the importer's own buffer is that buffer. */
static bool importer_copies(const struct igt_prime_provider *exporter,
			    const struct igt_prime_provider *importer)
{
	return copies(importer, exporter == importer);
}

int igt_main()
{
	igt_fixture()
		igt_prime_open_providers(providers);

	igt_describe("The exporter's device writes the exported buffer; the "
		     "importer reads it by CPU.");
	igt_subtest_with_dynamic("exporter-device-write")
		igt_prime_for_each_crossing_if(providers, exporter_copies,
					       IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT,
					       test_exporter_device_write, NULL);

	igt_describe("The importer writes by CPU; the exporter's device reads "
		     "the exported buffer.");
	igt_subtest_with_dynamic("exporter-device-read")
		igt_prime_for_each_crossing_if(providers, exporter_copies,
					       IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT,
					       test_exporter_device_read, NULL);

	igt_describe("The importer's device writes the imported buffer; the "
		     "exporter reads it by CPU.");
	igt_subtest_with_dynamic("importer-device-write")
		igt_prime_for_each_crossing_if(providers, importer_copies,
					       IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT,
					       test_importer_device_write, NULL);

	igt_describe("The exporter writes by CPU; the importer's device reads "
		     "the imported buffer.");
	igt_subtest_with_dynamic("importer-device-read")
		igt_prime_for_each_crossing_if(providers, importer_copies,
					       IGT_PRIME_WIDTH, IGT_PRIME_HEIGHT,
					       test_importer_device_read, NULL);

	igt_fixture()
		igt_prime_close_providers(providers);
}
