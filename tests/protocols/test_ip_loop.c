/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ip's own loop-back (protocols/ip/ip_loop.c): datagrams to one of our own addresses go up as
 * if received on the link that has the address, never down a link (no frame, no ARP for
 * ourselves), whole whatever their length, once the scheduler runs; what the link's loop list
 * cannot hold is dropped and counted; what waits there goes with the link. The group copies
 * (IP_UNITDATA_MLOOP) share the path and are test_mcast_send's. tcp connections of this host
 * to itself are test_socket's.
 */
#include <errno.h>
#include <string.h>

#include "udp_test.h"

TestSuite(ip_loop, .init = yt_setup, .fini = yt_teardown);

static struct stdata *
bound_ep(uint16_t port)
{
	struct stdata *ep = ut_ep_open();

	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, port, NULL), 0);
	return ep;
}

static uint64_t
ipstat(struct stdata *ip, size_t off)
{
	struct ip_stats st = pt_ipstat(ip);

	return *(const uint64_t *)((const uint8_t *)&st.is_ip + off);
}

#define IPS(ip, name) ipstat(ip, offsetof(struct ipstat, ips_##name))

YT_TEST(ip_loop, a_datagram_to_our_own_address_goes_up_and_never_down)
{
	static uint8_t big[5000], got[5100];
	struct ut_stack s;
	struct stdata *a, *b;
	struct sockaddr_in from;
	char buf[64];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 31 + 7);
	ut_stack_open(&s, 0, 1500);
	a = bound_ep(7001);
	b = bound_ep(7002);
	(void)pt_discard(s.pt.link.minor);
	cr_assert_eq(ut_sendto(a, PT_ADDR_US, 7002, "hello me", 8), 0);
	cr_assert_eq(ut_recv_dgram(b, buf, sizeof(buf), &from), -EAGAIN,
		     "not inside the send: once the scheduler runs");
	yt_drain();
	cr_assert_eq(ut_recv_dgram(b, buf, sizeof(buf), &from), 8);
	cr_assert_arr_eq(buf, "hello me", 8);
	cr_assert_eq(from.sin_addr.s_addr, PT_ADDR_US, "from our address");
	cr_assert_eq(rte_be_to_cpu_16(from.sin_port), 7001);
	cr_assert_eq(pt_discard(s.pt.link.minor), 0, "no frame, no ARP request for ourselves");
	/* The answer goes back the same way (the echo's case). */
	cr_assert_eq(ut_sendto(b, from.sin_addr.s_addr, 7001, "hi", 2), 0);
	yt_drain();
	cr_assert_eq(ut_recv_dgram(a, buf, sizeof(buf), &from), 2);
	cr_assert_eq(rte_be_to_cpu_16(from.sin_port), 7002);
	/* Longer than the link's MTU: whole, not fragmented. */
	cr_assert_eq(ut_sendto(a, PT_ADDR_US, 7002, big, sizeof(big)), 0);
	yt_drain();
	cr_assert_eq(ut_recv_dgram(b, got, sizeof(got), &from), (int)sizeof(big));
	cr_assert_arr_eq(got, big, sizeof(big));
	cr_assert_eq(pt_discard(s.pt.link.minor), 0);
	cr_assert_eq(IPS(s.pt.ip, tx_local), 3);
	cr_assert_eq(IPS(s.pt.ip, tx_fragmented), 0);
	cr_assert_eq(IPS(s.pt.ip, tx_packets), 0);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_drop_bad_cksum, 0, "checksums whole");
	cr_assert_eq(sth_close(a), 0);
	cr_assert_eq(sth_close(b), 0);
	ut_stack_close(&s);
}

/* The other link's address is ours too; the port's checksum offload does not reach it. */
YT_TEST(ip_loop, the_other_links_address_and_offloads)
{
	struct ut_two_links t;
	struct stdata *a, *b;
	struct sockaddr_in from;
	char buf[64];

	ut_two_links_open(&t);
	a = bound_ep(7003);
	b = bound_ep(7004);
	(void)pt_discard(t.pt.link.minor);
	(void)pt_discard(t.b.minor);
	cr_assert_eq(ut_sendto(a, UT_ADDR_B, 7004, "to B", 4), 0);
	yt_drain();
	cr_assert_eq(ut_recv_dgram(b, buf, sizeof(buf), &from), 4);
	cr_assert_eq(from.sin_addr.s_addr, UT_ADDR_B, "from the address it was sent to");
	cr_assert_eq(pt_discard(t.pt.link.minor) + pt_discard(t.b.minor), 0);
	cr_assert_eq(sth_close(a), 0);
	cr_assert_eq(sth_close(b), 0);
	ut_two_links_close(&t);
}

YT_TEST(ip_loop, offloaded_checksums_are_completed)
{
	const uint32_t caps = YARD_LINK_CAP_TX_IPV4_CKSUM | YARD_LINK_CAP_TX_UDP_CKSUM;
	struct ut_stack s;
	struct stdata *a, *b;
	struct sockaddr_in from;
	char buf[64];

	ut_stack_open(&s, caps, 1500);
	a = bound_ep(7005);
	b = bound_ep(7006);
	cr_assert_eq(ut_sendto(a, PT_ADDR_US, 7006, "offloaded", 9), 0);
	yt_drain();
	cr_assert_eq(ut_recv_dgram(b, buf, sizeof(buf), &from), 9);
	cr_assert_arr_eq(buf, "offloaded", 9);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_drop_bad_cksum, 0);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_rx_no_cksum, 0, "a checksum, and a right one");
	cr_assert_eq(pt_discard(s.pt.link.minor), 0);
	cr_assert_eq(sth_close(a), 0);
	cr_assert_eq(sth_close(b), 0);
	ut_stack_close(&s);
}

/* A closed port of our own: udp's port unreachable comes back to the sender, as Linux's. */
YT_TEST(ip_loop, a_closed_port_of_ours_answers_port_unreachable)
{
	union {
		struct T_uderror_ind ue;
		uint8_t raw[128];
	} u;
	struct ut_stack s;
	struct stdata *a;
	struct sockaddr_in to;

	ut_stack_open(&s, 0, 1500);
	a = bound_ep(7007);
	cr_assert_eq(ut_sendto(a, PT_ADDR_US, 7999, "anyone?", 7), 0);
	yt_drain();
	cr_assert_gt(ut_get(a, &u, sizeof(u), NULL, 0, NULL), 0);
	cr_assert_eq(u.ue.PRIM_type, T_UDERROR_IND);
	cr_assert_eq(u.ue.ERROR_type, ECONNREFUSED);
	memcpy(&to, u.raw + u.ue.DEST_offset, sizeof(to));
	cr_assert_eq(rte_be_to_cpu_16(to.sin_port), 7999);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_drop_no_port, 1);
	cr_assert_eq(pt_discard(s.pt.link.minor), 0, "not on the wire either");
	cr_assert_eq(IPS(s.pt.ip, tx_local), 2, "the datagram and the ICMP error");
	cr_assert_eq(sth_close(a), 0);
	ut_stack_close(&s);
}

/*
 * A sender outrunning its own reader: what the link's loop list cannot hold (256 KiB) is
 * dropped and counted; the rest arrives. And what waits there when the link goes is freed
 * (yt_teardown checks every block came back).
 */
YT_TEST(ip_loop, the_loop_list_is_bounded_and_goes_with_the_link)
{
	static uint8_t data[4000];
	struct ut_stack s;
	struct stdata *a, *b;
	struct sockaddr_in from;
	unsigned sent = 0, got = 0;
	uint64_t full;

	ut_stack_open(&s, 0, 1500);
	a = bound_ep(7008);
	b = bound_ep(7009);
	for (unsigned i = 0; i < 100; i++)
		if (ut_sendto(a, PT_ADDR_US, 7009, data, sizeof(data)) == 0)
			sent++;
	full = IPS(s.pt.ip, drop_loop_full);
	cr_assert_eq(IPS(s.pt.ip, tx_local), sent);
	cr_assert_gt(full, 0, "%u sent, more than 256 KiB before the scheduler ran", sent);
	cr_assert_leq((sent - full) * (20 + 8 + sizeof(data)), 256 * 1024);
	yt_drain();
	while (ut_recv_dgram(b, data, sizeof(data), &from) == (int)sizeof(data))
		got++;
	cr_assert_eq(got + ut_udpstat(s.up.up_udp).udps_drop_rcvbuf_full +
		     IPS(s.pt.ip, drop_upper_flow), sent - full, "the rest arrived");
	/* Left waiting when the stack goes (no drain first): freed with the link. */
	cr_assert_eq(ut_sendto(a, PT_ADDR_US, 7009, "late", 4), 0);
	cr_assert_eq(IPS(s.pt.ip, tx_local), sent + 1);
	cr_assert_eq(sth_close(s.pt.ip), 0, "close ip (unlinks)");
	yt_drain();
	cr_assert_eq(pt_discard(s.pt.link.minor), 0);
	pt_link_close(&s.pt.link);
	cr_assert_eq(sth_close(a), 0);
	cr_assert_eq(sth_close(b), 0);
	yard_udp_unplumb(&s.up);
}
