/* guest/ipi.c - sending IPIs and their latency measure (guest/ipi.h). */
#include "guest/ipi.h"

#include <assert.h>

#include "hv/guest_port.h"

int vl_guest_vector_slot(vl_guest *g, int vector)
{
    vl_gvectors *t = &g->vectors;
    if (!t->slot[vector]) {
        /* invariant: the model uses fewer vectors than there are slots */
        assert(t->n < VL_GUEST_VECTORS);
        t->slot[vector] = (uint8_t)++t->n;
    }
    return t->slot[vector] - 1;
}

void vl_ipi_send(vl_guest *g, int from, const int *to, int n, int vector, int kind, vl_ns now)
{
    g->vectors.ipis[vl_guest_vector_slot(g, vector)] += (uint64_t)n;
    for (int i = 0; i < n; i++)
        if (g->vcpus[to[i]].ipi_sent_at[kind] < 0)
            g->vcpus[to[i]].ipi_sent_at[kind] = now;
    for (int i = 0; g->observer.ipi && i < n; i++)
        g->observer.ipi(g->observer.ctx, g, from, to[i], vector, now);
    vl_hv_send_ipi(g->hv, g->vm, from, to, n, vector);
}

void vl_ipi_handled(vl_guest *g, int v, int kind, vl_ns now)
{
    vl_ns *at = &g->vcpus[v].ipi_sent_at[kind];
    if (*at >= 0) {
        vl_hist_record(&g->ipi_latency[kind], now - *at);
        *at = -1;
    }
}
