/* SPDX-License-Identifier: BSD-3-Clause */
/* Messages over rte_mbuf: streams/mblk.c. Every case also checks at teardown that nothing leaked. */
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_mempool.h>

#include "yard_test.h"

TestSuite(pools, .init = yt_setup, .fini = yt_teardown);
TestSuite(yard_pktmbuf_pool_create, .init = yt_setup, .fini = yt_teardown);
TestSuite(allocb, .init = yt_setup, .fini = yt_teardown);
TestSuite(rx, .init = yt_setup, .fini = yt_teardown);
TestSuite(freemsg, .init = yt_setup, .fini = yt_teardown);
TestSuite(dupb, .init = yt_setup, .fini = yt_teardown);
TestSuite(esballoc, .init = yt_setup, .fini = yt_teardown);
TestSuite(copyb, .init = yt_setup, .fini = yt_teardown);
TestSuite(chain, .init = yt_setup, .fini = yt_teardown);
TestSuite(sizes, .init = yt_setup, .fini = yt_teardown);
TestSuite(pullupmsg, .init = yt_setup, .fini = yt_teardown);
TestSuite(msgpullup, .init = yt_setup, .fini = yt_teardown);
TestSuite(adjmsg, .init = yt_setup, .fini = yt_teardown);
TestSuite(msgstat, .init = yt_setup, .fini = yt_teardown);

/* ---- helpers ------------------------------------------------------------------------------ */

static struct yard_msgstat
stat_now(void)
{
	struct yard_msgstat s;

	yard_msgstat_sum(&s);
	return s;
}

/* A block of type holding len bytes counting up from start. */
static mblk_t *
seq_blk(unsigned char type, size_t len, unsigned char start)
{
	mblk_t *mp = allocb(len, BPRI_MED);

	cr_assert_not_null(mp);
	DB_TYPE(mp) = type;
	for (size_t i = 0; i < len; i++)
		*mp->b_wptr++ = (unsigned char)(start + i);
	return mp;
}

/* Message of M_DATA blocks with the given lengths whose bytes count up 0, 1, 2... across blocks. */
static mblk_t *
seq_msg(const size_t *lens, unsigned n)
{
	mblk_t *head = NULL;
	unsigned char next = 0;

	for (unsigned i = 0; i < n; i++) {
		mblk_t *bp = seq_blk(M_DATA, lens[i], next);

		next = (unsigned char)(next + lens[i]);
		if (head == NULL)
			head = bp;
		else
			linkb(head, bp);
	}
	return head;
}

/* Does bp hold len bytes counting up from start? */
static bool
blk_is_seq(const mblk_t *bp, size_t len, unsigned char start)
{
	if (MBLKL(bp) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (bp->b_rptr[i] != (unsigned char)(start + i))
			return false;
	return true;
}

static unsigned
nblocks(const mblk_t *mp)
{
	size_t n;

	mp_cont_len(mp, &n);
	return (unsigned)n;
}

/* Allocate blocks of size until allocb fails; returns them as a b_next chain. */
static mblk_t *
exhaust(size_t size, unsigned *count)
{
	mblk_t *chain = NULL, *mp;
	unsigned n = 0;

	while ((mp = allocb(size, BPRI_MED)) != NULL) {
		mp->b_next = chain;
		chain = mp;
		n++;
		cr_assert_lt(n, 100000, "the pool never ran dry");
	}
	if (count != NULL)
		*count = n;
	return chain;
}

/* ---- pools -------------------------------------------------------------------------------- */

YT_TEST(pools, pick_the_smallest_pool_that_fits)
{
	mblk_t *small = allocb(100, BPRI_MED);
	mblk_t *big = allocb(1000, BPRI_MED);

	cr_assert_not_null(small);
	cr_assert_not_null(big);
	cr_expect_eq(yard_mblk_mbuf(small)->pool, yard_pool_ctl());
	cr_expect_eq(yard_mblk_mbuf(big)->pool, yard_pool_data());
	cr_expect_eq(yt_msgs_outstanding(), 2);
	freeb(small);
	freeb(big);
	cr_expect_eq(yt_msgs_outstanding(), 0);
}

YT_TEST(pools, have_the_private_area_yard_needs)
{
	cr_expect_eq(rte_pktmbuf_priv_size(yard_pool_data()), YARD_MBUF_PRIV_SIZE);
	cr_expect_eq(rte_pktmbuf_priv_size(yard_pool_ctl()), YARD_MBUF_PRIV_SIZE);
	cr_expect_eq(rte_pktmbuf_data_room_size(yard_pool_data()), RTE_MBUF_DEFAULT_BUF_SIZE);
	cr_expect_eq(rte_pktmbuf_data_room_size(yard_pool_ctl()), 512);
}

YT_TEST(pools, refuse_a_second_init)
{
	cr_expect_eq(yard_pools_init(NULL), -EEXIST);
	cr_expect_not_null(yard_pool_data());
}

YT_TEST(yard_pktmbuf_pool_create, initialises_every_element_dblk)
{
	struct rte_mbuf *ms[63];
	struct rte_mempool *mp;

	mp = yard_pktmbuf_pool_create("t_pool", 63, 0, 1024, SOCKET_ID_ANY);
	cr_assert_not_null(mp);
	cr_expect_eq(rte_pktmbuf_priv_size(mp), YARD_MBUF_PRIV_SIZE);
	cr_assert_eq(rte_pktmbuf_alloc_bulk(mp, ms, 63), 0);
	for (unsigned i = 0; i < 63; i++) {
		dblk_t *db = yard_mbuf_own_dblk(ms[i]);

		cr_expect_eq(db->db_type, M_DATA);
		cr_expect_eq(db->db_flags, 0);
		cr_expect_eq(yard_mbuf_dblk(ms[i]), db);
		cr_expect_eq(yard_db_base(db), ms[i]->buf_addr);
		cr_expect_eq(yard_db_lim(db), (unsigned char *)ms[i]->buf_addr + 1024);
	}
	rte_pktmbuf_free_bulk(ms, 63);
	cr_expect_eq(rte_mempool_in_use_count(mp), 0);
	rte_mempool_free(mp);
}

YT_TEST(yard_pktmbuf_pool_create, fails_with_rte_errno_on_a_duplicate_name)
{
	struct rte_mempool *a, *b;

	a = yard_pktmbuf_pool_create("t_dup", 31, 0, 256, SOCKET_ID_ANY);
	cr_assert_not_null(a);
	b = yard_pktmbuf_pool_create("t_dup", 31, 0, 256, SOCKET_ID_ANY);
	cr_expect_null(b);
	cr_expect_eq(rte_errno, EEXIST);
	rte_mempool_free(a);
}

static void
add_chunk(struct rte_mempool *mp, void *opaque, struct rte_mempool_memhdr *memhdr, unsigned idx)
{
	*(size_t *)opaque += memhdr->len;
}

/* A pool's memory as EAL gave it: its header memzone, its ring's, its chunks of objects. */
static size_t
pool_mem_taken(struct rte_mempool *mp)
{
	char name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *hdr, *ring;
	size_t chunks = 0;

	snprintf(name, sizeof(name), "MP_%s", mp->name);
	hdr = rte_memzone_lookup(name);
	snprintf(name, sizeof(name), "RG_MP_%s", mp->name);
	ring = rte_memzone_lookup(name);
	cr_assert(hdr != NULL && ring != NULL, "memzones of pool %s", mp->name);
	rte_mempool_mem_iter(mp, add_chunk, &chunks);
	return hdr->len + ring->len + chunks;
}

/*
 * yard decides before EAL whether the free hugepages hold what it will allocate (app/main.c),
 * from yard_pktmbuf_pool_mem_estimate(): it must not say less than a pool takes (yard would
 * start on too few and fail half-way), nor much more (it would refuse hugepages it could use).
 * The tests' EAL runs without hugepages: 4 KiB pages, where an object never crosses a page
 * unless the pool is packed (IOVA as VA).
 */
YT_TEST(yard_pktmbuf_pool_create, takes_the_memory_the_estimate_says)
{
	static const struct { unsigned n, room; } cases[] = {
		{ 1023, RTE_MBUF_DEFAULT_BUF_SIZE }, /* a data mbuf: a page of its own */
		{ 4095, 512 },                       /* control blocks: five to a page */
		{ 511, 9018 + 4 + RTE_PKTMBUF_HEADROOM }, /* jumbo frames: three pages each */
		{ 255, 64 },
	};

	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		char name[32];
		struct rte_mempool *mp;
		size_t est, taken;

		snprintf(name, sizeof(name), "t_est%u", i);
		/* With a cache, as yard makes every pool: the header then holds RTE_MAX_LCORE. */
		mp = yard_pktmbuf_pool_create(name, cases[i].n, 32, (uint16_t)cases[i].room,
					      SOCKET_ID_ANY);
		cr_assert_not_null(mp, "pool %u: %s", i, rte_strerror(rte_errno));
		est = yard_pktmbuf_pool_mem_estimate(cases[i].n, cases[i].room,
						     yard_pools_packed() ? 0 : 4096);
		taken = pool_mem_taken(mp);
		cr_expect_geq(est, taken, "pool of %u x %u: estimate %zu < %zu taken", cases[i].n,
			      cases[i].room, est, taken);
		cr_expect_leq(est, taken + taken / 10, "pool of %u x %u: estimate %zu > %zu taken "
			      "+ 10 %%", cases[i].n, cases[i].room, est, taken);
		rte_mempool_free(mp);
	}
}

/*
 * The tests' EAL: no hugepages, IOVA as VA. There the pool packs its mbufs (mblk.c says why):
 * a 2.4 KB mbuf no longer takes a 4 KiB page of its own, objects cross pages, and each
 * mbuf's IOVA is still its address, so a device (or a PMD computing DMA addresses) sees its
 * whole data room at buf_iova.
 */
YT_TEST(yard_pktmbuf_pool_create, packs_mbufs_across_pages_without_hugepages)
{
	enum { N = 1023 };
	struct rte_mbuf *ms[N];
	struct rte_mempool *mp;
	unsigned crossing = 0;

	cr_assert(yard_pools_packed(), "the test EAL runs --no-huge in IOVA-as-VA mode");
	mp = yard_pktmbuf_pool_create("t_packed", N, 32, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	cr_assert_not_null(mp);
	cr_expect_lt(pool_mem_taken(mp), (size_t)N * 4096 * 2 / 3 + (2u << 20),
		     "%zu bytes for %u mbufs", pool_mem_taken(mp), N);
	cr_assert_eq(rte_pktmbuf_alloc_bulk(mp, ms, N), 0);
	for (unsigned i = 0; i < N; i++) {
		uintptr_t a = (uintptr_t)ms[i]->buf_addr;

		cr_expect_eq(ms[i]->buf_iova, (rte_iova_t)a, "mbuf %u: IOVA 0x%" PRIx64 " is not its address %p", i, (uint64_t)ms[i]->buf_iova, ms[i]->buf_addr);
		crossing += a / 4096 != (a + ms[i]->buf_len - 1) / 4096;
		memset(rte_pktmbuf_mtod(ms[i], void *), (int)i, rte_pktmbuf_tailroom(ms[i]));
		cr_expect_eq(yard_mbuf_dblk(ms[i])->db_type, M_DATA);
	}
	for (unsigned i = 0; i < N; i++) {
		const unsigned char *d = rte_pktmbuf_mtod(ms[i], const unsigned char *);
		unsigned room = rte_pktmbuf_tailroom(ms[i]);

		cr_expect(d[0] == (unsigned char)i && d[room - 1] == (unsigned char)i,
			  "mbuf %u: its data room overlaps another's", i);
	}
	cr_expect_gt(crossing, N / 4, "only %u of %u data rooms cross a page", crossing, N);
	rte_pktmbuf_free_bulk(ms, N);
	rte_mempool_free(mp);
}

YT_TEST(pools, count_oversize_blocks_as_in_use)
{
	mblk_t *mp = allocb(70000, BPRI_MED);

	cr_assert_not_null(mp);
	cr_expect_gt(yt_msgs_outstanding(), 0);
	freeb(mp);
	cr_expect_eq(yt_msgs_outstanding(), 0);
}

/* ---- allocb ------------------------------------------------------------------------------- */

YT_TEST(allocb, initialises_every_field)
{
	mblk_t *mp = allocb(200, BPRI_HI);

	cr_assert_not_null(mp);
	cr_expect_null(mp->b_next);
	cr_expect_null(mp->b_prev);
	cr_expect_null(mp->b_cont);
	cr_expect_eq(mp->b_rptr, DB_BASE(mp));
	cr_expect_eq(mp->b_wptr, mp->b_rptr);
	cr_expect_eq(mp->b_band, 0);
	cr_expect_eq(mp->b_flag, 0);
	cr_expect_eq(DB_TYPE(mp), M_DATA);
	cr_expect_eq(DB_FLAGS(mp), 0);
	cr_expect_eq(DB_REF(mp), 1);
	cr_expect_geq(MBLKSIZE(mp), 200);
	cr_expect_eq(MBLKTAIL(mp), MBLKSIZE(mp));
	cr_expect_null(yard_db_frtn(mp->b_datap));
	freeb(mp);
}

YT_TEST(allocb, resets_the_type_of_a_recycled_block)
{
	mblk_t *mp = allocb(10, BPRI_MED);

	DB_TYPE(mp) = M_PCPROTO;
	mp->b_band = 3;
	mp->b_flag = MSGMARK;
	freeb(mp);
	/* The lcore cache hands the same mbuf back. */
	mp = allocb(10, BPRI_MED);
	cr_expect_eq(DB_TYPE(mp), M_DATA);
	cr_expect_eq(mp->b_band, 0);
	cr_expect_eq(mp->b_flag, 0);
	freeb(mp);
}

YT_TEST(allocb, gives_a_zero_sized_block)
{
	mblk_t *mp = allocb(0, BPRI_LO);

	cr_assert_not_null(mp);
	cr_expect_eq(MBLKL(mp), 0);
	freeb(mp);
}

YT_TEST(allocb, uses_the_whole_data_room)
{
	size_t room = rte_pktmbuf_data_room_size(yard_pool_data());
	mblk_t *mp = allocb(room, BPRI_MED);

	cr_assert_not_null(mp);
	cr_expect_eq(yard_mblk_mbuf(mp)->pool, yard_pool_data());
	memset(mp->b_wptr, 0xab, room);
	mp->b_wptr += room;
	cr_expect_eq(mp->b_wptr, DB_LIM(mp));
	freeb(mp);
}

YT_TEST(allocb, with_headroom_leaves_room_to_prepend)
{
	mblk_t *mp = yard_allocb_hr(100, 64);

	cr_assert_not_null(mp);
	cr_expect_eq(MBLKHEAD(mp), 64);
	cr_expect_eq(mp->b_wptr, mp->b_rptr);
	cr_expect_geq(MBLKTAIL(mp), 100);
	mp->b_rptr -= 64; /* prepend a header */
	cr_expect_eq(mp->b_rptr, DB_BASE(mp));
	freeb(mp);
}

YT_TEST(allocb, with_headroom_picks_the_pool_by_the_total)
{
	mblk_t *mp = yard_allocb_hr(500, 128);

	cr_assert_not_null(mp);
	cr_expect_eq(yard_mblk_mbuf(mp)->pool, yard_pool_data());
	freeb(mp);
}

YT_TEST(allocb, oversize_attaches_a_big_buffer)
{
	struct yard_msgstat before = stat_now();
	mblk_t *mp = allocb(70000, BPRI_MED);

	cr_assert_not_null(mp);
	cr_expect_eq(DB_FLAGS(mp), DBLK_ESB | DBLK_OVERSIZE);
	cr_expect_eq(DB_TYPE(mp), M_DATA);
	cr_expect_eq(DB_REF(mp), 1);
	cr_expect_geq(MBLKSIZE(mp), 70000);
	cr_expect_eq(mp->b_rptr, DB_BASE(mp));
	cr_expect_null(yard_db_frtn(mp->b_datap));
	memset(mp->b_wptr, 0x5a, 70000);
	mp->b_wptr += 70000;
	cr_expect_eq(MBLKL(mp), 70000);
	cr_expect_eq(mp->b_rptr[69999], 0x5a);
	cr_expect_eq(stat_now().oversize_allocs, before.oversize_allocs + 1);
	freeb(mp);
}

YT_TEST(allocb, oversize_with_headroom)
{
	mblk_t *mp = yard_allocb_hr(70000, 256);

	cr_assert_not_null(mp);
	cr_expect_eq(MBLKHEAD(mp), 256);
	cr_expect_geq(MBLKTAIL(mp), 70000);
	freeb(mp);
}

YT_TEST(allocb, returns_null_and_counts_when_the_pool_is_exhausted)
{
	struct yard_msgstat before = stat_now();
	unsigned n;
	mblk_t *chain = exhaust(64, &n);

	cr_expect_gt(n, 0);
	cr_expect_eq(rte_mempool_avail_count(yard_pool_ctl()), 0);
	cr_expect_eq(stat_now().allocb_fail, before.allocb_fail + 1);
	cr_expect_null(allocb(1, BPRI_HI));
	cr_expect_eq(stat_now().allocb_fail, before.allocb_fail + 2);
	/* The data pool is still there for bigger blocks. */
	mblk_t *big = allocb(1000, BPRI_MED);
	cr_expect_not_null(big);
	freeb(big);
	freemsgchain(chain);
}

YT_TEST(allocb, bulk_gives_initialised_data_blocks)
{
	mblk_t *mps[100];

	cr_assert_eq(allocb_bulk(mps, 100, 1500), 0);
	for (unsigned i = 0; i < 100; i++) {
		cr_expect_eq(yard_mblk_mbuf(mps[i])->pool, yard_pool_data());
		cr_expect_eq(mps[i]->b_rptr, DB_BASE(mps[i]));
		cr_expect_eq(mps[i]->b_wptr, mps[i]->b_rptr);
		cr_expect_null(mps[i]->b_cont);
		cr_expect_eq(DB_TYPE(mps[i]), M_DATA);
		cr_expect_geq(MBLKSIZE(mps[i]), 1500);
	}
	cr_expect_eq(yt_msgs_outstanding(), 100);
	freemsg_burst(mps, 100);
}

YT_TEST(allocb, ctl_bulk_gives_initialised_control_blocks)
{
	mblk_t *mps[40];

	cr_assert_eq(yard_allocb_ctl_bulk(mps, 40, 64), 0, "more than one mempool chunk");
	for (unsigned i = 0; i < 40; i++) {
		cr_expect_eq(yard_mblk_mbuf(mps[i])->pool, yard_pool_ctl());
		cr_expect_eq(mps[i]->b_rptr, DB_BASE(mps[i]));
		cr_expect_eq(mps[i]->b_wptr, mps[i]->b_rptr);
		cr_expect_null(mps[i]->b_cont);
		cr_expect_eq(DB_TYPE(mps[i]), M_DATA);
		cr_expect_eq(DB_REF(mps[i]), 1);
		cr_expect_geq(MBLKSIZE(mps[i]), 64);
	}
	cr_expect_eq(yt_msgs_outstanding(), 40);
	freemsg_burst(mps, 40);
}

YT_TEST(allocb, ctl_bulk_is_all_or_nothing_and_counted)
{
	struct yard_msgstat before = stat_now();
	unsigned n;
	mblk_t *chain = exhaust(64, &n), *mps[4];

	cr_assert_gt(n, 3);
	/* Give three back: a batch of four cannot be had, and none of the three is kept. */
	for (int i = 0; i < 3; i++) {
		mblk_t *mp = chain;

		chain = mp->b_next;
		mp->b_next = NULL;
		freeb(mp);
	}
	cr_expect_eq(yard_allocb_ctl_bulk(mps, 4, 64), -ENOBUFS);
	cr_expect_eq(rte_mempool_avail_count(yard_pool_ctl()), 3, "the partial batch went back");
	cr_expect_eq(stat_now().allocb_fail, before.allocb_fail + 2, "exhaust's failure and this one");
	cr_expect_eq(yard_allocb_ctl_bulk(mps, 3, 64), 0, "what is there can be had");
	freemsg_burst(mps, 3);
	cr_expect_eq(yard_allocb_ctl_bulk(mps, 2, 4096), -ENOBUFS, "larger than the control room");
	cr_expect_eq(stat_now().allocb_fail, before.allocb_fail + 3);
	freemsgchain(chain);
}

YT_TEST(allocb, ctl_bulk_as_is_all_or_nothing_and_counted)
{
	struct yard_msgstat before = stat_now();
	unsigned n;
	mblk_t *chain = exhaust(64, &n), *mps[4];

	cr_assert_gt(n, 3);
	for (int i = 0; i < 3; i++) {
		mblk_t *mp = chain;

		chain = mp->b_next;
		mp->b_next = NULL;
		freeb(mp);
	}
	cr_expect_eq(yard_allocb_ctl_bulk_as(mps, 4, 36, M_PROTO, 0), -ENOBUFS);
	cr_expect_eq(rte_mempool_avail_count(yard_pool_ctl()), 3, "the partial batch went back");
	cr_expect_eq(stat_now().allocb_fail, before.allocb_fail + 2, "exhaust's failure and this one");
	cr_expect_eq(yard_allocb_ctl_bulk_as(mps, 3, 36, M_PROTO, 0), 0);
	freemsg_burst(mps, 3);
	cr_expect_eq(yard_allocb_ctl_bulk_as(mps, 2, 4096, M_PROTO, 0), -ENOBUFS,
		     "larger than the control room");
	cr_expect_eq(stat_now().allocb_fail, before.allocb_fail + 3);
	freemsgchain(chain);
}

YT_TEST(allocb, bulk_is_all_or_nothing)
{
	struct yard_msgstat before = stat_now();
	unsigned avail = rte_mempool_avail_count(yard_pool_data());
	mblk_t **mps = calloc(avail + 1, sizeof(*mps));

	cr_assert_not_null(mps);
	cr_expect_eq(allocb_bulk(mps, avail + 1, 100), -ENOBUFS);
	cr_expect_eq(yt_msgs_outstanding(), 0);
	cr_expect_eq(stat_now().allocb_fail, before.allocb_fail + 1);
	cr_expect_eq(allocb_bulk(mps, 4, 5000), -ENOBUFS, "larger than the data room");
	cr_expect_eq(yt_msgs_outstanding(), 0);
	free(mps);
}

YT_TEST(allocb, testb_tells_whether_allocb_would_succeed)
{
	mblk_t *chain, *one;

	cr_expect(testb(64, BPRI_MED));
	cr_expect(testb(2000, BPRI_MED));
	cr_expect(testb(70000, BPRI_MED));
	chain = exhaust(64, NULL);
	cr_expect_not(testb(64, BPRI_MED));
	cr_expect(testb(2000, BPRI_MED), "the data pool is not exhausted");
	one = chain;
	chain = chain->b_next;
	one->b_next = NULL;
	freeb(one);
	cr_expect(testb(64, BPRI_MED));
	freemsgchain(chain);
	cr_expect_eq(yt_msgs_outstanding(), 0, "testb holds nothing");
}

/* ---- RX conversion ------------------------------------------------------------------------ */

YT_TEST(rx, mbuf_to_mblk_is_zero_copy)
{
	struct yard_msgstat before = stat_now();
	struct rte_mbuf *m = rte_pktmbuf_alloc(yard_pool_data());
	char *data;
	mblk_t *mp;

	cr_assert_not_null(m);
	data = rte_pktmbuf_append(m, 100);
	cr_assert_not_null(data);
	for (int i = 0; i < 100; i++)
		data[i] = (char)i;
	mp = yard_mbuf_to_mblk(m);
	cr_expect_eq(yard_mblk_mbuf(mp), m);
	cr_expect_eq(mp->b_rptr, rte_pktmbuf_mtod(m, unsigned char *));
	cr_expect_eq(MBLKL(mp), 100);
	cr_expect_eq(MBLKHEAD(mp), RTE_PKTMBUF_HEADROOM);
	cr_expect(blk_is_seq(mp, 100, 0));
	cr_expect_null(mp->b_cont);
	cr_expect_eq(DB_TYPE(mp), M_DATA);
	cr_expect_eq(DB_REF(mp), 1);
	cr_expect_eq(stat_now().copied_bytes, before.copied_bytes);
	freemsg(mp);
}

YT_TEST(rx, mbuf_chain_becomes_a_b_cont_chain)
{
	struct rte_mbuf *a = rte_pktmbuf_alloc(yard_pool_data());
	struct rte_mbuf *b = rte_pktmbuf_alloc(yard_pool_data());
	mblk_t *mp;

	cr_assert(a != NULL && b != NULL);
	memset(rte_pktmbuf_append(a, 60), 1, 60);
	memset(rte_pktmbuf_append(b, 40), 2, 40);
	cr_assert_eq(rte_pktmbuf_chain(a, b), 0);
	mp = yard_mbuf_to_mblk(a);
	cr_expect_eq(nblocks(mp), 2);
	cr_expect_eq(mp->b_cont, yard_mbuf_mblk(b));
	cr_expect_eq(msgdsize(mp), 100);
	cr_expect_eq(mp->b_cont->b_rptr, rte_pktmbuf_mtod(b, unsigned char *));
	/* freemsg follows b_cont, not the mbuf's next (which is stale inside STREAMS). */
	freemsg(mp);
}

YT_TEST(rx, mblk_to_mbuf_syncs_a_three_block_chain_and_drops_empty_blocks)
{
	mblk_t *a = yard_allocb_hr(50, 32), *b = allocb(10, BPRI_MED), *c = allocb(1000, BPRI_MED);
	struct rte_mbuf *m, *mc = yard_mblk_mbuf(c);

	cr_assert(a != NULL && b != NULL && c != NULL);
	memset(a->b_wptr, 'a', 50);
	a->b_wptr += 50;
	c->b_rptr += 7;  /* a block whose data starts past its base */
	c->b_wptr = c->b_rptr;
	memset(c->b_wptr, 'c', 30);
	c->b_wptr += 30;
	linkb(a, b);
	linkb(a, c);
	cr_expect_eq(yt_msgs_outstanding(), 3);

	m = yard_mblk_to_mbuf(a);
	cr_expect_eq(m, yard_mblk_mbuf(a));
	cr_expect_eq(yt_msgs_outstanding(), 2, "the empty middle block was freed");
	cr_expect_eq(m->data_off, 32);
	cr_expect_eq(m->data_len, 50);
	cr_expect_eq(m->pkt_len, 80);
	cr_expect_eq(m->nb_segs, 2);
	cr_expect_eq(m->next, mc);
	cr_expect_eq(mc->data_off, 7);
	cr_expect_eq(mc->data_len, 30);
	cr_expect_null(mc->next);
	cr_expect_eq(*rte_pktmbuf_mtod(m, char *), 'a');
	cr_expect_eq(*rte_pktmbuf_mtod_offset(mc, char *, 29), 'c');
	cr_expect_eq(rte_pktmbuf_linearize(m), 0);
	cr_expect_eq(rte_pktmbuf_data_len(m), 80);
	rte_pktmbuf_free(m);
}

YT_TEST(rx, mblk_to_mbuf_then_back_keeps_the_data)
{
	mblk_t *mp = seq_blk(M_DATA, 300, 9), *back;
	struct rte_mbuf *m;

	mp->b_rptr += 20;
	m = yard_mblk_to_mbuf(mp);
	cr_expect_eq(m->pkt_len, 280);
	back = yard_mbuf_to_mblk(m);
	cr_expect_eq(back, mp);
	cr_expect_eq(MBLKL(back), 280);
	cr_expect_eq(back->b_rptr[0], (unsigned char)(9 + 20));
	freemsg(back);
}

/* ---- freeing ------------------------------------------------------------------------------ */

YT_TEST(freemsg, treats_null_as_nothing)
{
	freeb(NULL);
	freemsg(NULL);
	freemsgchain(NULL);
	freemsg_burst(NULL, 0);
	cr_expect_eq(yt_msgs_outstanding(), 0);
}

YT_TEST(freemsg, frees_every_block_of_a_message)
{
	size_t lens[] = { 10, 1000, 0, 70000, 3 };
	mblk_t *mp = seq_msg(lens, 5);

	cr_expect_eq(nblocks(mp), 5);
	cr_expect_gt(yt_msgs_outstanding(), 5);
	freemsg(mp);
	cr_expect_eq(yt_msgs_outstanding(), 0);
}

YT_TEST(freemsg, freeb_frees_only_one_block)
{
	mblk_t *a = yt_msg(M_DATA, 10, 1), *b = yt_msg(M_DATA, 10, 2);

	linkb(a, b);
	freeb(a);
	cr_expect_eq(yt_msgs_outstanding(), 1);
	cr_expect_eq(b->b_rptr[0], 2);
	freeb(b);
}

YT_TEST(freemsg, burst_frees_many_mixed_messages)
{
	mblk_t *mps[150];

	for (unsigned i = 0; i < 150; i++) {
		mps[i] = yt_msg(i % 3 == 0 ? M_PROTO : M_DATA, (i % 2) ? 40 : 1400, (unsigned char)i);
		linkb(mps[i], yt_msg(M_DATA, i * 10, 0));
		if (i % 7 == 0)
			linkb(mps[i], dupb(mps[i]));
	}
	cr_expect_gt(yt_msgs_outstanding(), 300);
	freemsg_burst(mps, 150);
	cr_expect_eq(yt_msgs_outstanding(), 0);
}

/*
 * Plain blocks fill the burst's free batch without asking for room: a chain the long way
 * took just before them (at the start, and just before the end of a part of a burst longer
 * than a batch) must leave room for all that follow. ASan sees any overrun.
 */
YT_TEST(freemsg, burst_leaves_room_for_plain_blocks_after_a_chain)
{
	static const unsigned at[][2] = { { 64, 0 }, { 64, 30 }, { 64, 63 }, { 150, 62 },
					  { 150, 64 }, { 150, 127 }, { 150, 149 } };

	for (unsigned c = 0; c < RTE_DIM(at); c++) {
		mblk_t *mps[150];
		unsigned n = at[c][0];

		for (unsigned i = 0; i < n; i++) {
			mps[i] = yt_msg(M_PROTO, 40, (unsigned char)i);
			cr_assert_not_null(mps[i]);
		}
		for (unsigned j = 0; j < 9; j++)
			linkb(mps[at[c][1]], yt_msg(M_DATA, 40, (unsigned char)j));
		cr_expect_eq(yt_msgs_outstanding(), n + 9);
		freemsg_burst(mps, n);
		cr_expect_eq(yt_msgs_outstanding(), 0, "%u messages, a chain at %u", n, at[c][1]);
	}
}

YT_TEST(freemsg, chain_follows_b_next)
{
	mblk_t *head = NULL;

	for (unsigned i = 0; i < 200; i++) {
		mblk_t *mp = yt_msg(M_DATA, 100, 0);

		linkb(mp, yt_msg(M_DATA, 5, 0));
		mp->b_next = head;
		head = mp;
	}
	cr_expect_eq(yt_msgs_outstanding(), 400);
	freemsgchain(head);
	cr_expect_eq(yt_msgs_outstanding(), 0);
}

/* ---- dupb --------------------------------------------------------------------------------- */

YT_TEST(dupb, shares_the_data_and_the_dblk)
{
	mblk_t *bp = yt_msg(M_PROTO, 100, 7), *dp;

	bp->b_rptr += 10;
	bp->b_band = 4;
	bp->b_flag = MSGDELIM;
	cr_expect_eq(DB_REF(bp), 1);
	dp = dupb(bp);
	cr_assert_not_null(dp);
	cr_expect_neq(dp, bp);
	cr_expect_eq(dp->b_rptr, bp->b_rptr);
	cr_expect_eq(dp->b_wptr, bp->b_wptr);
	cr_expect_eq(dp->b_datap, bp->b_datap);
	cr_expect_eq(DB_TYPE(dp), M_PROTO);
	cr_expect_eq(dp->b_band, 4);
	cr_expect_eq(dp->b_flag, MSGDELIM);
	cr_expect_null(dp->b_cont);
	cr_expect_null(dp->b_next);
	cr_expect_eq(DB_BASE(dp), DB_BASE(bp));
	cr_expect_eq(DB_LIM(dp), DB_LIM(bp));
	cr_expect_eq(DB_REF(bp), 2);
	cr_expect_eq(DB_REF(dp), 2);
	freeb(dp);
	cr_expect_eq(DB_REF(bp), 1);
	freeb(bp);
}

/* YB_LINKROOM says the block is the buffer's only one: no longer true of either. */
YT_TEST(dupb, takes_the_exclusive_mark_off_the_original)
{
	mblk_t *bp = yt_msg(M_DATA, 100, 7), *dp;

	bp->b_rptr += 40;
	bp->b_yflags |= YB_LINKROOM;
	dp = dupb(bp);
	cr_assert_not_null(dp);
	cr_expect_eq(bp->b_yflags & YB_LINKROOM, 0);
	cr_expect_eq(dp->b_yflags & YB_LINKROOM, 0);
	freeb(dp);
	freeb(bp);
}

YT_TEST(dupb, freeing_the_original_first_keeps_the_data_for_the_dup)
{
	mblk_t *bp = yt_msg(M_DATA, 1000, 0x42), *dp = dupb(bp);

	cr_assert_not_null(dp);
	freeb(bp);
	cr_expect_eq(DB_REF(dp), 1);
	cr_expect_gt(yt_msgs_outstanding(), 0, "the buffer is still held by the dup");
	cr_expect_eq(dp->b_rptr[999], 0x42);
	freeb(dp);
	cr_expect_eq(yt_msgs_outstanding(), 0);
}

YT_TEST(dupb, of_a_dup_references_the_same_buffer)
{
	mblk_t *bp = yt_msg(M_DATA, 50, 1), *d1 = dupb(bp), *d2 = dupb(d1);

	cr_assert(d1 != NULL && d2 != NULL);
	cr_expect_eq(d2->b_datap, bp->b_datap);
	cr_expect_eq(d2->b_rptr, bp->b_rptr);
	cr_expect_eq(DB_REF(bp), 3);
	freeb(d1);
	freeb(bp);
	cr_expect_eq(DB_REF(d2), 1);
	freeb(d2);
}

YT_TEST(dupb, copies_no_bytes)
{
	struct yard_msgstat before = stat_now();
	mblk_t *bp = yt_msg(M_DATA, 1500, 1), *dp = dupb(bp);

	cr_expect_eq(stat_now().copied_bytes, before.copied_bytes);
	freeb(dp);
	freeb(bp);
}

YT_TEST(dupb, fails_and_counts_when_the_ctl_pool_is_exhausted)
{
	mblk_t *bp = yt_msg(M_DATA, 1500, 1), *chain = exhaust(1, NULL);
	struct yard_msgstat before = stat_now();

	cr_expect_null(dupb(bp));
	cr_expect_eq(stat_now().dupb_fail, before.dupb_fail + 1);
	cr_expect_eq(DB_REF(bp), 1);
	freemsgchain(chain);
	freeb(bp);
}

YT_TEST(dupb, dupmsg_duplicates_every_block)
{
	size_t lens[] = { 20, 700, 70000 };
	mblk_t *mp = seq_msg(lens, 3), *dp = dupmsg(mp);

	cr_assert_not_null(dp);
	cr_expect_eq(nblocks(dp), 3);
	for (mblk_t *a = mp, *b = dp; a != NULL; a = a->b_cont, b = b->b_cont) {
		cr_expect_neq(a, b);
		cr_expect_eq(a->b_rptr, b->b_rptr);
		cr_expect_eq(a->b_datap, b->b_datap);
		cr_expect_eq(DB_REF(a), 2);
	}
	freemsg(mp);
	cr_expect_eq(msgdsize(dp), 70720);
	freemsg(dp);
}

YT_TEST(dupb, dupmsg_is_all_or_nothing)
{
	size_t lens[] = { 1000, 1000, 1000 };
	mblk_t *mp = seq_msg(lens, 3), *chain, *one;
	int before;

	chain = exhaust(1, NULL);
	/* Leave exactly one ctl mbuf: dupmsg gets the first dup, then fails. */
	one = chain;
	chain = chain->b_next;
	one->b_next = NULL;
	freeb(one);
	before = yt_msgs_outstanding();
	cr_expect_null(dupmsg(mp));
	cr_expect_eq(yt_msgs_outstanding(), before, "the partial copy was freed");
	for (mblk_t *bp = mp; bp != NULL; bp = bp->b_cont)
		cr_expect_eq(DB_REF(bp), 1);
	freemsgchain(chain);
	freemsg(mp);
}

/*
 * A block over a PMD's external buffer, as an RX burst hands one up: the mbuf carries the
 * buffer with the PMD's own shared info (rte_pktmbuf_attach_extbuf), not an esballoc
 * descriptor of yard's.
 */
static unsigned pmd_ext_frees;

static void
pmd_ext_free(void *addr, void *opaque)
{
	RTE_SET_USED(addr);
	RTE_SET_USED(opaque);
	pmd_ext_frees++;
}

YT_TEST(dupb, of_a_pmd_external_buffer_is_counted_and_outlives_the_original)
{
	static unsigned char buf[256];
	static struct rte_mbuf_ext_shared_info sh = { .free_cb = pmd_ext_free };
	struct rte_mbuf *m = rte_pktmbuf_alloc(yard_pool_data());
	mblk_t *bp, *dp, *again;

	cr_assert_not_null(m);
	memset(buf, 0x5a, sizeof(buf));
	rte_mbuf_ext_refcnt_set(&sh, 1);
	rte_pktmbuf_attach_extbuf(m, buf, RTE_BAD_IOVA, sizeof(buf), &sh);
	m->data_off = 16;
	m->data_len = 100;
	m->pkt_len = 100;
	bp = yard_mbuf_to_mblk(m);
	dp = dupb(bp);
	cr_assert_not_null(dp);
	/* the same bytes (callers cut dups by b_rptr arithmetic), and both know they share them */
	cr_expect_eq(dp->b_rptr, bp->b_rptr);
	cr_expect_eq(dp->b_datap, bp->b_datap);
	cr_expect_eq(DB_REF(bp), 2, "the original does not know it is shared");
	cr_expect_eq(DB_REF(dp), 2);
	cr_expect_eq(DB_BASE(dp), buf);
	cr_expect_eq(DB_LIM(dp), buf + sizeof(buf));
	/* the original goes first, its mbuf back to the pool and out again (as M_PROTO) */
	freeb(bp);
	again = allocb(100, BPRI_MED);
	cr_assert_not_null(again);
	DB_TYPE(again) = M_PROTO;
	cr_expect_eq(DB_TYPE(dp), M_DATA);
	cr_expect_eq(DB_REF(dp), 1);
	cr_expect_eq(pmd_ext_frees, 0, "the PMD's buffer went while a dup held it");
	cr_expect(dp->b_rptr >= DB_BASE(dp) && dp->b_wptr <= DB_LIM(dp),
		  "the dup's data is not inside its data block");
	cr_expect_eq(MBLKL(dp), 100);
	cr_expect_eq(dp->b_rptr[99], 0x5a);
	freeb(again);
	freeb(dp);
	cr_expect_eq(pmd_ext_frees, 1, "the PMD's buffer was given back %u times", pmd_ext_frees);
}

/* ---- esballoc ----------------------------------------------------------------------------- */

static unsigned esb_frees;
static void *esb_last_arg;

static void
esb_free(void *arg)
{
	esb_frees++;
	esb_last_arg = arg;
}

YT_TEST(esballoc, wraps_the_callers_buffer)
{
	static unsigned char buf[3000];
	frtn_t fr = { esb_free, buf };
	mblk_t *mp = esballoc(buf, sizeof(buf), BPRI_MED, &fr);

	cr_assert_not_null(mp);
	cr_expect_eq(DB_FLAGS(mp), DBLK_ESB);
	cr_expect_eq(DB_TYPE(mp), M_DATA);
	cr_expect_eq(DB_BASE(mp), buf);
	cr_expect_eq(DB_LIM(mp), buf + sizeof(buf));
	cr_expect_eq(mp->b_rptr, buf);
	cr_expect_eq(mp->b_wptr, buf);
	cr_expect_eq(DB_REF(mp), 1);
	cr_expect_eq(yard_db_frtn(mp->b_datap)->free_func, esb_free);
	cr_expect_eq(yard_db_frtn(mp->b_datap)->free_arg, buf);
	mp->b_wptr += 100;
	cr_expect_eq(MBLKL(mp), 100);
	freeb(mp);
	cr_expect_eq(esb_frees, 1);
	cr_expect_eq(esb_last_arg, buf);
}

YT_TEST(esballoc, frees_once_after_the_last_of_several_dups)
{
	static unsigned char buf[512];
	frtn_t fr = { esb_free, &fr };
	mblk_t *mp = esballoc(buf, sizeof(buf), BPRI_MED, &fr), *d1, *d2, *d3;

	cr_assert_not_null(mp);
	mp->b_wptr += 64;
	d1 = dupb(mp);
	d2 = dupb(d1);
	d3 = dupb(mp);
	cr_assert(d1 != NULL && d2 != NULL && d3 != NULL);
	cr_expect_eq(d2->b_datap, mp->b_datap);
	cr_expect_eq(d2->b_rptr, buf);
	cr_expect_eq(DB_REF(mp), 4);
	freeb(mp);
	freeb(d2);
	freeb(d3);
	cr_expect_eq(esb_frees, 0);
	cr_expect_eq(DB_REF(d1), 1);
	freeb(d1);
	cr_expect_eq(esb_frees, 1);
	cr_expect_eq(esb_last_arg, &fr);
}

YT_TEST(esballoc, keeps_its_own_copy_of_the_free_routine)
{
	static unsigned char buf[64];
	frtn_t fr = { esb_free, buf };
	mblk_t *mp = esballoc(buf, sizeof(buf), BPRI_MED, &fr);

	cr_assert_not_null(mp);
	fr.free_func = NULL;  /* the caller's struct may go out of scope */
	freeb(mp);
	cr_expect_eq(esb_frees, 1);
}

YT_TEST(esballoc, refuses_buffers_larger_than_an_mbuf_can_describe)
{
	static unsigned char buf[70000];
	frtn_t fr = { esb_free, NULL };

	cr_expect_null(esballoc(buf, sizeof(buf), BPRI_MED, &fr));
	cr_expect_null(esballoc(NULL, 10, BPRI_MED, &fr));
	cr_expect_eq(esb_frees, 0);
	mblk_t *mp = esballoc(buf, UINT16_MAX, BPRI_MED, &fr);
	cr_assert_not_null(mp);
	cr_expect_eq(MBLKSIZE(mp), UINT16_MAX);
	freeb(mp);
	cr_expect_eq(esb_frees, 1);
}

YT_TEST(esballoc, fails_when_descriptors_run_out)
{
	static unsigned char buf[16];
	frtn_t fr = { esb_free, NULL };
	mblk_t *chain = NULL, *mp;
	unsigned n = 0;

	while ((mp = esballoc(buf, sizeof(buf), BPRI_MED, &fr)) != NULL) {
		mp->b_next = chain;
		chain = mp;
		n++;
		cr_assert_lt(n, 100000);
	}
	cr_expect_eq(n, 255, "the test pools have 255 descriptors");
	cr_expect_null(allocb(70000, BPRI_MED), "oversize needs a descriptor too");
	freemsgchain(chain);
	cr_expect_eq(esb_frees, n);
}

static unsigned char rearm_buf[128];
static mblk_t *rearmed;
static frtn_t rearm_fr;

static void
rearm_free(void *arg)
{
	esb_frees++;
	/* Recycle the buffer once, from inside the free routine. */
	if (esb_frees == 1)
		rearmed = esballoc(rearm_buf, sizeof(rearm_buf), BPRI_MED, &rearm_fr);
}

YT_TEST(esballoc, free_routine_may_esballoc_again)
{
	mblk_t *mp;

	rearm_fr = (frtn_t){ rearm_free, NULL };
	mp = esballoc(rearm_buf, sizeof(rearm_buf), BPRI_MED, &rearm_fr);
	cr_assert_not_null(mp);
	freeb(mp);
	cr_expect_eq(esb_frees, 1);
	cr_assert_not_null(rearmed);
	cr_expect_eq(DB_BASE(rearmed), rearm_buf);
	freeb(rearmed);
	cr_expect_eq(esb_frees, 2);
}

YT_TEST(esballoc, works_without_a_free_routine)
{
	static unsigned char buf[32];
	mblk_t *mp = esballoc(buf, sizeof(buf), BPRI_MED, NULL);

	cr_assert_not_null(mp);
	freeb(mp);
}

/* ---- copyb -------------------------------------------------------------------------------- */

YT_TEST(copyb, copies_the_data_at_the_same_offset)
{
	struct yard_msgstat before = stat_now();
	mblk_t *bp = seq_blk(M_PCPROTO, 300, 5), *cp;

	bp->b_rptr += 13;
	bp->b_band = 2;
	bp->b_flag = MSGMARK;
	cp = copyb(bp);
	cr_assert_not_null(cp);
	cr_expect_neq(cp->b_rptr, bp->b_rptr);
	cr_expect_neq(cp->b_datap, bp->b_datap);
	cr_expect_eq(MBLKHEAD(cp), 13);
	cr_expect(blk_is_seq(cp, 287, 5 + 13));
	cr_expect_geq(MBLKSIZE(cp), MBLKSIZE(bp));
	cr_expect_eq(DB_TYPE(cp), M_PCPROTO);
	cr_expect_eq(cp->b_band, 2);
	cr_expect_eq(cp->b_flag, MSGMARK);
	cr_expect_eq(DB_REF(cp), 1);
	cr_expect_eq(DB_REF(bp), 1);
	cr_expect_eq(stat_now().copied_bytes, before.copied_bytes + 287);
	bp->b_rptr[0] = 0;  /* independent buffers */
	cr_expect_eq(cp->b_rptr[0], (unsigned char)(5 + 13));
	freeb(bp);
	freeb(cp);
}

YT_TEST(copyb, of_an_esballoc_block_is_a_plain_block)
{
	static unsigned char buf[1000];
	frtn_t fr = { esb_free, NULL };
	mblk_t *bp = esballoc(buf, sizeof(buf), BPRI_MED, &fr), *cp;

	memset(buf, 'x', sizeof(buf));
	bp->b_wptr += 500;
	cp = copyb(bp);
	cr_assert_not_null(cp);
	cr_expect_eq(DB_FLAGS(cp), 0);
	cr_expect_null(yard_db_frtn(cp->b_datap));
	cr_expect_eq(MBLKL(cp), 500);
	cr_expect_eq(cp->b_rptr[499], 'x');
	freeb(bp);
	cr_expect_eq(esb_frees, 1);
	freeb(cp);
	cr_expect_eq(esb_frees, 1);
}

YT_TEST(copyb, copymsg_copies_every_block_and_counts_the_bytes)
{
	struct yard_msgstat before = stat_now();
	size_t lens[] = { 10, 2000, 70000 };
	mblk_t *mp = seq_msg(lens, 3), *cp;

	DB_TYPE(mp) = M_PROTO;
	cp = copymsg(mp);
	cr_assert_not_null(cp);
	cr_expect_eq(nblocks(cp), 3);
	cr_expect_eq(DB_TYPE(cp), M_PROTO);
	cr_expect_eq(msgsize(cp), 72010);
	for (mblk_t *a = mp, *b = cp; a != NULL; a = a->b_cont, b = b->b_cont) {
		cr_expect_neq(a->b_datap, b->b_datap);
		cr_expect_eq(MBLKL(a), MBLKL(b));
		cr_expect_eq(memcmp(a->b_rptr, b->b_rptr, MBLKL(a)), 0);
	}
	cr_expect_eq(stat_now().copied_bytes, before.copied_bytes + 72010);
	freemsg(mp);
	freemsg(cp);
}

YT_TEST(copyb, copymsg_is_all_or_nothing)
{
	size_t lens[] = { 100, 100, 100 };
	mblk_t *mp = seq_msg(lens, 3), *chain, *one;
	int before;

	chain = exhaust(100, NULL);
	one = chain;
	chain = chain->b_next;
	one->b_next = NULL;
	freeb(one);
	before = yt_msgs_outstanding();
	cr_expect_null(copymsg(mp));
	cr_expect_eq(yt_msgs_outstanding(), before);
	freemsgchain(chain);
	freemsg(mp);
}

/* ---- chaining ----------------------------------------------------------------------------- */

YT_TEST(chain, linkb_appends_at_the_end)
{
	mblk_t *a = yt_msg(M_DATA, 1, 0), *b = yt_msg(M_DATA, 2, 0), *c = yt_msg(M_DATA, 3, 0);

	linkb(a, b);
	linkb(a, c);
	cr_expect_eq(a->b_cont, b);
	cr_expect_eq(b->b_cont, c);
	cr_expect_null(c->b_cont);
	freemsg(a);
}

YT_TEST(chain, unlinkb_detaches_the_first_block)
{
	mblk_t *a = yt_msg(M_DATA, 1, 0), *b = yt_msg(M_DATA, 2, 0), *rest;

	linkb(a, b);
	rest = unlinkb(a);
	cr_expect_eq(rest, b);
	cr_expect_null(a->b_cont);
	cr_expect_null(unlinkb(a));
	freeb(a);
	freemsg(rest);
}

YT_TEST(chain, rmvb_removes_a_middle_block)
{
	mblk_t *a = yt_msg(M_DATA, 1, 0), *b = yt_msg(M_DATA, 2, 0), *c = yt_msg(M_DATA, 3, 0);

	linkb(a, b);
	linkb(a, c);
	cr_expect_eq(rmvb(a, b), a);
	cr_expect_eq(a->b_cont, c);
	cr_expect_null(b->b_cont);
	freeb(b);
	cr_expect_eq(rmvb(a, c), a);
	cr_expect_null(a->b_cont);
	freeb(c);
	freeb(a);
}

YT_TEST(chain, rmvb_of_the_head_returns_the_rest)
{
	mblk_t *a = yt_msg(M_DATA, 1, 0), *b = yt_msg(M_DATA, 2, 0);

	linkb(a, b);
	cr_expect_eq(rmvb(a, a), b);
	cr_expect_null(a->b_cont);
	cr_expect_null(rmvb(b, b), "removing the only block leaves nothing");
	freeb(a);
	freeb(b);
}

YT_TEST(chain, rmvb_returns_minus_one_if_the_block_is_not_there)
{
	mblk_t *a = yt_msg(M_DATA, 1, 0), *b = yt_msg(M_DATA, 2, 0), *x = yt_msg(M_DATA, 3, 0);

	linkb(a, b);
	cr_expect_eq(rmvb(a, x), (mblk_t *)-1);
	cr_expect_eq(a->b_cont, b, "mp is unchanged");
	freemsg(a);
	freeb(x);
}

/* ---- sizes -------------------------------------------------------------------------------- */

YT_TEST(sizes, msgdsize_counts_only_m_data)
{
	mblk_t *mp = yt_msg(M_PROTO, 40, 0);

	linkb(mp, yt_msg(M_DATA, 100, 0));
	linkb(mp, yt_msg(M_PROTO, 7, 0));
	linkb(mp, yt_msg(M_DATA, 23, 0));
	cr_expect_eq(msgdsize(mp), 123);
	cr_expect_eq(msgsize(mp), 170);
	cr_expect_eq(xmsgsize(mp), 40);
	cr_expect_eq(xmsgsize(mp->b_cont), 100);
	freemsg(mp);
}

YT_TEST(sizes, xmsgsize_spans_the_leading_same_type_run)
{
	mblk_t *mp = yt_msg(M_DATA, 10, 0);

	linkb(mp, yt_msg(M_DATA, 0, 0));
	linkb(mp, yt_msg(M_DATA, 20, 0));
	linkb(mp, yt_msg(M_PROTO, 5, 0));
	linkb(mp, yt_msg(M_DATA, 1, 0));
	cr_expect_eq(xmsgsize(mp), 30);
	cr_expect_eq(msgdsize(mp), 31);
	freemsg(mp);
}

YT_TEST(sizes, mp_cont_len_counts_bytes_and_blocks)
{
	size_t lens[] = { 3, 0, 9, 100 };
	mblk_t *mp = seq_msg(lens, 4);
	size_t cnt = 0;

	cr_expect_eq(mp_cont_len(mp, &cnt), 112);
	cr_expect_eq(cnt, 4);
	cr_expect_eq(mp_cont_len(mp, NULL), 112);
	cr_expect_eq(msgsize(NULL), 0);
	cr_expect_eq(msgdsize(NULL), 0);
	freemsg(mp);
}

/* ---- pullupmsg ---------------------------------------------------------------------------- */

YT_TEST(pullupmsg, joins_three_blocks_in_place)
{
	size_t lens[] = { 1000, 200, 300, 50 };
	mblk_t *mp = seq_msg(lens, 4);
	unsigned char *rptr = mp->b_rptr;

	cr_assert_eq(pullupmsg(mp, -1), 1);
	cr_expect_null(mp->b_cont);
	cr_expect(blk_is_seq(mp, 1550, 0));
	cr_expect_eq(mp->b_rptr, rptr, "the first block had room: no new buffer");
	cr_expect_eq(DB_TYPE(mp), M_DATA);
	cr_expect_eq(yt_msgs_outstanding(), 1);
	freemsg(mp);
}

YT_TEST(pullupmsg, pulls_only_len_bytes)
{
	size_t lens[] = { 10, 20, 30, 40 };
	mblk_t *mp = seq_msg(lens, 4);

	cr_assert_eq(pullupmsg(mp, 45), 1);
	cr_expect(blk_is_seq(mp, 45, 0));
	cr_expect_eq(nblocks(mp), 3, "the second block was consumed, the third in part");
	cr_expect(blk_is_seq(mp->b_cont, 15, 45), "the rest of the third block follows");
	cr_expect_eq(msgdsize(mp), 100);
	freemsg(mp);
}

YT_TEST(pullupmsg, does_nothing_if_the_first_block_suffices)
{
	size_t lens[] = { 100, 20 };
	mblk_t *mp = seq_msg(lens, 2);
	struct yard_msgstat before = stat_now();

	cr_expect_eq(pullupmsg(mp, 60), 1);
	cr_expect_eq(pullupmsg(mp, 0), 1);
	cr_expect_eq(nblocks(mp), 2);
	cr_expect_eq(stat_now().copied_bytes, before.copied_bytes);
	freemsg(mp);
}

YT_TEST(pullupmsg, fails_if_the_message_is_too_short)
{
	size_t lens[] = { 10, 20 };
	mblk_t *mp = seq_msg(lens, 2);

	cr_expect_eq(pullupmsg(mp, 31), 0);
	cr_expect_eq(pullupmsg(mp, -2), 0);
	cr_expect_eq(nblocks(mp), 2);
	cr_expect(blk_is_seq(mp, 10, 0));
	cr_expect(blk_is_seq(mp->b_cont, 20, 10));
	freemsg(mp);
}

YT_TEST(pullupmsg, stops_at_a_change_of_type)
{
	mblk_t *mp = seq_blk(M_PROTO, 8, 0);

	linkb(mp, seq_blk(M_PROTO, 8, 8));
	linkb(mp, seq_blk(M_DATA, 100, 0));
	cr_assert_eq(pullupmsg(mp, -1), 1);
	cr_expect(blk_is_seq(mp, 16, 0));
	cr_expect_eq(DB_TYPE(mp), M_PROTO);
	cr_expect_eq(nblocks(mp), 2);
	cr_expect_eq(DB_TYPE(mp->b_cont), M_DATA);
	cr_expect_eq(pullupmsg(mp, 17), 0, "M_DATA is not part of the run");
	freemsg(mp);
}

YT_TEST(pullupmsg, moves_data_to_the_base_when_the_tail_is_short)
{
	size_t lens[] = { 400, 150 };
	mblk_t *mp = seq_msg(lens, 2);

	/* A ctl block of 512 bytes, data at offset 300: 212 bytes of tail, 250 needed. */
	cr_assert_eq(yard_mblk_mbuf(mp)->pool, yard_pool_ctl());
	mp->b_rptr += 300;
	cr_assert_eq(pullupmsg(mp, -1), 1);
	cr_expect_eq(mp->b_rptr, DB_BASE(mp));
	cr_expect(blk_is_seq(mp, 250, (unsigned char)300));
	freemsg(mp);
}

YT_TEST(pullupmsg, gets_a_bigger_buffer_when_the_first_block_is_small)
{
	size_t lens[] = { 64, 1000, 1000 };
	mblk_t *mp = seq_msg(lens, 3), *orig = mp;
	struct yard_msgstat before = stat_now();

	cr_assert_eq(yard_mblk_mbuf(mp)->pool, yard_pool_ctl());
	cr_assert_eq(pullupmsg(mp, -1), 1);
	cr_expect_eq(mp, orig);
	cr_expect(blk_is_seq(mp, 2064, 0));
	cr_expect_null(mp->b_cont);
	cr_expect_geq(MBLKSIZE(mp), 2064);
	cr_expect_eq(DB_REF(mp), 1);
	cr_expect_eq(stat_now().copied_bytes, before.copied_bytes + 2064);
	/* The block is an ordinary one still: it can be duplicated, converted and freed. */
	mblk_t *dp = dupb(mp);
	cr_assert_not_null(dp);
	cr_expect_eq(dp->b_rptr, mp->b_rptr);
	freeb(dp);
	struct rte_mbuf *m = yard_mblk_to_mbuf(mp);
	cr_expect_eq(m->pkt_len, 2064);
	cr_expect_eq(*rte_pktmbuf_mtod_offset(m, unsigned char *, 2063), (unsigned char)2063);
	rte_pktmbuf_free(m);
}

YT_TEST(pullupmsg, grows_into_an_oversize_buffer)
{
	size_t lens[] = { 2000, 2000, 2000, 2000, 2000 };
	mblk_t *mp = seq_msg(lens, 5);

	cr_assert_eq(pullupmsg(mp, -1), 1);
	cr_expect_null(mp->b_cont);
	cr_expect_eq(MBLKL(mp), 10000);
	cr_expect_eq(DB_FLAGS(mp), DBLK_ESB | DBLK_OVERSIZE);
	cr_expect(blk_is_seq(mp, 10000, 0));
	freemsg(mp);
}

YT_TEST(pullupmsg, of_a_dup_leaves_the_original_untouched)
{
	size_t lens[] = { 100, 100 };
	mblk_t *orig = seq_msg(lens, 2), *dp = dupmsg(orig);

	cr_assert_not_null(dp);
	cr_assert_eq(pullupmsg(dp, -1), 1);
	cr_expect(blk_is_seq(dp, 200, 0));
	cr_expect_neq(dp->b_datap, orig->b_datap);
	cr_expect(blk_is_seq(orig, 100, 0));
	cr_expect(blk_is_seq(orig->b_cont, 100, 100));
	cr_expect_eq(DB_REF(orig), 1);
	cr_expect_eq(DB_REF(orig->b_cont), 1);
	freemsg(dp);
	freemsg(orig);
}

YT_TEST(pullupmsg, of_a_dup_whose_original_is_gone_writes_in_place)
{
	size_t lens[] = { 100, 100 };
	mblk_t *orig = seq_msg(lens, 2), *dp = dupmsg(orig);
	unsigned char *rptr = dp->b_rptr;

	freemsg(orig);
	cr_assert_eq(pullupmsg(dp, -1), 1);
	cr_expect_eq(dp->b_rptr, rptr);
	cr_expect(blk_is_seq(dp, 200, 0));
	freemsg(dp);
}

YT_TEST(pullupmsg, refuses_a_shared_original_block)
{
	size_t lens[] = { 100, 100 };
	mblk_t *mp = seq_msg(lens, 2), *dp = dupb(mp);

	/* mp's own mbuf holds the buffer the dup reads: it cannot be re-pointed or written. */
	cr_expect_eq(pullupmsg(mp, -1), 0);
	cr_expect_eq(nblocks(mp), 2);
	cr_expect(blk_is_seq(mp, 100, 0));
	cr_expect(blk_is_seq(dp, 100, 0));
	freeb(dp);
	cr_expect_eq(pullupmsg(mp, -1), 1, "once the dup is gone it works");
	cr_expect(blk_is_seq(mp, 200, 0));
	freemsg(mp);
}

YT_TEST(pullupmsg, keeps_the_packet_metadata_of_the_mbuf)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(yard_pool_data()), *dm;
	mblk_t *rx, *dp;

	cr_assert_not_null(m);
	memset(rte_pktmbuf_append(m, 100), 1, 100);
	m->port = 3;
	m->hash.rss = 0xabcd1234;
	m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	m->packet_type = RTE_PTYPE_L3_IPV4;
	rx = yard_mbuf_to_mblk(m);
	dp = dupb(rx);
	cr_assert_not_null(dp);
	linkb(dp, yt_msg(M_DATA, 50, 2));
	/* The dup shares its buffer, so pullupmsg must move it to a new one. */
	cr_assert_eq(pullupmsg(dp, -1), 1);
	cr_expect_neq(dp->b_datap, rx->b_datap);
	dm = yard_mblk_mbuf(dp);
	cr_expect_eq(dm->port, 3);
	cr_expect_eq(dm->hash.rss, 0xabcd1234);
	cr_expect(dm->ol_flags & RTE_MBUF_F_RX_RSS_HASH);
	cr_expect_eq(dm->packet_type, RTE_PTYPE_L3_IPV4);
	cr_expect_eq(MBLKL(dp), 150);
	cr_expect_eq(dp->b_rptr[99], 1);
	cr_expect_eq(dp->b_rptr[100], 2);
	freemsg(dp);
	freemsg(rx);
}

YT_TEST(pullupmsg, never_writes_into_an_esballoc_buffer)
{
	static unsigned char buf[1000];
	frtn_t fr = { esb_free, NULL };
	mblk_t *mp = esballoc(buf, sizeof(buf), BPRI_MED, &fr);

	for (int i = 0; i < 10; i++)
		*mp->b_wptr++ = (unsigned char)i;
	linkb(mp, seq_blk(M_DATA, 20, 10));
	cr_assert_eq(pullupmsg(mp, -1), 1);
	cr_expect(blk_is_seq(mp, 30, 0));
	cr_expect_neq(DB_BASE(mp), buf);
	cr_expect_eq(buf[10], 0, "the caller's buffer past its data is untouched");
	cr_expect_eq(esb_frees, 1, "the esballoc buffer was let go");
	freemsg(mp);
	cr_expect_eq(esb_frees, 1);
}

YT_TEST(pullupmsg, frees_empty_blocks_it_passes)
{
	mblk_t *mp = seq_blk(M_DATA, 5, 0);

	linkb(mp, allocb(10, BPRI_MED));
	linkb(mp, seq_blk(M_DATA, 5, 5));
	cr_assert_eq(pullupmsg(mp, 10), 1);
	cr_expect_null(mp->b_cont);
	cr_expect(blk_is_seq(mp, 10, 0));
	cr_expect_eq(yt_msgs_outstanding(), 1);
	freemsg(mp);
}

/* ---- msgpullup ---------------------------------------------------------------------------- */

YT_TEST(msgpullup, makes_a_new_contiguous_message)
{
	size_t lens[] = { 100, 200, 300 };
	mblk_t *mp = seq_msg(lens, 3), *np;
	unsigned char *rptrs[3] = { mp->b_rptr, mp->b_cont->b_rptr, mp->b_cont->b_cont->b_rptr };

	np = msgpullup(mp, -1);
	cr_assert_not_null(np);
	cr_expect_neq(np, mp);
	cr_expect_null(np->b_cont);
	cr_expect(blk_is_seq(np, 600, 0));
	/* The original is untouched. */
	cr_expect_eq(nblocks(mp), 3);
	cr_expect_eq(mp->b_rptr, rptrs[0]);
	cr_expect_eq(mp->b_cont->b_rptr, rptrs[1]);
	cr_expect_eq(mp->b_cont->b_cont->b_rptr, rptrs[2]);
	cr_expect_eq(msgdsize(mp), 600);
	freemsg(np);
	freemsg(mp);
}

YT_TEST(msgpullup, shares_the_rest_after_len_bytes)
{
	size_t lens[] = { 10, 20, 30, 40 };
	mblk_t *mp = seq_msg(lens, 4), *np;
	mblk_t *third = mp->b_cont->b_cont;

	np = msgpullup(mp, 45);
	cr_assert_not_null(np);
	cr_expect(blk_is_seq(np, 45, 0));
	cr_expect_eq(nblocks(np), 3);
	cr_expect(blk_is_seq(np->b_cont, 15, 45));
	cr_expect_eq(np->b_cont->b_datap, third->b_datap, "the rest is shared, not copied");
	cr_expect_eq(DB_REF(third), 2);
	cr_expect(blk_is_seq(np->b_cont->b_cont, 40, 60));
	cr_expect_eq(msgdsize(np), 100);
	cr_expect(blk_is_seq(third, 30, 30), "the original is untouched");
	freemsg(mp);
	freemsg(np);
}

YT_TEST(msgpullup, keeps_type_band_and_flags)
{
	mblk_t *mp = seq_blk(M_PROTO, 4, 0), *np;

	mp->b_band = 5;
	mp->b_flag = MSGMARK;
	linkb(mp, seq_blk(M_PROTO, 4, 4));
	linkb(mp, seq_blk(M_DATA, 8, 0));
	np = msgpullup(mp, -1);
	cr_assert_not_null(np);
	cr_expect_eq(DB_TYPE(np), M_PROTO);
	cr_expect_eq(np->b_band, 5);
	cr_expect_eq(np->b_flag, MSGMARK);
	cr_expect(blk_is_seq(np, 8, 0));
	cr_expect_eq(DB_TYPE(np->b_cont), M_DATA);
	cr_expect_eq(msgdsize(np), 8);
	freemsg(np);
	freemsg(mp);
}

YT_TEST(msgpullup, fails_if_the_message_is_too_short)
{
	size_t lens[] = { 10, 20 };
	mblk_t *mp = seq_msg(lens, 2);

	cr_expect_null(msgpullup(mp, 31));
	cr_expect_null(msgpullup(mp, -5));
	cr_expect_eq(yt_msgs_outstanding(), 2);
	freemsg(mp);
}

/* ---- adjmsg ------------------------------------------------------------------------------- */

YT_TEST(adjmsg, trims_from_the_head_across_blocks)
{
	size_t lens[] = { 10, 10, 10 };
	mblk_t *mp = seq_msg(lens, 3);

	cr_assert_eq(adjmsg(mp, 15), 1);
	cr_expect_eq(MBLKL(mp), 0, "the first block stays, empty");
	cr_expect_eq(nblocks(mp), 3);
	cr_expect(blk_is_seq(mp->b_cont, 5, 15));
	cr_expect_eq(msgdsize(mp), 15);
	cr_assert_eq(adjmsg(mp, 5), 1);
	cr_expect_eq(nblocks(mp), 2, "an emptied later block is freed");
	cr_expect(blk_is_seq(mp->b_cont, 10, 20));
	freemsg(mp);
}

YT_TEST(adjmsg, trims_from_the_tail_across_blocks)
{
	size_t lens[] = { 10, 10, 10 };
	mblk_t *mp = seq_msg(lens, 3);

	cr_assert_eq(adjmsg(mp, -15), 1);
	cr_expect_eq(nblocks(mp), 2);
	cr_expect(blk_is_seq(mp, 10, 0));
	cr_expect(blk_is_seq(mp->b_cont, 5, 10));
	cr_assert_eq(adjmsg(mp, -15), 1);
	cr_expect_eq(nblocks(mp), 1);
	cr_expect_eq(MBLKL(mp), 0);
	freemsg(mp);
}

YT_TEST(adjmsg, trims_the_tail_of_the_leading_run_only)
{
	mblk_t *mp = seq_blk(M_PROTO, 10, 0);

	linkb(mp, seq_blk(M_DATA, 20, 0));
	cr_assert_eq(adjmsg(mp, -4), 1);
	cr_expect(blk_is_seq(mp, 6, 0));
	cr_expect(blk_is_seq(mp->b_cont, 20, 0));
	cr_expect_eq(adjmsg(mp, -7), 0);
	cr_expect_eq(adjmsg(mp, 7), 0, "the head also trims only within the run");
	cr_expect(blk_is_seq(mp, 6, 0));
	freemsg(mp);
}

YT_TEST(adjmsg, refuses_a_message_too_short_and_leaves_it)
{
	size_t lens[] = { 10, 10, 10 };
	mblk_t *mp = seq_msg(lens, 3);

	cr_expect_eq(adjmsg(mp, 31), 0);
	cr_expect_eq(adjmsg(mp, -31), 0);
	cr_expect_eq(nblocks(mp), 3);
	cr_expect_eq(msgdsize(mp), 30);
	cr_expect(blk_is_seq(mp, 10, 0));
	cr_expect_eq(adjmsg(mp, 0), 1);
	cr_expect_eq(adjmsg(mp, 30), 1, "exactly the whole message");
	cr_expect_eq(msgdsize(mp), 0);
	cr_expect_eq(nblocks(mp), 1);
	freemsg(mp);
}

YT_TEST(adjmsg, removes_empty_blocks_on_the_way)
{
	mblk_t *mp = seq_blk(M_DATA, 4, 0);

	linkb(mp, allocb(8, BPRI_MED));
	linkb(mp, seq_blk(M_DATA, 4, 4));
	cr_assert_eq(adjmsg(mp, 6), 1);
	cr_expect_eq(nblocks(mp), 2);
	cr_expect(blk_is_seq(mp->b_cont, 2, 6));
	freemsg(mp);
}

/* ---- msgstat ------------------------------------------------------------------------------ */

static int
copy_on_other_lcore(void *arg)
{
	mblk_t *bp = arg, *cp = copyb(bp);

	if (cp == NULL)
		return -1;
	freeb(cp);
	return 0;
}

YT_TEST(msgstat, sums_every_lcore)
{
	mblk_t *bp = yt_msg(M_DATA, 77, 0), *cp;
	struct yard_msgstat before = stat_now();
	unsigned other = rte_get_next_lcore(rte_lcore_id(), 1, 0);
	uint64_t mine = yard_msgstat_self()->copied_bytes;

	cr_assert_lt(other, RTE_MAX_LCORE);
	cp = copyb(bp);
	cr_assert_eq(rte_eal_remote_launch(copy_on_other_lcore, bp, other), 0);
	cr_assert_eq(rte_eal_wait_lcore(other), 0);
	cr_expect_eq(yard_msgstat_self()->copied_bytes, mine + 77, "the other lcore has its own");
	cr_expect_eq(stat_now().copied_bytes, before.copied_bytes + 154);
	freeb(cp);
	freeb(bp);
}

static void *
stat_from_thread(void *arg)
{
	return yard_msgstat_self();
}

YT_TEST(msgstat, non_eal_threads_use_the_main_lcore_slot)
{
	pthread_t t;
	void *ret;

	cr_assert_eq(rte_lcore_id(), rte_get_main_lcore());
	cr_assert_eq(pthread_create(&t, NULL, stat_from_thread, NULL), 0);
	cr_assert_eq(pthread_join(t, &ret), 0);
	cr_expect_eq(ret, yard_msgstat_self());
	cr_expect_eq((uintptr_t)ret % RTE_CACHE_LINE_SIZE, 0);
}

/* ---- fresh state after reuse (the rearm template, the free fast path, RX conversion) ------ */

/* Leave on a block everything a previous user could have set: mblk, dblk and mbuf metadata. */
static void
dirty_blk(mblk_t *mp)
{
	struct rte_mbuf *m = yard_mblk_mbuf(mp);

	mp->b_band = 3;
	mp->b_tag = 4;
	mp->b_flag = MSGMARK | MSGDELIM;
	mp->b_yflags = YB_SUMOK;
	mp->b_rptr += 8;
	mp->b_wptr = mp->b_rptr + 16;
	DB_TYPE(mp) = M_PROTO;
	mp->b_datap->db_cksum = 0x12345678;
	mp->b_datap->db_struioflag = 7;
	m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_IPV4;
	m->packet_type = RTE_PTYPE_L3_IPV4;
	m->l2_len = 14;
	m->l3_len = 20;
	m->vlan_tci = 100;
	m->vlan_tci_outer = 200;
	m->port = 5;
	m->data_off = 7;
	m->data_len = 99;
	m->pkt_len = 99;
}

/* What allocb promises of a block, and what rte_pktmbuf_reset() leaves in its mbuf. */
static void
expect_fresh(const mblk_t *mp, const char *how)
{
	const struct rte_mbuf *m = yard_mblk_mbuf(mp);

	cr_expect_null(mp->b_next, "%s", how);
	cr_expect_null(mp->b_prev, "%s", how);
	cr_expect_null(mp->b_cont, "%s", how);
	cr_expect_eq(mp->b_rptr, DB_BASE(mp), "%s", how);
	cr_expect_eq(mp->b_wptr, mp->b_rptr, "%s", how);
	cr_expect_eq(mp->b_band, 0, "%s", how);
	cr_expect_eq(mp->b_tag, 0, "%s", how);
	cr_expect_eq(mp->b_flag, 0, "%s", how);
	cr_expect_eq(mp->b_yflags, 0, "%s", how);
	cr_expect_eq(DB_TYPE(mp), M_DATA, "%s", how);
	cr_expect_eq(DB_FLAGS(mp), 0, "%s", how);
	cr_expect_eq(mp->b_datap->db_cksum, 0, "%s", how);
	cr_expect_eq(mp->b_datap->db_struioflag, 0, "%s", how);
	cr_expect_eq(DB_REF(mp), 1, "%s", how);
	cr_expect_eq(m->ol_flags, 0, "%s", how);
	cr_expect_eq(m->packet_type, 0, "%s", how);
	cr_expect_eq(m->tx_offload, 0, "%s", how);
	cr_expect_eq(m->vlan_tci, 0, "%s", how);
	cr_expect_eq(m->vlan_tci_outer, 0, "%s", how);
	cr_expect_eq(m->port, RTE_MBUF_PORT_INVALID, "%s", how);
	cr_expect_eq(m->data_off, RTE_MIN(RTE_PKTMBUF_HEADROOM, m->buf_len), "%s", how);
	cr_expect_eq(m->data_len, 0, "%s", how);
	cr_expect_eq(m->pkt_len, 0, "%s", how);
	cr_expect_eq(m->nb_segs, 1, "%s", how);
	cr_expect_null(m->next, "%s", how);
}

/* How many of got[0..n) are among was[0..n) (the per-lcore cache hands freed mbufs back). */
static unsigned
reused(struct rte_mbuf **was, mblk_t **got, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		for (unsigned j = 0; j < n; j++)
			if (yard_mblk_mbuf(got[i]) == was[j])
				k++;
	return k;
}

YT_TEST(allocb, reused_blocks_keep_nothing_of_their_last_use)
{
	struct rte_mbuf *was[16];
	mblk_t *mps[16];

	cr_assert_eq(yard_allocb_ctl_bulk(mps, 16, 64), 0);
	for (unsigned i = 0; i < 16; i++) {
		dirty_blk(mps[i]);
		was[i] = yard_mblk_mbuf(mps[i]);
	}
	freemsg_burst(mps, 16);
	cr_assert_eq(yard_allocb_ctl_bulk(mps, 16, 64), 0);
	cr_expect_gt(reused(was, mps, 16), 0, "the test reuses mbufs");
	for (unsigned i = 0; i < 16; i++) {
		expect_fresh(mps[i], "yard_allocb_ctl_bulk");
		dirty_blk(mps[i]);
		was[i] = yard_mblk_mbuf(mps[i]);
	}
	/* One by one through freeb, back through allocb. */
	for (unsigned i = 0; i < 16; i++)
		freeb(mps[i]);
	for (unsigned i = 0; i < 16; i++) {
		mps[i] = allocb(64, BPRI_MED);
		cr_assert_not_null(mps[i]);
	}
	cr_expect_gt(reused(was, mps, 16), 0, "the test reuses mbufs");
	for (unsigned i = 0; i < 16; i++)
		expect_fresh(mps[i], "allocb");
	freemsg_burst(mps, 16);
}

YT_TEST(allocb, reused_data_blocks_keep_nothing_of_their_last_use)
{
	struct rte_mbuf *was[16];
	mblk_t *mps[16];

	cr_assert_eq(allocb_bulk(mps, 16, 1500), 0);
	for (unsigned i = 0; i < 16; i++) {
		dirty_blk(mps[i]);
		was[i] = yard_mblk_mbuf(mps[i]);
	}
	freemsg_burst(mps, 16);
	cr_assert_eq(allocb_bulk(mps, 16, 1500), 0);
	cr_expect_gt(reused(was, mps, 16), 0, "the test reuses mbufs");
	for (unsigned i = 0; i < 16; i++)
		expect_fresh(mps[i], "allocb_bulk");
	freemsg_burst(mps, 16);
}

/* Blocks to fill at once: their type, length and flags as asked, everything else fresh. */
YT_TEST(allocb, ctl_bulk_as_gives_blocks_of_the_type_length_and_flags_asked)
{
	struct rte_mbuf *was[40];
	mblk_t *mps[40];

	cr_assert_eq(yard_allocb_ctl_bulk(mps, 40, 64), 0);
	for (unsigned i = 0; i < 40; i++) {
		dirty_blk(mps[i]);
		was[i] = yard_mblk_mbuf(mps[i]);
	}
	freemsg_burst(mps, 40);
	cr_assert_eq(yard_allocb_ctl_bulk_as(mps, 40, 36, M_PROTO, YB_TUDATA), 0,
		     "more than one mempool chunk");
	cr_expect_gt(reused(was, mps, 40), 0, "the test reuses mbufs");
	for (unsigned i = 0; i < 40; i++) {
		mblk_t *mp = mps[i];
		const struct rte_mbuf *m = yard_mblk_mbuf(mp);

		cr_expect_eq(m->pool, yard_pool_ctl());
		cr_expect_eq(DB_TYPE(mp), M_PROTO);
		cr_expect_eq(MBLKL(mp), 36);
		cr_expect_eq(mp->b_yflags, YB_TUDATA);
		/* The rest as expect_fresh() would have it. */
		mp->b_wptr = mp->b_rptr;
		mp->b_yflags = 0;
		DB_TYPE(mp) = M_DATA;
		expect_fresh(mp, "yard_allocb_ctl_bulk_as");
	}
	cr_expect_eq(yt_msgs_outstanding(), 40);
	freemsg_burst(mps, 40);
}

YT_TEST(freemsg, burst_frees_plain_chained_duped_esballoc_and_stale_next_blocks_alike)
{
	static unsigned char buf[256];
	frtn_t fr = { esb_free, buf };
	struct rte_mbuf *ra = rte_pktmbuf_alloc(yard_pool_data());
	struct rte_mbuf *rb = rte_pktmbuf_alloc(yard_pool_data());
	unsigned frees = esb_frees, n = 0;
	mblk_t *mps[200], *held, *rx, *tail;

	/* A received two-segment frame whose tail was unlinked: its head's mbuf next is stale. */
	cr_assert(ra != NULL && rb != NULL);
	memset(rte_pktmbuf_append(ra, 60), 1, 60);
	memset(rte_pktmbuf_append(rb, 40), 2, 40);
	cr_assert_eq(rte_pktmbuf_chain(ra, rb), 0);
	rx = yard_mbuf_to_mblk(ra);
	tail = unlinkb(rx);
	/* nb_segs is not authoritative inside STREAMS either: only a NULL next says "one". */
	ra->nb_segs = 1;
	held = yt_msg(M_DATA, 300, 9);

	mps[n++] = yt_msg(M_PROTO, 40, 1);            /* plain ctl: the fast path */
	mps[n++] = yt_msg(M_DATA, 1400, 2);           /* plain, another pool */
	mps[n++] = rx;                                 /* that pool, but a stale mbuf next */
	mps[n++] = yt_msg(M_PROTO, 40, 3);            /* and back */
	mps[n++] = dupb(held);                         /* a dup: drops a reference only */
	mps[n++] = esballoc(buf, sizeof(buf), BPRI_MED, &fr);
	mps[n] = yt_msg(M_PROTO, 40, 4);               /* a chain */
	linkb(mps[n++], yt_msg(M_DATA, 100, 5));
	mps[n++] = tail;
	for (; n < 200; n++)                           /* more than one free batch of plain ones */
		mps[n] = yt_msg(n % 5 == 0 ? M_DATA : M_PROTO, n % 5 == 0 ? 1000 : 40, 6);
	for (unsigned i = 0; i < n; i++)
		cr_assert_not_null(mps[i]);
	cr_expect_eq(DB_REF(held), 2);
	freemsg_burst(mps, n);

	cr_expect_eq(yt_msgs_outstanding(), 1, "only the held block is left");
	cr_expect_eq(DB_REF(held), 1);
	cr_expect_eq(MBLKL(held), 300);
	cr_expect_eq(held->b_rptr[299], 9);
	cr_expect_eq(esb_frees, frees + 1, "the esballoc free routine ran once");
	freeb(held);
	/* The frame's head went back to its pool in the state DPDK requires of a free mbuf. */
	cr_expect_null(ra->next);
	cr_expect_eq(ra->nb_segs, 1);
	cr_expect_eq(rte_mbuf_refcnt_read(ra), 1);
}

YT_TEST(rx, conversion_clears_what_the_last_use_left)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(yard_pool_data());
	mblk_t *mp = yard_mbuf_mblk(m);

	cr_assert_not_null(m);
	memset(rte_pktmbuf_append(m, 64), 3, 64);
	/* What an earlier life as a STREAMS block may have left in the private area. */
	mp->b_next = (mblk_t *)0x1;
	mp->b_prev = (mblk_t *)0x2;
	mp->b_cont = (mblk_t *)0x3;
	mp->b_band = 1;
	mp->b_tag = 2;
	mp->b_flag = MSGMARK;
	mp->b_yflags = YB_SUMOK;
	yard_mbuf_own_dblk(m)->db_type = M_PROTO;
	cr_assert_eq(yard_mbuf_to_mblk(m), mp);
	cr_expect_null(mp->b_next);
	cr_expect_null(mp->b_prev);
	cr_expect_null(mp->b_cont);
	cr_expect_eq(mp->b_band, 0);
	cr_expect_eq(mp->b_tag, 0);
	cr_expect_eq(mp->b_flag, 0);
	cr_expect_eq(mp->b_yflags, 0);
	cr_expect_eq(DB_TYPE(mp), M_DATA);
	cr_expect_eq(mp->b_datap, yard_mbuf_own_dblk(m));
	cr_expect_eq(mp->b_rptr, rte_pktmbuf_mtod(m, unsigned char *));
	cr_expect_eq(MBLKL(mp), 64);
	freemsg(mp);
}

YT_TEST(rx, an_indirect_mbuf_points_at_its_owners_dblk)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(yard_pool_data());
	struct rte_mbuf *mi = rte_pktmbuf_alloc(yard_pool_ctl());
	mblk_t *mp;

	cr_assert(m != NULL && mi != NULL);
	memset(rte_pktmbuf_append(m, 64), 3, 64);
	rte_pktmbuf_attach(mi, m);
	rte_pktmbuf_free(m); /* mi holds the buffer now */
	mp = yard_mbuf_to_mblk(mi);
	cr_expect_eq(mp, yard_mbuf_mblk(mi));
	cr_expect_eq(mp->b_datap, yard_mbuf_own_dblk(m));
	cr_expect_eq(MBLKL(mp), 64);
	cr_expect_eq(mp->b_rptr[63], 3);
	cr_expect_null(mp->b_cont);
	freemsg(mp);
}
