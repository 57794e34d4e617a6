// SPDX-License-Identifier: MIT
/*
 * Crossings of a buffer from an exporter to an importer: see
 * igt_prime_crossing.h.
 */

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "igt.h"
#include "igt_prime_crossing.h"

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

	for_each_prime_provider(p, i) {
		igt_assert(i < IGT_PRIME_MAX_PROVIDERS);
		fds[i] = p->open(p);
		if (fds[i] < 0)
			igt_info("%s: not available (%s)\n", p->name, igt_errno_name(-fds[i]));
		else if (p->imports)
			importers++;
	}
	igt_require_f(importers, "none of vgem, virtio-gpu, vmwgfx is bound\n");
}

/**
 * igt_prime_close_providers:
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
 * @width, @height: the buffer, in XRGB8888 pixels
 *
 * Creates the buffer, exports it and imports it into a new DRM file of the
 * importer. A refusal must be a documented one: the importer's for a foreign
 * buffer, or an export or import that the running kernel is too old for. It
 * is logged as "crossing refused: E..." for the harness's matrix.
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

/**
 * igt_prime_for_each_crossing:
 * @fds: from igt_prime_open_providers()
 * @check: called for each imported crossing, inside its dynamic subtest
 * @data: passed to @check
 *
 * Runs a dynamic subtest <exporter>-to-<importer> for every available
 * exporter and every available DRM importer; must be called inside
 * igt_subtest_with_dynamic().
 */
void igt_prime_for_each_crossing(const int fds[IGT_PRIME_MAX_PROVIDERS],
				 uint32_t width, uint32_t height,
				 igt_prime_check_t check, void *data)
{
	const struct igt_prime_provider *exporter, *importer;
	int e, i;

	for_each_prime_provider(exporter, e) {
		if (fds[e] < 0)
			continue;

		for_each_prime_provider(importer, i) {
			if (!importer->imports || fds[i] < 0)
				continue;

			igt_dynamic_f("%s-to-%s", exporter->name, importer->name) {
				struct igt_prime_crossing c = {
					.exporter = exporter,
					.importer = importer,
					.exporter_fd = fds[e],
				};

				if (igt_prime_crossing_begin(&c, width, height))
					check(&c, data);
				igt_prime_crossing_end(&c);
			}
		}
	}
}

/**
 * igt_prime_importer_maps:
 * Returns: whether the importer maps the imported object itself
 * (MODE_MAP_DUMB); a driver importing its own dma-buf gets its own object.
 */
bool igt_prime_importer_maps(const struct igt_prime_crossing *c)
{
	return c->exporter == c->importer || c->importer->maps_imports;
}

/**
 * igt_prime_exporter_begin:
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

void igt_prime_exporter_end(struct igt_prime_crossing *c, void *ptr, bool write)
{
	prime_sync_end(c->dmabuf, write);
	munmap(ptr, c->bo.size);
}
