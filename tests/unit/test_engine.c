/* test_engine.c - the event engine: total order, cancel / re-arm, stop
 * conditions, digest, and agreement of the calendar queue with the binary
 * heap on long random operation sequences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sim/engine.h"
#include "vl_rng.h"

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
    for (int kind = 0; kind < 2; kind++) {
        vl_sim s;
        rec r = {0};
        assert_int_equal(vl_sim_init(&s, (vl_fel_kind)kind), 0);
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
    for (int kind = 0; kind < 2; kind++) {
        vl_sim s;
        rec r = {0};
        vl_sim_init(&s, (vl_fel_kind)kind);
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
    vl_sim_init(&s, VL_FEL_CALENDAR);
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

static void test_calendar_agrees_with_heap(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        rec *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
        uint64_t da = random_run(VL_FEL_CALENDAR, seed, 60000, a);
        uint64_t db = random_run(VL_FEL_HEAP, seed, 60000, b);
        assert_true(da == db);
        free(a);
        free(b);
    }
}

static void test_digest_sensitive(void **state)
{
    (void)state;
    rec *a = calloc(1, sizeof *a);
    uint64_t d1 = random_run(VL_FEL_CALENDAR, 7, 1000, a);
    uint64_t d2 = random_run(VL_FEL_CALENDAR, 7, 1000, a);
    uint64_t d3 = random_run(VL_FEL_CALENDAR, 8, 1000, a);
    assert_true(d1 == d2);
    assert_true(d1 != d3);
    free(a);
}

/* Re-arming a pending event later postpones it (it stays filed at its old
 * place): it still fires at its last armed time, after the events armed
 * for that time before it, and never counts as an event on the way. */
static void test_postponed_rearm(void **state)
{
    (void)state;
    for (int kind = 0; kind < 2; kind++) {
        vl_sim s;
        rec r = {0};
        vl_sim_init(&s, (vl_fel_kind)kind);
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
    for (int kind = 0; kind < 2; kind++) {
        vl_sim s;
        vl_sim_init(&s, (vl_fel_kind)kind);
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

/* Large population: the calendar resizes up and down and stays ordered. */
static void test_calendar_resize_order(void **state)
{
    (void)state;
    vl_fel q;
    vl_fel_init(&q, VL_FEL_CALENDAR);
    enum { N = 20000 };
    vl_event *ev = calloc(N, sizeof *ev);
    vl_rng rng;
    vl_rng_init(&rng, 3, "resize");
    for (int i = 0; i < N; i++) {
        vl_event_init(&ev[i], NULL, NULL, VL_EVC_HV, (uint32_t)i);
        ev[i].time = (vl_ns)vl_rng_below(&rng, 1000000000);
        ev[i].order = ((uint64_t)VL_EVC_HV << VL_EVENT_SEQ_BITS) | (uint64_t)i;
        vl_fel_insert(&q, &ev[i]);
    }
    assert_true(q.nbuckets >= N / 2);
    vl_event *prev = NULL;
    for (int i = 0; i < N; i++) {
        vl_event *e = vl_fel_pop(&q);
        assert_non_null(e);
        if (prev)
            assert_true(vl_event_cmp(prev, e) < 0);
        prev = e;
    }
    assert_null(vl_fel_pop(&q));
    assert_true(q.nbuckets <= 32);
    vl_fel_fini(&q);
    free(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_total_order),
        cmocka_unit_test(test_cancel_and_rearm),
        cmocka_unit_test(test_stop_conditions),
        cmocka_unit_test(test_calendar_agrees_with_heap),
        cmocka_unit_test(test_digest_sensitive),
        cmocka_unit_test(test_calendar_resize_order),
        cmocka_unit_test(test_postponed_rearm),
        cmocka_unit_test(test_postponed_order_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
