/* testkit.h - helpers for tests that run whole models. */
#ifndef VL_TESTKIT_H
#define VL_TESTKIT_H

#include <stdio.h>

#include "model/model.h"
#include "report/report.h"

/* Loads a scenario from a YAML string; fails the test (with the loader's
 * message) if it does not load. */
void tk_load(vl_scenario *scn, const char *yaml);
/* Creates and runs a model; returns the vl_model_run status and leaves the
 * error in *err (may be NULL).  The model must be destroyed by the caller. */
int tk_run(vl_model *m, const vl_scenario *scn, const vl_sched_ops *ops, uint64_t seed,
           vl_error *err);
/* CPU time (running) of VM d over the measurement window. */
vl_ns tk_vm_cpu(const vl_model *m, int d);
/* The run's JSON report in a malloc'd string. */
char *tk_json(const vl_model *m, size_t *len);

#endif
