/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Messages: SVR4 mblk_t/dblk_t laid over rte_mbuf, zero copy.
 *
 * Principles of operation
 * -----------------------
 * Every message block is exactly one rte_mbuf. The mblk_t header lives in the mbuf private area
 * (the pool's priv_size, YARD_MBUF_PRIV_SIZE bytes, one cache line), so converting an RX mbuf to
 * an mblk and back is pointer arithmetic: no allocation, no copy.
 *
 *   | struct rte_mbuf (128 B) | struct yard_mbuf_priv (64 B) | headroom | data ... |
 *                             | mblk_t (56 B) | dblk_t (8 B) |
 *
 * The dblk_t describes the data buffer and is shared by every mblk that references the buffer,
 * exactly as in SVR4: it lives in the private area of the mbuf that *owns* the buffer (the direct
 * mbuf). dupb() attaches a new (indirect) mbuf to the same buffer with rte_pktmbuf_attach(), so
 * b_datap of the copy points at the owner's dblk and DB_REF() is the owner's mbuf refcount.
 * esballoc() buffers are external buffers (rte_pktmbuf_attach_extbuf); their dblk lives in a
 * small descriptor beside the rte_mbuf_ext_shared_info, together with the caller's frtn_t.
 *
 * Where yard differs from SVR4, on purpose:
 *  - db_base, db_lim and db_ref are not stored: they are derived from the owning mbuf (or the
 *    external buffer descriptor) by DB_BASE(), DB_LIM() and DB_REF(), so they can never drift
 *    from what DPDK does to the mbuf. db_frtnp is reached with yard_db_frtn().
 *  - Inside STREAMS b_rptr/b_wptr/b_cont are authoritative; the mbuf's data_off, data_len,
 *    pkt_len, nb_segs and next are only written when a message leaves for a PMD
 *    (yard_mblk_to_mbuf()) and only read when one arrives (yard_mbuf_to_mblk()).
 *  - Every mbuf pool that carries STREAMS messages must have priv_size >= YARD_MBUF_PRIV_SIZE;
 *    yard_pktmbuf_pool_create() makes such pools.
 *  - Messages are owned by one lcore at a time; nothing here takes a lock.
 */
#ifndef YARD_STREAMS_MBLK_H
#define YARD_STREAMS_MBLK_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @name Message types (illumos values). High priority is type >= QPCTL. */
/**@{*/
#define M_DATA      0x00
#define M_PROTO     0x01
#define M_MULTIDATA 0x02
#define M_BREAK     0x08
#define M_PASSFP    0x09
#define M_EVENT     0x0a
#define M_SIG       0x0b
#define M_DELAY     0x0c
#define M_CTL       0x0d
#define M_IOCTL     0x0e
#define M_SETOPTS   0x10
#define M_RSE       0x11

#define QPCTL       0x80
#define QNORM       0x00

#define M_IOCACK    0x81
#define M_IOCNAK    0x82
#define M_PCPROTO   0x83
#define M_PCSIG     0x84
#define M_READ      0x85
#define M_FLUSH     0x86
#define M_STOP      0x87
#define M_START     0x88
#define M_HANGUP    0x89
#define M_ERROR     0x8a
#define M_COPYIN    0x8b
#define M_COPYOUT   0x8c
#define M_IOCDATA   0x8d
#define M_PCRSE     0x8e
#define M_STOPI     0x8f
#define M_STARTI    0x90
#define M_PCEVENT   0x91
#define M_UNHANGUP  0x92
#define M_CMD       0x93
/**@}*/

/** b_flag values. */
#define MSGMARK        0x01
#define MSGNOLOOP      0x02 /**< M_FLUSH: do not loop back at the stream head again */
#define MSGDELIM       0x04
#define MSGNOGET       0x08
#define MSGMARKNEXT    0x10
#define MSGNOTMARKNEXT 0x20

/** allocb priorities (ignored, as in illumos). */
#define BPRI_LO  1
#define BPRI_MED 2
#define BPRI_HI  3

/** db_flags values (yard). */
#define DBLK_ESB      0x01 /**< dblk lives in an esballoc/oversize descriptor, not in an mbuf */
#define DBLK_OVERSIZE 0x02 /**< buffer came from rte_malloc for an allocb larger than a pool */
/** a PMD's external buffer given a descriptor of yard's by dupb() (free_arg: its shared info) */
#define DBLK_PMDEXT   0x04

/**
 * b_yflags values (yard). YB_SUMOK: db_cksum holds (MBLKL << 16) | the 16-bit one's complement
 * sum of this block's bytes, computed by a transport that verified them on input (udp), so an
 * unchanged block sent back need not be summed again. Whoever may have changed the bytes clears
 * it (the stream head's zero-copy sends do, unless told the data is as received); a new block
 * (allocb, dupb, a received mbuf) starts without it.
 */
#define YB_SUMOK 0x1u
/**
 * YB_TUDATA: this M_PROTO block is a T_UNITDATA_REQ or T_UNITDATA_IND of the common layout
 * (the 20-byte primitive, a 16-byte struct sockaddr_in right after it, no options, all inside
 * the block), proved by the module that built it or checked it in full, with no code that
 * could change it run since. The next module down (or up) may then skip its own layout check.
 * It is a hand-over within one call chain, never a promise to code that holds the block
 * afterwards: whoever gives the block to code that may edit it (an application, through the
 * XTI library) clears it first, and so does whoever edits the header. New blocks start without.
 * One exception, the XTI library's note to itself: yard_t_udata_reply() leaves the request it
 * proved marked in the application's hands, and yard_t_sndudata_burst() trusts that mark only
 * when the application promises it did not edit the header since (YARD_T_ASREPLY); every other
 * way down clears or proves it again.
 */
#define YB_TUDATA 0x2u
/**
 * YB_IPDGRAM: this M_DATA block is a whole IPv4 datagram that ip input validated in full and
 * passes up: b_rptr at its 20-byte header (no options), the block alone (no b_cont) holding
 * exactly its total length, not a fragment. The transport it goes to may then skip deriving
 * and checking what ip proved (the header length, the blocks, the datagram's length) and
 * check only its own header; one that reads the bit clears it when it takes the block over.
 * Like YB_TUDATA it is a hand-over within one call chain: ip sets it on the usual datagrams
 * it delivers and clears it on every other M_DATA it passes up, so a bit left by a transport
 * that ignores it (tcp) never reaches one that trusts it. New blocks start without.
 */
#define YB_IPDGRAM 0x4u
/**
 * YB_MSGSIZE: this block heads a normal message (M_DATA or M_PROTO) of exactly two blocks (its
 * b_cont has no b_cont) and its dblk's db_cksum holds the bytes of both: what a queue charges
 * for the message, known to the module that built it (udp, for a T_UNITDATA_IND over one
 * datagram block), so the stream head's putq_burst_data() takes it instead of walking the
 * blocks. Like YB_TUDATA a hand-over within one call chain, up to the queue that charges it:
 * whoever edits the message, or hands it to code that may, clears it (the stream head's
 * readers do as they take the message off its queue, with YB_TUDATA). New blocks start
 * without.
 */
#define YB_MSGSIZE 0x8u
/**
 * YB_LINKROOM: this M_DATA block is a whole frame's payload that only it references (DB_REF 1,
 * no b_cont) with room for a link header in front of b_rptr (at least YARD_LINK_HDR_MAX
 * bytes, an Ethernet header with an 802.1Q tag): what ip output proved of the usual datagram
 * (the sender's IP_UNITDATA_OWNED), so arp may write the link header there without asking
 * the block again. ip sets it on the datagrams of its short way and clears it on every other
 * M_DATA it passes down, and arp clears it when it takes the block over. Where a marked block
 * may not reach arp, what would make the bit lie clears it: dupb() (the buffer is shared),
 * pullupmsg() (a new buffer), the loop driver turning a block around (no arp between ip and
 * it); a module that moves b_rptr back into the headroom clears it too. New blocks start
 * without.
 */
#define YB_LINKROOM 0x10u

/** Free routine for esballoc() buffers. */
typedef struct free_rtn {
	void (*free_func)(void *arg);
	void *free_arg;
} frtn_t;

/** Data block. Shared by all message blocks referencing the same buffer. */
typedef struct datab {
	unsigned char db_type;        /**< M_* message type */
	unsigned char db_flags;       /**< DBLK_* */
	uint16_t db_struioflag;       /**< reserved for checksum/uio hints */
	uint32_t db_cksum;            /**< partial checksum hint, 0 if none */
} dblk_t;

/** Message block: the SVR4 msgb, one per rte_mbuf. */
typedef struct msgb {
	struct msgb *b_next;          /**< next message on a queue (or in a burst chain) */
	struct msgb *b_prev;          /**< previous message on a queue */
	struct msgb *b_cont;          /**< next block of this message */
	unsigned char *b_rptr;        /**< first unread byte */
	unsigned char *b_wptr;        /**< first unwritten byte */
	struct datab *b_datap;        /**< the data block (shared by dupb) */
	unsigned char b_band;         /**< priority band */
	unsigned char b_tag;
	unsigned short b_flag;        /**< MSG* flags */
	uint32_t b_yflags;            /**< yard private (YB_*) */
} mblk_t;

/** The whole private area. */
struct yard_mbuf_priv {
	mblk_t mb;
	dblk_t db;                    /**< this mbuf's own data block */
};

#define YARD_MBUF_PRIV_SIZE 64
static_assert(sizeof(mblk_t) == 56, "mblk_t layout");
static_assert(sizeof(struct yard_mbuf_priv) == YARD_MBUF_PRIV_SIZE, "priv is one cache line");
static_assert(YARD_MBUF_PRIV_SIZE % RTE_MBUF_PRIV_ALIGN == 0, "priv alignment");

/** Descriptor of an external (esballoc or oversize) buffer; holds its shared dblk. */
struct yard_esb {
	struct rte_mbuf_ext_shared_info shinfo;
	dblk_t db;
	frtn_t frtn;                  /**< copy of the caller's free routine */
	unsigned char *base;
	unsigned char *lim;
};

/* ---- mblk <-> mbuf: pointer arithmetic only ---------------------------------------------- */

/** The mbuf a message block is. */
static inline struct rte_mbuf *
yard_mblk_mbuf(const mblk_t *mp)
{
	return (struct rte_mbuf *)((uintptr_t)mp - sizeof(struct rte_mbuf));
}

/** The message block an mbuf is (its fields are not initialised by this call). */
static inline mblk_t *
yard_mbuf_mblk(const struct rte_mbuf *m)
{
	return (mblk_t *)((uintptr_t)m + sizeof(struct rte_mbuf));
}

/** The dblk in an mbuf's own private area. */
static inline dblk_t *
yard_mbuf_own_dblk(const struct rte_mbuf *m)
{
	return &((struct yard_mbuf_priv *)yard_mbuf_mblk(m))->db;
}

/** The mbuf whose private area holds a (non-ESB) dblk. */
static inline struct rte_mbuf *
yard_dblk_mbuf(const dblk_t *db)
{
	return (struct rte_mbuf *)((uintptr_t)db - offsetof(struct yard_mbuf_priv, db) -
				   sizeof(struct rte_mbuf));
}

/** The external-buffer descriptor of an ESB dblk. */
static inline struct yard_esb *
yard_dblk_esb(const dblk_t *db)
{
	return (struct yard_esb *)((uintptr_t)db - offsetof(struct yard_esb, db));
}

/** Buffer-shared-info free callback yard installs on its external buffers. */
void yard_esb_free_cb(void *addr, void *opaque);

/** The dblk describing the buffer an mbuf points at (its own, its owner's, or its ESB's). */
static inline dblk_t *
yard_mbuf_dblk(struct rte_mbuf *m)
{
	if (likely(RTE_MBUF_DIRECT(m)))
		return yard_mbuf_own_dblk(m);
	if (RTE_MBUF_HAS_EXTBUF(m)) {
		if (m->shinfo->free_cb == yard_esb_free_cb)
			return &((struct yard_esb *)m->shinfo)->db;
		return yard_mbuf_own_dblk(m); /* a PMD's, until dupb gives it one of yard's */
	}
	return yard_mbuf_own_dblk(rte_mbuf_from_indirect(m));
}

/**
 * A block's fields as a fresh block's over [rptr, wptr) of db: no links, band, tag or flags.
 * The one list of them, for allocation and for received mbufs alike.
 */
static inline void
yard_mblk_set(mblk_t *mp, dblk_t *db, unsigned char *rptr, unsigned char *wptr)
{
	mp->b_next = NULL;
	mp->b_prev = NULL;
	mp->b_cont = NULL;
	mp->b_rptr = rptr;
	mp->b_wptr = wptr;
	mp->b_datap = db;
	mp->b_band = 0;
	mp->b_tag = 0;
	mp->b_flag = 0;
	mp->b_yflags = 0;
}

/** yard_mbuf_to_mblk() for a chain or a buffer not the mbuf's own: block by block. */
static inline mblk_t *
yard_mbuf_to_mblk_chain(struct rte_mbuf *m)
{
	mblk_t *head = yard_mbuf_mblk(m);
	mblk_t *mp = head;

	for (;;) {
		dblk_t *db = yard_mbuf_dblk(m);
		struct rte_mbuf *next = m->next;
		unsigned char *rptr = rte_pktmbuf_mtod(m, unsigned char *);

		yard_mblk_set(mp, db, rptr, rptr + m->data_len);
		db->db_type = M_DATA;
		if (likely(next == NULL))
			return head;
		mp->b_cont = yard_mbuf_mblk(next);
		mp = mp->b_cont;
		m = next;
	}
}

/**
 * Turn one received mbuf (possibly multi-segment) into an M_DATA message, in place.
 * Hot path: what a PMD hands up is nearly always one segment in the mbuf's own buffer, and
 * that block is its mblk written whole (gcc merges the stores into a few wide ones) plus its
 * dblk's type, with no walk; anything else takes the general loop.
 */
static inline mblk_t *
yard_mbuf_to_mblk(struct rte_mbuf *m)
{
	/* One segment and a direct mbuf: both fields zero (in their bits), one test for two. */
	if (likely(((uintptr_t)m->next |
		    (m->ol_flags & (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL))) == 0)) {
		mblk_t *mp = yard_mbuf_mblk(m);
		dblk_t *db = yard_mbuf_own_dblk(m);
		unsigned char *rptr = rte_pktmbuf_mtod(m, unsigned char *);
		uintptr_t wptr = (uintptr_t)rptr + m->data_len;

		/* The empty asm stops gcc pairing the two pointers into a vector add (slower here). */
		__asm__("" : "+r"(wptr));
		yard_mblk_set(mp, db, rptr, (unsigned char *)wptr);
		db->db_type = M_DATA;
		return mp;
	}
	return yard_mbuf_to_mblk_chain(m);
}

/** Convert a burst of received mbufs into messages, in place (mps may alias ms). */
static inline void
yard_mbuf_to_mblk_burst(struct rte_mbuf **ms, mblk_t **mps, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		mps[i] = yard_mbuf_to_mblk(ms[i]);
}

/**
 * Sync a message's b_rptr/b_wptr/b_cont into its mbuf chain for a PMD and return the head
 * mbuf. Every block must be M_DATA. Empty continuation blocks are freed (PMDs dislike
 * zero-length segments). The message must not be used as an mblk afterwards.
 */
static inline struct rte_mbuf *
yard_mblk_to_mbuf(mblk_t *mp)
{
	struct rte_mbuf *head = yard_mblk_mbuf(mp);
	struct rte_mbuf *last = head;
	uint32_t pkt_len = 0;
	uint16_t nseg = 1;

	head->data_off = (uint16_t)(mp->b_rptr - (unsigned char *)head->buf_addr);
	head->data_len = (uint16_t)(mp->b_wptr - mp->b_rptr);
	pkt_len = head->data_len;
	for (mblk_t *bp = mp->b_cont; bp != NULL;) {
		mblk_t *nbp = bp->b_cont;
		struct rte_mbuf *m = yard_mblk_mbuf(bp);

		if (bp->b_wptr == bp->b_rptr) {
			rte_pktmbuf_free_seg(m);
		} else {
			m->data_off = (uint16_t)(bp->b_rptr - (unsigned char *)m->buf_addr);
			m->data_len = (uint16_t)(bp->b_wptr - bp->b_rptr);
			pkt_len += m->data_len;
			last->next = m;
			last = m;
			nseg++;
		}
		bp = nbp;
	}
	last->next = NULL;
	head->pkt_len = pkt_len;
	head->nb_segs = nseg;
	return head;
}

/* ---- data block accessors (SVR4 strsun.h macros) ------------------------------------------ */

static inline unsigned char *
yard_db_base(const dblk_t *db)
{
	if (unlikely(db->db_flags & DBLK_ESB))
		return yard_dblk_esb(db)->base;
	return (unsigned char *)yard_dblk_mbuf(db)->buf_addr;
}

static inline unsigned char *
yard_db_lim(const dblk_t *db)
{
	if (unlikely(db->db_flags & DBLK_ESB))
		return yard_dblk_esb(db)->lim;
	const struct rte_mbuf *m = yard_dblk_mbuf(db);
	return (unsigned char *)m->buf_addr + m->buf_len;
}

/** Number of message blocks sharing the data block (SVR4 db_ref). */
static inline unsigned
yard_db_ref(const dblk_t *db)
{
	if (unlikely(db->db_flags & DBLK_ESB))
		return rte_mbuf_ext_refcnt_read(&yard_dblk_esb(db)->shinfo);
	return rte_mbuf_refcnt_read(yard_dblk_mbuf(db));
}

/** The esballoc free routine of a data block, NULL for pool buffers. */
static inline frtn_t *
yard_db_frtn(dblk_t *db)
{
	if ((db->db_flags & (DBLK_ESB | DBLK_OVERSIZE | DBLK_PMDEXT)) == DBLK_ESB)
		return &yard_dblk_esb(db)->frtn;
	return NULL;
}

#define DB_TYPE(mp)   ((mp)->b_datap->db_type)
#define DB_FLAGS(mp)  ((mp)->b_datap->db_flags)
#define DB_BASE(mp)   yard_db_base((mp)->b_datap)
#define DB_LIM(mp)    yard_db_lim((mp)->b_datap)
#define DB_REF(mp)    yard_db_ref((mp)->b_datap)
#define MBLKL(mp)     ((size_t)((mp)->b_wptr - (mp)->b_rptr))
#define MBLKSIZE(mp)  ((size_t)(DB_LIM(mp) - DB_BASE(mp)))
#define MBLKHEAD(mp)  ((size_t)((mp)->b_rptr - DB_BASE(mp)))
#define MBLKTAIL(mp)  ((size_t)(DB_LIM(mp) - (mp)->b_wptr))
#define MBLKIN(mp, off, len) \
	(((off) <= MBLKL(mp)) && (((mp)->b_rptr + (off) + (len)) <= (mp)->b_wptr))

/** datamsg(): M_DATA, M_MULTIDATA, M_PROTO, M_PCPROTO and M_DELAY. */
#define datamsg(type) \
	((type) == M_DATA || (type) == M_MULTIDATA || (type) == M_PROTO || \
	 (type) == M_PCPROTO || (type) == M_DELAY)
/** queclass(): QPCTL for high-priority messages, QNORM otherwise. */
#define queclass(bp) (((bp)->b_datap->db_type >= QPCTL) ? QPCTL : QNORM)
#define pcmsg(type)  ((type) >= QPCTL)

/* ---- pools -------------------------------------------------------------------------------- */

/** Sizes of the message pools yard_streams_init() creates. */
struct yard_pool_conf {
	unsigned data_n;        /**< data mbufs (default 16383) */
	unsigned data_room;     /**< data room incl. headroom (default RTE_MBUF_DEFAULT_BUF_SIZE) */
	unsigned ctl_n;         /**< control mbufs (default 4095) */
	unsigned ctl_room;      /**< control data room (default 512) */
	unsigned esb_n;         /**< esballoc descriptors (default 1023) */
	unsigned cache;         /**< per-lcore mempool cache (default 256) */
	int socket;             /**< NUMA socket (default SOCKET_ID_ANY) */
};

/**
 * Whether yard_pktmbuf_pool_create() packs its mbufs across page boundaries: without
 * hugepages in IOVA-as-VA mode (see mblk.c). Page size for yard_pktmbuf_pool_mem_estimate():
 * 0 when packed.
 */
bool yard_pools_packed(void);
/**
 * Create an mbuf pool usable for STREAMS messages: priv_size YARD_MBUF_PRIV_SIZE, every
 * element's own dblk initialised. PMD RX queues must use such pools.
 * @return the pool, or NULL with rte_errno set.
 */
struct rte_mempool *yard_pktmbuf_pool_create(const char *name, unsigned n, unsigned cache,
					     uint16_t data_room, int socket);

/** Create the default data, control and esballoc pools. 0 or -errno. */
int yard_pools_init(const struct yard_pool_conf *conf);
/** Free the pools (all messages must be back). */
void yard_pools_fini(void);
/** The default data pool (RX, allocb of data-sized blocks). */
struct rte_mempool *yard_pool_data(void);
/** The small control-message pool (M_PROTO, M_IOCTL, ...; also holds dupb's mbufs). */
struct rte_mempool *yard_pool_ctl(void);
/**
 * Message blocks outstanding: mbufs in use in yard's pools plus esballoc/oversize
 * descriptors in use. Tests compare it with a baseline after every case.
 */
unsigned yard_msgs_in_use(void);
/**
 * Bytes of EAL memory a mempool of n elements of elt_size bytes takes on pages of page_size
 * bytes (objects never cross a page; 0: no such limit), header and ring included. Computed
 * without EAL, for deciding before rte_eal_init() whether hugepages are enough (streams/pool_size.c).
 */
size_t yard_mempool_mem_estimate(unsigned n, size_t elt_size, size_t page_size);
/** The same for a yard_pktmbuf_pool_create() pool of n mbufs of data_room bytes. */
size_t yard_pktmbuf_pool_mem_estimate(unsigned n, unsigned data_room, size_t page_size);
/** The same for what yard_pools_init(conf) creates (conf NULL: the defaults). */
size_t yard_pools_mem_estimate(const struct yard_pool_conf *conf, size_t page_size);

/* ---- allocation and freeing --------------------------------------------------------------- */

/** Allocate a block of at least size bytes; b_rptr = b_wptr = db_base; type M_DATA. NULL if none. */
mblk_t *allocb(size_t size, unsigned pri);
/** allocb with headroom: b_rptr = b_wptr = db_base + headroom (room for headers to prepend). */
mblk_t *yard_allocb_hr(size_t size, size_t headroom);
/** Allocate up to n blocks of size bytes from the data pool, all or nothing. 0 or -ENOBUFS. */
int allocb_bulk(mblk_t **mps, unsigned n, size_t size);
/**
 * Allocate n small blocks (size up to the control room) from the control pool, all or nothing:
 * one mempool get for a burst's worth of protocol headers. 0 or -ENOBUFS (counted allocb_fail).
 */
int yard_allocb_ctl_bulk(mblk_t **mps, unsigned n, size_t size);
/**
 * yard_allocb_ctl_bulk() for blocks the caller fills at once: each comes as type, with b_wptr
 * len bytes past b_rptr (bytes the caller must write before the block goes anywhere) and
 * b_yflags yflags (what the block will be once filled, e.g. YB_TUDATA). It saves writing a
 * fresh block's type, length and flags twice on a hot path (udp's T_UNITDATA_INDs).
 * 0 or -ENOBUFS (counted allocb_fail).
 */
int yard_allocb_ctl_bulk_as(mblk_t **mps, unsigned n, size_t len, unsigned char type,
			    uint32_t yflags);
/** Wrap a caller's buffer; frtnp->free_func(free_arg) runs when the last reference goes. */
mblk_t *esballoc(unsigned char *base, size_t size, unsigned pri, frtn_t *frtnp);
/** Would allocb(size, pri) succeed now? */
int testb(size_t size, unsigned pri);

/** Free one block (not its b_cont). */
void freeb(mblk_t *bp);
/** Free a whole message (the b_cont chain). */
void freemsg(mblk_t *mp);
/** Free n messages. */
void freemsg_burst(mblk_t **mps, unsigned n);
/** Free a b_next chain of messages. */
void freemsgchain(mblk_t *mp);

/* ---- duplication and copying -------------------------------------------------------------- */

/**
 * New block sharing bp's data (refcount). NULL if none. A block over a PMD's external buffer
 * first gets a data block of yard's (an esb descriptor), as its own leaves with its mbuf.
 */
mblk_t *dupb(mblk_t *bp);
/** dupb over a whole message. */
mblk_t *dupmsg(mblk_t *mp);
/** New block with a copy of bp's data (same offset of b_rptr from base). */
mblk_t *copyb(mblk_t *bp);
/** copyb over a whole message. */
mblk_t *copymsg(mblk_t *mp);

/* ---- chaining ----------------------------------------------------------------------------- */

void linkb(mblk_t *mp, mblk_t *bp);
mblk_t *unlinkb(mblk_t *mp);
/** Remove bp from mp's chain; returns the new head, or (mblk_t *)-1 if bp is not in mp. */
mblk_t *rmvb(mblk_t *mp, mblk_t *bp);

/* ---- pull-up and trimming ----------------------------------------------------------------- */

/**
 * Pull up len bytes (-1: all) of the leading same-type blocks of mp into mp's first block, in
 * place. 1 on success, 0 on failure (mp unchanged).
 */
int pullupmsg(mblk_t *mp, ssize_t len);
/** Like pullupmsg but returns a new message and leaves mp untouched; NULL on failure. */
mblk_t *msgpullup(mblk_t *mp, ssize_t len);
/** Trim len bytes from the head (len > 0) or the tail (len < 0). 1 on success, 0 if too short. */
int adjmsg(mblk_t *mp, ssize_t len);

/* ---- sizes -------------------------------------------------------------------------------- */

/**
 * Bytes of M_DATA in a message. Inline: ip sizes every datagram it sends with it, and the
 * loop is shorter than a call.
 */
static inline size_t
msgdsize(const mblk_t *mp)
{
	size_t n = 0;

	for (; mp != NULL; mp = mp->b_cont)
		if (DB_TYPE(mp) == M_DATA)
			n += MBLKL(mp);
	return n;
}
/** Bytes of all blocks of a message. */
size_t msgsize(const mblk_t *mp);
/** Bytes in the leading run of blocks of the first block's type. */
size_t xmsgsize(const mblk_t *mp);
/** Bytes and (optionally) number of blocks over the b_cont chain. */
size_t mp_cont_len(const mblk_t *mp, size_t *mblkcnt);

/* ---- bufcall ------------------------------------------------------------------------------ */

typedef uintptr_t bufcall_id_t;
/**
 * Call func(arg) once, on this lcore's scheduler loop, when an allocb(size) would succeed.
 * Returns an id for unbufcall(), 0 if the request could not be recorded.
 */
bufcall_id_t bufcall(size_t size, unsigned pri, void (*func)(void *), void *arg);
/** Cancel a pending bufcall. */
void unbufcall(bufcall_id_t id);
/** Run this lcore's bufcalls whose sizes can now be allocated; returns how many ran. */
unsigned yard_bufcall_run(void);

/** Counters of the message layer (per lcore). */
struct yard_msgstat {
	uint64_t allocb_fail;
	uint64_t dupb_fail;
	uint64_t oversize_allocs;
	uint64_t copied_bytes;     /**< bytes memcpy'd by copyb/pullupmsg: proof of zero copy */
	uint64_t bufcalls_run;
} __rte_cache_aligned;
/** The calling lcore's message counters. */
struct yard_msgstat *yard_msgstat_self(void);
/** Sum of all lcores' message counters into *out. */
void yard_msgstat_sum(struct yard_msgstat *out);

#ifdef __cplusplus
}
#endif
#endif /* YARD_STREAMS_MBLK_H */
