// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 *
 * Unit tests of the bufinfo parser, on text as Linux 6.12 writes it.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "igt.h"
#include "igt_dmabuf_info.h"

/*
 * Three buffers, the first with no device attached: its "Total 0 devices
 * attached" line is no total of buffers.
 */
static const char three[] =
	"\n"
	"Dma-buf Objects:\n"
	"size    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"
	"00016384\t00000002\t000a801f\t00000001\tdrm\t00000031\t<none>\n"
	"\tAttached Devices:\n"
	"Total 0 devices attached\n"
	"\n"
	"00016384\t00000002\t000a801f\t00000003\tudmabuf\t00000035\t<none>\n"
	"\twrite fence:vgem unbound seq 1 unsignalled\n"
	"\tread fence:vgem unbound seq 2 signalled\n"
	"\tAttached Devices:\n"
	"\t0000:00:02.0\n"
	"\tvgem\n"
	"Total 2 devices attached\n"
	"\n"
	"00065536\t00000002\t000a801f\t00000002\tsystem\t00000040\tfrom a test\n"
	"\tAttached Devices:\n"
	"\tvgem\n"
	"Total 1 devices attached\n"
	"\n"
	"\n"
	"Total 3 objects, 98304 bytes\n";

static int parse(const char *text, struct igt_dmabuf_list *list)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	igt_assert(f);
	ret = igt_dmabuf_info_parse(f, list);
	fclose(f);
	return ret;
}

/* @text with its first @from replaced by @to. */
static const char *edited(const char *text, const char *from, const char *to)
{
	static char out[sizeof(three) + 64];
	const char *at = strstr(text, from);

	igt_assert(at);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

int igt_main()
{
	struct igt_dmabuf_list list;

	igt_subtest("every-buffer") {
		const struct igt_dmabuf_info *b;

		igt_assert_eq(parse(three, &list), 0);
		igt_assert_eq(list.count, 3);
		igt_assert_eq_u64(list.bytes, 98304);

		b = igt_dmabuf_info_find(&list, 31);
		igt_assert(b);
		igt_assert_eq(strcmp(b->exporter, "drm"), 0);
		igt_assert_eq(b->attachments, 0);

		b = igt_dmabuf_info_find(&list, 35);
		igt_assert(b);
		igt_assert_eq(strcmp(b->exporter, "udmabuf"), 0);
		igt_assert_eq_u64(b->size, 16384);
		igt_assert_eq(b->refs, 3);
		igt_assert_eq(b->fences, 2);
		igt_assert_eq(b->attachments, 2);

		b = igt_dmabuf_info_find(&list, 40);
		igt_assert(b);
		igt_assert_eq(strcmp(b->exporter, "system"), 0);
		igt_assert_eq(b->attachments, 1);

		igt_assert(!igt_dmabuf_info_find(&list, 36));
		igt_dmabuf_info_free(&list);
	}

	igt_subtest("none") {
		igt_assert_eq(parse("\nDma-buf Objects:\n"
				    "size    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"
				    "\nTotal 0 objects, 0 bytes\n", &list), 0);
		igt_assert_eq(list.count, 0);
		igt_assert(!igt_dmabuf_info_find(&list, 31));
	}

	igt_subtest("totals-must-add-up") {
		igt_assert_eq(parse(edited(three, "Total 3 objects", "Total 4 objects"), &list),
			      -EPROTO);
		igt_assert_eq(list.count, 0);
		igt_assert_eq(parse(edited(three, "Total 2 devices", "Total 3 devices"), &list),
			      -EPROTO);
	}

	igt_subtest("cut-short") {
		igt_assert_eq(parse(edited(three, "\nTotal 3 objects, 98304 bytes\n", "\n"),
				    &list), -EPROTO);
		igt_assert_eq(parse("", &list), -EPROTO);
	}

	igt_subtest("not-bufinfo") {
		igt_assert_eq(parse(edited(three, "\tvgem\nTotal 2", "vgem\nTotal 2"), &list),
			      -EPROTO);
		igt_assert_eq(parse("Total 1 objects, 4096 bytes\n", &list), -EPROTO);
	}
}
