/* sim/fel_radix.c - the future-event list as a radix heap over coarse time.
 *
 * Time is cut into slots of 2^slot_shift ns.  The entries of the current
 * slot are in `run`, sorted, and `now`, a binary heap in (time, order); a
 * pop takes the lesser of their heads.  Every later entry sits
 * in a bucket chosen as in a radix heap (R. K. Ahuja, K. Mehlhorn,
 * J. B. Orlin, R. E. Tarjan, "Faster algorithms for the shortest path
 * problem", JACM 37(2), 1990) with multi-bit digits (the multi-level
 * buckets of E. V. Denardo, B. L. Fox, "Shortest-route methods: 1.
 * Reaching, pruning, and buckets", Operations Research 27(1), 1979): by the
 * highest digit of its slot number that differs from the current slot's,
 * and that digit's value.  Level 0 (the low 11 bits) has a bucket per
 * slot; each level above has 256 buckets.  In (level, digit) order the
 * buckets hold ever later entries, so the earliest entry is in `now` or
 * else in the first non-empty bucket, found with two bit scans.
 *
 * When both run dry, the first non-empty bucket becomes the current slot.
 * A level-0 bucket of one entry (the usual case) is popped as it is, one of
 * more goes to `run`; a higher bucket is spread over lower buckets and
 * `run` from the first slot it covers (not its earliest entry's: finding
 * that would read its chunks twice).  The entries reach `run` in the order
 * they were filed; if that is not their (time, order) order, `run` becomes
 * the heap (settle_run).  An entry filed into the current slot later joins
 * `run` if it comes after run's last entry, else the heap.  An entry is
 * copied once per level it descends; no comparison reads an event, and no
 * event is written when an entry moves.  A bucket keeps its first entry in
 * place, the others in a list of chunks from a pool (a freed chunk is the
 * next one used, still in the cache); the next chunk of a list is fetched
 * ahead while one is read.
 * A pop asks the cache for the next two events to fire.
 *
 * The engine never inserts before the time of the last popped event, so
 * nothing is filed before the current slot.  The slot width decides speed
 * only: after a window of pops (the first WINDOW, then as many as there are
 * entries), it is set from the mean spacing of the pops (size_slots), and
 * the entries are re-filed when it is off by a factor of 4 or more.
 *
 * Removal is lazy: the event is marked not pending and its entry stays,
 * recognised when it surfaces because the event no longer matches it
 * (every filing has a new order, the engine's sequence number).  When such
 * stale entries outnumber the pending events by STALE_SLACK, they are
 * swept out, so that memory stays proportional to the pending events.  An
 * event's storage must therefore outlive the list, cancelled or not (events
 * live in the model's objects, which are freed after the engine).
 *
 * Invariants: every entry's slot >= `slot`; `now` (in heap order) and
 * `run` from run_head (sorted; run.n = 0 when drained) hold exactly the
 * entries of slot `slot`; bucket b = (level, digit) holds the
 * entries whose slot's highest digit differing from `slot` is at `level`,
 * with value `digit`, the first in place; bit b of `nonempty` is set iff
 * bucket b is not empty, bit w of `nonempty_words` iff nonempty[w] != 0;
 * entries = size + stale, and stale = 0 means every entry is live. */
#include <assert.h>
#include <stdlib.h>

#include "sim/fel.h"
#include "vl_oom.h"

#define DIGIT0 VL_RADIX_DIGIT0
#define DIGIT VL_RADIX_DIGIT
#define LEVEL0 (1 << DIGIT0) /* buckets of level 0: one slot each */
#define STALE_SLACK 256    /* stale entries tolerated beyond the pending count */
#define WINDOW 1024        /* the fewest pops between slot-width estimates    */
#define INITIAL_SHIFT 8    /* 256 ns until the first estimate                  */
#define MAX_SHIFT 40       /* 18 minutes                                       */

static inline bool entry_live(const vl_fel_entry *e)
{
    const vl_event *ev = e->ev;
    return ev->slot >= 0 && ev->order == e->order && ev->time == e->time;
}

/* ------------------------------------------------ `now`: a binary heap */

static void now_push(vl_fel_vec *v, vl_fel_entry e)
{
    if (v->n == v->cap)
        vl_fel_vec_grow(v);
    size_t i = v->n++;
    while (i > 0 && vl_fel_entry_less(&e, &v->e[(i - 1) / 2])) {
        v->e[i] = v->e[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    v->e[i] = e;
}

static void now_sift_down(vl_fel_vec *v, size_t i, vl_fel_entry e)
{
    size_t n = v->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && vl_fel_entry_less(&v->e[c + 1], &v->e[c]))
            c++;
        if (!vl_fel_entry_less(&v->e[c], &e))
            break;
        v->e[i] = v->e[c];
        i = c;
    }
    v->e[i] = e;
}

static vl_fel_entry now_pop(vl_fel_vec *v)
{
    vl_fel_entry top = v->e[0];
    if (--v->n > 0)
        now_sift_down(v, 0, v->e[v->n]);
    return top;
}

/* Floyd's bottom-up construction: heap order in O(n). */
static void now_heapify(vl_fel_vec *v)
{
    for (size_t i = v->n / 2; i-- > 0;)
        now_sift_down(v, i, v->e[i]);
}

/* The entries a new slot brought, in `run` in the order they were filed:
 * kept there if already in (time, order) order, else made the heap.
 * Filing keeps the order of insertion (chunk lists are read oldest first)
 * and the engine numbers insertions in order, so the many events of one
 * instant (every pCPU's tick on a tick grid) arrive sorted and are then
 * popped in sequence, with no sifting. */
static void settle_run(vl_fel *q)
{
    vl_fel_vec *r = &q->run;
    for (uint32_t i = 1; i < r->n; i++) {
        if (!vl_fel_entry_less(&r->e[i - 1], &r->e[i])) {
            vl_fel_vec heap = q->now; /* empty: advance() runs when `now` is */
            q->now = *r;
            *r = (vl_fel_vec){.e = heap.e, .cap = heap.cap};
            now_heapify(&q->now);
            return;
        }
    }
}

/* ---------------------------------------------------------------- chunks */

static vl_fel_chunk *chunk_get(vl_fel *q)
{
    if (!q->free_chunks) {
        vl_fel_chunk *block = malloc(VL_RADIX_BLOCK * sizeof *block);
        void **blocks = realloc(q->blocks, (q->nblocks + 1) * sizeof *blocks);
        if (!block || !blocks)
            vl_out_of_memory("the event list"); /* the hot path cannot return an error */
        q->blocks = blocks;
        q->blocks[q->nblocks++] = block;
        for (int i = 0; i < VL_RADIX_BLOCK; i++) {
            block[i].next = q->free_chunks;
            q->free_chunks = &block[i];
        }
    }
    vl_fel_chunk *c = q->free_chunks;
    q->free_chunks = c->next;
    return c;
}

static inline void chunk_put(vl_fel *q, vl_fel_chunk *c)
{
    c->next = q->free_chunks;
    q->free_chunks = c;
}

/* --------------------------------------------------------------- buckets */

static inline int64_t slot_of(const vl_fel *q, vl_ns t)
{
    return (int64_t)((uint64_t)t >> q->slot_shift);
}

/* The bucket of slot s > the current slot. */
static inline int bucket_of(int64_t cur, int64_t s)
{
    int high = 63 - __builtin_clzll((uint64_t)(s ^ cur)); /* highest differing bit */
    if (high < DIGIT0)
        return (int)(s & (LEVEL0 - 1));
    int level = (high - DIGIT0) / DIGIT; /* above level 0 */
    int digit = (int)((uint64_t)s >> (DIGIT0 + level * DIGIT)) & ((1 << DIGIT) - 1);
    return LEVEL0 + (level << DIGIT) + digit;
}

static inline bool marked(const vl_fel *q, int b)
{
    return q->nonempty[b >> 6] >> (b & 63) & 1;
}

static inline void mark(vl_fel *q, int b)
{
    q->nonempty[b >> 6] |= 1ULL << (b & 63);
    q->nonempty_words |= 1ULL << (b >> 6);
}

static inline void unmark(vl_fel *q, int b)
{
    if (!(q->nonempty[b >> 6] &= ~(1ULL << (b & 63))))
        q->nonempty_words &= ~(1ULL << (b >> 6));
}

/* Files e, of slot s >= the current slot. */
static inline __attribute__((always_inline)) void file_at(vl_fel *q, vl_fel_entry e, int64_t s)
{
    if (s == q->slot) {
        /* the run takes what keeps it sorted (a new slot's entries while
         * advance() files them, settled after) */
        vl_fel_vec *r = &q->run;
        if (q->filling || r->n == 0 || !vl_fel_entry_less(&e, &r->e[r->n - 1]))
            vl_fel_vec_push(r, e);
        else
            now_push(&q->now, e);
        return;
    }
    int b = bucket_of(q->slot, s);
    vl_radix_bucket *B = &q->bucket[b];
    if (!marked(q, b)) { /* asks the bitmap, not B: no wait for B's line */
        B->first = e;
        mark(q, b);
        return;
    }
    vl_fel_chunk *c = B->more;
    if (!c || c->n == VL_RADIX_CHUNK) {
        vl_fel_chunk *fresh = chunk_get(q);
        fresh->next = c;
        fresh->n = 0;
        B->more = c = fresh;
    }
    c->e[c->n++] = e;
}

static inline void file_entry(vl_fel *q, vl_fel_entry e)
{
    file_at(q, e, slot_of(q, e.time));
}

/* Empties bucket b: its first entry in *first, the rest returned. */
static vl_fel_chunk *take(vl_fel *q, int b, vl_fel_entry *first)
{
    vl_radix_bucket *B = &q->bucket[b];
    vl_fel_chunk *more = B->more;
    *first = B->first;
    B->more = NULL;
    unmark(q, b);
    return more;
}

/* Asks the cache for chunk c (the next of a list being walked: only the
 * current chunk says where it is, too late for the hardware to guess). */
static inline void prefetch_chunk(const vl_fel_chunk *c)
{
    if (c)
        for (size_t off = 0; off < sizeof *c; off += 64)
            __builtin_prefetch((const char *)c + off);
}

/* Chunk list c in the opposite order (a bucket's list is newest first). */
static vl_fel_chunk *reversed(vl_fel_chunk *c)
{
    vl_fel_chunk *r = NULL;
    while (c) {
        vl_fel_chunk *next = c->next;
        c->next = r;
        r = c;
        c = next;
    }
    return r;
}

/* Files the entries of a chunk list and frees its chunks. */
static void file_list(vl_fel *q, vl_fel_chunk *list, bool keep_stale)
{
    while (list) {
        vl_fel_chunk *c = list;
        list = c->next;
        prefetch_chunk(list);
        for (uint32_t k = 0; k < c->n; k++)
            if (keep_stale || entry_live(&c->e[k]))
                file_entry(q, c->e[k]);
        chunk_put(q, c);
    }
}

/* `now` is empty: the first non-empty bucket's first slot becomes the
 * current one (for a bucket above level 0, the first slot it covers: its
 * entries then spread over lower levels without a pass to find the
 * earliest).  A slot of one entry (the usual case when slots are sized
 * well) skips `now`: returns true with it in *one. */
static bool advance(vl_fel *q, vl_fel_entry *one)
{
    int w = __builtin_ctzll(q->nonempty_words);
    int b = w * 64 + __builtin_ctzll(q->nonempty[w]);
    vl_fel_chunk *more = take(q, b, one);
    if (b < LEVEL0) { /* level 0: one slot */
        q->slot = (q->slot & ~(int64_t)(LEVEL0 - 1)) | b;
        if (!more)
            return true;
    } else { /* the current slot's digits above the level, the bucket's digit, zeros */
        int low = DIGIT0 + ((b - LEVEL0) >> DIGIT) * DIGIT;
        uint64_t above = (uint64_t)q->slot >> low >> DIGIT << DIGIT;
        q->slot = (int64_t)((above | (uint64_t)((b - LEVEL0) & ((1 << DIGIT) - 1))) << low);
    }
    more = reversed(more); /* oldest first: see settle_run */
    prefetch_chunk(more);
    q->filling = true; /* the new slot's entries go to `run` */
    file_entry(q, *one); /* to `run` or buckets below b */
    file_list(q, more, true);
    q->filling = false;
    settle_run(q);
    return false;
}

/* Re-files every entry (slots of 2^shift ns from the last popped time);
 * with keep_stale false, drops the entries of removed events. */
static void refile(vl_fel *q, int shift, bool keep_stale)
{
    /* the current slot's entries, then each bucket's: its first entry and
     * its list, oldest first (the order of filing, as settle_run wants) */
    vl_fel_vec firsts = q->now;
    q->now = (vl_fel_vec){0};
    for (uint32_t k = q->run_head; k < q->run.n; k++)
        vl_fel_vec_push(&firsts, q->run.e[k]);
    q->run.n = q->run_head = 0;
    uint32_t ncur = firsts.n;
    vl_fel_chunk *lists[VL_RADIX_BUCKETS];
    uint32_t nb = 0;
    for (uint64_t words = q->nonempty_words; words; words &= words - 1) {
        int w = __builtin_ctzll(words);
        for (uint64_t bits = q->nonempty[w]; bits; bits &= bits - 1) {
            vl_fel_entry first;
            lists[nb++] = reversed(take(q, w * 64 + __builtin_ctzll(bits), &first));
            vl_fel_vec_push(&firsts, first);
        }
    }
    q->slot_shift = shift;
    q->slot = slot_of(q, q->last);
    for (uint32_t k = 0; k < firsts.n; k++) {
        if (keep_stale || entry_live(&firsts.e[k]))
            file_entry(q, firsts.e[k]);
        if (k >= ncur)
            file_list(q, lists[k - ncur], keep_stale);
    }
    free(firsts.e);
    if (!keep_stale)
        q->stale = 0;
}

/* Sets the slot width from the mean spacing of the instants popped in the
 * window that ends: 2^shift in (gap / 8, gap / 4], so that most slots hold
 * at most one instant (a slot of one entry is the cheapest pop; narrower
 * slots send more entries through an extra level; of the widths gap / 8
 * ... 2 gap this one was the fastest on the benchmark's hold model).
 * Instants, not pops: the many events of one instant (every pCPU's tick)
 * share a slot whatever its width and are popped as a run, and counting
 * them made the estimate swing between windows with and without such
 * batches, re-filing every entry at each swing.  A window of one instant
 * says nothing and changes nothing.  The next window spans at least as
 * many pops as there are entries, so that re-filing costs at most one
 * move per pop. */
static void size_slots(vl_fel *q)
{
    if (q->window_instants > 0) {
        uint64_t gap = (uint64_t)(q->last - q->window_start) / q->window_instants;
        int shift = gap >= 8 ? 61 - __builtin_clzll(gap) : 0;
        shift = shift > MAX_SHIFT ? MAX_SHIFT : shift;
        if (shift >= q->slot_shift + 2 || shift <= q->slot_shift - 2)
            refile(q, shift, true);
    }
    q->window_start = q->last;
    q->window_instants = 0;
    size_t entries = q->size + q->stale;
    q->window_len = entries > WINDOW ? (uint32_t)entries : WINDOW;
    q->window_left = q->window_len;
}

/* Asks the cache for the events likely to fire next and after it (the
 * head of `now` and its children, then the first entries of the first two
 * buckets) while the engine runs this one: with many events pending they
 * are rarely in the cache, and one event's run is too short to fetch the
 * next. */
static inline void prefetch_next(const vl_fel *q)
{
    uint32_t n = q->now.n;
    for (uint32_t i = 0; i < n && i < 3; i++)
        __builtin_prefetch(q->now.e[i].ev);
    for (uint32_t i = q->run_head; i < q->run.n && i < q->run_head + 2; i++, n++)
        __builtin_prefetch(q->run.e[i].ev);
    if (n >= 2 || !q->nonempty_words)
        return;
    int w = __builtin_ctzll(q->nonempty_words);
    uint64_t bits = q->nonempty[w];
    __builtin_prefetch(q->bucket[w * 64 + __builtin_ctzll(bits)].first.ev);
    bits &= bits - 1; /* the next bucket, if in the same word */
    if (n == 0 && bits)
        __builtin_prefetch(q->bucket[w * 64 + __builtin_ctzll(bits)].first.ev);
}

/* --------------------------------------------------------------- interface */

int vl_fel_radix_init(vl_fel *q)
{
    q->slot_shift = INITIAL_SHIFT;
    q->window_len = q->window_left = WINDOW;
    q->bucket = calloc(VL_RADIX_BUCKETS, sizeof *q->bucket);
    return q->bucket ? 0 : -1;
}

void vl_fel_radix_insert(vl_fel *q, vl_event *ev)
{
    int64_t s = slot_of(q, ev->time);
    if (s < q->slot) {
        /* only after a pop found nothing: the current slot may have passed
         * removed events' times then */
        assert(q->size == 0 && q->stale == 0);
        q->slot = s;
    }
    ev->slot = 0;
    q->size++;
    file_at(q, vl_fel_entry_of(ev), s);
}

void vl_fel_radix_remove(vl_fel *q, vl_event *ev)
{
    ev->slot = -1;
    q->size--;
    if (++q->stale > q->size + STALE_SLACK)
        refile(q, q->slot_shift, false);
}

vl_event *vl_fel_radix_pop(vl_fel *q)
{
    for (;;) {
        vl_fel_entry e;
        if (q->run_head < q->run.n &&
            (!q->now.n || vl_fel_entry_less(&q->run.e[q->run_head], &q->now.e[0]))) {
            e = q->run.e[q->run_head++];
            if (q->run_head == q->run.n)
                q->run.n = q->run_head = 0;
        } else if (q->now.n)
            e = now_pop(&q->now);
        else if (!q->nonempty_words)
            return NULL;
        else if (!advance(q, &e))
            continue;
        if (q->stale && !entry_live(&e)) {
            q->stale--;
            continue;
        }
        e.ev->slot = -1;
        q->size--;
        q->window_instants += e.time != q->last;
        q->last = e.time;
        prefetch_next(q);
        if (--q->window_left == 0)
            size_slots(q);
        return e.ev;
    }
}
