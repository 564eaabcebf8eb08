/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The "udp" STREAMS driver: UDP (RFC 768, RFC 1122 section 4.1) speaking TPI upward, a
 * multiplexor over ip, as in SVR4.
 *
 * Shape. udp is a driver with a lower side. Each lcore has one udp *instance* (port table,
 * local addresses, parameters), created by the first open of "udp" on the lcore and freed
 * with the last close. One stream of the instance is its control stream: the one under which
 * the application I_LINKs an "ip" upper stream bound to protocol 17 (IP_PROTO_BIND); every
 * other stream is an endpoint (a clone open), speaking TPI (protocols/tihdr.h):
 *
 *        endpoint   endpoint   ...  (T_BIND_REQ, T_UNITDATA_REQ/IND, ...; timod + XTI above)
 *              \       |      /
 *             udp instance (this lcore): port table, local addresses
 *                      |   I_LINK under the control stream
 *              ip upper stream, IP_PROTO_BIND 17
 *                      |
 *              ip instance (this lcore)
 *
 * yard_udp_plumb() does that plumbing for the calling lcore.
 *
 * TPI. T_INFO_REQ/ACK (T_CLTS, TSDU 65,507, addresses are struct sockaddr_in), T_BIND_REQ
 * (XTI: TADDRBUSY when the port is taken) and O_T_BIND_REQ (TLI: another port instead), port 0
 * for an ephemeral port from the instance's range, T_UNBIND_REQ, T_OK_ACK/T_ERROR_ACK with the
 * TPI state machine (TOUTSTATE), T_UNITDATA_REQ/IND, T_UDERROR_IND (a datagram udp could not
 * send, or an ICMP error about one it sent, ERROR_type an errno), T_OPTMGMT_REQ/ACK with XTI
 * options (XTI_GENERIC: XTI_RCVBUF, XTI_SNDBUF; T_INET_IP: T_IP_BROADCAST, T_IP_TOS,
 * T_IP_TTL, T_IP_MULTICAST_TTL, T_IP_ADD_MEMBERSHIP, T_IP_DROP_MEMBERSHIP; T_INET_UDP:
 * T_UDP_CHECKSUM), T_ADDR_REQ/ACK, T_CAPABILITY_REQ/ACK.
 *
 * Input. Datagrams come up from ip as M_DATA with b_rptr at the IPv4 header (reassembled by ip
 * when fragmented). The UDP length is checked against the IP payload (< 8 or larger: dropped;
 * smaller: the rest is ignored), the checksum verified unless zero (in software over the
 * message's blocks, or the port's verdict when UDP_PF_RX_CKSUM_OFFLOAD says every link of
 * the lcore verifies), the endpoint found by (destination address, port), else by port alone
 * (a wildcard bind). No endpoint: ICMP port unreachable (RFC 1122 4.1.3.1) is asked of ip with
 * an IP_ICMP_ERR_REQ M_CTL, except for broadcasts. The T_UNITDATA_IND's data is the received
 * message itself with b_rptr moved past the IP and UDP headers: no copy. An endpoint whose
 * stream head is full loses the datagram (counted drop_rcvbuf_full): UDP semantics.
 *
 * Output. A T_UNITDATA_REQ's UDP header goes into the data's headroom when the data block is
 * not shared and has room for the UDP, IP and link headers (the stream head leaves it:
 * M_SETOPTS SO_WROFF at open), else into a new block linked in front; the payload is never
 * copied. The checksum is computed in software (ip offloads only the IPv4 header checksum
 * today, and a transport cannot learn the link's caps). The request block itself becomes the
 * IP_UNITDATA_REQ that asks ip to build the IPv4 header, with the source address chosen here
 * (the endpoint's, or the local address whose subnet holds the destination, else the first:
 * UDP_ADDR_ADD), since the checksum covers it; marked IP_UNITDATA_OWNED when udp proved the
 * data block is its own with room for every header (ip then skips that check). A request
 * the XTI library marked YB_TUDATA (streams/mblk.h) has its layout taken as proved; its
 * destination and data are still checked here. When ip is flow controlled, requests wait on
 * the endpoint's write queue, which fills up to XTI_SNDBUF and then holds the stream head
 * back (TFLOW); the lower write service procedure re-enables the waiting endpoints.
 *
 * All addresses and ports in messages are in network byte order.
 */
#ifndef YARD_PROTOCOLS_UDP_H
#define YARD_PROTOCOLS_UDP_H

#include <stdint.h>

#include <streams/sth.h>
#include <protocols/ip.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_tel_data;

/** Driver name to sth_open() / t_open(). */
#define UDP_DRVNAME "udp"

/** Largest datagram payload: 65,535 - 20 (IPv4 header) - 8 (UDP header). */
#define UDP_TSDU_MAX 65507
/** Headroom the stream head leaves in front of written data (SO_WROFF): UDP + IP + link. */
#define UDP_WROFF 96u
/** Default ephemeral port range (RFC 6335 section 6). */
#define UDP_PORT_EPH_LO 49152u
#define UDP_PORT_EPH_HI 65535u
/** Default and limits of XTI_RCVBUF (the stream head's read high-water mark) in bytes. */
#define UDP_RCVBUF_DEFAULT (256u * 1024u)
#define UDP_RCVBUF_MIN     1024u
#define UDP_RCVBUF_MAX     (16u * 1024u * 1024u)
/** Default and limits of XTI_SNDBUF (the endpoint's write high-water mark) in bytes. */
#define UDP_SNDBUF_DEFAULT (256u * 1024u)
#define UDP_SNDBUF_MIN     1024u
#define UDP_SNDBUF_MAX     (16u * 1024u * 1024u)
/** Local addresses an instance can hold (UDP_ADDR_ADD). */
#define UDP_MAX_ADDRS 16

/** @name udp ioctls (I_STR ic_cmd on any udp stream of the lcore; ic_dp/ic_len as given). */
/**@{*/
#define UDP_IOC ('U' << 8)
/**
 * Tune the instance: struct udp_param in and out; zero fields keep their value; the answer
 * holds the values in force. EINVAL: a range with lo > hi or lo < 1024.
 */
#define UDP_SETPARAM  (UDP_IOC | 1)
/**
 * Add a local address (struct udp_addrreq in): one the ip instance has (IP_IFADD), which
 * endpoints may bind to and datagrams are sent from. EEXIST, ENOSPC, EINVAL.
 */
#define UDP_ADDR_ADD  (UDP_IOC | 2)
/** Remove a local address: struct udp_addrreq in (ua_addr). ENOENT. */
#define UDP_ADDR_DEL  (UDP_IOC | 3)
/** This lcore's counters: struct udpstat out. */
#define UDP_GETSTATS  (UDP_IOC | 4)
/**@}*/

/** up_flags: trust the port's RX L4 checksum verdict (every link of the lcore verifies). */
#define UDP_PF_RX_CKSUM_OFFLOAD 0x1u
/** up_flags: clear every flag (the other fields are kept as usual when 0). */
#define UDP_PF_CLEAR            0x80000000u

/** UDP_SETPARAM argument; 0 keeps a field's value. Defaults in brackets. */
struct udp_param {
	uint16_t up_port_lo;  /**< ephemeral ports from [49152] */
	uint16_t up_port_hi;  /**< to [65535] */
	uint32_t up_flags;    /**< UDP_PF_* [0]; ORed in, UDP_PF_CLEAR first clears */
};

/** UDP_ADDR_ADD / UDP_ADDR_DEL argument. */
struct udp_addrreq {
	uint32_t ua_addr;     /**< network order */
	uint8_t ua_prefix;    /**< its subnet prefix length, 1..32 (its broadcast is recognised) */
	uint8_t ua_pad;
	uint16_t ua_ifindex;  /**< its link's index (DPDK port id + 1, T_IP_PKTINFO); 0: unknown */
};

/* ---- udp <-> ip M_CTL messages ------------------------------------------------------------ */
/*
 * udp asks ip for ICMP port unreachable with an M_CTL IP_ICMP_ERR_REQ and hears of ICMP errors
 * about datagrams it sent as M_CTL IP_ICMP_ERR_IND: both are defined by <protocols/ip.h>.
 */

/* ---- counters ----------------------------------------------------------------------------- */

/** Counters of UDP on one lcore: udps_<name> for every UDP_STAT() in udp/udp.def. */
struct udpstat {
#define UDP_STAT(name, help) uint64_t udps_##name;
#include <protocols/udp/udp.def>
#undef UDP_STAT
};

/** UDPS_<name> indexes, in .def order. */
enum udpstat_index {
#define UDP_STAT(name, help) UDPS_##name,
#include <protocols/udp/udp.def>
#undef UDP_STAT
	UDPS__COUNT
};

/** Name and help text of counter i, NULL past the end. */
const char *udpstat_name(unsigned i);
const char *udpstat_help(unsigned i);
/** Sum the counters of lcore (-1: every lcore) into *out. Readable from any lcore. */
void udpstat_sum(struct udpstat *out, int lcore);
/** Fill d (fresh) with a dict of UDP counters of lcore (-1: summed over lcores). 0 or -errno. */
int udp_tel_fill(struct rte_tel_data *d, int lcore);
/** Fill d with {"lcore<N>": {counters}} for every lcore that ever had a udp instance. */
int udp_tel_fill_per_lcore(struct rte_tel_data *d);
/**
 * A rte_telemetry_cb for the application to register (e.g. "/yard/udp"). params: empty for
 * the sum over lcores, "<lcore>" for one lcore, "per_lcore" for all of them one by one.
 */
int udp_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d);

/** yard_udp_eps_snapshot() ur_flags: the endpoint waits for ip's flow control (XTI TFLOW). */
#define UDP_ROW_BLOCKED 0x1u

/** One row of yard_udp_eps_snapshot(): a bound endpoint, as netstat -u shows it. */
struct yard_udp_ep_row {
	uint32_t ur_lcore;   /**< lcore owning the endpoint */
	uint32_t ur_laddr;   /**< bound address, network order (0: any) */
	uint16_t ur_lport;   /**< bound port, network order */
	uint16_t ur_flags;   /**< UDP_ROW_* */
	uint32_t ur_sendq;   /**< bytes of datagrams waiting on the endpoint for ip */
	uint32_t ur_recvq;   /**< bytes of datagrams waiting for the user at the stream head */
	uint32_t ur_rcvbuf;  /**< high water of where they wait (XTI_RCVBUF, or the default) */
	uint64_t ur_drops;   /**< its datagrams dropped for a full receive buffer, in all */
};

/**
 * Fill rows with the bound endpoints of the calling lcore's udp instance, by port, and return
 * how many there are in all, which may exceed max (only max rows are written). 0 if the lcore
 * has no udp instance. Must run on the lcore owning the instance (its port table is not
 * locked): from elsewhere, go through that lcore's mailbox.
 */
int yard_udp_eps_snapshot(struct yard_udp_ep_row *rows, unsigned max);

/**
 * The address of the calling lcore's udp link whose index is ifindex (ua_ifindex of
 * UDP_ADDR_ADD: a DPDK port id + 1, T_IP_PKTINFO's ipi_ifindex), or 0 if none (or no udp
 * instance). For the sockets library's ip_mreqn.imr_ifindex. Runs on the owning lcore.
 */
uint32_t yard_udp_ifindex_addr(uint32_t ifindex);

/* ---- plumbing ----------------------------------------------------------------------------- */

/** What yard_udp_plumb() opened on an lcore. */
struct yard_udp_plumbing {
	struct stdata *up_udp; /**< udp control stream (the link hangs under it) */
	struct stdata *up_ip;  /**< ip upper stream bound to 17, linked under up_udp */
	int up_muxid;          /**< the link's id */
};

/**
 * Plumb udp on the calling lcore, whose ip control stream must already be open: open "udp"
 * (the control stream) and "ip" (an upper stream), IP_PROTO_BIND 17, I_LINK it under udp, and
 * UDP_ADDR_ADD each of the n local addresses. 0, or -errno with nothing left open.
 */
int yard_udp_plumb(struct yard_udp_plumbing *p, const struct udp_addrreq *addrs, unsigned n);
/** Undo yard_udp_plumb() on the same lcore (endpoints may stay open; they lose their output). */
void yard_udp_unplumb(struct yard_udp_plumbing *p);

#ifdef __cplusplus
}
#endif
#endif /* YARD_PROTOCOLS_UDP_H */
