/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the sockets library shared by its files:
 *   yard_socket.c  descriptors, set-up calls (socket ... accept, connect, shutdown, close),
 *                  addresses and options
 *   socket_io.c    data: send/recv and their to/from, msg and mblk forms
 *   yard_epoll.c   epoll instances, the ready lists and what a socket is ready for
 *
 * Field legend: a socket's slot is claimed with its XTI endpoint (t_open's compare-and-swap);
 * every so_* field belongs to the lcore that owns the socket's stream and is touched only
 * there. An epoll instance belongs to the lcore that created it; its sockets are of that lcore.
 */
#ifndef YARD_PROTOCOLS_SOCKET_PRIV_H
#define YARD_PROTOCOLS_SOCKET_PRIV_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_common.h>

#include <protocols/xti/xti.h>
#include <streams/stream.h>

#include "yard_socket.h"

/** @name so_flags. */
/**@{*/
#define SF_BOUND      0x0001 /* an address is bound */
#define SF_LISTENING  0x0002
#define SF_CONNECTING 0x0004 /* T_CONN_REQ sent, T_CONN_CON or T_DISCON_IND not taken yet */
#define SF_CONNECTED  0x0008 /* stream: T_CONN_CON taken or accepted; datagram: a peer set */
#define SF_WRSHUT     0x0010 /* shutdown SHUT_WR (or close): sends fail with EPIPE */
#define SF_WRSHUT_DUE 0x0020 /* SHUT_WR met flow control: T_ORDREL_REQ goes when writable */
#define SF_RDSHUT     0x0040 /* shutdown SHUT_RD: reads return 0 */
#define SF_PEERREL    0x0080 /* the peer's orderly release was taken: reads return 0 */
#define SF_RESET      0x0100 /* the connection was reset (T_DISCON_IND taken) */
#define SF_RSTSEEN    0x0200 /* the reset was reported (by a read or SO_ERROR) */
#define SF_FAILED     0x0400 /* a connect failed: SO_ERROR says why */
#define SF_ERRPEND    0x0800 /* sockmod may hold a pending error (EPOLLERR until SO_ERROR) */
#define SF_CLOSING    0x1000 /* yard_close returned; the stream drains before t_close */
/**@}*/

struct yard_epoll;

struct yard_sock {
	int so_type;                  /* SOCK_STREAM, SOCK_DGRAM; 0: not a socket */
	int so_fd;
	uint32_t so_flags;            /* SF_* */
	bool so_reuseaddr;            /* SO_REUSEADDR as set (see docs/sockets.md) */
	bool so_broadcast;            /* SO_BROADCAST of a stream socket: kept, as Linux keeps it */
	struct linger so_linger;      /* SO_LINGER as set: only l_linger 0 changes close() */
	int so_rst_reason;            /* the reset's reason once its T_DISCON_IND was taken */
	struct sockaddr_in so_peer;   /* the connected peer */
	mblk_t *so_hold;              /* data taken from XTI, not consumed (peeked, partly read) */
	struct sockaddr_in so_hold_from; /* datagram in so_hold: its source */
	bool so_pktinfo;              /* IP_PKTINFO set: datagrams are taken with their options */
	bool so_rpi_ok;               /* so_rpi describes the datagram last taken (or held) */
	struct t_in_pktinfo so_rpi;   /* its T_IP_PKTINFO (recvmsg's IP_PKTINFO cmsg) */
	struct yard_sockstat *so_st;  /* this lcore's counters */
	struct yard_sock *so_lnext;   /* SF_CLOSING: the lcore's list of draining sockets */
	uint64_t so_ldeadline;        /* SF_CLOSING: timer cycles when it closes regardless */
	/* epoll */
	struct yard_epoll *so_ep;     /* the instance it is registered with, NULL if none */
	uint32_t so_interest;         /* EPOLLIN ... EPOLLET, EPOLLONESHOT */
	epoll_data_t so_data;
	bool so_ready;                /* on so_ep's ready list */
	bool so_disabled;             /* EPOLLONESHOT fired: nothing until EPOLL_CTL_MOD */
	TAILQ_ENTRY(yard_sock) so_rlink;
};

/** Counters of the library on one lcore. */
struct yard_sockstat {
#define SOCK_STAT(name, help) uint64_t sos_##name;
#include "socket.def"
#undef SOCK_STAT
} __rte_cache_aligned;

extern struct yard_sock yard_socks[YARD_T_MAX_FDS];

static inline int
sock_fail(int err)
{
	errno = err;
	return -1;
}

/* The socket fd names, owned by the calling lcore; NULL with errno set otherwise. */
struct yard_sock *sock_get(int fd);
/* The errno for a failed XTI call (t_errno, errno for TSYSERR); dflt for TOUTSTATE. */
int sock_errno(int dflt);
/* Take the indications that change a stream socket's state (T_CONNECT, T_DISCONNECT while
 * connecting) and send a deferred SHUT_WR. */
void sock_progress(struct yard_sock *so);
/* A connected datagram socket's error indication if one is first in line (taken), else 0. */
int sock_dgram_error(struct yard_sock *so);
/* The socket's pending error from sockmod (cleared), 0 if none. */
int sock_take_error(struct yard_sock *so);
/* The address in sin out to addr/addrlen (truncated; *addrlen gets the full length). */
int sock_addr_out(const struct sockaddr_in *sin, struct sockaddr *addr, socklen_t *addrlen);
/* What the socket is ready for now (EPOLL*), taking indications that settle its state. */
uint32_t sock_poll(struct yard_sock *so);
/* An event came for the socket: put it on its epoll's ready list. */
void sock_ready(struct yard_sock *so);
/* The socket is closing: off its epoll instance. */
void sock_epoll_forget(struct yard_sock *so);
/* Close epoll descriptor fd (yard_close). */
int sock_epoll_close(int fd);

#endif /* YARD_PROTOCOLS_SOCKET_PRIV_H */
