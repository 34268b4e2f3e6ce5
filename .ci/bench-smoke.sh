#!/usr/bin/env bash
# Smoke run of the benchmarks on a tiny generated dataset, so that the
# generator, the runner, every measured operation and the peer script keep
# working. It measures nothing worth reading. Fails on any error.
#
# The peers (Datumaro, globox, labelformat) run only when their virtual
# environment (target/bench-venv) already exists: CI does not install them.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -q -p labelkit-bench -p labelkit-cli
BIN=target/release
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$BIN/labelkit-bench" generate --images 60 --seed 7 --out "$tmp/data" > "$tmp/generate.txt"
grep -q '^images: 60,' "$tmp/generate.txt"

# The changed side of the diff benchmark: 5% of the objects changed, with
# the counts every diff must find (the runner checks them before timing).
"$BIN/labelkit-bench" change --from "$tmp/data/cvat/annotations.xml" --out "$tmp/changed" \
    > "$tmp/change.txt"
grep -q '^changed [0-9]* of [0-9]* objects' "$tmp/change.txt"

"$BIN/labelkit-bench" run --data "$tmp/data" --changed "$tmp/changed" --reps 1 --scratch "$tmp/scratch" \
    --labelkit "$BIN/labelkit" --json "$tmp/run.json" > "$tmp/run.md" 2> "$tmp/run.log" \
    || { cat "$tmp/run.log" >&2; exit 1; }
for row in "floor: serde_json COCO" "floor: quick-xml CVAT" "floor: write YOLO files" \
    "read COCO" "read CVAT" "read YOLO" "convert COCO -> YOLO" "convert CVAT -> COCO" \
    "convert YOLO -> COCO" "convert CVAT -> YOLO" "check COCO, every rule" "check CVAT, every rule" \
    "check one YOLO label file" "pre-commit" "diff CVAT vs CVAT" "diff COCO vs COCO" \
    "diff YOLO vs YOLO" "diff CVAT vs the YOLO export" "git driver" "git diff of one label file"; do
    grep -q "| $row" "$tmp/run.md" || { echo "bench-smoke: no row '$row'" >&2; cat "$tmp/run.md" >&2; exit 1; }
done

# Every diff of the same format found exactly the changes made, and git
# called the driver. (CVAT against the YOLO tree also reports the outlines,
# keypoints and attributes YOLO cannot hold: not checked here, see
# docs/BENCHMARKS.md, "Diff".)
for pair in "diff CVAT vs CVAT" "diff COCO vs COCO" "diff YOLO vs YOLO"; do
    grep -q "^- $pair: as expected" "$tmp/run.md" \
        || { echo "bench-smoke: $pair did not find the changes made" >&2; cat "$tmp/run.md" >&2; exit 1; }
done
grep -q "through the driver printed:" "$tmp/run.md" || { cat "$tmp/run.md" >&2; exit 1; }

# Where the memory of a read dataset goes: every part of the model is listed.
"$BIN/labelkit-bench" footprint "$tmp/data/cvat/annotations.xml" cvat > "$tmp/footprint.md"
for part in "annotation structs" "polygon rings" "keypoint lists" "keypoint names (shared)" \
    "attribute names (shared)" "span table" "| total |" "| \`Annotation\` |"; do
    grep -qF "$part" "$tmp/footprint.md" || { echo "bench-smoke: footprint has no '$part'" >&2; cat "$tmp/footprint.md" >&2; exit 1; }
done

peers=""
[ -x target/bench-venv/bin/python ] && peers="labelformat globox datumaro"
PEERS="$peers" SCRATCH="$tmp/peers" LABELKIT_BENCH="$BIN/labelkit-bench" \
    scripts/bench-peers.sh "$tmp/data" 1 > "$tmp/peers.md" 2> "$tmp/peers.log" \
    || { cat "$tmp/peers.log" "$tmp/peers.md" >&2; exit 1; }
# labelkit's outputs hold every object of the input.
objects=$(sed -n 's/^.*COCO annotations: \([0-9]*\),.*$/\1/p' "$tmp/generate.txt")
for conv in cvat-coco yolo-coco; do
    grep -q "| $conv | labelkit | .*annotations=$objects " "$tmp/peers.md" \
        || { echo "bench-smoke: $conv lost annotations (want $objects)" >&2; cat "$tmp/peers.md" >&2; exit 1; }
done
echo "bench-smoke: ok"
