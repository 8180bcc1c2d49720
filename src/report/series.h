/* report/series.h - the policies' series (vl_sched_series in
 * include/vcpulab/sched.h) as the reports show them: the row of `run
 * --series` (CSV) and the name of what a value is about.  A policy gives
 * an address space by its CR3; the reports name it after the workload
 * whose task runs there, knowledge of the guest the policy never gets. */
#ifndef VL_REPORT_SERIES_H
#define VL_REPORT_SERIES_H

#include <stdint.h>
#include <stdio.h>

#include "model/model.h"

#define VL_SERIES_COLUMNS "time_ns,vm,series,cr3,task,value"

/* The workload whose task runs in address space cr3 of VM vm: its name
 * into buf (at most n bytes); "" when cr3 is 0 (the VM as a whole), "?"
 * when no task of the VM's guest has that CR3. */
void vl_series_subject(const vl_model *m, int vm, uint64_t cr3, char *buf, size_t n);
/* One row of VL_SERIES_COLUMNS; `task` from vl_series_subject. */
void vl_series_row(FILE *f, vl_ns now, const char *vm, const char *name, uint64_t cr3,
                   const char *task, double value);

#endif
