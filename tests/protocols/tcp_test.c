/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared helpers of the TCP suites (see tcp_test.h). */
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_ip.h>

#include <protocols/tcp_hdr.h>
#include <protocols/tihdr.h>

#include "tcp_test.h"

struct pt_stack tt_s;
struct yard_tcp_plumbing tt_p;

/* Ports of the crafted segments (ours: what an active open chose). */
uint16_t tt_lport = OUR_PORT, tt_fport = PEER_PORT;
void (*tt_mangle)(struct yard_tcphdr *th);
void (*tt_inject)(const uint8_t *frame, size_t len, size_t hdrlen);

void
tt_open(void)
{
	struct tcp_addrreq a = { .ta_addr = PT_ADDR_US, .ta_prefix = PT_PREFIX };
	struct tcp_param p = { .tp_msl_ms = 50, .tp_rto_init_ms = 100, .tp_rto_min_ms = 50 };

	pt_stack_open(&tt_s, 0, 1500);
	cr_assert_eq(yard_tcp_plumb(&tt_p, &a, 1), 0, "plumb");
	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_SETPARAM, &p, sizeof(p)), 0);
}

void
tt_close(void)
{
	yard_tcp_unplumb(&tt_p);
	pt_stack_close(&tt_s);
}

/* A segment from the peer; returns nothing, injects it. */
void
tt_send(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win, const uint8_t *opts,
	size_t optlen, const void *data, size_t dlen)
{
	uint8_t f[1600];
	size_t n = pt_eth(f, &pt_mac_us, &pt_mac_peer, RTE_ETHER_TYPE_IPV4);
	size_t thl = YARD_TCP_HDR_MIN + optlen;
	struct yard_tcphdr *th;
	uint8_t ps[12 + 1500];

	n += pt_ipv4(f + n, PT_ADDR_PEER, PT_ADDR_US, IPPROTO_TCP, 1, 0, 64, NULL, 0, thl + dlen);
	th = (struct yard_tcphdr *)(f + n);
	memset(th, 0, thl);
	th->th_sport = rte_cpu_to_be_16(tt_fport);
	th->th_dport = rte_cpu_to_be_16(tt_lport);
	th->th_seq = rte_cpu_to_be_32(seq);
	th->th_ack = rte_cpu_to_be_32(ack);
	th->th_off = (uint8_t)((thl / 4) << 4);
	th->th_flags = flags;
	th->th_win = rte_cpu_to_be_16(win);
	if (optlen > 0)
		memcpy((uint8_t *)th + YARD_TCP_HDR_MIN, opts, optlen);
	if (dlen > 0)
		memcpy((uint8_t *)th + thl, data, dlen);
	/* checksum over the pseudo header */
	memcpy(ps, &(uint32_t){ PT_ADDR_PEER }, 4);
	memcpy(ps + 4, &(uint32_t){ PT_ADDR_US }, 4);
	ps[8] = 0;
	ps[9] = IPPROTO_TCP;
	*(uint16_t *)(ps + 10) = rte_cpu_to_be_16((uint16_t)(thl + dlen));
	memcpy(ps + 12, th, thl + dlen);
	th->th_sum = rte_cpu_to_be_16(pt_cksum(ps, 12 + thl + dlen));
	if (tt_mangle != NULL)
		tt_mangle(th);
	if (tt_inject != NULL)
		tt_inject(f, n + thl + dlen, n + thl);
	else
		pt_inject(tt_s.link.minor, f, n + thl + dlen);
	yt_drain();
}

/* The ACCEPTOR_id of an endpoint (T_CAPABILITY_REQ), for a T_CONN_RES that names it. */
uint32_t
tt_acceptor_id(struct stdata *ep)
{
	struct T_capability_req r = { T_CAPABILITY_REQ, TC1_ACCEPTOR_ID };
	struct T_capability_ack a;

	tt_put(ep, &r, sizeof(r));
	cr_assert_eq(tt_get(ep, &a, sizeof(a), NULL), T_CAPABILITY_ACK);
	return a.ACCEPTOR_id;
}

/* The next segment tcp sent; false if none. */
bool
tt_take(struct tt_seg *s)
{
	uint8_t f[2000];
	size_t n = pt_take(tt_s.link.minor, f, sizeof(f));
	struct yard_tcphdr *th;
	size_t iphl, thl, tot;

	if (n == 0)
		return false;
	cr_assert_eq(f[12], 0x08);
	iphl = (f[14] & 0xf) * 4u;
	tot = (size_t)f[16] << 8 | f[17];
	cr_assert_eq(f[14 + 9], IPPROTO_TCP);
	cr_assert_eq(pt_cksum(f + 14, iphl), 0, "IPv4 header checksum");
	cr_assert_geq(n, 14 + tot, "the frame holds the IP datagram");
	th = (struct yard_tcphdr *)(f + 14 + iphl);
	thl = (th->th_off >> 4) * 4u;
	/* the checksum verifies */
	{
		uint8_t ps[12 + 2000];

		memcpy(ps, f + 14 + 12, 8);
		ps[8] = 0;
		ps[9] = IPPROTO_TCP;
		*(uint16_t *)(ps + 10) = rte_cpu_to_be_16((uint16_t)(tot - iphl));
		memcpy(ps + 12, th, tot - iphl);
		cr_assert_eq(pt_cksum(ps, 12 + tot - iphl), 0, "TCP checksum");
	}
	s->tos = f[14 + 1];
	s->ttl = f[14 + 8];
	s->sport = rte_be_to_cpu_16(th->th_sport);
	s->dport = rte_be_to_cpu_16(th->th_dport);
	s->flags = th->th_flags;
	s->seq = rte_be_to_cpu_32(th->th_seq);
	s->ack = rte_be_to_cpu_32(th->th_ack);
	s->win = rte_be_to_cpu_16(th->th_win);
	s->optlen = thl - YARD_TCP_HDR_MIN;
	memcpy(s->opts, (uint8_t *)th + YARD_TCP_HDR_MIN, s->optlen);
	s->dlen = tot - iphl - thl;
	memcpy(s->data, (uint8_t *)th + thl, s->dlen);
	return true;
}

/* ---- TPI and inspection helpers shared by the TCP suites ---- */

struct tcpstat
tt_stats(void)
{
	struct tcpstat st;

	cr_assert_geq(pt_istr(tt_p.tp_tcp, TCP_GETSTATS, &st, sizeof(st)), 0);
	return st;
}

struct tcp_conninfo
tt_info(struct stdata *ep)
{
	struct tcp_conninfo ci;

	cr_assert_geq(pt_istr(ep, TCP_GETINFO, &ci, sizeof(ci)), 0);
	return ci;
}

void
tt_put(struct stdata *sd, const void *ctl, size_t len)
{
	struct strbuf c = { .len = (int)len, .buf = (char *)(uintptr_t)ctl };

	cr_assert_eq(sth_putmsg(sd, &c, NULL, 0), 0);
	yt_drain();
}

/* Take the next message's control part into buf; returns its primitive, -1 if none. */
t_scalar_t
tt_get(struct stdata *sd, void *buf, size_t max, int *datalen)
{
	char dbuf[4096];
	struct strbuf c = { .maxlen = (int)max, .buf = buf };
	struct strbuf d = { .maxlen = sizeof(dbuf), .buf = dbuf };
	int fl = 0;

	if (sth_getmsg(sd, &c, &d, &fl) < 0)
		return -1;
	if (datalen != NULL)
		*datalen = d.len;
	return c.len >= 4 ? *(t_scalar_t *)buf : -2;
}

/* Take the next message, which must be plain data, into buf; its length, -1 if none. */
int
tt_getdata(struct stdata *sd, void *buf, size_t max)
{
	char cbuf[256];
	struct strbuf c = { .maxlen = sizeof(cbuf), .buf = cbuf };
	struct strbuf d = { .maxlen = (int)max, .buf = buf };
	int fl = 0;

	if (sth_getmsg(sd, &c, &d, &fl) < 0)
		return -1;
	cr_assert_leq(c.len, 0, "plain M_DATA, no control part");
	return d.len;
}

uint16_t
tt_bind(struct stdata *ep, uint16_t port, unsigned conind)
{
	struct {
		struct T_bind_req r;
		struct sockaddr_in sin;
	} b = { { T_BIND_REQ, sizeof(struct sockaddr_in), sizeof(struct T_bind_req), conind },
		{ .sin_family = AF_INET, .sin_port = rte_cpu_to_be_16(port) } };
	union {
		struct T_bind_ack a;
		char b[256];
	} u;
	struct sockaddr_in sin;

	tt_put(ep, &b, sizeof(b));
	cr_assert_eq(tt_get(ep, &u, sizeof(u), NULL), T_BIND_ACK);
	cr_assert_eq(u.a.ADDR_length, sizeof(sin));
	memcpy(&sin, u.b + u.a.ADDR_offset, sizeof(sin));
	return rte_be_to_cpu_16(sin.sin_port);
}

/* The option of kind in a captured segment, NULL if absent. */
const uint8_t *
tt_opt(const struct tt_seg *s, uint8_t kind)
{
	for (size_t i = 0; i < s->optlen;) {
		if (s->opts[i] == TCPOPT_EOL)
			break;
		if (s->opts[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= s->optlen || s->opts[i + 1] < 2)
			break;
		if (s->opts[i] == kind)
			return &s->opts[i];
		i += s->opts[i + 1];
	}
	return NULL;
}

void
tt_pattern(uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((i + seed) * 131u >> 3);
}

void
tt_accept_ind(struct stdata *lsn, struct stdata *acc)
{
	union {
		struct T_conn_ind ci;
		char b[256];
	} u;
	struct T_conn_res cr;
	char buf[256];

	cr_assert_eq(tt_get(lsn, &u, sizeof(u), NULL), T_CONN_IND);
	cr_assert_eq(((struct sockaddr_in *)(u.b + u.ci.SRC_offset))->sin_addr.s_addr,
		     PT_ADDR_PEER);
	cr = (struct T_conn_res){ T_CONN_RES, tt_acceptor_id(acc), 0, 0, u.ci.SEQ_number };
	tt_put(lsn, &cr, sizeof(cr));
	cr_assert_eq(tt_get(lsn, buf, sizeof(buf), NULL), T_OK_ACK);
}

struct stdata *
tt_accept_one(struct stdata *lsn, uint32_t peer_iss, uint32_t *iss)
{
	struct stdata *acc;
	struct tt_seg s;
	uint8_t mss[4] = { TCPOPT_MAXSEG, 4, 0x05, 0xb4 };

	cr_assert_eq(sth_open(TCP_DRVNAME, 0, &acc), 0);
	tt_send(TH_SYN, peer_iss, 0, 65535, mss, sizeof(mss), NULL, 0);
	cr_assert(tt_take(&s), "SYN,ACK sent");
	cr_assert_eq(s.flags, TH_SYN | TH_ACK);
	cr_assert_eq(s.ack, peer_iss + 1);
	cr_assert_eq(s.opts[0], TCPOPT_MAXSEG);
	*iss = s.seq;
	tt_send(TH_ACK, peer_iss + 1, s.seq + 1, 65535, NULL, 0, NULL, 0);
	tt_accept_ind(lsn, acc);
	cr_assert_eq(tt_info(acc).tcpi_state, TCPS_ESTABLISHED);
	return acc;
}
