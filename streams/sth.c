/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stream head: open and close, its read put procedure and write service procedure, and
 * the application calls putmsg/getmsg/read/write, their zero-copy forms, notify and poll.
 * The ioctls are in sth_ioctl.c, multiplexor links in mux.c.
 *
 * Principles of operation
 * -----------------------
 * A stream is, top to bottom, the stream head's queue pair, the modules pushed, and the
 * driver's queue pair. The head's write queue has no messages of its own: writes build a
 * message and putnext() it at once, after canputnext()/bcanputnext() said the first queue
 * below with a service procedure has room. A refusal is returned as -EAGAIN and leaves
 * QWANTW (QB_WANTW) set on that queue, so when it drains below low water qbackenable()
 * walks back to the nearest queue with a service procedure, which for the write side is the
 * head's write queue: sth_wsrv() exists only for that, and turns the back-enable into
 * S_OUTPUT (S_WRBAND) for the application (illumos strwsrv).
 *
 * The head's read queue has a put procedure and no service procedure. sth_rput() queues
 * data (M_DATA, M_PROTO, M_PCPROTO, and M_SIG behind data) and acts on everything else at
 * once (illumos strrput/strrput_nondata, reference §3.8). Readers take messages with getq(),
 * so draining the head read queue below low water back-enables the module or driver below.
 *
 * Everything is non-blocking: the application runs in poll mode on the lcore that owns the
 * stream, and learns of events from the notifier (sth_set_notify) or from sth_poll(). The
 * notifier is edge-triggered, as SIGPOLL is: S_INPUT/S_RDNORM/S_RDBAND when a message
 * becomes the first on the read queue, S_HIPRI for every high-priority message, S_OUTPUT/
 * S_WRBAND when flow control clears, S_ERROR, S_HANGUP, S_MSG. sth_poll() is level-triggered:
 * what is true now, plus S_MSG posted since the last call. The notifier runs inside put and
 * service procedures: it may read and write the stream, but must not close it.
 *
 * Errors follow illumos strgeterr: a write fails with the write error (STWRERR), else -ENXIO
 * when hung up; a read fails with the read error (STRDERR); a hung-up stream can still be
 * read until empty, and then reads return 0. RERRNONPERSIST/WERRNONPERSIST make an error
 * reported once. A stream linked under a multiplexor (STPLEX) refuses everything with
 * -EINVAL, and sth_close() on it returns -EBUSY: its queues belong to the multiplexor until
 * I_UNLINK.
 *
 * Close undoes open in reverse: the stream's own (non-persistent) links first, since their
 * I_UNLINKs travel down through the modules; then the modules, top first (qprocsoff, close
 * routine, unlink, free); then the driver; then the head. Whatever the scheduler still holds
 * for a queue being freed (deferred puts, mailbox entries) is dropped with it. Close, like
 * every call here, belongs on the lcore that owns the stream; it refuses (-EBUSY) while an
 * I_STR on the stream is running the scheduler further up the C stack.
 *
 * Where yard differs from illumos: a getmsg remainder whose control part was consumed goes
 * back as a plain M_DATA message (illumos keeps the high-priority state of an M_PCPROTO);
 * M_COPYIN/M_COPYOUT are dropped, as there are no transparent ioctls; I_SETCLTIME is recorded
 * but close never waits, since nothing here blocks.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_spinlock.h>

#include "streams_priv.h"

#define STH_CTLSZ 4096 /**< largest control part of putmsg (illumos strctlsz is 1024) */

static int sth_rput(queue_t *q, mblk_t *mp);
static void sth_rput_burst(queue_t *q, mblk_t **mps, unsigned n);
static int sth_wput(queue_t *q, mblk_t *mp);
static int sth_wsrv(queue_t *q);

static struct module_info sth_rminfo = {
	.mi_idnum = 0,
	.mi_idname = "strrhead",
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = STRHIGH,
	.mi_lowat = STRLOW,
};

static struct module_info sth_wminfo = {
	.mi_idnum = 0,
	.mi_idname = "strwhead",
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = STRHIGH,
	.mi_lowat = STRLOW,
};

struct qinit sth_rinit = {
	.qi_putp = sth_rput,
	.qi_minfo = &sth_rminfo,
	.qi_putp_burst = sth_rput_burst,
};

struct qinit sth_winit = {
	.qi_putp = sth_wput,
	.qi_srvp = sth_wsrv,
	.qi_minfo = &sth_wminfo,
};

/* Every open stream, for inspection. Open and close are cold: a lock is fine here. */
static rte_spinlock_t sth_list_lock = RTE_SPINLOCK_INITIALIZER;
static struct stdata *sth_list;
static unsigned sth_nstreams;
static unsigned sth_lastid;

/* SVR4 open and close routines return a positive errno; accept -errno too. */
static inline int
errno_of(int rc)
{
	return rc < 0 ? -rc : rc;
}

/* ---- events ------------------------------------------------------------------------------- */

void
sth_post(struct stdata *sd, unsigned events)
{
	unsigned want;

	sd->sd_events |= events;
	want = events & sd->sd_sigflags;
	if (want != 0 && sd->sd_notify != NULL)
		sd->sd_notify(sd, want, sd->sd_notify_arg);
}

void
sth_set_notify(struct stdata *sd, unsigned events, sth_notify_fn fn, void *arg)
{
	sd->sd_sigflags = events;
	sd->sd_notify = fn;
	sd->sd_notify_arg = arg;
}

/* The first message a reader may take, after posting and dropping the M_SIGs ahead of it. */
static mblk_t *
sth_rq_first(struct stdata *sd)
{
	queue_t *rq = STH_RQ(sd);
	mblk_t *mp;

	while ((mp = rq->q_first) != NULL && DB_TYPE(mp) == M_SIG) {
		rmvq(rq, mp);
		freemsg(mp);
		sth_priv(sd)->sp_stats.sths_sigs++;
		sth_post(sd, S_MSG);
	}
	return mp;
}

unsigned
sth_poll(struct stdata *sd)
{
	unsigned ev = 0;
	mblk_t *mp;

	if (sd->sd_flag & STPLEX)
		return 0;
	for (mp = STH_RQ(sd)->q_first; mp != NULL && DB_TYPE(mp) == M_SIG; mp = mp->b_next)
		;
	if (mp != NULL) {
		if (DB_TYPE(mp) >= QPCTL)
			ev |= S_HIPRI;
		else
			ev |= S_INPUT | (mp->b_band != 0 ? S_RDBAND : S_RDNORM);
	}
	if (!(sd->sd_flag & (STWRERR | STRHUP))) {
		queue_t *nq = sd->sd_wrq->q_next->q_nfsrv;

		/* canputnext also records the interest (QWANTW), as illumos strpoll does. */
		if (canputnext(sd->sd_wrq))
			ev |= S_OUTPUT;
		if (nq->q_nband < 255) {
			ev |= S_WRBAND; /* a band that was never used is not full */
		} else {
			for (qband_t *qb = nq->q_bandp; qb != NULL; qb = qb->qb_next)
				if (!(qb->qb_flag & QB_FULL)) {
					ev |= S_WRBAND;
					break;
				}
		}
	}
	if (sd->sd_flag & (STRDERR | STWRERR))
		ev |= S_ERROR;
	if (sd->sd_flag & STRHUP)
		ev |= S_HANGUP;
	ev |= sd->sd_events & (S_MSG | S_BANDURG);
	sd->sd_events = 0;
	return ev;
}

/* ---- errors ------------------------------------------------------------------------------- */

/* The error a read reports now, 0 if none (illumos strgeterr for the read side). */
static int
sth_rderr(struct stdata *sd)
{
	int err;

	if (sd->sd_flag & (STPLEX | STRCLOSE))
		return EINVAL;
	if (!(sd->sd_flag & STRDERR))
		return 0;
	err = sd->sd_rerror;
	if (sd->sd_erropt & RERRNONPERSIST) {
		sd->sd_flag &= ~STRDERR;
		sd->sd_rerror = 0;
	}
	return err;
}

/* The error a write reports now, 0 if none. */
static int
sth_wrerr(struct stdata *sd)
{
	int err;

	if (sd->sd_flag & (STPLEX | STRCLOSE))
		return EINVAL;
	if (sd->sd_flag & STWRERR) {
		err = sd->sd_werror;
		if (sd->sd_erropt & WERRNONPERSIST) {
			sd->sd_flag &= ~STWRERR;
			sd->sd_werror = 0;
		}
		return err;
	}
	if (sd->sd_flag & STRHUP)
		return ENXIO;
	return 0;
}

/* ---- the read side: sth_rput --------------------------------------------------------------- */

/* Send a message back down; not once the stream below is gone (illumos: "protect against
 * the driver passing up messages after it has done a qprocsoff"). */
static void
sth_reply(queue_t *rq, mblk_t *mp)
{
	if (WR(rq)->q_next == NULL)
		freemsg(mp);
	else
		qreply(rq, mp);
}

static void
sth_rput_data(struct stdata *sd, queue_t *q, mblk_t *mp)
{
	unsigned ev;

	if (unlikely(!putq(q, mp))) {
		sth_priv(sd)->sp_stats.sths_putq_fail++;
		freemsg(mp);
		return;
	}
	if (DB_TYPE(mp) >= QPCTL)
		ev = S_HIPRI;
	else if (q->q_first == mp)
		ev = S_INPUT | (mp->b_band != 0 ? S_RDBAND : S_RDNORM);
	else
		return; /* readers were told when the queue stopped being empty */
	sth_post(sd, ev);
}

static void
sth_rput_flush(struct stdata *sd, queue_t *q, mblk_t *mp)
{
	unsigned char flag;

	if (MBLKL(mp) < 1) {
		freemsg(mp);
		return;
	}
	flag = *mp->b_rptr;
	if (flag & FLUSHR) {
		if ((flag & FLUSHBAND) && MBLKL(mp) >= 2)
			flushband(q, mp->b_rptr[1], FLUSHALL);
		else
			flushq_common(q, FLUSHALL, sd->sd_rdopt & RFLUSHPCPROT);
	}
	if ((flag & FLUSHW) && !(mp->b_flag & MSGNOLOOP)) {
		/* Someone below wants the write side flushed: turn it around, once. */
		*mp->b_rptr = flag & ~FLUSHR;
		mp->b_flag |= MSGNOLOOP;
		if ((flag & FLUSHBAND) && MBLKL(mp) >= 2)
			flushband(WR(q), mp->b_rptr[1], FLUSHALL);
		else
			flushq(WR(q), FLUSHALL);
		sth_priv(sd)->sp_stats.sths_flush_loop++;
		sth_reply(q, mp);
		return;
	}
	freemsg(mp);
}

/*
 * M_ERROR (illumos strrput_nondata): two bytes are the read and the write error, NOERROR
 * leaving a side alone and 0 clearing it; one byte is both errors (0: nothing). The first
 * error on a side flushes the stream: the message goes back down as M_FLUSH for the sides it
 * set, unless every one of them was in error already.
 */
static void
sth_rput_error(struct stdata *sd, queue_t *q, mblk_t *mp)
{
	unsigned char rw = 0, already = 0;

	sth_priv(sd)->sp_stats.sths_errors++;
	if (MBLKL(mp) >= 2) {
		unsigned char re = mp->b_rptr[0], we = mp->b_rptr[1];

		if (re != NOERROR) {
			if (re != 0) {
				if (sd->sd_flag & STRDERR)
					already |= FLUSHR;
				sd->sd_flag |= STRDERR;
				rw |= FLUSHR;
			} else {
				sd->sd_flag &= ~STRDERR;
			}
			sd->sd_rerror = re;
		}
		if (we != NOERROR) {
			if (we != 0) {
				if (sd->sd_flag & STWRERR)
					already |= FLUSHW;
				sd->sd_flag |= STWRERR;
				rw |= FLUSHW;
			} else {
				sd->sd_flag &= ~STWRERR;
			}
			sd->sd_werror = we;
		}
	} else if (MBLKL(mp) == 1 && mp->b_rptr[0] != 0) {
		if (sd->sd_flag & (STRDERR | STWRERR))
			already = FLUSHRW;
		sd->sd_flag |= STRDERR | STWRERR;
		sd->sd_rerror = sd->sd_werror = mp->b_rptr[0];
		rw = FLUSHRW;
	}
	if (rw == 0) {
		freemsg(mp);
		return;
	}
	sth_post(sd, S_ERROR);
	if (already == rw) {
		freemsg(mp);
		return;
	}
	if (mp->b_cont != NULL) {
		freemsg(mp->b_cont);
		mp->b_cont = NULL;
	}
	DB_TYPE(mp) = M_FLUSH;
	mp->b_flag &= ~MSGNOLOOP;
	*mp->b_rptr = rw;
	mp->b_wptr = mp->b_rptr + 1;
	sth_reply(q, mp);
}

/* Re-evaluate QFULL/QB_FULL after M_SETOPTS moved the high-water mark of band `band`. */
static void
sth_refull(queue_t *q, unsigned char band)
{
	if (band == 0) {
		if (q->q_count >= q->q_hiwat || q->q_mblkcnt >= q->q_hiwat)
			q->q_flag |= QFULL;
		else
			q->q_flag &= ~QFULL;
	} else {
		qband_t *qb = yard_qband(q, band);

		if (qb == NULL)
			return;
		if (qb->qb_count >= qb->qb_hiwat || qb->qb_mblkcnt >= qb->qb_hiwat)
			qb->qb_flag |= QB_FULL;
		else
			qb->qb_flag &= ~QB_FULL;
	}
}

static void
sth_rput_setopts(struct stdata *sd, queue_t *q, mblk_t *mp)
{
	const struct stroptions *so = (const struct stroptions *)mp->b_rptr;
	unsigned char band = 0;
	unsigned flags;

	if (MBLKL(mp) < sizeof(*so)) {
		sth_priv(sd)->sp_stats.sths_badopts++;
		freemsg(mp);
		return;
	}
	if (so->so_flags & SO_READOPT) {
		int mode = so->so_readopt & RMODEMASK;
		int prot = so->so_readopt & RPROTMASK;

		if (mode != RMODEMASK)
			sd->sd_rdopt = (sd->sd_rdopt & ~RMODEMASK) | mode;
		if (prot == RPROTNORM || prot == RPROTDAT || prot == RPROTDIS)
			sd->sd_rdopt = (sd->sd_rdopt & ~RPROTMASK) | prot;
		/* As in illumos, M_SETOPTS can only turn RFLUSHPCPROT on (timod does). */
		if (so->so_readopt & RFLUSHPCPROT)
			sd->sd_rdopt |= RFLUSHPCPROT;
	}
	if (so->so_flags & SO_ERROPT) {
		if (so->so_erropt & RERRNONPERSIST)
			sd->sd_erropt |= RERRNONPERSIST;
		else if (so->so_erropt & RERRNORM)
			sd->sd_erropt &= ~RERRNONPERSIST;
		if (so->so_erropt & WERRNONPERSIST)
			sd->sd_erropt |= WERRNONPERSIST;
		else if (so->so_erropt & WERRNORM)
			sd->sd_erropt &= ~WERRNONPERSIST;
	}
	if (so->so_flags & SO_WROFF)
		sd->sd_wroff = so->so_wroff;
	if (so->so_flags & SO_MINPSZ)
		(void)strqset(q, QMINPSZ, 0, (intptr_t)so->so_minpsz);
	if (so->so_flags & SO_MAXPSZ)
		(void)strqset(q, QMAXPSZ, 0, (intptr_t)so->so_maxpsz);
	if (so->so_flags & SO_MAXBLK)
		sd->sd_maxblk = so->so_maxblk;
	if (so->so_flags & SO_BAND)
		band = so->so_band;
	if (so->so_flags & SO_HIWAT)
		(void)strqset(q, QHIWAT, band, (intptr_t)so->so_hiwat);
	if (so->so_flags & SO_LOWAT)
		(void)strqset(q, QLOWAT, band, (intptr_t)so->so_lowat);
	flags = so->so_flags;
	freemsg(mp);
	/*
	 * strqset does not re-evaluate QFULL; illumos leaves it for the next getq. A queue that
	 * was full below a raised mark would then refuse writers until a reader came, so decide
	 * now, then back-enable in case the marks let a waiting writer go.
	 */
	if (flags & (SO_HIWAT | SO_LOWAT))
		sth_refull(q, band);
	qbackenable(q, band);
}

static void
sth_rput_ioc(struct stdata *sd, mblk_t *mp)
{
	const struct iocblk *ioc = (const struct iocblk *)mp->b_rptr;

	if (MBLKL(mp) < sizeof(*ioc) || !(sd->sd_flag & IOCWAIT) || ioc->ioc_id != sd->sd_iocid ||
	    sd->sd_iocblk != NULL) {
		/* Late (the I_STR timed out), duplicate, or never asked for. */
		sth_priv(sd)->sp_stats.sths_stale_ioc++;
		freemsg(mp);
		return;
	}
	sd->sd_iocblk = mp; /* sth_doioctl() is running the scheduler and will see it */
}

static int
sth_rput(queue_t *q, mblk_t *mp)
{
	struct stdata *sd = q->q_stream;
	struct sthstat *st = &sth_priv(sd)->sp_stats;

	switch (DB_TYPE(mp)) {
	case M_DATA:
	case M_PROTO:
	case M_PCPROTO:
		sth_rput_data(sd, q, mp);
		break;
	case M_SIG:
		/* In order behind queued data; at once on an empty queue. */
		if (q->q_first != NULL) {
			if (!putq(q, mp)) {
				st->sths_putq_fail++;
				freemsg(mp);
			}
			break;
		}
		/* fall through */
	case M_PCSIG:
		st->sths_sigs++;
		freemsg(mp);
		sth_post(sd, S_MSG);
		break;
	case M_FLUSH:
		sth_rput_flush(sd, q, mp);
		break;
	case M_ERROR:
		sth_rput_error(sd, q, mp);
		break;
	case M_HANGUP:
		st->sths_hangups++;
		freemsg(mp);
		sd->sd_flag |= STRHUP;
		sd->sd_werror = ENXIO;
		sth_post(sd, S_HANGUP);
		break;
	case M_UNHANGUP:
		freemsg(mp);
		sd->sd_flag &= ~STRHUP;
		if (!(sd->sd_flag & STWRERR))
			sd->sd_werror = 0;
		break;
	case M_IOCACK:
	case M_IOCNAK:
		sth_rput_ioc(sd, mp);
		break;
	case M_SETOPTS:
		sth_rput_setopts(sd, q, mp);
		break;
	case M_IOCTL:
		/* Makes no sense going up (twisted streams): always NAK it. */
		st->sths_ioctl_nak++;
		DB_TYPE(mp) = M_IOCNAK;
		if (MBLKL(mp) >= sizeof(struct iocblk))
			((struct iocblk *)mp->b_rptr)->ioc_error = EINVAL;
		sth_reply(q, mp);
		break;
	case M_COPYIN:
	case M_COPYOUT:
		st->sths_copyreq++; /* yard has no transparent ioctls */
		freemsg(mp);
		break;
	case M_BREAK:
	case M_CTL:
	case M_DELAY:
	case M_START:
	case M_STOP:
	case M_STARTI:
	case M_STOPI:
	case M_IOCDATA:
		st->sths_ignored++;
		freemsg(mp);
		break;
	default:
		st->sths_unknown++;
		freemsg(mp);
		break;
	}
	return 0;
}

/*
 * A burst from below (udp's datagrams through timod): the normal data messages of a run are
 * queued one after the other and the reader is told once, after the run, if the run began on
 * an empty queue, so an application that drains on S_INPUT takes the whole burst in one go.
 * Anything else goes through sth_rput() in its place, after the run before it.
 */
static void
sth_rput_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	struct stdata *sd = q->q_stream;
	unsigned i = 0;

	while (i < n) {
		mblk_t *head = mps[i];
		bool was_empty = q->q_first == NULL;
		/* Band 0 at the tail cannot fail: no band to allocate. */
		unsigned put = putq_burst_data(q, mps + i, n - i);

		if (put == 0) {
			(void)sth_rput(q, mps[i++]);
			continue;
		}
		i += put;
		if (was_empty && q->q_first == head)
			sth_post(sd, S_INPUT | S_RDNORM);
	}
}

/* ---- the write side: sth_wput, sth_wsrv --------------------------------------------------- */

/*
 * Nothing upstream of the head puts to its write queue; a message sent to it (another lcore's
 * yard_mbox_put, say) is simply passed on down.
 */
static int
sth_wput(queue_t *q, mblk_t *mp)
{
	if (q->q_next == NULL) {
		freemsg(mp);
		return 0;
	}
	putnext(q, mp);
	return 0;
}

/*
 * Runs only when back-enabled: flow control below cleared. Re-check, since the queue may
 * have filled again in the meantime; if it did, ask to be back-enabled again (QWANTW),
 * otherwise tell the application it may write (illumos strwsrv).
 */
static int
sth_wsrv(queue_t *q)
{
	struct stdata *sd = q->q_stream;
	unsigned ev = 0;
	bool bandback = false;
	queue_t *nq;
	qband_t *qb;
	unsigned b;

	if (q->q_next == NULL || (sd->sd_flag & STPLEX))
		return 0;
	nq = q->q_next->q_nfsrv;
	for (qb = q->q_bandp, b = 1; qb != NULL; qb = qb->qb_next, b++) {
		qband_t *nqb;

		if (!(qb->qb_flag & QB_BACK))
			continue;
		qb->qb_flag &= ~QB_BACK;
		bandback = true;
		nqb = yard_qband(nq, (unsigned char)b);
		if (nqb != NULL && (nqb->qb_flag & QB_FULL))
			nqb->qb_flag |= QB_WANTW;
		else
			ev |= S_WRBAND;
	}
	/* Enabled without a reason (qprocson after a push): treat it as band 0. */
	if ((q->q_flag & QBACK) || !bandback) {
		if (nq->q_flag & QFULL)
			nq->q_flag |= QWANTW;
		else
			ev |= S_OUTPUT;
	}
	q->q_flag &= ~QBACK;
	if (ev != 0)
		sth_post(sd, ev);
	return 0;
}

/* ---- plumbing helpers --------------------------------------------------------------------- */

void
sth_adopt_pair(struct stdata *sd, queue_t *rq)
{
	struct sth_priv *sp = sth_priv(sd);
	queue_t *wq = WR(rq);

	rq->q_stream = wq->q_stream = sd;
	rq->q_sched = wq->q_sched = sd->sd_sched;
	rq->q_id = ++sp->sp_nextqid;
	wq->q_id = ++sp->sp_nextqid;
}

queue_t *
sth_endq(struct stdata *sd)
{
	queue_t *q = sd->sd_wrq;

	while (q->q_next != NULL)
		q = q->q_next;
	return q;
}

void
sth_renfsrv(struct stdata *sd)
{
	yard_set_nfsrv(sd->sd_wrq);
	yard_set_nfsrv(RD(sth_endq(sd)));
}

const struct sthstat *
yard_sth_stats(struct stdata *sd)
{
	return &sth_priv(sd)->sp_stats;
}

/* Take a queue pair off the scheduler: run list, deferred puts, mailbox. */
static void
sth_unschedule(struct stdata *sd, queue_t *rq)
{
	qprocsoff(rq);
	(void)yard_sched_purge_queue(sd->sd_sched, rq);
	(void)yard_sched_purge_queue(sd->sd_sched, WR(rq));
}

/* ---- open and close ----------------------------------------------------------------------- */

int
sth_open(const char *drv, int oflag, struct stdata **sdp)
{
	struct yard_sched *sc = yard_sched_self();
	const struct yard_devsw *dv;
	struct sth_priv *sp;
	struct stdata *sd;
	queue_t *hrq, *drq;
	dev_t dev = 0;
	int rc = 0;

	if (sdp == NULL)
		return -EINVAL;
	*sdp = NULL;
	if (drv == NULL || (dv = yard_drv_find(drv)) == NULL)
		return -ENXIO;
	if (!sc->sc_inited)
		return -EINVAL; /* not an lcore STREAMS was brought up on */

	sp = calloc(1, sizeof(*sp));
	if (sp == NULL)
		return -ENOMEM;
	sd = &sp->sp_sd;
	sd->sd_sched = sc;
	sd->sd_dev = dv;
	sd->sd_rdopt = RNORM | RPROTNORM;
	sd->sd_maxblk = INFPSZ;
	sp->sp_oflag = oflag;
	sp->sp_closetime = 15000; /* illumos STRTIMOUT */

	hrq = allocq(&sth_rinit, &sth_winit);
	if (hrq == NULL)
		goto nomem;
	drq = allocq(dv->d_str->st_rdinit, dv->d_str->st_wrinit);
	if (drq == NULL) {
		freeq(hrq);
		goto nomem;
	}
	sd->sd_wrq = WR(hrq);
	sth_adopt_pair(sd, hrq);
	sth_adopt_pair(sd, drq);
	hrq->q_ptr = WR(hrq)->q_ptr = sd;
	drq->q_flag |= QISDRV;
	WR(drq)->q_flag |= QISDRV;
	WR(hrq)->q_next = WR(drq);
	drq->q_next = hrq;
	sth_renfsrv(sd);
	qprocson(hrq);

	if (drq->q_qinfo->qi_qopen != NULL)
		rc = errno_of(drq->q_qinfo->qi_qopen(drq, &dev, oflag,
						     (dv->d_flag & D_CLONE) ? CLONEOPEN : 0, NULL));
	if (rc != 0) {
		sth_unschedule(sd, drq);
		sth_unschedule(sd, hrq);
		WR(hrq)->q_next = NULL;
		drq->q_next = NULL;
		freeq(drq);
		freeq(hrq);
		free(sp);
		return -rc;
	}
	sd->sd_dev_t = dev;
	qprocson(drq);

	rte_spinlock_lock(&sth_list_lock);
	sd->sd_id = ++sth_lastid;
	sd->sd_next = sth_list;
	sth_list = sd;
	sth_nstreams++;
	rte_spinlock_unlock(&sth_list_lock);
	snprintf(sd->sd_name, sizeof(sd->sd_name), "%s/%u", dv->d_name, sd->sd_id);

	for (int i = 0; i < dv->d_nautopush; i++) {
		rc = sth_push(sd, dv->d_autopush[i]);
		if (rc < 0) {
			(void)sth_close(sd);
			return rc;
		}
	}
	*sdp = sd;
	return 0;

nomem:
	free(sp);
	return -ENOMEM;
}

/*
 * What the application wrote before closing is committed: SVR4's close waits (closetime) for
 * each module's write queue to drain before it pops the module. Nothing here may wait, so each
 * module, top down, passes what it holds to the next queue regardless of flow control, and the
 * driver's close decides what becomes of it (tcp sends it ahead of its FIN).
 */
static void
sth_close_drain(struct stdata *sd)
{
	for (queue_t *wq = sd->sd_wrq->q_next; wq != NULL && wq->q_next != NULL; wq = wq->q_next) {
		mblk_t *mp;

		while ((mp = getq(wq)) != NULL)
			putnext(wq, mp);
	}
}

int
sth_close(struct stdata *sd)
{
	struct sth_priv *sp;
	queue_t *hrq, *drq;

	if (sd == NULL)
		return -EINVAL;
	sp = sth_priv(sd);
	/* Linked: the multiplexor owns the queues until I_UNLINK. Closing, or in an I_STR whose
	 * caller is still running the scheduler: someone up the C stack holds the stream. */
	if (sd->sd_flag & (STPLEX | STRCLOSE | IOCWAIT))
		return -EBUSY;
	sd->sd_flag |= STRCLOSE;
	sd->sd_notify = NULL; /* the application has let go: no more events */
	sd->sd_sigflags = 0;

	/* Links first: the I_UNLINKs travel down through the modules to the multiplexor. */
	yard_munlinkall(sd);
	sth_close_drain(sd);
	while (sd->sd_pushcnt > 0)
		(void)sth_pop(sd, 1);

	hrq = STH_RQ(sd);
	drq = RD(sd->sd_wrq->q_next);
	qprocsoff(drq);
	if (drq->q_qinfo->qi_qclose != NULL)
		(void)drq->q_qinfo->qi_qclose(drq, sp->sp_oflag, NULL);
	sth_unschedule(sd, drq);
	sth_unschedule(sd, hrq);
	WR(hrq)->q_next = NULL;
	drq->q_next = NULL;
	freeq(drq);
	freeq(hrq);
	if (sd->sd_iocblk != NULL)
		freemsg(sd->sd_iocblk);

	rte_spinlock_lock(&sth_list_lock);
	for (struct stdata **pp = &sth_list; *pp != NULL; pp = &(*pp)->sd_next) {
		if (*pp == sd) {
			*pp = sd->sd_next;
			sth_nstreams--;
			break;
		}
	}
	rte_spinlock_unlock(&sth_list_lock);
	free(sp);
	return 0;
}

void
sth_set_name(struct stdata *sd, const char *name)
{
	snprintf(sd->sd_name, sizeof(sd->sd_name), "%s", name != NULL ? name : "");
}

struct stdata *
sth_first(void)
{
	struct stdata *sd;

	rte_spinlock_lock(&sth_list_lock);
	sd = sth_list;
	rte_spinlock_unlock(&sth_list_lock);
	return sd;
}

struct stdata *
sth_next(struct stdata *sd)
{
	struct stdata *next;

	rte_spinlock_lock(&sth_list_lock);
	next = sd != NULL ? sd->sd_next : NULL;
	rte_spinlock_unlock(&sth_list_lock);
	return next;
}

unsigned
sth_count(void)
{
	unsigned n;

	rte_spinlock_lock(&sth_list_lock);
	n = sth_nstreams;
	rte_spinlock_unlock(&sth_list_lock);
	return n;
}

/* ---- building and taking apart messages --------------------------------------------------- */

/* Largest data block a write builds: one data-pool buffer (less SO_WROFF), or SO_MAXBLK. */
static size_t
sth_blksz(const struct stdata *sd)
{
	size_t room = rte_pktmbuf_data_room_size(yard_pool_data());
	size_t blk = room > sd->sd_wroff + 64 ? room - sd->sd_wroff : 64;

	if (sd->sd_maxblk > 0 && (size_t)sd->sd_maxblk < blk)
		blk = (size_t)sd->sd_maxblk;
	return blk;
}

/*
 * An M_DATA message holding len bytes of src, in blocks of at most sth_blksz(), the first
 * with SO_WROFF headroom. A zero-length write makes one empty block. NULL if out of buffers.
 */
static mblk_t *
sth_makedata(const struct stdata *sd, const unsigned char *src, size_t len)
{
	size_t blk = sth_blksz(sd);
	mblk_t *head = NULL, *tail = NULL;
	size_t done = 0;

	do {
		size_t n = RTE_MIN(len - done, blk);
		mblk_t *bp = head == NULL ? yard_allocb_hr(n, sd->sd_wroff) : allocb(n, BPRI_MED);

		if (bp == NULL) {
			freemsg(head);
			return NULL;
		}
		if (n != 0)
			memcpy(bp->b_wptr, src + done, n);
		bp->b_wptr += n;
		done += n;
		if (head == NULL)
			head = bp;
		else
			tail->b_cont = bp;
		tail = bp;
	} while (done < len);
	return head;
}

/*
 * Copy up to max bytes from the chain *chainp into dst, consuming them: blocks emptied on
 * the way (and empty blocks met while there is room or at the end) are freed. *chainp is
 * left at the first block with bytes left, or NULL. Returns the bytes copied.
 */
static size_t
sth_consume(mblk_t **chainp, unsigned char *dst, size_t max)
{
	mblk_t *bp = *chainp;
	size_t done = 0;

	while (bp != NULL) {
		size_t n = RTE_MIN(MBLKL(bp), max - done);

		if (n != 0) {
			memcpy(dst + done, bp->b_rptr, n);
			bp->b_rptr += n;
			done += n;
		}
		if (bp->b_rptr < bp->b_wptr)
			break; /* no room for the rest of this block */
		*chainp = bp->b_cont;
		freeb(bp);
		bp = *chainp;
	}
	*chainp = bp;
	return done;
}

/* Copy up to max bytes of the blocks from bp up to (not including) end; consume nothing. */
static size_t
sth_peekcopy(const mblk_t *bp, const mblk_t *end, unsigned char *dst, size_t max)
{
	size_t done = 0;

	for (; bp != end && done < max; bp = bp->b_cont) {
		size_t n = RTE_MIN(MBLKL(bp), max - done);

		memcpy(dst + done, bp->b_rptr, n);
		done += n;
	}
	return done;
}

static size_t
chain_len(const mblk_t *bp)
{
	size_t n = 0;

	for (; bp != NULL; bp = bp->b_cont)
		n += MBLKL(bp);
	return n;
}

/*
 * Split mp into its control part (the leading blocks that are not M_DATA) and its data part
 * (the rest). The caller owns both chains.
 */
static void
sth_split(mblk_t *mp, mblk_t **ctlp, mblk_t **datp)
{
	mblk_t *last;

	if (DB_TYPE(mp) == M_DATA) {
		*ctlp = NULL;
		*datp = mp;
		return;
	}
	for (last = mp; last->b_cont != NULL && DB_TYPE(last->b_cont) != M_DATA;
	     last = last->b_cont)
		;
	*ctlp = mp;
	*datp = last->b_cont;
	last->b_cont = NULL;
}

/* Put a remainder back at the head of the read queue, as the message it came from was. */
static void
sth_putback(struct stdata *sd, mblk_t *rest, unsigned char band, unsigned short flag)
{
	rest->b_band = band;
	rest->b_flag = flag;
	/* A part was read out of it: no longer as udp built it, nor of the size udp gave. */
	rest->b_yflags &= ~(YB_TUDATA | YB_MSGSIZE);
	if (!putbq(STH_RQ(sd), rest)) {
		sth_priv(sd)->sp_stats.sths_putq_fail++;
		freemsg(rest);
	}
}

/* ---- putmsg / getmsg ---------------------------------------------------------------------- */

int
sth_putpmsg(struct stdata *sd, const struct strbuf *ctl, const struct strbuf *data, int band,
	    int flags)
{
	int clen = (ctl != NULL && ctl->len >= 0) ? ctl->len : -1;
	int dlen = (data != NULL && data->len >= 0) ? data->len : -1;
	queue_t *nq;
	mblk_t *mp = NULL, *dp = NULL;
	int err;

	if (flags == MSG_HIPRI) {
		if (band != 0 || clen < 0)
			return -EINVAL; /* high priority needs a control part, and has no band */
	} else if (flags != MSG_BAND || band < 0 || band >= NBAND) {
		return -EINVAL;
	}
	if ((err = sth_wrerr(sd)) != 0)
		return -err;
	if ((clen > 0 && ctl->buf == NULL) || (dlen > 0 && data->buf == NULL))
		return -EFAULT;
	if (clen > STH_CTLSZ)
		return -ERANGE;
	nq = sd->sd_wrq->q_next;
	if (dlen >= 0 && ((nq->q_maxpsz != INFPSZ && dlen > nq->q_maxpsz) || dlen < nq->q_minpsz))
		return -ERANGE;
	if (clen < 0 && dlen < 0)
		return 0; /* nothing to send */
	if (flags != MSG_HIPRI && !bcanputnext(sd->sd_wrq, (unsigned char)band))
		return -EAGAIN;

	if (dlen >= 0 && (dp = sth_makedata(sd, (const unsigned char *)data->buf,
					    (size_t)dlen)) == NULL)
		return -ENOSR;
	if (clen >= 0) {
		mp = allocb((size_t)clen, BPRI_MED);
		if (mp == NULL) {
			freemsg(dp);
			return -ENOSR;
		}
		DB_TYPE(mp) = flags == MSG_HIPRI ? M_PCPROTO : M_PROTO;
		if (clen > 0)
			memcpy(mp->b_wptr, ctl->buf, (size_t)clen);
		mp->b_wptr += clen;
		mp->b_cont = dp;
	} else {
		mp = dp;
	}
	mp->b_band = (unsigned char)band;
	putnext(sd->sd_wrq, mp);
	return 0;
}

int
sth_putmsg(struct stdata *sd, const struct strbuf *ctl, const struct strbuf *data, int flags)
{
	if (flags == 0)
		return sth_putpmsg(sd, ctl, data, 0, MSG_BAND);
	if (flags == RS_HIPRI)
		return sth_putpmsg(sd, ctl, data, 0, MSG_HIPRI);
	return -EINVAL;
}

/*
 * Copy the control and data parts of mp out, consuming what was copied; return the rest (or
 * NULL) in *restp and MORECTL|MOREDATA for what did not fit. A part a caller does not take
 * (NULL, or maxlen < 0) stays whole. A part the message lacks gets len -1.
 */
static int
sth_takeparts(mblk_t *mp, struct strbuf *ctl, struct strbuf *data, mblk_t **restp)
{
	mblk_t *cp, *dp;
	int more = 0;

	sth_split(mp, &cp, &dp);
	if (cp != NULL) {
		if (ctl != NULL && ctl->maxlen >= 0)
			ctl->len = (int)sth_consume(&cp, (unsigned char *)ctl->buf,
						    (size_t)ctl->maxlen);
		if (cp != NULL)
			more |= MORECTL;
	} else if (ctl != NULL) {
		ctl->len = -1;
	}
	if (dp != NULL) {
		if (data != NULL && data->maxlen >= 0)
			data->len = (int)sth_consume(&dp, (unsigned char *)data->buf,
						     (size_t)data->maxlen);
		if (dp != NULL)
			more |= MOREDATA;
	} else if (data != NULL) {
		data->len = -1;
	}
	if (cp != NULL) {
		linkb(cp, dp);
		*restp = cp;
	} else {
		*restp = dp;
	}
	return more;
}

static int
sth_getmsg_common(struct stdata *sd, struct strbuf *ctl, struct strbuf *data, int *bandp,
		  int *flagsp, bool pmsg)
{
	bool hipri_only, band_only;
	unsigned char band, minband = 0;
	unsigned short bflag;
	mblk_t *mp, *rest;
	int err, more;
	bool hipri;

	if (flagsp == NULL || (pmsg && bandp == NULL))
		return -EINVAL;
	if (pmsg) {
		hipri_only = *flagsp == MSG_HIPRI;
		band_only = *flagsp == MSG_BAND;
		if (*flagsp != MSG_ANY && !hipri_only && !band_only)
			return -EINVAL;
		if ((hipri_only && *bandp != 0) || (band_only && (*bandp < 0 || *bandp >= NBAND)))
			return -EINVAL;
		if (band_only)
			minband = (unsigned char)*bandp;
	} else {
		if (*flagsp != 0 && *flagsp != RS_HIPRI)
			return -EINVAL;
		hipri_only = *flagsp == RS_HIPRI;
		band_only = false;
	}
	if ((ctl != NULL && ctl->maxlen > 0 && ctl->buf == NULL) ||
	    (data != NULL && data->maxlen > 0 && data->buf == NULL))
		return -EFAULT;
	if ((err = sth_rderr(sd)) != 0)
		return -err;

	mp = sth_rq_first(sd);
	if (mp == NULL) {
		if (!(sd->sd_flag & STRHUP))
			return -EAGAIN;
		/* Hung up and drained: a zero-length message says end of file. */
		if (ctl != NULL)
			ctl->len = 0;
		if (data != NULL)
			data->len = 0;
		*flagsp = 0;
		if (pmsg)
			*bandp = 0;
		return 0;
	}
	hipri = DB_TYPE(mp) >= QPCTL;
	if ((hipri_only && !hipri) || (band_only && !hipri && mp->b_band < minband))
		return -EAGAIN;

	mp = getq(STH_RQ(sd));
	band = mp->b_band;
	bflag = mp->b_flag;
	more = sth_takeparts(mp, ctl, data, &rest);
	if (rest != NULL)
		sth_putback(sd, rest, band, bflag);
	if (pmsg) {
		*flagsp = hipri ? MSG_HIPRI : MSG_BAND;
		*bandp = hipri ? 0 : band;
	} else {
		*flagsp = hipri ? RS_HIPRI : 0;
	}
	return more;
}

int
sth_getmsg(struct stdata *sd, struct strbuf *ctl, struct strbuf *data, int *flagsp)
{
	return sth_getmsg_common(sd, ctl, data, NULL, flagsp, false);
}

int
sth_getpmsg(struct stdata *sd, struct strbuf *ctl, struct strbuf *data, int *bandp,
	    int *flagsp)
{
	return sth_getmsg_common(sd, ctl, data, bandp, flagsp, true);
}

int
sth_peek(struct stdata *sd, struct strpeek *pk)
{
	const mblk_t *mp, *dp;

	if (pk == NULL || (pk->flags != 0 && pk->flags != RS_HIPRI))
		return -EINVAL;
	if ((pk->ctlbuf.maxlen > 0 && pk->ctlbuf.buf == NULL) ||
	    (pk->databuf.maxlen > 0 && pk->databuf.buf == NULL))
		return -EFAULT;
	mp = sth_rq_first(sd);
	if (mp == NULL || (pk->flags == RS_HIPRI && DB_TYPE(mp) < QPCTL))
		return 0;
	for (dp = mp; dp != NULL && DB_TYPE(dp) != M_DATA; dp = dp->b_cont)
		;
	if (dp == mp)
		pk->ctlbuf.len = -1;
	else if (pk->ctlbuf.maxlen < 0)
		pk->ctlbuf.len = -1;
	else
		pk->ctlbuf.len = (int)sth_peekcopy(mp, dp, (unsigned char *)pk->ctlbuf.buf,
						   (size_t)pk->ctlbuf.maxlen);
	if (dp == NULL || pk->databuf.maxlen < 0)
		pk->databuf.len = -1;
	else
		pk->databuf.len = (int)sth_peekcopy(dp, NULL, (unsigned char *)pk->databuf.buf,
						    (size_t)pk->databuf.maxlen);
	pk->flags = DB_TYPE(mp) >= QPCTL ? RS_HIPRI : 0;
	return 1;
}

/* ---- read / write ------------------------------------------------------------------------- */

ssize_t
sth_write(struct stdata *sd, const void *buf, size_t len)
{
	const unsigned char *src = buf;
	queue_t *nq;
	ssize_t rmin, rmax;
	size_t done = 0;
	int err;

	if ((err = sth_wrerr(sd)) != 0)
		return -err;
	if (len > 0 && buf == NULL)
		return -EFAULT;
	if (len > SSIZE_MAX)
		return -EINVAL;
	nq = sd->sd_wrq->q_next;
	rmin = nq->q_minpsz;
	rmax = nq->q_maxpsz;
	if (rmax == 0)
		return 0;
	/* A write that must not be split must fit the packet sizes whole (illumos strwrite). */
	if (rmin > 0 && ((ssize_t)len < rmin || (rmax != INFPSZ && (ssize_t)len > rmax)))
		return -ERANGE;
	if (rmax == INFPSZ)
		rmax = (ssize_t)len;

	do {
		size_t n = RTE_MIN(len - done, (size_t)rmax);
		mblk_t *mp;

		if (!canputnext(sd->sd_wrq))
			return done != 0 ? (ssize_t)done : -EAGAIN;
		mp = sth_makedata(sd, src + done, n);
		if (mp == NULL)
			return done != 0 ? (ssize_t)done : -ENOSR;
		putnext(sd->sd_wrq, mp);
		done += n;
	} while (done < len);
	return (ssize_t)done;
}

ssize_t
sth_read(struct stdata *sd, void *buf, size_t len)
{
	queue_t *rq = STH_RQ(sd);
	unsigned char *dst = buf;
	int mode = sd->sd_rdopt & RMODEMASK;
	int prot = sd->sd_rdopt & RPROTMASK;
	size_t done = 0;
	int err;

	if ((err = sth_rderr(sd)) != 0)
		return -err;
	if (len == 0)
		return 0;
	if (buf == NULL)
		return -EFAULT;

	for (;;) {
		mblk_t *mp = sth_rq_first(sd);
		unsigned char band;
		unsigned short bflag;

		if (mp == NULL)
			break;
		if (DB_TYPE(mp) != M_DATA && prot != RPROTDAT && prot != RPROTDIS) {
			/* RPROTNORM: read() is for data; the control message stays for getmsg. */
			if (done == 0)
				return -EBADMSG;
			break;
		}
		mp = getq(rq);
		band = mp->b_band;
		bflag = mp->b_flag;
		if (DB_TYPE(mp) != M_DATA && prot == RPROTDIS) {
			mblk_t *cp, *dp;

			sth_split(mp, &cp, &dp);
			freemsg(cp);
			mp = dp;
			sth_priv(sd)->sp_stats.sths_rd_discard++;
			if (mp == NULL)
				continue; /* control only: nothing left to read */
		}
		if (chain_len(mp) == 0) {
			/* A zero-length message ends a read: it is returned alone, as 0 bytes. */
			if (done == 0) {
				freemsg(mp);
				return 0;
			}
			sth_putback(sd, mp, band, bflag);
			break;
		}
		done += sth_consume(&mp, dst + done, len - done);
		if (mp != NULL) {
			if (mode == RMSGD) {
				freemsg(mp);
				sth_priv(sd)->sp_stats.sths_rd_discard++;
			} else {
				sth_putback(sd, mp, band, bflag);
			}
			break;
		}
		if (mode != RNORM || done == len)
			break; /* message modes: at most one message per read */
	}
	if (done == 0 && rq->q_first == NULL)
		return (sd->sd_flag & STRHUP) ? 0 : -EAGAIN;
	return (ssize_t)done;
}

/* ---- zero copy ---------------------------------------------------------------------------- */

int
sth_putmsg_mblk(struct stdata *sd, mblk_t *mp)
{
	unsigned char type;
	int err;

	if (mp == NULL)
		return -EINVAL;
	type = DB_TYPE(mp);
	if (type != M_DATA && type != M_PROTO && type != M_PCPROTO)
		return -EINVAL;
	if ((err = sth_wrerr(sd)) != 0)
		return -err;
	if (type >= QPCTL)
		mp->b_band = 0;
	else if (!bcanputnext(sd->sd_wrq, mp->b_band))
		return -EAGAIN;
	/* The sender may have written into received data, or into a header it was given. */
	for (mblk_t *bp = mp; bp != NULL; bp = bp->b_cont)
		bp->b_yflags &= ~(YB_SUMOK | YB_TUDATA);
	putnext(sd->sd_wrq, mp);
	return 0;
}

int
sth_putmsg_mblk_burst(struct stdata *sd, mblk_t **mps, unsigned n, int flags)
{
	unsigned k;
	int err;

	if (n == 0)
		return 0;
	if (mps == NULL)
		return -EINVAL;
	if ((flags & (STH_CHECKED | STH_KEEPSUM)) == (STH_CHECKED | STH_KEEPSUM)) {
		k = n; /* nothing to check, nothing to clear: the echo's case */
	} else {
		for (k = 0; k < n; k++) {
			mblk_t *mp = mps[k];

			if (!(flags & STH_CHECKED)) {
				if (mp == NULL || mp->b_band != 0 ||
				    (DB_TYPE(mp) != M_PROTO && DB_TYPE(mp) != M_DATA))
					break;
				mp->b_yflags &= ~YB_TUDATA; /* nobody proved its header */
			}
			if (!(flags & STH_KEEPSUM))
				for (mblk_t *bp = mp; bp != NULL; bp = bp->b_cont)
					bp->b_yflags &= ~YB_SUMOK;
		}
	}
	if (k == 0)
		return -EINVAL;
	if ((err = sth_wrerr(sd)) != 0)
		return -err;
	if (!canputnext(sd->sd_wrq))
		return -EAGAIN;
	putnext_burst(sd->sd_wrq, mps, k);
	return (int)k;
}

/* At hangup with nothing queued: 0 with *mpp NULL, the zero-copy form of end of file. */
int
sth_getmsg_mblk(struct stdata *sd, mblk_t **mpp)
{
	int err;

	if (mpp == NULL)
		return -EINVAL;
	*mpp = NULL;
	if ((err = sth_rderr(sd)) != 0)
		return -err;
	if (sth_rq_first(sd) == NULL)
		return (sd->sd_flag & STRHUP) ? 0 : -EAGAIN;
	*mpp = getq(STH_RQ(sd));
	/* The caller may edit it: udp's proofs end here. */
	(*mpp)->b_yflags &= ~(YB_TUDATA | YB_MSGSIZE);
	return 0;
}
