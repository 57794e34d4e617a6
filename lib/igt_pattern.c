// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cairo.h>

#include "igt.h"
#include "igt_pattern.h"

/**
 * SECTION:igt_pattern
 * @short_description: Pixel patterns that encode their position
 * @title: Position patterns
 * @include: igt_pattern.h
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
 *
 * The comparison is byte-exact over all 32 bits of every pixel (including
 * the X byte of XRGB8888), which is why it walks the rows itself instead of
 * compositing with an alpha-aware operator. Images are a8r8g8b8 so that
 * pixman's SRC copies keep all 32 bits.
 */

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

/* Records the first wrong pixel and, if it is one of @seed's, whose it is. */
static void first_mismatch(struct igt_pattern_mismatch *m, uint32_t x, uint32_t y,
			   uint32_t expected, uint32_t found, uint32_t seed,
			   uint32_t width, uint32_t height)
{
	m->x = x;
	m->y = y;
	m->expected = expected;
	m->found = found;
	pattern_decode(seed, found, &m->found_x, &m->found_y);
	m->found_decodes = m->found_x < width && m->found_y < height;
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
 * igt_pattern_fill_rect:
 * @ptr: first byte of the whole buffer
 * @stride: bytes per row
 * @x: the rectangle's first column
 * @y: the rectangle's first row
 * @width: the rectangle's columns
 * @height: the rectangle's rows
 * @seed: see igt_pattern_pixel()
 *
 * Writes the pattern's pixels of the rectangle only: they encode their
 * position in the whole buffer, so a write that lands elsewhere shows.
 */
void igt_pattern_fill_rect(void *ptr, uint32_t stride, uint32_t x, uint32_t y,
			   uint32_t width, uint32_t height, uint32_t seed)
{
	for (uint32_t j = y; j < y + height; j++) {
		uint32_t *row = (uint32_t *)((char *)ptr + (uint64_t)j * stride);

		for (uint32_t i = x; i < x + width; i++)
			row[i] = igt_pattern_pixel(seed, i, j);
	}
}

/**
 * igt_pattern_compare:
 * @ptr: first byte of the buffer
 * @stride: bytes per row
 * @width: pixels per row
 * @height: rows
 * @seed: the pattern the buffer should hold
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
			if (!m.count++)
				first_mismatch(&m, x, y, want, row[x], seed, width, height);
		}
	}

	if (mismatch)
		*mismatch = m;
	return m.count;
}

/**
 * igt_assert_pattern:
 * @ptr: first byte of the buffer
 * @stride: bytes per row
 * @width: pixels per row
 * @height: rows
 * @seed: the pattern the buffer should hold
 * @what: names the path the buffer was read through, for the message
 *
 * Asserts that the buffer holds the pattern: igt_assert_image() with the
 * pattern as the expected image.
 */
void igt_assert_pattern(const void *ptr, uint32_t stride, uint32_t width,
			uint32_t height, uint32_t seed, const char *what)
{
	pixman_image_t *expected;

	if (!igt_pattern_compare(ptr, stride, width, height, seed, NULL))
		return;

	expected = igt_pattern_image(width, height, seed);
	igt_assert_image(ptr, stride, expected, seed, what);
	pixman_image_unref(expected);
}

/**
 * igt_pattern_image:
 * @width: pixels per row
 * @height: rows
 * @seed: see igt_pattern_pixel()
 *
 * Returns: a new a8r8g8b8 image holding the pattern; pixman_image_unref() it.
 */
pixman_image_t *igt_pattern_image(uint32_t width, uint32_t height, uint32_t seed)
{
	pixman_image_t *image = pixman_image_create_bits(PIXMAN_a8r8g8b8, width,
							 height, NULL, 0);

	igt_assert(image);
	igt_pattern_fill(pixman_image_get_data(image), pixman_image_get_stride(image),
			 width, height, seed);
	return image;
}

/**
 * igt_pattern_image_paste:
 * @image: from igt_pattern_image()
 * @x: the rectangle's first column
 * @y: the rectangle's first row
 * @width: the rectangle's columns
 * @height: the rectangle's rows
 * @seed: the pattern to paste there
 *
 * Replaces the rectangle with the same rectangle of @seed's pattern: the
 * expected contents after a partial write.
 */
void igt_pattern_image_paste(pixman_image_t *image, uint32_t x, uint32_t y,
			     uint32_t width, uint32_t height, uint32_t seed)
{
	pixman_image_t *src = igt_pattern_image(pixman_image_get_width(image),
						pixman_image_get_height(image), seed);

	pixman_image_composite32(PIXMAN_OP_SRC, src, NULL, image, x, y, 0, 0,
				 x, y, width, height);
	pixman_image_unref(src);
}

/**
 * igt_pattern_image_clear_x:
 * @image: an a8r8g8b8 or x8r8g8b8 image
 *
 * Zeroes the X byte of every pixel: the expected image of a display, which
 * shows only red, green and blue.
 */
void igt_pattern_image_clear_x(pixman_image_t *image)
{
	uint32_t *pixels = pixman_image_get_data(image);
	uint32_t stride = pixman_image_get_stride(image) / 4;

	for (int y = 0; y < pixman_image_get_height(image); y++)
		for (int x = 0; x < pixman_image_get_width(image); x++)
			pixels[y * stride + x] &= 0x00ffffff;
}

/**
 * igt_pattern_compare_image:
 * @ptr: first byte of the buffer, as large as @expected
 * @stride: its bytes per row
 * @expected: what it should hold
 * @seed: the pattern that wrong pixels are decoded with
 * @mismatch: if not NULL, describes the differences
 *
 * Returns: the number of pixels that differ from @expected.
 */
uint64_t igt_pattern_compare_image(const void *ptr, uint32_t stride,
				   pixman_image_t *expected, uint32_t seed,
				   struct igt_pattern_mismatch *mismatch)
{
	const uint32_t *want = pixman_image_get_data(expected);
	uint32_t want_stride = pixman_image_get_stride(expected) / 4;
	uint32_t width = pixman_image_get_width(expected);
	uint32_t height = pixman_image_get_height(expected);
	struct igt_pattern_mismatch m = {};

	for (uint32_t y = 0; y < height; y++) {
		const uint32_t *row =
			(const uint32_t *)((const char *)ptr + (uint64_t)y * stride);

		for (uint32_t x = 0; x < width; x++) {
			if (row[x] == want[y * want_stride + x])
				continue;
			if (!m.count++)
				first_mismatch(&m, x, y, want[y * want_stride + x], row[x],
					       seed, width, height);
		}
	}

	if (mismatch)
		*mismatch = m;
	return m.count;
}

static int write_png(pixman_image_t *image, const char *path)
{
	cairo_surface_t *surface =
		cairo_image_surface_create_for_data((unsigned char *)pixman_image_get_data(image),
						    CAIRO_FORMAT_RGB24,
						    pixman_image_get_width(image),
						    pixman_image_get_height(image),
						    pixman_image_get_stride(image));
	cairo_status_t status = cairo_surface_write_to_png(surface, path);

	cairo_surface_destroy(surface);
	return status == CAIRO_STATUS_SUCCESS ? 0 : -EIO;
}

/* Differing pixels red, the others a dim copy of the expected image. */
static pixman_image_t *diff_image(pixman_image_t *expected, pixman_image_t *actual)
{
	uint32_t width = pixman_image_get_width(expected);
	uint32_t height = pixman_image_get_height(expected);
	pixman_image_t *diff = pixman_image_create_bits(PIXMAN_a8r8g8b8, width, height,
						       NULL, 0);
	const uint32_t *want = pixman_image_get_data(expected);
	const uint32_t *got = pixman_image_get_data(actual);
	uint32_t *out = pixman_image_get_data(diff);

	igt_assert(diff);
	for (uint64_t i = 0; i < (uint64_t)width * height; i++)
		out[i] = want[i] == got[i] ? 0xff000000 | (want[i] >> 2 & 0x3f3f3f) :
					     0xffff0000;
	return diff;
}

static void write_offsets(const char *path, const void *ptr, uint32_t stride,
			  pixman_image_t *expected, uint32_t seed)
{
	const uint32_t *want = pixman_image_get_data(expected);
	uint32_t want_stride = pixman_image_get_stride(expected) / 4;
	uint32_t width = pixman_image_get_width(expected);
	uint32_t height = pixman_image_get_height(expected);
	FILE *f = fopen(path, "w");
	int listed = 0;

	if (!f)
		return;
	fprintf(f, "# byte offset, pixel, expected, found (and whose pixel it is)\n");
	for (uint32_t y = 0; y < height && listed < 64; y++) {
		const uint32_t *row =
			(const uint32_t *)((const char *)ptr + (uint64_t)y * stride);

		for (uint32_t x = 0; x < width && listed < 64; x++) {
			uint32_t fx, fy;

			if (row[x] == want[y * want_stride + x])
				continue;
			pattern_decode(seed, row[x], &fx, &fy);
			fprintf(f, "0x%08llx (%u, %u) 0x%08x 0x%08x",
				(unsigned long long)y * stride + x * 4, x, y,
				want[y * want_stride + x], row[x]);
			if (fx < width && fy < height)
				fprintf(f, " pixel of (%u, %u)", fx, fy);
			fputc('\n', f);
			listed++;
		}
	}
	fclose(f);
}

/**
 * __igt_pattern_dump:
 * @dir: an existing or new directory
 * @name: file name prefix
 * @ptr: first byte of the buffer as read
 * @stride: its bytes per row
 * @expected: what it should have held
 * @seed: the pattern that wrong pixels are decoded with
 *
 * Writes @name-expected.png, @name-actual.png, @name-diff.png and the first
 * differing offsets as text, @name-offsets.txt.
 *
 * Returns: 0 or -errno.
 */
int __igt_pattern_dump(const char *dir, const char *name, const void *ptr,
		       uint32_t stride, pixman_image_t *expected, uint32_t seed)
{
	uint32_t width = pixman_image_get_width(expected);
	uint32_t height = pixman_image_get_height(expected);
	pixman_image_t *actual, *diff;
	char path[PATH_MAX];
	int ret;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;

	actual = pixman_image_create_bits(PIXMAN_a8r8g8b8, width, height, NULL, 0);
	igt_assert(actual);
	for (uint32_t y = 0; y < height; y++)
		memcpy((char *)pixman_image_get_data(actual) + (uint64_t)y * width * 4,
		       (const char *)ptr + (uint64_t)y * stride, width * 4);
	diff = diff_image(expected, actual);

	snprintf(path, sizeof(path), "%s/%s-expected.png", dir, name);
	ret = write_png(expected, path);
	snprintf(path, sizeof(path), "%s/%s-actual.png", dir, name);
	ret = ret ?: write_png(actual, path);
	snprintf(path, sizeof(path), "%s/%s-diff.png", dir, name);
	ret = ret ?: write_png(diff, path);
	snprintf(path, sizeof(path), "%s/%s-offsets.txt", dir, name);
	write_offsets(path, ptr, stride, expected, seed);

	pixman_image_unref(actual);
	pixman_image_unref(diff);
	return ret;
}

/* test@subtest[@dynamic]@what, with what's blanks as dashes. */
static void dump_name(char *name, size_t size, const char *what)
{
	const char *dynamic = igt_dynamic_subtest_name();
	const char *subtest = igt_subtest_name();
	int len;

	len = snprintf(name, size, "%s@%s%s%s@%s", igt_test_name(),
		       subtest ?: "", dynamic ? "@" : "", dynamic ?: "", what);
	for (int i = 0; i < len && i < (int)size; i++)
		if (name[i] == ' ' || name[i] == '/')
			name[i] = '-';
}

/**
 * igt_assert_image:
 * @ptr: first byte of the buffer, at least as large as @expected
 * @stride: its bytes per row
 * @expected: what it should hold (see igt_pattern_image())
 * @seed: the pattern that wrong pixels are decoded with
 * @what: names the path the buffer was read through
 *
 * Asserts that the buffer holds @expected. On failure it says where the
 * first wrong pixel is and, when it is a pixel of @seed's pattern, which
 * position it belongs to; with IGT_FRAME_DUMP_PATH set, it also writes the
 * PNGs and offsets of __igt_pattern_dump() there.
 */
void igt_assert_image(const void *ptr, uint32_t stride, pixman_image_t *expected,
		      uint32_t seed, const char *what)
{
	uint32_t pixels = pixman_image_get_width(expected) *
			  pixman_image_get_height(expected);
	struct igt_pattern_mismatch m;
	char name[256];
	int ret;

	if (!igt_pattern_compare_image(ptr, stride, expected, seed, &m))
		return;

	if (igt_frame_dump_path) {
		dump_name(name, sizeof(name), what);
		ret = __igt_pattern_dump(igt_frame_dump_path, name, ptr, stride, expected,
					 seed);
		igt_info("%s: contents differ, images %s/%s-{expected,actual,diff}.png%s\n",
			 what, igt_frame_dump_path, name, ret ? " could not be written" : "");
	} else {
		igt_info("%s: contents differ; set IGT_FRAME_DUMP_PATH for images\n", what);
	}

	if (m.found_decodes)
		igt_assert_f(false,
			     "%s: %llu of %u pixels differ; first at (%u, %u): expected 0x%08x, found 0x%08x, the pixel of (%u, %u)\n",
			     what, (unsigned long long)m.count, pixels, m.x, m.y,
			     m.expected, m.found, m.found_x, m.found_y);
	igt_assert_f(false,
		     "%s: %llu of %u pixels differ; first at (%u, %u): expected 0x%08x, found 0x%08x\n",
		     what, (unsigned long long)m.count, pixels, m.x, m.y, m.expected, m.found);
}
