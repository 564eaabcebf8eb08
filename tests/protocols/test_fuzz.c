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

#include "fuzz_frames.h"
#include "proto_test.h"
#include "tcp_test.h"
#include "udp_test.h"

TestSuite(fuzz, .init = yt_setup, .fini = yt_teardown);

#define FZ_BURST_MAX 32

/* ---- randomness (fuzz_rand.h): each test its own stream, named in its log ------------------ */

static void
fz_seed_init(unsigned salt)
{
	fz_seed_init_env(salt);
	cr_log_info("fuzz seed %#lx (FUZZ_SEED=%#lx reproduces this test)", (unsigned long)fz_seed,
		    (unsigned long)(fz_seed - salt));
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
	return fz_tcp_conn_info(c->lport, c->fport, ci);
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
	fz_join();
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

/* ---- seeds: fuzz_frames.h's, the TCP ones to one of our connections, at random ------------ */

static size_t
fz_seed_frame(uint8_t *f, enum fz_kind k)
{
	const struct fz_conn *c = &fz.c[fz_below(FZ_NCONN)];
	struct tcp_conninfo ci = { 0 };
	struct fz_tcp_target t = { .lport = c->lport, .fport = c->fport, .rcv = 1001, .una = 1,
				   .nxt = 1, .listen_port = OUR_PORT };

	if (fz_conn_info(c, &ci)) {
		t.rcv = ci.tcpi_rcv_nxt;
		t.una = ci.tcpi_snd_una;
		t.nxt = ci.tcpi_snd_nxt;
	}
	tt_fport = c->fport;
	return fz_seed_frame_to(f, k, &t);
}

/* ---- blocks ----------------------------------------------------------------------------------- */

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

	fz_cuts(cut, parts, n);
	for (unsigned i = 0; i < parts; i++) {
		mblk_t *bp = fz_block(f + cut[i], cut[i + 1] - cut[i], i == 0);

		*tail = bp;
		tail = &bp->b_cont;
	}
	return head; /* b_cont alone: the mbuf chain is written only on the way to a PMD */
}

/* ---- what yard sends must be well formed (fz_check_frame(): fuzz_frames.h) -------------------- */

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
	uint64_t out = fz_arp_out(&a) - fz_arp_out(a0);

	cr_assert_eq(rx, injected, "seed %#lx: arp received %lu of %lu frames injected",
		     (unsigned long)fz_seed, (unsigned long)rx, (unsigned long)injected);
	cr_assert_eq(out, rx, "seed %#lx: arp accounted for %lu of %lu frames",
		     (unsigned long)fz_seed, (unsigned long)out, (unsigned long)rx);
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
