// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

/**
 * TEST: xprime selftest
 * Category: Infrastructure
 * Description: Subtests with known outcomes for the harness's own
 *	integration test (./xprime check); not part of the suite. Two of them
 *	take the kernel down on purpose: a panic and a stall.
 *
 * SUBTEST: pass
 * Description: Passes.
 *
 * SUBTEST: kernel-panic
 * Description: Dynamic subtests before, panic and after; panic panics the
 *	kernel through /proc/sysrq-trigger, so the harness must record it as a
 *	crash and still run after.
 *
 * SUBTEST: kernel-stall
 * Description: Dynamic subtests before, stall and after; stall spins in the
 *	kernel with preemption off (LKDTM's SOFTLOCKUP) until the kernel's
 *	lockup detectors report it, so the harness must record it as a crash
 *	with that report and still run after. Skips without LKDTM.
 *
 * SUBTEST: after-panic
 * Description: Passes; runs after the kernel panic, in a fresh boot.
 *
 * SUBTEST: mismatch
 * Description: Fails on purpose: a buffer whose row 5 holds row 3 is checked
 *	against its pattern, so the harness must find the expected, actual and
 *	diff PNGs and the offsets, first at (0, 5) holding the pixel of (0, 3).
 */

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "igt.h"
#include "igt_pattern.h"

#define MISMATCH_WIDTH	64
#define MISMATCH_HEIGHT	16

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

	igt_describe("Stalls the kernel in the middle of three dynamic subtests.");
	igt_subtest_with_dynamic("kernel-stall") {
		igt_dynamic("before")
			igt_assert(true);

		igt_dynamic("stall") {
			int fd = open("/sys/kernel/debug/provoke-crash/DIRECT", O_WRONLY);
			int thresh = open("/proc/sys/kernel/watchdog_thresh", O_WRONLY);

			igt_require_f(fd >= 0, "no LKDTM (CONFIG_LKDTM) in this kernel\n");
			/*
			 * The watchdog's shortest threshold: the soft lockup
			 * is reported after 2 s of spinning, not 20 s.
			 */
			igt_assert(thresh >= 0);
			igt_assert_eq(write(thresh, "1", 1), 1);
			igt_assert_eq(write(fd, "SOFTLOCKUP", 10), 10);
			igt_assert_f(false, "still running after LKDTM's SOFTLOCKUP\n");
		}

		igt_dynamic("after")
			igt_assert(true);
	}

	igt_describe("Passes after the panic.");
	igt_subtest("after-panic")
		igt_assert(true);

	igt_describe("Fails with images: a row copied over another.");
	igt_subtest("mismatch") {
		static uint32_t buf[MISMATCH_WIDTH * MISMATCH_HEIGHT];
		const uint32_t row = MISMATCH_WIDTH * 4;

		igt_pattern_fill(buf, row, MISMATCH_WIDTH, MISMATCH_HEIGHT, 1);
		memcpy((char *)buf + 5 * row, (char *)buf + 3 * row, row);
		igt_assert_pattern(buf, row, MISMATCH_WIDTH, MISMATCH_HEIGHT, 1,
				   "selftest buffer");
	}
}
