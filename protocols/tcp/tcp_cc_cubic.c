/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUBIC congestion control (RFC 9438), in integers: windows in bytes, time in milliseconds.
 *
 * Principles of operation. After a congestion event the window follows
 *     W_cubic(t) = C * (t - K)^3 + W_max              (RFC 9438 4.2, eq. 1)
 * with C = 0.4 segments/s^3, t the time since the congestion-avoidance epoch began and
 * K = cbrt((W_max - cwnd_epoch) / C) (eq. 2), the time to climb back to W_max: concave below
 * W_max, a plateau around it, convex above (probing). In bytes and milliseconds:
 *     W_cubic = W_max + 0.4 * MSS * d^3 / 10^9,  d = t - K in ms,
 *     K_ms    = cbrt((W_max - cwnd_epoch) * 10^9 / (0.4 * MSS)).
 * Each ACK moves cwnd toward target = W_cubic(t + RTT), clamped to [cwnd, 1.5 cwnd] (4.2),
 * by (target - cwnd) / cwnd per byte acked; the remainder is kept so small ACKs add up.
 * Alongside runs W_est, the window Reno with alpha = 3(1 - beta)/(1 + beta) = 9/17 would have
 * (4.3); while W_cubic < W_est the connection is in the Reno-friendly region and cwnd = W_est.
 * Once W_est reaches W_max, alpha becomes 1 (4.3).
 *
 * A loss (entering fast recovery, 4.6) sets ssthresh = max(flight * beta, 2 MSS), beta = 0.7,
 * and remembers W_max: with fast convergence (4.7) a W_max lower than the last one is taken
 * as (1 + beta) / 2 of it, to give bandwidth to newer flows. An RTO (4.8) does the same for
 * ssthresh, sets cwnd to one MSS, and marks the next epoch to start with W_max = cwnd and
 * K = 0. Below ssthresh, slow start is RFC 5681's, as in NewReno.
 *
 * No floating point: the cube root is a Newton iteration on integers (cubic_cbrt), and every
 * product is bounded (|d| is capped at 2^20 ms, about 17 minutes) so 64 bits suffice.
 */
#include <string.h>

#include "tcp_priv.h"

#define CUBIC_BETA_NUM   7u   /* beta = 7/10 */
#define CUBIC_BETA_DEN   10u
#define CUBIC_ALPHA_NUM  9u   /* 3 (1 - beta) / (1 + beta) = 0.9 / 1.7 = 9/17 */
#define CUBIC_ALPHA_DEN  17u
#define CUBIC_D_MAX      (1 << 20) /* ms: beyond it the curve is far past any real window */

static inline struct tcp_cubic *
cubic(struct tcpcb *tp)
{
	return (struct tcp_cubic *)tp->t_ccpriv;
}

static uint32_t
cubic_cwnd_max(void)
{
	return (uint32_t)TCP_MAXWIN << YARD_TCP_MAX_WINSHIFT;
}

/* floor(cbrt(x)) by Newton's method from an over-estimate (monotone decreasing to the root). */
uint64_t
tcp_cubic_cbrt(uint64_t x)
{
	uint64_t r, n;
	unsigned bits;

	if (x < 8)
		return x == 0 ? 0 : 1;
	bits = 64 - (unsigned)__builtin_clzll(x);
	r = 1ull << ((bits + 2) / 3); /* >= cbrt(x) */
	for (;;) {
		n = (2 * r + x / (r * r)) / 3;
		if (n >= r)
			break;
		r = n;
	}
	/* settle the last step; 128-bit products, as (r + 1)^3 can pass 2^64 near the top */
	while ((unsigned __int128)r * r * r > x)
		r--;
	while ((unsigned __int128)(r + 1) * (r + 1) * (r + 1) <= x)
		r++;
	return r;
}

/* K in ms: cbrt((W_max - cwnd_epoch) / C) seconds, 0 when the epoch starts at or above W_max. */
static uint32_t
cubic_k_ms(uint32_t wmax, uint32_t cwnd_epoch, uint32_t mss)
{
	uint64_t diff;

	if (wmax <= cwnd_epoch || mss == 0)
		return 0;
	diff = wmax - cwnd_epoch; /* < 2^30 bytes */
	/* diff * 10^9 / (0.4 mss) = diff * 25 * 10^8 / mss: < 2^30 * 2.5 * 10^9 < 2^62 */
	return (uint32_t)tcp_cubic_cbrt(diff * 2500000000ull / mss);
}

uint32_t
tcp_cubic_wcubic(const struct tcp_cubic *c, uint32_t mss, uint64_t t_ms)
{
	int64_t d = (int64_t)t_ms - (int64_t)c->cu_k_ms;
	int64_t d3, delta, w;

	if (d > CUBIC_D_MAX)
		d = CUBIC_D_MAX;
	if (d < -CUBIC_D_MAX)
		d = -CUBIC_D_MAX;
	d3 = d * d * d;                      /* |d3| <= 2^60 */
	/* 0.4 * d3 / 10^9 segments = d3 / 2.5e9: split to keep 64 bits and 1/1000 MSS */
	delta = (d3 / 2500000) * (int64_t)mss / 1000;
	w = (int64_t)c->cu_wmax + delta;
	if (w < (int64_t)mss)
		w = mss;
	if (w > (int64_t)cubic_cwnd_max())
		w = cubic_cwnd_max();
	return (uint32_t)w;
}

static void
cubic_init(struct tcpcb *tp)
{
	uint32_t mss = tp->t_maxseg;

	memset(tp->t_ccpriv, 0, sizeof(tp->t_ccpriv));
	/* RFC 9438 4.10: the initial window and slow start are RFC 5681's, as NewReno's */
	tp->snd_cwnd = RTE_MIN(4 * mss, RTE_MAX(2 * mss, 4380u));
	tp->snd_ssthresh = TCP_SSTHRESH_INIT;
	tcp_hystart_init(tp);
	tp->t_bytes_acked = 0;
}

/* A new congestion-avoidance epoch begins at this ACK (RFC 9438 4.2, 4.8). */
static void
cubic_epoch_start(struct tcpcb *tp, struct tcp_cubic *c, uint64_t now)
{
	c->cu_epoch_ms = now == 0 ? 1 : now;
	c->cu_cwnd_epoch = tp->snd_cwnd;
	if (c->cu_after_rto || c->cu_wmax < tp->snd_cwnd) {
		/* after an RTO, or slow start passed the old maximum: the plateau is here */
		c->cu_wmax = tp->snd_cwnd;
		c->cu_after_rto = 0;
	}
	c->cu_k_ms = cubic_k_ms(c->cu_wmax, tp->snd_cwnd, tp->t_maxseg);
	c->cu_west = tp->snd_cwnd;
	c->cu_acc = 0;
	c->cu_est_acc = 0;
}

void
tcp_cubic_ack_at(struct tcpcb *tp, uint32_t acked, uint64_t now)
{
	struct tcp_cubic *c = cubic(tp);
	uint32_t mss = tp->t_maxseg, cwnd = RTE_MAX(tp->snd_cwnd, (uint32_t)tp->t_maxseg);
	uint32_t target, wc;
	uint64_t t, rtt;

	if (cwnd < tp->snd_ssthresh) {
		/* slow start (RFC 5681 3.1, byte counting with L = 2) */
		tp->snd_cwnd = RTE_MIN(cwnd + RTE_MIN(acked, 2 * mss), cubic_cwnd_max());
		return;
	}
	if (c->cu_epoch_ms == 0)
		cubic_epoch_start(tp, c, now);
	rtt = tp->t_srtt > 0 ? (uint64_t)(tp->t_srtt >> 3) : 0;
	t = now - c->cu_epoch_ms + rtt;
	wc = tcp_cubic_wcubic(c, mss, t);

	/* W_est, Reno with alpha_cubic per RTT (RFC 9438 4.3); alpha = 1 once past W_max */
	{
		uint64_t num = c->cu_west >= c->cu_wmax ? CUBIC_ALPHA_DEN : CUBIC_ALPHA_NUM;
		uint64_t den = (uint64_t)CUBIC_ALPHA_DEN * cwnd;

		c->cu_est_acc += num * mss * acked;
		c->cu_west += (uint32_t)(c->cu_est_acc / den);
		c->cu_est_acc %= den;
	}
	if (wc < c->cu_west) {
		/* the Reno-friendly region (4.3): at least what Reno would have */
		tp->snd_cwnd = RTE_MIN(RTE_MAX(cwnd, c->cu_west), cubic_cwnd_max());
		c->cu_acc = 0;
		c->cu_reno_acks++;
		return;
	}
	/* concave or convex region (4.4, 4.5): toward W_cubic(t + RTT), at most 1.5 cwnd */
	target = wc;
	if (target < cwnd)
		target = cwnd;
	if (target > cwnd + cwnd / 2)
		target = cwnd + cwnd / 2;
	c->cu_acc += (uint64_t)(target - cwnd) * acked;
	tp->snd_cwnd = RTE_MIN(cwnd + (uint32_t)(c->cu_acc / cwnd), cubic_cwnd_max());
	c->cu_acc %= cwnd;
}

static void
cubic_ack(struct tcpcb *tp, uint32_t acked)
{
	tcp_cubic_ack_at(tp, acked, tp->tp_inst != NULL ? tcp_now(tp->tp_inst) : 0);
}

/* Multiplicative decrease with fast convergence (RFC 9438 4.6, 4.7); returns the new ssthresh. */
static uint32_t
cubic_reduce(struct tcpcb *tp)
{
	struct tcp_cubic *c = cubic(tp);
	uint32_t cwnd = tp->snd_cwnd, flight = tp->snd_max - tp->snd_una;
	uint32_t mss = tp->t_maxseg;

	if (cwnd < c->cu_wmax) /* fast convergence: release bandwidth to newer flows */
		c->cu_wmax = (uint32_t)((uint64_t)cwnd * (CUBIC_BETA_DEN + CUBIC_BETA_NUM) /
					(2 * CUBIC_BETA_DEN));
	else
		c->cu_wmax = cwnd;
	c->cu_epoch_ms = 0; /* the next congestion-avoidance ACK starts an epoch */
	/* 4.6: ssthresh = flight_size * beta, at least 2 MSS (RFC 5681 eq. 4's floor) */
	tp->snd_ssthresh = RTE_MAX((uint32_t)((uint64_t)flight * CUBIC_BETA_NUM / CUBIC_BETA_DEN),
				   2u * mss);
	tp->t_bytes_acked = 0;
	return tp->snd_ssthresh;
}

static void
cubic_enter_recovery(struct tcpcb *tp)
{
	/* cwnd = ssthresh, inflated by the three segments that left (RFC 5681 3.2 step 3) */
	tp->snd_cwnd = cubic_reduce(tp) + 3u * tp->t_maxseg;
}

static void
cubic_timeout(struct tcpcb *tp)
{
	(void)cubic_reduce(tp);
	tp->snd_cwnd = tp->t_maxseg; /* the loss window (RFC 5681 3.1) */
	cubic(tp)->cu_after_rto = 1; /* 4.8: the next epoch takes W_max = cwnd, K = 0 */
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.cc_init = cubic_init,
	.cc_ack = cubic_ack,
	.cc_enter_recovery = cubic_enter_recovery,
	.cc_timeout = cubic_timeout,
};
