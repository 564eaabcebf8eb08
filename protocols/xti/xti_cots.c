/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection-oriented XTI calls (xti.h): t_connect, t_rcvconnect, t_listen, t_accept,
 * t_snd, t_rcv, t_sndv, t_rcvv, t_sndrel, t_rcvrel, t_snddis, t_rcvdis, and the zero-copy
 * yard_t_snd_mblk / yard_t_rcv_mblk.
 *
 * Principles of operation
 * -----------------------
 * State. As for the connectionless calls, the library keeps XTI's user-level state itself
 * and checks it before anything goes down (the table of reference §7.4): T_CONNECT2 takes
 * T_IDLE to T_OUTCON, T_RCVCONNECT to T_DATAXFER; T_LISTN to T_INCON; T_ACCEPT1/2/3; T_SND and
 * T_RCV; T_SNDREL/T_RCVREL through T_OUTREL/T_INREL; T_SNDDIS1/2 and T_RCVDIS1/2/3 back to
 * T_IDLE. te_ocnt counts the indications t_listen() handed out and nobody answered yet, which
 * decides between the numbered variants.
 *
 * Acknowledged requests. T_CONN_REQ, T_CONN_RES and T_DISCON_REQ are answered with T_OK_ACK
 * or T_ERROR_ACK, which timod passes up untouched (it holds no ioctl for them). They are
 * M_PCPROTO, so the stream head queues the answer ahead of every normal message:
 * xti_wait_ack() takes it from the front, and if it has not come yet (a put deferred by the
 * depth guard) turns the scheduler as I_STR does. tcp answers from its put procedure, so in
 * practice the answer is there when sth_putmsg() returns.
 *
 * Data. Data comes up as plain M_DATA (tcp: the received buffers) or T_DATA_IND. A read that
 * does not take a whole message keeps the rest in te_look, as a plain M_DATA chain, and says
 * T_MORE; the next read starts there. For a byte stream (tsdu 0) a read goes on into the
 * next queued data message while the caller's buffer has room, so many small segments make
 * one call; it stops at anything that is not data (T_ORDREL_IND, T_DISCON_IND), which the
 * next call reports with TLOOK. Sends copy into one message (sth_write, which splits it to
 * the provider's packet size) or, zero copy, pass the caller's message down as it is.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>

#include <streams/stream.h>

#include "xti.h"
#include "xti_priv.h"

/* Seconds to wait for an acknowledgement that has not come up at once (as I_STR). */
#define XTI_ACK_TIMEOUT 15
/* Largest T_CONN_REQ / T_CONN_RES with its address and options. */
#define XTI_CTLBUF 1024

/* The endpoint is connection oriented? TNOTSUPPORT otherwise. */
static inline int
xti_cots_check(const struct xti_ep *te)
{
	if (te->te_info.servtype != T_COTS && te->te_info.servtype != T_COTS_ORD)
		return xti_fail(TNOTSUPPORT);
	return 0;
}

/* The first queued message at the stream head (past M_SIGs), ignoring what the library holds. */
static const mblk_t *
xti_queued_first(const struct xti_ep *te)
{
	const mblk_t *mp;

	for (mp = STH_RQ(te->te_sd)->q_first; mp != NULL && DB_TYPE(mp) == M_SIG; mp = mp->b_next)
		;
	return mp;
}

static inline t_scalar_t
xti_prim(const mblk_t *mp)
{
	return MBLKL(mp) >= sizeof(t_scalar_t) ? ((const union T_primitives *)mp->b_rptr)->type
					       : -1;
}

/*
 * Wait for the T_OK_ACK or T_ERROR_ACK of prim at the front of the read queue. 0, or -1 with
 * t_errno (the T_ERROR_ACK's TLI_error; TSYSERR with errno).
 */
static int
xti_wait_ack(struct xti_ep *te, t_scalar_t prim)
{
	struct stdata *sd = te->te_sd;
	uint64_t deadline = rte_get_timer_cycles() + XTI_ACK_TIMEOUT * rte_get_timer_hz();

	for (;;) {
		const mblk_t *first = xti_queued_first(te);

		if (first != NULL && DB_TYPE(first) == M_PCPROTO) {
			mblk_t *mp;
			int rc = sth_getmsg_mblk(sd, &mp);

			if (rc < 0)
				return xti_syserr(-rc);
			if (mp == NULL)
				return xti_syserr(ENXIO);
			if (xti_prim(mp) == T_OK_ACK && MBLKL(mp) >= sizeof(struct T_ok_ack) &&
			    ((struct T_ok_ack *)mp->b_rptr)->CORRECT_prim == prim) {
				freemsg(mp);
				return 0;
			}
			if (xti_prim(mp) == T_ERROR_ACK && MBLKL(mp) >= sizeof(struct T_error_ack) &&
			    ((struct T_error_ack *)mp->b_rptr)->ERROR_prim == prim) {
				struct T_error_ack ea;

				memcpy(&ea, mp->b_rptr, sizeof(ea));
				freemsg(mp);
				if (ea.TLI_error == TSYSERR)
					return xti_syserr(ea.UNIX_error != 0 ? ea.UNIX_error : EPROTO);
				return xti_fail(ea.TLI_error);
			}
			freemsg(mp); /* an answer nobody waits for any more */
			continue;
		}
		if (sd->sd_flag & (STRHUP | STRDERR | STWRERR))
			return xti_syserr(sd->sd_flag & STRHUP ? ENXIO :
					  sd->sd_rerror ? sd->sd_rerror : EIO);
		if (rte_get_timer_cycles() >= deadline)
			return xti_syserr(ETIME);
		/*
		 * A pass, never an idle sleep: the answer is local (tcp answers from its put
		 * procedure, at worst a deferred put away), so it comes within a pass or two and a
		 * sleep would only delay it; the timeout is a safety net, not a wait.
		 */
		(void)yard_sched_run_once(sd->sd_sched);
	}
}

/* Send a control part (a TPI request) down. 0, or -1 (TFLOW, TSYSERR). */
static int
xti_put_ctl(struct xti_ep *te, const void *ctl, size_t len)
{
	struct strbuf c = { .len = (int)len, .buf = (char *)(uintptr_t)ctl };
	int rc = sth_putmsg(te->te_sd, &c, NULL, 0);

	if (rc == -EAGAIN) {
		te->te_flowed = true;
		return xti_fail(TFLOW);
	}
	if (rc < 0)
		return xti_syserr(-rc);
	return 0;
}

/* ---- connecting --------------------------------------------------------------------------- */

int
t_connect(int fd, const struct t_call *sndcall, struct t_call *rcvcall)
{
	struct xti_ep *te = xti_get(fd);
	union {
		struct T_conn_req req;
		uint8_t raw[XTI_CTLBUF];
	} u;
	size_t alen, olen, off;

	(void)rcvcall; /* non-blocking: the confirmation comes through t_rcvconnect() */
	if (te == NULL)
		return -1;
	if (xti_cots_check(te) < 0)
		return -1;
	if (te->te_state != T_IDLE)
		return xti_fail(TOUTSTATE);
	if (sndcall == NULL)
		return xti_syserr(EINVAL);
	alen = sndcall->addr.len;
	olen = sndcall->opt.len;
	if (alen == 0 || (te->te_info.addr > 0 && alen > (size_t)te->te_info.addr))
		return xti_fail(TBADADDR);
	if (sndcall->udata.len > 0 &&
	    (te->te_info.connect <= 0 || sndcall->udata.len > (unsigned)te->te_info.connect))
		return xti_fail(TBADDATA);
	if (sizeof(u.req) + T_ALIGN(alen) + olen > sizeof(u.raw))
		return xti_fail(olen > 0 ? TBADOPT : TBADADDR);
	if ((alen > 0 && sndcall->addr.buf == NULL) || (olen > 0 && sndcall->opt.buf == NULL))
		return xti_syserr(EFAULT);
	memset(&u.req, 0, sizeof(u.req));
	u.req.PRIM_type = T_CONN_REQ;
	u.req.DEST_length = (t_scalar_t)alen;
	u.req.DEST_offset = (t_scalar_t)sizeof(u.req);
	memcpy(u.raw + sizeof(u.req), sndcall->addr.buf, alen);
	off = T_ALIGN(sizeof(u.req) + alen);
	if (olen > 0) {
		u.req.OPT_length = (t_scalar_t)olen;
		u.req.OPT_offset = (t_scalar_t)off;
		memcpy(u.raw + off, sndcall->opt.buf, olen);
	}
	if (xti_put_ctl(te, &u, olen > 0 ? off + olen : sizeof(u.req) + alen) < 0)
		return -1;
	if (xti_wait_ack(te, T_CONN_REQ) < 0)
		return -1;
	te->te_state = T_OUTCON; /* T_CONNECT2 */
	return xti_fail(TNODATA);
}

/* The (length, offset) address and options of an indication into the caller's netbufs. */
static int
xti_addr_opt_out(const mblk_t *mp, t_scalar_t alen, t_scalar_t aoff, t_scalar_t olen,
		 t_scalar_t ooff, struct netbuf *addr, struct netbuf *opt)
{
	size_t len = MBLKL(mp);
	int rc = 0;

	if (!xti_in(alen, aoff, len) || !xti_in(olen, ooff, len))
		return xti_syserr(EPROTO);
	if (xti_copyout(addr, mp->b_rptr + aoff, (size_t)alen) < 0)
		rc = -1;
	if (xti_copyout(opt, mp->b_rptr + ooff, (size_t)olen) < 0)
		rc = -1;
	return rc;
}

int
t_rcvconnect(int fd, struct t_call *call)
{
	struct xti_ep *te = xti_get(fd);
	struct T_conn_con cc;
	mblk_t *mp;
	int ev, rc;

	if (te == NULL)
		return -1;
	if (xti_cots_check(te) < 0)
		return -1;
	if (te->te_state != T_OUTCON)
		return xti_fail(TOUTSTATE);
	ev = xti_event_of(xti_first(te));
	if (ev == 0)
		return xti_fail(TNODATA);
	if (ev != T_CONNECT)
		return xti_fail(TLOOK);
	if (xti_take(te, &mp) < 0)
		return -1;
	if (MBLKL(mp) < sizeof(cc)) {
		freemsg(mp);
		return xti_syserr(EPROTO);
	}
	memcpy(&cc, mp->b_rptr, sizeof(cc));
	te->te_state = T_DATAXFER; /* T_RCVCONNECT, whatever the copy-out says */
	rc = 0;
	if (call != NULL) {
		rc = xti_addr_opt_out(mp, cc.RES_length, cc.RES_offset, cc.OPT_length,
				      cc.OPT_offset, &call->addr, &call->opt);
		call->udata.len = 0;
		call->sequence = 0;
	}
	freemsg(mp);
	return rc;
}

/* ---- listening and accepting -------------------------------------------------------------- */

int
t_listen(int fd, struct t_call *call)
{
	struct xti_ep *te = xti_get(fd);
	struct T_conn_ind ci;
	mblk_t *mp;
	int ev, rc;

	if (te == NULL)
		return -1;
	if (xti_cots_check(te) < 0)
		return -1;
	if (te->te_state != T_IDLE && te->te_state != T_INCON)
		return xti_fail(TOUTSTATE);
	if (te->te_qlen == 0)
		return xti_fail(TBADQLEN);
	if (call == NULL)
		return xti_syserr(EINVAL);
	ev = xti_event_of(xti_first(te));
	if (ev == 0)
		return xti_fail(TNODATA);
	if (ev != T_LISTEN)
		return xti_fail(TLOOK);
	if (xti_take(te, &mp) < 0)
		return -1;
	if (MBLKL(mp) < sizeof(ci)) {
		freemsg(mp);
		return xti_syserr(EPROTO);
	}
	memcpy(&ci, mp->b_rptr, sizeof(ci));
	/* T_LISTN: the indication is ours now, even if the address does not fit (TBUFOVFLW) */
	te->te_ocnt++;
	te->te_state = T_INCON;
	call->sequence = ci.SEQ_number;
	call->udata.len = 0;
	rc = xti_addr_opt_out(mp, ci.SRC_length, ci.SRC_offset, ci.OPT_length, ci.OPT_offset,
			      &call->addr, &call->opt);
	freemsg(mp);
	return rc;
}

int
t_accept(int fd, int resfd, const struct t_call *call)
{
	struct xti_ep *te = xti_get(fd), *re;
	union {
		struct T_conn_res res;
		uint8_t raw[XTI_CTLBUF];
	} u;
	size_t olen;

	if (te == NULL)
		return -1;
	re = xti_get(resfd);
	if (re == NULL)
		return -1;
	if (xti_cots_check(te) < 0)
		return -1;
	if (call == NULL)
		return xti_syserr(EINVAL);
	if (te->te_state != T_INCON)
		return xti_fail(TOUTSTATE);
	if (re != te) {
		if (re->te_state != T_UNBND && re->te_state != T_IDLE)
			return xti_fail(TOUTSTATE);
		if (re->te_qlen > 0)
			return xti_fail(TRESQLEN);
		if (re->te_sd->sd_dev != te->te_sd->sd_dev ||
		    re->te_info.servtype != te->te_info.servtype)
			return xti_fail(TPROVMISMATCH);
	} else if (te->te_ocnt > 1) {
		return xti_fail(TINDOUT);
	}
	if (!re->te_has_acceptor)
		return xti_fail(TNOTSUPPORT);
	/* A disconnection queued on the listener may be this very indication's: tell first. */
	if (xti_event_of(xti_first(te)) == T_DISCONNECT)
		return xti_fail(TLOOK);
	if (call->udata.len > 0)
		return xti_fail(TBADDATA);
	olen = call->opt.len;
	if (sizeof(u.res) + olen > sizeof(u.raw))
		return xti_fail(TBADOPT);
	if (olen > 0 && call->opt.buf == NULL)
		return xti_syserr(EFAULT);
	memset(&u.res, 0, sizeof(u.res));
	u.res.PRIM_type = T_CONN_RES;
	u.res.ACCEPTOR_id = re->te_acceptor;
	u.res.SEQ_number = call->sequence;
	if (olen > 0) {
		u.res.OPT_length = (t_scalar_t)olen;
		u.res.OPT_offset = (t_scalar_t)sizeof(u.res);
		memcpy(u.raw + sizeof(u.res), call->opt.buf, olen);
	}
	if (xti_put_ctl(te, &u, sizeof(u.res) + olen) < 0)
		return -1;
	if (xti_wait_ack(te, T_CONN_RES) < 0)
		return -1;
	te->te_ocnt--;
	if (re == te) {
		te->te_state = T_DATAXFER; /* T_ACCEPT1: the listener is the connection now */
		te->te_qlen = 0;
	} else {
		re->te_state = T_DATAXFER; /* T_PASSCON */
		te->te_state = te->te_ocnt > 0 ? T_INCON : T_IDLE; /* T_ACCEPT3 / T_ACCEPT2 */
	}
	return 0;
}

/* ---- data --------------------------------------------------------------------------------- */

static int
xti_snd_check(const struct xti_ep *te, size_t len, int flags)
{
	if (xti_cots_check(te) < 0)
		return -1;
	if (flags & T_EXPEDITED)
		return xti_fail(te->te_info.etsdu == T_INVALID ? TNOTSUPPORT : TBADFLAG);
	if (flags & ~(T_MORE | T_PUSH))
		return xti_fail(TBADFLAG);
	if (te->te_state != T_DATAXFER && te->te_state != T_INREL)
		return xti_fail(TOUTSTATE);
	if (te->te_sd->sd_flag & (STRDERR | STWRERR | STRHUP))
		return xti_fail(TLOOK); /* the connection is gone: the indication says why */
	if (len == 0 && !(te->te_info.flags & T_SENDZERO))
		return xti_fail(TBADDATA);
	if (te->te_info.tsdu > 0 && len > (size_t)te->te_info.tsdu)
		return xti_fail(TBADDATA);
	return 0;
}

/* Send mp (M_DATA, the caller's until it succeeds), behind a T_DATA_REQ if T_MORE. */
static int
xti_snd_msg(struct xti_ep *te, mblk_t *mp, int flags)
{
	mblk_t *req = NULL;
	int rc;

	if (flags & T_MORE) {
		struct T_data_req *dr;

		req = allocb(sizeof(*dr), BPRI_MED);
		if (req == NULL)
			return xti_syserr(ENOSR);
		DB_TYPE(req) = M_PROTO;
		dr = (struct T_data_req *)req->b_wptr;
		dr->PRIM_type = T_DATA_REQ;
		dr->MORE_flag = 1;
		req->b_wptr += sizeof(*dr);
		req->b_cont = mp;
		rc = sth_putmsg_mblk(te->te_sd, req);
		if (rc != 0) {
			req->b_cont = NULL;
			freeb(req);
		}
	} else {
		rc = sth_putmsg_mblk(te->te_sd, mp);
	}
	if (rc == -EAGAIN) {
		te->te_flowed = true;
		return xti_fail(TFLOW);
	}
	if (rc < 0)
		return xti_syserr(-rc);
	return 0;
}

/* A copy of the iovecs' bytes as one M_DATA message (NULL for none), or -1 with t_errno. */
static int
xti_gather(const struct t_iovec *iov, unsigned n, size_t len, mblk_t **mpp)
{
	mblk_t *mp;

	*mpp = NULL;
	if (len == 0)
		return 0;
	mp = allocb(len, BPRI_MED);
	if (mp == NULL)
		return xti_syserr(ENOSR);
	for (unsigned i = 0; i < n; i++) {
		if (iov[i].iov_len == 0)
			continue;
		memcpy(mp->b_wptr, iov[i].iov_base, iov[i].iov_len);
		mp->b_wptr += iov[i].iov_len;
	}
	*mpp = mp;
	return 0;
}

int
t_snd(int fd, void *buf, unsigned int nbytes, int flags)
{
	struct xti_ep *te = xti_get(fd);
	ssize_t n;

	if (te == NULL)
		return -1;
	if (xti_snd_check(te, nbytes, flags) < 0)
		return -1;
	if (nbytes > 0 && buf == NULL)
		return xti_syserr(EFAULT);
	if (flags & T_MORE) {
		struct t_iovec v = { .iov_base = buf, .iov_len = nbytes };
		mblk_t *mp;

		if (xti_gather(&v, 1, nbytes, &mp) < 0)
			return -1;
		if (xti_snd_msg(te, mp, flags) < 0) {
			freemsg(mp);
			return -1;
		}
		return (int)nbytes;
	}
	/* sth_write splits the data to the provider's packet size and stops at flow control. */
	n = sth_write(te->te_sd, buf, nbytes);
	if (n == -EAGAIN) {
		te->te_flowed = true;
		return xti_fail(TFLOW);
	}
	if (n < 0)
		return xti_syserr((int)-n);
	if ((size_t)n < nbytes)
		te->te_flowed = true; /* the rest met flow control: T_GODATA when it clears */
	return (int)n;
}

int
t_sndv(int fd, const struct t_iovec *iov, unsigned int iovcount, int flags)
{
	struct xti_ep *te = xti_get(fd);
	size_t len = 0;
	mblk_t *mp;

	if (te == NULL)
		return -1;
	if (iovcount == 0 || iovcount > T_IOV_MAX || iov == NULL)
		return xti_fail(TBADDATA);
	for (unsigned i = 0; i < iovcount; i++) {
		if (iov[i].iov_len > 0 && iov[i].iov_base == NULL)
			return xti_syserr(EFAULT);
		len += iov[i].iov_len;
	}
	if (len > INT32_MAX)
		return xti_fail(TBADDATA);
	if (xti_snd_check(te, len, flags) < 0)
		return -1;
	if (xti_gather(iov, iovcount, len, &mp) < 0)
		return -1;
	if (xti_snd_msg(te, mp, flags) < 0) {
		freemsg(mp);
		return -1;
	}
	return (int)len;
}

int
yard_t_snd_mblk(int fd, mblk_t *data, int flags)
{
	struct xti_ep *te = xti_get(fd);
	size_t len;

	if (te == NULL)
		return -1;
	if (data == NULL || DB_TYPE(data) != M_DATA)
		return xti_syserr(EINVAL);
	len = data->b_cont == NULL ? MBLKL(data) : msgdsize(data);
	if (len > INT32_MAX)
		return xti_fail(TBADDATA);
	if (xti_snd_check(te, len, flags) < 0)
		return -1;
	if (xti_snd_msg(te, data, flags) < 0)
		return -1;
	return (int)len;
}

static int
xti_rcv_check(const struct xti_ep *te)
{
	if (xti_cots_check(te) < 0)
		return -1;
	if (te->te_state != T_DATAXFER && te->te_state != T_OUTREL)
		return xti_fail(TOUTSTATE);
	return 0;
}

/*
 * The next data message (held remainder first) as a plain M_DATA chain; *more from a
 * T_DATA_IND's MORE_flag. 0 and *mpp (NULL for an empty message), or -1: TNODATA, TLOOK.
 */
static int
xti_next_data(struct xti_ep *te, mblk_t **mpp, bool *more)
{
	int ev = xti_event_of(xti_first(te));
	mblk_t *mp;

	*mpp = NULL;
	*more = false;
	if (ev == 0) {
		if (te->te_sd->sd_flag & (STRDERR | STRHUP))
			return xti_fail(TLOOK);
		return xti_fail(TNODATA);
	}
	if (ev != T_DATA)
		return xti_fail(TLOOK);
	if (xti_take(te, &mp) < 0)
		return -1;
	if (DB_TYPE(mp) != M_DATA) {
		mblk_t *dp = mp->b_cont;

		if (xti_prim(mp) == T_DATA_IND && MBLKL(mp) >= sizeof(struct T_data_ind))
			*more = ((struct T_data_ind *)mp->b_rptr)->MORE_flag != 0;
		freeb(mp);
		mp = dp;
	}
	*mpp = mp;
	return 0;
}

/* Read into the iovecs: the byte count (T_MORE in *flags), or -1 with t_errno. */
static int
xti_rcv_iov(struct xti_ep *te, struct t_iovec *iov, unsigned n, int *flags)
{
	size_t total = 0, room = 0;
	unsigned cur = 0;
	size_t curoff = 0;
	bool got = false;

	for (unsigned i = 0; i < n; i++)
		room += iov[i].iov_len;
	*flags = 0;
	while (!got || (te->te_info.tsdu == 0 && total < room && !(*flags & T_MORE))) {
		mblk_t *mp;
		bool more;

		if (xti_next_data(te, &mp, &more) < 0) {
			if (got)
				break; /* what follows waits for the next call */
			return -1;
		}
		got = true;
		while (mp != NULL && cur < n) {
			size_t k = xti_consume(&mp, (uint8_t *)iov[cur].iov_base + curoff,
					       iov[cur].iov_len - curoff);

			curoff += k;
			total += k;
			if (curoff == iov[cur].iov_len) {
				cur++;
				curoff = 0;
			}
		}
		if (mp != NULL && msgdsize(mp) > 0) {
			te->te_look = mp; /* the rest of this message: T_MORE */
			*flags = T_MORE;
			break;
		}
		freemsg(mp);
		if (more && te->te_info.tsdu != 0) {
			*flags = T_MORE; /* the TSDU goes on in the next message */
			break;
		}
	}
	return (int)RTE_MIN(total, (size_t)INT32_MAX);
}

int
t_rcv(int fd, void *buf, unsigned int nbytes, int *flags)
{
	struct xti_ep *te = xti_get(fd);
	struct t_iovec v = { .iov_base = buf, .iov_len = nbytes };

	if (te == NULL)
		return -1;
	if (xti_rcv_check(te) < 0)
		return -1;
	if (flags == NULL || (nbytes > 0 && buf == NULL))
		return xti_syserr(EINVAL);
	return xti_rcv_iov(te, &v, 1, flags);
}

int
t_rcvv(int fd, struct t_iovec *iov, unsigned int iovcount, int *flags)
{
	struct xti_ep *te = xti_get(fd);

	if (te == NULL)
		return -1;
	if (xti_rcv_check(te) < 0)
		return -1;
	if (iovcount == 0 || iovcount > T_IOV_MAX || iov == NULL)
		return xti_fail(TBADDATA);
	if (flags == NULL)
		return xti_syserr(EINVAL);
	for (unsigned i = 0; i < iovcount; i++)
		if (iov[i].iov_len > 0 && iov[i].iov_base == NULL)
			return xti_syserr(EFAULT);
	return xti_rcv_iov(te, iov, iovcount, flags);
}

int
yard_t_rcv_mblk(int fd, mblk_t **datap, int *flags)
{
	struct xti_ep *te = xti_get(fd);
	mblk_t *mp;
	bool more;
	size_t len;

	if (te == NULL)
		return -1;
	if (datap == NULL || flags == NULL)
		return xti_syserr(EINVAL);
	*datap = NULL;
	*flags = 0;
	if (xti_rcv_check(te) < 0)
		return -1;
	if (xti_next_data(te, &mp, &more) < 0)
		return -1;
	len = mp == NULL ? 0 : (mp->b_cont == NULL ? MBLKL(mp) : msgdsize(mp));
	*datap = mp;
	*flags = more ? T_MORE : 0;
	return (int)RTE_MIN(len, (size_t)INT32_MAX);
}

/* ---- orderly release ---------------------------------------------------------------------- */

int
t_sndrel(int fd)
{
	struct xti_ep *te = xti_get(fd);
	struct T_ordrel_req req = { .PRIM_type = T_ORDREL_REQ };

	if (te == NULL)
		return -1;
	if (te->te_info.servtype != T_COTS_ORD)
		return xti_fail(TNOTSUPPORT);
	if (te->te_state != T_DATAXFER && te->te_state != T_INREL)
		return xti_fail(TOUTSTATE);
	if (te->te_sd->sd_flag & (STRDERR | STWRERR | STRHUP))
		return xti_fail(TLOOK);
	if (xti_put_ctl(te, &req, sizeof(req)) < 0)
		return -1;
	te->te_state = te->te_state == T_DATAXFER ? T_OUTREL : T_IDLE; /* T_SNDREL */
	return 0;
}

int
t_rcvrel(int fd)
{
	struct xti_ep *te = xti_get(fd);
	mblk_t *mp;
	int ev;

	if (te == NULL)
		return -1;
	if (te->te_info.servtype != T_COTS_ORD)
		return xti_fail(TNOTSUPPORT);
	if (te->te_state != T_DATAXFER && te->te_state != T_OUTREL)
		return xti_fail(TOUTSTATE);
	ev = xti_event_of(xti_first(te));
	if (ev == 0)
		return xti_fail(TNOREL);
	if (ev != T_ORDREL)
		return xti_fail(TLOOK);
	if (xti_take(te, &mp) < 0)
		return -1;
	freemsg(mp);
	te->te_state = te->te_state == T_DATAXFER ? T_INREL : T_IDLE; /* T_RCVREL */
	return 0;
}

/* ---- disconnection ------------------------------------------------------------------------ */

/* The connection is over: drop what the library holds and what is queued for the reader. */
static void
xti_flush_conn(struct xti_ep *te)
{
	freemsg(te->te_look);
	te->te_look = NULL;
	flushq(STH_RQ(te->te_sd), FLUSHDATA);
	te->te_flowed = te->te_godata = false;
}

int
t_snddis(int fd, const struct t_call *call)
{
	struct xti_ep *te = xti_get(fd);
	struct T_discon_req req = { .PRIM_type = T_DISCON_REQ, .SEQ_number = -1 };

	if (te == NULL)
		return -1;
	if (xti_cots_check(te) < 0)
		return -1;
	switch (te->te_state) {
	case T_INCON:
		if (call == NULL)
			return xti_fail(TBADSEQ);
		req.SEQ_number = call->sequence;
		break;
	case T_OUTCON:
	case T_DATAXFER:
	case T_OUTREL:
	case T_INREL:
		xti_flush_conn(te);
		break;
	default:
		return xti_fail(TOUTSTATE);
	}
	if (call != NULL && call->udata.len > 0)
		return xti_fail(TBADDATA);
	/* An abort may not wait behind data: T_DISCON_REQ goes even under flow control. */
	{
		mblk_t *mp;

		if (te->te_sd->sd_flag & (STRHUP | STWRERR))
			return xti_syserr(ENXIO);
		mp = allocb(sizeof(req), BPRI_HI);
		if (mp == NULL)
			return xti_syserr(ENOSR);
		DB_TYPE(mp) = M_PROTO;
		memcpy(mp->b_wptr, &req, sizeof(req));
		mp->b_wptr += sizeof(req);
		putnext(te->te_sd->sd_wrq, mp);
	}
	if (xti_wait_ack(te, T_DISCON_REQ) < 0)
		return -1;
	if (te->te_state == T_INCON) {
		te->te_ocnt--;
		te->te_state = te->te_ocnt > 0 ? T_INCON : T_IDLE; /* T_SNDDIS2 / T_SNDDIS1 */
	} else {
		te->te_state = T_IDLE; /* T_SNDDIS1 */
	}
	return 0;
}

int
t_rcvdis(int fd, struct t_discon *discon)
{
	struct xti_ep *te = xti_get(fd);
	struct T_discon_ind di;
	mblk_t *mp = NULL;
	int rc = 0;

	if (te == NULL)
		return -1;
	if (xti_cots_check(te) < 0)
		return -1;
	if (te->te_state != T_OUTCON && te->te_state != T_INCON && te->te_state != T_DATAXFER &&
	    te->te_state != T_OUTREL && te->te_state != T_INREL)
		return xti_fail(TOUTSTATE);
	if (xti_event_of(te->te_look) == T_DISCONNECT) {
		mp = te->te_look;
		te->te_look = NULL;
	} else {
		/* The indication may be queued behind data (or other indications): find it. */
		for (mblk_t *bp = STH_RQ(te->te_sd)->q_first; bp != NULL; bp = bp->b_next) {
			if (xti_event_of(bp) == T_DISCONNECT) {
				mp = bp;
				rmvq(STH_RQ(te->te_sd), mp);
				break;
			}
		}
	}
	if (mp == NULL)
		return xti_fail(TNODIS);
	if (MBLKL(mp) < sizeof(di)) {
		freemsg(mp);
		return xti_syserr(EPROTO);
	}
	memcpy(&di, mp->b_rptr, sizeof(di));
	freemsg(mp);
	if (te->te_state == T_INCON) {
		/* An indication not listened to yet goes with its cancellation. */
		for (mblk_t *bp = STH_RQ(te->te_sd)->q_first; bp != NULL; bp = bp->b_next) {
			if (xti_event_of(bp) == T_LISTEN && MBLKL(bp) >= sizeof(struct T_conn_ind) &&
			    ((struct T_conn_ind *)bp->b_rptr)->SEQ_number == di.SEQ_number) {
				rmvq(STH_RQ(te->te_sd), bp);
				freemsg(bp);
				te->te_ocnt++; /* not one of ours: undone below */
				break;
			}
		}
		if (te->te_ocnt > 0)
			te->te_ocnt--;
		te->te_state = te->te_ocnt > 0 ? T_INCON : T_IDLE; /* T_RCVDIS3 / T_RCVDIS2 */
	} else {
		xti_flush_conn(te); /* the data before it will never be acknowledged */
		te->te_state = T_IDLE; /* T_RCVDIS1 */
	}
	if (discon != NULL) {
		discon->reason = di.DISCON_reason;
		discon->sequence = di.SEQ_number;
		if (discon->udata.maxlen > 0)
			discon->udata.len = 0;
	}
	return rc;
}
