/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp Proportional Rate Reduction (RFC 6937): how much each ACK of an RFC 6675 recovery lets
 * go.
 *
 * Principles of operation.
 *
 * RFC 6675 alone sets cwnd = ssthresh when recovery starts and sends whenever pipe falls a
 * segment below it. With ssthresh at half (Reno) or 0.7 (CUBIC) of the flight, nothing goes
 * for the first half or third of the round trip, then everything: the ACK clock stops and
 * restarts. The stop is what costs here: a retransmission lost in that silent stretch has
 * nothing sent after it to be delivered, so RACK (tcp_rack.c) cannot call it lost and only
 * the RTO finds it. PRR spreads the reduction over the round trip instead: every ACK lets
 * go ssthresh / RecoverFS of what it delivered, so the flight shrinks smoothly to ssthresh
 * and something goes on nearly every ACK (new data after the retransmissions, whose SACKs
 * then show a retransmission lost). Once pipe is at or below ssthresh (heavy loss), the
 * reduction bound lets the flight grow back by at most what was delivered plus one segment
 * per ACK: slow start, not a burst (PRR-SSRB, RFC 6937's default; PRR-CRB, what was
 * delivered and no more, is in the arithmetic for the tests).
 *
 * The arithmetic is RFC 6937 3.1 in bytes. RecoverFS is counted as RFC 9937, its
 * standards-track successor, counts it: what was in flight and not SACKed before the ACK
 * that started the recovery, since only that can be delivered during it (the flight size
 * RFC 6937 uses also holds what was SACKed before, which makes the reduction too slow).
 * prr_out counts every data byte sent while the recovery lasts (tcp_output.c), forced first
 * retransmission and probes included. The answer, sndcnt, becomes cwnd = pipe + sndcnt for
 * RFC 6675's sending loop (tcp_sack.c), rounded up to whole segments: a positive sndcnt lets
 * one more segment go, as in RFC 6937's examples, which count in segments. Between ACKs
 * (RACK's reordering timer) that cwnd stands: what RACK newly marks lost leaves pipe and
 * may go, and prr_out holds the next ACKs back by as much.
 *
 * TCP_PF_NO_PRR leaves RFC 6675's cwnd = ssthresh, for tests of its own rules.
 */
#include "tcp_priv.h"

bool
tcp_prr_on(const struct tcpcb *tp)
{
	return tp->tp_inst != NULL && !(tp->tp_inst->ti_param.tp_flags & TCP_PF_NO_PRR);
}

/*
 * Recovery starts at an ACK that delivered delivered bytes, before anything is resent
 * (RFC 6937 3.1 initialisation, RecoverFS as RFC 9937 counts it).
 */
void
tcp_prr_start(struct tcpcb *tp, uint32_t delivered)
{
	struct tcp_prr *pr = &tp->t_sack.ts_prr;
	uint32_t unsacked = (tp->snd_max - tp->snd_una) -
			    tcp_sack_bytes(&tp->t_sack, tp->snd_una, tp->snd_max);

	pr->pr_recover_fs = RTE_MAX(unsacked + delivered, (uint32_t)tp->t_maxseg);
	pr->pr_delivered = 0;
	pr->pr_out = 0;
}

uint32_t
tcp_prr_sndcnt(const struct tcp_prr *pr, uint32_t pipe, uint32_t ssthresh, uint32_t delivered,
	       uint32_t mss, bool conservative, int *how)
{
	uint32_t ahead = pr->pr_delivered > pr->pr_out ? pr->pr_delivered - pr->pr_out : 0;
	uint32_t limit, room;

	if (pipe > ssthresh) {
		/* proportional: CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out */
		uint64_t fs = RTE_MAX(pr->pr_recover_fs, 1u);
		uint64_t due = ((uint64_t)pr->pr_delivered * ssthresh + fs - 1) / fs;

		*how = PRR_PROPORTIONAL;
		return due > pr->pr_out ? (uint32_t)RTE_MIN(due - pr->pr_out, (uint64_t)UINT32_MAX) :
					  0;
	}
	/* the reduction bound: catch up to ssthresh, no faster than this */
	limit = conservative ? ahead : RTE_MAX(ahead, delivered) + mss;
	room = ssthresh - pipe;
	*how = limit < room ? PRR_BOUND_LIMITED : PRR_BOUND;
	return RTE_MIN(room, limit);
}

/*
 * An ACK in recovery delivered delivered bytes (cumulatively or by SACK, RFC 6937
 * DeliveredData), after RACK marked what is lost by now: set cwnd so that RFC 6675's loop
 * sends sndcnt.
 */
void
tcp_prr_ack(struct tcpcb *tp, uint32_t delivered)
{
	struct tcp_prr *pr = &tp->t_sack.ts_prr;
	uint32_t pipe = tcp_sack_pipe(tp), mss = tp->t_maxseg, sndcnt;
	uint64_t cwnd;
	int how;

	pr->pr_delivered += delivered;
	sndcnt = tcp_prr_sndcnt(pr, pipe, tp->snd_ssthresh, delivered, mss, false, &how);
	if (how == PRR_PROPORTIONAL) {
		TCP_INC(tp->tp_inst, prr_acks_proportional);
	} else {
		TCP_INC(tp->tp_inst, prr_acks_bound);
		if (how == PRR_BOUND_LIMITED)
			TCP_INC(tp->tp_inst, prr_bound_limited);
	}
	/* whole segments: a positive sndcnt lets one more go */
	cwnd = pipe + ((uint64_t)sndcnt + mss - 1) / mss * mss;
	tp->snd_cwnd = (uint32_t)RTE_MIN(cwnd, (uint64_t)UINT32_MAX);
}
