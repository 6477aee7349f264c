#!/usr/bin/env bash
# dashboard.sh - the dashboard in a real browser (Debian's headless
# Chromium). Starts the service on the simulator in dry-run mode with the
# LLM pointed at tests/tools/fake_llm.c, whose answers carry HTML and
# script, then checks with --dump-dom that:
#   - the overview lists every deployment the API returns;
#   - a deployment view shows the chart and the three recommendation cards;
#   - the hostile LLM text is shown as text (escaped in the DOM), no element
#     was made from it and nothing ran (title unchanged, no data-pwned);
#   - the page says dry-run and, without a token, read-only;
#   - no secret reaches the page; the CSP header forbids inline script.
# Saves screenshots under $SA_BUILD_DIR/artefacts/.
# Env: SA_BIN, SA_SOURCE_DIR, SA_BUILD_DIR (set by CTest); CHROMIUM.
set -euo pipefail

: "${SA_BIN:?SA_BIN must name the scaleadvisor binary}"
: "${SA_SOURCE_DIR:?SA_SOURCE_DIR must name the source tree}"
BUILD=${SA_BUILD_DIR:-$(dirname "$SA_BIN")}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
ART="$BUILD/artefacts"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sa-dashboard.XXXXXX")
SVC_PID=""
LLM_PID=""
CH_PID=""
GROQ_KEY="gsk_test_$(date +%s)_$$_secret"
API_TOKEN="tok_test_$$_secret"

fail() {
    echo "dashboard: FAIL: $*" >&2
    for f in "$WORK/service.log" "$WORK/fake_llm.log" "$WORK/fake_llm.err"; do
        [ -s "$f" ] && { echo "--- tail of $(basename "$f")" >&2; tail -n 25 "$f" >&2; }
    done
    exit 1
}

cleanup() {
    local pid
    for pid in "$CH_PID" "$SVC_PID" "$LLM_PID"; do
        [ -n "$pid" ] || continue
        kill "$pid" 2>/dev/null || true
    done
    for pid in "$CH_PID" "$SVC_PID" "$LLM_PID"; do
        [ -n "$pid" ] || continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

for tool in curl jq; do
    command -v "$tool" >/dev/null || fail "$tool is missing (scripts/test installs it)"
done
[ -x "$CHROMIUM" ] || fail "$CHROMIUM is missing (scripts/test installs chromium)"
[ -x "$SA_BIN" ] || fail "SA_BIN=$SA_BIN is not executable"
mkdir -p "$ART"

# --- the fake LLM: the CMake-built tool, or built here from its source ---
FAKE_LLM="$BUILD/sa_fake_llm"
if [ ! -x "$FAKE_LLM" ]; then
    FAKE_LLM="$WORK/sa_fake_llm"
    # shellcheck disable=SC2046
    cc -std=c17 -O1 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror \
        -I"$SA_SOURCE_DIR/include" "$SA_SOURCE_DIR/tests/tools/fake_llm.c" -o "$FAKE_LLM" \
        $(pkg-config --cflags --libs libmicrohttpd libcjson) -lpthread ||
        fail "cannot build tests/tools/fake_llm.c"
fi
"$FAKE_LLM" --port-file "$WORK/llm.port" --log "$WORK/fake_llm.log" --max-seconds 540 \
    2>>"$WORK/fake_llm.err" &
LLM_PID=$!
for _ in $(seq 100); do [ -s "$WORK/llm.port" ] && break; sleep 0.1; done
[ -s "$WORK/llm.port" ] || fail "fake LLM did not start within 10 s"
LLM_PORT=$(cat "$WORK/llm.port")

# --- the service, on a free port (port 0; the bound port is read from the
# "http listening" log line) ---
(
    cd "$WORK"
    exec env GROQ_API_KEY="$GROQ_KEY" GROQ_BASE_URL="http://127.0.0.1:$LLM_PORT/openai/v1" \
        LLM_TIMEOUT_MS=10000 SCALEADVISOR_API_TOKEN="$API_TOKEN" \
        SCALEADVISOR_PROMPTS_DIR="$SA_SOURCE_DIR/prompts" SCALEADVISOR_WEB_DIR="$SA_SOURCE_DIR/web" \
        "$SA_BIN" serve --listen 127.0.0.1:0 --env-file /dev/null --db "$WORK/sa.db" \
        --source simulator --dry-run --interval-s 2
) >>"$WORK/service.log" 2>&1 &
SVC_PID=$!
PORT=""
for _ in $(seq 200); do
    PORT=$(sed -n 's/.*"msg":"http listening","addr":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$WORK/service.log" | head -n 1)
    [ -n "$PORT" ] && break
    kill -0 "$SVC_PID" 2>/dev/null || fail "the service exited during start-up"
    sleep 0.1
done
[ -n "$PORT" ] || fail "no 'http listening' line from the service within 20 s"
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 240); do
    curl -fsS --max-time 2 "$BASE/readyz" >/dev/null 2>&1 && break
    kill -0 "$SVC_PID" 2>/dev/null || fail "the service exited before it was ready"
    sleep 0.5
done
curl -fsS --max-time 2 "$BASE/readyz" >/dev/null 2>&1 || fail "service not ready within 120 s"
echo "dashboard: service at $BASE, fake LLM on port $LLM_PORT"

# --- wait until every deployment has a recommendation with the LLM's answer ---
RECS="$WORK/recs.json"
for _ in $(seq 120); do
    if curl -fsS --max-time 5 "$BASE/api/autoscaling/recommendations" -o "$RECS" 2>/dev/null &&
        jq -e '(.recommendations | length) > 0 and
               ([.recommendations[] | select(.recommendations.llm != null)] | length) > 0' \
            "$RECS" >/dev/null 2>&1; then
        break
    fi
    sleep 0.5
done
jq -e '(.recommendations | length) > 0' "$RECS" >/dev/null 2>&1 ||
    fail "no recommendation within 60 s"
jq -e '[.recommendations[] | select(.recommendations.llm != null)] | length > 0' "$RECS" >/dev/null ||
    fail "no LLM recommendation within 60 s: $(jq -c '[.recommendations[].llm_status]' "$RECS")"
grep -q '^POST /openai/v1/chat/completions auth=bearer' "$WORK/fake_llm.log" ||
    fail "the service never called the fake LLM with a bearer key"
mapfile -t DEPS < <(jq -r '.recommendations[] | .deployment' "$RECS")
SEL_NS=$(jq -r '[.recommendations[] | select(.recommendations.llm != null)][0].namespace' "$RECS")
SEL_NAME=$(jq -r '[.recommendations[] | select(.recommendations.llm != null)][0].deployment' "$RECS")
echo "dashboard: ${#DEPS[@]} deployments; LLM answer for $SEL_NS/$SEL_NAME"

# --- headers: CSP without inline script, content types ---
curl -fsS --max-time 5 -D "$WORK/h_index" -o /dev/null "$BASE/" || fail "GET / failed"
csp=$(grep -i '^content-security-policy:' "$WORK/h_index" | tr -d '\r' || true)
[ -n "$csp" ] || fail "GET / has no Content-Security-Policy header"
echo "$csp" | grep -q "script-src 'self'" || echo "$csp" | grep -q "default-src 'self'" ||
    fail "CSP does not restrict scripts to self: $csp"
echo "$csp" | grep -q "unsafe-inline" && fail "CSP allows inline code: $csp"
grep -qi '^content-type: text/html' "$WORK/h_index" || fail "GET / is not text/html"
curl -fsS --max-time 5 -D "$WORK/h_js" -o /dev/null "$BASE/app.js" || fail "GET /app.js failed"
grep -qiE '^content-type: (text|application)/javascript' "$WORK/h_js" || fail "app.js has a wrong content type"
curl -fsS --max-time 5 -D "$WORK/h_css" -o /dev/null "$BASE/style.css" || fail "GET /style.css failed"
grep -qi '^content-type: text/css' "$WORK/h_css" || fail "style.css has a wrong content type"

# --- the browser ---
chrome() { # chrome WIDTH,HEIGHT FLAGS... URL: one bounded headless run, fresh profile
    local size=$1 profile
    shift
    profile=$(mktemp -d "$WORK/profile.XXXXXX")
    timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-extensions --disable-default-apps --mute-audio --hide-scrollbars \
        --user-data-dir="$profile" --window-size="$size" --virtual-time-budget=12000 "$@" \
        2>>"$WORK/chromium.log"
}
dump() { # dump URL OUT: the DOM after scripts ran, on one line; retried once
    local i
    for i in 1 2; do
        if chrome 1440,1300 --dump-dom "$1" >"$2.raw" && [ -s "$2.raw" ]; then
            tr '\n' ' ' <"$2.raw" >"$2"
            return 0
        fi
        echo "dashboard: chromium run $i for $1 failed; retrying" >&2
    done
    fail "chromium could not dump $1 (see chromium.log)"
}
has() { grep -qF -- "$2" "$1"; }

# Overview (no fragment: the first deployment is shown in detail)
dump "$BASE/" "$WORK/overview.html"
cp "$WORK/overview.html" "$ART/dashboard-overview.html"
ov=$(cat "$WORK/overview.html")
body=${ov#*id=\"overview-body\"}
body=${body%%</tbody>*}
for d in "${DEPS[@]}"; do
    case "$body" in *"<span class=\"dep-name\">$d</span>"*) ;; *) fail "overview does not list deployment '$d'" ;; esac
done
has "$WORK/overview.html" 'id="mode"' || fail "global state not rendered (no #mode)"
mode=${ov#*id=\"mode\"}
mode=${mode%%</span>*}
case "$mode" in *DRY-RUN*) ;; *) fail "the page does not say dry-run: ${mode:0:80}" ;; esac
has "$WORK/overview.html" '<strong>Read-only.</strong>' || fail "no read-only notice without a token"
has "$WORK/overview.html" 'id="readonly" class="readonly">' || fail "read-only notice is hidden"
has "$WORK/overview.html" 'id="chart"' || fail "first screen has no deployment chart"

# Deployment view selected by the URL fragment
FRAG="#$(jq -rn --arg s "$SEL_NS" '$s|@uri')/$(jq -rn --arg s "$SEL_NAME" '$s|@uri')"
dump "$BASE/$FRAG" "$WORK/detail.html"
cp "$WORK/detail.html" "$ART/dashboard-detail.html"
dt=$(cat "$WORK/detail.html")
case "$dt" in *"id=\"detail-h\">$SEL_NAME · $SEL_NS</h2>"*) ;; *) fail "fragment $FRAG did not select $SEL_NS/$SEL_NAME" ;; esac
case "$dt" in *'id="chart"'*'<svg'*'class="observed"'*'class="replicas"'*) ;; *) fail "no chart with observed metric and replicas" ;; esac
for c in llm predictive rule; do
    has "$WORK/detail.html" "id=\"card-$c\"" || fail "card '$c' missing"
done
llm=${dt#*id=\"card-llm\"}
llm=${llm%%</article>*}
case "$llm" in
*'&lt;img src=x onerror="document.title='"'"'pwned'"'"'"&gt;&lt;script&gt;'*) ;;
*) fail "the LLM card does not show the hostile reasoning as text: ${llm:0:300}" ;;
esac
case "$llm" in *'&lt;b onmouseover="alert(1)"&gt;cpu&lt;/b&gt; steady'*) ;; *) fail "hostile factor not shown as text" ;; esac
for f in "$WORK/overview.html" "$WORK/detail.html"; do
    grep -qi '<img' "$f" && fail "an <img> element exists: LLM text was parsed as HTML ($f)"
    grep -qi '<b onmouseover' "$f" && fail "a <b> element came from LLM text ($f)"
    # only the page's own scripts, each from a file
    scripts=$(grep -o '<script[^>]*>' "$f" | sort | tr '\n' ' ')
    [ "$scripts" = '<script src="app.js" defer=""> <script src="dom.js" defer=""> ' ] ||
        fail "unexpected <script> elements: $scripts ($f)"
    grep -q '<html[^>]*data-pwned' "$f" && fail "injected script ran: <html data-pwned> ($f)"
    grep -q '<title>scaleadvisor</title>' "$f" || fail "document title changed: script ran ($f)"
    grep -qF "$GROQ_KEY" "$f" && fail "the GROQ key reached the page ($f)"
    grep -qF "$API_TOKEN" "$f" && fail "the API token reached the page ($f)"
done
has "$WORK/detail.html" 'id="validation-h"' || fail "no validation section"
has "$WORK/detail.html" 'id="history-h"' || fail "no decision history section"
has "$WORK/detail.html" 'not applied: dry-run' || fail "the deployment view does not say dry-run"

# The actions the page offers: the same paths refuse a request without the
# token and take it with; a pause shows on the page.
for path in "deployments/$SEL_NS/$SEL_NAME/evaluate" pause resume; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X POST "$BASE/api/autoscaling/$path")
    [ "$code" = 401 ] || fail "POST $path without token: $code, expected 401"
done
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X POST \
    -H "Authorization: Bearer $API_TOKEN" "$BASE/api/autoscaling/pause")
[ "$code" = 200 ] || fail "POST pause with the token: $code"
dump "$BASE/$FRAG" "$WORK/paused.html"
pz=$(cat "$WORK/paused.html")
pz=${pz#*id=\"paused\">}
case "${pz%%</span>*}" in paused) ;; *) fail "the page does not show actuation paused: ${pz:0:60}" ;; esac
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X POST \
    -H "Authorization: Bearer $API_TOKEN" "$BASE/api/autoscaling/resume")
[ "$code" = 200 ] || fail "POST resume with the token: $code"

# Screenshot artefacts (laptop and phone widths)
chrome 1440,1300 --screenshot="$ART/dashboard.png" "$BASE/$FRAG" >/dev/null || fail "screenshot failed"
chrome 390,1600 --screenshot="$ART/dashboard-phone.png" "$BASE/$FRAG" >/dev/null ||
    fail "phone screenshot failed"
for p in "$ART/dashboard.png" "$ART/dashboard-phone.png"; do
    [ "$(head -c 8 "$p" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$p is not a PNG"
done

# Interactive checks (token form, evaluate, pause/resume, refused token,
# focus kept across refreshes, keyboard, filter, "unreachable" banner)
# through the DevTools protocol, with Node.js (>= 18) when it is installed.
NODE_WS=""
if command -v node >/dev/null && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' 2>/dev/null; then
    NODE_WS=node
fi
if [ -n "$NODE_WS" ]; then
    profile=$(mktemp -d "$WORK/profile.XXXXXX")
    "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-extensions --mute-audio --user-data-dir="$profile" --window-size=1440,1300 \
        --remote-debugging-address=127.0.0.1 --remote-debugging-port=0 about:blank \
        2>>"$WORK/chromium.log" &
    CH_PID=$!
    for _ in $(seq 100); do [ -s "$profile/DevToolsActivePort" ] && break; sleep 0.1; done
    [ -s "$profile/DevToolsActivePort" ] || fail "chromium wrote no DevToolsActivePort within 10 s"
    dbg=$(head -n 1 "$profile/DevToolsActivePort")
    # shellcheck disable=SC2086
    timeout 120 $NODE_WS "$SA_SOURCE_DIR/tests/tools/dashboard_drive.mjs" "$dbg" "$BASE/$FRAG" \
        "$API_TOKEN" "$SVC_PID" || fail "interactive checks (tests/tools/dashboard_drive.mjs)"
else
    echo "dashboard: interactive checks skipped: no Node.js >= 18 (package nodejs)"
fi
echo "dashboard: ok (screenshots in $ART)"
