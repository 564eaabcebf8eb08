/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Port bring-up: open an ethdev (a vdev such as `net_tap0,iface=yard0`, `net_ring0`,
 * `net_af_packet0,iface=veth1`, `net_pcap0,...`, or a PCI address), negotiate offloads, set the
 * MTU, make its RX mempool, set up its queues and start it; and the table of open ports the
 * "pmd" STREAMS driver attaches to (DL_ATTACH_REQ with YARD_DL_PPA(port index, queue)).
 *
 * Offloads are negotiated, never assumed: yard asks for RX IPv4/UDP/TCP checksum, TX
 * IPv4/UDP/TCP checksum and TX MULTI_SEGS only where rte_eth_dev_info reports them, and RSS
 * (rss_hf masked by flow_type_rss_offloads) only with more than one RX queue. What was granted
 * is published as YARD_CAP_* bits (yard_port_caps(), and DL_INFO_ACK's extension) so modules
 * use an offload where the port has it and software where it does not.
 *
 * Ports are opened and closed from the main lcore, before and after the lcore loops run (the
 * table is read without locks by the lcores in between). Every call returns 0 or -errno and
 * logs one line naming the port and what failed.
 */
#ifndef YARD_PMD_GLUE_PORT_H
#define YARD_PMD_GLUE_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_ether.h>
#include <rte_mempool.h>

#include <pmd_glue/dlpi.h>

#ifdef __cplusplus
extern "C" {
#endif

#define YARD_MAX_PORTS        16  /**< entries of the port table */
#define YARD_PORT_MAX_QUEUES  16  /**< RX/TX queues per port (a PPA holds queues up to 255) */
#define YARD_PORT_NAMESIZE    32
#define YARD_PORT_RXD_DEFAULT 1024
#define YARD_PORT_TXD_DEFAULT 1024

/** Counters of one port queue, kept by the "pmd" driver; fields pmds_<name> from pmd.def. */
struct pmdstat {
#define PMD_STAT(name, help) uint64_t pmds_##name;
#include <pmd_glue/pmd.def>
#undef PMD_STAT
} __rte_cache_aligned;

/** What to open. Zeroes mean defaults. */
struct yard_port_conf {
	const char *name;     /**< yard's name for logs and telemetry (default: the device name) */
	const char *device;   /**< devargs: a vdev string or a PCI address (required) */
	uint16_t nb_rxq;      /**< RX queues (default 1) */
	uint16_t nb_txq;      /**< TX queues (default nb_rxq) */
	uint16_t nb_rxd;      /**< RX descriptors per queue (default 1024, adjusted to the PMD) */
	uint16_t nb_txd;      /**< TX descriptors per queue (default 1024, adjusted to the PMD) */
	uint16_t mtu;         /**< MTU (default 1500); a PMD that refuses it fails the open */
	unsigned pool_size;   /**< RX mbufs (default: enough for every ring twice, plus 1024) */
	unsigned pool_cache;  /**< per-lcore mempool cache (default 256) */
	bool promiscuous;     /**< enable promiscuous mode */
	/**
	 * Take every multicast frame (all-multicast mode): for multicast groups joined above,
	 * whose MACs the NIC would otherwise filter. A PMD that cannot is logged, not fatal:
	 * many pass multicast anyway (net_tap, net_af_packet, net_pcap, net_ring).
	 */
	bool allmulticast;
	/**
	 * Send every frame as a single mbuf even where the PMD offers TX MULTI_SEGS: MULTI_SEGS is
	 * then not requested and YARD_CAP_MULTISEG not granted, so the modules build one-block
	 * frames and the pmd driver pulls up any chain that still comes down. Several PMDs pick a
	 * faster (vector) TX path when MULTI_SEGS is off.
	 */
	bool tx_single_seg;
};

/** An open port. Read-only outside port.c, except the per-queue owner and counters. */
struct yard_port {
	char yp_name[YARD_PORT_NAMESIZE];   /**< yard's name */
	char yp_devname[RTE_DEV_NAME_MAX_LEN]; /**< the ethdev name (device string up to ',') */
	unsigned yp_index;                  /**< index in the port table (the PPA's port) */
	uint16_t yp_port_id;                /**< DPDK port id */
	int yp_socket;                      /**< NUMA socket of the port (or of the caller) */
	struct rte_ether_addr yp_mac;
	uint16_t yp_mtu;
	uint16_t yp_nb_rxq, yp_nb_txq;
	uint16_t yp_nb_rxd, yp_nb_txd;
	uint64_t yp_rx_offloads;            /**< RTE_ETH_RX_OFFLOAD_* negotiated */
	uint64_t yp_tx_offloads;            /**< RTE_ETH_TX_OFFLOAD_* negotiated */
	uint64_t yp_rss_hf;                 /**< RSS hash functions in use, 0 without RSS */
	uint32_t yp_caps;                   /**< YARD_CAP_* */
	uint16_t yp_tx_max_segs;            /**< most mbufs per TX frame (1 without MULTISEG) */
	struct rte_mempool *yp_rxpool;      /**< RX mbufs (yard_pktmbuf_pool_create) */
	bool yp_started;
	bool yp_link_up;                    /**< at open */
	uint32_t yp_link_speed;             /**< Mbps, at open */
	bool yp_probed;                     /**< yard probed the device (it was not present) */
	bool yp_is_vdev;                    /**< on the vdev bus: removed at close */
	/** The stream attached to each queue (the pmd driver's minor), NULL if none. */
	void *yp_qowner[YARD_PORT_MAX_QUEUES];
	/** Counters per queue, written only by the lcore serving that queue. */
	struct pmdstat yp_qstat[YARD_PORT_MAX_QUEUES];
};

/**
 * Open, configure and start a port, and enter it in the port table (lowest free index).
 * @return 0 and *portp, or -EINVAL (bad configuration), -ENODEV (no such device), -EBUSY (the
 * device is already a yard port), -ENOSPC (table full), -ENOMEM, -ENOTSUP (the PMD refuses the
 * MTU or promiscuous mode) or another -errno from ethdev. Each failure is logged.
 */
int yard_port_open(const struct yard_port_conf *conf, struct yard_port **portp);
/**
 * Bytes of EAL memory yard_port_open(conf) will take for the port's RX pool on pages of
 * page_size bytes, from the configuration alone (before EAL; the PMD may adjust the rings
 * and the room down, not up): what app/main.c adds up to decide whether hugepages suffice.
 */
size_t yard_port_mem_estimate(const struct yard_port_conf *conf, size_t page_size);
/**
 * Stop and close a port, remove its device if it is a vdev (a tap interface disappears), free
 * its RX pool once every mbuf is back, and take it out of the table.
 * @return 0, or -EBUSY while a stream is still attached to one of its queues.
 */
int yard_port_close(struct yard_port *port);
/** Close every port (shutdown). Returns the number that could not be closed. */
unsigned yard_port_close_all(void);

/** The port at index i, NULL if the slot is empty or i is out of range. */
struct yard_port *yard_port_by_index(unsigned i);
/** One past the highest index in use: the bound for iterating with yard_port_by_index(). */
unsigned yard_port_count(void);
/** The open port with yard name or ethdev name `name`, NULL if none. */
struct yard_port *yard_port_by_name(const char *name);

/** YARD_CAP_* bits of a port (what was negotiated). */
static inline uint32_t
yard_port_caps(const struct yard_port *port)
{
	return port->yp_caps;
}

/** Refresh and return the link state (up or down), logging a change. */
bool yard_port_link_update(struct yard_port *port);

#ifdef __cplusplus
}
#endif
#endif /* YARD_PMD_GLUE_PORT_H */
