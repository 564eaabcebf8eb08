/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp output: deciding what to send (data within min(snd_wnd, cwnd), Nagle, window updates,
 * SYN/FIN, persist) and building segments without copying the data.
 *
 * Principles of operation. The send buffer is a b_cont chain of the blocks the user wrote,
 * starting at snd_una. A segment of [off, off+len) is cut with dupb() of the blocks it
 * overlaps, their b_rptr/b_wptr narrowed to the range: the data is shared by reference, so a
 * retransmission is another dupb of the same blocks, and an ACK frees the blocks at once
 * (tcp_sb_drop); a copy still in flight keeps the buffer alive by its reference count. The
 * IPv4 and TCP headers go into one new small block with link headroom in front of the chain.
 * The whole datagram goes to ip as M_DATA, its checksum left "partial" (ip.h, "Transport
 * checksums"): tcp stores the pseudo-header's sum and marks the header block's mbuf
 * RTE_MBUF_F_TX_TCP_CKSUM, and ip has the port complete it when the outgoing link can (a NIC
 * sums the segment as it sends it), else sums the chain itself, as tcp did before: tcp cannot
 * know the link a segment leaves by, ip can.
 *
 * Local flow control. Segments go to ip through the lower write queue: straight down while ip
 * takes them, queued when ip is flow controlled (ip holds a transport back while its link's
 * queue is full, ip_output.c). Once that queue is at high water (QFULL) a connection sends no
 * data, new or resent: it goes on ti_txwait (TF_TXWAIT) and tcp_lwsrv, which drains the
 * queue as ip's back-enable allows, resumes the waiting connections in turn while the queue
 * is below high water. ACKs, SYNs, FINs and RSTs still go, so the peers are never left
 * waiting on us, and a queue past TCP_LOWQ_LIMIT (what only such small segments could reach)
 * still drops, counted. A bulk sender on a saturated link thus waits instead of losing
 * segments it would have to resend, as Linux's qdisc and TSQ back-pressure do.
 *
 * Segments in bursts. A putnext() per segment walks ip, arp and the driver once per segment;
 * their burst procedures pay that once per burst. So the segments one tcp_output() cuts, and
 * those that a burst of segments from ip draws (the ACKs of a bulk transfer, each releasing
 * two or three), are held in ti_txb and go down together when the outermost hold ends
 * (tcp_txb_hold/tcp_txb_release: tcp_output() and tcp_lrput_burst()), or at TCP_TXB_MAX.
 * Nothing else changes: the order is kept, and a segment sent while nothing holds goes at
 * once, as before. The flow-control check above sees a held segment only once it is down, so
 * a connection may cut up to a burst past high water, which the queue takes.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_random.h>

#include <protocols/inet_cksum.h>
#include <protocols/ip_hdr.h>
#include <protocols/link.h>

#include "tcp_priv.h"

/* Flags a state sends with (RFC 9293 3.10, as BSD's tcp_outflags). */
static const uint8_t tcp_outflags[TCP_NSTATES] = {
	[TCPS_CLOSED] = TH_RST | TH_ACK,
	[TCPS_LISTEN] = 0,
	[TCPS_SYN_SENT] = TH_SYN,
	[TCPS_SYN_RECEIVED] = TH_SYN | TH_ACK,
	[TCPS_ESTABLISHED] = TH_ACK,
	[TCPS_CLOSE_WAIT] = TH_ACK,
	[TCPS_FIN_WAIT_1] = TH_FIN | TH_ACK,
	[TCPS_CLOSING] = TH_FIN | TH_ACK,
	[TCPS_LAST_ACK] = TH_FIN | TH_ACK,
	[TCPS_FIN_WAIT_2] = TH_ACK,
	[TCPS_TIME_WAIT] = TH_ACK,
};

/* Down when ip takes it, else on the lower write queue (dropped past TCP_LOWQ_LIMIT). */
static void
tcp_ip_put(struct tcp_inst *ti, queue_t *q, mblk_t *mp)
{
	if (likely(q->q_first == NULL && canputnext(q))) {
		putnext(q, mp);
		return;
	}
	if (q->q_count > TCP_LOWQ_LIMIT) {
		TCP_INC(ti, drop_tx_flow);
		freemsg(mp);
		return;
	}
	TCP_INC(ti, tx_queued);
	(void)putq(q, mp);
}

void
tcp_ip_send(struct tcp_inst *ti, mblk_t *mp)
{
	queue_t *q = ti->ti_lwq;

	TCP_INC(ti, tx_segs);
	if (unlikely(q == NULL || ti->ti_lower_hup)) {
		TCP_INC(ti, drop_tx_noroute);
		freemsg(mp);
		return;
	}
	if (ti->ti_txb_hold != 0) {
		ti->ti_txb[ti->ti_ntxb++] = mp;
		if (ti->ti_ntxb == TCP_TXB_MAX)
			tcp_txb_flush(ti);
		return;
	}
	tcp_ip_put(ti, q, mp);
}

/*
 * The held segments down, in order: one burst while ip takes them, else one by one as
 * tcp_ip_send() would have. The array is emptied first: a loop-back below may bring segments
 * back up at once, and what tcp sends for them is a burst of its own.
 */
void
tcp_txb_flush(struct tcp_inst *ti)
{
	mblk_t *v[TCP_TXB_MAX];
	unsigned n = ti->ti_ntxb;
	queue_t *q = ti->ti_lwq;

	memcpy(v, ti->ti_txb, n * sizeof(v[0]));
	ti->ti_ntxb = 0;
	if (unlikely(q == NULL || ti->ti_lower_hup)) { /* ip went while they were held */
		TCP_ADD(ti, drop_tx_noroute, n);
		freemsg_burst(v, n);
		return;
	}
	if (likely(q->q_first == NULL && canputnext(q))) {
		putnext_burst(q, v, n);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		tcp_ip_put(ti, q, v[i]);
}

/* The queue toward ip is at high water: data waits (see the comment at the top). */
static inline bool
tcp_lower_full(const struct tcp_inst *ti)
{
	return ti->ti_lwq != NULL && (ti->ti_lwq->q_flag & QFULL);
}

/* At the tail of ti_txwait, once. */
static void
tcp_txwait_add(struct tcp_inst *ti, struct tcpcb *tp)
{
	if (tp->tp_flags & TF_TXWAIT)
		return;
	tp->tp_flags |= TF_TXWAIT;
	tp->tp_wnext = NULL;
	tp->tp_wprev = ti->ti_txwait_tail;
	if (ti->ti_txwait_tail != NULL)
		ti->ti_txwait_tail->tp_wnext = tp;
	else
		ti->ti_txwait = tp;
	ti->ti_txwait_tail = tp;
	TCP_INC(ti, tx_flow_waits);
}

void
tcp_txwait_remove(struct tcpcb *tp)
{
	struct tcp_inst *ti = tp->tp_inst;

	if (!(tp->tp_flags & TF_TXWAIT))
		return;
	tp->tp_flags &= ~TF_TXWAIT;
	if (ti != NULL) {
		if (tp->tp_wprev != NULL)
			tp->tp_wprev->tp_wnext = tp->tp_wnext;
		else
			ti->ti_txwait = tp->tp_wnext;
		if (tp->tp_wnext != NULL)
			tp->tp_wnext->tp_wprev = tp->tp_wprev;
		else
			ti->ti_txwait_tail = tp->tp_wprev;
	}
	tp->tp_wnext = tp->tp_wprev = NULL;
}

/*
 * Oldest first, each until it has sent what it may or the queue is full again; one that fills
 * it goes back to the tail, so a few bulk senders share the link in turn.
 */
void
tcp_txwait_resume(struct tcp_inst *ti)
{
	struct tcpcb *tp;

	while ((tp = ti->ti_txwait) != NULL && !tcp_lower_full(ti)) {
		tcp_txwait_remove(tp);
		TCP_INC(ti, tx_flow_resumes);
		(void)tcp_output(tp);
	}
}

/*
 * A new header block: IPv4 (20) + TCP (thlen) with link headroom in front; tos and ttl the
 * connection's (T_IP_TOS, T_IP_TTL; ttl 0: TCP_TTL_DEFAULT).
 */
static mblk_t *
tcp_hdr_block(uint32_t src, uint32_t dst, unsigned thlen, size_t dlen, uint8_t tos,
	      uint8_t ttl)
{
	mblk_t *hp = yard_allocb_hr(YARD_IPV4_HDR_MIN + thlen, YARD_LINK_HEADROOM);
	struct rte_ipv4_hdr *ip;

	if (hp == NULL)
		return NULL;
	ip = (struct rte_ipv4_hdr *)hp->b_rptr;
	memset(ip, 0, YARD_IPV4_HDR_MIN + thlen);
	ip->version_ihl = 0x45;
	ip->type_of_service = tos;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(YARD_IPV4_HDR_MIN + thlen + dlen));
	ip->time_to_live = ttl != 0 ? ttl : TCP_TTL_DEFAULT;
	/* DF on every segment: path MTU discovery (RFC 1191; tcp_icmp.c) */
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = src;
	ip->dst_addr = dst;
	hp->b_wptr = hp->b_rptr + YARD_IPV4_HDR_MIN + thlen;
	return hp;
}

/* The checksum left for ip to complete: the pseudo-header's sum (RFC 9293 3.1) and the request. */
static void
tcp_finish(mblk_t *hp, unsigned thlen, size_t dlen)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)hp->b_rptr;
	struct yard_tcphdr *th = (struct yard_tcphdr *)(hp->b_rptr + YARD_IPV4_HDR_MIN);

	th->th_sum = inet_sum_fold(tcp_phdr_sum(ip->src_addr, ip->dst_addr, thlen + dlen));
	/* hp is new (tcp_hdr_block()): its mbuf carries no other request */
	yard_mblk_mbuf(hp)->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
}

/* RST or ACK with no connection block (RFC 9293 3.10.7.1, 3.5.2). k is from our side. */
void
tcp_respond(struct tcp_inst *ti, const struct tcp_key *k, uint32_t seq, uint32_t ack,
	    uint8_t flags)
{
	mblk_t *hp = tcp_hdr_block(k->k_laddr, k->k_faddr, YARD_TCP_HDR_MIN, 0, 0, 0);
	struct yard_tcphdr *th;

	if (hp == NULL) {
		TCP_INC(ti, drop_tx_nomem);
		return;
	}
	th = (struct yard_tcphdr *)(hp->b_rptr + YARD_IPV4_HDR_MIN);
	th->th_sport = k->k_lport;
	th->th_dport = k->k_fport;
	th->th_seq = rte_cpu_to_be_32(seq);
	th->th_ack = rte_cpu_to_be_32(ack);
	th->th_off = (YARD_TCP_HDR_MIN / 4) << 4;
	th->th_flags = flags;
	tcp_finish(hp, YARD_TCP_HDR_MIN, 0);
	if (flags & TH_RST)
		TCP_INC(ti, tx_rsts);
	else
		TCP_INC(ti, tx_acks);
	tcp_ip_send(ti, hp);
}

/*
 * A segment with options and no connection block: the SYN,ACK of a SYN cookie
 * (tcp_syncookie.c). win is sent as given (a SYN's window is not scaled).
 */
void
tcp_respond_opts(struct tcp_inst *ti, const struct tcp_key *k, uint32_t seq, uint32_t ack,
		 uint8_t flags, uint16_t win, const uint8_t *opt, unsigned optlen)
{
	unsigned thlen = YARD_TCP_HDR_MIN + RTE_ALIGN_CEIL(optlen, 4u);
	mblk_t *hp = tcp_hdr_block(k->k_laddr, k->k_faddr, thlen, 0, 0, 0);
	struct yard_tcphdr *th;

	if (hp == NULL) {
		TCP_INC(ti, drop_tx_nomem);
		return;
	}
	th = (struct yard_tcphdr *)(hp->b_rptr + YARD_IPV4_HDR_MIN);
	th->th_sport = k->k_lport;
	th->th_dport = k->k_fport;
	th->th_seq = rte_cpu_to_be_32(seq);
	th->th_ack = rte_cpu_to_be_32(ack);
	th->th_off = (uint8_t)((thlen / 4) << 4);
	th->th_flags = flags;
	th->th_win = rte_cpu_to_be_16(win);
	memcpy((uint8_t *)th + YARD_TCP_HDR_MIN, opt, optlen); /* the rest stays EOL (0) */
	tcp_finish(hp, thlen, 0);
	tcp_ip_send(ti, hp);
}

/*
 * dupb the bytes [off, off + len) of the send buffer into a new chain (no copy). The walk
 * starts at the cursor where the last cut ended when that is at or before off (the next new
 * segment, in order), else at sb_head (a retransmission); the cursor moves on to the block
 * the cut ended in.
 */
static mblk_t *
tcp_sb_cut(struct tcpcb *tp, uint32_t off, uint32_t len)
{
	mblk_t *head = NULL, **tailp = &head, *bp = tp->sb_head, *last = NULL;
	uint32_t boff = 0, lastoff = 0;

	if (tp->sb_sndptr != NULL && tp->sb_sndoff <= off) {
		bp = tp->sb_sndptr;
		boff = tp->sb_sndoff;
	}
	for (; bp != NULL && len > 0; boff += (uint32_t)MBLKL(bp), bp = bp->b_cont) {
		size_t bl = MBLKL(bp), take;
		uint32_t in = off - boff;
		mblk_t *np;

		if (in >= bl)
			continue;
		take = RTE_MIN(bl - in, (size_t)len);
		np = dupb(bp);
		if (np == NULL) {
			freemsg(head);
			return NULL;
		}
		np->b_rptr = bp->b_rptr + in;
		np->b_wptr = np->b_rptr + take;
		np->b_cont = NULL;
		*tailp = np;
		tailp = &np->b_cont;
		len -= (uint32_t)take;
		off += (uint32_t)take;
		last = bp;
		lastoff = boff;
	}
	/* only forward: a retransmission's cut must not pull new data's start back to it */
	if (last != NULL && (tp->sb_sndptr == NULL || lastoff >= tp->sb_sndoff)) {
		tp->sb_sndptr = last;
		tp->sb_sndoff = lastoff;
	}
	return head;
}

uint32_t
tcp_rexmt_timeout(struct tcpcb *tp)
{
	uint64_t rto = (uint64_t)tp->t_rto << RTE_MIN(tp->t_rxtshift, 16u);
	uint32_t max = tp->tp_inst->ti_param.tp_rto_max_ms;

	return rto > max ? max : (uint32_t)rto;
}

void
tcp_setpersist(struct tcpcb *tp)
{
	uint64_t t = (uint64_t)RTE_MAX(tp->t_rto, TCP_PERSIST_MIN_MS) << RTE_MIN(tp->t_rxtshift, 16u);

	if (t > TCP_PERSIST_MAX_MS)
		t = TCP_PERSIST_MAX_MS;
	tcp_timer_arm(tp, TT_PERSIST, (uint32_t)t);
	if (tp->t_rxtshift < 16)
		tp->t_rxtshift++;
}

void
tcp_send_ack_now(struct tcpcb *tp)
{
	tp->tp_flags |= TF_ACKNOW;
	(void)tcp_output(tp);
}

/*
 * A challenge ACK (RFC 5961 3.2, 4.2, 5.2), within the instance's budget (section 7): a blind
 * attacker's flood of RSTs or SYNs must not turn into a flood of ACKs. The budget of each
 * second is drawn at random around the limit (as Linux does since CVE-2016-5696): a fixed,
 * shared budget would let an off-path attacker count our challenge ACKs and so learn whether
 * a guessed connection exists.
 */
void
tcp_challenge_ack(struct tcpcb *tp)
{
	struct tcp_inst *ti = tp->tp_inst;
	uint32_t limit = ti->ti_param.tp_challenge_ack_limit;
	uint64_t now = tcp_now(ti) + 1; /* 0 is "no second under way" */

	if (limit != UINT32_MAX) {
		if (ti->ti_chack_start_ms == 0 || now - ti->ti_chack_start_ms >= 1000) {
			ti->ti_chack_start_ms = now;
			ti->ti_chack_left = ((uint64_t)limit + 1) / 2 + rte_rand_max(limit);
		}
		if (ti->ti_chack_left == 0) {
			TCP_INC(ti, challenge_acks_limited);
			return;
		}
		ti->ti_chack_left--;
	}
	TCP_INC(ti, tx_challenge_acks);
	tcp_send_ack_now(tp);
}

/* The window to advertise (unscaled), with receiver SWS avoidance (RFC 9293 3.8.6.2.2). */
static uint32_t
tcp_recwin(struct tcpcb *tp)
{
	uint32_t win = tcp_rcv_space(tp);
	uint32_t max = (uint32_t)TCP_MAXWIN << tp->rcv_scale;

	if (win < tp->t_rcvbuf / 4 && win < tp->t_maxseg)
		win = 0;
	if (win > max)
		win = max;
	/* never shrink what was offered (RFC 9293 3.8.6.2.2) */
	if (SEQ_GT(tp->rcv_adv, tp->rcv_nxt) && win < tp->rcv_adv - tp->rcv_nxt)
		win = tp->rcv_adv - tp->rcv_nxt;
	return win;
}

static int tcp_output_cut(struct tcpcb *tp);

/* What tcp_output_cut() sends goes down as one burst when it returns (or an outer hold ends). */
int
tcp_output(struct tcpcb *tp)
{
	struct tcp_inst *ti = tp->tp_inst;
	int rc;

	if (ti == NULL)
		return 0;
	tcp_txb_hold(ti);
	rc = tcp_output_cut(tp);
	tcp_txb_release(ti);
	return rc;
}

static int
tcp_output_cut(struct tcpcb *tp)
{
	struct tcp_inst *ti = tp->tp_inst;
	bool idle, sendalot, held = false;
	uint32_t off, recwin, sendwin, sacked, room;
	int32_t len;
	uint8_t flags, opt[40];
	unsigned optlen, thlen;
	mblk_t *hp, *data;
	struct yard_tcphdr *th;
	uint32_t seq, mss, tsval_sent;

	if (ti == NULL || tp->tp_state == TCPS_CLOSED || tp->tp_state == TCPS_LISTEN)
		return 0;
	idle = tp->snd_max == tp->snd_una;
again:
	sendalot = false;
	/* SACK blocks ride on every segment while data is held out of order, and a D-SACK on the
	 * next one after a duplicate: room for them */
	mss = tp->t_maxseg;
	if ((tp->t_reass != NULL || tp->t_sack.ts_dsack_due) && (tp->tp_flags & TF_SACK_PERMIT))
		mss -= tcp_sack_optlen(tp, 40u - ((tp->tp_flags & TF_RCVD_TS) ? 12u : 0u));
	/* resending after an RTO: what the peer SACKed is skipped and out of cwnd (RFC 6675 5.1) */
	sacked = tcp_sack_skip(tp, &room);
	off = tp->snd_nxt - tp->snd_una;
	sendwin = RTE_MIN(tp->snd_wnd, tp->snd_cwnd + sacked);
	flags = tcp_outflags[tp->tp_state];
	/* A FIN only once the user asked for it (TF_WANTFIN is set with those states). */
	if (tp->tp_flags & TF_FORCE) {
		if (sendwin == 0) {
			if (off < tp->sb_cc)
				flags &= (uint8_t)~TH_FIN;
			sendwin = 1;
		} else {
			tp->t_timer[TT_PERSIST] = 0;
			tp->t_rxtshift = 0;
		}
	}
	if (flags & TH_SYN) {
		/* The SYN is sent once per (re)transmission: only when snd_nxt is at the ISS. */
		if (tp->snd_nxt != tp->iss)
			flags &= (uint8_t)~TH_SYN;
		len = 0;
		if (!TCPS_HAVEESTABLISHED(tp->tp_state) && !(flags & TH_SYN) &&
		    !(tp->tp_flags & TF_ACKNOW))
			return 0;
	} else {
		len = (int32_t)(RTE_MIN(tp->sb_cc, sendwin) - off);
		if ((int32_t)(RTE_MIN(tp->sb_cc, sendwin)) < (int32_t)off)
			len = -1;
	}
	if (len < 0) {
		len = 0;
		if (sendwin == 0) {
			/*
			 * The window shrank to nothing: back off to snd_una and persist. The
			 * persist timer starts here, not only below: with everything in flight
			 * (off == sb_cc) the check below does not see data waiting, and with
			 * the retransmission timer stopped a lost window update would leave the
			 * connection silent for ever.
			 */
			tp->t_timer[TT_REXMT] = 0;
			tp->t_rxtshift = 0;
			tp->snd_nxt = tp->snd_una;
			if (tp->t_timer[TT_PERSIST] == 0)
				tcp_setpersist(tp);
		}
	}
	if (len > (int32_t)mss) {
		len = (int32_t)mss;
		sendalot = true;
	}
	if (len > 0 && (uint32_t)len > room) {
		len = (int32_t)room; /* up to the next SACKed range */
		sendalot = true;
	}
	/*
	 * RFC 5681 4.2: out-of-order data is answered by a duplicate ACK at once. Without SACK
	 * the peer counts only pure ACKs as duplicates (RFC 5681 2), so it goes alone, before
	 * any data: riding on our data it would never add up to a fast retransmit.
	 */
	if ((tp->tp_flags & TF_PUREACK) && len > 0) {
		len = 0;
		sendalot = true;
	}
	/*
	 * And no new data of ours while the hole is open: a Linux peer counts an ACK as a
	 * duplicate only if its SEG.SEQ has not advanced (a newer one is a window update), so our
	 * data between the duplicate ACKs would leave it to find its loss by its RTO, seconds
	 * with data flowing both ways (docs/tcp.md). Resends still go; the segment that fills the
	 * hole lets the held data go with its ACK.
	 */
	if (len > 0 && tp->t_reass != NULL && !(tp->tp_flags & TF_SACK_PERMIT) &&
	    SEQ_GT(tp->snd_nxt + (uint32_t)len, tp->snd_max)) {
		len = SEQ_LT(tp->snd_nxt, tp->snd_max) ? (int32_t)(tp->snd_max - tp->snd_nxt) : 0;
		sendalot = false;
		held = true; /* the hole's filling comes back */
	}
	/* The queue toward ip is full: data waits to be resumed, control segments still go. */
	if (len > 0 && unlikely(tcp_lower_full(ti))) {
		tcp_txwait_add(ti, tp);
		len = 0;
		sendalot = false;
		held = true;
	}
	if ((flags & TH_FIN) && SEQ_LT(tp->snd_nxt + (uint32_t)len, tp->snd_una + tp->sb_cc))
		flags &= (uint8_t)~TH_FIN;
	recwin = TCPS_HAVERCVDSYN(tp->tp_state) || tp->tp_state == TCPS_SYN_SENT ?
		 tcp_recwin(tp) : 0;

	if (len > 0) {
		if (len == (int32_t)mss)
			goto send;
		/* Nagle (RFC 896, RFC 1122 4.2.3.4): small segments only when nothing is out. */
		if ((idle || (tp->tp_flags & TF_NODELAY)) &&
		    (uint32_t)len + off >= tp->sb_cc)
			goto send;
		if (tp->tp_flags & TF_FORCE)
			goto send;
		if (tp->snd_max_wnd > 0 && (uint32_t)len >= tp->snd_max_wnd / 2)
			goto send;
		if (SEQ_LT(tp->snd_nxt, tp->snd_max))
			goto send;
	}
	if (recwin > 0 && TCPS_HAVEESTABLISHED(tp->tp_state) &&
	    !TCPS_HAVERCVDFIN(tp->tp_state)) {
		int64_t adv = (int64_t)recwin - (int64_t)(uint32_t)(tp->rcv_adv - tp->rcv_nxt);

		if (adv >= 2 * (int64_t)tp->t_maxseg || 2 * adv >= (int64_t)tp->t_rcvbuf)
			goto send;
	}
	if (tp->tp_flags & TF_ACKNOW)
		goto send;
	if (flags & (TH_SYN | TH_RST))
		goto send;
	if ((flags & TH_FIN) && (!(tp->tp_flags & TF_SENTFIN) || tp->snd_nxt == tp->snd_una))
		goto send;
	if (held)
		return 0; /* not the peer's window: tcp_txwait_resume() or the hole comes back */
	/* Data waits on a zero window and nothing is timed: probe (RFC 9293 3.8.6.1). */
	if (tp->sb_cc > off && tp->t_timer[TT_REXMT] == 0 && tp->t_timer[TT_PERSIST] == 0) {
		tp->t_rxtshift = 0;
		tcp_setpersist(tp);
	}
	return 0;

send:
	optlen = 0;
	tsval_sent = 0;
	if (flags & TH_SYN) {
		opt[0] = TCPOPT_MAXSEG;
		opt[1] = TCPOLEN_MAXSEG;
		opt[2] = (uint8_t)(ti->ti_param.tp_mss >> 8);
		opt[3] = (uint8_t)ti->ti_param.tp_mss;
		optlen = 4;
		if ((tp->tp_flags & TF_REQ_WS) &&
		    (tp->tp_state == TCPS_SYN_SENT || (tp->tp_flags & TF_RCVD_WS))) {
			opt[optlen++] = TCPOPT_NOP;
			opt[optlen++] = TCPOPT_WINDOW;
			opt[optlen++] = TCPOLEN_WINDOW;
			opt[optlen++] = tp->req_rcv_scale;
		}
		/* RFC 2018 2: offer SACK in a SYN; answer a SYN that offered it */
		if ((tp->tp_flags & TF_REQ_SACK) &&
		    (tp->tp_state == TCPS_SYN_SENT || (tp->tp_flags & TF_SACK_PERMIT))) {
			opt[optlen++] = TCPOPT_NOP;
			opt[optlen++] = TCPOPT_NOP;
			opt[optlen++] = TCPOPT_SACK_PERMITTED;
			opt[optlen++] = TCPOLEN_SACK_PERMITTED;
		}
	}
	if ((tp->tp_flags & TF_REQ_TS) && !(flags & TH_RST) &&
	    ((flags & TH_SYN) ? (tp->tp_state == TCPS_SYN_SENT || (tp->tp_flags & TF_RCVD_TS)) :
				(tp->tp_flags & TF_RCVD_TS) != 0)) {
		uint32_t tsval, tsecr = rte_cpu_to_be_32(tp->ts_recent);

		tsval_sent = (uint32_t)tcp_now(ti); /* RACK and undo compare echoes with it */
		tsval = rte_cpu_to_be_32(tsval_sent);

		opt[optlen++] = TCPOPT_NOP;
		opt[optlen++] = TCPOPT_NOP;
		opt[optlen++] = TCPOPT_TIMESTAMP;
		opt[optlen++] = TCPOLEN_TIMESTAMP;
		memcpy(&opt[optlen], &tsval, 4);
		memcpy(&opt[optlen + 4], &tsecr, 4);
		optlen += 8;
	}
	/* RFC 2018 3-4, RFC 2883: a duplicate's block, those of what is held out of order */
	if (!(flags & (TH_SYN | TH_RST)) && (tp->t_reass != NULL || tp->t_sack.ts_dsack_due) &&
	    (tp->tp_flags & TF_SACK_PERMIT))
		optlen += tcp_sack_fill(tp, opt + optlen, (unsigned)sizeof(opt) - optlen);
	thlen = YARD_TCP_HDR_MIN + optlen;
	/* FIN retransmission: the FIN's sequence number again. */
	if ((flags & TH_FIN) && (tp->tp_flags & TF_SENTFIN) && tp->snd_nxt == tp->snd_max)
		tp->snd_nxt--;
	data = NULL;
	if (len > 0) {
		data = tcp_sb_cut(tp, off, (uint32_t)len);
		if (data == NULL) {
			TCP_INC(ti, drop_tx_nomem);
			return -ENOBUFS;
		}
	}
	hp = tcp_hdr_block(tp->tp_key.k_laddr, tp->tp_key.k_faddr, thlen, (size_t)len, tp->t_tos,
			   tp->t_ttl);
	if (hp == NULL) {
		freemsg(data);
		TCP_INC(ti, drop_tx_nomem);
		return -ENOBUFS;
	}
	hp->b_cont = data;
	th = (struct yard_tcphdr *)(hp->b_rptr + YARD_IPV4_HDR_MIN);
	th->th_sport = tp->tp_key.k_lport;
	th->th_dport = tp->tp_key.k_fport;
	if (len > 0 || (flags & (TH_SYN | TH_FIN)) || tp->t_timer[TT_PERSIST] != 0)
		seq = tp->snd_nxt;
	else
		seq = tp->snd_max;
	th->th_seq = rte_cpu_to_be_32(seq);
	th->th_ack = (flags & TH_ACK) ? rte_cpu_to_be_32(tp->rcv_nxt) : 0;
	th->th_off = (uint8_t)((thlen / 4) << 4);
	th->th_flags = flags;
	if (len > 0 && (uint32_t)len + off >= tp->sb_cc)
		th->th_flags |= TH_PSH;
	/* RFC 7323 2.2: the window of a SYN is never scaled. */
	if (flags & TH_SYN)
		th->th_win = rte_cpu_to_be_16((uint16_t)RTE_MIN(recwin, TCP_MAXWIN));
	else
		th->th_win = rte_cpu_to_be_16((uint16_t)RTE_MIN(recwin >> tp->rcv_scale,
								TCP_MAXWIN));
	memcpy((uint8_t *)th + YARD_TCP_HDR_MIN, opt, optlen);
	tcp_finish(hp, thlen, (size_t)len);

	/* counters */
	if (len > 0) {
		/*
		 * Bytes below snd_max were sent before; a segment may straddle it (after an RTO's
		 * go-back, or the window opening over a probe's byte): its new part is still new
		 * data, so tx_data_bytes adds up to the stream sent.
		 */
		uint32_t old = SEQ_LT(tp->snd_nxt, tp->snd_max) ?
				       RTE_MIN((uint32_t)len, tp->snd_max - tp->snd_nxt) : 0;

		/* a probe first: from the second on, its byte is below snd_max (sent before) */
		if (tp->t_timer[TT_PERSIST] != 0 && (tp->tp_flags & TF_FORCE)) {
			TCP_INC(ti, tx_probes);
		} else if (old != 0) {
			TCP_INC(ti, tx_rexmt_segs);
			tp->t_nrexmt++;
			TCP_ADD(ti, tx_rexmt_bytes, old);
			tcp_undo_rexmt(tp, tp->snd_nxt, old);
		} else {
			TCP_INC(ti, tx_data_segs);
		}
		if ((uint32_t)len > old)
			TCP_ADD(ti, tx_data_bytes, (uint32_t)len - old);
		if (tp->t_sack.ts_recovery)
			tcp_prr_sent(&tp->t_sack.ts_prr, (uint32_t)len); /* RFC 6937 prr_out */
		/* its send time, for RACK (RFC 8985 6.1); a persist probe is not in flight */
		if (!(tp->tp_flags & TF_FORCE) && tcp_rack_on(tp))
			tcp_rack_sent(tp, tp->snd_nxt, (uint32_t)len, old != 0, tsval_sent);
	} else if (!(flags & (TH_SYN | TH_FIN | TH_RST))) {
		TCP_INC(ti, tx_acks);
	}

	/* advance the send sequence */
	if (!(tp->tp_flags & TF_FORCE) || tp->t_timer[TT_PERSIST] == 0) {
		uint32_t startseq = tp->snd_nxt;

		if (flags & TH_SYN)
			tp->snd_nxt++;
		if (flags & TH_FIN) {
			tp->snd_nxt++;
			tp->tp_flags |= TF_SENTFIN;
		}
		tp->snd_nxt += (uint32_t)len;
		if (SEQ_GT(tp->snd_nxt, tp->snd_max)) {
			tp->snd_max = tp->snd_nxt;
			if (!(tp->tp_flags & (TF_RCVD_TS | TF_RTTING))) {
				tp->tp_flags |= TF_RTTING;
				tp->t_rtseq = startseq;
				tp->t_rtstart = tcp_now(ti);
			}
		}
		if (tp->t_timer[TT_REXMT] == 0 && tp->snd_nxt != tp->snd_una) {
			if (tp->t_timer[TT_PERSIST] != 0) {
				tp->t_timer[TT_PERSIST] = 0;
				tp->t_rxtshift = 0;
			}
			tcp_timer_arm(tp, TT_REXMT, tcp_rexmt_timeout(tp));
		}
		if (tp->snd_max == tp->snd_nxt && len > 0)
			tcp_tlp_arm(tp); /* RFC 8985 7.2: new data restarts the PTO */
	} else {
		uint32_t xmit = (uint32_t)len + ((flags & TH_FIN) ? 1 : 0);

		if (SEQ_GT(tp->snd_nxt + xmit, tp->snd_max))
			tp->snd_max = tp->snd_nxt + xmit;
	}
	if (recwin > 0 && SEQ_GT(tp->rcv_nxt + recwin, tp->rcv_adv))
		tp->rcv_adv = tp->rcv_nxt + recwin;
	tp->last_ack_sent = tp->rcv_nxt;
	tp->tp_flags &= ~(TF_ACKNOW | TF_DELACK | TF_PUREACK);
	tp->t_timer[TT_DELACK] = 0;
	tcp_ip_send(ti, hp);
	if (sendalot)
		goto again;
	return 0;
}
