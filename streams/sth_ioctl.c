/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream-head ioctls (illumos streamio.c:strioctl): module plumbing (I_PUSH, I_POP, I_LOOK,
 * I_FIND, I_LIST, I_ANCHOR), flushing, options, the I_STR machinery that every ioctl sent
 * downstream uses (I_STR itself, and I_LINK/I_UNLINK in mux.c), and the read-queue and
 * flow-control queries.
 *
 * Principles of operation
 * -----------------------
 * Pushing a module puts its queue pair between the stream head and the queue below it, then
 * calls its open routine with MODOPEN, then qprocson(): the pair is linked before the open
 * runs so that an open may already talk to its neighbours (timod sends M_SETOPTS up from its
 * open). If the open fails, the pair comes out again and is freed. Popping calls qprocsoff()
 * and the close routine, then unlinks and frees the pair. q_nfsrv is recomputed on both sides
 * after every change of q_next, since flow control follows it.
 *
 * An I_STR is the one call that waits. It sends an M_IOCTL with a fresh ioc_id, marks the
 * stream IOCWAIT, and runs the owning lcore's scheduler (yard_sched_run_once()) until
 * sth_rput() has stored the matching M_IOCACK/M_IOCNAK in sd_iocblk, the stream fails, or
 * the timeout passes. Everything else on the lcore keeps running meanwhile, as with illumos'
 * stream_runservice(). One I_STR at a time per stream: a second gets -EBUSY (illumos sleeps).
 * On a timeout sd_iocid is cleared, so a late answer is recognised as stale and freed.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_cycles.h>

#include "streams_priv.h"

#define STH_IOC_TIMEOUT 15    /**< seconds an I_STR waits when ic_timout is 0 (illumos STRTIMOUT) */
#define STH_IOC_MAXLEN 65536  /**< largest I_STR data (illumos strmsgsz) */

#define S_ALL (S_INPUT | S_HIPRI | S_OUTPUT | S_MSG | S_ERROR | S_HANGUP | S_RDNORM | \
	       S_RDBAND | S_WRBAND | S_BANDURG)

static inline int
errno_of(int rc)
{
	return rc < 0 ? -rc : rc;
}

/* ---- push and pop ------------------------------------------------------------------------- */

int
sth_push(struct stdata *sd, const char *name)
{
	struct sth_priv *sp = sth_priv(sd);
	const struct fmodsw *f;
	queue_t *rq, *wq, *topw, *topr;
	dev_t dev = sd->sd_dev_t;
	int rc = 0;

	if (name == NULL)
		return -EINVAL;
	if (sd->sd_flag & STRPLUMB)
		return -EBUSY;
	if (sd->sd_flag & STRHUP)
		return -ENXIO;
	if (sd->sd_flag & (STRDERR | STWRERR))
		return -EIO;
	if ((f = yard_mod_find(name)) == NULL)
		return -EINVAL;
	if (sd->sd_pushcnt >= YARD_NSTRPUSH)
		return -EINVAL;
	rq = allocq(f->f_str->st_rdinit, f->f_str->st_wrinit);
	if (rq == NULL)
		return -ENOMEM;
	wq = WR(rq);
	sth_adopt_pair(sd, rq);

	/* Between the head and the queue below it. */
	topw = sd->sd_wrq->q_next;
	topr = RD(topw);
	wq->q_next = topw;
	sd->sd_wrq->q_next = wq;
	rq->q_next = STH_RQ(sd);
	topr->q_next = rq;
	sth_renfsrv(sd);

	sd->sd_flag |= STRPLUMB;
	if (rq->q_qinfo->qi_qopen != NULL)
		rc = errno_of(rq->q_qinfo->qi_qopen(rq, &dev, sp->sp_oflag, MODOPEN, NULL));
	sd->sd_flag &= ~STRPLUMB;
	if (rc != 0) {
		qprocsoff(rq);
		sd->sd_wrq->q_next = topw;
		topr->q_next = STH_RQ(sd);
		wq->q_next = rq->q_next = NULL;
		sth_renfsrv(sd);
		(void)yard_sched_purge_queue(sd->sd_sched, rq);
		(void)yard_sched_purge_queue(sd->sd_sched, wq);
		freeq(rq);
		return -rc;
	}
	strcpy(sp->sp_mods[sd->sd_pushcnt], f->f_name);
	sd->sd_pushcnt++;
	qprocson(rq); /* back-enables the new queue if the writer below it was refused */
	return 0;
}

int
sth_pop(struct stdata *sd, int closing)
{
	struct sth_priv *sp = sth_priv(sd);
	queue_t *rq, *wq, *belw;
	bool wanted;

	if (sd->sd_pushcnt == 0)
		return -EINVAL;
	if (!closing) {
		if (sd->sd_flag & STRPLUMB)
			return -EBUSY;
		if (sd->sd_anchor > 0 && sd->sd_pushcnt <= sd->sd_anchor)
			return -EINVAL; /* I_ANCHOR: nothing below the anchor comes off */
	}
	wq = sd->sd_wrq->q_next;
	rq = RD(wq);
	belw = wq->q_next;

	/* A writer the popped queue refused would wait for a back-enable that cannot come. */
	wanted = (wq->q_flag & QWANTW) != 0;
	for (qband_t *qb = wq->q_bandp; qb != NULL && !wanted; qb = qb->qb_next)
		wanted = (qb->qb_flag & QB_WANTW) != 0;

	qprocsoff(rq);
	sd->sd_flag |= STRPLUMB;
	if (rq->q_qinfo->qi_qclose != NULL)
		(void)rq->q_qinfo->qi_qclose(rq, sp->sp_oflag, NULL);
	sd->sd_flag &= ~STRPLUMB;
	sd->sd_wrq->q_next = belw;
	RD(belw)->q_next = STH_RQ(sd);
	wq->q_next = rq->q_next = NULL;
	sth_renfsrv(sd);
	(void)yard_sched_purge_queue(sd->sd_sched, rq);
	(void)yard_sched_purge_queue(sd->sd_sched, wq);
	freeq(rq);
	sd->sd_pushcnt--;
	sp->sp_mods[sd->sd_pushcnt][0] = '\0';
	if (wanted && !closing) {
		sd->sd_wrq->q_flag |= QBACK;
		qenable(sd->sd_wrq);
	}
	return 0;
}

/* ---- the I_STR machinery ------------------------------------------------------------------ */

/* The error that stops an ioctl on sd now, 0 if none. */
static int
sth_ioc_err(const struct stdata *sd)
{
	if (sd->sd_flag & STRHUP)
		return ENXIO;
	if (sd->sd_flag & STWRERR)
		return sd->sd_werror;
	if (sd->sd_flag & STRDERR)
		return sd->sd_rerror;
	return 0;
}

/* Copy up to max bytes of a b_cont chain without consuming it. */
static size_t
chain_copy(const mblk_t *bp, unsigned char *dst, size_t max)
{
	size_t done = 0;

	for (; bp != NULL && done < max; bp = bp->b_cont) {
		size_t n = RTE_MIN(MBLKL(bp), max - done);

		memcpy(dst + done, bp->b_rptr, n);
		done += n;
	}
	return done;
}

int
sth_doioctl(struct stdata *sd, int cmd, void *buf, int *lenp, int timout, unsigned flags,
	    int *rvalp)
{
	int len = lenp != NULL ? *lenp : 0;
	uint64_t deadline = 0;
	struct iocblk *ioc;
	mblk_t *mp, *ack;
	int rc = 0;

	if (len < 0 || len > STH_IOC_MAXLEN || (len > 0 && buf == NULL) || timout < INFTIM)
		return -EINVAL;
	if (sd->sd_flag & IOCWAIT)
		return -EBUSY;
	if (yard_sched_self() != sd->sd_sched)
		return -EXDEV; /* only the owning lcore may run the stream's scheduler */
	if (!(flags & STH_IOC_NOERR) && (rc = sth_ioc_err(sd)) != 0)
		return -rc;

	mp = mkiocb((unsigned)cmd);
	if (mp == NULL)
		return -ENOSR;
	if (len > 0) {
		mblk_t *dp = allocb((size_t)len, BPRI_MED);

		if (dp == NULL) {
			freemsg(mp);
			return -ENOSR;
		}
		memcpy(dp->b_wptr, buf, (size_t)len);
		dp->b_wptr += len;
		mp->b_cont = dp;
	}
	ioc = (struct iocblk *)mp->b_rptr;
	ioc->ioc_count = (size_t)len;
	sd->sd_iocid = ioc->ioc_id;
	sd->sd_iocblk = NULL;
	sd->sd_flag |= IOCWAIT;
	if (timout == 0)
		timout = STH_IOC_TIMEOUT;
	if (timout != INFTIM)
		deadline = rte_get_timer_cycles() + (uint64_t)timout * rte_get_timer_hz();

	putnext(sd->sd_wrq, mp);
	while (sd->sd_iocblk == NULL) {
		if (!(flags & STH_IOC_NOERR) && (rc = sth_ioc_err(sd)) != 0)
			break;
		if (timout != INFTIM && rte_get_timer_cycles() >= deadline) {
			sth_priv(sd)->sp_stats.sths_ioc_timeouts++;
			rc = ETIME;
			break;
		}
		/*
		 * A pass, never an idle sleep (yard_sched_loop_once): the modules below answer an
		 * ioctl from their put or service procedures, so the ack comes within a pass or
		 * two and sleeping could only make an I_STR slower.
		 */
		(void)yard_sched_run_once(sd->sd_sched);
	}
	ack = sd->sd_iocblk;
	sd->sd_iocblk = NULL;
	sd->sd_iocid = 0; /* an answer from now on is stale */
	sd->sd_flag &= ~IOCWAIT;
	if (ack == NULL)
		return -rc;

	ioc = (struct iocblk *)ack->b_rptr;
	if (DB_TYPE(ack) == M_IOCNAK || ioc->ioc_error != 0) {
		rc = DB_TYPE(ack) == M_IOCNAK && ioc->ioc_error == 0 ? EINVAL : ioc->ioc_error;
		freemsg(ack);
		return -rc;
	}
	if (lenp != NULL) {
		size_t n = 0;

		if (ioc->ioc_count != TRANSPARENT && ioc->ioc_count > 0 && buf != NULL)
			n = chain_copy(ack->b_cont, buf, RTE_MIN(ioc->ioc_count, (size_t)len));
		*lenp = (int)n;
	}
	if (rvalp != NULL)
		*rvalp = ioc->ioc_rval;
	freemsg(ack);
	return 0;
}

static int
sth_istr(struct stdata *sd, struct strioctl *sc)
{
	int len, rval = 0, rc;

	if (sc == NULL || sc->ic_len < 0)
		return -EINVAL;
	/* I_STR carries commands for modules and drivers, never the stream head's own. */
	if ((sc->ic_cmd & ~0xff) == STR)
		return -EINVAL;
	len = sc->ic_len;
	rc = sth_doioctl(sd, sc->ic_cmd, sc->ic_dp, &len, sc->ic_timout, 0, &rval);
	if (rc < 0)
		return rc;
	sc->ic_len = len;
	return rval;
}

/* ---- flushing ----------------------------------------------------------------------------- */

/* Flush the head's own queues, then send M_FLUSH down (the driver turns FLUSHR back up). */
static int
sth_flush(struct stdata *sd, int flag, int band, bool banded)
{
	mblk_t *mp;

	if (flag == 0 || (flag & ~FLUSHRW) != 0)
		return -EINVAL;
	mp = allocb(2, BPRI_HI);
	if (mp == NULL)
		return -ENOSR;
	if (flag & FLUSHR) {
		if (banded)
			flushband(STH_RQ(sd), (unsigned char)band, FLUSHALL);
		else
			flushq_common(STH_RQ(sd), FLUSHALL, sd->sd_rdopt & RFLUSHPCPROT);
	}
	if (flag & FLUSHW) {
		if (banded)
			flushband(sd->sd_wrq, (unsigned char)band, FLUSHALL);
		else
			flushq(sd->sd_wrq, FLUSHALL);
	}
	DB_TYPE(mp) = M_FLUSH;
	*mp->b_wptr++ = (unsigned char)(flag | (banded ? FLUSHBAND : 0));
	if (banded)
		*mp->b_wptr++ = (unsigned char)band;
	putnext(sd->sd_wrq, mp);
	return 0;
}

/* ---- read-queue queries ------------------------------------------------------------------- */

static int
sth_nread(struct stdata *sd, int *np)
{
	int count = 0;

	if (np == NULL)
		return -EINVAL;
	for (mblk_t *mp = STH_RQ(sd)->q_first; mp != NULL; mp = mp->b_next)
		count++;
	*np = STH_RQ(sd)->q_first != NULL ? (int)msgdsize(STH_RQ(sd)->q_first) : 0;
	return count;
}

static int
sth_ckband(struct stdata *sd, intptr_t band)
{
	if (band < 0 || band >= NBAND)
		return -EINVAL;
	for (mblk_t *mp = STH_RQ(sd)->q_first; mp != NULL; mp = mp->b_next)
		if (DB_TYPE(mp) < QPCTL && mp->b_band == band)
			return 1;
	return 0;
}

static int
sth_atmark(struct stdata *sd, intptr_t how)
{
	mblk_t *mp = STH_RQ(sd)->q_first;

	if (how != ANYMARK && how != LASTMARK)
		return -EINVAL;
	if (mp == NULL || !(mp->b_flag & MSGMARK))
		return 0;
	if (how == LASTMARK)
		for (mblk_t *nmp = mp->b_next; nmp != NULL; nmp = nmp->b_next)
			if (nmp->b_flag & MSGMARK)
				return 0;
	return 1;
}

static int
sth_canput(struct stdata *sd, intptr_t band)
{
	queue_t *nq;

	if (band == ANYBAND) {
		if (canputnext(sd->sd_wrq))
			return 1;
		nq = sd->sd_wrq->q_next->q_nfsrv;
		if (nq->q_nband < NBAND - 1)
			return 1; /* a band never used is not full */
		for (qband_t *qb = nq->q_bandp; qb != NULL; qb = qb->qb_next)
			if (!(qb->qb_flag & QB_FULL))
				return 1;
		return 0;
	}
	if (band < 0 || band >= NBAND)
		return -EINVAL;
	return bcanputnext(sd->sd_wrq, (unsigned char)band);
}

/* ---- module names ------------------------------------------------------------------------- */

static int
sth_list(struct stdata *sd, struct str_list *sl)
{
	struct sth_priv *sp = sth_priv(sd);
	int total = sd->sd_pushcnt + 1, n;

	if (sl == NULL)
		return total; /* modules and the driver */
	if (sl->sl_nmods < 1 || sl->sl_modlist == NULL)
		return -EINVAL;
	n = RTE_MIN(sl->sl_nmods, total);
	for (int i = 0; i < n; i++) {
		int pos = sd->sd_pushcnt - 1 - i; /* top first */
		const char *name = pos >= 0 ? sp->sp_mods[pos] : sd->sd_dev->d_name;

		strcpy(sl->sl_modlist[i].l_name, name);
	}
	sl->sl_nmods = n;
	return 0;
}

static int
sth_find(struct stdata *sd, const char *name)
{
	struct sth_priv *sp = sth_priv(sd);

	if (name == NULL || yard_mod_find(name) == NULL)
		return -EINVAL;
	for (int i = 0; i < sd->sd_pushcnt; i++)
		if (strncmp(sp->sp_mods[i], name, FMNAMESZ + 1) == 0)
			return 1;
	return 0;
}

/* ---- options ------------------------------------------------------------------------------ */

static int
sth_srdopt(struct stdata *sd, intptr_t arg)
{
	int mode = (int)arg & RMODEMASK;
	int prot = (int)arg & RPROTMASK;

	if ((arg & ~(intptr_t)(RMODEMASK | RPROTMASK | RFLUSHPCPROT)) != 0 || mode == RMODEMASK)
		return -EINVAL;
	if (prot != 0 && prot != RPROTNORM && prot != RPROTDAT && prot != RPROTDIS)
		return -EINVAL;
	sd->sd_rdopt = (sd->sd_rdopt & ~RMODEMASK) | mode;
	if (prot != 0)
		sd->sd_rdopt = (sd->sd_rdopt & ~RPROTMASK) | prot;
	if (arg & RFLUSHPCPROT)
		sd->sd_rdopt |= RFLUSHPCPROT;
	return 0;
}

static int
getint(int *p, int v)
{
	if (p == NULL)
		return -EINVAL;
	*p = v;
	return 0;
}

/* ---- the ioctl switch --------------------------------------------------------------------- */

int
sth_ioctl(struct stdata *sd, int cmd, intptr_t arg)
{
	struct sth_priv *sp;

	if (sd == NULL)
		return -EINVAL;
	sp = sth_priv(sd);
	/* A linked stream belongs to its multiplexor: nothing may be done to it from above. */
	if (sd->sd_flag & (STPLEX | STRCLOSE))
		return -EINVAL;

	switch (cmd) {
	case I_PUSH:
		return sth_push(sd, (const char *)arg);
	case I_POP:
		return sth_pop(sd, 0);
	case I_LOOK:
		if (arg == 0)
			return -EINVAL;
		if (sd->sd_pushcnt == 0)
			return -EINVAL;
		strcpy((char *)arg, sp->sp_mods[sd->sd_pushcnt - 1]);
		return 0;
	case I_FIND:
		return sth_find(sd, (const char *)arg);
	case I_LIST:
		return sth_list(sd, (struct str_list *)arg);
	case I_ANCHOR:
		if (sd->sd_pushcnt == 0)
			return -EINVAL;
		sd->sd_anchor = sd->sd_pushcnt;
		return 0;

	case I_FLUSH:
		return sth_flush(sd, (int)arg, 0, false);
	case I_FLUSHBAND: {
		const struct bandinfo *bi = (const struct bandinfo *)arg;

		if (bi == NULL)
			return -EINVAL;
		return sth_flush(sd, bi->bi_flag, bi->bi_pri, true);
	}

	case I_STR:
		return sth_istr(sd, (struct strioctl *)arg);

	case I_SRDOPT:
		return sth_srdopt(sd, arg);
	case I_GRDOPT:
		return getint((int *)arg, sd->sd_rdopt);
	case I_SWROPT:
		if ((arg & ~(intptr_t)(SNDZERO | SNDPIPE)) != 0)
			return -EINVAL;
		sd->sd_wropt = (int)arg;
		return 0;
	case I_GWROPT:
		return getint((int *)arg, sd->sd_wropt);
	case I_SERROPT:
		if ((arg & ~(intptr_t)(RERRNORM | RERRNONPERSIST | WERRNORM | WERRNONPERSIST)) != 0)
			return -EINVAL;
		sd->sd_erropt = (int)arg;
		return 0;
	case I_GERROPT:
		return getint((int *)arg, sd->sd_erropt);
	case I_SETSIG:
		if ((arg & ~(intptr_t)S_ALL) != 0)
			return -EINVAL;
		sd->sd_sigflags = (unsigned)arg;
		return 0;
	case I_GETSIG:
		if (sd->sd_sigflags == 0)
			return -EINVAL; /* not registered for any event */
		return getint((int *)arg, (int)sd->sd_sigflags);
	case I_SETCLTIME:
		if (arg <= 0 || arg > INT32_MAX)
			return -EINVAL;
		sp->sp_closetime = (int)arg;
		return 0;
	case I_GETCLTIME:
		return getint((int *)arg, sp->sp_closetime);

	case I_NREAD:
		return sth_nread(sd, (int *)arg);
	case I_PEEK:
		return sth_peek(sd, (struct strpeek *)arg);
	case I_CKBAND:
		return sth_ckband(sd, arg);
	case I_GETBAND: {
		mblk_t *mp = STH_RQ(sd)->q_first;

		if (arg == 0)
			return -EINVAL;
		if (mp == NULL)
			return -ENODATA;
		return getint((int *)arg, mp->b_band);
	}
	case I_CANPUT:
		return sth_canput(sd, arg);
	case I_ATMARK:
		return sth_atmark(sd, arg);

	case I_LINK:
	case I_PLINK:
		return yard_mlink(sd, (struct stdata *)arg, cmd);
	case I_UNLINK:
	case I_PUNLINK:
		return yard_munlink(sd, (int)arg, cmd);

	default:
		return -EINVAL;
	}
}
