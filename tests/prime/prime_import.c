// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

/**
 * TEST: prime import
 * Category: Core
 * Mega feature: General Core features
 * Sub-category: DRM prime
 * Functionality: dma-buf import semantics and bad input
 * Driver requirement: vgem, virtio_gpu, vmwgfx
 * Kernel requirement: CONFIG_DRM_VGEM, CONFIG_DRM_VIRTIO_GPU and
 *	CONFIG_DRM_VMWGFX; CONFIG_UDMABUF and CONFIG_DMABUF_HEAPS_SYSTEM for
 *	those exporters.
 * Guest requirement: vgem loaded; a virtio-gpu-pci device (no virgl); a
 *	vmware-svga device that vmwgfx binds (qemu/vmware-svga.patch). The
 *	crossings of a provider that is not there are left out.
 * Description: What an importer promises about the objects it makes from a
 *	dma-buf (one per file, the same one on a second import, a fresh one
 *	after close), and the exact errno of every kind of bad import.
 *
 * SUBTEST: same-file-same-handle
 * Crossings: vgem, virtio-gpu, vmwgfx, udmabuf, dma-heap -> vgem, virtio-gpu, vmwgfx
 * Dynamic subtests: <exporter>-to-<importer>
 * Description: Importing the same dma-buf twice into one DRM file gives the
 *	same handle, and that handle exports the same dma-buf back.
 * Checks: import twice
 *
 * SUBTEST: other-file-own-handle
 * Crossings: vgem, virtio-gpu, vmwgfx, udmabuf, dma-heap -> vgem, virtio-gpu, vmwgfx
 * Dynamic subtests: <exporter>-to-<importer>
 * Description: Another DRM file of the importer gets a handle of its own,
 *	which keeps working after the first file closed its handle.
 * Checks: import in two files
 *
 * SUBTEST: close-reimport
 * Crossings: vgem, virtio-gpu, vmwgfx, udmabuf, dma-heap -> vgem, virtio-gpu, vmwgfx
 * Dynamic subtests: <exporter>-to-<importer>
 * Description: After GEM_CLOSE of the imported handle, importing again works
 *	and gives an object of the same dma-buf.
 * Checks: close and import again
 *
 * SUBTEST: bad-fd
 * Description: PRIME_FD_TO_HANDLE with a closed fd or a negative one gives
 *	EBADF; with a file that is not a dma-buf (memfd, pipe, a DRM fd) it
 *	gives EINVAL. The importer still imports a real dma-buf afterwards.
 *	Dynamic subtests <importer>-closed, -negative, -memfd, -pipe, -drm-fd.
 * Checks: bad import
 *
 * SUBTEST: handle-to-fd-bad-input
 * Description: PRIME_HANDLE_TO_FD with flag bits other than DRM_CLOEXEC and
 *	DRM_RDWR gives EINVAL, with a handle the file does not have ENOENT
 *	(vmwgfx: ESRCH, from vmw_user_bo_lookup(); before 6.9, when it exports
 *	no dumb buffer, ENOENT); the driver still exports afterwards. One dynamic subtest per DRM
 *	driver.
 * Checks: bad export
 *
 * SUBTEST: readonly-export
 * Description: A buffer exported without DRM_RDWR maps read-only through
 *	its dma-buf: PROT_WRITE with MAP_SHARED gives EACCES, PROT_READ works
 *	and reads the exporter's pattern. One dynamic subtest per DRM driver
 *	(udmabuf's and the dma-heap's dma-bufs are always read-write).
 * Checks: export access mode
 *
 * SUBTEST: new-buffer-zeroed
 * Description: After buffers filled with a pattern were freed, a new
 *	buffer reads as zeros through its dma-buf: nothing is left from a
 *	previous user. One dynamic subtest per exporter.
 * Checks: new buffer contents
 *
 * SUBTEST: sync-bad-flags
 * Description: DMA_BUF_IOCTL_SYNC on a dma-buf the importer exported gives
 *	EINVAL for unknown flag bits and for neither READ nor WRITE, and
 *	works with valid flags afterwards. One dynamic subtest per importer.
 * Checks: bad sync flags
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "igt.h"
#include "igt_dmabuf_info.h"
#include "igt_pattern.h"
#include "igt_prime_crossing.h"

IGT_TEST_DESCRIPTION("Import semantics of vgem, virtio-gpu and vmwgfx for "
		     "every exporter, and the errno of every bad import.");

static int providers[IGT_PRIME_MAX_PROVIDERS];

static void assert_same_dmabuf(int importer_fd, uint32_t handle, int dmabuf)
{
	int fd = prime_handle_to_fd(importer_fd, handle);

	/* Two dma-buf fds are the same dma-buf when they share its file's inode. */
	igt_assert_eq_u64(igt_dmabuf_ino(fd), igt_dmabuf_ino(dmabuf));
	close(fd);
}

static void test_same_file(struct igt_prime_crossing *c, void *data)
{
	uint32_t again = 0;

	igt_assert_eq(__igt_prime_import(c, c->dmabuf, &again), 0);
	igt_assert_eq_u32(again, c->imported);
	assert_same_dmabuf(c->importer_fd, again, c->dmabuf);
}

static void test_other_file(struct igt_prime_crossing *c, void *data)
{
	int other = igt_prime_drm_open(c->importer);
	uint32_t handle = 0;

	igt_assert_fd(other);
	igt_assert_eq(__prime_fd_to_handle(other, c->dmabuf, &handle), 0);
	igt_assert_neq(handle, 0);

	gem_close(c->importer_fd, c->imported);
	c->imported = 0;
	assert_same_dmabuf(other, handle, c->dmabuf);

	gem_close(other, handle);
	drm_close_driver(other);
}

static void test_close_reimport(struct igt_prime_crossing *c, void *data)
{
	gem_close(c->importer_fd, c->imported);
	c->imported = 0;

	igt_assert_eq(__igt_prime_import(c, c->dmabuf, &c->imported), 0);
	igt_assert_neq(c->imported, 0);
	assert_same_dmabuf(c->importer_fd, c->imported, c->dmabuf);
}

static int import_errno(int drm_fd, int fd)
{
	uint32_t handle = 0;
	int ret = __prime_fd_to_handle(drm_fd, fd, &handle);

	if (ret == 0)
		gem_close(drm_fd, handle);
	return ret;
}

/*
 * The importer still imports a buffer of its own after bad input: in
 * another file, since the file that exported it would answer from its own
 * list of exports without importing anything.
 */
static void assert_still_imports(const struct igt_prime_provider *importer, int drm_fd)
{
	struct igt_prime_bo bo;
	uint32_t handle = 0;
	int dmabuf, other;

	igt_prime_create(importer, drm_fd, IGT_PRIME_PAGE_WIDTH, IGT_PRIME_PAGE_HEIGHT, &bo);
	if (!igt_prime_exports(importer)) {
		/* Nothing of its own to import: it still makes buffers. */
		igt_info("%s\n", importer->old_why);
		importer->destroy(drm_fd, &bo);
		return;
	}
	dmabuf = igt_prime_export(importer, drm_fd, &bo, true);
	other = igt_prime_drm_open(importer);
	igt_assert_fd(other);
	igt_assert_eq(__prime_fd_to_handle(other, dmabuf, &handle), 0);
	igt_assert_neq_u32(handle, 0);
	assert_same_dmabuf(other, handle, dmabuf);
	gem_close(other, handle);
	drm_close_driver(other);
	close(dmabuf);
	importer->destroy(drm_fd, &bo);
}

static void test_bad_fd(const struct igt_prime_provider *importer, int drm_fd)
{
	int closed, memfd, pipefd[2], other;

	igt_dynamic_f("%s-closed", importer->name) {
		closed = memfd_create("xprime-closed", MFD_CLOEXEC);
		igt_assert_fd(closed);
		close(closed);
		igt_assert_eq(import_errno(drm_fd, closed), -EBADF);
		assert_still_imports(importer, drm_fd);
	}

	igt_dynamic_f("%s-negative", importer->name) {
		igt_assert_eq(import_errno(drm_fd, -1), -EBADF);
		assert_still_imports(importer, drm_fd);
	}

	igt_dynamic_f("%s-memfd", importer->name) {
		memfd = memfd_create("xprime-not-a-dmabuf", MFD_CLOEXEC);
		igt_assert_fd(memfd);
		igt_assert_eq(ftruncate(memfd, 4096), 0);
		igt_assert_eq(import_errno(drm_fd, memfd), -EINVAL);
		close(memfd);
		assert_still_imports(importer, drm_fd);
	}

	igt_dynamic_f("%s-pipe", importer->name) {
		igt_assert_eq(pipe2(pipefd, O_CLOEXEC), 0);
		igt_assert_eq(import_errno(drm_fd, pipefd[0]), -EINVAL);
		close(pipefd[0]);
		close(pipefd[1]);
		assert_still_imports(importer, drm_fd);
	}

	igt_dynamic_f("%s-drm-fd", importer->name) {
		other = igt_prime_drm_open(importer);
		igt_assert_fd(other);
		igt_assert_eq(import_errno(drm_fd, other), -EINVAL);
		drm_close_driver(other);
		assert_still_imports(importer, drm_fd);
	}
}

static void test_sync_bad_flags(const struct igt_prime_provider *importer, int drm_fd)
{
	struct igt_prime_bo bo;
	int dmabuf;

	igt_require_f(igt_prime_exports(importer), "%s\n", importer->old_why);
	igt_prime_create(importer, drm_fd, IGT_PRIME_PAGE_WIDTH, IGT_PRIME_PAGE_HEIGHT, &bo);
	dmabuf = igt_prime_export(importer, drm_fd, &bo, true);

	igt_assert_eq(__igt_prime_sync(dmabuf, ~DMA_BUF_SYNC_VALID_FLAGS_MASK), -EINVAL);
	igt_assert_eq(__igt_prime_sync(dmabuf, DMA_BUF_SYNC_START), -EINVAL);
	igt_assert_eq(__igt_prime_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW | (1ull << 63)),
		      -EINVAL);
	igt_assert_eq(__igt_prime_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW), 0);
	igt_assert_eq(__igt_prime_sync(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW), 0);

	close(dmabuf);
	importer->destroy(drm_fd, &bo);
}

static int handle_to_fd_errno(int drm_fd, uint32_t handle, uint32_t flags)
{
	struct drm_prime_handle args = { .handle = handle, .flags = flags, .fd = -1 };

	if (igt_ioctl(drm_fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &args))
		return -errno;
	close(args.fd);
	return 0;
}

static void test_handle_to_fd_bad_input(const struct igt_prime_provider *exporter,
					int drm_fd)
{
	struct igt_prime_bo bo;

	igt_prime_create(exporter, drm_fd, IGT_PRIME_PAGE_WIDTH, IGT_PRIME_PAGE_HEIGHT, &bo);
	igt_assert_eq(handle_to_fd_errno(drm_fd, bo.handle, DRM_CLOEXEC | 0x1), -EINVAL);
	igt_assert_eq(handle_to_fd_errno(drm_fd, bo.handle, 1u << 31), -EINVAL);
	if (igt_prime_exports(exporter)) {
		igt_assert_eq(handle_to_fd_errno(drm_fd, bo.handle + 1000, DRM_CLOEXEC),
			      -(exporter->unknown_handle_errno ?: ENOENT));
		if (exporter->unknown_handle_errno)
			igt_info("unknown handle: %s\n", exporter->unknown_handle_why);
		igt_assert_eq(handle_to_fd_errno(drm_fd, bo.handle, DRM_CLOEXEC | DRM_RDWR), 0);
	} else {
		/* It knows no handle at all: the unknown one gets the same. */
		igt_assert_eq(handle_to_fd_errno(drm_fd, bo.handle + 1000, DRM_CLOEXEC),
			      -exporter->old_export_errno);
		igt_info("%s\n", exporter->old_why);
	}
	exporter->destroy(drm_fd, &bo);
}

static void test_readonly_export(const struct igt_prime_provider *exporter, int drm_fd)
{
	struct igt_prime_bo bo;
	void *ptr;
	int dmabuf;

	igt_require_f(igt_prime_exports(exporter), "%s\n", exporter->old_why);
	igt_prime_create(exporter, drm_fd, IGT_PRIME_PAGE_WIDTH, IGT_PRIME_PAGE_HEIGHT, &bo);
	ptr = igt_prime_map(exporter, drm_fd, &bo, PROT_READ | PROT_WRITE);
	igt_pattern_fill(ptr, bo.stride, IGT_PRIME_PAGE_WIDTH, IGT_PRIME_PAGE_HEIGHT, bo.handle);
	munmap(ptr, bo.size);

	dmabuf = igt_prime_export(exporter, drm_fd, &bo, false);
	ptr = mmap(NULL, bo.size, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	igt_assert_f(ptr == MAP_FAILED && errno == EACCES,
		     "writable mapping of a read-only export: %s\n",
		     ptr == MAP_FAILED ? igt_errno_name(errno) : "mapped");

	ptr = igt_prime_dmabuf_map(dmabuf, 0, bo.size, PROT_READ);
	igt_prime_dmabuf_assert(dmabuf, ptr, &bo, bo.handle, "read-only dma-buf mmap");
	munmap(ptr, bo.size);

	close(dmabuf);
	exporter->destroy(drm_fd, &bo);
}

static void test_new_buffer_zeroed(const struct igt_prime_provider *exporter, int fd)
{
	struct igt_prime_bo bo;
	uint64_t nonzero = 0, first = 0;
	const uint32_t *words;
	int dmabuf;

	igt_require_f(igt_prime_exports(exporter), "%s\n", exporter->old_why);
	/* Leave patterns behind in freed buffers of the same size. */
	for (int i = 0; i < 4; i++) {
		void *ptr;

		igt_prime_create(exporter, fd, IGT_PRIME_PAGE_WIDTH, IGT_PRIME_PAGE_HEIGHT, &bo);
		ptr = igt_prime_map(exporter, fd, &bo, PROT_READ | PROT_WRITE);
		igt_pattern_fill(ptr, bo.stride, IGT_PRIME_PAGE_WIDTH, IGT_PRIME_PAGE_HEIGHT,
				 0x5a5a0000 + i);
		munmap(ptr, bo.size);
		exporter->destroy(fd, &bo);
	}

	igt_prime_create(exporter, fd, IGT_PRIME_PAGE_WIDTH, IGT_PRIME_PAGE_HEIGHT, &bo);
	dmabuf = igt_prime_export(exporter, fd, &bo, true);
	words = igt_prime_dmabuf_map(dmabuf, 0, bo.size, PROT_READ);
	igt_prime_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	for (uint64_t i = 0; i < bo.size / 4; i++)
		if (words[i] && !nonzero++)
			first = i;
	igt_assert_f(!nonzero, "new buffer: %llu of %llu words not zero, first at byte %llu: 0x%08x\n",
		     (unsigned long long)nonzero, (unsigned long long)bo.size / 4,
		     (unsigned long long)first * 4, words[first]);
	igt_prime_sync(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	munmap((void *)words, bo.size);
	close(dmabuf);
	exporter->destroy(fd, &bo);
}

/* Every available provider, DRM drivers only or all, as dynamic subtests. */
static void for_each_exporter(void (*test)(const struct igt_prime_provider *exporter,
					   int fd), bool drm_only)
{
	const struct igt_prime_provider *p;
	int i;

	for_each_prime_provider(p, i) {
		if (providers[i] < 0 || (drm_only && !p->chipset))
			continue;
		igt_dynamic(p->name)
			test(p, providers[i]);
	}
}

static void for_each_importer(void (*test)(const struct igt_prime_provider *importer,
					   int drm_fd), bool dynamic_inside)
{
	const struct igt_prime_provider *p;
	int i;

	for_each_prime_provider(p, i) {
		if (!p->imports || providers[i] < 0)
			continue;
		if (dynamic_inside)
			test(p, providers[i]);
		else
			igt_dynamic(p->name)
				test(p, providers[i]);
	}
}

int igt_main()
{
	igt_fixture()
		igt_prime_open_providers(providers);

	igt_describe("Import one dma-buf twice into one DRM file: same handle.");
	igt_subtest_with_dynamic("same-file-same-handle")
		igt_prime_for_each_crossing(providers, IGT_PRIME_PAGE_WIDTH, IGT_PRIME_PAGE_HEIGHT,
					    test_same_file, NULL);

	igt_describe("Import into a second DRM file: a handle of its own that "
		     "outlives the first file's.");
	igt_subtest_with_dynamic("other-file-own-handle")
		igt_prime_for_each_crossing(providers, IGT_PRIME_PAGE_WIDTH, IGT_PRIME_PAGE_HEIGHT,
					    test_other_file, NULL);

	igt_describe("Close the imported handle and import again.");
	igt_subtest_with_dynamic("close-reimport")
		igt_prime_for_each_crossing(providers, IGT_PRIME_PAGE_WIDTH, IGT_PRIME_PAGE_HEIGHT,
					    test_close_reimport, NULL);

	igt_describe("Import closed, negative and non-dma-buf fds: EBADF or EINVAL, "
		     "and the importer still works.");
	igt_subtest_with_dynamic("bad-fd")
		for_each_importer(test_bad_fd, true);

	igt_describe("PRIME_HANDLE_TO_FD with unknown flags or handle: EINVAL or "
		     "ENOENT, and the driver still exports.");
	igt_subtest_with_dynamic("handle-to-fd-bad-input")
		for_each_exporter(test_handle_to_fd_bad_input, true);

	igt_describe("An export without DRM_RDWR cannot be mapped writable.");
	igt_subtest_with_dynamic("readonly-export")
		for_each_exporter(test_readonly_export, true);

	igt_describe("A new buffer reads as zeros through its dma-buf, after "
		     "others were filled and freed.");
	igt_subtest_with_dynamic("new-buffer-zeroed")
		for_each_exporter(test_new_buffer_zeroed, false);

	igt_describe("DMA_BUF_IOCTL_SYNC with bad flags: EINVAL, and good flags "
		     "still work.");
	igt_subtest_with_dynamic("sync-bad-flags")
		for_each_importer(test_sync_bad_flags, false);

	igt_fixture()
		igt_prime_close_providers(providers);
}
