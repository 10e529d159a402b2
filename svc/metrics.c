/* metrics.c - counters, gauges and histograms rendered in the Prometheus
 * text exposition format 0.0.4 (prometheus.io/docs/instrumenting/exposition_formats). */
#include "svc.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef enum { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM } metric_kind;
static const char *const kind_names[] = { "counter", "gauge", "histogram" };

struct svc_metric {
    svc_metrics *owner;
    metric_kind kind;
    char *name;
    char *labels;   /* "" when none */
    char *help;
    double value;   /* counter/gauge; histogram: the sum */
    uint64_t count; /* histogram observations */
    size_t n_bounds;
    double bounds[SVC_METRICS_MAX_BUCKETS];
    uint64_t buckets[SVC_METRICS_MAX_BUCKETS]; /* non-cumulative; +Inf is count - sum(buckets) */
};

struct svc_metrics {
    pthread_mutex_t lock;
    svc_metric *series[SVC_METRICS_MAX_SERIES];
    size_t n;
};

const double svc_latency_buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
const size_t svc_latency_buckets_n = sizeof svc_latency_buckets / sizeof svc_latency_buckets[0];

svc_metrics *svc_metrics_new(void)
{
    svc_metrics *m = calloc(1, sizeof *m);
    if (m) pthread_mutex_init(&m->lock, NULL);
    return m;
}

static void metric_free(svc_metric *s)
{
    free(s->name);
    free(s->labels);
    free(s->help);
    free(s);
}

void svc_metrics_free(svc_metrics *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) metric_free(m->series[i]);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static int valid_name(const char *s)
{
    if (!s || !*s) return 0;
    for (const char *p = s; *p; p++) {
        int alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' || *p == ':';
        if (!alpha && !(p > s && *p >= '0' && *p <= '9')) return 0;
    }
    return 1;
}

static svc_metric *do_register(svc_metrics *m, metric_kind kind, const char *name, const char *labels,
                               const char *help, const double *bounds, size_t n_bounds)
{
    if (!m || !valid_name(name) || n_bounds > SVC_METRICS_MAX_BUCKETS) return NULL;
    if (!labels) labels = "";
    if (strlen(labels) > SVC_METRICS_MAX_LABELS || strchr(labels, '\n')) return NULL;
    for (size_t i = 1; i < n_bounds; i++)
        if (!(bounds[i] > bounds[i - 1])) return NULL;
    svc_metric *found = NULL;
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->n && !found; i++) {
        svc_metric *s = m->series[i];
        if (strcmp(s->name, name) != 0) continue;
        if (s->kind != kind) goto out; /* one name, one type */
        if (strcmp(s->labels, labels) == 0) found = s;
    }
    if (!found && m->n < SVC_METRICS_MAX_SERIES) {
        svc_metric *s = calloc(1, sizeof *s);
        if (s) {
            s->owner = m;
            s->kind = kind;
            s->name = strdup(name);
            s->labels = strdup(labels);
            s->help = strdup(help ? help : "");
            s->n_bounds = n_bounds;
            if (n_bounds) memcpy(s->bounds, bounds, n_bounds * sizeof *bounds);
            if (!s->name || !s->labels || !s->help) {
                metric_free(s);
            } else {
                m->series[m->n++] = s;
                found = s;
            }
        }
    }
out:
    pthread_mutex_unlock(&m->lock);
    return found;
}

svc_metric *svc_metrics_counter(svc_metrics *m, const char *name, const char *labels, const char *help)
{
    return do_register(m, KIND_COUNTER, name, labels, help, NULL, 0);
}

svc_metric *svc_metrics_gauge(svc_metrics *m, const char *name, const char *labels, const char *help)
{
    return do_register(m, KIND_GAUGE, name, labels, help, NULL, 0);
}

svc_metric *svc_metrics_histogram(svc_metrics *m, const char *name, const char *labels, const char *help,
                                  const double *bounds, size_t n)
{
    if (n == 0 || !bounds) return NULL;
    return do_register(m, KIND_HISTOGRAM, name, labels, help, bounds, n);
}

void svc_metric_add(svc_metric *s, double v)
{
    if (!s || s->kind == KIND_HISTOGRAM || isnan(v) || (s->kind == KIND_COUNTER && v < 0)) return;
    pthread_mutex_lock(&s->owner->lock);
    s->value += v;
    pthread_mutex_unlock(&s->owner->lock);
}

void svc_metric_set(svc_metric *s, double v)
{
    if (!s || s->kind != KIND_GAUGE) return;
    pthread_mutex_lock(&s->owner->lock);
    s->value = v;
    pthread_mutex_unlock(&s->owner->lock);
}

void svc_metric_observe(svc_metric *s, double v)
{
    if (!s || s->kind != KIND_HISTOGRAM || isnan(v)) return;
    pthread_mutex_lock(&s->owner->lock);
    s->value += v;
    s->count++;
    for (size_t i = 0; i < s->n_bounds; i++) {
        if (v <= s->bounds[i]) {
            s->buckets[i]++;
            break;
        }
    }
    pthread_mutex_unlock(&s->owner->lock);
}

double svc_metric_value(const svc_metric *s)
{
    if (!s) return 0;
    pthread_mutex_lock(&s->owner->lock);
    double v = s->kind == KIND_HISTOGRAM ? (double)s->count : s->value;
    pthread_mutex_unlock(&s->owner->lock);
    return v;
}

/* A growable string for rendering. */
typedef struct {
    char *p;
    size_t len, cap;
    int failed;
} strbuf;

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(strbuf *b, const char *fmt, ...)
{
    if (b->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = (b->cap ? b->cap : 1024);
        while (ncap <= b->len + (size_t)n) ncap *= 2;
        char *q = realloc(b->p, ncap);
        if (!q) {
            b->failed = 1;
            return;
        }
        b->p = q;
        b->cap = ncap;
    }
}

/* A Prometheus float into out (32 bytes): +Inf/-Inf/NaN spelled out, else
 * %g (0.0025, 10, 1e+21; not 0.0025000000000000001), with more digits only
 * when %g's six do not read back as v - the shortest that do, as Go's
 * strconv 'g', -1 writes them for the official clients. 17 digits always
 * read back (IEEE 754 binary64). */
static const char *fmt_number(char out[32], double v)
{
    if (isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (isnan(v)) return "NaN";
    for (int digits = 6; digits <= 17; digits++) {
        snprintf(out, 32, "%.*g", digits, v);
        if (strtod(out, NULL) == v) break;
    }
    return out;
}

static void sb_number(strbuf *b, double v)
{
    char num[32];
    sb_printf(b, "%s", fmt_number(num, v));
}

/* name{labels[,extra]} */
static void sb_series(strbuf *b, const char *name, const char *suffix, const char *labels, const char *extra)
{
    sb_printf(b, "%s%s", name, suffix);
    if (*labels || extra) {
        sb_printf(b, "{%s%s%s}", labels, *labels && extra ? "," : "", extra ? extra : "");
    }
    sb_printf(b, " ");
}

char *svc_metrics_render(svc_metrics *m)
{
    strbuf b = { 0 };
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->n; i++) {
        svc_metric *first = m->series[i];
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++) seen = strcmp(m->series[j]->name, first->name) == 0;
        if (seen) continue; /* rendered with the first series of its name */
        sb_printf(&b, "# HELP %s %s\n# TYPE %s %s\n", first->name, first->help, first->name, kind_names[first->kind]);
        for (size_t j = i; j < m->n; j++) {
            svc_metric *s = m->series[j];
            if (strcmp(s->name, first->name) != 0) continue;
            if (s->kind != KIND_HISTOGRAM) {
                sb_series(&b, s->name, "", s->labels, NULL);
                sb_number(&b, s->value);
                sb_printf(&b, "\n");
                continue;
            }
            uint64_t cum = 0;
            char le[64], num[32];
            for (size_t k = 0; k < s->n_bounds; k++) {
                cum += s->buckets[k];
                snprintf(le, sizeof le, "le=\"%s\"", fmt_number(num, s->bounds[k]));
                sb_series(&b, s->name, "_bucket", s->labels, le);
                sb_printf(&b, "%llu\n", (unsigned long long)cum);
            }
            sb_series(&b, s->name, "_bucket", s->labels, "le=\"+Inf\"");
            sb_printf(&b, "%llu\n", (unsigned long long)s->count);
            sb_series(&b, s->name, "_sum", s->labels, NULL);
            sb_number(&b, s->value);
            sb_printf(&b, "\n");
            sb_series(&b, s->name, "_count", s->labels, NULL);
            sb_printf(&b, "%llu\n", (unsigned long long)s->count);
        }
    }
    pthread_mutex_unlock(&m->lock);
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    if (!b.p) return strdup("");
    return b.p;
}
