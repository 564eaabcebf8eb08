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
