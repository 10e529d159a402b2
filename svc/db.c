/* db.c - SQLite with WAL and a schema versioned by PRAGMA user_version
 * (sqlite.org/pragma.html#pragma_user_version, sqlite.org/wal.html). */
#include "svc.h"

#include <stdio.h>

static svc_err fail(sqlite3 *db, char *detail, const char *what)
{
    if (detail) snprintf(detail, SVC_DETAIL_MAX, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
    return SVC_ERR_DB;
}

static int user_version(sqlite3 *db, int *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) return -1;
    int ok = sqlite3_step(st) == SQLITE_ROW;
    if (ok) *v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}

svc_err svc_db_open(sqlite3 **db, const char *path, const char *const *migrations, size_t n_migrations,
                    char *detail)
{
    *db = NULL;
    int rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        svc_err e = fail(*db, detail, path);
        sqlite3_close(*db);
        *db = NULL;
        return e;
    }
    sqlite3_busy_timeout(*db, 5000);
    /* journal_mode returns a row, so it goes through exec with no callback. */
    if (sqlite3_exec(*db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", NULL, NULL,
                     NULL) != SQLITE_OK)
        goto db_error;
    int v;
    if (user_version(*db, &v) != 0) goto db_error;
    if (v < 0 || (size_t)v > n_migrations) {
        if (detail)
            snprintf(detail, SVC_DETAIL_MAX, "%s has schema version %d, this program knows up to %zu", path, v,
                     n_migrations);
        sqlite3_close(*db);
        *db = NULL;
        return SVC_ERR_SCHEMA;
    }
    for (size_t i = (size_t)v; i < n_migrations; i++) {
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version=%zu;", i + 1);
        if (sqlite3_exec(*db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) goto db_error;
        if (sqlite3_exec(*db, migrations[i], NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(*db, bump, NULL, NULL, NULL) != SQLITE_OK) {
            char what[96];
            snprintf(what, sizeof what, "%s: migration %zu", path, i + 1);
            svc_err e = fail(*db, detail, what);
            sqlite3_exec(*db, "ROLLBACK", NULL, NULL, NULL);
            sqlite3_close(*db);
            *db = NULL;
            return e;
        }
        if (sqlite3_exec(*db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) goto db_error;
    }
    return SVC_OK;

db_error: {
    svc_err e = fail(*db, detail, path);
    sqlite3_close(*db);
    *db = NULL;
    return e;
}
}
