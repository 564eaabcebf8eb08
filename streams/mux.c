/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multiplexor links (illumos strsubr.c:mlink_file, munlink, munlinkall, linkcycle):
 * I_LINK/I_PLINK put a stream under a multiplexing driver, I_UNLINK/I_PUNLINK take it out.
 *
 * Principles of operation
 * -----------------------
 * Linking turns the lower stream's head into the multiplexor's lower side: its queue pair is
 * given the driver's st_muxrinit/st_muxwinit (setq) and marked QMUX, and keeps its q_next:
 * the lower write queue (l_qbot) passes messages on down to the lower stream's top module or
 * driver, and what that stream sends up now arrives at the multiplexor's lower read put
 * procedure instead of the stream head's. The driver learns of the link from an I_LINK (or
 * I_PLINK) M_IOCTL carrying a struct linkblk, sent down the upper stream with the I_STR
 * machinery; a NAK, an error or a timeout undoes the conversion. Unlinking sends I_UNLINK (or
 * I_PUNLINK) with the same linkblk, then flushes the lower queues, drops whatever the
 * scheduler still holds for them, and gives them back the stream head's qinits.
 *
 * l_qtop is the upper stream's lowest write queue, the multiplexing driver's own upper write
 * queue (illumos getendq), so RD(l_qtop) is where the driver sends what comes up from below;
 * NULL for a persistent link, which belongs to the driver rather than to a stream.
 *
 * A link from I_LINK belongs to the upper (controlling) stream: closing that stream unlinks
 * it (munlinkall). A persistent link (I_PLINK) outlives the stream that made it and is undone
 * by I_PUNLINK through any stream open on the same driver. The lower stream stays STPLEX
 * while linked: it refuses everything from above and cannot be closed (-EBUSY).
 *
 * Cycles are refused as illumos does, on the graph of drivers rather than of streams: an edge
 * runs from each multiplexing driver to the driver of every stream linked under it, and a new
 * link is refused if the upper driver can already be reached from the lower stream's driver.
 * So a stream of a multiplexor may never be linked under another stream of the same driver.
 *
 * Where yard differs from illumos: the upper and lower streams must belong to the same lcore
 * (-EXDEV otherwise), since linking rewrites the lower stream's queues in place; and no
 * pass-through queue is needed during the change, because nothing else runs on the lcore
 * while it happens.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include <rte_spinlock.h>

#include "streams_priv.h"

struct yard_linkinfo {
	struct yard_linkinfo *li_next;   /**< every link */
	struct yard_linkinfo *li_unext;  /**< the controlling stream's links (sd_links) */
	struct linkblk li_lblk;          /**< what the driver was told */
	struct stdata *li_upper;         /**< controlling stream; NULL for a persistent link */
	struct stdata *li_lower;
	const struct yard_devsw *li_drv; /**< the multiplexing driver */
	int li_cmd;                      /**< I_LINK or I_PLINK */
};

/* Links are made and undone from any lcore's plumbing code: cold, so a lock will do. */
static rte_spinlock_t yard_links_lock = RTE_SPINLOCK_INITIALIZER;
static struct yard_linkinfo *yard_links;
static unsigned yard_nlinks;
static int yard_lastmuxid;

unsigned
yard_mux_nlinks(void)
{
	unsigned n;

	rte_spinlock_lock(&yard_links_lock);
	n = yard_nlinks;
	rte_spinlock_unlock(&yard_links_lock);
	return n;
}

/* Would an edge up -> lo close a cycle? (illumos linkcycle; lock held) */
static bool
link_cycle(const struct yard_devsw *up, const struct yard_devsw *lo)
{
	const struct yard_devsw *stack[YARD_MAX_DRIVERS], *seen[YARD_MAX_DRIVERS];
	unsigned nstack = 0, nseen = 0;

	stack[nstack++] = lo;
	seen[nseen++] = lo;
	while (nstack > 0) {
		const struct yard_devsw *d = stack[--nstack];

		if (d == up)
			return true;
		for (struct yard_linkinfo *li = yard_links; li != NULL; li = li->li_next) {
			const struct yard_devsw *nd = li->li_lower->sd_dev;
			bool known = false;

			if (li->li_drv != d)
				continue;
			for (unsigned i = 0; i < nseen && !known; i++)
				known = seen[i] == nd;
			if (!known && nseen < YARD_MAX_DRIVERS) {
				seen[nseen++] = nd;
				stack[nstack++] = nd;
			}
		}
	}
	return false;
}

static bool
muxid_in_use(int muxid)
{
	for (struct yard_linkinfo *li = yard_links; li != NULL; li = li->li_next)
		if (li->li_lblk.l_index == muxid)
			return true;
	return false;
}

/* Take li off the global list and off its controlling stream's list (lock not held). */
static void
link_remove(struct yard_linkinfo *li)
{
	struct stdata *up = li->li_upper;

	rte_spinlock_lock(&yard_links_lock);
	for (struct yard_linkinfo **pp = &yard_links; *pp != NULL; pp = &(*pp)->li_next) {
		if (*pp == li) {
			*pp = li->li_next;
			yard_nlinks--;
			break;
		}
	}
	rte_spinlock_unlock(&yard_links_lock);
	if (up != NULL) {
		for (struct yard_linkinfo **pp = &up->sd_links; *pp != NULL;
		     pp = &(*pp)->li_unext) {
			if (*pp == li) {
				*pp = li->li_unext;
				break;
			}
		}
		if (up->sd_links == NULL)
			up->sd_flag &= ~STRHASLINKS;
	}
}

/* Give a lower stream's queue pair back to its stream head. */
static void
unplex(struct stdata *lower)
{
	queue_t *rq = STH_RQ(lower), *wq = lower->sd_wrq;
	struct yard_sched *sc = lower->sd_sched;

	for (queue_t *q = rq;; q = wq) {
		yard_sched_remove(sc, q);
		q->q_flag &= ~(QENAB | QMUX);
		(void)yard_sched_purge_queue(sc, q);
		flushq(q, FLUSHALL);
		if (q == wq)
			break;
	}
	setq(rq, &sth_rinit, &sth_winit);
	rq->q_ptr = wq->q_ptr = lower;
	sth_renfsrv(lower);
	lower->sd_flag &= ~STPLEX;
	lower->sd_mux = NULL;
}

int
yard_mlink(struct stdata *upper, struct stdata *lower, int cmd)
{
	const struct streamtab *ust = upper->sd_dev->d_str;
	struct yard_linkinfo *li;
	queue_t *rq, *wq;
	int len, rval, rc;

	if (lower == NULL || lower == upper || ust->st_muxrinit == NULL ||
	    ust->st_muxwinit == NULL)
		return -EINVAL;
	if (upper->sd_flag & STRHUP)
		return -ENXIO;
	if (upper->sd_flag & STWRERR)
		return -upper->sd_werror;
	if (upper->sd_flag & STRDERR)
		return -upper->sd_rerror;
	if (lower->sd_flag & (STPLEX | STRCLOSE | STRDERR | STWRERR))
		return -EINVAL;
	if (lower->sd_flag & STRHUP)
		return -ENXIO;
	if ((lower->sd_flag & (IOCWAIT | STRPLUMB)) || (upper->sd_flag & STRPLUMB))
		return -EBUSY;
	if (lower->sd_sched != upper->sd_sched)
		return -EXDEV;

	li = calloc(1, sizeof(*li));
	if (li == NULL)
		return -ENOMEM;
	rte_spinlock_lock(&yard_links_lock);
	if (link_cycle(upper->sd_dev, lower->sd_dev)) {
		rte_spinlock_unlock(&yard_links_lock);
		free(li);
		return -EINVAL;
	}
	do {
		if (++yard_lastmuxid <= 0)
			yard_lastmuxid = 1;
	} while (muxid_in_use(yard_lastmuxid));
	li->li_lblk.l_index = yard_lastmuxid;
	li->li_lower = lower;
	li->li_drv = upper->sd_dev;
	li->li_cmd = cmd;
	li->li_next = yard_links;
	yard_links = li;
	yard_nlinks++;
	rte_spinlock_unlock(&yard_links_lock);

	/* The lower stream head becomes the multiplexor's lower side. */
	rq = STH_RQ(lower);
	wq = lower->sd_wrq;
	yard_sched_remove(lower->sd_sched, rq);
	yard_sched_remove(lower->sd_sched, wq);
	rq->q_flag &= ~QENAB;
	wq->q_flag &= ~QENAB;
	lower->sd_flag |= STPLEX | STRPLUMB;
	lower->sd_mux = upper;
	setq(rq, ust->st_muxrinit, ust->st_muxwinit);
	rq->q_flag |= QMUX;
	wq->q_flag |= QMUX;
	rq->q_ptr = wq->q_ptr = NULL; /* the driver's to set when it hears of the link */
	sth_renfsrv(lower);
	li->li_lblk.l_qtop = cmd == I_PLINK ? NULL : sth_endq(upper);
	li->li_lblk.l_qbot = wq;

	{
		struct linkblk lb = li->li_lblk;

		len = sizeof(lb);
		upper->sd_flag |= STRPLUMB;
		rc = sth_doioctl(upper, cmd, &lb, &len, 0, 0, &rval);
		upper->sd_flag &= ~STRPLUMB;
	}
	lower->sd_flag &= ~STRPLUMB;
	if (rc < 0) {
		link_remove(li);
		unplex(lower);
		free(li);
		return rc;
	}
	if (cmd == I_LINK) {
		li->li_upper = upper;
		li->li_unext = upper->sd_links;
		upper->sd_links = li;
		upper->sd_flag |= STRHASLINKS;
	}
	/* Messages the lower head held go to the multiplexor now. */
	if (rq->q_first != NULL)
		qenable(rq);
	return li->li_lblk.l_index;
}

/* Send the unlink ioctl for li through upper and dismantle the link. */
static int
munlink_one(struct stdata *upper, struct yard_linkinfo *li, bool closing)
{
	struct linkblk lb = li->li_lblk;
	int len = sizeof(lb), rval, rc;

	upper->sd_flag |= STRPLUMB;
	rc = sth_doioctl(upper, li->li_cmd == I_PLINK ? I_PUNLINK : I_UNLINK, &lb, &len, 0,
			 closing ? STH_IOC_NOERR : 0, &rval);
	upper->sd_flag &= ~STRPLUMB;
	/* Closing goes on regardless (illumos LINKCLOSE): the stream is going away. */
	if (rc < 0 && !closing)
		return rc;
	link_remove(li);
	unplex(li->li_lower);
	free(li);
	return 0;
}

/* The next link that an unlink of (muxid, cmd) through upper takes, NULL when none. */
static struct yard_linkinfo *
munlink_next(struct stdata *upper, int muxid, int cmd)
{
	struct yard_linkinfo *found = NULL;

	rte_spinlock_lock(&yard_links_lock);
	for (struct yard_linkinfo *li = yard_links; li != NULL && found == NULL;
	     li = li->li_next) {
		if (muxid != MUXID_ALL && li->li_lblk.l_index != muxid)
			continue;
		if (cmd == I_UNLINK ? (li->li_cmd == I_LINK && li->li_upper == upper) :
				      (li->li_cmd == I_PLINK && li->li_drv == upper->sd_dev))
			found = li;
	}
	rte_spinlock_unlock(&yard_links_lock);
	return found;
}

int
yard_munlink(struct stdata *upper, int muxid, int cmd)
{
	struct yard_linkinfo *li;
	int n = 0, rc;

	if (muxid != MUXID_ALL && muxid <= 0)
		return -EINVAL;
	if (upper->sd_flag & STRPLUMB)
		return -EBUSY;
	while ((li = munlink_next(upper, muxid, cmd)) != NULL) {
		rc = munlink_one(upper, li, false);
		if (rc < 0)
			return rc;
		n++;
		if (muxid != MUXID_ALL)
			break;
	}
	if (n == 0 && muxid != MUXID_ALL)
		return -EINVAL; /* no such link here */
	return 0;
}

void
yard_munlinkall(struct stdata *upper)
{
	struct yard_linkinfo *li;

	while ((li = upper->sd_links) != NULL)
		(void)munlink_one(upper, li, true);
	/* Persistent links outlive the stream that made them. */
	rte_spinlock_lock(&yard_links_lock);
	for (li = yard_links; li != NULL; li = li->li_next)
		if (li->li_lower->sd_mux == upper)
			li->li_lower->sd_mux = NULL;
	rte_spinlock_unlock(&yard_links_lock);
}
