#!/usr/bin/env bash
# labelkit next to Datumaro, globox and labelformat, on the same files, in
# the same run.
#
#   scripts/bench-peers.sh DATA [ROUNDS]
#
# DATA is a folder written by `labelkit-bench generate`. Each round runs,
# for each conversion, labelkit and every peer in turn, with labelkit run
# again between peers (so its samples spread over the round), and, for the
# conversions that write YOLO trees, the file-writing floor (the same files
# labelkit just wrote, written again serially by `labelkit-bench child
# write-floor`). Every process is timed whole by /usr/bin/time (wall time,
# peak RSS), Python start-up included, as users pay it. After the first
# round the annotations in every output are counted (scripts/bench_count.py)
# so that no tool is faster by dropping data.
#
# Environment: PEERS (default "labelformat globox datumaro"), CONVERSIONS
# (default "coco-yolo cvat-coco yolo-coco cvat-yolo"), SCRATCH (default
# DATA/../peers-scratch), VENV (default target/bench-venv, created and
# filled from PyPI when missing), LABELKIT_BENCH (default
# target/release/labelkit-bench), TIMEOUT per process in seconds (3600).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DATA=$(realpath "${1:?usage: scripts/bench-peers.sh DATA [ROUNDS]}")
ROUNDS=${2:-1}
PEERS=${PEERS-"labelformat globox datumaro"}
CONVERSIONS=${CONVERSIONS:-"coco-yolo cvat-coco yolo-coco cvat-yolo"}
SCRATCH=${SCRATCH:-$(dirname "$DATA")/peers-scratch}
VENV=${VENV:-$ROOT/target/bench-venv}
LKB=${LABELKIT_BENCH:-$ROOT/target/release/labelkit-bench}
TIMEOUT=${TIMEOUT:-3600}

[ -x "$LKB" ] || { echo "build it first: cargo build --release -p labelkit-bench" >&2; exit 2; }
if [ -n "$PEERS" ] && [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q datumaro globox labelformat
fi
PY=${VENV}/bin/python
[ -x "$PY" ] || PY=python3

mkdir -p "$SCRATCH"
RESULTS=$SCRATCH/results.tsv
: > "$RESULTS"

input_of() {
    case $1 in
        coco) echo "$DATA/coco/instances.json" ;;
        cvat) echo "$DATA/cvat/annotations.xml" ;;
        yolo) echo "$DATA/yolo" ;;
    esac
}
output_of() { # tool conversion
    case ${2#*-} in
        coco) echo "$SCRATCH/$1-$2.json" ;;
        yolo) echo "$SCRATCH/$1-$2" ;;
    esac
}

# timed NAME CONVERSION ROUND OUTPUT CMD...: runs CMD under /usr/bin/time,
# appends "conversion tool round status wall_s peak_kib annotations".
timed() {
    local name=$1 conv=$2 round=$3 out=$4
    shift 4
    # Untimed: set the previous output aside (a rename, not a deletion:
    # on ext4, creating files just after deleting 120,000 makes the inode
    # allocator skip every recently freed inode, seconds to a minute of
    # kernel time), then flush the previous process's writes.
    if [ -e "$out" ]; then
        mkdir -p "$SCRATCH/trash"
        mv "$out" "$(mktemp -u "$SCRATCH/trash/$(basename "$out").XXXXXX")"
    fi
    sync
    local status=0
    /usr/bin/time -o "$SCRATCH/time.txt" -f "%e %M" timeout "$TIMEOUT" "$@" \
        > "$SCRATCH/$name-$conv.log" 2>&1 || status=$?
    local wall peak
    read -r wall peak < <(tail -n 1 "$SCRATCH/time.txt")
    local count="-"
    if [ "$status" = 0 ] && [ "$round" = 1 ] && [ -e "$out" ] && [ "$name" != floor ]; then
        count=$("$PY" scripts/bench_count.py "$out" | sed 's/ /,/g')
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$conv" "$name" "$round" "$status" "$wall" "$peak" "$count" >> "$RESULTS"
    printf '%-10s %-12s round %s: exit %s, %s s, %s KiB, %s\n' "$conv" "$name" "$round" "$status" "$wall" "$peak" "$count" >&2
}

run_labelkit() { # conversion round
    local a=${1%-*} b=${1#*-} out
    out=$(output_of labelkit "$1")
    timed labelkit "$1" "$2" "$out" "$LKB" child convert "$(input_of "$a")" "$a" "$out" "$b"
}

for round in $(seq 1 "$ROUNDS"); do
    for conv in $CONVERSIONS; do
        a=${conv%-*}
        run_labelkit "$conv" "$round"
        if [ "${conv#*-}" = yolo ]; then
            timed floor "$conv" "$round" "$SCRATCH/floor-$conv" \
                "$LKB" child write-floor "$(output_of labelkit "$conv")" "$SCRATCH/floor-$conv"
            if [ -e "$SCRATCH/floor-$conv" ]; then
                mkdir -p "$SCRATCH/trash"
                mv "$SCRATCH/floor-$conv" "$(mktemp -u "$SCRATCH/trash/floor.XXXXXX")"
            fi
        fi
        for peer in $PEERS; do
            out=$(output_of "$peer" "$conv")
            timed "$peer" "$conv" "$round" "$out" "$PY" scripts/bench_peer.py "$peer" "$conv" "$(input_of "$a")" "$out"
            if [ "$round" != "$ROUNDS" ] && [ -e "$out" ]; then
                mkdir -p "$SCRATCH/trash"
                mv "$out" "$(mktemp -u "$SCRATCH/trash/$(basename "$out").XXXXXX")"
            fi
            run_labelkit "$conv" "$round"
        done
    done
done

rm -rf "$SCRATCH/trash"
"$PY" scripts/bench_report.py "$RESULTS"
