/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the protocol suites (see proto_test.h). */
#include "proto_test.h"

#include <stdbool.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ip.h>

const struct rte_ether_addr pt_mac_us = { .addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 } };
const struct rte_ether_addr pt_mac_peer = { .addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };
const struct rte_ether_addr pt_mac_bcast = {
	.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
};

static unsigned pt_timers_base;
static bool pt_based;

static void
pt_base(void)
{
	if (!pt_based) {
		pt_timers_base = yard_timeouts_pending();
		pt_based = true;
	}
}

void
pt_assert_clean(void)
{
	pt_base();
	yt_drain();
	cr_assert_eq(yt_msgs_outstanding(), 0, "%d message block(s) leaked", yt_msgs_outstanding());
	cr_assert_eq(yard_timeouts_pending(), pt_timers_base, "timers left pending");
}

int
pt_istr(struct stdata *sd, int cmd, void *data, int len)
{
	struct strioctl ic = { .ic_cmd = cmd, .ic_timout = 5, .ic_len = len, .ic_dp = data };

	return sth_ioctl(sd, I_STR, (intptr_t)&ic);
}

void
pt_link_open_vlan(struct pt_link *l, uint16_t port, uint32_t caps, uint16_t mtu, uint16_t vlan)
{
	struct arp_ifreq ifr = {
		.ai_mac = pt_mac_us,
		.ai_port = port,
		.ai_addr = PT_ADDR_US,
		.ai_prefix = PT_PREFIX,
		.ai_mtu = mtu,
		.ai_caps = caps,
		.ai_vlan = vlan,
	};
	uint8_t f[128];
	int one = 1;

	pt_base();
	memset(l, 0, sizeof(*l));
	cr_assert_eq(sth_open("loop", 0, &l->sd), 0, "open loop");
	l->minor = yard_loop_minor(l->sd);
	cr_assert_geq(l->minor, 0);
	cr_assert_eq(sth_ioctl(l->sd, I_PUSH, (intptr_t)ARP_MODNAME), 0, "push arp");
	cr_assert_geq(pt_istr(l->sd, LOOP_CAPTURE, &one, sizeof(one)), 0, "LOOP_CAPTURE");
	cr_assert_geq(pt_istr(l->sd, ARP_SETIF, &ifr, sizeof(ifr)), 0, "ARP_SETIF");
	yt_drain();
	cr_assert_eq(pt_take(l->minor, f, sizeof(f)), 60, "one gratuitous ARP at ARP_SETIF");
	if (vlan != 0) {
		cr_assert(f[12] == 0x81 && f[13] == 0x00 && f[14] == vlan >> 8 &&
			  f[15] == (vlan & 0xff) && f[16] == 0x08 && f[17] == 0x06,
			  "the gratuitous ARP carries the link's tag");
	} else {
		cr_assert(f[12] == 0x08 && f[13] == 0x06, "an untagged gratuitous ARP");
	}
	cr_assert_eq(pt_take(l->minor, f, sizeof(f)), 0, "only one");
}

void
pt_link_open(struct pt_link *l, uint16_t port, uint32_t caps, uint16_t mtu)
{
	pt_link_open_vlan(l, port, caps, mtu, 0);
}

void
pt_link_close(struct pt_link *l)
{
	yt_drain();
	(void)pt_discard(l->minor);
	cr_assert_eq(sth_close(l->sd), 0, "close link");
	l->sd = NULL;
}

void
pt_stack_open(struct pt_stack *s, uint32_t caps, uint16_t mtu)
{
	pt_stack_open_vlan(s, caps, mtu, 0);
}

void
pt_stack_open_vlan(struct pt_stack *s, uint32_t caps, uint16_t mtu, uint16_t vlan)
{
	struct arp_entry ae = { .ae_addr = PT_ADDR_PEER, .ae_mac = pt_mac_peer };
	struct ip_ifreq ifr;
	int muxid;

	pt_base();
	memset(s, 0, sizeof(*s));
	cr_assert_eq(sth_open(IP_DRVNAME, 0, &s->ip), 0, "open ip");
	pt_link_open_vlan(&s->link, 0, caps, mtu, vlan);
	cr_assert_geq(pt_istr(s->link.sd, ARP_ADD, &ae, sizeof(ae)), 0, "ARP_ADD peer");
	muxid = sth_ioctl(s->ip, I_LINK, (intptr_t)s->link.sd);
	cr_assert_gt(muxid, 0, "I_LINK: %d", muxid);
	s->link.muxid = muxid;
	ifr = (struct ip_ifreq){
		.ii_muxid = muxid,
		.ii_addr = PT_ADDR_US,
		.ii_prefix = PT_PREFIX,
		.ii_mtu = mtu,
		.ii_caps = caps,
	};
	cr_assert_geq(pt_istr(s->ip, IP_IFADD, &ifr, sizeof(ifr)), 0, "IP_IFADD");
}

void
pt_stack_close(struct pt_stack *s)
{
	yt_drain();
	(void)pt_discard(s->link.minor);
	cr_assert_eq(sth_close(s->ip), 0, "close ip (unlinks)");
	pt_link_close(&s->link);
}

/* A frame up a minor in a received buffer whose mbuf says ol_flags and port. */
static void
pt_inject_mbuf(int minor, const void *frame, size_t len, uint64_t ol_flags, uint16_t port)
{
	mblk_t *mp = yard_allocb_hr(len, RTE_PKTMBUF_HEADROOM);

	cr_assert_not_null(mp);
	memcpy(mp->b_wptr, frame, len);
	mp->b_wptr += len;
	yard_mblk_mbuf(mp)->ol_flags |= ol_flags;
	yard_mblk_mbuf(mp)->port = port;
	cr_assert_eq(yard_loop_inject(minor, mp), 0);
	yt_drain();
}

void
pt_inject_flags(int minor, const void *frame, size_t len, uint64_t ol_flags)
{
	pt_inject_mbuf(minor, frame, len, ol_flags, RTE_MBUF_PORT_INVALID);
}

void
pt_inject_port(int minor, const void *frame, size_t len, uint16_t port)
{
	pt_inject_mbuf(minor, frame, len, 0, port);
}

void
pt_inject(int minor, const void *frame, size_t len)
{
	pt_inject_flags(minor, frame, len, 0);
}

size_t
pt_take(int minor, uint8_t *buf, size_t max)
{
	mblk_t *mp = yard_loop_take(minor);
	size_t n = 0;

	if (mp == NULL)
		return 0;
	cr_assert_eq(DB_TYPE(mp), M_DATA, "captured a non-data message");
	for (mblk_t *bp = mp; bp != NULL; bp = bp->b_cont) {
		cr_assert_leq(n + MBLKL(bp), max, "captured frame larger than the buffer");
		memcpy(buf + n, bp->b_rptr, MBLKL(bp));
		n += MBLKL(bp);
	}
	freemsg(mp);
	return n;
}

unsigned
pt_discard(int minor)
{
	unsigned n = 0;
	mblk_t *mp;

	while ((mp = yard_loop_take(minor)) != NULL) {
		freemsg(mp);
		n++;
	}
	return n;
}

void
pt_run_ms(unsigned ms)
{
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz() * ms / 1000;

	do {
		yt_drain();
		rte_delay_us_sleep(500);
	} while (rte_get_timer_cycles() < end);
	yt_drain();
}

uint16_t
pt_cksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t
pt_eth(uint8_t *buf, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
       uint16_t type)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	buf[12] = (uint8_t)(type >> 8);
	buf[13] = (uint8_t)type;
	return 14;
}

size_t
pt_arp(uint8_t *buf, const struct rte_ether_addr *eth_dst, uint16_t op,
       const struct rte_ether_addr *sha, uint32_t sip, const struct rte_ether_addr *tha,
       uint32_t tip)
{
	uint8_t *a = buf + pt_eth(buf, eth_dst, sha, RTE_ETHER_TYPE_ARP);

	memset(a, 0, 60 - 14);
	a[0] = 0, a[1] = 1;          /* Ethernet */
	a[2] = 0x08, a[3] = 0x00;    /* IPv4 */
	a[4] = 6, a[5] = 4;
	a[6] = (uint8_t)(op >> 8), a[7] = (uint8_t)op;
	memcpy(a + 8, sha, 6);
	memcpy(a + 14, &sip, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, &tip, 4);
	return 60;
}

size_t
pt_ipv4(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id, uint16_t frag,
	uint8_t ttl, const uint8_t *opts, size_t optlen, size_t plen)
{
	size_t hlen = 20 + optlen;
	uint16_t c;

	cr_assert_eq(hlen % 4, 0);
	buf[0] = (uint8_t)(0x40 | hlen / 4);
	buf[1] = 0;
	buf[2] = (uint8_t)((hlen + plen) >> 8), buf[3] = (uint8_t)(hlen + plen);
	buf[4] = (uint8_t)(id >> 8), buf[5] = (uint8_t)id;
	buf[6] = (uint8_t)(frag >> 8), buf[7] = (uint8_t)frag;
	buf[8] = ttl;
	buf[9] = proto;
	buf[10] = buf[11] = 0;
	memcpy(buf + 12, &src, 4);
	memcpy(buf + 16, &dst, 4);
	if (optlen)
		memcpy(buf + 20, opts, optlen);
	c = pt_cksum(buf, hlen);
	buf[10] = (uint8_t)(c >> 8), buf[11] = (uint8_t)c;
	return hlen;
}

size_t
pt_icmp_echo(uint8_t *buf, uint8_t type, uint16_t id, uint16_t seq, size_t dlen)
{
	uint16_t c;

	buf[0] = type;
	buf[1] = 0;
	buf[2] = buf[3] = 0;
	buf[4] = (uint8_t)(id >> 8), buf[5] = (uint8_t)id;
	buf[6] = (uint8_t)(seq >> 8), buf[7] = (uint8_t)seq;
	for (size_t i = 0; i < dlen; i++)
		buf[8 + i] = (uint8_t)(i * 7 + 3);
	c = pt_cksum(buf, 8 + dlen);
	buf[2] = (uint8_t)(c >> 8), buf[3] = (uint8_t)c;
	return 8 + dlen;
}

size_t
pt_ping(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t id, uint16_t seq, size_t dlen)
{
	size_t n = pt_eth(buf, &pt_mac_us, &pt_mac_peer, RTE_ETHER_TYPE_IPV4);

	n += pt_ipv4(buf + n, src, dst, IPPROTO_ICMP, id, 0, 64, NULL, 0, 8 + dlen);
	n += pt_icmp_echo(buf + n, 8, id, seq, dlen);
	return n;
}

struct arpstat
pt_arpstat(struct stdata *sd)
{
	struct arpstat st;

	memset(&st, 0, sizeof(st));
	cr_assert_geq(pt_istr(sd, ARP_GETSTATS, &st, sizeof(st)), 0, "ARP_GETSTATS");
	return st;
}

struct ip_stats
pt_ipstat(struct stdata *sd)
{
	struct ip_stats st;

	memset(&st, 0, sizeof(st));
	cr_assert_geq(pt_istr(sd, IP_GETSTATS, &st, sizeof(st)), 0, "IP_GETSTATS");
	return st;
}
