/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cross-lcore mailbox: lcore 1 sends, lcore 0 (the test's main lcore) owns the queues and
 * runs its scheduler. The mailbox is deliberately small (64 pairs) so that senders find it
 * full and must retry.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <sched.h>

#include <rte_pause.h>

#include "yard_test.h"

#define MBOX 64

static void
setup_small_mbox(void)
{
	struct yard_streams_conf conf = {
		.pools = { .data_n = 4095, .ctl_n = 2047, .esb_n = 255, .cache = 32 },
		.mbox_size = MBOX,
	};

	yt_setup_conf(&conf);
}

TestSuite(mailbox, .init = setup_small_mbox, .fini = yt_teardown);

static struct module_info minfo = { .mi_idname = "tmbox", .mi_hiwat = 1024, .mi_lowat = 256,
				    .mi_maxpsz = INFPSZ };

/* ---- the receiving side (lcore 0) --------------------------------------------------------- */

static volatile uint32_t expected;  /* next sequence number the sink wants */
static volatile uint32_t misordered;
static unsigned sink_lcore_bad;
static unsigned nsunk;

static uint32_t
seq_of(const mblk_t *mp)
{
	uint32_t v;

	memcpy(&v, mp->b_rptr, sizeof(v));
	return v;
}

static int
seq_sink(queue_t *q, mblk_t *mp)
{
	uint32_t seq = seq_of(mp);

	if (rte_lcore_id() != 0)
		sink_lcore_bad++;
	if (seq != expected)
		misordered++;
	expected = seq + 1;
	nsunk++;
	freemsg(mp);
	return 0;
}

static struct qinit sink_init = { .qi_putp = seq_sink, .qi_minfo = &minfo };

static queinfo_t qps[4];

/* A queue pair owned by lcore's scheduler; returns its read queue. */
static queue_t *
mkq(unsigned i, unsigned lcore)
{
	queinfo_t *qp = &qps[i];

	memset(qp, 0, sizeof(*qp));
	qp->qu_rqueue.q_flag = QUSE | QREADR;
	qp->qu_wqueue.q_flag = QUSE;
	qp->qu_rqueue.q_qinfo = qp->qu_wqueue.q_qinfo = &sink_init;
	qp->qu_rqueue.q_sched = qp->qu_wqueue.q_sched = yard_sched_of(lcore);
	return &qp->qu_rqueue;
}

/* ---- the sending side (lcore 1) ----------------------------------------------------------- */

struct sender {
	queue_t *q;
	uint32_t n;        /* messages to send */
	unsigned burst;    /* 0: yard_mbox_put, else bursts of this size */
	uint32_t retries;  /* refusals seen */
	int failed;
};

static mblk_t *
seq_msg_retry(uint32_t seq)
{
	mblk_t *mp;

	/* Messages come back to the pool as lcore 0 frees them; wait if all are in flight. */
	while ((mp = allocb(sizeof(seq), BPRI_MED)) == NULL)
		sched_yield();
	memcpy(mp->b_wptr, &seq, sizeof(seq));
	mp->b_wptr += sizeof(seq);
	return mp;
}

static int
send_main(void *arg)
{
	struct sender *s = arg;
	mblk_t *mps[32];

	if (s->burst == 0) {
		for (uint32_t i = 0; i < s->n; i++) {
			mblk_t *mp = seq_msg_retry(i);

			while (yard_mbox_put(s->q, mp) == 0) {
				__atomic_fetch_add(&s->retries, 1, __ATOMIC_RELAXED);
				/* Yield, not spin: on a loaded 2-core machine the receiver may share our core. */
				sched_yield();
			}
		}
		return 0;
	}
	for (uint32_t i = 0; i < s->n;) {
		unsigned k = RTE_MIN(s->burst, s->n - i), sent = 0;

		for (unsigned j = 0; j < k; j++)
			mps[j] = seq_msg_retry(i + j);
		while (sent < k) {
			unsigned m = yard_mbox_put_burst(s->q, mps + sent, k - sent);

			if (m < k - sent)
				__atomic_fetch_add(&s->retries, 1, __ATOMIC_RELAXED);
			sent += m;
			if (sent < k)
				sched_yield();
		}
		i += k;
	}
	return 0;
}

/* Run lcore 0's scheduler until the sink has `want` messages (or 120 s pass). */
static void
receive_until(uint32_t want)
{
	struct yard_sched *sc = yard_sched_self();
	uint64_t deadline = rte_get_timer_cycles() + 120 * rte_get_timer_hz();

	while (nsunk < want && rte_get_timer_cycles() < deadline)
		if (yard_sched_run_once(sc) == 0)
			sched_yield(); /* let the sender run if it shares this core */
}

/* Wait until lcore 1 has found the mailbox full at least once, without draining it. */
static void
wait_for_full(const struct sender *s)
{
	uint64_t deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();

	while (__atomic_load_n(&s->retries, __ATOMIC_RELAXED) == 0 &&
	       rte_get_timer_cycles() < deadline)
		rte_pause();
}

YT_TEST(mailbox, delivers_a_million_messages_from_lcore_1_in_order, .timeout = 240)
{
	struct yard_sched *sc0 = yard_sched_of(0), *sc1 = yard_sched_of(1);
	struct sender s = { .q = mkq(0, 0), .n = 1000000 };
	uint64_t msgs0 = sc0->sc_stats.mbox_msgs;

	cr_assert_eq(rte_get_main_lcore(), 0);
	cr_assert_eq(rte_eal_remote_launch(send_main, &s, 1), 0);
	/* Let the sender fill the mailbox first: it must cope with a full one. */
	wait_for_full(&s);
	receive_until(s.n);
	cr_assert_eq(rte_eal_wait_lcore(1), 0);
	yt_drain();

	cr_assert_eq(nsunk, s.n, "received %u of %u", nsunk, s.n);
	cr_assert_eq(misordered, 0, "%u messages out of order", misordered);
	cr_assert_eq(expected, s.n);
	cr_assert_eq(sink_lcore_bad, 0, "put ran on the owning lcore only");
	cr_assert_gt(s.retries, 0, "the mailbox was never full");
	cr_assert_gt(sc1->sc_stats.mbox_full, 0, "the sender counts refusals on its own lcore");
	cr_assert_eq(sc1->sc_stats.mbox_full, s.retries);
	cr_assert_eq(sc0->sc_stats.mbox_msgs - msgs0, s.n);
	cr_assert_eq(s.q->q_nput, s.n);
	cr_assert(rte_ring_empty(sc0->sc_mbox));
}

YT_TEST(mailbox, delivers_bursts_from_lcore_1_in_order, .timeout = 240)
{
	struct yard_sched *sc1 = yard_sched_of(1);
	struct sender s = { .q = mkq(0, 0), .n = 200000, .burst = 24 };

	cr_assert_eq(rte_eal_remote_launch(send_main, &s, 1), 0);
	wait_for_full(&s);
	receive_until(s.n);
	cr_assert_eq(rte_eal_wait_lcore(1), 0);
	yt_drain();
	cr_assert_eq(nsunk, s.n);
	cr_assert_eq(misordered, 0);
	cr_assert_gt(sc1->sc_stats.mbox_full, 0);
}

/* lcore 1 sends one burst larger than the mailbox and reports how many went. */
struct big_burst {
	queue_t *q;
	mblk_t *mps[MBOX + 36];
	unsigned sent;
};

static int
big_burst_main(void *arg)
{
	struct big_burst *b = arg;

	b->sent = yard_mbox_put_burst(b->q, b->mps, RTE_DIM(b->mps));
	return 0;
}

YT_TEST(mailbox, put_burst_sends_the_prefix_that_fits)
{
	static struct big_burst b;
	struct yard_sched *sc0 = yard_sched_of(0);

	b.q = mkq(0, 0);
	for (uint32_t i = 0; i < RTE_DIM(b.mps); i++)
		b.mps[i] = seq_msg_retry(i);
	cr_assert_eq(rte_eal_remote_launch(big_burst_main, &b, 1), 0);
	cr_assert_eq(rte_eal_wait_lcore(1), 0);
	cr_assert_eq(b.sent, MBOX, "sent %u, the mailbox holds %u", b.sent, MBOX);
	cr_assert_eq(rte_ring_count(sc0->sc_mbox), 2 * MBOX, "whole pairs only");
	cr_assert_eq(yard_sched_of(1)->sc_stats.mbox_full, 1);
	freemsg_burst(b.mps + b.sent, RTE_DIM(b.mps) - b.sent);
	yt_drain();
	cr_assert_eq(nsunk, MBOX);
	cr_assert_eq(misordered, 0);
}

YT_TEST(mailbox, put_to_a_queue_the_caller_owns_runs_put_at_once)
{
	struct yard_sched *sc0 = yard_sched_self();
	queue_t *q = mkq(0, 0);
	mblk_t *mps[3];

	cr_assert_eq(yard_mbox_put(q, seq_msg_retry(0)), 1);
	cr_assert_eq(nsunk, 1, "no scheduler pass needed");
	cr_assert(rte_ring_empty(sc0->sc_mbox));
	for (uint32_t i = 0; i < 3; i++)
		mps[i] = seq_msg_retry(i + 1);
	cr_assert_eq(yard_mbox_put_burst(q, mps, 3), 3);
	cr_assert_eq(nsunk, 4);
	cr_assert_eq(misordered, 0);
	cr_assert_eq(sc0->sc_stats.mbox_msgs, 0, "nothing went through the ring");
}

/* lcore 1 sends a few (queue, message) pairs in a given order. */
struct pairs {
	queue_t *q[8];
	uint32_t seq[8];
	unsigned n;
};

static int
pairs_main(void *arg)
{
	struct pairs *p = arg;

	for (unsigned i = 0; i < p->n; i++)
		if (yard_mbox_put(p->q[i], seq_msg_retry(p->seq[i])) != 1)
			return -1;
	return 0;
}

YT_TEST(mailbox, purge_drops_entries_for_the_queue_and_keeps_the_others_in_order)
{
	struct yard_sched *sc0 = yard_sched_self();
	queue_t *a = mkq(0, 0), *b = mkq(1, 0);
	struct pairs p = { .q = { a, b, a, b, a, b }, .seq = { 100, 0, 101, 1, 102, 2 }, .n = 6 };

	cr_assert_eq(rte_eal_remote_launch(pairs_main, &p, 1), 0);
	cr_assert_eq(rte_eal_wait_lcore(1), 0);
	cr_assert_eq(rte_ring_count(sc0->sc_mbox), 12);
	cr_assert_eq(yard_sched_purge_queue(sc0, a), 3);
	cr_assert(rte_ring_empty(sc0->sc_mbox));
	cr_assert_eq(b->q_ndefer, 3, "the others wait on the deferred list");
	yt_drain();
	cr_assert_eq(nsunk, 3);
	cr_assert_eq(expected, 3);
	cr_assert_eq(misordered, 0);
	cr_assert_eq(a->q_nput, 0);
	cr_assert_eq(b->q_nput, 3);
}

/*
 * A close's purge takes everything off the ring: what it moves to the deferred list came from
 * the mailbox as much as what a drain takes, and the counter that says how many messages other
 * lcores sent here must include it (a sender's count of messages sent then matches it).
 */
YT_TEST(mailbox, purge_counts_what_it_takes_from_the_mailbox)
{
	struct yard_sched *sc0 = yard_sched_self();
	queue_t *a = mkq(0, 0), *b = mkq(1, 0);
	struct pairs p = { .q = { b, a, b, a }, .seq = { 0, 100, 1, 101 }, .n = 4 };
	uint64_t taken = sc0->sc_stats.mbox_msgs;

	cr_assert_eq(rte_eal_remote_launch(pairs_main, &p, 1), 0);
	cr_assert_eq(rte_eal_wait_lcore(1), 0);
	cr_assert_eq(yard_sched_purge_queue(sc0, a), 2);
	cr_assert_eq(sc0->sc_stats.mbox_msgs - taken, 4, "four taken off the ring");
	yt_drain();
	cr_assert_eq(nsunk, 2);
	cr_assert_eq(sc0->sc_stats.mbox_msgs - taken, 4, "and not counted again when delivered");
}

/* ---- putnext across lcores ---------------------------------------------------------------- */

struct remote_drain {
	struct yard_sched *sc;
	unsigned got;
};

static int
drain_main(void *arg)
{
	struct remote_drain *d = arg;

	d->got = yard_mbox_drain(d->sc, 1000);
	return 0;
}

static unsigned remote_sunk;

static int
remote_sink(queue_t *q, mblk_t *mp)
{
	if (rte_lcore_id() == 1 && seq_of(mp) == remote_sunk)
		remote_sunk++;
	freemsg(mp);
	return 0;
}

static struct qinit remote_init = { .qi_putp = remote_sink, .qi_minfo = &minfo };

YT_TEST(mailbox, putnext_to_another_lcore_goes_through_its_mailbox)
{
	struct yard_sched *sc0 = yard_sched_of(0), *sc1 = yard_sched_of(1);
	queue_t *mine = mkq(0, 0), *theirs = mkq(1, 1);
	struct remote_drain d = { .sc = sc1 };
	mblk_t *mps[4];

	theirs->q_qinfo = &remote_init;
	mine->q_next = theirs; /* a multiplexor link across lcores */
	putnext(mine, seq_msg_retry(0));
	for (uint32_t i = 0; i < 4; i++)
		mps[i] = seq_msg_retry(i + 1);
	putnext_burst(mine, mps, 4);
	cr_assert_eq(theirs->q_nput, 0, "not called on this lcore");
	cr_assert_eq(rte_ring_count(sc1->sc_mbox), 10);
	cr_assert_eq(rte_eal_remote_launch(drain_main, &d, 1), 0);
	cr_assert_eq(rte_eal_wait_lcore(1), 0);
	cr_assert_eq(d.got, 5);
	cr_assert_eq(remote_sunk, 5, "delivered on lcore 1, in order");
	cr_assert_eq(sc1->sc_stats.mbox_msgs, 5);
	cr_assert_eq(sc0->sc_stats.mbox_drops, 0);
}

YT_TEST(mailbox, putnext_to_a_full_mailbox_frees_and_counts_the_message)
{
	struct yard_sched *sc0 = yard_sched_of(0), *sc1 = yard_sched_of(1);
	queue_t *mine = mkq(0, 0), *theirs = mkq(1, 1);
	struct remote_drain d = { .sc = sc1 };
	mblk_t *mps[3];

	theirs->q_qinfo = &remote_init;
	mine->q_next = theirs;
	for (uint32_t i = 0; i < MBOX; i++)
		putnext(mine, seq_msg_retry(i));
	cr_assert_eq(sc0->sc_stats.mbox_drops, 0);
	putnext(mine, seq_msg_retry(MBOX));
	cr_assert_eq(sc0->sc_stats.mbox_drops, 1);
	cr_assert_eq(sc0->sc_stats.mbox_full, 1);
	for (uint32_t i = 0; i < 3; i++)
		mps[i] = seq_msg_retry(MBOX + 1 + i);
	putnext_burst(mine, mps, 3);
	cr_assert_eq(sc0->sc_stats.mbox_drops, 4);
	cr_assert_eq(yt_msgs_outstanding(), MBOX, "dropped messages were freed");
	cr_assert_eq(rte_eal_remote_launch(drain_main, &d, 1), 0);
	cr_assert_eq(rte_eal_wait_lcore(1), 0);
	cr_assert_eq(d.got, MBOX);
	cr_assert_eq(remote_sunk, MBOX);
}

/* A put procedure that closes another queue (purges it) on its first message. */
static queue_t *victim;
static unsigned purged_in_put;

static int
closer_put(queue_t *q, mblk_t *mp)
{
	if (victim != NULL) {
		purged_in_put = yard_sched_purge_queue(q->q_sched, victim);
		victim = NULL;
	}
	return seq_sink(q, mp);
}

static struct qinit closer_init = { .qi_putp = closer_put, .qi_minfo = &minfo };

YT_TEST(mailbox, purge_from_a_put_procedure_reaches_messages_the_drain_has_in_hand)
{
	struct yard_sched *sc0 = yard_sched_self();
	queue_t *a = mkq(0, 0), *b = mkq(1, 0);
	struct pairs p = { .q = { b, a, a, b }, .seq = { 0, 100, 101, 1 }, .n = 4 };

	b->q_qinfo = &closer_init;
	victim = a;
	cr_assert_eq(rte_eal_remote_launch(pairs_main, &p, 1), 0);
	cr_assert_eq(rte_eal_wait_lcore(1), 0);
	/* One drain takes all four pairs in one batch; b's put purges a mid-batch. */
	cr_assert_eq(yard_mbox_drain(sc0, 64), 4);
	cr_assert_eq(purged_in_put, 2);
	cr_assert_eq(a->q_nput, 0, "a purged queue is never called");
	cr_assert_eq(b->q_nput, 2);
	cr_assert_eq(nsunk, 2);
	cr_assert_eq(misordered, 0);
}
