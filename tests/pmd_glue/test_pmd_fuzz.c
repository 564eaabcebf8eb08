/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mutation fuzzing from the PMD up: the whole stack (pmd, arp, ip, icmp, udp, tcp and the
 * services yard runs) on a real ethdev, a net_ring port whose two rings are the wire:
 *
 *     test: mbufs it lays out itself -> ring "fzrx" -> rte_eth_rx_burst -> pmd -> arp -> ...
 *     test: checks and frees         <- ring "fztx" <- rte_eth_tx_burst <- pmd <- arp <- ...
 *
 * tests/protocols/test_fuzz.c injects message blocks at the loop driver; this one starts a
 * step lower, so that pmd_glue's own conversions are fuzzed too: RX mbufs turned into
 * message blocks in place (yard_mbuf_to_mblk: the mblk in the mbuf's private area) and
 * message chains turned back into mbuf segment chains for TX (yard_mblk_to_mbuf, pmd's
 * staging, pull-ups for a port without MULTI_SEGS). The frames are fuzz_frames.h's, mutated
 * as test_fuzz.c mutates them; then the mbuf layout is mutated too:
 *  - a frame in 1 to 5 segments cut at random places (odd ones too), empty segments
 *    included (first, middle, last), and pkt_len now and then not the sum of the data_len
 *    (nothing may read it but the rx_bytes counter);
 *  - each segment with a random even headroom (data_off 0 to 128), or a PMD's external buffer
 *    (rte_pktmbuf_attach_extbuf) over a malloc'd copy of exactly its bytes and no headroom,
 *    so that under ASan a read or write one byte outside a segment is caught (DPDK's mempools
 *    are not instrumented);
 *  - RX offload verdicts in ol_flags (IP and L4 checksum NONE, UNKNOWN, GOOD, BAD), a random
 *    packet_type and RSS hash, now and then a stripped VLAN tag (RTE_MBUF_F_RX_VLAN_STRIPPED
 *    with a tci, priority-only tags among them);
 *  - now and then a segment whose refcnt the test raised to 2 and holds: its bytes must be
 *    the same after the stack has had the frame (a shared buffer is never written).
 * Bursts of 1 to 40 frames (more than one rx_burst), timers run every 16 bursts, a TCP
 * connection to the echo and one to the HTTP service kept up (their data replies are dupb'd
 * from the send queue: refcounted segments on TX).
 *
 * Each test gives the stack other link capabilities (what ARP_SETIF and IP_IFADD are told):
 * none (software sums, any verdict ignored); RX offloads with a truthful "NIC" (GOOD and BAD
 * only where true, else NONE or UNKNOWN) and the transports trusting it; RX offloads with a
 * lying NIC (verdicts at random; the output's checksums are not checked then, its shape is);
 * TX offloads (the test completes what was asked, as the NIC would, after checking the
 * request: l2_len, l3_len, the IPv4 sum left 0, the pseudo-header sum in the L4 field); and a
 * port opened with tx_single_seg (no MULTI_SEGS: every frame leaves in one segment).
 *
 * What must hold: no crash and no sanitizer report; every frame put on the wire was received
 * by pmd and counted exactly once by arp (passed up or dropped by reason); every frame on the
 * TX ring a consistent segment chain (nb_segs, pkt_len the sum of data_len, no empty
 * segment, data inside each buffer) and well formed (fuzz_frames.h's fz_check_frame); the
 * drop counters the layout mutations aim at moved; and at the end every mbuf is back in its
 * pool (the wire pool's and the port's in-use counts 0), every external buffer freed, every
 * message block and timer back (YT_TEST's check).
 *
 * The ring PMD passes ol_flags, packet_type and vlan_tci through as the test set them (a
 * real NIC would set them from the bytes) and does nothing with TX offload requests, which
 * the test therefore completes itself.
 *
 * FUZZ_ITERS (frames per test, default 4000) and FUZZ_SEED as in test_fuzz.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <pmd_glue/pmd.h>
#include <protocols/link.h>
#include <protocols/tcp.h>
#include <protocols/tcp_services.h>
#include <protocols/udp.h>
#include <protocols/udp_services.h>

#include "../protocols/fuzz_frames.h"

#define FZP_BURST_MAX 40    /* more than YARD_PMD_RX_BURST: a burst may take two polls */
#define FZP_SEGS_MAX 5
#define FZP_WIRE_N 8191     /* the test's mbufs: what the stack may hold plus a burst */
#define FZP_HELD_MAX (FZP_BURST_MAX)

/* What a test varies. */
struct fzp_mode {
	uint32_t caps;        /* YARD_LINK_CAP_* the stack is told (TX_MULTISEG: the port's) */
	bool single_seg;      /* open the port with tx_single_seg */
	bool truthful;        /* RX verdicts only where true (else at random, lies included) */
	unsigned salt;
};

static struct {
	const struct fzp_mode *mode;
	struct rte_ring *rx, *tx;             /* the wire: what yard receives, what it sends */
	struct rte_mempool *wire;             /* the test's RX mbufs */
	struct yard_port *port;
	struct stdata *link, *ip;
	struct yard_udp_plumbing up;
	struct yard_tcp_plumbing tp;
	struct fz_tcp_target conn[2];         /* to the TCP echo and HTTP services */
	unsigned conns;
	uint16_t want_fport;                  /* a SYN,ACK to this port is looked for */
	uint32_t synack_iss;
	bool synack_seen;
	unsigned ext_live;                    /* external buffers not yet freed */
	unsigned wired;                       /* frames put on the wire, set-up ones too */
	unsigned sent, segs_sent, offload_asked;
	unsigned l4_asked[2];                 /* L4 requests carried out: [0] UDP, [1] TCP */
} fzp;

/* ---- set-up ---------------------------------------------------------------------------- */

static void fzp_drain_tx(void);

/* A DLPI request down the link stream and its answer's primitive. */
static uint32_t
fzp_dlpi(const void *req, size_t len)
{
	mblk_t *mp = allocb(len, BPRI_MED), *ans = NULL;
	uint32_t prim;

	cr_assert_not_null(mp);
	DB_TYPE(mp) = M_PROTO;
	memcpy(mp->b_wptr, req, len);
	mp->b_wptr += len;
	cr_assert_eq(sth_putmsg_mblk(fzp.link, mp), 0);
	yt_drain();
	cr_assert_eq(sth_getmsg_mblk(fzp.link, &ans), 0, "no answer to a DLPI request");
	memcpy(&prim, ans->b_rptr, sizeof(prim));
	freemsg(ans);
	return prim;
}

/*
 * The port on the rings, a pmd stream attached to it with arp pushed and linked under ip,
 * udp and tcp over ip and the services yard runs, as app/stack.c plumbs them; the peer in
 * arp's table; the caps of the mode (plus MULTISEG where the port granted it).
 */
static void
fzp_open(const struct fzp_mode *mode)
{
	struct yard_port_conf pc = { .device = "net_ring_fz", .name = "fz", .pool_size = 511,
				     .tx_single_seg = mode->single_seg };
	dl_attach_req_t att = { .dl_primitive = DL_ATTACH_REQ, .dl_ppa = YARD_DL_PPA(0, 0) };
	struct arp_entry ae = { .ae_addr = PT_ADDR_PEER, .ae_mac = pt_mac_peer };
	struct udp_addrreq ua = { .ua_addr = PT_ADDR_US, .ua_prefix = PT_PREFIX };
	struct tcp_addrreq ta = { .ta_addr = PT_ADDR_US, .ta_prefix = PT_PREFIX };
	/* short timers, few orphans soon given up: as test_fuzz.c */
	struct tcp_param tcpp = { .tp_msl_ms = 50, .tp_rto_init_ms = 100, .tp_rto_min_ms = 50,
				  .tp_max_orphans = 32, .tp_orphan_retries = 3 };
	struct udp_param udpp = { 0 };
	struct arp_ifreq ai;
	struct ip_ifreq ii;
	uint32_t caps;
	int muxid;

	memset(&fzp, 0, sizeof(fzp));
	fzp.mode = mode;
	yt_setup();
	cr_assert_eq(yard_pmd_register(), 0);
	fzp.rx = rte_ring_create("fzrx", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	fzp.tx = rte_ring_create("fztx", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	cr_assert(fzp.rx != NULL && fzp.tx != NULL);
	cr_assert_geq(rte_eth_from_rings("fz", &fzp.rx, 1, &fzp.tx, 1, rte_socket_id()), 0);
	fzp.wire = yard_pktmbuf_pool_create("fzwire", FZP_WIRE_N, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					    SOCKET_ID_ANY);
	cr_assert_not_null(fzp.wire);
	cr_assert_eq(yard_port_open(&pc, &fzp.port), 0);
	caps = (yard_port_caps(fzp.port) & YARD_LINK_CAP_TX_MULTISEG) | mode->caps;
	cr_assert_eq(!!(caps & YARD_LINK_CAP_TX_MULTISEG), !mode->single_seg);

	cr_assert_eq(sth_open(YARD_PMD_NAME, 0, &fzp.link), 0);
	cr_assert_eq(fzp_dlpi(&att, sizeof(att)), DL_OK_ACK);
	cr_assert_eq(sth_ioctl(fzp.link, I_PUSH, (intptr_t)ARP_MODNAME), 0);
	/* arp answers for pt_mac_us, the MAC the frames are sent to, whatever the port's is */
	ai = (struct arp_ifreq){ .ai_mac = pt_mac_us, .ai_port = 0, .ai_addr = PT_ADDR_US,
				 .ai_prefix = PT_PREFIX, .ai_mtu = 1500, .ai_caps = caps };
	cr_assert_geq(pt_istr(fzp.link, ARP_SETIF, &ai, sizeof(ai)), 0);
	cr_assert_geq(pt_istr(fzp.link, ARP_ADD, &ae, sizeof(ae)), 0);
	cr_assert_eq(sth_open(IP_DRVNAME, 0, &fzp.ip), 0);
	muxid = sth_ioctl(fzp.ip, I_LINK, (intptr_t)fzp.link);
	cr_assert_gt(muxid, 0);
	ii = (struct ip_ifreq){ .ii_muxid = muxid, .ii_addr = PT_ADDR_US, .ii_prefix = PT_PREFIX,
				.ii_mtu = 1500, .ii_caps = caps };
	cr_assert_geq(pt_istr(fzp.ip, IP_IFADD, &ii, sizeof(ii)), 0);
	cr_assert_eq(yard_udp_plumb(&fzp.up, &ua, 1), 0);
	cr_assert_eq(yard_tcp_plumb(&fzp.tp, &ta, 1), 0);
	if (caps & YARD_LINK_CAP_RX_L4_CKSUM) {
		tcpp.tp_flags = TCP_PF_RX_CKSUM_OFFLOAD;
		udpp.up_flags = UDP_PF_RX_CKSUM_OFFLOAD;
		cr_assert_geq(pt_istr(fzp.up.up_udp, UDP_SETPARAM, &udpp, sizeof(udpp)), 0);
	}
	cr_assert_geq(pt_istr(fzp.tp.tp_tcp, TCP_SETPARAM, &tcpp, sizeof(tcpp)), 0);
	cr_assert_eq(yard_udp_echo_start(UDP_ECHO_PORT), 0);
	fz_join();
	cr_assert_eq(yard_udp_discard_start(UDP_DISCARD_PORT), 0);
	cr_assert_eq(yard_tcp_echo_start(TCP_ECHO_PORT), 0);
	cr_assert_eq(yard_http_start(TCP_HTTP_PORT, NULL), 0);
	fzp.conn[0].lport = TCP_ECHO_PORT;
	fzp.conn[1].lport = TCP_HTTP_PORT;
	fzp_drain_tx(); /* the gratuitous ARP */
}

/*
 * Everything closed, the wire emptied: then every mbuf of the wire pool and of the port's RX
 * pool must be back, and every external buffer freed (YT_TEST checks yard's own pools).
 */
static void
fzp_close(void)
{
	fzp_drain_tx();
	yard_tcp_services_stop_all();
	yard_udp_services_stop_all();
	fzp_drain_tx();
	pt_run_ms(300); /* orphans finish; TIME-WAIT (MSL 50 ms) ends */
	fzp_drain_tx();
	yard_udp_unplumb(&fzp.up);
	yard_tcp_unplumb(&fzp.tp);
	cr_assert_eq(sth_close(fzp.ip), 0);
	cr_assert_eq(sth_close(fzp.link), 0);
	fzp_drain_tx();
	cr_assert_eq(rte_ring_count(fzp.rx), 0, "frames left on the RX ring");
	cr_assert_eq(rte_mempool_in_use_count(fzp.port->yp_rxpool), 0, "port RX mbufs in use");
	cr_assert_eq(yard_port_close(fzp.port), 0);
	rte_ring_free(fzp.rx);
	rte_ring_free(fzp.tx);
	cr_assert_eq(rte_mempool_in_use_count(fzp.wire), 0,
		     "seed %#lx: %u of the wire's mbufs never came back", (unsigned long)fz_seed,
		     rte_mempool_in_use_count(fzp.wire));
	cr_assert_eq(fzp.ext_live, 0, "seed %#lx: %u external buffers never freed",
		     (unsigned long)fz_seed, fzp.ext_live);
	rte_mempool_free(fzp.wire);
	pt_assert_clean();
}

/* ---- the wire: RX mbufs laid out at random -------------------------------------------- */

static void
fzp_ext_free(void *addr, void *opaque)
{
	free(addr);
	free(opaque);
	fzp.ext_live--;
}

/*
 * One segment of len bytes: a pool mbuf with a random headroom, or (one in four) a PMD's
 * external buffer, a malloc'd copy of exactly the bytes with no headroom, whose shared info
 * is the PMD's own (not yard's esballoc descriptor).
 */
static struct rte_mbuf *
fzp_seg(const uint8_t *bytes, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fzp.wire);

	cr_assert_not_null(m, "the wire pool is empty: mbufs held or leaked");
	if (fz_below(4) == 0) {
		uint8_t *mem = malloc(len != 0 ? len : 1);
		struct rte_mbuf_ext_shared_info *sh = malloc(sizeof(*sh));

		cr_assert(mem != NULL && sh != NULL);
		memset(sh, 0, sizeof(*sh));
		sh->free_cb = fzp_ext_free;
		sh->fcb_opaque = sh;
		rte_mbuf_ext_refcnt_set(sh, 1);
		memcpy(mem, bytes, len);
		rte_pktmbuf_attach_extbuf(m, mem, RTE_BAD_IOVA, (uint16_t)(len != 0 ? len : 1), sh);
		fzp.ext_live++;
		m->data_off = 0;
	} else {
		/* even: DPDK's struct rte_ether_hdr is 2-aligned, and no PMD hands up an odd one */
		static const uint16_t room[] = { 0, 2, 14, 34, 54, 64, 126, RTE_PKTMBUF_HEADROOM };

		m->data_off = room[fz_below(RTE_DIM(room))];
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), bytes, len);
	}
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	return m;
}

/* RX checksum verdicts (ol_flags) a truthful NIC gives the n bytes of f. */
static uint64_t
fzp_truthful_verdicts(const uint8_t *f, size_t n)
{
	const uint8_t *ip = f + 14, *l4;
	uint64_t fl = 0;
	size_t ihl, tot, ulen;

	if (n < 14 + 20 || rd16(f + 12) != 0x0800 || (ip[0] >> 4) != 4)
		return 0;
	ihl = (ip[0] & 0xfu) * 4u;
	if (ihl < 20 || 14 + ihl > n)
		return RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN;
	fl = pt_cksum(ip, ihl) == 0 ? RTE_MBUF_F_RX_IP_CKSUM_GOOD : RTE_MBUF_F_RX_IP_CKSUM_BAD;
	tot = rd16(ip + 2);
	if (tot < ihl || 14 + tot > n || (rd16(ip + 6) & 0x3fff) != 0)
		return fl | RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN; /* no L4 verdict on a fragment */
	l4 = ip + ihl;
	switch (ip[9]) {
	case IPPROTO_UDP:
		/* only where the UDP length is the IP payload's and a checksum was sent */
		ulen = tot - ihl >= 8 ? rd16(l4 + 4) : 0;
		if (ulen != tot - ihl || rd16(l4 + 6) == 0)
			return fl | RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN;
		break;
	case IPPROTO_TCP:
		if (tot - ihl < 20)
			return fl | RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN;
		break;
	default:
		return fl | RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN;
	}
	return fl | (l4_cksum(ip, ip[9], l4, tot - ihl) == 0 ? RTE_MBUF_F_RX_L4_CKSUM_GOOD :
							       RTE_MBUF_F_RX_L4_CKSUM_BAD);
}

static uint64_t
fzp_verdicts(const uint8_t *f, size_t n)
{
	static const uint64_t ipv[] = { 0, RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN,
					RTE_MBUF_F_RX_IP_CKSUM_GOOD, RTE_MBUF_F_RX_IP_CKSUM_BAD };
	static const uint64_t l4v[] = { 0, RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN,
					RTE_MBUF_F_RX_L4_CKSUM_GOOD, RTE_MBUF_F_RX_L4_CKSUM_BAD };

	if (!fzp.mode->truthful)
		return ipv[fz_below(4)] | l4v[fz_below(4)];
	switch (fz_below(4)) {
	case 0:
		return 0; /* a NIC that verifies nothing */
	case 1:
		return RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN | RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN;
	default:
		return fzp_truthful_verdicts(f, n);
	}
}

/* A segment the test holds a second reference to, and its bytes when it was received. */
struct fzp_held {
	struct rte_mbuf *m;
	unsigned frame, seg;                  /* which frame of the burst, which segment */
	const uint8_t *data;
	size_t len;
	uint8_t bytes[FZ_FRAME_MAX];
};

static struct fzp_held fzp_held[FZP_HELD_MAX];
static unsigned fzp_nheld;

/* The n bytes of f as a received mbuf chain, laid out and flagged at random. */
static struct rte_mbuf *
fzp_mbuf(const uint8_t *f, size_t n, unsigned frame)
{
	unsigned parts = fz_below(4) == 0 ? 2 + fz_below(FZP_SEGS_MAX - 1) : 1;
	size_t cut[FZP_SEGS_MAX + 1] = { 0 };
	struct rte_mbuf *head = NULL, *last = NULL, *m;

	/*
	 * Cuts anywhere, odd ones too (a PMD's are even: its buffers' sizes are): an odd cut
	 * leaves the rest of the frame at odd addresses, where a reply built in place gets its
	 * Ethernet header -- arp once wrote a struct rte_ether_hdr (2-aligned) there, which UBSan
	 * reported (protocols/arp/arp_output.c now copies it in).
	 */
	fz_cuts(cut, parts, n);
	for (unsigned i = 0; i < parts; i++) {
		m = fzp_seg(f + cut[i], cut[i + 1] - cut[i]);
		if (head == NULL)
			head = m;
		else
			last->next = m;
		last = m;
		if (fzp_nheld < FZP_HELD_MAX && fz_below(32) == 0) {
			struct fzp_held *h = &fzp_held[fzp_nheld++];

			rte_mbuf_refcnt_update(m, 1);
			h->m = m;
			h->frame = frame;
			h->seg = i;
			h->data = rte_pktmbuf_mtod(m, const uint8_t *);
			h->len = m->data_len;
			memcpy(h->bytes, h->data, h->len);
		}
	}
	head->nb_segs = (uint16_t)parts;
	head->pkt_len = (uint32_t)n;
	if (fz_below(32) == 0) /* yard reads data_len, never pkt_len */
		head->pkt_len = (uint32_t)n + fz_below(64) - 32;
	head->port = fzp.port->yp_port_id;
	head->ol_flags |= fzp_verdicts(f, n);
	head->packet_type = (uint32_t)fz_rand();
	if (fz_below(2) == 0) {
		head->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
		head->hash.rss = (uint32_t)fz_rand();
	}
	if (fz_below(16) == 0) {
		static const uint16_t tci[] = { 0, 0x2000, 0xe000, 1, 100, 0xfff, 0x1064 };

		head->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
		head->vlan_tci = fz_below(2) ? tci[fz_below(RTE_DIM(tci))] : (uint16_t)fz_rand();
	}
	return head;
}

/* The held segments' bytes are what they were; then the test lets them go. */
static void
fzp_release_held(void)
{
	static uint8_t now[FZ_FRAME_MAX];

	for (unsigned i = 0; i < fzp_nheld; i++) {
		struct fzp_held *h = &fzp_held[i];
		size_t at = 0;

		memcpy(now, h->data, h->len);
		while (at < h->len && now[at] == h->bytes[at])
			at++;
		cr_assert_eq(at, h->len, "seed %#lx: the stack wrote into a segment it shared "
			     "(refcnt 2): frame %u of the burst, segment %u (%s, %zu bytes), byte %zu",
			     (unsigned long)fz_seed, h->frame, h->seg,
			     RTE_MBUF_HAS_EXTBUF(h->m) ? "external" : "pool", h->len, at);
		rte_pktmbuf_free_seg(h->m);
	}
	fzp_nheld = 0;
}

/* Put mbufs on the wire and let the stack run until it is idle, the TX ring drained. */
static void
fzp_wire(struct rte_mbuf **ms, unsigned n)
{
	cr_assert_eq(rte_ring_enqueue_burst(fzp.rx, (void **)ms, n, NULL), n);
	fzp.wired += n;
	fzp_drain_tx();
	cr_assert_eq(rte_ring_count(fzp.rx), 0, "pmd left frames on the RX ring");
}

/* One unmutated frame, one plain segment, no flags. */
static void
fzp_wire_plain(const uint8_t *f, size_t n)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fzp.wire);

	cr_assert_not_null(m);
	memcpy(rte_pktmbuf_append(m, (uint16_t)n), f, n);
	fzp_wire(&m, 1);
}

/* ---- what yard transmits -------------------------------------------------------------- */

/*
 * A TX offload request must be one a NIC can carry out (rte_mbuf_core.h's contract): IPv4
 * flagged, l2_len and l3_len right, the IPv4 sum left 0 for TX_IP_CKSUM, the pseudo-header
 * sum in the L4 field for TX_UDP_CKSUM/TX_TCP_CKSUM, never on a fragment. Then do what the NIC
 * would, so that fz_check_frame() judges the frame as it would leave.
 */
static void
fzp_complete_offloads(const struct rte_mbuf *m, uint8_t *f, size_t n)
{
	uint64_t ol = m->ol_flags;
	uint64_t l4 = ol & RTE_MBUF_F_TX_L4_MASK;
	uint8_t *ip = f + 14;
	size_t ihl, tot;

	cr_assert_eq(ol & RTE_MBUF_F_TX_OFFLOAD_MASK & ~(RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
						      RTE_MBUF_F_TX_L4_MASK), 0,
		     "seed %#lx: an offload no link has (ol_flags %#lx)", (unsigned long)fz_seed,
		     (unsigned long)ol);
	if (!(ol & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK)))
		return;
	fzp.offload_asked++;
	cr_assert(fzp.mode->caps & (YARD_LINK_CAP_TX_IPV4_CKSUM | YARD_LINK_CAP_TX_UDP_CKSUM |
				    YARD_LINK_CAP_TX_TCP_CKSUM),
		  "seed %#lx: an offload asked of a link without it (ol_flags %#lx)",
		  (unsigned long)fz_seed, (unsigned long)ol);
	cr_assert(ol & RTE_MBUF_F_TX_IPV4, "offload request without RTE_MBUF_F_TX_IPV4");
	cr_assert_geq(n, 14 + 20);
	cr_assert_eq(rd16(f + 12), 0x0800);
	ihl = (ip[0] & 0xfu) * 4u;
	tot = rd16(ip + 2);
	cr_assert_eq(m->l2_len, 14, "seed %#lx: l2_len %u", (unsigned long)fz_seed, m->l2_len);
	cr_assert_eq(m->l3_len, ihl, "seed %#lx: l3_len %u, IHL %zu", (unsigned long)fz_seed,
		     m->l3_len, ihl);
	cr_assert_leq(14 + tot, n);
	if (ol & RTE_MBUF_F_TX_IP_CKSUM) {
		cr_assert(fzp.mode->caps & YARD_LINK_CAP_TX_IPV4_CKSUM);
		cr_assert_eq(rd16(ip + 10), 0, "seed %#lx: IPv4 sum %#x left for the NIC, not 0",
			     (unsigned long)fz_seed, rd16(ip + 10));
		wr16(ip + 10, pt_cksum(ip, ihl));
	}
	if (l4 != 0) {
		unsigned at = l4 == RTE_MBUF_F_TX_UDP_CKSUM ? 6 : 16;
		struct rte_ipv4_hdr h;
		uint16_t c;

		cr_assert(l4 == RTE_MBUF_F_TX_UDP_CKSUM || l4 == RTE_MBUF_F_TX_TCP_CKSUM,
			  "L4 request %#lx", (unsigned long)l4);
		cr_assert_eq(ip[9], l4 == RTE_MBUF_F_TX_UDP_CKSUM ? IPPROTO_UDP : IPPROTO_TCP,
			     "seed %#lx: L4 offload for protocol %u", (unsigned long)fz_seed, ip[9]);
		cr_assert(fzp.mode->caps & (l4 == RTE_MBUF_F_TX_UDP_CKSUM ?
					    YARD_LINK_CAP_TX_UDP_CKSUM : YARD_LINK_CAP_TX_TCP_CKSUM));
		cr_assert_eq(rd16(ip + 6) & 0x3fff, 0, "seed %#lx: L4 offload on a fragment",
			     (unsigned long)fz_seed);
		cr_assert_geq(tot - ihl, at + 2);
		memcpy(&h, ip, sizeof(h));
		c = rte_be_to_cpu_16(rte_ipv4_phdr_cksum(&h, ol));
		cr_assert_eq(rd16(ip + ihl + at), c,
			     "seed %#lx: L4 field %#x, pseudo-header sum %#x expected",
			     (unsigned long)fz_seed, rd16(ip + ihl + at), c);
		/* the NIC: the one's complement sum of the segment, field included, complemented */
		c = pt_cksum(ip + ihl, tot - ihl);
		if (l4 == RTE_MBUF_F_TX_UDP_CKSUM && c == 0)
			c = 0xffff;
		wr16(ip + ihl + at, c);
		fzp.l4_asked[l4 == RTE_MBUF_F_TX_TCP_CKSUM]++;
	}
}

/* A frame off the TX ring: its segment chain, its offload request, its bytes. Frees it. */
static void
fzp_check_tx(struct rte_mbuf *m)
{
	static uint8_t f[16384];
	unsigned segs = 0;
	size_t n = 0;

	for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
		segs++;
		cr_assert_gt(s->data_len, 0, "seed %#lx: an empty segment sent (segment %u)",
			     (unsigned long)fz_seed, segs);
		cr_assert_leq((unsigned)s->data_off + s->data_len, s->buf_len,
			      "seed %#lx: segment %u past its buffer: data_off %u data_len %u "
			      "buf_len %u (%s, pool %s)", (unsigned long)fz_seed, segs, s->data_off,
			      s->data_len, s->buf_len, RTE_MBUF_HAS_EXTBUF(s) ? "external" :
			      RTE_MBUF_DIRECT(s) ? "direct" : "indirect", s->pool->name);
		cr_assert_geq(rte_mbuf_refcnt_read(s), 1);
		cr_assert_leq(n + s->data_len, sizeof(f));
		memcpy(f + n, rte_pktmbuf_mtod(s, uint8_t *), s->data_len);
		n += s->data_len;
	}
	cr_assert_eq(m->nb_segs, segs, "seed %#lx: nb_segs %u for %u segments",
		     (unsigned long)fz_seed, m->nb_segs, segs);
	cr_assert_eq(m->pkt_len, n, "seed %#lx: pkt_len %u, data_len sum %zu",
		     (unsigned long)fz_seed, m->pkt_len, n);
	if (fzp.mode->single_seg)
		cr_assert_eq(segs, 1, "seed %#lx: a chain sent to a port without MULTI_SEGS",
			     (unsigned long)fz_seed);
	cr_assert_leq(n, 14 + 1500, "seed %#lx: %zu-byte frame sent", (unsigned long)fz_seed, n);
	if (fzp.mode->caps & (YARD_LINK_CAP_TX_IPV4_CKSUM | YARD_LINK_CAP_TX_UDP_CKSUM |
			      YARD_LINK_CAP_TX_TCP_CKSUM))
		fzp_complete_offloads(m, f, n);
	else
		cr_assert_eq(m->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK, 0,
			     "seed %#lx: an offload asked of a link without any (ol_flags %#lx)",
			     (unsigned long)fz_seed, (unsigned long)m->ol_flags);
	/* checksums built on a lying NIC's GOOD are not the sender's to answer for */
	fz_check_frame_sums(f, n, fzp.mode->truthful || !(fzp.mode->caps &
			    (YARD_LINK_CAP_RX_IPV4_CKSUM | YARD_LINK_CAP_RX_L4_CKSUM)));
	fzp.sent++;
	fzp.segs_sent += segs;
	/* a SYN,ACK the connection set-up waits for */
	if (n >= 14 + 20 + 20 && rd16(f + 12) == 0x0800 && f[14 + 9] == IPPROTO_TCP) {
		const uint8_t *th = f + 14 + (f[14] & 0xfu) * 4u;

		if (th + 20 <= f + n && th[13] == (TH_SYN | TH_ACK) && rd16(th + 2) == fzp.want_fport) {
			fzp.synack_iss = (uint32_t)rd16(th + 4) << 16 | rd16(th + 6);
			fzp.synack_seen = true;
		}
	}
	rte_pktmbuf_free(m);
}

/* Run the stack until idle and check and free what it sent, until nothing more comes. */
static void
fzp_drain_tx(void)
{
	struct rte_mbuf *ms[64];
	unsigned n;

	do {
		yt_drain();
		n = rte_ring_dequeue_burst(fzp.tx, (void **)ms, RTE_DIM(ms), NULL);
		for (unsigned i = 0; i < n; i++)
			fzp_check_tx(ms[i]);
	} while (n != 0);
}

/* ---- connections to the services ------------------------------------------------------- */

static bool
fzp_conn_info(const struct fz_tcp_target *c, struct tcp_conninfo *ci)
{
	return c->fport != 0 && fz_tcp_conn_info(c->lport, c->fport, ci);
}

/* A new connection from the peer to c->lport (a service accepts it on its own). */
static void
fzp_connect(struct fz_tcp_target *c)
{
	static const uint8_t opts[12] = { TCPOPT_MAXSEG, 4, 0x05, 0xb4, TCPOPT_SACK_PERMITTED, 2,
					  TCPOPT_WINDOW, 3, 7, TCPOPT_NOP };
	uint8_t f[128];

	c->fport = (uint16_t)(41000 + fzp.conns++ % 20000);
	fzp.want_fport = c->fport;
	fzp.synack_seen = false;
	fzp_wire_plain(f, fz_tcp(f, c->fport, c->lport, TH_SYN, 1000, 0, opts, sizeof(opts), 0));
	fzp.want_fport = 0;
	if (!fzp.synack_seen)
		return; /* a backlog full of the fuzz's half-open connections: next time */
	fzp_wire_plain(f, fz_tcp(f, c->fport, c->lport, TH_ACK, 1001, fzp.synack_iss + 1, NULL, 0,
				 0));
}

static void
fzp_connect_all(void)
{
	for (unsigned i = 0; i < RTE_DIM(fzp.conn); i++) {
		struct tcp_conninfo ci;

		if (!fzp_conn_info(&fzp.conn[i], &ci) || ci.tcpi_state != TCPS_ESTABLISHED)
			fzp_connect(&fzp.conn[i]);
	}
}

/* A seed frame; the TCP ones to one of the two connections, as tcp's table has it now. */
static size_t
fzp_seed_frame(uint8_t *f, enum fz_kind k)
{
	struct fz_tcp_target t = fzp.conn[fz_below(RTE_DIM(fzp.conn))];
	struct tcp_conninfo ci;

	t.rcv = 1001;
	t.una = t.nxt = 1;
	t.listen_port = TCP_ECHO_PORT;
	if (fzp_conn_info(&t, &ci)) {
		t.rcv = ci.tcpi_rcv_nxt;
		t.una = ci.tcpi_snd_una;
		t.nxt = ci.tcpi_snd_nxt;
	}
	return fz_seed_frame_to(f, k, &t);
}

/* ---- the run --------------------------------------------------------------------------- */

static struct arpstat
fzp_arpstat(void)
{
	struct arpstat st;

	cr_assert_eq(arpstat_sum(&st, -1, -1), 1, "one arp instance");
	return st;
}

static const char *
fzp_pmdstat_name(unsigned i)
{
	return i < YARD_PMDS_MAX ? yard_pmd_stat_names[i] : NULL;
}

static void
fzp_run(const struct fzp_mode *mode)
{
	static const enum fz_kind kinds[] = {
		FZ_ARP_REQ, FZ_ARP_REPLY, FZ_PING, FZ_PING, FZ_PING_OPTS, FZ_UDP, FZ_UDP,
		FZ_UDP_CLOSED, FZ_UDP_BIG, FZ_FRAG_FIRST, FZ_FRAG_MID, FZ_FRAG_LAST,
		FZ_ICMP_UNREACH, FZ_ICMP_FRAG_NEEDED, FZ_TCP_SYN, FZ_TCP_DATA, FZ_TCP_DATA,
		FZ_TCP_ACK_SACK, FZ_TCP_FIN, FZ_TCP_RST, FZ_TCP_NO_CONN,
	};
	static uint8_t f[FZP_BURST_MAX][FZ_FRAME_MAX];
	unsigned long iters = fz_env("FUZZ_ITERS", 4000);
	unsigned injected = 0, bursts = 0, wired;
	const struct pmdstat *ps;
	struct arpstat a0, a;
	uint64_t rx0;
	unsigned wired0;

	fz_seed_init_env(mode->salt);
	cr_log_info("fuzz seed %#lx (FUZZ_SEED=%#lx reproduces this test)", (unsigned long)fz_seed,
		    (unsigned long)(fz_seed - mode->salt));
	fzp_open(mode);
	ps = yard_pmd_queue_stats(fzp.port->yp_index, 0);
	cr_assert_not_null(ps);
	fzp_connect_all();
	a0 = fzp_arpstat();
	rx0 = ps->pmds_rx_pkts;
	wired0 = fzp.wired;
	while (injected < iters) {
		unsigned nb = 1 + fz_below(fz_below(4) == 0 ? FZP_BURST_MAX : 4);
		struct rte_mbuf *ms[FZP_BURST_MAX];
		struct arpstat b0, b1;

		for (unsigned i = 0; i < nb; i++) {
			size_t n = fzp_seed_frame(f[i], kinds[fz_below(RTE_DIM(kinds))]);

			if (fz_below(8) != 0)
				n = fz_mutate(f[i], n, FZ_FRAME_MAX);
			ms[i] = fzp_mbuf(f[i], n, i);
		}
		b0 = fzp_arpstat();
		fzp_wire(ms, nb);
		b1 = fzp_arpstat();
		/* Each burst: every frame arp received counted once, exactly. */
		{
			uint64_t rx = b1.arps_rx_frames - b0.arps_rx_frames;
			uint64_t out = fz_arp_out(&b1) - fz_arp_out(&b0);

			cr_assert(rx == nb && out == rx,
				  "seed %#lx: burst %u: arp received %lu of %u frames, counted %lu",
				  (unsigned long)fz_seed, bursts, (unsigned long)rx, nb,
				  (unsigned long)out);
		}
		fzp_release_held();
		injected += nb;
		if (++bursts % 16 == 0) {
			pt_run_ms(1 + fz_below(30)); /* timers: retransmissions, reassembly, delack */
			fzp_drain_tx();
			fzp_connect_all();
		}
	}
	fzp_drain_tx();

	/* every frame put on the wire reached arp through pmd (arp's counts: per burst above) */
	a = fzp_arpstat();
	wired = fzp.wired - wired0;
	cr_assert_eq(ps->pmds_rx_pkts - rx0, wired, "seed %#lx: pmd received %lu of %u frames",
		     (unsigned long)fz_seed, (unsigned long)(ps->pmds_rx_pkts - rx0), wired);
	cr_assert_eq(a.arps_rx_frames - a0.arps_rx_frames, wired,
		     "seed %#lx: arp received %lu of %u frames", (unsigned long)fz_seed,
		     (unsigned long)(a.arps_rx_frames - a0.arps_rx_frames), wired);
	/* a stripped tag with a VLAN id is not ours: counted by its reason */
	cr_assert_gt(a.arps_drop_vlan - a0.arps_drop_vlan, 0, "no VLAN-stripped frame dropped");
	cr_assert_gt(fzp.sent, 0);
	{
		struct ip_stats ip = pt_ipstat(fzp.ip);
		struct tcpstat tc;
		struct udpstat ud;

		tcpstat_sum(&tc, -1);
		udpstat_sum(&ud, -1);
		if (mode->caps & YARD_LINK_CAP_RX_IPV4_CKSUM)
			cr_assert_gt(ip.is_ip.ips_rx_cksum_hw, 0, "no IPv4 verdict trusted");
		if (mode->caps & YARD_LINK_CAP_RX_L4_CKSUM) {
			cr_assert_gt(ud.udps_rx_cksum_hw, 0, "no UDP verdict trusted");
			cr_assert_gt(tc.tcps_rx_cksum_hw, 0, "no TCP verdict trusted");
		}
		cr_assert_gt(ip.is_ip.ips_drop_bad_cksum, 0);
		cr_assert_gt(ud.udps_drop_bad_cksum, 0);
		cr_assert_gt(tc.tcps_drop_bad_cksum, 0);
		if (mode->caps & YARD_LINK_CAP_TX_IPV4_CKSUM)
			cr_assert_gt(fzp.offload_asked, 0, "no TX offload asked");
		/* udp's replies to data it did not verify (fragments), tcp's every segment */
		if (mode->caps & YARD_LINK_CAP_TX_UDP_CKSUM)
			cr_assert_gt(fzp.l4_asked[0], 0, "no UDP checksum left to the port");
		if (mode->caps & YARD_LINK_CAP_TX_TCP_CKSUM)
			cr_assert_gt(fzp.l4_asked[1], 0, "no TCP checksum left to the port");
		fz_log_counters("pmd", ps, sizeof(*ps), fzp_pmdstat_name);
		fz_log_counters("arp", &a, sizeof(a), arpstat_name);
		fz_log_counters("ip", &ip.is_ip, sizeof(ip.is_ip), ipstat_name);
		fz_log_counters("icmp", &ip.is_icmp, sizeof(ip.is_icmp), icmpstat_name);
		fz_log_counters("udp", &ud, sizeof(ud), udpstat_name);
		fz_log_counters("tcp", &tc, sizeof(tc), tcpstat_name);
	}
	if (mode->single_seg)
		cr_assert_eq(fzp.segs_sent, fzp.sent);
	else
		cr_assert_gt(fzp.segs_sent, fzp.sent, "no chain sent on a MULTI_SEGS port");
	cr_log_info("fuzz seed %#lx: %u frames in %u bursts, %u sent in %u segments (%u with "
		    "offload requests, UDP %u, TCP %u), %u connections", (unsigned long)fz_seed,
		    injected, bursts, fzp.sent, fzp.segs_sent, fzp.offload_asked, fzp.l4_asked[0],
		    fzp.l4_asked[1], fzp.conns);
	fzp_close();
}

/* Everything is set up inside each test (fzp_open): its mode decides the port and caps. */
TestSuite(pmd_fuzz, .fini = yt_teardown);

YT_TEST(pmd_fuzz, software_checksums_whatever_the_layout_and_verdicts)
{
	static const struct fzp_mode m = { .caps = 0, .truthful = false, .salt = 11 };

	fzp_run(&m);
}

YT_TEST(pmd_fuzz, truthful_rx_verdicts_trusted_and_bad_ones_counted)
{
	static const struct fzp_mode m = {
		.caps = YARD_LINK_CAP_RX_IPV4_CKSUM | YARD_LINK_CAP_RX_L4_CKSUM,
		.truthful = true, .salt = 12,
	};

	fzp_run(&m);
}

YT_TEST(pmd_fuzz, lying_rx_verdicts_neither_crash_nor_leak)
{
	static const struct fzp_mode m = {
		.caps = YARD_LINK_CAP_RX_IPV4_CKSUM | YARD_LINK_CAP_RX_L4_CKSUM,
		.truthful = false, .salt = 13,
	};

	fzp_run(&m);
}

YT_TEST(pmd_fuzz, tx_offload_requests_are_ones_a_nic_can_carry_out)
{
	static const struct fzp_mode m = {
		.caps = YARD_LINK_CAP_TX_IPV4_CKSUM | YARD_LINK_CAP_TX_UDP_CKSUM |
			YARD_LINK_CAP_TX_TCP_CKSUM | YARD_LINK_CAP_RX_IPV4_CKSUM |
			YARD_LINK_CAP_RX_L4_CKSUM,
		.truthful = true, .salt = 14,
	};

	fzp_run(&m);
}

YT_TEST(pmd_fuzz, a_port_without_multi_segs_sends_single_segments)
{
	static const struct fzp_mode m = { .caps = 0, .single_seg = true, .truthful = false,
					   .salt = 15 };

	fzp_run(&m);
}

/* ---- a wire that stops taking frames ----------------------------------------------------- */

/*
 * Not a fuzz test, but this harness is the whole stack on a real ethdev: nobody takes what
 * yard transmits, so the TX ring fills and stays full while echo requests keep coming. The
 * back-pressure must climb the whole way -- pmd's queue, the link's queue in ip, ip holding
 * udp back (tx_held), udp's queue, the echo service (TFLOW) -- and what cannot be held must be
 * dropped where it enters, counted (udp drop_rcvbuf_full: the service stopped reading), never
 * on the way out. Once the wire takes frames again every reply held comes out, in order, and
 * each request is either answered once or counted.
 */
YT_TEST(pmd_stack, a_full_tx_ring_holds_the_echo_back_and_nothing_is_lost_unseen)
{
	static const struct fzp_mode m = { .caps = 0, .truthful = false, .salt = 21 };
	enum { N = 3000, DLEN = 1000, BURST = 32 }; /* N rounded up to whole bursts */
	static uint8_t f[FZ_FRAME_MAX], data[DLEN];
	struct yard_udp_svc_stats sv;
	struct rte_mbuf *ms[BURST];
	struct ip_stats ip;
	struct udpstat ud;
	const struct pmdstat *ps;
	unsigned wired = 0, replies = 0, next = 0;
	uint32_t seq;
	size_t n;

	fzp_open(&m);
	while (wired < N) {
		for (unsigned i = 0; i < BURST; i++) {
			seq = wired + i;
			memcpy(data, &seq, sizeof(seq));
			n = ut_frame(f, 40000, UDP_ECHO_PORT, data, DLEN);
			ms[i] = rte_pktmbuf_alloc(fzp.wire);
			cr_assert_not_null(ms[i], "the wire pool ran dry at %u", wired);
			memcpy(rte_pktmbuf_append(ms[i], (uint16_t)n), f, n);
		}
		cr_assert_eq(rte_ring_enqueue_burst(fzp.rx, (void **)ms, BURST, NULL), BURST);
		wired += BURST;
		yt_drain(); /* the TX ring is not emptied */
	}
	cr_assert_eq(rte_ring_count(fzp.rx), 0, "pmd kept receiving");
	ip = pt_ipstat(fzp.ip);
	cr_assert_gt(ip.is_ip.ips_tx_held, 0, "ip held udp back");
	cr_assert_eq(ip.is_ip.ips_drop_tx_flow, 0, "ip dropped nothing on the way out");
	yard_udp_svc_stats_sum(YARD_UDP_SVC_ECHO, -1, &sv);
	cr_assert_gt(sv.tx_flow_waits, 0, "the echo service met flow control");

	/*
	 * The wire takes frames again. Done once nothing came for 20 ms: a pass finds pmd's
	 * flush paused after the port took nothing (up to 1 ms, pmd.c), not finished.
	 */
	for (uint64_t quiet = rte_get_timer_cycles();
	     rte_get_timer_cycles() - quiet < rte_get_timer_hz() / 50;) {
		struct rte_mbuf *out[64];
		unsigned k;

		yt_drain();
		k = rte_ring_dequeue_burst(fzp.tx, (void **)out, RTE_DIM(out), NULL);
		if (k == 0)
			continue;
		quiet = rte_get_timer_cycles();
		for (unsigned i = 0; i < k; i++) {
			uint8_t buf[14 + 20 + 8 + 4];
			const uint8_t *hdr = rte_pktmbuf_read(out[i], 0, sizeof(buf), buf);

			if (hdr != NULL && rd16(hdr + 12) == 0x0800 && hdr[14 + 9] == IPPROTO_UDP) {
				memcpy(&seq, hdr + 14 + 20 + 8, sizeof(seq));
				cr_assert_geq(seq, next, "reply %u after %u: out of order", seq, next);
				next = seq + 1;
				replies++;
			}
			fzp_check_tx(out[i]);
		}
	}
	udpstat_sum(&ud, -1);
	yard_udp_svc_stats_sum(YARD_UDP_SVC_ECHO, -1, &sv);
	ps = yard_pmd_queue_stats(fzp.port->yp_index, 0);
	cr_log_info("%u requests: %u replies, %lu dropped on entry (udp drop_rcvbuf_full), ip "
		    "held udp back %lu times, the service waited %lu times, TX ring full %lu "
		    "times", wired, replies, (unsigned long)ud.udps_drop_rcvbuf_full,
		    (unsigned long)ip.is_ip.ips_tx_held, (unsigned long)sv.tx_flow_waits,
		    (unsigned long)ps->pmds_tx_ring_full);
	cr_assert_gt(ps->pmds_tx_ring_full, 0, "the TX ring did fill");
	cr_assert_eq(sv.tx_drops, 0);
	cr_assert_eq(sv.tx_datagrams, replies, "every echo sent reached the wire");
	cr_assert_eq(replies + ud.udps_drop_rcvbuf_full, wired,
		     "each request answered once or counted: %u + %lu of %u", replies,
		     (unsigned long)ud.udps_drop_rcvbuf_full, wired);
	cr_assert_eq(pt_ipstat(fzp.ip).is_ip.ips_drop_tx_flow, 0);
	fzp_close();
}
