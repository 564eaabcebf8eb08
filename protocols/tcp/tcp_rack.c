/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp RACK (RFC 8985 6): loss detection by time. A segment is lost when a segment sent after
 * it has been delivered and it is still missing one RACK.rtt plus the reordering window
 * after it went.
 *
 * Principles of operation.
 *
 * The send-time map (tr_map) holds, for every range of [SND.UNA, SND.MAX) sent with SACK
 * agreed, when it last went, the TSval it carried and whether it was a retransmission,
 * SACKed or marked lost. The send buffer is a byte stream with no per-segment structure
 * (tcp_output.c), so this is the only place a send time lives: tcp_output reports every
 * data segment (tcp_rack_sent), an ACK drops what it covers.
 *
 * On every ACK (tcp_rack_ack, after the scoreboard took its blocks) each range newly
 * delivered -- cumulatively or by SACK -- may update RACK.xmit_ts / end_seq / rtt (6.2
 * step 2): not a retransmission whose ACK may be the original's (its TSecr is older than the
 * retransmission's TSval, or its RTT is below the minimum). A range delivered below
 * RACK.fack that was never resent shows reordering (step 3). A D-SACK widens the reordering
 * window by min_RTT / 4 once per round trip, and 16 recoveries without one reset it
 * (step 4).
 *
 * Where RACK acts (how it combines with RFC 6675's DupThresh, tcp_sack.c). Recovery still
 * starts by RFC 6675 (DupThresh duplicate ACKs or SACKed segments, or the probe's SACK):
 * in the runs that matter here (1 ms RTT, ~0.5 segment per ms each way under loss) segments
 * go further apart than min_RTT / 4, so RACK's rule before recovery would call a hole lost
 * at the first SACK above it -- DupThresh of 1, and every reordering a recovery. Once in
 * recovery, RACK marks lost every segment, original or retransmission, sent before the
 * latest delivered one and overdue (step 5; the reordering window is 0 there until
 * reordering has been seen, as 6.2 step 4 says). That replaces the one-segment
 * lost-retransmission check: a retransmission lost is found one RTT (+ window) after it
 * went, by an ACK or by the reordering timer (TT_RACK, 6.3), not by the RTO. Lost originals
 * raise the scoreboard's lost edge; lost retransmissions pull HighRxt back, and NextSeg()
 * skips retransmissions of this recovery still in flight (tcp_rack_inflight_rexmt), so only
 * the lost ones go again. Without SACK nothing here runs (NewReno, DupThresh).
 * TCP_PF_NO_RACK turns it off: RFC 6675 with the one-segment check, as before.
 *
 * Times are microseconds (tcp_now_us, 32 bits: nothing stays in flight for the 35 minutes
 * it takes to wrap, and RACK.xmit_ts is forgotten when nothing is in flight). The timer
 * runs on the 5 ms tick, so a deadline is met within one tick.
 */
#include <assert.h>
#include <string.h>

#include "tcp_priv.h"

/* t1/s1 went after t2/s2 (RFC 8985 6.2, RACK_sent_after). */
static bool
tcp_rack_after(uint32_t t1, uint32_t s1, uint32_t t2, uint32_t s2)
{
	return (int32_t)(t1 - t2) > 0 || (t1 == t2 && SEQ_GT(s1, s2));
}

bool
tcp_rack_on(const struct tcpcb *tp)
{
	return (tp->tp_flags & TF_SACK_PERMIT) && tp->tp_inst != NULL &&
	       !(tp->tp_inst->ti_param.tp_flags & TCP_PF_NO_RACK);
}

static void
tcp_rack_lazy_init(struct tcpcb *tp, uint32_t seq)
{
	struct tcp_rack *tr = &tp->t_rack;

	if (tr->tr_reo_mult != 0)
		return;
	tr->tr_reo_mult = 1;
	tr->tr_fack = seq;
}

static_assert((TCP_RACK_MAP_MAX & (TCP_RACK_MAP_MAX - 1)) == 0, "the map is a power-of-2 ring");

/* The i-th range of the map, from the lowest. */
static inline struct tcp_rack_seg *
rack_at(struct tcp_rack *tr, unsigned i)
{
	return &tr->tr_map[(tr->tr_first + i) & (TCP_RACK_MAP_MAX - 1)];
}

static inline const struct tcp_rack_seg *
rack_at_c(const struct tcp_rack *tr, unsigned i)
{
	return &tr->tr_map[(tr->tr_first + i) & (TCP_RACK_MAP_MAX - 1)];
}

/*
 * Fold range a into the next range b (the map is full): b starts where a did and takes the
 * later time, so later loss.
 */
static void
tcp_rack_fold(const struct tcp_rack_seg *a, struct tcp_rack_seg *b)
{
	uint32_t fl = ((a->rs_flags | b->rs_flags) & RS_RETRANS) |
		      (a->rs_flags & b->rs_flags & (RS_SACKED | RS_LOST));

	b->rs_start = a->rs_start;
	if ((int32_t)(a->rs_xmit_us - b->rs_xmit_us) > 0)
		b->rs_xmit_us = a->rs_xmit_us;
	b->rs_tsval = SEQ_MAX(a->rs_tsval, b->rs_tsval);
	b->rs_flags = fl;
}

/* [seq, seq + len) went now (rexmt: some of it was sent before). */
void
tcp_rack_sent(struct tcpcb *tp, uint32_t seq, uint32_t len, bool rexmt, uint32_t tsval)
{
	struct tcp_rack *tr = &tp->t_rack;
	struct tcp_rack_seg nw = { seq, seq + len, tcp_now_us(tp->tp_inst), tsval,
				   rexmt ? RS_RETRANS : 0 };
	struct tcp_rack_seg out[TCP_RACK_MAP_MAX + 3];
	unsigned i = 0, n = 0, s = 0;

	if (len == 0)
		return;
	tcp_rack_lazy_init(tp, seq);
	/*
	 * New data above everything: the common case, appended. Never merged with the range
	 * before it, even when sent in the same microsecond: a range counts as delivered only
	 * when SACKed whole, and the peer SACKs segments. A full map folds its two lowest.
	 */
	if (tr->tr_n == 0 || SEQ_GEQ(seq, rack_at(tr, tr->tr_n - 1)->rs_end)) {
		if (tr->tr_n == TCP_RACK_MAP_MAX) {
			tcp_rack_fold(rack_at(tr, 0), rack_at(tr, 1));
			tr->tr_first = (tr->tr_first + 1) & (TCP_RACK_MAP_MAX - 1);
			tr->tr_n--;
		}
		*rack_at(tr, tr->tr_n++) = nw;
		return;
	}
	/* sent again: the range replaces what it covers, the ranges it cuts keep their ends */
	while (i < tr->tr_n && SEQ_LEQ(rack_at(tr, i)->rs_end, seq))
		out[n++] = *rack_at(tr, i++);
	if (i < tr->tr_n && SEQ_LT(rack_at(tr, i)->rs_start, seq)) {
		out[n] = *rack_at(tr, i);
		out[n++].rs_end = seq;
	}
	out[n++] = nw;
	while (i < tr->tr_n && SEQ_LEQ(rack_at(tr, i)->rs_end, nw.rs_end))
		i++;
	if (i < tr->tr_n && SEQ_LT(rack_at(tr, i)->rs_start, nw.rs_end)) {
		out[n] = *rack_at(tr, i++);
		out[n++].rs_start = nw.rs_end;
	}
	while (i < tr->tr_n)
		out[n++] = *rack_at(tr, i++);
	for (; n - s > TCP_RACK_MAP_MAX; s++)
		tcp_rack_fold(&out[s], &out[s + 1]);
	memcpy(tr->tr_map, &out[s], (n - s) * sizeof(out[0]));
	tr->tr_first = 0;
	tr->tr_n = n - s;
}

/* A range delivered (RFC 8985 6.2 steps 2 and 3). */
static void
tcp_rack_delivered(struct tcpcb *tp, const struct tcp_rack_seg *rs, uint32_t now,
		   bool tsecr_valid, uint32_t tsecr)
{
	struct tcp_rack *tr = &tp->t_rack;
	uint32_t rtt = now - rs->rs_xmit_us, min_rtt = tcp_minrtt_get(&tr->tr_min_rtt);

	/* step 3: delivered below what was delivered already, never resent: reordering */
	if (SEQ_GT(rs->rs_end, tr->tr_fack))
		tr->tr_fack = rs->rs_end;
	else if (SEQ_LT(rs->rs_end, tr->tr_fack) && !(rs->rs_flags & RS_RETRANS))
		tr->tr_reo_seen = true;
	if (rs->rs_flags & RS_RETRANS) {
		/* step 2: the ACK may be the original's; then it says nothing of this send */
		if (tsecr_valid && SEQ_LT(tsecr, rs->rs_tsval))
			return;
		if (min_rtt != 0 && rtt < min_rtt)
			return;
	} else {
		(void)tcp_minrtt_update(&tr->tr_min_rtt, (uint32_t)tp->tp_inst->ti_now,
					TCP_RACK_MIN_RTT_WIN_MS, RTE_MAX(rtt, 1u));
	}
	if (!tr->tr_valid ||
	    tcp_rack_after(rs->rs_xmit_us, rs->rs_end, tr->tr_xmit_us, tr->tr_end_seq)) {
		tr->tr_valid = true;
		tr->tr_xmit_us = rs->rs_xmit_us;
		tr->tr_end_seq = rs->rs_end;
		tr->tr_rtt_us = rtt;
	}
}

/*
 * An ACK, after the scoreboard took its blocks and before SND.UNA moves: what it delivered
 * updates RACK, a D-SACK the reordering window; what it acknowledges leaves the map.
 */
void
tcp_rack_ack(struct tcpcb *tp, uint32_t ack, bool tsecr_valid, uint32_t tsecr)
{
	struct tcp_rack *tr = &tp->t_rack;
	const struct tcp_sack *ts = &tp->t_sack;
	uint32_t now, una = SEQ_MAX(ack, tp->snd_una);
	unsigned i, j = 0, k;

	if (!tcp_rack_on(tp) || tr->tr_reo_mult == 0)
		return;
	now = tcp_now_us(tp->tp_inst);
	/* 6.2 step 4: one widening per round trip that sees a D-SACK */
	if (tr->tr_dsack_armed && SEQ_GEQ(una, tr->tr_dsack_round))
		tr->tr_dsack_armed = false;
	if (!tr->tr_dsack_armed && ts->ts_dsack) {
		tr->tr_dsack_armed = true;
		tr->tr_dsack_round = tp->snd_max;
		if (tr->tr_reo_mult < UINT8_MAX)
			tr->tr_reo_mult++;
		tr->tr_reo_persist = TCP_RACK_REO_PERSIST;
		TCP_INC(tp->tp_inst, rack_reo_wnd_grown);
	}
	for (i = 0; i < tr->tr_n; i++) {
		struct tcp_rack_seg *rs = rack_at(tr, i);

		if (SEQ_LEQ(rs->rs_end, una)) {
			if (!(rs->rs_flags & RS_SACKED))
				tcp_rack_delivered(tp, rs, now, tsecr_valid, tsecr);
			continue;
		}
		if (rs->rs_flags & RS_SACKED)
			continue;
		/* No SACKed range: nothing past SND.UNA can be newly delivered. The usual ACK of
		 * a loss-free transfer stops here instead of walking the whole map. */
		if (ts->ts_nboard == 0)
			break;
		/* the scoreboard is sorted like the map: one walk */
		while (j < ts->ts_nboard && SEQ_LEQ(ts->ts_board[j].sb_end, rs->rs_start))
			j++;
		if (j < ts->ts_nboard && SEQ_LEQ(ts->ts_board[j].sb_start, rs->rs_start) &&
		    SEQ_GEQ(ts->ts_board[j].sb_end, rs->rs_end)) {
			rs->rs_flags = (rs->rs_flags | RS_SACKED) & ~RS_LOST;
			tcp_rack_delivered(tp, rs, now, tsecr_valid, tsecr);
		}
	}
	/* drop what SND.UNA passes; cut the range it stops in */
	for (k = 0; k < tr->tr_n && SEQ_LEQ(rack_at(tr, k)->rs_end, una); k++)
		;
	tr->tr_first = (tr->tr_first + k) & (TCP_RACK_MAP_MAX - 1);
	tr->tr_n -= k;
	if (tr->tr_n > 0 && SEQ_LT(rack_at(tr, 0)->rs_start, una))
		rack_at(tr, 0)->rs_start = una;
	if (tr->tr_n == 0)
		tr->tr_valid = false; /* nothing in flight: anything sent next is later */
	if (tr->tr_rto_recovery && SEQ_GEQ(una, tr->tr_rto_end)) {
		tr->tr_rto_recovery = false; /* what was out at the RTO is all acknowledged */
		tcp_rack_recovery_end(tp);
	}
}

/* RACK.reo_wnd (RFC 8985 6.2 step 4), microseconds. */
uint32_t
tcp_rack_reo_wnd_us(const struct tcpcb *tp)
{
	const struct tcp_rack *tr = &tp->t_rack;
	uint64_t w, srtt = (uint64_t)(tp->t_srtt >> 3) * 1000u;

	if (!tr->tr_reo_seen) {
		if (tp->t_sack.ts_recovery || tr->tr_rto_recovery)
			return 0;
		if (tcp_sack_bytes(&tp->t_sack, tp->snd_una, tp->snd_max) >=
		    TCP_SACK_DUPTHRESH * (uint32_t)tp->t_maxseg)
			return 0;
	}
	w = (uint64_t)tcp_minrtt_get(&tr->tr_min_rtt) * RTE_MAX(tr->tr_reo_mult, (uint8_t)1) / 4u;
	if (srtt != 0 && w > srtt)
		w = srtt;
	return (uint32_t)w;
}

/*
 * RFC 8985 6.2 step 5 and 6.3: in recovery, mark lost what went before the latest delivered
 * segment and is overdue; arm the reordering timer for the earliest of the others. True if
 * something was newly marked. HighRxt goes back to the lowest lost range, so NextSeg()
 * finds it.
 */
bool
tcp_rack_detect(struct tcpcb *tp)
{
	struct tcp_rack *tr = &tp->t_rack;
	struct tcp_sack *ts = &tp->t_sack;
	uint32_t now, reo, wait = UINT32_MAX, low = 0;
	bool marked = false;

	tp->t_timer[TT_RACK] = 0;
	if (!tcp_rack_on(tp) || !tr->tr_valid || (!ts->ts_recovery && !tr->tr_rto_recovery))
		return false;
	now = tcp_now_us(tp->tp_inst);
	reo = tcp_rack_reo_wnd_us(tp);
	for (unsigned i = 0; i < tr->tr_n; i++) {
		struct tcp_rack_seg *rs = rack_at(tr, i);
		uint32_t due = tr->tr_rtt_us + reo, elapsed = now - rs->rs_xmit_us;

		if (rs->rs_flags & (RS_SACKED | RS_LOST))
			continue;
		if (!tcp_rack_after(tr->tr_xmit_us, tr->tr_end_seq, rs->rs_xmit_us, rs->rs_end))
			continue;
		/* after an RTO everything sent before it is being resent anyway */
		if (!ts->ts_recovery && (int32_t)(rs->rs_xmit_us - tr->tr_recovery_us) < 0)
			continue;
		if (elapsed < due) {
			wait = RTE_MIN(wait, due - elapsed);
			continue;
		}
		rs->rs_flags |= RS_LOST;
		TCP_INC(tp->tp_inst, rack_losses);
		if (rs->rs_flags & RS_RETRANS)
			TCP_INC(tp->tp_inst, sack_lost_rexmt);
		if (!marked || SEQ_LT(rs->rs_start, low))
			low = rs->rs_start;
		marked = true;
	}
	if (marked && ts->ts_recovery && SEQ_LT(low, ts->ts_high_rxt))
		ts->ts_high_rxt = SEQ_MAX(low, tp->snd_una);
	/* RTO recovery: the go-back goes back to it, skipping what is still in flight */
	if (marked && !ts->ts_recovery && SEQ_LT(low, tp->snd_nxt)) {
		tp->snd_nxt = SEQ_MAX(low, tp->snd_una);
		ts->ts_after_rto = ts->ts_nboard > 0; /* and what the peer holds */
	}
	if (wait != UINT32_MAX)
		tcp_timer_arm(tp, TT_RACK, (wait + 999u) / 1000u);
	return marked;
}

/* TT_RACK expired (RFC 8985 6.3): detect again and send what is now lost. */
void
tcp_rack_timeout(struct tcpcb *tp)
{
	if (tp->t_sack.ts_recovery) {
		TCP_INC(tp->tp_inst, rack_reo_timeouts);
		tcp_sack_output(tp); /* runs tcp_rack_detect first */
	} else if (tp->t_rack.tr_rto_recovery) {
		TCP_INC(tp->tp_inst, rack_reo_timeouts);
		if (tcp_rack_detect(tp))
			(void)tcp_output(tp);
	}
}

/*
 * A retransmission timeout: RACK's marks are moot (everything is resent from SND.UNA), and
 * until what was out is acknowledged RACK watches the resends (RFC 8985 6.2 in RTO recovery):
 * one lost again is found when a later one arrives, not by a second RTO.
 */
void
tcp_rack_rto(struct tcpcb *tp)
{
	struct tcp_rack *tr = &tp->t_rack;

	if (tp->t_sack.ts_recovery || tr->tr_rto_recovery)
		tcp_rack_recovery_end(tp);
	tcp_rack_reneged(tp);
	tr->tr_rto_recovery = tcp_rack_on(tp);
	tr->tr_rto_end = tp->snd_max;
	tcp_rack_recovery_start(tp);
}

void
tcp_rack_recovery_start(struct tcpcb *tp)
{
	if (tp->tp_inst != NULL)
		tp->t_rack.tr_recovery_us = tcp_now_us(tp->tp_inst);
}

/* A recovery ended (full ACK) or was ended by an RTO: step 4's count of recoveries. */
void
tcp_rack_recovery_end(struct tcpcb *tp)
{
	struct tcp_rack *tr = &tp->t_rack;

	tp->t_timer[TT_RACK] = 0;
	if (tr->tr_reo_persist > 0 && --tr->tr_reo_persist == 0)
		tr->tr_reo_mult = 1;
}

/*
 * The retransmission timer fired in a fast recovery: say why RACK did not find the loss
 * first (counters only). RACK calls a segment lost when one sent after it is delivered; at
 * SND.UNA lies the loss the timer repairs.
 */
void
tcp_rack_count_rto(struct tcpcb *tp)
{
	const struct tcp_rack *tr = &tp->t_rack;
	const struct tcp_rack_seg *una = NULL;
	bool later = false;

	for (unsigned i = 0; i < tr->tr_n; i++) {
		const struct tcp_rack_seg *rs = rack_at_c(tr, i);

		if (una == NULL && !(rs->rs_flags & RS_SACKED))
			una = rs;
		else if (una != NULL &&
			 tcp_rack_after(rs->rs_xmit_us, rs->rs_end, una->rs_xmit_us, una->rs_end))
			later = true;
	}
	if (una == NULL || !(una->rs_flags & RS_RETRANS) ||
	    (tr->tr_valid &&
	     tcp_rack_after(tr->tr_xmit_us, tr->tr_end_seq, una->rs_xmit_us, una->rs_end)))
		TCP_INC(tp->tp_inst, rto_rec_other);
	else if (later)
		TCP_INC(tp->tp_inst, rto_rec_undelivered);
	else
		TCP_INC(tp->tp_inst, rto_rec_tail);
}

/* The peer dropped what it SACKed (RFC 2018 8), or an RTO resends everything: forget marks. */
void
tcp_rack_reneged(struct tcpcb *tp)
{
	struct tcp_rack *tr = &tp->t_rack;

	for (unsigned i = 0; i < tr->tr_n; i++)
		rack_at(tr, i)->rs_flags &= ~(RS_SACKED | RS_LOST);
}

/* Bytes from seq to the next retransmission still in flight above it, UINT32_MAX if none. */
uint32_t
tcp_rack_inflight_room(const struct tcpcb *tp, uint32_t seq)
{
	const struct tcp_rack *tr = &tp->t_rack;
	uint32_t end;

	for (unsigned i = 0; i < tr->tr_n; i++) {
		const struct tcp_rack_seg *rs = rack_at_c(tr, i);

		if (SEQ_GT(rs->rs_start, seq) && tcp_rack_inflight_rexmt(tp, rs->rs_start, &end))
			return rs->rs_start - seq;
	}
	return UINT32_MAX;
}

/* One past the highest range RACK marked lost and not yet resent, SND.UNA if none. */
uint32_t
tcp_rack_lost_edge(const struct tcpcb *tp)
{
	const struct tcp_rack *tr = &tp->t_rack;

	for (unsigned i = tr->tr_n; i-- > 0;)
		if (rack_at_c(tr, i)->rs_flags & RS_LOST)
			return SEQ_MAX(rack_at_c(tr, i)->rs_end, tp->snd_una);
	return tp->snd_una;
}

/*
 * seq lies in a range resent in this recovery, still in flight (not SACKed, not found
 * lost): NextSeg() must not send it again. *end is the end of the range holding seq
 * (unchanged if none).
 */
bool
tcp_rack_inflight_rexmt(const struct tcpcb *tp, uint32_t seq, uint32_t *end)
{
	const struct tcp_rack *tr = &tp->t_rack;

	if (!tcp_rack_on(tp))
		return false;
	for (unsigned i = 0; i < tr->tr_n; i++) {
		const struct tcp_rack_seg *rs = rack_at_c(tr, i);

		if (SEQ_LEQ(rs->rs_end, seq))
			continue;
		if (SEQ_GT(rs->rs_start, seq))
			return false;
		*end = rs->rs_end;
		return (rs->rs_flags & (RS_RETRANS | RS_SACKED | RS_LOST)) == RS_RETRANS &&
		       (int32_t)(rs->rs_xmit_us - tr->tr_recovery_us) >= 0;
	}
	return false;
}
