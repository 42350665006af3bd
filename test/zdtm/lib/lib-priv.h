/* SPDX-License-Identifier: GPL-2.0 */
/* lib-priv.h - state shared between the files of the test library. */
#ifndef ZDTM_LIB_PRIV_H
#define ZDTM_LIB_PRIV_H

extern int test_log_fd;		/* where test_msg() writes */
extern const char *test_outfile;	/* absolute path of the verdict file */

#endif /* ZDTM_LIB_PRIV_H */
