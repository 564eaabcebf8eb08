/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "pmd" STREAMS driver: an ethdev queue pair as the bottom of a stream, DLPI for control.
 *
 * Principles of operation
 * -----------------------
 * A minor (one per open) is attached to one (port, queue) by DL_ATTACH_REQ. Attaching claims
 * the port queue (yp_qowner, so no two streams poll one ring) and registers two hooks on the
 * scheduler of the lcore that owns the stream: the RX poll hook and the TX flush hook. Only that
 * lcore ever touches the minor, its queues or its counters; nothing here locks.
 *
 * RX. The poll hook first asks canputnext() of its read queue. If the queue above is full it
 * takes nothing: the frames wait in the NIC ring, the NIC drops (and counts as imissed) what
 * does not fit, and rx_flow_blocked counts the poll. Otherwise one rte_eth_rx_burst(), the
 * mbufs become M_DATA messages in place, and one putnext_burst() sends them up. The burst may
 * take the queue above past its high water (putq never refuses), which is the usual STREAMS
 * contract: canputnext() is asked once per burst, as a driver asks once per interrupt.
 *
 * TX. Frames come down as M_DATA (or DL_UNITDATA_REQ, turned into M_DATA here by prepending
 * the Ethernet header). Three places hold them, always in order:
 *
 *     writers -> [write queue] -> [staging array, YARD_PMD_TX_STAGE mbufs] -> NIC ring
 *
 * The put procedure stages a frame directly only when the write queue is empty and the
 * staging array has room; otherwise it putq()s it, so a frame never overtakes an earlier one.
 * The flush hook (last step of each scheduler pass) offers the whole staging array to
 * rte_eth_tx_burst(); what the ring does not take stays staged, in order, for the next pass
 * (tx_ring_full counts such passes: nothing is dropped). Whenever the ring took something and
 * the write queue is not empty, the flush hook qenable()s the write queue; its service
 * procedure moves queued frames into the freed staging slots with getq_burst(), and getq's
 * back-enable wakes the writers once the queue is below low water. While the ring stays full
 * the write queue fills to high water, QFULL is set, and canputnext() above fails: the
 * writers are held back (the stream head returns -EAGAIN) instead of frames being dropped.
 * A pass in which the port took nothing pauses the flush before it offers again: 1 us, doubled
 * at each such pass up to 1 ms, back to none once the port takes a frame (tx_backoffs). A NIC
 * whose ring is full frees descriptors at line rate, so the first retry finds room; but a PMD
 * that writes to the kernel, as net_tap does, fails every write while its interface is down,
 * and without the pause each pass would be a failing system call, the port counting every
 * frame offered as an output error (14.8 million in 3 s, measured).
 *
 * Frames are checked when they are staged: every block M_DATA, at least an Ethernet header,
 * at most MTU + 14 bytes (+ 4 when VLAN-tagged). A port without TX MULTI_SEGS gets multi-block
 * frames pulled up into one block (counted); the head mbuf's TX offload metadata (ol_flags,
 * l2_len, l3_len...) is the business of the modules above and goes to the PMD as they set it,
 * through rte_eth_tx_prepare() before each burst: what a PMD needs done to a frame for its
 * offloads, or refuses (a frame it refuses is freed and counted, tx_prepare; without such a
 * hook the call returns at once).
 * Every drop is counted by reason (pmd.def); an mbuf is never lost: it is staged, queued,
 * sent, or freed and counted.
 *
 * Close. The hooks go first (no more polling), then the staged mbufs are freed and counted;
 * messages left on the write queue are counted and left for freeq(), which frees them without
 * back-enabling neighbours that may already be gone. DL_DETACH_REQ does the same but flushes
 * the write queue itself, back-enabling the writers.
 */
#include <errno.h>
#include <string.h>
#include <sys/sysmacros.h>

#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "pmd.h"

/* One open of "pmd". Hot fields first: the RX poll and TX flush hooks read them every pass. */
struct pmd_minor {
	queue_t *pm_rq;                  /* read queue; WR(pm_rq) is the write queue */
	struct pmdstat *pm_stat;         /* the port queue's counters, or the lcore's unattached */
	uint16_t pm_port_id;             /* DPDK port id */
	uint16_t pm_queue;               /* RX and TX queue */
	uint16_t pm_tx_max_segs;         /* 1 without MULTI_SEGS */
	uint32_t pm_maxfrm;              /* MTU + Ethernet header */
	unsigned pm_ntx;                 /* frames staged */
	uint64_t pm_txbytes;             /* their bytes, for tx_bytes once sent */
	uint64_t pm_tx_retry;            /* TSC before which the flush does not offer; 0: none */
	uint64_t pm_tx_pause;            /* the last pause in TSC cycles; 0 after progress */
	struct rte_mbuf *pm_tx[YARD_PMD_TX_STAGE];
	/* control */
	struct yard_port *pm_port;       /* NULL while unattached */
	struct yard_sched *pm_sched;     /* where the hooks are registered */
	uint32_t pm_state;               /* DL_UNATTACHED, DL_UNBOUND, DL_IDLE */
	uint32_t pm_sap;                 /* bound SAP (ethertype) in DL_IDLE */
	int pm_minor;
} __rte_cache_aligned;

static struct pmd_minor *pmd_minors[YARD_PMD_MAX_MINORS];
/* Counters of streams not attached to a port queue, per lcore (only that lcore writes). */
static struct pmdstat pmd_nostat[RTE_MAX_LCORE];

const char *const yard_pmd_stat_names[YARD_PMDS_MAX] = {
#define PMD_STAT(name, help) #name,
#include "pmd.def"
#undef PMD_STAT
};

const char *const yard_pmd_stat_help[YARD_PMDS_MAX] = {
#define PMD_STAT(name, help) help,
#include "pmd.def"
#undef PMD_STAT
};

static const uint16_t pmd_stat_off[YARD_PMDS_MAX] = {
#define PMD_STAT(name, help) offsetof(struct pmdstat, pmds_##name),
#include "pmd.def"
#undef PMD_STAT
};

uint64_t
yard_pmdstat_get(const struct pmdstat *s, enum yard_pmd_stat i)
{
	uint64_t v;

	if ((unsigned)i >= YARD_PMDS_MAX)
		return 0;
	memcpy(&v, (const char *)s + pmd_stat_off[i], sizeof(v));
	return v;
}

static int pmd_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp);
static int pmd_close(queue_t *q, int flag, cred_t *crp);
static int pmd_rput(queue_t *q, mblk_t *mp);
static int pmd_wput(queue_t *q, mblk_t *mp);
static void pmd_wput_burst(queue_t *q, mblk_t **mps, unsigned n);
static int pmd_wsrv(queue_t *q);

static struct module_info pmd_minfo = {
	.mi_idnum = 0x504d, /* "PM" */
	.mi_idname = YARD_PMD_NAME,
	.mi_minpsz = 0,
	.mi_maxpsz = INFPSZ,
	.mi_hiwat = YARD_PMD_HIWAT,
	.mi_lowat = YARD_PMD_LOWAT,
};

static struct qinit pmd_rinit = {
	.qi_putp = pmd_rput,
	.qi_qopen = pmd_open,
	.qi_qclose = pmd_close,
	.qi_minfo = &pmd_minfo,
};

static struct qinit pmd_winit = {
	.qi_putp = pmd_wput,
	.qi_srvp = pmd_wsrv,
	.qi_minfo = &pmd_minfo,
	.qi_putp_burst = pmd_wput_burst,
};

static struct streamtab pmd_streamtab = {
	.st_rdinit = &pmd_rinit,
	.st_wrinit = &pmd_winit,
};

YARD_DRIVER(YARD_PMD_NAME, pmd_streamtab, D_MP | D_CLONE)

int
yard_pmd_register(void)
{
	const struct yard_devsw *d = yard_drv_find(YARD_PMD_NAME);

	if (d != NULL)
		return d->d_str == &pmd_streamtab ? 0 : -EEXIST;
	return yard_drv_register(YARD_PMD_NAME, &pmd_streamtab, D_MP | D_CLONE);
}

/* ---- TX ----------------------------------------------------------------------------------- */

static inline bool
pmd_is_vlan(const mblk_t *mp)
{
	uint16_t type;

	if (MBLKL(mp) < RTE_ETHER_HDR_LEN)
		return false;
	memcpy(&type, mp->b_rptr + 2 * RTE_ETHER_ADDR_LEN, sizeof(type));
	return type == RTE_BE16(RTE_ETHER_TYPE_VLAN) || type == RTE_BE16(RTE_ETHER_TYPE_QINQ);
}

/*
 * May this block's buffer be written outside its data (headroom, or reused for an answer)?
 * Only a direct mbuf nobody else references: an attached (dupb) or external buffer (esballoc,
 * a PMD's) may be shared or not ours to write.
 */
static inline bool
pmd_blk_writable(const mblk_t *mp)
{
	const struct rte_mbuf *m = yard_mblk_mbuf(mp);

	return RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1;
}

/* Carry the TX offload request of one head mbuf over to the block that becomes the head. */
static inline void
pmd_move_tx_meta(mblk_t *to, const mblk_t *from)
{
	struct rte_mbuf *t = yard_mblk_mbuf(to);
	const struct rte_mbuf *f = yard_mblk_mbuf(from);

	/* Only the TX bits: the others describe each mbuf's own buffer (attached, external). */
	t->ol_flags = (t->ol_flags & ~RTE_MBUF_F_TX_OFFLOAD_MASK) |
		      (f->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK);
	t->tx_offload = f->tx_offload;
}

/*
 * The frames the stack sends: one block holding at least an Ethernet header and at most
 * pm_maxfrm bytes (maxlen is pm_maxfrm - RTE_ETHER_HDR_LEN: one unsigned compare for both).
 */
static inline bool
pmd_frame_plain(const mblk_t *mp, size_t len, size_t maxlen)
{
	return mp->b_cont == NULL && len - RTE_ETHER_HDR_LEN <= maxlen;
}

/* Put a checked frame of len bytes in the next staging slot (the caller made sure of one). */
static inline void
pmd_stage_put(struct pmd_minor *pm, mblk_t *mp, size_t len)
{
	pm->pm_txbytes += len;
	pm->pm_tx[pm->pm_ntx++] = yard_mblk_to_mbuf(mp);
}

/* pmd_stage() for what its fast path does not take: chains, empty or oversize heads, drops. */
static void
pmd_stage_slow(struct pmd_minor *pm, mblk_t *mp)
{
	struct pmdstat *st = pm->pm_stat;
	size_t len = 0;
	unsigned nseg = 1;
	mblk_t *bp;

	/* An empty leading block would be a zero-length first segment, which PMDs refuse. */
	while (unlikely(MBLKL(mp) == 0) && mp->b_cont != NULL && DB_TYPE(mp) == M_DATA) {
		bp = mp->b_cont;
		pmd_move_tx_meta(bp, mp);
		freeb(mp);
		mp = bp;
	}
	for (bp = mp; bp != NULL; bp = bp->b_cont) {
		if (unlikely(DB_TYPE(bp) != M_DATA)) {
			st->pmds_tx_not_data++;
			goto drop;
		}
		len += MBLKL(bp);
		if (bp != mp && MBLKL(bp) != 0) /* empty ones are freed by yard_mblk_to_mbuf */
			nseg++;
	}
	if (unlikely(len < RTE_ETHER_HDR_LEN)) {
		st->pmds_tx_runt++;
		goto drop;
	}
	if (unlikely(len > pm->pm_maxfrm) &&
	    (len > pm->pm_maxfrm + RTE_VLAN_HLEN || !pmd_is_vlan(mp))) {
		st->pmds_tx_oversize++;
		goto drop;
	}
	if (unlikely(nseg > pm->pm_tx_max_segs)) {
		/* In place when the head block is ours alone, else into a new message. */
		if (!pullupmsg(mp, -1)) {
			bp = msgpullup(mp, -1);
			if (bp == NULL) {
				st->pmds_tx_nomem++;
				goto drop;
			}
			pmd_move_tx_meta(bp, mp);
			freemsg(mp);
			mp = bp;
		}
		st->pmds_tx_linearized++;
	}
	pmd_stage_put(pm, mp, len);
	return;
drop:
	freemsg(mp);
}

/*
 * Check one frame, convert it to an mbuf chain and stage it. The caller made sure there is a
 * free slot. A frame that cannot go out is freed here and counted by reason. Plain M_DATA
 * frames are staged at once; everything else gets the full checks.
 */
static inline void
pmd_stage(struct pmd_minor *pm, mblk_t *mp)
{
	size_t len = MBLKL(mp);

	if (likely(DB_TYPE(mp) == M_DATA &&
		   pmd_frame_plain(mp, len, pm->pm_maxfrm - RTE_ETHER_HDR_LEN))) {
		pmd_stage_put(pm, mp, len);
		return;
	}
	pmd_stage_slow(pm, mp);
}

/*
 * pmd_stage() for mps[i..end), stopping at the first message that is not M_DATA; returns
 * where it stopped. The caller made sure of end - i free slots. The counts stay in registers
 * until the run ends (or a frame needs pmd_stage_slow(), which reads them).
 */
static inline unsigned
pmd_stage_run(struct pmd_minor *pm, mblk_t **mps, unsigned i, unsigned end)
{
	const size_t maxlen = pm->pm_maxfrm - RTE_ETHER_HDR_LEN;
	unsigned ntx = pm->pm_ntx;
	uint64_t bytes = 0;

	for (; i < end; i++) {
		mblk_t *mp = mps[i];
		size_t len = MBLKL(mp);

		if (unlikely(DB_TYPE(mp) != M_DATA))
			break;
		if (likely(pmd_frame_plain(mp, len, maxlen))) {
			bytes += len;
			pm->pm_tx[ntx++] = yard_mblk_to_mbuf(mp);
			continue;
		}
		pm->pm_ntx = ntx;
		pm->pm_txbytes += bytes;
		bytes = 0;
		pmd_stage_slow(pm, mp);
		ntx = pm->pm_ntx;
	}
	pm->pm_ntx = ntx;
	pm->pm_txbytes += bytes;
	return i;
}

/* A frame for the wire: stage it if nothing is waiting ahead of it, else queue it. */
static inline void
pmd_tx_data(struct pmd_minor *pm, queue_t *wq, mblk_t *mp)
{
	if (unlikely(pm->pm_port == NULL)) {
		pm->pm_stat->pmds_tx_unattached++;
		freemsg(mp);
		return;
	}
	if (likely(wq->q_first == NULL && pm->pm_ntx < YARD_PMD_TX_STAGE)) {
		pmd_stage(pm, mp);
		return;
	}
	if (unlikely(!putq(wq, mp))) { /* only a band allocation can fail */
		pm->pm_stat->pmds_tx_nomem++;
		freemsg(mp);
		return;
	}
	pm->pm_stat->pmds_tx_queued++;
}

/*
 * The PMD's preparation of the n staged frames (rte_eth_tx_prepare()): a frame it refuses
 * (rte_errno says why; a malformed offload request) can never be sent, so it is freed and
 * counted, and the frames after it are prepared in turn. Frames kept staged are prepared again
 * on the next flush: preparation sets what the offloads need, so doing it twice is harmless.
 * Returns the frames left staged.
 */
static unsigned
pmd_tx_prepare(struct pmd_minor *pm, unsigned n)
{
	unsigned ok = 0;

	while ((ok += rte_eth_tx_prepare(pm->pm_port_id, pm->pm_queue, pm->pm_tx + ok,
					 (uint16_t)(n - ok))) < n) {
		struct rte_mbuf *bad = pm->pm_tx[ok];

		pm->pm_txbytes -= bad->pkt_len;
		rte_pktmbuf_free(bad);
		pm->pm_stat->pmds_tx_prepare++;
		memmove(&pm->pm_tx[ok], &pm->pm_tx[ok + 1], (n - ok - 1) * sizeof(pm->pm_tx[0]));
		n--;
	}
	pm->pm_ntx = n;
	return n;
}

/* TX flush hook: one burst of everything staged; keep what the ring did not take. */
static unsigned
pmd_tx_flush(void *arg)
{
	struct pmd_minor *pm = arg;
	struct pmdstat *st = pm->pm_stat;
	unsigned n = pm->pm_ntx;
	unsigned sent;
	uint64_t bytes;
	queue_t *wq;

	if (n == 0)
		return 0;
	if (unlikely(pm->pm_tx_retry != 0)) {
		if (rte_get_tsc_cycles() < pm->pm_tx_retry)
			return 0; /* the port took nothing last time: pausing (top of file) */
		pm->pm_tx_retry = 0;
	}
	n = pmd_tx_prepare(pm, n);
	if (unlikely(n == 0))
		return 0;
	sent = rte_eth_tx_burst(pm->pm_port_id, pm->pm_queue, pm->pm_tx, (uint16_t)n);
	st->pmds_tx_bursts++;
	if (unlikely(sent == 0)) {
		uint64_t us = rte_get_tsc_hz() / 1000000;

		pm->pm_tx_pause = pm->pm_tx_pause == 0 ? us : RTE_MIN(2 * pm->pm_tx_pause, 1000 * us);
		pm->pm_tx_retry = rte_get_tsc_cycles() + pm->pm_tx_pause;
		st->pmds_tx_backoffs++;
	} else {
		pm->pm_tx_pause = 0;
	}
	st->pmds_tx_pkts += sent;
	bytes = pm->pm_txbytes;
	if (sent < n) {
		uint64_t kept = 0;

		/* What the ring did not take is still ours: its pkt_len is what was staged. */
		for (unsigned i = sent; i < n; i++)
			kept += pm->pm_tx[i]->pkt_len;
		bytes -= kept;
		pm->pm_txbytes = kept;
		st->pmds_tx_ring_full++;
		memmove(&pm->pm_tx[0], &pm->pm_tx[sent], (n - sent) * sizeof(pm->pm_tx[0]));
	} else {
		pm->pm_txbytes = 0;
	}
	st->pmds_tx_bytes += bytes;
	pm->pm_ntx = n - sent;
	/* Room again: let the service procedure refill the staging array from the queue. */
	wq = WR(pm->pm_rq);
	if (sent != 0 && wq->q_first != NULL)
		qenable(wq);
	return sent;
}

/* Free the staged frames (flush, detach, close); counted as flushed. */
static void
pmd_unstage(struct pmd_minor *pm)
{
	for (unsigned i = 0; i < pm->pm_ntx; i++)
		rte_pktmbuf_free(pm->pm_tx[i]);
	pm->pm_stat->pmds_tx_flushed += pm->pm_ntx;
	pm->pm_ntx = 0;
	pm->pm_txbytes = 0;
}

/* Data messages on q (what flushq(q, FLUSHDATA) frees), for the tx_flushed counter. */
static unsigned
pmd_count_data(const queue_t *q)
{
	unsigned n = 0;

	for (const mblk_t *mp = q->q_first; mp != NULL; mp = mp->b_next)
		if (datamsg(DB_TYPE(mp)))
			n++;
	return n;
}

/* ---- RX ----------------------------------------------------------------------------------- */

/* RX poll hook: one burst up, if the queue above can take it. Returns frames received. */
static unsigned
pmd_rx_poll(void *arg)
{
	struct pmd_minor *pm = arg;
	struct pmdstat *st = pm->pm_stat;
	struct rte_mbuf *ms[YARD_PMD_RX_BURST];
	mblk_t *mps[YARD_PMD_RX_BURST];
	uint64_t bytes = 0;
	uint16_t n;

	if (unlikely(!canputnext(pm->pm_rq))) {
		st->pmds_rx_flow_blocked++;
		return 0;
	}
	n = rte_eth_rx_burst(pm->pm_port_id, pm->pm_queue, ms, YARD_PMD_RX_BURST);
	if (n == 0)
		return 0;
	for (uint16_t i = 0; i < n; i++) {
		bytes += ms[i]->pkt_len;
		mps[i] = yard_mbuf_to_mblk(ms[i]);
		/* arp reads the Ethernet header next: start fetching it while the rest convert. */
		rte_prefetch0(mps[i]->b_rptr);
	}
	/* Count first: what runs above may detach this stream before putnext_burst returns. */
	st->pmds_rx_pkts += n;
	st->pmds_rx_bytes += bytes;
	st->pmds_rx_bursts++;
	putnext_burst(pm->pm_rq, mps, n);
	return n;
}

/* ---- DLPI --------------------------------------------------------------------------------- */

/*
 * A block of size bytes and type for an answer: the request block itself when it is ours
 * alone and large enough (as illumos mexchange does), else a new one. Frees whatever of mp is
 * not reused. NULL (request freed, counted) if no block can be had.
 */
static mblk_t *
pmd_answer_block(struct pmd_minor *pm, mblk_t *mp, size_t size, unsigned char type)
{
	mblk_t *bp;

	if (mp != NULL && pmd_blk_writable(mp) && MBLKSIZE(mp) >= size) {
		bp = mp;
		if (bp->b_cont != NULL) {
			freemsg(bp->b_cont);
			bp->b_cont = NULL;
		}
	} else {
		bp = allocb(size, BPRI_HI);
		freemsg(mp);
		if (bp == NULL) {
			pm->pm_stat->pmds_ctl_nomem++;
			return NULL;
		}
	}
	DB_TYPE(bp) = type;
	bp->b_rptr = DB_BASE(bp);
	bp->b_wptr = bp->b_rptr + size;
	bp->b_band = 0;
	bp->b_flag = 0;
	memset(bp->b_rptr, 0, size);
	return bp;
}

static void
pmd_error_ack(struct pmd_minor *pm, queue_t *q, mblk_t *mp, t_uscalar_t prim,
	      t_uscalar_t dl_errno, int unix_errno)
{
	dl_error_ack_t ack = {
		.dl_primitive = DL_ERROR_ACK,
		.dl_error_primitive = prim,
		.dl_errno = dl_errno,
		.dl_unix_errno = (t_uscalar_t)unix_errno,
	};

	pm->pm_stat->pmds_dl_error_acks++;
	mp = pmd_answer_block(pm, mp, sizeof(ack), M_PCPROTO);
	if (mp == NULL)
		return;
	memcpy(mp->b_rptr, &ack, sizeof(ack));
	qreply(q, mp);
}

static void
pmd_ok_ack(struct pmd_minor *pm, queue_t *q, mblk_t *mp, t_uscalar_t prim)
{
	dl_ok_ack_t ack = { .dl_primitive = DL_OK_ACK, .dl_correct_primitive = prim };

	mp = pmd_answer_block(pm, mp, sizeof(ack), M_PCPROTO);
	if (mp == NULL)
		return;
	memcpy(mp->b_rptr, &ack, sizeof(ack));
	qreply(q, mp);
}

static void
pmd_info_req(struct pmd_minor *pm, queue_t *q, mblk_t *mp)
{
	const size_t addr_off = sizeof(yard_dl_info_ack_t);
	const size_t brd_off = addr_off + YARD_DL_ETHER_ADDRL;
	const size_t size = brd_off + RTE_ETHER_ADDR_LEN;
	const struct yard_port *port = pm->pm_port;
	struct yard_dl_ether_addr addr;
	yard_dl_info_ack_t ack;

	memset(&ack, 0, sizeof(ack));
	ack.dl.dl_primitive = DL_INFO_ACK;
	ack.dl.dl_max_sdu = port != NULL ? port->yp_mtu : 0;
	ack.dl.dl_min_sdu = 1;
	ack.dl.dl_addr_length = YARD_DL_ETHER_ADDRL;
	ack.dl.dl_mac_type = DL_ETHER;
	ack.dl.dl_current_state = pm->pm_state;
	ack.dl.dl_sap_length = YARD_DL_ETHER_SAPL;
	ack.dl.dl_service_mode = DL_CLDLS;
	ack.dl.dl_provider_style = DL_STYLE2;
	ack.dl.dl_addr_offset = port != NULL ? (t_uscalar_t)addr_off : 0;
	ack.dl.dl_version = DL_VERSION_2;
	ack.dl.dl_brdcst_addr_length = RTE_ETHER_ADDR_LEN;
	ack.dl.dl_brdcst_addr_offset = (t_uscalar_t)brd_off;
	ack.yx.yx_magic = YARD_DL_INFO_MAGIC;
	ack.yx.yx_version = YARD_DL_INFO_VERSION;
	memset(&addr, 0, sizeof(addr));
	if (port != NULL) {
		memcpy(ack.yx.yx_mac, port->yp_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
		ack.yx.yx_mtu = port->yp_mtu;
		ack.yx.yx_port = port->yp_index;
		ack.yx.yx_queue = pm->pm_queue;
		ack.yx.yx_caps = yard_port_caps(port);
		ack.yx.yx_nqueues = port->yp_nb_rxq;
		memcpy(addr.dl_phys, port->yp_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
		addr.dl_sap = (uint16_t)pm->pm_sap;
	}

	mp = pmd_answer_block(pm, mp, size, M_PCPROTO);
	if (mp == NULL)
		return;
	memcpy(mp->b_rptr, &ack, sizeof(ack));
	memcpy(mp->b_rptr + addr_off, &addr, sizeof(addr));
	memset(mp->b_rptr + brd_off, 0xff, RTE_ETHER_ADDR_LEN);
	qreply(q, mp);
}

static void
pmd_attach_req(struct pmd_minor *pm, queue_t *q, mblk_t *mp)
{
	dl_attach_req_t req;
	struct yard_port *port;
	struct yard_sched *sc = q->q_sched;
	unsigned queue;
	void *expect = NULL;
	int rc;

	if (MBLKL(mp) < sizeof(req)) {
		pmd_error_ack(pm, q, mp, DL_ATTACH_REQ, DL_BADPRIM, 0);
		return;
	}
	memcpy(&req, mp->b_rptr, sizeof(req));
	if (pm->pm_state != DL_UNATTACHED) {
		pmd_error_ack(pm, q, mp, DL_ATTACH_REQ, DL_OUTSTATE, 0);
		return;
	}
	port = yard_port_by_index(YARD_DL_PPA_PORT(req.dl_ppa));
	queue = YARD_DL_PPA_QUEUE(req.dl_ppa);
	if (port == NULL || !port->yp_started || queue >= port->yp_nb_rxq ||
	    queue >= port->yp_nb_txq || queue >= YARD_PORT_MAX_QUEUES) {
		pmd_error_ack(pm, q, mp, DL_ATTACH_REQ, DL_BADPPA, 0);
		return;
	}
	/* One stream per ring: a second poller would steal the first one's frames. */
	if (!__atomic_compare_exchange_n(&port->yp_qowner[queue], &expect, pm, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		pmd_error_ack(pm, q, mp, DL_ATTACH_REQ, DL_BUSY, 0);
		return;
	}
	pm->pm_port = port;
	pm->pm_port_id = port->yp_port_id;
	pm->pm_queue = (uint16_t)queue;
	pm->pm_maxfrm = (uint32_t)port->yp_mtu + RTE_ETHER_HDR_LEN;
	pm->pm_tx_max_segs = port->yp_tx_max_segs;
	pm->pm_sched = sc;
	rc = yard_sched_add_poll(sc, pmd_rx_poll, pm);
	if (rc == 0) {
		rc = yard_sched_add_flush(sc, pmd_tx_flush, pm);
		if (rc != 0)
			yard_sched_del_poll(sc, pmd_rx_poll, pm);
	}
	if (rc != 0) {
		pm->pm_port = NULL;
		__atomic_store_n(&port->yp_qowner[queue], NULL, __ATOMIC_RELEASE);
		pmd_error_ack(pm, q, mp, DL_ATTACH_REQ, DL_SYSERR, -rc);
		return;
	}
	pm->pm_stat = &port->yp_qstat[queue];
	pm->pm_state = DL_UNBOUND;
	pmd_ok_ack(pm, q, mp, DL_ATTACH_REQ);
}

/*
 * Undo an attach: hooks off, staged frames freed, the write queue emptied (flushq, which
 * back-enables the writers) unless closing (then freeq frees it, see the top of the file).
 */
static void
pmd_detach(struct pmd_minor *pm, bool closing)
{
	struct yard_port *port = pm->pm_port;
	queue_t *wq = WR(pm->pm_rq);

	if (port == NULL)
		return;
	yard_sched_del_poll(pm->pm_sched, pmd_rx_poll, pm);
	yard_sched_del_flush(pm->pm_sched, pmd_tx_flush, pm);
	/* One last burst: a clean stop still sends its last frames (tcp's RSTs among them). */
	pm->pm_tx_retry = pm->pm_tx_pause = 0;
	(void)pmd_tx_flush(pm);
	pmd_unstage(pm);
	pm->pm_stat->pmds_tx_flushed += pmd_count_data(wq);
	if (!closing)
		flushq(wq, FLUSHDATA);
	__atomic_store_n(&port->yp_qowner[pm->pm_queue], NULL, __ATOMIC_RELEASE);
	pm->pm_port = NULL;
	pm->pm_stat = &pmd_nostat[pm->pm_sched->sc_lcore];
	pm->pm_state = DL_UNATTACHED;
	pm->pm_sap = 0;
}

static void
pmd_bind_req(struct pmd_minor *pm, queue_t *q, mblk_t *mp)
{
	dl_bind_req_t req;
	dl_bind_ack_t ack;
	struct yard_dl_ether_addr addr;

	if (MBLKL(mp) < sizeof(req)) {
		pmd_error_ack(pm, q, mp, DL_BIND_REQ, DL_BADPRIM, 0);
		return;
	}
	memcpy(&req, mp->b_rptr, sizeof(req));
	if (pm->pm_state != DL_UNBOUND) {
		pmd_error_ack(pm, q, mp, DL_BIND_REQ, DL_OUTSTATE, 0);
		return;
	}
	if (req.dl_sap > UINT16_MAX) {
		pmd_error_ack(pm, q, mp, DL_BIND_REQ, DL_BADSAP, 0);
		return;
	}
	if (req.dl_service_mode != DL_CLDLS) {
		pmd_error_ack(pm, q, mp, DL_BIND_REQ, DL_UNSUPPORTED, 0);
		return;
	}
	pm->pm_sap = req.dl_sap;
	pm->pm_state = DL_IDLE;

	memset(&ack, 0, sizeof(ack));
	ack.dl_primitive = DL_BIND_ACK;
	ack.dl_sap = req.dl_sap;
	ack.dl_addr_length = YARD_DL_ETHER_ADDRL;
	ack.dl_addr_offset = sizeof(ack);
	memcpy(addr.dl_phys, pm->pm_port->yp_mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	addr.dl_sap = (uint16_t)req.dl_sap;
	mp = pmd_answer_block(pm, mp, sizeof(ack) + sizeof(addr), M_PCPROTO);
	if (mp == NULL)
		return;
	memcpy(mp->b_rptr, &ack, sizeof(ack));
	memcpy(mp->b_rptr + sizeof(ack), &addr, sizeof(addr));
	qreply(q, mp);
}

static void
pmd_uderror(struct pmd_minor *pm, queue_t *q, mblk_t *mp, const struct yard_dl_ether_addr *da,
	    t_uscalar_t dl_errno, int unix_errno)
{
	dl_uderror_ind_t ind = {
		.dl_primitive = DL_UDERROR_IND,
		.dl_dest_addr_length = da != NULL ? YARD_DL_ETHER_ADDRL : 0,
		.dl_dest_addr_offset = da != NULL ? sizeof(ind) : 0,
		.dl_unix_errno = (t_uscalar_t)unix_errno,
		.dl_errno = dl_errno,
	};
	struct yard_dl_ether_addr addr;

	if (da != NULL)
		addr = *da; /* mp may be reused for the answer: copy the address out first */
	mp = pmd_answer_block(pm, mp, sizeof(ind) + (da != NULL ? sizeof(addr) : 0), M_PROTO);
	if (mp == NULL)
		return;
	memcpy(mp->b_rptr, &ind, sizeof(ind));
	if (da != NULL)
		memcpy(mp->b_rptr + sizeof(ind), &addr, sizeof(addr));
	qreply(q, mp);
}

/*
 * DL_UNITDATA_REQ: put an Ethernet header in front of the payload and send it as M_DATA.
 * The header goes into the payload's headroom when the buffer is ours alone (DB_REF 1, a
 * plain pool buffer); else the request block itself becomes the header block, so the common
 * case allocates nothing; else a new block is linked in front.
 */
static void
pmd_unitdata_req(struct pmd_minor *pm, queue_t *q, mblk_t *mp)
{
	dl_unitdata_req_t req;
	struct yard_dl_ether_addr da;
	struct rte_ether_hdr eh;
	mblk_t *bp = mp->b_cont, *hp;
	size_t plen, limit;

	if (MBLKL(mp) < sizeof(req)) {
		pm->pm_stat->pmds_tx_uderror++;
		pmd_uderror(pm, q, mp, NULL, DL_BADPRIM, 0);
		return;
	}
	memcpy(&req, mp->b_rptr, sizeof(req));
	if (req.dl_dest_addr_length != YARD_DL_ETHER_ADDRL ||
	    req.dl_dest_addr_offset < sizeof(req) ||
	    req.dl_dest_addr_offset > MBLKL(mp) ||
	    MBLKL(mp) - req.dl_dest_addr_offset < YARD_DL_ETHER_ADDRL) {
		pm->pm_stat->pmds_tx_uderror++;
		pmd_uderror(pm, q, mp, NULL, DL_BADADDR, 0);
		return;
	}
	memcpy(&da, mp->b_rptr + req.dl_dest_addr_offset, sizeof(da));
	if (pm->pm_port == NULL) {
		pm->pm_stat->pmds_tx_uderror++;
		pmd_uderror(pm, q, mp, &da, DL_OUTSTATE, 0);
		return;
	}
	if (bp == NULL || DB_TYPE(bp) != M_DATA) {
		pm->pm_stat->pmds_tx_uderror++;
		pmd_uderror(pm, q, mp, &da, DL_BADDATA, 0);
		return;
	}
	plen = msgdsize(bp);
	limit = pm->pm_maxfrm - RTE_ETHER_HDR_LEN;
	if (da.dl_sap == RTE_ETHER_TYPE_VLAN || da.dl_sap == RTE_ETHER_TYPE_QINQ)
		limit += RTE_VLAN_HLEN;
	if (plen > limit) {
		pm->pm_stat->pmds_tx_oversize++;
		pmd_uderror(pm, q, mp, &da, DL_BADDATA, EMSGSIZE);
		return;
	}

	memcpy(eh.dst_addr.addr_bytes, da.dl_phys, RTE_ETHER_ADDR_LEN);
	eh.src_addr = pm->pm_port->yp_mac;
	eh.ether_type = rte_cpu_to_be_16(da.dl_sap);

	if (pmd_blk_writable(bp) && MBLKHEAD(bp) >= RTE_ETHER_HDR_LEN) {
		mp->b_cont = NULL;
		freeb(mp);
		bp->b_rptr -= RTE_ETHER_HDR_LEN;
		hp = bp;
	} else if (pmd_blk_writable(mp) && MBLKSIZE(mp) >= RTE_ETHER_HDR_LEN) {
		hp = mp;
		DB_TYPE(hp) = M_DATA;
		hp->b_rptr = DB_BASE(hp);
		hp->b_wptr = hp->b_rptr + RTE_ETHER_HDR_LEN;
		pmd_move_tx_meta(hp, bp);
	} else {
		hp = allocb(RTE_ETHER_HDR_LEN, BPRI_MED);
		if (hp == NULL) {
			pm->pm_stat->pmds_tx_nomem++;
			freemsg(mp);
			return;
		}
		hp->b_wptr += RTE_ETHER_HDR_LEN;
		hp->b_cont = bp;
		mp->b_cont = NULL;
		freeb(mp);
		pmd_move_tx_meta(hp, bp);
	}
	memcpy(hp->b_rptr, &eh, sizeof(eh));
	hp->b_band = 0;
	/* The caller could not know the L2 length of a header it did not build. */
	yard_mblk_mbuf(hp)->l2_len = RTE_ETHER_HDR_LEN;
	pmd_tx_data(pm, q, hp);
}

static void
pmd_proto(struct pmd_minor *pm, queue_t *q, mblk_t *mp)
{
	t_uscalar_t prim;

	if (MBLKL(mp) < sizeof(prim)) {
		pm->pm_stat->pmds_dl_prims++;
		pmd_error_ack(pm, q, mp, 0, DL_BADPRIM, 0);
		return;
	}
	memcpy(&prim, mp->b_rptr, sizeof(prim));
	if (likely(prim == DL_UNITDATA_REQ)) {
		pmd_unitdata_req(pm, q, mp);
		return;
	}
	pm->pm_stat->pmds_dl_prims++;
	switch (prim) {
	case DL_INFO_REQ:
		pmd_info_req(pm, q, mp);
		break;
	case DL_ATTACH_REQ:
		pmd_attach_req(pm, q, mp);
		break;
	case DL_DETACH_REQ:
		if (pm->pm_state != DL_UNBOUND) {
			pmd_error_ack(pm, q, mp, prim, DL_OUTSTATE, 0);
			break;
		}
		pmd_detach(pm, false);
		pmd_ok_ack(pm, q, mp, prim);
		break;
	case DL_BIND_REQ:
		pmd_bind_req(pm, q, mp);
		break;
	case DL_UNBIND_REQ:
		if (pm->pm_state != DL_IDLE) {
			pmd_error_ack(pm, q, mp, prim, DL_OUTSTATE, 0);
			break;
		}
		pm->pm_state = DL_UNBOUND;
		pm->pm_sap = 0;
		pmd_ok_ack(pm, q, mp, prim);
		break;
	case DL_SUBS_BIND_REQ:
	case DL_SUBS_UNBIND_REQ:
	case DL_ENABMULTI_REQ:
	case DL_DISABMULTI_REQ:
	case DL_PROMISCON_REQ:
	case DL_PROMISCOFF_REQ:
	case DL_PHYS_ADDR_REQ:
	case DL_SET_PHYS_ADDR_REQ:
		pmd_error_ack(pm, q, mp, prim, DL_NOTSUPPORTED, 0);
		break;
	default:
		pmd_error_ack(pm, q, mp, prim, DL_BADPRIM, 0);
		break;
	}
}

/* ---- M_FLUSH ------------------------------------------------------------------------------ */

/* The canonical driver rules: FLUSHW here (queue and staging), FLUSHR turned back up. */
static void
pmd_flush(struct pmd_minor *pm, queue_t *q, mblk_t *mp)
{
	unsigned char flag;

	if (MBLKL(mp) < 1) {
		pm->pm_stat->pmds_unknown_msg++;
		freemsg(mp);
		return;
	}
	flag = *mp->b_rptr;
	if (flag & FLUSHW) {
		if ((flag & FLUSHBAND) && MBLKL(mp) >= 2 && mp->b_rptr[1] != 0) {
			/* Staged frames are band 0: only the queue's band is flushed. */
			flushband(q, mp->b_rptr[1], FLUSHDATA);
		} else {
			pm->pm_stat->pmds_tx_flushed += pmd_count_data(q);
			flushq(q, FLUSHDATA);
			pmd_unstage(pm);
		}
		*mp->b_rptr &= ~FLUSHW;
	}
	if (*mp->b_rptr & FLUSHR) {
		queue_t *rq = RD(q);

		if ((flag & FLUSHBAND) && MBLKL(mp) >= 2)
			flushband(rq, mp->b_rptr[1], FLUSHDATA);
		else
			flushq(rq, FLUSHDATA);
		qreply(q, mp);
		return;
	}
	freemsg(mp);
}

/* ---- put and service procedures ----------------------------------------------------------- */

static int
pmd_wput(queue_t *q, mblk_t *mp)
{
	struct pmd_minor *pm = q->q_ptr;

	switch (DB_TYPE(mp)) {
	case M_DATA:
		pmd_tx_data(pm, q, mp);
		break;
	case M_PROTO:
	case M_PCPROTO:
		pmd_proto(pm, q, mp);
		break;
	case M_FLUSH:
		pmd_flush(pm, q, mp);
		break;
	case M_IOCTL:
		pm->pm_stat->pmds_ioctl_nak++;
		miocnak(q, mp, 0, EINVAL);
		break;
	default:
		pm->pm_stat->pmds_unknown_msg++;
		freemsg(mp);
		break;
	}
	return 0;
}

/*
 * Whether a frame may skip the write queue (attached, nothing queued ahead of it) is decided
 * once for a run of M_DATA frames: staging changes neither, only a message handled by
 * pmd_wput() (a detach, a flush) can, and the run stops at the first of those.
 */
static void
pmd_wput_burst(queue_t *q, mblk_t **mps, unsigned n)
{
	struct pmd_minor *pm = q->q_ptr;
	unsigned i = 0;

	while (i < n) {
		if (likely(pm->pm_port != NULL && q->q_first == NULL)) {
			i = pmd_stage_run(pm, mps, i, i + RTE_MIN(n - i, YARD_PMD_TX_STAGE - pm->pm_ntx));
			if (i == n)
				break;
		}
		/* Staging full, a queue ahead, unattached, or not data: one at a time. */
		if (DB_TYPE(mps[i]) == M_DATA)
			pmd_tx_data(pm, q, mps[i]);
		else
			pmd_wput(q, mps[i]);
		i++;
	}
}

/* Move queued frames into the staging slots the flush hook freed. */
static int
pmd_wsrv(queue_t *q)
{
	struct pmd_minor *pm = q->q_ptr;
	mblk_t *mps[YARD_PMD_TX_STAGE];
	unsigned room, n;

	while ((room = YARD_PMD_TX_STAGE - pm->pm_ntx) != 0) {
		n = getq_burst(q, mps, room);
		if (n == 0)
			break;
		for (unsigned i = 0; i < n; i++) {
			if (unlikely(pm->pm_port == NULL)) {
				pm->pm_stat->pmds_tx_unattached++;
				freemsg(mps[i]);
			} else {
				pmd_stage(pm, mps[i]); /* checks the type: only M_DATA is queued */
			}
		}
	}
	return 0;
}

/* Nothing is queued on the read side: what is put here goes straight on up. */
static int
pmd_rput(queue_t *q, mblk_t *mp)
{
	putnext(q, mp);
	return 0;
}

/* ---- open and close ----------------------------------------------------------------------- */

static int
pmd_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	struct yard_sched *sc = q->q_sched != NULL ? q->q_sched : yard_sched_self();
	struct pmd_minor *pm;
	unsigned m;

	RTE_SET_USED(oflag);
	RTE_SET_USED(crp);
	if (q->q_ptr != NULL)
		return 0; /* already open (not a clone open) */
	if (sflag == MODOPEN)
		return EINVAL; /* a driver, not a module */
	pm = rte_zmalloc_socket("yard_pmd_minor", sizeof(*pm), RTE_CACHE_LINE_SIZE,
				(int)rte_socket_id());
	if (pm == NULL)
		return ENOMEM;
	/* Streams may be opened on several lcores at once (each opens its own). */
	for (m = 0; m < YARD_PMD_MAX_MINORS; m++) {
		struct pmd_minor *expect = NULL;

		if (__atomic_compare_exchange_n(&pmd_minors[m], &expect, pm, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			break;
	}
	if (m == YARD_PMD_MAX_MINORS) {
		rte_free(pm);
		return ENOSR; /* out of STREAMS resources: every minor is in use */
	}
	pm->pm_minor = (int)m;
	pm->pm_rq = q;
	pm->pm_sched = sc;
	pm->pm_stat = &pmd_nostat[sc->sc_lcore];
	pm->pm_state = DL_UNATTACHED;
	q->q_ptr = pm;
	WR(q)->q_ptr = pm;
	if (devp != NULL)
		*devp = makedev(major(*devp), m);
	qprocson(q);
	return 0;
}

static int
pmd_close(queue_t *q, int flag, cred_t *crp)
{
	struct pmd_minor *pm = q->q_ptr;

	RTE_SET_USED(flag);
	RTE_SET_USED(crp);
	if (pm == NULL)
		return 0;
	qprocsoff(q);
	pmd_detach(pm, true);
	q->q_ptr = NULL;
	WR(q)->q_ptr = NULL;
	__atomic_store_n(&pmd_minors[pm->pm_minor], NULL, __ATOMIC_RELEASE);
	rte_free(pm);
	return 0;
}

int
yard_pmd_minor(struct stdata *sd)
{
	if (sd == NULL)
		return -1;
	for (queue_t *q = sd->sd_wrq; q != NULL; q = q->q_next) {
		if (q->q_qinfo == &pmd_winit && q->q_ptr != NULL)
			return ((struct pmd_minor *)q->q_ptr)->pm_minor;
	}
	return -1;
}

/* ---- counters and telemetry --------------------------------------------------------------- */

static void
pmdstat_add(struct pmdstat *to, const struct pmdstat *from)
{
#define PMD_STAT(name, help) to->pmds_##name += from->pmds_##name;
#include "pmd.def"
#undef PMD_STAT
}

const struct pmdstat *
yard_pmd_queue_stats(unsigned port_index, unsigned queue)
{
	const struct yard_port *port = yard_port_by_index(port_index);

	if (port == NULL || queue >= YARD_PORT_MAX_QUEUES ||
	    (queue >= port->yp_nb_rxq && queue >= port->yp_nb_txq))
		return NULL;
	return &port->yp_qstat[queue];
}

void
yard_pmd_stats_sum(struct pmdstat *out)
{
	unsigned nports = yard_port_count();

	memset(out, 0, sizeof(*out));
	for (unsigned p = 0; p < nports; p++) {
		const struct yard_port *port = yard_port_by_index(p);

		if (port == NULL)
			continue;
		for (unsigned q = 0; q < YARD_PORT_MAX_QUEUES; q++)
			pmdstat_add(out, &port->yp_qstat[q]);
	}
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++)
		pmdstat_add(out, &pmd_nostat[l]);
}

static int
pmd_tel_counters(struct rte_tel_data *d, const struct pmdstat *s)
{
	for (unsigned i = 0; i < YARD_PMDS_MAX; i++) {
		int rc = rte_tel_data_add_dict_u64(d, yard_pmd_stat_names[i],
						   yard_pmdstat_get(s, (enum yard_pmd_stat)i));
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
yard_pmd_tel_queue(unsigned port_index, unsigned queue, struct rte_tel_data *d)
{
	const struct pmdstat *s = yard_pmd_queue_stats(port_index, queue);
	struct pmdstat snap;
	int rc;

	if (s == NULL)
		return -ENOENT;
	snap = *s;
	rc = rte_tel_data_start_dict(d);
	if (rc == 0)
		rc = rte_tel_data_add_dict_string(d, "port",
						  yard_port_by_index(port_index)->yp_name);
	if (rc == 0)
		rc = rte_tel_data_add_dict_u64(d, "queue", queue);
	if (rc == 0)
		rc = pmd_tel_counters(d, &snap);
	return rc;
}

int
yard_pmd_tel_all(struct rte_tel_data *d)
{
	struct pmdstat sum;
	int rc;

	yard_pmd_stats_sum(&sum);
	rc = rte_tel_data_start_dict(d);
	if (rc == 0)
		rc = rte_tel_data_add_dict_u64(d, "ports", yard_port_count());
	if (rc == 0)
		rc = pmd_tel_counters(d, &sum);
	return rc;
}
