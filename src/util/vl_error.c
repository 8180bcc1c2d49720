#include "vl_error.h"

#include <stdio.h>
#include <string.h>

int vl_error_set(vl_error *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->file[0] = '\0';
        err->line = err->col = 0;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int vl_error_at(vl_error *err, const char *file, int line, int col,
                const char *fmt, ...)
{
    if (err) {
        va_list ap;
        snprintf(err->file, sizeof err->file, "%s", file ? file : "");
        err->line = line;
        err->col = col;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

void vl_error_format(const vl_error *err, char *buf, unsigned len)
{
    if (err->file[0] && err->line > 0)
        snprintf(buf, len, "%s:%d:%d: %s", err->file, err->line, err->col, err->msg);
    else if (err->file[0])
        snprintf(buf, len, "%s: %s", err->file, err->msg);
    else
        snprintf(buf, len, "%s", err->msg);
}
