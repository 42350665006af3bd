// SPDX-License-Identifier: GPL-2.0
/*
 * sk_tcp_fin_states: TCP connections over 127.0.0.1 whose FIN is not yet
 * acknowledged, both ends in this process. The test drops the packets
 * of the servers to their clients with a table of its own (nftables,
 * "inet zdtm_fin_PID"; packets with criu's mark 0xC114 pass), so that:
 *   w1: the client sent "w1data" and its FIN, neither acknowledged:
 *       client FIN-WAIT1, server CLOSE-WAIT;
 *   la: the client's FIN was acknowledged (FIN-WAIT2), then the server
 *       sent its FIN, unacknowledged: server LAST-ACK;
 *   cl: both sent their FIN, the client's reached the server, nothing
 *       came back: server CLOSING, client FIN-WAIT1.
 * After restore: the same states while the table stays; then the table
 * is removed and TCP goes on: the w1 server reads "w1data" and end of
 * file, its client reaches FIN-WAIT2 and reads the server's end of file;
 * the la client reads end of file and the server reaches CLOSE; the cl
 * server reaches CLOSE and its client reads end of file.
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "inet.h"
#include "zdtmtst.h"

static int lsk, w1c, w1s, lac, las, clc, cls;
static unsigned int port;

static unsigned int port_of(int sk, int peer)
{
	struct inet_addr self, other;

	if (inet_names(sk, &self, &other))
		return 0;
	return ntohs(((struct sockaddr_in *)(peer ? &other.ss : &self.ss))->sin_port);
}

static int nft(const char *script)
{
	FILE *f = popen("nft -f - 2>&1", "w");

	if (!f)
		return -1;
	fputs(script, f);
	return pclose(f) == 0 ? 0 : -1;
}

/* Drop what socket @s sends to its peer, in table @tbl (fin or fin2). */
static int block(int s, const char *tbl)
{
	char script[512];

	snprintf(script, sizeof(script),
		 "add table inet zdtm_%s_%d\n"
		 "add chain inet zdtm_%s_%d out { type filter hook output priority 0 ; }\n"
		 "add rule inet zdtm_%s_%d out meta mark != 0xc114 ip saddr 127.0.0.1 tcp sport %u "
		 "ip daddr 127.0.0.1 tcp dport %u drop\n",
		 tbl, getpid(), tbl, getpid(), tbl, getpid(), port_of(s, 0), port_of(s, 1));
	return nft(script);
}

static int unblock_table(const char *tbl)
{
	char script[64];

	snprintf(script, sizeof(script), "delete table inet zdtm_%s_%d\n", tbl, getpid());
	return nft(script);
}

static int unblock(void)
{
	unblock_table("fin2");
	return unblock_table("fin");
}

static int wait_state(int sk, int want, int ms)
{
	while (inet_tcp_state(sk) != want && ms > 0) {
		usleep(10000);
		ms -= 10;
	}
	return inet_tcp_state(sk) == want ? 0 : -1;
}

static int setup(void)
{
	lsk = inet_listener(AF_INET, 4, &port);
	if (lsk < 0 || inet_tcp_pair(AF_INET, lsk, &w1c, &w1s) ||
	    inet_tcp_pair(AF_INET, lsk, &lac, &las) || inet_tcp_pair(AF_INET, lsk, &clc, &cls))
		return -1;
	if (shutdown(lac, SHUT_WR) || wait_state(lac, TCP_FIN_WAIT2, 2000))
		return -1;
	if (block(w1s, "fin") || block(las, "fin") || block(cls, "fin") || block(clc, "fin2"))
		return -1;
	if (send(w1c, "w1data", 6, 0) != 6 || shutdown(w1c, SHUT_WR) || shutdown(las, SHUT_WR))
		return -1;
	/* both FINs out, then the client's let through */
	if (shutdown(cls, SHUT_WR) || shutdown(clc, SHUT_WR) || unblock_table("fin2") ||
	    wait_state(cls, TCP_CLOSING, 5000))
		return -1;
	usleep(200000);
	if (inet_tcp_state(w1c) != TCP_FIN_WAIT1 || inet_tcp_state(w1s) != TCP_CLOSE_WAIT ||
	    inet_tcp_state(lac) != TCP_FIN_WAIT2 || inet_tcp_state(las) != TCP_LAST_ACK) {
		fail("states before the dump: %d %d %d %d", inet_tcp_state(w1c), inet_tcp_state(w1s),
		     inet_tcp_state(lac), inet_tcp_state(las));
		return -1;
	}
	if (inet_tcp_state(cls) != TCP_CLOSING || inet_tcp_state(clc) != TCP_FIN_WAIT1) {
		fail("cl states before the dump: %d %d", inet_tcp_state(cls), inet_tcp_state(clc));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret = test_init(argc, argv, 0);
	char b[8];

	if (ret)
		return test_init_exit(ret);
	if (setup()) {
		if (!test_failed())
			fail("setup: %m");
		unblock();
		return 1;
	}
	if (test_daemon()) {
		unblock();
		return 1;
	}
	test_waitsig();
	if (test_broken())
		recv(w1s, b, 1, MSG_DONTWAIT);
	if (inet_tcp_state(w1c) != TCP_FIN_WAIT1 || inet_tcp_state(w1s) != TCP_CLOSE_WAIT ||
	    inet_tcp_state(las) != TCP_LAST_ACK || inet_tcp_state(cls) != TCP_CLOSING ||
	    inet_tcp_state(clc) != TCP_FIN_WAIT1) {
		fail("states after restore: %d %d %d %d %d (want 4 8 9 11 4)", inet_tcp_state(w1c),
		     inet_tcp_state(w1s), inet_tcp_state(las), inet_tcp_state(cls), inet_tcp_state(clc));
		unblock();
		return 1;
	}
	if (unblock()) {
		fail("can't remove the test's table");
		return 1;
	}
	if (inet_read_is(w1s, "w1data", 3000, "w1 server") || inet_read_is(w1s, "", 3000, "w1 server EOF"))
		return 1;
	if (wait_state(w1c, TCP_FIN_WAIT2, 10000)) {
		fail("w1 client: state %d, its FIN never acknowledged", inet_tcp_state(w1c));
		return 1;
	}
	if (shutdown(w1s, SHUT_WR) || inet_read_is(w1c, "", 3000, "w1 client EOF"))
		return 1;
	if (inet_read_is(lac, "", 10000, "la client EOF"))
		return 1;
	if (wait_state(las, TCP_CLOSE, 10000)) {
		fail("la server: state %d, its FIN never acknowledged", inet_tcp_state(las));
		return 1;
	}
	if (inet_read_is(clc, "", 10000, "cl client EOF") || wait_state(cls, TCP_CLOSE, 10000)) {
		if (!test_failed())
			fail("cl server: state %d, its FIN never acknowledged", inet_tcp_state(cls));
		return 1;
	}
	pass();
	return 0;
}
