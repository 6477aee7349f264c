#!/usr/bin/env bash
# `scaleadvisor advise`: the recommendation object on stdout (exit 0) with
# and without an LLM key (the LLM being unreachable falls back to the
# rules within LLM_TIMEOUT_MS), bad input exits 2 with one line, and the
# key never shows in the output or the logs.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "advise.sh: $*" >&2; exit 1; }
run() { env -i PATH="$PATH" SCALEADVISOR_PROMPTS_DIR="$SA_SOURCE_DIR/prompts" "$@"; }

cat > ctx.json <<'JSON'
{"deployment": {"name": "web", "namespace": "shop",
                "current_replicas": 3, "min_replicas": 2, "max_replicas": 10},
 "metrics": {"cpu_percent": 182.0, "memory_percent": 41.5, "ready_pods": 3},
 "hpa": {"target_cpu_percent": 70, "current_replicas": 3, "desired_replicas": 8}}
JSON

# no key: rules decide, llm null, error "disabled"
run "$SA_BIN" advise --context ctx.json --now 1763805600 > out.json 2> err.txt || fail "no key: exit $?"
grep -q '"recommendations":{"llm":null' out.json || fail "no key: llm not null"
grep -q '"error":"disabled"' out.json || fail "no key: error not disabled"
grep -q '"decision":{"source":"rule","action":"scale_up"' out.json || fail "no key: no rule decision"
grep -q '"generated_at":"2025-11-22T10:00:00Z"' out.json || fail "--now not used"

# key set, LLM unreachable: still a decision, within the budget, key hidden
start=$(date +%s%N)
run GROQ_API_KEY=gsk_INTEGRATION_SECRET GROQ_BASE_URL=http://127.0.0.1:1/openai/v1 \
    LLM_TIMEOUT_MS=1000 "$SA_BIN" advise --context - < ctx.json > out.json 2> err.txt \
    || fail "unreachable LLM: exit $?"
took=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$took" -lt 6000 ] || fail "unreachable LLM took ${took} ms"
grep -q '"error":"connection: ' out.json || fail "unreachable LLM: error not named"
grep -q '"decision":{"source":"rule"' out.json || fail "unreachable LLM: no rule decision"
if grep -q INTEGRATION_SECRET out.json err.txt; then fail "the key leaked"; fi

# the predictor's start-up time is a setting (default 60 s), and a bad one
# is exit 2 naming it
cat > hist.json <<'JSON'
{"deployment": {"name": "web", "namespace": "shop",
                "current_replicas": 3, "min_replicas": 2, "max_replicas": 10},
 "metrics": {"cpu_percent": 90.0, "memory_percent": 41.5, "ready_pods": 3},
 "history": [{"timestamp": 1763805480, "cpu_percent": 80.0, "memory_percent": 40.0, "replicas": 3},
             {"timestamp": 1763805540, "cpu_percent": 85.0, "memory_percent": 40.0, "replicas": 3}]}
JSON
run "$SA_BIN" advise --context hist.json --now 1763805600 > out.json 2> err.txt || fail "history: exit $?"
grep -q '"horizon 120 s (configured start-up 60 s + interval 60 s)"' out.json || fail "default start-up not 60 s"
run SCALEADVISOR_STARTUP_S=300 "$SA_BIN" advise --context hist.json --now 1763805600 > out.json \
    2> err.txt || fail "start-up 300: exit $?"
grep -q '"horizon 360 s (configured start-up 300 s + interval 60 s)"' out.json || fail "start-up 300 s not used"
# the deployment's own start-up (the context's startup_seconds) wins
sed 's/"max_replicas": 10}/"max_replicas": 10, "startup_seconds": 30}/' hist.json > own.json
run SCALEADVISOR_STARTUP_S=300 "$SA_BIN" advise --context own.json --now 1763805600 > out.json \
    2> err.txt || fail "own start-up: exit $?"
grep -q '"horizon 90 s (this deployment'"'"'s start-up 30 s + interval 60 s)"' out.json || fail "own start-up not used"
if run SCALEADVISOR_STARTUP_S=soon "$SA_BIN" advise --context hist.json > out.json 2> err.txt; then
    fail "bad start-up accepted"
else
    [ $? -eq 2 ] && grep -q SCALEADVISOR_STARTUP_S err.txt || fail "bad start-up: not exit 2 naming it"
fi

# the HPA's behavior as kubectl shows it: one pod a minute up, and the
# pace it set is stated; a malformed one exits 2 naming the field
cat > paced.json <<'JSON'
{"deployment": {"name": "web", "namespace": "shop",
                "current_replicas": 3, "min_replicas": 2, "max_replicas": 10},
 "metrics": {"cpu_percent": 182.0, "memory_percent": 41.5, "ready_pods": 3},
 "hpa": {"target_cpu_percent": 70, "current_replicas": 3, "desired_replicas": 4,
         "behavior": {"scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                                  "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]},
                      "scaleDown": {"stabilizationWindowSeconds": 300, "selectPolicy": "Disabled"}}}}
JSON
run "$SA_BIN" advise --context paced.json --now 1763805600 > out.json 2> err.txt || fail "paced: exit $?"
grep -q '"decision":{"source":"rule","action":"scale_up","target_replicas":4' out.json ||
    fail "paced: the behavior's one pod a minute did not hold the scale-up to 4: $(cat out.json)"
grep -q 'HPA behavior: scale-up policies (Max of 1) allow 4 now from 3 (wanted 8)' out.json ||
    fail "paced: no reason naming the behavior"
grep -q '"pace":{"from":"hpa_behavior","scale_up":"scale-up as the HPA.s behavior allows: 1 pod per 60 s","scale_down":"scale-down disabled by the HPA.s behavior"}' out.json ||
    fail "paced: pace not stated"
sed 's/"Disabled"/"Never"/' paced.json > badpace.json
set +e
run "$SA_BIN" advise --context badpace.json > out.json 2> err.txt
rc=$?
set -e
[ "$rc" = 2 ] && grep -q 'hpa.behavior.scaleDown.selectPolicy: must be "Max", "Min" or "Disabled"' err.txt ||
    fail "bad behavior: exit $rc, $(cat err.txt)"

# a broken prompts dir does not stop the rules
env -i PATH="$PATH" GROQ_API_KEY=gsk_X SCALEADVISOR_PROMPTS_DIR=/nonexistent \
    "$SA_BIN" advise --context ctx.json > out.json 2> err.txt || fail "bad prompts: exit $?"
grep -q '"error":"unavailable: cannot open /nonexistent/system.txt' out.json \
    || fail "bad prompts: error not named"

# bad input: exit 2 and one line naming the problem
expect2() {
    local what=$1; shift
    set +e
    run "$SA_BIN" advise "$@" > out.txt 2> err.txt < "${STDIN:-/dev/null}"
    local rc=$?
    set -e
    [ "$rc" = 2 ] || fail "$what: exit $rc, want 2"
    [ "$(wc -l < err.txt)" = 1 ] || fail "$what: want one line on stderr, got: $(cat err.txt)"
    [ ! -s out.txt ] || fail "$what: stdout not empty"
}
expect2 "no --context"
expect2 "missing file" --context nope.json
grep -q "nope.json" err.txt || fail "missing file not named"
echo '{"deployment": {"name": "web"' > bad.json
expect2 "malformed json" --context bad.json
echo '{"deployment": {"name": "web", "namespace": "shop", "current_replicas": 3,
  "min_replicas": 5, "max_replicas": 2}, "metrics": {"cpu_percent": 1, "ready_pods": 3}}' > range.json
expect2 "max below min" --context range.json
grep -q "max_replicas" err.txt || fail "range error does not name the field"
expect2 "bad flag" --context ctx.json --bogus
expect2 "bad --now" --context ctx.json --now yesterday
echo "advise.sh: ok"
