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

int igt_main()
{
	igt_subtest("errno-names") {
		igt_assert_eq(strcmp(igt_errno_name(ENODEV), "ENODEV"), 0);
		igt_assert_eq(strcmp(igt_errno_name(EINVAL), "EINVAL"), 0);
		igt_assert_eq(strcmp(igt_errno_name(4095), "E?"), 0);
	}
}
