// SPDX-License-Identifier: GPL-2.0
/*
 * memholder PRIVATE SHARED READY: fills PRIVATE pages of private and
 * SHARED pages of shared anonymous memory with a pattern, writes its
 * pid into the file READY and waits. On SIGTERM it checks the pattern
 * and writes "intact" or "damaged" into READY.result, then exits (0 if
 * intact). SIGUSR1 rewrites the private pages (so that an incremental
 * dump has something to copy).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE	4096

static unsigned char *priv, *shr;
static long nr_priv, nr_shr;
static volatile sig_atomic_t got_usr1;
static volatile unsigned char gen = 1;
static const char *ready;

static void fill(unsigned char *p, long nr, unsigned char salt)
{
	long i;

	for (i = 0; i < nr * PAGE; i++)
		p[i] = (unsigned char)(i / PAGE + salt);
}

static int intact(const unsigned char *p, long nr, unsigned char salt)
{
	long i;

	for (i = 0; i < nr * PAGE; i++)
		if (p[i] != (unsigned char)(i / PAGE + salt))
			return 0;
	return 1;
}


static void on_usr1(int sig)
{
	got_usr1 = 1;
}

static int write_file(const char *path, const char *text)
{
	char tmp[4096];
	int fd, len = strlen(text);

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, len) != len || close(fd))
		return -1;
	return rename(tmp, path);
}

/*
 * The check runs in the handler: after a restore the process repeats
 * pause(), and a signal taken just before that would otherwise be lost.
 * Only async-signal-safe calls here.
 */
static void on_term(int sig)
{
	char path[4096];
	int ok = intact(priv, nr_priv, gen) && intact(shr, nr_shr, 100);

	snprintf(path, sizeof(path), "%s.result", ready);
	_exit(write_file(path, ok ? "intact" : "damaged") ? 2 : !ok);
}

int main(int argc, char **argv)
{
	char buf[4096];

	if (argc != 4)
		return 2;
	ready = argv[3];
	nr_priv = atol(argv[1]);
	nr_shr = atol(argv[2]);
	priv = mmap(NULL, nr_priv * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shr = mmap(NULL, nr_shr * PAGE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (priv == MAP_FAILED || shr == MAP_FAILED)
		return 2;
	fill(priv, nr_priv, gen);
	fill(shr, nr_shr, 100);
	signal(SIGTERM, on_term);
	signal(SIGUSR1, on_usr1);
	snprintf(buf, sizeof(buf), "%d", getpid());
	if (write_file(argv[3], buf))
		return 2;
	for (;;) {
		pause();
		if (got_usr1) {
			got_usr1 = 0;
			fill(priv, nr_priv, gen + 1);
			gen++;
		}
	}
}
