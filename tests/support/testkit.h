/* testkit.h - helpers for tests that run whole models. */
#ifndef VL_TESTKIT_H
#define VL_TESTKIT_H

#include <stdio.h>

#include "model/model.h"
#include "report/report.h"

/* Which tests of a program run, from its arguments: none given, all;
 * "PATTERN", those whose names match (a cmocka pattern: `*` and `?`);
 * "!PATTERN", all the others.  So ctest and scripts/test.sh can run the
 * parts of a long program apart (in parallel, or not under every build). */
void tk_select(int argc, char **argv);
/* Loads a scenario from a YAML string; fails the test (with the loader's
 * message) if it does not load. */
void tk_load(vl_scenario *scn, const char *yaml);
/* Creates and runs a model; returns the vl_model_run status and leaves the
 * error in *err (may be NULL).  The model must be destroyed by the caller. */
int tk_run(vl_model *m, const vl_scenario *scn, const vl_sched_ops *ops, uint64_t seed,
           vl_error *err);
/* A scenario and the model built from it. */
typedef struct tk_sim {
    vl_scenario scn;
    vl_model m;
} tk_sim;

/* Loads "scheduler: <policy>" followed by `yaml` and builds the model
 * under that policy (not run yet: observers may attach); fails the test
 * if either step fails. */
void tk_open(tk_sim *t, const char *policy, const char *yaml);
void tk_close(tk_sim *t);

/* Runs a created model to its end; fails the test with the core's
 * message if the run stops early. */
void tk_go(vl_model *m);
/* Index of the policy counter `name`; fails the test if there is none. */
int tk_counter_index(const vl_model *m, const char *name);
/* A policy counter over the measurement window. */
int64_t tk_counter(const vl_model *m, const char *name);
/* CPU time (running) of VM d over the measurement window. */
vl_ns tk_vm_cpu(const vl_model *m, int d);
/* vCPU v did not run in the measurement window although it was online
 * for some of it (a vCPU ballooned for all of it has no claim to run). */
bool tk_vcpu_never_ran(const vl_model *m, int v);
/* Preemptions seen at the switches of a model: the shortest run of a
 * vCPU that was preempted (descheduled while still runnable) and how many
 * there were; vCPU ids below TK_PROBE_VCPUS only. */
#define TK_PROBE_VCPUS 64
typedef struct tk_preempt_probe {
    vl_ns in[TK_PROBE_VCPUS]; /* when each vCPU was switched in */
    vl_ns min_preempted_run;
    long preemptions;
} tk_preempt_probe;
/* Clears *pr and makes it the model's switch observer. */
void tk_watch_preemptions(vl_model *m, tk_preempt_probe *pr);
/* The run's JSON report in a malloc'd string. */
char *tk_json(const vl_model *m, size_t *len);
/* Runs `policy` on the scenario text to its end: the JSON report (malloc'd)
 * and, if `counter` is not NULL, that policy counter's value in *value. */
char *tk_run_json(const char *policy, const char *yaml, const char *counter, int64_t *value);

#endif
