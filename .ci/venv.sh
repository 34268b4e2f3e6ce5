# Sourced by the CI scripts that need Python packages: installs pinned
# packages from PyPI into a reusable virtual environment under target/, and
# builds the labelkit binary.

# venv_install NAME VENV MODULE SPEC...: creates VENV unless it can already
# import MODULE, then installs the SPECs; on failure prints why and the
# "0 passed, 1 failed" line, and exits 1.
venv_install() {
    local name="$1" venv="$2" module="$3"
    shift 3
    if ! "$venv/bin/python" -c "import $module" 2>/dev/null; then
        python3 -m venv "$venv"
    fi
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"; then
        echo "$name: cannot install $* from PyPI into $venv" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
}

# labelkit_bin: builds the labelkit binary and prints its path.
labelkit_bin() {
    cargo build --quiet -p labelkit-cli
    echo "${CARGO_TARGET_DIR:-target}/debug/labelkit"
}
