/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "passthru": the example module. It passes every message on unchanged, in both directions,
 * and does everything a well-behaved module must: flow control with canputnext/putbq, the
 * M_FLUSH rules, burst put procedures, counters. docs/writing-a-module.md walks through it;
 * copy it to start a new module.
 *
 * Principles of operation
 * -----------------------
 * Each side has a put procedure and a service procedure. The put procedure passes a message
 * straight on when it can, and queues it when it cannot:
 *
 *   - high-priority messages (M_FLUSH, M_IOCACK, M_PCPROTO, ...) are never held back by flow
 *     control: they go on at once (M_FLUSH after flushing our own queues);
 *   - so does M_IOCTL, as in the illumos modules that handle ioctls in their put procedure:
 *     the stream head does not flow-control an I_STR, and an ioctl stuck behind data that
 *     cannot drain could never reach the driver to unblock it (LOOP_RELEASE, a reset);
 *   - a normal message goes on with putnext() only if nothing is queued on this side (or it
 *     would overtake what is) and bcanputnext() for its band says the next queue with a
 *     service procedure has room; otherwise it is putq'd.
 *
 * When bcanputnext() refuses, it leaves QWANTW (QB_WANTW for a band) on the full queue below.
 * Our queue fills in turn, so the writer above us is refused and waits. When the full queue
 * drains below its low water, STREAMS back-enables the nearest queue behind it that has a
 * service procedure: this one. The service procedure then drains our queue with getq() while
 * the next queue takes messages, and when it is refused again it putbq's the message it holds
 * and returns: it will be back-enabled again. Its getq()s in turn back-enable the writer above
 * us once our queue is below our low water. That is flow control end to end, with no message
 * dropped and the order kept.
 *
 * The burst put procedures take a vector of messages from a putnext_burst() above. When our
 * queue is empty, the next queue has room and the burst is all band-0 normal messages, the
 * whole burst goes on with one putnext_burst(): one indirect call per hop per burst. Otherwise
 * each message takes the one-message path, which keeps the order and the M_FLUSH rules.
 *
 * The private structure (struct passthru_priv, streams_priv.h) holds one struct passthrustat
 * per direction; both queues of the pair point at it through q_ptr. The stream belongs to one
 * lcore, so the counters are plain increments.
 */
#include <errno.h>
#include <stdbool.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include <streams/stream.h>

#include "streams_priv.h"

#define PASSTHRU_IDNUM 1001
#define PASSTHRU_HIWAT 65536 /* bytes (or blocks) queued on one side before we say "full" */
#define PASSTHRU_LOWAT 16384 /* ... and below which the writer above is back-enabled */

/* The counters of q's side: the read queue counts upstream traffic, the write queue downstream. */
#define PT_RD(q) (&((struct passthru_priv *)(q)->q_ptr)->pt_rd)
#define PT_WR(q) (&((struct passthru_priv *)(q)->q_ptr)->pt_wr)

/* ---- M_FLUSH ------------------------------------------------------------------------------ */

/*
 * A module flushes its own queues named by the flag, whichever side the M_FLUSH came in on
 * (FLUSHW: the write queue, FLUSHR: the read queue; with FLUSHBAND only band b_rptr[1]), then
 * passes the message on unchanged. An I_FLUSH FLUSHRW thus flushes both our queues on the way
 * down; the driver clears FLUSHW and turns FLUSHR back up, and our read side flushes its
 * queue again on the way up, catching what came up meanwhile; the stream head stops it.
 */
static void
passthru_flush(queue_t *q, mblk_t *mp, struct passthrustat *st)
{
	unsigned char flag = mp->b_rptr[0];
	bool band = (flag & FLUSHBAND) && MBLKL(mp) >= 2;

	if (flag & FLUSHW) {
		if (band)
			flushband(WR(q), mp->b_rptr[1], FLUSHALL);
		else
			flushq(WR(q), FLUSHALL);
	}
	if (flag & FLUSHR) {
		if (band)
			flushband(RD(q), mp->b_rptr[1], FLUSHALL);
		else
			flushq(RD(q), FLUSHALL);
	}
	st->passthrus_flushes++;
	putnext(q, mp);
}

/* ---- put procedures ----------------------------------------------------------------------- */

/*
 * The put procedure of either side (passthru_wput, passthru_rput): the two sides of a
 * pass-through module differ only in direction, which putnext(q) already knows, and in which
 * counters they bump.
 */
static inline int
passthru_put(queue_t *q, mblk_t *mp, struct passthrustat *st)
{
	if (unlikely(DB_TYPE(mp) >= QPCTL || DB_TYPE(mp) == M_IOCTL)) {
		if (DB_TYPE(mp) == M_FLUSH && MBLKL(mp) >= 1) {
			passthru_flush(q, mp, st);
			return 0;
		}
		st->passthrus_passed++; /* high priority or an ioctl: never held back */
		putnext(q, mp);
		return 0;
	}
	if (q->q_first == NULL && bcanputnext(q, mp->b_band)) {
		st->passthrus_passed++;
		putnext(q, mp);
		return 0;
	}
	/* The next queue is full, or we hold older messages: wait our turn. */
	if (likely(putq(q, mp))) {
		st->passthrus_queued++;
	} else {
		st->passthrus_dropped++; /* no memory for the message's band */
		freemsg(mp);
	}
	return 0;
}

/*
 * A burst from above. The fast path needs our queue empty, room below and only band-0 normal
 * messages (a high-priority one may need flushing; a banded one its own bcanputnext).
 */
static inline void
passthru_put_burst(queue_t *q, mblk_t **mps, unsigned n, struct passthrustat *st)
{
	unsigned i;

	if (q->q_first == NULL && canputnext(q)) {
		for (i = 0; i < n; i++)
			if (DB_TYPE(mps[i]) >= QPCTL || mps[i]->b_band != 0)
				break;
		if (likely(i == n)) {
			st->passthrus_passed += n;
			st->passthrus_bursts++;
			putnext_burst(q, mps, n);
			return;
		}
	}
	for (i = 0; i < n; i++)
		(void)passthru_put(q, mps[i], st);
}

static int
passthru_wput(queue_t *q, mblk_t *mp)
{
	return passthru_put(q, mp, PT_WR(q));
}

static int
passthru_rput(queue_t *q, mblk_t *mp)
{
	return passthru_put(q, mp, PT_RD(q));
}

static void
passthru_wput_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	passthru_put_burst(q, mps, n, PT_WR(q));
}

static void
passthru_rput_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	passthru_put_burst(q, mps, n, PT_RD(q));
}

/* ---- service procedure -------------------------------------------------------------------- */

/*
 * Scheduled by putq (when a getq had found the queue empty) or back-enabled by the queue below
 * once it drained. Drain in order while the next queue takes messages.
 */
static inline int
passthru_srv(queue_t *q, struct passthrustat *st)
{
	mblk_t *mp;

	while ((mp = getq(q)) != NULL) {
		/* Nothing high priority is ever queued here (the put procedure passes it on). */
		if (!bcanputnext(q, mp->b_band)) {
			(void)putbq(q, mp); /* back where it was; we are back-enabled later */
			break;
		}
		st->passthrus_passed++;
		putnext(q, mp);
	}
	return 0;
}

static int
passthru_wsrv(queue_t *q)
{
	return passthru_srv(q, PT_WR(q));
}

static int
passthru_rsrv(queue_t *q)
{
	return passthru_srv(q, PT_RD(q));
}

/* ---- open and close ----------------------------------------------------------------------- */

/* q is the read queue of the pair being pushed. */
static int
passthru_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	struct passthru_priv *pp;

	if (sflag != MODOPEN)
		return EINVAL; /* a module, not a driver */
	if (q->q_ptr != NULL)
		return 0;      /* already pushed: a re-open of the stream */
	pp = rte_zmalloc_socket("passthru", sizeof(*pp), RTE_CACHE_LINE_SIZE, rte_socket_id());
	if (pp == NULL)
		return ENOMEM;
	q->q_ptr = WR(q)->q_ptr = pp;
	qprocson(q);   /* from here on our put and service procedures may be called */
	return 0;
}

static int
passthru_close(queue_t *q, int flag, cred_t *crp)
{
	struct passthru_priv *pp = q->q_ptr;

	qprocsoff(q);  /* no procedure of ours runs after this; freeq() frees what is queued */
	q->q_ptr = WR(q)->q_ptr = NULL;
	rte_free(pp);
	return 0;
}

/* ---- tables ------------------------------------------------------------------------------- */

static struct module_info passthru_minfo = {
	.mi_idnum = PASSTHRU_IDNUM,
	.mi_idname = "passthru",
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = PASSTHRU_HIWAT,
	.mi_lowat = PASSTHRU_LOWAT,
};

static struct qinit passthru_rinit = {
	.qi_putp = passthru_rput,
	.qi_srvp = passthru_rsrv,
	.qi_qopen = passthru_open,
	.qi_qclose = passthru_close,
	.qi_minfo = &passthru_minfo,
	.qi_putp_burst = passthru_rput_burst,
};

static struct qinit passthru_winit = {
	.qi_putp = passthru_wput,
	.qi_srvp = passthru_wsrv,
	.qi_minfo = &passthru_minfo,
	.qi_putp_burst = passthru_wput_burst,
};

/* Registered as "passthru" by yard_streams_register_builtins(). */
struct streamtab passthru_info = {
	.st_rdinit = &passthru_rinit,
	.st_wrinit = &passthru_winit,
};
