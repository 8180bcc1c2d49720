/* vl_list.h - intrusive circular doubly-linked list (Linux list_head style).
 * Used for runqueues by the core and by policies. */
#ifndef VL_LIST_H
#define VL_LIST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct vl_list {
    struct vl_list *next, *prev;
} vl_list;

#define vl_container_of(ptr, type, member) \
    ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static inline void vl_list_init(vl_list *h) { h->next = h->prev = h; }
static inline bool vl_list_empty(const vl_list *h) { return h->next == h; }
/* An element that is not on any list points at itself (after init/del). */
static inline bool vl_list_linked(const vl_list *e) { return e->next != e; }

static inline void vl_list__add(vl_list *e, vl_list *prev, vl_list *next)
{
    next->prev = e;
    e->next = next;
    e->prev = prev;
    prev->next = e;
}
/* Insert e right after pos. */
static inline void vl_list_add_after(vl_list *pos, vl_list *e) { vl_list__add(e, pos, pos->next); }
/* Insert e right before pos (at the tail when pos is the head). */
static inline void vl_list_add_before(vl_list *pos, vl_list *e) { vl_list__add(e, pos->prev, pos); }
static inline void vl_list_push_back(vl_list *h, vl_list *e) { vl_list_add_before(h, e); }
static inline void vl_list_push_front(vl_list *h, vl_list *e) { vl_list_add_after(h, e); }
static inline void vl_list_del(vl_list *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
    e->next = e->prev = e;
}
static inline vl_list *vl_list_first(const vl_list *h) { return vl_list_empty(h) ? NULL : h->next; }

#define vl_list_for_each(pos, head) \
    for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)
#define vl_list_for_each_safe(pos, tmp, head) \
    for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
         (pos) = (tmp), (tmp) = (pos)->next)

#endif
