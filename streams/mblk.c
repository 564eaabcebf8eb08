/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Messages: pools, allocb/freeb and the SVR4 message utilities over rte_mbuf.
 *
 * Principles of operation
 * -----------------------
 * A message block is an rte_mbuf; the mblk_t sits in the mbuf's private area (mblk.h). Three
 * pools back allocb():
 *
 *   ctl   small mbufs (ctl_room bytes of data): M_PROTO/M_IOCTL-sized blocks, the mbufs that
 *         dupb() attaches to a shared buffer, and the carrier mbufs of external buffers;
 *   data  full-size mbufs, also what PMDs receive into;
 *   esb   struct yard_esb descriptors: the rte_mbuf_ext_shared_info plus the shared dblk of an
 *         external buffer (esballoc() and oversize allocb()).
 *
 * Reference counting is DPDK's, never ours, so a message can go to a PMD and back without any
 * bookkeeping drifting:
 *  - a pool buffer's references are its owning mbuf's refcnt; dupb() makes an indirect mbuf
 *    (rte_pktmbuf_attach) that holds one, and freeing the last reference returns the owner;
 *  - an external buffer's references are its shinfo refcnt; the carrier mbufs hold them and
 *    yard_esb_free_cb() runs when the last one goes: it calls the esballoc free routine (or
 *    rte_free()s an oversize buffer) and returns the descriptor to its pool;
 *  - a buffer a PMD received into as an external buffer of its own is described by the
 *    carrier mbuf's own dblk until something dupb()s it; then it gets a descriptor of yard's
 *    that holds the PMD's reference (esb_adopt_pmd_extbuf()), since that dblk would leave
 *    with the carrier.
 * freeb() is therefore rte_pktmbuf_free_seg() on one block. Never rte_pktmbuf_free(): inside
 * STREAMS an mbuf's next field is stale (b_cont is authoritative) and would be followed.
 *
 * Limits that come from the design:
 *  - an external buffer's mbuf buf_len is 16 bits, so esballoc() refuses more than UINT16_MAX
 *    bytes; an oversize allocb() buffer may be larger (its extent is the descriptor's base/lim,
 *    which is what DB_BASE/DB_LIM read) but such a block cannot be handed to a PMD as is;
 *  - oversize allocb() calls rte_malloc(), which takes a lock: it is the cold path, as
 *    kmem_alloc is for illumos's allocb_oversize;
 *  - pullupmsg() cannot rewrite a first block whose *own* mbuf is shared (a direct block that
 *    has been dupb'd), because the dups reference that very mbuf: it returns 0 then, leaving
 *    the message untouched. A dup, an esballoc block or an unshared block is always handled.
 *
 * Counters are per lcore (yard_msgstat), plain increments, summed when read.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>

#include "streams/mblk.h"

#define YARD_DATA_N_DEFAULT    16383
#define YARD_CTL_N_DEFAULT     4095
#define YARD_CTL_ROOM_DEFAULT  512
#define YARD_ESB_N_DEFAULT     1023
#define YARD_CACHE_DEFAULT     256

/* Blocks handed to the mempool in one put when freeing messages. */
#define YARD_FREE_BATCH 64

static struct {
	struct rte_mempool *data;
	struct rte_mempool *ctl;
	struct rte_mempool *esb;
	size_t data_room;             /* allocb sizes up to this come from data */
	size_t ctl_room;              /* ... and up to this from ctl */
	uint64_t data_rearm;          /* mbuf_reset_raw() templates of data and ctl */
	uint64_t ctl_rearm;
	int socket;
} yard_pools;

static struct yard_msgstat yard_msgstats[RTE_MAX_LCORE];

static inline struct yard_msgstat *
ms_self(void)
{
	unsigned id = rte_lcore_id();

	if (unlikely(id >= RTE_MAX_LCORE))
		id = rte_get_main_lcore();
	return &yard_msgstats[id];
}

struct yard_msgstat *
yard_msgstat_self(void)
{
	return ms_self();
}

void
yard_msgstat_sum(struct yard_msgstat *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++) {
		const struct yard_msgstat *s = &yard_msgstats[i];

		out->allocb_fail += s->allocb_fail;
		out->dupb_fail += s->dupb_fail;
		out->oversize_allocs += s->oversize_allocs;
		out->copied_bytes += s->copied_bytes;
		out->bufcalls_run += s->bufcalls_run;
	}
}

/* ---- pools -------------------------------------------------------------------------------- */

/*
 * Each element's own mblk and dblk. opaque non-NULL: a packed pool, which records no IOVA for
 * its objects (RTE_BAD_IOVA), so rte_pktmbuf_init() gave each mbuf a bad buf_iova; packed
 * pools exist only in IOVA-as-VA mode, where the IOVA is the address (EAL maps its memory so
 * for a device): say so.
 */
static void
pool_obj_init(struct rte_mempool *mp, void *opaque, void *obj, unsigned idx)
{
	struct rte_mbuf *m = obj;
	struct yard_mbuf_priv *priv = (struct yard_mbuf_priv *)yard_mbuf_mblk(m);

	if (opaque != NULL)
		m->buf_iova = (rte_iova_t)(uintptr_t)m->buf_addr;
	memset(&priv->mb, 0, sizeof(priv->mb));
	priv->db = (dblk_t){ .db_type = M_DATA };
}

bool
yard_pools_packed(void)
{
	return rte_eal_iova_mode() == RTE_IOVA_VA && !rte_eal_has_hugepages();
}

/*
 * rte_pktmbuf_pool_create(), with one difference: without hugepages, in IOVA-as-VA mode, the
 * mbufs are packed. rte_mempool keeps an object from crossing a page so that a device can DMA
 * it in one piece; on --no-huge's 4 KiB pages that gives every 2.4 KB data mbuf a page of its
 * own, so every mbuf header, mblk and frame sits at the same offset in its page: the same few
 * L1 cache sets for all of them (a burst of 32 evicts itself) and a TLB entry each. Where the
 * IOVA is the virtual address, memory contiguous in VA is contiguous in IOVA, and the rule buys
 * nothing (RTE_MEMPOOL_F_NO_IOVA_CONTIG). With hugepages, or physical addresses, it is kept.
 */
struct rte_mempool *
yard_pktmbuf_pool_create(const char *name, unsigned n, unsigned cache, uint16_t data_room,
			 int socket)
{
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = data_room,
		.mbuf_priv_size = YARD_MBUF_PRIV_SIZE,
	};
	struct rte_mempool *mp;
	int rc;

	if (!yard_pools_packed()) {
		mp = rte_pktmbuf_pool_create(name, n, cache, YARD_MBUF_PRIV_SIZE, data_room,
					     socket);
		if (mp == NULL)
			return NULL;
		rte_mempool_obj_iter(mp, pool_obj_init, NULL);
		return mp;
	}
	/* What rte_pktmbuf_pool_create() does, with the flag. */
	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + YARD_MBUF_PRIV_SIZE +
				      data_room, cache, sizeof(priv), socket,
				      RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (mp == NULL)
		return NULL;
	rc = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL);
	if (rc != 0)
		goto fail;
	rte_pktmbuf_pool_init(mp, &priv);
	rc = rte_mempool_populate_default(mp);
	if (rc < 0)
		goto fail;
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	rte_mempool_obj_iter(mp, pool_obj_init, mp); /* packed: buf_iova is the address */
	return mp;
fail:
	rte_mempool_free(mp);
	rte_errno = -rc;
	return NULL;
}

size_t
yard_pools_mem_estimate(const struct yard_pool_conf *conf, size_t page_size)
{
	static const struct yard_pool_conf none;

	if (conf == NULL)
		conf = &none;
	return yard_pktmbuf_pool_mem_estimate(conf->data_n ? conf->data_n : YARD_DATA_N_DEFAULT,
					      conf->data_room ? conf->data_room :
								RTE_MBUF_DEFAULT_BUF_SIZE,
					      page_size) +
	       yard_pktmbuf_pool_mem_estimate(conf->ctl_n ? conf->ctl_n : YARD_CTL_N_DEFAULT,
					      conf->ctl_room ? conf->ctl_room :
							       YARD_CTL_ROOM_DEFAULT,
					      page_size) +
	       yard_mempool_mem_estimate(conf->esb_n ? conf->esb_n : YARD_ESB_N_DEFAULT,
					 sizeof(struct yard_esb), page_size);
}

/*
 * The rearm word (data_off, refcnt, nb_segs, port) rte_pktmbuf_reset() leaves in a fresh mbuf
 * of pool, as one value: PMDs rearm their RX mbufs the same way (mbuf_initializer).
 */
static uint64_t
rearm_template(struct rte_mempool *pool)
{
	struct rte_mbuf t = {
		.buf_len = rte_pktmbuf_data_room_size(pool),
		.nb_segs = 1,
		.port = RTE_MBUF_PORT_INVALID,
	};
	uint64_t rearm;

	rte_mbuf_refcnt_set(&t, 1);
	rte_pktmbuf_reset_headroom(&t);
	memcpy(&rearm, &t.rearm_data, sizeof(rearm));
	return rearm;
}

/* rte_mempool_create refuses a cache whose flush threshold (1.5 x) exceeds n: shrink it. */
static unsigned
cache_for(unsigned n, unsigned cache)
{
	unsigned max = (unsigned)((uint64_t)n * 2 / 3);

	if (cache > RTE_MEMPOOL_CACHE_MAX_SIZE)
		cache = RTE_MEMPOOL_CACHE_MAX_SIZE;
	return cache > max ? max : cache;
}

int
yard_pools_init(const struct yard_pool_conf *conf)
{
	static const struct yard_pool_conf none;
	/* Names must be unique among live mempools; a generation keeps init/fini/init working. */
	static unsigned gen;
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned data_n, data_room, ctl_n, ctl_room, esb_n, cache;
	int socket, err;

	if (yard_pools.data != NULL)
		return -EEXIST;
	if (conf == NULL)
		conf = &none;
	data_n = conf->data_n ? conf->data_n : YARD_DATA_N_DEFAULT;
	data_room = conf->data_room ? conf->data_room : RTE_MBUF_DEFAULT_BUF_SIZE;
	ctl_n = conf->ctl_n ? conf->ctl_n : YARD_CTL_N_DEFAULT;
	ctl_room = conf->ctl_room ? conf->ctl_room : YARD_CTL_ROOM_DEFAULT;
	esb_n = conf->esb_n ? conf->esb_n : YARD_ESB_N_DEFAULT;
	cache = conf->cache ? conf->cache : YARD_CACHE_DEFAULT;
	/* Zero means "default" throughout the conf, and the default is any socket. */
	socket = conf->socket ? conf->socket : SOCKET_ID_ANY;
	if (data_room > UINT16_MAX || ctl_room > data_room)
		return -EINVAL;
	gen++;

	snprintf(name, sizeof(name), "yard_data_%u", gen);
	yard_pools.data = yard_pktmbuf_pool_create(name, data_n, cache_for(data_n, cache),
						   (uint16_t)data_room, socket);
	if (yard_pools.data == NULL)
		goto fail;
	snprintf(name, sizeof(name), "yard_ctl_%u", gen);
	yard_pools.ctl = yard_pktmbuf_pool_create(name, ctl_n, cache_for(ctl_n, cache),
						  (uint16_t)ctl_room, socket);
	if (yard_pools.ctl == NULL)
		goto fail;
	snprintf(name, sizeof(name), "yard_esb_%u", gen);
	yard_pools.esb = rte_mempool_create(name, esb_n, sizeof(struct yard_esb),
					    cache_for(esb_n, cache), 0, NULL, NULL, NULL, NULL,
					    socket, 0);
	if (yard_pools.esb == NULL)
		goto fail;
	yard_pools.data_room = data_room;
	yard_pools.ctl_room = ctl_room;
	yard_pools.data_rearm = rearm_template(yard_pools.data);
	yard_pools.ctl_rearm = rearm_template(yard_pools.ctl);
	yard_pools.socket = socket;
	return 0;
fail:
	err = rte_errno ? -rte_errno : -ENOMEM;
	yard_pools_fini();
	return err;
}

void
yard_pools_fini(void)
{
	rte_mempool_free(yard_pools.esb);
	rte_mempool_free(yard_pools.ctl);
	rte_mempool_free(yard_pools.data);
	memset(&yard_pools, 0, sizeof(yard_pools));
}

struct rte_mempool *
yard_pool_data(void)
{
	return yard_pools.data;
}

struct rte_mempool *
yard_pool_ctl(void)
{
	return yard_pools.ctl;
}

unsigned
yard_msgs_in_use(void)
{
	unsigned n = 0;

	if (yard_pools.data != NULL)
		n += rte_mempool_in_use_count(yard_pools.data);
	if (yard_pools.ctl != NULL)
		n += rte_mempool_in_use_count(yard_pools.ctl);
	if (yard_pools.esb != NULL)
		n += rte_mempool_in_use_count(yard_pools.esb);
	return n;
}

/* ---- allocation --------------------------------------------------------------------------- */

/* A fresh block over m's current buffer, reading from rptr, described by db. */
static inline mblk_t *
mblk_init(struct rte_mbuf *m, unsigned char *rptr, dblk_t *db)
{
	mblk_t *mp = yard_mbuf_mblk(m);

	yard_mblk_set(mp, db, rptr, rptr);
	return mp;
}

/*
 * rte_pktmbuf_reset() of an mbuf just taken from its pool, with the pool's rearm template.
 * A free mbuf already has refcnt 1, nb_segs 1 and next NULL (DPDK's contract for pool
 * objects, which rte_mbuf_raw_alloc() documents and rte_pktmbuf_prefree_seg() keeps), so next
 * is not written again and the rest of the rearm word is one store.
 */
static inline void
mbuf_reset_raw(struct rte_mbuf *m, uint64_t rearm)
{
	/*
	 * ol_flags follows the rearm word and goes with it as 0: an mbuf in one of our pools is
	 * direct (they have no pinned external buffers, and freeing detaches any other), so that
	 * is exactly rte_pktmbuf_reset's "ol_flags &= RTE_MBUF_F_EXTERNAL".
	 */
	typedef uint64_t u64x2 __attribute__((vector_size(16)));
	const u64x2 words = { rearm, 0 }, zero = { 0, 0 };

	static_assert(offsetof(struct rte_mbuf, ol_flags) ==
		      offsetof(struct rte_mbuf, rearm_data) + sizeof(uint64_t), "mbuf layout");
	memcpy(&m->rearm_data, &words, sizeof(words));
	/*
	 * packet_type, pkt_len, data_len and vlan_tci, and the first half of the RSS hash with
	 * them (meaningless without its RX flag, which ol_flags no longer has): 16 bytes, one
	 * store instead of four.
	 */
	static_assert(offsetof(struct rte_mbuf, packet_type) ==
		      offsetof(struct rte_mbuf, ol_flags) + sizeof(uint64_t) &&
		      offsetof(struct rte_mbuf, vlan_tci) + sizeof(uint16_t) ==
		      offsetof(struct rte_mbuf, packet_type) + 12 &&
		      offsetof(struct rte_mbuf, vlan_tci_outer) >=
		      offsetof(struct rte_mbuf, packet_type) + sizeof(zero), "mbuf layout");
	memcpy(&m->packet_type, &zero, sizeof(zero));
	m->vlan_tci_outer = 0;
	m->tx_offload = 0;
}

static inline mblk_t *
mblk_init_direct(struct rte_mbuf *m, size_t headroom)
{
	dblk_t *db = yard_mbuf_own_dblk(m);

	*db = (dblk_t){ .db_type = M_DATA };
	return mblk_init(m, (unsigned char *)m->buf_addr + headroom, db);
}

/*
 * mblk_init_direct() with no headroom for a block its caller fills at once: the type, the
 * length and the flags it will have are written here, in the stores that write a fresh
 * block anyway, rather than written fresh and then again.
 */
static inline mblk_t *
mblk_init_direct_as(struct rte_mbuf *m, size_t len, uint64_t dbw, uint64_t flagw)
{
	dblk_t *db = yard_mbuf_own_dblk(m);
	unsigned char *rptr = m->buf_addr;
	mblk_t *mp = yard_mbuf_mblk(m);

	/* Whole words from registers: gcc stores a struct of a variable byte in two parts. */
	memcpy(db, &dbw, sizeof(*db));
	mp->b_next = NULL;
	mp->b_prev = NULL;
	mp->b_cont = NULL;
	mp->b_rptr = rptr;
	mp->b_wptr = rptr + len;
	mp->b_datap = db;
	memcpy(&mp->b_band, &flagw, sizeof(flagw));
	return mp;
}

void
yard_esb_free_cb(void *addr, void *opaque)
{
	struct yard_esb *esb = opaque;
	frtn_t frtn = esb->frtn;
	unsigned char flags = esb->db.db_flags;
	unsigned char *base = esb->base;

	/* Return the descriptor first: a free routine may well esballoc() its buffer again. */
	rte_mempool_put(rte_mempool_from_obj(esb), esb);
	if (flags & DBLK_OVERSIZE) {
		rte_free(base);
	} else if (flags & DBLK_PMDEXT) {
		/* The PMD's reference (esb_adopt_pmd_extbuf()), let go as DPDK would. */
		struct rte_mbuf_ext_shared_info *sh = frtn.free_arg;

		if (rte_mbuf_ext_refcnt_update(sh, -1) == 0)
			sh->free_cb(addr, sh->fcb_opaque);
	} else if (frtn.free_func != NULL) {
		frtn.free_func(frtn.free_arg);
	}
}

/* A ctl mbuf carrying base[0, size) as an external buffer described by a new descriptor. */
static mblk_t *
esb_attach(unsigned char *base, size_t size, rte_iova_t iova, unsigned char flags,
	   const frtn_t *frtnp)
{
	struct rte_mbuf *m;
	struct yard_esb *esb;
	void *obj;

	if (unlikely(rte_mempool_get(yard_pools.esb, &obj) != 0))
		return NULL;
	m = rte_pktmbuf_alloc(yard_pools.ctl);
	if (unlikely(m == NULL)) {
		rte_mempool_put(yard_pools.esb, obj);
		return NULL;
	}
	esb = obj;
	esb->shinfo.free_cb = yard_esb_free_cb;
	esb->shinfo.fcb_opaque = esb;
	rte_mbuf_ext_refcnt_set(&esb->shinfo, 1);
	esb->db = (dblk_t){ .db_type = M_DATA, .db_flags = flags };
	esb->frtn = frtnp != NULL ? *frtnp : (frtn_t){ NULL, NULL };
	esb->base = base;
	esb->lim = base + size;
	/* buf_len is 16 bits; an oversize buffer's real extent is base/lim (see the top). */
	rte_pktmbuf_attach_extbuf(m, base, iova, (uint16_t)RTE_MIN(size, (size_t)UINT16_MAX),
				  &esb->shinfo);
	return mblk_init(m, base, &esb->db);
}

static mblk_t *
allocb_oversize(size_t size, size_t headroom)
{
	unsigned char *buf;
	mblk_t *mp;

	buf = rte_malloc_socket("yard_oversize", size, RTE_CACHE_LINE_SIZE, yard_pools.socket);
	if (buf == NULL)
		return NULL;
	mp = esb_attach(buf, size, rte_malloc_virt2iova(buf), DBLK_ESB | DBLK_OVERSIZE, NULL);
	if (mp == NULL) {
		rte_free(buf);
		return NULL;
	}
	mp->b_rptr += headroom;
	mp->b_wptr = mp->b_rptr;
	return mp;
}

/* allocb of total bytes with b_rptr headroom bytes in; does not count failures. */
static inline mblk_t *
allocb_common(size_t total, size_t headroom)
{
	struct rte_mempool *pool;
	struct rte_mbuf *m;
	uint64_t rearm;
	mblk_t *mp;

	if (likely(total <= yard_pools.ctl_room)) {
		pool = yard_pools.ctl;
		rearm = yard_pools.ctl_rearm;
	} else if (likely(total <= yard_pools.data_room)) {
		pool = yard_pools.data;
		rearm = yard_pools.data_rearm;
	} else {
		mp = allocb_oversize(total, headroom);
		if (mp != NULL)
			ms_self()->oversize_allocs++;
		return mp;
	}
	m = rte_mbuf_raw_alloc(pool);
	if (unlikely(m == NULL))
		return NULL;
	mbuf_reset_raw(m, rearm);
	return mblk_init_direct(m, headroom);
}

mblk_t *
allocb(size_t size, unsigned pri)
{
	mblk_t *mp = allocb_common(size, 0);

	if (unlikely(mp == NULL))
		ms_self()->allocb_fail++;
	return mp;
}

mblk_t *
yard_allocb_hr(size_t size, size_t headroom)
{
	mblk_t *mp = NULL;

	if (likely(size + headroom >= size))
		mp = allocb_common(size + headroom, headroom);
	if (unlikely(mp == NULL))
		ms_self()->allocb_fail++;
	return mp;
}

/*
 * n fresh blocks from pool, all or nothing; does not count failures. The mbufs land in mps
 * (rte_mempool_get_bulk is all or nothing itself) and each becomes its mblk in place, reset
 * as rte_pktmbuf_alloc_bulk would (with pool's rearm template) in the same pass.
 */
static inline int
allocb_bulk_pool(struct rte_mempool *pool, uint64_t rearm, mblk_t **mps, unsigned n)
{
	void **objs = (void **)mps;

	if (unlikely(rte_mempool_get_bulk(pool, objs, n) != 0))
		return -ENOBUFS;
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = objs[i]; /* read as the mempool wrote it */

		mbuf_reset_raw(m, rearm);
		mps[i] = mblk_init_direct(m, 0);
	}
	return 0;
}

int
allocb_bulk(mblk_t **mps, unsigned n, size_t size)
{
	if (unlikely(size > yard_pools.data_room ||
		     allocb_bulk_pool(yard_pools.data, yard_pools.data_rearm, mps, n) != 0)) {
		ms_self()->allocb_fail++;
		return -ENOBUFS;
	}
	return 0;
}

int
yard_allocb_ctl_bulk(mblk_t **mps, unsigned n, size_t size)
{
	if (unlikely(size > yard_pools.ctl_room ||
		     allocb_bulk_pool(yard_pools.ctl, yard_pools.ctl_rearm, mps, n) != 0)) {
		ms_self()->allocb_fail++;
		return -ENOBUFS;
	}
	return 0;
}

int
yard_allocb_ctl_bulk_as(mblk_t **mps, unsigned n, size_t len, unsigned char type,
			uint32_t yflags)
{
	void **objs = (void **)mps;
	uint64_t rearm = yard_pools.ctl_rearm;
	const dblk_t db = { .db_type = type };
	const struct { unsigned char band, tag; unsigned short flag; uint32_t yflags; } fl = {
		.yflags = yflags,
	};
	uint64_t dbw, flagw;

	/* The fields from b_band on, and the dblk, as the words mblk_init_direct_as() stores. */
	static_assert(sizeof(db) == sizeof(dbw), "dblk_t is a word");
	static_assert(offsetof(mblk_t, b_yflags) - offsetof(mblk_t, b_band) ==
		      offsetof(__typeof__(fl), yflags) && sizeof(fl) == sizeof(flagw) &&
		      sizeof(mblk_t) - offsetof(mblk_t, b_band) == sizeof(flagw), "mblk_t tail");
	memcpy(&dbw, &db, sizeof(dbw));
	memcpy(&flagw, &fl, sizeof(flagw));
	if (unlikely(len > yard_pools.ctl_room ||
		     rte_mempool_get_bulk(yard_pools.ctl, objs, n) != 0)) {
		ms_self()->allocb_fail++;
		return -ENOBUFS;
	}
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = objs[i]; /* read as the mempool wrote it */

		mbuf_reset_raw(m, rearm);
		mps[i] = mblk_init_direct_as(m, len, dbw, flagw);
	}
	return 0;
}

mblk_t *
esballoc(unsigned char *base, size_t size, unsigned pri, frtn_t *frtnp)
{
	rte_iova_t iova;
	mblk_t *mp;

	if (unlikely(base == NULL || size > UINT16_MAX)) {
		ms_self()->allocb_fail++;
		return NULL;
	}
	/* In VA mode the IOVA is the address; otherwise look it up (RTE_BAD_IOVA if not ours). */
	iova = rte_eal_iova_mode() == RTE_IOVA_VA ? (rte_iova_t)(uintptr_t)base
						   : rte_mem_virt2iova(base);
	mp = esb_attach(base, size, iova, DBLK_ESB, frtnp);
	if (unlikely(mp == NULL))
		ms_self()->allocb_fail++;
	return mp;
}

int
testb(size_t size, unsigned pri)
{
	struct rte_mempool *pool;
	void *obj;

	if (size <= yard_pools.ctl_room) {
		pool = yard_pools.ctl;
	} else if (size <= yard_pools.data_room) {
		pool = yard_pools.data;
	} else {
		/* Exactly what allocb would do, minus the counters. */
		mblk_t *mp = allocb_oversize(size, 0);

		if (mp == NULL)
			return 0;
		freeb(mp);
		return 1;
	}
	/* Through this lcore's cache, as allocb would: a get and a put, no scan of all caches. */
	if (rte_mempool_get(pool, &obj) != 0)
		return 0;
	rte_mempool_put(pool, obj);
	return 1;
}

/* ---- freeing ------------------------------------------------------------------------------ */

/*
 * Blocks whose last reference went, gathered per pool for one rte_mempool_put_bulk: what
 * rte_pktmbuf_free_bulk does, minus its walk of the (stale) mbuf next chain.
 */
struct free_batch {
	struct rte_mempool *pool;
	unsigned n;
	void *objs[YARD_FREE_BATCH];
};

static inline void
fb_flush(struct free_batch *fb)
{
	if (fb->n != 0)
		rte_mempool_put_bulk(fb->pool, fb->objs, fb->n);
	fb->n = 0;
}

static inline void
fb_add(struct free_batch *fb, mblk_t *bp)
{
	struct rte_mbuf *m = rte_pktmbuf_prefree_seg(yard_mblk_mbuf(bp));

	if (m == NULL)
		return;
	if (unlikely(m->pool != fb->pool || fb->n == YARD_FREE_BATCH)) {
		fb_flush(fb);
		fb->pool = m->pool;
	}
	fb->objs[fb->n++] = m;
}

static inline void
fb_add_msg(struct free_batch *fb, mblk_t *mp)
{
	while (mp != NULL) {
		mblk_t *next = mp->b_cont;

		fb_add(fb, mp);
		mp = next;
	}
}

void
freeb(mblk_t *bp)
{
	if (bp != NULL)
		rte_pktmbuf_free_seg(yard_mblk_mbuf(bp));
}

void
freemsg(mblk_t *mp)
{
	struct free_batch fb;

	if (mp == NULL)
		return;
	if (likely(mp->b_cont == NULL)) {
		freeb(mp);
		return;
	}
	fb.pool = NULL;
	fb.n = 0;
	fb_add_msg(&fb, mp);
	fb_flush(&fb);
}

/* fb_add_msg() out of line, so that freemsg_burst's fast loop keeps its registers. */
static __rte_noinline void
fb_add_msg_cold(struct free_batch *fb, mblk_t *mp)
{
	fb_add_msg(fb, mp);
}

/*
 * Is m, a message's only block, the last reference to a direct mbuf of pool, already in the
 * state its pool keeps free mbufs in (refcnt 1, next NULL, nb_segs 1)? Then it can go back as
 * it is: this is the whole of what rte_pktmbuf_prefree_seg() would find to do. refcnt and
 * nb_segs sit side by side and are asked as one 32-bit word (1 and 1: 0x00010001 in either
 * byte order).
 */
static inline bool
fb_plain(const struct rte_mbuf *m, const struct rte_mempool *pool)
{
	uint32_t ref_segs;

	static_assert(offsetof(struct rte_mbuf, nb_segs) ==
		      offsetof(struct rte_mbuf, refcnt) + sizeof(uint16_t), "mbuf layout");
	memcpy(&ref_segs, &m->refcnt, sizeof(ref_segs));
	return ref_segs == 0x00010001u &&
	       (m->ol_flags & (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL)) == 0 &&
	       m->next == NULL && m->pool == pool;
}

/*
 * freemsg_burst() of at most YARD_FREE_BATCH messages. The common burst is single-block
 * messages of one pool (the control blocks ip frees, a burst of drops): those take the plain
 * test above and one store each, with the batch's pool and count in registers, and no test
 * of the batch's room: n fits, and after a message the general way took the batch is flushed
 * unless what is left of the burst still fits. Anything else (a chain, a dup, an esballoc
 * block, another pool) goes the general way, fb_add_msg(), which may flush and change pools.
 */
static __rte_always_inline void
freemsg_burst_part(mblk_t **mps, unsigned n)
{
	struct free_batch fb;
	struct rte_mempool *pool;
	unsigned k = 0;

	pool = yard_mblk_mbuf(mps[0])->pool;
	for (unsigned i = 0; i < n; i++) {
		mblk_t *mp = mps[i];
		struct rte_mbuf *m = yard_mblk_mbuf(mp);

		if (likely(mp->b_cont == NULL && fb_plain(m, pool))) {
			fb.objs[k++] = m;
			continue;
		}
		fb.pool = pool;
		fb.n = k;
		fb_add_msg_cold(&fb, mp);
		if (fb.n > YARD_FREE_BATCH - (n - i - 1))
			fb_flush(&fb);
		pool = fb.pool;
		k = fb.n;
	}
	if (k != 0)
		rte_mempool_put_bulk(pool, fb.objs, k);
}

void
freemsg_burst(mblk_t **mps, unsigned n)
{
	/* Longer bursts in parts, so that the loop above never asks for room. */
	while (unlikely(n > YARD_FREE_BATCH)) {
		freemsg_burst_part(mps, YARD_FREE_BATCH);
		mps += YARD_FREE_BATCH;
		n -= YARD_FREE_BATCH;
	}
	if (n != 0)
		freemsg_burst_part(mps, n);
}

void
freemsgchain(mblk_t *mp)
{
	struct free_batch fb;

	fb.pool = NULL;
	fb.n = 0;
	while (mp != NULL) {
		mblk_t *next = mp->b_next;

		mp->b_next = NULL;
		fb_add_msg(&fb, mp);
		mp = next;
	}
	fb_flush(&fb);
}

/* ---- duplication and copying -------------------------------------------------------------- */

/*
 * Before dupb() shares a block over a PMD's external buffer (not an esballoc or oversize
 * buffer of yard's), give the buffer a data block of yard's. Such a block's dblk is its
 * carrier mbuf's own (yard_mbuf_dblk()), which leaves with the carrier, and
 * rte_pktmbuf_attach() shares an external buffer through its shared info without a reference
 * on the carrier: DB_REF() of the original would stay 1 (a module would write into a buffer
 * its dup shows) and the dup's b_datap would dangle once the original is freed. So the
 * carrier's reference on the PMD's shared info moves to an esb descriptor, whose shared info
 * the carrier now points at and dups attach to: one dblk for every block over the buffer,
 * DB_REF() counting them all, and the PMD's reference dropped (its free callback run) when the
 * last goes (yard_esb_free_cb()). Lazily, here: only a PMD that receives into external buffers
 * pays for it, and only for the blocks something duplicates. -EBUSY for a carrier that has
 * other holders or a pinned buffer (it cannot be re-pointed), -ENOBUFS without a descriptor.
 */
static int
esb_adopt_pmd_extbuf(mblk_t *bp)
{
	struct rte_mbuf *m = yard_mblk_mbuf(bp);
	struct yard_esb *esb;
	void *obj;

	if (rte_mbuf_refcnt_read(m) != 1 || RTE_MBUF_HAS_PINNED_EXTBUF(m))
		return -EBUSY;
	if (unlikely(rte_mempool_get(yard_pools.esb, &obj) != 0))
		return -ENOBUFS;
	esb = obj;
	esb->shinfo.free_cb = yard_esb_free_cb;
	esb->shinfo.fcb_opaque = esb;
	rte_mbuf_ext_refcnt_set(&esb->shinfo, 1); /* the carrier's */
	esb->db = *bp->b_datap;
	esb->db.db_flags |= DBLK_ESB | DBLK_PMDEXT;
	esb->frtn = (frtn_t){ NULL, m->shinfo };  /* the PMD's reference, now the descriptor's */
	esb->base = m->buf_addr;
	esb->lim = esb->base + m->buf_len;
	m->shinfo = &esb->shinfo;
	bp->b_datap = &esb->db;
	return 0;
}

mblk_t *
dupb(mblk_t *bp)
{
	struct rte_mbuf *m = yard_mblk_mbuf(bp), *mi;
	mblk_t *nbp;

	/* DPDK's reference counts are 16 bits (illumos stops at DBLK_REFMAX, 255). */
	if (unlikely(DB_REF(bp) >= UINT16_MAX - 1))
		goto fail;
	if (unlikely(RTE_MBUF_HAS_EXTBUF(m) && m->shinfo->free_cb != yard_esb_free_cb) &&
	    esb_adopt_pmd_extbuf(bp) != 0)
		goto fail;
	mi = rte_pktmbuf_alloc(yard_pools.ctl);
	if (unlikely(mi == NULL))
		goto fail;
	rte_pktmbuf_attach(mi, m);
	bp->b_yflags &= ~YB_LINKROOM; /* shared from now on: not the block only it references */
	nbp = mblk_init(mi, bp->b_rptr, bp->b_datap);
	nbp->b_wptr = bp->b_wptr;
	nbp->b_band = bp->b_band;
	nbp->b_flag = bp->b_flag;
	return nbp;
fail:
	ms_self()->dupb_fail++;
	return NULL;
}

mblk_t *
dupmsg(mblk_t *mp)
{
	mblk_t *head = NULL, **tailp = &head;

	for (; mp != NULL; mp = mp->b_cont) {
		mblk_t *nbp = dupb(mp);

		if (nbp == NULL) {
			freemsg(head);
			return NULL;
		}
		*tailp = nbp;
		tailp = &nbp->b_cont;
	}
	return head;
}

mblk_t *
copyb(mblk_t *bp)
{
	size_t len = MBLKL(bp);
	mblk_t *nbp;

	/* Same size and the same b_rptr offset from the base keep any alignment phase. */
	nbp = allocb(MBLKSIZE(bp), BPRI_MED);
	if (nbp == NULL)
		return NULL;
	nbp->b_rptr += MBLKHEAD(bp);
	memcpy(nbp->b_rptr, bp->b_rptr, len);
	nbp->b_wptr = nbp->b_rptr + len;
	nbp->b_band = bp->b_band;
	nbp->b_flag = bp->b_flag;
	DB_TYPE(nbp) = DB_TYPE(bp);
	nbp->b_datap->db_struioflag = bp->b_datap->db_struioflag;
	nbp->b_datap->db_cksum = bp->b_datap->db_cksum;
	ms_self()->copied_bytes += len;
	return nbp;
}

mblk_t *
copymsg(mblk_t *mp)
{
	mblk_t *head = NULL, **tailp = &head;

	for (; mp != NULL; mp = mp->b_cont) {
		mblk_t *nbp = copyb(mp);

		if (nbp == NULL) {
			freemsg(head);
			return NULL;
		}
		*tailp = nbp;
		tailp = &nbp->b_cont;
	}
	return head;
}

/* ---- chaining ----------------------------------------------------------------------------- */

void
linkb(mblk_t *mp, mblk_t *bp)
{
	while (mp->b_cont != NULL)
		mp = mp->b_cont;
	mp->b_cont = bp;
}

mblk_t *
unlinkb(mblk_t *mp)
{
	mblk_t *bp = mp->b_cont;

	mp->b_cont = NULL;
	return bp;
}

mblk_t *
rmvb(mblk_t *mp, mblk_t *bp)
{
	mblk_t **pp;

	for (pp = &mp; *pp != NULL; pp = &(*pp)->b_cont) {
		if (*pp == bp) {
			*pp = bp->b_cont;
			bp->b_cont = NULL;
			return mp;
		}
	}
	return (mblk_t *)-1;
}

/* ---- sizes -------------------------------------------------------------------------------- */

size_t
msgsize(const mblk_t *mp)
{
	size_t n = 0;

	for (; mp != NULL; mp = mp->b_cont)
		n += MBLKL(mp);
	return n;
}

size_t
xmsgsize(const mblk_t *mp)
{
	unsigned char type;
	size_t n = 0;

	if (mp == NULL)
		return 0;
	type = DB_TYPE(mp);
	for (; mp != NULL && DB_TYPE(mp) == type; mp = mp->b_cont)
		n += MBLKL(mp);
	return n;
}

size_t
mp_cont_len(const mblk_t *mp, size_t *mblkcnt)
{
	size_t n = 0, cnt = 0;

	for (; mp != NULL; mp = mp->b_cont) {
		n += MBLKL(mp);
		cnt++;
	}
	if (mblkcnt != NULL)
		*mblkcnt = cnt;
	return n;
}

/* ---- pull-up and trimming ----------------------------------------------------------------- */

/*
 * May mp's buffer be written in place? Only if mp is its sole reference and the buffer is
 * ours: a pool buffer, or an oversize buffer. An esballoc buffer belongs to its caller (it
 * may be read-only), and a PMD's external buffer may be shared behind our back.
 */
static bool
blk_exclusive(const mblk_t *mp)
{
	struct rte_mbuf *m = yard_mblk_mbuf(mp);

	if (rte_mbuf_refcnt_read(m) != 1)
		return false;
	if (RTE_MBUF_HAS_EXTBUF(m))
		return m->shinfo->free_cb == yard_esb_free_cb &&
		       (DB_FLAGS(mp) & DBLK_OVERSIZE) != 0 &&
		       rte_mbuf_ext_refcnt_read(m->shinfo) == 1;
	return DB_REF(mp) == 1;
}

/*
 * Copy need bytes from the blocks after mp to dst, consuming them: b_rptr advances and blocks
 * emptied are unlinked and freed. The caller made sure the bytes are there.
 */
static void
pull_following(mblk_t *mp, unsigned char *dst, size_t need)
{
	while (need != 0) {
		mblk_t *bp = mp->b_cont;
		size_t n = RTE_MIN(MBLKL(bp), need);

		memcpy(dst, bp->b_rptr, n);
		dst += n;
		need -= n;
		bp->b_rptr += n;
		if (bp->b_rptr == bp->b_wptr) {
			mp->b_cont = bp->b_cont;
			freeb(bp);
		}
	}
}

/* The per-packet fields of an mbuf (what rte_pktmbuf_attach copies from the buffer's owner). */
struct pkt_meta {
	uint64_t ol_flags;
	uint64_t tx_offload;
	uint32_t packet_type;
	uint16_t port;
	uint16_t vlan_tci;
	uint16_t vlan_tci_outer;
	typeof(((struct rte_mbuf *)0)->hash) hash;
};

/* ol_flags bits that say what kind of buffer an mbuf has, not what the packet is. */
#define BUF_KIND_FLAGS (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL)

static void
pkt_meta_save(struct pkt_meta *pm, const struct rte_mbuf *m)
{
	pm->ol_flags = m->ol_flags & ~BUF_KIND_FLAGS;
	pm->tx_offload = m->tx_offload;
	pm->packet_type = m->packet_type;
	pm->port = m->port;
	pm->vlan_tci = m->vlan_tci;
	pm->vlan_tci_outer = m->vlan_tci_outer;
	pm->hash = m->hash;
}

static void
pkt_meta_restore(struct rte_mbuf *m, const struct pkt_meta *pm)
{
	m->ol_flags = (m->ol_flags & BUF_KIND_FLAGS) | pm->ol_flags;
	m->tx_offload = pm->tx_offload;
	m->packet_type = pm->packet_type;
	m->port = pm->port;
	m->vlan_tci = pm->vlan_tci;
	m->vlan_tci_outer = pm->vlan_tci_outer;
	m->hash = pm->hash;
}

int
pullupmsg(mblk_t *mp, ssize_t len)
{
	struct rte_mbuf *m = yard_mblk_mbuf(mp);
	size_t run = xmsgsize(mp), first = MBLKL(mp), want;
	struct pkt_meta meta;
	unsigned char type;
	mblk_t *nb;

	if (len == -1)
		want = run;
	else if (len < 0)
		return 0;
	else
		want = (size_t)len;
	if (first >= want)
		return 1;
	if (want > run)
		return 0;

	if (blk_exclusive(mp) && MBLKSIZE(mp) >= want) {
		/* In place: slide the data to the base if the tail is short, then append. */
		if ((size_t)(DB_LIM(mp) - mp->b_rptr) < want) {
			unsigned char *base = DB_BASE(mp);

			memmove(base, mp->b_rptr, first);
			mp->b_rptr = base;
			mp->b_wptr = base + first;
			ms_self()->copied_bytes += first;
		}
		pull_following(mp, mp->b_wptr, want - first);
		mp->b_wptr += want - first;
		ms_self()->copied_bytes += want - first;
		return 1;
	}

	/*
	 * A new buffer. The caller's mp is the mbuf m, so m itself must come to reference the new
	 * buffer: copy everything into a new block, let go of m's old buffer (detach), attach m
	 * to the new block's buffer, and drop the new block's own reference. m can only be
	 * re-pointed if it holds its own reference alone; a direct mbuf that dups point at
	 * cannot (see the top of the file).
	 */
	if (rte_mbuf_refcnt_read(m) != 1 || RTE_MBUF_HAS_PINNED_EXTBUF(m))
		return 0;
	nb = allocb(want, BPRI_MED);
	if (nb == NULL)
		return 0;
	type = DB_TYPE(mp);
	memcpy(nb->b_wptr, mp->b_rptr, first);
	pull_following(mp, nb->b_wptr + first, want - first);
	nb->b_wptr += want;
	ms_self()->copied_bytes += want;

	/* The buffer changes, the packet does not: keep what a PMD said about it. */
	pkt_meta_save(&meta, m);
	if (!RTE_MBUF_DIRECT(m))
		rte_pktmbuf_detach(m);
	rte_pktmbuf_attach(m, yard_mblk_mbuf(nb));
	pkt_meta_restore(m, &meta);
	mp->b_rptr = nb->b_rptr;
	mp->b_wptr = nb->b_wptr;
	rte_pktmbuf_free_seg(yard_mblk_mbuf(nb));
	mp->b_datap = yard_mbuf_dblk(m);
	DB_TYPE(mp) = type;
	mp->b_yflags &= ~YB_LINKROOM; /* a new buffer: its headroom is allocb's, not ip's */
	return 1;
}

mblk_t *
msgpullup(mblk_t *mp, ssize_t len)
{
	size_t run = xmsgsize(mp), want, need;
	mblk_t *nb, *bp;
	size_t off = 0;

	if (len == -1)
		want = run;
	else if (len < 0)
		return NULL;
	else
		want = (size_t)len;
	if (want > run)
		return NULL;
	nb = allocb(want, BPRI_MED);
	if (nb == NULL)
		return NULL;
	DB_TYPE(nb) = DB_TYPE(mp);
	nb->b_band = mp->b_band;
	nb->b_flag = mp->b_flag;

	/* Copy the first want bytes; off ends as the bytes of bp already taken. */
	for (bp = mp, need = want; need != 0; bp = bp->b_cont) {
		size_t n = RTE_MIN(MBLKL(bp), need);

		memcpy(nb->b_wptr, bp->b_rptr, n);
		nb->b_wptr += n;
		need -= n;
		if (n < MBLKL(bp)) {
			off = n;
			break;
		}
	}
	ms_self()->copied_bytes += want;

	/* The rest is shared, not copied, as in illumos. */
	if (bp != NULL) {
		nb->b_cont = dupmsg(bp);
		if (nb->b_cont == NULL) {
			freemsg(nb);
			return NULL;
		}
		nb->b_cont->b_rptr += off;
	}
	return nb;
}

int
adjmsg(mblk_t *mp, ssize_t len)
{
	size_t left;

	if (len == 0)
		return 1;
	left = len > 0 ? (size_t)len : (size_t)0 - (size_t)len;
	/* Only the leading run of the first block's type may be trimmed (as in illumos). */
	if (xmsgsize(mp) < left)
		return 0;

	if (len > 0) {
		mblk_t *prev = NULL, *bp = mp;

		while (left != 0) {
			size_t n = RTE_MIN(MBLKL(bp), left);

			bp->b_rptr += n;
			left -= n;
			/* The first block stays (it is the caller's handle); emptied others go. */
			if (prev != NULL && bp->b_rptr == bp->b_wptr) {
				prev->b_cont = bp->b_cont;
				freeb(bp);
				bp = prev->b_cont;
			} else {
				prev = bp;
				bp = bp->b_cont;
			}
		}
		return 1;
	}

	while (left != 0) {
		unsigned char type = DB_TYPE(mp);
		mblk_t *last = mp, *before = NULL;
		size_t n;

		/* The last block of the leading run, and the one before it. */
		while (last->b_cont != NULL && DB_TYPE(last->b_cont) == type) {
			before = last;
			last = last->b_cont;
		}
		n = RTE_MIN(MBLKL(last), left);
		last->b_wptr -= n;
		left -= n;
		if (before != NULL && last->b_rptr == last->b_wptr) {
			before->b_cont = last->b_cont;
			freeb(last);
		}
	}
	return 1;
}
