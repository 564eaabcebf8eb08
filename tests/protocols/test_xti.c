/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XTI library over timod and udp: states and errors, addresses, datagrams both ways, the
 * look buffer, options, flow control and the events of poll mode, and the zero-copy calls.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_launch.h>

#include <protocols/xti/xti.h>
#include <streams/loop.h>

#include "udp_test.h"

#include <criterion/redirect.h>

TestSuite(xti, .init = yt_setup, .fini = yt_teardown);

#define BCAST_ADDR PT_IPV4(198, 18, 0, 255)

static unsigned
rd16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

static int
xopen(void)
{
	int fd = t_open(UDP_DRVNAME, O_RDWR | O_NONBLOCK, NULL);

	cr_assert_geq(fd, 0, "t_open: t_errno %d", t_errno);
	return fd;
}

/* t_bind to (addr, port); 0 or the t_errno. */
static int
xbind(int fd, uint32_t addr, uint16_t port, struct sockaddr_in *bound)
{
	struct sockaddr_in sin = ut_sin(addr, port), out;
	struct t_bind req = { .addr = { .maxlen = sizeof(sin), .len = sizeof(sin), .buf = &sin } };
	struct t_bind ret = { .addr = { .maxlen = sizeof(out), .buf = &out } };

	if (t_bind(fd, &req, &ret) < 0)
		return t_errno;
	cr_assert_eq(ret.addr.len, sizeof(out));
	if (bound != NULL)
		*bound = out;
	return 0;
}

static int
xsend(int fd, uint32_t addr, uint16_t port, const void *data, size_t len)
{
	struct sockaddr_in sin = ut_sin(addr, port);
	struct t_unitdata ud = {
		.addr = { .maxlen = sizeof(sin), .len = sizeof(sin), .buf = &sin },
		.udata = { .maxlen = (unsigned)len, .len = (unsigned)len, .buf = (void *)data },
	};

	return t_sndudata(fd, &ud) < 0 ? t_errno : 0;
}

/* One option of t_optmgmt: the status of the option answered, and its value in *v. */
static t_uscalar_t
xopt(int fd, t_scalar_t flags, t_uscalar_t level, t_uscalar_t name, uint32_t v, size_t vlen,
     uint32_t *out, t_scalar_t *mgmt)
{
	uint8_t ib[64], ob[256];
	struct t_opthdr *ih = (struct t_opthdr *)ib, *oh;
	struct t_optmgmt req = { .opt = { .len = (unsigned)(sizeof(*ih) + vlen), .buf = ib },
				 .flags = flags };
	struct t_optmgmt ret = { .opt = { .maxlen = sizeof(ob), .buf = ob } };

	ih->len = (t_uscalar_t)(sizeof(*ih) + vlen);
	ih->level = level;
	ih->name = name;
	ih->status = 0;
	if (vlen == 1)
		ib[sizeof(*ih)] = (uint8_t)v;
	else if (vlen == 4)
		memcpy(ib + sizeof(*ih), &v, 4);
	cr_assert_eq(t_optmgmt(fd, &req, &ret), 0, "t_optmgmt: t_errno %d", t_errno);
	if (mgmt != NULL)
		*mgmt = ret.flags;
	oh = T_OPT_FIRSTHDR(&ret.opt);
	cr_assert_not_null(oh, "an option came back");
	cr_assert_eq(oh->level, level);
	cr_assert_eq(oh->name, name);
	if (out != NULL) {
		if (oh->len == sizeof(*oh) + 1)
			*out = *T_OPT_DATA(oh);
		else if (oh->len == sizeof(*oh) + 4)
			memcpy(out, T_OPT_DATA(oh), 4);
		else
			*out = UINT32_MAX;
	}
	return oh->status;
}

/* ---- open, states, bind ------------------------------------------------------------------- */

YT_TEST(xti, opens_an_unbound_endpoint_and_describes_the_provider)
{
	struct t_info info;
	int fd = t_open(UDP_DRVNAME, O_RDWR, &info);

	cr_assert_geq(fd, 0);
	cr_assert_eq(info.servtype, T_CLTS);
	cr_assert_eq(info.tsdu, 65507);
	cr_assert_eq(info.addr, (t_scalar_t)sizeof(struct sockaddr_in));
	cr_assert_eq(info.etsdu, T_INVALID);
	cr_assert_eq(info.flags & T_SENDZERO, T_SENDZERO);
	cr_assert_eq(t_getstate(fd), T_UNBND);
	cr_assert_not_null(yard_t_stream(fd));
	cr_assert_eq(sth_ioctl(yard_t_stream(fd), I_FIND, (intptr_t)"timod"), 1, "timod pushed");
	cr_assert_eq(t_close(fd), 0);
}

YT_TEST(xti, refuses_an_unknown_provider_and_bad_flags)
{
	cr_assert_eq(t_open("nosuch", O_RDWR, NULL), -1);
	cr_assert_eq(t_errno, TBADNAME);
	cr_assert_eq(t_open(UDP_DRVNAME, O_RDONLY, NULL), -1);
	cr_assert_eq(t_errno, TBADFLAG);
	cr_assert_eq(t_open(UDP_DRVNAME, O_RDWR | O_APPEND, NULL), -1);
	cr_assert_eq(t_errno, TBADFLAG);
	cr_assert_eq(t_getstate(-1), -1);
	cr_assert_eq(t_errno, TBADF);
	cr_assert_eq(t_getstate(YARD_T_MAX_FDS - 1), -1);
	cr_assert_eq(t_errno, TBADF);
}

YT_TEST(xti, follows_the_state_machine)
{
	int fd = xopen();
	struct t_unitdata ud;
	char buf[16];
	int flags = 0;

	memset(&ud, 0, sizeof(ud));
	ud.udata = (struct netbuf){ .maxlen = sizeof(buf), .buf = buf };
	cr_assert_eq(t_unbind(fd), -1);
	cr_assert_eq(t_errno, TOUTSTATE, "unbind when unbound");
	cr_assert_eq(xsend(fd, PT_ADDR_PEER, 9, "x", 1), TOUTSTATE, "send before bind");
	cr_assert_eq(t_rcvudata(fd, &ud, &flags), -1);
	cr_assert_eq(t_errno, TOUTSTATE, "receive before bind");
	cr_assert_eq(xbind(fd, 0, 9100, NULL), 0);
	cr_assert_eq(t_getstate(fd), T_IDLE);
	cr_assert_eq(xbind(fd, 0, 9101, NULL), TOUTSTATE, "bind twice");
	cr_assert_eq(t_getstate(fd), T_IDLE);
	cr_assert_eq(t_unbind(fd), 0);
	cr_assert_eq(t_getstate(fd), T_UNBND);
	cr_assert_eq(xbind(fd, 0, 9100, NULL), 0, "the port was freed");
	cr_assert_eq(t_close(fd), 0);
	cr_assert_eq(t_getstate(fd), -1);
	cr_assert_eq(t_errno, TBADF, "closed");
	cr_assert_eq(t_close(fd), -1);
	cr_assert_eq(t_errno, TBADF);
}

YT_TEST(xti, refuses_bad_addresses_with_tbadaddr)
{
	int fd = xopen();
	struct sockaddr_in sin = ut_sin(0, 9200);
	uint8_t big[32] = { 0 };
	struct t_bind req = { .addr = { .maxlen = 8, .len = 8, .buf = &sin } };

	cr_assert_eq(t_bind(fd, &req, NULL), -1);
	cr_assert_eq(t_errno, TBADADDR, "too short");
	sin.sin_family = AF_UNIX;
	req.addr.len = sizeof(sin);
	cr_assert_eq(t_bind(fd, &req, NULL), -1);
	cr_assert_eq(t_errno, TBADADDR, "not AF_INET");
	req.addr = (struct netbuf){ .maxlen = sizeof(big), .len = sizeof(big), .buf = big };
	cr_assert_eq(t_bind(fd, &req, NULL), -1);
	cr_assert_eq(t_errno, TBADADDR, "longer than the provider's addresses");
	cr_assert_eq(t_getstate(fd), T_UNBND);
	cr_assert_eq(t_close(fd), 0);
}

YT_TEST(xti, refuses_a_taken_port_with_taddrbusy)
{
	int a = xopen(), b = xopen();

	cr_assert_eq(xbind(a, 0, 9300, NULL), 0);
	cr_assert_eq(xbind(b, 0, 9300, NULL), TADDRBUSY);
	cr_assert_eq(t_getstate(b), T_UNBND);
	cr_assert_eq(t_close(a), 0);
	cr_assert_eq(xbind(b, 0, 9300, NULL), 0);
	cr_assert_eq(t_close(b), 0);
}

YT_TEST(xti, binds_an_ephemeral_port_and_reports_a_short_buffer)
{
	int fd = xopen(), fd2 = xopen();
	struct sockaddr_in out;
	uint8_t small[4];
	struct t_bind ret = { .addr = { .maxlen = sizeof(out), .buf = &out } };
	struct t_bind ret2 = { .addr = { .maxlen = sizeof(small), .buf = small } };

	cr_assert_eq(t_bind(fd, NULL, &ret), 0, "no address: the provider chooses");
	cr_assert_eq(ret.addr.len, sizeof(out));
	cr_assert_geq(rte_be_to_cpu_16(out.sin_port), UDP_PORT_EPH_LO);
	cr_assert_eq(t_bind(fd2, NULL, &ret2), -1);
	cr_assert_eq(t_errno, TBUFOVFLW);
	cr_assert_eq(t_getstate(fd2), T_IDLE, "bound all the same");
	cr_assert_eq(t_close(fd), 0);
	cr_assert_eq(t_close(fd2), 0);
}

/* ---- datagrams ---------------------------------------------------------------------------- */

YT_TEST(xti, says_tnodata_when_nothing_is_queued)
{
	int fd = xopen();
	struct t_unitdata ud;
	char buf[16];
	int flags = -1;

	cr_assert_eq(xbind(fd, 0, 9400, NULL), 0);
	memset(&ud, 0, sizeof(ud));
	ud.udata = (struct netbuf){ .maxlen = sizeof(buf), .buf = buf };
	cr_assert_eq(t_rcvudata(fd, &ud, &flags), -1);
	cr_assert_eq(t_errno, TNODATA);
	cr_assert_eq(t_look(fd), 0);
	cr_assert_eq(t_close(fd), 0);
}

YT_TEST(xti, sends_and_receives_datagrams)
{
	struct ut_stack s;
	int fd;
	uint8_t f[UT_FRAME_MAX], buf[100];
	struct sockaddr_in from;
	struct t_unitdata ud;
	size_t n;
	int flags = -1;

	ut_stack_open(&s, 0, 1500);
	fd = xopen();
	cr_assert_eq(xbind(fd, 0, 9500, NULL), 0);
	cr_assert_eq(xsend(fd, PT_ADDR_PEER, 4000, "datagram", 8), 0);
	yt_drain();
	n = pt_take(s.pt.link.minor, f, sizeof(f));
	cr_assert_eq(n, 14 + 20 + 8 + 8);
	cr_assert_eq(rd16(f + 34), 9500);
	cr_assert_eq(rd16(f + 36), 4000);
	cr_assert_eq(ut_udp_cksum(PT_ADDR_US, PT_ADDR_PEER, f + 34, 16), 0);
	cr_assert_arr_eq(f + 42, "datagram", 8);

	n = ut_frame(f, 4001, 9500, NULL, 50);
	pt_inject(s.pt.link.minor, f, n);
	cr_assert_eq(t_look(fd), T_DATA);
	memset(&ud, 0, sizeof(ud));
	ud.addr = (struct netbuf){ .maxlen = sizeof(from), .buf = &from };
	ud.udata = (struct netbuf){ .maxlen = 20, .buf = buf };
	cr_assert_eq(t_rcvudata(fd, &ud, &flags), 0);
	cr_assert_eq(flags, T_MORE, "20 of 50 bytes: more to come");
	cr_assert_eq(ud.udata.len, 20);
	cr_assert_eq(ud.addr.len, sizeof(from));
	cr_assert_eq(from.sin_addr.s_addr, PT_ADDR_PEER);
	cr_assert_eq(rte_be_to_cpu_16(from.sin_port), 4001);
	ud.udata = (struct netbuf){ .maxlen = 100, .buf = buf + 20 };
	cr_assert_eq(t_rcvudata(fd, &ud, &flags), 0);
	cr_assert_eq(flags, 0, "the rest");
	cr_assert_eq(ud.udata.len, 30);
	for (size_t i = 0; i < 50; i++)
		cr_assert_eq(buf[i], ut_pat(i));
	cr_assert_eq(t_rcvudata(fd, &ud, &flags), -1);
	cr_assert_eq(t_errno, TNODATA);
	cr_assert_eq(t_close(fd), 0);
	ut_stack_close(&s);
}

YT_TEST(xti, carries_60000_bytes_both_ways)
{
	static uint8_t data[60000], body[60008], back[61000];
	struct ut_stack s;
	struct t_unitdata ud;
	unsigned nfrags;
	uint8_t proto;
	uint32_t src, dst;
	int fd, flags = -1;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = ut_pat(i + 3);
	ut_stack_open(&s, 0, 9000);
	fd = xopen();
	cr_assert_eq(xbind(fd, 0, 9600, NULL), 0);
	cr_assert_eq(xsend(fd, PT_ADDR_PEER, 4000, data, sizeof(data)), 0);
	yt_drain();
	cr_assert_eq(ut_take_datagram(s.pt.link.minor, back, sizeof(back), &nfrags, &proto, &src,
				      &dst), 60008);
	cr_assert_eq(nfrags, 7);
	cr_assert_eq(ut_udp_cksum(src, dst, back, 60008), 0);
	cr_assert_arr_eq(back + 8, data, sizeof(data));

	(void)ut_udp(body, PT_ADDR_PEER, PT_ADDR_US, 4000, 9600, data, sizeof(data));
	ut_inject_fragments(s.pt.link.minor, 0x5151, body, sizeof(body), 9000);
	memset(&ud, 0, sizeof(ud));
	ud.udata = (struct netbuf){ .maxlen = sizeof(back), .buf = back };
	cr_assert_eq(t_rcvudata(fd, &ud, &flags), 0);
	cr_assert_eq(flags, 0);
	cr_assert_eq(ud.udata.len, 60000);
	cr_assert_arr_eq(back, data, sizeof(data));
	cr_assert_eq(t_close(fd), 0);
	ut_stack_close(&s);
}

YT_TEST(xti, looks_at_errors_before_data_and_takes_them_with_t_rcvuderr)
{
	struct ut_bare b;
	int fd;
	uint8_t d[128], buf[64];
	size_t n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 4000, 9700, NULL, 10);
	struct sockaddr_in to;
	struct t_uderr ue = { .addr = { .maxlen = sizeof(to), .buf = &to } };
	struct t_unitdata ud;
	int flags;

	ut_bare_open(&b, false);
	fd = xopen();
	cr_assert_eq(xbind(fd, 0, 9700, NULL), 0);
	cr_assert_eq(xsend(fd, BCAST_ADDR, 53, "q", 1), 0, "accepted; refused by udp later");
	yt_drain();
	(void)ut_bare_inject(&b, d, n);
	cr_assert_eq(t_look(fd), T_UDERR);
	memset(&ud, 0, sizeof(ud));
	ud.udata = (struct netbuf){ .maxlen = sizeof(buf), .buf = buf };
	cr_assert_eq(t_rcvudata(fd, &ud, &flags), -1);
	cr_assert_eq(t_errno, TLOOK, "an error indication is first");
	cr_assert_eq(t_look(fd), T_UDERR, "still there");
	cr_assert_eq(t_rcvuderr(fd, &ue), 0);
	cr_assert_eq(ue.error, EACCES);
	cr_assert_eq(ue.addr.len, sizeof(to));
	cr_assert_eq(to.sin_addr.s_addr, BCAST_ADDR);
	cr_assert_eq(rte_be_to_cpu_16(to.sin_port), 53);
	cr_assert_eq(t_look(fd), T_DATA);
	cr_assert_eq(t_rcvuderr(fd, NULL), -1);
	cr_assert_eq(t_errno, TNOUDERR);
	cr_assert_eq(t_rcvudata(fd, &ud, &flags), 0);
	cr_assert_eq(ud.udata.len, 10);
	cr_assert_eq(t_look(fd), 0);
	cr_assert_eq(t_close(fd), 0);
	ut_bare_close(&b);
}

/* ---- options ------------------------------------------------------------------------------ */

YT_TEST(xti, negotiates_checks_and_reports_options)
{
	int fd = xopen();
	uint32_t v;
	t_scalar_t mgmt;

	cr_assert_eq(xopt(fd, T_DEFAULT, XTI_GENERIC, XTI_RCVBUF, 0, 0, &v, &mgmt), T_SUCCESS);
	cr_assert_eq(v, UDP_RCVBUF_DEFAULT);
	cr_assert_eq(xopt(fd, T_NEGOTIATE, XTI_GENERIC, XTI_RCVBUF, 65536, 4, &v, &mgmt), T_SUCCESS);
	cr_assert_eq(v, 65536);
	cr_assert_eq(mgmt, T_SUCCESS);
	cr_assert_eq(xopt(fd, T_CURRENT, XTI_GENERIC, XTI_RCVBUF, 0, 0, &v, NULL), T_SUCCESS);
	cr_assert_eq(v, 65536);
	cr_assert_eq(STH_RQ(yard_t_stream(fd))->q_hiwat, 65536, "the stream head holds that much");
	cr_assert_eq(xopt(fd, T_NEGOTIATE, XTI_GENERIC, XTI_SNDBUF, 1u << 30, 4, &v, &mgmt),
		     T_PARTSUCCESS);
	cr_assert_eq(v, UDP_SNDBUF_MAX, "clamped");
	cr_assert_eq(mgmt, T_PARTSUCCESS);
	cr_assert_eq(xopt(fd, T_NEGOTIATE, T_INET_IP, T_IP_TTL, 9, 1, &v, NULL), T_SUCCESS);
	cr_assert_eq(v, 9);
	cr_assert_eq(xopt(fd, T_NEGOTIATE, T_INET_IP, T_IP_TOS, 0x10, 4, &v, NULL), T_SUCCESS);
	cr_assert_eq(v, 0x10);
	cr_assert_eq(xopt(fd, T_CHECK, T_INET_IP, T_IP_TTL, 0, 1, NULL, &mgmt), T_FAILURE);
	cr_assert_eq(mgmt, T_FAILURE);
	cr_assert_eq(xopt(fd, T_CURRENT, T_INET_IP, T_IP_TTL, 0, 0, &v, NULL), T_SUCCESS);
	cr_assert_eq(v, 9, "T_CHECK changed nothing");
	cr_assert_eq(xopt(fd, T_NEGOTIATE, T_INET_IP, T_IP_BROADCAST, 7, 4, NULL, NULL), T_FAILURE);
	cr_assert_eq(xopt(fd, T_NEGOTIATE, T_INET_IP, T_IP_BROADCAST, T_YES, 4, &v, NULL),
		     T_SUCCESS);
	cr_assert_eq(v, T_YES);
	cr_assert_eq(xopt(fd, T_DEFAULT, T_INET_UDP, T_UDP_CHECKSUM, 0, 0, &v, NULL), T_SUCCESS);
	cr_assert_eq(v, T_YES);
	cr_assert_eq(xopt(fd, T_CURRENT, T_INET_IP, T_IP_DONTROUTE, 0, 0, NULL, &mgmt),
		     T_NOTSUPPORT);
	cr_assert_eq(mgmt, T_NOTSUPPORT);
	cr_assert_eq(t_close(fd), 0);
}

YT_TEST(xti, lists_every_option_of_a_level)
{
	int fd = xopen();
	uint8_t ib[32], ob[256];
	struct t_opthdr *ih = (struct t_opthdr *)ib, *oh;
	struct t_optmgmt req = { .opt = { .len = sizeof(*ih), .buf = ib }, .flags = T_CURRENT };
	struct t_optmgmt ret = { .opt = { .maxlen = sizeof(ob), .buf = ob } };
	unsigned count = 0;

	*ih = (struct t_opthdr){ .len = sizeof(*ih), .level = T_INET_IP, .name = T_ALLOPT };
	cr_assert_eq(t_optmgmt(fd, &req, &ret), 0);
	for (oh = T_OPT_FIRSTHDR(&ret.opt); oh != NULL; oh = T_OPT_NEXTHDR(&ret.opt, oh)) {
		cr_assert_eq(oh->level, T_INET_IP);
		cr_assert_eq(oh->status, T_SUCCESS);
		count++;
	}
	/* The membership options are actions, not values: not listed. */
	cr_assert_eq(count, 7, "T_IP_BROADCAST, T_IP_TOS, T_IP_TTL, T_IP_MULTICAST_TTL, "
		     "T_IP_MULTICAST_IF, T_IP_MULTICAST_LOOP, T_IP_PKTINFO");
	ret.opt.maxlen = 8;
	cr_assert_eq(t_optmgmt(fd, &req, &ret), -1);
	cr_assert_eq(t_errno, TBUFOVFLW);
	cr_assert_eq(t_close(fd), 0);
}

YT_TEST(xti, refuses_bad_flags_and_malformed_options)
{
	int fd = xopen();
	uint8_t ib[64], ob[64];
	struct t_opthdr *ih = (struct t_opthdr *)ib;
	struct t_optmgmt req = { .opt = { .len = sizeof(*ih), .buf = ib }, .flags = T_CHECK };
	struct t_optmgmt ret = { .opt = { .maxlen = sizeof(ob), .buf = ob } };

	*ih = (struct t_opthdr){ .len = sizeof(*ih), .level = XTI_GENERIC, .name = XTI_RCVBUF };
	req.flags = T_CHECK | T_NEGOTIATE;
	cr_assert_eq(t_optmgmt(fd, &req, &ret), -1);
	cr_assert_eq(t_errno, TBADFLAG);
	req.flags = T_NEGOTIATE;
	ih->len = 8; /* shorter than its header */
	cr_assert_eq(t_optmgmt(fd, &req, &ret), -1);
	cr_assert_eq(t_errno, TBADOPT);
	ih->len = sizeof(*ih) + 40; /* beyond the buffer */
	cr_assert_eq(t_optmgmt(fd, &req, &ret), -1);
	cr_assert_eq(t_errno, TBADOPT);
	ih->len = sizeof(*ih) + 2; /* a two-byte value for a t_uscalar_t */
	req.opt.len = sizeof(*ih) + 2;
	cr_assert_eq(t_optmgmt(fd, &req, &ret), -1);
	cr_assert_eq(t_errno, TBADOPT);
	*ih = (struct t_opthdr){ .len = sizeof(*ih), .level = T_INET_IP, .name = T_ALLOPT };
	req = (struct t_optmgmt){ .opt = { .len = sizeof(*ih), .buf = ib }, .flags = T_CHECK };
	cr_assert_eq(t_optmgmt(fd, &req, &ret), -1);
	cr_assert_eq(t_errno, TBADOPT, "T_ALLOPT cannot be checked");
	cr_assert_eq(t_close(fd), 0);
}

/* ---- information -------------------------------------------------------------------------- */

YT_TEST(xti, reports_addresses_info_and_state)
{
	struct ut_bare b;
	int fd;
	struct sockaddr_in loc, rem;
	struct t_bind bound = { .addr = { .maxlen = sizeof(loc), .buf = &loc } };
	struct t_bind peer = { .addr = { .maxlen = sizeof(rem), .buf = &rem } };
	struct t_info info;

	ut_bare_open(&b, false);
	fd = xopen();
	cr_assert_eq(t_getprotaddr(fd, &bound, &peer), 0);
	cr_assert_eq(bound.addr.len, 0, "unbound");
	cr_assert_eq(xbind(fd, PT_ADDR_US, 9800, NULL), 0);
	cr_assert_eq(t_getprotaddr(fd, &bound, &peer), 0);
	cr_assert_eq(bound.addr.len, sizeof(loc));
	cr_assert_eq(loc.sin_addr.s_addr, PT_ADDR_US);
	cr_assert_eq(rte_be_to_cpu_16(loc.sin_port), 9800);
	cr_assert_eq(peer.addr.len, 0, "connectionless: no peer");
	cr_assert_eq(t_getinfo(fd, &info), 0);
	cr_assert_eq(info.tsdu, 65507);
	cr_assert_eq(t_sync(fd), T_IDLE);
	cr_assert_eq(t_close(fd), 0);
	ut_bare_close(&b);
}

YT_TEST(xti, allocates_buffers_from_the_provider_limits)
{
	int fd = xopen();
	struct t_unitdata *ud = t_alloc(fd, T_UNITDATA, T_ALL);
	struct t_bind *bd = t_alloc(fd, T_BIND, T_ADDR);
	struct t_uderr *ue = t_alloc(fd, T_UDERROR, T_ADDR);
	struct t_info *ti = t_alloc(fd, T_INFO, 0);
	struct t_call *call = t_alloc(fd, T_CALL, T_ALL);

	cr_assert_not_null(ud);
	cr_assert_eq(ud->addr.maxlen, sizeof(struct sockaddr_in));
	cr_assert_eq(ud->udata.maxlen, 65507);
	cr_assert_eq(ud->opt.maxlen, 512);
	cr_assert_not_null(ud->udata.buf);
	cr_assert_not_null(bd);
	cr_assert_eq(bd->addr.maxlen, sizeof(struct sockaddr_in));
	cr_assert_not_null(ue);
	cr_assert_eq(ue->opt.maxlen, 0, "not asked for");
	cr_assert_not_null(ti);
	cr_assert_not_null(call);
	cr_assert_eq(call->udata.maxlen, 0, "no connect data: T_INVALID");
	cr_assert_null(t_alloc(fd, 99, T_ALL));
	cr_assert_eq(t_errno, TNOSTRUCTYPE);
	cr_assert_eq(t_free(ud, T_UNITDATA), 0);
	cr_assert_eq(t_free(bd, T_BIND), 0);
	cr_assert_eq(t_free(ue, T_UDERROR), 0);
	cr_assert_eq(t_free(ti, T_INFO), 0);
	cr_assert_eq(t_free(call, T_CALL), 0);
	cr_assert_eq(t_close(fd), 0);
}

/* ---- poll mode: flow control and events ---------------------------------------------------- */

static int ev_seen;
static int ev_calls;

static void
on_event(int fd, int events, void *arg)
{
	(void)fd;
	(void)arg;
	ev_seen |= events;
	ev_calls++;
}

static void
release_loop(struct ut_bare *b)
{
	mblk_t *mp = mkiocb(LOOP_RELEASE);

	cr_assert_not_null(mp);
	putnext(b->loop->sd_wrq, mp);
	yt_drain();
}

YT_TEST(xti, says_tflow_under_flow_control_and_godata_when_it_clears)
{
	struct ut_bare b;
	static uint8_t data[1000];
	int fd, rc, sent = 0;

	ut_bare_open(&b, true);
	fd = xopen();
	cr_assert_eq(xbind(fd, 0, 9900, NULL), 0);
	cr_assert_eq(yard_t_set_notify(fd, T_GODATA, on_event, NULL), 0);
	while ((rc = xsend(fd, PT_ADDR_PEER, 9, data, sizeof(data))) == 0) {
		yt_drain();
		cr_assert_lt(++sent, 1000);
	}
	cr_assert_eq(rc, TFLOW);
	cr_assert_eq(ev_seen, 0);
	cr_assert_eq(t_look(fd), 0, "nothing yet");
	release_loop(&b);
	cr_assert_eq(ev_seen, T_GODATA, "the callback heard flow control clear");
	cr_assert_eq(t_look(fd), T_GODATA);
	cr_assert_eq(t_look(fd), 0, "reported once");
	cr_assert_eq(xsend(fd, PT_ADDR_PEER, 9, data, sizeof(data)), 0);
	cr_assert_eq(t_close(fd), 0);
	ut_bare_close(&b);
}

/*
 * The whole stack: a full link holds udp back in ip (ip_output.c), ip's queue fills, and the
 * endpoint hears TFLOW, then T_GODATA once the link drains; every datagram sent goes out.
 */
YT_TEST(xti, says_tflow_when_a_full_link_holds_udp_back_in_ip)
{
	struct ut_stack s;
	static uint8_t data[1400];
	uint8_t f[UT_FRAME_MAX];
	struct ip_stats is;
	unsigned frames = 0;
	int fd, rc, sent = 0;

	ut_stack_open(&s, 0, 1500);
	fd = xopen();
	cr_assert_eq(xbind(fd, 0, 9900, NULL), 0);
	cr_assert_eq(yard_loop_hold(s.pt.link.minor, true), 0);
	while ((rc = xsend(fd, PT_ADDR_PEER, 9, data, sizeof(data))) == 0) {
		yt_drain();
		cr_assert_lt(++sent, 5000);
	}
	cr_assert_eq(rc, TFLOW);
	is = pt_ipstat(s.pt.ip);
	cr_assert_eq(is.is_ip.ips_tx_held, 1, "ip held udp back");
	cr_assert_eq(is.is_ip.ips_drop_tx_flow, 0);
	cr_assert_eq(t_look(fd), 0);
	cr_assert_eq(yard_loop_hold(s.pt.link.minor, false), 0);
	yt_drain();
	cr_assert_eq(t_look(fd), T_GODATA, "flow control cleared");
	while (pt_take(s.pt.link.minor, f, sizeof(f)) != 0)
		frames++;
	cr_assert_eq(frames, (unsigned)sent, "every datagram went (%u of %d)", frames, sent);
	cr_assert_eq(pt_ipstat(s.pt.ip).is_ip.ips_drop_tx_flow, 0);
	cr_assert_eq(xsend(fd, PT_ADDR_PEER, 9, data, sizeof(data)), 0);
	cr_assert_eq(t_close(fd), 0);
	ut_stack_close(&s);
}

YT_TEST(xti, calls_back_on_data_and_errors_without_polling)
{
	struct ut_bare b;
	uint8_t d[128];
	size_t n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 4000, 9950, NULL, 10);
	int fd;

	ut_bare_open(&b, false);
	fd = xopen();
	cr_assert_eq(xbind(fd, 0, 9950, NULL), 0);
	cr_assert_eq(yard_t_set_notify(fd, T_DATA | T_UDERR, on_event, NULL), 0);
	(void)ut_bare_inject(&b, d, n);
	cr_assert_eq(ev_seen, T_DATA);
	cr_assert_eq(ev_calls, 1);
	(void)ut_bare_inject(&b, d, n);
	cr_assert_eq(ev_calls, 1, "edge triggered: the queue was not empty");
	for (int i = 0; i < 2; i++) {
		uint8_t buf[64];
		struct t_unitdata ud = { .udata = { .maxlen = sizeof(buf), .buf = buf } };
		int flags = -1;

		cr_assert_eq(t_rcvudata(fd, &ud, &flags), 0);
		cr_assert_eq(flags, 0);
		cr_assert_eq(ud.udata.len, 10);
	}
	ev_seen = 0;
	cr_assert_eq(xsend(fd, BCAST_ADDR, 53, "x", 1), 0);
	yt_drain();
	cr_assert_eq(ev_seen, T_UDERR);
	cr_assert_eq(t_rcvuderr(fd, NULL), 0);
	cr_assert_eq(yard_t_set_notify(fd, 0, NULL, NULL), 0);
	ev_seen = 0;
	(void)ut_bare_inject(&b, d, n);
	cr_assert_eq(ev_seen, 0, "no callback once stopped");
	cr_assert_eq(t_close(fd), 0);
	ut_bare_close(&b);
}

/* ---- zero copy ---------------------------------------------------------------------------- */

YT_TEST(xti, hands_over_the_received_buffer_and_sends_a_message_as_it_is)
{
	struct ut_bare b;
	uint8_t d[256];
	size_t n = ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, 4000, 9990, NULL, 64);
	struct sockaddr_in from;
	struct netbuf nb = { .maxlen = sizeof(from), .buf = &from };
	struct yard_msgstat before, after;
	mblk_t *inj, *mp, *out;
	int fd;

	ut_bare_open(&b, false);
	fd = xopen();
	cr_assert_eq(xbind(fd, 0, 9990, NULL), 0);
	cr_assert_eq(yard_t_rcvudata_mblk(fd, &nb, &mp), -1);
	cr_assert_eq(t_errno, TNODATA);
	inj = yard_allocb_hr(n, RTE_PKTMBUF_HEADROOM);
	memcpy(inj->b_wptr, d, n);
	inj->b_wptr += n;
	yard_msgstat_sum(&before);
	cr_assert_eq(yard_loop_inject(b.minor, inj), 0);
	yt_drain();
	cr_assert_eq(yard_t_rcvudata_mblk(fd, &nb, &mp), 0);
	cr_assert_eq(mp, inj, "the very block that arrived");
	cr_assert_eq(MBLKL(mp), 64);
	cr_assert_arr_eq(mp->b_rptr, d + 28, 64);
	cr_assert_eq(nb.len, sizeof(from));
	cr_assert_eq(from.sin_addr.s_addr, PT_ADDR_PEER);
	/* Back to the sender, as it is. */
	cr_assert_eq(yard_t_sndudata_mblk(fd, &nb, mp), 0);
	yt_drain();
	yard_msgstat_sum(&after);
	cr_assert_eq(after.copied_bytes, before.copied_bytes, "no copy either way");
	out = yard_loop_take(b.minor);
	cr_assert_not_null(out);
	cr_assert_eq(DB_TYPE(out), M_PROTO);
	cr_assert_eq(out->b_cont, inj, "the same buffer goes down, the header in its headroom");
	cr_assert_eq(MBLKL(out->b_cont), 8 + 64);
	cr_assert_eq(rd16(out->b_cont->b_rptr), 9990);
	cr_assert_eq(rd16(out->b_cont->b_rptr + 2), 4000);
	freemsg(out);
	cr_assert_eq(t_close(fd), 0);
	ut_bare_close(&b);
}

YT_TEST(xti, keeps_the_message_when_a_zero_copy_send_is_refused)
{
	struct ut_bare b;
	struct sockaddr_in to = ut_sin(PT_ADDR_PEER, 9);
	struct netbuf nb = { .maxlen = sizeof(to), .len = sizeof(to), .buf = &to };
	mblk_t *mp;
	int fd, rc, sent = 0;

	ut_bare_open(&b, true);
	fd = xopen();
	cr_assert_eq(yard_t_sndudata_mblk(fd, &nb, NULL), -1);
	cr_assert_eq(t_errno, TOUTSTATE);
	cr_assert_eq(xbind(fd, 0, 9991, NULL), 0);
	for (;;) {
		mp = yard_allocb_hr(1000, UDP_WROFF);
		mp->b_wptr += 1000;
		rc = yard_t_sndudata_mblk(fd, &nb, mp);
		if (rc < 0)
			break;
		yt_drain();
		cr_assert_lt(++sent, 1000);
	}
	cr_assert_eq(t_errno, TFLOW);
	cr_assert_eq(DB_TYPE(mp), M_DATA, "still the caller's");
	freemsg(mp);
	cr_assert_eq(t_close(fd), 0);
	ut_bare_close(&b);
}

/* ---- zero copy bursts ---------------------------------------------------------------------- */

/* Inject one datagram (PT_ADDR_PEER:sport -> us:dport, dlen pattern bytes); the block. */
static mblk_t *
inject_dgram(struct ut_bare *b, uint16_t sport, uint16_t dport, size_t dlen)
{
	uint8_t d[256];

	return ut_bare_inject(b, d, ut_ipudp(d, PT_ADDR_PEER, PT_ADDR_US, sport, dport, NULL, dlen));
}

YT_TEST(xti, takes_a_burst_and_turns_it_around_in_place)
{
	struct ut_bare b;
	mblk_t *inj[5], *v[8], *out;
	struct yard_msgstat before, after;
	struct udpstat u0, u1;
	int fd;

	ut_bare_open(&b, false);
	fd = xopen();
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 8), -1);
	cr_assert_eq(t_errno, TOUTSTATE);
	cr_assert_eq(xbind(fd, 0, 9800, NULL), 0);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 8), -1);
	cr_assert_eq(t_errno, TNODATA);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 0), 0);
	for (unsigned i = 0; i < 5; i++)
		inj[i] = inject_dgram(&b, (uint16_t)(5000 + i), 9800, 30 + i);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 3), 3, "at most n");
	cr_assert_eq(yard_t_rcvudata_burst(fd, v + 3, 8), 2, "then the rest");
	for (unsigned i = 0; i < 5; i++) {
		const struct T_unitdata_ind *ind = (const struct T_unitdata_ind *)v[i]->b_rptr;
		struct netbuf nb;
		struct sockaddr_in sin;

		cr_assert_eq(DB_TYPE(v[i]), M_PROTO);
		cr_assert_eq(ind->PRIM_type, T_UNITDATA_IND);
		cr_assert_eq(v[i]->b_cont, inj[i], "the very block that arrived");
		cr_assert_eq(MBLKL(v[i]->b_cont), 30 + i);
		cr_assert_eq(yard_t_udata_addr(v[i], &nb), 0);
		cr_assert_eq(nb.len, sizeof(sin));
		memcpy(&sin, nb.buf, sizeof(sin));
		cr_assert_eq(sin.sin_addr.s_addr, PT_ADDR_PEER);
		cr_assert_eq(rte_be_to_cpu_16(sin.sin_port), 5000 + i);
		cr_assert_eq(yard_t_udata_reply(v[i]), 0);
		cr_assert_eq(((const struct T_unitdata_req *)v[i]->b_rptr)->PRIM_type, T_UNITDATA_REQ);
		cr_assert_eq(yard_t_udata_reply(v[i]), -1, "only an indication turns around");
		cr_assert_eq(t_errno, TBADDATA);
	}
	u0 = ut_udpstat(b.udp);
	yard_msgstat_sum(&before);
	cr_assert_eq(yard_t_sndudata_burst(fd, v, 5, YARD_T_ASRCVD), 5);
	yt_drain();
	yard_msgstat_sum(&after);
	u1 = ut_udpstat(b.udp);
	cr_assert_eq(after.copied_bytes, before.copied_bytes, "no copy");
	cr_assert_eq(u1.udps_tx_cksum_reused - u0.udps_tx_cksum_reused, 5);
	for (unsigned i = 0; i < 5; i++) {
		const struct ip_unitdata_req *iu;
		uint8_t *uh;

		out = yard_loop_take(b.minor);
		cr_assert_not_null(out, "request %u went down", i);
		cr_assert_eq(DB_TYPE(out), M_PROTO);
		iu = (const struct ip_unitdata_req *)out->b_rptr;
		cr_assert_eq(iu->iu_prim, IP_UNITDATA_REQ);
		cr_assert_eq(iu->iu_dst, PT_ADDR_PEER);
		cr_assert_eq(out, v[i], "the indication's block carried the request down");
		cr_assert_eq(out->b_cont, inj[i], "and the same data block");
		uh = out->b_cont->b_rptr;
		cr_assert_eq(rd16(uh), 9800);
		cr_assert_eq(rd16(uh + 2), 5000 + i);
		cr_assert_eq(ut_udp_cksum(iu->iu_src, iu->iu_dst, uh, MBLKL(out->b_cont)), 0,
			     "the reused checksum verifies");
		freemsg(out);
	}
	cr_assert_null(yard_loop_take(b.minor));
	cr_assert_eq(t_close(fd), 0);
	ut_bare_close(&b);
}

/*
 * An indication or request of a layout other than udp's common one (16-byte address right
 * after the primitive, no options), or one edited after it was checked, is checked in full:
 * the common layout is only a shortcut to the same verdict.
 */
static mblk_t *
udata_blk(t_scalar_t prim, t_scalar_t alen, t_scalar_t aoff, t_scalar_t olen, t_scalar_t ooff,
	  size_t len)
{
	mblk_t *mp = yt_msg(M_PROTO, len, 0);
	struct T_unitdata_req *req = (struct T_unitdata_req *)mp->b_rptr;

	req->PRIM_type = prim;
	req->DEST_length = alen;
	req->DEST_offset = aoff;
	req->OPT_length = olen;
	req->OPT_offset = ooff;
	return mp;
}

YT_TEST(xti, checks_in_full_what_is_not_the_common_layout)
{
	struct netbuf nb;
	struct T_unitdata_req *req;
	mblk_t *mp;

	/* The common layout. */
	mp = udata_blk(T_UNITDATA_IND, 16, 20, 0, 0, 36);
	cr_assert_eq(yard_t_udata_addr(mp, &nb), 0);
	cr_assert_eq(nb.len, 16);
	cr_assert_eq(nb.buf, mp->b_rptr + 20);
	cr_assert_eq(yard_t_udata_reply(mp), 0);
	req = (struct T_unitdata_req *)mp->b_rptr;
	cr_assert_eq(req->PRIM_type, T_UNITDATA_REQ);
	/* Edited after the reply: the address now lies outside the block. */
	req->DEST_offset = 400;
	cr_assert_eq(yard_t_udata_addr(mp, &nb), -1);
	cr_assert_eq(t_errno, TBADDATA);
	/* Edited to another well-formed layout: a shorter address. */
	req->DEST_offset = 20;
	req->DEST_length = 8;
	cr_assert_eq(yard_t_udata_addr(mp, &nb), 0);
	cr_assert_eq(nb.len, 8);
	/* The block cut short under its address. */
	req->DEST_length = 16;
	mp->b_wptr = mp->b_rptr + 30;
	cr_assert_eq(yard_t_udata_addr(mp, &nb), -1);
	cr_assert_eq(t_errno, TBADDATA);
	freemsg(mp);

	/* Options inside the block: accepted, and dropped by the reply. */
	mp = udata_blk(T_UNITDATA_IND, 16, 20, 8, 36, 44);
	cr_assert_eq(yard_t_udata_addr(mp, &nb), 0);
	cr_assert_eq(nb.len, 16);
	cr_assert_eq(yard_t_udata_reply(mp), 0);
	req = (struct T_unitdata_req *)mp->b_rptr;
	cr_assert_eq(req->PRIM_type, T_UNITDATA_REQ);
	cr_assert_eq(req->OPT_length, 0);
	cr_assert_eq(req->OPT_offset, 0);
	freemsg(mp);

	/* Options outside the block: neither the address nor the reply. */
	mp = udata_blk(T_UNITDATA_IND, 16, 20, 8, 40, 44);
	cr_assert_eq(yard_t_udata_addr(mp, &nb), -1);
	cr_assert_eq(yard_t_udata_reply(mp), -1);
	cr_assert_eq(t_errno, TBADDATA);
	freemsg(mp);

	/* The address further in (after padding): found where it is. */
	mp = udata_blk(T_UNITDATA_REQ, 16, 24, 0, 0, 40);
	cr_assert_eq(yard_t_udata_addr(mp, &nb), 0);
	cr_assert_eq(nb.buf, mp->b_rptr + 24);
	cr_assert_eq(yard_t_udata_reply(mp), -1, "a request does not turn around");
	freemsg(mp);

	/* The common header in the wrong message type, or of another primitive. */
	mp = udata_blk(T_UNITDATA_IND, 16, 20, 0, 0, 36);
	DB_TYPE(mp) = M_PCPROTO;
	cr_assert_eq(yard_t_udata_addr(mp, &nb), -1);
	cr_assert_eq(yard_t_udata_reply(mp), -1);
	DB_TYPE(mp) = M_PROTO;
	((struct T_unitdata_req *)mp->b_rptr)->PRIM_type = T_UDERROR_IND;
	cr_assert_eq(yard_t_udata_addr(mp, &nb), -1);
	cr_assert_eq(yard_t_udata_reply(mp), -1);
	freemsg(mp);
	cr_assert_eq(yard_t_udata_addr(NULL, &nb), -1);
	cr_assert_eq(yard_t_udata_reply(NULL), -1);
}

/* A request edited after yard_t_udata_reply() is checked again by the burst send. */
YT_TEST(xti, checks_a_request_edited_after_the_reply_again_on_send)
{
	struct ut_bare b;
	mblk_t *v[3], *out;
	unsigned taken = 0;
	int fd;

	ut_bare_open(&b, false);
	fd = xopen();
	cr_assert_eq(xbind(fd, 0, 9806, NULL), 0);
	for (unsigned i = 0; i < 3; i++)
		(void)inject_dgram(&b, (uint16_t)(5300 + i), 9806, 12);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 3), 3);
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(yard_t_udata_reply(v[i]), 0);
	/* Still well-formed, but not the common layout: an empty option part given an offset. */
	((struct T_unitdata_req *)v[0]->b_rptr)->OPT_offset = 20;
	((struct T_unitdata_req *)v[0]->b_rptr)->OPT_length = 0;
	/* Malformed: the address now runs past the block's end. */
	((struct T_unitdata_req *)v[1]->b_rptr)->DEST_length = 17;
	cr_assert_eq(yard_t_sndudata_burst(fd, v, 3, YARD_T_ASRCVD), 1, "the good prefix");
	cr_assert_eq(yard_t_sndudata_burst(fd, v + 1, 2, YARD_T_ASRCVD), -1);
	cr_assert_eq(t_errno, TBADDATA, "the edit is seen");
	freemsg(v[1]);
	cr_assert_eq(yard_t_sndudata_burst(fd, v + 2, 1, YARD_T_ASRCVD), 1);
	yt_drain();
	while ((out = yard_loop_take(b.minor)) != NULL) {
		freemsg(out);
		taken++;
	}
	cr_assert_eq(taken, 2);
	cr_assert_eq(t_close(fd), 0);
	ut_bare_close(&b);
}

/*
 * YARD_T_ASREPLY: a request yard_t_udata_reply() proved of the common layout leaves marked
 * and its header is not checked again on send, but its data still is; an unmarked request in
 * the same burst (not the reply's, or not the common layout) gets the full check.
 */
YT_TEST(xti, a_reply_sent_as_replied_has_only_its_data_checked_again)
{
	struct ut_bare b;
	mblk_t *v[4], *out;
	unsigned taken = 0;
	int fd;

	ut_bare_open(&b, false);
	fd = xopen();
	cr_assert_eq(xbind(fd, 0, 9808, NULL), 0);
	for (unsigned i = 0; i < 4; i++)
		(void)inject_dgram(&b, (uint16_t)(5500 + i), 9808, 12);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 4), 4);
	for (unsigned i = 0; i < 4; i++) {
		cr_assert_eq(v[i]->b_yflags & YB_TUDATA, 0, "the application gets it unmarked");
		v[i]->b_band = 3; /* the reply sends on band 0 */
		cr_assert_eq(yard_t_udata_reply(v[i]), 0);
		cr_assert_eq(v[i]->b_yflags & YB_TUDATA, YB_TUDATA, "the reply's proof");
		cr_assert_eq(v[i]->b_band, 0);
	}
	/* Not as the reply left it, and unmarked: well-formed, but not the common layout. */
	v[1]->b_yflags &= ~YB_TUDATA;
	((struct T_unitdata_req *)v[1]->b_rptr)->OPT_offset = 20;
	/* Marked, but its data is no M_DATA: refused even with the promise. */
	DB_TYPE(v[2]->b_cont) = M_CTL;
	cr_assert_eq(yard_t_sndudata_burst(fd, v, 4, YARD_T_ASRCVD | YARD_T_ASREPLY), 2,
		     "the good prefix: the unmarked one took the full check and passed");
	cr_assert_eq(v[2]->b_yflags & YB_TUDATA, 0, "handed back unmarked");
	cr_assert_eq(yard_t_sndudata_burst(fd, v + 2, 2, YARD_T_ASRCVD | YARD_T_ASREPLY), -1);
	cr_assert_eq(t_errno, TBADDATA);
	DB_TYPE(v[2]->b_cont) = M_DATA;
	/* Unmarked now: the full check, which it passes, and it is marked for udp again. */
	cr_assert_eq(yard_t_sndudata_burst(fd, v + 2, 2, YARD_T_ASRCVD | YARD_T_ASREPLY), 2);
	yt_drain();
	while ((out = yard_loop_take(b.minor)) != NULL) {
		const struct ip_unitdata_req *iu = (const struct ip_unitdata_req *)out->b_rptr;

		cr_assert_eq(iu->iu_prim, IP_UNITDATA_REQ);
		cr_assert_eq(iu->iu_dst, PT_ADDR_PEER);
		cr_assert_eq(rd16(out->b_cont->b_rptr + 2), 5500 + taken, "in order, to its sender");
		freemsg(out);
		taken++;
	}
	cr_assert_eq(taken, 4);
	cr_assert_eq(t_close(fd), 0);
	ut_bare_close(&b);
}

/* The reply marks only what it proved: a layout with options is not the common one. */
YT_TEST(xti, a_reply_of_another_layout_is_not_marked)
{
	mblk_t *mp = udata_blk(T_UNITDATA_IND, 16, 20, 8, 36, 44);

	mp->b_yflags = YB_TUDATA; /* whatever it wore before */
	cr_assert_eq(yard_t_udata_reply(mp), 0);
	cr_assert_eq(mp->b_yflags & YB_TUDATA, 0);
	freemsg(mp);
	mp = udata_blk(T_UNITDATA_IND, 16, 20, 0, 0, 36);
	cr_assert_eq(yard_t_udata_reply(mp), 0);
	cr_assert_eq(mp->b_yflags & YB_TUDATA, YB_TUDATA);
	freemsg(mp);
}

/* Put a message of type type (1 byte, value) up the endpoint's stream head. */
static void
sth_up(int fd, unsigned char type, unsigned char value)
{
	mblk_t *mp = yt_msg(type, 1, value);

	put(STH_RQ(yard_t_stream(fd)), mp);
}

/*
 * The burst receive goes the one-message way whenever the stream head has something to say
 * first: an M_SIG among the datagrams, a hang-up, a read error.
 */
YT_TEST(xti, a_receive_burst_defers_to_the_stream_head_on_signals_hangups_and_errors)
{
	struct ut_bare b;
	mblk_t *v[8];
	int fd;

	ut_bare_open(&b, false);
	fd = xopen();
	cr_assert_eq(xbind(fd, 0, 9807, NULL), 0);
	(void)inject_dgram(&b, 5400, 9807, 10);
	sth_up(fd, M_SIG, 1);               /* queued behind the datagram */
	(void)inject_dgram(&b, 5401, 9807, 10);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 8), 2, "the M_SIG is dropped between them");
	freemsg_burst(v, 2);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 8), -1);
	cr_assert_eq(t_errno, TNODATA);

	(void)inject_dgram(&b, 5402, 9807, 10);
	sth_up(fd, M_HANGUP, 0);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 8), 1, "what came before the hang-up");
	freemsg(v[0]);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 8), -1);
	cr_assert_eq(t_errno, TSYSERR, "then the end: hung up, not TNODATA");
	cr_assert_eq(errno, ENXIO);
	cr_assert_eq(t_close(fd), 0);

	fd = xopen();
	cr_assert_eq(xbind(fd, 0, 9808, NULL), 0);
	sth_up(fd, M_ERROR, EIO);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 8), -1);
	cr_assert_eq(t_errno, TSYSERR, "the read error");
	cr_assert_eq(errno, EIO);
	cr_assert_eq(t_close(fd), 0);
	ut_bare_close(&b);
}

/*
 * Up the endpoint's stream head: a T_UNITDATA_IND or _REQ (prim) from port with a 16-byte
 * address right after the primitive, olen bytes of options after it (0: udp's layout), 4
 * bytes of data, marked YB_TUDATA if asked, as udp (or a loop-back stream) would send it.
 */
static void
sth_up_udata(int fd, t_scalar_t prim, uint16_t port, t_scalar_t olen, bool mark)
{
	struct sockaddr_in sin = ut_sin(PT_ADDR_PEER, port);
	mblk_t *mp = udata_blk(prim, 16, 20, olen, olen != 0 ? 36 : 0, 36 + (size_t)olen);

	memset(mp->b_rptr + 36, 0, (size_t)olen);
	memcpy(mp->b_rptr + 20, &sin, sizeof(sin));
	mp->b_cont = yt_msg(M_DATA, 4, (unsigned char)port);
	if (mark) {
		mp->b_yflags |= YB_TUDATA | YB_MSGSIZE; /* and its size, as udp says it */
		mp->b_datap->db_cksum = (uint32_t)msgsize(mp);
	}
	put(STH_RQ(yard_t_stream(fd)), mp);
}

/* The port a datagram from sth_up_udata() came from. */
static uint16_t
udata_port(const mblk_t *mp)
{
	struct sockaddr_in sin;

	memcpy(&sin, mp->b_rptr + 20, sizeof(sin));
	return rte_be_to_cpu_16(sin.sin_port);
}

/*
 * A marked indication is taken on its mark (and type); an unmarked one, of udp's layout or
 * not, takes the full check, from inside the same burst; a marked request (a loop-back stream
 * could send one up) is not an indication. Nothing reaches the application marked.
 */
YT_TEST(xti, takes_marked_indications_on_the_mark_and_checks_the_rest_in_full)
{
	static const struct {
		t_scalar_t prim;
		t_scalar_t olen;
		bool mark;
	} up[] = {
		{ T_UNITDATA_IND, 0, true },  /* 6000 */
		{ T_UNITDATA_IND, 0, false }, /* 6001: unmarked, udp's layout */
		{ T_UNITDATA_IND, 8, false }, /* 6002: options: the long way */
		{ T_UNITDATA_IND, 0, true },  /* 6003: marked after unmarked */
		{ T_UNITDATA_REQ, 0, true },  /* 6004: marked, but a request */
		{ T_UNITDATA_IND, 0, true },  /* 6005 */
	};
	struct ut_bare b;
	mblk_t *v[8];
	int fd;

	ut_bare_open(&b, false);
	fd = xopen();
	cr_assert_eq(xbind(fd, 0, 9809, NULL), 0);
	for (unsigned i = 0; i < RTE_DIM(up); i++)
		sth_up_udata(fd, up[i].prim, (uint16_t)(6000 + i), up[i].olen, up[i].mark);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 8), 4, "up to the request");
	for (unsigned i = 0; i < 4; i++) {
		cr_assert_eq(((const struct T_unitdata_ind *)v[i]->b_rptr)->PRIM_type,
			     T_UNITDATA_IND);
		cr_assert_eq(udata_port(v[i]), 6000 + i, "in order");
		cr_assert_eq(v[i]->b_yflags & (YB_TUDATA | YB_MSGSIZE), 0,
			     "the application gets no mark");
		cr_assert_eq(yard_t_udata_reply(v[i]), 0);
	}
	freemsg_burst(v, 4);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 8), 1, "the request is not a datagram");
	cr_assert_eq(udata_port(v[0]), 6005);
	cr_assert_eq(v[0]->b_yflags & (YB_TUDATA | YB_MSGSIZE), 0);
	freemsg(v[0]);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 8), -1);
	cr_assert_eq(t_errno, TNODATA);

	/* The one-at-a-time receive hands over no mark either. */
	sth_up_udata(fd, T_UNITDATA_IND, 6006, 0, true);
	cr_assert_eq(yard_t_rcvudata_mblk(fd, NULL, &v[0]), 0);
	freemsg(v[0]);
	cr_assert_eq(t_close(fd), 0);
	ut_bare_close(&b);
}

YT_TEST(xti, sums_afresh_data_not_promised_unchanged)
{
	struct ut_bare b;
	mblk_t *v[2], *out;
	struct udpstat u0, u1;
	int fd;

	ut_bare_open(&b, false);
	fd = xopen();
	cr_assert_eq(xbind(fd, 0, 9801, NULL), 0);
	(void)inject_dgram(&b, 5100, 9801, 40);
	(void)inject_dgram(&b, 5101, 9801, 40);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 2), 2);
	v[0]->b_cont->b_rptr[3] ^= 0xff; /* the application changes the data */
	v[1]->b_cont->b_rptr[7] ^= 0x0f;
	cr_assert_eq(yard_t_udata_reply(v[0]), 0);
	cr_assert_eq(yard_t_udata_reply(v[1]), 0);
	u0 = ut_udpstat(b.udp);
	cr_assert_eq(yard_t_sndudata_burst(fd, v, 2, 0), 2);
	yt_drain();
	u1 = ut_udpstat(b.udp);
	cr_assert_eq(u1.udps_tx_cksum_ip - u0.udps_tx_cksum_ip, 2);
	cr_assert_eq(u1.udps_tx_cksum_reused, u0.udps_tx_cksum_reused);
	while ((out = yard_loop_take(b.minor)) != NULL) {
		const struct ip_unitdata_req *iu = (const struct ip_unitdata_req *)out->b_rptr;

		/* the data's sum is unknown now: ip is asked to complete the checksum */
		cr_assert_eq(iu->iu_flags & IP_UNITDATA_L4CK, IP_UNITDATA_L4CK);
		ut_udp_l4ck_complete(iu->iu_src, iu->iu_dst, out->b_cont->b_rptr,
				     MBLKL(out->b_cont));
		cr_assert_eq(ut_udp_cksum(iu->iu_src, iu->iu_dst, out->b_cont->b_rptr,
					  MBLKL(out->b_cont)), 0, "a checksum of the new bytes");
		freemsg(out);
	}
	cr_assert_eq(t_close(fd), 0);
	ut_bare_close(&b);
}

YT_TEST(xti, stops_a_receive_burst_at_an_error_indication)
{
	struct ut_bare b;
	mblk_t *v[8];
	int fd;

	ut_bare_open(&b, false);
	fd = xopen();
	cr_assert_eq(xbind(fd, 0, 9802, NULL), 0);
	(void)inject_dgram(&b, 5200, 9802, 10);
	(void)inject_dgram(&b, 5201, 9802, 10);
	cr_assert_eq(xsend(fd, BCAST_ADDR, 53, "x", 1), 0); /* refused: T_UDERROR_IND */
	yt_drain();
	(void)inject_dgram(&b, 5202, 9802, 10);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 8), 2, "the datagrams before the error");
	freemsg_burst(v, 2);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 8), -1);
	cr_assert_eq(t_errno, TLOOK);
	cr_assert_eq(t_rcvuderr(fd, NULL), 0);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 8), 1, "the one after it");
	freemsg(v[0]);
	cr_assert_eq(yard_t_rcvudata_burst(fd, v, 8), -1);
	cr_assert_eq(t_errno, TNODATA);
	cr_assert_eq(t_close(fd), 0);
	ut_bare_close(&b);
}

/* A T_UNITDATA_REQ to PT_ADDR_PEER:port with dlen bytes of data (NULL data when dlen is -1). */
static mblk_t *
udreq(uint16_t port, int dlen)
{
	struct sockaddr_in sin = ut_sin(PT_ADDR_PEER, port);
	struct T_unitdata_req *req;
	mblk_t *mp = allocb(sizeof(*req) + sizeof(sin), BPRI_MED);

	cr_assert_not_null(mp);
	DB_TYPE(mp) = M_PROTO;
	req = (struct T_unitdata_req *)mp->b_wptr;
	req->PRIM_type = T_UNITDATA_REQ;
	req->DEST_length = sizeof(sin);
	req->DEST_offset = sizeof(*req);
	req->OPT_length = 0;
	req->OPT_offset = 0;
	memcpy(req + 1, &sin, sizeof(sin));
	mp->b_wptr += sizeof(*req) + sizeof(sin);
	if (dlen >= 0) {
		mp->b_cont = yard_allocb_hr((size_t)dlen, UDP_WROFF);
		cr_assert_not_null(mp->b_cont);
		memset(mp->b_cont->b_wptr, 0x42, (size_t)dlen);
		mp->b_cont->b_wptr += dlen;
	}
	return mp;
}

/* The burst works out the provider's limits once: a band, and empty data, still stop it. */
YT_TEST(xti, a_burst_stops_at_a_banded_request_and_sends_empty_data_as_sendzero_says)
{
	struct ut_bare b;
	struct t_info info;
	mblk_t *v[3], *out;
	unsigned taken = 0, want;
	int fd;

	ut_bare_open(&b, false);
	fd = xopen();
	cr_assert_eq(xbind(fd, 0, 9804, NULL), 0);
	cr_assert_eq(t_getinfo(fd, &info), 0);
	v[0] = udreq(7, 10);
	v[1] = udreq(7, 10);
	v[1]->b_band = 1;
	v[2] = udreq(7, -1);                /* no data block: an empty datagram */
	cr_assert_eq(yard_t_sndudata_burst(fd, v, 3, 0), 1, "the band stops the burst");
	cr_assert_eq(yard_t_sndudata_burst(fd, v + 1, 2, 0), -1);
	cr_assert_eq(t_errno, TBADDATA, "band 1");
	freemsg(v[1]);
	if (info.flags & T_SENDZERO) {
		cr_assert_eq(yard_t_sndudata_burst(fd, v + 2, 1, 0), 1);
		want = 2;
	} else {
		cr_assert_eq(yard_t_sndudata_burst(fd, v + 2, 1, 0), -1);
		cr_assert_eq(t_errno, TBADDATA, "empty without T_SENDZERO");
		freemsg(v[2]);
		want = 1;
	}
	yt_drain();
	while ((out = yard_loop_take(b.minor)) != NULL) {
		freemsg(out);
		taken++;
	}
	cr_assert_eq(taken, want);
	cr_assert_eq(t_close(fd), 0);
	ut_bare_close(&b);
}

/* A request the burst send refuses is the caller's again: whatever mark it had is gone. */
YT_TEST(xti, hands_back_a_refused_request_without_a_mark)
{
	struct ut_bare b;
	mblk_t *v[3], *out;
	unsigned taken = 0;
	int fd;

	ut_bare_open(&b, false);
	fd = xopen();
	cr_assert_eq(xbind(fd, 0, 9810, NULL), 0);
	v[0] = udreq(7, 10);
	v[1] = udreq(7, 10);
	v[1]->b_band = 1;                   /* refused after its header passed */
	v[1]->b_yflags |= YB_TUDATA;        /* and a stale mark on it */
	v[2] = udreq(7, 10);
	cr_assert_eq(yard_t_sndudata_burst(fd, v, 3, 0), 1);
	cr_assert_eq(v[1]->b_yflags & YB_TUDATA, 0, "refused: the caller's, unmarked");
	cr_assert_eq(yard_t_sndudata_burst(fd, v + 1, 2, 0), -1);
	cr_assert_eq(t_errno, TBADDATA);
	cr_assert_eq(v[1]->b_yflags & YB_TUDATA, 0);
	v[1]->b_band = 0;
	cr_assert_eq(yard_t_sndudata_burst(fd, v + 1, 2, 0), 2);
	yt_drain();
	while ((out = yard_loop_take(b.minor)) != NULL) {
		freemsg(out);
		taken++;
	}
	cr_assert_eq(taken, 3);
	cr_assert_eq(t_close(fd), 0);
	ut_bare_close(&b);
}

YT_TEST(xti, sends_the_good_prefix_of_a_mixed_burst_and_says_why_the_rest_stayed)
{
	struct ut_bare b;
	mblk_t *v[6], *out;
	unsigned taken = 0;
	int fd;

	ut_bare_open(&b, false);
	fd = xopen();
	v[0] = udreq(7, 10);
	cr_assert_eq(yard_t_sndudata_burst(fd, v, 1, 0), -1);
	cr_assert_eq(t_errno, TOUTSTATE);
	cr_assert_eq(xbind(fd, 0, 9803, NULL), 0);
	cr_assert_eq(yard_t_sndudata_burst(fd, v, 0, 0), 0);
	cr_assert_eq(yard_t_sndudata_burst(fd, v, 1, 0x40), -1, "unknown flags");
	cr_assert_eq(t_errno, TSYSERR);
	v[1] = udreq(7, 20);
	v[2] = udreq(7, 70000);             /* too long for udp's TSDU */
	v[3] = udreq(7, 30);
	((struct T_unitdata_req *)v[3]->b_rptr)->DEST_offset = 400; /* outside the block */
	v[4] = yt_msg(M_DATA, 8, 0);        /* not a request at all */
	v[5] = udreq(7, 40);
	cr_assert_eq(yard_t_sndudata_burst(fd, v, 6, 0), 2, "the well-formed prefix");
	cr_assert_eq(yard_t_sndudata_burst(fd, v + 2, 4, 0), -1);
	cr_assert_eq(t_errno, TBADDATA, "too long");
	freemsg(v[2]);
	cr_assert_eq(yard_t_sndudata_burst(fd, v + 3, 3, 0), -1);
	cr_assert_eq(t_errno, TBADDATA, "address outside the block");
	freemsg(v[3]);
	cr_assert_eq(yard_t_sndudata_burst(fd, v + 4, 2, 0), -1);
	cr_assert_eq(t_errno, TBADDATA, "M_DATA");
	freemsg(v[4]);
	cr_assert_eq(yard_t_sndudata_burst(fd, v + 5, 1, 0), 1);
	yt_drain();
	while ((out = yard_loop_take(b.minor)) != NULL) {
		cr_assert_eq(msgdsize(out->b_cont), 8 + (taken == 0 ? 10 : taken == 1 ? 20 : 40));
		freemsg(out);
		taken++;
	}
	cr_assert_eq(taken, 3);
	cr_assert_eq(t_close(fd), 0);
	ut_bare_close(&b);
}

YT_TEST(xti, sends_bursts_until_flow_control_and_keeps_the_rest)
{
	struct ut_bare b;
	mblk_t *v[8];
	int fd, rc, rounds = 0;

	ut_bare_open(&b, true);
	fd = xopen();
	cr_assert_eq(xbind(fd, 0, 9804, NULL), 0);
	cr_assert_eq(yard_t_set_notify(fd, T_GODATA, on_event, NULL), 0);
	for (;;) {
		for (unsigned i = 0; i < 8; i++)
			v[i] = udreq(9, 1000);
		rc = yard_t_sndudata_burst(fd, v, 8, 0);
		if (rc < 0)
			break;
		cr_assert_eq(rc, 8, "a burst goes whole while there is room");
		yt_drain();
		cr_assert_lt(++rounds, 200);
	}
	cr_assert_eq(t_errno, TFLOW);
	cr_assert_gt(rounds, 0);
	for (unsigned i = 0; i < 8; i++) {
		cr_assert_eq(DB_TYPE(v[i]), M_PROTO, "still the caller's");
		cr_assert_eq(v[i]->b_yflags & YB_TUDATA, 0, "and no longer marked as checked");
		cr_assert_eq(((const struct T_unitdata_req *)v[i]->b_rptr)->PRIM_type,
			     T_UNITDATA_REQ);
	}
	cr_assert_eq(ev_seen, 0);
	release_loop(&b);
	cr_assert_eq(ev_seen, T_GODATA, "told when flow control cleared");
	cr_assert_eq(yard_t_sndudata_burst(fd, v, 8, 0), 8);
	yt_drain();
	cr_assert_eq(t_close(fd), 0);
	ut_bare_close(&b);
}

/* ---- errors ------------------------------------------------------------------------------- */

YT_TEST(xti, describes_its_errors)
{
	cr_assert_str_eq(t_strerror(TFLOW), "Can't send message - (blocked)");
	cr_assert_str_eq(t_strerror(TADDRBUSY), "Transport address is in use");
	cr_assert_str_eq(t_strerror(1000), "Unknown error");
	cr_redirect_stderr();
	t_errno = TNODATA;
	cr_assert_eq(t_error("test"), 0);
	errno = EPERM;
	t_errno = TSYSERR;
	cr_assert_eq(t_error(NULL), 0);
	fflush(stderr);
	cr_assert_stderr_eq_str("test: No message currently available\n"
				"System error: Operation not permitted\n");
}

static void *
errno_thread(void *arg)
{
	*(int *)arg = t_errno;
	t_errno = TBADF;
	return NULL;
}

YT_TEST(xti, keeps_t_errno_per_thread)
{
	pthread_t th;
	int seen = -1;

	t_errno = TLOOK;
	cr_assert_eq(pthread_create(&th, NULL, errno_thread, &seen), 0);
	cr_assert_eq(pthread_join(th, NULL), 0);
	cr_assert_eq(seen, 0, "another thread starts clean");
	cr_assert_eq(t_errno, TLOOK, "and does not touch ours");
}

static int other_lcore_rc, other_lcore_terr, other_lcore_errno;

static int
from_other_lcore(void *arg)
{
	other_lcore_rc = t_getstate(*(int *)arg);
	other_lcore_terr = t_errno;
	other_lcore_errno = errno;
	return 0;
}

YT_TEST(xti, refuses_calls_from_another_lcore)
{
	int fd = xopen();
	unsigned worker = rte_get_next_lcore(rte_lcore_id(), 1, 0);

	cr_assert_lt(worker, RTE_MAX_LCORE, "a second lcore");
	cr_assert_eq(rte_eal_remote_launch(from_other_lcore, &fd, worker), 0);
	cr_assert_eq(rte_eal_wait_lcore(worker), 0);
	cr_assert_eq(other_lcore_rc, -1);
	cr_assert_eq(other_lcore_terr, TSYSERR);
	cr_assert_eq(other_lcore_errno, EXDEV);
	cr_assert_eq(t_close(fd), 0);
}

/* The services' and clients' 0 / -errno results from XTI errors. */
YT_TEST(xti, maps_xti_errors_to_negative_errno)
{
	cr_assert_eq(yard_t_errno(TBADNAME), -ENXIO);
	cr_assert_eq(yard_t_errno(TADDRBUSY), -EADDRINUSE);
	cr_assert_eq(yard_t_errno(TBADADDR), -EINVAL);
	cr_assert_eq(yard_t_errno(TNOADDR), -EADDRNOTAVAIL);
	errno = EXDEV;
	cr_assert_eq(yard_t_errno(TSYSERR), -EXDEV);
	errno = 0;
	cr_assert_eq(yard_t_errno(TSYSERR), -EIO);
	cr_assert_eq(yard_t_errno(TFLOW), -EIO);
}
