/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The "tcp" STREAMS driver: TCP (RFC 9293) speaking TPI upward, a multiplexor over ip, shaped
 * like udp (protocols/udp.h).
 *
 * Shape. Each lcore has one tcp *instance* (connection tables, local addresses, parameters),
 * created by the first open of "tcp" on the lcore (its control stream) and freed when that
 * stream closes. The application I_LINKs an "ip" upper stream bound to protocol 6
 * (IP_PROTO_BIND) under the control stream; every other open is an endpoint speaking TPI
 * (T_COTS_ORD). yard_tcp_plumb() does the plumbing.
 *
 * TPI. T_BIND_REQ (CONIND_number > 0 makes a listener with that many pending indications),
 * T_CONN_REQ -> T_OK_ACK then T_CONN_CON, T_CONN_IND (SEQ_number identifies it) answered by
 * T_CONN_RES (ACCEPTOR_id = the id T_CAPABILITY_ACK gave the accepting endpoint) or
 * T_DISCON_REQ, T_DATA_REQ or plain M_DATA down, **plain M_DATA up** (as illumos tcp sends:
 * the received mblks themselves), T_ORDREL_REQ/IND, T_DISCON_REQ/IND, T_OPTMGMT_REQ with
 * XTI_GENERIC XTI_SNDBUF/XTI_RCVBUF, T_INET_TCP T_TCP_NODELAY/T_TCP_KEEPALIVE/T_TCP_MAXSEG
 * and yard's T_TCP_CONGESTION, T_INFO_REQ, T_ADDR_REQ, T_CAPABILITY_REQ, T_UNBIND_REQ.
 *
 * Flow control. An endpoint's send buffer holds XTI_SNDBUF bytes; beyond it messages wait on
 * the endpoint's write queue, which fills and holds the stream head back (writes fail with
 * EAGAIN, XTI's TFLOW). The receive window is XTI_RCVBUF less what the reader has not read
 * (the stream head's read queue count; its high-water mark is set to half of XTI_RCVBUF) and
 * less the out-of-order data held; it closes when the reader lags, and re-opens when the
 * stream head back-enables the endpoint (the reader drained below a quarter of XTI_RCVBUF).
 *
 * Addresses in TPI messages are struct sockaddr_in; all addresses and ports in messages are in
 * network byte order.
 */
#ifndef YARD_PROTOCOLS_TCP_H
#define YARD_PROTOCOLS_TCP_H

#include <stdint.h>

#include <protocols/tihdr.h>
#include <streams/sth.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_tel_data;

/** Driver name to sth_open() / t_open(). */
#define TCP_DRVNAME "tcp"

/** Default and limits of XTI_SNDBUF / XTI_RCVBUF in bytes. */
#define TCP_SNDBUF_DEFAULT (256u * 1024u)
#define TCP_RCVBUF_DEFAULT (256u * 1024u)
#define TCP_BUF_MIN        2048u
#define TCP_BUF_MAX        (16u * 1024u * 1024u)
/** TTL of a connection's segments unless T_IP_TTL says otherwise, and of RSTs. */
#define TCP_TTL_DEFAULT    64u
/** Local addresses an instance can hold (TCP_ADDR_ADD). */
#define TCP_MAX_ADDRS 16

/** @name XTI option levels and names (XTI / illumos values; guarded: xti.h may define them). */
/**@{*/
#ifndef XTI_GENERIC
#define XTI_GENERIC 0xffff
#define XTI_SNDBUF  0x1001
#define XTI_RCVBUF  0x1002
#endif
#ifndef T_INET_TCP
#define T_INET_TCP      0x6
#define T_TCP_NODELAY   0x1 /**< t_uscalar_t T_YES/T_NO: disable Nagle */
#define T_TCP_MAXSEG    0x2 /**< t_uscalar_t: MSS (read only) */
#define T_TCP_KEEPALIVE 0x8 /**< struct t_kpalive */
/** XTI's keepalive value. */
struct t_kpalive {
	t_scalar_t kp_onoff;   /**< T_YES / T_NO */
	t_scalar_t kp_timeout; /**< minutes, -1 default */
};
#endif
/** yard: congestion control of the connection, a NUL-padded name ("newreno"). */
#define T_TCP_CONGESTION 0x7901
/**
 * yard: t_uscalar_t T_YES (default) / T_NO: offer and use SACK (RFC 2018, RFC 6675 recovery).
 * Takes effect at the next SYN: set it on the endpoint before T_CONN_REQ, or on the
 * listener for the connections it accepts.
 */
#define T_TCP_SACK 0x7902
/** Longest congestion control name, NUL included. */
#define TCP_CA_NAME_MAX 16
/**@}*/

/** @name tcp ioctls (I_STR ic_cmd on any tcp stream of the lcore). */
/**@{*/
#define TCP_IOC ('P' << 8)
/** Tune the instance: struct tcp_param in and out (0 keeps a field). EINVAL out of range. */
#define TCP_SETPARAM (TCP_IOC | 1)
/** Add a local address (struct tcp_addrreq in). EEXIST, ENOSPC, EINVAL. */
#define TCP_ADDR_ADD (TCP_IOC | 2)
/** Remove a local address (struct tcp_addrreq in). ENOENT. */
#define TCP_ADDR_DEL (TCP_IOC | 3)
/** This lcore's counters: struct tcpstat out. */
#define TCP_GETSTATS (TCP_IOC | 4)
/** An endpoint's connection: struct tcp_conninfo out (endpoint streams). */
#define TCP_GETINFO  (TCP_IOC | 5)
/**
 * How the port of a local address spreads received segments over queues (struct
 * tcp_rss_conf in): active opens from that address then take an ephemeral port whose RSS
 * hash brings the peer's replies to this lcore. trc_reta_size 0 forgets the address.
 * EINVAL (bad sizes, not a local address), ENOSPC.
 */
#define TCP_RSS_SET  (TCP_IOC | 6)
/**@}*/

/** tp_flags: trust the port's RX L4 checksum verdict (every link of the lcore verifies). */
#define TCP_PF_RX_CKSUM_OFFLOAD 0x1u
/** tp_flags: no SYN cookies: SYNs beyond the backlog are dropped (drop_syn_backlog). */
#define TCP_PF_NO_SYNCOOKIES    0x2u
/** tp_flags: plain RFC 5681 slow start, without HyStart++ (RFC 9406), for new connections */
#define TCP_PF_NO_HYSTART       0x4u
/** tp_flags: no RACK (RFC 8985 6) for new segments: RFC 6675 recovery alone, with its
 *  one-segment lost-retransmission check */
#define TCP_PF_NO_RACK          0x8u
/** tp_flags: no Proportional Rate Reduction (RFC 6937) in recovery: RFC 6675's
 *  cwnd = ssthresh, sending whenever pipe is a segment below it */
#define TCP_PF_NO_PRR           0x10u
/** tp_flags: no tail loss probes (RFC 8985 7): a lost tail waits for the RTO */
#define TCP_PF_NO_TLP           0x20u
/** tp_flags: no path MTU black hole detection (RFC 4821 10): full-size segments that time
 *  out again and again are resent in full size until the connection gives up */
#define TCP_PF_NO_BLACKHOLE     0x40u
/** tp_flags: an active open never takes over a 4-tuple in TIME-WAIT (as Linux's
 *  tcp_tw_reuse = 0): with every ephemeral port's 4-tuple to a server in TIME-WAIT, a
 *  connection to it is refused TADDRBUSY until one ends */
#define TCP_PF_NO_TW_REUSE      0x80u
/** tp_flags: clear every flag first. */
#define TCP_PF_CLEAR            0x80000000u

/** TCP_SETPARAM argument; 0 keeps a field's value. Defaults in brackets. */
struct tcp_param {
	uint32_t tp_msl_ms;        /**< maximum segment lifetime; TIME-WAIT is 2 MSL [30000] */
	uint32_t tp_rto_min_ms;    /**< RTO floor [200] (RFC 6298 2.4 says 1 s; see docs) */
	uint32_t tp_rto_max_ms;    /**< RTO ceiling [60000] */
	uint32_t tp_rto_init_ms;   /**< RTO before any sample [1000] (RFC 6298 2.1) */
	uint32_t tp_rexmt_max;     /**< retransmissions before giving up [12] */
	uint32_t tp_syn_rexmt_max; /**< SYN retransmissions before giving up [6] */
	uint32_t tp_delack_ms;     /**< delayed-ACK timeout [40] (RFC 9293 3.8.6.3: < 500) */
	uint32_t tp_keepidle_ms;   /**< idle time before keepalive probes [7200000] */
	uint32_t tp_keepintvl_ms;  /**< between keepalive probes [75000] */
	uint32_t tp_keepcnt;       /**< unanswered probes before dropping [8] */
	uint32_t tp_mss;           /**< MSS announced and used by default [1460] */
	uint32_t tp_syn_backlog;   /**< embryonic connections per listener [128] */
	/** Challenge ACKs per second of the lcore's instance, on average (RFC 5961 7): each
	 *  second's budget is drawn from [(limit+1)/2, (limit+1)/2 + limit) so that the count leaks nothing to
	 *  an off-path attacker; UINT32_MAX: no limit [1000] */
	uint32_t tp_challenge_ack_limit;
	/** After a path MTU reduction, the wait before the full MSS is tried again (RFC 1191
	 *  6.3: 10 minutes) [600000] */
	uint32_t tp_pmtu_raise_ms;
	/** Connections in TIME-WAIT at once; one more closing past it waits a tick, not 2 MSL
	 *  (timewait_overflow; as Linux's tcp_max_tw_buckets), so a server that closes first
	 *  cannot fill the connection table and refuse new SYNs [32768, at most 65536] */
	uint32_t tp_max_timewait;
	/** Orphans (connections whose stream closed, finishing their close) at once, TIME-WAIT
	 *  aside; a stream closing past it resets its connection instead (orphan_overflow; as
	 *  Linux's tcp_max_orphans): each may hold a send buffer of pool blocks [8192, at most
	 *  65536] */
	uint32_t tp_max_orphans;
	/** Retransmissions, or window probes, an orphan makes before it gives up (orphan_drops;
	 *  Linux's tcp_orphan_retries): no one is left to wait for it [8, at most 255] */
	uint32_t tp_orphan_retries;
	/** ICMP errors this lcore's instance copies to the others per second (tcp_icmp_relay():
	 *  about another lcore's passive open); past it an error naming no connection here is
	 *  dropped (icmp_relay_limited), so a flood of forged errors cannot fill the other
	 *  lcores' mailboxes. Routers send at most ~1000 a second (Linux's icmp_msgs_per_sec);
	 *  UINT32_MAX: no limit [1000] */
	uint32_t tp_icmp_relay_limit;
	/** The MSS a connection falls to when its full-size segments time out twice in a row
	 *  and smaller ones have not (a path MTU black hole: a router drops what is too big
	 *  and its "fragmentation needed" never arrives, RFC 2923 2.1); twice more and it falls
	 *  to 536, twice more again and the MSS it had comes back (it was loss, not size).
	 *  Raised again after tp_pmtu_raise_ms, as after an ICMP report. 256..8960 [1200] */
	uint32_t tp_blackhole_mss;
	uint16_t tp_port_lo;       /**< ephemeral ports from [49152] */
	uint16_t tp_port_hi;       /**< to [65535] */
	uint32_t tp_flags;         /**< TCP_PF_*; ORed in, TCP_PF_CLEAR first */
	/** Congestion control of new connections, "newreno" or "cubic"; "" keeps [newreno]. */
	char tp_cc[TCP_CA_NAME_MAX];
};

/** Longest RSS key and RETA TCP_RSS_SET takes. */
#define TCP_RSS_KEY_MAX  52
#define TCP_RSS_RETA_MAX 512
/** trc_flags: the port hashes the TCP ports too (RTE_ETH_RSS_NONFRAG_IPV4_TCP), not only
 *  the addresses. */
#define TCP_RSS_L4 0x1u

/** TCP_RSS_SET argument: the port's Toeplitz key and which RETA entries are ours. */
struct tcp_rss_conf {
	uint32_t trc_addr;       /**< the local address the port serves, network order */
	uint16_t trc_reta_size;  /**< RETA entries (the hash modulo this indexes it); 0: forget */
	uint8_t trc_key_len;     /**< bytes of trc_key, 16..TCP_RSS_KEY_MAX */
	uint8_t trc_flags;       /**< TCP_RSS_* */
	uint8_t trc_key[TCP_RSS_KEY_MAX];        /**< the RSS (Toeplitz) key */
	uint8_t trc_mine[TCP_RSS_RETA_MAX / 8];  /**< bit i set: entry i names a queue of ours */
};

/** TCP_ADDR_ADD / TCP_ADDR_DEL argument. */
struct tcp_addrreq {
	uint32_t ta_addr;   /**< network order */
	uint8_t ta_prefix;  /**< subnet prefix length 1..32 */
	uint8_t ta_pad[3];
};

/** @name TCP states (RFC 9293 3.3.2), tcpi_state. */
/**@{*/
#define TCPS_CLOSED       0
#define TCPS_LISTEN       1
#define TCPS_SYN_SENT     2
#define TCPS_SYN_RECEIVED 3
#define TCPS_ESTABLISHED  4
#define TCPS_CLOSE_WAIT   5
#define TCPS_FIN_WAIT_1   6
#define TCPS_CLOSING      7
#define TCPS_LAST_ACK     8
#define TCPS_FIN_WAIT_2   9
#define TCPS_TIME_WAIT    10
/**@}*/

/** TCP_GETINFO answer. */
struct tcp_conninfo {
	uint32_t tcpi_state;      /**< TCPS_* */
	uint32_t tcpi_snd_una, tcpi_snd_nxt, tcpi_snd_wnd, tcpi_snd_cwnd, tcpi_snd_ssthresh;
	uint32_t tcpi_rcv_nxt, tcpi_rcv_wnd;
	uint32_t tcpi_mss;        /**< segment size used for sending */
	uint32_t tcpi_srtt_ms, tcpi_rto_ms;
	uint32_t tcpi_rxtshift;   /**< retransmissions of the current segment */
	uint32_t tcpi_snd_wscale, tcpi_rcv_wscale;
	uint32_t tcpi_flags;      /**< TCPI_* */
	uint32_t tcpi_sndbuf_cc;  /**< bytes in the send buffer (unacked + unsent) */
	uint32_t tcpi_ooo_bytes;  /**< bytes held out of order */
	uint32_t tcpi_dupacks;
};
#define TCPI_TS     0x1 /**< timestamps in use */
#define TCPI_WS     0x2 /**< window scaling in use */
#define TCPI_NODELAY 0x4
#define TCPI_RECOVERY 0x8 /**< in fast recovery */
#define TCPI_SACK   0x10 /**< SACK agreed (RFC 2018) */

/** @name yard_tcp_conn_row tr_flags. */
/**@{*/
#define TCP_ROW_LISTENER 0x1u /**< a listener (TCPS_LISTEN) */
#define TCP_ROW_ENDPOINT 0x2u /**< attached to an open stream (not embryonic, not orphaned) */
#define TCP_ROW_ORPHAN   0x4u /**< its stream closed; finishing the close on its own */
/**@}*/

/**
 * One row of yard_tcp_conns_snapshot(): a connection or a listener, as netstat shows it.
 * For a listener (as Linux's ss does) tr_recvq counts the connections waiting to be
 * accepted and tr_sendq is the backlog (CONIND_number).
 */
struct yard_tcp_conn_row {
	uint32_t tr_lcore;    /**< lcore owning the connection */
	uint32_t tr_flags;    /**< TCP_ROW_* */
	uint32_t tr_laddr;    /**< local address, network order (0: any, a listener) */
	uint32_t tr_faddr;    /**< remote address, network order (0 for a listener) */
	uint16_t tr_lport;    /**< local port, network order */
	uint16_t tr_fport;    /**< remote port, network order */
	uint32_t tr_sendq;    /**< bytes sent and not acknowledged, plus unsent */
	uint32_t tr_recvq;    /**< bytes received in order and not yet read by the user */
	uint32_t tr_retrans;  /**< segments this connection retransmitted, in all */
	struct tcp_conninfo tr_info; /**< as TCP_GETINFO answers */
};

/**
 * Fill rows with the connections and listeners of the calling lcore's tcp instance (unbound
 * endpoints are left out) and return how many there are in all, which may exceed max (only
 * max rows are written). 0 if the lcore has no tcp instance. Must run on the lcore owning
 * the instance (its tables are not locked): from elsewhere, go through that lcore's mailbox.
 */
int yard_tcp_conns_snapshot(struct yard_tcp_conn_row *rows, unsigned max);

/** Counters of TCP on one lcore: tcps_<name> for every TCP_STAT() in tcp/tcp.def. */
struct tcpstat {
#define TCP_STAT(name, help) uint64_t tcps_##name;
#include <protocols/tcp/tcp.def>
#undef TCP_STAT
};

/** TCPS__<name> indexes, in .def order. */
enum tcpstat_index {
#define TCP_STAT(name, help) TCPS__##name,
#include <protocols/tcp/tcp.def>
#undef TCP_STAT
	TCPS__COUNT
};

/** Name and help text of counter i, NULL past the end. */
const char *tcpstat_name(unsigned i);
const char *tcpstat_help(unsigned i);
/** Sum the counters of lcore (-1: every lcore) into *out. Readable from any lcore. */
void tcpstat_sum(struct tcpstat *out, int lcore);
/** Fill d (fresh) with a dict of TCP counters of lcore (-1: summed). 0 or -errno. */
int tcp_tel_fill(struct rte_tel_data *d, int lcore);
/** Fill d with {"lcore<N>": {counters}} for every lcore that ever had a tcp instance. */
int tcp_tel_fill_per_lcore(struct rte_tel_data *d);
/** rte_telemetry_cb ("/yard/tcp"): params empty (sum), "<lcore>", or "per_lcore". */
int tcp_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d);

/** What yard_tcp_plumb() opened on an lcore. */
struct yard_tcp_plumbing {
	struct stdata *tp_tcp; /**< tcp control stream */
	struct stdata *tp_ip;  /**< ip upper stream bound to 6, linked under tp_tcp */
	int tp_muxid;
};

/**
 * Plumb tcp on the calling lcore (its ip control stream must be open): open "tcp" and "ip",
 * IP_PROTO_BIND 6, I_LINK, TCP_ADDR_ADD each address. 0, or -errno with nothing left open.
 */
int yard_tcp_plumb(struct yard_tcp_plumbing *p, const struct tcp_addrreq *addrs, unsigned n);
/** Undo yard_tcp_plumb() on the same lcore. */
void yard_tcp_unplumb(struct yard_tcp_plumbing *p);

#ifdef __cplusplus
}
#endif
#endif /* YARD_PROTOCOLS_TCP_H */
