/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * What the protocol modules need of the link layer, and nothing more: the capability bits a
 * port negotiated (checksum offloads, chained transmit), and the per-packet next-hop address
 * IP hands to the link module below it.
 *
 * The protocols do not include pmd_glue: whatever driver sits under "arp" talks DLPI-style and
 * moves raw Ethernet frames as M_DATA. The application reads the port's negotiated offloads
 * from the driver (DL_INFO_ACK) and passes them, as YARD_LINK_CAP_* bits, to ARP_SETIF and
 * IP_IFADD. The modules then *ask* these bits before trusting an offload; they never guess.
 *
 * Next hop. An IPv4 packet IP sends down a link (M_DATA, b_rptr at the IPv4 header) carries
 * the IPv4 address of the neighbour to deliver it to (the destination itself on a connected
 * route, the gateway otherwise) in a dynamic mbuf field named "yard_nexthop" (4 bytes, network
 * byte order) of the message's first block. yard_nexthop_register() registers the field; the
 * arp and ip modules call it on open, so it exists before either uses it. A packet whose next
 * hop is 0 is dropped by arp (counted tx_no_nexthop).
 */
#ifndef YARD_PROTOCOLS_LINK_H
#define YARD_PROTOCOLS_LINK_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include <streams/mblk.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @name Link capability bits (ARP_SETIF ai_caps, IP_IFADD ii_caps). */
/**@{*/
/** RX: the port verifies IPv4 header checksums and reports RTE_MBUF_F_RX_IP_CKSUM_GOOD/BAD. */
#define YARD_LINK_CAP_RX_IPV4_CKSUM 0x0001u
/** RX: the port verifies UDP/TCP checksums and reports RTE_MBUF_F_RX_L4_CKSUM_GOOD/BAD. */
#define YARD_LINK_CAP_RX_L4_CKSUM   0x0002u
/** TX: the port computes IPv4 header checksums (RTE_MBUF_F_TX_IP_CKSUM). */
#define YARD_LINK_CAP_TX_IPV4_CKSUM 0x0004u
/** TX: the port computes UDP checksums (RTE_MBUF_F_TX_UDP_CKSUM). */
#define YARD_LINK_CAP_TX_UDP_CKSUM  0x0008u
/** TX: the port computes TCP checksums (RTE_MBUF_F_TX_TCP_CKSUM). */
#define YARD_LINK_CAP_TX_TCP_CKSUM  0x0010u
/**
 * TX: the port transmits chained (multi-segment) mbufs. Without it arp pulls every
 * multi-block frame up into one block before sending it down (a copy, counted by the message
 * layer's copied_bytes).
 */
#define YARD_LINK_CAP_TX_MULTISEG   0x0020u
/**@}*/

/** Length of the Ethernet header arp prepends (no VLAN tag). */
#define YARD_LINK_HDR_LEN 14u
/** The longest link header arp prepends: Ethernet with an 802.1Q tag (a VLAN link). */
#define YARD_LINK_HDR_MAX 18u
/** Headroom a sender should leave in front of an IPv4 packet so arp need not add a block. */
#define YARD_LINK_HEADROOM 64u

/** Name of the dynamic mbuf field carrying the next hop. */
#define YARD_NEXTHOP_DYNFIELD "yard_nexthop"

/** Offset of the "yard_nexthop" field in struct rte_mbuf; -1 until registered. */
extern int yard_nexthop_offset;

/**
 * Register the "yard_nexthop" dynamic field (idempotent; cold path, after rte_eal_init).
 * @return 0, or -errno from rte_mbuf_dynfield_register().
 */
int yard_nexthop_register(void);

/** Set the next hop (network byte order) of a message IP sends down. */
static inline void
yard_nexthop_set(mblk_t *mp, uint32_t nexthop_be)
{
	*RTE_MBUF_DYNFIELD(yard_mblk_mbuf(mp), yard_nexthop_offset, uint32_t *) = nexthop_be;
}

/** The next hop (network byte order) of a message coming down from IP. */
static inline uint32_t
yard_nexthop_get(const mblk_t *mp)
{
	return *RTE_MBUF_DYNFIELD(yard_mblk_mbuf(mp), yard_nexthop_offset, const uint32_t *);
}

#ifdef __cplusplus
}
#endif
#endif /* YARD_PROTOCOLS_LINK_H */
