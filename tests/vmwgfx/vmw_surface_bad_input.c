// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

/**
 * TEST: vmw surface bad input
 * Category: Core
 * Mega feature: General Core features
 * Sub-category: vmwgfx
 * Functionality: guest-backed surfaces and device commands from an
 *	unprivileged user, with hostile sizes and boxes
 * Driver requirement: vmwgfx
 * Kernel requirement: CONFIG_DRM_VMWGFX
 * Guest requirement: a vmware-svga device with guest-backed objects
 *	(SVGA_CAP_GBOBJECTS: xprime's "stdu" machine,
 *	vmware-svga,guest-backed=on); elsewhere every subtest skips, saying
 *	so.
 * Description: What an unprivileged user of vmwgfx's render node gives the
 *	device: surfaces of wrapping, over-limit and zero sizes, and
 *	UPDATE_GB_IMAGE, READBACK_GB_IMAGE(_PARTIAL) and SURFACE_COPY with
 *	boxes that are negative, wrap around 2^32, reach past the surface or
 *	are empty, and commands shorter than their bodies. Where vmwgfx's
 *	checks refuse one, the exact errno is asserted; where they pass it to
 *	the device, the device must ignore it: the fence after it signals
 *	within 5 s, the surface it aimed at holds what it held, pixel by
 *	pixel, and a device copy between two fresh surfaces still checks out.
 *	Each case runs in a child that opened the render node as root and
 *	then became nobody.
 *
 * SUBTEST: surface-dimensions
 * Dynamic subtests: wrap-2g-by-2g, huge-64k-by-64k, over-device-width,
 *	over-device-width-scanout, zero-width, zero-height
 * Description: Surfaces of 2^31 x 2^31 (4 bytes a pixel: 2^64 bytes,
 *	which wraps to 0) and 65536 x 65536 on a 4 KiB buffer, 8193 pixels
 *	wide (the device's limit is 8192), plain and for scanout, and 0 wide
 *	or high. vmwgfx's errno where it refuses; where it accepts, the
 *	device gets UPDATE_GB_IMAGE and READBACK_GB_IMAGE of them and
 *	SURFACE_COPY of one pixel to and from them, and must survive.
 *
 * SUBTEST: update-image-box
 * Dynamic subtests: negative-x, negative-y, wrapping-x, wrapping-y,
 *	wrapping-offset, past-width, past-height, zero-size
 * Description: UPDATE_GB_IMAGE of a 64x16 surface with a hostile box,
 *	which vmwgfx does not check: the device must not take any of it
 *	from the buffer.
 *
 * SUBTEST: surface-copy-box
 * Dynamic subtests: src-negative-x, src-negative-y, src-wrapping-x,
 *	src-wrapping-y, src-wrapping-offset, src-past-width, src-past-height,
 *	src-zero-size, dst-negative-x, dst-negative-y, dst-wrapping-x,
 *	dst-wrapping-y, dst-wrapping-offset, dst-past-width, dst-past-height,
 *	dst-zero-size
 * Description: SURFACE_COPY between two 64x16 surfaces with a hostile
 *	source or destination box, which vmwgfx does not check: the
 *	destination must keep every pixel it had.
 *
 * SUBTEST: readback-image-partial
 * Description: vmwgfx refuses READBACK_GB_IMAGE_PARTIAL from user space
 *	(vmw_cmd_check(): a command vmw_cmd_entries[] does not allow users,
 *	EPERM), whatever its box.
 *
 * SUBTEST: short-commands
 * Dynamic subtests: update-image-sid-only, update-image-no-depth,
 *	readback-image-sid-only, surface-copy-no-dest-image,
 *	surface-copy-partial-box, surface-copy-no-boxes
 * Description: Commands whose header gives fewer bytes than their body
 *	needs, which vmwgfx's command checker passes on: the device must
 *	ignore them.
 *
 * SUBTEST: unaligned-command-size
 * Description: A NOP whose header gives 1 byte of body, so the command
 *	buffer is 9 bytes: the FIFO holds 32-bit words, and vmwgfx must
 *	refuse it (EINVAL) rather than commit it.
 */

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vmwgfx_drm.h>

#include "igt.h"
#include "igt_pattern.h"
#include "igt_prime_provider.h"
#include "igt_vmwgfx.h"

IGT_TEST_DESCRIPTION("An unprivileged user's hostile surfaces and device commands "
		     "through vmwgfx's render node: refused with the right errno, or "
		     "ignored by the device, which goes on copying pixel for pixel.");

/* The normal surfaces: 64x16 pixels, 4 KiB, one page. */
#define W		64
#define H		16
#define PAGE		4096
#define SEED_KEPT	0x00c0ffeeu	/* what the aimed-at surface holds */
#define SEED_BUFFER	0x00beef00u	/* its buffer, changed behind the device */
#define SEED_OTHER	0x000a5a5au	/* the other surface */

#define FENCE_TIMEOUT_US	(5 * 1000 * 1000)
#define NOBODY			65534

static int vmw = -1;

struct box {
	uint32_t x, y, w, h;
};

struct box_case {
	const char *name;
	struct box box;
};

static const struct box_case boxes[] = {
	{ "negative-x", { 0xffffffffu, 0, 1, 1 } },
	{ "negative-y", { 0, 0xffffffffu, 1, 1 } },
	{ "wrapping-x", { 1, 0, 0xffffffffu, 1 } },	/* x + w = 2^32 */
	{ "wrapping-y", { 0, 1, 1, 0xffffffffu } },
	{ "wrapping-offset", { 0x40000000u, 0, 1, 1 } },	/* x * 4 = 2^32 */
	{ "past-width", { W - 1, 0, 2, 1 } },
	{ "past-height", { 0, H - 1, 1, 2 } },
	{ "zero-size", { 0, 0, 0, 0 } },
};

static void require_gb_surfaces(int fd)
{
	igt_require_f(igt_vmwgfx_has_gb_surfaces(fd),
		      "vmwgfx: surfaces the device copies need guest-backed objects "
		      "(SVGA_CAP_GBOBJECTS), which this device does not offer\n");
}

/* The rest of the child runs as nobody, with the render node open. */
static void become_nobody(void)
{
	igt_assert_eq(setgroups(0, NULL), 0);
	igt_assert_eq(setresgid(NOBODY, NOBODY, NOBODY), 0);
	igt_assert_eq(setresuid(NOBODY, NOBODY, NOBODY), 0);
	igt_assert_f(geteuid() == NOBODY && getegid() == NOBODY,
		     "still uid %u gid %u\n", geteuid(), getegid());
}

/* Runs @fn as nobody, in a child, on the render node the test opened. */
#define as_nobody(fn, arg) do { \
	igt_fork(child, 1) { \
		become_nobody(); \
		fn(vmw, arg); \
	} \
	igt_waitchildren(); \
} while (0)

static void fill(int fd, const struct igt_vmwgfx_surface *srf, uint32_t seed)
{
	void *ptr = igt_vmwgfx_surface_map(fd, srf, PROT_WRITE);

	igt_pattern_fill(ptr, srf->width * 4, srf->width, srf->height, seed);
	igt_vmwgfx_surface_unmap(srf, ptr);
}

static void assert_holds(int fd, const struct igt_vmwgfx_surface *srf, uint32_t seed,
			 const char *what)
{
	void *ptr = igt_vmwgfx_surface_map(fd, srf, PROT_READ);

	igt_assert_pattern(ptr, srf->width * 4, srf->width, srf->height, seed, what);
	igt_vmwgfx_surface_unmap(srf, ptr);
}

/* Submits @c and waits for the device to run it, asserting both. */
static void submit(int fd, const struct igt_vmwgfx_cmds *c, const char *what)
{
	int ret = __igt_vmwgfx_submit(fd, c, FENCE_TIMEOUT_US);

	igt_assert_f(ret != -EBUSY, "%s: the fence did not signal within %d s\n",
		     what, FENCE_TIMEOUT_US / 1000000);
	igt_assert_f(ret == 0, "%s: %s\n", what, igt_errno_name(-ret));
}

/*
 * Submits a hostile @c: vmwgfx refuses it with @expect (an errno), or with
 * @expect 0 passes it to the device, whose fence must then signal.
 */
static void submit_hostile(int fd, const struct igt_vmwgfx_cmds *c, int expect,
			   const char *what)
{
	uint32_t fence = 0;
	int ret;

	ret = __igt_vmwgfx_execbuf(fd, c, &fence);
	igt_assert_f(ret == -expect, "%s: vmwgfx %s it, expected %s\n", what,
		     ret ? igt_errno_name(-ret) : "accepted",
		     expect ? igt_errno_name(expect) : "it to pass it to the device");
	if (ret)
		return;
	ret = __igt_vmwgfx_fence_wait(fd, fence, FENCE_TIMEOUT_US);
	igt_vmwgfx_fence_unref(fd, fence);
	igt_assert_f(ret != -EBUSY, "%s: the device got it, and its fence did not "
		     "signal within %d s\n", what, FENCE_TIMEOUT_US / 1000000);
	igt_assert_f(ret == 0, "%s: fence wait: %s\n", what, igt_errno_name(-ret));
}

/* The device still copies: a rectangle between two fresh surfaces, pixel by pixel. */
static void assert_device_copies(int fd, const char *after)
{
	const struct igt_vmwgfx_rect rect = { .x = 5, .y = 3, .w = 40, .h = 9 };
	struct igt_vmwgfx_surface src, dst;
	pixman_image_t *expected, *from;
	char what[128];
	void *ptr;

	igt_vmwgfx_surface_create(fd, W, H, 0, &src);
	igt_vmwgfx_surface_create(fd, W, H, 0, &dst);
	fill(fd, &src, SEED_OTHER);
	fill(fd, &dst, SEED_KEPT);
	igt_vmwgfx_surface_copy(fd, &dst, 11, 2, &src, &rect);

	expected = igt_pattern_image(W, H, SEED_KEPT);
	from = igt_pattern_image(W, H, SEED_OTHER);
	pixman_image_composite(PIXMAN_OP_SRC, from, NULL, expected, rect.x, rect.y,
			       0, 0, 11, 2, rect.w, rect.h);
	pixman_image_unref(from);
	snprintf(what, sizeof(what), "device's copy after %s", after);
	ptr = igt_vmwgfx_surface_map(fd, &dst, PROT_READ);
	igt_assert_image(ptr, W * 4, expected, SEED_OTHER, what);
	igt_vmwgfx_surface_unmap(&dst, ptr);
	pixman_image_unref(expected);
	igt_vmwgfx_surface_destroy(fd, &dst);
	igt_vmwgfx_surface_destroy(fd, &src);
}

/*
 * The surfaces a hostile command aims at: @kept, which the device holds as
 * SEED_KEPT while its buffer holds SEED_BUFFER, and @other (SEED_OTHER).
 */
static void prepare(int fd, struct igt_vmwgfx_surface *kept,
		    struct igt_vmwgfx_surface *other)
{
	struct igt_vmwgfx_cmds c = {};

	igt_vmwgfx_surface_create(fd, W, H, 0, kept);
	igt_vmwgfx_surface_create(fd, W, H, 0, other);
	fill(fd, kept, SEED_KEPT);
	fill(fd, other, SEED_OTHER);
	igt_vmwgfx_cmd(&c, IGT_VMWGFX_CMD_UPDATE_GB_SURFACE, &kept->handle, 1);
	igt_vmwgfx_cmd(&c, IGT_VMWGFX_CMD_UPDATE_GB_SURFACE, &other->handle, 1);
	submit(fd, &c, "the device reading both surfaces");
	fill(fd, kept, SEED_BUFFER);
}

/* @kept still holds SEED_KEPT in the device: it writes it back to check. */
static void assert_kept(int fd, struct igt_vmwgfx_surface *kept,
			struct igt_vmwgfx_surface *other, const char *after)
{
	struct igt_vmwgfx_cmds c = {};
	char what[128];

	igt_vmwgfx_cmd(&c, IGT_VMWGFX_CMD_READBACK_GB_SURFACE, &kept->handle, 1);
	submit(fd, &c, "the device writing the surface back");
	snprintf(what, sizeof(what), "the device's surface after %s", after);
	assert_holds(fd, kept, SEED_KEPT, what);
	igt_vmwgfx_surface_destroy(fd, other);
	igt_vmwgfx_surface_destroy(fd, kept);
	assert_device_copies(fd, after);
}

static void image_box(uint32_t *w, uint32_t sid, const struct box *b)
{
	const uint32_t body[] = { sid, 0, 0, b->x, b->y, 0, b->w, b->h, 1 };

	memcpy(w, body, sizeof(body));
}

/* SURFACE_COPY's body: source and destination images, then one copy box. */
static void copy_body(uint32_t *w, uint32_t src, uint32_t dst, const struct box *to,
		      uint32_t from_x, uint32_t from_y)
{
	const uint32_t body[] = {
		src, 0, 0, dst, 0, 0,
		to->x, to->y, 0, to->w, to->h, 1, from_x, from_y, 0,
	};

	memcpy(w, body, sizeof(body));
}

/* surface-dimensions */

struct dimension_case {
	const char *name;
	uint32_t width, height;
	bool on_page;		/* on a 4 KiB buffer, else on one of its own */
	uint32_t flags;
	int refused;		/* vmwgfx 6.12's errno, 0 when it accepts */
	const char *why;
};

static const struct dimension_case dimensions[] = {
	{ "wrap-2g-by-2g", 1u << 31, 1u << 31, true, 0, 0,
	  "vmw_surface_calculate_pitch(): 2^31 * 4 wraps to a pitch of 0, so "
	  "the surface needs 0 bytes" },
	{ "huge-64k-by-64k", 65536, 65536, true, 0, EINVAL,
	  "its size clamps to 4 GiB - 1: \"Surface backup buffer too small\"" },
	{ "over-device-width", 8193, 1, false, 0, 0,
	  "vmw_gb_surface_define() checks a surface's size against the device's "
	  "only for scanout" },
	{ "over-device-width-scanout", 8193, 1, false, drm_vmw_surface_flag_scanout,
	  EINVAL, "vmw_gb_surface_define(): over the device's texture_max_width" },
	{ "zero-width", 0, 16, true, 0, 0, "a size of 0 fits any buffer" },
	{ "zero-height", 16, 0, true, 0, 0, "a size of 0 fits any buffer" },
};

static void test_dimensions(int fd, const void *arg)
{
	const struct dimension_case *t = arg;
	const struct box one = { 0, 0, 1, 1 };
	struct igt_vmwgfx_surface kept, other, bad;
	struct igt_vmwgfx_cmds c;
	uint32_t body[16], buffer = 0;
	int ret;

	if (t->on_page)
		buffer = igt_vmwgfx_bo_create(fd, PAGE);
	ret = __igt_vmwgfx_surface_create_flags(fd, t->width, t->height, buffer,
						t->flags, &bad);
	igt_info("%ux%u: vmwgfx %s (%s)\n", t->width, t->height,
		 ret ? igt_errno_name(-ret) : "accepts it", t->why);
	if (t->refused || ret) {
		/* A vmwgfx that checks sizes refuses with EINVAL, as for buffers. */
		igt_assert_f(ret == -(t->refused ?: EINVAL),
			     "%ux%u surface: %s, expected %s (%s)\n", t->width, t->height,
			     ret ? igt_errno_name(-ret) : "made",
			     igt_errno_name(t->refused ?: EINVAL), t->why);
		if (buffer)
			gem_close(fd, buffer);
		assert_device_copies(fd, "the refused surface");
		return;
	}

	prepare(fd, &kept, &other);

	memset(&c, 0, sizeof(c));
	image_box(body, bad.handle, &one);
	igt_vmwgfx_cmd(&c, IGT_VMWGFX_CMD_UPDATE_GB_IMAGE, body, 9);
	submit_hostile(fd, &c, 0, "UPDATE_GB_IMAGE of a pixel of it");

	memset(&c, 0, sizeof(c));
	igt_vmwgfx_cmd(&c, IGT_VMWGFX_CMD_READBACK_GB_IMAGE, body, 3);
	submit_hostile(fd, &c, 0, "READBACK_GB_IMAGE of it");

	memset(&c, 0, sizeof(c));
	copy_body(body, other.handle, bad.handle, &one, 0, 0);
	igt_vmwgfx_cmd(&c, IGT_VMWGFX_CMD_SURFACE_COPY, body, 15);
	submit_hostile(fd, &c, 0, "SURFACE_COPY of a pixel into it");

	memset(&c, 0, sizeof(c));
	copy_body(body, bad.handle, kept.handle, &one, 0, 0);
	igt_vmwgfx_cmd(&c, IGT_VMWGFX_CMD_SURFACE_COPY, body, 15);
	submit_hostile(fd, &c, 0, "SURFACE_COPY of a pixel of it");

	igt_vmwgfx_surface_destroy(fd, &bad);
	if (buffer)
		gem_close(fd, buffer);
	/* Its pixel never was in the device: the copy out of it copied nothing. */
	assert_kept(fd, &kept, &other, "the hostile surface");
}

/* update-image-box */

static void test_update_box(int fd, const void *arg)
{
	const struct box_case *t = arg;
	struct igt_vmwgfx_surface kept, other;
	struct igt_vmwgfx_cmds c = {};
	uint32_t body[9];

	prepare(fd, &kept, &other);
	image_box(body, kept.handle, &t->box);
	igt_vmwgfx_cmd(&c, IGT_VMWGFX_CMD_UPDATE_GB_IMAGE, body, 9);
	submit_hostile(fd, &c, 0, "UPDATE_GB_IMAGE");
	assert_kept(fd, &kept, &other, "UPDATE_GB_IMAGE of the box");
}

/* surface-copy-box */

struct copy_case {
	const struct box_case *box;
	bool dst;		/* the box is the destination's, else the source's */
	char name[32];
};

static struct copy_case copies[2 * ARRAY_SIZE(boxes)];

static void test_copy_box(int fd, const void *arg)
{
	const struct copy_case *t = arg;
	const struct box *b = &t->box->box;
	struct igt_vmwgfx_surface kept, other;
	struct igt_vmwgfx_cmds c = {};
	uint32_t body[15];

	prepare(fd, &kept, &other);
	if (t->dst) {
		copy_body(body, other.handle, kept.handle, b, 0, 0);
	} else {
		const struct box to = { 0, 0, b->w, b->h };

		copy_body(body, other.handle, kept.handle, &to, b->x, b->y);
	}
	igt_vmwgfx_cmd(&c, IGT_VMWGFX_CMD_SURFACE_COPY, body, 15);
	submit_hostile(fd, &c, 0, "SURFACE_COPY");
	assert_kept(fd, &kept, &other, "SURFACE_COPY of the box");
}

/* readback-image-partial */

static void test_readback_partial(int fd, const void *arg)
{
	const struct box normal = { 0, 0, W, H };
	struct igt_vmwgfx_surface kept, other;
	uint32_t body[10];

	prepare(fd, &kept, &other);
	for (int i = -1; i < (int)ARRAY_SIZE(boxes); i++) {
		struct igt_vmwgfx_cmds c = {};
		char what[96];

		image_box(body, kept.handle, i < 0 ? &normal : &boxes[i].box);
		body[9] = 0;	/* the box itself, not what is outside it */
		igt_vmwgfx_cmd(&c, IGT_VMWGFX_CMD_READBACK_GB_IMAGE_PARTIAL, body, 10);
		snprintf(what, sizeof(what), "READBACK_GB_IMAGE_PARTIAL of %s",
			 i < 0 ? "the whole surface" : boxes[i].name);
		/* vmw_cmd_check(): not user_allow in vmw_cmd_entries[] */
		submit_hostile(fd, &c, EPERM, what);
	}
	assert_kept(fd, &kept, &other, "READBACK_GB_IMAGE_PARTIAL");
}

/* short-commands */

struct short_case {
	const char *name;
	uint32_t id;
	uint32_t bytes;		/* what the header says */
	bool copy;		/* a SURFACE_COPY body, else an image's */
};

static const struct short_case shorts[] = {
	{ "update-image-sid-only", IGT_VMWGFX_CMD_UPDATE_GB_IMAGE, 4 },
	{ "update-image-no-depth", IGT_VMWGFX_CMD_UPDATE_GB_IMAGE, 32 },
	{ "readback-image-sid-only", IGT_VMWGFX_CMD_READBACK_GB_IMAGE, 4 },
	{ "surface-copy-no-dest-image", IGT_VMWGFX_CMD_SURFACE_COPY, 16, true },
	{ "surface-copy-partial-box", IGT_VMWGFX_CMD_SURFACE_COPY, 40, true },
	{ "surface-copy-no-boxes", IGT_VMWGFX_CMD_SURFACE_COPY, 24, true },
};

static void test_short(int fd, const void *arg)
{
	const struct short_case *t = arg;
	const struct box all = { 0, 0, W, H };
	struct igt_vmwgfx_surface kept, other;
	struct igt_vmwgfx_cmds c = {};
	uint32_t body[15];
	char what[96];

	prepare(fd, &kept, &other);
	if (t->copy)
		copy_body(body, other.handle, kept.handle, &all, 0, 0);
	else
		image_box(body, kept.handle, &all);
	igt_vmwgfx_cmd_sized(&c, t->id, t->bytes, body);
	snprintf(what, sizeof(what), "command %u of %u bytes", t->id, t->bytes);
	submit_hostile(fd, &c, 0, what);
	assert_kept(fd, &kept, &other, what);
}

/* unaligned-command-size */

static void test_unaligned(int fd, const void *arg)
{
	const uint8_t body[4] = {};
	struct igt_vmwgfx_cmds c = {};

	igt_vmwgfx_cmd_sized(&c, IGT_VMWGFX_CMD_NOP, 1, body);
	submit_hostile(fd, &c, EINVAL, "a NOP of 1 byte (9 bytes of commands)");
	assert_device_copies(fd, "the unaligned NOP");
}

int igt_main()
{
	igt_fixture() {
		vmw = drm_open_driver_render(DRIVER_VMWGFX);
		for (int i = 0; i < ARRAY_SIZE(boxes); i++) {
			for (int dst = 0; dst < 2; dst++) {
				struct copy_case *t = &copies[2 * i + dst];

				t->box = &boxes[i];
				t->dst = dst;
				snprintf(t->name, sizeof(t->name), "%s-%s",
					 dst ? "dst" : "src", boxes[i].name);
			}
		}
	}

	igt_describe("Surfaces of wrapping, over-limit and zero sizes: vmwgfx's errno, "
		     "or the device survives commands on them.");
	igt_subtest_with_dynamic("surface-dimensions") {
		require_gb_surfaces(vmw);
		for (int i = 0; i < ARRAY_SIZE(dimensions); i++)
			igt_dynamic(dimensions[i].name)
				as_nobody(test_dimensions, &dimensions[i]);
	}

	igt_describe("UPDATE_GB_IMAGE with hostile boxes: the device takes nothing "
		     "of them.");
	igt_subtest_with_dynamic("update-image-box") {
		require_gb_surfaces(vmw);
		for (int i = 0; i < ARRAY_SIZE(boxes); i++)
			igt_dynamic(boxes[i].name)
				as_nobody(test_update_box, &boxes[i]);
	}

	igt_describe("SURFACE_COPY with hostile boxes: the destination keeps every "
		     "pixel.");
	igt_subtest_with_dynamic("surface-copy-box") {
		require_gb_surfaces(vmw);
		for (int i = 0; i < ARRAY_SIZE(copies); i++)
			igt_dynamic(copies[i].name)
				as_nobody(test_copy_box, &copies[i]);
	}

	igt_describe("vmwgfx refuses READBACK_GB_IMAGE_PARTIAL from user space.");
	igt_subtest("readback-image-partial") {
		require_gb_surfaces(vmw);
		as_nobody(test_readback_partial, NULL);
	}

	igt_describe("Commands shorter than their bodies: the device ignores them.");
	igt_subtest_with_dynamic("short-commands") {
		require_gb_surfaces(vmw);
		for (int i = 0; i < ARRAY_SIZE(shorts); i++)
			igt_dynamic(shorts[i].name)
				as_nobody(test_short, &shorts[i]);
	}

	igt_describe("vmwgfx refuses a command buffer that is not whole 32-bit words.");
	igt_subtest("unaligned-command-size") {
		require_gb_surfaces(vmw);
		as_nobody(test_unaligned, NULL);
	}

	igt_fixture()
		drm_close_driver(vmw);
}
