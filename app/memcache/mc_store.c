/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The memcached service's item table (see mc_store.h): a chained hash, an LRU list, a byte
 * count against a limit.
 *
 * Principles of operation
 * -----------------------
 * - Every allocated item, linked or pending (a set whose data block is still arriving), is
 *   counted in st_mem; only linked ones are in st_bytes and st_items. An allocation first
 *   frees items from the LRU tail until it fits. It must never free an item its caller still
 *   holds: append/prepend and incr allocate while holding the old item, so they pass it as
 *   `pin` and the eviction loop stops there (the allocation then fails with -ENOMEM).
 * - flush_all is O(1): it records the next cas unique as st_flush_cas, and any item with a
 *   smaller cas is dead. Dead and expired items are freed when a lookup meets them or when
 *   they reach the LRU tail, exactly like memcached's lazy expiry, so curr_items still counts
 *   them until then. A delayed flush is armed in st_flush_when and applied by
 *   mc_store_set_time() at the first clock tick at or after it, before any command runs.
 * - cas uniques come from one 64-bit counter per table, starting at 1; every store,
 *   append/prepend and incr/decr takes a new one, touch keeps it (as memcached does).
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/memcache/mc_store.h"

struct mc_store {
	struct mc_store_conf st_conf;
	struct mc_item **st_buckets;
	uint32_t st_mask;             /* buckets - 1, a power of 2 minus 1 */
	uint64_t st_items;            /* linked */
	uint64_t st_bytes;            /* linked items' bytes */
	uint64_t st_mem;              /* every allocated item's bytes */
	struct mc_item *st_head, *st_tail;
	uint64_t st_next_cas;
	uint64_t st_flush_cas;        /* items with a smaller cas are dead */
	int64_t st_flush_when;        /* delayed flush_all, 0: none */
	int64_t st_now;
	struct mc_stats *st_statp;    /* conf.stats, or &st_stats */
	struct mc_stats st_stats;
};

static_assert(sizeof(struct mc_item) == 64, "an item's header is one cache line");

#define MC_BUCKETS_MIN 1024u

static const struct {
	const char *name, *help;
} mc_stat_names[] = {
#define MC_STAT(f, h) { #f, h },
#include "app/memcache/mc_stats.def"
#undef MC_STAT
};

void
mc_stats_name(unsigned i, const char **name, const char **help)
{
	*name = i < MC_STATS_COUNT ? mc_stat_names[i].name : NULL;
	*help = i < MC_STATS_COUNT ? mc_stat_names[i].help : NULL;
}

/* FNV-1a: keys are short and the table is per lcore, so a simple hash does. */
static uint32_t
mc_hash(const char *key, size_t nkey)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < nkey; i++) {
		h ^= (unsigned char)key[i];
		h *= 16777619u;
	}
	return h;
}

struct mc_store *
mc_store_create(const struct mc_store_conf *conf)
{
	struct mc_store *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	st->st_buckets = calloc(MC_BUCKETS_MIN, sizeof(st->st_buckets[0]));
	if (st->st_buckets == NULL) {
		free(st);
		return NULL;
	}
	st->st_conf = *conf;
	st->st_statp = conf->stats != NULL ? conf->stats : &st->st_stats;
	st->st_mask = MC_BUCKETS_MIN - 1;
	st->st_next_cas = 1;
	return st;
}

void
mc_store_destroy(struct mc_store *st)
{
	struct mc_item *it, *next;

	if (st == NULL)
		return;
	for (it = st->st_head; it != NULL; it = next) {
		next = it->it_next;
		free(it);
	}
	free(st->st_buckets);
	free(st);
}

void
mc_store_set_time(struct mc_store *st, int64_t now)
{
	st->st_now = now;
	if (st->st_flush_when != 0 && now >= st->st_flush_when) {
		st->st_flush_cas = st->st_next_cas;
		st->st_flush_when = 0;
	}
}

int64_t
mc_store_now(const struct mc_store *st)
{
	return st->st_now;
}

int64_t
mc_store_exptime(const struct mc_store *st, int64_t wire)
{
	if (wire == 0)
		return 0;
	if (wire < 0)
		return st->st_now > 1 ? st->st_now - 1 : 1;
	if (wire > MC_REALTIME_MAXDELTA)
		return wire;  /* absolute; in the past means expired */
	return st->st_now + wire;
}

/* ---- hash and LRU ----------------------------------------------------------------------- */

static void
lru_unlink(struct mc_store *st, struct mc_item *it)
{
	if (it->it_prev != NULL)
		it->it_prev->it_next = it->it_next;
	else
		st->st_head = it->it_next;
	if (it->it_next != NULL)
		it->it_next->it_prev = it->it_prev;
	else
		st->st_tail = it->it_prev;
	it->it_prev = it->it_next = NULL;
}

static void
lru_push_head(struct mc_store *st, struct mc_item *it)
{
	it->it_prev = NULL;
	it->it_next = st->st_head;
	if (st->st_head != NULL)
		st->st_head->it_prev = it;
	else
		st->st_tail = it;
	st->st_head = it;
}

static struct mc_item **
hash_slot(struct mc_store *st, const char *key, size_t nkey, uint32_t hash)
{
	struct mc_item **pp = &st->st_buckets[hash & st->st_mask];

	for (; *pp != NULL; pp = &(*pp)->it_hnext) {
		struct mc_item *it = *pp;

		if (it->it_hash == hash && it->it_nkey == nkey &&
		    memcmp(it->it_data, key, nkey) == 0)
			break;
	}
	return pp;
}

/* Double the buckets; if calloc fails, keep the longer chains (still correct). */
static void
hash_grow(struct mc_store *st)
{
	uint32_t n = (st->st_mask + 1) * 2;
	struct mc_item **nb = calloc(n, sizeof(nb[0]));

	if (nb == NULL)
		return;
	for (uint32_t b = 0; b <= st->st_mask; b++) {
		struct mc_item *it = st->st_buckets[b], *next;

		for (; it != NULL; it = next) {
			next = it->it_hnext;
			it->it_hnext = nb[it->it_hash & (n - 1)];
			nb[it->it_hash & (n - 1)] = it;
		}
	}
	free(st->st_buckets);
	st->st_buckets = nb;
	st->st_mask = n - 1;
}

static void
item_link(struct mc_store *st, struct mc_item *it)
{
	struct mc_item **pp = &st->st_buckets[it->it_hash & st->st_mask];

	it->it_hnext = *pp;
	*pp = it;
	lru_push_head(st, it);
	it->it_linked = true;
	it->it_cas = st->st_next_cas++;
	it->it_time = st->st_now;
	st->st_items++;
	st->st_bytes += mc_item_total(it->it_nkey, it->it_nbytes);
	st->st_statp->total_items++;
	if (st->st_items > (uint64_t)(st->st_mask + 1) + (st->st_mask + 1) / 2)
		hash_grow(st);
}

/* Unlink it (found at *pp in its chain) and free it. */
static void
item_unlink_at(struct mc_store *st, struct mc_item **pp)
{
	struct mc_item *it = *pp;
	size_t total = mc_item_total(it->it_nkey, it->it_nbytes);

	*pp = it->it_hnext;
	lru_unlink(st, it);
	st->st_items--;
	st->st_bytes -= total;
	st->st_mem -= total;
	free(it);
}

static void
item_unlink(struct mc_store *st, struct mc_item *it)
{
	item_unlink_at(st, hash_slot(st, it->it_data, it->it_nkey, it->it_hash));
}

static bool
item_dead(const struct mc_store *st, const struct mc_item *it)
{
	return it->it_cas < st->st_flush_cas ||
	       (it->it_exptime != 0 && it->it_exptime <= st->st_now);
}

/* The live item for key, freeing a dead one found on the way. */
static struct mc_item *
find_live(struct mc_store *st, const char *key, size_t nkey, bool count_get)
{
	uint32_t hash = mc_hash(key, nkey);
	struct mc_item **pp = hash_slot(st, key, nkey, hash);
	struct mc_item *it = *pp;

	if (it == NULL)
		return NULL;
	if (item_dead(st, it)) {
		if (count_get) {
			if (it->it_cas < st->st_flush_cas)
				st->st_statp->get_flushed++;
			else
				st->st_statp->get_expired++;
		}
		st->st_statp->reclaimed++;
		item_unlink_at(st, pp);
		return NULL;
	}
	return it;
}

struct mc_item *
mc_store_get(struct mc_store *st, const char *key, size_t nkey)
{
	struct mc_item *it = find_live(st, key, nkey, true);

	if (it != NULL && it != st->st_head) {
		lru_unlink(st, it);
		lru_push_head(st, it);
	}
	return it;
}

/* ---- allocation --------------------------------------------------------------------------- */

/* Free LRU-tail items until total more bytes fit; never pin. false if they cannot fit. */
static bool
make_room(struct mc_store *st, size_t total, const struct mc_item *pin)
{
	while (st->st_mem + total > st->st_conf.mem_limit) {
		struct mc_item *victim = st->st_tail;

		if (victim == NULL || victim == pin)
			return false;
		if (item_dead(st, victim))
			st->st_statp->reclaimed++;
		else
			st->st_statp->evictions++;
		item_unlink(st, victim);
	}
	return true;
}

static int
item_alloc(struct mc_store *st, const char *key, size_t nkey, uint32_t flags, int64_t exptime,
	   size_t nbytes, const struct mc_item *pin, struct mc_item **itp)
{
	size_t total = mc_item_total(nkey, nbytes);
	struct mc_item *it;

	if (nkey == 0 || nkey > MC_KEY_MAX)
		return -EINVAL;
	if (total > st->st_conf.max_item)
		return -E2BIG;
	if (!make_room(st, total, pin))
		return -ENOMEM;
	it = malloc(total);
	if (it == NULL)
		return -ENOMEM;
	memset(it, 0, sizeof(*it));
	it->it_hash = mc_hash(key, nkey);
	it->it_flags = flags;
	it->it_exptime = exptime;
	it->it_nbytes = (uint32_t)nbytes;
	it->it_nkey = (uint8_t)nkey;
	memcpy(it->it_data, key, nkey);
	memcpy(it->it_data + nkey + nbytes, "\r\n", 2);
	st->st_mem += total;
	*itp = it;
	return 0;
}

int
mc_store_alloc(struct mc_store *st, const char *key, size_t nkey, uint32_t flags,
	       int64_t exptime, size_t nbytes, struct mc_item **itp)
{
	return item_alloc(st, key, nkey, flags, exptime, nbytes, NULL, itp);
}

void
mc_store_release(struct mc_store *st, struct mc_item *it)
{
	st->st_mem -= mc_item_total(it->it_nkey, it->it_nbytes);
	free(it);
}

/* ---- commands ----------------------------------------------------------------------------- */

/* Put it in place of old (may be NULL), the freshly allocated replacement. */
static void
replace_with(struct mc_store *st, struct mc_item *old, struct mc_item *it)
{
	if (old != NULL)
		item_unlink(st, old);
	item_link(st, it);
}

/* append/prepend: a new item joining old's value and it's. */
static enum mc_store_result
join(struct mc_store *st, struct mc_item *old, struct mc_item *it, bool append)
{
	struct mc_item *j;
	int rc;

	rc = item_alloc(st, old->it_data, old->it_nkey, old->it_flags, old->it_exptime,
			(size_t)old->it_nbytes + it->it_nbytes, old, &j);
	if (rc < 0) {
		mc_store_release(st, it);
		return rc == -E2BIG ? MC_TOO_LARGE : MC_NO_MEMORY;
	}
	if (append) {
		memcpy(mc_item_value(j), mc_item_value(old), old->it_nbytes);
		memcpy(mc_item_value(j) + old->it_nbytes, mc_item_value(it), it->it_nbytes);
	} else {
		memcpy(mc_item_value(j), mc_item_value(it), it->it_nbytes);
		memcpy(mc_item_value(j) + it->it_nbytes, mc_item_value(old), old->it_nbytes);
	}
	mc_store_release(st, it);
	replace_with(st, old, j);
	return MC_STORED;
}

enum mc_store_result
mc_store_store(struct mc_store *st, struct mc_item *it, enum mc_store_mode mode, uint64_t cas)
{
	struct mc_item *old = find_live(st, it->it_data, it->it_nkey, false);

	switch (mode) {
	case MC_SET:
		break;
	case MC_ADD:
		if (old != NULL) {
			/* memcached bumps the present item as if it had been read */
			lru_unlink(st, old);
			lru_push_head(st, old);
			mc_store_release(st, it);
			return MC_NOT_STORED;
		}
		break;
	case MC_REPLACE:
		if (old == NULL) {
			mc_store_release(st, it);
			return MC_NOT_STORED;
		}
		break;
	case MC_APPEND:
	case MC_PREPEND:
		if (old == NULL) {
			mc_store_release(st, it);
			return MC_NOT_STORED;
		}
		return join(st, old, it, mode == MC_APPEND);
	case MC_CAS:
		if (old == NULL) {
			st->st_statp->cas_misses++;
			mc_store_release(st, it);
			return MC_NOT_FOUND;
		}
		if (old->it_cas != cas) {
			st->st_statp->cas_badval++;
			mc_store_release(st, it);
			return MC_EXISTS;
		}
		st->st_statp->cas_hits++;
		break;
	}
	replace_with(st, old, it);
	return MC_STORED;
}

int
mc_store_delete(struct mc_store *st, const char *key, size_t nkey)
{
	struct mc_item *it = find_live(st, key, nkey, false);

	if (it == NULL) {
		st->st_statp->delete_misses++;
		return -ENOENT;
	}
	st->st_statp->delete_hits++;
	item_unlink(st, it);
	return 0;
}

/*
 * The value as a number: decimal digits, then optionally spaces (memcached pads a value that
 * a decr shortened in place with spaces, and accepts them back). false if not a number below
 * 2^64.
 */
static bool
parse_value(const char *p, size_t n, uint64_t *v)
{
	size_t i = 0;
	uint64_t x = 0;

	if (n == 0 || p[0] < '0' || p[0] > '9')
		return false;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		unsigned d = (unsigned)(p[i] - '0');

		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	for (; i < n; i++)
		if (p[i] != ' ')
			return false;
	*v = x;
	return true;
}

int
mc_store_incr(struct mc_store *st, const char *key, size_t nkey, bool incr, uint64_t delta,
	      uint64_t *result)
{
	struct mc_item *it = find_live(st, key, nkey, false);
	struct mc_item *nit;
	char num[24];
	uint64_t v;
	size_t n;
	int rc;

	if (it == NULL) {
		if (incr)
			st->st_statp->incr_misses++;
		else
			st->st_statp->decr_misses++;
		return -ENOENT;
	}
	if (!parse_value(mc_item_value(it), it->it_nbytes, &v))
		return -EINVAL;
	if (incr) {
		st->st_statp->incr_hits++;
		v += delta;  /* wraps at 2^64 (protocol.txt: "64-bit unsigned integer") */
	} else {
		st->st_statp->decr_hits++;
		v = delta > v ? 0 : v - delta;
	}
	*result = v;
	n = (size_t)snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	if (n == it->it_nbytes) {
		/* same length: in place, a new cas, most recently used */
		memcpy(mc_item_value(it), num, n);
		it->it_cas = st->st_next_cas++;
		lru_unlink(st, it);
		lru_push_head(st, it);
		return 0;
	}
	rc = item_alloc(st, key, nkey, it->it_flags, it->it_exptime, n, it, &nit);
	if (rc < 0)
		return -ENOMEM;
	memcpy(mc_item_value(nit), num, n);
	replace_with(st, it, nit);
	return 0;
}

int
mc_store_touch(struct mc_store *st, const char *key, size_t nkey, int64_t exptime)
{
	struct mc_item *it = find_live(st, key, nkey, false);

	st->st_statp->cmd_touch++;
	if (it == NULL) {
		st->st_statp->touch_misses++;
		return -ENOENT;
	}
	st->st_statp->touch_hits++;
	it->it_exptime = exptime;
	lru_unlink(st, it);
	lru_push_head(st, it);
	return 0;
}

void
mc_store_flush(struct mc_store *st, int64_t when)
{
	st->st_statp->cmd_flush++;
	if (when <= st->st_now) {
		st->st_flush_cas = st->st_next_cas;
		st->st_flush_when = 0;
	} else {
		st->st_flush_when = when;
	}
}

uint64_t
mc_store_items(const struct mc_store *st)
{
	return st->st_items;
}

uint64_t
mc_store_bytes(const struct mc_store *st)
{
	return st->st_bytes;
}

uint64_t
mc_store_mem_used(const struct mc_store *st)
{
	return st->st_mem;
}

const struct mc_store_conf *
mc_store_conf(const struct mc_store *st)
{
	return &st->st_conf;
}

struct mc_stats *
mc_store_stats(struct mc_store *st)
{
	return st->st_statp;
}
