/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A window of hundreds of segments, through the loop-back driver with the peer's segments
 * crafted: the peer offers an MSS of 100 bytes, so that a 65,535-byte window holds ~650
 * segments and each is cut from several of the application's small writes. What it checks:
 * the send buffer's cursor (tcp_sb_cut() starts where the last cut ended; tcp_sb_drop() keeps
 * it right as ACKs free the front) gives every segment, new or resent, exactly its bytes; and
 * RACK's send-time map, a ring of 128 ranges, stays right when more than 128 segments are in
 * flight (the ring wraps, the lowest ranges fold), when ACKs drop ranges off its front and
 * when a retransmission rebuilds it.
 */
#include <inttypes.h>
#include <string.h>

#include <protocols/tcp.h>
#include <protocols/tcp/tcp_priv.h>
#include <protocols/tcp_hdr.h>
#include <protocols/tihdr.h>
#include <streams/loop.h>

#include "tcp_test.h"

#define TW_MSS   100u
#define TW_WRITE 73u             /* an application write: segments straddle writes */
#define TW_BYTES (1200u * TW_MSS) /* the stream the tests send */

static uint8_t tw_data[TW_BYTES];

TestSuite(tcp_window, .init = yt_setup, .fini = yt_teardown);

/* Passive open with the peer's SYN offering MSS TW_MSS and SACK; the accepted endpoint. */
static struct stdata *
tw_open(struct stdata **lsn, uint32_t *una)
{
	uint8_t o[] = { TCPOPT_MAXSEG, 4, 0, TW_MSS, TCPOPT_NOP, TCPOPT_NOP,
			TCPOPT_SACK_PERMITTED, TCPOLEN_SACK_PERMITTED };
	struct stdata *acc;
	struct tt_seg s;

	tt_open();
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, lsn), 0);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &acc), 0);
	tt_bind(*lsn, OUR_PORT, 4);
	tt_send(TH_SYN, 1000, 0, 65535, o, sizeof(o), NULL, 0);
	cr_assert(tt_take(&s), "SYN,ACK sent");
	cr_assert_eq(s.flags, TH_SYN | TH_ACK);
	tt_send(TH_ACK, 1001, s.seq + 1, 65535, NULL, 0, NULL, 0);
	tt_accept_ind(*lsn, acc);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_ESTABLISHED);
	cr_assert_eq(tt_info(acc).tcpi_mss, TW_MSS);
	*una = s.seq + 1;
	return acc;
}

/* Write [from, to) of the stream in TW_WRITE-byte writes, each its own message. */
static void
tw_write(struct stdata *acc, size_t from, size_t to)
{
	for (size_t o = from; o < to; o += TW_WRITE) {
		size_t n = to - o < TW_WRITE ? to - o : TW_WRITE;

		cr_assert_eq(sth_write(acc, tw_data + o, n), (ssize_t)n, "write at %zu", o);
		yt_drain();
	}
}

/*
 * Take every segment sent; each must carry exactly the stream's bytes at its offset (base:
 * the sequence number of the stream's first byte). Their starts into seqs (if not NULL), the
 * highest end into *hi; how many. tw_gap counts segments that did not start where the one
 * before ended.
 */
static unsigned tw_gap;

static unsigned
tw_take(uint32_t base, uint32_t *seqs, unsigned max, uint32_t *hi)
{
	struct tt_seg s;
	unsigned n = 0;
	uint32_t next = 0;

	tw_gap = 0;
	while (tt_take(&s)) {
		uint32_t off = s.seq - base;

		if (s.dlen == 0)
			continue;
		if (n > 0 && s.seq != next)
			tw_gap++;
		next = s.seq + (uint32_t)s.dlen;
		cr_assert_leq(off + s.dlen, TW_BYTES, "segment %u inside the stream", n);
		cr_assert_eq(memcmp(s.data, tw_data + off, s.dlen), 0,
			     "segment %u (offset %u, %zu bytes) carries the stream's bytes", n, off,
			     s.dlen);
		if (seqs != NULL && n < max)
			seqs[n] = s.seq;
		if (hi != NULL && (int32_t)(s.seq + (uint32_t)s.dlen - *hi) > 0)
			*hi = s.seq + (uint32_t)s.dlen;
		n++;
	}
	return n;
}

/* A duplicate ACK at una with one SACK block [l, r). */
static void
tw_sack(uint32_t una, uint32_t l, uint32_t r)
{
	uint8_t o[12] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, 10 };

	o[4] = (uint8_t)(l >> 24), o[5] = (uint8_t)(l >> 16), o[6] = (uint8_t)(l >> 8);
	o[7] = (uint8_t)l;
	o[8] = (uint8_t)(r >> 24), o[9] = (uint8_t)(r >> 16), o[10] = (uint8_t)(r >> 8);
	o[11] = (uint8_t)r;
	tt_send(TH_ACK, 1001, una, 65535, o, sizeof(o), NULL, 0);
}

/*
 * Slow start to at least nseg segments: the stream's bytes from *sent on, every segment
 * ACKed by itself (so that cwnd doubles per round trip) and checked.
 */
static void
tw_open_cwnd(struct stdata *acc, uint32_t base, size_t *sent, unsigned nseg)
{
	while (tt_info(acc).tcpi_snd_cwnd < nseg * TW_MSS) {
		uint32_t seqs[1024], una;
		unsigned n;

		cr_assert_lt(*sent + 40 * TW_MSS, TW_BYTES / 2, "cwnd opens in the first half");
		tw_write(acc, *sent, *sent + 40 * TW_MSS);
		*sent += 40 * TW_MSS;
		while (tt_info(acc).tcpi_sndbuf_cc > 0) {
			n = tw_take(base, seqs, 1024, NULL);
			cr_assert_gt(n, 0, "data flows");
			for (unsigned i = 0; i < n; i++) {
				una = seqs[i] + TW_MSS;
				if (una - base > *sent)
					una = base + (uint32_t)*sent;
				tt_send(TH_ACK, 1001, una, 65535, NULL, 0, NULL, 0);
			}
		}
	}
}

YT_TEST(tcp_window, hundreds_of_segments_in_flight_carry_their_bytes)
{
	struct stdata *lsn, *acc;
	uint32_t base, una, hi, end, first[1024], seqs[1024];
	size_t sent = 0;
	unsigned n;
	struct tcpstat st0, st;

	tt_pattern(tw_data, sizeof(tw_data), 31);
	acc = tw_open(&lsn, &base);
	tw_open_cwnd(acc, base, &sent, 400);
	st0 = tt_stats();
	una = hi = base + (uint32_t)sent;
	/*
	 * 300 segments' worth in 411 writes, all in flight: the RACK map wraps and folds. The
	 * first write goes alone (nothing was in flight), then full segments; Nagle holds the
	 * tail that is less than one.
	 */
	tw_write(acc, sent, sent + 300 * TW_MSS);
	end = base + (uint32_t)sent + 300 * TW_MSS;
	n = tw_take(base, first, 1024, &hi);
	cr_assert_geq(n, 300, "the window lets them all go (%u)", n);
	cr_assert_eq(tw_gap, 0, "in order");
	cr_assert_eq(first[0], una);
	cr_assert(end - hi < TW_MSS, "all but a held tail (%u)", end - hi);
	/* the front 50 segments acknowledged: the cursor's offset moves back; 60 more written */
	una = first[50];
	tt_send(TH_ACK, 1001, una, 65535, NULL, 0, NULL, 0);
	tw_write(acc, sent + 300 * TW_MSS, sent + 360 * TW_MSS);
	end += 60 * TW_MSS;
	n = tw_take(base, seqs, 1024, &hi);
	cr_assert_geq(n, 60, "new data after the cut front (%u)", n);
	cr_assert_eq(tw_gap, 0, "in order");
	cr_assert(end - hi < TW_MSS, "all but a held tail (%u)", end - hi);
	/* the segment at SND.UNA lost, the ten after it SACKed: it is resent, with its bytes */
	tw_sack(una, first[51], first[54]);
	tw_sack(una, first[51], first[58]);
	tw_sack(una, first[51], first[61]);
	n = tw_take(base, seqs, 1024, &hi);
	cr_assert_geq(n, 1, "the hole is resent");
	cr_assert_eq(seqs[0], una, "the hole first");
	st = tt_stats();
	cr_assert_geq(st.tcps_tx_rexmt_segs - st0.tcps_tx_rexmt_segs, 1);
	/*
	 * all acknowledged but the held tail: recovery ends with cwnd = min(ssthresh,
	 * max(FlightSize, SMSS) + SMSS) (RFC 6582 3.2 step 3), two segments; the tail goes
	 */
	cr_assert(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	tt_send(TH_ACK, 1001, hi, 65535, NULL, 0, NULL, 0);
	cr_assert_not(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	cr_assert_eq(tt_info(acc).tcpi_snd_cwnd, 2 * TW_MSS, "cwnd %u",
		     tt_info(acc).tcpi_snd_cwnd);
	(void)tw_take(base, NULL, 0, &hi);
	cr_assert_eq(hi, end, "the held tail went once the window emptied");
	tt_send(TH_ACK, 1001, hi, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	/* more data, as the window allows, every byte in its place */
	sent += 360 * TW_MSS;
	tw_write(acc, sent, sent + 20 * TW_MSS);
	n = tw_take(base, seqs, 1024, &hi);
	cr_assert_geq(n, 2, "%u segments", n);
	cr_assert_eq(seqs[0], end);
	for (int i = 0; i < 20 && tt_info(acc).tcpi_sndbuf_cc > 0; i++) {
		tt_send(TH_ACK, 1001, hi, 65535, NULL, 0, NULL, 0);
		n = tw_take(base, seqs, 1024, &hi);
		cr_assert(n == 0 || tw_gap == 0, "in order");
	}
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	cr_assert_eq(hi, end + 20 * TW_MSS, "all of it");
	sth_close(acc);
	sth_close(lsn);
	tt_close();
	pt_assert_clean();
}

/* ---- segments in bursts (tcp_output.c, "Segments in bursts") ------------------------------ */

/* tt_send's frames, kept here to go up together instead of one by one. */
static mblk_t *tb_v[16];
static unsigned tb_n;

static void
tb_keep(const uint8_t *frame, size_t len, size_t hdrlen)
{
	mblk_t *mp = yard_allocb_hr(len, RTE_PKTMBUF_HEADROOM);

	(void)hdrlen;
	cr_assert_not_null(mp);
	cr_assert_lt(tb_n, RTE_DIM(tb_v));
	memcpy(mp->b_wptr, frame, len);
	mp->b_wptr += len;
	tb_v[tb_n++] = mp;
}

/* What the loop-back driver has taken from above so far: messages, and burst calls. */
static void
tb_loop(uint64_t *in, uint64_t *bursts)
{
	const struct loopstat *ls = yard_loop_stats(tt_s.link.minor);

	cr_assert_not_null(ls);
	*in = ls->loops_in;
	*bursts = ls->loops_bursts;
}

/*
 * A bulk sender's ACKs come up in bursts, each ACK releasing about two segments in slow start: the
 * segments of the whole burst go down through ip and arp to the driver in one burst, in
 * sequence order with their bytes. Without the hold each ACK's two segments went down apart,
 * each one its own putnext.
 */
YT_TEST(tcp_window, segments_released_by_a_burst_of_acks_go_down_as_one_burst)
{
	struct stdata *lsn, *acc;
	uint32_t base, seqs[1024], hi, out;
	uint64_t in0, b0, in1, b1;
	size_t sent = 0;
	unsigned n, k;

	tt_pattern(tw_data, sizeof(tw_data), 7);
	acc = tw_open(&lsn, &base);
	tw_open_cwnd(acc, base, &sent, 20);
	/* more than the window takes: a tail waits for the ACKs */
	tw_write(acc, sent, sent + 200 * TW_MSS);
	hi = base + (uint32_t)sent;
	n = tw_take(base, seqs, 1024, &hi);
	cr_assert_geq(n, 20, "a window's worth in flight (%u)", n);
	cr_assert_eq(tw_gap, 0);
	out = hi;
	/* eight ACKs, each for one more segment, kept and then passed up as one burst */
	tt_inject = tb_keep;
	tb_n = 0;
	for (k = 0; k < 8; k++)
		tt_send(TH_ACK, 1001, seqs[k] + TW_MSS, 65535, NULL, 0, NULL, 0);
	tt_inject = NULL;
	cr_assert_eq(tb_n, 8);
	n = tw_take(base, NULL, 0, NULL);
	cr_assert_eq(n, 0, "nothing sent before the burst came up");
	tb_loop(&in0, &b0);
	cr_assert_eq(yard_loop_inject_burst(tt_s.link.minor, tb_v, tb_n), 0);
	yt_drain();
	tb_loop(&in1, &b1);
	n = tw_take(base, seqs, 1024, &hi);
	cr_assert_gt(n, 8, "more than one segment per ACK in slow start (%u)", n);
	cr_assert_leq(n, TCP_TXB_MAX);
	cr_assert_eq(tw_gap, 0, "in order");
	cr_assert_eq(seqs[0], out, "from where the window stopped");
	cr_assert_eq(in1 - in0, n, "the driver took exactly these");
	cr_assert_eq(b1 - b0, 1, "in one burst (%" PRIu64 ")", b1 - b0);
	sth_close(acc);
	sth_close(lsn);
	tt_close();
	pt_assert_clean();
}

/*
 * One write of 70 segments into an open window: tcp_output() cuts them all in one call, and
 * they go down in bursts of TCP_TXB_MAX (32, 32, 6), every byte in its place.
 */
YT_TEST(tcp_window, one_write_goes_down_in_bursts_of_at_most_the_hold)
{
	struct stdata *lsn, *acc;
	uint32_t base, seqs[1024], hi;
	uint64_t in0, b0, in1, b1;
	size_t sent = 0;
	unsigned n;

	tt_pattern(tw_data, sizeof(tw_data), 11);
	acc = tw_open(&lsn, &base);
	tw_open_cwnd(acc, base, &sent, 80);
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	tb_loop(&in0, &b0);
	cr_assert_eq(sth_write(acc, tw_data + sent, 70 * TW_MSS), (ssize_t)(70 * TW_MSS));
	yt_drain();
	tb_loop(&in1, &b1);
	hi = base + (uint32_t)sent;
	n = tw_take(base, seqs, 1024, &hi);
	cr_assert_eq(n, 70, "the whole write in flight (%u)", n);
	cr_assert_eq(tw_gap, 0, "in order");
	cr_assert_eq(seqs[0], base + (uint32_t)sent);
	cr_assert_eq(hi, base + (uint32_t)sent + 70 * TW_MSS);
	cr_assert_eq(in1 - in0, 70);
	cr_assert_eq(b1 - b0, (70 + TCP_TXB_MAX - 1) / TCP_TXB_MAX, "bursts: %" PRIu64, b1 - b0);
	sth_close(acc);
	sth_close(lsn);
	tt_close();
	pt_assert_clean();
}

/* ---- RACK's send-time map as a ring, on a bare connection block ---------------------------- */

#define RM_SEG 100u
#define RM_ISS 1000u

/* The map's i-th range from the lowest (the ring read as tcp_rack.c reads it). */
static const struct tcp_rack_seg *
rm_at(const struct tcpcb *tp, unsigned i)
{
	return &tp->t_rack.tr_map[(tp->t_rack.tr_first + i) % TCP_RACK_MAP_MAX];
}

/*
 * The map covers [una, max) exactly, in order, without overlap; its highest `single` ranges
 * are one segment each (those sent last, never folded).
 */
static void
rm_check(const struct tcpcb *tp, uint32_t una, uint32_t max, unsigned single)
{
	const struct tcp_rack *tr = &tp->t_rack;
	uint32_t at = una;

	cr_assert_leq(tr->tr_n, TCP_RACK_MAP_MAX);
	cr_assert_lt(tr->tr_first, TCP_RACK_MAP_MAX);
	for (unsigned i = 0; i < tr->tr_n; i++) {
		const struct tcp_rack_seg *rs = rm_at(tp, i);

		cr_assert_eq(rs->rs_start, at, "range %u starts where %u ended", i, i - 1);
		cr_assert(SEQ_GT(rs->rs_end, rs->rs_start), "range %u not empty", i);
		if (i + single >= tr->tr_n)
			cr_assert_eq(rs->rs_end - rs->rs_start, RM_SEG, "range %u: one segment", i);
		at = rs->rs_end;
	}
	cr_assert_eq(at, max, "the map ends at SND.MAX");
}

/* n new segments of RM_SEG from *max on. */
static void
rm_send(struct tcpcb *tp, uint32_t *max, unsigned n)
{
	for (unsigned i = 0; i < n; i++, *max += RM_SEG)
		tcp_rack_sent(tp, *max, RM_SEG, false, 0);
	tp->snd_max = *max;
}

Test(tcp_window, rack_map_wraps_folds_and_drops_without_moving)
{
	static struct tcp_inst ti;
	static struct tcpstat st;
	static struct tcpcb tcb;
	struct tcpcb *tp = &tcb;
	const struct tcp_rack *tr = &tp->t_rack;
	uint32_t una = RM_ISS, max = RM_ISS, fold_end;
	unsigned retr = 0;

	ti.ti_st = &st;
	tp->tp_inst = &ti;
	tp->tp_flags = TF_SACK_PERMIT;
	tp->snd_una = una;
	/* 300 segments: the 172 lowest fold into one range, the 127 after stay one each */
	rm_send(tp, &max, 300);
	cr_assert_eq(tr->tr_n, TCP_RACK_MAP_MAX);
	rm_check(tp, una, max, TCP_RACK_MAP_MAX - 1);
	fold_end = rm_at(tp, 0)->rs_end;
	cr_assert_eq(fold_end, RM_ISS + (300 - 127) * RM_SEG);
	/* an ACK inside the folded range cuts it; one past it drops it and 10 more */
	tcp_rack_ack(tp, una + 5 * RM_SEG, false, 0);
	una += 5 * RM_SEG;
	tp->snd_una = una;
	rm_check(tp, una, max, TCP_RACK_MAP_MAX - 1);
	una = fold_end + 10 * RM_SEG;
	tcp_rack_ack(tp, una, false, 0);
	tp->snd_una = una;
	cr_assert_eq(tr->tr_n, TCP_RACK_MAP_MAX - 11);
	rm_check(tp, una, max, tr->tr_n);
	/* 400 more: the ring goes round three times, the lowest fold again */
	rm_send(tp, &max, 400);
	cr_assert_eq(tr->tr_n, TCP_RACK_MAP_MAX);
	rm_check(tp, una, max, TCP_RACK_MAP_MAX - 1);
	/* a segment in the middle sent again: marked so, the rest unchanged around it */
	tcp_rack_sent(tp, max - 50 * RM_SEG, RM_SEG, true, 0);
	rm_check(tp, una, max, TCP_RACK_MAP_MAX - 1);
	for (unsigned i = 0; i < tr->tr_n; i++)
		if (rm_at(tp, i)->rs_flags & RS_RETRANS) {
			cr_assert_eq(rm_at(tp, i)->rs_start, max - 50 * RM_SEG);
			retr++;
		}
	cr_assert_eq(retr, 1, "one range resent");
	/* more after it: the resent range keeps its mark while the lowest fold */
	rm_send(tp, &max, 30);
	rm_check(tp, una, max, 49 + 30);
	cr_assert(rm_at(tp, TCP_RACK_MAP_MAX - 80)->rs_flags & RS_RETRANS);
	/* everything acknowledged: empty, and the next segment starts a fresh map */
	tcp_rack_ack(tp, max, false, 0);
	cr_assert_eq(tr->tr_n, 0);
	cr_assert_not(tr->tr_valid);
	una = max;
	rm_send(tp, &max, 3);
	rm_check(tp, una, max, 3);
}
