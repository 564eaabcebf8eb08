/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The "arp" STREAMS module: Ethernet framing and ARP (RFC 826) for IPv4 over one port queue.
 *
 * Where it sits. arp is pushed on a link stream: a driver stream (pmd, or loop in tests) that
 * sends raw Ethernet frames up as M_DATA and takes raw frames down. Above it is the lower side
 * of an "ip" multiplexor (the stream is I_LINKed under ip), or a test.
 *
 *   ip (lower read/write side)
 *     |  M_DATA, b_rptr at the IPv4 header; going down: next hop in the "yard_nexthop" field
 *   arp
 *     |  M_DATA raw Ethernet frames
 *   driver (pmd / loop)
 *
 * Read side (burst): frames are classified by ethertype. IPv4 frames addressed to our MAC,
 * broadcast or multicast lose their Ethernet header (b_rptr moves, nothing is copied) and go
 * up as one burst. ARP frames are validated and processed: requests for our address are
 * answered, the sender of a request for us and of a reply is learned (RFC 826 merge rule).
 * Everything else (IPv6, other ethertypes, frames for another MAC, malformed ARP) is dropped
 * and counted by reason. Other message types pass up unchanged.
 *
 * VLANs (IEEE 802.1Q). A link configured with ai_vlan (a VLAN ID) carries that VLAN only: it
 * takes frames tagged with that ID (or whose tag the port stripped, RTE_MBUF_F_RX_VLAN_STRIPPED
 * with it in vlan_tci), strips the tag with the header, and tags every frame it sends (IPv4
 * and ARP) with it, priority 0. Frames without a tag, with another ID or with stacked tags
 * are dropped and counted. A link without ai_vlan takes untagged and priority-tagged (ID 0)
 * frames and drops tagged ones.
 *
 * Write side: IPv4 packets (M_DATA) from ip carry their next hop (protocols/link.h). A cache
 * hit prepends the Ethernet header (in the block's headroom when the block is not shared and
 * has room, else in a new block) and sends the frame down. A miss holds the packet (at most
 * ap_max_hold per entry and ap_max_hold_total per instance; beyond that it is dropped and
 * counted), sends an ARP request, retries every ap_retry_ms up to ap_retries times, and sends
 * the held packets when the reply arrives, or drops them (counted drop_resolve_failed). Other
 * message types pass down unchanged; M_IOCTL with the ARP_* commands below is answered here.
 *
 * The cache. Entries are INCOMPLETE (resolving), REACHABLE (confirmed less than ap_timeout_ms
 * ago), STALE (older: still used, and probed while used) or STATIC (ARP_ADD; never aged or
 * overwritten). A STALE entry's first use sends a request unicast to its cached MAC (RFC 1122
 * 2.3.2.1's unicast poll), uses after it another at most every ap_retry_ms: ap_ucast_probes
 * unicast ones in all, then up to ap_retries broadcast ones (in case the neighbour has a new
 * MAC), then none. A STALE entry not confirmed within another ap_timeout_ms is removed. Ageing
 * runs on a yard timer (qtimeout) armed only while dynamic entries exist.
 *
 * Siblings. A port served by several lcores has one arp instance per (lcore, queue); they are
 * siblings (same ai_port). ARP traffic usually reaches one queue only, so every entry an
 * instance learns from the wire is sent to its siblings as an M_CTL learn message through
 * their lcores' mailboxes (yard_mbox_put()); a full mailbox is counted (sib_mbox_full) and the
 * sibling then resolves by itself. All siblings answer the same, since each is given the same
 * ARP_SETIF. Siblings must be closed while their lcores are quiescent (application shutdown),
 * since a learn message may be in flight to a closing sibling otherwise.
 *
 * Configuration is by I_STR ioctls on the link stream (before it is I_LINKed; a linked stream
 * cannot be reached from above). Addresses are in network byte order throughout.
 */
#ifndef YARD_PROTOCOLS_ARP_H
#define YARD_PROTOCOLS_ARP_H

#include <stdint.h>

#include <rte_ether.h>

#include <protocols/link.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_tel_data;

/** Module name to I_PUSH. */
#define ARP_MODNAME "arp"

/** @name ARP ioctls (I_STR ic_cmd; ic_dp/ic_len as given). */
/**@{*/
#define ARP_IOC ('A' << 8)
/**
 * Configure the interface: struct arp_ifreq in. Sends a gratuitous ARP (an ARP request with
 * sender = target = ai_addr, RFC 5227 section 3) and joins the sibling registry of ai_port.
 * May be repeated (a new address or MAC); EINVAL for a zero/multicast MAC, a zero address,
 * ai_prefix > 32, ai_mtu < 68, ai_vlan > 4094 or ai_port >= ARP_MAX_PORTS; ENOSPC if ai_port has
 * ARP_MAX_SIBLINGS instances already.
 */
#define ARP_SETIF      (ARP_IOC | 1)
/**
 * Tune the module: struct arp_param in and out. Zero fields keep their current value; the
 * answer carries the values now in force. EINVAL for out-of-range values; EBUSY for a new
 * ap_max_entries while the cache holds entries.
 */
#define ARP_SETPARAM   (ARP_IOC | 2)
/** Add or replace a STATIC entry: struct arp_entry in (ae_addr, ae_mac). ENOSPC if full. */
#define ARP_ADD        (ARP_IOC | 3)
/** Delete an entry (held packets are dropped, counted): struct arp_entry in (ae_addr). ENOENT. */
#define ARP_DEL        (ARP_IOC | 4)
/** Look an entry up: struct arp_entry in (ae_addr) and out. ENOENT if absent. */
#define ARP_GET        (ARP_IOC | 5)
/** Send a gratuitous ARP now (no data). EINVAL before ARP_SETIF. */
#define ARP_GRATUITOUS (ARP_IOC | 6)
/** This instance's counters: struct arpstat out. */
#define ARP_GETSTATS   (ARP_IOC | 7)
/** Remove every dynamic entry (held packets dropped, counted); no data. */
#define ARP_FLUSH      (ARP_IOC | 8)
/**@}*/

/** Port indexes ARP_SETIF accepts (ai_port < ARP_MAX_PORTS). */
#define ARP_MAX_PORTS 32
/** Instances sharing one port (one per lcore and queue). */
#define ARP_MAX_SIBLINGS 64
/** Highest VLAN ID ARP_SETIF takes (0xfff is reserved, IEEE 802.1Q 9.6). */
#define ARP_VLAN_MAX 4094

/** ARP_SETIF argument. */
struct arp_ifreq {
	struct rte_ether_addr ai_mac; /**< our MAC (unicast) */
	uint16_t ai_port;             /**< port index: instances with the same one are siblings */
	uint32_t ai_addr;             /**< our IPv4 address, network order */
	uint8_t ai_prefix;            /**< prefix length of our subnet (0..32) */
	uint8_t ai_pad;
	uint16_t ai_mtu;              /**< link MTU (IPv4 packet size), >= 68 */
	uint32_t ai_caps;             /**< YARD_LINK_CAP_* the port negotiated */
	uint16_t ai_vlan;             /**< 802.1Q VLAN ID 1..4094 of every frame; 0: untagged */
	uint16_t ai_pad2;
};

/** Highest ap_ucast_probes. */
#define ARP_UCAST_PROBES_MAX 100
/**
 * ap_ucast_probes in an ARP_SETPARAM request: none, stale entries are probed by broadcast only
 * (0 there keeps the value, as in every field). The answer carries the count in force, 0.
 */
#define ARP_UCAST_PROBES_NONE UINT32_MAX

/** ARP_SETPARAM argument; 0 in a field keeps its value. Defaults in brackets. */
struct arp_param {
	uint32_t ap_timeout_ms;     /**< reachable time, then stale for as long again [60000] */
	uint32_t ap_max_entries;    /**< cache entries, 1..65536 [1024] */
	uint32_t ap_max_hold;       /**< packets held per resolving entry, 1..256 [4] */
	uint32_t ap_max_hold_total; /**< packets held by the instance, 1..65536 [256] */
	uint32_t ap_retries;        /**< requests after the first before giving up, 1..100 [3];
				     *   also the broadcast probes of a STALE entry */
	uint32_t ap_retry_ms;       /**< interval between requests, 1..60000 [1000] */
	/** Probes of a STALE entry in use sent unicast to its cached MAC before the broadcast
	 *  ones, 1..ARP_UCAST_PROBES_MAX, or ARP_UCAST_PROBES_NONE for none [3] */
	uint32_t ap_ucast_probes;
};

/** @name Entry states (ae_state). */
/**@{*/
#define ARP_STATE_INCOMPLETE 1 /**< request sent, no answer yet; packets may be held */
#define ARP_STATE_REACHABLE  2 /**< confirmed less than ap_timeout_ms ago */
#define ARP_STATE_STALE      3 /**< older; used, and probed while used */
#define ARP_STATE_STATIC     4 /**< ARP_ADD; never aged, never overwritten by the wire */
/**@}*/

/** ARP_ADD / ARP_DEL / ARP_GET argument. */
struct arp_entry {
	uint32_t ae_addr;             /**< IPv4 address, network order (the key) */
	struct rte_ether_addr ae_mac; /**< its MAC (zero while INCOMPLETE) */
	uint8_t ae_state;             /**< ARP_STATE_* (out) */
	uint8_t ae_pad;
	uint16_t ae_held;             /**< packets held for it (out) */
	uint32_t ae_age_ms;           /**< ms since it was confirmed or created (out) */
	uint32_t ae_tries;            /**< requests sent in this resolution, or probes since
				       *   the entry went STALE (out) */
};

/** Counters of one arp instance: arps_<name> for every ARP_STAT() in arp/arp.def. */
struct arpstat {
#define ARP_STAT(name, help) uint64_t arps_##name;
#include <protocols/arp/arp.def>
#undef ARP_STAT
};

/** Counter indexes: ARPS_<name>, in arp.def order; ARPS__COUNT of them. */
enum arpstat_index {
#define ARP_STAT(name, help) ARPS_##name,
#include <protocols/arp/arp.def>
#undef ARP_STAT
	ARPS__COUNT
};

/** Name of counter i (the arp.def name), NULL past the end. */
const char *arpstat_name(unsigned i);
/** Help text of counter i, NULL past the end. */
const char *arpstat_help(unsigned i);

/**
 * Sum the counters of the arp instances matching lcore and port (-1: any) into *out.
 * Readable from any lcore (plain loads of per-instance counters). Returns instances matched.
 */
unsigned arpstat_sum(struct arpstat *out, int lcore, int port);

/**
 * Fill d (fresh, not yet started) with a dict of arp counters: summed over the instances
 * matching lcore and port (-1: any). 0 or -errno.
 */
int arp_tel_fill(struct rte_tel_data *d, int lcore, int port);
/**
 * Fill d with a dict whose keys are "lcore<N>" (every lcore with an arp instance) and whose
 * values are dicts of that lcore's counters (over its ports). 0 or -errno.
 */
int arp_tel_fill_per_lcore(struct rte_tel_data *d);
/**
 * A rte_telemetry_cb for the application to register (e.g. as "/yard/arp"). params: empty for
 * the sum over every instance; "<lcore>" for one lcore; "<lcore>,<port>" for one instance
 * (",<port>" for one port over every lcore); "per_lcore" for arp_tel_fill_per_lcore().
 */
int arp_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d);

/** A neighbour (a cache entry of an arp instance), for yardctl neigh (arp_neigh_snapshot()). */
struct yard_arp_neigh_row {
	uint32_t nr_lcore;       /**< lcore of the instance */
	uint16_t nr_port;        /**< its port (ai_port) */
	uint16_t nr_vlan;        /**< its VLAN ID, 0: untagged */
	uint32_t nr_inst;        /**< its counter slot: tells apart two queues' instances */
	struct arp_entry nr_ent; /**< as ARP_GET gives it, the state read without changing it */
};

/**
 * Fill rows with the entries of the calling lcore's configured arp instances (ARP_SETIF
 * done), instance by instance, and return how many there are in all, which may exceed max
 * (only max rows are written). Reading changes nothing: a REACHABLE entry past its time is
 * shown STALE but left for the sweep. Must run on the lcore owning the instances: from
 * elsewhere, through its mailbox.
 */
int arp_neigh_snapshot(struct yard_arp_neigh_row *rows, unsigned max);

/** What arp_neigh_change() does. */
enum arp_neigh_op {
	ARP_NEIGH_ADD,   /**< ARP_ADD: a static entry (replacing a learned one) */
	ARP_NEIGH_DEL,   /**< ARP_DEL: remove the entry, static or learned */
	ARP_NEIGH_FLUSH, /**< ARP_FLUSH: remove every learned entry (e unused) */
};

/**
 * Apply op to the calling lcore's configured arp instances of port (every port: port < 0,
 * FLUSH only), as the ioctl would on each: how a running yard's neighbours are changed
 * without the link streams, which are linked under ip. Returns how many instances were
 * changed (for DEL: had the entry), or -errno: -EINVAL (a bad entry: zero or non-unicast MAC,
 * an address outside the instance's subnet or its own), -ENOSPC (a full cache; instances
 * before it were changed). On the instances' lcore.
 */
int arp_neigh_change(enum arp_neigh_op op, int port, const struct arp_entry *e);

#ifdef __cplusplus
}
#endif
#endif /* YARD_PROTOCOLS_ARP_H */
