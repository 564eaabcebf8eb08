/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection-oriented XTI calls and the TCP services, through the whole stack: loop
 * (LOOP_CAPTURE) + arp + ip + tcp, the peer's segments crafted (198.18.0.1) and ours taken
 * from the capture. The helpers are in tcp_test.c.
 */
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_ip.h>

#include <protocols/tcp.h>
#include <protocols/tcp_hdr.h>
#include <protocols/tcp_services.h>
#include <protocols/tihdr.h>
#include <protocols/xti/xti.h>

#include "tcp_test.h"

TestSuite(xti_cots, .init = yt_setup, .fini = yt_teardown);


static struct sockaddr_in
xc_sin(uint32_t addr, uint16_t port)
{
	return (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = rte_cpu_to_be_16(port),
				     .sin_addr = { addr } };
}

/* A listener on OUR_PORT with qlen 4. */
static int
xc_listener_on(uint16_t port)
{
	struct sockaddr_in sin = xc_sin(0, port);
	struct t_bind req = { .addr = { sizeof(sin), sizeof(sin), &sin }, .qlen = 4 };
	int fd = t_open(TCP_DRVNAME, O_RDWR, NULL);

	cr_assert_geq(fd, 0);
	cr_assert_eq(t_bind(fd, &req, NULL), 0);
	return fd;
}

static int
xc_listener(void)
{
	return xc_listener_on(OUR_PORT);
}

/* The peer's handshake to OUR_PORT; returns our ISS. */
static uint32_t
xc_peer_handshake(uint32_t peer_iss)
{
	struct tt_seg s;

	tt_send(TH_SYN, peer_iss, 0, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s), "SYN,ACK");
	cr_assert_eq(s.flags, TH_SYN | TH_ACK);
	tt_send(TH_ACK, peer_iss + 1, s.seq + 1, 65535, NULL, 0, NULL, 0);
	return s.seq;
}

/* Listen and accept on resfd (-1: a new endpoint); returns the endpoint with the connection. */
static int
xc_accept(int lfd, int resfd, uint32_t peer_iss, uint32_t *iss)
{
	struct sockaddr_in sin;
	struct t_call call = { .addr = { sizeof(sin), 0, &sin } };

	*iss = xc_peer_handshake(peer_iss);
	cr_assert_eq(t_look(lfd), T_LISTEN);
	cr_assert_eq(t_listen(lfd, &call), 0);
	cr_assert_eq(call.addr.len, sizeof(sin));
	cr_assert_eq(sin.sin_addr.s_addr, PT_ADDR_PEER);
	cr_assert_eq(t_getstate(lfd), T_INCON);
	if (resfd < 0)
		resfd = t_open(TCP_DRVNAME, O_RDWR, NULL);
	cr_assert_geq(resfd, 0);
	cr_assert_eq(t_accept(lfd, resfd, &call), 0, "t_errno %d", t_errno);
	cr_assert_eq(t_getstate(resfd), T_DATAXFER);
	yt_drain();
	return resfd;
}

static void
xc_done(void)
{
	tt_close();
	tt_lport = OUR_PORT;
	pt_assert_clean();
}

YT_TEST(xti_cots, t_connect_returns_tnodata_and_t_rcvconnect_completes_after_syn_ack)
{
	struct sockaddr_in to = xc_sin(PT_ADDR_PEER, PEER_PORT), res;
	struct t_call snd = { .addr = { sizeof(to), sizeof(to), &to } };
	struct t_call rcv = { .addr = { sizeof(res), 0, &res } };
	struct tt_seg s;
	char buf[16];
	int fd, fl = -1;

	tt_open();
	fd = t_open(TCP_DRVNAME, O_RDWR, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(t_connect(fd, &snd, NULL), -1, "t_connect needs T_IDLE");
	cr_assert_eq(t_errno, TOUTSTATE);
	cr_assert_eq(t_bind(fd, NULL, NULL), 0);
	cr_assert_eq(t_connect(fd, &snd, NULL), -1);
	cr_assert_eq(t_errno, TNODATA);
	cr_assert_eq(t_getstate(fd), T_OUTCON);
	cr_assert_eq(t_rcvconnect(fd, &rcv), -1);
	cr_assert_eq(t_errno, TNODATA);
	yt_drain();
	cr_assert(tt_take(&s));
	cr_assert_eq(s.flags, TH_SYN);
	tt_lport = s.sport;
	tt_send(TH_SYN | TH_ACK, 7000, s.seq + 1, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(t_look(fd), T_CONNECT);
	cr_assert_eq(t_rcvconnect(fd, &rcv), 0);
	cr_assert_eq(res.sin_addr.s_addr, PT_ADDR_PEER);
	cr_assert_eq(t_getstate(fd), T_DATAXFER);
	cr_assert(tt_take(&s), "the handshake's ACK");
	/* data both ways; a short buffer reads part of a message: T_MORE */
	cr_assert_eq(t_snd(fd, "hello", 5, 0), 5);
	yt_drain();
	cr_assert(tt_take(&s));
	cr_assert_eq(s.dlen, 5);
	cr_assert_eq(memcmp(s.data, "hello", 5), 0);
	tt_send(TH_ACK | TH_PSH, 7001, s.seq + 5, 65535, NULL, 0, "world!", 6);
	cr_assert_eq(t_look(fd), T_DATA);
	cr_assert_eq(t_rcv(fd, buf, 3, &fl), 3);
	cr_assert_eq(fl, T_MORE);
	cr_assert_eq(memcmp(buf, "wor", 3), 0);
	cr_assert_eq(t_rcv(fd, buf, sizeof(buf), &fl), 3);
	cr_assert_eq(fl, 0);
	cr_assert_eq(memcmp(buf, "ld!", 3), 0);
	cr_assert_eq(t_rcv(fd, buf, sizeof(buf), &fl), -1);
	cr_assert_eq(t_errno, TNODATA);
	cr_assert_eq(t_close(fd), 0);
	xc_done();
}

YT_TEST(xti_cots, t_connect_refused_by_rst_gives_tlook_and_t_rcvdis)
{
	struct sockaddr_in to = xc_sin(PT_ADDR_PEER, PEER_PORT);
	struct t_call snd = { .addr = { sizeof(to), sizeof(to), &to } };
	struct t_discon dis = { .udata = { 0 } };
	struct tt_seg s;
	int fd;

	tt_open();
	fd = t_open(TCP_DRVNAME, O_RDWR, NULL);
	cr_assert_eq(t_bind(fd, NULL, NULL), 0);
	cr_assert_eq(t_connect(fd, &snd, NULL), -1);
	cr_assert_eq(t_errno, TNODATA);
	yt_drain();
	cr_assert(tt_take(&s));
	tt_lport = s.sport;
	tt_send(TH_RST | TH_ACK, 0, s.seq + 1, 0, NULL, 0, NULL, 0);
	cr_assert_eq(t_look(fd), T_DISCONNECT);
	cr_assert_eq(t_rcvconnect(fd, NULL), -1);
	cr_assert_eq(t_errno, TLOOK);
	cr_assert_eq(t_rcvdis(fd, &dis), 0);
	cr_assert_eq(dis.reason, ECONNREFUSED);
	cr_assert_eq(t_getstate(fd), T_IDLE);
	cr_assert_eq(t_rcvdis(fd, NULL), -1);
	cr_assert_eq(t_errno, TOUTSTATE);
	cr_assert_eq(t_close(fd), 0);
	xc_done();
}

YT_TEST(xti_cots, t_accept_on_another_endpoint_then_orderly_release_both_ways)
{
	struct tt_seg s;
	uint32_t iss;
	char buf[8];
	int lfd, afd, fl;

	tt_open();
	lfd = xc_listener();
	afd = xc_accept(lfd, -1, 1000, &iss);
	cr_assert_eq(t_getstate(lfd), T_IDLE, "no indication outstanding");
	tt_send(TH_ACK | TH_PSH, 1001, iss + 1, 65535, NULL, 0, "abc", 3);
	tt_send(TH_ACK | TH_FIN, 1004, iss + 1, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(t_look(afd), T_DATA);
	cr_assert_eq(t_rcvrel(afd), -1, "data first");
	cr_assert_eq(t_errno, TLOOK);
	cr_assert_eq(t_rcv(afd, buf, sizeof(buf), &fl), 3);
	cr_assert_eq(t_rcv(afd, buf, sizeof(buf), &fl), -1);
	cr_assert_eq(t_errno, TLOOK);
	cr_assert_eq(t_look(afd), T_ORDREL);
	cr_assert_eq(t_rcvrel(afd), 0);
	cr_assert_eq(t_getstate(afd), T_INREL);
	cr_assert_eq(t_snd(afd, "xy", 2, 0), 2, "T_INREL may still send");
	cr_assert_eq(t_sndrel(afd), 0);
	cr_assert_eq(t_getstate(afd), T_IDLE);
	yt_drain();
	while (tt_take(&s) && !(s.flags & TH_FIN))
		;
	cr_assert(s.flags & TH_FIN, "our FIN");
	cr_assert_eq(t_close(afd), 0);
	cr_assert_eq(t_close(lfd), 0);
	xc_done();
}

YT_TEST(xti_cots, t_accept_on_the_listener_itself_makes_it_the_connection)
{
	uint32_t iss;
	char buf[8];
	int lfd, fl;

	tt_open();
	lfd = xc_listener();
	cr_assert_eq(xc_accept(lfd, lfd, 1000, &iss), lfd);
	cr_assert_eq(t_getstate(lfd), T_DATAXFER);
	tt_send(TH_ACK | TH_PSH, 1001, iss + 1, 65535, NULL, 0, "abc", 3);
	cr_assert_eq(t_rcv(lfd, buf, sizeof(buf), &fl), 3);
	cr_assert_eq(memcmp(buf, "abc", 3), 0);
	cr_assert_eq(t_close(lfd), 0);
	xc_done();
}

YT_TEST(xti_cots, calls_out_of_state_fail_with_toutstate)
{
	struct sockaddr_in sin;
	struct t_call call = { .addr = { sizeof(sin), 0, &sin } };
	char buf[4];
	int fd, fl;

	tt_open();
	fd = t_open(TCP_DRVNAME, O_RDWR, NULL);
	cr_assert_eq(t_rcv(fd, buf, sizeof(buf), &fl), -1);
	cr_assert_eq(t_errno, TOUTSTATE);
	cr_assert_eq(t_snd(fd, buf, sizeof(buf), 0), -1);
	cr_assert_eq(t_errno, TOUTSTATE);
	cr_assert_eq(t_sndrel(fd), -1);
	cr_assert_eq(t_errno, TOUTSTATE);
	cr_assert_eq(t_bind(fd, NULL, NULL), 0);
	cr_assert_eq(t_listen(fd, &call), -1, "not a listener");
	cr_assert_eq(t_errno, TBADQLEN);
	cr_assert_eq(t_accept(fd, fd, &call), -1);
	cr_assert_eq(t_errno, TOUTSTATE);
	cr_assert_eq(t_snddis(fd, NULL), -1);
	cr_assert_eq(t_errno, TOUTSTATE);
	cr_assert_eq(t_rcvrel(fd), -1);
	cr_assert_eq(t_errno, TOUTSTATE);
	cr_assert_eq(t_close(fd), 0);
	xc_done();
}

/*
 * The connection calls refuse bad arguments with XTI's errors, before anything reaches the
 * provider: t_connect without a call (TSYSERR EINVAL), with no address or one longer than the
 * provider's (TBADADDR), with connect data tcp does not carry (TBADDATA), with a buffer
 * missing (TSYSERR EFAULT); t_accept without a call, with connect data, onto a listening
 * endpoint (TRESQLEN), onto one in use (TOUTSTATE), on the listener itself while two
 * indications are out (TINDOUT). Each failure leaves the endpoint's state as it was, and the
 * indication is then accepted as usual.
 */
YT_TEST(xti_cots, connection_calls_refuse_bad_arguments_with_xti_errors)
{
	struct sockaddr_in sin = xc_sin(PT_ADDR_PEER, 80), got;
	char big[64] = { 0 };
	struct t_call call = { .addr = { sizeof(sin), sizeof(sin), &sin } }, lc;
	int fd, lfd, other, afd;

	tt_open();
	fd = t_open(TCP_DRVNAME, O_RDWR, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(t_bind(fd, NULL, NULL), 0);
	cr_assert_eq(t_connect(fd, NULL, NULL), -1);
	cr_assert_eq(t_errno, TSYSERR);
	cr_assert_eq(errno, EINVAL);
	call.addr.len = 0;
	cr_assert_eq(t_connect(fd, &call, NULL), -1);
	cr_assert_eq(t_errno, TBADADDR, "no address");
	call.addr = (struct netbuf){ sizeof(big), sizeof(big), big };
	cr_assert_eq(t_connect(fd, &call, NULL), -1);
	cr_assert_eq(t_errno, TBADADDR, "an address longer than the provider's");
	call.addr = (struct netbuf){ sizeof(sin), sizeof(sin), &sin };
	call.udata = (struct netbuf){ 4, 4, big };
	cr_assert_eq(t_connect(fd, &call, NULL), -1);
	cr_assert_eq(t_errno, TBADDATA, "tcp carries no connect data");
	call.udata = (struct netbuf){ 0 };
	call.addr.buf = NULL;
	cr_assert_eq(t_connect(fd, &call, NULL), -1);
	cr_assert_eq(t_errno, TSYSERR);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(t_getstate(fd), T_IDLE, "nothing changed");
	cr_assert_not(tt_take(&(struct tt_seg){ 0 }), "nothing sent");

	/* t_accept: a listener with two indications out */
	lfd = xc_listener();
	(void)xc_peer_handshake(1000);
	tt_fport = PEER_PORT + 1;
	(void)xc_peer_handshake(5000);
	tt_fport = PEER_PORT;
	lc = (struct t_call){ .addr = { sizeof(got), 0, &got } };
	cr_assert_eq(t_listen(lfd, &lc), 0);
	cr_assert_eq(t_accept(lfd, fd, NULL), -1);
	cr_assert_eq(t_errno, TSYSERR);
	cr_assert_eq(errno, EINVAL);
	lc.udata = (struct netbuf){ 4, 4, big };
	cr_assert_eq(t_accept(lfd, fd, &lc), -1);
	cr_assert_eq(t_errno, TBADDATA);
	lc.udata = (struct netbuf){ 0 };
	other = xc_listener_on(OUR_PORT + 1);
	cr_assert_eq(t_accept(lfd, other, &lc), -1);
	cr_assert_eq(t_errno, TRESQLEN, "onto an endpoint that listens");
	cr_assert_eq(t_accept(lfd, lfd, &lc), -1);
	cr_assert_eq(t_errno, TINDOUT, "on the listener with another indication out");
	cr_assert_eq(t_getstate(lfd), T_INCON, "still holding both");
	/* the same call onto a bound endpoint in T_IDLE goes */
	cr_assert_eq(t_accept(lfd, fd, &lc), 0, "t_errno %d", t_errno);
	cr_assert_eq(t_getstate(fd), T_DATAXFER);
	/* and onto one now in use it does not */
	lc = (struct t_call){ .addr = { sizeof(got), 0, &got } };
	cr_assert_eq(t_listen(lfd, &lc), 0);
	cr_assert_eq(t_accept(lfd, fd, &lc), -1);
	cr_assert_eq(t_errno, TOUTSTATE, "onto a connected endpoint");
	afd = t_open(TCP_DRVNAME, O_RDWR, NULL);
	cr_assert_eq(t_accept(lfd, afd, &lc), 0, "t_errno %d", t_errno);
	cr_assert_eq(t_getstate(lfd), T_IDLE);
	cr_assert_eq(t_close(afd), 0);
	cr_assert_eq(t_close(other), 0);
	cr_assert_eq(t_close(fd), 0);
	cr_assert_eq(t_close(lfd), 0);
	xc_done();
}

YT_TEST(xti_cots, t_snddis_resets_and_a_peer_reset_is_taken_by_t_rcvdis)
{
	struct t_discon dis = { .udata = { 0 } };
	struct tt_seg s;
	uint32_t iss;
	int lfd, a1, a2;

	tt_open();
	lfd = xc_listener();
	a1 = xc_accept(lfd, -1, 1000, &iss);
	cr_assert_eq(t_snddis(a1, NULL), 0);
	cr_assert_eq(t_getstate(a1), T_IDLE);
	yt_drain();
	cr_assert(tt_take(&s));
	cr_assert(s.flags & TH_RST);
	tt_fport = PEER_PORT + 1;
	a2 = xc_accept(lfd, -1, 5000, &iss);
	tt_send(TH_RST, 5001, 0, 0, NULL, 0, NULL, 0);
	cr_assert_eq(t_look(a2), T_DISCONNECT);
	cr_assert_eq(t_rcvdis(a2, &dis), 0);
	cr_assert_eq(dis.reason, ECONNRESET);
	cr_assert_eq(t_getstate(a2), T_IDLE);
	tt_fport = PEER_PORT;
	t_close(a1);
	t_close(a2);
	t_close(lfd);
	xc_done();
}

static int xc_events;

static void
xc_note(int fd, int events, void *arg)
{
	(void)fd;
	(void)arg;
	xc_events |= events;
}

YT_TEST(xti_cots, t_snd_meets_tflow_and_t_godata_follows_when_acks_free_the_buffer)
{
	struct {
		struct t_opthdr h;
		t_uscalar_t v;
	} o = { { sizeof(o), XTI_GENERIC, XTI_SNDBUF, 0 }, TCP_BUF_MIN }, oret;
	struct t_optmgmt req = { .opt = { sizeof(o), sizeof(o), &o }, .flags = T_NEGOTIATE };
	struct t_optmgmt ret = { .opt = { sizeof(oret), 0, &oret } };
	static char big[1024];
	struct tt_seg s;
	uint32_t iss, sent = 0;
	int lfd, afd, i, n = 0;

	tt_open();
	lfd = xc_listener();
	afd = xc_accept(lfd, -1, 1000, &iss);
	cr_assert_eq(t_optmgmt(afd, &req, &ret), 0);
	cr_assert_eq(yard_t_set_notify(afd, T_GODATA, xc_note, NULL), 0);
	for (i = 0; i < 100000; i++) {
		n = t_snd(afd, big, sizeof(big), 0);
		if (n < 0)
			break;
		sent += (uint32_t)n;
	}
	cr_assert_eq(n, -1);
	cr_assert_eq(t_errno, TFLOW);
	yt_drain();
	while (tt_take(&s))
		;
	cr_assert_eq(xc_events, 0);
	/* the peer acknowledges everything sent so far, segment by segment */
	for (i = 0; i < 2000 && !(xc_events & T_GODATA); i++) {
		struct tcp_conninfo ci;
		struct stdata *sd = yard_t_stream(afd);

		cr_assert_geq(pt_istr(sd, TCP_GETINFO, &ci, sizeof(ci)), 0);
		tt_send(TH_ACK, 1001, ci.tcpi_snd_nxt, 65535, NULL, 0, NULL, 0);
		while (tt_take(&s))
			;
	}
	cr_assert(xc_events & T_GODATA, "T_GODATA after the buffer drained");
	cr_assert_eq(t_look(afd), T_GODATA);
	cr_assert_gt(t_snd(afd, big, sizeof(big), 0), 0);
	t_close(afd);
	t_close(lfd);
	xc_done();
}

YT_TEST(xti_cots, t_sndv_and_t_rcvv_scatter_and_gather)
{
	struct t_iovec out[2] = { { "ab", 2 }, { "cde", 3 } };
	char x[2], y[8];
	struct t_iovec in[2] = { { x, 2 }, { y, 8 } };
	struct tt_seg s;
	uint32_t iss;
	int lfd, afd, fl;

	tt_open();
	lfd = xc_listener();
	afd = xc_accept(lfd, -1, 1000, &iss);
	cr_assert_eq(t_sndv(afd, out, 2, 0), 5);
	yt_drain();
	cr_assert(tt_take(&s));
	cr_assert_eq(s.dlen, 5);
	cr_assert_eq(memcmp(s.data, "abcde", 5), 0);
	tt_send(TH_ACK | TH_PSH, 1001, iss + 6, 65535, NULL, 0, "12345", 5);
	cr_assert_eq(t_rcvv(afd, in, 2, &fl), 5);
	cr_assert_eq(memcmp(x, "12", 2), 0);
	cr_assert_eq(memcmp(y, "345", 3), 0);
	cr_assert_eq(t_sndv(afd, out, T_IOV_MAX + 1, 0), -1);
	cr_assert_eq(t_errno, TBADDATA);
	t_close(afd);
	t_close(lfd);
	xc_done();
}

/* ---- services ------------------------------------------------------------------------------ */

/* Every data byte tcp sends from now until nothing is left, into buf; *fin if a FIN went. */
static size_t
xc_collect(uint8_t *buf, size_t max, bool *fin)
{
	struct tt_seg s;
	size_t n = 0;

	*fin = false;
	yt_drain();
	while (tt_take(&s)) {
		cr_assert_leq(n + s.dlen, max);
		memcpy(buf + n, s.data, s.dlen);
		n += s.dlen;
		*fin |= (s.flags & TH_FIN) != 0;
	}
	return n;
}

YT_TEST(xti_cots, echo_service_sends_the_data_back_and_releases_after_the_peer)
{
	uint8_t buf[256];
	uint32_t iss;
	bool fin;

	tt_open();
	tt_lport = 7;
	cr_assert_eq(yard_tcp_echo_start(7), 0);
	iss = xc_peer_handshake(1000);
	cr_assert_eq(yard_tcp_service_conns(), 1);
	tt_send(TH_ACK | TH_PSH, 1001, iss + 1, 65535, NULL, 0, "ping", 4);
	cr_assert_eq(xc_collect(buf, sizeof(buf), &fin), 4);
	cr_assert_eq(memcmp(buf, "ping", 4), 0);
	cr_assert_not(fin);
	tt_send(TH_ACK | TH_FIN, 1005, iss + 5, 65535, NULL, 0, NULL, 0);
	xc_collect(buf, sizeof(buf), &fin);
	cr_assert(fin, "the service released too");
	cr_assert_eq(yard_tcp_service_conns(), 0, "and closed its endpoint");
	{
		struct yard_tcp_svc_stats st;

		yard_tcp_svc_stats_sum(YARD_TCP_SVC_ECHO, -1, &st);
		cr_assert_eq(st.accepted, 1);
		cr_assert_eq(st.rx_bytes, 4);
		cr_assert_eq(st.tx_bytes, 4);
		cr_assert_eq(st.closed, 1);
	}
	yard_tcp_services_stop_all();
	xc_done();
}

static const char xc_pipelined[] = "GET /5 HTTP/1.1\r\nHost: a\r\n\r\nGET /10 HTTP/1.1\r\nHost: a\r\n\r\n";

YT_TEST(xti_cots, http_answers_pipelined_requests_in_order_and_keeps_the_connection)
{
	static uint8_t buf[8192];
	const char *a, *b;
	uint32_t iss, seq = 1001;
	size_t n;
	bool fin;

	tt_open();
	cr_assert_eq(yard_http_start(OUR_PORT, "hello\n"), 0);
	iss = xc_peer_handshake(1000);
	tt_send(TH_ACK | TH_PSH, seq, iss + 1, 65535, NULL, 0, xc_pipelined,
		sizeof(xc_pipelined) - 1);
	seq += sizeof(xc_pipelined) - 1;
	n = xc_collect(buf, sizeof(buf) - 1, &fin);
	buf[n] = 0;
	cr_assert_not(fin, "keep-alive");
	a = strstr((char *)buf, "Content-Length: 5\r\n");
	b = strstr((char *)buf, "Content-Length: 10\r\n");
	cr_assert(a != NULL && b != NULL && a < b, "%s", buf);
	cr_assert_eq(strncmp(strstr(a, "\r\n\r\n") + 4, "abcdeHTTP/1.1 200 OK\r\n", 22), 0);
	cr_assert_str_eq(strstr(b, "\r\n\r\n") + 4, "abcdefghij");
	/* the same connection serves "/" next */
	tt_send(TH_ACK | TH_PSH, seq, iss + 1 + (uint32_t)n, 65535, NULL, 0,
		"GET / HTTP/1.1\r\n\r\n", 18);
	seq += 18;
	n = xc_collect(buf, sizeof(buf) - 1, &fin);
	buf[n] = 0;
	cr_assert_not(fin);
	cr_assert(strstr((char *)buf, "Content-Length: 6\r\n\r\nhello\n") != NULL, "%s", buf);
	yard_tcp_services_stop_all();
	xc_done();
}

YT_TEST(xti_cots, http_answers_a_malformed_request_with_400_and_closes)
{
	static uint8_t buf[4096];
	uint32_t iss;
	size_t n;
	bool fin;

	tt_open();
	cr_assert_eq(yard_http_start(OUR_PORT, NULL), 0);
	iss = xc_peer_handshake(1000);
	tt_send(TH_ACK | TH_PSH, 1001, iss + 1, 65535, NULL, 0, "BOGUS\r\n\r\n", 9);
	n = xc_collect(buf, sizeof(buf) - 1, &fin);
	buf[n] = 0;
	cr_assert(strncmp((char *)buf, "HTTP/1.1 400 Bad Request\r\n", 26) == 0, "%s", buf);
	cr_assert(strstr((char *)buf, "Connection: close\r\n") != NULL);
	cr_assert(fin, "released after the answer");
	{
		struct yard_tcp_svc_stats st;

		yard_tcp_svc_stats_sum(YARD_TCP_SVC_HTTP, -1, &st);
		cr_assert_eq(st.http_bad, 1);
	}
	yard_tcp_services_stop_all();
	xc_done();
}

/*
 * A peer that never answers our release: the service closes the endpoint 5 s after its FIN
 * (lingered) and tcp finishes the connection as an orphan, so such peers cannot hold
 * connection slots and their unacknowledged answers for the whole retransmission timeout.
 */
YT_TEST(xti_cots, a_service_stops_waiting_for_a_peer_that_never_releases)
{
	static uint8_t buf[4096];
	struct yard_tcp_svc_stats st;
	uint64_t t0, deadline;
	uint32_t iss;
	bool fin;

	tt_open();
	cr_assert_eq(yard_http_start(OUR_PORT, NULL), 0);
	iss = xc_peer_handshake(1000);
	tt_send(TH_ACK | TH_PSH, 1001, iss + 1, 65535, NULL, 0, "BOGUS\r\n\r\n", 9);
	t0 = rte_get_timer_cycles();
	(void)xc_collect(buf, sizeof(buf) - 1, &fin);
	cr_assert(fin, "released after the 400");
	pt_run_ms(3000);
	if (rte_get_timer_cycles() - t0 < 4 * rte_get_timer_hz()) /* else preempted past it */
		cr_assert_eq(yard_tcp_service_conns(), 1, "still waiting, 3 s after its FIN");
	deadline = t0 + 15 * rte_get_timer_hz();
	while (yard_tcp_service_conns() != 0 && rte_get_timer_cycles() < deadline)
		pt_run_ms(100);
	cr_assert_eq(yard_tcp_service_conns(), 0, "closed after the linger");
	cr_assert_geq(rte_get_timer_cycles() - t0, 5 * rte_get_timer_hz() - rte_get_timer_hz() / 10,
		      "not before 5 s");
	yard_tcp_svc_stats_sum(YARD_TCP_SVC_HTTP, -1, &st);
	cr_assert_eq(st.lingered, 1);
	cr_assert_eq(st.closed, 1);
	cr_assert_eq(tt_stats().tcps_orphan_overflow, 0, "finished as an orphan");
	(void)pt_discard(tt_s.link.minor);
	yard_tcp_services_stop_all();
	xc_done();
}

YT_TEST(xti_cots, http_1_0_closes_unless_keep_alive_and_head_has_no_body)
{
	static uint8_t buf[4096];
	uint32_t iss;
	size_t n;
	bool fin;

	tt_open();
	cr_assert_eq(yard_http_start(OUR_PORT, NULL), 0);
	iss = xc_peer_handshake(1000);
	tt_send(TH_ACK | TH_PSH, 1001, iss + 1, 65535, NULL, 0,
		"HEAD /100 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 46);
	n = xc_collect(buf, sizeof(buf) - 1, &fin);
	buf[n] = 0;
	cr_assert_not(fin);
	cr_assert(strstr((char *)buf, "Content-Length: 100\r\n") != NULL, "%s", buf);
	cr_assert_eq(strcmp(strstr((char *)buf, "\r\n\r\n"), "\r\n\r\n"), 0, "no body");
	tt_send(TH_ACK | TH_PSH, 1047, iss + 1 + (uint32_t)n, 65535, NULL, 0,
		"GET /nope HTTP/1.0\r\n\r\n", 22);
	n = xc_collect(buf, sizeof(buf) - 1, &fin);
	buf[n] = 0;
	cr_assert(strncmp((char *)buf, "HTTP/1.1 404 ", 13) == 0, "%s", buf);
	cr_assert(fin, "HTTP/1.0 without keep-alive closes");
	yard_tcp_services_stop_all();
	xc_done();
}
