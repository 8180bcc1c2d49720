/* scenario/program.c - the `tasks:` value of a `program` workload: groups of
 * tasks whose steps are written in the file (docs/programs.md), read into
 * a vl_prog_spec (workload/program_spec.h).
 *
 * Everything the guest will need is settled here, with the file's
 * positions: kernel activities and spinlock classes by name, the named
 * barriers, events and mutexes (one kind per name; a barrier's parties are
 * the tasks whose programs meet it), distributions, and the program limits
 * (VL_PROG_MAX_OPS operations, VL_PROG_MAX_DISTS distributions per
 * program).  Touches nothing but the spec it fills. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/kernel.h"
#include "guest/program.h"
#include "scenario/scn_internal.h"
#include "workload/program_spec.h"

#define PROG_MAX_GROUPS VL_PROG_SPEC_MAX_GROUPS
#define PROG_MAX_SYNCS VL_PROG_SPEC_MAX_SYNCS
#define PROG_DEFAULT_HOLD_NS 1000 /* as `syscalls`: 1 us */

static const char *const group_keys[] = {"name", "count", "process", "nice", "do", NULL};

/* Keys a step of each kind may have besides its own. */
static const char *const kernel_keys[] = {"kernel", "at", "spinlock", "hold", "shared", NULL};
static const char *const send_keys[] = {"send", "packets", NULL};
static const char *const loop_keys[] = {"loop", "do", NULL};

/* The reading of one group: where its steps go, its totals. */
typedef struct reader {
    vl_prog_spec *spec;
    vl_task_spec *task;
    int group;             /* its index                                    */
    int ops, dists;        /* of its program so far                        */
    int *sync_group;       /* per sync: the last group counted as a party  */
    const yt_node **sync_at; /* per sync: where it was first named         */
} reader;

static int lookup(const char *const *names, const char *s)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

/* n must be one of `names` (from index `first` on); its index. */
static int get_choice(const yt_node *n, const char *what, const char *const *names, int first,
                      int *out, vl_error *err)
{
    char got[80], list[512];
    int i = n->kind == YT_SCALAR ? lookup(names, n->str) : -1;
    if (i >= first) {
        *out = i;
        return 0;
    }
    scn_join(names + first, list, sizeof list);
    return scn_fail(err, n, what, "expected one of %s, got %s", list, scn_got(n, got, sizeof got));
}

static const char *const sync_kind_names[] = {"a barrier", "an event (wait/wake)",
                                              "a mutex (lock/unlock)"};

/* The sync object a BARRIER .. UNLOCK step names: found or added. */
static int get_sync(reader *r, const yt_node *n, const char *what, vl_sync_kind kind, int *out,
                    vl_error *err)
{
    vl_prog_spec *s = r->spec;
    char name[VL_NAME_MAX];
    if (scn_get_name(n, what, name, err) < 0)
        return -1;
    int i = 0;
    while (i < s->nsyncs && strcmp(s->syncs[i].name, name) != 0)
        i++;
    if (i < s->nsyncs && s->syncs[i].kind != kind)
        return scn_fail(err, n, what, "'%s' is %s (first at %d:%d), not %s", name,
                        sync_kind_names[s->syncs[i].kind], r->sync_at[i]->line,
                        r->sync_at[i]->col, sync_kind_names[kind]);
    if (i == s->nsyncs) {
        if (s->nsyncs == PROG_MAX_SYNCS)
            return scn_fail(err, n, what, "more than %d barriers, events and mutexes in one "
                            "workload", PROG_MAX_SYNCS);
        s->syncs[i] = (vl_sync_spec){.kind = kind};
        memcpy(s->syncs[i].name, name, sizeof name);
        r->sync_at[i] = n;
        r->sync_group[i] = -1;
        s->nsyncs++;
    }
    if (kind == VL_SYNC_BARRIER && r->sync_group[i] != r->group) {
        r->sync_group[i] = r->group;
        s->syncs[i].parties += r->task->count;
    }
    *out = i;
    return 0;
}

static int get_dist(const yt_node *n, const char *what, vl_dist *d, vl_error *err)
{
    return scn_get_dist(n, what, 0, 0, d, err);
}

/* A kernel step's keys beside `kernel:`. */
static int kernel_step(const yt_node *m, const char *what, vl_step *st, vl_error *err)
{
    char path[SCN_PATH_MAX];
    const yt_node *v;
    st->activity = lookup(vl_guest_activity_names, "syscall");
    st->spinlock = -1;
    st->hold = vl_dist_const(PROG_DEFAULT_HOLD_NS);
    scn_pathf(path, sizeof path, "%s.at", what);
    if ((v = yt_map_get(m, "at")) &&
        get_choice(v, path, vl_guest_activity_names, 0, &st->activity, err) < 0)
        return -1;
    scn_pathf(path, sizeof path, "%s.spinlock", what);
    if ((v = yt_map_get(m, "spinlock"))) {
        if (get_choice(v, path, vl_guest_lock_class_names, 1, &st->spinlock, err) < 0)
            return -1;
        st->spinlock--; /* the names start with "none" */
    }
    static const char *const needs_lock[] = {"hold", "shared", NULL};
    for (int k = 0; needs_lock[k]; k++) {
        const yt_pair *p = yt_map_find(m, needs_lock[k]);
        if (p && st->spinlock < 0)
            return vl_error_at(err, p->key->src, p->key->line, p->key->col,
                               "%s: '%s' needs a 'spinlock' to hold", what, needs_lock[k]);
    }
    scn_pathf(path, sizeof path, "%s.hold", what);
    if ((v = yt_map_get(m, "hold")) && get_dist(v, path, &st->hold, err) < 0)
        return -1;
    scn_pathf(path, sizeof path, "%s.shared", what);
    return (v = yt_map_get(m, "shared")) ? scn_get_bool(v, path, &st->shared, err) : 0;
}

static int read_steps(reader *r, const yt_node *seq, const char *what, vl_error *err);

/* Appends a step; the program must stay within its limits. */
static int add_step(reader *r, const yt_node *at, const char *what, const vl_step *st,
                    vl_error *err)
{
    vl_task_spec *t = r->task;
    r->ops += vl_step_ops(st);
    r->dists += vl_step_dists(st);
    if (r->ops > VL_PROG_MAX_OPS)
        return scn_fail(err, at, what, "the program passes %d operations here (a barrier, "
                        "wait, wake or munmap is two: the system call and the wait or "
                        "shootdown); split the work between task groups", VL_PROG_MAX_OPS);
    if (r->dists > VL_PROG_MAX_DISTS)
        return scn_fail(err, at, what, "the program passes %d distributions here (a kernel "
                        "step with a spinlock has two, a barrier, wait or wake two)",
                        VL_PROG_MAX_DISTS);
    t->steps[t->nsteps++] = *st;
    return 0;
}

static int step_kind(const yt_node *m, const char *what, vl_step_kind *out, vl_error *err)
{
    const yt_node *found = NULL;
    for (size_t i = 0; i < m->n; i++) {
        const yt_node *k = m->pairs[i].key;
        int kind = lookup(vl_step_names, k->str);
        if (kind < 0)
            continue;
        if (found)
            return vl_error_at(err, k->src, k->line, k->col, "%s: one operation per step, got "
                               "'%s' and '%s'", what, found->str, k->str);
        found = k;
        *out = (vl_step_kind)kind;
    }
    if (found)
        return 0;
    char list[320];
    scn_join(vl_step_names, list, sizeof list);
    return scn_fail(err, m, what, "a step needs an operation: one of %s", list);
}

static int read_step(reader *r, const yt_node *m, const char *what, vl_error *err)
{
    char path[SCN_PATH_MAX];
    vl_step st = {.spinlock = -1, .activity = -1, .sync = -1};
    if (scn_expect(m, YT_MAP, what, err) < 0 || step_kind(m, what, &st.kind, err) < 0)
        return -1;
    const char *const own[] = {vl_step_names[st.kind], NULL};
    const char *const *valid = st.kind == VL_STEP_KERNEL ? kernel_keys
                               : st.kind == VL_STEP_SEND ? send_keys
                               : st.kind == VL_STEP_LOOP ? loop_keys
                                                         : own;
    if (scn_check_keys(m, valid, what, err) < 0)
        return -1;
    const yt_node *v = yt_map_get(m, vl_step_names[st.kind]);
    scn_pathf(path, sizeof path, "%s.%s", what, vl_step_names[st.kind]);
    int rc = 0;
    switch (st.kind) {
    case VL_STEP_COMPUTE:
    case VL_STEP_SLEEP:
    case VL_STEP_TIMER:
    case VL_STEP_MUNMAP:
        rc = get_dist(v, path, &st.dur, err);
        break;
    case VL_STEP_KERNEL:
        rc = get_dist(v, path, &st.dur, err) < 0 ? -1 : kernel_step(m, what, &st, err);
        break;
    case VL_STEP_BARRIER: rc = get_sync(r, v, path, VL_SYNC_BARRIER, &st.sync, err); break;
    case VL_STEP_WAIT:
    case VL_STEP_WAKE: rc = get_sync(r, v, path, VL_SYNC_EVENT, &st.sync, err); break;
    case VL_STEP_LOCK:
    case VL_STEP_UNLOCK: rc = get_sync(r, v, path, VL_SYNC_MUTEX, &st.sync, err); break;
    case VL_STEP_READ:
    case VL_STEP_WRITE:
        r->spec->disk = true;
        rc = scn_get_int(v, path, 512, 1 << 26, &st.bytes, err);
        break;
    case VL_STEP_RECV:
        r->spec->socket = true;
        rc = scn_get_int(v, path, 0, 65536, &st.count, err);
        break;
    case VL_STEP_SEND: {
        const yt_node *pk = yt_map_get(m, "packets");
        char pp[SCN_PATH_MAX];
        r->spec->socket = true;
        st.count = 1;
        scn_pathf(pp, sizeof pp, "%s.packets", what);
        rc = scn_get_int(v, path, 1, 65000, &st.bytes, err) < 0 ||
                     (pk && scn_get_int(pk, pp, 1, 65536, &st.count, err) < 0)
                 ? -1
                 : 0;
        break;
    }
    case VL_STEP_LOOP: {
        yt_node *body;
        char bp[SCN_PATH_MAX];
        if (!(v->kind == YT_SCALAR && strcmp(v->str, "forever") == 0) &&
            scn_get_int(v, path, 1, 1000000000, &st.count, err) < 0)
            return -1;
        scn_pathf(bp, sizeof bp, "%s.do", what);
        if (scn_require(m, "do", what, &body, err) < 0)
            return -1;
        st.body = r->task->nsteps;
        if (read_steps(r, body, bp, err) < 0)
            return -1;
        break;
    }
    case VL_STEP_KINDS: break;
    }
    if (rc < 0 || add_step(r, m, what, &st, err) < 0) {
        scn_dist_free(&st.dur); /* what an empirical distribution took */
        scn_dist_free(&st.hold);
        return -1;
    }
    return 0;
}

static int read_steps(reader *r, const yt_node *seq, const char *what, vl_error *err)
{
    char path[SCN_PATH_MAX];
    if (scn_expect(seq, YT_SEQ, what, err) < 0)
        return -1;
    if (seq->n == 0)
        return scn_fail(err, seq, what, "needs at least one step");
    for (size_t i = 0; i < seq->n; i++) {
        scn_pathf(path, sizeof path, "%s[%zu]", what, i);
        if (read_step(r, seq->items[i], path, err) < 0)
            return -1;
    }
    return 0;
}

static int read_group(reader *r, const yt_node *seq, size_t idx, const char *what,
                      vl_error *err)
{
    const yt_node *m = seq->items[idx];
    vl_task_spec *t = r->task;
    char path[SCN_PATH_MAX], at[SCN_PATH_MAX];
    yt_node *v;
    scn_pathf(at, sizeof at, "%s[%zu]", what, idx);
    if (scn_expect(m, YT_MAP, at, err) < 0 || scn_check_keys(m, group_keys, at, err) < 0)
        return -1;
    snprintf(t->name, sizeof t->name, "t%zu", idx);
    scn_pathf(path, sizeof path, "%s.name", at);
    if ((v = yt_map_get(m, "name")) && scn_get_name(v, path, t->name, err) < 0)
        return -1;
    for (int j = 0; j < r->group; j++)
        if (strcmp(r->spec->tasks[j].name, t->name) == 0)
            return scn_fail(err, v ? v : m, path, "duplicate task group name '%s'", t->name);
    scn_pathf(at, sizeof at, "%s[%s]", what, t->name);
    t->count = 1;
    scn_pathf(path, sizeof path, "%s.count", at);
    if ((v = yt_map_get(m, "count")) && scn_get_int(v, path, 1, 4096, &t->count, err) < 0)
        return -1;
    scn_pathf(path, sizeof path, "%s.process", at);
    if ((v = yt_map_get(m, "process")) && scn_get_bool(v, path, &t->process, err) < 0)
        return -1;
    scn_pathf(path, sizeof path, "%s.nice", at);
    if ((v = yt_map_get(m, "nice")) && scn_get_int32(v, path, -20, 19, &t->nice, err) < 0)
        return -1;
    t->steps = calloc(VL_PROG_MAX_OPS, sizeof *t->steps); /* a step is >= 1 op */
    if (!t->steps)
        return vl_error_set(err, "out of memory");
    r->ops = r->dists = 0;
    scn_pathf(path, sizeof path, "%s.do", at);
    if (scn_require(m, "do", at, &v, err) < 0)
        return -1;
    return read_steps(r, v, path, err);
}

int scn_get_program(const yt_node *n, const char *what, vl_prog_spec **out, vl_error *err)
{
    *out = NULL;
    if (scn_expect(n, YT_SEQ, what, err) < 0)
        return -1;
    if (n->n == 0)
        return scn_fail(err, n, what, "needs at least one task group");
    if (n->n > PROG_MAX_GROUPS)
        return scn_fail(err, n->items[PROG_MAX_GROUPS], what, "more than %d task groups in "
                        "one workload", PROG_MAX_GROUPS);
    vl_prog_spec *s = calloc(1, sizeof *s);
    int *sync_group = calloc(PROG_MAX_SYNCS, sizeof *sync_group);
    const yt_node **sync_at = calloc(PROG_MAX_SYNCS, sizeof *sync_at);
    if (s) {
        s->tasks = calloc(n->n, sizeof *s->tasks);
        s->syncs = calloc(PROG_MAX_SYNCS, sizeof *s->syncs);
    }
    int rc = 0;
    if (!s || !s->tasks || !s->syncs || !sync_group || !sync_at)
        rc = vl_error_set(err, "out of memory");
    reader r = {.spec = s, .sync_group = sync_group, .sync_at = sync_at};
    for (size_t i = 0; rc == 0 && i < n->n; i++) {
        r.group = (int)i;
        r.task = &s->tasks[i];
        s->ntasks = (int)i + 1;
        rc = read_group(&r, n, i, what, err);
    }
    free(sync_group);
    free(sync_at);
    if (rc < 0) {
        scn_program_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void scn_program_free(vl_prog_spec *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->ntasks; i++) {
        vl_task_spec *t = &s->tasks[i];
        for (int j = 0; t->steps && j < t->nsteps; j++) {
            scn_dist_free(&t->steps[j].dur);
            scn_dist_free(&t->steps[j].hold);
        }
        free(t->steps);
    }
    free(s->tasks);
    free(s->syncs);
    free(s);
}
