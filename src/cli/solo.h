/* cli/solo.h - `compare --solo`: slowdown against each VM alone. */
#ifndef VL_CLI_SOLO_H
#define VL_CLI_SOLO_H

#include "model/model.h"
#include "report/report.h"

/* After a run m of scn under ops with `seed`, runs each guest VM of scn
 * alone on the same host, policy, seed and duration, and appends to ms,
 * per VM whose work alone is not 0: `vm.<vm>.solo_work_ns` (its
 * workloads' work alone), `vm.<vm>.slowdown` (work alone / work in the
 * mix; absent when the mix gave it no work), and `weighted_speedup` (the
 * sum over those VMs of work in the mix / work alone), as the DCS
 * evaluation computes them.  Returns 0, or -1 with err filled (a solo run
 * failed) or err->msg empty (out of memory). */
int vl_solo_metrics(const vl_scenario *scn, const vl_model *m, const vl_sched_ops *ops,
                    uint64_t seed, vl_metrics *ms, vl_error *err);

#endif
