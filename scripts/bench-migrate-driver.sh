# SPDX-License-Identifier: GPL-2.0
#
# BENCH_DRIVER=criu-migrate of scripts/bench-migrate.sh: `criu-migrate
# serve` in B's namespace, `criu-migrate send --report` in A's, and the
# figures taken from the report (its format: Documentation/criu-migrate.8.md,
# REPORT). Sourced; sets M_FIGURES (the key=value figures of the run
# line) or M_ERROR.

# The value of KEY in the report's single-record line that has it.
report_value()
{
	sed -n "s/^\(.* \)\?$2=\([^ ]*\).*/\2/p" "$1" | tail -n 1
}

# "rounds pages_sum final_pages final_frozen_ms final_time_ms round_pages"
report_rounds()
{
	awk '/^round=/ {
		for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		n++; sum += f["pages"]; list = list (n > 1 ? "," : "") f["pages"]
		last_pages = f["pages"]; frozen = f["frozen_ms"]; t = f["time_ms"]
	}
	END { if (n) printf "%d %d %d %s %s %s\n", n, sum, last_pages, frozen, t, list }' "$1"
}

migrate_serve_start()
{
	local mode=$1 i

	mkdir -p "$work/B" || return 1
	in_b "$MIGRATE" serve -D "$work/B" --address "$ADDR_B" --port "$PORT" \
		--criu "$CRIU" </dev/null >"$work/serve.log" 2>&1 &
	MIGRATE_SERVE=$!
	bg_pids+=("$MIGRATE_SERVE")
	# listening once its port is bound in B
	for ((i = 0; i < 500; i++)); do
		in_b ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q . && return 0
		kill -0 "$MIGRATE_SERVE" 2>/dev/null || break
		sleep 0.01
	done
	M_ERROR="criu-migrate serve did not listen on $ADDR_B:$PORT: $(tail -n1 "$work/serve.log")"
	return 1
}

migrate_criu_migrate()
{
	local tracker=$1 mode=$2 args=() r rounds sum last frozen t_final list rc

	migrate_serve_start "$mode" || return 1
	[ "$mode" = lazy ] && args=(--lazy)
	mkdir -p "$work/A" || return 1
	in_a "$MIGRATE" send -t "$pid" --to "$ADDR_B" --port "$PORT" \
		--dirty-tracker "$tracker" --max-iters "$MAX_ITERS" "${args[@]}" \
		-D "$work/A" --criu "$CRIU" --report "$work/report" \
		</dev/null >"$work/send.log" 2>&1
	rc=$?
	r=$work/report
	if [ "$rc" != 0 ] || [ "$(report_value "$r" result)" != ok ]; then
		M_ERROR="criu-migrate send exited $rc: $(report_value "$r" error) $(tail -n1 "$work/send.log")"
		return 1
	fi
	wait "$MIGRATE_SERVE" || { M_ERROR="criu-migrate serve exited $?: $(tail -n1 "$work/serve.log")"; return 1; }
	read -r rounds sum last frozen t_final list < <(report_rounds "$r")
	[ -n "$list" ] || { M_ERROR="no round= line in $r"; return 1; }
	M_FIGURES="driver=criu-migrate rounds=$rounds round_pages=$list"
	M_FIGURES+=" stop_reason=$(report_value "$r" stop_reason)"
	M_FIGURES+=" sent_bytes=$((sum * 4096)) final_bytes=$((last * 4096))"
	M_FIGURES+=" images_bytes=$(report_value "$r" images_bytes)"
	M_FIGURES+=" total_ms=$(report_value "$r" total_ms) frozen_ms=$frozen"
	M_FIGURES+=" downtime_ms=$(report_value "$r" downtime_ms) final_dump_ms=$t_final"
	M_FIGURES+=" transfer_ms=$(report_value "$r" images_ms)"
	M_FIGURES+=" restore_ms=$(report_value "$r" restore_ms)"
}
