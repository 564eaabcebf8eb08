/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers for modules and drivers answering ioctls or reporting errors (illumos strsun.h):
 * miocack, miocnak, mkiocb, merror; and the M_IOCTL id allocator they share with the stream
 * head.
 */
#include <string.h>

#include <streams/stropts.h>

#include "streams_priv.h"

/*
 * ioc_id must tell one ioctl from every other in flight or stale, on every stream and lcore:
 * the stream head matches answers by it. Ioctls are rare, so one atomic counter will do.
 */
static unsigned yard_iocid_seq;

unsigned
yard_iocid_alloc(void)
{
	unsigned id;

	do {
		id = __atomic_add_fetch(&yard_iocid_seq, 1, __ATOMIC_RELAXED);
	} while (id == 0); /* 0 means "no ioctl" in sd_iocid */
	return id;
}

void
miocack(queue_t *q, mblk_t *mp, int count, int rval)
{
	struct iocblk *iocp = (struct iocblk *)mp->b_rptr;

	DB_TYPE(mp) = M_IOCACK;
	iocp->ioc_count = (size_t)(count < 0 ? 0 : count);
	iocp->ioc_error = 0;
	iocp->ioc_rval = rval;
	qreply(q, mp);
}

void
miocnak(queue_t *q, mblk_t *mp, int count, int error)
{
	struct iocblk *iocp = (struct iocblk *)mp->b_rptr;

	DB_TYPE(mp) = M_IOCNAK;
	iocp->ioc_count = (size_t)(count < 0 ? 0 : count);
	iocp->ioc_error = error;
	iocp->ioc_rval = -1;
	qreply(q, mp);
}

mblk_t *
mkiocb(unsigned cmd)
{
	mblk_t *mp = allocb(sizeof(struct iocblk), BPRI_HI);
	struct iocblk *iocp;

	if (mp == NULL)
		return NULL;
	DB_TYPE(mp) = M_IOCTL;
	iocp = (struct iocblk *)mp->b_rptr;
	memset(iocp, 0, sizeof(*iocp));
	iocp->ioc_cmd = (int)cmd;
	iocp->ioc_id = yard_iocid_alloc();
	mp->b_wptr += sizeof(*iocp);
	return mp;
}

void
merror(queue_t *wq, mblk_t *mp, int error)
{
	/* Reuse the caller's block when it has room for the one error byte (illumos does too). */
	if (mp != NULL && (DB_REF(mp) > 1 || DB_LIM(mp) == DB_BASE(mp))) {
		freemsg(mp);
		mp = NULL;
	}
	if (mp == NULL && (mp = allocb(1, BPRI_HI)) == NULL)
		return;
	if (mp->b_cont != NULL) {
		freemsg(mp->b_cont);
		mp->b_cont = NULL;
	}
	DB_TYPE(mp) = M_ERROR;
	mp->b_rptr = DB_BASE(mp);
	*mp->b_rptr = (unsigned char)error;
	mp->b_wptr = mp->b_rptr + 1;
	/* Upstream from either side: qreply from the write queue, putnext from the read queue. */
	if (wq->q_flag & QREADR)
		putnext(wq, mp);
	else
		qreply(wq, mp);
}

void *
yard_mioc_in(mblk_t *mp, size_t size)
{
	struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
	mblk_t *dp = mp->b_cont;

	if (ioc->ioc_count == TRANSPARENT || ioc->ioc_count < size || dp == NULL)
		return NULL;
	if (MBLKL(dp) < size && !pullupmsg(dp, (ssize_t)size))
		return NULL;
	return dp->b_rptr;
}

void *
yard_mioc_out(mblk_t *mp, size_t size)
{
	mblk_t *dp = mp->b_cont;

	if (dp == NULL || dp->b_cont != NULL || DB_REF(dp) != 1 ||
	    (size_t)(DB_LIM(dp) - dp->b_rptr) < size) {
		mblk_t *np = allocb(size, BPRI_MED);

		if (np == NULL)
			return NULL;
		if (dp != NULL && MBLKL(dp) > 0)
			memcpy(np->b_rptr, dp->b_rptr, RTE_MIN(MBLKL(dp), size));
		freemsg(dp);
		mp->b_cont = dp = np;
	}
	dp->b_wptr = dp->b_rptr + size;
	return dp->b_rptr;
}
