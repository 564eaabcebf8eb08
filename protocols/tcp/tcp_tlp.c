/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp tail loss probe (RFC 8985 7): a lost tail -- the last segments of a flight, with
 * nothing sent after them -- draws no duplicate ACK and no SACK, so without a probe only
 * the retransmission timer (200 ms at least, backed off) finds it. After the last new data
 * or cumulative ACK, a probe timeout (PTO) of two smoothed RTTs, plus the peer's worst-case
 * delayed ACK when a single segment is out (7.2), sends one segment: new data if the window
 * and the buffer allow, else the last segment again (7.3). The ACK it draws carries the
 * SACK that starts RFC 6675 recovery (tcp_sack.c; a SACK of the probe while SND.UNA is
 * missing is enough, tcp_tlp_shows_loss), or, for a resent last segment, the cumulative
 * ACK that repairs it; either way no RTO. One probe per episode: no other until
 * an ACK covers what was outstanding when it went (TLP.end_seq).
 *
 * Only with SACK (7.1: the probe's worth is the SACK it draws), only outside recovery (but
 * see below) and the resend after an RTO, and only once an RTT has been measured. The PTO
 * never runs past the RTO: one that would is cut to the RTO's expiry and goes in its place
 * (7.2, tlp_pto_cut); after a probe the RTO is restarted from it (7.3).
 *
 * A resent last segment was needed if the ACK covering it was drawn by the probe and
 * carries no D-SACK (7.4.2): with timestamps, the ACK echoes the probe's TSval rather than
 * the original's. Then the loss is answered as fast recovery would (7.4.2): ssthresh and
 * cwnd from the congestion control, counted in tlp_recoveries.
 *
 * In recovery too, where RFC 8985 7.2 has no probe: a retransmission lost with nothing sent
 * after it (the recovery's tail: no new data, or none PRR let go before the ACKs stopped)
 * draws no ACK, and RACK, which needs a later segment delivered, cannot call it lost; only
 * the RTO (200 ms at least, against an RTT of a millisecond in the loss runs) found it. So
 * in an RFC 6675 recovery with RACK each ACK and each (re)transmission restarts a PTO of
 * 2·SRTT (no delayed-ACK allowance: a segment into a hole is ACKed at once, RFC 5681 4.2);
 * when no ACK comes in that time, one probe goes (tlp_recovery_probes): new data, whose SACK
 * then shows RACK what went before it, else the segment at the highest unSACKed byte again
 * (tcp_sack_probe). The recovery's reduction stands; the probe is one segment beyond cwnd,
 * as any probe is, and no other goes until an ACK comes.
 */
#include "tcp_priv.h"

/* RFC 8985 7.2: WCDelAckT, the longest a peer may delay its ACK of a lone segment. */
#define TCP_TLP_WCDELACK_MS 200u
/* A floor of two ticks: below it the timer cannot tell the PTO from now. */
#define TCP_TLP_MIN_MS      (2u * TCP_TICK_MS)

/* (Re)start the PTO after new data went or a cumulative ACK came (RFC 8985 7.2). */
void
tcp_tlp_arm(struct tcpcb *tp)
{
	struct tcp_inst *ti = tp->tp_inst;
	uint32_t flight = tp->snd_max - tp->snd_una, pto;
	uint64_t deadline;

	tp->t_timer[TT_PTO] = 0;
	tp->t_sack.ts_pto_cut = false;
	if (ti == NULL || flight == 0 || !(tp->tp_flags & TF_SACK_PERMIT) ||
	    (ti->ti_param.tp_flags & TCP_PF_NO_TLP) ||
	    !TCPS_HAVEESTABLISHED(tp->tp_state) || tp->t_rxtshift != 0 || tp->t_srtt == 0 ||
	    tp->t_timer[TT_PERSIST] != 0)
		return;
	pto = 2u * (uint32_t)(tp->t_srtt >> 3);
	if (tp->tp_flags & TF_INRECOVERY) {
		if (!tp->t_sack.ts_recovery || !tcp_rack_on(tp))
			return; /* NewReno's, or RFC 6675's own lost-retransmission check */
	} else {
		if (tp->t_sack.ts_tlp_active || tp->t_sack.ts_after_rto)
			return;
		if (flight <= tp->t_maxseg)
			pto += TCP_TLP_WCDELACK_MS;
	}
	pto = RTE_MAX(pto, TCP_TLP_MIN_MS);
	deadline = tcp_now(ti) + pto;
	if (tp->t_timer[TT_REXMT] != 0 && deadline >= tp->t_timer[TT_REXMT]) {
		/*
		 * 7.2: a PTO that would run past the RTO is cut to the RTO's expiry and the
		 * probe goes in the RTO's place (as Linux does): the usual case is a lone segment
		 * out, whose PTO of 2·SRTT + WCDelAckT reaches the 200 ms RTO. Repaired by the
		 * probe, the loss costs a fast recovery's reduction, not cwnd = 1 and go-back-N.
		 * A tick before the RTO (and tcp_tick fires it first if a late tick finds both
		 * due); the RTO itself is left alone (the probe restarts it), so no number of
		 * sends can put it off. The recovery's probe is not cut: there the RTO is the
		 * probe.
		 */
		if ((tp->tp_flags & TF_INRECOVERY) ||
		    tp->t_timer[TT_REXMT] <= tcp_now(ti) + TCP_TLP_MIN_MS)
			return;
		deadline = tp->t_timer[TT_REXMT] - TCP_TICK_MS;
		tp->t_sack.ts_pto_cut = true;
	}
	tp->t_timer[TT_PTO] = deadline;
	if (unlikely(ti->ti_tick_due == 0 || deadline + TCP_TICK_MS < ti->ti_tick_due))
		tcp_tick_need(ti, deadline);
}

/* One new segment beyond cwnd, if the buffer holds some and the peer's window takes it. */
static void
tcp_tlp_send_new(struct tcpcb *tp)
{
	uint32_t ocwnd = tp->snd_cwnd;

	if (tp->sb_cc > tp->snd_max - tp->snd_una) {
		tp->snd_nxt = tp->snd_max;
		tp->snd_cwnd = tp->snd_max - tp->snd_una + tp->t_maxseg;
		(void)tcp_output(tp);
		tp->snd_cwnd = ocwnd;
	}
}

/* The PTO expired in a recovery: nothing has drawn an ACK for 2·SRTT (header comment). */
static void
tcp_tlp_fire_recovery(struct tcpcb *tp)
{
	struct tcp_inst *ti = tp->tp_inst;
	uint32_t omax = tp->snd_max;
	uint64_t osegs = ti->ti_st->tcps_tx_segs;

	if (!tp->t_sack.ts_recovery || !tcp_rack_on(tp))
		return;
	tcp_tlp_send_new(tp);
	if (tp->snd_max == omax)
		(void)tcp_sack_probe(tp);
	if (ti->ti_st->tcps_tx_segs != osegs)
		TCP_INC(ti, tlp_recovery_probes);
	tp->t_timer[TT_PTO] = 0; /* the next ACK restarts it */
}

/* The PTO expired: send the probe (RFC 8985 7.3). */
void
tcp_tlp_fire(struct tcpcb *tp)
{
	struct tcp_inst *ti = tp->tp_inst;
	struct tcp_sack *ts = &tp->t_sack;
	uint32_t omax = tp->snd_max, onxt = tp->snd_nxt, ocwnd = tp->snd_cwnd;
	uint64_t osegs = ti->ti_st->tcps_tx_segs;
	bool cut = ts->ts_pto_cut; /* read first: tcp_output() below re-arms (tcp_tlp_arm) */

	if (tp->snd_max == tp->snd_una || tp->t_timer[TT_PERSIST] != 0 ||
	    !TCPS_HAVEESTABLISHED(tp->tp_state))
		return;
	if (tp->tp_flags & TF_INRECOVERY) {
		tcp_tlp_fire_recovery(tp);
		return;
	}
	if (ts->ts_tlp_active)
		return;
	ts->ts_tlp_active = true; /* before tcp_output: it must not arm another PTO */
	ts->ts_tlp_time = (uint32_t)tcp_now(ti);
	tcp_tlp_send_new(tp); /* new data, if the buffer and the peer's window allow */
	ts->ts_tlp_rexmt = tp->snd_max == omax;
	if (ts->ts_tlp_rexmt) {
		/*
		 * else the last segment sent again (a FIN after it goes with it): it ends at
		 * SND.MAX, not at the buffer's end, when the peer's window kept the rest back.
		 * Aimed past SND.MAX, tcp_output sent nothing and SND.NXT stayed there.
		 */
		uint32_t end = SEQ_MIN(tp->snd_una + tp->sb_cc, tp->snd_max);
		uint32_t len = RTE_MIN(end - tp->snd_una, (uint32_t)tp->t_maxseg);
		uint64_t before = ti->ti_st->tcps_tx_segs;

		tp->snd_nxt = end - len;
		ts->ts_tlp_len = len;
		tp->snd_cwnd = RTE_MAX(end - tp->snd_una, 1u);
		(void)tcp_output(tp);
		tp->snd_cwnd = ocwnd;
		if (SEQ_LT(tp->snd_nxt, onxt) || ti->ti_st->tcps_tx_segs == before)
			tp->snd_nxt = onxt;
	}
	if (ti->ti_st->tcps_tx_segs == osegs) {
		ts->ts_tlp_active = false; /* nothing went (no buffer): the RTO stays */
		return;
	}
	TCP_INC(ti, tlp_probes);
	if (cut)
		TCP_INC(ti, tlp_pto_cut);
	ts->ts_tlp_end = tp->snd_max;
	ts->ts_tlp_last = SEQ_MIN(tp->snd_una + tp->sb_cc, tp->snd_max) - 1;
	tcp_timer_arm(tp, TT_REXMT, tcp_rexmt_timeout(tp));
}

/*
 * The probe's last byte is SACKed while SND.UNA is not: what went before the probe, at
 * least a PTO earlier, is lost (RFC 8985 7.4.1 leaves this to RACK, 6.2; here the probe is
 * the one segment whose send time we keep). RFC 6675 recovery starts from it.
 */
bool
tcp_tlp_shows_loss(const struct tcpcb *tp)
{
	const struct tcp_sack *ts = &tp->t_sack;

	return ts->ts_tlp_active && SEQ_GT(ts->ts_tlp_last, tp->snd_una) &&
	       tcp_sack_bytes(ts, ts->ts_tlp_last, ts->ts_tlp_last + 1) > 0 &&
	       tcp_sack_bytes(ts, tp->snd_una, tp->snd_una + 1) == 0;
}

/*
 * An ACK, before tcp_input acts on it (so the flight is the one the loss was in): end the
 * episode once the ACK covers TLP.end_seq, and judge a resent last segment (7.4.2).
 */
void
tcp_tlp_ack(struct tcpcb *tp, uint32_t ack, bool tsecr_valid, uint32_t tsecr)
{
	struct tcp_sack *ts = &tp->t_sack;
	bool dsack = ts->ts_dsack;

	ts->ts_dsack = false; /* this ACK's: an ACK without SACK does not update it */
	if (!ts->ts_tlp_active)
		return;
	if (ts->ts_tlp_rexmt && dsack) {
		ts->ts_tlp_active = false; /* the original arrived too: nothing was lost */
		return;
	}
	if (SEQ_LT(ack, ts->ts_tlp_end))
		return;
	ts->ts_tlp_active = false;
	if (!ts->ts_tlp_rexmt || (tsecr_valid && SEQ_LT(tsecr, ts->ts_tlp_time)))
		return; /* new data went, or the original drew this ACK: no loss seen */
	TCP_INC(tp->tp_inst, tlp_recoveries);
	/* a D-SACK of the probe later says the original arrived after all: undone (RFC 8985 7.4) */
	tcp_undo_begin(tp, TU_TLP);
	tp->t_undo.tu_start = ts->ts_tlp_last + 1 - ts->ts_tlp_len;
	tp->t_undo.tu_end = ts->ts_tlp_last + 1;
	tcp_undo_rexmt(tp, tp->t_undo.tu_start, ts->ts_tlp_len);
	tp->t_undo.tu_rxt_tsval = ts->ts_tlp_time;
	tp->t_cc->cc_enter_recovery(tp);
	tp->snd_cwnd = tp->snd_ssthresh; /* as RFC 6675 5 (4.2): no inflation */
}
