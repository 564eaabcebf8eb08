/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data calls of the sockets library (yard_socket.h): send/recv, their to/from and msg
 * forms, and the zero-copy yard_sendto_mblk / yard_recvfrom_mblk.
 *
 * Principles of operation
 * -----------------------
 * Reads take whole messages from XTI (yard_t_rcv_mblk, yard_t_rcvudata_mblk) and copy out of
 * them into the caller's iovecs; what a read does not consume (the rest of a segment, or a
 * message MSG_PEEK looked at) stays in so_hold and comes first next time, so XTI never holds
 * a partly read message for a socket and the zero-copy receive hands out so_hold as it is.
 * A stream read stops at the first thing that is not data: the orderly release (read 0 from
 * then on), or the reset (ECONNRESET once, then 0), taken in order behind the data.
 *
 * A datagram read takes one datagram and discards what does not fit (MSG_TRUNC), as
 * datagram sockets do, where XTI would keep the rest for the next call (T_MORE). A
 * connected datagram socket receives only from its peer (the rest is dropped and counted)
 * and gets the peer's error indications (ECONNREFUSED from an ICMP port unreachable) as a
 * read error; indications about other destinations are dropped, as for an unconnected one.
 *
 * Stream writes copy through t_snd (sth_write splits to the provider's packet size and
 * stops at flow control: a short count, or EAGAIN when nothing went). A datagram write from
 * several iovecs is gathered into one block and sent zero-copy from there.
 *
 * IP_PKTINFO (udp's T_IP_PKTINFO): a socket with it set takes each datagram with its options
 * (yard_t_rcvudata_mblk_opt) and keeps the T_IP_PKTINFO value in so_rpi for recvmsg's cmsg;
 * sendmsg's IP_PKTINFO cmsg goes down as the T_UNITDATA_REQ's option (t_sndudata), where udp
 * judges it. A refusal comes back as udp's T_UDERROR_IND, after the send has returned, as
 * for SO_BROADCAST (docs/sockets.md).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "socket_priv.h"

#ifndef IOV_MAX
#define IOV_MAX 1024 /* Linux's (limits.h gives it only with _XOPEN_SOURCE) */
#endif
/* The largest UDP payload over IPv4 (65,535 - 20 - 8). */
#define SOCK_DGRAM_MAX 65507
#define SOCK_SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE)
#define SOCK_RECV_FLAGS (MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC)

/* A cursor over the caller's iovecs. */
struct sock_iter {
	const struct iovec *it_iov;
	size_t it_n;
	size_t it_i;
	size_t it_off;
};

/* The iovecs' total length, or -1 with errno (EFAULT, EINVAL, EMSGSIZE). */
static ssize_t
sock_iov_len(const struct iovec *iov, size_t n)
{
	size_t total = 0;

	if (n > IOV_MAX)
		return sock_fail(EMSGSIZE);
	if (n > 0 && iov == NULL)
		return sock_fail(EFAULT);
	for (size_t i = 0; i < n; i++) {
		if (iov[i].iov_len > 0 && iov[i].iov_base == NULL)
			return sock_fail(EFAULT);
		total += iov[i].iov_len;
		if (total > INT32_MAX)
			return sock_fail(EINVAL);
	}
	return (ssize_t)total;
}

/* Copy up to len bytes at src to the cursor; the bytes copied. */
static size_t
sock_iter_put(struct sock_iter *it, const uint8_t *src, size_t len)
{
	size_t done = 0;

	while (done < len && it->it_i < it->it_n) {
		const struct iovec *v = &it->it_iov[it->it_i];
		size_t k = RTE_MIN(len - done, v->iov_len - it->it_off);

		memcpy((uint8_t *)v->iov_base + it->it_off, src + done, k);
		done += k;
		it->it_off += k;
		if (it->it_off == v->iov_len) {
			it->it_i++;
			it->it_off = 0;
		}
	}
	return done;
}

/*
 * Copy *mpp's data to the cursor. consume: the bytes copied leave the message (emptied
 * blocks are freed; *mpp becomes what is left, NULL if nothing). The bytes copied.
 */
static size_t
sock_copy_msg(mblk_t **mpp, struct sock_iter *it, bool consume)
{
	size_t total = 0;
	mblk_t *bp = *mpp;

	while (bp != NULL && it->it_i < it->it_n) {
		size_t k = sock_iter_put(it, bp->b_rptr, MBLKL(bp));

		total += k;
		if (!consume) {
			if (k < MBLKL(bp))
				break;
			bp = bp->b_cont;
			continue;
		}
		bp->b_rptr += k;
		if (bp->b_rptr < bp->b_wptr)
			break;
		*mpp = bp->b_cont;
		freeb(bp);
		bp = *mpp;
	}
	if (consume) {
		/* Empty blocks at the front (zero-length segments) go too. */
		while (*mpp != NULL && MBLKL(*mpp) == 0) {
			bp = *mpp;
			*mpp = bp->b_cont;
			freeb(bp);
		}
	}
	return total;
}

/* ---- streams ------------------------------------------------------------------------------ */

/* A stream socket may read? 0, 1 for end of file, or -1 with errno. */
static int
sock_stream_rcheck(struct yard_sock *so)
{
	sock_progress(so);
	if (so->so_flags & SF_CONNECTED)
		return (so->so_flags & SF_RDSHUT) ? 1 : 0;
	if (so->so_flags & SF_CONNECTING)
		return sock_fail(EAGAIN);
	return sock_fail(ENOTCONN);
}

/*
 * A stream read found no data; terr is why (t_errno of the XTI call). 0 for end of file, or
 * -1 with errno: EAGAIN, ECONNRESET (the first time), ...
 */
static ssize_t
sock_stream_end(struct yard_sock *so, int terr)
{
	int fd = so->so_fd;

	switch (terr) {
	case TNODATA:
		return (so->so_flags & (SF_PEERREL | SF_RSTSEEN)) ? 0 : sock_fail(EAGAIN);
	case TLOOK:
		switch (t_look(fd)) {
		case T_ORDREL:
			if (t_rcvrel(fd) == 0)
				so->so_flags |= SF_PEERREL;
			return 0;
		case T_DISCONNECT: {
			struct t_discon dis = { .reason = 0 };

			if (t_rcvdis(fd, &dis) < 0)
				return sock_fail(sock_errno(EIO));
			so->so_rst_reason = dis.reason > 0 ? dis.reason : ECONNRESET;
			so->so_flags |= SF_RESET | SF_WRSHUT;
			so->so_st->sos_resets++;
			/* Reported once, by this read or by SO_ERROR before it (then: end of file). */
			if (so->so_flags & SF_RSTSEEN)
				return 0;
			so->so_flags |= SF_RSTSEEN;
			return sock_fail(so->so_rst_reason);
		}
		default:
			return 0; /* the stream hung up: nothing more will come */
		}
	case TOUTSTATE:
		return 0; /* released or reset already: XTI's state has no reading left */
	default:
		return sock_fail(sock_errno(EIO));
	}
}

static ssize_t
sock_stream_recv(struct yard_sock *so, const struct iovec *iov, size_t n, size_t room, int flags)
{
	struct sock_iter it = { .it_iov = iov, .it_n = n };
	size_t total = 0;
	int rc, terr = TNODATA, fl;
	mblk_t *mp;

	rc = sock_stream_rcheck(so);
	if (rc != 0)
		return rc > 0 ? 0 : -1;
	if (room == 0)
		return 0;
	if (flags & MSG_PEEK) {
		/* Gather enough into so_hold, and copy from it without consuming. */
		while (so->so_hold == NULL || msgdsize(so->so_hold) < room) {
			if (yard_t_rcv_mblk(so->so_fd, &mp, &fl) < 0) {
				terr = t_errno;
				break;
			}
			if (mp == NULL)
				continue;
			if (so->so_hold == NULL)
				so->so_hold = mp;
			else
				linkb(so->so_hold, mp);
		}
		mp = so->so_hold;
		total = sock_copy_msg(&mp, &it, false);
	} else {
		if (so->so_hold != NULL)
			total = sock_copy_msg(&so->so_hold, &it, true);
		while (total < room && so->so_hold == NULL) {
			if (yard_t_rcv_mblk(so->so_fd, &mp, &fl) < 0) {
				terr = t_errno;
				break;
			}
			total += sock_copy_msg(&mp, &it, true);
			so->so_hold = mp; /* the rest of the segment, if any */
		}
	}
	if (total > 0)
		return (ssize_t)total;
	return sock_stream_end(so, terr);
}

/* A stream socket may write? 0, or -1 with errno. */
static int
sock_stream_wcheck(struct yard_sock *so)
{
	sock_progress(so);
	if (so->so_flags & (SF_WRSHUT | SF_RESET))
		return sock_fail(EPIPE);
	if (so->so_flags & SF_CONNECTED)
		return 0;
	if (so->so_flags & SF_CONNECTING)
		return sock_fail(EAGAIN); /* EPOLLOUT says when */
	return sock_fail(ENOTCONN);
}

/* The errno of a failed stream write (t_errno). */
static int
sock_stream_werr(void)
{
	switch (t_errno) {
	case TFLOW:
		return EAGAIN;
	case TLOOK:     /* the stream's write error: sockmod set it at the reset */
	case TOUTSTATE: /* the reset was taken already */
		return EPIPE;
	default:
		return sock_errno(EPIPE);
	}
}

static ssize_t
sock_stream_send(struct yard_sock *so, const struct iovec *iov, size_t n, size_t len, int flags)
{
	size_t total = 0, used = 0;

	if (sock_stream_wcheck(so) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		used += iov[i].iov_len > 0;
	if (used > 1) {
		/* Gathered into one message, so the buffers make segments together (Nagle would
		 * hold the second of two small writes back for an ACK). */
		mblk_t *mp = allocb(len, BPRI_MED);
		int rc;

		if (mp == NULL)
			return sock_fail(ENOBUFS);
		for (size_t i = 0; i < n; i++) {
			memcpy(mp->b_wptr, iov[i].iov_base, iov[i].iov_len);
			mp->b_wptr += iov[i].iov_len;
		}
		rc = yard_t_snd_mblk(so->so_fd, mp, (flags & MSG_MORE) ? T_MORE : 0);
		if (rc < 0) {
			int err = sock_stream_werr();

			freemsg(mp);
			return sock_fail(err);
		}
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		int rc;

		if (iov[i].iov_len == 0)
			continue;
		rc = t_snd(so->so_fd, iov[i].iov_base, (unsigned)iov[i].iov_len,
			   (flags & MSG_MORE) ? T_MORE : 0);
		if (rc < 0) {
			if (total > 0)
				break;
			return sock_fail(sock_stream_werr());
		}
		total += (size_t)rc;
		if ((size_t)rc < iov[i].iov_len)
			break; /* flow control took the rest: EPOLLOUT when it clears */
	}
	return (ssize_t)total;
}

/* ---- datagrams ---------------------------------------------------------------------------- */

/* Where a datagram goes: dest, or the connected peer. 0, or -1 with errno. */
static int
sock_dgram_target(struct yard_sock *so, const struct sockaddr *dest, socklen_t destlen,
		  struct sockaddr_in *sin)
{
	if (so->so_flags & SF_WRSHUT)
		return sock_fail(EPIPE);
	if (dest == NULL) {
		if (!(so->so_flags & SF_CONNECTED))
			return sock_fail(EDESTADDRREQ);
		*sin = so->so_peer;
	} else {
		if (so->so_flags & SF_CONNECTED)
			return sock_fail(EISCONN);
		if (destlen < (socklen_t)sizeof(*sin))
			return sock_fail(EINVAL);
		memcpy(sin, dest, sizeof(*sin));
		if (sin->sin_family != AF_INET)
			return sock_fail(EAFNOSUPPORT);
		memset(sin->sin_zero, 0, sizeof(sin->sin_zero));
	}
	if (!(so->so_flags & SF_BOUND)) {
		struct t_bind req = { .qlen = 0 };

		if (t_bind(so->so_fd, &req, NULL) < 0)
			return sock_fail(sock_errno(EINVAL));
		so->so_flags |= SF_BOUND;
	}
	return 0;
}

static int
sock_dgram_werr(void)
{
	switch (t_errno) {
	case TFLOW:
		return EAGAIN;
	case TBADDATA:
		return EMSGSIZE;
	default:
		return sock_errno(EINVAL);
	}
}

/* The T_IP_PKTINFO option of a sendmsg's IP_PKTINFO cmsg: a T_UNITDATA_REQ's options. */
struct sock_pi_opt {
	struct t_opthdr po_oh;
	struct t_in_pktinfo po_pi;
};

static ssize_t
sock_dgram_send(struct yard_sock *so, const struct iovec *iov, size_t n, size_t len,
		const struct sockaddr *dest, socklen_t destlen, const struct t_in_pktinfo *pi)
{
	struct sockaddr_in sin;
	struct netbuf nb = { .maxlen = sizeof(sin), .len = sizeof(sin), .buf = &sin };
	struct sock_pi_opt po;
	mblk_t *mp = NULL;

	if (sock_dgram_target(so, dest, destlen, &sin) < 0)
		return -1;
	if (len > SOCK_DGRAM_MAX)
		return sock_fail(EMSGSIZE);
	/* Several buffers: one datagram, gathered once, sent as it is. */
	if (n > 1 && len > 0) {
		mp = allocb(len, BPRI_MED);
		if (mp == NULL)
			return sock_fail(ENOBUFS);
		for (size_t i = 0; i < n; i++) {
			memcpy(mp->b_wptr, iov[i].iov_base, iov[i].iov_len);
			mp->b_wptr += iov[i].iov_len;
		}
	}
	if (n <= 1 || pi != NULL) {
		/* Copied by t_sndudata, with the options the zero-copy send does not carry. */
		struct t_unitdata ud = { .addr = nb };

		if (len > 0) {
			ud.udata.maxlen = ud.udata.len = (unsigned)len;
			ud.udata.buf = mp != NULL ? (void *)mp->b_rptr : iov[0].iov_base;
		}
		if (pi != NULL) {
			po = (struct sock_pi_opt){
				.po_oh = { .len = sizeof(po), .level = T_INET_IP,
					   .name = T_IP_PKTINFO },
				.po_pi = *pi,
			};
			ud.opt = (struct netbuf){ .maxlen = sizeof(po), .len = sizeof(po),
						  .buf = &po };
		}
		if (t_sndudata(so->so_fd, &ud) < 0) {
			int err = sock_dgram_werr();

			freemsg(mp);
			return sock_fail(err);
		}
		freemsg(mp);
		return (ssize_t)len;
	}
	if (yard_t_sndudata_mblk(so->so_fd, &nb, mp) < 0) {
		int err = sock_dgram_werr();

		freemsg(mp);
		return sock_fail(err);
	}
	return (ssize_t)len;
}

/* Same address and port? */
static inline bool
sock_same_peer(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port;
}

/* The T_IP_PKTINFO value among a T_UNITDATA_IND's options (len bytes at opt) into *pi. */
static bool
sock_opt_pktinfo(const uint8_t *opt, size_t len, struct t_in_pktinfo *pi)
{
	size_t o = 0;

	while (len - o >= sizeof(struct t_opthdr)) {
		struct t_opthdr oh;

		memcpy(&oh, opt + o, sizeof(oh));
		if (oh.len < sizeof(oh) || oh.len > len - o)
			return false; /* udp never sends this: the buffer is not to be read on */
		if (oh.level == T_INET_IP && oh.name == T_IP_PKTINFO &&
		    oh.len == sizeof(oh) + sizeof(*pi)) {
			memcpy(pi, opt + o + sizeof(oh), sizeof(*pi));
			return true;
		}
		o = _TPI_ALIGN_TOPT(o + oh.len);
		if (o >= len)
			break;
	}
	return false;
}

/*
 * The next datagram for the socket (so_hold first) and its source; error indications are
 * taken on the way (a connected socket's peer's: -1 with that errno). 0, or -1 with errno.
 * keep: leave it in so_hold (MSG_PEEK).
 */
static int
sock_dgram_next(struct yard_sock *so, mblk_t **mpp, struct sockaddr_in *from, bool keep)
{
	for (;;) {
		struct netbuf nb = { .maxlen = sizeof(*from), .buf = from };
		uint8_t ob[128]; /* udp's option is 28 bytes */
		struct netbuf onb = { .maxlen = so->so_pktinfo ? sizeof(ob) : 0, .buf = ob };
		mblk_t *mp;

		if (so->so_hold != NULL) {
			*mpp = so->so_hold;
			*from = so->so_hold_from;
			if (!keep)
				so->so_hold = NULL;
			return 0;
		}
		memset(from, 0, sizeof(*from));
		if (yard_t_rcvudata_mblk_opt(so->so_fd, &nb, &onb, &mp) < 0) {
			if (t_errno == TLOOK) {
				struct sockaddr_in to;
				struct t_uderr ue = { .addr = { .maxlen = sizeof(to), .buf = &to } };

				memset(&to, 0, sizeof(to));
				if (t_rcvuderr(so->so_fd, &ue) < 0)
					return sock_fail(sock_errno(EIO));
				if ((so->so_flags & SF_CONNECTED) && sock_same_peer(&to, &so->so_peer) &&
				    ue.error > 0) {
					so->so_st->sos_uderr_reported++;
					return sock_fail((int)ue.error);
				}
				so->so_st->sos_uderr_dropped++;
				continue;
			}
			return sock_fail(sock_errno(EINVAL));
		}
		from->sin_family = AF_INET;
		so->so_rpi_ok = onb.len > 0 && sock_opt_pktinfo(ob, onb.len, &so->so_rpi);
		if ((so->so_flags & SF_CONNECTED) && !sock_same_peer(from, &so->so_peer)) {
			so->so_st->sos_drop_not_peer++;
			freemsg(mp);
			continue;
		}
		if (keep) {
			so->so_hold = mp;
			so->so_hold_from = *from;
		}
		*mpp = mp;
		return 0;
	}
}

static ssize_t
sock_dgram_recv(struct yard_sock *so, const struct iovec *iov, size_t n, int flags,
		struct sockaddr_in *from, int *msgflags)
{
	struct sock_iter it = { .it_iov = iov, .it_n = n };
	bool peek = (flags & MSG_PEEK) != 0;
	size_t len, got;
	mblk_t *mp, *cur;

	if (so->so_flags & SF_RDSHUT) {
		so->so_rpi_ok = false; /* no datagram: no cmsg */
		return 0;
	}
	if (sock_dgram_next(so, &mp, from, peek) < 0)
		return -1;
	len = mp != NULL ? msgdsize(mp) : 0;
	cur = mp;
	got = sock_copy_msg(&cur, &it, false);
	if (got < len) {
		*msgflags |= MSG_TRUNC;
		if (!peek)
			so->so_st->sos_drop_truncated += len - got;
	}
	if (!peek)
		freemsg(mp);
	return (ssize_t)((flags & MSG_TRUNC) ? len : got);
}

int
sock_dgram_error(struct yard_sock *so)
{
	struct sockaddr_in to;
	struct t_uderr ue = { .addr = { .maxlen = sizeof(to), .buf = &to } };

	if (so->so_type != SOCK_DGRAM || so->so_hold != NULL || t_look(so->so_fd) != T_UDERR)
		return 0;
	memset(&to, 0, sizeof(to));
	if (t_rcvuderr(so->so_fd, &ue) < 0)
		return 0;
	if ((so->so_flags & SF_CONNECTED) && sock_same_peer(&to, &so->so_peer) && ue.error > 0) {
		so->so_st->sos_uderr_reported++;
		return (int)ue.error;
	}
	so->so_st->sos_uderr_dropped++;
	return 0;
}

/* ---- the calls ---------------------------------------------------------------------------- */

static ssize_t
sock_sendv(int fd, const struct iovec *iov, size_t n, int flags, const struct sockaddr *dest,
	   socklen_t destlen, const struct t_in_pktinfo *pi)
{
	struct yard_sock *so = sock_get(fd);
	ssize_t len;

	if (so == NULL)
		return -1;
	if (flags & ~SOCK_SEND_FLAGS)
		return sock_fail(EOPNOTSUPP);
	len = sock_iov_len(iov, n);
	if (len < 0)
		return -1;
	if (so->so_type == SOCK_DGRAM)
		return sock_dgram_send(so, iov, n, (size_t)len, dest, destlen, pi);
	return sock_stream_send(so, iov, n, (size_t)len, flags);
}

static ssize_t
sock_recvv(int fd, const struct iovec *iov, size_t n, int flags, struct sockaddr *src,
	   socklen_t *srclen, int *msgflags)
{
	struct yard_sock *so = sock_get(fd);
	struct sockaddr_in from;
	ssize_t room, rc;

	if (so == NULL)
		return -1;
	if (flags & ~SOCK_RECV_FLAGS)
		return sock_fail(EOPNOTSUPP);
	if (src != NULL && srclen == NULL)
		return sock_fail(EFAULT);
	room = sock_iov_len(iov, n);
	if (room < 0)
		return -1;
	*msgflags = 0;
	if (so->so_type == SOCK_DGRAM) {
		rc = sock_dgram_recv(so, iov, n, flags, &from, msgflags);
		if (rc >= 0 && src != NULL && !(so->so_flags & SF_RDSHUT))
			(void)sock_addr_out(&from, src, srclen);
		return rc;
	}
	rc = sock_stream_recv(so, iov, n, (size_t)room, flags);
	if (rc > 0 && src != NULL)
		(void)sock_addr_out(&so->so_peer, src, srclen);
	return rc;
}

ssize_t
yard_send(int fd, const void *buf, size_t len, int flags)
{
	struct iovec v = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };

	return sock_sendv(fd, &v, 1, flags, NULL, 0, NULL);
}

ssize_t
yard_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *dest,
	    socklen_t destlen)
{
	struct iovec v = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };
	struct yard_sock *so = sock_get(fd);

	if (so == NULL)
		return -1;
	if (so->so_type == SOCK_STREAM && dest != NULL && !(so->so_flags & SF_CONNECTED) &&
	    !(so->so_flags & SF_CONNECTING))
		return sock_fail(ENOTCONN);
	return sock_sendv(fd, &v, 1, flags, so->so_type == SOCK_STREAM ? NULL : dest, destlen,
			  NULL);
}

/*
 * A datagram sendmsg's control messages, as Linux reads them (ip_cmsg_send): IPPROTO_IP's
 * IP_PKTINFO (a struct in_pktinfo, exactly) into *pi, *has set; any other IPPROTO_IP type,
 * a malformed header, and SOL_SOCKET's (yard has none of them) are EINVAL; other levels are
 * not IP's and are skipped. 0, or -1 with errno.
 */
static int
sock_cmsg_send(const struct msghdr *msg, struct t_in_pktinfo *pi, bool *has)
{
	if (msg->msg_control == NULL)
		return sock_fail(EFAULT);
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm != NULL;
	     cm = CMSG_NXTHDR((struct msghdr *)(uintptr_t)msg, cm)) {
		struct in_pktinfo ipi;
		size_t at = (size_t)((uint8_t *)cm - (uint8_t *)msg->msg_control);

		if (cm->cmsg_len < sizeof(*cm) || cm->cmsg_len > msg->msg_controllen - at)
			return sock_fail(EINVAL);
		if (cm->cmsg_level == SOL_SOCKET)
			return sock_fail(EINVAL);
		if (cm->cmsg_level != IPPROTO_IP)
			continue;
		if (cm->cmsg_type != IP_PKTINFO || cm->cmsg_len != CMSG_LEN(sizeof(ipi)))
			return sock_fail(EINVAL);
		memcpy(&ipi, CMSG_DATA(cm), sizeof(ipi));
		*pi = (struct t_in_pktinfo){ .ipi_ifindex = (uint32_t)ipi.ipi_ifindex,
					     .ipi_spec_dst = ipi.ipi_spec_dst.s_addr };
		*has = true;
	}
	return 0;
}

ssize_t
yard_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct yard_sock *so = sock_get(fd);
	struct t_in_pktinfo pi;
	bool has = false;

	if (so == NULL)
		return -1;
	if (msg == NULL)
		return sock_fail(EFAULT);
	if (msg->msg_controllen > 0) {
		if (so->so_type != SOCK_DGRAM)
			return sock_fail(EINVAL);
		if (sock_cmsg_send(msg, &pi, &has) < 0)
			return -1;
	}
	return sock_sendv(fd, msg->msg_iov, msg->msg_iovlen, flags,
			  so->so_type == SOCK_STREAM ? NULL : msg->msg_name, msg->msg_namelen,
			  has && (pi.ipi_ifindex | pi.ipi_spec_dst) != 0 ? &pi : NULL);
}

ssize_t
yard_recv(int fd, void *buf, size_t len, int flags)
{
	struct iovec v = { .iov_base = buf, .iov_len = len };
	int mf;

	return sock_recvv(fd, &v, 1, flags, NULL, NULL, &mf);
}

ssize_t
yard_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *src, socklen_t *srclen)
{
	struct iovec v = { .iov_base = buf, .iov_len = len };
	int mf;

	return sock_recvv(fd, &v, 1, flags, src, srclen, &mf);
}

/*
 * The datagram's IP_PKTINFO cmsg into msg_control: its bytes (what msg_controllen becomes),
 * or 0 with MSG_CTRUNC in *mf when the whole cmsg does not fit (none is written in part).
 */
static size_t
sock_cmsg_pktinfo(struct msghdr *msg, const struct t_in_pktinfo *pi, int *mf)
{
	struct in_pktinfo ipi = {
		.ipi_ifindex = (int)pi->ipi_ifindex,
		.ipi_spec_dst.s_addr = pi->ipi_spec_dst,
		.ipi_addr.s_addr = pi->ipi_addr,
	};
	struct cmsghdr *cm;

	if (msg->msg_control == NULL || msg->msg_controllen < CMSG_LEN(sizeof(ipi))) {
		*mf |= MSG_CTRUNC;
		return 0;
	}
	cm = (struct cmsghdr *)msg->msg_control;
	cm->cmsg_len = CMSG_LEN(sizeof(ipi));
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	memcpy(CMSG_DATA(cm), &ipi, sizeof(ipi));
	/* With its padding, as Linux counts it, when that fits too. */
	return RTE_MIN((size_t)CMSG_SPACE(sizeof(ipi)), (size_t)msg->msg_controllen);
}

ssize_t
yard_recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct yard_sock *so;
	size_t clen = 0;
	ssize_t rc;
	int mf = 0;

	if (msg == NULL)
		return sock_fail(EFAULT);
	rc = sock_recvv(fd, msg->msg_iov, msg->msg_iovlen, flags, msg->msg_name,
			msg->msg_name != NULL ? &msg->msg_namelen : NULL, &mf);
	if (rc >= 0) {
		so = sock_get(fd);
		if (so != NULL && so->so_type == SOCK_DGRAM && so->so_pktinfo && so->so_rpi_ok)
			clen = sock_cmsg_pktinfo(msg, &so->so_rpi, &mf);
		msg->msg_flags = mf;
		msg->msg_controllen = clen;
	}
	return rc;
}

/* ---- zero copy ---------------------------------------------------------------------------- */

ssize_t
yard_sendto_mblk(int fd, mblk_t *mp, int flags, const struct sockaddr *dest, socklen_t destlen)
{
	struct yard_sock *so = sock_get(fd);
	struct sockaddr_in sin;
	struct netbuf nb = { .maxlen = sizeof(sin), .len = sizeof(sin), .buf = &sin };
	size_t len;
	int rc;

	if (so == NULL)
		return -1;
	if (flags & ~SOCK_SEND_FLAGS)
		return sock_fail(EOPNOTSUPP);
	if (mp != NULL && DB_TYPE(mp) != M_DATA)
		return sock_fail(EINVAL);
	len = mp == NULL ? 0 : msgdsize(mp);
	if (so->so_type == SOCK_DGRAM) {
		if (sock_dgram_target(so, dest, destlen, &sin) < 0)
			return -1;
		if (len > SOCK_DGRAM_MAX)
			return sock_fail(EMSGSIZE);
		if (yard_t_sndudata_mblk(fd, &nb, mp) < 0)
			return sock_fail(sock_dgram_werr());
		return (ssize_t)len;
	}
	if (mp == NULL)
		return sock_fail(EINVAL);
	if (sock_stream_wcheck(so) < 0)
		return -1;
	if (len > INT32_MAX)
		return sock_fail(EMSGSIZE);
	rc = yard_t_snd_mblk(fd, mp, (flags & MSG_MORE) ? T_MORE : 0);
	if (rc < 0)
		return sock_fail(sock_stream_werr());
	return rc;
}

ssize_t
yard_recvfrom_mblk(int fd, mblk_t **mpp, int flags, struct sockaddr *src, socklen_t *srclen)
{
	struct yard_sock *so = sock_get(fd);
	struct sockaddr_in from;
	mblk_t *mp;
	int rc, fl;

	if (so == NULL)
		return -1;
	if (mpp == NULL || (src != NULL && srclen == NULL))
		return sock_fail(EFAULT);
	*mpp = NULL;
	if (flags & MSG_PEEK)
		return sock_fail(EOPNOTSUPP);
	if (flags & ~SOCK_RECV_FLAGS)
		return sock_fail(EOPNOTSUPP);
	if (so->so_type == SOCK_DGRAM) {
		if (so->so_flags & SF_RDSHUT)
			return 0;
		if (sock_dgram_next(so, &mp, &from, false) < 0)
			return -1;
		*mpp = mp;
		(void)sock_addr_out(&from, src, srclen);
		return mp == NULL ? 0 : (ssize_t)msgdsize(mp);
	}
	rc = sock_stream_rcheck(so);
	if (rc != 0)
		return rc > 0 ? 0 : -1;
	mp = so->so_hold;
	so->so_hold = NULL;
	while (mp == NULL) {
		if (yard_t_rcv_mblk(fd, &mp, &fl) < 0)
			return sock_stream_end(so, t_errno);
	}
	*mpp = mp;
	(void)sock_addr_out(&so->so_peer, src, srclen);
	return (ssize_t)msgdsize(mp);
}
