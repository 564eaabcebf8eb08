/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timeouts: SVR4 timeout/untimeout and qtimeout/quntimeout over rte_timer.
 *
 * Principles of operation
 * -----------------------
 * A timeout is an entry taken from a fixed rte_mempool (no malloc on the data path): an
 * rte_timer plus the caller's function and argument. It is armed SINGLE on the calling lcore,
 * so it fires inside that lcore's scheduler pass (rte_timer_manage() in yard_sched_run_once())
 * and may touch that lcore's queues without further ado: for qtimeout() that is the queue's
 * "perimeter" (illumos qcallbwrapper).
 *
 * The callback first stops its own rte_timer (legal from inside the callback, and it tells
 * rte_timer_manage() not to write to the timer afterwards), returns the entry to the pool and
 * only then calls the function, so the function may arm new timeouts, the same entry
 * included.
 *
 * A timeout_id_t is the entry's address with a 6-bit generation in its low bits (entries are
 * cache-line aligned). The generation changes every time an entry is armed, and `armed` is set
 * only while the entry is pending, so untimeout() of an id that already fired, was cancelled
 * or belongs to a recycled entry finds a mismatch and returns -1 instead of cancelling a
 * stranger's timeout.
 *
 * Entries in use (rte_mempool_in_use_count) are the pending timeouts: the tests' leak check.
 *
 * A pass calls rte_timer_manage() only once its lcore's sc_timer_due has come (sched.c,
 * "Timers"), so arming a timeout lowers it to the new expiry; from a thread that is not an EAL
 * lcore, which arms on the main lcore's list without owning it, it is set to 0 (look now).
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_mempool.h>
#include <rte_timer.h>

#include "streams_priv.h"

#define TMO_GEN_MASK ((uintptr_t)RTE_CACHE_LINE_SIZE - 1)
#define TMO_ARMED    0x746d6f21u /* "tmo!" */

struct yard_tmo {
	struct rte_timer tm;
	void (*fn)(void *);
	void *arg;
	uint32_t armed;   /**< TMO_ARMED while pending */
	uint32_t gen;     /**< low bits of the current id */
} __rte_cache_aligned;

static struct rte_mempool *yard_tmo_pool;

static void
tmo_fire(struct rte_timer *tim, void *arg)
{
	struct yard_tmo *e = arg;
	void (*fn)(void *) = e->fn;
	void *fn_arg = e->arg;

	RTE_SET_USED(tim);
	/* Our own RUNNING timer: stop succeeds and rte_timer_manage() leaves it alone. */
	rte_timer_stop(&e->tm);
	e->armed = 0;
	rte_mempool_put(yard_tmo_pool, e);
	yard_sched_self()->sc_stats.timers_run++;
	fn(fn_arg);
}

/* A timeout now pending on lcore's list expires at expire: the scheduler must look by then. */
static void
tmo_due(unsigned lcore, uint64_t expire)
{
	struct yard_sched *sc = yard_sched_of(lcore);

	if (lcore != rte_lcore_id())
		expire = 0;
	else if (expire >= __atomic_load_n(&sc->sc_timer_due, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&sc->sc_timer_due, expire, __ATOMIC_RELAXED);
}

static uint64_t
usec_to_cycles(uint64_t usec)
{
	uint64_t hz = rte_get_timer_hz();

	/* Split so that neither product overflows for any sane delay. */
	return (usec / 1000000) * hz + (usec % 1000000) * hz / 1000000;
}

timeout_id_t
yard_timeout(void (*fn)(void *), void *arg, uint64_t usec)
{
	struct yard_tmo *e;
	void *obj;
	unsigned lcore = rte_lcore_id();

	if (fn == NULL || yard_tmo_pool == NULL)
		return 0;
	if (lcore >= RTE_MAX_LCORE)
		lcore = rte_get_main_lcore();
	if (rte_mempool_get(yard_tmo_pool, &obj) != 0)
		return 0;
	e = obj;
	e->fn = fn;
	e->arg = arg;
	e->gen = (e->gen + 1) & TMO_GEN_MASK;
	e->armed = TMO_ARMED;
	rte_timer_init(&e->tm);
	if (rte_timer_reset(&e->tm, usec_to_cycles(usec), SINGLE, lcore, tmo_fire, e) != 0) {
		e->armed = 0;
		rte_mempool_put(yard_tmo_pool, e);
		return 0;
	}
	tmo_due(lcore, e->tm.expire);
	return (timeout_id_t)e | e->gen;
}

/* The entry an id names if it is still pending under that id, else NULL. */
static struct yard_tmo *
tmo_lookup(timeout_id_t id)
{
	struct yard_tmo *e = (struct yard_tmo *)(id & ~TMO_GEN_MASK);

	if (e == NULL || yard_tmo_pool == NULL)
		return NULL;
	if (e->armed != TMO_ARMED || e->gen != (id & TMO_GEN_MASK))
		return NULL;
	return e;
}

int
yard_untimeout(timeout_id_t id)
{
	struct yard_tmo *e = tmo_lookup(id);

	/* Fails too when the timer is already running (firing) on its lcore. */
	if (e == NULL || rte_timer_stop(&e->tm) != 0)
		return -1;
	e->armed = 0;
	rte_mempool_put(yard_tmo_pool, e);
	return 0;
}

timeout_id_t
qtimeout(queue_t *q, void (*fn)(void *), void *arg, long ticks)
{
	RTE_SET_USED(q);
	if (ticks < 0)
		ticks = 0;
	return yard_timeout(fn, arg, (uint64_t)ticks * 1000);
}

int
quntimeout(queue_t *q, timeout_id_t id)
{
	struct yard_tmo *e = tmo_lookup(id);
	uint64_t now, left_ms = 0;

	RTE_SET_USED(q);
	if (e == NULL)
		return -1;
	/* SVR4: the ticks (ms) that were left, or -1 if it was not pending. */
	now = rte_get_timer_cycles();
	if (e->tm.expire > now)
		left_ms = (e->tm.expire - now) * 1000 / rte_get_timer_hz();
	if (yard_untimeout(id) != 0)
		return -1;
	return left_ms > INT32_MAX ? INT32_MAX : (int)left_ms;
}

unsigned
yard_timeouts_pending(void)
{
	if (yard_tmo_pool == NULL)
		return 0;
	return rte_mempool_in_use_count(yard_tmo_pool);
}

static void
tmo_obj_init(struct rte_mempool *mp, void *opaque, void *obj, unsigned idx)
{
	RTE_SET_USED(mp);
	RTE_SET_USED(opaque);
	RTE_SET_USED(idx);
	memset(obj, 0, sizeof(struct yard_tmo));
}

int
yard_timer_init(unsigned n)
{
	if (yard_tmo_pool != NULL)
		return -EEXIST;
	yard_tmo_pool = rte_mempool_create("yard_tmo", n, sizeof(struct yard_tmo), 32, 0,
					   NULL, NULL, tmo_obj_init, NULL, SOCKET_ID_ANY, 0);
	if (yard_tmo_pool == NULL)
		return -rte_errno;
	return 0;
}

static void
tmo_cancel_one(struct rte_mempool *mp, void *opaque, void *obj, unsigned idx)
{
	struct yard_tmo *e = obj;

	RTE_SET_USED(opaque);
	RTE_SET_USED(idx);
	if (e->armed == TMO_ARMED && rte_timer_stop(&e->tm) == 0) {
		e->armed = 0;
		rte_mempool_put(mp, e);
	}
}

void
yard_timer_fini(void)
{
	if (yard_tmo_pool == NULL)
		return;
	rte_mempool_obj_iter(yard_tmo_pool, tmo_cancel_one, NULL);
	rte_mempool_free(yard_tmo_pool);
	yard_tmo_pool = NULL;
}
