/* report/ftrace.h - the scheduler's switches and wakeups as ftrace text,
 * the format /sys/kernel/tracing/trace and `trace-cmd report` print, with
 * each vCPU a task: comm "<vm>.v<index>", pid vl_ftrace_pid().  Perfetto
 * and KernelShark import it (docs/output-format.md, "run --ftrace").  The
 * writer only formats lines: report/trace.c observes the run and calls it. */
#ifndef VL_REPORT_FTRACE_H
#define VL_REPORT_FTRACE_H

#include <stdio.h>

#include "hv/hv.h"

/* The stable task id of v: 1 + its host-wide index (0 is the idle task). */
int vl_ftrace_pid(const vl_vcpu *v);
/* The "# tracer: nop" header with the column legend. */
void vl_ftrace_header(FILE *f);
/* pCPU p switches from prev to next (NULL: the idle task); prev's runstate
 * gives prev_state. */
void vl_ftrace_switch(FILE *f, const vl_pcpu *p, const vl_vcpu *prev, const vl_vcpu *next,
                      vl_ns now);
/* v woke, queued on v->processor, whose current task is `curr`. */
void vl_ftrace_wakeup(FILE *f, const vl_vcpu *v, const vl_vcpu *curr, vl_ns now);

#endif
