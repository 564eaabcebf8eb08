/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mutation fuzzing of the memcached text protocol (app/memcache/mc_proto.c), which parses
 * what any client on the network sends. Valid sessions (storage commands with their data
 * blocks, multigets, cas, incr/decr, touch, stats, flush_all, noreply) are mutated -- bytes,
 * lengths, numbers, line ends, truncation, repetition -- and fed in pieces cut at random
 * places, as reads bring them, through a driver that plays the service (it keeps what was not
 * consumed and feeds it again with the next bytes, up to the line limits a service keeps).
 *
 * What must hold: no crash and nothing the sanitizers see; every answer line ends in \r\n;
 * progress (the parser consumes, or waits for more with less than a line limit held); the
 * table's memory accounting stays exact (what is used is what the items hold, once the
 * session has ended); and a session that closed stops being fed, as the service would.
 * FUZZ_ITERS (sessions, default 3000) and FUZZ_SEED set the run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "app/memcache/mc_proto.h"
#include "../common/fuzz_rand.h"

#define T0 1700000000
#define DIM(a) (sizeof(a) / sizeof((a)[0]))

static size_t
fz_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

TestSuite(mc_fuzz);

static const char *const fz_cmds[] = {
	"set k%u 0 0 5\r\nhello\r\n",
	"set k%u 7 100 0\r\n\r\n",
	"add k%u 0 0 3 noreply\r\nabc\r\n",
	"replace k%u 1 0 2\r\nxy\r\n",
	"append k%u 0 0 4\r\ntail\r\n",
	"prepend k%u 0 0 4\r\nhead\r\n",
	"cas k%u 0 0 1 1\r\nz\r\n",
	"get k%u k1 k2 k3\r\n",
	"gets k%u\r\n",
	"gat 100 k%u k2\r\n",
	"gats 0 k%u\r\n",
	"delete k%u\r\n",
	"delete k%u noreply\r\n",
	"incr k%u 5\r\n",
	"decr k%u 18446744073709551615\r\n",
	"touch k%u 10\r\n",
	"set n%u 0 0 2\r\n42\r\nincr n%u 1\r\n",
	"stats\r\n",
	"stats settings\r\n",
	"stats reset\r\n",
	"version\r\n",
	"verbosity 1\r\n",
	"flush_all 0\r\n",
	"set big%u 0 0 70000\r\n",
};

/* A session of a few commands, as a client would write them. */
static size_t
fz_session(char *buf, size_t max)
{
	size_t n = 0;
	unsigned k = 1 + fz_below(8);

	for (unsigned i = 0; i < k && n + 256 < max; i++) {
		const char *c = fz_cmds[fz_below(DIM(fz_cmds))];
		unsigned key = fz_below(16);
		int w;

		if (c == NULL) /* never; tells the compiler the format is not NULL */
			break;
		w = snprintf(buf + n, max - n, c, key, key);
		n += (size_t)w;
		if (strncmp(c, "set big", 7) == 0) { /* its 70,000-byte block */
			size_t len = fz_min((size_t)70000, max - n - 256);

			memset(buf + n, 'v', len);
			n += len;
			n += (size_t)snprintf(buf + n, max - n, "\r\n");
		}
	}
	return n;
}

static size_t
fz_mutate(char *b, size_t n, size_t max)
{
	static const char *const tok[] = { "\r\n", "\n", "\r", " ", "\0", "-1", "0",
					   "18446744073709551616", "4294967296", "99999999999",
					   "noreply", "get", "set", "k", "\t" };
	unsigned k = 1 + fz_below(4);

	for (unsigned m = 0; m < k; m++) {
		unsigned at = fz_below((unsigned)n + 1);

		switch (fz_below(6)) {
		case 0:
			if (n > 0)
				b[fz_below((unsigned)n)] = (char)fz_rand();
			break;
		case 1: /* a token in */
			if (n + 32 < max) {
				const char *t = tok[fz_below(DIM(tok))];
				size_t tl = t[0] == '\0' ? 1 : strlen(t);

				memmove(b + at + tl, b + at, n - at);
				memcpy(b + at, t, tl);
				n += tl;
			}
			break;
		case 2: /* a piece out */
			if (at < n) {
				size_t cut = fz_min((size_t)fz_below(16) + 1, n - at);

				memmove(b + at, b + at + cut, n - at - cut);
				n -= cut;
			}
			break;
		case 3: /* truncated */
			n = at;
			break;
		case 4: /* a piece repeated */
			if (at < n && n * 2 < max) {
				size_t len = fz_min((size_t)fz_below(64) + 1, n - at);

				memmove(b + at + len, b + at, n - at);
				n += len;
			}
			break;
		default: /* a long line */
			if (n + 3000 < max) {
				memmove(b + at + 3000, b + at, n - at);
				memset(b + at, 'k', 3000);
				n += 3000;
			}
			break;
		}
	}
	return n;
}

/* Every answer line ends in \r\n (a data block may hold anything: only lines are checked). */
static void
fz_check_answers(const struct mc_obuf *out)
{
	const char *p = out->ob_data + out->ob_off, *end = out->ob_data + out->ob_len;

	if (p == end)
		return;
	cr_assert_geq(end - p, 2);
	cr_assert(end[-2] == '\r' && end[-1] == '\n', "seed %#lx: an answer not ended by \\r\\n",
		  (unsigned long)fz_seed);
}


/* Feed in[0..n) in pieces as reads would bring them; false once the session closed. */
static bool
fz_feed(struct mc_session *s, struct mc_obuf *out, const char *in, size_t n, char *held,
	size_t *heldlen)
{
	size_t off = 0;

	while (off < n) {
		size_t piece = fz_min((size_t)1 + fz_below(fz_below(4) == 0 ? 4096 : 64), n - off);
		size_t used;

		memcpy(held + *heldlen, in + off, piece);
		*heldlen += piece;
		off += piece;
		used = mc_proto_input(s, held, *heldlen, out, 0);
		cr_assert_leq(used, *heldlen);
		memmove(held, held + used, *heldlen - used);
		*heldlen -= used;
		fz_check_answers(out);
		mc_obuf_sent(out, mc_obuf_pending(out));
		if (s->ms_close)
			return false;
		/* what waits is at most a command line: the parser refuses longer ones */
		cr_assert_leq(*heldlen, (size_t)MC_GET_LINE_MAX + 2,
			      "seed %#lx: %zu bytes held without progress", (unsigned long)fz_seed,
			      *heldlen);
	}
	return true;
}

Test(mc_fuzz, the_text_protocol_survives_mutated_sessions, .timeout = 600)
{
	struct mc_store_conf c = { .mem_limit = 4u << 20, .max_item = 1u << 16 };
	unsigned long iters = fz_env("FUZZ_ITERS", 3000);
	static char in[1 << 18], held[1 << 18];
	struct mc_server_info info = { .sv_started = T0 - 10, .sv_pid = 1, .sv_threads = 1 };
	struct mc_store *st;
	unsigned closed = 0;

	fz_seed_init_env(0);
	cr_log_info("fuzz seed %#lx", (unsigned long)fz_seed);
	st = mc_store_create(&c);
	cr_assert_not_null(st);
	mc_store_set_time(st, T0);
	for (unsigned long i = 0; i < iters; i++) {
		struct mc_session s;
		struct mc_obuf out = { 0 };
		size_t heldlen = 0, n = fz_session(in, sizeof(in) / 2);

		if (fz_below(8) != 0)
			n = fz_mutate(in, n, sizeof(in));
		mc_session_init(&s, st, &info);
		if (!fz_feed(&s, &out, in, n, held, &heldlen))
			closed++;
		mc_session_fini(&s);
		mc_obuf_free(&out);
		if (fz_below(64) == 0)
			mc_store_set_time(st, T0 + (int64_t)fz_below(1000));
		/* between sessions nothing is half-received: the table holds its items only */
		cr_assert_eq(mc_store_mem_used(st), mc_store_bytes(st),
			     "seed %#lx: session %lu left memory unaccounted", (unsigned long)fz_seed,
			     i);
	}
	cr_log_info("fuzz seed %#lx: %lu sessions, %u closed by the protocol",
		    (unsigned long)fz_seed, iters, closed);
	mc_store_destroy(st);
}
