// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "igt.h"
#include "igt_dmabuf_info.h"

/**
 * SECTION:igt_dmabuf_info
 * @short_description: The dma-bufs debugfs lists
 * @title: dma-buf bufinfo
 * @include: igt_dmabuf_info.h
 *
 * debugfs' dma_buf/bufinfo lists every dma-buf of the system: a line of
 * size, flags, mode, file references, exporter, inode and name per buffer,
 * its fences, its attached devices and their count, and at the end the
 * number of buffers and their bytes. The helpers here parse all of it, and
 * refuse text that does not add up (a count of buffers or devices that is
 * not the number listed): a test that counts buffers must never count
 * something else. A test knows its own buffers by their inode
 * (igt_dmabuf_ino()), since exporters share names ("drm" for every driver
 * that exports through drm_gem_prime_export()).
 */

enum section { BEFORE, BUFFERS, DEVICES, AFTER };

static int add_buffer(struct igt_dmabuf_list *list, const char *line)
{
	struct igt_dmabuf_info info = {};
	unsigned int flags, mode;
	int end = 0;
	void *bufs;

	if (sscanf(line, "%" SCNu64 "\t%x\t%x\t%ld\t%31[^\t]\t%lu\t%n", &info.size,
		   &flags, &mode, &info.refs, info.exporter, &info.ino, &end) != 6 || !end)
		return -EPROTO;

	bufs = realloc(list->bufs, (list->count + 1) * sizeof(*list->bufs));
	if (!bufs)
		return -ENOMEM;
	list->bufs = bufs;
	list->bufs[list->count++] = info;
	return 0;
}

static int parse_line(struct igt_dmabuf_list *list, enum section *at, const char *line)
{
	struct igt_dmabuf_info *last = list->count ? &list->bufs[list->count - 1] : NULL;
	uint64_t bytes;
	int n, end = 0;

	if (!*line)
		return 0;

	switch (*at) {
	case BEFORE:
		if (!strcmp(line, "Dma-buf Objects:"))
			return 0;
		if (!strncmp(line, "size", 4)) {
			*at = BUFFERS;
			return 0;
		}
		return -EPROTO;
	case DEVICES:
		if (line[0] == '\t') {
			last->attachments++;
			return 0;
		}
		if (sscanf(line, "Total %d devices attached%n", &n, &end) != 1 || !end ||
		    line[end] || n != last->attachments)
			return -EPROTO;
		*at = BUFFERS;
		return 0;
	case BUFFERS:
		if (last && !strcmp(line, "\tAttached Devices:")) {
			*at = DEVICES;
			return 0;
		}
		if (last && line[0] == '\t' && strstr(line, " fence:")) {
			last->fences++;
			return 0;
		}
		if (sscanf(line, "Total %d objects, %" SCNu64 " bytes%n", &n, &bytes,
			   &end) == 2 && end && !line[end]) {
			if (n != list->count)
				return -EPROTO;
			list->bytes = bytes;
			*at = AFTER;
			return 0;
		}
		return add_buffer(list, line);
	case AFTER:
		break;
	}
	return -EPROTO;
}

/**
 * igt_dmabuf_info_parse:
 * @f: bufinfo's text
 * @list: filled with every buffer listed; igt_dmabuf_info_free() it
 *
 * Returns: 0 when the text is a whole bufinfo whose totals are the buffers
 * and devices it lists; -EPROTO (@list emptied) otherwise, -ENOMEM.
 */
int igt_dmabuf_info_parse(FILE *f, struct igt_dmabuf_list *list)
{
	enum section at = BEFORE;
	char *line = NULL;
	size_t capacity = 0;
	ssize_t len;
	int ret = 0;

	*list = (struct igt_dmabuf_list) {};
	while (!ret && (len = getline(&line, &capacity, f)) >= 0) {
		if (len && line[len - 1] == '\n')
			line[len - 1] = '\0';
		ret = parse_line(list, &at, line);
	}
	free(line);
	if (!ret && at != AFTER)
		ret = -EPROTO;	/* cut short: no total */
	if (ret)
		igt_dmabuf_info_free(list);
	return ret;
}

/**
 * __igt_dmabuf_info_read:
 * @list: filled with every dma-buf the kernel lists; igt_dmabuf_info_free() it
 *
 * Returns: 0, -errno when debugfs' bufinfo cannot be opened, or what
 * igt_dmabuf_info_parse() returns.
 */
int __igt_dmabuf_info_read(struct igt_dmabuf_list *list)
{
	FILE *f = fopen(IGT_DMABUF_BUFINFO, "r");
	int ret;

	*list = (struct igt_dmabuf_list) {};
	if (!f)
		return -errno;
	ret = igt_dmabuf_info_parse(f, list);
	fclose(f);
	return ret;
}

/**
 * igt_dmabuf_info_read:
 * @list: filled with every dma-buf the kernel lists; igt_dmabuf_info_free() it
 *
 * __igt_dmabuf_info_read(), asserting it succeeds.
 */
void igt_dmabuf_info_read(struct igt_dmabuf_list *list)
{
	int ret = __igt_dmabuf_info_read(list);

	igt_assert_f(ret == 0, "%s: %s\n", IGT_DMABUF_BUFINFO,
		     ret == -EPROTO ? "not bufinfo's format, or its totals do not add up"
				    : strerror(-ret));
}

/**
 * igt_dmabuf_info_free:
 * @list: a list igt_dmabuf_info_parse() or igt_dmabuf_info_read() filled
 *
 * Frees the buffers of @list and empties it.
 */
void igt_dmabuf_info_free(struct igt_dmabuf_list *list)
{
	free(list->bufs);
	*list = (struct igt_dmabuf_list) {};
}

/**
 * igt_dmabuf_info_find:
 * @list: a parsed bufinfo
 * @ino: a dma-buf's inode (igt_dmabuf_ino())
 *
 * Returns: the buffer of inode @ino in @list, or NULL when it is not listed.
 */
const struct igt_dmabuf_info *
igt_dmabuf_info_find(const struct igt_dmabuf_list *list, unsigned long ino)
{
	for (int i = 0; i < list->count; i++)
		if (list->bufs[i].ino == ino)
			return &list->bufs[i];
	return NULL;
}

/**
 * igt_dmabuf_ino:
 * @dmabuf: a dma-buf fd
 *
 * Returns: the inode by which bufinfo lists the dma-buf of @dmabuf.
 */
unsigned long igt_dmabuf_ino(int dmabuf)
{
	struct stat st;

	igt_assert_f(fstat(dmabuf, &st) == 0, "fstat of dma-buf fd %d: %m\n", dmabuf);
	return st.st_ino;
}
