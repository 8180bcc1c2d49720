/* cli/progress.h - the progress line of the commands that run many runs
 * (sweep, compare): "\r"-updated on stderr, runs done of the total,
 * elapsed time and ETA.  Shown only when stderr is a terminal and CI is
 * unset, so that logs and pipes never see it. */
#ifndef VL_CLI_PROGRESS_H
#define VL_CLI_PROGRESS_H

#include <time.h>

typedef struct vl_progress {
    int enabled;
    const char *what; /* the command, at the start of the line */
    long total, done;
    struct timespec start;
    int width; /* of the last line, to blank it */
} vl_progress;

void vl_progress_init(vl_progress *p, const char *what, long total);
void vl_progress_update(vl_progress *p, long done);
/* Clears the line. */
void vl_progress_end(vl_progress *p);

#endif
