/* log.c - structured logs: one JSON object per line (JSON Lines), so that
 * `jq`, Loki or any log shipper reads them without a parser of their own. */
#include "svc.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_service[64] = "faas";
static svc_log_level log_threshold = SVC_LOG_INFO;
static FILE *log_stream;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

svc_err svc_log_level_parse(svc_log_level *out, const char *text)
{
    for (int i = 0; i < 4; i++) {
        if (text && strcasecmp(text, level_names[i]) == 0) {
            *out = (svc_log_level)i;
            return SVC_OK;
        }
    }
    if (text && strcasecmp(text, "warning") == 0) {
        *out = SVC_LOG_WARN;
        return SVC_OK;
    }
    return SVC_ERR_ARG;
}

void svc_log_init(const char *service)
{
    pthread_mutex_lock(&log_lock);
    snprintf(log_service, sizeof log_service, "%s", service ? service : "faas");
    pthread_mutex_unlock(&log_lock);
    const char *env = getenv("LOG_LEVEL");
    svc_log_level l = SVC_LOG_INFO;
    if (env && *env && svc_log_level_parse(&l, env) != SVC_OK)
        svc_log(SVC_LOG_WARN, "unknown LOG_LEVEL, using info", "{s:s}", "LOG_LEVEL", env);
    svc_log_set_level(l);
}

void svc_log_set_level(svc_log_level level)
{
    pthread_mutex_lock(&log_lock);
    log_threshold = level;
    pthread_mutex_unlock(&log_lock);
}

void svc_log_set_stream(FILE *f)
{
    pthread_mutex_lock(&log_lock);
    log_stream = f;
    pthread_mutex_unlock(&log_lock);
}

int svc_log_enabled(svc_log_level level)
{
    pthread_mutex_lock(&log_lock);
    int on = level >= log_threshold;
    pthread_mutex_unlock(&log_lock);
    return on;
}

void svc_log(svc_log_level level, const char *msg, const char *fields, ...)
{
    if ((unsigned)level > SVC_LOG_ERROR || !svc_log_enabled(level)) return;
    int64_t ms = svc_wall_ms();
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char ts[64];
    snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));

    json_t *extra = NULL;
    json_error_t je;
    if (fields) {
        va_list ap;
        va_start(ap, fields);
        extra = json_vpack_ex(&je, 0, fields, ap);
        va_end(ap);
        if (extra && !json_is_object(extra)) {
            json_decref(extra);
            extra = NULL;
            snprintf(je.text, sizeof je.text, "fields format is not an object");
        }
        if (!extra) extra = json_pack("{s:s}", "log_error", je.text);
    }
    pthread_mutex_lock(&log_lock);
    json_t *line = json_pack("{s:s,s:s,s:s,s:s}", "ts", ts, "level", level_names[level], "service", log_service,
                             "msg", msg ? msg : "");
    if (line && extra) json_object_update_missing(line, extra);
    char *text = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    FILE *f = log_stream ? log_stream : stderr;
    if (text) {
        fputs(text, f);
        fputc('\n', f);
    } else {
        fprintf(f, "{\"level\":\"error\",\"msg\":\"out of memory while logging\"}\n");
    }
    fflush(f);
    pthread_mutex_unlock(&log_lock);
    free(text);
    json_decref(line);
    json_decref(extra);
}
