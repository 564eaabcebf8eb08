/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The memcached service's item table: one per lcore, touched only by that lcore (no locks).
 *
 * An item is one allocation holding its header, its key and its value followed by "\r\n" (so
 * a get answer is the value as stored). Items live in a chained hash table (doubled when the
 * load passes 1.5) and on one LRU list, most recently used at the head. The table counts the
 * bytes its items take (header + key + value + 2) against a limit; an allocation that would
 * pass it first frees items from the LRU tail (expired or flushed ones count as "reclaimed",
 * live ones as "evictions"). Expiry is lazy: an expired item is freed when a lookup finds it
 * or when it reaches the LRU tail.
 *
 * Times are unix seconds, set by the caller with mc_store_set_time() (the service does once
 * per poll, tests step it by hand). An item's exptime is absolute (0: never); the protocol
 * turns the wire's relative-or-absolute form into that with mc_store_exptime().
 */
#ifndef YARD_APP_MC_STORE_H
#define YARD_APP_MC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Longest key (memcached's KEY_MAX_LENGTH). */
#define MC_KEY_MAX 250
/** Wire exptimes above this many seconds (30 days) are absolute unix times. */
#define MC_REALTIME_MAXDELTA (60 * 60 * 24 * 30)

/** One stored item; the key, then the value and "\r\n", follow the header. */
struct mc_item {
	struct mc_item *it_hnext;            /**< hash chain */
	struct mc_item *it_prev, *it_next;   /**< LRU list (head: most recent) */
	uint64_t it_cas;                     /**< cas unique, set when linked */
	int64_t it_exptime;                  /**< absolute unix time, 0: never */
	int64_t it_time;                     /**< when it was linked */
	uint32_t it_hash;
	uint32_t it_flags;                   /**< the client's opaque 32 bits */
	uint32_t it_nbytes;                  /**< value length, without the "\r\n" */
	uint8_t it_nkey;
	bool it_linked;                      /**< in the hash table and the LRU */
	char it_data[];                      /**< key, value, "\r\n" */
};

static inline const char *
mc_item_key(const struct mc_item *it)
{
	return it->it_data;
}

/** The value; it_nbytes bytes followed by "\r\n". */
static inline char *
mc_item_value(struct mc_item *it)
{
	return it->it_data + it->it_nkey;
}

/** Bytes one item with these lengths counts against the limit. */
static inline size_t
mc_item_total(size_t nkey, size_t nbytes)
{
	return sizeof(struct mc_item) + nkey + nbytes + 2;
}

/** The counters (mc_stats.def), per table. */
struct mc_stats {
#define MC_STAT(f, help) uint64_t f;
#include "app/memcache/mc_stats.def"
#undef MC_STAT
};

/** Number of counters in struct mc_stats. */
#define MC_STATS_COUNT (sizeof(struct mc_stats) / sizeof(uint64_t))

/** Name and help of counter i (< MC_STATS_COUNT), for telemetry and docs. */
void mc_stats_name(unsigned i, const char **name, const char **help);

/** Limits of one table. */
struct mc_store_conf {
	uint64_t mem_limit;   /**< bytes all items may take (header + key + value + 2) */
	uint32_t max_item;    /**< largest item in bytes, the same count; 1 MiB by default */
	struct mc_stats *stats; /**< where to count (memory that outlives the table, for
				 *   readers on other threads), or NULL: inside the table */
};

struct mc_store;

/** A table, or NULL (ENOMEM). Allocates from the C heap: call at start, not per request. */
struct mc_store *mc_store_create(const struct mc_store_conf *conf);
/** Free the table and every item; a pending (unlinked) item must be released first. */
void mc_store_destroy(struct mc_store *st);

/** Set the table's clock (unix seconds); applies a flush_all whose delay has run out. */
void mc_store_set_time(struct mc_store *st, int64_t now);
/** The table's clock. */
int64_t mc_store_now(const struct mc_store *st);

/**
 * The absolute expiry time for a wire exptime (protocol.txt "Expiration times"): 0 never;
 * negative already expired; up to 30 days relative to now; more an absolute unix time.
 */
int64_t mc_store_exptime(const struct mc_store *st, int64_t wire);

/** The live item for key, moved to the LRU head, or NULL (expired ones are freed here). */
struct mc_item *mc_store_get(struct mc_store *st, const char *key, size_t nkey);

/**
 * A new, unlinked item for key with room for nbytes of value (its "\r\n" is written here).
 * Frees LRU-tail items when needed. Returns 0, -E2BIG if the item is over max_item, or
 * -ENOMEM if the limit cannot be met (or the heap is out). The caller fills the value and
 * passes it to mc_store_store() or mc_store_release().
 */
int mc_store_alloc(struct mc_store *st, const char *key, size_t nkey, uint32_t flags,
		   int64_t exptime, size_t nbytes, struct mc_item **itp);
/** Free an unlinked item from mc_store_alloc(). */
void mc_store_release(struct mc_store *st, struct mc_item *it);

/** The storage commands. */
enum mc_store_mode {
	MC_SET, MC_ADD, MC_REPLACE, MC_APPEND, MC_PREPEND, MC_CAS,
};

/** What a storage command answers. */
enum mc_store_result {
	MC_STORED,       /**< "STORED" */
	MC_NOT_STORED,   /**< "NOT_STORED": add of a present key, replace/append/prepend of a
			  *   missing one */
	MC_EXISTS,       /**< "EXISTS": cas of an item changed since the client's gets */
	MC_NOT_FOUND,    /**< "NOT_FOUND": cas of a missing key */
	MC_NO_MEMORY,    /**< append/prepend could not allocate the joined item */
	MC_TOO_LARGE,    /**< append/prepend would pass max_item */
};

/**
 * Store item (from mc_store_alloc, value filled) as mode says; cas is the client's unique
 * for MC_CAS. Always takes the item: links it, or frees it. Append and prepend keep the old
 * item's flags and exptime.
 */
enum mc_store_result mc_store_store(struct mc_store *st, struct mc_item *it,
				    enum mc_store_mode mode, uint64_t cas);

/** Unlink and free key's item: 0, or -ENOENT. */
int mc_store_delete(struct mc_store *st, const char *key, size_t nkey);

/**
 * incr (wraps at 2^64) or decr (stops at 0) key's decimal value by delta; *result is the new
 * value. 0, -ENOENT, -EINVAL (the value is not a decimal number below 2^64) or -ENOMEM.
 */
int mc_store_incr(struct mc_store *st, const char *key, size_t nkey, bool incr,
		  uint64_t delta, uint64_t *result);

/** Set key's exptime (absolute): 0 or -ENOENT. */
int mc_store_touch(struct mc_store *st, const char *key, size_t nkey, int64_t exptime);

/**
 * flush_all: invalidate every item now (when <= now) or at unix time when; items stored
 * after that moment are kept.
 */
void mc_store_flush(struct mc_store *st, int64_t when);

/** Items linked now. */
uint64_t mc_store_items(const struct mc_store *st);
/** Bytes the linked items take. */
uint64_t mc_store_bytes(const struct mc_store *st);
/** Bytes all allocated items take (linked and pending), the figure the limit bounds. */
uint64_t mc_store_mem_used(const struct mc_store *st);
/** The table's configuration. */
const struct mc_store_conf *mc_store_conf(const struct mc_store *st);
/** The table's counters (the protocol counts into them too). */
struct mc_stats *mc_store_stats(struct mc_store *st);

#endif
