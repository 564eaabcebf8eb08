/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Putting: put, putnext, their bursts, qreply and the putctl family.
 *
 * Principles of operation
 * -----------------------
 * putnext() is the hop between two modules and costs a few nanoseconds: a depth check, two
 * counter increments and one indirect call. There is no lock because the stream belongs to
 * this lcore (queue.h).
 *
 * A put procedure may call putnext(), which calls the next put procedure, and so on: the C
 * stack grows with the number of modules. illumos guards its stack with put_stack_needed and
 * falls back to an asynchronous put (qfill_syncq); yard counts nesting instead. When this
 * lcore's sc_put_depth reaches YARD_PUT_DEPTH_MAX the message is deferred to the scheduler
 * (sched.c), which delivers it at depth 1 on its next pass. Once a queue has a deferred
 * message, every later put to it is deferred too until the backlog is delivered, so deferral
 * never reorders a queue's messages (illumos does the same with Q_SQQUEUED). While deferred a
 * message is linked by b_next and its target queue is kept in b_prev.
 *
 * Across lcores. A stream is lcore-local, but a multiplexor may link a lower stream owned by
 * another lcore; putnext() then finds q_next->q_sched different from q->q_sched and sends the
 * message through the owner's mailbox. putnext() has no way to report failure (it is void in
 * SVR4), so if that mailbox is full the message is freed and counted in mbox_drops of the
 * sending lcore (besides mbox_full). It is the only place in STREAMS where putnext loses a
 * message; modules that must not lose one check canputnext() and use yard_mbox_put() directly.
 */
#include "streams_priv.h"

static inline struct yard_sched *
q_sched(queue_t *q)
{
	struct yard_sched *sc = q->q_sched;

	return likely(sc != NULL) ? sc : yard_sched_self();
}

void
put(queue_t *q, mblk_t *mp)
{
	struct yard_sched *sc = q_sched(q);

	if (unlikely(q->q_ndefer != 0 || sc->sc_put_depth >= YARD_PUT_DEPTH_MAX)) {
		yard_sched_defer(sc, q, mp);
		return;
	}
	sc->sc_put_depth++;
	q->q_nput++;
	q->q_qinfo->qi_putp(q, mp);
	sc->sc_put_depth--;
}

/* The next queue lives on another lcore: hand the message to its mailbox or drop it. */
static void __rte_noinline
putnext_remote(queue_t *q, queue_t *nq, mblk_t *mp)
{
	if (unlikely(yard_mbox_put(nq, mp) == 0)) {
		q_sched(q)->sc_stats.mbox_drops++;
		freemsg(mp);
	}
}

void
putnext(queue_t *q, mblk_t *mp)
{
	queue_t *nq = q->q_next;

	if (unlikely(nq->q_sched != q->q_sched)) {
		putnext_remote(q, nq, mp);
		return;
	}
	put(nq, mp);
}

/* put_burst's body, inline in putnext_burst: every hop of a burst passes here. */
static inline void
put_burst_inline(queue_t *q, mblk_t **mps, unsigned n)
{
	struct yard_sched *sc;
	void (*burst)(queue_t *, mblk_t **, unsigned) = q->q_qinfo->qi_putp_burst;

	if (unlikely(n == 0))
		return;
	if (burst == NULL) {
		for (unsigned i = 0; i < n; i++)
			put(q, mps[i]);
		return;
	}
	sc = q_sched(q);
	if (unlikely(q->q_ndefer != 0 || sc->sc_put_depth >= YARD_PUT_DEPTH_MAX)) {
		/* Deferred one by one; the scheduler delivers them with qi_putp, in order. */
		for (unsigned i = 0; i < n; i++)
			yard_sched_defer(sc, q, mps[i]);
		return;
	}
	sc->sc_put_depth++;
	q->q_nput += n;
	burst(q, mps, n);
	sc->sc_put_depth--;
}

void
putnext_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	queue_t *nq = q->q_next;

	if (unlikely(nq->q_sched != q->q_sched)) {
		unsigned sent = yard_mbox_put_burst(nq, mps, n);

		if (unlikely(sent < n)) {
			q_sched(q)->sc_stats.mbox_drops += n - sent;
			freemsg_burst(mps + sent, n - sent);
		}
		return;
	}
	put_burst_inline(nq, mps, n);
}

void
put_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	put_burst_inline(q, mps, n);
}

void
qreply(queue_t *q, mblk_t *mp)
{
	putnext(OTHERQ(q), mp);
}

/* A zero- or one-byte control message of type; NULL for data types (except M_DELAY). */
static mblk_t *
ctlmsg(int type, size_t len)
{
	mblk_t *mp;

	if (type < 0 || type > 0xff || (datamsg(type) && type != M_DELAY))
		return NULL;
	mp = allocb(len, BPRI_HI);
	if (mp == NULL)
		return NULL;
	DB_TYPE(mp) = (unsigned char)type;
	return mp;
}

int
putctl(queue_t *q, int type)
{
	mblk_t *mp = ctlmsg(type, 0);

	if (mp == NULL)
		return 0;
	put(q, mp);
	return 1;
}

int
putctl1(queue_t *q, int type, int param)
{
	mblk_t *mp = ctlmsg(type, 1);

	if (mp == NULL)
		return 0;
	*mp->b_wptr++ = (unsigned char)param;
	put(q, mp);
	return 1;
}

int
putnextctl(queue_t *q, int type)
{
	mblk_t *mp = ctlmsg(type, 0);

	if (mp == NULL)
		return 0;
	putnext(q, mp);
	return 1;
}

int
putnextctl1(queue_t *q, int type, int param)
{
	mblk_t *mp = ctlmsg(type, 1);

	if (mp == NULL)
		return 0;
	*mp->b_wptr++ = (unsigned char)param;
	putnext(q, mp);
	return 1;
}
