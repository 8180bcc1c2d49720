/* cli/run_result.c - a run's result on a pipe (cli/run_result.h).
 *
 * The bytes: a magic number, the metric count and the number of texts,
 * then each text's length (uint32 each, host order: the reader is the
 * writer's parent); per metric its name with its NUL and its value (a
 * double); then the texts, one after the other. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/run_result.h"
#include "vl_output.h"

#define RESULT_MAGIC 0x76637377u /* "vcsw" */

int run_result_send(int fd, const vl_metrics *ms, const char *const *texts, const size_t *lens,
                    int ntexts)
{
    uint32_t head[3 + RUN_RESULT_TEXTS] = {RESULT_MAGIC, (uint32_t)ms->n, (uint32_t)ntexts};
    size_t len = (size_t)(3 + ntexts) * sizeof(uint32_t);
    for (int t = 0; t < ntexts; t++) {
        size_t n = texts[t] ? lens[t] : 0;
        if (n > UINT32_MAX)
            return -1;
        head[3 + t] = (uint32_t)n;
        len += n;
    }
    for (int k = 0; k < ms->n; k++)
        len += strlen(ms->v[k].name) + 1 + sizeof(double);
    char *buf = malloc(len), *p = buf;
    if (!buf)
        return -1;
    memcpy(p, head, (size_t)(3 + ntexts) * sizeof(uint32_t));
    p += (size_t)(3 + ntexts) * sizeof(uint32_t);
    for (int k = 0; k < ms->n; k++) {
        size_t n = strlen(ms->v[k].name) + 1;
        memcpy(p, ms->v[k].name, n);
        memcpy(p + n, &ms->v[k].value, sizeof(double));
        p += n + sizeof(double);
    }
    for (int t = 0; t < ntexts; t++)
        if (head[3 + t]) {
            memcpy(p, texts[t], head[3 + t]);
            p += head[3 + t];
        }
    int rc = vl_write_all(fd, buf, len);
    free(buf);
    return rc;
}

static void free_texts(char **texts, int ntexts)
{
    for (int t = 0; t < ntexts; t++) {
        free(texts[t]);
        texts[t] = NULL;
    }
}

int run_result_read(const void *data, size_t len, vl_metrics *ms, char **texts, size_t *lens,
                    int ntexts)
{
    const char *p = data, *end = p + len;
    uint32_t head[3 + RUN_RESULT_TEXTS];
    size_t head_len = (size_t)(3 + ntexts) * sizeof(uint32_t);
    for (int t = 0; t < ntexts; t++)
        texts[t] = NULL, lens[t] = 0;
    if (len < head_len)
        return -1;
    memcpy(head, p, head_len);
    p += head_len;
    if (head[0] != RESULT_MAGIC || head[2] != (uint32_t)ntexts ||
        head[1] > (uint32_t)(len / (1 + sizeof(double))))
        return -1;
    for (int t = ntexts - 1; t >= 0; t--) { /* the texts end the bytes */
        if (head[3 + t] > (size_t)(end - p))
            return -1;
        end -= head[3 + t];
        if (head[3 + t] == 0)
            continue;
        if (!(texts[t] = malloc((size_t)head[3 + t] + 1))) {
            free_texts(texts, ntexts);
            return -2;
        }
        memcpy(texts[t], end, head[3 + t]);
        texts[t][head[3 + t]] = '\0';
        lens[t] = head[3 + t];
    }
    ms->v = calloc((size_t)head[1] + 1, sizeof *ms->v);
    if (!ms->v) {
        free_texts(texts, ntexts);
        return -2;
    }
    ms->cap = (int)head[1] + 1;
    for (ms->n = 0; ms->n < (int)head[1]; ms->n++) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        vl_metric *m = &ms->v[ms->n];
        if (!nul || (size_t)(nul - p) >= sizeof m->name ||
            (size_t)(end - nul - 1) < sizeof(double))
            break;
        memcpy(m->name, p, (size_t)(nul - p) + 1);
        memcpy(&m->value, nul + 1, sizeof(double));
        p = nul + 1 + sizeof(double);
    }
    if (ms->n == (int)head[1] && p == end)
        return 0;
    vl_metrics_free(ms);
    free_texts(texts, ntexts);
    return -1;
}
