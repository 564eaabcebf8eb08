/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The UDP clients (protocols/udp_clients.h) through the whole stack: loop (LOOP_CAPTURE) +
 * arp + ip + udp (udp_test.c). The server (198.18.0.1:7) is the test: it takes the client's
 * datagrams from the capture and crafts the replies.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_telemetry.h>

#include <protocols/icmp_hdr.h>
#include <protocols/udp_clients.h>

#include "udp_test.h"

TestSuite(udp_clients, .init = yt_setup, .fini = yt_teardown);

#define SRV_PORT 7

static struct yard_udp_client_conf
uc_conf(const char *name, enum yard_udp_client_kind kind, uint64_t bytes, uint32_t size)
{
	struct yard_udp_client_conf c = {
		.kind = kind, .addr = PT_ADDR_PEER, .port = SRV_PORT, .bytes = bytes,
		.conns = 1, .size = size,
	};

	snprintf(c.name, sizeof(c.name), "%s", name);
	return c;
}

static struct yard_udp_client_stats
uc_stats(const char *name)
{
	struct yard_udp_client_stats st;

	cr_assert_eq(yard_udp_client_stats(name, &st), 0);
	return st;
}

static unsigned
rd16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

/* A datagram the client sent (to the server), taken from the capture. */
struct uc_dgram {
	uint16_t sport;      /* the client endpoint's port */
	uint32_t id, seq;    /* udp_rr's header */
	size_t len;
	uint8_t data[2048];
	uint8_t frame[UT_FRAME_MAX];
	size_t flen;
};

/* The next datagram the client sent; false if there is none. Checks its frame. */
static bool
uc_take(int minor, struct uc_dgram *d)
{
	const uint8_t *ip, *uh;
	uint32_t src, dst;
	unsigned hlen;

	d->flen = pt_take(minor, d->frame, sizeof(d->frame));
	if (d->flen == 0)
		return false;
	ip = d->frame + 14;
	hlen = (ip[0] & 0xf) * 4u;
	cr_assert_eq(ip[9], IPPROTO_UDP);
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	cr_assert_eq(src, PT_ADDR_US);
	cr_assert_eq(dst, PT_ADDR_PEER);
	uh = ip + hlen;
	cr_assert_eq(rd16(uh + 2), SRV_PORT);
	cr_assert_eq(ut_udp_cksum(src, dst, uh, rd16(uh + 4)), 0, "UDP checksum verifies");
	d->sport = (uint16_t)rd16(uh);
	d->len = rd16(uh + 4) - 8u;
	cr_assert_leq(d->len, sizeof(d->data));
	memcpy(d->data, uh + 8, d->len);
	d->id = d->len >= 8 ? rte_be_to_cpu_32(*(const unaligned_uint32_t *)d->data) : 0;
	d->seq = d->len >= 8 ? rte_be_to_cpu_32(*(const unaligned_uint32_t *)(d->data + 4)) : 0;
	return true;
}

/* Byte i of every datagram from offset 8 (udp_rr) or 0 (udp_source) is 'a' + i % 26. */
static bool
uc_is_pattern(const uint8_t *p, size_t from, size_t n)
{
	for (size_t i = from; i < n; i++)
		if (p[i] != 'a' + i % 26)
			return false;
	return true;
}

/* The server answers the client's endpoint at port with data (from port sport). */
static void
uc_reply_from(int minor, uint16_t sport, uint16_t port, const uint8_t *data, size_t len)
{
	uint8_t f[UT_FRAME_MAX];
	size_t n = ut_frame(f, sport, port, data, len);

	pt_inject(minor, f, n);
}

/* The echo: d back to its endpoint. */
static void
uc_echo(int minor, const struct uc_dgram *d)
{
	uc_reply_from(minor, SRV_PORT, d->sport, d->data, d->len);
}

static void
uc_done(struct ut_stack *s)
{
	yard_udp_clients_stop_all();
	ut_stack_close(s);
	pt_assert_clean();
}

/* What reached the link while a source ran to its end. */
struct uc_tally {
	unsigned frames;
	size_t bytes;
	bool patterns; /* every datagram the pattern */
};

/* Run the loop until client name is done, taking every datagram it sends on the way. */
static struct uc_tally
uc_run_to_done(int minor, const char *name)
{
	static struct uc_dgram d;
	struct uc_tally t = { .patterns = true };

	for (int i = 0; i < 100; i++) {
		bool done = uc_stats(name).done; /* then one pass more takes the rest */

		yt_drain();
		while (uc_take(minor, &d)) {
			t.frames++;
			t.bytes += d.len;
			t.patterns &= uc_is_pattern(d.data, 0, d.len);
		}
		if (done)
			break;
	}
	return t;
}

YT_TEST(udp_clients, refuses_a_bad_conf_and_a_name_in_use)
{
	struct yard_udp_client_conf c = uc_conf("a", YARD_UDP_CLIENT_RR, 10, 16);
	struct yard_udp_client_stats st;
	struct ut_stack s;
	struct rte_tel_data *t;

	ut_stack_open(&s, 0, 1500);
	c.duration_ms = 5;
	cr_expect_eq(yard_udp_client_start(&c), -EINVAL, "bytes and duration");
	c = uc_conf("a", YARD_UDP_CLIENT_RR, 0, 16);
	cr_expect_eq(yard_udp_client_start(&c), -EINVAL, "neither bytes nor duration");
	c = uc_conf("a", YARD_UDP_CLIENT_RR, 10, 7);
	cr_expect_eq(yard_udp_client_start(&c), -EINVAL, "udp_rr below its header");
	c = uc_conf("a", YARD_UDP_CLIENT_SOURCE, 10, YARD_UDP_CLIENT_SIZE_MAX + 1);
	cr_expect_eq(yard_udp_client_start(&c), -EINVAL, "beyond udp's TSDU");
	c = uc_conf("a", YARD_UDP_CLIENT_SOURCE, 10, 0);
	cr_expect_eq(yard_udp_client_start(&c), -EINVAL, "no size");
	c = uc_conf("a", YARD_UDP_CLIENT_SOURCE, 10, 1);
	c.conns = YARD_UDP_CLIENT_CONNS_MAX + 1;
	cr_expect_eq(yard_udp_client_start(&c), -EINVAL, "too many conns");
	c = uc_conf("a", YARD_UDP_CLIENT_SOURCE, 10, 1);
	c.port = 0;
	cr_expect_eq(yard_udp_client_start(&c), -EINVAL, "no port");
	c = uc_conf("", YARD_UDP_CLIENT_SOURCE, 10, 1);
	cr_expect_eq(yard_udp_client_start(&c), -EINVAL, "no name");
	c = uc_conf("a", YARD_UDP_CLIENT_SOURCE, 10, YARD_UDP_CLIENT_SIZE_MAX);
	c.conns = 3;
	c.delay_ms = 60000; /* it must not send during the test */
	cr_assert_eq(yard_udp_client_start(&c), 0, "a 65,507-byte source");
	cr_expect_eq(yard_udp_client_start(&c), -EEXIST);
	st = uc_stats("a");
	cr_expect_eq(st.active, 3, "the endpoints are open, waiting for the start");
	cr_expect_eq(st.sent, 0);
	cr_expect_eq(yard_udp_client_stats("b", &st), -ENOENT);
	t = rte_tel_data_alloc();
	cr_assert_eq(yard_udp_client_tel_cmd("/yard/udp_clients", "a", t), 0);
	rte_tel_data_free(t);
	t = rte_tel_data_alloc();
	cr_assert_eq(yard_udp_client_tel_cmd("/yard/udp_clients", "b", t), -EINVAL);
	rte_tel_data_free(t);
	/* (the whole dict nests containers, which only the telemetry socket frees) */
	cr_expect_str_eq(yard_udp_client_kind_name(YARD_UDP_CLIENT_SOURCE), "udp_source");
	cr_expect_str_eq(yard_udp_client_kind_name(YARD_UDP_CLIENT_RR), "udp_rr");
	uc_done(&s);
}

YT_TEST(udp_clients, rr_keeps_one_request_in_flight_per_endpoint_and_checks_each_reply)
{
	struct yard_udp_client_conf c = uc_conf("rr", YARD_UDP_CLIENT_RR, 3 * 40, 40);
	struct yard_udp_client_stats st;
	static struct uc_dgram d[3];
	uint32_t seqs[2] = { 0, 0 };
	uint16_t ports[2] = { 0, 0 };
	struct ut_stack s;

	ut_stack_open(&s, 0, 1500);
	c.conns = 2;
	cr_assert_eq(yard_udp_client_start(&c), 0);
	/* Each pass answers what is out; each answer lets that endpoint send its next. */
	for (int pass = 0; pass < 10 && !uc_stats("rr").done; pass++) {
		unsigned n = 0;

		yt_drain();
		while (n < 3 && uc_take(s.pt.link.minor, &d[n]))
			n++;
		cr_assert_gt(n, 0, "pass %d: a request is out", pass);
		cr_assert_leq(n, 2, "one request in flight per endpoint");
		for (unsigned i = 0; i < n; i++) {
			uint32_t id = d[i].id;

			cr_assert_lt(id, 2, "the endpoint's index");
			if (ports[id] == 0)
				ports[id] = d[i].sport;
			cr_assert_eq(d[i].sport, ports[id], "an endpoint keeps its port");
			cr_assert_eq(d[i].seq, seqs[id] + 1, "the sequence number counts the rounds");
			seqs[id] = d[i].seq;
			cr_assert_eq(d[i].len, 40);
			cr_assert(uc_is_pattern(d[i].data, 8, d[i].len), "the pattern after the header");
		}
		for (unsigned i = 0; i < n; i++)
			uc_echo(s.pt.link.minor, &d[i]);
	}
	cr_expect_neq(ports[0], ports[1], "an ephemeral port each");
	cr_expect_geq(ports[0], 49152, "ephemeral");
	cr_expect_eq(seqs[0], 3, "three rounds cover the bytes");
	cr_expect_eq(seqs[1], 3);
	st = uc_stats("rr");
	cr_expect_eq(st.sent, 6, "3 rounds x 2 endpoints");
	cr_expect_eq(st.received, 6);
	cr_expect_eq(st.tx_bytes, 240);
	cr_expect_eq(st.rx_bytes, 240);
	cr_expect_eq(st.lost + st.bad + st.late + st.errors + st.tflow, 0);
	cr_expect_leq(st.rtt_min_us, st.rtt_max_us);
	cr_expect_geq(st.rtt_sum_ns / 1000, st.rtt_min_us * 6);
	cr_expect_eq(st.active, 0, "every endpoint closed");
	cr_expect_eq(st.done, 1);
	cr_assert_not(uc_take(s.pt.link.minor, &d[0]), "nothing after the last round");
	uc_done(&s);
}

YT_TEST(udp_clients, rr_counts_a_reply_that_differs_as_bad)
{
	struct yard_udp_client_conf c = uc_conf("rr", YARD_UDP_CLIENT_RR, 3 * 32, 32);
	struct yard_udp_client_stats st;
	static struct uc_dgram d, d2, d3, next;
	struct ut_stack s;
	uint8_t wrong[64];

	ut_stack_open(&s, 0, 1500);
	cr_assert_eq(yard_udp_client_start(&c), 0);
	yt_drain();
	cr_assert(uc_take(s.pt.link.minor, &d));
	cr_assert_eq(d.seq, 1);
	/* the reply of the request in flight, one byte changed: bad, and the round is over */
	memcpy(wrong, d.data, d.len);
	wrong[20] ^= 0x20;
	uc_reply_from(s.pt.link.minor, SRV_PORT, d.sport, wrong, d.len);
	st = uc_stats("rr");
	cr_expect_eq(st.bad, 1);
	cr_expect_eq(st.received, 0);
	cr_assert(uc_take(s.pt.link.minor, &d2), "the next request went");
	cr_assert_eq(d2.seq, 2);
	/* from another port, with another endpoint's index: not ours, the round goes on */
	uc_reply_from(s.pt.link.minor, SRV_PORT + 1, d2.sport, d2.data, d2.len);
	memcpy(wrong, d2.data, d2.len);
	wrong[3] ^= 1;
	uc_reply_from(s.pt.link.minor, SRV_PORT, d2.sport, wrong, d2.len);
	st = uc_stats("rr");
	cr_expect_eq(st.bad, 3);
	cr_assert_not(uc_take(s.pt.link.minor, &next), "request 2 is still in flight");
	/* the true reply, then the first request's, intact but late */
	uc_echo(s.pt.link.minor, &d2);
	uc_echo(s.pt.link.minor, &d);
	st = uc_stats("rr");
	cr_expect_eq(st.received, 1);
	cr_expect_eq(st.late, 1, "an earlier request's reply");
	cr_expect_eq(st.bad, 3);
	cr_assert(uc_take(s.pt.link.minor, &d3));
	cr_assert_eq(d3.seq, 3);
	/* one byte short: the reply to the request in flight, damaged */
	uc_reply_from(s.pt.link.minor, SRV_PORT, d3.sport, d3.data, d3.len - 1);
	st = uc_stats("rr");
	cr_expect_eq(st.bad, 4);
	cr_expect_eq(st.sent, 3);
	cr_expect_eq(st.received, 1);
	cr_expect_eq(st.lost, 0);
	cr_expect_eq(st.done, 1, "three rounds, however they ended, cover the bytes");
	uc_done(&s);
}

YT_TEST(udp_clients, rr_counts_a_reply_that_does_not_come_as_lost_and_sends_the_next)
{
	struct yard_udp_client_conf c = uc_conf("rr", YARD_UDP_CLIENT_RR, 2 * 16, 16);
	struct yard_udp_client_stats st;
	static struct uc_dgram d, d2;
	struct ut_stack s;

	ut_stack_open(&s, 0, 1500);
	c.timeout_ms = 100;
	cr_assert_eq(yard_udp_client_start(&c), 0);
	yt_drain();
	cr_assert(uc_take(s.pt.link.minor, &d));
	cr_assert_not(uc_take(s.pt.link.minor, &d2), "waiting for the reply");
	for (int i = 0; i < 400 && uc_stats("rr").lost == 0; i++)
		pt_run_ms(5);
	st = uc_stats("rr");
	cr_assert_eq(st.lost, 1, "no reply within the timeout");
	cr_assert_geq(st.elapsed_us, 100000, "not before it");
	cr_assert(uc_take(s.pt.link.minor, &d2), "then the next request");
	cr_assert_eq(d2.seq, 2);
	uc_echo(s.pt.link.minor, &d); /* the lost one's reply, after all */
	cr_expect_eq(uc_stats("rr").late, 1);
	cr_expect_eq(uc_stats("rr").received, 0);
	uc_echo(s.pt.link.minor, &d2);
	st = uc_stats("rr");
	cr_expect_eq(st.received, 1);
	cr_expect_eq(st.lost, 1);
	cr_expect_eq(st.sent, 2);
	cr_expect_eq(st.done, 1);
	uc_done(&s);
}

/*
 * Datagrams beyond the MTU go as fragments (up to udp's 65,507 bytes): a udp_rr request of
 * 3000 bytes leaves in three, its reply comes back in three and is reassembled into a chain
 * of blocks, which the client compares piece by piece; a 65,507-byte udp_source datagram
 * leaves in 45 and is the pattern whole.
 */
YT_TEST(udp_clients, carry_datagrams_beyond_the_mtu_as_fragments)
{
	struct yard_udp_client_conf rr = uc_conf("rr", YARD_UDP_CLIENT_RR, 3000, 3000);
	struct yard_udp_client_conf src = uc_conf("src", YARD_UDP_CLIENT_SOURCE,
						  YARD_UDP_CLIENT_SIZE_MAX, YARD_UDP_CLIENT_SIZE_MAX);
	static uint8_t body[65536], reply[3008];
	struct yard_udp_client_stats st;
	struct ut_stack s;
	uint32_t src_a, dst_a;
	unsigned nfrags;
	uint8_t proto;
	size_t n;

	ut_stack_open(&s, YARD_LINK_CAP_TX_MULTISEG, 1500);
	cr_assert_eq(yard_udp_client_start(&rr), 0);
	yt_drain();
	n = ut_take_datagram(s.pt.link.minor, body, sizeof(body), &nfrags, &proto, &src_a, &dst_a);
	cr_assert_eq(n, 8 + 3000);
	cr_assert_eq(nfrags, 3);
	cr_assert_eq(ut_udp_cksum(src_a, dst_a, body, n), 0, "UDP checksum verifies");
	cr_assert(uc_is_pattern(body + 8, 8, 3000));
	(void)ut_udp(reply, PT_ADDR_PEER, PT_ADDR_US, SRV_PORT, (uint16_t)rd16(body), body + 8,
		     3000);
	ut_inject_fragments(s.pt.link.minor, 0x4242, reply, sizeof(reply), 1500);
	st = uc_stats("rr");
	cr_expect_eq(st.received, 1, "the reassembled reply equals the request");
	cr_expect_eq(st.bad, 0);
	cr_expect_eq(st.done, 1);
	cr_assert_eq(yard_udp_client_start(&src), 0);
	yt_drain();
	n = ut_take_datagram(s.pt.link.minor, body, sizeof(body), &nfrags, &proto, &src_a, &dst_a);
	cr_assert_eq(n, 8 + YARD_UDP_CLIENT_SIZE_MAX);
	cr_assert_eq(nfrags, 45);
	cr_assert_eq(ut_udp_cksum(src_a, dst_a, body, n), 0, "UDP checksum verifies");
	cr_assert(uc_is_pattern(body + 8, 0, YARD_UDP_CLIENT_SIZE_MAX));
	cr_expect_eq(uc_stats("src").sent, 1);
	cr_expect_eq(uc_stats("src").done, 1);
	uc_done(&s);
}

/* An ICMP error from the peer quoting the datagram d (its IP header and 8 bytes). */
static void
uc_icmp_error(int minor, const struct uc_dgram *d, uint8_t type, uint8_t code)
{
	uint8_t f[256];
	size_t q = 20 + 8, n = pt_eth(f, &pt_mac_us, &pt_mac_peer, 0x0800);
	uint8_t *icmp;
	uint16_t ck;

	n += pt_ipv4(f + n, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_ICMP, 99, 0, 64, NULL, 0, 8 + q);
	icmp = f + n;
	memset(icmp, 0, 8);
	icmp[0] = type;
	icmp[1] = code;
	memcpy(icmp + 8, d->frame + 14, q);
	ck = pt_cksum(icmp, 8 + q);
	icmp[2] = (uint8_t)(ck >> 8);
	icmp[3] = (uint8_t)ck;
	pt_inject(minor, f, n + 8 + q);
}

YT_TEST(udp_clients, rr_ends_a_round_at_an_icmp_error_and_counts_it)
{
	struct yard_udp_client_conf c = uc_conf("rr", YARD_UDP_CLIENT_RR, 2 * 16, 16);
	struct yard_udp_client_stats st;
	static struct uc_dgram d, d2;
	struct ut_stack s;

	ut_stack_open(&s, 0, 1500);
	cr_assert_eq(yard_udp_client_start(&c), 0);
	yt_drain();
	cr_assert(uc_take(s.pt.link.minor, &d));
	uc_icmp_error(s.pt.link.minor, &d, 3, 3); /* port unreachable */
	st = uc_stats("rr");
	cr_expect_eq(st.errors, 1, "T_UDERROR_IND taken with t_rcvuderr");
	cr_expect_eq(st.lost, 0, "an error is not a loss");
	cr_assert(uc_take(s.pt.link.minor, &d2), "the next request went at once");
	cr_assert_eq(d2.seq, 2);
	uc_echo(s.pt.link.minor, &d2);
	st = uc_stats("rr");
	cr_expect_eq(st.received, 1);
	cr_expect_eq(st.done, 1);
	uc_done(&s);
}

YT_TEST(udp_clients, rr_pauses_an_interval_between_rounds)
{
	struct yard_udp_client_conf c = uc_conf("rr", YARD_UDP_CLIENT_RR, 2 * 16, 16);
	static struct uc_dgram d, d2;
	struct ut_stack s;

	ut_stack_open(&s, 0, 1500);
	c.interval_ms = 200; /* long beside a pass of the loop, even on a loaded machine */
	cr_assert_eq(yard_udp_client_start(&c), 0);
	yt_drain();
	cr_assert(uc_take(s.pt.link.minor, &d));
	uc_echo(s.pt.link.minor, &d);
	cr_assert_not(uc_take(s.pt.link.minor, &d2), "not before the interval");
	pt_run_ms(250);
	cr_assert(uc_take(s.pt.link.minor, &d2), "after it");
	cr_assert_eq(d2.seq, 2);
	uc_echo(s.pt.link.minor, &d2);
	cr_expect_eq(uc_stats("rr").received, 2);
	uc_done(&s);
}

YT_TEST(udp_clients, rr_ends_at_its_deadline_after_the_round_in_flight)
{
	struct yard_udp_client_conf c = uc_conf("rr", YARD_UDP_CLIENT_RR, 0, 16);
	struct yard_udp_client_stats st;
	static struct uc_dgram d;
	struct ut_stack s;

	ut_stack_open(&s, 0, 1500);
	c.duration_ms = 20;
	cr_assert_eq(yard_udp_client_start(&c), 0);
	yt_drain();
	cr_assert(uc_take(s.pt.link.minor, &d));
	pt_run_ms(30);
	st = uc_stats("rr");
	cr_assert_eq(st.done, 0, "the request in flight is waited for");
	cr_assert_eq(st.active, 1);
	uc_echo(s.pt.link.minor, &d);
	st = uc_stats("rr");
	cr_expect_eq(st.received, 1);
	cr_expect_eq(st.done, 1, "then the endpoint ends");
	cr_expect_geq(st.elapsed_us, 20000);
	cr_assert_not(uc_take(s.pt.link.minor, &d), "no request after the deadline");
	uc_done(&s);
}

YT_TEST(udp_clients, source_stops_at_its_deadline_and_closes_once_what_it_sent_is_gone)
{
	struct yard_udp_client_conf c = uc_conf("src", YARD_UDP_CLIENT_SOURCE, 0, 1000);
	struct yard_udp_client_stats st;
	struct ut_stack s;
	struct uc_tally t;

	ut_stack_open(&s, 0, 1500);
	cr_assert_eq(yard_loop_hold(s.pt.link.minor, true), 0);
	c.duration_ms = 200; /* flow control comes well before it */
	c.conns = 2;
	cr_assert_eq(yard_udp_client_start(&c), 0);
	yt_drain();
	cr_assert_gt(uc_stats("src").tflow, 0);
	pt_run_ms(250);
	st = uc_stats("src");
	pt_run_ms(5);
	cr_assert_eq(uc_stats("src").sent, st.sent, "nothing sent after the deadline");
	cr_assert_eq(uc_stats("src").tflow, st.tflow, "nor tried");
	cr_assert_eq(st.done, 0, "what udp still holds for the endpoints keeps them open");
	cr_assert_eq(st.active, 2);
	cr_assert_eq(yard_loop_hold(s.pt.link.minor, false), 0);
	t = uc_run_to_done(s.pt.link.minor, "src");
	st = uc_stats("src");
	cr_assert_eq(st.done, 1, "closed once drained");
	cr_assert_eq(st.active, 0);
	cr_expect_eq(t.frames, st.sent, "every datagram sent reached the link: %u of %lu",
		     t.frames, (unsigned long)st.sent);
	cr_expect(t.patterns);
	cr_expect_eq(st.tx_discarded, 0);
	uc_done(&s);
}

/* Every message block of the pools, chained by b_next (the test hoards them). */
static mblk_t *
uc_hoard(void)
{
	mblk_t *chain = NULL, *mp;

	while ((mp = allocb(64, BPRI_MED)) != NULL || (mp = allocb(2048, BPRI_MED)) != NULL) {
		mp->b_next = chain;
		chain = mp;
	}
	return chain;
}

YT_TEST(udp_clients, rr_tries_a_request_the_pool_had_no_block_for_again)
{
	struct yard_udp_client_conf c = uc_conf("rr", YARD_UDP_CLIENT_RR, 16, 16);
	struct yard_udp_client_stats st;
	static struct uc_dgram d;
	struct ut_stack s;
	mblk_t *hoard;

	ut_stack_open(&s, 0, 1500);
	c.delay_ms = 10; /* the endpoint is bound now; its first send comes with the pools empty */
	cr_assert_eq(yard_udp_client_start(&c), 0);
	hoard = uc_hoard();
	cr_assert_not_null(hoard);
	pt_run_ms(30);
	st = uc_stats("rr");
	cr_assert_gt(st.tx_nomem, 0, "the send found no block");
	cr_assert_eq(st.sent, 0);
	cr_assert_eq(st.send_failures, 0, "and the endpoint goes on");
	cr_assert_eq(st.active, 1);
	freemsgchain(hoard);
	pt_run_ms(5);
	cr_assert(uc_take(s.pt.link.minor, &d), "the request went once blocks were back");
	cr_assert_eq(d.seq, 1, "the same request: nothing was counted sent before");
	uc_echo(s.pt.link.minor, &d);
	st = uc_stats("rr");
	cr_expect_eq(st.sent, 1);
	cr_expect_eq(st.received, 1);
	cr_expect_eq(st.lost, 0);
	cr_expect_eq(st.done, 1);
	uc_done(&s);
}

/*
 * A held link fills ip's queue and udp's: the source hears TFLOW and stops, without sending
 * (or dropping) anything more while it waits; when the link drains T_GODATA resumes it and
 * every byte goes, each datagram the pattern.
 */
YT_TEST(udp_clients, source_waits_out_flow_control_and_sends_every_datagram)
{
	const unsigned total = 1500, size = 1000;
	struct yard_udp_client_conf c = uc_conf("src", YARD_UDP_CLIENT_SOURCE,
						(uint64_t)total * size - 300, size);
	struct yard_udp_client_stats st, st2;
	struct ut_stack s;
	struct uc_tally t;

	ut_stack_open(&s, 0, 1500);
	cr_assert_eq(yard_loop_hold(s.pt.link.minor, true), 0);
	cr_assert_eq(yard_udp_client_start(&c), 0);
	yt_drain();
	st = uc_stats("src");
	cr_assert_gt(st.tflow, 0, "flow control refused a send");
	cr_assert_lt(st.sent, total, "and the source waits");
	yt_drain();
	yt_drain();
	st2 = uc_stats("src");
	cr_assert_eq(st2.sent, st.sent, "nothing sent while it waits");
	cr_assert_eq(st2.tflow, st.tflow, "nor tried: no spinning on TFLOW");
	cr_assert_eq(yard_loop_hold(s.pt.link.minor, false), 0);
	t = uc_run_to_done(s.pt.link.minor, "src");
	st = uc_stats("src");
	cr_assert_eq(st.done, 1);
	cr_expect_eq(st.sent, total, "the last datagram shorter");
	cr_expect_eq(st.tx_bytes, (uint64_t)total * size - 300);
	cr_expect_eq(t.frames, total, "every datagram reached the link");
	cr_expect_eq(t.bytes, st.tx_bytes);
	cr_expect(t.patterns, "each datagram is the pattern");
	cr_expect_eq(st.send_failures, 0);
	cr_expect_eq(ut_udpstat(s.up.up_udp).udps_drop_tx_nomem, 0);
	uc_done(&s);
}

/* Stopped in the middle: requests in flight, datagrams waiting in udp and on a held link. */
YT_TEST(udp_clients, stop_closes_every_endpoint_and_returns_every_block)
{
	struct yard_udp_client_conf rr = uc_conf("rr", YARD_UDP_CLIENT_RR, 0, 64);
	struct yard_udp_client_conf src = uc_conf("src", YARD_UDP_CLIENT_SOURCE, 0, 1400);
	struct yard_udp_client_stats st;
	struct ut_stack s;
	static struct uc_dgram d;

	ut_stack_open(&s, 0, 1500);
	rr.duration_ms = 60000;
	rr.conns = 8;
	cr_assert_eq(yard_udp_client_start(&rr), 0);
	yt_drain();
	cr_assert(uc_take(s.pt.link.minor, &d));
	uc_echo(s.pt.link.minor, &d); /* one answered, seven in flight */
	cr_assert_eq(yard_loop_hold(s.pt.link.minor, true), 0);
	src.duration_ms = 60000;
	src.conns = 4;
	cr_assert_eq(yard_udp_client_start(&src), 0);
	yt_drain();
	cr_assert_gt(uc_stats("src").tflow, 0, "the source waits on a full link");
	cr_assert_eq(uc_stats("rr").active, 8);
	cr_assert_eq(uc_stats("src").active, 4);
	yard_udp_clients_stop_all();
	cr_assert_eq(yard_udp_client_stats("rr", &st), -ENOENT, "gone");
	cr_assert_eq(yard_loop_hold(s.pt.link.minor, false), 0);
	yt_drain();
	(void)pt_discard(s.pt.link.minor);
	ut_stack_close(&s);
	pt_assert_clean(); /* every block and mbuf back */
}

/* The lcore keeps its clients' earliest start: one started later with a sooner one lowers it. */
YT_TEST(udp_clients, a_delayed_client_starts_after_its_delay_though_another_waits_a_minute)
{
	struct yard_udp_client_conf lazy = uc_conf("lazy", YARD_UDP_CLIENT_RR, 16, 16);
	struct yard_udp_client_conf soon = uc_conf("soon", YARD_UDP_CLIENT_RR, 16, 16);
	uint64_t t0, delay = 20 * rte_get_timer_hz() / 1000;
	static struct uc_dgram d;
	struct ut_stack s;
	bool sent;

	lazy.delay_ms = 60000;
	soon.delay_ms = 20;
	ut_stack_open(&s, 0, 1500);
	cr_assert_eq(yard_udp_client_start(&lazy), 0);
	yt_drain(); /* the lcore now waits for a minute */
	t0 = rte_get_timer_cycles();
	cr_assert_eq(yard_udp_client_start(&soon), 0);
	yt_drain();
	sent = uc_take(s.pt.link.minor, &d);
	/* judged only if this ran before the delay was over: a loaded machine may be later */
	if (rte_get_timer_cycles() - t0 < delay)
		cr_expect_not(sent, "no request before the delay is over");
	if (!sent) {
		pt_run_ms(30);
		sent = uc_take(s.pt.link.minor, &d);
	}
	cr_assert(sent, "a request after it");
	uc_echo(s.pt.link.minor, &d);
	yt_drain();
	cr_expect_eq(uc_stats("soon").received, 1);
	cr_expect_eq(uc_stats("soon").done, 1, "its one round done");
	cr_expect_eq(uc_stats("lazy").sent, 0, "the other still waits");
	cr_assert_not(uc_take(s.pt.link.minor, &d));
	uc_done(&s);
}
