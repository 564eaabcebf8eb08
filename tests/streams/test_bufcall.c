/* SPDX-License-Identifier: BSD-3-Clause */
/* bufcall/unbufcall/yard_bufcall_run: streams/bufcall.c. */
#include <string.h>

#include <rte_lcore.h>
#include <rte_mempool.h>

#include "yard_test.h"

TestSuite(bufcall, .init = yt_setup, .fini = yt_teardown);

/* Every callback appends its arg's number here, so tests can check counts and order. */
static int fired[256];
static unsigned nfired;

static void
record(void *arg)
{
	fired[nfired++] = (int)(intptr_t)arg;
}

static uint64_t
bufcalls_run(void)
{
	struct yard_msgstat s;

	yard_msgstat_sum(&s);
	return s.bufcalls_run;
}

/* Allocate blocks of size until allocb fails; returns them as a b_next chain. */
static mblk_t *
exhaust(size_t size)
{
	mblk_t *chain = NULL, *mp;
	unsigned n = 0;

	while ((mp = allocb(size, BPRI_MED)) != NULL) {
		mp->b_next = chain;
		chain = mp;
		cr_assert_lt(++n, 100000, "the pool never ran dry");
	}
	return chain;
}

static mblk_t *
free_one(mblk_t *chain)
{
	mblk_t *next = chain->b_next;

	chain->b_next = NULL;
	freeb(chain);
	return next;
}

YT_TEST(bufcall, fires_once_when_a_block_is_freed)
{
	mblk_t *chain = exhaust(64);
	uint64_t before = bufcalls_run();
	bufcall_id_t id = bufcall(64, BPRI_MED, record, (void *)1);

	cr_assert_neq(id, 0);
	cr_expect_eq(yard_bufcall_run(), 0, "nothing can be allocated yet");
	cr_expect_eq(nfired, 0);
	chain = free_one(chain);
	cr_expect_eq(yard_bufcall_run(), 1);
	cr_expect_eq(nfired, 1);
	cr_expect_eq(fired[0], 1);
	cr_expect_eq(yard_bufcall_run(), 0, "a bufcall runs once");
	cr_expect_eq(nfired, 1);
	cr_expect_eq(bufcalls_run(), before + 1);
	freemsgchain(chain);
}

YT_TEST(bufcall, unbufcall_prevents_it)
{
	mblk_t *chain = exhaust(64);
	bufcall_id_t id = bufcall(64, BPRI_MED, record, (void *)1);

	cr_assert_neq(id, 0);
	unbufcall(id);
	chain = free_one(chain);
	cr_expect_eq(yard_bufcall_run(), 0);
	cr_expect_eq(nfired, 0);
	freemsgchain(chain);
}

YT_TEST(bufcall, waits_only_for_the_size_it_asked)
{
	mblk_t *chain = exhaust(64);

	/* The ctl pool is dry, but a data-sized block can be had: that one runs. */
	cr_assert_neq(bufcall(64, BPRI_MED, record, (void *)1), 0);
	cr_assert_neq(bufcall(1500, BPRI_MED, record, (void *)2), 0);
	cr_expect_eq(yard_bufcall_run(), 1);
	cr_expect_eq(nfired, 1);
	cr_expect_eq(fired[0], 2);
	chain = free_one(chain);
	cr_expect_eq(yard_bufcall_run(), 1);
	cr_expect_eq(fired[1], 1);
	freemsgchain(chain);
}

YT_TEST(bufcall, runs_ready_callbacks_in_registration_order)
{
	for (intptr_t i = 0; i < 10; i++)
		cr_assert_neq(bufcall(10 + (size_t)i * 300, BPRI_LO, record, (void *)i), 0);
	cr_expect_eq(yard_bufcall_run(), 10);
	for (int i = 0; i < 10; i++)
		cr_expect_eq(fired[i], i);
}

YT_TEST(bufcall, returns_zero_when_the_table_is_full)
{
	mblk_t *chain = exhaust(64);
	bufcall_id_t ids[64];
	unsigned n = 0;

	for (;;) {
		bufcall_id_t id = bufcall(64, BPRI_MED, record, (void *)(intptr_t)n);

		if (id == 0)
			break;
		cr_assert_lt(n, 64, "the table is bounded");
		ids[n++] = id;
	}
	cr_expect_eq(n, 64);
	cr_expect_eq(bufcall(64, BPRI_MED, NULL, NULL), 0, "no function, no request");
	/* Cancelling one frees a slot. */
	unbufcall(ids[10]);
	ids[10] = bufcall(64, BPRI_MED, record, (void *)999);
	cr_expect_neq(ids[10], 0);
	for (unsigned i = 0; i < n; i++)
		unbufcall(ids[i]);
	chain = free_one(chain);
	cr_expect_eq(yard_bufcall_run(), 0);
	cr_expect_eq(nfired, 0);
	freemsgchain(chain);
}

YT_TEST(bufcall, unbufcall_of_a_stale_id_is_harmless)
{
	bufcall_id_t old = bufcall(10, BPRI_MED, record, (void *)1), young;

	cr_assert_eq(yard_bufcall_run(), 1);
	/* The slot is reused: cancelling the old id must not cancel the new request. */
	young = bufcall(10, BPRI_MED, record, (void *)2);
	cr_assert_neq(young, 0);
	cr_expect_neq(young, old);
	unbufcall(old);
	unbufcall(0);
	unbufcall(~(bufcall_id_t)0);
	cr_expect_eq(yard_bufcall_run(), 1);
	cr_expect_eq(nfired, 2);
	cr_expect_eq(fired[1], 2);
	unbufcall(young);  /* already ran */
}

static bufcall_id_t again_id;
static unsigned again_calls;

static void
again(void *arg)
{
	again_calls++;
	/* Still no memory for us: ask again, as a service procedure would. */
	if (again_calls == 1)
		again_id = bufcall(64, BPRI_MED, again, arg);
}

YT_TEST(bufcall, callback_may_bufcall_again_for_the_next_pass)
{
	cr_assert_neq(bufcall(64, BPRI_MED, again, NULL), 0);
	cr_expect_eq(yard_bufcall_run(), 1);
	cr_expect_eq(again_calls, 1, "the new request does not run in the same pass");
	cr_expect_neq(again_id, 0);
	cr_expect_eq(yard_bufcall_run(), 1);
	cr_expect_eq(again_calls, 2);
	cr_expect_eq(yard_bufcall_run(), 0);
}

static bufcall_id_t victim_id;

static void
cancel_victim(void *arg)
{
	record(arg);
	unbufcall(victim_id);
}

YT_TEST(bufcall, callback_may_cancel_a_pending_request)
{
	mblk_t *chain = exhaust(64);

	cr_assert_neq(bufcall(1500, BPRI_MED, cancel_victim, (void *)1), 0);
	victim_id = bufcall(64, BPRI_MED, record, (void *)2);
	cr_assert_neq(victim_id, 0);
	cr_expect_eq(yard_bufcall_run(), 1);
	chain = free_one(chain);
	cr_expect_eq(yard_bufcall_run(), 0, "the victim was cancelled");
	cr_expect_eq(nfired, 1);
	freemsgchain(chain);
}

YT_TEST(bufcall, waits_for_oversize_blocks_too)
{
	cr_assert_neq(bufcall(100000, BPRI_MED, record, (void *)7), 0);
	cr_expect_eq(yard_bufcall_run(), 1);
	cr_expect_eq(fired[0], 7);
}

YT_TEST(bufcall, marks_the_scheduler_while_pending)
{
	struct yard_sched *sc = yard_sched_self();
	bufcall_id_t id;

	cr_expect_null(sc->sc_bufcalls);
	id = bufcall(10, BPRI_MED, record, NULL);
	cr_expect_not_null(sc->sc_bufcalls);
	unbufcall(id);
	cr_expect_null(sc->sc_bufcalls);
	bufcall(10, BPRI_MED, record, NULL);
	yard_bufcall_run();
	cr_expect_null(sc->sc_bufcalls);
}

YT_TEST(bufcall, runs_from_the_scheduler_loop)
{
	mblk_t *chain = exhaust(64);

	cr_assert_neq(bufcall(64, BPRI_MED, record, (void *)3), 0);
	yard_sched_run_once(yard_sched_self());
	cr_expect_eq(nfired, 0);
	chain = free_one(chain);
	yard_sched_run_once(yard_sched_self());
	cr_expect_eq(nfired, 1);
	cr_expect_eq(fired[0], 3);
	freemsgchain(chain);
}

YT_TEST(bufcall, a_pass_of_another_lcores_scheduler_runs_the_callers_requests)
{
	unsigned other = rte_get_next_lcore(rte_lcore_id(), 1, 0);

	cr_assert_lt(other, RTE_MAX_LCORE);
	cr_assert_neq(bufcall(10, BPRI_MED, record, (void *)6), 0);
	/* a pass not run by its owner runs the bufcalls of the thread running it, as before */
	yard_sched_run_once(yard_sched_of(other));
	cr_expect_eq(nfired, 1);
	cr_expect_eq(fired[0], 6);
}

static int
bufcall_on_other_lcore(void *arg)
{
	bufcall_id_t id = bufcall(10, BPRI_MED, record, (void *)5);

	/* It belongs to this lcore: the main lcore's run does not see it. */
	if (id == 0)
		return -1;
	return yard_bufcall_run() == 1 ? 0 : -2;
}

YT_TEST(bufcall, requests_belong_to_their_lcore)
{
	unsigned other = rte_get_next_lcore(rte_lcore_id(), 1, 0);

	cr_assert_lt(other, RTE_MAX_LCORE);
	cr_assert_neq(bufcall(10, BPRI_MED, record, (void *)4), 0);
	cr_assert_eq(rte_eal_remote_launch(bufcall_on_other_lcore, NULL, other), 0);
	cr_expect_eq(rte_eal_wait_lcore(other), 0);
	cr_expect_eq(nfired, 1, "only the other lcore's request ran there");
	cr_expect_eq(fired[0], 5);
	cr_expect_eq(yard_bufcall_run(), 1);
	cr_expect_eq(fired[1], 4);
}
