/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP errors about our segments (protocols/tcp/tcp_icmp.c): "fragmentation needed" lowers
 * the MSS and resends (RFC 1191) only when the quote names a connection and a sequence number
 * in flight (RFC 5927); unreachables end a connection attempt, and are soft errors later.
 * Crafted ICMP messages through loop + arp + ip (which checks and quotes them) + tcp.
 */
#include <errno.h>
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_ip.h>

#include <protocols/tcp.h>
#include <protocols/tcp/tcp_priv.h>
#include <protocols/tcp_hdr.h>
#include <protocols/tihdr.h>

#include "tcp_test.h"

TestSuite(tcp_icmp, .init = yt_setup, .fini = yt_teardown);

#define ROUTER PT_IPV4(198, 18, 0, 254)

static void
ti_cleanup(void)
{
	tt_close();
	tt_lport = OUR_PORT;
}

static void
ti_put(struct stdata *sd, const void *ctl, size_t clen, const void *data, size_t dlen)
{
	struct strbuf c = { .len = (int)clen, .buf = (char *)(uintptr_t)ctl };
	struct strbuf d = { .len = (int)dlen, .buf = (char *)(uintptr_t)data };

	cr_assert_eq(sth_putmsg(sd, ctl != NULL ? &c : NULL, data != NULL ? &d : NULL, 0), 0);
	yt_drain();
}

/* The next frame tcp sent: sport, seq, flags, dlen in *s, the DF bit of its IPv4 header. */
static bool
ti_take_df(struct tt_seg *s, bool *df)
{
	uint8_t f[2000];
	size_t n = pt_take(tt_s.link.minor, f, sizeof(f));
	const uint8_t *th = f + 14 + 20;
	uint32_t seq;

	if (n == 0)
		return false;
	cr_assert_eq(f[14], 0x45);
	*df = (f[14 + 6] & 0x40) != 0;
	s->sport = (uint16_t)(th[0] << 8 | th[1]);
	memcpy(&seq, th + 4, 4);
	s->seq = rte_be_to_cpu_32(seq);
	s->flags = th[13];
	s->dlen = (size_t)(f[16] << 8 | f[17]) - 20 - (th[12] >> 4) * 4u;
	return true;
}

/* Active open to SYN-SENT: the endpoint; *s its SYN. Sets tt_lport. */
static struct stdata *
ti_connect(struct tt_seg *s)
{
	struct stdata *ep;
	struct {
		struct T_bind_req r;
		struct sockaddr_in sin;
	} b = { { T_BIND_REQ, sizeof(struct sockaddr_in), sizeof(struct T_bind_req), 0 },
		{ .sin_family = AF_INET } };
	struct {
		struct T_conn_req r;
		struct sockaddr_in sin;
	} c = { { T_CONN_REQ, sizeof(struct sockaddr_in), sizeof(struct T_conn_req), 0, 0 },
		{ .sin_family = AF_INET, .sin_port = rte_cpu_to_be_16(PEER_PORT),
		  .sin_addr = { PT_ADDR_PEER } } };
	char buf[256];
	bool df;

	tt_open();
	yt_set_cleanup(ti_cleanup);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &ep), 0);
	ti_put(ep, &b, sizeof(b), NULL, 0);
	cr_assert_eq(tt_get(ep, buf, sizeof(buf), NULL), T_BIND_ACK);
	ti_put(ep, &c, sizeof(c), NULL, 0);
	cr_assert_eq(tt_get(ep, buf, sizeof(buf), NULL), T_OK_ACK);
	cr_assert(ti_take_df(s, &df), "SYN sent");
	cr_assert_eq(s->flags, TH_SYN);
	cr_assert(df, "DF set on the SYN");
	tt_lport = s->sport;
	return ep;
}

/* An ICMP error from ROUTER quoting our segment (src us:tt_lport, dst peer:fport, seq). */
static void
ti_icmp(uint8_t type, uint8_t code, uint16_t mtu, uint16_t fport, uint32_t seq,
	uint16_t quoted_len)
{
	uint8_t f[256], *ic;
	size_t n = pt_eth(f, &pt_mac_us, &pt_mac_peer, RTE_ETHER_TYPE_IPV4);
	size_t icl = 8 + 20 + 8;
	struct rte_ipv4_hdr *q;
	uint16_t v16;
	uint32_t v32;

	n += pt_ipv4(f + n, ROUTER, PT_ADDR_US, IPPROTO_ICMP, 7, 0, 64, NULL, 0, icl);
	ic = f + n;
	memset(ic, 0, icl);
	ic[0] = type;
	ic[1] = code;
	ic[6] = (uint8_t)(mtu >> 8);
	ic[7] = (uint8_t)mtu;
	q = (struct rte_ipv4_hdr *)(ic + 8);
	q->version_ihl = 0x45;
	q->total_length = rte_cpu_to_be_16(quoted_len);
	q->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	q->time_to_live = 1;
	q->next_proto_id = IPPROTO_TCP;
	q->src_addr = PT_ADDR_US;
	q->dst_addr = PT_ADDR_PEER;
	q->hdr_checksum = rte_cpu_to_be_16(pt_cksum(q, 20));
	v16 = rte_cpu_to_be_16(tt_lport);
	memcpy(ic + 28, &v16, 2);
	v16 = rte_cpu_to_be_16(fport);
	memcpy(ic + 30, &v16, 2);
	v32 = rte_cpu_to_be_32(seq);
	memcpy(ic + 32, &v32, 4);
	v16 = rte_cpu_to_be_16(pt_cksum(ic, icl));
	memcpy(ic + 2, &v16, 2);
	pt_inject(tt_s.link.minor, f, n + icl);
	yt_drain();
}

/* Connected (no timestamps, peer MSS 1460) with 3000 bytes written: 1460 + 1460 + 80 sent. */
static struct stdata *
ti_established_with_data(uint32_t *una)
{
	static const uint8_t mss[4] = { TCPOPT_MAXSEG, 4, 0x05, 0xb4 };
	static char data[3000];
	struct tt_seg s, a;
	struct stdata *ep;
	bool df;

	ep = ti_connect(&s);
	tt_send(TH_SYN | TH_ACK, 9000, s.seq + 1, 65535, mss, sizeof(mss), NULL, 0);
	cr_assert(tt_take(&a), "ACK of the SYN,ACK");
	cr_assert_eq(tt_info(ep).tcpi_state, TCPS_ESTABLISHED);
	cr_assert_eq(tt_info(ep).tcpi_mss, 1460);
	*una = s.seq + 1;
	ti_put(ep, NULL, 0, data, sizeof(data));
	for (unsigned i = 0; i < 3; i++) {
		cr_assert(ti_take_df(&s, &df), "segment %u", i);
		cr_assert(df, "DF on data");
		cr_assert_eq(s.seq, *una + i * 1460);
		cr_assert_eq(s.dlen, i < 2 ? 1460u : 80u);
	}
	cr_assert(!ti_take_df(&s, &df));
	return ep;
}

YT_TEST(tcp_icmp, a_lowered_mss_is_raised_again_after_tp_pmtu_raise_ms)
{
	struct tcp_param p = { .tp_pmtu_raise_ms = 200 };
	struct stdata *ep;
	struct tt_seg s;
	uint32_t una;
	uint64_t t0;
	bool df;

	ep = ti_established_with_data(&una);
	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &p, sizeof(p)), 0);
	cr_assert_eq(p.tp_pmtu_raise_ms, 200);
	t0 = rte_get_timer_cycles();
	ti_icmp(3, 4, 1200, PEER_PORT, una, 1500);
	cr_assert_eq(tt_info(ep).tcpi_mss, 1160);
	while (ti_take_df(&s, &df))
		;
	/* the resend is acknowledged; the reduction ages: the agreed MSS again (RFC 1191 6.3) */
	tt_send(TH_ACK, 9001, una + 3000, 65535, NULL, 0, NULL, 0);
	pt_run_ms(100);
	/* judged only when the run ended inside the 200 ms (a loaded machine may stall us) */
	if (rte_get_timer_cycles() - t0 < 200 * rte_get_timer_hz() / 1000)
		cr_assert_eq(tt_info(ep).tcpi_mss, 1160, "not before the wait");
	pt_run_ms(250);
	cr_assert_eq(tt_info(ep).tcpi_mss, 1460);
	cr_assert_eq(tt_stats().tcps_pmtu_raised, 1);
	/* full-sized segments again; the path still small: lowered again, raised again later */
	{
		static char more[2000];

		ti_put(ep, NULL, 0, more, sizeof(more));
		cr_assert(ti_take_df(&s, &df));
		cr_assert_eq(s.dlen, 1460);
		while (ti_take_df(&s, &df))
			;
	}
	ti_icmp(3, 4, 1200, PEER_PORT, una + 3000, 1500);
	cr_assert_eq(tt_info(ep).tcpi_mss, 1160);
	cr_assert_eq(tt_stats().tcps_pmtu_lowered, 2);
	pt_run_ms(350);
	cr_assert_eq(tt_info(ep).tcpi_mss, 1460);
	cr_assert_eq(tt_stats().tcps_pmtu_raised, 2);
	while (ti_take_df(&s, &df))
		;
	sth_close(ep);
}

YT_TEST(tcp_icmp, fragmentation_needed_lowers_the_mss_and_resends_at_once)
{
	uint32_t una;
	struct stdata *ep = ti_established_with_data(&una);
	struct tt_seg s;
	struct tcpstat st;
	bool df;

	ti_icmp(3, 4, 1200, PEER_PORT, una, 1500);
	st = tt_stats();
	cr_assert_eq(st.tcps_icmp_rx, 1);
	cr_assert_eq(st.tcps_pmtu_lowered, 1);
	cr_assert_eq(tt_info(ep).tcpi_mss, 1200 - 40);
	/* what was outstanding goes again from SND.UNA in 1160-byte segments */
	cr_assert(ti_take_df(&s, &df));
	cr_assert_eq(s.seq, una);
	cr_assert_eq(s.dlen, 1160);
	cr_assert(df);
	cr_assert(ti_take_df(&s, &df));
	cr_assert_eq(s.seq, una + 1160);
	cr_assert_eq(s.dlen, 1160);
	cr_assert(ti_take_df(&s, &df));
	cr_assert_eq(s.seq, una + 2320);
	cr_assert_eq(s.dlen, 680);
	cr_assert_eq(tt_stats().tcps_tx_rexmt_segs, 3);
	/* a report that would not lower it is ignored */
	ti_icmp(3, 4, 1400, PEER_PORT, una, 1200);
	cr_assert_eq(tt_stats().tcps_pmtu_ignored, 1);
	cr_assert_eq(tt_info(ep).tcpi_mss, 1160);
	cr_assert(!ti_take_df(&s, &df));
	/* below the floor: 576 (MSS 536) */
	ti_icmp(3, 4, 300, PEER_PORT, una + 1160, 1200);
	cr_assert_eq(tt_info(ep).tcpi_mss, 536);
	while (ti_take_df(&s, &df))
		cr_assert_leq(s.dlen, 536);
	sth_close(ep);
}

YT_TEST(tcp_icmp, report_without_mtu_takes_the_next_plateau)
{
	uint32_t una;
	struct stdata *ep = ti_established_with_data(&una);
	struct tt_seg s;
	bool df;

	/* RFC 1191 7: a 1500-byte datagram refused by an old router: 1492 */
	ti_icmp(3, 4, 0, PEER_PORT, una, 1500);
	cr_assert_eq(tt_info(ep).tcpi_mss, 1492 - 40);
	cr_assert_eq(tcp_pmtu_next_plateau(1492), 1006);
	cr_assert_eq(tcp_pmtu_next_plateau(65535), 32000);
	cr_assert_eq(tcp_pmtu_next_plateau(60), 68);
	while (ti_take_df(&s, &df))
		;
	sth_close(ep);
}

YT_TEST(tcp_icmp, reports_not_naming_a_segment_in_flight_are_rejected)
{
	uint32_t una;
	struct stdata *ep = ti_established_with_data(&una);
	struct tt_seg s;
	struct tcpstat st;
	bool df;

	/* RFC 5927 4.1: the sequence number must be in [SND.UNA, SND.MAX) */
	ti_icmp(3, 4, 1000, PEER_PORT, una + 3000, 1500); /* SND.MAX: nothing there */
	ti_icmp(3, 4, 1000, PEER_PORT, una - 1, 1500);    /* acknowledged already */
	ti_icmp(3, 4, 1000, PEER_PORT, una + 100000, 1500);
	/* another connection (port) */
	ti_icmp(3, 4, 1000, PEER_PORT + 1, una, 1500);
	st = tt_stats();
	cr_assert_eq(st.tcps_icmp_rx, 4);
	cr_assert_eq(st.tcps_icmp_bad_seq, 3);
	cr_assert_eq(st.tcps_icmp_no_conn, 1);
	cr_assert_eq(st.tcps_pmtu_lowered, 0);
	cr_assert_eq(tt_info(ep).tcpi_mss, 1460, "unchanged");
	cr_assert(!ti_take_df(&s, &df), "nothing resent");
	/* a soft error in a synchronized state: recorded, the connection goes on */
	ti_icmp(3, 1, 0, PEER_PORT, una, 1500);
	cr_assert_eq(tt_stats().tcps_icmp_soft, 1);
	cr_assert_eq(tt_info(ep).tcpi_state, TCPS_ESTABLISHED);
	/* source quench is ignored (RFC 6633) */
	ti_icmp(4, 0, 0, PEER_PORT, una, 1500);
	cr_assert_eq(tt_stats().tcps_icmp_ignored, 1);
	sth_close(ep);
}

/* The T_DISCON_IND reason a SYN-SENT connection gets for unreachable code. */
static void
ti_unreach_in_syn_sent(uint8_t code, int want)
{
	struct tt_seg s;
	struct stdata *ep = ti_connect(&s);
	union {
		struct T_discon_ind di;
		char b[256];
	} u;

	/* the wrong sequence number first: ignored */
	ti_icmp(3, code, 0, PEER_PORT, s.seq + 1, 44);
	cr_assert_eq(tt_info(ep).tcpi_state, TCPS_SYN_SENT);
	ti_icmp(3, code, 0, PEER_PORT, s.seq, 44);
	cr_assert_eq(tt_get(ep, &u, sizeof(u), NULL), T_DISCON_IND);
	cr_assert_eq(u.di.DISCON_reason, want, "code %u: errno %d, not %d", code,
		     u.di.DISCON_reason, want);
	cr_assert_eq(tt_stats().tcps_icmp_refused, 1);
	cr_assert_eq(tt_stats().tcps_icmp_bad_seq, 1);
	sth_close(ep);
}

YT_TEST(tcp_icmp, port_unreachable_refuses_a_connection_attempt)
{
	ti_unreach_in_syn_sent(3, ECONNREFUSED);
}

YT_TEST(tcp_icmp, host_unreachable_ends_a_connection_attempt)
{
	ti_unreach_in_syn_sent(1, EHOSTUNREACH);
}

YT_TEST(tcp_icmp, protocol_unreachable_refuses_a_connection_attempt)
{
	ti_unreach_in_syn_sent(2, ECONNREFUSED);
}

/* ---- path MTU black holes (RFC 4821 10) --------------------------------------------------- */

/* RTOs of 200 to 300 ms (tp_rto_max_ms), so that six timeouts take under two seconds. */
static void
ti_fast_rto(uint32_t flags)
{
	struct tcp_param p = { .tp_rto_max_ms = 300, .tp_flags = flags };

	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &p, sizeof(p)), 0);
}

/* Run until tcp resends from una; its size. Skips nothing else: only resends come. */
static size_t
ti_next_resend(uint32_t una)
{
	struct tt_seg s;
	bool df;

	for (unsigned ms = 0; ms < 2000; ms += 10) {
		if (ti_take_df(&s, &df)) {
			cr_assert_eq(s.seq, una, "a resend from SND.UNA");
			while (ti_take_df(&s, &df)) /* the rest of the window, if any */
				;
			return s.seq == una ? s.dlen : 0;
		}
		pt_run_ms(10);
	}
	cr_assert_fail("no retransmission in 2 s");
	return 0;
}

/*
 * A router drops every datagram over 1240 bytes and says nothing: the full-size segments time
 * out twice, the MSS falls to tp_blackhole_mss (1200), what is outstanding goes again in that
 * size and is acknowledged: the black hole is confirmed and the MSS stays.
 */
YT_TEST(tcp_icmp, full_size_segments_that_time_out_twice_fall_to_the_blackhole_mss)
{
	struct stdata *ep;
	struct tcpstat st;
	struct tt_seg s;
	uint32_t una;
	bool df;

	ep = ti_established_with_data(&una);
	ti_fast_rto(0);
	cr_assert_eq(ti_next_resend(una), 1460, "the first timeout resends in full size");
	cr_assert_eq(tt_info(ep).tcpi_mss, 1460);
	cr_assert_eq(ti_next_resend(una), 1200, "the second in the black hole MSS");
	st = tt_stats();
	cr_assert_eq(st.tcps_pmtu_blackhole, 1);
	cr_assert_eq(tt_info(ep).tcpi_mss, 1200);
	/* the peer gets them now: 1200 acknowledged, then the rest in 1200-byte segments */
	tt_send(TH_ACK, 9001, una + 1200, 65535, NULL, 0, NULL, 0);
	for (uint32_t at = una + 1200; at < una + 3000;) {
		cr_assert(ti_take_df(&s, &df), "the segment at %u", at - una);
		cr_assert_eq(s.seq, at);
		cr_assert_leq(s.dlen, 1200);
		at += (uint32_t)s.dlen;
		tt_send(TH_ACK, 9001, at, 65535, NULL, 0, NULL, 0);
	}
	st = tt_stats();
	cr_assert_eq(st.tcps_pmtu_blackhole_kept, 1, "all acknowledged in the lowered size");
	cr_assert_eq(st.tcps_pmtu_blackhole_undone, 0);
	cr_assert_eq(tt_info(ep).tcpi_mss, 1200, "kept until the path MTU ages");
	sth_close(ep);
}

/*
 * Nothing gets through, whatever the size (the peer is gone for a while): 1200 at the second
 * timeout, 536 at the fourth, and at the sixth the MSS it had: it was not about size.
 */
YT_TEST(tcp_icmp, a_blackhole_guess_smaller_segments_do_not_cure_is_undone)
{
	static const size_t want[] = { 1460, 1200, 1200, 536, 536, 1460 };
	struct stdata *ep;
	struct tcpstat st;
	uint32_t una;

	ep = ti_established_with_data(&una);
	ti_fast_rto(0);
	for (unsigned i = 0; i < RTE_DIM(want); i++)
		cr_assert_eq(ti_next_resend(una), want[i], "timeout %u", i + 1);
	st = tt_stats();
	cr_assert_eq(st.tcps_pmtu_blackhole, 2);
	cr_assert_eq(st.tcps_pmtu_blackhole_undone, 1);
	cr_assert_eq(st.tcps_pmtu_blackhole_kept, 0);
	cr_assert_eq(tt_info(ep).tcpi_mss, 1460);
	sth_close(ep);
}

/* 1000 bytes outstanding, no more than a black hole MSS: their timeouts are not about size. */
YT_TEST(tcp_icmp, no_blackhole_guess_for_data_no_larger_than_the_blackhole_mss)
{
	static const uint8_t mss[4] = { TCPOPT_MAXSEG, 4, 0x05, 0xb4 };
	static char data[1000];
	struct tt_seg s, a;
	struct stdata *ep;
	uint32_t una;
	bool df;

	ep = ti_connect(&s);
	tt_send(TH_SYN | TH_ACK, 9000, s.seq + 1, 65535, mss, sizeof(mss), NULL, 0);
	cr_assert(tt_take(&a), "ACK of the SYN,ACK");
	una = s.seq + 1;
	ti_put(ep, NULL, 0, data, sizeof(data));
	cr_assert(ti_take_df(&s, &df));
	cr_assert_eq(s.dlen, 1000);
	ti_fast_rto(0);
	for (unsigned i = 0; i < 4; i++)
		cr_assert_eq(ti_next_resend(una), 1000, "timeout %u", i + 1);
	cr_assert_eq(tt_stats().tcps_pmtu_blackhole, 0);
	cr_assert_eq(tt_info(ep).tcpi_mss, 1460);
	sth_close(ep);
}

/* TCP_PF_NO_BLACKHOLE: full size at every timeout. */
YT_TEST(tcp_icmp, no_blackhole_guess_when_turned_off)
{
	struct stdata *ep;
	uint32_t una;

	ep = ti_established_with_data(&una);
	ti_fast_rto(TCP_PF_NO_BLACKHOLE);
	for (unsigned i = 0; i < 4; i++)
		cr_assert_eq(ti_next_resend(una), 1460, "timeout %u", i + 1);
	cr_assert_eq(tt_stats().tcps_pmtu_blackhole, 0);
	cr_assert_eq(tt_info(ep).tcpi_mss, 1460);
	sth_close(ep);
}
