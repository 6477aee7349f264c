/*
 * store_int.h - internals shared by the store's files: the handle, the
 * prepared statement table and small binding helpers.
 */
#ifndef SA_STORE_INT_H
#define SA_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>

#include "scaleadvisor/store.h"

/* Prepared once at open, reset after every use. */
enum {
    ST_BEGIN = 0,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_DEP_UPSERT,
    ST_DEP_ID,
    ST_SAMPLE_ADD,
    ST_SAMPLE_LAST,
    ST_SAMPLE_LOAD,
    ST_SAMPLE_COUNT,
    ST_FC_ADD,
    ST_REC_ADD,
    ST_AUDIT_ADD,
    ST_AUDIT_SETTLE,
    ST_REC_SETTLE,
    ST_AUDIT_RECENT,
    ST_CYCLE_ADD,
    ST_CYCLE_LAST,
    ST_RETAIN_SAMPLES,
    ST_RETAIN_FC,
    ST_RETAIN_AUDIT,
    ST_RETAIN_REC,
    ST_RETAIN_CYCLES,
    ST_LATEST,
    ST_DEP_ROW,
    ST_HIST_SAMPLES,
    ST_HIST_FC,
    ST_HIST_REC,
    ST_HIST_AUDIT,
    ST_REC_CONTEXT,
    ST_COUNT_ALL,
    ST__N
};

struct sa_store {
    sqlite3 *db;
    sa_store_mode mode;
    bool in_tx;
    pthread_mutex_t mu;
    sqlite3_stmt *st[ST__N];
};

/* The SQL of each statement (NULL = not prepared in this mode). */
const char *sa_store_sql(int which, sa_store_mode mode);

/* Report the connection's last error as SA_ERR_DB with what was tried. */
sa_err sa_store_dberr(sa_store *s, sa_errbuf *eb, const char *what);

/* Bind a double, NULL when NaN. */
int sa_store_bind_real(sqlite3_stmt *st, int i, double v);
/* Read a double column, NaN when NULL. */
double sa_store_col_real(sqlite3_stmt *st, int i);

#endif
