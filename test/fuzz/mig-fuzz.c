// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for criu-migrate's control protocol as serve reads it
 * (migrate/proto.c, migrate/serve-files.c): the input is what A sends on
 * the connection. It is framed by the real mig_recv() from a socket, the
 * first message checked by mig_parse_hello(), then FILE, DATA and RESTORE
 * go to the real serve_file(), serve_data() and serve_place_files() of a
 * session whose final round ended well (ROUND and ROUND_END start criu,
 * and are only checked as frames here).
 *
 * Whatever the input, a session ends with 0 or -errno, never crashes or
 * leaks, and never writes outside its round's folder: not through a name
 * with "..", a '/', a NUL, nor through the symlink planted in the folder
 * (link.img -> a file beside the session). After a failure no staged
 * ".in." file and no inventory.img is left (Documentation/migrate.md);
 * what is in place after RESTORE began has a plain name.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto.h"
#include "serve.h"

#define MIG_FUZZ_MAX_INPUT	65536

int mig_verbose;

static char root[64];
static int root_fd = -1, round_fd = -1;
static FILE *real_stderr, *quiet_stderr;
static struct mig_msg *msg;

static void die(const char *what)
{
	perror(what);
	abort();
}

static void remove_root(void)
{
	unlinkat(round_fd, "link.img", 0);
	unlinkat(round_fd, ".in.link2.img", 0);
	unlinkat(round_fd, "pages-1.img", 0);
	unlinkat(root_fd, "sess/round3", AT_REMOVEDIR);
	unlinkat(root_fd, "sess", AT_REMOVEDIR);
	unlinkat(root_fd, "victim", 0);
	rmdir(root);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/dev/shm/criu-mig-fuzz.XXXXXX");
	if (!mkdtemp(root)) {
		snprintf(root, sizeof(root), "/tmp/criu-mig-fuzz.XXXXXX");
		if (!mkdtemp(root))
			die("mkdtemp");
	}
	root_fd = open(root, O_RDONLY | O_DIRECTORY);
	if (root_fd < 0 || mkdirat(root_fd, "sess", 0700) || mkdirat(root_fd, "sess/round3", 0700))
		die("session folder");
	round_fd = openat(root_fd, "sess/round3", O_RDONLY | O_DIRECTORY);
	if (round_fd < 0)
		die("round folder");
	/* a file beside the session that a symlink in the round points at */
	close(openat(root_fd, "victim", O_WRONLY | O_CREAT, 0600));
	if (symlinkat("../../victim", round_fd, "link.img") ||
	    symlinkat("../../victim", round_fd, ".in.link2.img"))
		die("symlink");
	/* what the round's page server wrote: FILE must not replace it */
	close(openat(round_fd, "pages-1.img", O_WRONLY | O_CREAT, 0600));
	msg = malloc(sizeof(*msg));
	if (!msg)
		die("malloc");
	atexit(remove_root);
	/*
	 * serve names every refusal on stderr: FUZZ_VERBOSE shows them. Only
	 * the stream is swapped, so that the sanitizers' reports (on fd 2)
	 * and libFuzzer's (its own copy of the stream) still show.
	 */
	real_stderr = stderr;
	if (!getenv("FUZZ_VERBOSE"))
		quiet_stderr = fopen("/dev/null", "we");
}

static void quiet(bool on)
{
	if (quiet_stderr)
		stderr = on ? quiet_stderr : real_stderr;
}

static bool dot(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..");
}

static bool planted(const char *name)
{
	return !strcmp(name, "link.img") || !strcmp(name, ".in.link2.img") ||
	       !strcmp(name, "pages-1.img");
}

/*
 * After a session: the victim is untouched, the session folder holds only
 * round3, the round only what was planted and, once RESTORE began placing
 * (@placed), plain names; the inventory only if the session succeeded
 * (@ok). The round is emptied for the next run.
 */
static void check_and_clean(bool placed, bool ok)
{
	static char names[512][MIG_MAX_NAME + 1];
	unsigned int nr = 0, i;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (fstatat(root_fd, "victim", &st, 0) || st.st_size) {
		fprintf(stderr, "the session wrote through a symlink\n");
		abort();
	}
	d = fdopendir(dup(round_fd));
	if (!d)
		die("opendir");
	rewinddir(d);
	while ((de = readdir(d))) {
		if (dot(de->d_name) || planted(de->d_name))
			continue;
		if (!placed || !mig_plain_name(de->d_name, strlen(de->d_name)) ||
		    (!ok && !strcmp(de->d_name, "inventory.img"))) {
			fprintf(stderr, "%s is left in the round's folder (placed %d, ok %d)\n",
				de->d_name, placed, ok);
			abort();
		}
		if (nr < 512)
			snprintf(names[nr++], sizeof(names[0]), "%s", de->d_name);
	}
	closedir(d);
	for (i = 0; i < nr; i++)
		unlinkat(round_fd, names[i], 0);
	d = fdopendir(openat(root_fd, ".", O_RDONLY | O_DIRECTORY));
	if (!d)
		die("opendir root");
	while ((de = readdir(d)))
		if (!dot(de->d_name) && strcmp(de->d_name, "sess") && strcmp(de->d_name, "victim")) {
			fprintf(stderr, "the session wrote %s outside its folder\n", de->d_name);
			abort();
		}
	closedir(d);
}

/* serve's dispatch() for what needs no criu. 1: RESTORE placed the files. */
static int serve_one(struct session *ss)
{
	switch (ss->msg->type) {
	case MIG_FILE:
		return serve_file(ss);
	case MIG_DATA:
		return serve_data(ss);
	case MIG_RESTORE: {
		int ret = serve_place_files(ss);

		return ret ? ret : 1;
	}
	case MIG_ROUND:
	case MIG_ROUND_END:
		return 0;	/* framed and checked by mig_recv(); they run criu */
	}
	return serve_fail(ss, -EPROTO, "unexpected %s from A", mig_type_name(ss->msg->type));
}

static int session(struct session *ss)
{
	struct mig_hello h;
	char why[128];
	int ret;

	ret = mig_recv(ss->sk, ss->msg);
	if (ret)
		return ret;
	ret = mig_parse_hello(ss->msg, &h, why, sizeof(why));
	if (ret)
		return serve_fail(ss, ret, "%s", why);
	while (!ret) {
		ret = mig_recv(ss->sk, ss->msg);
		if (ret == -ENODATA)
			return -EPIPE;
		if (!ret)
			ret = serve_one(ss);
	}
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct serve_opts o = { .workdir = "fuzz" };
	struct session ss = {
		.o = &o, .msg = NULL, .sess_dfd = -1, .file_fd = -1, .number = 1,
		.round = 3, .final_round = true, .final_done = true,
	};
	int sv[2], ret;

	if (size > MIG_FUZZ_MAX_INPUT)
		return 0;
	if (root_fd < 0)
		setup();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		die("socketpair");
	if (size && write(sv[1], data, size) != (ssize_t)size)
		die("write input");
	shutdown(sv[1], SHUT_WR);
	snprintf(ss.dir, sizeof(ss.dir), "%s/sess", root);
	snprintf(ss.peer, sizeof(ss.peer), "fuzz");
	ss.sk = sv[0];
	ss.msg = msg;
	ss.round_dfd = round_fd;
	quiet(true);
	ret = session(&ss);
	quiet(false);
	if (ret > 1)
		abort();	/* only 0, 1 or -errno */
	if (ret != 1)
		serve_unstage(&ss);
	else if (ss.file_fd >= 0)
		abort();	/* placed in the middle of a file */
	free(ss.files);
	close(sv[0]);
	close(sv[1]);
	check_and_clean(ss.placed, ret == 1);
	return 0;
}
