/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP errors about our segments (IP_ICMP_ERR_IND from ip): path MTU discovery (RFC 1191)
 * and unreachables (RFC 1122 4.2.3.9, RFC 5461).
 *
 * Principles of operation. ip hands up the ICMP message's quote: our IPv4 header and at least
 * 8 bytes of TCP header (ports and sequence number). Before acting, the quote must name a
 * connection of ours (its source is our address and port) and its sequence number must be one
 * we sent and is not yet acknowledged, SND.UNA <= SEG.SEQ < SND.MAX (RFC 5927 4.1): an
 * attacker who cannot see the connection cannot guess it, so a forged "fragmentation needed"
 * cannot shrink our segments and a forged unreachable cannot reset us. Every rejection is
 * counted by its reason.
 *
 * "Fragmentation needed" (type 3 code 4): every segment goes with DF set (tcp_output.c), so a
 * router on a narrower link drops it and says how wide the link is (RFC 1191 4, the next-hop
 * MTU; 0 from a router older than RFC 1191, when the next plateau below the quoted datagram's
 * size is taken, section 7). The MSS drops to the MTU less the IPv4 and TCP headers and the
 * options we send on every segment (timestamps), never below the 576-byte floor (an MSS of
 * 536, RFC 9293 3.7.1's default, RFC 1191 3's suggestion of not going below 576); a report that
 * would not lower it is ignored (RFC 1191 6.3: the MTU never grows from a report). What is
 * outstanding is then sent again at once from SND.UNA in the new size: the dropped segments
 * are not a sign of congestion, so cwnd is left alone. The path MTU is not raised again
 * later (RFC 1191 6.3's periodic increase is not done; PLPMTUD is not implemented).
 *
 * Unreachables: in SYN-SENT, a destination unreachable ends the attempt with T_DISCON_IND:
 * port or protocol unreachable -> ECONNREFUSED, network unreachable -> ENETUNREACH, any other
 * (host, prohibited) -> EHOSTUNREACH. In a synchronized state they, time exceeded and parameter
 * problem are soft errors (RFC 5461, as RFC 1122 4.2.3.9 allows for codes 0, 1, 5 and as the
 * major stacks do for all): remembered in t_softerror and reported instead of ETIMEDOUT if the
 * connection later gives up retransmitting. Source quench is ignored (RFC 6633).
 *
 * An ICMP message is hashed to an RX queue by its own addresses, not by the quoted segment's
 * ports, so it may reach another lcore than the connection's. With software steering
 * (tcp_rss.c) an error quoting an ephemeral port of another instance is handed, whole, to
 * that instance, as its segments are. One quoting a listener's port (a passive open, which
 * belongs to the lcore its SYN reached) or, on an RSS address, a connection whose replies hash
 * elsewhere is copied to every other instance (tcp_icmp_relay()); each checks it as below, and
 * a copy is never relayed again.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include <protocols/ip.h>
#include <protocols/ip_hdr.h>

#include "tcp_priv.h"

#define TCP_PMTU_FLOOR 576u /* IPv4 datagram: MSS 536 */

/* RFC 1191 7, table 7-1: the plateaus, for a report without the next-hop MTU. */
static const uint16_t tcp_mtu_plateaus[] = { 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508,
					     296, 68 };

uint32_t
tcp_pmtu_next_plateau(uint32_t tot)
{
	for (unsigned i = 0; i < RTE_DIM(tcp_mtu_plateaus); i++)
		if (tcp_mtu_plateaus[i] < tot)
			return tcp_mtu_plateaus[i];
	return 68;
}

/* errno of a destination unreachable code in SYN-SENT. */
static int
tcp_unreach_errno(uint8_t code)
{
	switch (code) {
	case 2: /* protocol */
	case 3: /* port */
		return ECONNREFUSED;
	case 0: case 6: case 9: case 11: /* network */
		return ENETUNREACH;
	default:
		return EHOSTUNREACH;
	}
}

/*
 * A path MTU reduction has aged (RFC 1191 6.3): the path may have changed back, so the MSS the
 * handshake agreed is tried again. If the path still cannot carry it, the router's next
 * "fragmentation needed" lowers it again (and restarts the wait); routes rarely change, so
 * the cost is one reduction every tp_pmtu_raise_ms.
 */
void
tcp_pmtu_raise(struct tcpcb *tp)
{
	struct tcp_inst *ti = tp->tp_inst;
	uint16_t lowered = tp->t_maxseg;

	tp->t_bh_mss = 0;
	tcp_mss_update(tp, tp->t_peermss);
	if (tp->t_maxseg > lowered)
		TCP_INC(ti, pmtu_raised);
	else
		tp->t_maxseg = lowered; /* never lower here */
}

/* The second step of black hole detection: the classic default MSS (RFC 9293 3.7.1). */
#define TCP_BLACKHOLE_FLOOR 536u

/*
 * Path MTU black hole detection (RFC 4821 section 10; RFC 2923 2.1), at a retransmission
 * timeout of an established connection (t_rxtshift counts it already). A router that drops
 * what is too big and whose "fragmentation needed" never arrives (filtered ICMP, a tunnel)
 * makes every full-size segment time out, the connection's small ones getting through, and
 * without this the connection retransmits in full size until it gives up. Stepped as
 * FreeBSD's detection is: at the second timeout in a row, with more than tp_blackhole_mss
 * outstanding, the MSS falls to tp_blackhole_mss; at the fourth, to 536; at the sixth,
 * smaller segments having fared no better, it was loss, not size, and the MSS comes back.
 * Called before the congestion control hears of the timeout, so its one-segment window is a
 * segment of the new size.
 */
void
tcp_pmtu_blackhole(struct tcpcb *tp)
{
	struct tcp_inst *ti = tp->tp_inst;
	uint32_t bh = ti->ti_param.tp_blackhole_mss;

	if (ti->ti_param.tp_flags & TCP_PF_NO_BLACKHOLE)
		return;
	switch (tp->t_rxtshift) {
	case 2:
		if (tp->t_bh_mss != 0 || tp->t_maxseg <= bh || tp->snd_max - tp->snd_una <= bh)
			return;
		tp->t_bh_mss = tp->t_maxseg;
		tp->t_maxseg = (uint16_t)bh;
		break;
	case 4:
		if (tp->t_bh_mss == 0 || tp->t_maxseg <= TCP_BLACKHOLE_FLOOR)
			return;
		tp->t_maxseg = TCP_BLACKHOLE_FLOOR;
		break;
	case 6:
		if (tp->t_bh_mss == 0)
			return;
		tp->t_maxseg = tp->t_bh_mss;
		tp->t_bh_mss = 0;
		tp->t_timer[TT_PMTU] = 0;
		TCP_INC(ti, pmtu_blackhole_undone);
		return;
	default:
		return;
	}
	TCP_INC(ti, pmtu_blackhole);
	/* the path may heal: the full MSS is tried again as after an ICMP report */
	tcp_timer_arm(tp, TT_PMTU, ti->ti_param.tp_pmtu_raise_ms);
}

/*
 * All that was outstanding arrived while the MSS was lowered: the black hole is taken as
 * real and the MSS stays until the path MTU ages (TT_PMTU). A later run of timeouts starts
 * the detection afresh from the lowered size.
 */
void
tcp_pmtu_blackhole_kept(struct tcpcb *tp)
{
	tp->t_bh_mss = 0;
	TCP_INC(tp->tp_inst, pmtu_blackhole_kept);
}

/* "Fragmentation needed": lower the MSS and resend what is outstanding. */
static void
tcp_pmtu_update(struct tcp_inst *ti, struct tcpcb *tp, unsigned mtu, unsigned quoted_len)
{
	unsigned optlen = (tp->tp_flags & TF_RCVD_TS) ? TCPOLEN_TIMESTAMP + 2 : 0;
	unsigned mss;

	if (mtu == 0)
		mtu = tcp_pmtu_next_plateau(quoted_len);
	if (mtu < TCP_PMTU_FLOOR)
		mtu = TCP_PMTU_FLOOR;
	mss = mtu - YARD_IPV4_HDR_MIN - YARD_TCP_HDR_MIN - optlen;
	if (mss >= tp->t_maxseg) {
		TCP_INC(ti, pmtu_ignored);
		return;
	}
	TCP_INC(ti, pmtu_lowered);
	tp->t_maxseg = (uint16_t)mss;
	tp->t_bh_mss = 0; /* the router said what fits: no guessing any more */
	tcp_timer_arm(tp, TT_PMTU, ti->ti_param.tp_pmtu_raise_ms);
	if (tp->tp_state == TCPS_SYN_SENT || tp->tp_state == TCPS_SYN_RECEIVED)
		return; /* the SYN carries no data: the next retransmission is small enough */
	/* resend from SND.UNA in the new size (BSD's tcp_mtudisc); not a loss: cwnd stays */
	tp->t_timer[TT_REXMT] = 0;
	tp->tp_flags &= ~TF_RTTING; /* Karn: what is resent is not timed */
	tp->snd_nxt = tp->snd_una;
	(void)tcp_output(tp);
}

void
tcp_icmp_input(struct tcp_inst *ti, mblk_t *mp)
{
	struct ip_icmp_err_ind ind;
	const struct rte_ipv4_hdr *qip;
	const struct yard_tcphdr *qth;
	mblk_t *q = mp->b_cont;
	bool relayed = *(const uint32_t *)mp->b_rptr == TCP_ICMP_RELAY;
	struct tcpcb *tp;
	unsigned hlen, qlen;
	uint32_t seq;

	if (relayed)
		TCP_INC(ti, icmp_relay_rx);
	else
		TCP_INC(ti, icmp_rx);
	if (MBLKL(mp) < sizeof(ind) || q == NULL || msgdsize(q) < YARD_IPV4_HDR_MIN + 8)
		goto bad_quote;
	memcpy(&ind, mp->b_rptr, sizeof(ind));
	if (MBLKL(q) < YARD_IPV4_HDR_MIN && !pullupmsg(q, YARD_IPV4_HDR_MIN))
		goto bad_quote;
	qip = (const struct rte_ipv4_hdr *)q->b_rptr;
	hlen = (qip->version_ihl & 0x0f) * 4u;
	if ((qip->version_ihl >> 4) != 4 || hlen < YARD_IPV4_HDR_MIN ||
	    qip->next_proto_id != IPPROTO_TCP || msgdsize(q) < hlen + 8)
		goto bad_quote;
	if (MBLKL(q) < hlen + 8 && !pullupmsg(q, (ssize_t)(hlen + 8)))
		goto bad_quote;
	qip = (const struct rte_ipv4_hdr *)q->b_rptr;
	qth = (const struct yard_tcphdr *)(q->b_rptr + hlen);
	qlen = rte_be_to_cpu_16(qip->total_length);
	/* what we sent: from us (laddr, lport) to the peer */
	tp = tcp_lookup(ti, qip->src_addr, qth->th_sport, qip->dst_addr, qth->th_dport);
	if (tp == NULL && !relayed) {
		struct tcp_key k = { .k_laddr = qip->src_addr, .k_faddr = qip->dst_addr,
				     .k_lport = qth->th_sport, .k_fport = qth->th_dport };

		/* the ICMP message came in on another queue than the connection's segments */
		if (tcp_soft_forward(ti, &k, mp))
			return; /* another lcore's active open (tcp_rss.c): its owner acts on it */
		if (tcp_icmp_relay(ti, &k, tcp_lookup_listener(ti, k.k_laddr, k.k_lport) != NULL,
				   mp))
			return; /* maybe another lcore's passive open: each other lcore looks */
	}
	if (tp == NULL || tp->tp_state == TCPS_LISTEN) {
		TCP_INC(ti, icmp_no_conn);
		goto drop;
	}
	/* RFC 5927 4.1: the quoted segment must be one in flight */
	seq = rte_be_to_cpu_32(qth->th_seq);
	if (SEQ_LT(seq, tp->snd_una) || SEQ_GEQ(seq, tp->snd_max)) {
		TCP_INC(ti, icmp_bad_seq);
		goto drop;
	}
	freemsg(mp);
	switch (ind.ie_type) {
	case 3: /* destination unreachable */
		if (ind.ie_code == 4) {
			tcp_pmtu_update(ti, tp, ind.ie_mtu, qlen);
			return;
		}
		if (tp->tp_state == TCPS_SYN_SENT) {
			TCP_INC(ti, icmp_refused);
			(void)tcp_drop(tp, tcp_unreach_errno(ind.ie_code));
			return;
		}
		TCP_INC(ti, icmp_soft);
		tp->t_softerror = tcp_unreach_errno(ind.ie_code);
		return;
	case 11: /* time exceeded */
	case 12: /* parameter problem */
		TCP_INC(ti, icmp_soft);
		tp->t_softerror = ind.ie_type == 11 ? EHOSTUNREACH : EPROTO;
		return;
	default: /* source quench (RFC 6633) and the rest */
		TCP_INC(ti, icmp_ignored);
		return;
	}
bad_quote:
	TCP_INC(ti, icmp_bad_quote);
drop:
	freemsg(mp);
}
