#!/usr/bin/env bash
# scaleadvisor replay: the worked example of replay-spec.md to the letter,
# --series, every policy on a real trace, and a one-line error naming the
# line with exit status 2 for every kind of bad trace or flag.
set -uo pipefail
: "${SA_BIN:?}" "${SA_SHARED:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$(dirname "$0")/it_lib.bash"
it_setup replay_cli
tmp=$TMP
SA_COMMAND=replay

printf 'timestamp,value\n0,10\n300,20\n600,80\n900,100\n1200,40\n1500,10\n1800,10\n' >"$tmp/we.csv"
want='{"policy": "hpa", "steps": 31, "slo_violation_minutes": 5.0, "unserved_replica_seconds": 1560.0, "replica_hours": 8.3667, "scaling_actions": 6, "mean_utilization": 0.7144}'
got=$(timeout 30 "$SA_BIN" replay --trace "$tmp/we.csv" --policy hpa --series "$tmp/s.csv") \
    || fail "worked example: exit $?"
[ "$got" = "$want" ] || fail "worked example: got $got"
[ "$(head -1 "$tmp/s.csv")" = "t,demand,replicas,ready,utilization" ] || fail "series header"
[ "$(wc -l <"$tmp/s.csv")" = 32 ] || fail "series: want 31 rows"
grep -q '^600,16.000000,6,6,2.666667$' "$tmp/s.csv" || fail "series row at t=600: $(grep '^600,' "$tmp/s.csv")"
# the defaults are the spec's: giving them explicitly changes nothing
got2=$(timeout 30 "$SA_BIN" replay --trace "$tmp/we.csv" --policy hpa --step-s 60 --startup-s 120 \
    --peak-replicas 20 --target-utilization 0.7 --tolerance 0.1 --downscale-window-s 300 \
    --min-replicas 1 --max-replicas 100) || fail "explicit defaults"
[ "$got2" = "$want" ] || fail "explicit defaults: got $got2"
# ISO timestamps and empty values (skipped) give the same
printf 'timestamp,value\n1970-01-01T00:00:00Z,10\n1970-01-01T00:05:00Z,20\n1970-01-01T00:07:00Z,\n1970-01-01T00:10:00Z,80\n1970-01-01T00:15:00Z,100\n1970-01-01T00:20:00Z,40\n1970-01-01T00:25:00Z,10\n1970-01-01T00:30:00Z,10\n' >"$tmp/iso.csv"
got3=$(timeout 30 "$SA_BIN" replay --trace "$tmp/iso.csv") || fail "iso trace"
[ "$got3" = "$want" ] || fail "iso trace: got $got3"

trace="$SA_SHARED/data/traces/ec2_cpu_utilization_5f5533.csv"
for p in hpa rules predictive hybrid; do
    out=$(env -u GROQ_API_KEY timeout 120 "$SA_BIN" replay --trace "$trace" --period 288 --policy $p) \
        || fail "policy $p: exit $?"
    for k in policy steps slo_violation_minutes unserved_replica_seconds replica_hours \
        scaling_actions mean_utilization; do
        grep -q "\"$k\": " <<<"$out" || fail "policy $p: no $k in $out"
    done
    grep -q "\"policy\": \"$p\"" <<<"$out" || fail "policy name: $out"
    if [ $p = hybrid ]; then
        grep -q '"llm_calls": 0, "llm_tokens": 0' <<<"$out" || fail "hybrid without key: $out"
    fi
done

# --miss-cost-rh reaches the predictor: a dearer violation minute buys more
# headroom (more replica-hours, no more violations); hpa ignores it
rp() { timeout 120 "$SA_BIN" replay --trace "$trace" --period 288 "$@"; }
field() { sed -E "s/.*\"$1\": ([0-9.]+).*/\1/" <<<"$2"; }
cheap=$(rp --policy predictive --miss-cost-rh 2) || fail "miss-cost-rh 2"
dear=$(rp --policy predictive --miss-cost-rh 64) || fail "miss-cost-rh 64"
awk -v a="$(field replica_hours "$cheap")" -v b="$(field replica_hours "$dear")" \
    -v va="$(field slo_violation_minutes "$cheap")" -v vb="$(field slo_violation_minutes "$dear")" \
    'BEGIN { exit !(b > a && vb <= va) }' || fail "miss-cost-rh 2 -> 64: $cheap -> $dear"
[ "$(rp --policy hpa --miss-cost-rh 64)" = "$(rp --policy hpa)" ] || fail "hpa moved with the price"

# --min-accuracy 1: a forecast is never that accurate, so the predictor
# hands every decision to its reactive rule, the HPA's: the same summary
[ "$(rp --policy predictive --min-accuracy 1 | sed 's/"predictive"/"hpa"/')" = "$(rp --policy hpa)" ] ||
    fail "predictive with --min-accuracy 1 is not the reactive rule"
[ "$(rp --policy predictive --min-accuracy 0)" = "$(rp --policy predictive)" ] || fail "default min-accuracy"

# --preset: the service's constraint preset for rules (and hybrid); the
# aggressive one moves more often than balanced, the conservative one less
acts() { field scaling_actions "$(rp --policy rules --preset "$1")"; }
a_bal=$(acts balanced) a_agg=$(acts aggressive) a_con=$(acts conservative)
[ "$a_agg" -gt "$a_bal" ] && [ "$a_con" -lt "$a_bal" ] ||
    fail "rules actions by preset: balanced $a_bal, aggressive $a_agg, conservative $a_con"
[ "$(rp --policy rules)" = "$(rp --policy rules --preset balanced)" ] || fail "default preset"

# bad input
expect_usage "bad miss cost" "--miss-cost-rh: '-1'" --trace "$tmp/we.csv" --miss-cost-rh -1
expect_usage "bad preset" "unknown preset 'wild'" --trace "$tmp/we.csv" --preset wild
expect_usage "bad min accuracy" "--min-accuracy: '1.5'" --trace "$tmp/we.csv" --min-accuracy 1.5
expect_usage "no trace" "--trace" --policy hpa
expect_usage "missing file" "none.csv" --trace "$tmp/none.csv"
expect_usage "unknown policy" "unknown policy 'magic'" --trace "$tmp/we.csv" --policy magic
expect_usage "bad step" "--step-s" --trace "$tmp/we.csv" --step-s 0
expect_usage "bad target" "--target-utilization" --trace "$tmp/we.csv" --target-utilization 2
expect_usage "bad period" "--period" --trace "$tmp/we.csv" --period x
expect_usage "min above max" "below --min-replicas" --trace "$tmp/we.csv" --min-replicas 5 --max-replicas 2
expect_usage "unknown flag" "unknown option" --trace "$tmp/we.csv" --frobnicate 1
expect_usage "flag without value" "missing value after" --trace
printf 'timestamp,value\n0,1\n100000000,2\n' >"$tmp/span.csv"
expect_usage "too many steps" "more than 10000000 (raise --step-s)" --trace "$tmp/span.csv" --step-s 1
printf 'time,value\n0,1\n60,2\n' >"$tmp/hdr.csv"
expect_usage "no header" "hdr.csv:1:" --trace "$tmp/hdr.csv"
printf 'timestamp,value\n0,1\n60,abc\n' >"$tmp/nonnum.csv"
expect_usage "non-numeric" "nonnum.csv:3:" --trace "$tmp/nonnum.csv"
printf 'timestamp,value\n0,1\n60,2\n120,-3\n' >"$tmp/neg.csv"
expect_usage "negative" "neg.csv:4: negative value" --trace "$tmp/neg.csv"
printf 'timestamp,value\n0,1\n' >"$tmp/one.csv"
expect_usage "one row" "one.csv:2: only one row" --trace "$tmp/one.csv"
printf 'timestamp,value\n0,1\n60,\n' >"$tmp/onev.csv"
expect_usage "one row with a value" "onev.csv:2: only one row" --trace "$tmp/onev.csv"
printf 'timestamp,value\n' >"$tmp/hdronly.csv"
expect_usage "header only" "hdronly.csv" --trace "$tmp/hdronly.csv"
printf 'timestamp,value\n0,1\n120,2\n60,3\n' >"$tmp/unsorted.csv"
expect_usage "unsorted" "unsorted.csv:4: timestamp" --trace "$tmp/unsorted.csv"
expect_usage "series unwritable" "--series" --trace "$tmp/we.csv" --series "$tmp/no/such/dir.csv"
# the benchmark's price override is checked too
SA_BENCH_MISS_COST_RH=cheap "$SA_BUILD_DIR/bench_replay" "$SA_SHARED/data/traces" - hpa \
    >/dev/null 2>"$tmp/bench.err" && fail "bench_replay took a bad SA_BENCH_MISS_COST_RH"
grep -q "SA_BENCH_MISS_COST_RH: 'cheap'" "$tmp/bench.err" || fail "bench_replay: $(cat "$tmp/bench.err")"
SA_BENCH_PRESET=wild "$SA_BUILD_DIR/bench_replay" "$SA_SHARED/data/traces" - hpa \
    >/dev/null 2>"$tmp/bench.err" && fail "bench_replay took a bad SA_BENCH_PRESET"
grep -q "SA_BENCH_PRESET: 'wild'" "$tmp/bench.err" || fail "bench_replay: $(cat "$tmp/bench.err")"
echo "replay CLI: ok"
