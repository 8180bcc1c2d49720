/* scenario/cpulist.c - id lists: affinity values (a cpu-list string
 * "0-3,8", spaces allowed after commas, or a sequence of pCPU ids) and the
 * vCPU lists that key per-vCPU policy parameters (the same string syntax,
 * over a VM's vCPU indices). */
#include <stdio.h>
#include <string.h>

#include "scenario/scn_internal.h"

/* What a list names: "pCPU"s of the "host", or "vCPU"s of the "VM". */
typedef struct id_kind {
    const char *id, *owner, *list, *example;
} id_kind;

static const id_kind pcpu_ids = {"pCPU", "host", "cpu list",
                                 "a cpu list like \"0-3,8\" or a sequence of pCPU ids"};
static const id_kind vcpu_ids = {"vCPU", "VM", "vCPU list",
                                 "a vCPU list like \"1\", \"2-3\" or \"0,2\""};

/* Reads a decimal number (at most 7 digits, so it cannot overflow). */
static const char *number(const char *p, int *out)
{
    int v = 0, digits = 0;
    while (*p >= '0' && *p <= '9') {
        if (digits++ < 7)
            v = v * 10 + (*p - '0');
        else
            v = VL_MAX_PCPUS * 1000; /* surely out of range */
        p++;
    }
    *out = v;
    return digits ? p : NULL;
}

static int out_of_range(const yt_node *n, const char *what, const id_kind *k, int64_t id,
                        int count, vl_error *err)
{
    return scn_fail(err, n, what, "%s %lld does not exist: the %s has %d %ss (0..%d)", k->id,
                    (long long)id, k->owner, count, k->id, count - 1);
}

static int parse_list(const yt_node *n, const char *what, const id_kind *k, int count,
                      vl_cpuset *out, vl_error *err)
{
    char got[80];
    const char *p = n->str;
    for (;;) {
        int lo, hi;
        while (*p == ' ')
            p++;
        p = number(p, &lo);
        if (!p)
            break;
        hi = lo;
        if (*p == '-') {
            p = number(p + 1, &hi);
            if (!p)
                break;
        }
        if (hi < lo)
            return scn_fail(err, n, what, "reversed range %d-%d in %s", lo, hi, k->list);
        if (hi >= count)
            return out_of_range(n, what, k, hi, count, err);
        for (int c = lo; c <= hi; c++)
            vl_cpuset_add(out, c);
        while (*p == ' ')
            p++;
        if (*p == '\0')
            return 0;
        if (*p != ',')
            break;
        p++;
    }
    return scn_fail(err, n, what, "expected %s, got %s", k->example, scn_got(n, got, sizeof got));
}

int scn_get_cpuset(const yt_node *n, const char *what, int pcpus, vl_cpuset *out,
                   vl_error *err)
{
    char got[80];
    memset(out, 0, sizeof *out);
    if (n->kind == YT_SCALAR && n->str[0])
        return parse_list(n, what, &pcpu_ids, pcpus, out, err);
    if (n->kind != YT_SEQ)
        return scn_fail(err, n, what, "expected %s, got %s", pcpu_ids.example,
                        scn_got(n, got, sizeof got));
    if (n->n == 0)
        return scn_fail(err, n, what, "an affinity must name at least one pCPU");
    for (size_t i = 0; i < n->n; i++) {
        char item[SCN_PATH_MAX];
        int64_t cpu;
        scn_pathf(item, sizeof item, "%s[%zu]", what, i);
        if (scn_get_int(n->items[i], item, 0, INT64_MAX, &cpu, err) < 0)
            return -1;
        if (cpu >= pcpus)
            return out_of_range(n->items[i], item, &pcpu_ids, cpu, pcpus, err);
        vl_cpuset_add(out, (int)cpu);
    }
    return 0;
}

int scn_get_vcpu_list(const yt_node *n, const char *what, int nvcpus, vl_cpuset *out,
                      vl_error *err)
{
    char got[80];
    memset(out, 0, sizeof *out);
    if (n->kind == YT_SCALAR && n->str[0])
        return parse_list(n, what, &vcpu_ids, nvcpus, out, err);
    return scn_fail(err, n, what, "expected %s, got %s", vcpu_ids.example,
                    scn_got(n, got, sizeof got));
}
