/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP clients (protocols/tcp_clients.h) through the whole stack: loop (LOOP_CAPTURE) +
 * arp + ip + tcp, the server's segments crafted (198.18.0.1) and the client's taken from the
 * capture (tcp_test.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_cycles.h>

#include <protocols/tcp.h>
#include <protocols/tcp_clients.h>
#include <protocols/tcp_hdr.h>
#include <protocols/tcp_services.h>

#include "tcp_test.h"

TestSuite(tcp_clients, .init = yt_setup, .fini = yt_teardown);

#define SRV_ISS 7000

static struct yard_tcp_client_conf
tc_conf(const char *name, enum yard_tcp_client_kind kind, uint64_t bytes)
{
	struct yard_tcp_client_conf c = {
		.kind = kind, .addr = PT_ADDR_PEER, .port = PEER_PORT, .bytes = bytes,
		.conns = 1, .size = 10,
	};

	snprintf(c.name, sizeof(c.name), "%s", name);
	return c;
}

static struct yard_tcp_client_stats
tc_stats(const char *name)
{
	struct yard_tcp_client_stats st;

	cr_assert_eq(yard_tcp_client_stats(name, &st), 0);
	return st;
}

/* Answer the client's SYN; returns its ISS. */
static uint32_t
tc_accept_syn(void)
{
	struct tt_seg s;

	yt_drain();
	cr_assert(tt_take(&s), "the client's SYN");
	cr_assert_eq(s.flags, TH_SYN);
	cr_assert_eq(s.dport, PEER_PORT);
	tt_lport = s.sport;
	tt_send(TH_SYN | TH_ACK, SRV_ISS, s.seq + 1, 65535, NULL, 0, NULL, 0);
	return s.seq;
}

/*
 * The data the client sends until nothing is left, placed by sequence number into buf (offset
 * 0 = the client's ISS + 1), so that a retransmission on a slow machine changes nothing; *hi is
 * the end of what was received so far. Returns how far *hi moved; *fin if a FIN went.
 */
static size_t
tc_collect_at(uint8_t *buf, size_t max, uint32_t iss, size_t *hi, bool *fin)
{
	size_t before = *hi;
	struct tt_seg s;

	*fin = false;
	yt_drain();
	while (tt_take(&s)) {
		size_t off = (size_t)(uint32_t)(s.seq - iss - 1);

		*fin |= (s.flags & TH_FIN) != 0;
		if (s.dlen == 0)
			continue;
		cr_assert_leq(off + s.dlen, max);
		memcpy(buf + off, s.data, s.dlen);
		if (off + s.dlen > *hi)
			*hi = off + s.dlen;
	}
	return *hi - before;
}

static bool
tc_is_pattern(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 'a' + i % 26)
			return false;
	return true;
}

static void
tc_done(void)
{
	yard_tcp_clients_stop_all();
	tt_close();
	tt_lport = OUR_PORT;
	pt_assert_clean();
}

YT_TEST(tcp_clients, refuses_a_bad_conf_and_a_name_in_use)
{
	struct yard_tcp_client_conf c = tc_conf("a", YARD_TCP_CLIENT_SOURCE, 10);

	tt_open();
	c.duration_ms = 5;
	cr_expect_eq(yard_tcp_client_start(&c), -EINVAL, "bytes and duration");
	c = tc_conf("a", YARD_TCP_CLIENT_SOURCE, 0);
	cr_expect_eq(yard_tcp_client_start(&c), -EINVAL, "neither bytes nor duration");
	c = tc_conf("a", YARD_TCP_CLIENT_RR, 10);
	c.size = 0;
	cr_expect_eq(yard_tcp_client_start(&c), -EINVAL, "rr without size");
	c.kind = YARD_TCP_CLIENT_CRR;
	cr_expect_eq(yard_tcp_client_start(&c), -EINVAL, "crr without size");
	c = tc_conf("a", YARD_TCP_CLIENT_SINK, 10);
	c.conns = YARD_TCP_CLIENT_CONNS_MAX + 1;
	cr_expect_eq(yard_tcp_client_start(&c), -EINVAL, "too many conns");
	c = tc_conf("", YARD_TCP_CLIENT_SINK, 10);
	cr_expect_eq(yard_tcp_client_start(&c), -EINVAL, "no name");
	c = tc_conf("a", YARD_TCP_CLIENT_SINK, 10);
	c.delay_ms = 60000; /* it must not connect during the test */
	cr_assert_eq(yard_tcp_client_start(&c), 0);
	cr_expect_eq(yard_tcp_client_start(&c), -EEXIST);
	cr_expect_eq(tc_stats("a").active, 1, "the endpoint is open, waiting for its start");
	cr_expect_eq(tc_stats("a").connects, 0);
	cr_expect_eq(yard_tcp_client_stats("b", &(struct yard_tcp_client_stats){ 0 }), -ENOENT);
	tc_done();
}

YT_TEST(tcp_clients, source_sends_the_pattern_releases_and_ends_at_the_peers_release)
{
	struct yard_tcp_client_conf c = tc_conf("src", YARD_TCP_CLIENT_SOURCE, 100);
	struct yard_tcp_client_stats st;
	uint8_t buf[256];
	uint32_t iss;
	size_t hi = 0;
	bool fin;

	tt_open();
	cr_assert_eq(yard_tcp_client_start(&c), 0);
	iss = tc_accept_syn();
	cr_assert_eq(tc_collect_at(buf, sizeof(buf), iss, &hi, &fin), 100);
	cr_assert(tc_is_pattern(buf, 100), "byte i is 'a' + i %% 26");
	cr_assert(fin, "t_sndrel after the last byte");
	st = tc_stats("src");
	cr_expect_eq(st.connects, 1);
	cr_expect_eq(st.connected, 1);
	cr_expect_eq(st.tx_bytes, 100);
	cr_expect_eq(st.done, 0, "waiting for the peer's release");
	tt_send(TH_ACK | TH_FIN, SRV_ISS + 1, iss + 102, 65535, NULL, 0, NULL, 0);
	yt_drain();
	st = tc_stats("src");
	cr_expect_eq(st.released, 1);
	cr_expect_eq(st.active, 0, "the endpoint is closed");
	cr_expect_eq(st.done, 1);
	cr_expect_eq(st.discons + st.connect_failures, 0);
	tc_done();
}

YT_TEST(tcp_clients, counts_a_refusal_and_is_done)
{
	struct yard_tcp_client_conf c = tc_conf("ref", YARD_TCP_CLIENT_SOURCE, 100);
	struct yard_tcp_client_stats st;
	struct tt_seg s;

	tt_open();
	cr_assert_eq(yard_tcp_client_start(&c), 0);
	yt_drain();
	cr_assert(tt_take(&s));
	tt_lport = s.sport;
	tt_send(TH_RST | TH_ACK, 0, s.seq + 1, 0, NULL, 0, NULL, 0);
	yt_drain();
	st = tc_stats("ref");
	cr_expect_eq(st.connect_failures, 1);
	cr_expect_eq(st.refused, 1, "RST,ACK to the SYN: ECONNREFUSED");
	cr_expect_eq(st.connected, 0);
	cr_expect_eq(st.done, 1);
	cr_expect_eq(st.active, 0);
	tc_done();
}

YT_TEST(tcp_clients, rr_sends_one_request_at_a_time_and_checks_each_response)
{
	struct yard_tcp_client_conf c = tc_conf("rr", YARD_TCP_CLIENT_RR, 20); /* 2 x 10 B */
	struct yard_tcp_client_stats st;
	uint8_t buf[64];
	uint32_t iss, seq = SRV_ISS + 1;
	size_t hi = 0;
	bool fin;

	tt_open();
	cr_assert_eq(yard_tcp_client_start(&c), 0);
	iss = tc_accept_syn();
	cr_assert_eq(tc_collect_at(buf, sizeof(buf), iss, &hi, &fin), 10,
		     "one request, nothing more");
	cr_assert(tc_is_pattern(buf, 10));
	/* the response in two segments: the transaction counts when it is whole */
	tt_send(TH_ACK, seq, iss + 11, 65535, NULL, 0, "abcd", 4);
	seq += 4;
	cr_assert_eq(tc_collect_at(buf, sizeof(buf), iss, &hi, &fin), 0,
		     "no request before the response");
	cr_expect_eq(tc_stats("rr").transactions, 0);
	tt_send(TH_ACK | TH_PSH, seq, iss + 11, 65535, NULL, 0, "efghij", 6);
	seq += 6;
	cr_assert_eq(tc_collect_at(buf, sizeof(buf), iss, &hi, &fin), 10, "the second request");
	cr_assert(tc_is_pattern(buf + 10, 10), "each request is the pattern from 'a'");
	cr_assert_not(fin);
	cr_expect_eq(tc_stats("rr").transactions, 1);
	/* a wrong response still ends the transaction, and is counted */
	tt_send(TH_ACK | TH_PSH, seq, iss + 21, 65535, NULL, 0, "abcdeXghij", 10);
	seq += 10;
	cr_assert_eq(tc_collect_at(buf, sizeof(buf), iss, &hi, &fin), 0);
	cr_assert(fin, "bytes reached: the client releases");
	st = tc_stats("rr");
	cr_expect_eq(st.transactions, 2);
	cr_expect_eq(st.rr_mismatch, 1);
	cr_expect_eq(st.tx_bytes, 20);
	cr_expect_eq(st.rx_bytes, 20);
	tt_send(TH_ACK | TH_FIN, seq, iss + 22, 65535, NULL, 0, NULL, 0);
	yt_drain();
	cr_expect_eq(tc_stats("rr").done, 1);
	cr_expect_eq(tc_stats("rr").released, 1);
	tc_done();
}

/*
 * One crr connection: the SYN answered, the request taken, the response sent (resp, 10
 * bytes); the client releases first, and the server's FIN ends it. Returns the client's port.
 */
static uint16_t
tc_crr_one(const char *resp)
{
	struct tt_seg s;
	uint8_t buf[64];
	uint32_t iss;
	size_t hi = 0;
	bool fin;

	iss = tc_accept_syn();
	cr_assert_eq(tc_collect_at(buf, sizeof(buf), iss, &hi, &fin), 10, "the request");
	cr_assert(tc_is_pattern(buf, 10));
	cr_assert_not(fin, "no release before the response");
	tt_send(TH_ACK | TH_PSH, SRV_ISS + 1, iss + 11, 65535, NULL, 0, resp, 10);
	cr_assert_eq(tc_collect_at(buf, sizeof(buf), iss, &hi, &fin), 0);
	cr_assert(fin, "one transaction, then the client releases");
	tt_send(TH_ACK | TH_FIN, SRV_ISS + 11, iss + 12, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s), "the FIN acknowledged");
	cr_assert_eq(s.flags, TH_ACK);
	cr_assert_eq(s.ack, SRV_ISS + 12);
	return tt_lport;
}

YT_TEST(tcp_clients, crr_makes_each_transaction_on_a_connection_of_its_own)
{
	struct yard_tcp_client_conf c = tc_conf("crr", YARD_TCP_CLIENT_CRR, 30); /* 3 x 10 B */
	struct yard_tcp_client_stats st;
	uint16_t port[3];

	tt_open();
	cr_assert_eq(yard_tcp_client_start(&c), 0);
	port[0] = tc_crr_one("abcdefghij");
	cr_expect_eq(tc_stats("crr").released, 1);
	cr_expect_eq(tc_stats("crr").done, 0);
	port[1] = tc_crr_one("abcdeXghij");
	port[2] = tc_crr_one("abcdefghij");
	cr_expect(port[0] != port[1] && port[1] != port[2] && port[0] != port[2],
		  "ports %u %u %u: each from a new endpoint", port[0], port[1], port[2]);
	yt_drain();
	st = tc_stats("crr");
	cr_expect_eq(st.connects, 3);
	cr_expect_eq(st.connected, 3);
	cr_expect_eq(st.released, 3);
	cr_expect_eq(st.transactions, 3);
	cr_expect_eq(st.rr_mismatch, 1);
	cr_expect_eq(st.tx_bytes, 30);
	cr_expect_eq(st.done, 1, "bytes / size connections made");
	cr_expect_eq(st.active, 0);
	cr_expect_eq(tt_stats().tcps_active_opens, 3);
	pt_run_ms(200); /* their TIME-WAITs end */
	tc_done();
}

YT_TEST(tcp_clients, a_crr_run_ends_at_a_refused_connection)
{
	struct yard_tcp_client_conf c = tc_conf("crr", YARD_TCP_CLIENT_CRR, 100);
	struct yard_tcp_client_stats st;
	struct tt_seg s;

	tt_open();
	cr_assert_eq(yard_tcp_client_start(&c), 0);
	(void)tc_crr_one("abcdefghij");
	yt_drain();
	cr_assert(tt_take(&s), "the next SYN");
	cr_assert_eq(s.flags, TH_SYN);
	tt_lport = s.sport;
	tt_send(TH_RST | TH_ACK, 0, s.seq + 1, 0, NULL, 0, NULL, 0);
	yt_drain();
	st = tc_stats("crr");
	cr_expect_eq(st.released, 1);
	cr_expect_eq(st.connect_failures, 1);
	cr_expect_eq(st.refused, 1);
	cr_expect_eq(st.done, 1, "not retried: the run is over");
	cr_expect_eq(st.active, 0);
	cr_assert_not(tt_take(&s), "no more SYNs");
	pt_run_ms(200);
	tc_done();
}

/*
 * One ephemeral port, its 4-tuple in TIME-WAIT after the first connection (no timestamps:
 * not recyclable): the next t_connect meets TADDRBUSY, and the client waits (port_waits)
 * and connects when TIME-WAIT is over (2 MSL: 100 ms here), from the same port.
 */
YT_TEST(tcp_clients, a_client_waits_for_a_4_tuple_in_time_wait_to_come_free)
{
	struct yard_tcp_client_conf c = tc_conf("crr", YARD_TCP_CLIENT_CRR, 20);
	struct tcp_param p = { .tp_port_lo = 50000, .tp_port_hi = 50000 };
	struct yard_tcp_client_stats st;
	uint64_t deadline;
	struct tt_seg s;

	tt_open();
	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &p, sizeof(p)), 0);
	cr_assert_eq(yard_tcp_client_start(&c), 0);
	cr_assert_eq(tc_crr_one("abcdefghij"), 50000);
	yt_drain();
	cr_assert_not(tt_take(&s), "no SYN while the 4-tuple is in TIME-WAIT");
	st = tc_stats("crr");
	cr_expect_geq(st.port_waits, 1);
	cr_expect_eq(st.connects, 1);
	cr_expect_eq(st.open_failures + st.connect_failures, 0);
	cr_expect_eq(st.done, 0);
	deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while (tt_stats().tcps_timewait_expired == 0 && rte_get_timer_cycles() < deadline)
		pt_run_ms(10);
	cr_assert_eq(tt_stats().tcps_timewait_expired, 1);
	pt_run_ms(5); /* the next try, a millisecond on */
	cr_assert_eq(tc_crr_one("abcdefghij"), 50000, "the same port, TIME-WAIT over");
	yt_drain();
	st = tc_stats("crr");
	cr_expect_eq(st.released, 2);
	cr_expect_eq(st.connects, 2);
	cr_expect_eq(st.done, 1);
	cr_expect_eq(tt_stats().tcps_connect_addrbusy, st.port_waits);
	pt_run_ms(200);
	tc_done();
}

YT_TEST(tcp_clients, sink_reads_until_the_peer_releases_then_releases)
{
	struct yard_tcp_client_conf c = tc_conf("sink", YARD_TCP_CLIENT_SINK, 0);
	struct yard_tcp_client_stats st;
	uint8_t buf[64];
	uint32_t iss;
	size_t hi = 0;
	bool fin;

	c.duration_ms = 60000;
	tt_open();
	cr_assert_eq(yard_tcp_client_start(&c), 0);
	iss = tc_accept_syn();
	(void)tc_collect_at(buf, sizeof(buf), iss, &hi, &fin);
	tt_send(TH_ACK | TH_PSH, SRV_ISS + 1, iss + 1, 65535, NULL, 0, "0123456789", 10);
	tt_send(TH_ACK | TH_FIN, SRV_ISS + 11, iss + 1, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tc_collect_at(buf, sizeof(buf), iss, &hi, &fin), 0);
	cr_assert(fin, "the sink released after the peer");
	st = tc_stats("sink");
	cr_expect_eq(st.rx_bytes, 10);
	cr_expect_eq(st.tx_bytes, 0);
	cr_expect_eq(st.released, 1);
	cr_expect_eq(st.done, 1);
	tc_done();
}

YT_TEST(tcp_clients, sink_disconnects_at_its_deadline)
{
	struct yard_tcp_client_conf c = tc_conf("sink", YARD_TCP_CLIENT_SINK, 0);
	struct yard_tcp_client_stats st;
	struct tt_seg s;
	uint32_t iss;
	bool rst = false;

	c.duration_ms = 20;
	tt_open();
	cr_assert_eq(yard_tcp_client_start(&c), 0);
	iss = tc_accept_syn();
	tt_send(TH_ACK | TH_PSH, SRV_ISS + 1, iss + 1, 65535, NULL, 0, "0123456789", 10);
	rte_delay_ms(30);
	yt_drain();
	while (tt_take(&s))
		rst |= (s.flags & TH_RST) != 0;
	cr_assert(rst, "the sink aborted: RST");
	st = tc_stats("sink");
	cr_expect_eq(st.aborted, 1);
	cr_expect_eq(st.rx_bytes, 10);
	cr_expect_eq(st.done, 1);
	cr_expect_geq(st.elapsed_us, 20000);
	tc_done();
}

YT_TEST(tcp_clients, source_with_a_duration_stops_sending_and_releases_at_the_deadline)
{
	struct yard_tcp_client_conf c = tc_conf("src", YARD_TCP_CLIENT_SOURCE, 0);
	struct yard_tcp_client_stats st;
	static uint8_t buf[1 << 20];
	uint32_t iss;
	size_t n = 0;
	bool fin, any_fin = false;

	c.duration_ms = 20;
	tt_open();
	cr_assert_eq(yard_tcp_client_start(&c), 0);
	iss = tc_accept_syn();
	/* no ACK from us: the congestion window holds the rest back */
	cr_assert_gt(tc_collect_at(buf, sizeof(buf), iss, &n, &fin), 0);
	cr_assert_not(fin);
	cr_assert(tc_is_pattern(buf, n));
	rte_delay_ms(30);
	yt_drain();
	/* ACK everything: what the send buffer holds goes, then the FIN */
	for (int i = 0; i < 1000 && !any_fin; i++) {
		tt_send(TH_ACK, SRV_ISS + 1, iss + 1 + (uint32_t)n, 65535, NULL, 0, NULL, 0);
		(void)tc_collect_at(buf, sizeof(buf), iss, &n, &fin);
		any_fin |= fin;
	}
	fin = any_fin;
	cr_assert(tc_is_pattern(buf, n));
	cr_assert(fin, "released at the deadline");
	st = tc_stats("src");
	cr_expect_lt(st.tx_bytes, 4u << 20, "it stopped");
	cr_expect_eq(st.tx_bytes, n, "all that was taken went out");
	tt_send(TH_ACK | TH_FIN, SRV_ISS + 1, iss + 2 + (uint32_t)n, 65535, NULL, 0, NULL, 0);
	yt_drain();
	cr_expect_eq(tc_stats("src").done, 1);
	cr_expect_eq(tc_stats("src").released, 1);
	tc_done();
}

YT_TEST(tcp_clients, gives_up_a_connection_not_established_at_the_deadline)
{
	struct yard_tcp_client_conf c = tc_conf("late", YARD_TCP_CLIENT_RR, 0);
	struct yard_tcp_client_stats st;
	struct tt_seg s;

	c.duration_ms = 20;
	tt_open();
	cr_assert_eq(yard_tcp_client_start(&c), 0);
	yt_drain();
	cr_assert(tt_take(&s), "the SYN, left unanswered");
	tt_lport = s.sport;
	rte_delay_ms(30);
	yt_drain();
	/* aborted in SYN-SENT: the TCB goes, no RST (RFC 9293 3.10.5); the endpoint is closed */
	while (tt_take(&s))
		cr_expect_not(s.flags & TH_RST);
	st = tc_stats("late");
	cr_expect_eq(st.active, 0);
	cr_expect_eq(st.connect_failures, 1);
	cr_expect_eq(st.connected, 0);
	cr_expect_eq(st.done, 1);
	tc_done();
}

/* The lcore keeps its clients' earliest start: one started later with a sooner one lowers it. */
YT_TEST(tcp_clients, a_delayed_client_connects_after_its_delay_though_another_waits_a_minute)
{
	struct yard_tcp_client_conf lazy = tc_conf("lazy", YARD_TCP_CLIENT_SINK, 10);
	struct yard_tcp_client_conf soon = tc_conf("soon", YARD_TCP_CLIENT_SINK, 10);
	uint64_t t0, delay = 20 * rte_get_timer_hz() / 1000;
	struct tt_seg s;
	bool syn;

	lazy.delay_ms = 60000;
	soon.delay_ms = 20;
	tt_open();
	cr_assert_eq(yard_tcp_client_start(&lazy), 0);
	yt_drain(); /* the lcore now waits for a minute */
	t0 = rte_get_timer_cycles();
	cr_assert_eq(yard_tcp_client_start(&soon), 0);
	yt_drain();
	syn = tt_take(&s) && s.flags == TH_SYN;
	/* judged only if this ran before the delay was over: a loaded machine may be later */
	if (rte_get_timer_cycles() - t0 < delay)
		cr_expect_not(syn, "no SYN before the delay is over");
	cr_expect_eq(tc_stats("soon").connects, syn ? 1 : 0);
	rte_delay_ms(30);
	yt_drain();
	syn |= tt_take(&s) && s.flags == TH_SYN;
	cr_expect(syn, "the SYN after it");
	cr_expect_eq(tc_stats("soon").connects, 1);
	cr_expect_eq(tc_stats("lazy").connects, 0, "the other still waits");
	tc_done();
}

/*
 * An rr client of this host's own TCP echo (ip's loop-back: nothing goes down the link) runs
 * its transactions and, at its deadline, finishes the one in flight and releases: the
 * loop-back keeps the lcore busy without ever starving its poll hooks.
 */
YT_TEST(tcp_clients, an_rr_client_of_our_own_echo_stops_at_its_deadline)
{
	struct yard_tcp_client_conf c = tc_conf("self", YARD_TCP_CLIENT_RR, 0);
	struct yard_tcp_client_stats st;
	struct tt_seg s;

	tt_open();
	cr_assert_eq(yard_tcp_echo_start(7), 0);
	c.addr = PT_ADDR_US;
	c.port = 7;
	c.bytes = 0;
	c.duration_ms = 50;
	c.conns = 2;
	cr_assert_eq(yard_tcp_client_start(&c), 0);
	for (int i = 0; i < 300 && !tc_stats("self").done; i++)
		pt_run_ms(10);
	st = tc_stats("self");
	cr_assert(st.done, "done after its 50 ms: %" PRIu64 " transactions", st.transactions);
	cr_assert_eq(st.connected, 2);
	cr_assert_eq(st.released, 2);
	cr_assert_gt(st.transactions, 10);
	cr_assert_eq(st.rr_mismatch, 0);
	cr_assert_not(tt_take(&s), "nothing went down the link");
	yard_tcp_services_stop_all();
	tc_done();
}
