/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 The xprime authors
 *
 * A crossing: one provider's buffer, exported as a dma-buf and imported by a
 * DRM driver. The prime tests run their checks once per crossing, as dynamic
 * subtests named <exporter>-to-<importer>.
 */

#ifndef IGT_PRIME_CROSSING_H
#define IGT_PRIME_CROSSING_H

#include <stdbool.h>
#include <stdint.h>

#include <pixman.h>

#include "igt_prime_provider.h"

#define IGT_PRIME_MAX_PROVIDERS 16

/*
 * The buffers of the crossing checks, in XRGB8888 pixels: 16 pages of 1 KiB
 * rows, where a page or a row out of place shows; and one 4 KiB page, for
 * checks of handles and fences rather than of contents.
 */
#define IGT_PRIME_WIDTH		256
#define IGT_PRIME_HEIGHT	64
#define IGT_PRIME_PAGE_WIDTH	64
#define IGT_PRIME_PAGE_HEIGHT	16

/* The patterns (igt_pattern_pixel()'s seeds) that each side writes. */
#define IGT_PRIME_EXPORTER_SEED	0x00e0e0e0u
#define IGT_PRIME_IMPORTER_SEED	0x0011aa11u

struct igt_prime_crossing {
	const struct igt_prime_provider *exporter, *importer;
	int exporter_fd;
	int importer_fd;	/* a DRM file of its own, also for same-driver pairs */
	struct igt_prime_bo bo;	/* the exporter's */
	int dmabuf;		/* the exporter's export of it */
	uint32_t imported;	/* handle in importer_fd; 0 when refused */
};

typedef void (*igt_prime_check_t)(struct igt_prime_crossing *c, void *data);
typedef bool (*igt_prime_applies_t)(const struct igt_prime_provider *exporter,
				    const struct igt_prime_provider *importer);
typedef void (*igt_prime_pair_t)(const struct igt_prime_provider *exporter,
				 const struct igt_prime_provider *importer,
				 int exporter_fd, void *data);

void igt_prime_open_providers(int fds[IGT_PRIME_MAX_PROVIDERS]);
void igt_prime_close_providers(int fds[IGT_PRIME_MAX_PROVIDERS]);

bool igt_prime_crossing_begin(struct igt_prime_crossing *c, uint32_t width,
			      uint32_t height);
void igt_prime_crossing_end(struct igt_prime_crossing *c);

void igt_prime_for_each_pair(const int fds[IGT_PRIME_MAX_PROVIDERS],
			     igt_prime_pair_t pair, void *data);
void igt_prime_for_each_crossing(const int fds[IGT_PRIME_MAX_PROVIDERS],
				 uint32_t width, uint32_t height,
				 igt_prime_check_t check, void *data);
void igt_prime_for_each_crossing_if(const int fds[IGT_PRIME_MAX_PROVIDERS],
				    igt_prime_applies_t applies,
				    uint32_t width, uint32_t height,
				    igt_prime_check_t check, void *data);
void igt_prime_for_each_crossing_into(const int fds[IGT_PRIME_MAX_PROVIDERS],
				      const struct igt_prime_provider *importer,
				      uint32_t width, uint32_t height,
				      igt_prime_check_t check, void *data);

bool igt_prime_importer_maps(const struct igt_prime_crossing *c);
int __igt_prime_import(const struct igt_prime_crossing *c, int dmabuf,
		       uint32_t *handle);

void *igt_prime_exporter_begin(struct igt_prime_crossing *c, bool write);
void igt_prime_exporter_end(struct igt_prime_crossing *c, void *ptr, bool write);
void igt_prime_exporter_fill(struct igt_prime_crossing *c, uint32_t seed);
void igt_prime_exporter_assert(struct igt_prime_crossing *c,
			       pixman_image_t *expected, uint32_t seed);

int igt_prime_importer_dmabuf(const struct igt_prime_crossing *c);
void *igt_prime_importer_dmabuf_map(const struct igt_prime_crossing *c, int prot,
				    int *dmabuf);
void igt_prime_importer_dmabuf_unmap(const struct igt_prime_crossing *c, void *ptr,
				     int dmabuf);
void igt_prime_importer_fill(struct igt_prime_crossing *c, uint32_t seed);
void igt_prime_importer_assert(struct igt_prime_crossing *c, uint32_t seed,
			       const char *what);

int __igt_prime_sync(int dmabuf, uint64_t flags);
void igt_prime_sync(int dmabuf, uint64_t flags);
void *igt_prime_dmabuf_map(int dmabuf, uint64_t offset, uint64_t size, int prot);
void igt_prime_dmabuf_fill(int dmabuf, void *ptr, const struct igt_prime_bo *bo,
			   uint32_t seed);
void igt_prime_dmabuf_assert(int dmabuf, const void *ptr, const struct igt_prime_bo *bo,
			     uint32_t seed, const char *what);

#endif /* IGT_PRIME_CROSSING_H */
