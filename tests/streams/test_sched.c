/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-lcore scheduler: run list, budget, service flags, hooks, counters and the loop. */
#include <string.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_pause.h>

#include "yard_test.h"

TestSuite(sched, .init = yt_setup, .fini = yt_teardown);

#define NQ 8

/* What the service procedures saw, in the order they ran. */
static queue_t *ran[64];
static unsigned nran;
static unsigned nesting, max_nesting;
static uint32_t flags_at_entry;
static unsigned reenable_left;

static int
rec_srv(queue_t *q)
{
	nesting++;
	if (nesting > max_nesting)
		max_nesting = nesting;
	flags_at_entry = q->q_flag;
	if (nran < RTE_DIM(ran))
		ran[nran++] = q;
	if (reenable_left != 0) {
		reenable_left--;
		qenable(q);
	}
	nesting--;
	return 0;
}

static int
nop_put(queue_t *q, mblk_t *mp)
{
	freemsg(mp);
	return 0;
}

static struct module_info minfo = { .mi_idname = "tsched", .mi_hiwat = 1024, .mi_lowat = 256,
				    .mi_maxpsz = INFPSZ };
static struct qinit srv_init = { .qi_putp = nop_put, .qi_srvp = rec_srv, .qi_minfo = &minfo };

static queinfo_t qps[NQ];

/* A queue pair owned by the calling lcore, set up by hand so only the scheduler is tested. */
static queue_t *
mkq(unsigned i)
{
	queinfo_t *qp = &qps[i];

	memset(qp, 0, sizeof(*qp));
	qp->qu_rqueue.q_flag = QUSE | QREADR;
	qp->qu_wqueue.q_flag = QUSE;
	qp->qu_rqueue.q_qinfo = qp->qu_wqueue.q_qinfo = &srv_init;
	qp->qu_rqueue.q_sched = qp->qu_wqueue.q_sched = yard_sched_self();
	qp->qu_rqueue.q_hiwat = qp->qu_wqueue.q_hiwat = 1024;
	qp->qu_rqueue.q_lowat = qp->qu_wqueue.q_lowat = 256;
	return &qp->qu_wqueue;
}

YT_TEST(sched, runs_a_service_procedure_once_per_enable)
{
	struct yard_sched *sc = yard_sched_self();
	queue_t *q = mkq(0);
	uint64_t runs0 = sc->sc_stats.service_runs;

	qenable(q);
	qenable(q);
	qenable(q);
	cr_assert(q->q_flag & QENAB);
	yt_drain();
	cr_assert_eq(nran, 1, "three enables before a pass are one run, ran %u", nran);
	cr_assert_eq(ran[0], q);
	cr_assert_eq(q->q_nsrv, 1);
	cr_assert_eq(sc->sc_stats.service_runs - runs0, 1);
	cr_assert_not(q->q_flag & (QENAB | QINSERVICE));
	cr_assert(flags_at_entry & QINSERVICE, "QINSERVICE is set while the procedure runs");
	cr_assert_not(flags_at_entry & QENAB, "QENAB is cleared before the procedure runs");

	yt_drain();
	cr_assert_eq(nran, 1, "nothing runs without an enable");
	qenable(q);
	yt_drain();
	cr_assert_eq(nran, 2);
	cr_assert_eq(q->q_nsrv, 2);
}

YT_TEST(sched, services_enabled_queues_in_fifo_order)
{
	static const unsigned order[] = { 3, 1, 4, 0, 2, 7, 5, 6 };
	queue_t *q[NQ];

	for (unsigned i = 0; i < NQ; i++)
		q[i] = mkq(i);
	for (unsigned i = 0; i < NQ; i++)
		qenable(q[order[i]]);
	qenable(q[3]); /* already on the list: keeps its place */
	yt_drain();
	cr_assert_eq(nran, NQ);
	for (unsigned i = 0; i < NQ; i++)
		cr_assert_eq(ran[i], q[order[i]], "run %u was not queue %u", i, order[i]);
}

YT_TEST(sched, stops_at_the_budget_and_runs_the_rest_next_pass)
{
	struct yard_sched *sc = yard_sched_self();
	queue_t *q[5];
	uint64_t exhausted0 = sc->sc_stats.budget_exhausted;

	sc->sc_budget = 2;
	for (unsigned i = 0; i < 5; i++) {
		q[i] = mkq(i);
		qenable(q[i]);
	}
	yard_sched_run_once(sc);
	cr_assert_eq(nran, 2, "first pass ran %u", nran);
	cr_assert_eq(sc->sc_stats.budget_exhausted - exhausted0, 1);
	cr_assert(q[2]->q_flag & QENAB, "the rest stay enabled");
	yard_sched_run_once(sc);
	cr_assert_eq(nran, 4);
	cr_assert_eq(sc->sc_stats.budget_exhausted - exhausted0, 2);
	yard_sched_run_once(sc);
	cr_assert_eq(nran, 5);
	cr_assert_eq(sc->sc_stats.budget_exhausted - exhausted0, 2,
		     "a pass that empties the list is not exhausted");
	for (unsigned i = 0; i < 5; i++)
		cr_assert_eq(ran[i], q[i]);
	cr_assert_null(sc->sc_runhead);
}

YT_TEST(sched, runs_a_queue_enabled_during_its_service_again_later_not_recursively)
{
	struct yard_sched *sc = yard_sched_self();
	queue_t *q = mkq(0), *other = mkq(1);

	sc->sc_budget = 1;
	reenable_left = 1;
	qenable(q);
	qenable(other);
	yard_sched_run_once(sc);
	cr_assert_eq(nran, 1);
	cr_assert(q->q_flag & QENAB, "enabled again while in service");
	cr_assert_not(q->q_flag & QINSERVICE);
	/* It went to the tail: the other queue's turn comes first. */
	yard_sched_run_once(sc);
	cr_assert_eq(nran, 2);
	cr_assert_eq(ran[1], other);
	yard_sched_run_once(sc);
	cr_assert_eq(nran, 3);
	cr_assert_eq(ran[2], q);
	cr_assert_eq(max_nesting, 1, "a service procedure never runs inside itself");
	cr_assert_eq(q->q_nsrv, 2);
	cr_assert_null(sc->sc_runhead);
}

YT_TEST(sched, clears_qback_and_every_band_qb_back_after_service)
{
	queue_t *q = mkq(0);
	qband_t b1 = { .qb_flag = QB_BACK | QB_FULL }, b2 = { .qb_flag = QB_BACK };

	b1.qb_next = &b2;
	q->q_bandp = &b1;
	q->q_nband = 2;
	q->q_flag |= QBACK;
	qenable(q);
	yt_drain();
	cr_assert_eq(nran, 1);
	cr_assert(flags_at_entry & QBACK, "QBACK is still visible to the procedure");
	cr_assert_not(q->q_flag & QBACK);
	cr_assert_not(b1.qb_flag & QB_BACK);
	cr_assert_not(b2.qb_flag & QB_BACK);
	cr_assert(b1.qb_flag & QB_FULL, "other band flags are left alone");
	q->q_bandp = NULL;
}

YT_TEST(sched, never_runs_a_queue_marked_qwclose)
{
	struct yard_sched *sc = yard_sched_self();
	queue_t *q = mkq(0);

	qenable(q);
	q->q_flag |= QWCLOSE; /* qprocsoff after the enable */
	yt_drain();
	cr_assert_eq(nran, 0);
	cr_assert_eq(q->q_nsrv, 0);
	cr_assert_not(q->q_flag & (QENAB | QINSERVICE));
	cr_assert_null(sc->sc_runhead);
}

YT_TEST(sched, remove_takes_a_queue_off_the_run_list)
{
	struct yard_sched *sc = yard_sched_self();
	queue_t *a = mkq(0), *b = mkq(1), *c = mkq(2);

	qenable(a);
	qenable(b);
	qenable(c);
	yard_sched_remove(sc, c); /* the tail */
	yard_sched_remove(sc, a); /* the head */
	cr_assert_not(a->q_flag & QENAB);
	cr_assert_not(c->q_flag & QENAB);
	yard_sched_remove(sc, a); /* not on the list: harmless */
	yt_drain();
	cr_assert_eq(nran, 1);
	cr_assert_eq(ran[0], b);
	/* Removed queues can be enabled again. */
	qenable(c);
	yt_drain();
	cr_assert_eq(nran, 2);
	cr_assert_eq(ran[1], c);
}

/* ---- hooks -------------------------------------------------------------------------------- */

static char trace[64];
static unsigned ntrace;

static unsigned
hook_a(void *arg)
{
	if (ntrace < sizeof(trace) - 1)
		trace[ntrace++] = *(const char *)arg;
	return 0;
}

static unsigned
one_unit(void *arg)
{
	(*(unsigned *)arg)++;
	return 1;
}

static int
trace_srv(queue_t *q)
{
	if (ntrace < sizeof(trace) - 1)
		trace[ntrace++] = 'S';
	return 0;
}

static struct qinit trace_init = { .qi_putp = nop_put, .qi_srvp = trace_srv, .qi_minfo = &minfo };

YT_TEST(sched, runs_poll_hooks_then_service_then_flush_hooks_every_pass)
{
	struct yard_sched *sc = yard_sched_self();
	static const char P = 'P', Q = 'Q', F = 'F';
	queue_t *q = mkq(0);

	q->q_qinfo = &trace_init;
	cr_assert_eq(yard_sched_add_poll(sc, hook_a, (void *)&P), 0);
	cr_assert_eq(yard_sched_add_poll(sc, hook_a, (void *)&Q), 0);
	cr_assert_eq(yard_sched_add_flush(sc, hook_a, (void *)&F), 0);
	qenable(q);
	yard_sched_run_once(sc);
	yard_sched_run_once(sc);
	cr_assert_str_eq(trace, "PQSFPQF");

	cr_assert_eq(yard_sched_del_poll(sc, hook_a, (void *)&P), 0);
	cr_assert_eq(yard_sched_del_poll(sc, hook_a, (void *)&P), -ENOENT);
	cr_assert_eq(yard_sched_del_flush(sc, hook_a, (void *)&P), -ENOENT, "fn and arg must match");
	yard_sched_run_once(sc);
	cr_assert_str_eq(trace, "PQSFPQFQF");
	cr_assert_eq(yard_sched_del_poll(sc, hook_a, (void *)&Q), 0);
	cr_assert_eq(yard_sched_del_flush(sc, hook_a, (void *)&F), 0);
	yard_sched_run_once(sc);
	cr_assert_str_eq(trace, "PQSFPQFQF");
	cr_assert_eq(sc->sc_npoll, 0);
	cr_assert_eq(sc->sc_nflush, 0);
}

YT_TEST(sched, refuses_more_hooks_than_it_has_slots)
{
	struct yard_sched *sc = yard_sched_self();
	unsigned n = 0;
	uint64_t polled0 = sc->sc_stats.poll_msgs;
	int rc = 0;

	for (unsigned i = 0; i < YARD_SCHED_MAX_HOOKS; i++)
		cr_assert_eq(yard_sched_add_poll(sc, one_unit, &n), 0);
	rc = yard_sched_add_poll(sc, one_unit, &n);
	cr_assert_eq(rc, -ENOSPC);
	yard_sched_run_once(sc);
	cr_assert_eq(n, YARD_SCHED_MAX_HOOKS);
	cr_assert_eq(sc->sc_stats.poll_msgs - polled0, YARD_SCHED_MAX_HOOKS, "poll hooks' work is counted");
	for (unsigned i = 0; i < YARD_SCHED_MAX_HOOKS; i++)
		cr_assert_eq(yard_sched_del_poll(sc, one_unit, &n), 0);
}

static unsigned self_deleting_runs;

static unsigned
self_deleting(void *arg)
{
	self_deleting_runs++;
	yard_sched_del_poll(yard_sched_self(), self_deleting, arg);
	return 0;
}

YT_TEST(sched, lets_a_hook_delete_itself_without_skipping_the_next)
{
	struct yard_sched *sc = yard_sched_self();
	unsigned n = 0;

	cr_assert_eq(yard_sched_add_poll(sc, self_deleting, NULL), 0);
	cr_assert_eq(yard_sched_add_poll(sc, one_unit, &n), 0);
	yard_sched_run_once(sc);
	cr_assert_eq(self_deleting_runs, 1);
	cr_assert_eq(n, 1, "the hook after a self-deleting one still ran");
	yard_sched_run_once(sc);
	cr_assert_eq(self_deleting_runs, 1);
	cr_assert_eq(n, 2);
	cr_assert_eq(yard_sched_del_poll(sc, one_unit, &n), 0);
}

/* ---- counters ----------------------------------------------------------------------------- */

YT_TEST(sched, counts_idle_and_busy_cycles_and_loops)
{
	struct yard_sched *sc = yard_sched_self();
	struct yard_sched_stats s0 = sc->sc_stats;
	unsigned n = 0;

	for (int i = 0; i < 100; i++)
		cr_assert_eq(yard_sched_run_once(sc), 0, "an empty pass does no work");
	cr_assert_eq(sc->sc_stats.loops - s0.loops, 100);
	cr_assert_gt(sc->sc_stats.idle_cycles, s0.idle_cycles);
	cr_assert_eq(sc->sc_stats.busy_cycles, s0.busy_cycles, "no busy cycles while idle");

	struct yard_sched_stats s1 = sc->sc_stats;

	cr_assert_eq(yard_sched_add_poll(sc, one_unit, &n), 0);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(yard_sched_run_once(sc), 1);
	cr_assert_eq(sc->sc_stats.loops - s1.loops, 10);
	cr_assert_gt(sc->sc_stats.busy_cycles, s1.busy_cycles);
	cr_assert_eq(sc->sc_stats.idle_cycles, s1.idle_cycles, "no idle cycles while busy");
	cr_assert_eq(yard_sched_del_poll(sc, one_unit, &n), 0);

	struct yard_sched_stats sum;

	yard_sched_stats_sum(&sum);
	cr_assert_geq(sum.loops, 110);
	cr_assert_geq(sum.poll_msgs, 10);
}

YT_TEST(sched, drain_stops_when_nothing_is_left_to_do)
{
	struct yard_sched *sc = yard_sched_self();
	queue_t *q = mkq(0);
	unsigned passes;

	cr_assert_eq(yard_sched_drain(sc, 100), 1, "an idle scheduler drains in one pass");
	sc->sc_budget = 1;
	reenable_left = 3;
	qenable(q);
	passes = yard_sched_drain(sc, 100);
	cr_assert_eq(nran, 4);
	cr_assert_eq(passes, 5, "four busy passes and one idle one, got %u", passes);
	/* max_passes bounds it. */
	reenable_left = 1000;
	qenable(q);
	cr_assert_eq(yard_sched_drain(sc, 10), 10);
	reenable_left = 0;
	yt_drain();
}

/* ---- the loop on another lcore ------------------------------------------------------------ */

static unsigned
count_on_lcore(void *arg)
{
	__atomic_fetch_add((unsigned *)arg, 1, __ATOMIC_RELAXED);
	return 0;
}

YT_TEST(sched, loop_runs_on_lcore_1_until_yard_sched_stop)
{
	struct yard_sched *sc1 = yard_sched_of(1);
	unsigned polls = 0;
	uint64_t deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();

	cr_assert_not_null(sc1);
	cr_assert(sc1->sc_inited, "every enabled lcore has a scheduler");
	cr_assert_eq(yard_sched_add_poll(sc1, count_on_lcore, &polls), 0);
	cr_assert_eq(rte_eal_remote_launch(yard_sched_loop, NULL, 1), 0);
	while (__atomic_load_n(&polls, __ATOMIC_RELAXED) < 1000 && rte_get_timer_cycles() < deadline)
		rte_pause();
	cr_assert_geq(__atomic_load_n(&polls, __ATOMIC_RELAXED), 1000, "lcore 1 loop is not running");
	yard_sched_stop(1);
	cr_assert_eq(rte_eal_wait_lcore(1), 0);
	unsigned after = polls;
	cr_assert_geq(sc1->sc_stats.loops, after, "lcore 1 counted its own passes");
	rte_delay_us_block(1000);
	cr_assert_eq(polls, after, "the loop has stopped");
	cr_assert_not(sc1->sc_stop, "the stop request is consumed, the loop can be relaunched");
	cr_assert_eq(yard_sched_del_poll(sc1, count_on_lcore, &polls), 0);
}
