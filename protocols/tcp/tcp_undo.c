/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp undo: a window reduction found spurious afterwards is taken back.
 *
 * Principles of operation. Every reduction that loss detection makes -- a fast recovery
 * (RFC 6675), a loss repaired by a tail loss probe (RFC 8985 7.4), a retransmission timeout --
 * first saves cwnd, ssthresh and the congestion control's own state (CUBIC's W_max, K, epoch:
 * RFC 9438 4.9 asks for them back too) and opens an "episode" over the sequence range it
 * may resend. Then evidence that nothing was lost undoes it:
 *
 *  - D-SACK (RFC 3708 with RFC 2883): the bytes resent in the episode are counted, and every
 *    D-SACK inside its range takes its bytes off. When the count reaches zero every
 *    retransmission was a duplicate at the peer: the originals arrived (reordering, or a
 *    probe that was not needed). Undone at once if the recovery is over, else at its end.
 *  - Timestamps for a recovery (Eifel detection, RFC 3522): the full ACK that ends it echoes
 *    the TSval of the segment that filled the last hole (RFC 7323 4.3: TS.Recent only moves
 *    forward and only on in-sequence data). If that is older than the first retransmission,
 *    no retransmission filled a hole: the originals did.
 *  - Timestamps for an RTO (RFC 4015 with RFC 3522 detection): the first ACK of new data after
 *    the timeout echoes a TSval from before it: the original was acknowledged, the timer
 *    fired too soon. The window comes back and sending resumes at SND.MAX (RFC 4015 3.2):
 *    what the go-back would resend arrived already.
 *
 * The restored window is the one before the reduction (max with the present one), as Linux
 * does; what it lets go at once is limited by the peer's window and what is buffered.
 * A new reduction starts a new episode; an RTO that ends a recovery keeps the recovery's
 * saved state, so undoing it goes back to before both.
 */
#include <string.h>

#include "tcp_priv.h"

void
tcp_undo_begin(struct tcpcb *tp, int kind)
{
	struct tcp_undo *tu = &tp->t_undo;

	if (tp->tp_inst == NULL)
		return;
	if (kind == TU_RTO) {
		if (!(tp->tp_flags & TF_RCVD_TS)) {
			tu->tu_kind = TU_NONE; /* only timestamps can tell a spurious RTO here */
			return;
		}
		if ((tu->tu_kind == TU_RECOVERY && (tp->tp_flags & TF_INRECOVERY)) ||
		    (tu->tu_kind == TU_RTO && tp->t_rxtshift > 1)) {
			tu->tu_kind = TU_RTO; /* keep what was saved before the first reduction */
			return;
		}
	} else if (!(tp->tp_flags & (TF_SACK_PERMIT | TF_RCVD_TS))) {
		tu->tu_kind = TU_NONE;
		return;
	}
	tu->tu_kind = (uint8_t)kind;
	tu->tu_cwnd = tp->snd_cwnd;
	tu->tu_ssthresh = tp->snd_ssthresh;
	memcpy(tu->tu_ccpriv, tp->t_ccpriv, sizeof(tu->tu_ccpriv));
	tu->tu_start = tp->snd_una;
	tu->tu_end = tp->snd_max;
	tu->tu_rexmt_bytes = 0;
	tu->tu_rexmt_seen = false;
	/* the first retransmission goes now: its TSval is this millisecond's */
	tu->tu_rxt_tsval = (uint32_t)tcp_now(tp->tp_inst);
}

/* [seq, seq + len) was sent again. */
void
tcp_undo_rexmt(struct tcpcb *tp, uint32_t seq, uint32_t len)
{
	struct tcp_undo *tu = &tp->t_undo;

	if (tu->tu_kind == TU_NONE || SEQ_LT(seq, tu->tu_start) || SEQ_GEQ(seq, tu->tu_end))
		return;
	tu->tu_rexmt_bytes += len;
	tu->tu_rexmt_seen = true;
}

static void
tcp_undo_apply(struct tcpcb *tp)
{
	struct tcp_undo *tu = &tp->t_undo;

	memcpy(tp->t_ccpriv, tu->tu_ccpriv, sizeof(tp->t_ccpriv));
	tp->snd_cwnd = RTE_MAX(tp->snd_cwnd, tu->tu_cwnd);
	tp->snd_ssthresh = RTE_MAX(tp->snd_ssthresh, tu->tu_ssthresh);
	tu->tu_kind = TU_NONE;
}

/* A D-SACK of [s, e) arrived (RFC 3708 2): a retransmission of the episode was not needed. */
void
tcp_undo_dsack(struct tcpcb *tp, uint32_t s, uint32_t e)
{
	struct tcp_undo *tu = &tp->t_undo;

	if ((tu->tu_kind != TU_RECOVERY && tu->tu_kind != TU_TLP) || !tu->tu_rexmt_seen ||
	    SEQ_LT(s, tu->tu_start) || SEQ_GT(e, tu->tu_end))
		return;
	tu->tu_rexmt_bytes -= RTE_MIN(tu->tu_rexmt_bytes, e - s);
	if (tu->tu_rexmt_bytes == 0 && !(tp->tp_flags & TF_INRECOVERY)) {
		TCP_INC(tp->tp_inst, undo_dsack);
		tcp_undo_apply(tp);
	}
}

/* A SACK recovery ended on a full ACK (its cwnd already set): was it needed? */
void
tcp_undo_recovery_end(struct tcpcb *tp, bool tsecr_valid, uint32_t tsecr)
{
	struct tcp_undo *tu = &tp->t_undo;

	if (tu->tu_kind != TU_RECOVERY || !tu->tu_rexmt_seen)
		return;
	if (tu->tu_rexmt_bytes == 0) {
		TCP_INC(tp->tp_inst, undo_dsack);
		tcp_undo_apply(tp);
	} else if (tsecr_valid && tsecr != 0 && SEQ_LT(tsecr, tu->tu_rxt_tsval)) {
		TCP_INC(tp->tp_inst, undo_ts); /* RFC 3522: an original filled the last hole */
		tcp_undo_apply(tp);
	}
	/* else a D-SACK may still come for each retransmission */
}

/*
 * The first ACK of new data after an RTO (RFC 4015 with RFC 3522 detection): true if it
 * showed the RTO spurious and the window came back. Either way the episode is judged.
 */
bool
tcp_undo_rto_ack(struct tcpcb *tp, bool tsecr_valid, uint32_t tsecr)
{
	struct tcp_undo *tu = &tp->t_undo;

	if (tu->tu_kind != TU_RTO)
		return false;
	if (!tsecr_valid || tsecr == 0 || !SEQ_LT(tsecr, tu->tu_rxt_tsval)) {
		tu->tu_kind = TU_NONE;
		return false;
	}
	TCP_INC(tp->tp_inst, undo_rto);
	tcp_undo_apply(tp);
	/* RFC 4015 3.2: go on with new data; the go-back would resend what arrived. A segment
	 * of that window really lost is a loss like any other: SACK recovery may start for it */
	tp->t_sack.ts_after_rto = false;
	tp->t_rack.tr_rto_recovery = false;
	tp->snd_nxt = tp->snd_max;
	tp->snd_recover = tp->snd_una;
	return true;
}
