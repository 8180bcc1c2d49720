/* vl_json_parse.h - a JSON reader (RFC 8259) into a tree, for reading back
 * what vcpulab wrote (`vcpulab plot` reads compare's and sweep's JSON).
 * The writer is vl_json.h.
 *
 * Strings are decoded (escapes, \u surrogate pairs as UTF-8); a number
 * keeps its text as written (text) besides its value (num), so an integer
 * beyond 2^53 (a seed) is not rounded.  Object members keep their order;
 * duplicate keys are kept (vl_jnode_get finds the first).  Nesting is
 * bounded (VL_JSON_PARSE_DEPTH). */
#ifndef VL_JSON_PARSE_H
#define VL_JSON_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define VL_JSON_PARSE_DEPTH 64

typedef enum vl_jtype {
    VL_JNULL,
    VL_JBOOL,
    VL_JNUM,
    VL_JSTR,
    VL_JARR,
    VL_JOBJ,
} vl_jtype;

typedef struct vl_jnode {
    vl_jtype type;
    bool b;                  /* VL_JBOOL                                   */
    double num;              /* VL_JNUM                                    */
    char *text;              /* VL_JSTR: the string; VL_JNUM: as written   */
    struct vl_jnode *items;  /* VL_JARR, VL_JOBJ: n of them                */
    char **keys;             /* VL_JOBJ: items[i]'s key                    */
    int n;
} vl_jnode;

/* Parses text[0..len) (one value, white space around it) into *root.
 * Returns 0; -1 with a message ("line L: expected ','") in msg on a syntax
 * error; -2 when out of memory.  Nothing is left allocated on failure. */
int vl_json_parse(const char *text, size_t len, vl_jnode *root, char *msg, size_t msglen);
/* Member `key` of an object, or NULL (not an object, or no such key). */
const vl_jnode *vl_jnode_get(const vl_jnode *obj, const char *key);
void vl_jnode_free(vl_jnode *node);

#endif
