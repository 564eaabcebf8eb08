/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Readiness for sockets in the shape of epoll (yard_socket.h): yard_epoll_create/ctl/wait.
 *
 * Principles of operation
 * -----------------------
 * An epoll instance is an interest list and a ready list. The interest list is implicit:
 * each registered socket points at its instance (so_ep) with its events and data. The ready
 * list holds the sockets that may be ready: the stream head's notifier puts a socket there
 * when something happens on its stream (input where there was none, a high-priority message,
 * flow control clearing, an error, a hangup), and EPOLL_CTL_ADD/MOD and yard_shutdown put it
 * there because what it is ready for may have changed without an event. Nothing ever scans
 * every socket: a wait looks only at the ready list, so its cost follows the sockets that had
 * events, not the sockets registered.
 *
 * A wait takes the entries on the list (as many as were there when it started) and asks
 * each socket what it is ready for now (sock_poll: the stream head's queue, flow control,
 * and the socket's state). Not ready: off the list, until the next event. Ready: reported;
 * level triggered, it goes back at the tail, to be asked again at the next wait and leave
 * the list once drained; EPOLLET, it stays off until the next event (the notifier is edge
 * triggered, as SIGPOLL is: input is signalled when the queue stops being empty, so an ET
 * reader must read until EAGAIN); EPOLLONESHOT, it is disabled until EPOLL_CTL_MOD.
 *
 * Since the check happens at wait time, a socket whose data was read in the meantime is
 * not reported: the ready list can hold stale entries, never report stale readiness.
 *
 * Writability: sth_poll() asks canputnext() of the queue below the stream head, which leaves
 * QWANTW set when it is full, so the back-enable that follows raises S_OUTPUT and brings a
 * socket waiting for EPOLLOUT back onto the list.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>

#include <protocols/sockmod/sockmod.h>

#include "socket_priv.h"

#define SOCK_EPOLL_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLERR | EPOLLHUP | EPOLLET | \
			   EPOLLONESHOT)

struct yard_epoll {
	uint32_t ep_inuse;                   /* claimed by CAS at create */
	struct yard_sched *ep_sched;         /* the owning lcore */
	TAILQ_HEAD(, yard_sock) ep_ready;    /* sockets that may be ready */
	unsigned ep_nready;
	unsigned ep_nsocks;                  /* registered */
};

static struct yard_epoll yard_eps[YARD_EPOLL_MAX];

/* Why epfd names no instance of the calling lcore: errno set, NULL. The cold half of ep_get. */
static __rte_noinline struct yard_epoll *
ep_bad(int epfd)
{
	struct yard_epoll *ep;

	if (epfd < YARD_EPOLL_FD_BASE || epfd >= YARD_EPOLL_FD_BASE + YARD_EPOLL_MAX) {
		errno = (epfd >= 0 && epfd < YARD_T_MAX_FDS && yard_t_stream(epfd) != NULL) ? EINVAL
											    : EBADF;
		return NULL;
	}
	ep = &yard_eps[epfd - YARD_EPOLL_FD_BASE];
	if (!__atomic_load_n(&ep->ep_inuse, __ATOMIC_ACQUIRE) || ep->ep_sched == NULL)
		errno = EBADF;
	else
		errno = EXDEV;
	return NULL;
}

/* The instance epfd names, owned by the calling lcore; NULL with errno set otherwise. */
static struct yard_epoll *
ep_get(int epfd)
{
	struct yard_epoll *ep;

	if (epfd < YARD_EPOLL_FD_BASE || epfd >= YARD_EPOLL_FD_BASE + YARD_EPOLL_MAX)
		return ep_bad(epfd);
	ep = &yard_eps[epfd - YARD_EPOLL_FD_BASE];
	/* yard_sched_self() is never NULL, so this also refuses a closing instance's NULL */
	if (!__atomic_load_n(&ep->ep_inuse, __ATOMIC_ACQUIRE) || ep->ep_sched != yard_sched_self())
		return ep_bad(epfd);
	return ep;
}

/*
 * ep_get() for the poll loops' waits: the instance if the caller is the EAL lcore that owns
 * it, else NULL and nothing else (a non-EAL thread, which owns the main lcore's instances, or
 * an error: the caller asks ep_get()). No call on the way, so a wait that finds nothing
 * ready saves no registers.
 */
static inline struct yard_epoll *
ep_fast(int epfd)
{
	unsigned i = (unsigned)epfd - (unsigned)YARD_EPOLL_FD_BASE;
	const struct yard_sched *sc;
	struct yard_epoll *ep;

	if (unlikely(i >= YARD_EPOLL_MAX))
		return NULL;
	ep = &yard_eps[i];
	if (unlikely(!__atomic_load_n(&ep->ep_inuse, __ATOMIC_ACQUIRE)))
		return NULL;
	sc = ep->ep_sched;
	if (unlikely(sc == NULL || sc->sc_lcore != rte_lcore_id()))
		return NULL;
	return ep;
}

int
yard_epoll_create1(int flags)
{
	if (flags & ~EPOLL_CLOEXEC)
		return sock_fail(EINVAL);
	if (yard_sched_self() == NULL)
		return sock_fail(EXDEV); /* not an lcore with a STREAMS scheduler */
	for (int i = 0; i < YARD_EPOLL_MAX; i++) {
		struct yard_epoll *ep = &yard_eps[i];
		uint32_t expect = 0;

		if (__atomic_compare_exchange_n(&ep->ep_inuse, &expect, 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED)) {
			TAILQ_INIT(&ep->ep_ready);
			ep->ep_nready = ep->ep_nsocks = 0;
			__atomic_store_n(&ep->ep_sched, yard_sched_self(), __ATOMIC_RELEASE);
			return YARD_EPOLL_FD_BASE + i;
		}
	}
	return sock_fail(EMFILE);
}

int
yard_epoll_create(int size)
{
	if (size <= 0)
		return sock_fail(EINVAL);
	return yard_epoll_create1(0);
}

static void
ep_unready(struct yard_sock *so)
{
	if (so->so_ready) {
		TAILQ_REMOVE(&so->so_ep->ep_ready, so, so_rlink);
		so->so_ep->ep_nready--;
		so->so_ready = false;
	}
}

void
sock_ready(struct yard_sock *so)
{
	struct yard_epoll *ep = so->so_ep;

	if (ep == NULL || so->so_ready || so->so_disabled)
		return;
	TAILQ_INSERT_TAIL(&ep->ep_ready, so, so_rlink);
	ep->ep_nready++;
	so->so_ready = true;
}

void
sock_epoll_forget(struct yard_sock *so)
{
	if (so->so_ep == NULL)
		return;
	ep_unready(so);
	so->so_ep->ep_nsocks--;
	so->so_ep = NULL;
	so->so_interest = 0;
	so->so_disabled = false;
}

int
sock_epoll_close(int epfd)
{
	struct yard_epoll *ep = ep_get(epfd);

	if (ep == NULL)
		return -1;
	/* Cold path: the members are found by their back pointer. */
	for (unsigned fd = 0; fd < YARD_T_MAX_FDS && ep->ep_nsocks > 0; fd++)
		if (yard_socks[fd].so_type != 0 && yard_socks[fd].so_ep == ep)
			sock_epoll_forget(&yard_socks[fd]);
	ep->ep_sched = NULL;
	__atomic_store_n(&ep->ep_inuse, 0, __ATOMIC_RELEASE);
	return 0;
}

int
yard_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct yard_epoll *ep = ep_get(epfd);
	struct yard_sock *so;

	if (ep == NULL)
		return -1;
	if (fd == epfd)
		return sock_fail(EINVAL);
	if (fd >= YARD_EPOLL_FD_BASE && fd < YARD_EPOLL_FD_BASE + YARD_EPOLL_MAX &&
	    __atomic_load_n(&yard_eps[fd - YARD_EPOLL_FD_BASE].ep_inuse, __ATOMIC_ACQUIRE))
		return sock_fail(EPERM); /* nesting epoll instances is not supported */
	so = sock_get(fd);
	if (so == NULL)
		return -1;
	if (op != EPOLL_CTL_DEL) {
		if (ev == NULL)
			return sock_fail(EFAULT);
		if (ev->events & ~(uint32_t)SOCK_EPOLL_EVENTS)
			return sock_fail(EINVAL);
	}
	switch (op) {
	case EPOLL_CTL_ADD:
		if (so->so_ep == ep)
			return sock_fail(EEXIST);
		if (so->so_ep != NULL)
			return sock_fail(EBUSY);
		so->so_ep = ep;
		ep->ep_nsocks++;
		break;
	case EPOLL_CTL_MOD:
		if (so->so_ep != ep)
			return sock_fail(ENOENT);
		ep_unready(so);
		break;
	case EPOLL_CTL_DEL:
		if (so->so_ep != ep)
			return sock_fail(ENOENT);
		sock_epoll_forget(so);
		return 0;
	default:
		return sock_fail(EINVAL);
	}
	so->so_interest = ev->events;
	so->so_data = ev->data;
	so->so_disabled = false;
	sock_ready(so); /* it may be ready already: the next wait looks */
	return 0;
}

uint32_t
sock_poll(struct yard_sock *so)
{
	struct stdata *sd = yard_t_stream(so->so_fd);
	uint32_t ev = 0;
	unsigned sev;
	int look;

	sock_progress(so);
	sev = sth_poll(sd);
	look = (so->so_flags & SF_RDSHUT) ? 0 : t_look(so->so_fd);
	if (so->so_type == SOCK_DGRAM) {
		if (so->so_hold != NULL || look == T_DATA || look == T_UDERR)
			ev |= EPOLLIN;
		if (look == T_UDERR && (so->so_flags & SF_CONNECTED))
			ev |= EPOLLERR;
		if ((sev & S_OUTPUT) && !(so->so_flags & SF_WRSHUT))
			ev |= EPOLLOUT;
		if (so->so_flags & SF_RDSHUT)
			ev |= EPOLLIN | EPOLLRDHUP;
		return ev;
	}
	if (so->so_flags & SF_LISTENING)
		return (look == T_LISTEN || look == T_DISCONNECT) ? EPOLLIN : 0;
	if (so->so_flags & SF_CONNECTING)
		return 0;
	if (so->so_flags & SF_FAILED)
		return EPOLLOUT | EPOLLHUP | ((so->so_flags & SF_ERRPEND) ? EPOLLERR : 0);
	if (!(so->so_flags & SF_CONNECTED))
		return 0; /* a fresh socket: nothing to wait for (see docs/sockets.md) */
	if (so->so_hold != NULL || look == T_DATA)
		ev |= EPOLLIN;
	if (look == T_ORDREL || (so->so_flags & (SF_PEERREL | SF_RDSHUT)))
		ev |= EPOLLIN | EPOLLRDHUP;
	if (look == T_DISCONNECT || (sd->sd_flag & STWRERR) || (so->so_flags & SF_RESET)) {
		/* Reset: readers see ECONNRESET (then 0), writers EPIPE. */
		ev |= EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP;
		if (!(so->so_flags & SF_RSTSEEN))
			ev |= EPOLLERR;
		return ev;
	}
	if ((sev & S_OUTPUT) && !(so->so_flags & SF_WRSHUT))
		ev |= EPOLLOUT;
	if ((so->so_flags & SF_WRSHUT) && (so->so_flags & (SF_PEERREL | SF_RDSHUT)))
		ev |= EPOLLHUP; /* both directions are shut */
	return ev;
}

/* Does nothing: being due is its job, since an lcore's idle sleep ends at its next timer. */
static void
ep_wake(void *arg)
{
	RTE_SET_USED(arg);
}

/*
 * With idle sleep on, a timer at the wait's deadline, so that the sleeps the wait takes end
 * there instead of up to a sleep later. Rounded up and one microsecond more: a wake-up a
 * hair before the deadline would find no timer left to bound the next sleep. With the timer
 * pool empty there is none, and the wait may end up to one sleep late.
 */
static timeout_id_t
ep_wake_at(struct yard_epoll *ep, uint64_t deadline)
{
	uint64_t now = rte_get_timer_cycles(), hz = rte_get_timer_hz();

	if (ep->ep_sched->sc_sleep_us == 0 || now >= deadline)
		return 0;
	return yard_timeout(ep_wake, NULL, ((deadline - now) * 1000000 + hz - 1) / hz + 1);
}

/* yard_epoll_wait() once its arguments are known good and there is a list to look at. */
static __rte_noinline int
ep_wait(struct yard_epoll *ep, struct epoll_event *events, int maxevents, int timeout)
{
	uint64_t deadline = 0;
	timeout_id_t wake = 0;
	bool waited = false;
	int n = 0;

	if (timeout > 0)
		deadline = rte_get_timer_cycles() + (uint64_t)timeout * rte_get_timer_hz() / 1000;
	for (;;) {
		struct yard_sockstat *st = NULL;
		unsigned todo = ep->ep_nready;

		/* Each entry present at the start is looked at once: level-triggered ones go
		 * back at the tail and wait for the next call. */
		while (todo-- > 0 && n < maxevents) {
			struct yard_sock *so = TAILQ_FIRST(&ep->ep_ready);
			uint32_t rev;

			ep_unready(so);
			st = so->so_st;
			st->sos_epoll_rechecks++;
			rev = sock_poll(so) & (so->so_interest | EPOLLERR | EPOLLHUP);
			if (rev == 0 || so->so_ep != ep)
				continue; /* not ready: back on the list at its next event */
			events[n].events = rev;
			events[n].data = so->so_data;
			n++;
			st->sos_epoll_events++;
			if (so->so_interest & EPOLLONESHOT)
				so->so_disabled = true;
			else if (!(so->so_interest & EPOLLET))
				sock_ready(so);
		}
		if (n > 0 || timeout == 0)
			break;
		if (timeout > 0 && rte_get_timer_cycles() >= deadline)
			break;
		if (!waited && timeout > 0)
			wake = ep_wake_at(ep, deadline);
		waited = true;
		/* A wait on the network: with idle sleep on, sleep as the lcore's loop would. */
		(void)yard_sched_loop_once(ep->ep_sched);
	}
	if (wake != 0)
		(void)yard_untimeout(wake); /* -1 if it fired: nothing to do */
	return n;
}

/* yard_epoll_wait() with every check, for what ep_fast() did not take. */
static __rte_noinline int
ep_wait_checked(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	struct yard_epoll *ep = ep_get(epfd);

	if (ep == NULL)
		return -1;
	if (maxevents <= 0)
		return sock_fail(EINVAL);
	if (events == NULL)
		return sock_fail(EFAULT);
	if (ep->ep_nready == 0 && timeout == 0)
		return 0;
	return ep_wait(ep, events, maxevents, timeout);
}

int
yard_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	struct yard_epoll *ep = ep_fast(epfd);

	/* A poll loop's usual call: nothing can be ready (every readiness event puts its socket
	 * on the list) and the caller does not wait. Anything else takes the checked way. */
	if (likely(ep != NULL) && ep->ep_nready == 0 && timeout == 0 && maxevents > 0 &&
	    events != NULL)
		return 0;
	return ep_wait_checked(epfd, events, maxevents, timeout);
}
