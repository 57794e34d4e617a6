/* SPDX-License-Identifier: MIT */
/*
 * The DRM drivers that xprime crosses buffers between, and what each one is
 * known to do with a buffer that another driver exported.
 */

#ifndef IGT_PRIME_CROSS_H
#define IGT_PRIME_CROSS_H

#include <stdbool.h>

struct igt_prime_driver {
	/* As it appears in subtest names: "vgem", "virtio-gpu", "vmwgfx". */
	const char *name;
	/* DRIVER_* bit for drm_open_driver(). */
	unsigned int chipset;
	/*
	 * The errno the driver gives when it refuses to import another
	 * driver's dma-buf, 0 if it never refuses; and why, for the log.
	 */
	int foreign_import_errno;
	const char *foreign_import_why;
	/* DRM_IOCTL_MODE_MAP_DUMB works on an imported object. */
	bool maps_imports;
	const char *maps_imports_why;
};

extern const struct igt_prime_driver igt_prime_drivers[];

const char *igt_errno_name(int err);

#define for_each_prime_driver(d) \
	for ((d) = igt_prime_drivers; (d)->name; (d)++)

#endif /* IGT_PRIME_CROSS_H */
