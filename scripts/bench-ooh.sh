#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-ooh.sh - the dirty trackers compared inside a nested KVM guest, the
# only place where the ooh tracker (Extended and Shadow PML) runs:
# `make bench-ooh`.
#
# Level 1 is the nested tier's (test/vm/nested): Debian's 6.1 under QEMU TCG
# with the OoH-patched kvm modules. Level 2 boots bookworm-backports' 6.12,
# the kernel with PAGEMAP_SCAN, so that all the trackers run in the same
# guest: none, soft-dirty, pagemap-scan, and ooh over each provider,
# ooh-epml and ooh-spml (ooh.ko built for 6.12; level 1 shadows level 2's
# page tables, kvm_amd npt=0, which EPML needs).
# There test/vm/nested/l2-bench.sh measures, per tracker, in one boot:
#
#   track-workload (test/bench-track): BENCH_SIZE_MIB MiB written, then a
#     share of its pages (each of BENCH_RATES percent) rewritten in a loop;
#     pre-dump #1, pre-dump #2 and the final dump, their wall and frozen
#     times and pages written, its write rate before and while tracked, and
#     for ooh the guest's cost per logged entry (SPML: reverse mapping;
#     EPML: reading the ring and re-arming);
#   redis-server filled by redis-benchmark: SET throughput before and
#     while tracked, and the two pre-dumps' times.
#
# Everything in level 2 runs under TCG emulation one level down: absolute
# times mean nothing, so the report gives ratios between trackers of the
# same run. Output: Documentation/benchmarks/ooh.md and ooh.png (gnuplot).
#
# Usage (root): scripts/bench-ooh.sh    (or: make bench-ooh)
#               scripts/bench-ooh.sh --from-log RAW   (report from a kept log)
# Environment: BENCH_RUNS (default 3), BENCH_SIZE_MIB (256), BENCH_RATES
# ("0.1 1 10"), BENCH_WINDOW (2 s), BENCH_TRACKERS, BENCH_REDIS (1; 0: skip),
# BENCH_REDIS_KEYS (20000), BENCH_REDIS_REQS (30000),
# BENCH_OUT (the .md; the .png goes beside it), KEEP=DIR (keep the raw log).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
OUT=${BENCH_OUT:-$root/Documentation/benchmarks/ooh.md}
PNG=${OUT%.md}.png
NESTED=$root/test/vm/nested
raw=
tmp=

fail() {
	echo "bench-ooh: FAILED: $*" >&2
	[ -n "$raw" ] && [ -s "$raw" ] && tail -n 20 "$raw" | sed 's/^/    /' >&2
	exit 1
}

cleanup() {
	[ -n "$tmp" ] && rm -rf "$tmp"
}

# Files level 2 needs besides what run-nested.sh puts there.
bench_adds() {
	local b
	ADDS=(--add "$root/test/bench-track/track-workload:/bin/track-workload")
	REDIS=${BENCH_REDIS:-1}
	[ "$REDIS" = 1 ] || return 0
	for b in redis-server redis-benchmark redis-cli; do
		if ! command -v $b >/dev/null; then
			echo "bench-ooh: no $b: the redis case is skipped" \
				"(apt-get install redis-server redis-tools)" >&2
			REDIS=0
			ADDS=("${ADDS[@]:0:2}")
			return 0
		fi
		ADDS+=(--add "$(command -v $b):/usr/bin/$b")
	done
}

build() {
	local g
	for g in bench vm ooh ooh-host; do
		"$root/scripts/install-deps.sh" $g >/dev/null || fail "scripts/install-deps.sh $g"
	done
	make -s -C "$root" all >/dev/null || fail "make all"
	make -s -C "$root/test/zdtm" all >/dev/null || fail "make -C test/zdtm"
	make -s -C "$root/ooh-kmod/guest" KERNEL=backports >/dev/null 2>&1 ||
		fail "ooh.ko for the backports kernel (make -C ooh-kmod/guest KERNEL=backports)"
	make -s -C "$root/test/bench-track" >/dev/null || fail "test/bench-track/track-workload"
	command -v gnuplot >/dev/null || fail "gnuplot missing (scripts/install-deps.sh bench)"
}

run_guest() {
	local env
	env="BENCH_RUNS=${BENCH_RUNS:-3} BENCH_SIZE_MIB=${BENCH_SIZE_MIB:-256}"
	env+=" BENCH_RATES='${BENCH_RATES:-0.1 1 10}' BENCH_WINDOW=${BENCH_WINDOW:-2}"
	env+=" BENCH_REDIS=$REDIS BENCH_TRACKERS='${BENCH_TRACKERS:-}'"
	env+=" BENCH_REDIS_KEYS=${BENCH_REDIS_KEYS:-20000} BENCH_REDIS_REQS=${BENCH_REDIS_REQS:-30000}"
	env+=" BENCH_SPML_PROFILE=${BENCH_SPML_PROFILE:-0}"
	# Shadow paging in level 1 (npt=0): EPML needs it, and every tracker
	# of the run then pays the same MMU.
	L1_NPT=0 L2_ENV=$env L2_MEM=${L2_MEM:-1536M} L2_TIMEOUT=${L2_TIMEOUT:-1500} \
	VM_TIMEOUT=${VM_TIMEOUT:-1650} OOH_KO= \
		"$NESTED/run-nested.sh" --l2-kernel backports \
		--l2-script "$NESTED/l2-bench.sh" "${ADDS[@]}" 2>&1 | tee "$raw" |
		grep -E --line-buffered '^(PASS bench|FAIL|#|l1:|run-nested)'
}

# Medians per tracker (and rate) of the BENCH lines: $tmp/track, $tmp/redis.
reduce() {
	grep '^BENCH track ' "$raw" | cut -d' ' -f3- >"$tmp/track.all"
	grep '^BENCH redis ' "$raw" | cut -d' ' -f3- >"$tmp/redis.all"
	[ -s "$tmp/track.all" ] || fail "level 2 reported no measurement"
	awk -f - "$tmp/track.all" >"$tmp/track" <<'EOF'
function median(key, col,   n, i, j, v, a) {
	n = split(vals[key, col], a, " ")
	if (!n) return "-"
	for (i = 2; i <= n; i++)	# insertion sort: a few runs only
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			v = a[j]; a[j] = a[j - 1]; a[j - 1] = v
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	key = $1 " " $2
	if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
	for (c = 4; c <= NF; c++) if ($c != "-") vals[key, c] = vals[key, c] " " $c
}
END {
	for (k = 1; k <= nk; k++) {
		line = order[k]
		for (c = 4; c <= 18; c++) line = line " " median(order[k], c)
		print line
	}
}
EOF
	awk -f - "$tmp/redis.all" >"$tmp/redis" <<'EOF'
{ key = $1; if (!(key in seen)) { seen[key] = 1; print } }
EOF
}

# Track columns after reduce: T RATE PD1_S PD1_FR PD1_W PD2_S PD2_FR PD2_SC
# PD2_W D_S D_FR D_SC D_W UNTR TR RMAP_NS RMAP_N  ($1..$17)
track_table() {
	echo "| tracker | dirty | pre-dump #1 (full) | pre-dump #2 | pre-dump #2 / #1 | pre-dump #2 frozen | pre-dump #2 pages written | dump | dump frozen | dump pages written | dump / none's dump | frozen / none's | slowdown while tracked | guest cost per entry (entries) |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	awk '
	NR == FNR { if ($1 == "none") { nd[$2] = $10; nf[$2] = $11 }; next }
	{
		rel = ($6 > 0 && $3 > 0) ? sprintf("%.1f%%", 100 * $6 / $3) : "-"
		vsn = nd[$2] > 0 ? sprintf("%.2f", $10 / nd[$2]) : "-"
		vsf = nf[$2] > 0 ? sprintf("%.2f", $11 / nf[$2]) : "-"
		slow = $14 > 0 ? sprintf("%.1f%%", 100 * (1 - $15 / $14)) : "-"
		rm = ($16 != "-" && $17 > 0) ? sprintf("%.0f ns (%.0f)", $16 / $17, $17) : "-"
		printf "| %s | %s%% | %.2f s | %.2f s | %s | %.0f ms | %.0f | %.2f s | %.0f ms | %.0f | %s | %s | %s | %s |\n",
			$1, $2, $3, $6, rel, $7, $9, $10, $11, $13, vsn, vsf, slow, rm
	}' "$tmp/track" "$tmp/track"
}

# Redis columns: T BASE TRACKED PD1_S PD1_FR PD2_S PD2_FR PD2_W RMAP_NS RMAP_N
redis_table() {
	[ -s "$tmp/redis" ] || { echo "(no redis figures: redis-server not installed or BENCH_REDIS=0)"; return; }
	echo "| tracker | SET/s untracked | SET/s tracked | throughput drop | pre-dump #1 | pre-dump #2 | pre-dump #2 / #1 | pre-dump #2 frozen | pre-dump #2 pages written | pre-dump #2 / none's | guest cost per entry (entries) |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	awk '
	NR == FNR { if ($1 == "none") n2 = $6; next }
	{
		drop = $2 > 0 ? sprintf("%.1f%%", 100 * (1 - $3 / $2)) : "-"
		rel = $4 > 0 ? sprintf("%.1f%%", 100 * $6 / $4) : "-"
		vsn = n2 > 0 ? sprintf("%.2f", $6 / n2) : "-"
		rm = ($9 != "-" && $10 > 0) ? sprintf("%.0f ns (%.0f)", $9 / $10, $10) : "-"
		printf "| %s | %s | %s | %s | %.2f s | %.2f s | %s | %.0f ms | %s | %s | %s |\n",
			$1, $2, $3, drop, $4, $6, rel, $7, $8, vsn, rm
	}' "$tmp/redis" "$tmp/redis"
}

# One row per tracker: dump / none's dump at the lowest rate, slowdown at
# that rate, redis drop; bars in percent.
plot() {
	local r0
	r0=$(awk '{ print $2 }' "$tmp/track" | sort -g | head -n1)
	awk -v r0="$r0" '
	FNR == 1 { f++ }
	f == 1 && $2 == r0 { if ($1 == "none") nd = $10; t[++n] = $1; d[$1] = $10
		s[$1] = $14 > 0 ? 100 * (1 - $15 / $14) : 0; p[$1] = $3 > 0 ? 100 * $6 / $3 : 0 }
	f == 2 { rd[$1] = $2 > 0 ? 100 * (1 - $3 / $2) : 0 }
	END {
		for (i = 1; i <= n; i++)
			printf "%s %.1f %.1f %.1f %.1f\n", t[i], (nd > 0 ? 100 * d[t[i]] / nd : 0),
				p[t[i]], s[t[i]], ((t[i] in rd) ? rd[t[i]] : 0)
	}' "$tmp/track" "$tmp/redis" >"$tmp/plot.dat"
	gnuplot <<EOF || fail "gnuplot"
set terminal pngcairo size 1100,520 font "sans,10"
set output "$PNG"
set title "Dirty trackers in a nested KVM guest (emulated: ratios only; dirty rate ${r0}%)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "percent"
set yrange [*:*]
set offsets 0, 0, graph 0.05, 0
set xzeroaxis
set grid ytics
set key outside right top vertical
plot "$tmp/plot.dat" using 2:xtic(1) title "final dump time, % of none's", \
     "" using 3 title "pre-dump #2 time, % of pre-dump #1", \
     "" using 4 title "workload slowdown while tracked, %", \
     "" using 5 title "redis SET throughput drop, %"
EOF
}

# EPML against SPML, per rate: the ratios the paper's claims are about.
epml_vs_spml() {
	echo "| dirty | pre-dump #1 EPML / SPML | pre-dump #2 EPML / SPML | dump EPML / SPML | dump frozen EPML / SPML | slowdown EPML | slowdown SPML |"
	echo "|---|---|---|---|---|---|---|"
	awk '
	$1 == "ooh-epml" { e[$2] = $0 } $1 == "ooh-spml" { s[$2] = $0 }
	END {
		for (r in e) {
			if (!(r in s)) continue
			split(e[r], a, " "); split(s[r], b, " ")
			r1 = (b[3] > 0) ? sprintf("%.2f", a[3] / b[3]) : "-"
			r2 = (b[6] > 0) ? sprintf("%.2f", a[6] / b[6]) : "-"
			r3 = (b[10] > 0) ? sprintf("%.2f", a[10] / b[10]) : "-"
			r4 = (b[11] > 0) ? sprintf("%.2f", a[11] / b[11]) : "-"
			se = (a[14] > 0) ? sprintf("%.1f%%", 100 * (1 - a[15] / a[14])) : "-"
			ss = (b[14] > 0) ? sprintf("%.1f%%", 100 * (1 - b[15] / b[14])) : "-"
			printf "| %s%% | %s | %s | %s | %s | %s | %s |\n", r, r1, r2, r3, r4, se, ss
		}
	}' "$tmp/track" | sort -t'|' -k2 -g
}

report() {
	local rev
	rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
	git -C "$root" diff --quiet HEAD -- criu compel plugins ooh-kmod 2>/dev/null ||
		rev+=" with uncommitted changes"
	cat <<EOF
# OoH: the dirty trackers compared in a nested KVM guest

Measured by \`make bench-ooh\` (scripts/bench-ooh.sh) at commit $rev,
$(date -u '+%Y-%m-%d %H:%M UTC').

- Host: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(nproc) cpus, no KVM.
- Level 1: Debian's $(basename "$(ls -d "$root"/test/vm/.cache/kernel/linux-image-6.1*/lib/modules/*/ | head -n1)") under QEMU TCG, with the OoH-patched kvm.ko/kvm-amd.ko (ooh-kmod/host).
- Level 2: a KVM guest of level 1 (microvm, 1 vCPU, ${L2_MEM:-1536M}),
  $(sed -n 's/^# kernel \([^,]*\),.*/\1/p' "$raw" | head -n1) (bookworm-backports: it has PAGEMAP_SCAN), ooh.ko built for it.
$(sed -n 's/^# /- Level 2 reports: /p' "$raw" | head -n1)
- BENCH_RUNS=${BENCH_RUNS:-3}, BENCH_SIZE_MIB=${BENCH_SIZE_MIB:-256}, BENCH_RATES="${BENCH_RATES:-0.1 1 10}", BENCH_WINDOW=${BENCH_WINDOW:-2} s.

**Everything in level 2 runs on emulated hardware** (TCG one level down,
hardware virtualization emulated by QEMU): absolute times are far from a
real machine's and are given only to be compared with each other. Read the
ratios between trackers of this one run.

## track-workload

test/bench-track/track-workload owns ${BENCH_SIZE_MIB:-256} MiB of written
anonymous memory and rewrites a fixed share of its pages (the dirty rate)
in a loop. Per tracker: pre-dump #1 \`--track-mem --dirty-tracker=T\`
(copies everything), ${BENCH_WINDOW:-2} s, pre-dump #2 \`--prev-images-dir\`,
${BENCH_WINDOW:-2} s, then the final dump (incremental). Times are the criu
command's wall time; frozen times and pages from criu's summary line. The
slowdown compares the workload's writes per second before pre-dump #1 with
the mean of the two windows after the pre-dumps (each starts as the tracker
re-arms). rmap: ooh.ko's reverse mapping (guest frame to the process's
address), \`rmap_ns / rmap_lookups\` of OOH_IOC_STATS over the session.

$(track_table)

## redis

redis-server (Debian's, $(redis-server --version 2>/dev/null | sed -n 's/.*v=\([^ ]*\).*/\1/p')) with ${BENCH_REDIS_KEYS:-20000} keys of 256 bytes,
driven by redis-benchmark inside level 2 (${BENCH_REDIS_REQS:-30000} SETs a round, 4 clients,
pipeline 8). Throughput untracked (after a warm-up round, the mean of two
rounds), then pre-dump #1 (full), a round, pre-dump #2, a round; "tracked"
is the mean of those two rounds. redis runs threads, which the
final dump refuses: pre-dumps only. The client runs in the same guest: with
ooh every write of the guest traps once per interval, the client's too.

$(redis_table)

Plot: [ooh.png](ooh.png).

## EPML against SPML, beside the paper

The paper ("Out of Hypervisor", its CRIU case) reports that with EPML
CRIU checkpoints faster than with SPML and that EPML costs the tracked
program about 0.5%. Here, in one run (ratios below 1 favour EPML):

$(epml_vs_spml)

Hypercalls per interval, by construction (not counted by the run): EPML
none (one REGISTER per session, one UNREGISTER at its end); SPML at least
one ACK per drain, plus one per poll of the shared ring that finds it
half full (every 10 ms), and DISABLE + ENABLE after an overflow.

Where this emulation differs from the paper's hardware: every first write
of a tracked page per interval is a VM exit into KVM's shadow-paging
fault path (the hardware would append to the log without leaving the
guest), and the whole VM runs on shadow paging (kvm_amd npt=0), SPML's
and the other trackers' rows included. So EPML's slowdown here is an
upper bound of what the design costs, and the pre-dump ratios compare
the two designs' guest-side work: EPML reads addresses and re-arms them,
SPML maps every logged frame of the VM back to the process.

## Reading the figures

- soft-dirty marks the page table entry that maps the write: with THP
  (level 2 runs \`always\`) one written 4 KiB page makes its whole 2 MiB
  page dirty, so a dirty rate spread over the area copies everything.
  pagemap-scan and ooh are 4 KiB precise under THP (pages written = the
  dirty rate).
- ooh-epml re-arms only the tracked process's pages: criu's own writes
  and other processes' do not exit to the host (beyond shadow paging's
  usual faults), and the drain has no reverse mapping: its guest cost
  per entry is reading one slot and cleaning one dirty bit, plus one TLB
  flush per drain.
- ooh-spml's pre-dump #1 is the slow one: ENABLE write-protects the whole
  guest (after splitting the host's huge mappings), and from then on
  every frame the guest writes, criu's own image files included, exits to
  the host once per interval and goes through ooh.ko's ring. Under
  emulation each such exit is very expensive; on hardware it is a
  (PML-assisted or write-protect) fault per frame and interval.
- ooh's frozen time holds the drain (consume, ACK: the host re-arms every
  frame logged since the last drain, and the reverse mapping of all of
  them, whoever wrote them: the frames count), plus the plugin's walk for
  pages no log names (not present, zero page), which is pagemap-scan's
  own walk. The rmap cost per frame is low because most frames are other
  processes' and are rejected at their struct page; frames of the tracked
  process cost 2-3 us each here (test/vm/nested spml-test, \`# rmap\`).
- The workload's slowdown is the cost of the first write to each of its
  hot pages after a pre-dump re-armed the tracker (soft-dirty and
  pagemap-scan: a fault in the guest; ooh: an exit to the host); none's
  figure is the noise floor. redis-benchmark runs in the same guest as
  redis: with ooh, its writes exit to the host too.

## Raw lines from level 2

\`\`\`
$(grep -E '^(BENCH|#)' "$raw")
\`\`\`
EOF
}

main() {
	[ "$(id -u)" = 0 ] || fail "must run as root"
	tmp=$(mktemp -d)
	trap cleanup EXIT
	if [ "${1:-}" = --from-log ]; then
		raw=$2
		[ -s "$raw" ] || fail "no log $raw"
	else
		raw=${KEEP:+$KEEP/bench-ooh.log}
		[ -n "$raw" ] && mkdir -p "$KEEP"
		raw=${raw:-$tmp/raw.log}
		build
		bench_adds
		run_guest
	fi
	grep -q '^BENCH ' "$raw" || fail "no measurements from level 2"
	reduce
	mkdir -p "$(dirname "$OUT")"
	plot
	report >"$OUT"
	echo "bench-ooh: $OUT, $PNG"
	cat "$OUT" | sed -n '/^| tracker/,/^$/p'
	! grep -q '^FAIL ' "$raw"
}

main "$@"
