/* prom.c - see prom.h. */
#include "prom.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T_COUNTER, T_GAUGE, T_HISTOGRAM, T_SUMMARY, T_UNTYPED };
static const char *const type_names[] = { "counter", "gauge", "histogram", "summary", "untyped" };

typedef struct {
    char name[PROM_MAX_NAME];
    int type;               /* -1 until its # TYPE */
    int has_help, has_samples;
} family;

/* What the checks need beyond prom_sample: the family, and for histogram
 * buckets the le value and the labels without it. */
typedef struct {
    size_t fam;
    char key[PROM_MAX_LABELS];
    char le[64];
    int has_le;
} sample_info;

typedef struct {
    prom_doc *d;
    sample_info *info;
    family *fams;
    size_t n_fams, cap;
    size_t current;         /* the family whose lines come now; n_fams = none */
    int line;
    char *why;
    size_t why_cap;
} parser;

static int fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(parser *p, const char *fmt, ...)
{
    int n = p->line ? snprintf(p->why, p->why_cap, "line %d: ", p->line) : 0;
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < p->why_cap) vsnprintf(p->why + n, p->why_cap - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int name_char(char c, int first, int colon)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':') ||
           (!first && c >= '0' && c <= '9');
}

/* A metric (colon) or label name at *s into out; advances *s. 0 or -1. */
static int read_name(const char **s, char *out, size_t cap, int colon)
{
    size_t n = 0;
    while (name_char((*s)[n], n == 0, colon)) n++;
    if (n == 0 || n >= cap) return -1;
    memcpy(out, *s, n);
    out[n] = 0;
    *s += n;
    return 0;
}

/* A float as the format spells it: [+-]digits[.digits][(e|E)[+-]digits]
 * (or .digits), +Inf, -Inf, NaN; the whole of [s, end). */
static int read_float(const char *s, const char *end, double *v)
{
    size_t len = (size_t)(end - s);
    if ((len == 4 && memcmp(s, "+Inf", 4) == 0) || (len == 4 && memcmp(s, "-Inf", 4) == 0)) {
        *v = s[0] == '+' ? INFINITY : -INFINITY;
        return 0;
    }
    if (len == 3 && memcmp(s, "NaN", 3) == 0) {
        *v = NAN;
        return 0;
    }
    const char *p = s;
    if (p < end && (*p == '+' || *p == '-')) p++;
    size_t digits = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++) digits++;
    if (p < end && *p == '.')
        for (p++; p < end && *p >= '0' && *p <= '9'; p++) digits++;
    if (!digits) return -1;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p == end || *p < '0' || *p > '9') return -1;
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p != end) return -1;
    char buf[64];
    if (len >= sizeof buf) return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    *v = strtod(buf, NULL);
    return 0;
}

static size_t find_family(parser *p, const char *name)
{
    for (size_t i = 0; i < p->n_fams; i++)
        if (strcmp(p->fams[i].name, name) == 0) return i;
    return p->n_fams;
}

/* The family a comment names, created when new; it must be the current
 * one or a new one (a family's lines are contiguous). */
static int comment_family(parser *p, const char *name, size_t *out)
{
    size_t f = find_family(p, name);
    if (f < p->n_fams && f != p->current) return fail(p, "family %s resumes after another family", name);
    if (f == p->n_fams) {
        if (p->n_fams == p->cap) {
            size_t cap = p->cap ? 2 * p->cap : 16;
            family *q = realloc(p->fams, cap * sizeof *q);
            if (!q) return fail(p, "out of memory");
            p->fams = q;
            p->cap = cap;
        }
        memset(&p->fams[f], 0, sizeof p->fams[f]);
        snprintf(p->fams[f].name, sizeof p->fams[f].name, "%s", name);
        p->fams[f].type = -1;
        p->n_fams++;
    }
    p->current = *out = f;
    return 0;
}

/* "# HELP name text" / "# TYPE name type"; other comments are ignored. */
static int parse_comment(parser *p, const char *s, const char *end)
{
    int help = end - s >= 7 && memcmp(s, "# HELP ", 7) == 0;
    int type = end - s >= 7 && memcmp(s, "# TYPE ", 7) == 0;
    if (!help && !type) return 0;
    s += 7;
    char name[PROM_MAX_NAME];
    size_t f = 0;
    if (read_name(&s, name, sizeof name, 1) != 0) return fail(p, "bad metric name in # %s", help ? "HELP" : "TYPE");
    if (comment_family(p, name, &f) != 0) return -1;
    family *fm = &p->fams[f];
    if (help) {
        if (fm->has_help) return fail(p, "second # HELP for %s", name);
        fm->has_help = 1;
        if (s < end && *s++ != ' ') return fail(p, "# HELP %s: no blank before the text", name);
        for (; s < end; s++)
            if (*s == '\\' && (++s == end || (*s != '\\' && *s != 'n')))
                return fail(p, "# HELP %s: bad escape", name);
        return 0;
    }
    if (fm->type >= 0) return fail(p, "second # TYPE for %s", name);
    if (fm->has_samples) return fail(p, "# TYPE for %s after its samples", name);
    if (s == end || *s++ != ' ') return fail(p, "# TYPE %s: no type", name);
    for (int t = 0; t <= T_UNTYPED; t++)
        if ((size_t)(end - s) == strlen(type_names[t]) && memcmp(s, type_names[t], (size_t)(end - s)) == 0) fm->type = t;
    return fm->type >= 0 ? 0 : fail(p, "# TYPE %s: unknown type %.*s", name, (int)(end - s), s);
}

/* The labels of a sample from after '{' to '}' (advancing *s past it):
 * their text, the le value if any, and the text without le. */
static int parse_labels(parser *p, const char **s, const char *end, prom_sample *smp, sample_info *in)
{
    const char *start = *s, *q = *s;
    char seen[16][PROM_MAX_NAME];
    size_t n = 0;
    in->key[0] = 0;
    while (q < end && *q != '}') {
        const char *pair = q;
        char lname[PROM_MAX_NAME];
        if (read_name(&q, lname, sizeof lname, 0) != 0) return fail(p, "bad label name");
        for (size_t i = 0; i < n; i++)
            if (strcmp(seen[i], lname) == 0) return fail(p, "label %s repeated", lname);
        if (n == 16) return fail(p, "more than 16 labels");
        snprintf(seen[n++], sizeof seen[0], "%s", lname);
        if (q + 1 >= end || q[0] != '=' || q[1] != '"') return fail(p, "label %s: expected =\"", lname);
        q += 2;
        const char *value = q;
        for (; q < end && *q != '"'; q++) {
            if (*q == '\\' && (++q == end || (*q != '\\' && *q != '"' && *q != 'n')))
                return fail(p, "label %s: bad escape", lname);
        }
        if (q == end) return fail(p, "label %s: unterminated value", lname);
        if (strcmp(lname, "le") == 0) {
            if ((size_t)(q - value) >= sizeof in->le) return fail(p, "le value too long");
            memcpy(in->le, value, (size_t)(q - value));
            in->le[q - value] = 0;
            in->has_le = 1;
        } else {
            size_t k = strlen(in->key), len = (size_t)(q + 1 - pair);
            if (k + len + 2 > sizeof in->key) return fail(p, "labels too long");
            snprintf(in->key + k, sizeof in->key - k, "%s%.*s", k ? "," : "", (int)len, pair);
        }
        q++;
        if (q < end && *q == ',') {
            q++;
            if (q < end && *q == '}') return fail(p, "trailing comma in labels");
        } else if (q < end && *q != '}') {
            return fail(p, "expected , or } after label %s", lname);
        }
    }
    if (q == end) return fail(p, "unterminated labels");
    if ((size_t)(q - start) >= sizeof smp->labels) return fail(p, "labels too long");
    memcpy(smp->labels, start, (size_t)(q - start));
    smp->labels[q - start] = 0;
    *s = q + 1;
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

/* The declared family of a sample name: itself, or a histogram's (summary's)
 * base for the _bucket, _sum and _count series. */
static size_t sample_family(parser *p, const char *name)
{
    size_t f = find_family(p, name);
    if (f < p->n_fams) return f;
    static const char *const suffixes[] = { "_bucket", "_sum", "_count" };
    for (size_t i = 0; i < 3; i++) {
        if (!ends_with(name, suffixes[i])) continue;
        char base[PROM_MAX_NAME];
        snprintf(base, sizeof base, "%.*s", (int)(strlen(name) - strlen(suffixes[i])), name);
        f = find_family(p, base);
        if (f < p->n_fams && (p->fams[f].type == T_HISTOGRAM || (p->fams[f].type == T_SUMMARY && i > 0))) return f;
    }
    return p->n_fams;
}

static int parse_sample(parser *p, const char *s, const char *end)
{
    prom_doc *d = p->d;
    prom_sample *smp = &d->samples[d->n];
    sample_info *in = &p->info[d->n];
    memset(smp, 0, sizeof *smp);
    memset(in, 0, sizeof *in);
    if (read_name(&s, smp->name, sizeof smp->name, 1) != 0) return fail(p, "not a comment nor a sample");
    if (s < end && *s == '{') {
        s++;
        if (parse_labels(p, &s, end, smp, in) != 0) return -1;
    }
    if (s == end || (*s != ' ' && *s != '\t')) return fail(p, "%s: no blank before the value", smp->name);
    while (s < end && (*s == ' ' || *s == '\t')) s++;
    const char *v = s;
    while (s < end && *s != ' ' && *s != '\t') s++;
    if (read_float(v, s, &smp->value) != 0) return fail(p, "%s: bad value %.*s", smp->name, (int)(s - v), v);
    if (s < end) { /* an optional timestamp: an integer of milliseconds */
        while (s < end && (*s == ' ' || *s == '\t')) s++;
        const char *t = s;
        if (s < end && *s == '-') s++;
        while (s < end && *s >= '0' && *s <= '9') s++;
        if (s != end || s == t) return fail(p, "%s: trailing text after the value", smp->name);
    }
    size_t f = sample_family(p, smp->name);
    if (f == p->n_fams) return fail(p, "%s: no # TYPE declares it", smp->name);
    if (f != p->current) return fail(p, "%s: not with the other lines of family %s", smp->name, p->fams[f].name);
    family *fm = &p->fams[f];
    fm->has_samples = 1;
    in->fam = f;
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->samples[i].name, smp->name) == 0 && strcmp(d->samples[i].labels, smp->labels) == 0)
            return fail(p, "%s{%s} appears twice", smp->name, smp->labels);
    if (fm->type == T_COUNTER && !(smp->value >= 0)) return fail(p, "counter %s is negative or NaN", smp->name);
    if (fm->type == T_HISTOGRAM) {
        int bucket = ends_with(smp->name, "_bucket") && strcmp(smp->name, fm->name) != 0;
        if (strcmp(smp->name, fm->name) == 0) return fail(p, "histogram %s: a sample without a suffix", fm->name);
        if (bucket != in->has_le) return fail(p, "%s: le belongs on _bucket series only, and always", smp->name);
    }
    d->n++;
    return 0;
}

/* Each series of a histogram: le strictly increasing up to +Inf, counts
 * cumulative, +Inf == _count, _sum present. */
static int check_histograms(parser *p)
{
    prom_doc *d = p->d;
    p->line = 0;
    for (size_t i = 0; i < d->n; i++) {
        family *fm = &p->fams[p->info[i].fam];
        if (fm->type != T_HISTOGRAM) continue;
        const char *key = p->info[i].key;
        int first = 1; /* is i the first sample of its series? */
        for (size_t j = 0; j < i && first; j++)
            first = !(p->info[j].fam == p->info[i].fam && strcmp(p->info[j].key, key) == 0);
        if (!first) continue;
        double last_le = -INFINITY, last_count = 0;
        size_t buckets = 0;
        int has_sum = 0, has_count = 0;
        double count = 0;
        for (size_t j = i; j < d->n; j++) {
            if (p->info[j].fam != p->info[i].fam || strcmp(p->info[j].key, key) != 0) continue;
            const prom_sample *s = &d->samples[j];
            if (!p->info[j].has_le) {
                int is_sum = ends_with(s->name, "_sum");
                has_sum |= is_sum;
                if (!is_sum) {
                    has_count = 1;
                    count = s->value;
                }
                continue;
            }
            double le;
            const char *t = p->info[j].le;
            if (read_float(t, t + strlen(t), &le) != 0 || isnan(le))
                return fail(p, "%s{%s}: bad le \"%s\"", fm->name, key, t);
            if (buckets && !(le > last_le)) return fail(p, "%s{%s}: le %s not above the previous", fm->name, key, t);
            if (s->value < last_count || s->value != floor(s->value))
                return fail(p, "%s{%s}: bucket le=%s is not cumulative", fm->name, key, t);
            last_le = le;
            last_count = s->value;
            buckets++;
        }
        if (!buckets || !isinf(last_le)) return fail(p, "%s{%s}: no le=\"+Inf\" bucket last", fm->name, key);
        if (!has_count || count != last_count)
            return fail(p, "%s{%s}: _count is not the +Inf bucket (%g)", fm->name, key, last_count);
        if (!has_sum) return fail(p, "%s{%s}: no _sum", fm->name, key);
    }
    return 0;
}

int prom_parse(prom_doc *d, const char *text, char *why, size_t why_cap)
{
    memset(d, 0, sizeof *d);
    size_t lines = 1;
    for (const char *c = text; *c; c++) lines += *c == '\n';
    parser p = { .d = d, .why = why, .why_cap = why_cap };
    d->samples = calloc(lines, sizeof *d->samples);
    p.info = calloc(lines, sizeof *p.info);
    int rc = d->samples && p.info ? 0 : fail(&p, "out of memory");
    size_t len = strlen(text);
    if (!rc && len && text[len - 1] != '\n') rc = fail(&p, "the text does not end with a newline");
    for (const char *s = text; !rc && *s;) {
        const char *end = strchr(s, '\n');
        p.line++;
        if (*s == '#') rc = parse_comment(&p, s, end);
        else if (s != end) rc = parse_sample(&p, s, end);
        s = end + 1;
    }
    if (!rc) rc = check_histograms(&p);
    free(p.fams);
    free(p.info);
    if (rc) prom_free(d);
    return rc;
}

double prom_value(const prom_doc *d, const char *name, const char *labels, double dflt)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->samples[i].name, name) == 0 && strcmp(d->samples[i].labels, labels ? labels : "") == 0)
            return d->samples[i].value;
    return dflt;
}

void prom_free(prom_doc *d)
{
    free(d->samples);
    memset(d, 0, sizeof *d);
}
