/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transport checksums left "partial" (protocols/ip.h, "Transport checksums"): a transport
 * stores the pseudo-header's sum and asks ip to complete the checksum, with IP_UNITDATA_L4CK
 * or, for a datagram it built, with RTE_MBUF_F_TX_UDP/TCP_CKSUM in its mbuf. ip leaves it to
 * the port when the link has the offload (the frame then keeps the request and the field the
 * pseudo-header's sum, as a NIC wants them), and sums it itself otherwise, for fragments and
 * when the L4 header is not in the IPv4 header's block. netem completes it before corrupting.
 */
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include <protocols/netem.h>
#include <streams/loop.h>

#include "proto_test.h"

TestSuite(l4_cksum, .init = yt_setup, .fini = yt_teardown);

#define FRAME_MAX 4096

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The pseudo-header's folded sum (not complemented) for src, dst, proto, L4 length. */
static uint16_t
phdr_sum(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	uint8_t ph[12];

	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	wr16(ph + 10, (uint16_t)len);
	return (uint16_t)~pt_cksum(ph, sizeof(ph));
}

/* The checksum of an L4 segment as a receiver checks it: 0 when right. */
static uint16_t
l4_verify(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4, size_t len)
{
	static uint8_t buf[12 + 65536];

	memcpy(buf, &src, 4);
	memcpy(buf + 4, &dst, 4);
	buf[8] = 0;
	buf[9] = proto;
	wr16(buf + 10, (uint16_t)len);
	memcpy(buf + 12, l4, len);
	return pt_cksum(buf, 12 + len);
}

/* A frame off the loop: flattened into f, with its first mbuf's offload request. */
struct frame {
	size_t n;
	uint64_t ol;
	unsigned l2, l3;
	uint8_t f[FRAME_MAX];
};

static bool
take(int minor, struct frame *fr)
{
	mblk_t *mp = yard_loop_take(minor);
	const struct rte_mbuf *m;

	if (mp == NULL)
		return false;
	m = yard_mblk_mbuf(mp);
	fr->ol = m->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK;
	fr->l2 = m->l2_len;
	fr->l3 = m->l3_len;
	fr->n = 0;
	for (const mblk_t *bp = mp; bp != NULL; bp = bp->b_cont) {
		cr_assert_leq(fr->n + MBLKL(bp), sizeof(fr->f));
		memcpy(fr->f + fr->n, bp->b_rptr, MBLKL(bp));
		fr->n += MBLKL(bp);
	}
	freemsg(mp);
	return true;
}

/*
 * A UDP datagram (ports 5000 -> 6000, dlen bytes from tag) as an IP_UNITDATA_REQ with
 * IP_UNITDATA_L4CK and flags, its checksum field holding the pseudo-header's sum; hr bytes of
 * headroom in front of the UDP header.
 */
static mblk_t *
udp_req(size_t dlen, uint8_t tag, size_t hr, uint8_t flags)
{
	struct ip_unitdata_req req = {
		.iu_prim = IP_UNITDATA_REQ, .iu_dst = PT_ADDR_PEER, .iu_src = PT_ADDR_US,
		.iu_proto = IPPROTO_UDP, .iu_flags = (uint8_t)(IP_UNITDATA_L4CK | flags),
	};
	mblk_t *mp = allocb(sizeof(req), BPRI_MED), *dp = yard_allocb_hr(8 + dlen, hr);
	uint8_t *u;

	cr_assert_not_null(mp);
	cr_assert_not_null(dp);
	DB_TYPE(mp) = M_PROTO;
	memcpy(mp->b_wptr, &req, sizeof(req));
	mp->b_wptr += sizeof(req);
	u = dp->b_wptr;
	wr16(u, 5000);
	wr16(u + 2, 6000);
	wr16(u + 4, (uint16_t)(8 + dlen));
	for (size_t i = 0; i < dlen; i++)
		u[8 + i] = (uint8_t)(tag + i);
	wr16(u + 6, phdr_sum(PT_ADDR_US, PT_ADDR_PEER, IPPROTO_UDP, 8 + dlen));
	dp->b_wptr += 8 + dlen;
	mp->b_cont = dp;
	return mp;
}

/* The UDP datagram of frame fr (not a fragment): right checksum, data from tag. */
static void
check_udp(const struct frame *fr, size_t dlen, uint8_t tag)
{
	const uint8_t *ip = fr->f + 14, *u;

	cr_assert_eq(fr->n, 14 + 20 + 8 + dlen);
	cr_assert_eq(ip[9], IPPROTO_UDP);
	cr_assert_eq(rd16(ip + 6) & 0x3fff, 0, "not a fragment");
	u = ip + 20;
	cr_assert_eq(u[8], tag, "the datagram tagged %u", tag);
	cr_assert_neq(rd16(u + 6), 0, "a checksum is sent");
	cr_assert_eq(l4_verify(PT_ADDR_US, PT_ADDR_PEER, IPPROTO_UDP, u, 8 + dlen), 0,
		     "the UDP checksum of datagram %u verifies", tag);
}

/* As a NIC would: the request's contract checked, then the checksum completed in fr. */
static void
nic_complete(struct frame *fr)
{
	uint8_t *ip = fr->f + 14;
	unsigned ihl = (ip[0] & 0xfu) * 4u, tot = rd16(ip + 2);
	uint64_t l4 = fr->ol & RTE_MBUF_F_TX_L4_MASK;
	unsigned at = l4 == RTE_MBUF_F_TX_UDP_CKSUM ? 6 : 16;
	uint16_t c;

	cr_assert(l4 == RTE_MBUF_F_TX_UDP_CKSUM || l4 == RTE_MBUF_F_TX_TCP_CKSUM);
	cr_assert(fr->ol & RTE_MBUF_F_TX_IPV4);
	cr_assert_eq(fr->l2, 14);
	cr_assert_eq(fr->l3, ihl);
	cr_assert_eq(rd16(ip + ihl + at),
		     phdr_sum(PT_ADDR_US, PT_ADDR_PEER, ip[9], tot - ihl),
		     "the field holds the pseudo-header's sum for the NIC");
	c = pt_cksum(ip + ihl, tot - ihl);
	if (l4 == RTE_MBUF_F_TX_UDP_CKSUM && c == 0)
		c = 0xffff;
	wr16(ip + ihl + at, c);
}

static struct stdata *
upper_open(void)
{
	struct stdata *u;
	int proto = IPPROTO_UDP;

	cr_assert_eq(sth_open(IP_DRVNAME, 0, &u), 0);
	cr_assert_geq(pt_istr(u, IP_PROTO_BIND, &proto, sizeof(proto)), 0);
	return u;
}

YT_TEST(l4_cksum, ip_sums_the_datagram_itself_on_a_link_without_the_offload)
{
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st0, st;
	struct frame fr;
	/* 0-2: OWNED (the long way, then the short way's run); 3: no headroom (ip's own
	 * header block); 4: odd length */
	mblk_t *v[5];

	pt_stack_open(&s, 0, 1500);
	u = upper_open();
	for (unsigned i = 0; i < 3; i++)
		v[i] = udp_req(40 + i, (uint8_t)(i + 1), 64, IP_UNITDATA_OWNED);
	v[3] = udp_req(50, 4, 0, 0);
	v[4] = udp_req(51, 5, 64, IP_UNITDATA_OWNED);
	st0 = pt_ipstat(s.ip);
	cr_assert_eq(sth_putmsg_mblk_burst(u, v, RTE_DIM(v), 0), (int)RTE_DIM(v));
	yt_drain();
	st = pt_ipstat(s.ip);
	for (unsigned i = 0; i < RTE_DIM(v); i++) {
		cr_assert(take(s.link.minor, &fr), "frame %u", i);
		cr_assert_eq(fr.ol & RTE_MBUF_F_TX_L4_MASK, 0, "frame %u: nothing left to a port",
			     i);
		check_udp(&fr, i < 3 ? 40 + i : i == 3 ? 50 : 51, (uint8_t)(i + 1));
	}
	cr_assert_not(take(s.link.minor, &fr));
	cr_assert_eq(st.is_ip.ips_tx_l4_cksum_sw - st0.is_ip.ips_tx_l4_cksum_sw, RTE_DIM(v));
	cr_assert_eq(st.is_ip.ips_tx_l4_cksum_hw, st0.is_ip.ips_tx_l4_cksum_hw);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(l4_cksum, a_port_with_the_offload_gets_the_request_as_a_nic_wants_it)
{
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st0, st;
	struct frame fr;
	mblk_t *v[4];

	pt_stack_open(&s, YARD_LINK_CAP_TX_UDP_CKSUM | YARD_LINK_CAP_TX_IPV4_CKSUM, 1500);
	u = upper_open();
	for (unsigned i = 0; i < 3; i++)
		v[i] = udp_req(40 + i, (uint8_t)(i + 1), 64, IP_UNITDATA_OWNED);
	v[3] = udp_req(50, 4, 0, 0); /* the UDP header in another block than the IPv4 one */
	st0 = pt_ipstat(s.ip);
	cr_assert_eq(sth_putmsg_mblk_burst(u, v, RTE_DIM(v), 0), (int)RTE_DIM(v));
	yt_drain();
	st = pt_ipstat(s.ip);
	for (unsigned i = 0; i < 3; i++) {
		cr_assert(take(s.link.minor, &fr), "frame %u", i);
		cr_assert_eq(fr.ol & RTE_MBUF_F_TX_L4_MASK, RTE_MBUF_F_TX_UDP_CKSUM, "frame %u", i);
		cr_assert(fr.ol & RTE_MBUF_F_TX_IP_CKSUM);
		wr16(fr.f + 14 + 10, pt_cksum(fr.f + 14, 20)); /* the NIC's IPv4 sum */
		nic_complete(&fr);
		check_udp(&fr, 40 + i, (uint8_t)(i + 1));
	}
	cr_assert(take(s.link.minor, &fr));
	cr_assert_eq(fr.ol & RTE_MBUF_F_TX_L4_MASK, 0, "headers split: summed by ip");
	wr16(fr.f + 14 + 10, pt_cksum(fr.f + 14, 20));
	check_udp(&fr, 50, 4);
	cr_assert_eq(st.is_ip.ips_tx_l4_cksum_hw - st0.is_ip.ips_tx_l4_cksum_hw, 3);
	cr_assert_eq(st.is_ip.ips_tx_l4_cksum_sw - st0.is_ip.ips_tx_l4_cksum_sw, 1);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(l4_cksum, a_fragmented_datagram_is_summed_before_it_is_cut)
{
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st0, st;
	struct frame fr;
	static uint8_t whole[4000];
	size_t dlen = 3000, got = 0;
	unsigned frags = 0;
	mblk_t *mp;

	pt_stack_open(&s, YARD_LINK_CAP_TX_UDP_CKSUM, 1500);
	u = upper_open();
	mp = udp_req(dlen, 7, 64, IP_UNITDATA_OWNED);
	st0 = pt_ipstat(s.ip);
	cr_assert_eq(sth_putmsg_mblk_burst(u, &mp, 1, 0), 1);
	yt_drain();
	st = pt_ipstat(s.ip);
	while (take(s.link.minor, &fr)) {
		const uint8_t *ip = fr.f + 14;
		unsigned off = (rd16(ip + 6) & 0x1fffu) * 8u, ihl = (ip[0] & 0xfu) * 4u;

		cr_assert_eq(fr.ol & RTE_MBUF_F_TX_L4_MASK, 0, "no offload on a fragment");
		memcpy(whole + off, ip + ihl, rd16(ip + 2) - ihl);
		got += rd16(ip + 2) - ihl;
		frags++;
	}
	cr_assert_eq(frags, 3);
	cr_assert_eq(got, 8 + dlen);
	cr_assert_eq(l4_verify(PT_ADDR_US, PT_ADDR_PEER, IPPROTO_UDP, whole, got), 0,
		     "the reassembled datagram's checksum verifies");
	cr_assert_eq(st.is_ip.ips_tx_l4_cksum_sw - st0.is_ip.ips_tx_l4_cksum_sw, 1);
	cr_assert_eq(st.is_ip.ips_tx_l4_cksum_hw, st0.is_ip.ips_tx_l4_cksum_hw);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

/*
 * A built datagram (M_DATA) of protocol proto with an L4 header of l4len bytes and dlen data
 * bytes, its checksum field (at l4 offset at) holding the pseudo-header's sum and its mbuf
 * asking for req; split: the data in a second block.
 */
static mblk_t *
raw_req(uint8_t proto, unsigned l4len, unsigned at, size_t dlen, uint64_t req, uint32_t src,
	bool split)
{
	size_t l4 = l4len + dlen;
	mblk_t *mp = yard_allocb_hr(20 + l4len + (split ? 0 : dlen), 64), *dp = NULL;
	uint8_t *ip;

	cr_assert_not_null(mp);
	ip = mp->b_wptr;
	pt_ipv4(ip, src, PT_ADDR_PEER, proto, 0, 0, 64, NULL, 0, l4);
	memset(ip + 20, 0, l4len);
	wr16(ip + 20 + at, phdr_sum(src, PT_ADDR_PEER, proto, l4));
	mp->b_wptr += 20 + l4len;
	if (split) {
		dp = allocb(dlen, BPRI_MED);
		cr_assert_not_null(dp);
		mp->b_cont = dp;
	} else {
		dp = mp;
	}
	for (size_t i = 0; i < dlen; i++)
		*dp->b_wptr++ = (uint8_t)(0x30 + i);
	yard_mblk_mbuf(mp)->ol_flags |= req;
	return mp;
}

YT_TEST(l4_cksum, a_built_datagrams_request_is_completed_or_refused)
{
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st0, st;
	struct frame fr;
	int proto = IPPROTO_TCP;
	mblk_t *v[5];

	pt_stack_open(&s, YARD_LINK_CAP_TX_TCP_CKSUM, 1500);
	cr_assert_eq(sth_open(IP_DRVNAME, 0, &u), 0);
	cr_assert_geq(pt_istr(u, IP_PROTO_BIND, &proto, sizeof(proto)), 0);
	/* 0: TCP, left to the port; 1: TCP with odd data in a second block, left to the port;
	 * 2: a UDP request on a TCP datagram; 3: no source; 4: shorter than a TCP header */
	v[0] = raw_req(IPPROTO_TCP, 20, 16, 100, RTE_MBUF_F_TX_TCP_CKSUM, PT_ADDR_US, false);
	v[1] = raw_req(IPPROTO_TCP, 32, 16, 333, RTE_MBUF_F_TX_TCP_CKSUM, PT_ADDR_US, true);
	v[2] = raw_req(IPPROTO_TCP, 20, 16, 10, RTE_MBUF_F_TX_UDP_CKSUM, PT_ADDR_US, false);
	v[3] = raw_req(IPPROTO_TCP, 20, 16, 10, RTE_MBUF_F_TX_TCP_CKSUM, 0, false);
	v[4] = raw_req(IPPROTO_TCP, 8, 6, 4, RTE_MBUF_F_TX_TCP_CKSUM, PT_ADDR_US, false);
	st0 = pt_ipstat(s.ip);
	cr_assert_eq(sth_putmsg_mblk_burst(u, v, RTE_DIM(v), 0), (int)RTE_DIM(v));
	yt_drain();
	st = pt_ipstat(s.ip);
	for (unsigned i = 0; i < 2; i++) {
		const uint8_t *ip = fr.f + 14;

		cr_assert(take(s.link.minor, &fr), "frame %u", i);
		cr_assert_eq(fr.ol & RTE_MBUF_F_TX_L4_MASK, RTE_MBUF_F_TX_TCP_CKSUM, "frame %u", i);
		nic_complete(&fr);
		cr_assert_eq(l4_verify(PT_ADDR_US, PT_ADDR_PEER, IPPROTO_TCP, ip + 20,
				       rd16(ip + 2) - 20u), 0, "frame %u", i);
	}
	cr_assert_not(take(s.link.minor, &fr), "the three bad requests are dropped");
	cr_assert_eq(st.is_ip.ips_drop_bad_unitdata - st0.is_ip.ips_drop_bad_unitdata, 3);
	cr_assert_eq(st.is_ip.ips_tx_l4_cksum_hw - st0.is_ip.ips_tx_l4_cksum_hw, 2);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

/*
 * Stale offload bits are no request: a received buffer sent back without IP_UNITDATA_L4CK
 * keeps the checksum its sender wrote, and the frame asks the port for nothing.
 */
YT_TEST(l4_cksum, offload_bits_a_request_does_not_make_are_cleared)
{
	struct pt_stack s;
	struct stdata *u;
	struct frame fr;
	mblk_t *v[3];

	pt_stack_open(&s, YARD_LINK_CAP_TX_UDP_CKSUM | YARD_LINK_CAP_TX_TCP_CKSUM, 1500);
	u = upper_open();
	for (unsigned i = 0; i < RTE_DIM(v); i++) {
		uint8_t *uh;

		v[i] = udp_req(20, (uint8_t)(i + 1), 64, i == 2 ? 0 : IP_UNITDATA_OWNED);
		((struct ip_unitdata_req *)v[i]->b_rptr)->iu_flags &= (uint8_t)~IP_UNITDATA_L4CK;
		uh = v[i]->b_cont->b_rptr;
		wr16(uh + 6, 0x1234); /* whatever the sender wrote is sent */
		yard_mblk_mbuf(v[i]->b_cont)->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
	}
	cr_assert_eq(sth_putmsg_mblk_burst(u, v, RTE_DIM(v), 0), (int)RTE_DIM(v));
	yt_drain();
	for (unsigned i = 0; i < RTE_DIM(v); i++) {
		cr_assert(take(s.link.minor, &fr), "frame %u", i);
		cr_assert_eq(fr.ol & RTE_MBUF_F_TX_L4_MASK, 0, "frame %u", i);
		cr_assert_eq(rd16(fr.f + 14 + 20 + 6), 0x1234, "frame %u: left as written", i);
	}
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

YT_TEST(l4_cksum, an_l4ck_request_for_another_protocol_or_too_short_is_refused)
{
	struct pt_stack s;
	struct stdata *u;
	struct ip_stats st0, st;
	struct frame fr;
	mblk_t *v[2];

	pt_stack_open(&s, 0, 1500);
	u = upper_open();
	v[0] = udp_req(10, 1, 64, 0);
	((struct ip_unitdata_req *)v[0]->b_rptr)->iu_proto = 253;
	v[1] = udp_req(0, 2, 64, 0);
	v[1]->b_cont->b_wptr -= 4; /* 4 bytes: no UDP header */
	st0 = pt_ipstat(s.ip);
	cr_assert_eq(sth_putmsg_mblk_burst(u, v, RTE_DIM(v), 0), (int)RTE_DIM(v));
	yt_drain();
	st = pt_ipstat(s.ip);
	cr_assert_not(take(s.link.minor, &fr));
	cr_assert_eq(st.is_ip.ips_drop_bad_unitdata - st0.is_ip.ips_drop_bad_unitdata, 2);
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}

/*
 * netem between a transport and ip corrupts data whose checksum ip has yet to complete: it
 * completes it first, so the receiver sees the flipped bit as a bad checksum.
 */
YT_TEST(l4_cksum, netem_above_ip_completes_the_checksum_before_it_flips_a_bit)
{
	struct pt_stack s;
	struct stdata *u;
	struct netem_conf nc;
	struct frame fr;
	mblk_t *mp;
	int proto = IPPROTO_TCP;

	pt_stack_open(&s, 0, 1500);
	cr_assert_eq(sth_open(IP_DRVNAME, 0, &u), 0);
	cr_assert_geq(pt_istr(u, IP_PROTO_BIND, &proto, sizeof(proto)), 0);
	cr_assert_eq(sth_ioctl(u, I_PUSH, (intptr_t)"netem"), 0);
	cr_assert_eq(netem_parse("side=wr corrupt=100% seed=3", &nc), 0);
	cr_assert_geq(pt_istr(u, NETEM_SET, &nc, sizeof(nc)), 0);
	mp = raw_req(IPPROTO_TCP, 20, 16, 200, RTE_MBUF_F_TX_TCP_CKSUM, PT_ADDR_US, false);
	cr_assert_eq(sth_putmsg_mblk_burst(u, &mp, 1, 0), 1);
	yt_drain();
	cr_assert(take(s.link.minor, &fr));
	cr_assert_eq(fr.ol & RTE_MBUF_F_TX_L4_MASK, 0);
	/* This seed flips a bit of the TCP segment (ip rewrites the IPv4 header's sum). */
	cr_assert_eq(fr.n, 14 + 20 + 20 + 200);
	cr_assert_eq(pt_cksum(fr.f + 14, 20), 0);
	cr_assert_neq(l4_verify(PT_ADDR_US, PT_ADDR_PEER, IPPROTO_TCP, fr.f + 34, 220), 0,
		      "the corruption shows as a bad TCP checksum");
	cr_assert_eq(sth_close(u), 0);
	pt_stack_close(&s);
	pt_assert_clean();
}
