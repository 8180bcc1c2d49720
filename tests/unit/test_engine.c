/* test_engine.c - the event engine: total order, cancel / re-arm, stop
 * conditions, digest, agreement of every event list with the binary heap
 * on long random operation sequences (with 10^5 events pending: equal
 * times, cancels, earlier and later re-arms), and the radix heap's own duties
 * (slot width re-estimation, lazy removal, a pop that finds only removed
 * events, times up to VL_NS_MAX). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/engine.h"
#include "vl_rng.h"

/* Every event list; the first is the reference of the others. */
static const vl_fel_kind kinds[] = {VL_FEL_HEAP, VL_FEL_RADIX, VL_FEL_HEAP4};
#define NKINDS (int)(sizeof kinds / sizeof kinds[0])

typedef struct rec {
    uint32_t fired[4096];
    vl_ns at[4096];
    int n;
} rec;

typedef struct tev {
    vl_event ev;
    rec *r;
    uint32_t id;
} tev;

static void on_fire(void *ctx, vl_event *ev)
{
    tev *t = ctx;
    (void)ev;
    t->r->fired[t->r->n] = t->id;
    t->r->at[t->r->n++] = ev->time;
}

static void test_total_order(void **state)
{
    (void)state;
    for (int k = 0; k < NKINDS; k++) {
        vl_sim s;
        rec r = {0};
        assert_int_equal(vl_sim_init(&s, kinds[k]), 0);
        tev e[6];
        /* same time, different classes; same class, armed in order */
        vl_event_class cls[6] = {VL_EVC_SCHED, VL_EVC_DEVICE, VL_EVC_HV, VL_EVC_DEVICE,
                                 VL_EVC_DEVICE, VL_EVC_GUEST};
        vl_ns when[6] = {100, 100, 100, 100, 50, 100};
        for (int i = 0; i < 6; i++) {
            e[i].r = &r;
            e[i].id = (uint32_t)i;
            vl_event_init(&e[i].ev, on_fire, &e[i], cls[i], (uint32_t)i);
            vl_sim_schedule(&s, &e[i].ev, when[i]);
        }
        assert_int_equal(vl_sim_run(&s, 0), VL_STOP_EMPTY);
        uint32_t expect[6] = {4, 1, 3, 5, 2, 0};
        assert_int_equal(r.n, 6);
        for (int i = 0; i < 6; i++)
            assert_int_equal(r.fired[i], expect[i]);
        assert_int_equal(s.now, 100);
        vl_sim_fini(&s);
    }
}

static void test_cancel_and_rearm(void **state)
{
    (void)state;
    for (int k = 0; k < NKINDS; k++) {
        vl_sim s;
        rec r = {0};
        vl_sim_init(&s, kinds[k]);
        tev a = {.r = &r, .id = 1}, b = {.r = &r, .id = 2}, c = {.r = &r, .id = 3};
        vl_event_init(&a.ev, on_fire, &a, VL_EVC_HV, 1);
        vl_event_init(&b.ev, on_fire, &b, VL_EVC_HV, 2);
        vl_event_init(&c.ev, on_fire, &c, VL_EVC_HV, 3);
        vl_sim_schedule(&s, &a.ev, 10);
        vl_sim_schedule(&s, &b.ev, 20);
        vl_sim_schedule(&s, &c.ev, 30);
        vl_sim_cancel(&s, &b.ev);
        assert_false(vl_event_pending(&b.ev));
        vl_sim_cancel(&s, &b.ev); /* cancelling twice is harmless */
        vl_sim_schedule(&s, &a.ev, 40); /* re-arm later */
        vl_sim_run(&s, 0);
        assert_int_equal(r.n, 2);
        assert_int_equal(r.fired[0], 3);
        assert_int_equal(r.fired[1], 1);
        assert_int_equal(r.at[1], 40);
        vl_sim_fini(&s);
    }
}

typedef struct stopper {
    vl_event ev;
    vl_sim *s;
    int count;
} stopper;

static void on_periodic(void *ctx, vl_event *ev)
{
    stopper *st = ctx;
    st->count++;
    vl_sim_schedule(st->s, ev, st->s->now + 7);
}

static void on_stop(void *ctx, vl_event *ev)
{
    (void)ev;
    vl_sim_stop(ctx);
}

static void test_stop_conditions(void **state)
{
    (void)state;
    vl_sim s;
    vl_sim_init(&s, VL_FEL_DEFAULT);
    stopper p = {.s = &s};
    vl_event end;
    vl_event_init(&p.ev, on_periodic, &p, VL_EVC_HV, 1);
    vl_event_init(&end, on_stop, &s, VL_EVC_END, 2);
    vl_sim_schedule(&s, &p.ev, 0);
    vl_sim_schedule(&s, &end, 70);
    assert_int_equal(vl_sim_run(&s, 0), VL_STOP_REQUESTED);
    assert_int_equal(s.now, 70);
    assert_int_equal(p.count, 11); /* 0,7,...,70: HV class fires before END at 70 */
    /* the event budget stops a run that would go on forever */
    vl_sim_cancel(&s, &end);
    uint64_t before = s.events;
    assert_int_equal(vl_sim_run(&s, before + 5), VL_STOP_BUDGET);
    assert_int_equal(s.events, before + 5);
    vl_sim_fini(&s);
}

/* Random hold/cancel/re-arm sequence; returns the digest and fills order. */
#define NEV 3000
static uint64_t random_run(vl_fel_kind kind, uint64_t seed, int steps, rec *r)
{
    vl_sim s;
    vl_sim_init(&s, kind);
    static tev evs[NEV];
    vl_rng rng;
    vl_rng_init(&rng, seed, "fel");
    for (int i = 0; i < NEV; i++) {
        evs[i].r = r;
        evs[i].id = (uint32_t)i;
        vl_event_init(&evs[i].ev, on_fire, &evs[i], (vl_event_class)(i % 5), (uint32_t)i);
        vl_sim_schedule(&s, &evs[i].ev, (vl_ns)vl_rng_below(&rng, 1000000));
    }
    for (int step = 0; step < steps; step++) {
        r->n = 0;
        vl_sim_run(&s, s.events + 1);
        /* the fired event holds: re-arm at an exponential-ish distance, and
         * disturb a random other event (cancel or move) */
        uint32_t id = r->fired[0];
        uint64_t u = vl_rng_below(&rng, 100);
        vl_ns d = u < 10 ? 0 : (vl_ns)vl_rng_below(&rng, u < 90 ? 2000 : 5000000);
        vl_sim_schedule(&s, &evs[id].ev, s.now + d);
        uint32_t other = (uint32_t)vl_rng_below(&rng, NEV);
        if (vl_rng_below(&rng, 4) == 0)
            vl_sim_cancel(&s, &evs[other].ev);
        else
            vl_sim_schedule(&s, &evs[other].ev, s.now + (vl_ns)vl_rng_below(&rng, 100000));
    }
    uint64_t d = s.digest;
    vl_sim_fini(&s);
    return d;
}

static void test_lists_agree_with_heap(void **state)
{
    (void)state;
    rec *r = calloc(1, sizeof *r);
    for (uint64_t seed = 1; seed <= 4; seed++) {
        uint64_t ref = random_run(kinds[0], seed, 60000, r);
        for (int k = 1; k < NKINDS; k++)
            assert_true(random_run(kinds[k], seed, 60000, r) == ref);
    }
    free(r);
}

static void test_digest_sensitive(void **state)
{
    (void)state;
    rec *a = calloc(1, sizeof *a);
    uint64_t d1 = random_run(VL_FEL_DEFAULT, 7, 1000, a);
    uint64_t d2 = random_run(VL_FEL_DEFAULT, 7, 1000, a);
    uint64_t d3 = random_run(VL_FEL_DEFAULT, 8, 1000, a);
    assert_true(d1 == d2);
    assert_true(d1 != d3);
    free(a);
}

/* 10^5 events pending, times on a 1-us grid (many share an instant) over
 * spans of 0 to 200 ms; each event that fires is re-armed, and another one
 * is cancelled, armed earlier (re-filed) or later (postponed).  Every list
 * fires the reference heap's stream, each event after the last in (time,
 * order) (one class: the order is the arming order). */
#define NBIG 100000
typedef struct big_run {
    vl_sim s;
    vl_rng rng;
    vl_event ev[NBIG];
    vl_ns last_time;
    uint64_t last_order, cancels, earlier, later, ties;
} big_run;

static vl_ns big_when(big_run *b)
{
    static const vl_ns span[4] = {0, VL_US(20), VL_MS(2), VL_MS(200)};
    vl_ns grid = (b->s.now / VL_US(1) + 1) * VL_US(1);
    uint64_t u = vl_rng_below(&b->rng, 4);
    return u == 0 ? b->s.now : grid + VL_US(1) * (vl_ns)vl_rng_below(&b->rng, span[u] / VL_US(1));
}

static void on_big(void *ctx, vl_event *ev)
{
    big_run *b = ctx;
    if (b->s.events > 1) {
        assert_true(ev->time > b->last_time ||
                    (ev->time == b->last_time && ev->order > b->last_order));
        b->ties += ev->time == b->last_time;
    }
    b->last_time = ev->time;
    b->last_order = ev->order;
    vl_sim_schedule(&b->s, ev, big_when(b));
    vl_event *o = &b->ev[vl_rng_below(&b->rng, NBIG)];
    uint64_t u = vl_rng_below(&b->rng, 4);
    vl_ns due = vl_event_pending(o) ? vl_event_due(o) : 0;
    if (u == 0) {
        b->cancels += vl_event_pending(o);
        vl_sim_cancel(&b->s, o);
    } else if (due <= b->s.now) {
        vl_sim_schedule(&b->s, o, big_when(b));
    } else if (u == 1) {
        b->earlier++;
        vl_sim_schedule(&b->s, o, b->s.now + (vl_ns)vl_rng_below(&b->rng, (uint64_t)(due - b->s.now)));
    } else {
        b->later++;
        vl_sim_schedule(&b->s, o, due + VL_US(1) * (vl_ns)vl_rng_below(&b->rng, 1000));
    }
}

static void test_large_population(void **state)
{
    (void)state;
    big_run *b = malloc(sizeof *b);
    uint64_t ref = 0, ref_events = 0;
    for (int k = 0; k < NKINDS; k++) {
        vl_sim_init(&b->s, kinds[k]);
        vl_rng_init(&b->rng, 13, "large");
        b->last_time = 0;
        b->last_order = b->cancels = b->earlier = b->later = b->ties = 0;
        for (int i = 0; i < NBIG; i++) {
            vl_event_init(&b->ev[i], on_big, b, VL_EVC_DEVICE, (uint32_t)i);
            vl_sim_schedule(&b->s, &b->ev[i], big_when(b));
        }
        assert_int_equal(vl_sim_run(&b->s, 3 * NBIG), VL_STOP_BUDGET);
        assert_true(b->s.fel.size > NBIG / 2);
        assert_true(b->cancels > NBIG / 8 && b->earlier > NBIG / 8 && b->later > NBIG / 8);
        assert_true(b->ties > NBIG / 2);
        if (k == 0) {
            ref = b->s.digest;
            ref_events = b->s.events;
        }
        assert_true(b->s.digest == ref);
        assert_int_equal(b->s.events, ref_events);
        vl_sim_fini(&b->s);
    }
    free(b);
}

/* Re-arming a pending event later postpones it (it stays filed at its old
 * place): it still fires at its last armed time, after the events armed
 * for that time before it, and never counts as an event on the way. */
static void test_postponed_rearm(void **state)
{
    (void)state;
    for (int k = 0; k < NKINDS; k++) {
        vl_sim s;
        rec r = {0};
        vl_sim_init(&s, kinds[k]);
        tev a = {.r = &r, .id = 1}, b = {.r = &r, .id = 2}, c = {.r = &r, .id = 3};
        vl_event_init(&a.ev, on_fire, &a, VL_EVC_HV, 1);
        vl_event_init(&b.ev, on_fire, &b, VL_EVC_HV, 2);
        vl_event_init(&c.ev, on_fire, &c, VL_EVC_HV, 3);
        vl_sim_schedule(&s, &a.ev, 10);
        vl_sim_schedule(&s, &b.ev, 20);
        vl_sim_schedule(&s, &c.ev, 5);
        vl_sim_schedule(&s, &a.ev, 30); /* postponed twice ... */
        vl_sim_schedule(&s, &a.ev, 20); /* ... ends at 20, armed after b */
        assert_int_equal(vl_event_due(&a.ev), 20);
        vl_sim_schedule(&s, &c.ev, 25); /* postponed, then cancelled */
        vl_sim_cancel(&s, &c.ev);
        assert_false(vl_event_pending(&c.ev));
        vl_sim_schedule(&s, &c.ev, 7);
        vl_sim_schedule(&s, &c.ev, 7 + VL_S(5)); /* too late to postpone */
        assert_int_equal(vl_event_due(&c.ev), 7 + VL_S(5));
        vl_sim_run(&s, 0);
        assert_int_equal(r.n, 3);
        assert_int_equal(r.fired[0], 2);
        assert_int_equal(r.fired[1], 1);
        assert_int_equal(r.at[1], 20);
        assert_int_equal(r.fired[2], 3);
        assert_int_equal(r.at[2], 7 + VL_S(5));
        assert_int_equal(s.events, 3);
        vl_sim_fini(&s);
    }
}

/* Random arming, re-arming (earlier and later) and cancelling: every event
 * that fires is due at its last armed time and precedes everything still
 * pending in (due time, class, arming order). */
#define NPOST 400
typedef struct post_ctx {
    vl_sim *s;
    vl_event ev[NPOST];
    vl_ns armed[NPOST];
    int fired;
} post_ctx;

static void on_post_fire(void *ctx, vl_event *ev)
{
    post_ctx *c = ctx;
    int id = (int)ev->tag;
    assert_int_equal(ev->time, c->armed[id]);
    for (int i = 0; i < NPOST; i++) {
        const vl_event *o = &c->ev[i];
        if (i == id || !vl_event_pending(o))
            continue;
        assert_true(vl_event_due(o) > ev->time ||
                    (vl_event_due(o) == ev->time && vl_event_due_order(o) > ev->order));
    }
    c->fired++;
}

static void test_postponed_order_random(void **state)
{
    (void)state;
    for (int k = 0; k < NKINDS; k++) {
        vl_sim s;
        vl_sim_init(&s, kinds[k]);
        static post_ctx c;
        c = (post_ctx){.s = &s};
        vl_rng rng;
        vl_rng_init(&rng, 11, "postpone");
        for (int i = 0; i < NPOST; i++)
            vl_event_init(&c.ev[i], on_post_fire, &c, (vl_event_class)(i % 3), (uint32_t)i);
        for (int step = 0; step < 20000; step++) {
            int id = (int)vl_rng_below(&rng, NPOST);
            uint64_t u = vl_rng_below(&rng, 10);
            if (u == 0) {
                vl_sim_cancel(&s, &c.ev[id]);
            } else {
                vl_ns span = u < 5 ? 50 : u < 9 ? 5000 : VL_S(10); /* some too far */
                c.armed[id] = s.now + (vl_ns)vl_rng_below(&rng, (uint64_t)span);
                vl_sim_schedule(&s, &c.ev[id], c.armed[id]);
            }
            if (step % 3 == 0)
                vl_sim_run(&s, s.events + 1);
        }
        vl_sim_run(&s, 0);
        assert_int_equal(s.events, (uint64_t)c.fired);
        assert_true(c.fired > 5000);
        vl_sim_fini(&s);
    }
}

/* An event that fires at t and arms one of a lower class at t: the new
 * one is next, before an event of the first class armed earlier for t
 * (the list's order is not monotone in (time, class), only in time). */
typedef struct chain {
    tev t;
    vl_sim *s;
    tev *then;
} chain;

static void on_chain(void *ctx, vl_event *ev)
{
    chain *c = ctx;
    on_fire(&c->t, ev);
    if (c->then)
        vl_sim_schedule(c->s, &c->then->ev, c->s->now);
}

static void test_same_instant_lower_class(void **state)
{
    (void)state;
    for (int k = 0; k < NKINDS; k++) {
        vl_sim s;
        rec r = {0};
        vl_sim_init(&s, kinds[k]);
        tev dev = {.r = &r, .id = 3};
        chain x = {.t = {.r = &r, .id = 1}, .s = &s, .then = &dev};
        chain y = {.t = {.r = &r, .id = 2}, .s = &s};
        vl_event_init(&x.t.ev, on_chain, &x, VL_EVC_SCHED, 1);
        vl_event_init(&y.t.ev, on_chain, &y, VL_EVC_SCHED, 2);
        vl_event_init(&dev.ev, on_fire, &dev, VL_EVC_DEVICE, 3);
        vl_sim_schedule(&s, &x.t.ev, 500);
        vl_sim_schedule(&s, &y.t.ev, 500);
        vl_sim_run(&s, 0);
        assert_int_equal(r.n, 3);
        assert_int_equal(r.fired[0], 1);
        assert_int_equal(r.fired[1], 3);
        assert_int_equal(r.fired[2], 2);
        vl_sim_fini(&s);
    }
}

/* Pops everything; checks the (time, order) order and that exactly the
 * events with keep[i] set come out. */
static void pop_all_in_order(vl_fel *q, vl_event *ev, const bool *keep, int n)
{
    vl_event *prev = NULL;
    int popped = 0;
    for (vl_event *e; (e = vl_fel_pop(q)); prev = e, popped++) {
        assert_true(keep[e - ev]);
        assert_false(vl_event_pending(e));
        if (prev)
            assert_true(vl_event_cmp(prev, e) < 0);
    }
    int kept = 0;
    for (int i = 0; i < n; i++)
        kept += keep[i];
    assert_int_equal(popped, kept);
}

static void file_at(vl_fel *q, vl_event *ev, vl_ns t, uint64_t seq)
{
    ev->time = t;
    ev->order = ((uint64_t)VL_EVC_HV << VL_EVENT_SEQ_BITS) | seq;
    vl_fel_insert(q, ev);
}

/* A large population spread over a second, then one packed into 20 us:
 * the radix heap re-sizes its slots to the spacing of pops, stays ordered,
 * and its memory stays near the entries' own. */
static void test_radix_slot_width(void **state)
{
    (void)state;
    enum { N = 20000 };
    vl_event *ev = calloc(N, sizeof *ev);
    bool *keep = malloc(N);
    memset(keep, 1, N);
    vl_rng rng;
    vl_rng_init(&rng, 3, "radix");
    vl_fel q;
    vl_fel_init(&q, VL_FEL_RADIX);
    int shift0 = q.slot_shift;
    for (int i = 0; i < N; i++) {
        vl_event_init(&ev[i], NULL, NULL, VL_EVC_HV, (uint32_t)i);
        file_at(&q, &ev[i], (vl_ns)vl_rng_below(&rng, VL_S(1)), (uint64_t)i);
    }
    pop_all_in_order(&q, ev, keep, N);
    int wide = q.slot_shift; /* 50 us apart */
    assert_true(wide > shift0 + 4);
    assert_true(vl_fel_bytes(&q) < (size_t)N * 40 + 256 * 1024);
    vl_ns base = q.last;
    for (int i = 0; i < N; i++)
        file_at(&q, &ev[i], base + (vl_ns)vl_rng_below(&rng, VL_US(20)), (uint64_t)(N + i));
    pop_all_in_order(&q, ev, keep, N);
    assert_true(q.slot_shift < wide - 4); /* 1 ns apart */
    vl_fel_fini(&q);
    free(ev);
    free(keep);
}

/* Many events of one slot (every pCPU's tick on a tick grid): filed in
 * (time, order) order, they come out of the sorted run one after the
 * other, with no heap; events filed into the slot while it drains join
 * the run when they come after its last entry (each pCPU's reschedule
 * after the ticks), else the heap, and are merged in by (time, order); a
 * batch filed out of order (orders descending within an instant) is made
 * the heap and comes out in order too. */
static void test_radix_instant_batch(void **state)
{
    (void)state;
    enum { N = 1000, LATE = 10, AT = 100 };
    vl_event *ev = calloc(N + LATE + 1, sizeof *ev);
    for (int i = 0; i < N + LATE + 1; i++)
        vl_event_init(&ev[i], NULL, NULL, VL_EVC_HV, (uint32_t)i);
    for (int pass = 0; pass < 2; pass++) {
        bool descending = pass == 1;
        vl_fel q;
        vl_fel_init(&q, VL_FEL_RADIX);
        vl_ns tick = (vl_ns)1 << 20; /* four events per ns from here on */
        for (int i = 0; i < N; i++)
            file_at(&q, &ev[i], tick + i / 4, (uint64_t)(descending ? N - i : i + 1));
        vl_event *prev = vl_fel_pop(&q);
        assert_true(prev->time == tick);
        if (descending) {
            assert_int_equal(q.run.n, 0); /* out of order: the heap */
            assert_int_equal(q.now.n, N - 1);
        } else {
            assert_int_equal(q.now.n, 0); /* in order: the run */
            assert_int_equal(q.run.n - q.run_head, N - 1);
        }
        for (int i = 0; i < LATE; i++) /* armed after the batch */
            file_at(&q, &ev[N + i], tick + AT, (uint64_t)(N + 1 + i));
        /* before the run's last entry: the heap; after it, or with no
         * run: the run */
        if (descending) {
            assert_int_equal(q.now.n, N - 1);
            assert_int_equal(q.run.n - q.run_head, LATE);
        } else {
            assert_int_equal(q.now.n, LATE);
        }
        file_at(&q, &ev[N + LATE], tick + N / 4, (uint64_t)(N + LATE + 1));
        assert_int_equal(q.run.n - q.run_head, descending ? LATE + 1 : N);
        int popped = 1, first_late = -1;
        for (vl_event *e; (e = vl_fel_pop(&q)); prev = e, popped++) {
            assert_true(vl_event_cmp(prev, e) < 0);
            if (e >= &ev[N] && first_late < 0)
                first_late = popped;
        }
        assert_int_equal(popped, N + LATE + 1);
        assert_int_equal(first_late, 4 * (AT + 1)); /* after the batch's up to tick + AT */
        assert_true(prev == &ev[N + LATE]); /* the one after the batch comes last */
        vl_fel_fini(&q);
    }
    free(ev);
}

/* Removal is lazy in the radix heap: removed events never come out, the
 * entries they leave are swept once they outnumber the pending ones, and
 * a pop that finds only removed entries leaves the list usable at the
 * engine's clock (before the removed entries' times). */
static void test_radix_lazy_removal(void **state)
{
    (void)state;
    enum { N = 5000 };
    vl_event *ev = calloc(N, sizeof *ev);
    bool *keep = malloc(N);
    vl_rng rng;
    vl_rng_init(&rng, 5, "removal");
    vl_fel q;
    vl_fel_init(&q, VL_FEL_RADIX);
    for (int i = 0; i < N; i++) {
        vl_event_init(&ev[i], NULL, NULL, VL_EVC_HV, (uint32_t)i);
        file_at(&q, &ev[i], (vl_ns)vl_rng_below(&rng, VL_MS(10)), (uint64_t)i);
        keep[i] = vl_rng_below(&rng, 5) == 0;
    }
    bool swept = false;
    for (int i = 0; i < N; i++) {
        if (keep[i])
            continue;
        size_t before = q.stale;
        vl_fel_remove(&q, &ev[i]);
        swept |= q.stale < before;
        assert_true(q.stale <= q.size + 256);
    }
    assert_true(swept);
    /* re-filed after removal: only the new filing counts */
    for (int i = 0; i < N; i += 7)
        if (!keep[i]) {
            file_at(&q, &ev[i], VL_MS(20) + i, (uint64_t)(N + i));
            keep[i] = true;
        }
    pop_all_in_order(&q, ev, keep, N);
    assert_int_equal(q.size, 0);
    assert_int_equal(q.stale, 0);

    vl_event a, after[3];
    vl_event_init(&a, NULL, NULL, VL_EVC_HV, 1);
    vl_ns now = q.last;
    file_at(&q, &a, now + VL_S(3), 1);
    vl_fel_remove(&q, &a);
    assert_null(vl_fel_pop(&q)); /* went past `now` to a's old slot */
    static const vl_ns later[3] = {5, VL_S(4), VL_MS(1)}; /* around a's old time */
    for (int i = 0; i < 3; i++) {
        vl_event_init(&after[i], NULL, NULL, VL_EVC_HV, (uint32_t)i);
        file_at(&q, &after[i], now + later[i], (uint64_t)(2 + i));
    }
    assert_ptr_equal(vl_fel_pop(&q), &after[0]);
    assert_ptr_equal(vl_fel_pop(&q), &after[2]);
    assert_ptr_equal(vl_fel_pop(&q), &after[1]);
    assert_null(vl_fel_pop(&q));
    vl_fel_fini(&q);
    free(ev);
    free(keep);
}

/* Times up to VL_NS_MAX ("never") sort with the rest in every list. */
static void test_far_times(void **state)
{
    (void)state;
    static const vl_ns when[] = {VL_NS_MAX, 7, VL_NS_MAX - 1, (vl_ns)1 << 62, 7, 0, VL_S(100)};
    enum { N = sizeof when / sizeof when[0] };
    for (int k = 0; k < NKINDS; k++) {
        vl_event ev[N];
        bool keep[N];
        vl_fel q;
        vl_fel_init(&q, kinds[k]);
        for (int i = 0; i < N; i++) {
            vl_event_init(&ev[i], NULL, NULL, VL_EVC_HV, (uint32_t)i);
            file_at(&q, &ev[i], when[i], (uint64_t)i);
            keep[i] = true;
        }
        pop_all_in_order(&q, ev, keep, N);
        vl_fel_fini(&q);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_total_order),
        cmocka_unit_test(test_cancel_and_rearm),
        cmocka_unit_test(test_stop_conditions),
        cmocka_unit_test(test_lists_agree_with_heap),
        cmocka_unit_test(test_large_population),
        cmocka_unit_test(test_digest_sensitive),
        cmocka_unit_test(test_postponed_rearm),
        cmocka_unit_test(test_postponed_order_random),
        cmocka_unit_test(test_same_instant_lower_class),
        cmocka_unit_test(test_radix_slot_width),
        cmocka_unit_test(test_radix_instant_batch),
        cmocka_unit_test(test_radix_lazy_removal),
        cmocka_unit_test(test_far_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
