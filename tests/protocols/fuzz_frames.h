/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fuzz tests' frames (header only, like fuzz_rand.h, whose random stream it draws from:
 * each test program has its own): valid frames of every kind the stack takes, as the peer
 * (198.18.0.1) sends them to us, the mutations that spoil them, and the check that a frame
 * yard sent is well formed. Shared by tests/protocols/test_fuzz.c, which injects the frames
 * at the loop driver, and tests/pmd_glue/test_pmd_fuzz.c, which puts them on a net_ring
 * port's RX ring as mbufs it lays out itself. The includer links proto_test.c and
 * udp_test.c.
 */
#ifndef YARD_TEST_FUZZ_FRAMES_H
#define YARD_TEST_FUZZ_FRAMES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>

#include <protocols/tcp.h>
#include <protocols/tcp_hdr.h>
#include <protocols/udp_services.h>

#include "../common/fuzz_rand.h"
#include "proto_test.h"
#include "udp_test.h"

#define FZ_FRAME_MAX 1600
#define UDP_ECHO_PORT 7      /* the XTI echo service: replies built in place */
#define UDP_DISCARD_PORT 9
#define UDP_RAW_PORT 4000    /* a bare TPI endpoint the test reads */
#define UDP_CLOSED_PORT 9999
#define TCP_ECHO_PORT 7      /* the XTI services */
#define TCP_HTTP_PORT 8080

/* ---- frames ---------------------------------------------------------------------------------- */

static inline unsigned
rd16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

static inline void
wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v & 0xffff);
}

/* The transport checksum over the pseudo-header and len bytes at l4 (0 when it is right). */
static inline uint16_t
l4_cksum(const uint8_t *ip, uint8_t proto, const uint8_t *l4, size_t len)
{
	static uint8_t ps[12 + 65536];

	memcpy(ps, ip + 12, 8);
	ps[8] = 0;
	ps[9] = proto;
	wr16(ps + 10, (unsigned)len);
	memcpy(ps + 12, l4, len);
	return pt_cksum(ps, 12 + len);
}

/*
 * Make the checksums of a (mutated) frame right again where its headers still say where they
 * are, so that the mutation is judged by the checks behind the checksum gates.
 */
static inline void
fix_cksums(uint8_t *f, size_t n)
{
	uint8_t *ip = f + 14;
	size_t ihl, tot, l4len;
	uint8_t *l4;
	unsigned at;

	if (n < 14 + 20 || rd16(f + 12) != 0x0800 || (ip[0] >> 4) != 4)
		return;
	ihl = (ip[0] & 0xfu) * 4u;
	if (ihl < 20 || 14 + ihl > n)
		return;
	wr16(ip + 10, 0);
	wr16(ip + 10, pt_cksum(ip, ihl));
	tot = rd16(ip + 2);
	if (tot < ihl || 14 + tot > n || (rd16(ip + 6) & 0x3fff) != 0)
		return; /* a fragment's checksum is the whole datagram's: left as it is */
	l4 = ip + ihl;
	l4len = tot - ihl;
	switch (ip[9]) {
	case IPPROTO_UDP:
		at = 6;
		break;
	case IPPROTO_TCP:
		at = 16;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_IGMP:
		at = 2;
		break;
	default:
		return;
	}
	if (l4len < at + 2)
		return;
	wr16(l4 + at, 0);
	if (ip[9] == IPPROTO_ICMP || ip[9] == IPPROTO_IGMP) {
		wr16(l4 + at, pt_cksum(l4, l4len));
	} else {
		uint16_t c = l4_cksum(ip, ip[9], l4, l4len);

		if (ip[9] == IPPROTO_UDP && c == 0)
			c = 0xffff;
		wr16(l4 + at, c);
	}
}

static inline size_t
fz_udp(uint8_t *f, uint16_t sport, uint16_t dport, size_t dlen)
{
	return ut_frame(f, sport, dport, NULL, dlen);
}

/* Ethernet + IPv4 + a TCP header with options + dlen bytes, checksums right. */
static inline size_t
fz_tcp(uint8_t *f, uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
       const uint8_t *opts, size_t optlen, size_t dlen)
{
	size_t n = pt_eth(f, &pt_mac_us, &pt_mac_peer, RTE_ETHER_TYPE_IPV4);
	size_t thl = 20 + optlen;
	uint8_t *th;

	n += pt_ipv4(f + n, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_TCP, (uint16_t)fz_rand(), 0x4000, 64,
		     NULL, 0, thl + dlen);
	th = f + n;
	memset(th, 0, thl);
	wr16(th, sport);
	wr16(th + 2, dport);
	wr32(th + 4, seq);
	wr32(th + 8, ack);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = flags;
	wr16(th + 14, 65535);
	if (optlen != 0)
		memcpy(th + 20, opts, optlen);
	for (size_t i = 0; i < dlen; i++)
		th[thl + i] = (uint8_t)(i * 7 + 3);
	n += thl + dlen;
	fix_cksums(f, n);
	return n;
}

/* An ICMP error from the peer quoting a datagram we sent (proto, our port sport, its dport). */
static inline size_t
fz_icmp_error(uint8_t *f, uint8_t type, uint8_t code, uint8_t proto, uint16_t sport,
	      uint16_t dport, uint32_t seq, uint16_t mtu)
{
	size_t n = pt_eth(f, &pt_mac_us, &pt_mac_peer, RTE_ETHER_TYPE_IPV4);
	uint8_t *ic;
	size_t q;

	n += pt_ipv4(f + n, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_ICMP, (uint16_t)fz_rand(), 0, 64,
		     NULL, 0, 8 + 20 + 8);
	ic = f + n;
	memset(ic, 0, 8);
	ic[0] = type;
	ic[1] = code;
	wr16(ic + 6, mtu);
	q = pt_ipv4(ic + 8, PT_ADDR_US, PT_ADDR_PEER, proto, 1, 0x4000, 64, NULL, 0, 1000);
	wr16(ic + 8 + q, sport);
	wr16(ic + 8 + q + 2, dport);
	wr32(ic + 8 + q + 4, seq);
	n += 8 + q + 8;
	fix_cksums(f, n);
	return n;
}

/* ---- seeds: one valid frame of each kind the stack handles --------------------------------- */

enum fz_kind {
	FZ_ARP_REQ, FZ_ARP_REPLY, FZ_PING, FZ_PING_OPTS, FZ_UDP, FZ_UDP_CLOSED, FZ_UDP_BIG,
	FZ_FRAG_FIRST, FZ_FRAG_MID, FZ_FRAG_LAST, FZ_ICMP_UNREACH, FZ_ICMP_FRAG_NEEDED,
	FZ_TCP_SYN, FZ_TCP_DATA, FZ_TCP_ACK_SACK, FZ_TCP_FIN, FZ_TCP_RST, FZ_TCP_NO_CONN,
	FZ_MCAST_UDP, FZ_IGMP,
	FZ_KINDS
};

/*
 * The group the UDP echo service joins (fz_join()), one no one joins, and one it joins for
 * one source only (the peer: SSM), which another source's datagrams do not pass.
 */
#define FZ_GROUP PT_IPV4(239, 1, 2, 3)
#define FZ_GROUP_OTHER PT_IPV4(239, 9, 9, 9)
#define FZ_GROUP_SSM PT_IPV4(232, 1, 1, 1)
#define FZ_SRC_OTHER PT_IPV4(198, 18, 0, 9)

/* Let the echo service of the calling lcore take FZ_GROUP's and the peer's FZ_GROUP_SSM's. */
static inline void
fz_join(void)
{
	cr_assert_eq(yard_udp_service_join(UDP_ECHO_PORT, FZ_GROUP), 0);
	cr_assert_eq(yard_udp_service_join_source(UDP_ECHO_PORT, FZ_GROUP_SSM, PT_ADDR_PEER), 0);
}

/* A frame from src to a group (to its MAC, TTL 1; Router Alert if ra) around body. */
static inline size_t
fz_mcast_from(uint8_t *f, uint32_t src, uint32_t group, uint8_t proto, bool ra,
	      const uint8_t *body, size_t blen)
{
	static const uint8_t ra_opt[4] = { 0x94, 0x04, 0, 0 };
	const uint8_t *g = (const uint8_t *)&group;
	struct rte_ether_addr mac = { { 0x01, 0x00, 0x5e, (uint8_t)(g[1] & 0x7f), g[2], g[3] } };
	size_t n = pt_eth(f, &mac, &pt_mac_peer, RTE_ETHER_TYPE_IPV4);

	n += pt_ipv4(f + n, src, group, proto, 11, 0, 1, ra ? ra_opt : NULL, ra ? 4 : 0, blen);
	memcpy(f + n, body, blen);
	return n + blen;
}

static inline size_t
fz_mcast(uint8_t *f, uint32_t group, uint8_t proto, bool ra, const uint8_t *body, size_t blen)
{
	return fz_mcast_from(f, PT_ADDR_PEER, group, proto, ra, body, blen);
}

/*
 * An IGMP message: a query of version 3 (general, about FZ_GROUP, or about the peer as a
 * source of FZ_GROUP_SSM) or 2, or a v2 report.
 */
static inline size_t
fz_igmp(uint8_t *f)
{
	uint8_t m[16] = { 0x11, (uint8_t)(1 + fz_below(20)) };
	uint32_t dst = PT_IPV4(224, 0, 0, 1), group = 0, src = PT_ADDR_PEER;
	size_t len = 12;

	switch (fz_below(5)) {
	case 0: /* v3 general */
		break;
	case 1: /* v3 about the group, sent to it */
		dst = group = FZ_GROUP;
		break;
	case 4: /* v3 about a group and source */
		dst = group = FZ_GROUP_SSM;
		m[11] = 1;
		memcpy(m + 12, &src, 4);
		len = 16;
		break;
	case 2: /* v2 general */
		len = 8;
		break;
	default: /* another host's v2 report */
		m[0] = 0x16, m[1] = 0;
		dst = group = FZ_GROUP;
		len = 8;
		break;
	}
	memcpy(m + 4, &group, 4);
	if (len >= 12)
		m[8] = 2, m[9] = 125;
	wr16(m + 2, pt_cksum(m, len));
	return fz_mcast(f, dst, IPPROTO_IGMP, true, m, len);
}

static inline size_t
fz_frag(uint8_t *f, uint16_t id, unsigned off8, bool more, size_t plen)
{
	size_t n = pt_eth(f, &pt_mac_us, &pt_mac_peer, RTE_ETHER_TYPE_IPV4);

	n += pt_ipv4(f + n, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_UDP, id,
		     (uint16_t)((more ? 0x2000 : 0) | off8), 64, NULL, 0, plen);
	for (size_t i = 0; i < plen; i++)
		f[n + i] = (uint8_t)(i + off8);
	if (off8 == 0 && plen >= 8) { /* the UDP header of a 1480 + 8 + ... datagram */
		wr16(f + n, 5000);
		wr16(f + n + 2, UDP_ECHO_PORT);
		wr16(f + n + 4, 8 + 2000);
		wr16(f + n + 6, 0);
	}
	return n + plen;
}

/* A request the HTTP service parses (the mutations then spoil it). */
static inline size_t
fz_http_request(uint8_t *d)
{
	static const char *const req[] = {
		"GET / HTTP/1.1\r\nHost: yard\r\n\r\n",
		"GET /index.html HTTP/1.0\r\n\r\n",
		"HEAD / HTTP/1.1\r\nHost: yard\r\nConnection: keep-alive\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: yard\r\nContent-Length: 5\r\n\r\nhello",
		"GET / HTTP/1.1\r\nHost: yard\r\n\r\nGET / HTTP/1.1\r\nHost: yard\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	};
	const char *r = req[fz_below(RTE_DIM(req))];

	memcpy(d, r, strlen(r));
	return strlen(r);
}

/* Where the TCP seeds go: a connection (as tcp's table has it) and the port SYNs are sent to. */
struct fz_tcp_target {
	uint16_t lport, fport;   /* our port and the peer's (0 if there is no connection yet) */
	uint32_t rcv, una, nxt;  /* its RCV.NXT, SND.UNA and SND.NXT (1001, 1, 1 if unknown) */
	uint16_t listen_port;    /* a listener: SYNs go there, segments to listen_port + 1 find
				  * no connection */
};

/* The connection lport <- fport (the peer's) as tcp's table has it; false if it is not there. */
static inline bool
fz_tcp_conn_info(uint16_t lport, uint16_t fport, struct tcp_conninfo *ci)
{
	static struct yard_tcp_conn_row rows[256];
	int n = yard_tcp_conns_snapshot(rows, RTE_DIM(rows));

	for (int i = 0; i < n && i < (int)RTE_DIM(rows); i++)
		if (rows[i].tr_lport == rte_cpu_to_be_16(lport) &&
		    rows[i].tr_fport == rte_cpu_to_be_16(fport) && rows[i].tr_faddr != 0) {
			*ci = rows[i].tr_info;
			return true;
		}
	return false;
}

/* A valid frame of kind k; the TCP ones to or about c. */
static inline size_t
fz_seed_frame_to(uint8_t *f, enum fz_kind k, const struct fz_tcp_target *c)
{
	uint8_t o[40];
	uint32_t rcv = c->rcv, una = c->una, nxt = c->nxt;

	switch (k) {
	case FZ_ARP_REQ:
		return pt_arp(f, &pt_mac_bcast, 1, &pt_mac_peer, PT_ADDR_PEER, &pt_mac_bcast,
			      PT_ADDR_US);
	case FZ_ARP_REPLY:
		return pt_arp(f, &pt_mac_us, 2, &pt_mac_peer, PT_ADDR_PEER, &pt_mac_us, PT_ADDR_US);
	case FZ_PING:
		return pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 0x77, (uint16_t)fz_rand(), fz_below(200));
	case FZ_PING_OPTS: {
		/* record route with room for two, then end of options */
		static const uint8_t rr[8] = { 7, 7, 4, 0, 0, 0, 0, 0 };
		size_t n = pt_eth(f, &pt_mac_us, &pt_mac_peer, RTE_ETHER_TYPE_IPV4);
		size_t h = pt_ipv4(f + n, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_ICMP, 9, 0, 64, rr,
				   sizeof(rr), 8 + 16);

		pt_icmp_echo(f + n + h, 8, 0x78, 1, 16);
		return n + h + 8 + 16;
	}
	case FZ_UDP: {
		static const uint16_t port[] = { UDP_ECHO_PORT, UDP_DISCARD_PORT, UDP_RAW_PORT };

		return fz_udp(f, 5000, port[fz_below(RTE_DIM(port))], fz_below(64));
	}
	case FZ_UDP_CLOSED:
		/* half to an ephemeral port: with several lcores, half of those another's share */
		return fz_udp(f, 5000, fz_below(2) ? UDP_CLOSED_PORT :
				      (uint16_t)(UDP_PORT_EPH_LO + fz_below(64)), fz_below(64));
	case FZ_UDP_BIG:
		return fz_udp(f, 5001, UDP_ECHO_PORT, 1472);
	case FZ_FRAG_FIRST:
		return fz_frag(f, (uint16_t)(0x100 + fz_below(4)), 0, true, 1480);
	case FZ_FRAG_MID:
		return fz_frag(f, (uint16_t)(0x100 + fz_below(4)), 185, true, 200);
	case FZ_FRAG_LAST:
		return fz_frag(f, (uint16_t)(0x100 + fz_below(4)), 210, false, 328);
	case FZ_ICMP_UNREACH:
		/* about the echo service's reply, or a client's ephemeral port (steered) */
		return fz_icmp_error(f, 3, 3, IPPROTO_UDP, fz_below(2) ? UDP_ECHO_PORT :
				     (uint16_t)(UDP_PORT_EPH_LO + fz_below(64)), 5000, 0, 0);
	case FZ_ICMP_FRAG_NEEDED:
		return fz_icmp_error(f, 3, 4, IPPROTO_TCP, c->lport, c->fport, una,
				     (uint16_t)(576 + fz_below(1000)));
	case FZ_TCP_SYN: {
		static const uint8_t so[20] = { TCPOPT_MAXSEG, 4, 0x05, 0xb4, TCPOPT_SACK_PERMITTED,
						2, TCPOPT_TIMESTAMP, 10, 0, 0, 0, 1, 0, 0, 0, 0,
						TCPOPT_NOP, TCPOPT_WINDOW, 3, 9 };

		return fz_tcp(f, (uint16_t)(30000 + fz_below(64)), c->listen_port, TH_SYN,
			      (uint32_t)fz_rand(), 0, so, sizeof(so), 0);
	}
	case FZ_TCP_DATA: {
		uint8_t req[256];
		size_t n, dl;

		if (c->lport != TCP_HTTP_PORT)
			return fz_tcp(f, c->fport, c->lport, TH_ACK | TH_PSH, rcv, una, NULL, 0,
				      1 + fz_below(1400));
		/* the request's bytes where fz_tcp put its pattern */
		dl = fz_http_request(req);
		n = fz_tcp(f, c->fport, c->lport, TH_ACK | TH_PSH, rcv, una, NULL, 0, dl);
		memcpy(f + n - dl, req, dl);
		fix_cksums(f, n);
		return n;
	}
	case FZ_TCP_ACK_SACK: {
		uint32_t l = una + 1000 * (1 + fz_below(2)), r = nxt;

		memset(o, 0, sizeof(o));
		o[0] = TCPOPT_NOP, o[1] = TCPOPT_NOP, o[2] = TCPOPT_SACK, o[3] = 10;
		wr32(o + 4, l);
		wr32(o + 8, r);
		return fz_tcp(f, c->fport, c->lport, TH_ACK, rcv, una + fz_below(3) * 500, o, 12,
			      0);
	}
	case FZ_TCP_FIN:
		return fz_tcp(f, c->fport, c->lport, TH_ACK | TH_FIN, rcv, una, NULL, 0, 0);
	case FZ_TCP_RST:
		return fz_tcp(f, c->fport, c->lport, TH_RST, rcv + fz_below(3) * 1000, 0, NULL,
			      0, 0);
	case FZ_TCP_NO_CONN:
		return fz_tcp(f, 12345, c->listen_port + 1, TH_ACK, 5, 6, NULL, 0, 10);
	case FZ_MCAST_UDP: {
		/* to the echo service's groups (answered), to one not joined or from a source
		 * the SSM group's filter leaves out (dropped) */
		unsigned pick = fz_below(6);
		uint32_t g = pick < 3 ? FZ_GROUP : pick == 3 ? FZ_GROUP_OTHER : FZ_GROUP_SSM;
		uint32_t src = pick == 5 ? FZ_SRC_OTHER : PT_ADDR_PEER;
		uint8_t u[80];
		size_t ul = ut_udp(u, src, g, 5002, UDP_ECHO_PORT, NULL, fz_below(64));

		return fz_mcast_from(f, src, g, IPPROTO_UDP, false, u, ul);
	}
	case FZ_IGMP:
		return fz_igmp(f);
	default:
		cr_assert_fail("kind %d", k);
	}
	return 0;
}

/* ---- one datagram's fragments, as a lossy, reordering, duplicating path delivers them -------- */

#define FZ_FRAG_SET_MAX 24 /* frames fz_frag_set() writes at most */

/* A piece of a datagram: bytes [off, off + len) of its IP payload, more fragments or not. */
struct fz_piece {
	unsigned off, len;
	bool more;
};

/*
 * One datagram from the peer, identification id -- a UDP datagram to the echo or the discard
 * service (UDP checksum right over the whole of it) or a ping, 16 to 4015 bytes of IP payload
 * -- cut into fragments at 8-byte boundaries (64 to 1480 bytes each), then spoiled as a path
 * may: a piece lost, one sent twice, one overlapping its neighbours (RFC 5722 says drop the
 * datagram), a last piece that says it is not, the order shuffled or reversed. The frames go
 * into f[0..n) (n returned, at most FZ_FRAG_SET_MAX), their lengths into len[]. Which lcore
 * each one reaches is the caller's choice: ip sends every fragment to its datagram's owner.
 */
static inline unsigned
fz_frag_set(uint8_t (*f)[FZ_FRAME_MAX], size_t *len, uint16_t id)
{
	static uint8_t dg[4096];
	struct fz_piece pc[FZ_FRAG_SET_MAX];
	unsigned plen = 16 + fz_below(4000), np = 0, k = fz_below(4);
	/* at least plen / 16 per piece, so that 16 pieces carry it all */
	unsigned lmin = RTE_MAX(64u, ((plen + 15) / 16 + 7) & ~7u);
	uint8_t proto = k == 0 ? IPPROTO_ICMP : IPPROTO_UDP;

	if (proto == IPPROTO_ICMP) {
		pt_icmp_echo(dg, 8, 0x79, id, plen - 8);
	} else {
		uint8_t ip[20];

		for (unsigned i = 8; i < plen; i++)
			dg[i] = (uint8_t)(i * 13 + id);
		wr16(dg, 5002);
		wr16(dg + 2, k == 1 ? UDP_DISCARD_PORT : UDP_ECHO_PORT);
		wr16(dg + 4, plen);
		wr16(dg + 6, 0);
		(void)pt_ipv4(ip, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_UDP, id, 0, 64, NULL, 0, plen);
		k = l4_cksum(ip, IPPROTO_UDP, dg, plen);
		wr16(dg + 6, k != 0 ? k : 0xffff);
	}
	for (unsigned off = 0; off < plen;) {
		unsigned l = RTE_MAX(lmin, 8 * (8 + fz_below(178)));

		if (off + l >= plen)
			l = plen - off;
		pc[np++] = (struct fz_piece){ off, l, off + l < plen };
		off += l;
	}
	if (np > 1 && fz_below(6) == 0) { /* one lost: the datagram times out */
		unsigned i = fz_below(np);

		pc[i] = pc[--np];
	}
	if (fz_below(6) == 0) /* one sent twice */
		pc[np] = pc[fz_below(np)], np++;
	if (fz_below(6) == 0) { /* one overlapping: 8 bytes into a piece, up to 200 past it */
		struct fz_piece p = pc[fz_below(np)];

		if (p.len > 8) {
			p.off += 8;
			p.len = RTE_MIN(RTE_MIN(p.len - 8 + 8 * fz_below(26), 1480u),
					plen - p.off);
			p.more = p.off + p.len < plen;
			if (p.more)
				p.len &= ~7u;
			if (p.len != 0)
				pc[np++] = p;
		}
	}
	if (fz_below(10) == 0) /* a piece that says it is the last */
		pc[fz_below(np)].more = false;
	switch (fz_below(4)) {
	case 0: /* in order */
		break;
	case 1: /* reversed: the last first, so the length is known early */
		for (unsigned i = 0; i < np / 2; i++) {
			struct fz_piece t = pc[i];

			pc[i] = pc[np - 1 - i];
			pc[np - 1 - i] = t;
		}
		break;
	default: /* shuffled */
		for (unsigned i = np - 1; i > 0; i--) {
			unsigned j = fz_below(i + 1);
			struct fz_piece t = pc[i];

			pc[i] = pc[j];
			pc[j] = t;
		}
		break;
	}
	for (unsigned i = 0; i < np; i++) {
		size_t n = pt_eth(f[i], &pt_mac_us, &pt_mac_peer, RTE_ETHER_TYPE_IPV4);

		n += pt_ipv4(f[i] + n, PT_ADDR_PEER, PT_ADDR_US, proto, id,
			     (uint16_t)((pc[i].more ? 0x2000 : 0) | pc[i].off / 8), 64, NULL, 0,
			     pc[i].len);
		memcpy(f[i] + n, dg + pc[i].off, pc[i].len);
		len[i] = n + pc[i].len;
	}
	return np;
}

/* ---- mutations --------------------------------------------------------------------------- */

/* Offsets of fields worth hitting: Ethernet type, IPv4 header, the first 40 transport bytes. */
static inline unsigned
fz_field(size_t n)
{
	static const unsigned at[] = { 12, 14, 16, 18, 20, 22, 24, 34, 36, 38, 40, 42, 44, 46, 48 };
	unsigned i = fz_below(RTE_DIM(at) + 4);

	if (i < RTE_DIM(at))
		return at[i] < n ? at[i] : 0;
	return n > 2 ? fz_below((unsigned)n - 1) : 0;
}

static inline unsigned
fz_interesting16(size_t n)
{
	static const unsigned v[] = { 0, 1, 2, 4, 7, 8, 19, 20, 21, 24, 40, 60, 64, 576, 1480,
				      1500, 0x7fff, 0x8000, 0xfffe, 0xffff };
	unsigned i = fz_below(RTE_DIM(v) + 3);

	if (i < RTE_DIM(v))
		return v[i];
	if (i == RTE_DIM(v))
		return (unsigned)n - 14 + fz_below(3) - 1;
	return (unsigned)fz_rand() & 0xffff;
}

static inline size_t
fz_mutate(uint8_t *f, size_t n, size_t max)
{
	unsigned k = 1 + fz_below(4);

	for (unsigned m = 0; m < k && n > 0; m++) {
		unsigned at;

		switch (fz_below(12)) {
		case 0: /* a bit */
			at = fz_below((unsigned)n);
			f[at] ^= (uint8_t)(1u << fz_below(8));
			break;
		case 1: /* a byte */
			f[fz_below((unsigned)n)] = (uint8_t)fz_rand();
			break;
		case 2: case 3: /* a 16-bit field to a boundary value */
			at = fz_field(n);
			if (at + 1 < n)
				wr16(f + at, fz_interesting16(n));
			break;
		case 4: /* IHL */
			if (n > 14)
				f[14] = (uint8_t)((f[14] & 0xf0) | fz_below(16));
			break;
		case 5: /* flags and fragment offset */
			if (n > 21)
				wr16(f + 20, (unsigned)fz_rand() & 0xffff);
			break;
		case 6: /* protocol, TTL */
			if (n > 23) {
				static const uint8_t p[] = { 1, 6, 17, 2, 0, 255 };

				f[23] = p[fz_below(RTE_DIM(p))];
				if (fz_below(4) == 0)
					f[22] = (uint8_t)fz_below(3);
			}
			break;
		case 7: /* TCP data offset and flags (where a 20-byte IPv4 header puts them) */
			if (n > 14 + 20 + 14) {
				f[14 + 20 + 12] = (uint8_t)(fz_below(16) << 4);
				if (fz_below(2))
					f[14 + 20 + 13] = (uint8_t)fz_rand();
			}
			break;
		case 8: /* option bytes: lengths 0, 1, 255, past the end */
			if (n > 14 + 20 + 24) {
				at = 14 + 20 + 20 + fz_below(4);
				f[at] = (uint8_t)fz_below(9);
				f[at + 1] = (uint8_t)(fz_below(2) ? fz_below(3) : fz_rand());
			}
			break;
		case 9: /* truncate */
			n = fz_below((unsigned)n + 1);
			break;
		case 10: /* extend */
			if (n < max) {
				size_t add = 1 + fz_below(RTE_MIN(64u, (unsigned)(max - n)));

				for (size_t i = 0; i < add; i++)
					f[n + i] = (uint8_t)fz_rand();
				n += add;
			}
			break;
		default: /* ARP fields: hlen, plen, op */
			if (n >= 14 + 8)
				f[14 + 4 + fz_below(4)] = (uint8_t)fz_below(4);
			break;
		}
	}
	if (fz_below(4) != 0)
		fix_cksums(f, n);
	return n;
}

/* ---- what yard sends must be well formed ------------------------------------------------------ */

/*
 * One frame yard sent: a 60-byte ARP frame, or IPv4 with its header and checksums right
 * (sums false: only the shape, for what yard built over a checksum a lying NIC called good).
 */
static inline void
fz_check_frame_sums(const uint8_t *f, size_t n, bool sums)
{
	const uint8_t *ip = f + 14;
	size_t ihl, tot;

	cr_assert_geq(n, 14, "seed %#lx: a runt frame sent", (unsigned long)fz_seed);
	if (rd16(f + 12) == 0x0806) {
		cr_assert_eq(n, 60, "seed %#lx: ARP frame of %zu bytes", (unsigned long)fz_seed, n);
		return;
	}
	cr_assert_eq(rd16(f + 12), 0x0800, "seed %#lx: ethertype %#x sent", (unsigned long)fz_seed,
		     rd16(f + 12));
	cr_assert_geq(n, 14 + 20);
	ihl = (ip[0] & 0xfu) * 4u;
	tot = rd16(ip + 2);
	cr_assert_eq(ip[0] >> 4, 4);
	cr_assert_geq(ihl, 20);
	cr_assert_eq(tot, n - 14, "seed %#lx: total length %zu in a frame of %zu",
		     (unsigned long)fz_seed, tot, n);
	cr_assert_neq(ip[8], 0, "TTL 0 sent");
	if (!sums)
		return;
	cr_assert_eq(pt_cksum(ip, ihl), 0, "seed %#lx: bad IPv4 header checksum sent",
		     (unsigned long)fz_seed);
	if ((rd16(ip + 6) & 0x3fff) != 0)
		return; /* a fragment: the transport checksum is the datagram's */
	if (ip[9] == IPPROTO_ICMP || ip[9] == IPPROTO_IGMP)
		cr_assert_eq(pt_cksum(ip + ihl, tot - ihl), 0, "seed %#lx: bad %s checksum sent",
			     (unsigned long)fz_seed, ip[9] == IPPROTO_ICMP ? "ICMP" : "IGMP");
	else if (ip[9] == IPPROTO_TCP || ip[9] == IPPROTO_UDP)
		cr_assert_eq(l4_cksum(ip, ip[9], ip + ihl, tot - ihl), 0,
			     "seed %#lx: bad %s checksum sent", (unsigned long)fz_seed,
			     ip[9] == IPPROTO_TCP ? "TCP" : "UDP");
}

static inline void
fz_check_frame(const uint8_t *f, size_t n)
{
	fz_check_frame_sums(f, n, true);
}

/* What arp's counters say became of the frames it received: passed up, or dropped by a reason. */
static inline uint64_t
fz_arp_out(const struct arpstat *a)
{
	return a->arps_rx_ipv4 + a->arps_rx_arp + a->arps_drop_short + a->arps_drop_not_for_us +
	       a->arps_drop_ipv6 + a->arps_drop_vlan + a->arps_drop_other_type +
	       a->arps_drop_unconfigured + a->arps_drop_rx_nomem;
}

/* The counters that moved, on one line per module: what the run reached. */
static inline void
fz_log_counters(const char *what, const void *st, size_t size, const char *(*name)(unsigned))
{
	const uint64_t *v = st;
	char line[4096];
	size_t n = 0;

	for (unsigned i = 0; i < size / sizeof(uint64_t) && n < sizeof(line) - 64; i++)
		if (v[i] != 0 && name(i) != NULL)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %s %lu", name(i),
					      (unsigned long)v[i]);
	line[n] = '\0';
	cr_log_info("%s:%s", what, line);
}

/*
 * parts pieces of n bytes: cut[0] = 0, cut[parts] = n, the cuts between drawn at random and
 * sorted (equal ones make empty pieces: a chain may carry those).
 */
static inline void
fz_cuts(size_t *cut, unsigned parts, size_t n)
{
	cut[0] = 0;
	for (unsigned i = 1; i < parts; i++)
		cut[i] = fz_below((unsigned)n + 1);
	cut[parts] = n;
	for (unsigned i = 1; i < parts; i++)
		for (unsigned j = i + 1; j < parts; j++)
			if (cut[j] < cut[i]) {
				size_t t = cut[i];

				cut[i] = cut[j];
				cut[j] = t;
			}
}

#endif
