/*
 * Stand-in for IGT's lib/igt.h: the umbrella header.
 *
 * Pulls in the headers of this directory that upstream's igt.h includes,
 * all declaring the libigt.so.0 ABI of igt-gpu-tools 2.5.  Upstream's
 * igt.h does not include igt_vgem.h, so neither does this one.
 */

#ifndef IGT_H
#define IGT_H

#include "drmtest.h"
#include "igt_aux.h"
#include "igt_core.h"
#include "igt_debugfs.h"
#include "igt_kms.h"
#include "ioctl_wrappers.h"

#endif /* IGT_H */
