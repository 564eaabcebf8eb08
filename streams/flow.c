/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow control and enabling: canput/bcanput/canputnext/bcanputnext, qbackenable/backenable,
 * qenable/noenable/enableok, qprocson/qprocsoff.
 *
 * Principles of operation
 * -----------------------
 * Flow control in STREAMS is a handshake between two queues that need not be neighbours:
 *
 *  1. A writer asks canputnext(q) before it passes a normal message on. The answer comes from
 *     q->q_next->q_nfsrv, the nearest queue downstream that has a service procedure (queues
 *     without one never hold messages, so they cannot be full). If that queue is QFULL, the
 *     writer is refused and the refusal is recorded there: QWANTW (QB_WANTW for a band).
 *     The writer then keeps its message (putbq on its own queue) and stops.
 *  2. When the full queue drains below low water (strictly, bytes and blocks both, or at once
 *     if low water is 0), qbackenable() sees QWANTW, clears it and calls backenable(): walk
 *     backq() to the nearest upstream queue with a service procedure, mark it QBACK (QB_BACK
 *     for the band) so it can tell why it runs, and enable it. That enable ignores noenable():
 *     a queue that asked not to be scheduled by putq still must hear that flow control cleared.
 *  3. The scheduler runs the writer's service procedure, which retries canputnext.
 *
 * The not-full answer is the hot path (once per message per hop): one load of q_nfsrv, one
 * flag test. Everything else is the rare refusal.
 *
 * qenable() puts a queue on its lcore's run list once: QENAB marks it as scheduled. A queue
 * enabled while its service procedure runs (QINSERVICE) is only marked; the scheduler sees
 * QENAB again when the procedure returns and runs it once more, so one queue is never on the
 * run list twice nor serviced re-entrantly.
 *
 * Where yard differs from illumos: no QLOCK and no stream claims; the stream and all its
 * queues belong to one lcore, so q_next and the flags cannot change under us.
 */
#include <streams/queue.h>
#include <streams/sched.h>

#include "streams_priv.h"

/* ---- canput ------------------------------------------------------------------------------- */

int
canput(queue_t *q)
{
	q = q->q_nfsrv;
	if (likely(!(q->q_flag & QFULL)))
		return 1;
	q->q_flag |= QWANTW;
	return 0;
}

int
canputnext(queue_t *q)
{
	queue_t *nq = q->q_next->q_nfsrv;

	if (likely(!(nq->q_flag & QFULL)))
		return 1;
	nq->q_flag |= QWANTW;
	return 0;
}

int
bcanput(queue_t *q, unsigned char pri)
{
	qband_t *qbp;

	if (pri == 0)
		return canput(q);
	q = q->q_nfsrv;
	if (pri > q->q_nband)
		return 1; /* the band has never held a message */
	qbp = yard_qband(q, pri);
	if (!(qbp->qb_flag & QB_FULL))
		return 1;
	qbp->qb_flag |= QB_WANTW;
	return 0;
}

int
bcanputnext(queue_t *q, unsigned char pri)
{
	return bcanput(q->q_next, pri);
}

/* ---- back-enabling ------------------------------------------------------------------------ */

queue_t *
backq(queue_t *q)
{
	/*
	 * There is no back pointer: the queue behind q on its side is the partner of the queue
	 * after q's partner on the other side. This also crosses the twist of a pipe.
	 */
	queue_t *oq = OTHERQ(q);

	return oq->q_next != NULL ? OTHERQ(oq->q_next) : NULL;
}

void
qbackenable(queue_t *q, unsigned char pri)
{
	if (pri == 0) {
		if (likely(!(q->q_flag & QWANTW)))
			return;
		if (q->q_lowat == 0 || (q->q_count < q->q_lowat && q->q_mblkcnt < q->q_lowat)) {
			q->q_flag &= ~QWANTW;
			backenable(q, 0);
		}
	} else {
		qband_t *qbp = yard_qband(q, pri);

		if (qbp == NULL || !(qbp->qb_flag & QB_WANTW))
			return;
		if (qbp->qb_lowat == 0 ||
		    (qbp->qb_count < qbp->qb_lowat && qbp->qb_mblkcnt < qbp->qb_lowat)) {
			qbp->qb_flag &= ~QB_WANTW;
			backenable(q, pri);
		}
	}
}

void
backenable(queue_t *q, unsigned char pri)
{
	queue_t *nq = backq(q);

	while (nq != NULL && (nq->q_qinfo == NULL || nq->q_qinfo->qi_srvp == NULL))
		nq = backq(nq);
	if (nq == NULL)
		return;
	/* illumos setqback: say why the queue runs; a band that cannot be had is only enabled. */
	if (pri == 0) {
		nq->q_flag |= QBACK;
	} else {
		qband_t *qbp = yard_qband_alloc(nq, pri);

		if (qbp != NULL)
			qbp->qb_flag |= QB_BACK;
	}
	qenable(nq); /* not canenable(): back-enabling overrides noenable() */
}

/* ---- enabling ----------------------------------------------------------------------------- */

void
qenable(queue_t *q)
{
	if (q->q_qinfo == NULL || q->q_qinfo->qi_srvp == NULL ||
	    (q->q_flag & (QWCLOSE | QENAB)))
		return;
	q->q_flag |= QENAB;
	if (q->q_flag & QINSERVICE)
		return; /* the scheduler runs it once more when the procedure returns */
	yard_sched_enqueue(q->q_sched, q);
}

void
noenable(queue_t *q)
{
	q->q_flag |= QNOENB;
}

void
enableok(queue_t *q)
{
	q->q_flag &= ~QNOENB;
}

/* ---- procedures on and off ---------------------------------------------------------------- */

/*
 * illumos backenable_insertedq: a queue just inserted above a queue whose writer was refused
 * is the new writer, so it must be scheduled now or it would never hear of the refusal.
 */
static void
backenable_insertedq(queue_t *q)
{
	queue_t *nq;

	if (q->q_qinfo == NULL || q->q_qinfo->qi_srvp == NULL || q->q_next == NULL)
		return;
	nq = q->q_next->q_nfsrv;
	if (nq->q_flag & QWANTW) {
		qenable(q);
		return;
	}
	for (qband_t *qbp = nq->q_bandp; qbp != NULL; qbp = qbp->qb_next) {
		if (qbp->qb_flag & QB_WANTW) {
			qenable(q);
			return;
		}
	}
}

void
qprocson(queue_t *q)
{
	queue_t *rq = RD(q), *wq = WR(q);

	rq->q_flag = (rq->q_flag & ~QWCLOSE) | QPROCSON;
	wq->q_flag = (wq->q_flag & ~QWCLOSE) | QPROCSON;
	backenable_insertedq(rq);
	backenable_insertedq(wq);
}

void
qprocsoff(queue_t *q)
{
	queue_t *rq = RD(q), *wq = WR(q);

	rq->q_flag = (rq->q_flag & ~QPROCSON) | QWCLOSE;
	wq->q_flag = (wq->q_flag & ~QPROCSON) | QWCLOSE;
	yard_sched_remove(rq->q_sched, rq);
	yard_sched_remove(wq->q_sched, wq);
	/* Off the run list now; a pass already running it sees QWCLOSE and does not rerun. */
	rq->q_flag &= ~QENAB;
	wq->q_flag &= ~QENAB;
}
