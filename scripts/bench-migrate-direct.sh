# SPDX-License-Identifier: GPL-2.0
#
# BENCH_DRIVER=direct of scripts/bench-migrate.sh: the migration made of
# criu's own commands, as Documentation/page-server.md lays them out, for
# a machine without criu-migrate. Each pre-dump goes through a page
# server on B (chained with --prev-images-dir on both sides) until the
# pages written per round stop shrinking or BENCH_MAX_ITERS rounds ran;
# then the final dump through a page server (the process dies on A),
# the other images are copied to B's folder and B restores: eagerly, or
# with criu lazy-pages serving B's chain. Sourced; sets M_FIGURES (the
# key=value figures of the run line) or M_ERROR.
#
# Times are taken here, around the commands: the downtime runs from the
# start of the final `criu dump` (a little before it freezes) to the
# return of `criu restore -d` (the tree runs); the total from the first
# pre-dump to the end (for lazy restore: the daemon got every page).

DIRECT_TIMEOUT=10

# A page server on B for folder $1 (parent $2, relative), detached.
direct_server()
{
	local dir=$work/B/$1 args=()

	mkdir -p "$dir" || return 1
	[ -n "$2" ] && args=(--prev-images-dir "../$2")
	in_b "$CRIU" page-server -D "$dir" --address "$ADDR_B" --port "$PORT" "${args[@]}" \
		--timeout "$DIRECT_TIMEOUT" -v2 -o ps.log -d --pidfile ps.pid \
		>"$dir/ps.out" 2>&1 || { M_ERROR="page server for $1 exited $?"; return 1; }
	bg_pids+=("$(cat "$dir/ps.pid")")
}

# The server of folder $1 must exit by itself, cleanly, after the dump.
direct_server_done()
{
	local dir=$work/B/$1 p i

	p=$(cat "$dir/ps.pid" 2>/dev/null) || { M_ERROR="no pidfile of the page server of $1"; return 1; }
	# a zombie is done: init here may take a second to reap it
	for ((i = 0; i < 1000; i++)); do
		alive "$p" || break
		sleep 0.002
	done
	alive "$p" && { kill -KILL "$p"; M_ERROR="the page server of $1 did not exit"; return 1; }
	grep -q Error "$dir/ps.log" && { M_ERROR="page server of $1: $(grep -m1 Error "$dir/ps.log")"; return 1; }
	return 0
}

# (pre-)dump $1 of the workload into folder $2 (parent $3) through B.
direct_step()
{
	local kind=$1 dir=$2 parent=$3 args=()
	shift 3

	mkdir -p "$work/A/$dir" || return 1
	[ -n "$parent" ] && args=(--prev-images-dir "../$parent")
	in_a "$CRIU" "$kind" -t "$pid" -D "$work/A/$dir" "${args[@]}" --track-mem "$@" \
		--page-server --address "$ADDR_B" --port "$PORT" --timeout "$DIRECT_TIMEOUT" \
		-v2 -o "$kind.log" >"$work/A/$dir/$kind.out" 2>&1 ||
		{ M_ERROR="criu $kind into $dir: $(grep -m1 Error "$work/A/$dir/$kind.log")"; return 1; }
	direct_server_done "$dir"
}

# The images of A's final folder that B has not got (the pages are on B).
direct_copy_images()
{
	local f files=()

	for f in "$work/A/final"/*; do
		case ${f##*/} in
		pagemap-sent-*|*.log|*.out|parent|dirty-*) ;;
		*) files+=("$f") ;;
		esac
	done
	# one command: on a loaded machine every fork shows in the downtime
	cp -a "${files[@]}" "$work/B/final/" || return 1
	d_img_bytes=$(du -cb "${files[@]}" | tail -n1 | cut -f1)
}

# criu lazy-pages on B's chain, waiting for its socket.
direct_lazy_daemon()
{
	local i

	in_b "$CRIU" lazy-pages -D "$work/B/final" -v2 -o lazy-pages.log \
		</dev/null >"$work/B/final/lazy.out" 2>&1 &
	DIRECT_DAEMON=$!
	bg_pids+=("$DIRECT_DAEMON")
	for ((i = 0; i < 500; i++)); do
		[ -S "$work/B/final/lazy-pages.socket" ] && return 0
		kill -0 "$DIRECT_DAEMON" 2>/dev/null || break
		sleep 0.002
	done
	M_ERROR="criu lazy-pages on B/final did not listen"
	return 1
}

direct_restore()
{
	local mode=$1 args=()

	[ "$mode" = lazy ] && { direct_lazy_daemon || return 1; args=(--lazy-pages); }
	in_b "$CRIU" restore -D "$work/B/final" -d "${args[@]}" -v2 -o restore.log \
		>"$work/B/final/restore.out" 2>&1 ||
		{ M_ERROR="restore on B: $(grep -m1 Error "$work/B/final/restore.log")"; return 1; }
}

# Pre-dumps until the pages written stop shrinking; sets d_rounds,
# d_prev (the last folder), d_sent (bytes), d_pages (per round).
direct_rounds()
{
	local tracker=$1 i pages last=-1 st

	d_sent=0 d_pages="" d_prev=""
	for ((i = 1; ; i++)); do
		direct_server "pre$i" "$d_prev" || return 1
		direct_step pre-dump "pre$i" "$d_prev" $([ $i = 1 ] && echo "--dirty-tracker=$tracker") ||
			return 1
		st=$(dump_stats "$work/A/pre$i")
		pages=${st#* }
		[ "$pages" = - ] && { M_ERROR="no stats-dump in A/pre$i"; return 1; }
		d_sent=$((d_sent + pages * 4096)) d_pages+="${d_pages:+,}$pages"
		d_prev=pre$i d_rounds=$i
		[ "$i" -ge "$MAX_ITERS" ] && break
		[ "$last" -ge 0 ] && [ "$pages" -ge "$last" ] && break
		last=$pages
	done
}

migrate_direct()
{
	local tracker=$1 mode=$2 t0 t_freeze t_dumped t_copied t_running t_done st

	mkdir -p "$work/A" "$work/B" || { M_ERROR="mkdir in $work"; return 1; }
	t0=$(now_us)
	direct_rounds "$tracker" || return 1
	direct_server final "$d_prev" || return 1
	t_freeze=$(now_us)
	direct_step dump final "$d_prev" || return 1
	t_dumped=$(now_us)
	wait_reaped "$hpid" || { M_ERROR="pid $pid still exists after the final dump"; return 1; }
	direct_copy_images || { M_ERROR="copying A/final's images to B"; return 1; }
	t_copied=$(now_us)
	direct_restore "$mode" || return 1
	t_running=$(now_us)
	t_done=$t_running
	if [ "$mode" = lazy ]; then
		wait "$DIRECT_DAEMON" || { M_ERROR="criu lazy-pages exited $?"; return 1; }
		t_done=$(now_us)
	fi
	st=$(dump_stats "$work/A/final")
	M_FIGURES="driver=direct rounds=$((d_rounds + 1)) round_pages=$d_pages,${st#* }"
	M_FIGURES+=" sent_bytes=$((d_sent + ${st#* } * 4096)) final_bytes=$((${st#* } * 4096))"
	M_FIGURES+=" images_bytes=$d_img_bytes"
	M_FIGURES+=" total_ms=$(ms_between "$t0" "$t_done") frozen_ms=${st% *}"
	M_FIGURES+=" downtime_ms=$(ms_between "$t_freeze" "$t_running")"
	M_FIGURES+=" final_dump_ms=$(ms_between "$t_freeze" "$t_dumped")"
	M_FIGURES+=" transfer_ms=$(ms_between "$t_dumped" "$t_copied")"
	M_FIGURES+=" restore_ms=$(ms_between "$t_copied" "$t_running")"
}
