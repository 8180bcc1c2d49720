/* vl_json_parse.c - a recursive-descent JSON reader (vl_json_parse.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vl_array.h"
#include "vl_json_parse.h"

typedef struct parser {
    const char *p, *end, *start;
    char *msg;
    size_t msglen;
    int oom;
} parser;

static int fail(parser *ps, const char *what)
{
    if (!ps->msg[0]) {
        int line = 1;
        for (const char *c = ps->start; c < ps->p; c++)
            line += *c == '\n';
        snprintf(ps->msg, ps->msglen, "line %d: %s", line, what);
    }
    return -1;
}

static int oom(parser *ps)
{
    ps->oom = 1;
    return fail(ps, "out of memory");
}

static void skip_space(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static int hex4(parser *ps, unsigned *out)
{
    if (ps->end - ps->p < 4)
        return fail(ps, "a \\u escape needs four hex digits");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = *ps->p++;
        int d = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
        if (d < 0)
            return fail(ps, "a \\u escape needs four hex digits");
        v = v * 16 + (unsigned)d;
    }
    *out = v;
    return 0;
}

/* A string after its opening quote, decoded into *out (malloc'ed). */
static int string(parser *ps, char **out)
{
    size_t cap = 16, n = 0;
    char *s = malloc(cap);
    if (!s)
        return oom(ps);
    for (;;) {
        if (ps->p >= ps->end) {
            free(s);
            return fail(ps, "a string is not closed");
        }
        unsigned c = (unsigned char)*ps->p++;
        char buf[4];
        size_t k = 0;
        if (c == '"')
            break;
        if (c < 0x20) {
            free(s);
            return fail(ps, "a control character in a string");
        }
        if (c != '\\') {
            buf[k++] = (char)c;
        } else {
            char e = ps->p < ps->end ? *ps->p++ : '\0';
            const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
            const char *at = e ? strchr(from, e) : NULL;
            unsigned u;
            if (at) {
                buf[k++] = to[at - from];
            } else if (e != 'u' || hex4(ps, &u) < 0) {
                free(s);
                return fail(ps, "a bad escape in a string");
            } else {
                if (u >= 0xd800 && u < 0xdc00) { /* a surrogate pair */
                    unsigned lo;
                    if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
                        (ps->p += 2, hex4(ps, &lo) < 0) || lo < 0xdc00 || lo > 0xdfff) {
                        free(s);
                        return fail(ps, "a lone surrogate in a string");
                    }
                    u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                }
                if (u < 0x80) {
                    buf[k++] = (char)u;
                } else if (u < 0x800) {
                    buf[k++] = (char)(0xc0 | u >> 6);
                    buf[k++] = (char)(0x80 | (u & 0x3f));
                } else if (u < 0x10000) {
                    buf[k++] = (char)(0xe0 | u >> 12);
                    buf[k++] = (char)(0x80 | (u >> 6 & 0x3f));
                    buf[k++] = (char)(0x80 | (u & 0x3f));
                } else {
                    buf[k++] = (char)(0xf0 | u >> 18);
                    buf[k++] = (char)(0x80 | (u >> 12 & 0x3f));
                    buf[k++] = (char)(0x80 | (u >> 6 & 0x3f));
                    buf[k++] = (char)(0x80 | (u & 0x3f));
                }
            }
        }
        if (n + k + 1 > cap) {
            char *t = realloc(s, cap *= 2);
            if (!t) {
                free(s);
                return oom(ps);
            }
            s = t;
        }
        memcpy(s + n, buf, k);
        n += k;
    }
    s[n] = '\0';
    *out = s;
    return 0;
}

/* The decimal digits at q, before end. */
static size_t digits(const char *q, const char *end)
{
    size_t n = 0;
    while (q + n < end && q[n] >= '0' && q[n] <= '9')
        n++;
    return n;
}

static int number(parser *ps, vl_jnode *node)
{
    const char *q = ps->p;
    if (q < ps->end && *q == '-')
        q++;
    size_t n = digits(q, ps->end);
    if (!n || (*q == '0' && n > 1))
        return fail(ps, "a bad number");
    q += n;
    if (q < ps->end && *q == '.') {
        if (!(n = digits(++q, ps->end)))
            return fail(ps, "a bad number");
        q += n;
    }
    if (q < ps->end && (*q | 0x20) == 'e') {
        q++;
        if (q < ps->end && (*q == '+' || *q == '-'))
            q++;
        if (!(n = digits(q, ps->end)))
            return fail(ps, "a bad number");
        q += n;
    }
    node->type = VL_JNUM;
    if (!(node->text = strndup(ps->p, (size_t)(q - ps->p))))
        return oom(ps);
    node->num = strtod(node->text, NULL);
    ps->p = q;
    return 0;
}

static int value(parser *ps, vl_jnode *node, int depth);

/* An array or object after its opening bracket. */
static int members(parser *ps, vl_jnode *node, int depth, bool object)
{
    char close = object ? '}' : ']';
    int cap = 0, kcap = 0;
    node->type = object ? VL_JOBJ : VL_JARR;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return 0;
    }
    for (;;) {
        char *key = NULL;
        skip_space(ps);
        if (object) {
            if (ps->p >= ps->end || *ps->p != '"')
                return fail(ps, "expected a key");
            ps->p++;
            if (string(ps, &key) < 0)
                return -1;
            skip_space(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(key);
                return fail(ps, "expected ':'");
            }
            ps->p++;
        }
        if (vl_array_room(&node->items, &cap, node->n, sizeof *node->items, 4) < 0 ||
            (object && vl_array_room(&node->keys, &kcap, node->n, sizeof *node->keys, 4) < 0)) {
            free(key);
            return oom(ps);
        }
        node->items[node->n] = (vl_jnode){0};
        if (object)
            node->keys[node->n] = key;
        node->n++;
        if (value(ps, &node->items[node->n - 1], depth + 1) < 0)
            return -1;
        skip_space(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return 0;
        }
        return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int value(parser *ps, vl_jnode *node, int depth)
{
    if (depth > VL_JSON_PARSE_DEPTH)
        return fail(ps, "nested too deeply");
    skip_space(ps);
    if (ps->p >= ps->end)
        return fail(ps, "expected a value");
    static const struct { const char *word; vl_jtype type; bool b; } words[] = {
        {"null", VL_JNULL, false}, {"true", VL_JBOOL, true}, {"false", VL_JBOOL, false}};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i].word);
        if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, words[i].word, n) == 0) {
            ps->p += n;
            node->type = words[i].type;
            node->b = words[i].b;
            return 0;
        }
    }
    switch (*ps->p) {
    case '{': ps->p++; return members(ps, node, depth, true);
    case '[': ps->p++; return members(ps, node, depth, false);
    case '"': ps->p++; node->type = VL_JSTR; return string(ps, &node->text);
    default: return number(ps, node);
    }
}

int vl_json_parse(const char *text, size_t len, vl_jnode *root, char *msg, size_t msglen)
{
    parser ps = {.p = text, .end = text + len, .start = text, .msg = msg, .msglen = msglen};
    msg[0] = '\0';
    *root = (vl_jnode){0};
    int rc = value(&ps, root, 0);
    skip_space(&ps);
    if (rc == 0 && ps.p != ps.end)
        rc = fail(&ps, "text after the value");
    if (rc < 0) {
        vl_jnode_free(root);
        return ps.oom ? -2 : -1;
    }
    return 0;
}

const vl_jnode *vl_jnode_get(const vl_jnode *obj, const char *key)
{
    if (!obj || obj->type != VL_JOBJ)
        return NULL;
    for (int i = 0; i < obj->n; i++)
        if (obj->keys[i] && strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

void vl_jnode_free(vl_jnode *node)
{
    for (int i = 0; i < node->n; i++) {
        vl_jnode_free(&node->items[i]);
        if (node->keys)
            free(node->keys[i]);
    }
    free(node->items);
    free(node->keys);
    free(node->text);
    *node = (vl_jnode){0};
}
