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
 * at the value of the parameter at fault, else at the policy's key. */
static int check_params(const vl_sched_ops *ops, const yt_pair *pr, bool vm, const void *blob,
                        const char *path, vl_error *err)
{
    vl_param_fault fault = {0};
    if (!ops->check || ops->check(blob, vm, &fault) == 0)
        return 0;
    const char *why = fault.msg[0] ? fault.msg : "refused by the policy";
    for (size_t i = 0; fault.param && i < pr->value->n; i++) {
        const yt_pair *kv = &pr->value->pairs[i];
        if (strcmp(kv->key->str, fault.param) == 0) {
            char where[SCN_PATH_MAX];
            scn_pathf(where, sizeof where, "%s.%s", path, fault.param);
            return scn_fail(err, kv->value, where, "%s", why);
        }
    }
    if (fault.param) /* a default the others make invalid */
        return scn_fail(err, pr->key, path, "%s (default) %s", fault.param, why);
    return scn_fail(err, pr->key, path, "%s", why);
}

/* Fills one entry: ops from the key, blob from the value. */
static int one_policy(const yt_pair *pr, const char *what, bool vm, vl_policy_params *pp,
                      vl_error *err)
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
    if (scn_params_apply(table, pr->value, NULL, pp->blob, path, owner, err) < 0)
        return -1;
    return check_params(ops, pr, vm, pp->blob, path, err);
}

int scn_load_policy_params(const yt_node *map, const char *what, bool vm,
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
        if (one_policy(&map->pairs[i], what, vm, &(*out)[i], err) < 0)
            return -1;
    return 0;
}
