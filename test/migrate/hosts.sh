#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hosts.sh - sourced by the migrate tier's scripts: "hosts" A and B as two
# network namespaces joined by a veth pair with private addresses
# (10.77.0.1/24 on A, 10.77.0.2/24 on B); nothing else is reachable from
# them. The caller removes them with net_down (also when it fails).
#
# hosts_up also gives each host a pid and a mount namespace of its own
# (its init is zdtm's subreaper, which reaps what the host orphans, and
# /proc is that namespace's), so that a tree can run on B under the same
# pids while its stopped copy still holds them on A; in_host A|B CMD runs
# CMD there. hosts_down kills both inits, and with them everything that
# ran in the hosts.

ADDR_A=10.77.0.1
ADDR_B=10.77.0.2
NS_A=criu-mig-a.$$
NS_B=criu-mig-b.$$
VETH_A=cmiga$$
VETH_B=cmigb$$
INIT_A=
INIT_B=

net_up() {
	ip netns add "$NS_A" && ip netns add "$NS_B" &&
	ip link add "$VETH_A" type veth peer name "$VETH_B" &&
	ip link set "$VETH_A" netns "$NS_A" && ip link set "$VETH_B" netns "$NS_B" &&
	ip -n "$NS_A" addr add "$ADDR_A/24" dev "$VETH_A" &&
	ip -n "$NS_B" addr add "$ADDR_B/24" dev "$VETH_B" &&
	ip -n "$NS_A" link set lo up && ip -n "$NS_B" link set lo up &&
	ip -n "$NS_A" link set "$VETH_A" up && ip -n "$NS_B" link set "$VETH_B" up
}

net_down() {
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
}

link_set() { ip -n "$NS_A" link set "$VETH_A" "$1"; }

# host_init NS REAPER: the host pid of a new pid namespace's init in netns NS.
host_init() {
	local ns=$1 reaper=$2 up i init

	nsenter --net="/run/netns/$ns" unshare --pid --mount --fork --mount-proc \
		--propagation private "$reaper" sleep infinity </dev/null >/dev/null 2>&1 &
	up=$!
	for ((i = 0; i < 100; i++)); do
		init=$(pgrep -P "$up" | head -n1)
		[ -n "$init" ] && [ "$(readlink "/proc/$init/ns/pid")" != "$(readlink /proc/self/ns/pid)" ] &&
			{ echo "$init"; return 0; }
		sleep 0.02
	done
	return 1
}

# hosts_up REAPER: the network, then each host's init.
hosts_up() {
	net_up || return 1
	INIT_A=$(host_init "$NS_A" "$1") || return 1
	INIT_B=$(host_init "$NS_B" "$1") || return 1
}

hosts_down() {
	[ -n "$INIT_A" ] && kill -9 "$INIT_A" 2>/dev/null
	[ -n "$INIT_B" ] && kill -9 "$INIT_B" 2>/dev/null
	INIT_A= INIT_B=
	net_down
}

in_host() {
	local init

	[ "$1" = A ] && init=$INIT_A || init=$INIT_B
	shift
	nsenter -t "$init" -n -p -m -- "$@"
}
