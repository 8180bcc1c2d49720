/* scenario/yaml_tree.h - a small YAML node tree with source positions.
 *
 * yt_parse() reads one YAML document with libyaml's event API into a tree of
 * scalar, sequence and mapping nodes.  Every node remembers where it started
 * (source name, 1-based line and column), so later semantic checks can report
 * file:line:col.  Anchors and aliases are accepted: an alias is a copy of
 * the node its anchor names (with that node's positions), within
 * YT_MAX_ALIAS_NODES nodes for a whole document.  Tags, merge keys are not
 * (`<<` is an ordinary key), several documents, non-scalar or (unless asked) duplicate
 * mapping keys and NUL characters inside scalars are rejected with a clear
 * message.
 *
 * Nodes own their children.  A node's `src` is NOT owned: it points at the
 * source name given to yt_parse() (or a string literal) and must outlive the
 * tree. */
#ifndef VL_SCENARIO_YAML_TREE_H
#define VL_SCENARIO_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "vl_error.h"

/* Deepest nesting of sequences and mappings accepted. */
#define YT_MAX_DEPTH 64
/* Most nodes aliases may add to one document (each alias adds a copy of
 * what its anchor names): bounds "billion laughs" documents. */
#define YT_MAX_ALIAS_NODES 100000

typedef enum yt_kind { YT_SCALAR, YT_SEQ, YT_MAP } yt_kind;

typedef struct yt_node yt_node;

typedef struct yt_pair {
    yt_node *key;   /* always a YT_SCALAR */
    yt_node *value;
} yt_pair;

struct yt_node {
    yt_kind kind;
    const char *src; /* source name for messages (not owned) */
    int line, col;   /* 1-based start position */
    /* YT_SCALAR */
    char *str;       /* NUL-terminated, no embedded NUL */
    bool plain;      /* written without quotes / block style */
    /* YT_SEQ: items[n]; YT_MAP: pairs[n] */
    size_t n, cap;
    yt_node **items;
    yt_pair *pairs;
};

/* yt_parse flags. */
#define YT_ONE_LINE 1u      /* a --set value: positions past the end of the
                             * text, such as the end of the stream, are
                             * reported at its end                        */
#define YT_REPEATED_KEYS 2u /* a key may repeat in a mapping: each is a pair
                             * of its own, in order (rt-app's JSON); the
                             * lookups find the first                     */

/* Parses `len` bytes of `text`.  Positions are reported as `line0 + line`
 * (0-based libyaml line) and, on the first line, `col0 + column`; later lines
 * start at column 1.  A stream without a document gives *out = NULL.
 * Returns 0, or -1 with err filled (at src:line:col). */
int yt_parse(const char *src, const char *text, size_t len, int line0, int col0,
             unsigned flags, yt_node **out, vl_error *err);

void yt_free(yt_node *n);

/* Constructors (NULL when out of memory).  `str` is copied. */
yt_node *yt_scalar_new(const char *src, int line, int col, const char *str);
yt_node *yt_map_new(const char *src, int line, int col);

/* The pair of `map` whose key is `key`, or NULL (also when map is not a
 * mapping). */
yt_pair *yt_map_find(const yt_node *map, const char *key);
/* The value under `key`, or NULL. */
yt_node *yt_map_get(const yt_node *map, const char *key);
/* Appends key -> value to `map`, taking ownership of both (freed on
 * failure).  Returns 0, or -1 when out of memory. */
int yt_map_add(yt_node *map, yt_node *key, yt_node *value);

/* "a scalar", "a sequence", "a mapping". */
const char *yt_kind_name(yt_kind k);

#endif
