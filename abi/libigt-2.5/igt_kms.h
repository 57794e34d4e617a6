/*
 * Stand-in for IGT's lib/igt_kms.h, reduced to the dumb-buffer helpers.
 *
 * Declares that part of the libigt.so.0 ABI of igt-gpu-tools 2.5.
 */

#ifndef __IGT_KMS_H__
#define __IGT_KMS_H__

#include <stdint.h>
#include <sys/mman.h>

#include <xf86drmMode.h>

/*
 * Creates a dumb buffer and returns its handle; asserts on failure.
 * @stride and @size may be NULL.
 */
uint32_t kmstest_dumb_create(int fd, int width, int height, int bpp,
			     unsigned int *stride, uint64_t *size);

/* Maps @size bytes of a dumb buffer with @prot (PROT_*); asserts. */
void *kmstest_dumb_map_buffer(int fd, uint32_t handle, uint64_t size,
			      unsigned int prot);

/* Destroys a dumb buffer; asserts on failure. */
void kmstest_dumb_destroy(int fd, uint32_t handle);

#endif /* __IGT_KMS_H__ */
