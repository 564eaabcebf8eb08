/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for streams/flow.c: canput and friends through q_nfsrv, the QWANTW/back-enable
 * handshake with its low-water hysteresis, per-band flow control, qenable and the enabling
 * rules of putq, qprocson/qprocsoff. Streams are built by hand: pairs from allocq, q_next
 * linked top-down on the write side and bottom-up on the read side, q_nfsrv from
 * yard_set_nfsrv.
 */
#include "yard_test.h"

#include <criterion/parameterized.h> /* after criterion.h, or Test() is lost */

/* ---- fixtures ----------------------------------------------------------------------------- */

static int t_srv(queue_t *q)
{
	(void)q;
	return 0;
}

static int t_put(queue_t *q, mblk_t *mp)
{
	return putq(q, mp);
}

static struct module_info t_minfo = {
	.mi_idnum = 4343, .mi_idname = "tflow", .mi_minpsz = 0, .mi_maxpsz = INFPSZ,
	.mi_hiwat = 10, .mi_lowat = 5,
};
static struct qinit t_srvinit = { .qi_putp = t_put, .qi_srvp = t_srv, .qi_minfo = &t_minfo };
static struct qinit t_nosrvinit = { .qi_putp = t_put, .qi_minfo = &t_minfo };

#define T_MAXQ 6

/*
 * A stream of n queue pairs, p[0] at the top (the stream head's place), p[n-1] at the bottom
 * (the driver's); srv[i] says whether pair i has service procedures.
 */
static void
t_build(queue_t **p, int n, const int *srv)
{
	for (int i = 0; i < n; i++) {
		struct qinit *qi = srv[i] ? &t_srvinit : &t_nosrvinit;

		p[i] = allocq(qi, qi);
		cr_assert_not_null(p[i], "allocq");
	}
	for (int i = 0; i + 1 < n; i++) {
		WR(p[i])->q_next = WR(p[i + 1]);
		RD(p[i + 1])->q_next = RD(p[i]);
	}
	yard_set_nfsrv(WR(p[0]));
	yard_set_nfsrv(RD(p[n - 1]));
}

static void
t_free(queue_t **p, int n)
{
	for (int i = 0; i < n; i++)
		freeq(p[i]);
}

static int
t_on_runlist(const queue_t *q)
{
	int n = 0;

	for (const queue_t *p = yard_sched_self()->sc_runhead; p != NULL; p = p->q_link)
		n += p == q;
	return n;
}

static mblk_t *
t_data(size_t len)
{
	return yt_msg(M_DATA, len, 0x11);
}

static mblk_t *
t_band(unsigned char band, size_t len)
{
	mblk_t *mp = yt_msg(M_DATA, len, 0x22);

	mp->b_band = band;
	return mp;
}

/* Fill q with n messages of len bytes each (band `band`). */
static void
t_fill(queue_t *q, int n, size_t len, unsigned char band)
{
	for (int i = 0; i < n; i++)
		cr_assert_eq(putq(q, band ? t_band(band, len) : t_data(len)), 1);
}

/* Take off the run list and clear QENAB/QBACK everywhere: a clean slate for the next check. */
static void
t_unschedule(queue_t **p, int n)
{
	for (int i = 0; i < n; i++) {
		yard_sched_remove(yard_sched_self(), RD(p[i]));
		yard_sched_remove(yard_sched_self(), WR(p[i]));
		RD(p[i])->q_flag &= ~QBACK;
		WR(p[i])->q_flag &= ~QBACK;
	}
}

/* ---- canput, canputnext ------------------------------------------------------------------- */

TestSuite(canput, .init = yt_setup, .fini = yt_teardown);

YT_TEST(canput, returns_one_while_the_queue_is_not_full)
{
	queue_t *q = allocq(&t_srvinit, &t_srvinit);

	t_fill(q, 9, 1, 0);
	cr_assert_eq(canput(q), 1);
	cr_assert_not(q->q_flag & QWANTW, "no refusal, no QWANTW");
	freeq(q);
}

YT_TEST(canput, refuses_a_full_queue_and_sets_qwantw)
{
	queue_t *q = allocq(&t_srvinit, &t_srvinit);

	t_fill(q, 1, 10, 0);
	cr_assert(q->q_flag & QFULL);
	cr_assert_eq(canput(q), 0);
	cr_assert(q->q_flag & QWANTW);
	freeq(q);
}

YT_TEST(canput, asks_the_nearest_service_queue_through_q_nfsrv)
{
	queue_t *p[3];

	t_build(p, 3, (int[]){ 1, 0, 1 });
	t_fill(WR(p[2]), 10, 1, 0);
	cr_assert_eq(canput(WR(p[1])), 0, "the queue without a service procedure defers");
	cr_assert(WR(p[2])->q_flag & QWANTW, "QWANTW lands on the queue that is full");
	cr_assert_not(WR(p[1])->q_flag & QWANTW);
	t_free(p, 3);
}

YT_TEST(canput, canputnext_asks_q_next_nfsrv_not_q_itself)
{
	queue_t *p[3];

	t_build(p, 3, (int[]){ 1, 0, 1 });
	t_fill(WR(p[0]), 10, 1, 0);
	cr_assert_eq(canputnext(WR(p[0])), 1, "being full yourself does not matter");
	t_fill(WR(p[2]), 10, 1, 0);
	cr_assert_eq(canputnext(WR(p[0])), 0);
	cr_assert(WR(p[2])->q_flag & QWANTW);
	cr_assert_not(WR(p[1])->q_flag & QWANTW);
	cr_assert_not(WR(p[0])->q_flag & QWANTW);
	t_free(p, 3);
}

YT_TEST(canput, canputnext_at_a_stream_end_without_service_asks_the_last_queue)
{
	queue_t *p[2];

	t_build(p, 2, (int[]){ 1, 0 });
	cr_assert_eq(WR(p[1])->q_nfsrv, WR(p[1]));
	t_fill(WR(p[1]), 10, 1, 0);
	cr_assert_eq(canputnext(WR(p[0])), 0);
	cr_assert(WR(p[1])->q_flag & QWANTW);
	t_free(p, 2);
}

YT_TEST(canput, canputnext_on_the_read_side_looks_upstream)
{
	queue_t *p[3];

	t_build(p, 3, (int[]){ 1, 0, 1 });
	cr_assert_eq(RD(p[1])->q_nfsrv, RD(p[0]));
	t_fill(RD(p[0]), 1, 10, 0);
	cr_assert_eq(canputnext(RD(p[2])), 0);
	cr_assert(RD(p[0])->q_flag & QWANTW);
	t_free(p, 3);
}

YT_TEST(canput, bcanput_of_band_zero_is_canput)
{
	queue_t *q = allocq(&t_srvinit, &t_srvinit);

	cr_assert_eq(bcanput(q, 0), 1);
	t_fill(q, 10, 1, 0);
	cr_assert_eq(bcanput(q, 0), 0);
	cr_assert(q->q_flag & QWANTW);
	freeq(q);
}

YT_TEST(canput, bcanput_of_a_band_above_q_nband_returns_one_and_allocates_nothing)
{
	queue_t *q = allocq(&t_srvinit, &t_srvinit);

	t_fill(q, 1, 1, 2);
	cr_assert_eq(q->q_nband, 2);
	cr_assert_eq(bcanput(q, 3), 1);
	cr_assert_eq(bcanput(q, 255), 1);
	cr_assert_eq(q->q_nband, 2, "bcanput does not create bands");
	freeq(q);
}

YT_TEST(canput, bcanput_refuses_a_full_band_and_sets_qb_wantw)
{
	queue_t *q = allocq(&t_srvinit, &t_srvinit);

	t_fill(q, 10, 1, 2);
	cr_assert_eq(bcanput(q, 2), 0);
	cr_assert(yard_qband(q, 2)->qb_flag & QB_WANTW);
	cr_assert_not(q->q_flag & QWANTW, "band 0 was not asked");
	cr_assert_eq(bcanput(q, 1), 1, "another band is not full");
	cr_assert_eq(bcanput(q, 0), 1, "band 0 is not full");
	cr_assert_not(yard_qband(q, 1)->qb_flag & QB_WANTW);
	freeq(q);
}

YT_TEST(canput, bcanput_of_a_band_ignores_a_full_band_zero)
{
	queue_t *q = allocq(&t_srvinit, &t_srvinit);

	t_fill(q, 1, 1, 3);
	t_fill(q, 10, 1, 0);
	cr_assert(q->q_flag & QFULL);
	cr_assert_eq(bcanput(q, 3), 1);
	cr_assert_eq(bcanput(q, 1), 1);
	freeq(q);
}

YT_TEST(canput, bcanputnext_goes_through_q_nfsrv)
{
	queue_t *p[3];

	t_build(p, 3, (int[]){ 1, 0, 1 });
	t_fill(WR(p[2]), 10, 1, 4);
	cr_assert_eq(bcanputnext(WR(p[0]), 4), 0);
	cr_assert(yard_qband(WR(p[2]), 4)->qb_flag & QB_WANTW);
	cr_assert_eq(bcanputnext(WR(p[0]), 5), 1);
	cr_assert_eq(bcanputnext(WR(p[0]), 0), 1);
	t_free(p, 3);
}

/* ---- the back-enable handshake ------------------------------------------------------------ */

TestSuite(backenable, .init = yt_setup, .fini = yt_teardown);

/* A two-pair stream whose bottom write queue is full and has refused the top writer. */
static void
t_refused(queue_t **p, int nmsg, size_t len)
{
	t_build(p, 2, (int[]){ 1, 1 });
	t_fill(WR(p[1]), nmsg, len, 0);
	cr_assert(WR(p[1])->q_flag & QFULL);
	cr_assert_eq(canputnext(WR(p[0])), 0);
	cr_assert(WR(p[1])->q_flag & QWANTW);
	t_unschedule(p, 2);
}

YT_TEST(backenable, waits_until_both_counts_are_below_lowat)
{
	queue_t *p[2];

	t_refused(p, 10, 1); /* hiwat 10, lowat 5 */
	for (int i = 0; i < 5; i++) {
		freemsg(getq(WR(p[1])));
		cr_assert_not(WR(p[0])->q_flag & QENAB, "%d left: not below lowat yet", 9 - i);
		cr_assert(WR(p[1])->q_flag & QWANTW);
	}
	cr_assert_not(WR(p[1])->q_flag & QFULL, "between the marks");
	cr_assert_eq(WR(p[1])->q_count, 5);
	freemsg(getq(WR(p[1]))); /* 4 < 5 */
	cr_assert(WR(p[0])->q_flag & QENAB);
	cr_assert(WR(p[0])->q_flag & QBACK);
	cr_assert_eq(t_on_runlist(WR(p[0])), 1);
	cr_assert_not(WR(p[1])->q_flag & QWANTW, "the want is answered once");
	t_free(p, 2);
}

YT_TEST(backenable, holds_off_while_blocks_are_at_lowat_though_bytes_are_below)
{
	queue_t *p[2];

	t_refused(p, 10, 0); /* ten empty messages: 0 bytes, 10 blocks */
	for (int i = 0; i < 5; i++)
		freemsg(getq(WR(p[1])));
	cr_assert_eq(WR(p[1])->q_count, 0);
	cr_assert_eq(WR(p[1])->q_mblkcnt, 5);
	cr_assert_not(WR(p[0])->q_flag & QENAB, "blocks not below lowat");
	freemsg(getq(WR(p[1])));
	cr_assert(WR(p[0])->q_flag & QENAB);
	t_free(p, 2);
}

YT_TEST(backenable, holds_off_while_bytes_are_at_lowat_though_blocks_are_below)
{
	queue_t *p[2];

	t_build(p, 2, (int[]){ 1, 1 });
	t_fill(WR(p[1]), 1, 1, 0);
	t_fill(WR(p[1]), 1, 9, 0);
	t_fill(WR(p[1]), 1, 1, 0);
	cr_assert_eq(canputnext(WR(p[0])), 0);
	t_unschedule(p, 2);
	freemsg(getq(WR(p[1]))); /* left: 10 bytes in 2 blocks */
	cr_assert_not(WR(p[0])->q_flag & QENAB, "10 bytes is not below lowat 5");
	freemsg(getq(WR(p[1]))); /* left: 1 byte in 1 block */
	cr_assert(WR(p[0])->q_flag & QENAB, "1 byte, 1 block: both below");
	t_free(p, 2);

	t_build(p, 2, (int[]){ 1, 1 });
	t_fill(WR(p[1]), 1, 1, 0);
	t_fill(WR(p[1]), 1, 9, 0);
	cr_assert_eq(canputnext(WR(p[0])), 0);
	t_unschedule(p, 2);
	freemsg(getq(WR(p[1]))); /* left: 9 bytes in 1 block */
	cr_assert_not(WR(p[0])->q_flag & QENAB, "9 bytes is not below lowat 5");
	cr_assert(WR(p[1])->q_flag & QWANTW);
	t_free(p, 2);
}

YT_TEST(backenable, does_nothing_without_a_refused_writer)
{
	queue_t *p[2];

	t_build(p, 2, (int[]){ 1, 1 });
	t_fill(WR(p[1]), 10, 1, 0);
	t_unschedule(p, 2);
	for (int i = 0; i < 10; i++)
		freemsg(getq(WR(p[1])));
	cr_assert_not(WR(p[0])->q_flag & (QENAB | QBACK));
	cr_assert_null(yard_sched_self()->sc_runhead);
	t_free(p, 2);
}

YT_TEST(backenable, lowat_zero_back_enables_on_the_first_dequeue)
{
	queue_t *p[2];

	t_build(p, 2, (int[]){ 1, 1 });
	WR(p[1])->q_lowat = 0;
	t_fill(WR(p[1]), 10, 1, 0);
	cr_assert_eq(canputnext(WR(p[0])), 0);
	t_unschedule(p, 2);
	freemsg(getq(WR(p[1])));
	cr_assert(WR(p[0])->q_flag & QENAB, "lowat 0 means any dequeue answers the want");
	cr_assert(WR(p[0])->q_flag & QBACK);
	t_free(p, 2);
}

YT_TEST(backenable, finds_the_nearest_upstream_queue_with_a_service_procedure)
{
	queue_t *p[4];

	t_build(p, 4, (int[]){ 1, 0, 0, 1 });
	t_fill(WR(p[3]), 10, 1, 0);
	cr_assert_eq(canputnext(WR(p[0])), 0);
	t_unschedule(p, 4);
	for (int i = 0; i < 6; i++)
		freemsg(getq(WR(p[3])));
	cr_assert(WR(p[0])->q_flag & QBACK);
	cr_assert_eq(t_on_runlist(WR(p[0])), 1);
	cr_assert_not(WR(p[1])->q_flag & (QBACK | QENAB));
	cr_assert_not(WR(p[2])->q_flag & (QBACK | QENAB));
	cr_assert_not(RD(p[0])->q_flag & QENAB, "the other side is not involved");
	t_free(p, 4);
}

YT_TEST(backenable, stops_at_the_first_service_queue_upstream)
{
	queue_t *p[3];

	t_build(p, 3, (int[]){ 1, 1, 1 });
	t_fill(WR(p[2]), 10, 1, 0);
	cr_assert_eq(canput(WR(p[2])), 0);
	t_unschedule(p, 3);
	freemsg(getq(WR(p[2])));
	backenable(WR(p[2]), 0);
	cr_assert(WR(p[1])->q_flag & QENAB);
	cr_assert(WR(p[1])->q_flag & QBACK);
	cr_assert_not(WR(p[0])->q_flag & (QENAB | QBACK));
	t_free(p, 3);
}

YT_TEST(backenable, schedules_the_writer_even_under_noenable)
{
	queue_t *p[2];

	t_refused(p, 10, 1);
	noenable(WR(p[0]));
	for (int i = 0; i < 6; i++)
		freemsg(getq(WR(p[1])));
	cr_assert(WR(p[0])->q_flag & QENAB, "back-enabling ignores QNOENB");
	cr_assert(WR(p[0])->q_flag & QBACK);
	cr_assert_eq(t_on_runlist(WR(p[0])), 1);
	t_free(p, 2);
}

YT_TEST(backenable, on_the_read_side_schedules_the_queue_below)
{
	queue_t *p[3];

	t_build(p, 3, (int[]){ 1, 0, 1 });
	t_fill(RD(p[0]), 10, 1, 0);
	cr_assert_eq(canputnext(RD(p[2])), 0);
	t_unschedule(p, 3);
	for (int i = 0; i < 6; i++)
		freemsg(getq(RD(p[0])));
	cr_assert(RD(p[2])->q_flag & QBACK);
	cr_assert_eq(t_on_runlist(RD(p[2])), 1);
	t_free(p, 3);
}

YT_TEST(backenable, with_no_service_queue_upstream_does_nothing)
{
	queue_t *p[3];

	t_build(p, 3, (int[]){ 0, 0, 1 });
	cr_assert_null(backq(WR(p[0])));
	t_fill(WR(p[2]), 10, 1, 0);
	cr_assert_eq(canputnext(WR(p[0])), 0);
	t_unschedule(p, 3);
	for (int i = 0; i < 10; i++)
		freemsg(getq(WR(p[2])));
	cr_assert_not(WR(p[2])->q_flag & QWANTW, "the want was consumed");
	cr_assert_null(yard_sched_self()->sc_runhead);
	t_free(p, 3);
}

YT_TEST(backenable, of_a_band_sets_qb_back_on_the_writer_band)
{
	queue_t *p[2];

	t_build(p, 2, (int[]){ 1, 1 });
	t_fill(WR(p[1]), 10, 1, 3);
	cr_assert_eq(bcanputnext(WR(p[0]), 3), 0);
	t_unschedule(p, 2);
	cr_assert_eq(WR(p[0])->q_nband, 0);
	for (int i = 0; i < 5; i++)
		freemsg(getq(WR(p[1])));
	cr_assert_not(WR(p[0])->q_flag & QENAB, "band 3 holds 5: not below lowat");
	freemsg(getq(WR(p[1])));
	cr_assert(WR(p[0])->q_flag & QENAB);
	cr_assert_not(WR(p[0])->q_flag & QBACK, "band 0 was not back-enabled");
	cr_assert_geq(WR(p[0])->q_nband, 3, "the writer's band is allocated for QB_BACK");
	cr_assert(yard_qband(WR(p[0]), 3)->qb_flag & QB_BACK);
	cr_assert_not(yard_qband(WR(p[1]), 3)->qb_flag & QB_WANTW);
	t_free(p, 2);
}

YT_TEST(backenable, of_a_band_leaves_band_zero_waiting)
{
	queue_t *p[2];

	t_build(p, 2, (int[]){ 1, 1 });
	t_fill(WR(p[1]), 10, 1, 0);
	t_fill(WR(p[1]), 10, 1, 1);
	cr_assert_eq(canputnext(WR(p[0])), 0);
	cr_assert_eq(bcanputnext(WR(p[0]), 1), 0);
	t_unschedule(p, 2);
	for (int i = 0; i < 10; i++)
		freemsg(getq(WR(p[1]))); /* band 1 comes out first */
	cr_assert(WR(p[0])->q_flag & QENAB);
	cr_assert(yard_qband(WR(p[0]), 1)->qb_flag & QB_BACK);
	cr_assert_not(WR(p[0])->q_flag & QBACK);
	cr_assert(WR(p[1])->q_flag & QWANTW, "band 0 is still full");
	t_free(p, 2);
}

YT_TEST(backenable, rmvq_back_enables_like_getq)
{
	queue_t *p[2];

	t_refused(p, 10, 1);
	for (int i = 0; i < 6; i++) {
		mblk_t *mp = WR(p[1])->q_last;

		rmvq(WR(p[1]), mp);
		freemsg(mp);
	}
	cr_assert(WR(p[0])->q_flag & QBACK);
	cr_assert(WR(p[0])->q_flag & QENAB);
	t_free(p, 2);
}

YT_TEST(backenable, getq_burst_back_enables_once)
{
	queue_t *p[2];
	mblk_t *got[8];

	t_refused(p, 10, 1);
	cr_assert_eq(getq_burst(WR(p[1]), got, 8), 8);
	cr_assert(WR(p[0])->q_flag & QBACK);
	cr_assert_eq(t_on_runlist(WR(p[0])), 1);
	cr_assert_not(WR(p[1])->q_flag & QWANTW);
	freemsg_burst(got, 8);
	t_free(p, 2);
}

YT_TEST(backenable, getq_burst_back_enables_each_band_it_drained)
{
	queue_t *p[2];
	mblk_t *got[32];

	t_build(p, 2, (int[]){ 1, 1 });
	t_fill(WR(p[1]), 10, 1, 0);
	t_fill(WR(p[1]), 10, 1, 2);
	t_fill(WR(p[1]), 10, 1, 5);
	cr_assert_eq(canputnext(WR(p[0])), 0);
	cr_assert_eq(bcanputnext(WR(p[0]), 2), 0);
	cr_assert_eq(bcanputnext(WR(p[0]), 5), 0);
	t_unschedule(p, 2);
	cr_assert_eq(getq_burst(WR(p[1]), got, 30), 30);
	cr_assert(WR(p[0])->q_flag & QBACK);
	cr_assert(yard_qband(WR(p[0]), 2)->qb_flag & QB_BACK);
	cr_assert(yard_qband(WR(p[0]), 5)->qb_flag & QB_BACK);
	cr_assert_not(yard_qband(WR(p[0]), 3)->qb_flag & QB_BACK);
	cr_assert_eq(t_on_runlist(WR(p[0])), 1);
	freemsg_burst(got, 30);
	t_free(p, 2);
}

YT_TEST(backenable, flushq_answers_waiting_writers_of_every_band)
{
	queue_t *p[2];

	t_build(p, 2, (int[]){ 1, 1 });
	t_fill(WR(p[1]), 10, 1, 0);
	t_fill(WR(p[1]), 10, 1, 2);
	cr_assert_eq(canputnext(WR(p[0])), 0);
	cr_assert_eq(bcanputnext(WR(p[0]), 2), 0);
	t_unschedule(p, 2);
	flushq(WR(p[1]), FLUSHALL);
	cr_assert_not(WR(p[1])->q_flag & QWANTW);
	cr_assert_not(yard_qband(WR(p[1]), 2)->qb_flag & QB_WANTW);
	cr_assert(WR(p[0])->q_flag & QBACK);
	cr_assert(yard_qband(WR(p[0]), 2)->qb_flag & QB_BACK);
	cr_assert_eq(t_on_runlist(WR(p[0])), 1);
	t_free(p, 2);
}

YT_TEST(backenable, flushq_of_data_keeps_waiting_while_control_messages_hold_it_up)
{
	queue_t *p[2];

	t_build(p, 2, (int[]){ 1, 1 });
	cr_assert_eq(putq(WR(p[1]), yt_msg(M_IOCTL, 6, 0)), 1);
	t_fill(WR(p[1]), 4, 1, 0);
	cr_assert_eq(canputnext(WR(p[0])), 0);
	t_unschedule(p, 2);
	flushq(WR(p[1]), FLUSHDATA);
	cr_assert_eq(WR(p[1])->q_count, 6);
	cr_assert_not(WR(p[1])->q_flag & QFULL);
	cr_assert(WR(p[1])->q_flag & QWANTW, "6 bytes are not below lowat 5");
	cr_assert_not(WR(p[0])->q_flag & QBACK);
	flushq(WR(p[1]), FLUSHALL);
	cr_assert(WR(p[0])->q_flag & QBACK);
	t_free(p, 2);
}

YT_TEST(backenable, flushband_answers_band_zero_and_band_n)
{
	queue_t *p[2];

	t_build(p, 2, (int[]){ 1, 1 });
	t_fill(WR(p[1]), 10, 1, 0);
	t_fill(WR(p[1]), 10, 1, 4);
	cr_assert_eq(canputnext(WR(p[0])), 0);
	cr_assert_eq(bcanputnext(WR(p[0]), 4), 0);
	t_unschedule(p, 2);
	flushband(WR(p[1]), 4, FLUSHDATA);
	cr_assert(yard_qband(WR(p[0]), 4)->qb_flag & QB_BACK);
	cr_assert_not(WR(p[0])->q_flag & QBACK);
	cr_assert(WR(p[1])->q_flag & QWANTW);
	flushband(WR(p[1]), 0, FLUSHDATA);
	cr_assert(WR(p[0])->q_flag & QBACK);
	cr_assert_not(WR(p[1])->q_flag & QWANTW);
	t_free(p, 2);
}

YT_TEST(backenable, qbackenable_after_raising_lowat_answers_the_want)
{
	queue_t *p[2];

	t_refused(p, 10, 1);
	for (int i = 0; i < 4; i++)
		freemsg(getq(WR(p[1]))); /* 6 left: between the marks */
	cr_assert_not(WR(p[0])->q_flag & QENAB);
	cr_assert_eq(strqset(WR(p[1]), QLOWAT, 0, 8), 0);
	cr_assert_not(WR(p[0])->q_flag & QENAB, "strqset itself does not back-enable");
	qbackenable(WR(p[1]), 0);
	cr_assert(WR(p[0])->q_flag & QENAB, "the M_SETOPTS path calls qbackenable");
	t_free(p, 2);
}

YT_TEST(backenable, qbackenable_of_an_unallocated_band_does_nothing)
{
	queue_t *q = allocq(&t_srvinit, &t_srvinit);

	qbackenable(q, 9);
	cr_assert_eq(q->q_nband, 0);
	freeq(q);
}

YT_TEST(backenable, backq_walks_back_on_each_side_and_stops_at_the_ends)
{
	queue_t *p[3];

	t_build(p, 3, (int[]){ 1, 0, 1 });
	cr_assert_eq(backq(WR(p[2])), WR(p[1]));
	cr_assert_eq(backq(WR(p[1])), WR(p[0]));
	cr_assert_null(backq(WR(p[0])));
	cr_assert_eq(backq(RD(p[0])), RD(p[1]));
	cr_assert_eq(backq(RD(p[1])), RD(p[2]));
	cr_assert_null(backq(RD(p[2])));
	t_free(p, 3);
}

/* ---- enabling ----------------------------------------------------------------------------- */

TestSuite(qenable, .init = yt_setup, .fini = yt_teardown);

YT_TEST(qenable, twice_puts_the_queue_on_the_run_list_once)
{
	queue_t *q = allocq(&t_srvinit, &t_srvinit);
	struct yard_sched *sc = yard_sched_self();

	qenable(q);
	cr_assert(q->q_flag & QENAB);
	cr_assert_eq(sc->sc_runhead, q);
	cr_assert_eq(sc->sc_runtail, q);
	qenable(q);
	cr_assert_eq(t_on_runlist(q), 1);
	cr_assert_null(q->q_link);
	qenable(WR(q));
	cr_assert_eq(sc->sc_runhead, q);
	cr_assert_eq(q->q_link, WR(q));
	cr_assert_eq(sc->sc_runtail, WR(q));
	freeq(q);
}

YT_TEST(qenable, of_a_queue_without_a_service_procedure_does_nothing)
{
	queue_t *q = allocq(&t_nosrvinit, &t_nosrvinit);

	qenable(q);
	cr_assert_not(q->q_flag & QENAB);
	cr_assert_null(yard_sched_self()->sc_runhead);
	freeq(q);
}

YT_TEST(qenable, after_qprocsoff_does_nothing)
{
	queue_t *q = allocq(&t_srvinit, &t_srvinit);

	qprocsoff(q);
	qenable(q);
	qenable(WR(q));
	cr_assert_not(q->q_flag & QENAB);
	cr_assert_null(yard_sched_self()->sc_runhead);
	freeq(q);
}

YT_TEST(qenable, while_in_service_marks_qenab_without_enqueueing)
{
	queue_t *q = allocq(&t_srvinit, &t_srvinit);

	q->q_flag |= QINSERVICE;
	qenable(q);
	cr_assert(q->q_flag & QENAB, "the scheduler will run it once more");
	cr_assert_eq(t_on_runlist(q), 0);
	q->q_flag &= ~QINSERVICE;
	freeq(q);
}

static int t_self_runs;

static int
t_srv_reenable_once(queue_t *q)
{
	if (t_self_runs++ == 0) {
		qenable(q);
		cr_assert_eq(t_on_runlist(q), 0, "not enqueued while running");
	}
	return 0;
}

YT_TEST(qenable, from_its_own_service_procedure_runs_it_once_more)
{
	struct qinit qi = { .qi_putp = t_put, .qi_srvp = t_srv_reenable_once, .qi_minfo = &t_minfo };
	queue_t *q = allocq(&qi, &qi);

	t_self_runs = 0;
	qenable(q);
	yt_drain();
	cr_assert_eq(t_self_runs, 2);
	cr_assert_not(q->q_flag & (QENAB | QINSERVICE));
	freeq(q);
}

YT_TEST(qenable, noenable_and_enableok_toggle_qnoenb)
{
	queue_t *q = allocq(&t_srvinit, &t_srvinit);

	noenable(q);
	cr_assert(q->q_flag & QNOENB);
	cr_assert_not(canenable(q));
	enableok(q);
	cr_assert_not(q->q_flag & QNOENB);
	cr_assert(canenable(q));
	freeq(q);
}

YT_TEST(qenable, qenable_itself_ignores_noenable)
{
	queue_t *q = allocq(&t_srvinit, &t_srvinit);

	noenable(q);
	qenable(q);
	cr_assert(q->q_flag & QENAB);
	freeq(q);
}

/* The enabling rule of putq, one row per case. */
struct enab_case {
	unsigned char type;
	unsigned char band;
	int qwantr;
	int noenb;
	int enables;
};

ParameterizedTestParameters(qenable, putq_follows_the_illumos_enabling_rule)
{
	static struct enab_case cases[] = {
		/* band 0 normal: only when a getq found the queue empty */
		{ M_DATA, 0, 1, 0, 1 }, { M_DATA, 0, 0, 0, 0 },
		{ M_DATA, 0, 1, 1, 0 }, { M_PROTO, 0, 0, 0, 0 },
		/* bands: always, unless noenable */
		{ M_DATA, 1, 0, 0, 1 }, { M_PROTO, 7, 0, 0, 1 },
		{ M_DATA, 1, 1, 1, 0 }, { M_DATA, 1, 0, 1, 0 },
		/* high priority: always, even under noenable */
		{ M_PCPROTO, 0, 0, 0, 1 }, { M_PCPROTO, 0, 0, 1, 1 },
		{ M_FLUSH, 0, 1, 1, 1 }, { M_IOCACK, 3, 0, 1, 1 },
	};

	return cr_make_param_array(struct enab_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct enab_case *c, qenable, putq_follows_the_illumos_enabling_rule)
{
	queue_t *q = allocq(&t_srvinit, &t_srvinit);
	mblk_t *mp = yt_msg(c->type, 1, 0);

	mp->b_band = c->band;
	if (!c->qwantr)
		q->q_flag &= ~QWANTR;
	if (c->noenb)
		noenable(q);
	cr_assert_eq(putq(q, mp), 1);
	cr_assert_eq(!!(q->q_flag & QENAB), c->enables, "type %#x band %u qwantr %d noenb %d",
		     c->type, c->band, c->qwantr, c->noenb);
	cr_assert_eq(t_on_runlist(q), c->enables);
	freeq(q);
	yt_end_of_test();
}

YT_TEST(qenable, getq_on_empty_then_putq_enables)
{
	queue_t *q = allocq(&t_srvinit, &t_srvinit);

	cr_assert_eq(putq(q, t_data(1)), 1);
	yard_sched_remove(yard_sched_self(), q);
	freemsg(getq(q));
	cr_assert_not(q->q_flag & QWANTR);
	cr_assert_eq(putq(q, t_data(1)), 1);
	cr_assert_not(q->q_flag & QENAB, "a reader did not find it empty");
	freemsg(getq(q));
	cr_assert_null(getq(q));
	cr_assert(q->q_flag & QWANTR);
	cr_assert_eq(putq(q, t_data(1)), 1);
	cr_assert(q->q_flag & QENAB, "the reader that found it empty is woken");
	freeq(q);
}

/* ---- qprocson, qprocsoff ------------------------------------------------------------------ */

TestSuite(qprocs, .init = yt_setup, .fini = yt_teardown);

YT_TEST(qprocs, on_sets_qprocson_on_both_queues)
{
	queue_t *q = allocq(&t_srvinit, &t_srvinit);

	qprocson(q);
	cr_assert(q->q_flag & QPROCSON);
	cr_assert(WR(q)->q_flag & QPROCSON);
	cr_assert_not(q->q_flag & QENAB, "nothing waits: nothing is enabled");
	freeq(q);
}

YT_TEST(qprocs, off_closes_both_queues_and_takes_them_off_the_run_list)
{
	queue_t *q = allocq(&t_srvinit, &t_srvinit);
	queue_t *other = allocq(&t_srvinit, &t_srvinit);

	qprocson(q);
	qenable(q);
	qenable(other);
	qenable(WR(q));
	qprocsoff(WR(q));
	cr_assert(q->q_flag & QWCLOSE);
	cr_assert(WR(q)->q_flag & QWCLOSE);
	cr_assert_not(q->q_flag & (QPROCSON | QENAB));
	cr_assert_not(WR(q)->q_flag & (QPROCSON | QENAB));
	cr_assert_eq(yard_sched_self()->sc_runhead, other);
	cr_assert_eq(yard_sched_self()->sc_runtail, other);
	freeq(q);
	freeq(other);
}

YT_TEST(qprocs, on_after_off_lets_the_queue_be_enabled_again)
{
	queue_t *q = allocq(&t_srvinit, &t_srvinit);

	qprocsoff(q);
	qprocson(q);
	cr_assert_not(q->q_flag & QWCLOSE);
	qenable(q);
	cr_assert_eq(t_on_runlist(q), 1);
	freeq(q);
}

/* Insert pair `mid` between p[0] and p[1] of a two-pair stream, as I_PUSH does. */
static void
t_insert(queue_t **p, queue_t *mid)
{
	WR(p[0])->q_next = WR(mid);
	WR(mid)->q_next = WR(p[1]);
	RD(p[1])->q_next = RD(mid);
	RD(mid)->q_next = RD(p[0]);
	yard_set_nfsrv(WR(p[0]));
	yard_set_nfsrv(RD(p[1]));
}

YT_TEST(qprocs, on_enables_an_inserted_queue_whose_next_service_queue_has_qwantw)
{
	queue_t *p[2], *mid = allocq(&t_srvinit, &t_srvinit);

	t_refused(p, 10, 1);
	t_insert(p, mid);
	qprocson(mid);
	cr_assert(WR(mid)->q_flag & QENAB, "the new writer must hear of the refusal");
	cr_assert_eq(t_on_runlist(WR(mid)), 1);
	cr_assert_not(RD(mid)->q_flag & QENAB, "nothing waits on the read side");
	t_free(p, 2);
	freeq(mid);
}

YT_TEST(qprocs, on_enables_an_inserted_queue_whose_next_service_queue_has_qb_wantw)
{
	queue_t *p[2], *mid = allocq(&t_srvinit, &t_srvinit);

	t_build(p, 2, (int[]){ 1, 1 });
	t_fill(RD(p[0]), 10, 1, 6);
	cr_assert_eq(bcanputnext(RD(p[1]), 6), 0);
	t_unschedule(p, 2);
	t_insert(p, mid);
	qprocson(mid);
	cr_assert(RD(mid)->q_flag & QENAB);
	cr_assert_not(WR(mid)->q_flag & QENAB);
	t_free(p, 2);
	freeq(mid);
}

YT_TEST(qprocs, on_does_not_enable_an_inserted_queue_without_a_service_procedure)
{
	queue_t *p[2], *mid = allocq(&t_nosrvinit, &t_nosrvinit);

	t_refused(p, 10, 1);
	t_insert(p, mid);
	qprocson(mid);
	cr_assert_not(WR(mid)->q_flag & QENAB);
	cr_assert(WR(mid)->q_flag & QPROCSON);
	cr_assert_null(yard_sched_self()->sc_runhead);
	t_free(p, 2);
	freeq(mid);
}

/* ---- end to end: a writer paced by a slow reader ------------------------------------------ */

#define T_E2E_N 200

static int t_writer_backs;     /* writer runs that saw QBACK */
static int t_reader_runs;
static mblk_t *t_received[T_E2E_N];
static int t_nreceived;

/* Writer: forward while the next queue takes it; on refusal put back and wait. */
static int
t_writer_srv(queue_t *q)
{
	mblk_t *mp;

	if (q->q_flag & QBACK)
		t_writer_backs++;
	while ((mp = getq(q)) != NULL) {
		if (!canputnext(q)) {
			cr_assert_eq(putbq(q, mp), 1);
			return 0;
		}
		cr_assert_eq(putq(q->q_next, mp), 1);
	}
	return 0;
}

/* Reader: takes three messages a run, then asks to run again. */
static int
t_reader_srv(queue_t *q)
{
	mblk_t *mp;

	t_reader_runs++;
	for (int i = 0; i < 3 && (mp = getq(q)) != NULL; i++) {
		cr_assert_lt(t_nreceived, T_E2E_N);
		t_received[t_nreceived++] = mp;
	}
	if (q->q_first != NULL)
		qenable(q);
	return 0;
}

YT_TEST(backenable, paces_a_writer_to_a_slow_reader_without_loss_or_reordering)
{
	struct qinit wqi = { .qi_putp = t_put, .qi_srvp = t_writer_srv, .qi_minfo = &t_minfo };
	struct qinit rqi = { .qi_putp = t_put, .qi_srvp = t_reader_srv, .qi_minfo = &t_minfo };
	queue_t *top = allocq(&t_srvinit, &wqi);
	queue_t *bot = allocq(&t_srvinit, &rqi);
	mblk_t *sent[T_E2E_N];

	WR(top)->q_next = WR(bot);
	RD(bot)->q_next = RD(top);
	yard_set_nfsrv(WR(top));
	yard_set_nfsrv(RD(bot));
	WR(top)->q_hiwat = 1 << 20; /* the writer's own queue holds the whole backlog */
	t_writer_backs = t_reader_runs = t_nreceived = 0;
	for (int i = 0; i < T_E2E_N; i++) {
		sent[i] = t_data(1);
		cr_assert_eq(putq(WR(top), sent[i]), 1);
	}
	yt_drain();
	cr_assert_eq(t_nreceived, T_E2E_N);
	for (int i = 0; i < T_E2E_N; i++)
		cr_assert_eq(t_received[i], sent[i], "message %d reordered", i);
	cr_assert_geq(t_writer_backs, T_E2E_N / 10, "the writer was paced by back-enabling");
	cr_assert_geq(t_reader_runs, T_E2E_N / 3);
	cr_assert_leq(WR(bot)->q_mblkcnt, 0);
	cr_assert_not(WR(bot)->q_flag & QWANTW);
	cr_assert_not(WR(top)->q_flag & QBACK, "the scheduler clears QBACK after the run");
	freemsg_burst(t_received, T_E2E_N);
	freeq(top);
	freeq(bot);
}
