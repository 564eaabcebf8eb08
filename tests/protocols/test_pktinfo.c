/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * T_IP_PKTINFO through udp and the XTI library, on an ip instance with two links (A: port 0,
 * 198.18.0.2/24, ifindex 1; B: port 1, 198.18.9.2/24, ifindex 2): the option negotiated;
 * indications that say where a unicast, broadcast or multicast datagram came (ipi_spec_dst
 * the arrival link's address for the last two), and none without it (the usual block, its
 * size and mark); datagrams sent from the source and link a request names, and the names
 * refused (counted); t_rcvudata() with an option buffer too small (TBUFOVFLW) or not asked.
 */
#include <errno.h>
#include <string.h>

#include <protocols/xti/xti.h>

#include "udp_test.h"

TestSuite(pktinfo, .init = yt_setup, .fini = yt_teardown);

#define ADDR_B UT_ADDR_B
#define BCAST_B PT_IPV4(198, 18, 9, 255)
#define ADDR_C PT_IPV4(198, 18, 7, 7)   /* no link's */
#define GROUP PT_IPV4(239, 4, 5, 6)
#define PORT 7000

static void
pk_open(struct ut_two_links *s)
{
	ut_two_links_open(s);
	(void)pt_discard(s->pt.link.minor);
	(void)pt_discard(s->b.minor);
}

static void
pk_close(struct ut_two_links *s)
{
	pt_run_ms(1100); /* a leave's reports */
	(void)pt_discard(s->pt.link.minor);
	ut_two_links_close(s);
	pt_assert_clean();
}

/* One T_INET_IP option through t_optmgmt (vlen bytes at v): its status, its value in out. */
static t_uscalar_t
pk_opt(int fd, t_scalar_t flags, t_uscalar_t name, const void *v, size_t vlen, t_uscalar_t *out)
{
	uint8_t ib[64], ob[128];
	struct t_opthdr *ih = (struct t_opthdr *)ib, *oh;
	struct t_optmgmt req = { .opt = { .len = (unsigned)(sizeof(*ih) + vlen), .buf = ib },
				 .flags = flags };
	struct t_optmgmt ret = { .opt = { .maxlen = sizeof(ob), .buf = ob } };

	*ih = (struct t_opthdr){ .len = (t_uscalar_t)(sizeof(*ih) + vlen), .level = T_INET_IP,
				 .name = name };
	memcpy(ib + sizeof(*ih), v, vlen);
	req.opt.maxlen = req.opt.len;
	cr_assert_eq(t_optmgmt(fd, &req, &ret), 0, "t_optmgmt: t_errno %d", t_errno);
	oh = T_OPT_FIRSTHDR(&ret.opt);
	cr_assert_not_null(oh);
	cr_assert_eq(oh->name, name);
	if (out != NULL && oh->len == sizeof(*oh) + sizeof(*out))
		memcpy(out, T_OPT_DATA(oh), sizeof(*out));
	return oh->status;
}

static t_uscalar_t
pk_set(int fd, t_uscalar_t on)
{
	return pk_opt(fd, T_NEGOTIATE, T_IP_PKTINFO, &on, sizeof(on), NULL);
}

/* An XTI endpoint bound to (addr, PORT). */
static int
pk_ep(uint32_t addr)
{
	int fd = t_open(UDP_DRVNAME, O_RDWR | O_NONBLOCK, NULL);
	struct sockaddr_in sin = ut_sin(addr, PORT);
	struct t_bind req = { .addr = { .maxlen = sizeof(sin), .len = sizeof(sin), .buf = &sin } };

	cr_assert_geq(fd, 0);
	cr_assert_eq(t_bind(fd, &req, NULL), 0, "t_bind: t_errno %d", t_errno);
	return fd;
}

/* A datagram of 9 bytes from the peer to dst (to dmac), up minor as if from DPDK port. */
static void
pk_inject(int minor, uint16_t port, const struct rte_ether_addr *dmac, uint32_t dst)
{
	uint8_t f[128];
	size_t n = pt_eth(f, dmac, &pt_mac_peer, 0x0800);
	size_t ulen = ut_udp(f + n + 20, PT_ADDR_PEER, dst, 4100, PORT, (const uint8_t *)"to where?",
			     9);

	n += pt_ipv4(f + n, PT_ADDR_PEER, dst, IPPROTO_UDP, 1, 0, 64, NULL, 0, ulen);
	pt_inject_port(minor, f, n + ulen, port);
}

/* t_rcvudata of the datagram pk_inject() sent, from src: its T_IP_PKTINFO in *pi; false if
 * none. */
static bool
pk_recv_from(int fd, uint32_t src, struct t_in_pktinfo *pi)
{
	struct sockaddr_in from;
	uint8_t ob[64], data[32];
	struct t_unitdata ud = {
		.addr = { .maxlen = sizeof(from), .buf = &from },
		.opt = { .maxlen = sizeof(ob), .buf = ob },
		.udata = { .maxlen = sizeof(data), .buf = data },
	};
	struct t_opthdr *oh;
	int flags = 0;

	cr_assert_eq(t_rcvudata(fd, &ud, &flags), 0, "t_rcvudata: t_errno %d", t_errno);
	cr_assert_eq(ud.udata.len, 9);
	cr_assert_arr_eq(data, "to where?", 9);
	cr_assert_eq(from.sin_addr.s_addr, src);
	if (ud.opt.len == 0)
		return false;
	oh = T_OPT_FIRSTHDR(&ud.opt);
	cr_assert_not_null(oh);
	cr_assert_eq(oh->level, T_INET_IP);
	cr_assert_eq(oh->name, T_IP_PKTINFO);
	cr_assert_eq(oh->len, sizeof(*oh) + sizeof(*pi));
	cr_assert_eq(ud.opt.len, oh->len, "the one option");
	memcpy(pi, T_OPT_DATA(oh), sizeof(*pi));
	return true;
}

YT_TEST(pktinfo, the_option_is_negotiated_as_a_yes_or_no)
{
	struct ut_two_links s;
	t_uscalar_t cur = 7, v = 2;
	int fd;

	pk_open(&s);
	fd = pk_ep(0);
	cr_assert_eq(pk_opt(fd, T_CURRENT, T_IP_PKTINFO, &cur, 0, &cur), T_SUCCESS);
	cr_assert_eq(cur, T_NO, "off by default");
	cr_assert_eq(pk_opt(fd, T_DEFAULT, T_IP_PKTINFO, &cur, 0, &cur), T_SUCCESS);
	cr_assert_eq(cur, T_NO);
	cr_assert_eq(pk_set(fd, T_YES), T_SUCCESS);
	cr_assert_eq(pk_opt(fd, T_CURRENT, T_IP_PKTINFO, &cur, 0, &cur), T_SUCCESS);
	cr_assert_eq(cur, T_YES);
	cr_assert_eq(pk_opt(fd, T_NEGOTIATE, T_IP_PKTINFO, &v, sizeof(v), NULL), T_FAILURE,
		     "neither T_YES nor T_NO");
	cr_assert_eq(pk_opt(fd, T_CHECK, T_IP_PKTINFO, &v, sizeof(v), NULL), T_FAILURE);
	cr_assert_eq(pk_opt(fd, T_CURRENT, T_IP_PKTINFO, &cur, 0, &cur), T_SUCCESS);
	cr_assert_eq(cur, T_YES, "kept");
	cr_assert_eq(t_close(fd), 0);
	pk_close(&s);
}

static bool
pk_recv(int fd, struct t_in_pktinfo *pi)
{
	return pk_recv_from(fd, PT_ADDR_PEER, pi);
}

YT_TEST(pktinfo, indications_say_where_unicast_broadcast_and_multicast_datagrams_came)
{
	static const struct rte_ether_addr gmac = { { 0x01, 0x00, 0x5e, 0x04, 0x05, 0x06 } };
	struct t_ip_mreq mr = { .imr_multiaddr = GROUP, .imr_interface = ADDR_B };
	struct ut_two_links s;
	struct t_in_pktinfo pi;
	int fd;

	pk_open(&s);
	fd = pk_ep(0);
	cr_assert_eq(pk_set(fd, T_YES), T_SUCCESS);
	/* Unicast to A's address, from port 0: link 1, and a reply comes from the destination. */
	pk_inject(s.pt.link.minor, 0, &pt_mac_us, PT_ADDR_US);
	cr_assert(pk_recv(fd, &pi));
	cr_assert_eq(pi.ipi_ifindex, 1);
	cr_assert_eq(pi.ipi_addr, PT_ADDR_US);
	cr_assert_eq(pi.ipi_spec_dst, PT_ADDR_US);
	/* B's subnet broadcast, from port 1: B's address answers. */
	pk_inject(s.b.minor, 1, &pt_mac_bcast, BCAST_B);
	cr_assert(pk_recv(fd, &pi));
	cr_assert_eq(pi.ipi_ifindex, 2);
	cr_assert_eq(pi.ipi_addr, BCAST_B);
	cr_assert_eq(pi.ipi_spec_dst, ADDR_B);
	/* The limited broadcast says nothing of a link but where it came: B, then A. */
	pk_inject(s.b.minor, 1, &pt_mac_bcast, UINT32_MAX);
	cr_assert(pk_recv(fd, &pi));
	cr_assert_eq(pi.ipi_ifindex, 2);
	cr_assert_eq(pi.ipi_addr, UINT32_MAX);
	cr_assert_eq(pi.ipi_spec_dst, ADDR_B);
	pk_inject(s.pt.link.minor, 0, &pt_mac_bcast, UINT32_MAX);
	cr_assert(pk_recv(fd, &pi));
	cr_assert_eq(pi.ipi_ifindex, 1);
	cr_assert_eq(pi.ipi_spec_dst, PT_ADDR_US);
	/* A group joined on B, though groups are routed out A: B's address. */
	cr_assert_eq(pk_opt(fd, T_NEGOTIATE, T_IP_ADD_MEMBERSHIP, &mr, sizeof(mr), NULL),
		     T_SUCCESS);
	pk_inject(s.b.minor, 1, &gmac, GROUP);
	cr_assert(pk_recv(fd, &pi));
	cr_assert_eq(pi.ipi_ifindex, 2);
	cr_assert_eq(pi.ipi_addr, GROUP);
	cr_assert_eq(pi.ipi_spec_dst, ADDR_B);
	/* A buffer no port received (a loop-back, a test's): no link, the broadcast's own. */
	pk_inject(s.b.minor, RTE_MBUF_PORT_INVALID, &pt_mac_bcast, BCAST_B);
	cr_assert(pk_recv(fd, &pi));
	cr_assert_eq(pi.ipi_ifindex, 0);
	cr_assert_eq(pi.ipi_spec_dst, ADDR_B);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_rx_pktinfo, 6);
	/* Off again: nothing more. */
	cr_assert_eq(pk_set(fd, T_NO), T_SUCCESS);
	pk_inject(s.pt.link.minor, 0, &pt_mac_us, PT_ADDR_US);
	cr_assert_not(pk_recv(fd, &pi));
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_rx_pktinfo, 6);
	cr_assert_eq(t_close(fd), 0);
	pk_close(&s);
}

YT_TEST(pktinfo, an_endpoint_without_it_gets_the_usual_indication)
{
	struct ut_two_links s;
	struct stdata *ep, *other;
	const mblk_t *mp;
	int fd;

	pk_open(&s);
	/* Another endpoint with the option on its own port changes nothing for this one. */
	fd = t_open(UDP_DRVNAME, O_RDWR | O_NONBLOCK, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pk_set(fd, T_YES), T_SUCCESS);
	ep = ut_ep_open();
	other = yard_t_stream(fd);
	cr_assert_not_null(other);
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, PORT, NULL), 0);
	pk_inject(s.pt.link.minor, 0, &pt_mac_us, PT_ADDR_US);
	pk_inject(s.b.minor, 1, &pt_mac_bcast, BCAST_B);
	for (int i = 0; i < 2; i++) {
		const struct T_unitdata_ind *ind;

		mp = STH_RQ(ep)->q_first;
		cr_assert_not_null(mp);
		ind = (const struct T_unitdata_ind *)mp->b_rptr;
		cr_assert_eq(MBLKL(mp), sizeof(*ind) + sizeof(struct sockaddr_in),
			     "the usual block, no option room");
		cr_assert(mp->b_yflags & YB_TUDATA, "the common layout's mark");
		cr_assert_eq(ind->OPT_length, 0);
		cr_assert_eq(ind->OPT_offset, 0);
		cr_assert_gt(ut_get(ep, (uint8_t[64]){ 0 }, 64, (uint8_t[64]){ 0 }, 64, NULL), 0);
	}
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_rx_pktinfo, 0);
	cr_assert_eq(sth_close(ep), 0);
	cr_assert_eq(t_close(fd), 0);
	pk_close(&s);
}

/* A T_IP_PKTINFO option for a request. */
struct pk_reqopt {
	struct T_opthdr oh;
	struct t_in_pktinfo pi;
};

static struct pk_reqopt
pk_reqopt(uint32_t ifindex, uint32_t spec_dst)
{
	return (struct pk_reqopt){
		.oh = { .len = sizeof(struct pk_reqopt), .level = T_INET_IP, .name = T_IP_PKTINFO },
		.pi = { .ipi_ifindex = ifindex, .ipi_spec_dst = spec_dst },
	};
}

/* "data" (5 bytes) to (dst, 4100) from ep with T_IP_PKTINFO (ifindex, spec_dst), udp run. */
static void
pk_send(struct stdata *ep, uint32_t dst, uint32_t ifindex, uint32_t spec_dst, const char *data)
{
	struct pk_reqopt o = pk_reqopt(ifindex, spec_dst);

	cr_assert_eq(ut_sendto_opts(ep, dst, 4100, &o, sizeof(o), data, 5), 0);
	yt_drain();
}

/* The one frame on minor (nothing on other): its IPv4 source, its checksums checked. */
static uint32_t
pk_take_src(int minor, int other, uint32_t dst)
{
	uint8_t f[256];
	uint32_t src;
	size_t n;

	cr_assert_eq(pt_take(other, f, sizeof(f)), 0, "nothing on the other link");
	n = pt_take(minor, f, sizeof(f));
	cr_assert_eq(n, 14 + 20 + 8 + 5, "one datagram (%zu bytes)", n);
	cr_assert_eq(memcmp(f + 14 + 16, &dst, 4), 0);
	memcpy(&src, f + 14 + 12, 4);
	cr_assert_eq(pt_cksum(f + 14, 20), 0, "IP header checksum");
	cr_assert_eq(ut_udp_cksum(src, dst, f + 34, 13), 0, "UDP checksum with that source");
	return src;
}

/* The next T_UDERROR_IND on ep: its error. */
static t_scalar_t
pk_uderr(struct stdata *ep)
{
	union {
		struct T_uderror_ind ue;
		uint8_t raw[128];
	} u;

	cr_assert_gt(ut_get(ep, &u, sizeof(u), NULL, 0, NULL), 0);
	cr_assert_eq(u.ue.PRIM_type, T_UDERROR_IND);
	return u.ue.ERROR_type;
}

YT_TEST(pktinfo, a_request_names_its_source_and_link)
{
	struct ut_two_links s;
	struct stdata *ep;

	pk_open(&s);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, PORT, NULL), 0);
	/* The reply to what came to B goes from B's address, by the peer's route (A). */
	pk_send(ep, PT_ADDR_PEER, 0, ADDR_B, "reply");
	cr_assert_eq(pk_take_src(s.pt.link.minor, s.b.minor, PT_ADDR_PEER), ADDR_B);
	/* Without the option, the route's link's address, as ever. */
	cr_assert_eq(ut_sendto(ep, PT_ADDR_PEER, 4100, "plain", 5), 0);
	yt_drain();
	cr_assert_eq(pk_take_src(s.pt.link.minor, s.b.minor, PT_ADDR_PEER), PT_ADDR_US);
	/* Link 2 alone: its address is the source. */
	pk_send(ep, PT_ADDR_PEER, 2, 0, "by if");
	cr_assert_eq(pk_take_src(s.pt.link.minor, s.b.minor, PT_ADDR_PEER), ADDR_B);
	/* A group: link 2 is where it goes out (IP_UNITDATA_MIF), beating its route (A). */
	pk_send(ep, GROUP, 2, 0, "group");
	cr_assert_eq(pk_take_src(s.b.minor, s.pt.link.minor, GROUP), ADDR_B);
	pk_send(ep, GROUP, 2, ADDR_B, "group");
	cr_assert_eq(pk_take_src(s.b.minor, s.pt.link.minor, GROUP), ADDR_B);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_tx_pktinfo, 4);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_uderr_pktinfo, 0);
	cr_assert_eq(sth_close(ep), 0);
	pk_close(&s);
}

YT_TEST(pktinfo, a_source_not_ours_or_a_link_we_lack_is_refused_and_counted)
{
	struct ut_two_links s;
	struct pk_reqopt o;
	struct stdata *ep;
	uint8_t bad[sizeof(o) + 4] = { 0 };

	pk_open(&s);
	ep = ut_ep_open();
	cr_assert_eq(ut_bind(ep, T_BIND_REQ, 0, PORT, NULL), 0);
	pk_send(ep, PT_ADDR_PEER, 0, ADDR_C, "spoof");
	cr_assert_eq(pk_uderr(ep), EINVAL, "no link has that address");
	pk_send(ep, PT_ADDR_PEER, 9, 0, "no if");
	cr_assert_eq(pk_uderr(ep), ENODEV, "no link 9");
	/* A group out link 2 may only come from link 2's address. */
	pk_send(ep, GROUP, 2, PT_ADDR_US, "mixed");
	cr_assert_eq(pk_uderr(ep), EINVAL, "A's address out B");
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_uderr_pktinfo, 3);
	/* A value of the wrong size is a malformed option. */
	o = pk_reqopt(0, ADDR_B);
	memcpy(bad, &o, sizeof(o));
	((struct T_opthdr *)bad)->len = sizeof(bad);
	cr_assert_eq(ut_sendto_opts(ep, PT_ADDR_PEER, 4100, bad, sizeof(bad), "sized", 5), 0);
	yt_drain();
	cr_assert_eq(pk_uderr(ep), EINVAL);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_uderr_bad_opt, 1);
	cr_assert_eq(ut_udpstat(s.up.up_udp).udps_tx_datagrams, 0, "none went");
	cr_assert_eq(pt_discard(s.pt.link.minor) + pt_discard(s.b.minor), 0);
	cr_assert_eq(sth_close(ep), 0);
	pk_close(&s);
}

YT_TEST(pktinfo, t_rcvudata_gives_the_option_as_xti_says)
{
	struct ut_two_links s;
	struct sockaddr_in from;
	uint8_t ob[64], data[32];
	struct t_unitdata ud = {
		.addr = { .maxlen = sizeof(from), .buf = &from },
		.opt = { .maxlen = 8, .buf = ob },
		.udata = { .maxlen = sizeof(data), .buf = data },
	};
	struct t_in_pktinfo pi;
	int flags, fd;

	pk_open(&s);
	fd = pk_ep(0);
	cr_assert_eq(pk_set(fd, T_YES), T_SUCCESS);
	/* Too small for the option: TBUFOVFLW, and XTI discards the datagram. */
	pk_inject(s.pt.link.minor, 0, &pt_mac_us, PT_ADDR_US);
	cr_assert_eq(t_rcvudata(fd, &ud, &flags), -1);
	cr_assert_eq(t_errno, TBUFOVFLW);
	cr_assert_eq(t_rcvudata(fd, &ud, &flags), -1);
	cr_assert_eq(t_errno, TNODATA, "discarded");
	/* Not asked for (maxlen 0): the datagram, no option. */
	ud.opt.maxlen = 0;
	ud.opt.len = 99;
	pk_inject(s.pt.link.minor, 0, &pt_mac_us, PT_ADDR_US);
	cr_assert_eq(t_rcvudata(fd, &ud, &flags), 0);
	cr_assert_eq(ud.opt.len, 0);
	cr_assert_eq(ud.udata.len, 9);
	/* The zero-copy receive with an option buffer gives it too. */
	pk_inject(s.b.minor, 1, &pt_mac_bcast, BCAST_B);
	{
		struct netbuf onb = { .maxlen = sizeof(ob), .buf = ob };
		const struct t_opthdr *oh;
		mblk_t *mp;

		cr_assert_eq(yard_t_rcvudata_mblk_opt(fd, NULL, &onb, &mp), 0);
		cr_assert_eq(msgdsize(mp), 9);
		freemsg(mp);
		oh = T_OPT_FIRSTHDR(&onb);
		cr_assert_not_null(oh);
		cr_assert_eq(oh->name, T_IP_PKTINFO);
		memcpy(&pi, T_OPT_DATA(oh), sizeof(pi));
		cr_assert_eq(pi.ipi_spec_dst, ADDR_B);
		cr_assert_eq(pi.ipi_ifindex, 2);
	}
	/* t_sndudata passes a request's option on. */
	{
		struct sockaddr_in to = ut_sin(PT_ADDR_PEER, 4100);
		struct pk_reqopt o = pk_reqopt(0, ADDR_B);
		struct t_unitdata sd = {
			.addr = { .maxlen = sizeof(to), .len = sizeof(to), .buf = &to },
			.opt = { .maxlen = sizeof(o), .len = sizeof(o), .buf = &o },
			.udata = { .maxlen = 5, .len = 5, .buf = "xtisd" },
		};

		cr_assert_eq(t_sndudata(fd, &sd), 0);
		yt_drain();
		cr_assert_eq(pk_take_src(s.pt.link.minor, s.b.minor, PT_ADDR_PEER), ADDR_B);
	}
	cr_assert_eq(t_close(fd), 0);
	pk_close(&s);
}

/*
 * A datagram sent to one of our own addresses (ip's loop-back) arrived by no port: link
 * index 0, even in a buffer a port once received (sent on zero-copy), and the address it
 * was sent to is the one a reply comes from.
 */
YT_TEST(pktinfo, a_datagram_to_ourselves_says_no_link)
{
	struct ut_two_links s;
	struct t_in_pktinfo pi;
	struct sockaddr_in to = ut_sin(ADDR_B, PORT + 1), from;
	struct netbuf nb = { .maxlen = sizeof(from), .buf = &from };
	struct netbuf tb = { .maxlen = sizeof(to), .len = sizeof(to), .buf = &to };
	int fd, rx;
	mblk_t *mp;

	pk_open(&s);
	fd = pk_ep(0);           /* takes the peer's datagram, sends it on to PORT + 1 */
	rx = t_open(UDP_DRVNAME, O_RDWR | O_NONBLOCK, NULL);
	cr_assert_geq(rx, 0);
	{
		struct sockaddr_in sin = ut_sin(0, PORT + 1);
		struct t_bind req = { .addr = { .maxlen = sizeof(sin), .len = sizeof(sin),
						.buf = &sin } };

		cr_assert_eq(t_bind(rx, &req, NULL), 0);
	}
	cr_assert_eq(pk_set(rx, T_YES), T_SUCCESS);
	pk_inject(s.b.minor, 1, &pt_mac_us, ADDR_B);
	cr_assert_eq(yard_t_rcvudata_mblk(fd, &nb, &mp), 0, "t_errno %d", t_errno);
	cr_assert_eq(yard_mblk_mbuf(mp)->port, 1, "a buffer port 1 received");
	cr_assert_eq(yard_t_sndudata_mblk(fd, &tb, mp), 0, "t_errno %d", t_errno);
	yt_drain();
	cr_assert(pk_recv_from(rx, ADDR_B, &pi));
	cr_assert_eq(pi.ipi_ifindex, 0, "no port received it");
	cr_assert_eq(pi.ipi_addr, ADDR_B);
	cr_assert_eq(pi.ipi_spec_dst, ADDR_B);
	cr_assert_eq(pt_discard(s.b.minor) + pt_discard(s.pt.link.minor), 0, "nothing sent");
	cr_assert_eq(t_close(rx), 0);
	cr_assert_eq(t_close(fd), 0);
	pk_close(&s);
}
