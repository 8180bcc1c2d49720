/* scenario/scn_internal.h - shared by the loader's files, not installed.
 *
 * Every helper reports into a vl_error at the source position of the node
 * it was given (node->src:line:col) and returns 0 or -1.  `what` arguments
 * are the dotted path of the value in the scenario ("host.pcpus",
 * "vms[web].workloads[hog].tasks"), used as the message prefix. */
#ifndef VL_SCENARIO_SCN_INTERNAL_H
#define VL_SCENARIO_SCN_INTERNAL_H

#include <stdint.h>

#include "scenario/yaml_tree.h"
#include "vcpulab/scenario.h"
#include "vl_dist.h"
#include "vl_error.h"
#include "vl_time.h"

/* Size of the buffers holding `what` paths. */
#define SCN_PATH_MAX 192

struct vl_workload_type;

/* --- scalars.c: typed access to nodes ------------------------------------ */

/* snprintf for `what` paths (truncation is acceptable there). */
void scn_pathf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Error at node n: "<what>: <message>". */
int scn_fail(vl_error *err, const yt_node *n, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Describes a node for "got ..." messages: "'abc'", "an empty value",
 * "a sequence", ... (buf of at least 64 bytes). */
const char *scn_got(const yt_node *n, char *buf, size_t len);

/* n must be of `kind`. */
int scn_expect(const yt_node *n, yt_kind kind, const char *what, vl_error *err);
/* Every key of `map` must be in the NULL-terminated `valid`. */
int scn_check_keys(const yt_node *map, const char *const *valid, const char *what,
                   vl_error *err);
/* "valid keys: a, b, c" style list of a NULL-terminated array into buf. */
void scn_join(const char *const *names, char *buf, size_t len);
/* The value under a required key; error at the mapping when missing. */
int scn_require(const yt_node *map, const char *key, const char *what, yt_node **out,
                vl_error *err);

int scn_get_int(const yt_node *n, const char *what, int64_t min, int64_t max,
                int64_t *out, vl_error *err);
int scn_get_u64(const yt_node *n, const char *what, uint64_t *out, vl_error *err);
int scn_get_double(const yt_node *n, const char *what, double min, double max,
                   double *out, vl_error *err);
int scn_get_bool(const yt_node *n, const char *what, bool *out, vl_error *err);
/* A duration with a unit (or a bare 0), in [min, max]. */
int scn_get_duration(const yt_node *n, const char *what, vl_ns min, vl_ns max,
                     vl_ns *out, vl_error *err);
/* A duration with a unit (or a bare 0) without range check. */
int scn_parse_duration(const yt_node *n, const char *what, vl_ns *out, vl_error *err);
/* One of the NULL-terminated `choices`, its index into *out. */
int scn_get_choice(const yt_node *n, const char *what, const char *const *choices, int *out,
                   vl_error *err);
/* Convenience for int fields: scn_get_int into an int. */
int scn_get_int32(const yt_node *n, const char *what, int min, int max, int *out,
                  vl_error *err);

/* --- names.c ------------------------------------------------------------- */

/* A name: [A-Za-z0-9_.-]+, shorter than VL_NAME_MAX. */
int scn_get_name(const yt_node *n, const char *what, char out[VL_NAME_MAX], vl_error *err);
/* A name made of any string: characters outside [A-Za-z0-9_.-] become
 * '_', cut to VL_NAME_MAX - 1 characters ("_" for an empty string). */
void scn_name_from(const char *s, char out[VL_NAME_MAX]);
/* The name of element idx of a `workloads` sequence: its `name:` if it has
 * a scalar one, else "<type>" when no other unnamed element has the same
 * type, else "<type>#k" (k = 0-based ordinal among the unnamed elements of
 * that type).  Used by the loader and by --set paths. */
void scn_workload_name(const yt_node *seq, size_t idx, char *buf, size_t len);
/* A set of names, each added once with its index, to find a repeated name
 * in O(1) (the VMs of a scenario: up to VL_MAX_VMS). */
typedef struct scn_name_set {
    size_t mask;       /* capacity - 1 (a power of two)       */
    const char **name; /* NULL: empty slot; names must outlive the set */
    int *idx;
} scn_name_set;
int scn_name_set_init(scn_name_set *set, size_t n, vl_error *err);
/* Adds name with its index; returns -1 when it is new, else the index it
 * was first added with. */
int scn_name_set_add(scn_name_set *set, const char *name, int idx);
void scn_name_set_free(scn_name_set *set);

/* --- cpulist.c ----------------------------------------------------------- */

/* An affinity: "0-3,8" or a sequence of ints; each id < pcpus. */
int scn_get_cpuset(const yt_node *n, const char *what, int pcpus, vl_cpuset *out,
                   vl_error *err);
/* A list of a VM's vCPU indices, "1", "2-3", "0,2" (a scalar: a mapping
 * key); each index < nvcpus.  Sets of at most VL_MAX_PCPUS ids. */
int scn_get_vcpu_list(const yt_node *n, const char *what, int nvcpus, vl_cpuset *out,
                      vl_error *err);

/* --- params.c ------------------------------------------------------------ */

/* Checks that every entry of `table` fits in a struct of `size` bytes (a
 * bug in the table, reported at node `at` as an internal error naming
 * `owner`). */
int scn_params_check_table(const vl_param *table, size_t size, const char *owner,
                           const yt_node *at, vl_error *err);
/* Writes the value of every key of `map` into blob, except keys listed in
 * the NULL-terminated `skip` (may be NULL).  Unknown keys are errors.
 * `owner` names the table's owner in messages ("policy 'credit'"). */
int scn_params_apply(const vl_param *table, const yt_node *map, const char *const *skip,
                     void *blob, const char *what, const char *owner, vl_error *err);
/* Frees blob and what its DIST parameters own (an empirical distribution's
 * points); blob may be NULL. */
void scn_params_free(const vl_param *table, void *blob);

/* --- dist.c -------------------------------------------------------------- */

/* A distribution of durations (vl_dist in ns): a bare duration or a
 * {dist: kind, ...} mapping.  Location fields (not sd, shape, cdf) must lie
 * in [min, max] when min < max. */
int scn_get_dist(const yt_node *n, const char *what, double min, double max, vl_dist *out,
                 vl_error *err);
/* Frees the points scn_get_dist allocated for d (empirical), if any. */
void scn_dist_free(vl_dist *d);

/* --- program.c ----------------------------------------------------------- */

struct vl_prog_spec;
/* The task groups of a `program` workload (workload/program_spec.h), into
 * a new spec that belongs to the caller (scn_program_free). */
int scn_get_program(const yt_node *n, const char *what, struct vl_prog_spec **out,
                    vl_error *err);
/* Frees s and the distributions it owns; s may be NULL. */
void scn_program_free(struct vl_prog_spec *s);

/* --- overrides.c --------------------------------------------------------- */

/* Applies "path=value" overrides to the tree (*root may be NULL for an
 * empty document; a mapping is then created). */
int scn_overrides_apply(yt_node **root, const char *const *sets, int nsets, vl_error *err);

/* --- vms.c --------------------------------------------------------------- */

/* Converts the `vms` sequence; host must already be filled. */
int scn_load_vms(const yt_node *seq, vl_scenario *s, vl_error *err);
/* Frees vm's workloads and their parameters. */
void scn_free_workloads(vl_vm_spec *vm);

/* --- policies.c ---------------------------------------------------------- */

/* A registered policy by name; the error lists the registered ones. */
int scn_get_policy(const yt_node *n, const char *what, const vl_sched_ops **out,
                   vl_error *err);
/* Converts a `params:` mapping (policy name -> mapping) into entries;
 * vm = false: host tables (ops->params, priv_size); true: one VM's
 * (ops->vm_params, vm_size, and ops->vcpu_params, vcpu_size, for each of
 * its `nvcpus` vCPUs, with the overrides under `vcpus:`). */
int scn_load_policy_params(const yt_node *map, const char *what, bool vm, int nvcpus,
                           vl_policy_params **out, int *nout, vl_error *err);

#endif
