/* cli/run_result.h - a run's result as a worker process sends it to the
 * parent (cli/pool.h): its metrics and a few texts the command wants from
 * the run (sweep: its --cdf rows; compare: also its configuration's
 * provenance line and JSON object). */
#ifndef VL_CLI_RUN_RESULT_H
#define VL_CLI_RUN_RESULT_H

#include <stddef.h>

#include "report/report.h"

/* The most texts a result carries. */
#define RUN_RESULT_TEXTS 4

/* Writes the metrics and texts[0..ntexts) (lens[k] bytes each; a NULL text
 * is empty) to fd; -1 when out of memory, a text is too long (4 GB) or
 * the write failed. */
int run_result_send(int fd, const vl_metrics *ms, const char *const *texts, const size_t *lens,
                    int ntexts);
/* Reads what run_result_send wrote with the same ntexts: the metrics into
 * ms (empty before), each text into texts[k] (malloc'ed, NUL-terminated;
 * NULL when empty) and lens[k].  Returns 0; -1 when the bytes are
 * malformed, -2 when out of memory (then nothing is left allocated). */
int run_result_read(const void *data, size_t len, vl_metrics *ms, char **texts, size_t *lens,
                    int ntexts);

#endif
