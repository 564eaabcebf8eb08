/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The "pmd" STREAMS driver: the bottom of a stream on an ethdev port queue, in DLPI style.
 *
 * A stream opened on "pmd" (every open is a clone open: a new minor) is attached to one
 * (port, queue) with DL_ATTACH_REQ, dl_ppa = YARD_DL_PPA(port index, queue) (pmd_glue/dlpi.h).
 * From then on, on the lcore that owns the stream:
 *  - RX: a poll hook on the lcore's scheduler takes up to YARD_PMD_RX_BURST frames with
 *    rte_eth_rx_burst(), turns the mbufs into M_DATA messages in place and sends them upstream
 *    as one putnext_burst() — only while canputnext() allows. When upstream is full the frames
 *    stay in the NIC ring (the NIC counts what it cannot hold as imissed): that is the
 *    backpressure, and rx_flow_blocked counts the polls skipped.
 *  - TX: M_DATA frames (the Ethernet header included) written down the stream are staged and
 *    sent by a flush hook, one rte_eth_tx_burst() per pass. When the ring does not take them,
 *    they stay staged, later frames wait on the driver's write queue, and QFULL holds the
 *    writers above back (sth_putmsg_mblk() returns -EAGAIN, canputnext() fails). When the ring
 *    takes frames again the queue drains and the writers are back-enabled. Nothing is dropped
 *    for want of ring space; what is dropped (oversize, runt, not M_DATA, no memory) is
 *    counted by reason in struct pmdstat (pmd_glue/pmd.def).
 *  - DL_UNITDATA_REQ: the driver prepends the Ethernet header (the port's MAC as source) and
 *    sends the frame like M_DATA; refusals come back as DL_UDERROR_IND.
 *  - DL_INFO_REQ: DL_INFO_ACK with yard's extension (MAC, MTU, port, queue, YARD_CAP_* offload
 *    bits), so modules use offloads where the port has them and software where not.
 *  - TX offload metadata (ol_flags, l2_len, l3_len...) on the head mbuf is the business of
 *    the modules above and goes to the PMD untouched.
 *
 * Registration: an application linking pmd_glue whole (as meson's pmd_glue_dep does) gets the
 * driver registered at load time by a constructor; otherwise it calls yard_pmd_register() once,
 * on the main lcore, before opening "pmd" streams. Ports are opened with yard_port_open()
 * (pmd_glue/port.h) before streams attach to them.
 */
#ifndef YARD_PMD_GLUE_PMD_H
#define YARD_PMD_GLUE_PMD_H

#include <stdint.h>

#include <rte_telemetry.h>

#include <streams/stream.h>
#include <pmd_glue/dlpi.h>
#include <pmd_glue/port.h>

#ifdef __cplusplus
extern "C" {
#endif

#define YARD_PMD_NAME       "pmd"
#define YARD_PMD_MAX_MINORS 256          /**< streams open on "pmd" at once */
#define YARD_PMD_RX_BURST   32           /**< frames per rte_eth_rx_burst() */
#define YARD_PMD_TX_STAGE   64           /**< frames staged per stream for the next flush */
#define YARD_PMD_HIWAT      (64 * 1024)  /**< write queue high water (bytes) */
#define YARD_PMD_LOWAT      (16 * 1024)  /**< write queue low water (bytes) */

/** Counter indices, in pmd.def order. */
enum yard_pmd_stat {
#define PMD_STAT(name, help) YARD_PMDS_##name,
#include <pmd_glue/pmd.def>
#undef PMD_STAT
	YARD_PMDS_MAX
};

/** Counter names ("rx_pkts", ...) and help texts, indexed by enum yard_pmd_stat. */
extern const char *const yard_pmd_stat_names[YARD_PMDS_MAX];
extern const char *const yard_pmd_stat_help[YARD_PMDS_MAX];

/** Value of counter i of s. */
uint64_t yard_pmdstat_get(const struct pmdstat *s, enum yard_pmd_stat i);

/**
 * Register the "pmd" driver (clone, D_MP). Idempotent: 0 if registered (now or before), else
 * -errno from yard_drv_register().
 */
int yard_pmd_register(void);

/** Minor of a stream opened on "pmd", -1 if sd is not one. */
int yard_pmd_minor(struct stdata *sd);

/** Counters of a port queue, NULL if there is no such port or queue. */
const struct pmdstat *yard_pmd_queue_stats(unsigned port_index, unsigned queue);
/**
 * Sum of every open port queue's counters and those of streams counted while unattached
 * (which are per lcore), into *out.
 */
void yard_pmd_stats_sum(struct pmdstat *out);

/**
 * Fill d (a fresh rte_tel_data) with one dict: "port" (name), "queue", then every counter of
 * that port queue. 0, or -ENOENT if there is no such port queue.
 */
int yard_pmd_tel_queue(unsigned port_index, unsigned queue, struct rte_tel_data *d);
/** Fill d with one dict of every counter summed over all port queues (yard_pmd_stats_sum()). */
int yard_pmd_tel_all(struct rte_tel_data *d);

#ifdef __cplusplus
}
#endif
#endif /* YARD_PMD_GLUE_PMD_H */
