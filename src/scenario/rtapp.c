/* scenario/rtapp.c - an rt-app description as a scenario (scenario/rtapp.h;
 * docs/programs.md, "Importing rt-app files").
 *
 * rt-app reads JSON with C comments; JSON is YAML's flow style, so the
 * text is read with the scenario's YAML reader (positions included) once
 * its comments are blanked out.  Each thread of `tasks` becomes a task
 * group of one `program` workload; its events become steps in order
 * (events are recognised by prefix, as rt-app does, so `run0` and `run1`
 * are two runs); thread and phase loops become loops.  rt-app's durations
 * are microseconds.  What has no counterpart in the model is reported by
 * name and position and left out.  Writes only to the two streams given. */
#include "scenario/rtapp.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scn_internal.h"
#include "vl_array.h"

/* rt-app's event names, matched as prefixes in this order (its
 * parse_task_event_data tries "runtime" before "run", "memrun" before
 * "mem"). */
typedef enum {
    EV_LOCK, EV_UNLOCK, EV_WAIT, EV_SIGNAL, EV_BROAD, EV_SYNC, EV_SLEEP, EV_RUNTIME, EV_RUN,
    EV_TIMER, EV_SUSPEND, EV_RESUME, EV_MEMRUN, EV_MEM, EV_IORUN, EV_YIELD, EV_BARRIER, EV_FORK,
    EV_SEM_POST, EV_SEM_WAIT, EV_NONE
} rt_event;

static const char *const event_names[] = {
    "lock", "unlock", "wait", "signal", "broad", "sync", "sleep", "runtime", "run", "timer",
    "suspend", "resume", "memrun", "mem", "iorun", "yield", "barrier", "fork", "sem_post",
    "sem_wait", NULL,
};

/* Thread and phase properties the model has no counterpart for. */
static const char *const properties[] = {
    "policy", "priority", "dl-runtime", "dl-period", "dl-deadline", "period", "deadline", "cpus",
    "nodes_membind", "util_min", "util_max", "taskgroup", NULL,
};

/* rt-app's resources are named per type (get_resource_index matches the
 * name and the type): a name may be a mutex and a condition at once.  A
 * program's names are one kind each, so the first type to use a name
 * keeps it and the others get a suffix ("x.cond"). */
typedef enum { RES_MUTEX, RES_COND, RES_SEM, RES_BARRIER } res_type;
static const char *const res_suffix[] = {"mutex", "cond", "sem", "barrier"};

typedef struct resource {
    char base[VL_NAME_MAX], name[VL_NAME_MAX];
    res_type type;
} resource;

typedef struct importer {
    FILE *notes;
    int skipped;              /* keys left out                               */
    resource *res;            /* the resources met so far                    */
    int nres, res_cap;
    char thread[VL_NAME_MAX]; /* the thread being read (suspend waits on it) */
    const yt_node *timer;     /* its first timer's ref, NULL before one       */
    vl_error *err;
} importer;

static rt_event event_of(const char *key)
{
    for (int i = 0; event_names[i]; i++)
        if (strncmp(key, event_names[i], strlen(event_names[i])) == 0)
            return (rt_event)i;
    return EV_NONE;
}

static bool listed(const char *const *list, const char *key)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], key) == 0)
            return true;
    return false;
}

/* Why a key that is no event is left out. */
static const char *why_not(const char *key)
{
    return listed(properties, key) ? "has no counterpart in the model" : "is not an rt-app key";
}

static void note(importer *im, const yt_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(importer *im, const yt_node *at, const char *fmt, ...)
{
    va_list ap;
    fprintf(im->notes, "%s:%d:%d: ", at->src, at->line, at->col);
    va_start(ap, fmt);
    vfprintf(im->notes, fmt, ap);
    va_end(ap);
    fputc('\n', im->notes);
}

static void skip_key(importer *im, const yt_node *key, const char *why)
{
    char name[VL_NAME_MAX];
    scn_name_from(key->str, name);
    note(im, key, "'%s' %s: skipped", name, why);
    im->skipped++;
}

/* One step line "- TEXT" at `indent`. */
static void step(FILE *f, int indent, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void step(FILE *f, int indent, const char *fmt, ...)
{
    va_list ap;
    fprintf(f, "%*s- ", indent, "");
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
}

static int get_usec(importer *im, const yt_node *v, const char *what, int64_t *us)
{
    return scn_get_int(v, what, 0, INT64_MAX / 1000, us, im->err);
}

/* The program's name for rt-app resource `raw` of `type`. */
static int resource_name(importer *im, const char *raw, res_type type, char out[VL_NAME_MAX])
{
    char base[VL_NAME_MAX];
    bool taken = false;
    scn_name_from(raw, base);
    for (int i = 0; i < im->nres; i++) {
        if (strcmp(im->res[i].base, base) != 0)
            continue;
        if (im->res[i].type == type) {
            memcpy(out, im->res[i].name, VL_NAME_MAX);
            return 0;
        }
        taken = true;
    }
    if (vl_array_room(&im->res, &im->res_cap, im->nres, sizeof *im->res, 16) < 0)
        return vl_error_set(im->err, "out of memory");
    resource *r = &im->res[im->nres++];
    r->type = type;
    memcpy(r->base, base, sizeof base);
    int keep = (int)(VL_NAME_MAX - 2 - strlen(res_suffix[type]));
    if (taken)
        snprintf(r->name, sizeof r->name, "%.*s.%s", keep, base, res_suffix[type]);
    else
        memcpy(r->name, base, sizeof base);
    memcpy(out, r->name, VL_NAME_MAX);
    return 0;
}

/* A resource name of `type`: a string, made a program's name. */
static int get_ref(importer *im, const yt_node *v, const char *what, res_type type,
                   char out[VL_NAME_MAX])
{
    char got[80];
    if (v->kind != YT_SCALAR || !v->str[0])
        return scn_fail(im->err, v, what, "expected a resource name, got %s",
                        scn_got(v, got, sizeof got));
    return resource_name(im, v->str, type, out);
}

/* The resource under `key` of the object v (wait, sync). */
static int get_field_ref(importer *im, const yt_node *v, const char *what, const char *key,
                         res_type type, char out[VL_NAME_MAX])
{
    yt_node *f;
    char path[SCN_PATH_MAX];
    if (scn_expect(v, YT_MAP, what, im->err) < 0 || scn_require(v, key, what, &f, im->err) < 0)
        return -1;
    scn_pathf(path, sizeof path, "%s.%s", what, key);
    return get_ref(im, f, path, type, out);
}

/* Events that are one step on one resource: its type and the step. */
static const struct {
    rt_event event;
    res_type type;
    const char *op;
} one_ref[] = {
    {EV_LOCK, RES_MUTEX, "lock"},         {EV_UNLOCK, RES_MUTEX, "unlock"},
    {EV_SIGNAL, RES_COND, "wake"},        {EV_RESUME, RES_COND, "wake"},
    {EV_SEM_POST, RES_SEM, "wake"},       {EV_SEM_WAIT, RES_SEM, "wait"},
    {EV_BARRIER, RES_BARRIER, "barrier"},
};

/* The steps of event `key: v`, into f at `indent`; their count. */
static int event(importer *im, const yt_node *key, const yt_node *v, const char *what, FILE *f,
                 int indent)
{
    char a[VL_NAME_MAX], m[VL_NAME_MAX];
    int64_t us;
    rt_event e = event_of(key->str);
    for (size_t i = 0; i < sizeof one_ref / sizeof one_ref[0]; i++) {
        if (one_ref[i].event != e)
            continue;
        if (get_ref(im, v, what, one_ref[i].type, a) < 0)
            return -1;
        step(f, indent, "%s: %s", one_ref[i].op, a);
        return 1;
    }
    switch (e) {
    case EV_RUN:
    case EV_RUNTIME:
    case EV_SLEEP:
        if (get_usec(im, v, what, &us) < 0)
            return -1;
        step(f, indent, "%s: %lldus", e == EV_SLEEP ? "sleep" : "compute", (long long)us);
        return 1;
    case EV_TIMER: {
        yt_node *p, *ref;
        char path[SCN_PATH_MAX];
        if (scn_expect(v, YT_MAP, what, im->err) < 0 ||
            scn_require(v, "ref", what, &ref, im->err) < 0 ||
            scn_require(v, "period", what, &p, im->err) < 0)
            return -1;
        scn_pathf(path, sizeof path, "%s.period", what);
        if (scn_get_int(p, path, 1, INT64_MAX / 1000, &us, im->err) < 0)
            return -1;
        scn_name_from(ref->kind == YT_SCALAR ? ref->str : "", a);
        if (im->timer && strcmp(im->timer->str, ref->str) != 0)
            note(im, ref, "timer '%s': a task has one release stream, which the timer of %d:%d "
                 "began: its period changes to this one", a, im->timer->line, im->timer->col);
        else if (!im->timer)
            im->timer = ref;
        step(f, indent, "timer: %lldus", (long long)us);
        return 1;
    }
    case EV_SUSPEND: /* a wait on the condition named after the thread
                      * (its value is ignored), which `resume` signals */
        if (resource_name(im, im->thread, RES_COND, a) < 0)
            return -1;
        step(f, indent, "wait: %s", a);
        return 1;
    case EV_WAIT: /* pthread_cond_wait: the mutex is let go while blocked */
    case EV_SYNC: /* signal, then wait: rt-app takes and lets go the mutex itself */
        if (get_field_ref(im, v, what, "ref", RES_COND, a) < 0 ||
            get_field_ref(im, v, what, "mutex", RES_MUTEX, m) < 0)
            return -1;
        if (e == EV_SYNC) {
            step(f, indent, "wake: %s", a);
            step(f, indent, "wait: %s", a);
            return 2;
        }
        step(f, indent, "unlock: %s", m);
        step(f, indent, "wait: %s", a);
        step(f, indent, "lock: %s", m);
        return 3;
    case EV_BROAD:
    case EV_MEMRUN:
    case EV_MEM:
    case EV_IORUN:
    case EV_YIELD:
    case EV_FORK: skip_key(im, key, "is not supported"); return 0;
    default: break; /* EV_NONE, and the one_ref events above */
    }
    return 0;
}

/* The events of one phase (or of a thread without phases) at `indent`:
 * their step count; other keys are reported unless listed in `own`. */
static int events(importer *im, const yt_node *obj, const char *what, const char *const *own,
                  FILE *f, int indent)
{
    char path[SCN_PATH_MAX];
    int n = 0;
    for (size_t i = 0; i < obj->n; i++) {
        const yt_node *k = obj->pairs[i].key;
        if (listed(own, k->str))
            continue;
        if (event_of(k->str) == EV_NONE) {
            skip_key(im, k, why_not(k->str));
            continue;
        }
        scn_pathf(path, sizeof path, "%s.%s", what, k->str);
        int s = event(im, k, obj->pairs[i].value, path, f, indent);
        if (s < 0)
            return -1;
        n += s;
    }
    return n;
}

/* `loop` of obj: -1 (for ever, 0 in the program) or a count; `def` when
 * absent. */
static int get_loop(importer *im, const yt_node *obj, const char *what, int64_t def,
                    int64_t *out)
{
    const yt_node *v = yt_map_get(obj, "loop");
    char path[SCN_PATH_MAX];
    *out = def;
    scn_pathf(path, sizeof path, "%s.loop", what);
    if (v && scn_get_int(v, path, -1, 1000000000, out, im->err) < 0)
        return -1;
    if (*out == 0) {
        note(im, yt_map_find(obj, "loop")->key, "'loop' 0: nothing runs; skipped");
        return 0;
    }
    return 0;
}

/* Steps `body` (`n` of them, written at indent + 4) repeated `loop` times
 * (-1: for ever) at `indent`, or as they are when loop is 1. */
static void emit_loop(FILE *f, int indent, int64_t loop, const char *body)
{
    if (loop == 1) {
        fputs(body, f);
        return;
    }
    if (loop < 0)
        step(f, indent, "loop: forever");
    else
        step(f, indent, "loop: %lld", (long long)loop);
    fprintf(f, "%*sdo:\n%s", indent + 2, "", body);
}

static const char *const phase_own[] = {"loop", NULL};
static const char *const thread_own[] = {"loop", "instance", "delay", "phases", NULL};

/* The steps of one phase at `indent`: its events, in its loop; *n their
 * count (0: the phase runs nothing). */
static int phase(importer *im, const yt_node *obj, const char *what, const char *const *own,
                 int64_t loop, FILE *f, int indent, int *n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *body = open_memstream(&buf, &len);
    if (!body)
        return vl_error_set(im->err, "out of memory");
    *n = loop == 0 ? 0 : events(im, obj, what, own, body, loop == 1 ? indent : indent + 4);
    int rc = fclose(body) != 0 || *n < 0 ? -1 : 0;
    if (rc == 0 && *n > 0)
        emit_loop(f, indent, loop, buf);
    free(buf);
    return rc;
}

/* The thread's phases (or itself as its one phase) at `indent`. */
static int phases(importer *im, const yt_node *th, const char *what, FILE *f, int indent)
{
    const yt_node *ph = yt_map_get(th, "phases");
    char path[SCN_PATH_MAX];
    int total = 0, n;
    int64_t loop;
    if (!ph) /* the thread is its one phase, looped by the thread's loop */
        return phase(im, th, what, thread_own, 1, f, indent, &n) < 0 ? -1 : n;
    scn_pathf(path, sizeof path, "%s.phases", what);
    if (scn_expect(ph, YT_MAP, path, im->err) < 0)
        return -1;
    for (size_t i = 0; i < th->n; i++) { /* a thread with phases runs only those */
        const yt_node *k = th->pairs[i].key;
        if (listed(thread_own, k->str))
            continue;
        skip_key(im, k, event_of(k->str) != EV_NONE ? "beside 'phases' is not run by rt-app"
                                                    : why_not(k->str));
    }
    for (size_t i = 0; i < ph->n; i++) {
        const yt_node *p = ph->pairs[i].value;
        scn_pathf(path, sizeof path, "%s.phases.%s", what, ph->pairs[i].key->str);
        if (scn_expect(p, YT_MAP, path, im->err) < 0 || get_loop(im, p, path, 1, &loop) < 0 ||
            phase(im, p, path, phase_own, loop, f, indent, &n) < 0)
            return -1;
        total += n;
    }
    return total;
}

/* Thread `key: th` as a task group. */
static int thread(importer *im, const yt_node *key, const yt_node *th, FILE *f)
{
    char what[SCN_PATH_MAX], path[SCN_PATH_MAX];
    int64_t instance = 1, delay = 0, loop;
    const yt_node *v;
    scn_pathf(what, sizeof what, "tasks.%s", key->str);
    if (scn_expect(th, YT_MAP, what, im->err) < 0)
        return -1;
    scn_name_from(key->str, im->thread);
    im->timer = NULL;
    scn_pathf(path, sizeof path, "%s.instance", what);
    if ((v = yt_map_get(th, "instance")) && scn_get_int(v, path, 0, 4096, &instance, im->err) < 0)
        return -1;
    scn_pathf(path, sizeof path, "%s.delay", what);
    if ((v = yt_map_get(th, "delay")) && get_usec(im, v, path, &delay) < 0)
        return -1;
    if (get_loop(im, th, what, -1, &loop) < 0)
        return -1;
    if (instance == 0) {
        skip_key(im, key, "has instance 0 (created by a fork event, which the model lacks)");
        return 0;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *body = open_memstream(&buf, &len);
    if (!body)
        return vl_error_set(im->err, "out of memory");
    int n = loop == 0 ? 0 : phases(im, th, what, body, loop == 1 ? 14 : 18);
    int rc = fclose(body) != 0 || n < 0 ? -1 : 0;
    if (rc == 0 && n == 0)
        skip_key(im, key, "runs no event the model has");
    if (rc == 0 && n > 0) {
        fprintf(f, "          - name: %s\n", im->thread);
        if (instance != 1)
            fprintf(f, "            count: %lld\n", (long long)instance);
        fprintf(f, "            do:\n");
        if (delay > 0)
            step(f, 14, "sleep: %lldus", (long long)delay);
        emit_loop(f, 14, loop, buf);
    }
    free(buf);
    return rc < 0 ? -1 : n > 0;
}

/* rt-app reads C comments in its JSON: they become blanks (line breaks
 * kept, so that positions stay). */
static char *blank_comments(const char *text, size_t len)
{
    char *t = malloc(len + 1);
    if (!t)
        return NULL;
    memcpy(t, text, len);
    t[len] = '\0';
    bool string = false;
    for (size_t i = 0; i < len; i++) {
        if (string) {
            if (t[i] == '\\' && i + 1 < len)
                i++;
            else if (t[i] == '"')
                string = false;
        } else if (t[i] == '"') {
            string = true;
        } else if (t[i] == '/' && i + 1 < len && (t[i + 1] == '*' || t[i + 1] == '/')) {
            bool block = t[i + 1] == '*';
            size_t end = i + 2; /* past the comment */
            while (end < len && (block ? !(text[end - 1] == '*' && text[end] == '/' &&
                                           end > i + 2)
                                       : text[end] != '\n'))
                end++;
            if (block && end < len)
                end++;
            for (size_t j = i; j < end; j++)
                if (t[j] != '\n')
                    t[j] = ' ';
            i = end - 1;
        }
    }
    return t;
}

static int import_tree(importer *im, const yt_node *root, const vl_rtapp_options *o, FILE *out)
{
    yt_node *tasks;
    if (!root)
        return vl_error_set(im->err, "the file holds no JSON object");
    if (scn_expect(root, YT_MAP, "the description", im->err) < 0 ||
        scn_require(root, "tasks", "", &tasks, im->err) < 0 ||
        scn_expect(tasks, YT_MAP, "tasks", im->err) < 0)
        return -1;
    int64_t duration = -1;
    const yt_node *g = yt_map_get(root, "global");
    if (g && scn_expect(g, YT_MAP, "global", im->err) < 0)
        return -1;
    for (size_t i = 0; g && i < g->n; i++) {
        const yt_node *k = g->pairs[i].key;
        if (strcmp(k->str, "duration") != 0)
            skip_key(im, k, "(global) is not used by the model");
        else if (scn_get_int(g->pairs[i].value, "global.duration", -1, 86400, &duration,
                             im->err) < 0)
            return -1;
    }
    for (size_t i = 0; i < root->n; i++)
        if (!listed((const char *const[]){"tasks", "global", NULL}, root->pairs[i].key->str))
            skip_key(im, root->pairs[i].key, "is not used by the model");
    if (duration == -1)
        note(im, g ? g : root, "no global.duration (or -1): the scenario runs 10s");
    if (duration <= 0)
        duration = 10;
    char source[256], name[VL_NAME_MAX]; /* the path in a comment line */
    scn_name_from(o->name, name);
    snprintf(source, sizeof source, "%s", root->src);
    for (char *c = source; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = '?';
    fprintf(out,
            "# Imported from %s by vcpulab import-rtapp (docs/programs.md): rt-app's\n"
            "# threads as the task groups of one `program` workload.\n"
            "scheduler: %s\nhost: {pcpus: %d}\nvms:\n  - name: rtapp\n    vcpus: %d\n"
            "    workloads:\n      - type: program\n        name: %s\n        tasks:\n",
            source, o->scheduler, o->vcpus, o->vcpus, name);
    int groups = 0;
    for (size_t i = 0; i < tasks->n; i++) {
        int g1 = thread(im, tasks->pairs[i].key, tasks->pairs[i].value, out);
        if (g1 < 0)
            return -1;
        groups += g1;
    }
    if (groups == 0)
        return scn_fail(im->err, tasks, "tasks", "no thread runs an event the model has");
    fprintf(out, "run: {duration: %llds}\n", (long long)duration);
    return 0;
}

int vl_rtapp_import(const char *path, const char *text, size_t len, const vl_rtapp_options *o,
                    FILE *out, FILE *notes, vl_error *err)
{
    char *t = blank_comments(text, len);
    if (!t)
        return vl_error_set(err, "out of memory");
    yt_node *root = NULL;
    importer im = {.notes = notes, .err = err};
    int rc = yt_parse(path, t, len, 1, 1, YT_REPEATED_KEYS, &root, err);
    if (rc == 0)
        rc = import_tree(&im, root, o, out);
    yt_free(root);
    free(t);
    free(im.res);
    return rc < 0 ? -1 : im.skipped;
}
