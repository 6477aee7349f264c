#!/usr/bin/env bash
# crash_recovery.sh - SIGKILL the real service in the middle of a cycle,
# then check that the database opens intact, that everything committed
# before the kill is still there and nothing of the cycle in flight, and
# that a restart resumes from the stored history (no duplicate, no gap on
# the sample grid) and goes on.
#
# Landing the kill inside a cycle: the "cycle start" debug line is written
# once the cycle's transaction is open. The first cycle after a restart is
# the long one (it back-fills the gap and feeds the stored history to the
# predictors), so a kill sent as soon as that line appears lands inside it;
# the log then shows the start without the matching "cycle done".
set -euo pipefail
. "$(dirname "$0")/serve_lib.bash"

DB="$SA_TMP/sa.db"
INTERVAL=1 # a short interval makes the restart cycle long (it feeds ~7,200 stored samples a deployment to the predictors), so the kill lands inside it
export SCALEADVISOR_LOG_LEVEL=debug
q() { sqlite3 -cmd ".timeout 5000" "$DB" "$1"; }
count_in() { grep -c "\"msg\":\"$2\"" "$SA_TMP/$1" || true; }

# Run 1: let two cycles commit, then crash it (anywhere).
sa_start run1.log --db "$DB" --interval-s "$INTERVAL" --dry-run
sa_wait_ready
for _ in $(seq 1 600); do
    [ "$(q 'SELECT count(*) FROM cycles')" -ge 2 ] && break
    sleep 0.1
done
[ "$(q 'SELECT count(*) FROM cycles')" -ge 2 ] || die "fewer than 2 cycles in 60 s"
kill -KILL "$SA_PID"
wait "$SA_PID" 2>/dev/null || true
SA_PID=""

# Run 2 (and retries): SIGKILL as soon as its first cycle has begun.
killed_mid=0
for attempt in 1 2 3 4 5; do
    c_before=$(q 'SELECT count(*) FROM cycles')
    s_before=$(q 'SELECT count(*) FROM samples')
    r_before=$(q 'SELECT count(*) FROM recommendations')
    max_rec=$(q 'SELECT coalesce(max(id), 0) FROM recommendations')
    last_ts=$(q 'SELECT max(ts) FROM samples')
    log="run2.$attempt.log"
    sa_start "$log" --db "$DB" --interval-s "$INTERVAL" --dry-run
    grep -m 1 -q '"msg":"cycle start"' < <(timeout 60 tail -n +1 -F "$SA_TMP/$log") ||
        die "no cycle started within 60 s"
    kill -KILL "$SA_PID"
    wait "$SA_PID" 2>/dev/null || true
    SA_PID=""
    if [ "$(count_in "$log" "cycle done")" = 0 ]; then
        killed_mid=1
        break
    fi
    echo "attempt $attempt: the cycle completed before the kill; retrying" >&2
done
[ "$killed_mid" = 1 ] || die "could not land a SIGKILL inside a cycle in 5 attempts"

# The database opens and is intact; what was committed is all there, and
# nothing of the killed cycle was kept.
[ "$(q 'PRAGMA integrity_check')" = ok ] || die "integrity_check after SIGKILL"
[ "$(q 'PRAGMA user_version')" -ge 1 ] || die "schema version lost"
[ "$(q 'SELECT count(*) FROM cycles')" = "$c_before" ] || die "cycle count changed by the killed cycle"
[ "$(q 'SELECT count(*) FROM samples')" = "$s_before" ] || die "samples changed by the killed cycle"
[ "$(q 'SELECT count(*) FROM recommendations')" = "$r_before" ] || die "recommendations changed"
[ "$(q "SELECT count(*) FROM recommendations WHERE id <= $max_rec")" = "$max_rec" ] ||
    die "committed recommendations missing"
[ "$(q 'SELECT max(ts) FROM samples')" = "$last_ts" ] || die "newest sample changed"
[ "$r_before" = "$((4 * c_before))" ] || die "recommendations ($r_before) != 4 x cycles ($c_before)"

# Run 3 on the same database: it resumes from the stored history.
sa_start run3.log --db "$DB" --interval-s "$INTERVAL" --dry-run
sa_wait_ready
grep -q '"msg":"resumed from stored history"' "$SA_TMP/run3.log" || die "no resume in the log"
for _ in $(seq 1 600); do
    [ "$(q 'SELECT count(*) FROM cycles')" -ge $((c_before + 2)) ] && break
    sleep 0.1
done
[ "$(q 'SELECT count(*) FROM cycles')" -ge $((c_before + 2)) ] || die "no new cycles after restart"
[ "$(q "SELECT count(*) FROM recommendations WHERE id <= $max_rec")" = "$max_rec" ] ||
    die "old recommendations gone after restart"
[ "$(q 'SELECT count(*) FROM (SELECT deployment_id, ts FROM samples GROUP BY 1, 2 HAVING count(*) > 1)')" = 0 ] ||
    die "duplicate samples"
gaps=$(q "SELECT count(*) FROM samples a WHERE ts < (SELECT max(ts) FROM samples WHERE deployment_id = a.deployment_id)
          AND NOT EXISTS (SELECT 1 FROM samples b WHERE b.deployment_id = a.deployment_id AND b.ts = a.ts + $INTERVAL)")
[ "$gaps" = 0 ] || die "$gaps gaps in the sample grid after restart"
hist=$(curl -sf "http://127.0.0.1:$SA_PORT/api/autoscaling/deployments/shop/web/history?since=0&limit=5000") ||
    die "history after restart"
echo "$hist" | jq -e --argjson t "$last_ts" '[.samples[].timestamp] | min < $t' >/dev/null ||
    die "history does not reach before the crash"
sa_stop_term || die "exit status after SIGTERM"

# With --apply, killed at random points: an actuation is written down (an
# audit row "pending") before the source is called, so every actuation the
# log reports has its audit row, as made ("ok") or as intended ("pending")
# when the kill came between the two.
ADB="$SA_TMP/apply.db"
for run in 1 2 3; do
    log="apply.$run.log"
    sa_start "$log" --db "$ADB" --interval-s 3 --apply # a shorter back-fill than at 1 s
    for _ in $(seq 1 600); do
        [ "$(count_in "$log" "cycle done")" -ge 2 ] && break
        sleep 0.1
    done
    sleep "0.$((RANDOM % 10))"
    kill -KILL "$SA_PID"
    wait "$SA_PID" 2>/dev/null || true
    SA_PID=""
done
[ "$(sqlite3 "$ADB" 'PRAGMA integrity_check')" = ok ] || die "integrity_check after SIGKILL (apply)"
acted=0
while IFS=$'\t' read -r ns name before after; do
    acted=$((acted + 1))
    rows=$(sqlite3 -cmd ".timeout 5000" "$ADB" "SELECT count(*) FROM audit_log a JOIN deployments d
        ON d.id = a.deployment_id WHERE d.namespace = '$ns' AND d.name = '$name'
        AND a.before_replicas = $before AND a.after_replicas = $after
        AND a.outcome IN ('ok', 'pending')")
    [ "$rows" -ge 1 ] || die "actuation $ns/$name $before -> $after has no audit row"
done < <(cat "$SA_TMP"/apply.*.log | grep '"msg":"actuated"' |
         jq -r '[.namespace, .deployment, (.before | tostring), (.after | tostring)] | @tsv')
[ "$acted" -ge 1 ] || die "no actuation in the --apply runs"
ok_rows=$(sqlite3 "$ADB" "SELECT count(*) FROM audit_log WHERE outcome = 'ok'")
[ "$ok_rows" -le "$acted" ] || die "$ok_rows audit rows say ok for $acted actuations logged"
echo "crash_recovery: ok (killed inside a cycle after $c_before committed cycles; resumed;" \
    "$acted actuations under --apply, each with its audit row)"
