/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The "ip" STREAMS multiplexor: IPv4 (RFC 791, RFC 1122) and ICMP (RFC 792), as in SVR4.
 *
 * Shape. ip is a driver with a lower side (st_muxrinit/st_muxwinit). Each lcore runs one ip
 * *instance*: the first stream opened on "ip" on an lcore is that lcore's control stream and
 * owns the instance (routes, interfaces, reassembly table, counters); streams opened later on
 * the same lcore are upper (transport) streams attached to that instance. Link streams (a
 * driver with "arp" pushed, configured with ARP_SETIF) are I_LINKed under the control stream;
 * ip remembers each link's lower write queue (l_qbot) by muxid. Closing the control stream
 * unlinks its links, frees the instance and hangs up the upper streams still attached.
 *
 *            control stream (app)      upper streams (udp, tcp: IP_PROTO_BIND)
 *                         \              /
 *                          ip instance (this lcore)
 *                         /              \
 *                link (pmd+arp, port 0)   link (pmd+arp, port 1)      <- I_LINK, muxid
 *
 * Input (lower read side, in bursts): every IPv4 packet is validated exactly (length, version,
 * IHL, total length with Ethernet padding trimmed, header checksum, or the port's verdict when
 * the link's caps say it verifies, TTL, option lengths, source address sanity) and is then
 * delivered locally if its destination is one of the instance's addresses or a broadcast of
 * the arriving link's subnet; anything else is dropped and counted. **There is no
 * forwarding.** Options are validated and skipped, never processed. Fragments are reassembled
 * by ip over their message blocks, without copying, up to 65,535 bytes (see "Fragments"
 * below). ICMP echo requests are answered in place; other protocols go up to the upper stream
 * bound to them, as M_DATA with b_rptr at the IPv4 header (the transport trims it); no bound
 * stream: protocol unreachable (rate limited).
 *
 * ICMP and transports. A transport asks for an ICMP error about a datagram ip delivered to it
 * with an M_CTL IP_ICMP_ERR_REQ (e.g. udp's port unreachable); ICMP errors that arrive
 * (destination unreachable, source quench, time exceeded, parameter problem) go up to the
 * stream bound to the protocol of the datagram they quote as an M_CTL IP_ICMP_ERR_IND.
 *
 * Output (upper write side): either M_DATA holding a whole IPv4 datagram built by the
 * transport (ip fills in a zero source address and a zero identification, and the header
 * checksum), or an M_PROTO struct ip_unitdata_req followed by M_DATA payload, for which ip
 * builds the header. ip looks the destination up (longest prefix; connected routes come with
 * IP_IFADD; a default route is IP_ROUTE_ADD with prefix 0), sets the next hop (protocols/link.h),
 * fragments to the link MTU, sets the TX checksum offload flags (ol_flags, l2_len, l3_len) when
 * the link's caps say the port computes them and computes the checksum otherwise, and sends
 * the packet down the link. A datagram to one of our own addresses goes up instead, as if it
 * had arrived on that address's link, once the scheduler runs (ip's loop-back: no frame).
 *
 * Transport checksums ("checksum partial", as Linux's CHECKSUM_PARTIAL). A transport need not
 * sum its data: it stores the pseudo-header's sum (RFC 768, RFC 9293 3.1: addresses, protocol,
 * length; folded, not complemented, what rte_ipv4_phdr_cksum() gives) in its header's checksum
 * field and asks ip to complete it: with IP_UNITDATA_L4CK in an IP_UNITDATA_REQ, or, for a
 * datagram it built (M_DATA), with RTE_MBUF_F_TX_UDP_CKSUM or RTE_MBUF_F_TX_TCP_CKSUM in the
 * first block's mbuf (only that request is read there; the protocol must match, the source
 * must be set). ip leaves it to the port when the outgoing link has the cap
 * (YARD_LINK_CAP_TX_UDP_CKSUM, _TCP_), the datagram is not fragmented and the L4 header lies in
 * the same block as the IPv4 header (what drivers read the headers from); otherwise it sums
 * the datagram in software (tx_l4_cksum_sw). Without such a request ip clears the L4 offload
 * bits of the mbuf: a received buffer sent back carries none of its past.
 *
 * When the link's driver is full the packet waits on the link's lower write queue (up to its
 * high-water mark; beyond it is dropped and counted).
 *
 * Fragments. Fragments of one datagram may arrive on different lcores (RSS hashes on ports).
 * Each is sent to one *owner* instance chosen by hashing (source, destination, id, protocol)
 * over the lcores that have ip instances (ip_frag_owner()), through the owner's mailbox; the
 * owner reassembles it and delivers the datagram on its lcore. A full mailbox drops the
 * fragment (counted frag_fwd_fail). Instances must be opened and closed while traffic is
 * quiescent (application start and shutdown), since the owner set changes then. The owner
 * holds at most ip_max_flows datagrams, ip_max_frags fragments each and ip_reass_mem bytes of
 * buffers in all; overlapping fragments drop their whole datagram (RFC 5722), duplicates are
 * dropped alone, and a datagram not complete in ip_reass_timeout_ms is dropped with an ICMP
 * time exceeded (code 1) when its first fragment had come.
 *
 * All addresses are in network byte order.
 */
#ifndef YARD_PROTOCOLS_IP_H
#define YARD_PROTOCOLS_IP_H

#include <stdint.h>

#include <protocols/link.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_tel_data;

/** Driver name to sth_open(). */
#define IP_DRVNAME "ip"

/** @name ip ioctls (I_STR ic_cmd; ic_dp/ic_len as given). */
/**@{*/
#define IP_IOC ('I' << 8)
/**
 * Give a link an address: struct ip_ifreq in. Adds the connected route (ii_addr/ii_prefix via
 * the link). Control stream only. ENXIO unknown muxid, EEXIST the link has one already (delete
 * it first with IP_IFDEL), EINVAL bad address/prefix/MTU.
 */
#define IP_IFADD      (IP_IOC | 1)
/** Remove a link's address and every route through the link: int muxid in. ENXIO. */
#define IP_IFDEL      (IP_IOC | 2)
/**
 * Add a route: struct ip_route in. ir_prefix 0 is the default route. ir_gateway 0 means
 * directly connected. ENXIO unknown muxid, EEXIST the same dst/prefix exists, ENOSPC full.
 */
#define IP_ROUTE_ADD  (IP_IOC | 3)
/** Delete a route: struct ip_route in (ir_dst, ir_prefix). ENOENT. */
#define IP_ROUTE_DEL  (IP_IOC | 4)
/**
 * Look a destination up: struct ip_route in (ir_dst) and out (the route used: ir_dst and
 * ir_prefix of the route, ir_gateway, ir_muxid; ir_nexthop = where the packet would go).
 * ENETUNREACH if no route.
 */
#define IP_ROUTE_GET  (IP_IOC | 5)
/**
 * Tune the instance: struct ip_param in and out; zero fields keep their value; the answer
 * holds the values in force. A new flow count rebuilds the (then empty) reassembly table:
 * EBUSY while fragments are waiting. A new timeout applies to datagrams begun after it; new
 * fragment and memory limits apply at once. EINVAL out of range.
 */
#define IP_SETPARAM   (IP_IOC | 6)
/** This lcore's counters: struct ip_stats out. */
#define IP_GETSTATS   (IP_IOC | 7)
/**
 * Bind an upper stream to an IPv4 protocol number: int proto in (1..254; 1 is ICMP: the
 * stream then also receives the ICMP messages ip does not answer itself). One stream per
 * protocol per instance: EADDRINUSE. Not on the control stream: EINVAL.
 */
#define IP_PROTO_BIND (IP_IOC | 8)
/**@}*/

/** IP_IFADD argument. */
struct ip_ifreq {
	int ii_muxid;       /**< the link (I_LINK's return) */
	uint32_t ii_addr;   /**< our address on the link, network order */
	uint8_t ii_prefix;  /**< subnet prefix length, 1..32 */
	uint8_t ii_pad;
	uint16_t ii_mtu;    /**< link MTU (largest IPv4 packet), 68..9000 */
	uint32_t ii_caps;   /**< YARD_LINK_CAP_* of the port */
};

/** IP_ROUTE_ADD / IP_ROUTE_DEL / IP_ROUTE_GET argument. */
struct ip_route {
	uint32_t ir_dst;     /**< destination network, network order */
	uint8_t ir_prefix;   /**< prefix length 0..32 (0: default route) */
	uint8_t ir_pad[3];
	uint32_t ir_gateway; /**< next hop router, 0 for a connected route */
	int ir_muxid;        /**< the link to send through */
	uint32_t ir_nexthop; /**< IP_ROUTE_GET: the neighbour a packet would go to (out) */
};

/** IP_SETPARAM argument; 0 keeps a field's value. Defaults in brackets. */
struct ip_param {
	uint32_t ip_reass_timeout_ms; /**< time to complete a datagram, 1..60000 [2000] */
	uint32_t ip_max_flows;        /**< datagrams being reassembled at once, 1..65536 [1024] */
	uint32_t ip_max_frags;        /**< fragments per datagram, 1..1024 [64] (1024: 64 KB in
				       *   the smallest fragments ip accepts, 64 bytes) */
	uint32_t ip_icmp_rate;        /**< ICMP errors per second, 1..100000 [100] */
	uint32_t ip_icmp_burst;       /**< ICMP error token bucket depth, 1..100000 [10] */
	uint32_t ip_default_ttl;      /**< TTL of datagrams ip builds, 1..255 [64] */
	uint32_t ip_reass_mem;        /**< buffer bytes all datagrams being reassembled may hold,
				       *   65536..1 GiB [4 MiB] */
};

/** IP_UNITDATA_REQ: the M_PROTO block in front of the payload of a datagram ip builds. */
#define IP_UNITDATA_REQ 0x49505544u /* "IPUD" */
/** iu_flags: set don't-fragment. */
#define IP_UNITDATA_DF 0x01
/**
 * iu_flags: the payload (b_cont) is one M_DATA block of a pool buffer (not esballoc'd) that
 * only this message refers to, with at least 20 + YARD_LINK_HDR_MAX bytes of headroom, and
 * its length leaves the datagram within 65,535 bytes. Set only by a sender that proved all of
 * that in the same call chain as its putnext to ip, with nothing that could change it run
 * since (a module pushed between the sender and ip that duplicates or edits messages must
 * clear it). ip then writes the header in place without checking again; without it, ip
 * checks everything itself.
 */
#define IP_UNITDATA_OWNED 0x02
/**
 * iu_flags: the payload begins with a UDP (iu_proto 17) or TCP (6) header whose checksum
 * field holds the pseudo-header's sum: ip completes the checksum (the port's offload or
 * software; see "Transport checksums" above). Refused for any other protocol.
 */
#define IP_UNITDATA_L4CK 0x04

/**
 * iu_flags: a datagram to a multicast group goes out the link whose address is iu_src (the
 * sender's multicast interface: XTI T_IP_MULTICAST_IF, sockets' IP_MULTICAST_IF), to the
 * group's MAC, instead of the link the group's route names. A request with it whose iu_dst
 * is not a group, or whose iu_src is no link's address, is dropped (drop_bad_unitdata).
 */
#define IP_UNITDATA_MIF 0x08

/**
 * iu_flags: multicast loop-back (XTI T_IP_MULTICAST_LOOP, sockets' IP_MULTICAST_LOOP). When
 * iu_dst is a group the outgoing link joined, and its filter lets in the datagram's source,
 * ip also delivers a copy of the datagram to this instance's members of it, as if it had
 * arrived on that link (through ip's loop-back: protocols/ip/ip_loop.c). Ignored for any
 * other destination. The copy is a copy (copymsg(): counted in copied bytes), its checksums
 * whole.
 */
#define IP_UNITDATA_MLOOP 0x10
/**
 * iu_flags: a datagram to a group that stays on this host (XTI T_IP_MULTICAST_TTL 0, as
 * Linux's IP_MULTICAST_TTL 0): its header says TTL 0, nothing goes down the link, and with
 * IP_UNITDATA_MLOOP it goes up to the group's members here as the loop-back copy would
 * (tx_mcast_host_only). Ignored for any other destination.
 */
#define IP_UNITDATA_HOSTONLY 0x20

/** An upper stream's request for ip to build the header (M_PROTO, then M_DATA payload). */
struct ip_unitdata_req {
	uint32_t iu_prim;   /**< IP_UNITDATA_REQ */
	uint32_t iu_dst;    /**< destination, network order */
	uint32_t iu_src;    /**< source, 0: the outgoing interface's address */
	uint8_t iu_proto;   /**< protocol (0: the stream's bound protocol) */
	uint8_t iu_tos;     /**< type of service */
	uint8_t iu_ttl;     /**< 0: the default TTL */
	uint8_t iu_flags;   /**< IP_UNITDATA_DF, _OWNED, _L4CK, _MIF, _MLOOP, _HOSTONLY */
};

/* ---- transports <-> ip: ICMP errors (M_CTL) ---------------------------------------------- */

/**
 * M_CTL down to ip from a transport: "send ICMP (ie_type, ie_code) about this datagram". The
 * first block is struct ip_icmp_err_req; b_cont is the offending datagram exactly as ip
 * delivered it (M_DATA, b_rptr at its IPv4 header). ip applies the rules of every ICMP error
 * it sends (RFC 1122 3.2.2 suppression: not about an ICMP error, a broadcast or multicast, a
 * non-first fragment or an impossible source; the rate limit), quotes the datagram's header
 * and 8 bytes of its data (RFC 792), sends it from the address the datagram was sent to, and
 * frees the message. ie_type must be an error type (3, 4, 11, 12) with a code defined for it,
 * else the request is dropped (drop_bad_unitdata).
 */
#define IP_ICMP_ERR_REQ 0x49504552u /* "IPER" */
/**
 * M_CTL up from ip to the stream bound to a protocol (not ICMP): an ICMP error (destination
 * unreachable, time exceeded, parameter problem, source quench) arrived whose quoted datagram
 * is of that protocol and was sent from one of our addresses. The first block is struct
 * ip_icmp_err_ind; b_cont holds the ICMP message's payload (M_DATA, b_rptr at the quoted IPv4
 * header, at least that header and 8 bytes more, the header and those 8 bytes in the first
 * block). Sent only when canputnext() allows (else counted err_upper_flow and not sent).
 */
#define IP_ICMP_ERR_IND 0x49504549u /* "IPEI" */

/** IP_ICMP_ERR_REQ. */
struct ip_icmp_err_req {
	uint32_t ie_prim;  /**< IP_ICMP_ERR_REQ */
	uint8_t ie_type;   /**< ICMP type */
	uint8_t ie_code;   /**< ICMP code */
	uint16_t ie_pad;
};

/** IP_ICMP_ERR_IND. */
struct ip_icmp_err_ind {
	uint32_t ie_prim;  /**< IP_ICMP_ERR_IND */
	uint8_t ie_type;   /**< ICMP type */
	uint8_t ie_code;   /**< ICMP code */
	uint16_t ie_mtu;   /**< type 3 code 4: next-hop MTU (RFC 1191 4, host order), else 0 */
	uint32_t ie_from;  /**< who sent the ICMP message, network order */
};

/** Counters of IP on one lcore: ips_<name> for every IP_STAT() in ip/ip.def. */
struct ipstat {
#define IP_STAT(name, help) uint64_t ips_##name;
#include <protocols/ip/ip.def>
#undef IP_STAT
};

/** Counters of ICMP on one lcore: icmps_<name> for every ICMP_STAT() in ip/icmp.def. */
struct icmpstat {
#define ICMP_STAT(name, help) uint64_t icmps_##name;
#include <protocols/ip/icmp.def>
#undef ICMP_STAT
};

/** IPS_<name> / ICMPS_<name> indexes, in .def order. */
enum ipstat_index {
#define IP_STAT(name, help) IPS_##name,
#include <protocols/ip/ip.def>
#undef IP_STAT
	IPS__COUNT
};
enum icmpstat_index {
#define ICMP_STAT(name, help) ICMPS_##name,
#include <protocols/ip/icmp.def>
#undef ICMP_STAT
	ICMPS__COUNT
};

/** IP_GETSTATS answer. */
struct ip_stats {
	struct ipstat is_ip;
	struct icmpstat is_icmp;
};

/** Names and help texts of the counters, NULL past the end. */
const char *ipstat_name(unsigned i);
const char *ipstat_help(unsigned i);
const char *icmpstat_name(unsigned i);
const char *icmpstat_help(unsigned i);

/**
 * Sum the counters of lcore (-1: every lcore) into *out (either pointer may be NULL).
 * Readable from any lcore. Counters survive the instance: they are per lcore.
 */
void ipstat_sum(struct ipstat *ip, struct icmpstat *icmp, int lcore);

/** Fill d (fresh) with a dict of IP counters of lcore (-1: summed over lcores). 0 or -errno. */
int ip_tel_fill(struct rte_tel_data *d, int lcore);
/** Same for ICMP. */
int icmp_tel_fill(struct rte_tel_data *d, int lcore);
/** Fill d with {"lcore<N>": {counters}} for every lcore that ever had an ip instance. */
int ip_tel_fill_per_lcore(struct rte_tel_data *d);
int icmp_tel_fill_per_lcore(struct rte_tel_data *d);
/**
 * rte_telemetry_cb's for the application to register (e.g. "/yard/ip", "/yard/icmp").
 * params: empty for the sum over lcores, "<lcore>" for one lcore, "per_lcore" for all of them
 * one by one.
 */
int ip_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d);
int icmp_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d);

/**
 * The lcore whose ip instance reassembles the datagram (src, dst, id, proto) (all as on the
 * wire), or -1 if no lcore has an instance. Exposed for tests and inspection.
 */
int ip_frag_owner(uint32_t src, uint32_t dst, uint16_t id, uint8_t proto);

/* ---- multicast membership (IGMP, protocols/ip/igmp.c) ------------------------------------ */

/**
 * Join a multicast group for one of a transport's endpoints, on the lcore that runs the
 * instance (the caller's: rte_lcore_id()). ifaddr (network order) names the link by its
 * address; 0 takes the link the group's route goes through, else the first with an address.
 * Joins are counted per link: the first sends an IGMP report, and from then on the link takes
 * datagrams sent to the group. Returns the link's muxid (> 0), to leave with, or -EINVAL (not
 * a multicast group, or 224.0.0.1, which every host is in), -EADDRNOTAVAIL (no such link),
 * -ENOBUFS (the link has 64 groups), -ENODEV (no ip instance on this lcore).
 */
int ip_mcast_join(unsigned lcore, uint32_t group, uint32_t ifaddr);
/**
 * Undo one ip_mcast_join() (group, the muxid it returned): the last one sends an IGMP leave.
 * 0, -ENOENT (not joined there), -ENXIO (the link is gone: nothing to leave), -ENODEV.
 */
int ip_mcast_leave(unsigned lcore, uint32_t group, int muxid);

/** Filter modes of a membership (RFC 3376 3.1). */
#define IP_MFILTER_INCLUDE 1  /**< only the sources listed; with none, not a member */
#define IP_MFILTER_EXCLUDE 2  /**< every source but those listed; with none, any-source */
/** Sources in one membership's filter (Linux's igmp_max_msf is 10 as well). */
#define IP_MFILTER_MAX 10

/** One endpoint's membership of a group on a link: its source filter. */
struct ip_mfilter {
	uint8_t mf_mode;      /**< IP_MFILTER_INCLUDE or IP_MFILTER_EXCLUDE */
	uint8_t mf_nsrc;      /**< mf_src[0..mf_nsrc) */
	uint8_t mf_pad[2];
	uint32_t mf_src[IP_MFILTER_MAX]; /**< network order, each once */
};

/**
 * The link (its muxid) a membership of group would be on: the one with address ifaddr, or
 * with ifaddr 0 the link the group's route goes through, else the first with an address.
 * -EINVAL (not a group, or 224.0.0.1), -EADDRNOTAVAIL, -ENODEV as ip_mcast_join().
 */
int ip_mcast_link(unsigned lcore, uint32_t group, uint32_t ifaddr);

/**
 * Change one endpoint's membership of group on link muxid from was to now (RFC 3376 3.2).
 * INCLUDE with no source is no membership, so a join is INCLUDE {} -> EXCLUDE {} and a
 * leave the reverse; a source-specific join (SSM, RFC 4607) is INCLUDE {} -> INCLUDE {S}.
 * The link's filter for the group is merged from every membership's: EXCLUDE if any is,
 * excluding the sources every EXCLUDE one excludes and no INCLUDE one includes; else INCLUDE
 * the union. When it changes, an IGMP state-change report says how, at once and once more.
 * Returns 0, or with nothing changed -EINVAL (a bad filter or group), -ENOENT (was is not a
 * membership on the link), -ENOBUFS (the link's 64 groups or 64 (group, source) pairs are
 * taken), -ENXIO (no such link), -ENODEV.
 */
int ip_mcast_filter(unsigned lcore, uint32_t group, int muxid, const struct ip_mfilter *was,
		    const struct ip_mfilter *now);

/**
 * Is f exactly the filter link muxid has for group (the merge of every membership), and is
 * group joined on no other link of the instance? Then a transport with f as an endpoint's
 * only membership of the group need not judge the group's datagrams again: ip let in what f
 * does, no more. On the instance's lcore; false for anything unknown.
 */
bool ip_mcast_sole_filter(unsigned lcore, uint32_t group, int muxid,
			  const struct ip_mfilter *f);

/** Sources a yardctl groups row lists (the link may filter more: gr_nsrc counts them). */
#define YARD_GROUP_ROW_SRCS 8u

/** A group on a link, for yardctl groups (ip_mcast_snapshot()). */
struct yard_ip_group_row {
	uint32_t gr_lcore;    /**< lcore of the ip instance */
	uint32_t gr_ifaddr;   /**< the link's address, network order */
	uint32_t gr_group;    /**< network order */
	uint32_t gr_refs;     /**< memberships; 0: left, the leave still being reported */
	uint8_t gr_version;   /**< IGMP version the link speaks now (3, or 2/1: an older querier) */
	uint8_t gr_mode;      /**< the link's filter: IP_MFILTER_INCLUDE or _EXCLUDE */
	uint8_t gr_nsrc;      /**< sources in the link's filter (gr_src: the first 8) */
	uint8_t gr_pad;
	uint32_t gr_src[YARD_GROUP_ROW_SRCS]; /**< network order */
};

/**
 * Fill rows with the groups of the calling lcore's ip instance, link by link, and return how
 * many there are in all, which may exceed max (only max rows are written). 224.0.0.1 is not
 * listed. Must run on the lcore owning the instance: from elsewhere, through its mailbox.
 */
int ip_mcast_snapshot(struct yard_ip_group_row *rows, unsigned max);

/** A route of an ip instance, for yardctl routes (ip_route_snapshot()). */
struct yard_ip_route_row {
	uint32_t rr_lcore;    /**< lcore of the ip instance */
	uint32_t rr_dst;      /**< destination, network order, masked */
	uint32_t rr_gw;       /**< next hop, network order; 0: connected (on the link) */
	uint32_t rr_ifaddr;   /**< the link's address, network order */
	uint16_t rr_mtu;      /**< the link's MTU */
	uint8_t rr_prefix;    /**< prefix length 0..32 (0: the default route) */
	uint8_t rr_pad;
};

/**
 * Fill rows with the routes of the calling lcore's ip instance in the order a lookup tries
 * them (longest prefix first) and return how many there are in all, which may exceed max
 * (only max rows are written). Must run on the lcore owning the instance: from elsewhere,
 * through its mailbox.
 */
int ip_route_snapshot(struct yard_ip_route_row *rows, unsigned max);

/**
 * Add (add) or delete a route through a router on the calling lcore's ip instance, as
 * IP_ROUTE_ADD and IP_ROUTE_DEL on its control stream do: for a running yard's control path
 * (yardctl routes add, del), which reaches each lcore through its mailbox. add: through the
 * link whose address is ifaddr, the router gw in that link's subnet (not its own address);
 * del: dst/prefix, only a route through a router (a connected route goes with its link, and
 * is left). Returns 1 when the table changed; 0 when this lcore has no link with ifaddr (add)
 * or no such route (del); or -errno: -EINVAL (a bad route, or gw outside the link's subnet),
 * -EEXIST (add: the route is there), -ENOSPC (a full table), -EPERM (del: a connected
 * route). On the instance's lcore.
 */
int ip_route_change(bool add, uint32_t dst, uint8_t prefix, uint32_t gw, uint32_t ifaddr);

/**
 * Bytes of EAL memory one ip instance (one per lcore) takes when opened (its links, routes and
 * protocol table). For yard's memory estimate before EAL (app/memneed.c).
 */
size_t ip_mem_estimate(void);

#ifdef __cplusplus
}
#endif
#endif /* YARD_PROTOCOLS_IP_H */
