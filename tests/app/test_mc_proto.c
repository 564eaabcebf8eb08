/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The memcached text protocol (app/memcache/mc_proto.c) on a table of its own: every
 * command, noreply, the error strings, input split at every byte, pipelining, backlog pacing.
 * A small driver plays the service: it keeps the unconsumed input and feeds it again with the
 * next bytes. Every test ends by closing the session and checking that no half-received item
 * is left allocated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "app/memcache/mc_proto.h"

#define T0 1700000000

struct drv {
	struct mc_store *st;
	struct mc_server_info info;
	struct mc_session s;
	struct mc_obuf out;
	char in[1 << 17];
	size_t inlen;
	char text[1 << 17];
};

static struct drv *d;

static struct drv *
drv_new(uint64_t limit, uint32_t max_item)
{
	struct mc_store_conf c = { .mem_limit = limit, .max_item = max_item };
	struct drv *n = calloc(1, sizeof(*n));

	cr_assert_not_null(n);
	n->st = mc_store_create(&c);
	cr_assert_not_null(n->st);
	mc_store_set_time(n->st, T0);
	n->info = (struct mc_server_info){ .sv_started = T0 - 10, .sv_pid = 4242, .sv_threads = 1,
					   .sv_curr_connections = 1, .sv_total_connections = 3,
					   .sv_max_connections = 768 };
	mc_session_init(&n->s, n->st, &n->info);
	return n;
}

static void
drv_free(struct drv *n)
{
	mc_session_fini(&n->s);
	cr_expect_eq(mc_store_mem_used(n->st), mc_store_bytes(n->st), "a pending item leaked");
	mc_obuf_free(&n->out);
	mc_store_destroy(n->st);
	free(n);
}

static void
setup(void)
{
	d = drv_new(64u << 20, 1u << 20);
}

static void
teardown(void)
{
	if (d != NULL)
		drv_free(d);
	d = NULL;
}

TestSuite(mc_proto, .init = setup, .fini = teardown);

/* Feed n bytes, as a read would bring them, to drv x. */
static void
feed_to(struct drv *x, const char *p, size_t n)
{
	size_t c;

	cr_assert_leq(x->inlen + n, sizeof(x->in));
	memcpy(x->in + x->inlen, p, n);
	x->inlen += n;
	c = mc_proto_input(&x->s, x->in, x->inlen, &x->out, 0);
	cr_assert_leq(c, x->inlen);
	memmove(x->in, x->in + c, x->inlen - c);
	x->inlen -= c;
}

/* Take what x answered so far, as a string. */
static const char *
take(struct drv *x)
{
	size_t n = mc_obuf_pending(&x->out);

	cr_assert_lt(n, sizeof(x->text));
	if (n > 0) /* nothing answered: the buffer may not exist (memcpy from NULL is UB) */
		memcpy(x->text, x->out.ob_data + x->out.ob_off, n);
	x->text[n] = '\0';
	mc_obuf_sent(&x->out, n);
	return x->text;
}

/* Send a whole request to the suite's driver and return the answer. */
static const char *
rq(const char *req)
{
	feed_to(d, req, strlen(req));
	return take(d);
}

#define ASSERT_RQ(req, want) cr_assert_str_eq(rq(req), want, "request %s", req)

Test(mc_proto, set_then_get)
{
	ASSERT_RQ("set k 5 0 3\r\nabc\r\n", "STORED\r\n");
	ASSERT_RQ("get k\r\n", "VALUE k 5 3\r\nabc\r\nEND\r\n");
	ASSERT_RQ("get nope\r\n", "END\r\n");
	/* a bare "\n" ends lines too */
	ASSERT_RQ("get k\n", "VALUE k 5 3\r\nabc\r\nEND\r\n");
	/* binary-safe values, empty values, the biggest flags */
	feed_to(d, "set b 4294967295 0 4\r\n\r\n\0\n\r\n", 28);
	cr_assert_str_eq(take(d), "STORED\r\n");
	feed_to(d, "get b\r\n", 7);
	cr_assert_eq(mc_obuf_pending(&d->out), 33);
	cr_assert_eq(memcmp(d->out.ob_data + d->out.ob_off,
			    "VALUE b 4294967295 4\r\n\r\n\0\n\r\nEND\r\n", 33), 0);
	take(d);
	ASSERT_RQ("set e 0 0 0\r\n\r\n", "STORED\r\n");
	ASSERT_RQ("get e\r\n", "VALUE e 0 0\r\n\r\nEND\r\n");
}

Test(mc_proto, multiget_answers_the_present_keys_in_order)
{
	rq("set a 1 0 1\r\nA\r\nset c 3 0 1\r\nC\r\n");
	ASSERT_RQ("get a b c a\r\n",
		  "VALUE a 1 1\r\nA\r\nVALUE c 3 1\r\nC\r\nVALUE a 1 1\r\nA\r\nEND\r\n");
	ASSERT_RQ("get   a    c  \r\n", "VALUE a 1 1\r\nA\r\nVALUE c 3 1\r\nC\r\nEND\r\n");
	cr_assert_eq(mc_store_stats(d->st)->get_hits, 5);
	cr_assert_eq(mc_store_stats(d->st)->get_misses, 1);
}

Test(mc_proto, gets_and_cas)
{
	char req[128], want[64];
	unsigned long long cas;

	rq("set k 0 0 1\r\nx\r\n");
	cr_assert_eq(sscanf(rq("gets k\r\n"), "VALUE k 0 1 %llu\r\n", &cas), 1);
	snprintf(req, sizeof(req), "cas k 9 0 1 %llu\r\ny\r\n", cas);
	ASSERT_RQ(req, "STORED\r\n");
	ASSERT_RQ(req, "EXISTS\r\n");
	snprintf(want, sizeof(want), "VALUE k 9 1 %llu\r\ny\r\nEND\r\n", cas + 1);
	ASSERT_RQ("gets k\r\n", want);
	ASSERT_RQ("cas nope 0 0 1 1\r\nz\r\n", "NOT_FOUND\r\n");
	snprintf(req, sizeof(req), "cas k 0 0 1 %llu noreply\r\nz\r\n", cas + 1);
	ASSERT_RQ(req, "");
	ASSERT_RQ("get k\r\n", "VALUE k 0 1\r\nz\r\nEND\r\n");
	ASSERT_RQ("cas k 0 0 1\r\nz\r\n", "ERROR\r\nERROR\r\n");
	ASSERT_RQ("cas k 0 0 1 x1\r\n", "CLIENT_ERROR bad command line format\r\n");
}

Test(mc_proto, add_replace_append_prepend)
{
	ASSERT_RQ("add k 0 0 1\r\na\r\n", "STORED\r\n");
	ASSERT_RQ("add k 0 0 1\r\nb\r\n", "NOT_STORED\r\n");
	ASSERT_RQ("replace k 0 0 1\r\nc\r\n", "STORED\r\n");
	ASSERT_RQ("replace q 0 0 1\r\nc\r\n", "NOT_STORED\r\n");
	ASSERT_RQ("append k 0 0 2\r\nde\r\n", "STORED\r\n");
	ASSERT_RQ("prepend k 0 0 2\r\nab\r\n", "STORED\r\n");
	ASSERT_RQ("append q 0 0 2\r\nde\r\n", "NOT_STORED\r\n");
	ASSERT_RQ("prepend q 0 0 2\r\nde\r\n", "NOT_STORED\r\n");
	ASSERT_RQ("get k\r\n", "VALUE k 0 5\r\nabcde\r\nEND\r\n");
}

Test(mc_proto, delete)
{
	rq("set k 0 0 1\r\nx\r\nset j 0 0 1\r\nx\r\n");
	ASSERT_RQ("delete k\r\n", "DELETED\r\n");
	ASSERT_RQ("delete k\r\n", "NOT_FOUND\r\n");
	ASSERT_RQ("delete j 0\r\n", "DELETED\r\n");
	ASSERT_RQ("delete j 5\r\n",
		  "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n");
	ASSERT_RQ("delete\r\n", "ERROR\r\n");
}

Test(mc_proto, incr_decr)
{
	rq("set n 0 0 2\r\n10\r\nset s 0 0 3\r\nabc\r\n");
	ASSERT_RQ("incr n 5\r\n", "15\r\n");
	ASSERT_RQ("decr n 6\r\n", "9\r\n");
	ASSERT_RQ("get n\r\n", "VALUE n 0 1\r\n9\r\nEND\r\n");
	ASSERT_RQ("decr n 100\r\n", "0\r\n");
	ASSERT_RQ("incr n 18446744073709551615\r\n", "18446744073709551615\r\n");
	ASSERT_RQ("incr n 2\r\n", "1\r\n");
	ASSERT_RQ("incr nope 1\r\n", "NOT_FOUND\r\n");
	ASSERT_RQ("decr nope 1\r\n", "NOT_FOUND\r\n");
	ASSERT_RQ("incr s 1\r\n", "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
	ASSERT_RQ("incr n -1\r\n", "CLIENT_ERROR invalid numeric delta argument\r\n");
	ASSERT_RQ("incr n 18446744073709551616\r\n",
		  "CLIENT_ERROR invalid numeric delta argument\r\n");
	ASSERT_RQ("incr n\r\n", "ERROR\r\n");
	ASSERT_RQ("incr n 1 noreply\r\n", "");
	ASSERT_RQ("get n\r\n", "VALUE n 0 1\r\n2\r\nEND\r\n");
	cr_assert_eq(mc_store_stats(d->st)->err_non_numeric, 1);
	cr_assert_eq(mc_store_stats(d->st)->err_bad_delta, 2);
}

Test(mc_proto, touch_and_gat_set_the_expiry)
{
	rq("set k 0 0 1\r\nx\r\nset j 0 0 1\r\ny\r\n");
	ASSERT_RQ("touch k 5\r\n", "TOUCHED\r\n");
	ASSERT_RQ("touch nope 5\r\n", "NOT_FOUND\r\n");
	ASSERT_RQ("touch k\r\n", "ERROR\r\n");
	ASSERT_RQ("touch k x\r\n", "CLIENT_ERROR bad command line format\r\n");
	ASSERT_RQ("gat 3 j nope\r\n", "VALUE j 0 1\r\ny\r\nEND\r\n");
	cr_assert_eq(strncmp(rq("gats 3 j\r\n"), "VALUE j 0 1 ", 12), 0);
	mc_store_set_time(d->st, T0 + 3);
	ASSERT_RQ("get j\r\n", "END\r\n");
	ASSERT_RQ("get k\r\n", "VALUE k 0 1\r\nx\r\nEND\r\n");
	mc_store_set_time(d->st, T0 + 5);
	ASSERT_RQ("get k\r\n", "END\r\n");
}

Test(mc_proto, exptime_relative_absolute_negative)
{
	char req[64];

	ASSERT_RQ("set r 0 2 1\r\nx\r\n", "STORED\r\n");
	snprintf(req, sizeof(req), "set a 0 %d 1\r\nx\r\n", T0 + 4);
	ASSERT_RQ(req, "STORED\r\n");
	ASSERT_RQ("set n 0 -1 1\r\nx\r\n", "STORED\r\n");
	ASSERT_RQ("get n\r\n", "END\r\n");
	mc_store_set_time(d->st, T0 + 2);
	ASSERT_RQ("get r a\r\n", "VALUE a 0 1\r\nx\r\nEND\r\n");
	mc_store_set_time(d->st, T0 + 4);
	ASSERT_RQ("get a\r\n", "END\r\n");
}

Test(mc_proto, flush_all)
{
	rq("set k 0 0 1\r\nx\r\n");
	ASSERT_RQ("flush_all\r\n", "OK\r\n");
	ASSERT_RQ("get k\r\n", "END\r\n");
	rq("set k 0 0 1\r\nx\r\n");
	ASSERT_RQ("flush_all 2\r\n", "OK\r\n");
	ASSERT_RQ("get k\r\n", "VALUE k 0 1\r\nx\r\nEND\r\n");
	mc_store_set_time(d->st, T0 + 2);
	ASSERT_RQ("get k\r\n", "END\r\n");
	ASSERT_RQ("flush_all 0 noreply\r\n", "");
	ASSERT_RQ("flush_all noreply\r\n", "");
	ASSERT_RQ("flush_all x\r\n", "CLIENT_ERROR bad command line format\r\n");
	ASSERT_RQ("flush_all 1 2 3\r\n", "ERROR\r\n");
	cr_assert_eq(mc_store_stats(d->st)->cmd_flush, 4);
}

Test(mc_proto, version_verbosity_quit)
{
	ASSERT_RQ("version\r\n", "VERSION " MC_VERSION "\r\n");
	ASSERT_RQ("verbosity 1\r\n", "OK\r\n");
	cr_assert_eq(d->info.sv_verbosity, 1);
	ASSERT_RQ("verbosity 0 noreply\r\n", "");
	ASSERT_RQ("verbosity\r\n", "ERROR\r\n");
	ASSERT_RQ("verbosity foo bar my\r\n", "ERROR\r\n");
	ASSERT_RQ("verbosity noreply\r\n", "");
	ASSERT_RQ("version foo bar\r\n", "VERSION " MC_VERSION "\r\n");
	cr_assert_not(d->s.ms_close);
	/* quit: nothing after it is executed */
	ASSERT_RQ("quit\r\nversion\r\n", "");
	cr_assert(d->s.ms_close);
	cr_assert_not(d->s.ms_proto_error);
}

Test(mc_proto, stats_reports_what_clients_read)
{
	static const char *const fields[] = {
		"STAT pid 4242\r\n", "STAT uptime 10\r\n", "STAT time 1700000000\r\n",
		"STAT version " MC_VERSION "\r\n", "STAT curr_connections 1\r\n",
		"STAT total_connections 3\r\n", "STAT cmd_get 2\r\n", "STAT cmd_set 1\r\n",
		"STAT get_hits 1\r\n", "STAT get_misses 1\r\n", "STAT evictions 0\r\n",
		"STAT threads 1\r\n", "STAT curr_items 1\r\n", "STAT total_items 1\r\n",
		"STAT limit_maxbytes 67108864\r\n", "STAT rusage_user ",
	};
	const char *r;

	rq("set k 0 0 1\r\nx\r\nget k nope\r\n");
	r = rq("stats\r\n");
	for (unsigned i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		cr_assert_not_null(strstr(r, fields[i]), "no %s in %s", fields[i], r);
	cr_assert_not_null(strstr(r, "STAT bytes "));
	cr_assert_eq(strcmp(r + strlen(r) - 5, "END\r\n"), 0);
	r = rq("stats settings\r\n");
	cr_assert_not_null(strstr(r, "STAT item_size_max 1048576\r\n"));
	ASSERT_RQ("stats reset\r\n", "RESET\r\n");
	cr_assert_not_null(strstr(rq("stats\r\n"), "STAT cmd_get 0\r\n"));
	ASSERT_RQ("stats nonsense\r\n", "ERROR\r\n");
}

Test(mc_proto, noreply_silences_every_storage_answer)
{
	ASSERT_RQ("set k 0 0 1 noreply\r\na\r\n", "");
	ASSERT_RQ("add k 0 0 1 noreply\r\nb\r\n", "");
	ASSERT_RQ("add j 0 0 1 noreply\r\nb\r\n", "");
	ASSERT_RQ("replace k 0 0 1 noreply\r\nc\r\n", "");
	ASSERT_RQ("append k 0 0 1 noreply\r\nd\r\n", "");
	ASSERT_RQ("prepend k 0 0 1 noreply\r\ne\r\n", "");
	ASSERT_RQ("delete j noreply\r\n", "");
	ASSERT_RQ("delete j noreply\r\n", "");
	ASSERT_RQ("touch k 0 noreply\r\n", "");
	ASSERT_RQ("decr k 1 noreply\r\n", "");
	ASSERT_RQ("get k j\r\n", "VALUE k 0 3\r\necd\r\nEND\r\n");
	/* a noreply command's bad data chunk is silent too, and the next command answers */
	ASSERT_RQ("set k 0 0 1 noreply\r\nabc\r\nversion\r\n", "ERROR\r\nVERSION " MC_VERSION
		  "\r\n");
}

Test(mc_proto, unknown_and_malformed_commands)
{
	char req[600];

	ASSERT_RQ("bogus\r\n", "ERROR\r\n");
	ASSERT_RQ("\r\n", "ERROR\r\n");
	ASSERT_RQ("GET k\r\n", "ERROR\r\n");
	ASSERT_RQ("get\r\n", "ERROR\r\n");
	ASSERT_RQ("set k 0 0\r\n", "ERROR\r\n");
	ASSERT_RQ("set k 0 0 1 2 3\r\n", "ERROR\r\n");
	ASSERT_RQ("set k x 0 1\r\n", "CLIENT_ERROR bad command line format\r\n");
	ASSERT_RQ("set k 4294967296 0 1\r\n", "CLIENT_ERROR bad command line format\r\n");
	ASSERT_RQ("set k 0 x 1\r\n", "CLIENT_ERROR bad command line format\r\n");
	ASSERT_RQ("set k 0 0 -1\r\n", "CLIENT_ERROR bad command line format\r\n");
	/* the data of a refused line is read as commands, as memcached does */
	ASSERT_RQ("set k 0 0 x\r\nabc\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\n");
	memset(req, 'k', sizeof(req));
	memcpy(req, "get ", 4);
	memcpy(req + 4 + 251, "\r\n", 3);
	ASSERT_RQ(req, "CLIENT_ERROR bad command line format\r\n");
	memcpy(req + 4 + 250, "\r\n", 3);
	ASSERT_RQ(req, "END\r\n");
	memcpy(req, "set ", 4);
	memcpy(req + 4 + 251, " 0 0 1\r\nx\r\n", 12);
	ASSERT_RQ(req, "CLIENT_ERROR bad command line format\r\nERROR\r\n");
	ASSERT_RQ("set a\x01 0 0 1\r\nx\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\n");
	ASSERT_RQ("get a\x7f\r\n", "CLIENT_ERROR bad command line format\r\n");
	cr_assert_eq(mc_store_stats(d->st)->err_unknown_command, 9);
}

Test(mc_proto, a_bad_key_drops_the_values_of_its_line)
{
	rq("set a 0 0 1\r\nx\r\n");
	ASSERT_RQ("get a a\x01 a\r\n", "CLIENT_ERROR bad command line format\r\n");
	ASSERT_RQ("get a\r\nget \x02\r\n", "VALUE a 0 1\r\nx\r\nEND\r\n"
		  "CLIENT_ERROR bad command line format\r\n");
}

Test(mc_proto, bad_data_chunk)
{
	ASSERT_RQ("set k 0 0 1\r\nxy\r\n", "CLIENT_ERROR bad data chunk\r\nERROR\r\n");
	ASSERT_RQ("get k\r\n", "END\r\n");
	ASSERT_RQ("set k 0 0 2\r\nxy\n\n", "CLIENT_ERROR bad data chunk\r\n");
	cr_assert_eq(mc_store_stats(d->st)->err_bad_chunk, 2);
}

Test(mc_proto, too_large_is_refused_and_its_data_swallowed)
{
	char *req = malloc((1u << 20) + 64);
	int n;

	cr_assert_not_null(req);
	rq("set k 0 0 1\r\nx\r\n");
	n = snprintf(req, 64, "set k 0 0 %u\r\n", 1u << 20);
	memset(req + n, 'a', 1u << 20);
	memcpy(req + n + (1u << 20), "\r\nget k\r\n", 10);
	/* fed in pieces, as reads would bring it */
	for (size_t off = 0, len = strlen(req); off < len; off += 60000)
		feed_to(d, req + off, len - off < 60000 ? len - off : 60000);
	/* a failed set leaves no stale value behind (memcached does the same) */
	cr_assert_str_eq(take(d), "SERVER_ERROR object too large for cache\r\nEND\r\n");
	cr_assert_eq(mc_store_stats(d->st)->store_too_large, 1);
	free(req);
}

Test(mc_proto, out_of_memory_is_a_server_error_even_with_noreply)
{
	drv_free(d);
	d = drv_new(300, 1u << 20);
	ASSERT_RQ("set k 0 0 400 noreply\r\n", "SERVER_ERROR out of memory storing object\r\n");
	feed_to(d, "0123456789", 10);
	for (int i = 0; i < 39; i++)
		feed_to(d, "0123456789", 10);
	ASSERT_RQ("\r\nversion\r\n", "VERSION " MC_VERSION "\r\n");
	cr_assert_eq(mc_store_stats(d->st)->store_no_memory, 1);
}

Test(mc_proto, eviction_shows_in_stats)
{
	char req[64];

	drv_free(d);
	d = drv_new(10 * mc_item_total(4, 10), 1u << 20);
	for (int i = 0; i < 15; i++) {
		snprintf(req, sizeof(req), "set k%03d 0 0 10\r\n0123456789\r\n", i);
		ASSERT_RQ(req, "STORED\r\n");
	}
	cr_assert_not_null(strstr(rq("stats\r\n"), "STAT evictions 5\r\n"));
	ASSERT_RQ("get k000 k014\r\n", "VALUE k014 0 10\r\n0123456789\r\nEND\r\n");
}

Test(mc_proto, a_line_too_long_closes)
{
	char big[MC_LINE_MAX + 2];

	memset(big, 'x', sizeof(big));
	feed_to(d, big, sizeof(big));
	cr_assert_str_eq(take(d), "CLIENT_ERROR line too long\r\n");
	cr_assert(d->s.ms_close);
	cr_assert(d->s.ms_proto_error);
}

Test(mc_proto, a_long_multiget_line_is_waited_for)
{
	static char line[MC_GET_LINE_MAX];
	size_t n = 4;

	memcpy(line, "get ", 4);
	while (n + 12 < MC_GET_LINE_MAX - 100) {
		memcpy(line + n, "somekey_123 ", 12);
		n += 12;
	}
	feed_to(d, line, n);
	cr_assert_str_eq(take(d), "");
	cr_assert_not(d->s.ms_close);
	ASSERT_RQ("\r\n", "END\r\n");
}

/* A script of pipelined requests covering every command, and its answer. */
static const char script[] =
	"set a 1 0 3\r\nabc\r\n"
	"add a 0 0 1\r\nx\r\n"
	"add b 2 0 2\r\n10\r\n"
	"replace b 3 0 2\r\n20\r\n"
	"append a 0 0 2\r\nde\r\n"
	"prepend a 0 0 2\r\n__\r\n"
	"incr b 5\r\n"
	"decr b 30\r\n"
	"touch a 100\r\n"
	"get a b c\r\n"
	"delete b\r\n"
	"set c 0 0 1 noreply\r\nz\r\n"
	"set bad 0 0 1\r\nzz\r\n"
	"get b c\r\n"
	"bogus line\r\n"
	"verbosity 1\r\n"
	"version\r\n"
	"flush_all\r\n"
	"get a\r\n";
static const char script_answer[] =
	"STORED\r\n"
	"NOT_STORED\r\n"
	"STORED\r\n"
	"STORED\r\n"
	"STORED\r\n"
	"STORED\r\n"
	"25\r\n"
	"0\r\n"
	"TOUCHED\r\n"
	"VALUE a 1 7\r\n__abcde\r\nVALUE b 3 1\r\n0\r\nEND\r\n"
	"DELETED\r\n"
	"CLIENT_ERROR bad data chunk\r\nERROR\r\n"
	"VALUE c 0 1\r\nz\r\nEND\r\n"
	"ERROR\r\n"
	"OK\r\n"
	"VERSION " MC_VERSION "\r\n"
	"OK\r\n"
	"END\r\n";

Test(mc_proto, pipelined_in_one_read)
{
	ASSERT_RQ(script, script_answer);
}

Test(mc_proto, split_at_every_byte_answers_the_same)
{
	size_t len = strlen(script);

	for (size_t cut = 1; cut < len; cut++) {
		struct drv *x = drv_new(64u << 20, 1u << 20);

		feed_to(x, script, cut);
		feed_to(x, script + cut, len - cut);
		cr_assert_str_eq(take(x), script_answer, "split at %zu", cut);
		cr_assert_eq(x->inlen, 0);
		drv_free(x);
	}
}

Test(mc_proto, one_byte_at_a_time_answers_the_same)
{
	size_t len = strlen(script);

	for (size_t i = 0; i < len; i++)
		feed_to(d, script + i, 1);
	cr_assert_str_eq(take(d), script_answer);
}

Test(mc_proto, a_backlog_over_hiwat_pauses_input)
{
	char req[4096];
	size_t n = 0, c;

	rq("set k 0 0 100\r\n"
	   "0123456789012345678901234567890123456789012345678901234567890123456789"
	   "012345678901234567890123456789\r\n");
	while (n + 7 < sizeof(req)) {
		memcpy(req + n, "get k\r\n", 7);
		n += 7;
	}
	c = mc_proto_input(&d->s, req, n, &d->out, 1000);
	cr_assert_lt(c, n, "the whole pipeline ran despite the backlog");
	cr_assert_gt(mc_obuf_pending(&d->out), 1000);
	cr_assert_lt(mc_obuf_pending(&d->out), 1200);
	take(d);
	c += mc_proto_input(&d->s, req + c, n - c, &d->out, 1000);
	cr_assert_lt(c, n);
}

Test(mc_proto, session_end_releases_a_half_received_item)
{
	ASSERT_RQ("set k 0 0 100\r\nonly part", "");
	cr_assert_gt(mc_store_mem_used(d->st), 0);
	mc_session_fini(&d->s);
	cr_assert_eq(mc_store_mem_used(d->st), 0);
}

Test(mc_obuf, grows_compacts_and_shrinks)
{
	struct mc_obuf ob = { 0 };
	static char big[300 * 1024];

	mc_obuf_add(&ob, "hello", 5);
	mc_obuf_sent(&ob, 2);
	cr_assert_eq(mc_obuf_pending(&ob), 3);
	mc_obuf_add(&ob, big, 5000);
	cr_assert_eq(mc_obuf_pending(&ob), 5003);
	cr_assert_eq(memcmp(ob.ob_data + ob.ob_off, "llo", 3), 0);
	mc_obuf_sent(&ob, 5003);
	cr_assert_eq(ob.ob_len, 0);
	mc_obuf_add(&ob, big, sizeof(big));
	mc_obuf_sent(&ob, sizeof(big));
	cr_assert_null(ob.ob_data, "a large empty buffer is given back");
	mc_obuf_free(&ob);
}
