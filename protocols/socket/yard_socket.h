/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The yard sockets API: BSD sockets over TPI transports (tcp, udp), with an epoll-shaped
 * readiness API, for applications that run in poll mode on an lcore.
 *
 * Model
 * -----
 * A socket is a transport stream ("tcp" or "udp") with timod and sockmod pushed on it:
 *
 *     application      yard_socket, yard_bind, ..., yard_epoll_wait          (this header)
 *     socket library   the calls below, over the XTI library's endpoints     (protocols/socket/)
 *     stream head      sth_* calls and the event notifier
 *     sockmod          socket state from the TPI traffic: SO_ERROR, EPIPE    (protocols/sockmod/)
 *     timod            TI_* ioctls -> TPI requests and acknowledgements
 *     tcp / udp        the TPI provider
 *
 * This is the SunOS 5 arrangement (libsocket over TLI, sockmod above timod) rather than the
 * later one where sockfs replaced both: yard already has a complete TPI library (XTI) and its
 * fd table, so a socket *is* an XTI endpoint with socket semantics on top. Hence socket
 * descriptors and XTI descriptors come from one table (YARD_T_MAX_FDS) and coexist on one
 * yard; t_* calls on a socket descriptor are not supported (they would bypass the socket's
 * state). Epoll instances take descriptors of their own, from YARD_EPOLL_FD_BASE up.
 *
 * Poll mode
 * ---------
 * Every socket belongs to the lcore that created it (yard_socket(), or yard_accept() on a
 * listener of that lcore); calls from another lcore fail with EXDEV. Nothing blocks:
 * O_NONBLOCK is implied (SOCK_NONBLOCK in type is accepted and changes nothing), a call that
 * would wait fails with EAGAIN (== EWOULDBLOCK), yard_connect() on TCP with EINPROGRESS.
 * Readiness comes from yard_epoll_wait(), fed by the stream heads' event notifiers (no scan
 * of every socket). The set-up calls (yard_socket, yard_bind, yard_listen, yard_accept,
 * yard_setsockopt, yard_getsockopt, yard_getsockname) run an I_STR that turns the lcore's
 * scheduler until the provider answers (tcp and udp answer at once): call them from the
 * application's poll hook or main loop, never from inside a STREAMS put/service procedure.
 *
 * Errors
 * ------
 * As POSIX has them, not as the house's -errno: every call returns -1 (NULL-free calls) and
 * sets errno, which is per thread, hence per lcore. The values (POSIX.1-2017, Linux where
 * POSIX leaves a choice) are listed per call; these apply to every call on a descriptor:
 * EBADF (not an open socket, or an epoll descriptor where a socket is needed), ENOTSOCK (an
 * XTI endpoint opened with t_open), EXDEV (another lcore's socket), EFAULT (a NULL buffer
 * with a non-zero length). Asynchronous errors (a connection refused or reset) are kept by
 * sockmod as the socket's pending error: SO_ERROR reads and clears it.
 *
 * Addresses are struct sockaddr_in (AF_INET; port and address in network order), the
 * constants those of the system headers: AF_INET, SOCK_STREAM, SOCK_DGRAM, MSG_PEEK,
 * MSG_DONTWAIT, MSG_NOSIGNAL (accepted, no signals exist here), SHUT_RD/WR/RDWR,
 * SOL_SOCKET, IPPROTO_TCP, EPOLLIN ... from <sys/socket.h>, <netinet/in.h>,
 * <netinet/tcp.h> and <sys/epoll.h>.
 */
#ifndef YARD_PROTOCOLS_SOCKET_YARD_SOCKET_H
#define YARD_PROTOCOLS_SOCKET_YARD_SOCKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <streams/mblk.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Epoll instances the library can have open at once (over every lcore). */
#define YARD_EPOLL_MAX 64
/** The first epoll descriptor: socket (XTI) descriptors are below it. */
#define YARD_EPOLL_FD_BASE 1024

/* ---- sockets ------------------------------------------------------------------------------ */

/**
 * Create a socket on the calling lcore: domain AF_INET; type SOCK_STREAM (protocol 0 or
 * IPPROTO_TCP: the "tcp" driver) or SOCK_DGRAM (0 or IPPROTO_UDP: "udp"), optionally
 * | SOCK_NONBLOCK | SOCK_CLOEXEC (both accepted and implied).
 * @return the descriptor (>= 0), or -1: EAFNOSUPPORT (domain), EINVAL (unknown type
 * flags), EPROTOTYPE (protocol does not fit type), EPROTONOSUPPORT (protocol, or no such
 * transport driver), ESOCKTNOSUPPORT (another type), EMFILE (descriptor table full),
 * ENOBUFS, or the errno of the transport's open. The transport must be plumbed on the
 * lcore (yard_tcp_plumb, yard_udp_plumb) for bind and connect to find local addresses.
 */
int yard_socket(int domain, int type, int protocol);

/**
 * Bind a local address (sin_addr INADDR_ANY: every local address; sin_port 0: an ephemeral
 * port). @return 0, or -1: EINVAL (already bound, or addrlen < sizeof(struct sockaddr_in)),
 * EAFNOSUPPORT (sin_family != AF_INET), EADDRINUSE (the port is taken: TADDRBUSY),
 * EADDRNOTAVAIL (not a local address: TBADADDR / TNOADDR).
 */
int yard_bind(int fd, const struct sockaddr *addr, socklen_t addrlen);

/**
 * Listen (SOCK_STREAM): connection indications up to backlog (<= 0: 1; capped by the
 * provider) are queued for yard_accept(). An unbound socket is bound to an ephemeral port
 * first. Listening again is a no-op (the backlog stays). @return 0, or -1: EOPNOTSUPP
 * (SOCK_DGRAM), EINVAL (connected, connecting or shut down), EADDRINUSE.
 */
int yard_listen(int fd, int backlog);

/**
 * Take the next queued connection: a new socket on the calling lcore, connected, and the
 * peer's address in *addr (truncated to *addrlen, which gets the full length; addr NULL:
 * not wanted). Connections the peer reset while queued are skipped.
 * @return the new descriptor, or -1: EAGAIN (none queued), EINVAL (not listening),
 * EOPNOTSUPP (SOCK_DGRAM), EMFILE, ENOBUFS.
 */
int yard_accept(int fd, struct sockaddr *addr, socklen_t *addrlen);

/**
 * Connect. SOCK_STREAM: starts the handshake (an unbound socket gets an ephemeral port) and
 * fails with EINPROGRESS; completion is EPOLLOUT, its result SO_ERROR (0, ECONNREFUSED on a
 * RST, ETIMEDOUT). SOCK_DGRAM: sets the default peer at once (0), and only its datagrams are
 * received from then on; AF_UNSPEC dissolves the association.
 * @return -1 with EINPROGRESS (stream), 0 (datagram), or -1: EALREADY (in progress),
 * EISCONN, EINVAL (listening, bad addrlen), EAFNOSUPPORT, EADDRNOTAVAIL (port or address
 * 0), ECONNREFUSED (a pending refusal not yet read), EAGAIN (flow control).
 */
int yard_connect(int fd, const struct sockaddr *addr, socklen_t addrlen);

/**
 * Send. SOCK_STREAM: copies up to len bytes, returns how many were taken (fewer when flow
 * control stopped part). SOCK_DGRAM: one datagram to the connected peer. flags: 0,
 * MSG_DONTWAIT, MSG_NOSIGNAL (both no-ops), MSG_MORE (stream: held back like T_MORE).
 * @return bytes sent, or -1: EAGAIN (flow control; EPOLLOUT follows), ENOTCONN, EPIPE
 * (SHUT_WR done, or the connection was released or reset), EDESTADDRREQ (datagram, no
 * peer), EMSGSIZE (datagram > 65,507 bytes), EOPNOTSUPP (MSG_OOB or unknown flags).
 */
ssize_t yard_send(int fd, const void *buf, size_t len, int flags);

/**
 * Receive. SOCK_STREAM: up to len bytes from as many queued segments as fit; 0 at the
 * peer's orderly release (and after SHUT_RD). SOCK_DGRAM: one datagram, the rest of a
 * longer one discarded (MSG_TRUNC in yard_recvmsg's msg_flags). flags: MSG_PEEK (leave the
 * data queued), MSG_DONTWAIT (no-op), MSG_TRUNC (datagram: return the real length).
 * @return bytes read, 0 at end of stream, or -1: EAGAIN (nothing queued), ENOTCONN,
 * ECONNRESET (reset by the peer; reported once, then 0), ECONNREFUSED (connected datagram
 * socket: an ICMP port unreachable came back), EOPNOTSUPP (MSG_OOB, unknown flags).
 */
ssize_t yard_recv(int fd, void *buf, size_t len, int flags);

/**
 * yard_send() to an address: SOCK_DGRAM sends to dest (NULL: the connected peer, else
 * EDESTADDRREQ); EISCONN if connected and dest is given. SOCK_STREAM ignores dest (as
 * Linux does) when connected, ENOTCONN otherwise. An unbound datagram socket is bound to an
 * ephemeral port first. Errors as yard_send(), and EINVAL / EAFNOSUPPORT for dest.
 */
ssize_t yard_sendto(int fd, const void *buf, size_t len, int flags,
		    const struct sockaddr *dest, socklen_t destlen);

/**
 * yard_recv() and the sender's address (datagram; the peer for a stream) into *src,
 * truncated to *srclen, which gets the full length (src NULL: not wanted). Errors as
 * yard_recv().
 */
ssize_t yard_recvfrom(int fd, void *buf, size_t len, int flags,
		      struct sockaddr *src, socklen_t *srclen);

/**
 * Gather send: msg_iov (msg_iovlen <= IOV_MAX) as one message (one datagram), to msg_name
 * if given (as yard_sendto). msg_control is not supported (EINVAL if msg_controllen > 0).
 * Errors as yard_sendto(), and EMSGSIZE when msg_iovlen > IOV_MAX.
 */
ssize_t yard_sendmsg(int fd, const struct msghdr *msg, int flags);

/**
 * Scatter receive into msg_iov, filled in order; the source to msg_name (as yard_recvfrom);
 * msg_flags gets MSG_TRUNC when a datagram was longer than the buffers. msg_controllen is
 * set to 0. Errors as yard_recvfrom().
 */
ssize_t yard_recvmsg(int fd, struct msghdr *msg, int flags);

/**
 * Shut down reception (SHUT_RD: queued and further data are discarded, reads return 0),
 * transmission (SHUT_WR: an orderly release, T_ORDREL_REQ / FIN; sends fail with EPIPE; if
 * flow control refuses the release, the next call on the socket, or the next epoll wait that
 * looks at it, sends it once the stream is writable) or both. @return 0, or -1: EINVAL (how), ENOTCONN (not connected; also datagram sockets
 * without a peer).
 */
int yard_shutdown(int fd, int how);

/** Longest a closed TCP socket's stream stays open to hand its queued data to tcp (ms). */
#define YARD_SOCK_LINGER_MS 15000

/**
 * Close a socket or an epoll instance in any state. A connected TCP socket is released in
 * order (the FIN follows the data still queued; SO_LINGER is not supported): when flow
 * control still holds data in the provider's write queue, the stream stays open, the
 * descriptor unusable (EBADF), until tcp has taken it, at most YARD_SOCK_LINGER_MS, as SVR4's
 * close waits for the queues to drain, but without blocking (a poll hook of the lcore does
 * it). A connection still being set up, or with received data nobody read, is aborted (RST,
 * as RFC 2525 2.17 has it); queued connections of a listener are reset. The socket leaves
 * its epoll interest list. Must not be called from inside a STREAMS procedure (an XTI
 * callback): yard_epoll_wait() is the place.
 * @return 0, or -1: EBADF, EBUSY (called from inside the socket's own stream).
 */
int yard_close(int fd);

/**
 * Close at once every socket of the calling lcore whose close still waits for its data to
 * drain (lcore teardown, before tcp is unplumbed).
 */
void yard_sock_reap_all(void);

/**
 * Socket options. SOL_SOCKET: SO_REUSEADDR, SO_KEEPALIVE (int, 0/1), SO_RCVBUF, SO_SNDBUF
 * (int bytes; tcp and udp clamp, getsockopt returns what was set), SO_ERROR (get only: the
 * pending error, cleared by reading), SO_TYPE (get only). IPPROTO_TCP: TCP_NODELAY (int,
 * 0/1). The value is an int: optlen must be >= sizeof(int). IPPROTO_IP on datagram sockets:
 * IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP (struct ip_mreq; set only; EINVAL when udp refuses:
 * not a group, no link with that address, joined already or not joined, tables full),
 * IP_ADD_SOURCE_MEMBERSHIP, IP_DROP_SOURCE_MEMBERSHIP, IP_BLOCK_SOURCE, IP_UNBLOCK_SOURCE
 * (struct ip_mreq_source; set only; RFC 3678 source filters: the first ADD_SOURCE joins a
 * group for that source alone, the last DROP_SOURCE leaves it; BLOCK and UNBLOCK change the
 * sources a membership made by IP_ADD_MEMBERSHIP leaves out; IP_DROP_MEMBERSHIP leaves either
 * kind; EINVAL for every refusal, as above, and also the wrong kind of membership or none, a
 * source there already or not there, one that is not unicast, 10 sources taken; Linux says
 * EADDRNOTAVAIL for some of these, udp's answer does not tell them apart) and
 * IP_MULTICAST_TTL (int or one byte, 1..255, -1 for the default 1; 0 is EINVAL: yard does not
 * loop a group's datagrams back to the host).
 * @return 0, or -1: ENOPROTOOPT (unknown level or name; SO_ERROR/SO_TYPE set; TCP options
 * and SO_KEEPALIVE on a datagram socket), EINVAL (optlen too short), EFAULT (a NULL value),
 * EPIPE (after a reset the stream takes no option requests; SO_ERROR and SO_TYPE still work).
 */
int yard_setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen);
/** Read an option (see yard_setsockopt). *optlen in: room (>= sizeof(int)); out: sizeof(int). */
int yard_getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen);

/**
 * The local address (unbound: INADDR_ANY, port 0) into *addr, truncated to *addrlen, which
 * gets the full length. @return 0, or -1: EINVAL (addrlen NULL), EFAULT (addr NULL).
 */
int yard_getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen);
/** The peer's address, as yard_getsockname(). -1: ENOTCONN. */
int yard_getpeername(int fd, struct sockaddr *addr, socklen_t *addrlen);

/* ---- zero copy ---------------------------------------------------------------------------- */

/**
 * Zero-copy send: the M_DATA message mp goes to the provider as it is (tcp keeps it by
 * reference for retransmission; udp writes its headers in the message's headroom when there
 * is room). dest as yard_sendto() (NULL for a stream or a connected datagram socket).
 * On success the message belongs to the provider and its byte count is returned; on failure
 * (-1, errno as yard_sendto(): EAGAIN, EPIPE, ...) it is still the caller's. flags as
 * yard_send().
 */
ssize_t yard_sendto_mblk(int fd, mblk_t *mp, int flags, const struct sockaddr *dest,
			 socklen_t destlen);

/**
 * Zero-copy receive: *mpp is the next data as it arrived (the received mbufs, headers
 * trimmed; a stream's next segment, or the rest of one a copying read took part of; a whole
 * datagram). The sender's address to *src as yard_recvfrom() (may be NULL). The caller frees
 * or sends *mpp. @return its byte count (0 with *mpp NULL at end of stream), or -1 as
 * yard_recvfrom(). flags: 0 or MSG_DONTWAIT (MSG_PEEK: EOPNOTSUPP).
 */
ssize_t yard_recvfrom_mblk(int fd, mblk_t **mpp, int flags, struct sockaddr *src,
			   socklen_t *srclen);

/* ---- readiness (epoll) -------------------------------------------------------------------- */

/**
 * Create an epoll instance on the calling lcore (flags: 0 or EPOLL_CLOEXEC, which changes
 * nothing). Only sockets of the same lcore can be registered with it.
 * @return the descriptor (>= YARD_EPOLL_FD_BASE), or -1: EINVAL (flags), EMFILE
 * (YARD_EPOLL_MAX instances open), EXDEV (not on an lcore with a STREAMS scheduler).
 */
int yard_epoll_create1(int flags);
/** As yard_epoll_create1(0); size must be > 0 (EINVAL), and is otherwise ignored. */
int yard_epoll_create(int size);

/**
 * Add (EPOLL_CTL_ADD), change (EPOLL_CTL_MOD) or remove (EPOLL_CTL_DEL; ev may be NULL) the
 * interest in socket fd. ev->events: EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLET, EPOLLONESHOT
 * (EPOLLERR and EPOLLHUP are always reported); ev->data comes back with each event. A socket
 * is in at most one epoll instance at a time. Adding a socket that is ready already reports
 * it at the next wait, in either mode.
 * @return 0, or -1: EBADF (epfd or fd), EINVAL (epfd is not an epoll descriptor, fd == epfd,
 * op, unsupported event bits such as EPOLLEXCLUSIVE), EEXIST (ADD: already registered),
 * ENOENT (MOD/DEL: not registered), EBUSY (ADD: registered with another instance), EPERM
 * (fd is an epoll descriptor: nesting is not supported), ENOTSOCK (fd is an XTI endpoint),
 * EFAULT (ev NULL for ADD/MOD), EXDEV (another lcore's).
 */
int yard_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);

/**
 * Up to maxevents ready sockets into events, each with what it is ready for now (EPOLLIN:
 * data, an orderly release, a reset or a connection to accept; EPOLLOUT: a send would not
 * meet flow control, or a connect finished; EPOLLRDHUP: the peer released; EPOLLHUP: both
 * directions are shut or the connection was reset; EPOLLERR: SO_ERROR is pending).
 *
 * Fed by the stream heads' notifiers: a socket enters the instance's ready list when an
 * event arrives for it (or on EPOLL_CTL_ADD/MOD), and only ready-listed sockets are looked
 * at. Level triggered (default): a reported socket stays on the list and is re-checked at
 * the next wait, leaving when it is no longer ready. EPOLLET: reported once per event;
 * read (accept, write) until EAGAIN. EPOLLONESHOT: reported once, then disabled until
 * EPOLL_CTL_MOD.
 *
 * timeout 0 returns at once. timeout > 0 (ms) or -1 (no limit) turns the lcore's loop
 * (yard_sched_loop_once) while nothing is ready: with [yard] idle_sleep_us it sleeps when idle
 * as the loop does, the sleeps ending at the timeout (a timer is armed for it while the wait
 * lasts), and an event that comes during a sleep is seen when the sleep ends. Use it only from
 * the lcore's main loop (not from a poll hook or any STREAMS procedure, where it would recurse
 * into the scheduler): an application running as a poll hook calls it with 0.
 * @return the number of events (0: none), or -1: EBADF / EINVAL (epfd), EINVAL (maxevents
 * <= 0), EFAULT (events NULL), EXDEV.
 */
int yard_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout);

/* ---- inspection --------------------------------------------------------------------------- */

/** The stream under socket fd (inspection, tests), NULL if fd is not an open socket. */
struct stdata *yard_sock_stream(int fd);

/** Number of the library's counters (protocols/socket/socket.def). */
unsigned yard_sockstat_count(void);
/** Name and help text of counter i, NULL past the end. */
const char *yard_sockstat_name(unsigned i);
const char *yard_sockstat_help(unsigned i);
/** Counter i summed over lcore (-1: every lcore). Readable from any thread. */
uint64_t yard_sockstat_get(unsigned i, int lcore);

struct rte_tel_data;
/**
 * A rte_telemetry_cb for the application to register (e.g. "/yard/sockets"): {"library":
 * {...}, "sockmod": {...}, "sock_echo": {...}}, summed over lcores, or of one lcore (params).
 */
int yard_sock_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d);

#ifdef __cplusplus
}
#endif
#endif /* YARD_PROTOCOLS_SOCKET_YARD_SOCKET_H */
