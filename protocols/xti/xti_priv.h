/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the XTI library shared by its files:
 *   xti.c       endpoints, setup calls, the connectionless calls, events, structures, errors
 *   xti_cots.c  the connection-oriented calls (t_connect ... t_rcvv)
 *
 * Field legend: every te_* field but te_inuse belongs to the lcore that owns te_sd.
 */
#ifndef YARD_PROTOCOLS_XTI_PRIV_H
#define YARD_PROTOCOLS_XTI_PRIV_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <streams/stream.h>

#include "xti.h"

struct xti_ep {
	uint32_t te_inuse;           /* claimed by CAS at t_open */
	int te_fd;
	struct stdata *te_sd;
	int te_state;                /* T_UNBND, T_IDLE, ... */
	struct t_info te_info;
	mblk_t *te_look;             /* a message taken and not consumed yet, NULL if none */
	mblk_t *te_spare;            /* a primitive block to build the next T_UNITDATA_REQ in */
	bool te_flowed;              /* a send met flow control: T_GODATA when it clears */
	bool te_godata;              /* T_GODATA not yet reported by t_look */
	int te_notify_events;
	yard_t_notify_fn te_notify;
	void *te_notify_arg;
	/* connection oriented (xti_cots.c) */
	t_uscalar_t te_acceptor;     /* ACCEPTOR_id from T_CAPABILITY_ACK */
	bool te_has_acceptor;        /* the provider gave one */
	unsigned te_ocnt;            /* connection indications taken by t_listen, not answered */
	unsigned te_qlen;            /* CONIND_number bound: > 0 for a listener */
};

extern struct xti_ep xti_eps[YARD_T_MAX_FDS];

static inline int
xti_fail(int terr)
{
	t_errno = terr;
	return -1;
}

static inline int
xti_syserr(int err)
{
	errno = err;
	t_errno = TSYSERR;
	return -1;
}

/* A (length, offset) pair within an answer of len bytes? */
static inline bool
xti_in(t_scalar_t l, t_scalar_t off, size_t len)
{
	return __yard_t_in(l, off, len);
}

/* The endpoint fd names, owned by the calling lcore; NULL with t_errno set otherwise. */
struct xti_ep *xti_get(int fd);
/* The t_look() event a message stands for, 0 if none. */
int xti_event_of(const mblk_t *mp);
/* The first message a reader would get: the held one, else the stream head's first. */
const mblk_t *xti_first(const struct xti_ep *te);
/* Take the next message (held, else queued). 0, or -1 with t_errno (TNODATA, TSYSERR). */
int xti_take(struct xti_ep *te, mblk_t **mpp);
/* Copy l bytes to a netbuf: 0, or -1 (TBUFOVFLW) when its maxlen is positive but too small. */
int xti_copyout(struct netbuf *nb, const void *src, size_t l);
/* Copy and consume up to max bytes of *chainp's data into dst; returns the bytes copied. */
size_t xti_consume(mblk_t **chainp, uint8_t *dst, size_t max);

#endif /* YARD_PROTOCOLS_XTI_PRIV_H */
