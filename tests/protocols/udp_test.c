/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the transport suites (see udp_test.h). */
#include "udp_test.h"

#include <string.h>

void
ut_stack_open(struct ut_stack *s, uint32_t caps, uint16_t mtu)
{
	ut_stack_open_vlan(s, caps, mtu, 0);
}

void
ut_stack_open_vlan(struct ut_stack *s, uint32_t caps, uint16_t mtu, uint16_t vlan)
{
	struct udp_addrreq ar = { .ua_addr = PT_ADDR_US, .ua_prefix = PT_PREFIX };

	memset(s, 0, sizeof(*s));
	pt_stack_open_vlan(&s->pt, caps, mtu, vlan);
	cr_assert_eq(yard_udp_plumb(&s->up, &ar, 1), 0, "yard_udp_plumb");
	cr_assert_gt(s->up.up_muxid, 0);
}

void
ut_two_links_open(struct ut_two_links *t)
{
	struct udp_addrreq ar[2] = {
		{ .ua_addr = PT_ADDR_US, .ua_prefix = PT_PREFIX, .ua_ifindex = 1 },
		{ .ua_addr = UT_ADDR_B, .ua_prefix = 24, .ua_ifindex = 2 },
	};
	struct ip_ifreq ifr = { .ii_addr = UT_ADDR_B, .ii_prefix = 24, .ii_mtu = 1500 };
	struct ip_route r = { .ir_dst = PT_IPV4(224, 0, 0, 0), .ir_prefix = 4 };

	memset(t, 0, sizeof(*t));
	pt_stack_open(&t->pt, 0, 1500);
	/* arp on B keeps pt_link_open()'s address: a group's frames need only its MAC map. */
	pt_link_open(&t->b, 1, 0, 1500);
	t->b.muxid = sth_ioctl(t->pt.ip, I_LINK, (intptr_t)t->b.sd);
	cr_assert_gt(t->b.muxid, 0);
	ifr.ii_muxid = t->b.muxid;
	cr_assert_geq(pt_istr(t->pt.ip, IP_IFADD, &ifr, sizeof(ifr)), 0, "IP_IFADD B");
	r.ir_muxid = t->pt.link.muxid;
	cr_assert_eq(pt_istr(t->pt.ip, IP_ROUTE_ADD, &r, sizeof(r)), 0);
	cr_assert_eq(yard_udp_plumb(&t->up, ar, 2), 0, "yard_udp_plumb");
}

void
ut_two_links_close(struct ut_two_links *t)
{
	yt_drain();
	yard_udp_unplumb(&t->up);
	(void)pt_discard(t->b.minor);
	pt_stack_close(&t->pt); /* unlinks B too */
	pt_link_close(&t->b);
}

void
ut_stack_close(struct ut_stack *s)
{
	yt_drain();
	yard_udp_unplumb(&s->up);
	pt_stack_close(&s->pt);
}

void
ut_bare_open(struct ut_bare *b, bool hold)
{
	struct udp_addrreq ar = { .ua_addr = PT_ADDR_US, .ua_prefix = PT_PREFIX };
	int one = 1;

	memset(b, 0, sizeof(*b));
	cr_assert_eq(sth_open(UDP_DRVNAME, 0, &b->udp), 0, "open udp");
	cr_assert_eq(sth_open("loop", 0, &b->loop), 0, "open loop");
	b->minor = yard_loop_minor(b->loop);
	cr_assert_geq(pt_istr(b->loop, LOOP_CAPTURE, &one, sizeof(one)), 0, "LOOP_CAPTURE");
	if (hold)
		cr_assert_geq(pt_istr(b->loop, LOOP_HOLD, NULL, 0), 0, "LOOP_HOLD");
	b->muxid = sth_ioctl(b->udp, I_LINK, (intptr_t)b->loop);
	cr_assert_gt(b->muxid, 0, "I_LINK loop under udp: %d", b->muxid);
	cr_assert_geq(pt_istr(b->udp, UDP_ADDR_ADD, &ar, sizeof(ar)), 0, "UDP_ADDR_ADD");
}

void
ut_bare_close(struct ut_bare *b)
{
	yt_drain();
	cr_assert_eq(sth_close(b->udp), 0, "close udp (unlinks the loop)");
	(void)pt_discard(b->minor);
	cr_assert_eq(sth_close(b->loop), 0, "close loop");
	memset(b, 0, sizeof(*b));
}

struct sockaddr_in
ut_sin(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = rte_cpu_to_be_16(port);
	sin.sin_addr.s_addr = addr;
	return sin;
}

/* The UDP pseudo-header (RFC 768) in its 12 bytes. */
static void
ut_phdr(uint8_t *ph, uint32_t src, uint32_t dst, size_t ulen)
{
	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = IPPROTO_UDP;
	ph[10] = (uint8_t)(ulen >> 8);
	ph[11] = (uint8_t)ulen;
}

uint16_t
ut_udp_cksum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t ulen)
{
	static uint8_t buf[12 + 65536];

	/* The pseudo-header (RFC 768) laid out in front, then one plain RFC 1071 sum. */
	ut_phdr(buf, src, dst, ulen);
	memcpy(buf + 12, udp, ulen);
	return pt_cksum(buf, 12 + ulen);
}

void
ut_udp_l4ck_complete(uint32_t src, uint32_t dst, uint8_t *udp, size_t ulen)
{
	uint8_t ph[12];
	uint16_t want, c;

	ut_phdr(ph, src, dst, ulen);
	want = (uint16_t)~pt_cksum(ph, sizeof(ph)); /* the folded sum, not complemented */
	cr_assert_eq((uint16_t)(udp[6] << 8 | udp[7]), want,
		     "L4CK: the field holds %#x, the pseudo-header's sum is %#x",
		     (unsigned)(udp[6] << 8 | udp[7]), (unsigned)want);
	c = pt_cksum(udp, ulen);
	if (c == 0)
		c = 0xffff;
	udp[6] = (uint8_t)(c >> 8);
	udp[7] = (uint8_t)c;
}

size_t
ut_udp(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
       const uint8_t *data, size_t dlen)
{
	size_t ulen = 8 + dlen;
	uint16_t c;

	buf[0] = (uint8_t)(sport >> 8), buf[1] = (uint8_t)sport;
	buf[2] = (uint8_t)(dport >> 8), buf[3] = (uint8_t)dport;
	buf[4] = (uint8_t)(ulen >> 8), buf[5] = (uint8_t)ulen;
	buf[6] = buf[7] = 0;
	for (size_t i = 0; i < dlen; i++)
		buf[8 + i] = data != NULL ? data[i] : ut_pat(i);
	c = ut_udp_cksum(src, dst, buf, ulen);
	if (c == 0)
		c = 0xffff;
	buf[6] = (uint8_t)(c >> 8), buf[7] = (uint8_t)c;
	return ulen;
}

size_t
ut_ipudp(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
	 const uint8_t *data, size_t dlen)
{
	size_t n = pt_ipv4(buf, src, dst, IPPROTO_UDP, 0x1234, 0, 64, NULL, 0, 8 + dlen);

	return n + ut_udp(buf + n, src, dst, sport, dport, data, dlen);
}

size_t
ut_frame(uint8_t *buf, uint16_t sport, uint16_t dport, const uint8_t *data, size_t dlen)
{
	size_t n = pt_eth(buf, &pt_mac_us, &pt_mac_peer, 0x0800);

	return n + ut_ipudp(buf + n, PT_ADDR_PEER, PT_ADDR_US, sport, dport, data, dlen);
}

mblk_t *
ut_bare_inject(struct ut_bare *b, const void *dgram, size_t len)
{
	mblk_t *mp = yard_allocb_hr(len, RTE_PKTMBUF_HEADROOM);

	cr_assert_not_null(mp);
	memcpy(mp->b_wptr, dgram, len);
	mp->b_wptr += len;
	cr_assert_eq(yard_loop_inject(b->minor, mp), 0);
	yt_drain();
	return mp;
}

void
ut_inject_fragments(int minor, uint16_t id, const uint8_t *body, size_t blen, uint16_t mtu)
{
	size_t per = ((size_t)mtu - 20) & ~(size_t)7;
	static uint8_t f[UT_FRAME_MAX];

	cr_assert_leq(mtu, UT_FRAME_MAX - 14);
	for (size_t off = 0; off < blen; off += per) {
		size_t len = blen - off < per ? blen - off : per;
		bool more = off + len < blen;
		size_t n = pt_eth(f, &pt_mac_us, &pt_mac_peer, 0x0800);

		n += pt_ipv4(f + n, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_UDP, id,
			     (uint16_t)(off / 8 | (more ? 0x2000 : 0)), 64, NULL, 0, len);
		memcpy(f + n, body + off, len);
		pt_inject(minor, f, n + len);
	}
}

size_t
ut_take_datagram(int minor, uint8_t *body, size_t max, unsigned *nfrags, uint8_t *proto,
		 uint32_t *src, uint32_t *dst)
{
	static uint8_t f[UT_FRAME_MAX];
	size_t n, total = 0, got = 0;
	bool last = false;
	int id = -1;

	*nfrags = 0;
	while ((n = pt_take(minor, f, sizeof(f))) != 0) {
		const uint8_t *ip = f + 14;
		unsigned hlen = (ip[0] & 0xf) * 4u;
		unsigned field = (unsigned)(ip[6] << 8 | ip[7]);
		size_t off = (field & 0x1fff) * 8u, len = n - 14 - hlen;

		cr_assert_eq(f[12], 0x08);
		cr_assert_eq(f[13], 0x00);
		cr_assert_eq(ip[0] >> 4, 4);
		cr_assert_eq((size_t)(ip[2] << 8 | ip[3]), n - 14, "total length matches");
		cr_assert_eq(pt_cksum(ip, hlen), 0, "IPv4 header checksum verifies");
		if (id < 0)
			id = ip[4] << 8 | ip[5];
		cr_assert_eq(ip[4] << 8 | ip[5], id, "one datagram's fragments");
		*proto = ip[9];
		memcpy(src, ip + 12, 4);
		memcpy(dst, ip + 16, 4);
		cr_assert_leq(off + len, max);
		memcpy(body + off, ip + hlen, len);
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

int
ut_put(struct stdata *sd, const void *prim, size_t len, bool hipri)
{
	struct strbuf ctl = { .len = (int)len, .buf = (char *)prim };

	return sth_putmsg(sd, &ctl, NULL, hipri ? RS_HIPRI : 0);
}

int
ut_get(struct stdata *sd, void *ctl, size_t cmax, void *data, size_t dmax, int *dlen)
{
	struct strbuf c = { .maxlen = (int)cmax, .len = 0, .buf = ctl };
	struct strbuf d = { .maxlen = (int)dmax, .len = 0, .buf = data };
	int flags = 0, rc;

	rc = sth_getmsg(sd, &c, data != NULL ? &d : NULL, &flags);
	if (rc < 0)
		return rc;
	cr_assert_eq(rc, 0, "the whole message fits (getmsg %d)", rc);
	if (dlen != NULL)
		*dlen = d.len;
	return c.len;
}

int
ut_bind(struct stdata *sd, t_scalar_t prim, uint32_t addr, uint16_t port,
	struct sockaddr_in *bound)
{
	union {
		struct T_bind_req req;
		struct T_bind_ack ack;
		struct T_error_ack err;
		uint8_t raw[128];
	} u;
	struct sockaddr_in sin = ut_sin(addr, port);
	int n;

	memset(&u, 0, sizeof(u));
	u.req.PRIM_type = prim;
	u.req.ADDR_length = sizeof(sin);
	u.req.ADDR_offset = sizeof(u.req);
	memcpy(u.raw + sizeof(u.req), &sin, sizeof(sin));
	cr_assert_eq(ut_put(sd, &u, sizeof(u.req) + sizeof(sin), false), 0);
	yt_drain();
	n = ut_get(sd, &u, sizeof(u), NULL, 0, NULL);
	cr_assert_geq(n, (int)sizeof(t_scalar_t), "an answer to the bind");
	if (u.ack.PRIM_type == T_ERROR_ACK) {
		cr_assert_eq(u.err.ERROR_prim, prim);
		return u.err.TLI_error;
	}
	cr_assert_eq(u.ack.PRIM_type, T_BIND_ACK);
	cr_assert_eq(u.ack.ADDR_length, (t_scalar_t)sizeof(sin));
	if (bound != NULL)
		memcpy(bound, u.raw + u.ack.ADDR_offset, sizeof(*bound));
	return 0;
}

int
ut_sendto_opts(struct stdata *sd, uint32_t dst, uint16_t port, const void *opt, size_t olen,
	       const void *data, size_t len)
{
	union {
		struct T_unitdata_req req;
		uint8_t raw[256];
	} u;
	struct sockaddr_in sin = ut_sin(dst, port);
	size_t at = sizeof(u.req) + sizeof(sin);
	struct strbuf ctl = { .len = (int)(at + olen), .buf = (char *)u.raw };
	struct strbuf dat = { .len = (int)len, .buf = (char *)data };

	cr_assert_leq(at + olen, sizeof(u.raw));
	memset(&u, 0, sizeof(u));
	u.req.PRIM_type = T_UNITDATA_REQ;
	u.req.DEST_length = sizeof(sin);
	u.req.DEST_offset = sizeof(u.req);
	memcpy(u.raw + sizeof(u.req), &sin, sizeof(sin));
	if (olen != 0) {
		u.req.OPT_length = (t_scalar_t)olen;
		u.req.OPT_offset = (t_scalar_t)at;
		memcpy(u.raw + at, opt, olen);
	}
	return sth_putmsg(sd, &ctl, &dat, 0);
}

int
ut_sendto(struct stdata *sd, uint32_t dst, uint16_t port, const void *data, size_t len)
{
	return ut_sendto_opts(sd, dst, port, NULL, 0, data, len);
}

int
ut_recv_dgram(struct stdata *sd, void *buf, size_t max, struct sockaddr_in *from)
{
	union {
		struct T_unitdata_ind ind;
		uint8_t raw[128];
	} u;
	int dlen = 0, r = ut_get(sd, &u, sizeof(u), buf, max, &dlen);

	if (r < 0)
		return r;
	cr_assert_eq(u.ind.PRIM_type, T_UNITDATA_IND);
	memcpy(from, u.raw + u.ind.SRC_offset, sizeof(*from));
	return dlen;
}

struct T_info_ack
ut_info(struct stdata *sd)
{
	struct T_info_req req = { .PRIM_type = T_INFO_REQ };
	struct T_info_ack ack;

	memset(&ack, 0, sizeof(ack));
	cr_assert_eq(ut_put(sd, &req, sizeof(req), true), 0);
	yt_drain();
	cr_assert_eq(ut_get(sd, &ack, sizeof(ack), NULL, 0, NULL), (int)sizeof(ack));
	cr_assert_eq(ack.PRIM_type, T_INFO_ACK);
	return ack;
}

struct udpstat
ut_udpstat(struct stdata *sd)
{
	struct udpstat st;

	memset(&st, 0, sizeof(st));
	cr_assert_geq(pt_istr(sd, UDP_GETSTATS, &st, sizeof(st)), 0, "UDP_GETSTATS");
	return st;
}

struct stdata *
ut_ep_open(void)
{
	struct stdata *sd;

	cr_assert_eq(sth_open(UDP_DRVNAME, 0, &sd), 0, "open a udp endpoint");
	return sd;
}
