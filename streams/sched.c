/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-lcore STREAMS scheduler: run list, deferred puts, mailbox, hooks and the loop.
 *
 * Principles of operation
 * -----------------------
 * The pass itself is described atop sched.h. What follows are the invariants this file keeps.
 *
 * Run list. A queue is on its scheduler's run list iff its q_link is non-NULL or it is the
 * list's tail; yard_sched_enqueue() tests that, not QENAB, so a qenable() that sets QENAB
 * before calling us cannot enqueue a queue twice. While a service procedure runs the queue is
 * off the list with QINSERVICE set: an enable then only sets QENAB, and the queue is appended
 * to the tail once the procedure returns (illumos runservice's "once more", but as a fresh
 * turn at the back of the line so the budget still bounds the pass). A service procedure is
 * therefore never entered recursively and never twice at once.
 *
 * Deferred puts. put() defers a message when the lcore's put depth reaches
 * YARD_PUT_DEPTH_MAX or when the target already has deferred messages (so a later message
 * cannot overtake an earlier one). Deferred messages are linked by b_next and carry their
 * target queue in b_prev while on the list; q_ndefer counts them per queue. A pass delivers
 * only the messages that were deferred when it began (a chain of modules that re-defers at
 * every YARD_PUT_DEPTH_MAX hops advances once per pass instead of looping here), popping them
 * from the live list one at a time so that yard_sched_purge_queue() called from inside a put
 * procedure always sees every message still addressed to a closing queue. q_ndefer is
 * decremented as each message is delivered, so a message put to the same queue meanwhile
 * queues behind the ones still waiting.
 *
 * Mailbox. Each lcore has an rte_ring (multi-producer, single-consumer) of pointer pairs
 * (queue, message), always enqueued with one bulk call per pair or per whole burst, so a pair
 * is never split and each sender's messages stay in order. The owner dequeues even counts
 * only, so pairs stay aligned.
 *
 * Closing. yard_sched_purge_queue() must leave no message anywhere that would later be handed
 * to a freed queue: it frees q's entries on the deferred list, in the batch a drain has taken
 * off the ring but not delivered yet (the purge may run inside one of that batch's put
 * procedures), and in the ring itself. A ring cannot be filtered in place, so the ring's
 * other entries move, in order, to the tail of the deferred list, which a pass delivers
 * before the mailbox: no sender's order changes. Senders must have stopped sending to q
 * (the multiplexor unlinked) before the purge; the purge cannot stop a send in flight.
 *
 * Idle sleep. yard_sched_idle() runs only after a pass that did no work, and only when
 * sc_sleep_us is set, so polling for ever costs the loop one never-taken branch per pass. A
 * run of empty passes ends when messages come in (poll_msgs or mbox_msgs moved since the last
 * empty pass): that restarts the count and the back-off, and the busy path pays nothing for
 * it. Other work (a timer, a bufcall, a flush) is not traffic and only delays the next sleep
 * by its pass: TCP's 5 ms tick would otherwise reset the back-off all the time. It re-checks
 * the run list, the deferred list, the mailbox (a sender may have filled it since the pass
 * looked) and the bufcalls before it sleeps: a pass finding nothing is not the same as
 * nothing waiting. A pending bufcall keeps the lcore polling, as without sleep, because the
 * memory it waits for may come back at any pass. Timers bound the sleep: it lasts at most
 * until this lcore's next rte_timer is due (rte_timer_next_ticks()), rounded up to the
 * microsecond so the wake-up lands at or just after the deadline (one before it would find
 * the timer not yet due), and not at all if one is due now. A sleep cut short by a timer
 * is still a step of the back-off (a timer is not traffic); a timer due now skips the sleep
 * and leaves the back-off where it was. Only the owner can ask (DPDK keeps the lists per
 * lcore and reads the caller's); a pass run by any other thread runs no timers either.
 *
 * Timers. rte_timer_manage() costs some fifty instructions even with nothing due, more than
 * the rest of an idle pass's bookkeeping, so a pass calls it only once sc_now has reached
 * sc_timer_due: after each call, the instant the lcore's next rte_timer is due
 * (rte_timer_next_ticks(), read before the clock so the sum is never early), and
 * yard_timeout() lowers it when it arms a sooner one. A timer therefore fires in the pass it
 * would have fired in if every pass asked, or in the next one when that pass began within the
 * few cycles between DPDK's reading of the clock and ours. Only a timer armed from a thread
 * that is not an EAL lcore (on the main lcore's list) can be missed: that thread sets
 * sc_timer_due to 0, but the owner may be between reading the list and storing its own
 * answer. So sc_timer_due is never further away than YARD_SCHED_TIMER_CHECK_US (100 us), which
 * bounds that lateness at a tenth of a qtimeout tick (1 ms) and a fiftieth of TCP's 5 ms tick,
 * and costs an idle lcore one empty rte_timer_manage() per 100 us (hundreds of passes). Busy
 * passes compare a fresh clock, not sc_now: their service procedures may have taken a while.
 *
 * Timer slack. Linux lengthens a thread's sleeps by up to its timer slack (50 us by default)
 * to batch wake-ups, so a 10 us nanosleep takes about 65 us; while the loop runs with idle
 * sleep on it lowers its thread's slack to a tenth of sc_sleep_us (1..50 us), so a sleep lasts
 * about what was asked, and puts the old slack back when the loop returns.
 *
 * Only the owning lcore touches its struct yard_sched, except sc_mbox (any producer), sc_stop
 * (yard_sched_stop()) and sc_timer_due (yard_timeout() from a non-EAL thread; atomic).
 * Counters are plain increments by the owner; the one exception is mbox_full, which the
 * *sender* counts on its own scheduler.
 */
/* rte_timer_next_ticks() is still experimental in DPDK 22.11; this file alone needs it. */
#define ALLOW_EXPERIMENTAL_API 1

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_timer.h>

#include "streams_priv.h"

struct yard_sched yard_scheds[RTE_MAX_LCORE];

/* Messages on each scheduler's deferred list (owner only); bounds a pass of deferred puts. */
static unsigned yard_ndeferred[RTE_MAX_LCORE];

/* Pairs moved per ring call when draining a mailbox. */
#define YARD_MBOX_BURST 32

/*
 * The pairs yard_mbox_drain() has taken off the ring but not yet delivered. A put procedure it
 * calls may close a stream, and yard_sched_purge_queue() must then find that stream's queues
 * here too: it frees their messages and clears the queue slot, which the drain skips.
 */
struct mbox_batch {
	void *pairs[2 * YARD_MBOX_BURST];
	unsigned next;  /* index of the next pair's queue slot to deliver */
	unsigned got;   /* slots filled */
};
static struct mbox_batch yard_mbox_batch[RTE_MAX_LCORE];

static inline unsigned
sc_index(const struct yard_sched *sc)
{
	return (unsigned)(sc - yard_scheds);
}

struct yard_sched *
yard_sched_of(unsigned lcore)
{
	if (lcore >= RTE_MAX_LCORE)
		return NULL;
	return &yard_scheds[lcore];
}

int
yard_sched_init(unsigned lcore, unsigned mbox_size)
{
	struct yard_sched *sc;
	char name[RTE_RING_NAMESIZE];

	if (lcore >= RTE_MAX_LCORE)
		return -EINVAL;
	sc = &yard_scheds[lcore];
	if (sc->sc_inited)
		return -EEXIST;
	if (mbox_size == 0)
		mbox_size = YARD_MBOX_SIZE_DEFAULT;
	if (mbox_size > RTE_RING_SZ_MASK / 2)
		return -EINVAL;
	mbox_size = rte_align32pow2(mbox_size);

	memset(sc, 0, sizeof(*sc));
	sc->sc_lcore = lcore;
	sc->sc_budget = YARD_SCHED_BUDGET_DEFAULT;
	sc->sc_idle_passes = YARD_SCHED_IDLE_PASSES_DEFAULT;
	sc->sc_sleep_fn = rte_delay_us_sleep;
	sc->sc_timer_hz = rte_get_timer_hz();
	yard_ndeferred[lcore] = 0;

	/* Two slots per entry, exactly: mbox_size (queue, message) pairs fit. */
	snprintf(name, sizeof(name), "yard_mbox_%u", lcore);
	sc->sc_mbox = rte_ring_create(name, 2 * mbox_size, (int)rte_lcore_to_socket_id(lcore),
				      RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (sc->sc_mbox == NULL)
		return -rte_errno;
	sc->sc_inited = true;
	return 0;
}

void
yard_sched_fini_all(void)
{
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++) {
		struct yard_sched *sc = &yard_scheds[i];
		void *pair[2];

		if (!sc->sc_inited)
			continue;
		/* The queues may be gone: free messages without touching their targets. */
		while (rte_ring_sc_dequeue_bulk(sc->sc_mbox, pair, 2, NULL) == 2)
			freemsg(pair[1]);
		for (mblk_t *mp = sc->sc_deferhead, *next; mp != NULL; mp = next) {
			next = mp->b_next;
			mp->b_next = mp->b_prev = NULL;
			freemsg(mp);
		}
		/* A batch in hand only exists inside a drain; none runs now. */
		yard_mbox_batch[i].next = yard_mbox_batch[i].got = 0;
		rte_ring_free(sc->sc_mbox);
		memset(sc, 0, sizeof(*sc));
		yard_ndeferred[i] = 0;
	}
}

/* ---- hooks -------------------------------------------------------------------------------- */

static int
hook_add(struct yard_hook *hooks, unsigned *n, yard_poll_fn fn, void *arg)
{
	if (fn == NULL)
		return -EINVAL;
	if (*n >= YARD_SCHED_MAX_HOOKS)
		return -ENOSPC;
	hooks[*n].fn = fn;
	hooks[*n].arg = arg;
	(*n)++;
	return 0;
}

static int
hook_del(struct yard_sched *sc, struct yard_hook *hooks, unsigned *n, yard_poll_fn fn,
	 void *arg)
{
	for (unsigned i = 0; i < *n; i++) {
		if (hooks[i].fn != fn || hooks[i].arg != arg)
			continue;
		/* Keep the order of the others: hooks run in registration order. */
		memmove(&hooks[i], &hooks[i + 1], (*n - i - 1) * sizeof(hooks[0]));
		(*n)--;
		hooks[*n].fn = NULL;
		hooks[*n].arg = NULL;
		sc->sc_hook_dels++;
		return 0;
	}
	return -ENOENT;
}

int
yard_sched_add_poll(struct yard_sched *sc, yard_poll_fn fn, void *arg)
{
	return hook_add(sc->sc_poll, &sc->sc_npoll, fn, arg);
}

int
yard_sched_add_flush(struct yard_sched *sc, yard_poll_fn fn, void *arg)
{
	return hook_add(sc->sc_flush, &sc->sc_nflush, fn, arg);
}

int
yard_sched_del_poll(struct yard_sched *sc, yard_poll_fn fn, void *arg)
{
	return hook_del(sc, sc->sc_poll, &sc->sc_npoll, fn, arg);
}

int
yard_sched_del_flush(struct yard_sched *sc, yard_poll_fn fn, void *arg)
{
	return hook_del(sc, sc->sc_flush, &sc->sc_nflush, fn, arg);
}

/* Run every hook once. A hook may delete itself (or another): the index only advances past a
 * hook that is still in its slot after its call. Only a deletion moves hooks down, so the slot
 * is looked at only when sc_hook_dels says one happened during the call. */
static unsigned
hooks_run(struct yard_sched *sc, struct yard_hook *hooks, const unsigned *n)
{
	unsigned work = 0;

	for (unsigned i = 0; i < *n;) {
		yard_poll_fn fn = hooks[i].fn;
		void *arg = hooks[i].arg;
		unsigned dels = sc->sc_hook_dels;

		work += fn(arg);
		/* after a deletion the next hook may have moved into slot i: run it there */
		if (likely(sc->sc_hook_dels == dels) ||
		    (i < *n && hooks[i].fn == fn && hooks[i].arg == arg))
			i++;
	}
	return work;
}

/* ---- run list ----------------------------------------------------------------------------- */

static inline bool
on_runlist(const struct yard_sched *sc, const queue_t *q)
{
	return q->q_link != NULL || sc->sc_runtail == q;
}

static inline void
runlist_append(struct yard_sched *sc, queue_t *q)
{
	q->q_link = NULL;
	if (sc->sc_runtail == NULL)
		sc->sc_runhead = q;
	else
		sc->sc_runtail->q_link = q;
	sc->sc_runtail = q;
}

void
yard_sched_enqueue(struct yard_sched *sc, queue_t *q)
{
	q->q_flag |= QENAB;
	/* Running now: it goes to the tail when its service procedure returns. */
	if (q->q_flag & QINSERVICE)
		return;
	if (on_runlist(sc, q))
		return;
	runlist_append(sc, q);
}

void
yard_sched_remove(struct yard_sched *sc, queue_t *q)
{
	queue_t **pp = &sc->sc_runhead;
	queue_t *prev = NULL;

	q->q_flag &= ~QENAB;
	if (!on_runlist(sc, q))
		return;
	for (; *pp != NULL; prev = *pp, pp = &(*pp)->q_link) {
		if (*pp != q)
			continue;
		*pp = q->q_link;
		if (sc->sc_runtail == q)
			sc->sc_runtail = prev;
		q->q_link = NULL;
		return;
	}
}

unsigned
yard_sched_run_service(struct yard_sched *sc, unsigned budget)
{
	unsigned runs = 0;
	queue_t *q;

	while ((q = sc->sc_runhead) != NULL) {
		if (budget != 0 && runs >= budget) {
			sc->sc_stats.budget_exhausted++;
			break;
		}
		sc->sc_runhead = q->q_link;
		if (sc->sc_runhead == NULL)
			sc->sc_runtail = NULL;
		q->q_link = NULL;
		runs++;

		q->q_flag = (q->q_flag & ~QENAB) | QINSERVICE;
		if (!(q->q_flag & QWCLOSE) && q->q_qinfo->qi_srvp != NULL) {
			q->q_qinfo->qi_srvp(q);
			q->q_nsrv++;
			sc->sc_stats.service_runs++;
		}
		q->q_flag &= ~(QINSERVICE | QBACK);
		for (qband_t *qb = q->q_bandp; qb != NULL; qb = qb->qb_next)
			qb->qb_flag &= ~QB_BACK;
		if (q->q_flag & QENAB) {
			if (q->q_flag & QWCLOSE)
				q->q_flag &= ~QENAB; /* closing: never runs again */
			else
				runlist_append(sc, q);
		}
	}
	return runs;
}

/* ---- deferred puts ------------------------------------------------------------------------ */

void
yard_sched_defer(struct yard_sched *sc, queue_t *q, mblk_t *mp)
{
	mp->b_next = NULL;
	mp->b_prev = (mblk_t *)q;
	if (sc->sc_defertail == NULL)
		sc->sc_deferhead = mp;
	else
		sc->sc_defertail->b_next = mp;
	sc->sc_defertail = mp;
	q->q_ndefer++;
	yard_ndeferred[sc_index(sc)]++;
	sc->sc_stats.deferred_puts++;
}

unsigned
yard_sched_run_deferred(struct yard_sched *sc)
{
	unsigned idx = sc_index(sc);
	unsigned n = yard_ndeferred[idx];
	unsigned done = 0;

	while (done < n && sc->sc_deferhead != NULL) {
		mblk_t *mp = sc->sc_deferhead;
		queue_t *q = (queue_t *)mp->b_prev;

		sc->sc_deferhead = mp->b_next;
		if (sc->sc_deferhead == NULL)
			sc->sc_defertail = NULL;
		mp->b_next = mp->b_prev = NULL;
		yard_ndeferred[idx]--;
		q->q_ndefer--;
		done++;
		/* The oldest message for q: deliver it even if more wait behind it. */
		sc->sc_put_depth++;
		q->q_nput++;
		q->q_qinfo->qi_putp(q, mp);
		sc->sc_put_depth--;
	}
	return done;
}

/* Append without counting a deferral: used to move mailbox entries on purge. */
static void
defer_quiet(struct yard_sched *sc, queue_t *q, mblk_t *mp)
{
	yard_sched_defer(sc, q, mp);
	sc->sc_stats.deferred_puts--;
}

unsigned
yard_sched_purge_queue(struct yard_sched *sc, queue_t *q)
{
	unsigned idx = sc_index(sc);
	unsigned freed = 0;
	mblk_t **pp = &sc->sc_deferhead;
	mblk_t *prev = NULL;
	struct mbox_batch *b = &yard_mbox_batch[idx];
	void *pairs[2 * YARD_MBOX_BURST];
	unsigned got;

	/* Taken off the ring by a drain we are called from, not delivered yet. */
	for (unsigned i = b->next; i < b->got; i += 2) {
		if (b->pairs[i] == q) {
			freemsg(b->pairs[i + 1]);
			b->pairs[i] = NULL;
			freed++;
		}
	}

	/*
	 * The mailbox cannot be filtered in place, so everything now in it moves to the tail of
	 * the deferred list (which a pass delivers first, ahead of the mailbox, so each sender's
	 * order holds), and q's entries are freed on the way.
	 */
	while ((got = rte_ring_sc_dequeue_burst(sc->sc_mbox, pairs, RTE_DIM(pairs), NULL)) != 0) {
		/* taken from the mailbox here, so counted here: the deferred list's puts are not */
		sc->sc_stats.mbox_msgs += got / 2;
		for (unsigned i = 0; i < got; i += 2) {
			if (pairs[i] == q) {
				freemsg(pairs[i + 1]);
				freed++;
			} else {
				defer_quiet(sc, pairs[i], pairs[i + 1]);
			}
		}
	}

	while (*pp != NULL) {
		mblk_t *mp = *pp;

		if ((queue_t *)mp->b_prev != q) {
			prev = mp;
			pp = &mp->b_next;
			continue;
		}
		*pp = mp->b_next;
		if (sc->sc_defertail == mp)
			sc->sc_defertail = prev;
		mp->b_next = mp->b_prev = NULL;
		q->q_ndefer--;
		yard_ndeferred[idx]--;
		freemsg(mp);
		freed++;
	}
	return freed;
}

/* ---- mailbox ------------------------------------------------------------------------------ */

/* Does the calling thread own sc? Non-EAL threads own none (they always use the ring). */
static inline bool
caller_owns(const struct yard_sched *sc)
{
	unsigned me = rte_lcore_id();

	return me < RTE_MAX_LCORE && sc == &yard_scheds[me];
}

int
yard_mbox_put(queue_t *q, mblk_t *mp)
{
	struct yard_sched *sc = q->q_sched;
	void *pair[2] = { q, mp };

	if (caller_owns(sc)) {
		put(q, mp);
		return 1;
	}
	if (unlikely(rte_ring_mp_enqueue_bulk(sc->sc_mbox, pair, 2, NULL) == 0)) {
		yard_sched_self()->sc_stats.mbox_full++;
		return 0;
	}
	return 1;
}

unsigned
yard_mbox_put_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	struct yard_sched *sc = q->q_sched;
	void *pairs[2 * YARD_MBOX_BURST];
	unsigned sent = 0;

	if (caller_owns(sc)) {
		put_burst(q, mps, n);
		return n;
	}
	while (sent < n) {
		unsigned k = RTE_MIN(n - sent, (unsigned)YARD_MBOX_BURST);
		unsigned room;

		for (unsigned i = 0; i < k; i++) {
			pairs[2 * i] = q;
			pairs[2 * i + 1] = mps[sent + i];
		}
		if (rte_ring_mp_enqueue_bulk(sc->sc_mbox, pairs, 2 * k, &room) != 0) {
			sent += k;
			continue;
		}
		/* Not all of them fit: send as many whole pairs as do, then stop (order). */
		k = RTE_MIN(k, room / 2);
		if (k != 0 && rte_ring_mp_enqueue_bulk(sc->sc_mbox, pairs, 2 * k, NULL) != 0)
			sent += k;
		yard_sched_self()->sc_stats.mbox_full++;
		break;
	}
	return sent;
}

unsigned
yard_mbox_drain(struct yard_sched *sc, unsigned max)
{
	struct mbox_batch *b = &yard_mbox_batch[sc_index(sc)];
	unsigned done = 0;

	/*
	 * All state is in *b, so a drain called from inside a put procedure this one called (a
	 * nested scheduler pass) carries on with the same batch, in order, and this one then
	 * finds it consumed.
	 */
	while (done < max) {
		queue_t *q;
		mblk_t *mp;

		if (b->next >= b->got) {
			unsigned want = RTE_MIN(max - done, (unsigned)YARD_MBOX_BURST);

			/* Even requests only: producers add whole pairs, so counts stay even. */
			b->next = 0;
			b->got = rte_ring_sc_dequeue_burst(sc->sc_mbox, b->pairs, 2 * want, NULL);
			if (b->got == 0)
				break;
		}
		q = b->pairs[b->next];
		mp = b->pairs[b->next + 1];
		b->next += 2;
		done++;
		if (likely(q != NULL)) /* NULL: purged while in hand */
			put(q, mp);
	}
	sc->sc_stats.mbox_msgs += done;
	return done;
}

/* ---- the loop ----------------------------------------------------------------------------- */

/* Run the lcore's due timers; note when the next is due (see "Timers" above). Owner only. */
static unsigned
sched_timers(struct yard_sched *sc)
{
	uint64_t before = sc->sc_stats.timers_run;
	uint64_t check = sc->sc_timer_hz * YARD_SCHED_TIMER_CHECK_US / 1000000;
	int64_t ticks;
	uint64_t now;

	rte_timer_manage();
	ticks = rte_timer_next_ticks(); /* < 0: none pending (or no timer subsystem) */
	now = rte_get_timer_cycles();
	if (ticks >= 0 && (uint64_t)ticks < check)
		check = (uint64_t)ticks;
	__atomic_store_n(&sc->sc_timer_due, now + check, __ATOMIC_RELAXED);
	return (unsigned)(sc->sc_stats.timers_run - before);
}

unsigned
yard_sched_run_once(struct yard_sched *sc)
{
	uint64_t start = rte_get_timer_cycles();
	unsigned work = 0, n;

	sc->sc_now = start;
	if (sc->sc_npoll != 0) {
		n = hooks_run(sc, sc->sc_poll, &sc->sc_npoll);
		sc->sc_stats.poll_msgs += n;
		work += n;
	}
	if (sc->sc_deferhead != NULL)
		work += yard_sched_run_deferred(sc);
	if (!rte_ring_empty(sc->sc_mbox))
		work += yard_mbox_drain(sc, rte_ring_get_capacity(sc->sc_mbox) / 2);
	if (sc->sc_runhead != NULL)
		work += yard_sched_run_service(sc, sc->sc_budget);
	/* rte_timer keeps per-lcore lists: only the owner may manage them. */
	if (rte_lcore_id() == sc->sc_lcore) {
		uint64_t now = work != 0 ? rte_get_timer_cycles() : start;

		if (now >= __atomic_load_n(&sc->sc_timer_due, __ATOMIC_RELAXED))
			work += sched_timers(sc);
		/* The owner's bufcalls are sc's: skip the call while none is pending. */
		if (sc->sc_bufcalls != NULL)
			work += yard_bufcall_run();
	} else {
		work += yard_bufcall_run(); /* the caller's own (bufcall.c) */
	}
	if (sc->sc_nflush != 0)
		work += hooks_run(sc, sc->sc_flush, &sc->sc_nflush);

	sc->sc_stats.loops++;
	if (work != 0)
		sc->sc_stats.busy_cycles += rte_get_timer_cycles() - start;
	else
		sc->sc_stats.idle_cycles += rte_get_timer_cycles() - start;
	return work;
}

int
yard_sched_set_idle_sleep(struct yard_sched *sc, unsigned sleep_us, unsigned idle_passes)
{
	if (sleep_us > YARD_SCHED_SLEEP_MAX_US || idle_passes == 0 ||
	    idle_passes > YARD_SCHED_IDLE_PASSES_MAX)
		return -EINVAL;
	sc->sc_sleep_us = sleep_us;
	sc->sc_idle_passes = idle_passes;
	sc->sc_idle_run = 0;
	sc->sc_sleep_next = 0;
	return 0;
}

/* Anything the next pass would do, though this one found nothing? */
static inline bool
work_waiting(const struct yard_sched *sc)
{
	return sc->sc_runhead != NULL || sc->sc_deferhead != NULL || sc->sc_bufcalls != NULL ||
	       !rte_ring_empty(sc->sc_mbox);
}

/*
 * A sleep of up to cap microseconds, shortened to end when this lcore's next timer is due
 * (0: one is due now). Rounded up: waking a microsecond early would find the timer not due
 * yet and cost another sleep.
 */
static unsigned
timer_bound_us(const struct yard_sched *sc, unsigned cap)
{
	uint64_t hz = sc->sc_timer_hz;
	int64_t ticks;

	/* The lists are per lcore and rte_timer_next_ticks() reads the caller's, unchecked. */
	if (rte_lcore_id() != sc->sc_lcore)
		return cap;
	ticks = rte_timer_next_ticks();
	if (ticks < 0) /* -ENOENT: none pending; -EINVAL: no timer subsystem */
		return cap;
	/* Compare in ticks first: a keepalive hours away would overflow ticks * 1000000. */
	if ((uint64_t)ticks >= (uint64_t)cap * hz / 1000000)
		return cap;
	return (unsigned)RTE_MIN(((uint64_t)ticks * 1000000 + hz - 1) / hz, (uint64_t)cap);
}

unsigned
yard_sched_idle(struct yard_sched *sc)
{
	uint64_t msgs = sc->sc_stats.poll_msgs + sc->sc_stats.mbox_msgs;
	uint64_t start;
	unsigned step, us;

	if (msgs != sc->sc_idle_msgs) { /* traffic since the last empty pass: a new run */
		sc->sc_idle_msgs = msgs;
		sc->sc_idle_run = 0;
		sc->sc_sleep_next = 0;
	}
	if (sc->sc_idle_run < sc->sc_idle_passes)
		sc->sc_idle_run++;
	if (sc->sc_idle_run < sc->sc_idle_passes || sc->sc_sleep_us == 0 || work_waiting(sc) ||
	    __atomic_load_n(&sc->sc_stop, __ATOMIC_RELAXED))
		return 0;

	if (sc->sc_sleep_next == 0)
		sc->sc_sleep_next = RTE_MAX(sc->sc_sleep_us / 16, 1u);
	step = RTE_MIN(sc->sc_sleep_next, sc->sc_sleep_us);
	us = timer_bound_us(sc, step);
	if (us == 0)
		return 0; /* a timer is due: the next pass runs it */
	sc->sc_sleep_next = RTE_MIN(step * 2, sc->sc_sleep_us);

	start = rte_rdtsc();
	sc->sc_sleep_fn(us);
	sc->sc_stats.sleep_cycles += rte_rdtsc() - start;
	sc->sc_stats.sleeps++;
	return us;
}

/* The loop's turn, inlined into yard_sched_loop() so polling pays no extra call for it. */
static __rte_always_inline unsigned
loop_turn(struct yard_sched *sc)
{
	unsigned work = yard_sched_run_once(sc);

	if (unlikely(sc->sc_sleep_us != 0) && work == 0)
		yard_sched_idle(sc);
	return work;
}

unsigned
yard_sched_loop_once(struct yard_sched *sc)
{
	return loop_turn(sc);
}

/* The timer slack (ns) for sleeps of up to sleep_us: a tenth of it, 1..50 us (see above). */
static unsigned long
idle_slack_ns(unsigned sleep_us)
{
	return RTE_MIN(RTE_MAX(sleep_us * 100ul, 1000ul), 50000ul);
}

int
yard_sched_loop(void *arg)
{
	struct yard_sched *sc = yard_sched_self();
	int old_slack = -1;

	RTE_SET_USED(arg);
	if (sc->sc_sleep_us != 0) {
		old_slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
		/* Only ever lower it: a thread given less slack keeps it. */
		if (old_slack > 0 && (unsigned long)old_slack > idle_slack_ns(sc->sc_sleep_us))
			prctl(PR_SET_TIMERSLACK, idle_slack_ns(sc->sc_sleep_us), 0, 0, 0);
		else
			old_slack = -1;
	}
	while (!__atomic_load_n(&sc->sc_stop, __ATOMIC_ACQUIRE))
		(void)loop_turn(sc);
	if (old_slack > 0)
		prctl(PR_SET_TIMERSLACK, (unsigned long)old_slack, 0, 0, 0);
	/* Re-arm for the next launch. */
	__atomic_store_n(&sc->sc_stop, false, __ATOMIC_RELEASE);
	return 0;
}

void
yard_sched_stop(unsigned lcore)
{
	if (lcore < RTE_MAX_LCORE)
		__atomic_store_n(&yard_scheds[lcore].sc_stop, true, __ATOMIC_RELEASE);
}

unsigned
yard_sched_drain(struct yard_sched *sc, unsigned max_passes)
{
	unsigned passes = 0;

	while (passes < max_passes) {
		unsigned work = yard_sched_run_once(sc);

		passes++;
		if (work == 0 && sc->sc_runhead == NULL && sc->sc_deferhead == NULL &&
		    rte_ring_empty(sc->sc_mbox))
			break;
	}
	return passes;
}

void
yard_sched_stats_sum(struct yard_sched_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++) {
		const struct yard_sched_stats *s = &yard_scheds[i].sc_stats;

		if (!yard_scheds[i].sc_inited)
			continue;
		out->loops += s->loops;
		out->busy_cycles += s->busy_cycles;
		out->idle_cycles += s->idle_cycles;
		out->service_runs += s->service_runs;
		out->poll_msgs += s->poll_msgs;
		out->mbox_msgs += s->mbox_msgs;
		out->mbox_full += s->mbox_full;
		out->deferred_puts += s->deferred_puts;
		out->timers_run += s->timers_run;
		out->budget_exhausted += s->budget_exhausted;
		out->mbox_drops += s->mbox_drops;
		out->sleeps += s->sleeps;
		out->sleep_cycles += s->sleep_cycles;
	}
}
