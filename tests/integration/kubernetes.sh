#!/usr/bin/env bash
# it_kubernetes: the real binary, `serve --source kubernetes`, against a
# small fake Kubernetes API server (Python, loopback, ephemeral port) that
# plays the real-shaped objects of tests/data/k8s/ (pod metrics stamped
# now) and records every request. Checks, end to end through the service:
#   - dry-run: only GETs reach the cluster, recommendations appear;
#   - --apply: web (no HPA) gets one merge patch of its scale subresource,
#     api (HPA) one merge patch raising the HPA's minReplicas, both within
#     the deployment's bounds, each recorded in the audit log;
#   - api's HPA's behavior (one pod a minute up) paces its decision;
#   - a 403 on web's patch stops actuation for web (no second patch) and is
#     recorded, while api is still actuated.
# Every wait is bounded; everything started here is killed on exit.
set -euo pipefail

fail() { echo "it_kubernetes: FAIL: $*" >&2; exit 1; }
: "${SA_BIN:?SA_BIN must name the scaleadvisor binary}"
: "${SA_SOURCE_DIR:?}"
SA_BIN=$(cd "$(dirname "$SA_BIN")" && pwd)/$(basename "$SA_BIN")
command -v python3 >/dev/null || fail "python3 not installed"
command -v jq >/dev/null || fail "jq not installed"

. "$(dirname "$0")/it_lib.bash"
it_setup it_kubernetes

cat > "$TMP/fake_k8s.py" <<'PY'
# fake_k8s.py DATA_DIR PORT_FILE LOG_FILE MODE  (MODE: ok | forbid-web)
import base64, http.server, json, os, sys, time, urllib.parse
data, port_file, log_file, mode = sys.argv[1:5]
def load(n):
    with open(os.path.join(data, n)) as f:
        return json.load(f)
now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
def fresh(n):
    o = load(n)
    for it in o["items"]:
        it["timestamp"] = now
    return o
state = {"web_replicas": 3, "web_rv": 501, "hpa_min": 2, "hpa_rv": 700}
def status(code, reason, msg):
    return code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": msg, "reason": reason, "code": code}
def scale():
    o = load("scale-web.json")
    o["spec"]["replicas"] = state["web_replicas"]
    o["metadata"]["resourceVersion"] = str(state["web_rv"])
    return o
def hpa():
    o = load("hpas.json")["items"][0]
    # a slow scale-up: one pod a minute
    o["spec"]["behavior"]["scaleUp"]["policies"] = [{"type": "Pods", "value": 1, "periodSeconds": 60}]
    o["spec"]["minReplicas"] = state["hpa_min"]
    o["metadata"]["resourceVersion"] = str(state["hpa_rv"])
    return o
class H(http.server.BaseHTTPRequestHandler):
    def reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def record(self, body):
        with open(log_file, "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path, "body": body,
                                "content_type": self.headers.get("Content-Type", ""),
                                "auth": self.headers.get("Authorization", "")}) + "\n")
    def page(self, o, q):
        # limit and continue as the API server pages a list (the token is
        # opaque to clients: here base64 of the next index)
        limit = int(q.get("limit", ["0"])[0])
        start = int(json.loads(base64.b64decode(q["continue"][0]))["i"]) if "continue" in q else 0
        items = o["items"]
        end = len(items) if limit <= 0 else min(len(items), start + limit)
        o["items"] = items[start:end]
        o.setdefault("metadata", {})["resourceVersion"] = "12345"
        if end < len(items):
            o["metadata"]["continue"] = base64.b64encode(json.dumps({"i": end}).encode()).decode()
            o["metadata"]["remainingItemCount"] = len(items) - end
        return self.reply(200, o)
    def do_GET(self):
        self.record("")
        p = self.path
        u = urllib.parse.urlsplit(p)
        q = urllib.parse.parse_qs(u.query)
        if u.path == "/apis/apps/v1/deployments" and q.get("labelSelector") == ["scaleadvisor.io/enabled=true"]:
            o = load("deployments.json")
            o["items"][0]["spec"]["replicas"] = state["web_replicas"]
            return self.page(o, q)
        if u.path == "/apis/autoscaling/v2/horizontalpodautoscalers":
            o = load("hpas.json")
            o["items"][0] = hpa()
            return self.page(o, q)
        if p == "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?labelSelector=app%3Dweb":
            return self.reply(200, fresh("podmetrics-web.json"))
        if p.startswith("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?labelSelector=app%3Dapi"):
            return self.reply(200, fresh("podmetrics-api.json"))
        if p.startswith("/api/v1/namespaces/shop/pods?labelSelector=app%3Dapi"):
            return self.reply(200, load("pods-api.json"))
        if p == "/apis/apps/v1/namespaces/shop/deployments/web/scale":
            return self.reply(200, scale())
        if p == "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/api-hpa":
            return self.reply(200, hpa())
        self.reply(*status(404, "NotFound", "the server could not find the requested resource"))
    def do_PATCH(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode()
        self.record(body)
        try:
            patch = json.loads(body)
        except ValueError:
            return self.reply(*status(400, "BadRequest", "invalid JSON"))
        rv = patch.get("metadata", {}).get("resourceVersion")
        if self.path == "/apis/apps/v1/namespaces/shop/deployments/web/scale":
            if mode == "forbid-web":
                return self.reply(*status(403, "Forbidden",
                    'deployments.apps "web" is forbidden: User "system:serviceaccount:scaleadvisor:scaleadvisor" cannot patch resource "deployments/scale"'))
            if rv != str(state["web_rv"]):
                return self.reply(*status(409, "Conflict", "the object has been modified"))
            state["web_replicas"] = patch["spec"]["replicas"]
            state["web_rv"] += 1
            return self.reply(200, scale())
        if self.path == "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/api-hpa":
            if rv != str(state["hpa_rv"]):
                return self.reply(*status(409, "Conflict", "the object has been modified"))
            state["hpa_min"] = patch["spec"]["minReplicas"]
            state["hpa_rv"] += 1
            return self.reply(200, hpa())
        self.reply(*status(404, "NotFound", "the server could not find the requested resource"))
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(port_file + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(port_file + ".tmp", port_file)
s.serve_forever()
PY

# run NAME MODE SERVE-FLAGS...: fake API + serve; leaves $TMP/NAME.{log,err,recs}
run() {
    local name=$1 mode=$2
    shift 2
    python3 "$TMP/fake_k8s.py" "$SA_SOURCE_DIR/tests/data/k8s" "$TMP/$name.port" "$TMP/$name.log" "$mode" &
    local fake=$!
    PIDS+=("$fake")
    wait_for 10 test -s "$TMP/$name.port" || fail "$name: fake API did not start"
    mkdir -p "$TMP/$name.d"
    (cd "$TMP/$name.d" && exec env -u GROQ_API_KEY K8S_API_URL="http://127.0.0.1:$(cat "$TMP/$name.port")" \
        K8S_TOKEN=it-secret-token "$SA_BIN" serve --source kubernetes --listen 127.0.0.1:0 \
        --db "$TMP/$name.db" --interval-s 1 "$@" > "$TMP/$name.out" 2> "$TMP/$name.err") &
    local sa=$!
    PIDS+=("$sa")
    port() { grep -o '"msg":"http listening","addr":"127.0.0.1:[0-9]*' "$TMP/$name.err" | head -1 | sed 's/.*://'; }
    have_port() { [ -n "$(port)" ]; }
    wait_for 30 have_port || { cat "$TMP/$name.err" >&2; fail "$name: serve did not listen"; }
    local url
    url="http://127.0.0.1:$(port)"
    wait_for 30 curl -fsS --max-time 2 "$url/readyz" || { cat "$TMP/$name.err" >&2; fail "$name: not ready"; }
    # let three more cycles pass (1 s each), bounded by the log
    cycles() { [ "$(grep -c '"msg":"cycle done"' "$TMP/$name.err")" -ge 4 ]; }
    wait_for 30 cycles || { cat "$TMP/$name.err" >&2; fail "$name: cycles did not run"; }
    curl -fsS --max-time 5 "$url/api/autoscaling/recommendations" > "$TMP/$name.recs"
    curl -fsS --max-time 5 "$url/api/autoscaling/deployments/shop/web/history" > "$TMP/$name.web.json"
    curl -fsS --max-time 5 "$url/api/autoscaling/deployments/shop/api/history" > "$TMP/$name.api.json"
    kill "$sa" "$fake"
    wait "$sa" 2>/dev/null || true
    wait "$fake" 2>/dev/null || true
}
check() { # check DESCRIPTION JQ-FILTER FILE [jq args]
    jq -e "$2" "$3" >/dev/null || { cat "$3" >&2; fail "$1"; }
}
checks() { # on the request log (JSON lines): slurped
    jq -e -s "$2" "$3" >/dev/null || { cat "$3" >&2; fail "$1"; }
}

# 1. dry-run: recommendations, and not one write
run dry ok --dry-run
check "dry-run: both labelled deployments have recommendations" \
    '[.recommendations[] | .deployment] | sort == ["api", "web"]' "$TMP/dry.recs"
check "dry-run: web at 100 % of its CPU requests is advised to scale up" \
    '.recommendations[] | select(.deployment == "web") | .decision.action == "scale_up" and .decision.dry_run == true and .decision.applied == false' "$TMP/dry.recs"
check "dry-run: api's HPA behavior (one pod a minute up) paces its decision, and says so" \
    '.recommendations[] | select(.deployment == "api") | .current_replicas == 4 and
     .decision.action == "scale_up" and .decision.target_replicas == 5 and
     (.decision.validation.reasons | any(test("HPA behavior: scale-up policies \\(Max of 1\\) allow 5 now from 4")))' "$TMP/dry.recs"
check "dry-run: web's own price of a violation minute (its annotation) reaches its predictor; api's is the configured one" \
    '[.recommendations[] | {(.deployment): (.recommendations.predictive.factors_considered | join("; "))}] | add |
     (.web | test("this deployment.s violation minute priced at 40 replica-hours")) and
     (.api | test("a violation minute priced at 16 replica-hours"))' "$TMP/dry.recs"
checks "dry-run: only GET requests reached the API" 'length > 0 and all(.method == "GET")' "$TMP/dry.log"
checks "the bearer token is sent" 'all(.auth == "Bearer it-secret-token")' "$TMP/dry.log"
check "dry-run: no actuation recorded" '.actuations | length == 0' "$TMP/dry.web.json"
check "api's start-up time is its pods' (median creation to Ready), web's its annotation" \
    '[.recommendations[] | {(.deployment): .recommendations.predictive.factors_considered[0]}] | add |
     (.api | test("start-up 65 s")) and (.web | test("start-up 180 s"))' "$TMP/dry.recs"
checks "api's pods listed once in the first ten minutes, web's never (annotated)" \
    '([.[] | select(.path | startswith("/api/v1/namespaces/shop/pods?labelSelector=app%3Dapi"))] | length == 1) and
     ([.[] | select(.path | startswith("/api/v1/namespaces/shop/pods?labelSelector=app%3Dweb"))] | length == 0)' "$TMP/dry.log"

# 2. --apply: one scale patch for web, one HPA patch for api, audited
run apply ok --apply
checks "apply: web's scale subresource patched once, as a merge patch with the resourceVersion" \
    '[.[] | select(.method == "PATCH" and (.path | endswith("/deployments/web/scale")))] as $p |
     ($p | length) == 1 and $p[0].content_type == "application/merge-patch+json" and
     ($p[0].body | fromjson | .metadata.resourceVersion == "501" and .spec.replicas > 3 and .spec.replicas <= 12)' "$TMP/apply.log"
checks "apply: api's HPA minReplicas raised (never its scale subresource)" \
    '([.[] | select(.method == "PATCH" and (.path | endswith("/horizontalpodautoscalers/api-hpa")))] | length >= 1 and
      (.[0].body | fromjson | .spec.minReplicas > 2 and .spec.minReplicas <= 20)) and
     ([.[] | select(.path | contains("deployments/api/scale"))] | length == 0)' "$TMP/apply.log"
checks "apply: only GET and PATCH, nothing else written" 'all(.method == "GET" or .method == "PATCH")' "$TMP/apply.log"
check "apply: web's change is in the audit log (before, after, method, outcome, decision)" \
    '.actuations | any(.method == "scale" and .before == 3 and .after > 3 and .outcome == "ok" and .recommendation_id > 0)' "$TMP/apply.web.json"
check "apply: api's change is in the audit log" \
    '.actuations | any(.method == "hpa_min_replicas" and .before == 2 and .after > 2 and .outcome == "ok")' "$TMP/apply.api.json"

# 3. --apply with 403 on web: reported once, never retried; api goes on
run forbid forbid-web --apply
checks "403: web was patched exactly once, then actuation stopped" \
    '[.[] | select(.method == "PATCH" and (.path | endswith("/deployments/web/scale")))] | length == 1' "$TMP/forbid.log"
check "403: the refusal is in the audit log and says actuation stopped" \
    '.actuations | any(.outcome | test("forbidden, actuation stopped: patch refused \\(http 403 Forbidden")) and
     all(.after == .before)' "$TMP/forbid.web.json"
check "403: api is still actuated" '.actuations | any(.outcome == "ok")' "$TMP/forbid.api.json"
grep -q 'it-secret-token' "$TMP"/*.err "$TMP"/*.out && fail "the token reached a log"
echo "it_kubernetes: OK"
