/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (protocols/tcp/tcp_syncookie.c): a listener whose SYN backlog is full answers
 * with a cookie and keeps nothing; the returning ACK opens the connection (T_CONN_IND), a
 * stale or forged one draws a RST; with cookies off the SYN is dropped. Crafted segments
 * through loop + arp + ip + tcp.
 */
#include <errno.h>
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>

#include <protocols/tcp.h>
#include <protocols/tcp/tcp_priv.h>
#include <protocols/tcp_hdr.h>
#include <protocols/tihdr.h>

#include "tcp_test.h"

TestSuite(syncookie, .init = yt_setup, .fini = yt_teardown);

static void
sc_cleanup(void)
{
	tt_close();
	tt_fport = PEER_PORT;
}

static t_scalar_t
sc_get(struct stdata *sd, void *buf, size_t max, int *dlen, char *data, size_t dmax)
{
	char dbuf[2048];
	struct strbuf c = { .maxlen = (int)max, .buf = buf };
	struct strbuf d = { .maxlen = (int)(data != NULL ? dmax : sizeof(dbuf)),
			    .buf = data != NULL ? data : dbuf };
	int fl = 0;

	if (sth_getmsg(sd, &c, &d, &fl) < 0)
		return -1;
	if (dlen != NULL)
		*dlen = d.len;
	return c.len >= 4 ? *(t_scalar_t *)buf : -2;
}

/* A listener on OUR_PORT (4 pending indications) with a SYN backlog of backlog. */
static struct stdata *
sc_listener(unsigned backlog, uint32_t flags)
{
	struct tcp_param p = { .tp_syn_backlog = backlog, .tp_flags = flags };
	struct {
		struct T_bind_req r;
		struct sockaddr_in sin;
	} b = { { T_BIND_REQ, sizeof(struct sockaddr_in), sizeof(struct T_bind_req), 4 },
		{ .sin_family = AF_INET, .sin_port = rte_cpu_to_be_16(OUR_PORT) } };
	struct stdata *lsn;
	char buf[256];

	tt_open();
	yt_set_cleanup(sc_cleanup);
	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &p, sizeof(p)), 0);
	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &lsn), 0);
	tt_put(lsn, &b, sizeof(b));
	cr_assert_eq(sc_get(lsn, buf, sizeof(buf), NULL, NULL, 0), T_BIND_ACK);
	return lsn;
}

/* SYN options: MSS 1460, window shift 7, timestamps (TSval tsval). */
static const uint8_t sc_synopts[] = { TCPOPT_MAXSEG, 4, 0x05, 0xb4, TCPOPT_NOP, TCPOPT_WINDOW, 3,
				      7, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP, 10, 0, 0, 0x30,
				      0x39, 0, 0, 0, 0 };
#define SC_PEER_TSVAL 0x3039u

/* The SYN from fport, answered: the SYN,ACK in *s. */
static void
sc_syn(uint16_t fport, uint32_t irs, const uint8_t *opts, size_t optlen, struct tt_seg *s)
{
	tt_fport = fport;
	tt_send(TH_SYN, irs, 0, 65535, opts, optlen, NULL, 0);
	cr_assert(tt_take(s), "SYN,ACK sent to port %u", fport);
	cr_assert_eq(s->flags, TH_SYN | TH_ACK);
	cr_assert_eq(s->ack, irs + 1);
}

/* The ACK of a SYN,ACK with timestamps (TSecr = its TSval). */
static void
sc_ack_ts(uint32_t seq, uint32_t ack, uint32_t tsecr, const void *data, size_t dlen)
{
	uint8_t ts[12] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP, 10, 0, 0, 0x30, 0x3a };
	uint32_t e = rte_cpu_to_be_32(tsecr);

	memcpy(ts + 8, &e, 4);
	tt_send(TH_ACK, seq, ack, 1000, ts, sizeof(ts), data, dlen);
}

static uint32_t
sc_tsval(const struct tt_seg *s)
{
	const uint8_t *o = tt_opt(s, TCPOPT_TIMESTAMP);
	uint32_t v;

	cr_assert_not_null(o, "timestamps offered");
	memcpy(&v, o + 2, 4);
	return rte_be_to_cpu_32(v);
}

/* Accept the connection of T_CONN_IND ci at lsn on a new endpoint (T_CONN_RES); the endpoint. */
static struct stdata *
sc_accept(struct stdata *lsn, const struct T_conn_ind *ci)
{
	struct T_capability_req cq = { T_CAPABILITY_REQ, TC1_ACCEPTOR_ID };
	struct T_capability_ack ca;
	struct T_conn_res cr;
	struct stdata *acc;
	char buf[256];

	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &acc), 0);
	tt_put(acc, &cq, sizeof(cq));
	cr_assert_eq(sc_get(acc, &ca, sizeof(ca), NULL, NULL, 0), T_CAPABILITY_ACK);
	cr = (struct T_conn_res){ T_CONN_RES, ca.ACCEPTOR_id, 0, 0, ci->SEQ_number };
	tt_put(lsn, &cr, sizeof(cr));
	cr_assert_eq(sc_get(lsn, buf, sizeof(buf), NULL, NULL, 0), T_OK_ACK);
	return acc;
}

YT_TEST(syncookie, backlog_overflow_answers_with_a_cookie_and_keeps_nothing)
{
	struct stdata *lsn = sc_listener(2, 0);
	struct tt_seg s;
	struct tcpstat st;
	const uint8_t *o;

	sc_syn(41000, 1000, sc_synopts, sizeof(sc_synopts), &s);
	sc_syn(41001, 2000, sc_synopts, sizeof(sc_synopts), &s);
	st = tt_stats();
	cr_assert_eq(st.tcps_passive_opens, 2);
	cr_assert_eq(st.tcps_syncookies_sent, 0);
	/* the third finds the backlog full: a cookie */
	sc_syn(41002, 3000, sc_synopts, sizeof(sc_synopts), &s);
	st = tt_stats();
	cr_assert_eq(st.tcps_passive_opens, 2, "no connection block for the cookie");
	cr_assert_eq(st.tcps_syncookies_sent, 1);
	cr_assert_eq(st.tcps_drop_syn_backlog, 0);
	/* options: our MSS, a window scale, timestamps echoing the peer's TSval */
	o = tt_opt(&s, TCPOPT_MAXSEG);
	cr_assert_not_null(o);
	cr_assert_eq(o[2] << 8 | o[3], 1460);
	o = tt_opt(&s, TCPOPT_WINDOW);
	cr_assert_not_null(o, "window scale kept through the timestamp");
	o = tt_opt(&s, TCPOPT_TIMESTAMP);
	cr_assert_not_null(o);
	cr_assert_eq((uint32_t)(o[6] << 24 | o[7] << 16 | o[8] << 8 | o[9]), SC_PEER_TSVAL);
	cr_assert_eq(sc_tsval(&s) & 0xf, 7, "the peer's shift in our TSval's low bits");
	cr_assert_eq(s.seq >> 24 & 7, 5, "MSS 1460 is index 5 of the cookie's table");
	/* a retransmitted cookie SYN gets the same cookie, still nothing kept */
	{
		struct tt_seg s2;

		sc_syn(41002, 3000, sc_synopts, sizeof(sc_synopts), &s2);
		cr_assert_eq(s2.seq, s.seq);
	}
	cr_assert(!tt_take(&s));
	sth_close(lsn);
}

YT_TEST(syncookie, valid_cookie_ack_opens_the_connection_and_reaches_the_listener)
{
	struct stdata *lsn = sc_listener(1, 0), *acc;
	struct tt_seg s;
	union {
		struct T_conn_ind ci;
		char b[256];
	} u;
	struct tcp_conninfo ci;
	struct tcpstat st;
	char buf[256], data[64];
	int dlen;

	sc_syn(41000, 1000, sc_synopts, sizeof(sc_synopts), &s); /* fills the backlog */
	sc_syn(42000, 5000, sc_synopts, sizeof(sc_synopts), &s);
	cr_assert_eq(tt_stats().tcps_syncookies_sent, 1);
	/* the ACK returns the cookie, with 5 bytes of data */
	tt_fport = 42000;
	sc_ack_ts(5001, s.seq + 1, sc_tsval(&s), "hello", 5);
	st = tt_stats();
	cr_assert_eq(st.tcps_syncookies_ok, 1);
	cr_assert_eq(st.tcps_syncookies_failed, 0);
	cr_assert_eq(st.tcps_established, 1);
	cr_assert_eq(sc_get(lsn, &u, sizeof(u), NULL, NULL, 0), T_CONN_IND);
	cr_assert_eq(((struct sockaddr_in *)(u.b + u.ci.SRC_offset))->sin_port,
		     rte_cpu_to_be_16(42000));
	/* accept it on another endpoint: the data is there, the options were rebuilt */
	acc = sc_accept(lsn, &u.ci);
	cr_assert_geq(pt_istr(acc, TCP_GETINFO, &ci, sizeof(ci)), 0);
	cr_assert_eq(ci.tcpi_state, TCPS_ESTABLISHED);
	cr_assert_eq(ci.tcpi_mss, 1460 - 12, "the cookie's MSS less the timestamp option");
	cr_assert_eq(ci.tcpi_flags & (TCPI_TS | TCPI_WS), TCPI_TS | TCPI_WS);
	cr_assert_eq(ci.tcpi_snd_wscale, 7, "the peer's shift, from our TSval");
	cr_assert_eq(ci.tcpi_snd_wnd, 1000u << 7);
	cr_assert_eq(ci.tcpi_snd_una, s.seq + 1);
	{
		t_scalar_t pr = sc_get(acc, buf, sizeof(buf), &dlen, data, sizeof(data));

		cr_assert_eq(pr, -2, "%d", (int)pr);
	}
	cr_assert_eq(dlen, 5);
	cr_assert_eq(memcmp(data, "hello", 5), 0);
	while (tt_take(&s))
		;
	sth_close(acc);
	sth_close(lsn);
}

YT_TEST(syncookie, sack_permitted_survives_the_cookie_in_the_timestamp)
{
	/* MSS 1460, SACK-permitted in place of the NOPs before the timestamps (as Linux sends) */
	static const uint8_t opts[] = { TCPOPT_MAXSEG, 4, 0x05, 0xb4, TCPOPT_SACK_PERMITTED, 2,
					TCPOPT_TIMESTAMP, 10, 0, 0, 0x30, 0x39, 0, 0, 0, 0,
					TCPOPT_NOP, TCPOPT_WINDOW, 3, 7 };
	struct stdata *lsn = sc_listener(1, 0), *acc;
	struct tt_seg s, s1;
	union {
		struct T_conn_ind ci;
		char b[256];
	} u;
	struct tcp_conninfo ci;

	sc_syn(41000, 1000, sc_synopts, sizeof(sc_synopts), &s1); /* fills the backlog */
	sc_syn(42000, 5000, opts, sizeof(opts), &s);
	cr_assert_eq(tt_stats().tcps_syncookies_sent, 1);
	cr_assert_not_null(tt_opt(&s, TCPOPT_SACK_PERMITTED), "the cookie SYN,ACK agrees to SACK");
	cr_assert_eq(sc_tsval(&s) & 0x1f, 0x10 | 7, "SACK and the shift in the TSval's low bits");
	cr_assert_leq(s.optlen, 20, "the options still fit in 20 bytes");
	/* the SYN whose cookie came without SACK-permitted: its bit is clear */
	cr_assert_null(tt_opt(&s1, TCPOPT_SACK_PERMITTED));
	tt_fport = 42000;
	sc_ack_ts(5001, s.seq + 1, sc_tsval(&s), NULL, 0);
	cr_assert_eq(tt_stats().tcps_syncookies_ok, 1);
	cr_assert_eq(sc_get(lsn, &u, sizeof(u), NULL, NULL, 0), T_CONN_IND);
	acc = sc_accept(lsn, &u.ci);
	cr_assert_geq(pt_istr(acc, TCP_GETINFO, &ci, sizeof(ci)), 0);
	cr_assert_eq(ci.tcpi_state, TCPS_ESTABLISHED);
	cr_assert_eq(ci.tcpi_flags & (TCPI_TS | TCPI_WS | TCPI_SACK), TCPI_TS | TCPI_WS | TCPI_SACK);
	cr_assert_eq(ci.tcpi_snd_wscale, 7);
	cr_assert_eq(tt_stats().tcps_sack_permitted, 1);
	while (tt_take(&s))
		;
	sth_close(acc);
	sth_close(lsn);
}

YT_TEST(syncookie, sack_permitted_without_timestamps_is_not_agreed)
{
	static const uint8_t opts[] = { TCPOPT_MAXSEG, 4, 0x05, 0xb4, TCPOPT_NOP, TCPOPT_NOP,
					TCPOPT_SACK_PERMITTED, 2 };
	struct stdata *lsn = sc_listener(1, 0);
	struct tt_seg s;
	union {
		struct T_conn_ind ci;
		char b[256];
	} u;

	sc_syn(41000, 1000, sc_synopts, sizeof(sc_synopts), &s);
	sc_syn(42000, 5000, opts, sizeof(opts), &s);
	cr_assert_null(tt_opt(&s, TCPOPT_SACK_PERMITTED), "nowhere to remember it: not offered");
	tt_fport = 42000;
	tt_send(TH_ACK, 5001, s.seq + 1, 4000, NULL, 0, NULL, 0);
	cr_assert_eq(tt_stats().tcps_syncookies_ok, 1);
	cr_assert_eq(sc_get(lsn, &u, sizeof(u), NULL, NULL, 0), T_CONN_IND);
	cr_assert_eq(tt_stats().tcps_sack_permitted, 0);
	while (tt_take(&s))
		;
	sth_close(lsn);
}

YT_TEST(syncookie, cookie_without_timestamps_runs_unscaled)
{
	static const uint8_t mss_ws[] = { TCPOPT_MAXSEG, 4, 0x04, 0xd8 /* 1240 */, TCPOPT_NOP,
					  TCPOPT_WINDOW, 3, 7 };
	struct stdata *lsn = sc_listener(1, 0);
	struct tt_seg s;
	union {
		struct T_conn_ind ci;
		char b[256];
	} u;

	sc_syn(41000, 1000, sc_synopts, sizeof(sc_synopts), &s);
	sc_syn(42000, 5000, mss_ws, sizeof(mss_ws), &s);
	cr_assert_null(tt_opt(&s, TCPOPT_WINDOW), "no scale offered: it could not be kept");
	cr_assert_null(tt_opt(&s, TCPOPT_TIMESTAMP));
	cr_assert_eq(s.seq >> 24 & 7, 1, "1240 rounds down to 1200, index 1");
	tt_fport = 42000;
	tt_send(TH_ACK, 5001, s.seq + 1, 4000, NULL, 0, NULL, 0);
	cr_assert_eq(tt_stats().tcps_syncookies_ok, 1);
	cr_assert_eq(sc_get(lsn, &u, sizeof(u), NULL, NULL, 0), T_CONN_IND);
	while (tt_take(&s))
		;
	sth_close(lsn);
}

YT_TEST(syncookie, forged_stale_or_foreign_cookies_are_reset)
{
	struct stdata *lsn = sc_listener(1, 0);
	struct tt_seg s, r;
	struct tcpstat st;
	uint32_t cookie;

	sc_syn(41000, 1000, sc_synopts, sizeof(sc_synopts), &s);
	sc_syn(42000, 5000, sc_synopts, sizeof(sc_synopts), &s);
	cookie = s.seq;
	tt_fport = 42000;
	/* forged: the hash bits wrong */
	sc_ack_ts(5001, (cookie ^ 0x5a5a) + 1, sc_tsval(&s), NULL, 0);
	cr_assert(tt_take(&r), "RST");
	cr_assert_eq(r.flags, TH_RST);
	cr_assert_eq(r.seq, (cookie ^ 0x5a5a) + 1, "RFC 9293 3.10.7.2: <SEQ=SEG.ACK>");
	/* stale: made two periods (128 s) ago */
	sc_ack_ts(5001, (cookie - (2u << 27)) + 1, sc_tsval(&s), NULL, 0);
	cr_assert(tt_take(&r));
	cr_assert_eq(r.flags, TH_RST);
	/* the right cookie for another SYN (another ISN of the peer) */
	sc_ack_ts(7001, cookie + 1, sc_tsval(&s), NULL, 0);
	cr_assert(tt_take(&r));
	cr_assert_eq(r.flags, TH_RST);
	/* and for another port */
	tt_fport = 42001;
	sc_ack_ts(5001, cookie + 1, sc_tsval(&s), NULL, 0);
	cr_assert(tt_take(&r));
	cr_assert_eq(r.flags, TH_RST);
	st = tt_stats();
	cr_assert_eq(st.tcps_syncookies_failed, 4);
	cr_assert_eq(st.tcps_syncookies_ok, 0);
	cr_assert_eq(st.tcps_passive_opens, 1);
	cr_assert_eq(sc_get(lsn, &r, sizeof(r), NULL, NULL, 0), -1, "no T_CONN_IND");
	sth_close(lsn);
}

YT_TEST(syncookie, bare_ack_is_reset_when_no_cookies_are_out)
{
	struct stdata *lsn = sc_listener(4, 0);
	struct tt_seg r;
	struct tcpstat st;

	tt_send(TH_ACK, 5001, 0x12345679, 1000, NULL, 0, NULL, 0);
	cr_assert(tt_take(&r));
	cr_assert_eq(r.flags, TH_RST);
	st = tt_stats();
	cr_assert_eq(st.tcps_drop_listen_bad, 1);
	cr_assert_eq(st.tcps_syncookies_failed, 0, "not taken for a cookie");
	sth_close(lsn);
}

YT_TEST(syncookie, with_cookies_off_a_full_backlog_drops_the_syn)
{
	struct stdata *lsn = sc_listener(1, TCP_PF_NO_SYNCOOKIES);
	struct tt_seg s;
	struct tcpstat st;

	sc_syn(41000, 1000, sc_synopts, sizeof(sc_synopts), &s);
	tt_fport = 42000;
	tt_send(TH_SYN, 5000, 0, 65535, sc_synopts, sizeof(sc_synopts), NULL, 0);
	cr_assert(!tt_take(&s), "nothing sent");
	st = tt_stats();
	cr_assert_eq(st.tcps_drop_syn_backlog, 1);
	cr_assert_eq(st.tcps_syncookies_sent, 0);
	sth_close(lsn);
}

YT_TEST(syncookie, a_cookie_is_good_for_its_period_and_the_next)
{
	static struct tcp_inst ti; /* the cookie functions need only the key and the clock */
	struct tcp_key k = { PT_ADDR_US, PT_ADDR_PEER, rte_cpu_to_be_16(80),
			     rte_cpu_to_be_16(42000) };
	uint64_t t0 = 10 * 64000ull + 5;
	uint32_t c = tcp_syncookie_make(&ti, &k, 777, 1460, t0);
	unsigned mss = 0;

	ti.ti_cookie_sent_ms = t0 + 1;
	cr_assert_eq(tcp_syncookie_check(&ti, &k, 777, c, t0, &mss), 0);
	cr_assert_eq(tcp_syncookie_check(&ti, &k, 778, c, t0 + 64000, &mss), -EINVAL);
	cr_assert_eq(mss, 1460);
	cr_assert_eq(tcp_syncookie_check(&ti, &k, 777, c, t0 + 64000, &mss), 0, "next period");
	cr_assert_eq(tcp_syncookie_check(&ti, &k, 777, c, t0 + 2 * 64000 - 6, &mss), 0);
	ti.ti_cookie_sent_ms = t0 + 2 * 64000 + 1;
	cr_assert_eq(tcp_syncookie_check(&ti, &k, 777, c, t0 + 2 * 64000, &mss), -ETIMEDOUT);
	/* no cookie out for two periods: an ACK is not taken for one */
	cr_assert_eq(tcp_syncookie_check(&ti, &k, 777, c, t0 + 4 * 64000, &mss), -ENOENT);
	/* MSS rounds down to the table, and below its first entry to 536 */
	cr_assert_eq(tcp_syncookie_make(&ti, &k, 1, 9000, t0) >> 24 & 7, 7);
	cr_assert_eq(tcp_syncookie_make(&ti, &k, 1, 1399, t0) >> 24 & 7, 2);
	cr_assert_eq(tcp_syncookie_make(&ti, &k, 1, 100, t0) >> 24 & 7, 0);
}
