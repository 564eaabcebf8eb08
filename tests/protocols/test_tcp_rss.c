/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RSS-aware ephemeral ports (protocols/tcp/tcp_rss.c): the Toeplitz hash against Microsoft's
 * RSS verification vectors, and active opens through the stack taking ports whose hash lands
 * on a RETA entry of this lcore.
 */
#include <errno.h>
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>

#include <protocols/tcp.h>
#include <protocols/tcp/tcp_priv.h>
#include <protocols/tcp_hdr.h>
#include <protocols/tihdr.h>

#include "tcp_test.h"

TestSuite(tcp_rss, .init = yt_setup, .fini = yt_teardown);

/* The key of Microsoft's "Verifying the RSS Hash Calculation" (also many PMDs' default). */
static const uint8_t ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d)) /* host order */
#define P(x) rte_cpu_to_be_16(x)

YT_TEST(tcp_rss, toeplitz_hash_matches_the_verification_vectors)
{
	static const struct {
		uint32_t dst, src;
		uint16_t dport, sport;
		uint32_t l3, l4;
	} v[] = {
		{ IP4(161, 142, 100, 80), IP4(66, 9, 149, 187), 1766, 2794,
		  0x323e8fc2, 0x51ccc178 },
		{ IP4(65, 69, 140, 83), IP4(199, 92, 111, 2), 4739, 14230,
		  0xd718262a, 0xc626b0ea },
		{ IP4(12, 22, 207, 184), IP4(24, 19, 198, 95), 38024, 12898,
		  0xd2d0a5de, 0x5c2b394a },
		{ IP4(209, 142, 163, 6), IP4(38, 27, 205, 30), 2217, 48228,
		  0x82989176, 0xafc7327f },
		{ IP4(202, 188, 127, 2), IP4(153, 39, 163, 191), 1303, 44251,
		  0x5d1809c5, 0x10e828a2 },
	};
	struct tcp_rss_conf c = { .trc_key_len = 40, .trc_reta_size = 128 };

	memcpy(c.trc_key, ms_key, sizeof(ms_key));
	for (unsigned i = 0; i < RTE_DIM(v); i++) {
		uint32_t src = rte_cpu_to_be_32(v[i].src), dst = rte_cpu_to_be_32(v[i].dst);

		c.trc_flags = 0;
		cr_expect_eq(tcp_rss_hash(&c, src, dst, P(v[i].sport), P(v[i].dport)), v[i].l3,
			     "vector %u, addresses", i);
		c.trc_flags = TCP_RSS_L4;
		cr_expect_eq(tcp_rss_hash(&c, src, dst, P(v[i].sport), P(v[i].dport)), v[i].l4,
			     "vector %u, with ports", i);
	}
}

static void
rs_cleanup(void)
{
	tt_close();
	tt_lport = OUR_PORT;
}

static void
rs_put(struct stdata *sd, const void *ctl, size_t len)
{
	struct strbuf c = { .len = (int)len, .buf = (char *)(uintptr_t)ctl };
	char buf[256];
	struct strbuf r = { .maxlen = sizeof(buf), .buf = buf };
	int fl = 0;

	cr_assert_eq(sth_putmsg(sd, &c, NULL, 0), 0);
	yt_drain();
	cr_assert_geq(sth_getmsg(sd, &r, NULL, &fl), 0);
	cr_assert(*(t_scalar_t *)buf == T_BIND_ACK || *(t_scalar_t *)buf == T_OK_ACK,
		  "primitive %d", *(t_scalar_t *)buf);
}

/* Bind ep to port (0: ephemeral) and connect to the peer; the SYN's source port. */
static uint16_t
rs_connect(struct stdata *ep, uint16_t port)
{
	struct {
		struct T_bind_req r;
		struct sockaddr_in sin;
	} b = { { T_BIND_REQ, sizeof(struct sockaddr_in), sizeof(struct T_bind_req), 0 },
		{ .sin_family = AF_INET, .sin_port = rte_cpu_to_be_16(port) } };
	struct {
		struct T_conn_req r;
		struct sockaddr_in sin;
	} c = { { T_CONN_REQ, sizeof(struct sockaddr_in), sizeof(struct T_conn_req), 0, 0 },
		{ .sin_family = AF_INET, .sin_port = rte_cpu_to_be_16(PEER_PORT),
		  .sin_addr = { PT_ADDR_PEER } } };
	struct tt_seg s;

	rs_put(ep, &b, sizeof(b));
	rs_put(ep, &c, sizeof(c));
	cr_assert(tt_take(&s), "SYN");
	cr_assert_eq(s.flags, TH_SYN);
	return s.sport;
}

/* The RETA of a 4-queue port, round robin, of which queue 1 is this lcore's. */
static struct tcp_rss_conf
rs_conf(void)
{
	struct tcp_rss_conf c = { .trc_addr = PT_ADDR_US, .trc_reta_size = 128,
				  .trc_key_len = 40, .trc_flags = TCP_RSS_L4 };

	memcpy(c.trc_key, ms_key, sizeof(ms_key));
	for (unsigned e = 0; e < 128; e++)
		if (e % 4 == 1)
			c.trc_mine[e / 8] |= (uint8_t)(1u << (e % 8));
	return c;
}

YT_TEST(tcp_rss, active_opens_take_ports_whose_replies_hash_to_this_lcore)
{
	struct tcp_rss_conf c = rs_conf();
	struct stdata *ep[24];
	unsigned steered;

	tt_open();
	yt_set_cleanup(rs_cleanup);
	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_RSS_SET, &c, sizeof(c)), 0);
	for (unsigned i = 0; i < RTE_DIM(ep); i++) {
		uint16_t sport;
		uint32_t e;

		cr_assert_eq(sth_open(TCP_DRVNAME, 0, &ep[i]), 0);
		sport = rs_connect(ep[i], 0);
		cr_assert_geq(sport, TCP_DEF_PORT_LO);
		/* the peer's reply: from PEER:PEER_PORT to US:sport */
		e = tcp_rss_hash(&c, PT_ADDR_PEER, PT_ADDR_US, P(PEER_PORT), P(sport)) % 128;
		cr_assert_eq(e % 4, 1, "port %u: RETA entry %u is queue %u, not ours", sport, e,
			     e % 4);
	}
	steered = (unsigned)tt_stats().tcps_rss_port_steered;
	/* ports come in sequence, which the hash spreads unevenly: some needed a change */
	cr_assert(steered >= 1 && steered <= RTE_DIM(ep), "%u steered", steered);
	cr_assert_eq(tt_stats().tcps_rss_no_port, 0);
	for (unsigned i = 0; i < RTE_DIM(ep); i++)
		sth_close(ep[i]);
	while (pt_discard(tt_s.link.minor) > 0)
		;
}

YT_TEST(tcp_rss, a_port_the_user_chose_is_kept)
{
	struct tcp_rss_conf c = rs_conf();
	struct stdata *ep;
	uint16_t port = 50000;

	tt_open();
	yt_set_cleanup(rs_cleanup);
	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_RSS_SET, &c, sizeof(c)), 0);
	/* a port whose replies miss this lcore */
	while (tcp_rss_hash(&c, PT_ADDR_PEER, PT_ADDR_US, P(PEER_PORT), P(port)) % 128 % 4 == 1)
		port++;
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &ep), 0);
	cr_assert_eq(rs_connect(ep, port), port);
	cr_assert_eq(tt_stats().tcps_rss_port_steered, 0);
	sth_close(ep);
	while (pt_discard(tt_s.link.minor) > 0)
		;
}

YT_TEST(tcp_rss, without_rss_any_ephemeral_port_does)
{
	struct stdata *ep;

	tt_open();
	yt_set_cleanup(rs_cleanup);
	for (unsigned i = 0; i < 8; i++) {
		cr_assert_eq(sth_open(TCP_DRVNAME, 0, &ep), 0);
		(void)rs_connect(ep, 0);
		sth_close(ep);
	}
	cr_assert_eq(tt_stats().tcps_rss_port_steered, 0);
	cr_assert_eq(tt_stats().tcps_rss_no_port, 0);
	while (pt_discard(tt_s.link.minor) > 0)
		;
}

YT_TEST(tcp_rss, bad_configurations_are_refused)
{
	struct tcp_rss_conf c = rs_conf();

	tt_open();
	yt_set_cleanup(rs_cleanup);
	c.trc_key_len = 8;
	cr_assert_eq(pt_istr(tt_p.tp_tcp, TCP_RSS_SET, &c, sizeof(c)), -EINVAL, "short key");
	c = rs_conf();
	c.trc_reta_size = TCP_RSS_RETA_MAX + 1;
	cr_assert_eq(pt_istr(tt_p.tp_tcp, TCP_RSS_SET, &c, sizeof(c)), -EINVAL, "RETA too big");
	c = rs_conf();
	c.trc_addr = PT_ADDR_PEER;
	cr_assert_eq(pt_istr(tt_p.tp_tcp, TCP_RSS_SET, &c, sizeof(c)), -EINVAL, "not ours");
	c = rs_conf();
	c.trc_reta_size = 0;
	cr_assert_eq(pt_istr(tt_p.tp_tcp, TCP_RSS_SET, &c, sizeof(c)), -ENOENT,
		     "nothing to forget");
	c = rs_conf();
	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_RSS_SET, &c, sizeof(c)), 0);
	c.trc_reta_size = 0;
	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_RSS_SET, &c, sizeof(c)), 0, "forgotten");
}
