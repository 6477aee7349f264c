#!/usr/bin/env bash
# serve.sh - the real binary on the simulator in dry-run: readiness, the
# recommendations API (every simulated deployment with decision source and
# verdict, dry_run true), one deployment by server id (200 known, 404 JSON
# unknown), a POST without the token is 401, /metrics is Prometheus text,
# bad flags exit 2, SIGTERM ends cleanly.
set -euo pipefail
. "$(dirname "$0")/serve_lib.bash"

# Bad flags: one line on stderr, exit 2.
for args in "--bogus" "--interval-s -5" "--listen nowhere" "--dry-run --apply" "--db"; do
    rc=0
    # shellcheck disable=SC2086
    "$SA_BIN" serve $args 2>"$SA_TMP/err" >/dev/null || rc=$?
    [ "$rc" = 2 ] || die "serve $args: exit $rc, expected 2"
    [ "$(wc -l <"$SA_TMP/err")" = 1 ] || die "serve $args: not one line: $(cat "$SA_TMP/err")"
done
"$SA_BIN" serve --help | grep -q -- "--interval-s" || die "--help does not list --interval-s"

export SCALEADVISOR_API_TOKEN="it-secret-token-123"
sa_start serve.log --db "$SA_TMP/db/sa.db" --interval-s 15 --dry-run
sa_wait_ready
base="http://127.0.0.1:$SA_PORT"

curl -sf "$base/healthz" >/dev/null || die "/healthz"

recs=$(curl -sf "$base/api/autoscaling/recommendations") || die "GET recommendations"
echo "$recs" | jq -e '.recommendations | length == 4' >/dev/null || die "not 4 deployments: $recs"
echo "$recs" | jq -e '[.recommendations[].namespace] | unique == ["analytics","shop"]' >/dev/null ||
    die "namespaces"
echo "$recs" | jq -e 'all(.recommendations[]; (.decision.source | IN("llm","predictive","rule","safety"))
    and (.decision.validation.verdict | IN("accepted","clamped","rejected"))
    and .decision.dry_run == true and .decision.applied == false
    and .decision.target_replicas >= .min_replicas and .decision.target_replicas <= .max_replicas
    and .recommendations.rule.action != null)' >/dev/null || die "decision fields: $recs"

code=$(curl -s -o "$SA_TMP/one" -w '%{http_code}' \
    "$base/api/autoscaling/recommendations/default?deployment=web&namespace=shop")
[ "$code" = 200 ] || die "known deployment: $code"
jq -e '.deployment == "web" and .namespace == "shop" and .decision.source != null' "$SA_TMP/one" >/dev/null ||
    die "known deployment body: $(cat "$SA_TMP/one")"
code=$(curl -s -o "$SA_TMP/none" -w '%{http_code}' \
    "$base/api/autoscaling/recommendations/default?deployment=nope&namespace=shop")
[ "$code" = 404 ] || die "unknown deployment: $code"
jq -e '.error.code == "not_found" and (.error.message | length > 0)' "$SA_TMP/none" >/dev/null ||
    die "404 body: $(cat "$SA_TMP/none")"

code=$(curl -s -o "$SA_TMP/unauth" -w '%{http_code}' -X POST \
    "$base/api/autoscaling/deployments/shop/web/evaluate")
[ "$code" = 401 ] || die "POST without token: $code"
jq -e '.error.code != null' "$SA_TMP/unauth" >/dev/null || die "401 body not JSON"
code=$(curl -s -o "$SA_TMP/eval" -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $SCALEADVISOR_API_TOKEN" \
    "$base/api/autoscaling/deployments/shop/web/evaluate")
[ "$code" = 200 ] || die "POST with token: $code $(cat "$SA_TMP/eval")"
jq -e '.deployment == "web" and .decision.dry_run == true' "$SA_TMP/eval" >/dev/null ||
    die "evaluate body: $(cat "$SA_TMP/eval")"

hist=$(curl -sf "$base/api/autoscaling/deployments/shop/web/history?limit=50") || die "history"
echo "$hist" | jq -e '(.samples | length) == 50 and (.decisions | length) >= 1' >/dev/null ||
    die "history body"

curl -sf -D "$SA_TMP/mh" -o "$SA_TMP/metrics" "$base/metrics" || die "/metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$SA_TMP/mh" || die "metrics content type"
# Prometheus text: every line a comment (HELP/TYPE) or `name{labels} value`.
bad=$(grep -Ev '^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [-+0-9.eEInfNa]+)$' \
    "$SA_TMP/metrics" || true)
[ -z "$bad" ] || die "not Prometheus text: $bad"
grep -q '^scaleadvisor_decisions_total{source="[a-z]*",verdict="[a-z]*"} [1-9]' "$SA_TMP/metrics" ||
    die "no decisions_total"
grep -q '^scaleadvisor_cycle_duration_seconds_count [1-9]' "$SA_TMP/metrics" || die "no cycle histogram"
grep -q '^scaleadvisor_recommended_replicas{namespace="shop",deployment="web"} ' "$SA_TMP/metrics" ||
    die "no recommended replicas gauge"
grep -q '^scaleadvisor_llm_calls_total' "$SA_TMP/metrics" || die "no llm calls by outcome"

# The token never reaches the logs or the responses.
grep -q "$SCALEADVISOR_API_TOKEN" "$SA_TMP/serve.log" "$SA_TMP/metrics" && die "token leaked"

sa_stop_term || die "exit status $? after SIGTERM"
grep -q '"msg":"stopped"' "$SA_TMP/serve.log" || die "no clean stop in the log"
sqlite3 "$SA_TMP/db/sa.db" "PRAGMA integrity_check" | grep -qx ok || die "database integrity"
echo "serve: ok (port $SA_PORT)"
