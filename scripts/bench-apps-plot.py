#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The plot of scripts/bench-apps.sh: bench-apps-plot.py RESULTS PNG.

RESULTS has one measurement a line, "app tracker run key value" (lines
starting with # are comments). Left: the frozen time of each step per
program and tracker (medians); middle: pages written by each step; right:
redis-benchmark SET requests per second untracked, tracked and across a
pre-dump.
"""
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def load(path):
    vals = {}
    order = {"app": [], "tracker": []}
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) < 5 or p[0].startswith("#") or p[3] == "fail":
                continue
            app, tracker, key = p[0], p[1], p[3]
            try:
                v = float(p[4])
            except ValueError:
                continue
            for k, x in (("app", app), ("tracker", tracker)):
                if x not in order[k]:
                    order[k].append(x)
            vals.setdefault((app, tracker, key), []).append(v)
    med = {k: statistics.median(v) for k, v in vals.items()}
    return med, order["app"], order["tracker"]


def bars(ax, med, groups, series, key_of, ylabel, title):
    width = 0.8 / max(len(series), 1)
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:red"]
    for i, s in enumerate(series):
        xs, ys = [], []
        for g, grp in enumerate(groups):
            v = med.get(key_of(grp, s))
            if v is not None:
                xs.append(g + i * width)
                ys.append(v)
        if not xs:
            continue
        ax.bar(xs, ys, width, label=s, color=colors[i % len(colors)])
    ax.set_xticks([g + width * (len(series) - 1) / 2 for g in range(len(groups))])
    ax.set_xticklabels(groups, fontsize=7, rotation=60, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7)


def main():
    med, apps, trackers = load(sys.argv[1])
    steps = [("pre1", "pre-dump 1"), ("pre2", "pre-dump 2"), ("dump", "dump")]
    groups = ["%s / %s" % (a, t) for a in apps for t in trackers]

    def split(g):
        return g.split(" / ")

    fig, axes = plt.subplots(1, 3, figsize=(16, 6))
    bars(axes[0], med, groups, [s[1] for s in steps],
         lambda g, s: (*split(g), dict((b, a) for a, b in steps)[s] + "_frozen_ms"),
         "frozen time (ms, median)", "frozen time of each step")
    bars(axes[1], med, groups, [s[1] for s in steps],
         lambda g, s: (*split(g), dict((b, a) for a, b in steps)[s] + "_pages"),
         "pages written (median)", "pages written by each step")
    rps = [("rps_untracked", "untracked"), ("rps_tracked", "tracked"),
           ("rps_across_predump", "across a pre-dump")]
    bars(axes[2], med, trackers, [r[1] for r in rps],
         lambda t, s: ("redis", t, dict((b, a) for a, b in rps)[s]),
         "requests/s (median)", "redis-benchmark SET throughput")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=90)
    return 0


sys.exit(main())
