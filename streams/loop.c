/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The loop-back driver "loop" (loop.h): the bottom of a stream with no hardware.
 *
 * Principles of operation
 * -----------------------
 * Minors. Every open is a clone open: it claims a free slot of a fixed table of LOOP_NMINOR
 * minors and hangs it on q_ptr of both queues. The claim is the only thing two lcores may race
 * for (each opens its own streams), so it is a compare-and-swap on lm_inuse; everything else in
 * a minor is touched only by the lcore that owns its stream. A cross-connection (LOOP_SET) is
 * therefore only allowed between minors of the same lcore: the write service procedure of one
 * calls putnext() on the other's read queue, and canputnext() sets QWANTW there.
 *
 * Write side. M_DATA, M_PROTO and M_CTL are counted in loops_in and putq'd; the write service
 * procedure turns them around. M_PCPROTO is counted too but bypasses the queue, the hold and
 * flow control: high-priority messages are never held back. M_FLUSH and M_IOCTL are handled
 * at once in the put procedure. Anything else is freed and counted in loops_dropped (a loop
 * has no use for M_DELAY, M_BREAK, M_IOCDATA, ...; yard_loop_inject() sends any type up).
 *
 * Where a turned-around message goes, first rule that applies:
 *   1. LOOP_CAPTURE on: onto this minor's capture list (yard_loop_take()), loops_captured;
 *   2. the cross-connected peer closed: freed, loops_nopeer (until LOOP_SET names a new peer
 *      or -1, so a test sees the loss instead of a silent change to echo);
 *   3. cross-connected: up the peer's read side, loops_out of the peer;
 *   4. otherwise echo: up this minor's read side, loops_out of this minor.
 *
 * Flow control, end to end. The write service procedure stops while the minor is held, and
 * before each message asks bcanputnext() of the read queue that will receive it; if that is
 * refused it putbq's the message and returns. The refusal left QWANTW on the queue above the
 * receiving read queue; when that queue drains, backenable() walks down to the nearest read
 * queue with a service procedure: ours. The read service procedure exists only for that: it
 * re-enables the write queue(s) that feed this read side (its own, and the peer's when
 * cross-connected), which resume turning messages around. Meanwhile the write queue filled
 * past its high water, so canputnext() from above was refused, QWANTW was set on it, and its
 * getq() below low water back-enables the writers above: the stream head hears S_OUTPUT.
 *
 * Read side. The read put procedure passes everything up (it is what yard_loop_inject() calls,
 * "as if received"); it does not queue, so the read queue stays empty.
 *
 * Close. The peer of a closing minor is left "peer gone" and its write queue is enabled so
 * whatever it had queued for us is dropped and counted rather than stranded. The capture list
 * is freed; messages still on our queues are freed by freeq() after close, which does not
 * back-enable (the modules and the stream head above are already gone).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_common.h>

#include <streams/loop.h>
#include <streams/stream.h>

#include "streams_priv.h"

#define LOOP_NMINOR 256  /**< minors in the table */
#define LOOP_IDNUM  1000 /**< module_info id */
#define LOOP_HIWAT  65536
#define LOOP_LOWAT  16384

/* lm_flags */
#define LM_HELD     0x1 /* LOOP_HOLD: the write service procedure turns nothing around */
#define LM_CAPTURE  0x2 /* LOOP_CAPTURE: keep on the capture list */
#define LM_PEERGONE 0x4 /* was cross-connected; the peer closed */

/*
 * One minor. Legend: [O] written only at open/close of this minor (lm_inuse by CAS),
 * [L] only by the lcore that owns the stream (lm_rq->q_sched).
 */
struct loop_minor {
	uint32_t lm_inuse;            /* [O] 1 while open (claimed by CAS) */
	int lm_minor;                 /* [O] index in loop_minors */
	queue_t *lm_rq;               /* [O] our read queue; NULL until open is complete */
	struct loop_minor *lm_peer;   /* [L] cross-connected peer, NULL for echo */
	unsigned lm_flags;            /* [L] LM_* */
	mblk_t *lm_caphead;           /* [L] capture list, linked by b_next */
	mblk_t *lm_captail;
	struct loopstat lm_stats;     /* [L] */
} __rte_cache_aligned;

static struct loop_minor loop_minors[LOOP_NMINOR];

/* The minor of a number, NULL if out of range or not open. */
static struct loop_minor *
loop_lookup(int minor)
{
	struct loop_minor *lm;

	if (minor < 0 || minor >= LOOP_NMINOR)
		return NULL;
	lm = &loop_minors[minor];
	if (!__atomic_load_n(&lm->lm_inuse, __ATOMIC_ACQUIRE) || lm->lm_rq == NULL)
		return NULL;
	return lm;
}

/* ---- delivery ----------------------------------------------------------------------------- */

/* Send mp up to's read side. */
static inline void
loop_up(struct loop_minor *to, mblk_t *mp)
{
	to->lm_stats.loops_out++;
	putnext(to->lm_rq, mp);
}

/*
 * Turn one message from lm's write side around (the rules in the header comment). With
 * check_flow, a refusal of the receiving read side leaves mp untouched and returns false;
 * otherwise mp is consumed and true returned.
 */
static bool
loop_deliver(struct loop_minor *lm, mblk_t *mp, bool check_flow)
{
	struct loop_minor *to;

	/* ip's word to the arp it expected below (mblk.h): turned around, the block is no frame. */
	mp->b_yflags &= ~YB_LINKROOM;
	if (lm->lm_flags & LM_CAPTURE) {
		mp->b_next = NULL;
		if (lm->lm_captail != NULL)
			lm->lm_captail->b_next = mp;
		else
			lm->lm_caphead = mp;
		lm->lm_captail = mp;
		lm->lm_stats.loops_captured++;
		return true;
	}
	if (unlikely(lm->lm_flags & LM_PEERGONE)) {
		lm->lm_stats.loops_nopeer++;
		freemsg(mp);
		return true;
	}
	to = lm->lm_peer != NULL ? lm->lm_peer : lm;
	if (check_flow && !bcanputnext(to->lm_rq, mp->b_band))
		return false;
	loop_up(to, mp);
	return true;
}

/* ---- M_FLUSH ------------------------------------------------------------------------------ */

/*
 * The canonical driver rules (loop.h): FLUSHW flushes the write queue (one band with
 * FLUSHBAND); then with FLUSHR the read queue is flushed too, FLUSHW is cleared so the stream
 * head does not send it down again, and the message goes back up; without FLUSHR it is freed.
 */
static void
loop_flush(queue_t *q, struct loop_minor *lm, mblk_t *mp)
{
	unsigned char flag = MBLKL(mp) >= 1 ? mp->b_rptr[0] : 0;
	bool band = (flag & FLUSHBAND) && MBLKL(mp) >= 2;

	if (flag & FLUSHW) {
		int before = qsize(q);

		if (band)
			flushband(q, mp->b_rptr[1], FLUSHALL);
		else
			flushq(q, FLUSHALL);
		lm->lm_stats.loops_flushed += (uint64_t)(before - qsize(q));
		mp->b_rptr[0] &= (unsigned char)~FLUSHW;
	}
	if (flag & FLUSHR) {
		if (band)
			flushband(RD(q), mp->b_rptr[1], FLUSHALL);
		else
			flushq(RD(q), FLUSHALL);
		qreply(q, mp);
		return;
	}
	freemsg(mp);
}

/* ---- M_IOCTL ------------------------------------------------------------------------------ */

/*
 * The int argument of an ioctl: from the I_STR data, or the value itself of a transparent
 * ioctl (the stream head puts the caller's intptr_t in b_cont). 0 or -EINVAL.
 */
static int
loop_ioc_int(const mblk_t *mp, int *valp)
{
	const struct iocblk *ioc = (const struct iocblk *)mp->b_rptr;
	const mblk_t *dp = mp->b_cont;

	if (dp == NULL)
		return -EINVAL;
	if (ioc->ioc_count == TRANSPARENT) {
		intptr_t v;

		if (MBLKL(dp) < sizeof(v))
			return -EINVAL;
		memcpy(&v, dp->b_rptr, sizeof(v));
		*valp = (int)v;
		return 0;
	}
	if (ioc->ioc_count < sizeof(int) || MBLKL(dp) < sizeof(int))
		return -EINVAL;
	memcpy(valp, dp->b_rptr, sizeof(int));
	return 0;
}

/* LOOP_SET: cross-connect lm with minor `peer`, or go back to echo with -1. 0 or -errno. */
static int
loop_set(struct loop_minor *lm, int peer)
{
	struct loop_minor *to;

	if (peer == -1) {
		if (lm->lm_peer != NULL)
			lm->lm_peer->lm_peer = NULL;
		lm->lm_peer = NULL;
		lm->lm_flags &= ~LM_PEERGONE;
		return 0;
	}
	to = loop_lookup(peer);
	if (to == NULL)
		return -ENXIO;
	if (to == lm)
		return -EINVAL;
	if (to->lm_rq->q_sched != lm->lm_rq->q_sched)
		return -EXDEV; /* see the header comment: minors of one lcore only */
	if ((lm->lm_peer != NULL && lm->lm_peer != to) || (to->lm_peer != NULL && to->lm_peer != lm))
		return -EBUSY;
	lm->lm_peer = to;
	to->lm_peer = lm;
	lm->lm_flags &= ~LM_PEERGONE;
	to->lm_flags &= ~LM_PEERGONE;
	return 0;
}

/* LOOP_GETMINOR: the minor as an int in b_cont (and in ioc_rval). */
static void
loop_getminor(queue_t *q, struct loop_minor *lm, mblk_t *mp)
{
	const struct iocblk *ioc = (const struct iocblk *)mp->b_rptr;
	mblk_t *dp = mp->b_cont;

	if (ioc->ioc_count == TRANSPARENT) {
		/* No M_COPYOUT here: a transparent caller gets the minor as the return value. */
		miocack(q, mp, 0, lm->lm_minor);
		return;
	}
	if (dp == NULL || DB_REF(dp) > 1 || (size_t)(DB_LIM(dp) - dp->b_rptr) < sizeof(int)) {
		mblk_t *ndp = allocb(sizeof(int), BPRI_MED);

		if (ndp == NULL) {
			miocnak(q, mp, 0, ENOMEM);
			return;
		}
		if (dp != NULL)
			freemsg(dp);
		mp->b_cont = dp = ndp;
		dp->b_rptr = dp->b_wptr = DB_BASE(dp);
	}
	memcpy(dp->b_rptr, &lm->lm_minor, sizeof(int));
	dp->b_wptr = dp->b_rptr + sizeof(int);
	if (dp->b_cont != NULL) {
		freemsg(dp->b_cont);
		dp->b_cont = NULL;
	}
	miocack(q, mp, (int)sizeof(int), lm->lm_minor);
}

static void
loop_ioctl(queue_t *q, struct loop_minor *lm, mblk_t *mp)
{
	const struct iocblk *ioc;
	int val = 0, rc;

	if (unlikely(MBLKL(mp) < sizeof(struct iocblk))) {
		lm->lm_stats.loops_dropped++; /* not an ioctl the stream head made */
		freemsg(mp);
		return;
	}
	ioc = (const struct iocblk *)mp->b_rptr;
	switch (ioc->ioc_cmd) {
	case LOOP_SET:
		rc = loop_ioc_int(mp, &val);
		if (rc == 0)
			rc = loop_set(lm, val);
		break;
	case LOOP_HOLD:
		lm->lm_flags |= LM_HELD;
		rc = 0;
		break;
	case LOOP_RELEASE:
		lm->lm_flags &= ~LM_HELD;
		qenable(q); /* drain what was held; its getq()s back-enable the writers */
		rc = 0;
		break;
	case LOOP_CAPTURE:
		rc = loop_ioc_int(mp, &val);
		if (rc == 0) {
			if (val)
				lm->lm_flags |= LM_CAPTURE;
			else
				lm->lm_flags &= ~LM_CAPTURE;
			qenable(q); /* messages waiting for a full read side may be captured now */
		}
		break;
	case LOOP_GETMINOR:
		loop_getminor(q, lm, mp);
		return;
	case LOOP_NOANSWER:
		freemsg(mp); /* on purpose: the caller is testing its ioctl timeout */
		return;
	default:
		rc = -EINVAL;
		break;
	}
	if (rc == 0)
		miocack(q, mp, 0, 0);
	else
		miocnak(q, mp, 0, -rc);
}

/* ---- write side --------------------------------------------------------------------------- */

/* The types the write put procedure queues for the service procedure to turn around. */
static inline bool
loop_queued_type(unsigned char type)
{
	return type == M_DATA || type == M_PROTO || type == M_CTL;
}

static int
loop_wput(queue_t *q, mblk_t *mp)
{
	struct loop_minor *lm = q->q_ptr;
	unsigned char type = DB_TYPE(mp);

	if (likely(loop_queued_type(type))) {
		lm->lm_stats.loops_in++;
		if (unlikely(!putq(q, mp))) {
			lm->lm_stats.loops_dropped++; /* no memory for its band */
			freemsg(mp);
		}
		return 0;
	}
	switch (type) {
	case M_PCPROTO:
		lm->lm_stats.loops_in++;
		(void)loop_deliver(lm, mp, false);
		break;
	case M_FLUSH:
		loop_flush(q, lm, mp);
		break;
	case M_IOCTL:
		loop_ioctl(q, lm, mp);
		break;
	default:
		lm->lm_stats.loops_dropped++;
		freemsg(mp);
		break;
	}
	return 0;
}

/*
 * A burst from above: runs of queueable messages go onto the write queue in one putq_burst;
 * anything else (M_PCPROTO, M_FLUSH, M_IOCTL, ...) goes through the put procedure in its
 * place, so the order of the burst is kept.
 */
static void
loop_wput_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	struct loop_minor *lm = q->q_ptr;
	unsigned i = 0;

	lm->lm_stats.loops_bursts++;
	while (i < n) {
		unsigned j = i, k;

		while (j < n && loop_queued_type(DB_TYPE(mps[j])))
			j++;
		if (j > i) {
			lm->lm_stats.loops_in += j - i;
			k = putq_burst(q, mps + i, j - i);
			if (unlikely(k < j - i)) {
				lm->lm_stats.loops_dropped += j - i - k;
				freemsg_burst(mps + i + k, j - i - k);
			}
			i = j;
		}
		if (i < n)
			(void)loop_wput(q, mps[i++]);
	}
	if (!(lm->lm_flags & LM_HELD))
		qenable(q);
}

static int
loop_wsrv(queue_t *q)
{
	struct loop_minor *lm = q->q_ptr;
	mblk_t *mp;

	while (!(lm->lm_flags & LM_HELD) && (mp = getq(q)) != NULL) {
		if (!loop_deliver(lm, mp, true)) {
			(void)putbq(q, mp); /* never fails: mp's band exists */
			break;
		}
	}
	return 0;
}

/* ---- read side ---------------------------------------------------------------------------- */

static int
loop_rput(queue_t *q, mblk_t *mp)
{
	loop_up(q->q_ptr, mp);
	return 0;
}

/* Back-enabled when the read side above drained: resume the writers that feed it. */
static int
loop_rsrv(queue_t *q)
{
	struct loop_minor *lm = q->q_ptr;

	qenable(WR(q));
	if (lm->lm_peer != NULL)
		qenable(WR(lm->lm_peer->lm_rq));
	return 0;
}

/* ---- open and close ----------------------------------------------------------------------- */

static int
loop_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	struct loop_minor *lm = NULL;
	int i;

	if (sflag == MODOPEN)
		return EINVAL; /* a driver, not a module */
	if (q->q_ptr != NULL)
		return 0;      /* already open: nothing to do */
	for (i = 0; i < LOOP_NMINOR; i++) {
		uint32_t expect = 0;

		if (__atomic_compare_exchange_n(&loop_minors[i].lm_inuse, &expect, 1, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			lm = &loop_minors[i];
			break;
		}
	}
	if (lm == NULL)
		return ENXIO; /* every minor is open */
	lm->lm_minor = i;
	lm->lm_peer = NULL;
	lm->lm_flags = 0;
	lm->lm_caphead = lm->lm_captail = NULL;
	memset(&lm->lm_stats, 0, sizeof(lm->lm_stats));
	q->q_ptr = WR(q)->q_ptr = lm;
	__atomic_store_n(&lm->lm_rq, q, __ATOMIC_RELEASE);
	if (devp != NULL)
		*devp = (dev_t)i;
	qprocson(q);
	return 0;
}

static int
loop_close(queue_t *q, int flag, cred_t *crp)
{
	struct loop_minor *lm = q->q_ptr;
	struct loop_minor *peer = lm->lm_peer;

	qprocsoff(q);
	if (peer != NULL) {
		peer->lm_peer = NULL;
		peer->lm_flags |= LM_PEERGONE;
		qenable(WR(peer->lm_rq)); /* what it queued for us is now dropped, not stranded */
	}
	freemsgchain(lm->lm_caphead);
	lm->lm_caphead = lm->lm_captail = NULL;
	lm->lm_peer = NULL;
	q->q_ptr = WR(q)->q_ptr = NULL;
	lm->lm_rq = NULL;
	__atomic_store_n(&lm->lm_inuse, 0, __ATOMIC_RELEASE);
	return 0;
}

/* ---- tables ------------------------------------------------------------------------------- */

static struct module_info loop_minfo = {
	.mi_idnum = LOOP_IDNUM,
	.mi_idname = "loop",
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = LOOP_HIWAT,
	.mi_lowat = LOOP_LOWAT,
};

static struct qinit loop_rinit = {
	.qi_putp = loop_rput,
	.qi_srvp = loop_rsrv,
	.qi_qopen = loop_open,
	.qi_qclose = loop_close,
	.qi_minfo = &loop_minfo,
};

static struct qinit loop_winit = {
	.qi_putp = loop_wput,
	.qi_srvp = loop_wsrv,
	.qi_minfo = &loop_minfo,
	.qi_putp_burst = loop_wput_burst,
};

struct streamtab loopinfo = {
	.st_rdinit = &loop_rinit,
	.st_wrinit = &loop_winit,
};

/* ---- test and inspection interface (loop.h) ------------------------------------------------ */

int
yard_loop_minor(struct stdata *sd)
{
	queue_t *q;
	unsigned hops = 0;

	if (sd == NULL || sd->sd_wrq == NULL)
		return -1;
	/* The driver is the last write queue of the stream. */
	for (q = sd->sd_wrq; q->q_next != NULL && SAMESTR(q) && hops < 2 * YARD_NSTRPUSH + 2;
	     q = q->q_next)
		hops++;
	if (q->q_qinfo != &loop_winit || q->q_ptr == NULL)
		return -1;
	return ((struct loop_minor *)q->q_ptr)->lm_minor;
}

int
yard_loop_inject(int minor, mblk_t *mp)
{
	struct loop_minor *lm = loop_lookup(minor);

	if (lm == NULL)
		return -ENXIO; /* mp is still the caller's */
	put(lm->lm_rq, mp);
	return 0;
}

int
yard_loop_inject_burst(int minor, mblk_t **mps, unsigned n)
{
	struct loop_minor *lm = loop_lookup(minor);

	if (lm == NULL)
		return -ENXIO;
	lm->lm_stats.loops_out += n;
	putnext_burst(lm->lm_rq, mps, n);
	return 0;
}

int
yard_loop_hold(int minor, bool hold)
{
	struct loop_minor *lm = loop_lookup(minor);

	if (lm == NULL)
		return -ENXIO;
	if (hold) {
		lm->lm_flags |= LM_HELD;
	} else {
		lm->lm_flags &= ~LM_HELD;
		qenable(WR(lm->lm_rq)); /* as LOOP_RELEASE */
	}
	return 0;
}

mblk_t *
yard_loop_take(int minor)
{
	struct loop_minor *lm = loop_lookup(minor);
	mblk_t *mp;

	if (lm == NULL || lm->lm_caphead == NULL)
		return NULL;
	mp = lm->lm_caphead;
	lm->lm_caphead = mp->b_next;
	if (lm->lm_caphead == NULL)
		lm->lm_captail = NULL;
	mp->b_next = NULL;
	return mp;
}

const struct loopstat *
yard_loop_stats(int minor)
{
	struct loop_minor *lm = loop_lookup(minor);

	return lm != NULL ? &lm->lm_stats : NULL;
}
