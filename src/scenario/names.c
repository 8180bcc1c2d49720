/* scenario/names.c - names of VMs and workloads: the allowed spelling and
 * the default name of an unnamed workload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scn_internal.h"

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

int scn_get_name(const yt_node *n, const char *what, char out[VL_NAME_MAX], vl_error *err)
{
    char got[80];
    bool ok = n->kind == YT_SCALAR && n->str[0];
    for (const char *p = ok ? n->str : ""; *p && ok; p++)
        ok = name_char(*p);
    if (!ok)
        return scn_fail(err, n, what, "expected a name made of [A-Za-z0-9_.-], got %s",
                        scn_got(n, got, sizeof got));
    if (strlen(n->str) >= VL_NAME_MAX)
        return scn_fail(err, n, what, "a name must be shorter than %d characters, got %zu",
                        VL_NAME_MAX, strlen(n->str));
    snprintf(out, VL_NAME_MAX, "%s", n->str);
    return 0;
}

void scn_name_from(const char *s, char out[VL_NAME_MAX])
{
    size_t n = 0;
    for (; s[n] && n < VL_NAME_MAX - 1; n++)
        out[n] = name_char(s[n]) ? s[n] : '_';
    if (n == 0)
        out[n++] = '_';
    out[n] = '\0';
}

static const yt_node *scalar_under(const yt_node *e, const char *key)
{
    const yt_node *v = yt_map_get(e, key);
    return v && v->kind == YT_SCALAR ? v : NULL;
}

static const char *type_of(const yt_node *e)
{
    const yt_node *t = scalar_under(e, "type");
    return t ? t->str : "";
}

void scn_workload_name(const yt_node *seq, size_t idx, char *buf, size_t len)
{
    const yt_node *e = seq->items[idx];
    const yt_node *nm = scalar_under(e, "name");
    if (nm) {
        snprintf(buf, len, "%s", nm->str);
        return;
    }
    const char *type = type_of(e);
    size_t count = 0, ord = 0;
    for (size_t i = 0; i < seq->n; i++) {
        if (scalar_under(seq->items[i], "name") || strcmp(type_of(seq->items[i]), type) != 0)
            continue;
        if (i < idx)
            ord++;
        count++;
    }
    if (count <= 1)
        snprintf(buf, len, "%s", type);
    else
        snprintf(buf, len, "%s#%zu", type, ord);
}

int scn_name_set_init(scn_name_set *set, size_t n, vl_error *err)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    set->mask = cap - 1;
    set->name = calloc(cap, sizeof *set->name);
    set->idx = calloc(cap, sizeof *set->idx);
    if (!set->name || !set->idx) {
        scn_name_set_free(set);
        return vl_error_set(err, "out of memory");
    }
    return 0;
}

/* FNV-1a */
static size_t name_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)h;
}

int scn_name_set_add(scn_name_set *set, const char *name, int idx)
{
    size_t i = name_hash(name) & set->mask;
    for (; set->name[i]; i = (i + 1) & set->mask)
        if (strcmp(set->name[i], name) == 0)
            return set->idx[i];
    set->name[i] = name;
    set->idx[i] = idx;
    return -1;
}

void scn_name_set_free(scn_name_set *set)
{
    free(set->name);
    free(set->idx);
    set->name = NULL;
    set->idx = NULL;
}
