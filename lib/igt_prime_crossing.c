// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "igt.h"
#include "igt_dmabuf_info.h"
#include "igt_pattern.h"
#include "igt_prime_crossing.h"

/**
 * SECTION:igt_prime_crossing
 * @short_description: Buffers crossing from an exporter to an importer
 * @title: Prime crossings
 * @include: igt_prime_crossing.h
 *
 * Crossings of a buffer from an exporter to an importer: see
 * igt_prime_crossing.h.
 */

/* The importers of igt_prime_providers[] by name: "vgem, virtio-gpu, ...". */
static void importer_names(char *names, size_t size)
{
	const struct igt_prime_provider *p;
	size_t len = 0;
	int i;

	names[0] = '\0';
	for_each_prime_provider(p, i)
		if (p->imports && len < size)
			len += snprintf(names + len, size - len, "%s%s", len ? ", " : "",
					p->name);
}

/**
 * igt_prime_open_providers:
 * @fds: filled with a fd per igt_prime_providers[] entry, -errno when absent
 *
 * For a fixture: opens every provider, and skips when no DRM importer is
 * there at all.
 */
void igt_prime_open_providers(int fds[IGT_PRIME_MAX_PROVIDERS])
{
	const struct igt_prime_provider *p;
	int importers = 0, i;
	char names[128];

	for_each_prime_provider(p, i) {
		igt_assert(i < IGT_PRIME_MAX_PROVIDERS);
		fds[i] = p->open(p);
		if (fds[i] < 0)
			igt_info("%s: not available (%s)\n", p->name, igt_errno_name(-fds[i]));
		else if (p->imports)
			importers++;
	}
	importer_names(names, sizeof(names));
	igt_require_f(importers, "none of %s is bound\n", names);
}

/**
 * igt_prime_close_providers:
 * @fds: from igt_prime_open_providers()
 *
 * Closes what igt_prime_open_providers() opened.
 */
void igt_prime_close_providers(int fds[IGT_PRIME_MAX_PROVIDERS])
{
	const struct igt_prime_provider *p;
	int i;

	for_each_prime_provider(p, i)
		if (fds[i] >= 0)
			close(fds[i]);
}

/**
 * __igt_prime_import:
 * @c: the crossing whose importer file imports
 * @dmabuf: a dma-buf fd
 * @handle: set to the imported object's handle in @c->importer_fd
 *
 * Imports @dmabuf into the crossing's importer file.
 *
 * Returns: 0 or -errno of DRM_IOCTL_PRIME_FD_TO_HANDLE.
 */
int __igt_prime_import(const struct igt_prime_crossing *c, int dmabuf, uint32_t *handle)
{
	return __prime_fd_to_handle(c->importer_fd, dmabuf, handle);
}

/**
 * igt_prime_crossing_begin:
 * @c: exporter, importer and exporter_fd set; the rest is filled in
 * @width: the buffer's width, in XRGB8888 pixels
 * @height: the buffer's height, in rows
 *
 * Creates the buffer, exports it and imports it into a new DRM file of the
 * importer. A refusal must be a documented one: the importer's for a foreign
 * buffer, or an export or import that the running kernel is too old for. It
 * is logged as "crossing refused: E..." for whoever reads the results.
 *
 * Returns: true when imported, false when refused as documented.
 */
bool igt_prime_crossing_begin(struct igt_prime_crossing *c, uint32_t width,
			      uint32_t height)
{
	const struct igt_prime_provider *exp = c->exporter, *imp = c->importer;
	int ret;

	c->importer_fd = igt_prime_drm_open(imp);
	igt_assert_fd(c->importer_fd);
	igt_prime_create(exp, c->exporter_fd, width, height, &c->bo);
	c->imported = 0;

	c->dmabuf = exp->export(c->exporter_fd, &c->bo, true);
	if (c->dmabuf < 0) {
		igt_assert_f(!igt_prime_exports(exp) && -c->dmabuf == exp->old_export_errno,
			     "%s export: %s\n", exp->name, igt_errno_name(-c->dmabuf));
		igt_info("crossing refused: %s (%s)\n", igt_errno_name(-c->dmabuf),
			 exp->old_why);
		return false;
	}

	ret = __igt_prime_import(c, c->dmabuf, &c->imported);
	if (ret == 0) {
		igt_assert_neq(c->imported, 0);
		return true;
	}
	c->imported = 0;

	if (imp->prime_since && igt_prime_kernel_older(imp->prime_since) &&
	    -ret == imp->old_import_errno) {
		igt_info("crossing refused: %s (%s)\n", igt_errno_name(-ret), imp->old_why);
		return false;
	}
	igt_assert_f(exp != imp && imp->foreign_import_errno,
		     "%s refused a dma-buf from %s: %s (%d)\n", imp->name,
		     exp->name, igt_errno_name(-ret), ret);
	igt_assert_f(!imp->imports_foreign || !imp->imports_foreign(c->importer_fd),
		     "%s refused a dma-buf from %s with %s, though this device and kernel import foreign dma-bufs\n",
		     imp->name, exp->name, igt_errno_name(-ret));
	igt_assert_f(-ret == imp->foreign_import_errno,
		     "%s refused a dma-buf from %s with %s, expected %s\n",
		     imp->name, exp->name, igt_errno_name(-ret),
		     igt_errno_name(imp->foreign_import_errno));
	igt_info("crossing refused: %s (%s)\n", igt_errno_name(-ret),
		 imp->foreign_import_why);
	return false;
}

/**
 * igt_prime_crossing_end:
 * @c: from igt_prime_crossing_begin(), imported or refused
 *
 * Releases the import, the dma-buf, the buffer and the importer's file.
 */
void igt_prime_crossing_end(struct igt_prime_crossing *c)
{
	if (c->imported)
		gem_close(c->importer_fd, c->imported);
	if (c->dmabuf >= 0)
		close(c->dmabuf);
	c->exporter->destroy(c->exporter_fd, &c->bo);
	drm_close_driver(c->importer_fd);
}

/*
 * A dynamic subtest per pair of an available exporter and DRM importer: the
 * importer @into only when it is set, and those @applies accepts when it
 * is set.
 */
static void for_each_pair(const int fds[IGT_PRIME_MAX_PROVIDERS],
			  igt_prime_applies_t applies,
			  const struct igt_prime_provider *into,
			  igt_prime_pair_t pair, void *data)
{
	const struct igt_prime_provider *exporter, *importer;
	int e, i;

	for_each_prime_provider(exporter, e) {
		if (fds[e] < 0)
			continue;

		for_each_prime_provider(importer, i) {
			if (!importer->imports || fds[i] < 0 ||
			    (into && importer != into) ||
			    (applies && !applies(exporter, importer)))
				continue;

			igt_dynamic_f("%s-to-%s", exporter->name, importer->name)
				pair(exporter, importer, fds[e], data);
		}
	}
}

/**
 * igt_prime_for_each_pair:
 * @fds: from igt_prime_open_providers()
 * @pair: called inside each pair's dynamic subtest
 * @data: passed to @pair
 *
 * Runs a dynamic subtest <exporter>-to-<importer> for every available
 * exporter and every available DRM importer; must be called inside
 * igt_subtest_with_dynamic(). For tests that make their own crossings
 * (several at once, or with a DRM file of their own for the exporter).
 */
void igt_prime_for_each_pair(const int fds[IGT_PRIME_MAX_PROVIDERS],
			     igt_prime_pair_t pair, void *data)
{
	for_each_pair(fds, NULL, NULL, pair, data);
}

struct crossing_check {
	uint32_t width, height;
	igt_prime_check_t check;
	void *data;
};

static void crossing_pair(const struct igt_prime_provider *exporter,
			  const struct igt_prime_provider *importer,
			  int exporter_fd, void *data)
{
	struct crossing_check *cc = data;
	struct igt_prime_crossing c = {
		.exporter = exporter,
		.importer = importer,
		.exporter_fd = exporter_fd,
	};

	if (igt_prime_crossing_begin(&c, cc->width, cc->height))
		cc->check(&c, cc->data);
	igt_prime_crossing_end(&c);
}

/**
 * igt_prime_for_each_crossing:
 * @fds: from igt_prime_open_providers()
 * @width: the buffer's width, in XRGB8888 pixels
 * @height: the buffer's height, in rows
 * @check: called for each imported crossing, inside its dynamic subtest
 * @data: passed to @check
 *
 * igt_prime_for_each_pair() with the crossing made by
 * igt_prime_crossing_begin(); a documented refusal ends the dynamic
 * subtest without calling @check.
 */
void igt_prime_for_each_crossing(const int fds[IGT_PRIME_MAX_PROVIDERS],
				 uint32_t width, uint32_t height,
				 igt_prime_check_t check, void *data)
{
	struct crossing_check cc = { width, height, check, data };

	for_each_pair(fds, NULL, NULL, crossing_pair, &cc);
}

/**
 * igt_prime_for_each_crossing_if:
 * @fds: from igt_prime_open_providers()
 * @applies: says which pairs the check applies to
 * @width: the buffer's width, in XRGB8888 pixels
 * @height: the buffer's height, in rows
 * @check: called for each imported crossing, inside its dynamic subtest
 * @data: passed to @check
 *
 * igt_prime_for_each_crossing() for the pairs @applies accepts, e.g. those
 * whose exporter can fence its buffers, or whose device can copy.
 */
void igt_prime_for_each_crossing_if(const int fds[IGT_PRIME_MAX_PROVIDERS],
				    igt_prime_applies_t applies,
				    uint32_t width, uint32_t height,
				    igt_prime_check_t check, void *data)
{
	struct crossing_check cc = { width, height, check, data };

	for_each_pair(fds, applies, NULL, crossing_pair, &cc);
}

/**
 * igt_prime_for_each_crossing_into:
 * @fds: from igt_prime_open_providers()
 * @importer: the one importer of the crossings
 * @width: the buffer's width, in XRGB8888 pixels
 * @height: the buffer's height, in rows
 * @check: called for each imported crossing, inside its dynamic subtest
 * @data: passed to @check
 *
 * igt_prime_for_each_crossing() for the crossings into @importer, from
 * every available exporter: <exporter>-to-<importer>.
 */
void igt_prime_for_each_crossing_into(const int fds[IGT_PRIME_MAX_PROVIDERS],
				      const struct igt_prime_provider *importer,
				      uint32_t width, uint32_t height,
				      igt_prime_check_t check, void *data)
{
	struct crossing_check cc = { width, height, check, data };

	for_each_pair(fds, NULL, importer, crossing_pair, &cc);
}

/**
 * igt_prime_importer_maps:
 * @c: a crossing
 *
 * Returns: whether the importer maps the imported object itself
 * (MODE_MAP_DUMB); a driver importing its own dma-buf gets its own object.
 */
bool igt_prime_importer_maps(const struct igt_prime_crossing *c)
{
	return c->exporter == c->importer || c->importer->maps_imports;
}

/**
 * igt_prime_exporter_begin:
 * @c: a crossing
 * @write: whether the CPU writes (DMA_BUF_SYNC_RW), else only reads
 *
 * The exporter's own CPU path to the buffer, bracketed by DMA_BUF_IOCTL_SYNC
 * on its dma-buf: for the dma-heap the only way, for the others harmless.
 * End with igt_prime_exporter_end().
 *
 * Returns: the mapping.
 */
void *igt_prime_exporter_begin(struct igt_prime_crossing *c, bool write)
{
	void *ptr = igt_prime_map(c->exporter, c->exporter_fd, &c->bo,
				  PROT_READ | PROT_WRITE);

	prime_sync_start(c->dmabuf, write);
	return ptr;
}

/**
 * igt_prime_exporter_end:
 * @c: the crossing of igt_prime_exporter_begin()
 * @ptr: the mapping it gave
 * @write: as given to it
 *
 * Ends the CPU access (DMA_BUF_IOCTL_SYNC) and unmaps.
 */
void igt_prime_exporter_end(struct igt_prime_crossing *c, void *ptr, bool write)
{
	prime_sync_end(c->dmabuf, write);
	munmap(ptr, c->bo.size);
}

/**
 * igt_prime_exporter_fill:
 * @c: a crossing
 * @seed: the pattern to write
 *
 * Writes @seed's pattern into the whole buffer through the exporter.
 */
void igt_prime_exporter_fill(struct igt_prime_crossing *c, uint32_t seed)
{
	void *ptr = igt_prime_exporter_begin(c, true);

	igt_pattern_fill(ptr, c->bo.stride, c->bo.width, c->bo.height, seed);
	igt_prime_exporter_end(c, ptr, true);
}

/**
 * igt_prime_exporter_assert:
 * @c: a crossing
 * @expected: what the buffer should hold, or NULL for @seed's pattern
 * @seed: the pattern that wrong pixels are decoded with
 *
 * Asserts the contents as the exporter reads them.
 */
void igt_prime_exporter_assert(struct igt_prime_crossing *c,
			       pixman_image_t *expected, uint32_t seed)
{
	void *ptr = igt_prime_exporter_begin(c, false);

	if (expected)
		igt_assert_image(ptr, c->bo.stride, expected, seed, "exporter's mapping");
	else
		igt_assert_pattern(ptr, c->bo.stride, c->bo.width, c->bo.height,
				   seed, "exporter's mapping");
	igt_prime_exporter_end(c, ptr, false);
}

/**
 * igt_prime_importer_dmabuf:
 * @c: a crossing whose import succeeded
 *
 * The importer's export of its import, readable and writable. It is the
 * exporter's own dma-buf, as PRIME_HANDLE_TO_FD gives back the dma-buf an
 * object was imported from (asserted, by inode, while the exporter's is
 * open): what is read or written through it goes through the exporter's
 * dma-buf ops, not the importer's.
 *
 * Returns: a new dma-buf fd.
 */
int igt_prime_importer_dmabuf(const struct igt_prime_crossing *c)
{
	int fd = prime_handle_to_fd_for_mmap(c->importer_fd, c->imported);

	/* Unless the exporter has closed its dma-buf since (c->dmabuf -1). */
	igt_assert_f(c->dmabuf < 0 || igt_dmabuf_ino(fd) == igt_dmabuf_ino(c->dmabuf),
		     "%s's export of its import is dma-buf %lu, not the imported %lu\n",
		     c->importer->name, igt_dmabuf_ino(fd), igt_dmabuf_ino(c->dmabuf));
	return fd;
}

/**
 * igt_prime_dmabuf_fill:
 * @dmabuf: the dma-buf fd that @ptr maps
 * @ptr: its mapping, from the buffer's first byte
 * @bo: the buffer's layout
 * @seed: the pattern to write
 *
 * Writes @seed's pattern through @ptr, bracketed by DMA_BUF_SYNC_WRITE.
 */
void igt_prime_dmabuf_fill(int dmabuf, void *ptr, const struct igt_prime_bo *bo,
			   uint32_t seed)
{
	igt_prime_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
	igt_pattern_fill(ptr, bo->stride, bo->width, bo->height, seed);
	igt_prime_sync(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
}

/**
 * igt_prime_dmabuf_assert:
 * @dmabuf: the dma-buf fd that @ptr maps
 * @ptr: its mapping, from the buffer's first byte
 * @bo: the buffer's layout
 * @seed: the pattern the buffer should hold
 * @what: names the check, for the message and the images
 *
 * Asserts @seed's pattern through @ptr, bracketed by DMA_BUF_SYNC_READ.
 */
void igt_prime_dmabuf_assert(int dmabuf, const void *ptr, const struct igt_prime_bo *bo,
			     uint32_t seed, const char *what)
{
	igt_prime_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	igt_assert_pattern(ptr, bo->stride, bo->width, bo->height, seed, what);
	igt_prime_sync(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
}

/**
 * igt_prime_importer_dmabuf_map:
 * @c: a crossing whose import succeeded
 * @prot: PROT_READ and/or PROT_WRITE
 * @dmabuf: set to the importer's dma-buf (igt_prime_importer_dmabuf()) that
 *	the mapping is of
 *
 * Maps the whole buffer through the importer's dma-buf, asserting that it
 * works; release both with igt_prime_importer_dmabuf_unmap().
 *
 * Returns: the mapping, @c->bo.size bytes.
 */
void *igt_prime_importer_dmabuf_map(const struct igt_prime_crossing *c, int prot,
				    int *dmabuf)
{
	*dmabuf = igt_prime_importer_dmabuf(c);
	return igt_prime_dmabuf_map(*dmabuf, 0, c->bo.size, prot);
}

/**
 * igt_prime_importer_dmabuf_unmap:
 * @c: the crossing mapped
 * @ptr: the mapping
 * @dmabuf: the dma-buf mapped
 *
 * Unmaps and closes what igt_prime_importer_dmabuf_map() gave.
 */
void igt_prime_importer_dmabuf_unmap(const struct igt_prime_crossing *c, void *ptr,
				     int dmabuf)
{
	munmap(ptr, c->bo.size);
	close(dmabuf);
}

/* The importer's dma-buf, mapped whole for one fill or check. */
static void importer_access(struct igt_prime_crossing *c, bool write, uint32_t seed,
			    const char *what)
{
	int fd;
	void *ptr = igt_prime_importer_dmabuf_map(c, write ? PROT_WRITE : PROT_READ, &fd);

	if (write)
		igt_prime_dmabuf_fill(fd, ptr, &c->bo, seed);
	else
		igt_prime_dmabuf_assert(fd, ptr, &c->bo, seed, what);
	igt_prime_importer_dmabuf_unmap(c, ptr, fd);
}

/**
 * igt_prime_importer_fill:
 * @c: a crossing whose import succeeded
 * @seed: the pattern to write
 *
 * Writes @seed's pattern into the whole buffer through a write-only mapping
 * of the importer's dma-buf (igt_prime_importer_dmabuf()), bracketed by
 * DMA_BUF_SYNC_WRITE.
 */
void igt_prime_importer_fill(struct igt_prime_crossing *c, uint32_t seed)
{
	importer_access(c, true, seed, NULL);
}

/**
 * igt_prime_importer_assert:
 * @c: a crossing whose import succeeded
 * @seed: the pattern the buffer should hold
 * @what: names the check, for the message and the images
 *
 * Asserts @seed's pattern through a read-only mapping of the importer's
 * dma-buf, bracketed by DMA_BUF_SYNC_READ.
 */
void igt_prime_importer_assert(struct igt_prime_crossing *c, uint32_t seed,
			       const char *what)
{
	importer_access(c, false, seed, what);
}

/**
 * __igt_prime_sync:
 * @dmabuf: a dma-buf fd
 * @flags: DMA_BUF_SYNC_START or _END, with _READ, _WRITE or _RW
 *
 * DMA_BUF_IOCTL_SYNC with @flags.
 *
 * Returns: 0 or -errno.
 */
int __igt_prime_sync(int dmabuf, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	return igt_ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync) ? -errno : 0;
}

/**
 * igt_prime_sync:
 * @dmabuf: a dma-buf fd
 * @flags: DMA_BUF_SYNC_START or _END, with _READ, _WRITE or _RW
 *
 * DMA_BUF_IOCTL_SYNC with @flags, asserting that it works.
 */
void igt_prime_sync(int dmabuf, uint64_t flags)
{
	int ret = __igt_prime_sync(dmabuf, flags);

	igt_assert_f(ret == 0, "DMA_BUF_IOCTL_SYNC 0x%llx: %s\n",
		     (unsigned long long)flags, igt_errno_name(-ret));
}

/**
 * igt_prime_dmabuf_map:
 * @dmabuf: a dma-buf fd
 * @offset: in bytes, page aligned
 * @size: bytes to map
 * @prot: PROT_READ and/or PROT_WRITE
 *
 * Maps the dma-buf (MAP_SHARED), asserting that it works.
 *
 * Returns: the mapping.
 */
void *igt_prime_dmabuf_map(int dmabuf, uint64_t offset, uint64_t size, int prot)
{
	void *ptr = mmap(NULL, size, prot, MAP_SHARED, dmabuf, offset);

	igt_assert_f(ptr != MAP_FAILED, "mmap of a dma-buf at %llu: %s\n",
		     (unsigned long long)offset, igt_errno_name(errno));
	return ptr;
}
