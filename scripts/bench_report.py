#!/usr/bin/env python3
"""Summarise scripts/bench-peers.sh results: medians per tool and
conversion, ratios to labelkit and to the file-writing floor, and whether
the annotation counts agree.

    bench_report.py RESULTS.tsv

Exits 1 when labelkit failed or its counts disagree with the input's.
"""
import statistics
import sys
from collections import defaultdict

UNSUPPORTED = 3


def main():
    rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
    walls, peaks, status, counts = defaultdict(list), defaultdict(list), {}, {}
    order = []
    for conv, tool, rnd, st, wall, peak, count in rows:
        key = (conv, tool)
        if key not in order:
            order.append(key)
        status[key] = max(status.get(key, 0), int(st))
        if st == "0":
            walls[key].append(float(wall))
            peaks[key].append(int(peak))
        if count != "-":
            counts[key] = count
    print("| conversion | tool | median s | runs | peak MiB | output | labelkit is faster by |")
    print("|---|---|---|---|---|---|---|")
    failed = False
    for conv, tool in order:
        key = (conv, tool)
        lk = walls.get((conv, "labelkit"))
        if not walls[key]:
            what = "not supported" if status[key] == UNSUPPORTED else f"failed (exit {status[key]})"
            print(f"| {conv} | {tool} | {what} | | | | |")
            if tool == "labelkit":
                failed = True
            continue
        med = statistics.median(walls[key])
        ratio = ""
        if lk and tool not in ("labelkit",):
            r = med / max(statistics.median(lk), 1e-3)
            ratio = f"{r:.1f}x" if tool != "floor" else f"(labelkit / floor: {statistics.median(lk) / max(med, 1e-3):.2f})"
        print(f"| {conv} | {tool} | {med:.2f} | {len(walls[key])} | "
              f"{statistics.median(peaks[key]) / 1024:.0f} | {counts.get(key, '').replace(',', ' ')} | {ratio} |")
    # Counts: every tool against labelkit's.
    print()
    for conv in dict.fromkeys(c for c, _ in order):
        ref = counts.get((conv, "labelkit"), "")
        for (c, tool), cnt in counts.items():
            if c == conv and tool != "labelkit":
                mine = dict(f.split("=") for f in cnt.split(","))
                theirs = dict(f.split("=") for f in ref.split(",") if "=" in f)
                lost = [f"{k} {v} vs {theirs[k]}" for k, v in mine.items()
                        if k in theirs and v != theirs[k]]
                verdict = "agrees" if not lost else "DIFFERS (" + ", ".join(lost) + ")"
                print(f"- {conv}: {tool} {verdict} with labelkit "
                      f"({cnt.replace(',', ' ')} vs {ref.replace(',', ' ')})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
