/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the ip multiplexor shared by ip.c (open/close, links, ioctls), ip_input.c
 * (lower read side), ip_output.c (upper write side, fragmentation), ip_reass.c (reassembly and
 * fragment ownership), ip_route.c (rte_lpm routes), icmp.c and ip_tel.c. Not a contract.
 *
 * Legend: struct ip_inst and everything it points to belongs to the lcore that opened the
 * control stream; only that lcore touches it. Exceptions: ip_insts[] and the owner bitmap,
 * written with atomics at open/close and read (atomically) by every lcore to pick the owner
 * of a fragment; and the per-lcore counters, read by telemetry from any thread.
 */
#ifndef YARD_PROTOCOLS_IP_PRIV_H
#define YARD_PROTOCOLS_IP_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>

#include <streams/stream.h>
#include <protocols/icmp_hdr.h>
#include <protocols/ip.h>
#include <protocols/ip_hdr.h>

#define IP_MAX_LINKS  16    /**< links under one instance */
#define IP_MAX_ROUTES 256   /**< routes of one instance (a lookup walks them: ip_route.c) */
#define IP_MAX_MCAST  64    /**< multicast groups joined on one link (igmp.c) */
#define IP_MAX_MSRC   64    /**< (group, source) pairs of source filters on one link */
/**
 * (group, source) pairs of pending answers to group-and-source-specific queries on one link
 * (il_qsrc). As many as the link's filters can name: a router asks about sources after a
 * report named them (RFC 3376 6.4.2, on a BLOCK or a TO_IN), so a link is asked about that
 * many in practice; a query past it is answered for the whole group (more than asked).
 */
#define IP_MAX_QSRC   IP_MAX_MSRC

/** Default parameters (struct ip_param). */
#define IP_DEF_REASS_TIMEOUT_MS 2000u
#define IP_DEF_MAX_FLOWS        1024u
#define IP_DEF_MAX_FRAGS        64u
#define IP_DEF_REASS_MEM        (4u << 20)
#define IP_DEF_ICMP_RATE        100u
#define IP_DEF_ICMP_BURST       10u
#define IP_DEF_TTL              64u

/**
 * Non-last fragments carrying fewer payload bytes than this are dropped as tiny. No link that
 * can carry IPv4 at all has an MTU this small in practice (RFC 791 requires 576 of hosts,
 * RFC 1191 plateaus start at 68 but real links at 296), and tiny fragments are the classic
 * way to hide a transport header from filters (RFC 1858 section 3).
 */
#define IP_FRAG_MIN_PAYLOAD 64u
/**
 * Most fragments a datagram can need: every non-last fragment carries at least
 * IP_FRAG_MIN_PAYLOAD bytes, so 65,515 payload bytes take at most 1,024 of them.
 */
#define IP_FRAG_MAX_FRAGS ((YARD_IPV4_MAX_LEN - YARD_IPV4_HDR_MIN + IP_FRAG_MIN_PAYLOAD - 1) / \
			   IP_FRAG_MIN_PAYLOAD)

/**
 * A datagram being reassembled (ip_reass.c). Its fragments wait on rf_frags, linked by b_next
 * in offset order, each still whole (IPv4 header at b_rptr) until the datagram completes.
 */
struct ip_reass_flow {
	struct ip_reass_flow *rf_hnext;      /**< hash chain, or the free list */
	struct ip_reass_flow *rf_older;      /**< age list (creation order) */
	struct ip_reass_flow *rf_newer;
	uint32_t rf_src, rf_dst;             /**< the key, as on the wire */
	uint16_t rf_id;
	uint8_t rf_proto;
	bool rf_have_first;                  /**< the offset-0 fragment is held */
	uint8_t rf_dead;                     /**< refused (IPS_* reason): later fragments go too */
	uint32_t rf_end;                     /**< payload length, once the last fragment came; 0 before */
	uint32_t rf_bytes;                   /**< payload bytes held (fragments never overlap) */
	uint32_t rf_nfrags;
	uint32_t rf_mem;                     /**< buffer bytes charged to ii_reass_mem */
	uint64_t rf_expire;                  /**< timer cycles */
	mblk_t *rf_frags;
};

struct ip_inst;

/** What a group's IGMP timer sends when it fires (igmp.c). */
enum igmp_due {
	IGMP_DUE_NONE,
	IGMP_DUE_CURRENT,   /**< the answer to a query: the group's current state, or of the
			     *   sources asked about (its il_qsrc entries; none: the whole) */
	IGMP_DUE_CHANGE,    /**< a state-change report (its retransmission): what changed since
			     *   the state last told in full (mc_told_ex, ms_told) */
};

/** A multicast group on a link (igmp.c): a member while mc_refs + mc_nin > 0. */
struct ip_mcast {
	uint32_t mc_group;       /**< network order; 0: slot free */
	uint32_t mc_refs;        /**< EXCLUDE-mode memberships (any-source joins among them) */
	uint32_t mc_nin;         /**< INCLUDE-mode memberships (each with a source) */
	uint8_t mc_kind;         /**< enum igmp_due */
	uint8_t mc_rexmit;       /**< state-change reports still to send after this one */
	bool mc_told_ex;         /**< the filter mode routers were last told in full */
	uint8_t mc_nsrc;         /**< il_msrc entries of this group: 0, any source is taken */
	uint64_t mc_due;         /**< timer cycles when mc_kind is sent; 0: nothing due */
};

/** A source some membership of a group names, on a link (il_msrc, igmp.c). */
struct ip_msrc {
	uint32_t ms_group;       /**< network order; 0: entry free */
	uint32_t ms_addr;        /**< the source, network order */
	uint16_t ms_nin;         /**< INCLUDE-mode memberships listing it */
	uint16_t ms_nex;         /**< EXCLUDE-mode memberships listing it */
	bool ms_told;            /**< in the source list routers were last told in full */
};

/** A source a group-and-source-specific query asked about, its answer pending (igmp.c). */
struct ip_qsrc {
	uint32_t qs_group;       /**< network order; 0: entry free */
	uint32_t qs_addr;        /**< the source, network order */
};

/** One link below the instance (one I_LINK), on the lower queues' q_ptr. */
struct ip_link {
	int il_muxid;            /**< 0: slot free */
	queue_t *il_qbot;        /**< lower write queue (l_qbot) */
	struct ip_inst *il_inst;
	bool il_has_if;          /**< IP_IFADD done */
	uint32_t il_addr;        /**< our address, network order */
	uint32_t il_mask;        /**< network order */
	uint32_t il_bcast;       /**< subnet broadcast, network order */
	uint32_t il_sbcast;      /**< il_bcast if the subnet has one (prefix < 31), else all ones */
	uint8_t il_prefix;
	uint16_t il_mtu;
	uint32_t il_caps;        /**< YARD_LINK_CAP_* */
	bool il_held;            /**< upper streams wait for this link's queue to drain */
	/* multicast (igmp.c): groups joined, and the host side of IGMP for them */
	unsigned il_nmc;         /**< il_mc[0..il_nmc) holds every used slot */
	unsigned il_nmsrc;       /**< il_msrc[0..il_nmsrc) holds every used entry */
	uint64_t il_igmp_gen_due; /**< IGMPv3 answer to a general query due; 0: none */
	uint64_t il_igmp_v1_until; /**< an IGMPv1 querier was heard: v1 until then (cycles) */
	uint64_t il_igmp_v2_until; /**< an IGMPv2 querier was heard: v2 until then (cycles) */
	struct ip_mcast il_mc[IP_MAX_MCAST];
	struct ip_msrc il_msrc[IP_MAX_MSRC];
	unsigned il_nqsrc;       /**< il_qsrc[0..il_nqsrc) holds every used entry */
	struct ip_qsrc il_qsrc[IP_MAX_QSRC];
	/* ip's own loop-back (ip_loop.c): datagrams for this host, delivered by ip_lrsrv */
	mblk_t *il_loop;         /**< oldest first, b_next-linked */
	mblk_t *il_loop_tail;
	uint32_t il_loop_bytes;  /**< their total lengths */
};

/** A route: a slot of ii_routes, in ii_rorder while used. */
struct ip_rt {
	bool rt_used;
	uint8_t rt_prefix;
	uint32_t rt_dst;         /**< network order, masked */
	uint32_t rt_mask;        /**< network order */
	uint32_t rt_gw;          /**< 0: connected */
	struct ip_link *rt_link;
};

/** An upper stream (control or transport), on the upper queues' q_ptr. */
struct ip_upper {
	queue_t *iu_rq;
	struct ip_inst *iu_inst;   /**< NULL once the control stream has gone */
	bool iu_control;
	int iu_proto;              /**< bound protocol, 0 if none */
	struct ip_upper *iu_next;  /**< the instance's upper streams */
	struct ip_link *iu_waiting; /**< the link whose full write queue holds this stream back */
};

/** The ip instance of one lcore. */
struct ip_inst {
	unsigned ii_lcore;
	queue_t *ii_ctl_rq;                  /**< control stream's read queue: fragments from siblings */
	struct ip_upper *ii_uppers;          /**< every upper stream, control first */
	struct ipstat *ii_ip;                /**< this lcore's counters */
	struct icmpstat *ii_icmp;
	struct ip_param ii_param;
	uint64_t ii_hz;
	uint16_t ii_ipid;                    /**< next identification (host order) */
	queue_t *ii_proto[256];              /**< upper read queue bound to each protocol */
	struct ip_upper *ii_tx_up;           /**< whose messages ip is sending now; NULL: ip's own */
	bool ii_tx_ctl;                      /**< ip's own is a membership report: queued past high
					      *   water as a transport's is (ip_link_send()) */
	struct ip_link ii_links[IP_MAX_LINKS];
	/* Every configured link's address, packed: ip_is_ours() runs for each datagram received
	 * (twice: source and destination), and a scan of the 16 link slots cost ~8% of a UDP echo. */
	uint32_t ii_addrs[IP_MAX_LINKS];
	unsigned ii_naddrs;
	/* routing */
	struct ip_rt ii_routes[IP_MAX_ROUTES];
	uint16_t ii_rorder[IP_MAX_ROUTES];   /**< used routes, longest prefix first */
	unsigned ii_nroutes;
	/* reassembly (ip_reass.c) */
	struct ip_reass_flow *ii_flows;      /**< ip_max_flows of them */
	struct ip_reass_flow **ii_fhash;     /**< ii_fmask + 1 chains */
	uint32_t ii_fmask;
	struct ip_reass_flow *ii_ffree;      /**< free flows */
	struct ip_reass_flow *ii_foldest;    /**< age list: expires first */
	struct ip_reass_flow *ii_fnewest;
	uint32_t ii_frag_flows;              /**< datagrams being reassembled */
	uint64_t ii_reass_mem;               /**< buffer bytes the fragments held occupy */
	uint64_t ii_frag_cyc;                /**< reassembly timeout in timer cycles */
	timeout_id_t ii_frag_timer;
	/* ICMP error token bucket (RFC 1812 section 4.3.2.8) */
	uint64_t ii_tb_credit;               /**< in timer cycles */
	uint64_t ii_tb_last;
	uint64_t ii_tb_cost;                 /**< cycles per token: hz / rate */
	/* IGMP (igmp.c): one timer for every link's due reports */
	timeout_id_t ii_igmp_timer;
	uint64_t ii_igmp_timer_at;           /**< when it fires (cycles) */
};

/** Per-lcore counters, static so telemetry never reads freed memory. */
struct ip_pcpu {
	struct ipstat ip;
	struct icmpstat icmp;
	volatile uint32_t used;              /**< an instance ran on this lcore */
} __rte_cache_aligned;

extern struct ip_pcpu ip_pcpu[RTE_MAX_LCORE];
extern struct ip_inst *ip_insts[RTE_MAX_LCORE];

#define IP_INC(ii, name) ((ii)->ii_ip->ips_##name++)
#define IP_ADD_N(ii, name, n) ((ii)->ii_ip->ips_##name += (n))
#define ICMP_INC(ii, name) ((ii)->ii_icmp->icmps_##name++)

/* ol_flags bits describing the buffer itself; never ours to change. */
#define IP_MBUF_KEEP (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL)

static inline uint64_t
ip_ms_to_cyc(uint64_t hz, uint32_t ms)
{
	return hz / 1000 * ms + (hz % 1000) * ms / 1000;
}

static inline struct rte_ipv4_hdr *
ip_hdr(const mblk_t *mp)
{
	return (struct rte_ipv4_hdr *)mp->b_rptr;
}

static inline unsigned
ip_hlen(const struct rte_ipv4_hdr *ip)
{
	return (unsigned)(ip->version_ihl & 0x0f) * 4u;
}

/** Is addr (network order) one of the instance's addresses? */
static inline bool
ip_is_ours(const struct ip_inst *ii, uint32_t addr)
{
	for (unsigned i = 0; i < ii->ii_naddrs; i++)
		if (ii->ii_addrs[i] == addr)
			return true;
	return false;
}

/** Rebuild ii_addrs from the links; call after any change of il_has_if or il_addr. */
void ip_addrs_sync(struct ip_inst *ii);

/* ---- ip.c --------------------------------------------------------------------------------- */

/** The link with this muxid, NULL if none. */
struct ip_link *ip_link_find(struct ip_inst *ii, int muxid);
/** The (first) configured link whose address is addr, NULL if none. */
struct ip_link *ip_link_by_addr(struct ip_inst *ii, uint32_t addr);
/** Upper write side, everything but data: ioctls, flush. */
void ip_uwput_other(queue_t *q, mblk_t *mp);

/* ---- ip_loop.c ---------------------------------------------------------------------------- */

/**
 * A datagram to one of our own addresses, that of il (header of hlen bytes at b_rptr, tot
 * bytes, l4 the transport's L4 request or 0): goes up as if received on il, once the
 * scheduler runs il's lower read service procedure. Consumed.
 */
void ip_loop_local(struct ip_inst *ii, struct ip_link *il, mblk_t *mp, unsigned hlen,
		   unsigned tot, uint64_t l4);
/**
 * IP_UNITDATA_MLOOP: a copy of mp, a datagram to a group about to go out il (20-byte header
 * at b_rptr, tot bytes, l4 its L4 request or 0), for the group's members here, if il joined
 * the group and its filter lets in mp's source. mp is not touched.
 */
void ip_loop_mcast(struct ip_inst *ii, struct ip_link *il, const mblk_t *mp, unsigned tot,
		   uint64_t l4);
/**
 * IP_UNITDATA_HOSTONLY: mp, a datagram to a group that must not leave the host (its header
 * written, TTL 0), up to the group's members here as ip_loop_mcast()'s copy would go when
 * loop is set and il's filter lets it in; else freed. Consumed.
 */
void ip_loop_host_only(struct ip_inst *ii, struct ip_link *il, mblk_t *mp, unsigned tot,
		       uint64_t l4, bool loop);
/** Lower read service procedure: the link's loop list up (ip_deliver()). */
int ip_lrsrv(queue_t *q);
/** Free what waits on il's loop list (the link goes). */
void ip_loop_flush(struct ip_link *il);

/* ---- ip_input.c --------------------------------------------------------------------------- */

void ip_lrput_burst(queue_t *q, mblk_t **mps, unsigned n);
int ip_lrput(queue_t *q, mblk_t *mp);
/** Deliver a whole (validated, reassembled) datagram locally. bcast: sent to a broadcast. */
void ip_deliver(struct ip_inst *ii, mblk_t *mp, bool bcast);

/**
 * mp's first block, private to ip before it rewrites a header in place: mp itself when no one
 * else sees its buffer (DB_REF 1), else a copy of that block heading the rest (the shared block
 * let go). NULL, and mp untouched, without a block for the copy.
 */
mblk_t *ip_own_head(mblk_t *mp);

/* ---- ip_output.c -------------------------------------------------------------------------- */

/** Output flags. */
#define IP_OUT_FILL_SRC 0x1 /**< fill a zero source from the outgoing link */
#define IP_OUT_FILL_ID  0x2 /**< fill a zero identification */
#define IP_OUT_NEW_ID   0x4 /**< always take a new identification */

/**
 * Send a datagram whose complete IPv4 header (options included) is at b_rptr of the first
 * block: route, fragment, checksum, link. Consumes mp; drops are counted. 0 or -errno.
 */
int ip_output(struct ip_inst *ii, mblk_t *mp, unsigned flags);

/** Datagrams one ip_uwput_burst() call sends: at most this many wait for one putnext_burst. */
#define IP_TXB_MAX 32

/**
 * What one burst from a transport sends (ip_uwput_burst): a run of finished datagrams for one
 * link, and a one-entry route cache (the last destination, its route and next hop). Both live
 * on the stack of one put procedure call, so neither a route change nor an ARP change can
 * make them stale: those come through other put procedures of the same lcore, or through an
 * ioctl of the same burst, after which ip_uwput_burst() empties both. Two counters are kept
 * here and added to ipstat once per burst.
 */
struct ip_txb {
	struct ip_link *tb_il;        /**< the link of tb_v, NULL when empty */
	unsigned tb_n;
	uint32_t tb_dst;              /**< the cached destination (network order); 0: none */
	uint32_t tb_nh;               /**< its next hop */
	struct ip_rt *tb_rt;          /**< its route */
	unsigned tb_cached;           /**< routes the cache answered (ips_tx_route_cached) */
	unsigned tb_dgrams;           /**< datagrams ip_uwput_burst built (ips_tx_datagrams) */
	mblk_t *tb_v[IP_TXB_MAX];
	unsigned tb_nfree;
	mblk_t *tb_free[IP_TXB_MAX];  /**< spent request blocks, freed with one freemsg_burst() */
	struct ip_link *tb_cil;       /**< the cached route's link (tb_rt->rt_link) */
	/*
	 * The header template of the short way (ip_output_unitdata_run): for requests whose
	 * first 8 bytes are tb_key (iu_prim, iu_dst: tb_dst) and last 8 (iu_src, iu_proto,
	 * iu_tos, iu_ttl, iu_flags) tb_key2, which holds IP_UNITDATA_OWNED and a protocol, every
	 * header field but the length, the identification and the checksum is the same; the long
	 * way works them out once, and their partial sum. tb_key 0: no template (a request's
	 * first word never is 0); set to 0 whenever the route cache takes another destination.
	 */
	uint64_t tb_key;
	uint64_t tb_key2;
	uint64_t tb_hw01;             /**< header bytes 0-7 without the length and the identification */
	uint64_t tb_hw23;             /**< header bytes 8-15 without the checksum (TTL, protocol, source) */
	uint64_t tb_psum;             /**< the unfolded sum of the two words and tb_dst */
	uint64_t tb_l4;               /**< the template's L4 request, one the port completes, or 0 */
	unsigned tb_nfast;            /**< datagrams the short way sent (both counters) */
	uint8_t tb_ttl;               /**< ip_default_ttl, read once per burst (and per ioctl) */
};

/** Send tb's run down its link (one putnext_burst when the link takes it). */
void ip_txb_flush(struct ip_inst *ii, struct ip_txb *tb);
/** Upper write side. */
int ip_uwput(queue_t *q, mblk_t *mp);
void ip_uwput_burst(queue_t *q, mblk_t **mps, unsigned n);
/** Upper write service: what a held-back upper stream sent meanwhile, once its link drained. */
int ip_uwsrv(queue_t *q);
/** Lower write service: move what waits on the link down when the driver has room. */
int ip_lwsrv(queue_t *q);
/** Let the upper streams held back by il's full write queue go on (drained, or the link gone). */
void ip_link_wake(struct ip_inst *ii, struct ip_link *il);
/**
 * Send ip's own datagram (complete header at b_rptr, length set) down il to nexthop, without
 * a route: IGMP, whose messages belong to a link. A new identification, the checksum, and the
 * link's flow control as for ip's other datagrams. Consumes mp.
 */
void ip_output_link(struct ip_inst *ii, struct ip_link *il, mblk_t *mp, uint32_t nexthop);
/** Copy len bytes of mp from offset off to dst; returns bytes copied. */
size_t ip_msg_copy(const mblk_t *mp, size_t off, size_t len, void *dst);

/* ---- ip_reass.c --------------------------------------------------------------------------- */

/** Create the instance's reassembly table for its parameters (ip_max_flows). 0 or -ENOMEM. */
int ip_reass_init(struct ip_inst *ii);
/** Free the table and every fragment it holds. */
void ip_reass_fini(struct ip_inst *ii);
/**
 * A validated fragment (header pulled up, padding trimmed): forward it to its owner lcore or
 * reassemble it here. Consumes mp. `arrived_here`: false when it came from another instance.
 */
void ip_reass_input(struct ip_inst *ii, mblk_t *mp, bool arrived_here);
/** Upper read put procedure of the control stream: fragments forwarded by siblings. */
int ip_urput(queue_t *q, mblk_t *mp);
/** Make this instance a fragment owner / stop being one. */
void ip_owner_join(struct ip_inst *ii);
void ip_owner_leave(struct ip_inst *ii);

/* ---- ip_route.c --------------------------------------------------------------------------- */

int ip_route_init(struct ip_inst *ii);
void ip_route_fini(struct ip_inst *ii);
/** Add a route. 0 or -errno (EEXIST, ENOSPC, EINVAL). */
int ip_route_add(struct ip_inst *ii, uint32_t dst, uint8_t prefix, uint32_t gw,
		 struct ip_link *il);
int ip_route_del(struct ip_inst *ii, uint32_t dst, uint8_t prefix);
/** Remove every route through il. */
void ip_route_del_link(struct ip_inst *ii, struct ip_link *il);
/** The route for dst (network order), NULL if none; *nexthop set. */
struct ip_rt *ip_route_lookup(struct ip_inst *ii, uint32_t dst, uint32_t *nexthop);

/* ---- icmp.c ------------------------------------------------------------------------------- */

/** A whole ICMP datagram for us (IP header at b_rptr). Consumes mp. */
void icmp_input(struct ip_inst *ii, mblk_t *mp, bool bcast);
/**
 * Send an ICMP error about the datagram orig (IP header at b_rptr; not consumed), subject to
 * RFC 1122 3.2.2 suppression and the rate limit. bcast: orig was sent to a broadcast.
 */
void icmp_error(struct ip_inst *ii, const mblk_t *orig, uint8_t type, uint8_t code, bool bcast);
/** Reset the token bucket from the parameters. */
void icmp_ratelimit_init(struct ip_inst *ii);

/* ---- igmp.c ------------------------------------------------------------------------------- */

/** What il's filters say of a datagram from src to a group (ip_mcast_accept()). */
enum ip_mcast_verdict {
	IP_MCAST_NOT_JOINED,
	IP_MCAST_FILTERED,     /**< joined, but the source is filtered out */
	IP_MCAST_ANY_SOURCE,   /**< joined with no source filter: any source's is taken */
	IP_MCAST_THIS_SOURCE,  /**< taken from this source (the group filters sources) */
};

/** May il take a datagram from src (network order) to group? 224.0.0.1 always (RFC 1112). */
enum ip_mcast_verdict ip_mcast_accept(const struct ip_link *il, uint32_t group, uint32_t src);
/** A whole IGMP datagram (IP header at b_rptr) that arrived on il (NULL: reassembled). */
void igmp_input(struct ip_inst *ii, struct ip_link *il, mblk_t *mp);
/**
 * A query a sibling instance heard (M_CTL on the control stream): applied to this instance's
 * link with the same address. false, mp untouched, if mp is not one.
 */
bool igmp_sibling_query(struct ip_inst *ii, mblk_t *mp);
/** il loses its groups (unlinked, or the instance closes): no more reports for it. */
void igmp_link_gone(struct ip_inst *ii, struct ip_link *il);
/** Cancel the instance's IGMP timer (it closes). */
void igmp_fini(struct ip_inst *ii);

/** Is addr (network order) a multicast address (224.0.0.0/4)? */
static inline bool
ip_is_mcast(uint32_t addr)
{
	return (*(const uint8_t *)&addr & 0xf0) == 0xe0;
}

/* ---- ip_tel.c ----------------------------------------------------------------------------- */

/** Counters of an lcore (marks them used). */
struct ip_pcpu *ip_pcpu_get(unsigned lcore);

#endif /* YARD_PROTOCOLS_IP_PRIV_H */
