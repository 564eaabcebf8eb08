/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sockmod: the socket cooperating module (sockmod.h tells what it does and why it is there).
 *
 * Principles of operation
 * -----------------------
 * sockmod watches the TPI traffic that passes through it and keeps the socket's state in
 * sm_state (SS_*) and its pending error in sm_error; it never queues, so it has no service
 * procedures and flow control is decided between the stream head and the queues below.
 *
 * Write side: T_CONN_REQ marks the socket connecting; T_ORDREL_REQ (shutdown SHUT_WR) and
 * T_DISCON_REQ (an abort) mark it unable to send more. The SOCK_* ioctls are answered at
 * once with miocack/miocnak; every other message, TI_* ioctls included, goes down to timod.
 *
 * Read side: T_CONN_CON marks it connected. A T_DISCON_IND for the connection itself
 * (SEQ_number -1; a listener's cancelled indications carry their sequence number) sets the
 * pending error from its reason (tcp's reasons are errno values) and, when the connection had
 * been established (it was not still connecting), sends M_ERROR up after the indication with
 * the write error EPIPE and NOERROR for reading: the stream head refuses later writes with
 * EPIPE while what is queued for reading, the indication last, stays readable. T_ORDREL_IND
 * marks it unable to receive more. After SOCK_SHUTRD, data coming up is dropped and counted.
 * Data bursts pass up as bursts when no message in them is special.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include <protocols/tihdr.h>
#include <streams/stream.h>

#include "sockmod.h"

/* Per-lcore counters (sockmod.h). */
static struct sockmodstat sockmod_pcpu[RTE_MAX_LCORE];

static const char *const sockmod_names[] = {
#define SOCKMOD_STAT(name, help) #name,
#include "sockmod.def"
#undef SOCKMOD_STAT
};
static const char *const sockmod_helps[] = {
#define SOCKMOD_STAT(name, help) help,
#include "sockmod.def"
#undef SOCKMOD_STAT
};

struct sockmod_priv {
	uint32_t sm_state;         /* SS_* */
	int sm_error;              /* pending error (SO_ERROR), 0 if none */
	struct sockmodstat *sm_st; /* this lcore's counters */
};

const char *
sockmodstat_name(unsigned i)
{
	return i < SOCKMODS__COUNT ? sockmod_names[i] : NULL;
}

const char *
sockmodstat_help(unsigned i)
{
	return i < SOCKMODS__COUNT ? sockmod_helps[i] : NULL;
}

void
sockmodstat_sum(struct sockmodstat *out, int lcore)
{
	memset(out, 0, sizeof(*out));
	for (int lc = 0; lc < RTE_MAX_LCORE; lc++) {
		const volatile uint64_t *s = (const volatile uint64_t *)&sockmod_pcpu[lc];
		uint64_t *o = (uint64_t *)out;

		if (lcore >= 0 && lc != lcore)
			continue;
		for (unsigned i = 0; i < SOCKMODS__COUNT; i++)
			o[i] += s[i];
	}
}

static inline t_scalar_t
sockmod_prim(const mblk_t *mp)
{
	if ((DB_TYPE(mp) != M_PROTO && DB_TYPE(mp) != M_PCPROTO) ||
	    MBLKL(mp) < sizeof(t_scalar_t))
		return -1;
	return ((const union T_primitives *)mp->b_rptr)->type;
}

/* ---- write side --------------------------------------------------------------------------- */

static void
sockmod_ioctl(queue_t *wq, struct sockmod_priv *sp, mblk_t *mp)
{
	struct iocblk *ioc = (struct iocblk *)mp->b_rptr;

	if (ioc->ioc_count == TRANSPARENT)
		goto bad;
	switch (ioc->ioc_cmd) {
	case SOCK_GETERR: {
		int32_t *err = yard_mioc_out(mp, sizeof(*err));

		if (err == NULL) {
			miocnak(wq, mp, 0, ENOSR);
			return;
		}
		*err = sp->sm_error;
		sp->sm_error = 0;
		sp->sm_st->sockmods_ioctls++;
		miocack(wq, mp, sizeof(*err), 0);
		return;
	}
	case SOCK_GETSTATE: {
		struct sockmod_state *ss = yard_mioc_out(mp, sizeof(*ss));

		if (ss == NULL) {
			miocnak(wq, mp, 0, ENOSR);
			return;
		}
		ss->ss_state = sp->sm_state;
		ss->ss_error = sp->sm_error;
		sp->sm_st->sockmods_ioctls++;
		miocack(wq, mp, sizeof(*ss), 0);
		return;
	}
	case SOCK_SHUTRD:
		sp->sm_state |= SS_RCVSHUT | SS_CANTRCVMORE;
		sp->sm_st->sockmods_ioctls++;
		/* What is queued above goes (BSD soshutdown's sorflush); the answer comes after. */
		(void)putnextctl1(RD(wq), M_FLUSH, FLUSHR);
		freemsg(mp->b_cont);
		mp->b_cont = NULL;
		miocack(wq, mp, 0, 0);
		return;
	default:
		break;
	}
bad:
	sp->sm_st->sockmods_bad_ioctl++;
	miocnak(wq, mp, 0, EINVAL);
}

static int
sockmod_wput(queue_t *q, mblk_t *mp)
{
	struct sockmod_priv *sp = q->q_ptr;

	switch (DB_TYPE(mp)) {
	case M_IOCTL:
		if (MBLKL(mp) >= sizeof(struct iocblk) &&
		    (((const struct iocblk *)mp->b_rptr)->ioc_cmd & ~0xff) == SOCKMOD) {
			sockmod_ioctl(q, sp, mp);
			return 0;
		}
		break;
	case M_PROTO:
	case M_PCPROTO:
		switch (sockmod_prim(mp)) {
		case T_CONN_REQ:
			sp->sm_state |= SS_ISCONNECTING;
			sp->sm_state &= ~(SS_ISCONNECTED | SS_CANTSENDMORE | SS_CANTRCVMORE);
			sp->sm_st->sockmods_conn_req++;
			break;
		case T_ORDREL_REQ:
			sp->sm_state |= SS_CANTSENDMORE;
			sp->sm_st->sockmods_ordrel_req++;
			break;
		case T_DISCON_REQ:
			if (MBLKL(mp) >= sizeof(struct T_discon_req) &&
			    ((const struct T_discon_req *)mp->b_rptr)->SEQ_number != -1)
				break; /* refusing an indication: the listener itself stays */
			sp->sm_state &= ~(SS_ISCONNECTING | SS_ISCONNECTED);
			sp->sm_state |= SS_CANTSENDMORE | SS_CANTRCVMORE;
			sp->sm_st->sockmods_discon_req++;
			break;
		default:
			break;
		}
		break;
	default:
		break;
	}
	putnext(q, mp);
	return 0;
}

/* ---- read side ---------------------------------------------------------------------------- */

/* The connection's own T_DISCON_IND came up (already passed on): record it, refuse writes. */
static void
sockmod_disconnected(queue_t *rq, struct sockmod_priv *sp, t_scalar_t reason)
{
	bool connecting = (sp->sm_state & SS_ISCONNECTING) != 0;
	mblk_t *ep;

	/* tcp's reasons are errno values; anything else gets the generic one. */
	if (reason > 0 && reason < 256)
		sp->sm_error = (int)reason;
	else
		sp->sm_error = connecting ? ECONNREFUSED : ECONNRESET;
	sp->sm_state &= ~(SS_ISCONNECTING | SS_ISCONNECTED);
	sp->sm_state |= SS_CANTSENDMORE | SS_CANTRCVMORE;
	if (connecting) {
		sp->sm_st->sockmods_conn_refused++;
		return; /* nothing was ever sent: the library says ENOTCONN */
	}
	sp->sm_state |= SS_RESET;
	sp->sm_st->sockmods_conn_reset++;
	ep = allocb(2, BPRI_HI);
	if (ep == NULL) {
		sp->sm_st->sockmods_drop_nomem++;
		return;
	}
	DB_TYPE(ep) = M_ERROR;
	*ep->b_wptr++ = NOERROR; /* reading goes on: the data and the indication are queued */
	*ep->b_wptr++ = EPIPE;
	putnext(rq, ep);
}

static int
sockmod_rput(queue_t *q, mblk_t *mp)
{
	struct sockmod_priv *sp = q->q_ptr;
	t_scalar_t reason = 0;
	bool discon = false;

	switch (DB_TYPE(mp)) {
	case M_DATA:
		if (unlikely(sp->sm_state & SS_RCVSHUT))
			goto drop;
		break;
	case M_PROTO:
	case M_PCPROTO:
		switch (sockmod_prim(mp)) {
		case T_DATA_IND:
		case T_EXDATA_IND:
			if (sp->sm_state & SS_RCVSHUT)
				goto drop;
			break;
		case T_CONN_CON:
			sp->sm_state &= ~SS_ISCONNECTING;
			sp->sm_state |= SS_ISCONNECTED;
			sp->sm_st->sockmods_conn_con++;
			break;
		case T_ORDREL_IND:
			sp->sm_state |= SS_CANTRCVMORE;
			sp->sm_st->sockmods_ordrel_ind++;
			break;
		case T_DISCON_IND:
			if (MBLKL(mp) < sizeof(struct T_discon_ind))
				break;
			if (((const struct T_discon_ind *)mp->b_rptr)->SEQ_number != -1) {
				sp->sm_st->sockmods_ind_cancelled++;
				break;
			}
			reason = ((const struct T_discon_ind *)mp->b_rptr)->DISCON_reason;
			discon = true;
			break;
		default:
			break;
		}
		break;
	default:
		break;
	}
	putnext(q, mp);
	if (discon)
		sockmod_disconnected(q, sp, reason);
	return 0;
drop:
	sp->sm_st->sockmods_drop_rcvshut++;
	freemsg(mp);
	return 0;
}

/* Data comes up in bursts: pass a burst on whole unless something in it needs a look. */
static void
sockmod_rput_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	struct sockmod_priv *sp = q->q_ptr;
	unsigned i;

	if (likely(!(sp->sm_state & SS_RCVSHUT))) {
		for (i = 0; i < n && DB_TYPE(mps[i]) == M_DATA; i++)
			;
		if (i == n) {
			putnext_burst(q, mps, n);
			return;
		}
	}
	for (i = 0; i < n; i++)
		(void)sockmod_rput(q, mps[i]);
}

/* ---- open and close ----------------------------------------------------------------------- */

static int
sockmod_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	struct sockmod_priv *sp;
	unsigned lcore;

	if (q->q_ptr != NULL)
		return 0;
	if (sflag != MODOPEN)
		return EINVAL;
	sp = rte_zmalloc("yard_sockmod", sizeof(*sp), 0);
	if (sp == NULL)
		return ENOMEM;
	lcore = q->q_sched != NULL ? q->q_sched->sc_lcore : yard_sched_self()->sc_lcore;
	sp->sm_st = &sockmod_pcpu[lcore];
	q->q_ptr = WR(q)->q_ptr = sp;
	qprocson(q);
	return 0;
}

static int
sockmod_close(queue_t *q, int flag, cred_t *crp)
{
	struct sockmod_priv *sp = q->q_ptr;

	qprocsoff(q);
	q->q_ptr = WR(q)->q_ptr = NULL;
	rte_free(sp);
	return 0;
}

static struct module_info sockmod_minfo = {
	.mi_idnum = 0x534b,
	.mi_idname = SOCKMOD_MODNAME,
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = 4096,
	.mi_lowat = 1024,
};

static struct qinit sockmod_rinit = {
	.qi_putp = sockmod_rput,
	.qi_qopen = sockmod_open,
	.qi_qclose = sockmod_close,
	.qi_minfo = &sockmod_minfo,
	.qi_putp_burst = sockmod_rput_burst,
};

static struct qinit sockmod_winit = {
	.qi_putp = sockmod_wput,
	.qi_minfo = &sockmod_minfo,
};

static struct streamtab sockmod_streamtab = {
	.st_rdinit = &sockmod_rinit,
	.st_wrinit = &sockmod_winit,
};

YARD_MODULE(SOCKMOD_MODNAME, sockmod_streamtab, D_MP)
