/* vl_ksyms.c - System.map loading and address lookup. */
#include "vl_ksyms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_sym(const void *a, const void *b)
{
    const vl_ksym *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return strcmp(x->name, y->name); /* aliases: a stable order */
}

/* By name; equal names in the order of the address-sorted array. */
static int cmp_name(const void *a, const void *b)
{
    const vl_ksym *x = *(const vl_ksym *const *)a, *y = *(const vl_ksym *const *)b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x > y) - (x < y);
}

static int is_text(char t)
{
    return t == 't' || t == 'T' || t == 'w' || t == 'W';
}

int vl_ksyms_parse(vl_ksyms *ks, const char *name, const char *text, size_t len, vl_error *err)
{
    memset(ks, 0, sizeof *ks);
    ks->blob = malloc(len + 1);
    size_t cap = 1024;
    ks->syms = malloc(cap * sizeof *ks->syms);
    if (!ks->blob || !ks->syms) {
        vl_ksyms_free(ks);
        return vl_error_set(err, "out of memory");
    }
    memcpy(ks->blob, text, len);
    ks->blob[len] = '\0';
    char *line = ks->blob;
    for (int lineno = 1; line < ks->blob + len; lineno++) {
        char *eol = memchr(line, '\n', (size_t)(ks->blob + len - line));
        char *next = eol ? eol + 1 : ks->blob + len;
        if (eol)
            *eol = '\0';
        char *p = line, *end;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p && *p != '#') {
            errno = 0;
            unsigned long long addr = strtoull(p, &end, 16);
            char *type = end;
            while (*type == ' ' || *type == '\t')
                type++;
            char *sym = type + 1;
            while (*sym == ' ' || *sym == '\t')
                sym++;
            if (end == p || errno || (*end != ' ' && *end != '\t') || !*type ||
                (type[1] != ' ' && type[1] != '\t') || !*sym) {
                int col = (int)(p - line) + 1;
                vl_ksyms_free(ks);
                return vl_error_at(err, name, lineno, col,
                                   "expected 'ADDRESS TYPE NAME' (a System.map line)");
            }
            char *sym_end = sym;
            while (*sym_end && *sym_end != ' ' && *sym_end != '\t' && *sym_end != '\r')
                sym_end++;
            *sym_end = '\0';
            if (is_text(*type)) {
                if (ks->n == cap) {
                    vl_ksym *grown = realloc(ks->syms, 2 * cap * sizeof *grown);
                    if (!grown) {
                        vl_ksyms_free(ks);
                        return vl_error_set(err, "out of memory");
                    }
                    ks->syms = grown;
                    cap *= 2;
                }
                ks->syms[ks->n++] = (vl_ksym){.addr = addr, .name = sym};
            }
        }
        line = next;
    }
    if (ks->n == 0) {
        vl_ksyms_free(ks);
        return vl_error_at(err, name, 0, 0, "no text symbols (t/T/w/W) in the map");
    }
    qsort(ks->syms, ks->n, sizeof *ks->syms, cmp_sym);
    ks->by_name = malloc(ks->n * sizeof *ks->by_name);
    if (!ks->by_name) {
        vl_ksyms_free(ks);
        return vl_error_set(err, "out of memory");
    }
    for (size_t i = 0; i < ks->n; i++)
        ks->by_name[i] = &ks->syms[i];
    qsort(ks->by_name, ks->n, sizeof *ks->by_name, cmp_name);
    return 0;
}

int vl_ksyms_load(vl_ksyms *ks, const char *path, vl_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return vl_error_at(err, path, 0, 0, "cannot open: %s", strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0, got;
    char chunk[65536];
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + got > cap) {
            cap = 2 * (len + got);
            char *grown = realloc(text, cap);
            if (!grown) {
                free(text);
                fclose(f);
                return vl_error_set(err, "out of memory");
            }
            text = grown;
        }
        memcpy(text + len, chunk, got);
        len += got;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(text);
        return vl_error_at(err, path, 0, 0, "cannot read");
    }
    int rc = vl_ksyms_parse(ks, path, text ? text : "", len, err);
    free(text);
    return rc;
}

void vl_ksyms_free(vl_ksyms *ks)
{
    free(ks->by_name);
    free(ks->syms);
    free(ks->blob);
    memset(ks, 0, sizeof *ks);
}

/* Index of the last symbol with addr <= a, or -1. */
static long floor_index(const vl_ksyms *ks, uint64_t a)
{
    long lo = 0, hi = (long)ks->n - 1, ans = -1;
    while (lo <= hi) {
        long mid = lo + (hi - lo) / 2;
        if (ks->syms[mid].addr <= a) {
            ans = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return ans;
}

/* The end of symbol i: the next symbol at a higher address. */
static int extent_end(const vl_ksyms *ks, size_t i, uint64_t *end)
{
    for (size_t j = i + 1; j < ks->n; j++)
        if (ks->syms[j].addr > ks->syms[i].addr) {
            *end = ks->syms[j].addr;
            return 0;
        }
    return -1;
}

const vl_ksym *vl_ksyms_lookup(const vl_ksyms *ks, uint64_t addr, uint64_t *offset)
{
    long i = floor_index(ks, addr);
    uint64_t end;
    if (i < 0 || extent_end(ks, (size_t)i, &end) < 0)
        return NULL;
    /* among aliases at one address, report the first in sorted order */
    while (i > 0 && ks->syms[i - 1].addr == ks->syms[i].addr)
        i--;
    if (offset)
        *offset = addr - ks->syms[i].addr;
    return &ks->syms[i];
}

int vl_ksyms_extent(const vl_ksyms *ks, const char *name, uint64_t *start, uint64_t *end)
{
    size_t lo = 0, hi = ks->n; /* the first name >= `name` */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ks->by_name[mid]->name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == ks->n || strcmp(ks->by_name[lo]->name, name) != 0)
        return -1;
    const size_t i = (size_t)(ks->by_name[lo] - ks->syms);
    *start = ks->syms[i].addr;
    return extent_end(ks, i, end);
}

int vl_ksyms_classify(const vl_ksyms *ks, uint64_t addr, const char *const *names)
{
    long i = floor_index(ks, addr);
    uint64_t end;
    if (i < 0 || extent_end(ks, (size_t)i, &end) < 0)
        return -1;
    uint64_t at = ks->syms[i].addr; /* every alias at this address */
    while (i > 0 && ks->syms[i - 1].addr == at)
        i--;
    for (; (size_t)i < ks->n && ks->syms[i].addr == at; i++)
        for (int k = 0; names[k]; k++)
            if (strcmp(ks->syms[i].name, names[k]) == 0)
                return k;
    return -1;
}
