// SPDX-License-Identifier: MIT
/*
 * Unit tests of the pattern helpers: no device needed.
 */

#include <string.h>

#include "igt.h"
#include "igt_pattern.h"

#define W 37	/* not a power of two: rows end inside a cache line */
#define H 11
#define STRIDE (W * 4 + 12)

static uint32_t buf[H * STRIDE / 4];

int igt_main()
{
	struct igt_pattern_mismatch m;

	igt_subtest("roundtrip") {
		igt_pattern_fill(buf, STRIDE, W, H, 1);
		igt_assert_eq_u64(igt_pattern_compare(buf, STRIDE, W, H, 1, &m), 0);
		igt_assert_eq_u64(m.count, 0);
	}

	igt_subtest("pixels-distinct") {
		for (uint32_t y = 0; y < H; y++)
			for (uint32_t x = 1; x < W; x++)
				igt_assert_neq(igt_pattern_pixel(0, x, y),
					       igt_pattern_pixel(0, x - 1, y));
		igt_assert_neq(igt_pattern_pixel(0, 0, 1), igt_pattern_pixel(0, 0, 0));
		igt_assert_neq(igt_pattern_pixel(1, 3, 4), igt_pattern_pixel(2, 3, 4));
	}

	igt_subtest("wrong-seed") {
		igt_pattern_fill(buf, STRIDE, W, H, 1);
		igt_assert_eq_u64(igt_pattern_compare(buf, STRIDE, W, H, 2, &m), W * H);
		igt_assert(!m.found_decodes || m.found_x != 0 || m.found_y != 0);
	}

	igt_subtest("shifted-rows-decode") {
		/* Row 5 holds row 3: the first wrong pixel says where it came from. */
		igt_pattern_fill(buf, STRIDE, W, H, 7);
		memcpy((char *)buf + 5 * STRIDE, (char *)buf + 3 * STRIDE, W * 4);
		igt_assert_eq_u64(igt_pattern_compare(buf, STRIDE, W, H, 7, &m), W);
		igt_assert_eq_u32(m.x, 0);
		igt_assert_eq_u32(m.y, 5);
		igt_assert(m.found_decodes);
		igt_assert_eq_u32(m.found_x, 0);
		igt_assert_eq_u32(m.found_y, 3);
	}

	igt_subtest("padding-ignored") {
		igt_pattern_fill(buf, STRIDE, W, H, 9);
		((char *)buf)[W * 4 + 1] ^= 0xff;	/* row 0's padding */
		igt_assert_eq_u64(igt_pattern_compare(buf, STRIDE, W, H, 9, NULL), 0);
		((char *)buf)[STRIDE + 2] ^= 0x01;	/* one bit of (0, 1) */
		igt_assert_eq_u64(igt_pattern_compare(buf, STRIDE, W, H, 9, &m), 1);
		igt_assert_eq_u32(m.y, 1);
	}
}
