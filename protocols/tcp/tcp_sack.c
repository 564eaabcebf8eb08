/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp SACK: the sender's scoreboard and RFC 6675 loss recovery, and the receiver's SACK
 * blocks (RFC 2018).
 *
 * Principles of operation.
 *
 * Sender. The scoreboard is what the peer said it holds above SND.UNA: a sorted array of
 * disjoint ranges, merged as blocks arrive, cut at SND.UNA as cumulative ACKs advance. It is
 * kept across a retransmission timeout, so the resend after it skips what the peer holds
 * (RFC 6675 5.1), with the robust test for reneging that note asks for: a cumulative ACK
 * that ends at or inside a SACKed range says the peer dropped what it SACKed (it would have
 * ACKed past it otherwise), and the scoreboard is forgotten (RFC 2018 8). Blocks
 * are checked before they go in: the first block of an ACK that lies below the cumulative
 * ACK or inside the second block is a D-SACK (RFC 2883 4) and is counted and ignored; a
 * block that is empty, ends beyond SND.MAX or lies wholly below SND.UNA is bogus (counted,
 * ignored); a full scoreboard drops the new block (counted) -- data not marked SACKed is
 * only resent sooner, never lost.
 *
 * IsLost (RFC 6675 4) is monotone: if a byte is lost, every unSACKed byte below it is too.
 * So the scoreboard has one "lost edge": the start of the highest SACKed range that has
 * DupThresh ranges or more than (DupThresh - 1) * SMSS SACKed bytes at and above it.
 * Unsacked bytes below it are lost. With HighRxt (one past the last byte resent in this
 * recovery) the RFC 6675 SetPipe() sum becomes two range counts:
 *     pipe = unsacked(lost edge, SND.MAX) + unsacked(SND.UNA, HighRxt)
 * the first counting every byte still believed in flight, the second every retransmission.
 * NextSeg() rule 1 resends the first lost unSACKed byte at or above HighRxt, rule 2 sends
 * new data, rule 3 resends the first unSACKed byte above HighRxt below the highest SACK;
 * rule 4, once per recovery, resends the segment holding the highest unSACKed byte (the
 * "rescue": a lost tail draws no SACK, so rules 1 and 3 never see it).
 * Once recovery has started, RACK (RFC 8985 6, tcp_rack.c) says more than IsLost: what it
 * marked lost raises the lost edge, a retransmission it found lost pulls HighRxt back, and
 * NextSeg() steps over the retransmissions of this recovery still in flight; rule 3 is left
 * out (RACK decides when a hole not yet DupThresh-lost is lost). With TCP_PF_NO_RACK the
 * older, one-segment form stands in: the oldest retransmission still out is remembered
 * with SND.MAX at the time; once data above that is SACKed and it is not, it was lost, and
 * HighRxt goes back so NextSeg() sends it again instead of the timer.
 * How much goes on each ACK of the recovery is PRR's (RFC 6937, tcp_prr.c): it sets
 * cwnd = pipe + sndcnt before NextSeg()'s loop (tcp_sack_recovery_ack); RACK's timer sends
 * within the cwnd so set (tcp_sack_output). A stalled recovery -- no ACK for 2 SRTT -- gets
 * one probe (tcp_tlp.c, tcp_sack_probe).
 * A retransmission is tcp_output() at that sequence number with the congestion window
 * narrowed to that one range, so it is built the same way (dupb of the send buffer).
 *
 * Receiver. The blocks to report come from the reassembly list itself (t_reass): no
 * second copy of what is held. The list is walked for the contiguous run around each of
 * the latest out-of-order arrivals, most recent first (RFC 2018 4: the first block holds
 * the segment that triggered the ACK, the others repeat the most recent ones), then the
 * remaining runs fill what room the option has left (three blocks beside timestamps).
 */
#include <string.h>

#include <rte_byteorder.h>

#include "tcp_priv.h"

/* ---- sender: the scoreboard ----------------------------------------------------------------- */

/* Add [s, e) to the scoreboard, merging what it overlaps or touches. */
static void
tcp_sack_add(struct tcpcb *tp, uint32_t s, uint32_t e)
{
	struct tcp_sack *ts = &tp->t_sack;
	unsigned i = 0, j;

	while (i < ts->ts_nboard && SEQ_LT(ts->ts_board[i].sb_end, s))
		i++;
	/* ranges i..j-1 overlap or touch [s, e): fold them into it */
	for (j = i; j < ts->ts_nboard && SEQ_LEQ(ts->ts_board[j].sb_start, e); j++) {
		s = SEQ_MIN(s, ts->ts_board[j].sb_start);
		e = SEQ_MAX(e, ts->ts_board[j].sb_end);
	}
	if (j == i) {
		if (ts->ts_nboard == TCP_SACK_BOARD_MAX) {
			TCP_INC(tp->tp_inst, drop_sack_board_full);
			return;
		}
		memmove(&ts->ts_board[i + 1], &ts->ts_board[i],
			(ts->ts_nboard - i) * sizeof(ts->ts_board[0]));
		ts->ts_nboard++;
	} else if (j > i + 1) {
		memmove(&ts->ts_board[i + 1], &ts->ts_board[j],
			(ts->ts_nboard - j) * sizeof(ts->ts_board[0]));
		ts->ts_nboard -= j - i - 1;
	}
	ts->ts_board[i].sb_start = s;
	ts->ts_board[i].sb_end = e;
}



/*
 * A lost retransmission (the idea of RACK, RFC 8985 6.2, reduced to one segment): data sent
 * after our oldest outstanding retransmission has been SACKed while the retransmission has
 * not, so it was lost too. Let NextSeg() pick it again (HighRxt back to it) rather than wait
 * for the timer. Reordering deeper than that costs a spurious retransmission, no more.
 */
static void
tcp_sack_lost_rexmt(struct tcpcb *tp, uint32_t low)
{
	struct tcp_sack *ts = &tp->t_sack;
	uint32_t s = ts->ts_rxt_seq;

	if (!ts->ts_recovery || !ts->ts_rxt_armed || tcp_rack_on(tp))
		return; /* RACK finds every lost retransmission (tcp_rack.c) */
	if (SEQ_GT(low, s)) {
		ts->ts_rxt_armed = false; /* it arrived */
		return;
	}
	if (ts->ts_nboard > 0 && SEQ_GT(ts->ts_board[ts->ts_nboard - 1].sb_end, ts->ts_rxt_fence) &&
	    tcp_sack_bytes(ts, s, s + 1) == 0) {
		TCP_INC(tp->tp_inst, sack_lost_rexmt);
		if (SEQ_LT(s, ts->ts_high_rxt))
			ts->ts_high_rxt = s;
		ts->ts_rxt_armed = false;
	}
}

/*
 * The SACK blocks of an ACK into the scoreboard (RFC 2018 3, RFC 2883 4, RFC 6675 2);
 * the bytes newly SACKed, what makes it a duplicate ACK in RFC 6675's sense.
 */
uint32_t
tcp_sack_update(struct tcpcb *tp, uint32_t ack, const struct tcp_sack_opt *so)
{
	struct tcp_inst *ti = tp->tp_inst;
	uint32_t low = SEQ_GT(ack, tp->snd_una) ? ack : tp->snd_una;
	uint32_t before = tcp_sack_bytes(&tp->t_sack, low, tp->snd_max);

	tp->t_sack.ts_dsack = false;

	for (unsigned i = 0; i < so->so_nblocks; i++) {
		uint32_t s = so->so_edges[2 * i];
		uint32_t e = so->so_edges[2 * i + 1];

		if (i == 0 && SEQ_LT(s, e)) {
			/* RFC 2883 4: a D-SACK reports a duplicate, below the ACK or in block 2 */
			bool dsack = SEQ_LEQ(e, ack);

			if (!dsack && so->so_nblocks > 1) {
				uint32_t s2 = so->so_edges[2];
				uint32_t e2 = so->so_edges[3];

				dsack = SEQ_GEQ(s, s2) && SEQ_LEQ(e, e2);
			}
			if (dsack) {
				TCP_INC(ti, sack_dsack_rcvd);
				tp->t_sack.ts_dsack = true;
				tcp_undo_dsack(tp, s, e); /* RFC 3708: was a retransmission needed? */
				continue;
			}
		}
		if (!SEQ_LT(s, e) || SEQ_GT(e, tp->snd_max) || SEQ_LEQ(e, low) ||
		    SEQ_LT(s, tp->snd_una - (uint32_t)tp->snd_max_wnd)) {
			TCP_INC(ti, drop_sack_bogus);
			continue;
		}
		TCP_INC(ti, sack_blocks_rcvd);
		tcp_sack_add(tp, SEQ_MAX(s, low), e);
	}
	tcp_sack_lost_rexmt(tp, low);
	return tcp_sack_bytes(&tp->t_sack, low, tp->snd_max) - before;
}

/*
 * Forget what SND.UNA has passed. A cumulative ACK that stops at or inside a SACKed range
 * means the peer reneged (had it kept the range, the ACK would pass it): the scoreboard is
 * no longer to be trusted (RFC 2018 8), and a resend that skipped SACKed data starts again
 * from SND.UNA.
 */
void
tcp_sack_prune(struct tcpcb *tp)
{
	struct tcp_sack *ts = &tp->t_sack;
	unsigned i = 0;

	while (i < ts->ts_nboard && SEQ_LT(ts->ts_board[i].sb_end, tp->snd_una))
		i++;
	if (i < ts->ts_nboard && SEQ_LEQ(ts->ts_board[i].sb_start, tp->snd_una) &&
	    SEQ_LT(tp->snd_una, ts->ts_board[i].sb_end)) {
		TCP_INC(tp->tp_inst, sack_reneged);
		ts->ts_nboard = 0;
		tcp_rack_reneged(tp);
		if (ts->ts_after_rto)
			tp->snd_nxt = tp->snd_una;
		i = 0;
	}
	/* a range ending exactly at SND.UNA is simply acknowledged */
	while (i < ts->ts_nboard && SEQ_LEQ(ts->ts_board[i].sb_end, tp->snd_una))
		i++;
	if (i > 0) {
		memmove(&ts->ts_board[0], &ts->ts_board[i],
			(ts->ts_nboard - i) * sizeof(ts->ts_board[0]));
		ts->ts_nboard -= i;
	}
	if (ts->ts_nboard == 0)
		ts->ts_after_rto = false;
	if (SEQ_LT(ts->ts_high_rxt, tp->snd_una))
		ts->ts_high_rxt = tp->snd_una;
}

/*
 * After a retransmission timeout (RFC 6675 5.1): the recovery ends, the scoreboard stays,
 * and the go-back from SND.UNA skips what it holds (tcp_sack_skip). Reneging is caught by
 * tcp_sack_prune.
 */
void
tcp_sack_rto(struct tcpcb *tp)
{
	struct tcp_sack *ts = &tp->t_sack;

	tcp_rack_rto(tp);
	ts->ts_recovery = false;
	ts->ts_rxt_armed = false;
	ts->ts_tlp_active = false;
	ts->ts_high_rxt = tp->snd_una;
	ts->ts_after_rto = ts->ts_nboard > 0;
	tp->t_timer[TT_PTO] = 0;
}

/*
 * tcp_output() resending after an RTO: move SND.NXT past a SACKed range it stands in
 * (never at SND.UNA: that segment always goes, RFC 2018 8) and give in *room how far the
 * segment may run before the next SACKed range. The return is the SACKed bytes in
 * [SND.UNA, SND.NXT): they are not in flight, so they do not count against cwnd.
 */
uint32_t
tcp_sack_skip(struct tcpcb *tp, uint32_t *room)
{
	struct tcp_sack *ts = &tp->t_sack;
	bool rack = tp->t_rack.tr_rto_recovery;
	uint32_t end;

	*room = UINT32_MAX;
	if ((!ts->ts_after_rto && !rack) || (tp->tp_flags & TF_INRECOVERY))
		return 0;
	if (!SEQ_LT(tp->snd_nxt, tp->snd_max)) {
		ts->ts_after_rto = false; /* the go-back reached new data */
		return 0;
	}
	if (rack) {
		/* RACK sent the go-back back to a lost resend: what went since is in flight */
		while (SEQ_LT(tp->snd_nxt, tp->snd_max) &&
		       tcp_rack_inflight_rexmt(tp, tp->snd_nxt, &end))
			tp->snd_nxt = SEQ_MIN(end, tp->snd_max);
		*room = tcp_rack_inflight_room(tp, tp->snd_nxt);
		if (!ts->ts_after_rto)
			return 0;
	}
	for (unsigned i = 0; i < ts->ts_nboard; i++) {
		const struct tcp_sack_blk *b = &ts->ts_board[i];

		if (SEQ_LEQ(b->sb_end, tp->snd_nxt))
			continue;
		if (SEQ_GEQ(tp->snd_nxt, b->sb_start)) {
			if (tp->snd_nxt == tp->snd_una)
				break; /* SND.UNA's segment goes whatever the scoreboard says */
			TCP_INC(tp->tp_inst, rto_sacked_skipped);
			tp->snd_nxt = b->sb_end;
			continue;
		}
		*room = RTE_MIN(*room, b->sb_start - tp->snd_nxt);
		break;
	}
	return tcp_sack_bytes(ts, tp->snd_una, tp->snd_nxt);
}

/* SACKed bytes in [a, b). */
uint32_t
tcp_sack_bytes(const struct tcp_sack *ts, uint32_t a, uint32_t b)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < ts->ts_nboard; i++) {
		uint32_t s = SEQ_MAX(ts->ts_board[i].sb_start, a);
		uint32_t e = SEQ_MIN(ts->ts_board[i].sb_end, b);

		if (SEQ_LT(s, e))
			n += e - s;
	}
	return n;
}

/* The lost edge: every unSACKed byte below it IsLost() (RFC 6675 4), SND.UNA if none. */
static uint32_t
tcp_sack_lost_edge(const struct tcpcb *tp)
{
	const struct tcp_sack *ts = &tp->t_sack;
	uint32_t above = 0, edge = tp->snd_una;

	for (unsigned i = ts->ts_nboard; i-- > 0;) {
		above += ts->ts_board[i].sb_end - ts->ts_board[i].sb_start;
		if (ts->ts_nboard - i >= TCP_SACK_DUPTHRESH ||
		    above > (TCP_SACK_DUPTHRESH - 1) * (uint32_t)tp->t_maxseg) {
			edge = ts->ts_board[i].sb_start;
			break;
		}
	}
	/* RACK (in recovery) may know more: what it marked lost is below its edge */
	if (ts->ts_recovery && tcp_rack_on(tp))
		edge = SEQ_MAX(edge, tcp_rack_lost_edge(tp));
	return edge;
}

bool
tcp_sack_islost(const struct tcpcb *tp, uint32_t seq)
{
	return SEQ_GEQ(seq, tp->snd_una) && SEQ_LT(seq, tcp_sack_lost_edge(tp)) &&
	       tcp_sack_bytes(&tp->t_sack, seq, seq + 1) == 0;
}

/* RFC 6675 4 SetPipe(), as the two range counts of the header comment. */
uint32_t
tcp_sack_pipe(const struct tcpcb *tp)
{
	const struct tcp_sack *ts = &tp->t_sack;
	uint32_t edge = tcp_sack_lost_edge(tp), pipe;
	uint32_t rxt = SEQ_MAX(ts->ts_high_rxt, tp->snd_una);

	pipe = (tp->snd_max - edge) - tcp_sack_bytes(ts, edge, tp->snd_max);
	pipe += (rxt - tp->snd_una) - tcp_sack_bytes(ts, tp->snd_una, rxt);
	return pipe;
}

/* RFC 6675 5: enter recovery on DupThresh duplicate ACKs or when SND.UNA's segment is lost. */
bool
tcp_sack_should_recover(const struct tcpcb *tp)
{
	return tp->t_dupacks >= TCP_SACK_DUPTHRESH || tcp_sack_islost(tp, tp->snd_una) ||
	       tcp_tlp_shows_loss(tp);
}

/*
 * NextSeg() rules 1 (lost) and 3 (any hole below the highest SACK): the first unSACKed
 * range at or above HighRxt, cut at one MSS and at the next SACKed range.
 */
static bool
tcp_sack_nextseg(const struct tcpcb *tp, bool lost_only, uint32_t *seqp, uint32_t *lenp)
{
	const struct tcp_sack *ts = &tp->t_sack;
	uint32_t s = SEQ_MAX(ts->ts_high_rxt, tp->snd_una);
	uint32_t limit = lost_only ? tcp_sack_lost_edge(tp) :
		ts->ts_nboard > 0 ? ts->ts_board[ts->ts_nboard - 1].sb_end : tp->snd_una;
	uint32_t end;

	for (unsigned i = 0; i < ts->ts_nboard; i++) {
		const struct tcp_sack_blk *b = &ts->ts_board[i];

		if (SEQ_LEQ(b->sb_end, s))
			continue;
		if (SEQ_GEQ(s, b->sb_start)) { /* inside a SACKed range: skip it */
			s = b->sb_end;
			continue;
		}
		/* [s, b->sb_start) is a hole; what this recovery resent and RACK has not found
		 * lost is in flight, not to go again */
		end = b->sb_start;
		while (SEQ_LT(s, b->sb_start) && tcp_rack_inflight_rexmt(tp, s, &end))
			s = SEQ_MIN(end, b->sb_start);
		if (s == b->sb_start) {
			s = b->sb_end;
			continue;
		}
		if (SEQ_GEQ(s, limit))
			return false;
		*seqp = s;
		*lenp = RTE_MIN(b->sb_start - s, (uint32_t)tp->t_maxseg);
		if (SEQ_GT(end, s) && SEQ_LT(end, b->sb_start))
			*lenp = RTE_MIN(*lenp, end - s); /* up to the next send-time range */
		return true;
	}
	return false;
}

/*
 * NextSeg() rule 4 (RFC 6675 4): the segment ending at the highest unSACKed byte, if that
 * byte lies above HighRxt. Data only: a FIN beyond it goes with the segment's last byte.
 */
static bool
tcp_sack_rescue(const struct tcpcb *tp, uint32_t low, uint32_t *seqp, uint32_t *lenp)
{
	const struct tcp_sack *ts = &tp->t_sack;
	uint32_t end = tp->snd_una + tp->sb_cc, start;

	if (SEQ_GT(end, tp->snd_max))
		end = tp->snd_max; /* unsent data is rule 2's */

	/* SACKed ranges at the top are not the rescue's: step below them */
	for (unsigned i = ts->ts_nboard; i-- > 0;) {
		if (SEQ_LT(ts->ts_board[i].sb_start, end) && SEQ_GEQ(ts->ts_board[i].sb_end, end))
			end = ts->ts_board[i].sb_start;
	}
	if (!SEQ_GT(end, low))
		return false;
	start = end - RTE_MIN(end - low, (uint32_t)tp->t_maxseg);
	/* the segment must not run into a SACKed range below its end */
	for (unsigned i = 0; i < ts->ts_nboard; i++) {
		if (SEQ_GT(ts->ts_board[i].sb_end, start) && SEQ_LT(ts->ts_board[i].sb_end, end))
			start = ts->ts_board[i].sb_end;
	}
	*seqp = start;
	*lenp = end - start;
	return true;
}

/* Resend [seq, seq + len) through tcp_output; the bytes it sent. */
static uint32_t
tcp_sack_send_at(struct tcpcb *tp, uint32_t seq, uint32_t len)
{
	uint32_t onxt = tp->snd_nxt, ocwnd = tp->snd_cwnd, sent;
	uint64_t orexmt = tp->tp_inst->ti_st->tcps_tx_rexmt_segs;

	tp->snd_nxt = seq;
	tp->snd_cwnd = seq - tp->snd_una + len;
	(void)tcp_output(tp);
	sent = tp->snd_nxt - seq;
	if (sent > 0 && !tp->t_sack.ts_rxt_armed) {
		tp->t_sack.ts_rxt_armed = true;
		tp->t_sack.ts_rxt_seq = seq;
		tp->t_sack.ts_rxt_fence = tp->snd_max;
	}
	tp->snd_cwnd = ocwnd;
	if (SEQ_GT(onxt, tp->snd_nxt))
		tp->snd_nxt = onxt;
	TCP_ADD(tp->tp_inst, sack_rexmt_segs, tp->tp_inst->ti_st->tcps_tx_rexmt_segs - orexmt);
	return sent;
}

/* Rule 2: one new segment at SND.MAX, if the peer's window and the buffer allow. */
static bool
tcp_sack_send_new(struct tcpcb *tp)
{
	uint32_t omax = tp->snd_max, ocwnd = tp->snd_cwnd;

	if (tp->sb_cc <= tp->snd_max - tp->snd_una)
		return false;
	tp->snd_nxt = tp->snd_max;
	tp->snd_cwnd = tp->snd_max - tp->snd_una + tp->t_maxseg;
	(void)tcp_output(tp);
	tp->snd_cwnd = ocwnd;
	return tp->snd_max != omax;
}

/*
 * RFC 6675 5 step (C): send while cwnd - pipe >= 1 SMSS, what NextSeg() picks. Every pass
 * moves HighRxt or SND.MAX forward, so the loop ends; the bound is a second guard.
 */
static void
tcp_sack_send(struct tcpcb *tp)
{
	struct tcp_sack *ts = &tp->t_sack;

	for (unsigned n = 0; n < 1024 && tp->tp_state != TCPS_CLOSED; n++) {
		uint32_t seq, len, sent;

		if ((uint64_t)tcp_sack_pipe(tp) + tp->t_maxseg > tp->snd_cwnd)
			break;
		if (tcp_sack_nextseg(tp, true, &seq, &len)) {
			sent = tcp_sack_send_at(tp, seq, len);
			if (sent == 0)
				break;
			ts->ts_high_rxt = seq + sent;
			continue;
		}
		if (tcp_sack_send_new(tp))
			continue;
		/* rule 3 resends a hole not known lost; with RACK a hole is lost when it is
		 * overdue (tcp_rack.c), and resending sooner is what reordering turns spurious */
		if (!tcp_rack_on(tp) && tcp_sack_nextseg(tp, false, &seq, &len)) {
			sent = tcp_sack_send_at(tp, seq, len);
			if (sent == 0)
				break;
			ts->ts_high_rxt = seq + sent;
			continue;
		}
		if (!ts->ts_rescued &&
		    tcp_sack_rescue(tp, SEQ_MAX(ts->ts_high_rxt, tp->snd_una), &seq, &len)) {
			/* rule 4 leaves HighRxt alone (RFC 6675 5 (C.3)); once per recovery */
			ts->ts_rescued = true;
			if (tcp_sack_send_at(tp, seq, len) > 0)
				TCP_INC(tp->tp_inst, rescue_rexmts);
		}
		break;
	}
}

/* Between ACKs (RACK's reordering timer): what is lost by now goes, within cwnd. */
void
tcp_sack_output(struct tcpcb *tp)
{
	(void)tcp_rack_detect(tp); /* RFC 8985 6.2 step 5 */
	tcp_sack_send(tp);
	tcp_tlp_arm(tp); /* the recovery's probe: from the last thing sent (tcp_tlp.c) */
}

/*
 * The probe of a stalled recovery (tcp_tlp.c) with no new data to send: the segment at the
 * highest unSACKed byte again, whatever HighRxt says; HighRxt is left alone, as by the
 * rescue. True if something went.
 */
bool
tcp_sack_probe(struct tcpcb *tp)
{
	uint32_t seq, len;

	return tcp_sack_rescue(tp, tp->snd_una, &seq, &len) && tcp_sack_send_at(tp, seq, len) > 0;
}

/*
 * An ACK in recovery that delivered delivered bytes (RFC 6675 5 (C)): RACK marks what is
 * lost by now, PRR (RFC 6937) says how much this ACK lets go, NextSeg() what.
 */
void
tcp_sack_recovery_ack(struct tcpcb *tp, uint32_t delivered)
{
	(void)tcp_rack_detect(tp); /* RFC 8985 6.2 step 5 */
	if (tcp_prr_on(tp) && delivered > 0)
		tcp_prr_ack(tp, delivered);
	tcp_sack_send(tp);
	tcp_tlp_arm(tp); /* the recovery's probe, restarted by every ACK (tcp_tlp.c) */
}

/*
 * RFC 6675 5 steps (4.1)-(4.3): RecoveryPoint, ssthresh and cwnd, the first retransmission.
 * delivered: what the ACK that showed the loss delivered, PRR's first (RFC 6937 3.1).
 */
void
tcp_sack_enter_recovery(struct tcpcb *tp, uint32_t delivered)
{
	struct tcp_sack *ts = &tp->t_sack;

	TCP_INC(tp->tp_inst, sack_recoveries);
	TCP_INC(tp->tp_inst, fast_rexmt);
	tcp_undo_begin(tp, TU_RECOVERY);
	tp->t_cc->cc_enter_recovery(tp);
	tp->snd_cwnd = tp->snd_ssthresh; /* RFC 6675 5 (4.2): no inflation, pipe does it */
	tcp_prr_start(tp, delivered);    /* before the first retransmission: prr_out counts it */
	tp->tp_flags |= TF_INRECOVERY;
	tp->tp_flags &= ~TF_RTTING;
	tp->snd_recover = tp->snd_max;
	tp->snd_nxt = tp->snd_max;
	ts->ts_recovery = true;
	ts->ts_rxt_armed = false;
	tcp_rack_recovery_start(tp);
	ts->ts_rescued = false;
	ts->ts_after_rto = false;
	if (ts->ts_tlp_active) {
		/* the probe drew the SACK that showed the loss (RFC 8985 7.4) */
		TCP_INC(tp->tp_inst, tlp_recoveries);
		ts->ts_tlp_active = false;
	}
	tp->t_timer[TT_PTO] = 0;
	ts->ts_high_rxt = tp->snd_una;
	tp->t_timer[TT_REXMT] = 0;
	/* (4.3): the segment at SND.UNA goes whatever pipe says; its hole bounds it */
	{
		uint32_t hole_end = ts->ts_nboard > 0 ? ts->ts_board[0].sb_start : tp->snd_max;
		uint32_t len = RTE_MIN((uint32_t)tp->t_maxseg, hole_end - tp->snd_una);

		ts->ts_high_rxt = tp->snd_una + tcp_sack_send_at(tp, tp->snd_una, len);
	}
	tcp_sack_recovery_ack(tp, delivered);
	if (tp->t_timer[TT_REXMT] == 0 && tp->snd_max != tp->snd_una)
		tcp_timer_arm(tp, TT_REXMT, tcp_rexmt_timeout(tp));
}

/* ---- receiver: the blocks we send --------------------------------------------------------- */

/* An out-of-order segment starting at seq went into t_reass. */
void
tcp_sack_rcv_arrived(struct tcpcb *tp, uint32_t seq)
{
	struct tcp_sack *ts = &tp->t_sack;
	unsigned n = RTE_MIN(ts->ts_nrecent, TCP_SACK_RCV_RECENT - 1);

	memmove(&ts->ts_recent[1], &ts->ts_recent[0], n * sizeof(ts->ts_recent[0]));
	ts->ts_recent[0] = seq;
	ts->ts_nrecent = n + 1;
}

/* The contiguous run of t_reass holding seq, or false. */
static bool
tcp_sack_run_of(const struct tcpcb *tp, uint32_t seq, uint32_t *s, uint32_t *e)
{
	bool in = false;

	for (mblk_t *mp = tp->t_reass; mp != NULL; mp = mp->b_next) {
		uint32_t ms = *tcp_mseq(mp), me = ms + (uint32_t)msgdsize(mp);

		if (!in || ms != *e) { /* a new run starts */
			if (in && SEQ_GEQ(seq, *s) && SEQ_LT(seq, *e))
				return true;
			*s = ms;
			in = true;
		}
		*e = me;
	}
	return in && SEQ_GEQ(seq, *s) && SEQ_LT(seq, *e);
}

/*
 * A segment, or part of one, that duplicated data we hold (below RCV.NXT or inside t_reass):
 * RFC 2883 asks the receiver to report it as the first block of its next SACK option, once,
 * so that the sender can tell a spurious retransmission (Linux then undoes its window cut
 * and widens its reordering window). The latest duplicate wins, as RFC 2883 4 allows.
 */
void
tcp_sack_rcv_dup(struct tcpcb *tp, uint32_t s, uint32_t e)
{
	struct tcp_sack *ts = &tp->t_sack;

	if (!(tp->tp_flags & TF_SACK_PERMIT) || !SEQ_LT(s, e))
		return;
	ts->ts_dsack_blk = (struct tcp_sack_blk){ s, e };
	ts->ts_dsack_due = true;
}

/* b[0..n) already holds a block starting at s (from index first: a D-SACK is not a run). */
static bool
tcp_sack_listed(const struct tcp_sack_blk *b, unsigned first, unsigned n, uint32_t s)
{
	for (unsigned j = first; j < n; j++)
		if (b[j].sb_start == s)
			return true;
	return false;
}

/*
 * Collect up to max blocks into b; how many. A due D-SACK comes first, then the run of t_reass
 * it lies in, if any (RFC 2883 4 (2)), then the runs by RFC 2018 4: the most recent arrivals
 * first, the others lowest first.
 */
static unsigned
tcp_sack_blocks(const struct tcpcb *tp, struct tcp_sack_blk *b, unsigned max)
{
	const struct tcp_sack *ts = &tp->t_sack;
	unsigned n = 0, first = 0;
	uint32_t s = 0, e = 0;

	if (!(tp->tp_flags & TF_SACK_PERMIT) || max == 0)
		return 0;
	if (ts->ts_dsack_due) {
		b[n++] = ts->ts_dsack_blk;
		first = 1;
		if (n < max && tcp_sack_run_of(tp, ts->ts_dsack_blk.sb_start, &s, &e))
			b[n++] = (struct tcp_sack_blk){ s, e };
	}
	if (tp->t_reass == NULL)
		return n;
	for (unsigned i = 0; i < ts->ts_nrecent && n < max; i++) {
		if (!tcp_sack_run_of(tp, ts->ts_recent[i], &s, &e))
			continue;
		if (!tcp_sack_listed(b, first, n, s))
			b[n++] = (struct tcp_sack_blk){ s, e };
	}
	/* the rest, lowest first: one walk over the runs */
	for (mblk_t *mp = tp->t_reass; mp != NULL && n < max;) {
		s = *tcp_mseq(mp);
		e = s + (uint32_t)msgdsize(mp);
		for (mp = mp->b_next; mp != NULL && *tcp_mseq(mp) == e; mp = mp->b_next)
			e += (uint32_t)msgdsize(mp);
		if (!tcp_sack_listed(b, first, n, s))
			b[n++] = (struct tcp_sack_blk){ s, e };
	}
	return n;
}

/* Option bytes the SACK blocks take in room bytes: 2 NOPs, kind, length, 8 per block. */
unsigned
tcp_sack_optlen(const struct tcpcb *tp, unsigned room)
{
	struct tcp_sack_blk b[4];
	unsigned fit = room >= 4 ? RTE_MIN((room - 4) / 8, 4u) : 0;
	unsigned n = fit > 0 ? tcp_sack_blocks(tp, b, fit) : 0;

	return n > 0 ? 4 + 8 * n : 0;
}

/* Write the SACK option (NOP, NOP, kind 5, length, blocks) into opt; its length. */
unsigned
tcp_sack_fill(struct tcpcb *tp, uint8_t *opt, unsigned room)
{
	struct tcp_sack_blk b[4];
	unsigned fit = room >= 4 ? RTE_MIN((room - 4) / 8, 4u) : 0;
	unsigned n = fit > 0 ? tcp_sack_blocks(tp, b, fit) : 0;

	if (n == 0)
		return 0;
	opt[0] = TCPOPT_NOP;
	opt[1] = TCPOPT_NOP;
	opt[2] = TCPOPT_SACK;
	opt[3] = (uint8_t)(2 + 8 * n);
	for (unsigned i = 0; i < n; i++) {
		uint32_t s = rte_cpu_to_be_32(b[i].sb_start), e = rte_cpu_to_be_32(b[i].sb_end);

		memcpy(opt + 4 + 8 * i, &s, 4);
		memcpy(opt + 8 + 8 * i, &e, 4);
	}
	TCP_ADD(tp->tp_inst, sack_blocks_sent, n);
	if (tp->t_sack.ts_dsack_due) {
		/* reported once (RFC 2883 4): the next segments carry only the runs */
		tp->t_sack.ts_dsack_due = false;
		TCP_INC(tp->tp_inst, sack_dsack_sent);
	}
	return 4 + 8 * n;
}
