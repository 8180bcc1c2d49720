/* scenario/policies.c - policy names (`scheduler:`, keys under `params:`)
 * and the per-policy parameter blobs of a `params:` mapping, host-level or
 * per VM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scn_internal.h"

static void registered(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < vl_policy_count(); i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", vl_policy_at(i)->name);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
    if (!used)
        snprintf(buf, len, "none");
}

int scn_get_policy(const yt_node *n, const char *what, const vl_sched_ops **out,
                   vl_error *err)
{
    char got[80], list[320];
    const vl_sched_ops *ops = NULL;
    if (n->kind == YT_SCALAR && n->str[0])
        ops = vl_policy_find(n->str);
    if (ops) {
        *out = ops;
        return 0;
    }
    registered(list, sizeof list);
    if (n->kind == YT_SCALAR && n->str[0])
        return scn_fail(err, n, what, "unknown policy %s (registered policies: %s)",
                        scn_got(n, got, sizeof got), list);
    return scn_fail(err, n, what, "expected a policy name, got %s (registered policies: %s)",
                    scn_got(n, got, sizeof got), list);
}

/* The policy's own rules on a filled blob (vl_sched_ops.check), reported
 * at the value of the parameter at fault: in the vCPU entry `entry` (a
 * pair under `vcpus:`, NULL for other blobs), else in the policy's
 * mapping `pr`, else at the entry's or the policy's key. */
static int check_params(const vl_sched_ops *ops, vl_param_scope scope, const void *blob,
                        const yt_pair *pr, const yt_pair *entry, const char *path,
                        vl_error *err)
{
    vl_param_fault fault = {0};
    if (!ops->check || ops->check(blob, scope, &fault) == 0)
        return 0;
    const char *why = fault.msg[0] ? fault.msg : "refused by the policy";
    char whom[SCN_PATH_MAX] = "", where[SCN_PATH_MAX];
    if (entry)
        scn_pathf(whom, sizeof whom, " (vCPUs %s)", entry->key->str);
    const yt_pair *in[2] = {entry, pr};
    for (int m = 0; m < 2 && fault.param; m++) {
        const yt_node *v = in[m] ? yt_map_get(in[m]->value, fault.param) : NULL;
        if (!v)
            continue;
        if (in[m] == entry)
            scn_pathf(where, sizeof where, "%s.vcpus[%s].%s", path, entry->key->str, fault.param);
        else
            scn_pathf(where, sizeof where, "%s.%s", path, fault.param);
        return scn_fail(err, v, where, "%s%s", why, whom);
    }
    const yt_node *at = entry ? entry->key : pr->key;
    if (fault.param) /* a default the others make invalid */
        return scn_fail(err, at, path, "%s (default) %s%s", fault.param, why, whom);
    return scn_fail(err, at, path, "%s%s", why, whom);
}

/* The key that holds a VM's per-vCPU overrides. */
#define VCPUS_KEY "vcpus"

/* The names of `table`, then `extra`, NULL-terminated (free it), as the
 * `skip` list of the other table of one mapping. */
static const char **names_of(const vl_param *table, const char *extra)
{
    size_t n = 0, i = 0;
    for (const vl_param *p = table; p && p->name; p++)
        n++;
    const char **names = calloc(n + 2, sizeof *names);
    for (const vl_param *p = table; names && p && p->name; p++)
        names[i++] = p->name;
    if (names)
        names[i] = extra;
    return names;
}

/* The per-VM and per-vCPU tables share one mapping: no name in both, and
 * none is the key of the overrides. */
static int tables_disjoint(const vl_sched_ops *ops, const char *owner, const yt_node *at,
                           vl_error *err)
{
    for (const vl_param *p = ops->vcpu_params; p && p->name; p++)
        for (const vl_param *q = ops->vm_params; q && q->name; q++)
            if (strcmp(p->name, q->name) == 0)
                return scn_fail(err, at, NULL, "internal error: parameter '%s' of %s is both "
                                "per-VM and per-vCPU", p->name, owner);
    const vl_param *tables[2] = {ops->vm_params, ops->vcpu_params};
    for (int t = 0; t < 2; t++)
        for (const vl_param *p = tables[t]; p && p->name; p++)
            if (strcmp(p->name, VCPUS_KEY) == 0)
                return scn_fail(err, at, NULL, "internal error: %s names a parameter '"
                                VCPUS_KEY "', the key of per-vCPU values", owner);
    return 0;
}

/* A VM's per-vCPU overrides: `vcpus:` maps vCPU lists ("1", "2-3") to
 * values of the per-vCPU table.  Each entry starts from `base` (the VM's
 * values) and is written to the vCPUs it lists; a vCPU in two entries is
 * an error.  `covered` gets the vCPUs of every entry. */
static int vcpu_overrides(const yt_pair *pr, const yt_node *map, const char *path,
                          const char *owner, int nvcpus, const void *base,
                          vl_policy_params *pp, vl_cpuset *covered, vl_error *err)
{
    const vl_sched_ops *ops = pp->ops;
    char what[SCN_PATH_MAX];
    scn_pathf(what, sizeof what, "%s." VCPUS_KEY, path);
    if (scn_expect(map, YT_MAP, what, err) < 0)
        return -1;
    vl_cpuset *sets = calloc(map->n ? map->n : 1, sizeof *sets);
    void *blob = calloc(1, ops->vcpu_size);
    int rc = sets && blob ? 0 : vl_error_set(err, "out of memory");
    for (size_t i = 0; i < map->n && rc == 0; i++) {
        const yt_pair *e = &map->pairs[i];
        scn_pathf(what, sizeof what, "%s." VCPUS_KEY "[%s]", path, e->key->str);
        if (scn_get_vcpu_list(e->key, what, nvcpus, &sets[i], err) < 0 ||
            scn_expect(e->value, YT_MAP, what, err) < 0) {
            rc = -1;
            break;
        }
        for (int c = 0; c < nvcpus && rc == 0; c++) {
            if (!vl_cpuset_has(&sets[i], c) || !vl_cpuset_has(covered, c))
                continue;
            size_t j = 0;
            while (!vl_cpuset_has(&sets[j], c))
                j++;
            const yt_node *first = map->pairs[j].key;
            rc = scn_fail(err, e->key, what, "vCPU %d is also in '%s' (at %d:%d): each vCPU "
                          "may be listed once", c, first->str, first->line, first->col);
        }
        if (rc < 0)
            break;
        memcpy(blob, base, ops->vcpu_size);
        if (scn_params_apply(ops->vcpu_params, e->value, NULL, blob, what, owner, err) < 0 ||
            check_params(ops, VL_PARAMS_VCPU, blob, pr, e, path, err) < 0) {
            rc = -1;
            break;
        }
        for (int c = 0; c < nvcpus; c++)
            if (vl_cpuset_has(&sets[i], c)) {
                vl_cpuset_add(covered, c);
                memcpy((char *)pp->vcpu_blobs + (size_t)c * ops->vcpu_size, blob, ops->vcpu_size);
            }
    }
    free(sets);
    free(blob);
    return rc;
}

/* A VM's values for one policy: the per-VM table into pp->blob; the
 * per-vCPU table's values given at the VM level into every vCPU's blob,
 * then the overrides under `vcpus:`. */
static int vm_policy(const yt_pair *pr, const char *path, const char *owner, int nvcpus,
                     vl_policy_params *pp, vl_error *err)
{
    const vl_sched_ops *ops = pp->ops;
    const vl_param *vt = ops->vcpu_params;
    bool per_vcpu = vt && vt->name;
    if (scn_params_check_table(vt, ops->vcpu_size, owner, pr->key, err) < 0 ||
        tables_disjoint(ops, owner, pr->key, err) < 0)
        return -1;
    const char **vm_skip = per_vcpu ? names_of(vt, VCPUS_KEY) : NULL;
    const char **vcpu_skip = per_vcpu ? names_of(ops->vm_params, VCPUS_KEY) : NULL;
    void *base = per_vcpu ? calloc(1, ops->vcpu_size) : NULL;
    if (per_vcpu && (!vm_skip || !vcpu_skip || !base ||
               !(pp->vcpu_blobs = calloc((size_t)nvcpus, ops->vcpu_size)))) {
        free(vm_skip), free(vcpu_skip), free(base);
        return vl_error_set(err, "out of memory");
    }
    vl_params_defaults(vt, base);
    int rc = scn_params_apply(ops->vm_params, pr->value, vm_skip, pp->blob, path, owner, err);
    if (rc == 0 && per_vcpu)
        rc = scn_params_apply(vt, pr->value, vcpu_skip, base, path, owner, err);
    if (rc == 0)
        rc = check_params(ops, VL_PARAMS_VM, pp->blob, pr, NULL, path, err);
    vl_cpuset covered = {0};
    const yt_node *overrides = yt_map_get(pr->value, VCPUS_KEY);
    if (rc == 0 && overrides)
        rc = vcpu_overrides(pr, overrides, path, owner, nvcpus, base, pp, &covered, err);
    bool uncovered = false; /* some vCPU has the VM's values: check them */
    for (int c = 0; rc == 0 && per_vcpu && c < nvcpus; c++)
        if (!vl_cpuset_has(&covered, c)) {
            memcpy((char *)pp->vcpu_blobs + (size_t)c * ops->vcpu_size, base, ops->vcpu_size);
            uncovered = true;
        }
    if (rc == 0 && uncovered)
        rc = check_params(ops, VL_PARAMS_VCPU, base, pr, NULL, path, err);
    free(vm_skip), free(vcpu_skip), free(base);
    return rc;
}

/* Fills one entry: ops from the key, blob from the value. */
static int one_policy(const yt_pair *pr, const char *what, bool vm, int nvcpus,
                      vl_policy_params *pp, vl_error *err)
{
    char path[SCN_PATH_MAX], owner[96];
    const vl_sched_ops *ops;
    if (scn_get_policy(pr->key, what, &ops, err) < 0)
        return -1;
    scn_pathf(path, sizeof path, "%s.%s", what, ops->name);
    snprintf(owner, sizeof owner, "policy '%s'", ops->name);
    if (scn_expect(pr->value, YT_MAP, path, err) < 0)
        return -1;
    const vl_param *table = vm ? ops->vm_params : ops->params;
    size_t size = vm ? ops->vm_size : ops->priv_size;
    if (scn_params_check_table(table, size, owner, pr->key, err) < 0)
        return -1;
    pp->ops = ops;
    pp->blob = calloc(1, size ? size : 1);
    if (!pp->blob)
        return vl_error_set(err, "out of memory");
    vl_params_defaults(table, pp->blob);
    if (vm)
        return vm_policy(pr, path, owner, nvcpus, pp, err);
    if (scn_params_apply(table, pr->value, NULL, pp->blob, path, owner, err) < 0)
        return -1;
    return check_params(ops, VL_PARAMS_HOST, pp->blob, pr, NULL, path, err);
}

int scn_load_policy_params(const yt_node *map, const char *what, bool vm, int nvcpus,
                           vl_policy_params **out, int *nout, vl_error *err)
{
    if (scn_expect(map, YT_MAP, what, err) < 0)
        return -1;
    if (map->n == 0)
        return 0;
    *out = calloc(map->n, sizeof **out);
    if (!*out)
        return vl_error_set(err, "out of memory");
    *nout = (int)map->n; /* entries start zeroed: safe to free at any point */
    for (size_t i = 0; i < map->n; i++)
        if (one_policy(&map->pairs[i], what, vm, nvcpus, &(*out)[i], err) < 0)
            return -1;
    return 0;
}
