/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The X/Open Transport Interface (XTI, XNS 5.2) for yard applications: the connectionless
 * calls, the structures and constants of `<xti.h>`, and yard's extensions for poll mode and
 * zero copy. docs/xti.md is the programming guide.
 *
 * A transport endpoint is a stream opened on a transport provider's driver ("udp") with the
 * timod module pushed (t_open()); each call turns into stream-head operations: a TI_* ioctl
 * through timod for the requests the provider acknowledges (bind, options, information), a
 * putmsg/getmsg of TPI primitives for datagrams. File descriptors are small integers naming
 * entries of the library's endpoint table, not kernel descriptors.
 *
 * Poll mode. An application runs on the lcore that owns its streams, inside that lcore's
 * STREAMS loop, so every call is non-blocking (O_NONBLOCK is implied): t_rcvudata() with
 * nothing queued fails with TNODATA, t_sndudata() under flow control with TFLOW. Calls must be
 * made on the lcore that opened the endpoint (TSYSERR/EXDEV otherwise). Instead of spinning on
 * t_look(), an application registers a callback per endpoint with yard_t_set_notify(): it is
 * called from the stream head when data or an error indication arrives (T_DATA, T_UDERR) and
 * when flow control that refused a send has cleared (T_GODATA). The events are edge
 * triggered: on T_DATA, read until TNODATA. The callback may send and receive on any
 * endpoint, but must not t_close() the endpoint it was called for, and should not make calls
 * that wait for an acknowledgement (t_bind, t_optmgmt, ...) unless the provider answers at
 * once, as udp does.
 *
 * Setup calls (t_open, t_bind, t_unbind, t_optmgmt, t_getinfo, t_getprotaddr, t_sync) run an
 * I_STR that turns the owning lcore's scheduler until the provider answers.
 *
 * Errors: every call returns -1 (or NULL) and sets t_errno; TSYSERR also sets errno. t_errno
 * is per thread, hence per lcore.
 *
 * Connection-oriented calls (xti_cots.c; a T_COTS/T_COTS_ORD provider such as "tcp"):
 * t_connect() sends T_CONN_REQ, waits for the provider's T_OK_ACK (as I_STR does, by turning
 * the scheduler; tcp answers at once) and fails with TNODATA: the endpoint is T_OUTCON until
 * T_CONNECT, then t_rcvconnect(). t_listen() takes a T_CONN_IND (T_LISTEN), t_accept() answers
 * it on the listener itself (only indication outstanding) or on another endpoint of the same
 * provider, unbound or bound without qlen (the provider attaches the connection to it; it
 * needs no address of its own). t_snd() fails with TFLOW when the provider's queue is full
 * (T_GODATA follows); t_rcv() sets T_MORE when a message was only partly read. For a byte
 * stream (tsdu 0, as tcp) t_rcv() fills the buffer from as many queued messages as fit. On
 * T_DATA, read until TNODATA or TLOOK (then t_look(): T_ORDREL, T_DISCONNECT).
 */
#ifndef YARD_PROTOCOLS_XTI_H
#define YARD_PROTOCOLS_XTI_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <protocols/tihdr.h>
#include <streams/mblk.h>

#ifdef __cplusplus
extern "C" {
#endif

struct stdata;

/** The calling thread's t_errno (per lcore). */
int *yard_t_errno_loc(void);
/** XTI's error number: a modifiable lvalue, per thread. */
#define t_errno (*yard_t_errno_loc())

/** Endpoints the library can have open at once (over every lcore). */
#define YARD_T_MAX_FDS 1024

/** @name t_look() events. */
/**@{*/
#define T_LISTEN     0x0001 /**< connection indication */
#define T_CONNECT    0x0002 /**< connection confirmation */
#define T_DATA       0x0004 /**< normal data (a datagram) */
#define T_EXDATA     0x0008 /**< expedited data */
#define T_DISCONNECT 0x0010 /**< disconnection */
#define T_UDERR      0x0040 /**< datagram error indication */
#define T_ORDREL     0x0080 /**< orderly release indication */
#define T_GODATA     0x0100 /**< sending normal data is possible again */
#define T_GOEXDATA   0x0200 /**< sending expedited data is possible again */
/** yard: the stream failed (M_ERROR) or hung up; the endpoint is useless. */
#define YARD_T_ERROR 0x8000
/**@}*/

/** @name Data flags (t_rcvudata *flags). T_NEGOTIATE ... T_NOTSUPPORT are in tihdr.h. */
/**@{*/
#define T_MORE      0x001 /**< more of this datagram follows */
#define T_EXPEDITED 0x002
#define T_PUSH      0x004
/**@}*/

/** @name t_info flags. */
/**@{*/
#define T_SENDZERO   0x001 /**< zero-length datagrams may be sent */
#define T_ORDRELDATA 0x002
/**@}*/

/** @name States (t_getstate). */
/**@{*/
#define T_UNINIT   0 /**< not open */
#define T_UNBND    1 /**< open, not bound */
#define T_IDLE     2 /**< bound (connectionless: ready) */
#define T_OUTCON   3
#define T_INCON    4
#define T_DATAXFER 5
#define T_OUTREL   6
#define T_INREL    7
/**@}*/

/** @name t_alloc() structure types and fields. */
/**@{*/
#define T_BIND     1
#define T_OPTMGMT  2
#define T_CALL     3
#define T_DIS      4
#define T_UNITDATA 5
#define T_UDERROR  6
#define T_INFO     7

#define T_ADDR  0x01
#define T_OPT   0x02
#define T_UDATA 0x04
#define T_ALL   0xffff
/**@}*/

/** What a transport provider can do (t_open, t_getinfo). -1: no limit, -2: not supported. */
struct t_info {
	t_scalar_t addr;     /**< largest address */
	t_scalar_t options;  /**< largest option buffer */
	t_scalar_t tsdu;     /**< largest datagram */
	t_scalar_t etsdu;    /**< largest expedited data unit */
	t_scalar_t connect;  /**< data with a connection request */
	t_scalar_t discon;   /**< data with a disconnection */
	t_scalar_t servtype; /**< T_COTS, T_COTS_ORD, T_CLTS */
	t_scalar_t flags;    /**< T_SENDZERO, T_ORDRELDATA */
};

/** A buffer: maxlen bytes at buf, len of them used. */
struct netbuf {
	unsigned int maxlen;
	unsigned int len;
	void *buf;
};

/** An option in an option buffer (the same layout as TPI's struct T_opthdr). */
struct t_opthdr {
	t_uscalar_t len;    /**< header and value, without padding */
	t_uscalar_t level;
	t_uscalar_t name;
	t_uscalar_t status;
};

struct t_bind {
	struct netbuf addr;
	unsigned qlen;       /**< connection indications (connection oriented only) */
};

struct t_optmgmt {
	struct netbuf opt;
	t_scalar_t flags;    /**< T_NEGOTIATE, T_CHECK, T_DEFAULT, T_CURRENT; the result */
};

struct t_discon {
	struct netbuf udata;
	int reason;
	int sequence;
};

struct t_call {
	struct netbuf addr;
	struct netbuf opt;
	struct netbuf udata;
	int sequence;
};

struct t_unitdata {
	struct netbuf addr;  /**< the peer: struct sockaddr_in for udp */
	struct netbuf opt;
	struct netbuf udata; /**< the datagram */
};

struct t_uderr {
	struct netbuf addr;  /**< where the datagram was going */
	struct netbuf opt;
	t_scalar_t error;    /**< provider specific; an errno for udp */
};

/** @name Walking an option buffer. */
/**@{*/
#define T_ALIGN(p) (((uintptr_t)(p) + (sizeof(t_uscalar_t) - 1)) & \
		    ~(uintptr_t)(sizeof(t_uscalar_t) - 1))
#define T_OPT_DATA(tohp) ((unsigned char *)(tohp) + sizeof(struct t_opthdr))
#define T_OPT_FIRSTHDR(nbp) \
	((nbp)->len >= sizeof(struct t_opthdr) ? (struct t_opthdr *)(nbp)->buf : NULL)
#define T_OPT_NEXTHDR(nbp, tohp) \
	(((char *)(nbp)->buf + (nbp)->len) < \
		 ((char *)T_ALIGN((char *)(tohp) + (tohp)->len) + sizeof(struct t_opthdr)) ? \
	 NULL : (struct t_opthdr *)T_ALIGN((char *)(tohp) + (tohp)->len))
/**@}*/

/* ---- XTI ---------------------------------------------------------------------------------- */

/**
 * Open an endpoint on transport provider `name` (a driver, e.g. "udp") on the calling lcore
 * and push timod. oflag: O_RDWR, optionally | O_NONBLOCK (implied). Fills *info if not NULL.
 * @return the endpoint (>= 0), or -1: TBADNAME, TBADFLAG, TSYSERR (EMFILE: table full).
 */
int t_open(const char *name, int oflag, struct t_info *info);
/**
 * Bind an address (req NULL or an empty address: the provider chooses). The address bound
 * goes to ret (if not NULL and ret->addr.maxlen > 0).
 * @return 0, or -1: TOUTSTATE, TBADADDR, TADDRBUSY, TNOADDR, TBUFOVFLW (bound all the same),
 * TSYSERR.
 */
int t_bind(int fd, const struct t_bind *req, struct t_bind *ret);
/** Unbind; datagrams queued for the endpoint are flushed. TOUTSTATE. */
int t_unbind(int fd);
/** Close the endpoint in any state. TBADF. */
int t_close(int fd);
/** The provider's current characteristics. */
int t_getinfo(int fd, struct t_info *info);
/** The endpoint's state (T_UNBND, T_IDLE, ...). */
int t_getstate(int fd);
/**
 * The event pending on the endpoint, 0 if none: the one of the first message queued (T_DATA,
 * T_UDERR, ...), else T_GODATA once after flow control cleared.
 */
int t_look(int fd);
/** Allocate an XTI structure and the buffers the provider's limits call for (fields). */
void *t_alloc(int fd, int struct_type, int fields);
/** Free what t_alloc() allocated. TNOSTRUCTYPE. */
int t_free(void *ptr, int struct_type);
/** Manage options (XTI format). TBADOPT, TBADFLAG, TBUFOVFLW, TOUTSTATE. */
int t_optmgmt(int fd, const struct t_optmgmt *req, struct t_optmgmt *ret);
/**
 * Send a datagram to unitdata->addr (data copied into a message).
 * @return 0, or -1: TFLOW (flow control: retry on T_GODATA), TBADDATA, TOUTSTATE, TSYSERR.
 */
int t_sndudata(int fd, const struct t_unitdata *unitdata);
/**
 * Receive a datagram. When udata.maxlen is too small, the rest stays for the next call and
 * *flags has T_MORE.
 * @return 0, or -1: TNODATA, TLOOK (a T_UDERR is first: t_rcvuderr), TBUFOVFLW (address or
 * options did not fit; the datagram is discarded), TOUTSTATE.
 */
int t_rcvudata(int fd, struct t_unitdata *unitdata, int *flags);
/** Take the datagram error indication (uderr NULL: discard it). TNOUDERR, TBUFOVFLW. */
int t_rcvuderr(int fd, struct t_uderr *uderr);
/** The local and (connection oriented) remote address. Either pointer may be NULL. */
int t_getprotaddr(int fd, struct t_bind *boundaddr, struct t_bind *peeraddr);
/** Resynchronise the library with the provider; returns the state. */
int t_sync(int fd);
/** Print errmsg and the message for t_errno (and errno for TSYSERR) on stderr. */
int t_error(const char *errmsg);
/** The message for a t_errno value. */
const char *t_strerror(int errnum);
/**
 * A negative errno for an XTI error, for yard_ calls built on XTI that return 0 / -errno
 * (the services and clients): TBADNAME -ENXIO, TADDRBUSY -EADDRINUSE, TBADADDR -EINVAL,
 * TNOADDR -EADDRNOTAVAIL, TSYSERR -errno, anything else -EIO. (The sockets library maps to
 * POSIX errno by its own table: a socket call has different rules.)
 */
int yard_t_errno(int terr);

/* ---- connection-oriented calls ------------------------------------------------------------ */

/** One buffer of t_sndv()/t_rcvv(). */
struct t_iovec {
	void *iov_base;
	size_t iov_len;
};
/** Most buffers t_sndv()/t_rcvv() take. */
#define T_IOV_MAX 16

/**
 * Ask for a connection to sndcall->addr (T_IDLE). Non-blocking: once the provider has taken
 * the request, -1 with TNODATA and the state is T_OUTCON; T_CONNECT (t_rcvconnect) or
 * T_DISCONNECT (t_rcvdis) follows. rcvcall is not used (non-blocking).
 * @return -1 always: TNODATA (started), TOUTSTATE, TBADADDR, TADDRBUSY, TBADDATA, TFLOW,
 * TNOTSUPPORT, TSYSERR.
 */
int t_connect(int fd, const struct t_call *sndcall, struct t_call *rcvcall);
/**
 * Complete a connection (T_OUTCON): the peer's address into call (if not NULL); the state
 * becomes T_DATAXFER. -1: TNODATA (not yet), TLOOK (a disconnection: t_rcvdis), TBUFOVFLW
 * (connected all the same), TOUTSTATE.
 */
int t_rcvconnect(int fd, struct t_call *call);
/**
 * Take a connection indication (T_IDLE or T_INCON, bound with qlen > 0): the caller's
 * address and the sequence number to accept or refuse it with. State T_INCON.
 * -1: TNODATA, TLOOK (a disconnection first), TBADQLEN, TBUFOVFLW (the indication is taken;
 * call->sequence is valid), TOUTSTATE.
 */
int t_listen(int fd, struct t_call *call);
/**
 * Accept indication call->sequence of listener fd on endpoint resfd: fd itself (only when no
 * other indication is outstanding: TINDOUT) or another endpoint of the same provider, in
 * T_UNBND or T_IDLE without qlen (TRESQLEN). resfd becomes T_DATAXFER; fd stays T_INCON while
 * other indications are outstanding, else T_IDLE. -1: TBADF, TBADSEQ, TOUTSTATE, TINDOUT,
 * TRESQLEN, TPROVMISMATCH, TLOOK (a disconnection is queued on fd), TSYSERR.
 */
int t_accept(int fd, int resfd, const struct t_call *call);
/**
 * Send nbytes of data (copied) in T_DATAXFER or T_INREL; flags T_MORE (sent as T_DATA_REQ
 * with MORE_flag) and T_PUSH. @return the bytes taken (fewer than nbytes when flow control
 * stopped part), or -1: TFLOW (nothing taken: wait for T_GODATA), TBADDATA, TBADFLAG,
 * TNOTSUPPORT (T_EXPEDITED), TOUTSTATE, TLOOK (the stream failed), TSYSERR.
 */
int t_snd(int fd, void *buf, unsigned int nbytes, int flags);
/**
 * Receive data in T_DATAXFER or T_OUTREL. *flags gets T_MORE when a message was only partly
 * read (the rest comes next). @return the bytes read, or -1: TNODATA, TLOOK (T_ORDREL or
 * T_DISCONNECT is next), TOUTSTATE, TSYSERR.
 */
int t_rcv(int fd, void *buf, unsigned int nbytes, int *flags);
/** t_snd() from iovcount (<= T_IOV_MAX) buffers, as one message. TBADDATA if too many. */
int t_sndv(int fd, const struct t_iovec *iov, unsigned int iovcount, int flags);
/** t_rcv() into iovcount (<= T_IOV_MAX) buffers, filled in order. */
int t_rcvv(int fd, struct t_iovec *iov, unsigned int iovcount, int *flags);
/**
 * Orderly release: no more data from us (T_DATAXFER -> T_OUTREL, T_INREL -> T_IDLE).
 * -1: TFLOW, TOUTSTATE, TNOTSUPPORT (not T_COTS_ORD), TSYSERR.
 */
int t_sndrel(int fd);
/** Take the peer's orderly release (T_DATAXFER -> T_INREL, T_OUTREL -> T_IDLE). TNOREL, TLOOK. */
int t_rcvrel(int fd);
/**
 * Abort the connection (T_OUTCON, T_DATAXFER, T_OUTREL, T_INREL: data queued is discarded)
 * or refuse indication call->sequence (T_INCON). Waits for the provider's T_OK_ACK.
 * -1: TBADSEQ, TOUTSTATE, TSYSERR.
 */
int t_snddis(int fd, const struct t_call *call);
/**
 * Take a disconnection (discon NULL: discard it): reason (an errno for tcp) and, on a
 * listener, the sequence of the indication it cancels. The state becomes T_IDLE (T_INCON
 * while other indications are outstanding). -1: TNODIS, TOUTSTATE, TBUFOVFLW.
 */
int t_rcvdis(int fd, struct t_discon *discon);

/* ---- yard extensions ---------------------------------------------------------------------- */

/**
 * Zero copy t_snd(): the M_DATA message goes to the provider as it is (tcp keeps it by
 * reference for retransmission). On success the message is the provider's and the byte count
 * is returned; on failure (TFLOW, ...) it is still the caller's. flags: T_MORE, T_PUSH.
 */
int yard_t_snd_mblk(int fd, mblk_t *data, int flags);
/**
 * Zero copy t_rcv(): *datap is the next data message as it arrived (for tcp the received
 * buffers, headers trimmed), or the rest of one t_rcv() read partly. *flags gets T_MORE from
 * a T_DATA_IND's MORE_flag. @return its byte count (*datap is the caller's), or -1 as t_rcv().
 */
int yard_t_rcv_mblk(int fd, mblk_t **datap, int *flags);

/**
 * Event callback: events is a subset of what was asked (T_DATA, T_UDERR, T_GODATA, T_LISTEN,
 * T_CONNECT, T_DISCONNECT, T_ORDREL, YARD_T_ERROR).
 */
typedef void (*yard_t_notify_fn)(int fd, int events, void *arg);

/**
 * Call fn(fd, events, arg) on the endpoint's lcore when one of `events` (T_DATA, T_UDERR,
 * T_GODATA, YARD_T_ERROR) happens; fn NULL stops the calls. Edge triggered (see above).
 * @return 0, or -1: TBADF.
 */
int yard_t_set_notify(int fd, int events, yard_t_notify_fn fn, void *arg);
/**
 * Zero copy send: data (an M_DATA message, possibly NULL for an empty datagram) goes to addr
 * as it is. On success the message is the provider's; on failure (TFLOW, ...) it is still
 * the caller's.
 */
int yard_t_sndudata_mblk(int fd, const struct netbuf *addr, mblk_t *data);
/**
 * Zero copy receive: *datap is the datagram's data as it arrived (the received buffer, past
 * the headers); the sender's address goes to addr (if not NULL and maxlen > 0). The caller
 * frees or sends *datap. Errors as t_rcvudata() (no T_MORE: the datagram comes whole). The
 * indication's options are not given: yard_t_rcvudata_mblk_opt() gives them.
 */
int yard_t_rcvudata_mblk(int fd, struct netbuf *addr, mblk_t **datap);
/**
 * yard_t_rcvudata_mblk() with the indication's options (e.g. T_IP_PKTINFO) to opt as
 * t_rcvudata() gives them: none asked when opt is NULL or its maxlen 0; a maxlen too small
 * for them is TBUFOVFLW, the datagram then discarded (XTI).
 */
int yard_t_rcvudata_mblk_opt(int fd, struct netbuf *addr, struct netbuf *opt, mblk_t **datap);
/**
 * Zero copy receive, a burst: up to n datagrams, each whole as it came up, an M_PROTO
 * T_UNITDATA_IND block (its source address checked to lie inside it: yard_t_udata_addr())
 * whose b_cont is the data as received. The messages are the caller's: it frees them, or turns
 * them around in place with yard_t_udata_reply() and yard_t_sndudata_burst(), so an echo
 * allocates nothing. Stops before a T_UDERROR_IND (the next call then fails with TLOOK).
 * An indication udp marked YB_TUDATA is taken on the mark (and its type) instead of a second
 * check of its header; the blocks come to the caller unmarked, since it may edit them.
 * @return the datagrams taken (> 0), or -1: TNODATA (none queued), TLOOK, TOUTSTATE,
 *         TNOTSUPPORT, TBADF, TSYSERR (EINVAL: mps NULL; EXDEV: another lcore). 0 for n == 0.
 */
int yard_t_rcvudata_burst(int fd, mblk_t **mps, unsigned n);
/** @internal A (length, offset) pair inside a block of len bytes: empty, or both >= 0 and in. */
static inline bool
__yard_t_in(t_scalar_t l, t_scalar_t off, size_t len)
{
	return l == 0 || ((l | off) >= 0 && (size_t)off + (size_t)l <= len);
}
/** @internal The address length of the common layout (a struct sockaddr_in, as udp's). */
#define __YARD_T_UDATA_ALEN 16
/**
 * @internal mp is an M_PROTO T_UNITDATA_IND or T_UNITDATA_REQ (prim) of the common
 * layout: a __YARD_T_UDATA_ALEN-byte address right after the primitive, no options, all inside
 * the block. Every datagram udp sends up has it, and so has the request an echo turns it into.
 * The header is compared whole with what that layout has (two 8-byte words and a 4-byte one),
 * which proves it well-formed as the field-by-field check of __yard_t_udata_prim() would, for
 * about half the instructions; anything else (an edited request, options, another address
 * length) fails here and takes the full check, so this is only ever a shortcut, never a
 * different rule.
 */
static inline bool
__yard_t_udata_common(const mblk_t *mp, t_scalar_t prim)
{
	const struct T_unitdata_req want = {
		.PRIM_type = prim,
		.DEST_length = __YARD_T_UDATA_ALEN,
		.DEST_offset = (t_scalar_t)sizeof(struct T_unitdata_req),
		.OPT_length = 0,
		.OPT_offset = 0,
	};
	uint64_t w0, w1, h0, h1;
	uint32_t w2, h2;

	if (unlikely(mp == NULL) || DB_TYPE(mp) != M_PROTO ||
	    MBLKL(mp) < sizeof(struct T_unitdata_req) + __YARD_T_UDATA_ALEN)
		return false;
	/* memcpy: plain (unaligned-safe) loads; want's words are constants after inlining. */
	memcpy(&w0, &want, 8);
	memcpy(&w1, (const uint8_t *)&want + 8, 8);
	memcpy(&w2, (const uint8_t *)&want + 16, 4);
	memcpy(&h0, mp->b_rptr, 8);
	memcpy(&h1, mp->b_rptr + 8, 8);
	memcpy(&h2, mp->b_rptr + 16, 4);
	/* One branch for the three words: the header is the layout's or it is not. */
	return ((h0 ^ w0) | (h1 ^ w1) | (uint64_t)(h2 ^ w2)) == 0;
}
static_assert(sizeof(struct T_unitdata_req) == 20, "__yard_t_udata_common compares 20 bytes");
/**
 * @internal A T_UNITDATA_IND or T_UNITDATA_REQ (the same layout) of type prim (either when 0)
 * in mp, its address and options inside the block; NULL if it is not. The common layout is
 * recognised first (__yard_t_udata_common), the field-by-field check is the fall-back.
 */
static inline const struct T_unitdata_req *
__yard_t_udata_prim(const mblk_t *mp, t_scalar_t prim)
{
	const struct T_unitdata_req *req;
	size_t len;

	if (unlikely(mp == NULL))
		return NULL;
	if (prim != 0 ? __yard_t_udata_common(mp, prim)
		      : (__yard_t_udata_common(mp, T_UNITDATA_IND) ||
			 __yard_t_udata_common(mp, T_UNITDATA_REQ)))
		return (const struct T_unitdata_req *)mp->b_rptr;
	if (DB_TYPE(mp) != M_PROTO)
		return NULL;
	len = MBLKL(mp);
	req = (const struct T_unitdata_req *)mp->b_rptr;
	if (unlikely(len < sizeof(*req)))
		return NULL;
	if (prim != 0 ? req->PRIM_type != prim
		      : (req->PRIM_type != T_UNITDATA_REQ && req->PRIM_type != T_UNITDATA_IND))
		return NULL;
	if (!__yard_t_in(req->DEST_length, req->DEST_offset, len) ||
	    !__yard_t_in(req->OPT_length, req->OPT_offset, len))
		return NULL;
	return req;
}
/**
 * The address of a T_UNITDATA_IND or T_UNITDATA_REQ block (from yard_t_rcvudata_burst(), or
 * built): addr->buf points into the block, addr->len = addr->maxlen its length. No copy.
 * Inline: an echo service asks it once per datagram.
 * @return 0, or -1: TBADDATA (not such a primitive, or its address outside the block).
 */
static inline int
yard_t_udata_addr(const mblk_t *mp, struct netbuf *addr)
{
	const struct T_unitdata_req *req;

	/* The common layout first, with its length a constant the caller's checks can fold. */
	if ((__yard_t_udata_common(mp, T_UNITDATA_IND) ||
	     __yard_t_udata_common(mp, T_UNITDATA_REQ)) && likely(addr != NULL)) {
		addr->buf = (void *)(mp->b_rptr + sizeof(struct T_unitdata_req));
		addr->len = addr->maxlen = __YARD_T_UDATA_ALEN;
		return 0;
	}
	req = __yard_t_udata_prim(mp, 0);
	if (unlikely(req == NULL || addr == NULL)) {
		t_errno = TBADDATA;
		return -1;
	}
	addr->buf = (void *)(mp->b_rptr + req->DEST_offset);
	addr->len = addr->maxlen = (unsigned int)req->DEST_length;
	return 0;
}
/** @internal yard_t_udata_reply() of a block __yard_t_udata_common() did not recognise. */
int __yard_t_udata_reply_other(mblk_t *mp);
/**
 * Turn a T_UNITDATA_IND from yard_t_rcvudata_burst() into a T_UNITDATA_REQ to its sender, in
 * place: the two primitives have the same layout (type, address length and offset, options
 * length and offset), so the source address simply becomes the destination. Options are
 * dropped. The data (b_cont) is left alone. On success the block is a T_UNITDATA_REQ of band
 * 0 whose address (DEST_length bytes at DEST_offset) lies inside it, so a caller may read the
 * address length from there rather than check the header again (yard_t_udata_addr()), and
 * yard_t_sndudata_burst() need not either when told YARD_T_ASREPLY.
 * @return 0, or -1: TBADDATA (not a T_UNITDATA_IND with its address inside the block).
 */
static inline int
yard_t_udata_reply(mblk_t *mp)
{
	/* SRC_length/SRC_offset sit where DEST_length/DEST_offset do. */
	static_assert(offsetof(struct T_unitdata_ind, SRC_offset) ==
		      offsetof(struct T_unitdata_req, DEST_offset) &&
		      offsetof(struct T_unitdata_ind, OPT_offset) ==
		      offsetof(struct T_unitdata_req, OPT_offset), "the two primitives' layout");
	/*
	 * Inline: an echo service turns every datagram around with it, and the call, with the
	 * registers it clobbers in the caller's loop, cost as much as the common way's work.
	 * Udp's layout: no options to drop, only the type changes. The block leaves marked
	 * YB_TUDATA, this library's note that it proved the request's layout: trusted only by
	 * yard_t_sndudata_burst() and only when the caller promises (YARD_T_ASREPLY) that it did
	 * not change the header since; every other way down clears or proves the mark again
	 * (streams/mblk.h). Band, tag, flags and marks are one 8-byte word, written with one
	 * store.
	 */
	if (likely(__yard_t_udata_common(mp, T_UNITDATA_IND))) {
		const struct { unsigned char band, tag; unsigned short flag; uint32_t yflags; } w = {
			.band = 0, .tag = 0, .flag = 0, .yflags = YB_TUDATA,
		};

		static_assert(offsetof(mblk_t, b_yflags) - offsetof(mblk_t, b_band) == 4 &&
			      sizeof(w) == 8, "b_band, b_tag, b_flag, b_yflags: one word");
		((struct T_unitdata_req *)mp->b_rptr)->PRIM_type = T_UNITDATA_REQ;
		memcpy(&mp->b_band, &w, sizeof(w));
		return 0;
	}
	return __yard_t_udata_reply_other(mp);
}
/** yard_t_sndudata_burst(): the data is exactly as yard_t_rcvudata_burst() gave it. */
#define YARD_T_ASRCVD 0x1
/**
 * yard_t_sndudata_burst(): each request is a block yard_t_udata_reply() turned around, and
 * since then neither its type, band and flags nor its header's lengths and offsets changed
 * (the address bytes may have been rewritten in place). What that call proved of the header
 * is then not proved again.
 */
#define YARD_T_ASREPLY 0x2
/**
 * Zero copy send, a burst: each mps[i] is an M_PROTO T_UNITDATA_REQ block (address and
 * options inside it; yard_t_udata_reply() makes one) with the data in b_cont (M_DATA, or NULL
 * for an empty datagram). The longest prefix of well-formed requests goes down with one
 * flow-control check and one putnext_burst(). flags: YARD_T_ASRCVD promises that no data byte
 * was changed since it was received, so a checksum the provider verified on input may be
 * reused for the reply (udp: no pass over the payload); without it the provider sums afresh.
 * YARD_T_ASREPLY promises the headers are as yard_t_udata_reply() left them, so the header
 * check it made is not made again (the data's still is).
 * Each request of udp's layout goes down marked YB_TUDATA once this call has checked it, so
 * udp need not check it again; a request handed back (refused, or the burst refused) is
 * unmarked.
 * @return the datagrams sent (> 0; those from mps[ret] on are still the caller's, and the
 *         next call says why the first was refused), or -1 when none was: TFLOW (flow control;
 *         T_GODATA follows), TBADDATA (mps[0] malformed, or its data too long or empty when
 *         the provider does not allow it), TOUTSTATE, TNOTSUPPORT, TBADF, TSYSERR. 0 for n == 0.
 */
int yard_t_sndudata_burst(int fd, mblk_t **mps, unsigned n, int flags);
/** The stream under an endpoint (inspection, tests), NULL if fd is not open. */
struct stdata *yard_t_stream(int fd);

#ifdef __cplusplus
}
#endif
#endif /* YARD_PROTOCOLS_XTI_H */
