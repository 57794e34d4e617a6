// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

/**
 * TEST: xprime selftest
 * Category: Infrastructure
 * Description: Subtests with known outcomes for the harness's own
 *	integration test (./xprime check); not part of the suite. One of them
 *	panics the kernel on purpose.
 *
 * SUBTEST: pass
 * Description: Passes.
 *
 * SUBTEST: kernel-panic
 * Description: Dynamic subtests before, panic and after; panic panics the
 *	kernel through /proc/sysrq-trigger, so the harness must record it as a
 *	crash and still run after.
 *
 * SUBTEST: after-panic
 * Description: Passes; runs after the kernel panic, in a fresh boot.
 */

#include <fcntl.h>
#include <unistd.h>

#include "igt.h"

IGT_TEST_DESCRIPTION("Known outcomes for the xprime harness's integration test.");

int igt_main()
{
	igt_describe("Passes.");
	igt_subtest("pass")
		igt_assert(true);

	igt_describe("Panics the kernel in the middle of three dynamic subtests.");
	igt_subtest_with_dynamic("kernel-panic") {
		igt_dynamic("before")
			igt_assert(true);

		igt_dynamic("panic") {
			int fd = open("/proc/sysrq-trigger", O_WRONLY);

			igt_require_f(fd >= 0, "no /proc/sysrq-trigger\n");
			igt_assert_eq(write(fd, "c", 1), 1);
			igt_assert_f(false, "still alive after sysrq c\n");
		}

		igt_dynamic("after")
			igt_assert(true);
	}

	igt_describe("Passes after the panic.");
	igt_subtest("after-panic")
		igt_assert(true);
}
