/* store.c - the aggregator's state in SQLite (WAL): the last block whose
 * TaskCreated logs are all stored, each task with its status, winning result,
 * certificate and transaction, and an append-only history per task. Every
 * change is one transaction, so a SIGKILL at any point leaves a state from
 * which a restart resumes without losing or repeating a task. */
#include "aggregator.h"

#include "svc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct agg_store {
    sqlite3 *db;
    pthread_mutex_t lock; /* one transaction at a time on the shared handle */
};

static const char *const migrations[] = {
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "CREATE TABLE tasks ("
    "  task_hash BLOB PRIMARY KEY CHECK (length(task_hash) = 32),"
    "  avs BLOB NOT NULL, operator_set_id INTEGER NOT NULL, reference_timestamp INTEGER NOT NULL,"
    "  block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, deadline INTEGER NOT NULL,"
    "  payload BLOB NOT NULL, status INTEGER NOT NULL, reason TEXT NOT NULL DEFAULT '',"
    "  result BLOB, cert BLOB, tx_hash BLOB, verified_block INTEGER,"
    "  seen_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, offchain_ms REAL NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX tasks_by_status ON tasks (status, block_number, log_index);"
    "CREATE TABLE history ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, task_hash BLOB NOT NULL, at_ms INTEGER NOT NULL,"
    "  status INTEGER NOT NULL, detail TEXT NOT NULL"
    ");"
    "CREATE INDEX history_by_task ON history (task_hash, id);",
};

static const char *const status_names[AGG_TASK__COUNT] = {
    "pending", "certified", "submitted", "verified", "expired", "failed",
};

const char *agg_task_status_name(agg_task_status s)
{
    return (unsigned)s < AGG_TASK__COUNT ? status_names[s] : NULL;
}

int agg_task_status_final(agg_task_status s)
{
    return s == AGG_TASK_VERIFIED || s == AGG_TASK_EXPIRED || s == AGG_TASK_FAILED;
}

void agg_task_free(agg_task *t)
{
    free(t->payload);
    free(t->reason);
    free(t->result);
    free(t->cert);
    memset(t, 0, sizeof *t);
}

agg_err agg_store_open(agg_store **out, const char *path, char *detail)
{
    *out = NULL;
    agg_store *s = calloc(1, sizeof *s);
    if (!s) return AGG_ERR_NOMEM;
    svc_err e = svc_db_open(&s->db, path, migrations, sizeof migrations / sizeof migrations[0], detail);
    if (e) {
        free(s);
        return e == SVC_ERR_NOMEM ? AGG_ERR_NOMEM : AGG_ERR_DB;
    }
    pthread_mutex_init(&s->lock, NULL);
    *out = s;
    return AGG_OK;
}

void agg_store_close(agg_store *s)
{
    if (!s) return;
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Runs one statement with bound values: a format char per value
 *   b: blob (const void *, int len)  i: int64  d: double  t: text (const char *)
 * Returns the sqlite3_step result of the last step (SQLITE_DONE expected). */
static int exec_stmt(sqlite3 *db, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return SQLITE_ERROR;
    va_list ap;
    va_start(ap, fmt);
    for (int i = 1; fmt && *fmt; fmt++, i++) {
        if (*fmt == 'b') {
            const void *p = va_arg(ap, const void *);
            int n = va_arg(ap, int);
            if (p) sqlite3_bind_blob(st, i, n ? p : "", n, SQLITE_TRANSIENT);
            else sqlite3_bind_null(st, i);
        } else if (*fmt == 'i') {
            sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
        } else if (*fmt == 'd') {
            sqlite3_bind_double(st, i, va_arg(ap, double));
        } else {
            sqlite3_bind_text(st, i, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
        }
    }
    va_end(ap);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc;
}

static int begin(agg_store *s)
{
    pthread_mutex_lock(&s->lock);
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK) return 0;
    pthread_mutex_unlock(&s->lock);
    return -1;
}

/* Commits when ok, else rolls back; releases the lock. */
static agg_err end(agg_store *s, agg_err rc)
{
    if (rc == AGG_OK && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) rc = AGG_ERR_DB;
    if (rc != AGG_OK) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

agg_err agg_store_last_block(agg_store *s, uint64_t *block, int *has)
{
    *has = 0;
    *block = 0;
    sqlite3_stmt *st;
    pthread_mutex_lock(&s->lock);
    agg_err rc = AGG_ERR_DB;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'last_block'", -1, &st, NULL) == SQLITE_OK) {
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            *block = (uint64_t)sqlite3_column_int64(st, 0);
            *has = 1;
        }
        if (step == SQLITE_ROW || step == SQLITE_DONE) rc = AGG_OK;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int raise_last_block(agg_store *s, uint64_t block)
{
    return exec_stmt(s->db,
                     "INSERT INTO meta (key, value) VALUES ('last_block', ?1) "
                     "ON CONFLICT (key) DO UPDATE SET value = max(value, ?1)",
                     "i", (int64_t)block) == SQLITE_DONE
               ? 0
               : -1;
}

agg_err agg_store_set_last_block(agg_store *s, uint64_t block)
{
    if (begin(s)) return AGG_ERR_DB;
    return end(s, raise_last_block(s, block) ? AGG_ERR_DB : AGG_OK);
}

static int add_history(agg_store *s, const uint8_t h[32], agg_task_status st, const char *detail)
{
    return exec_stmt(s->db, "INSERT INTO history (task_hash, at_ms, status, detail) VALUES (?, ?, ?, ?)", "biit", h,
                     32, svc_wall_ms(), (int64_t)st, detail ? detail : "") == SQLITE_DONE
               ? 0
               : -1;
}

agg_err agg_store_add_task(agg_store *s, const agg_task *t, uint64_t processed_block, int *added)
{
    *added = 0;
    if (begin(s)) return AGG_ERR_DB;
    int64_t now = svc_wall_ms();
    int rc = exec_stmt(s->db,
                       "INSERT OR IGNORE INTO tasks (task_hash, avs, operator_set_id, reference_timestamp,"
                       " block_number, log_index, deadline, payload, status, seen_ms, updated_ms)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       "bbiiiiibiii", t->task_hash, 32, t->avs.addr, 20, (int64_t)t->operator_set_id,
                       (int64_t)t->reference_timestamp, (int64_t)t->block_number, (int64_t)t->log_index,
                       (int64_t)t->deadline, t->payload, (int)t->payload_len, (int64_t)AGG_TASK_PENDING,
                       t->seen_ms ? t->seen_ms : now, now);
    if (rc != SQLITE_DONE) return end(s, AGG_ERR_DB);
    *added = sqlite3_changes(s->db) == 1;
    const char *why = "TaskCreated seen";
    if (!*added) {
        /* Known: only a task a reorganisation removed is taken up again. */
        rc = exec_stmt(s->db,
                       "UPDATE tasks SET status = ?, reason = '', block_number = ?, log_index = ?, deadline = ?,"
                       " reference_timestamp = ?, payload = ?, updated_ms = ? WHERE task_hash = ? AND status = ?"
                       " AND reason = ?",
                       "iiiiibibit", (int64_t)AGG_TASK_PENDING, (int64_t)t->block_number, (int64_t)t->log_index,
                       (int64_t)t->deadline, (int64_t)t->reference_timestamp, t->payload, (int)t->payload_len, now,
                       t->task_hash, 32, (int64_t)AGG_TASK_FAILED, AGG_REORG_REASON);
        if (rc != SQLITE_DONE) return end(s, AGG_ERR_DB);
        *added = sqlite3_changes(s->db) == 1;
        why = "TaskCreated seen again after a reorganisation";
    }
    if (*added && add_history(s, t->task_hash, AGG_TASK_PENDING, why)) return end(s, AGG_ERR_DB);
    return end(s, raise_last_block(s, processed_block) ? AGG_ERR_DB : AGG_OK);
}

/* The status of a task inside a transaction: -1 unknown, -2 error. */
static int current_status(agg_store *s, const uint8_t h[32])
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT status FROM tasks WHERE task_hash = ?", -1, &st, NULL) != SQLITE_OK) return -2;
    sqlite3_bind_blob(st, 1, h, 32, SQLITE_STATIC);
    int step = sqlite3_step(st), v = step == SQLITE_ROW ? sqlite3_column_int(st, 0) : step == SQLITE_DONE ? -1 : -2;
    sqlite3_finalize(st);
    return v;
}

/* Every transition: begins a transaction in which the task exists and is
 * not final (a final status is never left); the caller may then update more
 * columns and finishes with transition_end, which sets the status and reason,
 * appends to the history and commits (or rolls back when rc is an error). */
static agg_err transition_begin(agg_store *s, const uint8_t h[32])
{
    if (begin(s)) return AGG_ERR_DB;
    int cur = current_status(s, h);
    if (cur == -2) return end(s, AGG_ERR_DB);
    if (cur == -1) return end(s, AGG_ERR_NOT_FOUND);
    if (agg_task_status_final((agg_task_status)cur)) return end(s, AGG_ERR_ARG);
    return AGG_OK;
}

static agg_err transition_end(agg_store *s, const uint8_t h[32], agg_task_status to, const char *reason, agg_err rc)
{
    if (rc == AGG_OK &&
        exec_stmt(s->db, "UPDATE tasks SET status = ?, reason = ?, updated_ms = ? WHERE task_hash = ?", "itib",
                  (int64_t)to, reason ? reason : "", svc_wall_ms(), h, 32) != SQLITE_DONE)
        rc = AGG_ERR_DB;
    if (rc == AGG_OK && add_history(s, h, to, reason)) rc = AGG_ERR_DB;
    return end(s, rc);
}

agg_err agg_store_set_status(agg_store *s, const uint8_t task_hash[32], agg_task_status status, const char *reason)
{
    if ((unsigned)status >= AGG_TASK__COUNT) return AGG_ERR_ARG;
    agg_err rc = transition_begin(s, task_hash);
    return rc ? rc : transition_end(s, task_hash, status, reason, AGG_OK);
}

agg_err agg_store_set_certified(agg_store *s, const uint8_t task_hash[32], const uint8_t *result, size_t result_len,
                                const uint8_t *cert, size_t cert_len, const char *reason)
{
    agg_err rc = transition_begin(s, task_hash);
    if (rc) return rc;
    if (exec_stmt(s->db, "UPDATE tasks SET result = ?, cert = ? WHERE task_hash = ?", "bbb",
                  result ? (const void *)result : "", (int)result_len, cert, (int)cert_len, task_hash, 32) != SQLITE_DONE)
        rc = AGG_ERR_DB;
    return transition_end(s, task_hash, AGG_TASK_CERTIFIED, reason, rc);
}

agg_err agg_store_set_submitted(agg_store *s, const uint8_t task_hash[32], const uint8_t tx_hash[32],
                                double offchain_ms)
{
    char reason[80];
    eth_hex_encode(reason + snprintf(reason, sizeof reason, "tx "), tx_hash, 32);
    agg_err rc = transition_begin(s, task_hash);
    if (rc == AGG_ERR_ARG)
        return exec_stmt(s->db, "UPDATE tasks SET offchain_ms = ? WHERE task_hash = ? AND offchain_ms = 0", "db",
                         offchain_ms, task_hash, 32) == SQLITE_DONE
                   ? AGG_ERR_ARG
                   : AGG_ERR_DB;
    if (rc) return rc;
    if (exec_stmt(s->db, "UPDATE tasks SET tx_hash = ?, offchain_ms = ? WHERE task_hash = ?", "bdb", tx_hash, 32,
                  offchain_ms, task_hash, 32) != SQLITE_DONE)
        rc = AGG_ERR_DB;
    return transition_end(s, task_hash, AGG_TASK_SUBMITTED, reason, rc);
}

agg_err agg_store_set_verified(agg_store *s, const uint8_t task_hash[32], uint64_t block, const uint8_t tx_hash[32],
                               const char *reason)
{
    agg_err rc = transition_begin(s, task_hash);
    if (rc) return rc;
    if (exec_stmt(s->db, "UPDATE tasks SET verified_block = ?, tx_hash = ? WHERE task_hash = ?", "ibb", (int64_t)block,
                  tx_hash, 32, task_hash, 32) != SQLITE_DONE)
        rc = AGG_ERR_DB;
    return transition_end(s, task_hash, AGG_TASK_VERIFIED, reason, rc);
}

/* Copies a BLOB column into a new buffer (NULL and 0 when NULL or empty). */
static int column_blob(sqlite3_stmt *st, int col, uint8_t **out, size_t *n)
{
    *out = NULL;
    *n = (size_t)sqlite3_column_bytes(st, col);
    if (!*n) return 0;
    *out = malloc(*n);
    if (!*out) return -1;
    memcpy(*out, sqlite3_column_blob(st, col), *n);
    return 0;
}

#define TASK_COLUMNS                                                                                         \
    "task_hash, avs, operator_set_id, reference_timestamp, block_number, log_index, deadline, payload, status," \
    " reason, result, cert, tx_hash, verified_block, seen_ms, offchain_ms"

static agg_err read_task(sqlite3_stmt *st, agg_task *t)
{
    memset(t, 0, sizeof *t);
    if (sqlite3_column_bytes(st, 0) != 32 || sqlite3_column_bytes(st, 1) != 20) return AGG_ERR_DB;
    memcpy(t->task_hash, sqlite3_column_blob(st, 0), 32);
    memcpy(t->avs.addr, sqlite3_column_blob(st, 1), 20);
    t->operator_set_id = (uint32_t)sqlite3_column_int64(st, 2);
    t->reference_timestamp = (uint32_t)sqlite3_column_int64(st, 3);
    t->block_number = (uint64_t)sqlite3_column_int64(st, 4);
    t->log_index = (uint64_t)sqlite3_column_int64(st, 5);
    t->deadline = (uint64_t)sqlite3_column_int64(st, 6);
    t->status = (agg_task_status)sqlite3_column_int(st, 8);
    const char *reason = (const char *)sqlite3_column_text(st, 9);
    t->reason = strdup(reason ? reason : "");
    if (!t->reason || column_blob(st, 7, &t->payload, &t->payload_len) || column_blob(st, 10, &t->result, &t->result_len) ||
        column_blob(st, 11, &t->cert, &t->cert_len)) {
        agg_task_free(t);
        return AGG_ERR_NOMEM;
    }
    if (sqlite3_column_bytes(st, 12) == 32) {
        t->has_tx = 1;
        memcpy(t->tx_hash, sqlite3_column_blob(st, 12), 32);
    }
    t->verified_block = (uint64_t)sqlite3_column_int64(st, 13);
    t->seen_ms = sqlite3_column_int64(st, 14);
    t->offchain_ms = sqlite3_column_double(st, 15);
    return AGG_OK;
}

agg_err agg_store_get(agg_store *s, const uint8_t task_hash[32], agg_task *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    agg_err rc = AGG_ERR_DB;
    pthread_mutex_lock(&s->lock);
    if (sqlite3_prepare_v2(s->db, "SELECT " TASK_COLUMNS " FROM tasks WHERE task_hash = ?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_blob(st, 1, task_hash, 32, SQLITE_STATIC);
        int step = sqlite3_step(st);
        rc = step == SQLITE_ROW ? read_task(st, out) : step == SQLITE_DONE ? AGG_ERR_NOT_FOUND : AGG_ERR_DB;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

agg_err agg_store_history(agg_store *s, const uint8_t task_hash[32], json_t **out)
{
    *out = json_array();
    if (!*out) return AGG_ERR_NOMEM;
    sqlite3_stmt *st;
    agg_err rc = AGG_ERR_DB;
    pthread_mutex_lock(&s->lock);
    if (sqlite3_prepare_v2(s->db, "SELECT at_ms, status, detail FROM history WHERE task_hash = ? ORDER BY id", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_blob(st, 1, task_hash, 32, SQLITE_STATIC);
        int step;
        rc = AGG_OK;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            const char *name = agg_task_status_name((agg_task_status)sqlite3_column_int(st, 1));
            json_t *e = json_pack("{s:I,s:s,s:s}", "at_ms", (json_int_t)sqlite3_column_int64(st, 0), "status",
                                  name ? name : "unknown", "detail", (const char *)sqlite3_column_text(st, 2));
            if (!e || json_array_append_new(*out, e)) {
                rc = AGG_ERR_NOMEM;
                break;
            }
        }
        if (rc == AGG_OK && step != SQLITE_DONE) rc = AGG_ERR_DB;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

agg_err agg_store_unfinished(agg_store *s, agg_task **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    agg_err rc = AGG_ERR_DB;
    size_t cap = 0;
    pthread_mutex_lock(&s->lock);
    if (sqlite3_prepare_v2(s->db,
                           "SELECT " TASK_COLUMNS " FROM tasks WHERE status NOT IN (?, ?, ?)"
                           " ORDER BY block_number, log_index",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int(st, 1, AGG_TASK_VERIFIED);
        sqlite3_bind_int(st, 2, AGG_TASK_EXPIRED);
        sqlite3_bind_int(st, 3, AGG_TASK_FAILED);
        int step;
        rc = AGG_OK;
        while (rc == AGG_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 16;
                agg_task *p = realloc(*out, cap * sizeof *p);
                if (!p) {
                    rc = AGG_ERR_NOMEM;
                    break;
                }
                *out = p;
            }
            rc = read_task(st, &(*out)[*n]);
            if (rc == AGG_OK) (*n)++;
        }
        if (rc == AGG_OK && step != SQLITE_DONE) rc = AGG_ERR_DB;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    if (rc) {
        for (size_t i = 0; i < *n; i++) agg_task_free(&(*out)[i]);
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

agg_err agg_store_counts(agg_store *s, uint64_t counts[AGG_TASK__COUNT])
{
    memset(counts, 0, AGG_TASK__COUNT * sizeof counts[0]);
    sqlite3_stmt *st;
    agg_err rc = AGG_ERR_DB;
    pthread_mutex_lock(&s->lock);
    if (sqlite3_prepare_v2(s->db, "SELECT status, count(*) FROM tasks GROUP BY status", -1, &st, NULL) == SQLITE_OK) {
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            int k = sqlite3_column_int(st, 0);
            if (k >= 0 && k < AGG_TASK__COUNT) counts[k] = (uint64_t)sqlite3_column_int64(st, 1);
        }
        rc = step == SQLITE_DONE ? AGG_OK : AGG_ERR_DB;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}
