/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HyStart++ (protocols/tcp/tcp_hystart.c, RFC 9406) on a bare connection block with
 * simulated RTT samples, one ACK per MSS, the sender filling its window after each ACK as
 * tcp_output would: slow start left alone at a steady RTT and on a LAN; an RTT rise turning it
 * conservative, then into congestion avoidance after CSS_ROUNDS; jitter undone; a loss ending
 * it for the connection's life; TCP_PF_NO_HYSTART.
 */
#include <string.h>

#include <rte_lcore.h>

#include <protocols/tcp.h>
#include <protocols/tcp/tcp_priv.h>

#include "tcp_test.h"

TestSuite(hystart, .init = yt_setup, .fini = yt_teardown);

#define MSS 1000u

/* A fresh NewReno connection block of this lcore's instance, its SYN acknowledged. */
static void
hs_block(struct tcpcb *tp)
{
	memset(tp, 0, sizeof(*tp));
	tp->tp_inst = tcp_insts[rte_lcore_id()];
	tp->t_maxseg = MSS;
	tp->snd_una = 1000;
	tp->snd_max = 1000;
	tp->t_cc = &tcp_cc_newreno;
	tp->t_cc->cc_init(tp);
	tp->snd_max = tp->snd_una + tp->snd_cwnd;
}

/* One ACK of one MSS with an RTT sample, as tcp_input passes it, then the window filled. */
static void
hs_ack(struct tcpcb *tp, uint32_t rtt)
{
	uint32_t ack = tp->snd_una + MSS;

	tcp_rtt_update(tp, rtt);
	tp->t_cc->cc_ack(tp, tcp_hystart_ack(tp, ack, MSS));
	tp->snd_una = ack;
	if (SEQ_LT(tp->snd_max, tp->snd_una + tp->snd_cwnd))
		tp->snd_max = tp->snd_una + tp->snd_cwnd;
}

/* A round: ACKs until what was outstanding at its start is acknowledged. */
static void
hs_round(struct tcpcb *tp, uint32_t rtt)
{
	uint32_t end = tp->snd_max;

	while (SEQ_LT(tp->snd_una, end))
		hs_ack(tp, rtt);
}

static void
hs_open(void)
{
	tt_open();
	cr_assert_not_null(tcp_insts[rte_lcore_id()]);
}

YT_TEST(hystart, a_steady_rtt_leaves_slow_start_alone)
{
	struct tcpcb tp;

	hs_open();
	hs_block(&tp);
	cr_assert_eq(tp.t_hystart.hs_state, HS_SS);
	for (int i = 0; i < 8; i++)
		hs_round(&tp, 20);
	cr_assert_eq(tp.t_hystart.hs_state, HS_SS);
	cr_assert_eq(tp.snd_ssthresh, TCP_SSTHRESH_INIT);
	cr_assert_geq(tp.snd_cwnd, 4 * MSS << 8, "doubling every round: %u", tp.snd_cwnd);
	cr_assert_eq(tt_stats().tcps_hystart_css_entered, 0);
	tt_close();
}

YT_TEST(hystart, an_rtt_rise_slows_growth_then_hands_over_to_congestion_avoidance)
{
	struct tcpcb tp;
	uint32_t before, grown;

	hs_open();
	hs_block(&tp);
	for (int i = 0; i < 4; i++)
		hs_round(&tp, 20); /* 4 -> 64 MSS, at least 8 samples a round from the third */
	/* +10 ms: above 20 + max(4, 20/8) ms: conservative from the 8th sample of the round */
	hs_round(&tp, 30);
	cr_assert_eq(tp.t_hystart.hs_state, HS_CSS);
	cr_assert_eq(tp.t_hystart.hs_css_base, 30);
	cr_assert_eq(tt_stats().tcps_hystart_css_entered, 1);
	/* a CSS round grows the window by a quarter of what slow start would: x1.25 */
	before = tp.snd_cwnd;
	hs_round(&tp, 30);
	grown = tp.snd_cwnd - before;
	cr_assert(grown >= before / 4 - 2 * MSS && grown <= before / 4 + 2 * MSS,
		  "CSS round: %u -> %u", before, tp.snd_cwnd);
	/* CSS_ROUNDS (5) rounds in all: SSTHRESH = cwnd, congestion avoidance */
	for (int i = 0; i < 5 && tp.t_hystart.hs_state == HS_CSS; i++)
		hs_round(&tp, 30);
	cr_assert_eq(tp.t_hystart.hs_state, HS_OFF);
	cr_assert_eq(tp.snd_ssthresh, tp.snd_cwnd);
	cr_assert_eq(tt_stats().tcps_hystart_ss_exits, 1);
	before = tp.snd_cwnd;
	hs_round(&tp, 30);
	cr_assert_leq(tp.snd_cwnd - before, MSS, "one MSS per round now (RFC 5681 3.1)");
	tt_close();
}

YT_TEST(hystart, an_rtt_falling_back_in_css_resumes_slow_start)
{
	struct tcpcb tp;

	hs_open();
	hs_block(&tp);
	for (int i = 0; i < 4; i++)
		hs_round(&tp, 20);
	hs_round(&tp, 30);
	cr_assert_eq(tp.t_hystart.hs_state, HS_CSS);
	hs_round(&tp, 22); /* below the 30 ms that started CSS: it was jitter */
	cr_assert_eq(tp.t_hystart.hs_state, HS_SS);
	cr_assert_eq(tt_stats().tcps_hystart_css_spurious, 1);
	cr_assert_eq(tp.snd_ssthresh, TCP_SSTHRESH_INIT);
	tt_close();
}

YT_TEST(hystart, a_loss_ends_it_for_the_connections_life)
{
	struct tcpcb tp;

	hs_open();
	hs_block(&tp);
	for (int i = 0; i < 3; i++)
		hs_round(&tp, 20);
	tp.t_cc->cc_timeout(&tp); /* an RTO: SSTHRESH known, cwnd one MSS */
	hs_ack(&tp, 20);
	cr_assert_eq(tp.t_hystart.hs_state, HS_OFF);
	for (int i = 0; i < 4; i++)
		hs_round(&tp, 20 + 10 * (uint32_t)i);
	cr_assert_eq(tt_stats().tcps_hystart_css_entered, 0, "plain slow start after the RTO");
	tt_close();
}

YT_TEST(hystart, a_lan_rtt_under_the_4_ms_floor_never_triggers_it)
{
	struct tcpcb tp;

	hs_open();
	hs_block(&tp);
	for (int i = 0; i < 4; i++)
		hs_round(&tp, 1);
	hs_round(&tp, 4); /* +3 ms: under MIN_RTT_THRESH */
	hs_round(&tp, 4);
	cr_assert_eq(tp.t_hystart.hs_state, HS_SS);
	cr_assert_eq(tt_stats().tcps_hystart_css_entered, 0);
	tt_close();
}

YT_TEST(hystart, tcp_pf_no_hystart_keeps_plain_slow_start)
{
	struct tcp_param p = { .tp_flags = TCP_PF_NO_HYSTART };
	struct tcpcb tp;

	hs_open();
	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &p, sizeof(p)), 0);
	hs_block(&tp);
	cr_assert_eq(tp.t_hystart.hs_state, HS_OFF);
	for (int i = 0; i < 4; i++)
		hs_round(&tp, 20);
	hs_round(&tp, 40);
	hs_round(&tp, 40);
	cr_assert_eq(tt_stats().tcps_hystart_css_entered, 0);
	cr_assert_eq(tp.snd_ssthresh, TCP_SSTHRESH_INIT);
	tt_close();
}
