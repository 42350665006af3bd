// SPDX-License-Identifier: GPL-2.0
/*
 * The images of the final round that B does not have yet: every regular
 * file of A's folder except what stays on A (pagemap-sent-* tells A's
 * next dump what B holds, dirty-* and the tracker's state belong to A's
 * tracker: dirty-carry, dirty-tracker), logs and criu's output.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "send.h"
#include "spawn.h"

static bool stays_on_a(const char *name)
{
	static const char *const prefixes[] = { "pagemap-sent-", "dirty-", "." };
	size_t len = strlen(name);
	unsigned int i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return (len > 4 && !strcmp(name + len - 4, ".log")) ||
	       (len > 4 && !strcmp(name + len - 4, ".out"));
}

static int send_data(struct sender *s, int fd, uint64_t size, const char *name)
{
	uint64_t left = size;
	ssize_t n;
	int ret;

	while (left) {
		n = read(fd, s->msg->data, left < MIG_MAX_PAYLOAD ? left : MIG_MAX_PAYLOAD);
		if (n <= 0) {
			mig_err("Can't read %s: %s\n", name, n ? strerror(errno) : "it shrank");
			return -EIO;
		}
		ret = mig_send(s->sk, MIG_DATA, s->msg->data, n);
		if (ret)
			return ret;
		left -= n;
	}
	return 0;
}

static int send_file(struct sender *s, int dfd, const char *name)
{
	uint8_t hdr[12 + MIG_MAX_NAME];
	size_t len = strlen(name);
	struct stat st;
	int fd, ret;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		mig_perror("Can't open the image %s", name);
		ret = -errno;
		goto out;
	}
	ret = 0;
	if (!S_ISREG(st.st_mode))
		goto out;
	if (!mig_plain_name(name, len)) {
		mig_err("The image name %s is not one B takes\n", name);
		ret = -EINVAL;
		goto out;
	}
	mig_put64(hdr, st.st_size);
	mig_put32(hdr + 8, st.st_mode & 0777);
	memcpy(hdr + 12, name, len);
	ret = mig_send(s->sk, MIG_FILE, hdr, 12 + len);
	if (!ret)
		ret = send_data(s, fd, st.st_size, name);
	if (!ret)
		s->rep.images_bytes += st.st_size;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int send_images(struct sender *s, const char *round_dir)
{
	struct dirent *de;
	int dfd, ret = 0;
	DIR *d;

	dfd = open(round_dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	d = dfd < 0 ? NULL : fdopendir(dup(dfd));
	if (!d) {
		mig_perror("Can't list %s", round_dir);
		ret = -errno;
		goto out;
	}
	while (!ret && (de = readdir(d)))
		if (!stays_on_a(de->d_name) && strcmp(de->d_name, "parent"))
			ret = send_file(s, dfd, de->d_name);
	closedir(d);
out:
	if (dfd >= 0)
		close(dfd);
	if (ret)
		send_fail(s, "can't send the images of %s to B", round_dir);
	return ret;
}
