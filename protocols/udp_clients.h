/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * UDP clients: load generators written against XTI's connectionless calls (the counterpart
 * of udp_services.h, and the UDP kin of tcp_clients.h). Two kinds, each running `conns`
 * endpoints at once, every one bound to an ephemeral port (t_bind with port 0) and sending
 * to one address and port:
 *
 * - **udp_rr** (request/response): each endpoint keeps one request of `size` bytes in flight.
 *   A request carries the endpoint's index (4 bytes, network order), a sequence number (4
 *   bytes) and the pattern ("abc...z": byte i of the datagram is 'a' + i % 26). The reply
 *   must come from the server's address and equal the request byte for byte (an echo server
 *   answers the request itself): it is `received` and its round trip timed, then the next
 *   request goes (after `interval_ms`). A reply of the request in flight that differs is
 *   `bad` and ends the round too; an intact reply to an earlier request is `late`; anything
 *   else is `bad` and the request stays in flight. No reply within `timeout_ms`: `lost`, and
 *   the next request goes. A datagram error indication (an ICMP error: t_rcvuderr) is counted
 *   in `errors` and ends the round in flight.
 * - **udp_source** sends datagrams of `size` bytes of the pattern as fast as flow control
 *   lets it: a t_sndudata() refused with TFLOW stops the endpoint until the stream head says
 *   T_GODATA (nothing is dropped for it, nothing spins). It sends at most a burst per pass of
 *   the lcore's loop, so a link that never pushes back does not starve the lcore.
 *
 * The amount: `bytes` per endpoint (udp_rr: rounds of `size` bytes until they cover it;
 * udp_source: exactly that many data bytes, the last datagram shorter) or `duration`. At the
 * deadline a udp_source endpoint stops; a udp_rr endpoint lets its request in flight finish
 * (reply, error or timeout). An endpoint done sending is closed once nothing it sent waits in
 * its stream any more (a close would free what flow control holds there); a send that finds
 * no message block is counted (`tx_nomem`) and tried again. The client starts `delay_ms` after
 * yard_udp_client_start() and is done when every endpoint has ended; `elapsed_us` runs from
 * its start to then.
 *
 * Call the functions on the lcore that is to run the client, once udp is plumbed there
 * (yard_udp_plumb()) and on every other lcore that will run udp: an ephemeral port is of
 * this lcore's share only while the number of udp instances stays what it was at the bind
 * (udp_steer.c). Before its loop starts or from inside it (not from an XTI callback).
 * With several udp instances, replies that reach another lcore are handed to this one by
 * udp's software steering of ephemeral ports (docs/xti.md, "Clients on several lcores").
 * Counters are per client, written by its lcore only, readable from any thread.
 */
#ifndef YARD_PROTOCOLS_UDP_CLIENTS_H
#define YARD_PROTOCOLS_UDP_CLIENTS_H

#include <stdint.h>

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_tel_data;

/** Clients yard can run at once (over every lcore). */
#define YARD_UDP_CLIENT_MAX 16
/** Endpoints one client runs at once. */
#define YARD_UDP_CLIENT_CONNS_MAX 256
/** Largest datagram: udp's TSDU (65,535 less the IP and UDP headers; sent as fragments). */
#define YARD_UDP_CLIENT_SIZE_MAX 65507
/** Smallest udp_rr request: the endpoint's index and the sequence number. */
#define YARD_UDP_CLIENT_RR_SIZE_MIN 8
/** udp_rr's reply timeout when the conf gives none. */
#define YARD_UDP_CLIENT_TIMEOUT_MS 1000
/** Room for a client's name, NUL included. */
#define YARD_UDP_CLIENT_NAMELEN 32

/** Kinds of client. */
enum yard_udp_client_kind {
	YARD_UDP_CLIENT_RR = 0,     /**< request/response, one request in flight per endpoint */
	YARD_UDP_CLIENT_SOURCE = 1, /**< send as fast as flow control allows */
};

/** What a client does. */
struct yard_udp_client_conf {
	char name[YARD_UDP_CLIENT_NAMELEN]; /**< unique among UDP clients */
	enum yard_udp_client_kind kind;
	uint32_t addr;        /**< the server, network order */
	uint16_t port;        /**< host order */
	uint64_t bytes;       /**< per endpoint; 0 when duration_ms is given */
	uint64_t duration_ms; /**< 0 when bytes is given */
	uint32_t conns;       /**< endpoints, 1..YARD_UDP_CLIENT_CONNS_MAX */
	uint32_t size;        /**< datagram size: 1 (udp_rr: 8)..YARD_UDP_CLIENT_SIZE_MAX */
	uint32_t delay_ms;    /**< wait before the first send */
	uint32_t timeout_ms;  /**< udp_rr: a request is lost after it; 0: the default */
	uint32_t interval_ms; /**< udp_rr: pause between an endpoint's rounds */
};

/** A client's counters (plain fields, written by its lcore only): udp/udp_clients.def. */
struct yard_udp_client_stats {
#define UDP_CLIENT_STAT(name, help) uint64_t name;
#include <protocols/udp/udp_clients.def>
#undef UDP_CLIENT_STAT
} __rte_cache_aligned;

/**
 * Start a client on the calling lcore.
 * @return 0, -EINVAL (a bad conf), -EEXIST (the name is taken), -ENOSPC
 * (YARD_UDP_CLIENT_MAX), -ENOMEM, -errno (an endpoint could not be opened or bound).
 */
int yard_udp_client_start(const struct yard_udp_client_conf *conf);
/** Stop every UDP client of the calling lcore, closing its endpoints (what they still hold
 * queued is freed and counted in tx_discarded, in the line logged). */
void yard_udp_clients_stop_all(void);
/** The counters of client name into *out; -ENOENT if there is none. */
int yard_udp_client_stats(const char *name, struct yard_udp_client_stats *out);
/** The name of kind ("udp_rr", "udp_source"). */
const char *yard_udp_client_kind_name(enum yard_udp_client_kind kind);
/** Fill d (fresh) with {"<name>": {"type": ..., counters..., "rtt_avg_us": ...}, ...}. */
int yard_udp_client_tel_fill(struct rte_tel_data *d);
/** A rte_telemetry_cb (e.g. "/yard/udp_clients"): params empty or a client's name. */
int yard_udp_client_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d);

#ifdef __cplusplus
}
#endif
#endif /* YARD_PROTOCOLS_UDP_CLIENTS_H */
