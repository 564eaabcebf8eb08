/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bufcall: call a function when allocb() of a size would succeed again.
 *
 * Principles of operation
 * -----------------------
 * Requests belong to the lcore that made them and run on that lcore's scheduler loop, which
 * calls yard_bufcall_run() every pass; so nothing here takes a lock, and unbufcall() must be
 * called on the lcore that made the request (as qtimeout/quntimeout are).
 *
 * Each lcore has a fixed table of YARD_BUFCALL_MAX entries, a bitmap of the free ones and a
 * FIFO of the pending ones: bufcall() never allocates (it runs in put and service procedures,
 * exactly when memory is short), and returns 0 when the table is full.
 *
 * An id names (lcore, slot, generation); the generation makes unbufcall() of a request that
 * already ran, or whose slot was reused, a no-op instead of cancelling a stranger.
 *
 * yard_bufcall_run() first takes every request whose size testb() now allows off the list
 * and frees its slot, then calls them: a callback may bufcall() again (when its allocb fails
 * after all, as it may if several waiters woke for one freed block) or unbufcall() others
 * without disturbing the walk. The scheduler's sc_bufcalls mirrors whether this lcore has
 * requests pending, so the idle case costs the loop one branch.
 */
#include <stdbool.h>
#include <string.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "streams/mblk.h"
#include "streams/sched.h"

#define YARD_BUFCALL_MAX 64
static_assert(YARD_BUFCALL_MAX <= 64, "the free map is one 64-bit word");
static_assert(sizeof(bufcall_id_t) >= 8, "ids carry a 32-bit generation");

/* id = gen << BC_GEN_SHIFT | lcore << BC_IDX_BITS | slot; gen is never 0, so neither is id. */
#define BC_IDX_BITS   6
#define BC_LCORE_BITS 10
#define BC_GEN_SHIFT  (BC_IDX_BITS + BC_LCORE_BITS)
static_assert(YARD_BUFCALL_MAX <= (1 << BC_IDX_BITS), "slot fits in the id");
static_assert(RTE_MAX_LCORE <= (1 << BC_LCORE_BITS), "lcore fits in the id");

struct bc_entry {
	struct bc_entry *next, *prev;  /* on the pending FIFO */
	size_t size;
	unsigned pri;
	void (*func)(void *);
	void *arg;
	uint32_t gen;                  /* 0 while the slot is free */
};

struct bc_lcore {
	struct bc_entry *head, *tail;  /* pending, oldest first */
	uint64_t used;                 /* bit i: ents[i] is pending */
	uint32_t gen;
	struct bc_entry ents[YARD_BUFCALL_MAX];
} __rte_cache_aligned;

static struct bc_lcore bc_lcores[RTE_MAX_LCORE];

static inline unsigned
bc_lcore_id(void)
{
	unsigned id = rte_lcore_id();

	return likely(id < RTE_MAX_LCORE) ? id : rte_get_main_lcore();
}

static void
bc_unlink(struct bc_lcore *bl, struct bc_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		bl->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		bl->tail = e->prev;
	e->gen = 0;
	bl->used &= ~(UINT64_C(1) << (e - bl->ents));
}

/* Tell the scheduler whether there is anything for yard_bufcall_run() to look at. */
static inline void
bc_mirror(unsigned lcore, struct bc_lcore *bl)
{
	extern struct yard_sched yard_scheds[RTE_MAX_LCORE];

	yard_scheds[lcore].sc_bufcalls = bl->head != NULL ? bl : NULL;
}

bufcall_id_t
bufcall(size_t size, unsigned pri, void (*func)(void *), void *arg)
{
	unsigned lcore = bc_lcore_id();
	struct bc_lcore *bl = &bc_lcores[lcore];
	struct bc_entry *e;
	unsigned slot;

	if (unlikely(func == NULL || bl->used == UINT64_MAX))
		return 0;
	slot = (unsigned)__builtin_ctzll(~bl->used);
	if (slot >= YARD_BUFCALL_MAX)
		return 0;
	if (++bl->gen == 0)
		bl->gen = 1;
	e = &bl->ents[slot];
	e->size = size;
	e->pri = pri;
	e->func = func;
	e->arg = arg;
	e->gen = bl->gen;
	e->next = NULL;
	e->prev = bl->tail;
	if (bl->tail != NULL)
		bl->tail->next = e;
	else
		bl->head = e;
	bl->tail = e;
	bl->used |= UINT64_C(1) << slot;
	bc_mirror(lcore, bl);
	return ((bufcall_id_t)e->gen << BC_GEN_SHIFT) | ((bufcall_id_t)lcore << BC_IDX_BITS) | slot;
}

void
unbufcall(bufcall_id_t id)
{
	unsigned slot = id & ((1u << BC_IDX_BITS) - 1);
	unsigned lcore = (id >> BC_IDX_BITS) & ((1u << BC_LCORE_BITS) - 1);
	uint32_t gen = (uint32_t)(id >> BC_GEN_SHIFT);
	struct bc_lcore *bl;
	struct bc_entry *e;

	if (id == 0 || lcore >= RTE_MAX_LCORE || slot >= YARD_BUFCALL_MAX)
		return;
	bl = &bc_lcores[lcore];
	e = &bl->ents[slot];
	if (e->gen != gen || gen == 0)
		return;  /* already ran or cancelled */
	bc_unlink(bl, e);
	bc_mirror(lcore, bl);
}

unsigned
yard_bufcall_run(void)
{
	unsigned lcore = bc_lcore_id();
	struct bc_lcore *bl = &bc_lcores[lcore];
	struct {
		void (*func)(void *);
		void *arg;
	} ready[YARD_BUFCALL_MAX];
	unsigned n = 0;

	if (likely(bl->head == NULL))
		return 0;
	for (struct bc_entry *e = bl->head, *next; e != NULL; e = next) {
		next = e->next;
		if (!testb(e->size, e->pri))
			continue;
		ready[n].func = e->func;
		ready[n].arg = e->arg;
		n++;
		bc_unlink(bl, e);
	}
	bc_mirror(lcore, bl);
	for (unsigned i = 0; i < n; i++)
		ready[i].func(ready[i].arg);
	yard_msgstat_self()->bufcalls_run += n;
	return n;
}
