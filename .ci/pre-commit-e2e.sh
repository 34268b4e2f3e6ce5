#!/usr/bin/env bash
# End-to-end test of the `labelkit-check` pre-commit hook declared in
# .pre-commit-hooks.yaml, exactly as a user of this repository runs it:
#
# 1. a virtualenv with pre-commit from PyPI;
# 2. a fresh git repository whose .pre-commit-config.yaml points at this
#    checkout (repo: <path>, rev: <HEAD sha>), so pre-commit clones the last
#    commit and builds the hook with `cargo install --bins --path .`;
# 3. a commit of a clean YOLO label file is accepted;
# 4. a commit of a label file holding a 2x2 px box is rejected, and the
#    finding (G001 at labels/train/bad.txt:1:1) is printed;
# 5. a commit of a label file whose row 2 is malformed is rejected with F001
#    at labels/train/good.txt:2:7;
# 6. a commit of a README.txt and a package.json (not annotations) passes.
#
# Only committed work is tested (pre-commit clones `rev`). The first run
# builds labelkit in release mode: allow several minutes.
#
# Usage: .ci/pre-commit-e2e.sh   (exit 0 when every step behaved)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rev="$(git -C "$repo" rev-parse HEAD)"
work="$(mktemp -d "${TMPDIR:-/tmp}/labelkit-pre-commit-e2e.XXXXXX")"
trap 'rm -rf "$work"' EXIT

fail() {
    echo "pre-commit-e2e: FAIL: $*" >&2
    exit 1
}

# pre-commit runs `cargo install --path .` at the repository root, which
# needs a package (not only a virtual [workspace]) whose binary is `labelkit`.
if ! git -C "$repo" show "$rev:Cargo.toml" | grep -q '^\[package\]'; then
    fail "the root Cargo.toml at $rev is a virtual manifest: pre-commit's language: rust runs \`cargo install --bins --path .\` there, which needs a [package] producing the \`labelkit\` binary"
fi

echo "pre-commit-e2e: installing pre-commit into a virtualenv"
. "$repo/.ci/venv.sh"
venv_install pre-commit-e2e "$repo/target/venv-pre-commit" pre_commit pre-commit
precommit="$repo/target/venv-pre-commit/bin/pre-commit"
export PRE_COMMIT_HOME="$work/cache"

project="$work/project"
mkdir -p "$project/images/train" "$project/labels/train"
cd "$project"
git init --quiet
git config user.email "e2e@example.invalid"
git config user.name "labelkit e2e"
git config commit.gpgsign false

cat > .pre-commit-config.yaml <<EOF
repos:
  - repo: $repo
    rev: $rev
    hooks:
      - id: labelkit-check
EOF

cat > data.yaml <<'EOF'
path: .
train: images/train
names:
  0: person
  1: head
EOF

# Two 100x100 PNG images (valid headers; labelkit reads sizes from them).
python3 - <<'EOF'
import struct, zlib
def png(w, h):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\x80\x80\x80" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
for name in ("good", "bad"):
    open(f"images/train/{name}.png", "wb").write(png(100, 100))
EOF

# A 40x60 px person with a 10x10 px head: clean.
printf '0 0.5 0.5 0.4 0.6\n1 0.5 0.25 0.1 0.1\n' > labels/train/good.txt

"$precommit" install >/dev/null

echo "pre-commit-e2e: committing a clean label file (builds the hook the first time)"
git add .pre-commit-config.yaml data.yaml images/train/good.png labels/train/good.txt
if ! git commit --quiet -m "clean labels" > "$work/clean.log" 2>&1; then
    cat "$work/clean.log" >&2
    fail "the clean commit was rejected"
fi
cat "$work/clean.log"

echo "pre-commit-e2e: committing a label file with a 2x2 px box"
# Row 1: a 2x2 px box (0.02 of 100 px), row 2 a normal box.
printf '0 0.5 0.5 0.02 0.02\n0 0.3 0.5 0.2 0.4\n' > labels/train/bad.txt
git add images/train/bad.png labels/train/bad.txt
if git commit --quiet -m "bad labels" > "$work/bad.log" 2>&1; then
    cat "$work/bad.log" >&2
    fail "the commit with a 2x2 px box was accepted"
fi
cat "$work/bad.log"
grep -q 'labels/train/bad.txt:1:1: G001' "$work/bad.log" \
    || fail "the rejection does not show 'labels/train/bad.txt:1:1: G001'"
if git log --oneline | grep -q "bad labels"; then
    fail "the rejected commit is in the history"
fi
# The rejected files leave the index, so the next commits hold only theirs.
git reset --quiet -- images/train/bad.png labels/train/bad.txt

echo "pre-commit-e2e: committing a label file whose row 2 is malformed"
# Row 2 has `abc` for a number: checked alone it is still a label file, and
# the row is reported at its line and column.
printf '0 0.5 0.5 0.4 0.6\n0 0.5 abc 0.2 0.2\n' > labels/train/good.txt
git add labels/train/good.txt
if git commit --quiet -m "malformed row" > "$work/malformed.log" 2>&1; then
    cat "$work/malformed.log" >&2
    fail "the commit with a malformed row was accepted"
fi
cat "$work/malformed.log"
grep -q 'labels/train/good.txt:2:7: F001 expected a number, found "abc"' "$work/malformed.log" \
    || fail "the rejection does not show 'labels/train/good.txt:2:7: F001'"
git checkout --quiet HEAD -- labels/train/good.txt

echo "pre-commit-e2e: committing a README.txt and a package.json (not annotations)"
printf 'A dataset of people.\n' > README.txt
printf '{"name": "x"}\n' > package.json
git add README.txt package.json
if ! git commit --quiet -m "prose" > "$work/prose.log" 2>&1; then
    cat "$work/prose.log" >&2
    fail "the commit of files that are not annotations was rejected"
fi

echo "pre-commit-e2e: 4 passed, 0 failed"
