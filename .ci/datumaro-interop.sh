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
. .ci/venv.sh
venv_install datumaro-interop "$venv" datumaro "$datumaro"
bin="$(labelkit_bin)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$venv/bin/python" crates/labelkit-coco/tests/datumaro_interop.py "$bin" tests/corpus "$work"
