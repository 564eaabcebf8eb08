/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ICMP wire format (RFC 792): types and codes DPDK's rte_icmp.h lacks, and layout checks on
 * struct rte_icmp_hdr (type, code, checksum, then 4 bytes: identifier and sequence number for
 * echo, unused or a next-hop MTU for errors). Network byte order. No functions.
 */
#ifndef YARD_PROTOCOLS_ICMP_HDR_H
#define YARD_PROTOCOLS_ICMP_HDR_H

#include <assert.h>
#include <stddef.h>

#include <rte_icmp.h>

/** @name Types (RFC 792, RFC 1122 3.2.2). */
/**@{*/
#define YARD_ICMP_ECHO_REPLY      0
#define YARD_ICMP_DEST_UNREACH    3
#define YARD_ICMP_SOURCE_QUENCH   4  /**< deprecated (RFC 6633) */
#define YARD_ICMP_REDIRECT        5
#define YARD_ICMP_ECHO_REQUEST    8
#define YARD_ICMP_ROUTER_ADVERT   9
#define YARD_ICMP_ROUTER_SOLICIT  10
#define YARD_ICMP_TIME_EXCEEDED   11
#define YARD_ICMP_PARAM_PROBLEM   12
#define YARD_ICMP_TIMESTAMP       13
#define YARD_ICMP_TIMESTAMP_REPLY 14
/**@}*/

/** @name Destination unreachable codes. */
/**@{*/
#define YARD_ICMP_UNREACH_NET      0
#define YARD_ICMP_UNREACH_HOST     1
#define YARD_ICMP_UNREACH_PROTOCOL 2
#define YARD_ICMP_UNREACH_PORT     3
#define YARD_ICMP_UNREACH_NEEDFRAG 4
#define YARD_ICMP_UNREACH_SRCFAIL  5
#define YARD_ICMP_UNREACH_MAX      15 /**< largest defined code (RFC 1812) */
/**@}*/

/** @name Time exceeded codes. */
/**@{*/
#define YARD_ICMP_TIMXCEED_INTRANS 0 /**< TTL exceeded in transit */
#define YARD_ICMP_TIMXCEED_REASS   1 /**< fragment reassembly time exceeded */
/**@}*/

/** ICMP header length. */
#define YARD_ICMP_HDR_LEN 8u
/** An error quotes the offending IPv4 header and this many bytes after it (RFC 792). */
#define YARD_ICMP_ERR_QUOTE 8u

static_assert(sizeof(struct rte_icmp_hdr) == YARD_ICMP_HDR_LEN, "ICMP header is 8 bytes");
static_assert(offsetof(struct rte_icmp_hdr, icmp_cksum) == 2, "ICMP checksum offset");
static_assert(offsetof(struct rte_icmp_hdr, icmp_ident) == 4, "ICMP identifier offset");
static_assert(offsetof(struct rte_icmp_hdr, icmp_seq_nb) == 6, "ICMP sequence offset");

#endif /* YARD_PROTOCOLS_ICMP_HDR_H */
