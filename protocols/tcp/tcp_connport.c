/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The local port of an active open, chosen at T_CONN_REQ.
 *
 * Principles of operation. A connection is named by its 4-tuple, and a 4-tuple that a
 * connection holds in TIME-WAIT must not be opened again for 2 MSL (RFC 9293 3.4.1's quiet
 * time; RFC 1122 4.2.2.13): an old duplicate of the closed incarnation could be taken for the
 * new one's. A connection that closed frees its port at once (tcp_close() unbinds it: only
 * an open endpoint holds a port), but its 4-tuple stays in the connection table until
 * TIME-WAIT ends. So a port free to bind may still be unusable toward one peer: a client that
 * opens connection after connection to one server wraps the ephemeral range within 2 MSL at a
 * few hundred connections a second. T_CONN_REQ therefore looks at the 4-tuple:
 *
 * - free: the connection opens from the port it is bound to;
 * - held in TIME-WAIT by a connection that may be recycled (below): that connection ends
 *   (timewait_recycled) and the new one opens, its ISS at least SND.NXT + 2^16 + 1 of the
 *   old one, so that the old incarnation's sequence numbers lie outside the new window;
 * - otherwise in use: a port tcp chose (TF_EPHEMERAL) moves to the next ephemeral port that is
 *   free to bind and whose 4-tuple is free or recyclable (connect_port_moved); a port the user
 *   chose, or no such port left, is refused TADDRBUSY (connect_addrbusy), as Linux's connect()
 *   fails EADDRNOTAVAIL.
 *
 * Recycling is Linux's tcp_tw_reuse (on here unless TCP_PF_NO_TW_REUSE): the old connection
 * had timestamps, and the peer's last one reached us more than a second ago. Timestamps tick
 * at least once a second (RFC 7323 5.4), so every segment of the peer's new incarnation
 * carries a TSval above anything of the old one and PAWS (RFC 7323 5) keeps the old
 * duplicates out, on both sides. The one-second wait also covers the common case: the port
 * range is walked in order, so the 4-tuple met next is the one that closed longest ago.
 *
 * For a port tcp chose, the search also keeps the port RSS or software steering needs
 * (tcp_rss.c) so the replies come to this lcore: a port that fails it moves to one that
 * fits (rss_port_steered, soft_port_steered); none left that fits is counted (rss_no_port),
 * and then only the 4-tuple decides.
 */
#include <errno.h>

#include <rte_byteorder.h>

#include "tcp_priv.h"

/* Recycling is allowed once the peer's last timestamp is this old. */
#define TCP_TW_RECYCLE_MS 1000

enum tcp_tuple { TUPLE_FREE, TUPLE_RECYCLE, TUPLE_BUSY };

/* May an active open take over tw, a connection in TIME-WAIT? */
static bool
tcp_timewait_recyclable(struct tcp_inst *ti, const struct tcpcb *tw)
{
	return tw->tp_state == TCPS_TIME_WAIT &&
	       !(ti->ti_param.tp_flags & TCP_PF_NO_TW_REUSE) && (tw->tp_flags & TF_RCVD_TS) &&
	       tcp_now(ti) - tw->ts_recent_age >= TCP_TW_RECYCLE_MS;
}

/* What holds the 4-tuple k with its local port replaced by lport (network order)? */
static enum tcp_tuple
tcp_tuple_state(struct tcp_inst *ti, const struct tcp_key *k, uint16_t lport)
{
	struct tcpcb *tw = tcp_lookup(ti, k->k_laddr, lport, k->k_faddr, k->k_fport);

	if (tw == NULL)
		return TUPLE_FREE;
	return tcp_timewait_recyclable(ti, tw) ? TUPLE_RECYCLE : TUPLE_BUSY;
}

/*
 * The next ephemeral port after the last one given that is free to bind, whose 4-tuple
 * toward k's peer is free or recyclable, and (if steer) that brings the replies here. 0 if
 * none (network order otherwise).
 */
static uint16_t
tcp_port_search(struct tcp_inst *ti, const struct tcp_key *k, const struct tcp_steer *st,
		bool steer)
{
	unsigned lo = ti->ti_param.tp_port_lo, hi = ti->ti_param.tp_port_hi;

	for (unsigned i = 0, span = hi - lo + 1; i < span; i++) {
		uint16_t p = ti->ti_eph_next;
		uint32_t key;

		if (p < lo || p > hi)
			p = (uint16_t)lo;
		ti->ti_eph_next = (uint16_t)(p + 1);
		key = rte_cpu_to_be_16(p);
		if (rte_hash_lookup(ti->ti_binds, &key) >= 0 ||
		    (steer && !tcp_steer_ok(ti, st, k, (uint16_t)key)) ||
		    tcp_tuple_state(ti, k, (uint16_t)key) == TUPLE_BUSY)
			continue;
		return (uint16_t)key;
	}
	return 0;
}

/* Move tp (ephemeral) to lport, which is free to bind. */
static void
tcp_port_move(struct tcpcb *tp, uint16_t lport)
{
	uint16_t old = tp->tp_key.k_lport;

	tcp_unbind(tp);
	if (tcp_bind_port(tp, lport) != 0)
		(void)tcp_bind_port(tp, old); /* just freed: cannot fail */
	tp->tp_flags |= TF_EPHEMERAL; /* still ours to choose */
}

/* Open from tp's port: end the TIME-WAIT that holds its 4-tuple, if one does. 0 or 1. */
static int
tcp_tuple_take(struct tcpcb *tp, uint32_t *iss_floor)
{
	struct tcp_inst *ti = tp->tp_inst;
	const struct tcp_key *k = &tp->tp_key;
	struct tcpcb *tw = tcp_lookup(ti, k->k_laddr, k->k_lport, k->k_faddr, k->k_fport);

	if (tw == NULL)
		return 0;
	*iss_floor = tw->snd_nxt + 65535 + 2;
	TCP_INC(ti, timewait_recycled);
	(void)tcp_close_conn(tw);
	return 1;
}

/*
 * At T_CONN_REQ, tp bound and its peer set: make its 4-tuple one it may open (see the top).
 * 0: open from tp's port; 1: the same, a TIME-WAIT having been recycled, so the ISS must not
 * be below *iss_floor (sequence space); -EADDRINUSE: no port will do.
 */
int
tcp_connect_port(struct tcpcb *tp, uint32_t *iss_floor)
{
	struct tcp_inst *ti = tp->tp_inst;
	const struct tcp_key *k = &tp->tp_key;
	enum tcp_tuple mine = tcp_tuple_state(ti, k, k->k_lport);
	struct tcp_steer st;
	bool fits, by_port;
	uint16_t p = 0;

	if (!(tp->tp_flags & TF_EPHEMERAL)) {
		if (mine != TUPLE_BUSY)
			return tcp_tuple_take(tp, iss_floor);
		TCP_INC(ti, connect_addrbusy);
		return -EADDRINUSE;
	}
	tcp_steer_init(ti, k->k_laddr, &st);
	fits = tcp_steer_ok(ti, &st, k, k->k_lport);
	by_port = tcp_steer_by_port(&st);
	if (fits && mine != TUPLE_BUSY)
		return tcp_tuple_take(tp, iss_floor);
	/* a port that steers the replies here and whose 4-tuple may be opened */
	if (fits || by_port)
		p = tcp_port_search(ti, k, &st, true);
	if (p != 0) {
		tcp_port_move(tp, p);
		if (fits)
			TCP_INC(ti, connect_port_moved);
		else if (st.st_rss != NULL)
			TCP_INC(ti, rss_port_steered);
		else
			TCP_INC(ti, soft_port_steered);
		return tcp_tuple_take(tp, iss_floor);
	}
	if (!fits || by_port)
		TCP_INC(ti, rss_no_port); /* the replies go where the NIC or the kernel sends them */
	if (mine != TUPLE_BUSY)
		return tcp_tuple_take(tp, iss_floor);
	/* then any port whose 4-tuple may be opened (unless that was the search above) */
	if (!fits || by_port)
		p = tcp_port_search(ti, k, &st, false);
	if (p == 0) {
		TCP_INC(ti, connect_addrbusy);
		return -EADDRINUSE;
	}
	tcp_port_move(tp, p);
	TCP_INC(ti, connect_port_moved);
	return tcp_tuple_take(tp, iss_floor);
}
