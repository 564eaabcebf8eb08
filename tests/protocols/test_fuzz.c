/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mutation fuzzing of the whole receive path: arp, ip (reassembly, ICMP), udp and tcp, in the
 * states that give them the most to parse -- the XTI services yard runs (UDP echo and
 * discard, TCP echo, HTTP), a bare UDP endpoint, a TCP listener and connections to each, one
 * with data in flight. Valid frames of every kind are mutated (bits, bytes, length
 * and offset fields, truncation, extension, headers cut across blocks), their checksums mostly
 * set right again so the mutation reaches past the checksum gates, and injected in bursts
 * mixed with unmutated ones, as a driver passes them up (the short ways of the burst paths
 * must fall back correctly in the middle of a burst).
 *
 * What must hold, whatever arrives: no crash and nothing the sanitizers see (the asan build
 * runs this too); every frame arp received is counted exactly once, passed up or dropped by
 * reason; whatever yard sends is well formed (a valid IPv4 header and transport checksum, or
 * a 60-byte ARP frame); and when everything is closed, every message block, timer and wrapped
 * buffer is back. Half the blocks wrap heap memory of exactly their size, so that under ASan a
 * read one byte past a frame is caught (see fz_block()).
 *
 * FUZZ_ITERS (frames per test, default 20000) and FUZZ_SEED (default fixed, so CI is
 * repeatable) set the run: FUZZ_ITERS=5000000 FUZZ_SEED=$RANDOM build/asan/... for a long one.
 * A failure names the seed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include <protocols/tcp.h>
#include <protocols/tcp_hdr.h>
#include <protocols/tcp_services.h>
#include <protocols/udp_services.h>
#include <protocols/tihdr.h>
#include <streams/loop.h>

#include "../common/fuzz_rand.h"
#include "proto_test.h"
#include "tcp_test.h"
#include "udp_test.h"

TestSuite(fuzz, .init = yt_setup, .fini = yt_teardown);

#define FZ_FRAME_MAX 1600
#define FZ_BURST_MAX 32
#define UDP_ECHO_PORT 7      /* the XTI echo service: replies built in place */
#define UDP_DISCARD_PORT 9
#define UDP_RAW_PORT 4000    /* a bare TPI endpoint the test reads */
#define UDP_CLOSED_PORT 9999
#define TCP_ECHO_PORT 7      /* the XTI services */
#define TCP_HTTP_PORT 8080

/* ---- randomness (fuzz_rand.h): each test its own stream, named in its log ------------------ */

static void
fz_seed_init(unsigned salt)
{
	fz_seed_init_env(salt);
	cr_log_info("fuzz seed %#lx (FUZZ_SEED=%#lx reproduces this test)", (unsigned long)fz_seed,
		    (unsigned long)(fz_seed - salt));
}

/* ---- frames ---------------------------------------------------------------------------------- */

static unsigned
rd16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

static void
wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v & 0xffff);
}

/* The transport checksum over the pseudo-header and len bytes at l4 (0 when it is right). */
static uint16_t
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
static void
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
		at = 2;
		break;
	default:
		return;
	}
	if (l4len < at + 2)
		return;
	wr16(l4 + at, 0);
	if (ip[9] == IPPROTO_ICMP) {
		wr16(l4 + at, pt_cksum(l4, l4len));
	} else {
		uint16_t c = l4_cksum(ip, ip[9], l4, l4len);

		if (ip[9] == IPPROTO_UDP && c == 0)
			c = 0xffff;
		wr16(l4 + at, c);
	}
}

static size_t
fz_udp(uint8_t *f, uint16_t sport, uint16_t dport, size_t dlen)
{
	return ut_frame(f, sport, dport, NULL, dlen);
}

/* Ethernet + IPv4 + a TCP header with options + dlen bytes, checksums right. */
static size_t
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
static size_t
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

/* ---- the stack under test ------------------------------------------------------------------- */

/* A connection from the peer kept up through the run (made again when the fuzz ends it). */
struct fz_conn {
	uint16_t lport, fport;
	struct stdata *acc; /* the raw listener's accepted stream; NULL for a service's */
};

enum { FZ_CONN_RAW, FZ_CONN_ECHO, FZ_CONN_HTTP, FZ_NCONN };

struct fz {
	struct yard_udp_plumbing up;
	struct stdata *udp_ep;
	struct stdata *lsn;
	struct fz_conn c[FZ_NCONN];
	unsigned conns;
};

static struct fz fz;

/* Throw away whatever is waiting at a stream head. */
static void
fz_drain_head(struct stdata *sd)
{
	char buf[4096];

	if (sd == NULL)
		return;
	for (int i = 0; i < 10000 && tt_get(sd, buf, sizeof(buf), NULL) != -1; i++)
		;
}

/*
 * Our SYN,ACK to fport among what was sent (the fuzz's ARP and ICMP traffic and its
 * timers may have sent other frames meanwhile); its ISS in *iss.
 */
static void fz_check_frame(const uint8_t *f, size_t n);
static void fz_check_output(unsigned *frames);

static bool
fz_take_synack(uint16_t fport, uint32_t *iss)
{
	static uint8_t f[70000];
	bool found = false;
	size_t n;

	while ((n = pt_take(tt_s.link.minor, f, sizeof(f))) != 0) {
		const uint8_t *ip = f + 14, *th;
		size_t ihl;

		fz_check_frame(f, n);
		if (n < 14 + 20 || rd16(f + 12) != 0x0800 || ip[9] != IPPROTO_TCP)
			continue;
		ihl = (ip[0] & 0xfu) * 4u;
		if (n < 14 + ihl + 20)
			continue;
		th = ip + ihl;
		if (th[13] == (TH_SYN | TH_ACK) && rd16(th + 2) == fport) {
			*iss = (uint32_t)rd16(th + 4) << 16 | rd16(th + 6);
			found = true;
		}
	}
	return found;
}

/* A connection's row from tcp's table: state and sequence variables; false if it is gone. */
static bool
fz_conn_info(const struct fz_conn *c, struct tcp_conninfo *ci)
{
	static struct yard_tcp_conn_row rows[256];
	int n = yard_tcp_conns_snapshot(rows, RTE_DIM(rows));

	for (int i = 0; i < n && i < (int)RTE_DIM(rows); i++)
		if (rows[i].tr_lport == rte_cpu_to_be_16(c->lport) &&
		    rows[i].tr_fport == rte_cpu_to_be_16(c->fport) && rows[i].tr_faddr != 0) {
			*ci = rows[i].tr_info;
			return true;
		}
	return false;
}

static bool
fz_conn_up(const struct fz_conn *c)
{
	struct tcp_conninfo ci;

	return c->fport != 0 && fz_conn_info(c, &ci) && ci.tcpi_state == TCPS_ESTABLISHED;
}

/* A new connection from the peer to port, accepted (by the test on the raw listener, by the
 * service on its own), with data of ours in flight on the raw one. */
static void
fz_connect(struct fz_conn *c, uint16_t port)
{
	uint8_t opts[20] = { TCPOPT_MAXSEG, 4, 0x05, 0xb4, TCPOPT_SACK_PERMITTED, 2,
			     TCPOPT_WINDOW, 3, 7, TCPOPT_NOP };
	union {
		struct T_conn_ind ci;
		char b[256];
	} u;
	struct T_conn_res cr;
	static uint8_t chunk[3000];
	uint32_t iss = 0;
	char buf[256];

	if (c->acc != NULL) {
		sth_close(c->acc);
		c->acc = NULL;
	}
	yt_drain();
	fz_check_output(NULL);
	fz_drain_head(fz.lsn);
	c->lport = port;
	c->fport = (uint16_t)(41000 + fz.conns++ % 20000);
	tt_fport = c->fport;
	tt_lport = port;
	tt_send(TH_SYN, 1000, 0, 65535, opts, 12, NULL, 0);
	if (!fz_take_synack(c->fport, &iss))
		return; /* a backlog full of the fuzz's half-open connections: next time */
	tt_send(TH_ACK, 1001, iss + 1, 65535, NULL, 0, NULL, 0);
	fz_check_output(NULL);
	if (port != OUR_PORT)
		return; /* a service accepts on its own */
	for (;;) {
		t_scalar_t prim = tt_get(fz.lsn, &u, sizeof(u), NULL);

		if (prim == -1)
			return;
		if (prim == T_CONN_IND) {
			cr_assert_eq(sth_open(TCP_DRVNAME, 0, &c->acc), 0);
			cr = (struct T_conn_res){ T_CONN_RES, tt_acceptor_id(c->acc), 0, 0,
						  u.ci.SEQ_number };
			tt_put(fz.lsn, &cr, sizeof(cr));
			(void)tt_get(fz.lsn, buf, sizeof(buf), NULL);
			break;
		}
	}
	memset(chunk, 0x3c, sizeof(chunk));
	(void)sth_write(c->acc, chunk, sizeof(chunk)); /* something to acknowledge, SACK, lose */
	yt_drain();
}

static void
fz_connect_all(void)
{
	static const uint16_t port[FZ_NCONN] = { OUR_PORT, TCP_ECHO_PORT, TCP_HTTP_PORT };

	for (unsigned i = 0; i < FZ_NCONN; i++)
		if (!fz_conn_up(&fz.c[i]))
			fz_connect(&fz.c[i], port[i]);
}

static void
fz_open(void)
{
	struct udp_addrreq ar = { .ua_addr = PT_ADDR_US, .ua_prefix = PT_PREFIX };
	uint8_t f[128];

	/* few orphans, soon given up: the run closes a connection every few hundred frames */
	struct tcp_param tp = { .tp_max_orphans = 32, .tp_orphan_retries = 3 };

	memset(&fz, 0, sizeof(fz));
	tt_open();
	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &tp, sizeof(tp)), 0);
	cr_assert_eq(yard_udp_plumb(&fz.up, &ar, 1), 0, "yard_udp_plumb");
	fz.udp_ep = ut_ep_open();
	cr_assert_eq(ut_bind(fz.udp_ep, T_BIND_REQ, 0, UDP_RAW_PORT, NULL), 0);
	cr_assert_eq(yard_udp_echo_start(UDP_ECHO_PORT), 0);
	cr_assert_eq(yard_udp_discard_start(UDP_DISCARD_PORT), 0);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &fz.lsn), 0);
	tt_bind(fz.lsn, OUR_PORT, 16);
	cr_assert_eq(yard_tcp_echo_start(TCP_ECHO_PORT), 0);
	cr_assert_eq(yard_http_start(TCP_HTTP_PORT, NULL), 0);
	/* the peer's MAC learned from its request, as the stacks' own tests start */
	pt_inject(tt_s.link.minor, f, pt_arp(f, &pt_mac_bcast, 1, &pt_mac_peer, PT_ADDR_PEER,
					     &pt_mac_bcast, PT_ADDR_US));
	(void)pt_discard(tt_s.link.minor);
	fz_connect_all();
}

static void
fz_close(void)
{
	yt_drain();
	(void)pt_discard(tt_s.link.minor);
	for (unsigned i = 0; i < FZ_NCONN; i++)
		if (fz.c[i].acc != NULL)
			sth_close(fz.c[i].acc);
	yard_tcp_services_stop_all();
	yard_udp_services_stop_all();
	sth_close(fz.lsn);
	sth_close(fz.udp_ep);
	yt_drain();
	pt_run_ms(300); /* orphans finish; TIME-WAIT (MSL 50 ms) ends */
	(void)pt_discard(tt_s.link.minor);
	yard_udp_unplumb(&fz.up);
	tt_close();
	pt_assert_clean();
}

/* ---- seeds: one valid frame of each kind the stack handles --------------------------------- */

enum fz_kind {
	FZ_ARP_REQ, FZ_ARP_REPLY, FZ_PING, FZ_PING_OPTS, FZ_UDP, FZ_UDP_CLOSED, FZ_UDP_BIG,
	FZ_FRAG_FIRST, FZ_FRAG_MID, FZ_FRAG_LAST, FZ_ICMP_UNREACH, FZ_ICMP_FRAG_NEEDED,
	FZ_TCP_SYN, FZ_TCP_DATA, FZ_TCP_ACK_SACK, FZ_TCP_FIN, FZ_TCP_RST, FZ_TCP_NO_CONN,
	FZ_KINDS
};

static size_t
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
static size_t
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

static size_t
fz_seed_frame(uint8_t *f, enum fz_kind k)
{
	const struct fz_conn *c = &fz.c[fz_below(FZ_NCONN)];
	struct tcp_conninfo ci = { 0 };
	uint8_t o[40];
	uint32_t rcv = 1001, una = 1, nxt = 1;

	if (fz_conn_info(c, &ci)) {
		rcv = ci.tcpi_rcv_nxt;
		una = ci.tcpi_snd_una;
		nxt = ci.tcpi_snd_nxt;
	}
	tt_fport = c->fport;
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
		return fz_udp(f, 5000, UDP_CLOSED_PORT, fz_below(64));
	case FZ_UDP_BIG:
		return fz_udp(f, 5001, UDP_ECHO_PORT, 1472);
	case FZ_FRAG_FIRST:
		return fz_frag(f, (uint16_t)(0x100 + fz_below(4)), 0, true, 1480);
	case FZ_FRAG_MID:
		return fz_frag(f, (uint16_t)(0x100 + fz_below(4)), 185, true, 200);
	case FZ_FRAG_LAST:
		return fz_frag(f, (uint16_t)(0x100 + fz_below(4)), 210, false, 328);
	case FZ_ICMP_UNREACH:
		return fz_icmp_error(f, 3, 3, IPPROTO_UDP, UDP_ECHO_PORT, 5000, 0, 0);
	case FZ_ICMP_FRAG_NEEDED:
		return fz_icmp_error(f, 3, 4, IPPROTO_TCP, c->lport, c->fport, una,
				     (uint16_t)(576 + fz_below(1000)));
	case FZ_TCP_SYN: {
		static const uint8_t so[20] = { TCPOPT_MAXSEG, 4, 0x05, 0xb4, TCPOPT_SACK_PERMITTED,
						2, TCPOPT_TIMESTAMP, 10, 0, 0, 0, 1, 0, 0, 0, 0,
						TCPOPT_NOP, TCPOPT_WINDOW, 3, 9 };

		return fz_tcp(f, (uint16_t)(30000 + fz_below(64)), OUR_PORT, TH_SYN,
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
		return fz_tcp(f, 12345, OUR_PORT + 1, TH_ACK, 5, 6, NULL, 0, 10);
	default:
		cr_assert_fail("kind %d", k);
	}
	return 0;
}

/* ---- mutations --------------------------------------------------------------------------- */

/* Offsets of fields worth hitting: Ethernet type, IPv4 header, the first 40 transport bytes. */
static unsigned
fz_field(size_t n)
{
	static const unsigned at[] = { 12, 14, 16, 18, 20, 22, 24, 34, 36, 38, 40, 42, 44, 46, 48 };
	unsigned i = fz_below(RTE_DIM(at) + 4);

	if (i < RTE_DIM(at))
		return at[i] < n ? at[i] : 0;
	return n > 2 ? fz_below((unsigned)n - 1) : 0;
}

static unsigned
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

static size_t
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

/*
 * Half the blocks wrap a malloc'd copy of exactly their bytes (esballoc): reading one byte
 * past a block's end is then a read past a heap object, which ASan reports (DPDK's mempools,
 * where pool blocks live, are not instrumented: a read past the frame lands in the same data
 * room). Such a block also has no headroom, which sends replies built in place the long way.
 */
static unsigned fz_esb_live;

static void
fz_esb_free(void *arg)
{
	free(arg);
	fz_esb_live--;
}

static mblk_t *
fz_block(const uint8_t *bytes, size_t len, bool first)
{
	mblk_t *bp;

	bp = NULL;
	if (fz_below(2) == 0) {
		unsigned char *mem = malloc(len != 0 ? len : 1);
		frtn_t fr = { fz_esb_free, mem };

		cr_assert_not_null(mem);
		memcpy(mem, bytes, len);
		/* NULL when the stack holds every wrapper (reassembly, reordering queues) */
		bp = esballoc(mem, len != 0 ? len : 1, BPRI_MED, &fr);
		if (bp != NULL)
			fz_esb_live++;
		else
			free(mem);
	}
	if (bp == NULL) {
		bp = yard_allocb_hr(len, first ? RTE_PKTMBUF_HEADROOM : 0);
		cr_assert_not_null(bp);
		memcpy(bp->b_wptr, bytes, len);
	}
	bp->b_wptr += len;
	return bp;
}

/* A frame as one block, or cut into two or three at random places (a scattered RX). */
static mblk_t *
fz_msg(const uint8_t *f, size_t n)
{
	unsigned parts = fz_below(5) == 0 ? 2 + fz_below(2) : 1;
	size_t cut[4] = { 0 };
	mblk_t *head = NULL, **tail = &head;

	for (unsigned i = 1; i < parts; i++)
		cut[i] = fz_below((unsigned)n + 1);
	cut[parts] = n;
	/* sorted, so the pieces are in order (some may be empty: a chain may carry those) */
	for (unsigned i = 1; i < parts; i++)
		for (unsigned j = i + 1; j < parts; j++)
			if (cut[j] < cut[i]) {
				size_t t = cut[i];

				cut[i] = cut[j];
				cut[j] = t;
			}
	for (unsigned i = 0; i < parts; i++) {
		mblk_t *bp = fz_block(f + cut[i], cut[i + 1] - cut[i], i == 0);

		*tail = bp;
		tail = &bp->b_cont;
	}
	return head; /* b_cont alone: the mbuf chain is written only on the way to a PMD */
}

/* ---- what yard sends must be well formed ------------------------------------------------------ */

/* One frame yard sent: a 60-byte ARP frame, or IPv4 with its header and checksums right. */
static void
fz_check_frame(const uint8_t *f, size_t n)
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
	cr_assert_eq(pt_cksum(ip, ihl), 0, "seed %#lx: bad IPv4 header checksum sent",
		     (unsigned long)fz_seed);
	cr_assert_neq(ip[8], 0, "TTL 0 sent");
	if ((rd16(ip + 6) & 0x3fff) != 0)
		return; /* a fragment: the transport checksum is the datagram's */
	if (ip[9] == IPPROTO_ICMP)
		cr_assert_eq(pt_cksum(ip + ihl, tot - ihl), 0, "seed %#lx: bad ICMP checksum sent",
			     (unsigned long)fz_seed);
	else if (ip[9] == IPPROTO_TCP || ip[9] == IPPROTO_UDP)
		cr_assert_eq(l4_cksum(ip, ip[9], ip + ihl, tot - ihl), 0,
			     "seed %#lx: bad %s checksum sent", (unsigned long)fz_seed,
			     ip[9] == IPPROTO_TCP ? "TCP" : "UDP");
}

static unsigned fz_sent;

static void
fz_check_output(unsigned *frames)
{
	static uint8_t f[70000];
	size_t n;

	while ((n = pt_take(tt_s.link.minor, f, sizeof(f))) != 0) {
		fz_sent++;
		fz_check_frame(f, n);
	}
	if (frames != NULL)
		*frames = fz_sent;
}

/* ---- the run ------------------------------------------------------------------------------- */

/* arp's counters (the link is linked under ip: no ioctl reaches it, the telemetry's sum does). */
static struct arpstat
fz_arpstat(void)
{
	struct arpstat st;

	cr_assert_eq(arpstat_sum(&st, -1, -1), 1, "one arp instance");
	return st;
}

/* Every frame arp received is passed up or dropped by a reason, exactly once. */
static void
fz_check_arp_accounting(const struct arpstat *a0, uint64_t loops_out0)
{
	struct arpstat a = fz_arpstat();
	uint64_t injected = yard_loop_stats(tt_s.link.minor)->loops_out - loops_out0;
	uint64_t rx = a.arps_rx_frames - a0->arps_rx_frames;
	uint64_t out = (a.arps_rx_ipv4 - a0->arps_rx_ipv4) + (a.arps_rx_arp - a0->arps_rx_arp) +
		       (a.arps_drop_short - a0->arps_drop_short) +
		       (a.arps_drop_not_for_us - a0->arps_drop_not_for_us) +
		       (a.arps_drop_ipv6 - a0->arps_drop_ipv6) + (a.arps_drop_vlan - a0->arps_drop_vlan) +
		       (a.arps_drop_other_type - a0->arps_drop_other_type) +
		       (a.arps_drop_unconfigured - a0->arps_drop_unconfigured) +
		       (a.arps_drop_rx_nomem - a0->arps_drop_rx_nomem);

	cr_assert_eq(rx, injected, "seed %#lx: arp received %lu of %lu frames injected",
		     (unsigned long)fz_seed, (unsigned long)rx, (unsigned long)injected);
	cr_assert_eq(out, rx, "seed %#lx: arp accounted for %lu of %lu frames",
		     (unsigned long)fz_seed, (unsigned long)out, (unsigned long)rx);
}

/* The counters that moved, on one line per module: what the run reached. */
static void
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

static void
fz_run(unsigned salt, const enum fz_kind *kinds, unsigned nkinds)
{
	unsigned long iters = fz_env("FUZZ_ITERS", 20000);
	unsigned injected = 0, sent = 0, bursts = 0;
	struct arpstat a0;
	uint64_t loops_out0;
	static uint8_t f[FZ_BURST_MAX][FZ_FRAME_MAX];

	fz_seed_init(salt);
	fz_open();
	a0 = fz_arpstat();
	loops_out0 = yard_loop_stats(tt_s.link.minor)->loops_out;
	while (injected < iters) {
		unsigned nb = 1 + fz_below(fz_below(4) == 0 ? FZ_BURST_MAX : 4);
		mblk_t *mps[FZ_BURST_MAX];

		for (unsigned i = 0; i < nb; i++) {
			enum fz_kind k = kinds[fz_below(nkinds)];
			size_t n = fz_seed_frame(f[i], k);

			if (fz_below(8) != 0) /* some go in whole, among the others */
				n = fz_mutate(f[i], n, FZ_FRAME_MAX);
			mps[i] = fz_msg(f[i], n);
		}
		if (fz_below(2) == 0) {
			cr_assert_eq(yard_loop_inject_burst(tt_s.link.minor, mps, nb), 0);
		} else {
			for (unsigned i = 0; i < nb; i++)
				cr_assert_eq(yard_loop_inject(tt_s.link.minor, mps[i]), 0);
		}
		injected += nb;
		yt_drain();
		fz_check_output(&sent);
		if (++bursts % 16 == 0) {
			fz_drain_head(fz.udp_ep);
			for (unsigned c = 0; c < FZ_NCONN; c++)
				fz_drain_head(fz.c[c].acc);
			fz_drain_head(fz.lsn);
			pt_run_ms(1 + fz_below(30)); /* timers: retransmissions, reassembly, delack */
			fz_check_output(&sent);
			fz_connect_all();
			fz_check_output(&sent);
		}
	}
	fz_check_arp_accounting(&a0, loops_out0);
	{
		struct arpstat a = fz_arpstat();
		struct ip_stats ip = pt_ipstat(tt_s.ip);
		struct tcpstat tc = tt_stats();
		struct udpstat ud = ut_udpstat(fz.udp_ep);

		fz_log_counters("arp", &a, sizeof(a), arpstat_name);
		fz_log_counters("ip", &ip.is_ip, sizeof(ip.is_ip), ipstat_name);
		fz_log_counters("icmp", &ip.is_icmp, sizeof(ip.is_icmp), icmpstat_name);
		fz_log_counters("udp", &ud, sizeof(ud), udpstat_name);
		fz_log_counters("tcp", &tc, sizeof(tc), tcpstat_name);
	}
	cr_log_info("fuzz seed %#lx: %u frames in %u bursts, %u sent, %u connections",
		    (unsigned long)fz_seed, injected, bursts, sent, fz.conns);
	fz_close();
	cr_assert_eq(fz_esb_live, 0, "seed %#lx: %u wrapped buffers never given back",
		     (unsigned long)fz_seed, fz_esb_live);
}

YT_TEST(fuzz, arp_ip_icmp_and_udp_survive_mutated_frames)
{
	static const enum fz_kind k[] = {
		FZ_ARP_REQ, FZ_ARP_REPLY, FZ_PING, FZ_PING_OPTS, FZ_UDP, FZ_UDP_CLOSED, FZ_UDP_BIG,
		FZ_FRAG_FIRST, FZ_FRAG_MID, FZ_FRAG_LAST, FZ_ICMP_UNREACH,
	};

	fz_run(1, k, RTE_DIM(k));
}

YT_TEST(fuzz, tcp_survives_mutated_segments)
{
	static const enum fz_kind k[] = {
		FZ_TCP_SYN, FZ_TCP_DATA, FZ_TCP_DATA, FZ_TCP_ACK_SACK, FZ_TCP_ACK_SACK, FZ_TCP_FIN,
		FZ_TCP_RST, FZ_TCP_NO_CONN, FZ_ICMP_FRAG_NEEDED, FZ_PING,
	};

	fz_run(2, k, RTE_DIM(k));
}

YT_TEST(fuzz, every_kind_mixed_in_one_burst)
{
	enum fz_kind k[FZ_KINDS];

	for (unsigned i = 0; i < FZ_KINDS; i++)
		k[i] = (enum fz_kind)i;
	fz_run(3, k, FZ_KINDS);
}
