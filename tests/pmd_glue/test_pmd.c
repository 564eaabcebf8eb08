/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "pmd" driver (pmd_glue/pmd.c) between two net_ring ports wired back to back:
 *
 *     port A  tx queue q -> ring ab[q] -> rx queue q  port B
 *     port A  rx queue q <- ring ba[q] <- tx queue q  port B
 *
 * Streams opened on "pmd" are attached to A and B; what is written on A's stream head arrives
 * at B's. Everything runs on the main lcore's scheduler (yt_drain()). The teardown closes what
 * a test left open, closes the ports, and checks that no frame was left in a ring unless the
 * test said so, before the leak check of yt_teardown().
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/sysmacros.h>

#include <rte_byteorder.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_cycles.h>
#include <rte_ring.h>
#include <rte_telemetry.h>

#include <pmd_glue/pmd.h>

#include "yard_test.h"

#define NQ 2
#define TEST_TYPE 0x88b5 /* IEEE local experimental ethertype */
#define MAX_STREAMS 8

static struct rte_ring *ab[NQ], *ba[NQ];
static struct yard_port *pa, *pb;
static struct stdata *streams[MAX_STREAMS];

static void
rings_up(unsigned ab_size, bool single_seg)
{
	char name[RTE_RING_NAMESIZE];

	yt_setup();
	cr_assert_eq(yard_pmd_register(), 0);
	for (unsigned q = 0; q < NQ; q++) {
		snprintf(name, sizeof(name), "ab%u", q);
		ab[q] = rte_ring_create(name, ab_size, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "ba%u", q);
		ba[q] = rte_ring_create(name, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		cr_assert(ab[q] != NULL && ba[q] != NULL);
	}
	/* The ethdevs (and vdevs) are named net_ring_a and net_ring_b. */
	cr_assert_geq(rte_eth_from_rings("a", ba, NQ, ab, NQ, rte_socket_id()), 0);
	cr_assert_geq(rte_eth_from_rings("b", ab, NQ, ba, NQ, rte_socket_id()), 0);

	struct yard_port_conf ca = { .device = "net_ring_a", .name = "A", .nb_rxq = NQ,
				     .pool_size = 511, .tx_single_seg = single_seg };
	struct yard_port_conf cb = { .device = "net_ring_b", .name = "B", .nb_rxq = NQ,
				     .pool_size = 511, .tx_single_seg = single_seg };
	cr_assert_eq(yard_port_open(&ca, &pa), 0);
	cr_assert_eq(yard_port_open(&cb, &pb), 0);
	cr_assert_eq(pa->yp_index, 0);
	cr_assert_eq(pb->yp_index, 1);
}

static void ring_cleanup(void);

static void
ring_setup(void)
{
	rings_up(1024, false);
	yt_set_cleanup(ring_cleanup);
}

static void
ring_setup_small(void)
{
	rings_up(64, false); /* 63 frames fit in A's TX ring */
	yt_set_cleanup(ring_cleanup);
}

static void
ring_setup_single(void)
{
	rings_up(1024, true); /* no MULTI_SEGS: chains are pulled up */
	yt_set_cleanup(ring_cleanup);
}

/* Close everything the test left open: YT_TEST runs it before its leak check, .fini again. */
static void
ring_cleanup(void)
{
	unsigned left = 0;
	void *m;

	for (unsigned i = 0; i < MAX_STREAMS; i++) {
		if (streams[i] != NULL)
			cr_expect_eq(sth_close(streams[i]), 0);
		streams[i] = NULL;
	}
	cr_expect_eq(yard_port_close_all(), 0);
	for (unsigned q = 0; q < NQ; q++) {
		while (ab[q] != NULL && rte_ring_dequeue(ab[q], &m) == 0) {
			rte_pktmbuf_free(m);
			left++;
		}
		while (ba[q] != NULL && rte_ring_dequeue(ba[q], &m) == 0) {
			rte_pktmbuf_free(m);
			left++;
		}
		rte_ring_free(ab[q]);
		rte_ring_free(ba[q]);
		ab[q] = ba[q] = NULL;
	}
	cr_expect_eq(left, 0, "%u frame(s) left in the rings", left);
}

static void
ring_teardown(void)
{
	ring_cleanup();
	yt_teardown();
}

TestSuite(pmd, .init = ring_setup, .fini = ring_teardown);
TestSuite(pmd_small, .init = ring_setup_small, .fini = ring_teardown);
TestSuite(pmd_single, .init = ring_setup_single, .fini = ring_teardown);

/* ---- helpers ------------------------------------------------------------------------------ */

static struct stdata *
open_pmd(void)
{
	struct stdata *sd = NULL;

	cr_assert_eq(sth_open(YARD_PMD_NAME, 0, &sd), 0);
	for (unsigned i = 0; i < MAX_STREAMS; i++) {
		if (streams[i] == NULL) {
			streams[i] = sd;
			return sd;
		}
	}
	cr_assert_fail("too many streams");
	return NULL;
}

static void
close_pmd(struct stdata *sd)
{
	for (unsigned i = 0; i < MAX_STREAMS; i++)
		if (streams[i] == sd)
			streams[i] = NULL;
	cr_assert_eq(sth_close(sd), 0);
}

/* A control message of type carrying len bytes of req. */
static mblk_t *
ctl_msg(unsigned char type, const void *req, size_t len)
{
	mblk_t *mp = allocb(len, BPRI_MED);

	cr_assert_not_null(mp);
	DB_TYPE(mp) = type;
	memcpy(mp->b_wptr, req, len);
	mp->b_wptr += len;
	return mp;
}

/* The next message at a stream head after running the scheduler, NULL if none. */
static mblk_t *
take(struct stdata *sd)
{
	mblk_t *mp = NULL;

	yt_drain();
	if (sth_getmsg_mblk(sd, &mp) != 0)
		return NULL;
	return mp;
}

/* Send a DLPI request and return the answer (asserting there is one). */
static mblk_t *
dl_call(struct stdata *sd, unsigned char type, const void *req, size_t len)
{
	mblk_t *ans;

	cr_assert_eq(sth_putmsg_mblk(sd, ctl_msg(type, req, len)), 0);
	ans = take(sd);
	cr_assert_not_null(ans, "no answer to DLPI primitive 0x%x", *(const uint32_t *)req);
	return ans;
}

static uint32_t
prim_of(const mblk_t *mp)
{
	uint32_t prim;

	cr_assert_geq(MBLKL(mp), sizeof(prim));
	memcpy(&prim, mp->b_rptr, sizeof(prim));
	return prim;
}

/* Expect a DL_ERROR_ACK for prim with dl_errno; frees the answer. */
static void
expect_error_ack(mblk_t *ans, uint32_t prim, uint32_t dl_errno)
{
	dl_error_ack_t e;

	cr_assert_eq(DB_TYPE(ans), M_PCPROTO);
	cr_assert_eq(prim_of(ans), DL_ERROR_ACK, "got primitive 0x%x", prim_of(ans));
	cr_assert_eq(MBLKL(ans), sizeof(e));
	memcpy(&e, ans->b_rptr, sizeof(e));
	cr_expect_eq(e.dl_error_primitive, prim);
	cr_expect_eq(e.dl_errno, dl_errno, "dl_errno 0x%x, expected 0x%x", e.dl_errno, dl_errno);
	freemsg(ans);
}

static void
expect_ok_ack(mblk_t *ans, uint32_t prim)
{
	dl_ok_ack_t ok;

	cr_assert_eq(DB_TYPE(ans), M_PCPROTO);
	cr_assert_eq(prim_of(ans), DL_OK_ACK, "got primitive 0x%x", prim_of(ans));
	memcpy(&ok, ans->b_rptr, sizeof(ok));
	cr_expect_eq(ok.dl_correct_primitive, prim);
	freemsg(ans);
}

static mblk_t *
attach_req(struct stdata *sd, uint32_t ppa)
{
	dl_attach_req_t req = { .dl_primitive = DL_ATTACH_REQ, .dl_ppa = ppa };

	return dl_call(sd, M_PROTO, &req, sizeof(req));
}

/* A stream on "pmd" attached to (port, queue). */
static struct stdata *
open_attached(const struct yard_port *port, unsigned queue)
{
	struct stdata *sd = open_pmd();

	expect_ok_ack(attach_req(sd, YARD_DL_PPA(port->yp_index, queue)), DL_ATTACH_REQ);
	return sd;
}

/* A frame from src to dst of len bytes (len >= 18) numbered seq; payload derived from seq. */
static mblk_t *
frame(const struct yard_port *dst, const struct yard_port *src, size_t len, uint32_t seq)
{
	mblk_t *mp = allocb(len, BPRI_MED);
	struct rte_ether_hdr eh;

	cr_assert_not_null(mp);
	eh.dst_addr = dst->yp_mac;
	eh.src_addr = src->yp_mac;
	eh.ether_type = rte_cpu_to_be_16(TEST_TYPE);
	memcpy(mp->b_wptr, &eh, sizeof(eh));
	memcpy(mp->b_wptr + sizeof(eh), &seq, sizeof(seq));
	for (size_t i = sizeof(eh) + sizeof(seq); i < len; i++)
		mp->b_wptr[i] = (unsigned char)(seq * 7 + i);
	mp->b_wptr += len;
	return mp;
}

/* Copy a message's bytes out (at most cap); returns the total length. */
static size_t
flatten(const mblk_t *mp, unsigned char *buf, size_t cap)
{
	size_t n = 0;

	for (; mp != NULL; mp = mp->b_cont) {
		size_t k = MBLKL(mp);

		if (n + k <= cap)
			memcpy(buf + n, mp->b_rptr, k);
		n += k;
	}
	return n;
}

/* Check that mp is exactly frame(B, A, len, seq) and free it. */
static void
expect_frame(mblk_t *mp, size_t len, uint32_t seq)
{
	unsigned char got[2048];
	mblk_t *want = frame(pb, pa, len, seq);
	size_t n;

	cr_assert_not_null(mp, "frame %u missing", seq);
	cr_assert_eq(DB_TYPE(mp), M_DATA);
	n = flatten(mp, got, sizeof(got));
	cr_assert_eq(n, len, "frame %u: %zu bytes, expected %zu", seq, n, len);
	cr_assert_eq(memcmp(got, want->b_rptr, len), 0, "frame %u corrupted", seq);
	freemsg(want);
	freemsg(mp);
}

static uint32_t
seq_of(const mblk_t *mp)
{
	uint32_t seq;

	cr_assert_geq(MBLKL(mp), 18, "first block too short to carry the sequence number");
	memcpy(&seq, mp->b_rptr + RTE_ETHER_HDR_LEN, sizeof(seq));
	return seq;
}

static const struct pmdstat *
qstat(const struct yard_port *port, unsigned queue)
{
	const struct pmdstat *s = yard_pmd_queue_stats(port->yp_index, queue);

	cr_assert_not_null(s);
	return s;
}

/* Sum of the counters that are drops (their help text says so). */
static uint64_t
drops(const struct pmdstat *s)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < YARD_PMDS_MAX; i++)
		if (strncmp(yard_pmd_stat_help[i], "drop:", 5) == 0)
			n += yard_pmdstat_get(s, (enum yard_pmd_stat)i);
	return n;
}

/*
 * Write frames of len bytes numbered from 0 on sd until the stream head refuses one with
 * -EAGAIN, running the scheduler as it goes. Returns how many were accepted.
 */
static unsigned
fill_until_flow_controlled(struct stdata *sd, size_t len)
{
	unsigned offered = 0;

	for (unsigned i = 0; i < 5000; i++) {
		mblk_t *mp = frame(pb, pa, len, offered);
		int rc = sth_putmsg_mblk(sd, mp);

		if (rc == -EAGAIN) {
			freemsg(mp);
			return offered;
		}
		cr_assert_eq(rc, 0, "write %u: %d", offered, rc);
		offered++;
		if (offered % 16 == 0)
			yt_drain();
	}
	cr_assert_fail("the stream head never pushed back");
	return 0;
}

/* Receive n frames of len bytes numbered from first on sd, in order, running the scheduler. */
static void
receive_in_order(struct stdata *sd, unsigned n, size_t len, uint32_t first)
{
	/* a second without a frame: the sender's TX pause (1 ms at most, pmd.c) is long over */
	uint64_t wait = rte_get_timer_hz(), since = rte_get_timer_cycles();
	unsigned got = 0;

	while (got < n && rte_get_timer_cycles() - since < wait) {
		mblk_t *mp = NULL;

		yt_drain();
		if (sth_getmsg_mblk(sd, &mp) != 0)
			continue;
		since = rte_get_timer_cycles();
		cr_assert_eq(seq_of(mp), first + got, "frame %u arrived in place of %u", seq_of(mp),
			     first + got);
		expect_frame(mp, len, first + got);
		got++;
	}
	cr_assert_eq(got, n, "received %u of %u frames", got, n);
}

/* ---- DLPI control ------------------------------------------------------------------------- */

YT_TEST(pmd, answers_info_req_with_mac_mtu_and_caps)
{
	struct stdata *sd = open_attached(pa, 1);
	dl_info_req_t req = { .dl_primitive = DL_INFO_REQ };
	mblk_t *ans = dl_call(sd, M_PCPROTO, &req, sizeof(req));
	yard_dl_info_ack_t ack;
	struct yard_dl_ether_addr addr;
	struct rte_ether_addr mac;

	cr_assert_eq(DB_TYPE(ans), M_PCPROTO);
	cr_assert_eq(prim_of(ans), DL_INFO_ACK);
	cr_assert_geq(MBLKL(ans), sizeof(ack) + sizeof(addr) + RTE_ETHER_ADDR_LEN);
	memcpy(&ack, ans->b_rptr, sizeof(ack));
	cr_assert_eq(rte_eth_macaddr_get(pa->yp_port_id, &mac), 0);

	cr_expect_eq(ack.dl.dl_max_sdu, RTE_ETHER_MTU);
	cr_expect_eq(ack.dl.dl_min_sdu, 1);
	cr_expect_eq(ack.dl.dl_mac_type, DL_ETHER);
	cr_expect_eq(ack.dl.dl_current_state, DL_UNBOUND);
	cr_expect_eq(ack.dl.dl_service_mode, DL_CLDLS);
	cr_expect_eq(ack.dl.dl_provider_style, DL_STYLE2);
	cr_expect_eq(ack.dl.dl_version, DL_VERSION_2);
	cr_expect_eq(ack.dl.dl_sap_length, -2);
	cr_expect_eq(ack.dl.dl_addr_length, YARD_DL_ETHER_ADDRL);
	cr_assert_leq(ack.dl.dl_addr_offset + sizeof(addr), MBLKL(ans));
	memcpy(&addr, ans->b_rptr + ack.dl.dl_addr_offset, sizeof(addr));
	cr_expect_eq(memcmp(addr.dl_phys, mac.addr_bytes, RTE_ETHER_ADDR_LEN), 0);
	cr_expect_eq(ack.dl.dl_brdcst_addr_length, RTE_ETHER_ADDR_LEN);
	for (unsigned i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		cr_expect_eq(ans->b_rptr[ack.dl.dl_brdcst_addr_offset + i], 0xff);

	cr_expect_eq(ack.yx.yx_magic, YARD_DL_INFO_MAGIC);
	cr_expect_eq(ack.yx.yx_version, YARD_DL_INFO_VERSION);
	cr_expect_eq(memcmp(ack.yx.yx_mac, mac.addr_bytes, RTE_ETHER_ADDR_LEN), 0);
	cr_expect_eq(ack.yx.yx_mtu, RTE_ETHER_MTU);
	cr_expect_eq(ack.yx.yx_port, pa->yp_index);
	cr_expect_eq(ack.yx.yx_queue, 1);
	cr_expect_eq(ack.yx.yx_caps, yard_port_caps(pa));
	cr_expect_eq(ack.yx.yx_nqueues, NQ);
	freemsg(ans);
}

YT_TEST(pmd, gives_every_open_its_own_minor)
{
	struct stdata *s1 = open_pmd();
	struct stdata *s2 = open_pmd();
	int m1 = yard_pmd_minor(s1), m2 = yard_pmd_minor(s2);

	cr_expect_geq(m1, 0);
	cr_expect_geq(m2, 0);
	cr_expect_neq(m1, m2);
	cr_expect_eq(minor(s1->sd_dev_t), (unsigned)m1);
	cr_expect_eq(minor(s2->sd_dev_t), (unsigned)m2);
	close_pmd(s1);
	s1 = open_pmd();
	cr_expect_eq(yard_pmd_minor(s1), m1, "the lowest free minor is not reused");
	cr_expect_eq(yard_pmd_minor(NULL), -1);
}

YT_TEST(pmd, reports_unattached_state_in_info_ack)
{
	struct stdata *sd = open_pmd();
	dl_info_req_t req = { .dl_primitive = DL_INFO_REQ };
	mblk_t *ans = dl_call(sd, M_PCPROTO, &req, sizeof(req));
	yard_dl_info_ack_t ack;

	cr_assert_eq(prim_of(ans), DL_INFO_ACK);
	memcpy(&ack, ans->b_rptr, sizeof(ack));
	cr_expect_eq(ack.dl.dl_current_state, DL_UNATTACHED);
	cr_expect_eq(ack.dl.dl_addr_offset, 0);
	cr_expect_eq(ack.yx.yx_magic, YARD_DL_INFO_MAGIC);
	cr_expect_eq(ack.yx.yx_caps, 0);
	freemsg(ans);
}

YT_TEST(pmd, refuses_bad_attach_requests)
{
	struct stdata *sd = open_pmd();
	struct stdata *other;
	uint32_t detach = DL_DETACH_REQ;
	uint32_t bogus = 0x77;
	uint32_t promisc = DL_PROMISCON_REQ;
	uint16_t shortreq = DL_ATTACH_REQ;

	expect_error_ack(attach_req(sd, YARD_DL_PPA(5, 0)), DL_ATTACH_REQ, DL_BADPPA);
	expect_error_ack(attach_req(sd, YARD_DL_PPA(0, NQ)), DL_ATTACH_REQ, DL_BADPPA);
	expect_error_ack(attach_req(sd, YARD_DL_PPA(0, 200)), DL_ATTACH_REQ, DL_BADPPA);
	expect_error_ack(dl_call(sd, M_PROTO, &detach, sizeof(detach)), DL_DETACH_REQ,
			 DL_OUTSTATE);
	expect_error_ack(dl_call(sd, M_PROTO, &bogus, sizeof(bogus)), 0x77, DL_BADPRIM);
	expect_error_ack(dl_call(sd, M_PROTO, &promisc, sizeof(promisc)), DL_PROMISCON_REQ,
			 DL_NOTSUPPORTED);
	expect_error_ack(dl_call(sd, M_PROTO, &shortreq, sizeof(shortreq)), 0, DL_BADPRIM);

	expect_ok_ack(attach_req(sd, YARD_DL_PPA(0, 0)), DL_ATTACH_REQ);
	expect_error_ack(attach_req(sd, YARD_DL_PPA(0, 1)), DL_ATTACH_REQ, DL_OUTSTATE);
	/* One stream per ring: a second poller would steal frames. */
	other = open_pmd();
	expect_error_ack(attach_req(other, YARD_DL_PPA(0, 0)), DL_ATTACH_REQ, DL_BUSY);
	expect_ok_ack(attach_req(other, YARD_DL_PPA(0, 1)), DL_ATTACH_REQ);
}

YT_TEST(pmd, hooks_on_attach_and_unhooks_on_detach)
{
	struct yard_sched *sc = yard_sched_self();
	unsigned npoll = sc->sc_npoll, nflush = sc->sc_nflush;
	struct stdata *sd = open_attached(pa, 0);
	uint32_t detach = DL_DETACH_REQ;

	cr_expect_eq(sc->sc_npoll, npoll + 1);
	cr_expect_eq(sc->sc_nflush, nflush + 1);
	cr_expect_eq(pa->yp_qowner[0] != NULL, true);
	cr_expect_eq(yard_port_close(pa), -EBUSY, "a port closed under an attached stream");

	expect_ok_ack(dl_call(sd, M_PROTO, &detach, sizeof(detach)), DL_DETACH_REQ);
	cr_expect_eq(sc->sc_npoll, npoll);
	cr_expect_eq(sc->sc_nflush, nflush);
	cr_expect_null(pa->yp_qowner[0]);
	/* Attach again, elsewhere. */
	expect_ok_ack(attach_req(sd, YARD_DL_PPA(1, 1)), DL_ATTACH_REQ);
	cr_expect_not_null(pb->yp_qowner[1]);
	close_pmd(sd);
	cr_expect_null(pb->yp_qowner[1]);
	cr_expect_eq(sc->sc_npoll, npoll);
	cr_expect_eq(sc->sc_nflush, nflush);
	cr_expect_eq(yard_port_close(pb), 0);
}

YT_TEST(pmd, binds_and_unbinds_a_sap)
{
	struct stdata *sd = open_attached(pa, 0);
	dl_bind_req_t bind = { .dl_primitive = DL_BIND_REQ, .dl_sap = 0x0806,
			       .dl_service_mode = DL_CLDLS };
	dl_bind_req_t badsap = { .dl_primitive = DL_BIND_REQ, .dl_sap = 0x12345,
				 .dl_service_mode = DL_CLDLS };
	uint32_t unbind = DL_UNBIND_REQ, detach = DL_DETACH_REQ;
	struct yard_dl_ether_addr addr;
	dl_bind_ack_t ack;
	mblk_t *ans;

	expect_error_ack(dl_call(sd, M_PROTO, &badsap, sizeof(badsap)), DL_BIND_REQ, DL_BADSAP);
	expect_error_ack(dl_call(sd, M_PROTO, &unbind, sizeof(unbind)), DL_UNBIND_REQ, DL_OUTSTATE);
	ans = dl_call(sd, M_PROTO, &bind, sizeof(bind));
	cr_assert_eq(prim_of(ans), DL_BIND_ACK);
	memcpy(&ack, ans->b_rptr, sizeof(ack));
	cr_expect_eq(ack.dl_sap, 0x0806);
	cr_expect_eq(ack.dl_addr_length, YARD_DL_ETHER_ADDRL);
	memcpy(&addr, ans->b_rptr + ack.dl_addr_offset, sizeof(addr));
	cr_expect_eq(memcmp(addr.dl_phys, pa->yp_mac.addr_bytes, RTE_ETHER_ADDR_LEN), 0);
	cr_expect_eq(addr.dl_sap, 0x0806);
	freemsg(ans);
	expect_error_ack(dl_call(sd, M_PROTO, &bind, sizeof(bind)), DL_BIND_REQ, DL_OUTSTATE);
	/* DLPI: detach only from DL_UNBOUND. */
	expect_error_ack(dl_call(sd, M_PROTO, &detach, sizeof(detach)), DL_DETACH_REQ,
			 DL_OUTSTATE);
	expect_ok_ack(dl_call(sd, M_PROTO, &unbind, sizeof(unbind)), DL_UNBIND_REQ);
	expect_ok_ack(dl_call(sd, M_PROTO, &detach, sizeof(detach)), DL_DETACH_REQ);
}

/* ---- data path ---------------------------------------------------------------------------- */

YT_TEST(pmd, carries_frames_from_a_to_b_intact_and_in_order)
{
	struct stdata *sa = open_attached(pa, 0);
	struct stdata *sb = open_attached(pb, 0);
	static const size_t lens[] = { 60, 64, 100, 512, 1000, 1514, 14, 1400, 77, 1514 };
	uint64_t bytes = 0;

	for (unsigned i = 0; i < RTE_DIM(lens); i++) {
		cr_assert_eq(sth_putmsg_mblk(sa, frame(pb, pa, lens[i] < 18 ? 18 : lens[i], i)), 0);
		bytes += lens[i] < 18 ? 18 : lens[i];
	}
	yt_drain();
	for (unsigned i = 0; i < RTE_DIM(lens); i++) {
		mblk_t *mp = take(sb);

		cr_assert_not_null(mp);
		cr_expect_eq(seq_of(mp), i);
		expect_frame(mp, lens[i] < 18 ? 18 : lens[i], i);
	}
	cr_expect_null(take(sb));
	cr_expect_eq(qstat(pa, 0)->pmds_tx_pkts, RTE_DIM(lens));
	cr_expect_eq(qstat(pa, 0)->pmds_tx_bytes, bytes);
	cr_expect_eq(qstat(pb, 0)->pmds_rx_pkts, RTE_DIM(lens));
	cr_expect_eq(qstat(pb, 0)->pmds_rx_bytes, bytes);
	cr_expect_geq(qstat(pb, 0)->pmds_rx_bursts, 1);
	cr_expect_eq(drops(qstat(pa, 0)), 0);
	/* And back, on the other queue. */
	struct stdata *sa1 = open_attached(pa, 1);
	struct stdata *sb1 = open_attached(pb, 1);
	mblk_t *mp = frame(pa, pb, 200, 42);

	cr_assert_eq(sth_putmsg_mblk(sb1, mp), 0);
	mp = take(sa1);
	cr_assert_not_null(mp);
	cr_expect_eq(msgdsize(mp), 200);
	cr_expect_eq(seq_of(mp), 42);
	freemsg(mp);
	cr_expect_null(take(sa));
	cr_expect_eq(qstat(pa, 1)->pmds_rx_pkts, 1);
	cr_expect_eq(qstat(pa, 0)->pmds_rx_pkts, 0);
}

YT_TEST(pmd, turns_mbufs_a_pmd_allocated_into_messages_and_returns_them_all)
{
	struct yard_port_conf conf = { .device = "net_null0,size=128", .pool_size = 511 };
	struct yard_port *pn = NULL;
	struct stdata *sd;
	const struct pmdstat *rs;
	mblk_t *mp;

	/* net_null makes a frame from the port's RX pool for every slot of every burst. */
	cr_assert_eq(yard_port_open(&conf, &pn), 0);
	sd = open_attached(pn, 0);
	rs = qstat(pn, 0);
	cr_expect_geq(rs->pmds_rx_pkts, 1);
	cr_expect_gt(rs->pmds_rx_flow_blocked, 0, "the stream head never filled");
	for (unsigned i = 0; i < 10; i++) {
		cr_assert_eq(sth_getmsg_mblk(sd, &mp), 0);
		cr_expect_eq(DB_TYPE(mp), M_DATA);
		cr_expect_eq(msgdsize(mp), 128);
		cr_expect_eq(yard_mblk_mbuf(mp)->pool, pn->yp_rxpool);
		freemsg(mp);
	}
	cr_expect_gt(rte_mempool_in_use_count(pn->yp_rxpool), 0);
	close_pmd(sd);
	cr_expect_eq(rte_mempool_in_use_count(pn->yp_rxpool), 0, "RX mbufs were not returned");
	cr_expect_eq(yard_port_close(pn), 0);
}

YT_TEST(pmd, takes_bursts_from_a_module_above)
{
	struct stdata *sa = open_attached(pa, 0);
	struct stdata *sb = open_attached(pb, 0);
	mblk_t *mps[40];

	/* The stream head is the module above: hand the driver one vector. */
	for (unsigned i = 0; i < RTE_DIM(mps); i++)
		mps[i] = frame(pb, pa, 128, i);
	putnext_burst(sa->sd_wrq, mps, RTE_DIM(mps));
	receive_in_order(sb, RTE_DIM(mps), 128, 0);
	cr_expect_eq(qstat(pa, 0)->pmds_tx_pkts, RTE_DIM(mps));
	cr_expect_eq(drops(qstat(pa, 0)), 0);
}

YT_TEST(pmd, stages_a_long_mixed_burst_in_order_and_counts_what_it_drops)
{
	struct stdata *sa = open_attached(pa, 0);
	struct stdata *sb = open_attached(pb, 0);
	const struct pmdstat *st = qstat(pa, 0);
	mblk_t *mps[YARD_PMD_TX_STAGE + 40], *mp;
	unsigned n = 0, good = 0;

	/* More than staging holds, with frames that cannot go and a message that is not data. */
	while (n < RTE_DIM(mps)) {
		if (n == 10) {
			mp = allocb(13, BPRI_MED);                        /* runt */
			memset(mp->b_wptr, 0xab, 13);
			mp->b_wptr += 13;
			mps[n++] = mp;
		} else if (n == 40) {
			mps[n++] = frame(pb, pa, 1515, 9999);            /* oversize */
		} else if (n == 50) {
			mp = allocb(2, BPRI_HI);                          /* FLUSHR: back up */
			DB_TYPE(mp) = M_FLUSH;
			*mp->b_wptr++ = FLUSHR;
			mps[n++] = mp;
		} else {
			mps[n++] = frame(pb, pa, 128, good++);
		}
	}
	putnext_burst(sa->sd_wrq, mps, n);
	receive_in_order(sb, good, 128, 0);
	cr_expect_eq(st->pmds_tx_pkts, good);
	cr_expect_eq(st->pmds_tx_bytes, (uint64_t)good * 128);
	cr_expect_eq(st->pmds_tx_runt, 1);
	cr_expect_eq(st->pmds_tx_oversize, 1);
	cr_expect_eq(drops(st), 2);
	cr_expect_gt(st->pmds_tx_queued, 0, "staging filled up and the rest waited its turn");
}

YT_TEST(pmd_single, linearizes_chains_for_a_port_without_multiseg)
{
	struct stdata *sa = open_attached(pa, 0);
	struct stdata *sb = open_attached(pb, 0);
	mblk_t *whole = frame(pb, pa, 300, 9);
	mblk_t *mp = allocb(14, BPRI_MED), *mid = allocb(100, BPRI_MED),
	       *empty = allocb(10, BPRI_MED), *tail = allocb(186, BPRI_MED);
	size_t nblk;

	cr_assert_eq(yard_port_caps(pa) & YARD_CAP_MULTISEG, 0, "tx_single_seg granted MULTISEG");
	/* The same bytes as `whole`, cut 14 | 100 | 0 | 186. */
	memcpy(mp->b_wptr, whole->b_rptr, 14);
	mp->b_wptr += 14;
	memcpy(mid->b_wptr, whole->b_rptr + 14, 100);
	mid->b_wptr += 100;
	memcpy(tail->b_wptr, whole->b_rptr + 114, 186);
	tail->b_wptr += 186;
	mp->b_cont = mid;
	mid->b_cont = empty;
	empty->b_cont = tail;
	freemsg(whole);

	cr_assert_eq(sth_putmsg_mblk(sa, mp), 0);
	mp = take(sb);
	cr_assert_not_null(mp);
	cr_expect_eq(mp_cont_len(mp, &nblk), 300);
	cr_expect_eq(nblk, 1, "a chain reached a port that cannot send chains");
	expect_frame(mp, 300, 9);
	cr_expect_eq(qstat(pa, 0)->pmds_tx_linearized, 1);
	cr_expect_eq(drops(qstat(pa, 0)), 0);
}

YT_TEST(pmd, turns_a_b_cont_chain_into_an_mbuf_chain)
{
	struct stdata *sa = open_attached(pa, 0);
	struct stdata *sb = open_attached(pb, 0);
	mblk_t *whole = frame(pb, pa, 300, 5);
	mblk_t *mp = allocb(14, BPRI_MED), *mid = allocb(100, BPRI_MED),
	       *empty = allocb(10, BPRI_MED), *tail = allocb(186, BPRI_MED);
	size_t nblk;

	cr_assert(yard_port_caps(pa) & YARD_CAP_MULTISEG);
	memcpy(mp->b_wptr, whole->b_rptr, 14);
	mp->b_wptr += 14;
	memcpy(mid->b_wptr, whole->b_rptr + 14, 100);
	mid->b_wptr += 100;
	memcpy(tail->b_wptr, whole->b_rptr + 114, 186);
	tail->b_wptr += 186;
	mp->b_cont = mid;
	mid->b_cont = empty;
	empty->b_cont = tail;
	freemsg(whole);

	/* Look at the wire first: with B detached the frame waits in the ring. */
	close_pmd(sb);
	cr_assert_eq(sth_putmsg_mblk(sa, mp), 0);
	yt_drain();
	cr_assert_eq(rte_ring_count(ab[0]), 1);
	{
		struct rte_mbuf *m;

		cr_assert_eq(rte_ring_dequeue(ab[0], (void **)&m), 0);
		cr_expect_eq(m->nb_segs, 3, "the empty block should be dropped, the rest chained");
		cr_expect_eq(m->pkt_len, 300);
		cr_expect_eq(m->data_len, 14);
		cr_expect_eq(m->next->data_len, 100);
		cr_expect_eq(m->next->next->data_len, 186);
		cr_assert_eq(rte_ring_enqueue(ab[0], m), 0); /* back on the wire for B */
	}
	sb = open_attached(pb, 0);
	mp = take(sb);
	cr_assert_not_null(mp);
	cr_expect_eq(mp_cont_len(mp, &nblk), 300);
	cr_expect_eq(nblk, 3, "the mbuf chain arrives as a b_cont chain");
	expect_frame(mp, 300, 5);
	cr_expect_eq(qstat(pa, 0)->pmds_tx_linearized, 0);
}

YT_TEST(pmd, passes_tx_offload_metadata_through_untouched)
{
	struct stdata *sa = open_attached(pa, 0);
	mblk_t *mp = frame(pb, pa, 200, 1);
	struct rte_mbuf *m = yard_mblk_mbuf(mp);
	const uint64_t flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM;

	m->ol_flags |= flags;
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = 20;
	cr_assert_eq(sth_putmsg_mblk(sa, mp), 0);
	yt_drain();
	cr_assert_eq(rte_ring_dequeue(ab[0], (void **)&m), 0);
	cr_expect_eq(m->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK, flags);
	cr_expect_eq(m->l2_len, RTE_ETHER_HDR_LEN);
	cr_expect_eq(m->l3_len, 20);
	cr_expect_eq(m->pkt_len, 200);
	rte_pktmbuf_free(m);
}

YT_TEST(pmd, drops_and_counts_frames_that_cannot_go_out)
{
	struct stdata *sa = open_attached(pa, 0);
	struct stdata *sb = open_attached(pb, 0);
	const struct pmdstat *st = qstat(pa, 0);
	mblk_t *vlan, *notdata, *mp;

	cr_assert_eq(sth_putmsg_mblk(sa, frame(pb, pa, 1514, 0)), 0);    /* MTU: goes */
	cr_assert_eq(sth_putmsg_mblk(sa, frame(pb, pa, 1515, 1)), 0);    /* oversize */
	vlan = frame(pb, pa, 1518, 2);                                    /* MTU + tag: goes */
	vlan->b_rptr[12] = 0x81;
	vlan->b_rptr[13] = 0x00;
	cr_assert_eq(sth_putmsg_mblk(sa, vlan), 0);
	vlan = frame(pb, pa, 1519, 3);                                    /* oversize */
	vlan->b_rptr[12] = 0x81;
	vlan->b_rptr[13] = 0x00;
	cr_assert_eq(sth_putmsg_mblk(sa, vlan), 0);
	mp = allocb(13, BPRI_MED);                                       /* runt */
	memset(mp->b_wptr, 0xab, 13);
	mp->b_wptr += 13;
	cr_assert_eq(sth_putmsg_mblk(sa, mp), 0);
	notdata = frame(pb, pa, 100, 5);                                  /* M_PROTO inside */
	notdata->b_cont = ctl_msg(M_PROTO, "x", 1);
	cr_assert_eq(sth_putmsg_mblk(sa, notdata), 0);
	cr_assert_eq(sth_putmsg_mblk(sa, frame(pb, pa, 64, 6)), 0);      /* goes */
	yt_drain();

	cr_expect_eq(st->pmds_tx_oversize, 2);
	cr_expect_eq(st->pmds_tx_runt, 1);
	cr_expect_eq(st->pmds_tx_not_data, 1);
	cr_expect_eq(st->pmds_tx_pkts, 3);
	cr_expect_eq(drops(st), 4);
	mp = take(sb);
	cr_assert_not_null(mp);
	cr_expect_eq(seq_of(mp), 0);
	freemsg(mp);
	mp = take(sb);
	cr_assert_not_null(mp);
	cr_expect_eq(seq_of(mp), 2);
	cr_expect_eq(msgdsize(mp), 1518);
	freemsg(mp);
	mp = take(sb);
	cr_assert_not_null(mp);
	cr_expect_eq(seq_of(mp), 6);
	freemsg(mp);
	cr_expect_null(take(sb));
}

/*
 * A PMD's tx_pkt_prepare hook for net_ring, which has none: it refuses the frames whose
 * sequence byte is odd, as a real PMD refuses a malformed offload request.
 */
static uint16_t
refuse_odd_frames(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	(void)txq;
	for (uint16_t i = 0; i < n; i++) {
		if (rte_pktmbuf_mtod(pkts[i], const uint8_t *)[14] & 1) {
			rte_errno = EINVAL;
			return i;
		}
	}
	return n;
}

YT_TEST(pmd, frees_and_counts_a_frame_the_pmd_will_not_prepare_and_sends_the_rest)
{
	struct stdata *sa = open_attached(pa, 0);
	struct stdata *sb = open_attached(pb, 0);
	const struct pmdstat *st = qstat(pa, 0);
	struct rte_eth_fp_ops *ops = &rte_eth_fp_ops[pa->yp_port_id];
	eth_tx_prep_t saved = ops->tx_pkt_prepare;
	mblk_t *v[6], *mp;

	for (unsigned i = 0; i < RTE_DIM(v); i++)
		v[i] = frame(pb, pa, 100, i);
	ops->tx_pkt_prepare = refuse_odd_frames;
	cr_assert_eq(sth_putmsg_mblk_burst(sa, v, RTE_DIM(v), 0), (int)RTE_DIM(v));
	yt_drain();
	ops->tx_pkt_prepare = saved;
	cr_expect_eq(st->pmds_tx_prepare, 3, "frames 1, 3 and 5 refused");
	cr_expect_eq(st->pmds_tx_pkts, 3);
	cr_expect_eq(st->pmds_tx_bytes, 300, "only what went counts as sent");
	for (unsigned i = 0; i < 3; i++) {
		mp = take(sb);
		cr_assert_not_null(mp, "frame %u", 2 * i);
		cr_expect_eq(seq_of(mp), 2 * i, "in order");
		freemsg(mp);
	}
	cr_expect_null(take(sb));
}

YT_TEST(pmd, drops_data_on_an_unattached_stream_and_counts_it)
{
	struct stdata *sd = open_pmd();
	struct pmdstat before, after;

	yard_pmd_stats_sum(&before);
	cr_assert_eq(sth_putmsg_mblk(sd, frame(pb, pa, 100, 0)), 0);
	yt_drain();
	yard_pmd_stats_sum(&after);
	cr_expect_eq(after.pmds_tx_unattached, before.pmds_tx_unattached + 1);
	cr_expect_eq(rte_ring_count(ab[0]) + rte_ring_count(ab[1]), 0);
}

/* ---- DL_UNITDATA_REQ ---------------------------------------------------------------------- */

/* A DL_UNITDATA_REQ to dst with sap, the payload in b_cont. */
static mblk_t *
unitdata(const struct rte_ether_addr *dst, uint16_t sap, mblk_t *payload)
{
	unsigned char buf[sizeof(dl_unitdata_req_t) + sizeof(struct yard_dl_ether_addr)];
	dl_unitdata_req_t req = {
		.dl_primitive = DL_UNITDATA_REQ,
		.dl_dest_addr_length = YARD_DL_ETHER_ADDRL,
		.dl_dest_addr_offset = sizeof(req),
	};
	struct yard_dl_ether_addr da;
	mblk_t *mp;

	memcpy(da.dl_phys, dst->addr_bytes, RTE_ETHER_ADDR_LEN);
	da.dl_sap = sap;
	memcpy(buf, &req, sizeof(req));
	memcpy(buf + sizeof(req), &da, sizeof(da));
	mp = ctl_msg(M_PROTO, buf, sizeof(buf));
	mp->b_cont = payload;
	return mp;
}

static mblk_t *
payload(size_t len, size_t headroom, unsigned char fill)
{
	mblk_t *mp = yard_allocb_hr(len, headroom);

	cr_assert_not_null(mp);
	memset(mp->b_wptr, fill, len);
	mp->b_wptr += len;
	return mp;
}

static void
expect_unitdata_frame(mblk_t *mp, uint16_t sap, size_t plen, unsigned char fill)
{
	unsigned char buf[2048];
	struct rte_ether_hdr eh;
	size_t n;

	cr_assert_not_null(mp);
	cr_assert_eq(DB_TYPE(mp), M_DATA);
	n = flatten(mp, buf, sizeof(buf));
	cr_assert_eq(n, RTE_ETHER_HDR_LEN + plen);
	memcpy(&eh, buf, sizeof(eh));
	cr_expect(rte_is_same_ether_addr(&eh.dst_addr, &pb->yp_mac));
	cr_expect(rte_is_same_ether_addr(&eh.src_addr, &pa->yp_mac), "source is not A's MAC");
	cr_expect_eq(rte_be_to_cpu_16(eh.ether_type), sap);
	for (size_t i = 0; i < plen; i++)
		cr_assert_eq(buf[RTE_ETHER_HDR_LEN + i], fill, "payload byte %zu", i);
	freemsg(mp);
}

YT_TEST(pmd, prepends_an_ethernet_header_to_unitdata)
{
	struct stdata *sa = open_attached(pa, 0);
	struct stdata *sb = open_attached(pb, 0);
	size_t nblk;
	mblk_t *mp;

	/* Headroom in the payload: the header goes there, one block on the wire. */
	cr_assert_eq(sth_putmsg_mblk(sa, unitdata(&pb->yp_mac, TEST_TYPE, payload(100, 64, 0x5a))),
		     0);
	mp = take(sb);
	cr_assert_not_null(mp);
	mp_cont_len(mp, &nblk);
	cr_expect_eq(nblk, 1);
	expect_unitdata_frame(mp, TEST_TYPE, 100, 0x5a);
	cr_expect_eq(qstat(pa, 0)->pmds_tx_linearized, 0, "the headroom was not used");

	/* No headroom: the request block becomes the header block in front of the payload. */
	cr_assert_eq(sth_putmsg_mblk(sa, unitdata(&pb->yp_mac, 0x0800, payload(1500, 0, 0xc3))),
		     0);
	mp = take(sb);
	cr_assert_not_null(mp);
	mp_cont_len(mp, &nblk);
	cr_expect_eq(nblk, 2, "header and payload travel as two segments");
	cr_expect_eq(MBLKL(mp), RTE_ETHER_HDR_LEN);
	expect_unitdata_frame(mp, 0x0800, 1500, 0xc3);
	cr_expect_eq(qstat(pa, 0)->pmds_tx_linearized, 0);
	cr_expect_eq(qstat(pa, 0)->pmds_tx_pkts, 2);
	cr_expect_eq(drops(qstat(pa, 0)), 0);
}

YT_TEST(pmd, prepends_the_header_as_a_block_and_keeps_offload_metadata)
{
	struct stdata *sa = open_attached(pa, 0);
	mblk_t *pl = payload(300, 0, 0x11);
	struct rte_mbuf *m = yard_mblk_mbuf(pl);
	const uint64_t flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;

	m->ol_flags |= flags;
	m->l3_len = 20;
	cr_assert_eq(sth_putmsg_mblk(sa, unitdata(&pb->yp_mac, 0x0800, pl)), 0);
	yt_drain();
	cr_assert_eq(rte_ring_dequeue(ab[0], (void **)&m), 0);
	cr_expect_eq(m->nb_segs, 2);
	cr_expect_eq(m->data_len, RTE_ETHER_HDR_LEN);
	cr_expect_eq(m->pkt_len, RTE_ETHER_HDR_LEN + 300);
	cr_expect_eq(m->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK, flags,
		     "the offload request stayed on the payload block");
	cr_expect_eq(m->l2_len, RTE_ETHER_HDR_LEN);
	cr_expect_eq(m->l3_len, 20);
	rte_pktmbuf_free(m);
}

YT_TEST(pmd_single, pulls_a_headerless_unitdata_up_into_one_segment)
{
	struct stdata *sa = open_attached(pa, 0);
	struct stdata *sb = open_attached(pb, 0);
	size_t nblk;
	mblk_t *mp;

	cr_assert_eq(sth_putmsg_mblk(sa, unitdata(&pb->yp_mac, 0x0800, payload(1500, 0, 0xc3))),
		     0);
	mp = take(sb);
	cr_assert_not_null(mp);
	mp_cont_len(mp, &nblk);
	cr_expect_eq(nblk, 1);
	expect_unitdata_frame(mp, 0x0800, 1500, 0xc3);
	cr_expect_eq(qstat(pa, 0)->pmds_tx_linearized, 1);
	cr_expect_eq(drops(qstat(pa, 0)), 0);
}

static void
expect_uderror(mblk_t *ans, uint32_t dl_errno)
{
	dl_uderror_ind_t ind;

	cr_assert_not_null(ans);
	cr_assert_eq(DB_TYPE(ans), M_PROTO);
	cr_assert_eq(prim_of(ans), DL_UDERROR_IND, "got primitive 0x%x", prim_of(ans));
	memcpy(&ind, ans->b_rptr, sizeof(ind));
	cr_expect_eq(ind.dl_errno, dl_errno, "dl_errno 0x%x, expected 0x%x", ind.dl_errno,
		     dl_errno);
	cr_expect_null(ans->b_cont, "the payload came back up");
	freemsg(ans);
}

YT_TEST(pmd, refuses_bad_unitdata_with_uderror_ind)
{
	struct stdata *un = open_pmd();
	struct stdata *sa = open_attached(pa, 0);
	mblk_t *mp;

	cr_assert_eq(sth_putmsg_mblk(un, unitdata(&pb->yp_mac, TEST_TYPE, payload(10, 0, 1))), 0);
	expect_uderror(take(un), DL_OUTSTATE);

	mp = unitdata(&pb->yp_mac, TEST_TYPE, payload(10, 0, 1));
	((dl_unitdata_req_t *)mp->b_rptr)->dl_dest_addr_length = 6;
	cr_assert_eq(sth_putmsg_mblk(sa, mp), 0);
	expect_uderror(take(sa), DL_BADADDR);

	mp = unitdata(&pb->yp_mac, TEST_TYPE, payload(10, 0, 1));
	((dl_unitdata_req_t *)mp->b_rptr)->dl_dest_addr_offset = 4000;
	cr_assert_eq(sth_putmsg_mblk(sa, mp), 0);
	expect_uderror(take(sa), DL_BADADDR);

	cr_assert_eq(sth_putmsg_mblk(sa, unitdata(&pb->yp_mac, TEST_TYPE, NULL)), 0);
	expect_uderror(take(sa), DL_BADDATA);

	cr_assert_eq(sth_putmsg_mblk(sa, unitdata(&pb->yp_mac, TEST_TYPE, payload(1501, 64, 1))),
		     0);
	expect_uderror(take(sa), DL_BADDATA);
	cr_expect_eq(qstat(pa, 0)->pmds_tx_oversize, 1);
	cr_expect_eq(qstat(pa, 0)->pmds_tx_uderror, 3, "oversize counts as tx_oversize only");
	cr_expect_eq(qstat(pa, 0)->pmds_tx_pkts, 0);
	cr_expect_eq(rte_ring_count(ab[0]), 0);
}

/* ---- flow control ------------------------------------------------------------------------- */

static unsigned notified;

static void
note_events(struct stdata *sd, unsigned events, void *arg)
{
	RTE_SET_USED(sd);
	RTE_SET_USED(arg);
	notified |= events;
}

YT_TEST(pmd_small, holds_writers_back_when_the_tx_ring_is_full_and_loses_nothing)
{
	struct stdata *sa = open_attached(pa, 0);
	struct stdata *sb = open_attached(pb, 0);
	const struct pmdstat *st = qstat(pa, 0), *rs = qstat(pb, 0);
	queue_t *dwq = sa->sd_wrq->q_next; /* the driver's write queue */
	unsigned offered, first, taken;
	mblk_t *mp;

	/* Nobody reads B: it takes one burst, its stream head fills, the ring backs up. */
	offered = fill_until_flow_controlled(sa, 1000);
	yt_drain();
	taken = (unsigned)rs->pmds_rx_pkts;
	cr_expect(taken > 0 && taken <= YARD_PMD_RX_BURST, "B took %u", taken);
	cr_expect_gt(rs->pmds_rx_flow_blocked, 0);
	cr_expect_eq(rte_ring_count(ab[0]), 63);
	cr_expect_eq(st->pmds_tx_pkts, taken + 63);
	cr_expect_eq(st->pmds_tx_bytes, st->pmds_tx_pkts * 1000, "bytes of what the ring took");
	/* Ring, staging and the write queue up to high water, then the writer is held back. */
	cr_expect_gt(offered, taken + 63 + YARD_PMD_TX_STAGE, "pushed back after %u", offered);
	cr_expect(dwq->q_flag & QFULL);
	cr_expect_gt(st->pmds_tx_ring_full, 0);
	cr_expect_gt(st->pmds_tx_queued, 0);
	cr_expect_eq(drops(st), 0, "frames dropped under backpressure");
	cr_expect_eq(sth_poll(sa) & S_OUTPUT, 0, "the stream head says writable while full");
	mp = frame(pb, pa, 1000, offered);
	cr_expect_eq(sth_putmsg_mblk(sa, mp), -EAGAIN);
	freemsg(mp);

	notified = 0;
	sth_set_notify(sa, S_OUTPUT, note_events, NULL);
	/* Read B's first burst without running the scheduler, then run one pass: B takes a burst
	 * from the ring and A's flush refills the ring from staging, leaving staging room while
	 * frames still wait on A's write queue. */
	for (first = 0; first < taken; first++) {
		cr_assert_eq(sth_getmsg_mblk(sb, &mp), 0);
		cr_assert_eq(seq_of(mp), first);
		expect_frame(mp, 1000, first);
	}
	yard_sched_run_once(yard_sched_self());
	cr_assert_not_null(dwq->q_first);
	/* A module that does not ask canputnext: its frame still waits its turn. */
	putnext(sa->sd_wrq, frame(pb, pa, 1000, offered));
	offered++;

	receive_in_order(sb, offered - first, 1000, first);
	cr_expect_eq(st->pmds_tx_pkts, offered);
	cr_expect_eq(st->pmds_tx_bytes, (uint64_t)offered * 1000);
	cr_expect_eq(rs->pmds_rx_pkts, offered);
	cr_expect_eq(drops(st), 0);
	cr_expect(notified & S_OUTPUT, "the writer was not back-enabled");
	cr_expect(sth_poll(sa) & S_OUTPUT);
	cr_expect_eq(sth_putmsg_mblk(sa, frame(pb, pa, 1000, offered)), 0);
	receive_in_order(sb, 1, 1000, offered);
}

/* This thread's CPU time, ns. */
static uint64_t
thread_cpu_ns(void)
{
	struct timespec ts;

	cr_assert_eq(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts), 0);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * A port that takes nothing (its ring full and nobody draining it; a tap whose interface is
 * down fails every write the same way) is offered the staged frames again after a pause that
 * doubles from 1 us to 1 ms, not at every pass of the loop; once the ring has room, the frames
 * go on within that pause, and the pause is gone.
 */
YT_TEST(pmd_small, pauses_while_the_port_takes_nothing_and_resumes_when_it_does)
{
	struct stdata *sa = open_attached(pa, 0);
	const struct pmdstat *st = qstat(pa, 0);
	uint64_t hz = rte_get_timer_hz(), t0, c0, wall_ms, bursts, backoffs, sent, passes = 0;
	void *m;

	(void)fill_until_flow_controlled(sa, 1000); /* nobody polls B: the ring stays full */
	cr_assert_eq(rte_ring_count(ab[0]), 63);
	bursts = st->pmds_tx_bursts;
	backoffs = st->pmds_tx_backoffs;
	/*
	 * 50 ms of this thread's CPU time as well as of the clock: under a loaded CI the process
	 * may wait for a CPU, and while it waits no pass runs and nothing is offered, so the
	 * floor on offers counts the time it ran and the ceiling the time that passed.
	 */
	t0 = rte_get_timer_cycles();
	c0 = thread_cpu_ns();
	while (rte_get_timer_cycles() - t0 < hz / 20 || thread_cpu_ns() - c0 < 50000000) {
		yard_sched_run_once(yard_sched_self());
		passes++;
	}
	wall_ms = (rte_get_timer_cycles() - t0) * 1000 / hz;
	cr_assert_gt(passes, 1000, "only %lu passes in 50 ms", (unsigned long)passes);
	cr_assert_lt(st->pmds_tx_bursts - bursts, wall_ms + 50, "%lu offers in %lu ms (%lu passes)",
		     (unsigned long)(st->pmds_tx_bursts - bursts), (unsigned long)wall_ms,
		     (unsigned long)passes);
	cr_assert_geq(st->pmds_tx_bursts - bursts, 20,
		      "about 1 ms apart at the most: %lu in 50 ms of running",
		      (unsigned long)(st->pmds_tx_bursts - bursts));
	cr_assert_eq(st->pmds_tx_backoffs - backoffs, st->pmds_tx_bursts - bursts,
		     "every offer taken nothing");
	/* the far end drains the ring, as a NIC does: A's staged frames follow within 1 ms */
	while (rte_ring_dequeue(ab[0], &m) == 0)
		rte_pktmbuf_free(m);
	sent = st->pmds_tx_pkts;
	t0 = rte_get_timer_cycles();
	while (st->pmds_tx_pkts == sent) {
		cr_assert_lt(rte_get_timer_cycles() - t0, hz / 100, "nothing sent 10 ms later");
		yard_sched_run_once(yard_sched_self());
	}
	cr_assert_eq(st->pmds_tx_pkts - sent, 63, "the ring filled again at once");
	cr_assert_eq(drops(st), 0);
	close_pmd(sa); /* its last burst fills the ring again; the rest is freed (tx_flushed) */
	while (rte_ring_dequeue(ab[0], &m) == 0)
		rte_pktmbuf_free(m);
}

YT_TEST(pmd, stops_polling_while_upstream_is_full_and_loses_nothing)
{
	struct stdata *sa = open_attached(pa, 0);
	struct stdata *sb = open_attached(pb, 0);
	const struct pmdstat *rs = qstat(pb, 0);
	unsigned got = 0;

	for (unsigned i = 0; i < 50; i++)
		cr_assert_eq(sth_putmsg_mblk(sa, frame(pb, pa, 1000, i)), 0);
	yt_drain();
	/* One burst went up and filled the stream head; the rest wait in the ring. */
	cr_expect_eq(rs->pmds_rx_pkts, YARD_PMD_RX_BURST);
	cr_expect_eq(rte_ring_count(ab[0]), 50 - YARD_PMD_RX_BURST);
	cr_expect_gt(rs->pmds_rx_flow_blocked, 0);
	cr_expect(STH_RQ(sb)->q_flag & QFULL);
	while (got < 50) {
		mblk_t *mp = NULL;

		if (sth_getmsg_mblk(sb, &mp) != 0) {
			uint64_t before = rs->pmds_rx_pkts;

			yt_drain();
			cr_assert_gt(rs->pmds_rx_pkts, before, "RX did not resume");
			continue;
		}
		cr_assert_eq(seq_of(mp), got);
		expect_frame(mp, 1000, got);
		got++;
	}
	cr_expect_eq(rs->pmds_rx_pkts, 50);
	cr_expect_eq(rte_ring_count(ab[0]), 0);
}

/* ---- M_FLUSH, M_IOCTL, other messages ----------------------------------------------------- */

YT_TEST(pmd_small, flushw_frees_the_queue_and_the_staged_frames)
{
	struct stdata *sa = open_attached(pa, 0);
	const struct pmdstat *st = qstat(pa, 0);
	struct stdata *sb;
	unsigned offered = fill_until_flow_controlled(sa, 1000);

	yt_drain();
	cr_assert_eq(rte_ring_count(ab[0]), 63);
	cr_assert_eq(sth_ioctl(sa, I_FLUSH, FLUSHW), 0);
	yt_drain();
	cr_expect_eq(st->pmds_tx_flushed, offered - 63);
	cr_expect_eq(WR(RD(sa->sd_wrq->q_next))->q_count, 0);
	cr_expect(sth_poll(sa) & S_OUTPUT, "writable again after the flush");
	/* What the ring had taken still arrives; nothing else does. */
	sb = open_attached(pb, 0);
	receive_in_order(sb, 63, 1000, 0);
	cr_expect_null(take(sb));
}

YT_TEST(pmd, flushr_comes_back_up_and_empties_the_read_side)
{
	struct stdata *sa = open_attached(pa, 0);
	struct stdata *sb = open_attached(pb, 0);
	mblk_t *fl = allocb(1, BPRI_HI);

	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(sth_putmsg_mblk(sa, frame(pb, pa, 100, i)), 0);
	yt_drain();
	cr_assert_eq(qsize(STH_RQ(sb)), 3);
	/* Straight to the driver, past the stream head's own I_FLUSH handling. */
	DB_TYPE(fl) = M_FLUSH;
	*fl->b_wptr++ = FLUSHR;
	putnext(sb->sd_wrq, fl);
	yt_drain();
	cr_expect_eq(qsize(STH_RQ(sb)), 0, "the driver did not turn FLUSHR back up");
	cr_expect_null(take(sb));
}

YT_TEST(pmd, naks_unknown_ioctls_and_frees_unknown_messages)
{
	struct stdata *sa = open_attached(pa, 0);
	struct strioctl ic = { .ic_cmd = 0x7e57, .ic_timout = 5, .ic_len = 0, .ic_dp = NULL };
	mblk_t *mp = allocb(4, BPRI_MED);

	cr_expect_eq(sth_ioctl(sa, I_STR, (intptr_t)&ic), -EINVAL);
	cr_expect_eq(qstat(pa, 0)->pmds_ioctl_nak, 1);
	DB_TYPE(mp) = M_CTL;
	mp->b_wptr += 4;
	putnext(sa->sd_wrq, mp);
	yt_drain();
	cr_expect_eq(qstat(pa, 0)->pmds_unknown_msg, 1);
}

/* ---- close -------------------------------------------------------------------------------- */

YT_TEST(pmd_small, close_frees_staged_and_queued_frames)
{
	struct yard_sched *sc = yard_sched_self();
	unsigned npoll = sc->sc_npoll;
	struct stdata *sa = open_attached(pa, 0);
	const struct pmdstat *st = qstat(pa, 0);
	unsigned offered = fill_until_flow_controlled(sa, 1000);
	struct stdata *sb;

	yt_drain();
	cr_assert_eq(rte_ring_count(ab[0]), 63);
	close_pmd(sa);
	cr_expect_eq(st->pmds_tx_flushed, offered - 63);
	cr_expect_eq(sc->sc_npoll, npoll);
	cr_expect_null(pa->yp_qowner[0]);
	cr_expect_eq(yt_msgs_outstanding(), 63, "only the frames in the ring should be held");
	sb = open_attached(pb, 0);
	receive_in_order(sb, 63, 1000, 0);
	close_pmd(sb);
	cr_expect_eq(yard_port_close(pa), 0);
	cr_expect_eq(yt_msgs_outstanding(), 0);
}

/* ---- counters ----------------------------------------------------------------------------- */

YT_TEST(pmd, names_its_counters_and_fills_telemetry)
{
	struct stdata *sa = open_attached(pa, 0);
	struct stdata *sb = open_attached(pb, 0);
	struct rte_tel_data *d = rte_tel_data_alloc();
	struct pmdstat sum;

	cr_assert_not_null(d);
	cr_expect_str_eq(yard_pmd_stat_names[YARD_PMDS_rx_pkts], "rx_pkts");
	cr_expect_str_eq(yard_pmd_stat_names[YARD_PMDS_tx_ring_full], "tx_ring_full");
	cr_assert_eq(sth_putmsg_mblk(sa, frame(pb, pa, 100, 0)), 0);
	freemsg(take(sb));
	cr_expect_eq(yard_pmdstat_get(qstat(pa, 0), YARD_PMDS_tx_pkts), 1);
	cr_expect_eq(yard_pmdstat_get(qstat(pb, 0), YARD_PMDS_rx_bytes), 100);
	yard_pmd_stats_sum(&sum);
	cr_expect_eq(sum.pmds_tx_pkts, 1);
	cr_expect_eq(sum.pmds_rx_pkts, 1);
	cr_expect_eq(sum.pmds_dl_prims, 2);

	cr_expect_eq(yard_pmd_tel_queue(pa->yp_index, 0, d), 0);
	cr_expect_eq(yard_pmd_tel_queue(9, 0, d), -ENOENT);
	cr_expect_eq(yard_pmd_tel_queue(pa->yp_index, NQ, d), -ENOENT);
	cr_expect_eq(yard_pmd_tel_all(d), 0);
	rte_tel_data_free(d);
	cr_expect_null(yard_pmd_queue_stats(7, 0));
}
