// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

/**
 * TEST: vmware svga hostile
 * Category: Infrastructure
 * Description: QEMU's vmware-svga with guest-backed objects (the stdu
 *	machine) driven by a hostile guest root: vmwgfx is unbound (left
 *	bound and idle on Linux 6.10 to 6.x, whose vmwgfx oopses when it
 *	unbinds), the test
 *	programs the device itself through its I/O ports, its FIFO and guest
 *	pages it locked, sends what no driver would, then checks by content
 *	that the device still works (a pattern through two MOBs and a surface
 *	copy, and a fence). Not part of the suite: ./xprime check runs it on a
 *	boot of its own (harness/xprime/hostile.py).
 *
 * SUBTEST: bring-up
 * Description: The content check alone: two MOBs, two surfaces, a pattern
 *	updated into one, copied to the other and read back, and a fence
 *	that the FIFO fence register shows within a bounded time.
 *
 * SUBTEST: surface-dimensions
 * Description: Surfaces of 2^31 x 2^31 (whose size wraps to 0), 65536 x
 *	65536, 8193 x 1 and 0 x 1, each followed by an update, a read-back and
 *	a surface copy of small boxes on it; the device must refuse them all.
 *
 * SUBTEST: box-bounds
 * Description: Negative, wrapping (x + w past 2^32), past the surface and
 *	zero-sized boxes in UPDATE_GB_IMAGE, READBACK_GB_IMAGE_PARTIAL (plain
 *	and inverted) and SURFACE_COPY: the surface and the MOB keep their
 *	contents.
 *
 * SUBTEST: fifo-bad-size
 * Description: SVGA3D commands whose size is not a multiple of 4 or is
 *	larger than the FIFO, and a command whose size word (then body) is
 *	not yet before NEXT: the device drops the first, waits for the rest of
 *	the second.
 *
 * SUBTEST: fifo-bad-command
 * Description: An unknown command id, an unimplemented SVGA3D id and legacy
 *	commands whose sizes come from the FIFO (alpha cursors of 65535 x
 *	65535, 256 x 256 and of negative size): the device drops the queue and keeps
 *	reading after NEXT.
 *
 * SUBTEST: fifo-zero-ring
 * Description: A ring full of zero words (SVGA_CMD_INVALID_CMD), NEXT one
 *	word behind STOP; then one zero word before NEXT and stale fences after
 *	it, which the device must not run.
 *
 * SUBTEST: fifo-pointers-outside
 * Description: NEXT and STOP outside [MIN, MAX) (in the FIFO's registers,
 *	past MAX): the device must not read commands from there.
 *
 * SUBTEST: fifo-min-below-fence
 * Description: A FIFO whose MIN is below the FENCE register: the device must
 *	write neither the FIFO capabilities nor a fence into the ring; fences
 *	are then seen in the IRQ status port.
 *
 * SUBTEST: legacy-2d-on-screen-target
 * Description: SVGA_CMD_UPDATE, RECT_FILL and RECT_COPY with rectangles up to
 *	4096 x 4096 while screen target 0 (4096 x 4096, a surface bound) is
 *	shown: the device must not address VRAM with the screen target's
 *	geometry.
 *
 * SUBTEST: page-tables
 * Description: MOBs of every page table format (PT_0, PT_1, PT_2, RANGE and
 *	the 64-bit ones) with entries past guest RAM, a table pointing at
 *	itself, a depth-2 table whose second level is garbage and sizes past
 *	the table's capacity, each backing a surface updated and read back.
 *
 * SUBTEST: lifetimes
 * Description: A MOB destroyed while bound to a surface, then the surface
 *	updated and read back; a surface destroyed while bound to screen
 *	target 0, then the screen target updated; a bound surface redefined
 *	with another size.
 *
 * SUBTEST: id-limits
 * Description: MOB and surface ids at and past 65536: the last id works, the
 *	ones past it are refused.
 *
 * SUBTEST: surface-budget
 * Description: 64 MiB surfaces defined until the device refuses one: it
 *	bounds them at 256 MiB in all; each never-written surface reads back
 *	as zeros.
 *
 * SUBTEST: work-surface-copy
 * Description: One SURFACE_COPY with as many boxes as the FIFO holds (about
 *	1800), each of a whole 64 MiB surface: each doorbell must come back
 *	within a bounded time, the guest must keep running meanwhile (a
 *	spinning thread's clock must not stand still as long) and the fence
 *	after the copy must signal.
 *
 * SUBTEST: work-cond-bind
 * Description: COND_BIND_GB_SURFACE of a 64 MiB surface with read-back and
 *	update, many times in one doorbell: bounded doorbells, the fence after
 *	it signals.
 *
 * SUBTEST: work-screen-targets
 * Description: Screen target 0 defined (4096 x 4096), bound to a 64 MiB
 *	surface and updated, many times in one doorbell: bounded doorbells,
 *	the fence after it signals.
 *
 * SUBTEST: random-commands
 * Description: Seeded streams of random commands: MOBs, surfaces, boxes,
 *	copies, screen targets and object tables with values at and past the
 *	device's limits, bodies too short and too long, unknown ids and legacy
 *	commands. Page tables point only at the test's own pages or past guest
 *	RAM. A seed's stream is the same on every run (dynamic subtest
 *	seed-N replays it); the device must run each command to its end,
 *	signal a fence every 32 and pass the content check after the stream.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "igt.h"

IGT_TEST_DESCRIPTION("QEMU's vmware-svga driven by a hostile guest root.");

#define PCI_DEVICES		"/sys/bus/pci/devices"
#define VMWGFX_UNBIND		"/sys/bus/pci/drivers/vmwgfx/unbind"
#define VMW_VENDOR		0x15ad
#define VMW_SVGA2		0x0405

#define PAGE			4096u

/* Registers (index/value ports at BAR0 + 0 and + 1, IRQ status at + 8). */
#define SVGA_INDEX		0
#define SVGA_VALUE		1
#define SVGA_IRQSTATUS		8
#define SVGA_ID_2		0x90000002u
#define REG_ID			0
#define REG_ENABLE		1
#define REG_WIDTH		2
#define REG_HEIGHT		3
#define REG_CAPABILITIES	17
#define REG_CONFIG_DONE		20
#define REG_SYNC		21
#define REG_BUSY		22
#define REG_GUEST_ID		23
#define REG_IRQMASK		33
#define CAP_GBOBJECTS		(1u << 27)
#define IRQ_ANY_FENCE		(1u << 0)
#define IRQ_FIFO_PROGRESS	(1u << 1)
#define IRQ_FENCE_GOAL		(1u << 2)

/* FIFO registers, in words. */
#define FIFO_MIN		0
#define FIFO_MAX		1
#define FIFO_NEXT		2
#define FIFO_STOP		3
#define FIFO_CAPABILITIES	4
#define FIFO_FENCE		6
#define FIFO_NUM_REGS		293
#define FIFO_CAP_FENCE		(1u << 0)

/* Commands. */
#define CMD_INVALID		0
#define CMD_UPDATE		1
#define CMD_RECT_FILL		2
#define CMD_RECT_COPY		3
#define CMD_DEFINE_ALPHA_CURSOR	22
#define CMD_FENCE		30
#define CMD3_SURFACE_COPY	1042
#define CMD3_DEFINE_GB_MOB	1093
#define CMD3_DESTROY_GB_MOB	1094
#define CMD3_DEFINE_GB_SURFACE	1097
#define CMD3_DESTROY_GB_SURFACE	1098
#define CMD3_BIND_GB_SURFACE	1099
#define CMD3_COND_BIND		1100
#define CMD3_UPDATE_GB_IMAGE	1101
#define CMD3_READBACK_GB_IMAGE	1103
#define CMD3_DEFINE_GB_ST	1124
#define CMD3_DESTROY_GB_ST	1125
#define CMD3_BIND_GB_ST		1126
#define CMD3_UPDATE_GB_ST	1127
#define CMD3_READBACK_PARTIAL	1128
#define CMD3_DEFINE_GB_MOB64	1135
#define CMD3_UNIMPLEMENTED	1200

#define PT_0			0
#define PT_1			1
#define PT_2			2
#define PT_RANGE		3
#define PT64_0			4
#define PT64_1			5
#define PT64_2			6

#define FMT_X8R8G8B8		1
#define ID_INVALID		0xffffffffu
#define COND_READBACK		(1u << 0)
#define COND_UPDATE		(1u << 1)

/* The content check's objects, out of the way of the subtests' ids. */
#define CHK_A			64000
#define CHK_B			64001
#define CHK_W			64
#define CHK_H			32
#define CHK_BYTES		(CHK_W * CHK_H * 4)

/* Bounded waits, in seconds: TCG is slow, a dead device is not. */
#define FENCE_TIMEOUT		30.0
#define WORK_TIMEOUT		300.0
/* The longest one doorbell (SVGA_REG_SYNC write) may take. */
#define DOORBELL_MAX		3.0

/* Guest pages, locked, with their physical frame numbers. */
struct dma_pages {
	uint8_t *cpu;
	uint64_t *pfn;
	unsigned int count;
};

#define PATH_LEN		512

static struct {
	char path[PATH_LEN];
	uint16_t io;
	volatile uint32_t *fifo;
	size_t fifo_size;
	uint32_t min, max;
	uint32_t seq;
	bool fence_reg;
	double longest_sync;
	/* Where vmwgfx had BAR2 and its FIFO, while it stays bound */
	uint32_t bar2;
	uint32_t found[4];
	uint32_t found_irqmask;
	struct dma_pages chk;
} svga;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void reg_write(uint32_t index, uint32_t value)
{
	outl(index, svga.io + SVGA_INDEX);
	outl(value, svga.io + SVGA_VALUE);
}

static uint32_t reg_read(uint32_t index)
{
	outl(index, svga.io + SVGA_INDEX);
	return inl(svga.io + SVGA_VALUE);
}

static uint32_t irq_status(void)
{
	return inl(svga.io + SVGA_IRQSTATUS);
}

static void irq_clear(void)
{
	outl(IRQ_ANY_FENCE | IRQ_FIFO_PROGRESS | IRQ_FENCE_GOAL,
	     svga.io + SVGA_IRQSTATUS);
}

/* The doorbell; the longest time one write of it took is kept. */
static void doorbell(void)
{
	double start, took;

	outl(REG_SYNC, svga.io + SVGA_INDEX);
	start = now();
	outl(1, svga.io + SVGA_VALUE);
	took = now() - start;
	if (took > svga.longest_sync)
		svga.longest_sync = took;
}

static int sysfs_read(const char *dir, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	got = read(fd, buf, len - 1);
	close(fd);
	if (got < 0)
		return -errno;
	buf[got] = '\0';
	return 0;
}

static unsigned long sysfs_hex(const char *dir, const char *name)
{
	char buf[64];

	if (sysfs_read(dir, name, buf, sizeof(buf)))
		return ULONG_MAX;
	return strtoul(buf, NULL, 16);
}

/* The vmware-svga device's sysfs directory, or -ENODEV. */
static int __find_device(char *path, size_t len)
{
	struct dirent *de;
	DIR *dir;
	int ret = -ENODEV;

	dir = opendir(PCI_DEVICES);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char dev[PATH_LEN];

		if (de->d_name[0] == '.')
			continue;
		if (strlen(de->d_name) > 64)
			continue;
		snprintf(dev, sizeof(dev), "%s/%s", PCI_DEVICES, de->d_name);
		if (sysfs_hex(dev, "vendor") == VMW_VENDOR &&
		    sysfs_hex(dev, "device") == VMW_SVGA2) {
			snprintf(path, len, "%s", dev);
			ret = 0;
			break;
		}
	}
	closedir(dir);
	return ret;
}

/*
 * Whether unbinding vmwgfx oopses: from Linux 6.10 (its virtual vblank)
 * until 7.x, vmw_vkms_crtc_cleanup() cancels the display unit's hrtimer,
 * which only a virtual vblank initialises (Debian's 6.12: a NULL pointer
 * dereference in hrtimer_active() under vmw_du_cleanup(); 7.2 cancels it
 * only when it is in use).
 */
static bool unbind_oopses(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	igt_assert_eq(uname(&u), 0);
	sscanf(u.release, "%d.%d", &major, &minor);
	return major == 6 && minor >= 10;
}

/*
 * Unbind vmwgfx from the device if it is bound; where that oopses, leave
 * it bound: with no client it sends the device nothing, and the test
 * takes the device over as it finds it (interrupts masked, the FIFO
 * moved: map_fifo()).
 */
static void unbind_vmwgfx(void)
{
	char link[PATH_MAX], target[PATH_MAX];
	const char *addr = strrchr(svga.path, '/') + 1;
	ssize_t len;
	int fd;

	snprintf(link, sizeof(link), "%s/driver", svga.path);
	len = readlink(link, target, sizeof(target) - 1);
	if (len < 0)
		return;
	target[len] = '\0';
	igt_assert_f(strstr(target, "/vmwgfx"), "vmware-svga is bound to %s\n",
		     target);
	if (unbind_oopses()) {
		igt_info("vmwgfx left bound: its unbind oopses on this "
			 "kernel\n");
		return;
	}
	fd = open(VMWGFX_UNBIND, O_WRONLY);
	igt_assert_fd(fd);
	igt_assert_eq(write(fd, addr, strlen(addr)), (int)strlen(addr));
	close(fd);
	igt_info("vmwgfx unbound from %s\n", addr);
}

/* I/O, memory and bus mastering on, in the command register. */
static void enable_device(void)
{
	char path[PATH_MAX];
	uint16_t cmd;
	int fd;

	snprintf(path, sizeof(path), "%s/config", svga.path);
	fd = open(path, O_RDWR);
	igt_assert_fd(fd);
	igt_assert_eq(pread(fd, &cmd, 2, 4), 2);
	cmd |= 0x7;
	igt_assert_eq(pwrite(fd, &cmd, 2, 4), 2);
	close(fd);
}

/*
 * A free, 64 KiB aligned range of @size in a window of the root PCI bus
 * below 4 GiB, from /proc/iomem, or 0.
 */
static uint64_t free_pci_range(uint64_t size)
{
	struct { uint64_t start, end; } used[256];
	uint64_t win_start = 0, win_end = 0, at = 0;
	int n = 0, i;
	char line[256];
	FILE *f;

	f = fopen("/proc/iomem", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end;
		int depth = strspn(line, " ") / 2;

		if (sscanf(line + depth * 2, "%llx-%llx", &start, &end) != 2)
			continue;
		if (depth == 0) {
			if (at)
				break;
			if (strstr(line, "PCI Bus 0000:00") && end < (1ull << 32) &&
			    end - start + 1 >= 16 * size) {
				win_start = start;
				win_end = end;
				at = 1;
			}
		} else if (at && depth == 1 && n < ARRAY_SIZE(used)) {
			used[n].start = start;
			used[n].end = end;
			n++;
		}
	}
	fclose(f);
	if (!at)
		return 0;
	for (at = ((win_end + 1) & ~(size - 1)) - size; at >= win_start;
	     at -= size) {
		for (i = 0; i < n; i++)
			if (at <= used[i].end && at + size - 1 >= used[i].start)
				break;
		if (i == n)
			return at;
	}
	return 0;
}

/*
 * The FIFO (BAR2) mapped: from sysfs' resource2, or, while vmwgfx holds
 * the BAR (its region is exclusive), moved to a free range of the PCI bus
 * through the BAR register and mapped from /dev/mem there. vmwgfx keeps
 * its mapping of the old address, which then reaches nothing.
 */
static void *map_fifo(void)
{
	char path[PATH_MAX];
	uint32_t bar;
	uint64_t at;
	void *ptr;
	int fd;

	snprintf(path, sizeof(path), "%s/resource2", svga.path);
	fd = open(path, O_RDWR | O_SYNC);
	igt_assert_fd(fd);
	ptr = mmap(NULL, svga.fifo_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, 0);
	close(fd);
	if (ptr != MAP_FAILED)
		return ptr;

	snprintf(path, sizeof(path), "%s/config", svga.path);
	fd = open(path, O_RDWR);
	igt_assert_fd(fd);
	igt_assert_eq(pread(fd, &bar, 4, 0x18), 4);
	at = bar & ~0xfu;
	{
		char buf[256];
		unsigned long long start;

		igt_assert_eq(sysfs_read(svga.path, "resource", buf,
					 sizeof(buf)), 0);
		/* The third line: BAR2 as the kernel assigned it. */
		igt_assert(strchr(buf, '\n') && strchr(strchr(buf, '\n') + 1, '\n'));
		start = strtoull(strchr(strchr(buf, '\n') + 1, '\n') + 1, NULL, 16);
		if (at == start) {
			at = free_pci_range(svga.fifo_size);
			igt_assert_f(at, "no free range on the PCI bus for the "
				     "FIFO\n");
			svga.bar2 = bar;
			bar = (bar & 0xfu) | at;
			igt_assert_eq(pwrite(fd, &bar, 4, 0x18), 4);
			igt_info("FIFO (BAR2) moved from %#llx to %#" PRIx64
				 " (vmwgfx holds its region)\n", start, at);
		}
	}
	close(fd);
	fd = open("/dev/mem", O_RDWR | O_SYNC);
	igt_assert_fd(fd);
	ptr = mmap(NULL, svga.fifo_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, at);
	igt_assert_f(ptr != MAP_FAILED, "mmap of /dev/mem at %#" PRIx64
		     ": %m\n", at);
	close(fd);
	return ptr;
}

/* Give the device back to vmwgfx as it had it: its FIFO, at its BAR2. */
static void give_back(int sig)
{
	char path[PATH_MAX];
	int fd, i;

	if (!svga.bar2)
		return;
	reg_write(REG_CONFIG_DONE, 0);
	for (i = 0; i < 4; i++)
		svga.fifo[i] = svga.found[i];
	svga.fifo[FIFO_NEXT] = svga.found[FIFO_STOP];
	reg_write(REG_CONFIG_DONE, 1);
	reg_write(REG_IRQMASK, svga.found_irqmask);
	snprintf(path, sizeof(path), "%s/config", svga.path);
	fd = open(path, O_RDWR);
	if (fd >= 0) {
		if (pwrite(fd, &svga.bar2, 4, 0x18) == 4)
			svga.bar2 = 0;
		close(fd);
	}
}

static void map_bars(void)
{
	char buf[256];
	unsigned long long start, end, flags;

	igt_assert_eq(sysfs_read(svga.path, "resource", buf, sizeof(buf)), 0);
	igt_assert_eq(sscanf(buf, "%llx %llx %llx", &start, &end, &flags), 3);
	igt_assert_f(flags & 0x100, "BAR0 is not an I/O BAR: flags %#llx\n",
		     flags);
	svga.io = start;
	igt_assert_f(ioperm(svga.io, 16, 1) == 0, "ioperm(%#x): %m\n", svga.io);
	svga.fifo_size = 64 * 1024;
	svga.fifo = map_fifo();
	if (svga.bar2) {
		memcpy(svga.found, (void *)svga.fifo, sizeof(svga.found));
		outl(REG_IRQMASK, svga.io + SVGA_INDEX);
		svga.found_irqmask = inl(svga.io + SVGA_VALUE);
		igt_install_exit_handler(give_back);
	}
}

/* @count locked pages and their frame numbers (from /proc/self/pagemap). */
static int __dma_alloc(struct dma_pages *m, unsigned int count)
{
	int fd, i;

	m->count = count;
	m->cpu = mmap(NULL, (size_t)count * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (m->cpu == MAP_FAILED)
		return -errno;
	memset(m->cpu, 0, (size_t)count * PAGE);
	if (mlock(m->cpu, (size_t)count * PAGE))
		return -errno;
	m->pfn = calloc(count, sizeof(*m->pfn));
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return -errno;
	for (i = 0; i < count; i++) {
		uint64_t entry;
		off_t off = ((uintptr_t)m->cpu / PAGE + i) * 8;

		if (pread(fd, &entry, 8, off) != 8) {
			close(fd);
			return -EIO;
		}
		/* Present, and a frame number (0 without CAP_SYS_ADMIN). */
		if (!(entry >> 63) || !(entry & ((1ull << 55) - 1))) {
			close(fd);
			return -EPERM;
		}
		m->pfn[i] = entry & ((1ull << 55) - 1);
	}
	close(fd);
	return 0;
}

static void dma_alloc(struct dma_pages *m, unsigned int count)
{
	int ret = __dma_alloc(m, count);

	igt_assert_f(ret == 0, "%u locked pages with frame numbers: %s\n",
		     count, strerror(-ret));
}

static uint8_t *dma_page(struct dma_pages *m, unsigned int i)
{
	igt_assert(i < m->count);
	return m->cpu + (size_t)i * PAGE;
}

static uint32_t *dma_words(struct dma_pages *m, unsigned int i)
{
	return (uint32_t *)dma_page(m, i);
}

/* FIFO: words between STOP and NEXT are the device's, the rest ours. */
static uint32_t ring_words(void)
{
	return (svga.max - svga.min) / 4;
}

static uint32_t fifo_free(void)
{
	uint32_t next = svga.fifo[FIFO_NEXT], stop = svga.fifo[FIFO_STOP];
	uint32_t used = (next + (svga.max - svga.min) - stop) %
			(svga.max - svga.min);

	return ring_words() - used / 4 - 1;
}

static bool fifo_idle(void)
{
	return svga.fifo[FIFO_NEXT] == svga.fifo[FIFO_STOP];
}

/* Wait (ringing) until the device has read all; false after @timeout. */
static bool __fifo_drain(double timeout)
{
	double end = now() + timeout, rung = 0;

	while (!fifo_idle()) {
		if (now() > end)
			return false;
		if (now() - rung > 0.1) {
			doorbell();
			rung = now();
		}
		usleep(1000);
	}
	return true;
}

static void fifo_drain(const char *what)
{
	igt_assert_f(__fifo_drain(FENCE_TIMEOUT),
		     "%s: the device stopped reading the FIFO: STOP at %u, "
		     "NEXT at %u after %.0f s\n", what, svga.fifo[FIFO_STOP],
		     svga.fifo[FIFO_NEXT], FENCE_TIMEOUT);
}

/* Raw words at NEXT, NEXT moved past them (the ring wraps at MAX). */
static void fifo_put(const uint32_t *w, uint32_t n)
{
	double end = now() + FENCE_TIMEOUT, rung = 0;
	uint32_t pos, i;

	igt_assert_f(n < ring_words(), "%u words do not fit the ring\n", n);
	while (fifo_free() < n) {
		igt_assert_f(now() < end,
			     "the device stopped reading the FIFO: STOP at "
			     "%u, NEXT at %u, %u words wanted\n",
			     svga.fifo[FIFO_STOP], svga.fifo[FIFO_NEXT], n);
		if (now() - rung > 0.1) {
			doorbell();
			rung = now();
		}
		usleep(1000);
	}
	pos = svga.fifo[FIFO_NEXT];
	for (i = 0; i < n; i++) {
		svga.fifo[pos / 4] = w[i];
		pos += 4;
		if (pos >= svga.max)
			pos = svga.min;
	}
	__sync_synchronize();
	svga.fifo[FIFO_NEXT] = pos;
}

/* An SVGA3D command: id, size in bytes, body. */
static void cmd3(uint32_t id, const uint32_t *body, uint32_t words)
{
	uint32_t *w = malloc((words + 2) * 4);

	w[0] = id;
	w[1] = words * 4;
	memcpy(w + 2, body, words * 4);
	fifo_put(w, words + 2);
	free(w);
}

#define CMD3(id, ...) do { \
	const uint32_t __body[] = { __VA_ARGS__ }; \
	cmd3((id), __body, sizeof(__body) / 4); \
} while (0)

static void define_mob(uint32_t id, uint32_t depth, uint32_t base_pfn,
		       uint32_t size)
{
	CMD3(CMD3_DEFINE_GB_MOB, id, depth, base_pfn, size);
}

static void define_mob64(uint32_t id, uint32_t depth, uint64_t base_pfn,
			 uint32_t size)
{
	CMD3(CMD3_DEFINE_GB_MOB64, id, depth, (uint32_t)base_pfn,
	     (uint32_t)(base_pfn >> 32), size);
}

static void define_surface(uint32_t sid, uint32_t width, uint32_t height)
{
	/* sid, flags, format, mips, samples, filter, width, height, depth */
	CMD3(CMD3_DEFINE_GB_SURFACE, sid, 0, FMT_X8R8G8B8, 1, 0, 0, width,
	     height, 1);
}

static void bind_surface(uint32_t sid, uint32_t mob)
{
	CMD3(CMD3_BIND_GB_SURFACE, sid, mob);
}

static void update_image(uint32_t sid, uint32_t x, uint32_t y, uint32_t w,
			 uint32_t h)
{
	/* image (sid, face, mip), box (x, y, z, w, h, d) */
	CMD3(CMD3_UPDATE_GB_IMAGE, sid, 0, 0, x, y, 0, w, h, 1);
}

static void readback_image(uint32_t sid)
{
	CMD3(CMD3_READBACK_GB_IMAGE, sid, 0, 0);
}

static void readback_partial(uint32_t sid, uint32_t x, uint32_t y,
			     uint32_t w, uint32_t h, uint32_t invert)
{
	CMD3(CMD3_READBACK_PARTIAL, sid, 0, 0, x, y, 0, w, h, 1, invert);
}

/* One box: to (x, y), from (sx, sy), w x h. */
static void surface_copy(uint32_t src, uint32_t dst, uint32_t x, uint32_t y,
			 uint32_t w, uint32_t h, uint32_t sx, uint32_t sy)
{
	CMD3(CMD3_SURFACE_COPY, src, 0, 0, dst, 0, 0,
	     x, y, 0, w, h, 1, sx, sy, 0);
}

static void destroy_surface(uint32_t sid)
{
	CMD3(CMD3_DESTROY_GB_SURFACE, sid);
}

static void destroy_mob(uint32_t id)
{
	CMD3(CMD3_DESTROY_GB_MOB, id);
}

/* A fence after what is queued; the doorbell rung. */
static uint32_t fence_emit(void)
{
	uint32_t w[2] = { CMD_FENCE, ++svga.seq };

	if (!svga.seq)
		w[1] = ++svga.seq;
	irq_clear();
	fifo_put(w, 2);
	doorbell();
	return w[1];
}

static bool fence_passed(uint32_t seq)
{
	if (svga.fence_reg)
		return (int32_t)(svga.fifo[FIFO_FENCE] - seq) >= 0;
	return irq_status() & IRQ_ANY_FENCE;
}

/*
 * Wait for @seq without ringing again: a device that carries work on
 * beyond one doorbell must do so by itself.
 */
static int __fence_wait(uint32_t seq, double timeout)
{
	double end = now() + timeout;

	while (!fence_passed(seq)) {
		if (now() > end)
			return -ETIMEDOUT;
		usleep(1000);
	}
	return 0;
}

static void fence_sync(const char *what, double timeout)
{
	uint32_t seq = fence_emit();

	igt_assert_f(__fence_wait(seq, timeout) == 0,
		     "%s: the device did not signal fence %u within %.0f s "
		     "(fence register %u, IRQ status %#x, FIFO STOP %u NEXT "
		     "%u, busy %u)\n", what, seq, timeout,
		     svga.fifo[FIFO_FENCE], irq_status(),
		     svga.fifo[FIFO_STOP], svga.fifo[FIFO_NEXT],
		     reg_read(REG_BUSY));
}

/* FIFO at [@min, 64 KiB), empty; the device configured and enabled. */
static void svga_init(uint32_t min)
{
	reg_write(REG_ID, SVGA_ID_2);
	igt_assert_eq_u32(reg_read(REG_ID), SVGA_ID_2);
	igt_require_f(reg_read(REG_CAPABILITIES) & CAP_GBOBJECTS,
		      "vmware-svga without guest-backed objects\n");
	reg_write(REG_IRQMASK, 0);
	reg_write(REG_CONFIG_DONE, 0);
	svga.min = min;
	svga.max = svga.fifo_size;
	svga.fifo[FIFO_MIN] = svga.min;
	svga.fifo[FIFO_MAX] = svga.max;
	svga.fifo[FIFO_NEXT] = svga.min;
	svga.fifo[FIFO_STOP] = svga.min;
	if (min > FIFO_FENCE * 4)
		svga.fifo[FIFO_FENCE] = svga.seq;
	reg_write(REG_GUEST_ID, 0x5010);
	reg_write(REG_WIDTH, 800);
	reg_write(REG_HEIGHT, 600);
	reg_write(REG_ENABLE, 1);
	reg_write(REG_CONFIG_DONE, 1);
	svga.fence_reg = min > FIFO_FENCE * 4 &&
			 (svga.fifo[FIFO_CAPABILITIES] & FIFO_CAP_FENCE);
	irq_clear();
}

static void fill_pattern(uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t *w = (uint32_t *)p;
	size_t i;

	for (i = 0; i < len / 4; i++)
		w[i] = (seed * 0x9e3779b9u) ^ (i * 0x01000193u) ^ 0x5a000000u;
}

static void compare(const char *what, const uint8_t *got,
		    const uint8_t *want, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		igt_assert_f(got[i] == want[i],
			     "%s: byte %zu is 0x%02x, expected 0x%02x\n",
			     what, i, got[i], want[i]);
}

/*
 * The device still works: a pattern updated into one surface from a MOB
 * (PT_1), copied by the device to a second surface, read back into a
 * second MOB, compared byte for byte after a fence.
 */
static void device_works(const char *after)
{
	static uint32_t round;
	struct dma_pages *m = &svga.chk;
	uint8_t want[CHK_BYTES];
	char what[256];

	snprintf(what, sizeof(what), "after %s: the content check", after);
	fill_pattern(want, CHK_BYTES, ++round);
	memcpy(dma_page(m, 0), want, CHK_BYTES);
	memset(dma_page(m, 2), 0xa5, CHK_BYTES);
	dma_words(m, 4)[0] = m->pfn[0];
	dma_words(m, 4)[1] = m->pfn[1];
	dma_words(m, 5)[0] = m->pfn[2];
	dma_words(m, 5)[1] = m->pfn[3];

	define_mob(CHK_A, PT_1, m->pfn[4], CHK_BYTES);
	define_mob(CHK_B, PT_1, m->pfn[5], CHK_BYTES);
	define_surface(CHK_A, CHK_W, CHK_H);
	define_surface(CHK_B, CHK_W, CHK_H);
	bind_surface(CHK_A, CHK_A);
	bind_surface(CHK_B, CHK_B);
	update_image(CHK_A, 0, 0, CHK_W, CHK_H);
	surface_copy(CHK_A, CHK_B, 0, 0, CHK_W, CHK_H, 0, 0);
	readback_image(CHK_B);
	fence_sync(what, FENCE_TIMEOUT);
	compare(what, dma_page(m, 2), want, CHK_BYTES);

	destroy_surface(CHK_A);
	destroy_surface(CHK_B);
	destroy_mob(CHK_A);
	destroy_mob(CHK_B);
	fence_sync(what, FENCE_TIMEOUT);
	igt_info("after %s: the device works (longest doorbell %.3f s)\n",
		 after, svga.longest_sync);
}

/*
 * Whether surface @sid exists (of 4 bytes a pixel): its pixel (0, 0)
 * copied over a probe surface whose pixel is known, then read back; the
 * pixel it had in *@pixel.
 */
static bool surface_exists_pixel(struct dma_pages *m, uint32_t page,
				 uint32_t sid, uint32_t *pixel)
{
	const uint32_t probe = 64100;
	uint32_t *p = dma_words(m, page);

	p[0] = 0xeeeeeeee;
	define_mob(probe, PT_0, m->pfn[page], PAGE);
	define_surface(probe, 1, 1);
	bind_surface(probe, probe);
	update_image(probe, 0, 0, 1, 1);
	fence_sync("the probe surface's update", FENCE_TIMEOUT);
	p[0] = 0xdddddddd;
	surface_copy(sid, probe, 0, 0, 1, 1, 0, 0);
	readback_image(probe);
	fence_sync("probing a surface", FENCE_TIMEOUT);
	destroy_surface(probe);
	destroy_mob(probe);
	igt_assert_f(p[0] != 0xdddddddd,
		     "the probe surface was not read back\n");
	*pixel = p[0];
	return p[0] != 0xeeeeeeee;
}

static bool surface_exists(struct dma_pages *m, uint32_t page, uint32_t sid)
{
	uint32_t pixel;

	return surface_exists_pixel(m, page, sid, &pixel);
}

static void test_surface_dimensions(void)
{
	static const struct { uint32_t w, h; const char *name; } sizes[] = {
		{ 1u << 31, 1u << 31, "2^31 x 2^31" },
		{ 65536, 65536, "65536 x 65536" },
		{ 8193, 1, "8193 x 1" },
		{ 0, 1, "0 x 1" },
	};
	struct dma_pages m;
	int i;

	dma_alloc(&m, 4);
	memset(dma_page(&m, 0), 0x3c, 2 * PAGE);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint32_t sid = 100 + i;
		char what[64];

		snprintf(what, sizeof(what), "a surface of %s", sizes[i].name);
		define_mob(sid, PT_RANGE, m.pfn[0], PAGE);
		define_surface(sid, sizes[i].w, sizes[i].h);
		bind_surface(sid, sid);
		update_image(sid, 0, 0, 16, 1);
		update_image(sid, 0, 0, 1024, 1);
		readback_partial(sid, 0, 0, 16, 1, 0);
		surface_copy(sid, sid, 16, 0, 16, 1, 0, 0);
		surface_copy(sid, sid, 0, 1, 1024, 1, 0, 0);
		fence_sync(what, FENCE_TIMEOUT);
		igt_assert_f(!surface_exists(&m, 3, sid),
			     "the device accepted %s (its limit is 8192 x "
			     "8192)\n", what);
		destroy_surface(sid);
		destroy_mob(sid);
		device_works(what);
	}
}

static void test_box_bounds(void)
{
	static const struct { uint32_t x, y, w, h; const char *name; } boxes[] = {
		{ -1u, 0, 4, 4, "x -1" },
		{ 0, -1u, 4, 4, "y -1" },
		{ 0, 0, -1u, 4, "w -1" },
		{ 0, 0, 4, -1u, "h -1" },
		{ 0xfffffff0u, 0, 0x20, 4, "x + w past 2^32" },
		{ 0, 0xfffffff0u, 4, 0x20, "y + h past 2^32" },
		{ 60, 0, 8, 4, "past the right edge" },
		{ 0, 30, 4, 8, "past the bottom edge" },
		{ 64, 32, 1, 1, "at the far corner" },
		{ 0, 0, 0, 4, "zero width" },
		{ 0, 0, 4, 0, "zero height" },
		{ 64, 32, 0, 0, "zero-sized at the far corner" },
	};
	const uint32_t sid = 200, w = CHK_W, h = CHK_H;
	struct dma_pages m;
	uint8_t want[CHK_BYTES], zeros[CHK_BYTES] = {};
	uint8_t *mob;
	int i;

	dma_alloc(&m, 3);
	mob = dma_page(&m, 0);
	dma_words(&m, 2)[0] = m.pfn[0];
	dma_words(&m, 2)[1] = m.pfn[1];
	define_mob(sid, PT_1, m.pfn[2], CHK_BYTES);
	define_surface(sid, w, h);
	define_surface(sid + 1, w, h);
	bind_surface(sid, sid);
	fill_pattern(want, CHK_BYTES, 77);
	memcpy(mob, want, CHK_BYTES);
	update_image(sid, 0, 0, w, h);
	fence_sync("the box surface's update", FENCE_TIMEOUT);

	for (i = 0; i < ARRAY_SIZE(boxes); i++) {
		uint32_t x = boxes[i].x, y = boxes[i].y;
		uint32_t bw = boxes[i].w, bh = boxes[i].h;
		bool empty = !bw || !bh;
		char what[128];

		/* An update from a MOB of other contents changes nothing. */
		snprintf(what, sizeof(what), "UPDATE_GB_IMAGE of box %s",
			 boxes[i].name);
		memset(mob, 0x11, CHK_BYTES);
		update_image(sid, x, y, bw, bh);
		readback_image(sid);
		fence_sync(what, FENCE_TIMEOUT);
		compare(what, mob, want, CHK_BYTES);

		/* A partial read-back into a cleared MOB writes nothing. */
		snprintf(what, sizeof(what), "READBACK_GB_IMAGE_PARTIAL of "
			 "box %s", boxes[i].name);
		memset(mob, 0x22, CHK_BYTES);
		readback_partial(sid, x, y, bw, bh, 0);
		fence_sync(what, FENCE_TIMEOUT);
		{
			uint8_t cleared[CHK_BYTES];

			memset(cleared, 0x22, CHK_BYTES);
			compare(what, mob, cleared, CHK_BYTES);
		}

		/*
		 * Inverted: all but the box. A box outside the surface is
		 * refused whole; an empty one inside it leaves all to read.
		 */
		snprintf(what, sizeof(what), "inverted READBACK_GB_IMAGE_"
			 "PARTIAL of box %s", boxes[i].name);
		memset(mob, 0x33, CHK_BYTES);
		readback_partial(sid, x, y, bw, bh, 1);
		fence_sync(what, FENCE_TIMEOUT);
		if (empty && x <= w && y <= h) {
			compare(what, mob, want, CHK_BYTES);
		} else {
			uint8_t cleared[CHK_BYTES];

			memset(cleared, 0x33, CHK_BYTES);
			compare(what, mob, cleared, CHK_BYTES);
		}

		/* A copy out of the box to a zeroed surface copies nothing. */
		snprintf(what, sizeof(what), "SURFACE_COPY of box %s",
			 boxes[i].name);
		define_surface(sid + 1, w, h);
		surface_copy(sid, sid + 1, x, y, bw, bh, 0, 0);
		surface_copy(sid, sid + 1, 0, 0, bw, bh, x, y);
		bind_surface(sid + 1, sid);
		readback_image(sid + 1);
		fence_sync(what, FENCE_TIMEOUT);
		compare(what, mob, zeros, CHK_BYTES);
		bind_surface(sid + 1, ID_INVALID);
	}
	destroy_surface(sid);
	destroy_surface(sid + 1);
	destroy_mob(sid);
	device_works("the hostile boxes");
}

/* Leave the ring empty at MIN, STOP and NEXT in range. */
static void fifo_restart(void)
{
	svga_init(svga.min);
}

/* @n raw words at NEXT, run to their end, then the content check. */
static void put_then_check(const uint32_t *w, uint32_t n, const char *what)
{
	fifo_put(w, n);
	fifo_drain(what);
	device_works(what);
}

static void test_fifo_bad_size(void)
{
	uint32_t w[8];
	uint32_t big = svga.fifo_size + 4;

	/* A size not a multiple of 4: its end is unknown, the queue dropped */
	w[0] = CMD3_DESTROY_GB_SURFACE;
	w[1] = 6;
	w[2] = 12345;
	w[3] = 0;
	put_then_check(w, 4, "an SVGA3D command of 6 bytes");

	/* Larger than the FIFO */
	w[0] = CMD3_DESTROY_GB_SURFACE;
	w[1] = big;
	w[2] = 12345;
	put_then_check(w, 3, "an SVGA3D command larger than the FIFO");

	w[1] = 0xfffffffc;
	put_then_check(w, 3, "an SVGA3D command of 0xfffffffc bytes");

	/* The size word past NEXT: the device waits for it, then runs it. */
	w[0] = CMD3_DESTROY_GB_SURFACE;
	fifo_put(w, 1);
	doorbell();
	usleep(10000);
	w[0] = 4;
	w[1] = 12345;
	put_then_check(w, 2, "an SVGA3D command whose size word came after NEXT");

	/* Half the body past NEXT */
	w[0] = CMD3_UPDATE_GB_IMAGE;
	w[1] = 9 * 4;
	w[2] = CHK_A;
	w[3] = 0;
	fifo_put(w, 4);
	doorbell();
	usleep(10000);
	{
		const uint32_t rest[] = { 0, 0, 0, 0, 1, 1, 1 };

		fifo_put(rest, 7);
	}
	fifo_drain("the body after NEXT");
	device_works("an SVGA3D command whose body came after NEXT");
}

static void test_fifo_bad_command(void)
{
	uint32_t w[8];

	w[0] = 0x7777;
	w[1] = CMD3_DESTROY_GB_SURFACE;
	w[2] = 4;
	w[3] = 1;
	put_then_check(w, 4, "an unknown command id");

	w[0] = CMD3_UNIMPLEMENTED;
	w[1] = 8;
	w[2] = 0;
	w[3] = 0;
	put_then_check(w, 4, "an unimplemented SVGA3D command");

	/* id, hot x, hot y, width, height: the size of what follows. */
	w[0] = CMD_DEFINE_ALPHA_CURSOR;
	w[1] = 0;
	w[2] = 0;
	w[3] = 0;
	w[4] = 65535;
	w[5] = 65535;
	put_then_check(w, 6, "an alpha cursor of 65535 x 65535");

	/* 65536 words: more than the FIFO holds */
	w[4] = 256;
	w[5] = 256;
	put_then_check(w, 6, "an alpha cursor of 256 x 256");

	w[4] = -2u;
	w[5] = 1;
	put_then_check(w, 6, "an alpha cursor of -2 x 1");
}

static void test_fifo_zero_ring(void)
{
	uint32_t i, stale = svga.seq + 1000, *ring;
	uint32_t start = svga.min + 64;

	/* A full ring: NEXT one word behind STOP, every word a zero. */
	for (i = svga.min / 4; i < svga.max / 4; i++)
		svga.fifo[i] = CMD_INVALID;
	svga.fifo[FIFO_STOP] = start;
	__sync_synchronize();
	svga.fifo[FIFO_NEXT] = start - 4;
	doorbell();
	fifo_drain("a ring of zero words");
	device_works("a ring full of zero words");

	/* One zero word before NEXT, stale fences after it. */
	ring = (uint32_t *)svga.fifo;
	for (i = svga.min / 4; i + 1 < svga.max / 4; i += 2) {
		ring[i] = CMD_FENCE;
		ring[i + 1] = stale;
	}
	fifo_restart();
	start = svga.fifo[FIFO_NEXT];
	ring[start / 4] = CMD_INVALID;
	__sync_synchronize();
	svga.fifo[FIFO_NEXT] = start + 4;
	doorbell();
	fifo_drain("one zero word");
	usleep(100000);
	igt_assert_f(svga.fifo[FIFO_FENCE] != stale,
		     "the device ran stale fences after NEXT\n");
	igt_assert_eq_u32(svga.fifo[FIFO_STOP], start + 4);
	device_works("one zero word before NEXT, stale words after");
}

static void test_fifo_pointers_outside(void)
{
	static const struct { uint32_t stop, next; const char *name; } p[] = {
		{ 0, 16, "STOP 0 and NEXT 16 (the registers)" },
		{ 16, 1024, "STOP 16 (the capabilities register)" },
		{ 1172, 8, "NEXT 8 (below MIN)" },
		{ 60000, 1172, "STOP 60000 with MAX 32768" },
		{ 1172, 60000, "NEXT 60000 with MAX 32768" },
		{ 1174, 1172, "STOP not a multiple of 4" },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(p); i++) {
		uint32_t max = strstr(p[i].name, "MAX 32768") ? 32768 :
			       svga.max;
		uint32_t fence;

		fifo_restart();
		fence = svga.fifo[FIFO_FENCE];
		/* Commands there that would show if they ran: a fence. */
		if (p[i].stop >= svga.min) {
			svga.fifo[p[i].stop / 4] = CMD_FENCE;
			svga.fifo[p[i].stop / 4 + 1] = 0xbad0000 + i;
		}
		svga.fifo[FIFO_MAX] = max;
		svga.fifo[FIFO_STOP] = p[i].stop;
		__sync_synchronize();
		svga.fifo[FIFO_NEXT] = p[i].next;
		doorbell();
		usleep(100000);
		doorbell();
		igt_assert_f(svga.fifo[FIFO_STOP] == p[i].stop,
			     "%s: the device read commands outside [MIN, MAX): "
			     "STOP moved to %u\n", p[i].name,
			     svga.fifo[FIFO_STOP]);
		igt_assert_f(svga.fifo[FIFO_FENCE] == fence,
			     "%s: the device ran a fence outside [MIN, MAX): "
			     "%#x\n", p[i].name, svga.fifo[FIFO_FENCE]);
		fifo_restart();
		device_works(p[i].name);
	}
}

static void test_fifo_min_below_fence(void)
{
	const uint32_t sentinel = 0x5e5e5e5e;
	uint32_t i, seq, caps, wrote = 0, at = 0;

	reg_write(REG_CONFIG_DONE, 0);
	for (i = FIFO_CAPABILITIES; i < 16; i++)
		svga.fifo[i] = sentinel;
	/* MIN at the capabilities register: the ring starts there. */
	svga_init(FIFO_CAPABILITIES * 4);
	caps = svga.fifo[FIFO_CAPABILITIES];
	igt_assert(!svga.fence_reg);
	/* Leave words 4..15 of the ring alone, free for the fence check. */
	svga.fifo[FIFO_STOP] = 64;
	__sync_synchronize();
	svga.fifo[FIFO_NEXT] = 64;
	for (i = FIFO_CAPABILITIES; i < 16; i++)
		svga.fifo[i] = sentinel;
	seq = fence_emit();
	igt_assert_f(__fence_wait(seq, FENCE_TIMEOUT) == 0,
		     "no fence in the IRQ status within %.0f s (status %#x)\n",
		     FENCE_TIMEOUT, irq_status());
	for (i = FIFO_CAPABILITIES; i < 16; i++) {
		if (svga.fifo[i] != sentinel) {
			wrote = svga.fifo[i];
			at = i;
		}
	}
	device_works("a FIFO whose MIN is below the FENCE register");
	svga_init(FIFO_NUM_REGS * 4);
	device_works("the FIFO set up again");
	igt_assert_f(caps == sentinel,
		     "CONFIG_DONE wrote the FIFO capabilities (%#x) into the "
		     "ring at MIN\n", caps);
	igt_assert_f(!at, "the fence wrote %#x into the ring's word %u\n",
		     wrote, at);
}

/* Screen target 0 of 4096 x 4096 shown, a surface of its size bound. */
static void show_screen_target(uint32_t sid)
{
	define_surface(sid, 4096, 4096);
	CMD3(CMD3_DEFINE_GB_ST, 0, 4096, 4096, 0, 0, 1, 0);
	CMD3(CMD3_BIND_GB_ST, 0, sid, 0, 0);
	CMD3(CMD3_UPDATE_GB_ST, 0, 0, 0, 4096, 4096);
	fence_sync("screen target 0 of 4096 x 4096", FENCE_TIMEOUT);
}

static void hide_screen_target(uint32_t sid)
{
	CMD3(CMD3_DESTROY_GB_ST, 0);
	destroy_surface(sid);
	fence_sync("screen target 0 destroyed", FENCE_TIMEOUT);
}

static void test_legacy_2d(void)
{
	static const uint32_t rects[][4] = {
		{ 0, 0, 4096, 4096 },
		{ 0, 0, 2368, 1770 },
		{ 1728, 0, 2368, 1770 },
		{ 0, 1770, 2368, 1770 },
		{ 1728, 1770, 2368, 1770 },
		{ 0, 4095, 1, 1 },
	};
	const uint32_t sid = 300;
	uint32_t i, k, w[8];

	show_screen_target(sid);
	for (i = 0; i < ARRAY_SIZE(rects); i++) {
		w[0] = CMD_RECT_FILL;
		w[1] = 0xff00ff;
		memcpy(w + 2, rects[i], 16);
		fifo_put(w, 6);
		w[0] = CMD_RECT_COPY;
		w[1] = rects[i][0];
		w[2] = rects[i][1];
		w[3] = 0;
		w[4] = 0;
		w[5] = rects[i][2];
		w[6] = rects[i][3];
		fifo_put(w, 7);
		w[0] = CMD_RECT_COPY;
		w[1] = 0;
		w[2] = 0;
		w[3] = rects[i][0];
		w[4] = rects[i][1];
		fifo_put(w, 7);
	}
	fence_sync("RECT_FILL and RECT_COPY on screen target 0", FENCE_TIMEOUT);
	device_works("RECT_FILL and RECT_COPY on screen target 0");

	/* Enough updates to flush the device's queue of them (512). */
	for (k = 0; k < 600; k++) {
		i = k % ARRAY_SIZE(rects);
		w[0] = CMD_UPDATE;
		memcpy(w + 1, rects[i], 16);
		fifo_put(w, 5);
	}
	fence_sync("UPDATE on screen target 0", FENCE_TIMEOUT);
	/* And a refresh of the console that would apply them. */
	CMD3(CMD3_UPDATE_GB_ST, 0, 0, 0, 4096, 4096);
	fence_sync("UPDATE_GB_SCREENTARGET after UPDATE", FENCE_TIMEOUT);
	device_works("UPDATE on screen target 0");
	hide_screen_target(sid);
	device_works("screen target 0 destroyed");
}

static void test_page_tables(void)
{
	const uint64_t far = 0x40000000ull;	/* 4 TiB: past guest RAM */
	const uint32_t sid = 400;
	struct dma_pages m;
	uint32_t *t1, *t2, i;
	uint64_t *t64;
	struct { uint32_t depth; uint64_t base; uint32_t size;
		 const char *name; } *c, cases[16];
	int n = 0;

	dma_alloc(&m, 8);
	/* Pages: 0, 1 data; 2 a PT_1 of garbage; 3 a PT_2 root; 4 PT64. */
	fill_pattern(dma_page(&m, 0), 2 * PAGE, 5);
	t1 = dma_words(&m, 2);
	for (i = 0; i < PAGE / 4; i++)
		t1[i] = 0xfffff000u + i;
	t2 = dma_words(&m, 3);
	t2[0] = m.pfn[2];		/* second level: garbage */
	t2[1] = m.pfn[3];		/* the root itself */
	t64 = (uint64_t *)dma_page(&m, 4);
	t64[0] = far;
	t64[1] = 1ull << 52 | m.pfn[0];	/* wraps to page 0 in 64 bits */
	t64[2] = m.pfn[4];		/* itself */
	t64[3] = -1ull;
	t1 = dma_words(&m, 5);		/* a PT_1 pointing at itself */
	t1[0] = m.pfn[5];
	t1[1] = (uint32_t)far;

#define CASE(d, b, s, nm) do { \
	cases[n].depth = (d); cases[n].base = (b); cases[n].size = (s); \
	cases[n].name = (nm); n++; \
} while (0)
	CASE(PT_0, far, PAGE, "PT_0 past guest RAM");
	CASE(PT_0, m.pfn[0], 2 * PAGE, "PT_0 of two pages");
	CASE(PT_1, m.pfn[2], 2 * PAGE, "PT_1 of garbage entries");
	CASE(PT_1, m.pfn[5], 2 * PAGE, "PT_1 pointing at itself, then past RAM");
	CASE(PT_1, m.pfn[2], 1025 * PAGE, "PT_1 past its capacity");
	CASE(PT_2, m.pfn[3], 2 * PAGE, "PT_2 whose second level is garbage");
	CASE(PT_2, m.pfn[3], 1025 * PAGE, "PT_2 through the root itself");
	CASE(PT_RANGE, far, 2 * PAGE, "RANGE past guest RAM");
	CASE(PT_RANGE, 0xffffffffu, 2 * PAGE, "RANGE wrapping 32 bits");
	CASE(PT64_0, 1ull << 52 | m.pfn[6], PAGE, "PT64_0 past 2^52 pages");
	CASE(PT64_1, m.pfn[4], 4 * PAGE, "PT64_1 past RAM, wrapping, itself");
	CASE(PT64_1, m.pfn[4], 513 * PAGE, "PT64_1 past its capacity");
	CASE(PT64_2, m.pfn[4], 2 * PAGE, "PT64_2 through garbage");
	CASE(7, m.pfn[0], PAGE, "page table format 7");
#undef CASE

	for (c = cases; c < cases + n; c++) {
		uint32_t id = sid + (c - cases);

		define_mob64(id, c->depth, c->base, c->size);
		define_mob(id + 100, c->depth, (uint32_t)c->base, c->size);
		define_surface(id, CHK_W, CHK_H);
		bind_surface(id, id);
		update_image(id, 0, 0, CHK_W, CHK_H);
		readback_image(id);
		bind_surface(id, id + 100);
		update_image(id, 0, 0, CHK_W, CHK_H);
		readback_image(id);
		fence_sync(c->name, FENCE_TIMEOUT);
		destroy_surface(id);
		destroy_mob(id);
		destroy_mob(id + 100);
		device_works(c->name);
	}
}

static void test_lifetimes(void)
{
	const uint32_t sid = 500;
	struct dma_pages m;

	dma_alloc(&m, 4);
	define_mob(sid, PT_RANGE, m.pfn[0], PAGE);
	define_surface(sid, 32, 32);
	bind_surface(sid, sid);
	destroy_mob(sid);
	update_image(sid, 0, 0, 32, 32);
	readback_image(sid);
	readback_partial(sid, 0, 0, 8, 8, 1);
	CMD3(CMD3_COND_BIND, sid, sid, sid, COND_READBACK | COND_UPDATE);
	fence_sync("a surface whose MOB is gone", FENCE_TIMEOUT);
	destroy_surface(sid);
	device_works("a MOB destroyed while bound");

	define_surface(sid, 4096, 4096);
	CMD3(CMD3_DEFINE_GB_ST, 0, 4096, 4096, 0, 0, 1, 0);
	CMD3(CMD3_BIND_GB_ST, 0, sid, 0, 0);
	CMD3(CMD3_UPDATE_GB_ST, 0, 0, 0, 4096, 4096);
	destroy_surface(sid);
	CMD3(CMD3_UPDATE_GB_ST, 0, 0, 0, 4096, 4096);
	CMD3(CMD3_UPDATE_GB_ST, 0, 4000, 4000, 200, 200);
	fence_sync("screen target 0 whose surface is gone", FENCE_TIMEOUT);
	device_works("a surface destroyed while bound to screen target 0");

	define_surface(sid, 4096, 4096);
	CMD3(CMD3_BIND_GB_ST, 0, sid, 0, 0);
	define_surface(sid, 16, 16);
	CMD3(CMD3_UPDATE_GB_ST, 0, 0, 0, 4096, 4096);
	define_surface(sid, 4096, 4096);
	CMD3(CMD3_UPDATE_GB_ST, 0, 0, 0, 4096, 4096);
	define_mob(sid, PT_RANGE, m.pfn[0], PAGE);
	define_surface(sid + 1, 32, 32);
	bind_surface(sid + 1, sid);
	define_surface(sid + 1, 1024, 1024);
	update_image(sid + 1, 0, 0, 1024, 1024);
	readback_image(sid + 1);
	fence_sync("surfaces redefined while bound", FENCE_TIMEOUT);
	CMD3(CMD3_DESTROY_GB_ST, 0);
	destroy_surface(sid);
	destroy_surface(sid + 1);
	destroy_mob(sid);
	device_works("bound surfaces redefined with another size");
}

static void test_id_limits(void)
{
	static const uint32_t ids[] = { 65535, 65536, 65537, 0x7fffffff,
					0xfffffffe, ID_INVALID };
	struct dma_pages m;
	int i;

	dma_alloc(&m, 2);
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		bool exists;
		char what[64];

		snprintf(what, sizeof(what), "surface and MOB id %u", ids[i]);
		define_mob(ids[i], PT_0, m.pfn[0], PAGE);
		define_surface(ids[i], 1, 1);
		bind_surface(ids[i], ids[i]);
		update_image(ids[i], 0, 0, 1, 1);
		readback_image(ids[i]);
		fence_sync(what, FENCE_TIMEOUT);
		exists = surface_exists(&m, 1, ids[i]);
		igt_assert_f(exists == (ids[i] < 65536),
			     "%s: the device %s it\n", what,
			     exists ? "accepted" : "refused");
		destroy_surface(ids[i]);
		destroy_mob(ids[i]);
		device_works(what);
	}
}

static void test_surface_budget(void)
{
	const uint32_t first = 600;
	struct dma_pages m;
	uint32_t n;

	dma_alloc(&m, 2);
	for (n = 0; n < 8; n++) {
		uint32_t pixel;

		define_surface(first + n, 4096, 4096);
		fence_sync("a 64 MiB surface", FENCE_TIMEOUT);
		if (!surface_exists_pixel(&m, 1, first + n, &pixel))
			break;
		igt_assert_f(pixel == 0, "never-written surface %u reads back "
			     "0x%08x\n", first + n, pixel);
		igt_info("surface %u of 64 MiB defined (never written: reads "
			 "back zeros)\n", n + 1);
	}
	igt_info("the device refused 64 MiB surface %u\n", n + 1);
	igt_assert_f(n <= 4, "the device holds %u surfaces of 64 MiB, more "
		     "than its 256 MiB\n", n);
	igt_assert_f(n >= 3, "the device holds only %u surfaces of 64 MiB\n",
		     n);
	/* One more, smaller than what remains, still fits. */
	while (n--)
		destroy_surface(first + n);
	fence_sync("the 64 MiB surfaces destroyed", FENCE_TIMEOUT);
	define_surface(first, 4096, 4096);
	fence_sync("a 64 MiB surface after the budget is back",
		   FENCE_TIMEOUT);
	igt_assert_f(surface_exists(&m, 1, first),
		     "the budget did not come back once the surfaces were "
		     "destroyed\n");
	destroy_surface(first);
	device_works("the surface budget");
}

/* The longest time a spinning thread saw its clock stand still. */
static struct {
	volatile bool on;
	double longest;
} gaps;

static void *watch_gaps(void *arg)
{
	double last = now();

	while (gaps.on) {
		double t = now();

		if (t - last > gaps.longest)
			gaps.longest = t - last;
		last = t;
	}
	return NULL;
}

/*
 * Ring for what is queued and wait for its fence: every doorbell must
 * come back, and the guest must go on running (a second thread's clock
 * keeps moving), within DOORBELL_MAX while the device works.
 */
static void work_done(const char *what, double timeout)
{
	double start = now();
	pthread_t watcher;

	gaps.on = true;
	gaps.longest = 0;
	igt_assert_eq(pthread_create(&watcher, NULL, watch_gaps, NULL), 0);
	fence_sync(what, timeout);
	gaps.on = false;
	pthread_join(watcher, NULL);
	igt_info("%s: done in %.2f s, longest doorbell %.3f s, the guest "
		 "stood still for %.3f s at most\n", what, now() - start,
		 svga.longest_sync, gaps.longest);
	igt_assert_f(svga.longest_sync < DOORBELL_MAX,
		     "%s: a doorbell took %.2f s (at most %.1f s)\n", what,
		     svga.longest_sync, DOORBELL_MAX);
	igt_assert_f(gaps.longest < DOORBELL_MAX,
		     "%s: the guest stood still for %.2f s while the device "
		     "worked (at most %.1f s)\n", what, gaps.longest,
		     DOORBELL_MAX);
}

static void test_work_surface_copy(void)
{
	const uint32_t src = 700, dst = 701;
	uint32_t boxes = (ring_words() - 8 - 2) / 9, i, *w;
	double start;

	define_surface(src, 4096, 4096);
	define_surface(dst, 4096, 4096);
	fence_sync("two 64 MiB surfaces", FENCE_TIMEOUT);
	svga.longest_sync = 0;
	w = calloc(8 + boxes * 9, 4);
	w[0] = CMD3_SURFACE_COPY;
	w[1] = (6 + boxes * 9) * 4;
	w[2] = src;
	w[5] = dst;
	for (i = 0; i < boxes; i++) {
		uint32_t *b = w + 8 + i * 9;

		b[3] = 4096;
		b[4] = 4096;
		b[5] = 1;
	}
	fifo_put(w, 8 + boxes * 9);
	free(w);
	start = now();
	igt_info("SURFACE_COPY of %u boxes of 64 MiB queued\n", boxes);
	work_done("a SURFACE_COPY of whole 64 MiB surfaces", WORK_TIMEOUT);
	igt_info("after %.2f s\n", now() - start);
	destroy_surface(src);
	destroy_surface(dst);
	device_works("a SURFACE_COPY of ~1800 boxes of 64 MiB");
}

static void test_work_cond_bind(void)
{
	const uint32_t sid = 800, count = 512;
	struct dma_pages m;
	uint32_t i;

	/* A 64 MiB MOB over 3 pages: 16 root entries, one table, one page. */
	dma_alloc(&m, 3);
	for (i = 0; i < 16; i++)
		dma_words(&m, 0)[i] = m.pfn[1];
	for (i = 0; i < PAGE / 4; i++)
		dma_words(&m, 1)[i] = m.pfn[2];
	define_mob(sid, PT_2, m.pfn[0], 64 << 20);
	define_surface(sid, 4096, 4096);
	bind_surface(sid, sid);
	fence_sync("a 64 MiB surface on a 64 MiB MOB", FENCE_TIMEOUT);
	svga.longest_sync = 0;
	for (i = 0; i < count; i++)
		CMD3(CMD3_COND_BIND, sid, sid, sid,
		     COND_READBACK | COND_UPDATE);
	work_done("COND_BIND of a 64 MiB surface, 512 times", WORK_TIMEOUT);
	destroy_surface(sid);
	destroy_mob(sid);
	device_works("COND_BIND of 64 MiB surfaces");
}

static void test_work_screen_targets(void)
{
	const uint32_t sid = 900, count = 200;
	uint32_t i;

	define_surface(sid, 4096, 4096);
	fence_sync("a 64 MiB surface", FENCE_TIMEOUT);
	svga.longest_sync = 0;
	for (i = 0; i < count; i++) {
		CMD3(CMD3_DEFINE_GB_ST, 0, 4096, 4096, 0, 0, 1, 0);
		CMD3(CMD3_BIND_GB_ST, 0, sid, 0, 0);
		CMD3(CMD3_UPDATE_GB_ST, 0, 0, 0, 4096, 4096);
	}
	work_done("screen target 0 of 4096 x 4096 defined, bound and "
		  "updated 200 times", WORK_TIMEOUT);
	CMD3(CMD3_DESTROY_GB_ST, 0);
	destroy_surface(sid);
	device_works("many DEFINE_GB_SCREENTARGET");
}

/*
 * Objects a subtest that failed (or a QEMU that was restored) may have
 * left behind: every id the subtests use, destroyed.
 */
/*
 * Seeded streams of random commands.  The device may read and write only
 * pages of the test's own: MOBs point at FUZZ_DATA data pages directly
 * (depth 0), through a first-level table of them (depth 1) or a second
 * level of such tables (depth 2), or past guest RAM; a RANGE MOB starts
 * past guest RAM only, since it walks physically contiguous pages.
 */
#define FUZZ_SEEDS		4
#define FUZZ_COMMANDS		3000
#define FUZZ_FENCE_EVERY	32
#define FUZZ_IDS		8
#define FUZZ_DATA		8
#define FUZZ_L1_32		(FUZZ_DATA + 0)
#define FUZZ_L1_64		(FUZZ_DATA + 1)
#define FUZZ_L2_32		(FUZZ_DATA + 2)
#define FUZZ_L2_64		(FUZZ_DATA + 3)
#define FUZZ_PAGES		(FUZZ_DATA + 4)
/* Frame numbers no guest RAM or device has (2^44 and 2^52 bytes). */
#define FUZZ_NOWHERE_32		0xfffff000u
#define FUZZ_NOWHERE_64		(1ull << 40)

static struct dma_pages fuzz_pages;

static uint32_t fuzz_next(uint64_t *s)
{
	/* xorshift64*: the same stream for the same seed everywhere */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * 0x2545f4914f6cdd1dull) >> 32;
}

static uint32_t fuzz_pick(uint64_t *s, const uint32_t *values, size_t n)
{
	return values[fuzz_next(s) % n];
}

/* A value of the kind a bad driver sends: limits, their neighbours, noise. */
static uint32_t fuzz_value(uint64_t *s)
{
	static const uint32_t edges[] = {
		0, 1, 2, 3, 4, 63, 64, 4095, 4096, 4097, 8191, 8192, 8193,
		65535, 65536, 0x7fffffffu, 0x80000000u, 0xfffffffeu,
		0xffffffffu,
	};

	switch (fuzz_next(s) % 4) {
	case 0:
		return fuzz_pick(s, edges, ARRAY_SIZE(edges));
	case 1:
		return fuzz_next(s);
	default:
		return fuzz_next(s) % 128;
	}
}

static uint32_t fuzz_id(uint64_t *s)
{
	return fuzz_next(s) % 16 ? fuzz_next(s) % FUZZ_IDS : fuzz_value(s);
}

/*
 * Every entry of table page @page points at one of the @count pages from
 * @first, or nowhere.
 */
static void fuzz_table(unsigned int page, bool wide, unsigned int first,
		       unsigned int count)
{
	unsigned int i, n = PAGE / (wide ? 8 : 4);
	uint8_t *p = dma_page(&fuzz_pages, page);

	for (i = 0; i < n; i++) {
		bool nowhere = i % 8 == 7;
		uint64_t pfn = fuzz_pages.pfn[first + i % count];

		if (wide)
			((uint64_t *)p)[i] = nowhere ? FUZZ_NOWHERE_64 : pfn;
		else
			((uint32_t *)p)[i] = nowhere ? FUZZ_NOWHERE_32 : pfn;
	}
}

static void fuzz_setup(void)
{
	if (!fuzz_pages.count)
		dma_alloc(&fuzz_pages, FUZZ_PAGES);
	fuzz_table(FUZZ_L1_32, false, 0, FUZZ_DATA);
	fuzz_table(FUZZ_L1_64, true, 0, FUZZ_DATA);
	fuzz_table(FUZZ_L2_32, false, FUZZ_L1_32, 1);
	fuzz_table(FUZZ_L2_64, true, FUZZ_L1_64, 1);
}

/* A MOB's body (id, depth, 64-bit base, size) whose walk stays in our pages. */
static uint32_t fuzz_mob(uint64_t *s, uint32_t *w)
{
	uint32_t depth = fuzz_next(s) % 7;
	uint64_t base;

	switch (depth) {
	case PT_0:
	case PT64_0:
		base = fuzz_pages.pfn[fuzz_next(s) % FUZZ_DATA];
		break;
	case PT_1:
		base = fuzz_pages.pfn[FUZZ_L1_32];
		break;
	case PT64_1:
		base = fuzz_pages.pfn[FUZZ_L1_64];
		break;
	case PT_2:
		base = fuzz_pages.pfn[FUZZ_L2_32];
		break;
	case PT64_2:
		base = fuzz_pages.pfn[FUZZ_L2_64];
		break;
	default:
		base = FUZZ_NOWHERE_64;
		break;
	}
	w[0] = fuzz_id(s);
	w[1] = depth;
	w[2] = base;
	w[3] = base >> 32;
	w[4] = fuzz_next(s) % 2 ? fuzz_next(s) % (16 * PAGE) + 1 : fuzz_value(s);
	return 5;
}

/* A box of 6 words (x, y, z, w, h, d): mostly small, sometimes hostile. */
static void fuzz_box(uint64_t *s, uint32_t *w)
{
	int i;

	for (i = 0; i < 6; i++)
		w[i] = fuzz_next(s) % 4 ? fuzz_next(s) % 96 : fuzz_value(s);
	w[2] = fuzz_next(s) % 8 ? 0 : fuzz_value(s);
	w[5] = fuzz_next(s) % 8 ? 1 : fuzz_value(s);
}

static void fuzz_image(uint64_t *s, uint32_t *w)
{
	w[0] = fuzz_id(s);
	w[1] = fuzz_next(s) % 8 ? 0 : fuzz_value(s);
	w[2] = fuzz_next(s) % 8 ? 0 : fuzz_value(s);
}

/* One random command into the FIFO; its id. */
static uint32_t fuzz_command(uint64_t *s)
{
	static const uint32_t formats[] = { 1, 2, 3, 4, 11, 37, 68, 141, 0, 255 };
	static const struct {
		uint32_t id;
		int args;	/* -1: unknown, any noise after it */
	} legacy[] = {
		{ CMD_UPDATE, 4 }, { CMD_RECT_FILL, 5 }, { CMD_RECT_COPY, 6 },
		{ CMD_INVALID, 0 }, { 4, -1 }, { 99, -1 },
	};
	uint32_t w[64], id, words, i, boxes;

	/* Noise wherever a command below leaves a word as it is */
	for (i = 0; i < ARRAY_SIZE(w); i++)
		w[i] = fuzz_value(s);
	switch (fuzz_next(s) % 24) {
	case 0:
		id = CMD3_DEFINE_GB_MOB64;
		words = fuzz_mob(s, w);
		break;
	case 1:
		id = CMD3_DEFINE_GB_MOB;
		fuzz_mob(s, w);
		/* 32 bits of frame number: nowhere is nearer */
		if (w[3])
			w[2] = FUZZ_NOWHERE_32;
		w[3] = w[4];
		words = 4;
		break;
	case 2:
		id = CMD3_DESTROY_GB_MOB;
		w[0] = fuzz_id(s);
		words = 1;
		break;
	case 3:
	case 4:
		id = fuzz_next(s) % 2 ? CMD3_DEFINE_GB_SURFACE : 1134;
		w[0] = fuzz_id(s);
		w[1] = fuzz_next(s) % 4 ? 0 : fuzz_value(s);
		w[2] = fuzz_next(s) % 4 ? fuzz_pick(s, formats, ARRAY_SIZE(formats))
					: fuzz_value(s);
		w[3] = fuzz_next(s) % 4 ? 1 : fuzz_value(s);
		w[4] = fuzz_next(s) % 4 ? 0 : fuzz_value(s);
		w[5] = 0;
		w[6] = fuzz_value(s);
		w[7] = fuzz_value(s);
		w[8] = fuzz_next(s) % 4 ? 1 : fuzz_value(s);
		w[9] = fuzz_next(s) % 4 ? 1 : fuzz_value(s);
		w[10] = 0;
		words = id == CMD3_DEFINE_GB_SURFACE ? 9 : 11;
		break;
	case 5:
		id = CMD3_DESTROY_GB_SURFACE;
		w[0] = fuzz_id(s);
		words = 1;
		break;
	case 6:
	case 7:
		id = CMD3_BIND_GB_SURFACE;
		w[0] = fuzz_id(s);
		w[1] = fuzz_next(s) % 8 ? fuzz_id(s) : ID_INVALID;
		words = 2;
		break;
	case 8:
		id = CMD3_COND_BIND;
		w[0] = fuzz_id(s);
		w[1] = fuzz_id(s);
		w[2] = fuzz_id(s);
		w[3] = fuzz_next(s) % 4;
		words = 4;
		break;
	case 9:
	case 10:
		id = CMD3_UPDATE_GB_IMAGE;
		fuzz_image(s, w);
		fuzz_box(s, w + 3);
		words = 9;
		break;
	case 11:
	case 12:
		id = fuzz_next(s) % 2 ? CMD3_READBACK_PARTIAL : 1129;
		fuzz_image(s, w);
		fuzz_box(s, w + 3);
		w[9] = fuzz_next(s) % 2;
		words = 10;
		break;
	case 13:
		id = fuzz_pick(s, (const uint32_t []){ 1102, 1103, 1104, 1105, 1106 }, 5);
		fuzz_image(s, w);
		words = id == 1103 || id == 1105 ? 3 : 1;
		break;
	case 14:
	case 15:
		id = CMD3_SURFACE_COPY;
		fuzz_image(s, w);
		fuzz_image(s, w + 3);
		boxes = 1 + fuzz_next(s) % 3;
		for (i = 0; i < boxes; i++) {
			fuzz_box(s, w + 6 + 9 * i);
			w[6 + 9 * i + 6] = fuzz_next(s) % 96;
			w[6 + 9 * i + 7] = fuzz_next(s) % 96;
			w[6 + 9 * i + 8] = 0;
		}
		words = 6 + 9 * boxes;
		break;
	case 16:
		id = CMD3_DEFINE_GB_ST;
		w[0] = fuzz_next(s) % 10;
		w[1] = fuzz_next(s) % 2 ? 64 + fuzz_next(s) % 256 : fuzz_value(s);
		w[2] = fuzz_next(s) % 2 ? 64 + fuzz_next(s) % 256 : fuzz_value(s);
		words = 7;
		break;
	case 17:
		id = CMD3_DESTROY_GB_ST;
		w[0] = fuzz_next(s) % 10;
		words = 1;
		break;
	case 18:
		id = CMD3_BIND_GB_ST;
		w[0] = fuzz_next(s) % 10;
		fuzz_image(s, w + 1);
		words = 4;
		break;
	case 19:
		id = CMD3_UPDATE_GB_ST;
		w[0] = fuzz_next(s) % 10;
		for (i = 1; i < 5; i++)
			w[i] = fuzz_next(s) % 2 ? fuzz_next(s) % 320 : fuzz_value(s);
		words = 5;
		break;
	case 20:
		/* Object tables are recorded only, wherever they point. */
		id = 1115;
		words = 6;
		break;
	case 21:
		/*
		 * A legacy command with its arguments, or an unknown one with
		 * noise after it (which the device drops with it). A legacy
		 * command cut short would wait for the rest, as it must.
		 */
		i = fuzz_next(s) % ARRAY_SIZE(legacy);
		w[0] = legacy[i].id;
		words = legacy[i].args < 0 ? fuzz_next(s) % 8 : legacy[i].args;
		fifo_put(w, words + 1);
		return w[0];
	default:
		/*
		 * Any SVGA3D id with a body of noise, but a MOB's: its page
		 * table would point anywhere in the guest's memory.
		 */
		id = 1040 + fuzz_next(s) % 263;
		if (id == CMD3_DEFINE_GB_MOB || id == CMD3_DEFINE_GB_MOB64)
			id = CMD3_UNIMPLEMENTED;
		words = fuzz_next(s) % 16;
		break;
	}
	/* Bodies too short or too long for their command */
	if (!(fuzz_next(s) % 16)) {
		uint32_t delta = fuzz_next(s) % 4;

		words = fuzz_next(s) % 2 && words >= delta ? words - delta
							    : words + delta;
	}
	cmd3(id, w, words);
	return id;
}

/* @count random commands of stream @seed, each run to its end, fenced. */
static void random_commands(uint32_t seed, unsigned int count)
{
	uint64_t state = 0x9e3779b97f4a7c15ull * seed + 1;
	char what[64];
	double start;
	unsigned int i;

	fuzz_setup();
	svga_init(FIFO_NUM_REGS * 4);
	start = now();
	for (i = 0; i < count; i++) {
		uint32_t id = fuzz_command(&state);

		snprintf(what, sizeof(what), "seed %u, command %u (%u)", seed,
			 i, id);
		/* The device may drop what is queued: only one thing at a time */
		doorbell();
		fifo_drain(what);
		if (i % FUZZ_FENCE_EVERY == FUZZ_FENCE_EVERY - 1)
			fence_sync(what, FENCE_TIMEOUT);
	}
	igt_info("seed %u: %u commands in %.1f s (%.0f a second), longest "
		 "doorbell %.3f s\n", seed, count, now() - start,
		 count / (now() - start), svga.longest_sync);
	for (i = 0; i < FUZZ_IDS; i++) {
		destroy_surface(i);
		destroy_mob(i);
	}
	snprintf(what, sizeof(what), "seed %u", seed);
	device_works(what);
}

static void destroy_leftovers(void)
{
	static const uint32_t ranges[][2] = {
		{ 100, 104 }, { 200, 202 }, { 300, 301 }, { 400, 414 },
		{ 500, 514 }, { 600, 608 }, { 700, 702 }, { 800, 801 },
		{ 900, 901 }, { CHK_A, CHK_B + 1 }, { 64100, 64101 },
		{ 65535, 65536 },
	};
	uint32_t i, id;

	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		for (id = ranges[i][0]; id < ranges[i][1]; id++) {
			destroy_surface(id);
			destroy_mob(id);
		}
	}
	fence_sync("the leftovers destroyed", FENCE_TIMEOUT);
}

int igt_main()
{
	igt_fixture() {
		int fd;

		igt_require_f(__find_device(svga.path, sizeof(svga.path)) == 0,
			      "no vmware-svga (15ad:0405) on the PCI bus\n");
		unbind_vmwgfx();
		enable_device();
		map_bars();
		/* Locked pages stay where they are. */
		fd = open("/proc/sys/vm/compact_unevictable_allowed", O_WRONLY);
		if (fd >= 0) {
			igt_assert_eq(write(fd, "0", 1), 1);
			close(fd);
		}
		dma_alloc(&svga.chk, 6);
		svga_init(FIFO_NUM_REGS * 4);
		igt_require_f(svga.fence_reg,
			      "the FIFO does not offer fences\n");
		destroy_leftovers();
	}

	igt_describe("The content check alone on a device brought up from "
		     "the guest.");
	igt_subtest("bring-up")
		device_works("bring-up");

	igt_describe("Surfaces with wrapping and over-limit dimensions.");
	igt_subtest("surface-dimensions")
		test_surface_dimensions();

	igt_describe("Negative, wrapping, outside and empty boxes.");
	igt_subtest("box-bounds")
		test_box_bounds();

	igt_describe("SVGA3D commands of bad or incomplete sizes.");
	igt_subtest("fifo-bad-size")
		test_fifo_bad_size();

	igt_describe("Unknown commands and sizes taken from the FIFO.");
	igt_subtest("fifo-bad-command")
		test_fifo_bad_command();

	igt_describe("A ring full of zero words; stale words after NEXT.");
	igt_subtest("fifo-zero-ring")
		test_fifo_zero_ring();

	igt_describe("NEXT and STOP outside the ring.");
	igt_subtest("fifo-pointers-outside")
		test_fifo_pointers_outside();

	igt_describe("A FIFO whose ring starts below the FENCE register.");
	igt_subtest("fifo-min-below-fence")
		test_fifo_min_below_fence();

	igt_describe("Legacy 2D commands while a screen target is shown.");
	igt_subtest("legacy-2d-on-screen-target")
		test_legacy_2d();

	igt_describe("Page tables of every format with hostile entries.");
	igt_subtest("page-tables")
		test_page_tables();

	igt_describe("Objects destroyed or redefined while in use.");
	igt_subtest("lifetimes")
		test_lifetimes();

	igt_describe("Object ids at and past the device's 65536.");
	igt_subtest("id-limits")
		test_id_limits();

	igt_describe("Surfaces defined until the device's memory is spent.");
	igt_subtest("surface-budget")
		test_surface_budget();

	igt_describe("A SURFACE_COPY of ~1800 boxes of 64 MiB.");
	igt_subtest("work-surface-copy")
		test_work_surface_copy();

	igt_describe("Many COND_BIND_GB_SURFACE of a 64 MiB surface.");
	igt_subtest("work-cond-bind")
		test_work_cond_bind();

	igt_describe("Many DEFINE_GB_SCREENTARGET of 4096 x 4096.");
	igt_subtest("work-screen-targets")
		test_work_screen_targets();

	igt_describe("Seeded streams of random commands that the device must "
		     "survive, still working after each.");
	igt_subtest_with_dynamic("random-commands") {
		for (uint32_t seed = 1; seed <= FUZZ_SEEDS; seed++)
			igt_dynamic_f("seed-%u", seed)
				random_commands(seed, FUZZ_COMMANDS);
	}
}
