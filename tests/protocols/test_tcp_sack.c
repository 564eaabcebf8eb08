/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp SACK (protocols/tcp/tcp_sack.c) through the loop-back driver, with segments crafted as
 * if from the peer: SACK-permitted negotiation both ways and the T_TCP_SACK switch, the
 * blocks sent for out-of-order data (RFC 2018 4 order, as many as fit), the scoreboard
 * (merging, D-SACK, bogus blocks) and RFC 6675 recovery resending exactly the holes.
 */
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>

#include <protocols/tcp.h>
#include <protocols/tcp_hdr.h>
#include <protocols/tihdr.h>
#include <streams/loop.h>

#include "tcp_test.h"

TestSuite(tcp_sack, .init = yt_setup, .fini = yt_teardown);

#define MSS 1460u

/* T_OPTMGMT_REQ T_NEGOTIATE T_TCP_SACK = v; the option's status in the ack. */
static t_uscalar_t
ts_set_sack(struct stdata *ep, t_uscalar_t v)
{
	struct {
		struct T_optmgmt_req r;
		struct T_opthdr oh;
		t_uscalar_t v;
	} q = { { T_OPTMGMT_REQ, sizeof(struct T_opthdr) + sizeof(t_uscalar_t),
		  sizeof(struct T_optmgmt_req), T_NEGOTIATE },
		{ sizeof(struct T_opthdr) + sizeof(t_uscalar_t), T_INET_TCP, T_TCP_SACK, 0 }, v };
	union {
		struct T_optmgmt_ack a;
		char b[256];
	} u;
	struct T_opthdr *oh;

	tt_put(ep, &q, sizeof(q));
	cr_assert_eq(tt_get(ep, &u, sizeof(u), NULL), T_OPTMGMT_ACK);
	oh = (struct T_opthdr *)(u.b + u.a.OPT_offset);
	return oh->status;
}

static uint32_t
ts_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
ts_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

/* SYN options: MSS 1460, SACK-permitted if sackok, timestamps if tsval != 0. */
static size_t
ts_synopts(uint8_t *o, bool sackok, uint32_t tsval)
{
	size_t n = 0;

	o[n++] = TCPOPT_MAXSEG, o[n++] = 4, o[n++] = MSS >> 8, o[n++] = MSS & 0xff;
	if (sackok)
		o[n++] = TCPOPT_NOP, o[n++] = TCPOPT_NOP, o[n++] = TCPOPT_SACK_PERMITTED,
		o[n++] = TCPOLEN_SACK_PERMITTED;
	if (tsval != 0) {
		o[n++] = TCPOPT_NOP, o[n++] = TCPOPT_NOP, o[n++] = TCPOPT_TIMESTAMP;
		o[n++] = TCPOLEN_TIMESTAMP;
		ts_put32(o + n, tsval);
		ts_put32(o + n + 4, 0);
		n += 8;
	}
	return n;
}

/* A timestamps option (2 NOPs first) into o; its length. */
static size_t
ts_tsopt(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = TCPOPT_NOP, o[1] = TCPOPT_NOP, o[2] = TCPOPT_TIMESTAMP, o[3] = TCPOLEN_TIMESTAMP;
	ts_put32(o + 4, tsval);
	ts_put32(o + 8, tsecr);
	return 12;
}

/* A SACK option of n blocks (start, end pairs) after 2 NOPs into o; its length. */
static size_t
ts_sackopt(uint8_t *o, const uint32_t *blk, unsigned n)
{
	o[0] = TCPOPT_NOP;
	o[1] = TCPOPT_NOP;
	o[2] = TCPOPT_SACK;
	o[3] = (uint8_t)(2 + 8 * n);
	for (unsigned i = 0; i < 2 * n; i++)
		ts_put32(o + 4 + 4 * i, blk[i]);
	return 4 + 8 * n;
}

/*
 * Passive open to ESTABLISHED with the peer's SYN offering SACK or not; the accepted
 * endpoint. *ss is our SYN,ACK; *iss our ISS. sack_off: T_TCP_SACK = T_NO on the listener.
 */
static struct stdata *
ts_passive_ts(struct stdata **lsn, bool sackok, bool sack_off, uint32_t tsval, uint32_t *iss,
	      struct tt_seg *ss)
{
	struct stdata *acc;
	uint8_t o[40];
	size_t ol = ts_synopts(o, sackok, tsval);
	union {
		struct T_conn_ind ci;
		char b[256];
	} u;
	struct {
		struct T_capability_req r;
	} cap = { { T_CAPABILITY_REQ, TC1_ACCEPTOR_ID } };
	struct T_capability_ack ca;
	struct T_conn_res cr;
	char buf[256];

	cr_assert_eq(sth_open(TCP_DRVNAME, 0, lsn), 0);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &acc), 0);
	tt_bind(*lsn, OUR_PORT, 4);
	if (sack_off)
		cr_assert_eq(ts_set_sack(*lsn, T_NO), T_SUCCESS);
	tt_send(TH_SYN, 1000, 0, 65535, o, ol, NULL, 0);
	cr_assert(tt_take(ss), "SYN,ACK sent");
	cr_assert_eq(ss->flags, TH_SYN | TH_ACK);
	*iss = ss->seq;
	if (tsval != 0) {
		const uint8_t *t = tt_opt(ss, TCPOPT_TIMESTAMP);

		cr_assert_not_null(t, "timestamps agreed");
		ol = ts_tsopt(o, tsval + 1, ts_be32(t + 2));
	} else {
		ol = 0;
	}
	tt_send(TH_ACK, 1001, ss->seq + 1, 65535, o, ol, NULL, 0);
	cr_assert_eq(tt_get(*lsn, &u, sizeof(u), NULL), T_CONN_IND);
	tt_put(acc, &cap, sizeof(cap));
	cr_assert_eq(tt_get(acc, &ca, sizeof(ca), NULL), T_CAPABILITY_ACK);
	cr = (struct T_conn_res){ T_CONN_RES, ca.ACCEPTOR_id, 0, 0, u.ci.SEQ_number };
	tt_put(*lsn, &cr, sizeof(cr));
	cr_assert_eq(tt_get(*lsn, buf, sizeof(buf), NULL), T_OK_ACK);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_ESTABLISHED);
	return acc;
}

static struct stdata *
ts_passive(struct stdata **lsn, bool sackok, bool sack_off, uint32_t *iss, struct tt_seg *ss)
{
	return ts_passive_ts(lsn, sackok, sack_off, 0, iss, ss);
}

static void
ts_done(struct stdata *a, struct stdata *b)
{
	if (a != NULL)
		sth_close(a);
	if (b != NULL)
		sth_close(b);
	tt_close();
	tt_lport = OUR_PORT;
	pt_assert_clean();
}

/* ---- negotiation ----------------------------------------------------------------------- */

YT_TEST(tcp_sack, is_agreed_when_the_peers_syn_offers_it)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss;

	tt_open();
	acc = ts_passive(&lsn, true, false, &iss, &s);
	cr_assert_not_null(tt_opt(&s, TCPOPT_SACK_PERMITTED), "the SYN,ACK answers SACK-permitted");
	cr_assert(tt_info(acc).tcpi_flags & TCPI_SACK);
	cr_assert_eq(tt_stats().tcps_sack_permitted, 1);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, is_not_used_when_the_peers_syn_does_not_offer_it)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss;

	tt_open();
	acc = ts_passive(&lsn, false, false, &iss, &s);
	cr_assert_null(tt_opt(&s, TCPOPT_SACK_PERMITTED), "no SACK-permitted unless offered");
	cr_assert_not(tt_info(acc).tcpi_flags & TCPI_SACK);
	/* out-of-order data draws a plain duplicate ACK, no SACK option */
	tt_send(TH_ACK, 1101, iss + 1, 65535, NULL, 0, "0123456789", 10);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.ack, 1001);
	cr_assert_null(tt_opt(&s, TCPOPT_SACK));
	cr_assert_eq(tt_stats().tcps_sack_permitted, 0);
	cr_assert_eq(tt_stats().tcps_sack_blocks_sent, 0);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, t_tcp_sack_no_on_the_listener_keeps_it_off)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss;

	tt_open();
	acc = ts_passive(&lsn, true, true, &iss, &s);
	cr_assert_null(tt_opt(&s, TCPOPT_SACK_PERMITTED), "SACK switched off: not answered");
	cr_assert_not(tt_info(acc).tcpi_flags & TCPI_SACK);
	/* a bad value is refused */
	cr_assert_eq(ts_set_sack(acc, 7), T_FAILURE);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, active_open_offers_it_and_uses_it_only_if_the_syn_ack_answers)
{
	for (int answer = 0; answer < 2; answer++) {
		struct stdata *ep;
		struct tt_seg s;
		uint8_t o[40];
		size_t ol;
		char buf[256];
		struct {
			struct T_conn_req r;
			struct sockaddr_in sin;
		} c = { { T_CONN_REQ, sizeof(struct sockaddr_in), sizeof(struct T_conn_req), 0, 0 },
			{ .sin_family = AF_INET, .sin_port = rte_cpu_to_be_16(PEER_PORT),
			  .sin_addr = { PT_ADDR_PEER } } };

		tt_open();
		cr_assert_eq(sth_open(TCP_DRVNAME, 0, &ep), 0);
		tt_bind(ep, 0, 0);
		tt_put(ep, &c, sizeof(c));
		cr_assert_eq(tt_get(ep, buf, sizeof(buf), NULL), T_OK_ACK);
		cr_assert(tt_take(&s), "SYN");
		cr_assert_eq(s.flags, TH_SYN);
		cr_assert_not_null(tt_opt(&s, TCPOPT_SACK_PERMITTED), "our SYN offers SACK");
		tt_lport = s.sport;
		ol = ts_synopts(o, answer != 0, 0);
		tt_send(TH_SYN | TH_ACK, 7000, s.seq + 1, 65535, o, ol, NULL, 0);
		cr_assert_eq(tt_get(ep, buf, sizeof(buf), NULL), T_CONN_CON);
		cr_assert_eq((tt_info(ep).tcpi_flags & TCPI_SACK) != 0, answer != 0);
		(void)pt_discard(tt_s.link.minor);
		ts_done(ep, NULL);
	}
}

/* ---- the blocks we send ---------------------------------------------------------------- */

/* The SACK blocks of segment s into blk (pairs); how many. */
static unsigned
ts_blocks(const struct tt_seg *s, uint32_t *blk)
{
	const uint8_t *o = tt_opt(s, TCPOPT_SACK);
	unsigned n;

	if (o == NULL)
		return 0;
	n = (o[1] - 2u) / 8;
	for (unsigned i = 0; i < 2 * n; i++)
		blk[i] = ts_be32(o + 2 + 4 * i);
	return n;
}

YT_TEST(tcp_sack, out_of_order_data_is_reported_most_recent_first_as_room_allows)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, b[8];
	uint8_t d[100];
	char buf[1024];
	int got = 0;

	tt_open();
	acc = ts_passive(&lsn, true, false, &iss, &s);
	tt_pattern(d, sizeof(d), 1);
	/* 1001..1100 is missing; 1101..1200 arrives: one block */
	tt_send(TH_ACK, 1101, iss + 1, 65535, NULL, 0, d, 100);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.ack, 1001);
	cr_assert_eq(ts_blocks(&s, b), 1);
	cr_assert_eq(b[0], 1101);
	cr_assert_eq(b[1], 1201);
	/* 1301..1400, then 1501..1600: the newest first, then the others */
	tt_send(TH_ACK, 1301, iss + 1, 65535, NULL, 0, d, 100);
	cr_assert(tt_take(&s));
	tt_send(TH_ACK, 1501, iss + 1, 65535, NULL, 0, d, 100);
	cr_assert(tt_take(&s));
	cr_assert_eq(ts_blocks(&s, b), 3);
	cr_assert_eq(b[0], 1501);
	cr_assert_eq(b[2], 1301);
	cr_assert_eq(b[4], 1101);
	/* 1201..1300 joins the first and second: the merged run comes first */
	tt_send(TH_ACK, 1201, iss + 1, 65535, NULL, 0, d, 100);
	cr_assert(tt_take(&s));
	cr_assert_eq(ts_blocks(&s, b), 2);
	cr_assert_eq(b[0], 1101);
	cr_assert_eq(b[1], 1401);
	cr_assert_eq(b[2], 1501);
	cr_assert_eq(b[3], 1601);
	/* five runs, no timestamps: four fit (RFC 2018 3: 40 option bytes) */
	tt_send(TH_ACK, 1701, iss + 1, 65535, NULL, 0, d, 100);
	cr_assert(tt_take(&s));
	tt_send(TH_ACK, 1901, iss + 1, 65535, NULL, 0, d, 100);
	cr_assert(tt_take(&s));
	tt_send(TH_ACK, 2101, iss + 1, 65535, NULL, 0, d, 100);
	cr_assert(tt_take(&s));
	cr_assert_eq(ts_blocks(&s, b), 4);
	cr_assert_eq(b[0], 2101);
	cr_assert_eq(b[2], 1901);
	cr_assert_eq(b[4], 1701);
	cr_assert_eq(b[6], 1101, "the fourth: the next most recent run");
	/* the hole fills: everything goes up, the ACK carries no SACK option */
	for (uint32_t seq = 1001; seq < 2201; seq += 100)
		if (seq == 1001 || seq == 1401 || seq == 1601 || seq == 1801 || seq == 2001)
			tt_send(TH_ACK, seq, iss + 1, 65535, NULL, 0, d, 100);
	while (tt_take(&s))
		;
	cr_assert_eq(s.ack, 2201);
	cr_assert_eq(ts_blocks(&s, b), 0);
	while (tt_get(acc, buf, sizeof(buf), NULL) != -1)
		got++;
	cr_assert_gt(got, 0);
	cr_assert_eq(tt_info(acc).tcpi_ooo_bytes, 0);
	cr_assert_geq(tt_stats().tcps_sack_blocks_sent, 1 + 3 + 2 + 4);
	ts_done(acc, lsn);
}

/* Drain what was sent; the last segment in *s (false if none). */
static bool
ts_take_last(struct tt_seg *s)
{
	bool any = false;

	while (tt_take(s))
		any = true;
	return any;
}

YT_TEST(tcp_sack, a_duplicate_below_rcv_nxt_is_reported_once_as_a_dsack)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, b[8];
	uint8_t d[100];

	tt_open();
	acc = ts_passive(&lsn, true, false, &iss, &s);
	tt_pattern(d, sizeof(d), 1);
	tt_send(TH_ACK, 1001, iss + 1, 65535, NULL, 0, d, 100);
	(void)ts_take_last(&s); /* a delayed ACK, or none yet */
	/* the same segment again (our ACK was lost, the peer resent): ACKed now, with a D-SACK */
	tt_send(TH_ACK, 1001, iss + 1, 65535, NULL, 0, d, 100);
	cr_assert(ts_take_last(&s), "a duplicate is answered at once");
	cr_assert_eq(s.ack, 1101);
	cr_assert_eq(ts_blocks(&s, b), 1, "the D-SACK alone: nothing is held out of order");
	cr_assert_eq(b[0], 1001);
	cr_assert_eq(b[1], 1101);
	cr_assert_eq(tt_stats().tcps_sack_dsack_sent, 1);
	/* reported once: the next ACK carries no SACK option */
	tt_send(TH_ACK, 1101, iss + 1, 65535, NULL, 0, d, 100);
	tt_send(TH_ACK, 1201, iss + 1, 65535, NULL, 0, d, 100);
	cr_assert(ts_take_last(&s));
	cr_assert_eq(s.ack, 1301);
	cr_assert_eq(ts_blocks(&s, b), 0);
	cr_assert_eq(tt_stats().tcps_sack_dsack_sent, 1);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, a_partly_duplicate_segment_reports_only_its_old_part)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, b[8];
	uint8_t d[100];

	tt_open();
	acc = ts_passive(&lsn, true, false, &iss, &s);
	tt_pattern(d, sizeof(d), 1);
	tt_send(TH_ACK, 1001, iss + 1, 65535, NULL, 0, d, 100);
	(void)ts_take_last(&s);
	/* 1051..1150: its first 50 bytes we have */
	tt_send(TH_ACK, 1051, iss + 1, 65535, NULL, 0, d + 50, 50);
	tt_send(TH_ACK, 1051, iss + 1, 65535, NULL, 0, d, 100);
	cr_assert(ts_take_last(&s), "answered at once");
	cr_assert_eq(s.ack, 1151);
	cr_assert_eq(ts_blocks(&s, b), 1);
	cr_assert_eq(b[0], 1051, "the latest duplicate: 1051..1100");
	cr_assert_eq(b[1], 1101);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, a_duplicate_of_data_held_out_of_order_is_followed_by_its_run)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, b[8];
	uint8_t d[100];

	tt_open();
	acc = ts_passive(&lsn, true, false, &iss, &s);
	tt_pattern(d, sizeof(d), 1);
	/* 1001..1100 missing; 1101..1300 and 1501..1600 held */
	tt_send(TH_ACK, 1101, iss + 1, 65535, NULL, 0, d, 100);
	tt_send(TH_ACK, 1201, iss + 1, 65535, NULL, 0, d, 100);
	tt_send(TH_ACK, 1501, iss + 1, 65535, NULL, 0, d, 100);
	(void)ts_take_last(&s);
	/* 1101..1200 again: RFC 2883 4.2, the D-SACK, then the run it lies in, then the others */
	tt_send(TH_ACK, 1101, iss + 1, 65535, NULL, 0, d, 100);
	cr_assert(ts_take_last(&s));
	cr_assert_eq(s.ack, 1001);
	cr_assert_eq(ts_blocks(&s, b), 3);
	cr_assert_eq(b[0], 1101);
	cr_assert_eq(b[1], 1201);
	cr_assert_eq(b[2], 1101, "the run holding the duplicate");
	cr_assert_eq(b[3], 1301);
	cr_assert_eq(b[4], 1501);
	cr_assert_eq(b[5], 1601);
	/* once: the next ACK lists the runs only */
	tt_send(TH_ACK, 1701, iss + 1, 65535, NULL, 0, d, 100);
	cr_assert(ts_take_last(&s));
	cr_assert_eq(ts_blocks(&s, b), 3);
	cr_assert_eq(b[0], 1701);
	cr_assert_eq(tt_stats().tcps_sack_dsack_sent, 1);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, no_dsack_without_sack_permitted)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss;
	uint8_t d[100];

	tt_open();
	acc = ts_passive(&lsn, false, false, &iss, &s);
	tt_pattern(d, sizeof(d), 1);
	tt_send(TH_ACK, 1001, iss + 1, 65535, NULL, 0, d, 100);
	(void)ts_take_last(&s);
	tt_send(TH_ACK, 1001, iss + 1, 65535, NULL, 0, d, 100);
	cr_assert(ts_take_last(&s), "a duplicate is ACKed");
	cr_assert_eq(s.ack, 1101);
	cr_assert_null(tt_opt(&s, TCPOPT_SACK));
	cr_assert_eq(tt_stats().tcps_sack_dsack_sent, 0);
	ts_done(acc, lsn);
}

/* ---- the scoreboard and recovery ----------------------------------------------------------- */

/* Grow cwnd by slow start until n segments may be in flight (everything acked at once). */
static void
ts_open_cwnd(struct stdata *acc, uint32_t *una, unsigned nseg)
{
	uint8_t d[4 * MSS];
	struct tt_seg s;

	tt_pattern(d, sizeof(d), 9);
	while (tt_info(acc).tcpi_snd_cwnd < nseg * MSS) {
		cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
		yt_drain();
		while (tt_info(acc).tcpi_sndbuf_cc > 0) {
			uint32_t hi = *una;

			while (tt_take(&s))
				if (s.dlen > 0 && s.seq + s.dlen - hi < 1u << 30)
					hi = s.seq + (uint32_t)s.dlen;
			cr_assert_neq(hi, *una, "data flows");
			tt_send(TH_ACK, 1001, hi, 65535, NULL, 0, NULL, 0);
			*una = hi;
		}
	}
	(void)pt_discard(tt_s.link.minor);
}

/* A duplicate ACK at una with the given SACK blocks. */
static void
ts_dupack(uint32_t una, const uint32_t *blk, unsigned n)
{
	uint8_t o[40];

	tt_send(TH_ACK, 1001, una, 65535, o, ts_sackopt(o, blk, n), NULL, 0);
}

/*
 * RFC 6675 alone (TCP_PF_NO_RACK, TCP_PF_NO_PRR): for the tests of its own rules inside
 * recovery. With RACK, the default, a hole is lost as soon as a segment sent after it is
 * SACKed and it is overdue (RFC 8985 6.2, tcp_rack.c), sooner than DupThresh SACKed segments
 * above it say so; with PRR (RFC 6937, tcp_prr.c) cwnd is pipe plus what the ACK lets go,
 * not ssthresh.
 */
static void
ts_no_rack(void)
{
	struct tcp_param p = { .tp_flags = TCP_PF_NO_RACK | TCP_PF_NO_PRR };

	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &p, sizeof(p)), 0);
}

/*
 * The usual start of a recovery test: a SACK connection (RACK and PRR off), its window opened
 * to 8 segments, and 8 full segments written and sent whole and in order: their first bytes
 * in S[0..7], S[8] the end. Returns the accepted endpoint.
 */
static struct stdata *
ts_eight_out(struct stdata **lsn, uint32_t *iss, uint32_t S[9], uint8_t seed)
{
	static uint8_t d[8 * MSS];
	struct stdata *acc;
	struct tt_seg s;
	uint32_t una;

	tt_open();
	ts_no_rack();
	acc = ts_passive(lsn, true, false, iss, &s);
	una = *iss + 1;
	ts_open_cwnd(acc, &una, 8);
	for (unsigned i = 0; i < 9; i++)
		S[i] = una + i * MSS;
	tt_pattern(d, sizeof(d), seed);
	cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
	yt_drain();
	for (unsigned i = 0; i < 8; i++) {
		cr_assert(tt_take(&s), "segment %u", i);
		cr_assert_eq(s.seq, S[i]);
		cr_assert_eq(s.dlen, MSS);
	}
	return acc;
}

YT_TEST(tcp_sack, recovery_resends_exactly_the_holes)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, una, S[9];
	uint8_t d[8 * MSS];
	struct tcpstat st0, st;

	tt_open();
	ts_no_rack();
	acc = ts_passive(&lsn, true, false, &iss, &s);
	una = iss + 1;
	ts_open_cwnd(acc, &una, 8);
	st0 = tt_stats();
	for (unsigned i = 0; i < 9; i++)
		S[i] = una + i * MSS;
	tt_pattern(d, sizeof(d), 4);
	cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
	yt_drain();
	for (unsigned i = 0; i < 8; i++) {
		cr_assert(tt_take(&s), "segment %u", i);
		cr_assert_eq(s.seq, S[i]);
		cr_assert_eq(s.dlen, MSS);
	}
	cr_assert_not(tt_take(&s));
	/* segments 0 and 3 are lost; the peer SACKs what follows them */
	ts_dupack(una, (uint32_t[]){ S[1], S[2] }, 1);
	cr_assert_not(tt_take(&s), "one duplicate: no retransmission (nothing new to send)");
	ts_dupack(una, (uint32_t[]){ S[1], S[3] }, 1);
	cr_assert_not(tt_take(&s), "two SACKed segments above: not lost yet");
	ts_dupack(una, (uint32_t[]){ S[4], S[5], S[1], S[3] }, 2);
	/* three SACKed above segment 0: it is lost (RFC 6675 IsLost), resent; nothing else */
	cr_assert(tt_take(&s), "segment 0 resent");
	cr_assert_eq(s.seq, S[0]);
	cr_assert_eq(s.dlen, MSS);
	cr_assert_eq(memcmp(s.data, d, MSS), 0);
	cr_assert_not(tt_take(&s), "pipe = cwnd: nothing more");
	cr_assert(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	cr_assert_eq(tt_info(acc).tcpi_snd_cwnd, 4 * MSS, "cwnd = ssthresh = flight / 2");
	/* more SACKed after segment 3: it becomes lost and is resent, only it */
	ts_dupack(una, (uint32_t[]){ S[4], S[6], S[1], S[3] }, 2);
	cr_assert_not(tt_take(&s), "two above segment 3: not lost yet");
	ts_dupack(una, (uint32_t[]){ S[4], S[7], S[1], S[3] }, 2);
	cr_assert(tt_take(&s), "segment 3 resent");
	cr_assert_eq(s.seq, S[3]);
	cr_assert_eq(s.dlen, MSS);
	cr_assert_eq(memcmp(s.data, d + 3 * MSS, MSS), 0);
	/*
	 * segment 7 is not lost, but it is the highest unSACKed one and nothing else may go:
	 * the rescue retransmission (RFC 6675 4 rule 4), once in this recovery
	 */
	cr_assert(tt_take(&s), "segment 7 rescued");
	cr_assert_eq(s.seq, S[7]);
	cr_assert_eq(s.dlen, MSS);
	cr_assert_not(tt_take(&s), "one rescue");
	/* the resent segment 0 arrives: a partial ACK to segment 3 */
	ts_dupack(S[3], (uint32_t[]){ S[4], S[7] }, 1);
	cr_assert_not(tt_take(&s), "nothing more is lost, no second rescue");
	/* more data is written: the window is full (pipe), it waits */
	cr_assert_eq(sth_write(acc, d, 2 * MSS), (ssize_t)(2 * MSS));
	yt_drain();
	cr_assert_not(tt_take(&s), "pipe 2 + flight: nothing new during recovery");
	/* the full ACK ends recovery; the new data goes at once, cwnd from flight (RFC 6582) */
	tt_send(TH_ACK, 1001, S[8], 65535, NULL, 0, NULL, 0);
	cr_assert_not(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	cr_assert(tt_take(&s), "new data after recovery, no timer");
	cr_assert_eq(s.seq, S[8]);
	cr_assert_eq(s.dlen, MSS);
	tt_send(TH_ACK, 1001, S[8] + MSS, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.seq, S[8] + MSS);
	tt_send(TH_ACK, 1001, S[8] + 2 * MSS, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	st = tt_stats();
	cr_assert_eq(st.tcps_sack_recoveries - st0.tcps_sack_recoveries, 1);
	cr_assert_eq(st.tcps_sack_rexmt_segs - st0.tcps_sack_rexmt_segs, 3);
	cr_assert_eq(st.tcps_tx_rexmt_segs - st0.tcps_tx_rexmt_segs, 3);
	cr_assert_eq(st.tcps_rescue_rexmts - st0.tcps_rescue_rexmts, 1);
	cr_assert_eq(st.tcps_rexmt_timeouts - st0.tcps_rexmt_timeouts, 0);
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

/*
 * One flight of 16 segments, segment 0 lost, the peer SACKing one more segment per ACK; the
 * segments each ACK draws from the sender, from the first duplicate on (two limited
 * transmits, then the recovery). prr: PRR on (the default) or RFC 6675 alone.
 */
static void
ts_recovery_sends(bool prr, unsigned *sent, unsigned nacks, struct tcpstat *delta)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, una, hi, flight;
	static uint8_t d[40 * MSS];
	struct tcpstat st0, st;

	tt_open();
	if (!prr) {
		struct tcp_param p = { .tp_flags = TCP_PF_NO_PRR };

		cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &p, sizeof(p)), 0);
	}
	acc = ts_passive(&lsn, true, false, &iss, &s);
	una = iss + 1;
	ts_open_cwnd(acc, &una, 16);
	st0 = tt_stats();
	tt_pattern(d, sizeof(d), 7);
	cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
	yt_drain();
	hi = una;
	while (tt_take(&s))
		hi = s.seq + (uint32_t)s.dlen;
	flight = (hi - una) / MSS;
	cr_assert_geq(flight, 16u);
	cr_assert_geq(flight, nacks + 1);
	for (unsigned i = 0; i < nacks; i++) {
		ts_dupack(una, (uint32_t[]){ una + MSS, una + (i + 2) * MSS }, 1);
		sent[i] = 0;
		while (tt_take(&s)) {
			if (s.dlen > 0)
				sent[i]++;
			if ((int32_t)(s.seq + (uint32_t)s.dlen - hi) > 0)
				hi = s.seq + (uint32_t)s.dlen;
		}
	}
	cr_assert(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	st = tt_stats();
	delta->tcps_prr_acks_proportional =
		st.tcps_prr_acks_proportional - st0.tcps_prr_acks_proportional;
	delta->tcps_prr_acks_bound = st.tcps_prr_acks_bound - st0.tcps_prr_acks_bound;
	delta->tcps_rexmt_timeouts = st.tcps_rexmt_timeouts - st0.tcps_rexmt_timeouts;
	/* everything arrives: recovery ends, nothing left to leak */
	tt_send(TH_ACK, 1001, hi, 65535, NULL, 0, NULL, 0);
	cr_assert_not(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

/*
 * PRR (RFC 6937) keeps the ACK clock in recovery: after the retransmission, new data goes on
 * every second ACK (NewReno halves the window: ssthresh / RecoverFS is about 1/2), one
 * segment at a time. RFC 6675 alone sets cwnd = ssthresh and is silent until pipe has fallen
 * under it, half the round trip later: the stretch in which a lost retransmission has nothing
 * sent after it to show it lost.
 */
YT_TEST(tcp_sack, prr_sends_on_every_second_ack_where_rfc6675_is_silent)
{
	enum { NACKS = 12 };
	unsigned prr[NACKS], rfc[NACKS], n_prr = 0;
	struct tcpstat d_prr, d_rfc;

	ts_recovery_sends(true, prr, NACKS, &d_prr);
	ts_recovery_sends(false, rfc, NACKS, &d_rfc);
	/* ACKs 1 and 2: limited transmit; 3: recovery, the retransmission, alike */
	for (unsigned i = 0; i < 3; i++) {
		cr_expect_eq(prr[i], 1u, "duplicate %u", i + 1);
		cr_expect_eq(rfc[i], 1u, "duplicate %u", i + 1);
	}
	for (unsigned i = 3; i < NACKS; i++) {
		cr_expect_leq(prr[i], 1u, "PRR: no burst (duplicate %u)", i + 1);
		n_prr += prr[i];
		if (i + 1 < NACKS)
			cr_expect_geq(prr[i] + prr[i + 1], 1u, "PRR: one in two (duplicate %u)", i + 1);
	}
	cr_expect_geq(n_prr, (NACKS - 3) / 2);
	for (unsigned i = 3; i < 6; i++)
		cr_expect_eq(rfc[i], 0u, "RFC 6675: silent (duplicate %u)", i + 1);
	cr_expect_eq(d_prr.tcps_prr_acks_proportional, NACKS - 2); /* from the recovery's ACK */
	cr_expect_eq(d_rfc.tcps_prr_acks_proportional + d_rfc.tcps_prr_acks_bound, 0u);
	cr_expect_eq(d_prr.tcps_rexmt_timeouts + d_rfc.tcps_rexmt_timeouts, 0u);
}

/*
 * The headers in a block of their own (a scattered RX can cut a frame there): tcp frees that
 * block when it trims the headers, so the SACK blocks must have been read out of it before.
 * Its buffer is wiped when freed here, so a late read sees 0xff..., SACKs nothing (found by
 * the fuzz test under ASan as a read after free).
 */
static uint8_t ts_hdr_buf[128];
static unsigned ts_hdr_frees;

static void
ts_hdr_wipe(void *arg)
{
	memset(arg, 0xff, sizeof(ts_hdr_buf));
	ts_hdr_frees++;
}

static void
ts_inject_headers_apart(const uint8_t *f, size_t len, size_t hdrlen)
{
	frtn_t fr = { ts_hdr_wipe, ts_hdr_buf };
	mblk_t *h, *d;

	cr_assert_leq(hdrlen, sizeof(ts_hdr_buf));
	memcpy(ts_hdr_buf, f, hdrlen);
	h = esballoc(ts_hdr_buf, hdrlen, BPRI_MED, &fr);
	cr_assert_not_null(h);
	h->b_wptr += hdrlen;
	d = yard_allocb_hr(len - hdrlen, 0);
	cr_assert_not_null(d);
	memcpy(d->b_wptr, f + hdrlen, len - hdrlen);
	d->b_wptr += len - hdrlen;
	h->b_cont = d;
	cr_assert_eq(yard_loop_inject(tt_s.link.minor, h), 0);
}

YT_TEST(tcp_sack, blocks_are_read_before_the_header_block_is_freed)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, una, S[9];
	struct tcpstat st0, st;

	acc = ts_eight_out(&lsn, &iss, S, 9);
	una = S[0];
	st0 = tt_stats();
	tt_inject = ts_inject_headers_apart;
	ts_dupack(una, (uint32_t[]){ S[4], S[7] }, 1); /* 3 segments SACKed above S0 */
	tt_inject = NULL;
	cr_assert_eq(ts_hdr_frees, 1, "the header block was freed in tcp");
	st = tt_stats();
	cr_assert_eq(st.tcps_sack_blocks_rcvd - st0.tcps_sack_blocks_rcvd, 1);
	cr_assert_eq(st.tcps_drop_sack_bogus, st0.tcps_drop_sack_bogus, "read as sent");
	cr_assert(tt_take(&s), "S0 lost (3 SACKed above it): resent");
	cr_assert_eq(s.seq, S[0]);
	tt_send(TH_ACK, 1001, S[8], 65535, NULL, 0, NULL, 0);
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, scoreboard_merges_overlaps_and_ignores_dsack_and_bogus_blocks)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, una, S[9];
	uint8_t o[40];
	struct tcpstat st0, st;

	acc = ts_eight_out(&lsn, &iss, S, 5);
	una = S[0];
	st0 = tt_stats();
	/* bogus: beyond SND.MAX, empty, reversed, wholly below SND.UNA: all ignored */
	ts_dupack(una, (uint32_t[]){ S[8], S[8] + 3 * MSS, S[2], S[2], S[5], S[4] }, 3);
	ts_dupack(una, (uint32_t[]){ S[7], S[8] + 1, S[0] - 5000, S[0] - 3000 }, 2);
	st = tt_stats();
	cr_assert_eq(st.tcps_drop_sack_bogus - st0.tcps_drop_sack_bogus, 5);
	cr_assert_eq(st.tcps_sack_blocks_rcvd - st0.tcps_sack_blocks_rcvd, 0);
	cr_assert_not(tt_take(&s), "bogus blocks SACK nothing: no retransmission");
	cr_assert_not(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	/* a malformed SACK option (length not 2 + 8n) is counted and ignored */
	o[0] = TCPOPT_NOP, o[1] = TCPOPT_NOP, o[2] = TCPOPT_SACK, o[3] = 6;
	o[4] = o[5] = o[6] = o[7] = 0;
	tt_send(TH_ACK, 1001, una, 65535, o, 8, NULL, 0);
	cr_assert_eq(tt_stats().tcps_drop_sack_bogus - st0.tcps_drop_sack_bogus, 6);
	/* overlapping pieces merge into one range */
	ts_dupack(una, (uint32_t[]){ S[2], S[2] + 700, S[2] + 500, S[3] }, 2);
	/* a D-SACK (first block below the ACK) is counted and ignored */
	ts_dupack(una, (uint32_t[]){ S[0] - 2 * MSS, S[0] - MSS, S[2], S[3] }, 2);
	st = tt_stats();
	cr_assert_eq(st.tcps_sack_dsack_rcvd - st0.tcps_sack_dsack_rcvd, 1);
	cr_assert_not(tt_take(&s), "one segment SACKed: not enough to call anything lost");
	/* D-SACK inside the second block (RFC 2883 4.1.2 form) is ignored too */
	ts_dupack(una, (uint32_t[]){ S[2] + 100, S[2] + 200, S[2], S[3] }, 2);
	cr_assert_eq(tt_stats().tcps_sack_dsack_rcvd - st0.tcps_sack_dsack_rcvd, 2);
	/* [S4, S6) and the merged [S2, S3): 3 segments SACKed above 0 and 1 */
	ts_dupack(una, (uint32_t[]){ S[4], S[6] }, 1);
	cr_assert(tt_take(&s), "segment 0 resent");
	cr_assert_eq(s.seq, S[0]);
	cr_assert_eq(s.dlen, MSS);
	cr_assert_not(tt_take(&s), "pipe 4 segments (3, 5, 6, 7 unSACKed above the lost edge)");
	/* segment 0 arrives: ACK to 1; segment 1 is the rest of the lost hole and goes */
	ts_dupack(S[1], (uint32_t[]){ S[4], S[6], S[2], S[3] }, 2);
	cr_assert(tt_take(&s), "segment 1 resent");
	cr_assert_eq(s.seq, S[1]);
	cr_assert_eq(s.dlen, MSS);
	cr_assert_not(tt_take(&s), "segment 3 has only 2 SACKed above: not lost, not resent");
	tt_send(TH_ACK, 1001, S[8], 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, without_it_out_of_order_data_draws_pure_duplicate_acks_and_holds_new_data)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss;
	uint8_t d[4 * MSS];

	tt_open();
	acc = ts_passive(&lsn, false, false, &iss, &s);
	tt_pattern(d, sizeof(d), 2);
	cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
	yt_drain();
	for (int i = 0; i < 3; i++)
		cr_assert(tt_take(&s), "initial window: 3 segments");
	cr_assert_not(tt_take(&s));
	/* the peer ACKs one segment and sends data with a hole before it */
	tt_send(TH_ACK, 1101, iss + 1 + MSS, 65535, NULL, 0, "abcdefghij", 10);
	cr_assert(tt_take(&s), "an ACK");
	cr_assert_eq(s.ack, 1001);
	cr_assert_eq(s.dlen, 0, "the duplicate ACK goes alone, not riding on data");
	/*
	 * No new data while the hole is open: our SEG.SEQ must not advance between duplicate
	 * ACKs, or a Linux peer does not count them (tcp_output.c). A second out-of-order
	 * segment draws a second duplicate ACK at the same sequence number.
	 */
	cr_assert_not(tt_take(&s), "no data while the hole is open");
	tt_send(TH_ACK, 1111, iss + 1 + MSS, 65535, NULL, 0, "klmnopqrst", 10);
	cr_assert(tt_take(&s), "a second duplicate ACK");
	cr_assert(s.ack == 1001 && s.dlen == 0 && s.seq == iss + 1 + 3 * MSS,
		  "ack %u dlen %zu seq %u", s.ack, s.dlen, s.seq);
	cr_assert_not(tt_take(&s));
	/* the peer fills the hole: the ACK covers everything, and our data goes again */
	{
		char fill[100];

		memset(fill, 'z', sizeof(fill));
		tt_send(TH_ACK, 1001, iss + 1 + MSS, 65535, NULL, 0, fill, sizeof(fill));
	}
	cr_assert(tt_take(&s), "the ACK of the filled hole");
	cr_assert_eq(s.ack, 1121);
	if (s.dlen == 0)
		cr_assert(tt_take(&s), "then the data held back");
	cr_assert_gt(s.dlen, 0);
	cr_assert_eq(s.seq, iss + 1 + 3 * MSS);
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, a_lost_retransmission_is_resent_once_later_data_is_sacked)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, una, S[13];
	uint8_t d[12 * MSS];
	struct tcpstat st0;

	tt_open();
	acc = ts_passive(&lsn, true, false, &iss, &s);
	una = iss + 1;
	ts_open_cwnd(acc, &una, 8);
	cr_assert_lt(tt_info(acc).tcpi_snd_cwnd, 9 * MSS, "exactly 8 segments go");
	st0 = tt_stats();
	for (unsigned i = 0; i < 13; i++)
		S[i] = una + i * MSS;
	tt_pattern(d, sizeof(d), 6);
	cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
	yt_drain();
	for (unsigned i = 0; i < 8; i++)
		cr_assert(tt_take(&s));
	cr_assert_not(tt_take(&s), "the other 4 wait for the window");
	/* segment 0 lost: two duplicates let one new segment each go (RFC 3042) */
	ts_dupack(una, (uint32_t[]){ S[1], S[2] }, 1);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.seq, S[8], "limited transmit");
	ts_dupack(una, (uint32_t[]){ S[1], S[3] }, 1);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.seq, S[9]);
	ts_dupack(una, (uint32_t[]){ S[1], S[4] }, 1);
	cr_assert(tt_take(&s), "segment 0 resent");
	cr_assert_eq(s.seq, S[0]);
	cr_assert_not(tt_take(&s));
	/* SACKs drain pipe until new data (segment 10) may go after the retransmission */
	for (unsigned i = 5; i <= 7; i++)
		ts_dupack(una, (uint32_t[]){ S[1], S[i] }, 1);
	cr_assert(tt_take(&s), "new data in recovery (NextSeg rule 2)");
	cr_assert_eq(s.seq, S[10]);
	cr_assert_not(tt_take(&s));
	/* segment 10, sent after the retransmission of 0, is SACKed: that retransmission is lost */
	ts_dupack(una, (uint32_t[]){ S[10], S[11], S[1], S[7] }, 2);
	cr_assert(tt_take(&s), "the lost retransmission goes again, no timer");
	cr_assert_eq(s.seq, S[0]);
	cr_assert_eq(s.dlen, MSS);
	cr_assert_eq(memcmp(s.data, d, MSS), 0);
	cr_assert_eq(tt_stats().tcps_sack_lost_rexmt - st0.tcps_sack_lost_rexmt, 1);
	cr_assert_eq(tt_stats().tcps_rexmt_timeouts - st0.tcps_rexmt_timeouts, 0);
	/* everything arrives */
	while (tt_take(&s))
		;
	tt_send(TH_ACK, 1001, tt_info(acc).tcpi_snd_nxt, 65535, NULL, 0, NULL, 0);
	while (tt_info(acc).tcpi_sndbuf_cc > 0) {
		uint32_t nxt;

		while (tt_take(&s))
			;
		nxt = tt_info(acc).tcpi_snd_nxt;
		tt_send(TH_ACK, 1001, nxt, 65535, NULL, 0, NULL, 0);
	}
	cr_assert_not(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

/* ---- tail loss probe, rescue, the scoreboard across an RTO ----------------------------------- */

/* The RTO floor raised so a loaded machine cannot run the RTO before a 10 ms PTO. */
static void
ts_slow_rto(uint32_t ms)
{
	struct tcp_param p = { .tp_rto_min_ms = ms, .tp_rto_init_ms = ms };

	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &p, sizeof(p)), 0);
}

/* Run the stack until tcp sends a segment or 3 s pass. */
static bool
ts_wait_seg(struct tt_seg *s)
{
	uint64_t deadline = rte_get_timer_cycles() + 3 * rte_get_timer_hz();

	while (rte_get_timer_cycles() < deadline) {
		if (tt_take(s))
			return true;
		pt_run_ms(5);
	}
	return tt_take(s);
}

/*
 * The start of the tail tests: a SACK connection with the RTO floor at rto_ms and its window
 * opened to 4 segments; S[0..n) the first bytes of the next n full segments, *st0 the counters
 * now. Returns the accepted endpoint.
 */
static struct stdata *
ts_four_open(uint32_t rto_ms, struct stdata **lsn, uint32_t *iss, uint32_t *S, unsigned n,
	     struct tcpstat *st0)
{
	struct stdata *acc;
	struct tt_seg s;
	uint32_t una;

	tt_open();
	ts_slow_rto(rto_ms);
	acc = ts_passive(lsn, true, false, iss, &s);
	una = *iss + 1;
	ts_open_cwnd(acc, &una, 4);
	*st0 = tt_stats();
	for (unsigned i = 0; i < n; i++)
		S[i] = una + i * MSS;
	return acc;
}

YT_TEST(tcp_sack, a_lost_tail_is_recovered_by_the_probe_without_an_rto)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, S[5];
	uint8_t d[4 * MSS];
	struct tcpstat st0, st;

	acc = ts_four_open(2000, &lsn, &iss, S, 5, &st0);
	tt_pattern(d, sizeof(d), 6);
	cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
	yt_drain();
	for (unsigned i = 0; i < 4; i++) {
		cr_assert(tt_take(&s), "segment %u", i);
		cr_assert_eq(s.seq, S[i]);
	}
	/* segments 2 and 3, the tail, are lost: the peer ACKs 0 and 1 and then hears nothing */
	tt_send(TH_ACK, 1001, S[2], 65535, NULL, 0, NULL, 0);
	cr_assert_not(tt_take(&s), "nothing to send: no new data, no SACK");
	/* the PTO (2 SRTT, long before the 2 s RTO): nothing new, so the last segment again */
	cr_assert(ts_wait_seg(&s), "the probe");
	cr_assert_eq(s.seq, S[3], "the last segment");
	cr_assert_eq(s.dlen, MSS);
	cr_assert_eq(memcmp(s.data, d + 3 * MSS, MSS), 0);
	cr_assert_eq(tt_stats().tcps_tlp_probes - st0.tcps_tlp_probes, 1);
	pt_run_ms(30);
	cr_assert_not(tt_take(&s), "one probe per episode");
	/* it arrives: the SACK of the probe shows segment 2 lost; recovery resends it */
	ts_dupack(S[2], (uint32_t[]){ S[3], S[4] }, 1);
	cr_assert(tt_take(&s), "segment 2 resent at once");
	cr_assert_eq(s.seq, S[2]);
	cr_assert_eq(s.dlen, MSS);
	cr_assert_eq(memcmp(s.data, d + 2 * MSS, MSS), 0);
	cr_assert_not(tt_take(&s));
	tt_send(TH_ACK, 1001, S[4], 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	cr_assert_not(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	st = tt_stats();
	cr_assert_eq(st.tcps_tlp_probes - st0.tcps_tlp_probes, 1);
	cr_assert_eq(st.tcps_tlp_recoveries - st0.tcps_tlp_recoveries, 1);
	cr_assert_eq(st.tcps_sack_recoveries - st0.tcps_sack_recoveries, 1);
	cr_assert_eq(st.tcps_rexmt_timeouts - st0.tcps_rexmt_timeouts, 0, "no RTO");
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

/*
 * The window, not the buffer, keeps new data back: the probe resends the last segment sent
 * (RFC 8985 7.3), SND.MAX's, not the last one in the buffer. Found by the two-lcore soak: a
 * probe aimed at unsent data past SND.MAX sent nothing and left SND.NXT there, past SND.MAX;
 * once the peer had ACKed everything sent, tcp_output saw nothing it could send for ever.
 */
YT_TEST(tcp_sack, a_window_limited_tail_probe_resends_the_last_segment_sent)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, una, S[7];
	uint8_t d[6 * MSS];
	struct tcpstat st0;

	acc = ts_four_open(2000, &lsn, &iss, S, 7, &st0);
	una = S[0];
	tt_pattern(d, sizeof(d), 11);
	tt_send(TH_ACK, 1001, una, 4 * MSS, NULL, 0, NULL, 0); /* a window of 4 segments */
	cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
	yt_drain();
	for (unsigned i = 0; i < 4; i++) {
		cr_assert(tt_take(&s), "segment %u", i);
		cr_assert_eq(s.seq, S[i]);
	}
	cr_assert_not(tt_take(&s), "the window is 4 segments");
	/* 0 and 1 ACKed; the window now ends at SND.MAX: segments 4 and 5 must wait */
	tt_send(TH_ACK, 1001, S[2], 2 * MSS, NULL, 0, NULL, 0);
	cr_assert_not(tt_take(&s), "the window is full");
	cr_assert(ts_wait_seg(&s), "the probe");
	cr_assert_eq(s.seq, S[3], "the last segment sent, not the buffer's last");
	cr_assert_eq(s.dlen, MSS);
	cr_assert_eq(memcmp(s.data, d + 3 * MSS, MSS), 0);
	cr_assert_eq(tt_stats().tcps_tlp_probes - st0.tcps_tlp_probes, 1);
	cr_assert_eq(tt_info(acc).tcpi_snd_nxt, S[4], "SND.NXT back at SND.MAX");
	/* everything sent is ACKed and the window opens: the rest goes at once */
	tt_send(TH_ACK, 1001, S[4], 65535, NULL, 0, NULL, 0);
	for (unsigned i = 4; i < 6; i++) {
		cr_assert(tt_take(&s), "segment %u after the window opened", i);
		cr_assert_eq(s.seq, S[i]);
		cr_assert_eq(memcmp(s.data, d + i * MSS, MSS), 0);
	}
	tt_send(TH_ACK, 1001, S[6], 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

/*
 * One full segment of pattern seed sent on a fresh connection (RTO floor rto_ms, cwnd opened
 * to 4 segments, SACK agreed) and taken from the wire: the lone-segment tail cases. *una is
 * its sequence number, *st0 the counters before it.
 */
static struct stdata *
ts_one_segment_out(uint32_t rto_ms, uint32_t seed, struct stdata **lsn, uint32_t *una,
		   uint8_t *d, struct tcpstat *st0)
{
	struct stdata *acc;
	struct tt_seg s;
	uint32_t iss;

	tt_open();
	ts_slow_rto(rto_ms);
	acc = ts_passive(lsn, true, false, &iss, &s);
	*una = iss + 1;
	ts_open_cwnd(acc, una, 4);
	*st0 = tt_stats();
	tt_pattern(d, MSS, seed);
	cr_assert_eq(sth_write(acc, d, MSS), (ssize_t)MSS);
	yt_drain();
	cr_assert(tt_take(&s));
	cr_assert_eq(s.seq, *una);
	return acc;
}

YT_TEST(tcp_sack, a_lost_single_segment_tail_is_repaired_by_a_resent_probe)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t una;
	uint8_t d[MSS];
	struct tcpstat st0, st;

	acc = ts_one_segment_out(2000, 8, &lsn, &una, d, &st0);
	/* lost; one segment out: the PTO waits the peer's delayed ACK too (RFC 8985 7.2) */
	cr_assert(ts_wait_seg(&s), "the probe");
	cr_assert_eq(s.seq, una);
	cr_assert_eq(s.dlen, MSS);
	/* its ACK: no D-SACK, the loss is repaired; the window is reduced as for a loss */
	tt_send(TH_ACK, 1001, una + MSS, 65535, NULL, 0, NULL, 0);
	st = tt_stats();
	cr_assert_eq(st.tcps_tlp_probes - st0.tcps_tlp_probes, 1);
	cr_assert_eq(st.tcps_tlp_recoveries - st0.tcps_tlp_recoveries, 1);
	cr_assert_eq(st.tcps_rexmt_timeouts - st0.tcps_rexmt_timeouts, 0, "no RTO");
	cr_assert_lt(tt_info(acc).tcpi_snd_cwnd, 4 * MSS, "cwnd reduced");
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

/*
 * One segment out and a short RTO: the PTO (2 SRTT + the peer's delayed ACK) would run past
 * the RTO, so it is cut to a tick before it and the probe goes in the RTO's place (RFC 8985
 * 7.2, as Linux): the loss costs a fast recovery's reduction, not an RTO's cwnd of one.
 */
YT_TEST(tcp_sack, a_pto_past_the_rto_is_cut_and_the_probe_goes_instead)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t una;
	uint8_t d[MSS];
	struct tcpstat st0, st;

	acc = ts_one_segment_out(100, 9, &lsn, &una, d, &st0);
	/* lost: what comes next is the probe, the same segment, and no RTO */
	cr_assert(ts_wait_seg(&s), "the probe");
	cr_assert_eq(s.seq, una);
	cr_assert_eq(s.dlen, MSS);
	cr_assert_eq(memcmp(s.data, d, MSS), 0);
	st = tt_stats();
	cr_assert_eq(st.tcps_tlp_probes - st0.tcps_tlp_probes, 1);
	cr_assert_eq(st.tcps_tlp_pto_cut - st0.tcps_tlp_pto_cut, 1, "in the RTO's place");
	cr_assert_eq(st.tcps_rexmt_timeouts - st0.tcps_rexmt_timeouts, 0, "no RTO");
	tt_send(TH_ACK, 1001, una + MSS, 65535, NULL, 0, NULL, 0);
	st = tt_stats();
	cr_assert_eq(st.tcps_tlp_recoveries - st0.tcps_tlp_recoveries, 1);
	cr_assert_eq(st.tcps_rexmt_timeouts - st0.tcps_rexmt_timeouts, 0, "no RTO");
	cr_assert_gt(tt_info(acc).tcpi_snd_cwnd, MSS, "a fast recovery's reduction, not one");
	cr_assert_lt(tt_info(acc).tcpi_snd_cwnd, 4 * MSS, "cwnd reduced");
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

/*
 * The probe in the RTO's place goes once: lost too, the RTO (restarted by the probe) follows
 * and backs off as ever; no probe is armed after it.
 */
YT_TEST(tcp_sack, a_lost_probe_in_the_rtos_place_is_followed_by_the_rto)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t una;
	uint8_t d[MSS];
	struct tcpstat st0, st;

	acc = ts_one_segment_out(100, 10, &lsn, &una, d, &st0);
	cr_assert(ts_wait_seg(&s), "the probe");
	cr_assert_eq(s.seq, una);
	cr_assert(ts_wait_seg(&s), "the RTO's resend");
	cr_assert_eq(s.seq, una);
	st = tt_stats();
	cr_assert_eq(st.tcps_tlp_probes - st0.tcps_tlp_probes, 1);
	cr_assert_eq(st.tcps_tlp_pto_cut - st0.tcps_tlp_pto_cut, 1);
	cr_assert_eq(st.tcps_rexmt_timeouts - st0.tcps_rexmt_timeouts, 1);
	tt_send(TH_ACK, 1001, una + MSS, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_stats().tcps_tlp_probes - st0.tcps_tlp_probes, 1, "one probe only");
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, a_tail_lost_during_recovery_is_rescued_once)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, una, S[9];
	uint8_t d[8 * MSS];
	struct tcpstat st0, st;

	tt_open();
	ts_slow_rto(2000);
	acc = ts_passive(&lsn, true, false, &iss, &s);
	una = iss + 1;
	ts_open_cwnd(acc, &una, 8);
	st0 = tt_stats();
	for (unsigned i = 0; i < 9; i++)
		S[i] = una + i * MSS;
	tt_pattern(d, sizeof(d), 7);
	cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
	yt_drain();
	for (unsigned i = 0; i < 8; i++)
		cr_assert(tt_take(&s), "segment %u", i);
	/* segments 1 and 7 are lost; 2..6 are SACKed, more than DupThresh - 1 segments */
	ts_dupack(S[1], (uint32_t[]){ S[2], S[7] }, 1);
	cr_assert(tt_take(&s), "segment 1 resent");
	cr_assert_eq(s.seq, S[1]);
	/* no new data, no hole below the SACK left: rule 4 resends the highest unSACKed */
	cr_assert(tt_take(&s), "the rescue");
	cr_assert_eq(s.seq, S[7]);
	cr_assert_eq(s.dlen, MSS);
	cr_assert_eq(memcmp(s.data, d + 7 * MSS, MSS), 0);
	cr_assert_not(tt_take(&s));
	/* another duplicate ACK (the rescue's D-SACK-less arrival is still to come): no second */
	ts_dupack(S[1], (uint32_t[]){ S[2], S[7] }, 1);
	cr_assert_not(tt_take(&s), "one rescue per recovery");
	tt_send(TH_ACK, 1001, S[8], 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	cr_assert_not(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	st = tt_stats();
	cr_assert_eq(st.tcps_rescue_rexmts - st0.tcps_rescue_rexmts, 1);
	cr_assert_eq(st.tcps_rexmt_timeouts - st0.tcps_rexmt_timeouts, 0, "no RTO");
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

/*
 * A retransmission lost at the end of a recovery, with nothing sent after it: no ACK comes,
 * and RACK, which needs a later segment delivered, cannot call it lost. The recovery's probe
 * (2 SRTT after the last thing sent, tcp_tlp.c) resends it, long before the RTO.
 */
YT_TEST(tcp_sack, a_retransmission_lost_at_the_end_of_a_recovery_is_probed_without_an_rto)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, una, S[5];
	uint8_t d[4 * MSS];
	struct tcpstat st0, st;

	acc = ts_four_open(2000, &lsn, &iss, S, 5, &st0);
	una = S[0];
	tt_pattern(d, sizeof(d), 2);
	cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
	yt_drain();
	for (unsigned i = 0; i < 4; i++)
		cr_assert(tt_take(&s), "segment %u", i);
	/* segment 0 lost, 1..3 SACKed: recovery resends 0; nothing new to send after it */
	ts_dupack(una, (uint32_t[]){ S[1], S[4] }, 1);
	cr_assert(tt_take(&s), "segment 0 resent");
	cr_assert_eq(s.seq, S[0]);
	cr_assert_not(tt_take(&s));
	cr_assert(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	/* the retransmission is lost too: no ACK; the probe sends it again */
	cr_assert(ts_wait_seg(&s), "the recovery's probe");
	cr_assert_eq(s.seq, S[0]);
	cr_assert_eq(s.dlen, MSS);
	cr_assert_eq(memcmp(s.data, d, MSS), 0);
	cr_assert_eq(tt_stats().tcps_tlp_recovery_probes - st0.tcps_tlp_recovery_probes, 1);
	pt_run_ms(30);
	cr_assert_not(tt_take(&s), "one probe until an ACK comes");
	tt_send(TH_ACK, 1001, S[4], 65535, NULL, 0, NULL, 0);
	cr_assert_not(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	st = tt_stats();
	cr_assert_eq(st.tcps_rexmt_timeouts - st0.tcps_rexmt_timeouts, 0, "no RTO");
	cr_assert_eq(st.tcps_tlp_probes - st0.tcps_tlp_probes, 0, "not RFC 8985's tail probe");
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, no_sacked_byte_is_resent_after_an_rto)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, una, S[9], ack;
	uint8_t d[8 * MSS], o[40];
	bool held[8] = { [2] = true, [5] = true };
	uint64_t deadline;
	unsigned resent = 0;
	struct tcpstat st0, st;

	tt_open();
	acc = ts_passive(&lsn, true, false, &iss, &s);
	una = iss + 1;
	ts_open_cwnd(acc, &una, 8);
	st0 = tt_stats();
	for (unsigned i = 0; i < 9; i++)
		S[i] = una + i * MSS;
	tt_pattern(d, sizeof(d), 3);
	cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
	yt_drain();
	for (unsigned i = 0; i < 8; i++)
		cr_assert(tt_take(&s), "segment %u", i);
	/* only 2 and 5 arrive: SACKed, too little for recovery; then the timer */
	ts_dupack(S[0], (uint32_t[]){ S[2], S[3] }, 1);
	ts_dupack(S[0], (uint32_t[]){ S[5], S[6], S[2], S[3] }, 2);
	cr_assert_not(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while (tt_stats().tcps_rexmt_timeouts == st0.tcps_rexmt_timeouts &&
	       rte_get_timer_cycles() < deadline) {
		while (tt_take(&s))
			cr_assert_eq(s.seq, S[7], "before the RTO only the probe, the last segment");
		pt_run_ms(5);
	}
	cr_assert_gt(tt_stats().tcps_rexmt_timeouts, st0.tcps_rexmt_timeouts, "the RTO");
	/* the peer holds 2 and 5 and takes what comes; nothing it holds may come again */
	ack = S[0];
	deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while (ack != S[8] && rte_get_timer_cycles() < deadline) {
		bool any = false;
		unsigned i, n = 0;
		uint32_t blk[4];

		while (tt_take(&s)) {
			if (s.dlen == 0)
				continue;
			i = (s.seq - S[0]) / MSS;
			cr_assert_lt(i, 8u);
			cr_assert(i != 2 && i != 5, "segment %u, SACKed, resent after the RTO", i);
			cr_assert_eq(memcmp(s.data, d + i * MSS, s.dlen), 0);
			held[i] = true;
			resent++;
			any = true;
		}
		if (!any) {
			pt_run_ms(5);
			continue;
		}
		while (ack != S[8] && held[(ack - S[0]) / MSS])
			ack += MSS;
		/* SACK what is held above the ACK (up to two runs) */
		for (i = (ack - S[0]) / MSS; i < 8 && n < 4; i++) {
			if (!held[i])
				continue;
			blk[n] = S[i];
			while (i < 8 && held[i])
				i++;
			blk[n + 1] = S[i];
			n += 2;
		}
		tt_send(TH_ACK, 1001, ack, 65535, o, n > 0 ? ts_sackopt(o, blk, n / 2) : 0, NULL,
			0);
	}
	cr_assert_eq(ack, S[8], "everything delivered");
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	st = tt_stats();
	cr_assert_geq(st.tcps_rto_sacked_skipped - st0.tcps_rto_sacked_skipped, 2);
	cr_assert_eq(resent, 6, "the six segments not SACKed, each once (%u)", resent);
	cr_assert_eq(st.tcps_sack_reneged - st0.tcps_sack_reneged, 0);
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, a_peer_that_reneged_gets_the_sacked_data_again_after_an_rto)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, una, S[5], ack;
	uint8_t d[4 * MSS];
	bool held[4] = { false };
	bool rto = false, two_again = false;
	uint64_t deadline;
	struct tcpstat st0, st;

	tt_open();
	acc = ts_passive(&lsn, true, false, &iss, &s);
	una = iss + 1;
	ts_open_cwnd(acc, &una, 4);
	st0 = tt_stats();
	for (unsigned i = 0; i < 5; i++)
		S[i] = una + i * MSS;
	tt_pattern(d, sizeof(d), 2);
	cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
	yt_drain();
	for (unsigned i = 0; i < 4; i++)
		cr_assert(tt_take(&s), "segment %u", i);
	/* segment 2 is SACKed, then dropped by the peer (RFC 2018 8 allows it) */
	ts_dupack(S[0], (uint32_t[]){ S[2], S[3] }, 1);
	ack = S[0];
	deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while (ack != S[4] && rte_get_timer_cycles() < deadline) {
		bool any = false;

		rto = rto || tt_stats().tcps_rexmt_timeouts > st0.tcps_rexmt_timeouts;
		while (tt_take(&s)) {
			unsigned i = (s.seq - S[0]) / MSS;

			if (s.dlen == 0)
				continue;
			cr_assert_lt(i, 4u);
			cr_assert_eq(memcmp(s.data, d + i * MSS, s.dlen), 0);
			if (!rto)
				continue; /* before the RTO (the probe): the peer drops it */
			two_again |= i == 2;
			held[i] = true;
			any = true;
		}
		if (!any) {
			pt_run_ms(5);
			continue;
		}
		while (ack != S[4] && held[(ack - S[0]) / MSS])
			ack += MSS;
		tt_send(TH_ACK, 1001, ack, 65535, NULL, 0, NULL, 0); /* no SACK any more */
	}
	cr_assert_eq(ack, S[4], "everything delivered");
	cr_assert(two_again, "the reneged segment was sent again");
	st = tt_stats();
	cr_assert_eq(st.tcps_sack_reneged - st0.tcps_sack_reneged, 1);
	cr_assert_geq(st.tcps_rexmt_timeouts - st0.tcps_rexmt_timeouts, 1);
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

/* ---- RACK (RFC 8985 6): send times, the reordering window and its timer ---------------------- */

/*
 * Every ACK of these tests comes TR_RTT_MS after what it acknowledges went, so that RACK's
 * min_RTT, and with it the reordering window (min_RTT / 4 once reordering is seen), is at
 * least TR_RTT_MS / 4: wide against the microseconds between two segments of one burst,
 * and against the harness's own pauses. Those pauses include the test process being off the
 * CPU on a loaded machine (CI runs many programs on two cores); 40 ms, a 10 ms window, was
 * seen to be too little there. A step whose timing the window cannot cover is measured
 * (tr_late) and its timing-only assertion left out.
 */
#define TR_RTT_MS 160u

/* Monotonic microseconds, to tell whether a step took longer than the test's window allows. */
static uint64_t
tr_now_us(void)
{
	return rte_get_timer_cycles() * 1000000u / rte_get_timer_hz();
}

/* A step that began at t0 and should have taken about TR_RTT_MS ran past the reordering window. */
static bool
tr_late(uint64_t t0)
{
	return tr_now_us() - t0 > (uint64_t)TR_RTT_MS * 1000u + TR_RTT_MS * 1000u / 8;
}

/* ts_open_cwnd with every ACK TR_RTT_MS late. */
static void
tr_open_cwnd(struct stdata *acc, uint32_t *una, unsigned nseg)
{
	uint8_t d[4 * MSS];
	struct tt_seg s;

	tt_pattern(d, sizeof(d), 9);
	while (tt_info(acc).tcpi_snd_cwnd < nseg * MSS) {
		cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
		yt_drain();
		while (tt_info(acc).tcpi_sndbuf_cc > 0) {
			uint32_t hi = *una;

			pt_run_ms(TR_RTT_MS);
			while (tt_take(&s))
				if (s.dlen > 0 && s.seq + s.dlen - hi < 1u << 30)
					hi = s.seq + (uint32_t)s.dlen;
			cr_assert_neq(hi, *una, "data flows");
			tt_send(TH_ACK, 1001, hi, 65535, NULL, 0, NULL, 0);
			*una = hi;
		}
	}
	(void)pt_discard(tt_s.link.minor);
}

/* The sequence numbers of the data segments sent, in order, into seqs; how many. */
static unsigned
tr_take_all(uint32_t *seqs, unsigned max)
{
	struct tt_seg s;
	unsigned n = 0;

	while (tt_take(&s))
		if (s.dlen > 0 && n < max)
			seqs[n++] = s.seq;
	return n;
}

/*
 * nseg segments written, 8 sent (cwnd 8); segment 0 lost. The peer delivers 2 before 1
 * (reordering: RACK's window opens), then 3..7: recovery resends 0 and sends 10 and 11 as new
 * data, in one burst (8 and 9, the limited-transmit segments, still out). S[] are the segments'
 * starts (S[0] = SND.UNA).
 */
static struct stdata *
tr_reordered_recovery(struct stdata **lsn, uint32_t *S, unsigned nseg, const uint8_t *d)
{
	struct stdata *acc;
	struct tt_seg s;
	uint32_t iss, una, sent[16];
	unsigned n;

	tt_open();
	ts_slow_rto(2000);
	acc = ts_passive(lsn, true, false, &iss, &s);
	una = iss + 1;
	tr_open_cwnd(acc, &una, 8);
	cr_assert_lt(tt_info(acc).tcpi_snd_cwnd, 9 * MSS, "exactly 8 segments go");
	for (unsigned i = 0; i <= nseg; i++)
		S[i] = una + i * MSS;
	cr_assert_eq(sth_write(acc, d, nseg * MSS), (ssize_t)(nseg * MSS));
	yt_drain();
	cr_assert_eq(tr_take_all(sent, 16), 8);
	pt_run_ms(TR_RTT_MS);
	ts_dupack(una, (uint32_t[]){ S[2], S[3] }, 1);
	cr_assert_eq(tr_take_all(sent, 16), 1, "limited transmit");
	cr_assert_eq(sent[0], S[8]);
	ts_dupack(una, (uint32_t[]){ S[1], S[3] }, 1); /* 1 after 2: reordering seen */
	cr_assert_eq(tr_take_all(sent, 16), 1, "limited transmit");
	cr_assert_eq(sent[0], S[9]);
	pt_run_ms(TR_RTT_MS);
	ts_dupack(una, (uint32_t[]){ S[1], S[8] }, 1);
	cr_assert(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	n = tr_take_all(sent, 16);
	cr_assert_eq(n, 3, "segment 0 again and two new ones (%u)", n);
	cr_assert_eq(sent[0], S[0]);
	cr_assert_eq(sent[1], S[10]);
	cr_assert_eq(sent[2], S[11]);
	return acc;
}

YT_TEST(tcp_sack, rack_a_lost_retransmission_is_found_by_the_reordering_timer)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t S[13];
	uint8_t d[12 * MSS];
	struct tcpstat st0, st;
	uint64_t t0;
	bool late;

	tt_pattern(d, sizeof(d), 11);
	acc = tr_reordered_recovery(&lsn, S, 12, d);
	st0 = tt_stats();
	/* 10 and 11, sent after the retransmission of 0, arrive; the retransmission does not */
	t0 = tr_now_us();
	pt_run_ms(TR_RTT_MS);
	ts_dupack(S[0], (uint32_t[]){ S[1], S[12] }, 1);
	late = tr_late(t0);
	if (!late)
		cr_assert_not(tt_take(&s), "within the reordering window: not lost yet");
	/* RACK.rtt + reo_wnd after it went, the reordering timer calls it lost: sent again
	 * (when the step above ran late, the ACK itself found it lost: sent at once) */
	cr_assert((late && tt_take(&s)) || ts_wait_seg(&s), "the retransmission again");
	cr_assert_eq(s.seq, S[0]);
	cr_assert_eq(s.dlen, MSS);
	cr_assert_eq(memcmp(s.data, d, MSS), 0);
	st = tt_stats();
	if (!late)
		cr_assert_geq(st.tcps_rack_reo_timeouts - st0.tcps_rack_reo_timeouts, 1);
	cr_assert_eq(st.tcps_rack_losses - st0.tcps_rack_losses, 1);
	cr_assert_eq(st.tcps_sack_lost_rexmt - st0.tcps_sack_lost_rexmt, 1);
	cr_assert_eq(st.tcps_rexmt_timeouts - st0.tcps_rexmt_timeouts, 0, "no RTO");
	pt_run_ms(30);
	cr_assert_not(tt_take(&s), "once");
	tt_send(TH_ACK, 1001, S[12], 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	cr_assert_not(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, rack_reordering_within_the_window_is_not_marked_lost)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t S[21], sent[16];
	uint8_t d[20 * MSS];
	unsigned n;
	struct tcpstat st0, st;
	uint64_t t0;

	tt_pattern(d, sizeof(d), 12);
	acc = tr_reordered_recovery(&lsn, S, 20, d);
	st0 = tt_stats();
	/* 11 arrives before 10 (and before the retransmission of 0), both sent with it */
	t0 = tr_now_us();
	pt_run_ms(TR_RTT_MS);
	ts_dupack(S[0], (uint32_t[]){ S[11], S[12], S[1], S[10] }, 2);
	if (tr_late(t0)) {
		/* off the CPU past the window: RACK rightly called 10 lost; nothing to judge */
		(void)pt_discard(tt_s.link.minor);
		ts_done(acc, lsn);
		cr_skip_test("the step ran past the reordering window (a loaded machine)");
	}
	n = tr_take_all(sent, 16);
	for (unsigned i = 0; i < n; i++)
		cr_assert_geq((int32_t)(sent[i] - S[12]), 0, "only new data (%u: %u)", i, sent[i] - S[0]);
	/* then 10 and 0, a moment later: neither was called lost, neither goes again */
	tt_send(TH_ACK, 1001, S[12], 65535, NULL, 0, NULL, 0);
	cr_assert_not(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	pt_run_ms(30);
	st = tt_stats();
	cr_assert_eq(st.tcps_rack_losses - st0.tcps_rack_losses, 0);
	cr_assert_eq(st.tcps_sack_lost_rexmt - st0.tcps_sack_lost_rexmt, 0);
	while (tt_take(&s))
		cr_assert(s.dlen == 0 || (int32_t)(s.seq - S[12]) >= 0, "nothing below 12 again");
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, rack_reordering_window_grows_once_per_round_trip_of_dsacks)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, una, S[5];
	uint8_t d[4 * MSS];
	struct tcpstat st0;

	tt_open();
	acc = ts_passive(&lsn, true, false, &iss, &s);
	una = iss + 1;
	ts_open_cwnd(acc, &una, 4);
	st0 = tt_stats();
	for (unsigned i = 0; i < 5; i++)
		S[i] = una + i * MSS;
	tt_pattern(d, sizeof(d), 13);
	cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
	yt_drain();
	while (tt_take(&s))
		;
	/* two D-SACKs (a segment of before arrived twice) in one round trip: one widening */
	ts_dupack(S[0], (uint32_t[]){ S[0] - MSS, S[0] }, 1);
	ts_dupack(S[1], (uint32_t[]){ S[0] - MSS, S[0] }, 1);
	cr_assert_eq(tt_stats().tcps_sack_dsack_rcvd - st0.tcps_sack_dsack_rcvd, 2);
	cr_assert_eq(tt_stats().tcps_rack_reo_wnd_grown - st0.tcps_rack_reo_wnd_grown, 1);
	/* the ACK passes what was out at the first: the next D-SACK widens it again */
	tt_send(TH_ACK, 1001, S[4], 65535, NULL, 0, NULL, 0);
	while (tt_take(&s))
		;
	ts_dupack(S[4], (uint32_t[]){ S[3], S[4] }, 1);
	cr_assert_eq(tt_stats().tcps_rack_reo_wnd_grown - st0.tcps_rack_reo_wnd_grown, 2);
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

/* ---- undo of spurious reductions (RFC 3708 with D-SACK, RFC 8985 7.4) ------------------------ */

YT_TEST(tcp_sack, a_recovery_whose_every_retransmission_is_dsacked_is_undone)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, una, S[9], cwnd0, ssthresh0;
	uint8_t d[8 * MSS];
	struct tcpstat st0;

	tt_open();
	acc = ts_passive(&lsn, true, false, &iss, &s);
	una = iss + 1;
	ts_open_cwnd(acc, &una, 8);
	cwnd0 = tt_info(acc).tcpi_snd_cwnd;
	ssthresh0 = tt_info(acc).tcpi_snd_ssthresh;
	st0 = tt_stats();
	for (unsigned i = 0; i < 9; i++)
		S[i] = una + i * MSS;
	tt_pattern(d, sizeof(d), 14);
	cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
	yt_drain();
	while (tt_take(&s))
		;
	/* segment 0 is late (reordered), not lost: three SACKs above it start recovery */
	ts_dupack(una, (uint32_t[]){ S[1], S[2] }, 1);
	ts_dupack(una, (uint32_t[]){ S[1], S[3] }, 1);
	ts_dupack(una, (uint32_t[]){ S[1], S[4] }, 1);
	cr_assert(tt_take(&s), "segment 0 resent");
	cr_assert_eq(s.seq, S[0]);
	cr_assert_lt(tt_info(acc).tcpi_snd_cwnd, cwnd0, "the window is cut");
	while (tt_take(&s))
		;
	/* the original arrives: the full ACK ends the recovery, the window stays cut */
	tt_send(TH_ACK, 1001, S[8], 65535, NULL, 0, NULL, 0);
	cr_assert_not(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	cr_assert_lt(tt_info(acc).tcpi_snd_cwnd, cwnd0);
	cr_assert_eq(tt_stats().tcps_undo_dsack - st0.tcps_undo_dsack, 0);
	/* then the retransmission: a duplicate, the peer D-SACKs it; the cut is taken back */
	ts_dupack(S[8], (uint32_t[]){ S[0], S[1] }, 1);
	cr_assert_eq(tt_stats().tcps_undo_dsack - st0.tcps_undo_dsack, 1);
	cr_assert_geq(tt_info(acc).tcpi_snd_cwnd, cwnd0);
	cr_assert_eq(tt_info(acc).tcpi_snd_ssthresh, ssthresh0);
	/* once only */
	ts_dupack(S[8], (uint32_t[]){ S[0], S[1] }, 1);
	cr_assert_eq(tt_stats().tcps_undo_dsack - st0.tcps_undo_dsack, 1);
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, a_recovery_is_not_undone_when_one_retransmission_was_needed)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, una, S[9], cwnd0, cwnd1, resent[8];
	uint8_t d[8 * MSS];
	unsigned n = 0;
	struct tcpstat st0;

	tt_open();
	acc = ts_passive(&lsn, true, false, &iss, &s);
	una = iss + 1;
	ts_open_cwnd(acc, &una, 8);
	cwnd0 = tt_info(acc).tcpi_snd_cwnd;
	st0 = tt_stats();
	for (unsigned i = 0; i < 9; i++)
		S[i] = una + i * MSS;
	tt_pattern(d, sizeof(d), 15);
	cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
	yt_drain();
	while (tt_take(&s))
		;
	/* 0 is late, 1 is lost: both resent as the SACKs come */
	ts_dupack(una, (uint32_t[]){ S[2], S[3] }, 1);
	ts_dupack(una, (uint32_t[]){ S[2], S[4] }, 1);
	ts_dupack(una, (uint32_t[]){ S[2], S[5] }, 1);
	ts_dupack(una, (uint32_t[]){ S[2], S[8] }, 1);
	while (tt_take(&s))
		if (s.dlen > 0 && n < 8)
			resent[n++] = s.seq;
	cr_assert_eq(n, 2, "segments 0 and 1 resent (%u)", n);
	cr_assert_eq(resent[0], S[0]);
	cr_assert_eq(resent[1], S[1]);
	/* the original 0 and the resent 1 arrive; then the resent 0, a duplicate */
	tt_send(TH_ACK, 1001, S[8], 65535, NULL, 0, NULL, 0);
	cwnd1 = tt_info(acc).tcpi_snd_cwnd;
	cr_assert_lt(cwnd1, cwnd0);
	ts_dupack(S[8], (uint32_t[]){ S[0], S[1] }, 1);
	cr_assert_eq(tt_stats().tcps_sack_dsack_rcvd - st0.tcps_sack_dsack_rcvd, 1);
	cr_assert_eq(tt_stats().tcps_undo_dsack - st0.tcps_undo_dsack, 0, "1 was needed");
	cr_assert_eq(tt_info(acc).tcpi_snd_cwnd, cwnd1, "the window stays cut");
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, a_probe_found_needless_by_a_dsack_is_undone)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, una, cwnd0;
	uint8_t d[MSS];
	struct tcpstat st0;

	tt_open();
	ts_slow_rto(2000);
	acc = ts_passive(&lsn, true, false, &iss, &s);
	una = iss + 1;
	ts_open_cwnd(acc, &una, 4);
	cwnd0 = tt_info(acc).tcpi_snd_cwnd;
	st0 = tt_stats();
	tt_pattern(d, sizeof(d), 16);
	cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
	yt_drain();
	cr_assert(tt_take(&s));
	/* the segment is slow; the probe resends it, and its ACK comes first: cwnd is cut */
	cr_assert(ts_wait_seg(&s), "the probe");
	cr_assert_eq(s.seq, una);
	tt_send(TH_ACK, 1001, una + MSS, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_stats().tcps_tlp_recoveries - st0.tcps_tlp_recoveries, 1);
	cr_assert_lt(tt_info(acc).tcpi_snd_cwnd, cwnd0);
	/* the other copy arrives: a D-SACK; the probe was not needed, the cut is undone */
	ts_dupack(una + MSS, (uint32_t[]){ una, una + MSS }, 1);
	cr_assert_eq(tt_stats().tcps_undo_dsack - st0.tcps_undo_dsack, 1);
	cr_assert_geq(tt_info(acc).tcpi_snd_cwnd, cwnd0);
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

/*
 * A SYN on a connection in TIME-WAIT, with timestamps on both (RFC 6191, Linux's rule): a
 * TSval below the old connection's TS.Recent is an old duplicate whatever its ISN; the same
 * TSval with an ISN below RCV.NXT is not new either; a higher TSval is a new incarnation even
 * with a lower ISN, and opens a connection at once.
 */
YT_TEST(tcp_sack, a_syn_in_time_wait_is_told_new_by_its_timestamp_or_its_isn)
{
	struct T_ordrel_req orq = { T_ORDREL_REQ };
	struct stdata *lsn, *acc;
	struct tt_seg s;
	struct tcpstat st0;
	uint32_t iss, ours;
	uint8_t o[40];
	char buf[256];
	size_t ol;

	tt_open();
	st0 = tt_stats();
	acc = ts_passive_ts(&lsn, true, false, 5000, &iss, &s);
	tt_put(acc, &orq, sizeof(orq));
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_FIN | TH_ACK);
	ours = ts_be32(tt_opt(&s, TCPOPT_TIMESTAMP) + 2);
	tt_send(TH_ACK | TH_FIN, 1001, iss + 2, 65535, o, ts_tsopt(o, 5010, ours), NULL, 0);
	cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), T_ORDREL_IND);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_TIME_WAIT);
	(void)pt_discard(tt_s.link.minor);
	/* an older TSval, a higher ISN: an old duplicate */
	ol = ts_synopts(o, true, 5005);
	tt_send(TH_SYN, 90000, 0, 65535, o, ol, NULL, 0);
	while (tt_take(&s))
		cr_assert_neq(s.flags, TH_SYN | TH_ACK, "an old SYN opened nothing");
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_TIME_WAIT);
	/* the same TSval, a lower ISN: not new either */
	ol = ts_synopts(o, true, 5010);
	tt_send(TH_SYN, 900, 0, 65535, o, ol, NULL, 0);
	while (tt_take(&s))
		cr_assert_neq(s.flags, TH_SYN | TH_ACK, "nothing new in it");
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_TIME_WAIT);
	cr_assert_eq(tt_stats().tcps_timewait_reused - st0.tcps_timewait_reused, 0);
	/* a higher TSval, a lower ISN: new */
	ol = ts_synopts(o, true, 5020);
	tt_send(TH_SYN, 900, 0, 65535, o, ol, NULL, 0);
	cr_assert(tt_take(&s), "SYN,ACK");
	cr_assert_eq(s.flags, TH_SYN | TH_ACK);
	cr_assert_eq(s.ack, 901);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_CLOSED, "the old one is over");
	cr_assert_eq(tt_stats().tcps_timewait_reused - st0.tcps_timewait_reused, 1);
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

/* One segment's worth with timestamps on (the MSS less 12 option bytes). */
#define TR_LEN 1000u

YT_TEST(tcp_sack, an_rto_whose_original_was_acknowledged_is_undone_by_its_timestamp)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, una, cwnd0, tsv_orig, tsv_rxt, tsval = 5000;
	uint8_t d[2 * MSS], o[40];
	struct tcpstat st0, st;

	tt_open();
	{
		/* The subject is the RTO: no probe in its place (a loaded machine can give the
		 * handshake an RTT sample, and then the PTO would be cut to go first). */
		struct tcp_param p = { .tp_flags = TCP_PF_NO_TLP };

		cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &p, sizeof(p)), 0);
	}
	acc = ts_passive_ts(&lsn, true, false, tsval, &iss, &s);
	tsval += 2;
	una = iss + 1;
	cwnd0 = tt_info(acc).tcpi_snd_cwnd;
	st0 = tt_stats();
	tt_pattern(d, sizeof(d), 17);
	pt_run_ms(5); /* a TSval of 0 would not count as an echo */
	/* a segment (less than the MSS left beside timestamps) whose ACK is slow: the timer
	 * (100 ms here) resends it */
	cr_assert_eq(sth_write(acc, d, TR_LEN), (ssize_t)TR_LEN);
	yt_drain();
	do
		cr_assert(tt_take(&s));
	while (s.dlen == 0);
	cr_assert_eq(s.seq, una);
	tsv_orig = ts_be32(tt_opt(&s, TCPOPT_TIMESTAMP) + 2);
	cr_assert_neq(tsv_orig, 0);
	do
		cr_assert(ts_wait_seg(&s), "the RTO's retransmission");
	while (s.dlen == 0);
	cr_assert_eq(s.seq, una);
	tsv_rxt = ts_be32(tt_opt(&s, TCPOPT_TIMESTAMP) + 2);
	cr_assert_gt(tsv_rxt, tsv_orig);
	cr_assert_eq(tt_stats().tcps_rexmt_timeouts - st0.tcps_rexmt_timeouts, 1);
	cr_assert_lt(tt_info(acc).tcpi_snd_cwnd, cwnd0, "the RTO cut the window");
	/* the ACK echoes the original's TSval: it was delivered, the RTO was spurious */
	tt_send(TH_ACK, 1001, una + TR_LEN, 65535, o, ts_tsopt(o, tsval++, tsv_orig), NULL, 0);
	st = tt_stats();
	cr_assert_eq(st.tcps_undo_rto - st0.tcps_undo_rto, 1);
	cr_assert_geq(tt_info(acc).tcpi_snd_cwnd, cwnd0, "the window is back");
	/* again, but the ACK echoes the retransmission: it was needed, nothing undone */
	una += TR_LEN;
	while (tt_take(&s))
		;
	cwnd0 = tt_info(acc).tcpi_snd_cwnd;
	cr_assert_eq(sth_write(acc, d + TR_LEN, TR_LEN), (ssize_t)TR_LEN);
	yt_drain();
	do
		cr_assert(tt_take(&s));
	while (s.dlen == 0);
	do
		cr_assert(ts_wait_seg(&s), "the RTO's retransmission");
	while (s.dlen == 0);
	tsv_rxt = ts_be32(tt_opt(&s, TCPOPT_TIMESTAMP) + 2);
	tt_send(TH_ACK, 1001, una + TR_LEN, 65535, o, ts_tsopt(o, tsval++, tsv_rxt), NULL, 0);
	st = tt_stats();
	cr_assert_eq(st.tcps_undo_rto - st0.tcps_undo_rto, 1, "not undone");
	cr_assert_lt(tt_info(acc).tcpi_snd_cwnd, cwnd0);
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, rack_a_resend_lost_again_after_an_rto_goes_again_without_a_second_rto)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, una, S[5], sent[8];
	uint8_t d[4 * MSS];
	uint64_t deadline;
	unsigned n;
	struct tcpstat st0, st1, st;

	tt_open();
	acc = ts_passive(&lsn, true, false, &iss, &s);
	una = iss + 1;
	ts_open_cwnd(acc, &una, 4);
	st0 = tt_stats();
	for (unsigned i = 0; i < 5; i++)
		S[i] = una + i * MSS;
	tt_pattern(d, sizeof(d), 18);
	cr_assert_eq(sth_write(acc, d, sizeof(d)), (ssize_t)sizeof(d));
	yt_drain();
	/* all four lost (and the probe); the RTO resends segment 0, cwnd 1 */
	deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while (tt_stats().tcps_rexmt_timeouts == st0.tcps_rexmt_timeouts &&
	       rte_get_timer_cycles() < deadline) {
		while (tt_take(&s))
			;
		pt_run_ms(5);
	}
	cr_assert_eq(tt_stats().tcps_rexmt_timeouts - st0.tcps_rexmt_timeouts, 1, "the RTO");
	n = tr_take_all(sent, 8);
	cr_assert_eq(n, 1);
	cr_assert_eq(sent[0], S[0]);
	/* 0 arrives: 1 and 2 go; 1 is lost again, 2 arrives and is SACKed */
	tt_send(TH_ACK, 1001, S[1], 65535, NULL, 0, NULL, 0);
	n = tr_take_all(sent, 8);
	cr_assert_eq(n, 2);
	cr_assert_eq(sent[0], S[1]);
	cr_assert_eq(sent[1], S[2]);
	/*
	 * 2's SACK comes a few ms after 2 went: a round trip well above the microseconds the
	 * quick ACKs of the start measured as min_RTT. Sooner, on a slow (sanitized) build, the
	 * sample of a resent segment could fall under min_RTT, which RACK rightly discards as
	 * possibly the original's (RFC 8985 6.2 step 2), and the test would wait for nothing.
	 */
	pt_run_ms(5);
	st1 = tt_stats();
	ts_dupack(S[1], (uint32_t[]){ S[2], S[3] }, 1);
	/* RACK in RTO recovery: 1 went before 2 and is overdue; it goes again now, 2 does not */
	n = tr_take_all(sent, 8);
	cr_assert_geq(n, 1, "the lost resend again, no second RTO");
	cr_assert_eq(sent[0], S[1]);
	for (unsigned i = 1; i < n; i++)
		cr_assert_neq(sent[i], S[2], "2 is SACKed");
	st = tt_stats();
	cr_assert_eq(st.tcps_rack_losses - st1.tcps_rack_losses, 1);
	cr_assert_eq(st.tcps_rexmt_timeouts - st0.tcps_rexmt_timeouts, 1);
	tt_send(TH_ACK, 1001, S[4], 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}

YT_TEST(tcp_sack, a_loss_at_the_recovery_point_right_after_a_recovery_starts_another)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, una, S[13], sent[16];
	uint8_t d[12 * MSS];
	unsigned n;
	struct tcpstat st0, st;

	tt_open();
	ts_slow_rto(2000);
	acc = ts_passive(&lsn, true, false, &iss, &s);
	una = iss + 1;
	ts_open_cwnd(acc, &una, 8);
	st0 = tt_stats();
	for (unsigned i = 0; i < 13; i++)
		S[i] = una + i * MSS;
	tt_pattern(d, sizeof(d), 19);
	cr_assert_eq(sth_write(acc, d, 8 * MSS), (ssize_t)(8 * MSS));
	yt_drain();
	cr_assert_eq(tr_take_all(sent, 16), 8);
	/* 0 lost: recovery (RecoveryPoint = 8); 4 more segments written meanwhile */
	ts_dupack(una, (uint32_t[]){ S[1], S[2] }, 1);
	ts_dupack(una, (uint32_t[]){ S[1], S[3] }, 1);
	ts_dupack(una, (uint32_t[]){ S[1], S[4] }, 1);
	cr_assert(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	cr_assert_eq(sth_write(acc, d + 8 * MSS, 4 * MSS), (ssize_t)(4 * MSS));
	yt_drain();
	ts_dupack(una, (uint32_t[]){ S[1], S[6] }, 1);
	ts_dupack(una, (uint32_t[]){ S[1], S[8] }, 1);
	n = tr_take_all(sent, 16);
	cr_assert_geq(n, 2, "0 again and new data (%u)", n);
	/* the resent 0 arrives: the full ACK, exactly at RecoveryPoint, ends the recovery */
	tt_send(TH_ACK, 1001, S[8], 65535, NULL, 0, NULL, 0);
	cr_assert_not(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	while (tt_take(&s))
		;
	cr_assert_gt(tt_info(acc).tcpi_snd_nxt - S[8], 2 * MSS, "segments 8.. are out");
	/* 8, sent after the last reduction, is lost; three SACKs above it at the same ACK */
	ts_dupack(S[8], (uint32_t[]){ S[9], S[10] }, 1);
	ts_dupack(S[8], (uint32_t[]){ S[9], S[11] }, 1);
	ts_dupack(S[8], (uint32_t[]){ S[9], S[12] }, 1);
	n = tr_take_all(sent, 16);
	cr_assert_geq(n, 1, "8 resent by a new recovery, not left to the RTO");
	cr_assert_eq(sent[0], S[8]);
	st = tt_stats();
	cr_assert_eq(st.tcps_sack_recoveries - st0.tcps_sack_recoveries, 2);
	cr_assert_eq(st.tcps_rexmt_timeouts - st0.tcps_rexmt_timeouts, 0);
	tt_send(TH_ACK, 1001, S[12], 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	(void)pt_discard(tt_s.link.minor);
	ts_done(acc, lsn);
}
