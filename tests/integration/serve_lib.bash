# serve_lib.bash - helpers for the integration tests that drive the real
# `scaleadvisor serve` binary. Sourced; CTest registers only *.sh files.

: "${SA_BIN:?SA_BIN must name the scaleadvisor binary}"
: "${SA_SOURCE_DIR:?SA_SOURCE_DIR must name the source tree}"

SA_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sa-it.XXXXXX")
SA_PID=""
SA_PORT=""

sa_cleanup() {
    if [ -n "$SA_PID" ] && kill -0 "$SA_PID" 2>/dev/null; then
        kill -KILL "$SA_PID" 2>/dev/null || true
    fi
    rm -rf "$SA_TMP"
}
trap sa_cleanup EXIT

die() {
    echo "FAIL: $*" >&2
    [ -f "$SA_TMP/serve.log" ] && tail -n 20 "$SA_TMP/serve.log" >&2
    exit 1
}

# sa_start LOGNAME ARGS...: start the service on 127.0.0.1, any free port,
# and read the bound port from its "http listening" log line (bounded).
sa_start() {
    local log="$SA_TMP/$1"
    shift
    SCALEADVISOR_WEB_DIR="$SA_SOURCE_DIR/web" SCALEADVISOR_LOG_LEVEL="${SCALEADVISOR_LOG_LEVEL:-info}" \
        "$SA_BIN" serve --listen 127.0.0.1:0 --env-file /dev/null "$@" 2>"$log" &
    SA_PID=$!
    SA_PORT=""
    for _ in $(seq 1 200); do
        SA_PORT=$(sed -n 's/.*"msg":"http listening","addr":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$log" | head -n 1)
        [ -n "$SA_PORT" ] && return 0
        kill -0 "$SA_PID" 2>/dev/null || die "serve exited during start-up"
        sleep 0.1
    done
    die "no 'http listening' line within 20 s"
}

# sa_wait_ready: /readyz answers 200 (the first cycle committed), bounded.
sa_wait_ready() {
    for _ in $(seq 1 600); do
        curl -sf -o /dev/null "http://127.0.0.1:$SA_PORT/readyz" && return 0
        kill -0 "$SA_PID" 2>/dev/null || die "serve exited before it was ready"
        sleep 0.2
    done
    die "not ready within 120 s"
}

# sa_stop_term: SIGTERM and wait (bounded) for a clean exit; echoes status.
sa_stop_term() {
    kill -TERM "$SA_PID"
    for _ in $(seq 1 300); do
        if ! kill -0 "$SA_PID" 2>/dev/null; then
            local rc=0
            wait "$SA_PID" || rc=$?
            SA_PID=""
            return "$rc"
        fi
        sleep 0.1
    done
    die "serve did not exit within 30 s of SIGTERM"
}
