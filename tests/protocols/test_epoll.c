/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * yard_epoll_create/ctl/wait: level and edge triggering, EPOLLONESHOT, what each socket state
 * reports (connect done or refused, a connection to accept, the peer's release, a reset,
 * flow control clearing), the ready list instead of a scan, the timeout, and ctl's errors.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_launch.h>

#include <protocols/tcp_hdr.h>
#include <streams/loop.h>

#include "sock_test.h"

TestSuite(epoll, .init = yt_setup, .fini = yt_teardown);

#define SA(p) ((struct sockaddr *)(p))

static int
ep_add(int ep, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	return yard_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* One wait (timeout 0): how many events; the first into *ev. */
static int
ep_wait1(int ep, struct epoll_event *ev)
{
	struct epoll_event evs[8];
	int n = yard_epoll_wait(ep, evs, 8, 0);

	cr_assert_geq(n, 0, "errno %d", errno);
	if (n > 0 && ev != NULL)
		*ev = evs[0];
	return n;
}

YT_TEST(epoll, level_triggered_reports_until_the_data_is_read)
{
	struct epoll_event ev;
	uint32_t nxt;
	char buf[16];
	int ep, fd;

	tt_open();
	ep = yard_epoll_create(1);
	cr_assert_geq(ep, YARD_EPOLL_FD_BASE);
	fd = st_connected(&nxt);
	cr_assert_eq(ep_add(ep, fd, EPOLLIN), 0);
	cr_assert_eq(ep_wait1(ep, NULL), 0, "nothing to read");
	tt_send(TH_ACK | TH_PSH, ST_PEER_ISS + 1, nxt, 65535, NULL, 0, "0123456789", 10);
	cr_assert_eq(ep_wait1(ep, &ev), 1);
	cr_assert_eq(ev.events, EPOLLIN);
	cr_assert_eq(ev.data.fd, fd);
	cr_assert_eq(ep_wait1(ep, &ev), 1, "level: still readable");
	cr_assert_eq(yard_recv(fd, buf, 4, 0), 4);
	cr_assert_eq(ep_wait1(ep, &ev), 1, "part read: still readable");
	cr_assert_eq(yard_recv(fd, buf, sizeof(buf), 0), 6);
	cr_assert_eq(ep_wait1(ep, NULL), 0, "drained");
	cr_assert_eq(ep_wait1(ep, NULL), 0);
	cr_assert_eq(yard_close(fd), 0);
	cr_assert_eq(yard_close(ep), 0);
	st_done();
}

YT_TEST(epoll, edge_triggered_reports_once_per_event)
{
	struct epoll_event ev;
	uint32_t nxt;
	char buf[16];
	int ep, fd;

	tt_open();
	ep = yard_epoll_create1(EPOLL_CLOEXEC);
	fd = st_connected(&nxt);
	cr_assert_eq(ep_add(ep, fd, EPOLLIN | EPOLLET), 0);
	cr_assert_eq(ep_wait1(ep, NULL), 0);
	tt_send(TH_ACK | TH_PSH, ST_PEER_ISS + 1, nxt, 65535, NULL, 0, "abc", 3);
	cr_assert_eq(ep_wait1(ep, &ev), 1);
	cr_assert_eq(ev.events, EPOLLIN);
	cr_assert_eq(ep_wait1(ep, NULL), 0, "edge: once, though unread");
	cr_assert_eq(yard_recv(fd, buf, sizeof(buf), 0), 3);
	cr_assert_eq(yard_recv(fd, buf, sizeof(buf), 0), -1);
	cr_assert_eq(errno, EAGAIN);
	tt_send(TH_ACK | TH_PSH, ST_PEER_ISS + 4, nxt, 65535, NULL, 0, "def", 3);
	cr_assert_eq(ep_wait1(ep, &ev), 1, "new data after the queue was drained");
	cr_assert_eq(ep_wait1(ep, NULL), 0);
	cr_assert_eq(yard_close(fd), 0);
	cr_assert_eq(yard_close(ep), 0);
	st_done();
}

YT_TEST(epoll, oneshot_reports_once_until_rearmed)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT };
	uint32_t nxt;
	int ep, fd;

	tt_open();
	ep = yard_epoll_create(1);
	fd = st_connected(&nxt);
	ev.data.u64 = 0x1234567890ull;
	cr_assert_eq(yard_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	tt_send(TH_ACK | TH_PSH, ST_PEER_ISS + 1, nxt, 65535, NULL, 0, "abc", 3);
	cr_assert_eq(ep_wait1(ep, &ev), 1);
	cr_assert_eq(ev.data.u64, 0x1234567890ull);
	tt_send(TH_ACK | TH_PSH, ST_PEER_ISS + 4, nxt, 65535, NULL, 0, "def", 3);
	cr_assert_eq(ep_wait1(ep, NULL), 0, "disabled");
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 7 };
	cr_assert_eq(yard_epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev), 0);
	cr_assert_eq(ep_wait1(ep, &ev), 1, "re-armed: it is ready");
	cr_assert_eq(ev.data.u64, 7);
	cr_assert_eq(yard_epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL), 0);
	cr_assert_eq(ep_wait1(ep, NULL), 0, "removed");
	cr_assert_eq(yard_close(fd), 0);
	cr_assert_eq(yard_close(ep), 0);
	st_done();
}

YT_TEST(epoll, epollout_reports_a_finished_connect_and_epollerr_a_refused_one)
{
	struct sockaddr_in to = st_sin(PT_ADDR_PEER, PEER_PORT);
	struct epoll_event ev;
	struct tt_seg s;
	int ep, a, b, v;
	socklen_t vl = sizeof(v);

	tt_open();
	ep = yard_epoll_create(1);
	a = yard_socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(yard_connect(a, SA(&to), sizeof(to)), -1);
	cr_assert_eq(ep_add(ep, a, EPOLLOUT | EPOLLET), 0);
	cr_assert_eq(ep_wait1(ep, NULL), 0, "in progress");
	cr_assert(st_take_flags(&s, TH_SYN));
	tt_lport = s.sport;
	tt_send(TH_SYN | TH_ACK, ST_PEER_ISS, s.seq + 1, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(ep_wait1(ep, &ev), 1);
	cr_assert_eq(ev.events, EPOLLOUT);
	cr_assert_eq(yard_getsockopt(a, SOL_SOCKET, SO_ERROR, &v, &vl), 0);
	cr_assert_eq(v, 0);
	b = yard_socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_eq(yard_connect(b, SA(&to), sizeof(to)), -1);
	cr_assert_eq(ep_add(ep, b, EPOLLOUT | EPOLLIN), 0);
	cr_assert(st_take_flags(&s, TH_SYN));
	tt_lport = s.sport;
	tt_send(TH_RST | TH_ACK, 0, s.seq + 1, 0, NULL, 0, NULL, 0);
	cr_assert_eq(ep_wait1(ep, &ev), 1);
	cr_assert_eq(ev.data.fd, b);
	cr_assert_eq(ev.events, EPOLLOUT | EPOLLERR | EPOLLHUP);
	cr_assert_eq(yard_getsockopt(b, SOL_SOCKET, SO_ERROR, &v, &vl), 0);
	cr_assert_eq(v, ECONNREFUSED);
	cr_assert_eq(ep_wait1(ep, &ev), 1);
	cr_assert_eq(ev.events, EPOLLOUT | EPOLLHUP, "the error was read");
	cr_assert_eq(yard_close(a), 0);
	cr_assert_eq(yard_close(b), 0);
	cr_assert_eq(yard_close(ep), 0);
	st_done();
}

YT_TEST(epoll, a_listener_is_readable_while_connections_wait)
{
	struct epoll_event ev;
	uint32_t iss;
	int ep, lfd, a1, a2;

	tt_open();
	ep = yard_epoll_create(1);
	lfd = st_listener(OUR_PORT, 4);
	cr_assert_eq(ep_add(ep, lfd, EPOLLIN), 0);
	cr_assert_eq(ep_wait1(ep, NULL), 0);
	st_peer_connects(1000, &iss);
	tt_fport = PEER_PORT + 1;
	st_peer_connects(2000, &iss);
	cr_assert_eq(ep_wait1(ep, &ev), 1);
	cr_assert_eq(ev.events, EPOLLIN);
	a1 = yard_accept(lfd, NULL, NULL);
	cr_assert_geq(a1, 0);
	cr_assert_eq(ep_wait1(ep, &ev), 1, "one more waits");
	a2 = yard_accept(lfd, NULL, NULL);
	cr_assert_geq(a2, 0);
	cr_assert_eq(ep_wait1(ep, NULL), 0);
	cr_assert_eq(ep_add(ep, a1, EPOLLIN | EPOLLOUT), 0);
	cr_assert_eq(ep_wait1(ep, &ev), 1);
	cr_assert_eq(ev.events, EPOLLOUT, "an accepted socket can send");
	cr_assert_eq(yard_close(a1), 0, "closing leaves the interest list");
	cr_assert_eq(ep_wait1(ep, NULL), 0);
	cr_assert_eq(yard_close(a2), 0);
	cr_assert_eq(yard_close(lfd), 0);
	cr_assert_eq(yard_close(ep), 0);
	st_done();
}

YT_TEST(epoll, the_peers_release_is_rdhup_and_a_reset_is_hup_and_err)
{
	struct epoll_event ev;
	struct tt_seg s;
	uint32_t nxt, iss;
	char buf[4];
	int ep, fd, lfd, afd;

	tt_open();
	ep = yard_epoll_create(1);
	fd = st_connected(&nxt);
	cr_assert_eq(ep_add(ep, fd, EPOLLIN | EPOLLRDHUP), 0);
	tt_send(TH_ACK | TH_FIN, ST_PEER_ISS + 1, nxt, 65535, NULL, 0, NULL, 0);
	cr_assert_eq(ep_wait1(ep, &ev), 1);
	cr_assert_eq(ev.events, EPOLLIN | EPOLLRDHUP);
	cr_assert_eq(yard_recv(fd, buf, sizeof(buf), 0), 0);
	cr_assert_eq(ep_wait1(ep, &ev), 1, "end of file stays readable");
	cr_assert_eq(ev.events, EPOLLIN | EPOLLRDHUP);
	cr_assert_eq(yard_shutdown(fd, SHUT_WR), 0);
	cr_assert_eq(ep_wait1(ep, &ev), 1);
	cr_assert_eq(ev.events, EPOLLIN | EPOLLRDHUP | EPOLLHUP, "both ways shut");
	cr_assert(st_take_flags(&s, TH_FIN));
	tt_send(TH_ACK, ST_PEER_ISS + 2, s.seq + 1, 65535, NULL, 0, NULL, 0); /* LAST_ACK done */
	cr_assert_eq(yard_close(fd), 0);

	tt_fport = PEER_PORT + 1;
	lfd = st_listener(OUR_PORT, 4);
	afd = st_accepted(lfd, 1000, &iss);
	cr_assert_eq(ep_add(ep, afd, EPOLLIN | EPOLLET), 0);
	cr_assert_eq(ep_wait1(ep, NULL), 0);
	tt_send(TH_RST, 1001, 0, 0, NULL, 0, NULL, 0);
	cr_assert_eq(ep_wait1(ep, &ev), 1);
	cr_assert_eq(ev.events, EPOLLIN | EPOLLHUP | EPOLLERR, "RDHUP only when asked");
	cr_assert_eq(yard_recv(afd, buf, sizeof(buf), 0), -1);
	cr_assert_eq(errno, ECONNRESET);
	cr_assert_eq(yard_close(afd), 0);
	cr_assert_eq(yard_close(lfd), 0);
	cr_assert_eq(yard_close(ep), 0);
	st_done();
}

/* ---- datagrams: the ready list, flow control ---------------------------------------------- */

YT_TEST(epoll, a_wait_looks_only_at_sockets_that_had_events)
{
	struct ut_stack s;
	struct epoll_event evs[4];
	uint8_t f[UT_FRAME_MAX], buf[64];
	enum { N = 64 };
	int fds[N], ep;
	uint64_t before;
	size_t n;

	ut_stack_open(&s, 0, 1500);
	ep = yard_epoll_create(1);
	for (int i = 0; i < N; i++) {
		struct sockaddr_in sin = st_sin(0, (uint16_t)(10000 + i));

		fds[i] = yard_socket(AF_INET, SOCK_DGRAM, 0);
		cr_assert_geq(fds[i], 0);
		cr_assert_eq(yard_bind(fds[i], SA(&sin), sizeof(sin)), 0);
		cr_assert_eq(ep_add(ep, fds[i], EPOLLIN), 0);
	}
	cr_assert_eq(yard_epoll_wait(ep, evs, 4, 0), 0, "the first wait settles the adds");
	before = st_stat("epoll_rechecks");
	cr_assert_eq(yard_epoll_wait(ep, evs, 4, 0), 0);
	cr_assert_eq(st_stat("epoll_rechecks"), before, "nothing happened: nothing looked at");
	n = ut_frame(f, 4000, 10000 + 37, NULL, 12);
	pt_inject(s.pt.link.minor, f, n);
	cr_assert_eq(yard_epoll_wait(ep, evs, 4, 0), 1);
	cr_assert_eq(evs[0].data.fd, fds[37]);
	cr_assert_eq(st_stat("epoll_rechecks"), before + 1, "one socket had an event");
	cr_assert_eq(yard_recv(fds[37], buf, sizeof(buf), 0), 12);
	cr_assert_eq(yard_epoll_wait(ep, evs, 4, 0), 0);
	for (int i = 0; i < N; i++)
		cr_assert_eq(yard_close(fds[i]), 0);
	cr_assert_eq(yard_close(ep), 0);
	ut_stack_close(&s);
}

YT_TEST(epoll, maxevents_limits_a_wait_and_the_rest_come_next)
{
	struct ut_stack s;
	struct epoll_event evs[2];
	uint8_t f[UT_FRAME_MAX];
	int fds[3], ep, seen = 0;
	size_t n;

	ut_stack_open(&s, 0, 1500);
	ep = yard_epoll_create(1);
	for (int i = 0; i < 3; i++) {
		struct sockaddr_in sin = st_sin(0, (uint16_t)(11000 + i));

		fds[i] = yard_socket(AF_INET, SOCK_DGRAM, 0);
		cr_assert_eq(yard_bind(fds[i], SA(&sin), sizeof(sin)), 0);
		cr_assert_eq(ep_add(ep, fds[i], EPOLLIN | EPOLLET), 0);
		n = ut_frame(f, 4000, (uint16_t)(11000 + i), NULL, 4);
		pt_inject(s.pt.link.minor, f, n);
	}
	cr_assert_eq(yard_epoll_wait(ep, evs, 2, 0), 2);
	seen |= 1 << (evs[0].data.fd - fds[0]) | 1 << (evs[1].data.fd - fds[0]);
	cr_assert_eq(yard_epoll_wait(ep, evs, 2, 0), 1);
	seen |= 1 << (evs[0].data.fd - fds[0]);
	cr_assert_eq(seen, 7, "each socket once");
	for (int i = 0; i < 3; i++)
		cr_assert_eq(yard_close(fds[i]), 0);
	cr_assert_eq(yard_close(ep), 0);
	ut_stack_close(&s);
}

static void
release_loop(struct ut_bare *b)
{
	mblk_t *mp = mkiocb(LOOP_RELEASE);

	cr_assert_not_null(mp);
	putnext(b->loop->sd_wrq, mp);
	yt_drain();
}

YT_TEST(epoll, epollout_comes_back_when_flow_control_clears)
{
	struct ut_bare b;
	struct sockaddr_in to = st_sin(PT_ADDR_PEER, 9);
	static uint8_t data[1000];
	struct epoll_event ev;
	int ep, fd, sent = 0;

	ut_bare_open(&b, true);
	ep = yard_epoll_create(1);
	fd = yard_socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_eq(ep_add(ep, fd, EPOLLOUT), 0);
	cr_assert_eq(ep_wait1(ep, &ev), 1);
	cr_assert_eq(ev.events, EPOLLOUT);
	while (yard_sendto(fd, data, sizeof(data), 0, SA(&to), sizeof(to)) == sizeof(data)) {
		yt_drain();
		cr_assert_lt(++sent, 1000);
	}
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(ep_wait1(ep, NULL), 0, "flow controlled");
	release_loop(&b);
	cr_assert_eq(ep_wait1(ep, &ev), 1);
	cr_assert_eq(ev.events, EPOLLOUT, "back-enabled");
	cr_assert_eq(yard_close(fd), 0);
	cr_assert_eq(yard_close(ep), 0);
	ut_bare_close(&b);
}

/* ---- the wait's timeout, ctl's errors ----------------------------------------------------- */

YT_TEST(epoll, a_timeout_turns_the_scheduler_until_it_expires)
{
	struct epoll_event ev;
	uint64_t t0;
	int ep;

	tt_open();
	ep = yard_epoll_create(1);
	t0 = rte_get_timer_cycles();
	cr_assert_eq(yard_epoll_wait(ep, &ev, 1, 30), 0);
	cr_assert_geq(rte_get_timer_cycles() - t0, rte_get_timer_hz() * 30 / 1000);
	cr_assert_eq(yard_sched_self()->sc_stats.sleeps, 0, "idle sleep off: it polls");
	cr_assert_eq(yard_epoll_wait(ep, &ev, 0, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(yard_epoll_wait(ep, NULL, 1, 0), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(yard_close(ep), 0);
	cr_assert_eq(yard_epoll_wait(ep, &ev, 1, 0), -1);
	cr_assert_eq(errno, EBADF);
	st_done();
}

/* The sleeps a wait took: how long each was asked, and their sum (a real sleep follows). */
static unsigned ep_nsleeps;
static uint64_t ep_slept_us, ep_longest_us;

static void
ep_record_sleep(unsigned us)
{
	ep_nsleeps++;
	ep_slept_us += us;
	ep_longest_us = RTE_MAX(ep_longest_us, (uint64_t)us);
	rte_delay_us_sleep(us);
}

YT_TEST(epoll, with_idle_sleep_a_wait_sleeps_and_its_sleeps_end_at_its_timeout)
{
	struct yard_sched *sc = yard_sched_self();
	struct epoll_event ev;
	uint64_t t0, sleeps0;
	unsigned timers0;
	int ep;

	tt_open();
	ep = yard_epoll_create(1);
	sc->sc_sleep_fn = ep_record_sleep;
	/*
	 * The back-off starts at 6,250 us and doubles; tcp's 5 ms tick cuts each sleep to end at
	 * the next tick, which alone would overshoot 12 ms (not a multiple of 5) by up to 3 ms.
	 */
	cr_assert_eq(yard_sched_set_idle_sleep(sc, YARD_SCHED_SLEEP_MAX_US, 4), 0);
	sleeps0 = sc->sc_stats.sleeps;
	timers0 = yard_timeouts_pending(); /* tcp's tick */
	t0 = rte_get_timer_cycles();
	cr_assert_eq(yard_epoll_wait(ep, &ev, 1, 12), 0);
	cr_assert_geq(rte_get_timer_cycles() - t0, rte_get_timer_hz() * 12 / 1000);
	cr_assert_geq(ep_nsleeps, 1, "an idle wait sleeps");
	cr_assert_eq(sc->sc_stats.sleeps - sleeps0, ep_nsleeps, "and counts its sleeps");
	/*
	 * Each sleep is asked to end by the deadline, so what was asked adds up to no more than
	 * the 12 ms (plus rounding: a few microseconds a sleep); a slow machine only makes
	 * it less.
	 */
	cr_assert_leq(ep_slept_us, 12000 + 3 * ep_nsleeps, "%u sleeps asked %" PRIu64 " us in all",
		      ep_nsleeps, ep_slept_us);
	cr_assert_eq(yard_timeouts_pending(), timers0, "the wait's own timer is gone");
	cr_assert_eq(yard_sched_set_idle_sleep(sc, 0, 4), 0);
	cr_assert_eq(yard_close(ep), 0);
	st_done();
}

/* The wire: 20 ms after it is armed, this poll hook brings in the frame tt_send() built. */
static uint8_t ep_frame[256];
static size_t ep_frame_len;
static uint64_t ep_frame_due;

static void
ep_keep_frame(const uint8_t *frame, size_t len, size_t hdrlen)
{
	RTE_SET_USED(hdrlen);
	cr_assert_leq(len, sizeof(ep_frame));
	memcpy(ep_frame, frame, len);
	ep_frame_len = len;
}

static unsigned
ep_wire(void *arg)
{
	mblk_t *mp;

	RTE_SET_USED(arg);
	if (ep_frame_len == 0 || rte_get_timer_cycles() < ep_frame_due)
		return 0;
	mp = yard_allocb_hr(ep_frame_len, RTE_PKTMBUF_HEADROOM);
	cr_assert_not_null(mp);
	memcpy(mp->b_wptr, ep_frame, ep_frame_len);
	mp->b_wptr += ep_frame_len;
	ep_frame_len = 0;
	cr_assert_eq(yard_loop_inject(tt_s.link.minor, mp), 0);
	return 1;
}

YT_TEST(epoll, with_idle_sleep_a_wait_returns_when_data_comes_not_at_its_timeout)
{
	struct yard_sched *sc = yard_sched_self();
	struct epoll_event ev;
	uint64_t t0, waited_ms;
	unsigned timers0;
	uint32_t nxt;
	char buf[16];
	int ep, fd;

	tt_open();
	ep = yard_epoll_create(1);
	fd = st_connected(&nxt);
	cr_assert_eq(ep_add(ep, fd, EPOLLIN), 0);
	cr_assert_eq(ep_wait1(ep, NULL), 0, "nothing to read");
	/* Build the peer's segment without sending it; the wire hook sends it later. */
	tt_inject = ep_keep_frame;
	tt_send(TH_ACK | TH_PSH, ST_PEER_ISS + 1, nxt, 65535, NULL, 0, "0123456789", 10);
	tt_inject = NULL;
	cr_assert_eq(ep_wait1(ep, NULL), 0, "not sent yet");
	sc->sc_sleep_fn = ep_record_sleep;
	cr_assert_eq(yard_sched_set_idle_sleep(sc, 1000, 4), 0);
	cr_assert_eq(yard_sched_add_poll(sc, ep_wire, NULL), 0);
	timers0 = yard_timeouts_pending(); /* tcp's tick */
	t0 = rte_get_timer_cycles();
	ep_frame_due = t0 + rte_get_timer_hz() * 20 / 1000;
	cr_assert_eq(yard_epoll_wait(ep, &ev, 1, 10000), 1, "the data came");
	waited_ms = (rte_get_timer_cycles() - t0) * 1000 / rte_get_timer_hz();
	cr_assert_eq(ev.events, EPOLLIN);
	cr_assert_eq(ev.data.fd, fd);
	cr_assert_geq(waited_ms, 20, "not before the data");
	/* A generous bound: the point is that it is not the 10 s timeout. */
	cr_assert_lt(waited_ms, 5000, "returned %" PRIu64 " ms in", waited_ms);
	cr_assert_geq(ep_nsleeps, 1, "it slept while waiting");
	cr_assert_leq(ep_longest_us, 1000, "no sleep longer than idle_sleep_us");
	cr_assert_eq(yard_timeouts_pending(), timers0, "the wait's own timer is gone");
	cr_assert_eq(yard_sched_del_poll(sc, ep_wire, NULL), 0);
	cr_assert_eq(yard_sched_set_idle_sleep(sc, 0, 4), 0);
	cr_assert_eq(yard_recv(fd, buf, sizeof(buf), 0), 10);
	cr_assert_eq(memcmp(buf, "0123456789", 10), 0);
	cr_assert_eq(yard_close(fd), 0);
	cr_assert_eq(yard_close(ep), 0);
	st_done();
}

/* What a wait on the instance *arg returns from where this runs: n, or -errno. */
static int wait_from_elsewhere_rc;

static int
wait_from_elsewhere(void *arg)
{
	struct epoll_event ev;
	int n = yard_epoll_wait(*(const int *)arg, &ev, 1, 0);

	wait_from_elsewhere_rc = n < 0 ? -errno : n;
	return 0;
}

static void *
wait_from_a_thread(void *arg)
{
	(void)wait_from_elsewhere(arg);
	return NULL;
}

/* The empty instance's quick answer must not skip a check: the same errors as ever. */
YT_TEST(epoll, a_wait_with_nothing_ready_refuses_what_a_wait_refuses)
{
	unsigned other = rte_get_next_lcore(rte_lcore_id(), 1, 0);
	struct epoll_event ev;
	pthread_t t;
	int ep, fd;

	tt_open();
	ep = yard_epoll_create(1);
	fd = yard_socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(yard_epoll_wait(ep, &ev, 1, 0), 0);
	cr_assert_eq(yard_epoll_wait(ep, &ev, 0, 0), -1);
	cr_assert_eq(errno, EINVAL, "maxevents 0");
	cr_assert_eq(yard_epoll_wait(ep, NULL, 1, 0), -1);
	cr_assert_eq(errno, EFAULT);
	cr_assert_eq(yard_epoll_wait(fd, &ev, 1, 0), -1);
	cr_assert_eq(errno, EINVAL, "a socket, not an epoll descriptor");
	cr_assert_eq(yard_epoll_wait(-1, &ev, 1, 0), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(yard_epoll_wait(YARD_EPOLL_FD_BASE + YARD_EPOLL_MAX - 1, &ev, 1, 0), -1);
	cr_assert_eq(errno, EBADF, "not open");
	cr_assert_lt(other, RTE_MAX_LCORE);
	cr_assert_eq(rte_eal_remote_launch(wait_from_elsewhere, &ep, other), 0);
	cr_assert_eq(rte_eal_wait_lcore(other), 0);
	cr_expect_eq(wait_from_elsewhere_rc, -EXDEV, "another lcore's instance");
	wait_from_elsewhere_rc = -1;
	cr_assert_eq(pthread_create(&t, NULL, wait_from_a_thread, &ep), 0);
	cr_assert_eq(pthread_join(t, NULL), 0);
	cr_expect_eq(wait_from_elsewhere_rc, 0, "a non-EAL thread has the main lcore's");
	cr_assert_eq(yard_close(fd), 0);
	cr_assert_eq(yard_close(ep), 0);
	cr_assert_eq(yard_epoll_wait(ep, &ev, 1, 0), -1);
	cr_assert_eq(errno, EBADF, "closed");
	st_done();
}

YT_TEST(epoll, ctl_refuses_what_epoll_refuses)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep, ep2, fd, x;

	tt_open();
	cr_assert_eq(yard_epoll_create(0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(yard_epoll_create1(0x4), -1);
	cr_assert_eq(errno, EINVAL);
	ep = yard_epoll_create(1);
	ep2 = yard_epoll_create(1);
	fd = yard_socket(AF_INET, SOCK_STREAM, 0);
	x = t_open(TCP_DRVNAME, O_RDWR, NULL);
	cr_assert_eq(yard_epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(yard_epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(yard_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	cr_assert_eq(yard_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), -1);
	cr_assert_eq(errno, EEXIST);
	cr_assert_eq(yard_epoll_ctl(ep2, EPOLL_CTL_ADD, fd, &ev), -1);
	cr_assert_eq(errno, EBUSY, "one instance per socket");
	cr_assert_eq(yard_epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev), -1);
	cr_assert_eq(errno, EPERM, "no nesting");
	cr_assert_eq(yard_epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(yard_epoll_ctl(ep, 99, fd, &ev), -1);
	cr_assert_eq(errno, EINVAL);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	cr_assert_eq(yard_epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(yard_epoll_ctl(ep, EPOLL_CTL_MOD, fd, NULL), -1);
	cr_assert_eq(errno, EFAULT);
	ev.events = EPOLLIN;
	cr_assert_eq(yard_epoll_ctl(ep, EPOLL_CTL_ADD, x, &ev), -1);
	cr_assert_eq(errno, ENOTSOCK, "an XTI endpoint");
	cr_assert_eq(yard_epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(yard_epoll_ctl(fd, EPOLL_CTL_ADD, fd, &ev), -1);
	cr_assert_eq(errno, EINVAL, "not an epoll descriptor");
	cr_assert_eq(yard_epoll_ctl(YARD_EPOLL_FD_BASE + YARD_EPOLL_MAX - 1, EPOLL_CTL_ADD, fd, &ev),
		     -1);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(yard_close(ep), 0, "closing the instance releases its sockets");
	cr_assert_eq(yard_epoll_ctl(ep2, EPOLL_CTL_ADD, fd, &ev), 0);
	cr_assert_eq(t_close(x), 0);
	cr_assert_eq(yard_close(fd), 0);
	cr_assert_eq(yard_close(ep2), 0);
	st_done();
}
