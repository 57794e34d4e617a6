// SPDX-License-Identifier: MIT
/*
 * The drivers crossed by the prime tests: see igt_prime_cross.h.
 */

#include <errno.h>
#include <stddef.h>

#include "igt.h"
#include "igt_prime_cross.h"

const struct igt_prime_driver igt_prime_drivers[] = {
	{
		.name = "vgem",
		.chipset = DRIVER_VGEM,
		.maps_imports = false,
		.maps_imports_why = "drm_gem_dumb_map_offset() refuses imported objects",
	},
	{
		.name = "virtio-gpu",
		.chipset = DRIVER_VIRTIO,
		/*
		 * Foreign dma-bufs become guest blobs only from 6.14
		 * (ca77f27a2665), and only with blob resources and no virgl.
		 */
		.foreign_import_errno = ENODEV,
		.foreign_import_why = "virtio-gpu imports foreign dma-bufs only as blobs (>= 6.14, ca77f27a2665, blob without virgl)",
		.maps_imports = false,
		.maps_imports_why = "virtio-gpu's dumb map offset refuses imported objects",
	},
	{
		.name = "vmwgfx",
		.chipset = DRIVER_VMWGFX,
		/* Imported buffers are mapped through dma_buf_vmap/mmap (50f119925091). */
		.maps_imports = true,
	},
	{}
};

/**
 * igt_errno_name:
 * @err: a positive errno value
 *
 * Returns: the symbolic name ("ENODEV") of the errnos that DRM and dma-buf
 * ioctls give, for messages that a matrix or a person can match exactly.
 */
const char *igt_errno_name(int err)
{
	static const struct { int err; const char *name; } names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EBADF, "EBADF" },
		{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { ENOSYS, "ENOSYS" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { ENOTTY, "ENOTTY" }, { ENXIO, "ENXIO" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].err == err)
			return names[i].name;
	return "E?";
}
