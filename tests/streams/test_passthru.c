/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The example module passthru on the loop-back driver: echo through modules, flow control end
 * to end, M_FLUSH, bursts, zero copy; and the loop driver's ioctls, cross-connection, capture
 * and injection. Every test closes its streams; the suite's .fini checks nothing leaked.
 */
#include <errno.h>
#include <string.h>

#include <rte_launch.h>

#include <streams/loop.h>
#include <streams/streams_priv.h>

#include "yard_test.h"

TestSuite(passthru, .init = yt_setup, .fini = yt_teardown);
TestSuite(loop, .init = yt_setup, .fini = yt_teardown);

#define MSGLEN 512 /* bytes per message in the flow-control tests */

/* ---- helpers ------------------------------------------------------------------------------ */

static struct stdata *
open_loop(int npush)
{
	struct stdata *sd = NULL;

	cr_assert_eq(sth_open("loop", 0, &sd), 0, "sth_open(loop)");
	cr_assert_not_null(sd);
	for (int i = 0; i < npush; i++)
		cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)"passthru"), 0, "I_PUSH passthru");
	return sd;
}

/* An I_STR to the driver with an optional int in and out. */
static int
str_ioctl(struct stdata *sd, int cmd, int *arg)
{
	struct strioctl ic = {
		.ic_cmd = cmd,
		.ic_timout = 5,
		.ic_len = arg != NULL ? (int)sizeof(int) : 0,
		.ic_dp = (char *)arg,
	};

	return sth_ioctl(sd, I_STR, (intptr_t)&ic);
}

static int
str_ioctl_int(struct stdata *sd, int cmd, int val)
{
	return str_ioctl(sd, cmd, &val);
}

/* The write queue `depth` hops below the stream head (0: the top module or the driver). */
static queue_t *
wq_at(struct stdata *sd, int depth)
{
	queue_t *q = sd->sd_wrq->q_next;

	for (int i = 0; i < depth; i++) {
		cr_assert_not_null(q->q_next, "stream shorter than %d", depth + 1);
		q = q->q_next;
	}
	return q;
}

/* The driver's write queue: the last one. */
static queue_t *
loop_wq(struct stdata *sd)
{
	queue_t *q = sd->sd_wrq;

	while (q->q_next != NULL)
		q = q->q_next;
	cr_assert_str_eq(q->q_qinfo->qi_minfo->mi_idname, "loop");
	return q;
}

static struct passthru_priv *
pt_priv(queue_t *q)
{
	cr_assert_str_eq(q->q_qinfo->qi_minfo->mi_idname, "passthru");
	return q->q_ptr;
}

static const struct loopstat *
lstat(struct stdata *sd)
{
	const struct loopstat *ls = yard_loop_stats(yard_loop_minor(sd));

	cr_assert_not_null(ls);
	return ls;
}

static mblk_t *
seq_msg(unsigned char type, uint32_t seq, size_t len, unsigned char band)
{
	mblk_t *mp = yt_msg(type, len < sizeof(seq) ? sizeof(seq) : len, 0x5a);

	memcpy(mp->b_rptr, &seq, sizeof(seq));
	mp->b_band = band;
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

static void
send(struct stdata *sd, unsigned char type, uint32_t seq, unsigned char band)
{
	cr_assert_eq(sth_putmsg_mblk(sd, seq_msg(type, seq, 64, band)), 0, "sth_putmsg_mblk");
}

/* Take the next message at the stream head, running the scheduler once if none is there. */
static mblk_t *
recv(struct stdata *sd)
{
	mblk_t *mp = NULL;

	if (sth_getmsg_mblk(sd, &mp) == 0)
		return mp;
	yt_drain();
	if (sth_getmsg_mblk(sd, &mp) == 0)
		return mp;
	return NULL;
}

/* Receive one message and check its type, band and sequence number; free it. */
static void
expect(struct stdata *sd, unsigned char type, uint32_t seq, unsigned char band)
{
	mblk_t *mp = recv(sd);

	cr_assert_not_null(mp, "expected message %u, got none", seq);
	cr_expect_eq(DB_TYPE(mp), type, "message %u: type %#x, expected %#x", seq, DB_TYPE(mp),
		     type);
	cr_expect_eq(mp->b_band, band, "message %u: band %u, expected %u", seq, mp->b_band, band);
	cr_expect_eq(seq_of(mp), seq, "got message %u, expected %u", seq_of(mp), seq);
	freemsg(mp);
}

static void
expect_nothing(struct stdata *sd)
{
	mblk_t *mp = recv(sd);

	cr_assert_null(mp, "unexpected message of type %#x", mp != NULL ? DB_TYPE(mp) : 0);
}

/* Write MSGLEN-byte M_DATA messages numbered from *seq until flow control says -EAGAIN. */
static unsigned
write_until_full(struct stdata *sd, uint32_t *seq)
{
	char buf[MSGLEN];
	struct strbuf data = { .maxlen = MSGLEN, .len = MSGLEN, .buf = buf };
	unsigned n = 0;
	int rc;

	memset(buf, 0x33, sizeof(buf));
	for (;;) {
		memcpy(buf, seq, sizeof(*seq));
		rc = sth_putmsg(sd, NULL, &data, 0);
		if (rc == -EAGAIN)
			break;
		cr_assert_eq(rc, 0, "sth_putmsg: %d", rc);
		(*seq)++;
		cr_assert_lt(++n, 4000u, "flow control never refused the writer");
	}
	return n;
}

static unsigned notified_output;

static void
count_output(struct stdata *sd, unsigned events, void *arg)
{
	if (events & S_OUTPUT)
		notified_output++;
}

/* ---- passthru: echo through modules ------------------------------------------------------- */

YT_TEST(passthru, echoes_data_and_protocol_messages_in_order)
{
	struct stdata *sd = open_loop(1);
	struct passthru_priv *pp = pt_priv(wq_at(sd, 0));

	for (uint32_t i = 0; i < 100; i++)
		send(sd, i % 3 == 0 ? M_PROTO : M_DATA, i, 0);
	yt_drain();
	for (uint32_t i = 0; i < 100; i++)
		expect(sd, i % 3 == 0 ? M_PROTO : M_DATA, i, 0);
	expect_nothing(sd);
	cr_expect_eq(pp->pt_wr.passthrus_passed, 100);
	cr_expect_eq(pp->pt_rd.passthrus_passed, 100);
	cr_expect_eq(lstat(sd)->loops_in, 100);
	cr_expect_eq(lstat(sd)->loops_out, 100);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(passthru, delivers_high_priority_then_bands_then_band_zero)
{
	struct stdata *sd = open_loop(1);

	/* All reach the stream head before it is read: its queue sorts them by priority. */
	send(sd, M_DATA, 1, 0);
	send(sd, M_PROTO, 2, 0);
	send(sd, M_DATA, 3, 1);
	send(sd, M_DATA, 4, 2);
	send(sd, M_PCPROTO, 5, 0);
	send(sd, M_DATA, 6, 1);
	yt_drain();
	expect(sd, M_PCPROTO, 5, 0);
	expect(sd, M_DATA, 4, 2);
	expect(sd, M_DATA, 3, 1);
	expect(sd, M_DATA, 6, 1);
	expect(sd, M_DATA, 1, 0);
	expect(sd, M_PROTO, 2, 0);
	expect_nothing(sd);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(passthru, pushes_three_deep_and_pops_back_to_the_driver)
{
	struct stdata *sd = open_loop(3);
	char name[FMNAMESZ + 1] = "";

	cr_assert_eq(sd->sd_pushcnt, 3);
	for (int i = 0; i < 3; i++)
		(void)pt_priv(wq_at(sd, i));
	cr_assert_eq(wq_at(sd, 3), loop_wq(sd), "three modules, then the driver");
	cr_assert_geq(sth_ioctl(sd, I_LOOK, (intptr_t)name), 0);
	cr_assert_str_eq(name, "passthru");

	for (uint32_t i = 0; i < 10; i++)
		send(sd, M_DATA, i, 0);
	yt_drain();
	for (uint32_t i = 0; i < 10; i++)
		expect(sd, M_DATA, i, 0);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(pt_priv(wq_at(sd, i))->pt_rd.passthrus_passed, 10, "module %d", i);

	for (int left = 2; left >= 0; left--) {
		cr_assert_eq(sth_ioctl(sd, I_POP, 0), 0, "I_POP");
		cr_assert_eq(sd->sd_pushcnt, left);
	}
	cr_assert_eq(wq_at(sd, 0), loop_wq(sd), "the driver is right under the stream head");
	cr_assert_lt(sth_ioctl(sd, I_LOOK, (intptr_t)name), 0, "I_LOOK with nothing pushed");
	send(sd, M_PROTO, 42, 0);
	yt_drain();
	expect(sd, M_PROTO, 42, 0);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(passthru, is_pushed_by_autopush_on_loop)
{
	const char *const mods[] = { "passthru", "passthru" };
	struct stdata *sd;

	cr_assert_eq(yard_autopush_set("loop", mods, 2), 0);
	sd = open_loop(0);
	cr_assert_eq(sd->sd_pushcnt, 2);
	(void)pt_priv(wq_at(sd, 0));
	(void)pt_priv(wq_at(sd, 1));
	send(sd, M_DATA, 7, 0);
	yt_drain();
	expect(sd, M_DATA, 7, 0);
	cr_assert_eq(sth_close(sd), 0);
	cr_assert_eq(yard_autopush_set("loop", mods, 0), 0);
}

/* ---- passthru: flow control --------------------------------------------------------------- */

YT_TEST(passthru, carries_flow_control_end_to_end)
{
	struct stdata *sd = open_loop(1);
	queue_t *pwq = wq_at(sd, 0), *lwq = loop_wq(sd);
	struct passthru_priv *pp = pt_priv(pwq);
	struct passthrustat wr0, rd0;
	uint32_t seq = 0, next = 0;
	unsigned written, idle = 0;

	sth_set_notify(sd, S_OUTPUT, count_output, NULL);
	cr_assert_eq(str_ioctl(sd, LOOP_HOLD, NULL), 0);
	wr0 = pp->pt_wr; /* the ioctl and its answer went through too */
	rd0 = pp->pt_rd;
	written = write_until_full(sd, &seq);

	/* The driver's queue filled first, then ours; the stream head was refused at ours. */
	cr_assert(lwq->q_flag & QFULL, "loop's write queue is full");
	cr_assert(pwq->q_flag & QFULL, "passthru's write queue is full");
	cr_assert(pwq->q_flag & QWANTW, "the stream head waits for passthru's write queue");
	cr_assert(lwq->q_flag & QWANTW, "passthru waits for loop's write queue");
	cr_assert_gt(pp->pt_wr.passthrus_queued, 0);
	cr_assert_eq(pp->pt_wr.passthrus_passed - wr0.passthrus_passed + pp->pt_wr.passthrus_queued,
		     written);
	cr_assert_eq((unsigned)(qsize(lwq) + qsize(pwq)), written, "every message is queued");
	cr_assert_eq(sth_poll(sd) & S_OUTPUT, 0u, "not writable while full");

	/* Held: running the scheduler moves nothing. */
	yt_drain();
	expect_nothing(sd);
	cr_assert_eq(lstat(sd)->loops_out, 0);

	notified_output = 0;
	/* The ioctl is not held back by the data queued in passthru: it reaches the driver. */
	cr_assert_eq(str_ioctl(sd, LOOP_RELEASE, NULL), 0);
	/* Read everything back, letting the scheduler refill the stream head as it drains. */
	while (next < written && idle < 3) {
		mblk_t *mp = recv(sd);

		if (mp == NULL) {
			idle++;
			continue;
		}
		idle = 0;
		cr_assert_eq(seq_of(mp), next, "got %u, expected %u", seq_of(mp), next);
		cr_assert_eq(msgdsize(mp), MSGLEN);
		next++;
		freemsg(mp);
	}
	cr_assert_eq(next, written, "%u of %u messages arrived", next, written);
	expect_nothing(sd);

	cr_expect_gt(notified_output, 0, "the notifier heard S_OUTPUT");
	cr_expect(sth_poll(sd) & S_OUTPUT, "writable again");
	cr_expect_eq(lstat(sd)->loops_in, written);
	cr_expect_eq(lstat(sd)->loops_out, written);
	cr_expect_eq(pp->pt_wr.passthrus_passed - wr0.passthrus_passed, written + 1, "+ RELEASE");
	cr_expect_eq(pp->pt_rd.passthrus_passed - rd0.passthrus_passed, written + 1, "+ its ack");
	cr_expect_gt(pp->pt_rd.passthrus_queued, 0, "the read side was flow controlled too");
	cr_expect_eq(qsize(lwq) + qsize(pwq), 0);
	cr_expect_eq(lwq->q_flag & QFULL, 0u);
	cr_expect_eq(pwq->q_flag & QFULL, 0u);

	/* And it can be written again. */
	cr_assert_eq(write_until_full(sd, &seq) > 0, 1);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(passthru, flushes_its_queues_and_the_drivers_on_I_FLUSH)
{
	struct stdata *sd = open_loop(1);
	queue_t *pwq = wq_at(sd, 0), *lwq = loop_wq(sd), *prq = RD(pwq);
	struct passthru_priv *pp = pt_priv(pwq);
	int minor = yard_loop_minor(sd);
	uint32_t seq = 0;
	unsigned written;
	int in_loop;

	cr_assert_eq(str_ioctl(sd, LOOP_HOLD, NULL), 0);
	written = write_until_full(sd, &seq);
	cr_assert_gt(qsize(pwq), 0);
	in_loop = qsize(lwq);
	cr_assert_gt(in_loop, 0);
	/* Fill the read side too: the stream head first, then passthru's read queue. */
	for (uint32_t i = 0; i < 40; i++)
		cr_assert_eq(yard_loop_inject(minor, seq_msg(M_DATA, 1000 + i, MSGLEN, 0)), 0);
	cr_assert_gt(qsize(prq), 0, "passthru's read queue holds some");
	cr_assert_gt(qsize(STH_RQ(sd)), 0, "the stream head holds some");
	cr_assert_gt(written, 0);

	cr_assert_eq(sth_ioctl(sd, I_FLUSH, FLUSHRW), 0);
	yt_drain();
	cr_expect_eq(qsize(pwq), 0);
	cr_expect_eq(qsize(prq), 0);
	cr_expect_eq(qsize(lwq), 0);
	cr_expect_eq(qsize(STH_RQ(sd)), 0);
	expect_nothing(sd);
	cr_expect_eq(lstat(sd)->loops_flushed, (uint64_t)in_loop);
	cr_expect_geq(pp->pt_wr.passthrus_flushes, 1);
	cr_expect_geq(pp->pt_rd.passthrus_flushes, 1, "the driver turned FLUSHR back up");
	cr_expect(sth_poll(sd) & S_OUTPUT, "writable after the flush");

	/* The stream still works. */
	cr_assert_eq(str_ioctl(sd, LOOP_RELEASE, NULL), 0);
	send(sd, M_DATA, 77, 0);
	yt_drain();
	expect(sd, M_DATA, 77, 0);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(passthru, flushes_only_the_named_band_on_I_FLUSHBAND)
{
	struct stdata *sd = open_loop(1);
	queue_t *lwq = loop_wq(sd);
	struct bandinfo bi = { .bi_pri = 1, .bi_flag = FLUSHW };

	cr_assert_eq(str_ioctl(sd, LOOP_HOLD, NULL), 0);
	for (uint32_t i = 0; i < 6; i++)
		send(sd, M_DATA, i, i % 2 ? 1 : 0);
	cr_assert_eq(qsize(lwq), 6);
	cr_assert_eq(sth_ioctl(sd, I_FLUSHBAND, (intptr_t)&bi), 0);
	cr_expect_eq(qsize(lwq), 3, "band 1 flushed, band 0 kept");
	cr_expect_eq(lstat(sd)->loops_flushed, 3);
	cr_assert_eq(str_ioctl(sd, LOOP_RELEASE, NULL), 0);
	yt_drain();
	expect(sd, M_DATA, 0, 0);
	expect(sd, M_DATA, 2, 0);
	expect(sd, M_DATA, 4, 0);
	expect_nothing(sd);
	cr_assert_eq(sth_close(sd), 0);
}

/* ---- passthru: bursts --------------------------------------------------------------------- */

/* A test module that passes bursts on whole: it stands for a burst-capable protocol above. */
static unsigned ptb_bursts;

static int
ptb_put(queue_t *q, mblk_t *mp)
{
	putnext(q, mp);
	return 0;
}

static void
ptb_put_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	ptb_bursts++;
	putnext_burst(q, mps, n);
}

static int
ptb_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	qprocson(q);
	return 0;
}

static int
ptb_close(queue_t *q, int flag, cred_t *crp)
{
	qprocsoff(q);
	return 0;
}

static struct module_info ptb_minfo = { .mi_idname = "ptburst", .mi_maxpsz = INFPSZ,
					.mi_hiwat = 4096, .mi_lowat = 1024 };
static struct qinit ptb_rinit = { .qi_putp = ptb_put, .qi_qopen = ptb_open,
				  .qi_qclose = ptb_close, .qi_minfo = &ptb_minfo,
				  .qi_putp_burst = ptb_put_burst };
static struct qinit ptb_winit = { .qi_putp = ptb_put, .qi_minfo = &ptb_minfo,
				  .qi_putp_burst = ptb_put_burst };
static struct streamtab ptb_info = { .st_rdinit = &ptb_rinit, .st_wrinit = &ptb_winit };

/* loop, passthru, ptburst on top. */
static struct stdata *
open_burst_stack(void)
{
	struct stdata *sd;

	cr_assert_eq(yard_mod_register("ptburst", &ptb_info, D_MP), 0);
	sd = open_loop(1);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)"ptburst"), 0);
	return sd;
}

#define NBURST 16

YT_TEST(passthru, passes_a_burst_whole_down_to_the_driver)
{
	struct stdata *sd = open_burst_stack();
	struct passthru_priv *pp = pt_priv(wq_at(sd, 1));
	mblk_t *mps[NBURST];

	for (uint32_t i = 0; i < NBURST; i++)
		mps[i] = seq_msg(M_DATA, i, 64, 0);
	put_burst(wq_at(sd, 0), mps, NBURST);
	cr_assert_eq(ptb_bursts, 1);
	cr_expect_eq(pp->pt_wr.passthrus_bursts, 1);
	cr_expect_eq(pp->pt_wr.passthrus_passed, NBURST);
	cr_expect_eq(pp->pt_wr.passthrus_queued, 0);
	cr_expect_eq(lstat(sd)->loops_bursts, 1, "the driver got one burst");
	cr_expect_eq(lstat(sd)->loops_in, NBURST);
	yt_drain();
	for (uint32_t i = 0; i < NBURST; i++)
		expect(sd, M_DATA, i, 0);
	expect_nothing(sd);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(passthru, queues_a_burst_in_order_when_the_driver_is_full)
{
	struct stdata *sd = open_burst_stack();
	queue_t *pwq = wq_at(sd, 1), *lwq = loop_wq(sd);
	struct passthru_priv *pp = pt_priv(pwq);
	mblk_t *mps[NBURST];
	uint32_t seq = 0, first;
	uint64_t passed0;

	cr_assert_eq(str_ioctl(sd, LOOP_HOLD, NULL), 0);
	passed0 = pp->pt_wr.passthrus_passed;
	while (!(lwq->q_flag & QFULL)) {
		send(sd, M_DATA, seq++, 0);
		cr_assert_lt(seq, 4000u);
	}
	cr_assert_eq(qsize(pwq), 0, "passthru still passes everything");
	first = seq;
	for (uint32_t i = 0; i < NBURST; i++)
		mps[i] = seq_msg(M_DATA, seq++, 64, 0);
	put_burst(wq_at(sd, 0), mps, NBURST);
	cr_expect_eq(pp->pt_wr.passthrus_bursts, 0, "no room: not passed whole");
	cr_expect_eq(pp->pt_wr.passthrus_queued, NBURST);
	cr_expect_eq(qsize(pwq), NBURST);

	cr_assert_eq(str_ioctl(sd, LOOP_RELEASE, NULL), 0);
	for (uint32_t i = 0; i < seq; i++)
		expect(sd, M_DATA, i, 0);
	expect_nothing(sd);
	cr_expect_eq(pp->pt_wr.passthrus_passed - passed0, seq + 1, "+ the LOOP_RELEASE");
	cr_expect_gt(seq, first);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(passthru, passes_an_upstream_burst_whole_to_the_stream_head)
{
	struct stdata *sd = open_loop(1);
	queue_t *lrq = RD(loop_wq(sd));
	struct passthru_priv *pp = pt_priv(wq_at(sd, 0));
	mblk_t *mps[NBURST];

	for (uint32_t i = 0; i < NBURST; i++)
		mps[i] = seq_msg(i % 2 ? M_PROTO : M_DATA, i, 64, 0);
	putnext_burst(lrq, mps, NBURST);
	cr_expect_eq(pp->pt_rd.passthrus_bursts, 1);
	cr_expect_eq(pp->pt_rd.passthrus_passed, NBURST);
	for (uint32_t i = 0; i < NBURST; i++)
		expect(sd, i % 2 ? M_PROTO : M_DATA, i, 0);
	expect_nothing(sd);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(passthru, takes_a_mixed_burst_one_message_at_a_time)
{
	struct stdata *sd = open_burst_stack();
	struct passthru_priv *pp = pt_priv(wq_at(sd, 1));
	mblk_t *mps[4];

	mps[0] = seq_msg(M_DATA, 0, 64, 0);
	mps[1] = seq_msg(M_DATA, 1, 64, 1);
	mps[2] = seq_msg(M_PCPROTO, 2, 64, 0);
	mps[3] = seq_msg(M_PROTO, 3, 64, 0);
	put_burst(wq_at(sd, 0), mps, 4);
	cr_expect_eq(pp->pt_wr.passthrus_bursts, 0);
	cr_expect_eq(pp->pt_wr.passthrus_passed, 4);
	yt_drain();
	expect(sd, M_PCPROTO, 2, 0);
	expect(sd, M_DATA, 1, 1);
	expect(sd, M_DATA, 0, 0);
	expect(sd, M_PROTO, 3, 0);
	expect_nothing(sd);
	cr_assert_eq(sth_close(sd), 0);
}

/* ---- passthru: zero copy ------------------------------------------------------------------ */

YT_TEST(passthru, moves_messages_down_and_up_without_copying)
{
	struct stdata *sd = open_loop(2);
	struct yard_msgstat before, after;
	mblk_t *mp = seq_msg(M_DATA, 9, 256, 0), *out = NULL;
	unsigned char *data = mp->b_rptr;

	yard_msgstat_sum(&before);
	cr_assert_eq(sth_putmsg_mblk(sd, mp), 0);
	yt_drain();
	cr_assert_eq(sth_getmsg_mblk(sd, &out), 0);
	cr_expect_eq(out, mp, "the same message block came back");
	cr_expect_eq(out->b_rptr, data, "the data was not moved");
	cr_expect_eq(seq_of(out), 9);
	yard_msgstat_sum(&after);
	cr_expect_eq(after.copied_bytes, before.copied_bytes, "no byte was copied");
	freemsg(out);
	cr_assert_eq(sth_close(sd), 0);
}

/* ---- loop: ioctls ------------------------------------------------------------------------- */

YT_TEST(loop, clone_opens_a_new_minor_each_time)
{
	struct stdata *a = open_loop(0), *b = open_loop(1);
	int ma = yard_loop_minor(a), mb = yard_loop_minor(b);

	cr_assert_geq(ma, 0);
	cr_assert_geq(mb, 0);
	cr_assert_neq(ma, mb);
	cr_assert_eq(sth_close(a), 0);
	cr_assert_null(yard_loop_stats(ma), "a closed minor has no counters");
	cr_assert_not_null(yard_loop_stats(mb));
	cr_assert_eq(sth_close(b), 0);
}

YT_TEST(loop, answers_LOOP_GETMINOR_with_the_minor)
{
	struct stdata *sd = open_loop(1);
	int minor = -1;
	struct strioctl ic = {
		.ic_cmd = LOOP_GETMINOR, .ic_len = sizeof(int), .ic_dp = (char *)&minor,
	};

	cr_assert_eq(sth_ioctl(sd, I_STR, (intptr_t)&ic), yard_loop_minor(sd),
		     "the minor is also the ioctl's value");
	cr_assert_eq(ic.ic_len, (int)sizeof(int));
	cr_assert_eq(minor, yard_loop_minor(sd));
	cr_assert_geq(minor, 0);

	/* With no data sent, the driver finds room for the answer itself. */
	minor = -1;
	ic.ic_len = 0;
	cr_assert_eq(sth_ioctl(sd, I_STR, (intptr_t)&ic), yard_loop_minor(sd));
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(loop, naks_unknown_ioctls_with_EINVAL)
{
	struct stdata *sd = open_loop(1);

	cr_assert_eq(str_ioctl(sd, LOOP_IOC | 0x7f, NULL), -EINVAL);
	cr_assert_eq(str_ioctl_int(sd, ('Z' << 8) | 1, 3), -EINVAL);
	cr_assert_eq(str_ioctl(sd, LOOP_SET, NULL), -EINVAL, "LOOP_SET needs its argument");
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(loop, holds_normal_messages_but_turns_M_PCPROTO_around_at_once)
{
	struct stdata *sd = open_loop(1);

	cr_assert_eq(str_ioctl(sd, LOOP_HOLD, NULL), 0);
	send(sd, M_DATA, 1, 0);
	send(sd, M_PCPROTO, 2, 0);
	yt_drain();
	expect(sd, M_PCPROTO, 2, 0);
	expect_nothing(sd);
	cr_assert_eq(str_ioctl(sd, LOOP_RELEASE, NULL), 0);
	yt_drain();
	expect(sd, M_DATA, 1, 0);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(loop, drops_and_counts_types_it_does_not_turn_around)
{
	struct stdata *sd = open_loop(0);
	queue_t *lwq = loop_wq(sd);

	put(lwq, yt_msg(M_BREAK, 1, 0));
	put(lwq, yt_msg(M_DELAY, 1, 0));
	yt_drain();
	expect_nothing(sd);
	cr_expect_eq(lstat(sd)->loops_dropped, 2);
	cr_expect_eq(lstat(sd)->loops_in, 0);
	cr_assert_eq(sth_close(sd), 0);
}

/* ---- loop: cross-connection --------------------------------------------------------------- */

YT_TEST(loop, cross_connects_two_minors_with_LOOP_SET)
{
	struct stdata *a = open_loop(1), *b = open_loop(0);
	int ma = yard_loop_minor(a), mb = yard_loop_minor(b);

	cr_assert_eq(str_ioctl_int(a, LOOP_SET, mb), 0);
	send(a, M_DATA, 1, 0);
	send(a, M_PROTO, 2, 0);
	send(b, M_DATA, 3, 0);
	yt_drain();
	expect(b, M_DATA, 1, 0);
	expect(b, M_PROTO, 2, 0);
	expect_nothing(b);
	expect(a, M_DATA, 3, 0);
	expect_nothing(a);
	cr_expect_eq(yard_loop_stats(ma)->loops_in, 2);
	cr_expect_eq(yard_loop_stats(mb)->loops_out, 2);
	cr_expect_eq(yard_loop_stats(mb)->loops_in, 1);
	cr_expect_eq(yard_loop_stats(ma)->loops_out, 1);

	/* Either side may go back to echo; both do. */
	cr_assert_eq(str_ioctl_int(b, LOOP_SET, -1), 0);
	send(a, M_DATA, 4, 0);
	send(b, M_DATA, 5, 0);
	yt_drain();
	expect(a, M_DATA, 4, 0);
	expect(b, M_DATA, 5, 0);
	cr_assert_eq(sth_close(a), 0);
	cr_assert_eq(sth_close(b), 0);
}

YT_TEST(loop, refuses_LOOP_SET_to_itself_a_closed_minor_or_a_busy_one)
{
	struct stdata *a = open_loop(0), *b = open_loop(0), *c = open_loop(0);
	int ma = yard_loop_minor(a), mb = yard_loop_minor(b);
	int unused = 0;

	while (unused == ma || unused == mb || unused == yard_loop_minor(c))
		unused++;
	cr_assert_eq(str_ioctl_int(a, LOOP_SET, ma), -EINVAL);
	cr_assert_eq(str_ioctl_int(a, LOOP_SET, unused), -ENXIO);
	cr_assert_eq(str_ioctl_int(a, LOOP_SET, 100000), -ENXIO);
	cr_assert_eq(str_ioctl_int(a, LOOP_SET, mb), 0);
	cr_assert_eq(str_ioctl_int(a, LOOP_SET, mb), 0, "again to the same peer is fine");
	cr_assert_eq(str_ioctl_int(c, LOOP_SET, ma), -EBUSY);
	cr_assert_eq(str_ioctl_int(a, LOOP_SET, yard_loop_minor(c)), -EBUSY);
	cr_assert_eq(sth_close(a), 0);
	cr_assert_eq(sth_close(b), 0);
	cr_assert_eq(sth_close(c), 0);
}

/* A stream owned by lcore 1, opened and closed there. */
static struct stdata *remote_sd;

static int
remote_open(void *arg)
{
	return sth_open("loop", 0, &remote_sd);
}

static int
remote_close(void *arg)
{
	return sth_close(remote_sd);
}

YT_TEST(loop, refuses_LOOP_SET_to_a_minor_of_another_lcore)
{
	struct stdata *a = open_loop(1);
	int mr;

	cr_assert_eq(rte_eal_remote_launch(remote_open, NULL, 1), 0);
	cr_assert_eq(rte_eal_wait_lcore(1), 0, "sth_open on lcore 1");
	mr = yard_loop_minor(remote_sd);
	cr_assert_geq(mr, 0);
	cr_assert_neq(mr, yard_loop_minor(a));
	cr_assert_eq(str_ioctl_int(a, LOOP_SET, mr), -EXDEV);
	send(a, M_DATA, 1, 0);
	yt_drain();
	expect(a, M_DATA, 1, 0); /* still echoing */
	cr_assert_eq(rte_eal_remote_launch(remote_close, NULL, 1), 0);
	cr_assert_eq(rte_eal_wait_lcore(1), 0, "sth_close on lcore 1");
	cr_assert_eq(sth_close(a), 0);
}

YT_TEST(loop, drops_and_counts_what_is_written_to_a_closed_peer)
{
	struct stdata *a = open_loop(1), *b = open_loop(1);
	int ma = yard_loop_minor(a);

	cr_assert_eq(str_ioctl_int(a, LOOP_SET, yard_loop_minor(b)), 0);
	cr_assert_eq(str_ioctl(a, LOOP_HOLD, NULL), 0);
	send(a, M_DATA, 1, 0);
	send(a, M_DATA, 2, 0);
	cr_assert_eq(sth_close(b), 0);
	cr_assert_eq(str_ioctl(a, LOOP_RELEASE, NULL), 0);
	send(a, M_DATA, 3, 0);
	send(a, M_PCPROTO, 4, 0);
	yt_drain();
	expect_nothing(a);
	cr_expect_eq(yard_loop_stats(ma)->loops_nopeer, 4);

	/* LOOP_SET -1 makes it echo again. */
	cr_assert_eq(str_ioctl_int(a, LOOP_SET, -1), 0);
	send(a, M_DATA, 5, 0);
	yt_drain();
	expect(a, M_DATA, 5, 0);
	cr_assert_eq(sth_close(a), 0);
}

/* ---- loop: capture and injection ---------------------------------------------------------- */

YT_TEST(loop, captures_messages_for_yard_loop_take)
{
	struct stdata *sd = open_loop(1);
	int minor = yard_loop_minor(sd);
	mblk_t *mp;

	cr_assert_eq(str_ioctl_int(sd, LOOP_CAPTURE, 1), 0);
	send(sd, M_DATA, 1, 0);
	send(sd, M_PROTO, 2, 0);
	send(sd, M_DATA, 3, 0);
	yt_drain();
	expect_nothing(sd);
	cr_expect_eq(yard_loop_stats(minor)->loops_captured, 3);
	for (uint32_t i = 1; i <= 3; i++) {
		mp = yard_loop_take(minor);
		cr_assert_not_null(mp, "captured message %u", i);
		cr_expect_eq(seq_of(mp), i);
		cr_expect_eq(DB_TYPE(mp), i == 2 ? M_PROTO : M_DATA);
		cr_expect_null(mp->b_next);
		freemsg(mp);
	}
	cr_assert_null(yard_loop_take(minor));
	cr_assert_null(yard_loop_take(-1));

	/* One left on the list at close is freed with the minor (the leak check sees to it). */
	send(sd, M_DATA, 4, 0);
	yt_drain();
	cr_assert_eq(str_ioctl_int(sd, LOOP_CAPTURE, 0), 0);
	send(sd, M_DATA, 5, 0);
	yt_drain();
	expect(sd, M_DATA, 5, 0);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(loop, injects_messages_up_through_passthru)
{
	struct stdata *sd = open_loop(1);
	struct passthru_priv *pp = pt_priv(wq_at(sd, 0));
	int minor = yard_loop_minor(sd);
	mblk_t *mp;

	cr_assert_eq(yard_loop_inject(minor, seq_msg(M_DATA, 1, 64, 0)), 0);
	cr_assert_eq(yard_loop_inject(minor, seq_msg(M_PROTO, 2, 64, 0)), 0);
	expect(sd, M_DATA, 1, 0);
	expect(sd, M_PROTO, 2, 0);
	cr_expect_eq(pp->pt_rd.passthrus_passed, 2);
	cr_expect_eq(pp->pt_wr.passthrus_passed, 0);
	cr_expect_eq(yard_loop_stats(minor)->loops_out, 2);

	mp = seq_msg(M_DATA, 3, 64, 0);
	cr_assert_eq(yard_loop_inject(LOOP_IOC, mp), -ENXIO, "no such minor");
	freemsg(mp); /* a refused message stays the caller's */
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(loop, knows_no_minor_that_is_not_open)
{
	cr_assert_eq(yard_loop_minor(NULL), -1);
	cr_assert_null(yard_loop_stats(-1));
	cr_assert_null(yard_loop_stats(1 << 20));
}
