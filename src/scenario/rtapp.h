/* scenario/rtapp.h - rt-app descriptions (JSON, as rt-app's
 * doc/tutorial.txt describes them) turned into scenarios with a `program`
 * workload (docs/programs.md, "Importing rt-app files"). */
#ifndef VL_SCENARIO_RTAPP_H
#define VL_SCENARIO_RTAPP_H

#include <stddef.h>
#include <stdio.h>

#include "vl_error.h"

typedef struct vl_rtapp_options {
    int vcpus;              /* the VM's vCPUs, one pCPU each          */
    const char *scheduler;  /* the scenario's policy                  */
    const char *name;       /* the workload's name (made a scenario
                             * name: other characters become '_')   */
} vl_rtapp_options;

/* Writes the scenario for the rt-app description `text` (`len` bytes, read
 * from `path`, which messages name) to `out`.  Each key it leaves out, and
 * each approximation (a missing duration, a task's second timer), is
 * reported on `notes` as one line "PATH:LINE:COL: ...".  Returns the
 * number of keys left out, or -1 with err set (PATH:LINE:COL) when the
 * text is not a description it can read. */
int vl_rtapp_import(const char *path, const char *text, size_t len, const vl_rtapp_options *o,
                    FILE *out, FILE *notes, vl_error *err);

#endif
