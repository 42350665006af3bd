// SPDX-License-Identifier: GPL-2.0
/*
 * ghost_fifo: fifo00 with the FIFO unlinked while open: it comes back as
 * a ghost (restore makes it under the old path and unlinks it again), the
 * descriptors of one deleted FIFO (no links) with its buffered bytes;
 * the old path is gone after restore.
 */
#include "fifo00.c"
