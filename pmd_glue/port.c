/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port bring-up and the port table: probe, negotiate, configure, start; stop, close, remove.
 *
 * Principles of operation
 * -----------------------
 * yard_port_open() runs the ethdev sequence once, in the order ethdev requires: find or probe
 * the device; read dev_info; decide the offloads, RSS and MTU from what dev_info reports
 * (never from what we would like); configure; adjust the descriptor counts to the PMD's limits;
 * set the MTU; make the RX mempool (now that its size is known); set up the queues; start;
 * promiscuous mode; log the link. Every step that fails logs one line naming the port and the
 * step, and unwinds what the earlier steps did, so a failed open leaves no device, pool or
 * table entry behind.
 *
 * The RX pool is made with yard_pktmbuf_pool_create(): received mbufs become STREAMS messages
 * in place, so they need yard's private area. Its data room holds a whole frame of the MTU when
 * it can; if not, RX scatter is asked for where offered, else the room grows to the frame.
 *
 * Closing frees the pool only when every one of its mbufs is back; mbufs still held upstream
 * (a module's queue, an application) would otherwise return to freed memory. Such a pool is
 * kept and logged, never freed under a live mbuf.
 *
 * The table is written only by open and close on the main lcore, before or after the lcore
 * loops; the lcores read it without locks. yp_qowner[] is claimed with a compare-and-swap by
 * the pmd driver's attach (control path), so two streams cannot serve one queue.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include <streams/mblk.h>

#include "port.h"

RTE_LOG_REGISTER(yard_port_logtype, yard.port, INFO);

#define PORT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, yard_port_logtype, "yard port: " fmt "\n", ##__VA_ARGS__)

/* What yard asks for, if offered. */
#define PORT_RX_WANTED (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM | \
			RTE_ETH_RX_OFFLOAD_TCP_CKSUM)
#define PORT_TX_WANTED (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM | \
			RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
#define PORT_RSS_WANTED (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP)

/*
 * TX offloads a PMD offers but carries out wrongly, by its driver name: never asked of it.
 * net_tap (DPDK 22.11, drivers/net/tap) does L4 checksums in software by summing each
 * segment's bytes apart and adding the sums, so a chained frame with a segment of odd length
 * (a TCP segment cut from the user's writes) gets a wrong checksum; and it refuses a frame
 * whose L4 header is not in the first segment every time it is offered, which would stall the
 * queue behind it. Its software sum costs what ip's does, so ip sums for it (tx_l4_cksum_sw).
 */
static uint64_t
port_tx_quirks(const struct rte_eth_dev_info *info)
{
	if (info->driver_name != NULL && strcmp(info->driver_name, "net_tap") == 0)
		return RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	return 0;
}

/* A frame of the MTU on the wire, with room for one VLAN tag and the CRC. */
#define PORT_FRAME_OVERHEAD (RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN + RTE_ETHER_CRC_LEN)

static struct yard_port *yard_ports[YARD_MAX_PORTS];
/* Bumped on every pool creation, so a port reopened while an old pool lingers gets a new name. */
static unsigned yard_pool_gen;

struct yard_port *
yard_port_by_index(unsigned i)
{
	return i < YARD_MAX_PORTS ? yard_ports[i] : NULL;
}

unsigned
yard_port_count(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < YARD_MAX_PORTS; i++)
		if (yard_ports[i] != NULL)
			n = i + 1;
	return n;
}

struct yard_port *
yard_port_by_name(const char *name)
{
	if (name == NULL)
		return NULL;
	for (unsigned i = 0; i < YARD_MAX_PORTS; i++) {
		struct yard_port *p = yard_ports[i];

		if (p != NULL && (strcmp(p->yp_name, name) == 0 || strcmp(p->yp_devname, name) == 0))
			return p;
	}
	return NULL;
}

/* The ethdev name of a device string: everything before the first ','. */
static int
devname_of(const char *device, char *out, size_t len)
{
	size_t n = strcspn(device, ",");

	if (n == 0 || n >= len)
		return -EINVAL;
	memcpy(out, device, n);
	out[n] = '\0';
	return 0;
}

/*
 * The ethdev port of a device string: by name (a vdev, a PCI address in full), else through
 * ethdev's devargs matching (a short PCI address, a class filter), as testpmd attaches ports.
 */
static int
port_lookup(const char *device, const char *devname, uint16_t *pid)
{
	struct rte_dev_iterator it;
	uint16_t p;

	if (rte_eth_dev_get_port_by_name(devname, pid) == 0)
		return 0;
	RTE_ETH_FOREACH_MATCHING_DEV(p, device, &it) {
		*pid = p;
		rte_eth_iterator_cleanup(&it);
		return 0;
	}
	return -ENODEV;
}

static bool
dev_is_vdev(const struct rte_device *dev)
{
	const struct rte_bus *bus = dev != NULL ? rte_dev_bus(dev) : NULL;

	return bus != NULL && strcmp(rte_bus_name(bus), "vdev") == 0;
}

/*
 * Decide offloads, RSS and MTU from dev_info alone. Fills ec and the port's negotiated fields;
 * returns 0 or -EINVAL with a log line when the configuration cannot work on this PMD.
 */
static int
port_negotiate(struct yard_port *port, const struct yard_port_conf *conf,
	       const struct rte_eth_dev_info *info, struct rte_eth_conf *ec)
{
	uint64_t rx = info->rx_offload_capa & PORT_RX_WANTED;
	uint64_t tx = info->tx_offload_capa & PORT_TX_WANTED & ~port_tx_quirks(info);
	uint32_t caps = 0, overhead;

	if (port->yp_nb_rxq > info->max_rx_queues || port->yp_nb_txq > info->max_tx_queues) {
		PORT_LOG(ERR, "%s: %u RX / %u TX queues asked, the PMD (%s) has at most %u / %u",
			 port->yp_name, port->yp_nb_rxq, port->yp_nb_txq, info->driver_name,
			 info->max_rx_queues, info->max_tx_queues);
		return -EINVAL;
	}
	if (port->yp_mtu < info->min_mtu || port->yp_mtu > info->max_mtu) {
		PORT_LOG(ERR, "%s: MTU %u outside what the PMD (%s) allows, %u..%u", port->yp_name,
			 port->yp_mtu, info->driver_name, info->min_mtu, info->max_mtu);
		return -EINVAL;
	}
	/* ethdev's own overhead rule: what the PMD says lies between its MTU and frame limits. */
	overhead = info->max_mtu != UINT16_MAX && info->max_rx_pktlen > info->max_mtu ?
		   info->max_rx_pktlen - info->max_mtu : RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
	if ((uint64_t)port->yp_mtu + overhead > info->max_rx_pktlen) {
		PORT_LOG(ERR, "%s: MTU %u makes %u-byte frames, the PMD (%s) takes at most %u",
			 port->yp_name, port->yp_mtu, port->yp_mtu + overhead, info->driver_name,
			 info->max_rx_pktlen);
		return -EINVAL;
	}

	memset(ec, 0, sizeof(*ec));
	ec->rxmode.mtu = port->yp_mtu;

	/* RSS only spreads over queues: with one RX queue it would cost hashing for nothing. */
	port->yp_rss_hf = 0;
	if (port->yp_nb_rxq > 1) {
		port->yp_rss_hf = PORT_RSS_WANTED & info->flow_type_rss_offloads;
		if (port->yp_rss_hf != 0) {
			ec->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			ec->rx_adv_conf.rss_conf.rss_key = NULL; /* the PMD's default key */
			ec->rx_adv_conf.rss_conf.rss_hf = port->yp_rss_hf;
			caps |= YARD_CAP_RSS;
		} else {
			PORT_LOG(WARNING, "%s: %u RX queues but the PMD (%s) offers no IP/UDP/TCP RSS: "
				 "queue 0 will receive everything", port->yp_name, port->yp_nb_rxq,
				 info->driver_name);
		}
	}

	if (rx & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		caps |= YARD_CAP_RX_IPV4_CKSUM;
	/* One bit for both: a module verifying L4 checksums must know it can skip either. */
	if ((rx & RTE_ETH_RX_OFFLOAD_UDP_CKSUM) && (rx & RTE_ETH_RX_OFFLOAD_TCP_CKSUM))
		caps |= YARD_CAP_RX_L4_CKSUM;
	if (tx & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
		caps |= YARD_CAP_TX_IPV4_CKSUM;
	if (tx & RTE_ETH_TX_OFFLOAD_UDP_CKSUM)
		caps |= YARD_CAP_TX_UDP_CKSUM;
	if (tx & RTE_ETH_TX_OFFLOAD_TCP_CKSUM)
		caps |= YARD_CAP_TX_TCP_CKSUM;

	if (conf->tx_single_seg)
		tx &= ~RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	port->yp_tx_max_segs = 1;
	if (tx & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		uint16_t segs = info->tx_desc_lim.nb_mtu_seg_max;

		if (segs == 0)
			segs = info->tx_desc_lim.nb_seg_max;
		port->yp_tx_max_segs = segs != 0 ? segs : UINT16_MAX;
		if (port->yp_tx_max_segs > 1)
			caps |= YARD_CAP_MULTISEG;
	}

	ec->rxmode.offloads = rx;
	ec->txmode.offloads = tx;
	port->yp_rx_offloads = rx;
	port->yp_tx_offloads = tx;
	port->yp_caps = caps;
	return 0;
}

/*
 * The RX data room: a whole frame per mbuf when the pool can hold it, else scatter where the
 * PMD offers it, else bigger buffers. Returns the room, 0 if no room can hold a frame.
 */
static uint16_t
port_data_room(struct yard_port *port, const struct rte_eth_dev_info *info,
	       struct rte_eth_conf *ec)
{
	uint32_t frame = (uint32_t)port->yp_mtu + PORT_FRAME_OVERHEAD;
	uint32_t room = RTE_MBUF_DEFAULT_BUF_SIZE;

	if (room - RTE_PKTMBUF_HEADROOM < info->min_rx_bufsize)
		room = info->min_rx_bufsize + RTE_PKTMBUF_HEADROOM;
	if (frame + RTE_PKTMBUF_HEADROOM <= room)
		return (uint16_t)room;
	if (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) {
		ec->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
		port->yp_rx_offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
		return (uint16_t)room;
	}
	room = frame + RTE_PKTMBUF_HEADROOM;
	return room <= UINT16_MAX ? (uint16_t)room : 0;
}

/* Full RX rings, as many again in flight upstream and in TX rings, and slack for caches. */
static unsigned
pool_size_for(unsigned nb_rxq, unsigned nb_rxd, unsigned nb_txq, unsigned nb_txd)
{
	unsigned n = 2u * (nb_rxq * nb_rxd + nb_txq * nb_txd) + 1024u;

	return rte_align32pow2(n) - 1; /* mempools are most compact at 2^k - 1 */
}

static unsigned
port_pool_size(const struct yard_port *port, const struct yard_port_conf *conf)
{
	if (conf->pool_size != 0)
		return conf->pool_size;
	return pool_size_for(port->yp_nb_rxq, port->yp_nb_rxd, port->yp_nb_txq, port->yp_nb_txd);
}

size_t
yard_port_mem_estimate(const struct yard_port_conf *conf, size_t page_size)
{
	unsigned rxq = conf->nb_rxq ? conf->nb_rxq : 1;
	unsigned txq = conf->nb_txq ? conf->nb_txq : rxq;
	unsigned rxd = conf->nb_rxd ? conf->nb_rxd : YARD_PORT_RXD_DEFAULT;
	unsigned txd = conf->nb_txd ? conf->nb_txd : YARD_PORT_TXD_DEFAULT;
	unsigned mtu = conf->mtu ? conf->mtu : RTE_ETHER_MTU;
	/* The room port_data_room() gives without scatter: the most it can be. */
	unsigned room = RTE_MAX((unsigned)RTE_MBUF_DEFAULT_BUF_SIZE,
				mtu + PORT_FRAME_OVERHEAD + RTE_PKTMBUF_HEADROOM);
	unsigned n = conf->pool_size ? conf->pool_size : pool_size_for(rxq, rxd, txq, txd);

	return yard_pktmbuf_pool_mem_estimate(n, room, page_size);
}

/* The per-lcore cache, within what rte_mempool accepts for the pool's size. */
static unsigned
port_pool_cache(const struct yard_port *port, const struct yard_port_conf *conf)
{
	unsigned n = port_pool_size(port, conf);
	unsigned cache = conf->pool_cache != 0 ? conf->pool_cache : 256;

	cache = RTE_MIN(cache, (unsigned)RTE_MEMPOOL_CACHE_MAX_SIZE);
	/* rte_mempool_create refuses a cache above size / 1.5 (its flush threshold). */
	return RTE_MIN(cache, n * 2 / 3);
}

/* Free the RX pool if every mbuf is back; otherwise keep it (and say so). */
static void
port_pool_release(struct yard_port *port)
{
	struct rte_mempool *mp = port->yp_rxpool;
	unsigned used;

	if (mp == NULL)
		return;
	port->yp_rxpool = NULL;
	used = rte_mempool_in_use_count(mp);
	if (used != 0) {
		PORT_LOG(WARNING, "%s: %u RX mbufs still held upstream; pool %s kept, not freed",
			 port->yp_name, used, mp->name);
		return;
	}
	rte_mempool_free(mp);
}

/* Remove a device yard_port_open() probed and could not use; dev may be unknown (NULL). */
static void
port_remove_probed(const char *device, struct rte_device *dev)
{
	struct rte_dev_iterator it;
	uint16_t p;

	if (dev == NULL) {
		/* The ports the probe made, if any, lead to the device. */
		RTE_ETH_FOREACH_MATCHING_DEV(p, device, &it) {
			struct rte_eth_dev_info pi;

			if (rte_eth_dev_info_get(p, &pi) == 0 && pi.device != NULL) {
				dev = pi.device;
				rte_eth_iterator_cleanup(&it);
				break;
			}
		}
	}
	if (dev != NULL && rte_dev_remove(dev) != 0)
		PORT_LOG(WARNING, "cannot remove device '%s' after a failed open", device);
}

/* Remove a vdev (or a device yard probed) at close. */
static void
port_unprobe(struct yard_port *port, struct rte_device *dev)
{
	int rc;

	if (dev == NULL || !(port->yp_is_vdev || port->yp_probed))
		return;
	rc = rte_dev_remove(dev);
	if (rc != 0)
		PORT_LOG(WARNING, "%s: cannot remove device %s: %s", port->yp_name,
			 port->yp_devname, rte_strerror(-rc));
}

static void
port_log_link(struct yard_port *port)
{
	struct rte_eth_link link;
	char text[RTE_ETH_LINK_MAX_STR_LEN];

	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(port->yp_port_id, &link) != 0 ||
	    rte_eth_link_to_str(text, sizeof(text), &link) < 0)
		snprintf(text, sizeof(text), "link unknown");
	port->yp_link_up = link.link_status == RTE_ETH_LINK_UP;
	port->yp_link_speed = link.link_speed;
	PORT_LOG(INFO, "%s: %s", port->yp_name, text);
}

bool
yard_port_link_update(struct yard_port *port)
{
	struct rte_eth_link link;
	bool up;

	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(port->yp_port_id, &link) != 0)
		return port->yp_link_up;
	up = link.link_status == RTE_ETH_LINK_UP;
	if (up != port->yp_link_up || link.link_speed != port->yp_link_speed)
		port_log_link(port);
	return port->yp_link_up;
}

int
yard_port_open(const struct yard_port_conf *conf, struct yard_port **portp)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf ec;
	struct rte_eth_rxconf rxconf;
	struct rte_eth_txconf txconf;
	struct yard_port *port;
	struct rte_device *dev = NULL;
	char devname[RTE_ETH_NAME_MAX_LEN];
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	const char *label;
	unsigned slot = YARD_MAX_PORTS;
	uint16_t pid, room;
	bool probed = false;
	int socket, rc;

	if (portp == NULL || conf == NULL || conf->device == NULL ||
	    devname_of(conf->device, devname, sizeof(devname)) != 0) {
		PORT_LOG(ERR, "open: no valid device string given (%s)",
			 conf != NULL && conf->device != NULL ? conf->device : "none");
		return -EINVAL;
	}
	label = conf->name != NULL && conf->name[0] != '\0' ? conf->name : devname;
	if (strlen(label) >= YARD_PORT_NAMESIZE) {
		PORT_LOG(ERR, "%s: name longer than %u characters", label, YARD_PORT_NAMESIZE - 1);
		return -EINVAL;
	}
	if (conf->nb_rxq > YARD_PORT_MAX_QUEUES || conf->nb_txq > YARD_PORT_MAX_QUEUES) {
		PORT_LOG(ERR, "%s: at most %u queues per port (asked %u RX, %u TX)", label,
			 YARD_PORT_MAX_QUEUES, conf->nb_rxq, conf->nb_txq);
		return -EINVAL;
	}
	if (conf->mtu != 0 && conf->mtu < RTE_ETHER_MIN_MTU) {
		PORT_LOG(ERR, "%s: MTU %u below the minimum %u", label, conf->mtu,
			 RTE_ETHER_MIN_MTU);
		return -EINVAL;
	}
	if (yard_port_by_name(label) != NULL) {
		PORT_LOG(ERR, "%s: a port of that name is already open", label);
		return -EBUSY;
	}
	for (unsigned i = 0; i < YARD_MAX_PORTS; i++) {
		if (yard_ports[i] == NULL) {
			slot = i;
			break;
		}
	}
	if (slot == YARD_MAX_PORTS) {
		PORT_LOG(ERR, "%s: port table full (%u ports)", label, YARD_MAX_PORTS);
		return -ENOSPC;
	}

	/* Find the device, or probe it (a vdev, or a PCI device not probed at EAL init). */
	if (port_lookup(conf->device, devname, &pid) != 0) {
		rc = rte_dev_probe(conf->device);
		if (rc < 0 && rc != -EEXIST) {
			PORT_LOG(ERR, "%s: cannot probe device '%s': %s", label, conf->device,
				 rte_strerror(-rc));
			return rc;
		}
		probed = rc == 0;
		if (port_lookup(conf->device, devname, &pid) != 0) {
			PORT_LOG(ERR, "%s: device '%s' is there but has no ethdev port", label,
				 conf->device);
			rc = -ENODEV;
			goto unprobe;
		}
	}
	for (unsigned i = 0; i < YARD_MAX_PORTS; i++) {
		if (yard_ports[i] != NULL && yard_ports[i]->yp_port_id == pid) {
			PORT_LOG(ERR, "%s: device %s is already open as port %s", label, devname,
				 yard_ports[i]->yp_name);
			return -EBUSY;
		}
	}

	rc = rte_eth_dev_info_get(pid, &info);
	if (rc != 0) {
		PORT_LOG(ERR, "%s: cannot read device info: %s", label, rte_strerror(-rc));
		goto unprobe;
	}
	dev = info.device;

	socket = rte_eth_dev_socket_id(pid);
	if (socket < 0)
		socket = (int)rte_socket_id();
	port = rte_zmalloc_socket("yard_port", sizeof(*port), RTE_CACHE_LINE_SIZE, socket);
	if (port == NULL) {
		PORT_LOG(ERR, "%s: no memory for the port", label);
		rc = -ENOMEM;
		goto unprobe;
	}
	snprintf(port->yp_name, sizeof(port->yp_name), "%s", label);
	snprintf(port->yp_devname, sizeof(port->yp_devname), "%s", devname);
	port->yp_index = slot;
	port->yp_port_id = pid;
	port->yp_socket = socket;
	port->yp_probed = probed;
	port->yp_is_vdev = dev_is_vdev(dev);
	port->yp_nb_rxq = conf->nb_rxq != 0 ? conf->nb_rxq : 1;
	port->yp_nb_txq = conf->nb_txq != 0 ? conf->nb_txq : port->yp_nb_rxq;
	port->yp_nb_rxd = conf->nb_rxd != 0 ? conf->nb_rxd : YARD_PORT_RXD_DEFAULT;
	port->yp_nb_txd = conf->nb_txd != 0 ? conf->nb_txd : YARD_PORT_TXD_DEFAULT;
	port->yp_mtu = conf->mtu != 0 ? conf->mtu : RTE_ETHER_MTU;

	rc = port_negotiate(port, conf, &info, &ec);
	if (rc != 0)
		goto free_port;
	room = port_data_room(port, &info, &ec);
	if (room == 0) {
		PORT_LOG(ERR, "%s: MTU %u needs RX buffers larger than 64 KiB and the PMD (%s) has "
			 "no RX scatter", label, port->yp_mtu, info.driver_name);
		rc = -EINVAL;
		goto free_port;
	}

	rc = rte_eth_dev_configure(pid, port->yp_nb_rxq, port->yp_nb_txq, &ec);
	if (rc != 0) {
		PORT_LOG(ERR, "%s: configure (%u RX, %u TX queues, rx offloads 0x%" PRIx64
			 ", tx offloads 0x%" PRIx64 ", rss 0x%" PRIx64 ") failed: %s", label,
			 port->yp_nb_rxq, port->yp_nb_txq, ec.rxmode.offloads, ec.txmode.offloads,
			 port->yp_rss_hf, rte_strerror(-rc));
		goto free_port;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &port->yp_nb_rxd, &port->yp_nb_txd);
	if (rc != 0) {
		PORT_LOG(ERR, "%s: cannot fit %u RX / %u TX descriptors to the PMD: %s", label,
			 port->yp_nb_rxd, port->yp_nb_txd, rte_strerror(-rc));
		goto close_dev;
	}
	/* Configure recorded the MTU; this makes the PMD apply it (a tap sets the kernel's). */
	rc = rte_eth_dev_set_mtu(pid, port->yp_mtu);
	if (rc == -ENOTSUP && port->yp_mtu == RTE_ETHER_MTU) {
		rc = 0; /* the PMD has no MTU to set and runs at the Ethernet default */
	} else if (rc != 0) {
		PORT_LOG(ERR, "%s: the PMD (%s) refuses MTU %u: %s", label, info.driver_name,
			 port->yp_mtu, rte_strerror(-rc));
		goto close_dev;
	}
	if (rte_eth_macaddr_get(pid, &port->yp_mac) != 0)
		memset(&port->yp_mac, 0, sizeof(port->yp_mac));

	snprintf(pool_name, sizeof(pool_name), "yrx%u_%u", slot, yard_pool_gen++);
	port->yp_rxpool = yard_pktmbuf_pool_create(pool_name, port_pool_size(port, conf),
						   port_pool_cache(port, conf), room, socket);
	if (port->yp_rxpool == NULL) {
		rc = -rte_errno;
		if (rc == 0)
			rc = -ENOMEM;
		PORT_LOG(ERR, "%s: cannot create RX pool %s (%u mbufs of %u bytes): %s", label,
			 pool_name, port_pool_size(port, conf), room, rte_strerror(-rc));
		goto close_dev;
	}

	rxconf = info.default_rxconf;
	rxconf.offloads = ec.rxmode.offloads;
	for (uint16_t q = 0; q < port->yp_nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, port->yp_nb_rxd, (unsigned)socket, &rxconf,
					    port->yp_rxpool);
		if (rc != 0) {
			PORT_LOG(ERR, "%s: RX queue %u setup (%u descriptors) failed: %s", label, q,
				 port->yp_nb_rxd, rte_strerror(-rc));
			goto close_dev;
		}
	}
	txconf = info.default_txconf;
	txconf.offloads = ec.txmode.offloads;
	for (uint16_t q = 0; q < port->yp_nb_txq; q++) {
		rc = rte_eth_tx_queue_setup(pid, q, port->yp_nb_txd, (unsigned)socket, &txconf);
		if (rc != 0) {
			PORT_LOG(ERR, "%s: TX queue %u setup (%u descriptors) failed: %s", label, q,
				 port->yp_nb_txd, rte_strerror(-rc));
			goto close_dev;
		}
	}

	rc = rte_eth_dev_start(pid);
	if (rc != 0) {
		PORT_LOG(ERR, "%s: start failed: %s", label, rte_strerror(-rc));
		goto close_dev;
	}
	port->yp_started = true;
	if (conf->promiscuous) {
		rc = rte_eth_promiscuous_enable(pid);
		if (rc != 0) {
			PORT_LOG(ERR, "%s: cannot enable promiscuous mode: %s", label,
				 rte_strerror(-rc));
			goto stop_dev;
		}
	}
	if (conf->allmulticast && !conf->promiscuous) {
		rc = rte_eth_allmulticast_enable(pid);
		if (rc != 0)
			PORT_LOG(WARNING, "%s: cannot enable all-multicast mode (%s): multicast "
				 "groups are received only if the port passes them anyway", label,
				 rte_strerror(-rc));
	}

	PORT_LOG(INFO, "%s: %s (%s) port id %u, MAC " RTE_ETHER_ADDR_PRT_FMT ", MTU %u, "
		 "%u RX / %u TX queues of %u / %u descriptors, rx offloads 0x%" PRIx64
		 ", tx offloads 0x%" PRIx64 ", rss 0x%" PRIx64 ", caps 0x%x", label, devname,
		 info.driver_name, pid, RTE_ETHER_ADDR_BYTES(&port->yp_mac), port->yp_mtu,
		 port->yp_nb_rxq, port->yp_nb_txq, port->yp_nb_rxd, port->yp_nb_txd,
		 port->yp_rx_offloads, port->yp_tx_offloads, port->yp_rss_hf, port->yp_caps);
	port_log_link(port);

	yard_ports[slot] = port;
	*portp = port;
	return 0;

stop_dev:
	rte_eth_dev_stop(pid);
close_dev:
	/* A device someone else made stays, configured but stopped; one we probed goes. */
	if (probed) {
		rte_eth_dev_close(pid);
		port_pool_release(port);
	} else if (port->yp_rxpool != NULL) {
		/* The PMD may still hold the pool in its queues: it lingers until reconfigured. */
		PORT_LOG(WARNING, "%s: pool %s left to the PMD's queues", label,
			 port->yp_rxpool->name);
	}
free_port:
	rte_free(port);
unprobe:
	if (probed)
		port_remove_probed(conf->device, dev);
	return rc;
}

int
yard_port_close(struct yard_port *port)
{
	struct rte_eth_dev_info info;
	struct rte_device *dev = NULL;
	uint16_t pid;
	int rc;

	if (port == NULL || port->yp_index >= YARD_MAX_PORTS || yard_ports[port->yp_index] != port)
		return -EINVAL;
	for (unsigned q = 0; q < YARD_PORT_MAX_QUEUES; q++) {
		if (__atomic_load_n(&port->yp_qowner[q], __ATOMIC_ACQUIRE) != NULL) {
			PORT_LOG(ERR, "%s: cannot close: a stream is still attached to queue %u",
				 port->yp_name, q);
			return -EBUSY;
		}
	}
	pid = port->yp_port_id;
	/* The device pointer must be had before close releases the ethdev. */
	if (rte_eth_dev_info_get(pid, &info) == 0)
		dev = info.device;
	if (port->yp_started) {
		rc = rte_eth_dev_stop(pid);
		if (rc != 0)
			PORT_LOG(WARNING, "%s: stop failed: %s", port->yp_name, rte_strerror(-rc));
		port->yp_started = false;
	}
	rc = rte_eth_dev_close(pid);
	if (rc != 0)
		PORT_LOG(WARNING, "%s: close failed: %s", port->yp_name, rte_strerror(-rc));
	/* A vdev is removed even if someone else probed it: the port is done, and a tap's
	 * interface should go with it. */
	port_unprobe(port, dev);
	port_pool_release(port);
	PORT_LOG(INFO, "%s: closed", port->yp_name);
	yard_ports[port->yp_index] = NULL;
	rte_free(port);
	return 0;
}

unsigned
yard_port_close_all(void)
{
	unsigned left = 0;

	for (unsigned i = 0; i < YARD_MAX_PORTS; i++)
		if (yard_ports[i] != NULL && yard_port_close(yard_ports[i]) != 0)
			left++;
	return left;
}
