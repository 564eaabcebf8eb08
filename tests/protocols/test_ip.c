/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ip multiplexor (IPv4 + ICMP) over a loop + arp link: crafted frames in, what it sends
 * captured and checked with a checksum written independently of the module's.
 */
#include <string.h>

#include <rte_telemetry.h>

#include <streams/loop.h>

#include "proto_test.h"

#include <criterion/parameterized.h>

TestSuite(ip, .init = yt_setup, .fini = yt_teardown);
TestSuite(icmp, .init = yt_setup, .fini = yt_teardown);

#define FAR     PT_IPV4(10, 9, 9, 9)
#define OTHER   PT_IPV4(198, 18, 0, 77)
#define BCAST   PT_IPV4(198, 18, 0, 255)
#define FRAME_MAX 2048

static unsigned
rd16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

/* A captured IPv4 frame: Ethernet to the peer, a correct header. Returns the header length. */
static unsigned
check_ip_frame(const uint8_t *f, size_t n, uint32_t src, uint32_t dst, uint8_t proto)
{
	const uint8_t *ip = f + 14;
	unsigned hlen;

	cr_assert_geq(n, 14 + 20);
	cr_assert_arr_eq(f, &pt_mac_peer, 6, "to the peer's MAC");
	cr_assert_arr_eq(f + 6, &pt_mac_us, 6);
	cr_assert_eq(rd16(f + 12), 0x0800);
	cr_assert_eq(ip[0] >> 4, 4);
	hlen = (ip[0] & 0xf) * 4u;
	cr_assert_eq(rd16(ip + 2), n - 14, "total length matches the frame");
	cr_assert_eq(pt_cksum(ip, hlen), 0, "header checksum verifies");
	cr_assert_eq(ip[9], proto);
	cr_assert_arr_eq(ip + 12, &src, 4);
	cr_assert_arr_eq(ip + 16, &dst, 4);
	cr_assert_gt(ip[8], 0, "TTL set");
	return hlen;
}

/* Check a captured echo reply to a request made by pt_ping(id, seq, dlen). */
static void
check_echo_reply(const uint8_t *f, size_t n, uint32_t to, uint16_t id, uint16_t seq, size_t dlen)
{
	unsigned hlen = check_ip_frame(f, n, PT_ADDR_US, to, IPPROTO_ICMP);
	const uint8_t *ic = f + 14 + hlen;
	uint8_t want[FRAME_MAX];

	cr_assert_eq(n, 14 + hlen + 8 + dlen);
	cr_assert_eq(ic[0], 0, "echo reply");
	cr_assert_eq(ic[1], 0);
	cr_assert_eq(pt_cksum(ic, 8 + dlen), 0, "ICMP checksum verifies");
	cr_assert_eq(rd16(ic + 4), id);
	cr_assert_eq(rd16(ic + 6), seq);
	pt_icmp_echo(want, 8, id, seq, dlen);
	cr_assert_arr_eq(ic + 8, want + 8, dlen, "the data comes back whole");
}

static void
ping_and_check(struct pt_stack *s, uint16_t seq)
{
	uint8_t f[FRAME_MAX];
	size_t n = pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 0x1234, seq, 56);

	pt_inject(s->link.minor, f, n);
	n = pt_take(s->link.minor, f, sizeof(f));
	cr_assert_gt(n, 0, "ping %u answered", seq);
	check_echo_reply(f, n, PT_ADDR_PEER, 0x1234, seq, 56);
}

/* One fragment frame of datagram body (after the IPv4 header) at off, len bytes. */
static size_t
frag_frame(uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
	   const uint8_t *body, size_t off, size_t len, bool more)
{
	size_t n = pt_eth(f, &pt_mac_us, &pt_mac_peer, 0x0800);

	n += pt_ipv4(f + n, src, dst, proto, id, (uint16_t)(off / 8 | (more ? 0x2000 : 0)), 64,
		     NULL, 0, len);
	memcpy(f + n, body + off, len);
	return n + len;
}

/* Reassemble captured fragments into body; returns the datagram's payload length. */
static size_t
take_fragments(int minor, uint32_t dst, uint8_t proto, uint8_t *body, size_t max,
	       unsigned *nfrags)
{
	uint8_t f[FRAME_MAX];
	size_t n, total = 0, got = 0;
	bool last = false;

	*nfrags = 0;
	while ((n = pt_take(minor, f, sizeof(f))) != 0) {
		unsigned hlen = check_ip_frame(f, n, PT_ADDR_US, dst, proto);
		unsigned field = rd16(f + 14 + 6);
		size_t off = (field & 0x1fff) * 8u, len = n - 14 - hlen;

		cr_assert_leq(n - 14, 1500, "fragment within the MTU");
		cr_assert_leq(off + len, max);
		memcpy(body + off, f + 14 + hlen, len);
		got += len;
		if (!(field & 0x2000)) {
			cr_assert(!last, "one last fragment");
			last = true;
			total = off + len;
		} else {
			cr_assert_eq(len % 8, 0, "non-last fragments are multiples of 8");
		}
		(*nfrags)++;
	}
	cr_assert(last, "the last fragment came");
	cr_assert_eq(got, total, "no hole, no overlap");
	return total;
}

/* ---- ICMP echo ---------------------------------------------------------------------------- */

YT_TEST(icmp, answers_an_echo_request)
{
	struct pt_stack s;
	struct ip_stats st;

	pt_stack_open(&s, 0, 1500);
	ping_and_check(&s, 1);
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_icmp.icmps_rx_echo_requests, 1);
	cr_assert_eq(st.is_icmp.icmps_tx_echo_replies, 1);
	cr_assert_eq(st.is_ip.ips_rx_delivered, 1);
	cr_assert_eq(st.is_ip.ips_tx_packets, 1);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(icmp, answers_in_place_without_copying)
{
	struct pt_stack s;
	struct yard_msgstat before, after;

	pt_stack_open(&s, 0, 1500);
	yard_msgstat_sum(&before);
	ping_and_check(&s, 1);
	yard_msgstat_sum(&after);
	cr_assert_eq(after.copied_bytes, before.copied_bytes, "no byte of the reply was copied");
	cr_assert_eq(after.allocb_fail, before.allocb_fail);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(icmp, answers_an_echo_request_with_options_without_them)
{
	static const uint8_t opts[] = { 1, 1, 1, 0 }; /* NOP NOP NOP EOL */
	struct pt_stack s;
	uint8_t f[FRAME_MAX];
	size_t n;

	pt_stack_open(&s, 0, 1500);
	n = pt_eth(f, &pt_mac_us, &pt_mac_peer, 0x0800);
	n += pt_ipv4(f + n, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_ICMP, 7, 0, 64, opts, sizeof(opts),
		     8 + 32);
	n += pt_icmp_echo(f + n, 8, 0x99, 3, 32);
	pt_inject(s.link.minor, f, n);
	n = pt_take(s.link.minor, f, sizeof(f));
	check_echo_reply(f, n, PT_ADDR_PEER, 0x99, 3, 32);
	cr_assert_eq(f[14], 0x45, "options are skipped, not echoed");
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(icmp, answers_a_3000_byte_ping_in_fragments)
{
	uint8_t body[4096], got[4096], f[FRAME_MAX];
	struct pt_stack s;
	struct ip_stats st;
	unsigned nfrags;
	size_t blen = pt_icmp_echo(body, 8, 0x4242, 9, 3000), n, total;
	uint8_t want[4096];

	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(blen, 3008);
	/* Out of order, as networks deliver them. */
	n = frag_frame(f, PT_ADDR_PEER, PT_ADDR_US, 1, 77, body, 2960, 48, false);
	pt_inject(s.link.minor, f, n);
	n = frag_frame(f, PT_ADDR_PEER, PT_ADDR_US, 1, 77, body, 0, 1480, true);
	pt_inject(s.link.minor, f, n);
	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 0, "nothing until the datagram is whole");
	n = frag_frame(f, PT_ADDR_PEER, PT_ADDR_US, 1, 77, body, 1480, 1480, true);
	pt_inject(s.link.minor, f, n);
	total = take_fragments(s.link.minor, PT_ADDR_PEER, 1, got, sizeof(got), &nfrags);
	cr_assert_eq(total, 3008);
	cr_assert_eq(nfrags, 3, "the reply is fragmented to the 1500-byte MTU");
	cr_assert_eq(got[0], 0, "echo reply");
	cr_assert_eq(pt_cksum(got, total), 0, "ICMP checksum over the whole reply verifies");
	pt_icmp_echo(want, 8, 0x4242, 9, 3000);
	cr_assert_arr_eq(got + 4, want + 4, 3004, "identifier, sequence and data come back");
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_frag_rx, 3);
	cr_assert_eq(st.is_ip.ips_frag_reassembled, 1);
	cr_assert_eq(st.is_ip.ips_tx_fragmented, 1);
	cr_assert_eq(st.is_ip.ips_tx_fragments, 3);
	/* And a plain ping still works. */
	ping_and_check(&s, 2);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(icmp, ignores_an_echo_request_to_a_broadcast)
{
	struct pt_stack s;
	uint8_t f[FRAME_MAX];
	struct ip_stats st;
	size_t n;

	pt_stack_open(&s, 0, 1500);
	n = pt_ping(f, PT_ADDR_PEER, BCAST, 1, 1, 8);
	memcpy(f, &pt_mac_bcast, 6);
	pt_inject(s.link.minor, f, n);
	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 0);
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_rx_bcast, 1);
	cr_assert_eq(st.is_icmp.icmps_drop_bcast_echo, 1);
	pt_stack_close(&s);
	pt_assert_clean();
}

enum icmp_bad { IB_CKSUM, IB_CODE, IB_TYPE, IB_SHORT };

struct icmp_bad_case {
	enum icmp_bad kind;
	unsigned counter; /* ICMPS_* */
};

ParameterizedTestParameters(icmp, drops_and_counts_a_malformed_message)
{
	static struct icmp_bad_case cases[] = {
		{ IB_CKSUM, ICMPS_drop_bad_cksum },
		{ IB_CODE, ICMPS_drop_bad_code },
		{ IB_TYPE, ICMPS_drop_bad_type },
		{ IB_SHORT, ICMPS_drop_too_short },
	};

	return cr_make_param_array(struct icmp_bad_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct icmp_bad_case *c, icmp, drops_and_counts_a_malformed_message)
{
	struct pt_stack s;
	uint8_t f[FRAME_MAX], *ic = f + 14 + 20;
	struct ip_stats st;
	uint16_t ck;
	size_t n = pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 1, 1, 16);

	pt_stack_open(&s, 0, 1500);
	switch (c->kind) {
	case IB_CKSUM:
		ic[8] ^= 0xff;
		break;
	case IB_CODE:
	case IB_TYPE:
		if (c->kind == IB_CODE)
			ic[1] = 1;
		else
			ic[0] = 42;
		ic[2] = ic[3] = 0;
		ck = pt_cksum(ic, 8 + 16);
		ic[2] = (uint8_t)(ck >> 8), ic[3] = (uint8_t)ck;
		break;
	case IB_SHORT:
		n = 14 + pt_ipv4(f + 14, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_ICMP, 1, 0, 64, NULL, 0, 4);
		memset(f + n, 0, 4);
		n += 4;
		break;
	}
	pt_inject(s.link.minor, f, n);
	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 0, "not answered");
	st = pt_ipstat(s.ip);
	cr_assert_eq(((uint64_t *)&st.is_icmp)[c->counter], 1, "%s", icmpstat_name(c->counter));
	ping_and_check(&s, 5);
	pt_stack_close(&s);
	pt_assert_clean();
}

/* ---- IPv4 validation ---------------------------------------------------------------------- */

enum ip_bad {
	BAD_CKSUM, BAD_IHL, BAD_TOTLEN, BAD_TRUNCATED, BAD_TTL0, BAD_OPTLEN, BAD_VERSION,
	BAD_SRC_BCAST, BAD_SRC_MCAST, BAD_SRC_LOOP, BAD_SRC_OURS, BAD_NOT_FOR_US, BAD_SHORT_TOT,
	BAD_SRC_ZERO, BAD_SRC_CLASS_E, BAD_SRC_SUBNET_BCAST,
};

struct ip_bad_case {
	enum ip_bad kind;
	unsigned counter; /* IPS_* */
};

static void
refresh_cksum(uint8_t *ip)
{
	unsigned hlen = (ip[0] & 0xf) * 4u;
	uint16_t c;

	ip[10] = ip[11] = 0;
	c = pt_cksum(ip, hlen);
	ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
}

static size_t
bad_packet(enum ip_bad kind, uint8_t *f)
{
	static const uint8_t badopt[] = { 0x07, 0x09, 0x04, 0x00 }; /* RR claiming 9 of 4 bytes */
	size_t n = pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 1, 1, 32);
	uint8_t *ip = f + 14;
	uint32_t a;

	switch (kind) {
	case BAD_CKSUM:
		ip[10] ^= 0x5a;
		break;
	case BAD_IHL:
		ip[0] = 0x44;
		refresh_cksum(ip);
		break;
	case BAD_TOTLEN:
		ip[2] = 0x01, ip[3] = 0x00; /* 256 > the 60 bytes there */
		refresh_cksum(ip);
		break;
	case BAD_SHORT_TOT:
		ip[2] = 0, ip[3] = 16; /* less than the header */
		refresh_cksum(ip);
		break;
	case BAD_TRUNCATED:
		return 14 + 12;
	case BAD_TTL0:
		ip[8] = 0;
		refresh_cksum(ip);
		break;
	case BAD_OPTLEN:
		n = pt_eth(f, &pt_mac_us, &pt_mac_peer, 0x0800);
		n += pt_ipv4(f + n, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_ICMP, 1, 0, 64, badopt,
			     sizeof(badopt), 8 + 32);
		n += pt_icmp_echo(f + n, 8, 1, 1, 32);
		break;
	case BAD_VERSION:
		ip[0] = 0x65;
		refresh_cksum(ip);
		break;
	case BAD_SRC_BCAST:
	case BAD_SRC_MCAST:
	case BAD_SRC_LOOP:
	case BAD_SRC_OURS:
	case BAD_SRC_ZERO:
	case BAD_SRC_CLASS_E:
	case BAD_SRC_SUBNET_BCAST:
		a = kind == BAD_SRC_BCAST ? UINT32_MAX :
		    kind == BAD_SRC_MCAST ? PT_IPV4(224, 0, 0, 1) :
		    kind == BAD_SRC_LOOP ? PT_IPV4(127, 0, 0, 1) :
		    kind == BAD_SRC_ZERO ? 0 :
		    kind == BAD_SRC_CLASS_E ? PT_IPV4(240, 0, 0, 1) :
		    kind == BAD_SRC_SUBNET_BCAST ? PT_IPV4(198, 18, 0, 255) : PT_ADDR_US;
		memcpy(ip + 12, &a, 4);
		refresh_cksum(ip);
		break;
	case BAD_NOT_FOR_US:
		a = OTHER;
		memcpy(ip + 16, &a, 4);
		refresh_cksum(ip);
		break;
	}
	return n;
}

ParameterizedTestParameters(ip, drops_and_counts_a_malformed_packet)
{
	static struct ip_bad_case cases[] = {
		{ BAD_CKSUM, IPS_drop_bad_cksum },
		{ BAD_IHL, IPS_drop_bad_ihl },
		{ BAD_TOTLEN, IPS_drop_bad_len },
		{ BAD_SHORT_TOT, IPS_drop_bad_len },
		{ BAD_TRUNCATED, IPS_drop_too_short },
		{ BAD_TTL0, IPS_drop_ttl_zero },
		{ BAD_OPTLEN, IPS_drop_bad_options },
		{ BAD_VERSION, IPS_drop_bad_version },
		{ BAD_SRC_BCAST, IPS_drop_bad_src },
		{ BAD_SRC_MCAST, IPS_drop_bad_src },
		{ BAD_SRC_LOOP, IPS_drop_bad_src },
		{ BAD_SRC_OURS, IPS_drop_bad_src },
		{ BAD_SRC_ZERO, IPS_drop_bad_src },
		{ BAD_SRC_CLASS_E, IPS_drop_bad_src },
		{ BAD_SRC_SUBNET_BCAST, IPS_drop_bad_src },
		{ BAD_NOT_FOR_US, IPS_drop_not_for_us },
	};

	return cr_make_param_array(struct ip_bad_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct ip_bad_case *c, ip, drops_and_counts_a_malformed_packet)
{
	struct pt_stack s;
	uint8_t f[FRAME_MAX];
	struct ip_stats st;
	uint64_t drops = 0;
	size_t n;

	pt_stack_open(&s, 0, 1500);
	n = bad_packet(c->kind, f);
	pt_inject(s.link.minor, f, n);
	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 0, "dropped, not answered");
	st = pt_ipstat(s.ip);
	cr_assert_eq(((uint64_t *)&st.is_ip)[c->counter], 1, "%s", ipstat_name(c->counter));
	for (unsigned i = 0; i < IPS__COUNT; i++)
		if (strncmp(ipstat_name(i), "drop_", 5) == 0)
			drops += ((uint64_t *)&st.is_ip)[i];
	cr_assert_eq(drops, 1, "counted under one reason only");
	cr_assert_eq(st.is_ip.ips_rx_delivered, 0);
	ping_and_check(&s, 2);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, trims_ethernet_padding)
{
	struct pt_stack s;
	uint8_t f[FRAME_MAX];
	size_t n;

	pt_stack_open(&s, 0, 1500);
	n = pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 5, 6, 0); /* 14 + 28: short of 60 */
	memset(f + n, 0xee, 60 - n);
	pt_inject(s.link.minor, f, 60);
	n = pt_take(s.link.minor, f, sizeof(f));
	check_echo_reply(f, n, PT_ADDR_PEER, 5, 6, 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

/* ---- fragments ---------------------------------------------------------------------------- */

YT_TEST(ip, drops_overlapping_fragments)
{
	uint8_t body[4096], f[FRAME_MAX];
	struct pt_stack s;
	struct ip_stats st;
	size_t n;

	pt_icmp_echo(body, 8, 1, 1, 3000);
	pt_stack_open(&s, 0, 1500);
	n = frag_frame(f, PT_ADDR_PEER, PT_ADDR_US, 1, 300, body, 0, 1480, true);
	pt_inject(s.link.minor, f, n);
	n = frag_frame(f, PT_ADDR_PEER, PT_ADDR_US, 1, 300, body, 1000, 1480, true);
	pt_inject(s.link.minor, f, n);
	n = frag_frame(f, PT_ADDR_PEER, PT_ADDR_US, 1, 300, body, 2480, 528, false);
	pt_inject(s.link.minor, f, n);
	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 0, "no reply to an overlapped datagram");
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_frag_reassembled, 0);
	cr_assert_eq(st.is_ip.ips_frag_overlap, 3, "all three fragments dropped (RFC 5722)");
	ping_and_check(&s, 3);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, drops_tiny_misaligned_and_oversized_fragments)
{
	uint8_t body[66 * 1024], f[FRAME_MAX];
	struct pt_stack s;
	struct ip_stats st;
	size_t n;

	memset(body, 0x11, sizeof(body));
	pt_stack_open(&s, 0, 1500);
	/* Tiny: a first fragment with 16 bytes, and one at offset 8 (RFC 1858). */
	n = frag_frame(f, PT_ADDR_PEER, PT_ADDR_US, 6, 400, body, 0, 16, true);
	pt_inject(s.link.minor, f, n);
	n = frag_frame(f, PT_ADDR_PEER, PT_ADDR_US, 6, 400, body, 8, 200, false);
	pt_inject(s.link.minor, f, n);
	/* Misaligned: more fragments follow but 1001 is not a multiple of 8. */
	n = frag_frame(f, PT_ADDR_PEER, PT_ADDR_US, 6, 401, body, 0, 1001, true);
	pt_inject(s.link.minor, f, n);
	/* Oversized: would end past 65535. */
	n = frag_frame(f, PT_ADDR_PEER, PT_ADDR_US, 6, 402, body, 65000, 1000, false);
	pt_inject(s.link.minor, f, n);
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_frag_tiny, 2);
	cr_assert_eq(st.is_ip.ips_frag_bad_align, 1);
	cr_assert_eq(st.is_ip.ips_frag_oversize, 1);
	cr_assert_eq(st.is_ip.ips_frag_overlap + st.is_ip.ips_frag_dup, 0, "none reached the table");
	ping_and_check(&s, 4);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, times_out_an_incomplete_datagram_with_time_exceeded)
{
	struct ip_param p = { .ip_reass_timeout_ms = 20 };
	uint8_t body[4096], f[FRAME_MAX], frag[FRAME_MAX];
	struct pt_stack s;
	struct ip_stats st;
	unsigned hlen;
	size_t n, fn;

	pt_icmp_echo(body, 8, 1, 1, 3000);
	pt_stack_open(&s, 0, 1500);
	cr_assert_geq(pt_istr(s.ip, IP_SETPARAM, &p, sizeof(p)), 0);
	cr_assert_eq(p.ip_max_flows, 1024, "defaults kept");
	fn = frag_frame(frag, PT_ADDR_PEER, PT_ADDR_US, 1, 500, body, 0, 1480, true);
	pt_inject(s.link.minor, frag, fn);
	pt_run_ms(60);
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_frag_timeout, 1);
	cr_assert_eq(st.is_icmp.icmps_tx_time_exceeded, 1);
	n = pt_take(s.link.minor, f, sizeof(f));
	hlen = check_ip_frame(f, n, PT_ADDR_US, PT_ADDR_PEER, IPPROTO_ICMP);
	cr_assert_eq(f[14 + hlen], 11, "time exceeded");
	cr_assert_eq(f[14 + hlen + 1], 1, "fragment reassembly time exceeded");
	cr_assert_eq(pt_cksum(f + 14 + hlen, n - 14 - hlen), 0);
	cr_assert_arr_eq(f + 14 + hlen + 8, frag + 14, 20 + 8, "quotes the header and 8 bytes");
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, frees_waiting_fragments_at_close)
{
	uint8_t body[4096], f[FRAME_MAX];
	struct pt_stack s;
	size_t n;

	pt_icmp_echo(body, 8, 1, 1, 3000);
	pt_stack_open(&s, 0, 1500);
	for (uint16_t id = 0; id < 5; id++) {
		n = frag_frame(f, PT_ADDR_PEER, PT_ADDR_US, 1, id, body, 1480, 1480, true);
		pt_inject(s.link.minor, f, n);
	}
	cr_assert_geq(yt_msgs_outstanding(), 5, "the table holds the fragments");
	pt_stack_close(&s); /* the leak check at teardown proves they were freed */
	pt_assert_clean();
}

/* ---- routing and delivery ----------------------------------------------------------------- */

YT_TEST(ip, counts_no_route_until_a_default_route_exists)
{
	struct ip_route r = { .ir_dst = 0, .ir_prefix = 0, .ir_gateway = PT_ADDR_PEER };
	struct pt_stack s;
	uint8_t f[FRAME_MAX];
	size_t n;

	pt_stack_open(&s, 0, 1500);
	n = pt_ping(f, FAR, PT_ADDR_US, 3, 1, 8);
	pt_inject(s.link.minor, f, n);
	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 0);
	cr_assert_eq(pt_ipstat(s.ip).is_ip.ips_drop_no_route, 1);
	r.ir_dst = FAR;
	cr_assert_eq(pt_istr(s.ip, IP_ROUTE_GET, &r, sizeof(r)), -ENETUNREACH);
	r = (struct ip_route){ .ir_gateway = PT_ADDR_PEER, .ir_muxid = s.link.muxid };
	cr_assert_geq(pt_istr(s.ip, IP_ROUTE_ADD, &r, sizeof(r)), 0, "default route");
	cr_assert_eq(pt_istr(s.ip, IP_ROUTE_ADD, &r, sizeof(r)), -EEXIST);
	r.ir_dst = FAR;
	cr_assert_geq(pt_istr(s.ip, IP_ROUTE_GET, &r, sizeof(r)), 0);
	cr_assert_eq(r.ir_prefix, 0);
	cr_assert_eq(r.ir_gateway, PT_ADDR_PEER);
	cr_assert_eq(r.ir_nexthop, PT_ADDR_PEER);
	cr_assert_eq(r.ir_muxid, s.link.muxid);
	n = pt_ping(f, FAR, PT_ADDR_US, 3, 2, 8);
	pt_inject(s.link.minor, f, n);
	n = pt_take(s.link.minor, f, sizeof(f));
	check_echo_reply(f, n, FAR, 3, 2, 8); /* through the gateway: the peer's MAC */
	r = (struct ip_route){ .ir_dst = 0, .ir_prefix = 0 };
	cr_assert_geq(pt_istr(s.ip, IP_ROUTE_DEL, &r, sizeof(r)), 0);
	cr_assert_eq(pt_istr(s.ip, IP_ROUTE_DEL, &r, sizeof(r)), -ENOENT);
	pt_stack_close(&s);
	pt_assert_clean();
}

/* The address in network order of a.b.c.d. */
static uint32_t
ipv4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return rte_cpu_to_be_32(a << 24 | b << 16 | c << 8 | d);
}

/* IP_ROUTE_GET's answer for dst: the route's prefix, or -1 with no route. */
static int
route_prefix_for(struct stdata *ip, uint32_t dst, uint32_t *gw)
{
	struct ip_route r = { .ir_dst = dst };

	if (pt_istr(ip, IP_ROUTE_GET, &r, sizeof(r)) < 0)
		return -1;
	*gw = r.ir_gateway;
	return r.ir_prefix;
}

/*
 * ip_route.c walks the routes longest prefix first: the longest match wins whatever order
 * they were added or removed in, the default route only when nothing else matches, and the
 * table holds IP_MAX_ROUTES (256) routes, then says ENOSPC.
 */
YT_TEST(ip, takes_the_longest_matching_prefix_whatever_the_order)
{
	static const struct { uint32_t dst; uint8_t prefix; unsigned gw; } add[] = {
		{ 0, 0, 1 },                      /* default, added first */
		{ 0x0a000000, 8, 2 },             /* 10/8 */
		{ 0x0a010100, 24, 3 },            /* 10.1.1/24, before the /16 it is in */
		{ 0x0a010000, 16, 4 },            /* 10.1/16 */
		{ 0x0a010180, 25, 5 },            /* 10.1.1.128/25 */
		{ 0x0a0101fe, 32, 6 },            /* a host route */
	};
	static const struct { uint32_t dst; int prefix; unsigned gw; } want[] = {
		{ 0x0a0101fe, 32, 6 }, { 0x0a0101fd, 25, 5 }, { 0x0a010101, 24, 3 },
		{ 0x0a010201, 16, 4 }, { 0x0a020304, 8, 2 }, { 0xc6336401, 0, 1 },
	};
	struct pt_stack s;
	struct ip_route r;
	uint32_t gw;
	unsigned added = 0;

	pt_stack_open(&s, 0, 1500);
	for (unsigned i = 0; i < RTE_DIM(add); i++) {
		r = (struct ip_route){ .ir_dst = rte_cpu_to_be_32(add[i].dst),
				       .ir_prefix = add[i].prefix,
				       .ir_gateway = ipv4(198, 18, 0, 100 + add[i].gw),
				       .ir_muxid = s.link.muxid };
		cr_assert_geq(pt_istr(s.ip, IP_ROUTE_ADD, &r, sizeof(r)), 0, "route %u", i);
	}
	for (unsigned i = 0; i < RTE_DIM(want); i++) {
		cr_expect_eq(route_prefix_for(s.ip, rte_cpu_to_be_32(want[i].dst), &gw),
			     want[i].prefix, "destination %u", i);
		cr_expect_eq(gw, ipv4(198, 18, 0, 100 + want[i].gw), "destination %u", i);
	}
	/* Take the /24 away: its addresses fall to the /16, the /25 and the host route stay. */
	r = (struct ip_route){ .ir_dst = ipv4(10, 1, 1, 0), .ir_prefix = 24 };
	cr_assert_geq(pt_istr(s.ip, IP_ROUTE_DEL, &r, sizeof(r)), 0);
	cr_expect_eq(route_prefix_for(s.ip, ipv4(10, 1, 1, 1), &gw), 16);
	cr_expect_eq(route_prefix_for(s.ip, ipv4(10, 1, 1, 200), &gw), 25);
	cr_expect_eq(route_prefix_for(s.ip, ipv4(10, 1, 1, 254), &gw), 32);
	/* Without the default, a far address has no route. */
	r = (struct ip_route){ .ir_dst = 0, .ir_prefix = 0 };
	cr_assert_geq(pt_istr(s.ip, IP_ROUTE_DEL, &r, sizeof(r)), 0);
	cr_expect_eq(route_prefix_for(s.ip, ipv4(198, 51, 100, 1), &gw), -1);
	/* Fill the table: the connected route and the four left, then /32s up to 256. */
	for (unsigned i = 0; i < 256; i++) {
		int rc;

		r = (struct ip_route){ .ir_dst = ipv4(172, 16, i >> 8, i & 0xff), .ir_prefix = 32,
				       .ir_gateway = ipv4(198, 18, 0, 99),
				       .ir_muxid = s.link.muxid };
		rc = pt_istr(s.ip, IP_ROUTE_ADD, &r, sizeof(r));
		if (rc < 0) {
			cr_expect_eq(rc, -ENOSPC);
			break;
		}
		added++;
	}
	cr_expect_eq(added, 256 - 5, "room for 256 routes in all");
	cr_expect_eq(route_prefix_for(s.ip, ipv4(172, 16, 0, 250), &gw), 32);
	cr_expect_eq(route_prefix_for(s.ip, ipv4(10, 1, 1, 254), &gw), 32, "still found");
	pt_stack_close(&s);
	pt_assert_clean();
}

/* ip_route_snapshot() (yardctl routes): every route, in the order a lookup tries them. */
YT_TEST(ip, route_snapshot_lists_routes_in_lookup_order)
{
	static const struct { uint32_t dst; uint8_t prefix; } add[] = {
		{ 0, 0 }, { 0x0a000000, 8 }, { 0x0a0101fe, 32 }, { 0x0a010000, 16 },
	};
	/* The connected /24 (pt_stack_open) sits between the /32 and the /16. */
	static const struct { uint32_t dst; uint8_t prefix; bool connected; } want[] = {
		{ 0x0a0101fe, 32, false }, { 0xc6120000, 24, true }, { 0x0a010000, 16, false },
		{ 0x0a000000, 8, false }, { 0, 0, false },
	};
	struct yard_ip_route_row rows[8];
	struct pt_stack s;
	struct ip_route r;

	pt_stack_open(&s, 0, 1400);
	for (unsigned i = 0; i < RTE_DIM(add); i++) {
		r = (struct ip_route){ .ir_dst = rte_cpu_to_be_32(add[i].dst),
				       .ir_prefix = add[i].prefix,
				       .ir_gateway = ipv4(198, 18, 0, 100 + i),
				       .ir_muxid = s.link.muxid };
		cr_assert_geq(pt_istr(s.ip, IP_ROUTE_ADD, &r, sizeof(r)), 0, "route %u", i);
	}
	cr_assert_eq(ip_route_snapshot(rows, RTE_DIM(rows)), (int)RTE_DIM(want));
	for (unsigned i = 0; i < RTE_DIM(want); i++) {
		cr_expect_eq(rows[i].rr_lcore, rte_lcore_id());
		cr_expect_eq(rows[i].rr_dst, rte_cpu_to_be_32(want[i].dst), "row %u", i);
		cr_expect_eq(rows[i].rr_prefix, want[i].prefix, "row %u", i);
		cr_expect_eq(rows[i].rr_ifaddr, PT_ADDR_US, "row %u", i);
		cr_expect_eq(rows[i].rr_mtu, 1400, "row %u", i);
		if (want[i].connected)
			cr_expect_eq(rows[i].rr_gw, 0, "row %u: connected", i);
		else
			cr_expect_neq(rows[i].rr_gw, 0, "row %u: through a gateway", i);
	}
	cr_expect_eq(rows[RTE_DIM(want) - 1].rr_gw, ipv4(198, 18, 0, 100), "the default's");
	memset(rows, 0xee, sizeof(rows));
	cr_assert_eq(ip_route_snapshot(rows, 2), (int)RTE_DIM(want), "all counted");
	cr_expect_eq(rows[1].rr_prefix, 24, "two rows written");
	cr_expect_eq(rows[2].rr_lcore, 0xeeeeeeeeu, "no more than two");
	pt_stack_close(&s);
	cr_assert_eq(ip_route_snapshot(rows, RTE_DIM(rows)), 0, "no instance, no routes");
	pt_assert_clean();
}

/* ip_route_change() (yardctl routes add, del): what IP_ROUTE_ADD and _DEL do, checked. */
YT_TEST(ip, route_change_adds_and_deletes_routes_through_a_router)
{
	const uint32_t net = ipv4(10, 9, 0, 0), gw = PT_ADDR_PEER;
	struct yard_ip_route_row rows[4];
	struct pt_stack s;
	uint32_t got_gw;

	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(ip_route_change(true, net, 16, gw, ipv4(198, 18, 7, 2)), 0,
		     "no link with that address on this lcore: nothing to do");
	cr_assert_eq(ip_route_change(true, net, 16, gw, PT_ADDR_US), 1);
	cr_assert_eq(route_prefix_for(s.ip, ipv4(10, 9, 3, 4), &got_gw), 16);
	cr_assert_eq(got_gw, gw);
	cr_assert_eq(ip_route_change(true, net, 16, gw, PT_ADDR_US), -EEXIST);
	cr_assert_eq(ip_route_change(true, ipv4(10, 8, 0, 0), 16, ipv4(10, 0, 0, 1), PT_ADDR_US),
		     -EINVAL, "a router outside the link's subnet");
	cr_assert_eq(ip_route_change(true, ipv4(10, 8, 0, 0), 16, PT_ADDR_US, PT_ADDR_US),
		     -EINVAL, "our own address as the router");
	cr_assert_eq(ip_route_change(true, ipv4(10, 8, 0, 0), 16, 0, PT_ADDR_US), -EINVAL,
		     "no router");
	cr_assert_eq(ip_route_change(true, ipv4(10, 8, 0, 1), 16, gw, PT_ADDR_US), -EINVAL,
		     "host bits set");
	cr_assert_eq(ip_route_change(true, ipv4(10, 8, 0, 0), 33, gw, PT_ADDR_US), -EINVAL);
	cr_assert_eq(ip_route_change(false, ipv4(198, 18, 0, 0), PT_PREFIX, 0, 0), -EPERM,
		     "the connected route stays");
	cr_assert_eq(ip_route_change(false, ipv4(10, 7, 0, 0), 16, 0, 0), 0, "no such route");
	cr_assert_eq(ip_route_snapshot(rows, RTE_DIM(rows)), 2, "connected and 10.9/16 only");
	cr_assert_eq(ip_route_change(false, net, 16, 0, 0), 1);
	cr_assert_eq(route_prefix_for(s.ip, ipv4(10, 9, 3, 4), &got_gw), -1, "gone");
	cr_assert_eq(ip_route_snapshot(rows, RTE_DIM(rows)), 1);
	pt_stack_close(&s);
	cr_assert_eq(ip_route_change(true, net, 16, gw, PT_ADDR_US), 0, "no instance");
	pt_assert_clean();
}

YT_TEST(ip, forgets_a_link_and_its_routes_at_unlink)
{
	struct ip_route r = { .ir_dst = PT_ADDR_PEER };
	struct pt_stack s;
	uint8_t f[FRAME_MAX];
	mblk_t *mp;
	size_t n;
	int muxid;

	pt_stack_open(&s, 0, 1500);
	cr_assert_geq(pt_istr(s.ip, IP_ROUTE_GET, &r, sizeof(r)), 0);
	cr_assert_eq(r.ir_prefix, PT_PREFIX, "the connected route");
	cr_assert_eq(r.ir_gateway, 0);
	cr_assert_eq(sth_ioctl(s.ip, I_UNLINK, s.link.muxid), 0);
	r = (struct ip_route){ .ir_dst = PT_ADDR_PEER };
	cr_assert_eq(pt_istr(s.ip, IP_ROUTE_GET, &r, sizeof(r)), -ENETUNREACH, "route gone");
	/* The link is an ordinary stream again: IPv4 reaches its stream head. */
	n = pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 1, 1, 8);
	pt_inject(s.link.minor, f, n);
	cr_assert_eq(sth_getmsg_mblk(s.link.sd, &mp), 0);
	freemsg(mp);
	/* Link it again: a new muxid, no address until IP_IFADD. */
	muxid = sth_ioctl(s.ip, I_LINK, (intptr_t)s.link.sd);
	cr_assert_gt(muxid, 0);
	cr_assert_neq(muxid, s.link.muxid);
	pt_inject(s.link.minor, f, n);
	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 0);
	cr_assert_eq(pt_ipstat(s.ip).is_ip.ips_drop_no_if, 1);
	cr_assert_eq(pt_istr(s.ip, IP_IFDEL, &muxid, sizeof(muxid)), -ENXIO, "no address yet");
	{
		struct ip_ifreq ifr = { .ii_muxid = muxid, .ii_addr = PT_ADDR_US,
					.ii_prefix = PT_PREFIX, .ii_mtu = 1500 };

		cr_assert_geq(pt_istr(s.ip, IP_IFADD, &ifr, sizeof(ifr)), 0);
		ping_and_check(&s, 7);
		cr_assert_geq(pt_istr(s.ip, IP_IFDEL, &muxid, sizeof(muxid)), 0);
		r = (struct ip_route){ .ir_dst = PT_ADDR_PEER };
		cr_assert_eq(pt_istr(s.ip, IP_ROUTE_GET, &r, sizeof(r)), -ENETUNREACH);
	}
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, rejects_bad_configuration)
{
	struct ip_ifreq ifr = { .ii_muxid = 999, .ii_addr = PT_ADDR_US, .ii_prefix = 24,
				.ii_mtu = 1500 };
	struct ip_route r = { .ir_dst = FAR, .ir_prefix = 8, .ir_muxid = 999 };
	struct ip_param p = { .ip_max_frags = 1025 };
	struct pt_stack s;

	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(pt_istr(s.ip, IP_IFADD, &ifr, sizeof(ifr)), -ENXIO, "unknown muxid");
	ifr.ii_muxid = s.link.muxid;
	cr_assert_eq(pt_istr(s.ip, IP_IFADD, &ifr, sizeof(ifr)), -EEXIST, "has an address");
	cr_assert_eq(pt_istr(s.ip, IP_ROUTE_ADD, &r, sizeof(r)), -ENXIO);
	r.ir_prefix = 33;
	r.ir_muxid = s.link.muxid;
	cr_assert_eq(pt_istr(s.ip, IP_ROUTE_ADD, &r, sizeof(r)), -EINVAL);
	cr_assert_eq(pt_istr(s.ip, IP_SETPARAM, &p, sizeof(p)), -EINVAL, "more fragments than 64 KB can need");
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, delivers_a_bound_protocol_to_its_upper_stream)
{
	struct pt_stack s;
	struct stdata *u, *u2;
	uint8_t f[FRAME_MAX];
	int proto = 17;
	mblk_t *mp;
	size_t n;

	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(pt_istr(s.ip, IP_PROTO_BIND, &proto, sizeof(proto)), -EINVAL,
		     "not on the control stream");
	cr_assert_eq(sth_open(IP_DRVNAME, 0, &u), 0);
	cr_assert_eq(sth_open(IP_DRVNAME, 0, &u2), 0);
	cr_assert_geq(pt_istr(u, IP_PROTO_BIND, &proto, sizeof(proto)), 0);
	cr_assert_eq(pt_istr(u2, IP_PROTO_BIND, &proto, sizeof(proto)), -EADDRINUSE);
	n = pt_eth(f, &pt_mac_us, &pt_mac_peer, 0x0800);
	n += pt_ipv4(f + n, PT_ADDR_PEER, PT_ADDR_US, 17, 9, 0, 64, NULL, 0, 12);
	memset(f + n, 0x5c, 12);
	n += 12;
	pt_inject(s.link.minor, f, n);
	cr_assert_eq(sth_getmsg_mblk(u, &mp), 0, "delivered up");
	cr_assert_eq(DB_TYPE(mp), M_DATA);
	cr_assert_eq(msgdsize(mp), 32);
	cr_assert_arr_eq(mp->b_rptr, f + 14, 32, "b_rptr at the IPv4 header");
	freemsg(mp);
	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 0, "no protocol unreachable");
	cr_assert_eq(sth_close(u2), 0);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

/*
 * The usual datagram goes up marked YB_IPDGRAM (a 20-byte header, one block of exactly its
 * total length, not a fragment), Ethernet padding trimmed first; within the same burst, a
 * datagram with options and one in two blocks take the long way and go up without the mark
 * even though they came with it, and so does a datagram reassembled from marked fragments;
 * a total length past what arrived or short of the header is still dropped (drop_bad_len).
 */
YT_TEST(ip, marks_only_the_usual_datagram_as_proved_for_the_transport)
{
	static const uint8_t opts[4] = { 1, 1, 1, 0 };
	enum { PLAIN, PADDED, OPTS, TWOBLK, LONGTOT, SHORTTOT, FRAG1, FRAG2, N };
	struct pt_stack s;
	struct stdata *u;
	mblk_t *v[N], *mp;
	unsigned got = 0;
	int proto = 17;

	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(sth_open(IP_DRVNAME, 0, &u), 0);
	cr_assert_geq(pt_istr(u, IP_PROTO_BIND, &proto, sizeof(proto)), 0);
	for (unsigned i = 0; i < N; i++) {
		uint8_t f[FRAME_MAX];
		size_t n = pt_eth(f, &pt_mac_us, &pt_mac_peer, 0x0800), plen = 12;

		switch (i) {
		case OPTS:
			n += pt_ipv4(f + n, PT_ADDR_PEER, PT_ADDR_US, 17, 7, 0, 64, opts,
				     sizeof(opts), plen);
			break;
		case FRAG1: /* 64 bytes (no tiny first fragment), more to come */
			plen = 64;
			n += pt_ipv4(f + n, PT_ADDR_PEER, PT_ADDR_US, 17, 99, 0x2000, 64, NULL, 0,
				     plen);
			break;
		case FRAG2: /* the last 8 bytes, at offset 64 */
			plen = 8;
			n += pt_ipv4(f + n, PT_ADDR_PEER, PT_ADDR_US, 17, 99, 8, 64, NULL, 0, plen);
			break;
		default:
			n += pt_ipv4(f + n, PT_ADDR_PEER, PT_ADDR_US, 17, (uint16_t)i, 0, 64, NULL,
				     0, plen);
			break;
		}
		memset(f + n, 0x30 + (int)i, plen);
		n += plen;
		if (i == PADDED) {
			memset(f + n, 0, 60 - n); /* a minimum Ethernet frame */
			n = 60;
		}
		if (i == LONGTOT || i == SHORTTOT) {
			/* A total length past what arrived, or short of the header: the long way's
			 * bounds, from the middle of a burst (checksum fixed: only the length is bad). */
			uint16_t tot = i == LONGTOT ? 33 : 19, c;

			f[14 + 2] = (uint8_t)(tot >> 8), f[14 + 3] = (uint8_t)tot;
			f[14 + 10] = f[14 + 11] = 0;
			c = pt_cksum(f + 14, 20);
			f[14 + 10] = (uint8_t)(c >> 8), f[14 + 11] = (uint8_t)c;
		}
		if (i == TWOBLK) {
			v[i] = yard_allocb_hr(34, RTE_PKTMBUF_HEADROOM);
			memcpy(v[i]->b_wptr, f, 34);
			v[i]->b_wptr += 34;
			v[i]->b_cont = yard_allocb_hr(n - 34, RTE_PKTMBUF_HEADROOM);
			memcpy(v[i]->b_cont->b_wptr, f + 34, n - 34);
			v[i]->b_cont->b_wptr += n - 34;
		} else {
			v[i] = yard_allocb_hr(n, RTE_PKTMBUF_HEADROOM);
			memcpy(v[i]->b_wptr, f, n);
			v[i]->b_wptr += n;
		}
		v[i]->b_yflags |= YB_IPDGRAM; /* stale: only ip's own verdict may stand */
	}
	cr_assert_eq(yard_loop_inject_burst(s.link.minor, v, N), 0);
	yt_drain();
	while (sth_getmsg_mblk(u, &mp) == 0) {
		uint16_t id;

		cr_assert_eq(DB_TYPE(mp), M_DATA);
		memcpy(&id, mp->b_rptr + 4, 2);
		id = rte_be_to_cpu_16(id);
		if (id == PLAIN || id == PADDED) {
			cr_expect_eq(mp->b_yflags & YB_IPDGRAM, YB_IPDGRAM, "datagram %u marked", id);
			cr_expect_null(mp->b_cont);
			cr_expect_eq(MBLKL(mp), 32, "datagram %u: its total length, no padding", id);
		} else {
			cr_expect_eq(mp->b_yflags & YB_IPDGRAM, 0, "datagram %u not marked", id);
		}
		got++;
		freemsg(mp);
	}
	cr_assert_eq(got, 5, "four datagrams and the reassembled one");
	cr_expect_eq(pt_ipstat(s.ip).is_ip.ips_drop_bad_len, 2);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

/*
 * One burst from one peer with bad sources in between (ours, zero, broadcast, right after a
 * good one and at the start): ip keeps the last good source's verdict within a burst, and
 * every other source is still checked and counted.
 */
YT_TEST(ip, checks_the_source_of_every_datagram_of_a_burst)
{
	static const uint32_t srcs[] = {
		0, PT_ADDR_PEER, PT_ADDR_PEER, PT_ADDR_US, 0, PT_ADDR_PEER, UINT32_MAX,
		PT_ADDR_PEER, PT_IPV4(127, 0, 0, 1), PT_ADDR_PEER,
	};
	struct pt_stack s;
	struct stdata *u;
	mblk_t *v[RTE_DIM(srcs)], *mp;
	struct ip_stats st;
	unsigned got = 0, good = 0;
	int proto = 17;

	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(sth_open(IP_DRVNAME, 0, &u), 0);
	cr_assert_geq(pt_istr(u, IP_PROTO_BIND, &proto, sizeof(proto)), 0);
	for (unsigned i = 0; i < RTE_DIM(srcs); i++) {
		uint8_t f[FRAME_MAX];
		size_t n = pt_eth(f, &pt_mac_us, &pt_mac_peer, 0x0800);

		n += pt_ipv4(f + n, srcs[i], PT_ADDR_US, 17, (uint16_t)(100 + i), 0, 64, NULL, 0,
			     12);
		memset(f + n, (int)i, 12);
		n += 12;
		v[i] = yard_allocb_hr(n, RTE_PKTMBUF_HEADROOM);
		cr_assert_not_null(v[i]);
		memcpy(v[i]->b_wptr, f, n);
		v[i]->b_wptr += n;
		good += srcs[i] == PT_ADDR_PEER;
	}
	cr_assert_eq(yard_loop_inject_burst(s.link.minor, v, RTE_DIM(srcs)), 0);
	yt_drain();
	while (sth_getmsg_mblk(u, &mp) == 0) {
		uint32_t src;

		memcpy(&src, mp->b_rptr + 12, 4);
		cr_assert_eq(src, PT_ADDR_PEER, "only the good source's datagrams went up");
		got++;
		freemsg(mp);
	}
	cr_assert_eq(got, good);
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_drop_bad_src, RTE_DIM(srcs) - good);
	cr_assert_eq(st.is_ip.ips_rx_delivered, good);
	cr_assert_eq(st.is_ip.ips_rx_packets, RTE_DIM(srcs));
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, sends_unitdata_from_an_upper_stream_fragmented)
{
	struct ip_unitdata_req req = {
		.iu_prim = IP_UNITDATA_REQ, .iu_dst = PT_ADDR_PEER, .iu_proto = 0,
	};
	static uint8_t data[4000];
	uint8_t got[8192];
	struct strbuf ctl = { .len = sizeof(req), .buf = (char *)&req };
	struct strbuf dat = { .len = sizeof(data), .buf = (char *)data };
	struct pt_stack s;
	struct stdata *u;
	int proto = 253;
	unsigned nfrags;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(sth_open(IP_DRVNAME, 0, &u), 0);
	cr_assert_geq(pt_istr(u, IP_PROTO_BIND, &proto, sizeof(proto)), 0);
	cr_assert_eq(sth_putmsg(u, &ctl, &dat, 0), 0);
	yt_drain();
	cr_assert_eq(take_fragments(s.link.minor, PT_ADDR_PEER, 253, got, sizeof(got), &nfrags),
		     sizeof(data));
	cr_assert_eq(nfrags, 3);
	cr_assert_arr_eq(got, data, sizeof(data));
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

/*
 * A whole datagram from above (M_DATA: the sender built the header) with options, past the
 * MTU: the first fragment carries every option, the others only those whose copied flag is
 * set (RFC 791 3.1: Router Alert here, not Record Route), padded to a multiple of four; every
 * fragment's header checksum verifies and the payload comes back whole.
 */
YT_TEST(ip, fragments_a_raw_datagram_copying_only_the_copied_options)
{
	static const uint8_t opts[12] = {
		7, 7, 4, 0, 0, 0, 0, /* Record Route, one empty slot: not copied */
		1,                   /* NOP */
		0x94, 4, 0, 0,       /* Router Alert: copied */
	};
	static uint8_t dgram[32 + 3000], got[4000];
	struct strbuf dat = { .len = sizeof(dgram), .buf = (char *)dgram };
	uint8_t f[FRAME_MAX];
	struct pt_stack s;
	struct stdata *u;
	int proto = 253;
	uint32_t dst = PT_ADDR_PEER;
	unsigned nfrags = 0, firsts = 0;
	size_t n, got_bytes = 0;

	dgram[0] = 0x48; /* IHL 8: 32 bytes */
	dgram[2] = (uint8_t)(sizeof(dgram) >> 8);
	dgram[3] = (uint8_t)sizeof(dgram);
	dgram[8] = 64;
	dgram[9] = 253;
	memcpy(dgram + 16, &dst, 4); /* source 0 and identification 0: ip fills them */
	memcpy(dgram + 20, opts, sizeof(opts));
	for (size_t i = 32; i < sizeof(dgram); i++)
		dgram[i] = (uint8_t)(i * 7 + (i >> 8));
	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(sth_open(IP_DRVNAME, 0, &u), 0);
	cr_assert_geq(pt_istr(u, IP_PROTO_BIND, &proto, sizeof(proto)), 0);
	cr_assert_eq(sth_putmsg(u, NULL, &dat, 0), 0);
	yt_drain();
	while ((n = pt_take(s.link.minor, f, sizeof(f))) != 0) {
		unsigned hlen = check_ip_frame(f, n, PT_ADDR_US, PT_ADDR_PEER, 253);
		unsigned field = rd16(f + 14 + 6);
		size_t off = (field & 0x1fff) * 8u, len = n - 14 - hlen;

		cr_assert_leq(n - 14, 1500, "fragment within the MTU");
		if (off == 0) {
			firsts++;
			cr_assert_eq(hlen, 32, "the first fragment has every option");
			cr_assert_arr_eq(f + 14 + 20, opts, sizeof(opts));
		} else {
			cr_assert_eq(hlen, 24, "a later one only the copied option (%u)", hlen);
			cr_assert_arr_eq(f + 14 + 20, opts + 8, 4);
		}
		cr_assert_eq(!!(field & 0x2000), off + len < 3000, "MF on all but the last");
		cr_assert_leq(off + len, 3000);
		memcpy(got + off, f + 14 + hlen, len);
		got_bytes += len;
		nfrags++;
	}
	cr_assert_eq(firsts, 1);
	cr_assert_eq(nfrags, 3, "1464 + 1472 + 64 bytes (%u fragments)", nfrags);
	cr_assert_eq(got_bytes, 3000);
	cr_assert_arr_eq(got, dgram + 32, 3000);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, queues_on_a_full_link_and_sends_when_it_drains)
{
	struct ip_unitdata_req req = { .iu_prim = IP_UNITDATA_REQ, .iu_dst = PT_ADDR_PEER };
	static uint8_t data[4000];
	struct strbuf ctl = { .len = sizeof(req), .buf = (char *)&req };
	struct strbuf dat = { .len = sizeof(data), .buf = (char *)data };
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st;
	int proto = 253;
	unsigned frames = 0;

	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(sth_open(IP_DRVNAME, 0, &u), 0);
	cr_assert_geq(pt_istr(u, IP_PROTO_BIND, &proto, sizeof(proto)), 0);
	/* 30 datagrams, 90 fragments, without letting the loop driver's service run. */
	for (int i = 0; i < 30; i++)
		cr_assert_eq(sth_putmsg(u, &ctl, &dat, 0), 0);
	st = pt_ipstat(s.ip); /* (the ioctl ran the scheduler: the driver has drained since) */
	cr_assert_gt(st.is_ip.ips_tx_queued, 0, "the driver filled up and ip queued");
	cr_assert_eq(st.is_ip.ips_drop_tx_flow, 0, "nothing dropped below the high-water mark");
	yt_drain();
	while (pt_take(s.link.minor, (uint8_t[FRAME_MAX]){ 0 }, FRAME_MAX) != 0)
		frames++;
	cr_assert_eq(frames, 90, "every fragment went out in the end (%u)", frames);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

/* A stack whose link is held (the loop driver turns nothing around), an upper stream on 253. */
static void
open_held(struct pt_stack *s, struct stdata **u)
{
	int proto = 253;

	pt_stack_open(s, 0, 1500);
	cr_assert_eq(sth_open(IP_DRVNAME, 0, u), 0);
	cr_assert_geq(pt_istr(*u, IP_PROTO_BIND, &proto, sizeof(proto)), 0);
	cr_assert_eq(yard_loop_hold(s->link.minor, true), 0);
}

/*
 * Fill a held link through an upper stream bound to protocol 253, 4000-byte datagrams whose
 * first four payload bytes number them, until the stream head is refused. Returns how many
 * went.
 */
static unsigned
fill_held_link(struct stdata *u)
{
	struct ip_unitdata_req req = { .iu_prim = IP_UNITDATA_REQ, .iu_dst = PT_ADDR_PEER };
	static uint8_t data[4000];
	struct strbuf ctl = { .len = sizeof(req), .buf = (char *)&req };
	struct strbuf dat = { .len = sizeof(data), .buf = (char *)data };
	unsigned sent;
	int rc;

	for (sent = 0; sent < 2000; sent++) {
		uint32_t seq = sent;

		memcpy(data, &seq, sizeof(seq));
		rc = sth_putmsg(u, &ctl, &dat, 0);
		if (rc == -EAGAIN)
			break;
		cr_assert_eq(rc, 0, "putmsg %u: %d", sent, rc);
		if (sent % 8 == 7)
			yt_drain(); /* services run as they would between bursts */
	}
	cr_assert_lt(sent, 2000, "the writer was flow controlled in the end");
	return sent;
}

/* Take every frame of the link: datagrams numbered as fill_held_link() numbers them, in order. */
static unsigned
take_numbered(int minor, unsigned *frames)
{
	uint8_t f[FRAME_MAX];
	unsigned next = 0;
	size_t n;

	*frames = 0;
	while ((n = pt_take(minor, f, sizeof(f))) != 0) {
		unsigned hlen = check_ip_frame(f, n, PT_ADDR_US, PT_ADDR_PEER, 253);
		uint32_t seq;

		(*frames)++;
		if ((rd16(f + 14 + 6) & 0x1fff) != 0)
			continue;
		memcpy(&seq, f + 14 + hlen, sizeof(seq));
		cr_assert_eq(seq, next, "datagram %u came in its place (got %u)", next, seq);
		next++;
	}
	return next;
}

YT_TEST(ip, holds_back_a_writer_while_its_link_is_full_and_loses_nothing)
{
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st;
	unsigned sent, frames;
	uint8_t one[4] = { 0 };
	struct ip_unitdata_req req = { .iu_prim = IP_UNITDATA_REQ, .iu_dst = PT_ADDR_PEER };
	struct strbuf ctl = { .len = sizeof(req), .buf = (char *)&req };
	struct strbuf dat = { .len = sizeof(one), .buf = (char *)one };

	open_held(&s, &u);
	sent = fill_held_link(u);
	st = pt_ipstat(s.ip);
	/* the driver (64 KiB) and the link's queue (256 KiB) hold ~80 datagrams before ip holds
	 * the writer back, then its own write queue (64 KiB) fills */
	cr_assert_gt(sent, 80, "%u datagrams", sent);
	cr_assert_eq(st.is_ip.ips_tx_held, 1, "held back once");
	cr_assert_gt(st.is_ip.ips_tx_held_msgs, 10, "what it sent since waits on its queue");
	cr_assert_eq(st.is_ip.ips_drop_tx_flow, 0, "nothing dropped");
	cr_assert_eq(sth_putmsg(u, &ctl, &dat, 0), -EAGAIN, "still refused");

	cr_assert_eq(yard_loop_hold(s.link.minor, false), 0);
	yt_drain();
	cr_assert_eq(take_numbered(s.link.minor, &frames), sent, "every datagram, in order");
	cr_assert_eq(frames, sent * 3, "every fragment");
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_drop_tx_flow, 0);
	cr_assert_eq(st.is_ip.ips_tx_datagrams, sent);
	cr_assert_eq(sth_putmsg(u, &ctl, &dat, 0), 0, "the writer goes on");
	yt_drain();
	cr_assert_eq(pt_discard(s.link.minor), 1);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, holds_back_the_rest_of_a_burst_behind_a_datagram_that_filled_the_link)
{
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st;
	unsigned frames, got = 0;
	mblk_t *v[24];

	open_held(&s, &u);
	/* 24 bursts of 24 fragmented datagrams: the link fills in the middle of one */
	for (unsigned b = 0; b < 24 && pt_ipstat(s.ip).is_ip.ips_tx_held == 0; b++) {
		for (unsigned i = 0; i < RTE_DIM(v); i++) {
			struct ip_unitdata_req req = {
				.iu_prim = IP_UNITDATA_REQ, .iu_dst = PT_ADDR_PEER, .iu_proto = 253,
			};
			uint32_t seq = b * (unsigned)RTE_DIM(v) + i;

			v[i] = allocb(sizeof(req), BPRI_MED);
			cr_assert_not_null(v[i]);
			DB_TYPE(v[i]) = M_PROTO;
			memcpy(v[i]->b_wptr, &req, sizeof(req));
			v[i]->b_wptr += sizeof(req);
			v[i]->b_cont = allocb(4000, BPRI_MED);
			cr_assert_not_null(v[i]->b_cont);
			memset(v[i]->b_cont->b_wptr, 0, 4000);
			memcpy(v[i]->b_cont->b_wptr, &seq, sizeof(seq));
			v[i]->b_cont->b_wptr += 4000;
		}
		putnext_burst(u->sd_wrq, v, RTE_DIM(v));
		got += RTE_DIM(v);
	}
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_tx_held, 1);
	cr_assert_gt(st.is_ip.ips_tx_held_msgs, 0, "the rest of the burst waits");
	cr_assert_eq(st.is_ip.ips_drop_tx_flow, 0);
	cr_assert_eq(yard_loop_hold(s.link.minor, false), 0);
	yt_drain();
	cr_assert_eq(take_numbered(s.link.minor, &frames), got, "every datagram, in order");
	cr_assert_eq(frames, got * 3);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, drops_its_own_replies_at_a_full_link_and_holds_nobody_back)
{
	uint8_t f[FRAME_MAX];
	size_t n = pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 7, 0, 1400);
	struct pt_stack s;
	struct ip_stats st;
	unsigned frames = 0;

	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(yard_loop_hold(s.link.minor, true), 0);
	/* 64 KiB in the driver, 256 KiB on the link's queue: 300 replies do not fit */
	for (unsigned i = 0; i < 300; i++)
		pt_inject(s.link.minor, f, n);
	yt_drain();
	st = pt_ipstat(s.ip);
	cr_assert_gt(st.is_ip.ips_drop_tx_flow, 0, "ip's own replies dropped at high water");
	cr_assert_eq(st.is_ip.ips_tx_held, 0, "no writer to hold back");
	cr_assert_eq(yard_loop_hold(s.link.minor, false), 0);
	yt_drain();
	while (pt_take(s.link.minor, f, sizeof(f)) != 0)
		frames++;
	cr_assert_eq(frames + st.is_ip.ips_drop_tx_flow, 300, "each reply sent or counted");
	pt_stack_close(&s);
	pt_assert_clean();
}

/* An IGMP report is ip's own too, but few and precious: queued past high water, not dropped. */
YT_TEST(ip, queues_its_membership_reports_at_a_full_link)
{
	uint8_t f[FRAME_MAX];
	size_t n = pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 7, 0, 1400);
	const uint32_t group = PT_IPV4(239, 7, 7, 7);
	struct pt_stack s;
	struct ip_stats st;
	uint64_t dropped;
	unsigned reports = 0;
	int muxid;

	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(yard_loop_hold(s.link.minor, true), 0);
	for (unsigned i = 0; i < 300; i++)
		pt_inject(s.link.minor, f, n);
	yt_drain();
	dropped = pt_ipstat(s.ip).is_ip.ips_drop_tx_flow;
	cr_assert_gt(dropped, 0, "the link's queue is at high water");
	muxid = ip_mcast_join(rte_lcore_id(), group, 0);
	cr_assert_eq(muxid, s.link.muxid);
	yt_drain();
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_drop_tx_flow, dropped, "the report was queued");
	cr_assert_eq(st.is_ip.ips_igmp_tx_reports, 1);
	cr_assert_eq(yard_loop_hold(s.link.minor, false), 0);
	yt_drain();
	while ((n = pt_take(s.link.minor, f, sizeof(f))) != 0)
		reports += n > 14 + 24 && f[14 + 9] == 2 /* IGMP */;
	cr_assert_eq(reports, 1, "the report went out after the replies ahead of it");
	cr_assert_eq(ip_mcast_leave(rte_lcore_id(), group, muxid), 0);
	pt_run_ms(1100); /* the join's and the leave's retransmissions */
	(void)pt_discard(s.link.minor);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, lets_a_held_writer_go_when_its_link_is_unlinked)
{
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st;
	unsigned sent;

	open_held(&s, &u);
	sent = fill_held_link(u);
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_tx_held, 1);
	cr_assert_eq(sth_ioctl(s.ip, I_UNLINK, s.link.muxid), 0, "I_UNLINK");
	s.link.muxid = 0;
	yt_drain();
	st = pt_ipstat(s.ip);
	/* what waited above has no route now: routed again and counted, not stuck */
	cr_assert_eq(st.is_ip.ips_drop_no_route, st.is_ip.ips_tx_held_msgs,
		     "%" PRIu64 " held, %" PRIu64 " without a route", st.is_ip.ips_tx_held_msgs,
		     st.is_ip.ips_drop_no_route);
	cr_assert_gt(sent, 0);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

/* An IP_UNITDATA_REQ to dst with len payload bytes, the first one tag. */
static mblk_t *
unitdata(uint32_t dst, size_t len, uint8_t tag)
{
	struct ip_unitdata_req req = { .iu_prim = IP_UNITDATA_REQ, .iu_dst = dst };
	mblk_t *mp = allocb(sizeof(req), BPRI_MED);

	cr_assert_not_null(mp);
	DB_TYPE(mp) = M_PROTO;
	memcpy(mp->b_wptr, &req, sizeof(req));
	mp->b_wptr += sizeof(req);
	mp->b_cont = yard_allocb_hr(len, 64);
	cr_assert_not_null(mp->b_cont);
	memset(mp->b_cont->b_wptr, tag, len);
	mp->b_cont->b_wptr += len;
	return mp;
}

YT_TEST(ip, routes_a_burst_once_per_destination_and_keeps_its_order)
{
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st0, st;
	uint8_t f[FRAME_MAX];
	/* tag of each frame expected, in order: the 4000-byte datagram goes as 3 fragments */
	const uint8_t tags[] = { 1, 2, 4, 4, 4, 5 };
	int proto = 253;
	mblk_t *v[5];
	size_t n;

	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(sth_open(IP_DRVNAME, 0, &u), 0);
	cr_assert_geq(pt_istr(u, IP_PROTO_BIND, &proto, sizeof(proto)), 0);
	v[0] = unitdata(PT_ADDR_PEER, 30, 1);
	v[1] = unitdata(PT_ADDR_PEER, 31, 2);
	v[2] = unitdata(PT_IPV4(203, 0, 113, 1), 32, 3); /* no route */
	v[3] = unitdata(PT_ADDR_PEER, 4000, 4);
	v[4] = unitdata(PT_ADDR_PEER, 33, 5);
	st0 = pt_ipstat(s.ip);
	cr_assert_eq(sth_putmsg_mblk_burst(u, v, 5, 0), 5);
	yt_drain();
	st = pt_ipstat(s.ip);
	for (unsigned i = 0; i < RTE_DIM(tags); i++) {
		unsigned hl;

		n = pt_take(s.link.minor, f, sizeof(f));
		cr_assert_gt(n, 14 + 20, "frame %u", i);
		hl = (f[14] & 0xf) * 4u;
		cr_assert_eq(f[14 + hl], tags[i], "frame %u in order", i);
	}
	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 0);
	cr_assert_eq(st.is_ip.ips_drop_no_route - st0.is_ip.ips_drop_no_route, 1);
	cr_assert_eq(st.is_ip.ips_tx_route_cached - st0.is_ip.ips_tx_route_cached, 3,
		     "one lookup for PEER; the failed one leaves the cache as it was");
	cr_assert_eq(st.is_ip.ips_tx_packets - st0.is_ip.ips_tx_packets, 6);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, builds_the_header_an_ip_unitdata_req_asks_for)
{
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st0, st;
	struct ip_unitdata_req *req;
	uint8_t f[FRAME_MAX], *ip = f + 14;
	uint32_t a;
	int proto = 253;
	mblk_t *v[3];

	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(sth_open(IP_DRVNAME, 0, &u), 0);
	cr_assert_geq(pt_istr(u, IP_PROTO_BIND, &proto, sizeof(proto)), 0);
	v[0] = unitdata(PT_ADDR_PEER, 30, 1);
	req = (struct ip_unitdata_req *)v[0]->b_rptr;
	req->iu_tos = 0x10;
	req->iu_ttl = 7;
	req->iu_flags = IP_UNITDATA_DF;
	v[1] = unitdata(PT_ADDR_PEER, 31, 2); /* TTL 0: the default; source 0: the link's */
	v[2] = unitdata(PT_ADDR_PEER, 4000, 3);
	((struct ip_unitdata_req *)v[2]->b_rptr)->iu_flags = IP_UNITDATA_DF; /* too big for 1500 */
	st0 = pt_ipstat(s.ip);
	cr_assert_eq(sth_putmsg_mblk_burst(u, v, 3, 0), 3);
	yt_drain();
	st = pt_ipstat(s.ip);

	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 14 + 20 + 30);
	cr_assert_eq(ip[0], 0x45);
	cr_assert_eq(ip[1], 0x10, "TOS as asked");
	cr_assert_eq(ip[2] << 8 | ip[3], 50);
	cr_assert_eq(ip[6], 0x40, "DF as asked, not a fragment");
	cr_assert_eq(ip[7], 0);
	cr_assert_eq(ip[8], 7, "TTL as asked");
	cr_assert_eq(ip[9], 253);
	memcpy(&a, ip + 12, 4);
	cr_assert_eq(a, PT_ADDR_US, "the outgoing link's address fills a zero source");
	memcpy(&a, ip + 16, 4);
	cr_assert_eq(a, PT_ADDR_PEER);
	cr_assert_eq(pt_cksum(ip, 20), 0, "header checksum verifies");
	cr_assert_eq(ip[20], 1);

	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 14 + 20 + 31);
	cr_assert_eq(ip[1], 0);
	cr_assert_eq(ip[6], 0, "no DF unless asked");
	cr_assert_eq(ip[8], 64, "the default TTL (ip_default_ttl)");
	cr_assert_eq(pt_cksum(ip, 20), 0, "header checksum verifies");
	cr_assert_eq(ip[20], 2);

	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 0, "DF and too big: not sent");
	cr_assert_eq(st.is_ip.ips_drop_df - st0.is_ip.ips_drop_df, 1);
	cr_assert_eq(st.is_ip.ips_tx_datagrams - st0.is_ip.ips_tx_datagrams, 3);
	cr_assert_eq(st.is_ip.ips_tx_packets - st0.is_ip.ips_tx_packets, 2);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, sends_a_burst_the_short_way_and_what_it_leaves_the_long_way)
{
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st0, st;
	uint8_t f[FRAME_MAX], *ip = f + 14;
	/*
	 * One burst, what each request is and the way it should take:
	 *   1 OWNED, the defaults       long (the route cache is empty): fills the template
	 *   2 OWNED, the defaults       short
	 *   3 OWNED, TOS, TTL, DF       long (another template), then
	 *   4 OWNED, TOS, TTL, DF       short, with the new template
	 *   5 not OWNED, payload shared long: its header goes elsewhere
	 *   6 OWNED, 4000 bytes         long (the template is 3's), fragmented
	 *   7 OWNED, the defaults       long: refills the template, then
	 *   8 OWNED, 4000 bytes         short refused (longer than the MTU): long, fragmented
	 *   9 OWNED, protocol 0         long (no template for the bound protocol)
	 *  10 OWNED, the defaults       short (7's template still holds)
	 *  11 no flags                  long: ip checks everything itself
	 */
	static const size_t len[] = { 30, 31, 32, 33, 34, 4000, 35, 4000, 36, 37, 38 };
	const uint8_t tags[] = { 1, 2, 3, 4, 5, 6, 6, 6, 7, 8, 8, 8, 9, 10, 11 };
	int proto = 253;
	mblk_t *v[RTE_DIM(len)], *dup;
	uint32_t a;

	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(sth_open(IP_DRVNAME, 0, &u), 0);
	cr_assert_geq(pt_istr(u, IP_PROTO_BIND, &proto, sizeof(proto)), 0);
	for (unsigned i = 0; i < RTE_DIM(v); i++) {
		struct ip_unitdata_req *req;

		v[i] = unitdata(PT_ADDR_PEER, len[i], (uint8_t)(i + 1));
		req = (struct ip_unitdata_req *)v[i]->b_rptr;
		req->iu_proto = i == 8 ? 0 : 253;
		req->iu_flags = i == 4 || i == 10 ? 0 : IP_UNITDATA_OWNED;
		if (i == 2 || i == 3) {
			req->iu_tos = 0x10;
			req->iu_ttl = 7;
			req->iu_flags |= IP_UNITDATA_DF;
		}
	}
	dup = dupb(v[4]->b_cont); /* payload referenced twice (so not OWNED) */
	cr_assert_not_null(dup);
	st0 = pt_ipstat(s.ip);
	cr_assert_eq(sth_putmsg_mblk_burst(u, v, RTE_DIM(v), 0), (int)RTE_DIM(v));
	yt_drain();
	st = pt_ipstat(s.ip);
	for (unsigned i = 0; i < RTE_DIM(tags); i++) {
		size_t n = pt_take(s.link.minor, f, sizeof(f));
		unsigned t = tags[i] - 1u;
		bool opts = t == 2 || t == 3;

		cr_assert_gt(n, 14 + 20, "frame %u", i);
		cr_assert_eq(f[14 + (ip[0] & 0xf) * 4u], tags[i], "frame %u in order", i);
		cr_assert_eq(ip[9], 253, "frame %u", i);
		cr_assert_eq(pt_cksum(ip, (ip[0] & 0xf) * 4u), 0, "frame %u: checksum verifies", i);
		memcpy(&a, ip + 12, 4);
		cr_assert_eq(a, PT_ADDR_US, "frame %u: the link's address fills a zero source", i);
		memcpy(&a, ip + 16, 4);
		cr_assert_eq(a, PT_ADDR_PEER);
		cr_assert_eq(ip[1], opts ? 0x10 : 0, "frame %u: TOS as asked", i);
		cr_assert_eq(ip[8], opts ? 7 : 64, "frame %u: TTL as asked, else the default", i);
		if (len[t] > 1500)
			continue; /* a fragment */
		cr_assert_eq(ip[0], 0x45);
		cr_assert_eq(n, 14 + 20 + len[t], "frame %u", i);
		cr_assert_eq(ip[2] << 8 | ip[3], 20 + len[t]);
		cr_assert_eq(ip[6], opts ? 0x40 : 0, "frame %u: DF as asked", i);
		cr_assert_eq(ip[7], 0);
	}
	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 0);
	cr_assert_eq(st.is_ip.ips_tx_datagrams - st0.is_ip.ips_tx_datagrams, RTE_DIM(v));
	cr_assert_eq(st.is_ip.ips_tx_packets - st0.is_ip.ips_tx_packets, RTE_DIM(tags));
	cr_assert_eq(st.is_ip.ips_tx_route_cached - st0.is_ip.ips_tx_route_cached,
		     RTE_DIM(v) - 1, "one lookup for the burst");
	cr_assert_eq(st.is_ip.ips_drop_bad_unitdata - st0.is_ip.ips_drop_bad_unitdata, 0);
	cr_assert_eq(MBLKL(dup), 34, "the other reference's data as it was");
	cr_assert_eq(dup->b_rptr[0], 5);
	freemsg(dup);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, gives_each_datagram_of_the_short_way_its_own_identification)
{
	struct pt_stack s;
	struct stdata *u;
	uint8_t f[FRAME_MAX], *ip = f + 14;
	int proto = 253;
	mblk_t *v[8];
	uint16_t id[RTE_DIM(v)];

	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(sth_open(IP_DRVNAME, 0, &u), 0);
	cr_assert_geq(pt_istr(u, IP_PROTO_BIND, &proto, sizeof(proto)), 0);
	for (unsigned i = 0; i < RTE_DIM(v); i++) {
		v[i] = unitdata(PT_ADDR_PEER, 20 + i, (uint8_t)(i + 1));
		((struct ip_unitdata_req *)v[i]->b_rptr)->iu_flags = IP_UNITDATA_OWNED;
		((struct ip_unitdata_req *)v[i]->b_rptr)->iu_proto = 253;
	}
	cr_assert_eq(sth_putmsg_mblk_burst(u, v, RTE_DIM(v), 0), (int)RTE_DIM(v));
	yt_drain();
	for (unsigned i = 0; i < RTE_DIM(v); i++) {
		cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 14 + 20 + 20 + i, "frame %u", i);
		cr_assert_eq(ip[2] << 8 | ip[3], 20 + 20 + i, "frame %u: its own length", i);
		cr_assert_eq(pt_cksum(ip, 20), 0, "frame %u: checksum verifies", i);
		cr_assert_eq(ip[20], i + 1);
		id[i] = (uint16_t)(ip[4] << 8 | ip[5]);
		if (i != 0)
			cr_assert_eq(id[i], (uint16_t)(id[i - 1] + 1), "frame %u: the next id", i);
	}
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, hangs_up_upper_streams_when_the_control_stream_closes)
{
	struct pt_stack s;
	struct stdata *u;

	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(sth_open(IP_DRVNAME, 0, &u), 0);
	cr_assert_eq(sth_close(s.ip), 0);
	yt_drain();
	cr_assert(u->sd_flag & STRHUP, "the upper stream was hung up");
	cr_assert_eq(sth_close(u), 0);
	pt_link_close(&s.link);
	pt_assert_clean();
}

/* ---- ICMP errors -------------------------------------------------------------------------- */

YT_TEST(icmp, rate_limits_protocol_unreachable)
{
	struct ip_param p = { .ip_icmp_rate = 1, .ip_icmp_burst = 3 };
	struct pt_stack s;
	uint8_t f[FRAME_MAX], sent[FRAME_MAX];
	struct ip_stats st;
	unsigned replies = 0;
	size_t n, sn = 0;

	pt_stack_open(&s, 0, 1500);
	cr_assert_geq(pt_istr(s.ip, IP_SETPARAM, &p, sizeof(p)), 0);
	for (int i = 0; i < 10; i++) {
		sn = pt_eth(sent, &pt_mac_us, &pt_mac_peer, 0x0800);
		sn += pt_ipv4(sent + sn, PT_ADDR_PEER, PT_ADDR_US, 200, (uint16_t)i, 0, 64, NULL, 0,
			      16);
		memset(sent + sn, i, 16);
		sn += 16;
		pt_inject(s.link.minor, sent, sn);
	}
	while ((n = pt_take(s.link.minor, f, sizeof(f))) != 0) {
		unsigned hlen = check_ip_frame(f, n, PT_ADDR_US, PT_ADDR_PEER, IPPROTO_ICMP);
		const uint8_t *ic = f + 14 + hlen;

		cr_assert_eq(ic[0], 3, "destination unreachable");
		cr_assert_eq(ic[1], 2, "protocol unreachable");
		cr_assert_eq(pt_cksum(ic, n - 14 - hlen), 0);
		cr_assert_eq(n - 14 - hlen, 8 + 20 + 8, "quotes the header and 8 bytes");
		cr_assert_eq(ic[8 + 9], 200, "about the protocol-200 datagram");
		replies++;
	}
	cr_assert_eq(replies, 3, "the burst, then nothing: got %u", replies);
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_drop_proto_unreach, 10);
	cr_assert_eq(st.is_icmp.icmps_tx_proto_unreach, 3);
	cr_assert_eq(st.is_icmp.icmps_err_ratelimited, 7);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(icmp, sends_no_error_about_a_broadcast)
{
	struct pt_stack s;
	uint8_t f[FRAME_MAX];
	size_t n;

	pt_stack_open(&s, 0, 1500);
	n = pt_eth(f, &pt_mac_bcast, &pt_mac_peer, 0x0800);
	n += pt_ipv4(f + n, PT_ADDR_PEER, BCAST, 200, 1, 0, 64, NULL, 0, 8);
	memset(f + n, 0, 8);
	pt_inject(s.link.minor, f, n + 8);
	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 0);
	cr_assert_eq(pt_ipstat(s.ip).is_icmp.icmps_err_suppressed, 1);
	pt_stack_close(&s);
	pt_assert_clean();
}

/* ---- offloads ----------------------------------------------------------------------------- */

YT_TEST(ip, leaves_the_header_checksum_to_a_port_that_computes_it)
{
	struct pt_stack s;
	uint8_t f[FRAME_MAX];
	struct rte_mbuf *m;
	mblk_t *mp;
	size_t n;

	pt_stack_open(&s, YARD_LINK_CAP_TX_IPV4_CKSUM, 1500);
	n = pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 1, 1, 8);
	pt_inject(s.link.minor, f, n);
	mp = yard_loop_take(s.link.minor);
	cr_assert_not_null(mp);
	m = yard_mblk_mbuf(mp);
	cr_assert(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
	cr_assert(m->ol_flags & RTE_MBUF_F_TX_IPV4);
	cr_assert_eq(m->l2_len, 14);
	cr_assert_eq(m->l3_len, 20);
	cr_assert_eq(mp->b_rptr[14 + 10], 0, "checksum left at 0 for the port");
	cr_assert_eq(mp->b_rptr[14 + 11], 0);
	freemsg(mp);
	cr_assert_eq(pt_ipstat(s.ip).is_ip.ips_tx_cksum_hw, 1);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, trusts_the_ports_checksum_verdict_only_when_it_gives_one)
{
	struct pt_stack s;
	uint8_t f[FRAME_MAX];
	struct ip_stats st;
	size_t n;

	pt_stack_open(&s, YARD_LINK_CAP_RX_IPV4_CKSUM, 1500);
	n = pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 1, 1, 8);
	pt_inject_flags(s.link.minor, f, n, RTE_MBUF_F_RX_IP_CKSUM_BAD);
	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 0, "the port said bad");
	n = pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 1, 2, 8);
	f[14 + 10] ^= 0xff; /* wrong, but the port says good: not checked again */
	pt_inject_flags(s.link.minor, f, n, RTE_MBUF_F_RX_IP_CKSUM_GOOD);
	cr_assert_gt(pt_take(s.link.minor, f, sizeof(f)), 0);
	n = pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 1, 3, 8);
	f[14 + 10] ^= 0xff; /* no verdict (UNKNOWN): checked in software */
	pt_inject(s.link.minor, f, n);
	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 0);
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_drop_bad_cksum, 2);
	cr_assert_eq(st.is_ip.ips_rx_cksum_hw, 1);
	pt_stack_close(&s);
	pt_assert_clean();
}

/* ---- counters ----------------------------------------------------------------------------- */

YT_TEST(ip, exposes_counters_to_telemetry)
{
	struct ipstat ip;
	struct icmpstat icmp;
	struct rte_tel_data *d;
	struct pt_stack s;

	pt_stack_open(&s, 0, 1500);
	ping_and_check(&s, 1);
	ipstat_sum(&ip, &icmp, (int)rte_lcore_id());
	cr_assert_eq(ip.ips_rx_packets, 1);
	cr_assert_eq(icmp.icmps_tx_echo_replies, 1);
	ipstat_sum(&ip, &icmp, -1);
	cr_assert_eq(ip.ips_rx_packets, 1, "one lcore in this process");
	cr_assert_str_eq(ipstat_name(IPS_drop_bad_cksum), "drop_bad_cksum");
	cr_assert_str_eq(icmpstat_name(ICMPS_tx_echo_replies), "tx_echo_replies");
	cr_assert_not_null(ipstat_help(0));
	cr_assert_null(icmpstat_help(ICMPS__COUNT));
	d = rte_tel_data_alloc();
	cr_assert_eq(ip_tel_cmd("/yard/ip", "", d), 0);
	rte_tel_data_free(d);
	d = rte_tel_data_alloc();
	cr_assert_eq(icmp_tel_cmd("/yard/icmp", "0", d), 0);
	rte_tel_data_free(d);
	d = rte_tel_data_alloc();
	cr_assert_eq(ip_tel_cmd("/yard/ip", "nope", d), -EINVAL);
	rte_tel_data_free(d);
	pt_stack_close(&s);
	pt_assert_clean();
}

/* ---- two lcores: fragment owners and ARP siblings ----------------------------------------- */

/*
 * The worker runs on lcore 1 with its own ip instance and links, the way the application runs
 * one per lcore. It must not use Criterion's assertions (they only work on the test's thread):
 * it records failures in wk_fail and the main thread asserts on them.
 */
enum { WK_INIT, WK_READY, WK_INJECT, WK_INJECTED, WK_JOIN, WK_JOINED, WK_STOP, WK_STOPPED };

struct wk_frame {
	int which; /* 0: the ip link, 1: the port-9 link */
	size_t len;
	uint8_t data[FRAME_MAX];
};

struct worker {
	volatile int state;
	int fail;                 /* line of the first failure, 0 if none */
	struct stdata *ip, *link, *link9;
	int minor, minor9;
	struct wk_frame frames[4];
	unsigned nframes;
	unsigned captured;        /* IPv4 frames but IGMP the worker's ip link sent after set-up */
	unsigned echo_replies;    /* ... of which fragments of an ICMP echo reply */
	uint32_t join_group;      /* WK_JOIN: the group ip_mcast_join() joins on lcore 1 */
	int join_rc;              /* ... and what it returned */
	unsigned igmp;            /* IGMP frames the worker's ip link sent */
	uint8_t igmp_last[20];    /* the first bytes of the last one's IGMP message (0 after) */
};

#define WK_CHECK(w, cond)                          \
	do {                                       \
		if (!(cond) && (w)->fail == 0)     \
			(w)->fail = __LINE__;      \
	} while (0)

static int
wk_istr(struct stdata *sd, int cmd, void *data, int len)
{
	struct strioctl ic = { .ic_cmd = cmd, .ic_timout = 5, .ic_len = len, .ic_dp = data };

	return sth_ioctl(sd, I_STR, (intptr_t)&ic);
}

static void
wk_discard(int minor)
{
	mblk_t *mp;

	while ((mp = yard_loop_take(minor)) != NULL)
		freemsg(mp);
}

static struct stdata *
wk_link(struct worker *w, uint16_t port, int *minor)
{
	struct arp_ifreq ifr = { .ai_mac = pt_mac_us, .ai_port = port, .ai_addr = PT_ADDR_US,
				 .ai_prefix = PT_PREFIX, .ai_mtu = 1500 };
	struct stdata *sd = NULL;
	int one = 1;

	WK_CHECK(w, sth_open("loop", 0, &sd) == 0);
	if (sd == NULL)
		return NULL;
	*minor = yard_loop_minor(sd);
	WK_CHECK(w, sth_ioctl(sd, I_PUSH, (intptr_t)ARP_MODNAME) == 0);
	WK_CHECK(w, wk_istr(sd, LOOP_CAPTURE, &one, sizeof(one)) >= 0);
	WK_CHECK(w, wk_istr(sd, ARP_SETIF, &ifr, sizeof(ifr)) >= 0);
	return sd;
}

static int
worker_main(void *arg)
{
	struct worker *w = arg;
	struct arp_entry ae = { .ae_addr = PT_ADDR_PEER, .ae_mac = pt_mac_peer };
	struct yard_sched *sc = yard_sched_self();
	struct ip_ifreq ifr;
	int muxid;
	mblk_t *mp;

	WK_CHECK(w, rte_lcore_id() == 1);
	WK_CHECK(w, sth_open(IP_DRVNAME, 0, &w->ip) == 0);
	w->link = wk_link(w, 0, &w->minor);
	w->link9 = wk_link(w, 9, &w->minor9);
	if (w->ip == NULL || w->link == NULL || w->link9 == NULL) {
		w->state = WK_STOPPED;
		return -1;
	}
	WK_CHECK(w, wk_istr(w->link, ARP_ADD, &ae, sizeof(ae)) >= 0);
	muxid = sth_ioctl(w->ip, I_LINK, (intptr_t)w->link);
	WK_CHECK(w, muxid > 0);
	ifr = (struct ip_ifreq){ .ii_muxid = muxid, .ii_addr = PT_ADDR_US, .ii_prefix = PT_PREFIX,
				 .ii_mtu = 1500 };
	WK_CHECK(w, wk_istr(w->ip, IP_IFADD, &ifr, sizeof(ifr)) >= 0);
	yard_sched_drain(sc, 1000);
	wk_discard(w->minor);
	wk_discard(w->minor9);
	__atomic_store_n(&w->state, WK_READY, __ATOMIC_RELEASE);
	for (;;) {
		int st = __atomic_load_n(&w->state, __ATOMIC_ACQUIRE);

		(void)yard_sched_run_once(sc);
		while ((mp = yard_loop_take(w->minor)) != NULL) {
			const uint8_t *p = mp->b_rptr;

			if (MBLKL(mp) >= 14 + 24 + 16 && p[12] == 0x08 && p[13] == 0x00 &&
			    p[14 + 9] == IPPROTO_IGMP) {
				w->igmp++;
				memset(w->igmp_last, 0, sizeof(w->igmp_last));
				memcpy(w->igmp_last, p + 14 + 24,
				       RTE_MIN(sizeof(w->igmp_last), MBLKL(mp) - (14 + 24)));
			} else if (MBLKL(mp) >= 14 + 20 + 8 && p[12] == 0x08 && p[13] == 0x00) {
				w->captured++;
				/* The first fragment carries the ICMP type. */
				if (p[14 + 9] == IPPROTO_ICMP && (rd16(p + 14 + 6) & 0x1fff) == 0 &&
				    p[14 + 20] == 0)
					w->echo_replies++;
			}
			freemsg(mp);
		}
		if (st == WK_INJECT) {
			for (unsigned i = 0; i < w->nframes; i++) {
				struct wk_frame *fr = &w->frames[i];

				mp = yard_allocb_hr(fr->len, RTE_PKTMBUF_HEADROOM);
				WK_CHECK(w, mp != NULL);
				if (mp == NULL)
					continue;
				memcpy(mp->b_wptr, fr->data, fr->len);
				mp->b_wptr += fr->len;
				WK_CHECK(w, yard_loop_inject(fr->which ? w->minor9 : w->minor, mp) == 0);
			}
			yard_sched_drain(sc, 1000);
			__atomic_store_n(&w->state, WK_INJECTED, __ATOMIC_RELEASE);
		} else if (st == WK_JOIN) {
			w->join_rc = ip_mcast_join(1, w->join_group, 0);
			__atomic_store_n(&w->state, WK_JOINED, __ATOMIC_RELEASE);
		} else if (st == WK_STOP) {
			break;
		}
	}
	WK_CHECK(w, sth_close(w->ip) == 0);
	yard_sched_drain(sc, 1000);
	wk_discard(w->minor);
	wk_discard(w->minor9);
	WK_CHECK(w, sth_close(w->link) == 0);
	WK_CHECK(w, sth_close(w->link9) == 0);
	yard_sched_drain(sc, 1000);
	__atomic_store_n(&w->state, WK_STOPPED, __ATOMIC_RELEASE);
	return 0;
}

/* Run our own scheduler while waiting for the worker to reach a state. */
static void
wk_wait(struct worker *w, int state)
{
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();

	while (__atomic_load_n(&w->state, __ATOMIC_ACQUIRE) != state) {
		cr_assert_lt(rte_get_timer_cycles(), end, "worker stuck (state %d, fail at line %d)",
			     w->state, w->fail);
		yt_drain();
		rte_pause();
	}
}

static void
wk_run(struct worker *w)
{
	__atomic_store_n(&w->state, WK_INJECT, __ATOMIC_RELEASE);
	wk_wait(w, WK_INJECTED);
	pt_run_ms(20); /* mailbox messages the worker sent us */
}

/* An identification whose datagram (peer -> us, ICMP) lcore `owner` reassembles. */
static uint16_t
id_owned_by(int owner)
{
	for (uint16_t id = 1; id < 1000; id++)
		if (ip_frag_owner(PT_ADDR_PEER, PT_ADDR_US, rte_cpu_to_be_16(id), IPPROTO_ICMP) ==
		    owner)
			return id;
	cr_assert_fail("no identification maps to lcore %d", owner);
	return 0;
}

TestSuite(lcores, .init = yt_setup, .fini = yt_teardown);

YT_TEST(lcores, reassemble_each_datagram_on_its_owner_and_share_arp)
{
	static struct worker w;
	static const struct rte_ether_addr zero;
	static const struct rte_ether_addr mac2 = { .addr_bytes = { 2, 0, 0, 0, 0, 0x42 } };
	uint8_t body[4096], got[4096];
	struct pt_stack s;
	struct pt_link l9;
	struct ipstat ip0, ip1;
	struct arp_entry ae;
	unsigned nfrags;
	uint16_t id;

	cr_assert_eq(rte_lcore_id(), 0);
	pt_stack_open(&s, 0, 1500);
	pt_link_open(&l9, 9, 0, 1500);
	cr_assert_eq(rte_eal_remote_launch(worker_main, &w, 1), 0);
	wk_wait(&w, WK_READY);
	cr_assert_eq(w.fail, 0, "worker set-up failed at line %d", w.fail);

	/* 1. Every fragment arrives on lcore 1 and lcore 0 owns the datagram. */
	id = id_owned_by(0);
	pt_icmp_echo(body, 8, 0x77, 1, 3000);
	w.nframes = 3;
	w.frames[0].len = frag_frame(w.frames[0].data, PT_ADDR_PEER, PT_ADDR_US, 1, id, body, 0,
				     1480, true);
	w.frames[1].len = frag_frame(w.frames[1].data, PT_ADDR_PEER, PT_ADDR_US, 1, id, body,
				     1480, 1480, true);
	w.frames[2].len = frag_frame(w.frames[2].data, PT_ADDR_PEER, PT_ADDR_US, 1, id, body,
				     2960, 48, false);
	for (unsigned i = 0; i < 3; i++)
		w.frames[i].which = 0;
	wk_run(&w);
	cr_assert_eq(take_fragments(s.link.minor, PT_ADDR_PEER, 1, got, sizeof(got), &nfrags), 3008,
		     "lcore 0 reassembled and answered");
	cr_assert_eq(got[0], 0);
	cr_assert_eq(pt_cksum(got, 3008), 0);
	ipstat_sum(&ip0, NULL, 0);
	ipstat_sum(&ip1, NULL, 1);
	cr_assert_eq(ip1.ips_frag_forwarded, 3);
	cr_assert_eq(ip0.ips_frag_fwd_received, 3);
	cr_assert_eq(ip0.ips_frag_reassembled, 1);
	cr_assert_eq(ip1.ips_frag_reassembled, 0);

	/* 2. The fragments arrive on both lcores; lcore 1 owns the datagram. */
	id = id_owned_by(1);
	uint8_t f[FRAME_MAX];
	size_t n = frag_frame(f, PT_ADDR_PEER, PT_ADDR_US, 1, id, body, 0, 1480, true);

	pt_inject(s.link.minor, f, n); /* forwarded to lcore 1 */
	w.nframes = 2;
	w.frames[0].len = frag_frame(w.frames[0].data, PT_ADDR_PEER, PT_ADDR_US, 1, id, body,
				     1480, 1480, true);
	w.frames[1].len = frag_frame(w.frames[1].data, PT_ADDR_PEER, PT_ADDR_US, 1, id, body,
				     2960, 48, false);
	wk_run(&w);
	ipstat_sum(&ip0, NULL, 0);
	ipstat_sum(&ip1, NULL, 1);
	cr_assert_eq(ip0.ips_frag_forwarded, 1);
	cr_assert_eq(ip1.ips_frag_fwd_received, 1);
	cr_assert_eq(ip1.ips_frag_reassembled, 1);
	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 0, "lcore 0 does not answer this one");

	/* 3. ARP learned on lcore 1 reaches lcore 0's sibling instance of port 9. */
	w.nframes = 1;
	w.frames[0].which = 1;
	w.frames[0].len = pt_arp(w.frames[0].data, &pt_mac_bcast, 1, &mac2,
				 PT_IPV4(198, 18, 0, 42), &zero, PT_ADDR_US);
	wk_run(&w);
	memset(&ae, 0, sizeof(ae));
	ae.ae_addr = PT_IPV4(198, 18, 0, 42);
	cr_assert_geq(pt_istr(l9.sd, ARP_GET, &ae, sizeof(ae)), 0, "lcore 0 learned it too");
	cr_assert_eq(ae.ae_state, ARP_STATE_REACHABLE);
	cr_assert_arr_eq(&ae.ae_mac, &mac2, 6);
	cr_assert_eq(pt_arpstat(l9.sd).arps_sib_received, 1);

	__atomic_store_n(&w.state, WK_STOP, __ATOMIC_RELEASE);
	wk_wait(&w, WK_STOPPED);
	cr_assert_eq(rte_eal_wait_lcore(1), 0);
	cr_assert_eq(w.fail, 0, "worker failed at line %d", w.fail);
	cr_assert_eq(w.captured, 3, "lcore 1 answered in three fragments (%u)", w.captured);
	cr_assert_eq(w.echo_replies, 1);
	pt_link_close(&l9);
	pt_stack_close(&s);
	pt_assert_clean();
}

/*
 * An IGMPv3 query from the peer on s's link to dst (224.0.0.1 or a group, its MAC mac) about
 * group (0: general) and nsrc sources from src.
 */
static void
lc_inject_query(struct pt_stack *s, uint32_t dst, const struct rte_ether_addr *mac,
		uint32_t group, const uint32_t *src, unsigned nsrc)
{
	static const uint8_t ra[4] = { 0x94, 0x04, 0, 0 };
	uint8_t f[FRAME_MAX], q[12 + 4 * 4] = { 0x11, 10 /* 1 s */, 0, 0, 0, 0, 0, 0, 2, 125 };
	size_t qlen = 12 + 4 * (size_t)nsrc, n;
	uint16_t ck;

	cr_assert_leq(qlen, sizeof(q));
	memcpy(q + 4, &group, 4);
	q[11] = (uint8_t)nsrc;
	if (nsrc != 0)
		memcpy(q + 12, src, 4 * (size_t)nsrc);
	ck = pt_cksum(q, qlen);
	q[2] = (uint8_t)(ck >> 8);
	q[3] = (uint8_t)ck;
	n = pt_eth(f, mac, &pt_mac_peer, 0x0800);
	n += pt_ipv4(f + n, PT_ADDR_PEER, dst, IPPROTO_IGMP, 5, 0, 1, ra, sizeof(ra), qlen);
	memcpy(f + n, q, qlen);
	pt_inject(s->link.minor, f, n + qlen);
}

/*
 * After the answers' time: lcore 1 has sent n IGMP messages, the last a version 3 report whose
 * first record is of type about group, and lcore 0 nothing. Both lcores' ip counters then.
 */
static void
lc_expect_answer(struct worker *w, struct pt_stack *s, unsigned n, uint8_t type, uint32_t group,
		 struct ipstat *ip0, struct ipstat *ip1)
{
	uint8_t f[FRAME_MAX];

	pt_run_ms(1200);
	cr_assert_eq(__atomic_load_n(&w->igmp, __ATOMIC_ACQUIRE), n, "lcore 1 answered");
	cr_assert_eq(w->igmp_last[0], 0x22, "a version 3 report");
	cr_assert_eq(w->igmp_last[8], type, "record type %u", w->igmp_last[8]);
	cr_assert_eq(memcmp(w->igmp_last + 12, &group, 4), 0, "for lcore 1's group");
	cr_assert_eq(pt_take(s->link.minor, f, sizeof(f)), 0, "lcore 0 is in no group");
	ipstat_sum(ip0, NULL, 0);
	ipstat_sum(ip1, NULL, 1);
}

/*
 * A group joined on lcore 1 only: an IGMP query that arrives on lcore 0 is told to lcore 1,
 * which answers for its group on its own link to the port; lcore 0, in no group, sends nothing.
 * A group-and-source-specific query is told with its sources, and answered for them.
 */
YT_TEST(lcores, a_query_heard_on_one_lcore_is_answered_by_the_lcore_in_the_group)
{
	static struct worker w;
	const struct rte_ether_addr all_hosts = { { 0x01, 0x00, 0x5e, 0, 0, 1 } };
	const struct rte_ether_addr group_mac = { { 0x01, 0x00, 0x5e, 1, 2, 3 } };
	const uint32_t group = PT_IPV4(239, 1, 2, 3), src = PT_IPV4(203, 0, 113, 5);
	struct pt_stack s;
	struct ipstat ip0, ip1;
	unsigned before;

	cr_assert_eq(rte_lcore_id(), 0);
	pt_stack_open(&s, 0, 1500);
	memset(&w, 0, sizeof(w));
	cr_assert_eq(rte_eal_remote_launch(worker_main, &w, 1), 0);
	wk_wait(&w, WK_READY);
	w.join_group = group;
	__atomic_store_n(&w.state, WK_JOIN, __ATOMIC_RELEASE);
	wk_wait(&w, WK_JOINED);
	cr_assert_gt(w.join_rc, 0, "lcore 1 joined (%d)", w.join_rc);
	pt_run_ms(1200); /* the join's two reports */
	before = __atomic_load_n(&w.igmp, __ATOMIC_ACQUIRE);
	cr_assert_eq(before, 2, "a join is reported twice (%u)", before);
	/* A general IGMPv3 query on lcore 0's link. */
	lc_inject_query(&s, PT_IPV4(224, 0, 0, 1), &all_hosts, 0, NULL, 0);
	lc_expect_answer(&w, &s, before + 1, 2 /* MODE_IS_EXCLUDE */, group, &ip0, &ip1);
	cr_assert_eq(ip0.ips_igmp_rx_queries, 1);
	cr_assert_eq(ip0.ips_igmp_fwd_sent, 1);
	cr_assert_eq(ip1.ips_igmp_fwd_received, 1);
	cr_assert_eq(ip1.ips_igmp_rx_queries, 0, "told, not heard");
	/* About source src of the group, sent to it, which lcore 0 has not joined: told to
	 * lcore 1, whose EXCLUDE {} answers IS_IN (src), not IS_EX {}. */
	lc_inject_query(&s, group, &group_mac, group, &src, 1);
	lc_expect_answer(&w, &s, before + 2, 1 /* MODE_IS_INCLUDE */, group, &ip0, &ip1);
	cr_assert_eq(w.igmp_last[10] << 8 | w.igmp_last[11], 1, "one source");
	cr_assert_eq(memcmp(w.igmp_last + 16, &src, 4), 0, "the source asked about");
	cr_assert_eq(ip0.ips_igmp_rx_gs_queries, 1);
	cr_assert_eq(ip0.ips_igmp_fwd_sent, 2);
	cr_assert_eq(ip1.ips_igmp_fwd_received, 2);
	__atomic_store_n(&w.state, WK_STOP, __ATOMIC_RELEASE);
	wk_wait(&w, WK_STOPPED);
	cr_assert_eq(rte_eal_wait_lcore(1), 0);
	cr_assert_eq(w.fail, 0, "worker failed at line %d", w.fail);
	pt_stack_close(&s);
	pt_assert_clean();
}

/* ---- reassembly over message blocks (64 KB datagrams, limits) ----------------------------- */

#define UDP_SIZED(n) (8u + (n)) /* IP payload of a UDP datagram with n bytes of data */

static uint8_t big_body[65536];

/* Fill big_body with blen bytes of a recognisable pattern (a UDP header first). */
static void
big_fill(size_t blen, uint16_t seed)
{
	for (size_t i = 0; i < blen; i++)
		big_body[i] = (uint8_t)(i * 7 + (i >> 9) + seed);
}

/* The offsets of blen bytes in 1480-byte fragments, in order; returns how many. */
static unsigned
frag_offsets(size_t blen, size_t *offs)
{
	unsigned n = 0;

	for (size_t off = 0; off < blen; off += 1480)
		offs[n++] = off;
	return n;
}

/* Inject fragment i of datagram id (body big_body, blen bytes) from the peer, proto 17. */
static void
inject_frag(int minor, uint16_t id, size_t blen, size_t off)
{
	uint8_t f[FRAME_MAX];
	size_t len = RTE_MIN((size_t)1480, blen - off);
	size_t n = frag_frame(f, PT_ADDR_PEER, PT_ADDR_US, 17, id, big_body, off, len,
			      off + len < blen);

	pt_inject(minor, f, n);
}

/* An upper stream bound to UDP's protocol number (playing udp). */
static struct stdata *
open_bound(int proto)
{
	struct stdata *u;

	cr_assert_eq(sth_open(IP_DRVNAME, 0, &u), 0);
	cr_assert_geq(pt_istr(u, IP_PROTO_BIND, &proto, sizeof(proto)), 0);
	return u;
}

/* Take the datagram delivered to u and check it is big_body[0..blen) behind a fixed header. */
static void
check_delivered(struct stdata *u, size_t blen, unsigned nfrags)
{
	static uint8_t flat[65536];
	unsigned blocks = 0;
	size_t n = 0;
	mblk_t *mp;

	cr_assert_eq(sth_getmsg_mblk(u, &mp), 0, "the datagram was delivered");
	cr_assert_eq(DB_TYPE(mp), M_DATA);
	cr_assert_eq(msgdsize(mp), 20 + blen);
	for (mblk_t *bp = mp; bp != NULL; bp = bp->b_cont, blocks++) {
		memcpy(flat + n, bp->b_rptr, MBLKL(bp));
		n += MBLKL(bp);
	}
	cr_assert_eq(blocks, nfrags, "one block per fragment: nothing copied (%u)", blocks);
	cr_assert_eq(rd16(flat + 2), 20 + blen, "total length fixed");
	cr_assert_eq(rd16(flat + 6) & 0x3fff, 0, "no more-fragments, offset 0");
	cr_assert_eq(pt_cksum(flat, 20), 0, "header checksum recomputed");
	cr_assert_eq(flat[9], 17);
	cr_assert_arr_eq(flat + 20, big_body, blen, "the payload is intact");
	freemsg(mp);
}

struct reass_case {
	size_t udp_data;   /* UDP payload bytes */
	unsigned nfrags;
	int order;         /* 0 in order, 1 reversed, 2 shuffled */
};

ParameterizedTestParameters(ip, reassembles_a_udp_sized_datagram_whole_and_delivers_it)
{
	static struct reass_case cases[] = {
		{ 60000, 41, 0 }, { 60000, 41, 1 }, { 60000, 41, 2 },
		{ 65507, 45, 0 }, { 65507, 45, 1 }, { 65507, 45, 2 },
	};

	return cr_make_param_array(struct reass_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct reass_case *c, ip, reassembles_a_udp_sized_datagram_whole_and_delivers_it)
{
	size_t blen = UDP_SIZED(c->udp_data), offs[64];
	struct yard_msgstat before, after;
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st;
	unsigned n = frag_offsets(blen, offs);
	uint32_t r = 12345;

	cr_assert_eq(n, c->nfrags);
	if (c->order == 1) {
		for (unsigned i = 0; i < n / 2; i++) {
			size_t t = offs[i];

			offs[i] = offs[n - 1 - i];
			offs[n - 1 - i] = t;
		}
	} else if (c->order == 2) {
		for (unsigned i = n - 1; i > 0; i--) {
			unsigned j;
			size_t t;

			r = r * 1103515245u + 12345u;
			j = (r >> 8) % (i + 1);
			t = offs[i];
			offs[i] = offs[j];
			offs[j] = t;
		}
	}
	big_fill(blen, (uint16_t)c->order);
	pt_stack_open(&s, 0, 1500);
	u = open_bound(17);
	yard_msgstat_sum(&before);
	for (unsigned i = 0; i < n; i++) {
		mblk_t *mp;

		cr_assert_eq(sth_getmsg_mblk(u, &mp), -EAGAIN, "nothing before the last fragment");
		inject_frag(s.link.minor, 0x7777, blen, offs[i]);
	}
	yard_msgstat_sum(&after);
	cr_assert_eq(after.copied_bytes, before.copied_bytes, "reassembly copied no byte");
	check_delivered(u, blen, n);
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_frag_rx, n);
	cr_assert_eq(st.is_ip.ips_frag_reassembled, 1);
	cr_assert_eq(st.is_ip.ips_rx_delivered, 1);
	cr_assert_eq(pt_take(s.link.minor, (uint8_t[FRAME_MAX]){ 0 }, FRAME_MAX), 0,
		     "no ICMP error");
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
	yt_end_of_test();
}

/*
 * The first fragment's buffer is shared (a capture keeps a reference): reassembly rewrites the
 * header of a private copy, and the other holder still sees the fragment as it came.
 */
YT_TEST(ip, rewrites_a_shared_first_fragments_header_in_a_copy)
{
	size_t blen = UDP_SIZED(3000), offs[8];
	unsigned n = frag_offsets(blen, offs);
	uint8_t f[FRAME_MAX];
	struct pt_stack s;
	struct stdata *u;
	mblk_t *mp, *held;
	size_t len;

	big_fill(blen, 3);
	pt_stack_open(&s, 0, 1500);
	u = open_bound(17);
	len = frag_frame(f, PT_ADDR_PEER, PT_ADDR_US, 17, 43, big_body, 0, 1480, true);
	mp = yard_allocb_hr(len, RTE_PKTMBUF_HEADROOM);
	cr_assert_not_null(mp);
	memcpy(mp->b_wptr, f, len);
	mp->b_wptr += len;
	held = dupb(mp);
	cr_assert_not_null(held);
	cr_assert_eq(yard_loop_inject(s.link.minor, mp), 0);
	for (unsigned i = 1; i < n; i++)
		inject_frag(s.link.minor, 43, blen, offs[i]);
	yt_drain();
	check_delivered(u, blen, n); /* the first block a private copy, the others as they came */
	cr_assert_arr_eq(held->b_rptr, f, len, "the shared fragment is as it came");
	freeb(held);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, drops_a_duplicate_fragment_and_keeps_the_datagram)
{
	size_t blen = UDP_SIZED(5000), offs[8];
	unsigned n = frag_offsets(blen, offs);
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st;

	big_fill(blen, 1);
	pt_stack_open(&s, 0, 1500);
	u = open_bound(17);
	inject_frag(s.link.minor, 42, blen, offs[1]);
	inject_frag(s.link.minor, 42, blen, offs[0]);
	inject_frag(s.link.minor, 42, blen, offs[1]); /* again */
	for (unsigned i = 2; i < n; i++)
		inject_frag(s.link.minor, 42, blen, offs[i]);
	check_delivered(u, blen, n);
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_frag_dup, 1);
	cr_assert_eq(st.is_ip.ips_frag_reassembled, 1);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, drops_a_datagram_whose_fragments_disagree_on_its_end)
{
	size_t blen = UDP_SIZED(5000), offs[8];
	unsigned n = frag_offsets(blen, offs);
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st;
	uint8_t f[FRAME_MAX];
	size_t fn;
	mblk_t *mp;

	big_fill(blen, 2);
	pt_stack_open(&s, 0, 1500);
	u = open_bound(17);
	inject_frag(s.link.minor, 43, blen, offs[n - 1]); /* the last: the end is known */
	/* A non-last fragment reaching past that end. */
	fn = frag_frame(f, PT_ADDR_PEER, PT_ADDR_US, 17, 43, big_body, offs[n - 1], 1480, true);
	pt_inject(s.link.minor, f, fn);
	for (unsigned i = 0; i + 1 < n; i++)
		inject_frag(s.link.minor, 43, blen, offs[i]);
	cr_assert_eq(sth_getmsg_mblk(u, &mp), -EAGAIN, "nothing delivered");
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_frag_overlap, n + 1, "every fragment of it dropped");
	cr_assert_eq(st.is_ip.ips_frag_reassembled, 0);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, drops_a_datagram_of_more_fragments_than_ip_max_frags)
{
	struct ip_param p = { .ip_max_frags = 4 };
	size_t blen = UDP_SIZED(60000), offs[64];
	unsigned n = frag_offsets(blen, offs);
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st;
	mblk_t *mp;

	big_fill(blen, 3);
	pt_stack_open(&s, 0, 1500);
	cr_assert_geq(pt_istr(s.ip, IP_SETPARAM, &p, sizeof(p)), 0);
	cr_assert_eq(p.ip_max_frags, 4);
	u = open_bound(17);
	for (unsigned i = 0; i < n; i++)
		inject_frag(s.link.minor, 44, blen, offs[i]);
	cr_assert_eq(sth_getmsg_mblk(u, &mp), -EAGAIN);
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_frag_too_many, n, "the 4 held, the 5th and those after it");
	cr_assert_eq(yt_msgs_outstanding(), 0, "no fragment kept");
	/* The default (64) takes the whole datagram. */
	p = (struct ip_param){ .ip_max_frags = 64 };
	cr_assert_geq(pt_istr(s.ip, IP_SETPARAM, &p, sizeof(p)), 0);
	for (unsigned i = 0; i < n; i++)
		inject_frag(s.link.minor, 45, blen, offs[i]);
	check_delivered(u, blen, n);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, refuses_new_datagrams_beyond_ip_max_flows)
{
	struct ip_param p = { .ip_max_flows = 2 };
	size_t blen = UDP_SIZED(3000), offs[8];
	unsigned n = frag_offsets(blen, offs);
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st;

	big_fill(blen, 4);
	pt_stack_open(&s, 0, 1500);
	cr_assert_geq(pt_istr(s.ip, IP_SETPARAM, &p, sizeof(p)), 0);
	u = open_bound(17);
	inject_frag(s.link.minor, 1, blen, offs[0]);
	inject_frag(s.link.minor, 2, blen, offs[0]);
	inject_frag(s.link.minor, 3, blen, offs[0]); /* a third datagram: no room */
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_frag_flows_full, 1);
	p.ip_max_flows = 8;
	cr_assert_eq(pt_istr(s.ip, IP_SETPARAM, &p, sizeof(p)), -EBUSY, "fragments wait");
	/* Datagram 1 completes and frees its flow: datagram 3 has room again. */
	for (unsigned i = 1; i < n; i++)
		inject_frag(s.link.minor, 1, blen, offs[i]);
	check_delivered(u, blen, n);
	for (unsigned i = 0; i < n; i++)
		inject_frag(s.link.minor, 3, blen, offs[i]);
	check_delivered(u, blen, n);
	cr_assert_eq(pt_ipstat(s.ip).is_ip.ips_frag_flows_full, 1);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, refuses_fragments_beyond_ip_reass_mem)
{
	struct ip_param p = { .ip_reass_mem = 65536 };
	size_t blen = UDP_SIZED(60000), offs[64];
	unsigned n = frag_offsets(blen, offs);
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st;
	mblk_t *mp;

	big_fill(blen, 5);
	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(pt_istr(s.ip, IP_SETPARAM, &(struct ip_param){ .ip_reass_mem = 1000 },
			     sizeof(p)), -EINVAL, "too small for any datagram");
	cr_assert_geq(pt_istr(s.ip, IP_SETPARAM, &p, sizeof(p)), 0);
	u = open_bound(17);
	/* 41 fragments in buffers of at least 1.5 KB each do not fit in 64 KB. */
	for (unsigned i = 0; i < n; i++)
		inject_frag(s.link.minor, 46, blen, offs[i]);
	cr_assert_eq(sth_getmsg_mblk(u, &mp), -EAGAIN);
	st = pt_ipstat(s.ip);
	cr_assert_gt(st.is_ip.ips_frag_mem_full, 0);
	cr_assert_lt(st.is_ip.ips_frag_mem_full, n, "some fragments were held");
	cr_assert_leq((n - st.is_ip.ips_frag_mem_full) * 1500, 65536, "within the limit");
	/* With room, the missing fragments complete it. */
	p.ip_reass_mem = 4u << 20;
	cr_assert_geq(pt_istr(s.ip, IP_SETPARAM, &p, sizeof(p)), 0, "not EBUSY: a limit only");
	for (unsigned i = n - (unsigned)st.is_ip.ips_frag_mem_full; i < n; i++)
		inject_frag(s.link.minor, 46, blen, offs[i]);
	check_delivered(u, blen, n);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(ip, times_out_without_time_exceeded_when_the_first_fragment_never_came)
{
	struct ip_param p = { .ip_reass_timeout_ms = 20 };
	size_t blen = UDP_SIZED(5000), offs[8];
	struct pt_stack s;
	struct ip_stats st;

	(void)frag_offsets(blen, offs);
	big_fill(blen, 6);
	pt_stack_open(&s, 0, 1500);
	cr_assert_geq(pt_istr(s.ip, IP_SETPARAM, &p, sizeof(p)), 0);
	inject_frag(s.link.minor, 47, blen, offs[1]);
	inject_frag(s.link.minor, 47, blen, offs[2]);
	pt_run_ms(60);
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_ip.ips_frag_timeout, 2);
	cr_assert_eq(st.is_icmp.icmps_tx_time_exceeded, 0, "RFC 792: only with fragment zero");
	cr_assert_eq(pt_take(s.link.minor, (uint8_t[FRAME_MAX]){ 0 }, FRAME_MAX), 0);
	cr_assert_eq(yt_msgs_outstanding(), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

/* ---- ICMP errors for and from transports (M_CTL) ------------------------------------------ */

/* Send an IP_ICMP_ERR_REQ down u about the datagram dg (len bytes, b_rptr at its header). */
static void
ask_icmp_error(struct stdata *u, uint8_t type, uint8_t code, const uint8_t *dg, size_t len)
{
	struct ip_icmp_err_req req = { .ie_prim = IP_ICMP_ERR_REQ, .ie_type = type,
				       .ie_code = code };
	mblk_t *mp = yt_msg(M_CTL, sizeof(req), 0);

	memcpy(mp->b_rptr, &req, sizeof(req));
	if (dg != NULL) {
		mp->b_cont = yt_msg(M_DATA, len, 0);
		memcpy(mp->b_cont->b_rptr, dg, len);
	}
	/* As a transport linked above ip would: the stream head does not send M_CTL. */
	putnext(u->sd_wrq, mp);
	yt_drain();
}

YT_TEST(icmp, sends_the_error_a_transport_asks_for)
{
	struct pt_stack s;
	struct stdata *u;
	uint8_t f[FRAME_MAX], dg[128];
	struct ip_stats st;
	unsigned hlen;
	size_t n, dn;
	mblk_t *mp;

	pt_stack_open(&s, 0, 1500);
	u = open_bound(17);
	/* A UDP datagram from the peer, as ip delivered it. */
	n = pt_eth(f, &pt_mac_us, &pt_mac_peer, 0x0800);
	n += pt_ipv4(f + n, PT_ADDR_PEER, PT_ADDR_US, 17, 0x321, 0, 64, NULL, 0, 40);
	memset(f + n, 0xab, 40);
	n += 40;
	pt_inject(s.link.minor, f, n);
	cr_assert_eq(sth_getmsg_mblk(u, &mp), 0);
	dn = msgdsize(mp);
	cr_assert_eq(dn, 60);
	memcpy(dg, mp->b_rptr, dn);
	freemsg(mp);
	ask_icmp_error(u, 3, 3, dg, dn);
	n = pt_take(s.link.minor, f, sizeof(f));
	cr_assert_gt(n, 0, "an ICMP error went out");
	hlen = check_ip_frame(f, n, PT_ADDR_US, PT_ADDR_PEER, IPPROTO_ICMP);
	cr_assert_eq(f[14 + hlen], 3, "destination unreachable");
	cr_assert_eq(f[14 + hlen + 1], 3, "port unreachable");
	cr_assert_eq(n, 14 + hlen + 8 + 20 + 8, "quotes the header and 8 bytes");
	cr_assert_eq(pt_cksum(f + 14 + hlen, n - 14 - hlen), 0);
	cr_assert_arr_eq(f + 14 + hlen + 8, dg, 28);
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_icmp.icmps_err_requests, 1);
	cr_assert_eq(st.is_icmp.icmps_tx_port_unreach, 1);
	/* Not about a broadcast (RFC 1122 3.2.2). */
	memcpy(dg + 16, &(uint32_t){ BCAST }, 4);
	ask_icmp_error(u, 3, 3, dg, dn);
	cr_assert_eq(pt_take(s.link.minor, f, sizeof(f)), 0);
	cr_assert_eq(pt_ipstat(s.ip).is_icmp.icmps_err_suppressed, 1);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(icmp, drops_a_malformed_error_request)
{
	struct pt_stack s;
	struct stdata *u;
	uint8_t dg[64];
	size_t dn = pt_ipv4(dg, PT_ADDR_PEER, PT_ADDR_US, 17, 1, 0, 64, NULL, 0, 8) + 8;

	memset(dg + 20, 0, 8);
	pt_stack_open(&s, 0, 1500);
	u = open_bound(17);
	ask_icmp_error(u, 3, 3, NULL, 0);      /* no datagram */
	ask_icmp_error(u, 8, 0, dg, dn);       /* not an error type */
	ask_icmp_error(u, 3, 42, dg, dn);      /* no such code */
	ask_icmp_error(u, 3, 3, dg, 12);       /* shorter than a header */
	dg[0] = 0x65;
	ask_icmp_error(u, 3, 3, dg, dn);       /* not IPv4 */
	cr_assert_eq(pt_take(s.link.minor, (uint8_t[FRAME_MAX]){ 0 }, FRAME_MAX), 0);
	cr_assert_eq(pt_ipstat(s.ip).is_ip.ips_drop_bad_unitdata, 5);
	cr_assert_eq(pt_ipstat(s.ip).is_icmp.icmps_err_requests, 0);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

/* An ICMP error frame from the peer quoting a UDP datagram src -> PT_ADDR_PEER. */
static size_t
icmp_error_frame(uint8_t *f, uint8_t type, uint8_t code, uint32_t qsrc, size_t qdata)
{
	size_t n = pt_eth(f, &pt_mac_us, &pt_mac_peer, 0x0800), q;
	uint8_t *ic;
	uint16_t ck;

	n += pt_ipv4(f + n, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_ICMP, 99, 0, 64, NULL, 0,
		     8 + 20 + qdata);
	ic = f + n;
	memset(ic, 0, 8);
	ic[0] = type;
	ic[1] = code;
	q = pt_ipv4(ic + 8, qsrc, PT_ADDR_PEER, 17, 0x55, 0, 63, NULL, 0, 100);
	for (size_t i = 0; i < qdata; i++)
		ic[8 + q + i] = (uint8_t)(0x30 + i);
	ck = pt_cksum(ic, 8 + 20 + qdata);
	ic[2] = (uint8_t)(ck >> 8), ic[3] = (uint8_t)ck;
	return n + 8 + 20 + qdata;
}

static mblk_t *caught;
static struct qinit ind_qinfo;
static int (*ind_putp)(queue_t *, mblk_t *);
static queue_t *ind_rq;

static int
catch_ind(queue_t *q, mblk_t *mp)
{
	if (DB_TYPE(mp) == M_CTL && caught == NULL) {
		caught = mp;
		return 0;
	}
	return ind_putp(q, mp);
}

YT_TEST(icmp, passes_an_error_up_to_the_quoted_datagrams_transport)
{
	struct pt_stack s;
	struct stdata *u, *raw;
	struct ip_icmp_err_ind ind;
	uint8_t f[FRAME_MAX];
	struct ip_stats st;
	size_t n = icmp_error_frame(f, 3, 3, PT_ADDR_US, 8);
	mblk_t *mp;

	pt_stack_open(&s, 0, 1500);
	u = open_bound(17);
	raw = open_bound(IPPROTO_ICMP);
	/*
	 * A stream head ignores M_CTL, so this looks at the message on its way, at the top of
	 * the upper stream, through a put procedure of the test's own.
	 */
	ind_rq = STH_RQ(u);
	ind_putp = ind_rq->q_qinfo->qi_putp;
	ind_qinfo = *ind_rq->q_qinfo;
	ind_qinfo.qi_putp = catch_ind;
	ind_rq->q_qinfo = &ind_qinfo;
	pt_inject(s.link.minor, f, n);
	mp = caught;
	caught = NULL;
	cr_assert_not_null(mp, "the transport heard of it");
	cr_assert_eq(DB_TYPE(mp), M_CTL);
	cr_assert_eq(MBLKL(mp), sizeof(ind));
	memcpy(&ind, mp->b_rptr, sizeof(ind));
	cr_assert_eq(ind.ie_prim, IP_ICMP_ERR_IND);
	cr_assert_eq(ind.ie_type, 3);
	cr_assert_eq(ind.ie_code, 3);
	cr_assert_eq(ind.ie_from, PT_ADDR_PEER);
	cr_assert_not_null(mp->b_cont);
	cr_assert_eq(DB_TYPE(mp->b_cont), M_DATA);
	cr_assert_geq(MBLKL(mp->b_cont), 28, "the quoted header and 8 bytes in one block");
	cr_assert_eq(msgdsize(mp->b_cont), 28);
	cr_assert_arr_eq(mp->b_cont->b_rptr, f + 14 + 20 + 8, 28, "b_rptr at the quoted header");
	freemsg(mp);
	cr_assert_eq(sth_getmsg_mblk(raw, &mp), 0, "the ICMP stream gets it too");
	cr_assert_eq(DB_TYPE(mp), M_DATA);
	cr_assert_eq(msgdsize(mp), n - 14);
	freemsg(mp);
	st = pt_ipstat(s.ip);
	cr_assert_eq(st.is_icmp.icmps_rx_errors, 1);
	cr_assert_eq(st.is_icmp.icmps_err_to_transport, 1);
	/* Time exceeded and parameter problem too; redirects and echo replies are not errors. */
	n = icmp_error_frame(f, 11, 0, PT_ADDR_US, 8);
	pt_inject(s.link.minor, f, n);
	cr_assert_not_null(caught);
	cr_assert_eq(((struct ip_icmp_err_ind *)caught->b_rptr)->ie_type, 11);
	freemsg(caught);
	caught = NULL;
	n = icmp_error_frame(f, 5, 1, PT_ADDR_US, 8);
	pt_inject(s.link.minor, f, n);
	cr_assert_null(caught, "not a redirect");
	cr_assert_eq(pt_ipstat(s.ip).is_icmp.icmps_err_to_transport, 2);
	ind_qinfo.qi_putp = ind_putp;
	pt_discard(s.link.minor);
	while (sth_getmsg_mblk(raw, &mp) == 0)
		freemsg(mp);
	cr_assert_eq(sth_close(raw), 0);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(icmp, passes_up_no_error_with_a_short_or_foreign_quote)
{
	struct pt_stack s;
	struct stdata *u;
	uint8_t f[FRAME_MAX];
	size_t n;
	mblk_t *mp;

	pt_stack_open(&s, 0, 1500);
	u = open_bound(17);
	n = icmp_error_frame(f, 3, 3, OTHER, 8);       /* a datagram we did not send */
	pt_inject(s.link.minor, f, n);
	n = icmp_error_frame(f, 3, 3, PT_ADDR_US, 4);  /* fewer than 8 bytes quoted */
	pt_inject(s.link.minor, f, n);
	cr_assert_eq(sth_getmsg_mblk(u, &mp), -EAGAIN);
	cr_assert_eq(pt_ipstat(s.ip).is_icmp.icmps_err_bad_quote, 2);
	cr_assert_eq(pt_ipstat(s.ip).is_icmp.icmps_err_to_transport, 0);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}
