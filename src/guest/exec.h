/* guest/exec.h - executing tasks on vCPUs in planned segments (the engine
 * behind the guest port; docs/guest-model.md), and the interrupt entry and
 * exit the modules' vector handlers go through. */
#ifndef VL_GUEST_EXEC_H
#define VL_GUEST_EXEC_H

#include "guest/guest.h"

/* Registers the core's interrupt vectors (the local timer). */
void vl_exec_init(vl_guest *g);

/* Guest port entry points. */
void vl_exec_enter(vl_guest *g, int v, vl_ns now);
void vl_exec_leave(vl_guest *g, int v, vl_ns now);
void vl_exec_interrupt(vl_guest *g, int v, int vector, vl_ns now);
uint64_t vl_exec_rip(vl_guest *g, int v, bool *kernel);
/* The guest port's spin_folds (hv/guest_port.h): v waits for call
 * acknowledgements (an IPI-wait spin, smp_call_function_many_cond), and
 * its exits and re-entries change nothing but time: no lock waited for
 * or held, no handler work or completion due, the task not counted as
 * I/O-bound, no spin observer, v staying online. */
bool vl_exec_spin_folds(vl_guest *g, int v);

/* Charges the executing segment of v up to now. */
void vl_exec_settle(vl_guest *g, int v, vl_ns now);
/* Picks what v executes and plans its next segment; halts v when nothing
 * is runnable. */
void vl_exec_run_plan(vl_guest *g, int v, vl_ns now);
/* Interrupt handlers (guest/module.h vl_guest_vector) run through these.
 * An interrupt on v at now: v's executing segment is charged up to now
 * (nothing if v is not executing guest code). */
void vl_exec_irq_settle(vl_guest *g, int v, vl_ns now);
/* The handler runs `work` on v, at `rip` (0: where the handler work
 * already pending runs; none pending: flush_tlb_func), before anything
 * else: at once if v executes (a spin pauses for it, v re-plans after
 * it), else when v next executes. */
void vl_exec_irq_work(vl_guest *g, int v, vl_ns work, uint64_t rip, vl_ns now);
/* A handler that only makes v look at what it runs (a reschedule IPI):
 * if v executes, it runs the interrupt entry and exit and re-plans;
 * otherwise nothing (v plans when it next executes). */
void vl_exec_irq_look(vl_guest *g, int v, vl_ns now);
/* v, inside run_plan with nothing left to run, goes offline (the hotplug
 * module's leave): true if it stopped; false if an interrupt was pending
 * (delivered; v goes on). */
bool vl_exec_offline(vl_guest *g, int v);
/* v's task, spinning for cross-vCPU call acknowledgements, got the last
 * one: if v executes, the spin ends and v re-plans now. */
void vl_exec_resume(vl_guest *g, int v, vl_ns now);
/* End of a vCPU's planned segment. */
void vl_exec_segment_end(void *ctx, vl_event *ev);

#endif
