/* SPDX-License-Identifier: MIT */
/*
 * A 32-bit pixel pattern that encodes each pixel's position.
 *
 * Every pixel of a buffer gets a distinct value, and a wrong value can be
 * decoded back into the position it was written for: a buffer shifted by an
 * offset, read with the wrong stride or with pages out of order says so.
 */

#ifndef IGT_PATTERN_H
#define IGT_PATTERN_H

#include <stdbool.h>
#include <stdint.h>

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

uint64_t igt_pattern_compare(const void *ptr, uint32_t stride, uint32_t width,
			     uint32_t height, uint32_t seed,
			     struct igt_pattern_mismatch *mismatch);

void igt_assert_pattern(const void *ptr, uint32_t stride, uint32_t width,
			uint32_t height, uint32_t seed, const char *what);

#endif /* IGT_PATTERN_H */
