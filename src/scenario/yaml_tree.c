/* scenario/yaml_tree.c - builds a yt_node tree from libyaml parser events.
 *
 * Containers are attached to their parent as soon as they start, so freeing
 * the root frees everything built so far; the only loose nodes are keys
 * waiting for their value, kept on the explicit container stack. */
#include "scenario/yaml_tree.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct frame {
    yt_node *node;        /* open sequence or mapping */
    yt_node *pending_key; /* mapping: key read, value not yet */
} frame;

/* An anchor (&name) and the node it names, owned by the tree. */
typedef struct anchor {
    char *name;
    yt_node *node;
} yt_anchor;

typedef struct builder {
    const char *src;
    const char *text;
    size_t len;
    int line0, col0;
    bool one_line;
    bool repeated_keys; /* YT_REPEATED_KEYS */
    yt_node *root;
    frame stack[YT_MAX_DEPTH];
    int depth;
    bool seen_doc;
    yt_anchor *anchors;
    int nanchors, anchors_cap;
    size_t expanded; /* nodes copied for aliases so far */
    vl_error *err;
} builder;

const char *yt_kind_name(yt_kind k)
{
    switch (k) {
    case YT_SCALAR: return "a scalar";
    case YT_SEQ: return "a sequence";
    case YT_MAP: return "a mapping";
    }
    return "a node";
}

static yt_node *node_new(yt_kind kind, const char *src, int line, int col)
{
    yt_node *n = calloc(1, sizeof *n);
    if (n) {
        n->kind = kind;
        n->src = src;
        n->line = line;
        n->col = col;
    }
    return n;
}

yt_node *yt_scalar_new(const char *src, int line, int col, const char *str)
{
    yt_node *n = node_new(YT_SCALAR, src, line, col);
    if (n) {
        n->plain = true;
        n->str = strdup(str);
        if (!n->str) {
            free(n);
            return NULL;
        }
    }
    return n;
}

yt_node *yt_map_new(const char *src, int line, int col)
{
    return node_new(YT_MAP, src, line, col);
}

void yt_free(yt_node *n)
{
    if (!n)
        return;
    free(n->str);
    for (size_t i = 0; i < n->n; i++) {
        if (n->kind == YT_SEQ) {
            yt_free(n->items[i]);
        } else if (n->kind == YT_MAP) {
            yt_free(n->pairs[i].key);
            yt_free(n->pairs[i].value);
        }
    }
    free(n->items);
    free(n->pairs);
    free(n);
}

/* Makes room for one more child of a sequence or mapping. */
static int grow(yt_node *n)
{
    if (n->n < n->cap)
        return 0;
    size_t cap = n->cap ? n->cap * 2 : 4;
    if (n->kind == YT_SEQ) {
        yt_node **items = realloc(n->items, cap * sizeof *items);
        if (!items)
            return -1;
        n->items = items;
    } else {
        yt_pair *pairs = realloc(n->pairs, cap * sizeof *pairs);
        if (!pairs)
            return -1;
        n->pairs = pairs;
    }
    n->cap = cap;
    return 0;
}

yt_pair *yt_map_find(const yt_node *map, const char *key)
{
    if (!map || map->kind != YT_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->pairs[i].key->str, key) == 0)
            return &map->pairs[i];
    return NULL;
}

yt_node *yt_map_get(const yt_node *map, const char *key)
{
    yt_pair *p = yt_map_find(map, key);
    return p ? p->value : NULL;
}

int yt_map_add(yt_node *map, yt_node *key, yt_node *value)
{
    if (grow(map) < 0) {
        yt_free(key);
        yt_free(value);
        return -1;
    }
    map->pairs[map->n].key = key;
    map->pairs[map->n].value = value;
    map->n++;
    return 0;
}

/* Characters (not bytes) in the text: libyaml counts columns in
 * characters. */
static size_t text_chars(const builder *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->len; i++)
        n += ((unsigned char)b->text[i] & 0xc0) != 0x80;
    return n;
}

static void mark_pos(const builder *b, yaml_mark_t m, int *line, int *col)
{
    if (b->one_line && m.line > 0) {
        m.line = 0;
        m.column = text_chars(b);
    }
    *line = b->line0 + (int)m.line;
    *col = (m.line == 0 ? b->col0 : 1) + (int)m.column;
}

/* Position of a byte offset (reader errors report only the offset). */
static void offset_pos(const builder *b, size_t off, int *line, int *col)
{
    int l = 0;
    size_t bol = 0;
    for (size_t i = 0; i < off && i < b->len; i++)
        if (b->text[i] == '\n') {
            l++;
            bol = i + 1;
        }
    if (b->one_line && l > 0) {
        l = 0;
        bol = 0;
    }
    *line = b->line0 + l;
    *col = (l == 0 ? b->col0 : 1) + (int)(off - bol);
}

static int fail_at(builder *b, yaml_mark_t m, const char *what, const char *name)
{
    int line, col;
    mark_pos(b, m, &line, &col);
    if (name)
        return vl_error_at(b->err, b->src, line, col, "%s (%.60s) are not supported", what, name);
    return vl_error_at(b->err, b->src, line, col, "%s", what);
}

static int syntax_error(builder *b, const yaml_parser_t *p)
{
    int line, col;
    if (p->error == YAML_MEMORY_ERROR)
        return vl_error_at(b->err, b->src, 0, 0, "out of memory while parsing YAML");
    if (p->error == YAML_READER_ERROR) {
        offset_pos(b, p->problem_offset, &line, &col);
        return vl_error_at(b->err, b->src, line, col, "YAML syntax error: %s",
                           p->problem ? p->problem : "unreadable input");
    }
    mark_pos(b, p->problem_mark, &line, &col);
    if (p->context) {
        int cl, cc;
        mark_pos(b, p->context_mark, &cl, &cc);
        return vl_error_at(b->err, b->src, line, col, "YAML syntax error: %s (%s at %d:%d)",
                           p->problem ? p->problem : "invalid YAML", p->context, cl, cc);
    }
    return vl_error_at(b->err, b->src, line, col, "YAML syntax error: %s",
                       p->problem ? p->problem : "invalid YAML");
}

/* A deep copy of n (positions kept: an error in a copy points at what the
 * anchor names), counting its nodes in *budget; NULL when out of memory or
 * past the budget (*budget then 0). */
static yt_node *copy(const yt_node *n, size_t *budget)
{
    if (*budget == 0)
        return NULL;
    (*budget)--;
    yt_node *c = node_new(n->kind, n->src, n->line, n->col);
    if (!c)
        return NULL;
    c->plain = n->plain;
    if (n->str && !(c->str = strdup(n->str))) {
        yt_free(c);
        return NULL;
    }
    for (size_t i = 0; i < n->n; i++) {
        if (grow(c) < 0) {
            yt_free(c);
            return NULL;
        }
        if (n->kind == YT_SEQ) {
            if (!(c->items[c->n] = copy(n->items[i], budget))) {
                yt_free(c);
                return NULL;
            }
        } else {
            c->pairs[c->n].key = copy(n->pairs[i].key, budget);
            c->pairs[c->n].value = c->pairs[c->n].key ? copy(n->pairs[i].value, budget) : NULL;
            if (!c->pairs[c->n].value) {
                yt_free(c->pairs[c->n].key);
                yt_free(c);
                return NULL;
            }
        }
        c->n++;
    }
    return c;
}

/* How many levels of sequences and mappings n nests (0 for a scalar). */
static int height(const yt_node *n)
{
    int h = 0;
    for (size_t i = 0; i < n->n; i++) {
        int c = height(n->kind == YT_SEQ ? n->items[i] : n->pairs[i].value);
        if (c > h)
            h = c;
    }
    return n->kind == YT_SCALAR ? 0 : h + 1;
}

/* Names node with anchor `name` (a later anchor of the same name wins, as
 * in YAML). */
static int add_anchor(builder *b, const char *name, yt_node *node)
{
    for (int i = 0; i < b->nanchors; i++)
        if (strcmp(b->anchors[i].name, name) == 0) {
            b->anchors[i].node = node;
            return 0;
        }
    if (b->nanchors == b->anchors_cap) {
        int cap = b->anchors_cap ? 2 * b->anchors_cap : 8;
        yt_anchor *a = realloc(b->anchors, (size_t)cap * sizeof *a);
        if (!a)
            return vl_error_set(b->err, "out of memory");
        b->anchors = a;
        b->anchors_cap = cap;
    }
    char *copy_of_name = strdup(name);
    if (!copy_of_name)
        return vl_error_set(b->err, "out of memory");
    b->anchors[b->nanchors++] = (yt_anchor){copy_of_name, node};
    return 0;
}

/* Attaches a new node to the open container (or makes it the root).
 * Takes ownership of n. */
static int attach(builder *b, yt_node *n)
{
    if (b->depth == 0) {
        b->root = n;
        return 0;
    }
    frame *f = &b->stack[b->depth - 1];
    if (f->node->kind == YT_SEQ) {
        if (grow(f->node) < 0) {
            yt_free(n);
            return vl_error_set(b->err, "out of memory");
        }
        f->node->items[f->node->n++] = n;
        return 0;
    }
    if (f->pending_key) {
        yt_node *key = f->pending_key;
        f->pending_key = NULL;
        if (yt_map_add(f->node, key, n) < 0)
            return vl_error_set(b->err, "out of memory");
        return 0;
    }
    /* n is a key */
    if (n->kind != YT_SCALAR) {
        int rc = vl_error_at(b->err, b->src, n->line, n->col,
                             "mapping keys must be strings, got %s", yt_kind_name(n->kind));
        yt_free(n);
        return rc;
    }
    yt_pair *dup = b->repeated_keys ? NULL : yt_map_find(f->node, n->str);
    if (dup) {
        int rc = vl_error_at(b->err, b->src, n->line, n->col,
                             "duplicate key '%.60s' (first given at %d:%d)", n->str,
                             dup->key->line, dup->key->col);
        yt_free(n);
        return rc;
    }
    f->pending_key = n;
    return 0;
}

static int on_scalar(builder *b, const yaml_event_t *e)
{
    int line, col;
    if (e->data.scalar.tag)
        return fail_at(b, e->start_mark, "tags", (const char *)e->data.scalar.tag);
    const char *v = (const char *)e->data.scalar.value;
    if (strlen(v) != e->data.scalar.length)
        return fail_at(b, e->start_mark, "NUL characters are not allowed in values", NULL);
    mark_pos(b, e->start_mark, &line, &col);
    yt_node *n = yt_scalar_new(b->src, line, col, v);
    if (!n)
        return vl_error_set(b->err, "out of memory");
    n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (attach(b, n) < 0)
        return -1;
    return e->data.scalar.anchor ? add_anchor(b, (const char *)e->data.scalar.anchor, n) : 0;
}

/* *name: a copy of the node the anchor names, within YT_MAX_ALIAS_NODES
 * for the whole document (a few aliases of aliases would otherwise grow
 * the tree exponentially). */
static int on_alias(builder *b, const yaml_event_t *e)
{
    const char *name = (const char *)e->data.alias.anchor;
    int line, col;
    mark_pos(b, e->start_mark, &line, &col);
    const yt_anchor *a = NULL;
    for (int i = 0; i < b->nanchors; i++)
        if (strcmp(b->anchors[i].name, name) == 0)
            a = &b->anchors[i];
    if (!a)
        return vl_error_at(b->err, b->src, line, col,
                           "alias *%.60s names no anchor defined before it", name);
    for (int i = 0; i < b->depth; i++)
        if (b->stack[i].node == a->node)
            return vl_error_at(b->err, b->src, line, col,
                               "alias *%.60s is inside the node it names", name);
    if (b->depth + height(a->node) > YT_MAX_DEPTH) /* the copy keeps the limit too */
        return vl_error_at(b->err, b->src, line, col, "nesting deeper than %d levels",
                           YT_MAX_DEPTH);
    size_t budget = YT_MAX_ALIAS_NODES - b->expanded;
    yt_node *n = copy(a->node, &budget);
    if (!n) {
        if (budget == 0)
            return vl_error_at(b->err, b->src, line, col,
                               "aliases expand to more than %d nodes", YT_MAX_ALIAS_NODES);
        return vl_error_set(b->err, "out of memory");
    }
    b->expanded = YT_MAX_ALIAS_NODES - budget;
    return attach(b, n);
}

static int on_start(builder *b, const yaml_event_t *e, yt_kind kind)
{
    const yaml_char_t *anchor, *tag;
    int line, col;
    if (kind == YT_SEQ) {
        anchor = e->data.sequence_start.anchor;
        tag = e->data.sequence_start.tag;
    } else {
        anchor = e->data.mapping_start.anchor;
        tag = e->data.mapping_start.tag;
    }
    if (tag)
        return fail_at(b, e->start_mark, "tags", (const char *)tag);
    mark_pos(b, e->start_mark, &line, &col);
    if (b->depth >= YT_MAX_DEPTH)
        return vl_error_at(b->err, b->src, line, col, "nesting deeper than %d levels",
                           YT_MAX_DEPTH);
    yt_node *n = node_new(kind, b->src, line, col);
    if (!n)
        return vl_error_set(b->err, "out of memory");
    if (attach(b, n) < 0 || (anchor && add_anchor(b, (const char *)anchor, n) < 0))
        return -1;
    b->stack[b->depth].node = n;
    b->stack[b->depth].pending_key = NULL;
    b->depth++;
    return 0;
}

/* Handles one event; sets *done at the end of the stream. */
static int on_event(builder *b, const yaml_event_t *e, bool *done)
{
    switch (e->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (b->seen_doc)
            return fail_at(b, e->start_mark,
                           "multiple documents are not supported (remove the second '---')",
                           NULL);
        b->seen_doc = true;
        return 0;
    case YAML_ALIAS_EVENT:
        return on_alias(b, e);
    case YAML_SCALAR_EVENT:
        return on_scalar(b, e);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(b, e, YT_SEQ);
    case YAML_MAPPING_START_EVENT:
        return on_start(b, e, YT_MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (b->depth > 0)
            b->depth--;
        return 0;
    case YAML_STREAM_END_EVENT:
        *done = true;
        return 0;
    default:
        return 0;
    }
}

int yt_parse(const char *src, const char *text, size_t len, int line0, int col0,
             unsigned flags, yt_node **out, vl_error *err)
{
    builder b = {.src = src, .text = text, .len = len, .line0 = line0, .col0 = col0,
                 .one_line = flags & YT_ONE_LINE, .repeated_keys = flags & YT_REPEATED_KEYS,
                 .err = err};
    yaml_parser_t p;
    int rc = 0;
    bool done = false;

    *out = NULL;
    if (!yaml_parser_initialize(&p))
        return vl_error_set(err, "out of memory");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    while (!done && rc == 0) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            rc = syntax_error(&b, &p);
            break;
        }
        rc = on_event(&b, &e, &done);
        yaml_event_delete(&e);
    }
    yaml_parser_delete(&p);
    for (int i = 0; i < b.depth; i++)
        yt_free(b.stack[i].pending_key);
    for (int i = 0; i < b.nanchors; i++)
        free(b.anchors[i].name);
    free(b.anchors);
    if (rc < 0) {
        yt_free(b.root);
        return -1;
    }
    *out = b.root;
    return 0;
}
