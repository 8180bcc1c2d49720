/* vl_ksyms.h - a kernel symbol table (System.map) and address lookup.
 *
 * Loads "ADDRESS TYPE NAME" lines (text symbols t/T/w/W; others ignored),
 * sorts them by address, and answers which function an address is in: a
 * symbol's extent is [its address, the next symbol's address).  The guest
 * model uses it to place kernel activities at real addresses; a policy uses
 * it, like a real hypervisor, to classify a vCPU's instruction pointer. */
#ifndef VL_KSYMS_H
#define VL_KSYMS_H

#include <stddef.h>
#include <stdint.h>

#include "vl_error.h"

typedef struct vl_ksym {
    uint64_t addr;
    const char *name; /* into the table's string blob */
} vl_ksym;

typedef struct vl_ksyms {
    vl_ksym *syms;           /* by address                                 */
    size_t n;
    char *blob;
    const vl_ksym **by_name; /* the same n, by name (equal names: by address) */
} vl_ksyms;

/* Loads a System.map file.  Returns 0, or -1 with err (file:line:col for a
 * malformed line). */
int vl_ksyms_load(vl_ksyms *ks, const char *path, vl_error *err);
/* Same from text in memory (`name` for messages). */
int vl_ksyms_parse(vl_ksyms *ks, const char *name, const char *text, size_t len, vl_error *err);
void vl_ksyms_free(vl_ksyms *ks);

/* The symbol whose extent holds addr, or NULL (below the first symbol, or
 * at/after the last one, whose end is unknown).  *offset = addr - start. */
const vl_ksym *vl_ksyms_lookup(const vl_ksyms *ks, uint64_t addr, uint64_t *offset);
/* The extent [*start, *end) of the function `name` (of the lowest address
 * when several share the name); -1 if absent or if it is the last symbol
 * (no end).  A binary search of the names. */
int vl_ksyms_extent(const vl_ksyms *ks, const char *name, uint64_t *start, uint64_t *end);
/* Index in `names` (NULL-terminated) of the function holding addr, or -1. */
int vl_ksyms_classify(const vl_ksyms *ks, uint64_t addr, const char *const *names);

#endif
