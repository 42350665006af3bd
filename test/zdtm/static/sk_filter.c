// SPDX-License-Identifier: GPL-2.0
/*
 * sk_filter: a classic BPF filter on a UDP socket on 127.0.0.1 that
 * keeps only datagrams whose first byte is 'A'. After restore: the same
 * program (SO_GET_FILTER), and it still acts: 'B...' is dropped, 'A...'
 * comes through.
 */
#include <linux/filter.h>
#include <string.h>
#include <unistd.h>

#include "inet.h"
#include "zdtmtst.h"

#ifndef SO_GET_FILTER
#define SO_GET_FILTER	SO_ATTACH_FILTER
#endif

static struct sock_filter prog[] = {
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 8),		/* first byte after the UDP header */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 'A', 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0xffff),
	BPF_STMT(BPF_RET | BPF_K, 0),
};
#define NR_INSNS	(sizeof(prog) / sizeof(prog[0]))

int main(int argc, char **argv)
{
	struct sock_fprog fp = { .len = NR_INSNS, .filter = prog };
	struct sock_filter got[16];
	struct inet_addr addr, peer;
	socklen_t len = 16;
	int ret = test_init(argc, argv, 0), sk, tx;
	char buf[16];

	if (ret)
		return test_init_exit(ret);
	sk = inet_bound(AF_INET, SOCK_DGRAM, 0);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (sk < 0 || tx < 0 || inet_names(sk, &addr, &peer) ||
	    setsockopt(sk, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp))) {
		fail("setup: %m");
		return 1;
	}
	if (test_daemon())
		return 1;
	test_waitsig();
	if (test_broken()) {
		int zero = 0;

		setsockopt(sk, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof(zero));
	}
	if (getsockopt(sk, SOL_SOCKET, SO_GET_FILTER, got, &len) || len != NR_INSNS ||
	    memcmp(got, prog, sizeof(prog))) {
		fail("filter lost or changed (%u instructions)", len);
		return 1;
	}
	if (sendto(tx, "B-drop", 6, 0, (struct sockaddr *)&addr.ss, addr.len) != 6 ||
	    sendto(tx, "A-keep", 6, 0, (struct sockaddr *)&addr.ss, addr.len) != 6) {
		fail("sendto: %m");
		return 1;
	}
	memset(buf, 0, sizeof(buf));
	if (inet_read_wait(sk, buf, sizeof(buf), 3000) != 6 || memcmp(buf, "A-keep", 6)) {
		fail("the filter does not act: got '%s'", buf);
		return 1;
	}
	pass();
	return 0;
}
