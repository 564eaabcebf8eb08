/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the TCP suites (test_tcp.c, test_xti_cots.c): the stack loop (LOOP_CAPTURE) + arp +
 * ip + tcp, segments crafted as if from the peer (198.18.0.1) and injected, and the segments
 * tcp sends taken from the capture with their IPv4 and TCP checksums verified.
 */
#ifndef YARD_TEST_TCP_TEST_H
#define YARD_TEST_TCP_TEST_H

#include <stdbool.h>

#include <protocols/tcp.h>
#include <protocols/tcp_hdr.h>
#include <protocols/tihdr.h>

#include "proto_test.h"

#define PEER_PORT 40000
#define OUR_PORT  80

extern struct pt_stack tt_s;
extern struct yard_tcp_plumbing tt_p;
/* Ports of the crafted segments (ours: what an active open chose). */
extern uint16_t tt_lport, tt_fport;

struct tt_seg {
	uint8_t tos, ttl;       /* of its IPv4 header */
	uint16_t sport, dport;
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win;
	size_t dlen;
	uint8_t opts[40];
	size_t optlen;
	uint8_t data[1600];
};

/* Open the stack and plumb tcp with short timers (MSL 50 ms, RTO 100 ms). */
void tt_open(void);
void tt_close(void);
/* Inject a segment from the peer (checksummed), then run the scheduler. */
void tt_send(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const uint8_t *opts,
	     size_t optlen, const void *data, size_t dlen);
/* If set, tt_send calls it on the finished TCP header (checksum in place) to spoil it. */
extern void (*tt_mangle)(struct yard_tcphdr *th);
/* If set, tt_send hands it the frame (hdrlen: Ethernet, IPv4 and TCP headers) to inject. */
extern void (*tt_inject)(const uint8_t *frame, size_t len, size_t hdrlen);
/* The next segment tcp sent, checksums verified; false if none. */
bool tt_take(struct tt_seg *s);

/* tcp's counters (TCP_GETSTATS) and one endpoint's state (TCP_GETINFO). */
struct tcpstat tt_stats(void);
struct tcp_conninfo tt_info(struct stdata *ep);
/* putmsg of a control part, then run the scheduler. */
void tt_put(struct stdata *sd, const void *ctl, size_t len);
/* The next message's control part into buf: its primitive, -2 if plain data, -1 if none. */
t_scalar_t tt_get(struct stdata *sd, void *buf, size_t max, int *datalen);
/* The next message, which must be plain data, into buf: its length, -1 if none. */
int tt_getdata(struct stdata *sd, void *buf, size_t max);
/* An endpoint's ACCEPTOR_id (T_CAPABILITY_REQ), for a T_CONN_RES that names it. */
uint32_t tt_acceptor_id(struct stdata *ep);
/*
 * The peer (port tt_fport, ISS peer_iss, MSS 1460) opens a connection to the listener lsn,
 * accepted on a new endpoint: returned, ESTABLISHED; *iss our ISS.
 */
struct stdata *tt_accept_one(struct stdata *lsn, uint32_t peer_iss, uint32_t *iss);
/* The listener's next T_CONN_IND (from the peer's address) accepted on acc: T_OK_ACK. */
void tt_accept_ind(struct stdata *lsn, struct stdata *acc);
/* T_BIND_REQ to port (0: tcp chooses) with conind connection indications: the port bound. */
uint16_t tt_bind(struct stdata *ep, uint16_t port, unsigned conind);
/* The option of kind in a captured segment, NULL if absent. */
const uint8_t *tt_opt(const struct tt_seg *s, uint8_t kind);
/* A deterministic byte pattern. */
void tt_pattern(uint8_t *p, size_t len, uint32_t seed);

#endif
