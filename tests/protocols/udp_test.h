/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the transport suites (udp, timod, XTI): two ways to stand udp up, crafted
 * UDP datagrams with a checksum computed independently of the module's, and raw TPI calls.
 *
 *  - the whole stack: loop (capture) + arp, linked under ip (proto_test's pt_stack), and udp
 *    plumbed over ip with yard_udp_plumb(); frames go in with pt_inject() and come out with
 *    pt_take();
 *  - udp bare: a loop minor linked straight under udp, so the test plays ip: it injects
 *    datagrams as ip delivers them (M_DATA, b_rptr at the IPv4 header) and takes what udp
 *    sends ip (M_PROTO ip_unitdata_req + data, or M_CTL).
 */
#ifndef YARD_TEST_UDP_H
#define YARD_TEST_UDP_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>

#include <protocols/tihdr.h>
#include <protocols/udp.h>

#include "proto_test.h"

#define UT_FRAME_MAX 9100 /* a 9000-byte MTU frame */

/** The whole stack. */
struct ut_stack {
	struct pt_stack pt;
	struct yard_udp_plumbing up;
};

/** udp straight over a loop minor. */
struct ut_bare {
	struct stdata *udp;  /**< control stream */
	struct stdata *loop; /**< linked under udp */
	int minor;
	int muxid;
};

void ut_stack_open(struct ut_stack *s, uint32_t caps, uint16_t mtu);

/** The second link's address in ut_two_links (198.18.9.2/24). */
#define UT_ADDR_B PT_IPV4(198, 18, 9, 2)

/**
 * The stack of ut_stack_open() (link A: port 0, our address, link index 1) and a second link,
 * B (port 1, UT_ADDR_B/24, link index 2), groups routed out A, udp on both addresses with
 * their links' indexes (UDP_ADDR_ADD ua_ifindex).
 */
struct ut_two_links {
	struct pt_stack pt;
	struct pt_link b;
	struct yard_udp_plumbing up;
};

void ut_two_links_open(struct ut_two_links *t);
void ut_two_links_close(struct ut_two_links *t);
/** ut_stack_open() with the link on 802.1Q VLAN vlan. */
void ut_stack_open_vlan(struct ut_stack *s, uint32_t caps, uint16_t mtu, uint16_t vlan);
void ut_stack_close(struct ut_stack *s);
/** With capture on (hold: also LOOP_HOLD, so what udp sends waits and fills the loop). */
void ut_bare_open(struct ut_bare *b, bool hold);
void ut_bare_close(struct ut_bare *b);

/** A struct sockaddr_in (network-order address, host-order port). */
struct sockaddr_in ut_sin(uint32_t addr, uint16_t port);

/** The UDP checksum over pseudo-header + UDP header + data (udp points at the header). */
uint16_t ut_udp_cksum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t ulen);
/**
 * What ip does with IP_UNITDATA_L4CK (protocols/ip.h): asserts that the header's checksum
 * field holds the pseudo-header's sum, then completes the checksum in place, as ip (or a
 * port's TX offload) would.
 */
void ut_udp_l4ck_complete(uint32_t src, uint32_t dst, uint8_t *udp, size_t ulen);
/** A UDP header + dlen bytes of data (pattern if data NULL) with a correct checksum. */
size_t ut_udp(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
	      const uint8_t *data, size_t dlen);
/** Pattern byte i of test data. */
static inline uint8_t
ut_pat(size_t i)
{
	return (uint8_t)(i * 13 + 5);
}
/** IPv4 + UDP (as ip delivers it): returns its length. */
size_t ut_ipudp(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		const uint8_t *data, size_t dlen);
/** Ethernet + IPv4 + UDP from the peer to us: returns the frame length. */
size_t ut_frame(uint8_t *buf, uint16_t sport, uint16_t dport, const uint8_t *data, size_t dlen);

/** Inject bytes up a bare harness as a datagram from ip; returns the block injected. */
mblk_t *ut_bare_inject(struct ut_bare *b, const void *dgram, size_t len);
/** Inject a whole datagram (IPv4 header + body of blen bytes) to us as fragments of the MTU. */
void ut_inject_fragments(int minor, uint16_t id, const uint8_t *body, size_t blen,
			 uint16_t mtu);
/** Take captured fragments and reassemble the datagram's IP payload into body. */
size_t ut_take_datagram(int minor, uint8_t *body, size_t max, unsigned *nfrags,
			uint8_t *proto, uint32_t *src, uint32_t *dst);

/** Send a TPI primitive (ctl part only) down a stream: sth_putmsg's result. */
int ut_put(struct stdata *sd, const void *prim, size_t len, bool hipri);
/** Take the next message: control part into ctl (its length returned), data into data. */
int ut_get(struct stdata *sd, void *ctl, size_t cmax, void *data, size_t dmax, int *dlen);
/** The next T_UNITDATA_IND of sd: its data length (data in buf), the sender in *from;
 *  -EAGAIN for none. */
int ut_recv_dgram(struct stdata *sd, void *buf, size_t max, struct sockaddr_in *from);
/** T_BIND_REQ / O_T_BIND_REQ: 0, or the TLI error of the T_ERROR_ACK. *bound if not NULL. */
int ut_bind(struct stdata *sd, t_scalar_t prim, uint32_t addr, uint16_t port,
	    struct sockaddr_in *bound);
/** T_UNITDATA_REQ of len bytes: sth_putmsg's result. */
int ut_sendto(struct stdata *sd, uint32_t dst, uint16_t port, const void *data, size_t len);
/** The same with olen bytes of options (T_opthdr, value, ...) after the address. */
int ut_sendto_opts(struct stdata *sd, uint32_t dst, uint16_t port, const void *opt, size_t olen,
		   const void *data, size_t len);
/** T_INFO_REQ -> T_INFO_ACK. */
struct T_info_ack ut_info(struct stdata *sd);
/** UDP_GETSTATS on any udp stream. */
struct udpstat ut_udpstat(struct stdata *sd);
/** Open a udp endpoint (no timod). */
struct stdata *ut_ep_open(void);

#endif
