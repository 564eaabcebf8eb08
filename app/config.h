/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * yard's configuration: an INI file read with DPDK's rte_cfgfile, validated completely before
 * EAL is initialised, so a bad file stops yard before it touches a port.
 *
 * Sections: [yard] (lcores, pools, scheduler, log level), [eal] (extra EAL arguments,
 * hugepages, memory), one [port<N>] per port (N = 0, 1, ... without gaps: N is the port's
 * index in yard's port table), [arp], [ip], [services], [tcp] and one [client.NAME] per TCP
 * or UDP client. Every key has a default and a range (docs/config.md lists them all;
 * yard_config_key_at() walks the same table). Unknown
 * sections, unknown keys, a key given twice, a line that is not `key = value`, a value out of
 * range or inconsistent with another all fail, with one message naming the file, the section,
 * the key and what is wrong:
 *
 *     config/bad.ini: [port0] address: '198.18.0.300/24' is not an IPv4 address/prefix
 *
 * Comments start with '#' (anywhere on a line). Values may be empty only where the key says
 * so (`args =`, `gateway =`, `neighbours =`).
 *
 * This file knows nothing of EAL, ports or streams: it reads and checks. It can be used (and
 * is unit-tested) without rte_eal_init().
 */
#ifndef YARD_APP_CONFIG_H
#define YARD_APP_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include <pmd_glue/port.h>

#ifdef __cplusplus
extern "C" {
#endif

#define YARD_CFG_MAX_LCORES     128  /**< lcore ids 0..127 (RTE_MAX_LCORE of Debian's DPDK) */
#define YARD_CFG_MAX_NEIGHBOURS 16   /**< static neighbours per port */
#define YARD_CFG_MAX_ROUTES 16       /**< static routes per port */
#define YARD_CFG_MAX_GROUPS 14       /**< [services] udp_join: items (fit in 255 characters) */
#define YARD_CFG_MAX_GROUP_SRCS 10   /**< udp_join: sources of one group (udp's IP_MFILTER_MAX) */
#define YARD_CFG_DEVLEN         256  /**< a device string (rte_cfgfile's value length) */
#define YARD_CFG_ERRLEN         512  /**< room for one error message */

/** [eal] hugepages. */
enum yard_cfg_huge {
	YARD_HUGE_AUTO = 0, /**< use hugepages when some are mounted and free, else --no-huge */
	YARD_HUGE_ON,       /**< require them */
	YARD_HUGE_OFF,      /**< always --no-huge */
};

/** A static neighbour ([portN] neighbours). */
struct yard_cfg_neighbour {
	uint32_t addr;               /**< network order */
	struct rte_ether_addr mac;
};

/** [portN] routes: a destination network reached through a router on the port. */
struct yard_cfg_route {
	uint32_t dst;                /**< network order, no host bits */
	uint8_t prefix;              /**< 1..32 */
	uint32_t gw;                 /**< network order, in the port's subnet */
};

/** One [port<N>] section. */
struct yard_cfg_port {
	bool present;                /**< the section was in the file */
	char dev[YARD_CFG_DEVLEN];   /**< vdev string, or PCI address (normalised) + devargs */
	bool is_pci;
	uint32_t addr;               /**< network order */
	uint8_t prefix;
	uint32_t gateway;            /**< network order, 0 if none */
	uint16_t mtu;
	uint16_t vlan;               /**< 802.1Q VLAN ID of every frame, 0 = untagged */
	uint16_t rx_queues;
	uint16_t tx_queues;
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint32_t rx_mbufs;           /**< RX pool size, 0 = sized from the rings */
	bool promiscuous;
	/** a udp_source client publishes to a group through it: 224.0.0.0/4 is routed here */
	bool mcast_route;
	/** queue_lcores: the lcore serving RX/TX queue pair i, for i < rx_queues. */
	uint16_t queue_lcore[YARD_PORT_MAX_QUEUES];
	unsigned nneighbours;
	struct yard_cfg_neighbour neighbours[YARD_CFG_MAX_NEIGHBOURS];
	unsigned nroutes;
	struct yard_cfg_route routes[YARD_CFG_MAX_ROUTES];
};

/** [client.NAME] type. */
enum yard_cfg_client_type {
	YARD_CFG_CLIENT_SOURCE = 0, /**< send a pattern, release */
	YARD_CFG_CLIENT_SINK,       /**< read until the peer releases */
	YARD_CFG_CLIENT_RR,         /**< request/response */
	YARD_CFG_CLIENT_UDP_RR,     /**< UDP request/response (protocols/udp_clients.h) */
	YARD_CFG_CLIENT_UDP_SOURCE, /**< UDP datagrams as fast as flow control allows */
	YARD_CFG_CLIENT_CRR,        /**< connect, request/response, release: again and again */
};

#define YARD_CFG_MAX_CLIENTS 16  /**< [client.NAME] sections */
#define YARD_CFG_CLIENT_NAMELEN 32

/** One [client.NAME] section: a TCP client (protocols/tcp_clients.h) or a UDP one
 * (protocols/udp_clients.h). */
struct yard_cfg_client {
	char name[YARD_CFG_CLIENT_NAMELEN];
	enum yard_cfg_client_type type;
	uint32_t addr;               /**< network order */
	uint16_t port;               /**< host order */
	uint64_t bytes;              /**< per connection, 0 with duration */
	uint64_t duration_ms;        /**< 0 with bytes */
	uint32_t conns;
	uint32_t size;               /**< rr request size, the UDP clients' datagram size */
	uint32_t delay_ms;
	uint32_t timeout_ms;         /**< udp_rr: a reply is lost after it */
	uint32_t interval_ms;        /**< udp_rr: pause between an endpoint's rounds */
	uint16_t lcore;              /**< derived: the lcore serving the port that reaches addr */
};

/** The whole configuration, after validation. */
struct yard_config {
	char path[PATH_MAX];         /**< the file it was read from */
	/* [yard] */
	unsigned nlcores;
	uint16_t lcores[YARD_CFG_MAX_LCORES]; /**< ascending; lcores[0] is EAL's main lcore */
	uint32_t mbufs;              /**< STREAMS data pool */
	uint32_t mbuf_cache;         /**< per-lcore cache of every pool */
	uint32_t ctl_mbufs;          /**< STREAMS control pool */
	uint32_t mbox_size;          /**< per-lcore mailbox entries, a power of 2 */
	uint32_t budget;             /**< service procedure runs per loop pass */
	uint32_t idle_sleep_us;      /**< longest idle sleep of an lcore's loop, 0 = never */
	uint32_t idle_passes;        /**< empty passes in a row before the first idle sleep */
	uint32_t log_level;          /**< RTE_LOG_* (1 emergency .. 8 debug) */
	/* [eal] */
	char eal_args[YARD_CFG_DEVLEN];
	enum yard_cfg_huge hugepages;
	uint32_t memory_mb;          /**< -m with --no-huge */
	/* [port<N>] */
	unsigned nports;
	struct yard_cfg_port ports[YARD_MAX_PORTS];
	/* [arp]: struct arp_param fields */
	uint32_t arp_timeout_ms, arp_max_entries, arp_hold_max, arp_hold_total, arp_retries,
		 arp_retry_ms;
	uint32_t arp_ucast_probes;   /**< 0: none (ARP_UCAST_PROBES_NONE to arp) */
	/* [ip]: struct ip_param fields */
	uint32_t ip_frag_timeout_ms, ip_frag_max_flows, ip_frag_max_frags, ip_frag_mem_kb,
		 ip_icmp_rate, ip_icmp_burst, ip_ttl;
	/* [services]: port numbers, 0 = off */
	uint16_t svc_udp_echo, svc_udp_discard, svc_udp_sockperf, svc_tcp_echo, svc_tcp_discard;
	uint16_t svc_http;
	/* [services] udp_join: groups the UDP services join on every lcore (network order), for
	 * any source when udp_group_nsrc[g] is 0, else for those sources only (S@G items: SSM) */
	unsigned nudp_groups;
	uint32_t udp_groups[YARD_CFG_MAX_GROUPS];
	uint8_t udp_group_nsrc[YARD_CFG_MAX_GROUPS];
	uint32_t udp_group_src[YARD_CFG_MAX_GROUPS][YARD_CFG_MAX_GROUP_SRCS];
	/* [client.NAME] */
	unsigned nclients;
	struct yard_cfg_client clients[YARD_CFG_MAX_CLIENTS];
	/* [tcp] */
	char tcp_cc[16];             /**< congestion control of new connections */
	uint32_t tcp_msl_ms;         /**< maximum segment lifetime: TIME-WAIT lasts 2 MSL */
	uint32_t tcp_max_timewait;   /**< connections in TIME-WAIT at once; past it, a tick */
	uint32_t tcp_max_orphans;    /**< orphans at once; a close past it resets */
	uint32_t tcp_orphan_retries; /**< an orphan's retransmissions or probes before it gives up */
	uint32_t tcp_blackhole_mss;  /**< MSS after a suspected path MTU black hole, 0: no guess */
	bool tcp_tw_reuse;           /**< active opens may recycle a TIME-WAIT (timestamps, > 1 s) */
	uint16_t tcp_port_lo, tcp_port_hi; /**< ephemeral ports of active opens (adjacent: one key) */
	uint16_t svc_sock_echo; /* TCP and UDP echo written with the sockets API */
	uint16_t svc_memcached;
	/* [memcached]: bytes */
	uint64_t mc_memory;          /**< all lcores' tables together */
	uint64_t mc_max_item;
};

/** Fill cfg with every default (no port). */
void yard_config_defaults(struct yard_config *cfg);

/**
 * Read and validate path into cfg.
 * @return 0, or -1 with one line in err ("file: [section] key: what is wrong").
 */
int yard_config_load(const char *path, struct yard_config *cfg, char *err, size_t errlen);

/** Whether lcore is in [yard] lcores. */
bool yard_config_has_lcore(const struct yard_config *cfg, unsigned lcore);

/** A prefix length's mask, network order (0: 0). */
uint32_t yard_config_prefix_mask(unsigned prefix);

/** Where an address stands for port p, as a gateway, a neighbour or a router must. */
enum yard_cfg_host {
	YARD_HOST_OK,        /**< a host of the port's subnet, not the port itself */
	YARD_HOST_OUTSIDE,   /**< not in the port's subnet */
	YARD_HOST_OWN,       /**< the port's own address */
	YARD_HOST_NET_BCAST, /**< the subnet's network or broadcast address (prefix up to 30) */
};
enum yard_cfg_host yard_config_host(const struct yard_cfg_port *p, uint32_t addr);

/**
 * Why dst/prefix (network order, no host bits) is no route's destination: a network in
 * 0.0.0.0/8 or 127.0.0.0/8 (prefix 8 or more) or in 224.0.0.0/3 (prefix 3 or more), said as
 * "is a loopback address" and the like; NULL if it may be one. Shared by [portN] routes and
 * yardctl routes add.
 */
const char *yard_config_route_dst_unfit(uint32_t dst, unsigned prefix);

/** Name of an RTE_LOG_* level ("info"), "?" if none. */
const char *yard_config_log_level_name(uint32_t level);

/**
 * The EAL arguments a configuration asks for (not including argv[0] or the command line's own
 * EAL arguments): -l, --no-huge/-m when use_hugepages is false, --no-pci or -a for every PCI
 * port, --log-level, then [eal] args split at white space.
 * @return the count written to argv (at most max; strings point into buf), or -1 if buf or
 * argv is too small.
 */
int yard_config_eal_args(const struct yard_config *cfg, bool use_hugepages, char **argv,
			 int max, char *buf, size_t buflen);

/**
 * Walk every documented key: i-th (section, key, default, range) or -1 past the end. Port keys
 * come with section "portN". For tests that keep docs/config.md in step with the parser.
 */
int yard_config_key_at(unsigned i, const char **section, const char **key, const char **def,
		       const char **range);

#ifdef __cplusplus
}
#endif
#endif /* YARD_APP_CONFIG_H */
