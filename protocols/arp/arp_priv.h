/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the arp module shared by arp.c (open/close/ioctl), arp_cache.c (the cache,
 * holding, ageing, siblings), arp_input.c (read side), arp_output.c (write side, frames we
 * build) and arp_tel.c (counters). Not a contract with anyone else.
 *
 * Legend: every field of struct arp_priv is touched only by the lcore owning the stream
 * (no lock), except ap_slot's counters, which telemetry reads from any lcore (plain loads of
 * 64-bit words), and the sibling registry, written with atomics at ARP_SETIF and close.
 */
#ifndef YARD_PROTOCOLS_ARP_PRIV_H
#define YARD_PROTOCOLS_ARP_PRIV_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>

#include <streams/stream.h>
#include <protocols/arp.h>

/** Instances that can exist at once (counter slots). */
#define ARP_MAX_INSTANCES 256

/** Default parameters (see struct arp_param). */
#define ARP_DEF_TIMEOUT_MS     60000u
#define ARP_DEF_MAX_ENTRIES    1024u
#define ARP_DEF_MAX_HOLD       4u
#define ARP_DEF_MAX_HOLD_TOTAL 256u
#define ARP_DEF_RETRIES        3u
#define ARP_DEF_RETRY_MS       1000u
#define ARP_DEF_UCAST_PROBES   3u
/** RFC 5227 DEFEND_INTERVAL: at most one defence of our address in this many seconds. */
#define ARP_DEFEND_INTERVAL_S  10u

/** An ARP frame on Ethernet: 14 + 28 bytes, padded to the 60-byte minimum we send. */
#define ARP_FRAME_LEN  (RTE_ETHER_HDR_LEN + sizeof(struct rte_arp_hdr))
#define ARP_FRAME_MIN  60u

/** A cache entry. Index 0 of the table is never used, so 0 means "none" in chains. */
struct arp_ent {
	uint32_t ae_addr;            /**< key, network order */
	uint32_t ae_next;            /**< next index in the bucket chain (0: end) or free list */
	struct rte_ether_addr ae_mac;
	uint8_t ae_state;            /**< 0 free, else ARP_STATE_* */
	uint8_t ae_pad;
	uint16_t ae_nheld;           /**< packets held */
	uint32_t ae_tries;           /**< requests sent in this resolution; STALE: probes sent
				      *   since it went stale */
	uint64_t ae_confirmed;       /**< timer cycles: confirmed (or created, if INCOMPLETE) */
	uint64_t ae_next_try;        /**< INCOMPLETE: when to send the next request; STALE: the
				      *   earliest next probe (0 when it turns stale: the first
				      *   use probes; UINT64_MAX: none left) */
	mblk_t *ae_held;             /**< held packets, b_next chain, oldest first */
	mblk_t *ae_held_tail;
};

/** Per-instance counter slot, static so telemetry never reads freed memory. */
struct arp_slot {
	struct arpstat as_st;
	int as_lcore;                /**< owning lcore */
	int as_port;                 /**< ai_port, -1 before ARP_SETIF */
	struct arp_priv *as_ap;      /**< the instance; read only by its own lcore (arp_neigh.c) */
	volatile uint32_t as_in_use; /**< claimed with a CAS at open, released at close */
} __rte_cache_aligned;

extern struct arp_slot arp_slots[ARP_MAX_INSTANCES];

/** Module private, on both queues' q_ptr. */
struct arp_priv {
	queue_t *ap_rq;                  /**< our read queue */
	struct arpstat *ap_st;           /**< counters (in our slot) */
	struct arp_slot *ap_slot;
	bool ap_configured;              /**< ARP_SETIF done */
	struct arp_ifreq ap_if;
	uint32_t ap_mask;                /**< subnet mask, network order */
	uint32_t ap_bcast;               /**< subnet broadcast, network order */
	struct arp_param ap_param;
	uint64_t ap_hz;                  /**< rte_get_timer_hz() */
	uint64_t ap_timeout_cyc;         /**< ap_timeout_ms in timer cycles */
	uint64_t ap_retry_cyc;           /**< ap_retry_ms in timer cycles */
	/* the cache: ap_nents entries (index 1..ap_nents), hashed into ap_nbuckets chains */
	struct arp_ent *ap_ents;
	uint32_t *ap_buckets;
	uint32_t ap_nents;
	uint32_t ap_bmask;               /**< ap_nbuckets - 1 */
	uint32_t ap_free;                /**< free list head (0: none) */
	uint32_t ap_count;               /**< entries in use */
	uint32_t ap_ndynamic;            /**< entries in use that are not STATIC */
	uint32_t ap_held_total;          /**< packets held over every entry */
	timeout_id_t ap_timer;           /**< ageing/retry sweep, 0 when not armed */
	uint32_t ap_gen;                 /**< bumped by every change of an entry or the interface */
	uint64_t ap_defended;            /**< timer cycles of our last defence of our address
					  *   (RFC 5227 2.4); 0: never */
	int ap_sib_port;                 /**< registry row we are in, -1 if none */
	int ap_sib_idx;                  /**< our column in it */
};

/** Sibling registry: read queues of the arp instances of each port. */
extern queue_t *arp_siblings[ARP_MAX_PORTS][ARP_MAX_SIBLINGS];

/** M_CTL a sibling sends: an entry learned from the wire. */
#define ARP_LEARN_MAGIC 0x4152504cu /* "ARPL" */
struct arp_learn {
	uint32_t al_magic;
	uint32_t al_addr;            /**< network order */
	struct rte_ether_addr al_mac;
	uint16_t al_port;
};

#define ARP_INC(ap, name) ((ap)->ap_st->arps_##name++)
#define ARP_ADD_N(ap, name, n) ((ap)->ap_st->arps_##name += (n))

/* ---- arp.c -------------------------------------------------------------------------------- */

/** ARP_ADD: a static entry for req (replacing a learned one); 0 or EINVAL, ENOSPC, ENOENT. */
int arp_add_static(struct arp_priv *ap, const struct arp_entry *req);
/** What ARP_GET answers about e: its fields, state as given, age at now. */
void arp_entry_out(const struct arp_priv *ap, const struct arp_ent *e, uint8_t state,
		   uint64_t now, struct arp_entry *out);

/* ---- arp_cache.c -------------------------------------------------------------------------- */

/** Allocate the table for n entries (cold). 0 or -ENOMEM. */
int arp_cache_init(struct arp_priv *ap, uint32_t n);
/** Drop every entry (held packets counted as drop_reason if non-negative) and free the table. */
void arp_cache_fini(struct arp_priv *ap);
/** The entry for addr, NULL if none. */
struct arp_ent *arp_cache_lookup(struct arp_priv *ap, uint32_t addr);
/** A new entry for addr in state, evicting a STALE one if full; NULL if none could be had. */
struct arp_ent *arp_cache_add(struct arp_priv *ap, uint32_t addr, uint8_t state);
/** Remove an entry, freeing its held packets (counted in *dropped). */
void arp_cache_del(struct arp_priv *ap, struct arp_ent *e, uint64_t *dropped);
/** Remove every dynamic entry (held packets counted drop_resolve_failed). */
void arp_cache_flush(struct arp_priv *ap);
/**
 * Record that addr is at mac (from the wire when `wire`, else from a sibling): update or
 * create the entry (not STATIC ones) and send what it held. Returns the entry or NULL.
 * `create` says whether a missing entry may be created (RFC 826: only when we are the target).
 */
struct arp_ent *arp_cache_learn(struct arp_priv *ap, uint32_t addr,
				const struct rte_ether_addr *mac, bool create, bool *changed);
/** Hold mp on an INCOMPLETE entry; drops and counts when a limit is hit. */
void arp_cache_hold(struct arp_priv *ap, struct arp_ent *e, mblk_t *mp);
/** Arm the sweep timer if dynamic entries exist and it is not armed. */
void arp_cache_arm(struct arp_priv *ap);
/** Cancel the sweep timer. */
void arp_cache_disarm(struct arp_priv *ap);
/** State as seen now (REACHABLE turns STALE lazily once its time is up). */
uint8_t arp_cache_state(struct arp_priv *ap, struct arp_ent *e, uint64_t now);
/** The same, for a reader: the entry and the counters are left as they are. */
uint8_t arp_cache_state_peek(const struct arp_priv *ap, const struct arp_ent *e, uint64_t now);
/** Tell the siblings of our port that addr is at mac. */
void arp_sib_notify(struct arp_priv *ap, uint32_t addr, const struct rte_ether_addr *mac);
/** Join/leave the sibling registry of port. 0 or -ENOSPC. */
int arp_sib_join(struct arp_priv *ap, int port);
void arp_sib_leave(struct arp_priv *ap);
/** Handle a learn M_CTL from a sibling (frees it). */
void arp_sib_input(struct arp_priv *ap, mblk_t *mp);

/* ---- arp_output.c ------------------------------------------------------------------------- */

/**
 * A one-entry neighbour cache for the rest of one write-side burst: the last next hop framed
 * and the Ethernet header it was framed with. It lives on the stack of one put procedure
 * call; an ARP change that happens meanwhile (an ioctl in the same burst, an answer a
 * loop-back driver turns around at once) bumps ap_gen, which empties it. nc_nh 0 is empty.
 */
struct arp_nhc {
	uint32_t nc_nh;
	uint32_t nc_gen;                 /**< ap_gen when it was filled: a change empties it */
	union {
		/** its address, ours, IPv4: what arp_frame_nhc() writes */
		struct rte_ether_hdr nc_eh;
		/** on a VLAN link: its address, ours, the tag, IPv4 (arp_frame_put_tagged()) */
		unsigned char nc_hdr[YARD_LINK_HDR_MAX];
	};
};

/**
 * Write side: resolve one IPv4 packet from above. Returns the framed packet to send down, or
 * NULL when it was held (waiting for the next hop) or dropped (counted). With nhc, a next hop
 * with a usable address is remembered there.
 */
mblk_t *arp_resolve(queue_t *wq, struct arp_priv *ap, mblk_t *mp, struct arp_nhc *nhc);
/**
 * Prepend the Ethernet header for dst and send mp down wq (consumed; drops counted).
 * Returns 1 if sent.
 */
int arp_frame_send(queue_t *wq, struct arp_priv *ap, mblk_t *mp, const struct rte_ether_addr *dst);
/** Frame mp for dst without sending; returns the frame or NULL (dropped, counted). */
mblk_t *arp_frame(struct arp_priv *ap, mblk_t *mp, const struct rte_ether_addr *dst);
/*
 * nhc's Ethernet header in front of mp's b_rptr, as two overlapping 8-byte stores: for a block
 * only mp references with the room there (the caller proved it).
 */
static inline void
arp_frame_put(mblk_t *mp, const struct arp_nhc *nhc)
{
	const unsigned char *h = (const unsigned char *)&nhc->nc_eh;
	unsigned char *p = mp->b_rptr - RTE_ETHER_HDR_LEN;
	uint64_t w0, w1;

	static_assert(sizeof(nhc->nc_eh) == 14 && sizeof(w0) + sizeof(w1) - 2 == 14,
		      "two 8-byte stores overlapping by 2 cover the header");
	static_assert(YARD_LINK_HDR_LEN == RTE_ETHER_HDR_LEN, "YB_LINKROOM's room is this header's");
	memcpy(&w0, h, sizeof(w0));
	memcpy(&w1, h + 6, sizeof(w1));
	memcpy(p, &w0, sizeof(w0));
	memcpy(p + 6, &w1, sizeof(w1));
	mp->b_rptr = p;
}
/*
 * A frame now has an hl-byte link header (an 802.1Q tag in it): an offload request's l2_len,
 * which ip set for a plain Ethernet header in front of its own, counts the tag.
 */
static inline void
arp_offload_l2_len(struct rte_mbuf *m, unsigned hl)
{
	if (m->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK)
		m->l2_len = hl;
}
/*
 * arp_frame_put() for a VLAN link: nhc's 18-byte header, as three overlapping 8-byte stores, and
 * an offload request's l2_len made to count the tag (ip's counts a plain Ethernet header). For
 * a block ip marked (YB_LINKROOM: room for YARD_LINK_HDR_MAX bytes, the block only mp's).
 */
static inline void
arp_frame_put_tagged(mblk_t *mp, const struct arp_nhc *nhc)
{
	unsigned char *p = mp->b_rptr - YARD_LINK_HDR_MAX;
	struct rte_mbuf *m = yard_mblk_mbuf(mp);
	uint64_t w0, w1, w2;

	static_assert(sizeof(nhc->nc_hdr) == 18 && 3 * sizeof(w0) - 6 == 18,
		      "three 8-byte stores, the last overlapping by 6, cover the header");
	memcpy(&w0, nhc->nc_hdr, sizeof(w0));
	memcpy(&w1, nhc->nc_hdr + 8, sizeof(w1));
	memcpy(&w2, nhc->nc_hdr + 10, sizeof(w2));
	memcpy(p, &w0, sizeof(w0));
	memcpy(p + 8, &w1, sizeof(w1));
	memcpy(p + 10, &w2, sizeof(w2));
	mp->b_rptr = p;
	arp_offload_l2_len(m, YARD_LINK_HDR_MAX);
}
/**
 * arp_frame() for a packet whose next hop is in nhc, inline for the write-side burst. The
 * common packet is one block of a pool buffer (not esballoc, so its dblk and buffer are its
 * owner mbuf's: what DB_REF and DB_BASE read) that only it references, with IP's headroom in
 * front: it gets the header from arp_frame_put(). Anything else goes the long way. Not for a
 * VLAN link's packets: their header is 18 bytes.
 */
static inline mblk_t *
arp_frame_nhc(struct arp_priv *ap, mblk_t *mp, const struct arp_nhc *nhc)
{
	const dblk_t *db = mp->b_datap;
	const struct rte_mbuf *owner = yard_dblk_mbuf(db); /* read only if not ESB */

	if (likely(mp->b_cont == NULL && !(db->db_flags & DBLK_ESB) &&
		   rte_mbuf_refcnt_read(owner) == 1 &&
		   mp->b_rptr - (unsigned char *)owner->buf_addr >= RTE_ETHER_HDR_LEN)) {
		arp_frame_put(mp, nhc);
		return mp;
	}
	return arp_frame(ap, mp, &nhc->nc_eh.dst_addr);
}

/* The link header arp writes: Ethernet, or Ethernet with the link's 802.1Q tag. */
static inline unsigned
arp_hdr_len(const struct arp_priv *ap)
{
	return ap->ap_if.ai_vlan != 0 ? RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN : RTE_ETHER_HDR_LEN;
}
/** Write the link header (arp_hdr_len() bytes) for dst and ethertype type_be at p. */
void arp_hdr_write(const struct arp_priv *ap, unsigned char *p, const struct rte_ether_addr *dst,
		   uint16_t type_be);
/** Build and send an ARP frame. 0 or -ENOBUFS (counted). */
int arp_send_arp(struct arp_priv *ap, uint16_t op, const struct rte_ether_addr *eth_dst,
		 const struct rte_ether_addr *tha, uint32_t tip, uint32_t sip);
/**
 * Send a request for addr to dst, broadcast if NULL (counts tx_requests; tx_ucast_probes
 * too when unicast).
 */
void arp_send_request(struct arp_priv *ap, uint32_t addr, const struct rte_ether_addr *dst);
/** Send a gratuitous ARP for our address. */
void arp_send_gratuitous(struct arp_priv *ap);

/* ---- arp_input.c -------------------------------------------------------------------------- */

void arp_rput_burst(queue_t *q, mblk_t **mps, unsigned n);
int arp_rput(queue_t *q, mblk_t *mp);

/* ---- arp_tel.c ---------------------------------------------------------------------------- */

/** Claim / release a counter slot (cold). NULL if every slot is taken. */
struct arp_slot *arp_slot_claim(int lcore);
void arp_slot_release(struct arp_slot *s);

static inline uint64_t
arp_ms_to_cyc(const struct arp_priv *ap, uint32_t ms)
{
	return ap->ap_hz / 1000 * ms + (ap->ap_hz % 1000) * ms / 1000;
}

/** True for addresses no host may have as a source (0 is handled by the callers). */
static inline bool
arp_addr_bad_src(const struct arp_priv *ap, uint32_t addr)
{
	uint32_t h = rte_be_to_cpu_32(addr);

	return h == UINT32_MAX || (h & 0xf0000000u) == 0xe0000000u ||
	       (h & 0xf0000000u) == 0xf0000000u || (h & 0xff000000u) == 0x7f000000u ||
	       (ap->ap_if.ai_prefix < 31 && addr == ap->ap_bcast);
}

#endif /* YARD_PROTOCOLS_ARP_PRIV_H */
