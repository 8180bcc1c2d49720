/* guest/balance.h - load balancing between the vCPUs of a guest (internal
 * to the guest scheduler, guest/gsched.c): the periodic balance a busy
 * vCPU runs from its tick, the pull of a vCPU about to go idle, and the
 * move of a waiting task from one runqueue to another.  All vCPUs form one
 * scheduling domain (they share the LLC); docs/guest-model.md has the
 * rules and their sources. */
#ifndef VL_GUEST_BALANCE_H
#define VL_GUEST_BALANCE_H

#include "guest/guest.h"

/* The balance state of v at boot: the shortest interval, due at once. */
void vl_balance_init(vl_guest *g, int v);
/* Moves waiting task t to vCPU `to` (vl_rq_move) and counts it. */
void vl_balance_migrate(vl_guest *g, vl_task *t, int to, vl_ns now);
/* newidle_balance: v is about to go idle; pulls one waiting task from the
 * vCPU with the most waiting tasks.  False when there is none. */
bool vl_balance_idle_pull(vl_guest *g, int v, vl_ns now);
/* The periodic balance attempts of v that fell while no task waited in
 * the guest found nothing (each doubled the interval): skips them, so that
 * v's next attempt lies on its grid at or after g->waiting_since.  Called
 * before next_balance is read while tasks wait. */
void vl_balance_catch_up(vl_guest *g, int v);
/* The tick of busy vCPU v at `at`: the periodic balance, if due.  Returns
 * the number of tasks pulled to v. */
int vl_balance_tick(vl_guest *g, int v, vl_ns at);

#endif
