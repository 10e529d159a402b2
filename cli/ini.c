/* ini.c - the subset of INI the AWS CLI's shared files use:
 * "[section]" headers, "key = value" lines, '#'/';' comment lines. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Trims [*s, *e) of spaces. */
static void trim(const char **s, const char **e)
{
    while (*s < *e && is_space(**s)) (*s)++;
    while (*e > *s && is_space((*e)[-1])) (*e)--;
}

static int equals(const char *s, const char *e, const char *want)
{
    size_t n = strlen(want);
    return (size_t)(e - s) == n && memcmp(s, want, n) == 0;
}

char *cli_ini_get(const char *text, size_t n, const char *section, const char *key)
{
    const char *p = text, *end = text + n;
    int in_section = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *ls = p, *le = nl ? nl : end;
        p = nl ? nl + 1 : end;
        trim(&ls, &le);
        if (ls == le || *ls == '#' || *ls == ';') continue;
        if (*ls == '[') {
            const char *close = memchr(ls, ']', (size_t)(le - ls));
            const char *ss = ls + 1, *se = close ? close : le;
            trim(&ss, &se);
            in_section = close && equals(ss, se, section);
            continue;
        }
        if (!in_section) continue;
        const char *eq = memchr(ls, '=', (size_t)(le - ls));
        if (!eq) continue;
        const char *ks = ls, *ke = eq, *vs = eq + 1, *ve = le;
        trim(&ks, &ke);
        trim(&vs, &ve);
        if (equals(ks, ke, key)) return strndup(vs, (size_t)(ve - vs));
    }
    return NULL;
}
