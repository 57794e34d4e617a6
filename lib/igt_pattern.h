/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 The xprime authors
 *
 * A 32-bit pixel pattern that encodes each pixel's position.
 *
 * Every pixel of a buffer gets a distinct value, and a wrong value can be
 * decoded back into the position it was written for: a buffer shifted by an
 * offset, read with the wrong stride or with pages out of order says so.
 *
 * Expected contents are pixman images (a pattern, or patterns of several
 * seeds pasted into rectangles); a buffer that differs from them is written
 * out as expected, actual and diff PNGs under IGT_FRAME_DUMP_PATH.
 */

#ifndef IGT_PATTERN_H
#define IGT_PATTERN_H

#include <stdbool.h>
#include <stdint.h>

#include <pixman.h>

struct igt_pattern_mismatch {
	uint64_t count;		/* pixels that differ */
	uint32_t x, y;		/* the first one, in row order */
	uint32_t expected;
	uint32_t found;
	bool found_decodes;	/* @found is this pattern's pixel of ... */
	uint32_t found_x, found_y;	/* ... this position */
};

uint32_t igt_pattern_pixel(uint32_t seed, uint32_t x, uint32_t y);

void igt_pattern_fill(void *ptr, uint32_t stride, uint32_t width,
		      uint32_t height, uint32_t seed);
void igt_pattern_fill_rect(void *ptr, uint32_t stride, uint32_t x, uint32_t y,
			   uint32_t width, uint32_t height, uint32_t seed);

uint64_t igt_pattern_compare(const void *ptr, uint32_t stride, uint32_t width,
			     uint32_t height, uint32_t seed,
			     struct igt_pattern_mismatch *mismatch);

void igt_assert_pattern(const void *ptr, uint32_t stride, uint32_t width,
			uint32_t height, uint32_t seed, const char *what);

pixman_image_t *igt_pattern_image(uint32_t width, uint32_t height, uint32_t seed);
void igt_pattern_image_paste(pixman_image_t *image, uint32_t x, uint32_t y,
			     uint32_t width, uint32_t height, uint32_t seed);
void igt_pattern_image_clear_x(pixman_image_t *image);

uint64_t igt_pattern_compare_image(const void *ptr, uint32_t stride,
				   pixman_image_t *expected, uint32_t seed,
				   struct igt_pattern_mismatch *mismatch);
void igt_assert_image(const void *ptr, uint32_t stride, pixman_image_t *expected,
		      uint32_t seed, const char *what);

int __igt_pattern_dump(const char *dir, const char *name, const void *ptr,
		       uint32_t stride, pixman_image_t *expected, uint32_t seed);

#endif /* IGT_PATTERN_H */
