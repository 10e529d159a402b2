/* prom.h - a strict reader of the Prometheus text exposition format 0.0.4
 * (prometheus.io/docs/instrumenting/exposition_formats), for the tests of
 * what svc_metrics_render writes and of what the running services serve.
 *
 * Strict means: every line is empty, a comment ("# HELP name text",
 * "# TYPE name counter|gauge|histogram|summary|untyped", or any other "#"
 * line), or a sample `name{label="value",...} value [timestamp]` with valid
 * metric and label names, only the \\, \" and \n escapes in label values, no
 * repeated label, and a value that is a decimal float, +Inf, -Inf or NaN;
 * the text ends with a newline. Beyond the format, as our services always
 * do: every sample belongs to a family declared by # TYPE before it, a
 * family's lines are contiguous, HELP and TYPE come at most once per family,
 * no series appears twice, counters are >= 0, and each histogram series has
 * buckets with strictly increasing le, cumulative counts, a last bucket
 * le="+Inf" equal to its _count, and a _sum.
 */
#ifndef FAAS_PROM_H
#define FAAS_PROM_H

#include <stddef.h>

#define PROM_MAX_NAME 128
#define PROM_MAX_LABELS 256

typedef struct {
    char name[PROM_MAX_NAME];       /* as written, e.g. "faas_x_bucket" */
    char labels[PROM_MAX_LABELS];   /* the text between the braces, "" for none */
    double value;
} prom_sample;

typedef struct {
    prom_sample *samples;           /* owned */
    size_t n;
} prom_doc;

/* Parses text (NUL-terminated). 0 with *d filled (free with prom_free), or
 * -1 with *d empty and a one-line reason naming the line in why. */
int prom_parse(prom_doc *d, const char *text, char *why, size_t why_cap);
/* The value of name{labels} (labels exactly as written, "" or NULL for
 * none), or dflt when the series is absent. */
double prom_value(const prom_doc *d, const char *name, const char *labels, double dflt);
void prom_free(prom_doc *d);

#endif
