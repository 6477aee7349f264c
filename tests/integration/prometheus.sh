#!/usr/bin/env bash
# it_prometheus: a REAL Prometheus (Debian's package) on a loopback port
# scrapes a tiny exporter this script serves (cAdvisor and
# kube-state-metrics shaped series for shop/web and shop/api, HPAs included), with three
# hours of older history loaded as TSDB blocks by promtool. Then the real
# scaleadvisor binary runs `serve --source prometheus` against it; the test
# checks that the configured deployments are discovered, back-filled from
# query_range, and get recommendations from those series, and that a
# deployment without series is reported degraded. Every wait is bounded;
# everything started here is killed on exit.
set -euo pipefail

fail() { echo "it_prometheus: FAIL: $*" >&2; exit 1; }
: "${SA_BIN:?SA_BIN must name the scaleadvisor binary}"
SA_BIN=$(cd "$(dirname "$SA_BIN")" && pwd)/$(basename "$SA_BIN")
[ -z "${SA_BUILD_DIR:-}" ] || SA_BUILD_DIR=$(cd "$SA_BUILD_DIR" && pwd)
command -v prometheus >/dev/null || fail "prometheus not installed (scripts/test installs it)"
command -v promtool >/dev/null || fail "promtool not installed (package prometheus)"
command -v python3 >/dev/null || fail "python3 not installed"
command -v jq >/dev/null || fail "jq not installed"

. "$(dirname "$0")/it_lib.bash"
it_setup it_prometheus

# --- the exporter: values are functions of time, so the live series continue
# the back-filled history exactly (counter = rate * (t - T0)).
T0=$(( $(date +%s) - 4 * 3600 ))
cat > "$TMP/series.py" <<'PY'
import sys
# (namespace, deployment, pods, cpu cores used per pod, cpu request, mem used, mem request, rps)
DEPLOYMENTS = [
    ("shop", "web", 3, 0.15, 0.25, 64 << 20, 128 << 20, 40.0),
    ("shop", "api", 2, 1.50, 1.00, 700 << 20, 1024 << 20, 90.0),
]
# per pod: seconds from creation to Ready, container restarts (web's third
# pod restarted: left out, so web's start-up is the median of 40 and 56)
STARTUP = {"web": [(40, 0), (56, 0), (70, 1)], "api": [(30, 0), (90, 0)]}
def lines(t, t0, ts_suffix="", target=""):
    # target: the job/instance labels Prometheus adds to live scrapes, so
    # the history blocks hold the very same series
    out = []
    for ns, dep, pods, cpu, req, mem, mreq, rps in DEPLOYMENTS:
        for i in range(pods):
            pod = "%s-7d9c6b5f8-p%04d" % (dep, i)
            lab = 'namespace="%s",pod="%s",container="app"%s' % (ns, pod, target)
            out.append('container_cpu_usage_seconds_total{%s} %.6f%s' % (lab, cpu * (t - t0), ts_suffix))
            out.append('container_memory_working_set_bytes{%s} %d%s' % (lab, mem, ts_suffix))
            out.append('kube_pod_container_resource_requests{%s,resource="cpu",unit="core"} %g%s' % (lab, req, ts_suffix))
            out.append('kube_pod_container_resource_requests{%s,resource="memory",unit="byte"} %d%s' % (lab, mreq, ts_suffix))
            up, restarts = STARTUP[dep][i]
            created = t0 - 3600 + 100 * i
            pl = 'namespace="%s",pod="%s",uid="u-%s"%s' % (ns, pod, pod, target)
            out.append('kube_pod_created{%s} %d%s' % (pl, created, ts_suffix))
            out.append('kube_pod_status_ready_time{%s} %d%s' % (pl, created + up, ts_suffix))
            out.append('kube_pod_container_status_restarts_total{%s,container="app"} %d%s' % (pl, restarts, ts_suffix))
        dl = 'namespace="%s",deployment="%s"%s' % (ns, dep, target)
        out.append('kube_deployment_spec_replicas{%s} %d%s' % (dl, pods, ts_suffix))
        out.append('kube_deployment_status_replicas_ready{%s} %d%s' % (dl, pods, ts_suffix))
        out.append('http_requests_total{%s} %.3f%s' % (dl, rps * (t - t0), ts_suffix))
    # kube-state-metrics' HPAs: api's, and a StatefulSet's named like web
    for hpa, kind, name, mn, mx, cpu_t, mem_t, desired in (
            ("api-hpa", "Deployment", "api", 2, 12, 75, 90, 3), ("db-hpa", "StatefulSet", "web", 1, 5, 50, None, 4)):
        hl = 'namespace="shop",horizontalpodautoscaler="%s"%s' % (hpa, target)
        out.append('kube_horizontalpodautoscaler_info{%s,scaletargetref_api_version="apps/v1",'
                   'scaletargetref_kind="%s",scaletargetref_name="%s"} 1%s' % (hl, kind, name, ts_suffix))
        out.append('kube_horizontalpodautoscaler_spec_min_replicas{%s} %d%s' % (hl, mn, ts_suffix))
        out.append('kube_horizontalpodautoscaler_spec_max_replicas{%s} %d%s' % (hl, mx, ts_suffix))
        out.append('kube_horizontalpodautoscaler_spec_target_metric{%s,metric_name="cpu",'
                   'metric_target_type="utilization"} %d%s' % (hl, cpu_t, ts_suffix))
        if mem_t is not None:
            out.append('kube_horizontalpodautoscaler_spec_target_metric{%s,metric_name="memory",'
                       'metric_target_type="utilization"} %d%s' % (hl, mem_t, ts_suffix))
        out.append('kube_horizontalpodautoscaler_status_desired_replicas{%s} %d%s' % (hl, desired, ts_suffix))
    return out
PY
cat > "$TMP/exporter.py" <<'PY'
import http.server, sys, time
sys.path.insert(0, sys.argv[1])
import series
t0 = float(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("\n".join(series.lines(time.time(), t0)) + "\n").encode()
        self.send_response(200 if self.path == "/metrics" else 404)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[3] + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
import os
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
s.serve_forever()
PY
# OpenMetrics history: one line per series in time order, grouped by series
# (promtool wants each family contiguous), every 15 s from T0+10min until
# now, so the live scrapes continue it after a gap of a few seconds.
cat > "$TMP/history.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import series
t0, end = int(sys.argv[2]), int(sys.argv[3])
target = ',instance="%s",job="exporter"' % sys.argv[4]
rows = {}
for t in range(t0 + 600, end, 15):
    for l in series.lines(t, t0, " %d" % t, target):
        rows.setdefault(l.split("{")[0], []).append(l)
for fam in rows.values():
    print("\n".join(fam))
print("# EOF")
PY

python3 "$TMP/exporter.py" "$TMP" "$T0" "$TMP/exporter.port" &
PIDS+=($!)
wait_for 10 test -s "$TMP/exporter.port" || fail "exporter did not start"
EXPORTER_PORT=$(cat "$TMP/exporter.port")

mkdir -p "$TMP/tsdb"
python3 "$TMP/history.py" "$TMP" "$T0" "$(date +%s)" "127.0.0.1:$EXPORTER_PORT" > "$TMP/history.om"
promtool tsdb create-blocks-from openmetrics "$TMP/history.om" "$TMP/tsdb" > "$TMP/promtool.log" 2>&1 ||
    { cat "$TMP/promtool.log" >&2; fail "promtool could not build history blocks"; }

cat > "$TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: exporter
    static_configs:
      - targets: ['127.0.0.1:${EXPORTER_PORT}']
YML
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
    --web.listen-address=127.0.0.1:0 --storage.tsdb.retention.time=2d \
    > "$TMP/prometheus.log" 2>&1 &
PIDS+=($!)
prom_port() { grep -o 'msg="Listening on" address=127.0.0.1:[0-9]*' "$TMP/prometheus.log" | head -1 | sed 's/.*://'; }
have_prom_port() { [ -n "$(prom_port)" ]; }
wait_for 20 have_prom_port || { tail -20 "$TMP/prometheus.log" >&2; fail "prometheus did not listen"; }
PROM="http://127.0.0.1:$(prom_port)"
wait_for 30 curl -fsS --max-time 2 "$PROM/-/ready" || fail "prometheus not ready at $PROM"
# live data: two scrapes are needed before rate() has a value
wait_for 30 sh -c "curl -fsS --max-time 2 '$PROM/api/v1/query?query=up' | jq -e '.data.result[0].value[1] == \"1\"'" ||
    fail "prometheus does not scrape the exporter"
have_rate() {
    curl -fsS --max-time 2 "$PROM/api/v1/query" \
        --data-urlencode 'query=sum(rate(http_requests_total{deployment="web"}[1m]))' |
        jq -e '.data.result | length == 1'
}
wait_for 30 have_rate || fail "no rate() over the live scrapes yet"
# rate() over a few seconds of live scrapes swings with the exporter's
# answer delay on a loaded machine: wait for 20 s of them (bounded)
have_live_window() {
    curl -fsS --max-time 2 "$PROM/api/v1/query" \
        --data-urlencode 'query=count_over_time(http_requests_total{deployment="web"}[30s])' |
        jq -e '[.data.result[].value[1] | tonumber] | min >= 20'
}
wait_for 60 have_live_window || fail "fewer than 20 live scrapes in 60 s"
echo "it_prometheus: prometheus $PROM scraping exporter 127.0.0.1:$EXPORTER_PORT" >&2

cat > "$TMP/deployments.json" <<'JSON'
{
  "backfill_s": 10800,
  "step_s": 60,
  "timeout_ms": 5000,
  "queries": {
    "request_rate": "sum(rate(http_requests_total{namespace=\"{{namespace}}\",deployment=\"{{deployment}}\"}[1m]))"
  },
  "deployments": [
    {"namespace": "shop", "name": "web", "min_replicas": 2, "max_replicas": 10},
    {"namespace": "shop", "name": "api", "min_replicas": 2, "max_replicas": 8, "target_cpu_percent": 70,
     "startup_seconds": 90},
    {"namespace": "shop", "name": "ghost", "min_replicas": 1, "max_replicas": 4}
  ]
}
JSON

# 1. the source itself against the real Prometheus (values, back-fill grid)
if [ -n "${SA_BUILD_DIR:-}" ] && [ -x "$SA_BUILD_DIR/test_prometheus" ]; then
    SA_IT_PROMETHEUS_URL="$PROM" SA_IT_PROMETHEUS_CONFIG="$TMP/deployments.json" \
        timeout 120 "$SA_BUILD_DIR/test_prometheus" > "$TMP/live.log" 2>&1 ||
        { cat "$TMP/live.log" >&2; fail "source check against the real Prometheus failed"; }
    grep -q "OK \] test_live_prometheus" "$TMP/live.log" || { cat "$TMP/live.log" >&2; fail "live test did not run"; }
    echo "it_prometheus: source check passed" >&2
fi

# 2. the real service: serve --source prometheus, dry-run, no LLM
cd "$TMP"
START=$(date +%s)
env -u GROQ_API_KEY PROMETHEUS_URL="$PROM" SCALEADVISOR_CONFIG="$TMP/deployments.json" \
    "$SA_BIN" serve --source prometheus --listen 127.0.0.1:0 --db "$TMP/sa.db" --interval-s 60 \
    --dry-run > "$TMP/serve.out" 2> "$TMP/serve.err" &
PIDS+=($!)
sa_port() { grep -o '"msg":"http listening","addr":"127.0.0.1:[0-9]*' "$TMP/serve.err" | head -1 | sed 's/.*://'; }
have_sa_port() { [ -n "$(sa_port)" ]; }
wait_for 30 have_sa_port || { cat "$TMP/serve.err" >&2; fail "scaleadvisor serve did not listen"; }
SA="http://127.0.0.1:$(sa_port)"
wait_for 60 curl -fsS --max-time 2 "$SA/readyz" || { cat "$TMP/serve.err" >&2; fail "no first cycle (readyz)"; }

curl -fsS --max-time 5 "$SA/api/autoscaling/recommendations" > "$TMP/recs.json" ||
    fail "GET /api/autoscaling/recommendations"
check() { # check DESCRIPTION JQ-FILTER FILE
    jq -e "$2" "$3" >/dev/null || { jq . "$3" >&2; fail "$1"; }
}
check "the three configured deployments are discovered" \
    '[.recommendations[] | .namespace + "/" + .deployment] | sort == ["shop/api", "shop/ghost", "shop/web"]' "$TMP/recs.json"
check "web and api are healthy, with replicas from kube-state-metrics" \
    '[.recommendations[] | select(.deployment != "ghost") | (.degraded == null and .current_replicas >= 2)] | all' "$TMP/recs.json"
check "api at 150 % CPU of its requests is scaled up (rule and decision)" \
    '.recommendations[] | select(.deployment == "api") | .recommendations.rule.action == "scale_up" and .decision.action == "scale_up" and .decision.target_replicas > 2 and .decision.dry_run == true' "$TMP/recs.json"
check "web's start-up is its pods' (median creation to Ready, the restarted one left out), api's the file's" \
    '[.recommendations[] | select(.deployment != "ghost") | {(.deployment): .recommendations.predictive.factors_considered[0]}] | add |
     (.web | test("start-up 48 s")) and (.api | test("start-up 90 s"))' "$TMP/recs.json"
check "web at 60 % has a rule recommendation from those series" \
    '.recommendations[] | select(.deployment == "web") | .recommendations.rule.action == "maintain"' "$TMP/recs.json"
check "api's HPA (kube-state-metrics) is read: its desired replicas side by side, its memory target weighed; web has none (the StatefulSet's HPA is not its)" \
    '[.recommendations[] | {(.deployment): .}] | add |
     .api.hpa_desired_replicas == 3 and .web.hpa_desired_replicas == null and
     (.api.recommendations.rule.factors_considered | any(test("vs the HPA.s memory target 90.0%")))' "$TMP/recs.json"
check "ghost (no series) is degraded with the reason and never scaled down" \
    '.recommendations[] | select(.deployment == "ghost") | (.degraded | test("cpu_percent: empty result")) and .decision.action != "scale_down"' "$TMP/recs.json"

# back-fill: hours of samples older than the service itself, evenly spaced
curl -fsS --max-time 5 "$SA/api/autoscaling/deployments/shop/web/history" > "$TMP/history.json" ||
    fail "GET history"
check "web history is back-filled from query_range (>= 100 samples over an hour older than start-up)" \
    "[.samples[] | select(.timestamp < $START - 3600)] | length >= 100" "$TMP/history.json"
check "back-filled samples carry the series' values (60 % CPU, 50 % memory, 3 replicas)" \
    '[.samples[] | (.cpu_percent > 45 and .cpu_percent < 75 and .memory_percent == 50 and .replicas == 3)] | all' "$TMP/history.json"
check "back-filled history is evenly spaced at the interval" \
    '[.samples | range(1; length) as $i | .[$i].timestamp - .[$i - 1].timestamp] | all(. == 60)' "$TMP/history.json"
check "a forecast exists right after start-up" '.forecast | length > 0' "$TMP/history.json"
grep -q '"msg":"prometheus back-fill done","namespace":"shop","deployment":"web","samples":"180"' "$TMP/serve.err" ||
    fail "no back-fill log line for shop/web"
echo "it_prometheus: serve discovered, back-filled and recommended from real Prometheus series" >&2

# 3. the exporter dies: Prometheus marks its series stale, and the source
# reports every deployment degraded instead of stale numbers
if [ -n "${SA_BUILD_DIR:-}" ] && [ -x "$SA_BUILD_DIR/test_prometheus" ]; then
    kill "${PIDS[0]}"
    target_down() {
        curl -fsS --max-time 2 "$PROM/api/v1/query?query=up" | jq -e '.data.result[0].value[1] == "0"'
    }
    wait_for 30 target_down || fail "prometheus did not notice the exporter is gone"
    sleep 2 # the source queries at whole seconds: let them pass the staleness markers
    SA_IT_PROMETHEUS_STALE=1 SA_IT_PROMETHEUS_URL="$PROM" SA_IT_PROMETHEUS_CONFIG="$TMP/deployments.json" \
        timeout 120 "$SA_BUILD_DIR/test_prometheus" > "$TMP/stale.log" 2>&1 ||
        { cat "$TMP/stale.log" >&2; fail "stale series were not reported degraded"; }
    grep -q "OK \] test_live_prometheus" "$TMP/stale.log" || fail "stale check did not run"
    echo "it_prometheus: stale series reported degraded" >&2
fi
echo "it_prometheus: OK"
