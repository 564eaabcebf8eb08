/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sockets library (yard_socket.h): descriptors, the set-up calls, addresses, options.
 *
 * Principles of operation
 * -----------------------
 * A socket is an XTI endpoint (t_open of "tcp" or "udp", which pushes timod) with sockmod
 * pushed above timod, plus the socket state in yard_socks[fd], indexed by the XTI descriptor:
 * so one table numbers both kinds and they coexist. XTI does the TPI exchanges and keeps
 * TPI's state; this library keeps what sockets add to it (listening, connecting, shut down
 * in either direction, reset, a default datagram peer) and turns XTI's answers into the errno
 * values POSIX gives (sock_errno and the call-specific cases). sockmod keeps what only the
 * stream sees as it happens: the pending error of a connection refused or reset (SO_ERROR)
 * and the write error EPIPE that makes the stream head refuse writes after a reset.
 *
 * State changes that arrive as indications (T_CONN_CON, a T_DISCON_IND while connecting)
 * are taken lazily, when the application next looks: any call on the socket and every
 * yard_epoll_wait() that examines it start with sock_progress(). Orderly release and reset
 * of an established connection are taken by the reads, in order behind the data (a read
 * returns 0 or ECONNRESET when it reaches them).
 *
 * Events. Each socket's stream head calls sock_sth_notify() (sth_set_notify, not XTI's
 * notifier: epoll needs S_OUTPUT whenever flow control clears, not only after an XTI send
 * was refused), which does nothing but put the socket on its epoll instance's ready list.
 *
 * Listen. XTI fixes the backlog at bind time (T_BIND_REQ CONIND_number), sockets at listen
 * time, so yard_listen() unbinds and binds the same address again with the backlog; on one
 * lcore nothing can take the port in between (tcp's ports are per lcore instance).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include <protocols/sockmod/sockmod.h>
#include <protocols/tcp.h>
#include <protocols/udp.h>

#include "socket_priv.h"

struct yard_sock yard_socks[YARD_T_MAX_FDS];
static struct yard_sockstat sock_pcpu[RTE_MAX_LCORE];

static const char *const sock_names[] = {
#define SOCK_STAT(name, help) #name,
#include "socket.def"
#undef SOCK_STAT
};
static const char *const sock_helps[] = {
#define SOCK_STAT(name, help) help,
#include "socket.def"
#undef SOCK_STAT
};

#define SOCK_NSTATS RTE_DIM(sock_names)

unsigned
yard_sockstat_count(void)
{
	return SOCK_NSTATS;
}

const char *
yard_sockstat_name(unsigned i)
{
	return i < SOCK_NSTATS ? sock_names[i] : NULL;
}

const char *
yard_sockstat_help(unsigned i)
{
	return i < SOCK_NSTATS ? sock_helps[i] : NULL;
}

uint64_t
yard_sockstat_get(unsigned i, int lcore)
{
	uint64_t sum = 0;

	if (i >= SOCK_NSTATS)
		return 0;
	for (int lc = 0; lc < RTE_MAX_LCORE; lc++)
		if (lcore < 0 || lc == lcore)
			sum += ((const volatile uint64_t *)&sock_pcpu[lc])[i];
	return sum;
}

/* ---- descriptors and errors --------------------------------------------------------------- */

struct yard_sock *
sock_get(int fd)
{
	struct stdata *sd;
	struct yard_sock *so;

	if (fd < 0 || fd >= YARD_T_MAX_FDS) {
		errno = EBADF;
		return NULL;
	}
	sd = yard_t_stream(fd);
	so = &yard_socks[fd];
	if (sd == NULL) {
		errno = EBADF;
		return NULL;
	}
	if (sd->sd_sched != yard_sched_self()) {
		errno = EXDEV;
		return NULL;
	}
	if (so->so_type == 0) {
		errno = ENOTSOCK; /* an XTI endpoint */
		return NULL;
	}
	if (so->so_flags & SF_CLOSING) {
		errno = EBADF; /* closed; its stream is draining */
		return NULL;
	}
	return so;
}

int
sock_errno(int dflt)
{
	switch (t_errno) {
	case TBADF:
		return EBADF;
	case TOUTSTATE:
		return dflt;
	case TBADADDR:
	case TNOADDR:
		return EADDRNOTAVAIL;
	case TADDRBUSY:
		return EADDRINUSE;
	case TFLOW:
	case TNODATA:
		return EAGAIN;
	case TBADDATA:
		return EMSGSIZE;
	case TNOTSUPPORT:
		return EOPNOTSUPP;
	case TBADOPT:
	case TBADFLAG:
		return EINVAL;
	case TSYSERR:
		return errno > 0 ? errno : EIO;
	default:
		return EPROTO;
	}
}

static void
sock_sth_notify(struct stdata *sd, unsigned events, void *arg)
{
	(void)sd;
	(void)events;
	sock_ready(arg);
}

static int sock_release(struct yard_sock *so);

/* A socket of type (SOCK_STREAM/SOCK_DGRAM) on drv: the descriptor, or -1 with errno. */
static int
sock_create(int type, const char *drv)
{
	struct yard_sock *so;
	struct stdata *sd;
	int fd, rc;

	fd = t_open(drv, O_RDWR | O_NONBLOCK, NULL);
	if (fd < 0)
		return sock_fail(t_errno == TBADNAME ? EPROTONOSUPPORT : sock_errno(EPROTO));
	sd = yard_t_stream(fd);
	rc = sth_ioctl(sd, I_PUSH, (intptr_t)SOCKMOD_MODNAME);
	if (rc < 0) {
		(void)t_close(fd);
		return sock_fail(-rc == ENXIO ? EPROTONOSUPPORT : -rc);
	}
	so = &yard_socks[fd];
	memset(so, 0, sizeof(*so));
	so->so_fd = fd;
	so->so_type = type;
	so->so_st = &sock_pcpu[rte_lcore_id() < RTE_MAX_LCORE ? rte_lcore_id() : 0];
	so->so_st->sos_opened++;
	sth_set_notify(sd, S_INPUT | S_HIPRI | S_OUTPUT | S_ERROR | S_HANGUP, sock_sth_notify, so);
	return fd;
}

int
yard_socket(int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (domain != AF_INET)
		return sock_fail(EAFNOSUPPORT);
	switch (base) {
	case SOCK_STREAM:
		if (protocol != 0 && protocol != IPPROTO_TCP)
			return sock_fail(protocol == IPPROTO_UDP ? EPROTOTYPE : EPROTONOSUPPORT);
		return sock_create(SOCK_STREAM, TCP_DRVNAME);
	case SOCK_DGRAM:
		if (protocol != 0 && protocol != IPPROTO_UDP)
			return sock_fail(protocol == IPPROTO_TCP ? EPROTOTYPE : EPROTONOSUPPORT);
		return sock_create(SOCK_DGRAM, UDP_DRVNAME);
	default:
		if (base & ~0xf)
			return sock_fail(EINVAL); /* unknown flags */
		return sock_fail(ESOCKTNOSUPPORT);
	}
}

/* An AF_INET address from the caller: 0, or -1 with errno. */
static int
sock_addr_in(const struct sockaddr *addr, socklen_t addrlen, struct sockaddr_in *sin)
{
	if (addr == NULL)
		return sock_fail(EFAULT);
	if (addrlen < (socklen_t)sizeof(*sin))
		return sock_fail(EINVAL);
	memcpy(sin, addr, sizeof(*sin));
	if (sin->sin_family != AF_INET)
		return sock_fail(EAFNOSUPPORT);
	memset(sin->sin_zero, 0, sizeof(sin->sin_zero));
	return 0;
}

int
sock_addr_out(const struct sockaddr_in *sin, struct sockaddr *addr, socklen_t *addrlen)
{
	if (addr == NULL)
		return 0;
	if (addrlen == NULL)
		return sock_fail(EFAULT);
	memcpy(addr, sin, RTE_MIN((size_t)*addrlen, sizeof(*sin)));
	*addrlen = sizeof(*sin);
	return 0;
}

/* Bind sin (NULL: an ephemeral port on every address) with qlen; 0 or -1 with errno. */
static int
sock_bind_xti(struct yard_sock *so, const struct sockaddr_in *sin, unsigned qlen)
{
	struct t_bind req = { .qlen = qlen };

	if (sin != NULL) {
		req.addr.maxlen = req.addr.len = sizeof(*sin);
		req.addr.buf = (void *)(uintptr_t)sin;
	}
	if (t_bind(so->so_fd, &req, NULL) < 0)
		return sock_fail(sock_errno(EINVAL));
	so->so_flags |= SF_BOUND;
	return 0;
}

/* The bound address from the provider. */
static int
sock_local(struct yard_sock *so, struct sockaddr_in *sin)
{
	struct t_bind b = { .addr = { .maxlen = sizeof(*sin), .buf = sin } };

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (t_getprotaddr(so->so_fd, &b, NULL) < 0)
		return sock_fail(sock_errno(EINVAL));
	if (b.addr.len == 0) {
		memset(sin, 0, sizeof(*sin)); /* not bound */
		sin->sin_family = AF_INET;
	}
	return 0;
}

int
yard_bind(int fd, const struct sockaddr *addr, socklen_t addrlen)
{
	struct yard_sock *so = sock_get(fd);
	struct sockaddr_in sin;

	if (so == NULL)
		return -1;
	if (sock_addr_in(addr, addrlen, &sin) < 0)
		return -1;
	if (so->so_flags & (SF_BOUND | SF_LISTENING | SF_CONNECTING | SF_CONNECTED))
		return sock_fail(EINVAL);
	return sock_bind_xti(so, &sin, 0);
}

int
yard_listen(int fd, int backlog)
{
	struct yard_sock *so = sock_get(fd);
	struct sockaddr_in sin;
	unsigned qlen;

	if (so == NULL)
		return -1;
	if (so->so_type != SOCK_STREAM)
		return sock_fail(EOPNOTSUPP);
	if (so->so_flags & SF_LISTENING)
		return 0;
	if (so->so_flags & (SF_CONNECTING | SF_CONNECTED | SF_FAILED | SF_RESET | SF_WRSHUT |
			    SF_RDSHUT))
		return sock_fail(EINVAL);
	qlen = backlog <= 0 ? 1 : (unsigned)RTE_MIN(backlog, SOMAXCONN);
	if (!(so->so_flags & SF_BOUND)) {
		if (sock_bind_xti(so, NULL, qlen) < 0)
			return -1;
	} else {
		if (sock_local(so, &sin) < 0)
			return -1;
		if (t_unbind(fd) < 0)
			return sock_fail(sock_errno(EINVAL));
		so->so_flags &= ~SF_BOUND;
		if (sock_bind_xti(so, &sin, qlen) < 0) {
			int err = errno;

			(void)sock_bind_xti(so, &sin, 0); /* as it was, if it can be */
			return sock_fail(err);
		}
	}
	so->so_flags |= SF_LISTENING;
	return 0;
}

int
yard_accept(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	struct yard_sock *so = sock_get(fd), *nso;
	struct sockaddr_in sin;
	int nfd;

	if (so == NULL)
		return -1;
	if (so->so_type != SOCK_STREAM)
		return sock_fail(EOPNOTSUPP);
	if (!(so->so_flags & SF_LISTENING))
		return sock_fail(EINVAL);
	if (addr != NULL && addrlen == NULL)
		return sock_fail(EFAULT);
	for (;;) {
		struct t_call call = { .addr = { .maxlen = sizeof(sin), .buf = &sin } };

		memset(&sin, 0, sizeof(sin));
		if (t_listen(fd, &call) < 0) {
			if (t_errno == TLOOK && t_rcvdis(fd, NULL) == 0) {
				so->so_st->sos_accept_cancelled++;
				continue; /* the peer reset it while it waited */
			}
			return sock_fail(sock_errno(EINVAL));
		}
		nfd = sock_create(SOCK_STREAM, TCP_DRVNAME);
		if (nfd < 0) {
			int err = errno;

			so->so_st->sos_accept_refused++;
			(void)t_snddis(fd, &call);
			return sock_fail(err);
		}
		while (t_accept(fd, nfd, &call) < 0) {
			int terr = t_errno, err = sock_errno(ECONNABORTED);
			struct t_discon dis = { .sequence = -1 };

			/*
			 * TLOOK: a disconnection waits on the listener, but not necessarily this
			 * indication's: one whose T_CONN_RES met TBADSEQ below, or another reset
			 * while queued, may be ahead. Take it; only if it names this one is this
			 * one gone, else accept this one again (dropping it instead would leave its
			 * connection neither accepted nor refused, for ever).
			 */
			if (terr == TLOOK && t_rcvdis(fd, &dis) == 0) {
				so->so_st->sos_accept_cancelled++;
				if (dis.sequence != call.sequence)
					continue;
			}
			/* Counted closed as it was counted opened: /yard/sockets' open sockets
			 * (opened - closed) must come back to what the services hold. */
			(void)sock_release(&yard_socks[nfd]);
			nfd = -1;
			/* TLOOK taken above, or TBADSEQ: the peer reset it after t_listen, and (XTI)
			 * its T_DISCONNECT comes on the listener for t_listen or t_accept to take,
			 * as above. Either way it is gone: on to the next indication. */
			if (terr == TLOOK || terr == TBADSEQ)
				break;
			so->so_st->sos_accept_refused++;
			(void)t_snddis(fd, &call);
			return sock_fail(err);
		}
		if (nfd >= 0)
			break;
	}
	nso = &yard_socks[nfd];
	nso->so_flags = SF_BOUND | SF_CONNECTED;
	nso->so_peer = sin;
	nso->so_linger = so->so_linger; /* inherited from the listener, as on Linux */
	so->so_st->sos_accepted++;
	if (sock_addr_out(&sin, addr, addrlen) < 0)
		return -1;
	return nfd;
}

void
sock_progress(struct yard_sock *so)
{
	int fd = so->so_fd;

	if (so->so_type != SOCK_STREAM)
		return;
	if (so->so_flags & SF_CONNECTING) {
		switch (t_look(fd)) {
		case T_CONNECT:
			if (t_rcvconnect(fd, NULL) == 0 || t_errno == TBUFOVFLW) {
				so->so_flags &= ~SF_CONNECTING;
				so->so_flags |= SF_CONNECTED;
			}
			break;
		case T_DISCONNECT:
			if (t_rcvdis(fd, NULL) == 0) {
				so->so_flags &= ~SF_CONNECTING;
				so->so_flags |= SF_FAILED | SF_ERRPEND;
				so->so_st->sos_connect_failed++;
			}
			break;
		default:
			break;
		}
	}
	if ((so->so_flags & SF_WRSHUT_DUE) && !(so->so_flags & SF_RESET)) {
		if (t_sndrel(fd) == 0 || t_errno != TFLOW)
			so->so_flags &= ~SF_WRSHUT_DUE; /* sent, or nothing left to release */
	}
}

/* The reason of the connection's T_DISCON_IND still queued at the stream head, 0 if none. */
static int
sock_queued_discon(struct stdata *sd)
{
	for (const mblk_t *mp = STH_RQ(sd)->q_first; mp != NULL; mp = mp->b_next) {
		const struct T_discon_ind *di = (const struct T_discon_ind *)mp->b_rptr;

		if (DB_TYPE(mp) == M_PROTO && MBLKL(mp) >= sizeof(*di) &&
		    di->PRIM_type == T_DISCON_IND && di->SEQ_number == -1)
			return di->DISCON_reason > 0 ? (int)di->DISCON_reason : ECONNRESET;
	}
	return 0;
}

int
sock_take_error(struct yard_sock *so)
{
	struct stdata *sd = yard_t_stream(so->so_fd);
	struct strioctl ic;
	int32_t err = 0;
	int rc;

	so->so_flags &= ~SF_ERRPEND;
	if (sd->sd_flag & STWRERR) {
		/* Reset: the stream head refuses ioctls with the write error sockmod set (as
		 * SVR4's does), so the reason comes from the disconnection itself, reported once
		 * whether by SO_ERROR or by a read. */
		if (so->so_flags & SF_RSTSEEN)
			return 0;
		so->so_flags |= SF_RSTSEEN;
		if (so->so_rst_reason != 0)
			return so->so_rst_reason;
		err = sock_queued_discon(sd);
		return err != 0 ? err : ECONNRESET;
	}
	ic = (struct strioctl){ .ic_cmd = SOCK_GETERR, .ic_len = sizeof(err), .ic_dp = (char *)&err };
	rc = sth_ioctl(sd, I_STR, (intptr_t)&ic);
	if (rc < 0 || ic.ic_len < (int)sizeof(err))
		err = 0;
	if (err == 0)
		err = sock_dgram_error(so);
	return err;
}

int
yard_connect(int fd, const struct sockaddr *addr, socklen_t addrlen)
{
	struct yard_sock *so = sock_get(fd);
	struct sockaddr_in sin;
	struct t_call call = { .addr = { .maxlen = sizeof(sin), .len = sizeof(sin), .buf = &sin } };

	if (so == NULL)
		return -1;
	if (so->so_type == SOCK_DGRAM) {
		if (addr != NULL && addrlen >= sizeof(sa_family_t) && addr->sa_family == AF_UNSPEC) {
			so->so_flags &= ~SF_CONNECTED; /* dissolve the association */
			return 0;
		}
		if (sock_addr_in(addr, addrlen, &sin) < 0)
			return -1;
		if (sin.sin_port == 0 || sin.sin_addr.s_addr == INADDR_ANY)
			return sock_fail(EADDRNOTAVAIL);
		if (!(so->so_flags & SF_BOUND) && sock_bind_xti(so, NULL, 0) < 0)
			return -1;
		so->so_peer = sin;
		so->so_flags |= SF_CONNECTED;
		return 0;
	}
	sock_progress(so);
	if (so->so_flags & SF_LISTENING)
		return sock_fail(EINVAL);
	if (so->so_flags & SF_CONNECTING)
		return sock_fail(EALREADY);
	if (so->so_flags & SF_CONNECTED)
		return sock_fail(EISCONN);
	if (so->so_flags & (SF_RESET | SF_WRSHUT | SF_RDSHUT))
		return sock_fail(EINVAL); /* POSIX leaves it open: close it and make another */
	if (sock_addr_in(addr, addrlen, &sin) < 0)
		return -1;
	if (so->so_flags & SF_FAILED) {
		int err = sock_take_error(so);

		so->so_flags &= ~SF_FAILED; /* the next connect tries afresh */
		if (err != 0)
			return sock_fail(err);
	}
	if (sin.sin_port == 0 || sin.sin_addr.s_addr == INADDR_ANY)
		return sock_fail(EADDRNOTAVAIL);
	if (!(so->so_flags & SF_BOUND) && sock_bind_xti(so, NULL, 0) < 0)
		return -1;
	if (t_connect(fd, &call, NULL) < 0 && t_errno != TNODATA)
		return sock_fail(t_errno == TADDRBUSY ? EADDRNOTAVAIL : sock_errno(EINVAL));
	so->so_peer = sin;
	so->so_flags |= SF_CONNECTING;
	so->so_st->sos_connects++;
	return sock_fail(EINPROGRESS);
}

int
yard_shutdown(int fd, int how)
{
	struct yard_sock *so = sock_get(fd);
	struct strioctl ic = { .ic_cmd = SOCK_SHUTRD };

	if (so == NULL)
		return -1;
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return sock_fail(EINVAL);
	sock_progress(so);
	if (!(so->so_flags & SF_CONNECTED))
		return sock_fail(ENOTCONN);
	if ((how == SHUT_RD || how == SHUT_RDWR) && !(so->so_flags & SF_RDSHUT)) {
		struct stdata *sd = yard_t_stream(fd);

		/* After a reset the stream head takes no ioctl; nothing more comes anyway. */
		if (!(sd->sd_flag & STWRERR)) {
			int rc = sth_ioctl(sd, I_STR, (intptr_t)&ic);

			if (rc < 0)
				return sock_fail(-rc);
		}
		freemsg(so->so_hold);
		so->so_hold = NULL;
		so->so_flags |= SF_RDSHUT;
	}
	if ((how == SHUT_WR || how == SHUT_RDWR) && !(so->so_flags & SF_WRSHUT)) {
		so->so_flags |= SF_WRSHUT;
		if (so->so_type == SOCK_STREAM && !(so->so_flags & SF_RESET)) {
			/* RFC 793 3.5 CLOSE: the FIN goes after the data queued. Flow control only
			 * postpones it (sock_progress sends it when the stream is writable). */
			if (t_sndrel(fd) < 0 && t_errno == TFLOW)
				so->so_flags |= SF_WRSHUT_DUE;
		}
	}
	sock_ready(so); /* what it is ready for changed without an event */
	return 0;
}

/* ---- closing ------------------------------------------------------------------------------ */

/* Sockets of an lcore whose close waits for their data to drain (sock_reap). */
struct sock_lcore {
	struct yard_sock *sl_closing;
	bool sl_hooked;
};
static struct sock_lcore sock_lc[RTE_MAX_LCORE];

/* Data still queued below the stream head (a provider's write queue, behind flow control)? */
static bool
sock_queued_below(struct stdata *sd)
{
	for (queue_t *q = sd->sd_wrq->q_next; q != NULL; q = q->q_next)
		if (q->q_first != NULL)
			return true;
	return false;
}

/* The real close: the stream goes (timod and sockmod popped, the provider closed). */
static int
sock_release(struct yard_sock *so)
{
	struct stdata *sd = yard_t_stream(so->so_fd);
	struct yard_sockstat *st = so->so_st;
	mblk_t *hold = so->so_hold;
	int type = so->so_type, rc;

	sth_set_notify(sd, 0, NULL, NULL);
	so->so_type = 0; /* before the slot is free for another t_open */
	so->so_hold = NULL;
	rc = t_close(so->so_fd);
	if (rc < 0) {
		int err = sock_errno(EIO);

		/* Still open (EBUSY: called from inside its own stream's procedures). */
		so->so_type = type;
		so->so_hold = hold;
		sth_set_notify(sd, S_INPUT | S_HIPRI | S_OUTPUT | S_ERROR | S_HANGUP,
			       sock_sth_notify, so);
		return sock_fail(err);
	}
	/*
	 * From here the slot may already be another lcore's: t_close() freed the descriptor, and
	 * that lcore's t_open() may have taken it and reset the slot (sock_create). Only locals.
	 * (Reading so_st from the slot here counted this close on the new owner's lcore: the
	 * two-lcore soak saw per-lcore open sockets off by one each way, the sum right.)
	 */
	freemsg(hold);
	st->sos_closed++;
	return 0;
}

/*
 * Poll hook: close the draining sockets whose queues are empty (the provider has all the
 * data and the release), that were reset, or whose time is up.
 */
static unsigned
sock_reap(void *arg)
{
	struct sock_lcore *sl = arg;
	struct yard_sock **pp = &sl->sl_closing, *so;
	uint64_t now = 0;
	unsigned n = 0;

	while ((so = *pp) != NULL) {
		struct stdata *sd = yard_t_stream(so->so_fd);
		bool done;

		if ((so->so_flags & SF_WRSHUT_DUE) && t_sndrel(so->so_fd) < 0 && t_errno == TFLOW) {
			done = false;
		} else {
			so->so_flags &= ~SF_WRSHUT_DUE;
			done = (sd->sd_flag & (STWRERR | STRHUP)) || !sock_queued_below(sd);
		}
		if (!done) {
			if (now == 0)
				now = rte_get_timer_cycles();
			if (now < so->so_ldeadline) {
				pp = &so->so_lnext;
				continue;
			}
			so->so_st->sos_close_linger_drop++;
		}
		*pp = so->so_lnext;
		so->so_flags &= ~SF_CLOSING;
		if (sock_release(so) < 0) {
			so->so_flags |= SF_CLOSING; /* try again next turn */
			so->so_lnext = *pp;
			*pp = so;
			pp = &so->so_lnext;
			continue;
		}
		n++;
	}
	return n;
}

void
yard_sock_reap_all(void)
{
	struct sock_lcore *sl = &sock_lc[rte_lcore_id() < RTE_MAX_LCORE ? rte_lcore_id() : 0];

	for (struct yard_sock *so = sl->sl_closing; so != NULL; so = so->so_lnext)
		so->so_ldeadline = 0;
	(void)sock_reap(sl);
}

/* Close so once what is queued below its stream head has gone to the provider. */
static int
sock_close_later(struct yard_sock *so)
{
	struct sock_lcore *sl = &sock_lc[rte_lcore_id() < RTE_MAX_LCORE ? rte_lcore_id() : 0];

	if (!sl->sl_hooked) {
		if (yard_sched_add_poll(yard_sched_self(), sock_reap, sl) < 0)
			return -1; /* no room for the hook: close at once */
		sl->sl_hooked = true;
	}
	if (!(so->so_flags & SF_WRSHUT)) {
		/* The release goes behind the data (RFC 793 3.5 CLOSE). */
		so->so_flags |= SF_WRSHUT;
		if (t_sndrel(so->so_fd) < 0 && t_errno == TFLOW)
			so->so_flags |= SF_WRSHUT_DUE;
	}
	sth_set_notify(yard_t_stream(so->so_fd), 0, NULL, NULL);
	so->so_flags |= SF_CLOSING;
	so->so_ldeadline = rte_get_timer_cycles() +
			   (uint64_t)YARD_SOCK_LINGER_MS * rte_get_timer_hz() / 1000;
	so->so_lnext = sl->sl_closing;
	sl->sl_closing = so;
	so->so_st->sos_close_drained++;
	return 0;
}

int
yard_close(int fd)
{
	struct yard_sock *so;
	struct stdata *sd;
	int look;

	if (fd >= YARD_EPOLL_FD_BASE)
		return sock_epoll_close(fd);
	so = sock_get(fd);
	if (so == NULL)
		return -1;
	sd = yard_t_stream(fd);
	sock_epoll_forget(so);
	if (so->so_type == SOCK_STREAM) {
		sock_progress(so);
		look = t_look(fd);
		/* RFC 2525 2.17: data the application never read is lost, so the peer must not
		 * take the end for an orderly one; a connection not yet set up is abandoned.
		 * SO_LINGER with a zero time asks for the same abortive close (RST, what is
		 * queued to send is dropped), as on every BSD and Linux. */
		bool abort_now = so->so_linger.l_onoff && so->so_linger.l_linger == 0;

		if ((so->so_flags & SF_CONNECTING) ||
		    ((so->so_flags & SF_CONNECTED) && !(so->so_flags & SF_RESET) &&
		     (abort_now || so->so_hold != NULL || look == T_DATA))) {
			if (t_snddis(fd, NULL) == 0)
				so->so_st->sos_aborts++;
		} else if ((so->so_flags & SF_CONNECTED) && !(so->so_flags & SF_RESET) &&
			   !(sd->sd_flag & (STWRERR | STRHUP)) && sock_queued_below(sd)) {
			/* Closing the stream now would drop what flow control holds in the
			 * provider's write queue: close when it has been taken, as SVR4's close
			 * waits for the queues to drain (here without blocking). */
			if (sock_close_later(so) == 0)
				return 0;
		}
	}
	return sock_release(so);
}

/* ---- addresses ---------------------------------------------------------------------------- */

int
yard_getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	struct yard_sock *so = sock_get(fd);
	struct sockaddr_in sin;

	if (so == NULL)
		return -1;
	if (addrlen == NULL || addr == NULL)
		return sock_fail(addrlen == NULL ? EINVAL : EFAULT);
	if (sock_local(so, &sin) < 0)
		return -1;
	return sock_addr_out(&sin, addr, addrlen);
}

int
yard_getpeername(int fd, struct sockaddr *addr, socklen_t *addrlen)
{
	struct yard_sock *so = sock_get(fd);

	if (so == NULL)
		return -1;
	if (addrlen == NULL || addr == NULL)
		return sock_fail(addrlen == NULL ? EINVAL : EFAULT);
	sock_progress(so);
	if (!(so->so_flags & SF_CONNECTED) || (so->so_flags & SF_RESET))
		return sock_fail(ENOTCONN);
	return sock_addr_out(&so->so_peer, addr, addrlen);
}

struct stdata *
yard_sock_stream(int fd)
{
	if (fd < 0 || fd >= YARD_T_MAX_FDS || yard_socks[fd].so_type == 0 ||
	    (yard_socks[fd].so_flags & SF_CLOSING))
		return NULL;
	return yard_t_stream(fd);
}

/* ---- options ------------------------------------------------------------------------------ */

/* One option through t_optmgmt: T_NEGOTIATE (set) or T_CURRENT (get) of vlen bytes at val. */
static int
sock_optmgmt(struct yard_sock *so, t_uscalar_t level, t_uscalar_t name, void *val, size_t vlen,
	     t_scalar_t flags)
{
	union {
		struct t_opthdr oh;
		uint8_t raw[sizeof(struct t_opthdr) + 32];
	} in, out;
	struct t_optmgmt req = { .opt = { .len = (unsigned)(sizeof(in.oh) + vlen), .buf = &in },
				 .flags = flags };
	struct t_optmgmt ret = { .opt = { .maxlen = sizeof(out), .buf = &out } };

	if (vlen > sizeof(in.raw) - sizeof(in.oh))
		return sock_fail(EINVAL);
	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	in.oh = (struct t_opthdr){ .len = (t_uscalar_t)(sizeof(in.oh) + vlen), .level = level,
				   .name = name };
	req.opt.maxlen = req.opt.len;
	memcpy(in.raw + sizeof(in.oh), val, vlen);
	if (t_optmgmt(so->so_fd, &req, &ret) < 0)
		return sock_fail(t_errno == TBADOPT ? ENOPROTOOPT : sock_errno(EINVAL));
	if (ret.opt.len < sizeof(out.oh) + vlen)
		return sock_fail(ENOPROTOOPT);
	switch (out.oh.status) {
	case T_SUCCESS:
	case T_PARTSUCCESS:
		break;
	case T_FAILURE:
		return sock_fail(EINVAL);
	default:
		return sock_fail(ENOPROTOOPT);
	}
	memcpy(val, out.raw + sizeof(out.oh), vlen);
	return 0;
}

/*
 * The XTI name of a membership option: the any-source pair, or one of the four source-filter
 * options (RFC 3678 4.1.1); 0 for another.
 */
static t_uscalar_t
sock_mship_name(int optname)
{
	switch (optname) {
	case IP_ADD_MEMBERSHIP:
		return T_IP_ADD_MEMBERSHIP;
	case IP_DROP_MEMBERSHIP:
		return T_IP_DROP_MEMBERSHIP;
	case IP_ADD_SOURCE_MEMBERSHIP:
		return T_IP_ADD_SOURCE_MEMBERSHIP;
	case IP_DROP_SOURCE_MEMBERSHIP:
		return T_IP_DROP_SOURCE_MEMBERSHIP;
	case IP_BLOCK_SOURCE:
		return T_IP_BLOCK_SOURCE;
	case IP_UNBLOCK_SOURCE:
		return T_IP_UNBLOCK_SOURCE;
	default:
		return 0;
	}
}

/* The int value of a setsockopt: 0, or -1 with errno. */
static int
sock_int_in(const void *optval, socklen_t optlen, int *v)
{
	if (optlen < (socklen_t)sizeof(int))
		return sock_fail(EINVAL);
	if (optval == NULL)
		return sock_fail(EFAULT);
	memcpy(v, optval, sizeof(*v));
	return 0;
}

/*
 * The value of IP_MULTICAST_TTL or IP_MULTICAST_LOOP into *v: an int, or one byte (Linux
 * takes both), of a datagram socket's. 0, or -1 with errno.
 */
static int
sock_mcast_byte(const struct yard_sock *so, const void *optval, socklen_t optlen, int *v)
{
	if (so->so_type != SOCK_DGRAM)
		return sock_fail(ENOPROTOOPT);
	if (optval == NULL)
		return sock_fail(EFAULT);
	if (optlen >= (socklen_t)sizeof(int))
		memcpy(v, optval, sizeof(*v));
	else if (optlen == 1)
		*v = *(const uint8_t *)optval;
	else
		return sock_fail(EINVAL);
	return 0;
}

/* The address of the link whose index (DPDK port id + 1, IP_PKTINFO's) is ifindex; 0: none. */
static uint32_t
sock_ifindex_addr(int ifindex)
{
	return ifindex > 0 ? yard_udp_ifindex_addr((uint32_t)ifindex) : 0;
}

/*
 * IP_MULTICAST_IF: the link a group's datagrams go out, named by its address in a struct
 * in_addr, a struct ip_mreq (imr_interface) or a struct ip_mreqn (imr_ifindex, else
 * imr_address; a link's index is its DPDK port id + 1, as IP_PKTINFO says), as Linux takes
 * them. INADDR_ANY goes back to the group's route. An address that is no link's (or not the
 * socket's bound one), or an index none has, is EADDRNOTAVAIL, as Linux says.
 */
static int
sock_set_mcast_if(struct yard_sock *so, const void *optval, socklen_t optlen)
{
	struct ip_mreqn mn = { 0 };
	t_uscalar_t addr;

	if (so->so_type != SOCK_DGRAM)
		return sock_fail(ENOPROTOOPT);
	if (optval == NULL)
		return sock_fail(EFAULT);
	if (optlen >= (socklen_t)sizeof(struct ip_mreqn)) {
		memcpy(&mn, optval, sizeof(mn));
		addr = mn.imr_ifindex != 0 ? sock_ifindex_addr(mn.imr_ifindex) :
					     mn.imr_address.s_addr;
		if (mn.imr_ifindex != 0 && addr == 0)
			return sock_fail(EADDRNOTAVAIL);
	} else if (optlen >= (socklen_t)sizeof(struct ip_mreq)) {
		struct ip_mreq m;

		memcpy(&m, optval, sizeof(m));
		addr = m.imr_interface.s_addr;
	} else if (optlen >= (socklen_t)sizeof(struct in_addr)) {
		struct in_addr a;

		memcpy(&a, optval, sizeof(a));
		addr = a.s_addr;
	} else {
		return sock_fail(EINVAL);
	}
	if (sock_optmgmt(so, T_INET_IP, T_IP_MULTICAST_IF, &addr, sizeof(addr), T_NEGOTIATE) < 0)
		return errno == EINVAL ? sock_fail(EADDRNOTAVAIL) : -1;
	return 0;
}

int
yard_setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
	struct yard_sock *so = sock_get(fd);
	t_uscalar_t u;
	int v;

	if (so == NULL)
		return -1;
	if (level == SOL_SOCKET && optname == SO_LINGER) {
		struct linger l;

		if (optlen < (socklen_t)sizeof(l))
			return sock_fail(EINVAL);
		if (optval == NULL)
			return sock_fail(EFAULT);
		memcpy(&l, optval, sizeof(l));
		if (l.l_onoff && l.l_linger < 0)
			return sock_fail(EINVAL);
		so->so_linger = (struct linger){ l.l_onoff != 0, l.l_onoff ? l.l_linger : 0 };
		return 0;
	}
	if (level == IPPROTO_IP && sock_mship_name(optname) != 0) {
		t_uscalar_t name = sock_mship_name(optname);
		bool src = name != T_IP_ADD_MEMBERSHIP && name != T_IP_DROP_MEMBERSHIP;
		union {
			struct ip_mreq m;
			struct ip_mreq_source s;
		} mr;
		union {
			struct t_ip_mreq m;
			struct t_ip_mreq_source s;
		} tm;
		size_t need = src ? sizeof(mr.s) : sizeof(mr.m);

		if (so->so_type != SOCK_DGRAM)
			return sock_fail(ENOPROTOOPT);
		if (optlen < (socklen_t)need)
			return sock_fail(EINVAL);
		if (optval == NULL)
			return sock_fail(EFAULT);
		memcpy(&mr, optval, need);
		/* A struct ip_mreqn (Linux takes one for these two): its index names the link. */
		if (!src && optlen >= (socklen_t)sizeof(struct ip_mreqn)) {
			struct ip_mreqn mn;

			memcpy(&mn, optval, sizeof(mn));
			if (mn.imr_ifindex != 0) {
				mr.m.imr_interface.s_addr = sock_ifindex_addr(mn.imr_ifindex);
				if (mr.m.imr_interface.s_addr == 0)
					return sock_fail(ENODEV); /* Linux's for no such device */
			}
		}
		/* Field by field: glibc has (group, link, source), XTI Solaris' (group, source,
		 * link). */
		if (src) {
			tm.s.imr_multiaddr = mr.s.imr_multiaddr.s_addr;
			tm.s.imr_sourceaddr = mr.s.imr_sourceaddr.s_addr;
			tm.s.imr_interface = mr.s.imr_interface.s_addr;
		} else {
			tm.m = (struct t_ip_mreq){ mr.m.imr_multiaddr.s_addr,
						   mr.m.imr_interface.s_addr };
		}
		/* udp says only T_FAILURE: EINVAL stands for every refusal (not a group, no
		 * such link, the wrong filter mode, a source there already or not there, no
		 * membership, tables full). */
		return sock_optmgmt(so, T_INET_IP, name, &tm, src ? sizeof(tm.s) : sizeof(tm.m),
				    T_NEGOTIATE);
	}
	if (level == IPPROTO_IP && optname == IP_MULTICAST_TTL) {
		uint8_t ttl;

		if (sock_mcast_byte(so, optval, optlen, &v) < 0)
			return -1;
		/* -1 is the default, 1. */
		if (v == -1)
			v = 1;
		/* 0 keeps the datagrams on the host (its members only, loop-back on). */
		if (v < 0 || v > 255)
			return sock_fail(EINVAL);
		ttl = (uint8_t)v;
		return sock_optmgmt(so, T_INET_IP, T_IP_MULTICAST_TTL, &ttl, sizeof(ttl),
				    T_NEGOTIATE);
	}
	if (level == IPPROTO_IP && optname == IP_MULTICAST_IF)
		return sock_set_mcast_if(so, optval, optlen);
	if (level == IPPROTO_IP && optname == IP_MULTICAST_LOOP) {
		uint8_t loop;

		if (sock_mcast_byte(so, optval, optlen, &v) < 0)
			return -1;
		/* Any non-zero is on, as Linux takes it. */
		loop = v != 0;
		return sock_optmgmt(so, T_INET_IP, T_IP_MULTICAST_LOOP, &loop, sizeof(loop),
				    T_NEGOTIATE);
	}
	if (sock_int_in(optval, optlen, &v) < 0)
		return -1;
	if (level == SOL_SOCKET) {
		switch (optname) {
		case SO_REUSEADDR:
			so->so_reuseaddr = v != 0;
			return 0;
		case SO_RCVBUF:
		case SO_SNDBUF:
			if (v < 0)
				return sock_fail(EINVAL);
			/* Clamp as Linux does rather than fail: tcp refuses values out of range. */
			u = (t_uscalar_t)RTE_MAX(RTE_MIN((unsigned)v, TCP_BUF_MAX), TCP_BUF_MIN);
			return sock_optmgmt(so, XTI_GENERIC,
					    optname == SO_RCVBUF ? XTI_RCVBUF : XTI_SNDBUF, &u,
					    sizeof(u), T_NEGOTIATE);
		case SO_KEEPALIVE: {
			struct t_kpalive kp = { .kp_onoff = v ? T_YES : T_NO, .kp_timeout = -1 };

			if (so->so_type != SOCK_STREAM)
				return sock_fail(ENOPROTOOPT);
			return sock_optmgmt(so, T_INET_TCP, T_TCP_KEEPALIVE, &kp, sizeof(kp),
					    T_NEGOTIATE);
		}
		case SO_BROADCAST:
			/* udp's T_IP_BROADCAST; a stream socket keeps it unused, as Linux does. */
			if (so->so_type == SOCK_STREAM) {
				so->so_broadcast = v != 0;
				return 0;
			}
			u = v ? T_YES : T_NO;
			return sock_optmgmt(so, T_INET_IP, T_IP_BROADCAST, &u, sizeof(u),
					    T_NEGOTIATE);
		default:
			return sock_fail(ENOPROTOOPT); /* SO_ERROR, SO_TYPE are read only */
		}
	}
	if (level == IPPROTO_TCP && optname == TCP_NODELAY && so->so_type == SOCK_STREAM) {
		u = v ? T_YES : T_NO;
		return sock_optmgmt(so, T_INET_TCP, T_TCP_NODELAY, &u, sizeof(u), T_NEGOTIATE);
	}
	if (level == IPPROTO_IP && optname == IP_PKTINFO && so->so_type == SOCK_DGRAM) {
		/* udp's T_IP_PKTINFO; a stream socket's is ENOPROTOOPT below (Linux takes it and
		 * never uses it: refusing says so). */
		u = v ? T_YES : T_NO;
		if (sock_optmgmt(so, T_INET_IP, T_IP_PKTINFO, &u, sizeof(u), T_NEGOTIATE) < 0)
			return -1;
		so->so_pktinfo = v != 0;
		return 0;
	}
	if (level == IPPROTO_IP && (optname == IP_TOS || optname == IP_TTL)) {
		uint8_t b = 0;

		/* IP_TTL: 1..255, -1 the default (Linux): an option with no value, which XTI's
		 * T_NEGOTIATE takes for the default; IP_TOS: the byte (Linux keeps the ECN bits
		 * of a datagram socket's and tcp clears a stream socket's). */
		if (optname == IP_TTL && v == -1)
			return sock_optmgmt(so, T_INET_IP, T_IP_TTL, &b, 0, T_NEGOTIATE);
		if (v < (optname == IP_TTL ? 1 : 0) || v > 255)
			return sock_fail(EINVAL);
		b = (uint8_t)v;
		return sock_optmgmt(so, T_INET_IP, optname == IP_TOS ? T_IP_TOS : T_IP_TTL, &b,
				    sizeof(b), T_NEGOTIATE);
	}
	return sock_fail(ENOPROTOOPT);
}

int
yard_getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen)
{
	struct yard_sock *so = sock_get(fd);
	t_uscalar_t u = 0;
	int v;

	if (so == NULL)
		return -1;
	if (optlen == NULL || optval == NULL)
		return sock_fail(EFAULT);
	if (level == SOL_SOCKET && optname == SO_LINGER) {
		if (*optlen < (socklen_t)sizeof(so->so_linger))
			return sock_fail(EINVAL);
		memcpy(optval, &so->so_linger, sizeof(so->so_linger));
		*optlen = sizeof(so->so_linger);
		return 0;
	}
	if (*optlen < (socklen_t)sizeof(int))
		return sock_fail(EINVAL);
	if (level == SOL_SOCKET) {
		switch (optname) {
		case SO_REUSEADDR:
			v = so->so_reuseaddr;
			break;
		case SO_TYPE:
			v = so->so_type;
			break;
		case SO_ERROR:
			sock_progress(so);
			v = sock_take_error(so);
			break;
		case SO_RCVBUF:
		case SO_SNDBUF:
			if (sock_optmgmt(so, XTI_GENERIC, optname == SO_RCVBUF ? XTI_RCVBUF : XTI_SNDBUF,
					 &u, sizeof(u), T_CURRENT) < 0)
				return -1;
			v = (int)RTE_MIN(u, (t_uscalar_t)INT32_MAX);
			break;
		case SO_KEEPALIVE: {
			struct t_kpalive kp = { 0 };

			if (so->so_type != SOCK_STREAM)
				return sock_fail(ENOPROTOOPT);
			if (sock_optmgmt(so, T_INET_TCP, T_TCP_KEEPALIVE, &kp, sizeof(kp),
					 T_CURRENT) < 0)
				return -1;
			v = kp.kp_onoff == T_YES;
			break;
		}
		case SO_BROADCAST:
			if (so->so_type == SOCK_STREAM) {
				v = so->so_broadcast;
				break;
			}
			if (sock_optmgmt(so, T_INET_IP, T_IP_BROADCAST, &u, sizeof(u),
					 T_CURRENT) < 0)
				return -1;
			v = u == T_YES;
			break;
		default:
			return sock_fail(ENOPROTOOPT);
		}
	} else if (level == IPPROTO_TCP && optname == TCP_NODELAY && so->so_type == SOCK_STREAM) {
		if (sock_optmgmt(so, T_INET_TCP, T_TCP_NODELAY, &u, sizeof(u), T_CURRENT) < 0)
			return -1;
		v = u == T_YES;
	} else if (level == IPPROTO_IP && optname == IP_PKTINFO && so->so_type == SOCK_DGRAM) {
		if (sock_optmgmt(so, T_INET_IP, T_IP_PKTINFO, &u, sizeof(u), T_CURRENT) < 0)
			return -1;
		v = u == T_YES;
	} else if (level == IPPROTO_IP && (optname == IP_MULTICAST_TTL ||
					   optname == IP_MULTICAST_LOOP) &&
		   so->so_type == SOCK_DGRAM) {
		uint8_t b = 0;

		if (sock_optmgmt(so, T_INET_IP, optname == IP_MULTICAST_TTL ? T_IP_MULTICAST_TTL :
				 T_IP_MULTICAST_LOOP, &b, sizeof(b), T_CURRENT) < 0)
			return -1;
		v = b;
	} else if (level == IPPROTO_IP && (optname == IP_TOS || optname == IP_TTL)) {
		uint8_t b = 0;

		if (sock_optmgmt(so, T_INET_IP, optname == IP_TOS ? T_IP_TOS : T_IP_TTL, &b,
				 sizeof(b), T_CURRENT) < 0)
			return -1;
		v = b;
	} else if (level == IPPROTO_IP && optname == IP_MULTICAST_IF &&
		   so->so_type == SOCK_DGRAM) {
		t_uscalar_t addr = 0;

		/* A struct in_addr, as Linux answers (an int-sized buffer was asked above). */
		if (sock_optmgmt(so, T_INET_IP, T_IP_MULTICAST_IF, &addr, sizeof(addr),
				 T_CURRENT) < 0)
			return -1;
		memcpy(optval, &addr, sizeof(addr));
		*optlen = sizeof(struct in_addr);
		return 0;
	} else {
		return sock_fail(ENOPROTOOPT);
	}
	memcpy(optval, &v, sizeof(v));
	*optlen = sizeof(v);
	return 0;
}
