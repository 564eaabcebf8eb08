/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * TCP clients: yard as the active opener, written against XTI's connection-oriented calls
 * (the counterpart of tcp_services.h). Four kinds, each running `conns` connections at once
 * to one address and port:
 *
 * - **source** sends a deterministic pattern ("abc...z" repeated; byte i is 'a' + i % 26,
 *   counted from the start of each connection) so the peer can hash it, then releases
 *   (t_sndrel) and waits for the peer's release. Anything the peer sends is read and freed.
 * - **sink** reads and frees until the peer releases, then releases.
 * - **rr** (request/response) sends a request of `size` bytes of the pattern, waits for a
 *   response of `size` bytes, counts a transaction and sends the next: one request
 *   outstanding per connection. Responses that differ from their request (an echo server
 *   answers the request itself) are counted in `rr_mismatch`. T_TCP_NODELAY is set.
 * - **crr** (connect, request/response, release: netperf's TCP_CRR, the connections-per-second
 *   test): each of the `conns` runs connection after connection, each making one rr
 *   transaction and then releasing (t_sndrel first, so the client side holds TIME-WAIT),
 *   until the amount is done. A connection ended by the peer's release after its response
 *   counts in `released`; the next opens at once from a new endpoint (its port tcp's choice:
 *   a 4-tuple free of TIME-WAIT or recycled, docs/tcp.md "Active opens and TIME-WAIT").
 *
 * The amount: `bytes` (per connection; for rr the request bytes, i.e. bytes / size
 * transactions; for crr the same, each transaction on its own connection, so bytes / size
 * connections per one of `conns`; for sink the bytes to read before releasing) or
 * `duration` (at the deadline a
 * source or rr connection stops sending and releases; a sink disconnects, as a reader cannot
 * release a stream it does not own; a connection not yet established is given up). The
 * client starts `delay_ms` after yard_tcp_client_start() and is over when every connection
 * has ended; `elapsed_us` runs from the first t_connect to the end of the last connection.
 *
 * A disconnection (T_DISCONNECT: refused, reset, timed out) ends that connection: it is
 * counted (`connect_failures` before it was established, `discons` after) and not retried,
 * so a source's bytes stay one pattern per connection (a crr's run of connections ends
 * there too, as does one whose next endpoint cannot be opened or connected). A connect that
 * tcp refuses TADDRBUSY (every ephemeral port's 4-tuple to the server is in TIME-WAIT) is
 * not an end: it is counted in `port_waits` and tried again a millisecond later. Flow control: a t_snd() refused with
 * TFLOW stops the connection until T_GODATA; nothing spins.
 *
 * Call the functions on the lcore that is to run the client, once tcp is plumbed there
 * (yard_tcp_plumb()), before its loop starts or from inside it (not from an XTI callback). The
 * return flow of an active open reaches the opening lcore by RSS (a source port whose hash
 * returns there) or, without RSS, by software steering (docs/tcp.md), so a client may run on
 * any lcore of the port. Counters are per client, written by its lcore only, readable from any
 * thread.
 */
#ifndef YARD_PROTOCOLS_TCP_CLIENTS_H
#define YARD_PROTOCOLS_TCP_CLIENTS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_tel_data;

/** Clients yard can run at once (over every lcore). */
#define YARD_TCP_CLIENT_MAX 16
/** Connections one client runs at once. */
#define YARD_TCP_CLIENT_CONNS_MAX 256
/** Largest rr request (and response). */
#define YARD_TCP_CLIENT_SIZE_MAX 65536
/** Room for a client's name, NUL included. */
#define YARD_TCP_CLIENT_NAMELEN 32

/** Kinds of client. */
enum yard_tcp_client_kind {
	YARD_TCP_CLIENT_SOURCE = 0, /**< send the pattern, release */
	YARD_TCP_CLIENT_SINK = 1,   /**< read until the peer releases */
	YARD_TCP_CLIENT_RR = 2,     /**< request/response, one outstanding */
	YARD_TCP_CLIENT_CRR = 3,    /**< a connection per request/response, again and again */
};

/** What a client does. */
struct yard_tcp_client_conf {
	char name[YARD_TCP_CLIENT_NAMELEN]; /**< unique among clients */
	enum yard_tcp_client_kind kind;
	uint32_t addr;        /**< the server, network order */
	uint16_t port;        /**< host order */
	uint64_t bytes;       /**< per connection; 0 when duration_ms is given */
	uint64_t duration_ms; /**< 0 when bytes is given */
	uint32_t conns;       /**< 1..YARD_TCP_CLIENT_CONNS_MAX */
	uint32_t size;        /**< rr and crr request size, 1..YARD_TCP_CLIENT_SIZE_MAX */
	uint32_t delay_ms;    /**< wait before connecting */
};

/** A client's counters (plain fields, written by its lcore only). */
struct yard_tcp_client_stats {
	uint64_t connects;         /**< connections asked for (t_connect) */
	uint64_t connected;        /**< connections established (t_rcvconnect) */
	uint64_t connect_failures; /**< refused, timed out or failed before being established */
	uint64_t refused;          /**< ... of them refused by the peer (ECONNREFUSED) */
	uint64_t discons;          /**< established connections ended by a disconnection */
	uint64_t released;         /**< connections ended by orderly release both ways */
	uint64_t aborted;          /**< sink connections disconnected at the deadline */
	uint64_t open_failures;    /**< endpoints that could not be opened, bound or connected */
	uint64_t tx_bytes;         /**< data bytes sent */
	uint64_t rx_bytes;         /**< data bytes received */
	uint64_t transactions;     /**< rr, crr: responses received whole */
	uint64_t rr_mismatch;      /**< rr, crr: responses that differ from their request */
	uint64_t flow_waits;       /**< sends refused by flow control (resumed on T_GODATA) */
	uint64_t port_waits;       /**< connects refused TADDRBUSY (every 4-tuple to the server in
				    *   TIME-WAIT), each tried again a millisecond later */
	uint64_t active;           /**< connections open now */
	uint64_t elapsed_us;       /**< first t_connect to the last end (so far, while running) */
	uint64_t done;             /**< 1 when every connection has ended */
} __rte_cache_aligned;

/**
 * Start a client on the calling lcore.
 * @return 0, -EINVAL (a bad conf), -EEXIST (the name is taken), -ENOSPC
 * (YARD_TCP_CLIENT_MAX), -ENOMEM, -errno.
 */
int yard_tcp_client_start(const struct yard_tcp_client_conf *conf);
/** Stop every client of the calling lcore (disconnecting what is still connected). */
void yard_tcp_clients_stop_all(void);
/** The counters of client name into *out; -ENOENT if there is none. */
int yard_tcp_client_stats(const char *name, struct yard_tcp_client_stats *out);
/** The name of kind ("source", "sink", "rr", "crr"). */
const char *yard_tcp_client_kind_name(enum yard_tcp_client_kind kind);
/** Fill d (fresh) with {"<name>": {"type": ..., counters...}, ...}. */
int yard_tcp_client_tel_fill(struct rte_tel_data *d);
/** A rte_telemetry_cb (e.g. "/yard/tcp_clients"): params empty or a client's name. */
int yard_tcp_client_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d);

#ifdef __cplusplus
}
#endif
#endif /* YARD_PROTOCOLS_TCP_CLIENTS_H */
