/* cli/pool.h - the worker processes of the commands that run many runs
 * (sweep, compare -j): each job runs in a child process of its own and
 * sends its result back through a pipe; the caller gets the results in
 * completion order and puts them in its own order. */
#ifndef VL_CLI_POOL_H
#define VL_CLI_POOL_H

#include <stddef.h>

#include "cli/progress.h"

/* Runs in a child process: runs job `index`, writes its result to fd and
 * returns the child's exit status (0 = success). */
typedef int (*vl_pool_job_fn)(long index, int fd, void *ctx);
/* Runs in the parent for each job that succeeded, in completion order;
 * data holds what the child wrote.  Returns 0, or -1 to stop the pool. */
typedef int (*vl_pool_done_fn)(long index, const void *data, size_t len, void *ctx);

typedef struct vl_pool_result {
    long finished;   /* jobs whose result was delivered                  */
    long failed;     /* index of the first job that failed, or -1        */
    int status;      /* the exit status of that job's child, when it
                      * exited with one (0 otherwise: killed, or the
                      * parent failed)                                   */
    int signo;       /* SIGINT / SIGTERM that stopped the pool, or 0     */
} vl_pool_result;

/* Runs jobs 0..njobs-1, at most `workers` at a time, one child process per
 * job (fork; results come back through a pipe).  Stops starting jobs when
 * one fails (the running ones finish) or when SIGINT or SIGTERM arrives
 * (the running ones are killed and reaped).  Messages start with the
 * progress line's command name.  Returns 0 when every job finished, -1
 * otherwise (see *res). */
int vl_pool_run(long njobs, int workers, vl_pool_job_fn job, vl_pool_done_fn done, void *ctx,
                vl_progress *progress, vl_pool_result *res);

#endif
