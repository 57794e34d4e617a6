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
 *
 * SUBTEST: host-escape
 * Description: As the guest's root, tries to reach the host through the
 *	results share (the directory above IGT_FRAME_DUMP_PATH): a setuid-root
 *	and a setgid-root executable, the device nodes of /dev/mem, /dev/sda
 *	and /dev/null, results.json as a symlink to a host file the check made
 *	(ESCAPE_VICTIM) and a link to /etc/shadow, a sparse file and a
 *	truncate of several GiB, then 4 GiB of zeros written, and waits there
 *	for the host to end the boot as a flood. The host checks what is left.
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "igt.h"
#include "igt_pattern.h"

#define MISMATCH_WIDTH	64
#define MISMATCH_HEIGHT	16

/* A host file the check makes; the guest points results.json at it. */
#define ESCAPE_VICTIM	"/tmp/xprime-escape-victim.json"
#define ESCAPE_BIG	(4ull << 30)

static char escape_dir[PATH_MAX / 2];

static const char *escape_path(const char *name)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", escape_dir, name);
	return path;
}

/* Copies this binary to @name, owned by root with the set-id @bits. */
static void escape_setid(const char *name, mode_t bits)
{
	char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY);
	int out = open(escape_path(name), O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ssize_t len;
	int owned, moded;

	igt_assert(in >= 0 && out >= 0);
	while ((len = read(in, buf, sizeof(buf))) > 0)
		igt_assert_eq(write(out, buf, len), len);
	close(in);
	close(out);
	owned = chown(escape_path(name), 0, 0);
	moded = chmod(escape_path(name), 0755 | bits);
	igt_info("%s: chown 0:0 %s, chmod %04o %s\n", name, owned ? "failed" : "done",
		 0755 | bits, moded ? "failed" : "done");
}

static void escape_node(const char *name, mode_t type, unsigned int major,
			unsigned int minor)
{
	int ret = mknod(escape_path(name), type | 0666, makedev(major, minor));

	igt_info("mknod %s %u:%u: %s\n", name, major, minor,
		 ret ? strerror(errno) : "made");
}

static void escape_link(const char *target, const char *name)
{
	unlink(escape_path(name));
	igt_info("symlink %s -> %s: %s\n", name, target,
		 symlink(target, escape_path(name)) ? strerror(errno) : "made");
}

/* Several GiB: sparse, truncated, then written; what the host let through. */
static void escape_big(void)
{
	static char zeros[1 << 20];
	unsigned long long done = 0;
	ssize_t len = 0;
	int fd;

	fd = open(escape_path("escape-sparse"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	igt_assert(fd >= 0);
	len = pwrite(fd, "x", 1, 3ll << 30);
	igt_info("a byte at 3 GiB: %s\n", len == 1 ? "written" : strerror(errno));
	igt_info("truncated to 4 GiB: %s\n",
		 ftruncate(fd, ESCAPE_BIG) ? strerror(errno) : "done");
	close(fd);

	fd = open(escape_path("escape-big"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	igt_assert(fd >= 0);
	while (done < ESCAPE_BIG) {
		len = write(fd, zeros, sizeof(zeros));
		if (len <= 0)
			break;
		done += len;
	}
	igt_info("wrote %llu bytes of zeros: %s\n", done,
		 len < 0 ? strerror(errno) : "no error");
	fsync(fd);
	close(fd);
}

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

	igt_describe("Tries, as the guest's root, to reach the host through the "
		     "results share; waits for the host to end the boot.");
	igt_subtest("host-escape") {
		const char *frames = getenv("IGT_FRAME_DUMP_PATH");

		igt_require_f(frames, "no IGT_FRAME_DUMP_PATH: not under ./xprime\n");
		snprintf(escape_dir, sizeof(escape_dir), "%s", frames);
		dirname(escape_dir);
		igt_info("in %s\n", escape_dir);

		escape_setid("escape-setuid", S_ISUID);
		escape_setid("escape-setgid", S_ISGID);
		escape_node("escape-mem", S_IFCHR, 1, 1);
		escape_node("escape-sda", S_IFBLK, 8, 0);
		/* One whose device every host has (1:1 and 8:0 may be absent). */
		escape_node("escape-null", S_IFCHR, 1, 3);
		escape_link(ESCAPE_VICTIM, "results.json");
		escape_link("/etc/shadow", "escape-shadow");
		sync();
		escape_big();
		/* The host ends the boot here: a flood, with this subtest the culprit. */
		sleep(60);
		igt_assert_f(false, "the host let the guest write on\n");
	}
}
