/* sim/tag.c - names of the event-source kinds, and the allocation audit. */
#include "sim/tag.h"

#include <stdlib.h>

static const char *const kind_names[VL_TAG_KINDS] = {
    [VL_TAG_RUN] = "run",
    [VL_TAG_WATCHDOG] = "watchdog",
    [VL_TAG_SCHED_TIMER] = "sched-timer",
    [VL_TAG_PCPU] = "pcpu",
    [VL_TAG_VCPU_PLE] = "vcpu-ple",
    [VL_TAG_VCPU_IPI] = "vcpu-ipi",
    [VL_TAG_BACKEND] = "backend",
    [VL_TAG_GUEST_SEGMENT] = "guest-segment",
    [VL_TAG_TASK_TIMER] = "task-timer",
    [VL_TAG_NET_SOFTIRQ] = "net-softirq",
    [VL_TAG_LOCK_HANDOFF] = "lock-handoff",
    [VL_TAG_TCP_SENDER] = "tcp-sender",
    [VL_TAG_UDP_SENDER] = "udp-sender",
    [VL_TAG_PING] = "ping",
    [VL_TAG_CLIENT] = "client",
};

const char *vl_tag_kind_name(vl_tag_kind kind)
{
    return (unsigned)kind < VL_TAG_KINDS ? kind_names[kind] : NULL;
}

void vl_tag_audit_record(vl_tag_audit *a, const vl_event *ev)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 256;
        vl_tag_record *rec = realloc(a->rec, cap * sizeof *rec);
        if (!rec) {
            a->failed = 1;
            return;
        }
        a->rec = rec;
        a->cap = cap;
    }
    a->rec[a->n++] = (vl_tag_record){ev, ((uint64_t)vl_event_cls(ev) << 32) | ev->tag};
}

static int by_key(const void *x, const void *y)
{
    const vl_tag_record *a = x, *b = y;
    return (a->key > b->key) - (a->key < b->key);
}

size_t vl_tag_audit_duplicates(vl_tag_audit *a)
{
    size_t dup = 0;
    qsort(a->rec, a->n, sizeof *a->rec, by_key);
    for (size_t i = 1; i < a->n; i++)
        dup += a->rec[i].key == a->rec[i - 1].key && a->rec[i].ev != a->rec[i - 1].ev;
    return dup;
}

void vl_tag_audit_fini(vl_tag_audit *a)
{
    free(a->rec);
    *a = (vl_tag_audit){0};
}
