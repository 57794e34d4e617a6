/*
 * Stand-in for IGT's lib/drmtest.h.
 *
 * Declares the libigt.so.0 ABI of igt-gpu-tools 2.5 for opening and
 * closing DRM devices, the DRIVER_* selection bits and the ioctl
 * assertion macros.  do_ioctl() and do_ioctl_err() call igt_ioctl, which
 * (as upstream) is declared in ioctl_wrappers.h.
 */

#ifndef DRMTEST_H
#define DRMTEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt_core.h"

/*
 * Bits for the chipset argument of the open helpers.  Only drivers with
 * driver-specific tests have one; DRIVER_ANY leaves out the virtual
 * drivers so that they are used only when asked for by name.
 */
#define DRIVER_INTEL	(1 << 0)
#define DRIVER_VC4	(1 << 1)
#define DRIVER_VGEM	(1 << 2)
#define DRIVER_AMDGPU	(1 << 3)
#define DRIVER_V3D	(1 << 4)
#define DRIVER_PANFROST	(1 << 5)
#define DRIVER_MSM	(1 << 6)
#define DRIVER_XE	(1 << 7)
#define DRIVER_VMWGFX	(1 << 8)
#define DRIVER_VKMS	(1 << 9)
#define DRIVER_VIRTIO	(1 << 10)
#define DRIVER_PANTHOR	(1 << 11)
#define DRIVER_ANY	~(DRIVER_VGEM | DRIVER_VKMS | DRIVER_VIRTIO)

#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))

/* Rounds @v up to a multiple of @a, a power of two; @v's type is kept. */
#define ALIGN(v, a) (((v) + (typeof(v))(a) - 1) & ~((typeof(v))(a) - 1))

/*
 * Open a device whose driver matches @chipset (DRIVER_* bits).  The
 * drm_open_*() helpers skip the current (sub)test when there is none; the
 * __drm_open_*() ones return -1 instead.  _master also makes the fd DRM
 * master; _render opens a render node if there is one.
 */
int __drm_open_driver(int chipset);
int __drm_open_driver_render(int chipset);
int __drm_open_driver_another(int idx, int chipset);
int drm_open_driver(int chipset);
int drm_open_driver_master(int chipset);
int drm_open_driver_render(int chipset);
int drm_open_driver_another(int idx, int chipset);
int drm_reopen_driver(int fd);

/*
 * Close a fd from the helpers above: -1 (and, without __, a warning) if
 * it is not a /dev/dri node, else close()'s result.
 */
int __drm_close_driver(int fd);
int drm_close_driver(int fd);

bool is_amdgpu_device(int fd);
bool is_i915_device(int fd);
bool is_intel_device(int fd);
bool is_msm_device(int fd);
bool is_mtk_device(int fd);
bool is_nouveau_device(int fd);
bool is_vc4_device(int fd);
bool is_vkms_device(int fd);
bool is_xe_device(int fd);

#define do_or_die(x) igt_assert((x) == 0)

/* Asserts that the ioctl succeeds; clears errno afterwards. */
#define do_ioctl(fd, ioc, ioc_data) \
	do { \
		igt_assert_eq(igt_ioctl((fd), (ioc), (ioc_data)), 0); \
		errno = 0; \
	} while (0)

/* Asserts that the ioctl fails with errno @err; clears errno afterwards. */
#define do_ioctl_err(fd, ioc, ioc_data, err) \
	do { \
		igt_assert_eq(igt_ioctl((fd), (ioc), (ioc_data)), -1); \
		igt_assert_eq(errno, (err)); \
		errno = 0; \
	} while (0)

#endif /* DRMTEST_H */
