/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HyStart++ (RFC 9406): the first slow start of a connection ends before it overshoots, on
 * a rise of the round trip time rather than on loss.
 *
 * Principles of operation. A round is a window of data: it ends when an ACK covers the
 * SND.MAX noted at its start. Each round keeps the least RTT of its samples (with timestamps
 * every ACK gives one, RFC 7323 4.1). Once a round has N_RTT_SAMPLE samples and its least RTT
 * exceeds the previous round's by an eighth of it (clamped to 4..16 ms), the queue at the
 * bottleneck is growing: slow start becomes Conservative Slow Start (CSS), which grows the
 * window four times slower. Should the RTT fall back below the value that started CSS, the
 * rise was jitter and slow start resumes; after CSS_ROUNDS rounds, SSTHRESH is set to the
 * window and congestion avoidance takes over. Only the first slow start uses it (RFC 9406
 * 4.3): after a loss or a timeout SSTHRESH is known and ends slow starts by itself.
 *
 * The congestion controls call tcp_hystart_init() from their cc_init; tcp_input calls
 * tcp_hystart_rtt() with each RTT sample and passes the bytes an ACK covers through
 * tcp_hystart_ack() before cc_ack (CSS hands on a quarter of them). RTTs are in the
 * milliseconds of tcp_now(): on a LAN (RTT below 1 ms) nothing rises by the 4 ms floor, so
 * HyStart++ stays out of the way there, as on Linux.
 */
#include "tcp_priv.h"

#define HS_MIN_RTT_THRESH_MS 4u
#define HS_MAX_RTT_THRESH_MS 16u
#define HS_MIN_RTT_DIVISOR   8u
#define HS_N_RTT_SAMPLE      8u
#define HS_CSS_GROWTH_DIV    4u
#define HS_CSS_ROUNDS        5u
#define HS_NO_RTT            UINT32_MAX

void
tcp_hystart_init(struct tcpcb *tp)
{
	struct tcp_hystart *hs = &tp->t_hystart;
	bool off = tp->tp_inst != NULL &&
		   (tp->tp_inst->ti_param.tp_flags & TCP_PF_NO_HYSTART) != 0;

	*hs = (struct tcp_hystart){
		.hs_state = off ? HS_OFF : HS_SS,
		.hs_window_end = tp->snd_max,
		.hs_cur_min = HS_NO_RTT,
		.hs_last_min = HS_NO_RTT,
	};
}

void
tcp_hystart_rtt(struct tcpcb *tp, uint32_t rtt)
{
	struct tcp_hystart *hs = &tp->t_hystart;

	if (hs->hs_state == HS_OFF)
		return;
	hs->hs_cur_min = RTE_MIN(hs->hs_cur_min, rtt);
	if (hs->hs_samples < UINT16_MAX)
		hs->hs_samples++;
}

/* A new round: its start is what the next round-ending ACK must cover. */
static void
hs_next_round(struct tcpcb *tp, struct tcp_hystart *hs)
{
	hs->hs_window_end = tp->snd_max;
	hs->hs_last_min = hs->hs_cur_min;
	hs->hs_cur_min = HS_NO_RTT;
	hs->hs_samples = 0;
}

uint32_t
tcp_hystart_ack(struct tcpcb *tp, uint32_t ack, uint32_t acked)
{
	struct tcp_hystart *hs = &tp->t_hystart;
	struct tcp_inst *ti = tp->tp_inst;

	if (hs->hs_state == HS_OFF)
		return acked;
	if (tp->snd_ssthresh != TCP_SSTHRESH_INIT || tp->snd_cwnd >= tp->snd_ssthresh) {
		hs->hs_state = HS_OFF; /* a loss set SSTHRESH: standard slow start from now on */
		return acked;
	}
	if (SEQ_GEQ(ack, hs->hs_window_end)) {
		if (hs->hs_state == HS_CSS && ++hs->hs_css_rounds >= HS_CSS_ROUNDS) {
			/* RFC 9406 4.2: CSS lasted its rounds, congestion avoidance takes over */
			tp->snd_ssthresh = tp->snd_cwnd;
			hs->hs_state = HS_OFF;
			if (ti != NULL)
				TCP_INC(ti, hystart_ss_exits);
			return acked;
		}
		hs_next_round(tp, hs);
	}
	if (hs->hs_samples >= HS_N_RTT_SAMPLE && hs->hs_cur_min != HS_NO_RTT) {
		if (hs->hs_state == HS_SS && hs->hs_last_min != HS_NO_RTT) {
			uint32_t thresh = RTE_MAX(HS_MIN_RTT_THRESH_MS,
						  RTE_MIN(hs->hs_last_min / HS_MIN_RTT_DIVISOR,
							  HS_MAX_RTT_THRESH_MS));

			if (hs->hs_cur_min >= hs->hs_last_min + thresh) {
				hs->hs_state = HS_CSS;
				hs->hs_css_base = hs->hs_cur_min;
				hs->hs_css_rounds = 0;
				hs->hs_css_acc = 0;
				if (ti != NULL)
					TCP_INC(ti, hystart_css_entered);
			}
		} else if (hs->hs_state == HS_CSS && hs->hs_cur_min < hs->hs_css_base) {
			/* the rise was jitter: back to slow start (RFC 9406 4.2) */
			hs->hs_state = HS_SS;
			if (ti != NULL)
				TCP_INC(ti, hystart_css_spurious);
		}
	}
	if (hs->hs_state == HS_CSS) {
		/* a quarter of the growth; the remainder carried to the next ACK */
		hs->hs_css_acc += acked;
		acked = hs->hs_css_acc / HS_CSS_GROWTH_DIV;
		hs->hs_css_acc -= acked * HS_CSS_GROWTH_DIV;
	}
	return acked;
}
