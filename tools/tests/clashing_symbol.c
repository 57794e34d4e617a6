// SPDX-License-Identifier: MIT
/*
 * Defines a libigt export on purpose: check_symbol_clash.py must reject it.
 */

#include <sys/types.h>

off_t prime_get_size(int dma_buf_fd);

off_t prime_get_size(int dma_buf_fd)
{
	return 0;
}
