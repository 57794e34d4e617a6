/*
 * Stand-in for IGT's lib/igt_core.h.
 *
 * Declares the subset of the libigt.so.0 ABI of igt-gpu-tools 2.5 that the
 * xprime tests use: the subtest machinery, assertions, skips, logging and
 * forking.  Everything here must agree with the library as built by Debian;
 * the control-flow macros expand to the same calls and jump buffers that
 * upstream's macros expand to, or libigt's bookkeeping goes wrong.
 */

#ifndef IGT_CORE_H
#define IGT_CORE_H

#include <assert.h>
#include <byteswap.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#ifndef IGT_LOG_DOMAIN
#define IGT_LOG_DOMAIN (NULL)
#endif

#ifndef __noreturn
#define __noreturn __attribute__((noreturn))
#endif
#ifndef __maybe_unused
#define __maybe_unused __attribute__((unused))
#endif

/* Process exit codes, as understood by igt_runner and piglit. */
#define IGT_EXIT_SUCCESS	0
#define IGT_EXIT_SKIP		77
#define IGT_EXIT_INVALID	79
#define IGT_EXIT_FAILURE	98
#define IGT_EXIT_ABORT		112

/*
 * The library looks this weak symbol up to print --help-description and
 * the header of --describe; a test defines it at most once.
 */
extern const char *__igt_test_description __attribute__((weak));
#define IGT_TEST_DESCRIPTION(str) const char *__igt_test_description = str

/* Unique identifiers for the loop variables hidden inside the macros. */
#define __igt_tokencat2(x, y) x ## y
#define igt_tokencat(x, y) __igt_tokencat2(x, y)
#define igt_unique(prefix) \
	igt_tokencat(igt_tokencat(__igt_unique__, prefix), __LINE__)

/*
 * Jump targets owned by libigt (glibc sigjmp_buf, 200 bytes on x86-64).
 * A failing or skipping fixture/subtest siglongjmp()s to the first, a
 * dynamic subtest to the second.  jmp_buf and sigjmp_buf are one type in
 * glibc.
 */
extern sigjmp_buf igt_subtest_jmpbuf;
extern sigjmp_buf igt_dynamic_jmpbuf;

typedef int (*igt_opt_handler_t)(int opt, int opt_index, void *data);
#define IGT_OPT_HANDLER_SUCCESS	0
#define IGT_OPT_HANDLER_ERROR	-2

int igt_subtest_init_parse_opts(int *argc, char **argv,
				const char *extra_short_opts,
				const struct option *extra_long_opts,
				const char *help_str,
				igt_opt_handler_t extra_opt_handler,
				void *handler_data);
void igt_simple_init_parse_opts(int *argc, char **argv,
				const char *extra_short_opts,
				const struct option *extra_long_opts,
				const char *help_str,
				igt_opt_handler_t extra_opt_handler,
				void *handler_data);

#define igt_subtest_init(argc, argv) \
	igt_subtest_init_parse_opts(&(argc), (argv), NULL, NULL, NULL, NULL, NULL)
#define igt_simple_init(argc, argv) \
	igt_simple_init_parse_opts(&(argc), (argv), NULL, NULL, NULL, NULL, NULL)

/* Internal entry points the control-flow macros below call. */
bool __igt_fixture(void);
void __igt_fixture_complete(void);
__noreturn void __igt_fixture_end(void);
bool __igt_run_subtest(const char *subtest_name, const char *file,
		       const int line);
bool __igt_enter_dynamic_container(void);
bool __igt_run_dynamic_subtest(const char *dynamic_subtest_name);
void __igt_subtest_group_save(int *save, int *desc);
void __igt_subtest_group_restore(int save, int desc);

const char *igt_test_name(void);
const char *igt_subtest_name(void);
const char *igt_dynamic_subtest_name(void);

/* IGT_FRAME_DUMP_PATH from the environment, or NULL: where frames go. */
extern char *igt_frame_dump_path;
bool igt_only_list_subtests(void);
bool igt_can_fail(void);

void igt_success(void);
__noreturn void igt_fail(int exitcode);
__noreturn void igt_exit(void);
__noreturn __attribute__((format(printf, 1, 2)))
void igt_skip(const char *f, ...);
__noreturn __attribute__((format(printf, 5, 6)))
void __igt_skip_check(const char *file, const int line, const char *func,
		      const char *check, const char *format, ...);
__noreturn __attribute__((format(printf, 6, 7)))
void __igt_fail_assert(const char *domain, const char *file, const int line,
		       const char *func, const char *assertion,
		       const char *format, ...);

__attribute__((format(printf, 1, 2)))
void igt_describe_f(const char *fmt, ...);
#define igt_describe(dsc) igt_describe_f("%s", (dsc))

/*
 * Test entry points.  In IGT 2.5 the test spells the return type itself:
 *
 *	int igt_main()
 *	{
 *		...
 *	}
 *
 * The expansion turns that into a declaration of main(), the real main()
 * that parses the options, runs the body and calls igt_exit(), and the
 * head of the static function that holds the body.
 */
#define igt_main_args(short_opts, long_opts, help_str, opt_handler, data) \
	main(int argc, char **argv); \
	static void igt_unique(__real_main)(void); \
	int main(int argc, char **argv) \
	{ \
		igt_subtest_init_parse_opts(&argc, argv, (short_opts), \
					    (long_opts), (help_str), \
					    (opt_handler), (data)); \
		igt_unique(__real_main)(); \
		igt_exit(); \
	} \
	static void igt_unique(__real_main)(void)
#define igt_main() igt_main_args(NULL, NULL, NULL, NULL, NULL)

#define igt_simple_main_args(short_opts, long_opts, help_str, opt_handler, \
			     data) \
	main(int argc, char **argv); \
	static void igt_unique(__real_main)(void); \
	int main(int argc, char **argv) \
	{ \
		igt_simple_init_parse_opts(&argc, argv, (short_opts), \
					   (long_opts), (help_str), \
					   (opt_handler), (data)); \
		igt_unique(__real_main)(); \
		igt_exit(); \
	} \
	static void igt_unique(__real_main)(void)
#define igt_simple_main() igt_simple_main_args(NULL, NULL, NULL, NULL, NULL)

/*
 * Set-up code outside any subtest.  Runs once (and not at all while only
 * listing subtests); a skip or failure inside it jumps back here and marks
 * the rest of the enclosing group.
 */
#define igt_fixture() \
	for (volatile int igt_unique(__fixture) = 0; \
	     igt_unique(__fixture) < 1 && \
	     __igt_fixture() && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_unique(__fixture)++, __igt_fixture_complete())

/* A named subtest; its body runs only when it is selected. */
#define igt_subtest(name) \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) && \
	       sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

#define __igt_subtest_f(tmp, ...) \
	for (char tmp[256]; \
	     snprintf(tmp, sizeof(tmp), __VA_ARGS__), \
	     __igt_run_subtest(tmp, __FILE__, __LINE__) && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())
#define igt_subtest_f(...) \
	__igt_subtest_f(igt_unique(__subtest_name), __VA_ARGS__)

/*
 * A subtest whose results come only from the igt_dynamic() blocks run
 * inside it: it skips if none ran and fails if any failed.
 */
#define igt_subtest_with_dynamic(name) \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) && \
	       __igt_enter_dynamic_container() && \
	       sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

#define __igt_subtest_with_dynamic_f(tmp, ...) \
	for (char tmp[256]; \
	     snprintf(tmp, sizeof(tmp), __VA_ARGS__), \
	     __igt_run_subtest(tmp, __FILE__, __LINE__) && \
	     __igt_enter_dynamic_container() && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())
#define igt_subtest_with_dynamic_f(...) \
	__igt_subtest_with_dynamic_f(igt_unique(__subtest_name), __VA_ARGS__)

#define igt_dynamic(name) \
	for (; __igt_run_dynamic_subtest((name)) && \
	       sigsetjmp(igt_dynamic_jmpbuf, 1) == 0; \
	     igt_success())

#define __igt_dynamic_f(tmp, ...) \
	for (char tmp[256]; \
	     snprintf(tmp, sizeof(tmp), __VA_ARGS__), \
	     __igt_run_dynamic_subtest(tmp) && \
	     sigsetjmp(igt_dynamic_jmpbuf, 1) == 0; \
	     igt_success())
#define igt_dynamic_f(...) \
	__igt_dynamic_f(igt_unique(__dynamic_name), __VA_ARGS__)

/*
 * Scope for fixtures and subtests: a fixture failing inside the group
 * affects only the subtests of the group.  Called with parentheses.
 */
#define igt_subtest_group() \
	for (int igt_unique(__group) = 0, \
		 igt_unique(__group_save) = 0, \
		 igt_unique(__group_desc) = 0; \
	     igt_unique(__group) < 1 && \
	     (__igt_subtest_group_save(&igt_unique(__group_save), \
				       &igt_unique(__group_desc)), true); \
	     igt_unique(__group)++, \
	     __igt_subtest_group_restore(igt_unique(__group_save), \
					 igt_unique(__group_desc)))

/* Assertions: a false condition fails the current (dynamic) subtest. */
#define igt_assert(expr) \
	do { \
		if (!(expr)) \
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, \
					  __func__, #expr, NULL); \
	} while (0)

#define igt_assert_f(expr, ...) \
	do { \
		if (!(expr)) \
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, \
					  __func__, #expr, __VA_ARGS__); \
	} while (0)

#define igt_fail_on(expr) igt_assert(!(expr))
#define igt_fail_on_f(expr, ...) igt_assert_f(!(expr), __VA_ARGS__)

/*
 * Typed comparisons: both operands are converted to @type, compared with
 * @cmp and printed with @fmt (after a cast to @ptype) when @cmp is false.
 */
#define __igt_assert_cmp(type, ptype, fmt, n1, cmp, ncmp, n2) \
	do { \
		type __n1 = (n1), __n2 = (n2); \
		if (!(__n1 cmp __n2)) \
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, \
					  __func__, #n1 " " #cmp " " #n2, \
					  "error: " fmt " " #ncmp " " fmt "\n", \
					  (ptype)__n1, (ptype)__n2); \
	} while (0)

#define igt_assert_cmpint(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(int, int, "%d", n1, cmp, ncmp, n2)
#define igt_assert_cmpuint(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(uint32_t, unsigned int, "%#x", n1, cmp, ncmp, n2)
#define igt_assert_cmps64(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(int64_t, long long, "%lld", n1, cmp, ncmp, n2)
#define igt_assert_cmpu64(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(uint64_t, unsigned long long, "%#llx", \
			 n1, cmp, ncmp, n2)
#define igt_assert_cmpdouble(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(double, double, "%#lf", n1, cmp, ncmp, n2)

#define igt_assert_eq(n1, n2)		igt_assert_cmpint(n1, ==, !=, n2)
#define igt_assert_neq(n1, n2)		igt_assert_cmpint(n1, !=, ==, n2)
#define igt_assert_lt(n1, n2)		igt_assert_cmpint(n1, <, >=, n2)
#define igt_assert_lte(n1, n2)		igt_assert_cmpint(n1, <=, >, n2)
#define igt_assert_eq_u32(n1, n2)	igt_assert_cmpuint(n1, ==, !=, n2)
#define igt_assert_neq_u32(n1, n2)	igt_assert_cmpuint(n1, !=, ==, n2)
#define igt_assert_lt_u32(n1, n2)	igt_assert_cmpuint(n1, <, >=, n2)
#define igt_assert_lte_u32(n1, n2)	igt_assert_cmpuint(n1, <=, >, n2)
#define igt_assert_eq_s64(n1, n2)	igt_assert_cmps64(n1, ==, !=, n2)
#define igt_assert_eq_u64(n1, n2)	igt_assert_cmpu64(n1, ==, !=, n2)
#define igt_assert_neq_u64(n1, n2)	igt_assert_cmpu64(n1, !=, ==, n2)
#define igt_assert_lt_u64(n1, n2)	igt_assert_cmpu64(n1, <, >=, n2)
#define igt_assert_lte_u64(n1, n2)	igt_assert_cmpu64(n1, <=, >, n2)
#define igt_assert_eq_double(n1, n2)	igt_assert_cmpdouble(n1, ==, !=, n2)
#define igt_assert_neq_double(n1, n2)	igt_assert_cmpdouble(n1, !=, ==, n2)

#define igt_assert_cmpptr(n1, cmp, ncmp, n2) \
	do { \
		const void *__p1 = (n1); \
		const void *__p2 = (n2); \
		if (!(__p1 cmp __p2)) \
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, \
					  __func__, #n1 " " #cmp " " #n2, \
					  "error: %p " #ncmp " %p\n", \
					  __p1, __p2); \
	} while (0)
#define igt_assert_eq_ptr(n1, n2)	igt_assert_cmpptr(n1, ==, !=, n2)
#define igt_assert_neq_ptr(n1, n2)	igt_assert_cmpptr(n1, !=, ==, n2)

/*
 * Upstream's expansion of the two fd checks ends in a semicolon of its
 * own; keep that so code that only builds here is not written by mistake.
 */
#define igt_assert_fd(fd) \
	igt_assert_f((fd) >= 0, "file descriptor " #fd " failed\n");

/* Requirements: a failed one skips the current (dynamic) subtest. */
#define igt_skip_check(E, ...) \
	__igt_skip_check(__FILE__, __LINE__, __func__, E, __VA_ARGS__)

#define igt_require(expr) \
	do { \
		if (!(expr)) \
			igt_skip_check(#expr, NULL); \
		else \
			igt_debug("Test requirement passed: %s\n", #expr); \
	} while (0)

#define igt_require_f(expr, ...) \
	do { \
		if (!(expr)) \
			igt_skip_check(#expr, __VA_ARGS__); \
		else \
			igt_debug("Test requirement passed: %s\n", #expr); \
	} while (0)

#define igt_skip_on(expr) \
	do { \
		if (expr) \
			igt_skip_check("!(" #expr ")", NULL); \
		else \
			igt_debug("Test requirement passed: !(%s)\n", #expr); \
	} while (0)

#define igt_skip_on_f(expr, ...) \
	do { \
		if (expr) \
			igt_skip_check("!(" #expr ")", __VA_ARGS__); \
		else \
			igt_debug("Test requirement passed: !(%s)\n", #expr); \
	} while (0)

#define igt_require_fd(fd) \
	igt_require_f((fd) >= 0, "file descriptor " #fd " failed\n");

/* Logging. */
enum igt_log_level {
	IGT_LOG_DEBUG,
	IGT_LOG_INFO,
	IGT_LOG_WARN,
	IGT_LOG_CRITICAL,
	IGT_LOG_NONE,
};

extern enum igt_log_level igt_log_level;

__attribute__((format(printf, 3, 4)))
void igt_log(const char *domain, enum igt_log_level level,
	     const char *format, ...);
__attribute__((format(printf, 3, 0)))
void igt_vlog(const char *domain, enum igt_log_level level,
	      const char *format, va_list args);

#define igt_debug(...)		igt_log(IGT_LOG_DOMAIN, IGT_LOG_DEBUG, __VA_ARGS__)
#define igt_info(...)		igt_log(IGT_LOG_DOMAIN, IGT_LOG_INFO, __VA_ARGS__)
#define igt_warn(...)		igt_log(IGT_LOG_DOMAIN, IGT_LOG_WARN, __VA_ARGS__)
#define igt_critical(...)	igt_log(IGT_LOG_DOMAIN, IGT_LOG_CRITICAL, __VA_ARGS__)

/* Warns when @cond is true; evaluates to @cond. */
#define igt_warn_on(cond) ({ \
	__typeof__(cond) __igt_warn_ret = (cond); \
	if (__igt_warn_ret) \
		igt_warn("Warning on condition %s in function %s, file %s:%i\n", \
			 #cond, __func__, __FILE__, __LINE__); \
	__igt_warn_ret; \
})

#define igt_warn_on_f(cond, ...) ({ \
	__typeof__(cond) __igt_warn_ret = (cond); \
	if (__igt_warn_ret) { \
		igt_warn("Warning on condition %s in function %s, file %s:%i\n", \
			 #cond, __func__, __FILE__, __LINE__); \
		igt_warn(__VA_ARGS__); \
	} \
	__igt_warn_ret; \
})

/* Writes a line to /dev/kmsg; start @format with one of the KMSG_ levels. */
__attribute__((format(printf, 1, 2)))
void igt_kmsg(const char *format, ...);
#define KMSG_EMER	"<0>[IGT] "
#define KMSG_ALERT	"<1>[IGT] "
#define KMSG_CRIT	"<2>[IGT] "
#define KMSG_ERR	"<3>[IGT] "
#define KMSG_WARNING	"<4>[IGT] "
#define KMSG_NOTICE	"<5>[IGT] "
#define KMSG_INFO	"<6>[IGT] "
#define KMSG_DEBUG	"<7>[IGT] "

/*
 * Child processes.  Each child runs the body and exits; the parent must
 * collect them with igt_waitchildren(), which fails the subtest if any
 * child failed.  A skip inside a child counts as a failure.
 */
bool __igt_fork(void);
#define igt_fork(child, num_children) \
	for (int child = 0; child < (num_children); child++) \
		for (; __igt_fork(); exit(0))
int __igt_waitchildren(void);
void igt_waitchildren(void);
void igt_waitchildren_timeout(int seconds, const char *reason);
void igt_kill_children(int signal);

/* Exit handlers run on normal exit and on fatal signals (then sig != 0). */
typedef void (*igt_exit_handler_t)(int sig);
void igt_install_exit_handler(igt_exit_handler_t fn);

/* Timing. */
void igt_set_timeout(unsigned int seconds, const char *op);
void igt_reset_timeout(void);
uint64_t igt_nsec_elapsed(struct timespec *start);

/* Coarse seconds (nsec >> 30) since *start, which is set on first use. */
static inline uint32_t igt_seconds_elapsed(struct timespec *start)
{
	return igt_nsec_elapsed(start) >> 30;
}

#endif /* IGT_CORE_H */
