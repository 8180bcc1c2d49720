/* vl_error.h - one error record, filled once where a failure is detected and
 * printed once at the top (the CLI).  Input errors carry file:line:col. */
#ifndef VL_ERROR_H
#define VL_ERROR_H

#include <stdarg.h>

typedef struct vl_error {
    char file[256]; /* "" when the error has no source location */
    int line;       /* 1-based; 0 when unknown */
    int col;        /* 1-based; 0 when unknown */
    char msg[512];
} vl_error;

/* Fills err (if non-NULL) and returns -1, so callers can write
 * `return vl_error_set(err, ...);`. */
int vl_error_set(vl_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int vl_error_at(vl_error *err, const char *file, int line, int col,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "file:line:col: msg", "file: msg" or "msg". */
void vl_error_format(const vl_error *err, char *buf, unsigned len);

#endif
