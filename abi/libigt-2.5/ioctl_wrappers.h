/*
 * Stand-in for IGT's lib/ioctl_wrappers.h.
 *
 * Declares the generic GEM and PRIME (dma-buf) wrappers of the libigt.so.0
 * ABI of igt-gpu-tools 2.5.  Wrappers without a leading "__" assert that
 * the ioctl succeeded; the "__" ones return 0 or -errno.
 */

#ifndef IOCTL_WRAPPERS_H
#define IOCTL_WRAPPERS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/types.h>

/*
 * The ioctl entry point every wrapper goes through: drmIoctl() unless a
 * helper such as igt_while_interruptible() swapped it.  A thread-local
 * function pointer (TLS symbol) in libigt, not a function.
 */
extern __thread int (*igt_ioctl)(int fd, unsigned long request, void *arg);

void gem_close(int fd, uint32_t handle);

/* Exports @handle as a dma-buf fd (O_CLOEXEC). */
int prime_handle_to_fd(int fd, uint32_t handle);

/* As above but O_CLOEXEC | O_RDWR so it can be mmapped; -1 on failure. */
int prime_handle_to_fd_for_mmap(int fd, uint32_t handle);

/* Imports a dma-buf fd, returning the handle on @fd. */
uint32_t prime_fd_to_handle(int fd, int dma_buf_fd);
int __prime_fd_to_handle(int fd, int dma_buf_fd, uint32_t *handle);

/* Size via lseek(SEEK_END); skips if the kernel cannot seek a dma-buf. */
off_t prime_get_size(int dma_buf_fd);

/* DMA_BUF_IOCTL_SYNC for CPU access: READ, or READ | WRITE if @write. */
void prime_sync_start(int dma_buf_fd, bool write);
void prime_sync_end(int dma_buf_fd, bool write);

static inline uint64_t to_user_pointer(const void *ptr)
{
	return (uintptr_t)ptr;
}

static inline void *from_user_pointer(uint64_t u64p)
{
	return (void *)(uintptr_t)u64p;
}

#endif /* IOCTL_WRAPPERS_H */
