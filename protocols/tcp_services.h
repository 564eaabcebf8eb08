/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * TCP echo (RFC 862), discard (RFC 863) and an HTTP/1.1 responder, written against XTI's
 * connection-oriented calls: the example of an XTI TCP application (docs/tcp.md).
 *
 * Each service is a listening endpoint per lcore: yard_tcp_echo_start(port) on an lcore opens
 * "tcp" there, binds the port (every local address) with a backlog, and from then on runs
 * from the stream head's events (yard_t_set_notify): on T_LISTEN it takes every indication
 * and accepts each on a new endpoint; each connection runs from its own events. Echo sends
 * the received messages back as they are (yard_t_rcv_mblk, then yard_t_snd_mblk: zero copy);
 * when flow control refuses one it is kept, reading stops (the window closes) and T_GODATA
 * resumes it. Discard frees what it reads. When the peer releases, the service releases too
 * and closes the endpoint.
 *
 * HTTP: `GET /N` answers N bytes of the repeating pattern "abc...z" (text/plain) with
 * Content-Length; `GET /` the body given to yard_http_start(); HEAD the same headers without
 * a body; another path 404, another method 405, a malformed request (bad request line, a
 * header block over 8 KiB, Transfer-Encoding) 400 and the connection closes. Keep-alive as
 * HTTP/1.1 says (Connection: close honoured; HTTP/1.0 closes unless Connection: keep-alive);
 * pipelined requests are answered in order, the answers to what one read brought written
 * together.
 *
 * Endpoints are closed from a poll hook on the lcore, never from inside their own events
 * (xti.h forbids it). Call the functions on the lcore that is to serve, once tcp is plumbed
 * there (yard_tcp_plumb()), before its loop starts or from inside it (not from an XTI
 * callback). Counters are per lcore and per service kind, readable from any thread.
 */
#ifndef YARD_PROTOCOLS_TCP_SERVICES_H
#define YARD_PROTOCOLS_TCP_SERVICES_H

#include <stdint.h>

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_tel_data;

/** Listening services one lcore can run at once. */
#define YARD_TCP_SVC_MAX 8
/** Backlog (qlen) of each service's listener. */
#define YARD_TCP_SVC_BACKLOG 128
/** Connections one lcore serves at once (more are refused with a disconnection). */
#define YARD_TCP_SVC_CONN_MAX 768

/** Kinds of service. */
enum yard_tcp_svc_kind {
	YARD_TCP_SVC_ECHO = 0,    /**< RFC 862 */
	YARD_TCP_SVC_DISCARD = 1, /**< RFC 863 */
	YARD_TCP_SVC_HTTP = 2,    /**< HTTP/1.1 responder */
	YARD_TCP_SVC__COUNT
};

/** Counters of one kind of service on one lcore (plain increments, summed when read). */
struct yard_tcp_svc_stats {
	uint64_t accepted;       /**< connections accepted */
	uint64_t refused;        /**< indications refused (no connection slot, open failed) */
	uint64_t cancelled;      /**< indications the peer withdrew (reset) before accept */
	uint64_t closed;         /**< connections closed */
	uint64_t resets;         /**< connections that ended with a disconnection */
	uint64_t rx_bytes;       /**< data bytes received */
	uint64_t tx_bytes;       /**< data bytes sent (echoed, or HTTP headers and bodies) */
	uint64_t tx_flow_waits;  /**< sends refused by flow control (resumed on T_GODATA) */
	uint64_t tx_drops;       /**< data not sent: the send failed otherwise */
	uint64_t lingered;       /**< closed 5 s after our release without the peer's: tcp
				  *   finishes them as orphans (within [tcp] max_orphans) */
	uint64_t http_requests;  /**< requests answered */
	uint64_t http_2xx;       /**< ... with 200 */
	uint64_t http_4xx;       /**< ... with 400, 404 or 405 */
	uint64_t http_bad;       /**< ... of them malformed (400) */
} __rte_cache_aligned;

/**
 * Serve TCP echo on port (host order) on the calling lcore.
 * @return 0, -EADDRINUSE, -ENOSPC (YARD_TCP_SVC_MAX), -ENXIO (no "tcp" driver), -errno.
 */
int yard_tcp_echo_start(uint16_t port);
/** Serve TCP discard on port on the calling lcore. Returns as yard_tcp_echo_start(). */
int yard_tcp_discard_start(uint16_t port);
/**
 * Serve HTTP on port on the calling lcore; body (copied; NULL: empty) answers `GET /`.
 * Returns as yard_tcp_echo_start(), or -ENOMEM.
 */
int yard_http_start(uint16_t port, const char *body);
/** Stop the service on port on the calling lcore and close its connections. 0 or -ENOENT. */
int yard_tcp_service_stop(uint16_t port);
/** Stop every TCP service of the calling lcore and close every connection. */
void yard_tcp_services_stop_all(void);
/** The listening XTI endpoint of port on the calling lcore, -1 if none (tests). */
int yard_tcp_service_fd(uint16_t port);
/** Connections open on the calling lcore (all services). */
unsigned yard_tcp_service_conns(void);

/** Sum the counters of a kind over lcore (-1: every lcore) into *out. */
void yard_tcp_svc_stats_sum(enum yard_tcp_svc_kind kind, int lcore,
			    struct yard_tcp_svc_stats *out);
/** Fill d (fresh) with {"echo": {...}, "discard": {...}, "http": {...}} of lcore (-1: all). */
int yard_tcp_svc_tel_fill(struct rte_tel_data *d, int lcore);
/** A rte_telemetry_cb (e.g. "/yard/tcp_services"): params empty or "<lcore>". */
int yard_tcp_svc_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d);

#ifdef __cplusplus
}
#endif
#endif /* YARD_PROTOCOLS_TCP_SERVICES_H */
