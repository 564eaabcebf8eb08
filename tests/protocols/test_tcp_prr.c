/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proportional Rate Reduction (protocols/tcp/tcp_prr.c, RFC 6937): its arithmetic pinned
 * against RFC 6937 3.1's worked examples -- cwnd = FlightSize = 20 segments, ssthresh 10, one
 * segment lost, then fifteen -- driven as the RFC draws them: one segment delivered per ACK,
 * pipe falling by what the ACK delivered and rising by what was sent. And RecoverFS as
 * tcp_prr_start counts it: the flight not SACKed before the ACK that began the recovery.
 */
#include <string.h>

#include <rte_lcore.h>

#include <protocols/tcp.h>
#include <protocols/tcp/tcp_priv.h>

#include "tcp_test.h"

TestSuite(prr, .init = yt_setup, .fini = yt_teardown);

#define MSS 1000u

/* Segments one ACK lets go: a positive sndcnt lets one more whole segment go (tcp_prr_ack). */
static uint32_t
prr_step(struct tcp_prr *pr, uint32_t *pipe, uint32_t ssthresh, bool crb, int *how)
{
	uint32_t sndcnt, segs;

	pr->pr_delivered += MSS;
	sndcnt = tcp_prr_sndcnt(pr, *pipe, ssthresh, MSS, MSS, crb, how);
	segs = (sndcnt + MSS - 1) / MSS;
	tcp_prr_sent(pr, segs * MSS);
	*pipe += segs * MSS;
	return segs;
}

/*
 * RFC 6937 3.1, one loss: segment 0 lost, the ACKs of 1 and 2 sent a new segment each
 * (limited transmit), the ACK of 3 starts the recovery with pipe 18 (22 out, 3 SACKed, 0
 * lost). PRR's row: R on that ACK, then N on every second ACK (5, 7, ... 15) while pipe is
 * above ssthresh -- the reduction spread over the round trip, not RFC 6675's half-silent
 * window. (The RFC's last two columns, 16 to 19, are not drawn consistently -- pipe stays at
 * 12 over an ACK that sends nothing -- and are left out.)
 */
Test(prr, one_loss_sends_on_every_second_ack_as_rfc6937_draws_it)
{
	struct tcp_prr pr = { .pr_recover_fs = 20 * MSS };
	uint32_t pipe = 18 * MSS, ssthresh = 10 * MSS;
	/* segments sent on the ACKs of segments 3..15 (RFC 6937 3.1, PRR, "sent") */
	static const uint32_t rfc[] = { 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1 };
	int how;

	for (unsigned i = 0; i < RTE_DIM(rfc); i++) {
		if (i > 0)
			pipe -= MSS;
		cr_assert_gt(pipe, ssthresh);
		cr_expect_eq(prr_step(&pr, &pipe, ssthresh, false, &how), rfc[i],
			     "ACK of segment %u", i + 3);
		cr_expect_eq(how, PRR_PROPORTIONAL);
		/* CEIL(prr_delivered * ssthresh / RecoverFS), whole segments */
		cr_expect_eq(pr.pr_out, (i / 2 + 1) * MSS);
	}
	/* the rest of the round trip: the proportional part brings pipe down to ssthresh, the
	 * reduction bound then holds it there (RFC 6937 4: PRR converges to ssthresh) */
	while (pr.pr_delivered < pr.pr_recover_fs) {
		pipe -= MSS;
		(void)prr_step(&pr, &pipe, ssthresh, false, &how);
		cr_expect_geq(pipe, ssthresh);
	}
	cr_expect_eq(pipe, ssthresh);
}

/*
 * RFC 6937 3.1, fifteen losses (0-14): the ACKs of 15 and 16 sent new data, the ACK of 17
 * starts the recovery with pipe 4, far below ssthresh. PRR-SSRB: two retransmissions per
 * ACK, pipe 4, 5, 6 (RB "bd", "d", "d": slow start); PRR-CRB: one per ACK, pipe 4, 4, 4
 * (RB "b": no more than delivered).
 */
Test(prr, fifteen_losses_slow_start_with_ssrb_and_conserve_with_crb)
{
	static const uint32_t ssrb_pipe[] = { 4, 5, 6 }, crb_pipe[] = { 4, 4, 4 };
	uint32_t ssthresh = 10 * MSS;
	int how;

	for (int crb = 0; crb <= 1; crb++) {
		struct tcp_prr pr = { .pr_recover_fs = 20 * MSS };
		uint32_t pipe = 4 * MSS;

		for (unsigned i = 0; i < 3; i++) {
			if (i > 0)
				pipe -= MSS;
			cr_expect_eq(pipe, (crb ? crb_pipe : ssrb_pipe)[i] * MSS, "ACK of %u", 17 + i);
			cr_expect_eq(prr_step(&pr, &pipe, ssthresh, crb, &how), crb ? 1u : 2u,
				     "%s, ACK of segment %u", crb ? "CRB" : "SSRB", 17 + i);
			cr_expect_eq(how, PRR_BOUND_LIMITED); /* RFC 6675 would send 6 at once */
		}
	}
}

/* At or below ssthresh the bound never sends past ssthresh ("s" in RFC 6937's RB row). */
Test(prr, the_reduction_bound_stops_at_ssthresh)
{
	struct tcp_prr pr = { .pr_recover_fs = 20 * MSS, .pr_delivered = 12 * MSS,
			      .pr_out = 3 * MSS };
	int how;

	cr_expect_eq(tcp_prr_sndcnt(&pr, 9 * MSS, 10 * MSS, MSS, MSS, false, &how), MSS);
	cr_expect_eq(how, PRR_BOUND);
	cr_expect_eq(tcp_prr_sndcnt(&pr, 10 * MSS, 10 * MSS, MSS, MSS, false, &how), 0u);
	/* banked sending opportunities (an application stall) catch up to ssthresh, not past */
	cr_expect_eq(tcp_prr_sndcnt(&pr, 4 * MSS, 10 * MSS, MSS, MSS, false, &how), 6 * MSS);
}

/* Above ssthresh, sending ahead of the proportion (prr_out past it) sends nothing, never a
 * negative count. */
Test(prr, sending_ahead_of_the_proportion_holds_the_next_acks)
{
	struct tcp_prr pr = { .pr_recover_fs = 20 * MSS, .pr_delivered = 2 * MSS,
			      .pr_out = 3 * MSS };
	int how;

	cr_expect_eq(tcp_prr_sndcnt(&pr, 15 * MSS, 10 * MSS, MSS, MSS, false, &how), 0u);
	cr_expect_eq(how, PRR_PROPORTIONAL);
}

/*
 * RecoverFS is what can be delivered during the recovery: the flight less what was SACKed
 * before the ACK that started it (RFC 9937's count; RFC 6937's FlightSize would hold 22 in
 * the one-loss example and slow the reduction to 10/22).
 */
Test(prr, recover_fs_leaves_out_what_was_sacked_before)
{
	struct tcpcb tp;

	memset(&tp, 0, sizeof(tp));
	tp.tp_inst = tcp_insts[rte_lcore_id()];
	tp.t_maxseg = MSS;
	tp.snd_una = 1000;
	tp.snd_max = 1000 + 22 * MSS;
	/* segments 1..3 SACKed, 3 by the ACK that starts the recovery */
	tp.t_sack.ts_board[0] = (struct tcp_sack_blk){ 1000 + MSS, 1000 + 4 * MSS };
	tp.t_sack.ts_nboard = 1;
	tcp_prr_start(&tp, MSS);
	cr_expect_eq(tp.t_sack.ts_prr.pr_recover_fs, 20 * MSS);
	cr_expect_eq(tp.t_sack.ts_prr.pr_delivered, 0u);
	cr_expect_eq(tp.t_sack.ts_prr.pr_out, 0u);
}
