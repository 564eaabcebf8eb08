/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The memcached service (app/memcache/mc_service.c) through the whole TCP stack, the peer's
 * segments crafted and ours captured (tests/protocols/tcp_test.h): a connection is accepted,
 * a set and a get split across segments are answered in one reply, the counters move, quit
 * releases the connection, and stopping frees every stream and message.
 */
#include <string.h>

#include <rte_cycles.h>

#include <protocols/tcp_hdr.h>

#include "app/memcache/mc_service.h"
#include "sock_test.h"

TestSuite(mc_service, .init = yt_setup, .fini = yt_teardown);

static void
turn(void)
{
	for (int i = 0; i < 4; i++)
		yt_drain();
}

/* Start the service and let a client (the peer, from 1000) connect; returns our ISS. */
static uint32_t
mc_accept(const struct yard_mc_conf *conf)
{
	struct tt_seg s;

	cr_assert_eq(yard_mc_start(conf), 0);
	tt_lport = 11211;
	tt_fport = PEER_PORT;
	tt_send(TH_SYN, 1000, 0, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_SYN | TH_ACK);
	tt_send(TH_ACK, 1001, s.seq + 1, 65535, NULL, 0, NULL, 0);
	turn();
	return s.seq;
}

/* Send a command; take and check its answer; returns the next sequence number to send at. */
static uint32_t
mc_ask(uint32_t seq, uint32_t *ack, const char *cmd, const char *want)
{
	struct tt_seg s;

	tt_send(TH_ACK | TH_PSH, seq, *ack, 65535, NULL, 0, cmd, strlen(cmd));
	turn();
	cr_assert(st_take_flags(&s, TH_ACK | TH_PSH), "an answer to %s", cmd);
	cr_assert_eq(s.dlen, strlen(want), "%.*s", (int)s.dlen, s.data);
	cr_assert_eq(memcmp(s.data, want, s.dlen), 0, "%.*s", (int)s.dlen, s.data);
	*ack += (uint32_t)s.dlen;
	seq += (uint32_t)strlen(cmd);
	tt_send(TH_ACK, seq, *ack, 65535, NULL, 0, NULL, 0); /* nothing to retransmit */
	turn();
	return seq;
}

/*
 * The table's clock moves on with the passes (the hook sets it when the next second has come):
 * an item set to live one second is gone two seconds later.
 */
YT_TEST(mc_service, the_clock_moves_on_so_an_item_expires)
{
	const struct yard_mc_conf conf = { .port = 11211, .memory = 1u << 20,
					   .max_item = 64u << 10, .threads = 1 };
	uint32_t seq = 1001, ack;

	tt_open();
	ack = mc_accept(&conf) + 1;
	seq = mc_ask(seq, &ack, "set t 0 1 2\r\nhi\r\n", "STORED\r\n");
	seq = mc_ask(seq, &ack, "get t\r\n", "VALUE t 0 2\r\nhi\r\nEND\r\n");
	rte_delay_ms(2100);
	turn();
	(void)mc_ask(seq, &ack, "get t\r\n", "END\r\n");
	yard_mc_stop();
	st_done();
}

YT_TEST(mc_service, answers_pipelined_commands_and_closes_on_quit)
{
	static const char part1[] = "set k 3 0 5\r\nhel";
	static const char part2[] = "lo\r\nget k nope\r\n";
	static const char want[] = "STORED\r\nVALUE k 3 5\r\nhello\r\nEND\r\n";
	const struct yard_mc_conf conf = { .port = 11211, .memory = 1u << 20,
					   .max_item = 64u << 10, .threads = 1 };
	struct tt_seg s;
	uint32_t iss, seq = 1001;

	tt_open();
	iss = mc_accept(&conf);
	cr_assert_eq(yard_mc_start(&conf), -EALREADY);
	/* a data block split across two segments */
	tt_send(TH_ACK | TH_PSH, seq, iss + 1, 65535, NULL, 0, part1, strlen(part1));
	seq += strlen(part1);
	turn();
	tt_send(TH_ACK | TH_PSH, seq, iss + 1, 65535, NULL, 0, part2, strlen(part2));
	seq += strlen(part2);
	turn();
	cr_assert(st_take_flags(&s, TH_ACK | TH_PSH), "the answers");
	cr_assert_eq(s.dlen, strlen(want));
	cr_assert_eq(memcmp(s.data, want, s.dlen), 0, "%.*s", (int)s.dlen, s.data);
	/* quit: the service releases the connection (FIN) */
	tt_send(TH_ACK | TH_PSH, seq, iss + 1 + (uint32_t)strlen(want), 65535, NULL, 0,
		"quit\r\n", 6);
	seq += 6;
	turn();
	cr_assert(st_take_flags(&s, TH_FIN), "quit releases the connection");
	tt_send(TH_ACK | TH_FIN, seq, s.seq + 1, 65535, NULL, 0, NULL, 0);
	turn();
	yard_mc_stop();
	yard_mc_stop();  /* idempotent */
	st_done();
}

/*
 * A value larger than MC_OUT_HIWAT's share of an answer batch asked for many times in one
 * segment: the protocol stops at MC_OUT_HIWAT with commands still buffered, and no input will
 * come to announce them, so sending a batch must be followed by executing the next one.
 * (It once stopped after the third batch of three answers until the client closed.)
 */
YT_TEST(mc_service, pipelined_gets_of_a_large_value_are_all_answered)
{
	enum { VLEN = 100000, NGET = 60, SEG = 1400 };
	static char val[VLEN], want[VLEN + 64];
	const struct yard_mc_conf conf = { .port = 11211, .memory = 1u << 20,
					   .max_item = 128u << 10, .threads = 1 };
	char hdr[64], gets[NGET * 7];
	size_t wlen, got = 0, hlen, off;
	struct tt_seg s;
	uint32_t iss, seq = 1001, acked;
	int round;

	for (size_t i = 0; i < VLEN; i++)
		val[i] = (char)('a' + i % 26);
	wlen = (size_t)snprintf(want, sizeof(want), "VALUE g 0 %d\r\n", VLEN);
	memcpy(want + wlen, val, VLEN);
	memcpy(want + wlen + VLEN, "\r\nEND\r\n", 7);
	wlen += VLEN + 7;
	tt_open();
	cr_assert_eq(yard_mc_start(&conf), 0);
	tt_lport = 11211;
	tt_fport = PEER_PORT;
	tt_send(TH_SYN, 1000, 0, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	iss = s.seq;
	acked = iss + 1;
	tt_send(TH_ACK, seq, acked, 65535, NULL, 0, NULL, 0);
	turn();
	/* the set, in segments the service reads as they come */
	hlen = (size_t)snprintf(hdr, sizeof(hdr), "set g 0 0 %d\r\n", VLEN);
	tt_send(TH_ACK | TH_PSH, seq, acked, 65535, NULL, 0, hdr, hlen);
	seq += (uint32_t)hlen;
	for (off = 0; off < VLEN; off += SEG) {
		size_t n = RTE_MIN((size_t)SEG, VLEN - off);

		tt_send(TH_ACK, seq, acked, 65535, NULL, 0, val + off, n);
		seq += (uint32_t)n;
		if ((off / SEG) % 8 == 7)
			turn();
	}
	tt_send(TH_ACK | TH_PSH, seq, acked, 65535, NULL, 0, "\r\n", 2);
	seq += 2;
	turn();
	cr_assert(st_take_flags(&s, TH_ACK | TH_PSH), "STORED");
	cr_assert_eq(s.dlen, 8);
	cr_assert_eq(memcmp(s.data, "STORED\r\n", 8), 0);
	acked += 8;
	/* 60 gets in one segment, then the peer takes and acknowledges what comes, a window
	 * at a time: 6 MB of answers, each batch of them more than MC_OUT_HIWAT */
	for (int i = 0; i < NGET; i++)
		memcpy(gets + i * 7, "get g\r\n", 7);
	tt_send(TH_ACK | TH_PSH, seq, acked, 65535, NULL, 0, gets, sizeof(gets));
	seq += (uint32_t)sizeof(gets);
	for (round = 0; round < 20000 && got < wlen * NGET; round++) {
		turn();
		while (tt_take(&s)) {
			if (s.dlen == 0)
				continue;
			/*
			 * A segment before what was taken is a retransmission: a loaded machine
			 * can hold a turn past the tests' 100 ms RTO. Its bytes must still be
			 * the stream's; a gap is the failure.
			 */
			uint32_t back = acked - s.seq;

			cr_assert((int32_t)back >= 0, "in order at %zu (a gap)", got);
			cr_assert_leq(back, got, "before the stream at %zu", got);
			for (size_t i = 0; i < s.dlen; i++)
				cr_assert_eq(s.data[i], want[(got - back + i) % wlen], "byte %zu",
					     got - back + i);
			if (s.dlen <= back)
				continue;
			got += s.dlen - back;
			acked += (uint32_t)(s.dlen - back);
		}
		tt_send(TH_ACK, seq, acked, 65535, NULL, 0, NULL, 0);
	}
	cr_assert_eq(got, wlen * NGET, "%zu of %zu bytes (%zu whole answers) after %d rounds",
		     got, wlen * NGET, got / wlen, round);
	yard_mc_stop();
	turn();
	st_done();
}
