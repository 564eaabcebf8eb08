/* SPDX-License-Identifier: BSD-3-Clause */
/* Timeouts: timeout/untimeout and qtimeout/quntimeout, fired by the scheduler loop. */
#include <pthread.h>
#include <string.h>

#include <rte_cycles.h>

#include "yard_test.h"

TestSuite(timer, .init = yt_setup, .fini = yt_teardown);

static unsigned fired;
static uint64_t fired_at;

static void
count_fire(void *arg)
{
	fired++;
	fired_at = rte_get_timer_cycles();
	if (arg != NULL)
		(*(unsigned *)arg)++;
}

static uint64_t
us_to_cycles(uint64_t us)
{
	return us * rte_get_timer_hz() / 1000000;
}

/* Spin the calling lcore's scheduler for us microseconds. */
static void
spin_us(uint64_t us)
{
	struct yard_sched *sc = yard_sched_self();
	uint64_t end = rte_get_timer_cycles() + us_to_cycles(us);

	while (rte_get_timer_cycles() < end)
		yard_sched_run_once(sc);
}

/* Spin until *counter reaches want or timeout_us passes. */
static void
spin_until(const unsigned *counter, unsigned want, uint64_t timeout_us)
{
	struct yard_sched *sc = yard_sched_self();
	uint64_t end = rte_get_timer_cycles() + us_to_cycles(timeout_us);

	while (*(const volatile unsigned *)counter < want && rte_get_timer_cycles() < end)
		yard_sched_run_once(sc);
}

YT_TEST(timer, a_timeout_fires_once_after_its_delay)
{
	struct yard_sched *sc = yard_sched_self();
	uint64_t t0 = rte_get_timer_cycles();
	timeout_id_t id = yard_timeout(count_fire, NULL, 2000);

	cr_assert_neq(id, 0);
	cr_assert_eq(yard_timeouts_pending(), 1);
	yard_sched_run_once(sc);
	/* Only if that pass ended before the 2 ms were up: a loaded machine may have taken the
	 * CPU away for longer. fired_at below checks the time either way. */
	if (rte_get_timer_cycles() - t0 < us_to_cycles(2000))
		cr_assert_eq(fired, 0, "not before its time");
	spin_until(&fired, 1, 1000000);
	cr_assert_eq(fired, 1);
	cr_assert_geq(fired_at - t0, us_to_cycles(2000), "fired after %.0f us",
		      (double)(fired_at - t0) * 1e6 / (double)rte_get_timer_hz());
	spin_us(5000);
	cr_assert_eq(fired, 1, "a timeout fires once");
	cr_assert_eq(yard_timeouts_pending(), 0);
	cr_assert_eq(sc->sc_stats.timers_run, 1);
	cr_assert_eq(yard_untimeout(id), -1, "untimeout after it fired finds nothing");
}

YT_TEST(timer, untimeout_prevents_it)
{
	timeout_id_t id = yard_timeout(count_fire, NULL, 1000);

	cr_assert_neq(id, 0);
	cr_assert_eq(yard_untimeout(id), 0);
	cr_assert_eq(yard_timeouts_pending(), 0);
	spin_us(5000);
	cr_assert_eq(fired, 0);
	cr_assert_eq(yard_untimeout(id), -1, "a second untimeout finds nothing");
	cr_assert_eq(yard_untimeout(0), -1);
}

YT_TEST(timer, a_stale_id_does_not_cancel_the_entry_s_next_timeout)
{
	timeout_id_t old = yard_timeout(count_fire, NULL, 1000000);
	timeout_id_t cur;

	cr_assert_eq(yard_untimeout(old), 0);
	/* The same entry is likely handed out again; its id must differ. */
	cur = yard_timeout(count_fire, NULL, 1000);
	cr_assert_neq(cur, 0);
	cr_assert_neq(cur, old);
	cr_assert_eq(yard_untimeout(old), -1);
	spin_until(&fired, 1, 1000000);
	cr_assert_eq(fired, 1, "the live timeout still fired");
}

static long qt_ms;
static uint64_t qt_armed;

static void
qt_fire(void *arg)
{
	queue_t *q = arg;

	qt_ms = (long)((rte_get_timer_cycles() - qt_armed) * 1000 / rte_get_timer_hz());
	q->q_flag |= QWANTR; /* proves fn got its argument */
	fired++;
}

YT_TEST(timer, qtimeout_counts_ticks_in_milliseconds)
{
	queinfo_t qp;
	queue_t *q = &qp.qu_rqueue;
	timeout_id_t id;
	int left;

	memset(&qp, 0, sizeof(qp));
	q->q_flag = QREADR | QUSE;
	q->q_sched = yard_sched_self();

	/* quntimeout of a pending one returns the ticks that were left. */
	id = qtimeout(q, qt_fire, q, 500);
	cr_assert_neq(id, 0);
	left = quntimeout(q, id);
	cr_assert(left > 400 && left <= 500, "left %d ms of 500", left);
	cr_assert_eq(quntimeout(q, id), -1);

	qt_armed = rte_get_timer_cycles();
	id = qtimeout(q, qt_fire, q, 3);
	cr_assert_neq(id, 0);
	spin_us(1000);
	/*
	 * Not fired after 1 ms - judged only when the spin really ended inside the 3 ms: a test
	 * process preempted for longer (a loaded CI machine) rightly sees it fire. qt_ms below
	 * says "not before its time" either way.
	 */
	if (rte_get_timer_cycles() - qt_armed < 3 * rte_get_timer_hz() / 1000)
		cr_assert_eq(fired, 0, "3 ticks are 3 ms, not 1");
	spin_until(&fired, 1, 1000000);
	cr_assert_eq(fired, 1);
	cr_assert_geq(qt_ms, 3);
	cr_assert(q->q_flag & QWANTR);
	cr_assert_eq(quntimeout(q, id), -1, "fired: nothing to cancel");
}

#define NTIMERS 64

static uint64_t order[NTIMERS];
static unsigned norder;

static void
record_deadline(void *arg)
{
	if (norder < NTIMERS)
		order[norder++] = (uintptr_t)arg;
}

YT_TEST(timer, many_timers_fire_in_deadline_order)
{
	timeout_id_t ids[NTIMERS];

	/* Deadlines 1..64 ms apart by 200 us, armed in a scrambled order. */
	for (unsigned i = 0; i < NTIMERS; i++) {
		uint64_t us = 1000 + (uint64_t)((i * 37) % NTIMERS) * 200;

		ids[i] = yard_timeout(record_deadline, (void *)(uintptr_t)us, us);
		cr_assert_neq(ids[i], 0);
	}
	cr_assert_eq(yard_timeouts_pending(), NTIMERS);
	spin_until(&norder, NTIMERS, 2000000);
	cr_assert_eq(norder, NTIMERS);
	for (unsigned i = 1; i < NTIMERS; i++)
		cr_assert_lt(order[i - 1], order[i], "timer %u (%lu us) fired after %lu us", i,
			     (unsigned long)order[i], (unsigned long)order[i - 1]);
	cr_assert_eq(yard_timeouts_pending(), 0);
	cr_assert_eq(yard_sched_self()->sc_stats.timers_run, NTIMERS);
}

static unsigned chain_left, chain_runs;

static void
rearm(void *arg)
{
	chain_runs++;
	if (chain_left != 0) {
		chain_left--;
		/* Inside the callback: the entry that just fired may be the one we get back. */
		cr_assert_neq(yard_timeout(rearm, arg, 100), 0);
	}
}

YT_TEST(timer, a_callback_may_arm_another_timeout)
{
	chain_left = 9;
	cr_assert_neq(yard_timeout(rearm, NULL, 100), 0);
	spin_until(&chain_runs, 10, 2000000);
	cr_assert_eq(chain_runs, 10);
	spin_us(2000);
	cr_assert_eq(chain_runs, 10);
	cr_assert_eq(yard_timeouts_pending(), 0);
}

YT_TEST(timer, pending_counts_outstanding_timeouts_back_to_zero)
{
	timeout_id_t a, b, c;

	cr_assert_eq(yard_timeouts_pending(), 0);
	a = yard_timeout(count_fire, NULL, 1000000);
	b = yard_timeout(count_fire, NULL, 1000000);
	c = yard_timeout(count_fire, NULL, 500);
	cr_assert_eq(yard_timeouts_pending(), 3);
	spin_until(&fired, 1, 1000000);
	cr_assert_eq(yard_timeouts_pending(), 2);
	cr_assert_eq(yard_untimeout(a), 0);
	cr_assert_eq(yard_timeouts_pending(), 1);
	cr_assert_eq(yard_untimeout(b), 0);
	cr_assert_eq(yard_timeouts_pending(), 0);
	cr_assert_eq(yard_untimeout(c), -1);
}

/* ---- when a pass looks at the timers (sched.c, "Timers") ---------------------------------- */

YT_TEST(timer, a_timeout_armed_after_an_idle_pass_fires_at_the_next_pass)
{
	struct yard_sched *sc = yard_sched_self();
	uint64_t runs = sc->sc_stats.timers_run;

	yard_sched_run_once(sc); /* nothing pending: the next look is up to 100 us away */
	cr_assert_neq(yard_timeout(count_fire, NULL, 0), 0);
	yard_sched_run_once(sc);
	cr_expect_eq(fired, 1, "arming brought the next look forward");
	cr_expect_eq(sc->sc_stats.timers_run, runs + 1);
}

YT_TEST(timer, a_pass_looks_again_within_the_check_interval_whatever_is_pending)
{
	struct yard_sched *sc = yard_sched_self();
	uint64_t check = us_to_cycles(YARD_SCHED_TIMER_CHECK_US);
	timeout_id_t id;

	yard_sched_run_once(sc);
	cr_expect_leq(sc->sc_timer_due, rte_get_timer_cycles() + check, "none pending");
	id = yard_timeout(count_fire, NULL, 50000);
	cr_assert_neq(id, 0);
	yard_sched_run_once(sc);
	cr_expect_leq(sc->sc_timer_due, rte_get_timer_cycles() + check, "one 50 ms away");
	cr_expect_eq(yard_untimeout(id), 0);
	cr_expect_eq(fired, 0);
}

YT_TEST(timer, timeouts_due_one_after_another_each_fire_not_before_their_time)
{
	unsigned a = 0, b = 0;
	uint64_t t0 = rte_get_timer_cycles();
	uint64_t at_a, at_b;

	cr_assert_neq(yard_timeout(count_fire, &b, 3000), 0);
	cr_assert_neq(yard_timeout(count_fire, &a, 1000), 0);
	spin_until(&a, 1, 5000000);
	at_a = fired_at;
	spin_until(&b, 1, 5000000);
	at_b = fired_at;
	cr_assert_eq(a, 1);
	cr_assert_eq(b, 1);
	cr_expect_geq(at_a - t0, us_to_cycles(1000));
	cr_expect_geq(at_b - t0, us_to_cycles(3000));
}

static void *
arm_from_a_thread(void *arg)
{
	timeout_id_t *id = arg;

	*id = yard_timeout(count_fire, NULL, 0); /* not an EAL lcore: the main lcore's list */
	return NULL;
}

YT_TEST(timer, a_timeout_armed_by_a_non_eal_thread_fires_on_the_main_lcore)
{
	struct yard_sched *sc = yard_sched_self();
	timeout_id_t id = 0;
	pthread_t t;

	cr_assert_eq(rte_lcore_id(), rte_get_main_lcore());
	yard_sched_run_once(sc);
	cr_assert_eq(pthread_create(&t, NULL, arm_from_a_thread, &id), 0);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_assert_neq(id, 0);
	cr_expect_eq(sc->sc_timer_due, 0, "the thread asked the main lcore to look now");
	yard_sched_run_once(sc);
	cr_expect_eq(fired, 1);
}
