/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The udp driver through TPI (no timod): the state machine and its errors, addresses and
 * ports, datagrams in and out (checked with a checksum computed independently), zero copy,
 * fragments both ways through ip, malformed input, ICMP, flow control; and the echo and
 * discard services over XTI.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <rte_telemetry.h>

#include <protocols/udp_services.h>
#include <protocols/xti/xti.h>
#include <streams/loop.h>

#include "udp_test.h"

TestSuite(udp, .init = yt_setup, .fini = yt_teardown);
TestSuite(udp_services, .init = yt_setup, .fini = yt_teardown);

#define OTHER_ADDR PT_IPV4(198, 18, 0, 3)
#define BCAST_ADDR PT_IPV4(198, 18, 0, 255)

static unsigned
rd16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

/* Take the next message of an endpoint whole (zero copy), asserting its primitive. */
static mblk_t *
take_prim(struct stdata *sd, t_scalar_t prim)
{
	mblk_t *mp = NULL;

	cr_assert_eq(sth_getmsg_mblk(sd, &mp), 0, "a message is waiting");
	cr_assert_not_null(mp);
	cr_assert(DB_TYPE(mp) == M_PROTO || DB_TYPE(mp) == M_PCPROTO);
	cr_assert_geq(MBLKL(mp), sizeof(t_scalar_t));
	cr_assert_eq(((union T_primitives *)mp->b_rptr)->type, prim, "primitive %d, not %d",
		     ((union T_primitives *)mp->b_rptr)->type, prim);
	return mp;
}

/*
 * Every message on sd's read queue is an M_PROTO block udp marked YB_TUDATA (the mark is
 * looked at where udp left it: the stream head clears it on the way to the caller).
 * Returns how many there are.
 */
static unsigned
all_queued_marked(struct stdata *sd)
{
	unsigned n = 0;

	size_t bytes = 0;

	for (const mblk_t *mp = RD(sd->sd_wrq)->q_first; mp != NULL; mp = mp->b_next, n++) {
		size_t size = 0, nblk = 0;

		cr_assert_eq(DB_TYPE(mp), M_PROTO);
		cr_assert_eq(mp->b_yflags & YB_TUDATA, YB_TUDATA, "the common layout, said so");
		for (const mblk_t *bp = mp; bp != NULL; bp = bp->b_cont, nblk++)
			size += MBLKL(bp);
		/* A size said (YB_MSGSIZE) is the message's own, of two blocks. */
		if (mp->b_yflags & YB_MSGSIZE) {
			cr_assert_eq(mp->b_datap->db_cksum, size);
			cr_assert_eq(nblk, 2);
		}
		bytes += size;
	}
	cr_assert_eq(RD(sd->sd_wrq)->q_count, bytes, "the stream head charged what is queued");
	return n;
}

static void
assert_empty(struct stdata *sd)
{
	mblk_t *mp = NULL;

	cr_assert_eq(sth_getmsg_mblk(sd, &mp), -EAGAIN, "nothing queued");
}

/* Send a TPI request and expect T_ERROR_ACK tli for it. */
static void
expect_error_ack(struct stdata *sd, const void *req, size_t len, t_scalar_t tli)
{
	struct T_error_ack ea;

	cr_assert_eq(ut_put(sd, req, len, false), 0);
	yt_drain();
	cr_assert_eq(ut_get(sd, &ea, sizeof(ea), NULL, 0, NULL), (int)sizeof(ea));
	cr_assert_eq(ea.PRIM_type, T_ERROR_ACK);
	cr_assert_eq(ea.ERROR_prim, *(const t_scalar_t *)req);
	cr_assert_eq(ea.TLI_error, tli, "TLI error %d, not %d", ea.TLI_error, tli);
}

/* T_OPTMGMT_REQ T_NEGOTIATE of one t_uscalar_t or unsigned char option; the MGMT_flags. */
static t_scalar_t
negotiate(struct stdata *sd, t_uscalar_t level, t_uscalar_t name, uint32_t v, size_t vlen)
{
	union {
		struct T_optmgmt_req req;
		struct T_optmgmt_ack ack;
		uint8_t raw[256];
	} u;
	struct T_opthdr oh = { .len = (t_uscalar_t)(sizeof(oh) + vlen), .level = level,
			       .name = name };

	memset(&u, 0, sizeof(u));
	u.req.PRIM_type = T_OPTMGMT_REQ;
	u.req.OPT_length = (t_scalar_t)(sizeof(oh) + vlen);
	u.req.OPT_offset = sizeof(u.req);
	u.req.MGMT_flags = T_NEGOTIATE;
	memcpy(u.raw + sizeof(u.req), &oh, sizeof(oh));
	if (vlen == 1)
		u.raw[sizeof(u.req) + sizeof(oh)] = (uint8_t)v;
	else
		memcpy(u.raw + sizeof(u.req) + sizeof(oh), &v, 4);
	cr_assert_eq(ut_put(sd, &u, sizeof(u.req) + sizeof(oh) + vlen, false), 0);
	yt_drain();
	cr_assert_gt(ut_get(sd, &u, sizeof(u), NULL, 0, NULL), 0);
	cr_assert_eq(u.ack.PRIM_type, T_OPTMGMT_ACK);
	return u.ack.MGMT_flags;
}

/* ---- TPI: information, states and addresses ----------------------------------------------- */

YT_TEST(udp, info_ack_describes_a_connectionless_provider)
{
	struct stdata *ep = ut_ep_open();
	struct T_info_ack ia = ut_info(ep);

	cr_assert_eq(ia.TSDU_size, 65507);
	cr_assert_eq(ia.ADDR_size, (t_scalar_t)sizeof(struct sockaddr_in));
	cr_assert_eq(ia.SERV_type, T_CLTS);
	cr_assert_eq(ia.CURRENT_state, TS_UNBND);
	cr_assert_eq(ia.ETSDU_size, T_INVALID);
	cr_assert_eq(ia.CDATA_size, T_INVALID);
	cr_assert_eq(ia.PROVIDER_flag & (SENDZERO | XPG4_1), SENDZERO | XPG4_1);
	cr_assert_eq(sth_close(ep), 0);
}

YT_TEST(udp, binds_a_port_and_goes_idle)
{
	struct stdata *ep = ut_ep_open();
	struct sockaddr_in bound;
	struct T_addr_req ar = { .PRIM_type = T_ADDR_REQ };
	union {
		struct T_addr_ack ack;
		uint8_t raw[128];
	} u;

	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 7000, &bound), 0);
	cr_assert_eq(bound.sin_family, AF_INET);
	cr_assert_eq(rte_be_to_cpu_16(bound.sin_port), 7000);
	cr_assert_eq(bound.sin_addr.s_addr, 0, "the wildcard address");
	cr_assert_eq(ut_info(ep).CURRENT_state, TS_IDLE);
	cr_assert_eq(ut_put(ep, &ar, sizeof(ar), true), 0);
	yt_drain();
	cr_assert_gt(ut_get(ep, &u, sizeof(u), NULL, 0, NULL), 0);
	cr_assert_eq(u.ack.PRIM_type, T_ADDR_ACK);
	cr_assert_eq(u.ack.LOCADDR_length, (t_scalar_t)sizeof(bound));
	cr_assert_eq(u.ack.REMADDR_length, 0, "connectionless: no peer");
	cr_assert_arr_eq(u.raw + u.ack.LOCADDR_offset, &bound, sizeof(bound));
	cr_assert_eq(sth_close(ep), 0);
}

YT_TEST(udp, refuses_a_second_bind_with_toutstate)
{
	struct stdata *ep = ut_ep_open();

	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 7001, NULL), 0);
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 7002, NULL), TOUTSTATE);
	cr_assert_eq(ut_info(ep).CURRENT_state, TS_IDLE, "the error leaves the state");
	cr_assert_eq(sth_close(ep), 0);
}

YT_TEST(udp, refuses_unbind_when_unbound_with_toutstate)
{
	struct stdata *ep = ut_ep_open();
	struct T_unbind_req ur = { .PRIM_type = T_UNBIND_REQ };
	struct T_ok_ack ok;

	expect_error_ack(ep, &ur, sizeof(ur), TOUTSTATE);
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 7003, NULL), 0);
	cr_assert_eq(ut_put(ep, &ur, sizeof(ur), false), 0);
	yt_drain();
	cr_assert_eq(ut_get(ep, &ok, sizeof(ok), NULL, 0, NULL), (int)sizeof(ok));
	cr_assert_eq(ok.PRIM_type, T_OK_ACK);
	cr_assert_eq(ok.CORRECT_prim, T_UNBIND_REQ);
	cr_assert_eq(ut_info(ep).CURRENT_state, TS_UNBND);
	expect_error_ack(ep, &ur, sizeof(ur), TOUTSTATE);
	cr_assert_eq(sth_close(ep), 0);
}

YT_TEST(udp, answers_unitdata_before_bind_with_uderror_eproto)
{
	struct ut_bare b;
	struct stdata *ep;
	mblk_t *mp;
	struct T_uderror_ind ue;
	struct sockaddr_in dest;

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_sendto(ep, PT_ADDR_PEER, 9, "x", 1), 0);
	yt_drain();
	mp = take_prim(ep, T_UDERROR_IND);
	memcpy(&ue, mp->b_rptr, sizeof(ue));
	cr_assert_eq(ue.ERROR_type, EPROTO);
	cr_assert_eq(ue.DEST_length, (t_scalar_t)sizeof(dest), "the destination is quoted");
	memcpy(&dest, mp->b_rptr + ue.DEST_offset, sizeof(dest));
	cr_assert_eq(dest.sin_addr.s_addr, PT_ADDR_PEER);
	cr_assert_null(mp->b_cont, "the data is not sent back");
	freemsg(mp);
	cr_assert_null(yard_loop_take(b.minor), "nothing went down");
	cr_assert_eq(ut_udpstat(b.udp).udps_uderr_state, 1);
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

YT_TEST(udp, refuses_malformed_addresses_with_tbadaddr)
{
	struct ut_bare b;
	struct stdata *ep;
	union {
		struct T_bind_req req;
		uint8_t raw[64];
	} u;
	struct sockaddr_in sin = ut_sin(0, 7100);

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	memset(&u, 0, sizeof(u));
	u.req.PRIM_type = T_BIND_REQ;
	u.req.ADDR_offset = sizeof(u.req);
	/* Too short for a sockaddr_in. */
	u.req.ADDR_length = 8;
	memcpy(u.raw + sizeof(u.req), &sin, sizeof(sin));
	expect_error_ack(ep, &u, sizeof(u.req) + 8, TBADADDR);
	/* Not AF_INET. */
	u.req.ADDR_length = sizeof(sin);
	sin.sin_family = AF_INET6;
	memcpy(u.raw + sizeof(u.req), &sin, sizeof(sin));
	expect_error_ack(ep, &u, sizeof(u.req) + sizeof(sin), TBADADDR);
	/* Beyond the message. */
	sin.sin_family = AF_INET;
	memcpy(u.raw + sizeof(u.req), &sin, sizeof(sin));
	u.req.ADDR_offset = 40;
	expect_error_ack(ep, &u, sizeof(u.req) + sizeof(sin), TBADADDR);
	/* Not one of our addresses. */
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, PT_IPV4(10, 1, 2, 3), 7100, NULL), TBADADDR);
	cr_assert_eq(ut_info(ep).CURRENT_state, TS_UNBND);
	/* Ours is fine. */
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, PT_ADDR_US, 7100, NULL), 0);
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

YT_TEST(udp, refuses_a_taken_port_with_taddrbusy)
{
	struct ut_bare b;
	struct udp_addrreq ar = { .ua_addr = OTHER_ADDR, .ua_prefix = 24 };
	struct stdata *a, *c, *d, *e;

	ut_bare_open(&b, false);
	cr_assert_geq(pt_istr(b.udp, UDP_ADDR_ADD, &ar, sizeof(ar)), 0);
	a = ut_ep_open();
	c = ut_ep_open();
	d = ut_ep_open();
	e = ut_ep_open();
	cr_assert_eq(ut_bind(a, T_BIND_REQ, PT_ADDR_US, 5353, NULL), 0);
	cr_assert_eq(ut_bind(c, T_BIND_REQ, PT_ADDR_US, 5353, NULL), TADDRBUSY, "same address");
	cr_assert_eq(ut_bind(c, T_BIND_REQ, 0, 5353, NULL), TADDRBUSY, "the wildcard covers it");
	cr_assert_eq(ut_bind(d, T_BIND_REQ, OTHER_ADDR, 5353, NULL), 0, "another address");
	cr_assert_eq(ut_bind(e, T_BIND_REQ, 0, 6000, NULL), 0);
	cr_assert_eq(ut_bind(c, T_BIND_REQ, PT_ADDR_US, 6000, NULL), TADDRBUSY,
		     "a wildcard bind takes the port on every address");
	cr_assert_eq(ut_info(c).CURRENT_state, TS_UNBND);
	cr_assert_eq(sth_close(a), 0);
	cr_assert_eq(ut_bind(c, T_BIND_REQ, PT_ADDR_US, 5353, NULL), 0, "free after close");
	cr_assert_eq(sth_close(c), 0);
	cr_assert_eq(sth_close(d), 0);
	cr_assert_eq(sth_close(e), 0);
	ut_bare_close(&b);
}

YT_TEST(udp, lets_o_t_bind_choose_another_port)
{
	struct stdata *a = ut_ep_open(), *c = ut_ep_open();
	struct sockaddr_in bound;

	cr_assert_eq(ut_bind(a, T_BIND_REQ, 0, 7200, NULL), 0);
	cr_assert_eq(ut_bind(c, O_T_BIND_REQ, 0, 7200, &bound), 0, "TLI: no TADDRBUSY");
	cr_assert_neq(rte_be_to_cpu_16(bound.sin_port), 7200);
	cr_assert_geq(rte_be_to_cpu_16(bound.sin_port), UDP_PORT_EPH_LO);
	cr_assert_eq(sth_close(a), 0);
	cr_assert_eq(sth_close(c), 0);
}

YT_TEST(udp, gives_distinct_ephemeral_ports_in_range)
{
	enum { N = 64 };
	struct stdata *eps[N];
	uint16_t ports[N];

	for (int i = 0; i < N; i++) {
		struct sockaddr_in bound;

		eps[i] = ut_ep_open();
		cr_assert_eq(ut_bind(eps[i], T_BIND_REQ, 0, 0, &bound), 0);
		ports[i] = rte_be_to_cpu_16(bound.sin_port);
		cr_assert_geq(ports[i], UDP_PORT_EPH_LO);
		cr_assert_leq(ports[i], UDP_PORT_EPH_HI);
		for (int j = 0; j < i; j++)
			cr_assert_neq(ports[i], ports[j], "ports %d and %d are both %u", i, j, ports[i]);
	}
	for (int i = 0; i < N; i++)
		cr_assert_eq(sth_close(eps[i]), 0);
}

YT_TEST(udp, runs_out_of_ephemeral_ports_with_tnoaddr)
{
	struct udp_param p = { .up_port_lo = 50000, .up_port_hi = 50002 };
	struct stdata *eps[4];

	for (int i = 0; i < 4; i++)
		eps[i] = ut_ep_open();
	cr_assert_geq(pt_istr(eps[0], UDP_SETPARAM, &p, sizeof(p)), 0);
	cr_assert_eq(p.up_port_lo, 50000);
	cr_assert_eq(p.up_port_hi, 50002);
	for (int i = 0; i < 3; i++) {
		struct sockaddr_in bound;

		cr_assert_eq(ut_bind(eps[i], T_BIND_REQ, 0, 0, &bound), 0);
		cr_assert_geq(rte_be_to_cpu_16(bound.sin_port), 50000);
		cr_assert_leq(rte_be_to_cpu_16(bound.sin_port), 50002);
	}
	cr_assert_eq(ut_bind(eps[3], T_BIND_REQ, 0, 0, NULL), TNOADDR);
	p = (struct udp_param){ .up_port_lo = 100 };
	cr_assert_eq(pt_istr(eps[0], UDP_SETPARAM, &p, sizeof(p)), -EINVAL, "below 1024");
	for (int i = 0; i < 4; i++)
		cr_assert_eq(sth_close(eps[i]), 0);
}

YT_TEST(udp, answers_capability_with_the_info)
{
	struct stdata *ep = ut_ep_open();
	struct T_capability_req cr = { .PRIM_type = T_CAPABILITY_REQ, .CAP_bits1 = TC1_INFO };
	struct T_capability_ack ca;

	cr_assert_eq(ut_put(ep, &cr, sizeof(cr), true), 0);
	yt_drain();
	cr_assert_eq(ut_get(ep, &ca, sizeof(ca), NULL, 0, NULL), (int)sizeof(ca));
	cr_assert_eq(ca.PRIM_type, T_CAPABILITY_ACK);
	cr_assert_eq(ca.CAP_bits1, TC1_INFO);
	cr_assert_eq(ca.INFO_ack.PRIM_type, T_INFO_ACK);
	cr_assert_eq(ca.INFO_ack.TSDU_size, 65507);
	cr_assert_eq(ca.INFO_ack.SERV_type, T_CLTS);
	cr_assert_eq(sth_close(ep), 0);
}

YT_TEST(udp, refuses_connection_primitives_with_tnotsupport)
{
	struct stdata *ep = ut_ep_open();
	struct T_conn_req conn = { .PRIM_type = T_CONN_REQ };
	struct T_optmgmt_req old = { .PRIM_type = T_SVR4_OPTMGMT_REQ, .MGMT_flags = T_CHECK };
	struct T_data_req dr = { .PRIM_type = T_DATA_REQ };

	expect_error_ack(ep, &conn, sizeof(conn), TNOTSUPPORT);
	expect_error_ack(ep, &old, sizeof(old), TNOTSUPPORT);
	expect_error_ack(ep, &dr, sizeof(dr), TNOTSUPPORT);
	cr_assert_eq(sth_close(ep), 0);
}

/* ---- datagrams in ------------------------------------------------------------------------- */

YT_TEST(udp, delivers_a_datagram_with_its_source_without_copying)
{
	struct ut_bare b;
	struct stdata *ep;
	uint8_t d[256];
	struct yard_msgstat before, after;
	struct T_unitdata_ind tui;
	struct sockaddr_in src;
	const unsigned char *base, *lim;
	mblk_t *inj, *mp;
	size_t n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 4321, 7300, NULL, 100);

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 7300, NULL), 0);
	inj = yard_allocb_hr(n, RTE_PKTMBUF_HEADROOM);
	memcpy(inj->b_wptr, d, n);
	inj->b_wptr += n;
	base = DB_BASE(inj);
	lim = DB_LIM(inj);
	yard_msgstat_sum(&before);
	cr_assert_eq(yard_loop_inject(b.minor, inj), 0);
	yt_drain();
	yard_msgstat_sum(&after);
	cr_assert_eq(after.copied_bytes, before.copied_bytes, "nothing copied on the way up");
	cr_assert_eq(all_queued_marked(ep), 1);
	mp = take_prim(ep, T_UNITDATA_IND);
	cr_assert_eq(DB_TYPE(mp), M_PROTO);
	cr_assert_eq(MBLKL(mp), sizeof(tui) + sizeof(src));
	cr_assert_eq(mp->b_yflags & YB_TUDATA, 0, "handed up without the mark");
	memcpy(&tui, mp->b_rptr, sizeof(tui));
	cr_assert_eq(tui.SRC_length, (t_scalar_t)sizeof(src));
	cr_assert_eq(tui.OPT_length, 0);
	memcpy(&src, mp->b_rptr + tui.SRC_offset, sizeof(src));
	cr_assert_eq(src.sin_family, AF_INET);
	cr_assert_eq(src.sin_addr.s_addr, PT_ADDR_PEER);
	cr_assert_eq(rte_be_to_cpu_16(src.sin_port), 4321);
	cr_assert_not_null(mp->b_cont);
	cr_assert_eq(mp->b_cont, inj, "the data is the injected block itself");
	cr_assert(mp->b_cont->b_rptr >= base && mp->b_cont->b_wptr <= lim,
		  "the data lies in the injected buffer");
	cr_assert_eq(mp->b_cont->b_rptr, base + RTE_PKTMBUF_HEADROOM + 28, "past IP and UDP");
	cr_assert_eq(msgdsize(mp), 100);
	cr_assert_arr_eq(mp->b_cont->b_rptr, d + 28, 100);
	freemsg(mp);
	cr_assert_eq(ut_udpstat(b.udp).udps_rx_delivered, 1);
	cr_assert_eq(ut_udpstat(b.udp).udps_rx_cksum_sw, 1);
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

/* yardctl conns' UDP rows: every bound endpoint, and what waits for its reader. */
YT_TEST(udp, snapshot_lists_bound_endpoints_with_what_waits_for_them)
{
	struct ut_bare b;
	struct stdata *a, *c, *unbound;
	struct yard_udp_ep_row rows[16];
	const struct yard_udp_ep_row *ra = NULL, *rc = NULL;
	uint8_t d[256];
	size_t n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 4321, 7301, NULL, 100);
	int before, got;

	ut_bare_open(&b, false);
	before = yard_udp_eps_snapshot(rows, RTE_DIM(rows));
	a = ut_ep_open();
	c = ut_ep_open();
	unbound = ut_ep_open();
	cr_assert_eq(ut_bind(a, T_BIND_REQ, 0, 7301, NULL), 0);
	cr_assert_eq(ut_bind(c, T_BIND_REQ, PT_ADDR_US, 7302, NULL), 0);
	(void)ut_bare_inject(&b, d, n);
	(void)ut_bare_inject(&b, d, n);
	got = yard_udp_eps_snapshot(rows, RTE_DIM(rows));
	cr_assert_eq(got, before + 2, "the two bound endpoints, not the unbound one");
	for (int i = 0; i < got; i++) {
		cr_assert_eq(rows[i].ur_lcore, rte_lcore_id());
		if (rows[i].ur_lport == rte_cpu_to_be_16(7301))
			ra = &rows[i];
		if (rows[i].ur_lport == rte_cpu_to_be_16(7302))
			rc = &rows[i];
	}
	cr_assert(ra != NULL && rc != NULL);
	cr_assert(ra < rc, "by port");
	cr_assert_eq(ra->ur_laddr, 0);
	cr_assert_eq(rc->ur_laddr, PT_ADDR_US);
	cr_assert_eq(ra->ur_recvq, RD(a->sd_wrq)->q_count, "what waits at the stream head");
	cr_assert_geq(ra->ur_recvq, 200, "two datagrams of 100 bytes");
	cr_assert_eq(rc->ur_recvq, 0);
	cr_assert_eq(ra->ur_sendq, 0);
	cr_assert_eq(ra->ur_rcvbuf, RD(a->sd_wrq)->q_hiwat);
	cr_assert_eq(ra->ur_flags, 0);
	cr_assert_eq(yard_udp_eps_snapshot(rows, 1), got, "the count, whatever fits");
	cr_assert_eq(sth_close(a), 0);
	cr_assert_eq(sth_close(c), 0);
	cr_assert_eq(sth_close(unbound), 0);
	cr_assert_eq(yard_udp_eps_snapshot(rows, RTE_DIM(rows)), before, "gone with their streams");
	ut_bare_close(&b);
}

YT_TEST(udp, delivers_by_destination_address_and_port)
{
	struct ut_bare b;
	struct udp_addrreq ar = { .ua_addr = OTHER_ADDR, .ua_prefix = 24 };
	struct stdata *us, *other, *wild;
	uint8_t d[128];
	size_t n;
	mblk_t *mp;

	ut_bare_open(&b, false);
	cr_assert_geq(pt_istr(b.udp, UDP_ADDR_ADD, &ar, sizeof(ar)), 0);
	us = ut_ep_open();
	other = ut_ep_open();
	wild = ut_ep_open();
	cr_assert_eq(ut_bind(us, T_BIND_REQ, PT_ADDR_US, 7400, NULL), 0);
	cr_assert_eq(ut_bind(other, T_BIND_REQ, OTHER_ADDR, 7400, NULL), 0);
	cr_assert_eq(ut_bind(wild, T_BIND_REQ, 0, 7401, NULL), 0);
	n = ut_ipudp(d, PT_ADDR_PEER, OTHER_ADDR, 1, 7400, NULL, 10);
	(void)ut_bare_inject(&b, d, n);
	freemsg(take_prim(other, T_UNITDATA_IND));
	assert_empty(us);
	n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 1, 7400, NULL, 10);
	(void)ut_bare_inject(&b, d, n);
	freemsg(take_prim(us, T_UNITDATA_IND));
	assert_empty(other);
	/* The wildcard takes the port on every address, and broadcasts. */
	n = ut_ipudp(d, PT_ADDR_PEER, OTHER_ADDR, 1, 7401, NULL, 10);
	(void)ut_bare_inject(&b, d, n);
	n = ut_ipudp(d, PT_ADDR_PEER, BCAST_ADDR, 1, 7401, NULL, 10);
	(void)ut_bare_inject(&b, d, n);
	mp = take_prim(wild, T_UNITDATA_IND);
	freemsg(mp);
	mp = take_prim(wild, T_UNITDATA_IND);
	freemsg(mp);
	cr_assert_eq(sth_close(us), 0);
	cr_assert_eq(sth_close(other), 0);
	cr_assert_eq(sth_close(wild), 0);
	ut_bare_close(&b);
}

struct bad_case {
	const char *what;
	int kind;        /* 0 length < 8, 1 length > payload, 2 bad checksum, 3 payload < 8 */
	unsigned index;  /* the counter that must count it */
};

static const struct bad_case bad_cases[] = {
	{ "UDP length below 8", 0, UDPS_drop_bad_len },
	{ "UDP length beyond the IP payload", 1, UDPS_drop_bad_len },
	{ "bad checksum", 2, UDPS_drop_bad_cksum },
	{ "IP payload shorter than a UDP header", 3, UDPS_drop_short },
};

YT_TEST(udp, drops_and_counts_malformed_datagrams)
{
	struct ut_bare b;
	struct stdata *ep;

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 7500, NULL), 0);
	for (unsigned i = 0; i < RTE_DIM(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct udpstat st0 = ut_udpstat(b.udp), st1;
		uint8_t d[256];
		size_t n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 9, 7500, NULL, 40);

		switch (c->kind) {
		case 0:
			d[20 + 4] = 0, d[20 + 5] = 7;
			break;
		case 1:
			d[20 + 4] = 0, d[20 + 5] = 49;
			break;
		case 2:
			d[20 + 8 + 3] ^= 0x40;
			break;
		default:
			n = pt_ipv4(d, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_UDP, 1, 0, 64, NULL, 0, 4);
			memset(d + n, 0, 4);
			n += 4;
			break;
		}
		(void)ut_bare_inject(&b, d, n);
		st1 = ut_udpstat(b.udp);
		cr_assert_eq(((uint64_t *)&st1)[c->index], ((uint64_t *)&st0)[c->index] + 1,
			     "%s: counted %s", c->what, udpstat_name(c->index));
		cr_assert_eq(st1.udps_rx_delivered, st0.udps_rx_delivered, "%s: not delivered",
			     c->what);
		assert_empty(ep);
		cr_assert_null(yard_loop_take(b.minor), "%s: no ICMP for a malformed datagram",
			       c->what);
	}
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

/*
 * ip's mark (YB_IPDGRAM) sends a datagram the short way, which takes the IPv4 header's
 * length and the message's shape as proved and checks only the UDP part; the bare harness
 * plays ip and marks some datagrams of one burst, so both ways run side by side: marked good,
 * short, bad-length, bad-checksum and longer-than-its-UDP-length datagrams, and unmarked ones
 * (with IP options, in two blocks) that take the long way. Every indication goes up marked
 * YB_TUDATA, its data without ip's mark.
 */
YT_TEST(udp, takes_what_ip_marked_as_proved_and_checks_the_rest)
{
	static const uint8_t opts[4] = { 1, 1, 1, 0 }; /* NOP NOP NOP EOL */
	enum { GOOD, SHORT, BADLEN, BADSUM, TRIM, OPTS, TWOBLK, GOOD2, N };
	struct ut_bare b;
	struct stdata *ep;
	mblk_t *v[N], *mp;
	struct udpstat st;
	unsigned got = 0;

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 7310, NULL), 0);
	for (unsigned i = 0; i < N; i++) {
		uint8_t d[256];
		size_t n, h;

		switch (i) {
		case SHORT: /* an IP payload of 4 bytes: no room for a UDP header */
			n = pt_ipv4(d, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_UDP, 1, 0, 64, NULL, 0, 4);
			memset(d + n, 0, 4);
			n += 4;
			break;
		case TRIM: /* a 22-byte UDP datagram in a 40-byte IP payload */
			h = pt_ipv4(d, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_UDP, 1, 0, 64, NULL, 0, 40);
			(void)ut_udp(d + h, PT_ADDR_PEER, PT_ADDR_US, 9, 7310, NULL, 14);
			memset(d + h + 22, 0xee, 18);
			n = h + 40;
			break;
		case OPTS:
			h = pt_ipv4(d, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_UDP, 1, 0, 64, opts,
				    sizeof(opts), 8 + 10);
			n = h + ut_udp(d + h, PT_ADDR_PEER, PT_ADDR_US, 9, 7310, NULL, 10);
			break;
		default:
			n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 9, 7310, NULL, 10);
			break;
		}
		if (i == BADLEN)
			d[20 + 5] = 19; /* one beyond the payload */
		if (i == BADSUM)
			d[20 + 8] ^= 0x10;
		if (i == TWOBLK) {
			v[i] = yard_allocb_hr(20, RTE_PKTMBUF_HEADROOM);
			memcpy(v[i]->b_wptr, d, 20);
			v[i]->b_wptr += 20;
			v[i]->b_cont = yard_allocb_hr(n - 20, RTE_PKTMBUF_HEADROOM);
			memcpy(v[i]->b_cont->b_wptr, d + 20, n - 20);
			v[i]->b_cont->b_wptr += n - 20;
			continue;
		}
		v[i] = yard_allocb_hr(n, RTE_PKTMBUF_HEADROOM);
		cr_assert_not_null(v[i]);
		memcpy(v[i]->b_wptr, d, n);
		v[i]->b_wptr += n;
		if (i != OPTS)
			v[i]->b_yflags |= YB_IPDGRAM; /* what ip would have proved of it */
	}
	cr_assert_eq(yard_loop_inject_burst(b.minor, v, N), 0);
	yt_drain();
	cr_assert_gt(all_queued_marked(ep), 0);
	/* The size is said over what ip marked (one block), not over the long way's datagrams. */
	mp = RD(ep->sd_wrq)->q_first;
	for (unsigned i = 0; i < 5; i++, mp = mp->b_next)
		cr_expect_eq(mp->b_yflags & YB_MSGSIZE, i == 2 || i == 3 ? 0 : YB_MSGSIZE,
			     "indication %u (OPTS and TWOBLK third and fourth)", i);
	while (sth_getmsg_mblk(ep, &mp) == 0) {
		cr_assert_eq(DB_TYPE(mp), M_PROTO);
		cr_expect_eq(mp->b_yflags & YB_TUDATA, 0, "handed up without the mark");
		cr_expect_eq(mp->b_yflags & YB_MSGSIZE, 0, "nor the size");
		cr_expect_eq(MBLKL(mp), sizeof(struct T_unitdata_ind) + sizeof(struct sockaddr_in));
		for (mblk_t *bp = mp->b_cont; bp != NULL; bp = bp->b_cont)
			cr_expect_eq(bp->b_yflags & YB_IPDGRAM, 0, "ip's mark is not passed on");
		cr_expect_eq(msgdsize(mp), got == 1 ? 14 : 10, "datagram %u (TRIM second)", got);
		got++;
		freemsg(mp);
	}
	cr_assert_eq(got, 5, "GOOD, TRIM, OPTS, TWOBLK and GOOD2 went up");
	st = ut_udpstat(b.udp);
	cr_expect_eq(st.udps_rx_delivered, 5);
	cr_expect_eq(st.udps_drop_short, 1);
	cr_expect_eq(st.udps_drop_bad_len, 1);
	cr_expect_eq(st.udps_drop_bad_cksum, 1);
	cr_expect_eq(st.udps_rx_trimmed, 1);
	cr_expect_eq(st.udps_rx_datagrams, N);
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

YT_TEST(udp, trims_a_datagram_shorter_than_its_ip_payload)
{
	struct ut_bare b;
	struct stdata *ep;
	uint8_t d[256];
	size_t n;
	mblk_t *mp;

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 7600, NULL), 0);
	/* A 30-byte UDP datagram (checksum over those) inside a 50-byte IP payload. */
	n = pt_ipv4(d, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_UDP, 1, 0, 64, NULL, 0, 50);
	(void)ut_udp(d + n, PT_ADDR_PEER, PT_ADDR_US, 9, 7600, NULL, 22);
	memset(d + n + 30, 0xee, 20);
	(void)ut_bare_inject(&b, d, n + 50);
	mp = take_prim(ep, T_UNITDATA_IND);
	cr_assert_eq(msgdsize(mp), 22, "the trailing bytes are not data");
	freemsg(mp);
	cr_assert_eq(ut_udpstat(b.udp).udps_rx_trimmed, 1);
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

YT_TEST(udp, accepts_a_datagram_without_checksum_and_an_empty_one)
{
	struct ut_bare b;
	struct stdata *ep;
	uint8_t d[256];
	size_t n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 9, 7700, NULL, 16);
	mblk_t *mp;

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 7700, NULL), 0);
	d[20 + 6] = d[20 + 7] = 0; /* RFC 768: no checksum */
	(void)ut_bare_inject(&b, d, n);
	mp = take_prim(ep, T_UNITDATA_IND);
	cr_assert_eq(msgdsize(mp), 16);
	freemsg(mp);
	n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 9, 7700, NULL, 0);
	(void)ut_bare_inject(&b, d, n);
	mp = take_prim(ep, T_UNITDATA_IND);
	cr_assert_not_null(mp->b_cont, "an empty data part");
	cr_assert_eq(msgdsize(mp), 0);
	freemsg(mp);
	cr_assert_eq(ut_udpstat(b.udp).udps_rx_no_cksum, 1);
	cr_assert_eq(ut_udpstat(b.udp).udps_rx_cksum_sw, 1);
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

YT_TEST(udp, trusts_the_port_checksum_verdict_only_when_told)
{
	struct ut_bare b;
	struct stdata *ep;
	struct udp_param p = { .up_flags = UDP_PF_RX_CKSUM_OFFLOAD };
	uint8_t d[256];
	size_t n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 9, 7800, NULL, 16);
	mblk_t *mp;

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 7800, NULL), 0);
	d[20 + 7] ^= 1; /* wrong, but the "port" says good */
	mp = yard_allocb_hr(n, RTE_PKTMBUF_HEADROOM);
	memcpy(mp->b_wptr, d, n);
	mp->b_wptr += n;
	yard_mblk_mbuf(mp)->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	cr_assert_eq(yard_loop_inject(b.minor, mp), 0);
	yt_drain();
	assert_empty(ep);
	cr_assert_eq(ut_udpstat(b.udp).udps_drop_bad_cksum, 1, "not told: verified in software");

	cr_assert_geq(pt_istr(b.udp, UDP_SETPARAM, &p, sizeof(p)), 0);
	cr_assert_eq(p.up_flags, UDP_PF_RX_CKSUM_OFFLOAD);
	mp = yard_allocb_hr(n, RTE_PKTMBUF_HEADROOM);
	memcpy(mp->b_wptr, d, n);
	mp->b_wptr += n;
	yard_mblk_mbuf(mp)->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	cr_assert_eq(yard_loop_inject(b.minor, mp), 0);
	yt_drain();
	freemsg(take_prim(ep, T_UNITDATA_IND));
	cr_assert_eq(ut_udpstat(b.udp).udps_rx_cksum_hw, 1);

	n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 9, 7800, NULL, 16); /* right, "port" says bad */
	mp = yard_allocb_hr(n, RTE_PKTMBUF_HEADROOM);
	memcpy(mp->b_wptr, d, n);
	mp->b_wptr += n;
	yard_mblk_mbuf(mp)->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
	cr_assert_eq(yard_loop_inject(b.minor, mp), 0);
	yt_drain();
	assert_empty(ep);
	cr_assert_eq(ut_udpstat(b.udp).udps_drop_bad_cksum, 2);
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

YT_TEST(udp, asks_ip_for_port_unreachable_for_a_closed_port)
{
	struct ut_bare b;
	uint8_t d[256];
	size_t n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 5000, 4444, NULL, 32);
	struct ip_icmp_err_req req;
	mblk_t *mp;

	ut_bare_open(&b, false);
	(void)ut_bare_inject(&b, d, n);
	mp = yard_loop_take(b.minor);
	cr_assert_not_null(mp, "udp sent something down");
	cr_assert_eq(DB_TYPE(mp), M_CTL);
	cr_assert_eq(MBLKL(mp), sizeof(req));
	memcpy(&req, mp->b_rptr, sizeof(req));
	cr_assert_eq(req.ie_prim, IP_ICMP_ERR_REQ);
	cr_assert_eq(req.ie_type, 3, "destination unreachable");
	cr_assert_eq(req.ie_code, 3, "port unreachable");
	cr_assert_not_null(mp->b_cont);
	cr_assert_eq(msgdsize(mp->b_cont), n, "the whole datagram, from its IPv4 header");
	cr_assert_arr_eq(mp->b_cont->b_rptr, d, n);
	freemsg(mp);
	cr_assert_eq(ut_udpstat(b.udp).udps_drop_no_port, 1);
	cr_assert_eq(ut_udpstat(b.udp).udps_tx_port_unreach, 1);

	/* RFC 1122 4.1.3.1: never for a broadcast. */
	n = ut_ipudp(d, PT_ADDR_PEER, BCAST_ADDR, 5000, 4444, NULL, 32);
	(void)ut_bare_inject(&b, d, n);
	cr_assert_null(yard_loop_take(b.minor));
	n = ut_ipudp(d, PT_ADDR_PEER, PT_IPV4(255, 255, 255, 255), 5000, 4444, NULL, 32);
	(void)ut_bare_inject(&b, d, n);
	cr_assert_null(yard_loop_take(b.minor));
	cr_assert_eq(ut_udpstat(b.udp).udps_drop_no_port_bcast, 2);
	ut_bare_close(&b);
}

YT_TEST(udp, reports_an_icmp_error_as_uderror)
{
	struct ut_bare b;
	struct stdata *ep;
	struct ip_icmp_err_ind ind = { .ie_prim = IP_ICMP_ERR_IND, .ie_type = 3, .ie_code = 3,
				       .ie_from = PT_ADDR_PEER };
	uint8_t q[64];
	size_t n = ut_ipudp(q, PT_ADDR_US, PT_ADDR_PEER, 7900, 9999, NULL, 8);
	struct T_uderror_ind ue;
	struct sockaddr_in dest;
	mblk_t *mp, *qp;

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 7900, NULL), 0);
	mp = yt_msg(M_CTL, sizeof(ind), 0);
	memcpy(mp->b_rptr, &ind, sizeof(ind));
	qp = yt_msg(M_DATA, n, 0);
	memcpy(qp->b_rptr, q, n);
	mp->b_cont = qp;
	cr_assert_eq(yard_loop_inject(b.minor, mp), 0);
	yt_drain();
	mp = take_prim(ep, T_UDERROR_IND);
	memcpy(&ue, mp->b_rptr, sizeof(ue));
	cr_assert_eq(ue.ERROR_type, ECONNREFUSED);
	cr_assert_eq(ue.DEST_length, (t_scalar_t)sizeof(dest));
	memcpy(&dest, mp->b_rptr + ue.DEST_offset, sizeof(dest));
	cr_assert_eq(dest.sin_addr.s_addr, PT_ADDR_PEER);
	cr_assert_eq(rte_be_to_cpu_16(dest.sin_port), 9999);
	freemsg(mp);
	cr_assert_eq(ut_udpstat(b.udp).udps_icmp_delivered, 1);

	/* Source quench is ignored (RFC 6633); an error for a port no one holds is dropped. */
	ind.ie_type = 4, ind.ie_code = 0;
	mp = yt_msg(M_CTL, sizeof(ind), 0);
	memcpy(mp->b_rptr, &ind, sizeof(ind));
	mp->b_cont = yt_msg(M_DATA, n, 0);
	memcpy(mp->b_cont->b_rptr, q, n);
	cr_assert_eq(yard_loop_inject(b.minor, mp), 0);
	yt_drain();
	assert_empty(ep);
	cr_assert_eq(ut_udpstat(b.udp).udps_icmp_dropped, 1);
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

YT_TEST(udp, drops_datagrams_when_the_receive_buffer_is_full)
{
	struct ut_bare b;
	struct stdata *ep;
	uint8_t d[1024];
	size_t n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 9, 8000, NULL, 700);
	struct udpstat st;
	struct yard_udp_ep_row rows[16];
	unsigned got = 0;
	int nrows;
	mblk_t *mp;

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 8000, NULL), 0);
	cr_assert_eq(negotiate(ep, XTI_GENERIC, XTI_RCVBUF, UDP_RCVBUF_MIN, 4), T_SUCCESS);
	for (int i = 0; i < 6; i++)
		(void)ut_bare_inject(&b, d, n);
	/* yardctl conns sees whose reader fell behind: the endpoint's own drops, its Recv-Q */
	nrows = yard_udp_eps_snapshot(rows, RTE_DIM(rows));
	for (int i = 0; i < nrows; i++)
		if (rows[i].ur_lport == rte_cpu_to_be_16(8000)) {
			cr_assert_eq(rows[i].ur_drops, ut_udpstat(b.udp).udps_drop_rcvbuf_full);
			cr_assert_gt(rows[i].ur_drops, 0);
			cr_assert_eq(rows[i].ur_rcvbuf, UDP_RCVBUF_MIN);
			cr_assert_gt(rows[i].ur_recvq, 0);
			got = UINT_MAX;
		}
	cr_assert_eq(got, UINT_MAX, "a row for port 8000");
	got = 0;
	while (sth_getmsg_mblk(ep, &mp) == 0) {
		got++;
		freemsg(mp);
	}
	st = ut_udpstat(b.udp);
	cr_assert_geq(got, 1);
	cr_assert_lt(got, 6, "the stream head held XTI_RCVBUF bytes only");
	cr_assert_eq(st.udps_drop_rcvbuf_full, 6 - got);
	cr_assert_eq(st.udps_rx_delivered, got);
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

YT_TEST(udp, falls_back_to_allocb_when_the_control_pool_runs_short)
{
	struct ut_bare b;
	struct stdata *ep;
	uint8_t d[256];
	size_t n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 4321, 7301, NULL, 32);
	mblk_t *v[6], *chain = NULL, *mp;
	struct udpstat st;
	unsigned got = 0, queued;

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 7301, NULL), 0);
	for (unsigned i = 0; i < 6; i++) {
		v[i] = yard_allocb_hr(n, RTE_PKTMBUF_HEADROOM);
		cr_assert_not_null(v[i]);
		memcpy(v[i]->b_wptr, d, n);
		v[i]->b_wptr += n;
	}
	/* Leave two control blocks: the burst's batch of six fails, the datagrams take allocb(). */
	while ((mp = allocb(64, BPRI_MED)) != NULL) {
		mp->b_next = chain;
		chain = mp;
	}
	for (int i = 0; i < 2; i++) {
		mp = chain;
		chain = mp->b_next;
		mp->b_next = NULL;
		freeb(mp);
	}
	cr_assert_eq(yard_loop_inject_burst(b.minor, v, 6), 0);
	yt_drain();
	freemsgchain(chain);
	queued = all_queued_marked(ep); /* allocb's blocks too */
	cr_assert_gt(queued, 0);
	while (sth_getmsg_mblk(ep, &mp) == 0) {
		cr_assert_eq(DB_TYPE(mp), M_PROTO);
		cr_assert_eq(mp->b_yflags & YB_TUDATA, 0, "handed up without the mark");
		cr_assert_eq(MBLKL(mp), sizeof(struct T_unitdata_ind) + sizeof(struct sockaddr_in));
		cr_assert_eq(msgdsize(mp), 32);
		got++;
		freemsg(mp);
	}
	st = ut_udpstat(b.udp);
	/* Blocks freed on the way up (the frames' own lower layers) may serve some of the
	 * datagrams; every one either went up or was counted. */
	cr_assert_geq(st.udps_drop_rx_nomem, 1, "the pool ran dry for some");
	cr_assert_eq(got, queued);
	cr_assert_eq(st.udps_rx_delivered, got);
	cr_assert_eq(got + st.udps_drop_rx_nomem, 6, "each datagram delivered or counted");
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

YT_TEST(udp, returns_the_unused_indication_blocks_of_a_burst)
{
	struct ut_bare b;
	struct stdata *ep;
	uint8_t d[256];
	size_t n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 4321, 7302, NULL, 32);
	unsigned ctl_free;
	mblk_t *v[5], *mp;
	struct udpstat st;
	unsigned got = 0;

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 7302, NULL), 0);
	for (unsigned i = 0; i < 5; i++) {
		v[i] = yard_allocb_hr(n, RTE_PKTMBUF_HEADROOM);
		cr_assert_not_null(v[i]);
		memcpy(v[i]->b_wptr, d, n);
		if (i & 1)
			v[i]->b_wptr[n - 1] ^= 0x5a; /* a bad checksum: dropped after the batch was taken */
		v[i]->b_wptr += n;
	}
	ctl_free = rte_mempool_avail_count(yard_pool_ctl());
	cr_assert_eq(yard_loop_inject_burst(b.minor, v, 5), 0);
	yt_drain();
	st = ut_udpstat(b.udp);
	cr_assert_eq(st.udps_drop_bad_cksum, 2);
	cr_assert_eq(st.udps_rx_delivered, 3);
	/* The small frames are control-pool blocks too: the two dropped came back, the three
	 * delivered stay, each under its indication; no spare indication is kept. */
	cr_assert_eq(rte_mempool_avail_count(yard_pool_ctl()), ctl_free + 2 - 3,
		     "%u of %u", rte_mempool_avail_count(yard_pool_ctl()), ctl_free);
	while (sth_getmsg_mblk(ep, &mp) == 0) {
		got++;
		freemsg(mp);
	}
	cr_assert_eq(got, 3);
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

/* The folded 16-bit sum of n bytes in host order, as udp keeps it (YB_SUMOK), word by word. */
static uint16_t
ref_sum(const uint8_t *p, size_t n)
{
	uint64_t acc = 0;
	uint16_t w;

	for (size_t i = 0; i + 1 < n; i += 2) {
		memcpy(&w, p + i, 2);
		acc += w;
	}
	if (n & 1)
		acc += p[n - 1]; /* the high-order byte of a zero-padded word, in little-endian */
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/*
 * Every payload length around the short-payload sum (under 32 bytes) and past it, with bytes
 * past the UDP length that must not count: each verifies, is delivered whole with its sum kept
 * for a reply, and one flipped bit anywhere, the last byte included, is a bad checksum.
 */
YT_TEST(udp, verifies_the_checksum_of_every_short_payload_length)
{
	struct ut_bare b;
	struct stdata *ep;

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 7303, NULL), 0);
	for (size_t dlen = 0; dlen <= 40; dlen++) {
		/* Good, then the first byte flipped, then the last (read by the tail's load). */
		for (int c = 0; c < 3; c++) {
			int bad = c == 0 ? -1 : c == 1 ? 0 : (int)dlen - 1;
			struct udpstat st0 = ut_udpstat(b.udp), st1;
			uint8_t d[128];
			size_t n = pt_ipv4(d, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_UDP, 1, 0, 64,
					   NULL, 0, 8 + dlen + 7);
			mblk_t *mp;

			if (bad >= (int)dlen)
				continue; /* no payload to flip */
			(void)ut_udp(d + n, PT_ADDR_PEER, PT_ADDR_US, 9, 7303, NULL, dlen);
			memset(d + n + 8 + dlen, 0xa5, 7); /* IP payload past the UDP length */
			if (bad >= 0)
				d[n + 8 + (size_t)bad] ^= 0x01;
			(void)ut_bare_inject(&b, d, n + 8 + dlen + 7);
			st1 = ut_udpstat(b.udp);
			if (bad >= 0) {
				cr_assert_eq(st1.udps_drop_bad_cksum, st0.udps_drop_bad_cksum + 1,
					     "%zu bytes, byte %d flipped", dlen, bad);
				assert_empty(ep);
				continue;
			}
			cr_assert_eq(st1.udps_rx_cksum_sw, st0.udps_rx_cksum_sw + 1, "%zu bytes",
				     dlen);
			mp = take_prim(ep, T_UNITDATA_IND);
			cr_assert_eq(msgdsize(mp), dlen);
			cr_assert_arr_eq(mp->b_cont->b_rptr, d + n + 8, dlen);
			cr_assert(mp->b_cont->b_yflags & YB_SUMOK, "%zu bytes: sum kept", dlen);
			cr_assert_eq(mp->b_cont->b_datap->db_cksum,
				     (uint32_t)dlen << 16 | ref_sum(d + n + 8, dlen),
				     "%zu bytes: the kept sum is the payload's", dlen);
			freemsg(mp);
		}
	}
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

/*
 * A datagram as ip may deliver it in several blocks: split inside the UDP header (udp pulls
 * it up), and just after it (the data stays where it is). Each is verified over every block
 * and delivered whole; a flipped bit in the second block is a bad checksum.
 */
YT_TEST(udp, verifies_and_delivers_a_datagram_of_several_blocks)
{
	static const size_t splits[] = { 20 + 4, 20 + 8, 20 + 8 + 5 };
	struct ut_bare b;
	struct stdata *ep;
	uint8_t d[256];
	size_t n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 4321, 7304, NULL, 40);

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 7304, NULL), 0);
	for (unsigned i = 0; i < RTE_DIM(splits) * 2; i++) {
		size_t at = splits[i / 2];
		bool bad = i & 1;
		struct udpstat st0 = ut_udpstat(b.udp), st1;
		mblk_t *mp = yard_allocb_hr(at, RTE_PKTMBUF_HEADROOM);
		mblk_t *tail = allocb(n - at, BPRI_MED);
		uint8_t got[256];
		size_t k = 0;

		cr_assert_not_null(mp);
		cr_assert_not_null(tail);
		memcpy(mp->b_wptr, d, at);
		mp->b_wptr += at;
		memcpy(tail->b_wptr, d + at, n - at);
		if (bad)
			tail->b_wptr[n - at - 1] ^= 0x10;
		tail->b_wptr += n - at;
		mp->b_cont = tail;
		cr_assert_eq(yard_loop_inject(b.minor, mp), 0);
		yt_drain();
		st1 = ut_udpstat(b.udp);
		if (bad) {
			cr_assert_eq(st1.udps_drop_bad_cksum, st0.udps_drop_bad_cksum + 1,
				     "split at %zu", at);
			assert_empty(ep);
			continue;
		}
		cr_assert_eq(st1.udps_rx_cksum_sw, st0.udps_rx_cksum_sw + 1, "split at %zu", at);
		mp = take_prim(ep, T_UNITDATA_IND);
		cr_assert_eq(msgdsize(mp), 40, "split at %zu", at);
		for (mblk_t *bp = mp->b_cont; bp != NULL; bp = bp->b_cont) {
			memcpy(got + k, bp->b_rptr, MBLKL(bp));
			k += MBLKL(bp);
		}
		cr_assert_arr_eq(got, d + 28, 40, "split at %zu", at);
		freemsg(mp);
	}
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

/*
 * A burst whose datagrams change endpoint: the same port on another address, another port,
 * a port no one has, and back. Each goes where a lookup of its own would send it.
 */
YT_TEST(udp, delivers_each_datagram_of_a_burst_to_its_own_endpoint)
{
	static const struct {
		uint32_t dst;
		uint16_t dport;
		int ep; /* index in eps, -1: no one */
	} dg[] = {
		{ PT_ADDR_US, 7700, 0 }, { PT_ADDR_US, 7700, 0 }, { OTHER_ADDR, 7700, 1 },
		{ PT_ADDR_US, 7701, 2 }, { PT_ADDR_US, 7702, -1 }, { PT_ADDR_US, 7700, 0 },
		{ OTHER_ADDR, 7701, 2 }, { OTHER_ADDR, 7700, 1 },
	};
	struct udp_addrreq ar = { .ua_addr = OTHER_ADDR, .ua_prefix = 24 };
	struct stdata *eps[3];
	struct ut_bare b;
	mblk_t *v[RTE_DIM(dg)], *mp;
	unsigned got[3] = { 0 };
	struct udpstat st;

	ut_bare_open(&b, false);
	cr_assert_geq(pt_istr(b.udp, UDP_ADDR_ADD, &ar, sizeof(ar)), 0);
	for (unsigned i = 0; i < 3; i++)
		eps[i] = ut_ep_open();
	cr_assert_eq(ut_bind(eps[0], T_BIND_REQ, PT_ADDR_US, 7700, NULL), 0);
	cr_assert_eq(ut_bind(eps[1], T_BIND_REQ, OTHER_ADDR, 7700, NULL), 0);
	cr_assert_eq(ut_bind(eps[2], T_BIND_REQ, 0, 7701, NULL), 0);
	for (unsigned i = 0; i < RTE_DIM(dg); i++) {
		uint8_t d[128];
		size_t n = ut_ipudp(d, PT_ADDR_PEER, dg[i].dst, (uint16_t)(1000 + i), dg[i].dport,
				    NULL, 10);

		v[i] = yard_allocb_hr(n, RTE_PKTMBUF_HEADROOM);
		cr_assert_not_null(v[i]);
		memcpy(v[i]->b_wptr, d, n);
		v[i]->b_wptr += n;
	}
	cr_assert_eq(yard_loop_inject_burst(b.minor, v, RTE_DIM(dg)), 0);
	yt_drain();
	for (unsigned e = 0; e < 3; e++) {
		unsigned next = 0;

		while (sth_getmsg_mblk(eps[e], &mp) == 0) {
			struct sockaddr_in src;
			unsigned i;

			cr_assert_eq(((union T_primitives *)mp->b_rptr)->type, T_UNITDATA_IND);
			memcpy(&src, mp->b_rptr + sizeof(struct T_unitdata_ind), sizeof(src));
			i = rte_be_to_cpu_16(src.sin_port) - 1000u;
			cr_assert_lt(i, RTE_DIM(dg));
			cr_assert_eq(dg[i].ep, (int)e, "datagram %u went to endpoint %u", i, e);
			cr_assert_geq(i, next, "in order");
			next = i + 1;
			got[e]++;
			freemsg(mp);
		}
	}
	cr_assert_eq(got[0], 3);
	cr_assert_eq(got[1], 2);
	cr_assert_eq(got[2], 2);
	st = ut_udpstat(b.udp);
	cr_assert_eq(st.udps_drop_no_port, 1);
	cr_assert_eq(st.udps_rx_datagrams, RTE_DIM(dg));
	cr_assert_eq(st.udps_rx_delivered, 7);
	mp = yard_loop_take(b.minor);
	cr_assert_not_null(mp, "port unreachable asked of ip");
	cr_assert_eq(DB_TYPE(mp), M_CTL);
	freemsg(mp);
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(sth_close(eps[i]), 0);
	ut_bare_close(&b);
}

/* ---- datagrams out ------------------------------------------------------------------------ */

/* Check a captured UDP frame to the peer; returns the UDP header's offset in f. */
static size_t
check_udp_frame(const uint8_t *f, size_t n, uint16_t sport, uint16_t dport, size_t dlen)
{
	const uint8_t *ip = f + 14, *uh;
	unsigned hlen;
	uint32_t src, dst;

	cr_assert_geq(n, 14 + 28);
	cr_assert_arr_eq(f, &pt_mac_peer, 6, "to the peer's MAC");
	cr_assert_eq(rd16(f + 12), 0x0800);
	hlen = (ip[0] & 0xf) * 4u;
	cr_assert_eq(ip[0] >> 4, 4);
	cr_assert_eq(rd16(ip + 2), n - 14);
	cr_assert_eq(pt_cksum(ip, hlen), 0, "IPv4 header checksum verifies");
	cr_assert_eq(ip[9], IPPROTO_UDP);
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	cr_assert_eq(src, PT_ADDR_US, "from our address");
	cr_assert_eq(dst, PT_ADDR_PEER);
	uh = ip + hlen;
	cr_assert_eq(rd16(uh), sport);
	cr_assert_eq(rd16(uh + 2), dport);
	cr_assert_eq(rd16(uh + 4), 8 + dlen);
	cr_assert_neq(rd16(uh + 6), 0, "a checksum was computed");
	cr_assert_eq(ut_udp_cksum(src, dst, uh, 8 + dlen), 0, "UDP checksum verifies");
	cr_assert_eq(n, 14 + hlen + 8 + dlen);
	return 14 + hlen;
}

YT_TEST(udp, sends_datagrams_whose_headers_and_checksum_verify)
{
	struct ut_stack s;
	struct stdata *ep;
	uint8_t data[300], f[UT_FRAME_MAX];
	size_t n, off;
	struct udpstat st;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = ut_pat(i);
	ut_stack_open(&s, 0, 1500);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 8100, NULL), 0);
	for (size_t len = 0; len <= 300; len += 75) {
		cr_assert_eq(ut_sendto(ep, PT_ADDR_PEER, 9000, data, len), 0);
		yt_drain();
		n = pt_take(s.pt.link.minor, f, sizeof(f));
		cr_assert_gt(n, 0, "a frame for %zu bytes", len);
		off = check_udp_frame(f, n, 8100, 9000, len);
		cr_assert_arr_eq(f + off + 8, data, len);
	}
	st = ut_udpstat(s.up.up_udp);
	cr_assert_eq(st.udps_tx_datagrams, 5);
	cr_assert_eq(st.udps_tx_cksum_ip, 5);
	cr_assert_eq(st.udps_tx_hdr_inplace, 5, "the stream head left room for the headers");
	cr_assert_eq(sth_close(ep), 0);
	ut_stack_close(&s);
}

YT_TEST(udp, puts_the_header_in_front_of_data_without_headroom_without_copying)
{
	struct ut_bare b;
	struct stdata *ep;
	union {
		struct T_unitdata_req req;
		uint8_t raw[64];
	} u;
	struct sockaddr_in sin = ut_sin(PT_ADDR_PEER, 53);
	struct yard_msgstat before, after;
	const struct ip_unitdata_req *iu;
	mblk_t *ctl, *data, *mp;

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, PT_ADDR_US, 8200, NULL), 0);
	memset(&u, 0, sizeof(u));
	u.req.PRIM_type = T_UNITDATA_REQ;
	u.req.DEST_length = sizeof(sin);
	u.req.DEST_offset = sizeof(u.req);
	memcpy(u.raw + sizeof(u.req), &sin, sizeof(sin));
	ctl = yt_msg(M_PROTO, sizeof(u.req) + sizeof(sin), 0);
	memcpy(ctl->b_rptr, &u, sizeof(u.req) + sizeof(sin));
	data = yt_msg(M_DATA, 64, 0x5a); /* allocb: no headroom */
	ctl->b_cont = data;
	yard_msgstat_sum(&before);
	cr_assert_eq(sth_putmsg_mblk(ep, ctl), 0);
	yt_drain();
	yard_msgstat_sum(&after);
	cr_assert_eq(after.copied_bytes, before.copied_bytes);
	mp = yard_loop_take(b.minor);
	cr_assert_not_null(mp);
	cr_assert_eq(DB_TYPE(mp), M_PROTO, "the request for ip");
	cr_assert_eq(mp, ctl, "the T_UNITDATA_REQ block became the IP_UNITDATA_REQ");
	iu = (const struct ip_unitdata_req *)mp->b_rptr;
	cr_assert_eq(iu->iu_prim, IP_UNITDATA_REQ);
	cr_assert_eq(iu->iu_dst, PT_ADDR_PEER);
	cr_assert_eq(iu->iu_src, PT_ADDR_US);
	cr_assert_eq(iu->iu_proto, IPPROTO_UDP);
	cr_assert_not_null(mp->b_cont);
	cr_assert_eq(MBLKL(mp->b_cont), 8, "a block of its own for the UDP header");
	cr_assert_geq(MBLKHEAD(mp->b_cont), 20 + 14, "with room for ip and arp in front");
	cr_assert_eq(mp->b_cont->b_cont, data, "then the data, untouched");
	cr_assert_eq(rd16(mp->b_cont->b_rptr + 4), 72);
	freemsg(mp);
	cr_assert_eq(ut_udpstat(b.udp).udps_tx_hdr_block, 1);
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

/* A T_UNITDATA_REQ to (addr, port) with data (n bytes of 0x5a, headroom bytes in front). */
static mblk_t *
unitdata_req(uint32_t addr, uint16_t port, size_t n, size_t headroom)
{
	struct sockaddr_in sin = ut_sin(addr, port);
	struct T_unitdata_req req = {
		.PRIM_type = T_UNITDATA_REQ,
		.DEST_length = sizeof(sin),
		.DEST_offset = sizeof(req),
	};
	mblk_t *ctl = yt_msg(M_PROTO, sizeof(req) + sizeof(sin), 0), *data;

	memcpy(ctl->b_rptr, &req, sizeof(req));
	memcpy(ctl->b_rptr + sizeof(req), &sin, sizeof(sin));
	data = yard_allocb_hr(n, headroom);
	cr_assert_not_null(data);
	memset(data->b_wptr, 0x5a, n);
	data->b_wptr += n;
	ctl->b_cont = data;
	return ctl;
}

/*
 * The IP_UNITDATA_REQ taken from the loop: to the peer, from us, UDP, its checksum right (once
 * completed as ip would, when it asks ip to: IP_UNITDATA_L4CK); a request marked
 * IP_UNITDATA_OWNED keeps the mark's promise. Returns its iu_flags but IP_UNITDATA_L4CK.
 */
static uint8_t
check_sent(mblk_t *mp, uint32_t dst, uint16_t sport, uint16_t dport, size_t n)
{
	const struct ip_unitdata_req *iu;
	uint8_t d[256];
	size_t len;

	cr_assert_not_null(mp);
	cr_assert_eq(DB_TYPE(mp), M_PROTO);
	cr_assert_eq(MBLKL(mp), sizeof(*iu));
	iu = (const struct ip_unitdata_req *)mp->b_rptr;
	cr_assert_eq(iu->iu_prim, IP_UNITDATA_REQ);
	cr_assert_eq(iu->iu_dst, dst);
	cr_assert_eq(iu->iu_src, PT_ADDR_US);
	cr_assert_eq(iu->iu_proto, IPPROTO_UDP);
	cr_assert_eq(iu->iu_ttl, 0, "ip's default");
	cr_assert_eq(iu->iu_flags & ~(IP_UNITDATA_OWNED | IP_UNITDATA_L4CK), 0, "flags %#x",
		     iu->iu_flags);
	cr_assert_eq(mp->b_yflags & YB_TUDATA, 0, "no T_UNITDATA_REQ any more");
	if (iu->iu_flags & IP_UNITDATA_OWNED) {
		const mblk_t *dp = mp->b_cont;

		cr_assert_null(dp->b_cont, "owned: one block");
		cr_assert_eq(DB_TYPE(dp), M_DATA);
		cr_assert_eq(DB_REF(dp), 1, "owned: only this message refers to it");
		cr_assert_eq(dp->b_datap->db_flags & DBLK_ESB, 0, "owned: a pool buffer");
	}
	len = msgdsize(mp->b_cont);
	cr_assert_eq(len, 8 + n);
	cr_assert_leq(len, sizeof(d));
	cr_assert_geq(MBLKHEAD(mp->b_cont), 20 + 14, "room for ip and arp in front");
	len = 0;
	for (const mblk_t *bp = mp->b_cont; bp != NULL; bp = bp->b_cont) {
		memcpy(d + len, bp->b_rptr, MBLKL(bp));
		len += MBLKL(bp);
	}
	cr_assert_eq(rd16(d), sport);
	cr_assert_eq(rd16(d + 2), dport);
	cr_assert_eq(rd16(d + 4), 8 + n);
	if (iu->iu_flags & IP_UNITDATA_L4CK)
		ut_udp_l4ck_complete(PT_ADDR_US, dst, d, len);
	cr_assert_eq(ut_udp_cksum(PT_ADDR_US, dst, d, len), 0, "the checksum verifies");
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(d[8 + i], 0x5a);
	return iu->iu_flags & (uint8_t)~IP_UNITDATA_L4CK;
}

YT_TEST(udp, burst_sends_what_its_short_way_leaves_the_long_way)
{
	struct ut_bare b;
	struct stdata *ep;
	struct T_uderror_ind ue;
	struct udpstat u0, u1;
	const uint32_t other = PT_IPV4(198, 18, 0, 3);
	mblk_t *v[11], *shared_data, *shared_ctl, *mp;

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, PT_ADDR_US, 8400, NULL), 0);
	v[0] = unitdata_req(PT_ADDR_PEER, 53, 10, 64); /* a new destination: the long way */
	v[1] = unitdata_req(PT_ADDR_PEER, 53, 11, 64); /* the short way */
	v[2] = unitdata_req(PT_ADDR_PEER, 53, 12, 64);
	shared_data = dupb(v[2]->b_cont);              /* data referenced twice: a header block */
	v[3] = unitdata_req(PT_ADDR_PEER, 53, 13, 64);
	shared_ctl = dupb(v[3]);                       /* request referenced twice: a new one */
	v[4] = unitdata_req(PT_ADDR_PEER, 0, 14, 64);  /* port 0: T_UDERROR_IND */
	v[5] = unitdata_req(PT_ADDR_PEER, 53, 15, 64); /* the short way again */
	v[6] = yt_msg(M_PCPROTO, sizeof(t_scalar_t), 0); /* not a datagram: the run ends */
	*(t_scalar_t *)v[6]->b_rptr = T_INFO_REQ;
	v[7] = unitdata_req(PT_ADDR_PEER, 53, 17, 64); /* and the next begins */
	v[8] = unitdata_req(other, 53, 18, 64);        /* another destination: the long way */
	v[9] = unitdata_req(other, 53, 19, 64);        /* which the short way then knows */
	v[10] = unitdata_req(PT_ADDR_PEER, 53, 20, 64);
	/* the address further on than XTI puts it: valid, the long way */
	{
		struct T_unitdata_req *r = (struct T_unitdata_req *)v[10]->b_rptr;
		mblk_t *np = yt_msg(M_PROTO, sizeof(*r) + 4 + sizeof(struct sockaddr_in), 0);

		memcpy(np->b_rptr, r, sizeof(*r));
		memcpy(np->b_rptr + sizeof(*r) + 4, v[10]->b_rptr + sizeof(*r),
		       sizeof(struct sockaddr_in));
		((struct T_unitdata_req *)np->b_rptr)->DEST_offset = sizeof(*r) + 4;
		np->b_cont = v[10]->b_cont;
		v[10]->b_cont = NULL;
		freeb(v[10]);
		v[10] = np;
	}
	cr_assert_not_null(shared_data);
	cr_assert_not_null(shared_ctl);
	u0 = ut_udpstat(b.udp);
	putnext_burst(ep->sd_wrq, v, 11);
	yt_drain();
	u1 = ut_udpstat(b.udp);
	for (unsigned i = 0; i < 11; i++) {
		if (i == 6)
			i = 7; /* the T_INFO_REQ is answered up */
		if (i == 4)
			continue;
		mp = yard_loop_take(b.minor);
		/* what the short way sends is IP_UNITDATA_OWNED, what the long way sends not */
		cr_assert_eq(check_sent(mp, i == 8 || i == 9 ? other : PT_ADDR_PEER, 8400, 53,
					10 + i),
			     i == 1 || i == 5 || i == 7 || i == 9 ? IP_UNITDATA_OWNED : 0,
			     "request %u", i);
		if (i == 2)
			cr_assert_eq(MBLKL(mp->b_cont), 8, "a block of its own for the UDP header");
		if (i == 3)
			cr_assert_neq(mp, shared_ctl, "not the shared request block");
		freemsg(mp);
	}
	cr_assert_null(yard_loop_take(b.minor), "nine went down");
	freemsg(take_prim(ep, T_INFO_ACK)); /* M_PCPROTO: ahead of what is queued */
	mp = take_prim(ep, T_UDERROR_IND);
	memcpy(&ue, mp->b_rptr, sizeof(ue));
	cr_assert_eq(ue.ERROR_type, EADDRNOTAVAIL);
	freemsg(mp);
	cr_assert_eq(u1.udps_tx_datagrams - u0.udps_tx_datagrams, 9);
	cr_assert_eq(u1.udps_tx_hdr_inplace - u0.udps_tx_hdr_inplace, 8);
	cr_assert_eq(u1.udps_tx_hdr_block - u0.udps_tx_hdr_block, 1);
	cr_assert_eq(u1.udps_uderr_bad_addr - u0.udps_uderr_bad_addr, 1);
	/* What the others still reference is as it was. */
	cr_assert_eq(MBLKL(shared_data), 12);
	cr_assert_eq(((const struct T_unitdata_req *)shared_ctl->b_rptr)->PRIM_type, T_UNITDATA_REQ);
	freemsg(shared_data);
	freemsg(shared_ctl);
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

YT_TEST(udp, burst_skips_the_layout_check_of_a_request_marked_yb_tudata_only)
{
	struct ut_bare b;
	struct stdata *ep;
	struct T_uderror_ind ue;
	struct udpstat u0, u1;
	const uint32_t other = PT_IPV4(198, 18, 0, 3);
	/*
	 *   0 not marked, a new destination   checked here, the long way
	 *   1 marked                          the short way, no layout check
	 *   2 not marked                      checked here, the short way
	 *   3 marked, port 0                  still refused (the endpoint's to judge): long way,
	 *                                     T_UDERROR_IND
	 *   4 marked                          the short way
	 *   5 marked, data not M_DATA         still caught: the long way answers
	 *   6 marked, another destination     not the cached one: the long way
	 */
	mblk_t *v[7], *mp;

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, PT_ADDR_US, 8450, NULL), 0);
	for (unsigned i = 0; i < RTE_DIM(v); i++) {
		v[i] = unitdata_req(i == 6 ? other : PT_ADDR_PEER, i == 3 ? 0 : 53, 10 + i, 64);
		if (i != 0 && i != 2)
			v[i]->b_yflags |= YB_TUDATA; /* as the XTI library marks what it checked */
	}
	DB_TYPE(v[5]->b_cont) = M_CTL;
	u0 = ut_udpstat(b.udp);
	putnext_burst(ep->sd_wrq, v, RTE_DIM(v));
	yt_drain();
	u1 = ut_udpstat(b.udp);
	for (unsigned i = 0; i < RTE_DIM(v); i++) {
		if (i == 3 || i == 5)
			continue;
		mp = yard_loop_take(b.minor);
		cr_assert_eq(check_sent(mp, i == 6 ? other : PT_ADDR_PEER, 8450, 53, 10 + i),
			     i == 0 || i == 6 ? 0 : IP_UNITDATA_OWNED, "request %u", i);
		freemsg(mp);
	}
	cr_assert_null(yard_loop_take(b.minor), "five went down");
	mp = take_prim(ep, T_UDERROR_IND);
	cr_assert_eq(mp->b_yflags & YB_TUDATA, 0, "an error indication is no T_UNITDATA");
	memcpy(&ue, mp->b_rptr, sizeof(ue));
	cr_assert_eq(ue.ERROR_type, EADDRNOTAVAIL);
	freemsg(mp);
	mp = take_prim(ep, T_UDERROR_IND);
	cr_assert_eq(mp->b_yflags & YB_TUDATA, 0);
	memcpy(&ue, mp->b_rptr, sizeof(ue));
	cr_assert_eq(ue.ERROR_type, EINVAL);
	freemsg(mp);
	cr_assert_eq(u1.udps_tx_datagrams - u0.udps_tx_datagrams, 5);
	cr_assert_eq(u1.udps_uderr_bad_addr - u0.udps_uderr_bad_addr, 1);
	cr_assert_eq(u1.udps_drop_bad_wmsg - u0.udps_drop_bad_wmsg, 1);
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

YT_TEST(udp, burst_asks_the_primitive_of_a_request_marked_yb_tudata)
{
	struct ut_bare b;
	struct stdata *ep;
	mblk_t *v[3], *mp;

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, PT_ADDR_US, 8460, NULL), 0);
	for (unsigned i = 0; i < RTE_DIM(v); i++)
		v[i] = unitdata_req(PT_ADDR_PEER, 53, 10 + i, 64);
	/* v[0] makes the peer the cached destination; v[1] goes the short way */
	v[1]->b_yflags |= YB_TUDATA;
	v[2]->b_yflags |= YB_TUDATA;
	/* The mark is also worn by indications: one sent down is no datagram. */
	((struct T_unitdata_req *)v[2]->b_rptr)->PRIM_type = T_UNITDATA_IND;
	putnext_burst(ep->sd_wrq, v, RTE_DIM(v));
	yt_drain();
	mp = yard_loop_take(b.minor);
	cr_assert_eq(check_sent(mp, PT_ADDR_PEER, 8460, 53, 10), 0);
	freemsg(mp);
	mp = yard_loop_take(b.minor);
	cr_assert_eq(check_sent(mp, PT_ADDR_PEER, 8460, 53, 11), IP_UNITDATA_OWNED);
	freemsg(mp);
	cr_assert_null(yard_loop_take(b.minor), "the indication did not go down");
	mp = take_prim(ep, T_ERROR_ACK);
	cr_assert_eq(((const struct T_error_ack *)mp->b_rptr)->ERROR_prim, T_UNITDATA_IND);
	freemsg(mp);
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

YT_TEST(udp, answers_bad_destinations_with_uderror)
{
	struct ut_bare b;
	struct stdata *ep;
	struct {
		uint32_t addr;
		uint16_t port;
		int err;
	} cases[] = {
		{ PT_ADDR_PEER, 0, EADDRNOTAVAIL },
		{ 0, 53, EADDRNOTAVAIL },
		{ BCAST_ADDR, 53, EACCES },
		{ PT_IPV4(255, 255, 255, 255), 53, EACCES },
	};
	static uint8_t big[UDP_TSDU_MAX + 1];
	mblk_t *mp;

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 8300, NULL), 0);
	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		struct T_uderror_ind ue;

		cr_assert_eq(ut_sendto(ep, cases[i].addr, cases[i].port, "abc", 3), 0);
		yt_drain();
		mp = take_prim(ep, T_UDERROR_IND);
		memcpy(&ue, mp->b_rptr, sizeof(ue));
		cr_assert_eq(ue.ERROR_type, cases[i].err, "case %u: %d", i, ue.ERROR_type);
		freemsg(mp);
	}
	cr_assert_eq(ut_sendto(ep, PT_ADDR_PEER, 53, big, sizeof(big)), 0);
	yt_drain();
	mp = take_prim(ep, T_UDERROR_IND);
	cr_assert_eq(((struct T_uderror_ind *)mp->b_rptr)->ERROR_type, EMSGSIZE);
	freemsg(mp);
	cr_assert_null(yard_loop_take(b.minor), "nothing went down");

	/* With T_IP_BROADCAST, a broadcast goes. */
	cr_assert_eq(negotiate(ep, T_INET_IP, T_IP_BROADCAST, T_YES, 4), T_SUCCESS);
	cr_assert_eq(ut_sendto(ep, BCAST_ADDR, 53, "abc", 3), 0);
	yt_drain();
	mp = yard_loop_take(b.minor);
	cr_assert_not_null(mp);
	cr_assert_eq(((struct ip_unitdata_req *)mp->b_rptr)->iu_dst, BCAST_ADDR);
	freemsg(mp);
	cr_assert_eq(ut_udpstat(b.udp).udps_uderr_bcast, 2);
	cr_assert_eq(ut_udpstat(b.udp).udps_uderr_too_big, 1);
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

/* The iu_src of the IP_UNITDATA_REQ a send to (addr, 53) became; 0 if answered T_UDERROR_IND err. */
static uint32_t
sent_from(struct ut_bare *b, struct stdata *ep, uint32_t addr, int err)
{
	mblk_t *mp;
	uint32_t src;

	cr_assert_eq(ut_sendto(ep, addr, 53, "abc", 3), 0);
	yt_drain();
	if (err != 0) {
		mp = take_prim(ep, T_UDERROR_IND);
		cr_assert_eq(((struct T_uderror_ind *)mp->b_rptr)->ERROR_type, err);
		freemsg(mp);
		cr_assert_null(yard_loop_take(b->minor), "nothing went down");
		return 0;
	}
	mp = yard_loop_take(b->minor);
	cr_assert_not_null(mp, "a datagram to %08x went down", addr);
	src = ((struct ip_unitdata_req *)mp->b_rptr)->iu_src;
	freemsg(mp);
	return src;
}

YT_TEST(udp, decides_source_and_broadcast_again_when_addresses_change)
{
	struct udp_addrreq us = { .ua_addr = PT_ADDR_US, .ua_prefix = PT_PREFIX };
	struct udp_addrreq other = { .ua_addr = PT_IPV4(10, 1, 0, 2), .ua_prefix = 16 };
	struct ut_bare b;
	struct stdata *ep;

	ut_bare_open(&b, false);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 8350, NULL), 0);
	/* Each verdict asked twice: the second answer comes from what udp remembers. */
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(sent_from(&b, ep, PT_ADDR_PEER, 0), PT_ADDR_US);
		(void)sent_from(&b, ep, BCAST_ADDR, EACCES);
	}
	/* The subnet goes, another comes: BCAST_ADDR is an ordinary address now. */
	cr_assert_geq(pt_istr(b.udp, UDP_ADDR_ADD, &other, sizeof(other)), 0);
	cr_assert_eq(sent_from(&b, ep, PT_IPV4(10, 1, 7, 7), 0), other.ua_addr);
	cr_assert_eq(sent_from(&b, ep, PT_ADDR_PEER, 0), PT_ADDR_US);
	cr_assert_geq(pt_istr(b.udp, UDP_ADDR_DEL, &us, sizeof(us)), 0);
	cr_assert_eq(sent_from(&b, ep, PT_ADDR_PEER, 0), other.ua_addr);
	cr_assert_eq(sent_from(&b, ep, BCAST_ADDR, 0), other.ua_addr);
	cr_assert_eq(sent_from(&b, ep, PT_IPV4(10, 1, 255, 255), EACCES), 0);
	/* No address left: nothing to send from. */
	cr_assert_geq(pt_istr(b.udp, UDP_ADDR_DEL, &other, sizeof(other)), 0);
	(void)sent_from(&b, ep, PT_ADDR_PEER, EADDRNOTAVAIL);
	cr_assert_eq(ut_udpstat(b.udp).udps_uderr_no_src, 1);
	cr_assert_eq(ut_udpstat(b.udp).udps_uderr_bcast, 3);
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

YT_TEST(udp, applies_tos_ttl_and_checksum_options_to_what_it_sends)
{
	struct ut_stack s;
	struct stdata *ep;
	uint8_t f[UT_FRAME_MAX];
	size_t n;

	ut_stack_open(&s, 0, 1500);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 8400, NULL), 0);
	cr_assert_eq(negotiate(ep, T_INET_IP, T_IP_TOS, 0xb8, 1), T_SUCCESS);
	cr_assert_eq(negotiate(ep, T_INET_IP, T_IP_TTL, 17, 1), T_SUCCESS);
	cr_assert_eq(ut_sendto(ep, PT_ADDR_PEER, 9, "hello", 5), 0);
	yt_drain();
	n = pt_take(s.pt.link.minor, f, sizeof(f));
	(void)check_udp_frame(f, n, 8400, 9, 5);
	cr_assert_eq(f[14 + 1], 0xb8, "TOS");
	cr_assert_eq(f[14 + 8], 17, "TTL");
	cr_assert_eq(negotiate(ep, T_INET_UDP, T_UDP_CHECKSUM, T_NO, 4), T_SUCCESS);
	cr_assert_eq(ut_sendto(ep, PT_ADDR_PEER, 9, "hello", 5), 0);
	yt_drain();
	n = pt_take(s.pt.link.minor, f, sizeof(f));
	cr_assert_eq(n, 14 + 20 + 8 + 5);
	cr_assert_eq(rd16(f + 14 + 20 + 6), 0, "no checksum when turned off");
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_tx_no_cksum, 1);
	cr_assert_eq(sth_close(ep), 0);
	ut_stack_close(&s);
}

/*
 * A datagram to the peer's port 9 with options (t_sndudata's udata.opt): one-byte values
 * (T_IP_TOS, T_IP_TTL), each header's len covering its byte, the next header aligned.
 */
static int
sendto_opts(struct stdata *sd, const struct T_opthdr *oh, const uint8_t *vals, unsigned nopt,
	    const void *data, size_t len)
{
	uint8_t opt[128] = { 0 };
	size_t at = 0;

	for (unsigned i = 0; i < nopt; i++) {
		cr_assert_leq(at + sizeof(oh[i]) + 1, sizeof(opt));
		memcpy(opt + at, &oh[i], sizeof(oh[i]));
		opt[at + sizeof(oh[i])] = vals[i];
		at = _TPI_ALIGN_TOPT(at + sizeof(oh[i]) + 1);
	}
	return ut_sendto_opts(sd, PT_ADDR_PEER, 9, opt, at, data, len);
}

/*
 * Options of one datagram (t_sndudata's udata.opt): T_IP_TOS and T_IP_TTL apply to that
 * datagram only; anything else (another level, a value out of range, a length past the
 * options) draws T_UDERROR_IND EINVAL, counted, and nothing is sent.
 */
YT_TEST(udp, applies_the_tos_and_ttl_of_one_datagram_and_refuses_other_options)
{
	const struct T_opthdr tos = { sizeof(struct T_opthdr) + 1, T_INET_IP, T_IP_TOS, 0 };
	const struct T_opthdr ttl = { sizeof(struct T_opthdr) + 1, T_INET_IP, T_IP_TTL, 0 };
	const struct T_opthdr cks = { sizeof(struct T_opthdr) + 1, T_INET_UDP, T_UDP_CHECKSUM, 0 };
	struct T_opthdr bad[2];
	struct T_uderror_ind ue;
	struct ut_stack s;
	struct stdata *ep;
	uint8_t f[UT_FRAME_MAX];
	mblk_t *mp;
	size_t n;

	ut_stack_open(&s, 0, 1500);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 8420, NULL), 0);
	/* both options: this datagram only */
	cr_assert_eq(sendto_opts(ep, (struct T_opthdr[]){ tos, ttl }, (uint8_t[]){ 0x28, 9 }, 2,
				 "hello", 5), 0);
	yt_drain();
	n = pt_take(s.pt.link.minor, f, sizeof(f));
	(void)check_udp_frame(f, n, 8420, 9, 5);
	cr_assert_eq(f[14 + 1], 0x28, "TOS of the datagram");
	cr_assert_eq(f[14 + 8], 9, "TTL of the datagram");
	cr_assert_eq(ut_sendto(ep, PT_ADDR_PEER, 9, "again", 5), 0);
	yt_drain();
	n = pt_take(s.pt.link.minor, f, sizeof(f));
	(void)check_udp_frame(f, n, 8420, 9, 5);
	cr_assert_eq(f[14 + 1], 0, "the endpoint's TOS again");
	cr_assert_eq(f[14 + 8], 64, "the endpoint's TTL again");
	/* another level's option, a TTL of 0, a length past the options: each refused */
	bad[0] = tos;
	bad[1] = ttl;
	bad[1].len = 200;
	for (int k = 0; k < 3; k++) {
		int rc = k == 0 ? sendto_opts(ep, &cks, (uint8_t[]){ 1 }, 1, "x", 1) :
			 k == 1 ? sendto_opts(ep, &ttl, (uint8_t[]){ 0 }, 1, "x", 1) :
				  sendto_opts(ep, bad, (uint8_t[]){ 0x28, 9 }, 2, "x", 1);

		cr_assert_eq(rc, 0);
		yt_drain();
		mp = take_prim(ep, T_UDERROR_IND);
		memcpy(&ue, mp->b_rptr, sizeof(ue));
		cr_assert_eq(ue.ERROR_type, EINVAL, "case %d", k);
		freemsg(mp);
		cr_assert_eq(pt_take(s.pt.link.minor, f, sizeof(f)), 0, "case %d: nothing sent", k);
	}
	cr_assert_eq(ut_udpstat(ep).udps_uderr_bad_opt, 3);
	cr_assert_eq(sth_close(ep), 0);
	ut_stack_close(&s);
}

/* ---- fragments both ways ------------------------------------------------------------------ */

YT_TEST(udp, sends_a_60000_byte_datagram_in_fragments)
{
	static uint8_t data[60000], body[61000];
	struct ut_stack s;
	struct stdata *ep;
	unsigned nfrags;
	uint8_t proto;
	uint32_t src, dst;
	size_t total;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = ut_pat(i);
	ut_stack_open(&s, 0, 1500);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 8500, NULL), 0);
	cr_assert_eq(ut_sendto(ep, PT_ADDR_PEER, 9000, data, sizeof(data)), 0);
	yt_drain();
	total = ut_take_datagram(s.pt.link.minor, body, sizeof(body), &nfrags, &proto, &src,
				 &dst);
	cr_assert_eq(total, 8 + 60000);
	cr_assert_eq(nfrags, 41, "fragmented to the 1500-byte MTU");
	cr_assert_eq(proto, IPPROTO_UDP);
	cr_assert_eq(src, PT_ADDR_US);
	cr_assert_eq(rd16(body), 8500);
	cr_assert_eq(rd16(body + 2), 9000);
	cr_assert_eq(rd16(body + 4), 60008);
	cr_assert_eq(ut_udp_cksum(src, dst, body, total), 0, "UDP checksum over the whole");
	cr_assert_arr_eq(body + 8, data, sizeof(data));
	cr_assert_eq(sth_close(ep), 0);
	ut_stack_close(&s);
}

YT_TEST(udp, receives_a_60000_byte_datagram_reassembled_by_ip)
{
	static uint8_t body[60008], got[60000];
	struct ut_stack s;
	struct stdata *ep;
	struct {
		struct T_unitdata_ind tui;
		struct sockaddr_in src;
	} ind;
	int clen, dlen = 0;

	/*
	 * ip reassembles with rte_ip_frag, which takes at most RTE_LIBRTE_IP_FRAG_MAX_FRAG (8)
	 * fragments: at a 9000-byte MTU the datagram comes in 7.
	 */
	ut_stack_open(&s, 0, 9000);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 8600, NULL), 0);
	cr_assert_eq(negotiate(ep, XTI_GENERIC, XTI_RCVBUF, 128 * 1024, 4), T_SUCCESS);
	(void)ut_udp(body, PT_ADDR_PEER, PT_ADDR_US, 5151, 8600, NULL, 60000);
	ut_inject_fragments(s.pt.link.minor, 0x4242, body, sizeof(body), 9000);
	clen = ut_get(ep, &ind, sizeof(ind), got, sizeof(got), &dlen);
	cr_assert_eq(clen, (int)sizeof(ind), "a T_UNITDATA_IND came up");
	cr_assert_eq(ind.tui.PRIM_type, T_UNITDATA_IND);
	cr_assert_eq(ind.src.sin_addr.s_addr, PT_ADDR_PEER);
	cr_assert_eq(rte_be_to_cpu_16(ind.src.sin_port), 5151);
	cr_assert_eq(dlen, 60000);
	cr_assert_arr_eq(got, body + 8, 60000, "intact");
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_rx_cksum_sw, 1);
	cr_assert_eq(sth_close(ep), 0);
	ut_stack_close(&s);
}

/* ---- flow control ------------------------------------------------------------------------- */

static unsigned notify_events;

static void
note_events(struct stdata *sd, unsigned events, void *arg)
{
	(void)sd;
	(void)arg;
	notify_events |= events;
}

/* Let a held loop under udp go (it cannot be reached with I_STR once linked). */
static void
release_loop(struct ut_bare *b)
{
	mblk_t *mp = mkiocb(LOOP_RELEASE);

	cr_assert_not_null(mp);
	putnext(b->loop->sd_wrq, mp); /* its M_IOCACK reaches udp, which drops it (counted) */
	yt_drain();
}

YT_TEST(udp, holds_the_writer_back_when_ip_is_flow_controlled)
{
	struct ut_bare b;
	struct stdata *ep;
	static uint8_t data[1000];
	unsigned sent = 0, taken = 0;
	struct udpstat st;
	mblk_t *mp;
	int rc;

	ut_bare_open(&b, true);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 8700, NULL), 0);
	cr_assert_eq(negotiate(ep, XTI_GENERIC, XTI_SNDBUF, UDP_SNDBUF_MIN * 4, 4), T_SUCCESS);
	sth_set_notify(ep, S_OUTPUT, note_events, NULL);
	while ((rc = ut_sendto(ep, PT_ADDR_PEER, 9, data, sizeof(data))) == 0) {
		sent++;
		yt_drain();
		cr_assert_lt(sent, 1000, "flow control never came");
	}
	cr_assert_eq(rc, -EAGAIN, "the stream head refuses the writer");
	st = ut_udpstat(b.udp);
	cr_assert_gt(st.udps_tx_queued, 0, "udp queued behind the held lower side");
	cr_assert_eq(notify_events & S_OUTPUT, 0);

	release_loop(&b);
	cr_assert(notify_events & S_OUTPUT, "the writer hears it may write again");
	while ((mp = yard_loop_take(b.minor)) != NULL) {
		cr_assert_eq(DB_TYPE(mp), M_PROTO);
		freemsg(mp);
		taken++;
	}
	cr_assert_eq(taken, sent, "every datagram accepted went down, in the end");
	cr_assert_eq(ut_sendto(ep, PT_ADDR_PEER, 9, data, sizeof(data)), 0, "writable again");
	cr_assert_eq(sth_close(ep), 0);
	ut_bare_close(&b);
}

YT_TEST(udp, drops_and_counts_output_without_an_ip_stream)
{
	struct stdata *ep = ut_ep_open();
	struct stdata *ctl = ut_ep_open();
	struct udp_addrreq ar = { .ua_addr = PT_ADDR_US, .ua_prefix = 24 };

	cr_assert_geq(pt_istr(ctl, UDP_ADDR_ADD, &ar, sizeof(ar)), 0);
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 8800, NULL), 0);
	cr_assert_eq(ut_sendto(ep, PT_ADDR_PEER, 9, "x", 1), 0);
	yt_drain();
	assert_empty(ep);
	cr_assert_eq(ut_udpstat(ep).udps_drop_no_lower, 1);
	cr_assert_eq(sth_close(ep), 0);
	cr_assert_eq(sth_close(ctl), 0);
}

/*
 * ip's instance going away under udp (its control stream closed first, udp's link still
 * there): ip hangs the link up (M_HANGUP) and udp's sends from then on are dropped and counted
 * (drop_no_lower) rather than handed to the orphaned stream; the unlink and the close then go
 * as usual and nothing leaks.
 */
YT_TEST(udp, ip_going_away_under_the_link_drops_and_counts_what_is_sent_after)
{
	struct ut_stack s;
	struct stdata *ep;
	struct udpstat st0, st;
	uint8_t f[UT_FRAME_MAX];
	size_t n;

	ut_stack_open(&s, 0, 1500);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 8810, NULL), 0);
	cr_assert_eq(ut_sendto(ep, PT_ADDR_PEER, 9, "before", 6), 0);
	yt_drain();
	n = pt_take(s.pt.link.minor, f, sizeof(f));
	(void)check_udp_frame(f, n, 8810, 9, 6);
	st0 = ut_udpstat(ep);
	cr_assert_eq(sth_close(s.pt.ip), 0, "ip's control stream closes, udp's link still there");
	s.pt.ip = NULL;
	yt_drain();
	cr_assert_eq(ut_sendto(ep, PT_ADDR_PEER, 9, "after", 5), 0);
	yt_drain();
	st = ut_udpstat(ep);
	cr_assert_eq(st.udps_drop_no_lower - st0.udps_drop_no_lower, 1);
	cr_assert_eq(st.udps_tx_datagrams, st0.udps_tx_datagrams, "nothing went down");
	cr_assert_eq(pt_take(s.pt.link.minor, f, sizeof(f)), 0);
	cr_assert_eq(sth_close(ep), 0);
	yard_udp_unplumb(&s.up);
	pt_link_close(&s.pt.link);
}

YT_TEST(udp, fills_telemetry_with_its_counters)
{
	struct ut_bare b;
	uint8_t d[128];
	size_t n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 1, 4444, NULL, 8);
	struct rte_tel_data *t = rte_tel_data_alloc();
	struct udpstat st;

	ut_bare_open(&b, false);
	(void)ut_bare_inject(&b, d, n);
	(void)pt_discard(b.minor);
	udpstat_sum(&st, -1);
	cr_assert_geq(st.udps_drop_no_port, 1);
	cr_assert_not_null(t);
	cr_assert_eq(udp_tel_fill(t, -1), 0);
	rte_tel_data_free(t);
	/* (per_lcore nests containers, which only the telemetry socket frees: not called here.) */
	t = rte_tel_data_alloc();
	cr_assert_eq(udp_tel_cmd("/yard/udp", "0", t), 0);
	rte_tel_data_free(t);
	t = rte_tel_data_alloc();
	cr_assert_eq(udp_tel_cmd("/yard/udp", "x", t), -EINVAL);
	rte_tel_data_free(t);
	cr_assert_str_eq(udpstat_name(UDPS_drop_no_port), "drop_no_port");
	cr_assert_not_null(udpstat_help(UDPS_drop_no_port));
	cr_assert_null(udpstat_name(UDPS__COUNT));
	ut_bare_close(&b);
}

/* ---- the echo and discard services -------------------------------------------------------- */

YT_TEST(udp_services, echo_answers_and_counts)
{
	struct ut_stack s;
	uint8_t f[UT_FRAME_MAX];
	struct yard_udp_svc_stats st;
	size_t n, off;

	ut_stack_open(&s, 0, 1500);
	cr_assert_eq(yard_udp_echo_start(7), 0);
	for (unsigned i = 0; i < 3; i++) {
		n = ut_frame(f, (uint16_t)(40000 + i), 7, NULL, 64 + i);
		pt_inject(s.pt.link.minor, f, n);
		n = pt_take(s.pt.link.minor, f, sizeof(f));
		cr_assert_gt(n, 0, "echo %u answered", i);
		off = check_udp_frame(f, n, 7, (uint16_t)(40000 + i), 64 + i);
		for (size_t j = 0; j < 64 + i; j++)
			cr_assert_eq(f[off + 8 + j], ut_pat(j), "byte %zu comes back", j);
	}
	yard_udp_svc_stats_sum(YARD_UDP_SVC_ECHO, -1, &st);
	cr_assert_eq(st.rx_datagrams, 3);
	cr_assert_eq(st.tx_datagrams, 3);
	cr_assert_eq(st.rx_bytes, 64 + 65 + 66);
	cr_assert_eq(st.tx_bytes, st.rx_bytes);
	yard_udp_services_stop_all();
	ut_stack_close(&s);
}

YT_TEST(udp_services, echo_sends_the_received_buffer_back_without_copying)
{
	struct ut_stack s;
	uint8_t f[UT_FRAME_MAX];
	struct yard_msgstat before, after;
	struct udpstat u0, u1;
	size_t n;

	ut_stack_open(&s, YARD_LINK_CAP_TX_MULTISEG, 1500);
	cr_assert_eq(yard_udp_echo_start(7), 0);
	n = ut_frame(f, 40000, 7, NULL, 512);
	u0 = ut_udpstat(s.up.up_udp);
	yard_msgstat_sum(&before);
	pt_inject(s.pt.link.minor, f, n);
	yard_msgstat_sum(&after);
	u1 = ut_udpstat(s.up.up_udp);
	cr_assert_eq(after.copied_bytes, before.copied_bytes, "no byte copied, in or out");
	cr_assert_eq(u1.udps_tx_hdr_inplace, u0.udps_tx_hdr_inplace + 1,
		     "the UDP header went into the received buffer's headroom");
	n = pt_take(s.pt.link.minor, f, sizeof(f));
	(void)check_udp_frame(f, n, 7, 40000, 512);
	yard_udp_services_stop_all();
	ut_stack_close(&s);
}

YT_TEST(udp_services, echo_returns_a_60000_byte_datagram_intact)
{
	static uint8_t body[60008], back[61000];
	struct ut_stack s;
	unsigned nfrags;
	uint8_t proto;
	uint32_t src, dst;
	size_t total;
	int fd;

	ut_stack_open(&s, 0, 9000);
	cr_assert_eq(yard_udp_echo_start(7), 0);
	fd = yard_udp_service_fd(7);
	cr_assert_geq(fd, 0);
	(void)ut_udp(body, PT_ADDR_PEER, PT_ADDR_US, 6000, 7, NULL, 60000);
	ut_inject_fragments(s.pt.link.minor, 0x7777, body, sizeof(body), 9000);
	total = ut_take_datagram(s.pt.link.minor, back, sizeof(back), &nfrags, &proto, &src, &dst);
	cr_assert_eq(total, 60008);
	cr_assert_eq(nfrags, 7);
	cr_assert_eq(rd16(back), 7);
	cr_assert_eq(rd16(back + 2), 6000);
	cr_assert_eq(ut_udp_cksum(src, dst, back, total), 0);
	cr_assert_arr_eq(back + 8, body + 8, 60000, "the data comes back intact");
	yard_udp_services_stop_all();
	ut_stack_close(&s);
}

/* A burst of frames up the link as the pmd driver passes an RX burst (one putnext_burst). */
static void
inject_burst(int minor, uint8_t (*frames)[128], const size_t *lens, unsigned n)
{
	mblk_t *v[16];

	cr_assert_leq(n, 16);
	for (unsigned i = 0; i < n; i++) {
		v[i] = yard_allocb_hr(lens[i], RTE_PKTMBUF_HEADROOM);
		cr_assert_not_null(v[i]);
		memcpy(v[i]->b_wptr, frames[i], lens[i]);
		v[i]->b_wptr += lens[i];
	}
	cr_assert_eq(yard_loop_inject_burst(minor, v, n), 0);
	yt_drain();
}

YT_TEST(udp_services, echo_turns_a_burst_around_in_bursts)
{
	struct ut_stack s;
	static uint8_t frames[8][128];
	size_t lens[8];
	uint8_t f[UT_FRAME_MAX];
	struct yard_msgstat before, after;
	struct udpstat u0, u1;
	struct ip_stats i0, i1;
	struct arpstat a0, a1;
	struct yard_udp_svc_stats st;

	ut_stack_open(&s, 0, 1500);
	cr_assert_eq(yard_udp_echo_start(7), 0);
	for (unsigned i = 0; i < 8; i++)
		lens[i] = ut_frame(frames[i], (uint16_t)(41000 + i), 7, NULL, 18 + i);
	u0 = ut_udpstat(s.up.up_udp);
	i0 = pt_ipstat(s.pt.ip);
	(void)arpstat_sum(&a0, -1, -1);
	yard_msgstat_sum(&before);
	inject_burst(s.pt.link.minor, frames, lens, 8);
	yard_msgstat_sum(&after);
	u1 = ut_udpstat(s.up.up_udp);
	i1 = pt_ipstat(s.pt.ip);
	(void)arpstat_sum(&a1, -1, -1);
	for (unsigned i = 0; i < 8; i++) {
		size_t n = pt_take(s.pt.link.minor, f, sizeof(f)), off;

		cr_assert_gt(n, 0, "reply %u", i);
		off = check_udp_frame(f, n, 7, (uint16_t)(41000 + i), 18 + i);
		for (size_t j = 0; j < 18 + i; j++)
			cr_assert_eq(f[off + 8 + j], ut_pat(j), "reply %u byte %zu", i, j);
	}
	cr_assert_eq(pt_take(s.pt.link.minor, f, sizeof(f)), 0, "one reply each");
	cr_assert_eq(after.copied_bytes, before.copied_bytes, "nothing copied");
	cr_assert_eq(u1.udps_tx_cksum_reused - u0.udps_tx_cksum_reused, 8,
		     "every checksum from the sum verified on input");
	cr_assert_eq(u1.udps_tx_cksum_ip, u0.udps_tx_cksum_ip, "no pass over the data");
	cr_assert_eq(i1.is_ip.ips_tx_route_cached - i0.is_ip.ips_tx_route_cached, 7,
		     "one route lookup for the burst");
	cr_assert_eq(a1.arps_tx_nh_cached - a0.arps_tx_nh_cached, 7,
		     "one neighbour lookup for the burst");
	yard_udp_svc_stats_sum(YARD_UDP_SVC_ECHO, -1, &st);
	cr_assert_eq(st.rx_datagrams, 8);
	cr_assert_eq(st.tx_datagrams, 8);
	yard_udp_services_stop_all();
	ut_stack_close(&s);
}

YT_TEST(udp_services, echo_answers_the_good_datagrams_of_a_mixed_burst)
{
	struct ut_stack s;
	static uint8_t frames[6][128];
	size_t lens[6];
	uint8_t f[UT_FRAME_MAX];
	struct udpstat u0, u1;
	struct yard_udp_svc_stats st;
	unsigned replies = 0;

	ut_stack_open(&s, 0, 1500);
	cr_assert_eq(yard_udp_echo_start(7), 0);
	lens[0] = ut_frame(frames[0], 42000, 7, NULL, 20);
	lens[1] = ut_frame(frames[1], 42001, 7, NULL, 20);
	frames[1][lens[1] - 1] ^= 0x5a; /* bad checksum */
	lens[2] = ut_frame(frames[2], 42002, 7, NULL, 20);
	lens[3] = ut_frame(frames[3], 42003, 9999, NULL, 20); /* nobody there */
	lens[4] = ut_frame(frames[4], 42004, 7, NULL, 20);
	frames[4][14 + 20 + 6] = 0; /* no checksum (RFC 768) */
	frames[4][14 + 20 + 7] = 0;
	lens[5] = ut_frame(frames[5], 42005, 7, NULL, 20);
	u0 = ut_udpstat(s.up.up_udp);
	inject_burst(s.pt.link.minor, frames, lens, 6);
	u1 = ut_udpstat(s.up.up_udp);
	cr_assert_eq(u1.udps_drop_bad_cksum - u0.udps_drop_bad_cksum, 1);
	cr_assert_eq(u1.udps_drop_no_port - u0.udps_drop_no_port, 1);
	cr_assert_eq(u1.udps_tx_cksum_reused - u0.udps_tx_cksum_reused, 3);
	cr_assert_eq(u1.udps_tx_cksum_ip - u0.udps_tx_cksum_ip, 1,
		     "the one without a checksum is summed afresh");
	for (;;) {
		size_t n = pt_take(s.pt.link.minor, f, sizeof(f));

		if (n == 0)
			break;
		if (f[14 + 9] == IPPROTO_ICMP)
			continue; /* the port unreachable for 42003 */
		(void)check_udp_frame(f, n, 7, rd16(f + 14 + 20 + 2), 20);
		cr_assert_neq(rd16(f + 14 + 20 + 2), 42001);
		cr_assert_neq(rd16(f + 14 + 20 + 2), 42003);
		replies++;
	}
	cr_assert_eq(replies, 4);
	yard_udp_svc_stats_sum(YARD_UDP_SVC_ECHO, -1, &st);
	cr_assert_eq(st.rx_datagrams, 4);
	cr_assert_eq(st.tx_datagrams, 4);
	yard_udp_services_stop_all();
	ut_stack_close(&s);
}

/* A sockperf message of len bytes (header included) with flags, its length field lfield. */
static void
sockperf_msg(uint8_t *m, size_t len, uint16_t flags, uint32_t lfield, uint64_t seq)
{
	for (unsigned i = 0; i < 8; i++)
		m[i] = (uint8_t)(seq >> (56 - 8 * i));
	m[8] = (uint8_t)(flags >> 8);
	m[9] = (uint8_t)flags;
	for (unsigned i = 0; i < 4; i++)
		m[10 + i] = (uint8_t)(lfield >> (24 - 8 * i));
	for (size_t i = 14; i < len; i++)
		m[i] = (uint8_t)(seq + i);
}

/*
 * The sockperf server answers a client's pong request with its message, the client flag
 * cleared and nothing else changed, its checksum summed afresh; it counts and drops what asks
 * for no reply (warm-up, throughput, a server's) and what is not a sockperf message.
 */
YT_TEST(udp_services, sockperf_answers_pong_requests_and_drops_the_rest)
{
	static const struct { uint16_t flags; size_t len; uint32_t lfield; } m[] = {
		{ 0x3, 64, 64 },  /* client, pong: answered */
		{ 0x7, 64, 64 },  /* a warm-up */
		{ 0x1, 64, 64 },  /* throughput: no pong asked */
		{ 0x2, 64, 64 },  /* a server's */
		{ 0x3, 10, 10 },  /* shorter than the header */
		{ 0x3, 64, 100 }, /* the length field is not the datagram's */
		{ 0x3, 80, 80 },  /* answered (the frame fills 122 of 128 bytes) */
	};
	static uint8_t frames[RTE_DIM(m)][128];
	size_t lens[RTE_DIM(m)];
	uint8_t f[UT_FRAME_MAX], msg[128];
	struct yard_udp_svc_stats st;
	struct ut_stack s;
	unsigned replies = 0;

	ut_stack_open(&s, 0, 1500);
	cr_assert_eq(yard_udp_sockperf_start(11111), 0);
	for (unsigned i = 0; i < RTE_DIM(m); i++) {
		cr_assert_leq(14 + 20 + 8 + m[i].len, sizeof(frames[i]));
		sockperf_msg(msg, m[i].len, m[i].flags, m[i].lfield, 1000 + i);
		lens[i] = ut_frame(frames[i], (uint16_t)(43000 + i), 11111, msg, m[i].len);
	}
	inject_burst(s.pt.link.minor, frames, lens, RTE_DIM(m));
	for (size_t n; (n = pt_take(s.pt.link.minor, f, sizeof(f))) != 0;) {
		unsigned i = rd16(f + 14 + 20 + 2) - 43000u;
		size_t off;

		cr_assert(i == 0 || i == 6, "a reply to message %u", i);
		off = check_udp_frame(f, n, 11111, (uint16_t)(43000 + i), m[i].len) + 8;
		sockperf_msg(msg, m[i].len, 0x2, m[i].lfield, 1000 + i);
		cr_assert_arr_eq(f + off, msg, m[i].len, "message %u back, the client flag clear", i);
		replies++;
	}
	cr_assert_eq(replies, 2);
	yard_udp_svc_stats_sum(YARD_UDP_SVC_SOCKPERF, -1, &st);
	cr_assert_eq(st.rx_datagrams, RTE_DIM(m));
	cr_assert_eq(st.tx_datagrams, 2);
	cr_assert_eq(st.rx_no_reply, 3);
	cr_assert_eq(st.rx_malformed, 2);
	cr_assert_eq(st.tx_drops, 0);
	yard_udp_services_stop_all();
	ut_stack_close(&s);
}

/*
 * A pong request whose buffer someone else holds too (a snoop's copy, a duplicate): the
 * server clears the flag in a copy of its own and leaves the other holder's bytes alone.
 */
YT_TEST(udp_services, sockperf_copies_a_shared_buffer_before_it_clears_the_flag)
{
	uint8_t frame[128], f[UT_FRAME_MAX], msg[64];
	struct yard_udp_svc_stats st;
	struct ut_stack s;
	mblk_t *mp, *held;
	size_t n, off;

	ut_stack_open(&s, 0, 1500);
	cr_assert_eq(yard_udp_sockperf_start(11111), 0);
	sockperf_msg(msg, sizeof(msg), 0x3, sizeof(msg), 77);
	n = ut_frame(frame, 43100, 11111, msg, sizeof(msg));
	mp = yard_allocb_hr(n, RTE_PKTMBUF_HEADROOM);
	cr_assert_not_null(mp);
	memcpy(mp->b_wptr, frame, n);
	mp->b_wptr += n;
	held = dupb(mp);
	cr_assert_not_null(held);
	cr_assert_eq(yard_loop_inject_burst(s.pt.link.minor, &mp, 1), 0);
	yt_drain();
	n = pt_take(s.pt.link.minor, f, sizeof(f));
	cr_assert_gt(n, 0, "the pong");
	off = check_udp_frame(f, n, 11111, 43100, sizeof(msg)) + 8;
	cr_assert_eq(f[off + 9], 0x2, "the client flag clear in the reply");
	cr_assert_arr_eq(held->b_rptr + 14 + 20 + 8, msg, sizeof(msg),
			 "the other holder's bytes as they came");
	freemsg(held);
	yard_udp_svc_stats_sum(YARD_UDP_SVC_SOCKPERF, -1, &st);
	cr_assert_eq(st.tx_datagrams, 1);
	yard_udp_services_stop_all();
	ut_stack_close(&s);
}

/*
 * The echo answers only a sockaddr_in: an indication with another address (well-formed, so
 * the receive passes it) is turned around by yard_t_udata_reply() and then dropped, counted
 * in, never sent; the next datagram is answered as usual.
 */
YT_TEST(udp_services, echo_drops_an_indication_without_a_sockaddr_in)
{
	struct ut_stack s;
	uint8_t f[UT_FRAME_MAX];
	struct yard_udp_svc_stats st;
	struct T_unitdata_ind *ind;
	mblk_t *mp;
	size_t n;
	int fd;

	ut_stack_open(&s, 0, 1500);
	cr_assert_eq(yard_udp_echo_start(7), 0);
	fd = yard_udp_service_fd(7);
	cr_assert_geq(fd, 0);
	mp = yt_msg(M_PROTO, sizeof(*ind) + 8, 0);
	ind = (struct T_unitdata_ind *)mp->b_rptr;
	ind->PRIM_type = T_UNITDATA_IND;
	ind->SRC_length = 8;
	ind->SRC_offset = sizeof(*ind);
	ind->OPT_length = 0;
	ind->OPT_offset = 0;
	mp->b_cont = yt_msg(M_DATA, 12, 'x');
	put(STH_RQ(yard_t_stream(fd)), mp);
	yt_drain();
	cr_assert_eq(pt_take(s.pt.link.minor, f, sizeof(f)), 0, "nothing to answer to");
	yard_udp_svc_stats_sum(YARD_UDP_SVC_ECHO, -1, &st);
	cr_assert_eq(st.rx_datagrams, 1);
	cr_assert_eq(st.rx_bytes, 12);
	cr_assert_eq(st.tx_datagrams, 0);
	n = ut_frame(f, 40100, 7, NULL, 16);
	pt_inject(s.pt.link.minor, f, n);
	n = pt_take(s.pt.link.minor, f, sizeof(f));
	cr_assert_gt(n, 0);
	(void)check_udp_frame(f, n, 7, 40100, 16);
	yard_udp_svc_stats_sum(YARD_UDP_SVC_ECHO, -1, &st);
	cr_assert_eq(st.rx_datagrams, 2);
	cr_assert_eq(st.tx_datagrams, 1);
	yard_udp_services_stop_all();
	ut_stack_close(&s);
}

YT_TEST(udp_services, echo_keeps_replies_flow_control_refused_until_it_clears)
{
	struct ut_bare b;
	uint8_t d[1100];
	size_t n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 43000, 7, NULL, 1000);
	struct yard_udp_svc_stats st;
	unsigned sent = 0;
	mblk_t *mp;

	ut_bare_open(&b, true);
	cr_assert_eq(yard_udp_echo_start(7), 0);
	do {
		(void)ut_bare_inject(&b, d, n);
		yard_udp_svc_stats_sum(YARD_UDP_SVC_ECHO, -1, &st);
		cr_assert_lt(++sent, 1000, "flow control never came");
	} while (st.tx_flow_waits == 0);
	/* A few more wait behind the refused ones, in order. */
	for (unsigned i = 0; i < 3; i++, sent++)
		(void)ut_bare_inject(&b, d, n);
	yard_udp_svc_stats_sum(YARD_UDP_SVC_ECHO, -1, &st);
	cr_assert_lt(st.tx_datagrams, st.rx_datagrams, "some replies wait");
	cr_assert_lt(st.rx_datagrams, sent, "and the service reads no more meanwhile");
	/* Let the loop (capturing) turn the queue around. */
	mp = mkiocb(LOOP_RELEASE);
	cr_assert_not_null(mp);
	putnext(b.loop->sd_wrq, mp);
	yt_drain();
	yard_udp_svc_stats_sum(YARD_UDP_SVC_ECHO, -1, &st);
	cr_assert_eq(st.rx_datagrams, sent, "the rest was read once flow control cleared");
	cr_assert_eq(st.tx_datagrams, sent, "and every reply went");
	cr_assert_eq(st.tx_drops, 0);
	while ((mp = yard_loop_take(b.minor)) != NULL)
		freemsg(mp);
	yard_udp_services_stop_all();
	ut_bare_close(&b);
}

YT_TEST(udp_services, discard_swallows_and_counts)
{
	struct ut_stack s;
	uint8_t f[UT_FRAME_MAX];
	struct yard_udp_svc_stats st;
	size_t n;

	ut_stack_open(&s, 0, 1500);
	cr_assert_eq(yard_udp_discard_start(9), 0);
	for (unsigned i = 0; i < 5; i++) {
		n = ut_frame(f, 40000, 9, NULL, 100);
		pt_inject(s.pt.link.minor, f, n);
	}
	cr_assert_eq(pt_take(s.pt.link.minor, f, sizeof(f)), 0, "discard answers nothing");
	yard_udp_svc_stats_sum(YARD_UDP_SVC_DISCARD, -1, &st);
	cr_assert_eq(st.rx_datagrams, 5);
	cr_assert_eq(st.rx_bytes, 500);
	cr_assert_eq(st.tx_datagrams, 0);
	yard_udp_services_stop_all();
	ut_stack_close(&s);
}

YT_TEST(udp_services, serve_a_port_once_per_lcore_and_stop)
{
	struct ut_stack s;
	uint8_t f[UT_FRAME_MAX];
	struct rte_tel_data *t;
	size_t n;

	ut_stack_open(&s, 0, 1500);
	cr_assert_eq(yard_udp_echo_start(7), 0);
	cr_assert_eq(yard_udp_echo_start(7), -EADDRINUSE);
	cr_assert_eq(yard_udp_discard_start(7), -EADDRINUSE);
	cr_assert_eq(yard_udp_discard_start(9), 0);
	cr_assert_eq(yard_udp_echo_start(0), -EINVAL);
	t = rte_tel_data_alloc();
	cr_assert_eq(yard_udp_svc_tel_fill_kind(t, YARD_UDP_SVC_ECHO, -1), 0);
	rte_tel_data_free(t);
	cr_assert_eq(yard_udp_service_stop(7), 0);
	cr_assert_eq(yard_udp_service_stop(7), -ENOENT);
	cr_assert_eq(yard_udp_service_fd(7), -1);
	/* The port is closed now: udp asks ip for a port unreachable, which ip sends. */
	n = ut_frame(f, 40000, 7, NULL, 10);
	pt_inject(s.pt.link.minor, f, n);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_drop_no_port, 1);
	cr_assert_gt(pt_take(s.pt.link.minor, f, sizeof(f)), 0, "ICMP port unreachable");
	cr_assert_eq(yard_udp_echo_start(7), 0, "and it can be served again");
	yard_udp_services_stop_all();
	cr_assert_eq(yard_udp_service_fd(9), -1);
	ut_stack_close(&s);
}

YT_TEST(udp_services, echo_waits_out_flow_control_and_resumes)
{
	struct ut_bare b;
	uint8_t d[1200];
	struct yard_udp_svc_stats st;
	size_t n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 40000, 7, NULL, 1000);
	unsigned taken = 0;
	mblk_t *mp;
	int fd;
	struct t_optmgmt req, ret;
	uint8_t ob[64], rb[64];
	struct t_opthdr *oh = (struct t_opthdr *)ob;

	ut_bare_open(&b, true);
	cr_assert_eq(yard_udp_echo_start(7), 0);
	fd = yard_udp_service_fd(7);
	/* A small send buffer so flow control comes soon. */
	oh->len = sizeof(*oh) + 4;
	oh->level = XTI_GENERIC;
	oh->name = XTI_SNDBUF;
	oh->status = 0;
	*(t_uscalar_t *)(oh + 1) = UDP_SNDBUF_MIN * 2;
	req = (struct t_optmgmt){ .opt = { .len = oh->len, .buf = ob }, .flags = T_NEGOTIATE };
	ret = (struct t_optmgmt){ .opt = { .maxlen = sizeof(rb), .buf = rb } };
	cr_assert_eq(t_optmgmt(fd, &req, &ret), 0);
	for (int i = 0; i < 100; i++)
		(void)ut_bare_inject(&b, d, n);
	yard_udp_svc_stats_sum(YARD_UDP_SVC_ECHO, -1, &st);
	cr_assert_geq(st.tx_flow_waits, 1, "the echo met flow control and waits");
	cr_assert_eq(st.rx_datagrams, st.tx_datagrams + 1, "one datagram kept, none lost");
	cr_assert_lt(st.tx_datagrams, 100);
	release_loop(&b);
	yard_udp_svc_stats_sum(YARD_UDP_SVC_ECHO, -1, &st);
	cr_assert_gt(st.tx_datagrams, 0);
	cr_assert_eq(st.rx_datagrams, st.tx_datagrams, "everything read was echoed");
	cr_assert_eq(st.rx_datagrams + ut_udpstat(b.udp).udps_drop_rcvbuf_full, 100,
		     "the rest was dropped at the full stream head (UDP semantics)");
	while ((mp = yard_loop_take(b.minor)) != NULL) {
		freemsg(mp);
		taken++;
	}
	cr_assert_eq(taken, st.tx_datagrams);
	yard_udp_services_stop_all();
	ut_bare_close(&b);
}

/* ---- ICMP through the whole stack (udp <-> ip M_CTL) ----------------------------------------- */

YT_TEST(udp, gets_ip_to_send_port_unreachable_for_a_closed_port)
{
	struct ut_stack s;
	uint8_t f[UT_FRAME_MAX], sent[UT_FRAME_MAX];
	const uint8_t *ip, *ic;
	size_t n, sn;
	unsigned hlen;

	ut_stack_open(&s, 0, 1500);
	sn = ut_frame(sent, 40000, 5555, NULL, 30);
	pt_inject(s.pt.link.minor, sent, sn);
	n = pt_take(s.pt.link.minor, f, sizeof(f));
	cr_assert_gt(n, 0, "an ICMP message went out");
	ip = f + 14;
	hlen = (ip[0] & 0xf) * 4u;
	cr_assert_eq(ip[9], IPPROTO_ICMP);
	cr_assert_arr_eq(ip + 12, &(uint32_t){ PT_ADDR_US }, 4, "from the address it was sent to");
	cr_assert_arr_eq(ip + 16, &(uint32_t){ PT_ADDR_PEER }, 4);
	cr_assert_eq(pt_cksum(ip, hlen), 0);
	ic = ip + hlen;
	cr_assert_eq(ic[0], 3, "destination unreachable");
	cr_assert_eq(ic[1], 3, "port unreachable");
	cr_assert_eq(pt_cksum(ic, n - 14 - hlen), 0, "ICMP checksum verifies");
	cr_assert_eq(n - 14 - hlen, 8 + 20 + 8, "quotes the header and 8 bytes (RFC 792)");
	cr_assert_arr_eq(ic + 8, sent + 14, 28, "the datagram's own header and UDP header");
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_tx_port_unreach, 1);
	cr_assert_eq(pt_ipstat(s.pt.ip).is_icmp.icmps_tx_port_unreach, 1);
	cr_assert_eq(pt_take(s.pt.link.minor, f, sizeof(f)), 0, "one message");
	ut_stack_close(&s);
}

YT_TEST(udp, hears_of_an_icmp_error_from_the_network_as_uderror)
{
	struct ut_stack s;
	struct stdata *ep;
	uint8_t f[UT_FRAME_MAX], *ic;
	struct T_uderror_ind ue;
	struct sockaddr_in dest;
	size_t n, q;
	uint16_t ck;
	mblk_t *mp;

	ut_stack_open(&s, 0, 1500);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, 7901, NULL), 0);
	/* The peer says our datagram 7901 -> 9999 found no one. */
	n = pt_eth(f, &pt_mac_us, &pt_mac_peer, 0x0800);
	n += pt_ipv4(f + n, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_ICMP, 3, 0, 64, NULL, 0, 8 + 28);
	ic = f + n;
	memset(ic, 0, 8);
	ic[0] = 3;
	ic[1] = 3;
	q = ut_ipudp(ic + 8, PT_ADDR_US, PT_ADDR_PEER, 7901, 9999, NULL, 100);
	cr_assert_gt(q, 28);
	ck = pt_cksum(ic, 8 + 28);
	ic[2] = (uint8_t)(ck >> 8), ic[3] = (uint8_t)ck;
	pt_inject(s.pt.link.minor, f, n + 8 + 28);
	mp = take_prim(ep, T_UDERROR_IND);
	memcpy(&ue, mp->b_rptr, sizeof(ue));
	cr_assert_eq(ue.ERROR_type, ECONNREFUSED);
	memcpy(&dest, mp->b_rptr + ue.DEST_offset, sizeof(dest));
	cr_assert_eq(dest.sin_addr.s_addr, PT_ADDR_PEER);
	cr_assert_eq(rte_be_to_cpu_16(dest.sin_port), 9999);
	freemsg(mp);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_icmp_delivered, 1);
	cr_assert_eq(pt_ipstat(s.pt.ip).is_icmp.icmps_err_to_transport, 1);
	cr_assert_eq(sth_close(ep), 0);
	ut_stack_close(&s);
}
