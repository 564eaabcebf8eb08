/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NewReno congestion control: RFC 5681 slow start and congestion avoidance (with appropriate
 * byte counting, RFC 3465 L=2), the window on entering fast recovery (RFC 5681 3.2, RFC 6582
 * 3.2); the recovery itself (partial and full ACKs) is in tcp_input.c.
 */
#include "tcp_priv.h"

static void
newreno_init(struct tcpcb *tp)
{
	/* RFC 5681 3.1: IW = min(4 MSS, max(2 MSS, 4380)) -- we take RFC 6928's 10 MSS cap off */
	uint32_t mss = tp->t_maxseg;

	tp->snd_cwnd = RTE_MIN(4 * mss, RTE_MAX(2 * mss, 4380u));
	tp->snd_ssthresh = TCP_SSTHRESH_INIT;
	tcp_hystart_init(tp);
	tp->t_bytes_acked = 0;
}

static void
newreno_ack(struct tcpcb *tp, uint32_t acked)
{
	uint32_t mss = tp->t_maxseg;

	if (tp->snd_cwnd < tp->snd_ssthresh) {
		tp->snd_cwnd += RTE_MIN(acked, 2 * mss); /* slow start */
	} else {
		/* congestion avoidance: one MSS per window of data acknowledged */
		tp->t_bytes_acked += acked;
		if (tp->t_bytes_acked >= tp->snd_cwnd) {
			tp->t_bytes_acked -= tp->snd_cwnd;
			tp->snd_cwnd += mss;
		}
	}
	if (tp->snd_cwnd > (uint32_t)TCP_MAXWIN << YARD_TCP_MAX_WINSHIFT)
		tp->snd_cwnd = (uint32_t)TCP_MAXWIN << YARD_TCP_MAX_WINSHIFT;
}

static void
newreno_enter_recovery(struct tcpcb *tp)
{
	uint32_t flight = tp->snd_max - tp->snd_una;

	tp->snd_ssthresh = RTE_MAX(flight / 2, 2u * tp->t_maxseg); /* RFC 5681 eq. 4 */
	tp->snd_cwnd = tp->snd_ssthresh + 3u * tp->t_maxseg;
	tp->t_bytes_acked = 0;
}

static void
newreno_timeout(struct tcpcb *tp)
{
	uint32_t flight = tp->snd_max - tp->snd_una;

	tp->snd_ssthresh = RTE_MAX(flight / 2, 2u * tp->t_maxseg);
	tp->snd_cwnd = tp->t_maxseg; /* loss window, RFC 5681 3.1 */
	tp->t_bytes_acked = 0;
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.cc_init = newreno_init,
	.cc_ack = newreno_ack,
	.cc_enter_recovery = newreno_enter_recovery,
	.cc_timeout = newreno_timeout,
};
