/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 The xprime authors
 */

#ifndef IGT_PRIME_SCANOUT_H
#define IGT_PRIME_SCANOUT_H

#include <stdint.h>

#include <xf86drmMode.h>

struct igt_prime_crossing;
struct igt_prime_provider;

/* A CRTC driving a connected connector, and the mode it shows. */
struct igt_prime_scanout {
	uint32_t crtc_id;
	uint32_t connector_id;
	drmModeModeInfo mode;
	uint32_t fb_id;		/* 0 until igt_prime_scanout_show() */
};

int __igt_prime_scanout_find(int fd, struct igt_prime_scanout *scanout);
void igt_prime_scanout_find(int fd, struct igt_prime_scanout *scanout);
int __igt_prime_scanout_show(int fd, struct igt_prime_scanout *scanout,
			     uint32_t handle, uint32_t stride);
void igt_prime_scanout_show(int fd, struct igt_prime_scanout *scanout,
			    uint32_t handle, uint32_t stride);
void igt_prime_scanout_dirty(int fd, struct igt_prime_scanout *scanout);
void igt_prime_scanout_off(int fd, struct igt_prime_scanout *scanout);
void igt_prime_scanout_assert_host(const char *device,
				   const struct igt_prime_scanout *scanout,
				   uint32_t seed);
void igt_prime_scanout_check_native(int fd, struct igt_prime_scanout *scanout,
				    const char *device,
				    const struct igt_prime_provider *provider);
void igt_prime_scanout_check_imported(int fd, struct igt_prime_scanout *scanout,
				      const char *device, struct igt_prime_crossing *c);
void igt_prime_scanout_check_imported_rect(int fd, struct igt_prime_scanout *scanout,
					   const char *device, struct igt_prime_crossing *c,
					   const drmModeClip *rect);

#endif /* IGT_PRIME_SCANOUT_H */
