/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * UDP echo (RFC 862) and discard (RFC 863), written against XTI: the example of an XTI
 * application (docs/xti.md quotes them); and a sockperf server, for `sockperf ping-pong` and
 * `sockperf under-load`, whose client will not take an RFC 862 echo of its own message.
 *
 * Each service is one endpoint per lcore: yard_udp_echo_start(port) on an lcore opens "udp"
 * there, binds the port on every local address, and from then on runs from the stream head's
 * events (yard_t_set_notify), never by polling: on T_DATA it reads every datagram queued;
 * echo sends each back to its sender without copying it (yard_t_rcvudata_mblk, then
 * yard_t_sndudata_mblk with the same message: the received buffer goes out again), discard
 * frees it. When a send meets flow control (TFLOW) echo keeps that one datagram and stops
 * reading, so the stream head fills and udp drops what comes next (drop_rcvbuf_full: UDP
 * semantics); T_GODATA resumes it. Datagram error indications are taken and counted.
 *
 * Call the functions on the lcore that is to serve (its udp plumbing in place,
 * yard_udp_plumb()), before its loop starts or from inside it; they are set-up calls, not for
 * the packet path. Counters are per lcore and per service, readable from any thread.
 */
#ifndef YARD_PROTOCOLS_UDP_SERVICES_H
#define YARD_PROTOCOLS_UDP_SERVICES_H

#include <stdint.h>

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_tel_data;

/** Services one lcore can run at once. */
#define YARD_UDP_SVC_MAX 8

/** Kinds of service. */
enum yard_udp_svc_kind {
	YARD_UDP_SVC_ECHO = 0,    /**< RFC 862 */
	YARD_UDP_SVC_DISCARD = 1, /**< RFC 863 */
	YARD_UDP_SVC_SOCKPERF = 2, /**< a sockperf server (yard_udp_sockperf_start()) */
	YARD_UDP_SVC__COUNT
};

/** Counters of one kind of service on one lcore (plain increments, summed when read). */
struct yard_udp_svc_stats {
	uint64_t rx_datagrams;  /**< datagrams received */
	uint64_t rx_bytes;      /**< their data bytes */
	uint64_t tx_datagrams;  /**< datagrams echoed */
	uint64_t tx_bytes;      /**< their data bytes */
	uint64_t tx_flow_waits; /**< sends refused by flow control (resumed on T_GODATA) */
	uint64_t tx_drops;      /**< datagrams not echoed: the send failed otherwise */
	uint64_t uderrs;        /**< datagram error indications taken */
	uint64_t rx_malformed;  /**< sockperf: not a sockperf message (dropped) */
	uint64_t rx_no_reply;   /**< sockperf: a message that asks for no reply */
} __rte_cache_aligned;

/**
 * Serve UDP echo (RFC 862) on port (host order), on the calling lcore.
 * @return 0, -EADDRINUSE (the port is taken on this lcore), -ENOSPC (YARD_UDP_SVC_MAX), -ENXIO
 * (no "udp" driver), or another -errno.
 */
int yard_udp_echo_start(uint16_t port);
/** Serve UDP discard (RFC 863) on port, on the calling lcore. Returns as yard_udp_echo_start. */
int yard_udp_discard_start(uint16_t port);
/**
 * Serve sockperf's UDP protocol on port (sockperf's default: 11111), on the calling lcore, as
 * `sockperf server` does: a message is a 14-byte header (sequence number, 64 bits; flags, 16:
 * client 1, pong request 2, warm-up 4; length, 32, the header included; all big-endian) and
 * its payload, one to a datagram. A client's message that asks for a pong is sent back to its
 * sender with the client flag cleared, the rest unchanged; the others (warm-up, no pong asked,
 * not from a client) are counted and dropped (rx_no_reply), as is a datagram that is not such
 * a message (rx_malformed). Returns as yard_udp_echo_start.
 */
int yard_udp_sockperf_start(uint16_t port);
/** Stop the service on port on the calling lcore. 0 or -ENOENT. */
int yard_udp_service_stop(uint16_t port);
/** Stop every service of the calling lcore. */
void yard_udp_services_stop_all(void);
/**
 * Let the service on port (calling lcore) receive what is sent to a multicast group (network
 * order) as well: T_IP_ADD_MEMBERSHIP on its endpoint, on the link the group's route goes
 * through (else the first). 0, -ENOENT (no service on port), -EINVAL (udp refused: not a
 * group, joined already, no link, tables full), or another -errno.
 */
int yard_udp_service_join(uint16_t port, uint32_t group);
/**
 * The same for one source (network order) of group: T_IP_ADD_SOURCE_MEMBERSHIP (SSM, RFC
 * 4607). Called again with another source, the membership takes that one too (up to 10).
 * 0, -ENOENT, -EINVAL (udp refused: also an any-source membership of the group already, the
 * source twice, or not a unicast address), or another -errno.
 */
int yard_udp_service_join_source(uint16_t port, uint32_t group, uint32_t source);
/** The XTI endpoint serving port on the calling lcore, -1 if none (tests, inspection). */
int yard_udp_service_fd(uint16_t port);

/** Sum the counters of a kind over lcore (-1: every lcore) into *out. */
void yard_udp_svc_stats_sum(enum yard_udp_svc_kind kind, int lcore,
			    struct yard_udp_svc_stats *out);
/** Fill d (fresh) with a dict of one kind's counters of lcore (-1: summed over lcores). */
int yard_udp_svc_tel_fill_kind(struct rte_tel_data *d, enum yard_udp_svc_kind kind, int lcore);
/** Fill d (fresh) with {"echo": {...}, "discard": {...}, "sockperf": {...}} of lcore (-1: all). */
int yard_udp_svc_tel_fill(struct rte_tel_data *d, int lcore);
/** A rte_telemetry_cb (e.g. "/yard/udp_services"): params empty or "<lcore>". */
int yard_udp_svc_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d);

#ifdef __cplusplus
}
#endif
#endif /* YARD_PROTOCOLS_UDP_SERVICES_H */
