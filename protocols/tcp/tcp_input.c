/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp input: segment arrival, RFC 9293 section 3.10.7, with RFC 5961 (RST and SYN
 * challenge ACKs, ACK range check), RFC 7323 (window scale, timestamps, PAWS), RFC 5681 /
 * RFC 6582 (ACK clocking, fast retransmit and NewReno recovery) and RFC 6298 samples.
 *
 * Principles of operation. ip hands up the whole datagram (M_DATA, b_rptr at the IPv4
 * header). After validation the headers are trimmed by moving b_rptr: the payload that goes
 * up is the received buffer itself. In-order data goes straight to the endpoint's stream head
 * (or waits on t_rcvhold until a pending connection is accepted); out-of-order segments wait
 * on t_reass as they arrived, ordered by sequence, overlaps trimmed with b_rptr/b_wptr, and
 * go up when the hole fills. Nothing is copied unless a header straddles blocks (pullupmsg).
 * The order of checks follows RFC 9293 3.10.7.4: PAWS, RST, SYN, sequence acceptability
 * (trimming to the window), ACK, data, FIN; each drop is counted by its reason.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <protocols/ip_hdr.h>

#include "tcp_priv.h"

struct tcp_opts {
	unsigned to_flags;
#define TO_MSS 0x1
#define TO_WS  0x2
#define TO_TS  0x4
#define TO_SACKPERM 0x8
#define TO_SACK 0x10
#define TO_SACK_BAD 0x20 /* a SACK option of impossible length: ignored, counted */
	uint16_t to_mss;
	uint8_t to_ws;
	uint32_t to_tsval, to_tsecr;
	struct tcp_sack_opt to_sack; /* the blocks, copied out of the header */
};

/*
 * Parse the option list; false if it is malformed: an option whose length is below 2 or
 * runs past the header (RFC 9293 3.1, MUST-7: be prepared for an illegal option length).
 */
static bool
tcp_parse_opts(const uint8_t *cp, unsigned len, bool syn, struct tcp_opts *to)
{
	to->to_flags = 0;
	while (len > 0) {
		unsigned kind = cp[0], olen;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			cp++;
			len--;
			continue;
		}
		if (len < 2 || (olen = cp[1]) < 2 || olen > len)
			return false;
		switch (kind) {
		case TCPOPT_MAXSEG:
			if (olen == TCPOLEN_MAXSEG && syn) {
				to->to_flags |= TO_MSS;
				to->to_mss = (uint16_t)(cp[2] << 8 | cp[3]);
			}
			break;
		case TCPOPT_WINDOW:
			if (olen == TCPOLEN_WINDOW && syn) {
				to->to_flags |= TO_WS;
				to->to_ws = RTE_MIN(cp[2], (uint8_t)YARD_TCP_MAX_WINSHIFT);
			}
			break;
		case TCPOPT_TIMESTAMP:
			if (olen == TCPOLEN_TIMESTAMP) {
				to->to_flags |= TO_TS;
				memcpy(&to->to_tsval, cp + 2, 4);
				memcpy(&to->to_tsecr, cp + 6, 4);
				to->to_tsval = rte_be_to_cpu_32(to->to_tsval);
				to->to_tsecr = rte_be_to_cpu_32(to->to_tsecr);
			}
			break;
		case TCPOPT_SACK_PERMITTED:
			if (olen == TCPOLEN_SACK_PERMITTED && syn)
				to->to_flags |= TO_SACKPERM;
			break;
		case TCPOPT_SACK: /* RFC 2018 3: 1 to 4 blocks of 8 bytes */
			if (syn)
				break;
			if (olen < 10 || (olen - 2) % 8 != 0) {
				to->to_flags |= TO_SACK_BAD;
				break;
			}
			to->to_flags |= TO_SACK;
			to->to_sack.so_nblocks = (olen - 2) / 8; /* at most 4 in 40 bytes */
			for (unsigned i = 0; i < 2 * to->to_sack.so_nblocks; i++) {
				uint32_t v;

				memcpy(&v, cp + 2 + 4 * i, 4);
				to->to_sack.so_edges[i] = rte_be_to_cpu_32(v);
			}
			break;
		default:
			break;
		}
		cp += olen;
		len -= olen;
	}
	return true;
}

void
tcp_mss_update(struct tcpcb *tp, unsigned peermss)
{
	unsigned mss = peermss != 0 ? peermss : 536; /* RFC 9293 3.7.1 default */

	tp->t_peermss = (uint16_t)mss;
	mss = RTE_MIN(mss, tp->tp_inst->ti_param.tp_mss);
	if (tp->tp_flags & TF_RCVD_TS)
		mss -= TCPOLEN_TIMESTAMP + 2;
	if (mss < 64)
		mss = 64;
	tp->t_maxseg = (uint16_t)mss;
}

/* Options of a SYN (RFC 7323 2.2, 3.2; RFC 9293 3.7.1). */
static void
tcp_syn_opts(struct tcpcb *tp, const struct tcp_opts *to)
{
	if ((tp->tp_flags & TF_REQ_WS) && (to->to_flags & TO_WS)) {
		tp->tp_flags |= TF_RCVD_WS;
		tp->snd_scale = to->to_ws;
		tp->rcv_scale = tp->req_rcv_scale;
	} else {
		tp->snd_scale = tp->rcv_scale = 0;
	}
	if ((tp->tp_flags & TF_REQ_TS) && (to->to_flags & TO_TS)) {
		tp->tp_flags |= TF_RCVD_TS;
		tp->ts_recent = to->to_tsval;
		tp->ts_recent_age = tcp_now(tp->tp_inst);
	}
	/* RFC 2018 2: SACK only when both SYNs carry SACK-permitted */
	if ((tp->tp_flags & TF_REQ_SACK) && (to->to_flags & TO_SACKPERM)) {
		tp->tp_flags |= TF_SACK_PERMIT;
		TCP_INC(tp->tp_inst, sack_permitted);
	} else {
		tp->tp_flags &= ~TF_SACK_PERMIT;
	}
	tcp_mss_update(tp, (to->to_flags & TO_MSS) ? to->to_mss : 0);
	tp->t_cc->cc_init(tp);
}

/* The receive-buffer shift to ask for: enough to express t_rcvbuf (RFC 7323 2.3). */
uint8_t
tcp_wscale_for(uint32_t rcvbuf)
{
	uint8_t s = 0;

	while (s < YARD_TCP_MAX_WINSHIFT && ((uint32_t)TCP_MAXWIN << s) < rcvbuf)
		s++;
	return s;
}

/* Kill a connection: RST to the peer if synchronized and not caused by it, then close. */
bool
tcp_drop(struct tcpcb *tp, int err)
{
	if (TCPS_HAVERCVDSYN(tp->tp_state) && tp->tp_state != TCPS_TIME_WAIT &&
	    err != ECONNRESET && err != ECONNREFUSED && tp->tp_inst != NULL)
		tcp_respond(tp->tp_inst, &tp->tp_key, tp->snd_nxt, tp->rcv_nxt, TH_RST | TH_ACK);
	tp->t_error = err;
	return tcp_close_conn(tp);
}

/* The connection is over: free it, or leave the endpoint's block CLOSED on its stream. */
bool
tcp_close_conn(struct tcpcb *tp)
{
	struct tcpcb *head = tp->tp_head;

	tcp_set_state(tp, TCPS_CLOSED);
	tcp_timer_cancel_all(tp);
	tcp_hash_remove(tp);
	if (head != NULL) {
		struct tcpcb **pp = (tp->tp_flags & TF_CONNIND) ? &head->tp_acceptq : &head->tp_synq;

		for (; *pp != NULL; pp = &(*pp)->tp_qnext) {
			if (*pp == tp) {
				*pp = tp->tp_qnext;
				break;
			}
		}
		if (tp->tp_flags & TF_CONNIND) {
			head->tp_nconind--;
			tcp_ind_discon(tp, tp->t_error != 0 ? tp->t_error : ECONNRESET);
		} else {
			head->tp_synqlen--;
		}
		tcp_cb_free(tp);
		return true;
	}
	if (tp->tp_rq == NULL) {
		tcp_cb_free(tp);
		return true;
	}
	if (tp->t_error != 0)
		tcp_ind_discon(tp, tp->t_error);
	tcp_free_bufs(tp);
	return false;
}

/*
 * TIME-WAIT for 2 MSL (or again, on a retransmitted FIN). Past tp_max_timewait connections
 * in TIME-WAIT it lasts a tick instead (the timer frees it: callers still hold tp), as Linux
 * does past tcp_max_tw_buckets: a server closing first thousands of connections a second
 * would otherwise fill the connection table with them and refuse new SYNs.
 */
static void
tcp_enter_timewait(struct tcpcb *tp)
{
	struct tcp_inst *ti = tp->tp_inst;
	uint32_t ms = 2 * ti->ti_param.tp_msl_ms;

	tcp_set_state(tp, TCPS_TIME_WAIT);
	tcp_timer_cancel_all(tp);
	if (ti->ti_ntimewait > ti->ti_param.tp_max_timewait) {
		ms = TCP_TICK_MS;
		TCP_INC(ti, timewait_overflow);
	}
	tcp_timer_arm(tp, TT_2MSL, ms);
	tcp_timer_list(tp, ms == TCP_TICK_MS ? TL_TW_TICK : TL_TW);
}

/*
 * A SYN that may end TIME-WAIT: its ISN above what the old connection expected next (RFC
 * 1122 4.2.2.13), or its TSval above the last the old connection saw (RFC 6191 2), and in
 * either case a TSval not below it (PAWS, RFC 7323 5) when both carry timestamps -- Linux's
 * rule. A client that reconnects within the millisecond of its last segment sends the same
 * TSval: its ISN, taken from a clock, tells the new incarnation then.
 */
static bool
tcp_timewait_reusable(const struct tcpcb *tp, uint32_t seq, const struct tcp_opts *to)
{
	bool ts = (tp->tp_flags & TF_RCVD_TS) && (to->to_flags & TO_TS);

	if (ts && (int32_t)(to->to_tsval - tp->ts_recent) < 0)
		return false; /* older than the old connection's: an old duplicate */
	return SEQ_GT(seq, tp->rcv_nxt) || (ts && to->to_tsval != tp->ts_recent);
}

/* A segment for no connection (RFC 9293 3.10.7.1). */
static void
tcp_reset_for(struct tcp_inst *ti, const struct tcp_key *k, uint8_t flags, uint32_t seq,
	      uint32_t ack, uint32_t seglen)
{
	if (flags & TH_RST)
		return;
	if (flags & TH_ACK)
		tcp_respond(ti, k, ack, 0, TH_RST);
	else
		tcp_respond(ti, k, 0, seq + seglen, TH_RST | TH_ACK);
}

/* Out-of-order data into the reassembly list (sorted, overlaps trimmed). */
static void
tcp_reass_insert(struct tcpcb *tp, mblk_t *mp, uint32_t seq, uint32_t len)
{
	struct tcp_inst *ti = tp->tp_inst;
	mblk_t **pp = &tp->t_reass, *prev = NULL;

	if (tp->t_reass_bytes + len > tp->t_rcvbuf) {
		TCP_INC(ti, drop_ooo_full);
		freemsg(mp);
		return;
	}
	while (*pp != NULL && SEQ_LT(*tcp_mseq(*pp), seq)) {
		prev = *pp;
		pp = &(*pp)->b_next;
	}
	if (prev != NULL) {
		uint32_t pend = *tcp_mseq(prev) + (uint32_t)msgdsize(prev);

		if (SEQ_GEQ(pend, seq + len)) { /* wholly inside the previous one */
			TCP_INC(ti, rx_dup_segs);
			tcp_sack_rcv_dup(tp, seq, seq + len);
			freemsg(mp);
			return;
		}
		if (SEQ_GT(pend, seq)) {
			tcp_sack_rcv_dup(tp, seq, pend);
			(void)adjmsg(mp, (ssize_t)(pend - seq));
			len -= pend - seq;
			seq = pend;
		}
	}
	/* successors wholly covered go; one partly covered is cut at our end */
	while (*pp != NULL) {
		mblk_t *np = *pp;
		uint32_t nseq = *tcp_mseq(np), nlen = (uint32_t)msgdsize(np);

		if (SEQ_GEQ(nseq, seq + len))
			break;
		if (SEQ_LEQ(nseq + nlen, seq + len)) {
			/* the new copy replaces the one held: the one held is what was duplicated */
			tcp_sack_rcv_dup(tp, nseq, nseq + nlen);
			*pp = np->b_next;
			np->b_next = NULL;
			tp->t_reass_bytes -= nlen;
			freemsg(np);
			continue;
		}
		(void)adjmsg(mp, -(ssize_t)(seq + len - nseq));
		len = nseq - seq;
		break;
	}
	*tcp_mseq(mp) = seq;
	mp->b_next = *pp;
	*pp = mp;
	tp->t_reass_bytes += len;
	TCP_INC(ti, rx_ooo_segs);
}

/* Move what is now in order from the reassembly list up. */
static void
tcp_reass_deliver(struct tcpcb *tp)
{
	while (tp->t_reass != NULL && SEQ_LEQ(*tcp_mseq(tp->t_reass), tp->rcv_nxt)) {
		mblk_t *mp = tp->t_reass;
		uint32_t seq = *tcp_mseq(mp), len = (uint32_t)msgdsize(mp);

		tp->t_reass = mp->b_next;
		mp->b_next = NULL;
		tp->t_reass_bytes -= len;
		if (SEQ_LEQ(seq + len, tp->rcv_nxt)) {
			freemsg(mp);
			continue;
		}
		(void)adjmsg(mp, (ssize_t)(tp->rcv_nxt - seq));
		len -= tp->rcv_nxt - seq;
		tp->rcv_nxt += len;
		TCP_ADD(tp->tp_inst, rx_data_bytes, len);
		tcp_ind_data(tp, mp);
	}
}

/*
 * A new embryonic connection of listener lp in SYN-RECEIVED (RFC 9293 3.10.7.2): the peer's
 * ISN seq, ours iss, the options of the SYN. NULL (counted) if there is no room.
 */
static struct tcpcb *
tcp_listen_newconn(struct tcp_inst *ti, struct tcpcb *lp, const struct tcp_key *k,
		   uint32_t seq, uint32_t iss, uint16_t win, const struct tcp_opts *to)
{
	struct tcpcb *tp = tcp_cb_alloc(ti);

	if (tp == NULL) {
		TCP_INC(ti, drop_nomem);
		return NULL;
	}
	tp->tp_key = *k;
	if (tcp_hash_insert(tp) != 0) {
		TCP_INC(ti, drop_nomem);
		tcp_cb_free(tp);
		return NULL;
	}
	tp->tp_flags = lp->tp_flags & (TF_NODELAY | TF_KEEPALIVE | TF_REQ_TS | TF_REQ_WS |
				       TF_REQ_SACK);
	tp->t_sndbuf = lp->t_sndbuf;
	tp->t_rcvbuf = lp->t_rcvbuf;
	tp->t_tos = lp->t_tos; /* the SYN,ACK already wears the listener's */
	tp->t_ttl = lp->t_ttl;
	tp->t_cc = lp->t_cc;
	tp->req_rcv_scale = tcp_wscale_for(tp->t_rcvbuf);
	tp->tp_head = lp;
	tp->tp_qnext = lp->tp_synq;
	lp->tp_synq = tp;
	lp->tp_synqlen++;
	tp->tp_tstate = TS_DATA_XFER;
	tp->irs = seq;
	tp->rcv_nxt = tp->rcv_adv = seq + 1;
	tp->iss = iss;
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->iss;
	tp->snd_recover = tp->iss; /* RFC 6582 3.2 step 1: "recover" starts at the ISS */
	tcp_syn_opts(tp, to);
	tp->snd_wnd = win; /* RFC 7323 2.2: not scaled in a SYN */
	tp->snd_max_wnd = win;
	tp->snd_wl1 = seq;
	tcp_set_state(tp, TCPS_SYN_RECEIVED);
	tp->t_idle_since = tcp_now(ti);
	/* the connection must establish within the keepalive idle-interval cap */
	tcp_timer_arm(tp, TT_KEEP, 75000);
	TCP_INC(ti, passive_opens);
	return tp;
}

/* A SYN at a listener (RFC 9293 3.10.7.2): an embryonic connection, or a SYN cookie. */
static void
tcp_listen_input(struct tcp_inst *ti, struct tcpcb *lp, const struct tcp_key *k,
		 uint32_t seq, uint16_t win, const struct tcp_opts *to)
{
	struct tcpcb *tp;

	if (lp->tp_nconind >= lp->tp_conind_max) {
		TCP_INC(ti, drop_listen_overflow);
		return;
	}
	if (lp->tp_synqlen >= ti->ti_param.tp_syn_backlog) {
		/* RFC 4987 3.6: the state goes into our ISN, nothing is kept */
		if (!tcp_syncookie_send(ti, lp, k, seq, (to->to_flags & TO_MSS) ? to->to_mss : 0,
					(to->to_flags & TO_WS) ? to->to_ws : -1,
					(to->to_flags & TO_SACKPERM) != 0,
					(to->to_flags & TO_TS) != 0, to->to_tsval))
			TCP_INC(ti, drop_syn_backlog);
		return;
	}
	tp = tcp_listen_newconn(ti, lp, k, seq, tcp_new_isn(ti, k), win, to);
	if (tp != NULL)
		(void)tcp_output(tp);
}

/*
 * An ACK at a listener: the return of a SYN cookie (tcp_syncookie.c) makes the connection in
 * SYN-RECEIVED with its SYN,ACK sent, and the ACK then completes it as any other. NULL if it
 * is no cookie, a wrong one (RST owed), or the accept queue is full (*drop: drop it silently;
 * the peer's next segment tries again).
 */
static struct tcpcb *
tcp_syncookie_conn(struct tcp_inst *ti, struct tcpcb *lp, const struct tcp_key *k,
		   uint32_t seq, uint32_t ack, uint16_t win, const struct tcp_opts *to, bool *drop)
{
	struct tcp_opts so = { .to_flags = TO_MSS };
	struct tcpcb *tp;
	unsigned mss;
	int r, ws;

	*drop = false;
	r = tcp_syncookie_check(ti, k, seq - 1, ack - 1, tcp_now(ti), &mss);
	if (r == -ENOENT)
		return NULL;
	if (r != 0) {
		TCP_INC(ti, syncookies_failed);
		return NULL;
	}
	if (lp->tp_nconind >= lp->tp_conind_max) {
		TCP_INC(ti, drop_listen_overflow);
		*drop = true;
		return NULL;
	}
	so.to_mss = (uint16_t)mss;
	ws = tcp_syncookie_ws((to->to_flags & TO_TS) != 0, to->to_tsecr);
	if (ws >= 0) {
		so.to_flags |= TO_WS;
		so.to_ws = (uint8_t)ws;
	}
	if (tcp_syncookie_sack((to->to_flags & TO_TS) != 0, to->to_tsecr))
		so.to_flags |= TO_SACKPERM;
	if (to->to_flags & TO_TS) {
		so.to_flags |= TO_TS;
		so.to_tsval = to->to_tsval;
		so.to_tsecr = to->to_tsecr;
	}
	tp = tcp_listen_newconn(ti, lp, k, seq - 1, ack - 1, win, &so);
	if (tp == NULL) {
		*drop = true;
		return NULL;
	}
	tp->snd_nxt = tp->snd_max = tp->iss + 1; /* our SYN went out as the cookie SYN,ACK */
	tp->rcv_adv = tp->rcv_nxt + RTE_MIN(tp->t_rcvbuf, TCP_MAXWIN); /* and its window */
	TCP_INC(ti, syncookies_ok);
	return tp;
}

static void
tcp_established(struct tcpcb *tp)
{
	struct tcp_inst *ti = tp->tp_inst;

	tcp_set_state(tp, TCPS_ESTABLISHED);
	TCP_INC(ti, established);
	tp->t_timer[TT_KEEP] = 0;
	if (tp->tp_flags & TF_KEEPALIVE)
		tcp_timer_arm(tp, TT_KEEP, ti->ti_param.tp_keepidle_ms);
	tcp_ind_connected(tp);
}

/* Dup ACK / new ACK handling (RFC 5681 3.2, RFC 6582 3.2). Returns bytes newly acked. */
static void
tcp_fast_rexmt(struct tcpcb *tp)
{
	uint32_t onxt = tp->snd_nxt, ocwnd;

	tp->t_cc->cc_enter_recovery(tp);
	tp->tp_flags |= TF_INRECOVERY;
	tp->snd_recover = tp->snd_max;
	tp->t_timer[TT_REXMT] = 0;
	tp->tp_flags &= ~TF_RTTING;
	ocwnd = tp->snd_cwnd;
	tp->snd_nxt = tp->snd_una;
	tp->snd_cwnd = tp->t_maxseg;
	(void)tcp_output(tp);
	tp->snd_cwnd = ocwnd;
	if (SEQ_GT(onxt, tp->snd_nxt))
		tp->snd_nxt = onxt;
	TCP_INC(tp->tp_inst, fast_rexmt);
}

/*
 * RFC 3042 limited transmit: the first and second duplicate ACKs each let one new segment
 * go beyond cwnd (flight at most cwnd + 2 SMSS), so a small window still draws the three
 * duplicate ACKs that fast retransmit needs instead of waiting for the timer.
 */
static void
tcp_limited_transmit(struct tcpcb *tp)
{
	uint32_t ocwnd = tp->snd_cwnd, omax = tp->snd_max, flight = tp->snd_max - tp->snd_una;

	if (tp->snd_nxt != tp->snd_max || tp->sb_cc <= flight ||
	    flight + tp->t_maxseg > ocwnd + 2u * tp->t_maxseg)
		return;
	tp->snd_cwnd = flight + tp->t_maxseg;
	(void)tcp_output(tp);
	tp->snd_cwnd = ocwnd;
	if (tp->snd_max != omax)
		TCP_INC(tp->tp_inst, limited_transmits);
}

static void
tcp_partial_ack(struct tcpcb *tp, uint32_t acked)
{
	uint32_t onxt = tp->snd_nxt, ocwnd = tp->snd_cwnd;

	TCP_INC(tp->tp_inst, recovery_partial);
	tp->t_timer[TT_REXMT] = 0;
	tp->snd_nxt = tp->snd_una;
	tp->snd_cwnd = tp->t_maxseg;
	(void)tcp_output(tp);
	tp->snd_cwnd = ocwnd;
	if (SEQ_GT(onxt, tp->snd_nxt))
		tp->snd_nxt = onxt;
	/* RFC 6582 3.2 step 5: deflate by the amount acked, add back one MSS */
	tp->snd_cwnd = tp->snd_cwnd > acked ? tp->snd_cwnd - acked : 0;
	if (acked >= tp->t_maxseg)
		tp->snd_cwnd += tp->t_maxseg;
	if (tp->snd_cwnd < tp->t_maxseg)
		tp->snd_cwnd = tp->t_maxseg;
}

void
tcp_input(struct tcp_inst *ti, mblk_t *mp)
{
	struct rte_ipv4_hdr *ip;
	struct yard_tcphdr *th;
	struct tcp_opts to;
	struct tcp_key k;
	struct tcpcb *tp;
	unsigned iphl, thl;
	size_t total, tlen;
	uint32_t seq, ack, dlen, win, tiwin;
	uint8_t flags;
	bool ourfinisacked = false;
	uint32_t sacked, delivered;
	bool tsecr_ok;

	TCP_INC(ti, rx_segs);
	if (MBLKL(mp) < YARD_IPV4_HDR_MIN && !pullupmsg(mp, YARD_IPV4_HDR_MIN))
		goto drop_short;
	ip = (struct rte_ipv4_hdr *)mp->b_rptr;
	iphl = (ip->version_ihl & 0xf) * 4u;
	total = rte_be_to_cpu_16(ip->total_length);
	if (total < iphl + YARD_TCP_HDR_MIN || msgdsize(mp) < total)
		goto drop_short;
	if (msgdsize(mp) > total)
		(void)adjmsg(mp, -(ssize_t)(msgdsize(mp) - total));
	if (MBLKL(mp) < iphl + YARD_TCP_HDR_MIN &&
	    !pullupmsg(mp, (ssize_t)(iphl + YARD_TCP_HDR_MIN)))
		goto drop_short;
	ip = (struct rte_ipv4_hdr *)mp->b_rptr;
	th = (struct yard_tcphdr *)(mp->b_rptr + iphl);
	tlen = total - iphl;
	thl = (th->th_off >> 4) * 4u;
	if (thl < YARD_TCP_HDR_MIN || thl > tlen) {
		TCP_INC(ti, drop_bad_off);
		goto drop;
	}
	if (MBLKL(mp) < iphl + thl) {
		if (!pullupmsg(mp, (ssize_t)(iphl + thl)))
			goto drop_short;
		ip = (struct rte_ipv4_hdr *)mp->b_rptr;
		th = (struct yard_tcphdr *)(mp->b_rptr + iphl);
	}
	/* checksum: the port's verdict when every link verifies, else software */
	{
		uint64_t ol = yard_mblk_mbuf(mp)->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

		if ((ti->ti_param.tp_flags & TCP_PF_RX_CKSUM_OFFLOAD) &&
		    ol == RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
			TCP_INC(ti, rx_cksum_hw);
		} else if ((ti->ti_param.tp_flags & TCP_PF_RX_CKSUM_OFFLOAD) &&
			   ol == RTE_MBUF_F_RX_L4_CKSUM_BAD) {
			TCP_INC(ti, drop_bad_cksum);
			goto drop;
		} else {
			TCP_INC(ti, rx_cksum_sw);
			if (tcp_cksum(ip->src_addr, ip->dst_addr, mp, iphl, tlen) != 0) {
				TCP_INC(ti, drop_bad_cksum);
				goto drop;
			}
		}
	}
	{
		uint32_t s = rte_be_to_cpu_32(ip->src_addr), d = rte_be_to_cpu_32(ip->dst_addr);

		if (s == 0 || d == 0 || (s >> 28) == 0xe || (d >> 28) == 0xe ||
		    s == 0xffffffffu || d == 0xffffffffu) {
			TCP_INC(ti, drop_bcast);
			goto drop;
		}
	}
	flags = th->th_flags;
	seq = rte_be_to_cpu_32(th->th_seq);
	ack = rte_be_to_cpu_32(th->th_ack);
	tiwin = rte_be_to_cpu_16(th->th_win);
	dlen = (uint32_t)(tlen - thl);
	if (!tcp_parse_opts((const uint8_t *)th + YARD_TCP_HDR_MIN, thl - YARD_TCP_HDR_MIN,
			    (flags & TH_SYN) != 0, &to)) {
		TCP_INC(ti, drop_bad_opts);
		goto drop;
	}
	/* an MSS of 0 leaves nothing to send with: no usable peer (RFC 9293 3.7.1) */
	if ((to.to_flags & TO_MSS) && to.to_mss == 0) {
		TCP_INC(ti, drop_bad_mss);
		goto drop;
	}
	k = (struct tcp_key){ .k_laddr = ip->dst_addr, .k_faddr = ip->src_addr,
			      .k_lport = th->th_dport, .k_fport = th->th_sport };
	if ((flags & (TH_SYN | TH_FIN)) == (TH_SYN | TH_FIN) ||
	    (flags & (TH_SYN | TH_RST)) == (TH_SYN | TH_RST) ||
	    !(flags & (TH_SYN | TH_ACK | TH_RST))) {
		TCP_INC(ti, drop_bad_flags);
		goto drop;
	}
	tp = tcp_lookup(ti, k.k_laddr, k.k_lport, k.k_faddr, k.k_fport);
	if (tp != NULL && tp->tp_state == TCPS_TIME_WAIT &&
	    (flags & (TH_SYN | TH_ACK)) == TH_SYN && tcp_timewait_reusable(tp, seq, &to) &&
	    tcp_lookup_listener(ti, k.k_laddr, k.k_lport) != NULL) {
		/*
		 * A new SYN on a connection in TIME-WAIT (RFC 9293 3.10.7.4, RFC 1122 4.2.2.13,
		 * RFC 6191): a client reusing the 4-tuple within 2 MSL, as busy clients of a
		 * server that closes first do. The new incarnation is told apart from the old one
		 * by its timestamp, or without timestamps by its ISN: TIME-WAIT ends, and the SYN
		 * opens a connection from LISTEN. (Answering with the old connection's ACK, the
		 * client's RST and its SYN again a second later cost each reuse a second.)
		 */
		TCP_INC(ti, timewait_reused);
		(void)tcp_close_conn(tp);
		tp = NULL;
	}
	if (tp == NULL) {
		struct tcpcb *lp = tcp_lookup_listener(ti, k.k_laddr, k.k_lport);

		if (lp == NULL) {
			if (tcp_soft_forward(ti, &k, mp))
				return; /* another lcore's active open (tcp_rss.c), handed over whole */
			TCP_INC(ti, drop_no_conn);
			tcp_reset_for(ti, &k, flags, seq, ack,
				      dlen + ((flags & TH_SYN) ? 1 : 0) + ((flags & TH_FIN) ? 1 : 0));
			goto drop;
		}
		if (flags & TH_RST) {
			TCP_INC(ti, drop_listen_bad);
			goto drop;
		}
		if (flags & TH_ACK) {
			bool quiet = false;

			tp = (flags & TH_SYN) ? NULL :
			     tcp_syncookie_conn(ti, lp, &k, seq, ack, (uint16_t)tiwin, &to, &quiet);
			if (tp == NULL) {
				TCP_INC(ti, drop_listen_bad);
				if (!quiet)
					tcp_respond(ti, &k, ack, 0, TH_RST);
				goto drop;
			}
			/* a returning SYN cookie: on as the ACK of the SYN-RECEIVED it made */
		} else {
			/* a SYN (data in it is not kept: the peer sends it again) */
			tcp_listen_input(ti, lp, &k, seq, (uint16_t)tiwin, &to);
			goto drop;
		}
	}
	/* trim the headers (after the lookup: a segment handed to another lcore goes whole): what remains is the payload, in the received buffer */
	{
		size_t hl = iphl + thl;

		mp->b_rptr += hl;
		if (MBLKL(mp) == 0 && mp->b_cont != NULL) {
			mblk_t *bp = mp->b_cont;

			freeb(mp);
			mp = bp;
		}
	}

	tp->t_idle_since = tcp_now(ti);
	tp->t_keepsent = 0;
	if ((tp->tp_flags & TF_KEEPALIVE) && TCPS_HAVEESTABLISHED(tp->tp_state) &&
	    tp->tp_state <= TCPS_CLOSE_WAIT)
		tcp_timer_arm(tp, TT_KEEP, ti->ti_param.tp_keepidle_ms);

	/* ---- SYN-SENT (RFC 9293 3.10.7.3) ---- */
	if (tp->tp_state == TCPS_SYN_SENT) {
		if ((flags & TH_ACK) && (SEQ_LEQ(ack, tp->iss) || SEQ_GT(ack, tp->snd_max))) {
			TCP_INC(ti, drop_synsent_bad_ack);
			if (!(flags & TH_RST))
				tcp_respond(ti, &k, ack, 0, TH_RST);
			goto drop;
		}
		if (flags & TH_RST) {
			if (flags & TH_ACK) {
				TCP_INC(ti, resets_received);
				freemsg(mp);
				(void)tcp_drop(tp, ECONNREFUSED);
				return;
			}
			goto drop;
		}
		if (!(flags & TH_SYN))
			goto drop;
		tp->irs = seq;
		tp->rcv_nxt = tp->rcv_adv = seq + 1;
		tcp_syn_opts(tp, &to);
		tp->snd_wnd = tiwin;
		tp->snd_max_wnd = tiwin;
		tp->snd_wl1 = seq;
		tp->snd_wl2 = ack;
		if (flags & TH_ACK) {
			tp->snd_una = ack;
			if (SEQ_LT(tp->snd_nxt, tp->snd_una))
				tp->snd_nxt = tp->snd_una;
			tp->t_timer[TT_REXMT] = 0;
			if ((tp->tp_flags & TF_RCVD_TS) && to.to_tsecr != 0)
				tcp_rtt_update(tp, (uint32_t)(tcp_now(ti) - to.to_tsecr));
			else if ((tp->tp_flags & TF_RTTING) && tp->t_rxtshift == 0)
				tcp_rtt_update(tp, (uint32_t)(tcp_now(ti) - tp->t_rtstart));
			tp->tp_flags &= ~TF_RTTING;
			tp->t_rxtshift = 0;
			tcp_established(tp);
			tp->tp_flags |= TF_ACKNOW;
			(void)tcp_output(tp);
		} else {
			/* simultaneous open: SYN-RECEIVED, SYN,ACK with our ISS again */
			TCP_INC(ti, simultaneous_opens);
			tcp_set_state(tp, TCPS_SYN_RECEIVED);
			tp->t_timer[TT_REXMT] = 0;
			tp->snd_nxt = tp->iss;
			(void)tcp_output(tp);
		}
		goto drop;
	}

	/* ---- synchronized states (RFC 9293 3.10.7.4) ---- */
	/* PAWS (RFC 7323 5.3); segments without timestamps are accepted (RFC 7323 3.2). */
	if ((tp->tp_flags & TF_RCVD_TS) && (to.to_flags & TO_TS) && !(flags & TH_RST) &&
	    tp->ts_recent != 0 && SEQ_LT(to.to_tsval, tp->ts_recent)) {
		if (tcp_now(ti) - tp->ts_recent_age > 24ull * 24 * 3600 * 1000) {
			tp->ts_recent = 0;
		} else {
			TCP_INC(ti, drop_paws);
			tcp_send_ack_now(tp);
			goto drop;
		}
	}
	win = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	/* RST (RFC 5961 3.2) */
	if (flags & TH_RST) {
		if (tp->tp_state == TCPS_TIME_WAIT) {
			/*
			 * RFC 1337 (TIME-WAIT assassination): a RST ending TIME-WAIT early lets an
			 * old duplicate of this incarnation reach the next one, and the peer's
			 * reset has nothing left to reset here. Dropped, as FreeBSD does (Linux
			 * does with tcp_rfc1337); a new incarnation ends TIME-WAIT by its SYN.
			 */
			TCP_INC(ti, timewait_rst_ignored);
			goto drop;
		}
		if (seq == tp->rcv_nxt) {
			TCP_INC(ti, rst_accepted);
			TCP_INC(ti, resets_received);
			freemsg(mp);
			if (tp->tp_state == TCPS_SYN_RECEIVED && tp->tp_head != NULL) {
				tp->t_error = 0; /* back to LISTEN: the listener never heard of it */
				(void)tcp_close_conn(tp);
			} else if (tp->tp_state >= TCPS_CLOSING && tp->tp_state != TCPS_FIN_WAIT_2) {
				(void)tcp_close_conn(tp);
			} else {
				(void)tcp_drop(tp, tp->tp_state == TCPS_SYN_RECEIVED ? ECONNREFUSED :
										       ECONNRESET);
			}
			return;
		}
		if (SEQ_GT(seq, tp->rcv_nxt) && SEQ_LT(seq, tp->rcv_nxt + win)) {
			TCP_INC(ti, rst_challenged);
			tcp_challenge_ack(tp);
		} else {
			TCP_INC(ti, drop_rst_out_window);
		}
		goto drop;
	}
	/* SYN (RFC 5961 4.2): a retransmitted SYN in SYN-RECEIVED gets our SYN,ACK again */
	if (flags & TH_SYN) {
		if (tp->tp_state == TCPS_SYN_RECEIVED && seq == tp->irs && !(flags & TH_ACK)) {
			/*
			 * RFC 7323 4.3: the SYN sent again is at Last.ACK.sent - 1 and newer, so
			 * its TSval becomes TS.Recent. Echoing the first SYN's instead made the
			 * peer time our SYN,ACK from its first SYN: one lost SYN,ACK gave it an
			 * RTT sample of its whole SYN timeout (1 s on Linux) and an RTO of
			 * seconds for the connection's life, long stalls under loss (issue 5).
			 */
			if ((tp->tp_flags & TF_RCVD_TS) && (to.to_flags & TO_TS) &&
			    SEQ_GEQ(to.to_tsval, tp->ts_recent)) {
				tp->ts_recent = to.to_tsval;
				tp->ts_recent_age = tcp_now(ti);
			}
			tp->snd_nxt = tp->iss;
			(void)tcp_output(tp);
			goto drop;
		}
		if (tp->tp_state == TCPS_SYN_RECEIVED && seq == tp->irs) {
			/*
			 * Simultaneous open (RFC 9293 figure 8): the peer's SYN,ACK repeats the
			 * SYN we already have. Trim it as the duplicate it is (as BSD does) and
			 * let its ACK complete the handshake.
			 */
			flags &= (uint8_t)~TH_SYN;
			seq++;
		} else {
			TCP_INC(ti, syn_challenged);
			tcp_challenge_ack(tp);
			goto drop;
		}
	}
	/* sequence acceptability, trimming to the window */
	{
		int32_t todrop = (int32_t)(tp->rcv_nxt - seq);

		if (todrop > 0) {
			if ((uint32_t)todrop > dlen ||
			    ((uint32_t)todrop == dlen && !(flags & TH_FIN))) {
				/* wholly duplicate: ACK it (the peer lost our ACK), keep its ACK */
				if (dlen > 0 || (flags & TH_FIN))
					TCP_INC(ti, rx_dup_segs);
				if (dlen > 0)
					tcp_sack_rcv_dup(tp, seq, seq + dlen);
				/*
				 * A FIN again in TIME-WAIT: our ACK of it was lost and the peer
				 * may send it once more; restart 2MSL so we are still here to
				 * answer (RFC 9293 3.10.7.4, eighth step, TIME-WAIT).
				 */
				if ((flags & TH_FIN) && tp->tp_state == TCPS_TIME_WAIT)
					tcp_enter_timewait(tp);
				tp->tp_flags |= TF_ACKNOW;
				flags &= (uint8_t)~TH_FIN;
				todrop = (int32_t)dlen;
			} else {
				TCP_INC(ti, rx_partdup_segs);
				tcp_sack_rcv_dup(tp, seq, tp->rcv_nxt);
				tp->tp_flags |= TF_ACKNOW; /* the D-SACK goes now, not a delayed ACK later */
			}
			if (todrop > 0)
				(void)adjmsg(mp, todrop);
			seq += (uint32_t)todrop;
			dlen -= (uint32_t)todrop;
		}
		if ((tp->tp_flags & TF_ORPHAN) && tp->tp_state > TCPS_CLOSE_WAIT && dlen > 0) {
			TCP_INC(ti, drop_after_close);
			freemsg(mp);
			(void)tcp_drop(tp, ECONNABORTED);
			return;
		}
		todrop = (int32_t)((seq + dlen) - (tp->rcv_nxt + win));
		if (todrop > 0) {
			if ((uint32_t)todrop >= dlen) {
				if (win == 0 && seq == tp->rcv_nxt) {
					TCP_INC(ti, rx_win_probes);
				} else if (dlen > 0 || !SEQ_LEQ(seq, tp->rcv_nxt + win)) {
					TCP_INC(ti, drop_out_of_window);
					tcp_send_ack_now(tp);
					goto drop;
				}
				tp->tp_flags |= TF_ACKNOW;
				todrop = (int32_t)dlen;
			}
			if (todrop > 0)
				(void)adjmsg(mp, -todrop);
			dlen -= (uint32_t)todrop;
			flags &= (uint8_t)~(TH_PSH | TH_FIN);
		}
	}
	if (!(flags & TH_ACK)) {
		TCP_INC(ti, drop_no_ack);
		goto drop;
	}
	/* RFC 7323 4.3: remember the timestamp of the segment that covers last_ack_sent */
	if ((to.to_flags & TO_TS) && SEQ_LEQ(seq, tp->last_ack_sent)) {
		tp->ts_recent = to.to_tsval;
		tp->ts_recent_age = tcp_now(ti);
	}

	/* ---- ACK ---- */
	if (tp->tp_state == TCPS_SYN_RECEIVED) {
		if (SEQ_GT(ack, tp->snd_una) && SEQ_LEQ(ack, tp->snd_max)) {
			tp->snd_wnd = tiwin << tp->snd_scale;
			tp->snd_wl1 = seq;
			tp->snd_wl2 = ack;
			tcp_established(tp);
			if (tp->tp_state == TCPS_CLOSED) {
				freemsg(mp);
				return;
			}
		} else {
			tcp_respond(ti, &k, ack, 0, TH_RST);
			goto drop;
		}
	}
	if (SEQ_GT(ack, tp->snd_max)) {
		/* RFC 5961 5.2: ACK of data never sent */
		TCP_INC(ti, drop_ack_unsent);
		tcp_challenge_ack(tp);
		goto drop;
	}
	if (SEQ_LT(ack, tp->snd_una - RTE_MAX(tp->snd_max_wnd, (uint32_t)tp->t_maxseg))) {
		TCP_INC(ti, drop_ack_too_old);
		tcp_send_ack_now(tp);
		goto drop;
	}
	if (to.to_flags & TO_SACK_BAD)
		TCP_INC(ti, drop_sack_bogus);
	sacked = 0;
	/* RFC 6937 DeliveredData = what SND.UNA passes, less what was SACKed there already,
	 * plus what is newly SACKed above it */
	delivered = SEQ_GT(ack, tp->snd_una) ? ack - tp->snd_una : 0;
	if (delivered > 0 && tp->t_sack.ts_nboard > 0)
		delivered -= RTE_MIN(delivered, tcp_sack_bytes(&tp->t_sack, tp->snd_una, ack));
	if ((tp->tp_flags & TF_SACK_PERMIT) && (to.to_flags & TO_SACK))
		sacked = tcp_sack_update(tp, ack, &to.to_sack);
	delivered += sacked;
	/* RFC 8985 6.2 steps 2-4: what this ACK delivered, before SND.UNA moves */
	tsecr_ok = (tp->tp_flags & TF_RCVD_TS) && (to.to_flags & TO_TS);
	tcp_rack_ack(tp, ack, tsecr_ok, to.to_tsecr);
	tcp_tlp_ack(tp, ack, tsecr_ok, to.to_tsecr);
	if (SEQ_LEQ(ack, tp->snd_una)) {
		/*
		 * duplicate ACK (RFC 5681 2): no data, same window, data outstanding. With SACK
		 * (RFC 6675 2) it is an ACK at SND.UNA that SACKs new data, even one carrying
		 * data: when both sides send, the peer's ACKs ride on its data. Not while probing
		 * a zero window: the outstanding byte is the probe's, and the peer's answers to it
		 * say nothing about loss (BSD asks for a running rexmt timer).
		 */
		bool dup = (tp->tp_flags & TF_SACK_PERMIT) ? sacked > 0 :
			   dlen == 0 && !(flags & TH_FIN) && (tiwin << tp->snd_scale) == tp->snd_wnd;

		if (dup && ack == tp->snd_una && tp->snd_max != tp->snd_una &&
		    tp->t_timer[TT_PERSIST] == 0) {
			TCP_INC(ti, rx_dupacks);
			tp->t_dupacks++;
			if (tp->t_sack.ts_recovery) {
				tcp_sack_recovery_ack(tp, delivered); /* RFC 6675 5 (C), PRR */
			} else if (tp->tp_flags & TF_INRECOVERY) {
				tp->snd_cwnd += tp->t_maxseg; /* RFC 6582 3.2 step 4 */
				(void)tcp_output(tp);
			} else if ((tp->tp_flags & TF_SACK_PERMIT) && SEQ_GEQ(ack, tp->snd_recover) &&
				   tcp_sack_should_recover(tp)) {
				/*
				 * RFC 6675 5. At RecoveryPoint itself too: everything out at the
				 * last reduction is acknowledged, a hole here is in data sent
				 * since, a new loss (as Linux leaves recovery at high_seq).
				 */
				tcp_sack_enter_recovery(tp, delivered);
			} else if (tp->t_dupacks == 3 && SEQ_GT(ack, tp->snd_recover)) {
				/* RFC 6582 3.2 step 2: the ACK covers more than "recover" */
				tcp_fast_rexmt(tp);
			} else if (tp->t_dupacks == 3) {
				tp->t_dupacks = 0; /* RFC 6582 4.1: no new recovery yet */
			} else if (tp->t_dupacks < 3) {
				tcp_limited_transmit(tp);
			}
		} else if (dlen > 0 || (tiwin << tp->snd_scale) != tp->snd_wnd) {
			tp->t_dupacks = 0;
		}
	} else {
		uint32_t acked = ack - tp->snd_una;

		TCP_INC(ti, rx_acks);
		(void)tcp_undo_rto_ack(tp, tsecr_ok, to.to_tsecr); /* RFC 4015 */
		/* RTT sample (RFC 7323 4.1 with timestamps, else the timed segment) */
		if ((tp->tp_flags & TF_RCVD_TS) && (to.to_flags & TO_TS) && to.to_tsecr != 0)
			tcp_rtt_update(tp, (uint32_t)(tcp_now(ti) - to.to_tsecr));
		else if ((tp->tp_flags & TF_RTTING) && SEQ_GT(ack, tp->t_rtseq)) {
			tcp_rtt_update(tp, (uint32_t)(tcp_now(ti) - tp->t_rtstart));
			tp->tp_flags &= ~TF_RTTING;
		}
		if (tp->tp_flags & TF_INRECOVERY) {
			if (SEQ_GEQ(ack, tp->snd_recover)) {
				/*
				 * full ACK: RFC 6582 3.2 step 3 (1), min(ssthresh,
				 * max(FlightSize, SMSS) + SMSS): never less than two segments,
				 * even when the ACK leaves nothing (or a runt) in flight
				 */
				uint32_t flight = tp->snd_max - ack;

				tp->snd_cwnd = RTE_MIN(tp->snd_ssthresh,
						       RTE_MAX(flight, (uint32_t)tp->t_maxseg) +
							       tp->t_maxseg);
				tp->tp_flags &= ~TF_INRECOVERY;
				if (tp->t_sack.ts_recovery) {
					tcp_rack_recovery_end(tp);
					tcp_undo_recovery_end(tp, tsecr_ok, to.to_tsecr);
				}
				tp->t_sack.ts_recovery = false;
				tp->t_dupacks = 0;
			} else if (tp->t_sack.ts_recovery) {
				/* RFC 6675 5 (C): a partial ACK; the scoreboard picks what goes */
				tp->snd_una = ack;
				tcp_sb_drop(tp, RTE_MIN(acked, tp->sb_cc));
				tcp_sack_prune(tp);
				tcp_sack_recovery_ack(tp, delivered);
				acked = 0;
			} else {
				tp->snd_una = ack; /* so the partial retransmission starts there */
				tcp_sb_drop(tp, RTE_MIN(acked, tp->sb_cc));
				tcp_partial_ack(tp, acked);
				acked = 0;
			}
		} else {
			tp->t_dupacks = 0;
			tp->t_cc->cc_ack(tp, tcp_hystart_ack(tp, ack, acked));
		}
		if (acked > 0) {
			/* the SYN and our FIN take a sequence number but no buffer byte */
			if (tp->snd_una == tp->iss) {
				acked--;
				tp->snd_una++;
			}
			if (acked > tp->sb_cc) {
				ourfinisacked = (tp->tp_flags & TF_SENTFIN) != 0;
				acked = tp->sb_cc;
			}
			tcp_sb_drop(tp, acked);
		}
		tp->snd_una = ack;
		if (SEQ_LT(tp->snd_nxt, tp->snd_una))
			tp->snd_nxt = tp->snd_una;
		tcp_sack_prune(tp);
		/* RFC 6675 5: SACKed data may show a loss before three duplicate ACKs came */
		if ((tp->tp_flags & (TF_SACK_PERMIT | TF_INRECOVERY)) == TF_SACK_PERMIT &&
		    SEQ_GEQ(ack, tp->snd_recover) && ack != tp->snd_max &&
		    (tcp_sack_islost(tp, tp->snd_una) || tcp_tlp_shows_loss(tp)))
			tcp_sack_enter_recovery(tp, delivered);
		if (ack == tp->snd_max) {
			tp->t_timer[TT_REXMT] = 0;
			tp->t_rxtshift = 0;
			if (unlikely(tp->t_bh_mss != 0))
				tcp_pmtu_blackhole_kept(tp);
		} else if (tp->t_timer[TT_PERSIST] == 0) {
			tcp_timer_arm(tp, TT_REXMT, tcp_rexmt_timeout(tp));
		}
		tcp_tlp_arm(tp); /* RFC 8985 7.2: restarted by a cumulative ACK, off if none out */
		if ((tp->tp_flags & TF_SENTFIN) && ack == tp->snd_max)
			ourfinisacked = true;
		tcp_sndbuf_space(tp);
	}
	/* RTO recovery (RFC 8985 6.2): a resend lost again sends the go-back back to it */
	if (tp->t_rack.tr_rto_recovery && !(tp->tp_flags & TF_INRECOVERY))
		(void)tcp_rack_detect(tp);
	/* window update (RFC 9293 3.10.7.4, fifth check) */
	if (SEQ_LT(tp->snd_wl1, seq) || (tp->snd_wl1 == seq && SEQ_LEQ(tp->snd_wl2, ack))) {
		uint32_t nw = tiwin << tp->snd_scale;

		if (dlen == 0 && nw != tp->snd_wnd)
			TCP_INC(ti, rx_win_updates);
		tp->snd_wnd = nw;
		tp->snd_wl1 = seq;
		tp->snd_wl2 = ack;
		if (nw > tp->snd_max_wnd)
			tp->snd_max_wnd = nw;
		if (nw > 0 && tp->t_timer[TT_PERSIST] != 0) {
			tp->t_timer[TT_PERSIST] = 0;
			tp->t_rxtshift = 0;
		}
	}
	if (ourfinisacked) {
		switch (tp->tp_state) {
		case TCPS_FIN_WAIT_1:
			tcp_set_state(tp, TCPS_FIN_WAIT_2);
			if (tp->tp_flags & TF_ORPHAN) /* no one can close it: time it out */
				tcp_timer_arm(tp, TT_2MSL, 2 * ti->ti_param.tp_msl_ms);
			break;
		case TCPS_CLOSING:
			tcp_enter_timewait(tp);
			break;
		case TCPS_LAST_ACK:
			freemsg(mp);
			(void)tcp_close_conn(tp);
			return;
		default:
			break;
		}
	}

	/* ---- data (RFC 9293 3.10.7.4, seventh) ---- */
	if (dlen > 0 && (tp->tp_state == TCPS_ESTABLISHED || tp->tp_state == TCPS_FIN_WAIT_1 ||
			 tp->tp_state == TCPS_FIN_WAIT_2)) {
		if (seq == tp->rcv_nxt && tp->t_reass == NULL) {
			tp->rcv_nxt += dlen;
			TCP_INC(ti, rx_data_segs);
			TCP_ADD(ti, rx_data_bytes, dlen);
			/* RFC 5681 4.2 / RFC 9293 3.8.6.3: ACK every second full segment */
			if ((tp->tp_flags & TF_DELACK) || (flags & TH_FIN)) {
				tp->tp_flags |= TF_ACKNOW;
			} else {
				tp->tp_flags |= TF_DELACK;
				tcp_timer_arm(tp, TT_DELACK, ti->ti_param.tp_delack_ms);
			}
			tcp_ind_data(tp, mp);
			mp = NULL;
		} else {
			/* out of order: keep it, ACK at once (RFC 5681 4.2) */
			if (seq == tp->rcv_nxt) {
				tp->rcv_nxt += dlen;
				TCP_INC(ti, rx_data_segs);
				TCP_ADD(ti, rx_data_bytes, dlen);
				tcp_ind_data(tp, mp);
			} else {
				tcp_reass_insert(tp, mp, seq, dlen);
				tcp_sack_rcv_arrived(tp, seq);
				flags &= (uint8_t)~TH_FIN; /* a FIN out of order comes again */
			}
			mp = NULL;
			tcp_reass_deliver(tp);
			tp->tp_flags |= TF_ACKNOW;
			if (tp->t_reass != NULL && !(tp->tp_flags & TF_SACK_PERMIT))
				tp->tp_flags |= TF_PUREACK;
		}
	}
	freemsg(mp);
	mp = NULL;

	/* ---- FIN (RFC 9293 3.10.7.4, eighth) ---- */
	if ((flags & TH_FIN) && seq + dlen == tp->rcv_nxt) {
		tp->rcv_nxt++;
		tp->tp_flags |= TF_ACKNOW;
		switch (tp->tp_state) {
		case TCPS_SYN_RECEIVED:
		case TCPS_ESTABLISHED:
			tcp_set_state(tp, TCPS_CLOSE_WAIT);
			tcp_ind_ordrel(tp);
			break;
		case TCPS_FIN_WAIT_1:
			/* our FIN not yet acked: simultaneous close */
			tcp_set_state(tp, TCPS_CLOSING);
			tcp_ind_ordrel(tp);
			break;
		case TCPS_FIN_WAIT_2:
			tcp_enter_timewait(tp);
			tcp_ind_ordrel(tp);
			break;
		case TCPS_TIME_WAIT:
			tcp_enter_timewait(tp); /* restart 2MSL */
			break;
		default:
			break;
		}
	}
	if (tp->tp_state != TCPS_CLOSED)
		(void)tcp_output(tp);
	return;

drop_short:
	TCP_INC(ti, drop_short);
drop:
	freemsg(mp);
}
