/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp's TPI upper interface: endpoint requests (bind, connect, accept, data, orderly release,
 * disconnect, options, information) and the indications tcp sends up, with the TPI state
 * machine (reference 7.2) kept in tp_tstate.
 *
 * Data up is plain M_DATA (the received blocks). Data down (M_DATA or T_DATA_REQ, the
 * M_PROTO block freed) is appended to the send buffer by reference while it has room; beyond
 * it, it waits on the endpoint's write queue in order with any T_ORDREL_REQ behind it, and the
 * write queue's QFULL holds the stream head back. ACKs that free buffer space qenable the
 * write queue, whose service procedure moves what fits.
 */
#include <errno.h>
#include <string.h>

#include <netinet/in.h>

#include "tcp_priv.h"

/* ---- replies ------------------------------------------------------------------------------ */

/* Turn mp into a reply of size bytes and type (reusing it when it is big enough). */
static mblk_t *
tcp_reply(mblk_t *mp, size_t size, unsigned char type, t_scalar_t prim)
{
	if (mp != NULL && (DB_REF(mp) != 1 || MBLKSIZE(mp) < size)) {
		freemsg(mp);
		mp = NULL;
	}
	if (mp == NULL) {
		mp = allocb(size, BPRI_MED);
		if (mp == NULL)
			return NULL;
	} else {
		freemsg(mp->b_cont);
		mp->b_cont = NULL;
	}
	mp->b_rptr = DB_BASE(mp);
	mp->b_wptr = mp->b_rptr + size;
	memset(mp->b_rptr, 0, size);
	DB_TYPE(mp) = type;
	*(t_scalar_t *)mp->b_rptr = prim;
	return mp;
}

static void
tcp_error_ack(queue_t *q, mblk_t *mp, t_scalar_t prim, int tli, int unix_err)
{
	struct T_error_ack *e;
	struct tcpcb *tp = q->q_ptr;

	/* TBADSEQ is most often a race, not a bad request: the peer reset a connection while
	 * its T_CONN_RES or T_DISCON_REQ was on the way (the request crossed its T_DISCON_IND).
	 * A T_CONN_REQ's TADDRBUSY is no bad request either: counted as connect_addrbusy. */
	if (tp != NULL && tp->tp_inst != NULL) {
		if (tli == TBADSEQ)
			TCP_INC(tp->tp_inst, tpi_bad_seq);
		else if (!(prim == T_CONN_REQ && tli == TADDRBUSY))
			TCP_INC(tp->tp_inst, drop_tpi_bad);
	}
	mp = tcp_reply(mp, sizeof(*e), M_PCPROTO, T_ERROR_ACK);
	if (mp == NULL)
		return;
	e = (struct T_error_ack *)mp->b_rptr;
	e->ERROR_prim = prim;
	e->TLI_error = tli;
	e->UNIX_error = unix_err;
	qreply(q, mp);
}

static void
tcp_ok_ack(queue_t *q, mblk_t *mp, t_scalar_t prim)
{
	mp = tcp_reply(mp, sizeof(struct T_ok_ack), M_PCPROTO, T_OK_ACK);
	if (mp == NULL)
		return;
	((struct T_ok_ack *)mp->b_rptr)->CORRECT_prim = prim;
	qreply(q, mp);
}

static void
tcp_sin(struct sockaddr_in *sin, uint32_t addr, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
	sin->sin_port = port;
}

void
tcp_setopts_up(struct tcpcb *tp)
{
	mblk_t *mp = allocb(sizeof(struct stroptions), BPRI_MED);
	struct stroptions *so;

	if (mp == NULL || tp->tp_rq == NULL) {
		freemsg(mp);
		return;
	}
	DB_TYPE(mp) = M_SETOPTS;
	so = (struct stroptions *)mp->b_wptr;
	memset(so, 0, sizeof(*so));
	/*
	 * The window is computed from t_rcvbuf less the stream head's q_count, not from QFULL.
	 * The high-water mark is half the buffer so the stream head's queue is full well before
	 * the window closes: tcp_ind_data's canputnext() then sets QWANTW, and the reader
	 * draining below the low-water mark back-enables us (tcp_ursrv): the window update.
	 */
	so->so_flags = SO_HIWAT | SO_LOWAT;
	so->so_hiwat = tp->t_rcvbuf / 2;
	so->so_lowat = tp->t_rcvbuf / 4;
	mp->b_wptr += sizeof(*so);
	putnext(tp->tp_rq, mp);
}

/* ---- indications ------------------------------------------------------------------------- */

void
tcp_ind_connected(struct tcpcb *tp)
{
	struct tcpcb *lp = tp->tp_head;
	mblk_t *mp;

	if (lp != NULL) {
		struct T_conn_ind *ci;
		struct tcpcb **pp;

		for (pp = &lp->tp_synq; *pp != NULL; pp = &(*pp)->tp_qnext) {
			if (*pp == tp) {
				*pp = tp->tp_qnext;
				break;
			}
		}
		lp->tp_synqlen--;
		mp = allocb(sizeof(*ci) + sizeof(struct sockaddr_in), BPRI_MED);
		if (mp == NULL || lp->tp_rq == NULL) {
			freemsg(mp);
			TCP_INC(tp->tp_inst, drop_nomem);
			tp->tp_head = NULL; /* an orphan now: the reset frees it */
			(void)tcp_drop(tp, ECONNABORTED);
			return;
		}
		tp->tp_qnext = NULL;
		for (pp = &lp->tp_acceptq; *pp != NULL; pp = &(*pp)->tp_qnext)
			;
		*pp = tp;
		lp->tp_nconind++;
		tp->tp_flags |= TF_CONNIND;
		DB_TYPE(mp) = M_PROTO;
		ci = (struct T_conn_ind *)mp->b_wptr;
		ci->PRIM_type = T_CONN_IND;
		ci->SRC_length = sizeof(struct sockaddr_in);
		ci->SRC_offset = sizeof(*ci);
		ci->OPT_length = 0;
		ci->OPT_offset = 0;
		ci->SEQ_number = (t_scalar_t)tp->tp_id;
		tcp_sin((struct sockaddr_in *)(mp->b_wptr + sizeof(*ci)), tp->tp_key.k_faddr,
			tp->tp_key.k_fport);
		mp->b_wptr += sizeof(*ci) + sizeof(struct sockaddr_in);
		lp->tp_tstate = TS_WRES_CIND;
		TCP_INC(tp->tp_inst, conn_inds);
		putnext(lp->tp_rq, mp);
		return;
	}
	if (tp->tp_rq != NULL) {
		struct T_conn_con *cc;

		mp = allocb(sizeof(*cc) + sizeof(struct sockaddr_in), BPRI_MED);
		if (mp == NULL) {
			TCP_INC(tp->tp_inst, drop_nomem);
			return;
		}
		DB_TYPE(mp) = M_PROTO;
		cc = (struct T_conn_con *)mp->b_wptr;
		cc->PRIM_type = T_CONN_CON;
		cc->RES_length = sizeof(struct sockaddr_in);
		cc->RES_offset = sizeof(*cc);
		cc->OPT_length = 0;
		cc->OPT_offset = 0;
		tcp_sin((struct sockaddr_in *)(mp->b_wptr + sizeof(*cc)), tp->tp_key.k_faddr,
			tp->tp_key.k_fport);
		mp->b_wptr += sizeof(*cc) + sizeof(struct sockaddr_in);
		tp->tp_tstate = TS_DATA_XFER;
		putnext(tp->tp_rq, mp);
	}
}

void
tcp_ind_data(struct tcpcb *tp, mblk_t *mp)
{
	if (tp->tp_rq != NULL) {
		putnext(tp->tp_rq, mp);
		/* a lagging reader: be back-enabled when it catches up (see tcp_setopts_up) */
		(void)canputnext(tp->tp_rq);
	} else if (tp->tp_head != NULL) {
		uint32_t len = (uint32_t)msgdsize(mp);
		mblk_t **pp = &tp->t_rcvhold;

		while (*pp != NULL)
			pp = &(*pp)->b_next;
		*pp = mp;
		tp->t_rcvhold_bytes += len;
	} else {
		freemsg(mp);
	}
}

static void
tcp_ordrel_up(struct tcpcb *tp)
{
	mblk_t *mp = allocb(sizeof(struct T_ordrel_ind), BPRI_MED);

	if (mp == NULL) {
		TCP_INC(tp->tp_inst, drop_nomem);
		return;
	}
	DB_TYPE(mp) = M_PROTO;
	((struct T_ordrel_ind *)mp->b_wptr)->PRIM_type = T_ORDREL_IND;
	mp->b_wptr += sizeof(struct T_ordrel_ind);
	if (tp->tp_tstate == TS_DATA_XFER)
		tp->tp_tstate = TS_WREQ_ORDREL;
	else if (tp->tp_tstate == TS_WIND_ORDREL)
		tp->tp_tstate = TS_IDLE;
	putnext(tp->tp_rq, mp);
}

void
tcp_ind_ordrel(struct tcpcb *tp)
{
	if (tp->tp_rq != NULL)
		tcp_ordrel_up(tp);
	else if (tp->tp_head != NULL)
		tp->tp_flags |= TF_ORDREL_PENDING;
}

void
tcp_ind_discon(struct tcpcb *tp, int err)
{
	struct T_discon_ind *di;
	queue_t *rq;
	mblk_t *mp;

	if (tp->tp_head != NULL && (tp->tp_flags & TF_CONNIND)) {
		struct tcpcb *lp = tp->tp_head;

		rq = lp->tp_rq;
		if (lp->tp_nconind == 0 && lp->tp_tstate == TS_WRES_CIND)
			lp->tp_tstate = TS_IDLE;
	} else {
		rq = tp->tp_rq;
		tp->tp_tstate = tp->tp_bound || tp->tp_tstate != TS_UNBND ? TS_IDLE : TS_UNBND;
	}
	if (rq == NULL)
		return;
	mp = allocb(sizeof(*di), BPRI_MED);
	if (mp == NULL) {
		TCP_INC(tp->tp_inst, drop_nomem);
		return;
	}
	DB_TYPE(mp) = M_PROTO;
	di = (struct T_discon_ind *)mp->b_wptr;
	di->PRIM_type = T_DISCON_IND;
	di->DISCON_reason = err;
	di->SEQ_number = (tp->tp_flags & TF_CONNIND) ? (t_scalar_t)tp->tp_id : -1;
	mp->b_wptr += sizeof(*di);
	putnext(rq, mp);
}

void
tcp_sndbuf_space(struct tcpcb *tp)
{
	if (tp->tp_rq != NULL && WR(tp->tp_rq)->q_first != NULL)
		qenable(WR(tp->tp_rq));
}

/* ---- requests ------------------------------------------------------------------------------ */

static int
tcp_get_sin(mblk_t *mp, t_scalar_t len, t_scalar_t off, struct sockaddr_in *sin)
{
	if (len == 0)
		return 0;
	if (len < (t_scalar_t)sizeof(*sin) || off < 0 ||
	    (size_t)off + (size_t)len > MBLKL(mp))
		return -1;
	memcpy(sin, mp->b_rptr + off, sizeof(*sin));
	if (sin->sin_family != AF_INET)
		return -1;
	return 1;
}

static void
tcp_bind_ack(queue_t *q, mblk_t *mp, struct tcpcb *tp)
{
	struct T_bind_ack *ba;

	mp = tcp_reply(mp, sizeof(*ba) + sizeof(struct sockaddr_in), M_PCPROTO, T_BIND_ACK);
	if (mp == NULL)
		return;
	ba = (struct T_bind_ack *)mp->b_rptr;
	ba->ADDR_length = sizeof(struct sockaddr_in);
	ba->ADDR_offset = sizeof(*ba);
	ba->CONIND_number = tp->tp_conind_max;
	tcp_sin((struct sockaddr_in *)(mp->b_rptr + sizeof(*ba)), tp->tp_key.k_laddr,
		tp->tp_key.k_lport);
	qreply(q, mp);
}

static void
tcp_t_bind(queue_t *q, mblk_t *mp, struct tcpcb *tp)
{
	struct T_bind_req *br = (struct T_bind_req *)mp->b_rptr;
	struct sockaddr_in sin;
	t_scalar_t prim = br->PRIM_type;
	int r;

	if (MBLKL(mp) < sizeof(*br))
		return tcp_error_ack(q, mp, prim, TSYSERR, EINVAL);
	if (tp->tp_tstate != TS_UNBND)
		return tcp_error_ack(q, mp, prim, TOUTSTATE, 0);
	tcp_sin(&sin, 0, 0);
	r = tcp_get_sin(mp, br->ADDR_length, br->ADDR_offset, &sin);
	if (r < 0)
		return tcp_error_ack(q, mp, prim, TBADADDR, 0);
	if (sin.sin_addr.s_addr != 0 && !tcp_is_local(tp->tp_inst, sin.sin_addr.s_addr))
		return tcp_error_ack(q, mp, prim, TNOADDR, 0);
	tp->tp_key.k_laddr = sin.sin_addr.s_addr;
	r = tcp_bind_port(tp, sin.sin_port);
	if (r == -EADDRINUSE && prim == O_T_BIND_REQ)
		r = tcp_bind_port(tp, 0);
	if (r == -EADDRINUSE)
		return tcp_error_ack(q, mp, prim, TADDRBUSY, 0);
	if (r != 0)
		return tcp_error_ack(q, mp, prim, TNOADDR, 0);
	if (br->CONIND_number > 0) {
		tp->tp_flags |= TF_LISTENER;
		tp->tp_conind_max = br->CONIND_number;
		tcp_set_state(tp, TCPS_LISTEN);
	}
	tp->tp_tstate = TS_IDLE;
	tcp_bind_ack(q, mp, tp);
}

/* Abort what a listener holds (RST to each peer). */
static void
tcp_listener_flush(struct tcpcb *lp)
{
	while (lp->tp_synq != NULL) {
		struct tcpcb *tp = lp->tp_synq;

		lp->tp_synq = tp->tp_qnext;
		lp->tp_synqlen--;
		tp->tp_head = NULL;
		(void)tcp_drop(tp, ECONNABORTED);
	}
	while (lp->tp_acceptq != NULL) {
		struct tcpcb *tp = lp->tp_acceptq;

		lp->tp_acceptq = tp->tp_qnext;
		lp->tp_nconind--;
		tp->tp_head = NULL;
		tp->tp_flags &= ~TF_CONNIND;
		(void)tcp_drop(tp, ECONNABORTED);
	}
}

static void
tcp_t_unbind(queue_t *q, mblk_t *mp, struct tcpcb *tp)
{
	if (tp->tp_tstate != TS_IDLE)
		return tcp_error_ack(q, mp, T_UNBIND_REQ, TOUTSTATE, 0);
	tcp_listener_flush(tp);
	tcp_unbind(tp);
	tp->tp_flags &= ~TF_LISTENER;
	tp->tp_conind_max = 0;
	tcp_set_state(tp, TCPS_CLOSED);
	tp->tp_key = (struct tcp_key){ 0 };
	tp->tp_tstate = TS_UNBND;
	tcp_ok_ack(q, mp, T_UNBIND_REQ);
}

static void
tcp_t_conn(queue_t *q, mblk_t *mp, struct tcpcb *tp)
{
	struct T_conn_req *cr = (struct T_conn_req *)mp->b_rptr;
	struct tcp_inst *ti = tp->tp_inst;
	uint32_t iss_floor = 0;
	struct sockaddr_in sin;
	int recycled;

	if (MBLKL(mp) < sizeof(*cr))
		return tcp_error_ack(q, mp, T_CONN_REQ, TSYSERR, EINVAL);
	if (tp->tp_tstate != TS_IDLE || (tp->tp_flags & TF_LISTENER))
		return tcp_error_ack(q, mp, T_CONN_REQ, TOUTSTATE, 0);
	if (tcp_get_sin(mp, cr->DEST_length, cr->DEST_offset, &sin) != 1 ||
	    sin.sin_addr.s_addr == 0 || sin.sin_port == 0)
		return tcp_error_ack(q, mp, T_CONN_REQ, TBADADDR, 0);
	tp->tp_key.k_faddr = sin.sin_addr.s_addr;
	tp->tp_key.k_fport = sin.sin_port;
	if (tp->tp_key.k_laddr == 0)
		tp->tp_key.k_laddr = tcp_src_addr(ti, sin.sin_addr.s_addr);
	if (tp->tp_key.k_laddr == 0) {
		tp->tp_key.k_faddr = 0;
		tp->tp_key.k_fport = 0;
		return tcp_error_ack(q, mp, T_CONN_REQ, TSYSERR, ENETUNREACH);
	}
	/* a 4-tuple that may be opened, and replies that come to this lcore (tcp_connport.c) */
	recycled = tcp_connect_port(tp, &iss_floor);
	if (recycled < 0 || tcp_hash_insert(tp) != 0) {
		tp->tp_key.k_faddr = 0;
		tp->tp_key.k_fport = 0;
		return tcp_error_ack(q, mp, T_CONN_REQ, TADDRBUSY, 0);
	}
	tp->req_rcv_scale = tcp_wscale_for(tp->t_rcvbuf);
	tp->iss = tcp_new_isn(ti, &tp->tp_key);
	if (recycled == 1 && SEQ_LT(tp->iss, iss_floor))
		tp->iss = iss_floor; /* beyond what the recycled TIME-WAIT's incarnation used */
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->iss;
	tp->snd_recover = tp->iss; /* RFC 6582 3.2 step 1 */
	tp->rcv_scale = tp->snd_scale = 0;
	tp->tp_flags &= ~(TF_RCVD_TS | TF_RCVD_WS | TF_SENTFIN | TF_WANTFIN);
	tp->t_rto = ti->ti_param.tp_rto_init_ms;
	tp->t_srtt = tp->t_rttvar = 0;
	tp->t_rxtshift = 0;
	tp->t_maxseg = (uint16_t)ti->ti_param.tp_mss;
	tp->t_cc->cc_init(tp);
	tp->snd_wnd = tp->t_maxseg; /* until the SYN,ACK tells */
	tp->t_error = 0;
	tcp_set_state(tp, TCPS_SYN_SENT);
	tp->tp_tstate = TS_WCON_CREQ;
	TCP_INC(ti, active_opens);
	tcp_timer_arm(tp, TT_KEEP, 75000);
	tcp_ok_ack(q, mp, T_CONN_REQ);
	(void)tcp_output(tp);
}

static struct tcpcb *
tcp_find_endpoint(struct tcp_inst *ti, uint32_t id)
{
	for (struct tcpcb *tp = ti->ti_cbs; tp != NULL; tp = tp->tp_next)
		if (tp->tp_id == id && tp->tp_rq != NULL)
			return tp;
	return NULL;
}

static void
tcp_t_conn_res(queue_t *q, mblk_t *mp, struct tcpcb *lp)
{
	struct T_conn_res *cr = (struct T_conn_res *)mp->b_rptr;
	struct tcpcb *tp, *acb, **pp;
	queue_t *arq;

	if (MBLKL(mp) < sizeof(*cr))
		return tcp_error_ack(q, mp, T_CONN_RES, TSYSERR, EINVAL);
	/* A listener whose last indication was withdrawn is back in TS_IDLE: a T_CONN_RES for it
	 * then names an indication that is gone (TBADSEQ, as when others are still pending). */
	if (lp->tp_tstate != TS_WRES_CIND &&
	    !((lp->tp_flags & TF_LISTENER) && lp->tp_tstate == TS_IDLE))
		return tcp_error_ack(q, mp, T_CONN_RES, TOUTSTATE, 0);
	for (pp = &lp->tp_acceptq; *pp != NULL; pp = &(*pp)->tp_qnext)
		if ((*pp)->tp_id == (uint32_t)cr->SEQ_number)
			break;
	if (*pp == NULL)
		return tcp_error_ack(q, mp, T_CONN_RES, TBADSEQ, 0);
	tp = *pp;
	acb = tcp_find_endpoint(lp->tp_inst, cr->ACCEPTOR_id);
	if (acb == lp) {
		/*
		 * Accepting on the listener itself (XTI t_accept with fd == resfd): only with no
		 * other indication outstanding. The listener stops listening: its embryonic
		 * connections are reset, its port freed, and the connection takes its stream.
		 */
		if (lp->tp_nconind != 1)
			return tcp_error_ack(q, mp, T_CONN_RES, TINDOUT, 0);
		while (lp->tp_synq != NULL) {
			struct tcpcb *ep = lp->tp_synq;

			lp->tp_synq = ep->tp_qnext;
			lp->tp_synqlen--;
			ep->tp_head = NULL;
			(void)tcp_drop(ep, ECONNABORTED);
		}
	} else if (acb == NULL || (acb->tp_flags & TF_LISTENER)) {
		return tcp_error_ack(q, mp, T_CONN_RES, TBADF, 0);
	} else if (acb->tp_tstate != TS_IDLE && acb->tp_tstate != TS_UNBND) {
		return tcp_error_ack(q, mp, T_CONN_RES, TOUTSTATE, 0);
	}
	/* the connection moves onto the acceptor's stream; the acceptor's block goes */
	*pp = tp->tp_qnext;
	tp->tp_qnext = NULL;
	lp->tp_nconind--;
	tp->tp_head = NULL;
	tp->tp_flags &= ~TF_CONNIND;
	arq = acb->tp_rq;
	acb->tp_rq = NULL;
	tp->tp_rq = arq;
	arq->q_ptr = tp;
	WR(arq)->q_ptr = tp;
	tp->tp_id = acb->tp_id;
	tp->t_rcvbuf = acb->t_rcvbuf;
	tp->t_sndbuf = acb->t_sndbuf;
	/* The listener's TOS and TTL stay unless the accepting endpoint set its own. */
	if (acb->t_tos != 0)
		tp->t_tos = acb->t_tos;
	if (acb->t_ttl != 0)
		tp->t_ttl = acb->t_ttl;
	tp->tp_flags |= acb->tp_flags & TF_NODELAY;
	tcp_cb_free(acb); /* the listener itself when accepting on it: lp is gone */
	tp->tp_tstate = TS_DATA_XFER;
	if (acb != lp)
		lp->tp_tstate = lp->tp_nconind > 0 ? TS_WRES_CIND : TS_IDLE;
	TCP_INC(tp->tp_inst, accepts);
	tcp_ok_ack(q, mp, T_CONN_RES);
	tcp_setopts_up(tp);
	while (tp->t_rcvhold != NULL) {
		mblk_t *dp = tp->t_rcvhold;

		tp->t_rcvhold = dp->b_next;
		dp->b_next = NULL;
		tp->t_rcvhold_bytes -= (uint32_t)msgdsize(dp);
		putnext(arq, dp);
	}
	if (tp->tp_flags & TF_ORDREL_PENDING) {
		tp->tp_flags &= ~TF_ORDREL_PENDING;
		tcp_ordrel_up(tp);
	}
	(void)tcp_output(tp);
}

static void
tcp_t_discon(queue_t *q, mblk_t *mp, struct tcpcb *tp)
{
	struct T_discon_req *dr = (struct T_discon_req *)mp->b_rptr;

	if (MBLKL(mp) < sizeof(*dr))
		return tcp_error_ack(q, mp, T_DISCON_REQ, TSYSERR, EINVAL);
	if (tp->tp_tstate == TS_WRES_CIND) {
		struct tcpcb **pp, *cp;

		for (pp = &tp->tp_acceptq; *pp != NULL; pp = &(*pp)->tp_qnext)
			if ((*pp)->tp_id == (uint32_t)dr->SEQ_number)
				break;
		if (*pp == NULL)
			return tcp_error_ack(q, mp, T_DISCON_REQ, TBADSEQ, 0);
		cp = *pp;
		*pp = cp->tp_qnext;
		tp->tp_nconind--;
		cp->tp_head = NULL;
		cp->tp_flags &= ~TF_CONNIND;
		TCP_INC(tp->tp_inst, aborts);
		(void)tcp_drop(cp, ECONNABORTED);
		tp->tp_tstate = tp->tp_nconind > 0 ? TS_WRES_CIND : TS_IDLE;
		return tcp_ok_ack(q, mp, T_DISCON_REQ);
	}
	if (tp->tp_tstate != TS_WCON_CREQ && tp->tp_tstate != TS_DATA_XFER &&
	    tp->tp_tstate != TS_WIND_ORDREL && tp->tp_tstate != TS_WREQ_ORDREL)
		return tcp_error_ack(q, mp, T_DISCON_REQ, TOUTSTATE, 0);
	TCP_INC(tp->tp_inst, aborts);
	flushq(WR(q), FLUSHDATA);
	if (TCPS_HAVERCVDSYN(tp->tp_state) && tp->tp_state != TCPS_TIME_WAIT)
		tcp_respond(tp->tp_inst, &tp->tp_key, tp->snd_nxt, tp->rcv_nxt, TH_RST | TH_ACK);
	tp->t_error = 0;
	(void)tcp_close_conn(tp);
	tp->tp_key.k_faddr = 0;
	tp->tp_key.k_fport = 0;
	if (!tp->tp_bound)
		tp->tp_key.k_laddr = 0;
	tp->tp_tstate = TS_IDLE;
	tcp_ok_ack(q, mp, T_DISCON_REQ);
}

/* The user is done sending (T_ORDREL_REQ, or a close): FIN after the data. */
void
tcp_usrclosed(struct tcpcb *tp)
{
	tp->tp_flags |= TF_WANTFIN;
	switch (tp->tp_state) {
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
		tcp_set_state(tp, TCPS_FIN_WAIT_1);
		break;
	case TCPS_CLOSE_WAIT:
		tcp_set_state(tp, TCPS_LAST_ACK);
		break;
	default:
		break;
	}
	(void)tcp_output(tp);
}

static void
tcp_t_ordrel(queue_t *q, mblk_t *mp, struct tcpcb *tp)
{
	if (tp->tp_tstate == TS_DATA_XFER) {
		tp->tp_tstate = TS_WIND_ORDREL;
	} else if (tp->tp_tstate == TS_WREQ_ORDREL) {
		tp->tp_tstate = TS_IDLE;
	} else {
		TCP_INC(tp->tp_inst, drop_tpi_bad);
		freemsg(mp);
		return;
	}
	freemsg(mp);
	(void)q;
	tcp_usrclosed(tp);
}

static void
tcp_info_fill(struct tcpcb *tp, struct T_info_ack *ia)
{
	ia->PRIM_type = T_INFO_ACK;
	ia->TSDU_size = 0;
	ia->ETSDU_size = T_INVALID;
	ia->CDATA_size = T_INVALID;
	ia->DDATA_size = T_INVALID;
	ia->ADDR_size = sizeof(struct sockaddr_in);
	ia->OPT_size = T_INFINITE;
	ia->TIDU_size = 65536;
	ia->SERV_type = T_COTS_ORD;
	ia->CURRENT_state = tp->tp_tstate;
	ia->PROVIDER_flag = XPG4_1;
}

static void
tcp_t_info(queue_t *q, mblk_t *mp, struct tcpcb *tp)
{
	mp = tcp_reply(mp, sizeof(struct T_info_ack), M_PCPROTO, T_INFO_ACK);
	if (mp == NULL)
		return;
	tcp_info_fill(tp, (struct T_info_ack *)mp->b_rptr);
	qreply(q, mp);
}

static void
tcp_t_capability(queue_t *q, mblk_t *mp, struct tcpcb *tp)
{
	struct T_capability_req *cr = (struct T_capability_req *)mp->b_rptr;
	t_uscalar_t bits = MBLKL(mp) >= sizeof(*cr) ? cr->CAP_bits1 : 0;
	struct T_capability_ack *ca;

	mp = tcp_reply(mp, sizeof(*ca), M_PCPROTO, T_CAPABILITY_ACK);
	if (mp == NULL)
		return;
	ca = (struct T_capability_ack *)mp->b_rptr;
	ca->CAP_bits1 = bits & (TC1_INFO | TC1_ACCEPTOR_ID);
	if (bits & TC1_INFO)
		tcp_info_fill(tp, &ca->INFO_ack);
	if (bits & TC1_ACCEPTOR_ID)
		ca->ACCEPTOR_id = tp->tp_id;
	qreply(q, mp);
}

static void
tcp_t_addr(queue_t *q, mblk_t *mp, struct tcpcb *tp)
{
	struct T_addr_ack *aa;
	bool conn = tp->tp_key.k_fport != 0;
	size_t sz = sizeof(*aa) + (conn ? 2 : 1) * sizeof(struct sockaddr_in);

	mp = tcp_reply(mp, sz, M_PCPROTO, T_ADDR_ACK);
	if (mp == NULL)
		return;
	aa = (struct T_addr_ack *)mp->b_rptr;
	aa->LOCADDR_length = sizeof(struct sockaddr_in);
	aa->LOCADDR_offset = sizeof(*aa);
	tcp_sin((struct sockaddr_in *)(mp->b_rptr + sizeof(*aa)), tp->tp_key.k_laddr,
		tp->tp_key.k_lport);
	if (conn) {
		aa->REMADDR_length = sizeof(struct sockaddr_in);
		aa->REMADDR_offset = sizeof(*aa) + sizeof(struct sockaddr_in);
		tcp_sin((struct sockaddr_in *)(mp->b_rptr + aa->REMADDR_offset),
			tp->tp_key.k_faddr, tp->tp_key.k_fport);
	}
	qreply(q, mp);
}

/* One option: apply (T_NEGOTIATE) and report the value in force. Returns the status. */
static t_uscalar_t
tcp_opt_one(struct tcpcb *tp, struct T_opthdr *oh, t_scalar_t mgmt)
{
	size_t vlen = oh->len - sizeof(*oh);
	uint8_t *v = (uint8_t *)(oh + 1);
	t_uscalar_t u;
	bool neg = mgmt == T_NEGOTIATE, def = mgmt == T_DEFAULT;

	if (oh->level == XTI_GENERIC && (oh->name == XTI_SNDBUF || oh->name == XTI_RCVBUF)) {
		uint32_t *fld = oh->name == XTI_SNDBUF ? &tp->t_sndbuf : &tp->t_rcvbuf;

		if (vlen < sizeof(u))
			return T_FAILURE;
		if (neg) {
			memcpy(&u, v, sizeof(u));
			if (u < TCP_BUF_MIN || u > TCP_BUF_MAX)
				return T_FAILURE;
			*fld = u;
			if (oh->name == XTI_RCVBUF)
				tcp_setopts_up(tp);
		}
		u = def ? (oh->name == XTI_SNDBUF ? TCP_SNDBUF_DEFAULT : TCP_RCVBUF_DEFAULT) : *fld;
		memcpy(v, &u, sizeof(u));
		return T_SUCCESS;
	}
	if (oh->level == T_INET_IP && (oh->name == T_IP_TOS || oh->name == T_IP_TTL)) {
		uint8_t *fld = oh->name == T_IP_TOS ? &tp->t_tos : &tp->t_ttl;

		/* An unsigned char, as one byte or a t_uscalar_t (udp takes both too); none
		 * with T_NEGOTIATE: the default. */
		if (vlen == 0 && neg) {
			*fld = 0;
			return T_SUCCESS;
		}
		if (vlen == 0 || (vlen != 1 && vlen < sizeof(u)))
			return T_FAILURE;
		if (neg) {
			if (vlen == 1)
				u = v[0];
			else
				memcpy(&u, v, sizeof(u));
			if (u > UINT8_MAX || (oh->name == T_IP_TTL && u == 0))
				return T_FAILURE;
			/* No ECN here (RFC 3168 is not done): the two bits stay 0, as Linux
			 * clears them for TCP. */
			*fld = (uint8_t)(oh->name == T_IP_TOS ? u & ~3u : u);
		}
		u = def ? (oh->name == T_IP_TOS ? 0 : TCP_TTL_DEFAULT) :
		    (oh->name == T_IP_TOS ? tp->t_tos :
		     tp->t_ttl != 0 ? tp->t_ttl : TCP_TTL_DEFAULT);
		if (vlen == 1)
			v[0] = (uint8_t)u;
		else
			memcpy(v, &u, sizeof(u));
		return T_SUCCESS;
	}
	if (oh->level == T_INET_TCP && oh->name == T_TCP_NODELAY) {
		if (vlen < sizeof(u))
			return T_FAILURE;
		if (neg) {
			memcpy(&u, v, sizeof(u));
			if (u == T_YES)
				tp->tp_flags |= TF_NODELAY;
			else
				tp->tp_flags &= ~TF_NODELAY;
			(void)tcp_output(tp);
		}
		u = (!def && (tp->tp_flags & TF_NODELAY)) ? T_YES : T_NO;
		memcpy(v, &u, sizeof(u));
		return T_SUCCESS;
	}
	if (oh->level == T_INET_TCP && oh->name == T_TCP_SACK) {
		if (vlen < sizeof(u))
			return T_FAILURE;
		if (neg) {
			memcpy(&u, v, sizeof(u));
			if (u != T_YES && u != T_NO)
				return T_FAILURE;
			if (u == T_YES)
				tp->tp_flags |= TF_REQ_SACK;
			else
				tp->tp_flags &= ~TF_REQ_SACK;
		}
		u = (def || (tp->tp_flags & TF_REQ_SACK)) ? T_YES : T_NO;
		memcpy(v, &u, sizeof(u));
		return T_SUCCESS;
	}
	if (oh->level == T_INET_TCP && oh->name == T_TCP_MAXSEG) {
		if (vlen < sizeof(u))
			return T_FAILURE;
		u = tp->t_maxseg;
		memcpy(v, &u, sizeof(u));
		return neg ? T_READONLY : T_SUCCESS;
	}
	if (oh->level == T_INET_TCP && oh->name == T_TCP_KEEPALIVE) {
		struct t_kpalive kp;

		if (vlen < sizeof(kp))
			return T_FAILURE;
		if (neg) {
			memcpy(&kp, v, sizeof(kp));
			if (kp.kp_onoff == T_YES) {
				tp->tp_flags |= TF_KEEPALIVE;
				if (TCPS_HAVEESTABLISHED(tp->tp_state) &&
				    tp->tp_state <= TCPS_CLOSE_WAIT)
					tcp_timer_arm(tp, TT_KEEP,
						      tp->tp_inst->ti_param.tp_keepidle_ms);
			} else {
				tp->tp_flags &= ~TF_KEEPALIVE;
			}
		}
		kp.kp_onoff = (!def && (tp->tp_flags & TF_KEEPALIVE)) ? T_YES : T_NO;
		kp.kp_timeout = (t_scalar_t)(tp->tp_inst->ti_param.tp_keepidle_ms / 60000);
		memcpy(v, &kp, sizeof(kp));
		return T_SUCCESS;
	}
	if (oh->level == T_INET_TCP && oh->name == T_TCP_CONGESTION) {
		char name[TCP_CA_NAME_MAX] = { 0 };
		const struct tcp_cc_ops *cc;

		if (vlen < 1)
			return T_FAILURE;
		if (neg) {
			memcpy(name, v, RTE_MIN(vlen, sizeof(name) - 1));
			cc = tcp_cc_find(name);
			if (cc == NULL)
				return T_FAILURE;
			if (cc != tp->t_cc) {
				tp->t_cc = cc;
				if (TCPS_HAVEESTABLISHED(tp->tp_state))
					cc->cc_init(tp);
			}
		}
		/* the default is the instance's ([tcp] congestion, TCP_SETPARAM tp_cc) */
		cc = def ? tp->tp_inst->ti_cc : tp->t_cc;
		memset(v, 0, vlen);
		memcpy(v, cc->name, RTE_MIN(vlen - 1, strlen(cc->name)));
		return T_SUCCESS;
	}
	return T_NOTSUPPORT;
}

static void
tcp_t_optmgmt(queue_t *q, mblk_t *mp, struct tcpcb *tp)
{
	struct T_optmgmt_req *or = (struct T_optmgmt_req *)mp->b_rptr;
	struct T_optmgmt_ack *oa;
	t_scalar_t mgmt, olen, ooff;
	t_uscalar_t worst = T_SUCCESS;
	mblk_t *rp;
	size_t off;

	if (MBLKL(mp) < sizeof(*or))
		return tcp_error_ack(q, mp, T_OPTMGMT_REQ, TSYSERR, EINVAL);
	mgmt = or->MGMT_flags;
	olen = or->OPT_length;
	ooff = or->OPT_offset;
	if (mgmt != T_NEGOTIATE && mgmt != T_CHECK && mgmt != T_DEFAULT && mgmt != T_CURRENT)
		return tcp_error_ack(q, mp, T_OPTMGMT_REQ, TBADFLAG, 0);
	if (olen < 0 || ooff < 0 || (size_t)ooff + (size_t)olen > MBLKL(mp))
		return tcp_error_ack(q, mp, T_OPTMGMT_REQ, TBADOPT, 0);
	rp = allocb(sizeof(*oa) + (size_t)olen, BPRI_MED);
	if (rp == NULL)
		return tcp_error_ack(q, mp, T_OPTMGMT_REQ, TSYSERR, ENOMEM);
	DB_TYPE(rp) = M_PCPROTO;
	oa = (struct T_optmgmt_ack *)rp->b_wptr;
	memcpy(rp->b_wptr + sizeof(*oa), mp->b_rptr + ooff, (size_t)olen);
	for (off = 0; off + sizeof(struct T_opthdr) <= (size_t)olen;) {
		struct T_opthdr *oh = (struct T_opthdr *)(rp->b_wptr + sizeof(*oa) + off);
		t_uscalar_t st;

		if (oh->len < sizeof(*oh) || off + oh->len > (size_t)olen) {
			freemsg(rp);
			return tcp_error_ack(q, mp, T_OPTMGMT_REQ, TBADOPT, 0);
		}
		st = mgmt == T_CHECK ? T_SUCCESS : tcp_opt_one(tp, oh, mgmt);
		oh->status = st;
		if (st == T_NOTSUPPORT || (st == T_FAILURE && worst != T_NOTSUPPORT))
			worst = st;
		else if (st == T_READONLY && worst == T_SUCCESS)
			worst = st;
		off += _TPI_ALIGN_TOPT(oh->len);
	}
	oa->PRIM_type = T_OPTMGMT_ACK;
	oa->OPT_length = olen;
	oa->OPT_offset = sizeof(*oa);
	oa->MGMT_flags = (t_scalar_t)worst;
	rp->b_wptr += sizeof(*oa) + (size_t)olen;
	freemsg(mp);
	qreply(q, rp);
}

/* Append a data message to the send buffer, by reference. */
static void
tcp_sb_append(struct tcpcb *tp, mblk_t *mp)
{
	uint32_t len = (uint32_t)msgdsize(mp);
	mblk_t *last = mp;

	if (len == 0) {
		freemsg(mp);
		return;
	}
	while (last->b_cont != NULL)
		last = last->b_cont;
	if (tp->sb_tail != NULL)
		tp->sb_tail->b_cont = mp;
	else
		tp->sb_head = mp;
	tp->sb_tail = last;
	tp->sb_cc += len;
}

/* Strip T_DATA_REQ; NULL if mp is not data. */
static mblk_t *
tcp_data_of(mblk_t *mp)
{
	if (DB_TYPE(mp) == M_DATA)
		return mp;
	if (DB_TYPE(mp) == M_PROTO && MBLKL(mp) >= sizeof(t_scalar_t) &&
	    *(t_scalar_t *)mp->b_rptr == T_DATA_REQ) {
		mblk_t *dp = mp->b_cont;

		freeb(mp);
		return dp;
	}
	return NULL;
}

static bool
tcp_is_ordrel(mblk_t *mp)
{
	return DB_TYPE(mp) == M_PROTO && MBLKL(mp) >= sizeof(t_scalar_t) &&
	       *(t_scalar_t *)mp->b_rptr == T_ORDREL_REQ;
}

/*
 * The endpoint's stream is closing with writes still queued behind a full send buffer. They
 * are committed (SVR4's close would have waited for them), so they join the send buffer, past
 * t_sndbuf if need be, and go out ahead of the FIN the close sends; a queued T_ORDREL_REQ is
 * that FIN already.
 */
void
tcp_tpi_close_drain(queue_t *wq, struct tcpcb *tp)
{
	mblk_t *mp;

	while ((mp = getq(wq)) != NULL) {
		if (DB_TYPE(mp) == M_DATA ||
		    (DB_TYPE(mp) == M_PROTO && MBLKL(mp) >= sizeof(t_scalar_t) &&
		     *(t_scalar_t *)mp->b_rptr == T_DATA_REQ)) {
			mp = tcp_data_of(mp);
			if (mp != NULL)
				tcp_sb_append(tp, mp);
		} else {
			freemsg(mp);
		}
	}
}

void
tcp_tpi_wsrv(queue_t *q)
{
	struct tcpcb *tp = q->q_ptr;
	mblk_t *mp;
	bool any = false;

	if (tp == NULL || tp->tp_inst == NULL) {
		flushq(q, FLUSHALL);
		return;
	}
	while ((mp = getq(q)) != NULL) {
		if (tcp_is_ordrel(mp)) {
			tcp_t_ordrel(q, mp, tp);
			continue;
		}
		if (tp->sb_cc >= tp->t_sndbuf) {
			(void)putbq(q, mp);
			break;
		}
		mp = tcp_data_of(mp);
		if (mp != NULL) {
			tcp_sb_append(tp, mp);
			any = true;
		}
	}
	if (any)
		(void)tcp_output(tp);
}

void
tcp_tpi_wput(queue_t *q, mblk_t *mp)
{
	struct tcpcb *tp = q->q_ptr;
	t_scalar_t prim;

	if (DB_TYPE(mp) == M_DATA ||
	    (DB_TYPE(mp) == M_PROTO && MBLKL(mp) >= sizeof(t_scalar_t) &&
	     (*(t_scalar_t *)mp->b_rptr == T_DATA_REQ ||
	      *(t_scalar_t *)mp->b_rptr == T_ORDREL_REQ))) {
		bool ordrel = tcp_is_ordrel(mp);

		if (tp->tp_tstate != TS_DATA_XFER && tp->tp_tstate != TS_WREQ_ORDREL) {
			TCP_INC(tp->tp_inst, drop_data_state);
			freemsg(mp);
			return;
		}
		if (q->q_first != NULL || (!ordrel && tp->sb_cc >= tp->t_sndbuf)) {
			(void)putq(q, mp);
			return;
		}
		if (ordrel) {
			tcp_t_ordrel(q, mp, tp);
			return;
		}
		mp = tcp_data_of(mp);
		if (mp != NULL) {
			tcp_sb_append(tp, mp);
			(void)tcp_output(tp);
		}
		return;
	}
	if (MBLKL(mp) < sizeof(t_scalar_t)) {
		tcp_error_ack(q, mp, -1, TBADDATA, 0);
		return;
	}
	prim = *(t_scalar_t *)mp->b_rptr;
	switch (prim) {
	case T_BIND_REQ:
	case O_T_BIND_REQ:
		tcp_t_bind(q, mp, tp);
		break;
	case T_UNBIND_REQ:
		tcp_t_unbind(q, mp, tp);
		break;
	case T_CONN_REQ:
		tcp_t_conn(q, mp, tp);
		break;
	case T_CONN_RES:
		tcp_t_conn_res(q, mp, tp);
		break;
	case T_DISCON_REQ:
		tcp_t_discon(q, mp, tp);
		break;
	case T_INFO_REQ:
		tcp_t_info(q, mp, tp);
		break;
	case T_ADDR_REQ:
		tcp_t_addr(q, mp, tp);
		break;
	case T_CAPABILITY_REQ:
		tcp_t_capability(q, mp, tp);
		break;
	case T_OPTMGMT_REQ:
		tcp_t_optmgmt(q, mp, tp);
		break;
	default:
		tcp_error_ack(q, mp, prim, TNOTSUPPORT, 0);
		break;
	}
}
