/* SPDX-License-Identifier: MIT */
/*
 * Copyright © 2026 The xprime authors
 *
 * The host behind a virtual machine, as a subtest can reach it: a line
 * protocol over a serial port that the machine's host serves, named in the
 * IGT_HOST_PORT environment variable by whoever runs the tests. Without it,
 * subtests that need the host's view skip, saying why.
 *
 *   guest: "screendump <qemu device id>\n"
 *   host:  "ok <path of a PPM file in the guest>\n" or "error <why>\n"
 */

#ifndef IGT_HOST_H
#define IGT_HOST_H

#include <stdbool.h>

#include <pixman.h>

#define IGT_HOST_PORT_ENV	"IGT_HOST_PORT"

bool igt_host_available(void);
void igt_require_host(void);

int __igt_host_screendump(const char *device, pixman_image_t **image);
pixman_image_t *igt_host_screendump(const char *device);

#endif /* IGT_HOST_H */
