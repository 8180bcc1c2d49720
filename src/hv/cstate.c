/* hv/cstate.c - idle states of the host's pCPUs (hv/cstate.h). */
#include "hv/cstate.h"

/* One processor idle state: intel_idle's (Linux drivers/idle/intel_idle.c)
 * and Xen's mwait-idle (xen/arch/x86/cpu/mwait-idle.c) tables, in µs. */
typedef struct cstate {
    vl_ns exit_latency, target_residency;
} cstate;

/* nehalem_cstates: C1, C1E, C3, C6 of Nehalem and Westmere (Xeon 5500 and
 * 5600, the E5645 of the micro-sliced cores testbed). */
static const cstate nehalem[] = {
    {VL_US(3), VL_US(6)}, {VL_US(10), VL_US(20)}, {VL_US(20), VL_US(80)},
    {VL_US(200), VL_US(800)},
};

const char *const vl_cstates_names[] = {
    [VL_CSTATES_NONE] = "none", [VL_CSTATES_NEHALEM] = "nehalem", NULL,
};

static const struct {
    const cstate *states;
    int n;
} tables[] = {
    [VL_CSTATES_NONE] = {NULL, 0},
    [VL_CSTATES_NEHALEM] = {nehalem, 4},
};

/* The idle time menu would predict for p at now. */
static vl_ns predict(const vl_pcpu *p, vl_ns now)
{
    vl_ns guess = VL_NS_MAX;
    if (p->idle_n > 0) {
        vl_ns sum = 0;
        for (int i = 0; i < p->idle_n; i++)
            sum += p->idle_hist[i];
        guess = sum / p->idle_n;
    }
    for (int t = 0; t < VL_TIMER_SLOTS; t++) { /* the next timer bounds it */
        const vl_event *ev = &p->timer_ev[t];
        if (vl_event_pending(ev) && vl_event_due(ev) - now < guess)
            guess = vl_event_due(ev) - now;
    }
    return guess;
}

void vl_cstate_enter(vl_pcpu *p, vl_ns now)
{
    const cstate *s = tables[p->hv->cstates].states;
    int n = tables[p->hv->cstates].n;
    p->cstate = -1;
    if (n == 0)
        return;
    vl_ns guess = predict(p, now);
    p->cstate = 0; /* the shallowest state, at least (menu never polls here) */
    for (int i = n - 1; i > 0; i--) {
        if (s[i].target_residency <= guess) {
            p->cstate = (int8_t)i;
            break;
        }
    }
}

void vl_cstate_leave(vl_pcpu *p, vl_ns now)
{
    if (tables[p->hv->cstates].n == 0)
        return;
    p->idle_hist[p->idle_next] = now - p->since;
    p->idle_next = (uint8_t)((p->idle_next + 1) % VL_CSTATE_HISTORY);
    if (p->idle_n < VL_CSTATE_HISTORY)
        p->idle_n++;
}

vl_ns vl_cstate_wake(vl_pcpu *p)
{
    if (p->curr || p->cstate < 0)
        return 0;
    vl_ns lat = tables[p->hv->cstates].states[p->cstate].exit_latency;
    p->cstate = -1; /* woken: a second wake-up before it reschedules pays nothing */
    p->cstate_exit_ns += lat;
    p->cstate_wakeups++;
    return lat;
}
