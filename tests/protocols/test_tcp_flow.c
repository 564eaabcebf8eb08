/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Local flow control from the link up through ip to tcp (protocols/tcp/tcp_output.c, "Local
 * flow control"; protocols/ip/ip_output.c, "Flow control through the multiplexor"): with the
 * link held (the loop driver turns nothing around), what connections send fills the driver,
 * the link's queue, ip's queue for tcp and tcp's queue toward ip; then connections hold their
 * data back instead of losing it, and send it all, in order, once the link drains.
 */
#include <string.h>

#include <streams/loop.h>

#include "tcp_test.h"

TestSuite(tcp_flow, .init = yt_setup, .fini = yt_teardown);

/* Enough connections that their initial windows (3 x 1460 bytes) overfill the ~640 KiB of
 * queues between tcp and the held driver. */
#define NCONN 260
#define IW    (3 * 1460)

static struct stdata *acc[NCONN];
static uint32_t iss[NCONN];
static uint32_t got[NCONN];

YT_TEST(tcp_flow, connections_wait_for_a_full_link_and_lose_nothing)
{
	/* long RTOs: nothing may time out while the link is held */
	struct tcp_param p = { .tp_rto_min_ms = 20000, .tp_rto_init_ms = 20000,
			       .tp_rto_max_ms = 60000 };
	static uint8_t data[8000];
	struct stdata *lsn;
	struct tcpstat st;
	struct ip_stats is;
	struct tt_seg s;
	uint64_t total = 0;

	tt_open();
	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &p, sizeof(p)), 0);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &lsn), 0);
	tt_bind(lsn, OUR_PORT, 4);
	for (unsigned i = 0; i < NCONN; i++) {
		tt_fport = (uint16_t)(PEER_PORT + i);
		acc[i] = tt_accept_one(lsn, 1000, &iss[i]);
	}
	cr_assert_not(tt_take(&s), "nothing else sent");

	cr_assert_eq(yard_loop_hold(tt_s.link.minor, true), 0);
	tt_pattern(data, sizeof(data), 3);
	for (unsigned i = 0; i < NCONN; i++) {
		cr_assert_eq(sth_write(acc[i], data, sizeof(data)), (ssize_t)sizeof(data));
		yt_drain();
	}
	st = tt_stats();
	is = pt_ipstat(tt_s.ip);
	cr_assert_gt(is.is_ip.ips_tx_held, 0, "ip held tcp back");
	cr_assert_gt(st.tcps_tx_flow_waits, 0, "connections held their data back");
	cr_assert_eq(st.tcps_drop_tx_flow, 0, "tcp dropped nothing");
	cr_assert_eq(is.is_ip.ips_drop_tx_flow, 0, "ip dropped nothing");
	cr_assert_lt(st.tcps_tx_data_bytes, (uint64_t)NCONN * IW, "not all sent yet");

	cr_assert_eq(yard_loop_hold(tt_s.link.minor, false), 0);
	yt_drain();
	while (tt_take(&s)) {
		unsigned i = (unsigned)(s.dport - PEER_PORT);

		cr_assert_eq(s.sport, OUR_PORT);
		cr_assert_lt(i, NCONN, "port %u", s.dport);
		cr_assert_eq(s.seq, iss[i] + 1 + got[i], "connection %u in order", i);
		cr_assert_arr_eq(s.data, data + got[i], s.dlen);
		got[i] += (uint32_t)s.dlen;
	}
	for (unsigned i = 0; i < NCONN; i++) {
		cr_assert_eq(got[i], IW, "connection %u sent its initial window (%u)", i, got[i]);
		total += got[i];
	}
	st = tt_stats();
	is = pt_ipstat(tt_s.ip);
	cr_assert_eq(total, (uint64_t)NCONN * IW);
	cr_assert_eq(st.tcps_tx_data_bytes, total, "each byte sent once");
	cr_assert_eq(st.tcps_tx_rexmt_segs, 0, "nothing resent");
	cr_assert_eq(st.tcps_tx_flow_resumes, st.tcps_tx_flow_waits, "every wait resumed");
	cr_assert_eq(st.tcps_drop_tx_flow, 0);
	cr_assert_eq(is.is_ip.ips_drop_tx_flow, 0);

	for (unsigned i = 0; i < NCONN; i++)
		cr_assert_eq(sth_close(acc[i]), 0);
	cr_assert_eq(sth_close(lsn), 0);
	tt_close();
	tt_fport = PEER_PORT;
	pt_assert_clean();
}
