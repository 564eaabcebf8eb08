/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * TCP wire format (RFC 9293 section 3.1) and the option kinds yard speaks (RFC 9293 3.2,
 * RFC 7323, RFC 2018). Network byte order; no functions.
 */
#ifndef YARD_PROTOCOLS_TCP_HDR_H
#define YARD_PROTOCOLS_TCP_HDR_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

/** The fixed TCP header. */
struct yard_tcphdr {
	uint16_t th_sport;  /**< source port */
	uint16_t th_dport;  /**< destination port */
	uint32_t th_seq;    /**< sequence number */
	uint32_t th_ack;    /**< acknowledgment number */
	uint8_t th_off;     /**< data offset in 32-bit words, high nibble */
	uint8_t th_flags;   /**< TH_* */
	uint16_t th_win;    /**< window (scaled, RFC 7323 2.3) */
	uint16_t th_sum;    /**< checksum over the pseudo header, header and data */
	uint16_t th_urp;    /**< urgent pointer */
} __attribute__((packed));

static_assert(sizeof(struct yard_tcphdr) == 20, "TCP header is 20 bytes");
static_assert(offsetof(struct yard_tcphdr, th_seq) == 4, "th_seq offset");
static_assert(offsetof(struct yard_tcphdr, th_off) == 12, "th_off offset");
static_assert(offsetof(struct yard_tcphdr, th_sum) == 16, "th_sum offset");

/** @name th_flags. */
/**@{*/
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80
/**@}*/

#define YARD_TCP_HDR_MIN 20u  /**< header without options */
#define YARD_TCP_HDR_MAX 60u  /**< largest header */

/** @name Option kinds and lengths. */
/**@{*/
#define TCPOPT_EOL            0
#define TCPOPT_NOP            1
#define TCPOPT_MAXSEG         2   /**< RFC 9293 3.7.1 */
#define TCPOLEN_MAXSEG        4
#define TCPOPT_WINDOW         3   /**< RFC 7323 2.2 */
#define TCPOLEN_WINDOW        3
#define TCPOPT_SACK_PERMITTED 4   /**< RFC 2018 2 */
#define TCPOLEN_SACK_PERMITTED 2
#define TCPOPT_SACK           5   /**< RFC 2018 3 */
#define TCPOPT_TIMESTAMP      8   /**< RFC 7323 3.2 */
#define TCPOLEN_TIMESTAMP     10
/**@}*/

#define YARD_TCP_MAX_WINSHIFT 14  /**< RFC 7323 2.3 */

#endif /* YARD_PROTOCOLS_TCP_HDR_H */
