#!/usr/bin/env bash
# Checks that pycocotools loads the COCO files labelkit writes (corpus files
# written back and a generated dataset): counts, annToMask, mask areas, boxes
# and RLE strings; COCOeval of each file against itself gives AP 1.0 for
# bbox, for segm on the annotations that have a segmentation (a box's
# `segmentation: []` makes no mask), and for keypoints on every annotation of
# the categories that declare keypoints. Installs into target/venv-pycocotools; needs PyPI.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
venv=target/venv-pycocotools
. .ci/venv.sh
venv_install pycocotools-interop "$venv" pycocotools pycocotools
cargo run --quiet -p labelkit-coco --example write_corpus -- "$work/out"
"$venv/bin/python" crates/labelkit-coco/tests/pycocotools_interop.py "$work/out"
