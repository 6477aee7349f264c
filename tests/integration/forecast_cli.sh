#!/usr/bin/env bash
# scaleadvisor forecast: output shape on a real trace, gap filling, and a
# one-line error with exit status 2 for every kind of bad input.
set -uo pipefail
: "${SA_BIN:?}" "${SA_SHARED:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$(dirname "$0")/it_lib.bash"
it_setup forecast_cli
tmp=$TMP
SA_COMMAND=forecast

trace="$SA_SHARED/data/traces/ec2_cpu_utilization_5f5533.csv"
timeout 60 "$SA_BIN" forecast --input "$trace" --period 288 --horizon 288 >"$tmp/f.csv" 2>"$tmp/err" \
    || fail "real trace: exit $? ($(cat "$tmp/err"))"
[ "$(head -1 "$tmp/f.csv")" = "step,forecast,lower,upper" ] || fail "header"
[ "$(wc -l <"$tmp/f.csv")" = 289 ] || fail "want 288 rows"
awk -F, 'NR > 1 && !($3 <= $2 && $2 <= $4 && $1 == NR - 1) { bad = 1 } END { exit bad }' "$tmp/f.csv" \
    || fail "rows not ordered lower <= forecast <= upper, steps 1..H"
grep -q "chose" "$tmp/err" || fail "auto does not say what it chose"

for m in additive multiplicative damped double holt ses snaive; do
    timeout 60 "$SA_BIN" forecast --input "$trace" --period 288 --horizon 12 --method $m --level 0.8 \
        >"$tmp/m.csv" 2>"$tmp/err" || fail "method $m: $(cat "$tmp/err")"
    [ "$(wc -l <"$tmp/m.csv")" = 13 ] || fail "method $m: want 12 rows"
done

# a synthetic daily cycle (period 24) with one missing row and one empty value
{
    echo "timestamp,value"
    for i in $(seq 0 239); do
        [ "$i" = 100 ] && continue
        v=$(awk -v i="$i" 'BEGIN { printf "%.3f", 50 + 20 * sin(2 * 3.14159265 * i / 24) }')
        [ "$i" = 150 ] && v=""
        echo "$((1700000000 + 3600 * i)),$v"
    done
} >"$tmp/gap.csv"
timeout 30 "$SA_BIN" forecast --input "$tmp/gap.csv" --horizon 24 >"$tmp/g.csv" 2>"$tmp/err" \
    || fail "gaps: $(cat "$tmp/err")"
grep -q "2 missing values interpolated (1 missing rows, 1 empty values)" "$tmp/err" \
    || fail "gaps not reported: $(cat "$tmp/err")"
grep -q "period 24 (detected)" "$tmp/err" || fail "period not detected: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/g.csv")" = 25 ] || fail "gaps: want 24 rows"

# bad input
expect_usage "no input" "--input" --horizon 5
expect_usage "no horizon" "--horizon" --input "$trace"
expect_usage "missing file" "cannot open" --input "$tmp/none.csv" --horizon 5
expect_usage "bad horizon" "--horizon" --input "$trace" --horizon 0
expect_usage "bad period" "--period" --input "$trace" --horizon 5 --period x
expect_usage "bad method" "unknown --method" --input "$trace" --horizon 5 --method arima
expect_usage "bad level" "--level" --input "$trace" --horizon 5 --level 1.5
expect_usage "unknown flag" "unknown option" --input "$trace" --horizon 5 --frobnicate 1
printf 'timestamp,value\n0,1\n60,2\n120,nan\n' >"$tmp/nan.csv"
expect_usage "nan value" "nan.csv:4:" --input "$tmp/nan.csv" --horizon 5
printf 'timestamp,value\n0,1\n60,2\n60,3\n' >"$tmp/dup.csv"
expect_usage "repeated time" "dup.csv:4: timestamp" --input "$tmp/dup.csv" --horizon 5
printf 'time,value\n0,1\n' >"$tmp/hdr.csv"
expect_usage "bad header" "hdr.csv:1: expected the header" --input "$tmp/hdr.csv" --horizon 5
: >"$tmp/empty.csv"
expect_usage "empty file" "empty file" --input "$tmp/empty.csv" --horizon 5
printf 'timestamp,value\n' >"$tmp/hdronly.csv"
expect_usage "header only" "no data rows" --input "$tmp/hdronly.csv" --horizon 5
printf 'timestamp,value\n0,1\n60,2\n1200,3\n1260,4\n' >"$tmp/hole.csv"
expect_usage "long gap" "hole.csv:4: 18 rows missing" --input "$tmp/hole.csv" --horizon 5
printf 'timestamp,value\n0,1\n60,2\n120,3\n150,4\n210,5\n270,5\n' >"$tmp/irr.csv"
expect_usage "irregular" "irr.csv:5: timestamp is off" --input "$tmp/irr.csv" --horizon 5
printf 'timestamp,value\n0,1\n60,2\n120,3\n180,4\n' >"$tmp/short.csv"
expect_usage "too short" "needs at least" --input "$tmp/short.csv" --horizon 5 --period 24 --method additive
echo "forecast CLI: ok"
