/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 The xprime authors
 */

#ifndef IGT_PRIME_SCANOUT_H
#define IGT_PRIME_SCANOUT_H

#include <stdint.h>

#include <xf86drmMode.h>

#include "igt_prime_crossing.h"

/* A CRTC driving a connected connector, and the mode it shows. */
struct igt_prime_scanout {
	uint32_t crtc_id;
	uint32_t connector_id;
	drmModeModeInfo mode;
	uint32_t fb_id;		/* 0 until igt_prime_scanout_show() */
};

/* A driver's display under test, and every provider for what it shows. */
struct igt_prime_display {
	const struct igt_prime_provider *driver;
	const char *device;	/* the host's id of its display device */
	int fd;			/* the driver's, DRM master */
	int providers[IGT_PRIME_MAX_PROVIDERS];
	struct igt_prime_scanout scanout;
};

typedef void (*igt_prime_display_check_t)(struct igt_prime_display *display,
					  struct igt_prime_crossing *c);

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

int igt_prime_display_open(struct igt_prime_display *display);
void igt_prime_display_require(struct igt_prime_display *display);
void igt_prime_display_close(struct igt_prime_display *display);
void igt_prime_scanout_check_native(struct igt_prime_display *display);
void igt_prime_scanout_check_imported(struct igt_prime_display *display,
				      struct igt_prime_crossing *c);
void igt_prime_scanout_check_imported_rect(struct igt_prime_display *display,
					   struct igt_prime_crossing *c,
					   const drmModeClip *rect);
void igt_prime_display_for_each_import(struct igt_prime_display *display,
				       igt_prime_display_check_t check);

#endif /* IGT_PRIME_SCANOUT_H */
