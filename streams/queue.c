/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Queue pairs and the message list of a queue: allocq/freeq/setq, putq/putbq/insq/rmvq/getq
 * and their burst forms, flushq/flushband, strqget/strqset.
 *
 * Principles of operation
 * -----------------------
 * A queue holds one doubly linked list of messages (q_first..q_last through b_next/b_prev).
 * Every message has a rank, and the list is always sorted by rank, highest first:
 *
 *     high-priority (db_type >= QPCTL, b_band forced to 0)   rank 256
 *     normal, band 255 .. band 1                              rank 255 .. 1
 *     normal, band 0                                          rank 0
 *
 * putq appends a message after the last message of its rank (FIFO within a rank); putbq puts
 * it before the first message of its rank, so a service procedure that takes a message and
 * cannot pass it on returns it to exactly the place it came from; insq lets the caller choose
 * the place, but refuses one that would break the order.
 *
 * Bands 1..255 have a qband_t each, on the singly linked list q_bandp (band 1 first), holding
 * their first/last message, their byte and block counts and their own water marks. Band 0 and
 * every high-priority message are charged to the queue itself (q_count, q_mblkcnt). Bands are
 * allocated on first use, up to the band named (illumos allocates every band below it too, so
 * the list can be indexed by walking); each new band inherits q_hiwat/q_lowat.
 *
 * Flow control counts both bytes (over the b_cont chain) and message blocks: a band is full
 * when count >= hiwat OR blocks >= hiwat, so a flood of zero-length messages cannot grow a
 * queue without bound; it stops being full when it is empty or both counts are below hiwat.
 * Taking a message off (getq, rmvq, flushes) then back-enables the writer that was refused
 * (qbackenable, in flow.c) once both counts are below low water: the gap between the marks is
 * the hysteresis that keeps a writer from being woken for every message.
 *
 * Enabling on enqueue (illumos putq): high-priority messages always schedule the service
 * procedure, even under noenable(); banded messages schedule it unless QNOENB; band-0 normal
 * messages only when QWANTR says a getq found the queue empty. putbq and insq enable only on
 * high priority (putbq) or QWANTR.
 *
 * Where yard differs from illumos: no QLOCK (the queue belongs to one lcore), and bands are
 * allocated with calloc() from putq/putbq/insq/strqset. That is the one allocation a put or
 * service procedure may reach; it happens once per band per queue for the life of the queue
 * and never on the steady-state path. freeq() frees what is left without back-enabling: the
 * neighbours of a queue being freed may already be gone. insq() checks the whole order (the
 * neighbours' ranks), a little stricter than illumos, whose checks let a normal message be
 * inserted ahead of a high-priority one in some places; it returns 0 without logging.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include <streams/queue.h>
#include <streams/sched.h>

#include "streams_priv.h"

/* ---- helpers ------------------------------------------------------------------------------ */

#define RANK_HIPRI 256u

/* The sort key of the message list: high priority above every band, bands above band 0. */
static inline unsigned
msg_rank(const mblk_t *mp)
{
	return DB_TYPE(mp) >= QPCTL ? RANK_HIPRI : mp->b_band;
}

/*
 * Bytes and message blocks of a message (illumos mp_cont_len), inline for putq/getq. mp is a
 * message, never NULL: its first block is counted before the loop, which saves the loop's
 * set-up on the one- and two-block messages of the packet path.
 */
static inline size_t
msg_cost(const mblk_t *mp, size_t *nblk)
{
	size_t bytes = MBLKL(mp), n = 1;

	for (mp = mp->b_cont; mp != NULL; mp = mp->b_cont) {
		bytes += MBLKL(mp);
		n++;
	}
	*nblk = n;
	return bytes;
}

qband_t *
yard_qband(queue_t *q, unsigned char pri)
{
	qband_t *qbp;

	if (pri == 0 || pri > q->q_nband)
		return NULL;
	for (qbp = q->q_bandp; --pri > 0; qbp = qbp->qb_next)
		;
	return qbp;
}

qband_t *
yard_qband_alloc(queue_t *q, unsigned char pri)
{
	qband_t **qbpp = &q->q_bandp;
	qband_t *last = NULL;

	if (pri == 0)
		return NULL;
	if (pri <= q->q_nband)
		return yard_qband(q, pri);
	while (*qbpp != NULL)
		qbpp = &(*qbpp)->qb_next;
	while (q->q_nband < pri) {
		/* calloc: a band appears once per queue for its lifetime, never per message. */
		qband_t *qbp = calloc(1, sizeof(*qbp));

		if (qbp == NULL)
			return NULL;
		qbp->qb_hiwat = q->q_hiwat;
		qbp->qb_lowat = q->q_lowat;
		*qbpp = qbp;
		qbpp = &qbp->qb_next;
		q->q_nband++;
		last = qbp;
	}
	return last;
}

/* Charge mp to band 0 (qbp NULL) or to its band; set QFULL/QB_FULL at high water. */
static inline void
q_charge(queue_t *q, qband_t *qbp, const mblk_t *mp)
{
	size_t nblk, bytes = msg_cost(mp, &nblk);

	if (qbp == NULL) {
		q->q_count += bytes;
		q->q_mblkcnt += nblk;
		if (q->q_count >= q->q_hiwat || q->q_mblkcnt >= q->q_hiwat)
			q->q_flag |= QFULL;
	} else {
		qbp->qb_count += bytes;
		qbp->qb_mblkcnt += nblk;
		if (qbp->qb_count >= qbp->qb_hiwat || qbp->qb_mblkcnt >= qbp->qb_hiwat)
			qbp->qb_flag |= QB_FULL;
	}
}

/* Undo q_charge; clear QFULL/QB_FULL when empty or both counts are below high water. */
static inline void
q_discharge(queue_t *q, qband_t *qbp, const mblk_t *mp)
{
	size_t nblk, bytes = msg_cost(mp, &nblk);

	if (qbp == NULL) {
		q->q_count -= RTE_MIN(bytes, q->q_count);
		q->q_mblkcnt -= RTE_MIN(nblk, q->q_mblkcnt);
		if (q->q_mblkcnt == 0 ||
		    (q->q_count < q->q_hiwat && q->q_mblkcnt < q->q_hiwat))
			q->q_flag &= ~QFULL;
	} else {
		qbp->qb_count -= RTE_MIN(bytes, qbp->qb_count);
		qbp->qb_mblkcnt -= RTE_MIN(nblk, qbp->qb_mblkcnt);
		if (qbp->qb_mblkcnt == 0 ||
		    (qbp->qb_count < qbp->qb_hiwat && qbp->qb_mblkcnt < qbp->qb_hiwat))
			qbp->qb_flag &= ~QB_FULL;
	}
}

/* Link mp into q's list before `next` (at the tail when next is NULL). */
static inline void
q_link_before(queue_t *q, mblk_t *mp, mblk_t *next)
{
	mblk_t *prev = next != NULL ? next->b_prev : q->q_last;

	mp->b_next = next;
	mp->b_prev = prev;
	if (prev != NULL)
		prev->b_next = mp;
	else
		q->q_first = mp;
	if (next != NULL)
		next->b_prev = mp;
	else
		q->q_last = mp;
}

/*
 * Prepare mp for enqueueing: force b_band to 0 for high priority, find (allocating) its band.
 * Returns 0 if a band could not be allocated, and *qbpp (NULL for band 0) otherwise.
 */
static inline int
q_prepare(queue_t *q, mblk_t *mp, qband_t **qbpp)
{
	if (DB_TYPE(mp) >= QPCTL)
		mp->b_band = 0;
	if (likely(mp->b_band == 0)) {
		*qbpp = NULL;
		return 1;
	}
	*qbpp = mp->b_band <= q->q_nband ? yard_qband(q, mp->b_band)
					 : yard_qband_alloc(q, mp->b_band);
	return *qbpp != NULL;
}

/*
 * The body of putq without enabling: place mp after the last message of its rank.
 * Returns 0 if its band could not be allocated.
 */
static inline int
putq_noenab(queue_t *q, mblk_t *mp)
{
	qband_t *qbp;
	unsigned rank;

	if (unlikely(!q_prepare(q, mp, &qbp)))
		return 0;
	rank = msg_rank(mp);
	if (q->q_last == NULL || msg_rank(q->q_last) >= rank) {
		q_link_before(q, mp, NULL);
	} else if (qbp != NULL && qbp->qb_last != NULL) {
		q_link_before(q, mp, qbp->qb_last->b_next);
	} else {
		mblk_t *tmp = q->q_first;

		while (msg_rank(tmp) >= rank) /* ends: q_last ranks below mp */
			tmp = tmp->b_next;
		q_link_before(q, mp, tmp);
	}
	if (qbp != NULL) {
		if (qbp->qb_first == NULL)
			qbp->qb_first = mp;
		qbp->qb_last = mp;
	}
	q_charge(q, qbp, mp);
	return 1;
}

/* ---- queue pairs -------------------------------------------------------------------------- */

/*
 * Queue pairs each lcore keeps from those it freed, for the next streams it opens (at most
 * QI_CACHE): every connection opens and closes three (stream head, timod, tcp), and
 * rte_malloc takes the heap's lock, for which lcores opening streams at once would contend,
 * and rte_free clears what it frees. Touched by its own lcore only; a thread that is not an
 * lcore goes to the heap.
 */
#define QI_CACHE 256
static struct {
	void *head;         /* a freed queinfo_t's first word links the next */
	unsigned n;
} __rte_cache_aligned qi_cache[RTE_MAX_LCORE];

static queinfo_t *
qi_alloc(void)
{
	unsigned lc = rte_lcore_id();
	void *qi;

	if (lc < RTE_MAX_LCORE && qi_cache[lc].head != NULL) {
		qi = qi_cache[lc].head;
		memcpy(&qi_cache[lc].head, qi, sizeof(void *));
		qi_cache[lc].n--;
		memset(qi, 0, sizeof(queinfo_t));
		return qi;
	}
	return rte_zmalloc_socket("yard_queinfo", sizeof(queinfo_t), RTE_CACHE_LINE_SIZE,
				  (int)rte_socket_id());
}

static void
qi_free(queinfo_t *qi)
{
	unsigned lc = rte_lcore_id();

	if (lc < RTE_MAX_LCORE && qi_cache[lc].n < QI_CACHE) {
		memcpy(qi, &qi_cache[lc].head, sizeof(void *));
		qi_cache[lc].head = qi;
		qi_cache[lc].n++;
		return;
	}
	rte_free(qi);
}

queue_t *
allocq(struct qinit *rinit, struct qinit *winit)
{
	queinfo_t *qi = qi_alloc();
	struct yard_sched *sc = yard_sched_self();

	if (qi == NULL)
		return NULL;
	qi->qu_rqueue.q_flag = QREADR | QUSE;
	qi->qu_wqueue.q_flag = QUSE;
	qi->qu_rqueue.q_sched = sc;
	qi->qu_wqueue.q_sched = sc;
	qi->qu_rqueue.q_nfsrv = &qi->qu_rqueue;
	qi->qu_wqueue.q_nfsrv = &qi->qu_wqueue;
	setq(&qi->qu_rqueue, rinit, winit);
	return &qi->qu_rqueue;
}

/* Free every message and band of q, with no enabling: the queue is going away. */
static void
q_destroy(queue_t *q)
{
	mblk_t *mp = q->q_first;

	while (mp != NULL) {
		mblk_t *next = mp->b_next;

		mp->b_next = mp->b_prev = NULL;
		freemsg(mp);
		mp = next;
	}
	q->q_first = q->q_last = NULL;
	q->q_count = q->q_mblkcnt = 0;
	q->q_flag &= ~QFULL;
	while (q->q_bandp != NULL) {
		qband_t *qbp = q->q_bandp;

		q->q_bandp = qbp->qb_next;
		free(qbp);
	}
	q->q_nband = 0;
	if (q->q_sched != NULL) {
		yard_sched_remove(q->q_sched, q);
		yard_sched_purge_queue(q->q_sched, q);
	}
	q->q_flag &= ~(QENAB | QUSE);
}

void
freeq(queue_t *q)
{
	queue_t *rq;

	if (q == NULL)
		return;
	rq = RD(q);
	q_destroy(rq);
	q_destroy(WR(rq));
	qi_free((queinfo_t *)rq);
}

static void
setq_one(queue_t *q, struct qinit *qinit)
{
	const struct module_info *mi = qinit != NULL ? qinit->qi_minfo : NULL;

	q->q_qinfo = qinit;
	if (mi != NULL) {
		q->q_hiwat = mi->mi_hiwat;
		q->q_lowat = mi->mi_lowat;
		q->q_minpsz = mi->mi_minpsz;
		q->q_maxpsz = mi->mi_maxpsz;
	}
	q->q_flag |= QWANTR;
}

void
setq(queue_t *rq, struct qinit *rinit, struct qinit *winit)
{
	setq_one(rq, rinit);
	setq_one(WR(rq), winit);
}

void
yard_set_nfsrv(queue_t *first)
{
	/*
	 * One forward pass: queues without a service procedure are pending until the walk reaches
	 * one that has one (or the end); then every pending queue gets it. Stops if the chain ever
	 * came back to `first`, so a mis-plumbed loop cannot hang the lcore.
	 */
	queue_t *pending = first;
	queue_t *q = first;

	while (q != NULL) {
		queue_t *next = q->q_next;

		if ((q->q_qinfo != NULL && q->q_qinfo->qi_srvp != NULL) || next == NULL ||
		    next == first) {
			for (queue_t *p = pending; p != q; p = p->q_next)
				p->q_nfsrv = q;
			q->q_nfsrv = q;
			pending = next;
		}
		if (next == first)
			break;
		q = next;
	}
}

/* ---- enqueue and dequeue ------------------------------------------------------------------ */

int
putq(queue_t *q, mblk_t *mp)
{
	if (unlikely(!putq_noenab(q, mp)))
		return 0;
	if (DB_TYPE(mp) >= QPCTL || (canenable(q) && ((q->q_flag & QWANTR) || mp->b_band)))
		qenable(q);
	return 1;
}

/*
 * putq_burst's common case: a run of band-0 normal messages, the lowest rank, so each goes at
 * the tail, as putq would put it. The run is linked as one chain and charged once: q_count and
 * q_mblkcnt only grow during a run of putq, so one high-water check at its end sets QFULL
 * exactly when one of n checks would have. The run ends at the first message of a type above
 * max_type (QPCTL - 1: any normal message) or of a band. Returns how many of mps it queued.
 * sized (the stream head's runs): a message marked YB_MSGSIZE is charged what its builder
 * wrote, without a walk of its blocks.
 */
static __rte_always_inline unsigned
putq_run0(queue_t *q, mblk_t **mps, unsigned n, unsigned char max_type, const bool sized)
{
	mblk_t *prev = q->q_last;
	/* Where the next message is linked: q_first on an empty queue, else the last's b_next. */
	mblk_t **link = prev != NULL ? &prev->b_next : &q->q_first;
	size_t bytes = 0, nblk = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		mblk_t *mp = mps[i];
		size_t mblks;

		if (sized && likely((mp->b_yflags & YB_MSGSIZE) && mp->b_band == 0)) {
			/* Its builder's word for the size, and for M_PROTO (mblk.h). */
			bytes += mp->b_datap->db_cksum;
			nblk += 2;
		} else {
			if (DB_TYPE(mp) > max_type || mp->b_band != 0)
				break;
			bytes += msg_cost(mp, &mblks);
			nblk += mblks;
		}
		mp->b_prev = prev;
		*link = mp;
		link = &mp->b_next;
		prev = mp;
	}
	if (i == 0)
		return 0;
	prev->b_next = NULL;
	q->q_last = prev;
	q->q_count += bytes;
	q->q_mblkcnt += nblk;
	if (q->q_count >= q->q_hiwat || q->q_mblkcnt >= q->q_hiwat)
		q->q_flag |= QFULL;
	return i;
}

unsigned
putq_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	unsigned i, enab = 0, banded = 0;

	i = putq_run0(q, mps, n, QPCTL - 1, false);
	for (; i < n; i++) {
		if (unlikely(!putq_noenab(q, mps[i])))
			break;
		enab |= DB_TYPE(mps[i]) >= QPCTL;
		banded |= mps[i]->b_band;
	}
	if (i > 0 && (enab || (canenable(q) && ((q->q_flag & QWANTR) || banded))))
		qenable(q);
	return i;
}

unsigned
putq_burst_data(queue_t *q, mblk_t **mps, unsigned n)
{
	unsigned i;

	/* One compare for "M_DATA or M_PROTO": they are the two lowest types. */
	static_assert(M_DATA == 0 && M_PROTO == 1, "M_DATA and M_PROTO are types 0 and 1");
	i = putq_run0(q, mps, n, M_PROTO, true);
	/* Band-0 normal messages enable only a reader that found the queue empty (putq). */
	if (i > 0 && canenable(q) && (q->q_flag & QWANTR))
		qenable(q);
	return i;
}

int
putbq(queue_t *q, mblk_t *mp)
{
	qband_t *qbp;
	unsigned rank;

	if (unlikely(!q_prepare(q, mp, &qbp)))
		return 0;
	rank = msg_rank(mp);
	if (q->q_first == NULL || msg_rank(q->q_first) <= rank) {
		q_link_before(q, mp, q->q_first);
	} else if (qbp != NULL && qbp->qb_first != NULL) {
		q_link_before(q, mp, qbp->qb_first);
	} else {
		mblk_t *tmp = q->q_first;

		while (tmp != NULL && msg_rank(tmp) > rank)
			tmp = tmp->b_next;
		q_link_before(q, mp, tmp);
	}
	if (qbp != NULL) {
		if (qbp->qb_last == NULL)
			qbp->qb_last = mp;
		qbp->qb_first = mp;
	}
	q_charge(q, qbp, mp);
	if (DB_TYPE(mp) >= QPCTL || (canenable(q) && (q->q_flag & QWANTR)))
		qenable(q);
	return 1;
}

int
insq(queue_t *q, mblk_t *emp, mblk_t *mp)
{
	mblk_t *prev = emp != NULL ? emp->b_prev : q->q_last;
	unsigned rank;
	qband_t *qbp;

	if (DB_TYPE(mp) >= QPCTL)
		mp->b_band = 0;
	rank = msg_rank(mp);
	/*
	 * The place must keep the list sorted: prev ranks >= mp >= emp. This covers the band
	 * order illumos checks and keeps high-priority messages ahead of every normal one.
	 */
	if ((prev != NULL && msg_rank(prev) < rank) || (emp != NULL && msg_rank(emp) > rank))
		return 0; /* illumos logs "insert message out of order"; no logging on this path */
	if (unlikely(!q_prepare(q, mp, &qbp)))
		return 0;
	q_link_before(q, mp, emp);
	if (qbp != NULL) {
		if (qbp->qb_first == NULL) {
			qbp->qb_first = qbp->qb_last = mp;
		} else if (qbp->qb_first == emp) {
			qbp->qb_first = mp;
		} else if (qbp->qb_last == prev) {
			qbp->qb_last = mp;
		}
	}
	q_charge(q, qbp, mp);
	if (canenable(q) && (q->q_flag & QWANTR))
		qenable(q);
	return 1;
}

/* Take mp off q: fix its band's first/last, unlink, discharge. No back-enable (rmvq_noenab). */
static inline void
rmvq_noenab(queue_t *q, mblk_t *mp)
{
	qband_t *qbp = NULL;

	if (mp->b_band != 0) {
		qbp = yard_qband(q, mp->b_band);
		if (qbp->qb_first == mp) {
			if (qbp->qb_last == mp)
				qbp->qb_first = qbp->qb_last = NULL;
			else
				qbp->qb_first = mp->b_next;
		} else if (qbp->qb_last == mp) {
			qbp->qb_last = mp->b_prev;
		}
	}
	if (mp->b_prev != NULL)
		mp->b_prev->b_next = mp->b_next;
	else
		q->q_first = mp->b_next;
	if (mp->b_next != NULL)
		mp->b_next->b_prev = mp->b_prev;
	else
		q->q_last = mp->b_prev;
	mp->b_next = mp->b_prev = NULL;
	q_discharge(q, qbp, mp);
}

/* qbackenable's own fast exit, inline: most dequeues are band 0 with no writer waiting. */
static inline void
q_backenable_check(queue_t *q, unsigned char band)
{
	if (unlikely(band != 0 || (q->q_flag & QWANTW)))
		qbackenable(q, band);
}

void
rmvq(queue_t *q, mblk_t *mp)
{
	unsigned char band = mp->b_band;

	rmvq_noenab(q, mp);
	q_backenable_check(q, band);
}

mblk_t *
getq(queue_t *q)
{
	mblk_t *mp = q->q_first;
	unsigned char band;

	if (mp == NULL) {
		q->q_flag |= QWANTR;
		return NULL;
	}
	band = mp->b_band;
	rmvq_noenab(q, mp);
	q->q_flag &= ~QWANTR;
	q_backenable_check(q, band);
	return mp;
}

/*
 * The bookkeeping of a run of n band-0 messages (normal or high priority, both charged to the
 * queue itself) just unlinked from the head of q as one piece, rest now first: discharged once.
 * The counts only fall during a run of getq, so one check at the end clears QFULL exactly when
 * the last of n checks would have, and clamping the sum at zero is what clamping each step
 * comes to. A run that empties the queue took everything q_count and q_mblkcnt were charged
 * with (a band's messages are counted apart, and there are none left either): the counts are
 * then zero without summing the blocks again, which is the common case of a reader that keeps
 * up.
 */
static inline void
getq_run_detached(queue_t *q, mblk_t **mps, unsigned n, mblk_t *rest)
{
	q->q_first = rest;
	if (rest == NULL) {
		q->q_last = NULL;
		q->q_count = 0;
		q->q_mblkcnt = 0;
		q->q_flag &= ~QFULL;
		return;
	}
	rest->b_prev = NULL;
	for (unsigned k = 0; k < n; k++) {
		size_t nblk;
		size_t bytes = msg_cost(mps[k], &nblk);

		q->q_count -= RTE_MIN(bytes, q->q_count);
		q->q_mblkcnt -= RTE_MIN(nblk, q->q_mblkcnt);
	}
	if (q->q_mblkcnt == 0 || (q->q_count < q->q_hiwat && q->q_mblkcnt < q->q_hiwat))
		q->q_flag &= ~QFULL;
}

/* getq_burst's common case: the band-0 messages at the head, at most n. */
static inline unsigned
getq_run0(queue_t *q, mblk_t **mps, unsigned n)
{
	mblk_t *mp = q->q_first;
	unsigned i;

	for (i = 0; i < n && mp != NULL && mp->b_band == 0; i++) {
		mblk_t *next = mp->b_next;

		mp->b_next = mp->b_prev = NULL;
		mps[i] = mp;
		mp = next;
	}
	if (i == 0)
		return 0;
	getq_run_detached(q, mps, i, mp);
	return i;
}

void
__getq_burst_done(queue_t *q, mblk_t **mps, unsigned n, mblk_t *rest)
{
	getq_run_detached(q, mps, n, rest);
	q->q_flag &= ~QWANTR; /* each of the n getq() calls found a message */
	q_backenable_check(q, 0);
}

unsigned
getq_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	uint64_t bands[NBAND / 64] = {0};
	unsigned i, any_band = 0;

	if (n == 0)
		return 0;
	for (i = getq_run0(q, mps, n); i < n; i++) {
		mblk_t *mp = q->q_first;

		if (mp == NULL)
			break;
		if (unlikely(mp->b_band != 0)) {
			bands[mp->b_band / 64] |= UINT64_C(1) << (mp->b_band % 64);
			any_band = 1;
		}
		rmvq_noenab(q, mp);
		mps[i] = mp;
	}
	/* Equivalent to n getq calls: one that found the queue empty leaves QWANTR set. */
	if (i < n)
		q->q_flag |= QWANTR;
	else
		q->q_flag &= ~QWANTR;
	if (unlikely(any_band)) {
		for (int b = NBAND - 1; b > 0; b--)
			if (bands[b / 64] & (UINT64_C(1) << (b % 64)))
				qbackenable(q, (unsigned char)b);
	}
	q_backenable_check(q, 0);
	return i;
}

/* ---- flushing ----------------------------------------------------------------------------- */

/* A band's (or band 0's) low-water condition for back-enabling. */
static inline int
q_below_lowat(size_t count, size_t mblkcnt, size_t lowat)
{
	return lowat == 0 || (count < lowat && mblkcnt < lowat);
}

void
flushq_common(queue_t *q, int flag, int pcproto_flag)
{
	uint64_t bands[NBAND / 64] = {0};
	int band0 = 0;
	mblk_t *mp = q->q_first;
	qband_t *qbp;
	int b;

	/* 1. Detach the whole list and zero every count. */
	q->q_first = q->q_last = NULL;
	q->q_count = q->q_mblkcnt = 0;
	q->q_flag &= ~QFULL;
	for (qbp = q->q_bandp; qbp != NULL; qbp = qbp->qb_next) {
		qbp->qb_first = qbp->qb_last = NULL;
		qbp->qb_count = qbp->qb_mblkcnt = 0;
		qbp->qb_flag &= ~QB_FULL;
	}
	/* 2. Free what the flag names; put the rest back in order. */
	while (mp != NULL) {
		mblk_t *next = mp->b_next;
		unsigned char type = DB_TYPE(mp);

		mp->b_next = mp->b_prev = NULL;
		if (pcproto_flag && type == M_PCPROTO)
			(void)putq(q, mp);
		else if (flag == FLUSHALL || datamsg(type))
			freemsg(mp);
		else if (!putq(q, mp))
			freemsg(mp); /* its band exists already: cannot happen */
		mp = next;
	}
	/* 3. Which waiting writers may now be back-enabled. */
	for (qbp = q->q_bandp, b = 1; qbp != NULL; qbp = qbp->qb_next, b++) {
		if ((qbp->qb_flag & QB_WANTW) &&
		    q_below_lowat(qbp->qb_count, qbp->qb_mblkcnt, qbp->qb_lowat)) {
			qbp->qb_flag &= ~QB_WANTW;
			bands[b / 64] |= UINT64_C(1) << (b % 64);
		}
	}
	if ((q->q_flag & QWANTW) && q_below_lowat(q->q_count, q->q_mblkcnt, q->q_lowat)) {
		q->q_flag &= ~QWANTW;
		band0 = 1;
	}
	/* 4. Highest band first, band 0 last. */
	for (b = q->q_nband; b > 0; b--)
		if (bands[b / 64] & (UINT64_C(1) << (b % 64)))
			backenable(q, (unsigned char)b);
	if (band0)
		backenable(q, 0);
}

void
flushq(queue_t *q, int flag)
{
	flushq_common(q, flag, 0);
}

void
flushband(queue_t *q, unsigned char pri, int flag)
{
	if (pri > q->q_nband)
		return;
	if (pri == 0) {
		mblk_t *mp = q->q_first;
		qband_t *qbp;

		q->q_first = q->q_last = NULL;
		q->q_count = q->q_mblkcnt = 0;
		q->q_flag &= ~QFULL;
		for (qbp = q->q_bandp; qbp != NULL; qbp = qbp->qb_next) {
			qbp->qb_first = qbp->qb_last = NULL;
			qbp->qb_count = qbp->qb_mblkcnt = 0;
			qbp->qb_flag &= ~QB_FULL;
		}
		while (mp != NULL) {
			mblk_t *next = mp->b_next;

			mp->b_next = mp->b_prev = NULL;
			if (mp->b_band == 0 && (flag == FLUSHALL || datamsg(DB_TYPE(mp))))
				freemsg(mp);
			else if (!putq(q, mp))
				freemsg(mp); /* its band exists already: cannot happen */
			mp = next;
		}
		if ((q->q_flag & QWANTW) && q_below_lowat(q->q_count, q->q_mblkcnt, q->q_lowat)) {
			q->q_flag &= ~QWANTW;
			backenable(q, 0);
		}
	} else {
		qband_t *qbp = yard_qband(q, pri);
		mblk_t *mp = qbp->qb_first;
		mblk_t *last = qbp->qb_last;
		int flushed = 0;

		while (mp != NULL) {
			mblk_t *next = mp == last ? NULL : mp->b_next;

			if (flag == FLUSHALL || datamsg(DB_TYPE(mp))) {
				rmvq_noenab(q, mp);
				freemsg(mp);
				flushed = 1;
			}
			mp = next;
		}
		if (flushed)
			qbackenable(q, pri);
	}
}

/* ---- attributes --------------------------------------------------------------------------- */

int
qsize(queue_t *q)
{
	int n = 0;

	for (mblk_t *mp = q->q_first; mp != NULL; mp = mp->b_next)
		n++;
	return n;
}

/*
 * yard has no synchronous-uio (struio) support: QSTRUIOT reads as STRUIOT_NONE and a set is
 * accepted and ignored, so modules written for illumos keep working.
 */
#define YARD_STRUIOT_NONE (-1)

int
strqget(queue_t *q, qfields_t what, unsigned char pri, intptr_t *valp)
{
	qband_t *qbp = NULL;

	if ((unsigned)what >= QBAD)
		return EINVAL;
	if (pri != 0) {
		qbp = yard_qband_alloc(q, pri);
		if (qbp == NULL)
			return EAGAIN;
	}
	switch (what) {
	case QHIWAT:
		*valp = (intptr_t)(qbp ? qbp->qb_hiwat : q->q_hiwat);
		break;
	case QLOWAT:
		*valp = (intptr_t)(qbp ? qbp->qb_lowat : q->q_lowat);
		break;
	case QMAXPSZ:
		if (qbp)
			return EINVAL;
		*valp = (intptr_t)q->q_maxpsz;
		break;
	case QMINPSZ:
		if (qbp)
			return EINVAL;
		*valp = (intptr_t)q->q_minpsz;
		break;
	case QCOUNT:
		*valp = (intptr_t)(qbp ? qbp->qb_count : q->q_count);
		break;
	case QFIRST:
		*valp = (intptr_t)(qbp ? qbp->qb_first : q->q_first);
		break;
	case QLAST:
		*valp = (intptr_t)(qbp ? qbp->qb_last : q->q_last);
		break;
	case QFLAG:
		*valp = (intptr_t)(qbp ? qbp->qb_flag : q->q_flag);
		break;
	case QSTRUIOT:
		if (qbp)
			return EINVAL;
		*valp = YARD_STRUIOT_NONE;
		break;
	default:
		return EINVAL;
	}
	return 0;
}

int
strqset(queue_t *q, qfields_t what, unsigned char pri, intptr_t val)
{
	qband_t *qbp = NULL;

	if ((unsigned)what >= QBAD)
		return EINVAL;
	if (pri != 0) {
		qbp = yard_qband_alloc(q, pri);
		if (qbp == NULL)
			return EAGAIN;
	}
	/* As in illumos, QFULL is not re-evaluated here: M_SETOPTS calls qbackenable after. */
	switch (what) {
	case QHIWAT:
		if (qbp)
			qbp->qb_hiwat = (size_t)val;
		else
			q->q_hiwat = (size_t)val;
		break;
	case QLOWAT:
		if (qbp)
			qbp->qb_lowat = (size_t)val;
		else
			q->q_lowat = (size_t)val;
		break;
	case QMAXPSZ:
		if (qbp)
			return EINVAL;
		q->q_maxpsz = (ssize_t)val;
		break;
	case QMINPSZ:
		if (qbp)
			return EINVAL;
		q->q_minpsz = (ssize_t)val;
		break;
	case QSTRUIOT:
		if (qbp)
			return EINVAL;
		break;
	case QCOUNT:
	case QFIRST:
	case QLAST:
	case QFLAG:
		return EPERM;
	default:
		return EINVAL;
	}
	return 0;
}
