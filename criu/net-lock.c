// SPDX-License-Identifier: GPL-2.0
/*
 * The network lock: while a connection is dumped and restored, its
 * packets are dropped, so that the peer gets neither an answer from a
 * half-read socket nor a reset from a closed one; TCP retransmits what
 * was dropped once the lock is gone. criu-ooh does not dump network
 * namespaces, so it locks each connection by its addresses and ports,
 * in both directions (Documentation/network-lock.md):
 *
 *   --network-lock nftables   table inet CRIU-<root pid>, chains on the
 *                             input and output hooks
 *   --network-lock iptables   chain CRIU-<root pid> in the filter tables
 *                             of iptables and ip6tables, jumped to from
 *                             INPUT and OUTPUT (iptables-restore)
 *   --network-lock skip       nothing
 *
 * Packets carrying NET_LOCK_MARK pass: restore's own segments.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cr_options.h"
#include "log.h"
#include "net-lock.h"

#define SCRIPT_MAX	2048

/*
 * Run @argv with @input on its stdin; what it prints is logged as an
 * error unless @quiet. Returns its exit status, or -errno.
 */
static int run_tool(const char *const argv[], const char *input, bool quiet)
{
	int in[2], out[2], status, ret = 0;
	char buf[1024];
	size_t len = strlen(input), done = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC))
		return -errno;
	if (pipe2(out, O_CLOEXEC)) {
		ret = -errno;
		close(in[0]);
		close(in[1]);
		return ret;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		pr_perror("Can't fork %s", argv[0]);
		goto out;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "can't run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;
	while (done < len) {
		n = write(in[1], input + done, len - done);
		if (n <= 0)
			break;
		done += n;
	}
	close(in[1]);
	in[1] = -1;
	while ((n = read(out[0], buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		if (!quiet)
			pr_err("%s: %s", argv[0], buf);
	}
	if (waitpid(pid, &status, 0) != pid) {
		ret = -errno;
		pr_perror("waitpid %s", argv[0]);
		goto out;
	}
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (out[0] >= 0)
		close(out[0]);
	if (out[1] >= 0)
		close(out[1]);
	return ret;
}

static int run_script(const char *const argv[], const char *script, const char *what)
{
	int ret = run_tool(argv, script, false);

	if (ret) {
		pr_err("Network lock: %s failed (%s exited with %d); script:\n%s", what, argv[0],
		       ret, script);
		return ret < 0 ? ret : -EIO;
	}
	return 0;
}

static const char *const nft_argv[] = { "nft", "-f", "-", NULL };
static const char *const ipt4_argv[] = { "iptables-restore", "-w", "--noflush", NULL };
static const char *const ipt6_argv[] = { "ip6tables-restore", "-w", "--noflush", NULL };

/* One end of a connection as the rules name it; a v4-mapped address is v4. */
struct lock_end {
	bool v6;
	char addr[INET6_ADDRSTRLEN];
	unsigned int port;
};

static void lock_end(const struct sockaddr_storage *ss, struct lock_end *e)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;

		e->v6 = false;
		inet_ntop(AF_INET, &a->sin_addr, e->addr, sizeof(e->addr));
		e->port = ntohs(a->sin_port);
		return;
	}
	const struct sockaddr_in6 *a = (const void *)ss;

	e->port = ntohs(a->sin6_port);
	e->v6 = !IN6_IS_ADDR_V4MAPPED(&a->sin6_addr);
	if (e->v6)
		inet_ntop(AF_INET6, &a->sin6_addr, e->addr, sizeof(e->addr));
	else
		inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], e->addr, sizeof(e->addr));
}

static int nft_lock(struct net_lock *nl, const struct lock_end *me, const struct lock_end *peer)
{
	const char *ip = me->v6 ? "ip6" : "ip";
	char script[SCRIPT_MAX];
	int len = 0, ret;

	if (!(nl->created & NET_LOCK_NFT))
		len = snprintf(script, sizeof(script),
			"add table inet CRIU-%d\n"
			"add chain inet CRIU-%d output { type filter hook output priority -150 ; policy accept ; }\n"
			"add chain inet CRIU-%d input { type filter hook input priority -150 ; policy accept ; }\n"
			"add rule inet CRIU-%d output meta mark 0x%x accept\n"
			"add rule inet CRIU-%d input meta mark 0x%x accept\n",
			nl->root_pid, nl->root_pid, nl->root_pid, nl->root_pid, NET_LOCK_MARK,
			nl->root_pid, NET_LOCK_MARK);
	snprintf(script + len, sizeof(script) - len,
		 "add rule inet CRIU-%d output %s saddr %s tcp sport %u %s daddr %s tcp dport %u drop\n"
		 "add rule inet CRIU-%d input %s saddr %s tcp sport %u %s daddr %s tcp dport %u drop\n",
		 nl->root_pid, ip, me->addr, me->port, ip, peer->addr, peer->port,
		 nl->root_pid, ip, peer->addr, peer->port, ip, me->addr, me->port);
	/* a table half made is still removed by net_unlock() */
	nl->created |= NET_LOCK_NFT;
	ret = run_script(nft_argv, script, "nft");
	return ret;
}

static int ipt_lock(struct net_lock *nl, const struct lock_end *me, const struct lock_end *peer)
{
	unsigned int bit = me->v6 ? NET_LOCK_IPT6 : NET_LOCK_IPT4;
	char script[SCRIPT_MAX];
	int len, pid = nl->root_pid;

	len = snprintf(script, sizeof(script), "*filter\n");
	if (!(nl->created & bit))
		len += snprintf(script + len, sizeof(script) - len,
				":CRIU-%d - [0:0]\n-I INPUT -j CRIU-%d\n-I OUTPUT -j CRIU-%d\n"
				"-A CRIU-%d -m mark --mark 0x%x -j ACCEPT\n",
				pid, pid, pid, pid, NET_LOCK_MARK);
	snprintf(script + len, sizeof(script) - len,
		 "-A CRIU-%d -p tcp -s %s --sport %u -d %s --dport %u -j DROP\n"
		 "-A CRIU-%d -p tcp -s %s --sport %u -d %s --dport %u -j DROP\nCOMMIT\n",
		 pid, me->addr, me->port, peer->addr, peer->port,
		 pid, peer->addr, peer->port, me->addr, me->port);
	nl->created |= bit;
	return run_script(me->v6 ? ipt6_argv : ipt4_argv, script, "iptables-restore");
}

int net_lock_conn(struct net_lock *nl, const struct inet_conn *c)
{
	struct lock_end me, peer;
	char addrs[128];
	int ret;

	if (nl->method == NETWORK_LOCK_SKIP)
		return 0;
	lock_end(&c->src, &me);
	lock_end(&c->dst, &peer);
	inet_conn_str(c, addrs, sizeof(addrs));
	if (nl->method == NETWORK_LOCK_NFTABLES)
		ret = nft_lock(nl, &me, &peer);
	else
		ret = ipt_lock(nl, &me, &peer);
	if (ret) {
		pr_err("Can't lock connection %s (--network-lock %s)\n", addrs,
		       nl->method == NETWORK_LOCK_NFTABLES ? "nftables" : "iptables");
		return ret;
	}
	nl->nr_conns++;
	pr_info("Network lock: connection %s locked\n", addrs);
	return 0;
}

static int ipt_unlock(const char *const restore_argv[], const char *list_tool, pid_t pid)
{
	char chain[32], script[256];
	const char *list_argv[] = { list_tool, "-w", "-n", "-L", chain, NULL };

	snprintf(chain, sizeof(chain), "CRIU-%d", pid);
	if (run_tool(list_argv, "", true))
		return 0;	/* no such chain: nothing locked */
	snprintf(script, sizeof(script),
		 "*filter\n-D INPUT -j %s\n-D OUTPUT -j %s\n-F %s\n-X %s\nCOMMIT\n",
		 chain, chain, chain, chain);
	return run_script(restore_argv, script, "iptables-restore");
}

int net_unlock(int method, pid_t root_pid)
{
	char table[32], script[64];
	int ret = 0, err;

	if (method == NETWORK_LOCK_SKIP)
		return 0;
	if (method == NETWORK_LOCK_NFTABLES) {
		const char *list_argv[] = { "nft", "list", "table", "inet", table, NULL };

		snprintf(table, sizeof(table), "CRIU-%d", root_pid);
		if (run_tool(list_argv, "", true))
			return 0;	/* no table: nothing locked */
		snprintf(script, sizeof(script), "delete table inet %s\n", table);
		ret = run_script(nft_argv, script, "nft");
	} else {
		ret = ipt_unlock(ipt4_argv, "iptables", root_pid);
		err = ipt_unlock(ipt6_argv, "ip6tables", root_pid);
		ret = ret ? ret : err;
	}
	if (!ret)
		pr_info("Network lock of pid %d removed\n", root_pid);
	return ret;
}
