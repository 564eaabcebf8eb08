/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IPv4 wire format (RFC 791 section 3.1) beyond what DPDK's rte_ip.h gives: option type and
 * length constants, and layout checks on struct rte_ipv4_hdr, which yard uses for the header.
 * Network byte order. No functions.
 */
#ifndef YARD_PROTOCOLS_IP_HDR_H
#define YARD_PROTOCOLS_IP_HDR_H

#include <assert.h>
#include <stddef.h>

#include <rte_ip.h>

/** Smallest and largest header (IHL 5 and 15 words). */
#define YARD_IPV4_HDR_MIN 20u
#define YARD_IPV4_HDR_MAX 60u
/** Largest datagram. */
#define YARD_IPV4_MAX_LEN 65535u
/** Smallest MTU every IPv4 link must carry (RFC 791: 68 octets). */
#define YARD_IPV4_MIN_MTU 68u

/** @name Option types (RFC 791 section 3.1; the copied flag is bit 7). */
/**@{*/
#define YARD_IPOPT_EOL    0x00 /**< end of option list (single octet) */
#define YARD_IPOPT_NOP    0x01 /**< no operation (single octet) */
#define YARD_IPOPT_RR     0x07 /**< record route */
#define YARD_IPOPT_TS     0x44 /**< timestamp */
#define YARD_IPOPT_SEC    0x82 /**< security */
#define YARD_IPOPT_LSRR   0x83 /**< loose source and record route */
#define YARD_IPOPT_SSRR   0x89 /**< strict source and record route */
#define YARD_IPOPT_RA     0x94 /**< router alert (RFC 2113) */
/**@}*/
/** Every option but EOL and NOP is type, length (counting both octets, >= 2), data. */
#define YARD_IPOPT_MINLEN 2u

static_assert(sizeof(struct rte_ipv4_hdr) == 20, "IPv4 header is 20 bytes");
static_assert(offsetof(struct rte_ipv4_hdr, total_length) == 2, "total_length offset");
static_assert(offsetof(struct rte_ipv4_hdr, packet_id) == 4, "packet_id offset");
static_assert(offsetof(struct rte_ipv4_hdr, fragment_offset) == 6, "fragment_offset offset");
static_assert(offsetof(struct rte_ipv4_hdr, time_to_live) == 8, "ttl offset");
static_assert(offsetof(struct rte_ipv4_hdr, next_proto_id) == 9, "protocol offset");
static_assert(offsetof(struct rte_ipv4_hdr, hdr_checksum) == 10, "checksum offset");
static_assert(offsetof(struct rte_ipv4_hdr, src_addr) == 12, "source offset");
static_assert(offsetof(struct rte_ipv4_hdr, dst_addr) == 16, "destination offset");

#endif /* YARD_PROTOCOLS_IP_HDR_H */
