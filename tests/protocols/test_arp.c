/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The arp module through the loop-back driver: crafted frames injected up, what it sends down
 * captured and checked byte by byte.
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_telemetry.h>

#include "proto_test.h"

#include <criterion/parameterized.h>

TestSuite(arp, .init = yt_setup, .fini = yt_teardown);

#define PEER2 PT_IPV4(198, 18, 0, 9)

/* An IPv4 packet for the write side of arp, as ip sends it: next hop set, headroom left. */
static mblk_t *
ipv4_down(uint32_t nexthop, size_t plen, size_t headroom)
{
	mblk_t *mp = yard_allocb_hr(20 + plen, headroom);

	cr_assert_not_null(mp);
	mp->b_wptr += pt_ipv4(mp->b_wptr, PT_ADDR_US, nexthop, 17, 1, 0, 64, NULL, 0, plen);
	memset(mp->b_wptr, 0xab, plen);
	mp->b_wptr += plen;
	yard_nexthop_set(mp, nexthop);
	return mp;
}

static void
send_down(struct pt_link *l, mblk_t *mp)
{
	cr_assert_eq(sth_putmsg_mblk(l->sd, mp), 0);
	yt_drain();
}

static int
arp_get(struct pt_link *l, uint32_t addr, struct arp_entry *out)
{
	memset(out, 0, sizeof(*out));
	out->ae_addr = addr;
	return pt_istr(l->sd, ARP_GET, out, sizeof(*out));
}

/* Check a captured ARP frame field by field. */
static void
check_arp(const uint8_t *f, size_t n, const struct rte_ether_addr *eth_dst, uint16_t op,
	  uint32_t sip, const struct rte_ether_addr *tha, uint32_t tip)
{
	cr_assert_eq(n, 60, "ARP frames are padded to 60 bytes, got %zu", n);
	cr_assert_arr_eq(f, eth_dst, 6);
	cr_assert_arr_eq(f + 6, &pt_mac_us, 6);
	cr_assert_eq(f[12], 0x08);
	cr_assert_eq(f[13], 0x06);
	cr_assert_eq(f[14], 0x00);
	cr_assert_eq(f[15], 0x01, "htype Ethernet");
	cr_assert_eq(f[16], 0x08);
	cr_assert_eq(f[17], 0x00, "ptype IPv4");
	cr_assert_eq(f[18], 6);
	cr_assert_eq(f[19], 4);
	cr_assert_eq(f[20], 0);
	cr_assert_eq(f[21], op);
	cr_assert_arr_eq(f + 22, &pt_mac_us, 6, "sender MAC");
	cr_assert_arr_eq(f + 28, &sip, 4, "sender IP");
	cr_assert_arr_eq(f + 32, tha, 6, "target MAC");
	cr_assert_arr_eq(f + 38, &tip, 4, "target IP");
	for (size_t i = 42; i < 60; i++)
		cr_assert_eq(f[i], 0, "padding is zero");
}

YT_TEST(arp, answers_a_request_for_our_address)
{
	static const struct rte_ether_addr zero;
	struct pt_link l;
	uint8_t f[128];
	struct arpstat st;
	struct arp_entry ae;
	size_t n;

	pt_link_open(&l, 0, 0, 1500);
	n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &pt_mac_peer, PT_ADDR_PEER, &zero,
		   PT_ADDR_US);
	pt_inject(l.minor, f, n);
	n = pt_take(l.minor, f, sizeof(f));
	check_arp(f, n, &pt_mac_peer, RTE_ARP_OP_REPLY, PT_ADDR_US, &pt_mac_peer, PT_ADDR_PEER);
	cr_assert_eq(pt_take(l.minor, f, sizeof(f)), 0, "exactly one answer");
	st = pt_arpstat(l.sd);
	cr_assert_eq(st.arps_rx_requests_for_us, 1);
	cr_assert_eq(st.arps_tx_replies, 1);
	cr_assert_eq(st.arps_entries_learned, 1, "the asker is learned (RFC 826)");
	cr_assert_eq(arp_get(&l, PT_ADDR_PEER, &ae), 0);
	cr_assert_eq(ae.ae_state, ARP_STATE_REACHABLE);
	cr_assert_arr_eq(&ae.ae_mac, &pt_mac_peer, 6);
	pt_link_close(&l);
	pt_assert_clean();
}

YT_TEST(arp, ignores_a_request_for_another_host_but_merges_a_known_sender)
{
	static const struct rte_ether_addr zero;
	static const struct rte_ether_addr newmac = { .addr_bytes = { 2, 0, 0, 0, 0, 0x77 } };
	struct arp_entry ae;
	struct pt_link l;
	uint8_t f[128];
	size_t n;

	pt_link_open(&l, 0, 0, 1500);
	n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &pt_mac_peer, PT_ADDR_PEER, &zero, PEER2);
	pt_inject(l.minor, f, n);
	cr_assert_eq(pt_take(l.minor, f, sizeof(f)), 0, "no answer for another host");
	cr_assert_eq(arp_get(&l, PT_ADDR_PEER, &ae), -ENOENT, "not learned: we are not the target");
	cr_assert_eq(pt_arpstat(l.sd).arps_drop_not_target, 1);
	/* Once known, the sender is merged whoever the target. */
	n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &pt_mac_peer, PT_ADDR_PEER, &zero,
		   PT_ADDR_US);
	pt_inject(l.minor, f, n);
	(void)pt_discard(l.minor);
	n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &newmac, PT_ADDR_PEER, &zero, PEER2);
	pt_inject(l.minor, f, n);
	cr_assert_eq(arp_get(&l, PT_ADDR_PEER, &ae), 0);
	cr_assert_arr_eq(&ae.ae_mac, &newmac, 6, "the new MAC was merged");
	pt_link_close(&l);
	pt_assert_clean();
}

YT_TEST(arp, sends_a_gratuitous_arp_at_setif_and_on_request)
{
	static const struct rte_ether_addr zero;
	struct arp_ifreq ifr = {
		.ai_mac = pt_mac_us, .ai_port = 3, .ai_addr = PT_ADDR_US,
		.ai_prefix = PT_PREFIX, .ai_mtu = 1500,
	};
	struct stdata *sd;
	uint8_t f[128];
	int one = 1, minor;
	size_t n;

	pt_assert_clean(); /* records the timer baseline */
	cr_assert_eq(sth_open("loop", 0, &sd), 0);
	minor = yard_loop_minor(sd);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)ARP_MODNAME), 0);
	cr_assert_geq(pt_istr(sd, LOOP_CAPTURE, &one, sizeof(one)), 0);
	cr_assert_eq(pt_istr(sd, ARP_GRATUITOUS, NULL, 0), -EINVAL, "nothing to announce yet");
	cr_assert_geq(pt_istr(sd, ARP_SETIF, &ifr, sizeof(ifr)), 0);
	yt_drain();
	n = pt_take(minor, f, sizeof(f));
	/* RFC 5227 section 3: a broadcast request with sender and target both our address. */
	check_arp(f, n, &pt_mac_bcast, RTE_ARP_OP_REQUEST, PT_ADDR_US, &zero, PT_ADDR_US);
	cr_assert_geq(pt_istr(sd, ARP_GRATUITOUS, NULL, 0), 0);
	yt_drain();
	n = pt_take(minor, f, sizeof(f));
	check_arp(f, n, &pt_mac_bcast, RTE_ARP_OP_REQUEST, PT_ADDR_US, &zero, PT_ADDR_US);
	cr_assert_eq(pt_arpstat(sd).arps_tx_gratuitous, 2);
	cr_assert_eq(sth_close(sd), 0);
	pt_assert_clean();
}

YT_TEST(arp, rejects_a_bad_interface)
{
	struct arp_ifreq ifr = {
		.ai_mac = pt_mac_bcast, .ai_addr = PT_ADDR_US, .ai_prefix = 24, .ai_mtu = 1500,
	};
	struct pt_link l;

	pt_link_open(&l, 0, 0, 1500);
	cr_assert_eq(pt_istr(l.sd, ARP_SETIF, &ifr, sizeof(ifr)), -EINVAL, "multicast MAC");
	ifr.ai_mac = pt_mac_us;
	ifr.ai_port = ARP_MAX_PORTS;
	cr_assert_eq(pt_istr(l.sd, ARP_SETIF, &ifr, sizeof(ifr)), -EINVAL, "port out of range");
	ifr.ai_port = 0;
	ifr.ai_mtu = 60;
	cr_assert_eq(pt_istr(l.sd, ARP_SETIF, &ifr, sizeof(ifr)), -EINVAL, "MTU below 68");
	pt_link_close(&l);
	pt_assert_clean();
}

YT_TEST(arp, holds_packets_until_the_reply_then_sends_them)
{
	static const struct rte_ether_addr zero;
	struct pt_link l;
	uint8_t f[256];
	struct arpstat st;
	size_t n;

	pt_link_open(&l, 0, 0, 1500);
	send_down(&l, ipv4_down(PT_ADDR_PEER, 30, 64));
	send_down(&l, ipv4_down(PT_ADDR_PEER, 31, 64));
	n = pt_take(l.minor, f, sizeof(f));
	check_arp(f, n, &pt_mac_bcast, RTE_ARP_OP_REQUEST, PT_ADDR_US, &zero, PT_ADDR_PEER);
	cr_assert_eq(pt_take(l.minor, f, sizeof(f)), 0, "one request for two packets");
	n = pt_arp(f, &pt_mac_us, RTE_ARP_OP_REPLY, &pt_mac_peer, PT_ADDR_PEER, &pt_mac_us,
		   PT_ADDR_US);
	pt_inject(l.minor, f, n);
	for (size_t plen = 30; plen <= 31; plen++) {
		n = pt_take(l.minor, f, sizeof(f));
		cr_assert_eq(n, 14 + 20 + plen, "held packet %zu sent, in order", plen);
		cr_assert_arr_eq(f, &pt_mac_peer, 6);
		cr_assert_arr_eq(f + 6, &pt_mac_us, 6);
		cr_assert_eq(f[12], 0x08);
		cr_assert_eq(f[13], 0x00);
		cr_assert_eq(f[14], 0x45);
		cr_assert_eq(f[14 + 20], 0xab);
	}
	st = pt_arpstat(l.sd);
	cr_assert_eq(st.arps_tx_held, 2);
	cr_assert_eq(st.arps_tx_held_sent, 2);
	cr_assert_eq(st.arps_tx_requests, 1);
	/* Resolved now: the next packet goes at once. */
	send_down(&l, ipv4_down(PT_ADDR_PEER, 10, 64));
	n = pt_take(l.minor, f, sizeof(f));
	cr_assert_eq(n, 14 + 30);
	cr_assert_eq(pt_arpstat(l.sd).arps_tx_hdr_block, 0, "the header went into the headroom");
	pt_link_close(&l);
	pt_assert_clean();
}

YT_TEST(arp, bounds_what_it_holds)
{
	struct arp_param p = { .ap_max_hold = 2, .ap_max_hold_total = 3 };
	struct pt_link l;
	struct arpstat st;

	pt_link_open(&l, 0, 0, 1500);
	cr_assert_geq(pt_istr(l.sd, ARP_SETPARAM, &p, sizeof(p)), 0);
	cr_assert_eq(p.ap_max_hold, 2, "the answer holds the values in force");
	cr_assert_eq(p.ap_max_entries, 1024, "untouched fields keep their defaults");
	for (int i = 0; i < 4; i++)
		send_down(&l, ipv4_down(PT_ADDR_PEER, 8, 64));
	for (int i = 0; i < 3; i++)
		send_down(&l, ipv4_down(PEER2, 8, 64));
	st = pt_arpstat(l.sd);
	cr_assert_eq(st.arps_tx_held, 3);
	cr_assert_eq(st.arps_drop_hold_overflow, 2, "two beyond the per-entry bound");
	cr_assert_eq(st.arps_drop_hold_total, 2, "two beyond the instance bound");
	cr_assert_eq(pt_discard(l.minor), 2, "one request per next hop");
	pt_link_close(&l); /* held packets are freed at close: the leak check sees them */
	pt_assert_clean();
}

YT_TEST(arp, retries_then_drops_held_packets_when_nobody_answers)
{
	static const struct rte_ether_addr zero;
	struct arp_param p = { .ap_retries = 2, .ap_retry_ms = 10 };
	struct arp_entry ae;
	struct pt_link l;
	uint8_t f[128];
	struct arpstat st;
	unsigned requests = 0;
	size_t n;

	pt_link_open(&l, 0, 0, 1500);
	cr_assert_geq(pt_istr(l.sd, ARP_SETPARAM, &p, sizeof(p)), 0);
	send_down(&l, ipv4_down(PT_ADDR_PEER, 8, 64));
	cr_assert_eq(arp_get(&l, PT_ADDR_PEER, &ae), 0);
	cr_assert_eq(ae.ae_state, ARP_STATE_INCOMPLETE);
	cr_assert_eq(ae.ae_held, 1);
	pt_run_ms(120);
	while ((n = pt_take(l.minor, f, sizeof(f))) != 0) {
		check_arp(f, n, &pt_mac_bcast, RTE_ARP_OP_REQUEST, PT_ADDR_US, &zero, PT_ADDR_PEER);
		requests++;
	}
	cr_assert_eq(requests, 3, "the first request and two retries, got %u", requests);
	st = pt_arpstat(l.sd);
	cr_assert_eq(st.arps_drop_resolve_failed, 1);
	cr_assert_eq(st.arps_entries_failed, 1);
	cr_assert_eq(arp_get(&l, PT_ADDR_PEER, &ae), -ENOENT);
	pt_link_close(&l);
	pt_assert_clean();
}

YT_TEST(arp, ages_entries_to_stale_then_removes_them)
{
	static const struct rte_ether_addr zero;
	struct arp_param p = { .ap_timeout_ms = 100 };
	struct arp_entry ae;
	struct pt_link l;
	uint8_t f[128];
	size_t n;

	pt_link_open(&l, 0, 0, 1500);
	cr_assert_geq(pt_istr(l.sd, ARP_SETPARAM, &p, sizeof(p)), 0);
	n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &pt_mac_peer, PT_ADDR_PEER, &zero,
		   PT_ADDR_US);
	pt_inject(l.minor, f, n);
	(void)pt_discard(l.minor);
	cr_assert_eq(arp_get(&l, PT_ADDR_PEER, &ae), 0);
	cr_assert_eq(ae.ae_state, ARP_STATE_REACHABLE);
	pt_run_ms(130);
	cr_assert_eq(arp_get(&l, PT_ADDR_PEER, &ae), 0);
	cr_assert_eq(ae.ae_state, ARP_STATE_STALE, "stale after the reachable time");
	cr_assert_eq(pt_arpstat(l.sd).arps_entries_stale, 1);
	/* A stale entry still carries traffic, and asks its MAC whether it holds. */
	send_down(&l, ipv4_down(PT_ADDR_PEER, 8, 64));
	n = pt_take(l.minor, f, sizeof(f));
	check_arp(f, n, &pt_mac_peer, RTE_ARP_OP_REQUEST, PT_ADDR_US, &zero, PT_ADDR_PEER);
	n = pt_take(l.minor, f, sizeof(f));
	cr_assert_eq(n, 14 + 28, "the packet went to the stale MAC");
	cr_assert_arr_eq(f, &pt_mac_peer, 6);
	pt_run_ms(120);
	cr_assert_eq(arp_get(&l, PT_ADDR_PEER, &ae), -ENOENT, "removed after another timeout");
	cr_assert_eq(pt_arpstat(l.sd).arps_entries_expired, 1);
	pt_link_close(&l);
	pt_assert_clean();
}

/* A request from addr (MAC mac) for our address: arp learns the sender; its reply is dropped. */
static void
learn_from(struct pt_link *l, uint32_t addr)
{
	static const struct rte_ether_addr zero;
	struct rte_ether_addr mac = pt_mac_peer;
	uint8_t f[128];
	size_t n;

	mac.addr_bytes[5] = (uint8_t)(addr >> 24);
	n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &mac, addr, &zero, PT_ADDR_US);
	pt_inject(l->minor, f, n);
	(void)pt_discard(l->minor);
}

/*
 * A full table: a new neighbour takes the place of the STALE entry confirmed longest ago
 * (entries_evicted); with no STALE entry a packet to an unknown neighbour is dropped and
 * counted (drop_table_full), no request sent. ARP_FLUSH empties what was learned and keeps
 * the static entries, and the table takes new neighbours again.
 */
YT_TEST(arp, evicts_the_oldest_stale_entry_when_full_and_flush_keeps_static_ones)
{
	static const struct rte_ether_addr zero;
	struct arp_param p = { .ap_timeout_ms = 500, .ap_max_entries = 4 };
	struct arp_entry st = { .ae_addr = PT_IPV4(198, 18, 0, 99), .ae_mac = pt_mac_peer };
	struct arp_entry ae;
	struct arpstat as;
	struct pt_link l;
	uint8_t f[128];
	size_t n;

	pt_link_open(&l, 0, 0, 1500);
	cr_assert_geq(pt_istr(l.sd, ARP_SETPARAM, &p, sizeof(p)), 0);
	cr_assert_geq(pt_istr(l.sd, ARP_ADD, &st, sizeof(st)), 0);
	for (uint8_t h = 10; h <= 12; h++)
		learn_from(&l, PT_IPV4(198, 18, 0, h));
	pt_run_ms(550); /* the three learned are STALE now */
	cr_assert_eq(arp_get(&l, PT_IPV4(198, 18, 0, 10), &ae), 0);
	cr_assert_eq(ae.ae_state, ARP_STATE_STALE);
	/* each new one takes the oldest stale one's place, in the order they were confirmed */
	for (uint8_t h = 13; h <= 15; h++) {
		learn_from(&l, PT_IPV4(198, 18, 0, h));
		cr_assert_eq(arp_get(&l, PT_IPV4(198, 18, 0, h - 3), &ae), -ENOENT,
			     ".%u evicted for .%u", h - 3, h);
		cr_assert_eq(arp_get(&l, PT_IPV4(198, 18, 0, h), &ae), 0);
		cr_assert_eq(ae.ae_state, ARP_STATE_REACHABLE);
	}
	as = pt_arpstat(l.sd);
	cr_assert_eq(as.arps_entries_evicted, 3);
	cr_assert_eq(arp_get(&l, st.ae_addr, &ae), 0, "the static entry is never evicted");
	/* full, nothing stale: a packet to a new neighbour is dropped, no request goes */
	send_down(&l, ipv4_down(PT_IPV4(198, 18, 0, 16), 8, 64));
	cr_assert_eq(pt_take(l.minor, f, sizeof(f)), 0, "no request");
	cr_assert_eq(pt_arpstat(l.sd).arps_drop_table_full, 1);
	/* ARP_FLUSH: the learned go, the static one stays, and there is room again */
	cr_assert_geq(pt_istr(l.sd, ARP_FLUSH, NULL, 0), 0);
	for (uint8_t h = 13; h <= 15; h++)
		cr_assert_eq(arp_get(&l, PT_IPV4(198, 18, 0, h), &ae), -ENOENT);
	cr_assert_eq(arp_get(&l, st.ae_addr, &ae), 0);
	cr_assert_eq(ae.ae_state, ARP_STATE_STATIC);
	send_down(&l, ipv4_down(PT_IPV4(198, 18, 0, 16), 8, 64));
	n = pt_take(l.minor, f, sizeof(f));
	check_arp(f, n, &pt_mac_bcast, RTE_ARP_OP_REQUEST, PT_ADDR_US, &zero,
		  PT_IPV4(198, 18, 0, 16));
	pt_link_close(&l);
	pt_assert_clean();
}

YT_TEST(arp, keeps_static_entries_and_deletes_on_request)
{
	static const struct rte_ether_addr zero, other = { .addr_bytes = { 2, 0, 0, 0, 0, 0x55 } };
	struct arp_param p = { .ap_timeout_ms = 10 };
	struct arp_entry ae = { .ae_addr = PT_ADDR_PEER, .ae_mac = pt_mac_peer };
	struct pt_link l;
	uint8_t f[128];
	size_t n;

	pt_link_open(&l, 0, 0, 1500);
	cr_assert_geq(pt_istr(l.sd, ARP_SETPARAM, &p, sizeof(p)), 0);
	cr_assert_geq(pt_istr(l.sd, ARP_ADD, &ae, sizeof(ae)), 0);
	n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &other, PT_ADDR_PEER, &zero, PT_ADDR_US);
	pt_inject(l.minor, f, n);
	(void)pt_discard(l.minor);
	pt_run_ms(30);
	cr_assert_eq(arp_get(&l, PT_ADDR_PEER, &ae), 0);
	cr_assert_eq(ae.ae_state, ARP_STATE_STATIC, "never aged");
	cr_assert_arr_eq(&ae.ae_mac, &pt_mac_peer, 6, "never overwritten from the wire");
	cr_assert_geq(pt_istr(l.sd, ARP_DEL, &ae, sizeof(ae)), 0);
	cr_assert_eq(arp_get(&l, PT_ADDR_PEER, &ae), -ENOENT);
	cr_assert_eq(pt_istr(l.sd, ARP_DEL, &ae, sizeof(ae)), -ENOENT);
	pt_link_close(&l);
	pt_assert_clean();
}

/* ---- malformed frames: each dropped and counted by its reason ----------------------------- */

enum bad_kind {
	BAD_SHORT, BAD_HW, BAD_PROTO, BAD_HLEN, BAD_TRUNCATED, BAD_OP, BAD_SENDER_MAC,
	BAD_SENDER_IP, BAD_NOT_FOR_US, BAD_IPV6, BAD_VLAN, BAD_OTHER, BAD_DUP_ADDR,
};

struct bad_case {
	enum bad_kind kind;
	unsigned counter; /* ARPS_* */
};

static size_t
bad_frame(enum bad_kind kind, uint8_t *f)
{
	static const struct rte_ether_addr zero, other = { .addr_bytes = { 2, 9, 9, 9, 9, 9 } };
	size_t n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &pt_mac_peer, PT_ADDR_PEER, &zero,
			  PT_ADDR_US);
	uint32_t bcast = PT_IPV4(255, 255, 255, 255);

	switch (kind) {
	case BAD_SHORT:
		return 10;
	case BAD_HW:
		f[15] = 6;
		break;
	case BAD_PROTO:
		f[16] = 0x86, f[17] = 0xdd;
		break;
	case BAD_HLEN:
		f[18] = 5;
		break;
	case BAD_TRUNCATED:
		return 14 + 20;
	case BAD_OP:
		f[21] = 3;
		break;
	case BAD_SENDER_MAC:
		memcpy(f + 22, &pt_mac_bcast, 6);
		break;
	case BAD_SENDER_IP:
		memcpy(f + 28, &bcast, 4);
		break;
	case BAD_NOT_FOR_US:
		memcpy(f, &other, 6);
		break;
	case BAD_IPV6:
		f[12] = 0x86, f[13] = 0xdd;
		break;
	case BAD_VLAN:
		f[12] = 0x81, f[13] = 0x00;
		break;
	case BAD_OTHER:
		f[12] = 0x88, f[13] = 0xcc;
		break;
	case BAD_DUP_ADDR:
		n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &other, PT_ADDR_US, &zero, PEER2);
		break;
	}
	return n;
}

ParameterizedTestParameters(arp, drops_and_counts_a_malformed_frame)
{
	static struct bad_case cases[] = {
		{ BAD_SHORT, ARPS_drop_short },
		{ BAD_HW, ARPS_drop_bad_hw },
		{ BAD_PROTO, ARPS_drop_bad_proto },
		{ BAD_HLEN, ARPS_drop_bad_len },
		{ BAD_TRUNCATED, ARPS_drop_bad_len },
		{ BAD_OP, ARPS_drop_bad_op },
		{ BAD_SENDER_MAC, ARPS_drop_bad_sender },
		{ BAD_SENDER_IP, ARPS_drop_bad_sender },
		{ BAD_NOT_FOR_US, ARPS_drop_not_for_us },
		{ BAD_IPV6, ARPS_drop_ipv6 },
		{ BAD_VLAN, ARPS_drop_vlan },
		{ BAD_OTHER, ARPS_drop_other_type },
	};

	return cr_make_param_array(struct bad_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bad_case *c, arp, drops_and_counts_a_malformed_frame)
{
	static const struct rte_ether_addr zero;
	struct pt_link l;
	struct arpstat st;
	uint8_t f[128];
	uint64_t *v;
	size_t n;

	pt_link_open(&l, 0, 0, 1500);
	n = bad_frame(c->kind, f);
	pt_inject(l.minor, f, n);
	st = pt_arpstat(l.sd);
	v = (uint64_t *)&st;
	cr_assert_eq(v[c->counter], 1, "%s counted once", arpstat_name(c->counter));
	cr_assert_eq(st.arps_rx_frames, 1);
	cr_assert_eq(st.arps_tx_replies, 0, "nothing answered");
	cr_assert_eq(pt_take(l.minor, f, sizeof(f)), 0, "nothing sent");
	cr_assert_eq(st.arps_entries_learned, 0, "nothing learned");
	/* And a good request is still answered. */
	n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &pt_mac_peer, PT_ADDR_PEER, &zero,
		   PT_ADDR_US);
	pt_inject(l.minor, f, n);
	n = pt_take(l.minor, f, sizeof(f));
	check_arp(f, n, &pt_mac_peer, RTE_ARP_OP_REPLY, PT_ADDR_US, &pt_mac_peer, PT_ADDR_PEER);
	pt_link_close(&l);
	pt_assert_clean();
}

YT_TEST(arp, passes_ipv4_up_without_its_ethernet_header)
{
	struct pt_link l;
	uint8_t f[128];
	mblk_t *mp;
	size_t n;

	pt_link_open(&l, 0, 0, 1500);
	n = pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 1, 1, 16);
	pt_inject(l.minor, f, n);
	cr_assert_eq(sth_getmsg_mblk(l.sd, &mp), 0, "the IPv4 packet reached the stream head");
	cr_assert_eq(DB_TYPE(mp), M_DATA);
	cr_assert_eq(msgdsize(mp), n - 14);
	cr_assert_arr_eq(mp->b_rptr, f + 14, n - 14, "b_rptr at the IPv4 header, bytes intact");
	cr_assert_geq(MBLKHEAD(mp), 14, "stripped in place: the header's room is still there");
	freemsg(mp);
	cr_assert_eq(pt_arpstat(l.sd).arps_rx_ipv4, 1);
	pt_link_close(&l);
	pt_assert_clean();
}

/* A frame of len bytes as a driver hands it up, with RX offload flags and a VLAN TCI. */
static mblk_t *
rx_frame(const uint8_t *f, size_t len, uint64_t ol_flags, uint16_t tci)
{
	mblk_t *mp = yard_allocb_hr(len, RTE_PKTMBUF_HEADROOM);

	cr_assert_not_null(mp);
	memcpy(mp->b_wptr, f, len);
	mp->b_wptr += len;
	yard_mblk_mbuf(mp)->ol_flags |= ol_flags;
	yard_mblk_mbuf(mp)->vlan_tci = tci;
	return mp;
}

/* An M_PROTO a driver sends up (a DLPI indication, say): not arp's, it passes. */
static mblk_t *
ctl_msg_up(void)
{
	mblk_t *mp = allocb(sizeof(uint32_t), BPRI_MED);
	uint32_t prim = 0x7777;

	cr_assert_not_null(mp);
	DB_TYPE(mp) = M_PROTO;
	memcpy(mp->b_wptr, &prim, sizeof(prim));
	mp->b_wptr += sizeof(prim);
	return mp;
}

YT_TEST(arp, classifies_a_mixed_burst_frame_by_frame_and_keeps_its_order)
{
	static const struct rte_ether_addr zero, other = { .addr_bytes = { 2, 9, 9, 9, 9, 9 } };
	struct pt_link l;
	uint8_t f[4][128], b[128];
	size_t len[4], n;
	mblk_t *v[11], *mp;
	struct arpstat st;
	unsigned nv = 0;

	pt_link_open(&l, 0, 0, 1500);
	for (unsigned i = 0; i < 4; i++)
		len[i] = pt_ping(f[i], PT_ADDR_PEER, PT_ADDR_US, 1, (uint16_t)i, 16);
	memcpy(f[1], &pt_mac_bcast, 6);
	v[nv++] = rx_frame(f[0], len[0], 0, 0);                         /* up: to our MAC */
	v[nv++] = rx_frame(f[1], len[1], 0, 0);                         /* up: broadcast */
	n = pt_ping(b, PT_ADDR_PEER, PT_ADDR_US, 1, 9, 16);
	memcpy(b, &other, 6);
	v[nv++] = rx_frame(b, n, 0, 0);                                 /* not for us */
	v[nv++] = rx_frame(b, 10, 0, 0);                                /* short */
	v[nv++] = rx_frame(f[0], len[0], RTE_MBUF_F_RX_VLAN_STRIPPED, 5); /* VLAN 5 */
	v[nv++] = ctl_msg_up();                                         /* up, in its place */
	v[nv++] = rx_frame(f[2], len[2], RTE_MBUF_F_RX_VLAN_STRIPPED, 0); /* up: priority tag */
	n = pt_arp(b, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &pt_mac_peer, PT_ADDR_PEER, &zero,
		   PT_ADDR_US);
	v[nv++] = rx_frame(b, n, 0, 0);                                 /* answered */
	n = pt_ping(b, PT_ADDR_PEER, PT_ADDR_US, 1, 9, 16);
	b[12] = 0x86, b[13] = 0xdd;
	v[nv++] = rx_frame(b, n, 0, 0);                                 /* IPv6 */
	v[nv++] = rx_frame(f[3], len[3], 0, 0);                         /* up */
	cr_assert_eq(yard_loop_inject_burst(l.minor, v, nv), 0);
	yt_drain();

	st = pt_arpstat(l.sd);
	cr_expect_eq(st.arps_rx_frames, nv - 1, "every M_DATA frame counted once");
	cr_expect_eq(st.arps_rx_ipv4, 4);
	cr_expect_eq(st.arps_drop_not_for_us, 1);
	cr_expect_eq(st.arps_drop_short, 1);
	cr_expect_eq(st.arps_drop_vlan, 1);
	cr_expect_eq(st.arps_drop_ipv6, 1);
	cr_expect_eq(st.arps_rx_requests_for_us, 1);
	n = pt_take(l.minor, b, sizeof(b));
	check_arp(b, n, &pt_mac_peer, RTE_ARP_OP_REPLY, PT_ADDR_US, &pt_mac_peer, PT_ADDR_PEER);
	for (unsigned i = 0; i < 5; i++) {
		unsigned k = i < 2 ? i : i - 1;

		cr_assert_eq(sth_getmsg_mblk(l.sd, &mp), 0, "message %u reached the stream head", i);
		if (i == 2) {
			cr_expect_eq(DB_TYPE(mp), M_PROTO, "the control message kept its place");
		} else {
			cr_expect_eq(DB_TYPE(mp), M_DATA);
			cr_expect_eq(msgdsize(mp), len[k] - 14);
			cr_expect_arr_eq(mp->b_rptr, f[k] + 14, len[k] - 14, "packet %u in order", k);
		}
		freemsg(mp);
	}
	cr_expect_neq(sth_getmsg_mblk(l.sd, &mp), 0, "nothing else went up");
	pt_link_close(&l);
	pt_assert_clean();
}

/*
 * The short way compares the destination as one masked word: every one of its six bytes
 * counts (one off in the first, one off in the last: not for us), the source's bytes read with
 * it do not (a frame to us from any sender goes up), and a group address still passes.
 */
YT_TEST(arp, compares_all_six_bytes_of_the_destination_and_no_more)
{
	static const uint8_t group[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	struct pt_link l;
	uint8_t f[6][128];
	size_t len[6];
	mblk_t *v[6], *mp;
	struct arpstat st;
	unsigned up = 0;

	pt_link_open(&l, 0, 0, 1500);
	for (unsigned i = 0; i < 6; i++) {
		len[i] = pt_ping(f[i], PT_ADDR_PEER, PT_ADDR_US, 1, (uint16_t)i, 16);
		cr_assert_arr_eq(f[i], &pt_mac_us, 6, "pt_ping frames to us");
	}
	f[1][0] ^= 0x02;                  /* our address but its first byte: not for us */
	f[2][5] ^= 0x01;                  /* ... but its last byte */
	f[3][6] ^= 0xff, f[3][7] ^= 0xff; /* to us, the source's first two bytes changed */
	memcpy(f[4], group, 6);           /* a multicast group */
	for (unsigned i = 0; i < 6; i++)
		v[i] = rx_frame(f[i], len[i], 0, 0);
	cr_assert_eq(yard_loop_inject_burst(l.minor, v, 6), 0);
	yt_drain();
	st = pt_arpstat(l.sd);
	cr_expect_eq(st.arps_drop_not_for_us, 2);
	cr_expect_eq(st.arps_rx_ipv4, 4);
	while (sth_getmsg_mblk(l.sd, &mp) == 0) {
		uint16_t id;

		memcpy(&id, mp->b_rptr + 20 + 6, 2); /* the echo's sequence number: the index */
		id = rte_be_to_cpu_16(id);
		cr_expect(id == 0 || id == 3 || id == 4 || id == 5, "frame %u went up", id);
		up++;
		freemsg(mp);
	}
	cr_expect_eq(up, 4);
	pt_link_close(&l);
	pt_assert_clean();
}

YT_TEST(arp, puts_the_header_in_a_new_block_without_headroom)
{
	struct arp_entry ae = { .ae_addr = PT_ADDR_PEER, .ae_mac = pt_mac_peer };
	struct pt_link l;
	mblk_t *mp;

	pt_link_open(&l, 0, YARD_LINK_CAP_TX_MULTISEG, 1500);
	cr_assert_geq(pt_istr(l.sd, ARP_ADD, &ae, sizeof(ae)), 0);
	send_down(&l, ipv4_down(PT_ADDR_PEER, 40, 0));
	mp = yard_loop_take(l.minor);
	cr_assert_not_null(mp);
	cr_assert_eq(MBLKL(mp), 14, "the header alone in a first block");
	cr_assert_not_null(mp->b_cont);
	cr_assert_eq(msgdsize(mp), 14 + 60);
	freemsg(mp);
	cr_assert_eq(pt_arpstat(l.sd).arps_tx_hdr_block, 1);
	pt_link_close(&l);
	pt_assert_clean();
}

/* An M_IOCTL as sth_ioctl(I_STR) would send it down, with len bytes of arg. */
static mblk_t *
ioctl_msg(int cmd, const void *arg, size_t len)
{
	mblk_t *mp = mkiocb((unsigned)cmd), *dp = allocb(len, BPRI_MED);

	cr_assert_not_null(mp);
	cr_assert_not_null(dp);
	memcpy(dp->b_wptr, arg, len);
	dp->b_wptr += len;
	mp->b_cont = dp;
	((struct iocblk *)mp->b_rptr)->ioc_count = len;
	return mp;
}

/* A write-side burst's end: no frame left below, the counts, the link closed clean. */
static void
tx_burst_done(struct pt_link *l, uint64_t cached, uint64_t frames, const char *why)
{
	struct arpstat st;

	cr_assert_null(yard_loop_take(l->minor));
	st = pt_arpstat(l->sd);
	cr_assert_eq(st.arps_tx_nh_cached, cached, "%s", why);
	cr_assert_eq(st.arps_tx_frames, frames);
	pt_link_close(l);
	pt_assert_clean();
}

YT_TEST(arp, frames_a_burst_from_one_lookup_until_an_entry_changes)
{
	struct arp_entry ae = { .ae_addr = PT_ADDR_PEER, .ae_mac = pt_mac_peer };
	struct arp_entry ae2 = { .ae_addr = PT_ADDR_PEER,
				 .ae_mac = { .addr_bytes = { 0x02, 0, 0, 0, 0, 0x77 } } };
	struct pt_link l;
	mblk_t *v[6], *mp;

	pt_link_open(&l, 0, YARD_LINK_CAP_TX_MULTISEG, 1500);
	cr_assert_geq(pt_istr(l.sd, ARP_ADD, &ae, sizeof(ae)), 0);
	v[0] = ipv4_down(PT_ADDR_PEER, 10, RTE_PKTMBUF_HEADROOM);
	v[1] = ipv4_down(PT_ADDR_PEER, 11, RTE_PKTMBUF_HEADROOM);
	v[2] = ipv4_down(PT_ADDR_PEER, 12, RTE_PKTMBUF_HEADROOM);
	v[3] = ioctl_msg(ARP_ADD, &ae2, sizeof(ae2)); /* the peer's address changes mid-burst */
	v[4] = ipv4_down(PT_ADDR_PEER, 13, RTE_PKTMBUF_HEADROOM);
	v[5] = ipv4_down(PT_ADDR_PEER, 14, RTE_PKTMBUF_HEADROOM);
	putnext_burst(l.sd->sd_wrq, v, 6);
	yt_drain();
	for (unsigned i = 0; i < 5; i++) {
		mp = yard_loop_take(l.minor);
		cr_assert_not_null(mp, "frame %u", i);
		cr_assert_eq(msgdsize(mp), 14 + 20 + 10 + i, "in order");
		cr_assert_arr_eq(mp->b_rptr, i < 3 ? &pt_mac_peer : &ae2.ae_mac, 6,
				 "frame %u to the address valid when it was sent", i);
		freemsg(mp);
	}
	tx_burst_done(&l, 3, 5, "one lookup on each side of the change");
}

/* ip's YB_LINKROOM (mblk.h): arp frames the block in place without asking it again. */
YT_TEST(arp, frames_blocks_ip_marked_in_place_as_it_frames_the_others)
{
	struct arp_entry ae = { .ae_addr = PT_ADDR_PEER, .ae_mac = pt_mac_peer };
	struct pt_link l;
	mblk_t *v[4], *mp;

	pt_link_open(&l, 0, YARD_LINK_CAP_TX_MULTISEG, 1500);
	cr_assert_geq(pt_istr(l.sd, ARP_ADD, &ae, sizeof(ae)), 0);
	for (unsigned i = 0; i < 4; i++) {
		v[i] = ipv4_down(PT_ADDR_PEER, 10 + i, RTE_PKTMBUF_HEADROOM);
		if (i != 2)
			v[i]->b_yflags |= YB_LINKROOM; /* what ip's short way proved of it */
	}
	putnext_burst(l.sd->sd_wrq, v, 4);
	yt_drain();
	for (unsigned i = 0; i < 4; i++) {
		mp = yard_loop_take(l.minor);
		cr_assert_not_null(mp, "frame %u", i);
		cr_assert_eq(mp, v[i], "frame %u in its own block, in order", i);
		cr_assert_null(mp->b_cont);
		cr_assert_eq(MBLKL(mp), 14 + 20 + 10 + i);
		cr_assert_arr_eq(mp->b_rptr, &pt_mac_peer, 6, "frame %u's destination", i);
		cr_assert_arr_eq(mp->b_rptr + 6, &pt_mac_us, 6, "frame %u's source", i);
		cr_assert_eq(mp->b_rptr[12], 0x08);
		cr_assert_eq(mp->b_rptr[13], 0x00, "frame %u carries IPv4", i);
		cr_assert_eq(mp->b_yflags & YB_LINKROOM, 0, "the mark does not go on");
		freemsg(mp);
	}
	tx_burst_done(&l, 3, 4, "one lookup, marked or not");
}

YT_TEST(arp, pulls_frames_up_for_a_port_without_multisegment_tx)
{
	struct arp_entry ae = { .ae_addr = PT_ADDR_PEER, .ae_mac = pt_mac_peer };
	struct pt_link l;
	mblk_t *mp;

	pt_link_open(&l, 0, 0, 1500);
	cr_assert_geq(pt_istr(l.sd, ARP_ADD, &ae, sizeof(ae)), 0);
	send_down(&l, ipv4_down(PT_ADDR_PEER, 40, 0));
	mp = yard_loop_take(l.minor);
	cr_assert_not_null(mp);
	cr_assert_null(mp->b_cont, "one block");
	cr_assert_eq(MBLKL(mp), 14 + 60);
	cr_assert_arr_eq(mp->b_rptr, &pt_mac_peer, 6);
	freemsg(mp);
	pt_link_close(&l);
	pt_assert_clean();
}

/* ---- VLANs (IEEE 802.1Q) ------------------------------------------------------------------ */

/* f (n bytes) with an 802.1Q tag after its addresses: n + 4 bytes. */
static size_t
vlan_tag(uint8_t *f, size_t n, uint16_t tpid, uint16_t tci)
{
	memmove(f + 16, f + 12, n - 12);
	f[12] = (uint8_t)(tpid >> 8), f[13] = (uint8_t)tpid;
	f[14] = (uint8_t)(tci >> 8), f[15] = (uint8_t)tci;
	return n + 4;
}

/* A frame arp sent on VLAN vid: the tag (priority 0) checked and taken off; n - 4 bytes. */
static size_t
vlan_untag(uint8_t *f, size_t n, uint16_t vid)
{
	cr_assert_geq(n, 18);
	cr_assert(f[12] == 0x81 && f[13] == 0x00, "802.1Q TPID, got %02x%02x", f[12], f[13]);
	cr_assert_eq((f[14] << 8 | f[15]), vid, "TCI: priority 0, VLAN %u", vid);
	memmove(f + 12, f + 16, n - 16);
	return n - 4;
}

/* A captured ARP frame on VLAN vid: 60 bytes with the tag, then check_arp()'s fields. */
static void
check_tagged_arp(uint8_t *f, size_t n, uint16_t vid, const struct rte_ether_addr *eth_dst,
		 uint16_t op, uint32_t sip, const struct rte_ether_addr *tha, uint32_t tip)
{
	cr_assert_eq(n, 60, "tagged ARP frames are padded to 60 bytes too, got %zu", n);
	n = vlan_untag(f, n, vid);
	memset(f + n, 0, 60 - n);
	check_arp(f, 60, eth_dst, op, sip, tha, tip);
}

static void
inject_tci(struct pt_link *l, const uint8_t *f, size_t n, uint64_t ol_flags, uint16_t tci)
{
	cr_assert_eq(yard_loop_inject(l->minor, rx_frame(f, n, ol_flags, tci)), 0);
	yt_drain();
}

/*
 * A link on VLAN 100 answers a request tagged 100 (whatever its priority, and when the port
 * stripped the tag) with a reply tagged 100, and drops the rest by reason: untagged,
 * priority-tagged (VLAN 0), another VLAN, stacked tags, an 802.1ad outer tag.
 */
YT_TEST(arp, a_vlan_link_answers_on_its_vlan_only_and_tags_its_answers)
{
	static const struct rte_ether_addr zero;
	static const struct {
		uint16_t tpid, tci, tci2; /* tci2: a second tag inside, 0 for none */
		unsigned counter;
	} drops[] = {
		{ 0, 0, 0, ARPS_drop_untagged },
		{ 0x8100, 0x6000, 0, ARPS_drop_untagged }, /* priority 3, VLAN 0 */
		{ 0x8100, 200, 0, ARPS_drop_vlan },
		{ 0x8100, 100, 100, ARPS_drop_vlan },
		{ 0x88a8, 100, 0, ARPS_drop_vlan },
	};
	struct pt_link l;
	struct arpstat st;
	uint8_t f[128];
	size_t n;

	pt_link_open_vlan(&l, 0, 0, 1500, 100);
	for (unsigned i = 0; i < RTE_DIM(drops); i++) {
		uint64_t before, *v;

		st = pt_arpstat(l.sd);
		before = ((uint64_t *)&st)[drops[i].counter];
		n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &pt_mac_peer, PT_ADDR_PEER, &zero,
			   PT_ADDR_US);
		if (drops[i].tci2 != 0)
			n = vlan_tag(f, n, 0x8100, drops[i].tci2);
		if (drops[i].tpid != 0)
			n = vlan_tag(f, n, drops[i].tpid, drops[i].tci);
		inject_tci(&l, f, n, 0, 0);
		cr_assert_eq(pt_take(l.minor, f, sizeof(f)), 0, "case %u: not answered", i);
		st = pt_arpstat(l.sd);
		v = (uint64_t *)&st;
		cr_assert_eq(v[drops[i].counter], before + 1, "case %u: %s", i,
			     arpstat_name(drops[i].counter));
	}
	cr_assert_eq(st.arps_rx_arp, 0, "none reached ARP");
	/* Tagged 100 at priority 5: answered, tagged 100 at priority 0. */
	n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &pt_mac_peer, PT_ADDR_PEER, &zero,
		   PT_ADDR_US);
	n = vlan_tag(f, n, 0x8100, 0xa000 | 100);
	inject_tci(&l, f, n, 0, 0);
	n = pt_take(l.minor, f, sizeof(f));
	check_tagged_arp(f, n, 100, &pt_mac_peer, RTE_ARP_OP_REPLY, PT_ADDR_US, &pt_mac_peer,
			 PT_ADDR_PEER);
	/* The port stripped tag 100 (priority 1): answered, the tag put back. */
	n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &pt_mac_peer, PT_ADDR_PEER, &zero,
		   PT_ADDR_US);
	inject_tci(&l, f, n, RTE_MBUF_F_RX_VLAN_STRIPPED, 0x2000 | 100);
	n = pt_take(l.minor, f, sizeof(f));
	check_tagged_arp(f, n, 100, &pt_mac_peer, RTE_ARP_OP_REPLY, PT_ADDR_US, &pt_mac_peer,
			 PT_ADDR_PEER);
	/* ... and one stripped with another VLAN's ID is dropped. */
	n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &pt_mac_peer, PT_ADDR_PEER, &zero,
		   PT_ADDR_US);
	inject_tci(&l, f, n, RTE_MBUF_F_RX_VLAN_STRIPPED, 101);
	cr_assert_eq(pt_take(l.minor, f, sizeof(f)), 0);
	st = pt_arpstat(l.sd);
	cr_expect_eq(st.arps_drop_vlan, 4);
	cr_expect_eq(st.arps_drop_untagged, 2);
	cr_expect_eq(st.arps_rx_requests_for_us, 2);
	cr_expect_eq(st.arps_tx_replies, 2);
	cr_expect_eq(st.arps_rx_frames, RTE_DIM(drops) + 3);
	pt_link_close(&l);
	pt_assert_clean();
}

/*
 * A link on VLAN 4094 passes IPv4 tagged 4094 up without the 18 bytes, whatever its priority,
 * and drops it untagged, tagged for VLAN 4093 or tagged twice. It sends every packet from
 * above with its tag: in the headroom (ip's marked blocks and the others), in a new block
 * where there is none, an offload request's l2_len counting the tag; and the ARP request a
 * new next hop needs is tagged.
 */
YT_TEST(arp, a_vlan_link_strips_the_tag_going_up_and_puts_it_on_going_down)
{
	struct arp_entry ae = { .ae_addr = PT_ADDR_PEER, .ae_mac = pt_mac_peer };
	static const uint8_t hdr_tail[6] = { 0x81, 0x00, 0x0f, 0xfe, 0x08, 0x00 };
	struct pt_link l;
	struct arpstat st;
	uint8_t f[128], ip[4][64];
	mblk_t *v[4], *mp;
	size_t n;

	pt_link_open_vlan(&l, 0, YARD_LINK_CAP_TX_MULTISEG, 1500, 4094);
	cr_assert_geq(pt_istr(l.sd, ARP_ADD, &ae, sizeof(ae)), 0);
	n = vlan_tag(f, pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 1, 1, 16), 0x8100, 4094);
	inject_tci(&l, f, n, 0, 0);
	cr_assert_eq(sth_getmsg_mblk(l.sd, &mp), 0, "the tagged packet went up");
	cr_assert_eq(msgdsize(mp), n - 18);
	cr_assert_arr_eq(mp->b_rptr, f + 18, n - 18, "b_rptr at the IPv4 header");
	freemsg(mp);
	n = vlan_tag(f, pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 1, 2, 16), 0x8100, 0xe000 | 4094);
	inject_tci(&l, f, n, 0, 0);
	cr_assert_eq(sth_getmsg_mblk(l.sd, &mp), 0, "priority 7 went up too");
	cr_assert_arr_eq(mp->b_rptr, f + 18, n - 18);
	freemsg(mp);
	n = pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 1, 3, 16);
	inject_tci(&l, f, n, 0, 0);
	cr_assert_neq(sth_getmsg_mblk(l.sd, &mp), 0, "the untagged one did not");
	n = vlan_tag(f, pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 1, 4, 16), 0x8100, 4093);
	inject_tci(&l, f, n, 0, 0);
	cr_assert_neq(sth_getmsg_mblk(l.sd, &mp), 0, "nor VLAN 4093's");
	n = vlan_tag(f, pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 1, 5, 16), 0x8100, 4094);
	inject_tci(&l, f, n, RTE_MBUF_F_RX_VLAN_STRIPPED, 4094);
	cr_assert_neq(sth_getmsg_mblk(l.sd, &mp), 0, "nor one tagged twice (one the port took)");
	st = pt_arpstat(l.sd);
	cr_expect_eq(st.arps_drop_untagged, 1);
	cr_expect_eq(st.arps_drop_vlan, 2);
	cr_expect_eq(st.arps_rx_ipv4, 2);

	for (unsigned i = 0; i < 4; i++) {
		v[i] = ipv4_down(PT_ADDR_PEER, 10 + i, i == 3 ? 0 : RTE_PKTMBUF_HEADROOM);
		memcpy(ip[i], v[i]->b_rptr, MBLKL(v[i]));
	}
	/* what ip's short way proves: room for YARD_LINK_HDR_MAX bytes */
	v[1]->b_yflags |= YB_LINKROOM;
	v[2]->b_yflags |= YB_LINKROOM;
	for (unsigned i = 0; i < 3; i += 2) { /* an offload request, marked and not */
		yard_mblk_mbuf(v[i])->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		yard_mblk_mbuf(v[i])->l2_len = YARD_LINK_HDR_LEN;
		yard_mblk_mbuf(v[i])->l3_len = 20;
	}
	putnext_burst(l.sd->sd_wrq, v, 4);
	yt_drain();
	for (unsigned i = 0; i < 4; i++) {
		uint8_t *p = f;

		mp = yard_loop_take(l.minor);
		cr_assert_not_null(mp, "frame %u", i);
		cr_assert_eq(msgdsize(mp), 18 + 20 + 10 + i, "frame %u in order, tagged", i);
		if (i == 3) {
			cr_assert_eq(MBLKL(mp), 18, "the header alone in a new block");
		} else {
			cr_assert_eq(mp, v[i], "frame %u framed in its headroom", i);
			cr_assert_null(mp->b_cont);
		}
		if (i == 0 || i == 2)
			cr_assert_eq(yard_mblk_mbuf(mp)->l2_len, 18,
				     "frame %u: l2_len counts the tag", i);
		cr_assert_eq(mp->b_yflags & YB_LINKROOM, 0, "frame %u: the mark does not go on", i);
		for (mblk_t *bp = mp; bp != NULL; bp = bp->b_cont) {
			memcpy(p, bp->b_rptr, MBLKL(bp));
			p += MBLKL(bp);
		}
		cr_assert_arr_eq(f, &pt_mac_peer, 6, "frame %u's destination", i);
		cr_assert_arr_eq(f + 6, &pt_mac_us, 6, "frame %u's source", i);
		cr_assert_arr_eq(f + 12, hdr_tail, 6, "frame %u: tag 4094, then IPv4", i);
		cr_assert_arr_eq(f + 18, ip[i], 20 + 10 + i, "frame %u's packet intact", i);
		freemsg(mp);
	}
	st = pt_arpstat(l.sd);
	cr_expect_eq(st.arps_tx_frames, 4);
	cr_expect_eq(st.arps_tx_hdr_block, 1);
	/* A next hop to resolve: the request goes out tagged too. */
	send_down(&l, ipv4_down(PEER2, 10, RTE_PKTMBUF_HEADROOM));
	n = pt_take(l.minor, f, sizeof(f));
	check_tagged_arp(f, n, 4094, &pt_mac_bcast, RTE_ARP_OP_REQUEST, PT_ADDR_US,
			 &(const struct rte_ether_addr){ .addr_bytes = { 0 } }, PEER2);
	cr_assert_geq(pt_istr(l.sd, ARP_FLUSH, NULL, 0), 0, "the held packet and its entry go");
	pt_link_close(&l);
	pt_assert_clean();
}

/*
 * ARP_SETIF inside a write-side burst moves the link onto VLAN 7 and back: the packets before
 * it go untagged (ip's marked ones framed in place), those after it tagged, then untagged
 * again; each ARP_SETIF's gratuitous ARP comes in its place, as the link then is.
 */
YT_TEST(arp, a_burst_follows_the_link_onto_a_vlan_and_off_it)
{
	struct arp_entry ae = { .ae_addr = PT_ADDR_PEER, .ae_mac = pt_mac_peer };
	struct arp_ifreq ifr = {
		.ai_mac = pt_mac_us, .ai_addr = PT_ADDR_US, .ai_prefix = PT_PREFIX, .ai_mtu = 1500,
		.ai_caps = YARD_LINK_CAP_TX_MULTISEG,
	};
	static const int vid_of[7] = { 0, 0, 7, 7, 7, 0, 0 };
	static const char kind[7] = { 'p', 'p', 'g', 'p', 'p', 'g', 'p' }; /* g: gratuitous ARP */
	struct pt_link l;
	mblk_t *v[7], *mp;
	unsigned np = 0;

	pt_link_open(&l, 0, YARD_LINK_CAP_TX_MULTISEG, 1500);
	cr_assert_geq(pt_istr(l.sd, ARP_ADD, &ae, sizeof(ae)), 0);
	v[0] = ipv4_down(PT_ADDR_PEER, 10, RTE_PKTMBUF_HEADROOM);
	v[1] = ipv4_down(PT_ADDR_PEER, 11, RTE_PKTMBUF_HEADROOM);
	ifr.ai_vlan = 7;
	v[2] = ioctl_msg(ARP_SETIF, &ifr, sizeof(ifr));
	v[3] = ipv4_down(PT_ADDR_PEER, 12, RTE_PKTMBUF_HEADROOM);
	v[4] = ipv4_down(PT_ADDR_PEER, 13, RTE_PKTMBUF_HEADROOM);
	ifr.ai_vlan = 0;
	v[5] = ioctl_msg(ARP_SETIF, &ifr, sizeof(ifr));
	v[6] = ipv4_down(PT_ADDR_PEER, 14, RTE_PKTMBUF_HEADROOM);
	v[1]->b_yflags |= YB_LINKROOM;
	v[3]->b_yflags |= YB_LINKROOM;
	v[6]->b_yflags |= YB_LINKROOM;
	putnext_burst(l.sd->sd_wrq, v, 7);
	yt_drain();
	for (unsigned i = 0; i < 7; i++) {
		uint8_t f[128], *p = f;
		size_t n = 0;

		mp = yard_loop_take(l.minor);
		cr_assert_not_null(mp, "frame %u", i);
		for (mblk_t *bp = mp; bp != NULL; bp = bp->b_cont) {
			memcpy(p + n, bp->b_rptr, MBLKL(bp));
			n += MBLKL(bp);
		}
		freemsg(mp);
		if (vid_of[i] != 0)
			n = vlan_untag(f, n, (uint16_t)vid_of[i]);
		else
			cr_assert(f[12] != 0x81, "frame %u untagged", i);
		if (kind[i] == 'g') {
			cr_assert(f[12] == 0x08 && f[13] == 0x06,
				  "frame %u: the gratuitous ARP", i);
		} else {
			cr_assert(f[12] == 0x08 && f[13] == 0x00, "frame %u: IPv4", i);
			cr_assert_eq(n, 14 + 20 + 10 + np, "packet %u in order", np);
			np++;
		}
	}
	cr_assert_eq(np, 5);
	tx_burst_done(&l, 2, 5, "a lookup on each side of each change, one cached after each");
}

/* An untagged link takes priority-tagged frames (VLAN 0, 802.1Q) as untagged ones. */
YT_TEST(arp, an_untagged_link_takes_priority_tagged_frames)
{
	static const struct rte_ether_addr zero;
	struct pt_link l;
	uint8_t f[128];
	mblk_t *mp;
	size_t n;

	pt_link_open(&l, 0, 0, 1500);
	n = vlan_tag(f, pt_ping(f, PT_ADDR_PEER, PT_ADDR_US, 1, 1, 16), 0x8100, 0xe000);
	inject_tci(&l, f, n, 0, 0);
	cr_assert_eq(sth_getmsg_mblk(l.sd, &mp), 0, "the packet went up");
	cr_assert_eq(msgdsize(mp), n - 18);
	cr_assert_arr_eq(mp->b_rptr, f + 18, n - 18);
	freemsg(mp);
	n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &pt_mac_peer, PT_ADDR_PEER, &zero,
		   PT_ADDR_US);
	n = vlan_tag(f, n, 0x8100, 0x2000);
	inject_tci(&l, f, n, 0, 0);
	n = pt_take(l.minor, f, sizeof(f));
	check_arp(f, n, &pt_mac_peer, RTE_ARP_OP_REPLY, PT_ADDR_US, &pt_mac_peer, PT_ADDR_PEER);
	cr_expect_eq(pt_arpstat(l.sd).arps_drop_vlan, 0);
	pt_link_close(&l);
	pt_assert_clean();
}

YT_TEST(arp, drops_packets_without_a_next_hop)
{
	struct pt_link l;

	pt_link_open(&l, 0, 0, 1500);
	send_down(&l, ipv4_down(0, 8, 64));
	cr_assert_eq(pt_arpstat(l.sd).arps_drop_no_nexthop, 1);
	cr_assert_eq(pt_discard(l.minor), 0);
	pt_link_close(&l);
	pt_assert_clean();
}

YT_TEST(arp, shares_what_it_learns_with_its_siblings)
{
	struct pt_link a, b;
	struct arp_entry ae;
	uint8_t f[128];
	size_t n;

	pt_link_open(&a, 5, 0, 1500);
	pt_link_open(&b, 5, 0, 1500);
	/* b has a packet waiting for the peer; a is the one that hears the answer. */
	send_down(&b, ipv4_down(PT_ADDR_PEER, 20, 64));
	cr_assert_eq(pt_discard(b.minor), 1, "b asked");
	n = pt_arp(f, &pt_mac_us, RTE_ARP_OP_REPLY, &pt_mac_peer, PT_ADDR_PEER, &pt_mac_us,
		   PT_ADDR_US);
	pt_inject(a.minor, f, n);
	cr_assert_eq(pt_arpstat(a.sd).arps_sib_sent, 1);
	cr_assert_eq(pt_arpstat(b.sd).arps_sib_received, 1);
	memset(&ae, 0, sizeof(ae));
	ae.ae_addr = PT_ADDR_PEER;
	cr_assert_geq(pt_istr(b.sd, ARP_GET, &ae, sizeof(ae)), 0);
	cr_assert_eq(ae.ae_state, ARP_STATE_REACHABLE);
	cr_assert_arr_eq(&ae.ae_mac, &pt_mac_peer, 6);
	n = pt_take(b.minor, f, sizeof(f));
	cr_assert_eq(n, 14 + 40, "b sent what it held");
	cr_assert_arr_eq(f, &pt_mac_peer, 6);
	pt_link_close(&a);
	pt_link_close(&b);
	pt_assert_clean();
}

YT_TEST(arp, exposes_counters_to_telemetry)
{
	static const struct rte_ether_addr zero;
	struct arpstat sum;
	struct rte_tel_data *d;
	struct pt_link l;
	uint8_t f[128];
	size_t n;

	pt_link_open(&l, 7, 0, 1500);
	n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &pt_mac_peer, PT_ADDR_PEER, &zero,
		   PT_ADDR_US);
	pt_inject(l.minor, f, n);
	cr_assert_eq(arpstat_sum(&sum, (int)rte_lcore_id(), 7), 1, "one instance on port 7");
	cr_assert_eq(sum.arps_tx_replies, 1);
	cr_assert_eq(sum.arps_tx_gratuitous, 1);
	cr_assert_eq(arpstat_sum(&sum, -1, 8), 0, "none on port 8");
	cr_assert_str_eq(arpstat_name(ARPS_rx_frames), "rx_frames");
	cr_assert_not_null(arpstat_help(ARPS_rx_frames));
	cr_assert_null(arpstat_name(ARPS__COUNT));
	d = rte_tel_data_alloc();
	cr_assert_eq(arp_tel_cmd("/yard/arp", "", d), 0);
	rte_tel_data_free(d);
	d = rte_tel_data_alloc();
	cr_assert_eq(arp_tel_cmd("/yard/arp", "0,7", d), 0);
	rte_tel_data_free(d);
	d = rte_tel_data_alloc();
	cr_assert_eq(arp_tel_cmd("/yard/arp", "x", d), -EINVAL);
	rte_tel_data_free(d);
	pt_link_close(&l);
	pt_assert_clean();
}

/* The rows arp_neigh_snapshot() gives for addr, in *out; how many there were. */
static unsigned
neigh_find(uint32_t addr, struct yard_arp_neigh_row *out)
{
	struct yard_arp_neigh_row rows[16];
	int n = arp_neigh_snapshot(rows, RTE_DIM(rows));
	unsigned found = 0;

	cr_assert_geq(n, 0);
	cr_assert_leq(n, (int)RTE_DIM(rows));
	for (int i = 0; i < n; i++) {
		cr_assert_eq(rows[i].nr_lcore, rte_lcore_id());
		if (rows[i].nr_ent.ae_addr == addr) {
			*out = rows[i];
			found++;
		}
	}
	return found;
}

YT_TEST(arp, neigh_snapshot_lists_entries_and_ages_nothing)
{
	static const struct rte_ether_addr zero;
	struct arp_param p = { .ap_timeout_ms = 100 };
	struct yard_arp_neigh_row r, few[1];
	struct arp_entry ae;
	struct pt_link l, v;
	uint8_t f[128];
	size_t n;

	pt_link_open(&l, 3, 0, 1500);
	pt_link_open_vlan(&v, 4, 0, 1500, 100);
	cr_assert_geq(pt_istr(l.sd, ARP_SETPARAM, &p, sizeof(p)), 0);
	cr_assert_eq(arp_neigh_snapshot(few, 1), 0, "no entries yet");
	n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &pt_mac_peer, PT_ADDR_PEER, &zero,
		   PT_ADDR_US);
	pt_inject(l.minor, f, n);
	(void)pt_discard(l.minor);
	send_down(&v, ipv4_down(PEER2, 8, 64)); /* held: PEER2 resolving on the VLAN link */
	(void)pt_discard(v.minor);
	cr_assert_eq(neigh_find(PT_ADDR_PEER, &r), 1);
	cr_assert_eq(r.nr_port, 3);
	cr_assert_eq(r.nr_vlan, 0);
	cr_assert_eq(r.nr_ent.ae_state, ARP_STATE_REACHABLE);
	cr_assert_arr_eq(&r.nr_ent.ae_mac, &pt_mac_peer, 6);
	cr_assert_lt(r.nr_ent.ae_age_ms, 100);
	cr_assert_eq(neigh_find(PEER2, &r), 1);
	cr_assert_eq(r.nr_port, 4);
	cr_assert_eq(r.nr_vlan, 100);
	cr_assert_eq(r.nr_ent.ae_state, ARP_STATE_INCOMPLETE);
	cr_assert_eq(r.nr_ent.ae_held, 1);
	cr_assert_eq(r.nr_ent.ae_tries, 1);
	cr_assert_eq(arp_neigh_snapshot(few, 1), 2, "the count of all, one row written");
	/* Past the reachable time, without the sweep running: shown stale, left as it was. */
	rte_delay_ms(130);
	cr_assert_eq(neigh_find(PT_ADDR_PEER, &r), 1);
	cr_assert_eq(r.nr_ent.ae_state, ARP_STATE_STALE);
	cr_assert_geq(r.nr_ent.ae_age_ms, 100);
	cr_assert_eq(pt_arpstat(l.sd).arps_entries_stale, 0, "reading it changed nothing");
	cr_assert_eq(arp_get(&l, PT_ADDR_PEER, &ae), 0);
	cr_assert_eq(ae.ae_state, ARP_STATE_STALE);
	cr_assert_eq(pt_arpstat(l.sd).arps_entries_stale, 1, "ARP_GET's use turned it stale");
	pt_link_close(&l);
	pt_link_close(&v);
	cr_assert_eq(arp_neigh_snapshot(few, 1), 0, "closed instances are not listed");
	pt_assert_clean();
}

YT_TEST(arp, neigh_change_adds_deletes_and_flushes_on_its_port)
{
	static const struct rte_ether_addr zero;
	static const struct rte_ether_addr mac9 = { .addr_bytes = { 2, 0, 0, 0, 0, 9 } };
	struct arp_entry e = { .ae_addr = PEER2, .ae_mac = mac9 };
	struct yard_arp_neigh_row r;
	struct pt_link a, b;
	uint8_t f[128];
	size_t n;

	pt_link_open(&a, 1, 0, 1500);
	pt_link_open(&b, 2, 0, 1500);
	/* a holds a packet for PEER2 while it resolves; the static entry sends it. */
	send_down(&a, ipv4_down(PEER2, 8, 64));
	(void)pt_discard(a.minor);
	cr_assert_eq(arp_neigh_change(ARP_NEIGH_ADD, 1, &e), 1, "one instance on port 1");
	yt_drain();
	n = pt_take(a.minor, f, sizeof(f));
	cr_assert_eq(n, 14 + 28, "what it held went at once");
	cr_assert_arr_eq(f, &mac9, 6);
	cr_assert_eq(neigh_find(PEER2, &r), 1, "only port 1's instance has it");
	cr_assert_eq(r.nr_port, 1);
	cr_assert_eq(r.nr_ent.ae_state, ARP_STATE_STATIC);
	/* A claim from the wire does not move a static entry. */
	n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &pt_mac_peer, PEER2, &zero, PT_ADDR_US);
	pt_inject(a.minor, f, n);
	(void)pt_discard(a.minor);
	cr_assert_eq(neigh_find(PEER2, &r), 1);
	cr_assert_arr_eq(&r.nr_ent.ae_mac, &mac9, 6);
	/* b learns the peer; a flush of port 2 drops it and leaves port 1's static entry. */
	n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &pt_mac_peer, PT_ADDR_PEER, &zero,
		   PT_ADDR_US);
	pt_inject(b.minor, f, n);
	(void)pt_discard(b.minor);
	cr_assert_eq(neigh_find(PT_ADDR_PEER, &r), 1);
	cr_assert_eq(arp_neigh_change(ARP_NEIGH_FLUSH, 2, NULL), 1);
	cr_assert_eq(neigh_find(PT_ADDR_PEER, &r), 0, "flushed");
	cr_assert_eq(arp_neigh_change(ARP_NEIGH_FLUSH, -1, NULL), 2, "every port: both");
	cr_assert_eq(neigh_find(PEER2, &r), 1, "a flush keeps static entries");
	/* Delete: a static entry goes; what it was not there for is 0 instances. */
	cr_assert_eq(arp_neigh_change(ARP_NEIGH_DEL, 2, &e), 0, "port 2 has no PEER2");
	cr_assert_eq(arp_neigh_change(ARP_NEIGH_DEL, 1, &e), 1);
	cr_assert_eq(neigh_find(PEER2, &r), 0, "deleted");
	cr_assert_eq(arp_neigh_change(ARP_NEIGH_ADD, 9, &e), 0, "no instance on port 9");
	/* An entry deleted while it resolves frees what it held, counted. */
	send_down(&b, ipv4_down(PEER2, 8, 64));
	(void)pt_discard(b.minor);
	cr_assert_eq(arp_neigh_change(ARP_NEIGH_DEL, 2, &e), 1);
	cr_assert_eq(pt_arpstat(b.sd).arps_drop_resolve_failed, 1);
	pt_link_close(&a);
	pt_link_close(&b);
	pt_assert_clean();
}

YT_TEST(arp, neigh_change_refuses_what_is_no_neighbour)
{
	static const struct rte_ether_addr mac9 = { .addr_bytes = { 2, 0, 0, 0, 0, 9 } };
	static const struct rte_ether_addr mcast = { .addr_bytes = { 1, 0, 0x5e, 0, 0, 1 } };
	const struct {
		uint32_t addr;
		const struct rte_ether_addr *mac;
		const char *why;
	} bad[] = {
		{ PT_IPV4(10, 0, 0, 1), &mac9, "outside the subnet" },
		{ PT_ADDR_US, &mac9, "our own address" },
		{ PT_IPV4(198, 18, 0, 0), &mac9, "the network address" },
		{ PT_IPV4(198, 18, 0, 255), &mac9, "the broadcast address" },
		{ PEER2, &mcast, "a multicast MAC" },
		{ PEER2, NULL, "a zero MAC" },
	};
	struct yard_arp_neigh_row few[1];
	struct pt_link l;

	pt_link_open(&l, 0, 0, 1500);
	for (unsigned i = 0; i < RTE_DIM(bad); i++) {
		struct arp_entry e = { .ae_addr = bad[i].addr };

		if (bad[i].mac != NULL)
			e.ae_mac = *bad[i].mac;
		cr_assert_eq(arp_neigh_change(ARP_NEIGH_ADD, 0, &e), -EINVAL, "%s", bad[i].why);
	}
	cr_assert_eq(arp_neigh_change(ARP_NEIGH_ADD, -1, &(struct arp_entry){ .ae_addr = PEER2,
			.ae_mac = mac9 }), -EINVAL, "add needs a port");
	cr_assert_eq(arp_neigh_snapshot(few, 1), 0, "nothing was added");
	pt_link_close(&l);
	pt_assert_clean();
}

/*
 * A host claiming our address (RFC 5227 2.4): counted, never learned, and defended with one
 * announcement; a second claim within DEFEND_INTERVAL (10 s) is only counted.
 */
YT_TEST(arp, defends_our_address_once_per_interval)
{
	static const struct rte_ether_addr zero;
	struct arp_entry ae;
	struct arpstat st;
	struct pt_link l;
	uint8_t f[128];
	size_t n;

	pt_link_open(&l, 0, 0, 1500);
	for (int i = 0; i < 3; i++) {
		n = pt_arp(f, &pt_mac_bcast, i == 1 ? RTE_ARP_OP_REPLY : RTE_ARP_OP_REQUEST,
			   &pt_mac_peer, PT_ADDR_US, &zero, i == 2 ? PT_ADDR_US : PT_ADDR_PEER);
		pt_inject(l.minor, f, n);
		n = pt_take(l.minor, f, sizeof(f));
		if (i == 0)
			check_arp(f, n, &pt_mac_bcast, RTE_ARP_OP_REQUEST, PT_ADDR_US, &zero,
				  PT_ADDR_US); /* the announcement: sender and target ours */
		else
			cr_assert_eq(n, 0, "claim %d within 10 s: not defended again", i);
		cr_assert_eq(pt_take(l.minor, f, sizeof(f)), 0, "one frame at most");
	}
	st = pt_arpstat(l.sd);
	cr_assert_eq(st.arps_drop_dup_addr, 3);
	cr_assert_eq(st.arps_tx_defended, 1);
	cr_assert_eq(st.arps_tx_gratuitous, 2, "ARP_SETIF's and the defence");
	cr_assert_eq(st.arps_tx_replies, 0, "a claim of our address is not answered");
	cr_assert_eq(arp_get(&l, PT_ADDR_US, &ae), -ENOENT, "never learned");
	pt_link_close(&l);
	pt_assert_clean();
}

/* ---- probes of STALE entries (RFC 1122 2.3.2.1) ------------------------------------------- */

/* The peer's reply to a request of ours: it confirms (or teaches) PT_ADDR_PEER's entry. */
static void
reply_from_peer(struct pt_link *l)
{
	uint8_t f[128];
	size_t n;

	n = pt_arp(f, &pt_mac_us, RTE_ARP_OP_REPLY, &pt_mac_peer, PT_ADDR_PEER, &pt_mac_us,
		   PT_ADDR_US);
	pt_inject(l->minor, f, n);
	cr_assert_eq(pt_take(l->minor, f, sizeof(f)), 0, "a reply draws nothing");
}

/*
 * PT_ADDR_PEER's fresh entry made STALE: by a 100 ms reachable time, which p then makes a
 * minute (and sets its other fields), so that no test is raced by its removal. p holds the
 * answer.
 */
static void
go_stale(struct pt_link *l, struct arp_param *p)
{
	struct arp_param t = { .ap_timeout_ms = 100 };
	struct arp_entry ae;
	uint8_t f[128];

	cr_assert_geq(pt_istr(l->sd, ARP_SETPARAM, &t, sizeof(t)), 0);
	pt_run_ms(130);
	cr_assert_eq(arp_get(l, PT_ADDR_PEER, &ae), 0);
	cr_assert_eq(ae.ae_state, ARP_STATE_STALE);
	cr_assert_eq(pt_take(l->minor, f, sizeof(f)), 0, "an unused stale entry sends nothing");
	p->ap_timeout_ms = 60000;
	cr_assert_geq(pt_istr(l->sd, ARP_SETPARAM, p, sizeof(*p)), 0);
}

/* PT_ADDR_PEER learned (from its request for us, tagged on a VLAN link), then go_stale(). */
static void
stale_peer(struct pt_link *l, uint16_t vlan, struct arp_param *p)
{
	static const struct rte_ether_addr zero;
	uint8_t f[128];
	size_t n;

	n = pt_arp(f, &pt_mac_bcast, RTE_ARP_OP_REQUEST, &pt_mac_peer, PT_ADDR_PEER, &zero,
		   PT_ADDR_US);
	if (vlan != 0)
		n = vlan_tag(f, n, 0x8100, vlan);
	pt_inject(l->minor, f, n);
	cr_assert_eq(pt_discard(l->minor), 1, "our reply");
	go_stale(l, p);
}

/* What a use of the stale PT_ADDR_PEER draws: no probe, one to its MAC, or a broadcast one. */
enum probe { PROBE_NONE, PROBE_UCAST, PROBE_BCAST };

/*
 * Send a packet to PT_ADDR_PEER and check what went down: the probe it drew, if any, then
 * the packet itself, to the peer's MAC (tagged on a VLAN link), and nothing else.
 */
static void
use_peer(struct pt_link *l, uint16_t vlan, enum probe want)
{
	static const struct rte_ether_addr zero;
	const size_t hl = vlan != 0 ? 18 : 14;
	uint8_t f[256];
	size_t n;

	send_down(l, ipv4_down(PT_ADDR_PEER, 8, 64));
	n = pt_take(l->minor, f, sizeof(f));
	if (want != PROBE_NONE) {
		const struct rte_ether_addr *dst = want == PROBE_UCAST ? &pt_mac_peer :
									 &pt_mac_bcast;

		if (vlan != 0)
			check_tagged_arp(f, n, vlan, dst, RTE_ARP_OP_REQUEST, PT_ADDR_US, &zero,
					 PT_ADDR_PEER);
		else
			check_arp(f, n, dst, RTE_ARP_OP_REQUEST, PT_ADDR_US, &zero, PT_ADDR_PEER);
		n = pt_take(l->minor, f, sizeof(f));
	}
	cr_assert_eq(n, hl + 28, "the packet, not a probe (%zu bytes)", n);
	cr_assert_arr_eq(f, &pt_mac_peer, 6, "the packet went to the stale MAC");
	if (vlan != 0)
		n = vlan_untag(f, n, vlan);
	cr_assert(f[12] == 0x08 && f[13] == 0x00, "IPv4");
	cr_assert_eq(pt_take(l->minor, f, sizeof(f)), 0, "nothing more");
}

/*
 * A stale entry in use is probed (RFC 1122 2.3.2.1's unicast poll): at its first use a request
 * to its cached MAC, then at most one every ap_retry_ms however often it is used,
 * ap_ucast_probes (3) to its MAC, then ap_retries (3) broadcast, then none; every packet goes
 * meanwhile, after the probe it drew.
 */
YT_TEST(arp, probes_a_stale_entry_by_unicast_then_broadcast_at_most_every_retry_ms)
{
	struct arp_param p = { .ap_retry_ms = 150 };
	struct arp_entry ae;
	struct arpstat st;
	struct pt_link l;

	pt_link_open(&l, 0, 0, 1500);
	stale_peer(&l, 0, &p);
	cr_assert_eq(p.ap_ucast_probes, 3, "three unicast probes by default");
	cr_assert_eq(p.ap_retries, 3);
	use_peer(&l, 0, PROBE_UCAST);
	use_peer(&l, 0, PROBE_NONE); /* within ap_retry_ms of the first */
	for (int i = 0; i < 2; i++) {
		pt_run_ms(160);
		use_peer(&l, 0, PROBE_UCAST);
		use_peer(&l, 0, PROBE_NONE);
	}
	for (int i = 0; i < 3; i++) {
		pt_run_ms(160);
		use_peer(&l, 0, PROBE_BCAST);
	}
	pt_run_ms(160);
	use_peer(&l, 0, PROBE_NONE); /* all sent: it waits for its removal, or a confirmation */
	cr_assert_eq(arp_get(&l, PT_ADDR_PEER, &ae), 0);
	cr_assert_eq(ae.ae_state, ARP_STATE_STALE);
	cr_assert_eq(ae.ae_tries, 6, "ARP_GET tells the probes sent");
	st = pt_arpstat(l.sd);
	cr_assert_eq(st.arps_tx_ucast_probes, 3);
	cr_assert_eq(st.arps_tx_requests, 6, "unicast probes are requests too");
	cr_assert_eq(st.arps_tx_frames, 10, "no packet held or dropped");
	pt_link_close(&l);
	pt_assert_clean();
}

/*
 * A reply to a probe confirms the entry: REACHABLE, and no more probes. When it goes stale
 * again, probing starts afresh, even after every probe of the last time was sent.
 */
YT_TEST(arp, a_reply_to_a_probe_makes_the_entry_reachable_and_ends_probing)
{
	struct arp_param p = { .ap_ucast_probes = 1, .ap_retries = 1, .ap_retry_ms = 20 };
	struct arp_param again = { 0 };
	struct arp_entry ae;
	struct pt_link l;

	pt_link_open(&l, 0, 0, 1500);
	stale_peer(&l, 0, &p);
	use_peer(&l, 0, PROBE_UCAST);
	pt_run_ms(30);
	use_peer(&l, 0, PROBE_BCAST);
	pt_run_ms(30);
	use_peer(&l, 0, PROBE_NONE); /* none left */
	reply_from_peer(&l);
	cr_assert_eq(arp_get(&l, PT_ADDR_PEER, &ae), 0);
	cr_assert_eq(ae.ae_state, ARP_STATE_REACHABLE);
	cr_assert_eq(ae.ae_tries, 0);
	for (int i = 0; i < 3; i++) {
		pt_run_ms(30);
		use_peer(&l, 0, PROBE_NONE);
	}
	cr_assert_eq(pt_arpstat(l.sd).arps_tx_ucast_probes, 1);
	cr_assert_eq(pt_arpstat(l.sd).arps_tx_requests, 2);
	/* Stale again (confirmed anew first, lest it be past 2 x 100 ms and removed): its first
	 * use probes as the first time did. */
	reply_from_peer(&l);
	go_stale(&l, &again);
	use_peer(&l, 0, PROBE_UCAST);
	cr_assert_eq(pt_arpstat(l.sd).arps_tx_ucast_probes, 2);
	pt_link_close(&l);
	pt_assert_clean();
}

/*
 * ap_ucast_probes 101 is refused; ARP_UCAST_PROBES_NONE sets none (0 keeps it, as in every
 * field), and a stale entry is probed by broadcast only, ap_retries times.
 */
YT_TEST(arp, no_unicast_probes_probes_by_broadcast_only)
{
	struct arp_param p = { .ap_ucast_probes = ARP_UCAST_PROBES_MAX + 1 }, keep = { 0 };
	struct arpstat st;
	struct pt_link l;

	pt_link_open(&l, 0, 0, 1500);
	cr_assert_eq(pt_istr(l.sd, ARP_SETPARAM, &p, sizeof(p)), -EINVAL);
	p = (struct arp_param){ .ap_ucast_probes = ARP_UCAST_PROBES_NONE, .ap_retries = 2,
				.ap_retry_ms = 100 };
	stale_peer(&l, 0, &p);
	cr_assert_eq(p.ap_ucast_probes, 0, "the answer holds the count in force");
	cr_assert_geq(pt_istr(l.sd, ARP_SETPARAM, &keep, sizeof(keep)), 0);
	cr_assert_eq(keep.ap_ucast_probes, 0, "0 keeps it");
	use_peer(&l, 0, PROBE_BCAST);
	use_peer(&l, 0, PROBE_NONE);
	pt_run_ms(110);
	use_peer(&l, 0, PROBE_BCAST);
	pt_run_ms(110);
	use_peer(&l, 0, PROBE_NONE);
	st = pt_arpstat(l.sd);
	cr_assert_eq(st.arps_tx_ucast_probes, 0);
	cr_assert_eq(st.arps_tx_requests, 2);
	pt_link_close(&l);
	pt_assert_clean();
}

/* A VLAN link's probes carry its tag, unicast and broadcast alike (one of each here). */
YT_TEST(arp, a_vlan_link_tags_its_probes)
{
	struct arp_param p = { .ap_ucast_probes = 1, .ap_retry_ms = 100 };
	struct pt_link l;

	pt_link_open_vlan(&l, 0, 0, 1500, 100);
	stale_peer(&l, 100, &p);
	use_peer(&l, 100, PROBE_UCAST);
	pt_run_ms(110);
	use_peer(&l, 100, PROBE_BCAST);
	cr_assert_eq(pt_arpstat(l.sd).arps_tx_ucast_probes, 1);
	pt_link_close(&l);
	pt_assert_clean();
}

/*
 * With no block for the probe the packet still goes; the probe is counted (drop_tx_nomem)
 * and taken as sent: the next one, ap_retry_ms later, is the second.
 */
YT_TEST(arp, a_probe_without_a_block_loses_no_data)
{
	struct arp_param p = { .ap_retry_ms = 100 };
	mblk_t *mp, *b, *chain = NULL;
	struct arp_entry ae;
	struct arpstat st;
	struct pt_link l;
	uint8_t f[128];
	size_t n;

	pt_link_open(&l, 0, 0, 1500);
	stale_peer(&l, 0, &p);
	mp = ipv4_down(PT_ADDR_PEER, 8, 64);
	while ((b = allocb(64, BPRI_MED)) != NULL) {
		b->b_next = chain;
		chain = b;
	}
	cr_assert_eq(sth_putmsg_mblk(l.sd, mp), 0);
	yt_drain();
	freemsgchain(chain);
	n = pt_take(l.minor, f, sizeof(f));
	cr_assert_eq(n, 14 + 28, "the packet went, got %zu bytes", n);
	cr_assert_arr_eq(f, &pt_mac_peer, 6);
	cr_assert_eq(pt_take(l.minor, f, sizeof(f)), 0, "no probe");
	st = pt_arpstat(l.sd);
	cr_assert_eq(st.arps_drop_tx_nomem, 1);
	cr_assert_eq(st.arps_tx_requests, 0);
	cr_assert_eq(arp_get(&l, PT_ADDR_PEER, &ae), 0);
	cr_assert_eq(ae.ae_tries, 1);
	use_peer(&l, 0, PROBE_NONE);
	pt_run_ms(110);
	use_peer(&l, 0, PROBE_UCAST);
	pt_link_close(&l);
	pt_assert_clean();
}
