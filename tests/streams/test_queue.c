/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for streams/queue.c: queue pairs, the ordered message list (putq, putbq, insq, rmvq,
 * getq and their bursts), accounting and QFULL, flushing, qsize and strqget/strqset.
 * Flow control across queues (canput, back-enabling, qenable) is in test_flow.c.
 */
#include <stdlib.h>
#include <string.h>

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
	.mi_idnum = 4242, .mi_idname = "tqueue", .mi_minpsz = 0, .mi_maxpsz = INFPSZ,
	.mi_hiwat = 1000, .mi_lowat = 100,
};
static struct module_info t_minfo2 = {
	.mi_idnum = 4243, .mi_idname = "tqueue2", .mi_minpsz = 8, .mi_maxpsz = 512,
	.mi_hiwat = 77, .mi_lowat = 7,
};
static struct qinit t_srvinit = { .qi_putp = t_put, .qi_srvp = t_srv, .qi_minfo = &t_minfo };
static struct qinit t_nosrvinit = { .qi_putp = t_put, .qi_minfo = &t_minfo };
static struct qinit t_srvinit2 = { .qi_putp = t_put, .qi_srvp = t_srv, .qi_minfo = &t_minfo2 };

/* A queue pair whose queues both have service procedures; returns the read queue. */
static queue_t *
t_pair(void)
{
	queue_t *rq = allocq(&t_srvinit, &t_srvinit);

	cr_assert_not_null(rq, "allocq failed");
	return rq;
}

static mblk_t *
t_data(size_t len)
{
	return yt_msg(M_DATA, len, 0xa5);
}

static mblk_t *
t_band(unsigned char band, size_t len)
{
	mblk_t *mp = yt_msg(M_DATA, len, 0x5a);

	mp->b_band = band;
	return mp;
}

static mblk_t *
t_hipri(size_t len)
{
	return yt_msg(M_PCPROTO, len, 0x77);
}

/* Times q appears on the calling lcore's run list. */
static int
t_on_runlist(const queue_t *q)
{
	int n = 0;

	for (const queue_t *p = yard_sched_self()->sc_runhead; p != NULL; p = p->q_link)
		n += p == q;
	return n;
}

static unsigned
t_rank(const mblk_t *mp)
{
	return DB_TYPE(mp) >= QPCTL ? 256 : mp->b_band;
}

/*
 * Check every invariant of a queue's list: links both ways, q_last, order by rank, each band's
 * first/last and counts, band-0 counts, and QFULL/QB_FULL against the water marks (valid while
 * the marks have not been changed under a loaded queue).
 */
static void
t_check_queue(queue_t *q, int check_full)
{
	size_t count[NBAND] = {0}, blocks[NBAND] = {0};
	mblk_t *first[NBAND] = {0}, *last[NBAND] = {0};
	mblk_t *prev = NULL;
	unsigned prank = 257;

	for (mblk_t *mp = q->q_first; mp != NULL; prev = mp, mp = mp->b_next) {
		unsigned r = t_rank(mp);
		unsigned b = r == 256 ? 0 : r;
		size_t nb;

		cr_assert_eq(mp->b_prev, prev, "b_prev broken");
		cr_assert_leq(r, prank, "list out of rank order");
		if (r == 256)
			cr_assert_eq(mp->b_band, 0, "high priority message with a band");
		prank = r;
		count[b] += mp_cont_len(mp, &nb);
		blocks[b] += nb;
		if (r != 256 && b != 0) {
			if (first[b] == NULL)
				first[b] = mp;
			last[b] = mp;
		}
	}
	cr_assert_eq(q->q_last, prev, "q_last broken");
	cr_assert_eq(q->q_count, count[0], "q_count %zu, expected %zu", q->q_count, count[0]);
	cr_assert_eq(q->q_mblkcnt, blocks[0], "q_mblkcnt");
	if (check_full) {
		int full = blocks[0] > 0 && (count[0] >= q->q_hiwat || blocks[0] >= q->q_hiwat);

		cr_assert_eq(!!(q->q_flag & QFULL), full, "QFULL wrong");
	}
	for (unsigned b = 1; b <= q->q_nband; b++) {
		qband_t *qbp = yard_qband(q, (unsigned char)b);

		cr_assert_not_null(qbp);
		cr_assert_eq(qbp->qb_first, first[b], "band %u qb_first", b);
		cr_assert_eq(qbp->qb_last, last[b], "band %u qb_last", b);
		cr_assert_eq(qbp->qb_count, count[b], "band %u qb_count", b);
		cr_assert_eq(qbp->qb_mblkcnt, blocks[b], "band %u qb_mblkcnt", b);
		if (check_full) {
			int full = blocks[b] > 0 &&
				   (count[b] >= qbp->qb_hiwat || blocks[b] >= qbp->qb_hiwat);

			cr_assert_eq(!!(qbp->qb_flag & QB_FULL), full, "band %u QB_FULL wrong", b);
		}
	}
	for (unsigned b = q->q_nband + 1; b < NBAND; b++)
		cr_assert_eq(blocks[b], 0, "message in unallocated band %u", b);
}

/* Assert q holds exactly exp[0..n-1], in that order. */
static void
t_expect_order(queue_t *q, mblk_t **exp, int n)
{
	int i = 0;

	for (mblk_t *mp = q->q_first; mp != NULL; mp = mp->b_next, i++) {
		cr_assert_lt(i, n, "more messages than expected");
		cr_assert_eq(mp, exp[i], "message %d out of place", i);
	}
	cr_assert_eq(i, n, "%d messages, expected %d", i, n);
	t_check_queue(q, 1);
}

/* ---- allocq, setq, freeq, yard_set_nfsrv -------------------------------------------------- */

TestSuite(allocq, .init = yt_setup, .fini = yt_teardown);

YT_TEST(allocq, marks_read_queue_qreadr_and_both_quse_qwantr)
{
	queue_t *rq = t_pair();
	queue_t *wq = WR(rq);

	cr_assert_eq(wq, rq + 1);
	cr_assert(rq->q_flag & QREADR);
	cr_assert_not(wq->q_flag & QREADR);
	cr_assert_eq(rq->q_flag & (QUSE | QWANTR), QUSE | QWANTR);
	cr_assert_eq(wq->q_flag & (QUSE | QWANTR), QUSE | QWANTR);
	cr_assert_eq(RD(wq), rq);
	cr_assert_eq(OTHERQ(rq), wq);
	cr_assert_eq(OTHERQ(wq), rq);
	cr_assert_null(rq->q_first);
	cr_assert_null(rq->q_next);
	cr_assert_eq(rq->q_nband, 0);
	freeq(rq);
}

YT_TEST(allocq, takes_procedures_and_water_marks_from_each_side)
{
	queue_t *rq = allocq(&t_srvinit, &t_srvinit2);
	queue_t *wq = WR(rq);

	cr_assert_not_null(rq);
	cr_assert_eq(rq->q_qinfo, &t_srvinit);
	cr_assert_eq(wq->q_qinfo, &t_srvinit2);
	cr_assert_eq(rq->q_hiwat, 1000);
	cr_assert_eq(rq->q_lowat, 100);
	cr_assert_eq(rq->q_maxpsz, INFPSZ);
	cr_assert_eq(wq->q_hiwat, 77);
	cr_assert_eq(wq->q_lowat, 7);
	cr_assert_eq(wq->q_minpsz, 8);
	cr_assert_eq(wq->q_maxpsz, 512);
	freeq(rq);
}

YT_TEST(allocq, gives_the_calling_lcore_scheduler_and_self_nfsrv)
{
	queue_t *rq = t_pair();

	cr_assert_eq(rq->q_sched, yard_sched_self());
	cr_assert_eq(WR(rq)->q_sched, yard_sched_self());
	cr_assert_eq(rq->q_nfsrv, rq);
	cr_assert_eq(WR(rq)->q_nfsrv, WR(rq));
	freeq(rq);
}

YT_TEST(allocq, setq_replaces_procedures_and_water_marks)
{
	queue_t *rq = t_pair();

	rq->q_flag &= ~QWANTR;
	setq(rq, &t_srvinit2, &t_nosrvinit);
	cr_assert_eq(rq->q_qinfo, &t_srvinit2);
	cr_assert_eq(WR(rq)->q_qinfo, &t_nosrvinit);
	cr_assert_eq(rq->q_hiwat, 77);
	cr_assert_eq(rq->q_lowat, 7);
	cr_assert_eq(WR(rq)->q_hiwat, 1000);
	cr_assert(rq->q_flag & QWANTR, "setq starts the queue with QWANTR");
	freeq(rq);
}

YT_TEST(allocq, freeq_frees_queued_messages_and_bands)
{
	queue_t *rq = t_pair();

	cr_assert_eq(putq(rq, t_data(10)), 1);
	cr_assert_eq(putq(rq, t_band(5, 10)), 1);
	cr_assert_eq(putq(WR(rq), t_hipri(3)), 1);
	cr_assert_eq(rq->q_nband, 5);
	cr_assert_eq(yt_msgs_outstanding(), 3);
	freeq(rq);
	cr_assert_eq(yt_msgs_outstanding(), 0);
}

YT_TEST(allocq, freeq_takes_enabled_queues_off_the_run_list)
{
	queue_t *rq = t_pair();
	queue_t *other = t_pair();

	qenable(other);
	qenable(rq);
	qenable(WR(rq));
	cr_assert_eq(t_on_runlist(rq), 1);
	freeq(rq);
	cr_assert_eq(yard_sched_self()->sc_runhead, other);
	cr_assert_null(other->q_link);
	cr_assert_eq(yard_sched_self()->sc_runtail, other);
	freeq(other);
	cr_assert_null(yard_sched_self()->sc_runhead);
}

YT_TEST(allocq, freeq_drops_messages_deferred_to_its_queues)
{
	queue_t *rq = t_pair();
	queue_t *other = t_pair();
	struct yard_sched *sc = yard_sched_self();
	mblk_t *keep = t_data(1);

	yard_sched_defer(sc, rq, t_data(1));
	yard_sched_defer(sc, other, keep);
	yard_sched_defer(sc, WR(rq), t_data(2));
	cr_assert_eq(yt_msgs_outstanding(), 3);
	freeq(rq);
	cr_assert_eq(yt_msgs_outstanding(), 1, "only the other queue's message is left");
	cr_assert_eq(sc->sc_deferhead, keep);
	yt_drain(); /* delivers it: t_put queues it on `other` */
	cr_assert_eq(other->q_first, keep);
	freeq(other);
}

YT_TEST(allocq, set_nfsrv_points_each_queue_at_the_nearest_service_queue)
{
	/* write side: q0(srv) -> q1 -> q2 -> q3(srv) -> q4 -> q5 (end, no srv) */
	struct qinit *kinds[6] = { &t_srvinit, &t_nosrvinit, &t_nosrvinit,
				   &t_srvinit, &t_nosrvinit, &t_nosrvinit };
	int expect[6] = { 0, 3, 3, 3, 5, 5 };
	queue_t *rq[6];

	for (int i = 0; i < 6; i++) {
		rq[i] = allocq(kinds[i], kinds[i]);
		cr_assert_not_null(rq[i]);
	}
	for (int i = 0; i < 5; i++) {
		WR(rq[i])->q_next = WR(rq[i + 1]);
		rq[i + 1]->q_next = rq[i];
	}
	yard_set_nfsrv(WR(rq[0]));
	yard_set_nfsrv(rq[5]);
	for (int i = 0; i < 6; i++)
		cr_assert_eq(WR(rq[i])->q_nfsrv, WR(rq[expect[i]]), "write queue %d", i);
	/* read side runs 5 -> 0: 5, 4 -> 3(srv); 2, 1 -> 0(srv) */
	int rexpect[6] = { 0, 0, 0, 3, 3, 3 };

	for (int i = 0; i < 6; i++)
		cr_assert_eq(rq[i]->q_nfsrv, rq[rexpect[i]], "read queue %d", i);
	for (int i = 0; i < 6; i++)
		freeq(rq[i]);
}

YT_TEST(allocq, set_nfsrv_is_recomputed_after_a_pop)
{
	queue_t *a = allocq(&t_srvinit, &t_srvinit);
	queue_t *b = allocq(&t_nosrvinit, &t_nosrvinit);
	queue_t *c = allocq(&t_srvinit, &t_srvinit);

	WR(a)->q_next = WR(b);
	WR(b)->q_next = WR(c);
	yard_set_nfsrv(WR(a));
	cr_assert_eq(WR(b)->q_nfsrv, WR(c));
	/* replace c by a bottom without a service procedure: b and the new end are their own */
	queue_t *d = allocq(&t_nosrvinit, &t_nosrvinit);

	WR(b)->q_next = WR(d);
	yard_set_nfsrv(WR(a));
	cr_assert_eq(WR(a)->q_nfsrv, WR(a));
	cr_assert_eq(WR(b)->q_nfsrv, WR(d));
	cr_assert_eq(WR(d)->q_nfsrv, WR(d));
	freeq(a);
	freeq(b);
	freeq(c);
	freeq(d);
}

/* ---- putq and getq ordering --------------------------------------------------------------- */

TestSuite(putq, .init = yt_setup, .fini = yt_teardown);

YT_TEST(putq, then_getq_is_fifo)
{
	queue_t *q = t_pair();
	mblk_t *m[16];

	for (int i = 0; i < 16; i++) {
		m[i] = t_data((size_t)i);
		cr_assert_eq(putq(q, m[i]), 1);
	}
	t_expect_order(q, m, 16);
	for (int i = 0; i < 16; i++) {
		mblk_t *mp = getq(q);

		cr_assert_eq(mp, m[i], "message %d", i);
		cr_assert_null(mp->b_next);
		cr_assert_null(mp->b_prev);
		freemsg(mp);
	}
	cr_assert_null(getq(q));
	freeq(q);
}

YT_TEST(putq, puts_high_priority_ahead_of_bands_ahead_of_band_zero)
{
	queue_t *q = t_pair();
	mblk_t *a0 = t_data(1), *b1 = t_band(1, 1), *h1 = t_hipri(1), *d2 = t_band(2, 1);
	mblk_t *h2 = t_hipri(1), *f0 = t_data(1), *g1 = t_band(1, 1), *e2 = t_band(2, 1);
	mblk_t *in[] = { a0, b1, h1, d2, h2, f0, g1, e2 };
	mblk_t *out[] = { h1, h2, d2, e2, b1, g1, a0, f0 };

	for (unsigned i = 0; i < 8; i++)
		cr_assert_eq(putq(q, in[i]), 1);
	t_expect_order(q, out, 8);
	for (unsigned i = 0; i < 8; i++) {
		mblk_t *mp = getq(q);

		cr_assert_eq(mp, out[i]);
		freemsg(mp);
	}
	freeq(q);
}

/* A sequence of putq (or putbq) calls: '0'-'9' a band, 'H' a high-priority message. */
struct order_case {
	char seq[24];
	int back; /* putbq instead of putq */
};

ParameterizedTestParameters(putq, keeps_rank_order_fifo_within_rank)
{
	static struct order_case cases[] = {
		{ "0000", 0 }, { "H0H0", 0 }, { "0H", 0 }, { "10", 0 }, { "01", 0 },
		{ "0123", 0 }, { "3210", 0 }, { "1H1H0", 0 }, { "20102", 0 },
		{ "H9H1H5", 0 }, { "0519H5190", 0 }, { "11122233H", 0 }, { "9", 0 },
		{ "0000", 1 }, { "H0H0", 1 }, { "0H", 1 }, { "0123", 1 }, { "3210", 1 },
		{ "1H1H0", 1 }, { "20102", 1 }, { "0519H5190", 1 }, { "11122233H", 1 },
	};

	return cr_make_param_array(struct order_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct order_case *c, putq, keeps_rank_order_fifo_within_rank)
{
	queue_t *q = t_pair();
	mblk_t *in[24], *out[24];
	int n = (int)strlen(c->seq), k = 0;

	for (int i = 0; i < n; i++) {
		in[i] = c->seq[i] == 'H' ? t_hipri(2) : t_band((unsigned char)(c->seq[i] - '0'), 2);
		cr_assert_eq((c->back ? putbq : putq)(q, in[i]), 1);
		t_check_queue(q, 1);
	}
	/* expected: by rank, highest first; putq keeps arrival order in a rank, putbq reverses it */
	for (int r = 256; r >= 0; r--) {
		if (c->back) {
			for (int i = n - 1; i >= 0; i--)
				if ((int)t_rank(in[i]) == r)
					out[k++] = in[i];
		} else {
			for (int i = 0; i < n; i++)
				if ((int)t_rank(in[i]) == r)
					out[k++] = in[i];
		}
	}
	t_expect_order(q, out, n);
	flushq(q, FLUSHALL);
	freeq(q);
	yt_end_of_test();
}

YT_TEST(putq, forces_band_zero_on_high_priority_messages)
{
	queue_t *q = t_pair();
	mblk_t *mp = t_hipri(4);

	mp->b_band = 7;
	cr_assert_eq(putq(q, mp), 1);
	cr_assert_eq(mp->b_band, 0);
	cr_assert_eq(q->q_nband, 0, "no band allocated for a high-priority message");
	cr_assert_eq(q->q_count, 4, "high priority is charged to band 0");
	freeq(q);
}

YT_TEST(putq, allocates_bands_lazily_inheriting_water_marks)
{
	queue_t *q = t_pair();

	q->q_hiwat = 500;
	q->q_lowat = 50;
	cr_assert_null(q->q_bandp);
	cr_assert_null(yard_qband(q, 1));
	cr_assert_eq(putq(q, t_band(3, 10)), 1);
	cr_assert_eq(q->q_nband, 3);
	for (unsigned char b = 1; b <= 3; b++) {
		qband_t *qbp = yard_qband(q, b);

		cr_assert_not_null(qbp, "band %u", b);
		cr_assert_eq(qbp->qb_hiwat, 500);
		cr_assert_eq(qbp->qb_lowat, 50);
	}
	cr_assert_eq(yard_qband(q, 1), q->q_bandp, "band 1 heads the list");
	cr_assert_null(yard_qband(q, 0));
	cr_assert_null(yard_qband(q, 4));
	cr_assert_eq(yard_qband(q, 3)->qb_count, 10);
	cr_assert_eq(q->q_count, 0, "band messages are not charged to band 0");
	/* a lower band reuses what is there */
	cr_assert_eq(putq(q, t_band(2, 5)), 1);
	cr_assert_eq(q->q_nband, 3);
	t_check_queue(q, 1);
	freeq(q);
}

YT_TEST(putq, counts_bytes_and_blocks_over_b_cont)
{
	queue_t *q = t_pair();
	mblk_t *mp = t_data(10);

	linkb(mp, t_data(20));
	linkb(mp, yt_msg(M_DATA, 30, 0));
	cr_assert_eq(putq(q, mp), 1);
	cr_assert_eq(q->q_count, 60);
	cr_assert_eq(q->q_mblkcnt, 3);
	mp = getq(q);
	cr_assert_eq(q->q_count, 0);
	cr_assert_eq(q->q_mblkcnt, 0);
	freemsg(mp);
	freeq(q);
}

YT_TEST(putq, counts_band_bytes_and_blocks_in_the_band)
{
	queue_t *q = t_pair();
	mblk_t *mp = t_band(2, 8);

	linkb(mp, t_data(8));
	cr_assert_eq(putq(q, mp), 1);
	cr_assert_eq(yard_qband(q, 2)->qb_count, 16);
	cr_assert_eq(yard_qband(q, 2)->qb_mblkcnt, 2);
	cr_assert_eq(yard_qband(q, 1)->qb_count, 0);
	cr_assert_eq(q->q_mblkcnt, 0);
	freeq(q);
}

/* ---- QFULL -------------------------------------------------------------------------------- */

TestSuite(qfull, .init = yt_setup, .fini = yt_teardown);

YT_TEST(qfull, is_set_at_hiwat_by_bytes)
{
	queue_t *q = t_pair();

	q->q_hiwat = 100;
	cr_assert_eq(putq(q, t_data(99)), 1);
	cr_assert_not(q->q_flag & QFULL, "99 < 100");
	cr_assert_eq(putq(q, t_data(1)), 1);
	cr_assert(q->q_flag & QFULL, "count >= hiwat");
	freeq(q);
}

YT_TEST(qfull, is_set_at_hiwat_by_message_blocks)
{
	queue_t *q = t_pair();

	q->q_hiwat = 4;
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(putq(q, t_data(0)), 1);
		cr_assert_not(q->q_flag & QFULL, "%d blocks", i + 1);
	}
	cr_assert_eq(putq(q, t_data(0)), 1);
	cr_assert(q->q_flag & QFULL, "zero-length messages fill the queue by block count");
	cr_assert_eq(q->q_count, 0);
	cr_assert_eq(q->q_mblkcnt, 4);
	freeq(q);
}

YT_TEST(qfull, stays_set_while_blocks_are_at_hiwat_though_bytes_are_below)
{
	queue_t *q = t_pair();
	mblk_t *big = t_data(20);

	q->q_hiwat = 10;
	cr_assert_eq(putq(q, big), 1);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(putq(q, t_data(0)), 1);
	cr_assert(q->q_flag & QFULL);
	freemsg(getq(q)); /* the 20 bytes: count 0, blocks 10 */
	cr_assert_eq(q->q_count, 0);
	cr_assert_eq(q->q_mblkcnt, 10);
	cr_assert(q->q_flag & QFULL, "blocks still >= hiwat");
	freemsg(getq(q)); /* blocks 9 */
	cr_assert_not(q->q_flag & QFULL, "both below hiwat");
	freeq(q);
}

YT_TEST(qfull, stays_set_while_bytes_are_at_hiwat_though_blocks_are_below)
{
	queue_t *q = t_pair();

	q->q_hiwat = 10;
	cr_assert_eq(putq(q, t_data(0)), 1);
	cr_assert_eq(putq(q, t_data(30)), 1);
	cr_assert(q->q_flag & QFULL);
	freemsg(getq(q)); /* the empty one: count 30, blocks 1 */
	cr_assert(q->q_flag & QFULL, "bytes still >= hiwat");
	freemsg(getq(q));
	cr_assert_not(q->q_flag & QFULL, "empty");
	freeq(q);
}

YT_TEST(qfull, clears_when_the_queue_empties_even_with_hiwat_zero)
{
	queue_t *q = t_pair();

	q->q_hiwat = 0;
	cr_assert_eq(putq(q, t_data(0)), 1);
	cr_assert(q->q_flag & QFULL, "hiwat 0: any message fills it");
	freemsg(getq(q));
	cr_assert_not(q->q_flag & QFULL, "mblkcnt == 0 clears it");
	freeq(q);
}

YT_TEST(qfull, high_priority_messages_count_toward_band_zero)
{
	queue_t *q = t_pair();

	q->q_hiwat = 10;
	cr_assert_eq(putq(q, t_hipri(10)), 1);
	cr_assert(q->q_flag & QFULL);
	freeq(q);
}

YT_TEST(qfull, band_fills_qb_full_and_not_qfull)
{
	queue_t *q = t_pair();

	q->q_hiwat = 10;
	cr_assert_eq(putq(q, t_band(1, 6)), 1);
	cr_assert_not(yard_qband(q, 1)->qb_flag & QB_FULL);
	cr_assert_eq(putq(q, t_band(1, 6)), 1);
	cr_assert(yard_qband(q, 1)->qb_flag & QB_FULL);
	cr_assert_not(q->q_flag & QFULL, "band 0 is not full");
	freemsg(getq(q));
	cr_assert_not(yard_qband(q, 1)->qb_flag & QB_FULL);
	freeq(q);
}

YT_TEST(qfull, band_fills_by_block_count)
{
	queue_t *q = t_pair();

	q->q_hiwat = 3;
	for (int i = 0; i < 3; i++)
		cr_assert_eq(putq(q, t_band(2, 0)), 1);
	cr_assert(yard_qband(q, 2)->qb_flag & QB_FULL);
	cr_assert_not(yard_qband(q, 1)->qb_flag & QB_FULL);
	freeq(q);
}

/* ---- putbq -------------------------------------------------------------------------------- */

TestSuite(putbq, .init = yt_setup, .fini = yt_teardown);

YT_TEST(putbq, returns_a_band_zero_message_after_high_priority_and_bands)
{
	queue_t *q = t_pair();
	mblk_t *a = t_data(1), *b = t_data(1), *h = t_hipri(1), *x = t_band(1, 1);
	mblk_t *c = t_data(1);

	putq(q, a);
	putq(q, b);
	putq(q, h);
	putq(q, x);
	cr_assert_eq(putbq(q, c), 1);
	t_expect_order(q, (mblk_t *[]){ h, x, c, a, b }, 5);
	freeq(q);
}

YT_TEST(putbq, returns_a_band_message_to_the_front_of_its_band)
{
	queue_t *q = t_pair();
	mblk_t *h = t_hipri(1), *x1 = t_band(2, 1), *y1 = t_band(1, 1), *y2 = t_band(1, 1);
	mblk_t *a = t_data(1), *y0 = t_band(1, 1);

	putq(q, h);
	putq(q, x1);
	putq(q, y1);
	putq(q, y2);
	putq(q, a);
	cr_assert_eq(putbq(q, y0), 1);
	t_expect_order(q, (mblk_t *[]){ h, x1, y0, y1, y2, a }, 6);
	cr_assert_eq(yard_qband(q, 1)->qb_first, y0);
	cr_assert_eq(yard_qband(q, 1)->qb_last, y2);
	freeq(q);
}

YT_TEST(putbq, places_a_message_of_an_empty_band_between_higher_and_lower_bands)
{
	queue_t *q = t_pair();
	mblk_t *h = t_hipri(1), *x = t_band(3, 1), *y = t_band(1, 1), *a = t_data(1);
	mblk_t *m = t_band(2, 1);

	putq(q, a);
	putq(q, y);
	putq(q, x);
	putq(q, h);
	cr_assert_eq(putbq(q, m), 1);
	t_expect_order(q, (mblk_t *[]){ h, x, m, y, a }, 5);
	freeq(q);
}

YT_TEST(putbq, puts_high_priority_at_the_very_front)
{
	queue_t *q = t_pair();
	mblk_t *h1 = t_hipri(1), *x = t_band(3, 1), *a = t_data(1), *h0 = t_hipri(1);

	putq(q, a);
	putq(q, x);
	putq(q, h1);
	cr_assert_eq(putbq(q, h0), 1);
	t_expect_order(q, (mblk_t *[]){ h0, h1, x, a }, 4);
	freeq(q);
}

YT_TEST(putbq, into_an_empty_queue_makes_the_only_message)
{
	queue_t *q = t_pair();
	mblk_t *x = t_band(4, 3);

	cr_assert_eq(putbq(q, x), 1);
	t_expect_order(q, (mblk_t *[]){ x }, 1);
	cr_assert_eq(yard_qband(q, 4)->qb_first, x);
	cr_assert_eq(yard_qband(q, 4)->qb_last, x);
	freeq(q);
}

YT_TEST(putbq, after_getq_restores_the_queue_exactly)
{
	queue_t *q = t_pair();
	mblk_t *m[] = { t_hipri(1), t_hipri(2), t_band(5, 1), t_band(5, 2), t_band(2, 3),
			t_data(4), t_data(5) };
	int n = (int)(sizeof(m) / sizeof(m[0]));

	for (int i = n - 1; i >= 0; i--)
		putbq(q, m[i]);
	t_expect_order(q, m, n);
	for (int k = 0; k < n; k++) {
		/* take the first k+1 off, put them back in reverse: the queue is unchanged */
		mblk_t *taken[8];

		for (int i = 0; i <= k; i++)
			taken[i] = getq(q);
		for (int i = k; i >= 0; i--)
			cr_assert_eq(putbq(q, taken[i]), 1);
		t_expect_order(q, m, n);
	}
	freeq(q);
}

YT_TEST(putbq, enables_for_high_priority_even_with_noenable)
{
	queue_t *q = t_pair();

	q->q_flag &= ~QWANTR;
	noenable(q);
	cr_assert_eq(putbq(q, t_hipri(1)), 1);
	cr_assert(q->q_flag & QENAB);
	cr_assert_eq(t_on_runlist(q), 1);
	freeq(q);
}

YT_TEST(putbq, does_not_enable_a_band_message_without_qwantr)
{
	queue_t *q = t_pair();

	q->q_flag &= ~QWANTR;
	cr_assert_eq(putbq(q, t_band(3, 1)), 1);
	cr_assert_not(q->q_flag & QENAB, "unlike putq, a band does not force putbq to enable");
	cr_assert_eq(putbq(q, t_data(1)), 1);
	cr_assert_not(q->q_flag & QENAB);
	freeq(q);
}

YT_TEST(putbq, enables_with_qwantr_unless_noenable)
{
	queue_t *q = t_pair();
	queue_t *wq = WR(q);

	cr_assert(q->q_flag & QWANTR);
	cr_assert_eq(putbq(q, t_data(1)), 1);
	cr_assert(q->q_flag & QENAB);
	noenable(wq);
	cr_assert_eq(putbq(wq, t_data(1)), 1);
	cr_assert_not(wq->q_flag & QENAB);
	freeq(q);
}

/* ---- insq --------------------------------------------------------------------------------- */

TestSuite(insq, .init = yt_setup, .fini = yt_teardown);

YT_TEST(insq, inserts_before_emp_within_a_band)
{
	queue_t *q = t_pair();
	mblk_t *x1 = t_band(1, 1), *x2 = t_band(1, 1), *m = t_band(1, 1);

	putq(q, x1);
	putq(q, x2);
	cr_assert_eq(insq(q, x2, m), 1);
	t_expect_order(q, (mblk_t *[]){ x1, m, x2 }, 3);
	freeq(q);
}

YT_TEST(insq, before_the_band_first_becomes_qb_first)
{
	queue_t *q = t_pair();
	mblk_t *h = t_hipri(1), *x = t_band(1, 1), *m = t_band(1, 1);

	putq(q, h);
	putq(q, x);
	cr_assert_eq(insq(q, x, m), 1);
	cr_assert_eq(yard_qband(q, 1)->qb_first, m);
	t_expect_order(q, (mblk_t *[]){ h, m, x }, 3);
	freeq(q);
}

YT_TEST(insq, after_the_band_last_becomes_qb_last)
{
	queue_t *q = t_pair();
	mblk_t *x = t_band(2, 1), *a = t_data(1), *m = t_band(2, 1);

	putq(q, x);
	putq(q, a);
	cr_assert_eq(insq(q, a, m), 1);
	cr_assert_eq(yard_qband(q, 2)->qb_last, m);
	t_expect_order(q, (mblk_t *[]){ x, m, a }, 3);
	freeq(q);
}

YT_TEST(insq, with_null_emp_appends_at_the_tail)
{
	queue_t *q = t_pair();
	mblk_t *x = t_band(2, 1), *a = t_data(1), *b = t_data(1);

	cr_assert_eq(insq(q, NULL, x), 1);
	cr_assert_eq(insq(q, NULL, a), 1);
	cr_assert_eq(insq(q, NULL, b), 1);
	t_expect_order(q, (mblk_t *[]){ x, a, b }, 3);
	freeq(q);
}

YT_TEST(insq, into_an_empty_queue_allocates_the_band)
{
	queue_t *q = t_pair();
	mblk_t *x = t_band(6, 2);

	cr_assert_eq(insq(q, NULL, x), 1);
	cr_assert_eq(q->q_nband, 6);
	t_expect_order(q, (mblk_t *[]){ x }, 1);
	freeq(q);
}

/* An out-of-order insertion: the queue holds `seq`, mp of `ins` goes before position `at`. */
struct insq_bad {
	char seq[8];
	char ins;
	int at; /* index of emp, or -1 for the tail */
};

ParameterizedTestParameters(insq, rejects_an_out_of_order_place)
{
	static struct insq_bad cases[] = {
		{ "21", '3', 1 },  /* band 3 after band 2 */
		{ "21", '0', 1 },  /* band 0 before band 1 */
		{ "2", '3', -1 },  /* band 3 at the tail behind band 2 */
		{ "10", '2', -1 }, /* band 2 behind band 0 */
		{ "0", 'H', -1 },  /* high priority behind a normal message */
		{ "H1", 'H', -1 }, /* high priority behind band 1 */
		{ "H1", '1', 0 },  /* normal message ahead of high priority */
		{ "H", '0', 0 },   /* band 0 ahead of high priority */
	};

	return cr_make_param_array(struct insq_bad, cases, sizeof(cases) / sizeof(cases[0]));
}

static mblk_t *
t_tok(char c)
{
	return c == 'H' ? t_hipri(1) : t_band((unsigned char)(c - '0'), 1);
}

ParameterizedTest(struct insq_bad *c, insq, rejects_an_out_of_order_place)
{
	queue_t *q = t_pair();
	mblk_t *in[8], *mp;
	int n = (int)strlen(c->seq);
	size_t count;

	for (int i = 0; i < n; i++) {
		in[i] = t_tok(c->seq[i]);
		cr_assert_eq(putq(q, in[i]), 1);
	}
	count = q->q_count;
	mp = t_tok(c->ins);
	cr_assert_eq(insq(q, c->at < 0 ? NULL : in[c->at], mp), 0, "insq must refuse");
	t_expect_order(q, in, n);
	cr_assert_eq(q->q_count, count);
	cr_assert_null(mp->b_next);
	freemsg(mp);
	freeq(q);
	yt_end_of_test();
}

YT_TEST(insq, enables_only_with_qwantr)
{
	queue_t *q = t_pair();
	queue_t *wq = WR(q);

	cr_assert_eq(insq(q, NULL, t_data(1)), 1);
	cr_assert(q->q_flag & QENAB, "QWANTR set by allocq");
	wq->q_flag &= ~QWANTR;
	cr_assert_eq(insq(wq, NULL, t_band(3, 1)), 1);
	cr_assert_eq(insq(wq, wq->q_first, t_hipri(1)), 1);
	cr_assert_not(wq->q_flag & QENAB, "no QWANTR: insq does not enable, even for a band");
	freeq(q);
}

/* ---- rmvq --------------------------------------------------------------------------------- */

TestSuite(rmvq, .init = yt_setup, .fini = yt_teardown);

ParameterizedTestParameters(rmvq, fixes_band_first_and_last)
{
	static int which[] = { 0, 1, 2 };

	return cr_make_param_array(int, which, 3);
}

ParameterizedTest(int *which, rmvq, fixes_band_first_and_last)
{
	queue_t *q = t_pair();
	mblk_t *h = t_hipri(1), *x[3] = { t_band(1, 1), t_band(1, 2), t_band(1, 3) };
	mblk_t *a = t_data(1);
	mblk_t *rest[5];
	int k = 0;

	putq(q, h);
	for (int i = 0; i < 3; i++)
		putq(q, x[i]);
	putq(q, a);
	rmvq(q, x[*which]);
	cr_assert_null(x[*which]->b_next);
	cr_assert_null(x[*which]->b_prev);
	freemsg(x[*which]);
	rest[k++] = h;
	for (int i = 0; i < 3; i++)
		if (i != *which)
			rest[k++] = x[i];
	rest[k++] = a;
	t_expect_order(q, rest, k);
	cr_assert_eq(yard_qband(q, 1)->qb_first, rest[1]);
	cr_assert_eq(yard_qband(q, 1)->qb_last, rest[2]);
	freeq(q);
	yt_end_of_test();
}

YT_TEST(rmvq, of_the_only_band_message_empties_the_band)
{
	queue_t *q = t_pair();
	mblk_t *x = t_band(2, 5), *a = t_data(1);

	putq(q, x);
	putq(q, a);
	rmvq(q, x);
	freemsg(x);
	cr_assert_null(yard_qband(q, 2)->qb_first);
	cr_assert_null(yard_qband(q, 2)->qb_last);
	cr_assert_eq(yard_qband(q, 2)->qb_count, 0);
	t_expect_order(q, (mblk_t *[]){ a }, 1);
	freeq(q);
}

YT_TEST(rmvq, of_the_queue_first_and_last_fix_q_first_and_q_last)
{
	queue_t *q = t_pair();
	mblk_t *a = t_data(1), *b = t_data(2), *c = t_data(3);

	putq(q, a);
	putq(q, b);
	putq(q, c);
	rmvq(q, a);
	t_expect_order(q, (mblk_t *[]){ b, c }, 2);
	rmvq(q, c);
	t_expect_order(q, (mblk_t *[]){ b }, 1);
	rmvq(q, b);
	cr_assert_null(q->q_first);
	cr_assert_null(q->q_last);
	cr_assert_eq(q->q_count, 0);
	freemsg(a);
	freemsg(b);
	freemsg(c);
	freeq(q);
}

YT_TEST(rmvq, clears_qfull_when_both_counts_drop_below_hiwat)
{
	queue_t *q = t_pair();
	mblk_t *a = t_data(5), *b = t_data(5);

	q->q_hiwat = 10;
	putq(q, a);
	putq(q, b);
	cr_assert(q->q_flag & QFULL);
	rmvq(q, b);
	cr_assert_not(q->q_flag & QFULL);
	freemsg(b);
	freeq(q);
}

/* ---- getq --------------------------------------------------------------------------------- */

TestSuite(getq, .init = yt_setup, .fini = yt_teardown);

YT_TEST(getq, on_an_empty_queue_sets_qwantr_and_returns_null)
{
	queue_t *q = t_pair();

	q->q_flag &= ~QWANTR;
	cr_assert_null(getq(q));
	cr_assert(q->q_flag & QWANTR);
	freeq(q);
}

YT_TEST(getq, of_a_message_clears_qwantr)
{
	queue_t *q = t_pair();

	cr_assert_eq(putq(q, t_data(1)), 1);
	cr_assert(q->q_flag & QWANTR);
	freemsg(getq(q));
	cr_assert_not(q->q_flag & QWANTR);
	freeq(q);
}

YT_TEST(getq, burst_dequeues_in_order)
{
	queue_t *q = t_pair();
	mblk_t *m[6] = { t_data(1), t_band(1, 1), t_hipri(1), t_data(2), t_band(2, 1), t_hipri(2) };
	mblk_t *want[6] = { m[2], m[5], m[4], m[1], m[0], m[3] };
	mblk_t *got[6];

	for (int i = 0; i < 6; i++)
		putq(q, m[i]);
	cr_assert_eq(getq_burst(q, got, 4), 4);
	cr_assert_not(q->q_flag & QWANTR, "the queue was not found empty");
	for (int i = 0; i < 4; i++)
		cr_assert_eq(got[i], want[i], "message %d", i);
	t_expect_order(q, want + 4, 2);
	cr_assert_eq(getq_burst(q, got + 4, 8), 2);
	cr_assert_eq(got[4], want[4]);
	cr_assert_eq(got[5], want[5]);
	cr_assert(q->q_flag & QWANTR, "a short burst found the queue empty");
	cr_assert_eq(q->q_count, 0);
	cr_assert_eq(yard_qband(q, 1)->qb_count, 0);
	for (int i = 0; i < 6; i++) {
		cr_assert_null(got[i]->b_next);
		cr_assert_null(got[i]->b_prev);
	}
	freemsg_burst(got, 6);
	freeq(q);
}

YT_TEST(getq, burst_of_zero_changes_nothing)
{
	queue_t *q = t_pair();
	mblk_t *got[1];

	q->q_flag &= ~QWANTR;
	cr_assert_eq(getq_burst(q, got, 0), 0);
	cr_assert_not(q->q_flag & QWANTR);
	freeq(q);
}

YT_TEST(getq, burst_on_empty_sets_qwantr)
{
	queue_t *q = t_pair();
	mblk_t *got[4];

	q->q_flag &= ~QWANTR;
	cr_assert_eq(getq_burst(q, got, 4), 0);
	cr_assert(q->q_flag & QWANTR);
	freeq(q);
}

/* getq_burst_take's test for the cases below: messages of one block of 1 to 9 bytes. */
static bool
t_take_short(mblk_t *mp)
{
	return MBLKL(mp) < 10;
}

/*
 * getq_burst_take: the run ends at the first message refused, which stays first, and the run
 * leaves the counts, QFULL and the back-enable as that many getq() calls would (the queue not
 * emptied, so the discharge is summed).
 */
YT_TEST(getq, burst_take_stops_at_a_refused_message_as_getq_calls_would)
{
	queue_t *a = t_pair(), *b = t_pair();
	mblk_t *got[24];

	for (int i = 0; i < 24; i++) {
		size_t len = i == 20 ? 200 : 40 + i % 5;

		if (i < 20)
			len = 1 + i % 9;
		cr_assert_eq(putq(a, t_data(len)), 1);
		cr_assert_eq(putq(b, t_data(len)), 1);
	}
	for (int i = 0; i < 120; i++) {
		cr_assert_eq(putq(a, t_data(9)), 1);
		cr_assert_eq(putq(b, t_data(9)), 1);
	}
	cr_assert(b->q_flag & QFULL);
	(void)canput(a);
	(void)canput(b);
	cr_assert(b->q_flag & QWANTW);
	for (int i = 0; i < 20; i++)
		freemsg(getq(a));
	cr_assert_eq(getq_burst_take(b, got, 24, t_take_short), 20);
	for (int i = 0; i < 20; i++) {
		cr_assert_eq(MBLKL(got[i]), 1 + i % 9, "message %d", i);
		cr_assert_null(got[i]->b_next);
		cr_assert_null(got[i]->b_prev);
	}
	freemsg_burst(got, 20);
	cr_assert_eq(MBLKL(b->q_first), 200, "the refused message stays first");
	cr_assert_null(b->q_first->b_prev);
	cr_assert_eq(b->q_count, a->q_count);
	cr_assert_eq(b->q_mblkcnt, a->q_mblkcnt);
	cr_assert_eq(b->q_flag & (QFULL | QWANTW | QWANTR | QENAB),
		     a->q_flag & (QFULL | QWANTW | QWANTR | QENAB));
	t_check_queue(b, 1);
	/* Refused at once: nothing taken, nothing changed. */
	cr_assert_eq(getq_burst_take(b, got, 4, t_take_short), 0);
	cr_assert_eq(MBLKL(b->q_first), 200);
	cr_assert_eq(b->q_count, a->q_count);
	flushq(a, FLUSHALL);
	flushq(b, FLUSHALL);
	freeq(a);
	freeq(b);
}

/* A run that empties the queue zeroes the counts; a band message ends the run like a refusal. */
YT_TEST(getq, burst_take_empties_and_stops_at_a_band)
{
	queue_t *q = t_pair();
	mblk_t *got[8];

	for (int i = 0; i < 3; i++)
		cr_assert_eq(putq(q, t_data(5)), 1);
	cr_assert_eq(getq_burst_take(q, got, 8, t_take_short), 3);
	cr_assert_null(q->q_first);
	cr_assert_null(q->q_last);
	cr_assert_eq(q->q_count, 0);
	cr_assert_eq(q->q_mblkcnt, 0);
	cr_assert_not(q->q_flag & QWANTR);
	freemsg_burst(got, 3);
	cr_assert_eq(putq(q, t_band(5, 1)), 1);
	cr_assert_eq(putq(q, t_data(5)), 1);
	cr_assert_eq(getq_burst_take(q, got, 8, t_take_short), 0, "a band message comes first");
	t_check_queue(q, 1);
	flushq(q, FLUSHALL);
	freeq(q);
}

/*
 * The bursts take their band-0 runs as one piece (one charge, one discharge): the counts, QFULL
 * and the back-enable must come out as n single putq/getq calls leave them, across high water
 * and back below low water, with messages of two blocks.
 */
YT_TEST(getq, burst_counts_and_flags_match_single_calls)
{
	queue_t *a = t_pair(), *b = t_pair();
	mblk_t *ma[24], *mb[24], *got[24];

	for (int i = 0; i < 24; i++) {
		ma[i] = t_data(30);
		linkb(ma[i], t_data(20));
		mb[i] = t_data(30);
		linkb(mb[i], t_data(20));
	}
	a->q_flag &= ~QWANTR;
	b->q_flag &= ~QWANTR;
	for (int i = 0; i < 24; i++)
		cr_assert_eq(putq(a, ma[i]), 1);
	cr_assert_eq(putq_burst(b, mb, 24), 24);
	cr_assert_eq(b->q_count, a->q_count);
	cr_assert_eq(b->q_mblkcnt, a->q_mblkcnt);
	cr_assert(b->q_flag & QFULL, "1200 bytes reach high water 1000");
	cr_assert_eq(b->q_flag & (QFULL | QENAB | QWANTR), a->q_flag & (QFULL | QENAB | QWANTR));
	t_check_queue(b, 1);
	/* A writer refused: the queue must back-enable it once below low water, as getq does. */
	(void)canput(b);
	(void)canput(a);
	cr_assert(b->q_flag & QWANTW);
	for (int i = 0; i < 22; i++)
		freemsg(getq(a));
	cr_assert_eq(getq_burst(b, got, 22), 22);
	for (int i = 0; i < 22; i++) {
		cr_assert_eq(got[i], mb[i], "message %d", i);
		cr_assert_null(got[i]->b_next);
		cr_assert_null(got[i]->b_prev);
	}
	freemsg_burst(got, 22);
	cr_assert_eq(b->q_count, a->q_count);
	cr_assert_eq(b->q_mblkcnt, a->q_mblkcnt);
	cr_assert_not(b->q_flag & QFULL);
	cr_assert_eq(b->q_flag & (QFULL | QWANTW | QWANTR), a->q_flag & (QFULL | QWANTW | QWANTR));
	cr_assert_eq(b->q_first, mb[22]);
	cr_assert_null(mb[22]->b_prev);
	t_check_queue(b, 1);
	cr_assert_eq(getq_burst(b, got, 4), 2);
	cr_assert_null(b->q_first);
	cr_assert_null(b->q_last);
	cr_assert_eq(b->q_count, 0);
	cr_assert_eq(b->q_mblkcnt, 0);
	freemsg_burst(got, 2);
	freeq(a);
	freeq(b);
}

/* ---- putq_burst --------------------------------------------------------------------------- */

YT_TEST(putq, burst_queues_all_in_order_and_enables_once)
{
	queue_t *q = t_pair();
	mblk_t *m[8];

	for (int i = 0; i < 8; i++)
		m[i] = t_data((size_t)i + 1);
	cr_assert_eq(putq_burst(q, m, 8), 8);
	t_expect_order(q, m, 8);
	cr_assert_eq(q->q_count, 36);
	cr_assert(q->q_flag & QENAB, "QWANTR was set");
	cr_assert_eq(t_on_runlist(q), 1);
	freeq(q);
}

YT_TEST(putq, burst_of_band_zero_does_not_enable_without_qwantr)
{
	queue_t *q = t_pair();
	mblk_t *m[3] = { t_data(1), t_data(1), t_data(1) };

	q->q_flag &= ~QWANTR;
	cr_assert_eq(putq_burst(q, m, 3), 3);
	cr_assert_not(q->q_flag & QENAB);
	freeq(q);
}

YT_TEST(putq, burst_with_a_band_or_high_priority_message_enables)
{
	queue_t *q = t_pair();
	queue_t *wq = WR(q);
	mblk_t *m[3] = { t_data(1), t_band(2, 1), t_data(1) };
	mblk_t *h[2] = { t_data(1), t_hipri(1) };

	q->q_flag &= ~QWANTR;
	cr_assert_eq(putq_burst(q, m, 3), 3);
	cr_assert(q->q_flag & QENAB);
	t_expect_order(q, (mblk_t *[]){ m[1], m[0], m[2] }, 3);
	wq->q_flag &= ~QWANTR;
	noenable(wq);
	cr_assert_eq(putq_burst(wq, h, 2), 2);
	cr_assert(wq->q_flag & QENAB, "high priority enables even under noenable");
	freeq(q);
}

/* The stream head's form: the leading run of band-0 M_DATA/M_PROTO, charged and linked at once. */
YT_TEST(putq, burst_data_queues_the_data_run_and_stops_at_anything_else)
{
	queue_t *q = t_pair();
	mblk_t *proto = yt_msg(M_PROTO, 20, 0x11);
	mblk_t *m[6] = { t_data(5), proto, t_data(7), yt_msg(M_SIG, 1, 0), t_data(1), t_data(1) };
	mblk_t *b[2] = { t_band(3, 1), t_data(2) };
	mblk_t *h[2] = { t_hipri(4), t_data(2) };

	linkb(proto, t_data(10));
	q->q_flag &= ~QWANTR;
	q->q_hiwat = 100;
	cr_assert_eq(putq_burst_data(q, m, 6), 3, "M_SIG ends the run");
	t_expect_order(q, m, 3);
	cr_assert_eq(q->q_count, 5 + 20 + 10 + 7);
	cr_assert_eq(q->q_mblkcnt, 4, "every block of the M_PROTO counts");
	cr_assert_not(q->q_flag & QENAB, "band 0 enables only on QWANTR");
	cr_assert_not(q->q_flag & QFULL);
	cr_assert_eq(putq_burst_data(q, m + 3, 3), 0, "the caller handles the M_SIG");
	cr_assert_eq(putq_burst_data(q, b, 2), 0, "nor a band");
	cr_assert_eq(putq_burst_data(q, h, 2), 0, "nor high priority");
	cr_assert_eq(putq_burst_data(q, m + 4, 0), 0);
	q->q_flag |= QWANTR;
	q->q_hiwat = 44;
	cr_assert_eq(putq_burst_data(q, m + 4, 2), 2, "appended at the tail");
	t_expect_order(q, (mblk_t *[]){ m[0], m[1], m[2], m[4], m[5] }, 5);
	cr_assert(q->q_flag & QFULL, "one high-water check at the end of the run");
	cr_assert(q->q_flag & QENAB, "a reader that found the queue empty is enabled");
	freemsg(m[3]);
	freemsg_burst(b, 2);
	freemsg_burst(h, 2);
	freeq(q);
}

/* A two-block message as udp builds its indications: marked YB_MSGSIZE, its size in db_cksum. */
static mblk_t *
t_sized(size_t hlen, size_t dlen)
{
	mblk_t *mp = yt_msg(M_PROTO, hlen, 0x11);

	linkb(mp, t_data(dlen));
	mp->b_datap->db_cksum = (uint32_t)(hlen + dlen);
	mp->b_yflags |= YB_MSGSIZE;
	return mp;
}

/*
 * The stream head's runs charge a YB_MSGSIZE message the size its builder wrote and walk
 * every other one; the two ways mix in one run and come out as single putq calls would, and a
 * marked message of a band still ends the run (the mark says nothing of bands).
 */
YT_TEST(putq, burst_data_takes_a_sized_message_at_its_word)
{
	queue_t *a = t_pair(), *q = t_pair();
	mblk_t *m[5] = { t_sized(36, 18), t_data(5), t_sized(36, 1), yt_msg(M_PROTO, 20, 0x22),
			 t_sized(36, 7) };
	mblk_t *c[5];
	mblk_t *banded = t_sized(36, 3);

	linkb(m[3], t_data(10));
	linkb(m[3]->b_cont, t_data(3)); /* three blocks: walked */
	for (int i = 0; i < 5; i++) {
		c[i] = copymsg(m[i]);
		cr_assert_not_null(c[i]);
		cr_assert_eq(putq(a, c[i]), 1);
	}
	q->q_flag = a->q_flag = q->q_flag & ~(QWANTR | QENAB);
	cr_assert_eq(putq_burst_data(q, m, 5), 5);
	t_expect_order(q, m, 5);
	cr_assert_eq(q->q_count, a->q_count);
	cr_assert_eq(q->q_count, 54 + 5 + 37 + 33 + 43);
	cr_assert_eq(q->q_mblkcnt, a->q_mblkcnt);
	cr_assert_eq(q->q_mblkcnt, 2 + 1 + 2 + 3 + 2);
	banded->b_band = 1;
	cr_assert_eq(putq_burst_data(q, &banded, 1), 0, "a band ends the run, marked or not");
	freemsg(banded);
	t_check_queue(q, 1);
	flushq(a, FLUSHALL);
	flushq(q, FLUSHALL);
	cr_assert_eq(q->q_count, 0);
	freeq(a);
	freeq(q);
}

/* ---- a random walk against a model -------------------------------------------------------- */

YT_TEST(putq, random_operations_keep_every_invariant)
{
	queue_t *q = t_pair();
	mblk_t *model[256];
	int n = 0;

	srand(12345);
	q->q_hiwat = 40;
	for (int step = 0; step < 3000; step++) {
		int op = rand() % 6;

		if (op <= 2 && n < 200) {
			int t = rand() % 6; /* 0-3: band 0-3, 4: band 9, 5: H */
			mblk_t *mp = t == 5 ? t_hipri((size_t)(rand() % 4))
					    : t_band((unsigned char)(t == 4 ? 9 : t), (size_t)(rand() % 4));
			unsigned r = t_rank(mp);
			int pos;

			if (op == 0) { /* putbq: before the first of rank <= r */
				for (pos = 0; pos < n && t_rank(model[pos]) > r; pos++)
					;
				cr_assert_eq(putbq(q, mp), 1);
			} else if (op == 1) { /* putq: after the last of rank >= r */
				for (pos = 0; pos < n && t_rank(model[pos]) >= r; pos++)
					;
				cr_assert_eq(putq(q, mp), 1);
			} else { /* insq at a random legal place */
				int lo, hi;

				for (lo = 0; lo < n && t_rank(model[lo]) > r; lo++)
					;
				for (hi = lo; hi < n && t_rank(model[hi]) >= r; hi++)
					;
				pos = lo + rand() % (hi - lo + 1);
				cr_assert_eq(insq(q, pos < n ? model[pos] : NULL, mp), 1);
			}
			memmove(&model[pos + 1], &model[pos], sizeof(model[0]) * (size_t)(n - pos));
			model[pos] = mp;
			n++;
		} else if (op == 3 && n > 0) {
			mblk_t *mp = getq(q);

			cr_assert_eq(mp, model[0]);
			memmove(&model[0], &model[1], sizeof(model[0]) * (size_t)(n - 1));
			n--;
			freemsg(mp);
		} else if (op == 4 && n > 0) {
			int pos = rand() % n;
			mblk_t *mp = model[pos];

			rmvq(q, mp);
			memmove(&model[pos], &model[pos + 1], sizeof(model[0]) * (size_t)(n - pos - 1));
			n--;
			freemsg(mp);
		} else if (op == 5 && n > 0) {
			mblk_t *got[16];
			unsigned k = getq_burst(q, got, 16);

			for (unsigned i = 0; i < k; i++)
				cr_assert_eq(got[i], model[i]);
			memmove(&model[0], &model[k], sizeof(model[0]) * (size_t)(n - (int)k));
			n -= (int)k;
			freemsg_burst(got, k);
		}
		t_expect_order(q, model, n);
	}
	freeq(q);
}

/* ---- band allocation failure ------------------------------------------------------------- */

#ifndef __SANITIZE_ADDRESS__
/*
 * Bands are the one thing queue.c allocates with calloc(); this interposer makes the next
 * calls fail while t_calloc_fail is set. (Not under ASan, whose allocator owns calloc.)
 */
extern void *__libc_calloc(size_t n, size_t size);
void *calloc(size_t n, size_t size);
static volatile int t_calloc_fail;

void *
calloc(size_t n, size_t size)
{
	if (t_calloc_fail)
		return NULL;
	return __libc_calloc(n, size);
}

YT_TEST(putq, returns_zero_and_leaves_the_queue_alone_when_a_band_cannot_be_had)
{
	queue_t *q = t_pair();
	mblk_t *a = t_data(1), *x = t_band(2, 5), *y = t_band(3, 1), *m[2];
	intptr_t v;

	cr_assert_eq(putq(q, a), 1);
	cr_assert_eq(putq(q, y), 1); /* bands 1..3 exist */
	t_calloc_fail = 1;
	cr_assert_eq(putq(q, x), 1, "an existing band needs no allocation");
	mblk_t *z = t_band(4, 1);

	cr_assert_eq(putq(q, z), 0);
	cr_assert_eq(putbq(q, z), 0);
	cr_assert_eq(insq(q, NULL, z), 0);
	cr_assert_eq(strqget(q, QHIWAT, 9, &v), EAGAIN);
	cr_assert_eq(strqset(q, QHIWAT, 9, 1), EAGAIN);
	m[0] = t_data(1);
	m[1] = z;
	cr_assert_eq(putq_burst(q, m, 2), 1, "the burst stops at the message it cannot queue");
	t_calloc_fail = 0;
	cr_assert_eq(q->q_nband, 3);
	cr_assert_null(z->b_next);
	t_expect_order(q, (mblk_t *[]){ y, x, a, m[0] }, 4);
	cr_assert_eq(putq(q, z), 1, "and works once memory is back");
	cr_assert_eq(q->q_nband, 4);
	freeq(q);
}
#endif

/* ---- flushq, flushq_common, flushband ----------------------------------------------------- */

TestSuite(flushq, .init = yt_setup, .fini = yt_teardown);

YT_TEST(flushq, flushdata_frees_data_and_keeps_control_messages)
{
	queue_t *q = t_pair();
	mblk_t *data = t_data(5), *proto = yt_msg(M_PROTO, 4, 0), *ioctl = yt_msg(M_IOCTL, 8, 0);
	mblk_t *ctl = yt_msg(M_CTL, 2, 0), *pcproto = t_hipri(3), *delay = yt_msg(M_DELAY, 1, 0);
	mblk_t *sig = yt_msg(M_SIG, 1, 0), *iocack = yt_msg(M_IOCACK, 6, 0);
	mblk_t *bdata = t_band(2, 7), *bsig = yt_msg(M_SIG, 1, 0);

	bsig->b_band = 2;
	putq(q, data);
	putq(q, proto);
	putq(q, ioctl);
	putq(q, ctl);
	putq(q, pcproto);
	putq(q, delay);
	putq(q, sig);
	putq(q, iocack);
	putq(q, bdata);
	putq(q, bsig);
	flushq(q, FLUSHDATA);
	t_expect_order(q, (mblk_t *[]){ iocack, bsig, ioctl, ctl, sig }, 5);
	cr_assert_eq(q->q_count, 6 + 8 + 2 + 1);
	cr_assert_eq(yard_qband(q, 2)->qb_count, 1);
	cr_assert_eq(yt_msgs_outstanding(), 5);
	freeq(q);
}

YT_TEST(flushq, flushall_frees_everything_and_resets_counts_and_full_flags)
{
	queue_t *q = t_pair();

	q->q_hiwat = 4;
	for (int i = 0; i < 4; i++) {
		putq(q, t_data(2));
		putq(q, yt_msg(M_IOCTL, 2, 0));
		putq(q, t_band(3, 2));
		putq(q, t_hipri(2));
	}
	cr_assert(q->q_flag & QFULL);
	cr_assert(yard_qband(q, 3)->qb_flag & QB_FULL);
	flushq(q, FLUSHALL);
	cr_assert_null(q->q_first);
	cr_assert_null(q->q_last);
	cr_assert_eq(q->q_count, 0);
	cr_assert_eq(q->q_mblkcnt, 0);
	cr_assert_not(q->q_flag & QFULL);
	for (unsigned char b = 1; b <= 3; b++) {
		qband_t *qbp = yard_qband(q, b);

		cr_assert_null(qbp->qb_first);
		cr_assert_eq(qbp->qb_count, 0);
		cr_assert_eq(qbp->qb_mblkcnt, 0);
		cr_assert_not(qbp->qb_flag & QB_FULL);
	}
	cr_assert_eq(yt_msgs_outstanding(), 0);
	freeq(q);
}

YT_TEST(flushq, common_with_pcproto_flag_keeps_m_pcproto)
{
	queue_t *q = t_pair();
	mblk_t *pc1 = t_hipri(1), *pc2 = t_hipri(2), *data = t_data(1), *flush;

	flush = yt_msg(M_FLUSH, 1, 0);
	putq(q, pc1);
	putq(q, data);
	putq(q, flush);
	putq(q, pc2);
	flushq_common(q, FLUSHALL, 1);
	t_expect_order(q, (mblk_t *[]){ pc1, pc2 }, 2);
	flushq_common(q, FLUSHDATA, 0);
	cr_assert_null(q->q_first, "M_PCPROTO is data without the flag");
	cr_assert_eq(yt_msgs_outstanding(), 0);
	freeq(q);
}

YT_TEST(flushq, band_zero_frees_band_zero_data_and_keeps_the_rest)
{
	queue_t *q = t_pair();
	mblk_t *a = t_data(1), *b = t_data(2), *ioc = yt_msg(M_IOCTL, 3, 0);
	mblk_t *x = t_band(1, 4), *pc = t_hipri(5), *ack = yt_msg(M_IOCACK, 6, 0);

	putq(q, a);
	putq(q, x);
	putq(q, ioc);
	putq(q, pc);
	putq(q, b);
	putq(q, ack);
	flushband(q, 0, FLUSHDATA);
	t_expect_order(q, (mblk_t *[]){ ack, x, ioc }, 3);
	cr_assert_eq(q->q_count, 6 + 3);
	cr_assert_eq(yard_qband(q, 1)->qb_count, 4);
	flushband(q, 0, FLUSHALL);
	t_expect_order(q, (mblk_t *[]){ x }, 1);
	cr_assert_eq(yt_msgs_outstanding(), 1);
	freeq(q);
}

YT_TEST(flushq, band_n_frees_only_that_band)
{
	queue_t *q = t_pair();
	mblk_t *a = t_data(1), *x1 = t_band(1, 2), *y1 = t_band(2, 3), *y2 = t_band(2, 4);
	mblk_t *ysig = yt_msg(M_SIG, 1, 0), *z = t_band(3, 5), *pc = t_hipri(1);

	ysig->b_band = 2;
	putq(q, a);
	putq(q, x1);
	putq(q, y1);
	putq(q, ysig);
	putq(q, y2);
	putq(q, z);
	putq(q, pc);
	flushband(q, 2, FLUSHDATA);
	t_expect_order(q, (mblk_t *[]){ pc, z, ysig, x1, a }, 5);
	cr_assert_eq(yard_qband(q, 2)->qb_count, 1);
	flushband(q, 2, FLUSHALL);
	t_expect_order(q, (mblk_t *[]){ pc, z, x1, a }, 4);
	cr_assert_null(yard_qband(q, 2)->qb_first);
	cr_assert_eq(yard_qband(q, 3)->qb_count, 5);
	cr_assert_eq(yard_qband(q, 1)->qb_count, 2);
	freeq(q);
}

YT_TEST(flushq, band_above_q_nband_is_a_no_op)
{
	queue_t *q = t_pair();
	mblk_t *x = t_band(1, 1), *a = t_data(1);

	putq(q, x);
	putq(q, a);
	flushband(q, 4, FLUSHALL);
	t_expect_order(q, (mblk_t *[]){ x, a }, 2);
	cr_assert_eq(q->q_nband, 1, "no band allocated");
	freeq(q);
}

/* ---- qsize, strqget, strqset -------------------------------------------------------------- */

TestSuite(qattr, .init = yt_setup, .fini = yt_teardown);

YT_TEST(qattr, qsize_counts_messages_not_blocks)
{
	queue_t *q = t_pair();
	mblk_t *mp = t_data(1);

	cr_assert_eq(qsize(q), 0);
	linkb(mp, t_data(1));
	putq(q, mp);
	putq(q, t_band(2, 1));
	putq(q, t_hipri(1));
	cr_assert_eq(qsize(q), 3);
	freemsg(getq(q));
	cr_assert_eq(qsize(q), 2);
	freeq(q);
}

YT_TEST(qattr, strqget_reads_the_queue_fields)
{
	queue_t *q = allocq(&t_srvinit2, &t_srvinit2);
	mblk_t *a = t_data(3), *b = t_data(4);
	intptr_t v;

	putq(q, a);
	putq(q, b);
	cr_assert_eq(strqget(q, QHIWAT, 0, &v), 0);
	cr_assert_eq(v, 77);
	cr_assert_eq(strqget(q, QLOWAT, 0, &v), 0);
	cr_assert_eq(v, 7);
	cr_assert_eq(strqget(q, QMAXPSZ, 0, &v), 0);
	cr_assert_eq(v, 512);
	cr_assert_eq(strqget(q, QMINPSZ, 0, &v), 0);
	cr_assert_eq(v, 8);
	cr_assert_eq(strqget(q, QCOUNT, 0, &v), 0);
	cr_assert_eq(v, 7);
	cr_assert_eq(strqget(q, QFIRST, 0, &v), 0);
	cr_assert_eq((mblk_t *)v, a);
	cr_assert_eq(strqget(q, QLAST, 0, &v), 0);
	cr_assert_eq((mblk_t *)v, b);
	cr_assert_eq(strqget(q, QFLAG, 0, &v), 0);
	cr_assert_eq((uint32_t)v, q->q_flag);
	cr_assert_eq(strqget(q, QSTRUIOT, 0, &v), 0);
	cr_assert_eq(strqget(q, QBAD, 0, &v), EINVAL);
	cr_assert_eq(strqget(q, (qfields_t)42, 0, &v), EINVAL);
	freeq(q);
}

YT_TEST(qattr, strqget_reads_a_band_and_allocates_it)
{
	queue_t *q = allocq(&t_srvinit2, &t_srvinit2);
	mblk_t *x = t_band(2, 9);
	intptr_t v;

	cr_assert_eq(strqget(q, QHIWAT, 4, &v), 0);
	cr_assert_eq(v, 77, "a new band inherits q_hiwat");
	cr_assert_eq(q->q_nband, 4);
	putq(q, x);
	cr_assert_eq(strqget(q, QCOUNT, 2, &v), 0);
	cr_assert_eq(v, 9);
	cr_assert_eq(strqget(q, QFIRST, 2, &v), 0);
	cr_assert_eq((mblk_t *)v, x);
	cr_assert_eq(strqget(q, QLAST, 2, &v), 0);
	cr_assert_eq((mblk_t *)v, x);
	cr_assert_eq(strqget(q, QLOWAT, 2, &v), 0);
	cr_assert_eq(v, 7);
	cr_assert_eq(strqget(q, QFLAG, 2, &v), 0);
	cr_assert_eq((uint32_t)v, yard_qband(q, 2)->qb_flag);
	cr_assert_eq(strqget(q, QMAXPSZ, 2, &v), EINVAL);
	cr_assert_eq(strqget(q, QMINPSZ, 2, &v), EINVAL);
	cr_assert_eq(strqget(q, QSTRUIOT, 2, &v), EINVAL);
	freeq(q);
}

YT_TEST(qattr, strqset_sets_water_marks_and_packet_sizes)
{
	queue_t *q = t_pair();

	cr_assert_eq(strqset(q, QHIWAT, 0, 4096), 0);
	cr_assert_eq(q->q_hiwat, 4096);
	cr_assert_eq(strqset(q, QLOWAT, 0, 64), 0);
	cr_assert_eq(q->q_lowat, 64);
	cr_assert_eq(strqset(q, QMAXPSZ, 0, 1500), 0);
	cr_assert_eq(q->q_maxpsz, 1500);
	cr_assert_eq(strqset(q, QMINPSZ, 0, 1), 0);
	cr_assert_eq(q->q_minpsz, 1);
	cr_assert_eq(strqset(q, QMAXPSZ, 0, INFPSZ), 0);
	cr_assert_eq(q->q_maxpsz, INFPSZ);
	freeq(q);
}

YT_TEST(qattr, strqset_sets_band_water_marks)
{
	queue_t *q = t_pair();

	cr_assert_eq(strqset(q, QHIWAT, 3, 300), 0);
	cr_assert_eq(strqset(q, QLOWAT, 3, 30), 0);
	cr_assert_eq(q->q_nband, 3);
	cr_assert_eq(yard_qband(q, 3)->qb_hiwat, 300);
	cr_assert_eq(yard_qband(q, 3)->qb_lowat, 30);
	cr_assert_eq(yard_qband(q, 2)->qb_hiwat, 1000, "other bands keep the inherited mark");
	cr_assert_eq(q->q_hiwat, 1000, "the queue is untouched");
	freeq(q);
}

struct qset_err {
	int what;
	unsigned char pri;
	int err;
};

ParameterizedTestParameters(qattr, strqset_refuses_read_only_and_bad_fields)
{
	static struct qset_err cases[] = {
		{ QCOUNT, 0, EPERM }, { QFIRST, 0, EPERM }, { QLAST, 0, EPERM },
		{ QFLAG, 0, EPERM }, { QCOUNT, 2, EPERM }, { QFLAG, 2, EPERM },
		{ QBAD, 0, EINVAL }, { QBAD, 2, EINVAL }, { 99, 0, EINVAL },
		{ QMAXPSZ, 1, EINVAL }, { QMINPSZ, 1, EINVAL }, { QSTRUIOT, 1, EINVAL },
	};

	return cr_make_param_array(struct qset_err, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct qset_err *c, qattr, strqset_refuses_read_only_and_bad_fields)
{
	queue_t *q = t_pair();
	uint32_t flag = q->q_flag;

	cr_assert_eq(strqset(q, (qfields_t)c->what, c->pri, 5), c->err, "what %d pri %u",
		     c->what, c->pri);
	cr_assert_eq(q->q_flag, flag);
	cr_assert_eq(q->q_count, 0);
	cr_assert_eq(q->q_maxpsz, INFPSZ);
	freeq(q);
	yt_end_of_test();
}

YT_TEST(qattr, strqset_does_not_reevaluate_qfull)
{
	queue_t *q = t_pair();

	q->q_hiwat = 10;
	putq(q, t_data(10));
	cr_assert(q->q_flag & QFULL);
	cr_assert_eq(strqset(q, QHIWAT, 0, 100), 0);
	cr_assert(q->q_flag & QFULL, "QFULL stays until the next dequeue");
	freemsg(getq(q));
	cr_assert_not(q->q_flag & QFULL);
	putq(q, t_data(50));
	cr_assert_not(q->q_flag & QFULL);
	cr_assert_eq(strqset(q, QHIWAT, 0, 10), 0);
	cr_assert_not(q->q_flag & QFULL, "nor is it set by lowering hiwat");
	freeq(q);
}
