/* model/model.h - one simulation: a scenario instantiated for one policy and
 * one seed (hypervisor core + a guest per VM + the workloads' tasks), run
 * to its end, with the measurement window starting after the warm-up.
 * No globals: two models can live in one process. */
#ifndef VL_MODEL_H
#define VL_MODEL_H

#include "guest/guest.h"
#include "guest/kernel.h"
#include "hv/hv.h"
#include "vcpulab/scenario.h"
#include "workload/workload.h"

typedef struct vl_model_opts {
    vl_fel_kind fel;       /* event-list implementation (0: the default)   */
    bool no_fold;          /* run every exit cycle as events (hv/fold.h)  */
    uint64_t max_events;   /* 0 = no budget                                 */
    vl_hv_observer observer; /* e.g. a trace writer; must not change the run */
    vl_tag_audit *tag_audit; /* tests: records every event source (sim/tag.h) */
    size_t mem_budget;     /* bytes the build may add to the process's
                            * resident memory; 0 = 90% of what the machine
                            * has available (vl_mem_available) */
} vl_model_opts;

typedef struct vl_model {
    const vl_scenario *scn;
    const vl_sched_ops *ops;
    uint64_t seed;
    vl_ns duration, warmup;
    vl_hv hv;
    vl_ksyms ksyms;        /* the guest kernel's System.map           */
    vl_kernel_image kernel; /* the activities placed in it (every guest's) */
    vl_guest **guests;
    vl_workload *workloads;
    int nworkloads;
    vl_event end_ev, warmup_ev;
    /* accounting at the start of the measurement window */
    vl_ns *vcpu_base;      /* nvcpus x VL_NR_RUNSTATES */
    vl_ns *pcpu_base;      /* npcpus x 3: busy, idle, overhead */
    uint64_t *pcpu_switch_base;
    int64_t *counter_base;
    vl_ns window_start;
    uint64_t max_events;
    char *policy_state;    /* after a failed run: the policy's dump, or NULL */
    bool started;          /* vl_model_start has run                  */
    bool refused;          /* ... and the policy refused a VM's configuration
                            * (vl_sched_refuse): an input error, reported at
                            * the VM's entry in the scenario */
} vl_model;

/* Builds the model; `seed` and `duration` override the scenario's when
 * non-zero.  Returns 0 or -1 with err. */
int vl_model_create(vl_model *m, const vl_scenario *scn, const vl_sched_ops *ops, uint64_t seed,
                    vl_ns duration, const vl_model_opts *opts, vl_error *err);
/* Starts the policy (its init and vcpu_insert hooks, the vCPUs' first
 * wake-ups) without running the simulation: its parameters are then those
 * in force for the run (init may adjust them), which is what a report's
 * configuration shows before any run (a sweep's CSV).  Returns 0, or -1
 * with err when the policy refused to start.  Called by vl_model_run when
 * it was not called before. */
int vl_model_start(vl_model *m, vl_error *err);
/* Runs to the end.  Returns 0; -1 with err when the core stopped the policy
 * (err->msg names the policy, the hook and the time; policy_state then
 * holds the policy's dump, if it has one) or the event budget ran out. */
int vl_model_run(vl_model *m, vl_error *err);
void vl_model_destroy(vl_model *m);

/* Measured (post-warm-up) figures. */
vl_ns vl_model_window(const vl_model *m);
/* The guest of VM d, or NULL for the host VM (its vCPUs are backends). */
const vl_guest *vl_model_guest(const vl_model *m, int d);
vl_ns vl_model_vcpu_time(const vl_model *m, int vcpu, vl_runstate st);
vl_ns vl_model_pcpu_busy(const vl_model *m, int pcpu);
vl_ns vl_model_pcpu_idle(const vl_model *m, int pcpu);
vl_ns vl_model_pcpu_overhead(const vl_model *m, int pcpu);
uint64_t vl_model_pcpu_switches(const vl_model *m, int pcpu);
int64_t vl_model_counter(const vl_model *m, int counter);

#endif
