/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mutation fuzzing of the paths between lcores: two lcores, each running its scheduler and its
 * own stack (loop + arp, ip, udp, tcp, the XTI services and a TCP client) as yard runs one per
 * lcore, fed mutated frames at once from two real threads. What crosses between them is what
 * is aimed at: fragments of one datagram split over both lcores (lost, sent twice, overlapping,
 * in any order: ip sends each to its datagram's owner lcore through the mailbox), ARP learned on
 * one lcore and sent to the other's sibling instance, TCP segments for the other lcore's active
 * open (software steering hands them over whole) and ICMP errors quoting the other lcore's
 * connections -- among every kind of frame test_fuzz.c sends, mutated the same way.
 *
 * Principles of operation. The test's thread is lcore 0: it runs lcore 0's stack between
 * bursts (yt_drain()) and plays the peer and the wire for both. Lcore 1 runs a worker that
 * only drives its stack: it owns every stream of lcore 1, so all STREAMS work of lcore 1
 * happens there, and it cannot use Criterion's assertions (they work on the test's thread
 * only; failures are recorded and asserted here). All the randomness is drawn here, so a seed
 * fixes every frame and every choice, though not how the two threads interleave. Frames for
 * lcore 1 go as bytes in slots through a ring (fzw_in); the worker turns each into message
 * blocks exactly as drawn here (cut into blocks, heap-wrapped or not) and injects each burst as
 * drawn (one putnext_burst or one by one). What lcore 1 sends comes back flattened in slots
 * through another ring (fzw_out); the worker frees the blocks on its own lcore, as a driver's
 * TX completion does. Every frame either lcore sends is checked here (fz_check_frame()), and
 * the peer answers what needs an answer: SYN,ACK to the clients' SYNs (half the time on the
 * wrong lcore, to be steered), ACK to the SYN,ACKs of the connections it opens.
 *
 * What must hold: no crash and nothing the sanitizers see (the asan build runs this too); on
 * each lcore, every frame put on its wire received by arp and counted exactly once (passed up or
 * dropped by reason), as test_fuzz.c checks; across the lcores, once quiet, every message one
 * sent through a mailbox taken by the other and counted there by the module it was for (ip's
 * frag_forwarded = the other's frag_fwd_received, arp's sib_sent = the other's sib_received,
 * each lcore's mailbox messages = those two plus the segments the other steered to it, and a
 * mailbox refusal counted by the sender's reason); and when all is closed, every message block,
 * timer, mailbox entry and wrapped buffer back, on both lcores.
 *
 * FUZZ_ITERS (frames per test, default 12000) and FUZZ_SEED as test_fuzz.c; below 5000 the
 * checks that the run reached every cross-lcore path both ways are left out. The last tests
 * are not fuzz: an ICMP error about one lcore's active open (the case found while writing
 * this), passive open, or RSS-hashed connection, reaching the other lcore (tcp_icmp.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_thash.h>

#include <protocols/tcp.h>
#include <protocols/tcp_clients.h>
#include <protocols/tcp_hdr.h>
#include <protocols/tcp_services.h>
#include <protocols/udp.h>
#include <protocols/udp_clients.h>
#include <protocols/udp_services.h>
#include <protocols/xti/xti.h>
#include <streams/loop.h>

#include "fuzz_frames.h"
#include "proto_test.h"

TestSuite(fuzz_lcores, .init = yt_setup, .fini = yt_teardown);

#define FZL_BURST_MAX 32
#define FZL_SLOTS 512         /* frames on their way to lcore 1, at most */
#define FZL_OUT_SLOTS 512     /* frames lcore 1 sent, on their way back */
#define FZL_OUT_MAX 2048      /* a frame yard sends: MTU 1500 + Ethernet */
#define FZL_BACKLOG 192       /* frames lcore 1 may have still to inject before we wait */
#define FZL_CLIENT_PORT 5555  /* the peer's port the TCP clients connect to */
#define FZL_ROWS 256

/* Kinds beyond fuzz_frames.h's. */
enum {
	FZL_FRAG_SET = FZ_KINDS, /* one datagram's fragments (fz_frag_set()) over both lcores */
	FZL_ARP_HOST,            /* ARP from another host: learned, then sent to the sibling */
	FZL_KINDS
};

/* ---- randomness (fuzz_rand.h): drawn on the test's thread only ----------------------------- */

static void
fzl_seed_init(unsigned salt)
{
	fz_seed_init_env(salt);
	cr_log_info("fuzz seed %#lx (FUZZ_SEED=%#lx reproduces this test's frames)",
		    (unsigned long)fz_seed, (unsigned long)(fz_seed - salt));
}

/* ---- wrapped buffers (both lcores free them: a forwarded fragment dies on its owner) --------- */

static unsigned fzl_esb_live;

static void
fzl_esb_free(void *arg)
{
	free(arg);
	__atomic_fetch_sub(&fzl_esb_live, 1, __ATOMIC_RELAXED);
}

/*
 * A block of len bytes: over a malloc'd copy of exactly them (esballoc) when esb, so ASan sees
 * a read past its end, else from the pools. NULL only if the pools are dry.
 */
static mblk_t *
fzl_block(const uint8_t *bytes, size_t len, bool esb, bool first)
{
	mblk_t *bp = NULL;

	if (esb) {
		unsigned char *mem = malloc(len != 0 ? len : 1);
		frtn_t fr = { fzl_esb_free, mem };

		if (mem == NULL)
			return NULL;
		memcpy(mem, bytes, len);
		/* NULL when the stack holds every wrapper (reassembly, reordering queues) */
		bp = esballoc(mem, len != 0 ? len : 1, BPRI_MED, &fr);
		if (bp != NULL)
			__atomic_fetch_add(&fzl_esb_live, 1, __ATOMIC_RELAXED);
		else
			free(mem);
	}
	if (bp == NULL) {
		bp = yard_allocb_hr(len, first ? RTE_PKTMBUF_HEADROOM : 0);
		if (bp == NULL)
			return NULL;
		memcpy(bp->b_wptr, bytes, len);
	}
	bp->b_wptr += len;
	return bp;
}

/* A frame as drawn: its bytes, where they are cut into blocks, which blocks are wrapped. */
struct fzl_wire {
	uint16_t len;
	uint8_t parts;          /* 1 to 3 blocks */
	uint8_t esb;            /* bit i: block i wraps heap memory */
	uint8_t burst_end;      /* the last frame of its burst */
	uint8_t one_by_one;     /* the burst goes up one frame at a time, not in one call */
	uint16_t cut[4];
	uint8_t data[FZ_FRAME_MAX];
};

static void
fzl_draw_layout(struct fzl_wire *w, const uint8_t *f, size_t n)
{
	size_t cut[4];

	w->len = (uint16_t)n;
	w->parts = (uint8_t)(fz_below(5) == 0 ? 2 + fz_below(2) : 1);
	fz_cuts(cut, w->parts, n);
	for (unsigned i = 0; i <= w->parts; i++)
		w->cut[i] = (uint16_t)cut[i];
	w->esb = (uint8_t)fz_below(1u << w->parts);
	memcpy(w->data, f, n);
}

/* The message of a drawn frame (b_cont alone: the mbuf chain is written only for a PMD). */
static mblk_t *
fzl_msg(const struct fzl_wire *w)
{
	mblk_t *head = NULL, **tail = &head;

	for (unsigned i = 0; i < w->parts; i++) {
		mblk_t *bp = fzl_block(w->data + w->cut[i], (size_t)(w->cut[i + 1] - w->cut[i]),
				       (w->esb >> i) & 1, i == 0);

		if (bp == NULL) {
			freemsg(head);
			return NULL;
		}
		*tail = bp;
		tail = &bp->b_cont;
	}
	return head;
}

/* ---- lcore 1: the worker ---------------------------------------------------------------------- */

enum { FZW_INIT, FZW_READY, FZW_STOPPING, FZW_STOPPED };
enum { FZW_CMD_NONE, FZW_CMD_SNAP, FZW_CMD_STOP, FZW_CMD_CHURN };

struct fzl_out {
	uint16_t len;
	uint8_t data[FZL_OUT_MAX];
};

struct fzl_worker {
	int state;                  /* FZW_*, atomic */
	int cmd;                    /* FZW_CMD_*, atomic: set here, cleared by the worker */
	int fail;                   /* line of the worker's first failure, 0 if none */
	unsigned fail_val;
	uint64_t injected;          /* frames injected, atomic */
	uint64_t passes;            /* scheduler passes, atomic */
	uint64_t runt_out;          /* frames too long for an out slot (a failure) */
	unsigned clients;           /* client generations started */
	struct rte_ring *in, *in_free, *out, *out_free;
	struct stdata *ip, *link;
	int minor;
	struct yard_tcp_plumbing tp;
	struct yard_udp_plumbing up;
	int nrows;                  /* FZW_CMD_SNAP's answer */
	int churn;                  /* FZW_CMD_CHURN's answer: fzl_churn()'s */
	struct yard_tcp_conn_row rows[FZL_ROWS];
};

static struct fzl_worker fzw;
static mblk_t *fzw_held; /* taken from lcore 1's capture, waiting for an out slot */
static struct fzl_wire fzl_slots[FZL_SLOTS];
static struct fzl_out fzl_out_slots[FZL_OUT_SLOTS];

#define FZW_CHECK(cond, val)                                   \
	do {                                                   \
		if (!(cond) && fzw.fail == 0) {                \
			fzw.fail = __LINE__;                   \
			fzw.fail_val = (unsigned)(val);        \
		}                                              \
	} while (0)

static int
fzl_istr(struct stdata *sd, int cmd, void *data, int len)
{
	struct strioctl ic = { .ic_cmd = cmd, .ic_timout = 5, .ic_len = len, .ic_dp = data };

	return sth_ioctl(sd, I_STR, (intptr_t)&ic);
}

/* Parameters both lcores' stacks get (as tt_open() and test_fuzz.c's fz_open() set them). */
static const struct tcp_param fzl_tcp_param = {
	.tp_msl_ms = 50, .tp_rto_init_ms = 100, .tp_rto_min_ms = 50,
	.tp_max_orphans = 32, .tp_orphan_retries = 3,
};
static const struct ip_param fzl_ip_param = { .ip_reass_timeout_ms = 200 };

/*
 * Start and stop clients on the calling lcore, rounds times: each round a TCP client of 4
 * endpoints and a UDP client of 3, which must come up with their own endpoints (they wait a
 * minute to start, so they never send). Run on both lcores at once. Returns 0, or the line of
 * the first failure.
 */
#define FZL_CHURN_ROUNDS 1500

static int
fzl_churn(unsigned rounds)
{
	for (unsigned r = 0; r < rounds; r++) {
		struct yard_tcp_client_conf tc = {
			.kind = YARD_TCP_CLIENT_SINK, .addr = PT_ADDR_PEER, .port = FZL_CLIENT_PORT,
			.bytes = 10, .conns = 4, .delay_ms = 60000,
		};
		struct yard_udp_client_conf uc = {
			.kind = YARD_UDP_CLIENT_RR, .addr = PT_ADDR_PEER, .port = UDP_ECHO_PORT,
			.bytes = 64, .conns = 3, .size = 8, .delay_ms = 60000,
		};
		struct yard_tcp_client_stats ts;
		struct yard_udp_client_stats us;

		snprintf(tc.name, sizeof(tc.name), "ch%u.%u", rte_lcore_id(), r);
		snprintf(uc.name, sizeof(uc.name), "uch%u.%u", rte_lcore_id(), r);
		if (yard_tcp_client_start(&tc) != 0)
			return __LINE__;
		if (yard_udp_client_start(&uc) != 0)
			return __LINE__;
		if (yard_tcp_client_stats(tc.name, &ts) != 0 || ts.active != 4)
			return __LINE__;
		if (yard_udp_client_stats(uc.name, &us) != 0 || us.active != 3)
			return __LINE__;
		yard_tcp_clients_stop_all();
		yard_udp_clients_stop_all();
		if (yard_tcp_client_stats(tc.name, &ts) != -ENOENT ||
		    yard_udp_client_stats(uc.name, &us) != -ENOENT)
			return __LINE__;
	}
	return 0;
}

/* An rr client to the peer on the calling lcore, a new one each generation. */
static int
fzl_client_start(unsigned gen)
{
	struct yard_tcp_client_conf c = {
		.kind = YARD_TCP_CLIENT_RR, .addr = PT_ADDR_PEER, .port = FZL_CLIENT_PORT,
		.duration_ms = 3600000, .conns = 3, .size = 64,
	};

	snprintf(c.name, sizeof(c.name), "fzl%u.%u", rte_lcore_id(), gen);
	return yard_tcp_client_start(&c);
}

/* A new client once every connection of the last has ended (the fuzz resets them). */
static void
fzl_client_renew(unsigned *gen)
{
	struct yard_tcp_client_stats st;
	char name[YARD_TCP_CLIENT_NAMELEN];

	snprintf(name, sizeof(name), "fzl%u.%u", rte_lcore_id(), *gen);
	if (yard_tcp_client_stats(name, &st) == 0 && st.active != 0)
		return;
	yard_tcp_clients_stop_all();
	(void)fzl_client_start(++*gen);
}

/* The services both lcores run, and the client. */
static int
fzl_services_start(unsigned gen)
{
	int rc;

	if ((rc = yard_udp_echo_start(UDP_ECHO_PORT)) != 0 ||
	    (rc = yard_udp_service_join(UDP_ECHO_PORT, FZ_GROUP)) != 0 ||
	    (rc = yard_udp_service_join_source(UDP_ECHO_PORT, FZ_GROUP_SSM, PT_ADDR_PEER)) != 0 ||
	    (rc = yard_udp_discard_start(UDP_DISCARD_PORT)) != 0 ||
	    (rc = yard_tcp_echo_start(TCP_ECHO_PORT)) != 0 ||
	    (rc = yard_http_start(TCP_HTTP_PORT, NULL)) != 0)
		return rc;
	return fzl_client_start(gen);
}

static void
fzl_services_stop(void)
{
	yard_tcp_clients_stop_all();
	yard_tcp_services_stop_all();
	yard_udp_services_stop_all();
}

static void
fzw_setup(void)
{
	struct arp_ifreq ai = { .ai_mac = pt_mac_us, .ai_port = 0, .ai_addr = PT_ADDR_US,
				.ai_prefix = PT_PREFIX, .ai_mtu = 1500 };
	struct arp_entry ae = { .ae_addr = PT_ADDR_PEER, .ae_mac = pt_mac_peer };
	struct tcp_addrreq ta = { .ta_addr = PT_ADDR_US, .ta_prefix = PT_PREFIX };
	struct udp_addrreq ua = { .ua_addr = PT_ADDR_US, .ua_prefix = PT_PREFIX };
	struct tcp_param tp = fzl_tcp_param;
	struct ip_param ipp = fzl_ip_param;
	struct ip_ifreq ifr;
	int one = 1, muxid, rc;
	mblk_t *mp;

	FZW_CHECK(rte_lcore_id() == 1, rte_lcore_id());
	FZW_CHECK(sth_open(IP_DRVNAME, 0, &fzw.ip) == 0, 0);
	FZW_CHECK(sth_open("loop", 0, &fzw.link) == 0, 0);
	if (fzw.ip == NULL || fzw.link == NULL)
		return;
	fzw.minor = yard_loop_minor(fzw.link);
	FZW_CHECK(sth_ioctl(fzw.link, I_PUSH, (intptr_t)ARP_MODNAME) == 0, 0);
	FZW_CHECK(fzl_istr(fzw.link, LOOP_CAPTURE, &one, sizeof(one)) >= 0, 0);
	FZW_CHECK(fzl_istr(fzw.link, ARP_SETIF, &ai, sizeof(ai)) >= 0, 0);
	FZW_CHECK(fzl_istr(fzw.link, ARP_ADD, &ae, sizeof(ae)) >= 0, 0);
	muxid = sth_ioctl(fzw.ip, I_LINK, (intptr_t)fzw.link);
	FZW_CHECK(muxid > 0, muxid);
	ifr = (struct ip_ifreq){ .ii_muxid = muxid, .ii_addr = PT_ADDR_US, .ii_prefix = PT_PREFIX,
				 .ii_mtu = 1500 };
	FZW_CHECK(fzl_istr(fzw.ip, IP_IFADD, &ifr, sizeof(ifr)) >= 0, 0);
	FZW_CHECK(fzl_istr(fzw.ip, IP_SETPARAM, &ipp, sizeof(ipp)) >= 0, 0);
	rc = yard_tcp_plumb(&fzw.tp, &ta, 1);
	FZW_CHECK(rc == 0, -rc);
	if (rc == 0)
		FZW_CHECK(fzl_istr(fzw.tp.tp_tcp, TCP_SETPARAM, &tp, sizeof(tp)) >= 0, 0);
	rc = yard_udp_plumb(&fzw.up, &ua, 1);
	FZW_CHECK(rc == 0, -rc);
	rc = fzl_services_start(0);
	FZW_CHECK(rc == 0, -rc);
	yard_sched_drain(yard_sched_self(), 1000);
	while ((mp = yard_loop_take(fzw.minor)) != NULL) /* the gratuitous ARP */
		freemsg(mp);
}

static void
fzw_teardown(void)
{
	struct yard_sched *sc = yard_sched_self();
	uint64_t end;
	mblk_t *mp;

	freemsg(fzw_held);
	fzw_held = NULL;
	fzl_services_stop();
	yard_sched_drain(sc, 1000);
	/* orphans finish; TIME-WAIT (MSL 50 ms) ends; what is sent meanwhile is not checked */
	end = rte_get_timer_cycles() + rte_get_timer_hz() * 3 / 10;
	while (rte_get_timer_cycles() < end) {
		(void)yard_sched_run_once(sc);
		while ((mp = yard_loop_take(fzw.minor)) != NULL)
			freemsg(mp);
	}
	yard_udp_unplumb(&fzw.up);
	yard_tcp_unplumb(&fzw.tp);
	yard_sched_drain(sc, 1000);
	FZW_CHECK(sth_close(fzw.ip) == 0, 0);
	yard_sched_drain(sc, 1000);
	while ((mp = yard_loop_take(fzw.minor)) != NULL)
		freemsg(mp);
	FZW_CHECK(sth_close(fzw.link) == 0, 0);
	yard_sched_drain(sc, 1000);
}

/* Inject the frames drawn for lcore 1, a burst at a time as they were drawn. */
static void
fzw_inject(void)
{
	static struct fzl_wire *burst[FZL_BURST_MAX];
	static unsigned nb;
	mblk_t *mps[FZL_BURST_MAX];
	struct fzl_wire *w;

	while (rte_ring_sc_dequeue(fzw.in, (void **)&w) == 0) {
		unsigned n = 0;

		burst[nb++] = w;
		if (!w->burst_end && nb < FZL_BURST_MAX)
			continue;
		for (unsigned i = 0; i < nb; i++) {
			mblk_t *mp = fzl_msg(burst[i]);

			FZW_CHECK(mp != NULL, i);
			if (mp != NULL)
				mps[n++] = mp;
		}
		if (burst[0]->one_by_one) {
			for (unsigned i = 0; i < n; i++)
				FZW_CHECK(yard_loop_inject(fzw.minor, mps[i]) == 0, i);
		} else if (n != 0) {
			FZW_CHECK(yard_loop_inject_burst(fzw.minor, mps, n) == 0, n);
		}
		FZW_CHECK(rte_ring_sp_enqueue_bulk(fzw.in_free, (void **)burst, nb, NULL) == nb,
			  nb);
		__atomic_fetch_add(&fzw.injected, n, __ATOMIC_RELEASE);
		nb = 0;
		(void)yard_sched_run_once(yard_sched_self());
	}
}

/* Hand what lcore 1 sent back to the test, flattened; the blocks die here, on their lcore. */
static void
fzw_output(void)
{
	struct fzl_out *o;

	for (;;) {
		if (fzw_held == NULL && (fzw_held = yard_loop_take(fzw.minor)) == NULL)
			return;
		if (rte_ring_sc_dequeue(fzw.out_free, (void **)&o) != 0)
			return; /* the test has not read the last ones yet: next pass */
		o->len = 0;
		for (mblk_t *bp = fzw_held; bp != NULL; bp = bp->b_cont) {
			size_t l = MBLKL(bp);

			if (o->len + l > FZL_OUT_MAX) {
				fzw.runt_out++;
				break;
			}
			memcpy(o->data + o->len, bp->b_rptr, l);
			o->len = (uint16_t)(o->len + l);
		}
		freemsg(fzw_held);
		fzw_held = NULL;
		FZW_CHECK(rte_ring_sp_enqueue(fzw.out, o) == 0, 0);
	}
}

static int
fzw_main(void *arg)
{
	struct yard_sched *sc = yard_sched_self();
	unsigned gen = 0;

	RTE_SET_USED(arg);
	fzw_setup();
	__atomic_store_n(&fzw.state, FZW_READY, __ATOMIC_RELEASE);
	for (;;) {
		int cmd = __atomic_load_n(&fzw.cmd, __ATOMIC_ACQUIRE);

		(void)yard_sched_run_once(sc);
		fzw_inject();
		fzw_output();
		__atomic_fetch_add(&fzw.passes, 1, __ATOMIC_RELEASE);
		if (cmd == FZW_CMD_SNAP) {
			fzl_client_renew(&gen);
			fzw.nrows = yard_tcp_conns_snapshot(fzw.rows, FZL_ROWS);
			__atomic_store_n(&fzw.cmd, FZW_CMD_NONE, __ATOMIC_RELEASE);
		} else if (cmd == FZW_CMD_CHURN) {
			fzw.churn = fzl_churn(FZL_CHURN_ROUNDS);
			__atomic_store_n(&fzw.cmd, FZW_CMD_NONE, __ATOMIC_RELEASE);
		} else if (cmd == FZW_CMD_STOP) {
			break;
		}
	}
	fzw.clients = gen + 1;
	__atomic_store_n(&fzw.state, FZW_STOPPING, __ATOMIC_RELEASE);
	fzw_teardown();
	__atomic_store_n(&fzw.state, FZW_STOPPED, __ATOMIC_RELEASE);
	return 0;
}

/* ---- lcore 0: the test's own stack ---------------------------------------------------------- */

static struct {
	struct pt_stack s;
	struct yard_tcp_plumbing tp;
	struct yard_udp_plumbing up;
	unsigned gen;
	/* the peer */
	uint16_t fport_next;
	uint16_t pend_fport[2][2];  /* per lcore, per service: the connection being made */
	unsigned conns;
	/* per lcore: frames put on its wire, frames it sent */
	uint64_t wired[2], sent[2], peer_answers, steer_tries;
	/* rows of both lcores' connections, from the last snapshot */
	struct yard_tcp_conn_row rows[2][FZL_ROWS];
	int nrows[2];
	bool quiet;                 /* quiescing: the peer no longer answers */
	struct {
		uint16_t port;      /* the last client SYN each lcore sent: its port, ISS */
		uint32_t iss;
	} syn[2];
} fzl;

static void fzl_wire_frame(unsigned lcore, const uint8_t *f, size_t n);

/* Run lcore 0 until idle and read what both lcores sent. */
static void fzl_poll(void);

/* ---- the peer: what yard sends is checked, and answered where a handshake needs it --------- */

static void
fzl_peer(unsigned lcore, const uint8_t *f, size_t n)
{
	const uint8_t *ip = f + 14, *th;
	uint8_t a[128], o[20] = { TCPOPT_MAXSEG, 4, 0x05, 0xb4, TCPOPT_SACK_PERMITTED, 2,
				  TCPOPT_WINDOW, 3, 7, TCPOPT_NOP };
	uint16_t sport, dport;
	uint32_t seq;
	size_t ihl;

	fz_check_frame(f, n);
	fzl.sent[lcore]++;
	if (rd16(f + 12) != 0x0800 || ip[9] != IPPROTO_TCP ||
	    (rd16(ip + 6) & 0x3fff) != 0)
		return;
	ihl = (ip[0] & 0xfu) * 4u;
	if (n < 14 + ihl + 20)
		return;
	th = ip + ihl;
	sport = (uint16_t)rd16(th);
	dport = (uint16_t)rd16(th + 2);
	seq = (uint32_t)rd16(th + 4) << 16 | rd16(th + 6);
	if (th[13] == TH_SYN && dport == FZL_CLIENT_PORT) {
		fzl.syn[lcore].port = sport;
		fzl.syn[lcore].iss = seq;
	}
	if (fzl.quiet)
		return;
	if (th[13] == TH_SYN && dport == FZL_CLIENT_PORT) {
		/* a client's SYN: accept; on the wrong lcore half the time (steered back) */
		unsigned to = fz_below(2) == 0 ? lcore : 1 - lcore;

		fzl.steer_tries += to != lcore;
		fzl.peer_answers++;
		fzl_wire_frame(to, a, fz_tcp(a, FZL_CLIENT_PORT, sport, TH_SYN | TH_ACK,
					     (uint32_t)fz_rand(), seq + 1, o, 12, 0));
		return;
	}
	if (th[13] == (TH_SYN | TH_ACK) &&
	    (dport == fzl.pend_fport[lcore][0] || dport == fzl.pend_fport[lcore][1])) {
		/* our connection to a service: complete it where it was made */
		fzl.peer_answers++;
		fzl_wire_frame(lcore, a, fz_tcp(a, dport, sport, TH_ACK, 1001, seq + 1, NULL, 0,
						0));
	}
}

static void
fzl_open(void)
{
	struct tcp_addrreq ta = { .ta_addr = PT_ADDR_US, .ta_prefix = PT_PREFIX };
	struct udp_addrreq ua = { .ua_addr = PT_ADDR_US, .ua_prefix = PT_PREFIX };
	struct tcp_param tp = fzl_tcp_param;
	struct ip_param ipp = fzl_ip_param;
	uint64_t end;

	memset(&fzl, 0, sizeof(fzl));
	memset(&fzw, 0, sizeof(fzw));
	fzl.fport_next = 41000;
	cr_assert_eq(rte_lcore_id(), 0);
	cr_assert_lt(rte_get_next_lcore(0, 1, 0), RTE_MAX_LCORE, "a second lcore");
	pt_stack_open(&fzl.s, 0, 1500);
	cr_assert_geq(pt_istr(fzl.s.ip, IP_SETPARAM, &ipp, sizeof(ipp)), 0);
	cr_assert_eq(yard_tcp_plumb(&fzl.tp, &ta, 1), 0);
	cr_assert_geq(pt_istr(fzl.tp.tp_tcp, TCP_SETPARAM, &tp, sizeof(tp)), 0);
	cr_assert_eq(yard_udp_plumb(&fzl.up, &ua, 1), 0);
	cr_assert_eq(fzl_services_start(0), 0);
	yt_drain();
	(void)pt_discard(fzl.s.link.minor);

	fzw.in = rte_ring_create("fzl_in", FZL_SLOTS * 2, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	fzw.in_free = rte_ring_create("fzl_in_free", FZL_SLOTS * 2, 0,
				      RING_F_SP_ENQ | RING_F_SC_DEQ);
	fzw.out = rte_ring_create("fzl_out", FZL_OUT_SLOTS * 2, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	fzw.out_free = rte_ring_create("fzl_out_free", FZL_OUT_SLOTS * 2, 0,
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	cr_assert(fzw.in != NULL && fzw.in_free != NULL && fzw.out != NULL &&
		  fzw.out_free != NULL);
	for (unsigned i = 0; i < FZL_SLOTS; i++)
		cr_assert_eq(rte_ring_enqueue(fzw.in_free, &fzl_slots[i]), 0);
	for (unsigned i = 0; i < FZL_OUT_SLOTS; i++)
		cr_assert_eq(rte_ring_enqueue(fzw.out_free, &fzl_out_slots[i]), 0);

	cr_assert_eq(rte_eal_remote_launch(fzw_main, NULL, 1), 0);
	end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
	while (__atomic_load_n(&fzw.state, __ATOMIC_ACQUIRE) != FZW_READY) {
		cr_assert_lt(rte_get_timer_cycles(), end, "worker set-up stuck (line %d)",
			     fzw.fail);
		yt_drain();
		rte_pause();
	}
	cr_assert_eq(fzw.fail, 0, "worker set-up failed at line %d (%u)", fzw.fail,
		     fzw.fail_val);
}

static void
fzl_close(void)
{
	uint64_t end = rte_get_timer_cycles() + 20 * rte_get_timer_hz();

	__atomic_store_n(&fzw.cmd, FZW_CMD_STOP, __ATOMIC_RELEASE);
	while (__atomic_load_n(&fzw.state, __ATOMIC_ACQUIRE) != FZW_STOPPED) {
		cr_assert_lt(rte_get_timer_cycles(), end, "worker teardown stuck");
		yt_drain();
		(void)pt_discard(fzl.s.link.minor);
		rte_pause();
	}
	cr_assert_eq(rte_eal_wait_lcore(1), 0);
	cr_assert_eq(fzw.fail, 0, "worker failed at line %d (%u)", fzw.fail, fzw.fail_val);
	cr_assert_eq(fzw.runt_out, 0, "lcore 1 sent %lu frames longer than %u bytes",
		     (unsigned long)fzw.runt_out, FZL_OUT_MAX);

	fzl_services_stop();
	yt_drain();
	pt_run_ms(300); /* orphans finish; TIME-WAIT (MSL 50 ms) ends */
	(void)pt_discard(fzl.s.link.minor);
	yard_udp_unplumb(&fzl.up);
	yard_tcp_unplumb(&fzl.tp);
	pt_stack_close(&fzl.s);
	yt_drain();

	/* whatever lcore 1 sent last and the test did not read */
	{
		struct fzl_out *o;

		while (rte_ring_sc_dequeue(fzw.out, (void **)&o) == 0)
			cr_assert_eq(rte_ring_enqueue(fzw.out_free, o), 0);
	}
	for (unsigned l = 0; l < 2; l++)
		cr_assert_eq(rte_ring_count(yard_sched_of(l)->sc_mbox), 0,
			     "lcore %u's mailbox not empty", l);
	cr_assert_eq(rte_ring_count(fzw.in), 0);
	cr_assert_eq(rte_ring_count(fzw.in_free), FZL_SLOTS, "frame slots lost");
	cr_assert_eq(rte_ring_count(fzw.out_free), FZL_OUT_SLOTS, "out slots lost");
	rte_ring_free(fzw.in);
	rte_ring_free(fzw.in_free);
	rte_ring_free(fzw.out);
	rte_ring_free(fzw.out_free);
	pt_assert_clean();
	cr_assert_eq(__atomic_load_n(&fzl_esb_live, __ATOMIC_RELAXED), 0,
		     "seed %#lx: %u wrapped buffers never given back", (unsigned long)fz_seed,
		     fzl_esb_live);
}

/* ---- the wire: frames drawn here, for either lcore -------------------------------------------- */

/* lcore 0's burst being drawn, and lcore 1's (slots not yet sent) */
static mblk_t *fzl_b0[FZL_BURST_MAX];
static unsigned fzl_n0;
static struct fzl_wire *fzl_b1[FZL_BURST_MAX];
static unsigned fzl_n1;

static void
fzl_flush(unsigned lcore)
{
	if (lcore == 0 && fzl_n0 != 0) {
		if (fz_below(2) == 0) {
			cr_assert_eq(yard_loop_inject_burst(fzl.s.link.minor, fzl_b0, fzl_n0), 0);
		} else {
			for (unsigned i = 0; i < fzl_n0; i++)
				cr_assert_eq(yard_loop_inject(fzl.s.link.minor, fzl_b0[i]), 0);
		}
		fzl_n0 = 0;
	} else if (lcore == 1 && fzl_n1 != 0) {
		fzl_b1[0]->one_by_one = (uint8_t)(fz_below(2) == 0);
		fzl_b1[fzl_n1 - 1]->burst_end = 1;
		cr_assert_eq(rte_ring_sp_enqueue_bulk(fzw.in, (void **)fzl_b1, fzl_n1, NULL),
			     fzl_n1);
		fzl.wired[1] += fzl_n1;
		fzl_n1 = 0;
	}
}

/* Wait while lcore 1 has too much to do still (running lcore 0 meanwhile). */
static void
fzl_wait_backlog(uint64_t most)
{
	uint64_t end = rte_get_timer_cycles() + 20 * rte_get_timer_hz();

	while (fzl.wired[1] - __atomic_load_n(&fzw.injected, __ATOMIC_ACQUIRE) > most) {
		cr_assert_lt(rte_get_timer_cycles(), end, "lcore 1 stuck (line %d)", fzw.fail);
		fzl_poll();
		rte_pause();
	}
}

/* Put a frame on lcore's wire, in the burst being drawn for it. */
static void
fzl_wire_frame(unsigned lcore, const uint8_t *f, size_t n)
{
	if (lcore == 0) {
		size_t cut[4];
		unsigned parts = fz_below(5) == 0 ? 2 + fz_below(2) : 1;
		mblk_t *head = NULL, **tail = &head;

		fz_cuts(cut, parts, n);
		for (unsigned i = 0; i < parts; i++) {
			mblk_t *bp = fzl_block(f + cut[i], cut[i + 1] - cut[i], fz_below(2) == 0,
					       i == 0);

			cr_assert_not_null(bp);
			*tail = bp;
			tail = &bp->b_cont;
		}
		if (fzl_n0 == FZL_BURST_MAX)
			fzl_flush(0);
		fzl_b0[fzl_n0++] = head;
		fzl.wired[0]++;
	} else {
		uint64_t end = rte_get_timer_cycles() + 20 * rte_get_timer_hz();
		struct fzl_wire *w;

		/* every slot on its way: wait for lcore 1 (which needs nothing from us for it) */
		if (rte_ring_count(fzw.in_free) == 0)
			fzl_flush(1);
		while (rte_ring_sc_dequeue(fzw.in_free, (void **)&w) != 0) {
			cr_assert_lt(rte_get_timer_cycles(), end, "lcore 1 stuck (line %d)",
				     fzw.fail);
			rte_pause();
		}
		memset(w, 0, offsetof(struct fzl_wire, data));
		fzl_draw_layout(w, f, n);
		if (fzl_n1 == FZL_BURST_MAX)
			fzl_flush(1);
		fzl_b1[fzl_n1++] = w;
	}
}

static void
fzl_poll(void)
{
	static uint8_t f[70000];
	struct fzl_out *o;
	size_t n;

	for (int round = 0; round < 4; round++) {
		yt_drain();
		while ((n = pt_take(fzl.s.link.minor, f, sizeof(f))) != 0)
			fzl_peer(0, f, n);
		while (rte_ring_sc_dequeue(fzw.out, (void **)&o) == 0) {
			fzl_peer(1, o->data, o->len);
			cr_assert_eq(rte_ring_sp_enqueue(fzw.out_free, o), 0);
		}
		if (fzl_n0 == 0 && fzl_n1 == 0)
			break;
		/* the peer answered: send it */
		fzl_flush(0);
		fzl_flush(1);
	}
}

/* ---- targets: the connections of both lcores ----------------------------------------------- */

/* Snapshot both lcores' connections (lcore 1's through the worker, which owns its table). */
static void
fzl_snapshot(void)
{
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();

	__atomic_store_n(&fzw.cmd, FZW_CMD_SNAP, __ATOMIC_RELEASE);
	fzl_client_renew(&fzl.gen);
	fzl.nrows[0] = RTE_MIN(yard_tcp_conns_snapshot(fzl.rows[0], FZL_ROWS), FZL_ROWS);
	while (__atomic_load_n(&fzw.cmd, __ATOMIC_ACQUIRE) != FZW_CMD_NONE) {
		cr_assert_lt(rte_get_timer_cycles(), end, "worker stuck (line %d)", fzw.fail);
		fzl_poll();
		rte_pause();
	}
	fzl.nrows[1] = RTE_MIN(fzw.nrows, FZL_ROWS);
	memcpy(fzl.rows[1], fzw.rows, sizeof(fzl.rows[1][0]) * (size_t)fzl.nrows[1]);
}

static const struct yard_tcp_conn_row *
fzl_find(unsigned lcore, uint16_t lport, uint16_t fport)
{
	for (int i = 0; i < fzl.nrows[lcore]; i++) {
		const struct yard_tcp_conn_row *r = &fzl.rows[lcore][i];

		if (r->tr_faddr != 0 && r->tr_lport == rte_cpu_to_be_16(lport) &&
		    r->tr_fport == rte_cpu_to_be_16(fport))
			return r;
	}
	return NULL;
}

/* The peer keeps a connection up to each service on each lcore (made again when it is gone). */
static void
fzl_connect_all(void)
{
	static const uint16_t port[2] = { TCP_ECHO_PORT, TCP_HTTP_PORT };
	uint8_t f[128], o[20] = { TCPOPT_MAXSEG, 4, 0x05, 0xb4, TCPOPT_SACK_PERMITTED, 2,
				  TCPOPT_WINDOW, 3, 7, TCPOPT_NOP };

	for (unsigned l = 0; l < 2; l++)
		for (unsigned s = 0; s < 2; s++) {
			const struct yard_tcp_conn_row *r =
				fzl_find(l, port[s], fzl.pend_fport[l][s]);

			/* up, or its handshake under way */
			if (r != NULL && r->tr_info.tcpi_state >= TCPS_SYN_RECEIVED &&
			    r->tr_info.tcpi_state <= TCPS_CLOSE_WAIT)
				continue;
			fzl.pend_fport[l][s] = fzl.fport_next++;
			if (fzl.fport_next > 60000)
				fzl.fport_next = 41000;
			fzl.conns++;
			fzl_wire_frame(l, f, fz_tcp(f, fzl.pend_fport[l][s], port[s], TH_SYN, 1000,
						    0, o, 12, 0));
		}
}

/*
 * A TCP seed frame about one of either lcore's connections, and the lcore it goes to: an active
 * open's segments reach either lcore (the other steers them), a passive open's mostly its own.
 */
static size_t
fzl_tcp_seed(uint8_t *f, enum fz_kind k, unsigned *lcore)
{
	unsigned l = fz_below(2), total = (unsigned)(fzl.nrows[0] + fzl.nrows[1]);
	struct fz_tcp_target t = { .lport = TCP_ECHO_PORT, .fport = 40000, .rcv = 1001, .una = 1,
				   .nxt = 1, .listen_port = TCP_ECHO_PORT };

	*lcore = l;
	for (unsigned tries = 0; total != 0 && tries < 8; tries++) {
		unsigned i = fz_below(total);
		unsigned owner = i < (unsigned)fzl.nrows[0] ? 0 : 1;
		const struct yard_tcp_conn_row *r = &fzl.rows[owner][owner ? i - fzl.nrows[0] : i];
		bool active;

		if (r->tr_faddr == 0)
			continue;
		t.lport = rte_be_to_cpu_16(r->tr_lport);
		t.fport = rte_be_to_cpu_16(r->tr_fport);
		t.rcv = r->tr_info.tcpi_rcv_nxt;
		t.una = r->tr_info.tcpi_snd_una;
		t.nxt = r->tr_info.tcpi_snd_nxt;
		active = t.fport == FZL_CLIENT_PORT;
		*lcore = active ? fz_below(2) : (fz_below(8) == 0 ? 1 - owner : owner);
		break;
	}
	return fz_seed_frame_to(f, k, &t);
}

/* An ARP frame from another host on the subnet: learned (and sent to the sibling), or not. */
static size_t
fzl_arp_host(uint8_t *f)
{
	struct rte_ether_addr mac = { .addr_bytes = { 2, 0, 0, 0, 1, 0 } };
	unsigned h = 3 + fz_below(12);
	uint32_t ip = PT_IPV4(198, 18, 0, h);

	mac.addr_bytes[5] = (uint8_t)(h + fz_below(2) * 0x40); /* a host that changed its MAC */
	switch (fz_below(3)) {
	case 0: /* a request for us */
		return pt_arp(f, &pt_mac_bcast, 1, &mac, ip, &pt_mac_bcast, PT_ADDR_US);
	case 1: /* a reply to us */
		return pt_arp(f, &pt_mac_us, 2, &mac, ip, &pt_mac_us, PT_ADDR_US);
	default: /* gratuitous */
		return pt_arp(f, &pt_mac_bcast, 1, &mac, ip, &pt_mac_bcast, ip);
	}
}

/* ---- the run ------------------------------------------------------------------------------- */

struct fzl_base {
	uint64_t loops_out[2];
	struct arpstat arp[2];
	struct ipstat ip[2];
	struct tcpstat tcp[2];
	struct udpstat udp[2];
	struct yard_sched_stats sc[2];
};

static void
fzl_base_read(struct fzl_base *b, int minor1)
{
	b->loops_out[0] = yard_loop_stats(fzl.s.link.minor)->loops_out;
	b->loops_out[1] = yard_loop_stats(minor1)->loops_out;
	for (int l = 0; l < 2; l++) {
		cr_assert_eq(arpstat_sum(&b->arp[l], l, 0), 1, "one arp instance on lcore %d", l);
		ipstat_sum(&b->ip[l], NULL, l);
		tcpstat_sum(&b->tcp[l], l);
		udpstat_sum(&b->udp[l], l);
		b->sc[l] = yard_sched_of((unsigned)l)->sc_stats;
	}
}

#define D(field) (e.field - b.field)

/*
 * Let both lcores finish what they were given: lcore 1 has injected every frame, neither
 * mailbox holds a message, and each lcore has run passes since. Nothing then crosses between
 * them any more (timers send only on their own lcore's link), so the counters are final.
 */
static void
fzl_quiesce(void)
{
	uint64_t end = rte_get_timer_cycles() + 20 * rte_get_timer_hz();

	fzl_flush(0);
	fzl_flush(1);
	fzl.quiet = true;
	for (;;) {
		uint64_t p;

		cr_assert_lt(rte_get_timer_cycles(), end, "lcores never quiet (line %d)",
			     fzw.fail);
		fzl_poll();
		if (__atomic_load_n(&fzw.injected, __ATOMIC_ACQUIRE) != fzl.wired[1] ||
		    rte_ring_count(yard_sched_of(0)->sc_mbox) != 0 ||
		    rte_ring_count(yard_sched_of(1)->sc_mbox) != 0)
			continue;
		p = __atomic_load_n(&fzw.passes, __ATOMIC_ACQUIRE);
		while (__atomic_load_n(&fzw.passes, __ATOMIC_ACQUIRE) < p + 3)
			fzl_poll();
		fzl_poll();
		if (rte_ring_count(yard_sched_of(0)->sc_mbox) == 0 &&
		    rte_ring_count(yard_sched_of(1)->sc_mbox) == 0)
			break;
	}
}

/*
 * The checks; reach (a run long enough to be sure of it: the default is) also requires that
 * the run went where it is aimed, across the lcores both ways.
 */
static void
fzl_check_accounting(const struct fzl_base *bp, bool reach, bool cross_tcp)
{
	struct fzl_base e, b = *bp;

	fzl_base_read(&e, fzw.minor);
	for (unsigned l = 0; l < 2; l++) {
		unsigned o = 1 - l;
		uint64_t injected = D(loops_out[l]);
		uint64_t rx = D(arp[l].arps_rx_frames);
		uint64_t out = fz_arp_out(&e.arp[l]) - fz_arp_out(&b.arp[l]);

		/* on each lcore: every frame on its wire reached arp, which accounted for it */
		cr_assert_eq(injected, fzl.wired[l], "seed %#lx: lcore %u injected %lu of %lu",
			     (unsigned long)fz_seed, l, (unsigned long)injected,
			     (unsigned long)fzl.wired[l]);
		cr_assert_eq(rx, injected, "seed %#lx: lcore %u's arp received %lu of %lu frames",
			     (unsigned long)fz_seed, l, (unsigned long)rx, (unsigned long)injected);
		cr_assert_eq(out, rx, "seed %#lx: lcore %u's arp accounted for %lu of %lu frames",
			     (unsigned long)fz_seed, l, (unsigned long)out, (unsigned long)rx);
		/* across: what one lcore sent through a mailbox the other took and counted */
		cr_assert_eq(D(ip[l].ips_frag_forwarded), D(ip[o].ips_frag_fwd_received),
			     "seed %#lx: lcore %u forwarded %lu fragments, lcore %u received %lu",
			     (unsigned long)fz_seed, l, (unsigned long)D(ip[l].ips_frag_forwarded),
			     o, (unsigned long)D(ip[o].ips_frag_fwd_received));
		cr_assert_eq(D(arp[l].arps_sib_sent), D(arp[o].arps_sib_received),
			     "seed %#lx: lcore %u sent %lu learn messages, lcore %u received %lu",
			     (unsigned long)fz_seed, l, (unsigned long)D(arp[l].arps_sib_sent), o,
			     (unsigned long)D(arp[o].arps_sib_received));
		cr_assert_eq(D(tcp[l].tcps_icmp_relayed), D(tcp[o].tcps_icmp_relay_rx),
			     "seed %#lx: lcore %u relayed %lu ICMP errors, lcore %u received %lu",
			     (unsigned long)fz_seed, l,
			     (unsigned long)D(tcp[l].tcps_icmp_relayed), o,
			     (unsigned long)D(tcp[o].tcps_icmp_relay_rx));
		/* each IGMP query an lcore took, told to the other (or counted why not) */
		cr_assert_leq(D(ip[l].ips_igmp_fwd_sent) + D(ip[l].ips_igmp_fwd_fail),
			      D(ip[l].ips_igmp_rx_queries));
		cr_assert_geq(D(ip[l].ips_igmp_fwd_sent) + D(ip[l].ips_igmp_fwd_fail) +
				      D(ip[l].ips_igmp_tx_nomem),
			      D(ip[l].ips_igmp_rx_queries),
			      "seed %#lx: lcore %u took %lu IGMP queries, told %lu",
			      (unsigned long)fz_seed, l, (unsigned long)D(ip[l].ips_igmp_rx_queries),
			      (unsigned long)D(ip[l].ips_igmp_fwd_sent));
		cr_assert_eq(D(ip[l].ips_igmp_fwd_sent), D(ip[o].ips_igmp_fwd_received),
			     "seed %#lx: lcore %u told %lu IGMP queries, lcore %u received %lu",
			     (unsigned long)fz_seed, l, (unsigned long)D(ip[l].ips_igmp_fwd_sent),
			     o, (unsigned long)D(ip[o].ips_igmp_fwd_received));
		cr_assert_eq(D(sc[l].mbox_msgs),
			     D(ip[l].ips_frag_fwd_received) + D(arp[l].arps_sib_received) +
				     D(tcp[o].tcps_rx_steered) + D(tcp[l].tcps_icmp_relay_rx) +
				     D(udp[o].udps_rx_steered) + D(ip[l].ips_igmp_fwd_received),
			     "seed %#lx: lcore %u took %lu messages from its mailbox: %lu fragments, "
			     "%lu learn messages, %lu steered segments, %lu relayed ICMP errors, "
			     "%lu steered datagrams, %lu IGMP queries",
			     (unsigned long)fz_seed, l, (unsigned long)D(sc[l].mbox_msgs),
			     (unsigned long)D(ip[l].ips_frag_fwd_received),
			     (unsigned long)D(arp[l].arps_sib_received),
			     (unsigned long)D(tcp[o].tcps_rx_steered),
			     (unsigned long)D(tcp[l].tcps_icmp_relay_rx),
			     (unsigned long)D(udp[o].udps_rx_steered),
			     (unsigned long)D(ip[l].ips_igmp_fwd_received));
		cr_assert_eq(D(sc[l].mbox_full),
			     D(ip[l].ips_frag_fwd_fail) + D(arp[l].arps_sib_mbox_full) +
				     D(tcp[l].tcps_drop_steer_full) +
				     D(udp[l].udps_drop_steer_full) + D(ip[l].ips_igmp_fwd_fail),
			     "seed %#lx: lcore %u's refused mailbox sends not counted by reason",
			     (unsigned long)fz_seed, l);
		cr_assert_eq(D(sc[l].mbox_drops), 0);
		/* and the run reached the paths it is for */
		if (!reach)
			continue;
		cr_assert_gt(D(ip[l].ips_frag_forwarded), 0, "lcore %u forwarded no fragment", l);
		cr_assert_gt(D(arp[l].arps_sib_sent), 0, "lcore %u taught its sibling nothing", l);
		if (cross_tcp)
			cr_assert_gt(D(tcp[l].tcps_rx_steered), 0, "lcore %u steered no segment", l);
	}
	for (unsigned l = 0; l < 2; l++) {
		char what[16];
		struct icmpstat ic;

		ipstat_sum(&e.ip[l], &ic, (int)l);
		snprintf(what, sizeof(what), "lcore %u arp", l);
		fz_log_counters(what, &e.arp[l], sizeof(e.arp[l]), arpstat_name);
		snprintf(what, sizeof(what), "lcore %u ip", l);
		fz_log_counters(what, &e.ip[l], sizeof(e.ip[l]), ipstat_name);
		snprintf(what, sizeof(what), "lcore %u icmp", l);
		fz_log_counters(what, &ic, sizeof(ic), icmpstat_name);
		snprintf(what, sizeof(what), "lcore %u tcp", l);
		fz_log_counters(what, &e.tcp[l], sizeof(e.tcp[l]), tcpstat_name);
		snprintf(what, sizeof(what), "lcore %u udp", l);
		fz_log_counters(what, &e.udp[l], sizeof(e.udp[l]), udpstat_name);
	}
}

static void
fzl_run(unsigned salt, const unsigned *kinds, unsigned nkinds, bool cross_tcp)
{
	unsigned long iters = fz_env("FUZZ_ITERS", 12000);
	uint64_t frames = 0, bursts = 0;
	struct fzl_base b;
	static uint8_t f[FZ_FRAG_SET_MAX][FZ_FRAME_MAX];
	size_t len[FZ_FRAG_SET_MAX];

	fzl_seed_init(salt);
	fzl_open();
	fzl_base_read(&b, fzw.minor);
	fzl_snapshot();
	fzl_connect_all();
	while (frames < iters) {
		unsigned nb = 1 + fz_below(fz_below(4) == 0 ? FZL_BURST_MAX : 6);

		for (unsigned i = 0; i < nb; i++) {
			unsigned k = kinds[fz_below(nkinds)], lcore = fz_below(2), n = 1;

			switch (k) {
			case FZL_FRAG_SET:
				/* identifications from a small set: old flows meet new fragments */
				n = fz_frag_set(f, len, (uint16_t)(0x200 + fz_below(64)));
				break;
			case FZL_ARP_HOST:
				len[0] = fzl_arp_host(f[0]);
				break;
			case FZ_TCP_SYN: case FZ_TCP_DATA: case FZ_TCP_ACK_SACK: case FZ_TCP_FIN:
			case FZ_TCP_RST: case FZ_TCP_NO_CONN: case FZ_ICMP_FRAG_NEEDED:
				len[0] = fzl_tcp_seed(f[0], (enum fz_kind)k, &lcore);
				break;
			default:
				len[0] = fz_seed_frame_to(f[0], (enum fz_kind)k,
							  &(struct fz_tcp_target){
								  .lport = TCP_ECHO_PORT,
								  .fport = 40000, .rcv = 1001,
								  .una = 1, .nxt = 1,
								  .listen_port = TCP_ECHO_PORT });
				break;
			}
			for (unsigned j = 0; j < n; j++) {
				/* a fragment set's pieces: to either lcore, a few spoilt */
				if (n > 1) {
					lcore = fz_below(2);
					if (fz_below(8) == 0)
						len[j] = fz_mutate(f[j], len[j], FZ_FRAME_MAX);
				} else if (fz_below(8) != 0) {
					len[j] = fz_mutate(f[j], len[j], FZ_FRAME_MAX);
				}
				fzl_wire_frame(lcore, f[j], len[j]);
				frames++;
			}
		}
		fzl_flush(fz_below(2));
		fzl_flush(0);
		fzl_flush(1);
		fzl_poll();
		fzl_wait_backlog(FZL_BACKLOG);
		if (++bursts % 16 == 0) {
			pt_run_ms(fz_below(10)); /* lcore 0's timers: retransmissions, reassembly */
			fzl_poll();
			fzl_snapshot();
			fzl_connect_all();
			fzl_poll();
		}
	}
	fzl_quiesce();
	fzl_check_accounting(&b, iters >= 5000, cross_tcp);
	fzl_close();
	cr_log_info("fuzz seed %#lx: %lu frames in %lu bursts (lcore 0 %lu, lcore 1 %lu), sent "
		    "lcore 0 %lu, lcore 1 %lu; %lu peer answers (%lu SYN,ACKs on the other "
		    "lcore), %u connections, %u + %u client generations",
		    (unsigned long)fz_seed, (unsigned long)frames, (unsigned long)bursts,
		    (unsigned long)fzl.wired[0], (unsigned long)fzl.wired[1],
		    (unsigned long)fzl.sent[0], (unsigned long)fzl.sent[1],
		    (unsigned long)fzl.peer_answers, (unsigned long)fzl.steer_tries, fzl.conns,
		    fzl.gen + 1, fzw.clients);
}

YT_TEST(fuzz_lcores, fragments_arp_and_icmp_cross_lcores_intact)
{
	static const unsigned k[] = {
		FZL_FRAG_SET, FZL_FRAG_SET, FZL_FRAG_SET, FZL_ARP_HOST, FZL_ARP_HOST, FZ_ARP_REQ,
		FZ_ARP_REPLY, FZ_PING, FZ_UDP, FZ_UDP_BIG, FZ_FRAG_FIRST, FZ_FRAG_MID,
		FZ_FRAG_LAST, FZ_ICMP_UNREACH, FZ_ICMP_FRAG_NEEDED,
	};

	fzl_run(11, k, RTE_DIM(k), false);
}

YT_TEST(fuzz_lcores, tcp_steered_between_lcores_intact)
{
	static const unsigned k[] = {
		FZ_TCP_SYN, FZ_TCP_DATA, FZ_TCP_DATA, FZ_TCP_ACK_SACK, FZ_TCP_ACK_SACK, FZ_TCP_FIN,
		FZ_TCP_RST, FZ_TCP_NO_CONN, FZ_ICMP_FRAG_NEEDED, FZ_ICMP_FRAG_NEEDED, FZL_FRAG_SET,
		FZL_ARP_HOST,
	};

	fzl_run(12, k, RTE_DIM(k), true);
}

/*
 * Both lcores start and stop TCP and UDP clients at once, 1,500 times each. The clients' slots
 * are shared by every lcore: each start used to take the first free one, free until the client
 * was built, so two lcores starting at the same moment took the same slot and each wrote over
 * the other's client (an endpoint closed on the wrong lcore, a client's freed endpoints called
 * back: a crash or leaked blocks in this suite's other tests, now and then).
 */
YT_TEST(fuzz_lcores, clients_started_on_both_lcores_at_once_keep_their_own_slots)
{
	uint64_t end = rte_get_timer_cycles() + 60 * rte_get_timer_hz();
	int here;

	fzl_seed_init(15);
	fzl_open();
	__atomic_store_n(&fzw.cmd, FZW_CMD_CHURN, __ATOMIC_RELEASE);
	here = fzl_churn(FZL_CHURN_ROUNDS);
	while (__atomic_load_n(&fzw.cmd, __ATOMIC_ACQUIRE) != FZW_CMD_NONE) {
		cr_assert_lt(rte_get_timer_cycles(), end, "lcore 1 never finished");
		fzl_poll();
		rte_pause();
	}
	cr_assert_eq(here, 0, "lcore 0's churn failed at line %d", here);
	cr_assert_eq(fzw.churn, 0, "lcore 1's churn failed at line %d", fzw.churn);
	fzl_close();
}

YT_TEST(fuzz_lcores, every_kind_on_both_lcores)
{
	unsigned k[FZL_KINDS];

	for (unsigned i = 0; i < FZL_KINDS; i++)
		k[i] = i;
	fzl_run(13, k, FZL_KINDS, true);
}

/*
 * Run both lcores until lcore's counter field (of struct tcpstat or udpstat, summed by sum)
 * differs from base's, before end; now: the counters then.
 */
#define FZL_WAIT(sum, lcore, field, base, end, what, now)                                     \
	do {                                                                                   \
		for (sum(&(now), (int)(lcore)); (now).field == (base).field;                   \
		     sum(&(now), (int)(lcore))) {                                              \
			cr_assert_lt(rte_get_timer_cycles(), (end), "lcore %u never %s",       \
				     (unsigned)(lcore), (what));                               \
			fzl_poll();                                                            \
		}                                                                              \
	} while (0)

/*
 * An ICMP message is queued by its own addresses, so a router's error about lcore 1's active
 * open may reach lcore 0: software steering hands it to lcore 1 as it does the open's segments
 * (tcp_icmp.c), and a port unreachable then ends the attempt there. Before, lcore 0 counted
 * icmp_no_conn and the attempt went on retransmitting its SYN.
 */
YT_TEST(fuzz_lcores, icmp_error_about_the_other_lcores_active_open_reaches_it)
{
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
	struct tcpstat t0, t1, e0, e1;
	uint8_t f[128];

	fzl_seed_init(14);
	fzl_open();
	fzl.quiet = true; /* the peer does not answer: the clients' SYNs wait */
	while (fzl.syn[1].port == 0) {
		cr_assert_lt(rte_get_timer_cycles(), end, "no SYN from lcore 1's client");
		fzl_poll();
	}
	cr_assert_eq(fzl.syn[1].port % 2, 1, "lcore 1's ports are odd (rank 1 of 2)");
	tcpstat_sum(&t0, 0);
	tcpstat_sum(&t1, 1);
	fzl_wire_frame(0, f, fz_icmp_error(f, 3, 3, IPPROTO_TCP, fzl.syn[1].port,
					   FZL_CLIENT_PORT, fzl.syn[1].iss, 0));
	fzl_flush(0);
	FZL_WAIT(tcpstat_sum, 1, tcps_icmp_refused, t1, end, "acted on the error", e1);
	tcpstat_sum(&e0, 0);
	cr_assert_eq(e0.tcps_icmp_rx - t0.tcps_icmp_rx, 1);
	cr_assert_eq(e0.tcps_rx_steered - t0.tcps_rx_steered, 1, "lcore 0 handed it over");
	cr_assert_eq(e0.tcps_icmp_no_conn, t0.tcps_icmp_no_conn);
	cr_assert_eq(e1.tcps_icmp_refused - t1.tcps_icmp_refused, 1, "the attempt ended");
	fzl_close();
}

/*
 * The peer's SYN from fport to lcore's echo service, left unanswered (quiet): the connection
 * that lcore holds in SYN-RECEIVED, its SYN,ACK in flight.
 */
static const struct yard_tcp_conn_row *
fzl_passive_open(unsigned lcore, uint16_t fport)
{
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
	uint8_t f[128], o[20] = { TCPOPT_MAXSEG, 4, 0x05, 0xb4, TCPOPT_SACK_PERMITTED, 2,
				  TCPOPT_WINDOW, 3, 7, TCPOPT_NOP };
	const struct yard_tcp_conn_row *r = NULL;

	fzl.quiet = true;
	fzl_wire_frame(lcore, f, fz_tcp(f, fport, TCP_ECHO_PORT, TH_SYN, 1000, 0, o, 12, 0));
	fzl_flush(lcore);
	while (r == NULL) {
		cr_assert_lt(rte_get_timer_cycles(), end, "lcore %u never took the connection",
			     lcore);
		fzl_poll();
		fzl_snapshot();
		r = fzl_find(lcore, TCP_ECHO_PORT, fport);
	}
	cr_assert_null(fzl_find(1 - lcore, TCP_ECHO_PORT, fport), "only lcore %u has it", lcore);
	cr_assert_eq(r->tr_info.tcpi_state, TCPS_SYN_RECEIVED);
	return r;
}

/*
 * A passive open belongs to the lcore its SYN reached; a router's "fragmentation needed" about
 * it may reach the other, which has only the listener: that lcore copies the error to the
 * others (tcp_icmp_relay()), and the connection's own lowers its MSS. Before, lcore 0 counted
 * icmp_no_conn and the connection went on sending segments the path drops (a PMTU black
 * hole). An error naming no connection anywhere is relayed too, and counted where it is
 * found to name none; a copy is never relayed back.
 */
YT_TEST(fuzz_lcores, icmp_error_about_the_other_lcores_passive_open_reaches_it)
{
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
	const struct yard_tcp_conn_row *r;
	struct tcpstat t0, t1, e0, e1;
	uint8_t f[128];
	uint32_t una;

	fzl_seed_init(15);
	fzl_open();
	r = fzl_passive_open(1, 42000);
	una = r->tr_info.tcpi_snd_una;
	tcpstat_sum(&t0, 0);
	tcpstat_sum(&t1, 1);
	fzl_wire_frame(0, f, fz_icmp_error(f, 3, 4, IPPROTO_TCP, TCP_ECHO_PORT, 42000, una, 1280));
	fzl_flush(0);
	FZL_WAIT(tcpstat_sum, 1, tcps_pmtu_lowered, t1, end, "lowered the MSS", e1);
	tcpstat_sum(&e0, 0);
	cr_assert_eq(e0.tcps_icmp_rx - t0.tcps_icmp_rx, 1);
	cr_assert_eq(e0.tcps_icmp_relayed - t0.tcps_icmp_relayed, 1, "lcore 0 relayed it");
	cr_assert_eq(e0.tcps_icmp_no_conn, t0.tcps_icmp_no_conn);
	cr_assert_eq(e1.tcps_icmp_relay_rx - t1.tcps_icmp_relay_rx, 1);
	cr_assert_eq(e1.tcps_icmp_rx, t1.tcps_icmp_rx, "a copy is not counted as ip's");
	cr_assert_eq(e1.tcps_pmtu_lowered - t1.tcps_pmtu_lowered, 1);
	fzl_snapshot();
	r = fzl_find(1, TCP_ECHO_PORT, 42000);
	cr_assert_not_null(r);
	cr_assert_eq(r->tr_info.tcpi_mss, 1280 - 40, "MSS for a 1280-byte path");

	/* about no connection: relayed by lcore 0, found naming none on lcore 1, not sent back */
	t0 = e0;
	t1 = e1;
	fzl_wire_frame(0, f, fz_icmp_error(f, 3, 4, IPPROTO_TCP, TCP_ECHO_PORT, 42001, una, 1280));
	fzl_flush(0);
	FZL_WAIT(tcpstat_sum, 1, tcps_icmp_no_conn, t1, end, "looked at the copy", e1);
	fzl_quiesce();
	tcpstat_sum(&e0, 0);
	tcpstat_sum(&e1, 1);
	cr_assert_eq(e0.tcps_icmp_relayed - t0.tcps_icmp_relayed, 1);
	cr_assert_eq(e1.tcps_icmp_relay_rx - t1.tcps_icmp_relay_rx, 1);
	cr_assert_eq(e1.tcps_icmp_relayed, t1.tcps_icmp_relayed, "a copy is never relayed");
	cr_assert_eq(e0.tcps_icmp_relay_rx, t0.tcps_icmp_relay_rx);
	cr_assert_eq(e1.tcps_icmp_no_conn - t1.tcps_icmp_no_conn, 1);
	cr_assert_eq(e0.tcps_icmp_no_conn, t0.tcps_icmp_no_conn);
	fzl_close();
}

/*
 * Forged errors quoting a listener's port cost nothing to send and each would become a
 * message in every other lcore's mailbox: past tp_icmp_relay_limit in a second, lcore 0 drops
 * them (icmp_relay_limited) instead of relaying.
 */
YT_TEST(fuzz_lcores, icmp_errors_past_the_relay_limit_are_dropped)
{
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
	struct tcp_param tp = { .tp_icmp_relay_limit = 3 };
	struct tcpstat t0, t1, e0, e1;
	uint8_t f[128];

	fzl_seed_init(18);
	fzl_open();
	fzl.quiet = true;
	cr_assert_geq(pt_istr(fzl.tp.tp_tcp, TCP_SETPARAM, &tp, sizeof(tp)), 0);
	cr_assert_eq(tp.tp_icmp_relay_limit, 3);
	tcpstat_sum(&t0, 0);
	tcpstat_sum(&t1, 1);
	for (uint16_t i = 0; i < 5; i++)
		fzl_wire_frame(0, f, fz_icmp_error(f, 3, 4, IPPROTO_TCP, TCP_ECHO_PORT,
						   (uint16_t)(43000 + i), 1, 1280));
	fzl_flush(0);
	FZL_WAIT(tcpstat_sum, 0, tcps_icmp_relay_limited, t0, end, "reached its relay limit", e0);
	fzl_quiesce();
	tcpstat_sum(&e0, 0);
	tcpstat_sum(&e1, 1);
	cr_assert_eq(e0.tcps_icmp_rx - t0.tcps_icmp_rx, 5);
	cr_assert_eq(e0.tcps_icmp_relayed - t0.tcps_icmp_relayed, 3);
	cr_assert_eq(e0.tcps_icmp_relay_limited - t0.tcps_icmp_relay_limited, 2);
	cr_assert_eq(e1.tcps_icmp_relay_rx - t1.tcps_icmp_relay_rx, 3);
	cr_assert_eq(e1.tcps_icmp_no_conn - t1.tcps_icmp_no_conn, 3, "none names a connection");
	fzl_close();
}

/* The peer's port from 42000 on whose segments to us port 7 hash to RETA entry `entry` of 2. */
static uint16_t
fzl_rss_fport(const uint8_t *key, unsigned entry)
{
	for (uint16_t p = 42000;; p++) {
		struct rte_ipv4_tuple t = { .src_addr = rte_be_to_cpu_32(PT_ADDR_PEER),
					    .dst_addr = rte_be_to_cpu_32(PT_ADDR_US),
					    .sport = p, .dport = TCP_ECHO_PORT };

		if (rte_softrss((uint32_t *)&t, RTE_THASH_V4_L4_LEN, key) % 2 == entry)
			return p;
	}
}

/*
 * On an address with RSS the hash names the lcore of every connection, whoever opened it: an
 * error whose quote hashes to the other lcore's RETA entry is relayed there, and one hashing
 * to this lcore's entry names no connection anywhere (its SYN would have come here): counted
 * icmp_no_conn, not relayed. Lcore 0 alone is told the RSS (entry 0 is its queue, entry 1
 * lcore 1's); the peer's SYN goes to lcore 1 as a NIC would send it.
 */
YT_TEST(fuzz_lcores, icmp_error_on_an_rss_address_is_relayed_where_the_hash_says)
{
	static const uint8_t key[40] = {
		0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
		0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
		0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
	};
	struct tcp_rss_conf c = { .trc_addr = PT_ADDR_US, .trc_reta_size = 2, .trc_key_len = 40,
				  .trc_flags = TCP_RSS_L4 };
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
	uint16_t far = fzl_rss_fport(key, 1), near = fzl_rss_fport(key, 0);
	const struct yard_tcp_conn_row *r;
	struct tcpstat t0, t1, e0, e1;
	uint8_t f[128];

	memcpy(c.trc_key, key, sizeof(key));
	c.trc_mine[0] = 1;
	fzl_seed_init(16);
	fzl_open();
	cr_assert_geq(pt_istr(fzl.tp.tp_tcp, TCP_RSS_SET, &c, sizeof(c)), 0);
	r = fzl_passive_open(1, far);
	tcpstat_sum(&t0, 0);
	tcpstat_sum(&t1, 1);
	fzl_wire_frame(0, f, fz_icmp_error(f, 3, 4, IPPROTO_TCP, TCP_ECHO_PORT, far,
					   r->tr_info.tcpi_snd_una, 1280));
	fzl_wire_frame(0, f, fz_icmp_error(f, 3, 4, IPPROTO_TCP, TCP_ECHO_PORT, near,
					   r->tr_info.tcpi_snd_una, 1280));
	fzl_flush(0);
	FZL_WAIT(tcpstat_sum, 1, tcps_pmtu_lowered, t1, end, "lowered the MSS", e1);
	fzl_quiesce();
	tcpstat_sum(&e0, 0);
	tcpstat_sum(&e1, 1);
	cr_assert_eq(e0.tcps_icmp_rx - t0.tcps_icmp_rx, 2);
	cr_assert_eq(e0.tcps_icmp_relayed - t0.tcps_icmp_relayed, 1, "only the far one relayed");
	cr_assert_eq(e0.tcps_icmp_no_conn - t0.tcps_icmp_no_conn, 1, "the near one names none");
	cr_assert_eq(e1.tcps_icmp_relay_rx - t1.tcps_icmp_relay_rx, 1);
	cr_assert_eq(e1.tcps_pmtu_lowered - t1.tcps_pmtu_lowered, 1);
	cr_assert_eq(e1.tcps_icmp_no_conn, t1.tcps_icmp_no_conn);
	fzl_close();
}

/*
 * A UDP client on one lcore: its ephemeral port is of its lcore's share (even on lcore 0,
 * rank 0 of 2), and what the peer sends back to it reaching the other lcore -- a reply, an
 * ICMP error about what it sent -- is handed to it there (udp_steer.c). A datagram for a port
 * of lcore 1's share that nobody has, reaching lcore 0, is answered by lcore 1: port
 * unreachable. Before, the other lcore dropped replies as for no port and answered them port
 * unreachable, so a client on a two-queue port lost about half of them.
 */
YT_TEST(fuzz_lcores, udp_client_replies_reaching_the_other_lcore_are_handed_to_it)
{
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();
	struct sockaddr_in bound, from;
	struct t_bind ret = { .addr = { .maxlen = sizeof(bound), .buf = &bound } };
	struct t_uderr ue = { .addr = { .maxlen = sizeof(from), .buf = &from } };
	struct t_unitdata ud;
	struct udpstat u0, u1, e0, e1;
	uint8_t f[256], buf[64];
	uint16_t port;
	int fd, flags, got;

	fzl_seed_init(17);
	fzl_open();
	fzl.quiet = true;
	fd = t_open(UDP_DRVNAME, O_RDWR | O_NONBLOCK, NULL);
	cr_assert_geq(fd, 0, "t_open: t_errno %d", t_errno);
	cr_assert_eq(t_bind(fd, NULL, &ret), 0, "t_bind: t_errno %d", t_errno);
	port = rte_be_to_cpu_16(bound.sin_port);
	cr_assert(port >= UDP_PORT_EPH_LO && port % 2 == 0, "port %u: lcore 0's share", port);
	udpstat_sum(&u0, 0);
	udpstat_sum(&u1, 1);

	/* the reply, on lcore 1 */
	fzl_wire_frame(1, f, fz_udp(f, 5000, port, 24));
	fzl_flush(1);
	memset(&ud, 0, sizeof(ud));
	ud.addr = (struct netbuf){ .maxlen = sizeof(from), .buf = &from };
	ud.udata = (struct netbuf){ .maxlen = sizeof(buf), .buf = buf };
	while ((got = t_rcvudata(fd, &ud, &flags)) != 0) {
		cr_assert_eq(t_errno, TNODATA, "t_rcvudata: t_errno %d", t_errno);
		cr_assert_lt(rte_get_timer_cycles(), end, "the reply never reached the client");
		fzl_poll();
	}
	cr_assert_eq(ud.udata.len, 24);
	cr_assert_eq(from.sin_addr.s_addr, PT_ADDR_PEER);
	cr_assert_eq(rte_be_to_cpu_16(from.sin_port), 5000);

	/* an ICMP port unreachable about what it sent, on lcore 1 */
	fzl_wire_frame(1, f, fz_icmp_error(f, 3, 3, IPPROTO_UDP, port, 5000, 0, 0));
	fzl_flush(1);
	while (t_look(fd) != T_UDERR) {
		cr_assert_lt(rte_get_timer_cycles(), end, "the error never reached the client");
		fzl_poll();
	}
	cr_assert_eq(t_rcvuderr(fd, &ue), 0);
	cr_assert_eq(ue.error, ECONNREFUSED);
	cr_assert_eq(rte_be_to_cpu_16(from.sin_port), 5000);

	/* nobody's port of lcore 1's share, on lcore 0: lcore 1 answers port unreachable */
	fzl_wire_frame(0, f, fz_udp(f, 5000, (uint16_t)(port + 1), 8));
	fzl_flush(0);
	FZL_WAIT(udpstat_sum, 1, udps_drop_no_port, u1, end, "found no port", e1);
	fzl_quiesce();
	udpstat_sum(&e0, 0);
	udpstat_sum(&e1, 1);
	cr_assert_eq(e1.udps_rx_steered - u1.udps_rx_steered, 2, "the reply and the error");
	cr_assert_eq(e0.udps_rx_steered - u0.udps_rx_steered, 1, "the stray datagram");
	cr_assert_eq(e0.udps_icmp_delivered - u0.udps_icmp_delivered, 1);
	cr_assert_eq(e0.udps_drop_no_port, u0.udps_drop_no_port);
	cr_assert_eq(e1.udps_drop_no_port - u1.udps_drop_no_port, 1);
	cr_assert_eq(e1.udps_tx_port_unreach - u1.udps_tx_port_unreach, 1);
	cr_assert_eq(e0.udps_tx_port_unreach, u0.udps_tx_port_unreach);
	cr_assert_eq(t_close(fd), 0);
	fzl_close();
}
