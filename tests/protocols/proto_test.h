/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the protocol suites: link streams (loop + arp) with their frames captured,
 * ip stacks built on them, crafted frames, and an Internet checksum written independently of
 * DPDK's so the tests check the modules against a second opinion.
 */
#ifndef YARD_TEST_PROTO_H
#define YARD_TEST_PROTO_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>

#include <protocols/arp.h>
#include <protocols/ip.h>
#include <streams/loop.h>

#include "yard_test.h"

/** An IPv4 address in network order (RTE_IPV4 shifts an int into its sign bit). */
#define PT_IPV4(a, b, c, d) \
	RTE_BE32((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/** Our side and the peer's, on 198.18.0.0/24 (the benchmarking range). */
extern const struct rte_ether_addr pt_mac_us, pt_mac_peer, pt_mac_bcast;
#define PT_ADDR_US   PT_IPV4(198, 18, 0, 2)
#define PT_ADDR_PEER PT_IPV4(198, 18, 0, 1)
#define PT_PREFIX    24

/** A link stream: loop with arp pushed, capturing what comes down. */
struct pt_link {
	struct stdata *sd;
	int minor;
	int muxid; /**< once linked under ip, else 0 */
};

/** An ip control stream with one link. */
struct pt_stack {
	struct stdata *ip;
	struct pt_link link;
};

/** I_STR on sd; returns sth_ioctl's result (>= 0 or -errno). */
int pt_istr(struct stdata *sd, int cmd, void *data, int len);
/** Open loop, push arp, capture, ARP_SETIF(port, caps, mtu) and drop the gratuitous ARP. */
void pt_link_open(struct pt_link *l, uint16_t port, uint32_t caps, uint16_t mtu);
/** pt_link_open() on VLAN vlan (ai_vlan; 0: untagged), the gratuitous ARP checked for its tag. */
void pt_link_open_vlan(struct pt_link *l, uint16_t port, uint32_t caps, uint16_t mtu,
		       uint16_t vlan);
void pt_link_close(struct pt_link *l);
/** A control stream with a link (caps, mtu), a static ARP entry for the peer, IP_IFADD. */
void pt_stack_open(struct pt_stack *s, uint32_t caps, uint16_t mtu);
/** pt_stack_open() with the link on 802.1Q VLAN vlan (0: untagged). */
void pt_stack_open_vlan(struct pt_stack *s, uint32_t caps, uint16_t mtu, uint16_t vlan);
void pt_stack_close(struct pt_stack *s);

/** Send len bytes up a minor as if received (with RX headroom). */
void pt_inject(int minor, const void *frame, size_t len);
/** The same with the mbuf's ol_flags set (RX offload verdicts). */
void pt_inject_flags(int minor, const void *frame, size_t len, uint64_t ol_flags);
/** pt_inject() as if the frame came from DPDK port `port` (the mbuf's port field). */
void pt_inject_port(int minor, const void *frame, size_t len, uint16_t port);
/** Take the next captured message flattened into buf (max bytes); 0 if none. Frees it. */
size_t pt_take(int minor, uint8_t *buf, size_t max);
/** Free every captured message; returns how many there were. */
unsigned pt_discard(int minor);
/** Run the scheduler (timers included) for about ms milliseconds. */
void pt_run_ms(unsigned ms);

/** RFC 1071 checksum, complemented (0 over data that includes a correct checksum). */
uint16_t pt_cksum(const void *data, size_t len);

/** Ethernet header; returns 14. */
size_t pt_eth(uint8_t *buf, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
	      uint16_t type);
/** A whole ARP frame (60 bytes) from the peer. */
size_t pt_arp(uint8_t *buf, const struct rte_ether_addr *eth_dst, uint16_t op,
	      const struct rte_ether_addr *sha, uint32_t sip, const struct rte_ether_addr *tha,
	      uint32_t tip);
/** IPv4 header (+ options) with a correct checksum in front of plen payload bytes. */
size_t pt_ipv4(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
	       uint16_t frag, uint8_t ttl, const uint8_t *opts, size_t optlen, size_t plen);
/** ICMP echo (type 8 or 0) with dlen pattern bytes, correct checksum; returns its length. */
size_t pt_icmp_echo(uint8_t *buf, uint8_t type, uint16_t id, uint16_t seq, size_t dlen);
/** Ethernet + IPv4 + ICMP echo request from the peer to dst; returns frame length. */
size_t pt_ping(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t id, uint16_t seq, size_t dlen);

/**
 * Assert that every message block and timer is back (call once everything is closed).
 * yt_teardown() checks the same, but Criterion 2.4 does not fail a test for what its .fini
 * reports, so each test asserts it in its own body too.
 */
void pt_assert_clean(void);

/** This instance's counters. */
struct arpstat pt_arpstat(struct stdata *sd);
struct ip_stats pt_ipstat(struct stdata *sd);

#endif
