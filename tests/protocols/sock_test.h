/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the socket suites (test_sockmod.c, test_socket.c, test_epoll.c): TCP sockets
 * brought to a state through the whole stack (tcp_test.h: the peer's segments crafted and
 * ours captured), and the udp stack (udp_test.h) for datagram sockets.
 */
#ifndef YARD_TEST_SOCK_TEST_H
#define YARD_TEST_SOCK_TEST_H

#include <protocols/socket/yard_socket.h>
#include <protocols/xti/xti.h>

#include "tcp_test.h"
#include "udp_test.h"

/* The peer's initial sequence number in the helpers' handshakes. */
#define ST_PEER_ISS 7000u

/* An AF_INET address: network-order address, host-order port. */
struct sockaddr_in st_sin(uint32_t addr, uint16_t port);
/* A stream socket connected to the peer (PEER_PORT); *snd_nxt: our next sequence number. */
int st_connected(uint32_t *snd_nxt);
/* A stream socket listening on port with backlog. */
int st_listener(uint16_t port, int backlog);
/* The peer connects to the listener's OUR_PORT from tt_fport (SYN, our SYN,ACK, ACK). */
void st_peer_connects(uint32_t peer_iss, uint32_t *our_iss);
/* st_peer_connects, then yard_accept: the connected socket. */
int st_accepted(int lfd, uint32_t peer_iss, uint32_t *our_iss);
/* Skip captured segments up to one with flags; false if none came. */
bool st_take_flags(struct tt_seg *s, uint8_t flags);
/* Close the TCP stack and check nothing leaked. */
void st_done(void);
/* A counter of the sockets library on every lcore, by name. */
uint64_t st_stat(const char *name);

#endif
