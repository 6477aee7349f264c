/*
 * store_sql.c - the text of every prepared statement, in one table, so the
 * queries can be read together with the schema in store.c. A read-only
 * handle prepares only the read statements.
 */
#include <stddef.h>

#include "store_int.h"
#include "scaleadvisor/banned.h"

static const struct {
    int which;
    int write; /* 1 = needs a read-write handle */
    const char *sql;
} sql_table[] = {
    {ST_BEGIN, 1, "BEGIN IMMEDIATE"},
    {ST_COMMIT, 1, "COMMIT"},
    {ST_ROLLBACK, 1, "ROLLBACK"},
    {ST_DEP_UPSERT, 1,
     "INSERT INTO deployments (namespace, name, min_replicas, max_replicas,"
     " target_cpu_percent, preset, current_replicas, first_seen, last_seen)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)"
     " ON CONFLICT (namespace, name) DO UPDATE SET min_replicas = excluded.min_replicas,"
     " max_replicas = excluded.max_replicas, target_cpu_percent = excluded.target_cpu_percent,"
     " preset = excluded.preset, current_replicas = excluded.current_replicas,"
     " last_seen = excluded.last_seen"
     " RETURNING id"},
    {ST_DEP_ID, 0, "SELECT id FROM deployments WHERE namespace = ?1 AND name = ?2"},
    {ST_SAMPLE_ADD, 1,
     "INSERT OR IGNORE INTO samples (deployment_id, ts, cpu_percent, memory_percent,"
     " request_rate, replicas) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
    {ST_SAMPLE_LAST, 0, "SELECT coalesce(max(ts), 0) FROM samples WHERE deployment_id = ?1"},
    {ST_SAMPLE_LOAD, 0,
     "SELECT ts, cpu_percent, memory_percent, request_rate, replicas FROM samples"
     " WHERE deployment_id = ?1 AND ts >= ?2 ORDER BY ts DESC LIMIT ?3"},
    {ST_SAMPLE_COUNT, 0, "SELECT count(*) FROM samples WHERE deployment_id = ?1"},
    {ST_FC_ADD, 1,
     "INSERT OR REPLACE INTO forecasts (deployment_id, ts, made_at, metric, mean, lower, upper)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
    {ST_REC_ADD, 1,
     "INSERT INTO recommendations (deployment_id, generated_at, current_replicas, source,"
     " action, target_replicas, verdict, applied, dry_run, llm_used, result_json, context_json)"
     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"},
    {ST_AUDIT_ADD, 1,
     "INSERT INTO audit_log (deployment_id, recommendation_id, at, method, before_replicas,"
     " after_replicas, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
    {ST_AUDIT_SETTLE, 1,
     "UPDATE audit_log SET method = ?2, before_replicas = ?3, after_replicas = ?4, outcome = ?5"
     " WHERE id = ?1"},
    {ST_REC_SETTLE, 1, "UPDATE recommendations SET applied = ?2, result_json = ?3 WHERE id = ?1"},
    {ST_AUDIT_RECENT, 0,
     "SELECT at, before_replicas, after_replicas, method, outcome FROM audit_log"
     " WHERE deployment_id = ?1 AND after_replicas != before_replicas AND at >= ?2"
     " ORDER BY id DESC LIMIT ?3"},
    {ST_CYCLE_ADD, 1,
     "INSERT INTO cycles (started_at, duration_ms, deployments) VALUES (?1, ?2, ?3)"},
    {ST_CYCLE_LAST, 0, "SELECT coalesce(max(id), 0) FROM cycles"},
    {ST_RETAIN_SAMPLES, 1, "DELETE FROM samples WHERE ts < ?1"},
    {ST_RETAIN_FC, 1, "DELETE FROM forecasts WHERE ts < ?1"},
    {ST_RETAIN_AUDIT, 1, "DELETE FROM audit_log WHERE at < ?1"},
    /* oldest first, a bounded batch: a backlog (a database from before
     * decisions were pruned) drains over several passes, not in one long
     * transaction; a decision an actuation refers to stays with it */
    {ST_RETAIN_REC, 1,
     "DELETE FROM recommendations WHERE id IN (SELECT r.id FROM recommendations r"
     " WHERE r.generated_at < ?1"
     " AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.recommendation_id = r.id)"
     " ORDER BY r.generated_at LIMIT ?2)"},
    {ST_RETAIN_CYCLES, 1, "DELETE FROM cycles WHERE started_at < ?1"},
    {ST_LATEST, 0,
     "SELECT r.result_json FROM deployments d JOIN recommendations r"
     " ON r.id = (SELECT max(id) FROM recommendations WHERE deployment_id = d.id)"
     " WHERE (?1 IS NULL OR d.namespace = ?1) AND (?2 IS NULL OR d.name = ?2)"
     " AND d.last_seen >= (SELECT max(last_seen) FROM deployments)"
     " ORDER BY d.namespace, d.name"},
    {ST_DEP_ROW, 0,
     "SELECT id, namespace, name, min_replicas, max_replicas, target_cpu_percent, preset,"
     " current_replicas, first_seen, last_seen FROM deployments"
     " WHERE namespace = ?1 AND name = ?2"},
    {ST_HIST_SAMPLES, 0,
     "SELECT * FROM (SELECT ts, cpu_percent, memory_percent, request_rate, replicas"
     " FROM samples WHERE deployment_id = ?1 AND ts >= ?2 ORDER BY ts DESC LIMIT ?3)"
     " ORDER BY ts"},
    {ST_HIST_FC, 0,
     "SELECT * FROM (SELECT ts, made_at, metric, mean, lower, upper FROM forecasts"
     " WHERE deployment_id = ?1 AND ts >= ?2 ORDER BY ts DESC LIMIT ?3) ORDER BY ts"},
    {ST_HIST_REC, 0,
     "SELECT * FROM (SELECT id, result_json FROM recommendations"
     " WHERE deployment_id = ?1 AND generated_at >= ?2 ORDER BY id DESC LIMIT ?3) ORDER BY id"},
    {ST_HIST_AUDIT, 0,
     "SELECT * FROM (SELECT id, recommendation_id, at, method, before_replicas,"
     " after_replicas, outcome FROM audit_log WHERE deployment_id = ?1 AND at >= ?2"
     " ORDER BY id DESC LIMIT ?3) ORDER BY id"},
    {ST_REC_CONTEXT, 0, "SELECT context_json FROM recommendations WHERE id = ?1"},
    {ST_COUNT_ALL, 0,
     "SELECT (SELECT count(*) FROM deployments), (SELECT count(*) FROM samples),"
     " (SELECT count(*) FROM forecasts), (SELECT count(*) FROM recommendations),"
     " (SELECT count(*) FROM audit_log), (SELECT count(*) FROM cycles)"},
};

const char *sa_store_sql(int which, sa_store_mode mode)
{
    for (size_t i = 0; i < sizeof sql_table / sizeof sql_table[0]; i++)
        if (sql_table[i].which == which)
            return sql_table[i].write && mode == SA_STORE_READONLY ? NULL : sql_table[i].sql;
    return NULL;
}
