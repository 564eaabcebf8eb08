/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RACK.min_RTT over a window (protocols/tcp/tcp_minrtt.c, Kathleen Nichols' filter): a lower
 * sample wins at once; a minimum older than the window gives way to the best of the samples
 * after it, so after a route change to a longer path the minimum follows it within one
 * window (TCP_RACK_MIN_RTT_WIN_MS) instead of never.
 */
#include <string.h>

#include <protocols/tcp/tcp_priv.h>

#include "tcp_test.h"

TestSuite(minrtt, .init = yt_setup, .fini = yt_teardown);

#define WIN 100u

Test(minrtt, the_first_sample_and_any_lower_one_are_the_minimum)
{
	struct tcp_minrtt mr;

	memset(&mr, 0, sizeof(mr));
	cr_expect_eq(tcp_minrtt_get(&mr), 0u);
	cr_expect_eq(tcp_minrtt_update(&mr, 0, WIN, 500), 500u);
	cr_expect_eq(tcp_minrtt_update(&mr, 10, WIN, 700), 500u);
	cr_expect_eq(tcp_minrtt_update(&mr, 20, WIN, 300), 300u);
	cr_expect_eq(tcp_minrtt_get(&mr), 300u);
}

Test(minrtt, a_minimum_holds_for_the_window_and_then_gives_way_to_the_best_since)
{
	struct tcp_minrtt mr;

	memset(&mr, 0, sizeof(mr));
	(void)tcp_minrtt_update(&mr, 0, WIN, 10);
	cr_expect_eq(tcp_minrtt_update(&mr, 30, WIN, 50), 10u);
	cr_expect_eq(tcp_minrtt_update(&mr, 60, WIN, 40), 10u);
	cr_expect_eq(tcp_minrtt_update(&mr, 90, WIN, 60), 10u);
	cr_expect_eq(tcp_minrtt_update(&mr, 100, WIN, 60), 10u); /* the window's edge: still in */
	/* 10 is older than the window: the least since it, 40 (at 60), is the minimum */
	cr_expect_eq(tcp_minrtt_update(&mr, 120, WIN, 70), 40u);
	/* and 40 goes in its turn, for the best of what came after it */
	cr_expect_eq(tcp_minrtt_update(&mr, 165, WIN, 80), 60u);
}

/* A path that gets longer: 1 ms for a while, then 5 ms samples every 1/10 of the window. */
Test(minrtt, a_longer_path_is_followed_within_one_window)
{
	struct tcp_minrtt mr;
	uint32_t t;

	memset(&mr, 0, sizeof(mr));
	for (t = 0; t <= 50; t += 10)
		(void)tcp_minrtt_update(&mr, t, WIN, 1000);
	for (; t <= 50 + WIN; t += 10)
		cr_expect_eq(tcp_minrtt_update(&mr, t, WIN, 5000), 1000u, "t %u", t);
	cr_expect_eq(tcp_minrtt_update(&mr, t, WIN, 5000), 5000u);
}

/* Nothing for longer than the window: the next sample is the minimum, however high. */
Test(minrtt, a_sample_after_a_silent_window_starts_over)
{
	struct tcp_minrtt mr;

	memset(&mr, 0, sizeof(mr));
	(void)tcp_minrtt_update(&mr, 0, WIN, 100);
	cr_expect_eq(tcp_minrtt_update(&mr, WIN + 1, WIN, 900), 900u);
}

/* The connection's window is Linux's default, 300 s. */
Test(minrtt, rack_keeps_its_minimum_for_300_s)
{
	cr_expect_eq(TCP_RACK_MIN_RTT_WIN_MS, 300000u);
}
