/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared set-up for the Criterion suites: every test runs in its own process (Criterion forks
 * one per test), so each brings up its own EAL (no hugepages, no shared config, so suites can
 * run in parallel) and STREAMS, records how many message blocks and timers are outstanding,
 * and at teardown asserts that every one came back.
 */
#ifndef YARD_TEST_H
#define YARD_TEST_H

#include <criterion/criterion.h>

#include <streams/stream.h>

/**
 * A test whose body is followed, inside the test itself, by yt_end_of_test(): the suite's
 * cleanup hook (if any) and the leak check. Criterion (2.4) ignores failures and even crashes
 * in .fini, so a leak check there would only print a warning; this makes a leak fail the test.
 * Use it instead of Test() in every suite set up with yt_setup().
 */
#define YT_TEST(suite, name, ...)                                             \
	static void yt_body_##suite##_##name(void);                           \
	Test(suite, name, ##__VA_ARGS__)                                      \
	{                                                                     \
		yt_body_##suite##_##name();                                   \
		yt_end_of_test();                                             \
	}                                                                     \
	static void yt_body_##suite##_##name(void)

/**
 * Run the cleanup hook, then assert that every message block, timer and stream is back at its
 * baseline. Called by YT_TEST() after the body; parameterized tests call it last themselves.
 */
void yt_end_of_test(void);
/**
 * A suite's cleanup (close its streams, ports, rings) to run before the leak check at the end
 * of each test; it must be idempotent, as the suite's .fini may run it again.
 */
void yt_set_cleanup(void (*fn)(void));

/** Bring up EAL (lcores 0-1) and STREAMS with small pools; record the baselines. */
void yt_setup(void);
/** Assert messages and timers are back at baseline, then tear STREAMS down. */
void yt_teardown(void);
/** yt_setup with a custom STREAMS configuration. */
void yt_setup_conf(const struct yard_streams_conf *conf);
/** Message blocks outstanding now, minus the baseline. */
int yt_msgs_outstanding(void);

/** A message of type with len bytes of pattern data (from allocb). Asserts on failure. */
mblk_t *yt_msg(unsigned char type, size_t len, unsigned char fill);
/** Run the calling lcore's scheduler until idle. */
void yt_drain(void);

#endif
