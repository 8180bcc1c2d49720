/* vl_output.h - the files a command writes, staged while it works and put
 * in place together when it commits, so that an output is never half
 * written, never left behind by a failure, and never replaces what the
 * user named.
 *
 * What a path may be (decided when the output is added, before any work):
 *   "-"        standard output, written directly;
 *   a regular file, a path that does not exist yet (its directory must),
 *              or a symbolic link to a regular file: staged in an unnamed
 *              file (O_TMPFILE) in the target's directory, linked and
 *              renamed over the target at commit.  A link stays a link:
 *              its target is replaced.  Where the file system has no
 *              unnamed files the stage is a named file "TARGET.tmp.*",
 *              removed by vl_outputs_abort, on SIGINT, SIGTERM, SIGHUP,
 *              SIGQUIT, on a crash signal and when memory runs out
 *              (vl_out_of_memory), by the process that made it;
 *   a character device or a FIFO: staged in an unnamed temporary file and
 *              copied into it at commit (written in place: never replaced,
 *              never created, never truncated);
 *   anything else is refused: a directory, a block device, a socket, a
 *              dangling link, a missing directory, the same file twice.
 *
 * vl_outputs_commit is all or none as far as a file system allows: every
 * stage and standard output is flushed and checked first, then devices
 * and FIFOs are written, then the files are renamed into place with the
 * catchable termination signals held off. */
#ifndef VL_OUTPUT_H
#define VL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "vl_error.h"

#define VL_OUTPUTS_MAX 8
#define VL_OUTPUT_PATH_MAX 4096 /* PATH_MAX */

typedef enum vl_output_kind {
    VL_OUTPUT_STDOUT,   /* "-"                                      */
    VL_OUTPUT_FILE,     /* renamed over `target` at commit          */
    VL_OUTPUT_IN_PLACE, /* copied into the device or FIFO at commit */
} vl_output_kind;

typedef struct vl_output {
    char what[32];                     /* the option, for messages ("--json")   */
    char path[VL_OUTPUT_PATH_MAX];     /* as given, for messages                */
    char target[VL_OUTPUT_PATH_MAX];   /* FILE: the canonical path it replaces  */
    char stage[VL_OUTPUT_PATH_MAX + 40]; /* a named stage file, "" if unnamed   */
    bool exists;                       /* target existed when added             */
    dev_t dev;                         /* its identity then (duplicate check)   */
    ino_t ino;
    vl_output_kind kind;
    bool dropped;                      /* vl_outputs_drop: not to be written    */
    FILE *f;                           /* the stage (stdout for "-")            */
} vl_output;

typedef struct vl_outputs {
    vl_output out[VL_OUTPUTS_MAX];
    int n;
    bool named_stages; /* stage files under names even where unnamed files
                        * exist (the fallback, forced: for tests) */
} vl_outputs;

/* An empty set. */
void vl_outputs_init(vl_outputs *set);
/* Adds the output of option `what` at `path`; returns it (its stream is
 * ->f), or NULL with err set ("--json out/: is a directory").  Refuses a
 * path already in the set and a second "-". */
vl_output *vl_outputs_add(vl_outputs *set, const char *what, const char *path, vl_error *err);
/* Puts every output in place (see above); returns 0, or -1 with err set,
 * after which the set is aborted.  Also fails if standard output had a
 * write error, so that a command whose table was lost writes nothing. */
int vl_outputs_commit(vl_outputs *set, vl_error *err);
/* Drops one output of the set: its stage is removed and the commit skips
 * it (a sweep's plot that could not be drawn). */
void vl_outputs_drop(vl_outputs *set, vl_output *o);
/* Drops every stage: nothing of the set is written.  Harmless after a
 * commit or on an empty set. */
void vl_outputs_abort(vl_outputs *set);

/* write() all of data, retrying on EINTR and short writes; -1 (errno) on
 * failure. */
int vl_write_all(int fd, const void *data, size_t len);

#endif
