/* guest/module.c - the registration tables modules fill at guest creation
 * (guest/module.h).  The core reads them; nothing here calls a module. */
#include "guest/module.h"

void vl_guest_vector(vl_guest *g, int vector, vl_vector_fn fn)
{
    g->vectors[vector] = fn;
}
