/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The memcached service's item table (app/memcache/mc_store.c): storage modes, cas, LRU
 * eviction under the byte limit, lazy expiry, flush_all, incr/decr, hash growth. No EAL.
 * Every test ends by checking that no pending (unlinked) item was left allocated: the bytes
 * the table counts are exactly its linked items'.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "app/memcache/mc_store.h"

#define T0 1700000000  /* a unix time to start the clock at */

static struct mc_store *st;

static void
setup_limit(uint64_t limit, uint32_t max_item)
{
	struct mc_store_conf c = { .mem_limit = limit, .max_item = max_item };

	st = mc_store_create(&c);
	cr_assert_not_null(st);
	mc_store_set_time(st, T0);
}

static void
setup(void)
{
	setup_limit(64u << 20, 1u << 20);
}

static void
teardown(void)
{
	if (st == NULL)
		return;
	cr_expect_eq(mc_store_mem_used(st), mc_store_bytes(st),
		     "a pending item leaked: %llu bytes allocated, %llu linked",
		     (unsigned long long)mc_store_mem_used(st),
		     (unsigned long long)mc_store_bytes(st));
	mc_store_destroy(st);
	st = NULL;
}

TestSuite(mc_store, .init = setup, .fini = teardown);

/* Store value under key with mode; returns the result. */
static enum mc_store_result
put(const char *key, const char *value, enum mc_store_mode mode, uint64_t cas, int64_t exptime)
{
	struct mc_item *it;
	size_t n = strlen(value);
	int rc = mc_store_alloc(st, key, strlen(key), 7, exptime, n, &it);

	cr_assert_eq(rc, 0, "alloc %s: %d", key, rc);
	memcpy(mc_item_value(it), value, n);
	return mc_store_store(st, it, mode, cas);
}

/* The value of key, or NULL. */
static const char *
val(const char *key)
{
	static char buf[4096];
	struct mc_item *it = mc_store_get(st, key, strlen(key));

	if (it == NULL)
		return NULL;
	cr_assert_lt(it->it_nbytes, sizeof(buf));
	memcpy(buf, mc_item_value(it), it->it_nbytes);
	buf[it->it_nbytes] = '\0';
	cr_assert_eq(memcmp(mc_item_value(it) + it->it_nbytes, "\r\n", 2), 0);
	return buf;
}

Test(mc_store, set_replaces_and_get_finds)
{
	cr_assert_eq(put("a", "one", MC_SET, 0, 0), MC_STORED);
	cr_assert_str_eq(val("a"), "one");
	cr_assert_eq(put("a", "two", MC_SET, 0, 0), MC_STORED);
	cr_assert_str_eq(val("a"), "two");
	cr_assert_eq(mc_store_items(st), 1);
	cr_assert_eq(mc_store_bytes(st), mc_item_total(1, 3));
	cr_assert_null(val("b"));
	cr_assert_eq(mc_store_stats(st)->total_items, 2);
}

Test(mc_store, add_only_when_missing_replace_only_when_present)
{
	cr_assert_eq(put("k", "x", MC_REPLACE, 0, 0), MC_NOT_STORED);
	cr_assert_null(val("k"));
	cr_assert_eq(put("k", "x", MC_ADD, 0, 0), MC_STORED);
	cr_assert_eq(put("k", "y", MC_ADD, 0, 0), MC_NOT_STORED);
	cr_assert_str_eq(val("k"), "x");
	cr_assert_eq(put("k", "z", MC_REPLACE, 0, 0), MC_STORED);
	cr_assert_str_eq(val("k"), "z");
}

Test(mc_store, append_prepend_keep_flags_and_exptime)
{
	struct mc_item *it;

	cr_assert_eq(put("k", "mid", MC_APPEND, 0, 0), MC_NOT_STORED);
	cr_assert_eq(put("k", "mid", MC_PREPEND, 0, 0), MC_NOT_STORED);
	cr_assert_eq(mc_store_alloc(st, "k", 1, 42, T0 + 100, 3, &it), 0);
	memcpy(mc_item_value(it), "mid", 3);
	cr_assert_eq(mc_store_store(st, it, MC_SET, 0), MC_STORED);
	cr_assert_eq(put("k", "_end", MC_APPEND, 0, 0), MC_STORED);
	cr_assert_eq(put("k", "start_", MC_PREPEND, 0, 0), MC_STORED);
	cr_assert_str_eq(val("k"), "start_mid_end");
	it = mc_store_get(st, "k", 1);
	cr_assert_eq(it->it_flags, 42);
	cr_assert_eq(it->it_exptime, T0 + 100);
}

Test(mc_store, cas_stores_only_the_unchanged_item)
{
	uint64_t c1, c2;

	cr_assert_eq(put("k", "v", MC_CAS, 1, 0), MC_NOT_FOUND);
	cr_assert_eq(mc_store_stats(st)->cas_misses, 1);
	put("k", "v1", MC_SET, 0, 0);
	c1 = mc_store_get(st, "k", 1)->it_cas;
	cr_assert_eq(put("k", "v2", MC_CAS, c1, 0), MC_STORED);
	c2 = mc_store_get(st, "k", 1)->it_cas;
	cr_assert_neq(c1, c2);
	cr_assert_eq(put("k", "v3", MC_CAS, c1, 0), MC_EXISTS);
	cr_assert_str_eq(val("k"), "v2");
	cr_assert_eq(mc_store_stats(st)->cas_hits, 1);
	cr_assert_eq(mc_store_stats(st)->cas_badval, 1);
}

Test(mc_store, cas_uniques_grow_and_touch_keeps_them)
{
	uint64_t a, b;

	put("a", "1", MC_SET, 0, 0);
	put("b", "1", MC_SET, 0, 0);
	a = mc_store_get(st, "a", 1)->it_cas;
	b = mc_store_get(st, "b", 1)->it_cas;
	cr_assert_gt(b, a);
	cr_assert_eq(mc_store_touch(st, "a", 1, 0), 0);
	cr_assert_eq(mc_store_get(st, "a", 1)->it_cas, a);
	cr_assert_eq(mc_store_touch(st, "zz", 2, 0), -ENOENT);
}

Test(mc_store, delete)
{
	put("k", "v", MC_SET, 0, 0);
	cr_assert_eq(mc_store_delete(st, "k", 1), 0);
	cr_assert_eq(mc_store_delete(st, "k", 1), -ENOENT);
	cr_assert_null(val("k"));
	cr_assert_eq(mc_store_items(st), 0);
	cr_assert_eq(mc_store_bytes(st), 0);
	cr_assert_eq(mc_store_stats(st)->delete_hits, 1);
	cr_assert_eq(mc_store_stats(st)->delete_misses, 1);
}

Test(mc_store, exptime_forms)
{
	cr_assert_eq(mc_store_exptime(st, 0), 0);
	cr_assert_eq(mc_store_exptime(st, 10), T0 + 10);
	cr_assert_eq(mc_store_exptime(st, MC_REALTIME_MAXDELTA), T0 + MC_REALTIME_MAXDELTA);
	cr_assert_eq(mc_store_exptime(st, MC_REALTIME_MAXDELTA + 1), MC_REALTIME_MAXDELTA + 1);
	cr_assert_eq(mc_store_exptime(st, T0 + 5), T0 + 5);
	cr_assert_leq(mc_store_exptime(st, -1), T0);
}

Test(mc_store, items_expire_lazily)
{
	put("rel", "v", MC_SET, 0, mc_store_exptime(st, 2));
	put("abs", "v", MC_SET, 0, mc_store_exptime(st, T0 + 3));
	put("neg", "v", MC_SET, 0, mc_store_exptime(st, -1));
	put("never", "v", MC_SET, 0, 0);
	cr_assert_null(val("neg"));
	cr_assert_not_null(val("rel"));
	mc_store_set_time(st, T0 + 2);
	cr_assert_null(val("rel"));
	cr_assert_not_null(val("abs"));
	/* still counted until found */
	cr_assert_eq(mc_store_items(st), 2);
	mc_store_set_time(st, T0 + 3);
	cr_assert_null(val("abs"));
	cr_assert_str_eq(val("never"), "v");
	cr_assert_eq(mc_store_items(st), 1);
	cr_assert_eq(mc_store_stats(st)->get_expired, 3);
	cr_assert_eq(mc_store_stats(st)->reclaimed, 3);
	/* an expired item is missing for add, replace, incr, touch and delete too */
	put("e", "5", MC_SET, 0, T0 + 4);
	mc_store_set_time(st, T0 + 4);
	cr_assert_eq(mc_store_touch(st, "e", 1, 0), -ENOENT);
	put("e", "5", MC_SET, 0, T0 + 4);
	cr_assert_eq(put("e", "x", MC_REPLACE, 0, 0), MC_NOT_STORED);
	put("e", "5", MC_SET, 0, T0 + 4);
	cr_assert_eq(put("e", "x", MC_ADD, 0, 0), MC_STORED);
}

Test(mc_store, flush_now_and_delayed)
{
	put("a", "1", MC_SET, 0, 0);
	mc_store_flush(st, 0);
	cr_assert_null(val("a"));
	cr_assert_eq(mc_store_stats(st)->get_flushed, 1);
	put("b", "1", MC_SET, 0, 0);
	cr_assert_not_null(val("b"));
	mc_store_flush(st, T0 + 5);
	cr_assert_not_null(val("b"));
	mc_store_set_time(st, T0 + 4);
	cr_assert_not_null(val("b"));
	mc_store_set_time(st, T0 + 5);
	cr_assert_null(val("b"));
	put("c", "1", MC_SET, 0, 0);
	mc_store_set_time(st, T0 + 6);
	cr_assert_not_null(val("c"));
}

Test(mc_store, incr_wraps_decr_floors_at_zero)
{
	uint64_t v;

	cr_assert_eq(mc_store_incr(st, "n", 1, true, 1, &v), -ENOENT);
	put("n", "18446744073709551615", MC_SET, 0, 0);
	cr_assert_eq(mc_store_incr(st, "n", 1, true, 2, &v), 0);
	cr_assert_eq(v, 1);
	cr_assert_str_eq(val("n"), "1");
	cr_assert_eq(mc_store_incr(st, "n", 1, false, 5, &v), 0);
	cr_assert_eq(v, 0);
	put("n", "10", MC_SET, 0, 0);
	cr_assert_eq(mc_store_incr(st, "n", 1, false, 1, &v), 0);
	cr_assert_str_eq(val("n"), "9");
	cr_assert_eq(mc_store_incr(st, "n", 1, true, 91, &v), 0);
	cr_assert_str_eq(val("n"), "100");
	/* same length: in place, but a new cas */
	uint64_t c = mc_store_get(st, "n", 1)->it_cas;

	cr_assert_eq(mc_store_incr(st, "n", 1, true, 1, &v), 0);
	cr_assert_str_eq(val("n"), "101");
	cr_assert_gt(mc_store_get(st, "n", 1)->it_cas, c);
	/* padded with spaces (a memcached in-place decr) still counts as a number */
	put("p", "9  ", MC_SET, 0, 0);
	cr_assert_eq(mc_store_incr(st, "p", 1, true, 1, &v), 0);
	cr_assert_eq(v, 10);
}

Test(mc_store, incr_refuses_non_numbers)
{
	uint64_t v;

	put("a", "abc", MC_SET, 0, 0);
	put("b", "", MC_SET, 0, 0);
	put("c", "18446744073709551616", MC_SET, 0, 0);
	put("d", " 1", MC_SET, 0, 0);
	put("e", "1x", MC_SET, 0, 0);
	cr_assert_eq(mc_store_incr(st, "a", 1, true, 1, &v), -EINVAL);
	cr_assert_eq(mc_store_incr(st, "b", 1, true, 1, &v), -EINVAL);
	cr_assert_eq(mc_store_incr(st, "c", 1, true, 1, &v), -EINVAL);
	cr_assert_eq(mc_store_incr(st, "d", 1, false, 1, &v), -EINVAL);
	cr_assert_eq(mc_store_incr(st, "e", 1, false, 1, &v), -EINVAL);
	cr_assert_str_eq(val("a"), "abc");
}

Test(mc_store, too_large_and_bad_keys_are_refused)
{
	struct mc_item *it;
	char key[MC_KEY_MAX + 1];

	cr_assert_eq(mc_store_alloc(st, "k", 1, 0, 0, 1u << 20, &it), -E2BIG);
	cr_assert_eq(mc_store_alloc(st, "k", 1, 0, 0, (1u << 20) - mc_item_total(1, 0), &it), 0);
	mc_store_release(st, it);
	memset(key, 'k', sizeof(key));
	cr_assert_eq(mc_store_alloc(st, key, MC_KEY_MAX + 1, 0, 0, 1, &it), -EINVAL);
	cr_assert_eq(mc_store_alloc(st, key, MC_KEY_MAX, 0, 0, 1, &it), 0);
	mc_store_release(st, it);
	cr_assert_eq(mc_store_mem_used(st), 0);
}

Test(mc_store, lru_evicts_the_least_recently_used_within_the_limit)
{
	char key[16];
	const size_t one = mc_item_total(3, 100);
	char value[101];

	mc_store_destroy(st);
	setup_limit(10 * one, 1u << 20);
	memset(value, 'v', 100);
	value[100] = '\0';
	for (int i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		put(key, value, MC_SET, 0, 0);
	}
	cr_assert_eq(mc_store_items(st), 10);
	cr_assert_eq(mc_store_stats(st)->evictions, 0);
	/* k00 used again: k01 is now the least recently used */
	cr_assert_not_null(val("k00"));
	put("k10", value, MC_SET, 0, 0);
	cr_assert_eq(mc_store_stats(st)->evictions, 1);
	cr_assert_null(val("k01"));
	cr_assert_not_null(val("k00"));
	cr_assert_not_null(val("k10"));
	cr_assert_leq(mc_store_mem_used(st), 10 * one);
	/* many more: the table never passes its limit */
	for (int i = 11; i < 60; i++) {
		snprintf(key, sizeof(key), "k%02d", i);
		put(key, value, MC_SET, 0, 0);
		cr_assert_leq(mc_store_mem_used(st), 10 * one);
	}
	cr_assert_eq(mc_store_items(st), 10);
	cr_assert_eq(mc_store_stats(st)->evictions, 50);
	cr_assert_not_null(val("k59"));
}

Test(mc_store, expired_items_are_reclaimed_before_live_ones_counted_as_evictions)
{
	const size_t one = mc_item_total(1, 10);

	mc_store_destroy(st);
	setup_limit(2 * one, 1u << 20);
	put("a", "0123456789", MC_SET, 0, T0 + 1);
	put("b", "0123456789", MC_SET, 0, 0);
	mc_store_set_time(st, T0 + 1);
	put("c", "0123456789", MC_SET, 0, 0);
	cr_assert_eq(mc_store_stats(st)->reclaimed, 1);
	cr_assert_eq(mc_store_stats(st)->evictions, 0);
	cr_assert_not_null(val("b"));
}

Test(mc_store, append_when_full_never_evicts_the_item_it_extends)
{
	const size_t one = mc_item_total(1, 10);

	mc_store_destroy(st);
	setup_limit(one + mc_item_total(1, 1) + 8, 1u << 20);
	put("a", "0123456789", MC_SET, 0, 0);
	/* the joined item needs room the old one holds: refused, old kept */
	cr_assert_eq(put("a", "x", MC_APPEND, 0, 0), MC_NO_MEMORY);
	cr_assert_str_eq(val("a"), "0123456789");
}

Test(mc_store, alloc_fails_when_the_limit_cannot_be_met)
{
	struct mc_item *it;

	mc_store_destroy(st);
	setup_limit(1000, 1u << 20);
	cr_assert_eq(mc_store_alloc(st, "k", 1, 0, 0, 2000, &it), -ENOMEM);
}

Test(mc_store, many_items_grow_the_hash)
{
	char key[32], v[32];

	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "key:%d", i);
		snprintf(v, sizeof(v), "%d", i * 3);
		cr_assert_eq(put(key, v, MC_SET, 0, 0), MC_STORED);
	}
	cr_assert_eq(mc_store_items(st), 20000);
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "key:%d", i);
		snprintf(v, sizeof(v), "%d", i * 3);
		cr_assert_str_eq(val(key), v);
	}
}

Test(mc_store, counter_names_come_from_the_def_file)
{
	const char *name, *help;

	mc_stats_name(0, &name, &help);
	cr_assert_str_eq(name, "commands");
	mc_stats_name(MC_STATS_COUNT - 1, &name, &help);
	cr_assert_not_null(name);
	cr_assert_not_null(help);
	mc_stats_name(MC_STATS_COUNT, &name, &help);
	cr_assert_null(name);
}
