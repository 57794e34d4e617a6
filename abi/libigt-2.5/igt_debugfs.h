/*
 * Stand-in for IGT's lib/igt_debugfs.h.
 *
 * Declares the generic debugfs helpers of the libigt.so.0 ABI of
 * igt-gpu-tools 2.5.  @device/@fd is an open DRM fd; the files are looked
 * up in that device's /sys/kernel/debug/dri/<minor> directory.
 */

#ifndef __IGT_DEBUGFS_H__
#define __IGT_DEBUGFS_H__

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <xf86drmMode.h>

#include "igt_core.h"

/* Where debugfs is mounted (mounting it if need be), or NULL. */
const char *igt_debugfs_mount(void);

/*
 * Writes the device's debugfs directory into @path; NULL on failure.
 * Asserts that debugfs is mounted.
 */
char *igt_debugfs_path(int device, char *path, int pathlen);

/* O_RDONLY fd of the device's debugfs directory, or -1. */
int igt_debugfs_dir(int device);

/* Opens @filename in that directory with open(2) @mode, or -1. */
int igt_debugfs_open(int fd, const char *filename, int mode);
bool igt_debugfs_exists(int fd, const char *filename, int mode);

/*
 * Read a whole file into @buf (NUL-terminated; left empty if the file
 * cannot be read) or write @size bytes of @buf to it.  Neither reports
 * errors.
 */
void __igt_debugfs_read(int fd, const char *filename, char *buf, int size);
void __igt_debugfs_write(int fd, const char *filename, const char *buf,
			 int size);

/* For a char array @buf, whose size the macros take with sizeof. */
#define igt_debugfs_read(fd, filename, buf) \
	__igt_debugfs_read((fd), (filename), (buf), sizeof(buf))
#define igt_debugfs_write(fd, filename, buf) \
	__igt_debugfs_write((fd), (filename), (buf), sizeof(buf))

/*
 * Reads @filename relative to the directory fd @dir into @buf,
 * NUL-terminated; returns the byte count or -errno.
 */
int igt_debugfs_simple_read(int dir, const char *filename, char *buf,
			    int size);

/* Whether a line of @filename contains @substring; asserts it opens. */
bool igt_debugfs_search(int fd, const char *filename, const char *substring);

/* Logs the contents of @filename at @level. */
void __igt_debugfs_dump(int device, const char *filename, int level);
#define igt_debugfs_dump(d, f) __igt_debugfs_dump((d), (f), IGT_LOG_DEBUG)

#endif /* __IGT_DEBUGFS_H__ */
