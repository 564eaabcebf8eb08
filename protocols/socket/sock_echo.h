/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Echo (RFC 862) over TCP and UDP on one port, written against the yard sockets API: the
 * example of a sockets application (docs/sockets.md shows it beside the same server in XTI).
 *
 * yard_sock_echo_start(port) on an lcore makes a listening TCP socket and a UDP socket on the
 * port (every local address), registers both with an epoll instance of the lcore, and adds a
 * poll hook that runs yard_epoll_wait(..., 0) each turn of the lcore's loop. Connections are
 * level triggered: each EPOLLIN echoes what came as it came (yard_recvfrom_mblk, then
 * yard_sendto_mblk: zero copy); a send refused by flow control keeps the message, stops
 * reading (EPOLLOUT only: the window closes) and resumes on EPOLLOUT. At the peer's release
 * the service closes, which releases after the data still queued. UDP datagrams go back to
 * their sender as they are.
 *
 * Call on the lcore that is to serve, after udp and tcp are plumbed there, from its set-up or
 * its loop (not from a STREAMS procedure). Counters are per lcore, readable from any thread.
 */
#ifndef YARD_PROTOCOLS_SOCKET_SOCK_ECHO_H
#define YARD_PROTOCOLS_SOCKET_SOCK_ECHO_H

#include <stdint.h>

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Connections one lcore serves at once (more are accepted and closed at once). */
#define YARD_SOCK_ECHO_CONN_MAX 512

/** Counters of the socket echo service on one lcore. */
struct yard_sock_echo_stats {
	uint64_t accepted;      /**< TCP connections accepted */
	uint64_t refused;       /**< ... closed at once: YARD_SOCK_ECHO_CONN_MAX reached */
	uint64_t closed;        /**< TCP connections closed */
	uint64_t resets;        /**< ... that ended with an error (reset) */
	uint64_t rx_bytes;      /**< bytes received (TCP and UDP) */
	uint64_t tx_bytes;      /**< bytes echoed */
	uint64_t flow_waits;    /**< sends refused by flow control (resumed on EPOLLOUT) */
	uint64_t datagrams;     /**< UDP datagrams echoed */
	uint64_t dgram_drops;   /**< UDP datagrams not echoed: the send failed */
} __rte_cache_aligned;

/**
 * Serve echo on port (host order), TCP and UDP, on the calling lcore.
 * @return 0, or -errno: -EALREADY (running on this lcore), -EADDRINUSE, or what
 * yard_socket/yard_bind/yard_epoll_create failed with.
 */
int yard_sock_echo_start(uint16_t port);
/** Stop the service on the calling lcore: close every socket and the epoll instance. */
void yard_sock_echo_stop_all(void);
/** Counters of lcore (-1: summed over lcores) into *out. */
void yard_sock_echo_stats(struct yard_sock_echo_stats *out, int lcore);
/** TCP connections open on the calling lcore. */
unsigned yard_sock_echo_conns(void);

#ifdef __cplusplus
}
#endif
#endif /* YARD_PROTOCOLS_SOCKET_SOCK_ECHO_H */
