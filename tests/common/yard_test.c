/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared set-up for the Criterion suites (see yard_test.h). */
#include "yard_test.h"

#include <string.h>

#include <criterion/hooks.h>

#include <rte_eal.h>
#include <rte_lcore.h>

static unsigned yt_msgs_base;
static unsigned yt_timers_base;
static unsigned yt_streams_base;
static void (*yt_cleanup)(void);

void
yt_set_cleanup(void (*fn)(void))
{
	yt_cleanup = fn;
}

void
yt_end_of_test(void)
{
	int left, timers;

	if (yt_cleanup != NULL)
		yt_cleanup();
	/* Service procedures may still hold messages that are on their way to being freed. */
	yt_drain();
	left = yt_msgs_outstanding();
	timers = (int)yard_timeouts_pending() - (int)yt_timers_base;
	cr_assert_eq(left, 0, "%d message block(s) leaked", left);
	cr_assert_eq(timers, 0, "%d timer(s) left pending", timers);
	cr_assert_eq(sth_count(), yt_streams_base, "%d stream(s) left open",
		     (int)sth_count() - (int)yt_streams_base);
}

void
yt_setup_conf(const struct yard_streams_conf *conf)
{
	char *argv[] = {
		"yard-test", "--no-huge", "--no-shconf", "--no-pci", "--no-telemetry",
		"-m", "512", "-l", "0-1", "--log-level=*:error", NULL,
	};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	cr_assert_geq(rte_eal_init(argc, argv), 0, "rte_eal_init failed");
	cr_assert_eq(yard_streams_init(conf), 0, "yard_streams_init failed");
	yt_msgs_base = yard_msgs_in_use();
	yt_timers_base = yard_timeouts_pending();
	yt_streams_base = sth_count();
}

void
yt_setup(void)
{
	struct yard_streams_conf conf = {
		.pools = { .data_n = 4095, .ctl_n = 2047, .esb_n = 255, .cache = 32 },
	};

	yt_setup_conf(&conf);
}

int
yt_msgs_outstanding(void)
{
	return (int)yard_msgs_in_use() - (int)yt_msgs_base;
}

void
yt_teardown(void)
{
	int left = yt_msgs_outstanding();
	int timers = (int)yard_timeouts_pending() - (int)yt_timers_base;

	/*
	 * Only a warning: Criterion ignores .fini failures. YT_TEST() runs the real check
	 * inside each test; this catches suites that forgot to use it.
	 */
	cr_expect_eq(left, 0, "%d message block(s) leaked", left);
	cr_expect_eq(timers, 0, "%d timer(s) left pending", timers);
	/* EAL and the pools go with the process; Criterion forks one per test. */
}

mblk_t *
yt_msg(unsigned char type, size_t len, unsigned char fill)
{
	mblk_t *mp = allocb(len, BPRI_MED);

	cr_assert_not_null(mp, "allocb(%zu) failed", len);
	DB_TYPE(mp) = type;
	memset(mp->b_wptr, fill, len);
	mp->b_wptr += len;
	return mp;
}

void
yt_drain(void)
{
	yard_sched_drain(yard_sched_self(), 10000);
}

/*
 * A second net: Criterion 2.4 decides a test passed before its suite's .fini runs and does not
 * count what fails there. These hooks, run by the runner, turn a test whose teardown
 * assertions failed into a failed test, so yt_teardown()'s check counts too for suites that
 * do not use YT_TEST().
 */
static size_t yt_fini_failures;

ReportHook(POST_FINI)(struct criterion_test_stats *st)
{
	if (st->test_status == CR_STATUS_PASSED && st->failed_asserts > 0) {
		st->test_status = CR_STATUS_FAILED;
		yt_fini_failures++;
	}
}

ReportHook(POST_ALL)(struct criterion_global_stats *gs)
{
	gs->tests_failed += yt_fini_failures;
	gs->tests_passed -= yt_fini_failures;
}
