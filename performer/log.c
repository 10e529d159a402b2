/* log.c - structured logs (see performer.h): JSON lines on stderr. */
#include "performer.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = {"debug", "info", "warn", "error"};

static perf_log_level threshold(void)
{
    static atomic_int cached = -1;
    if (cached < 0) {
        const char *env = getenv("LOG_LEVEL");
        int level = PERF_LOG_INFO;
        for (int i = 0; env && i < 4; i++)
            if (strcasecmp(env, level_names[i]) == 0 || (i == PERF_LOG_WARN && strcasecmp(env, "warning") == 0))
                level = i;
        cached = level;
    }
    return (perf_log_level)cached;
}

int perf_log_enabled(perf_log_level level)
{
    return level >= threshold();
}

void perf_log(perf_log_level level, const char *msg, const char *fields, ...)
{
    if (!perf_log_enabled(level)) return;
    json_t *o = NULL;
    if (fields) {
        va_list ap;
        va_start(ap, fields);
        o = json_vpack_ex(NULL, 0, fields, ap);
        va_end(ap);
    }
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_object();
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[64];
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000));
    json_t *line = json_pack("{s:s, s:s, s:s}", "ts", when, "level", level_names[level], "msg", msg);
    if (line) json_object_update(line, o);
    char *text = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text) {
        size_t n = strlen(text);
        text[n] = '\n'; /* one write per line keeps concurrent lines whole */
        ssize_t w = write(2, text, n + 1);
        (void)w;
    }
    free(text);
    json_decref(line);
    json_decref(o);
}
