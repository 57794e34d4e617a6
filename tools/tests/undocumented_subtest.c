// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

/**
 * TEST: undocumented subtest
 * Category: Infrastructure
 * Description: Documentation that is wrong in each way tools/testplan.py
 *	--validate must catch; meson test expects the validation to fail.
 *
 * SUBTEST: documented
 * Description: Documented both ways.
 *
 * SUBTEST: no-describe
 * Description: Has this doc comment, but no igt_describe().
 *
 * SUBTEST: not-built
 * Description: Named here, but the binary has no such subtest.
 */

#include "igt.h"

IGT_TEST_DESCRIPTION("Documentation faults for tools/testplan.py --validate.");

int igt_main()
{
	igt_describe("Documented both ways.");
	igt_subtest("documented")
		igt_assert(true);

	igt_subtest("no-describe")
		igt_assert(true);

	igt_describe("Has igt_describe(), but no SUBTEST: doc comment.");
	igt_subtest("no-doc-comment")
		igt_assert(true);
}
