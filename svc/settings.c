/* settings.c - a program's settings from flags, environment and a JSON
 * config file, described once in a table (svc_setting). */
#include "svc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONFIG_MAX_BYTES ((size_t)1 << 20)

static void detail_set(char *detail, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void detail_set(char *detail, const char *fmt, ...)
{
    if (!detail) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, SVC_DETAIL_MAX, fmt, ap);
    va_end(ap);
}

static int parse_bool(int *out, const char *s)
{
    static const char *const yes[] = { "1", "true", "yes", "on" }, *const no[] = { "0", "false", "no", "off" };
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) return *out = 1, 0;
        if (strcasecmp(s, no[i]) == 0) return *out = 0, 0;
    }
    return -1;
}

static int parse_uint(uint64_t *out, const char *s)
{
    if (!*s || *s < '0' || *s > '9') return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

static char **str_member(void *out, const svc_setting *s) { return (char **)((char *)out + s->offset); }

/* Joins dir and a relative path; an absolute path is returned as a copy. */
static char *resolve(const char *base_file, const char *path)
{
    if (path[0] == '/' || !base_file) return strdup(path);
    const char *slash = strrchr(base_file, '/');
    if (!slash) return strdup(path);
    size_t dl = (size_t)(slash - base_file), pl = strlen(path);
    char *r = malloc(dl + pl + 2);
    if (!r) return NULL;
    memcpy(r, base_file, dl);
    r[dl] = '/';
    memcpy(r + dl + 1, path, pl + 1);
    return r;
}

/* Stores text (from a flag, the environment or a default) into setting s. */
static svc_err store_text(void *out, const svc_setting *s, const char *text, const char *origin, char *detail)
{
    switch (s->type) {
    case SVC_SETTING_STRING:
    case SVC_SETTING_PATH: {
        char **dst = str_member(out, s);
        free(*dst);
        *dst = strdup(text);
        return *dst ? SVC_OK : SVC_ERR_NOMEM;
    }
    case SVC_SETTING_UINT:
        if (parse_uint((uint64_t *)((char *)out + s->offset), text) == 0) return SVC_OK;
        detail_set(detail, "%s: \"%.80s\" is not a non-negative integer", origin, text);
        return SVC_ERR_CONFIG;
    case SVC_SETTING_BOOL:
        if (parse_bool((int *)((char *)out + s->offset), text) == 0) return SVC_OK;
        detail_set(detail, "%s: \"%.80s\" is not true or false", origin, text);
        return SVC_ERR_CONFIG;
    }
    return SVC_ERR_ARG;
}

/* Stores a config file value into s. */
static svc_err store_json(void *out, const svc_setting *s, const json_t *v, const char *path, char *detail)
{
    switch (s->type) {
    case SVC_SETTING_STRING:
    case SVC_SETTING_PATH: {
        if (!json_is_string(v)) break;
        char **dst = str_member(out, s);
        free(*dst);
        *dst = s->type == SVC_SETTING_PATH ? resolve(path, json_string_value(v)) : strdup(json_string_value(v));
        return *dst ? SVC_OK : SVC_ERR_NOMEM;
    }
    case SVC_SETTING_UINT:
        if (!json_is_integer(v) || json_integer_value(v) < 0) break;
        *(uint64_t *)((char *)out + s->offset) = (uint64_t)json_integer_value(v);
        return SVC_OK;
    case SVC_SETTING_BOOL:
        if (!json_is_boolean(v)) break;
        *(int *)((char *)out + s->offset) = json_is_true(v);
        return SVC_OK;
    }
    static const char *const want[] = { "a string", "a string (path)", "a non-negative integer", "true or false" };
    detail_set(detail, "config file %s: \"%s\" must be %s", path, s->key, want[s->type]);
    return SVC_ERR_CONFIG;
}

/* The member at a dotted path of doc, or NULL. */
static json_t *json_at(json_t *doc, const char *key)
{
    char part[128];
    json_t *v = doc;
    while (v && *key) {
        const char *dot = strchr(key, '.');
        size_t n = dot ? (size_t)(dot - key) : strlen(key);
        if (n >= sizeof part || !json_is_object(v)) return NULL;
        memcpy(part, key, n);
        part[n] = 0;
        v = json_object_get(v, part);
        key += n + (dot ? 1 : 0);
    }
    return v;
}

/* Every member of obj (at prefix) must be a setting key or lead to one. */
static svc_err check_keys(const json_t *obj, const char *prefix, const svc_setting *t, size_t n, const char *path,
                          char *detail)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        char full[256];
        snprintf(full, sizeof full, "%s%s%s", prefix, *prefix ? "." : "", k);
        size_t fl = strlen(full);
        int exact = 0, parent = 0;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(t[i].key, full) == 0) exact = 1;
            else if (strncmp(t[i].key, full, fl) == 0 && t[i].key[fl] == '.') parent = 1;
        }
        if (parent && json_is_object(v)) {
            svc_err rc = check_keys(v, full, t, n, path, detail);
            if (rc) return rc;
        } else if (!exact) {
            detail_set(detail, "config file %s: unknown setting \"%s\"", path, full);
            return SVC_ERR_CONFIG;
        }
    }
    return SVC_OK;
}

static svc_err load_file(json_t **doc, const char *path, const svc_setting *t, size_t n, char *detail)
{
    char *text;
    size_t len;
    svc_err rc = svc_file_read(path, CONFIG_MAX_BYTES, &text, &len, detail);
    if (rc == SVC_ERR_NOMEM) return rc;
    if (rc) return SVC_ERR_CONFIG;
    json_error_t je;
    *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!*doc) {
        detail_set(detail, "config file %s is not valid JSON (line %d: %s)", path, je.line, je.text);
        return SVC_ERR_CONFIG;
    }
    if (!json_is_object(*doc)) {
        detail_set(detail, "config file %s must hold a JSON object", path);
        return SVC_ERR_CONFIG;
    }
    return check_keys(*doc, "", t, n, path, detail);
}

svc_err svc_settings_load(void *out, const svc_setting *table, size_t n, int argc, char **argv,
                          const char *config_env, char *detail)
{
    const char **from_flag = calloc(n ? n : 1, sizeof *from_flag);
    if (!from_flag) return SVC_ERR_NOMEM;
    const char *config = NULL;
    svc_err rc = SVC_OK;
    for (int i = 1; i < argc && rc == SVC_OK; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || !a[2]) {
            detail_set(detail, "unexpected argument \"%.80s\" (settings are --name value)", a);
            rc = SVC_ERR_USAGE;
            break;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t nl = eq ? (size_t)(eq - name) : strlen(name);
        const svc_setting *s = NULL;
        size_t idx = 0;
        for (size_t j = 0; j < n && !s; j++)
            if (table[j].flag && strlen(table[j].flag) == nl && strncmp(table[j].flag, name, nl) == 0) s = &table[idx = j];
        int is_config = nl == 6 && strncmp(name, "config", 6) == 0;
        if (!s && !is_config) {
            detail_set(detail, "unknown flag --%.*s (see --help)", (int)(nl > 60 ? 60 : nl), name);
            rc = SVC_ERR_USAGE;
            break;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value && s && s->type == SVC_SETTING_BOOL) value = "true";
        if (!value) {
            if (i + 1 >= argc) {
                detail_set(detail, "flag --%.*s needs a value", (int)nl, name);
                rc = SVC_ERR_USAGE;
                break;
            }
            value = argv[++i];
        }
        if (is_config) config = value;
        else from_flag[idx] = value;
    }
    if (rc == SVC_OK && !config && config_env) {
        const char *e = getenv(config_env);
        if (e && *e) config = e;
    }
    json_t *doc = NULL;
    if (rc == SVC_OK && config) rc = load_file(&doc, config, table, n, detail);

    for (size_t i = 0; i < n && rc == SVC_OK; i++) {
        const svc_setting *s = &table[i];
        char origin[160];
        if (from_flag[i]) {
            snprintf(origin, sizeof origin, "flag --%s", s->flag);
            rc = store_text(out, s, from_flag[i], origin, detail);
            continue;
        }
        const char *env = s->env ? getenv(s->env) : NULL;
        if (env && *env) {
            snprintf(origin, sizeof origin, "environment variable %s", s->env);
            rc = store_text(out, s, env, origin, detail);
            continue;
        }
        json_t *v = doc ? json_at(doc, s->key) : NULL;
        if (v && !json_is_null(v)) {
            rc = store_json(out, s, v, config, detail);
            continue;
        }
        if (s->def) {
            snprintf(origin, sizeof origin, "default of %s", s->key);
            rc = store_text(out, s, s->def, origin, detail);
        }
    }
    json_decref(doc);
    free(from_flag);
    return rc;
}

void svc_settings_free(void *out, const svc_setting *table, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (table[i].type != SVC_SETTING_STRING && table[i].type != SVC_SETTING_PATH) continue;
        char **p = str_member(out, &table[i]);
        free(*p);
        *p = NULL;
    }
}

void svc_settings_usage(FILE *f, const svc_setting *table, size_t n)
{
    fprintf(f, "  --config PATH  JSON config file (keys below); flags > environment > file > defaults\n");
    for (size_t i = 0; i < n; i++) {
        const svc_setting *s = &table[i];
        static const char *const arg[] = { " TEXT", " PATH", " N", "" };
        if (s->flag) fprintf(f, "  --%s%s", s->flag, arg[s->type]);
        else fprintf(f, "  (no flag)");
        fprintf(f, "\n      %s\n      key \"%s\"", s->help ? s->help : "", s->key);
        if (s->env) fprintf(f, ", env %s", s->env);
        if (s->def) fprintf(f, ", default %s", s->def);
        fprintf(f, "\n");
    }
}
