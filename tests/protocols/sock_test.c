/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared helpers of the socket suites (see sock_test.h). */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>

#include <protocols/tcp_hdr.h>

#include "sock_test.h"

struct sockaddr_in
st_sin(uint32_t addr, uint16_t port)
{
	return (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = rte_cpu_to_be_16(port),
				     .sin_addr = { addr } };
}

int
st_connected(uint32_t *snd_nxt)
{
	struct sockaddr_in to = st_sin(PT_ADDR_PEER, PEER_PORT);
	struct tt_seg s;
	int fd = yard_socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0, "socket: errno %d", errno);
	cr_assert_eq(yard_connect(fd, (struct sockaddr *)&to, sizeof(to)), -1);
	cr_assert_eq(errno, EINPROGRESS);
	yt_drain();
	cr_assert(tt_take(&s), "SYN");
	cr_assert_eq(s.flags, TH_SYN);
	tt_lport = s.sport;
	tt_send(TH_SYN | TH_ACK, ST_PEER_ISS, s.seq + 1, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s), "the handshake's ACK");
	*snd_nxt = s.seq;
	return fd;
}

int
st_listener(uint16_t port, int backlog)
{
	struct sockaddr_in sin = st_sin(0, port);
	int fd = yard_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);

	cr_assert_geq(fd, 0);
	cr_assert_eq(yard_bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0, "bind: %d", errno);
	cr_assert_eq(yard_listen(fd, backlog), 0, "listen: %d", errno);
	return fd;
}

void
st_peer_connects(uint32_t peer_iss, uint32_t *our_iss)
{
	struct tt_seg s;

	tt_lport = OUR_PORT;
	tt_send(TH_SYN, peer_iss, 0, 65535, NULL, 0, NULL, 0);
	cr_assert(tt_take(&s), "SYN,ACK");
	cr_assert_eq(s.flags, TH_SYN | TH_ACK, "flags %#x ports %u->%u", s.flags, s.sport, s.dport);
	tt_send(TH_ACK, peer_iss + 1, s.seq + 1, 65535, NULL, 0, NULL, 0);
	*our_iss = s.seq;
}

int
st_accepted(int lfd, uint32_t peer_iss, uint32_t *our_iss)
{
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	int fd;

	st_peer_connects(peer_iss, our_iss);
	fd = yard_accept(lfd, (struct sockaddr *)&from, &flen);
	cr_assert_geq(fd, 0, "accept: errno %d", errno);
	cr_assert_eq(flen, sizeof(from));
	cr_assert_eq(from.sin_addr.s_addr, PT_ADDR_PEER);
	cr_assert_eq(rte_be_to_cpu_16(from.sin_port), tt_fport);
	yt_drain();
	return fd;
}

bool
st_take_flags(struct tt_seg *s, uint8_t flags)
{
	yt_drain();
	while (tt_take(s))
		if ((s->flags & flags) == flags)
			return true;
	return false;
}

void
st_done(void)
{
	tt_close();
	tt_lport = OUR_PORT;
	tt_fport = PEER_PORT;
	pt_assert_clean();
}

uint64_t
st_stat(const char *name)
{
	for (unsigned i = 0; i < yard_sockstat_count(); i++)
		if (strcmp(yard_sockstat_name(i), name) == 0)
			return yard_sockstat_get(i, -1);
	cr_assert_fail("no counter %s", name);
	return 0;
}
