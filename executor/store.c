/* store.c - the executor's processed-task table: one row per task it ever
 * claimed, with the signed answer once there is one (SQLite, WAL). */
#include "executor.h"

#include "svc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct exec_store {
    sqlite3 *db;
    pthread_mutex_t lock; /* claim is a read-then-write that must not interleave */
};

/* Schema versions, oldest first (svc_db_open applies the missing ones). */
static const char *const migrations[] = {
    "CREATE TABLE tasks ("
    "  task_hash BLOB PRIMARY KEY CHECK (length(task_hash) = 32),"
    "  state INTEGER NOT NULL,"            /* 1 started, 2 answered */
    "  started_ms INTEGER NOT NULL,"
    "  answered_ms INTEGER,"
    "  operator BLOB, result BLOB, signature BLOB, auth BLOB"
    ") WITHOUT ROWID;",
};

#define STATE_STARTED 1
#define STATE_ANSWERED 2

static exec_err db_fail(exec_store *s, char *detail)
{
    if (detail) snprintf(detail, SVC_DETAIL_MAX, "task store: %s", sqlite3_errmsg(s->db));
    return EXEC_ERR_DB;
}

exec_err exec_store_open(exec_store **out, const char *path, char *detail)
{
    *out = NULL;
    exec_store *s = calloc(1, sizeof *s);
    if (!s) return EXEC_ERR_NOMEM;
    svc_err e = svc_db_open(&s->db, path, migrations, sizeof migrations / sizeof migrations[0], detail);
    if (e) {
        free(s);
        return e == SVC_ERR_NOMEM ? EXEC_ERR_NOMEM : EXEC_ERR_DB;
    }
    pthread_mutex_init(&s->lock, NULL);
    *out = s;
    return EXEC_OK;
}

void exec_store_close(exec_store *s)
{
    if (!s) return;
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Copies a BLOB column of exactly n bytes; 0 when it has another size. */
static int column_fixed(sqlite3_stmt *st, int col, uint8_t *out, size_t n)
{
    if ((size_t)sqlite3_column_bytes(st, col) != n) return 0;
    memcpy(out, sqlite3_column_blob(st, col), n);
    return 1;
}

static exec_err read_answer(sqlite3_stmt *st, const uint8_t task_hash[32], exec_response *a)
{
    memcpy(a->task_hash, task_hash, 32);
    if (!column_fixed(st, 1, a->operator_address.addr, 20) || !column_fixed(st, 3, a->signature, 64) ||
        !column_fixed(st, 4, a->auth, 65))
        return EXEC_ERR_DB;
    size_t n = (size_t)sqlite3_column_bytes(st, 2);
    if (n) {
        a->result = malloc(n);
        if (!a->result) return EXEC_ERR_NOMEM;
        memcpy(a->result, sqlite3_column_blob(st, 2), n);
        a->result_len = n;
    }
    return EXEC_OK;
}

exec_err exec_store_claim(exec_store *s, const uint8_t task_hash[32], exec_task_state *state, exec_response *answer)
{
    memset(answer, 0, sizeof *answer);
    exec_err rc = EXEC_OK;
    sqlite3_stmt *st = NULL;
    pthread_mutex_lock(&s->lock);
    if (sqlite3_prepare_v2(s->db, "SELECT state, operator, result, signature, auth FROM tasks WHERE task_hash = ?",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(s, NULL);
        goto out;
    }
    sqlite3_bind_blob(st, 1, task_hash, 32, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        int stored = sqlite3_column_int(st, 0);
        *state = stored == STATE_ANSWERED ? EXEC_TASK_ANSWERED : EXEC_TASK_STARTED;
        if (stored == STATE_ANSWERED) rc = read_answer(st, task_hash, answer);
        if (rc) exec_response_free(answer);
        goto out;
    }
    if (step != SQLITE_DONE) {
        rc = db_fail(s, NULL);
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO tasks (task_hash, state, started_ms) VALUES (?, ?, ?)", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = db_fail(s, NULL);
        goto out;
    }
    sqlite3_bind_blob(st, 1, task_hash, 32, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, STATE_STARTED);
    sqlite3_bind_int64(st, 3, svc_wall_ms());
    if (sqlite3_step(st) != SQLITE_DONE) rc = db_fail(s, NULL);
    else *state = EXEC_TASK_NEW;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

exec_err exec_store_answer(exec_store *s, const exec_response *a)
{
    sqlite3_stmt *st;
    exec_err rc = EXEC_OK;
    pthread_mutex_lock(&s->lock);
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE tasks SET state = ?, answered_ms = ?, operator = ?, result = ?, signature = ?,"
                           " auth = ? WHERE task_hash = ? AND state = ?",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(s, NULL);
        pthread_mutex_unlock(&s->lock);
        return rc;
    }
    sqlite3_bind_int(st, 1, STATE_ANSWERED);
    sqlite3_bind_int64(st, 2, svc_wall_ms());
    sqlite3_bind_blob(st, 3, a->operator_address.addr, 20, SQLITE_STATIC);
    /* An empty result is stored as a zero-length BLOB, not NULL. */
    sqlite3_bind_blob(st, 4, a->result ? (const void *)a->result : "", (int)a->result_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, a->signature, 64, SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, a->auth, 65, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, a->task_hash, 32, SQLITE_STATIC);
    sqlite3_bind_int(st, 8, STATE_STARTED);
    if (sqlite3_step(st) != SQLITE_DONE) rc = db_fail(s, NULL);
    else if (sqlite3_changes(s->db) != 1) rc = EXEC_ERR_ARG;
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

exec_err exec_store_release(exec_store *s, const uint8_t task_hash[32])
{
    sqlite3_stmt *st;
    exec_err rc = EXEC_OK;
    pthread_mutex_lock(&s->lock);
    if (sqlite3_prepare_v2(s->db, "DELETE FROM tasks WHERE task_hash = ? AND state = ?", -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(s, NULL);
    } else {
        sqlite3_bind_blob(st, 1, task_hash, 32, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, STATE_STARTED);
        if (sqlite3_step(st) != SQLITE_DONE) rc = db_fail(s, NULL);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}
