#!/usr/bin/env bash
# crash_recovery.sh - SIGKILL the real service in the middle of a cycle,
# then check that the database opens intact, that everything committed
# before the kill is still there, and that a restart resumes from the
# stored history (no duplicate, no gap on the sample grid) and goes on.
set -euo pipefail
. "$(dirname "$0")/serve_lib.bash"

DB="$SA_TMP/sa.db"
INTERVAL=15
export SCALEADVISOR_LOG_LEVEL=debug # "cycle start" lines mark a cycle in flight
q() { sqlite3 -cmd ".timeout 5000" "$DB" "$1"; }
starts() { grep -c '"msg":"cycle start"' "$SA_TMP/$1" || true; }
dones() { grep -c '"msg":"cycle done"' "$SA_TMP/$1" || true; }

sa_start run1.log --db "$DB" --interval-s "$INTERVAL" --dry-run
sa_wait_ready
# Let a few cycles commit.
for _ in $(seq 1 600); do
    [ "$(q 'SELECT count(*) FROM cycles')" -ge 2 ] && break
    sleep 0.1
done
[ "$(q "SELECT count(*) FROM cycles")" -ge 2 ] || die "fewer than 2 cycles in 60 s"

# Kill mid-cycle: wait for a cycle to start (the log line is written before
# the source is read and the transaction opens), then SIGKILL at once.
# What was committed is read just before that cycle starts.
killed_mid=0
for attempt in 1 2 3 4 5 6; do
    n0=$(starts run1.log)
    c_before=$(q 'SELECT count(*) FROM cycles')
    s_before=$(q 'SELECT count(*) FROM samples')
    r_before=$(q 'SELECT count(*) FROM recommendations')
    max_rec=$(q 'SELECT coalesce(max(id), 0) FROM recommendations')
    last_ts=$(q 'SELECT max(ts) FROM samples')
    for _ in $(seq 1 4000); do
        [ "$(starts run1.log)" -gt "$n0" ] && break
        sleep 0.005
    done
    kill -KILL "$SA_PID"
    wait "$SA_PID" 2>/dev/null || true
    SA_PID=""
    if [ "$(starts run1.log)" -gt "$(dones run1.log)" ]; then
        killed_mid=1
        break
    fi
    # the cycle finished before the kill landed: start again, try again
    echo "attempt $attempt: the cycle completed before the kill; retrying" >&2
    sa_start "run1.log.$attempt" --db "$DB" --interval-s "$INTERVAL" --dry-run
    cp "$SA_TMP/run1.log.$attempt" "$SA_TMP/run1.log"
    sa_wait_ready
done
[ "$killed_mid" = 1 ] || die "could not land a SIGKILL inside a cycle in 6 attempts"

# The database opens and is intact; nothing committed is lost, and the
# cycle in flight left nothing half-written (cycles and recommendations
# move together: 4 recommendations per committed cycle).
[ "$(q 'PRAGMA integrity_check')" = ok ] || die "integrity_check after SIGKILL"
[ "$(q 'PRAGMA user_version')" -ge 1 ] || die "schema version lost"
c_after=$(q 'SELECT count(*) FROM cycles')
[ "$c_after" -ge "$c_before" ] || die "cycles lost: $c_before -> $c_after"
[ "$(q 'SELECT count(*) FROM samples')" -ge "$s_before" ] || die "samples lost"
[ "$(q 'SELECT count(*) FROM recommendations')" -ge "$r_before" ] || die "recommendations lost"
[ "$(q "SELECT count(*) FROM recommendations WHERE id <= $max_rec")" = "$max_rec" ] ||
    die "committed recommendations missing"
[ "$(q 'SELECT max(ts) FROM samples')" -ge "$last_ts" ] || die "newest sample lost"
[ "$(q 'SELECT count(*) FROM recommendations')" = "$((4 * c_after))" ] ||
    die "half a cycle was kept: $(q 'SELECT count(*) FROM recommendations') recommendations, $c_after cycles"

# Restart on the same database: it resumes from the stored history.
sa_start run2.log --db "$DB" --interval-s "$INTERVAL" --dry-run
sa_wait_ready
grep -q '"msg":"resumed from stored history"' "$SA_TMP/run2.log" || die "no resume in the log"
for _ in $(seq 1 600); do
    [ "$(q 'SELECT count(*) FROM cycles')" -ge $((c_after + 2)) ] && break
    sleep 0.1
done
[ "$(q 'SELECT count(*) FROM cycles')" -ge $((c_after + 2)) ] || die "no new cycles after restart"
[ "$(q "SELECT count(*) FROM recommendations WHERE id <= $max_rec")" = "$max_rec" ] ||
    die "old recommendations gone after restart"
[ "$(q 'SELECT count(*) FROM (SELECT deployment_id, ts FROM samples GROUP BY 1, 2 HAVING count(*) > 1)')" = 0 ] ||
    die "duplicate samples"
gaps=$(q "SELECT count(*) FROM samples a WHERE ts < (SELECT max(ts) FROM samples WHERE deployment_id = a.deployment_id)
          AND NOT EXISTS (SELECT 1 FROM samples b WHERE b.deployment_id = a.deployment_id AND b.ts = a.ts + $INTERVAL)")
[ "$gaps" = 0 ] || die "$gaps gaps in the sample grid after restart"
# The API serves history from before the crash.
hist=$(curl -sf "http://127.0.0.1:$SA_PORT/api/autoscaling/deployments/shop/web/history?since=0&limit=5000") ||
    die "history after restart"
echo "$hist" | jq -e --argjson t "$last_ts" '[.samples[].timestamp] | min < $t' >/dev/null ||
    die "history does not reach before the crash"
sa_stop_term || die "exit status after SIGTERM"
echo "crash_recovery: ok (killed inside a cycle; $c_after cycles kept, resumed)"
