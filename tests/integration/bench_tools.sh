#!/usr/bin/env bash
# The Python tools of bench/ (reference policies, the two hold-out set
# builders): what they compute on small inputs, and exit 2 with a message
# naming the problem on bad ones.
set -uo pipefail
: "${SA_SOURCE_DIR:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$(dirname "$0")/it_lib.bash"
it_setup bench_tools
tmp=$TMP
command -v python3 >/dev/null || fail "python3 not installed (scripts/test installs it)"
B="$SA_SOURCE_DIR/bench"

# expect_exit2 NEEDLE CMD...: exit status 2 and NEEDLE in standard error
expect_exit2() {
    local needle=$1; shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ "$rc" = 2 ] || fail "$* exited $rc, wanted 2"
    grep -qF -- "$needle" "$tmp/err" || fail "$*: '$needle' not in: $(cat "$tmp/err")"
}

# --- reference_policies on the spec's worked example ---
mkdir -p "$tmp/ex"
printf 'timestamp,value\n0,10\n300,20\n600,80\n900,100\n1200,40\n1500,10\n1800,10\n' >"$tmp/ex/ex.csv"
total() { awk '$1 == "total" { print $2, $3, $4 }' "$tmp/out"; }
"$B/reference_policies" oracle "$tmp/ex" >"$tmp/out" || fail "oracle failed"
read -r v rh act <<<"$(total)"
# it sees the next three minutes: never short of ready pods
[ "$v" = 0 ] || fail "oracle has $v violation minutes on the worked example"
"$B/reference_policies" naive 0.97 "$tmp/ex" >"$tmp/out" || fail "naive failed"
read -r v_naive _ _ <<<"$(total)"
[ "$v_naive" -gt 0 ] || fail "naive (under a day of history: no headroom) has no violation"
# rate: a higher quantile of the count never holds fewer replicas
"$B/reference_policies" rate 0.5 "$tmp/ex" >"$tmp/out" || fail "rate 0.5 failed"
read -r _ rh_lo _ <<<"$(total)"
"$B/reference_policies" rate 0.9999 "$tmp/ex" >"$tmp/out" || fail "rate 0.9999 failed"
read -r _ rh_hi _ <<<"$(total)"
python3 -c "import sys; sys.exit(0 if $rh_hi > $rh_lo else 1)" ||
    fail "rate 0.9999 holds $rh_hi replica-hours, not more than rate 0.5 ($rh_lo)"
echo "reference_policies: oracle 0 violation minutes, naive $v_naive, rate 0.5 -> 0.9999: $rh_lo -> $rh_hi replica-h"

expect_exit2 "not a folder" "$B/reference_policies" oracle "$tmp/missing"
expect_exit2 "usage" "$B/reference_policies" guess "$tmp/ex"
expect_exit2 "quantile must be in" "$B/reference_policies" naive 1.5 "$tmp/ex"
mkdir -p "$tmp/neg" && printf 'timestamp,value\n0,1\n300,-2\n' >"$tmp/neg/n.csv"
expect_exit2 "n.csv:3: negative value" "$B/reference_policies" oracle "$tmp/neg"
mkdir -p "$tmp/frac" && printf 'timestamp,value\n0,1\n300,2.5\n' >"$tmp/frac/f.csv"
expect_exit2 "f.csv: value 2.5 of data row 2 is not a count" "$B/reference_policies" rate 0.99 "$tmp/frac"

# --- rh_breakdown on a hand-made series (hour steps: one replica-step is
# one replica-hour). Demand 2 for five steps, then 4; with a start-up of two
# steps a replica for the change must be there from the step before it. ---
{
    echo "t,demand,replicas,ready,utilization"
    r=(3 3 3 4 5 4 4 4 4 3)
    for k in 0 1 2 3 4 5 6 7 8 9; do
        echo "$((k * 3600)),$([ "$k" -lt 5 ] && echo 2 || echo 4),${r[$k]},${r[$k]},0.5"
    done
} >"$tmp/series.csv"
"$B/rh_breakdown" --startup-s 7200 "$tmp/series.csv" >"$tmp/out" || fail "rh_breakdown failed"
want="replica_h 37.0 floor 32.0 early 5.0 prewarm 1.0 short 1.0"
got=$(sed 's/^series.csv *//; s/  */ /g' "$tmp/out")
[ "$got" = "$want" ] || fail "rh_breakdown: got '$got', wanted '$want'"
echo "rh_breakdown: $got"
expect_exit2 "usage" "$B/rh_breakdown"
expect_exit2 "missing.csv: No such file" "$B/rh_breakdown" "$tmp/missing.csv"
printf 't,demand,replicas\n0,1,1\n0,1,1\n' >"$tmp/same_t.csv"
expect_exit2 "same_t.csv:3: time does not increase" "$B/rh_breakdown" "$tmp/same_t.csv"
printf 'timestamp,value\n0,1\n60,2\n' >"$tmp/trace.csv"
expect_exit2 "trace.csv:2: not a replay series row" "$B/rh_breakdown" "$tmp/trace.csv"

# --- nab_holdout: a folder that is not a NAB checkout ---
expect_exit2 "realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv: no such file" \
    "$B/nab_holdout" "$tmp/ex" "$tmp/nab_out"

# --- more_holdout on small stand-ins of the two repositories ---
W="$tmp/wsd" D="$tmp/dct"
mkdir -p "$W/dataset/nasa" "$W/dataset/twitter_trace" "$D/alibaba2018" "$D/google2019"
python3 - "$W" <<'PY'
import io, sys, tarfile
def tbz2(path, words):
    data = " ".join(words).encode()
    with tarfile.open(path, "w:bz2") as tar:
        info = tarfile.TarInfo("workload.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
july = 2381544
# July: zeros; August: 3 per second for 600 s, then 1 per second for 450 s
nasa = ["0"] * july + ["3"] * 600 + ["1"] * 450
tbz2(sys.argv[1] + "/dataset/nasa/workload.tbz2", nasa)
tbz2(sys.argv[1] + "/dataset/twitter_trace/workload.tbz2", ["2"] * 900)
PY
printf 'cpu_util_percent,mem_util_percent,net_in\n10.5,80,1\n12,81,1\n' \
    >"$D/alibaba2018/machine_usage_days_1_to_8_grouped_300_seconds.csv"
printf 'avg_cpu,avg_mem\n0.25,0.5\n0.5,0.5\n0.75,0.25\n' \
    >"$D/google2019/instance_usage_grouped_300_seconds_month.csv"
"$B/more_holdout" "$W" "$D" "$tmp/h2" >"$tmp/out" 2>"$tmp/err" || fail "more_holdout: $(cat "$tmp/err")"
want_nasa=$'timestamp,value\n1970-01-01T00:00:00Z,900\n1970-01-01T00:05:00Z,900\n1970-01-01T00:10:00Z,300'
[ "$(cat "$tmp/h2/nasa_http_requests_1995_08.csv")" = "$want_nasa" ] ||
    fail "NASA August: $(cat "$tmp/h2/nasa_http_requests_1995_08.csv")"
[ "$(tail -n +2 "$tmp/h2/twitter_stream_requests.csv" | cut -d, -f2 | tr '\n' ' ')" = "600 600 600 " ] ||
    fail "twitter stream: $(cat "$tmp/h2/twitter_stream_requests.csv")"
[ "$(tail -n +2 "$tmp/h2/google_2019_avg_cpu.csv" | cut -d, -f2 | tr '\n' ' ')" = "0.25 0.5 0.75 " ] ||
    fail "google avg_cpu: $(cat "$tmp/h2/google_2019_avg_cpu.csv")"
[ "$(tail -n +2 "$tmp/h2/alibaba_2018_cpu_util_percent.csv" | cut -d, -f2 | tr '\n' ' ')" = "10.5 12 " ] ||
    fail "alibaba cpu: $(cat "$tmp/h2/alibaba_2018_cpu_util_percent.csv")"
[ "$(($(wc -l <"$tmp/h2/manifest.csv") - 1))" = 6 ] || fail "manifest: $(cat "$tmp/h2/manifest.csv")"
grep -q '^nasa_http_requests_1995_08.csv,288,300,3,' "$tmp/h2/manifest.csv" || fail "manifest nasa row"
echo "more_holdout: the six series and the manifest as expected"

expect_exit2 "no such file" "$B/more_holdout" "$tmp/nowhere" "$D" "$tmp/h3"
printf 'avg_cpu,avg_mem\n0.25,0.5\n0.5,x\n' >"$D/google2019/instance_usage_grouped_300_seconds_month.csv"
expect_exit2 "instance_usage_grouped_300_seconds_month.csv:3: bad avg_mem 'x'" \
    "$B/more_holdout" "$W" "$D" "$tmp/h3"
printf 'not a bzip2 file' >"$W/dataset/twitter_trace/workload.tbz2"
expect_exit2 "dataset/twitter_trace/workload.tbz2:" "$B/more_holdout" "$W" "$D" "$tmp/h3"
echo "bench tools: bad input is exit 2 with the file named"

# --- bench_k8s_collect (C): the Kubernetes source against its in-process
# fake API, under the sanitizers of this build: every request answered,
# nothing degraded; bad arguments are exit 2 ---
K="${SA_BUILD_DIR:?}/bench_k8s_collect"
[ -x "$K" ] || fail "$K not built"
"$K" 5 1 >"$tmp/out" 2>"$tmp/err" || fail "bench_k8s_collect: $(cat "$tmp/err")"
# 2 lists + 5 metrics + 5 pods, then 2 lists + 5 metrics
grep -q '^deployments=5 api_latency_ms=1 requests=19 degraded=0/0$' "$tmp/out" ||
    fail "bench_k8s_collect: $(cat "$tmp/out")"
grep -q '^first_collect_ms=[0-9]* (metrics and pods) steady_collect_ms=[0-9]* (metrics)$' \
    "$tmp/out" || fail "bench_k8s_collect: $(cat "$tmp/out")"
expect_exit2 "usage: bench_k8s_collect" "$K" 0
expect_exit2 "usage: bench_k8s_collect" "$K" 5 x
echo "bench_k8s_collect: ok"
