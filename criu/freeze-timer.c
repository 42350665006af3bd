// SPDX-License-Identifier: GPL-2.0
/*
 * The --timeout of stopping a dump target (see freeze-timer.h). The
 * wait for the stop retries on EINTR, so the alarm cannot simply
 * interrupt it: its handler ends criu instead, with only
 * async-signal-safe calls. Nothing is written into the images folder
 * before the target is stopped, so nothing is left half-done there.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cr_options.h"
#include "freeze-timer.h"
#include "log.h"

static void freeze_timeout(int sig)
{
	static const char msg[] =
		"Error: --timeout reached while stopping the process; it is left running\n";
	int fd = log_get_fd();

	if (write(fd, msg, sizeof(msg) - 1) < 0 || fd == STDERR_FILENO)
		_exit(1);
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

int freeze_timer_start(void)
{
	struct sigaction sa;

	if (!opts.timeout)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = freeze_timeout;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL)) {
		pr_perror("Can't set the --timeout handler");
		return -errno;
	}
	alarm(opts.timeout);
	return 0;
}

void freeze_timer_stop(void)
{
	alarm(0);
}
