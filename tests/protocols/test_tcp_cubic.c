/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUBIC (protocols/tcp/tcp_cc_cubic.c, RFC 9438): the curve, the reductions and the
 * Reno-friendly region driven on a bare connection block with a simulated clock, and the
 * selection of a connection's congestion control (T_TCP_CONGESTION, TCP_SETPARAM tp_cc)
 * through the stack.
 */
#include <errno.h>
#include <string.h>

#include <netinet/in.h>

#include <protocols/tcp.h>
#include <protocols/tcp/tcp_priv.h>
#include <protocols/tihdr.h>

#include "tcp_test.h"

TestSuite(cubic, .init = yt_setup, .fini = yt_teardown);

#define MSS 1000u

/* A connection block as CUBIC sees it: flight = cwnd, RTT rtt_ms. */
static void
cu_block(struct tcpcb *tp, uint32_t cwnd, uint32_t rtt_ms)
{
	memset(tp, 0, sizeof(*tp));
	tp->t_maxseg = MSS;
	tp->t_cc = &tcp_cc_cubic;
	tp->t_cc->cc_init(tp);
	tp->snd_cwnd = cwnd;
	tp->snd_una = 1000;
	tp->snd_max = 1000 + cwnd;
	tp->t_srtt = (int32_t)(rtt_ms << 3);
}

static struct tcp_cubic *
cu(struct tcpcb *tp)
{
	return (struct tcp_cubic *)tp->t_ccpriv;
}

/* A loss at cwnd, then the full ACK that ends recovery (cwnd = ssthresh, RFC 6582 3.2). */
static void
cu_loss(struct tcpcb *tp)
{
	tp->snd_max = tp->snd_una + tp->snd_cwnd;
	tp->t_cc->cc_enter_recovery(tp);
	tp->snd_cwnd = tp->snd_ssthresh;
}

/* A window of ACKs every RTT, in 10 ACKs, from now to until (ms); returns the last time. */
static uint64_t
cu_run(struct tcpcb *tp, uint64_t now, uint64_t until, uint32_t rtt_ms)
{
	for (; now < until; now += rtt_ms) {
		uint32_t per = tp->snd_cwnd / 10;

		for (int i = 0; i < 10; i++)
			tcp_cubic_ack_at(tp, per, now + (uint64_t)i * rtt_ms / 10);
	}
	return now;
}

YT_TEST(cubic, integer_cube_root_is_exact_floor)
{
	static const uint64_t x[] = { 0, 1, 7, 8, 26, 27, 999, 1000, 1001, 75000000000ull,
				      (1ull << 62) + 12345, UINT64_MAX };

	for (unsigned i = 0; i < RTE_DIM(x); i++) {
		uint64_t r = tcp_cubic_cbrt(x[i]);

		cr_assert_leq((__uint128_t)r * r * r, x[i], "cbrt(%lu) = %lu too big", x[i], r);
		cr_assert_gt((__uint128_t)(r + 1) * (r + 1) * (r + 1), x[i],
			     "cbrt(%lu) = %lu too small", x[i], r);
	}
	cr_assert_eq(tcp_cubic_cbrt(1000000), 100);
}

YT_TEST(cubic, loss_reduces_by_beta_and_sets_k_from_wmax)
{
	struct tcpcb tp;

	cu_block(&tp, 100 * MSS, 100);
	tp.snd_ssthresh = 50 * MSS; /* in congestion avoidance */
	cu_loss(&tp);
	/* RFC 9438 4.6: ssthresh = flight * 0.7; W_max = cwnd at the loss */
	cr_assert_eq(tp.snd_ssthresh, 70 * MSS);
	cr_assert_eq(tp.snd_cwnd, 70 * MSS);
	cr_assert_eq(cu(&tp)->cu_wmax, 100 * MSS);
	/* the epoch starts at the next ACK: K = cbrt(30 / 0.4) s = 4.217 s */
	tcp_cubic_ack_at(&tp, MSS, 10000);
	cr_assert_eq(cu(&tp)->cu_cwnd_epoch, 70 * MSS);
	cr_assert(cu(&tp)->cu_k_ms >= 4215 && cu(&tp)->cu_k_ms <= 4218, "K %u ms",
		  cu(&tp)->cu_k_ms);
	/* W_cubic(0) = cwnd_epoch, W_cubic(K) = W_max (RFC 9438 eq. 1, 2) */
	cr_assert_leq(tcp_cubic_wcubic(cu(&tp), MSS, 0), 70 * MSS + MSS / 10);
	cr_assert_geq(tcp_cubic_wcubic(cu(&tp), MSS, 0), 70 * MSS - MSS / 10);
	cr_assert_eq(tcp_cubic_wcubic(cu(&tp), MSS, cu(&tp)->cu_k_ms), 100 * MSS);
	/* floor of 2 MSS when little is in flight (RFC 5681 eq. 4) */
	cu_block(&tp, 2 * MSS, 100);
	tp.snd_ssthresh = MSS;
	cu_loss(&tp);
	cr_assert_eq(tp.snd_ssthresh, 2 * MSS);
}

YT_TEST(cubic, window_grows_concave_to_wmax_then_convex_beyond)
{
	struct tcpcb tp;
	uint32_t w[12];
	uint64_t now = 10000, k;

	/* 1000 segments at 100 ms: far above what Reno would reach, the curve alone rules */
	cu_block(&tp, 1000 * MSS, 100);
	tp.snd_ssthresh = 500 * MSS;
	cu_loss(&tp);
	tcp_cubic_ack_at(&tp, MSS, now);
	k = cu(&tp)->cu_k_ms;
	cr_assert(k >= 9085 && k <= 9086, "K = cbrt(300 / 0.4) s, not %lu ms", k);
	/* sample cwnd every K/4 over 2.75 K, driven by ACKs a window per RTT */
	for (int i = 0; i < 12; i++) {
		now = cu_run(&tp, now, 10000 + (uint64_t)i * k / 4 + 1, 100);
		w[i] = tp.snd_cwnd;
	}
	/* concave: increments shrink on the way up to W_max */
	cr_assert_gt(w[1] - w[0], w[2] - w[1]);
	cr_assert_gt(w[2] - w[1], w[3] - w[2]);
	/* the plateau: near W_max around t = K (within 1%) */
	cr_assert(w[4] > 990 * MSS && w[4] < 1010 * MSS, "cwnd at K %u", w[4]);
	/* convex: increments grow beyond W_max */
	cr_assert_lt(w[6] - w[5], w[8] - w[7]);
	cr_assert_lt(w[8] - w[7], w[10] - w[9]);
	cr_assert_gt(w[11], 2000 * MSS);
	/* cwnd follows W_cubic(t + RTT) within 1% at 3 K / 2 (sampled up to 2 RTT late) */
	{
		uint32_t wc = tcp_cubic_wcubic(cu(&tp), MSS, 3 * k / 2 + 100);

		cr_assert_leq(w[6] > wc ? w[6] - wc : wc - w[6], wc / 100, "cwnd %u W_cubic %u",
			      w[6], wc);
	}
	cr_assert_eq(cu(&tp)->cu_reno_acks, 0, "a large window stays in the CUBIC region");
}

YT_TEST(cubic, plateau_at_short_window_hands_over_to_reno_friendly_growth)
{
	struct tcpcb tp;
	uint64_t now = 10000;

	/* 100 segments at 100 ms: near W_max the curve is flatter than Reno's line */
	cu_block(&tp, 100 * MSS, 100);
	tp.snd_ssthresh = 50 * MSS;
	cu_loss(&tp);
	now = cu_run(&tp, now, now + 6000, 100);
	cr_assert_gt(cu(&tp)->cu_reno_acks, 0);
	/* W_est grew 9/17 segment per RTT to W_max (~57 RTTs), then 1 per RTT */
	cr_assert_geq(cu(&tp)->cu_west, 102 * MSS, "W_est %u", cu(&tp)->cu_west);
	cr_assert_gt(cu(&tp)->cu_west, tcp_cubic_wcubic(cu(&tp), MSS, 6000));
	cr_assert_geq(tp.snd_cwnd, cu(&tp)->cu_west, "cwnd = W_est in the region");
}

YT_TEST(cubic, fast_convergence_lowers_wmax_when_losses_come_earlier)
{
	struct tcpcb tp;

	cu_block(&tp, 100 * MSS, 100);
	tp.snd_ssthresh = 50 * MSS;
	cu_loss(&tp);
	cr_assert_eq(cu(&tp)->cu_wmax, 100 * MSS);
	/* a second loss below the old W_max: W_max = cwnd * (1 + 0.7) / 2 (RFC 9438 4.7) */
	tp.snd_cwnd = 80 * MSS;
	cu_loss(&tp);
	cr_assert_eq(cu(&tp)->cu_wmax, 68 * MSS);
	cr_assert_eq(tp.snd_ssthresh, 56 * MSS);
	/* a loss above W_max takes W_max = cwnd */
	tp.snd_cwnd = 90 * MSS;
	cu_loss(&tp);
	cr_assert_eq(cu(&tp)->cu_wmax, 90 * MSS);
}

YT_TEST(cubic, short_rtt_is_reno_friendly_and_grows_like_reno)
{
	struct tcpcb tp;
	uint64_t now = 10000;
	uint32_t start;

	/* 1 ms RTT, 20 segments: Reno's estimate outgrows the slow cubic start */
	cu_block(&tp, 20 * MSS, 1);
	tp.snd_ssthresh = 10 * MSS;
	cu_loss(&tp);
	start = tp.snd_cwnd;
	cr_assert_eq(start, 14 * MSS);
	now = cu_run(&tp, now, now + 100, 1); /* 100 RTTs */
	cr_assert_gt(cu(&tp)->cu_reno_acks, 0, "in the Reno-friendly region");
	/* W_est: alpha = 9/17 segment per RTT until W_max, then 1 (RFC 9438 4.3) */
	cr_assert_geq(cu(&tp)->cu_west, start + 60 * MSS);
	cr_assert_geq(tp.snd_cwnd, cu(&tp)->cu_west, "cwnd = W_est in the region");
	/* and well above what the cubic curve alone gives 100 ms into a 1.8 s K */
	cr_assert_gt(tp.snd_cwnd, tcp_cubic_wcubic(cu(&tp), MSS, 101) + 30 * MSS);
}

YT_TEST(cubic, rto_sets_loss_window_then_restarts_with_k_zero)
{
	struct tcpcb tp;
	uint64_t now = 10000;

	cu_block(&tp, 100 * MSS, 100);
	tp.snd_ssthresh = 50 * MSS;
	tp.t_cc->cc_timeout(&tp);
	cr_assert_eq(tp.snd_cwnd, MSS, "loss window");
	cr_assert_eq(tp.snd_ssthresh, 70 * MSS);
	/* slow start back to ssthresh */
	while (tp.snd_cwnd < tp.snd_ssthresh)
		tcp_cubic_ack_at(&tp, 2 * MSS, now++);
	cr_assert_eq(cu(&tp)->cu_epoch_ms, 0, "no epoch in slow start");
	/* RFC 9438 4.8: the first epoch after an RTO has W_max = cwnd and K = 0 */
	tcp_cubic_ack_at(&tp, MSS, now);
	cr_assert_eq(cu(&tp)->cu_k_ms, 0);
	cr_assert_eq(cu(&tp)->cu_wmax, cu(&tp)->cu_cwnd_epoch);
	cr_assert_geq(cu(&tp)->cu_west, cu(&tp)->cu_cwnd_epoch);
	cr_assert_leq(cu(&tp)->cu_west, cu(&tp)->cu_cwnd_epoch + MSS, "W_est starts at cwnd");
	/* from there the curve is convex at once */
	{
		uint32_t a = tp.snd_cwnd, b, c;

		now = cu_run(&tp, now, now + 1000, 100);
		b = tp.snd_cwnd;
		now = cu_run(&tp, now, now + 1000, 100);
		c = tp.snd_cwnd;
		cr_assert_gt(c - b, b - a);
	}
}

YT_TEST(cubic, slow_start_below_ssthresh_is_rfc5681)
{
	struct tcpcb tp;

	cu_block(&tp, 0, 100);
	cr_assert_eq(tp.snd_cwnd, 0);
	tp.t_cc->cc_init(&tp);
	cr_assert_eq(tp.snd_cwnd, 4 * MSS, "IW min(4 MSS, max(2 MSS, 4380))");
	tcp_cubic_ack_at(&tp, 5 * MSS, 1);
	cr_assert_eq(tp.snd_cwnd, 6 * MSS, "at most 2 MSS per ACK (RFC 3465 L = 2)");
}

/* ---- selection through the stack ------------------------------------------------------------ */

/* T_OPTMGMT_REQ of T_TCP_CONGESTION with name (mgmt T_NEGOTIATE, T_CURRENT or T_DEFAULT). */
static t_scalar_t
cu_opt(struct stdata *ep, t_scalar_t mgmt, const char *name, char out[TCP_CA_NAME_MAX])
{
	union {
		struct T_optmgmt_req req;
		struct T_optmgmt_ack ack;
		uint8_t raw[256];
	} u;
	struct T_opthdr oh = { .len = sizeof(oh) + TCP_CA_NAME_MAX, .level = T_INET_TCP,
			       .name = T_TCP_CONGESTION };
	struct strbuf c = { .len = (int)(sizeof(u.req) + oh.len), .buf = (char *)&u };
	int fl = 0;

	memset(&u, 0, sizeof(u));
	u.req.PRIM_type = T_OPTMGMT_REQ;
	u.req.OPT_length = (t_scalar_t)oh.len;
	u.req.OPT_offset = sizeof(u.req);
	u.req.MGMT_flags = mgmt;
	memcpy(u.raw + sizeof(u.req), &oh, sizeof(oh));
	strncpy((char *)u.raw + sizeof(u.req) + sizeof(oh), name, TCP_CA_NAME_MAX - 1);
	cr_assert_eq(sth_putmsg(ep, &c, NULL, 0), 0);
	yt_drain();
	c = (struct strbuf){ .maxlen = sizeof(u), .buf = (char *)&u };
	cr_assert_geq(sth_getmsg(ep, &c, NULL, &fl), 0);
	cr_assert_eq(u.ack.PRIM_type, T_OPTMGMT_ACK);
	memcpy(out, u.raw + u.ack.OPT_offset + sizeof(oh), TCP_CA_NAME_MAX);
	return u.ack.MGMT_flags;
}

static void
cu_cleanup(void)
{
	tt_close();
}

YT_TEST(cubic, selected_per_connection_by_option_and_per_instance_by_setparam)
{
	struct stdata *ep, *ep2;
	char name[TCP_CA_NAME_MAX];
	struct tcp_param p = { 0 };

	tt_open();
	yt_set_cleanup(cu_cleanup);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &ep), 0);
	cr_assert_eq(cu_opt(ep, T_CURRENT, "", name), T_SUCCESS);
	cr_assert_str_eq(name, "newreno");
	cr_assert_eq(cu_opt(ep, T_NEGOTIATE, "cubic", name), T_SUCCESS);
	cr_assert_str_eq(name, "cubic");
	cr_assert_eq(cu_opt(ep, T_CURRENT, "", name), T_SUCCESS);
	cr_assert_str_eq(name, "cubic");
	/* an unknown name is refused and changes nothing */
	cr_assert_eq(cu_opt(ep, T_NEGOTIATE, "vegas", name), T_FAILURE);
	cr_assert_eq(cu_opt(ep, T_CURRENT, "", name), T_SUCCESS);
	cr_assert_str_eq(name, "cubic");

	/* the instance's default: new endpoints take it, T_DEFAULT reports it */
	strcpy(p.tp_cc, "cubic");
	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &p, sizeof(p)), 0);
	cr_assert_str_eq(p.tp_cc, "cubic", "the answer carries the parameters in force");
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &ep2), 0);
	cr_assert_eq(cu_opt(ep2, T_CURRENT, "", name), T_SUCCESS);
	cr_assert_str_eq(name, "cubic");
	cr_assert_eq(cu_opt(ep2, T_DEFAULT, "", name), T_SUCCESS);
	cr_assert_str_eq(name, "cubic");
	cr_assert_eq(cu_opt(ep2, T_NEGOTIATE, "newreno", name), T_SUCCESS);
	cr_assert_str_eq(name, "newreno");
	/* an unknown default is refused with EINVAL; "" keeps it */
	memset(&p, 0, sizeof(p));
	strcpy(p.tp_cc, "bbr");
	cr_assert_eq(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &p, sizeof(p)), -EINVAL);
	memset(&p, 0, sizeof(p));
	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &p, sizeof(p)), 0);
	cr_assert_str_eq(p.tp_cc, "cubic");
	sth_close(ep2);
	sth_close(ep);
}
