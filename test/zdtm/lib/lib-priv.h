/* SPDX-License-Identifier: GPL-2.0 */
/* lib-priv.h - state shared between the files of the test library. */
#ifndef ZDTM_LIB_PRIV_H
#define ZDTM_LIB_PRIV_H

extern int test_log_fd;		/* where test_msg() writes */
extern const char *test_outfile;	/* absolute path of the verdict file */

/* rounds.c, for test.c */
int test_takes_rounds(void);
int test_round_publish(void);
int test_round_pending(void);
void test_round_run(void);

#endif /* ZDTM_LIB_PRIV_H */
