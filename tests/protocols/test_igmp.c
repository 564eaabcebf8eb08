/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multicast reception (protocols/ip/igmp.c) through the whole stack: udp endpoints join groups
 * with T_IP_ADD_MEMBERSHIP, ip takes the groups' datagrams and drops the others (counted),
 * and speaks IGMP for them: state-change reports on join and leave, answers to general and
 * group-specific queries in versions 3 and 2, every message checked byte by byte (Router
 * Alert, TTL 1, the group's MAC, both checksums by an independent RFC 1071 sum). Malformed
 * IGMP is dropped and counted; membership requests udp must refuse fail.
 */
#include <errno.h>
#include <string.h>

#include <protocols/udp_services.h>
#include <protocols/xti/xti.h>
#include <streams/loop.h>

#include "udp_test.h"

TestSuite(igmp, .init = yt_setup, .fini = yt_teardown);

#define GROUP_A PT_IPV4(239, 1, 2, 3)
#define GROUP_B PT_IPV4(239, 4, 5, 6)
#define ALL_HOSTS PT_IPV4(224, 0, 0, 1)
#define ALL_ROUTERS PT_IPV4(224, 0, 0, 2)
#define V3_ROUTERS PT_IPV4(224, 0, 0, 22)

/* ---- membership requests ----------------------------------------------------------------- */

/*
 * T_OPTMGMT_REQ of one membership option (flags: T_NEGOTIATE, T_CHECK, ...) with a value of
 * vlen bytes from val. The ack's MGMT_flags, or minus the TLI error of a T_ERROR_ACK.
 */
static t_scalar_t
opt_req(struct stdata *ep, t_scalar_t flags, t_uscalar_t name, const void *val, size_t vlen)
{
	union {
		struct T_optmgmt_req req;
		struct T_optmgmt_ack ack;
		struct T_error_ack err;
		uint8_t raw[256];
	} u;
	struct T_opthdr oh = { .len = (t_uscalar_t)(sizeof(oh) + vlen), .level = T_INET_IP,
			       .name = name };

	memset(&u, 0, sizeof(u));
	u.req.PRIM_type = T_OPTMGMT_REQ;
	u.req.OPT_length = (t_scalar_t)(sizeof(oh) + vlen);
	u.req.OPT_offset = sizeof(u.req);
	u.req.MGMT_flags = flags;
	memcpy(u.raw + sizeof(u.req), &oh, sizeof(oh));
	memcpy(u.raw + sizeof(u.req) + sizeof(oh), val, vlen);
	cr_assert_eq(ut_put(ep, &u, sizeof(u.req) + sizeof(oh) + vlen, false), 0);
	yt_drain();
	cr_assert_gt(ut_get(ep, &u, sizeof(u), NULL, 0, NULL), 0);
	if (u.ack.PRIM_type == T_ERROR_ACK)
		return -u.err.TLI_error;
	cr_assert_eq(u.ack.PRIM_type, T_OPTMGMT_ACK);
	return u.ack.MGMT_flags;
}

/* opt_req() of a t_ip_mreq, or of its first vlen bytes (more: zeros after it). */
static t_scalar_t
mship_req(struct stdata *ep, t_scalar_t flags, t_uscalar_t name, uint32_t group, uint32_t ifaddr,
	  size_t vlen)
{
	uint8_t v[64] = { 0 };
	struct t_ip_mreq mr = { group, ifaddr };

	memcpy(v, &mr, RTE_MIN(vlen, sizeof(mr)));
	return opt_req(ep, flags, name, v, vlen);
}

static t_scalar_t
join(struct stdata *ep, uint32_t group)
{
	return mship_req(ep, T_NEGOTIATE, T_IP_ADD_MEMBERSHIP, group, 0, sizeof(struct t_ip_mreq));
}

static t_scalar_t
leave(struct stdata *ep, uint32_t group)
{
	return mship_req(ep, T_NEGOTIATE, T_IP_DROP_MEMBERSHIP, group, 0,
			 sizeof(struct t_ip_mreq));
}

static struct stdata *
bound_ep(uint16_t port)
{
	struct stdata *ep = ut_ep_open();

	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, port, NULL), 0);
	return ep;
}

/* ---- frames -------------------------------------------------------------------------------- */

/* RFC 1112 6.4: 01:00:5e and the group's low 23 bits. */
static struct rte_ether_addr
group_mac(uint32_t group)
{
	const uint8_t *g = (const uint8_t *)&group;
	struct rte_ether_addr m = { { 0x01, 0x00, 0x5e, (uint8_t)(g[1] & 0x7f), g[2], g[3] } };

	return m;
}

/* A frame from src to a group: Ethernet to the group's MAC, IPv4 (TTL 1), then body. */
static size_t
mcast_frame_from(uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *opts,
		 size_t olen, const uint8_t *body, size_t blen)
{
	struct rte_ether_addr mac = group_mac(dst);
	size_t n = pt_eth(f, &mac, &pt_mac_peer, 0x0800);

	n += pt_ipv4(f + n, src, dst, proto, 77, 0, 1, opts, olen, blen);
	memcpy(f + n, body, blen);
	return n + blen;
}

/* The same from the peer. */
static size_t
mcast_frame(uint8_t *f, uint32_t dst, uint8_t proto, const uint8_t *opts, size_t olen,
	    const uint8_t *body, size_t blen)
{
	return mcast_frame_from(f, PT_ADDR_PEER, dst, proto, opts, olen, body, blen);
}

/* A UDP datagram of plen payload bytes from src:5353 to group:port, as a block a driver
 * passes up (for a burst). */
static mblk_t *
group_mblk(uint32_t src, uint32_t group, uint16_t port, size_t plen)
{
	uint8_t ub[128], f[256];
	size_t ul = ut_udp(ub, src, group, 5353, port, NULL, plen);
	size_t n = mcast_frame_from(f, src, group, IPPROTO_UDP, NULL, 0, ub, ul);
	mblk_t *mp = yard_allocb_hr(n, RTE_PKTMBUF_HEADROOM);

	cr_assert_not_null(mp);
	memcpy(mp->b_wptr, f, n);
	mp->b_wptr += n;
	return mp;
}

static const uint8_t router_alert[4] = { 0x94, 0x04, 0x00, 0x00 };

#define QSRC_MAX 80 /* sources a test's query lists at most (a link keeps 64 asked about) */

/*
 * An IGMPv3 query from the router at from to dst about group (0: general) listing the n
 * sources at src (a group-and-source-specific one if n > 0), its Number of Sources saying
 * nfield.
 */
static void
inject_v3_query(int minor, uint32_t from, uint32_t dst, uint32_t group, uint8_t mrc,
		const uint32_t *src, unsigned n, unsigned nfield)
{
	uint8_t q[12 + 4 * QSRC_MAX] = { 0x11, mrc }, f[14 + 24 + sizeof(q)];
	size_t qlen = 12 + 4 * (size_t)n;
	uint16_t ck;

	cr_assert_leq(n, QSRC_MAX);
	memcpy(q + 4, &group, 4);
	q[8] = 2;    /* QRV */
	q[9] = 125;  /* QQIC */
	q[10] = (uint8_t)(nfield >> 8);
	q[11] = (uint8_t)nfield;
	if (n != 0)
		memcpy(q + 12, src, 4 * (size_t)n);
	ck = rte_cpu_to_be_16(pt_cksum(q, qlen));
	memcpy(q + 2, &ck, 2);
	pt_inject(minor, f,
		  mcast_frame_from(f, from, dst, IPPROTO_IGMP, router_alert, 4, q, qlen));
	yt_drain();
}

/* An IGMP query (version 1, 2 or 3) from the peer to dst about group (0: general). */
static void
inject_query(int minor, unsigned ver, uint32_t dst, uint32_t group, uint8_t mrc)
{
	uint8_t q[8] = { 0x11, ver == 1 ? 0 : mrc }, f[128];
	uint16_t ck;

	if (ver == 3) {
		inject_v3_query(minor, PT_ADDR_PEER, dst, group, mrc, NULL, 0, 0);
		return;
	}
	memcpy(q + 4, &group, 4);
	ck = rte_cpu_to_be_16(pt_cksum(q, sizeof(q)));
	memcpy(q + 2, &ck, 2);
	pt_inject(minor, f, mcast_frame(f, dst, IPPROTO_IGMP, router_alert, 4, q, sizeof(q)));
	yt_drain();
}

/* A group-and-source-specific query about the n sources at src of group, sent to it. */
static void
inject_gs_query(int minor, uint32_t group, uint8_t mrc, const uint32_t *src, unsigned n)
{
	inject_v3_query(minor, PT_ADDR_PEER, group, group, mrc, src, n, n);
}

/* A UDP datagram from the peer's port 5353 to group:port. */
static void
inject_udp(int minor, uint32_t group, uint16_t port, const char *text)
{
	uint8_t u[128], f[256];
	size_t ulen = ut_udp(u, PT_ADDR_PEER, group, 5353, port, (const uint8_t *)text,
			     strlen(text));

	pt_inject(minor, f, mcast_frame(f, group, IPPROTO_UDP, NULL, 0, u, ulen));
	yt_drain();
}

/*
 * A frame yard sent must be an IGMP message as RFC 3376 4 wants it: to dst's MAC, an IPv4
 * header of 24 bytes with Router Alert, TOS 0xc0, TTL 1, protocol 2, from our address, both
 * checksums right. Copies the IGMP message into ig; returns its length.
 */
static size_t
check_igmp(const uint8_t *f, size_t n, uint32_t dst, uint8_t *ig, size_t max)
{
	const uint8_t *ip = f + 14;
	struct rte_ether_addr mac = group_mac(dst);
	uint32_t a;
	size_t tot;

	cr_assert_geq(n, 14 + 24 + 8, "an IGMP frame was sent (%zu bytes)", n);
	cr_assert_arr_eq(f, mac.addr_bytes, 6, "to the group's MAC");
	cr_assert_arr_eq(f + 6, pt_mac_us.addr_bytes, 6);
	cr_assert_eq(f[12] << 8 | f[13], 0x0800);
	cr_assert_eq(ip[0], 0x46, "IPv4 with one option word");
	cr_assert_eq(ip[1], 0xc0, "TOS internetwork control");
	cr_assert_eq(ip[8], 1, "TTL 1");
	cr_assert_eq(ip[9], IPPROTO_IGMP);
	cr_assert_arr_eq(ip + 20, router_alert, 4, "Router Alert");
	cr_assert_eq(pt_cksum(ip, 24), 0, "IP header checksum");
	memcpy(&a, ip + 12, 4);
	cr_assert_eq(a, PT_ADDR_US);
	memcpy(&a, ip + 16, 4);
	cr_assert_eq(a, dst);
	tot = (size_t)(ip[2] << 8 | ip[3]);
	cr_assert_leq(tot, n - 14);
	cr_assert_eq(pt_cksum(ip + 24, tot - 24), 0, "IGMP checksum");
	cr_assert_leq(tot - 24, max);
	memcpy(ig, ip + 24, tot - 24);
	return tot - 24;
}

/* The next frame yard sent, which must be IGMP to dst (check_igmp()). */
static size_t
take_igmp(int minor, uint32_t dst, uint8_t *ig, size_t max)
{
	uint8_t f[1600];
	size_t n = pt_take(minor, f, sizeof(f));

	return check_igmp(f, n, dst, ig, max);
}

/* The next frame is a version 3 report with exactly these records (type, group), any order. */
static void
expect_v3_report(int minor, unsigned nrec, const uint8_t *types, const uint32_t *groups)
{
	uint8_t ig[600];
	size_t len = take_igmp(minor, V3_ROUTERS, ig, sizeof(ig));

	cr_assert_eq(ig[0], 0x22, "a version 3 report, not type %#x", ig[0]);
	cr_assert_eq(ig[6] << 8 | ig[7], (int)nrec, "%u records", nrec);
	cr_assert_eq(len, 8 + 8 * nrec);
	for (unsigned i = 0; i < nrec; i++) {
		bool found = false;

		for (unsigned r = 0; r < nrec; r++) {
			uint32_t g;

			memcpy(&g, ig + 8 + 8 * r + 4, 4);
			if (g == groups[i] && ig[8 + 8 * r] == types[i]) {
				cr_assert_eq(ig[8 + 8 * r + 1], 0, "no auxiliary data");
				cr_assert_eq(ig[8 + 8 * r + 2] | ig[8 + 8 * r + 3], 0, "no sources");
				found = true;
			}
		}
		cr_assert(found, "record %u (type %u) is in the report", i, types[i]);
	}
}

static void
expect_v3_one(int minor, uint8_t type, uint32_t group)
{
	expect_v3_report(minor, 1, &type, &group);
}

/* The next frame is a version 1/2 message of this type about group, sent to dst. */
static void
expect_v12(int minor, uint8_t type, uint32_t group, uint32_t dst)
{
	uint8_t ig[64];
	uint32_t g;

	cr_assert_eq(take_igmp(minor, dst, ig, sizeof(ig)), 8);
	cr_assert_eq(ig[0], type, "type %#x, not %#x", ig[0], type);
	cr_assert_eq(ig[1], 0);
	memcpy(&g, ig + 4, 4);
	cr_assert_eq(g, group);
}

static void
expect_nothing_sent(int minor, const char *what)
{
	uint8_t f[1600];

	cr_assert_eq(pt_take(minor, f, sizeof(f)), 0, "nothing sent: %s", what);
}

/* Let every report due go (a state change's second within a second) and forget them. */
static void
settle(struct ut_stack *s)
{
	pt_run_ms(1100);
	(void)pt_discard(s->pt.link.minor);
}

#define TO_IN 3
#define TO_EX 4
#define IS_EX 2

/* ---- joining and leaving ------------------------------------------------------------------- */

YT_TEST(igmp, a_join_is_reported_at_once_and_once_more_within_a_second)
{
	struct ut_stack s;
	struct stdata *ep;
	struct ip_stats st;

	ut_stack_open(&s, 0, 1500);
	ep = bound_ep(5000);
	cr_assert_eq(join(ep, GROUP_A), T_SUCCESS);
	expect_v3_one(s.pt.link.minor, TO_EX, GROUP_A);
	pt_run_ms(1100);
	expect_v3_one(s.pt.link.minor, TO_EX, GROUP_A);
	pt_run_ms(1100);
	expect_nothing_sent(s.pt.link.minor, "two reports of a state change, no more");
	st = pt_ipstat(s.pt.ip);
	cr_assert_eq(st.is_ip.ips_igmp_joins, 1);
	cr_assert_eq(st.is_ip.ips_igmp_tx_reports, 2);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_mcast_joins, 1);
	cr_assert_eq(sth_close(ep), 0);
	settle(&s);
	ut_stack_close(&s);
}

YT_TEST(igmp, a_joined_groups_datagrams_reach_the_endpoint_and_others_are_dropped)
{
	struct ut_stack s;
	struct stdata *ep;
	union {
		struct T_unitdata_ind ind;
		uint8_t raw[128];
	} u;
	char data[64];
	int dlen = 0;
	struct sockaddr_in from;
	struct ip_stats st;

	ut_stack_open(&s, 0, 1500);
	ep = bound_ep(5001);
	cr_assert_eq(join(ep, GROUP_A), T_SUCCESS);
	settle(&s); /* the join's retransmission too: nothing may be sent from here */
	inject_udp(s.pt.link.minor, GROUP_A, 5001, "market data");
	cr_assert_gt(ut_get(ep, &u, sizeof(u), data, sizeof(data), &dlen), 0);
	cr_assert_eq(u.ind.PRIM_type, T_UNITDATA_IND);
	cr_assert_eq(dlen, 11);
	cr_assert_arr_eq(data, "market data", 11);
	memcpy(&from, u.raw + u.ind.SRC_offset, sizeof(from));
	cr_assert_eq(from.sin_addr.s_addr, PT_ADDR_PEER, "from the sender");
	cr_assert_eq(rte_be_to_cpu_16(from.sin_port), 5353);
	/* A group not joined: dropped by ip, counted. */
	inject_udp(s.pt.link.minor, GROUP_B, 5001, "not ours");
	/* A joined group, a port no one has: dropped without a port unreachable. */
	inject_udp(s.pt.link.minor, GROUP_A, 5999, "no one");
	expect_nothing_sent(s.pt.link.minor, "no ICMP error about a multicast datagram");
	cr_assert_eq(ut_get(ep, &u, sizeof(u), data, sizeof(data), &dlen), -EAGAIN);
	st = pt_ipstat(s.pt.ip);
	cr_assert_eq(st.is_ip.ips_rx_mcast, 2);
	cr_assert_eq(st.is_ip.ips_drop_mcast_not_joined, 1);
	cr_assert_eq(st.is_icmp.icmps_tx_errors, 0);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_drop_no_port_bcast, 1);
	cr_assert_eq(sth_close(ep), 0);
	settle(&s);
	ut_stack_close(&s);
}

/*
 * One burst, as a driver passes it up, to two groups of which one is joined, interleaved: ip
 * keeps the last group it found joined for the rest of the burst, and must not let that
 * verdict stand for the other group.
 */
YT_TEST(igmp, a_burst_to_a_joined_and_another_group_is_judged_datagram_by_datagram)
{
	struct ut_stack s;
	struct stdata *ep;
	mblk_t *mps[8];
	struct ip_stats st;
	unsigned got = 0;
	char data[64];
	int dlen = 0;
	union {
		struct T_unitdata_ind ind;
		uint8_t raw[128];
	} u;

	ut_stack_open(&s, 0, 1500);
	ep = bound_ep(5012);
	cr_assert_eq(join(ep, GROUP_A), T_SUCCESS);
	settle(&s);
	for (unsigned i = 0; i < RTE_DIM(mps); i++)
		mps[i] = group_mblk(PT_ADDR_PEER, i % 2 == 0 ? GROUP_A : GROUP_B, 5012, 10 + i);
	cr_assert_eq(yard_loop_inject_burst(s.pt.link.minor, mps, RTE_DIM(mps)), 0);
	yt_drain();
	while (ut_get(ep, &u, sizeof(u), data, sizeof(data), &dlen) > 0) {
		cr_assert_eq(dlen, (int)(10 + 2 * got), "the joined group's datagrams, in order");
		got++;
	}
	cr_assert_eq(got, 4);
	st = pt_ipstat(s.pt.ip);
	cr_assert_eq(st.is_ip.ips_rx_mcast, 4);
	cr_assert_eq(st.is_ip.ips_drop_mcast_not_joined, 4);
	cr_assert_eq(sth_close(ep), 0);
	settle(&s);
	ut_stack_close(&s);
}

YT_TEST(igmp, the_last_leave_is_reported_and_ends_reception)
{
	struct ut_stack s;
	struct stdata *a, *b;
	struct ip_stats st;

	ut_stack_open(&s, 0, 1500);
	a = bound_ep(5002);
	b = bound_ep(5003);
	cr_assert_eq(join(a, GROUP_A), T_SUCCESS);
	cr_assert_eq(join(b, GROUP_A), T_SUCCESS);
	expect_v3_one(s.pt.link.minor, TO_EX, GROUP_A);
	settle(&s);
	/* The first join's report and its one retransmission (whenever in its second it fell):
	 * the second join is no state change. */
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_igmp_tx_reports, 2);
	cr_assert_eq(leave(a, GROUP_A), T_SUCCESS);
	expect_nothing_sent(s.pt.link.minor, "b is still a member");
	inject_udp(s.pt.link.minor, GROUP_A, 5003, "still");
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_rx_mcast, 1);
	/* b closes: its membership goes with it, and that is the last. */
	cr_assert_eq(sth_close(b), 0);
	yt_drain();
	expect_v3_one(s.pt.link.minor, TO_IN, GROUP_A);
	pt_run_ms(1100);
	expect_v3_one(s.pt.link.minor, TO_IN, GROUP_A);
	inject_udp(s.pt.link.minor, GROUP_A, 5002, "gone");
	st = pt_ipstat(s.pt.ip);
	cr_assert_eq(st.is_ip.ips_drop_mcast_not_joined, 1);
	cr_assert_eq(st.is_ip.ips_igmp_leaves, 1);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_mcast_leaves, 2);
	/* A general query now has nothing to report. */
	inject_query(s.pt.link.minor, 3, ALL_HOSTS, 0, 10);
	pt_run_ms(1100);
	expect_nothing_sent(s.pt.link.minor, "no group left to report");
	cr_assert_eq(sth_close(a), 0);
	ut_stack_close(&s);
}

/* ---- queries ------------------------------------------------------------------------------- */

YT_TEST(igmp, a_general_query_is_answered_with_every_group_within_its_time)
{
	struct ut_stack s;
	struct stdata *a, *b;
	const uint8_t types[2] = { IS_EX, IS_EX };
	const uint32_t groups[2] = { GROUP_A, GROUP_B };

	ut_stack_open(&s, 0, 1500);
	a = bound_ep(5004);
	b = bound_ep(5005);
	cr_assert_eq(join(a, GROUP_A), T_SUCCESS);
	cr_assert_eq(join(b, GROUP_B), T_SUCCESS);
	cr_assert_eq(join(b, GROUP_A), T_SUCCESS);
	settle(&s);
	inject_query(s.pt.link.minor, 3, ALL_HOSTS, 0, 10); /* within 1 s */
	pt_run_ms(1100);
	expect_v3_report(s.pt.link.minor, 2, types, groups);
	expect_nothing_sent(s.pt.link.minor, "one report answers a general query");
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_igmp_rx_queries, 1);
	/* About one group: only that one. */
	inject_query(s.pt.link.minor, 3, GROUP_B, GROUP_B, 5);
	pt_run_ms(600);
	expect_v3_one(s.pt.link.minor, IS_EX, GROUP_B);
	/* About a group not joined: nothing. */
	inject_query(s.pt.link.minor, 3, PT_IPV4(239, 7, 7, 7), PT_IPV4(239, 7, 7, 7), 5);
	pt_run_ms(600);
	expect_nothing_sent(s.pt.link.minor, "a group not joined");
	cr_assert_eq(sth_close(a), 0);
	cr_assert_eq(sth_close(b), 0);
	settle(&s);
	ut_stack_close(&s);
}

YT_TEST(igmp, a_version_2_querier_gets_version_2_reports_and_a_leave)
{
	struct ut_stack s;
	struct stdata *ep;

	ut_stack_open(&s, 0, 1500);
	ep = bound_ep(5006);
	cr_assert_eq(join(ep, GROUP_A), T_SUCCESS);
	cr_assert_eq(join(ep, GROUP_B), T_SUCCESS);
	settle(&s);
	inject_query(s.pt.link.minor, 2, ALL_HOSTS, 0, 10);
	pt_run_ms(1100);
	/* One v2 report per group, each to its group (in the order their timers fire). */
	for (unsigned i = 0, seen = 0; i < 2; i++) {
		uint8_t f[1600];
		uint32_t dst;
		size_t n = pt_take(s.pt.link.minor, f, sizeof(f));

		cr_assert_eq(n, 14 + 24 + 8, "report %u", i);
		memcpy(&dst, f + 14 + 16, 4);
		cr_assert(dst == GROUP_A || dst == GROUP_B);
		cr_assert_eq(seen & (dst == GROUP_A ? 1u : 2u), 0, "each group once");
		seen |= dst == GROUP_A ? 1u : 2u;
		cr_assert_eq(f[14 + 24], 0x16, "a version 2 report");
		cr_assert_eq(memcmp(f + 14 + 24 + 4, &dst, 4), 0, "about the group it goes to");
		cr_assert_eq(pt_cksum(f + 14 + 24, 8), 0);
		cr_assert_eq(f[14 + 8], 1, "TTL 1");
	}
	expect_nothing_sent(s.pt.link.minor, "one report per group");
	/* In version 2 mode a join is a v2 report, a leave one Leave Group to all routers. */
	cr_assert_eq(leave(ep, GROUP_B), T_SUCCESS);
	expect_v12(s.pt.link.minor, 0x17, GROUP_B, ALL_ROUTERS);
	pt_run_ms(1100);
	expect_nothing_sent(s.pt.link.minor, "v2 sends one leave");
	cr_assert_eq(join(ep, GROUP_B), T_SUCCESS);
	expect_v12(s.pt.link.minor, 0x16, GROUP_B, GROUP_B);
	cr_assert_eq(sth_close(ep), 0);
	settle(&s);
	ut_stack_close(&s);
}

YT_TEST(igmp, a_version_1_query_is_answered_with_version_1_reports_and_no_leave)
{
	struct ut_stack s;
	struct stdata *ep;

	ut_stack_open(&s, 0, 1500);
	ep = bound_ep(5007);
	cr_assert_eq(join(ep, GROUP_A), T_SUCCESS);
	settle(&s);
	inject_query(s.pt.link.minor, 1, ALL_HOSTS, 0, 0); /* v1: up to 10 s */
	pt_run_ms(10100);
	expect_v12(s.pt.link.minor, 0x12, GROUP_A, GROUP_A);
	cr_assert_eq(leave(ep, GROUP_A), T_SUCCESS);
	pt_run_ms(100);
	expect_nothing_sent(s.pt.link.minor, "version 1 has no leave");
	cr_assert_eq(sth_close(ep), 0);
	ut_stack_close(&s);
}

/* ---- on a VLAN link ------------------------------------------------------------------------ */

/* f (n bytes) as the peer sends it on VLAN 100 (priority 0) into out: n + 4 bytes. */
static size_t
tag100(uint8_t *out, const uint8_t *f, size_t n)
{
	memcpy(out, f, 12);
	out[12] = 0x81, out[13] = 0x00, out[14] = 0, out[15] = 100;
	memcpy(out + 16, f + 12, n - 12);
	return n + 4;
}

/* A link on VLAN 100: reports go tagged, and tagged queries and datagrams are taken. */
YT_TEST(igmp, a_vlan_link_reports_tagged_and_takes_its_vlans_queries_and_groups)
{
	struct ut_stack s;
	struct stdata *ep;
	uint8_t f[1600], tagged[1600], ig[64], ub[64];
	union {
		struct T_unitdata_ind ind;
		uint8_t raw[128];
	} u;
	char data[64];
	int dlen = 0;
	size_t n, ul;

	ut_stack_open_vlan(&s, 0, 1500, 100);
	ep = bound_ep(5013);
	cr_assert_eq(join(ep, GROUP_A), T_SUCCESS);
	n = pt_take(s.pt.link.minor, f, sizeof(f));
	cr_assert_geq(n, 18);
	cr_assert_eq(f[12] << 8 | f[13], 0x8100, "tagged");
	cr_assert_eq((f[14] << 8 | f[15]), 100, "VLAN 100, priority 0");
	memmove(f + 12, f + 16, n - 16); /* the frame as it would be untagged */
	(void)check_igmp(f, n - 4, V3_ROUTERS, ig, sizeof(ig));
	cr_assert_eq(ig[0], 0x22);
	settle(&s);
	/* A datagram to the group and a general query, both tagged 100. */
	ul = ut_udp(ub, PT_ADDR_PEER, GROUP_A, 5353, 5013, (const uint8_t *)"tagged", 6);
	n = mcast_frame(f, GROUP_A, IPPROTO_UDP, NULL, 0, ub, ul);
	pt_inject(s.pt.link.minor, tagged, tag100(tagged, f, n));
	cr_assert_gt(ut_get(ep, &u, sizeof(u), data, sizeof(data), &dlen), 0);
	cr_assert_eq(dlen, 6);
	cr_assert_arr_eq(data, "tagged", 6);
	{
		uint8_t q[12] = { 0x11, 10, 0, 0, 0, 0, 0, 0, 2, 125 };
		uint16_t ck = rte_cpu_to_be_16(pt_cksum(q, sizeof(q)));

		memcpy(q + 2, &ck, 2);
		n = mcast_frame(f, ALL_HOSTS, IPPROTO_IGMP, router_alert, 4, q, sizeof(q));
		pt_inject(s.pt.link.minor, tagged, tag100(tagged, f, n));
	}
	yt_drain();
	pt_run_ms(1100);
	n = pt_take(s.pt.link.minor, f, sizeof(f));
	cr_assert_geq(n, 18, "the query answered");
	cr_assert_eq(f[12] << 8 | f[13], 0x8100, "the answer tagged too");
	memmove(f + 12, f + 16, n - 16);
	(void)check_igmp(f, n - 4, V3_ROUTERS, ig, sizeof(ig));
	cr_assert_eq(ig[8], IS_EX);
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_igmp_rx_queries, 1);
	cr_assert_eq(sth_close(ep), 0);
	settle(&s);
	ut_stack_close(&s);
}

/* ---- what is refused ----------------------------------------------------------------------- */

YT_TEST(igmp, malformed_or_misaddressed_igmp_is_dropped_and_counted)
{
	struct ut_stack s;
	struct stdata *ep;
	uint8_t f[128], m[16];
	const uint32_t two[2] = { PT_IPV4(203, 0, 113, 1), PT_IPV4(203, 0, 113, 2) };
	struct ip_stats st;
	uint16_t ck;

	ut_stack_open(&s, 0, 1500);
	ep = bound_ep(5008);
	cr_assert_eq(join(ep, GROUP_A), T_SUCCESS);
	settle(&s);
	/* Too short (7 bytes). */
	memset(m, 0, sizeof(m));
	m[0] = 0x11;
	pt_inject(s.pt.link.minor, f, mcast_frame(f, ALL_HOSTS, IPPROTO_IGMP, router_alert, 4, m, 7));
	/* A bad checksum. */
	m[1] = 10;
	pt_inject(s.pt.link.minor, f, mcast_frame(f, ALL_HOSTS, IPPROTO_IGMP, router_alert, 4, m, 8));
	/* A query of 10 bytes (RFC 3376 7.1: ignored). */
	ck = rte_cpu_to_be_16(pt_cksum(m, 10));
	memcpy(m + 2, &ck, 2);
	pt_inject(s.pt.link.minor, f,
		  mcast_frame(f, ALL_HOSTS, IPPROTO_IGMP, router_alert, 4, m, 10));
	/* An unknown type. */
	memset(m, 0, sizeof(m));
	m[0] = 0x42;
	ck = rte_cpu_to_be_16(pt_cksum(m, 8));
	memcpy(m + 2, &ck, 2);
	pt_inject(s.pt.link.minor, f, mcast_frame(f, ALL_HOSTS, IPPROTO_IGMP, router_alert, 4, m, 8));
	yt_drain();
	/* A general query to a group, and one about a group sent to all hosts. */
	inject_query(s.pt.link.minor, 3, GROUP_A, 0, 10);
	inject_query(s.pt.link.minor, 3, ALL_HOSTS, GROUP_A, 10);
	/* Another host's report: taken and ignored. */
	memset(m, 0, sizeof(m));
	m[0] = 0x16;
	memcpy(m + 4, &(uint32_t){ GROUP_A }, 4);
	ck = rte_cpu_to_be_16(pt_cksum(m, 8));
	memcpy(m + 2, &ck, 2);
	pt_inject(s.pt.link.minor, f, mcast_frame(f, GROUP_A, IPPROTO_IGMP, router_alert, 4, m, 8));
	yt_drain();
	/* Three sources said, two there; a general query with a source (RFC 3376 4.1.8). */
	inject_v3_query(s.pt.link.minor, PT_ADDR_PEER, GROUP_A, GROUP_A, 5, two, 2, 3);
	inject_v3_query(s.pt.link.minor, PT_ADDR_PEER, ALL_HOSTS, 0, 5, two, 1, 1);
	pt_run_ms(1100);
	expect_nothing_sent(s.pt.link.minor, "nothing answers what was dropped");
	st = pt_ipstat(s.pt.ip);
	cr_assert_eq(st.is_ip.ips_igmp_rx, 9);
	cr_assert_eq(st.is_ip.ips_igmp_drop_bad, 6);
	cr_assert_eq(st.is_ip.ips_igmp_drop_bad_srcs, 2);
	cr_assert_eq(st.is_ip.ips_igmp_rx_reports, 1);
	cr_assert_eq(st.is_ip.ips_igmp_rx_queries, 0);
	cr_assert_eq(sth_close(ep), 0);
	settle(&s);
	ut_stack_close(&s);
}

YT_TEST(igmp, membership_requests_udp_cannot_do_fail)
{
	struct ut_stack s;
	struct stdata *ep, *other[3];
	size_t mr = sizeof(struct t_ip_mreq);
	static struct yard_ip_group_row rows[80];

	ut_stack_open(&s, 0, 1500);
	ep = bound_ep(5009);
	/* Not a group, the all-hosts group, a link that is not ours. */
	cr_assert_eq(join(ep, PT_ADDR_PEER), T_FAILURE);
	cr_assert_eq(join(ep, ALL_HOSTS), T_FAILURE);
	cr_assert_eq(mship_req(ep, T_NEGOTIATE, T_IP_ADD_MEMBERSHIP, GROUP_A,
			       PT_IPV4(10, 9, 9, 9), mr), T_FAILURE);
	/* Dropping what was never joined. */
	cr_assert_eq(leave(ep, GROUP_A), T_FAILURE);
	/* Joined on our address by name; twice is refused. */
	cr_assert_eq(mship_req(ep, T_NEGOTIATE, T_IP_ADD_MEMBERSHIP, GROUP_A, PT_ADDR_US, mr),
		     T_SUCCESS);
	cr_assert_eq(mship_req(ep, T_NEGOTIATE, T_IP_ADD_MEMBERSHIP, GROUP_A, PT_ADDR_US, mr),
		     T_FAILURE);
	/* ... and so is the same link named by route (interface 0) */
	cr_assert_eq(join(ep, GROUP_A), T_FAILURE);
	/* A value that is not one t_ip_mreq: the request is malformed. */
	cr_assert_eq(mship_req(ep, T_NEGOTIATE, T_IP_ADD_MEMBERSHIP, GROUP_B, 0, 4), -TBADOPT);
	/* T_CHECK says whether a group could be joined; T_CURRENT has nothing to say. */
	cr_assert_eq(mship_req(ep, T_CHECK, T_IP_ADD_MEMBERSHIP, GROUP_B, 0, mr), T_SUCCESS);
	cr_assert_eq(mship_req(ep, T_CHECK, T_IP_ADD_MEMBERSHIP, PT_ADDR_PEER, 0, mr), T_FAILURE);
	cr_assert_eq(mship_req(ep, T_CURRENT, T_IP_ADD_MEMBERSHIP, GROUP_B, 0, mr), T_NOTSUPPORT);
	/* Twenty memberships an endpoint; the twenty-first is refused. */
	for (unsigned i = 1; i < 20; i++)
		cr_assert_eq(join(ep, PT_IPV4(239, 100, 0, i)), T_SUCCESS, "join %u", i);
	cr_assert_eq(join(ep, PT_IPV4(239, 100, 0, 20)), T_FAILURE);
	/* Sixty-four groups a link: three more endpoints meet that limit. */
	for (unsigned i = 20; i < 64; i++) {
		unsigned k = i / 20 - 1;

		if (i % 20 == 0)
			other[k] = bound_ep((uint16_t)(5010 + k));
		cr_assert_eq(join(other[k], PT_IPV4(239, 100, 0, i)), T_SUCCESS, "join %u", i);
	}
	cr_assert_eq(join(other[2], PT_IPV4(239, 100, 0, 64)), T_FAILURE, "the link's 65th");
	cr_assert_eq(join(other[2], GROUP_A), T_SUCCESS, "a group the link has: counted");
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_mcast_join_fail, 7);
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_igmp_joins, 64);
	/* What yardctl groups shows: 64 groups, GROUP_A with its two members. */
	cr_assert_eq(ip_mcast_snapshot(rows, RTE_DIM(rows)), 64);
	for (unsigned i = 0; i < 64; i++)
		if (rows[i].gr_group == GROUP_A)
			cr_assert_eq(rows[i].gr_refs, 2, "refused joins left no count behind");
	cr_assert_eq(sth_close(ep), 0);
	for (unsigned k = 0; k < 3; k++)
		cr_assert_eq(sth_close(other[k]), 0);
	settle(&s);
	cr_assert_eq(ip_mcast_snapshot(rows, RTE_DIM(rows)), 0, "every group left");
	ut_stack_close(&s);
}

/* ---- sending to a group -------------------------------------------------------------------- */

/* One unsigned char option of the IP level set with T_NEGOTIATE: the ack's MGMT_flags. */
static t_scalar_t
set_ip_byte(struct stdata *ep, t_uscalar_t name, uint8_t v)
{
	struct {
		struct T_optmgmt_req req;
		struct T_opthdr oh;
		uint8_t v[4];
	} r = { { T_OPTMGMT_REQ, sizeof(struct T_opthdr) + 1, sizeof(struct T_optmgmt_req),
		  T_NEGOTIATE }, { sizeof(struct T_opthdr) + 1, T_INET_IP, name, 0 }, { v } };
	union {
		struct T_optmgmt_ack ack;
		uint8_t raw[128];
	} u;

	cr_assert_eq(ut_put(ep, &r, sizeof(r.req) + sizeof(r.oh) + 1, false), 0);
	yt_drain();
	cr_assert_gt(ut_get(ep, &u, sizeof(u), NULL, 0, NULL), 0);
	cr_assert_eq(u.ack.PRIM_type, T_OPTMGMT_ACK);
	return u.ack.MGMT_flags;
}

/* Send text to dst:6000 from ep and take the frame: its destination MAC and TTL. */
static void
send_and_take(struct ut_stack *s, struct stdata *ep, uint32_t dst, struct rte_ether_addr *mac,
	      uint8_t *ttl)
{
	uint8_t f[256];
	size_t n;

	cr_assert_eq(ut_sendto(ep, dst, 6000, "to all", 6), 0);
	yt_drain();
	n = pt_take(s->pt.link.minor, f, sizeof(f));
	cr_assert_eq(n, 14 + 20 + 8 + 6, "one datagram sent (%zu bytes)", n);
	cr_assert_eq(memcmp(f + 14 + 16, &dst, 4), 0);
	cr_assert_eq(pt_cksum(f + 14, 20), 0);
	cr_assert_eq(ut_udp_cksum(PT_ADDR_US, dst, f + 34, 14), 0, "UDP checksum");
	memcpy(mac, f, 6);
	*ttl = f[14 + 8];
}

YT_TEST(igmp, a_datagram_to_a_group_goes_with_ttl_1_to_its_mac_even_through_a_gateway)
{
	struct ut_stack s;
	struct stdata *ep;
	struct ip_route r = { .ir_dst = 0, .ir_prefix = 0, .ir_gateway = PT_ADDR_PEER };
	struct rte_ether_addr gmac = group_mac(GROUP_A), mac;
	struct {
		struct T_opthdr oh;
		uint8_t v[4];
	} o = { { sizeof(struct T_opthdr) + 1, T_INET_IP, T_IP_TTL, 0 }, { 9 } };
	uint8_t ttl, f[256];

	ut_stack_open(&s, 0, 1500);
	r.ir_muxid = s.pt.link.muxid;
	cr_assert_eq(pt_istr(s.pt.ip, IP_ROUTE_ADD, &r, sizeof(r)), 0);
	ep = bound_ep(5011);
	/* No membership, no T_IP_BROADCAST: TTL 1 (RFC 1112 6.1), the group's MAC. */
	send_and_take(&s, ep, GROUP_A, &mac, &ttl);
	cr_assert_arr_eq(mac.addr_bytes, gmac.addr_bytes, 6, "the group's MAC, not the gateway's");
	cr_assert_eq(ttl, 1);
	cr_assert_eq(set_ip_byte(ep, T_IP_MULTICAST_TTL, 5), T_SUCCESS);
	send_and_take(&s, ep, GROUP_A, &mac, &ttl);
	cr_assert_eq(ttl, 5);
	/* 0 keeps them on the host (test_mcast_send), but a datagram's own T_IP_TTL wins. */
	cr_assert_eq(set_ip_byte(ep, T_IP_MULTICAST_TTL, 0), T_SUCCESS, "0..255");
	cr_assert_eq(ut_sendto_opts(ep, GROUP_A, 6000, &o, sizeof(o.oh) + 1, "to all", 6), 0);
	yt_drain();
	cr_assert_eq(pt_take(s.pt.link.minor, f, sizeof(f)), 14 + 20 + 8 + 6);
	cr_assert_eq(f[14 + 8], 9);
	/* A unicast destination keeps the unicast TTL, and the peer's MAC. */
	send_and_take(&s, ep, PT_ADDR_PEER, &mac, &ttl);
	cr_assert_eq(ttl, 64);
	cr_assert_arr_eq(mac.addr_bytes, pt_mac_peer.addr_bytes, 6);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_uderr_bcast, 0, "no T_IP_BROADCAST asked for");
	cr_assert_eq(sth_close(ep), 0);
	ut_stack_close(&s);
}

/* ---- source filters (SSM, RFC 4607; RFC 3376 source lists) ---------------------------------- */

#define SRC_1 PT_ADDR_PEER              /* on the link */
#define SRC_2 PT_IPV4(198, 18, 0, 7)    /* on the link too */
#define SRC_3 PT_IPV4(203, 0, 113, 9)   /* off the link, as a feed's source often is */
#define GROUP_S PT_IPV4(232, 1, 1, 1)   /* the SSM range */

#define IS_IN 1
#define ALLOW 5
#define BLOCK 6

/* One of the four source options (T_NEGOTIATE unless flags says otherwise). */
static t_scalar_t
src_req(struct stdata *ep, t_scalar_t flags, t_uscalar_t name, uint32_t group, uint32_t src)
{
	struct t_ip_mreq_source mr = { .imr_multiaddr = group, .imr_sourceaddr = src };

	return opt_req(ep, flags, name, &mr, sizeof(mr));
}

static t_scalar_t
add_src(struct stdata *ep, uint32_t group, uint32_t src)
{
	return src_req(ep, T_NEGOTIATE, T_IP_ADD_SOURCE_MEMBERSHIP, group, src);
}

static t_scalar_t
drop_src(struct stdata *ep, uint32_t group, uint32_t src)
{
	return src_req(ep, T_NEGOTIATE, T_IP_DROP_SOURCE_MEMBERSHIP, group, src);
}

/* A UDP datagram from src:5353 to group:port, with text as its payload. */
static void
inject_udp_from(int minor, uint32_t src, uint32_t group, uint16_t port, const char *text)
{
	uint8_t u[128], f[256];
	size_t ulen = ut_udp(u, src, group, 5353, port, (const uint8_t *)text, strlen(text));

	pt_inject(minor, f, mcast_frame_from(f, src, group, IPPROTO_UDP, NULL, 0, u, ulen));
	yt_drain();
}

/* The payload of ep's next datagram and where it came from; 0 if none is queued. */
static int
recv_from(struct stdata *ep, char *data, size_t max, uint32_t *src)
{
	union {
		struct T_unitdata_ind ind;
		uint8_t raw[128];
	} u;
	struct sockaddr_in from;
	int dlen = 0;

	if (ut_get(ep, &u, sizeof(u), data, max, &dlen) <= 0)
		return 0;
	cr_assert_eq(u.ind.PRIM_type, T_UNITDATA_IND);
	memcpy(&from, u.raw + u.ind.SRC_offset, sizeof(from));
	*src = from.sin_addr.s_addr;
	return dlen;
}

/* ep gets exactly one datagram, text from src. */
static void
expect_datagram(struct stdata *ep, const char *text, uint32_t src)
{
	char data[64];
	uint32_t from = 0;
	int n = recv_from(ep, data, sizeof(data), &from);

	cr_assert_eq(n, (int)strlen(text), "'%s' received", text);
	cr_assert_arr_eq(data, text, strlen(text));
	cr_assert_eq(from, src);
	cr_assert_eq(recv_from(ep, data, sizeof(data), &from), 0, "only '%s'", text);
}

static void
expect_no_datagram(struct stdata *ep, const char *what)
{
	char data[64];
	uint32_t from;

	cr_assert_eq(recv_from(ep, data, sizeof(data), &from), 0, "nothing received: %s", what);
}

/* A version 3 group record with its sources, as parsed from a report. */
struct rec {
	uint8_t type;
	uint32_t group;
	unsigned nsrc;
	uint32_t src[16];
};

/* The next frame: a version 3 report; its records into recs (at most max). Their count. */
static unsigned
take_v3_records(int minor, struct rec *recs, unsigned max)
{
	uint8_t ig[1500];
	size_t len = take_igmp(minor, V3_ROUTERS, ig, sizeof(ig)), o = 8;
	unsigned n = (unsigned)(ig[6] << 8 | ig[7]);

	cr_assert_eq(ig[0], 0x22, "a version 3 report, not type %#x", ig[0]);
	cr_assert_leq(n, max);
	for (unsigned i = 0; i < n; i++) {
		struct rec *r = &recs[i];

		cr_assert_leq(o + 8, len, "record %u is whole", i);
		r->type = ig[o];
		cr_assert_eq(ig[o + 1], 0, "no auxiliary data");
		r->nsrc = (unsigned)(ig[o + 2] << 8 | ig[o + 3]);
		memcpy(&r->group, ig + o + 4, 4);
		cr_assert_leq(r->nsrc, RTE_DIM(r->src));
		cr_assert_leq(o + 8 + 4 * r->nsrc, len, "record %u's sources are whole", i);
		memcpy(r->src, ig + o + 8, 4 * r->nsrc);
		o += 8 + 4 * r->nsrc;
	}
	cr_assert_eq(o, len, "the report is its records, nothing after");
	return n;
}

/* r is a record of this type about group listing exactly these sources, in any order. */
static void
check_rec(const struct rec *r, uint8_t type, uint32_t group, unsigned nsrc, const uint32_t *src)
{
	cr_assert_eq(r->type, type, "record type %u, not %u", r->type, type);
	cr_assert_eq(r->group, group);
	cr_assert_eq(r->nsrc, nsrc, "%u sources, not %u", r->nsrc, nsrc);
	for (unsigned i = 0; i < nsrc; i++) {
		bool found = false;

		for (unsigned j = 0; j < r->nsrc; j++)
			found |= r->src[j] == src[i];
		cr_assert(found, "source %u is listed", i);
	}
}

/* The next frame is a report of one record (type, group, sources). */
static void
expect_rec(int minor, uint8_t type, uint32_t group, unsigned nsrc, const uint32_t *src)
{
	struct rec r[4];

	cr_assert_eq(take_v3_records(minor, r, RTE_DIM(r)), 1, "one record");
	check_rec(&r[0], type, group, nsrc, src);
}

/*
 * One burst, as a driver passes it up, of 8 datagrams to GROUP_S:port, S1's and S2's in turn
 * (payloads of 10, 11, ... bytes).
 */
static void
inject_two_source_burst(int minor, uint16_t port)
{
	mblk_t *mps[8];

	for (unsigned i = 0; i < RTE_DIM(mps); i++)
		mps[i] = group_mblk(i % 2 == 0 ? SRC_1 : SRC_2, GROUP_S, port, 10 + i);
	cr_assert_eq(yard_loop_inject_burst(minor, mps, RTE_DIM(mps)), 0);
	yt_drain();
}

YT_TEST(igmp, a_source_specific_join_takes_that_sources_datagrams_only)
{
	struct ut_stack s;
	struct stdata *ep;
	const uint32_t s1[1] = { SRC_1 }, s2[1] = { SRC_2 };
	struct ip_stats st;
	struct udpstat us;

	ut_stack_open(&s, 0, 1500);
	ep = bound_ep(5100);
	/* INCLUDE {} -> INCLUDE {S1}: ALLOW (S1), at once and once more (RFC 3376 5.1). */
	cr_assert_eq(add_src(ep, GROUP_S, SRC_1), T_SUCCESS);
	expect_rec(s.pt.link.minor, ALLOW, GROUP_S, 1, s1);
	pt_run_ms(1100);
	expect_rec(s.pt.link.minor, ALLOW, GROUP_S, 1, s1);
	pt_run_ms(1100);
	expect_nothing_sent(s.pt.link.minor, "two reports of a state change");
	inject_udp_from(s.pt.link.minor, SRC_1, GROUP_S, 5100, "from one");
	expect_datagram(ep, "from one", SRC_1);
	inject_udp_from(s.pt.link.minor, SRC_2, GROUP_S, 5100, "from two");
	inject_udp_from(s.pt.link.minor, SRC_3, GROUP_S, 5100, "from three");
	expect_no_datagram(ep, "sources the filter leaves out");
	expect_nothing_sent(s.pt.link.minor, "no ICMP error about a filtered datagram");
	st = pt_ipstat(s.pt.ip);
	cr_assert_eq(st.is_ip.ips_rx_mcast, 1);
	cr_assert_eq(st.is_ip.ips_drop_mcast_filtered, 2, "dropped by ip, counted");
	/* A second source: ALLOW (S2); both are taken. */
	cr_assert_eq(add_src(ep, GROUP_S, SRC_2), T_SUCCESS);
	expect_rec(s.pt.link.minor, ALLOW, GROUP_S, 1, s2);
	settle(&s);
	inject_udp_from(s.pt.link.minor, SRC_2, GROUP_S, 5100, "two now");
	expect_datagram(ep, "two now", SRC_2);
	/* The first dropped: BLOCK (S1), and its datagrams are filtered again. */
	cr_assert_eq(drop_src(ep, GROUP_S, SRC_1), T_SUCCESS);
	expect_rec(s.pt.link.minor, BLOCK, GROUP_S, 1, s1);
	settle(&s);
	inject_udp_from(s.pt.link.minor, SRC_1, GROUP_S, 5100, "one again");
	expect_no_datagram(ep, "S1 dropped");
	/* The last source dropped leaves the group: BLOCK (S2), then not joined at all. */
	cr_assert_eq(drop_src(ep, GROUP_S, SRC_2), T_SUCCESS);
	expect_rec(s.pt.link.minor, BLOCK, GROUP_S, 1, s2);
	settle(&s);
	inject_udp_from(s.pt.link.minor, SRC_2, GROUP_S, 5100, "gone");
	expect_no_datagram(ep, "the group was left");
	st = pt_ipstat(s.pt.ip);
	cr_assert_eq(st.is_ip.ips_drop_mcast_filtered, 3);
	cr_assert_eq(st.is_ip.ips_drop_mcast_not_joined, 1);
	cr_assert_eq(st.is_ip.ips_igmp_joins, 1);
	cr_assert_eq(st.is_ip.ips_igmp_leaves, 1);
	us = ut_udpstat(s.up.up_udp);
	cr_assert_eq(us.udps_mcast_joins, 1);
	cr_assert_eq(us.udps_mcast_leaves, 1, "the last source's drop is the leave");
	cr_assert_eq(us.udps_mcast_src_changes, 4);
	cr_assert_eq(drop_src(ep, GROUP_S, SRC_2), T_FAILURE, "nothing left to drop");
	cr_assert_eq(sth_close(ep), 0);
	ut_stack_close(&s);
}

/* RFC 3376 5.1: a change while the last one is still being retransmitted merges into it. */
YT_TEST(igmp, a_change_before_the_retransmission_merges_into_one_report)
{
	struct ut_stack s;
	struct stdata *ep;
	const uint32_t both[2] = { SRC_1, SRC_2 }, s1[1] = { SRC_1 };

	ut_stack_open(&s, 0, 1500);
	ep = bound_ep(5101);
	cr_assert_eq(add_src(ep, GROUP_S, SRC_1), T_SUCCESS);
	expect_rec(s.pt.link.minor, ALLOW, GROUP_S, 1, s1);
	cr_assert_eq(add_src(ep, GROUP_S, SRC_2), T_SUCCESS);
	/* Against what routers were last told in full (nothing): both sources are new. */
	expect_rec(s.pt.link.minor, ALLOW, GROUP_S, 2, both);
	pt_run_ms(1100);
	expect_rec(s.pt.link.minor, ALLOW, GROUP_S, 2, both);
	pt_run_ms(1100);
	expect_nothing_sent(s.pt.link.minor, "the merged change is told twice, no more");
	/* Dropped both at once by leaving: one BLOCK of both. */
	cr_assert_eq(leave(ep, GROUP_S), T_SUCCESS, "T_IP_DROP_MEMBERSHIP leaves an SSM one");
	expect_rec(s.pt.link.minor, BLOCK, GROUP_S, 2, both);
	pt_run_ms(1100);
	expect_rec(s.pt.link.minor, BLOCK, GROUP_S, 2, both);
	pt_run_ms(1100);
	expect_nothing_sent(s.pt.link.minor, "left");
	cr_assert_eq(ip_mcast_snapshot(NULL, 0), 0, "the slot went with the last report");
	cr_assert_eq(sth_close(ep), 0);
	ut_stack_close(&s);
}

YT_TEST(igmp, blocking_a_source_of_an_any_source_join_filters_it_until_unblocked)
{
	struct ut_stack s;
	struct stdata *ep;
	const uint32_t s1[1] = { SRC_1 };

	ut_stack_open(&s, 0, 1500);
	ep = bound_ep(5102);
	cr_assert_eq(join(ep, GROUP_A), T_SUCCESS);
	settle(&s);
	/* EXCLUDE {} -> EXCLUDE {S1}: BLOCK (S1). */
	cr_assert_eq(src_req(ep, T_NEGOTIATE, T_IP_BLOCK_SOURCE, GROUP_A, SRC_1), T_SUCCESS);
	expect_rec(s.pt.link.minor, BLOCK, GROUP_A, 1, s1);
	settle(&s);
	inject_udp_from(s.pt.link.minor, SRC_1, GROUP_A, 5102, "blocked");
	inject_udp_from(s.pt.link.minor, SRC_3, GROUP_A, 5102, "other source");
	expect_datagram(ep, "other source", SRC_3);
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_drop_mcast_filtered, 1);
	/* EXCLUDE {S1} -> EXCLUDE {}: ALLOW (S1). */
	cr_assert_eq(src_req(ep, T_NEGOTIATE, T_IP_UNBLOCK_SOURCE, GROUP_A, SRC_1), T_SUCCESS);
	expect_rec(s.pt.link.minor, ALLOW, GROUP_A, 1, s1);
	settle(&s);
	inject_udp_from(s.pt.link.minor, SRC_1, GROUP_A, 5102, "unblocked");
	expect_datagram(ep, "unblocked", SRC_1);
	/* A general query: the group is any-source again (IS_EX {}). */
	inject_query(s.pt.link.minor, 3, ALL_HOSTS, 0, 5);
	pt_run_ms(600);
	expect_rec(s.pt.link.minor, IS_EX, GROUP_A, 0, NULL);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_mcast_src_changes, 2);
	cr_assert_eq(sth_close(ep), 0);
	settle(&s);
	ut_stack_close(&s);
}

/*
 * Two endpoints' filters on one link merge as RFC 3376 3.2 says, and what ip lets in for the
 * merge, each endpoint still filters for itself (RFC 3678): a source one endpoint did not ask
 * for does not reach it because another's any-source join let it in.
 */
YT_TEST(igmp, the_links_filter_merges_every_endpoints_and_each_filters_its_own)
{
	struct ut_stack s;
	struct stdata *a, *b;
	const uint32_t s1[1] = { SRC_1 }, s2[1] = { SRC_2 }, both[2] = { SRC_1, SRC_2 };
	static struct yard_ip_group_row rows[4];

	ut_stack_open(&s, 0, 1500);
	a = bound_ep(5103);
	b = bound_ep(5104);
	cr_assert_eq(add_src(a, GROUP_A, SRC_1), T_SUCCESS);
	settle(&s);
	/* b joins any-source: the link goes INCLUDE {S1} -> EXCLUDE {}: TO_EX {}. */
	cr_assert_eq(join(b, GROUP_A), T_SUCCESS);
	expect_rec(s.pt.link.minor, TO_EX, GROUP_A, 0, NULL);
	settle(&s);
	inject_udp_from(s.pt.link.minor, SRC_2, GROUP_A, 5103, "to a from two");
	inject_udp_from(s.pt.link.minor, SRC_1, GROUP_A, 5103, "to a from one");
	inject_udp_from(s.pt.link.minor, SRC_2, GROUP_A, 5104, "to b from two");
	expect_datagram(a, "to a from one", SRC_1);
	expect_datagram(b, "to b from two", SRC_2);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_drop_src_filtered, 1, "a filters S2 itself");
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_drop_mcast_filtered, 0, "ip let all in");
	/* b blocks S2, which no INCLUDE membership names: EXCLUDE {S2}, BLOCK (S2). */
	cr_assert_eq(src_req(b, T_NEGOTIATE, T_IP_BLOCK_SOURCE, GROUP_A, SRC_2), T_SUCCESS);
	expect_rec(s.pt.link.minor, BLOCK, GROUP_A, 1, s2);
	settle(&s);
	cr_assert_eq(ip_mcast_snapshot(rows, RTE_DIM(rows)), 1);
	cr_assert_eq(rows[0].gr_mode, IP_MFILTER_EXCLUDE);
	cr_assert_eq(rows[0].gr_nsrc, 1);
	cr_assert_eq(rows[0].gr_src[0], SRC_2);
	cr_assert_eq(rows[0].gr_refs, 2);
	/* a asks for S2 as well: no longer left out by all: EXCLUDE {}, ALLOW (S2). */
	cr_assert_eq(add_src(a, GROUP_A, SRC_2), T_SUCCESS);
	expect_rec(s.pt.link.minor, ALLOW, GROUP_A, 1, s2);
	settle(&s);
	inject_udp_from(s.pt.link.minor, SRC_2, GROUP_A, 5103, "a takes two");
	inject_udp_from(s.pt.link.minor, SRC_2, GROUP_A, 5104, "b blocks two");
	expect_datagram(a, "a takes two", SRC_2);
	expect_no_datagram(b, "b's own block");
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_drop_src_filtered, 2);
	/* b closes: only a's INCLUDE {S1, S2} is left: TO_IN (S1, S2). */
	cr_assert_eq(sth_close(b), 0);
	yt_drain();
	expect_rec(s.pt.link.minor, TO_IN, GROUP_A, 2, both);
	settle(&s);
	inject_udp_from(s.pt.link.minor, SRC_3, GROUP_A, 5103, "three");
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_drop_mcast_filtered, 1);
	/* a closes: INCLUDE {S1, S2} -> INCLUDE {}: BLOCK (S1, S2). */
	cr_assert_eq(sth_close(a), 0);
	yt_drain();
	expect_rec(s.pt.link.minor, BLOCK, GROUP_A, 2, both);
	settle(&s);
	cr_assert_eq(ip_mcast_snapshot(rows, RTE_DIM(rows)), 0);
	(void)s1;
	ut_stack_close(&s);
}

YT_TEST(igmp, queries_are_answered_with_each_groups_filter)
{
	struct ut_stack s;
	struct stdata *a, *b;
	const uint32_t both[2] = { SRC_1, SRC_3 }, s2[1] = { SRC_2 };
	struct rec r[4];

	ut_stack_open(&s, 0, 1500);
	a = bound_ep(5105);
	b = bound_ep(5106);
	cr_assert_eq(add_src(a, GROUP_S, SRC_1), T_SUCCESS);
	cr_assert_eq(add_src(a, GROUP_S, SRC_3), T_SUCCESS);
	cr_assert_eq(join(b, GROUP_B), T_SUCCESS);
	cr_assert_eq(src_req(b, T_NEGOTIATE, T_IP_BLOCK_SOURCE, GROUP_B, SRC_2), T_SUCCESS);
	settle(&s);
	inject_query(s.pt.link.minor, 3, ALL_HOSTS, 0, 10);
	pt_run_ms(1100);
	cr_assert_eq(take_v3_records(s.pt.link.minor, r, RTE_DIM(r)), 2, "one report, two groups");
	if (r[0].group != GROUP_S) {
		struct rec t = r[0];

		r[0] = r[1];
		r[1] = t;
	}
	check_rec(&r[0], IS_IN, GROUP_S, 2, both);
	check_rec(&r[1], IS_EX, GROUP_B, 1, s2);
	expect_nothing_sent(s.pt.link.minor, "one report answers a general query");
	inject_query(s.pt.link.minor, 3, GROUP_S, GROUP_S, 5);
	pt_run_ms(600);
	expect_rec(s.pt.link.minor, IS_IN, GROUP_S, 2, both);
	cr_assert_eq(sth_close(a), 0);
	cr_assert_eq(sth_close(b), 0);
	settle(&s);
	ut_stack_close(&s);
}

/* ---- group-and-source-specific queries (RFC 3376 5.2) --------------------------------------- */

/* An endpoint bound to port in INCLUDE (the n sources at src) of group, its reports gone. */
static struct stdata *
include_ep(struct ut_stack *s, uint16_t port, uint32_t group, const uint32_t *src, unsigned n)
{
	struct stdata *ep = bound_ep(port);

	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(add_src(ep, group, src[i]), T_SUCCESS);
	settle(s);
	return ep;
}

/*
 * An endpoint bound to port in EXCLUDE {src} of group (an any-source join blocking src). Not
 * the peer's address, which the tests' queries come from.
 */
static struct stdata *
exclude_ep(struct ut_stack *s, uint16_t port, uint32_t group, uint32_t src)
{
	struct stdata *ep = bound_ep(port);

	cr_assert_eq(join(ep, group), T_SUCCESS);
	cr_assert_eq(src_req(ep, T_NEGOTIATE, T_IP_BLOCK_SOURCE, group, src), T_SUCCESS);
	settle(s);
	return ep;
}

/* After ms, the next frame is a report of one record (type, group, sources), and no other. */
static void
expect_answer(struct ut_stack *s, unsigned ms, uint8_t type, uint32_t group, unsigned nsrc,
	      const uint32_t *src)
{
	pt_run_ms(ms);
	expect_rec(s->pt.link.minor, type, group, nsrc, src);
	expect_nothing_sent(s->pt.link.minor, "one answer");
}

/* Close ep, let its reports go, and close the stack. */
static void
close_all(struct ut_stack *s, struct stdata *ep)
{
	cr_assert_eq(sth_close(ep), 0);
	settle(s);
	ut_stack_close(s);
}

YT_TEST(igmp, a_source_query_is_answered_with_the_sources_asked_about_the_filter_lets_in)
{
	struct ut_stack s;
	struct stdata *a, *b;
	const uint32_t have[2] = { SRC_1, SRC_2 }, ask[2] = { SRC_2, SRC_3 };
	const uint32_t s2[1] = { SRC_2 }, s3[1] = { SRC_3 };
	struct ip_stats st;

	ut_stack_open(&s, 0, 1500);
	a = include_ep(&s, 5140, GROUP_S, have, 2);
	b = exclude_ep(&s, 5141, GROUP_A, SRC_2);
	/* INCLUDE {S1, S2} asked about {S2, S3}: IS_IN (S2), not the whole IS_IN (S1, S2). */
	inject_gs_query(s.pt.link.minor, GROUP_S, 5, ask, 2);
	expect_answer(&s, 600, IS_IN, GROUP_S, 1, s2);
	/* EXCLUDE {S2} asked about {S2, S3}: IS_IN (S3), not the whole IS_EX (S2). */
	inject_gs_query(s.pt.link.minor, GROUP_A, 5, ask, 2);
	expect_answer(&s, 600, IS_IN, GROUP_A, 1, s3);
	/* One source said, two there: bytes after the sources are allowed (RFC 3376 4.1.10). */
	inject_v3_query(s.pt.link.minor, PT_ADDR_PEER, GROUP_S, GROUP_S, 5, ask, 2, 1);
	expect_answer(&s, 600, IS_IN, GROUP_S, 1, s2);
	st = pt_ipstat(s.pt.ip);
	cr_assert_eq(st.is_ip.ips_igmp_rx_queries, 3);
	cr_assert_eq(st.is_ip.ips_igmp_rx_gs_queries, 3);
	cr_assert_eq(st.is_ip.ips_igmp_gs_none, 0);
	cr_assert_eq(sth_close(b), 0);
	close_all(&s, a);
}

YT_TEST(igmp, a_source_query_about_sources_the_filter_leaves_out_gets_no_report)
{
	struct ut_stack s;
	struct stdata *a, *b;
	const uint32_t s1[1] = { SRC_1 }, s2[1] = { SRC_2 }, ask[2] = { SRC_2, SRC_3 };

	ut_stack_open(&s, 0, 1500);
	a = include_ep(&s, 5142, GROUP_S, s1, 1);
	b = exclude_ep(&s, 5143, GROUP_A, SRC_2);
	/* INCLUDE {S1} asked about {S2, S3}; EXCLUDE {S2} asked about {S2}. */
	inject_gs_query(s.pt.link.minor, GROUP_S, 5, ask, 2);
	inject_gs_query(s.pt.link.minor, GROUP_A, 5, s2, 1);
	pt_run_ms(600);
	expect_nothing_sent(s.pt.link.minor, "no source asked about is let in");
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_igmp_gs_none, 2, "both answers were due");
	cr_assert_eq(sth_close(b), 0);
	close_all(&s, a);
}

/* RFC 3376 5.2: a query about the whole group, before or after one about sources, wins. */
YT_TEST(igmp, a_group_query_with_a_source_query_pending_is_answered_with_the_whole_filter)
{
	struct ut_stack s;
	struct stdata *ep;
	const uint32_t have[2] = { SRC_1, SRC_2 }, s2[1] = { SRC_2 };

	ut_stack_open(&s, 0, 1500);
	ep = include_ep(&s, 5144, GROUP_S, have, 2);
	inject_gs_query(s.pt.link.minor, GROUP_S, 10, s2, 1);
	inject_query(s.pt.link.minor, 3, GROUP_S, GROUP_S, 10);
	expect_answer(&s, 1100, IS_IN, GROUP_S, 2, have);
	/* The other way round: the pending answer is the whole group's; it stays so. */
	inject_query(s.pt.link.minor, 3, GROUP_S, GROUP_S, 10);
	inject_gs_query(s.pt.link.minor, GROUP_S, 10, s2, 1);
	expect_answer(&s, 1100, IS_IN, GROUP_S, 2, have);
	close_all(&s, ep);
}

YT_TEST(igmp, two_source_queries_before_the_answer_merge_their_sources)
{
	struct ut_stack s;
	struct stdata *ep;
	const uint32_t have[3] = { SRC_1, SRC_2, SRC_3 }, s1[1] = { SRC_1 }, s3[1] = { SRC_3 };
	const uint32_t both[2] = { SRC_1, SRC_3 };

	ut_stack_open(&s, 0, 1500);
	ep = include_ep(&s, 5145, GROUP_S, have, 3);
	inject_gs_query(s.pt.link.minor, GROUP_S, 10, s1, 1);
	inject_gs_query(s.pt.link.minor, GROUP_S, 10, s3, 1);
	inject_gs_query(s.pt.link.minor, GROUP_S, 10, s1, 1); /* asked again: listed once */
	expect_answer(&s, 1100, IS_IN, GROUP_S, 2, both);
	/* Answered: the next query starts a list of its own. */
	inject_gs_query(s.pt.link.minor, GROUP_S, 5, s3, 1);
	pt_run_ms(600);
	expect_rec(s.pt.link.minor, IS_IN, GROUP_S, 1, s3);
	close_all(&s, ep);
}

/* n sources 10.1.x.y from base on, for queries of many sources. */
static void
many_sources(uint32_t *src, unsigned base, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		src[i] = PT_IPV4(10, 1, (base + i) >> 8, (base + i) & 0xff);
}

/* The next frame: a report of one IS_IN record about group; its number of sources. */
static unsigned
take_is_in_count(int minor, uint32_t group)
{
	uint8_t ig[1500];
	size_t len = take_igmp(minor, V3_ROUTERS, ig, sizeof(ig));
	unsigned n = (unsigned)(ig[8 + 2] << 8 | ig[8 + 3]);

	cr_assert_eq(ig[0], 0x22);
	cr_assert_eq(ig[6] << 8 | ig[7], 1, "one record");
	cr_assert_eq(ig[8], IS_IN);
	cr_assert_eq(memcmp(ig + 8 + 4, &group, 4), 0);
	cr_assert_eq(len, 8 + 8 + 4 * (size_t)n);
	return n;
}

/*
 * A link keeps 64 (group, source) pairs asked about: 40 and 24 more fit and are answered one
 * by one; 40 and 25 more do not, nor 65 in one query, and those are answered for the whole
 * group (more than asked, never less), counted.
 */
YT_TEST(igmp, sources_asked_about_past_what_a_link_keeps_get_the_whole_filter)
{
	struct ut_stack s;
	struct stdata *ep;
	uint32_t src[QSRC_MAX];

	ut_stack_open(&s, 0, 1500);
	ep = bound_ep(5146);
	cr_assert_eq(join(ep, GROUP_A), T_SUCCESS); /* EXCLUDE {}: every source is let in */
	settle(&s);
	many_sources(src, 0, QSRC_MAX);
	inject_gs_query(s.pt.link.minor, GROUP_A, 5, src, 40);
	inject_gs_query(s.pt.link.minor, GROUP_A, 5, src + 40, 24);
	pt_run_ms(600);
	cr_assert_eq(take_is_in_count(s.pt.link.minor, GROUP_A), 64);
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_igmp_gs_whole, 0);
	inject_gs_query(s.pt.link.minor, GROUP_A, 5, src, 40);
	inject_gs_query(s.pt.link.minor, GROUP_A, 5, src + 40, 25);
	pt_run_ms(600);
	expect_rec(s.pt.link.minor, IS_EX, GROUP_A, 0, NULL);
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_igmp_gs_whole, 1);
	/* The whole group's answer stays so for a query about sources that comes after. */
	inject_gs_query(s.pt.link.minor, GROUP_A, 5, src, 65);
	inject_gs_query(s.pt.link.minor, GROUP_A, 5, src, 1);
	expect_answer(&s, 600, IS_EX, GROUP_A, 0, NULL);
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_igmp_gs_whole, 2);
	close_all(&s, ep);
}

/*
 * A router's query to a group is taken whatever the group's filter says of the router's
 * address (the filter is about data): an SSM group's INCLUDE list names its feed, not the
 * router; an EXCLUDE one may block it. A query about a group not joined reaches igmp too (a
 * sibling lcore may have joined it).
 */
YT_TEST(igmp, a_query_from_a_router_the_groups_filter_leaves_out_is_answered)
{
	struct ut_stack s;
	struct stdata *a, *b;
	const uint32_t s1[1] = { SRC_1 }, s2[1] = { SRC_2 };
	struct ip_stats st;

	ut_stack_open(&s, 0, 1500);
	a = include_ep(&s, 5149, GROUP_S, s1, 1);
	b = exclude_ep(&s, 5150, GROUP_A, SRC_2);
	inject_v3_query(s.pt.link.minor, SRC_2, GROUP_S, GROUP_S, 5, s1, 1, 1);
	expect_answer(&s, 600, IS_IN, GROUP_S, 1, s1);
	inject_v3_query(s.pt.link.minor, SRC_2, GROUP_A, GROUP_A, 5, NULL, 0, 0);
	expect_answer(&s, 600, IS_EX, GROUP_A, 1, s2);
	inject_v3_query(s.pt.link.minor, SRC_2, GROUP_B, GROUP_B, 5, NULL, 0, 0);
	/* Data from the router's address is still filtered. */
	inject_udp_from(s.pt.link.minor, SRC_2, GROUP_S, 5149, "not the feed");
	expect_no_datagram(a, "S2 is not in a's INCLUDE list");
	pt_run_ms(600);
	expect_nothing_sent(s.pt.link.minor, "GROUP_B is not joined here");
	st = pt_ipstat(s.pt.ip);
	cr_assert_eq(st.is_ip.ips_igmp_rx_queries, 3, "all three reached igmp");
	cr_assert_eq(st.is_ip.ips_drop_mcast_not_joined, 0);
	cr_assert_eq(st.is_ip.ips_drop_mcast_filtered, 1, "the datagram only");
	cr_assert_eq(sth_close(b), 0);
	close_all(&s, a);
}

/* RFC 3376 7.2.1: a version 2 querier present, a query about sources is one about the group. */
YT_TEST(igmp, in_version_2_mode_a_source_query_gets_a_version_2_report)
{
	struct ut_stack s;
	struct stdata *ep;
	const uint32_t s1[1] = { SRC_1 }, s3[1] = { SRC_3 };

	ut_stack_open(&s, 0, 1500);
	ep = include_ep(&s, 5148, GROUP_S, s1, 1);
	inject_query(s.pt.link.minor, 2, ALL_HOSTS, 0, 5);
	pt_run_ms(600);
	expect_v12(s.pt.link.minor, 0x16, GROUP_S, GROUP_S);
	inject_gs_query(s.pt.link.minor, GROUP_S, 5, s3, 1); /* a source it leaves out */
	pt_run_ms(600);
	expect_v12(s.pt.link.minor, 0x16, GROUP_S, GROUP_S);
	expect_nothing_sent(s.pt.link.minor, "one report");
	close_all(&s, ep);
}

/* RFC 3376 7.2.1: to a version 2 querier only membership is told, never sources. */
YT_TEST(igmp, in_version_2_mode_a_source_join_is_a_membership_and_source_changes_are_silent)
{
	struct ut_stack s;
	struct stdata *ep;

	ut_stack_open(&s, 0, 1500);
	ep = bound_ep(5107);
	inject_query(s.pt.link.minor, 2, ALL_HOSTS, 0, 10);
	expect_nothing_sent(s.pt.link.minor, "no group yet");
	cr_assert_eq(add_src(ep, GROUP_A, SRC_1), T_SUCCESS);
	expect_v12(s.pt.link.minor, 0x16, GROUP_A, GROUP_A);
	pt_run_ms(1100);
	expect_v12(s.pt.link.minor, 0x16, GROUP_A, GROUP_A);
	cr_assert_eq(add_src(ep, GROUP_A, SRC_2), T_SUCCESS);
	pt_run_ms(1100);
	expect_nothing_sent(s.pt.link.minor, "a source added to a membership");
	/* The filter still holds on the host's side. */
	inject_udp_from(s.pt.link.minor, SRC_3, GROUP_A, 5107, "three");
	expect_no_datagram(ep, "S3 is not asked for");
	cr_assert_eq(drop_src(ep, GROUP_A, SRC_1), T_SUCCESS);
	pt_run_ms(1100);
	expect_nothing_sent(s.pt.link.minor, "a source dropped, still a member");
	cr_assert_eq(drop_src(ep, GROUP_A, SRC_2), T_SUCCESS);
	expect_v12(s.pt.link.minor, 0x17, GROUP_A, ALL_ROUTERS);
	pt_run_ms(1100);
	expect_nothing_sent(s.pt.link.minor, "one leave");
	cr_assert_eq(sth_close(ep), 0);
	ut_stack_close(&s);
}

/*
 * A burst from two sources to a group that filters sources: ip must not keep the verdict of
 * the first datagram for the rest of the burst, as it does for an any-source group.
 */
YT_TEST(igmp, a_burst_from_two_sources_to_a_filtering_group_is_judged_source_by_source)
{
	struct ut_stack s;
	struct stdata *ep;
	unsigned got = 0;
	char data[64];
	uint32_t from;

	ut_stack_open(&s, 0, 1500);
	ep = bound_ep(5108);
	cr_assert_eq(add_src(ep, GROUP_S, SRC_1), T_SUCCESS);
	settle(&s);
	inject_two_source_burst(s.pt.link.minor, 5108);
	while (recv_from(ep, data, sizeof(data), &from) > 0) {
		cr_assert_eq(from, SRC_1, "only S1's datagrams");
		got++;
	}
	cr_assert_eq(got, 4);
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_drop_mcast_filtered, 4);
	cr_assert_eq(sth_close(ep), 0);
	settle(&s);
	ut_stack_close(&s);
}

YT_TEST(igmp, source_requests_udp_cannot_do_fail_and_leave_nothing_behind)
{
	struct ut_stack s;
	struct stdata *ep, *other[7];
	static struct yard_ip_group_row rows[8];
	struct t_ip_mreq_source mr = { GROUP_S, SRC_1, 0 };

	ut_stack_open(&s, 0, 1500);
	ep = bound_ep(5109);
	/* Sources a filter cannot name; a group that is none. */
	cr_assert_eq(add_src(ep, GROUP_S, PT_IPV4(239, 1, 1, 1)), T_FAILURE);
	cr_assert_eq(add_src(ep, GROUP_S, 0), T_FAILURE);
	cr_assert_eq(add_src(ep, GROUP_S, UINT32_MAX), T_FAILURE);
	cr_assert_eq(add_src(ep, PT_ADDR_PEER, SRC_1), T_FAILURE);
	cr_assert_eq(add_src(ep, ALL_HOSTS, SRC_1), T_FAILURE);
	/* Nothing to drop, block or unblock. */
	cr_assert_eq(drop_src(ep, GROUP_S, SRC_1), T_FAILURE);
	cr_assert_eq(src_req(ep, T_NEGOTIATE, T_IP_BLOCK_SOURCE, GROUP_S, SRC_1), T_FAILURE);
	cr_assert_eq(src_req(ep, T_NEGOTIATE, T_IP_UNBLOCK_SOURCE, GROUP_S, SRC_1), T_FAILURE);
	/* An INCLUDE membership: the same source twice, blocking, an any-source join. */
	cr_assert_eq(add_src(ep, GROUP_S, SRC_1), T_SUCCESS);
	cr_assert_eq(add_src(ep, GROUP_S, SRC_1), T_FAILURE);
	cr_assert_eq(src_req(ep, T_NEGOTIATE, T_IP_BLOCK_SOURCE, GROUP_S, SRC_2), T_FAILURE);
	cr_assert_eq(join(ep, GROUP_S), T_FAILURE);
	cr_assert_eq(drop_src(ep, GROUP_S, SRC_2), T_FAILURE, "a source not added");
	/* An EXCLUDE membership: adding a source, unblocking one not blocked, blocking twice. */
	cr_assert_eq(join(ep, GROUP_A), T_SUCCESS);
	cr_assert_eq(add_src(ep, GROUP_A, SRC_1), T_FAILURE);
	cr_assert_eq(src_req(ep, T_NEGOTIATE, T_IP_UNBLOCK_SOURCE, GROUP_A, SRC_1), T_FAILURE);
	cr_assert_eq(src_req(ep, T_NEGOTIATE, T_IP_BLOCK_SOURCE, GROUP_A, SRC_1), T_SUCCESS);
	cr_assert_eq(src_req(ep, T_NEGOTIATE, T_IP_BLOCK_SOURCE, GROUP_A, SRC_1), T_FAILURE);
	/* Ten sources a membership; the eleventh is refused. */
	for (unsigned i = 2; i <= 10; i++)
		cr_assert_eq(add_src(ep, GROUP_S, PT_IPV4(203, 0, 113, i)), T_SUCCESS, "%u", i);
	cr_assert_eq(add_src(ep, GROUP_S, PT_IPV4(203, 0, 113, 11)), T_FAILURE);
	/* A value of the wrong size is a malformed request; T_CHECK judges group and source. */
	cr_assert_eq(opt_req(ep, T_NEGOTIATE, T_IP_ADD_SOURCE_MEMBERSHIP, &mr, 8), -TBADOPT);
	cr_assert_eq(src_req(ep, T_CHECK, T_IP_ADD_SOURCE_MEMBERSHIP, GROUP_B, SRC_2), T_SUCCESS);
	cr_assert_eq(src_req(ep, T_CHECK, T_IP_ADD_SOURCE_MEMBERSHIP, GROUP_B, GROUP_A), T_FAILURE);
	cr_assert_eq(src_req(ep, T_CURRENT, T_IP_BLOCK_SOURCE, GROUP_B, SRC_2), T_NOTSUPPORT);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_mcast_join_fail, 16);
	/*
	 * 64 (group, source) pairs a link: ep holds 11 (10 of GROUP_S, one blocked of GROUP_A);
	 * six more endpoints with ten sources each of their own groups reach 71 asked for.
	 */
	for (unsigned k = 0, pairs = 11; k < RTE_DIM(other); k++) {
		other[k] = bound_ep((uint16_t)(5110 + k));
		for (unsigned i = 1; i <= 10 && k < 6; i++, pairs++) {
			t_scalar_t want = pairs < 64 ? T_SUCCESS : T_FAILURE;

			cr_assert_eq(add_src(other[k], PT_IPV4(232, 2, 0, k),
					     PT_IPV4(203, 0, 114, i)), want, "pair %u", pairs + 1);
		}
	}
	/* A new group's first pair: refused, and its slot not kept. */
	cr_assert_eq(add_src(other[6], PT_IPV4(232, 3, 0, 1), SRC_2), T_FAILURE);
	/* A pair the link has already costs no entry: still taken. */
	cr_assert_eq(add_src(other[6], GROUP_S, SRC_1), T_SUCCESS);
	cr_assert_eq(ip_mcast_snapshot(rows, RTE_DIM(rows)), 8);
	for (unsigned i = 0; i < 8; i++)
		if (rows[i].gr_group == GROUP_S)
			cr_assert(rows[i].gr_refs == 2 && rows[i].gr_nsrc == 10 &&
				  rows[i].gr_mode == IP_MFILTER_INCLUDE, "GROUP_S: %u, %u",
				  rows[i].gr_refs, rows[i].gr_nsrc);
	cr_assert_eq(sth_close(ep), 0);
	for (unsigned k = 0; k < RTE_DIM(other); k++)
		cr_assert_eq(sth_close(other[k]), 0);
	settle(&s);
	cr_assert_eq(ip_mcast_snapshot(rows, RTE_DIM(rows)), 0, "every group left");
	ut_stack_close(&s);
}

/*
 * On a link of the smallest MTU (68: 36 bytes of records a report), a record of more sources
 * than fit is split into records of the same type over several reports, and an EXCLUDE one
 * lists what fits and leaves the rest out (RFC 3376 4.2.16). Nothing is ever written past the
 * report's block (the ASan build runs this too).
 */
YT_TEST(igmp, a_small_mtu_splits_include_records_and_truncates_exclude_ones)
{
	struct ut_stack s;
	struct stdata *ep;
	struct rec r[4];
	uint32_t seen[16];
	unsigned nseen = 0;

	ut_stack_open(&s, 0, 68);
	ep = bound_ep(5120);
	for (unsigned i = 1; i <= 10; i++)
		cr_assert_eq(add_src(ep, GROUP_S, PT_IPV4(203, 0, 113, i)), T_SUCCESS, "%u", i);
	settle(&s);
	inject_query(s.pt.link.minor, 3, ALL_HOSTS, 0, 5);
	pt_run_ms(600);
	for (unsigned rep = 0; rep < 2; rep++) {
		unsigned want = rep == 0 ? 7 : 3;

		cr_assert_eq(take_v3_records(s.pt.link.minor, r, RTE_DIM(r)), 1, "report %u", rep);
		cr_assert_eq(r[0].type, IS_IN);
		cr_assert_eq(r[0].group, GROUP_S);
		cr_assert_eq(r[0].nsrc, want, "report %u: %u sources", rep, r[0].nsrc);
		for (unsigned i = 0; i < r[0].nsrc; i++) {
			for (unsigned j = 0; j < nseen; j++)
				cr_assert_neq(seen[j], r[0].src[i], "each source once");
			seen[nseen++] = r[0].src[i];
		}
	}
	cr_assert_eq(nseen, 10, "every source reported");
	expect_nothing_sent(s.pt.link.minor, "two reports");
	cr_assert_eq(sth_close(ep), 0);
	settle(&s);
	/* Ten sources blocked: IS_EX with the seven that fit, once. */
	ep = bound_ep(5121);
	cr_assert_eq(join(ep, GROUP_A), T_SUCCESS);
	for (unsigned i = 1; i <= 10; i++)
		cr_assert_eq(src_req(ep, T_NEGOTIATE, T_IP_BLOCK_SOURCE, GROUP_A,
				     PT_IPV4(203, 0, 113, i)), T_SUCCESS, "%u", i);
	settle(&s);
	inject_query(s.pt.link.minor, 3, ALL_HOSTS, 0, 5);
	pt_run_ms(600);
	cr_assert_eq(take_v3_records(s.pt.link.minor, r, RTE_DIM(r)), 1);
	cr_assert_eq(r[0].type, IS_EX);
	cr_assert_eq(r[0].nsrc, 7, "what fits of the ten");
	expect_nothing_sent(s.pt.link.minor, "the rest is not reported");
	cr_assert_eq(sth_close(ep), 0);
	settle(&s);
	ut_stack_close(&s);
}

/*
 * A burst to an endpoint whose filter is narrower than the link's (another endpoint joined the
 * group for any source): ip lets every source in, so udp must judge each datagram for the
 * endpoint and not keep it for the burst's next, as it may when the endpoint's filter is the
 * link's whole filter.
 */
YT_TEST(igmp, a_burst_to_an_endpoint_narrower_than_its_link_is_judged_by_udp)
{
	struct ut_stack s;
	struct stdata *a, *b;
	unsigned got = 0;
	char data[64];
	uint32_t from;

	ut_stack_open(&s, 0, 1500);
	a = bound_ep(5130);
	b = bound_ep(5131);
	cr_assert_eq(add_src(a, GROUP_S, SRC_1), T_SUCCESS);
	cr_assert_eq(join(b, GROUP_S), T_SUCCESS);
	settle(&s);
	inject_two_source_burst(s.pt.link.minor, 5130);
	while (recv_from(a, data, sizeof(data), &from) > 0) {
		cr_assert_eq(from, SRC_1, "only S1's datagrams");
		got++;
	}
	cr_assert_eq(got, 4);
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_drop_mcast_filtered, 0, "ip let all in");
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_drop_src_filtered, 4);
	/* b leaves: a's filter is now the link's, and ip judges the sources itself. */
	cr_assert_eq(sth_close(b), 0);
	yt_drain();
	settle(&s);
	inject_two_source_burst(s.pt.link.minor, 5130);
	for (got = 0; recv_from(a, data, sizeof(data), &from) > 0; got++)
		cr_assert_eq(from, SRC_1);
	cr_assert_eq(got, 4);
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_drop_mcast_filtered, 4);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_drop_src_filtered, 4, "none more in udp");
	cr_assert_eq(sth_close(a), 0);
	settle(&s);
	ut_stack_close(&s);
}
