/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sending to multicast groups from an ip instance with two links: T_IP_MULTICAST_IF picks the
 * link (and, for a wildcard endpoint, the source address) a group's datagrams go out, where
 * the group's route would pick another; ip's IP_UNITDATA_MIF is checked. T_IP_MULTICAST_LOOP
 * (on by default) gives a copy of each datagram sent to a group the outgoing link joined to
 * the group's members here (ip's IP_UNITDATA_MLOOP). (Reception and IGMP are test_igmp's.)
 */
#include <errno.h>
#include <string.h>

#include <protocols/xti/xti.h>

#include "udp_test.h"

TestSuite(mcast_send, .init = yt_setup, .fini = yt_teardown);

#define GROUP PT_IPV4(239, 1, 2, 3)
#define ADDR_B UT_ADDR_B   /* the second link's address */
#define ADDR_C PT_IPV4(198, 18, 7, 7)   /* no link's */

/* T_NEGOTIATE (or T_CHECK) of one T_INET_IP option with vlen bytes of value: MGMT_flags. */
static t_scalar_t
ip_opt(struct stdata *ep, t_scalar_t flags, t_uscalar_t name, const void *v, size_t vlen,
       void *out, size_t outlen)
{
	struct {
		struct T_optmgmt_req req;
		struct T_opthdr oh;
		uint8_t v[16];
	} r = { { T_OPTMGMT_REQ, (t_scalar_t)(sizeof(struct T_opthdr) + vlen),
		  sizeof(struct T_optmgmt_req), flags },
		{ (t_uscalar_t)(sizeof(struct T_opthdr) + vlen), T_INET_IP, name, 0 }, { 0 } };
	union {
		struct T_optmgmt_ack ack;
		uint8_t raw[128];
	} u;
	const struct T_opthdr *oh;

	cr_assert_leq(vlen, sizeof(r.v));
	memcpy(r.v, v, vlen);
	cr_assert_eq(ut_put(ep, &r, sizeof(r.req) + sizeof(r.oh) + vlen, false), 0);
	yt_drain();
	cr_assert_gt(ut_get(ep, &u, sizeof(u), NULL, 0, NULL), 0);
	cr_assert_eq(u.ack.PRIM_type, T_OPTMGMT_ACK);
	oh = (const struct T_opthdr *)(u.raw + u.ack.OPT_offset);
	if (out != NULL && oh->len > sizeof(*oh))
		memcpy(out, oh + 1, RTE_MIN(outlen, oh->len - sizeof(*oh)));
	return u.ack.MGMT_flags;
}

static t_scalar_t
set_mif(struct stdata *ep, uint32_t addr)
{
	t_uscalar_t v = addr;

	return ip_opt(ep, T_NEGOTIATE, T_IP_MULTICAST_IF, &v, sizeof(v), NULL, 0);
}

/* Send to GROUP:6000 from ep; the frame must leave on minor (and nothing on other): its
 * source address. */
static uint32_t
send_on(struct stdata *ep, int minor, int other)
{
	static const struct rte_ether_addr gmac = { { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 } };
	uint8_t f[256];
	uint32_t src, dst = GROUP;
	size_t n;

	cr_assert_eq(ut_sendto(ep, GROUP, 6000, "to all", 6), 0);
	yt_drain();
	cr_assert_eq(pt_take(other, f, sizeof(f)), 0, "nothing on the other link");
	n = pt_take(minor, f, sizeof(f));
	cr_assert_eq(n, 14 + 20 + 8 + 6, "one datagram on the link (%zu bytes)", n);
	cr_assert_arr_eq(f, gmac.addr_bytes, 6, "to the group's MAC");
	cr_assert_eq(memcmp(f + 14 + 16, &dst, 4), 0);
	memcpy(&src, f + 14 + 12, 4);
	cr_assert_eq(pt_cksum(f + 14, 20), 0, "IP header checksum");
	cr_assert_eq(ut_udp_cksum(src, dst, f + 34, 14), 0, "UDP checksum with that source");
	cr_assert_eq(f[14 + 8], 1, "TTL 1");
	return src;
}

YT_TEST(mcast_send, multicast_if_sends_a_groups_datagrams_out_the_named_link)
{
	struct ut_two_links t;
	struct stdata *ep;
	t_uscalar_t cur = 1;

	ut_two_links_open(&t);
	(void)pt_discard(t.pt.link.minor);
	(void)pt_discard(t.b.minor);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 5100, NULL), 0);
	cr_assert_eq(send_on(ep, t.pt.link.minor, t.b.minor), PT_ADDR_US, "the route's link");
	cr_assert_eq(ip_opt(ep, T_CURRENT, T_IP_MULTICAST_IF, &cur, sizeof(cur), &cur,
			    sizeof(cur)), T_SUCCESS);
	cr_assert_eq(cur, 0, "no interface named yet");
	cr_assert_eq(set_mif(ep, ADDR_B), T_SUCCESS);
	cr_assert_eq(send_on(ep, t.b.minor, t.pt.link.minor), ADDR_B, "out B, from B's address");
	cr_assert_eq(ip_opt(ep, T_CURRENT, T_IP_MULTICAST_IF, &cur, sizeof(cur), &cur,
			    sizeof(cur)), T_SUCCESS);
	cr_assert_eq(cur, ADDR_B);
	cr_assert_eq(ut_udpstat(t.up.up_udp).udps_tx_mcast_if, 1);
	/* A unicast destination is routed as ever. */
	cr_assert_eq(ut_sendto(ep, PT_ADDR_PEER, 6000, "to one", 6), 0);
	yt_drain();
	cr_assert_eq(pt_take(t.b.minor, (uint8_t[64]){ 0 }, 64), 0);
	cr_assert_eq(pt_discard(t.pt.link.minor), 1, "the peer's datagram on its link");
	/* Refused, leaving B: no link's address; T_CHECK says so without changing it. */
	cr_assert_eq(set_mif(ep, ADDR_C), T_FAILURE);
	cur = ADDR_C;
	cr_assert_eq(ip_opt(ep, T_CHECK, T_IP_MULTICAST_IF, &cur, sizeof(cur), NULL, 0),
		     T_FAILURE);
	cur = PT_ADDR_US;
	cr_assert_eq(ip_opt(ep, T_CHECK, T_IP_MULTICAST_IF, &cur, sizeof(cur), NULL, 0),
		     T_SUCCESS);
	cr_assert_eq(send_on(ep, t.b.minor, t.pt.link.minor), ADDR_B, "still B");
	/* 0 gives the group back to its route. */
	cr_assert_eq(set_mif(ep, 0), T_SUCCESS);
	cr_assert_eq(send_on(ep, t.pt.link.minor, t.b.minor), PT_ADDR_US);
	cr_assert_eq(sth_close(ep), 0);
	ut_two_links_close(&t);
}

YT_TEST(mcast_send, a_bound_endpoint_sends_out_its_own_addresss_link)
{
	struct ut_two_links t;
	struct stdata *ep;

	ut_two_links_open(&t);
	(void)pt_discard(t.pt.link.minor);
	(void)pt_discard(t.b.minor);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, ADDR_B, 5101, NULL), 0);
	cr_assert_eq(set_mif(ep, PT_ADDR_US), T_FAILURE, "not the bound address's link");
	cr_assert_eq(set_mif(ep, ADDR_B), T_SUCCESS);
	cr_assert_eq(send_on(ep, t.b.minor, t.pt.link.minor), ADDR_B);
	cr_assert_eq(sth_close(ep), 0);
	ut_two_links_close(&t);
}

/* Join group on ep (T_IP_ADD_MEMBERSHIP, the link the group's route names unless ifaddr). */
static t_scalar_t
join_on(struct stdata *ep, uint32_t group, uint32_t ifaddr)
{
	struct t_ip_mreq mr = { group, ifaddr };

	return ip_opt(ep, T_NEGOTIATE, T_IP_ADD_MEMBERSHIP, &mr, sizeof(mr), NULL, 0);
}

static t_scalar_t
set_loop(struct stdata *ep, uint8_t v)
{
	return ip_opt(ep, T_NEGOTIATE, T_IP_MULTICAST_LOOP, &v, 1, NULL, 0);
}

static uint64_t
looped(struct ut_two_links *t)
{
	return pt_ipstat(t->pt.ip).is_ip.ips_tx_mcast_looped;
}

/*
 * A member of GROUP bound to port 6000 (joined on the link of ifaddr, 0: the route's) and a
 * sender bound to sport, with the join's reports gone (both) and the links' captures empty.
 */
static void
member_and_sender(struct ut_two_links *t, uint32_t ifaddr, uint16_t sport, struct stdata **member,
		  struct stdata **snd)
{
	*member = ut_ep_open();
	cr_assert_eq(ut_bind(*member, T_BIND_REQ, 0, 6000, NULL), 0);
	cr_assert_eq(join_on(*member, GROUP, ifaddr), T_SUCCESS);
	*snd = ut_ep_open();
	cr_assert_eq(ut_bind(*snd, T_BIND_REQ, 0, sport, NULL), 0);
	pt_run_ms(1100);
	(void)pt_discard(t->pt.link.minor);
	(void)pt_discard(t->b.minor);
}

YT_TEST(mcast_send, multicast_loop_is_on_by_default_and_takes_0_and_1)
{
	struct ut_two_links t;
	struct stdata *ep;
	uint8_t v = 0;

	ut_two_links_open(&t);
	ep = ut_ep_open();
	cr_assert_eq(ip_opt(ep, T_CURRENT, T_IP_MULTICAST_LOOP, &v, 1, &v, 1), T_SUCCESS);
	cr_assert_eq(v, 1, "on, as Linux's and Solaris' sockets");
	v = 0;
	cr_assert_eq(ip_opt(ep, T_DEFAULT, T_IP_MULTICAST_LOOP, &v, 1, &v, 1), T_SUCCESS);
	cr_assert_eq(v, 1);
	cr_assert_eq(set_loop(ep, 0), T_SUCCESS);
	cr_assert_eq(ip_opt(ep, T_CURRENT, T_IP_MULTICAST_LOOP, &v, 1, &v, 1), T_SUCCESS);
	cr_assert_eq(v, 0);
	cr_assert_eq(set_loop(ep, 1), T_SUCCESS);
	cr_assert_eq(ip_opt(ep, T_CURRENT, T_IP_MULTICAST_LOOP, &v, 1, &v, 1), T_SUCCESS);
	cr_assert_eq(v, 1);
	v = 2;
	cr_assert_eq(ip_opt(ep, T_NEGOTIATE, T_IP_MULTICAST_LOOP, &v, 1, NULL, 0), T_FAILURE);
	cr_assert_eq(ip_opt(ep, T_CHECK, T_IP_MULTICAST_LOOP, &v, 1, NULL, 0), T_FAILURE);
	cr_assert_eq(sth_close(ep), 0);
	ut_two_links_close(&t);
}

/*
 * A member on the outgoing link gets a copy of what is sent to its group, the sender itself
 * too when it joined; the wire gets the datagram as before. Loop off: the wire only.
 */
YT_TEST(mcast_send, a_groups_members_here_get_a_copy_of_what_is_sent_to_it)
{
	struct ut_two_links t;
	struct stdata *member, *snd;
	struct sockaddr_in from;
	char buf[64];

	ut_two_links_open(&t);
	member_and_sender(&t, 0, 5103, &member, &snd); /* joined on the route's link */
	cr_assert_eq(send_on(snd, t.pt.link.minor, t.b.minor), PT_ADDR_US, "the wire's copy");
	cr_assert_eq(ut_recv_dgram(member, buf, sizeof(buf), &from), 6, "the member's copy");
	cr_assert_arr_eq(buf, "to all", 6);
	cr_assert_eq(from.sin_addr.s_addr, PT_ADDR_US, "from the sender's address");
	cr_assert_eq(rte_be_to_cpu_16(from.sin_port), 5103);
	cr_assert_eq(ut_recv_dgram(member, buf, sizeof(buf), &from), -EAGAIN, "one copy");
	cr_assert_eq(ut_recv_dgram(snd, buf, sizeof(buf), &from), -EAGAIN, "not to a non-member");
	cr_assert_eq(looped(&t), 1);
	/* Turned off: the wire only. */
	cr_assert_eq(set_loop(snd, 0), T_SUCCESS);
	cr_assert_eq(send_on(snd, t.pt.link.minor, t.b.minor), PT_ADDR_US);
	cr_assert_eq(ut_recv_dgram(member, buf, sizeof(buf), &from), -EAGAIN, "loop off");
	cr_assert_eq(looped(&t), 1);
	/* The member sending to its own group hears itself (Linux does), loop on again. */
	cr_assert_eq(set_loop(snd, 1), T_SUCCESS);
	cr_assert_eq(ut_sendto(member, GROUP, 6000, "myself", 6), 0);
	yt_drain();
	cr_assert_eq(pt_discard(t.pt.link.minor), 1, "on the wire");
	cr_assert_eq(ut_recv_dgram(member, buf, sizeof(buf), &from), 6);
	cr_assert_arr_eq(buf, "myself", 6);
	cr_assert_eq(rte_be_to_cpu_16(from.sin_port), 6000);
	/* A group no one here joined: nothing looped. */
	cr_assert_eq(ut_sendto(snd, PT_IPV4(239, 9, 9, 9), 6000, "nobody", 6), 0);
	yt_drain();
	cr_assert_eq(pt_discard(t.pt.link.minor), 1);
	cr_assert_eq(ut_recv_dgram(member, buf, sizeof(buf), &from), -EAGAIN);
	cr_assert_eq(looped(&t), 2);
	cr_assert_eq(pt_ipstat(t.pt.ip).is_ip.ips_drop_mloop_nomem, 0);
	cr_assert_eq(sth_close(snd), 0);
	cr_assert_eq(sth_close(member), 0);
	ut_two_links_close(&t);
}

/*
 * T_IP_MULTICAST_TTL 0 keeps a group's datagrams on the host (Linux's IP_MULTICAST_TTL 0):
 * nothing on any link, the members here get them with loop-back on (TTL 0 in the header),
 * nobody with it off.
 */
YT_TEST(mcast_send, ttl_0_keeps_a_groups_datagrams_on_the_host)
{
	struct ut_two_links t;
	struct stdata *member, *snd;
	struct sockaddr_in from;
	char buf[64];
	uint8_t ttl = 0;

	ut_two_links_open(&t);
	member_and_sender(&t, 0, 5107, &member, &snd);
	cr_assert_eq(ip_opt(snd, T_NEGOTIATE, T_IP_MULTICAST_TTL, &ttl, 1, NULL, 0), T_SUCCESS);
	cr_assert_eq(ut_sendto(snd, GROUP, 6000, "host only", 9), 0);
	yt_drain();
	cr_assert_eq(pt_discard(t.pt.link.minor) + pt_discard(t.b.minor), 0, "not sent");
	cr_assert_eq(ut_recv_dgram(member, buf, sizeof(buf), &from), 9, "the member's");
	cr_assert_arr_eq(buf, "host only", 9);
	cr_assert_eq(pt_ipstat(t.pt.ip).is_ip.ips_tx_mcast_host_only, 1);
	cr_assert_eq(set_loop(snd, 0), T_SUCCESS);
	cr_assert_eq(ut_sendto(snd, GROUP, 6000, "nowhere", 7), 0);
	yt_drain();
	cr_assert_eq(pt_discard(t.pt.link.minor) + pt_discard(t.b.minor), 0);
	cr_assert_eq(ut_recv_dgram(member, buf, sizeof(buf), &from), -EAGAIN);
	cr_assert_eq(pt_ipstat(t.pt.ip).is_ip.ips_tx_mcast_host_only, 2);
	/* TTL 1 again: on the wire. */
	ttl = 1;
	cr_assert_eq(ip_opt(snd, T_NEGOTIATE, T_IP_MULTICAST_TTL, &ttl, 1, NULL, 0), T_SUCCESS);
	cr_assert_eq(send_on(snd, t.pt.link.minor, t.b.minor), PT_ADDR_US);
	cr_assert_eq(sth_close(snd), 0);
	cr_assert_eq(sth_close(member), 0);
	ut_two_links_close(&t);
}

/* Only a membership of the outgoing link counts: joined on B, sent out the route's link. */
YT_TEST(mcast_send, a_membership_of_another_link_gets_no_copy)
{
	struct ut_two_links t;
	struct stdata *member, *snd;
	struct sockaddr_in from;
	char buf[64];

	ut_two_links_open(&t);
	member_and_sender(&t, ADDR_B, 5104, &member, &snd); /* joined on B */
	cr_assert_eq(send_on(snd, t.pt.link.minor, t.b.minor), PT_ADDR_US);
	cr_assert_eq(ut_recv_dgram(member, buf, sizeof(buf), &from), -EAGAIN);
	cr_assert_eq(looped(&t), 0);
	/* Out B (T_IP_MULTICAST_IF): B joined, so the member hears it, from B's address. */
	cr_assert_eq(set_mif(snd, ADDR_B), T_SUCCESS);
	cr_assert_eq(send_on(snd, t.b.minor, t.pt.link.minor), ADDR_B);
	cr_assert_eq(ut_recv_dgram(member, buf, sizeof(buf), &from), 6);
	cr_assert_eq(from.sin_addr.s_addr, ADDR_B);
	cr_assert_eq(looped(&t), 1);
	cr_assert_eq(sth_close(snd), 0);
	cr_assert_eq(sth_close(member), 0);
	ut_two_links_close(&t);
}

/* A source-specific member whose filter leaves our address out gets nothing. */
YT_TEST(mcast_send, a_source_filter_without_us_gets_no_copy)
{
	struct t_ip_mreq_source mr = { .imr_multiaddr = PT_IPV4(232, 1, 2, 3),
				       .imr_sourceaddr = PT_ADDR_PEER };
	struct ut_two_links t;
	struct stdata *member, *snd;
	struct sockaddr_in from;
	char buf[64];

	ut_two_links_open(&t);
	member = ut_ep_open();
	cr_assert_eq(ut_bind(member, T_BIND_REQ, 0, 6000, NULL), 0);
	cr_assert_eq(ip_opt(member, T_NEGOTIATE, T_IP_ADD_SOURCE_MEMBERSHIP, &mr, sizeof(mr),
			    NULL, 0), T_SUCCESS);
	snd = ut_ep_open();
	cr_assert_eq(ut_bind(snd, T_BIND_REQ, 0, 5105, NULL), 0);
	cr_assert_eq(ut_sendto(snd, PT_IPV4(232, 1, 2, 3), 6000, "feed", 4), 0);
	yt_drain();
	cr_assert_eq(ut_recv_dgram(member, buf, sizeof(buf), &from), -EAGAIN);
	cr_assert_eq(looped(&t), 0);
	cr_assert_eq(sth_close(snd), 0);
	cr_assert_eq(sth_close(member), 0);
	ut_two_links_close(&t);
}

/*
 * A datagram bigger than the MTU loops whole (the wire gets fragments); on a link whose port
 * completes the checksums, the copy's are whole anyway (no port finishes them).
 */
YT_TEST(mcast_send, the_copy_is_whole_and_its_checksums_complete)
{
	static uint8_t data[3000], got[3100];
	const uint32_t caps = YARD_LINK_CAP_TX_IPV4_CKSUM | YARD_LINK_CAP_TX_UDP_CKSUM;
	struct ut_stack s;
	struct stdata *member, *snd;
	struct sockaddr_in from;
	struct ip_route r = { .ir_dst = PT_IPV4(224, 0, 0, 0), .ir_prefix = 4 };
	struct udpstat before;
	int n;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	ut_stack_open(&s, caps, 1500);
	r.ir_muxid = s.pt.link.muxid;
	cr_assert_eq(pt_istr(s.pt.ip, IP_ROUTE_ADD, &r, sizeof(r)), 0, "the groups' route");
	member = ut_ep_open();
	cr_assert_eq(ut_bind(member, T_BIND_REQ, 0, 6000, NULL), 0);
	cr_assert_eq(join_on(member, GROUP, 0), T_SUCCESS);
	snd = ut_ep_open();
	cr_assert_eq(ut_bind(snd, T_BIND_REQ, 0, 5106, NULL), 0);
	pt_run_ms(1100); /* the join's reports, both */
	(void)pt_discard(s.pt.link.minor);
	before = ut_udpstat(s.up.up_udp);
	/* Small: the port would finish both sums of the wire's copy. */
	cr_assert_eq(ut_sendto(snd, GROUP, 6000, data, 100), 0);
	yt_drain();
	n = pt_discard(s.pt.link.minor);
	cr_assert_eq(n, 1, "%d frames", n);
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_tx_l4_cksum_hw, 1, "left to the port");
	cr_assert_eq(ut_recv_dgram(member, got, sizeof(got), &from), 100);
	cr_assert_arr_eq(got, data, 100);
	/* Big: fragments on the wire, one copy of all of it here. */
	cr_assert_eq(ut_sendto(snd, GROUP, 6000, data, sizeof(data)), 0);
	yt_drain();
	cr_assert_eq(pt_discard(s.pt.link.minor), 3, "three fragments");
	cr_assert_eq(ut_recv_dgram(member, got, sizeof(got), &from), (int)sizeof(data));
	cr_assert_arr_eq(got, data, sizeof(data));
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_drop_bad_cksum, before.udps_drop_bad_cksum);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_rx_cksum_sw, before.udps_rx_cksum_sw + 2,
		     "both copies' UDP checksums verified");
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_tx_mcast_looped, 2);
	cr_assert_eq(sth_close(snd), 0);
	cr_assert_eq(sth_close(member), 0);
	ut_stack_close(&s);
}

/* ip's side: IP_UNITDATA_MIF for a unicast destination, or naming no link, is dropped. */
YT_TEST(mcast_send, ip_drops_a_mif_request_it_cannot_honour)
{
	const struct {
		uint32_t dst, src;
		const char *why;
	} bad[] = {
		{ PT_ADDR_PEER, PT_ADDR_US, "not a group" },
		{ GROUP, ADDR_C, "no link has that address" },
	};
	struct ut_two_links t;
	struct stdata *ups;
	uint64_t before;
	int proto = 200;

	ut_two_links_open(&t);
	(void)pt_discard(t.pt.link.minor);
	(void)pt_discard(t.b.minor);
	cr_assert_eq(sth_open(IP_DRVNAME, 0, &ups), 0, "another upper stream of ip");
	cr_assert_geq(pt_istr(ups, IP_PROTO_BIND, &proto, sizeof(proto)), 0);
	for (unsigned i = 0; i < RTE_DIM(bad); i++) {
		struct ip_unitdata_req req = {
			.iu_prim = IP_UNITDATA_REQ, .iu_dst = bad[i].dst, .iu_src = bad[i].src,
			.iu_proto = 200, .iu_flags = IP_UNITDATA_MIF,
		};
		mblk_t *mp = allocb(sizeof(req), BPRI_MED), *data = yard_allocb_hr(8, 128);

		cr_assert_not_null(mp);
		cr_assert_not_null(data);
		memcpy(mp->b_wptr, &req, sizeof(req));
		mp->b_wptr += sizeof(req);
		DB_TYPE(mp) = M_PROTO;
		memset(data->b_wptr, 0x5a, 8);
		data->b_wptr += 8;
		mp->b_cont = data;
		before = pt_ipstat(t.pt.ip).is_ip.ips_drop_bad_unitdata;
		cr_assert_eq(sth_putmsg_mblk(ups, mp), 0);
		yt_drain();
		cr_assert_eq(pt_ipstat(t.pt.ip).is_ip.ips_drop_bad_unitdata, before + 1, "%s",
			     bad[i].why);
		cr_assert_eq(pt_discard(t.pt.link.minor) + pt_discard(t.b.minor), 0, "%s",
			     bad[i].why);
	}
	cr_assert_eq(sth_close(ups), 0);
	ut_two_links_close(&t);
}

/* A datagram bigger than the link's MTU, to a group through T_IP_MULTICAST_IF: fragmented on
 * the named link, every fragment to the group's MAC, none on the route's link. */
YT_TEST(mcast_send, a_big_datagram_is_fragmented_on_the_named_link)
{
	static const uint8_t gmac[6] = { 0x01, 0x00, 0x5e, 0x01, 0x02, 0x03 };
	static uint8_t data[3000];
	struct ut_two_links t;
	struct stdata *ep;
	uint8_t f[1600];
	unsigned frags = 0;
	size_t n, bytes = 0;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	ut_two_links_open(&t);
	(void)pt_discard(t.pt.link.minor);
	(void)pt_discard(t.b.minor);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 5102, NULL), 0);
	cr_assert_eq(set_mif(ep, ADDR_B), T_SUCCESS);
	cr_assert_eq(ut_sendto(ep, GROUP, 6000, data, sizeof(data)), 0);
	yt_drain();
	cr_assert_eq(pt_take(t.pt.link.minor, f, sizeof(f)), 0, "nothing on the route's link");
	while ((n = pt_take(t.b.minor, f, sizeof(f))) != 0) {
		uint32_t src, dst;

		cr_assert_arr_eq(f, gmac, 6, "fragment %u to the group's MAC", frags);
		cr_assert_eq(pt_cksum(f + 14, 20), 0, "fragment %u's header checksum", frags);
		memcpy(&src, f + 14 + 12, 4);
		memcpy(&dst, f + 14 + 16, 4);
		cr_assert_eq(src, ADDR_B);
		cr_assert_eq(dst, GROUP);
		bytes += n - 14 - 20;
		frags++;
	}
	cr_assert_eq(frags, 3, "3008 bytes of UDP in 1480-byte fragments");
	cr_assert_eq(bytes, 8 + sizeof(data));
	cr_assert_eq(sth_close(ep), 0);
	ut_two_links_close(&t);
}
