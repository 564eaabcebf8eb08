/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XTI library (xti.h): t_* calls over the stream head, timod and a TPI provider.
 *
 * Principles of operation
 * -----------------------
 * Endpoints. xti_eps[] is the table behind the small integers t_open() returns. A slot is
 * claimed with a compare-and-swap (any lcore may open endpoints at once); everything else in
 * it belongs to the lcore that owns its stream and is touched only there, which every call
 * checks first (TSYSERR/EXDEV from another lcore).
 *
 * State. The library keeps XTI's user-level state itself (reference §7.4: T_UNBND after
 * t_open, T_IDLE after t_bind, back with t_unbind) and refuses calls out of state with
 * TOUTSTATE before anything reaches the provider, as XTI (not TLI) requires. t_sync() asks the
 * provider (TI_SYNC) and believes it.
 *
 * Requests the provider acknowledges go through timod as one I_STR each: the buffer holds the
 * TPI request at its front and is as large as the largest answer, since yard's stream head
 * copies back at most ic_len bytes (timod.h). A positive result is the TLI error of a
 * T_ERROR_ACK (UNIX error above it), a negative one an errno (TSYSERR).
 *
 * Datagrams go down with sth_putmsg() (copy) or sth_putmsg_mblk() (zero copy) and come up
 * with sth_getmsg_mblk(). The one message the library may hold between calls is te_look: a
 * T_UDERROR_IND that t_rcvudata() met first (TLOOK until t_rcvuderr() takes it), or the rest
 * of a datagram a short buffer did not take (T_MORE). The zero-copy receive keeps the
 * T_UNITDATA_IND block it strips (te_spare) and the zero-copy send writes its T_UNITDATA_REQ
 * there (the two primitives have the same layout), so an echo allocates nothing of its own:
 * the one small block per datagram is udp's T_UNITDATA_IND, which carries the request back
 * down and becomes ip's IP_UNITDATA_REQ.
 *
 * Checked headers. A datagram's T_UNITDATA header is proved once per module hop, not once per
 * call: udp marks the indications it builds YB_TUDATA (streams/mblk.h), the burst receive
 * takes those on the mark and clears it before the application holds the block, and the burst
 * send marks each request of udp's layout after its own full check, for udp. Every call on a
 * block the application holds (yard_t_udata_addr, yard_t_udata_reply, the sends) checks the
 * header itself: the application may have edited it, and nothing would say so -- unless it
 * says so itself: yard_t_udata_reply() marks the request it proved, and a burst sent with
 * YARD_T_ASREPLY (the application's word that it did not edit the header since) takes a
 * marked request on the mark and checks only its data.
 *
 * Events. yard_t_set_notify() installs xti_sth_notify() as the stream head's notifier. It
 * turns S_INPUT/S_HIPRI into the t_look() event of the message now first (T_DATA, T_UDERR),
 * S_OUTPUT into T_GODATA when a send had met flow control (te_flowed), and S_ERROR/S_HANGUP
 * into YARD_T_ERROR, then calls the application's function with the events it asked for.
 * Without a notifier, t_look() itself asks whether a flow-controlled endpoint can send again.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <streams/stream.h>
#include <protocols/timod/timod.h>

#include "xti.h"
#include "xti_priv.h"

/* Largest I_STR buffer: a request or an acknowledgement with its address or options. */
#define XTI_IOCBUF 4096
/* A provider that reports no limit gets buffers of this size from t_alloc(). */
#define XTI_DEFAULT_BUF 4096

struct xti_ep xti_eps[YARD_T_MAX_FDS];
static __thread int xti_errno;

int *
yard_t_errno_loc(void)
{
	return &xti_errno;
}

/* The endpoint fd names, owned by the calling lcore; NULL with t_errno set otherwise. */
struct xti_ep *
xti_get(int fd)
{
	struct xti_ep *te;

	if (fd < 0 || fd >= YARD_T_MAX_FDS) {
		t_errno = TBADF;
		return NULL;
	}
	te = &xti_eps[fd];
	if (!__atomic_load_n(&te->te_inuse, __ATOMIC_ACQUIRE) || te->te_sd == NULL) {
		t_errno = TBADF;
		return NULL;
	}
	if (te->te_sd->sd_sched != yard_sched_self()) {
		(void)xti_syserr(EXDEV);
		return NULL;
	}
	return te;
}

/* The XTI state of a TPI state; -1 for a transient one. */
static int
xti_state_of(t_scalar_t ts)
{
	switch (ts) {
	case TS_UNBND:
		return T_UNBND;
	case TS_IDLE:
		return T_IDLE;
	case TS_WCON_CREQ:
		return T_OUTCON;
	case TS_WRES_CIND:
		return T_INCON;
	case TS_DATA_XFER:
		return T_DATAXFER;
	case TS_WIND_ORDREL:
		return T_OUTREL;
	case TS_WREQ_ORDREL:
		return T_INREL;
	default:
		return -1;
	}
}

static void
xti_info_from(struct t_info *info, const struct T_info_ack *ia)
{
	info->addr = ia->ADDR_size;
	info->options = ia->OPT_size;
	info->tsdu = ia->TSDU_size;
	info->etsdu = ia->ETSDU_size;
	info->connect = ia->CDATA_size;
	info->discon = ia->DDATA_size;
	info->servtype = ia->SERV_type;
	info->flags = (ia->PROVIDER_flag & SENDZERO) ? T_SENDZERO : 0;
}

/* The event a message stands for (t_look), 0 if none. */
int
xti_event_of(const mblk_t *mp)
{
	if (mp == NULL)
		return 0;
	if (DB_TYPE(mp) == M_DATA)
		return T_DATA;
	if ((DB_TYPE(mp) != M_PROTO && DB_TYPE(mp) != M_PCPROTO) || MBLKL(mp) < sizeof(t_scalar_t))
		return 0;
	switch (((const union T_primitives *)mp->b_rptr)->type) {
	case T_UNITDATA_IND:
	case T_DATA_IND:
		return T_DATA;
	case T_UDERROR_IND:
		return T_UDERR;
	case T_EXDATA_IND:
		return T_EXDATA;
	case T_CONN_IND:
		return T_LISTEN;
	case T_CONN_CON:
		return T_CONNECT;
	case T_DISCON_IND:
		return T_DISCONNECT;
	case T_ORDREL_IND:
		return T_ORDREL;
	default:
		return 0;
	}
}

/* The first message a reader would get: the held one, else the stream head's first. */
const mblk_t *
xti_first(const struct xti_ep *te)
{
	const mblk_t *mp;

	if (te->te_look != NULL)
		return te->te_look;
	for (mp = STH_RQ(te->te_sd)->q_first; mp != NULL && DB_TYPE(mp) == M_SIG; mp = mp->b_next)
		;
	return mp;
}

/* Take the next message: the held one, else from the stream head. 0, or -1 with t_errno. */
int
xti_take(struct xti_ep *te, mblk_t **mpp)
{
	int rc;

	if (te->te_look != NULL) {
		*mpp = te->te_look;
		te->te_look = NULL;
		return 0;
	}
	rc = sth_getmsg_mblk(te->te_sd, mpp);
	if (rc == -EAGAIN)
		return xti_fail(TNODATA);
	if (rc < 0)
		return xti_syserr(-rc);
	if (*mpp == NULL)
		return xti_syserr(ENXIO); /* hung up, nothing left */
	return 0;
}

/*
 * One request through timod. The request (reqlen bytes) is at the front of buf, which has room
 * for maxlen bytes; the answer comes back in buf, its length in *outlen. 0, or -1 with t_errno.
 */
static int
xti_ioctl(struct xti_ep *te, int cmd, void *buf, size_t reqlen, size_t maxlen, size_t *outlen)
{
	struct strioctl ic;
	int rc;

	if (maxlen < reqlen)
		maxlen = reqlen;
	if (maxlen > XTI_IOCBUF)
		return xti_syserr(EINVAL);
	memset((uint8_t *)buf + reqlen, 0, maxlen - reqlen);
	ic = (struct strioctl){ .ic_cmd = cmd, .ic_timout = 0, .ic_len = (int)maxlen,
				.ic_dp = buf };
	rc = sth_ioctl(te->te_sd, I_STR, (intptr_t)&ic);
	if (rc < 0)
		return xti_syserr(-rc);
	if (rc > 0) {
		t_errno = rc & 0xff;
		if (t_errno == TSYSERR)
			errno = rc >> 8;
		return -1;
	}
	if (outlen != NULL)
		*outlen = (size_t)ic.ic_len;
	return 0;
}

/* Copy l bytes to a netbuf: 0, or -1 (TBUFOVFLW) when its maxlen is positive but too small. */
int
xti_copyout(struct netbuf *nb, const void *src, size_t l)
{
	if (nb == NULL || nb->maxlen == 0)
		return 0; /* the caller does not want it */
	if (nb->maxlen < l || (l > 0 && nb->buf == NULL))
		return xti_fail(TBUFOVFLW);
	if (l > 0)
		memcpy(nb->buf, src, l);
	nb->len = (unsigned int)l;
	return 0;
}

/* ---- open and close ----------------------------------------------------------------------- */

static int
xti_get_caps(struct xti_ep *te)
{
	union {
		struct T_capability_req req;
		struct T_capability_ack ack;
		uint8_t raw[sizeof(struct T_capability_ack)];
	} u;
	size_t len = 0;

	memset(&u, 0, sizeof(u));
	u.req.PRIM_type = T_CAPABILITY_REQ;
	u.req.CAP_bits1 = TC1_INFO | TC1_ACCEPTOR_ID;
	if (xti_ioctl(te, TI_CAPABILITY, &u, sizeof(u.req), sizeof(u), &len) < 0)
		return -1;
	if (len < sizeof(u.ack) || u.ack.PRIM_type != T_CAPABILITY_ACK ||
	    !(u.ack.CAP_bits1 & TC1_INFO))
		return xti_syserr(EPROTO);
	xti_info_from(&te->te_info, &u.ack.INFO_ack);
	te->te_has_acceptor = (u.ack.CAP_bits1 & TC1_ACCEPTOR_ID) != 0;
	te->te_acceptor = te->te_has_acceptor ? u.ack.ACCEPTOR_id : 0;
	te->te_state = xti_state_of(u.ack.INFO_ack.CURRENT_state);
	if (te->te_state < 0)
		return xti_fail(TSTATECHNG);
	return 0;
}

static void
xti_release(struct xti_ep *te)
{
	freemsg(te->te_look);
	freemsg(te->te_spare);
	te->te_look = NULL;
	te->te_spare = NULL;
	te->te_sd = NULL;
	te->te_state = T_UNINIT;
	te->te_notify = NULL;
	te->te_notify_arg = NULL;
	te->te_notify_events = 0;
	te->te_ocnt = 0;
	__atomic_store_n(&te->te_inuse, 0, __ATOMIC_RELEASE);
}

int
t_open(const char *name, int oflag, struct t_info *info)
{
	struct xti_ep *te = NULL;
	struct stdata *sd;
	int fd, rc;

	if (name == NULL || *name == '\0')
		return xti_fail(TBADNAME);
	if ((oflag & O_ACCMODE) != O_RDWR || (oflag & ~(O_ACCMODE | O_NONBLOCK)) != 0)
		return xti_fail(TBADFLAG);
	for (fd = 0; fd < YARD_T_MAX_FDS; fd++) {
		uint32_t expect = 0;

		/* a plain read first: a locked exchange on every slot in use cost ~20 cycles each */
		if (__atomic_load_n(&xti_eps[fd].te_inuse, __ATOMIC_RELAXED) != 0)
			continue;
		if (__atomic_compare_exchange_n(&xti_eps[fd].te_inuse, &expect, 1, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			te = &xti_eps[fd];
			break;
		}
	}
	if (te == NULL)
		return xti_syserr(EMFILE);
	rc = sth_open(name, O_RDWR | O_NONBLOCK, &sd);
	if (rc < 0) {
		xti_release(te);
		return rc == -ENXIO ? xti_fail(TBADNAME) : xti_syserr(-rc);
	}
	rc = sth_ioctl(sd, I_PUSH, (intptr_t)TIMOD_MODNAME);
	if (rc < 0) {
		(void)sth_close(sd);
		xti_release(te);
		return xti_syserr(-rc);
	}
	te->te_fd = fd;
	te->te_sd = sd;
	te->te_look = te->te_spare = NULL;
	te->te_flowed = te->te_godata = false;
	te->te_notify = NULL;
	te->te_notify_events = 0;
	te->te_ocnt = te->te_qlen = 0;
	if (xti_get_caps(te) < 0) {
		int terr = t_errno, serr = errno;

		(void)sth_close(sd);
		xti_release(te);
		errno = serr;
		return xti_fail(terr);
	}
	sd->sd_app = te;
	if (info != NULL)
		*info = te->te_info;
	return fd;
}

int
t_close(int fd)
{
	struct xti_ep *te = xti_get(fd);
	int rc;

	if (te == NULL)
		return -1;
	rc = sth_close(te->te_sd);
	if (rc < 0)
		return xti_syserr(-rc); /* -EBUSY: called from inside a call on this stream */
	xti_release(te);
	return 0;
}

/* ---- bind and unbind ---------------------------------------------------------------------- */

int
t_bind(int fd, const struct t_bind *req, struct t_bind *ret)
{
	struct xti_ep *te = xti_get(fd);
	union {
		struct T_bind_req req;
		struct T_bind_ack ack;
		uint8_t raw[XTI_IOCBUF];
	} u;
	size_t alen = req != NULL ? req->addr.len : 0, len = 0;
	size_t room;

	if (te == NULL)
		return -1;
	if (te->te_state != T_UNBND)
		return xti_fail(TOUTSTATE);
	if (alen > XTI_IOCBUF - sizeof(u.req) ||
	    (te->te_info.addr > 0 && alen > (size_t)te->te_info.addr))
		return xti_fail(TBADADDR);
	if (alen > 0 && req->addr.buf == NULL)
		return xti_syserr(EFAULT);
	u.req.PRIM_type = T_BIND_REQ; /* XTI semantics: TADDRBUSY rather than another address */
	u.req.ADDR_length = (t_scalar_t)alen;
	u.req.ADDR_offset = alen > 0 ? (t_scalar_t)sizeof(u.req) : 0;
	u.req.CONIND_number = req != NULL ? req->qlen : 0;
	if (alen > 0)
		memcpy(u.raw + sizeof(u.req), req->addr.buf, alen);
	room = sizeof(u.ack) + (te->te_info.addr > 0 ? (size_t)te->te_info.addr : 256);
	if (xti_ioctl(te, TI_BIND, &u, sizeof(u.req) + alen, room, &len) < 0)
		return -1;
	if (len < sizeof(u.ack) || u.ack.PRIM_type != T_BIND_ACK ||
	    !xti_in(u.ack.ADDR_length, u.ack.ADDR_offset, len))
		return xti_syserr(EPROTO);
	te->te_state = T_IDLE;
	te->te_qlen = u.ack.CONIND_number;
	if (ret != NULL) {
		ret->qlen = u.ack.CONIND_number;
		if (xti_copyout(&ret->addr, u.raw + u.ack.ADDR_offset, (size_t)u.ack.ADDR_length) < 0)
			return -1; /* TBUFOVFLW: bound all the same (XTI) */
	}
	return 0;
}

int
t_unbind(int fd)
{
	struct xti_ep *te = xti_get(fd);
	union {
		struct T_unbind_req req;
		struct T_ok_ack ack;
	} u;

	if (te == NULL)
		return -1;
	if (te->te_state != T_IDLE)
		return xti_fail(TOUTSTATE);
	u.req.PRIM_type = T_UNBIND_REQ;
	if (xti_ioctl(te, TI_UNBIND, &u, sizeof(u.req), sizeof(u), NULL) < 0)
		return -1;
	te->te_state = T_UNBND;
	te->te_qlen = 0;
	/* The provider flushed what was queued; what the library held goes too. */
	freemsg(te->te_look);
	te->te_look = NULL;
	te->te_flowed = te->te_godata = false;
	return 0;
}

/* ---- information -------------------------------------------------------------------------- */

int
t_getinfo(int fd, struct t_info *info)
{
	struct xti_ep *te = xti_get(fd);
	union {
		struct T_info_req req;
		struct T_info_ack ack;
	} u;
	size_t len = 0;

	if (te == NULL)
		return -1;
	u.req.PRIM_type = T_INFO_REQ;
	if (xti_ioctl(te, TI_GETINFO, &u, sizeof(u.req), sizeof(u), &len) < 0)
		return -1;
	if (len < sizeof(u.ack) || u.ack.PRIM_type != T_INFO_ACK)
		return xti_syserr(EPROTO);
	xti_info_from(&te->te_info, &u.ack);
	if (info != NULL)
		*info = te->te_info;
	return 0;
}

int
t_getstate(int fd)
{
	struct xti_ep *te = xti_get(fd);

	if (te == NULL)
		return -1;
	return te->te_state;
}

int
t_sync(int fd)
{
	struct xti_ep *te = xti_get(fd);
	union {
		struct ti_sync_req req;
		struct ti_sync_ack ack;
	} u;
	size_t len = 0;
	int state;

	if (te == NULL)
		return -1;
	memset(&u, 0, sizeof(u));
	u.req.tsr_flags = TSRF_INFO_REQ;
	if (xti_ioctl(te, TI_SYNC, &u, sizeof(u.req), sizeof(u), &len) < 0)
		return -1;
	if (len < sizeof(u.ack) || u.ack.PRIM_type != T_INFO_ACK)
		return xti_syserr(EPROTO);
	xti_info_from(&te->te_info, (const struct T_info_ack *)&u.ack);
	state = xti_state_of(u.ack.CURRENT_state);
	if (state < 0)
		return xti_fail(TSTATECHNG);
	te->te_state = state;
	return state;
}

int
t_getprotaddr(int fd, struct t_bind *boundaddr, struct t_bind *peeraddr)
{
	struct xti_ep *te = xti_get(fd);
	union {
		struct T_addr_req req;
		struct T_addr_ack ack;
		uint8_t raw[512];
	} u;
	size_t len = 0;

	if (te == NULL)
		return -1;
	u.req.PRIM_type = T_ADDR_REQ;
	if (xti_ioctl(te, TI_GETADDRS, &u, sizeof(u.req), sizeof(u), &len) < 0)
		return -1;
	if (len < sizeof(u.ack) || u.ack.PRIM_type != T_ADDR_ACK ||
	    !xti_in(u.ack.LOCADDR_length, u.ack.LOCADDR_offset, len) ||
	    !xti_in(u.ack.REMADDR_length, u.ack.REMADDR_offset, len))
		return xti_syserr(EPROTO);
	if (boundaddr != NULL &&
	    xti_copyout(&boundaddr->addr, u.raw + u.ack.LOCADDR_offset,
			(size_t)u.ack.LOCADDR_length) < 0)
		return -1;
	if (peeraddr != NULL &&
	    xti_copyout(&peeraddr->addr, u.raw + u.ack.REMADDR_offset,
			(size_t)u.ack.REMADDR_length) < 0)
		return -1;
	return 0;
}

/* ---- options ------------------------------------------------------------------------------ */

int
t_optmgmt(int fd, const struct t_optmgmt *req, struct t_optmgmt *ret)
{
	struct xti_ep *te = xti_get(fd);
	union {
		struct T_optmgmt_req req;
		struct T_optmgmt_ack ack;
		uint8_t raw[XTI_IOCBUF];
	} u;
	size_t olen, len = 0, want;

	if (te == NULL)
		return -1;
	if (te->te_state == T_UNINIT)
		return xti_fail(TOUTSTATE);
	if (req == NULL || ret == NULL)
		return xti_syserr(EINVAL);
	olen = req->opt.len;
	if (olen > XTI_IOCBUF - sizeof(u.req) ||
	    (te->te_info.options > 0 && olen > (size_t)te->te_info.options))
		return xti_fail(TBADOPT);
	if (olen > 0 && req->opt.buf == NULL)
		return xti_syserr(EFAULT);
	u.req.PRIM_type = T_OPTMGMT_REQ;
	u.req.OPT_length = (t_scalar_t)olen;
	u.req.OPT_offset = olen > 0 ? (t_scalar_t)sizeof(u.req) : 0;
	u.req.MGMT_flags = req->flags;
	if (olen > 0)
		memcpy(u.raw + sizeof(u.req), req->opt.buf, olen);
	want = ret->opt.maxlen;
	if (te->te_info.options > 0 && (size_t)te->te_info.options > want)
		want = (size_t)te->te_info.options;
	want = RTE_MIN(sizeof(u.ack) + want, sizeof(u.raw));
	if (xti_ioctl(te, TI_OPTMGMT, &u, sizeof(u.req) + olen, want, &len) < 0)
		return -1;
	if (len < sizeof(u.ack) || u.ack.PRIM_type != T_OPTMGMT_ACK ||
	    !xti_in(u.ack.OPT_length, u.ack.OPT_offset, len))
		return xti_syserr(EPROTO);
	ret->flags = u.ack.MGMT_flags;
	if (ret->opt.maxlen < (unsigned)u.ack.OPT_length)
		return xti_fail(TBUFOVFLW);
	if (u.ack.OPT_length > 0)
		memcpy(ret->opt.buf, u.raw + u.ack.OPT_offset, (size_t)u.ack.OPT_length);
	ret->opt.len = (unsigned int)u.ack.OPT_length;
	return 0;
}

/* ---- datagrams ---------------------------------------------------------------------------- */

/*
 * What the provider takes as a datagram's length (its TSDU size and T_SENDZERO), worked out
 * once: per call by xti_snd_check(), per burst by yard_t_sndudata_burst().
 */
struct xti_snd_limits {
	size_t max;                  /* longest datagram (SIZE_MAX: no limit) */
	bool zero_ok;                /* the provider takes empty datagrams */
};

static inline void
xti_snd_limits(const struct xti_ep *te, struct xti_snd_limits *lim)
{
	lim->max = te->te_info.tsdu > 0 ? (size_t)te->te_info.tsdu
		   : te->te_info.tsdu == T_INVALID ? 0 : SIZE_MAX;
	lim->zero_ok = te->te_info.tsdu != T_INVALID && (te->te_info.flags & T_SENDZERO);
}

/* A datagram of dlen bytes within the limits. */
static inline bool
xti_snd_len_ok(const struct xti_snd_limits *lim, size_t dlen)
{
	return dlen <= lim->max && (dlen != 0 || lim->zero_ok);
}

/* Checks common to sending a datagram of dlen bytes. 0 or -1 with t_errno. */
static int
xti_snd_check(const struct xti_ep *te, size_t dlen)
{
	struct xti_snd_limits lim;

	if (te->te_state != T_IDLE)
		return xti_fail(TOUTSTATE);
	if (te->te_info.servtype != T_CLTS)
		return xti_fail(TNOTSUPPORT);
	xti_snd_limits(te, &lim);
	if (!xti_snd_len_ok(&lim, dlen))
		return xti_fail(TBADDATA);
	return 0;
}

int
t_sndudata(int fd, const struct t_unitdata *ud)
{
	struct xti_ep *te = xti_get(fd);
	union {
		struct T_unitdata_req req;
		uint8_t raw[1024];
	} u;
	struct strbuf ctl, data;
	size_t alen, olen, off;
	int rc;

	if (te == NULL)
		return -1;
	if (ud == NULL)
		return xti_syserr(EINVAL);
	if (xti_snd_check(te, ud->udata.len) < 0)
		return -1;
	alen = ud->addr.len;
	olen = ud->opt.len;
	if (sizeof(u.req) + T_ALIGN(alen) + olen > sizeof(u.raw))
		return xti_syserr(EINVAL);
	u.req.PRIM_type = T_UNITDATA_REQ;
	u.req.DEST_length = (t_scalar_t)alen;
	u.req.DEST_offset = alen > 0 ? (t_scalar_t)sizeof(u.req) : 0;
	off = sizeof(u.req);
	if (alen > 0)
		memcpy(u.raw + off, ud->addr.buf, alen);
	off = T_ALIGN(off + alen);
	u.req.OPT_length = (t_scalar_t)olen;
	u.req.OPT_offset = olen > 0 ? (t_scalar_t)off : 0;
	if (olen > 0)
		memcpy(u.raw + off, ud->opt.buf, olen);
	ctl = (struct strbuf){ .len = (int)(olen > 0 ? off + olen : sizeof(u.req) + alen),
			       .buf = (char *)u.raw };
	data = (struct strbuf){ .len = (int)ud->udata.len, .buf = ud->udata.buf };
	rc = sth_putmsg(te->te_sd, &ctl, &data, 0);
	if (rc == -EAGAIN) {
		te->te_flowed = true;
		return xti_fail(TFLOW);
	}
	if (rc < 0)
		return xti_syserr(-rc);
	return 0;
}

/* Copy and consume up to max bytes of *chainp's data into dst; returns the bytes copied. */
size_t
xti_consume(mblk_t **chainp, uint8_t *dst, size_t max)
{
	size_t done = 0;
	mblk_t *bp = *chainp;

	while (bp != NULL) {
		size_t n = RTE_MIN(MBLKL(bp), max - done);

		if (n > 0)
			memcpy(dst + done, bp->b_rptr, n);
		bp->b_rptr += n;
		done += n;
		if (MBLKL(bp) != 0)
			break; /* the buffer is full */
		*chainp = bp->b_cont;
		bp->b_cont = NULL;
		freeb(bp);
		bp = *chainp;
	}
	return done;
}

/*
 * The address and options of a T_UNITDATA_IND or T_UDERROR_IND into the caller's netbufs.
 * 0, or -1 with t_errno (the message is then freed: XTI discards the datagram).
 */
static int
xti_ind_out(mblk_t *mp, t_scalar_t alen, t_scalar_t aoff, t_scalar_t olen, t_scalar_t ooff,
	    struct netbuf *addr, struct netbuf *opt)
{
	size_t len = MBLKL(mp);

	if (!xti_in(alen, aoff, len) || !xti_in(olen, ooff, len)) {
		freemsg(mp);
		return xti_syserr(EPROTO);
	}
	if (xti_copyout(addr, mp->b_rptr + aoff, (size_t)alen) < 0 ||
	    xti_copyout(opt, mp->b_rptr + ooff, (size_t)olen) < 0) {
		freemsg(mp);
		return -1;
	}
	if (addr != NULL && addr->maxlen == 0)
		addr->len = 0;
	if (opt != NULL && opt->maxlen == 0)
		opt->len = 0;
	return 0;
}

/*
 * The next T_UNITDATA_IND (held or queued): 0 and *mpp, or -1 (TNODATA, TLOOK with the
 * T_UDERROR_IND held, ...). Messages that are neither are dropped: a connectionless provider
 * sends nothing else up.
 */
static int
xti_next_unitdata(struct xti_ep *te, mblk_t **mpp)
{
	for (;;) {
		mblk_t *mp;
		int ev;

		if (xti_take(te, &mp) < 0)
			return -1;
		ev = xti_event_of(mp);
		if (ev == T_UDERR) {
			te->te_look = mp;
			return xti_fail(TLOOK);
		}
		if (ev == T_DATA && DB_TYPE(mp) != M_DATA &&
		    ((const union T_primitives *)mp->b_rptr)->type == T_UNITDATA_IND &&
		    MBLKL(mp) >= sizeof(struct T_unitdata_ind)) {
			*mpp = mp;
			return 0;
		}
		freemsg(mp);
	}
}

int
t_rcvudata(int fd, struct t_unitdata *ud, int *flags)
{
	struct xti_ep *te = xti_get(fd);
	struct T_unitdata_ind ind;
	mblk_t *mp;
	size_t n;

	if (te == NULL)
		return -1;
	if (te->te_state != T_IDLE)
		return xti_fail(TOUTSTATE);
	if (te->te_info.servtype != T_CLTS)
		return xti_fail(TNOTSUPPORT);
	if (ud == NULL || flags == NULL)
		return xti_syserr(EINVAL);
	if (xti_next_unitdata(te, &mp) < 0)
		return -1;
	memcpy(&ind, mp->b_rptr, sizeof(ind));
	if (xti_ind_out(mp, ind.SRC_length, ind.SRC_offset, ind.OPT_length, ind.OPT_offset,
			&ud->addr, &ud->opt) < 0)
		return -1;
	n = xti_consume(&mp->b_cont, ud->udata.buf, ud->udata.maxlen);
	ud->udata.len = (unsigned int)n;
	if (mp->b_cont != NULL && msgdsize(mp->b_cont) > 0) {
		/* The rest waits for the next call, with the same address (T_MORE). */
		te->te_look = mp;
		*flags = T_MORE;
		return 0;
	}
	*flags = 0;
	freemsg(mp);
	return 0;
}

int
t_rcvuderr(int fd, struct t_uderr *uderr)
{
	struct xti_ep *te = xti_get(fd);
	struct T_uderror_ind ind;
	mblk_t *mp;

	if (te == NULL)
		return -1;
	if (te->te_info.servtype != T_CLTS)
		return xti_fail(TNOTSUPPORT);
	if (xti_event_of(xti_first(te)) != T_UDERR)
		return xti_fail(TNOUDERR);
	if (xti_take(te, &mp) < 0)
		return -1;
	if (MBLKL(mp) < sizeof(ind)) {
		freemsg(mp);
		return xti_syserr(EPROTO);
	}
	memcpy(&ind, mp->b_rptr, sizeof(ind));
	if (uderr == NULL) {
		freemsg(mp);
		return 0;
	}
	if (xti_ind_out(mp, ind.DEST_length, ind.DEST_offset, ind.OPT_length, ind.OPT_offset,
			&uderr->addr, &uderr->opt) < 0)
		return -1;
	uderr->error = ind.ERROR_type;
	freemsg(mp);
	return 0;
}

int
t_look(int fd)
{
	struct xti_ep *te = xti_get(fd);
	int ev;

	if (te == NULL)
		return -1;
	ev = xti_event_of(xti_first(te));
	/* Without a callback no S_OUTPUT comes to say the flow cleared: look (XTI: t_look
	 * reports T_GODATA whenever a send met flow control and sending is possible again). */
	if (ev == 0 && te->te_flowed && !(te->te_sd->sd_flag & (STWRERR | STRHUP)) &&
	    canputnext(te->te_sd->sd_wrq)) {
		te->te_flowed = false;
		te->te_godata = true;
	}
	if (ev == 0 && te->te_godata) {
		te->te_godata = false;
		ev = T_GODATA;
	}
	if (ev == 0 && (te->te_sd->sd_flag & (STRDERR | STWRERR | STRHUP)))
		return xti_syserr(te->te_sd->sd_flag & STRHUP ? ENXIO :
				  te->te_sd->sd_rerror ? te->te_sd->sd_rerror : EIO);
	return ev;
}

/* ---- zero copy ---------------------------------------------------------------------------- */

int
yard_t_sndudata_mblk(int fd, const struct netbuf *addr, mblk_t *data)
{
	struct xti_ep *te = xti_get(fd);
	struct T_unitdata_req *req;
	size_t alen = addr != NULL ? addr->len : 0, need;
	mblk_t *ctl;
	int rc;

	if (te == NULL)
		return -1;
	if (xti_snd_check(te, data == NULL ? 0 : (data->b_cont == NULL ? MBLKL(data)
								       : msgdsize(data))) < 0)
		return -1;
	if (data != NULL && DB_TYPE(data) != M_DATA)
		return xti_syserr(EINVAL);
	need = sizeof(*req) + alen;
	ctl = te->te_spare;
	if (ctl != NULL && MBLKSIZE(ctl) >= need) {
		te->te_spare = NULL;
		ctl->b_rptr = DB_BASE(ctl);
	} else {
		ctl = allocb(need, BPRI_MED);
		if (ctl == NULL)
			return xti_syserr(ENOSR);
	}
	DB_TYPE(ctl) = M_PROTO;
	ctl->b_band = 0;
	ctl->b_flag = 0;
	req = (struct T_unitdata_req *)ctl->b_rptr;
	req->PRIM_type = T_UNITDATA_REQ;
	req->DEST_length = (t_scalar_t)alen;
	req->DEST_offset = alen > 0 ? (t_scalar_t)sizeof(*req) : 0;
	req->OPT_length = 0;
	req->OPT_offset = 0;
	if (alen > 0)
		memcpy(req + 1, addr->buf, alen);
	ctl->b_wptr = ctl->b_rptr + need;
	ctl->b_cont = data;
	rc = sth_putmsg_mblk(te->te_sd, ctl);
	if (rc == 0)
		return 0;
	/* Not sent: the data stays the caller's, the block is kept for the next try. */
	ctl->b_cont = NULL;
	if (te->te_spare == NULL)
		te->te_spare = ctl;
	else
		freeb(ctl);
	if (rc == -EAGAIN) {
		te->te_flowed = true;
		return xti_fail(TFLOW);
	}
	return xti_syserr(-rc);
}

int
yard_t_rcvudata_mblk(int fd, struct netbuf *addr, mblk_t **datap)
{
	return yard_t_rcvudata_mblk_opt(fd, addr, NULL, datap);
}

int
yard_t_rcvudata_mblk_opt(int fd, struct netbuf *addr, struct netbuf *opt, mblk_t **datap)
{
	struct xti_ep *te = xti_get(fd);
	struct T_unitdata_ind ind;
	mblk_t *mp;

	if (te == NULL)
		return -1;
	if (datap == NULL)
		return xti_syserr(EINVAL);
	*datap = NULL;
	if (te->te_state != T_IDLE)
		return xti_fail(TOUTSTATE);
	if (te->te_info.servtype != T_CLTS)
		return xti_fail(TNOTSUPPORT);
	if (xti_next_unitdata(te, &mp) < 0)
		return -1;
	memcpy(&ind, mp->b_rptr, sizeof(ind));
	if (xti_ind_out(mp, ind.SRC_length, ind.SRC_offset, opt != NULL ? ind.OPT_length : 0,
			opt != NULL ? ind.OPT_offset : 0, addr, opt) < 0)
		return -1;
	*datap = mp->b_cont;
	mp->b_cont = NULL;
	/* Keep the primitive's block: the next zero-copy send writes its request there. */
	if (te->te_spare == NULL && DB_REF(mp) == 1)
		te->te_spare = mp;
	else
		freeb(mp);
	return 0;
}

/* ---- zero copy bursts ---------------------------------------------------------------------- */

/* Stream-head states in which a read must go through sth_getmsg_mblk() (errors, hang-up). */
#define XTI_RQ_SLOW (STPLEX | STRCLOSE | STRDERR | STRHUP)

/*
 * The run of well-formed T_UNITDATA_INDs at the head of the stream head's queue, at most n,
 * taken in one pass (getq_burst_take): what t_rcvudata() would take one by one, with the same
 * checks. Udp marks the indications it builds YB_TUDATA (the common layout, proved where they were
 * built, and nothing between udp and this queue edits them), so for those the check is the
 * mark and the type (the mark also covers a request, which a loop-back stream could turn up);
 * anything unmarked takes the full check. The mark is cleared on the way out: the application
 * that gets the blocks may edit them, and whatever it sends must be proved again.
 */
static inline bool
xti_take_ind(mblk_t *mp)
{
	/* SRC_length/SRC_offset sit where DEST_length/DEST_offset do (yard_t_udata_reply). */
	if (likely(mp->b_yflags & YB_TUDATA) &&
	    likely(((const struct T_unitdata_ind *)mp->b_rptr)->PRIM_type == T_UNITDATA_IND)) {
		mp->b_yflags &= ~(YB_TUDATA | YB_MSGSIZE); /* the application may edit it */
		return true;
	}
	/* Unmarked, or a marked request (refused here): nothing to clear. */
	return __yard_t_udata_prim(mp, T_UNITDATA_IND) != NULL;
}

/* The test and the dequeue are one pass over the queue (getq_burst_take). */
static unsigned
xti_take_run(struct xti_ep *te, mblk_t **mps, unsigned n)
{
	return getq_burst_take(STH_RQ(te->te_sd), mps, n, xti_take_ind);
}

int
yard_t_rcvudata_burst(int fd, mblk_t **mps, unsigned n)
{
	struct xti_ep *te = xti_get(fd);
	unsigned k = 0;

	if (te == NULL)
		return -1;
	if (mps == NULL)
		return xti_syserr(EINVAL);
	if (te->te_state != T_IDLE)
		return xti_fail(TOUTSTATE);
	if (te->te_info.servtype != T_CLTS)
		return xti_fail(TNOTSUPPORT);
	if (likely(n != 0 && te->te_look == NULL && !(te->te_sd->sd_flag & XTI_RQ_SLOW))) {
		/*
		 * Nothing held and nothing sth_getmsg_mblk() would report or strip first (a read
		 * error, a hang-up, an M_SIG: xti_take_run() stops at one), so the usual burst is
		 * one run straight off the queue, and an empty queue is TNODATA at once.
		 */
		if (STH_RQ(te->te_sd)->q_first == NULL)
			return xti_fail(TNODATA);
		k = xti_take_run(te, mps, n);
		if (k == n || STH_RQ(te->te_sd)->q_first == NULL)
			return (int)k;
	}
	while (k < n) {
		const struct T_unitdata_ind *ind;
		mblk_t *mp;

		/* A T_UDERROR_IND after datagrams waits for the next call, which says TLOOK. */
		if (k > 0 && xti_event_of(xti_first(te)) != T_DATA)
			break;
		if (xti_next_unitdata(te, &mp) < 0) {
			if (k > 0)
				break;
			return -1;
		}
		ind = (const struct T_unitdata_ind *)mp->b_rptr;
		if (!xti_in(ind->SRC_length, ind->SRC_offset, MBLKL(mp)) ||
		    !xti_in(ind->OPT_length, ind->OPT_offset, MBLKL(mp))) {
			freemsg(mp); /* as t_rcvudata(): a provider's malformed indication is dropped */
			if (k > 0)
				break;
			return xti_syserr(EPROTO);
		}
		mps[k++] = mp;
		if (k < n && te->te_look == NULL)
			k += xti_take_run(te, mps + k, n - k);
	}
	return (int)k;
}

/* The field-by-field way of yard_t_udata_reply() (xti.h), for any other layout. */
int
__yard_t_udata_reply_other(mblk_t *mp)
{
	struct T_unitdata_req *req;

	req = (struct T_unitdata_req *)__yard_t_udata_prim(mp, T_UNITDATA_IND);
	if (req == NULL)
		return xti_fail(TBADDATA);
	req->PRIM_type = T_UNITDATA_REQ;
	req->OPT_length = 0;
	req->OPT_offset = 0;
	mp->b_band = 0;
	mp->b_flag = 0;
	mp->b_yflags &= ~YB_TUDATA; /* not the common layout: sending proves it in full */
	return 0;
}

/*
 * The data of a request whose header is proved: M_DATA (or none) of a length the provider
 * takes.
 */
static inline bool
xti_udreq_data_ok(const struct xti_snd_limits *lim, const mblk_t *mp)
{
	const mblk_t *data = mp->b_cont;
	size_t dlen;

	if (data != NULL && DB_TYPE(data) != M_DATA)
		return false;
	dlen = data == NULL ? 0 : likely(data->b_cont == NULL) ? MBLKL(data) : msgdsize(data);
	return xti_snd_len_ok(lim, dlen);
}

/*
 * A request yard_t_sndudata_burst() may send: true, or false (TBADDATA, set by the caller):
 * not a well-formed T_UNITDATA_REQ of band 0 with M_DATA (or no) data of a length the provider
 * takes (the limits worked out once for the burst). A request of the common layout leaves
 * marked YB_TUDATA (this is its full check, and only the stream head and timod, which do not
 * edit it, run before udp takes it), so udp need not check it again; any other loses a mark it
 * may carry.
 */
static inline bool
xti_udreq_ok(const struct xti_snd_limits *lim, mblk_t *mp)
{
	if (likely(__yard_t_udata_common(mp, T_UNITDATA_REQ))) {
		mp->b_yflags |= YB_TUDATA; /* taken off again below if a later test fails */
	} else {
		if (__yard_t_udata_prim(mp, T_UNITDATA_REQ) == NULL)
			return false;
		mp->b_yflags &= ~YB_TUDATA;
	}
	if (mp->b_band != 0 || !xti_udreq_data_ok(lim, mp))
		goto refuse;
	return true;
refuse:
	mp->b_yflags &= ~YB_TUDATA; /* it stays the caller's */
	return false;
}

int
yard_t_sndudata_burst(int fd, mblk_t **mps, unsigned n, int flags)
{
	struct xti_ep *te = xti_get(fd);
	struct xti_snd_limits lim;
	unsigned k;
	int rc;

	if (te == NULL)
		return -1;
	if (n == 0)
		return 0;
	if (mps == NULL || (flags & ~(YARD_T_ASRCVD | YARD_T_ASREPLY)) != 0)
		return xti_syserr(EINVAL);
	if (te->te_state != T_IDLE)
		return xti_fail(TOUTSTATE);
	if (te->te_info.servtype != T_CLTS)
		return xti_fail(TNOTSUPPORT);
	xti_snd_limits(te, &lim);
	if (flags & YARD_T_ASREPLY) {
		/*
		 * A request yard_t_udata_reply() proved of the common layout is marked, and the
		 * caller promises its header unchanged since: only its data is checked. The
		 * mark stays on for udp. An unmarked one gets the full check.
		 */
		for (k = 0; k < n; k++) {
			mblk_t *mp = mps[k];

			if (likely(mp->b_yflags & YB_TUDATA) && likely(xti_udreq_data_ok(&lim, mp)))
				continue;
			if (!xti_udreq_ok(&lim, mp))
				break;
		}
	} else {
		for (k = 0; k < n; k++)
			if (!xti_udreq_ok(&lim, mps[k]))
				break;
	}
	if (k == 0)
		return xti_fail(TBADDATA); /* mps[0] cannot go */
	/*
	 * STH_CHECKED: each of mps[0..k) is an M_PROTO of band 0, as sth asks, and its YB_TUDATA
	 * mark is this library's word (sth keeps it).
	 */
	rc = sth_putmsg_mblk_burst(te->te_sd, mps, k,
				   STH_CHECKED | ((flags & YARD_T_ASRCVD) ? STH_KEEPSUM : 0));
	if (unlikely(rc < 0)) {
		/* They are the caller's again, to edit at will: the marks no longer hold. */
		for (unsigned i = 0; i < k; i++)
			mps[i]->b_yflags &= ~YB_TUDATA;
		if (rc == -EAGAIN) {
			te->te_flowed = true;
			return xti_fail(TFLOW);
		}
		return xti_syserr(-rc);
	}
	return rc;
}

struct stdata *
yard_t_stream(int fd)
{
	struct xti_ep *te;

	if (fd < 0 || fd >= YARD_T_MAX_FDS)
		return NULL;
	te = &xti_eps[fd];
	return __atomic_load_n(&te->te_inuse, __ATOMIC_ACQUIRE) ? te->te_sd : NULL;
}

/* ---- events ------------------------------------------------------------------------------- */

static void
xti_sth_notify(struct stdata *sd, unsigned events, void *arg)
{
	struct xti_ep *te = arg;
	int ev = 0;

	if (events & (S_INPUT | S_HIPRI | S_RDNORM | S_RDBAND))
		ev |= xti_event_of(xti_first(te));
	if ((events & S_OUTPUT) && te->te_flowed) {
		te->te_flowed = false;
		te->te_godata = true;
		ev |= T_GODATA;
	}
	if (events & (S_ERROR | S_HANGUP))
		ev |= YARD_T_ERROR;
	ev &= te->te_notify_events;
	if (ev != 0 && te->te_notify != NULL)
		te->te_notify(te->te_fd, ev, te->te_notify_arg);
}

int
yard_t_set_notify(int fd, int events, yard_t_notify_fn fn, void *arg)
{
	struct xti_ep *te = xti_get(fd);

	if (te == NULL)
		return -1;
	te->te_notify = fn;
	te->te_notify_arg = arg;
	te->te_notify_events = fn != NULL ? events : 0;
	if (fn != NULL)
		sth_set_notify(te->te_sd, S_INPUT | S_HIPRI | S_OUTPUT | S_ERROR | S_HANGUP,
			       xti_sth_notify, te);
	else
		sth_set_notify(te->te_sd, 0, NULL, NULL);
	return 0;
}

/* ---- structures --------------------------------------------------------------------------- */

/* Give nb a buffer for a provider limit: -1 no limit (a default size), -2 or 0 none. */
static int
xti_nb_alloc(struct netbuf *nb, t_scalar_t limit)
{
	size_t size;

	if (limit == T_INVALID || limit == 0)
		return 0;
	size = limit == T_INFINITE ? XTI_DEFAULT_BUF : (size_t)limit;
	nb->buf = calloc(1, size);
	if (nb->buf == NULL)
		return -1;
	nb->maxlen = (unsigned int)size;
	nb->len = 0;
	return 0;
}

static void
xti_nb_free(struct netbuf *nb)
{
	free(nb->buf);
	nb->buf = NULL;
	nb->maxlen = nb->len = 0;
}

int
t_free(void *ptr, int struct_type)
{
	if (ptr == NULL)
		return 0;
	switch (struct_type) {
	case T_BIND:
		xti_nb_free(&((struct t_bind *)ptr)->addr);
		break;
	case T_OPTMGMT:
		xti_nb_free(&((struct t_optmgmt *)ptr)->opt);
		break;
	case T_CALL:
		xti_nb_free(&((struct t_call *)ptr)->addr);
		xti_nb_free(&((struct t_call *)ptr)->opt);
		xti_nb_free(&((struct t_call *)ptr)->udata);
		break;
	case T_DIS:
		xti_nb_free(&((struct t_discon *)ptr)->udata);
		break;
	case T_UNITDATA:
		xti_nb_free(&((struct t_unitdata *)ptr)->addr);
		xti_nb_free(&((struct t_unitdata *)ptr)->opt);
		xti_nb_free(&((struct t_unitdata *)ptr)->udata);
		break;
	case T_UDERROR:
		xti_nb_free(&((struct t_uderr *)ptr)->addr);
		xti_nb_free(&((struct t_uderr *)ptr)->opt);
		break;
	case T_INFO:
		break;
	default:
		return xti_fail(TNOSTRUCTYPE);
	}
	free(ptr);
	return 0;
}

void *
t_alloc(int fd, int struct_type, int fields)
{
	struct xti_ep *te = xti_get(fd);
	const struct t_info *ti;
	size_t size;
	void *p;
	int rc = 0;

	if (te == NULL)
		return NULL;
	ti = &te->te_info;
	switch (struct_type) {
	case T_BIND:
		size = sizeof(struct t_bind);
		break;
	case T_OPTMGMT:
		size = sizeof(struct t_optmgmt);
		break;
	case T_CALL:
		size = sizeof(struct t_call);
		break;
	case T_DIS:
		size = sizeof(struct t_discon);
		break;
	case T_UNITDATA:
		size = sizeof(struct t_unitdata);
		break;
	case T_UDERROR:
		size = sizeof(struct t_uderr);
		break;
	case T_INFO:
		size = sizeof(struct t_info);
		break;
	default:
		t_errno = TNOSTRUCTYPE;
		return NULL;
	}
	if ((struct_type == T_UNITDATA || struct_type == T_UDERROR) && ti->servtype != T_CLTS) {
		t_errno = TNOSTRUCTYPE;
		return NULL;
	}
	p = calloc(1, size);
	if (p == NULL) {
		(void)xti_syserr(ENOMEM);
		return NULL;
	}
	switch (struct_type) {
	case T_BIND:
		if (fields & T_ADDR)
			rc |= xti_nb_alloc(&((struct t_bind *)p)->addr, ti->addr);
		break;
	case T_OPTMGMT:
		if (fields & T_OPT)
			rc |= xti_nb_alloc(&((struct t_optmgmt *)p)->opt, ti->options);
		break;
	case T_CALL:
		if (fields & T_ADDR)
			rc |= xti_nb_alloc(&((struct t_call *)p)->addr, ti->addr);
		if (fields & T_OPT)
			rc |= xti_nb_alloc(&((struct t_call *)p)->opt, ti->options);
		if (fields & T_UDATA)
			rc |= xti_nb_alloc(&((struct t_call *)p)->udata, ti->connect);
		break;
	case T_DIS:
		if (fields & T_UDATA)
			rc |= xti_nb_alloc(&((struct t_discon *)p)->udata, ti->discon);
		break;
	case T_UNITDATA:
		if (fields & T_ADDR)
			rc |= xti_nb_alloc(&((struct t_unitdata *)p)->addr, ti->addr);
		if (fields & T_OPT)
			rc |= xti_nb_alloc(&((struct t_unitdata *)p)->opt, ti->options);
		if (fields & T_UDATA)
			rc |= xti_nb_alloc(&((struct t_unitdata *)p)->udata, ti->tsdu);
		break;
	case T_UDERROR:
		if (fields & T_ADDR)
			rc |= xti_nb_alloc(&((struct t_uderr *)p)->addr, ti->addr);
		if (fields & T_OPT)
			rc |= xti_nb_alloc(&((struct t_uderr *)p)->opt, ti->options);
		break;
	default:
		break;
	}
	if (rc != 0) {
		(void)t_free(p, struct_type);
		(void)xti_syserr(ENOMEM);
		return NULL;
	}
	return p;
}

/* ---- messages ----------------------------------------------------------------------------- */

static const char *const xti_msgs[] = {
	[0] = "Error 0",
	[TBADADDR] = "Incorrect address format",
	[TBADOPT] = "Incorrect options format",
	[TACCES] = "Illegal permissions",
	[TBADF] = "Illegal file descriptor",
	[TNOADDR] = "Couldn't allocate address",
	[TOUTSTATE] = "Routine will place interface out of state",
	[TBADSEQ] = "Illegal called/calling sequence number",
	[TSYSERR] = "System error",
	[TLOOK] = "An event requires attention",
	[TBADDATA] = "Illegal amount of data",
	[TBUFOVFLW] = "Buffer not large enough",
	[TFLOW] = "Can't send message - (blocked)",
	[TNODATA] = "No message currently available",
	[TNODIS] = "Disconnect message not found",
	[TNOUDERR] = "Unitdata error message not found",
	[TBADFLAG] = "Incorrect flags specified",
	[TNOREL] = "Orderly release message not found",
	[TNOTSUPPORT] = "Primitive not supported by provider",
	[TSTATECHNG] = "State is in process of changing",
	[TNOSTRUCTYPE] = "Unsupported structure type requested",
	[TBADNAME] = "Invalid transport provider name",
	[TBADQLEN] = "Listener queue length limit is zero",
	[TADDRBUSY] = "Transport address is in use",
	[TINDOUT] = "Outstanding connection indications",
	[TPROVMISMATCH] = "Listener-acceptor transport provider mismatch",
	[TRESQLEN] = "Connection acceptor has listen queue length limit greater than zero",
	[TRESADDR] = "Connection acceptor-listener addresses not same but required by transport",
	[TQFULL] = "Incoming connection queue is full",
	[TPROTO] = "Protocol error",
};

int
yard_t_errno(int terr)
{
	switch (terr) {
	case TBADNAME:
		return -ENXIO;
	case TADDRBUSY:
		return -EADDRINUSE;
	case TBADADDR:
		return -EINVAL;
	case TNOADDR:
		return -EADDRNOTAVAIL;
	case TSYSERR:
		return errno > 0 ? -errno : -EIO;
	default:
		return -EIO;
	}
}

const char *
t_strerror(int errnum)
{
	if (errnum < 0 || (size_t)errnum >= RTE_DIM(xti_msgs) || xti_msgs[errnum] == NULL)
		return "Unknown error";
	return xti_msgs[errnum];
}

int
t_error(const char *errmsg)
{
	int terr = t_errno, serr = errno;

	if (errmsg != NULL && *errmsg != '\0')
		fprintf(stderr, "%s: ", errmsg);
	if (terr == TSYSERR)
		fprintf(stderr, "%s: %s\n", t_strerror(terr), strerror(serr));
	else
		fprintf(stderr, "%s\n", t_strerror(terr));
	return 0;
}
