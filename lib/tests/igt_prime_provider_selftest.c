// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 *
 * Unit tests of the buffer providers' helpers that need no device.
 */

#include <errno.h>
#include <string.h>

#include "igt.h"
#include "igt_prime_provider.h"

/* Names that failure messages and the expectations matched on must keep. */
static const struct {
	int err;
	const char *name;
} known[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
	{ EIO, "EIO" }, { ENXIO, "ENXIO" }, { EBADF, "EBADF" },
	{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" },
	{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
	{ EINVAL, "EINVAL" }, { ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" },
	{ ENOSYS, "ENOSYS" }, { EBADFD, "EBADFD" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	{ ETIMEDOUT, "ETIMEDOUT" },
};

int igt_main()
{
	igt_subtest("errno-names") {
		for (int i = 0; i < ARRAY_SIZE(known); i++)
			igt_assert_f(!strcmp(igt_errno_name(known[i].err), known[i].name),
				     "errno %d named %s, expected %s\n", known[i].err,
				     igt_errno_name(known[i].err), known[i].name);
	}

	igt_subtest("errno-unknown") {
		igt_assert_eq(strcmp(igt_errno_name(4095), "E?"), 0);
		igt_assert_eq(strcmp(igt_errno_name(0), "E?"), 0);
		igt_assert_eq(strcmp(igt_errno_name(-EINVAL), "E?"), 0);
	}
}
