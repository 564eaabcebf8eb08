/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-lcore scheduler: run list, budget, service flags, hooks, counters, the loop and its
 * idle sleep. */
#include <inttypes.h>
#include <string.h>
#include <sys/prctl.h>

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

static void *victim_arg;
static unsigned victim_deletes;

/* Deletes the hook one_unit(victim_arg), once. */
static unsigned
deleting_other(void *arg)
{
	RTE_SET_USED(arg);
	if (victim_deletes++ == 0)
		cr_assert_eq(yard_sched_del_poll(yard_sched_self(), one_unit, victim_arg), 0);
	return 0;
}

YT_TEST(sched, a_hook_that_deletes_an_earlier_one_does_not_skip_the_next)
{
	struct yard_sched *sc = yard_sched_self();
	unsigned first = 0, last = 0;

	victim_arg = &first;
	cr_assert_eq(yard_sched_add_poll(sc, one_unit, &first), 0);
	cr_assert_eq(yard_sched_add_poll(sc, deleting_other, NULL), 0);
	cr_assert_eq(yard_sched_add_poll(sc, one_unit, &last), 0);
	yard_sched_run_once(sc);
	cr_expect_eq(first, 1);
	cr_expect_eq(victim_deletes, 1);
	cr_expect_eq(last, 1, "the hook after the deleting one moved down a slot and still ran");
	yard_sched_run_once(sc);
	cr_expect_eq(first, 1, "deleted");
	cr_expect_eq(victim_deletes, 2);
	cr_expect_eq(last, 2);
	cr_assert_eq(yard_sched_del_poll(sc, deleting_other, NULL), 0);
	cr_assert_eq(yard_sched_del_poll(sc, one_unit, &last), 0);
}

YT_TEST(sched, a_hook_that_deletes_a_later_one_keeps_it_from_running)
{
	struct yard_sched *sc = yard_sched_self();
	unsigned victim = 0, last = 0;

	victim_arg = &victim;
	cr_assert_eq(yard_sched_add_poll(sc, deleting_other, NULL), 0);
	cr_assert_eq(yard_sched_add_poll(sc, one_unit, &victim), 0);
	cr_assert_eq(yard_sched_add_poll(sc, one_unit, &last), 0);
	yard_sched_run_once(sc);
	cr_expect_eq(victim, 0, "deleted before its turn");
	cr_expect_eq(last, 1);
	cr_assert_eq(yard_sched_del_poll(sc, deleting_other, NULL), 0);
	cr_assert_eq(yard_sched_del_poll(sc, one_unit, &last), 0);
}

YT_TEST(sched, a_pass_leaves_its_start_in_sc_now)
{
	struct yard_sched *sc = yard_sched_self();
	uint64_t before = rte_get_timer_cycles(), after;

	yard_sched_run_once(sc);
	after = rte_get_timer_cycles();
	cr_expect_geq(sc->sc_now, before);
	cr_expect_leq(sc->sc_now, after);
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

/* ---- idle sleep --------------------------------------------------------------------------- */

/* What the loop asked of its sleeps; spins for as long, so sleep_cycles has something to count. */
static unsigned asked[64];
static unsigned nasked;

static void
record_sleep(unsigned us)
{
	if (nasked < RTE_DIM(asked))
		asked[nasked] = us;
	nasked++;
	rte_delay_us_block(us);
}

static unsigned busy_once_left;

static unsigned
busy_once(void *arg)
{
	RTE_SET_USED(arg);
	if (busy_once_left == 0)
		return 0;
	busy_once_left--;
	return 1;
}

YT_TEST(sched, idle_sleep_is_off_by_default_and_never_sleeps_then)
{
	struct yard_sched *sc = yard_sched_self();

	cr_assert_eq(sc->sc_sleep_us, 0, "lcores poll for ever unless told");
	cr_assert_eq(sc->sc_idle_passes, YARD_SCHED_IDLE_PASSES_DEFAULT);
	sc->sc_sleep_fn = record_sleep;
	for (unsigned i = 0; i < 10 * YARD_SCHED_IDLE_PASSES_DEFAULT; i++)
		cr_assert_eq(yard_sched_loop_once(sc), 0);
	cr_assert_eq(yard_sched_idle(sc), 0, "even called directly, it does not sleep when off");
	cr_assert_eq(nasked, 0);
	cr_assert_eq(sc->sc_stats.sleeps, 0);
	cr_assert_eq(sc->sc_stats.sleep_cycles, 0);
}

YT_TEST(sched, refuses_an_idle_sleep_past_100_ms_or_zero_idle_passes)
{
	struct yard_sched *sc = yard_sched_self();

	cr_assert_eq(yard_sched_set_idle_sleep(sc, YARD_SCHED_SLEEP_MAX_US + 1, 64), -EINVAL);
	cr_assert_eq(yard_sched_set_idle_sleep(sc, 100, 0), -EINVAL);
	cr_assert_eq(yard_sched_set_idle_sleep(sc, 100, YARD_SCHED_IDLE_PASSES_MAX + 1), -EINVAL);
	cr_assert_eq(sc->sc_sleep_us, 0, "a refused setting changes nothing");
	cr_assert_eq(yard_sched_set_idle_sleep(sc, YARD_SCHED_SLEEP_MAX_US, 1), 0);
	cr_assert_eq(yard_sched_set_idle_sleep(sc, 0, 64), 0);
}

YT_TEST(sched, sleeps_after_idle_passes_empty_passes_doubling_up_to_idle_sleep_us)
{
	struct yard_sched *sc = yard_sched_self();
	struct yard_sched_stats s0;
	static const unsigned want[] = { 10, 20, 40, 80, 160, 160, 160 };
	uint64_t want_cycles = 0;

	sc->sc_sleep_fn = record_sleep;
	cr_assert_eq(yard_sched_set_idle_sleep(sc, 160, 4), 0);
	s0 = sc->sc_stats;
	for (unsigned i = 0; i < 3; i++)
		yard_sched_loop_once(sc);
	cr_assert_eq(nasked, 0, "three empty passes of four: no sleep yet");
	for (unsigned i = 0; i < RTE_DIM(want); i++) {
		yard_sched_loop_once(sc);
		cr_assert_eq(nasked, i + 1, "every empty pass from the 4th sleeps");
		cr_assert_eq(asked[i], want[i], "sleep %u: %u us, not %u", i, asked[i], want[i]);
		want_cycles += want[i] * rte_get_tsc_hz() / 1000000;
	}
	cr_assert_eq(sc->sc_stats.sleeps - s0.sleeps, RTE_DIM(want));
	cr_assert_geq(sc->sc_stats.sleep_cycles - s0.sleep_cycles, want_cycles,
		      "slept cycles count the whole sleep");
	cr_assert_lt(sc->sc_stats.idle_cycles - s0.idle_cycles,
		     sc->sc_stats.sleep_cycles - s0.sleep_cycles,
		     "slept cycles are not idle cycles");
	cr_assert_eq(sc->sc_stats.busy_cycles, s0.busy_cycles, "nor busy ones");
	cr_assert_eq(sc->sc_stats.loops - s0.loops, 3 + RTE_DIM(want));
}

YT_TEST(sched, a_message_in_restarts_the_idle_count_and_the_back_off)
{
	struct yard_sched *sc = yard_sched_self();

	sc->sc_sleep_fn = record_sleep;
	cr_assert_eq(yard_sched_set_idle_sleep(sc, 64, 2), 0);
	cr_assert_eq(yard_sched_add_poll(sc, busy_once, NULL), 0);
	for (unsigned i = 0; i < 5; i++)
		yard_sched_loop_once(sc);
	cr_assert_eq(nasked, 4);
	cr_assert_eq(asked[3], 32);
	busy_once_left = 1;
	cr_assert_eq(yard_sched_loop_once(sc), 1);
	cr_assert_eq(nasked, 4, "no sleep after a pass that did work");
	yard_sched_loop_once(sc);
	cr_assert_eq(nasked, 4, "a message came in: the count starts again, one empty pass of two");
	yard_sched_loop_once(sc);
	cr_assert_eq(nasked, 5);
	cr_assert_eq(asked[4], 4, "the back-off starts again at idle_sleep_us / 16");
	cr_assert_eq(yard_sched_del_poll(sc, busy_once, NULL), 0);
}

static unsigned timer_fired;

static void
fire(void *arg)
{
	RTE_SET_USED(arg);
	timer_fired++;
}

YT_TEST(sched, a_due_timer_is_work_not_slept_through_but_not_traffic)
{
	struct yard_sched *sc = yard_sched_self();

	sc->sc_sleep_fn = record_sleep;
	cr_assert_eq(yard_sched_set_idle_sleep(sc, 100, 3), 0);
	yard_sched_loop_once(sc);
	yard_sched_loop_once(sc);
	cr_assert_neq(yard_timeout(fire, NULL, 0), 0);
	cr_assert_eq(yard_sched_loop_once(sc), 1, "the due timer fired in this pass");
	cr_assert_eq(timer_fired, 1);
	cr_assert_eq(nasked, 0, "the pass had work: no sleep");
	yard_sched_loop_once(sc);
	cr_assert_eq(nasked, 1, "the third empty pass sleeps: a timer does not restart the count");
	cr_assert_eq(asked[0], 6);
	cr_assert_neq(yard_timeout(fire, NULL, 0), 0);
	cr_assert_eq(yard_sched_loop_once(sc), 1);
	yard_sched_loop_once(sc);
	cr_assert_eq(nasked, 2);
	cr_assert_eq(asked[1], 12, "nor the back-off (TCP's 5 ms tick would reset it for ever)");
}

/* Microseconds of timer cycles, for the timer-bound tests' retries. */
static uint64_t
us_since(uint64_t t0)
{
	return (rte_get_timer_cycles() - t0) * 1000000 / rte_get_timer_hz();
}

YT_TEST(sched, a_timer_due_during_the_sleep_ends_it_at_the_deadline_not_before)
{
	struct yard_sched *sc = yard_sched_self();
	struct yard_sched_stats s0;
	unsigned tries;

	sc->sc_sleep_fn = record_sleep;
	cr_assert_eq(yard_sched_set_idle_sleep(sc, YARD_SCHED_SLEEP_MAX_US, 1), 0);
	/*
	 * The back-off's first step is 6,250 us; a timer 300 us ahead must cut it. A loaded
	 * machine may take longer than 300 us from arming to the check: then the timer is due
	 * and the pass must not sleep at all, and we try again.
	 */
	for (tries = 0; tries < 100; tries++) {
		uint64_t t0 = rte_get_timer_cycles();

		nasked = 0;
		timer_fired = 0;
		s0 = sc->sc_stats;
		cr_assert_neq(yard_timeout(fire, NULL, 300), 0);
		(void)yard_sched_loop_once(sc);
		if (nasked != 0)
			break;
		cr_assert_geq(us_since(t0), 300, "no sleep though the timer was not due yet");
		while (timer_fired == 0)
			(void)yard_sched_run_once(sc);
	}
	cr_assert_eq(nasked, 1, "slept once in %u tries", tries + 1);
	cr_assert_gt(asked[0], 0);
	cr_assert_leq(asked[0], 300, "asked %u us, the timer was due in 300", asked[0]);
	cr_assert_eq(timer_fired, 0, "the timer had not run before the sleep");
	cr_assert_eq(sc->sc_stats.sleeps - s0.sleeps, 1);
	/* record_sleep spun for what was asked: rounding down would leave the timer not due. */
	cr_assert_eq(yard_sched_run_once(sc), 1, "the pass after the sleep runs the timer");
	cr_assert_eq(timer_fired, 1);
}

YT_TEST(sched, a_timer_due_now_skips_the_sleep_and_leaves_the_back_off_alone)
{
	struct yard_sched *sc = yard_sched_self();

	sc->sc_sleep_fn = record_sleep;
	cr_assert_eq(yard_sched_set_idle_sleep(sc, 1600, 1), 0);
	cr_assert_eq(yard_sched_run_once(sc), 0);
	cr_assert_neq(yard_timeout(fire, NULL, 0), 0);
	cr_assert_eq(yard_sched_idle(sc), 0, "a due timer: no sleep");
	cr_assert_eq(nasked, 0);
	cr_assert_eq(sc->sc_stats.sleeps, 0);
	cr_assert_eq(yard_sched_loop_once(sc), 1, "the next pass runs it");
	cr_assert_eq(timer_fired, 1);
	cr_assert_eq(yard_sched_loop_once(sc), 0);
	cr_assert_eq(nasked, 1);
	cr_assert_eq(asked[0], 100, "the back-off still starts at idle_sleep_us / 16");
}

YT_TEST(sched, with_no_timer_or_one_hours_away_the_back_off_is_unchanged)
{
	struct yard_sched *sc = yard_sched_self();
	static const unsigned want[] = { 100, 200, 400, 800, 1600, 1600 };
	timeout_id_t far;

	sc->sc_sleep_fn = record_sleep;
	cr_assert_eq(yard_sched_set_idle_sleep(sc, 1600, 1), 0);
	cr_assert_eq(yard_timeouts_pending(), 0, "no timer on this lcore");
	for (unsigned i = 0; i < 3; i++) {
		cr_assert_eq(yard_sched_loop_once(sc), 0);
		cr_assert_eq(asked[i], want[i], "sleep %u: %u us, not %u", i, asked[i], want[i]);
	}
	/* Two hours of ticks times 10^6 overflows 64 bits: the bound must not. */
	far = yard_timeout(fire, NULL, 2ull * 3600 * 1000000);
	cr_assert_neq(far, 0);
	for (unsigned i = 3; i < RTE_DIM(want); i++) {
		cr_assert_eq(yard_sched_loop_once(sc), 0);
		cr_assert_eq(asked[i], want[i], "sleep %u: %u us, not %u", i, asked[i], want[i]);
	}
	cr_assert_eq(nasked, RTE_DIM(want));
	cr_assert_eq(yard_untimeout(far), 0);
	cr_assert_eq(timer_fired, 0);
}

/* Sends one message to lcore 0's queue from lcore 1, through the mailbox. */
static int
send_from_lcore_1(void *arg)
{
	queue_t *q = arg;

	return yard_mbox_put(q, yt_msg(M_DATA, 8, 0)) == 1 ? 0 : -1;
}

YT_TEST(sched, does_not_sleep_while_work_waits_though_the_pass_found_none)
{
	struct yard_sched *sc = yard_sched_self();
	queue_t *q = mkq(0);
	bufcall_id_t bid;

	sc->sc_sleep_fn = record_sleep;
	cr_assert_eq(yard_sched_set_idle_sleep(sc, 100, 1), 0);

	/* Each of these arrives after an empty pass, before the loop would sleep. */
	cr_assert_eq(yard_sched_run_once(sc), 0);
	qenable(q);
	cr_assert_eq(yard_sched_idle(sc), 0, "a queue on the run list");
	cr_assert_eq(yard_sched_run_once(sc), 1);
	cr_assert_eq(nran, 1);

	cr_assert_eq(yard_sched_run_once(sc), 0);
	yard_sched_defer(sc, q, yt_msg(M_DATA, 8, 0));
	cr_assert_eq(yard_sched_idle(sc), 0, "a deferred put");
	cr_assert_eq(yard_sched_run_once(sc), 1);

	cr_assert_eq(yard_sched_run_once(sc), 0);
	cr_assert_eq(rte_eal_remote_launch(send_from_lcore_1, q, 1), 0);
	cr_assert_eq(rte_eal_wait_lcore(1), 0);
	cr_assert_eq(yard_sched_idle(sc), 0, "a message in the mailbox");
	cr_assert_eq(yard_sched_run_once(sc), 1);

	cr_assert_eq(yard_sched_run_once(sc), 0);
	bid = bufcall(64, BPRI_MED, fire, NULL);
	cr_assert_neq(bid, 0);
	cr_assert_eq(yard_sched_idle(sc), 0, "a pending bufcall");
	unbufcall(bid);

	cr_assert_eq(nasked, 0);
	cr_assert_eq(sc->sc_stats.sleeps, 0);
	cr_assert_eq(yard_sched_loop_once(sc), 0);
	cr_assert_eq(nasked, 1, "with nothing waiting, the empty pass sleeps");
}

/* The timer slack lcore 1's thread had, as its poll hook saw it from inside the loop. */
static int slack_in_loop = -1;

static unsigned
read_slack(void *arg)
{
	RTE_SET_USED(arg);
	if (__atomic_load_n(&slack_in_loop, __ATOMIC_RELAXED) < 0)
		__atomic_store_n(&slack_in_loop, prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0),
				 __ATOMIC_RELAXED);
	return 0;
}

static int
slack_of_lcore(void *arg)
{
	RTE_SET_USED(arg);
	return prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
}

YT_TEST(sched, the_loop_on_lcore_1_sleeps_when_idle_with_less_timer_slack)
{
	struct yard_sched *sc1 = yard_sched_of(1);
	uint64_t t0, wall;
	int slack_before;

	cr_assert_eq(rte_eal_remote_launch(slack_of_lcore, NULL, 1), 0);
	slack_before = rte_eal_wait_lcore(1);
	cr_assert_gt(slack_before, 0);
	cr_assert_eq(yard_sched_set_idle_sleep(sc1, 100, 8), 0);
	cr_assert_eq(yard_sched_add_poll(sc1, read_slack, NULL), 0);
	t0 = rte_get_timer_cycles();
	cr_assert_eq(rte_eal_remote_launch(yard_sched_loop, NULL, 1), 0);
	rte_delay_us_sleep(200 * 1000);
	yard_sched_stop(1);
	cr_assert_eq(rte_eal_wait_lcore(1), 0);
	wall = rte_get_timer_cycles() - t0;

	/* About 1,500 sleeps alone; a loaded machine makes each last far longer than asked. */
	cr_assert_geq(sc1->sc_stats.sleeps, 10, "an idle lcore slept, %" PRIu64 " times",
		      sc1->sc_stats.sleeps);
	cr_assert_gt(sc1->sc_stats.sleep_cycles, wall / 2, "and slept most of the time: %" PRIu64
		     " of %" PRIu64 " cycles", sc1->sc_stats.sleep_cycles, wall);
	if (slack_before > 10000)
		cr_assert_eq(slack_in_loop, 10000, "slack a tenth of 100 us in the loop, was %d",
			     slack_in_loop);
	cr_assert_eq(rte_eal_remote_launch(slack_of_lcore, NULL, 1), 0);
	cr_assert_eq(rte_eal_wait_lcore(1), slack_before, "the loop put the slack back");
	cr_assert_eq(yard_sched_del_poll(sc1, read_slack, NULL), 0);
}
