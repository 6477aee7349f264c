#!/usr/bin/env bash
# it_alerts: the Prometheus alerting rules of deploy/monitoring/alerts.yaml
# against Debian's promtool: they load (check rules), each fires on the
# series it is for and not on a healthy service (tests/data/monitoring/
# alerts_test.yaml), and every metric they name is one the real service
# exports, in a /metrics text promtool's linter accepts.
set -euo pipefail
. "$(dirname "$0")/serve_lib.bash"
command -v promtool >/dev/null || die "promtool not installed (Debian package prometheus)"

RULES="$SA_SOURCE_DIR/deploy/monitoring/alerts.yaml"
promtool check rules "$RULES" >"$SA_TMP/check.out" 2>&1 || {
    cat "$SA_TMP/check.out" >&2
    die "promtool check rules"
}
(cd "$SA_SOURCE_DIR/tests/data/monitoring" && promtool test rules alerts_test.yaml) \
    >"$SA_TMP/test.out" 2>&1 || {
    cat "$SA_TMP/test.out" >&2
    die "promtool test rules"
}

sa_start serve.log --db "$SA_TMP/sa.db" --interval-s 5
sa_wait_ready
curl -sf "http://127.0.0.1:$SA_PORT/metrics" >"$SA_TMP/metrics.txt" || die "GET /metrics"
promtool check metrics <"$SA_TMP/metrics.txt" >"$SA_TMP/lint.out" 2>&1 || {
    cat "$SA_TMP/lint.out" >&2
    die "promtool check metrics"
}
names=$(grep -o 'scaleadvisor_[a-z0-9_]*' "$RULES" | sort -u)
[ -n "$names" ] || die "no metric named in $RULES"
for m in $names; do
    grep -q "^$m[{ ]" "$SA_TMP/metrics.txt" || die "the rules name $m, which /metrics does not export"
done
sa_stop_term || die "exit status after SIGTERM"
echo "alerts: ok ($(grep -c 'alert:' "$RULES") alerts, $(echo "$names" | wc -l) metrics, all exported)"
