# it_lib.bash - helpers shared by the integration tests. Sourced; CTest
# registers only *.sh files.

# it_setup NAME: a scratch directory $TMP, an array PIDS of background
# processes, and an EXIT trap that kills them and removes $TMP (kept when
# KEEP_TMP=1).
it_setup() {
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    PIDS=()
    trap it_cleanup EXIT
}

it_cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
wait_for() {
    local limit=$1 i
    shift
    for ((i = 0; i < limit * 5; i++)); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    return 1
}

# expect_usage NAME PATTERN ARGS...: `scaleadvisor $SA_COMMAND ARGS...`
# exits 2 with one stderr line matching PATTERN and nothing on stdout.
expect_usage() {
    local name=$1 pat=$2
    shift 2
    timeout 30 "$SA_BIN" "$SA_COMMAND" "$@" >"$TMP/out" 2>"$TMP/err"
    local rc=$?
    [ "$rc" = 2 ] || fail "$name: exit $rc, want 2"
    [ "$(wc -l <"$TMP/err")" = 1 ] || fail "$name: stderr is not one line: $(cat "$TMP/err")"
    grep -q -- "$pat" "$TMP/err" || fail "$name: '$(cat "$TMP/err")' lacks '$pat'"
    [ ! -s "$TMP/out" ] || fail "$name: wrote to stdout"
}
