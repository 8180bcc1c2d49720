/* sched/quest_priv.h - state shared by the files of the quest policy:
 * quest.c (parameters, hooks, the rate-monotonic pick), quest_ss.c (the
 * sporadic-server replenishment list of a Main VCPU), quest_pibs.c (the
 * PIBS I/O VCPU) and quest_admit.c (partitioning and admission).  Facts
 * and sources: docs/policies/quest.md. */
#ifndef VL_SCHED_QUEST_PRIV_H
#define VL_SCHED_QUEST_PRIV_H

#include "vcpulab/sched.h"
#include "vl_list.h"

#define QUEST_MAX_REPL 32 /* Quest MAX_REPL (kernel/include/sched/vcpu.h) */

/* What a vCPU is to the policy. */
typedef enum quest_kind {
    QUEST_MAIN = 0, /* a guest vCPU: sporadic server (C, T)                   */
    QUEST_IO_PIBS,  /* a host backend: priority-inheritance bandwidth-preserving */
    QUEST_IO_SS,    /* a host backend under io_server: sporadic               */
} quest_kind;

enum { QUEST_ADMIT_ENFORCE = 0, QUEST_ADMIT_WARN, QUEST_ADMIT_OFF };
enum { QUEST_IO_SERVER_PIBS = 0, QUEST_IO_SERVER_SPORADIC };

enum {
    QC_DECISIONS,
    QC_REPLENISH,
    QC_SPLIT,
    QC_FULL_MERGE,
    QC_PIBS_REPLENISH,
    QC_INHERIT,
    QC_BACKGROUND,
};

/* One pending replenishment: `b` of budget at time `t`. */
typedef struct quest_repl {
    vl_ns t, b;
} quest_repl;

/* A sporadic server's replenishment list (Main VCPUs, and I/O VCPUs under
 * io_server: sporadic).  Invariants: q[0..size) sorted by t; the amounts
 * sum to the server's C; 1 <= size <= QUEST_MAX_REPL. */
typedef struct quest_ss {
    quest_repl q[QUEST_MAX_REPL];
    int size;
    vl_ns usage; /* run since the head's budget was last charged */
} quest_ss;

/* A PIBS I/O VCPU: eligibility time e, one pending replenishment r. */
typedef struct quest_pibs {
    vl_ns e;
    vl_ns r_t, r_b;
    bool r_pending;
    bool budgeted; /* unblocked and not blocked since */
    vl_ns usage;   /* run since e last advanced */
} quest_pibs;

typedef struct quest_priv {
    /* host parameters */
    int admission;
    bool background;
    int io_server;
    double io_utilisation;
    vl_ns io_period;
    vl_ns quantum;
} quest_priv;

typedef struct quest_pcpu {
    vl_list queue;    /* runnable vCPUs homed here, not running, in wake order */
    double main_util; /* sum of C/T of the Main VCPUs homed here */
    int nmain;
    double io_util;   /* sum of U of the I/O VCPUs homed here */
} quest_pcpu;

typedef struct quest_vcpu {
    /* per-vCPU parameters (guest vCPUs) */
    vl_ns budget, period;
    /* state */
    vl_vcpu *v;
    quest_kind kind;
    int home;         /* the pCPU it is bound to (quest_admit.c) */
    vl_ns C, T;       /* server budget; period = rate-monotonic priority (a
                       * PIBS inherits T) */
    vl_ns b;          /* budget available now */
    double U;         /* I/O VCPUs: utilisation (the served VM's, else the host's) */
    int64_t u_ppm;    /* U in parts per million, at least 1 */
    vl_ns last_start; /* when its current slice began */
    bool in_background; /* its current slice runs without budget */
    vl_list link;     /* on its pCPU's queue */
    quest_ss ss;
    quest_pibs pibs;
} quest_vcpu;

typedef struct quest_vm {
    double io_utilisation;  /* parameter: U of its I/O VCPUs, 0 the host's */
    quest_vcpu *backend[2]; /* by vl_io_device: the host vCPU serving that
                             * device of this VM (the same one for both
                             * when its backend is shared) */
} quest_vm;

static inline quest_priv *quest_p(vl_sched *s) { return vl_sched_priv(s); }
static inline quest_vcpu *quest_v(vl_vcpu *v) { return vl_vcpu_priv(v); }

/* quest_ss.c */
void quest_ss_init(quest_ss *ss, vl_ns C, vl_ns now);
vl_ns quest_ss_capacity(const quest_ss *ss, vl_ns now);
void quest_ss_end_slice(vl_sched *s, quest_vcpu *q, vl_ns ran, bool blocked, vl_ns now);
void quest_ss_unblock(quest_vcpu *q, vl_ns now);
vl_ns quest_ss_next_event(const quest_ss *ss, vl_ns now);

/* quest_pibs.c */
vl_ns quest_pibs_cmax(const quest_vcpu *q, vl_ns T);
void quest_pibs_init(quest_vcpu *q);
void quest_pibs_refresh(vl_sched *s, quest_vcpu *q, vl_ns now);
void quest_pibs_end_slice(quest_vcpu *q, vl_ns ran, bool blocked);
void quest_pibs_unblock(quest_vcpu *q, vl_ns now);

/* quest_admit.c */
double quest_ll_bound(int n);
int quest_partition(vl_sched *s);

#endif
