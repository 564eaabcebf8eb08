/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the udp driver shared by udp.c (open/close, links, ioctls, TPI requests),
 * udp_input.c (lower read side), udp_output.c (T_UNITDATA_REQ, T_UDERROR_IND), udp_opt.c
 * (options) and udp_tel.c (counters). Not a contract.
 *
 * Legend: struct udp_inst and every endpoint on it belong to the lcore that opened them; only
 * that lcore touches them. The per-lcore counters (udp_pcpu) are also read by telemetry from
 * any thread, with plain 64-bit loads.
 */
#ifndef YARD_PROTOCOLS_UDP_PRIV_H
#define YARD_PROTOCOLS_UDP_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include <streams/stream.h>
#include <protocols/inet_cksum.h>
#include <protocols/ip.h>
#include <protocols/tihdr.h>
#include <protocols/udp.h>

#define UDP_HDR_LEN 8u
#define UDP_IPV4_HDR_LEN 20u
/** Headroom a data block needs for the UDP header to go in place: UDP + IPv4 + link. */
#define UDP_INPLACE_ROOM (UDP_HDR_LEN + UDP_IPV4_HDR_LEN + YARD_LINK_HDR_MAX)
/** What ip uses when an endpoint leaves the TTL to it (IP_DEF_TTL; reported by T_CURRENT). */
#define UDP_TTL_DEFAULT 64u
/** Ports in the table. */
#define UDP_NPORTS 65536u

struct udp_inst;

/** Multicast groups one endpoint may join (T_IP_ADD_MEMBERSHIP; Linux's default is 20 too). */
#define UDP_MAX_MSHIPS 20

/** A group an endpoint joined: left when it drops it or closes. */
struct udp_mship {
	uint32_t um_group;          /**< network order; 0: slot free */
	uint32_t um_ifaddr;         /**< as asked (network order; 0: the group's route) */
	int um_muxid;               /**< the link ip joined it on (ip_mcast_link()) */
	struct ip_mfilter um_f;     /**< its source filter: EXCLUDE {} for any source */
};

/** An open udp stream (endpoint or control), on both upper queues' q_ptr. */
struct udp_ep {
	queue_t *ue_rq;             /**< upper read queue */
	struct udp_inst *ue_inst;
	t_scalar_t ue_state;        /**< TS_UNBND or TS_IDLE */
	bool ue_control;            /**< holds the instance's link */
	bool ue_blocked;            /**< on ui_blocked, waiting for ip's flow control */
	bool ue_broadcast;          /**< T_IP_BROADCAST */
	bool ue_cksum;              /**< T_UDP_CHECKSUM */
	uint8_t ue_tos;             /**< T_IP_TOS */
	uint8_t ue_ttl;             /**< T_IP_TTL, 0: ip's default */
	uint8_t ue_mttl;            /**< T_IP_MULTICAST_TTL (0..255, 1 by default; 0: the host) */
	bool ue_mloop;              /**< T_IP_MULTICAST_LOOP (on by default) */
	uint32_t ue_mif;            /**< T_IP_MULTICAST_IF: a link's address; 0: the route's */
	uint16_t ue_lport;          /**< bound port, host order; 0 if unbound */
	uint32_t ue_laddr;          /**< bound address, network order; 0: any */
	uint32_t ue_rcvbuf;         /**< XTI_RCVBUF */
	uint32_t ue_sndbuf;         /**< XTI_SNDBUF */
	struct udp_ep *ue_pnext;    /**< next endpoint bound to the same port */
	struct udp_ep *ue_bnext;    /**< next endpoint on ui_blocked */
	uint64_t ue_drops;          /**< its datagrams counted drop_rcvbuf_full (yardctl conns) */
	unsigned ue_nmships;        /**< groups joined (ue_mships) */
	unsigned ue_nfiltered;      /**< of them, filtering sources (not EXCLUDE {}): udp input
				     *   checks a group's datagrams (udp_mship_allows) */
	bool ue_pktinfo;            /**< T_IP_PKTINFO: indications say where datagrams came
				     *   (udp input's out-of-line way, udp_input_pktinfo) */
	struct udp_mship ue_mships[UDP_MAX_MSHIPS];
};

/** A local address (UDP_ADDR_ADD). */
struct udp_laddr {
	uint32_t la_addr;           /**< network order */
	uint32_t la_mask;           /**< network order */
	uint32_t la_bcast;          /**< subnet broadcast; 0 for /31 and /32 */
	uint8_t la_prefix;
	uint16_t la_ifindex;        /**< its link's (ua_ifindex); 0: unknown */
};

/**
 * What udp decided about the last destination it sent to (udp_dst_get()): whether it is a
 * broadcast and which local address a wildcard endpoint sends to it from. Both depend only on
 * the destination and the address list, and a burst (an echo service's replies, a client's
 * requests) usually goes to one peer, so one entry saves the two walks of ui_addrs per
 * datagram. dc_dst 0 means empty (0 is never a destination: udp refuses it first); the entry
 * is emptied whenever the address list changes (UDP_ADDR_ADD, UDP_ADDR_DEL).
 */
struct udp_dcache {
	uint32_t dc_dst;            /**< network order; 0: empty */
	uint32_t dc_src;            /**< udp_src_for(dc_dst); 0: no local address */
	bool dc_bcast;              /**< a broadcast we know of: T_IP_BROADCAST needed */
	bool dc_mcast;              /**< a multicast group: the long way, with ue_mttl */
};

/** The udp instance of one lcore. */
struct udp_inst {
	unsigned ui_lcore;
	unsigned ui_refs;                   /**< open udp streams on the lcore */
	struct udpstat *ui_st;              /**< this lcore's counters */
	struct udp_dcache ui_dc;            /**< the last destination's verdicts */
	queue_t *ui_lower;                  /**< the link's lower write queue (l_qbot), or NULL */
	int ui_muxid;
	bool ui_lower_hup;                  /**< ip hung the link up (its instance closed) */
	struct udp_ep *ui_blocked;          /**< endpoints waiting for the lower side */
	uint32_t ui_flags;                  /**< UDP_PF_* */
	uint16_t ui_port_lo, ui_port_hi;    /**< ephemeral range, host order */
	uint16_t ui_port_next;              /**< where the next ephemeral search starts */
	unsigned ui_naddrs;
	struct udp_laddr ui_addrs[UDP_MAX_ADDRS];
	struct udp_ep *ui_ports[UDP_NPORTS]; /**< endpoints bound to each port (host order) */
};

/** Per-lcore counters, static so telemetry never reads freed memory. */
struct udp_pcpu {
	struct udpstat st;
	volatile uint32_t used;             /**< an instance ran on this lcore */
} __rte_cache_aligned;

extern struct udp_pcpu udp_pcpu[RTE_MAX_LCORE];

/** Every lcore's instance (NULL: none); opened and closed while traffic is quiescent. */
extern struct udp_inst *udp_insts[RTE_MAX_LCORE];

/* udp_steer.c: software steering of ephemeral ports between lcores */
/** This instance's rank among the udp instances (by lcore); *n: their number. */
unsigned udp_soft_rank(const struct udp_inst *ui, unsigned *n);
/**
 * mp (a datagram from ip, or an ICMP error quoting one we sent) is for ephemeral port `port`,
 * which has no endpoint here: true if it was handed to the lcore whose share the port is
 * (or dropped there for a full mailbox, counted), false if it is this lcore's to answer.
 */
bool udp_soft_forward(struct udp_inst *ui, unsigned port, mblk_t *mp);

#define UDP_INC(ui, name) ((ui)->ui_st->udps_##name++)
#define UDP_ADD_N(ui, name, n) ((ui)->ui_st->udps_##name += (n))

/* ---- checksums ---------------------------------------------------------------------------- */

/*
 * Sums are kept unfolded on 64 bits (protocols/inet_cksum.h) and folded once at the end: a
 * few 32- and 16-bit values added as plain integers cannot carry out of 64 bits.
 */

/** The pseudo-header's sum (RFC 768), unfolded: addresses as they are in memory, proto, length. */
static inline uint64_t
udp_phdr_sum(uint32_t src, uint32_t dst, uint16_t ulen)
{
	return (uint64_t)src + dst + rte_cpu_to_be_16(IPPROTO_UDP) + rte_cpu_to_be_16(ulen);
}

/**
 * Remember, in a data block udp delivers, the sum of its bytes (YB_SUMOK, streams/mblk.h), so
 * that if it comes back unchanged (an echo) its checksum costs no pass over the data.
 */
static inline void
udp_sum_mark(mblk_t *bp, size_t len, uint16_t psum)
{
	bp->b_datap->db_cksum = ((uint32_t)len << 16) | psum;
	bp->b_yflags |= YB_SUMOK;
}

/** The sum udp_sum_mark() left in bp if it still describes bp's len bytes; -1 if none. */
static inline int
udp_sum_marked(const mblk_t *bp, size_t len)
{
	if (!(bp->b_yflags & YB_SUMOK) || bp->b_cont != NULL || MBLKL(bp) != len ||
	    (bp->b_datap->db_cksum >> 16) != len)
		return -1;
	return (int)(bp->b_datap->db_cksum & 0xffff);
}


/* ---- udp.c -------------------------------------------------------------------------------- */

/** Is addr (network order) a multicast group (224.0.0.0/4)? */
static inline bool
udp_is_group(uint32_t addr)
{
	return (rte_be_to_cpu_32(addr) & 0xf0000000u) == 0xe0000000u;
}

/** Is addr (network order) a broadcast we know of, or multicast? (input: no ICMP about it) */
bool udp_is_bcast(const struct udp_inst *ui, uint32_t addr);
/** Is addr one of the instance's local addresses? */
bool udp_is_local(const struct udp_inst *ui, uint32_t addr);
/** The local address of the link ifindex names (ua_ifindex); 0 if none. */
uint32_t udp_ifindex_addr(const struct udp_inst *ui, uint32_t ifindex);
/** Wait for the lower side: put ep on ui_blocked. */
void udp_block(struct udp_ep *ep);
/** Let every waiting endpoint's service procedure run (room below, or no lower side at all). */
void udp_wake_all(struct udp_inst *ui);
/** The source address for a datagram to dst from a wildcard endpoint; 0 if none. */
uint32_t udp_src_for(const struct udp_inst *ui, uint32_t dst);
/** Fill ui_dc for dst (a miss of udp_dst_get()). */
void udp_dcache_fill(struct udp_inst *ui, uint32_t dst);

/** The verdicts on dst (not 0): ui_dc, filled first when it holds another destination. */
static inline const struct udp_dcache *
udp_dst_get(struct udp_inst *ui, uint32_t dst)
{
	if (unlikely(ui->ui_dc.dc_dst != dst))
		udp_dcache_fill(ui, dst);
	return &ui->ui_dc;
}
/** Reply to a TPI request (mp, reused when it can be) with T_ERROR_ACK. */
void udp_error_ack(queue_t *wq, mblk_t *mp, t_scalar_t prim, t_scalar_t tli, t_scalar_t unx);
/**
 * A block of size bytes of type for an acknowledgement, b_wptr at its end: mp itself when it is
 * not shared and large enough (its b_cont freed), else a new one (mp freed). NULL if none
 * (mp freed, counted tpi_nomem).
 */
mblk_t *udp_tpi_reuse(struct udp_inst *ui, mblk_t *mp, size_t size, unsigned char type);

/* ---- udp_input.c -------------------------------------------------------------------------- */

void udp_lrput_burst(queue_t *q, mblk_t **mps, unsigned n);
int udp_lrput(queue_t *q, mblk_t *mp);

/* ---- udp_output.c ------------------------------------------------------------------------- */

/** A T_UNITDATA_REQ that may take the burst path (anything else goes through udp_wput). */
static inline bool
udp_is_unitdata(const mblk_t *mp)
{
	return DB_TYPE(mp) == M_PROTO && MBLKL(mp) >= sizeof(t_scalar_t) &&
	       ((const union T_primitives *)mp->b_rptr)->type == T_UNITDATA_REQ;
}

/** Send a T_UNITDATA_REQ (consumed): header, checksum, IP_UNITDATA_REQ, down to ip. */
void udp_output(struct udp_ep *ep, mblk_t *mp);
/**
 * udp_output() without the sending, for the leading T_UNITDATA_REQs of in[0..n) (up to the
 * first other message): their IP_UNITDATA_REQs for ip in out[0..*nout) (out may be in, or
 * before it: out[j] is written after in[j] is read), those consumed answered with
 * T_UDERROR_IND or dropped and counted. Returns how many of in were taken. The caller has
 * checked that the lower side is there (ui_lower set, not hung up): it is not checked again.
 */
unsigned udp_output_burst(struct udp_ep *ep, mblk_t **in, unsigned n, mblk_t **out,
			  unsigned *nout);
/** Upper write put procedure for a burst (T_UNITDATA_REQs down to ip with one call). */
void udp_wput_burst(queue_t *wq, mblk_t **mps, unsigned n);
/** Answer a T_UNITDATA_REQ (consumed) with T_UDERROR_IND err up the endpoint. */
void udp_uderr(struct udp_ep *ep, mblk_t *mp, int err);
/** Upper write service procedure: requests that waited for the lower side. */
int udp_wsrv(queue_t *q);
/** Lower write service procedure: the lower side has room again. */
int udp_lwsrv(queue_t *q);

/* ---- udp_opt.c ---------------------------------------------------------------------------- */

/** T_OPTMGMT_REQ (consumed): answer T_OPTMGMT_ACK or T_ERROR_ACK. */
void udp_optmgmt(queue_t *wq, struct udp_ep *ep, mblk_t *mp);
/**
 * The options of a T_UNITDATA_REQ (T_IP_TOS, T_IP_TTL, T_IP_PKTINFO): *tos, *ttl and *pi
 * updated. 0, or an errno for a malformed or unsupported option.
 */
int udp_opt_unitdata(const uint8_t *opt, size_t len, uint8_t *tos, uint8_t *ttl,
		     struct t_in_pktinfo *pi);
/** Give a new endpoint its default options (and its stream head's read water marks). */
void udp_opt_init(struct udp_ep *ep);
/** Leave every group the endpoint joined (it closes). */
void udp_mship_drop_all(struct udp_ep *ep);
/**
 * Does ip's filter for group already say what ep's would (its only membership of the group
 * is the link's whole filter, on the only link that joined it)? Then udp input need not
 * judge each source for ep.
 */
bool udp_mship_exact(const struct udp_ep *ep, uint32_t group);
/** May ep take a datagram from src to group by its memberships' filters (RFC 3678)? */
bool udp_mship_allows(const struct udp_ep *ep, uint32_t group, uint32_t src);

/* ---- udp_tel.c ---------------------------------------------------------------------------- */

/** Counters of an lcore (marks them used). */
struct udp_pcpu *udp_pcpu_get(unsigned lcore);

#endif /* YARD_PROTOCOLS_UDP_PRIV_H */
