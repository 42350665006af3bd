#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The table and plot of scripts/bench-migrate.sh.

    bench-migrate-report.py RESULTS OUT.md OUT.png

RESULTS holds "meta KEY=VALUE ..." lines (the run's machine, date,
command) and one "run KEY=VALUE ..." line per migration; any other line
is ignored, so an earlier report (its "All runs" block) is a RESULTS
file too. Medians are taken per (size, rate, tracker, restore mode);
ratios are taken within each run, before the median, because the
machine's load changes from run to run.
"""
import statistics
import sys

GOAL_MS = 100.0
KEY = ("size", "rate", "tracker", "mode")


def parse(path):
    meta, runs = {}, []
    with open(path) as f:
        for line in f:
            words = line.split()
            if not words or words[0] not in ("meta", "run"):
                continue
            kv = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            # a line of the report's prose may begin with "run" too
            if not kv:
                continue
            if words[0] == "meta":
                meta.update(kv)
            else:
                add_rest(kv)
                runs.append(kv)
    return meta, runs


def add_rest(run):
    """The downtime not in its measured parts (the driver's own steps)."""
    vals = [num(run, k) for k in ("downtime_ms",) + PARTS]
    if None not in vals:
        run["rest_ms"] = "%.1f" % (vals[0] - sum(vals[1:]))


def num(run, key):
    try:
        return float(run[key])
    except (KeyError, ValueError):
        return None


def groups(runs):
    out = {}
    for r in runs:
        out.setdefault(tuple(r.get(k, "?") for k in KEY), []).append(r)
    return out


def med(rs, key, scale=1.0):
    vals = [num(r, key) for r in rs]
    vals = [v * scale for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def med_ratio(rs, a, b, scale=100.0):
    vals = []
    for r in rs:
        x, y = num(r, a), num(r, b)
        if x is not None and y:
            vals.append(scale * x / y)
    return statistics.median(vals) if vals else None


def fmt(v, spec):
    return "-" if v is None else spec % v


def order(runs):
    seen = {k: [] for k in KEY}
    for r in runs:
        for k in KEY:
            if r.get(k, "?") not in seen[k]:
                seen[k].append(r.get(k, "?"))
    return seen


COLUMNS = [
    ("MiB", None), ("writes %/s", None), ("tracker", None), ("restore", None),
    ("runs", None), ("rounds", ("rounds", 1, "%g")),
    ("MiB sent", ("sent_bytes", 1 / 1048576.0, "%.0f")),
    ("sent / memory %", ("sent_bytes/mem_bytes", 100.0, "%.0f")),
    ("total s", ("total_ms", 1e-3, "%.2f")),
    ("final dump frozen ms", ("frozen_ms", 1, "%.1f")),
    ("downtime ms", ("downtime_ms", 1, "%.0f")),
    ("= final dump ms", ("final_dump_ms", 1, "%.0f")),
    ("+ transfer ms", ("transfer_ms", 1, "%.0f")),
    ("+ restore ms", ("restore_ms", 1, "%.0f")),
    ("+ rest ms", ("rest_ms", 1, "%.0f")),
    ("stall seen ms", ("stall_ms", 1, "%.0f")),
    ("slowdown %", ("slowdown_pct", 1, "%.1f")),
]
PARTS = ("final_dump_ms", "transfer_ms", "restore_ms")


def cell(rs, spec):
    key, scale, f = spec
    if "/" in key:
        a, b = key.split("/")
        return fmt(med_ratio(rs, a, b, scale), f)
    return fmt(med(rs, key, scale), f)


def table(runs):
    lines = ["| " + " | ".join(c[0] for c in COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    for key, rs in groups(runs).items():
        cells = list(key) + [str(len(rs))]
        cells += [cell(rs, c[1]) for c in COLUMNS[5:]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def goal(runs):
    """The issue's goal: 4 GiB, 1% of pages per second, lazy, <= 100 ms."""
    out = []
    for key, rs in groups(runs).items():
        size, rate, tracker, mode = key
        if mode != "lazy" or float(rate) != 1.0 or int(size) != 4096:
            continue
        d = med(rs, "downtime_ms")
        if d is None:
            continue
        out.append("- %s: downtime %.0f ms (final dump %s ms, of it frozen %s ms; "
                   "transfer %s ms; restore until running %s ms): **%s**" % (
                       tracker, d, fmt(med(rs, "final_dump_ms"), "%.0f"),
                       fmt(med(rs, "frozen_ms"), "%.0f"),
                       fmt(med(rs, "transfer_ms"), "%.0f"),
                       fmt(med(rs, "restore_ms"), "%.0f"),
                       "met" if d <= GOAL_MS else "not met"))
    if not out:
        return "No run of 4096 MiB at 1%/s with lazy restore: the goal is not measured."
    return "\n".join(out)


def eager_vs_lazy(runs):
    """Lazy downtime / eager downtime, per run number of the same case."""
    by = {}
    for r in runs:
        k = (r.get("size"), r.get("rate"), r.get("tracker"), r.get("run"))
        by.setdefault(k, {})[r.get("mode")] = r
    ratios = {}
    for (size, rate, tracker, _), m in by.items():
        if "eager" in m and "lazy" in m:
            e, lz = num(m["eager"], "downtime_ms"), num(m["lazy"], "downtime_ms")
            if e and lz is not None:
                ratios.setdefault((size, rate, tracker), []).append(lz / e)
    if not ratios:
        return ""
    rows = ["| MiB | writes %/s | tracker | lazy / eager downtime |", "|---|---|---|---|"]
    for (size, rate, tracker), v in ratios.items():
        rows.append("| %s | %s | %s | %.2f |" % (size, rate, tracker, statistics.median(v)))
    return "\n".join(rows)


def plot_cases(runs):
    g = groups(runs)
    o = order(runs)
    cases = [(s, r) for s in o["size"] for r in o["rate"]
             if any(k[0] == s and k[1] == r for k in g)]
    series = [(t, m) for t in o["tracker"] for m in o["mode"]
              if any(k[2] == t and k[3] == m for k in g)]
    return g, cases, series


def bars(ax, g, cases, series, value, title, log=False):
    """One bar per (tracker, mode) in each (size, rate) group."""
    width = 0.8 / max(len(series), 1)
    for i, (t, m) in enumerate(series):
        xs = [c + i * width for c in range(len(cases))]
        ys = [value(g.get((s, r, t, m), [])) for s, r in cases]
        ys = [y if y is not None and (y > 0 or not log) else float("nan") for y in ys]
        ax.bar(xs, ys, width, label="%s, %s" % (t, m), color=COLORS[i % len(COLORS)],
               edgecolor="black", linewidth=0.4)
    axis(ax, cases, series, width, title)
    if log:
        ax.set_yscale("log")


def axis(ax, cases, series, width, title):
    ax.set_xticks([c + width * (len(series) - 1) / 2 for c in range(len(cases))])
    ax.set_xticklabels(["%s MiB\n%s%%/s" % c for c in cases], fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", linewidth=0.3)


COLORS = ["tab:blue", "tab:cyan", "tab:red", "tab:pink", "tab:green", "tab:olive"]


def parts_bars(ax, g, cases, series):
    """Each downtime split into its parts, as shares of it."""
    width = 0.8 / max(len(series), 1)
    parts = [("final_dump_ms", "final dump", "tab:blue"),
             ("transfer_ms", "image transfer", "tab:orange"),
             ("restore_ms", "restore until running", "tab:green"),
             ("rest_ms", "the rest", "tab:gray")]
    for i, (t, m) in enumerate(series):
        xs = [c + i * width for c in range(len(cases))]
        rs = [g.get((s, r, t, m), []) for s, r in cases]
        bottom = [0.0] * len(cases)
        for key, name, color in parts:
            ys = [max(med_ratio(x, key, "downtime_ms") or 0.0, 0.0) for x in rs]
            ax.bar(xs, ys, width, bottom=bottom, color=color, edgecolor="black",
                   linewidth=0.4, label=name if i == 0 else None)
            bottom = [b + y for b, y in zip(bottom, ys)]
        for x, rr in zip(xs, rs):
            if not rr:
                continue
            ax.text(x, 101, "%s\n%s" % (t[:5], m[0]), fontsize=5, ha="center", va="bottom")
    axis(ax, cases, series, width, "where the downtime goes (%% of it, median; labels: tracker, e/l)")
    ax.set_ylim(0, 115)


def plot(runs, meta, png):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("bench-migrate: python3-matplotlib missing, no plot", file=sys.stderr)
        return
    g, cases, series = plot_cases(runs)
    fig, axes = plt.subplots(2, 2, figsize=(15, 10))
    bars(axes[0][0], g, cases, series, lambda rs: med(rs, "downtime_ms"),
         "downtime (ms, median, log scale)", log=True)
    axes[0][0].axhline(GOAL_MS, color="red", linestyle="--", linewidth=1, label="100 ms goal")
    axes[0][0].legend(fontsize=7)
    parts_bars(axes[0][1], g, cases, series)
    axes[0][1].legend(fontsize=7, loc="lower right")
    bars(axes[1][0], g, cases, series, lambda rs: med_ratio(rs, "sent_bytes", "mem_bytes"),
         "pages sent / memory size (%, median)")
    bars(axes[1][1], g, cases, series, lambda rs: med(rs, "slowdown_pct"),
         "workload slowdown during the migration (%, median)")
    fig.suptitle("criu-ooh migration between two network namespaces (%s, THP %s, %s runs)"
                 % (meta.get("driver", "?"), meta.get("thp", "?"), meta.get("runs", "?")))
    fig.tight_layout()
    fig.savefig(png, dpi=80)


def header(meta):
    def m(k):
        v = meta.get(k, "?")
        return v.replace("_", " ") if k == "cpu" else v

    return """# Live migration: rounds, bytes, downtime

Measured by `make bench-migrate` (scripts/bench-migrate.sh) with criu-ooh at
commit %s, driver: %s.

- CPU: %s, %s cpus; RAM: %s GiB
- kernel: %s; transparent huge pages: %s
- load average (1 min) before / after: %s / %s (other jobs share the machine)
- date: %s; command: `make bench-migrate` (BENCH_RUNS=%s BENCH_SIZES="%s"
  BENCH_RATES="%s" BENCH_TRACKERS="%s" BENCH_MODES="%s" BENCH_WINDOW=%s
  BENCH_MAX_ITERS=%s)
- images on %s (on disk, not in memory)
%s""" % (m("commit"), m("driver"), m("cpu"), m("cpus"), m("ram_gib"), m("kernel"),
       m("thp"), m("load_before"), m("load_after"), m("date"), m("runs"),
       m("sizes").replace(",", " "), m("rates").replace(",", " "),
       m("trackers").replace(",", " "), m("modes").replace(",", " "),
       m("window_s"), m("max_iters"), m("images"),
       "\n**Note:** %s\n" % meta["note"].replace("_", " ") if "note" in meta else "")


METHOD = """A and B are two network namespaces on this machine joined by a veth pair
(10.77.0.1 and 10.77.0.2), each with a pid and mount namespace of its own
(test/migrate/hosts.sh: B restores the process under its pid while A still
holds it stopped), made by the script and removed at its end: the
"network" is the kernel's loopback path, memory to memory, and both hosts
share the two CPUs. Each run starts test/bench-track/track-workload -P RATE
in A: SIZE MiB of private anonymous memory, every page written, then RATE%%
of its pages written per second, each time the page it wrote longest ago
(a walk over all pages), and between the writes it reads one word of page
after page: its reads per second are its useful work. After %s s of
reference it is migrated to B, and its reads per second from the start of
the migration until it runs on B with all its memory (for lazy restore:
until the daemon has put every page in place) are compared with the
reference: that is the slowdown, which counts the frozen time, the CPU
that criu takes from it on two shared cores, the tracker's write faults
and, after a lazy restore, the faults on pages still on their way. Ratios
are taken within each run, then the median over the runs.

Columns: rounds are the pre-dumps plus the final dump; "MiB sent" the
pages of every round (not the other images; with lazy restore the final
dump's pages are fetched by B afterwards and not counted); "total" from
the first pre-dump to the end of the migration (lazy restore: every page
on B); "final dump frozen" is criu's frozen_time of the final dump
(stats-dump); "downtime" from the start of the final dump, which freezes
the process, to the tree running on B, on A's clock, and its parts: the
final dump's wall time (the process stays frozen after it), the transfer
of the other images to B, the restore until the tree runs (measured by
B), and the rest (the driver's own steps and messages). "stall seen" is
the longest time the workload's own loop saw between two passes: the
downtime as seen from inside the process (plus its scheduling delays),
a check of the downtime that does not trust the driver's clock.

Trackers: the host's kernel has pagemap-scan (PAGEMAP_SCAN with
userfaultfd write protection) and none (every present page each round).
ooh (the hypervisor's log) and soft-dirty (no CONFIG_MEM_SOFT_DIRTY here)
run only in the VM tiers' kernels, not on this host: they are not in this
table.
"""


def report(meta, runs, png):
    import os
    return "%s\n%s\n%s\n\n## The goal: downtime of a 4 GiB process writing 1%% of its pages per second, lazy restore, at most 100 ms\n\n%s\n\n%s\n\nPlot: [%s](%s): the downtime, the share of each of its parts, the pages\nsent against the memory, and the workload's slowdown.\n\n## All runs\n\nThe lines this report was made from (`BENCH_RESULTS=%s make bench-migrate`\nrenders it again).\n\n```\n%s\n```\n" % (
        header(meta), METHOD % meta.get("window_s", "?"), table(runs), goal(runs),
        ratio_text(runs), os.path.basename(png), os.path.basename(png),
        "Documentation/benchmarks/migrate.md", raw_lines(meta, runs))


def ratio_text(runs):
    t = eager_vs_lazy(runs)
    if not t:
        return ""
    return ("Lazy against eager restore, downtime ratio within each run (the two\n"
            "modes run one after the other):\n\n" + t)


def raw_lines(meta, runs):
    out = []
    out.append("meta " + " ".join("%s=%s" % kv for kv in meta.items()))
    for r in runs:
        out.append("run " + " ".join("%s=%s" % kv for kv in r.items()))
    return "\n".join(out)


def main():
    if len(sys.argv) != 4:
        print("usage: bench-migrate-report.py RESULTS OUT.md OUT.png", file=sys.stderr)
        return 2
    meta, runs = parse(sys.argv[1])
    if not runs:
        print("bench-migrate: no run in %s" % sys.argv[1], file=sys.stderr)
        return 1
    with open(sys.argv[2], "w") as f:
        f.write(report(meta, runs, sys.argv[3]))
    plot(runs, meta, sys.argv[3])
    return 0


sys.exit(main())
