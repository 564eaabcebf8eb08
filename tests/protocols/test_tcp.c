/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp through the loop-back driver: loop (LOOP_CAPTURE) + arp + ip + tcp, with segments
 * crafted as if from the peer (198.18.0.1) and the segments tcp sends taken from the capture.
 */
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>

#include <protocols/tcp.h>
#include <protocols/tcp_hdr.h>
#include <protocols/tihdr.h>

#include "tcp_test.h"

#include <criterion/parameterized.h>

TestSuite(tcp, .init = yt_setup, .fini = yt_teardown);

/* The stack open with the parameters p sets (TCP_SETPARAM) on top of tt_open()'s. */
static void
tt_open_with(struct tcp_param *p)
{
	tt_open();
	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, p, sizeof(*p)), 0);
}

/* Passive open to ESTABLISHED: returns the accepted endpoint; *iss our ISS. */
static struct stdata *
tt_passive(struct stdata **lsn, uint32_t peer_iss, uint32_t *iss)
{
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, lsn), 0);
	tt_bind(*lsn, OUR_PORT, 4);
	return tt_accept_one(*lsn, peer_iss, iss);
}

/*
 * The peer (port tt_fport, ISS peer_iss) completes a handshake with the listener lsn: the
 * SEQ_number of the T_CONN_IND; our ISS in *iss if not NULL.
 */
static t_scalar_t
tt_indicated(struct stdata *lsn, uint32_t peer_iss, uint32_t *iss)
{
	union {
		struct T_conn_ind ci;
		char b[256];
	} u;
	struct tt_seg s;

	tt_send(TH_SYN, peer_iss, 0, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s), "SYN,ACK sent");
	cr_assert_eq(s.flags, TH_SYN | TH_ACK);
	if (iss != NULL)
		*iss = s.seq;
	tt_send(TH_ACK, peer_iss + 1, s.seq + 1, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_get(lsn, &u, sizeof(u), NULL), T_CONN_IND);
	return u.ci.SEQ_number;
}

/*
 * The peer resets a connection indicated but not yet accepted: its T_DISCON_IND goes up the
 * listener, and a T_CONN_RES that crossed it names an indication that is gone. TBADSEQ (also
 * when it was the only one and the listener is back in TS_IDLE), counted apart from bad
 * requests: it is a race every busy server meets (the soak test's lone `drop_tpi_bad`).
 */
YT_TEST(tcp, a_conn_res_crossing_the_peers_reset_meets_tbadseq)
{
	union {
		struct T_conn_ind ci;
		struct T_discon_ind di;
		struct T_error_ack ea;
		char b[256];
	} u;
	struct stdata *lsn, *acc;
	struct T_conn_res cr;
	struct tcpstat st0;
	struct tt_seg s;
	t_scalar_t seq;

	tt_open();
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &lsn), 0);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &acc), 0);
	tt_bind(lsn, OUR_PORT, 4);
	seq = tt_indicated(lsn, 1000, NULL);
	tt_send(TH_RST, 1001, 0, 0, NULL, 0, NULL, 0);
	cr_assert_eq(tt_get(lsn, &u, sizeof(u), NULL), T_DISCON_IND);
	cr_assert_eq(u.di.SEQ_number, seq);
	st0 = tt_stats();
	cr = (struct T_conn_res){ T_CONN_RES, tt_acceptor_id(acc), 0, 0, seq };
	tt_put(lsn, &cr, sizeof(cr));
	cr_assert_eq(tt_get(lsn, &u, sizeof(u), NULL), T_ERROR_ACK);
	cr_assert_eq(u.ea.ERROR_prim, T_CONN_RES);
	cr_assert_eq(u.ea.TLI_error, TBADSEQ);
	cr_assert_eq(tt_stats().tcps_tpi_bad_seq - st0.tcps_tpi_bad_seq, 1);
	cr_assert_eq(tt_stats().tcps_drop_tpi_bad, st0.tcps_drop_tpi_bad, "not a bad request");
	/* the acceptor is untouched and the listener still listens */
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_CLOSED);
	tt_send(TH_SYN, 7000, 0, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s), "SYN,ACK sent");
	cr_assert_eq(s.flags, TH_SYN | TH_ACK);
	sth_close(acc);
	sth_close(lsn);
	tt_close();
	pt_assert_clean();
}

/*
 * A listener refuses a connection it was told of (T_DISCON_REQ naming the indication's
 * SEQ_number, XTI's t_snddis after t_listen): T_OK_ACK, the peer gets a RST for the
 * connection, the listener goes back to TS_IDLE with the other indication still pending and
 * acceptable; a sequence number that names no indication gets TBADSEQ.
 */
YT_TEST(tcp, a_listener_refuses_an_indicated_connection_with_t_discon_req)
{
	union {
		struct T_conn_ind ci;
		struct T_error_ack ea;
		struct T_ok_ack ok;
		struct T_info_ack ia;
		char b[256];
	} u;
	struct stdata *lsn, *acc;
	struct T_discon_req dr = { T_DISCON_REQ, 0 };
	struct T_info_req ir = { T_INFO_REQ };
	struct T_conn_res cr;
	struct tcpstat st0;
	struct tt_seg s;
	t_scalar_t seq1, seq2;
	uint32_t iss1;

	tt_open();
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &lsn), 0);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &acc), 0);
	tt_bind(lsn, OUR_PORT, 4);
	/* two connections indicated, from two peer ports */
	seq1 = tt_indicated(lsn, 1000, &iss1);
	tt_fport = PEER_PORT + 1;
	seq2 = tt_indicated(lsn, 5000, NULL);
	cr_assert_neq(seq1, seq2);
	st0 = tt_stats();
	/* a sequence number that names no indication */
	dr.SEQ_number = seq1 + seq2 + 1;
	tt_put(lsn, &dr, sizeof(dr));
	cr_assert_eq(tt_get(lsn, &u, sizeof(u), NULL), T_ERROR_ACK);
	cr_assert_eq(u.ea.ERROR_prim, T_DISCON_REQ);
	cr_assert_eq(u.ea.TLI_error, TBADSEQ);
	cr_assert_not(tt_take(&s), "nothing sent for it");
	/* the first refused: its peer is reset */
	dr.SEQ_number = seq1;
	tt_put(lsn, &dr, sizeof(dr));
	cr_assert_eq(tt_get(lsn, &u, sizeof(u), NULL), T_OK_ACK);
	cr_assert_eq(u.ok.CORRECT_prim, T_DISCON_REQ);
	cr_assert(tt_take(&s), "a RST for the refused connection");
	cr_assert(s.flags & TH_RST);
	cr_assert_eq(s.dport, PEER_PORT);
	cr_assert_eq(s.seq, iss1 + 1);
	cr_assert_eq(tt_stats().tcps_aborts - st0.tcps_aborts, 1);
	tt_put(lsn, &ir, sizeof(ir));
	cr_assert_eq(tt_get(lsn, &u, sizeof(u), NULL), T_INFO_ACK);
	cr_assert_eq(u.ia.CURRENT_state, TS_WRES_CIND, "one indication still pending");
	/* the second is still there and is accepted */
	cr = (struct T_conn_res){ T_CONN_RES, tt_acceptor_id(acc), 0, 0, seq2 };
	tt_put(lsn, &cr, sizeof(cr));
	cr_assert_eq(tt_get(lsn, &u, sizeof(u), NULL), T_OK_ACK);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_ESTABLISHED);
	tt_put(lsn, &ir, sizeof(ir));
	cr_assert_eq(tt_get(lsn, &u, sizeof(u), NULL), T_INFO_ACK);
	cr_assert_eq(u.ia.CURRENT_state, TS_IDLE);
	/* no indication left: the listener is back in TS_IDLE and refuses another T_DISCON_REQ */
	dr.SEQ_number = seq1;
	tt_put(lsn, &dr, sizeof(dr));
	cr_assert_eq(tt_get(lsn, &u, sizeof(u), NULL), T_ERROR_ACK);
	cr_assert_eq(u.ea.TLI_error, TOUTSTATE);
	tt_fport = PEER_PORT;
	sth_close(acc);
	sth_close(lsn);
	tt_close();
	pt_assert_clean();
}

/*
 * T_UNBIND_REQ on a listener with connections still in their handshake (SYN-RECEIVED, not
 * yet indicated): T_OK_ACK, each peer gets a RST, and the port is free:
 * the handshake's last ACK then finds no one (RST), and the port can be bound again.
 */
YT_TEST(tcp, unbinding_a_listener_resets_its_handshakes_and_frees_the_port)
{
	union {
		struct T_ok_ack ok;
		char b[256];
	} u;
	struct T_unbind_req ur = { T_UNBIND_REQ };
	struct stdata *lsn;
	struct tcpstat st0;
	struct tt_seg s;
	uint32_t iss[2];

	tt_open();
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &lsn), 0);
	tt_bind(lsn, OUR_PORT, 4);
	for (int i = 0; i < 2; i++) {
		tt_fport = (uint16_t)(PEER_PORT + i);
		tt_send(TH_SYN, 1000, 0, 65535, NULL, 0, NULL, 0);
		cr_assert(tt_take(&s), "SYN,ACK sent");
		cr_assert_eq(s.flags, TH_SYN | TH_ACK);
		iss[i] = s.seq;
	}
	st0 = tt_stats();
	tt_put(lsn, &ur, sizeof(ur));
	cr_assert_eq(tt_get(lsn, &u, sizeof(u), NULL), T_OK_ACK);
	cr_assert_eq(u.ok.CORRECT_prim, T_UNBIND_REQ);
	for (int i = 0; i < 2; i++) {
		cr_assert(tt_take(&s), "a RST for handshake %d", i);
		cr_assert(s.flags & TH_RST);
		cr_assert_eq(s.seq, iss[s.dport - PEER_PORT] + 1);
	}
	cr_assert_not(tt_take(&s));
	cr_assert_eq(tt_stats().tcps_tx_rsts - st0.tcps_tx_rsts, 2);
	/* the first peer's ACK completing its handshake: no one listens any more */
	tt_fport = PEER_PORT;
	tt_send(TH_ACK, 1001, iss[0] + 1, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s), "the late ACK draws a RST");
	cr_assert_eq(s.flags, TH_RST);
	cr_assert_eq(s.seq, iss[0] + 1);
	/* and the port can be bound again, by the same endpoint */
	tt_bind(lsn, OUR_PORT, 4);
	tt_send(TH_SYN, 9000, 0, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s), "SYN,ACK from the listener bound again");
	cr_assert_eq(s.flags, TH_SYN | TH_ACK);
	sth_close(lsn);
	tt_close();
	pt_assert_clean();
}

YT_TEST(tcp, passive_open_accepts_on_another_endpoint_and_delivers_data_zero_copy)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct yard_msgstat m0, m1;
	char buf[256];
	int dl = 0;
	struct tt_seg s;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	yard_msgstat_sum(&m0);
	tt_send(TH_ACK | TH_PSH, 1001, iss + 1, 65535, NULL, 0, "hello", 5);
	yard_msgstat_sum(&m1);
	cr_assert_eq(m1.copied_bytes, m0.copied_bytes, "no copy on the way up");
	cr_assert_eq(tt_get(acc, buf, sizeof(buf), &dl), -2, "plain M_DATA up");
	cr_assert_eq(dl, 5);
	/* the ACK is delayed, then sent by the timer */
	cr_assert_not(tt_take(&s), "ACK delayed");
	pt_run_ms(120);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.ack, 1006);
	cr_assert_eq(tt_stats().tcps_tx_delacks, 1);
	sth_close(acc);
	sth_close(lsn);
	tt_close();
	pt_assert_clean();
}

YT_TEST(tcp, segment_for_no_listener_is_answered_with_rst)
{
	struct tt_seg s;

	tt_open();
	tt_send(TH_SYN, 5, 0, 1000, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_RST | TH_ACK);
	cr_assert_eq(s.ack, 6);
	cr_assert_eq(tt_stats().tcps_drop_no_conn, 1);
	tt_close();
	pt_assert_clean();
}

/*
 * Timer tests without a wall clock's optimism. tcp's timers read the same clock as
 * rte_get_timer_cycles(), so a test cannot stop time; what it can do is never assume how
 * much time a wait took. tt_ms() is that clock in milliseconds. tt_until_sent() runs the
 * stack in ~1 ms steps until tcp sends a segment, up to bound_ms (a generous bound: it only
 * says the segment never came), and brackets the moment it was sent: no earlier than *from,
 * the last look that found nothing, no later than *at, the look that found it (the capture is
 * filled inside the pass that sends). "Not before X" is then asserted as *at - t0 >= X - 1,
 * with t0 taken before whatever armed the timer: a slow machine only makes *at later, so it
 * cannot fail a correct tcp, while a timer that fires early still fails it. (The 1 ms is
 * tcp's clock, which counts whole milliseconds.)
 */
static double tt_last_empty; /* when tt_until_sent() last found nothing */

static double
tt_ms(void)
{
	return (double)rte_get_timer_cycles() * 1000.0 / (double)rte_get_timer_hz();
}

static bool
tt_until_sent(struct tt_seg *s, unsigned bound_ms, double *from, double *at)
{
	double end = tt_ms() + bound_ms;

	for (;;) {
		double now = tt_ms();

		if (tt_take(s)) {
			*from = tt_last_empty;
			*at = now;
			return true;
		}
		tt_last_empty = now;
		if (now >= end)
			return false;
		pt_run_ms(1);
	}
}

/* As tt_until_sent() for a state: *at, the first look that found ep in it. */
static bool
tt_until_state(struct stdata *ep, uint32_t state, unsigned bound_ms, double *at)
{
	double end = tt_ms() + bound_ms;

	for (;;) {
		*at = tt_ms();
		if (tt_info(ep).tcpi_state == state)
			return true;
		if (*at >= end)
			return false;
		pt_run_ms(1);
	}
}

/* n in-window RSTs not at RCV.NXT; how many challenge ACKs answered them. */
static unsigned
tc_rst_flood(unsigned n)
{
	struct tt_seg s;
	unsigned acks = 0;

	for (unsigned i = 0; i < n; i++)
		tt_send(TH_RST, 1100 + i, 0, 0, NULL, 0, NULL, 0);
	while (tt_take(&s)) {
		cr_assert_eq(s.flags, TH_ACK);
		acks++;
	}
	return acks;
}

YT_TEST(tcp, challenge_acks_are_limited_per_second_with_a_random_budget)
{
	struct tcp_param p = { .tp_challenge_ack_limit = 4 };
	struct stdata *lsn, *acc;
	struct tcpstat st;
	uint32_t iss;
	unsigned acks;

	tt_open_with(&p);
	cr_assert_eq(p.tp_challenge_ack_limit, 4);
	acc = tt_passive(&lsn, 1000, &iss);
	/* RFC 5961 7: a second's budget is 2..5 for a limit of 4, whatever the flood */
	acks = tc_rst_flood(20);
	st = tt_stats();
	cr_assert(acks >= 2 && acks <= 5, "%u challenge ACKs for 20 RSTs", acks);
	cr_assert_eq(st.tcps_rst_challenged, 20, "each RST is still judged and counted");
	cr_assert_eq(st.tcps_tx_challenge_acks, acks);
	cr_assert_eq(st.tcps_challenge_acks_limited, 20 - acks);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_ESTABLISHED);
	/* the next second brings a new budget */
	rte_delay_ms(1005);
	cr_assert_geq(tc_rst_flood(1), 1);
	/* UINT32_MAX: no limit */
	p = (struct tcp_param){ .tp_challenge_ack_limit = UINT32_MAX };
	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &p, sizeof(p)), 0);
	cr_assert_eq(tc_rst_flood(50), 50);
	sth_close(acc);
	sth_close(lsn);
	tt_close();
	pt_assert_clean();
}

YT_TEST(tcp, rst_in_window_but_not_at_rcv_nxt_draws_a_challenge_ack)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct tt_seg s;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	tt_send(TH_RST, 1100, 0, 0, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_ACK);
	cr_assert_eq(s.ack, 1001);
	cr_assert_eq(tt_stats().tcps_rst_challenged, 1);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_ESTABLISHED);
	/* a SYN in ESTABLISHED: challenge ACK too (RFC 5961 4) */
	tt_send(TH_SYN, 5000, 0, 0, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_ACK);
	cr_assert_eq(tt_stats().tcps_syn_challenged, 1);
	/* RST at RCV.NXT resets: T_DISCON_IND */
	{
		char buf[256];

		tt_send(TH_RST, 1001, 0, 0, NULL, 0, NULL, 0);
		cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), T_DISCON_IND);
		cr_assert_eq(((struct T_discon_ind *)buf)->DISCON_reason, ECONNRESET);
	}
	sth_close(acc);
	sth_close(lsn);
	tt_close();
	pt_assert_clean();
}

YT_TEST(tcp, out_of_order_segments_are_reassembled)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct tt_seg s;
	char buf[256];
	int dl = 0;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	tt_send(TH_ACK, 1004, iss + 1, 65535, NULL, 0, "def", 3);
	cr_assert(tt_take(&s), "immediate duplicate ACK");
	cr_assert_eq(s.ack, 1001);
	cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), -1, "nothing delivered yet");
	tt_send(TH_ACK, 1001, iss + 1, 65535, NULL, 0, "abc", 3);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.ack, 1007);
	cr_assert_eq(tt_get(acc, buf, sizeof(buf), &dl), -2);
	cr_assert_eq(dl, 3);
	cr_assert_eq(tt_get(acc, buf, sizeof(buf), &dl), -2);
	cr_assert_eq(dl, 3);
	cr_assert_eq(tt_stats().tcps_rx_ooo_segs, 1);
	sth_close(acc);
	sth_close(lsn);
	tt_close();
	pt_assert_clean();
}

YT_TEST(tcp, passive_close_goes_through_close_wait_and_last_ack)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct tt_seg s;
	char buf[256];
	struct T_ordrel_req orq = { T_ORDREL_REQ };

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	tt_send(TH_ACK | TH_FIN, 1001, iss + 1, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), T_ORDREL_IND);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_CLOSE_WAIT);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.ack, 1002);
	tt_put(acc, &orq, sizeof(orq));
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_FIN | TH_ACK);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_LAST_ACK);
	tt_send(TH_ACK, 1002, iss + 2, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_CLOSED);
	sth_close(acc);
	sth_close(lsn);
	tt_close();
	pt_assert_clean();
}

YT_TEST(tcp, active_close_reaches_time_wait_and_expires_after_2msl)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct tt_seg s;
	char buf[256];
	struct T_ordrel_req orq = { T_ORDREL_REQ };

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	tt_put(acc, &orq, sizeof(orq));
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_FIN | TH_ACK);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_FIN_WAIT_1);
	tt_send(TH_ACK, 1001, iss + 2, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_FIN_WAIT_2);
	tt_send(TH_ACK | TH_FIN, 1001, iss + 2, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), T_ORDREL_IND);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_TIME_WAIT);
	cr_assert(tt_take(&s), "the peer's FIN acknowledged");
	cr_assert_eq(s.ack, 1002);
	/* the peer lost that ACK: its FIN again is ACKed again */
	tt_send(TH_ACK | TH_FIN, 1001, iss + 2, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_ACK);
	cr_assert_eq(s.seq, iss + 2);
	cr_assert_eq(s.ack, 1002);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_TIME_WAIT);
	pt_run_ms(200);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_CLOSED);
	cr_assert_eq(tt_stats().tcps_timewait_expired, 1);
	sth_close(acc);
	sth_close(lsn);
	tt_close();
	pt_assert_clean();
}

/*
 * RFC 1337: a RST, in the window or not, does not end TIME-WAIT early (an old duplicate of this
 * incarnation could then reach the next one); it is dropped unanswered and counted, and
 * TIME-WAIT still ends after 2 MSL.
 */
YT_TEST(tcp, a_reset_does_not_end_time_wait)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct tt_seg s;
	char buf[256];
	struct T_ordrel_req orq = { T_ORDREL_REQ };
	struct tcpstat st0;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	tt_put(acc, &orq, sizeof(orq));
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_FIN | TH_ACK);
	tt_send(TH_ACK | TH_FIN, 1001, iss + 2, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), T_ORDREL_IND);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_TIME_WAIT);
	cr_assert(tt_take(&s), "the peer's FIN acknowledged");
	st0 = tt_stats();
	tt_send(TH_RST, 1002, 0, 0, NULL, 0, NULL, 0);            /* at RCV.NXT */
	tt_send(TH_RST | TH_ACK, 1002, iss + 2, 0, NULL, 0, NULL, 0);
	tt_send(TH_RST, 1500, 0, 0, NULL, 0, NULL, 0);            /* in the window */
	tt_send(TH_RST, 900, 0, 0, NULL, 0, NULL, 0);             /* below it */
	cr_assert_not(tt_take(&s), "a RST in TIME-WAIT is not answered");
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_TIME_WAIT, "still TIME-WAIT");
	cr_assert_eq(tt_stats().tcps_timewait_rst_ignored - st0.tcps_timewait_rst_ignored, 4);
	cr_assert_eq(tt_stats().tcps_rst_accepted, st0.tcps_rst_accepted);
	cr_assert_eq(tt_stats().tcps_resets_received, st0.tcps_resets_received);
	pt_run_ms(200);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_CLOSED);
	cr_assert_eq(tt_stats().tcps_timewait_expired, 1);
	sth_close(acc);
	sth_close(lsn);
	tt_close();
	pt_assert_clean();
}

/*
 * Past tp_max_timewait connections in TIME-WAIT, one more that closes first waits a tick, not
 * 2 MSL (as Linux past tcp_max_tw_buckets): a server closing first thousands of connections a
 * second must not fill its connection table with them and refuse new SYNs.
 */
YT_TEST(tcp, time_wait_past_its_limit_lasts_a_tick)
{
	struct tcp_param p = { .tp_max_timewait = 1, .tp_msl_ms = 500 };
	struct stdata *lsn, *acc[3];
	struct T_ordrel_req orq = { T_ORDREL_REQ };
	struct tcpstat st0;
	struct tt_seg s;
	char buf[256];
	uint32_t iss;

	tt_open_with(&p);
	st0 = tt_stats();
	for (unsigned i = 0; i < 3; i++) {
		tt_fport = (uint16_t)(PEER_PORT + i);
		acc[i] = tt_passive(&lsn, 1000, &iss);
		tt_put(acc[i], &orq, sizeof(orq));
		cr_assert(tt_take(&s));
		cr_assert_eq(s.flags, TH_FIN | TH_ACK);
		tt_send(TH_ACK | TH_FIN, 1001, iss + 2, 65535, NULL, 0, NULL, 0);
		cr_assert_eq(tt_get(acc[i], buf, sizeof(buf), NULL), T_ORDREL_IND);
		cr_assert_eq(tt_info(acc[i]).tcpi_state, TCPS_TIME_WAIT, "connection %u", i);
		(void)pt_discard(tt_s.link.minor);
		sth_close(lsn);
	}
	tt_fport = PEER_PORT;
	cr_assert_eq(tt_stats().tcps_timewait_overflow - st0.tcps_timewait_overflow, 2);
	pt_run_ms(30);
	cr_assert_eq(tt_info(acc[0]).tcpi_state, TCPS_TIME_WAIT, "within the limit: 2 MSL");
	cr_assert_eq(tt_info(acc[1]).tcpi_state, TCPS_CLOSED, "past it: a tick");
	cr_assert_eq(tt_info(acc[2]).tcpi_state, TCPS_CLOSED);
	pt_run_ms(1100);
	cr_assert_eq(tt_info(acc[0]).tcpi_state, TCPS_CLOSED);
	cr_assert_eq(tt_stats().tcps_timewait_expired - st0.tcps_timewait_expired, 3);
	for (unsigned i = 0; i < 3; i++)
		sth_close(acc[i]);
	p = (struct tcp_param){ .tp_max_timewait = UINT32_MAX };
	cr_assert_lt(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &p, sizeof(p)), 0, "beyond the table");
	tt_close();
	pt_assert_clean();
}

/*
 * A client reusing the 4-tuple of a connection we hold in TIME-WAIT (RFC 6191, RFC 1122
 * 4.2.2.13): a SYN whose ISN is above what the old connection expected opens a new
 * connection from LISTEN at once; one below it does not (the old connection answers).
 */
YT_TEST(tcp, a_new_syn_ends_time_wait_and_opens_a_connection)
{
	struct stdata *lsn, *acc, *acc2;
	struct T_ordrel_req orq = { T_ORDREL_REQ };
	union {
		struct T_conn_ind ci;
		char b[256];
	} u;
	struct T_conn_res cr;
	struct tcpstat st0;
	struct tt_seg s;
	char buf[256];
	uint32_t iss;

	tt_open();
	st0 = tt_stats();
	acc = tt_passive(&lsn, 1000, &iss);
	tt_put(acc, &orq, sizeof(orq));
	cr_assert(tt_take(&s));
	tt_send(TH_ACK | TH_FIN, 1001, iss + 2, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), T_ORDREL_IND);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_TIME_WAIT);
	(void)pt_discard(tt_s.link.minor);
	/* an old duplicate SYN (ISN below RCV.NXT 1002): TIME-WAIT stays, no SYN,ACK */
	tt_send(TH_SYN, 900, 0, 65535, NULL, 0, NULL, 0);
	while (tt_take(&s))
		cr_assert_neq(s.flags, TH_SYN | TH_ACK, "an old SYN opened nothing");
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_TIME_WAIT);
	/* a new incarnation: ISN above it */
	tt_send(TH_SYN, 50000, 0, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s), "SYN,ACK");
	cr_assert_eq(s.flags, TH_SYN | TH_ACK);
	cr_assert_eq(s.ack, 50001);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_CLOSED, "the old one is over");
	cr_assert_eq(tt_stats().tcps_timewait_reused - st0.tcps_timewait_reused, 1);
	tt_send(TH_ACK, 50001, s.seq + 1, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_get(lsn, &u, sizeof(u), NULL), T_CONN_IND);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &acc2), 0);
	cr = (struct T_conn_res){ T_CONN_RES, tt_acceptor_id(acc2), 0, 0, u.ci.SEQ_number };
	tt_put(lsn, &cr, sizeof(cr));
	cr_assert_eq(tt_get(lsn, buf, sizeof(buf), NULL), T_OK_ACK);
	cr_assert_eq(tt_info(acc2).tcpi_state, TCPS_ESTABLISHED);
	tt_send(TH_ACK | TH_PSH, 50001, s.seq + 1, 65535, NULL, 0, "new", 3);
	cr_assert_eq(tt_getdata(acc2, buf, sizeof(buf)), 3);
	cr_assert_eq(memcmp(buf, "new", 3), 0);
	sth_close(acc2);
	(void)pt_discard(tt_s.link.minor);
	sth_close(acc);
	sth_close(lsn);
	pt_run_ms(200);
	tt_close();
	pt_assert_clean();
}

YT_TEST(tcp, active_open_retransmits_syn_with_backoff_then_disconnects)
{
	struct stdata *ep;
	struct tcp_param p = { .tp_syn_rexmt_max = 2 };
	struct {
		struct T_conn_req r;
		struct sockaddr_in sin;
	} c = { { T_CONN_REQ, sizeof(struct sockaddr_in), sizeof(struct T_conn_req), 0, 0 },
		{ .sin_family = AF_INET, .sin_port = rte_cpu_to_be_16(PEER_PORT),
		  .sin_addr = { PT_ADDR_PEER } } };
	struct tt_seg s;
	char buf[256];
	unsigned syns = 0;

	tt_open_with(&p);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &ep), 0);
	tt_bind(ep, 0, 0);
	tt_put(ep, &c, sizeof(c));
	cr_assert_eq(tt_get(ep, buf, sizeof(buf), NULL), T_OK_ACK);
	cr_assert_eq(tt_info(ep).tcpi_state, TCPS_SYN_SENT);
	for (int i = 0; i < 20 && syns < 3; i++) {
		pt_run_ms(100);
		while (tt_take(&s)) {
			cr_assert_eq(s.flags, TH_SYN);
			syns++;
		}
	}
	cr_assert_eq(syns, 3, "the SYN and two retransmissions");
	pt_run_ms(1000);
	cr_assert_eq(tt_get(ep, buf, sizeof(buf), NULL), T_DISCON_IND);
	cr_assert_eq(((struct T_discon_ind *)buf)->DISCON_reason, ETIMEDOUT);
	cr_assert_eq(tt_stats().tcps_rexmt_drops, 1);
	sth_close(ep);
	tt_close();
	pt_assert_clean();
}

/* ---- helpers of the tests below ------------------------------------------------------------ */

static void
tt_write(struct stdata *sd, const void *buf, size_t len)
{
	cr_assert_eq(sth_write(sd, buf, len), (ssize_t)len);
	yt_drain();
}

static uint32_t
tt_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A timestamp option (NOP NOP TS) into o; returns 12. */
static size_t
tt_ts(uint8_t *o, uint32_t val, uint32_t ecr)
{
	o[0] = TCPOPT_NOP;
	o[1] = TCPOPT_NOP;
	o[2] = TCPOPT_TIMESTAMP;
	o[3] = TCPOLEN_TIMESTAMP;
	for (int i = 0; i < 4; i++) {
		o[4 + i] = (uint8_t)(val >> (24 - 8 * i));
		o[8 + i] = (uint8_t)(ecr >> (24 - 8 * i));
	}
	return 12;
}

/* T_CONN_REQ to the peer from ep (bound): the primitive tcp answered with (an error
 * can only be TADDRBUSY). */
static t_scalar_t
tt_conn_req(struct stdata *ep)
{
	struct {
		struct T_conn_req r;
		struct sockaddr_in sin;
	} c = { { T_CONN_REQ, sizeof(struct sockaddr_in), sizeof(struct T_conn_req), 0, 0 },
		{ .sin_family = AF_INET, .sin_port = rte_cpu_to_be_16(PEER_PORT),
		  .sin_addr = { PT_ADDR_PEER } } };
	union {
		struct T_error_ack ea;
		char b[256];
	} u;
	t_scalar_t prim;

	tt_put(ep, &c, sizeof(c));
	prim = tt_get(ep, &u, sizeof(u), NULL);
	if (prim == T_ERROR_ACK)
		cr_assert_eq(u.ea.TLI_error, TADDRBUSY, "TLI_error %d", (int)u.ea.TLI_error);
	return prim;
}

/* Active open to SYN-SENT: returns the endpoint; *s is its SYN. Sets tt_lport. */
static struct stdata *
tt_connect(struct tt_seg *s)
{
	struct stdata *ep;

	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &ep), 0);
	tt_bind(ep, 0, 0);
	cr_assert_eq(tt_conn_req(ep), T_OK_ACK);
	cr_assert(tt_take(s), "SYN sent");
	cr_assert_eq(s->flags, TH_SYN);
	cr_assert_eq(s->dport, PEER_PORT);
	cr_assert_geq(s->sport, 49152, "an ephemeral port");
	tt_lport = s->sport;
	return ep;
}

static void
tt_done(struct stdata *a, struct stdata *b)
{
	if (a != NULL)
		sth_close(a);
	if (b != NULL)
		sth_close(b);
	tt_close();
	tt_lport = OUR_PORT;
	pt_assert_clean();
}

/* ---- more behaviour -------------------------------------------------------------------------- */

/*
 * tcp's tick runs only while a deadline is armed (tcp_timer.c): an idle lcore is not woken
 * every 5 ms, and [yard] idle_sleep_us can sleep longer than that.
 */
YT_TEST(tcp, the_tick_runs_only_while_a_deadline_is_armed)
{
	struct stdata *lsn, *acc;
	unsigned base;
	uint32_t iss;
	struct tt_seg s;

	tt_open();
	yt_drain();
	base = yard_timeouts_pending(); /* arp's and ip's own: tcp has no deadline yet */
	acc = tt_passive(&lsn, 1000, &iss);
	tt_write(acc, "x", 1);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.dlen, 1);
	cr_assert_eq(yard_timeouts_pending(), base + 1, "data in flight: the tick is armed");
	tt_send(TH_ACK, 1001, iss + 2, 65535, NULL, 0, NULL, 0);
	/* the tick comes at the retransmission deadline it was armed for (not the SYN's 75 s
	 * keepalive cap, which it was moved forward from), finds nothing and stops */
	pt_run_ms(400);
	cr_assert_eq(yard_timeouts_pending(), base, "acknowledged and idle: no tick");
	tt_write(acc, "y", 1);
	cr_assert(tt_take(&s));
	cr_assert_eq(yard_timeouts_pending(), base + 1, "armed again by the next deadline");
	tt_send(TH_ACK, 1001, iss + 3, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_stats().tcps_tx_rexmt_segs, 0);
	tt_done(acc, lsn);
}

YT_TEST(tcp, data_both_ways_is_segmented_by_mss_acked_and_freed_at_once)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct tt_seg s;
	uint8_t out[4000], in[4000];
	size_t got = 0;
	int base;
	char buf[256];

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	base = yt_msgs_outstanding();
	tt_pattern(out, sizeof(out), 7);
	tt_write(acc, out, sizeof(out));
	/* the initial window (RFC 5681 3.1) is 4380 bytes: all three segments go */
	for (int i = 0; i < 3; i++) {
		cr_assert(tt_take(&s), "segment %d", i);
		cr_assert_eq(s.seq, iss + 1 + (uint32_t)got);
		cr_assert_eq(s.ack, 1001);
		cr_assert_eq(s.flags & TH_ACK, TH_ACK);
		cr_assert_eq(s.dlen, i < 2 ? 1460u : 1080u);
		cr_assert_eq(s.flags & TH_PSH, i < 2 ? 0 : TH_PSH, "PSH on the last");
		memcpy(in + got, s.data, s.dlen);
		got += s.dlen;
	}
	cr_assert_not(tt_take(&s));
	cr_assert_eq(memcmp(in, out, sizeof(out)), 0, "the bytes written");
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 4000);
	cr_assert_gt(yt_msgs_outstanding(), base, "the send buffer holds the data");
	/* the peer acknowledges everything with data of its own */
	tt_send(TH_ACK | TH_PSH, 1001, iss + 4001, 65535, NULL, 0, "xyz", 3);
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	cr_assert_eq(tt_info(acc).tcpi_snd_una, iss + 4001);
	cr_assert_eq(tt_getdata(acc, buf, sizeof(buf)), 3);
	cr_assert_eq(memcmp(buf, "xyz", 3), 0);
	cr_assert_eq(yt_msgs_outstanding(), base, "acknowledged data freed at once");
	pt_run_ms(120);
	cr_assert(tt_take(&s), "delayed ACK");
	cr_assert_eq(s.ack, 1004);
	cr_assert_eq(s.seq, iss + 4001);
	cr_assert_eq(s.dlen, 0);
	cr_assert_eq(tt_stats().tcps_tx_data_bytes, 4000);
	cr_assert_eq(tt_stats().tcps_rx_data_bytes, 3);
	tt_done(acc, lsn);
}

YT_TEST(tcp, received_data_goes_up_in_the_received_buffer_without_a_copy)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct yard_msgstat m0, m1;
	mblk_t *mp = NULL;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	yard_msgstat_sum(&m0);
	tt_send(TH_ACK | TH_PSH, 1001, iss + 1, 65535, NULL, 0, "zerocopy", 8);
	yard_msgstat_sum(&m1);
	cr_assert_eq(m1.copied_bytes, m0.copied_bytes, "no copy on the way up");
	cr_assert_eq(sth_getmsg_mblk(acc, &mp), 0);
	cr_assert_eq(DB_TYPE(mp), M_DATA);
	cr_assert_null(mp->b_cont);
	cr_assert_eq(MBLKL(mp), 8);
	cr_assert_eq(memcmp(mp->b_rptr, "zerocopy", 8), 0);
	/* the payload sits where it was received: headroom + Ethernet + IPv4 + TCP headers */
	cr_assert_eq(mp->b_rptr - DB_BASE(mp), RTE_PKTMBUF_HEADROOM + 14 + 20 + 20,
		     "the injected mbuf itself, headers trimmed");
	cr_assert_eq((void *)DB_BASE(mp), yard_mblk_mbuf(mp)->buf_addr);
	freemsg(mp);
	tt_done(acc, lsn);
}

YT_TEST(tcp, simultaneous_close_goes_through_closing_to_time_wait)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct tt_seg s;
	char buf[256];
	struct T_ordrel_req orq = { T_ORDREL_REQ };

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	tt_put(acc, &orq, sizeof(orq));
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_FIN | TH_ACK);
	cr_assert_eq(s.seq, iss + 1);
	/* the peer's FIN crosses ours: it does not acknowledge our FIN */
	tt_send(TH_ACK | TH_FIN, 1001, iss + 1, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_CLOSING);
	cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), T_ORDREL_IND);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.ack, 1002, "its FIN acknowledged");
	cr_assert_eq(s.flags & TH_ACK, TH_ACK);
	tt_send(TH_ACK, 1002, iss + 2, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_TIME_WAIT);
	pt_run_ms(200);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_CLOSED);
	cr_assert_eq(tt_stats().tcps_timewait_expired, 1);
	tt_done(acc, lsn);
}

YT_TEST(tcp, rst_out_of_window_is_ignored_silently)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct tt_seg s;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	tt_send(TH_RST, 1001 + 100000, 0, 0, NULL, 0, NULL, 0);
	tt_send(TH_RST | TH_ACK, 1000, iss + 1, 0, NULL, 0, NULL, 0);
	cr_assert_not(tt_take(&s), "no answer");
	cr_assert_eq(tt_stats().tcps_drop_rst_out_window, 2);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_ESTABLISHED);
	tt_done(acc, lsn);
}

YT_TEST(tcp, duplicate_segment_is_acked_at_once_and_delivered_once)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct tt_seg s;
	char buf[256];

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	tt_send(TH_ACK, 1001, iss + 1, 65535, NULL, 0, "abc", 3);
	cr_assert_not(tt_take(&s), "first ACK delayed");
	tt_send(TH_ACK, 1001, iss + 1, 65535, NULL, 0, "abc", 3);
	cr_assert(tt_take(&s), "a duplicate is ACKed at once");
	cr_assert_eq(s.ack, 1004);
	/* partly duplicate: the new tail is kept */
	tt_send(TH_ACK, 1002, iss + 1, 65535, NULL, 0, "bcdef", 5);
	cr_assert_eq(tt_getdata(acc, buf, sizeof(buf)), 3);
	cr_assert_eq(memcmp(buf, "abc", 3), 0);
	cr_assert_eq(tt_getdata(acc, buf, sizeof(buf)), 3);
	cr_assert_eq(memcmp(buf, "def", 3), 0);
	cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), -1, "nothing more");
	cr_assert_eq(tt_stats().tcps_rx_dup_segs, 1);
	cr_assert_eq(tt_stats().tcps_rx_partdup_segs, 1);
	cr_assert_eq(tt_info(acc).tcpi_rcv_nxt, 1007);
	(void)pt_discard(tt_s.link.minor);
	tt_done(acc, lsn);
}

YT_TEST(tcp, out_of_order_segments_overlapping_are_trimmed_and_reassembled)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct tt_seg s;
	char got[16];
	size_t n = 0;
	char buf[256];
	int dl = 0;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	/* bytes 1001.. are "abcdefghij": send ghij, then efgh (overlaps), then abcd */
	tt_send(TH_ACK, 1007, iss + 1, 65535, NULL, 0, "ghij", 4);
	tt_send(TH_ACK, 1005, iss + 1, 65535, NULL, 0, "efgh", 4);
	cr_assert_eq(tt_info(acc).tcpi_ooo_bytes, 6);
	while (tt_take(&s))
		cr_assert_eq(s.ack, 1001, "duplicate ACKs for the hole");
	tt_send(TH_ACK, 1001, iss + 1, 65535, NULL, 0, "abcd", 4);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.ack, 1011);
	while ((dl = tt_getdata(acc, buf, sizeof(buf))) >= 0) {
		cr_assert_leq(n + (size_t)dl, sizeof(got));
		memcpy(got + n, buf, (size_t)dl);
		n += (size_t)dl;
	}
	cr_assert_eq(n, 10);
	cr_assert_eq(memcmp(got, "abcdefghij", 10), 0);
	cr_assert_eq(tt_info(acc).tcpi_ooo_bytes, 0);
	tt_done(acc, lsn);
}

/*
 * The window closes while data is in flight: the retransmission timer stops (nothing may be
 * sent), so the persist timer must run instead, or a lost window update leaves the
 * connection waiting for ever (RFC 9293 3.8.6.1).
 */
YT_TEST(tcp, window_closing_over_data_in_flight_starts_the_persist_timer)
{
	struct stdata *lsn, *acc;
	uint32_t iss, first = 0;
	struct tt_seg s;
	uint8_t out[3000];
	bool probed = false;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	tt_pattern(out, sizeof(out), 3);
	tt_write(acc, out, sizeof(out));
	while (tt_take(&s))
		if (first == 0)
			first = (uint32_t)s.dlen;
	cr_assert_gt(first, 0, "data went");
	/* the peer takes the first segment and closes its window over the rest */
	tt_send(TH_ACK, 1001, iss + 1 + first, 0, NULL, 0, NULL, 0);
	while (tt_take(&s))
		;
	/* its window update is lost: yard must ask by itself */
	for (int i = 0; i < 30 && !probed; i++) {
		pt_run_ms(100);
		while (tt_take(&s))
			if (s.dlen > 0 && s.seq == iss + 1 + first)
				probed = true;
	}
	cr_assert(probed, "no probe of the closed window within 3 s");
	cr_assert_geq(tt_stats().tcps_tx_probes, 1);
	/* the window opens: the rest goes */
	tt_send(TH_ACK, 1001, iss + 1 + first, 65535, NULL, 0, NULL, 0);
	pt_run_ms(10);
	cr_assert(tt_take(&s), "the rest after the window opened");
	cr_assert_eq(s.seq, iss + 1 + first);
	tt_done(acc, lsn);
}

YT_TEST(tcp, zero_window_is_probed_by_the_persist_timer)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct tt_seg s;
	uint8_t out[100];
	double t0, from, at;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	tt_send(TH_ACK, 1001, iss + 1, 0, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_snd_wnd, 0);
	tt_pattern(out, sizeof(out), 1);
	t0 = tt_ms();
	tt_write(acc, out, sizeof(out));
	cr_assert_not(tt_take(&s), "nothing into a zero window");
	cr_assert(tt_until_sent(&s, 5000, &from, &at), "a probe after the persist timeout");
	cr_assert_geq(at - t0, 500 - 1, "not before the persist timeout's 500 ms floor: %.1f ms",
		      at - t0);
	cr_assert_eq(s.dlen, 1);
	cr_assert_eq(s.seq, iss + 1);
	cr_assert_eq(s.data[0], out[0]);
	cr_assert_eq(tt_stats().tcps_tx_probes, 1);
	/* still closed: the next probe backs off */
	tt_send(TH_ACK, 1001, iss + 1, 0, NULL, 0, NULL, 0);
	cr_assert_not(tt_take(&s));
	/* the window opens: everything goes */
	tt_send(TH_ACK, 1001, iss + 1, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.seq, iss + 1);
	cr_assert_eq(s.dlen, 100);
	cr_assert_eq(memcmp(s.data, out, 100), 0);
	tt_send(TH_ACK, 1001, iss + 101, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	pt_run_ms(1200);
	cr_assert_not(tt_take(&s), "nothing more: no probe, no retransmission");
	tt_done(acc, lsn);
}

YT_TEST(tcp, three_duplicate_acks_trigger_fast_retransmit_and_newreno_recovery)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct tt_seg s;
	uint8_t out[4380];

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	tt_pattern(out, sizeof(out), 3);
	tt_write(acc, out, sizeof(out));
	for (int i = 0; i < 3; i++)
		cr_assert(tt_take(&s));
	/* the first segment is lost: the peer ACKs the SYN three more times */
	for (int i = 0; i < 3; i++) {
		cr_assert_not(tt_take(&s), "no retransmission before the third");
		tt_send(TH_ACK, 1001, iss + 1, 65535, NULL, 0, NULL, 0);
	}
	cr_assert(tt_take(&s), "fast retransmit");
	cr_assert_eq(s.seq, iss + 1);
	cr_assert_eq(s.dlen, 1460);
	cr_assert_eq(memcmp(s.data, out, 1460), 0);
	cr_assert_eq(tt_stats().tcps_fast_rexmt, 1);
	cr_assert_eq(tt_stats().tcps_tx_rexmt_segs, 1);
	cr_assert(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	cr_assert_eq(tt_info(acc).tcpi_snd_ssthresh, 2 * 1460, "ssthresh = max(flight/2, 2 MSS)");
	/* a partial ACK (RFC 6582): the next hole is resent at once */
	tt_send(TH_ACK, 1001, iss + 1461, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s), "partial ACK retransmits");
	cr_assert_eq(s.seq, iss + 1461);
	cr_assert_eq(tt_stats().tcps_recovery_partial, 1);
	/* the full ACK ends recovery */
	tt_send(TH_ACK, 1001, iss + 4381, 65535, NULL, 0, NULL, 0);
	cr_assert_not(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	(void)pt_discard(tt_s.link.minor);
	tt_done(acc, lsn);
}

YT_TEST(tcp, active_open_negotiates_mss_window_scale_and_timestamps)
{
	struct stdata *ep;
	struct tt_seg s;
	const uint8_t *o;
	uint8_t opts[40];
	size_t ol = 0;
	uint32_t iss, ourts;
	char buf[256];
	struct tcp_conninfo ci;

	tt_open();
	ep = tt_connect(&s);
	iss = s.seq;
	cr_assert_not_null(o = tt_opt(&s, TCPOPT_MAXSEG));
	cr_assert_eq(o[1], 4);
	cr_assert_eq(o[2] << 8 | o[3], 1460);
	cr_assert_not_null(o = tt_opt(&s, TCPOPT_WINDOW));
	cr_assert_eq(o[2], 3, "256 KiB receive buffer needs a shift of 3");
	cr_assert_not_null(o = tt_opt(&s, TCPOPT_TIMESTAMP));
	ourts = tt_be32(o + 2);
	cr_assert_eq(tt_be32(o + 6), 0, "TSecr 0 in a SYN");
	/* SYN,ACK: MSS 1200, shift 7, timestamps */
	opts[ol++] = TCPOPT_MAXSEG, opts[ol++] = 4, opts[ol++] = 1200 >> 8, opts[ol++] = 1200 & 0xff;
	opts[ol++] = TCPOPT_NOP, opts[ol++] = TCPOPT_WINDOW, opts[ol++] = 3, opts[ol++] = 7;
	ol += tt_ts(opts + ol, 555, ourts);
	tt_send(TH_SYN | TH_ACK, 7000, iss + 1, 65535, opts, ol, NULL, 0);
	cr_assert_eq(tt_get(ep, buf, sizeof(buf), NULL), T_CONN_CON);
	cr_assert(tt_take(&s), "the handshake's ACK");
	cr_assert_eq(s.flags, TH_ACK);
	cr_assert_eq(s.seq, iss + 1);
	cr_assert_eq(s.ack, 7001);
	cr_assert_not_null(o = tt_opt(&s, TCPOPT_TIMESTAMP));
	cr_assert_eq(tt_be32(o + 6), 555, "TSecr echoes the peer's TSval");
	/* the 256 KiB buffer less the unread T_CONN_CON, scaled */
	cr_assert_leq(s.win, (256 * 1024) >> 3, "win %u", s.win);
	cr_assert_geq(s.win, (256 * 1024 - 256) >> 3, "win %u", s.win);
	ci = tt_info(ep);
	cr_assert_eq(ci.tcpi_state, TCPS_ESTABLISHED);
	cr_assert_eq(ci.tcpi_flags & (TCPI_TS | TCPI_WS), TCPI_TS | TCPI_WS);
	cr_assert_eq(ci.tcpi_snd_wscale, 7);
	cr_assert_eq(ci.tcpi_rcv_wscale, 3);
	cr_assert_eq(ci.tcpi_mss, 1200 - 12, "MSS less the timestamp option");
	cr_assert_gt(tt_stats().tcps_rtt_samples, 0, "RTT sampled from the SYN,ACK");
	/* windows are scaled after the SYN */
	ol = tt_ts(opts, 556, ourts);
	tt_send(TH_ACK, 7001, iss + 1, 100, opts, ol, NULL, 0);
	cr_assert_eq(tt_info(ep).tcpi_snd_wnd, 100u << 7);
	/* PAWS: an older timestamp is dropped and answered with an ACK */
	ol = tt_ts(opts, 500, ourts);
	tt_send(TH_ACK, 7001, iss + 1, 100, opts, ol, "old", 3);
	cr_assert_eq(tt_stats().tcps_drop_paws, 1);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.ack, 7001);
	cr_assert_eq(tt_get(ep, buf, sizeof(buf), NULL), -1, "not delivered");
	/* a newer one is accepted */
	ol = tt_ts(opts, 600, ourts);
	tt_send(TH_ACK | TH_PSH, 7001, iss + 1, 100, opts, ol, "new", 3);
	cr_assert_eq(tt_info(ep).tcpi_rcv_nxt, 7004);
	(void)pt_discard(tt_s.link.minor);
	tt_done(ep, NULL);
}

YT_TEST(tcp, simultaneous_open_passes_through_syn_received)
{
	struct stdata *ep;
	struct tt_seg s;
	uint32_t iss;
	char buf[256];

	tt_open();
	ep = tt_connect(&s);
	iss = s.seq;
	/* the peer's SYN crosses ours */
	tt_send(TH_SYN, 7000, 0, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(ep).tcpi_state, TCPS_SYN_RECEIVED);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_SYN | TH_ACK);
	cr_assert_eq(s.seq, iss, "our SYN again, with the ACK");
	cr_assert_eq(s.ack, 7001);
	cr_assert_eq(tt_stats().tcps_simultaneous_opens, 1);
	/* and its SYN,ACK to our SYN */
	tt_send(TH_SYN | TH_ACK, 7000, iss + 1, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(ep).tcpi_state, TCPS_ESTABLISHED);
	cr_assert_eq(tt_get(ep, buf, sizeof(buf), NULL), T_CONN_CON);
	(void)pt_discard(tt_s.link.minor);
	tt_done(ep, NULL);
}

YT_TEST(tcp, connection_refused_by_rst_gives_t_discon_ind)
{
	struct stdata *ep;
	struct tt_seg s;
	char buf[256];

	tt_open();
	ep = tt_connect(&s);
	/* an ACK that does not acknowledge our SYN is not believed */
	tt_send(TH_RST | TH_ACK, 0, s.seq + 5, 0, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(ep).tcpi_state, TCPS_SYN_SENT);
	tt_send(TH_RST | TH_ACK, 0, s.seq + 1, 0, NULL, 0, NULL, 0);
	cr_assert_eq(tt_get(ep, buf, sizeof(buf), NULL), T_DISCON_IND);
	cr_assert_eq(((struct T_discon_ind *)buf)->DISCON_reason, ECONNREFUSED);
	cr_assert_eq(tt_info(ep).tcpi_state, TCPS_CLOSED);
	tt_done(ep, NULL);
}

YT_TEST(tcp, lost_data_is_retransmitted_by_the_timer_with_backoff)
{
	struct stdata *lsn, *acc;
	uint32_t iss, rto;
	uint64_t samples;
	struct tt_seg s;
	double t0, from, at, from2, at2;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	/* the handshake gave an RTT sample near 0: the RTO is the 50 ms floor */
	rto = tt_info(acc).tcpi_rto_ms;
	cr_assert_eq(rto, 50);
	samples = tt_stats().tcps_rtt_samples;
	cr_assert_eq(samples, 1);
	t0 = tt_ms();
	tt_write(acc, "hello", 5);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.dlen, 5);
	cr_assert(tt_until_sent(&s, 5000, &from, &at), "retransmitted");
	cr_assert_geq(at - t0, rto - 1, "after one RTO, not %.1f ms", at - t0);
	cr_assert_eq(s.seq, iss + 1);
	cr_assert_eq(s.dlen, 5);
	cr_assert_eq(memcmp(s.data, "hello", 5), 0);
	cr_assert_eq(tt_info(acc).tcpi_rxtshift, 1);
	cr_assert(tt_until_sent(&s, 5000, &from2, &at2), "retransmitted again");
	cr_assert_geq(at2 - from, 2 * rto - 1, "backed off to two RTOs, not %.1f ms", at2 - from);
	cr_assert_eq(s.seq, iss + 1);
	cr_assert_eq(tt_stats().tcps_tx_rexmt_segs, 2);
	tt_send(TH_ACK, 1001, iss + 6, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_rxtshift, 0);
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	cr_assert_eq(tt_stats().tcps_rtt_samples, samples, "Karn: no sample from a retransmission");
	tt_done(acc, lsn);
}

YT_TEST(tcp, closing_an_established_stream_sends_fin_and_finishes_as_an_orphan)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct tt_seg s;
	uint64_t closed;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	tt_write(acc, "bye", 3);
	cr_assert(tt_take(&s));
	sth_close(acc);
	yt_drain();
	cr_assert(tt_take(&s), "FIN after the data");
	cr_assert_eq(s.flags & TH_FIN, TH_FIN);
	cr_assert_eq(s.seq, iss + 4);
	closed = tt_stats().tcps_closed;
	tt_send(TH_ACK | TH_FIN, 1001, iss + 5, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s), "its FIN acknowledged");
	cr_assert_eq(s.ack, 1002);
	/* TIME-WAIT, then the orphan is freed (the leak check proves it) */
	pt_run_ms(200);
	cr_assert_eq(tt_stats().tcps_timewait_expired, 1);
	cr_assert_eq(tt_stats().tcps_closed, closed + 1);
	tt_done(NULL, lsn);
}

/*
 * Past tp_max_orphans orphans, a stream that closes with its connection still to finish resets
 * it at once (as Linux past tcp_max_orphans): each orphan may hold a send buffer for as long as
 * its peer takes, and a crowd of peers that stop reading must not take the whole pool.
 */
YT_TEST(tcp, a_close_past_tp_max_orphans_resets_the_connection)
{
	struct tcp_param p = { .tp_max_orphans = 1 };
	struct stdata *lsn, *acc[2];
	struct tcpstat st0;
	struct tt_seg s;
	uint32_t iss[2];

	tt_open_with(&p);
	for (unsigned i = 0; i < 2; i++) {
		tt_fport = (uint16_t)(PEER_PORT + i);
		acc[i] = tt_passive(&lsn, 1000, &iss[i]);
		tt_write(acc[i], "unacked", 7);
		cr_assert(tt_take(&s));
		sth_close(lsn);
	}
	st0 = tt_stats();
	sth_close(acc[0]);
	yt_drain();
	cr_assert(tt_take(&s), "the first: its FIN, an orphan");
	cr_assert_eq(s.flags & (TH_FIN | TH_RST), TH_FIN);
	sth_close(acc[1]);
	yt_drain();
	cr_assert(tt_take(&s), "the second: reset");
	cr_assert_eq(s.flags & TH_RST, TH_RST);
	cr_assert_eq(s.dport, PEER_PORT + 1);
	cr_assert_eq(tt_stats().tcps_orphan_overflow - st0.tcps_orphan_overflow, 1);
	/* the orphan within the limit finishes as ever */
	tt_fport = PEER_PORT;
	tt_send(TH_ACK | TH_FIN, 1001, iss[0] + 9, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s), "its FIN acknowledged");
	cr_assert_eq(s.ack, 1002);
	pt_run_ms(200);
	cr_assert_eq(tt_stats().tcps_timewait_expired - st0.tcps_timewait_expired, 1);
	/* TIME-WAIT does not count: with the first in it, one more may be an orphan */
	p = (struct tcp_param){ .tp_max_orphans = UINT32_MAX };
	cr_assert_lt(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &p, sizeof(p)), 0, "beyond the table");
	tt_done(NULL, NULL);
}

/*
 * Run the timers, for at most max_ms, until the orphan of the connection whose ISS is iss gives
 * up with a RST; returns how many segments it sent from SND.UNA before (retransmissions, or
 * window probes, each answered with an ACK that keeps the window shut when shut is set).
 */
static unsigned
tt_orphan_tries(uint32_t iss, bool shut, unsigned max_ms)
{
	unsigned tries = 0;
	struct tt_seg s;

	for (unsigned t = 0; t < max_ms; t += 50) {
		pt_run_ms(50);
		while (tt_take(&s)) {
			if (s.flags & TH_RST)
				return tries;
			if (s.seq != iss + 1)
				continue;
			tries++;
			if (shut)
				tt_send(TH_ACK, 1001, iss + 1, 0, NULL, 0, NULL, 0);
		}
	}
	cr_assert_fail("the orphan did not give up in %u ms (%u tries)", max_ms, tries);
	return tries;
}

/*
 * No one waits for an orphan: its peer gone silent, it gives up after tp_orphan_retries
 * retransmissions (as Linux's tcp_orphan_retries), not the tp_rexmt_max an open connection
 * makes, and frees what it held.
 */
YT_TEST(tcp, an_orphan_gives_up_after_tp_orphan_retries)
{
	struct tcp_param p = { .tp_orphan_retries = 2, .tp_rto_max_ms = 200 };
	struct stdata *lsn, *acc;
	struct tcpstat st0, st;
	struct tt_seg s;
	unsigned rexmts;
	uint32_t iss;

	tt_open_with(&p);
	acc = tt_passive(&lsn, 1000, &iss);
	tt_write(acc, "never acknowledged", 18);
	cr_assert(tt_take(&s), "sent once");
	st0 = tt_stats();
	sth_close(acc);
	rexmts = tt_orphan_tries(iss, false, 2000);
	cr_assert_eq(rexmts, 2, "tp_orphan_retries retransmissions, not %u", rexmts);
	st = tt_stats();
	cr_assert_eq(st.tcps_orphan_drops - st0.tcps_orphan_drops, 1);
	cr_assert_eq(st.tcps_rexmt_drops, st0.tcps_rexmt_drops);
	tt_done(NULL, lsn);
}

/* The same for an orphan whose peer keeps its window shut: tp_orphan_retries window probes. */
YT_TEST(tcp, an_orphan_facing_a_shut_window_gives_up_after_tp_orphan_retries_probes)
{
	struct tcp_param p = { .tp_orphan_retries = 3 };
	struct stdata *lsn, *acc;
	struct tcpstat st0, st;
	struct tt_seg s;
	unsigned probes;
	uint32_t iss;

	tt_open_with(&p);
	acc = tt_passive(&lsn, 1000, &iss);
	tt_send(TH_ACK, 1001, iss + 1, 0, NULL, 0, NULL, 0); /* the window shuts */
	tt_write(acc, "waits for the window", 20);
	cr_assert_not(tt_take(&s), "nothing into a shut window");
	st0 = tt_stats();
	sth_close(acc);
	probes = tt_orphan_tries(iss, true, 60000); /* the peer answers each: still shut */
	cr_assert_eq(probes, 3, "tp_orphan_retries probes, not %u", probes);
	st = tt_stats();
	cr_assert_eq(st.tcps_orphan_drops - st0.tcps_orphan_drops, 1);
	tt_done(NULL, lsn);
}

YT_TEST(tcp, t_discon_req_resets_the_connection)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct tt_seg s;
	char buf[256];
	struct T_discon_req dr = { T_DISCON_REQ, -1 };

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	tt_put(acc, &dr, sizeof(dr));
	cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), T_OK_ACK);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_RST | TH_ACK);
	cr_assert_eq(s.seq, iss + 1);
	cr_assert_eq(s.ack, 1001);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_CLOSED);
	/* a segment for it now draws a RST */
	tt_send(TH_ACK, 1001, iss + 1, 65535, NULL, 0, "x", 1);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_RST);
	cr_assert_eq(s.seq, iss + 1);
	tt_done(acc, lsn);
}

YT_TEST(tcp, a_full_indication_queue_drops_further_syns)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct tt_seg s;

	tt_open();
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &lsn), 0);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &acc), 0);
	tt_bind(lsn, OUR_PORT, 1);
	tt_send(TH_SYN, 1000, 0, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	iss = s.seq;
	tt_send(TH_ACK, 1001, iss + 1, 65535, NULL, 0, NULL, 0);
	/* one T_CONN_IND outstanding, the most the listener asked for */
	tt_fport = PEER_PORT + 1;
	tt_send(TH_SYN, 5000, 0, 65535, NULL, 0, NULL, 0);
	cr_assert_not(tt_take(&s), "no SYN,ACK: the peer will retry");
	cr_assert_eq(tt_stats().tcps_drop_listen_overflow, 1);
	cr_assert_eq(tt_stats().tcps_conn_inds, 1);
	tt_fport = PEER_PORT;
	/* closing the listener resets the pending connection */
	sth_close(lsn);
	yt_drain();
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags & TH_RST, TH_RST);
	tt_done(acc, NULL);
}

YT_TEST(tcp, the_window_closes_when_the_reader_lags_and_reopens_when_it_reads)
{
	struct stdata *lsn, *acc;
	uint32_t iss, nxt = 1001, edge = 1001 + 65535;
	struct tt_seg s;
	static uint8_t seg[1460], buf[4096];
	size_t sent = 0, got = 0;
	bool closed = false;
	int n;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	tt_pattern(seg, sizeof(seg), 0);
	/* send as the window allows, never reading, until tcp advertises a zero window */
	for (int i = 0; i < 1000 && !closed; i++) {
		uint32_t len = RTE_MIN((uint32_t)sizeof(seg), edge - nxt);

		if (len > 0) {
			tt_send(TH_ACK, nxt, iss + 1, 65535, NULL, 0, seg, len);
			nxt += len;
			sent += len;
		} else {
			pt_run_ms(50); /* the delayed ACK */
		}
		while (tt_take(&s)) {
			cr_assert((int32_t)(s.ack + s.win - edge) >= 0, "the window never shrinks");
			edge = s.ack + s.win;
			closed = s.win == 0 && s.ack == nxt;
		}
	}
	cr_assert(closed, "a zero window");
	cr_assert_geq(sent, TCP_RCVBUF_DEFAULT - 1460);
	cr_assert_leq(sent, TCP_RCVBUF_DEFAULT);
	cr_assert_eq(tt_stats().tcps_drop_out_of_window, 0);
	/* the reader catches up: a window update goes out */
	while ((n = tt_getdata(acc, buf, sizeof(buf))) > 0)
		got += (size_t)n;
	cr_assert_eq(got, sent);
	yt_drain();
	cr_assert(tt_take(&s), "window update");
	cr_assert_eq(s.ack, nxt);
	cr_assert_geq(s.win, 32768);
	tt_done(acc, lsn);
}

/* The snapshot finds the listener and the connection it handed to another endpoint. */
static const struct yard_tcp_conn_row *
tt_row(const struct yard_tcp_conn_row *rows, int n, uint32_t state)
{
	for (int i = 0; i < n; i++)
		if (rows[i].tr_info.tcpi_state == state)
			return &rows[i];
	return NULL;
}

YT_TEST(tcp, conns_snapshot_lists_listeners_and_connections_of_the_lcore)
{
	struct stdata *lsn, *acc, *idle;
	struct yard_tcp_conn_row rows[8];
	const struct yard_tcp_conn_row *l, *e;
	uint32_t iss;
	int n;

	tt_open();
	cr_assert_eq(yard_tcp_conns_snapshot(rows, RTE_DIM(rows)), 0, "nothing open yet");
	acc = tt_passive(&lsn, 1000, &iss);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &idle), 0); /* unbound: not a connection */
	/* 5 bytes arrive and stay unread at the stream head */
	tt_send(TH_ACK | TH_PSH, 1001, iss + 1, 65535, NULL, 0, "hello", 5);
	n = yard_tcp_conns_snapshot(rows, RTE_DIM(rows));
	cr_assert_eq(n, 2, "the listener and the connection, not the unbound endpoint");
	l = tt_row(rows, n, TCPS_LISTEN);
	e = tt_row(rows, n, TCPS_ESTABLISHED);
	cr_assert(l != NULL && e != NULL);
	cr_assert_eq(l->tr_flags & (TCP_ROW_LISTENER | TCP_ROW_ENDPOINT),
		     TCP_ROW_LISTENER | TCP_ROW_ENDPOINT);
	cr_assert_eq(rte_be_to_cpu_16(l->tr_lport), OUR_PORT);
	cr_assert_eq(l->tr_faddr, 0);
	cr_assert_eq(l->tr_sendq, 4, "a listener's Send-Q is its backlog");
	cr_assert_eq(l->tr_recvq, 0, "nothing waits to be accepted");
	cr_assert_eq(e->tr_flags, TCP_ROW_ENDPOINT);
	cr_assert_eq(e->tr_lcore, rte_lcore_id());
	cr_assert_eq(e->tr_laddr, PT_ADDR_US);
	cr_assert_eq(e->tr_faddr, PT_ADDR_PEER);
	cr_assert_eq(rte_be_to_cpu_16(e->tr_lport), OUR_PORT);
	cr_assert_eq(rte_be_to_cpu_16(e->tr_fport), PEER_PORT);
	cr_assert_eq(e->tr_recvq, 5, "the unread bytes");
	cr_assert_eq(e->tr_sendq, 0);
	cr_assert_eq(e->tr_retrans, 0);
	cr_assert_eq(e->tr_info.tcpi_rcv_nxt, 1006);
	cr_assert_eq(e->tr_info.tcpi_snd_cwnd, tt_info(acc).tcpi_snd_cwnd);
	cr_assert_gt(e->tr_info.tcpi_rto_ms, 0);
	/* only max rows are written, the count is of all */
	memset(rows, 0xa5, sizeof(rows));
	cr_assert_eq(yard_tcp_conns_snapshot(rows, 1), 2);
	cr_assert_eq(rows[1].tr_lcore, 0xa5a5a5a5u, "row 1 untouched");
	sth_close(idle);
	sth_close(acc);
	sth_close(lsn);
	/* the orphan finishes its close (FIN sent): still listed until it is freed */
	n = yard_tcp_conns_snapshot(rows, RTE_DIM(rows));
	for (int i = 0; i < n; i++)
		cr_assert(rows[i].tr_flags & TCP_ROW_ORPHAN, "only orphans are left");
	tt_close();
	pt_assert_clean();
}

/*
 * Segments of two connections interleaved reach each its own endpoint (the lookup's cache of
 * the last connection found must miss on the other's key), and once one is reset and freed,
 * a segment on its 4-tuple finds no connection (answered by a RST), never the freed block.
 */
YT_TEST(tcp, interleaved_connections_each_get_their_segments_and_a_freed_one_is_not_found)
{
	struct stdata *lsn, *a, *b;
	uint32_t iss_a, iss_b;
	struct tcpstat st0, st;
	struct tt_seg s;
	char buf[16];
	int n;

	tt_open();
	a = tt_passive(&lsn, 1000, &iss_a);
	tt_fport = PEER_PORT + 1;
	b = tt_accept_one(lsn, 5000, &iss_b);
	for (int i = 0; i < 3; i++) {
		tt_fport = PEER_PORT;
		tt_send(TH_ACK | TH_PSH, 1001 + (uint32_t)i, iss_a + 1, 65535, NULL, 0, "a", 1);
		tt_fport = PEER_PORT + 1;
		tt_send(TH_ACK | TH_PSH, 5001 + (uint32_t)i, iss_b + 1, 65535, NULL, 0, "b", 1);
	}
	for (int i = 0; i < 3; i++) {
		n = tt_getdata(a, buf, sizeof(buf));
		cr_assert(n == 1 && buf[0] == 'a', "a's segment %d for a (%d)", i, n);
		n = tt_getdata(b, buf, sizeof(buf));
		cr_assert(n == 1 && buf[0] == 'b', "b's segment %d for b (%d)", i, n);
	}
	cr_assert_eq(tt_getdata(a, buf, sizeof(buf)), -1, "nothing more for a");
	/* the peer resets a, whose endpoint closes: its block is freed */
	tt_fport = PEER_PORT;
	tt_send(TH_RST, 1004, 0, 0, NULL, 0, NULL, 0);
	cr_assert_eq(tt_get(a, buf, sizeof(buf), NULL), T_DISCON_IND);
	sth_close(a);
	yt_drain();
	while (tt_take(&s))
		;
	st0 = tt_stats();
	tt_send(TH_ACK | TH_PSH, 1004, iss_a + 1, 65535, NULL, 0, "x", 1);
	cr_assert(tt_take(&s), "a segment for the freed connection is answered");
	cr_assert(s.flags & TH_RST, "by a RST (flags %#x)", s.flags);
	st = tt_stats();
	cr_assert_eq(st.tcps_rx_data_bytes - st0.tcps_rx_data_bytes, 0, "delivered nowhere");
	/* b still gets its own */
	tt_fport = PEER_PORT + 1;
	tt_send(TH_ACK | TH_PSH, 5004, iss_b + 1, 65535, NULL, 0, "b", 1);
	cr_assert_eq(tt_getdata(b, buf, sizeof(buf)), 1);
	tt_fport = PEER_PORT;
	sth_close(b);
	sth_close(lsn);
	tt_close();
	pt_assert_clean();
}

/* ---- found against a crafted peer (tests/integration/tcp_scapy_integration.py) -------------- */

YT_TEST(tcp, persist_probes_count_as_probes_and_their_acks_are_not_duplicate_acks)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct tt_seg s;
	uint8_t out[100];
	struct tcpstat st;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	tt_send(TH_ACK, 1001, iss + 1, 0, NULL, 0, NULL, 0);
	tt_pattern(out, sizeof(out), 5);
	tt_write(acc, out, sizeof(out));
	pt_run_ms(700);
	cr_assert(tt_take(&s), "the first probe");
	cr_assert_eq(s.dlen, 1);
	/*
	 * The peer answers the probe, and says the same twice more (window still 0): with the
	 * probe's byte outstanding these look like duplicate ACKs (RFC 5681 2), but they are
	 * not a sign of loss; taking them as such entered fast recovery and cut cwnd.
	 */
	for (int i = 0; i < 3; i++)
		tt_send(TH_ACK, 1001, iss + 1, 0, NULL, 0, NULL, 0);
	st = tt_stats();
	cr_assert_eq(st.tcps_rx_dupacks, 0, "ACKs of a probe are not duplicate ACKs");
	cr_assert_eq(st.tcps_fast_rexmt, 0);
	cr_assert_not(tt_info(acc).tcpi_flags & TCPI_RECOVERY);
	/* the second probe (backed off to 1 s) is a probe, not a retransmission */
	pt_run_ms(1300);
	cr_assert(tt_take(&s), "the second probe");
	cr_assert_eq(s.dlen, 1);
	cr_assert_eq(s.seq, iss + 1);
	st = tt_stats();
	cr_assert_eq(st.tcps_tx_probes, 2, "two probes counted as probes (%lu)",
		     (unsigned long)st.tcps_tx_probes);
	cr_assert_eq(st.tcps_tx_rexmt_segs, 0, "a probe is not a retransmission");
	/* the window opens: the 100 bytes go and nothing was lost to the probes */
	tt_send(TH_ACK, 1001, iss + 1, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.seq, iss + 1);
	cr_assert_eq(s.dlen, 100);
	cr_assert_eq(memcmp(s.data, out, 100), 0);
	/* the probe's byte was new data once: the stream's 100 bytes, counted once each */
	st = tt_stats();
	cr_assert_eq(st.tcps_tx_data_bytes, 100, "tx_data_bytes %lu", (unsigned long)st.tcps_tx_data_bytes);
	cr_assert_eq(st.tcps_tx_rexmt_bytes, 1, "the probe's byte sent again");
	tt_send(TH_ACK, 1001, iss + 101, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0);
	tt_done(acc, lsn);
}

/* Malformed SYNs: each dropped without an answer and counted by its reason. */
struct tt_bad {
	uint8_t opts[12];
	size_t optlen;
	unsigned mangle;  /* TT_SPOIL_*: an index, the table is copied into another process */
	unsigned counter; /* TCPS__* */
};

enum { TT_SPOIL_NONE, TT_SPOIL_CKSUM, TT_SPOIL_OFF_BELOW_5, TT_SPOIL_OFF_PAST };

static void
tt_spoil_cksum(struct yard_tcphdr *th)
{
	th->th_sum ^= 0x1234;
}

static void
tt_off_below_5(struct yard_tcphdr *th)
{
	th->th_off = 3 << 4;
}

static void
tt_off_past_segment(struct yard_tcphdr *th)
{
	th->th_off = 15 << 4;
}

static void (*const tt_spoil[])(struct yard_tcphdr *) = {
	[TT_SPOIL_NONE] = NULL,
	[TT_SPOIL_CKSUM] = tt_spoil_cksum,
	[TT_SPOIL_OFF_BELOW_5] = tt_off_below_5,
	[TT_SPOIL_OFF_PAST] = tt_off_past_segment,
};

ParameterizedTestParameters(tcp, malformed_syn_is_dropped_and_counted_by_its_reason)
{
	static struct tt_bad cases[] = {
		/* MSS, then an option of length 0 */
		{ { TCPOPT_MAXSEG, 4, 0x05, 0xb4, TCPOPT_WINDOW, 0, 0, 0 }, 8, TT_SPOIL_NONE,
		  TCPS__drop_bad_opts },
		/* NOP NOP, then an MSS claiming 4 bytes in the 2 left */
		{ { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_MAXSEG, 4 }, 4, TT_SPOIL_NONE, TCPS__drop_bad_opts },
		/* an option of length 1 */
		{ { TCPOPT_SACK_PERMITTED, 1, TCPOPT_NOP, TCPOPT_NOP }, 4, TT_SPOIL_NONE, TCPS__drop_bad_opts },
		/* the kind alone in the last byte */
		{ { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP }, 4, TT_SPOIL_NONE,
		  TCPS__drop_bad_opts },
		{ { TCPOPT_MAXSEG, 4, 0, 0 }, 4, TT_SPOIL_NONE, TCPS__drop_bad_mss },
		{ { TCPOPT_MAXSEG, 4, 0x05, 0xb4 }, 4, TT_SPOIL_CKSUM, TCPS__drop_bad_cksum },
		{ { TCPOPT_MAXSEG, 4, 0x05, 0xb4 }, 4, TT_SPOIL_OFF_BELOW_5, TCPS__drop_bad_off },
		{ { TCPOPT_MAXSEG, 4, 0x05, 0xb4 }, 4, TT_SPOIL_OFF_PAST, TCPS__drop_bad_off },
	};

	return cr_make_param_array(struct tt_bad, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct tt_bad *c, tcp, malformed_syn_is_dropped_and_counted_by_its_reason)
{
	struct stdata *lsn;
	struct tcpstat st;
	struct tt_seg s;
	uint8_t mss[4] = { TCPOPT_MAXSEG, 4, 0x05, 0xb4 };

	tt_open();
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &lsn), 0);
	tt_bind(lsn, OUR_PORT, 4);
	tt_mangle = tt_spoil[c->mangle];
	tt_send(TH_SYN, 5000, 0, 65535, c->opts, c->optlen, NULL, 0);
	tt_mangle = NULL;
	st = tt_stats();
	cr_assert_eq(((uint64_t *)&st)[c->counter], 1, "%s counted once",
		     tcpstat_name(c->counter));
	cr_assert_eq(st.tcps_passive_opens, 0, "no connection made");
	cr_assert_eq(st.tcps_tx_segs, 0, "nothing answered");
	cr_assert_not(tt_take(&s));
	/* the listener still answers a good SYN from the same port */
	tt_send(TH_SYN, 6000, 0, 65535, mss, sizeof(mss), NULL, 0);
	cr_assert(tt_take(&s), "SYN,ACK");
	cr_assert_eq(s.flags, TH_SYN | TH_ACK);
	cr_assert_eq(s.ack, 6001);
	tt_done(lsn, NULL);
	yt_end_of_test();
}

YT_TEST(tcp, a_retransmitted_fin_in_time_wait_is_acked_and_restarts_2msl)
{
	struct stdata *lsn, *acc;
	struct tcp_param p = { .tp_msl_ms = 500 }; /* 2MSL = 1 s */
	struct T_ordrel_req orq = { T_ORDREL_REQ };
	uint32_t iss;
	struct tt_seg s;
	char buf[256];
	double t0, at;

	tt_open_with(&p);
	acc = tt_passive(&lsn, 1000, &iss);
	tt_put(acc, &orq, sizeof(orq));
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_FIN | TH_ACK);
	/* FIN-WAIT-1: the peer's FIN with the ACK of ours goes straight to TIME-WAIT */
	tt_send(TH_ACK | TH_FIN, 1001, iss + 2, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), T_ORDREL_IND);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_TIME_WAIT);
	cr_assert(tt_take(&s));
	/* 0.3 s, not more: a slow machine must not stretch it past the first 2MSL */
	pt_run_ms(300);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_TIME_WAIT);
	/* our ACK was lost: the FIN again, ACKed again, and 2MSL starts over (it may come again) */
	t0 = tt_ms();
	tt_send(TH_ACK | TH_FIN, 1001, iss + 2, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_ACK);
	cr_assert_eq(s.ack, 1002);
	cr_assert_eq(tt_stats().tcps_rx_dup_segs, 1);
	/* Not closed before 2MSL from the second FIN (the first's would end 0.7 s after it). */
	cr_assert(tt_until_state(acc, TCPS_CLOSED, 5000, &at), "TIME-WAIT ends");
	cr_assert_geq(at - t0, 1000 - 1, "2MSL restarted by the FIN: closed after %.1f ms",
		      at - t0);
	cr_assert_eq(tt_stats().tcps_timewait_expired, 1);
	tt_done(acc, lsn);
}

/* ---- every state transition and timer (issue 5; the table in docs/tcp.md) -------------------- */

static const char *
tt_state(uint32_t st)
{
	static const char *const n[] = { "CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED",
					 "ESTABLISHED", "CLOSE-WAIT", "FIN-WAIT-1", "CLOSING",
					 "LAST-ACK", "FIN-WAIT-2", "TIME-WAIT" };

	return st < RTE_DIM(n) ? n[st] : "?";
}

/*
 * A passive connection driven to state (ESTABLISHED, CLOSE-WAIT, LAST-ACK, FIN-WAIT-1,
 * FIN-WAIT-2, CLOSING, TIME-WAIT) with the peer's segments; *pseq is the peer's next
 * sequence number (RCV.NXT). Every segment tcp sent on the way is checked and taken.
 */
static struct stdata *
tt_drive(struct stdata **lsn, uint32_t state, uint32_t *iss, uint32_t *pseq)
{
	struct T_ordrel_req orq = { T_ORDREL_REQ };
	struct stdata *acc = tt_passive(lsn, 1000, iss);
	struct tt_seg s;
	char buf[256];

	*pseq = 1001;
	switch (state) {
	case TCPS_ESTABLISHED:
		break;
	case TCPS_CLOSE_WAIT:
	case TCPS_LAST_ACK:
		tt_send(TH_ACK | TH_FIN, 1001, *iss + 1, 65535, NULL, 0, NULL, 0);
		*pseq = 1002;
		cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), T_ORDREL_IND);
		cr_assert(tt_take(&s) && s.ack == 1002, "the peer's FIN ACKed");
		if (state == TCPS_LAST_ACK) {
			tt_put(acc, &orq, sizeof(orq));
			cr_assert(tt_take(&s) && (s.flags & TH_FIN), "our FIN");
		}
		break;
	default:
		tt_put(acc, &orq, sizeof(orq));
		cr_assert(tt_take(&s) && (s.flags & TH_FIN), "our FIN");
		if (state == TCPS_FIN_WAIT_2 || state == TCPS_TIME_WAIT)
			tt_send(TH_ACK, 1001, *iss + 2, 65535, NULL, 0, NULL, 0);
		if (state == TCPS_CLOSING || state == TCPS_TIME_WAIT) {
			/* CLOSING: the peer's FIN does not ACK ours (they crossed) */
			tt_send(TH_ACK | TH_FIN, 1001, *iss + (state == TCPS_CLOSING ? 1 : 2), 65535,
				NULL, 0, NULL, 0);
			*pseq = 1002;
			cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), T_ORDREL_IND);
			cr_assert(tt_take(&s) && s.ack == 1002, "the peer's FIN ACKed");
		}
		break;
	}
	cr_assert_eq(tt_info(acc).tcpi_state, state, "driven to %s, is %s",
		     tt_state(state), tt_state(tt_info(acc).tcpi_state));
	return acc;
}

/*
 * A RST at RCV.NXT in each synchronized state (RFC 9293 3.10.7.4, second check) but TIME-WAIT,
 * where RFC 1337's advice is followed instead (a_reset_does_not_end_time_wait).
 */
struct tt_rst_case {
	uint32_t state;
	bool discon; /* the user still has the connection: T_DISCON_IND ECONNRESET */
};

ParameterizedTestParameters(tcp, rst_at_rcv_nxt_ends_every_synchronized_state)
{
	static struct tt_rst_case cases[] = {
		{ TCPS_ESTABLISHED, true }, { TCPS_CLOSE_WAIT, true }, { TCPS_FIN_WAIT_1, true },
		{ TCPS_FIN_WAIT_2, true }, { TCPS_CLOSING, false }, { TCPS_LAST_ACK, false },
	};

	return cr_make_param_array(struct tt_rst_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct tt_rst_case *c, tcp, rst_at_rcv_nxt_ends_every_synchronized_state)
{
	struct stdata *lsn, *acc;
	uint32_t iss, pseq;
	struct tt_seg s;
	char buf[256];
	struct tcpstat st;

	tt_open();
	acc = tt_drive(&lsn, c->state, &iss, &pseq);
	tt_send(TH_RST, pseq, 0, 0, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_CLOSED, "%s: closed by the RST",
		     tt_state(c->state));
	st = tt_stats();
	cr_assert_eq(st.tcps_rst_accepted, 1);
	cr_assert_eq(st.tcps_tx_rsts, 0, "a RST is never answered");
	if (c->discon) {
		cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), T_DISCON_IND);
		cr_assert_eq(((struct T_discon_ind *)buf)->DISCON_reason, ECONNRESET);
	} else {
		cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), -1, "%s: no T_DISCON_IND",
			     tt_state(c->state));
	}
	(void)pt_discard(tt_s.link.minor); /* a FIN retransmitted meanwhile, if any */
	/* the connection is gone: a segment for it draws a RST from the listener */
	tt_send(TH_ACK, pseq, iss + 2, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_RST);
	tt_done(acc, lsn);
	yt_end_of_test();
}

YT_TEST(tcp, rst_in_syn_received_returns_the_listener_to_listen_silently)
{
	struct stdata *lsn;
	struct tt_seg s;
	char buf[256];

	tt_open();
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &lsn), 0);
	tt_bind(lsn, OUR_PORT, 4);
	tt_send(TH_SYN, 7000, 0, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s) && s.flags == (TH_SYN | TH_ACK));
	tt_send(TH_RST, 7001, 0, 0, NULL, 0, NULL, 0);
	cr_assert_eq(tt_stats().tcps_rst_accepted, 1);
	cr_assert_eq(tt_stats().tcps_closed, 1, "the embryonic connection is freed");
	cr_assert_eq(tt_get(lsn, buf, sizeof(buf), NULL), -1, "the listener heard nothing");
	cr_assert_eq(tt_info(lsn).tcpi_state, TCPS_LISTEN);
	/* a new SYN from the same port is a new connection */
	tt_send(TH_SYN, 9000, 0, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_SYN | TH_ACK);
	cr_assert_eq(s.ack, 9001);
	tt_done(lsn, NULL);
}

YT_TEST(tcp, unacceptable_ack_in_syn_sent_and_syn_received_draws_a_rst)
{
	struct stdata *ep, *lsn;
	struct tt_seg s, syn;

	tt_open();
	/* SYN-SENT: an ACK of something we never sent (RFC 9293 3.10.7.3) */
	ep = tt_connect(&syn);
	tt_send(TH_SYN | TH_ACK, 3000, syn.seq + 77, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_RST);
	cr_assert_eq(s.seq, syn.seq + 77, "<SEQ=SEG.ACK><CTL=RST>");
	cr_assert_eq(tt_stats().tcps_drop_synsent_bad_ack, 1);
	cr_assert_eq(tt_info(ep).tcpi_state, TCPS_SYN_SENT, "still waiting for a good answer");
	sth_close(ep);
	yt_drain();
	(void)pt_discard(tt_s.link.minor);
	tt_lport = OUR_PORT;
	/* SYN-RECEIVED: the handshake's ACK acknowledges the wrong number (3.10.7.4, fifth) */
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &lsn), 0);
	tt_bind(lsn, OUR_PORT, 4);
	tt_send(TH_SYN, 4000, 0, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&syn));
	tt_send(TH_ACK, 4001, syn.seq + 5, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_RST);
	cr_assert_eq(s.seq, syn.seq + 5);
	cr_assert_eq(tt_stats().tcps_established, 0);
	/* the right ACK still completes it */
	tt_send(TH_ACK, 4001, syn.seq + 1, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_stats().tcps_established, 1);
	tt_done(lsn, NULL);
}

YT_TEST(tcp, retransmission_limit_ends_the_connection_with_t_discon_ind_etimedout)
{
	struct stdata *lsn, *acc;
	struct tcp_param p = { .tp_rexmt_max = 2 };
	uint32_t iss;
	struct tt_seg s;
	char buf[256];
	unsigned sent = 0, rsts = 0;
	uint64_t deadline;

	tt_open_with(&p);
	acc = tt_passive(&lsn, 1000, &iss);
	tt_write(acc, "hello", 5);
	/* RTO 50 ms (the floor), then 100, 200: dropped about 350 ms after the send */
	deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while (tt_stats().tcps_rexmt_drops == 0 && rte_get_timer_cycles() < deadline)
		pt_run_ms(20);
	while (tt_take(&s)) {
		if (s.flags & TH_RST) {
			rsts++;
			cr_assert_eq(s.seq, iss + 6, "the RST at SND.NXT");
			continue;
		}
		cr_assert_eq(s.seq, iss + 1);
		cr_assert_eq(s.dlen, 5);
		sent++;
	}
	cr_assert_eq(sent, 3, "the segment and its 2 retransmissions (%u)", sent);
	cr_assert_eq(rsts, 1, "the peer is told with a RST");
	cr_assert_eq(tt_stats().tcps_rexmt_timeouts, 3);
	cr_assert_eq(tt_stats().tcps_rexmt_drops, 1);
	cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), T_DISCON_IND);
	cr_assert_eq(((struct T_discon_ind *)buf)->DISCON_reason, ETIMEDOUT);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_CLOSED);
	tt_done(acc, lsn);
}

YT_TEST(tcp, syn_ack_is_retransmitted_then_the_embryonic_connection_is_dropped)
{
	struct stdata *lsn;
	struct tcp_param p = { .tp_syn_rexmt_max = 2 };
	struct tt_seg s;
	char buf[256];
	unsigned synacks = 0;
	uint32_t iss = 0;
	uint64_t deadline;

	tt_open_with(&p);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &lsn), 0);
	tt_bind(lsn, OUR_PORT, 4);
	tt_send(TH_SYN, 8000, 0, 65535, NULL, 0, NULL, 0);
	/* RTO 100 ms before any sample, then 200, 400 */
	deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while (tt_stats().tcps_rexmt_drops == 0 && rte_get_timer_cycles() < deadline)
		pt_run_ms(20);
	while (tt_take(&s)) {
		if (s.flags & TH_RST)
			continue;
		cr_assert_eq(s.flags, TH_SYN | TH_ACK);
		cr_assert(synacks == 0 || s.seq == iss, "the same ISS each time");
		iss = s.seq;
		synacks++;
	}
	cr_assert_eq(synacks, 3, "the SYN,ACK and 2 retransmissions (%u)", synacks);
	cr_assert_eq(tt_stats().tcps_rexmt_drops, 1);
	cr_assert_eq(tt_get(lsn, buf, sizeof(buf), NULL), -1, "the listener never heard of it");
	/* the listener's backlog has room again */
	tt_send(TH_SYN, 8500, 0, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_SYN | TH_ACK);
	cr_assert_eq(s.ack, 8501);
	tt_done(lsn, NULL);
}

/* T_OPTMGMT_REQ T_NEGOTIATE of T_TCP_KEEPALIVE on. */
static void
tt_keepalive_on(struct stdata *ep)
{
	struct {
		struct T_optmgmt_req r;
		struct T_opthdr oh;
		struct t_kpalive kp;
	} m = { { T_OPTMGMT_REQ, sizeof(struct T_opthdr) + sizeof(struct t_kpalive),
		  sizeof(struct T_optmgmt_req), T_NEGOTIATE },
		{ sizeof(struct T_opthdr) + sizeof(struct t_kpalive), T_INET_TCP, T_TCP_KEEPALIVE,
		  0 },
		{ T_YES, -1 } };
	char buf[256];

	tt_put(ep, &m, sizeof(m));
	cr_assert_eq(tt_get(ep, buf, sizeof(buf), NULL), T_OPTMGMT_ACK);
}

YT_TEST(tcp, keepalive_probes_an_idle_connection_and_drops_it_after_the_count)
{
	struct stdata *lsn, *acc;
	struct tcp_param p = { .tp_keepidle_ms = 300, .tp_keepintvl_ms = 300, .tp_keepcnt = 2 };
	uint32_t iss;
	struct tt_seg s;
	char buf[256];
	double t0, from, at, from2, at2;

	tt_open_with(&p);
	acc = tt_passive(&lsn, 1000, &iss);
	t0 = tt_ms();
	tt_keepalive_on(acc);
	cr_assert(tt_until_sent(&s, 5000, &from, &at), "a probe after the idle time");
	cr_assert_geq(at - t0, 300 - 1, "not idle long enough: a probe after %.1f ms", at - t0);
	/* RFC 1122 4.2.3.6: SEG.SEQ = SND.NXT - 1, no data, so the peer must answer */
	cr_assert_eq(s.flags, TH_ACK);
	cr_assert_eq(s.seq, iss);
	cr_assert_eq(s.ack, 1001);
	cr_assert_eq(s.dlen, 0);
	cr_assert_eq(tt_stats().tcps_tx_keepalives, 1);
	/* answered: the connection is alive and idle again */
	t0 = tt_ms();
	tt_send(TH_ACK, 1001, iss + 1, 65535, NULL, 0, NULL, 0);
	/* now the peer is gone: 2 more probes 300 ms apart, then the connection is dropped */
	cr_assert(tt_until_sent(&s, 5000, &from, &at));
	cr_assert_geq(at - t0, 300 - 1, "the answer restarted the idle time: %.1f ms", at - t0);
	cr_assert_eq(s.flags, TH_ACK);
	cr_assert_eq(s.seq, iss);
	cr_assert(tt_until_sent(&s, 5000, &from2, &at2));
	cr_assert_geq(at2 - from, 300 - 1, "tp_keepintvl_ms apart: %.1f ms", at2 - from);
	cr_assert_eq(s.flags, TH_ACK);
	cr_assert_eq(s.seq, iss);
	cr_assert(tt_until_sent(&s, 5000, &from, &at), "dropped after tp_keepcnt probes");
	cr_assert_geq(at - from2, 300 - 1, "a tp_keepintvl_ms after the last probe: %.1f ms",
		      at - from2);
	cr_assert(s.flags & TH_RST);
	cr_assert_not(tt_take(&s), "nothing after the reset");
	cr_assert_eq(tt_stats().tcps_tx_keepalives, 3);
	cr_assert_eq(tt_stats().tcps_keep_drops, 1);
	cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), T_DISCON_IND);
	cr_assert_eq(((struct T_discon_ind *)buf)->DISCON_reason, ETIMEDOUT);
	tt_done(acc, lsn);
}

YT_TEST(tcp, every_second_segment_is_acked_at_once_a_lone_one_by_the_delack_timer)
{
	struct stdata *lsn, *acc;
	uint32_t iss;
	struct tt_seg s;
	uint8_t in[1460];
	char buf[4096];

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	tt_pattern(in, sizeof(in), 11);
	tt_send(TH_ACK, 1001, iss + 1, 65535, NULL, 0, in, sizeof(in));
	cr_assert_not(tt_take(&s), "the first segment's ACK is delayed");
	tt_send(TH_ACK, 2461, iss + 1, 65535, NULL, 0, in, sizeof(in));
	cr_assert(tt_take(&s), "the second is ACKed at once (RFC 5681 4.2)");
	cr_assert_eq(s.ack, 3921);
	cr_assert_eq(tt_stats().tcps_tx_delacks, 0);
	tt_send(TH_ACK | TH_PSH, 3921, iss + 1, 65535, NULL, 0, in, 100);
	cr_assert_not(tt_take(&s));
	pt_run_ms(100); /* tp_delack_ms is 40 */
	cr_assert(tt_take(&s), "the delayed-ACK timer");
	cr_assert_eq(s.ack, 4021);
	cr_assert_eq(tt_stats().tcps_tx_delacks, 1);
	while (tt_getdata(acc, buf, sizeof(buf)) > 0)
		;
	tt_done(acc, lsn);
}

YT_TEST(tcp, an_orphan_in_fin_wait_2_is_timed_out_after_2msl)
{
	struct stdata *lsn, *acc;
	uint64_t closed;
	uint32_t iss;
	struct tt_seg s;
	struct tcpstat st;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	closed = tt_stats().tcps_closed;
	sth_close(acc);
	yt_drain();
	cr_assert(tt_take(&s) && (s.flags & TH_FIN), "FIN on close");
	tt_send(TH_ACK, 1001, iss + 2, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_stats().tcps_closed, closed, "FIN-WAIT-2");
	/* FIN-WAIT-2 with no one to read: the peer may never send its FIN; 2MSL (100 ms) */
	pt_run_ms(250);
	st = tt_stats();
	cr_assert_eq(st.tcps_closed, closed + 1, "the orphan is freed");
	cr_assert_eq(st.tcps_timewait_expired, 0, "not TIME-WAIT: FIN-WAIT-2 timed out");
	cr_assert_not(tt_take(&s), "silently");
	tt_done(NULL, lsn);
}

YT_TEST(tcp, data_to_an_orphan_after_close_draws_a_rst)
{
	struct stdata *lsn, *acc;
	uint64_t closed;
	uint32_t iss;
	struct tt_seg s;

	tt_open();
	acc = tt_passive(&lsn, 5000, &iss);
	closed = tt_stats().tcps_closed;
	sth_close(acc);
	yt_drain();
	cr_assert(tt_take(&s) && (s.flags & TH_FIN));
	/* no reader is left for it (RFC 9293 3.10.7.4 with RFC 1122 4.2.2.13): RST */
	tt_send(TH_ACK | TH_PSH, 5001, iss + 2, 65535, NULL, 0, "late", 4);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags & TH_RST, TH_RST);
	cr_assert_eq(tt_stats().tcps_drop_after_close, 1);
	cr_assert_eq(tt_stats().tcps_rx_data_bytes, 0);
	cr_assert_eq(tt_stats().tcps_closed, closed + 1);
	tt_done(NULL, lsn);
}

YT_TEST(tcp, fin_is_retransmitted_by_the_timer_in_last_ack_until_acked)
{
	struct stdata *lsn, *acc;
	uint32_t iss, pseq;
	struct tt_seg s;

	tt_open();
	acc = tt_drive(&lsn, TCPS_LAST_ACK, &iss, &pseq);
	pt_run_ms(120); /* RTO 50 ms (the floor after the handshake's sample) */
	cr_assert(tt_take(&s), "the FIN again");
	cr_assert_eq(s.flags, TH_FIN | TH_ACK);
	cr_assert_eq(s.seq, iss + 1, "the FIN's own sequence number");
	cr_assert_eq(s.ack, pseq);
	cr_assert_geq(tt_stats().tcps_rexmt_timeouts, 1);
	(void)pt_discard(tt_s.link.minor);
	tt_send(TH_ACK, pseq, iss + 2, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_CLOSED);
	pt_run_ms(200);
	cr_assert_not(tt_take(&s), "nothing more once ACKed");
	tt_done(acc, lsn);
}

YT_TEST(tcp, fin_with_the_handshake_ack_reaches_close_wait_and_is_indicated_after_accept)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	char buf[256];
	uint32_t iss;

	tt_open();
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &lsn), 0);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &acc), 0);
	tt_bind(lsn, OUR_PORT, 4);
	tt_send(TH_SYN, 1000, 0, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s));
	iss = s.seq;
	/* SYN-RECEIVED: the ACK completing the handshake carries data and the FIN */
	tt_send(TH_ACK | TH_FIN | TH_PSH, 1001, iss + 1, 65535, NULL, 0, "hi", 2);
	cr_assert(tt_take(&s), "the FIN ACKed at once");
	cr_assert_eq(s.ack, 1004);
	tt_accept_ind(lsn, acc);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_CLOSE_WAIT);
	/* the data, then the release, in order, once there is a user to tell */
	cr_assert_eq(tt_getdata(acc, buf, sizeof(buf)), 2);
	cr_assert_eq(memcmp(buf, "hi", 2), 0);
	cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), T_ORDREL_IND);
	tt_done(acc, lsn);
}

/*
 * Issue 5's stall: a SYN,ACK lost, the peer's SYN sent again. The new SYN,ACK must echo
 * the new SYN's TSval (RFC 7323 4.3): echoing the first one made Linux time the SYN,ACK
 * from its first SYN, take its 1 s SYN timeout as an RTT sample and run the connection
 * with an RTO of seconds, so every lost retransmission stalled the transfer that long.
 */
YT_TEST(tcp, a_syn_sent_again_makes_the_syn_ack_echo_its_timestamp)
{
	struct stdata *lsn;
	struct tt_seg s;
	uint8_t opts[40];
	size_t ol = 0;
	const uint8_t *o;

	tt_open();
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &lsn), 0);
	tt_bind(lsn, OUR_PORT, 4);
	opts[ol++] = TCPOPT_MAXSEG, opts[ol++] = 4, opts[ol++] = 0x05, opts[ol++] = 0xb4;
	ol += tt_ts(opts + ol, 1000, 0);
	tt_send(TH_SYN, 5000, 0, 65535, opts, ol, NULL, 0);
	cr_assert(tt_take(&s), "SYN,ACK");
	cr_assert_eq(s.flags, TH_SYN | TH_ACK);
	cr_assert_not_null(o = tt_opt(&s, TCPOPT_TIMESTAMP));
	cr_assert_eq(tt_be32(o + 6), 1000, "TSecr of the first SYN,ACK: the SYN's TSval");
	/* that SYN,ACK is lost; the peer's SYN timer (1 s) sends the SYN again */
	ol = 4;
	ol += tt_ts(opts + ol, 2000, 0);
	tt_send(TH_SYN, 5000, 0, 65535, opts, ol, NULL, 0);
	cr_assert(tt_take(&s), "SYN,ACK again");
	cr_assert_eq(s.flags, TH_SYN | TH_ACK);
	cr_assert_not_null(o = tt_opt(&s, TCPOPT_TIMESTAMP));
	cr_assert_eq(tt_be32(o + 6), 2000,
		     "TSecr %u: the SYN,ACK must echo the SYN it answers, not the first one",
		     tt_be32(o + 6));
	/* an older SYN (reordered) does not move TS.Recent back */
	ol = 4;
	ol += tt_ts(opts + ol, 1500, 0);
	tt_send(TH_SYN, 5000, 0, 65535, opts, ol, NULL, 0);
	cr_assert(tt_take(&s));
	cr_assert_not_null(o = tt_opt(&s, TCPOPT_TIMESTAMP));
	cr_assert_eq(tt_be32(o + 6), 2000);
	cr_assert_not(tt_take(&s));
	tt_done(lsn, NULL);
}

/*
 * A reset while writes and an orderly release wait on tcp's write queue behind a full send
 * buffer: the connection is gone, so nothing of them is sent, nothing is appended to the dead
 * connection's send buffer, the release is not taken for a bad request, and closing the
 * stream frees them (the leak check).
 */
YT_TEST(tcp, a_reset_sends_nothing_of_the_writes_and_release_queued_behind_a_full_send_buffer)
{
	static uint8_t chunk[4000];
	struct T_ordrel_req orq = { T_ORDREL_REQ };
	struct stdata *lsn, *acc;
	struct tcpstat st0;
	struct tt_seg s;
	char buf[256];
	uint32_t iss;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	memset(chunk, 0x5a, sizeof(chunk));
	while (tt_info(acc).tcpi_sndbuf_cc < TCP_SNDBUF_DEFAULT)
		cr_assert_eq(sth_write(acc, chunk, sizeof(chunk)), (ssize_t)sizeof(chunk));
	cr_assert_eq(sth_write(acc, chunk, sizeof(chunk)), (ssize_t)sizeof(chunk));
	yt_drain();
	tt_put(acc, &orq, sizeof(orq)); /* queued behind the write: still ESTABLISHED */
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_ESTABLISHED);
	while (tt_take(&s))
		;
	st0 = tt_stats();
	tt_send(TH_RST, 1001, 0, 0, NULL, 0, NULL, 0);
	yt_drain();
	pt_run_ms(50);
	cr_assert_eq(tt_get(acc, buf, sizeof(buf), NULL), T_DISCON_IND);
	cr_assert_eq(((struct T_discon_ind *)buf)->DISCON_reason, ECONNRESET);
	cr_assert_not(tt_take(&s), "nothing sent after the reset");
	cr_assert_eq(tt_info(acc).tcpi_sndbuf_cc, 0, "nothing appended to the dead connection");
	cr_assert_eq(tt_stats().tcps_drop_tpi_bad, st0.tcps_drop_tpi_bad,
		     "the release that crossed the reset is not a bad request");
	tt_done(acc, lsn);
}

/*
 * Closing a stream whose writes wait on tcp's write queue behind a full send buffer: they are
 * committed (SVR4's close would have waited for them), so every byte goes out, in order,
 * before the FIN. Freeing them with the queue lost the tail of an echo.
 */
YT_TEST(tcp, close_sends_writes_queued_behind_a_full_send_buffer_before_the_fin)
{
	static uint8_t chunk[4000];
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss, written = 0, got = 0, next;
	bool fin = false;
	ssize_t n;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	/* fill the send buffer, then tcp's write queue, until the stream head refuses */
	do {
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = (uint8_t)((written + i) * 7u);
		n = sth_write(acc, chunk, sizeof(chunk));
		if (n > 0)
			written += (uint32_t)n;
	} while (n == (ssize_t)sizeof(chunk));
	yt_drain();
	cr_assert_gt(written, TCP_SNDBUF_DEFAULT, "writes wait beyond the send buffer");
	sth_close(acc);
	yt_drain();
	/* the peer takes everything, acknowledging as it goes */
	next = iss + 1;
	for (int round = 0; round < 10000 && !fin; round++) {
		while (tt_take(&s)) {
			if (s.seq != next)
				continue; /* a retransmission of what we have */
			for (size_t i = 0; i < s.dlen; i++)
				cr_assert_eq(s.data[i], (uint8_t)((got + i) * 7u), "byte %u",
					     got + (uint32_t)i);
			got += (uint32_t)s.dlen;
			next += (uint32_t)s.dlen;
			if (s.flags & TH_FIN) {
				fin = true;
				next++;
			}
		}
		tt_send(TH_ACK, 1001, next, 65535, NULL, 0, NULL, 0);
		if (!fin)
			pt_run_ms(5);
	}
	cr_assert(fin, "the FIN came (%u of %u bytes)", got, written);
	cr_assert_eq(got, written, "every byte written went out before the FIN");
	tt_send(TH_ACK | TH_FIN, 1001, next, 65535, NULL, 0, NULL, 0);
	pt_run_ms(200); /* TIME-WAIT over: the orphan is freed (the leak check proves it) */
	tt_done(NULL, lsn);
}

/*
 * The link to ip going away (yard stopping) ends every connection: the peer gets a RST
 * rather than a connection that silently vanished, the endpoint T_DISCON_IND ENETDOWN.
 */
YT_TEST(tcp, unlinking_ip_resets_every_connection)
{
	struct stdata *lsn, *acc;
	struct tt_seg s;
	uint32_t iss;
	union {
		struct T_discon_ind di;
		char b[256];
	} u;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	cr_assert_eq(sth_ioctl(tt_p.tp_tcp, I_UNLINK, tt_p.tp_muxid), 0);
	tt_p.tp_muxid = 0;
	yt_drain();
	cr_assert(tt_take(&s), "a RST for the connection");
	cr_assert_eq(s.flags, TH_RST | TH_ACK);
	cr_assert_eq(s.seq, iss + 1);
	cr_assert_eq(s.ack, 1001);
	cr_assert_not(tt_take(&s), "nothing for the listener");
	cr_assert_eq(tt_stats().tcps_unlink_resets, 1);
	cr_assert_eq(tt_get(acc, &u, sizeof(u), NULL), T_DISCON_IND);
	cr_assert_eq(u.di.DISCON_reason, ENETDOWN);
	tt_done(acc, lsn);
}

/*
 * ip's instance going away under tcp (its control stream closed first, the link to tcp still
 * there): ip hangs the link up (M_HANGUP), every connection ends as at an unlink (T_DISCON_IND
 * ENETDOWN), and what tcp sends until the unlink is dropped and counted as having no route,
 * not handed to the orphaned stream. The listener stays; the unlink and the close then go as
 * usual and nothing leaks.
 */
YT_TEST(tcp, ip_going_away_under_the_link_ends_every_connection)
{
	struct stdata *lsn, *acc;
	struct tcpstat st0, st;
	uint32_t iss;
	union {
		struct T_discon_ind di;
		char b[256];
	} u;

	tt_open();
	acc = tt_passive(&lsn, 1000, &iss);
	st0 = tt_stats();
	yt_drain();
	(void)pt_discard(tt_s.link.minor);
	cr_assert_eq(sth_close(tt_s.ip), 0, "ip's control stream closes, tcp's link still there");
	tt_s.ip = NULL;
	yt_drain();
	cr_assert_eq(tt_get(acc, &u, sizeof(u), NULL), T_DISCON_IND);
	cr_assert_eq(u.di.DISCON_reason, ENETDOWN);
	st = tt_stats();
	cr_assert_eq(st.tcps_unlink_resets - st0.tcps_unlink_resets, 1,
		     "the connection, not the listener");
	cr_assert_eq(st.tcps_drop_tx_noroute - st0.tcps_drop_tx_noroute, 1, "its RST had no way out");
	cr_assert_eq(tt_info(lsn).tcpi_state, TCPS_LISTEN);
	sth_close(acc);
	sth_close(lsn);
	yard_tcp_unplumb(&tt_p);
	pt_link_close(&tt_s.link);
	pt_assert_clean();
}

/* ---- active opens and the 4-tuples TIME-WAIT holds ---------------------------------------- */

/*
 * An active open from an ephemeral port to the peer, taken through the handshake (timestamps
 * offered by the peer when ts, TSval 100), that sends sent bytes (each segment acknowledged)
 * and closes first to TIME-WAIT; the endpoint is closed, so the connection lives on as an
 * orphan in TIME-WAIT. *snd_nxt its SND.NXT.
 */
static void
tt_active_to_time_wait(bool ts, size_t sent, uint32_t *snd_nxt)
{
	static uint8_t chunk[16384];
	struct T_ordrel_req orq = { T_ORDREL_REQ };
	struct stdata *ep;
	struct tt_seg s;
	uint8_t opts[40];
	size_t ol = 0;
	char buf[256];
	uint32_t iss;

	ep = tt_connect(&s);
	iss = s.seq;
	if (ts)
		ol = tt_ts(opts, 100, tt_be32(tt_opt(&s, TCPOPT_TIMESTAMP) + 2));
	tt_send(TH_SYN | TH_ACK, 7000, iss + 1, 65535, opts, ol, NULL, 0);
	cr_assert_eq(tt_get(ep, buf, sizeof(buf), NULL), T_CONN_CON);
	if (ts)
		ol = tt_ts(opts, 101, 0);
	for (size_t done = 0; done < sent; done += sizeof(chunk)) {
		bool more = true;

		tt_write(ep, chunk, RTE_MIN(sizeof(chunk), sent - done));
		while (more) { /* acknowledge what came until nothing more does */
			uint32_t top = 0;

			more = false;
			while (tt_take(&s)) {
				top = s.seq + (uint32_t)s.dlen;
				more = true;
			}
			if (more)
				tt_send(TH_ACK, 7001, top, 65535, opts, ol, NULL, 0);
		}
	}
	cr_assert_eq(tt_info(ep).tcpi_sndbuf_cc, 0, "everything sent and acknowledged");
	tt_put(ep, &orq, sizeof(orq));
	tt_send(TH_ACK | TH_FIN, 7001, iss + 2 + (uint32_t)sent, 65535, opts, ol, NULL, 0);
	cr_assert_eq(tt_get(ep, buf, sizeof(buf), NULL), T_ORDREL_IND);
	cr_assert_eq(tt_info(ep).tcpi_state, TCPS_TIME_WAIT);
	(void)pt_discard(tt_s.link.minor);
	sth_close(ep);
	yt_drain();
	*snd_nxt = iss + 2 + (uint32_t)sent;
}

/*
 * A 4-tuple in TIME-WAIT is not opened again (RFC 9293 3.10.7.4's quiet time, RFC 1122
 * 4.2.2.13): an ephemeral endpoint's T_CONN_REQ moves to another free port; with none left it
 * fails TADDRBUSY, and works once TIME-WAIT is over. The TIME-WAIT's end takes nothing from
 * the connection that came after it.
 */
YT_TEST(tcp, an_active_open_does_not_take_a_4_tuple_in_time_wait)
{
	struct tcp_param p = { .tp_port_lo = 50000, .tp_port_hi = 50001 };
	struct stdata *ep2, *ep3, *other;
	struct tt_seg s;
	char buf[256];
	uint32_t nxt;

	tt_open_with(&p);
	tt_active_to_time_wait(false, 0, &nxt);
	cr_assert_eq(tt_lport, 50000);
	/* ep2 bound to 50000 (no endpoint holds it: 50001 is taken meanwhile), opened from 50001 */
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &other), 0);
	tt_bind(other, 0, 0);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &ep2), 0);
	cr_assert_eq(tt_bind(ep2, 0, 0), 50000);
	sth_close(other);
	yt_drain();
	cr_assert_eq(tt_conn_req(ep2), T_OK_ACK);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_SYN);
	cr_assert_eq(s.sport, 50001, "the 4-tuple from 50000 is in TIME-WAIT (sport %u)", s.sport);
	tt_lport = 50001;
	tt_send(TH_SYN | TH_ACK, 9000, s.seq + 1, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(tt_get(ep2, buf, sizeof(buf), NULL), T_CONN_CON);
	(void)pt_discard(tt_s.link.minor);
	/* the one port left is held in TIME-WAIT, and young: refused */
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &ep3), 0);
	tt_bind(ep3, 0, 0);
	cr_assert_eq(tt_conn_req(ep3), T_ERROR_ACK);
	cr_assert_eq(tt_stats().tcps_timewait_expired, 0);
	pt_run_ms(200);
	cr_assert_eq(tt_stats().tcps_timewait_expired, 1);
	/* the connection from 50001 still receives */
	tt_send(TH_ACK | TH_PSH, 9001, s.seq + 1, 65535, NULL, 0, "live", 4);
	cr_assert_eq(tt_getdata(ep2, buf, sizeof(buf)), 4);
	cr_assert_eq(tt_info(ep2).tcpi_state, TCPS_ESTABLISHED);
	/* and TIME-WAIT over, the port opens */
	cr_assert_eq(tt_conn_req(ep3), T_OK_ACK);
	cr_assert(tt_take(&s));
	cr_assert_eq(s.sport, 50000);
	(void)pt_discard(tt_s.link.minor);
	sth_close(ep3);
	tt_done(ep2, NULL);
}

/*
 * Linux's tcp_tw_reuse: an active open takes over a 4-tuple in TIME-WAIT when the old
 * connection had timestamps and the peer's last one came more than a second ago. The new ISS
 * lies past the old incarnation's window (here further than the ISN clock alone would take
 * it), and PAWS keeps the old incarnation's segments out.
 */
YT_TEST(tcp, a_time_wait_older_than_a_second_with_timestamps_is_recycled_by_an_active_open)
{
	struct tcp_param p = { .tp_port_lo = 50000, .tp_port_hi = 50000, .tp_msl_ms = 3000 };
	struct stdata *ep;
	struct tt_seg s;
	uint8_t opts[40];
	size_t ol;
	char buf[256];
	uint32_t nxt, ourts;

	tt_open_with(&p);
	/* 2 MB sent: SND.NXT ends further on than the ISN clock moves in a second (250,000) */
	tt_active_to_time_wait(true, 2 << 20, &nxt);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &ep), 0);
	cr_assert_eq(tt_bind(ep, 0, 0), 50000);
	cr_assert_eq(tt_conn_req(ep), T_ERROR_ACK, "the peer's last timestamp is too recent");
	cr_assert_eq(tt_stats().tcps_connect_addrbusy, 1);
	pt_run_ms(1100);
	cr_assert_eq(tt_conn_req(ep), T_OK_ACK);
	cr_assert_eq(tt_stats().tcps_timewait_recycled, 1);
	cr_assert_eq(tt_stats().tcps_timewait_expired, 0, "ended, not expired");
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_SYN);
	cr_assert_eq(s.sport, 50000);
	cr_assert_geq((int32_t)(s.seq - (nxt + 65537)), 0, "ISS %u past the old SND.NXT %u", s.seq,
		      nxt);
	ourts = tt_be32(tt_opt(&s, TCPOPT_TIMESTAMP) + 2);
	ol = tt_ts(opts, 2000, ourts);
	tt_send(TH_SYN | TH_ACK, 90000, s.seq + 1, 65535, opts, ol, NULL, 0);
	cr_assert_eq(tt_get(ep, buf, sizeof(buf), NULL), T_CONN_CON);
	/* a duplicate of the old incarnation's, inside the new window by chance: PAWS */
	ol = tt_ts(opts, 101, 0);
	tt_send(TH_ACK | TH_PSH, 90001, s.seq + 1, 65535, opts, ol, "old", 3);
	cr_assert_eq(tt_stats().tcps_drop_paws, 1);
	cr_assert_eq(tt_getdata(ep, buf, sizeof(buf)), -1);
	ol = tt_ts(opts, 2001, ourts);
	tt_send(TH_ACK | TH_PSH, 90001, s.seq + 1, 65535, opts, ol, "new", 3);
	cr_assert_eq(tt_getdata(ep, buf, sizeof(buf)), 3);
	cr_assert_eq(memcmp(buf, "new", 3), 0);
	(void)pt_discard(tt_s.link.minor);
	tt_done(ep, NULL);
}

/*
 * Not recycled: a TIME-WAIT without timestamps (nothing tells the incarnations apart):
 * TADDRBUSY while no other port is free. A port the user chose is never moved, though an
 * ephemeral one would be.
 */
YT_TEST(tcp, a_time_wait_without_timestamps_is_not_recycled)
{
	struct tcp_param p = { .tp_port_lo = 50000, .tp_port_hi = 50001, .tp_msl_ms = 3000 };
	struct stdata *ep, *hold;
	uint32_t nxt;

	tt_open_with(&p);
	tt_active_to_time_wait(false, 0, &nxt);
	cr_assert_eq(tt_lport, 50000);
	pt_run_ms(1100);
	/* the user's port 50000: refused, not moved to the free 50001 */
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &ep), 0);
	cr_assert_eq(tt_bind(ep, 50000, 0), 50000);
	cr_assert_eq(tt_conn_req(ep), T_ERROR_ACK);
	sth_close(ep);
	/* tcp's port 50000, 50001 held by another endpoint */
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &hold), 0);
	cr_assert_eq(tt_bind(hold, 0, 0), 50001);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &ep), 0);
	cr_assert_eq(tt_bind(ep, 0, 0), 50000);
	cr_assert_eq(tt_conn_req(ep), T_ERROR_ACK, "no timestamps: not recycled");
	cr_assert_eq(tt_stats().tcps_timewait_recycled, 0);
	cr_assert_eq(tt_stats().tcps_connect_addrbusy, 2);
	sth_close(hold);
	tt_done(ep, NULL);
}

/* TCP_PF_NO_TW_REUSE (Linux's tcp_tw_reuse = 0): not even one with timestamps. */
YT_TEST(tcp, no_time_wait_is_recycled_with_reuse_off)
{
	struct tcp_param p = { .tp_port_lo = 50000, .tp_port_hi = 50000, .tp_msl_ms = 3000,
			       .tp_flags = TCP_PF_NO_TW_REUSE };
	struct stdata *ep;
	uint32_t nxt;

	tt_open_with(&p);
	tt_active_to_time_wait(true, 0, &nxt);
	pt_run_ms(1100);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &ep), 0);
	cr_assert_eq(tt_bind(ep, 0, 0), 50000);
	cr_assert_eq(tt_conn_req(ep), T_ERROR_ACK, "TCP_PF_NO_TW_REUSE");
	cr_assert_eq(tt_stats().tcps_timewait_recycled, 0);
	cr_assert_eq(tt_stats().tcps_connect_addrbusy, 1);
	tt_done(ep, NULL);
}
