#!/bin/bash
# Fuzz the image reader for $FUZZ_SECONDS (default 30) seconds, starting
# from freshly generated valid images plus whatever earlier runs found
# (build/corpus), then the page server's command parser for
# $PS_FUZZ_SECONDS (default: the same) from seed sessions (ps-seeds.py,
# build/ps-corpus), then criu-migrate serve's protocol (mig-fuzz,
# $MIG_FUZZ_SECONDS, seeds of mig-seeds) and the lazy-pages daemon's
# inputs (lazy-fuzz, $LAZY_FUZZ_SECONDS, seeds of lazy-seeds). A crash is
# saved as build/crash-* (build/ps-crash-*, mig-crash-*, lazy-crash-*)
# and fails the run. The seeds hold the inputs of bugs found before, so
# each run replays them first.
set -u
cd "$(dirname "$0")"

seconds=${FUZZ_SECONDS:-30}
work=build
seeds=$work/seeds
corpus=$work/corpus

rm -rf "$seeds"
mkdir -p "$seeds" "$corpus" || exit 1
if ! ./make-seeds "$seeds"; then
	echo "FAIL: image_fuzz (can't write the seed corpus)"
	echo "0 passed, 1 failed"
	exit 1
fi

passed=0
failed=0

# fuzz NAME TARGET SECONDS PREFIX DIR...: one libFuzzer run, its verdict.
# Leaks are checked too (libFuzzer's -detect_leaks, on by default).
fuzz() {
	local name=$1 target=$2 secs=$3 prefix=$4 rc

	shift 4
	"./$target" -max_total_time="$secs" -max_len=65536 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/$prefix" "$@" > "$work/$target.log" 2>&1
	rc=$?
	grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' \
		"$work/$target.log" | sed 's/^/    /'
	if [ $rc -ne 0 ]; then
		grep -E 'ERROR|SUMMARY|Test unit written|unexpected|outside|in place' \
			"$work/$target.log" | sed 's/^/    /'
		echo "FAIL: $name (log: test/fuzz/$work/$target.log)"
		failed=$((failed + 1))
	else
		echo "PASS: $name (${secs}s)"
		passed=$((passed + 1))
	fi
}

fuzz image_fuzz image-fuzz "$seconds" "" "$corpus" "$seeds"

ps_seconds=${PS_FUZZ_SECONDS:-$seconds}
ps_seeds=$work/ps-seeds
ps_corpus=$work/ps-corpus
rm -rf "$ps_seeds"
mkdir -p "$ps_seeds" "$ps_corpus" || exit 1
if python3 ./ps-seeds.py "$ps_seeds"; then
	fuzz ps_fuzz ps-fuzz "$ps_seconds" ps- "$ps_corpus" "$ps_seeds"
else
	echo "FAIL: ps_fuzz (can't write the seed sessions)"
	failed=$((failed + 1))
fi

# seeded NAME TARGET SECONDS PREFIX WRITER ARGS...: fresh seeds, then a run.
seeded() {
	local name=$1 target=$2 secs=$3 prefix=$4 writer=$5

	shift 5
	rm -rf "$work/${prefix}seeds"
	mkdir -p "$work/${prefix}seeds" "$work/${prefix}corpus" || exit 1
	if "./$writer" "$work/${prefix}seeds"; then
		fuzz "$name" "$target" "$secs" "$prefix" "$@" \
			"$work/${prefix}corpus" "$work/${prefix}seeds"
	else
		echo "FAIL: $name (can't write the seeds)"
		failed=$((failed + 1))
	fi
}

seeded mig_fuzz mig-fuzz "${MIG_FUZZ_SECONDS:-$seconds}" mig- mig-seeds
seeded lazy_fuzz lazy-fuzz "${LAZY_FUZZ_SECONDS:-$seconds}" lazy- lazy-seeds
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
