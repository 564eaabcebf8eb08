/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The netem module on the loop-back driver: "loop" with "netem" pushed, the loop capturing
 * what comes down (the write direction, taken with yard_loop_take()) and messages injected
 * up with yard_loop_inject() (the read direction, read at the stream head). Every impairment,
 * the seeded determinism, control messages, M_FLUSH, flow control, bursts, close with held
 * messages, the ioctls and the string parser. YT_TEST runs the leak check (message blocks and
 * timers) at the end of every test.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include <protocols/netem.h>
#include <streams/loop.h>
#include <streams/snoop.h>

#include "yard_test.h"

TestSuite(netem, .init = yt_setup, .fini = yt_teardown);
TestSuite(netem_conf, .init = yt_setup, .fini = yt_teardown);

/* ---- helpers ------------------------------------------------------------------------------ */

struct nt {
	struct stdata *sd;
	int minor;
};

static int
istr(struct stdata *sd, int cmd, void *data, int len)
{
	struct strioctl ic = { .ic_cmd = cmd, .ic_timout = 5, .ic_len = len, .ic_dp = data };

	return sth_ioctl(sd, I_STR, (intptr_t)&ic);
}

/* loop, netem pushed, the loop capturing what comes down. */
static void
nt_open(struct nt *t)
{
	int one = 1;

	cr_assert_eq(sth_open("loop", 0, &t->sd), 0, "sth_open(loop)");
	cr_assert_eq(sth_ioctl(t->sd, I_PUSH, (intptr_t)NETEM_MODNAME), 0, "I_PUSH netem");
	t->minor = yard_loop_minor(t->sd);
	cr_assert_geq(t->minor, 0);
	cr_assert_eq(istr(t->sd, LOOP_CAPTURE, &one, sizeof(one)), 0, "LOOP_CAPTURE");
}

static void
nt_close(struct nt *t)
{
	cr_assert_eq(sth_close(t->sd), 0, "sth_close");
	t->sd = NULL;
}

static void
nt_set(struct nt *t, const char *str)
{
	struct netem_conf c;
	char err[200];

	cr_assert_eq(netem_parse_err(str, &c, err, sizeof(err)), 0, "netem_parse(%s): %s", str,
		     err);
	cr_assert_eq(istr(t->sd, NETEM_SET, &c, sizeof(c)), 0, "NETEM_SET %s", str);
}

static struct netem_stats
nt_stats(struct nt *t)
{
	struct netem_stats st;

	memset(&st, 0xff, sizeof(st));
	cr_assert_eq(istr(t->sd, NETEM_GETSTATS, &st, sizeof(st)), 0, "NETEM_GETSTATS");
	return st;
}

static mblk_t *
seq_msg(unsigned char type, uint32_t seq, size_t len)
{
	mblk_t *mp = yt_msg(type, len < sizeof(seq) ? sizeof(seq) : len, 0x5a);

	memcpy(mp->b_rptr, &seq, sizeof(seq));
	return mp;
}

static uint32_t
seq_of(const mblk_t *mp)
{
	uint32_t v;

	cr_assert_geq(MBLKL(mp), sizeof(v));
	memcpy(&v, mp->b_rptr, sizeof(v));
	return v;
}

/* Send M_DATA seq down (the write direction). */
static void
send_down(struct nt *t, uint32_t seq, size_t len)
{
	cr_assert_eq(sth_putmsg_mblk(t->sd, seq_msg(M_DATA, seq, len)), 0, "sth_putmsg_mblk");
}

/* Send M_DATA seq up from the driver (the read direction). */
static void
send_up(struct nt *t, uint32_t seq, size_t len)
{
	cr_assert_eq(yard_loop_inject(t->minor, seq_msg(M_DATA, seq, len)), 0, "inject");
}

static uint64_t
now_us(void)
{
	return rte_get_timer_cycles() * 1000000 / rte_get_timer_hz();
}

/* Take every captured message, recording sequence numbers (up to max); returns the count. */
static unsigned
take_down(struct nt *t, uint32_t *seqs, unsigned max)
{
	unsigned n = 0;
	mblk_t *mp;

	yt_drain();
	while ((mp = yard_loop_take(t->minor)) != NULL) {
		if (n < max)
			seqs[n] = seq_of(mp);
		n++;
		freemsg(mp);
	}
	return n;
}

/* Read every M_DATA message at the stream head; returns the count. */
static unsigned
take_up(struct nt *t, uint32_t *seqs, unsigned max)
{
	unsigned n = 0;
	mblk_t *mp;

	yt_drain();
	while (sth_getmsg_mblk(t->sd, &mp) == 0) {
		if (n < max)
			seqs[n] = seq_of(mp);
		n++;
		freemsg(mp);
	}
	return n;
}

/*
 * Run the scheduler until `want` messages were captured or max_ms passed. Records each
 * message's sequence number and the microsecond it was taken; returns how many were.
 */
static unsigned
spin_down(struct nt *t, unsigned want, unsigned max_ms, uint32_t *seqs, uint64_t *at)
{
	uint64_t end = now_us() + (uint64_t)max_ms * 1000;
	unsigned n = 0;
	mblk_t *mp;

	while (n < want && now_us() < end) {
		yard_sched_run_once(yard_sched_self());
		while ((mp = yard_loop_take(t->minor)) != NULL) {
			if (n < want) {
				if (seqs != NULL)
					seqs[n] = seq_of(mp);
				if (at != NULL)
					at[n] = now_us();
			}
			n++;
			freemsg(mp);
		}
	}
	return n;
}

/* Run the scheduler for ms milliseconds. */
static void
spin_for(unsigned ms)
{
	uint64_t end = now_us() + (uint64_t)ms * 1000;

	while (now_us() < end)
		yard_sched_run_once(yard_sched_self());
}

/* Number of bits that differ between two byte strings. */
static unsigned
bits_differ(const unsigned char *a, const unsigned char *b, size_t len)
{
	unsigned n = 0;

	for (size_t i = 0; i < len; i++)
		n += (unsigned)__builtin_popcount((unsigned)(a[i] ^ b[i]));
	return n;
}

/*
 * Send n messages down through a netem configured with str (on a fresh stream) and record
 * which survived: survived[i] is 1 if message i came out. Returns the number that did.
 */
static unsigned
run_losses(const char *str, unsigned n, unsigned char *survived)
{
	struct nt t;
	unsigned got = 0;
	uint32_t seqs[500];

	memset(survived, 0, n);
	nt_open(&t);
	nt_set(&t, str);
	for (unsigned base = 0; base < n; base += 500) {
		unsigned k = RTE_MIN(500u, n - base), m;

		for (unsigned i = 0; i < k; i++)
			send_down(&t, base + i, 64);
		m = take_down(&t, seqs, RTE_DIM(seqs));
		cr_assert_leq(m, k);
		for (unsigned i = 0; i < m; i++) {
			cr_assert_lt(seqs[i], n);
			survived[seqs[i]] = 1;
		}
		got += m;
	}
	cr_assert_eq(nt_stats(&t).nst_wr.nems_dropped, n - got, "every loss counted");
	nt_close(&t);
	return got;
}

/* Mean length of runs of lost messages. */
static double
mean_burst(const unsigned char *survived, unsigned n)
{
	unsigned bursts = 0, lost = 0;

	for (unsigned i = 0; i < n; i++) {
		if (!survived[i]) {
			lost++;
			if (i == 0 || survived[i - 1])
				bursts++;
		}
	}
	return bursts == 0 ? 0.0 : (double)lost / bursts;
}

/* ---- loss --------------------------------------------------------------------------------- */

YT_TEST(netem, drops_every_message_at_100_percent)
{
	static unsigned char survived[1000];

	cr_assert_eq(run_losses("drop=100%", 1000, survived), 0);
}

YT_TEST(netem, drops_nothing_at_0_percent)
{
	struct nt t;
	uint32_t seqs[300];

	nt_open(&t);
	nt_set(&t, "drop=0% dup=0% seed=9");
	for (uint32_t i = 0; i < 300; i++)
		send_down(&t, i, 64);
	cr_assert_eq(take_down(&t, seqs, 300), 300);
	for (uint32_t i = 0; i < 300; i++)
		cr_assert_eq(seqs[i], i, "in order");
	cr_expect_eq(nt_stats(&t).nst_wr.nems_dropped, 0);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_passed, 300);
	nt_close(&t);
}

YT_TEST(netem, drops_about_10_percent_of_10000)
{
	static unsigned char survived[10000];
	unsigned got = run_losses("drop=10% seed=7", 10000, survived);

	/* Binomial(10000, 0.1): sd 30; accept 3.3 sd either side. */
	cr_assert(got >= 8900 && got <= 9100, "%u of 10000 survived", got);
}

YT_TEST(netem, same_seed_gives_the_same_decisions_and_another_seed_others)
{
	static unsigned char a[2000], b[2000], c[2000];

	(void)run_losses("drop=30% seed=42", 2000, a);
	(void)run_losses("drop=30% seed=42", 2000, b);
	(void)run_losses("drop=30% seed=43", 2000, c);
	cr_assert(memcmp(a, b, sizeof(a)) == 0, "seed 42 twice: the same losses");
	cr_assert(memcmp(a, c, sizeof(a)) != 0, "seeds 42 and 43: different losses");
}

YT_TEST(netem, reset_restarts_the_sequence_of_decisions)
{
	struct nt t;
	uint32_t first[200], second[200];
	unsigned n1, n2;

	nt_open(&t);
	nt_set(&t, "drop=50% seed=5");
	for (uint32_t i = 0; i < 200; i++)
		send_down(&t, i, 64);
	n1 = take_down(&t, first, 200);
	cr_assert_eq(istr(t.sd, NETEM_RESET, NULL, 0), 0, "NETEM_RESET");
	cr_expect_eq(nt_stats(&t).nst_wr.nems_dropped, 0, "counters zeroed");
	for (uint32_t i = 0; i < 200; i++)
		send_down(&t, i, 64);
	n2 = take_down(&t, second, 200);
	cr_assert_eq(n1, n2);
	cr_assert(memcmp(first, second, n1 * sizeof(first[0])) == 0, "the same survivors");
	cr_assert(n1 > 50 && n1 < 150, "%u of 200 survived at 50%%", n1);
	nt_close(&t);
}

YT_TEST(netem, correlated_loss_keeps_the_mean_and_makes_bursts)
{
	static unsigned char plain[10000], corr[10000];
	unsigned got_plain = run_losses("drop=20% seed=3", 10000, plain);
	unsigned got_corr = run_losses("drop=20% drop_corr=80% seed=3", 10000, corr);
	double bp = mean_burst(plain, 10000), bc = mean_burst(corr, 10000);

	cr_assert(got_plain >= 7600 && got_plain <= 8400, "plain: %u survived", got_plain);
	/* Correlation makes long runs, so the count varies more: a wider band. */
	cr_assert(got_corr >= 7000 && got_corr <= 9000, "correlated: %u survived", got_corr);
	/* Expected runs: 1/(1-0.2) = 1.25 plain; 1/(1-0.84) = 6.25 correlated. */
	cr_assert(bp < 1.6, "plain bursts %.2f", bp);
	cr_assert(bc > 3.0, "correlated bursts %.2f", bc);
}

YT_TEST(netem, gilbert_elliott_loses_in_bursts)
{
	static unsigned char s[10000];
	unsigned got = run_losses("ge=1%,10%,100%,0% seed=11", 10000, s);
	double burst = mean_burst(s, 10000);

	/* Bad 1/11 of the time, losing all there; bursts last 1/r = 10 messages on average. */
	cr_assert(got >= 8500 && got <= 9600, "%u of 10000 survived", got);
	cr_assert(burst > 4.0, "mean burst %.2f", burst);
}

YT_TEST(netem, read_side_settings_leave_the_write_side_alone)
{
	struct nt t;
	uint32_t seqs[20];

	nt_open(&t);
	nt_set(&t, "side=rd drop=100%");
	for (uint32_t i = 0; i < 10; i++)
		send_up(&t, i, 64);
	cr_assert_eq(take_up(&t, seqs, 20), 0, "everything up was dropped");
	for (uint32_t i = 0; i < 10; i++)
		send_down(&t, i, 64);
	cr_assert_eq(take_down(&t, seqs, 20), 10, "nothing down was");
	cr_expect_eq(nt_stats(&t).nst_rd.nems_dropped, 10);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_dropped, 0);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_passed, 10);
	nt_close(&t);
}

/* ---- duplication -------------------------------------------------------------------------- */

YT_TEST(netem, duplicates_share_the_data)
{
	struct nt t;
	mblk_t *a, *b;

	nt_open(&t);
	nt_set(&t, "dup=100%");
	send_down(&t, 77, 200);
	yt_drain();
	a = yard_loop_take(t.minor);
	b = yard_loop_take(t.minor);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert_null(yard_loop_take(t.minor), "exactly one copy");
	cr_expect_eq(seq_of(a), 77);
	cr_expect_eq(seq_of(b), 77);
	cr_expect_eq(MBLKL(a), 200);
	cr_expect_eq(MBLKL(b), 200);
	cr_expect_eq(a->b_rptr, b->b_rptr, "dupb: the same data address");
	cr_expect_eq(a->b_datap, b->b_datap, "dupb: the same data block");
	cr_expect_eq(DB_REF(a), 2);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_duplicated, 1);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_passed, 2);
	freemsg(a);
	freemsg(b);
	nt_close(&t);
}

/* ---- reordering --------------------------------------------------------------------------- */

YT_TEST(netem, reorder_sends_a_held_message_after_the_next_gap)
{
	struct nt t;
	uint32_t seqs[10];
	static const uint32_t want[] = { 1, 2, 3, 0, 4, 5 };

	nt_open(&t);
	nt_set(&t, "reorder=100% gap=3 reorder_timeout=10s");
	send_down(&t, 0, 64);
	cr_assert_eq(take_down(&t, seqs, 10), 0, "held back");
	cr_assert_eq(nt_stats(&t).nst_wr.nems_held_now, 1);
	/* Everything off now: what is held still waits for its gap. */
	nt_set(&t, "reorder=0%");
	for (uint32_t i = 1; i <= 5; i++)
		send_down(&t, i, 64);
	cr_assert_eq(take_down(&t, seqs, 10), 6);
	for (unsigned i = 0; i < RTE_DIM(want); i++)
		cr_assert_eq(seqs[i], want[i], "position %u: %u, expected %u", i, seqs[i], want[i]);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_reordered, 1);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_held_now, 0);
	nt_close(&t);
}

YT_TEST(netem, reorder_by_probability_delivers_every_message_out_of_order)
{
	struct nt t;
	uint32_t seqs[400];
	unsigned char seen[400] = { 0 };
	unsigned n, late = 0;

	nt_open(&t);
	nt_set(&t, "reorder=20% gap=2 reorder_timeout=2ms seed=8");
	for (uint32_t i = 0; i < 400; i++)
		send_down(&t, i, 64);
	n = spin_down(&t, 400, 1000, seqs, NULL);
	cr_assert_eq(n, 400, "all arrive (the last held ones by the timeout)");
	for (unsigned i = 0; i < n; i++) {
		cr_assert_lt(seqs[i], 400);
		cr_assert_eq(seen[seqs[i]], 0, "message %u twice", seqs[i]);
		seen[seqs[i]] = 1;
		if (i > 0 && seqs[i] < seqs[i - 1])
			late++;
	}
	cr_assert_gt(late, 20, "out of order %u times", late);
	cr_expect_gt(nt_stats(&t).nst_wr.nems_reordered, 40);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_held_now, 0);
	nt_close(&t);
}

YT_TEST(netem, reorder_timeout_releases_a_message_on_a_quiet_link)
{
	struct nt t;
	uint64_t t0, at[1];
	uint32_t seqs[1];

	nt_open(&t);
	nt_set(&t, "reorder=100% reorder_timeout=2ms");
	t0 = now_us();
	send_down(&t, 5, 64);
	cr_assert_eq(spin_down(&t, 1, 500, seqs, at), 1, "released by the timeout");
	cr_expect_eq(seqs[0], 5);
	cr_expect_geq(at[0] - t0, 2000, "held %" PRIu64 " us", at[0] - t0);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_reorder_timeouts, 1);
	nt_close(&t);
}

/* ---- delay -------------------------------------------------------------------------------- */

YT_TEST(netem, delay_holds_messages_at_least_the_delay_and_keeps_their_order)
{
	struct nt t;
	uint32_t seqs[10];
	uint64_t at[10], t0;

	nt_open(&t);
	nt_set(&t, "delay=2ms");
	t0 = now_us();
	for (uint32_t i = 0; i < 10; i++)
		send_down(&t, i, 64);
	yt_drain();
	cr_assert_null(yard_loop_take(t.minor), "nothing before the delay");
	cr_assert_eq(nt_stats(&t).nst_wr.nems_held_now, 10);
	cr_assert_eq(spin_down(&t, 10, 1000, seqs, at), 10);
	for (uint32_t i = 0; i < 10; i++) {
		cr_assert_eq(seqs[i], i, "in order");
		cr_assert_geq(at[i] - t0, 2000, "message %u after %" PRIu64 " us", i, at[i] - t0);
	}
	cr_expect_lt(at[9] - t0, 500000, "released in good time");
	cr_expect_eq(nt_stats(&t).nst_wr.nems_delayed, 10);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_held_now, 0);
	nt_close(&t);
}

YT_TEST(netem, delay_applies_to_the_read_side_too)
{
	struct nt t;
	uint32_t seqs[5];
	uint64_t t0, end;
	unsigned n = 0;

	nt_open(&t);
	nt_set(&t, "side=rd delay=2ms");
	t0 = now_us();
	for (uint32_t i = 0; i < 5; i++)
		send_up(&t, i, 64);
	cr_assert_eq(take_up(&t, seqs, 5), 0, "nothing before the delay");
	end = now_us() + 1000000;
	while (n < 5 && now_us() < end) {
		mblk_t *mp;

		yard_sched_run_once(yard_sched_self());
		while (sth_getmsg_mblk(t.sd, &mp) == 0) {
			cr_assert_geq(now_us() - t0, 2000);
			cr_assert_eq(seq_of(mp), n, "in order");
			n++;
			freemsg(mp);
		}
	}
	cr_assert_eq(n, 5);
	nt_close(&t);
}

YT_TEST(netem, jitter_keeps_order_unless_allowed_to_reorder)
{
	struct nt t;
	uint32_t seqs[50];
	unsigned late = 0;

	nt_open(&t);
	nt_set(&t, "delay=2ms jitter=1ms seed=4");
	for (uint32_t i = 0; i < 50; i++)
		send_down(&t, i, 64);
	cr_assert_eq(spin_down(&t, 50, 1000, seqs, NULL), 50);
	for (uint32_t i = 0; i < 50; i++)
		cr_assert_eq(seqs[i], i, "jitter alone keeps the order");

	nt_set(&t, "delay=2ms jitter=2ms jitter_reorder=1 seed=4");
	for (uint32_t i = 0; i < 50; i++)
		send_down(&t, i, 64);
	cr_assert_eq(spin_down(&t, 50, 1000, seqs, NULL), 50);
	for (unsigned i = 1; i < 50; i++)
		late += seqs[i] < seqs[i - 1];
	cr_assert_gt(late, 0, "jitter_reorder=1 reorders");
	nt_close(&t);
}

/* ---- corruption --------------------------------------------------------------------------- */

static mblk_t *
pattern_msg(size_t len)
{
	mblk_t *mp = yt_msg(M_DATA, len, 0);

	for (size_t i = 0; i < len; i++)
		mp->b_rptr[i] = (unsigned char)(i * 7 + 3);
	return mp;
}

YT_TEST(netem, corrupt_flips_exactly_one_bit_in_place_when_unshared)
{
	struct nt t;
	unsigned char want[256];
	mblk_t *mp = pattern_msg(sizeof(want));
	unsigned char *data = mp->b_rptr;

	memcpy(want, mp->b_rptr, sizeof(want));
	nt_open(&t);
	nt_set(&t, "corrupt=100% seed=21");
	cr_assert_eq(sth_putmsg_mblk(t.sd, mp), 0);
	yt_drain();
	mp = yard_loop_take(t.minor);
	cr_assert_not_null(mp);
	cr_assert_eq(MBLKL(mp), sizeof(want));
	cr_expect_eq(mp->b_rptr, data, "not copied: nobody else held the data");
	cr_assert_eq(bits_differ(mp->b_rptr, want, sizeof(want)), 1);
	freemsg(mp);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_corrupted, 1);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_corrupt_copies, 0);
	nt_close(&t);
}

YT_TEST(netem, corrupt_copies_shared_data_first_and_leaves_the_other_holder_alone)
{
	struct nt t;
	unsigned char want[100];
	mblk_t *mp = pattern_msg(100), *keep, *got;
	unsigned flipped = 0;

	/* Three blocks alike, so the flip may land in any; the test keeps a reference to all. */
	memcpy(want, mp->b_rptr, sizeof(want));
	linkb(mp, pattern_msg(100));
	linkb(mp, pattern_msg(100));
	keep = dupmsg(mp);
	cr_assert_not_null(keep);
	nt_open(&t);
	nt_set(&t, "corrupt=100% seed=2");
	cr_assert_eq(sth_putmsg_mblk(t.sd, mp), 0);
	yt_drain();
	got = yard_loop_take(t.minor);
	cr_assert_not_null(got);
	cr_assert_eq(msgdsize(got), 300);
	/* The flip is in exactly one block, which is no longer the shared one. */
	for (mblk_t *g = got, *k = keep; g != NULL; g = g->b_cont, k = k->b_cont) {
		unsigned d;

		cr_assert_not_null(k);
		cr_assert_eq(MBLKL(g), sizeof(want));
		d = bits_differ(g->b_rptr, want, sizeof(want));
		cr_assert_eq(bits_differ(k->b_rptr, want, sizeof(want)), 0, "the kept copy is intact");
		if (d != 0)
			cr_expect_neq(g->b_rptr, k->b_rptr, "the flipped block was copied first");
		else
			cr_expect_eq(g->b_rptr, k->b_rptr, "the others are still shared");
		flipped += d;
	}
	cr_assert_eq(flipped, 1);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_corrupt_copies, 1);
	freemsg(got);
	freemsg(keep);
	nt_close(&t);
}

YT_TEST(netem, corrupting_a_duplicate_leaves_the_original_intact)
{
	struct nt t;
	unsigned char want[128];
	mblk_t *mp = pattern_msg(sizeof(want)), *a, *b;
	unsigned da, db;

	memcpy(want, mp->b_rptr, sizeof(want));
	nt_open(&t);
	/* The corruption draw comes after the duplication: 50% picks which of the two. */
	nt_set(&t, "dup=100% corrupt=50% seed=2");
	cr_assert_eq(sth_putmsg_mblk(t.sd, mp), 0);
	yt_drain();
	a = yard_loop_take(t.minor);
	b = yard_loop_take(t.minor);
	cr_assert_not_null(a);
	cr_assert_not_null(b);
	da = bits_differ(a->b_rptr, want, sizeof(want));
	db = bits_differ(b->b_rptr, want, sizeof(want));
	cr_assert_leq(da, 1);
	cr_assert_leq(db, 1);
	cr_assert_eq(da + db, nt_stats(&t).nst_wr.nems_corrupted, "each flip in one message only");
	cr_assert_eq(da + db, 1, "this seed corrupts one of the two: %u + %u", da, db);
	cr_expect_neq(a->b_rptr, b->b_rptr, "the corrupted one has its own copy");
	cr_expect_eq(nt_stats(&t).nst_wr.nems_corrupt_copies, 1);
	freemsg(a);
	freemsg(b);
	nt_close(&t);
}

/* ---- rate --------------------------------------------------------------------------------- */

YT_TEST(netem, rate_limit_spaces_messages_and_drops_beyond_the_backlog)
{
	struct nt t;
	uint32_t seqs[5];
	uint64_t at[5], t0;
	unsigned n;

	nt_open(&t);
	/*
	 * 800 kbit/s: a 1000-byte message takes 10 ms; 2500 bytes of backlog hold two behind
	 * the one going (the third would wait 30 ms: more than the 25 ms of backlog).
	 */
	nt_set(&t, "rate=800kbit backlog=2500");
	t0 = now_us();
	for (uint32_t i = 0; i < 5; i++)
		send_down(&t, i, 1000);
	n = spin_down(&t, 5, 300, seqs, at);
	cr_assert_eq(n, 3, "three fit, two did not: %u (drops %" PRIu64 ", paced %" PRIu64 ")", n,
		     nt_stats(&t).nst_wr.nems_rate_limited_drops,
		     nt_stats(&t).nst_wr.nems_rate_paced);
	for (uint32_t i = 0; i < 3; i++)
		cr_assert_eq(seqs[i], i);
	/*
	 * Lower bounds from t0 (before the first send) always hold: message i cannot go before
	 * i serialisation times after the first arrived. Gaps between take times would not: the
	 * first is taken only once everything was sent, however long that took.
	 */
	cr_expect_geq(at[1] - t0, 10000, "the second after one: %" PRIu64 " us", at[1] - t0);
	cr_expect_geq(at[2] - t0, 20000, "the third after two: %" PRIu64 " us", at[2] - t0);
	cr_expect_lt(at[2] - t0, 200000, "and not much more: %" PRIu64 " us", at[2] - t0);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_rate_limited_drops, 2);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_rate_paced, 2);
	nt_close(&t);
}

YT_TEST(netem, rate_burst_lets_a_bucketful_through_at_once)
{
	struct nt t;
	uint32_t seqs[8];

	nt_open(&t);
	/*
	 * 8 kbit/s (1 s per 1000 bytes) and a 4000-byte bucket: the first and four more go at
	 * once (the bucket's depth and the message in hand), the sixth waits its turn.
	 */
	nt_set(&t, "rate=8kbit burst=4000 backlog=100k");
	for (uint32_t i = 0; i < 6; i++)
		send_down(&t, i, 1000);
	cr_assert_eq(take_down(&t, seqs, 8), 5, "five at once");
	cr_expect_eq(nt_stats(&t).nst_wr.nems_held_now, 1);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_rate_paced, 1);
	nt_close(&t);
}

/* ---- limit, M_FLUSH, close ---------------------------------------------------------------- */

YT_TEST(netem, limit_drops_beyond_the_held_limit)
{
	struct nt t;
	struct netem_stats st;

	nt_open(&t);
	nt_set(&t, "delay=1s limit=10");
	for (uint32_t i = 0; i < 15; i++)
		send_down(&t, i, 64);
	st = nt_stats(&t);
	cr_expect_eq(st.nst_wr.nems_held_now, 10);
	cr_expect_eq(st.nst_wr.nems_limit_drops, 5);
	cr_assert_eq(sth_ioctl(t.sd, I_FLUSH, FLUSHW), 0);
	st = nt_stats(&t);
	cr_expect_eq(st.nst_wr.nems_held_now, 0);
	cr_expect_eq(st.nst_wr.nems_flushed, 10);
	nt_close(&t);
}

YT_TEST(netem, flush_frees_held_messages_of_the_sides_it_names)
{
	struct nt t;
	struct netem_stats st;
	uint32_t seqs[4];

	nt_open(&t);
	nt_set(&t, "delay=1s");
	for (uint32_t i = 0; i < 3; i++) {
		send_down(&t, i, 64);
		send_up(&t, i, 64);
	}
	st = nt_stats(&t);
	cr_assert_eq(st.nst_wr.nems_held_now, 3);
	cr_assert_eq(st.nst_rd.nems_held_now, 3);
	cr_assert_eq(yard_timeouts_pending() > 0, 1, "release timers armed");

	cr_assert_eq(sth_ioctl(t.sd, I_FLUSH, FLUSHR), 0);
	st = nt_stats(&t);
	cr_expect_eq(st.nst_rd.nems_held_now, 0);
	cr_expect_eq(st.nst_rd.nems_flushed, 3);
	cr_expect_eq(st.nst_wr.nems_held_now, 3, "FLUSHR leaves the write side");

	cr_assert_eq(sth_ioctl(t.sd, I_FLUSH, FLUSHW), 0);
	st = nt_stats(&t);
	cr_expect_eq(st.nst_wr.nems_held_now, 0);
	cr_expect_eq(st.nst_wr.nems_flushed, 3);
	cr_assert_eq(take_down(&t, seqs, 4), 0);
	cr_assert_eq(take_up(&t, seqs, 4), 0);
	nt_close(&t);
	/* YT_TEST then checks that no timer was left pending. */
}

YT_TEST(netem, close_with_held_messages_leaks_nothing)
{
	struct nt t;

	nt_open(&t);
	nt_set(&t, "delay=1s dup=50% reorder=30% gap=5 reorder_timeout=5s seed=6");
	for (uint32_t i = 0; i < 40; i++) {
		send_down(&t, i, 128);
		send_up(&t, i, 128);
	}
	cr_assert_gt(nt_stats(&t).nst_wr.nems_held_now, 40, "held, duplicates included");
	cr_assert_gt(nt_stats(&t).nst_rd.nems_held_now, 40);
	cr_assert_gt(yt_msgs_outstanding(), 0);
	nt_close(&t);
	cr_assert_eq(yt_msgs_outstanding(), 0, "all freed at close");
}

/* ---- control messages, flow control, bursts ----------------------------------------------- */

YT_TEST(netem, control_messages_pass_at_once_untouched)
{
	struct nt t;
	char ctl[16] = "control part", data[8] = "data";
	struct strbuf cb = { .len = (int)sizeof(ctl), .buf = ctl };
	struct strbuf db = { .len = (int)sizeof(data), .buf = data };
	mblk_t *mp;
	int flags = 0;
	char rctl[32], rdata[32];
	struct strbuf rcb = { .maxlen = sizeof(rctl), .buf = rctl };
	struct strbuf rdb = { .maxlen = sizeof(rdata), .buf = rdata };
	unsigned seen = 0;

	nt_open(&t);
	nt_set(&t, "drop=100% delay=1s corrupt=100%");
	send_down(&t, 1, 64); /* dropped */
	cr_assert_eq(sth_putmsg(t.sd, &cb, &db, 0), 0, "M_PROTO down");
	cr_assert_eq(sth_putmsg(t.sd, &cb, NULL, RS_HIPRI), 0, "M_PCPROTO down");
	yt_drain();
	/* The loop captures M_PCPROTO at once and M_PROTO from its service procedure. */
	for (int i = 0; i < 2; i++) {
		mp = yard_loop_take(t.minor);
		cr_assert_not_null(mp, "both through at once");
		cr_assert(DB_TYPE(mp) == M_PROTO || DB_TYPE(mp) == M_PCPROTO);
		cr_assert_eq(MBLKL(mp), sizeof(ctl));
		cr_assert(memcmp(mp->b_rptr, ctl, sizeof(ctl)) == 0, "untouched");
		if (DB_TYPE(mp) == M_PROTO) {
			cr_assert_not_null(mp->b_cont);
			cr_assert_eq(MBLKL(mp->b_cont), sizeof(data));
			cr_assert(memcmp(mp->b_cont->b_rptr, data, sizeof(data)) == 0,
				  "its data untouched");
		}
		seen |= 1u << (DB_TYPE(mp) == M_PROTO);
		freemsg(mp);
	}
	cr_assert_eq(seen, 3, "one M_PROTO, one M_PCPROTO");
	cr_assert_null(yard_loop_take(t.minor));

	/* Up: an M_PROTO from the driver reaches the stream head. */
	mp = yt_msg(M_PROTO, sizeof(ctl), 0);
	memcpy(mp->b_rptr, ctl, sizeof(ctl));
	cr_assert_eq(yard_loop_inject(t.minor, mp), 0);
	yt_drain();
	cr_assert_geq(sth_getmsg(t.sd, &rcb, &rdb, &flags), 0);
	cr_assert_eq(rcb.len, (int)sizeof(ctl));
	cr_assert(memcmp(rctl, ctl, sizeof(ctl)) == 0);

	cr_expect_eq(nt_stats(&t).nst_wr.nems_dropped, 1);
	cr_expect_geq(nt_stats(&t).nst_wr.nems_ctl_passed, 2);
	cr_expect_geq(nt_stats(&t).nst_rd.nems_ctl_passed, 1);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_corrupted, 0);
	nt_close(&t);
}

YT_TEST(netem, held_messages_wait_while_the_next_queue_is_full)
{
	struct nt t;
	uint32_t seqs[120];
	struct netem_stats st;
	unsigned n;
	uint64_t end;

	nt_open(&t);
	cr_assert_eq(istr(t.sd, LOOP_HOLD, NULL, 0), 0, "LOOP_HOLD");
	nt_set(&t, "delay=1ms");
	/* 120 KB: the loop's write queue is full at 64 KB, so netem must hold the rest. */
	for (uint32_t i = 0; i < 120; i++)
		send_down(&t, i, 1000);
	/* Until the 1 ms delay has passed and netem met the full queue: on a loaded machine the
	 * process may be off the CPU for longer than that (a fixed 5 ms spin failed there). */
	end = now_us() + 2000000;
	do {
		spin_for(1);
		st = nt_stats(&t);
	} while (st.nst_wr.nems_flow_blocked == 0 && now_us() < end);
	cr_assert_null(yard_loop_take(t.minor), "the loop holds everything");
	cr_assert_gt(st.nst_wr.nems_held_now, 0, "netem keeps what the loop cannot take");
	cr_assert_gt(st.nst_wr.nems_flow_blocked, 0);
	cr_assert_eq(st.nst_wr.nems_limit_drops, 0);

	cr_assert_eq(istr(t.sd, LOOP_RELEASE, NULL, 0), 0, "LOOP_RELEASE");
	n = spin_down(&t, 120, 1000, seqs, NULL);
	cr_assert_eq(n, 120, "back-enabled: everything goes on");
	for (uint32_t i = 0; i < 120; i++)
		cr_assert_eq(seqs[i], i, "in order");
	cr_expect_eq(nt_stats(&t).nst_wr.nems_held_now, 0);
	nt_close(&t);
}

YT_TEST(netem, idle_queues_for_flow_control_like_any_module)
{
	struct nt t;
	uint32_t seqs[200], sent = 0;
	int rc;

	nt_open(&t);
	cr_assert_eq(istr(t.sd, LOOP_HOLD, NULL, 0), 0, "LOOP_HOLD");
	/* Impairments off: a full loop fills netem's queue, which refuses the writer. */
	for (;;) {
		mblk_t *mp = seq_msg(M_DATA, sent, 1000);

		rc = sth_putmsg_mblk(t.sd, mp);
		if (rc == -EAGAIN) {
			freemsg(mp); /* refused: still ours */
			break;
		}
		cr_assert_eq(rc, 0);
		cr_assert_lt(++sent, 200u, "flow control never refused the writer");
	}
	cr_expect_gt(nt_stats(&t).nst_wr.nems_queued, 0);
	cr_expect_eq(nt_stats(&t).nst_wr.nems_held_now, 0, "netem holds nothing of its own");
	cr_assert_eq(istr(t.sd, LOOP_RELEASE, NULL, 0), 0, "LOOP_RELEASE");
	cr_assert_eq(take_down(&t, seqs, 200), sent);
	for (uint32_t i = 0; i < sent; i++)
		cr_assert_eq(seqs[i], i, "in order");
	nt_close(&t);
}

YT_TEST(netem, idle_passes_a_burst_whole)
{
	struct nt t;
	mblk_t *mps[16];
	uint32_t seqs[40];
	queue_t *nq;
	uint64_t bursts;

	nt_open(&t);
	nq = t.sd->sd_wrq->q_next;
	cr_assert_str_eq(nq->q_qinfo->qi_minfo->mi_idname, NETEM_MODNAME);
	bursts = yard_loop_stats(t.minor)->loops_bursts;
	for (uint32_t i = 0; i < 16; i++)
		mps[i] = seq_msg(M_DATA, i, 64);
	put_burst(nq, mps, 16);
	cr_expect_eq(yard_loop_stats(t.minor)->loops_bursts, bursts + 1, "one burst below");
	cr_assert_eq(take_down(&t, seqs, 40), 16);
	for (uint32_t i = 0; i < 16; i++)
		cr_assert_eq(seqs[i], i);

	/* Active, a burst still goes on as bursts, duplicates included. */
	nt_set(&t, "dup=100%");
	bursts = yard_loop_stats(t.minor)->loops_bursts;
	for (uint32_t i = 0; i < 16; i++)
		mps[i] = seq_msg(M_DATA, i, 64);
	put_burst(nq, mps, 16);
	cr_expect_lt(yard_loop_stats(t.minor)->loops_bursts - bursts, 4, "32 in few bursts");
	cr_assert_eq(take_down(&t, seqs, 40), 32);
	for (uint32_t i = 0; i < 32; i++)
		cr_assert_eq(seqs[i], i / 2, "each followed by its copy");
	nt_close(&t);
}

/* ---- the ioctls --------------------------------------------------------------------------- */

YT_TEST(netem_conf, get_answers_the_settings_with_defaults_resolved)
{
	struct nt t;
	struct netem_conf c;

	nt_open(&t);
	nt_set(&t, "side=wr drop=1% delay=10ms seed=42");
	memset(&c, 0, sizeof(c));
	c.nc_side = NETEM_SIDE_WR;
	cr_assert_eq(istr(t.sd, NETEM_GET, &c, sizeof(c)), 0);
	cr_expect_eq(c.nc_side, NETEM_SIDE_WR);
	cr_expect_eq(c.nc_drop_ppm, 10000);
	cr_expect_eq(c.nc_delay_us, 10000);
	cr_expect_eq(c.nc_seed, 42);
	cr_expect_eq(c.nc_limit, NETEM_LIMIT_DEF);
	cr_expect_eq(c.nc_reorder_gap, NETEM_REORDER_GAP_DEF);
	memset(&c, 0, sizeof(c));
	c.nc_side = NETEM_SIDE_RD;
	cr_assert_eq(istr(t.sd, NETEM_GET, &c, sizeof(c)), 0);
	cr_expect_eq(c.nc_drop_ppm, 0, "the read side was not set");
	c.nc_side = NETEM_SIDE_RW;
	cr_expect_eq(istr(t.sd, NETEM_GET, &c, sizeof(c)), -EINVAL, "GET names one side");
	nt_close(&t);
}

YT_TEST(netem_conf, set_refuses_bad_settings)
{
	struct nt t;
	struct netem_conf c = { .nc_side = NETEM_SIDE_RW, .nc_drop_ppm = NETEM_PPM + 1 };
	uint32_t mask = 0x4;

	nt_open(&t);
	cr_expect_eq(istr(t.sd, NETEM_SET, &c, sizeof(c)), -EINVAL, "over 100%%");
	c.nc_drop_ppm = 0;
	c.nc_side = 0;
	cr_expect_eq(istr(t.sd, NETEM_SET, &c, sizeof(c)), -EINVAL, "no side");
	c.nc_side = NETEM_SIDE_WR;
	c.nc_delay_us = NETEM_MAX_US + 1;
	cr_expect_eq(istr(t.sd, NETEM_SET, &c, sizeof(c)), -EINVAL, "delay too long");
	c.nc_delay_us = 0;
	c.nc_flags = 0x80;
	cr_expect_eq(istr(t.sd, NETEM_SET, &c, sizeof(c)), -EINVAL, "unknown flag");
	c.nc_flags = 0;
	c.nc_drop_ppm = 1;
	c.nc_ge_p_ppm = 1;
	cr_expect_eq(istr(t.sd, NETEM_SET, &c, sizeof(c)), -EINVAL, "two loss models");
	cr_expect_eq(istr(t.sd, NETEM_SET, &c, 4), -EINVAL, "short");
	cr_expect_eq(istr(t.sd, NETEM_RESET, &mask, sizeof(mask)), -EINVAL, "bad reset mask");
	mask = NETEM_SIDE_RD;
	cr_expect_eq(istr(t.sd, NETEM_RESET, &mask, sizeof(mask)), 0);
	nt_close(&t);
}

YT_TEST(netem_conf, counter_names_come_from_the_def_file)
{
	cr_assert_eq(NEMS__COUNT * sizeof(uint64_t), sizeof(struct netemstat));
	cr_assert_str_eq(netemstat_name(NEMS_passed), "passed");
	cr_assert_str_eq(netemstat_name(NEMS_rate_limited_drops), "rate_limited_drops");
	cr_assert_not_null(netemstat_help(NEMS_held_now));
	cr_assert_null(netemstat_name(NEMS__COUNT));
	cr_assert_null(netemstat_help(NEMS__COUNT));
}

/* ---- the string form ---------------------------------------------------------------------- */

YT_TEST(netem_conf, parse_accepts_good_strings)
{
	struct netem_conf c;
	char err[200];

	cr_assert_eq(netem_parse_err("drop=1% delay=10ms jitter=2ms seed=42", &c, err,
				     sizeof(err)), 0, "%s", err);
	cr_expect_eq(c.nc_side, NETEM_SIDE_RW);
	cr_expect_eq(c.nc_drop_ppm, 10000);
	cr_expect_eq(c.nc_delay_us, 10000);
	cr_expect_eq(c.nc_jitter_us, 2000);
	cr_expect_eq(c.nc_seed, 42);

	cr_assert_eq(netem_parse_err("  side=rd dup=0.25% corrupt=2500ppm reorder=5% gap=3 "
				     "reorder_timeout=1.5s rate=1.5mbit burst=64k backlog=1m "
				     "limit=500 seed=0xff jitter_reorder=1\t", &c, err,
				     sizeof(err)), 0, "%s", err);
	cr_expect_eq(c.nc_side, NETEM_SIDE_RD);
	cr_expect_eq(c.nc_dup_ppm, 2500);
	cr_expect_eq(c.nc_corrupt_ppm, 2500);
	cr_expect_eq(c.nc_reorder_ppm, 50000);
	cr_expect_eq(c.nc_reorder_gap, 3);
	cr_expect_eq(c.nc_reorder_us, 1500000);
	cr_expect_eq(c.nc_rate_bps, 1500000);
	cr_expect_eq(c.nc_rate_burst, 65536);
	cr_expect_eq(c.nc_rate_backlog, 1048576);
	cr_expect_eq(c.nc_limit, 500);
	cr_expect_eq(c.nc_seed, 255);
	cr_expect_eq(c.nc_flags, NETEM_F_JITTER_REORDER);

	cr_assert_eq(netem_parse("ge=1%,30%", &c), 0);
	cr_expect_eq(c.nc_ge_p_ppm, 10000);
	cr_expect_eq(c.nc_ge_r_ppm, 300000);
	cr_expect_eq(c.nc_ge_bad_ppm, NETEM_PPM, "loss when bad defaults to 100%%");
	cr_expect_eq(c.nc_ge_good_ppm, 0);
	cr_assert_eq(netem_parse("ge=1%,30%,80%,0.1% drop_corr=25%", &c), 0);
	cr_expect_eq(c.nc_ge_bad_ppm, 800000);
	cr_expect_eq(c.nc_ge_good_ppm, 1000);

	cr_assert_eq(netem_parse("", &c), 0, "the empty string: everything off");
	cr_expect_eq(c.nc_drop_ppm, 0);
	cr_expect_eq(c.nc_side, NETEM_SIDE_RW);
	cr_assert_eq(netem_parse("drop=100% drop=2%", &c), 0);
	cr_expect_eq(c.nc_drop_ppm, 20000, "the later word wins");
}

YT_TEST(netem_conf, parse_rejects_bad_strings_with_a_reason)
{
	static const struct {
		const char *str;
		int rc;
		const char *says; /* a piece of the reason */
	} bad[] = {
		{ "dorp=1%", -EINVAL, "unknown key 'dorp'" },
		{ "drop", -EINVAL, "expected key=value" },
		{ "drop=", -EINVAL, "no value" },
		{ "drop=1", -EINVAL, "unit" },
		{ "drop=101%", -ERANGE, "out of range" },
		{ "drop=0.00001%", -EINVAL, "decimals" },
		{ "drop=x%", -EINVAL, "not understood" },
		{ "delay=10", -EINVAL, "unit" },
		{ "delay=10min", -EINVAL, "unit" },
		{ "delay=61s", -ERANGE, "out of range" },
		{ "delay=0.5us", -EINVAL, "decimals" },
		{ "rate=10", -EINVAL, "unit" },
		{ "rate=10mbps", -EINVAL, "ambiguous" },
		{ "burst=4g", -EINVAL, "unit" },
		{ "burst=5000000000", -ERANGE, "out of range" },
		{ "limit=2000000", -ERANGE, "out of range" },
		{ "limit=-1", -EINVAL, "not understood" },
		{ "gap=1.5", -EINVAL, "not understood" },
		{ "seed=0x", -EINVAL, "not understood" },
		{ "seed=99999999999999999999", -ERANGE, "out of range" },
		{ "side=up", -EINVAL, "rd, wr or rw" },
		{ "jitter_reorder=yes", -EINVAL, "0 or 1" },
		{ "ge=1%", -EINVAL, "p,r" },
		{ "ge=1%,,2%", -EINVAL, "p,r" },
		{ "ge=0%,30%", -ERANGE, "out of range" },
		{ "drop=1% ge=1%,30%", -EINVAL, "exclusive" },
	};
	struct netem_conf c;
	char err[256];

	for (size_t i = 0; i < RTE_DIM(bad); i++) {
		int rc;

		memset(&c, 0x5a, sizeof(c));
		rc = netem_parse_err(bad[i].str, &c, err, sizeof(err));
		cr_expect_eq(rc, bad[i].rc, "'%s': %d, expected %d (%s)", bad[i].str, rc,
			     bad[i].rc, err);
		cr_expect_not_null(strstr(err, bad[i].says), "'%s': reason '%s' lacks '%s'",
				   bad[i].str, err, bad[i].says);
		cr_expect_eq(c.nc_side, 0x5a5a5a5a, "'%s': settings untouched on error",
			     bad[i].str);
		cr_expect_eq(netem_parse(bad[i].str, &c), bad[i].rc, "without the reason too");
	}
}

YT_TEST(netem_conf, format_reads_back_to_the_same_settings)
{
	static const char *const strs[] = {
		"drop=1% delay=10ms jitter=2ms seed=42",
		"side=wr ge=1%,30%,90%,0.5% dup=3% corrupt=0.01% reorder=25% gap=4 "
		"reorder_timeout=3ms rate=10mbit burst=3000 backlog=20k limit=77 seed=0xdeadbeef "
		"jitter_reorder=1",
		"",
	};
	struct netem_conf a, b;
	char buf[512];

	for (size_t i = 0; i < RTE_DIM(strs); i++) {
		int n;

		cr_assert_eq(netem_parse(strs[i], &a), 0, "%s", strs[i]);
		n = netem_format(&a, buf, sizeof(buf));
		cr_assert(n > 0 && (size_t)n < sizeof(buf));
		cr_assert_eq(netem_format(&a, NULL, 0), n, "the length it needs");
		cr_assert_eq(netem_parse(buf, &b), 0, "reads back: %s", buf);
		cr_assert(memcmp(&a, &b, sizeof(a)) == 0, "'%s' -> '%s'", strs[i], buf);
	}
}

/* ---- arguments at open (yardctl push PORT netem ARGS) ------------------------------------- */

YT_TEST(netem_conf, open_takes_arguments_left_by_the_pusher)
{
	struct stdata *sd;
	struct netem_conf c;

	cr_assert_eq(sth_open("loop", 0, &sd), 0, "sth_open(loop)");
	yard_modargs_set("side=wr drop=5% delay=2ms seed=7");
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)NETEM_MODNAME), 0, "I_PUSH netem");
	cr_assert_eq(yard_modargs_pending(), 0, "netem took its arguments");
	memset(&c, 0, sizeof(c));
	c.nc_side = NETEM_SIDE_WR;
	cr_assert_eq(istr(sd, NETEM_GET, &c, sizeof(c)), 0);
	cr_expect_eq(c.nc_drop_ppm, 50000);
	cr_expect_eq(c.nc_delay_us, 2000);
	cr_expect_eq(c.nc_seed, 7);
	memset(&c, 0, sizeof(c));
	c.nc_side = NETEM_SIDE_RD;
	cr_assert_eq(istr(sd, NETEM_GET, &c, sizeof(c)), 0);
	cr_expect_eq(c.nc_drop_ppm, 0, "side=wr leaves the read side off");
	cr_expect_eq(c.nc_delay_us, 0);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(netem_conf, open_applies_arguments_to_both_sides_by_default)
{
	struct nt t;
	uint32_t seqs[20];
	int one = 1;

	cr_assert_eq(sth_open("loop", 0, &t.sd), 0, "sth_open(loop)");
	yard_modargs_set("drop=100% seed=7");
	cr_assert_eq(sth_ioctl(t.sd, I_PUSH, (intptr_t)NETEM_MODNAME), 0, "I_PUSH netem");
	t.minor = yard_loop_minor(t.sd);
	cr_assert_eq(istr(t.sd, LOOP_CAPTURE, &one, sizeof(one)), 0, "LOOP_CAPTURE");
	for (uint32_t i = 0; i < 10; i++) {
		send_down(&t, i, 64);
		send_up(&t, i, 64);
	}
	cr_expect_eq(take_down(&t, seqs, 20), 0, "everything down was dropped");
	cr_expect_eq(take_up(&t, seqs, 20), 0, "everything up was dropped");
	cr_expect_eq(nt_stats(&t).nst_wr.nems_dropped, 10);
	cr_expect_eq(nt_stats(&t).nst_rd.nems_dropped, 10);
	nt_close(&t);
}

YT_TEST(netem_conf, open_refuses_bad_arguments_and_pushes_nothing)
{
	static const char *const bad[] = {
		"drop=5",             /* no unit */
		"drop=101%",          /* out of range */
		"bogus=1",            /* unknown key */
		"drop=1% ge=1%,10%",  /* drop and Gilbert-Elliott are exclusive */
		"side=up",
	};
	struct stdata *sd;
	char name[FMNAMESZ + 1];

	cr_assert_eq(sth_open("loop", 0, &sd), 0, "sth_open(loop)");
	for (unsigned i = 0; i < RTE_DIM(bad); i++) {
		yard_modargs_set(bad[i]);
		cr_expect_eq(sth_ioctl(sd, I_PUSH, (intptr_t)NETEM_MODNAME), -EINVAL,
			     "I_PUSH netem \"%s\" is refused", bad[i]);
		cr_expect_eq(yard_modargs_pending(), 0, "the open took \"%s\"", bad[i]);
		cr_expect_neq(sth_ioctl(sd, I_LOOK, (intptr_t)name), 0, "nothing was pushed");
	}
	yard_modargs_set("");
	cr_expect_eq(sth_ioctl(sd, I_PUSH, (intptr_t)NETEM_MODNAME), 0, "no arguments: all off");
	cr_expect_eq(sth_ioctl(sd, I_LOOK, (intptr_t)name), 0);
	cr_expect_str_eq(name, NETEM_MODNAME);
	cr_assert_eq(sth_close(sd), 0);
}
