/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * timod: the Transport Interface cooperating module (timod.h tells what it does).
 *
 * Principles of operation
 * -----------------------
 * Write side. An M_IOCTL whose command is a TI_* is turned into a TPI request: its data block
 * becomes the M_PROTO (or M_PCPROTO) request and goes down; the M_IOCTL itself, now without
 * data, is held in tm_ioc with the request's primitive (tm_prim) until the answer comes up.
 * The stream head runs one I_STR at a time per stream, so one held ioctl is enough; if a new
 * TI_* arrives while one is held, the held one's caller has given up (timed out), so it is
 * freed (timods_stale) and the new one takes its place. Everything else passes straight down,
 * untouched: a YB_TUDATA mark XTI set on a T_UNITDATA_REQ it checked (streams/mblk.h) still
 * holds when udp gets it, since timod neither reads nor edits a datagram's header.
 *
 * Read side. While an ioctl is held, each M_PROTO/M_PCPROTO coming up is checked against it:
 * the acknowledgement it waits for (T_BIND_ACK for TI_BIND, ...), a T_OK_ACK or T_ERROR_ACK
 * naming its request, completes it: the answer becomes the M_IOCACK's data (or an M_IOCNAK /
 * a positive ioc_rval for T_ERROR_ACK, timod.h) and goes up in place of the primitive. Every
 * other message (datagrams, indications, answers to ioctls that are not ours) passes up
 * unchanged, in bursts when nothing is held. A provider that answers T_CAPABILITY_REQ with
 * T_ERROR_ACK TNOTSUPPORT is asked T_INFO_REQ instead, now and for the rest of the stream's
 * life, and the T_CAPABILITY_ACK is built from the T_INFO_ACK.
 *
 * At open, M_SETOPTS RFLUSHPCPROT goes up so a read-side flush at the stream head never
 * discards a pending high-priority acknowledgement (illumos timod does the same).
 *
 * Neither side has a service procedure: timod never queues, so flow control is decided by
 * the stream head and the provider directly (q_nfsrv skips timod).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include <streams/stream.h>

#include "timod.h"

/* Per-lcore counters (timod.h). */
static struct timodstat timod_pcpu[RTE_MAX_LCORE];

struct timod_priv {
	mblk_t *tm_ioc;           /* the TI_* M_IOCTL waiting for its answer, NULL if none */
	int tm_cmd;               /* its command */
	t_scalar_t tm_prim;       /* the request sent down for it */
	t_uscalar_t tm_capbits;   /* TI_CAPABILITY: CAP_bits1 asked */
	bool tm_cap_emul;         /* the provider lacks T_CAPABILITY_REQ: use T_INFO_REQ */
	struct timodstat *tm_st;  /* this lcore's counters */
};

void
timodstat_sum(struct timodstat *out, int lcore)
{
	memset(out, 0, sizeof(*out));
	for (int lc = 0; lc < RTE_MAX_LCORE; lc++) {
		const volatile struct timodstat *s = &timod_pcpu[lc];

		if (lcore >= 0 && lc != lcore)
			continue;
		out->timods_ioctls += s->timods_ioctls;
		out->timods_acks += s->timods_acks;
		out->timods_error_acks += s->timods_error_acks;
		out->timods_cap_emulated += s->timods_cap_emulated;
		out->timods_bad_ioctl += s->timods_bad_ioctl;
		out->timods_stale += s->timods_stale;
		out->timods_nomem += s->timods_nomem;
	}
}

/* ---- completing the held ioctl ------------------------------------------------------------ */

/* Take the held ioctl off tp. */
static mblk_t *
timod_take(struct timod_priv *tp)
{
	mblk_t *ioc = tp->tm_ioc;

	tp->tm_ioc = NULL;
	tp->tm_cmd = 0;
	tp->tm_prim = -1;
	return ioc;
}

/* Answer the held ioctl with data (may be NULL) and rval, up the read side rq. */
static void
timod_ack(queue_t *rq, struct timod_priv *tp, mblk_t *data, int rval)
{
	mblk_t *ioc = timod_take(tp);
	size_t n = 0;

	if (data != NULL) {
		DB_TYPE(data) = M_DATA;
		n = msgdsize(data);
	}
	freemsg(ioc->b_cont);
	ioc->b_cont = data;
	miocack(WR(rq), ioc, (int)n, rval);
}

static void
timod_nak(queue_t *rq, struct timod_priv *tp, int error)
{
	mblk_t *ioc = timod_take(tp);

	freemsg(ioc->b_cont);
	ioc->b_cont = NULL;
	miocnak(WR(rq), ioc, 0, error);
}

/* A block of size bytes to build an answer in: mp itself when it can be rewritten, else new. */
static mblk_t *
timod_reuse(mblk_t *mp, size_t size)
{
	mblk_t *np;

	if (DB_REF(mp) == 1 && MBLKSIZE(mp) >= size && mp->b_cont == NULL) {
		mp->b_rptr = DB_BASE(mp);
		mp->b_wptr = mp->b_rptr + size;
		return mp;
	}
	np = allocb(size, BPRI_MED);
	if (np != NULL)
		np->b_wptr += size;
	return np;
}

/* T_CAPABILITY_ACK built from a T_INFO_ACK, for a provider without T_CAPABILITY_REQ. */
static mblk_t *
timod_cap_from_info(struct timod_priv *tp, mblk_t *mp)
{
	struct T_info_ack info;
	struct T_capability_ack *cap;
	mblk_t *np;

	memcpy(&info, mp->b_rptr, sizeof(info));
	np = timod_reuse(mp, sizeof(*cap));
	if (np == NULL)
		return NULL;
	cap = (struct T_capability_ack *)np->b_rptr;
	memset(cap, 0, sizeof(*cap));
	cap->PRIM_type = T_CAPABILITY_ACK;
	cap->CAP_bits1 = tp->tm_capbits & TC1_INFO;
	if (cap->CAP_bits1 & TC1_INFO)
		cap->INFO_ack = info;
	if (np != mp)
		freemsg(mp);
	tp->tm_st->timods_cap_emulated++;
	return np;
}

static mblk_t *
timod_sync_from_info(mblk_t *mp)
{
	struct T_info_ack info;
	struct ti_sync_ack *tsa;
	mblk_t *np;

	memcpy(&info, mp->b_rptr, sizeof(info));
	np = timod_reuse(mp, sizeof(*tsa));
	if (np == NULL)
		return NULL;
	tsa = (struct ti_sync_ack *)np->b_rptr;
	memset(tsa, 0, sizeof(*tsa));
	memcpy(tsa, &info, sizeof(info));
	if (np != mp)
		freemsg(mp);
	return np;
}

/* TI_GETMYNAME/TI_GETPEERNAME: just the address bytes of a T_ADDR_ACK, in place. */
static int
timod_name_from_addr(struct timod_priv *tp, mblk_t *mp)
{
	const struct T_addr_ack *aa = (const struct T_addr_ack *)mp->b_rptr;
	t_scalar_t len, off;

	if (tp->tm_cmd == TI_GETMYNAME) {
		len = aa->LOCADDR_length;
		off = aa->LOCADDR_offset;
	} else {
		len = aa->REMADDR_length;
		off = aa->REMADDR_offset;
	}
	if (len == 0) {
		if (tp->tm_cmd == TI_GETPEERNAME)
			return ENOTCONN;
		mp->b_wptr = mp->b_rptr; /* not bound: an empty name */
		return 0;
	}
	if (len < 0 || off < (t_scalar_t)sizeof(*aa) || (size_t)off + (size_t)len > MBLKL(mp))
		return EPROTO;
	mp->b_rptr += off;
	mp->b_wptr = mp->b_rptr + len;
	return 0;
}

/*
 * A primitive came up while an ioctl is held: complete the ioctl if it answers it.
 * true if mp was consumed.
 */
static bool
timod_answer(queue_t *rq, struct timod_priv *tp, mblk_t *mp)
{
	t_scalar_t prim = ((const union T_primitives *)mp->b_rptr)->type;
	size_t len = MBLKL(mp);

	switch (prim) {
	case T_ERROR_ACK: {
		struct T_error_ack ea;

		if (len < sizeof(ea))
			return false;
		memcpy(&ea, mp->b_rptr, sizeof(ea));
		if (ea.ERROR_prim != tp->tm_prim)
			return false;
		if (tp->tm_cmd == TI_CAPABILITY && tp->tm_prim == T_CAPABILITY_REQ &&
		    ea.TLI_error == TNOTSUPPORT) {
			/* Ask T_INFO_REQ instead, now and from now on (illumos timod). */
			mblk_t *np = timod_reuse(mp, sizeof(struct T_info_req));

			tp->tm_cap_emul = true;
			if (np == NULL) {
				freemsg(mp);
				tp->tm_st->timods_nomem++;
				timod_nak(rq, tp, ENOSR);
				return true;
			}
			if (np != mp)
				freemsg(mp);
			DB_TYPE(np) = M_PCPROTO;
			((struct T_info_req *)np->b_rptr)->PRIM_type = T_INFO_REQ;
			tp->tm_prim = T_INFO_REQ;
			qreply(rq, np);
			return true;
		}
		freemsg(mp);
		tp->tm_st->timods_error_acks++;
		if (ea.TLI_error == TSYSERR)
			timod_nak(rq, tp, ea.UNIX_error > 0 ? ea.UNIX_error : EPROTO);
		else
			timod_ack(rq, tp, NULL, ea.TLI_error | ea.UNIX_error << 8);
		return true;
	}
	case T_OK_ACK: {
		struct T_ok_ack ok;

		if (len < sizeof(ok))
			return false;
		memcpy(&ok, mp->b_rptr, sizeof(ok));
		if (ok.CORRECT_prim != tp->tm_prim)
			return false;
		freemsg(mp);
		tp->tm_st->timods_acks++;
		timod_ack(rq, tp, NULL, 0);
		return true;
	}
	case T_INFO_ACK:
		if (tp->tm_prim != T_INFO_REQ || len < sizeof(struct T_info_ack))
			return false;
		tp->tm_st->timods_acks++;
		if (tp->tm_cmd == TI_CAPABILITY)
			mp = timod_cap_from_info(tp, mp);
		else if (tp->tm_cmd == TI_SYNC)
			mp = timod_sync_from_info(mp);
		if (mp == NULL) {
			tp->tm_st->timods_nomem++;
			timod_nak(rq, tp, ENOSR);
			return true;
		}
		timod_ack(rq, tp, mp, 0);
		return true;
	case T_BIND_ACK:
		if (tp->tm_cmd != TI_BIND || len < sizeof(struct T_bind_ack))
			return false;
		break;
	case T_OPTMGMT_ACK:
		if (tp->tm_cmd != TI_OPTMGMT || len < sizeof(struct T_optmgmt_ack))
			return false;
		break;
	case T_CAPABILITY_ACK:
		if (tp->tm_prim != T_CAPABILITY_REQ || len < sizeof(struct T_capability_ack))
			return false;
		break;
	case T_ADDR_ACK:
		if (tp->tm_prim != T_ADDR_REQ || len < sizeof(struct T_addr_ack))
			return false;
		if (tp->tm_cmd == TI_GETMYNAME || tp->tm_cmd == TI_GETPEERNAME) {
			int err = timod_name_from_addr(tp, mp);

			if (err != 0) {
				freemsg(mp);
				tp->tm_st->timods_error_acks++;
				timod_nak(rq, tp, err);
				return true;
			}
		}
		break;
	default:
		return false;
	}
	tp->tm_st->timods_acks++;
	timod_ack(rq, tp, mp, 0);
	return true;
}

/* ---- write side: TI_* ioctls --------------------------------------------------------------- */

/* Size of the request each ioctl must carry (0: none needed), its primitive(s) and its type. */
static int
timod_check_req(int cmd, const mblk_t *dp, t_scalar_t *primp, unsigned char *typep)
{
	size_t len = dp != NULL ? MBLKL(dp) : 0;
	t_scalar_t prim = len >= sizeof(t_scalar_t) ? ((const union T_primitives *)dp->b_rptr)->type
						      : -1;

	switch (cmd) {
	case TI_GETINFO:
		*typep = M_PCPROTO;
		if (prim != T_INFO_REQ)
			return len < sizeof(struct T_info_req) ? EINVAL : EPROTO;
		break;
	case TI_OPTMGMT:
		*typep = M_PROTO;
		if (len < sizeof(struct T_optmgmt_req))
			return EINVAL;
		if (prim != T_OPTMGMT_REQ && prim != T_SVR4_OPTMGMT_REQ)
			return EPROTO;
		break;
	case TI_BIND:
		*typep = M_PROTO;
		if (len < sizeof(struct T_bind_req))
			return EINVAL;
		if (prim != T_BIND_REQ && prim != O_T_BIND_REQ)
			return EPROTO;
		break;
	case TI_UNBIND:
		*typep = M_PROTO;
		if (prim != T_UNBIND_REQ)
			return len < sizeof(struct T_unbind_req) ? EINVAL : EPROTO;
		break;
	case TI_CAPABILITY:
		*typep = M_PCPROTO;
		if (len < sizeof(struct T_capability_req))
			return EINVAL;
		if (prim != T_CAPABILITY_REQ)
			return EPROTO;
		break;
	case TI_GETADDRS:
		*typep = M_PCPROTO;
		if (len != 0 && prim != T_ADDR_REQ)
			return EPROTO;
		prim = T_ADDR_REQ;
		break;
	case TI_GETMYNAME:
	case TI_GETPEERNAME:
		*typep = M_PCPROTO;
		prim = T_ADDR_REQ;
		break;
	case TI_SYNC:
		*typep = M_PCPROTO;
		prim = T_INFO_REQ;
		break;
	default:
		return EINVAL; /* TI_SETMYNAME, TI_SETPEERNAME, unknown */
	}
	*primp = prim;
	return 0;
}

static void
timod_ioctl(queue_t *wq, struct timod_priv *tp, mblk_t *mp)
{
	struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
	unsigned char type = M_PROTO;
	t_scalar_t prim = -1;
	mblk_t *dp = mp->b_cont;
	int err = 0;

	/* The request travels alone; the M_IOCTL is held without data. */
	mp->b_cont = NULL;
	if (ioc->ioc_count == TRANSPARENT) {
		tp->tm_st->timods_bad_ioctl++;
		mp->b_cont = dp; /* the caller's argument goes back with the NAK */
		dp = NULL;
		err = EINVAL;
		goto nak;
	}
	if (ioc->ioc_count == 0) {
		freemsg(dp);
		dp = NULL;
	}
	/* The provider reads its primitive's fields from one block. */
	if (dp != NULL && (dp->b_cont != NULL || DB_REF(dp) != 1)) {
		mblk_t *np = msgpullup(dp, -1);

		if (np == NULL) {
			tp->tm_st->timods_nomem++;
			err = ENOSR;
			goto nak;
		}
		freemsg(dp);
		dp = np;
	}
	err = timod_check_req(ioc->ioc_cmd, dp, &prim, &type);
	if (err != 0) {
		tp->tm_st->timods_bad_ioctl++;
		goto nak;
	}
	if (prim == T_ADDR_REQ || prim == T_INFO_REQ) {
		/* timod builds these itself (TI_GETMYNAME, TI_SYNC, ...): a 4-byte request. */
		if (dp == NULL || MBLKSIZE(dp) < sizeof(t_scalar_t)) {
			freemsg(dp);
			dp = allocb(sizeof(t_scalar_t), BPRI_MED);
			if (dp == NULL) {
				tp->tm_st->timods_nomem++;
				err = ENOSR;
				goto nak;
			}
		}
		dp->b_rptr = DB_BASE(dp);
		dp->b_wptr = dp->b_rptr + sizeof(t_scalar_t);
		((union T_primitives *)dp->b_rptr)->type = prim;
	}
	if (prim == T_CAPABILITY_REQ) {
		tp->tm_capbits = ((const struct T_capability_req *)dp->b_rptr)->CAP_bits1;
		if (tp->tm_cap_emul) {
			dp->b_wptr = dp->b_rptr + sizeof(struct T_info_req);
			((struct T_info_req *)dp->b_rptr)->PRIM_type = T_INFO_REQ;
			prim = T_INFO_REQ;
		}
	}
	if (tp->tm_ioc != NULL) {
		/* Its caller gave up waiting: the stream head has moved on to this one. */
		tp->tm_st->timods_stale++;
		freemsg(timod_take(tp));
	}
	tp->tm_ioc = mp;
	tp->tm_cmd = ioc->ioc_cmd;
	tp->tm_prim = prim;
	tp->tm_st->timods_ioctls++;
	DB_TYPE(dp) = type;
	putnext(wq, dp);
	return;
nak:
	freemsg(dp);
	miocnak(wq, mp, 0, err);
}

static int
timod_wput(queue_t *q, mblk_t *mp)
{
	struct timod_priv *tp = q->q_ptr;

	if (DB_TYPE(mp) == M_IOCTL && MBLKL(mp) >= sizeof(struct iocblk) &&
	    (((const struct iocblk *)mp->b_rptr)->ioc_cmd & ~0xff) == TIMOD) {
		timod_ioctl(q, tp, mp);
		return 0;
	}
	putnext(q, mp);
	return 0;
}

/* Datagrams go down in bursts: runs without a TIMOD ioctl pass through with one call. */
static void
timod_wput_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	unsigned i, start = 0;

	for (i = 0; i < n; i++) {
		if (likely(DB_TYPE(mps[i]) != M_IOCTL))
			continue;
		if (i > start)
			putnext_burst(q, mps + start, i - start);
		(void)timod_wput(q, mps[i]);
		start = i + 1;
	}
	if (i > start)
		putnext_burst(q, mps + start, i - start);
}

/* ---- read side ---------------------------------------------------------------------------- */

static int
timod_rput(queue_t *q, mblk_t *mp)
{
	struct timod_priv *tp = q->q_ptr;

	if (unlikely(tp->tm_ioc != NULL) &&
	    (DB_TYPE(mp) == M_PCPROTO || DB_TYPE(mp) == M_PROTO) &&
	    MBLKL(mp) >= sizeof(t_scalar_t) && timod_answer(q, tp, mp))
		return 0;
	putnext(q, mp);
	return 0;
}

/* Datagrams come up in bursts; nothing held means nothing to look at. */
static void
timod_rput_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	struct timod_priv *tp = q->q_ptr;

	if (likely(tp->tm_ioc == NULL)) {
		putnext_burst(q, mps, n);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		(void)timod_rput(q, mps[i]);
}

/* ---- open and close ----------------------------------------------------------------------- */

static int
timod_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	struct timod_priv *tp;
	struct stroptions *so;
	mblk_t *mp;
	unsigned lcore;

	if (q->q_ptr != NULL)
		return 0;
	if (sflag != MODOPEN)
		return EINVAL;
	mp = allocb(sizeof(*so), BPRI_MED);
	if (mp == NULL)
		return ENOSR;
	tp = rte_zmalloc("yard_timod", sizeof(*tp), 0);
	if (tp == NULL) {
		freemsg(mp);
		return ENOMEM;
	}
	lcore = q->q_sched != NULL ? q->q_sched->sc_lcore : yard_sched_self()->sc_lcore;
	tp->tm_st = &timod_pcpu[lcore];
	tp->tm_prim = -1;
	q->q_ptr = WR(q)->q_ptr = tp;
	qprocson(q);

	/* Keep pending acknowledgements through read-side flushes (illumos timod). */
	DB_TYPE(mp) = M_SETOPTS;
	so = (struct stroptions *)mp->b_wptr;
	memset(so, 0, sizeof(*so));
	so->so_flags = SO_READOPT;
	so->so_readopt = RFLUSHPCPROT;
	mp->b_wptr += sizeof(*so);
	putnext(q, mp);
	return 0;
}

static int
timod_close(queue_t *q, int flag, cred_t *crp)
{
	struct timod_priv *tp = q->q_ptr;

	qprocsoff(q);
	if (tp == NULL)
		return 0;
	if (tp->tm_ioc != NULL)
		freemsg(timod_take(tp));
	q->q_ptr = WR(q)->q_ptr = NULL;
	rte_free(tp);
	return 0;
}

static struct module_info timod_minfo = {
	.mi_idnum = 0x5449,
	.mi_idname = TIMOD_MODNAME,
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = 4096,
	.mi_lowat = 1024,
};

static struct qinit timod_rinit = {
	.qi_putp = timod_rput,
	.qi_qopen = timod_open,
	.qi_qclose = timod_close,
	.qi_minfo = &timod_minfo,
	.qi_putp_burst = timod_rput_burst,
};

static struct qinit timod_winit = {
	.qi_putp = timod_wput,
	.qi_putp_burst = timod_wput_burst,
	.qi_minfo = &timod_minfo,
};

static struct streamtab timod_streamtab = {
	.st_rdinit = &timod_rinit,
	.st_wrinit = &timod_winit,
};

YARD_MODULE(TIMOD_MODNAME, timod_streamtab, D_MP)
