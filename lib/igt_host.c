// SPDX-License-Identifier: MIT
/*
 * Copyright © 2026 The xprime authors
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "igt.h"
#include "igt_host.h"
#include "igt_prime_provider.h"

/**
 * SECTION:igt_host
 * @short_description: The host behind a virtual machine
 * @title: Host channel
 * @include: igt_host.h
 *
 * The host behind a virtual machine, as a subtest can reach it: a line
 * protocol over a serial port that the machine's host serves, named in the
 * IGT_HOST_PORT environment variable by whoever runs the tests. Without it,
 * subtests that need the host's view skip, saying why.
 *
 *   guest: "screendump <qemu device id>\n"
 *   host:  "ok <path of a PPM file in the guest>\n" or "error <why>\n"
 */

/* QEMU's screendump of a guest under TCG takes well under this. */
#define REPLY_TIMEOUT_MS	60000

/**
 * igt_host_available:
 * Returns: whether a host serves this guest (IGT_HOST_PORT is set).
 */
bool igt_host_available(void)
{
	const char *port = getenv(IGT_HOST_PORT_ENV);

	return port && *port;
}

/**
 * igt_require_host:
 * Skips, saying why, when no host serves this guest.
 */
void igt_require_host(void)
{
	igt_require_f(igt_host_available(),
		      "no host behind this machine: %s is not set\n",
		      IGT_HOST_PORT_ENV);
}

static int port_open(void)
{
	struct termios tio;
	int fd = open(getenv(IGT_HOST_PORT_ENV), O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	/* Raw bytes: no echo, no line editing, no CR/LF translation. */
	if (tcgetattr(fd, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(fd, TCSANOW, &tio);
	}
	tcflush(fd, TCIOFLUSH);
	return fd;
}

/* Sends @request, reads one reply line into @reply. Returns 0 or -errno. */
static int host_ask(const char *request, char *reply, size_t size)
{
	size_t len = 0;
	int fd = port_open(), ret = 0;

	if (fd < 0)
		return fd;
	if (write(fd, request, strlen(request)) != (ssize_t)strlen(request)) {
		ret = -EIO;
		goto out;
	}
	while (len < size - 1) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, REPLY_TIMEOUT_MS) <= 0) {
			ret = -ETIMEDOUT;
			goto out;
		}
		n = read(fd, reply + len, 1);
		if (n <= 0) {
			ret = n ? -errno : -EIO;
			goto out;
		}
		if (reply[len] == '\n')
			break;
		len++;
	}
	reply[len] = '\0';
out:
	close(fd);
	return ret;
}

/* A binary PPM (P6, maxval 255) as an image with the X byte zero. */
static int load_ppm(const char *path, pixman_image_t **image)
{
	unsigned int width, height, maxval;
	FILE *f = fopen(path, "rb");
	uint32_t *pixels;
	int ret = 0;

	if (!f)
		return -errno;
	if (fscanf(f, "P6 %u %u %u", &width, &height, &maxval) != 3 || maxval != 255 ||
	    fgetc(f) == EOF) {
		fclose(f);
		return -EINVAL;
	}
	*image = pixman_image_create_bits(PIXMAN_x8r8g8b8, width, height, NULL, 0);
	igt_assert(*image);
	pixels = pixman_image_get_data(*image);
	for (uint64_t i = 0; i < (uint64_t)width * height; i++) {
		unsigned char rgb[3];

		if (fread(rgb, 3, 1, f) != 1) {
			ret = -EINVAL;
			break;
		}
		pixels[i] = rgb[0] << 16 | rgb[1] << 8 | rgb[2];
	}
	fclose(f);
	if (ret)
		pixman_image_unref(*image);
	return ret;
}

/**
 * __igt_host_screendump:
 * @device: QEMU's id of the display device
 * @image: set to the scanout as the host shows it, X byte zero
 *
 * Asks the host for @device's current scanout.
 *
 * Returns: 0, -ENODEV without a host, -EIO when the host could not take it,
 * or another -errno.
 */
int __igt_host_screendump(const char *device, pixman_image_t **image)
{
	char request[128], reply[512];
	int ret;

	if (!igt_host_available())
		return -ENODEV;
	snprintf(request, sizeof(request), "screendump %s\n", device);
	ret = host_ask(request, reply, sizeof(reply));
	if (ret)
		return ret;
	if (strncmp(reply, "ok ", 3)) {
		igt_info("host: %s\n", reply);
		return -EIO;
	}
	return load_ppm(reply + 3, image);
}

/**
 * igt_host_screendump:
 * @device: QEMU's id of the display device
 *
 * __igt_host_screendump(), asserting that it works.
 *
 * Returns: the image; pixman_image_unref() it.
 */
pixman_image_t *igt_host_screendump(const char *device)
{
	pixman_image_t *image = NULL;
	int ret = __igt_host_screendump(device, &image);

	igt_assert_f(ret == 0, "screendump of %s from the host: %s\n", device,
		     igt_errno_name(-ret));
	return image;
}
