/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sockmod through the whole TCP stack: the state it keeps from the TPI traffic, SO_ERROR, the
 * write error EPIPE after a reset, SHUT_RD, its ioctls and counters. The sockets are made with
 * the library (which pushes sockmod above timod); the module is asked directly with I_STR.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>

#include <protocols/sockmod/sockmod.h>
#include <protocols/tcp_hdr.h>

#include "sock_test.h"

TestSuite(sockmod, .init = yt_setup, .fini = yt_teardown);

static struct sockmod_state
sm_state(int fd)
{
	struct sockmod_state ss;

	memset(&ss, 0xa5, sizeof(ss));
	cr_assert_eq(pt_istr(yard_sock_stream(fd), SOCK_GETSTATE, &ss, sizeof(ss)), 0);
	return ss;
}

static int
sm_geterr(int fd)
{
	int32_t err = -1;

	cr_assert_eq(pt_istr(yard_sock_stream(fd), SOCK_GETERR, &err, sizeof(err)), 0);
	return err;
}

static uint64_t
sm_stat(unsigned i)
{
	struct sockmodstat st;

	sockmodstat_sum(&st, -1);
	return ((const uint64_t *)&st)[i];
}

YT_TEST(sockmod, is_pushed_above_timod)
{
	char name[FMNAMESZ + 1];
	int fd;

	tt_open();
	fd = yard_socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(sth_ioctl(yard_sock_stream(fd), I_LOOK, (intptr_t)name), 0);
	cr_assert_str_eq(name, SOCKMOD_MODNAME, "sockmod is on top");
	cr_assert_gt(sth_ioctl(yard_sock_stream(fd), I_FIND, (intptr_t)"timod"), 0);
	cr_assert_eq(sm_state(fd).ss_state, 0);
	cr_assert_eq(sm_state(fd).ss_error, 0);
	cr_assert_eq(yard_close(fd), 0);
	st_done();
}

YT_TEST(sockmod, follows_connecting_then_connected)
{
	struct sockaddr_in to = st_sin(PT_ADDR_PEER, PEER_PORT);
	struct tt_seg s;
	uint64_t con = sm_stat(SOCKMODS_conn_con);
	int fd;

	tt_open();
	fd = yard_socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(yard_connect(fd, (struct sockaddr *)&to, sizeof(to)), -1);
	cr_assert_eq(errno, EINPROGRESS);
	cr_assert_eq(sm_state(fd).ss_state, SS_ISCONNECTING);
	cr_assert(st_take_flags(&s, TH_SYN));
	tt_lport = s.sport;
	tt_send(TH_SYN | TH_ACK, ST_PEER_ISS, s.seq + 1, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(sm_state(fd).ss_state, SS_ISCONNECTED);
	cr_assert_eq(sm_stat(SOCKMODS_conn_con), con + 1);
	cr_assert_eq(yard_close(fd), 0);
	st_done();
}

YT_TEST(sockmod, a_refused_connect_sets_so_error_and_no_write_error)
{
	struct sockaddr_in to = st_sin(PT_ADDR_PEER, PEER_PORT);
	struct tt_seg s;
	uint64_t refused = sm_stat(SOCKMODS_conn_refused);
	int fd;

	tt_open();
	fd = yard_socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(yard_connect(fd, (struct sockaddr *)&to, sizeof(to)), -1);
	cr_assert(st_take_flags(&s, TH_SYN));
	tt_lport = s.sport;
	tt_send(TH_RST | TH_ACK, 0, s.seq + 1, 0, NULL, 0, NULL, 0);
	cr_assert_eq(sm_state(fd).ss_state, SS_CANTSENDMORE | SS_CANTRCVMORE);
	cr_assert_eq(sm_state(fd).ss_error, ECONNREFUSED);
	cr_assert_eq(sm_stat(SOCKMODS_conn_refused), refused + 1);
	cr_assert_eq(yard_sock_stream(fd)->sd_flag & STWRERR, 0, "never connected: no EPIPE");
	cr_assert_eq(sm_geterr(fd), ECONNREFUSED);
	cr_assert_eq(sm_geterr(fd), 0, "SOCK_GETERR clears it");
	cr_assert_eq(yard_close(fd), 0);
	st_done();
}

YT_TEST(sockmod, a_reset_sets_epipe_for_writes_and_leaves_the_data_readable)
{
	uint64_t resets = sm_stat(SOCKMODS_conn_reset);
	uint32_t nxt;
	char buf[16];
	struct stdata *sd;
	int fd;

	tt_open();
	fd = st_connected(&nxt);
	sd = yard_sock_stream(fd);
	tt_send(TH_ACK | TH_PSH, ST_PEER_ISS + 1, nxt, 65535, NULL, 0, "last", 4);
	tt_send(TH_RST, ST_PEER_ISS + 5, 0, 0, NULL, 0, NULL, 0);
	cr_assert_eq(sm_stat(SOCKMODS_conn_reset), resets + 1);
	cr_assert(sd->sd_flag & STWRERR);
	cr_assert_eq(sd->sd_werror, EPIPE);
	cr_assert_eq(sth_write(sd, "x", 1), -EPIPE, "the stream head refuses writes");
	cr_assert_eq(sd->sd_flag & STRDERR, 0, "reading goes on");
	cr_assert_eq(yard_recv(fd, buf, sizeof(buf), 0), 4, "the data before the reset");
	cr_assert_eq(memcmp(buf, "last", 4), 0);
	cr_assert_eq(yard_recv(fd, buf, sizeof(buf), 0), -1);
	cr_assert_eq(errno, ECONNRESET);
	cr_assert_eq(yard_recv(fd, buf, sizeof(buf), 0), 0, "reported once");
	cr_assert_eq(pt_istr(sd, SOCK_GETSTATE, buf, sizeof(buf)), -EPIPE,
		     "the stream head takes no ioctl after the reset (the write error)");
	cr_assert_eq(yard_close(fd), 0);
	st_done();
}

YT_TEST(sockmod, shut_rd_flushes_and_drops_later_data)
{
	uint64_t drops = sm_stat(SOCKMODS_drop_rcvshut);
	uint32_t nxt;
	char buf[8];
	int fd;

	tt_open();
	fd = st_connected(&nxt);
	tt_send(TH_ACK | TH_PSH, ST_PEER_ISS + 1, nxt, 65535, NULL, 0, "one", 3);
	cr_assert_not_null(STH_RQ(yard_sock_stream(fd))->q_first);
	cr_assert_eq(yard_shutdown(fd, SHUT_RD), 0, "SOCK_SHUTRD");
	cr_assert_null(STH_RQ(yard_sock_stream(fd))->q_first, "flushed");
	cr_assert(sm_state(fd).ss_state & SS_RCVSHUT);
	tt_send(TH_ACK | TH_PSH, ST_PEER_ISS + 4, nxt, 65535, NULL, 0, "two", 3);
	cr_assert_null(STH_RQ(yard_sock_stream(fd))->q_first, "dropped by sockmod");
	cr_assert_eq(sm_stat(SOCKMODS_drop_rcvshut), drops + 1);
	cr_assert_eq(yard_recv(fd, buf, sizeof(buf), 0), 0, "library: SHUT_RD reads end of file");
	cr_assert_eq(yard_close(fd), 0);
	st_done();
}

YT_TEST(sockmod, an_orderly_release_each_way_is_tracked)
{
	uint32_t nxt;
	struct tt_seg s;
	int fd;

	tt_open();
	fd = st_connected(&nxt);
	cr_assert_eq(yard_shutdown(fd, SHUT_WR), 0);
	cr_assert(st_take_flags(&s, TH_FIN), "our FIN");
	cr_assert(sm_state(fd).ss_state & SS_CANTSENDMORE);
	tt_send(TH_ACK | TH_FIN, ST_PEER_ISS + 1, s.seq + 1, 65535, NULL, 0, NULL, 0);
	cr_assert(sm_state(fd).ss_state & SS_CANTRCVMORE);
	cr_assert_eq(sm_state(fd).ss_error, 0, "an orderly release is no error");
	cr_assert_eq(yard_sock_stream(fd)->sd_flag & STWRERR, 0);
	cr_assert_eq(yard_close(fd), 0);
	st_done();
}

YT_TEST(sockmod, a_cancelled_indication_on_a_listener_is_no_error)
{
	uint64_t cancelled = sm_stat(SOCKMODS_ind_cancelled);
	uint32_t iss;
	int lfd;

	tt_open();
	lfd = st_listener(OUR_PORT, 4);
	st_peer_connects(1000, &iss);
	tt_send(TH_RST, 1001, 0, 0, NULL, 0, NULL, 0);
	cr_assert_eq(sm_stat(SOCKMODS_ind_cancelled), cancelled + 1);
	cr_assert_eq(sm_state(lfd).ss_error, 0);
	cr_assert_eq(yard_sock_stream(lfd)->sd_flag & STWRERR, 0);
	cr_assert_eq(yard_accept(lfd, NULL, NULL), -1, "the connection is gone");
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(yard_close(lfd), 0);
	st_done();
}

YT_TEST(sockmod, refuses_unknown_ioctls_and_names_its_counters)
{
	uint64_t bad = sm_stat(SOCKMODS_bad_ioctl);
	int32_t v;
	int fd;

	tt_open();
	fd = yard_socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(pt_istr(yard_sock_stream(fd), SOCKMOD | 0x7f, &v, sizeof(v)), -EINVAL);
	cr_assert_eq(sm_stat(SOCKMODS_bad_ioctl), bad + 1);
	cr_assert_eq(yard_close(fd), 0);
	cr_assert_str_eq(sockmodstat_name(SOCKMODS_conn_reset), "conn_reset");
	cr_assert_not_null(sockmodstat_help(SOCKMODS_conn_reset));
	cr_assert_null(sockmodstat_name(SOCKMODS__COUNT));
	st_done();
}
