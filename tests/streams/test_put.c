/* SPDX-License-Identifier: BSD-3-Clause */
/* put, putnext, the depth guard and its deferrals, bursts, qreply and the putctl family. */
#include <string.h>

#include "yard_test.h"

TestSuite(put, .init = yt_setup, .fini = yt_teardown);

#define NCHAIN 100
#define NMSG   1000

static struct module_info minfo = { .mi_idname = "tput", .mi_hiwat = 1024, .mi_lowat = 256,
				    .mi_maxpsz = INFPSZ };

/* The sink: records the first data byte (or a 32-bit sequence) of every message it gets. */
static uint32_t got[NMSG];
static unsigned ngot;
static unsigned sink_depth_max;
static unsigned putp_calls, burst_calls, burst_msgs;
static queue_t *last_q;

static uint32_t
seq_of(const mblk_t *mp)
{
	uint32_t v;

	memcpy(&v, mp->b_rptr, sizeof(v));
	return v;
}

static mblk_t *
seq_msg(uint32_t seq)
{
	mblk_t *mp = yt_msg(M_DATA, sizeof(seq), 0);

	memcpy(mp->b_rptr, &seq, sizeof(seq));
	return mp;
}

static int
sink_put(queue_t *q, mblk_t *mp)
{
	unsigned d = yard_sched_self()->sc_put_depth;

	if (d > sink_depth_max)
		sink_depth_max = d;
	putp_calls++;
	last_q = q;
	if (ngot < NMSG && MBLKL(mp) >= sizeof(uint32_t))
		got[ngot] = seq_of(mp);
	ngot++;
	freemsg(mp);
	return 0;
}

static void
sink_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	burst_calls++;
	burst_msgs += n;
	for (unsigned i = 0; i < n; i++) {
		cr_assert_null(mps[i]->b_next, "burst messages come unlinked");
		if (ngot < NMSG)
			got[ngot] = seq_of(mps[i]);
		ngot++;
	}
	last_q = q;
	freemsg_burst(mps, n);
}

/* A pass-through module: measures the nesting it is called at, then putnext. */
static unsigned nest, nest_max;

static int
pass_put(queue_t *q, mblk_t *mp)
{
	nest++;
	if (nest > nest_max)
		nest_max = nest;
	putnext(q, mp);
	nest--;
	return 0;
}

static struct qinit sink_init = { .qi_putp = sink_put, .qi_minfo = &minfo };
static struct qinit sinkb_init = { .qi_putp = sink_put, .qi_minfo = &minfo,
				   .qi_putp_burst = sink_burst };
static struct qinit pass_init = { .qi_putp = pass_put, .qi_minfo = &minfo };

static queinfo_t qps[NCHAIN + 1];

/* Queue pair i, owned by the calling lcore; returns its write queue. */
static queue_t *
mkq(unsigned i, struct qinit *init)
{
	queinfo_t *qp = &qps[i];

	memset(qp, 0, sizeof(*qp));
	qp->qu_rqueue.q_flag = QUSE | QREADR;
	qp->qu_wqueue.q_flag = QUSE;
	qp->qu_rqueue.q_qinfo = qp->qu_wqueue.q_qinfo = init;
	qp->qu_rqueue.q_sched = qp->qu_wqueue.q_sched = yard_sched_self();
	return &qp->qu_wqueue;
}

YT_TEST(put, putnext_calls_the_next_put_procedure)
{
	queue_t *a = mkq(0, &pass_init), *b = mkq(1, &sink_init);

	a->q_next = b;
	putnext(a, seq_msg(7));
	cr_assert_eq(ngot, 1, "delivered at once, no scheduler pass needed");
	cr_assert_eq(got[0], 7);
	cr_assert_eq(last_q, b);
	cr_assert_eq(b->q_nput, 1);
	cr_assert_eq(a->q_nput, 0);
	put(a, seq_msg(8));
	cr_assert_eq(ngot, 2);
	cr_assert_eq(got[1], 8);
	cr_assert_eq(a->q_nput, 1);
	cr_assert_eq(b->q_nput, 2);
	cr_assert_eq(yard_sched_self()->sc_put_depth, 0, "depth is balanced");
}

YT_TEST(put, a_chain_deeper_than_the_limit_delivers_every_message_in_order)
{
	struct yard_sched *sc = yard_sched_self();
	queue_t *q[NCHAIN + 1];
	uint64_t deferred0 = sc->sc_stats.deferred_puts;

	for (unsigned i = 0; i < NCHAIN; i++)
		q[i] = mkq(i, &pass_init);
	q[NCHAIN] = mkq(NCHAIN, &sink_init);
	for (unsigned i = 0; i < NCHAIN; i++)
		q[i]->q_next = q[i + 1];

	for (uint32_t i = 0; i < NMSG; i++) {
		/*
		 * Enter at varying depths, as if from inside other put procedures: messages then
		 * hit the limit at different hops, and a later one would overtake an earlier one
		 * were it not for q_ndefer.
		 */
		sc->sc_put_depth = i % YARD_PUT_DEPTH_MAX;
		put(q[0], seq_msg(i));
		sc->sc_put_depth = 0;
		/* Now and then let the scheduler run in the middle, like a real lcore. */
		if (i % 97 == 0)
			yard_sched_run_once(sc);
	}
	yt_drain();
	cr_assert_eq(ngot, NMSG, "delivered %u of %u", ngot, NMSG);
	for (uint32_t i = 0; i < NMSG; i++)
		cr_assert_eq(got[i], i, "message %u arrived as %u", i, got[i]);
	cr_assert_leq(nest_max, YARD_PUT_DEPTH_MAX, "nested %u put procedures", nest_max);
	cr_assert_leq(sink_depth_max, YARD_PUT_DEPTH_MAX);
	cr_assert_gt(sc->sc_stats.deferred_puts - deferred0, 0, "deferrals are counted");
	cr_assert_eq(sc->sc_put_depth, 0);
	for (unsigned i = 0; i <= NCHAIN; i++)
		cr_assert_eq(q[i]->q_ndefer, 0);
	cr_assert_eq(q[NCHAIN]->q_nput, NMSG);
	cr_assert_null(sc->sc_deferhead);
}

YT_TEST(put, keeps_order_when_earlier_messages_to_a_queue_were_deferred)
{
	struct yard_sched *sc = yard_sched_self();
	queue_t *q = mkq(0, &sink_init);
	uint64_t deferred0 = sc->sc_stats.deferred_puts;

	/* As if called from deep inside a stack of put procedures. */
	sc->sc_put_depth = YARD_PUT_DEPTH_MAX;
	put(q, seq_msg(1));
	put(q, seq_msg(2));
	sc->sc_put_depth = 0;
	cr_assert_eq(ngot, 0, "deep puts are deferred");
	cr_assert_eq(q->q_ndefer, 2);
	/* Shallow now, but must not overtake the deferred ones. */
	put(q, seq_msg(3));
	cr_assert_eq(ngot, 0, "a later message waits behind the deferred ones");
	cr_assert_eq(q->q_ndefer, 3);
	cr_assert_eq(sc->sc_stats.deferred_puts - deferred0, 3);
	/* While deferred the target is kept in b_prev (sched.h). */
	cr_assert_eq((queue_t *)sc->sc_deferhead->b_prev, q);
	yt_drain();
	cr_assert_eq(ngot, 3);
	cr_assert_eq(got[0], 1);
	cr_assert_eq(got[1], 2);
	cr_assert_eq(got[2], 3);
	cr_assert_eq(q->q_ndefer, 0);
	put(q, seq_msg(4));
	cr_assert_eq(ngot, 4, "with nothing deferred, put is direct again");
}

YT_TEST(put, purge_frees_only_the_deferred_messages_of_the_queue)
{
	struct yard_sched *sc = yard_sched_self();
	queue_t *a = mkq(0, &sink_init), *b = mkq(1, &sink_init);

	sc->sc_put_depth = YARD_PUT_DEPTH_MAX;
	put(a, seq_msg(1));
	put(b, seq_msg(2));
	put(a, seq_msg(3));
	put(b, seq_msg(4));
	put(a, seq_msg(5));
	sc->sc_put_depth = 0;
	cr_assert_eq(yard_sched_purge_queue(sc, a), 3);
	cr_assert_eq(a->q_ndefer, 0);
	cr_assert_eq(b->q_ndefer, 2);
	cr_assert_eq(yard_sched_purge_queue(sc, a), 0);
	yt_drain();
	cr_assert_eq(ngot, 2);
	cr_assert_eq(got[0], 2);
	cr_assert_eq(got[1], 4);
	cr_assert_eq(last_q, b);
}

YT_TEST(put, putnext_burst_uses_the_burst_put_procedure_once)
{
	queue_t *a = mkq(0, &pass_init), *b = mkq(1, &sinkb_init);
	mblk_t *mps[8];

	a->q_next = b;
	for (uint32_t i = 0; i < 8; i++)
		mps[i] = seq_msg(i);
	putnext_burst(a, mps, 8);
	cr_assert_eq(burst_calls, 1);
	cr_assert_eq(burst_msgs, 8);
	cr_assert_eq(putp_calls, 0);
	cr_assert_eq(b->q_nput, 8, "q_nput counts messages, not calls");
	for (uint32_t i = 0; i < 8; i++)
		cr_assert_eq(got[i], i);
	putnext_burst(a, mps, 0);
	cr_assert_eq(burst_calls, 1, "an empty burst calls nothing");
}

YT_TEST(put, putnext_burst_falls_back_to_one_put_per_message)
{
	queue_t *a = mkq(0, &pass_init), *b = mkq(1, &sink_init);
	mblk_t *mps[8];

	a->q_next = b;
	for (uint32_t i = 0; i < 8; i++)
		mps[i] = seq_msg(i);
	putnext_burst(a, mps, 8);
	cr_assert_eq(putp_calls, 8);
	cr_assert_eq(burst_calls, 0);
	for (uint32_t i = 0; i < 8; i++)
		cr_assert_eq(got[i], i);
}

YT_TEST(put, put_burst_waits_behind_deferred_messages)
{
	struct yard_sched *sc = yard_sched_self();
	queue_t *q = mkq(0, &sinkb_init);
	mblk_t *mps[4];

	sc->sc_put_depth = YARD_PUT_DEPTH_MAX;
	put(q, seq_msg(0));
	sc->sc_put_depth = 0;
	for (uint32_t i = 0; i < 4; i++)
		mps[i] = seq_msg(i + 1);
	put_burst(q, mps, 4);
	cr_assert_eq(ngot, 0);
	cr_assert_eq(q->q_ndefer, 5);
	yt_drain();
	cr_assert_eq(ngot, 5);
	for (uint32_t i = 0; i < 5; i++)
		cr_assert_eq(got[i], i);
}

YT_TEST(put, qreply_goes_to_the_other_side)
{
	queue_t *wq = mkq(0, &pass_init);
	queue_t *rq = RD(wq);
	queue_t *up = mkq(1, &sink_init);       /* above us on the read side */
	queue_t *down = mkq(2, &sink_init);     /* below us on the write side */

	wq->q_next = down;
	rq->q_next = RD(up);
	cr_assert_eq(OTHERQ(wq), rq);
	qreply(wq, seq_msg(42));
	cr_assert_eq(ngot, 1);
	cr_assert_eq(got[0], 42);
	cr_assert_eq(last_q, RD(up), "the reply travels up the read side");
	cr_assert_eq(down->q_nput, 0);
}

YT_TEST(put, putctl_refuses_data_types_but_sends_m_delay_and_controls)
{
	queue_t *q = mkq(0, &sink_init);
	static const int refused[] = { M_DATA, M_PROTO, M_PCPROTO, M_MULTIDATA };
	static const int taken[] = { M_DELAY, M_FLUSH, M_CTL, M_HANGUP, M_START, M_IOCACK };

	for (unsigned i = 0; i < RTE_DIM(refused); i++) {
		cr_assert_eq(putctl(q, refused[i]), 0, "type %#x accepted", refused[i]);
		cr_assert_eq(putctl1(q, refused[i], 1), 0);
		cr_assert_eq(putnextctl(q, refused[i]), 0);
		cr_assert_eq(putnextctl1(q, refused[i], 1), 0);
	}
	cr_assert_eq(ngot, 0);
	for (unsigned i = 0; i < RTE_DIM(taken); i++)
		cr_assert_eq(putctl(q, taken[i]), 1, "type %#x refused", taken[i]);
	cr_assert_eq(ngot, RTE_DIM(taken));
	cr_assert_eq(q->q_nput, RTE_DIM(taken));
}

/* Records the type and the parameter byte of control messages. */
static int ctl_type[8], ctl_param[8], ctl_len[8];
static unsigned nctl;

static int
ctl_put(queue_t *q, mblk_t *mp)
{
	if (nctl < 8) {
		ctl_type[nctl] = DB_TYPE(mp);
		ctl_len[nctl] = (int)MBLKL(mp);
		ctl_param[nctl] = MBLKL(mp) ? mp->b_rptr[0] : -1;
		nctl++;
	}
	freemsg(mp);
	return 0;
}

static struct qinit ctl_init = { .qi_putp = ctl_put, .qi_minfo = &minfo };

YT_TEST(put, putctl1_and_putnextctl1_carry_one_parameter_byte)
{
	queue_t *a = mkq(0, &pass_init), *b = mkq(1, &ctl_init);

	a->q_next = b;
	cr_assert_eq(putctl1(b, M_FLUSH, FLUSHRW), 1);
	cr_assert_eq(putnextctl1(a, M_ERROR, 5), 1);
	cr_assert_eq(putnextctl(a, M_HANGUP), 1);
	cr_assert_eq(putctl(b, M_DELAY), 1);
	cr_assert_eq(nctl, 4);
	cr_assert_eq(ctl_type[0], M_FLUSH);
	cr_assert_eq(ctl_len[0], 1);
	cr_assert_eq(ctl_param[0], FLUSHRW);
	cr_assert_eq(ctl_type[1], M_ERROR);
	cr_assert_eq(ctl_param[1], 5);
	cr_assert_eq(ctl_type[2], M_HANGUP);
	cr_assert_eq(ctl_len[2], 0);
	cr_assert_eq(ctl_type[3], M_DELAY);
	cr_assert_eq(a->q_nput, 0, "putnextctl skips q itself");
	cr_assert_eq(b->q_nput, 4);
}
