/*
 * Stand-in for IGT's lib/igt_aux.h, reduced to the timed loops and
 * DIV_ROUND_UP().
 *
 * Declares that part of the libigt.so.0 ABI of igt-gpu-tools 2.5; both
 * loops are built on igt_nsec_elapsed() from igt_core.h.
 */

#ifndef IGT_AUX_H
#define IGT_AUX_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* Runs the body at least once, then again until @timeout seconds passed. */
#define igt_until_timeout(timeout) \
	for (struct timespec t__ = {}; igt_seconds_elapsed(&t__) < (timeout); )

/* As igt_until_timeout(), in (coarse, nsec >> 20) milliseconds. */
#define igt_for_milliseconds(t) \
	for (struct timespec t__ = {}; igt_nsec_elapsed(&t__) >> 20 < (t); )

/* @n / @d, rounded up. */
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

#endif /* IGT_AUX_H */
