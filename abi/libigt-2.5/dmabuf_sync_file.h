/*
 * Stand-in for IGT's lib/dmabuf_sync_file.h.
 *
 * Declares the dma-buf sync_file helpers of the libigt.so.0 ABI of
 * igt-gpu-tools 2.5. libigt defines the ioctls itself, so callers need no
 * DMA_BUF_IOCTL_EXPORT_SYNC_FILE in their kernel headers.
 */

#ifndef DMABUF_SYNC_FILE_H
#define DMABUF_SYNC_FILE_H

#include <stdint.h>

/*
 * Returns a sync_file of @dmabuf's fences for access @flags
 * (DMA_BUF_SYNC_READ, _WRITE or _RW); asserts on failure.
 */
int dmabuf_export_sync_file(int dmabuf, uint32_t flags);

/* Adds @sync_fd's fence to @dmabuf for access @flags; asserts on failure. */
void dmabuf_import_sync_file(int dmabuf, uint32_t flags, int sync_fd);

#endif /* DMABUF_SYNC_FILE_H */
