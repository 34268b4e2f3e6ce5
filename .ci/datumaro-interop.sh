#!/usr/bin/env bash
# Checks that Datumaro (PyPI's; CVAT imports COCO through a fork of it)
# imports the CVAT XML and COCO files labelkit writes from every CVAT and COCO
# file of tests/corpus, with the item, label, object and keypoint counts of
# the source as Datumaro reads it. Known, explained mismatches are listed in
# ALLOWED in crates/labelkit-coco/tests/datumaro_interop.py. Installs Datumaro
# into target/venv-datumaro (reused when present); needs PyPI.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv=target/venv-datumaro
# Pinned: the counts compared depend on how this version's readers model
# CVAT and COCO (no skeleton type, COCO supercategory as label parent).
datumaro=datumaro==1.13.12
if ! "$venv/bin/python" -c 'import datumaro' 2>/dev/null; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/pip" install --quiet --disable-pip-version-check "$datumaro"; then
    echo "datumaro-interop: cannot install $datumaro from PyPI into $venv" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
cargo build --quiet -p labelkit-cli
bin="${CARGO_TARGET_DIR:-target}/debug/labelkit"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$venv/bin/python" crates/labelkit-coco/tests/datumaro_interop.py "$bin" tests/corpus "$work"
