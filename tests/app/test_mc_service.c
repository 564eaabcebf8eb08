/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The memcached service (app/memcache/mc_service.c) through the whole TCP stack, the peer's
 * segments crafted and ours captured (tests/protocols/tcp_test.h): a connection is accepted,
 * a set and a get split across segments are answered in one reply, the counters move, quit
 * releases the connection, and stopping frees every stream and message.
 */
#include <string.h>

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
	cr_assert_eq(yard_mc_start(&conf), 0);
	cr_assert_eq(yard_mc_start(&conf), -EALREADY);
	tt_lport = 11211;
	tt_fport = PEER_PORT;
	tt_send(TH_SYN, 1000, 0, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_SYN | TH_ACK);
	iss = s.seq;
	tt_send(TH_ACK, seq, iss + 1, 65535, NULL, 0, NULL, 0);
	turn();
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
