/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CRIU_CR_OPTIONS_H
#define CRIU_CR_OPTIONS_H

#include <stdbool.h>
#include <sys/types.h>

/* Command-line options, named and defaulted as CRIU's. */
struct cr_options {
	pid_t pid;			/* -t, --tree */
	const char *imgs_dir;		/* -D, --images-dir */
	const char *log_file;		/* -o, --log-file; relative to imgs_dir */
	int log_level;			/* -v0..-v4 */
	bool shell_job;			/* -j, --shell-job */
	bool leave_running;		/* -R, --leave-running */
	bool restore_detached;		/* -d, --restore-detached */
	const char *pidfile;		/* --pidfile; relative to imgs_dir */
	const char *feature;		/* check --feature */
	bool track_mem;			/* --track-mem */
	const char *prev_images_dir;	/* --prev-images-dir, relative to imgs_dir */
	const char *dirty_tracker;	/* --dirty-tracker=NAME, --ooh; NULL: auto */
	const char *libdir;		/* -L, --libdir: plugins */
};

extern struct cr_options opts;

#endif /* CRIU_CR_OPTIONS_H */
