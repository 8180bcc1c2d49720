/* sched/quest_admit.c - binding Quest VCPUs to pCPUs and the admission
 * test.  Quest binds every VCPU to one physical CPU and schedules each
 * pCPU's VCPUs on their own (vcpu_init distributes them round-robin);
 * here the binding is a first-fit partitioning at init, so that the
 * rate-monotonic bound can hold on each pCPU:
 *   - Main VCPUs (guest vCPUs), in vCPU order, go to the first pCPU of
 *     their affinity where the Main VCPUs' sum of C/T stays within the
 *     Liu-Layland bound n(2^(1/n) - 1) with them added; where none has
 *     room, to the least loaded pCPU of their affinity;
 *   - I/O VCPUs (the host's backends), after them, to the pCPU of their
 *     affinity with the least utilisation (Main C/T plus I/O U).
 * Admission: a pCPU whose Main VCPUs' sum of C/T exceeds the bound for
 * their number refuses the run (admission: enforce), is reported on
 * standard error (warn) or is accepted (off).  It writes each vCPU's
 * `home` and the pCPUs' loads, nothing else. */
#include <math.h>
#include <stdio.h>

#include "quest_priv.h"
#include "vl_bitmap.h"

/* Liu and Layland's utilisation bound for n tasks under rate-monotonic
 * priorities (1 for n = 1, towards ln 2). */
double quest_ll_bound(int n)
{
    return n > 0 ? n * (pow(2.0, 1.0 / n) - 1.0) : 1.0;
}

static double util_of(const quest_vcpu *q)
{
    return (double)q->budget / (double)q->period;
}

static quest_pcpu *qp(vl_sched *s, int id) { return vl_pcpu_priv(vl_pcpu_get(s, id)); }

/* Slack for rounding in sums of C/T: a set exactly at the bound fits. */
#define QUEST_UTIL_EPS 1e-9

static int place_main(vl_sched *s, vl_vcpu *v)
{
    const uint64_t *aff = vl_vcpu_affinity_mask(v);
    int n = vl_npcpus(s), least = -1;
    double u = util_of(quest_v(v));
    for (int c = vl_bit_next(aff, 0, n); c >= 0; c = vl_bit_next(aff, c + 1, n)) {
        quest_pcpu *p = qp(s, c);
        if (p->main_util + u <= quest_ll_bound(p->nmain + 1) + QUEST_UTIL_EPS)
            return c;
        if (least < 0 || p->main_util < qp(s, least)->main_util)
            least = c;
    }
    return least;
}

static int place_io(vl_sched *s, vl_vcpu *v)
{
    const uint64_t *aff = vl_vcpu_affinity_mask(v);
    int n = vl_npcpus(s), least = -1;
    double load = 0;
    for (int c = vl_bit_next(aff, 0, n); c >= 0; c = vl_bit_next(aff, c + 1, n)) {
        quest_pcpu *p = qp(s, c);
        if (least < 0 || p->main_util + p->io_util < load) {
            least = c;
            load = p->main_util + p->io_util;
        }
    }
    return least;
}

#define QUEST_OVER_BOUND                                                              \
    "admission: the Main VCPUs bound to pCPU %d have a utilisation of %.4f, above the " \
    "rate-monotonic bound %.4f for %d of them"

/* The VM of the Main VCPU bound to pCPU c last (the one that did not fit). */
static vl_vm *last_bound_to(vl_sched *s, int c)
{
    for (int i = vl_nvcpus_total(s) - 1; i >= 0; i--) {
        vl_vcpu *v = vl_vcpu_get(s, i);
        if (!vl_vm_is_host(vl_vcpu_vm(v)) && quest_v(v)->home == c)
            return vl_vcpu_vm(v);
    }
    return NULL;
}

/* Refuses (enforce) or reports (warn) every pCPU over the bound; a refusal
 * names the VM of the Main VCPU that did not fit. */
static int admit(vl_sched *s)
{
    const quest_priv *prv = quest_p(s);
    for (int c = 0; c < vl_npcpus(s); c++) {
        const quest_pcpu *p = qp(s, c);
        double bound = quest_ll_bound(p->nmain);
        if (p->nmain == 0 || p->main_util <= bound + QUEST_UTIL_EPS)
            continue;
        if (prv->admission == QUEST_ADMIT_ENFORCE)
            return vl_sched_refuse(s, last_bound_to(s, c),
                                   QUEST_OVER_BOUND " (params.quest.admission: warn or off runs "
                                   "it anyway)", c, p->main_util, bound, p->nmain);
        fprintf(stderr, "quest: warning: " QUEST_OVER_BOUND, c, p->main_util, bound, p->nmain);
        fputc('\n', stderr);
    }
    return 0;
}

int quest_partition(vl_sched *s)
{
    int nv = vl_nvcpus_total(s);
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < nv; i++) {
            vl_vcpu *v = vl_vcpu_get(s, i);
            bool io = vl_vm_is_host(vl_vcpu_vm(v));
            if (io != (pass == 1))
                continue;
            quest_vcpu *q = quest_v(v);
            q->home = io ? place_io(s, v) : place_main(s, v);
            quest_pcpu *p = qp(s, q->home);
            if (io) {
                p->io_util += q->U;
            } else {
                p->main_util += util_of(q);
                p->nmain++;
            }
        }
    }
    return quest_p(s)->admission == QUEST_ADMIT_OFF ? 0 : admit(s);
}
