/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 The xprime authors
 *
 * The dma-bufs the kernel lists in debugfs (dma_buf/bufinfo), parsed whole:
 * which buffers exist, by inode, exporter and attachments, so that a test
 * counts its own buffers and no other test's.
 */

#ifndef IGT_DMABUF_INFO_H
#define IGT_DMABUF_INFO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define IGT_DMABUF_BUFINFO "/sys/kernel/debug/dma_buf/bufinfo"

struct igt_dmabuf_info {
	uint64_t size;
	unsigned long ino;	/* the dma-buf file's inode: fstat()'s st_ino */
	long refs;		/* references to the dma-buf file */
	char exporter[32];
	int attachments;
	int fences;		/* fences in its reservation object */
};

struct igt_dmabuf_list {
	int count;		/* buffers listed, as many as bufinfo's total says */
	uint64_t bytes;		/* their sizes' sum, bufinfo's total */
	struct igt_dmabuf_info *bufs;
};

int igt_dmabuf_info_parse(FILE *f, struct igt_dmabuf_list *list);
int __igt_dmabuf_info_read(struct igt_dmabuf_list *list);
void igt_dmabuf_info_read(struct igt_dmabuf_list *list);
void igt_dmabuf_info_free(struct igt_dmabuf_list *list);
const struct igt_dmabuf_info *
igt_dmabuf_info_find(const struct igt_dmabuf_list *list, unsigned long ino);
unsigned long igt_dmabuf_ino(int dmabuf);

#endif /* IGT_DMABUF_INFO_H */
