// SPDX-License-Identifier: MIT
/*
 * Position-encoding pixel pattern: see igt_pattern.h.
 *
 * The comparison is byte-exact over all 32 bits of every pixel (including
 * the X byte of XRGB8888), which is why it walks the rows itself instead of
 * compositing with an alpha-aware operator.
 */

#include <string.h>

#include "igt.h"
#include "igt_pattern.h"

/* An odd multiplier is a bijection on 32-bit words; this is its inverse. */
#define PATTERN_MUL	0x9e3779b1u
#define PATTERN_INV	0x0e8b2f51u

/**
 * igt_pattern_pixel:
 * @seed: tells patterns apart (e.g. the exporter's from the importer's)
 * @x: column, below 65536
 * @y: row, below 65536
 *
 * Returns: the value of pixel (@x, @y).
 */
uint32_t igt_pattern_pixel(uint32_t seed, uint32_t x, uint32_t y)
{
	return ((y << 16 | (x & 0xffff)) * PATTERN_MUL) ^ seed;
}

static void pattern_decode(uint32_t seed, uint32_t value, uint32_t *x, uint32_t *y)
{
	uint32_t pos = (value ^ seed) * PATTERN_INV;

	*x = pos & 0xffff;
	*y = pos >> 16;
}

/**
 * igt_pattern_fill:
 * @ptr: first byte of the buffer
 * @stride: bytes per row
 * @width: pixels per row
 * @height: rows
 * @seed: see igt_pattern_pixel()
 *
 * Writes the pattern into every pixel; bytes past @width in each row are
 * left alone.
 */
void igt_pattern_fill(void *ptr, uint32_t stride, uint32_t width,
		      uint32_t height, uint32_t seed)
{
	for (uint32_t y = 0; y < height; y++) {
		uint32_t *row = (uint32_t *)((char *)ptr + (uint64_t)y * stride);

		for (uint32_t x = 0; x < width; x++)
			row[x] = igt_pattern_pixel(seed, x, y);
	}
}

/**
 * igt_pattern_compare:
 * @ptr, @stride, @width, @height, @seed: as for igt_pattern_fill()
 * @mismatch: if not NULL, describes the differences
 *
 * Returns: the number of pixels that differ from the pattern.
 */
uint64_t igt_pattern_compare(const void *ptr, uint32_t stride, uint32_t width,
			     uint32_t height, uint32_t seed,
			     struct igt_pattern_mismatch *mismatch)
{
	struct igt_pattern_mismatch m = {};

	for (uint32_t y = 0; y < height; y++) {
		const uint32_t *row =
			(const uint32_t *)((const char *)ptr + (uint64_t)y * stride);

		for (uint32_t x = 0; x < width; x++) {
			uint32_t want = igt_pattern_pixel(seed, x, y);

			if (row[x] == want)
				continue;
			if (!m.count++) {
				m.x = x;
				m.y = y;
				m.expected = want;
				m.found = row[x];
				pattern_decode(seed, row[x], &m.found_x, &m.found_y);
				m.found_decodes = m.found_x < width && m.found_y < height;
			}
		}
	}

	if (mismatch)
		*mismatch = m;
	return m.count;
}

/**
 * igt_assert_pattern:
 * @what: names the path the buffer was read through, for the message
 *
 * Asserts that the buffer holds the pattern; on failure, says where the
 * first wrong pixel is and, when it is a pixel of the same pattern, which
 * position it belongs to.
 */
void igt_assert_pattern(const void *ptr, uint32_t stride, uint32_t width,
			uint32_t height, uint32_t seed, const char *what)
{
	struct igt_pattern_mismatch m;

	if (!igt_pattern_compare(ptr, stride, width, height, seed, &m))
		return;

	if (m.found_decodes)
		igt_assert_f(false,
			     "%s: %llu of %u pixels differ; first at (%u, %u): expected 0x%08x, found 0x%08x, the pixel of (%u, %u)\n",
			     what, (unsigned long long)m.count, width * height,
			     m.x, m.y, m.expected, m.found, m.found_x, m.found_y);
	igt_assert_f(false,
		     "%s: %llu of %u pixels differ; first at (%u, %u): expected 0x%08x, found 0x%08x\n",
		     what, (unsigned long long)m.count, width * height,
		     m.x, m.y, m.expected, m.found);
}
