#!/usr/bin/env bash
# The `hpa` policy against an independent implementation written from
# ../shared/replay-spec.md alone (Python, below): the same summary on real
# traces and on the worked example.
set -uo pipefail
: "${SA_BIN:?}" "${SA_SHARED:?}"
if ! command -v python3 >/dev/null; then
    echo "replay hpa reference: python3 not installed, skipped"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cat >"$tmp/ref.py" <<'PY'
import sys, math, datetime
def parse_t(s):
    try:
        return float(s)
    except ValueError:
        d = datetime.datetime.strptime(s.strip(), "%Y-%m-%dT%H:%M:%SZ")
        return d.replace(tzinfo=datetime.timezone.utc).timestamp()
def run(path, step=60, startup=120, peak=20, tu=0.7, tol=0.1, win=300, mn=1, mx=100):
    rows = []
    with open(path) as f:
        next(f)
        for line in f:
            a, b = line.strip().split(',')
            if b != '':
                rows.append((parse_t(a), float(b)))
    vs = sorted(v for _, v in rows)
    p99 = vs[math.ceil(0.99 * len(vs)) - 1]
    sc = peak / p99 if p99 > 0 else 0
    C = lambda x: math.ceil(x - 1e-9)
    cl = lambda x: max(mn, min(mx, x))
    t0, tl = rows[0][0], rows[-1][0]
    R = cl(C(rows[0][1] * sc / tu)); pods = [-1e18] * R
    props = []; viol = uns = rh = us = 0.0; act = steps = 0; i = 0; k = 0; t = t0
    while t <= tl + 1e-9:
        while i + 1 < len(rows) and rows[i + 1][0] <= t + 1e-9:
            i += 1
        d = rows[i][1] * sc
        ready = sum(1 for p in pods if p <= t + 1e-9)
        u = 0 if d == 0 else (d / ready if ready > 0 else float('inf'))
        if u > 1 + 1e-9: viol += 1
        uns += max(0, d - ready) * step; rh += R * step; us += min(u, 10); steps += 1
        des = R
        if ready > 0:
            ratio = u / tu
            prop = R if abs(ratio - 1) <= tol + 1e-9 else C(d / tu)
            props.append((t, prop))
            props = [(a, b) for a, b in props if a >= t - win - 1e-9]
            des = prop
            if prop < R:
                des = min(R, max(b for a, b in props))
            des = cl(min(des, max(2 * R, R + 4)))
        if des != R:
            act += 1
            pods = pods + [t + startup] * (des - R) if des > R else sorted(pods)[:des]
            R = des
        k += 1; t = t0 + k * step
    print("%d %.1f %.1f %.4f %d %.4f" % (steps, viol * step / 60, uns, rh / 3600, act, us / steps))
run(sys.argv[1])
PY

printf 'timestamp,value\n0,10\n300,20\n600,80\n900,100\n1200,40\n1500,10\n1800,10\n' >"$tmp/we.csv"
for f in "$tmp/we.csv" "$SA_SHARED/data/traces/ec2_cpu_utilization_5f5533.csv" \
    "$SA_SHARED/data/traces/elb_request_count_8c0756.csv" \
    "$SA_SHARED/data/traces/wikipedia_en_requests_2016_01.csv"; do
    ref=$(timeout 120 python3 "$tmp/ref.py" "$f") || fail "reference failed on $f"
    out=$(timeout 60 "$SA_BIN" replay --trace "$f" --policy hpa) || fail "replay failed on $f"
    ours=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print("%d %.1f %.1f %.4f %d %.4f" % (d["steps"], d["slo_violation_minutes"], d["unserved_replica_seconds"], d["replica_hours"], d["scaling_actions"], d["mean_utilization"]))' "$out")
    [ "$ours" = "$ref" ] || fail "$(basename "$f"): ours '$ours', reference '$ref'"
done
echo "replay hpa reference: ok"
