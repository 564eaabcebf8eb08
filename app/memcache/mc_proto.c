/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The memcached text protocol over an mc_store (see mc_proto.h).
 *
 * Principles of operation
 * -----------------------
 * A session is in one of three states. MC_S_CMD looks for a whole line ("\n", an optional
 * "\r" before it), splits it on spaces and executes it; a storage command with an acceptable
 * line allocates its item at once and moves to MC_S_DATA, which copies the data block and
 * its "\r\n" straight into the item as bytes arrive, and stores it when complete. A storage
 * command refused before its data (object too large, out of memory) moves to MC_S_SWALLOW,
 * which discards the announced bytes, as memcached does, so the data is not taken for
 * commands. A malformed line (bad key or number, a negative length) is answered and its data,
 * if any, is then read as commands: memcached does the same.
 *
 * Replies follow memcached 1.6's choices where protocol.txt is silent: a wrong number of
 * arguments is "ERROR"; noreply silences every answer of the command but SERVER_ERRORs; a
 * get with a bad key answers only the CLIENT_ERROR (the VALUEs already produced for that
 * line are dropped); a line over the limit is answered "CLIENT_ERROR line too long" and the
 * connection closes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "app/memcache/mc_proto.h"

#define MC_MAX_TOKENS 8      /* the most any command but the gets takes, plus one */
#define MC_OBUF_MIN 4096
#define MC_OBUF_KEEP (256 * 1024)  /* an empty buffer larger than this is freed */

static const char R_ERROR[] = "ERROR\r\n";
static const char R_BAD_FORMAT[] = "CLIENT_ERROR bad command line format\r\n";
static const char R_BAD_CHUNK[] = "CLIENT_ERROR bad data chunk\r\n";
static const char R_TOO_LARGE[] = "SERVER_ERROR object too large for cache\r\n";
static const char R_NO_MEMORY[] = "SERVER_ERROR out of memory storing object\r\n";
static const char R_NON_NUMERIC[] =
	"CLIENT_ERROR cannot increment or decrement non-numeric value\r\n";
static const char R_BAD_DELTA[] = "CLIENT_ERROR invalid numeric delta argument\r\n";
static const char R_LINE_TOO_LONG[] = "CLIENT_ERROR line too long\r\n";
static const char R_DELETE_USAGE[] =
	"CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n";

/* ---- output buffer ------------------------------------------------------------------------ */

void
mc_obuf_add(struct mc_obuf *ob, const void *p, size_t n)
{
	if (ob->ob_failed)
		return;
	if (ob->ob_len + n > ob->ob_cap && ob->ob_off > 0) {
		/* slide the unsent bytes to the front before growing */
		memmove(ob->ob_data, ob->ob_data + ob->ob_off, ob->ob_len - ob->ob_off);
		ob->ob_len -= ob->ob_off;
		ob->ob_off = 0;
	}
	if (ob->ob_len + n > ob->ob_cap) {
		size_t cap = ob->ob_cap < MC_OBUF_MIN ? MC_OBUF_MIN : ob->ob_cap;
		char *d;

		while (cap < ob->ob_len + n)
			cap *= 2;
		d = realloc(ob->ob_data, cap);
		if (d == NULL) {
			ob->ob_failed = true;
			return;
		}
		ob->ob_data = d;
		ob->ob_cap = cap;
	}
	memcpy(ob->ob_data + ob->ob_len, p, n);
	ob->ob_len += n;
}

static void
obuf_str(struct mc_obuf *ob, const char *s)
{
	mc_obuf_add(ob, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
obuf_printf(struct mc_obuf *ob, const char *fmt, ...)
{
	char line[320];  /* a VALUE line with a 250-byte key fits */
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		mc_obuf_add(ob, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void
mc_obuf_sent(struct mc_obuf *ob, size_t n)
{
	ob->ob_off += n;
	if (ob->ob_off < ob->ob_len)
		return;
	ob->ob_off = ob->ob_len = 0;
	if (ob->ob_cap > MC_OBUF_KEEP) {
		free(ob->ob_data);
		ob->ob_data = NULL;
		ob->ob_cap = 0;
	}
}

void
mc_obuf_free(struct mc_obuf *ob)
{
	free(ob->ob_data);
	memset(ob, 0, sizeof(*ob));
}

/* ---- session ------------------------------------------------------------------------------ */

void
mc_session_init(struct mc_session *s, struct mc_store *store, struct mc_server_info *info)
{
	memset(s, 0, sizeof(*s));
	s->ms_store = store;
	s->ms_info = info;
	s->ms_state = MC_S_CMD;
}

void
mc_session_fini(struct mc_session *s)
{
	if (s->ms_item != NULL)
		mc_store_release(s->ms_store, s->ms_item);
	s->ms_item = NULL;
	s->ms_state = MC_S_CMD;
}

/* ---- tokens and numbers ------------------------------------------------------------------- */

struct tok {
	const char *t;
	size_t n;
};

static bool
tok_is(const struct tok *k, const char *s)
{
	return k->n == strlen(s) && memcmp(k->t, s, k->n) == 0;
}

/* Split line[0..n) on spaces into at most max tokens; returns the count, or max + 1 if more. */
static unsigned
tokenize(const char *line, size_t n, struct tok *tk, unsigned max)
{
	unsigned nt = 0;
	size_t i = 0;

	while (i < n) {
		size_t b;

		while (i < n && line[i] == ' ')
			i++;
		if (i == n)
			break;
		b = i;
		while (i < n && line[i] != ' ')
			i++;
		if (nt == max)
			return max + 1;
		tk[nt].t = line + b;
		tk[nt].n = i - b;
		nt++;
	}
	return nt;
}

/* A key: 1..250 bytes, no control characters (spaces cannot occur: they split tokens). */
static bool
key_ok(const struct tok *k)
{
	if (k->n == 0 || k->n > MC_KEY_MAX)
		return false;
	for (size_t i = 0; i < k->n; i++) {
		unsigned char c = (unsigned char)k->t[i];

		if (c < 0x21 || c == 0x7f)
			return false;
	}
	return true;
}

/* Decimal digits only, the value at most max. */
static bool
parse_u64(const struct tok *k, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (k->n == 0 || k->n > 20)
		return false;
	for (size_t i = 0; i < k->n; i++) {
		unsigned d;

		if (k->t[i] < '0' || k->t[i] > '9')
			return false;
		d = (unsigned)(k->t[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	if (x > max)
		return false;
	*v = x;
	return true;
}

/* An optional '-', then digits; within a signed 32-bit value (memcached's int32 fields). */
static bool
parse_i32(const struct tok *k, int64_t *v)
{
	struct tok d = *k;
	bool neg = false;
	uint64_t x;

	if (d.n > 0 && d.t[0] == '-') {
		neg = true;
		d.t++;
		d.n--;
	}
	if (!parse_u64(&d, neg ? (uint64_t)INT32_MAX + 1 : INT32_MAX, &x))
		return false;
	*v = neg ? -(int64_t)x : (int64_t)x;
	return true;
}

/* ---- answers ------------------------------------------------------------------------------ */

/* An answer the command's noreply silences. */
static void
reply(struct mc_session *s, struct mc_obuf *out, const char *r)
{
	if (!s->ms_noreply)
		obuf_str(out, r);
}

static void
bad_format(struct mc_session *s, struct mc_obuf *out)
{
	mc_store_stats(s->ms_store)->err_bad_format++;
	reply(s, out, R_BAD_FORMAT);
}

static void
unknown(struct mc_session *s, struct mc_obuf *out)
{
	mc_store_stats(s->ms_store)->err_unknown_command++;
	obuf_str(out, R_ERROR);
}

/* noreply as the last of nt tokens: strips it. */
static unsigned
strip_noreply(struct mc_session *s, const struct tok *tk, unsigned nt)
{
	s->ms_noreply = nt > 1 && tok_is(&tk[nt - 1], "noreply");
	return s->ms_noreply ? nt - 1 : nt;
}

/* ---- commands ----------------------------------------------------------------------------- */

/*
 * get/gets/gat/gats: keys from line[off..n). gat/gats take the exptime first. Answers are
 * built straight into out; a bad key drops what this line produced and answers the error.
 */
static void
cmd_get(struct mc_session *s, const char *line, size_t n, bool with_cas, bool touch,
	struct mc_obuf *out)
{
	struct mc_store *st = s->ms_store;
	struct mc_stats *sc = mc_store_stats(st);
	size_t mark = mc_obuf_pending(out);  /* pending, not an offset: adds may compact */
	int64_t exptime = 0;
	struct tok k;
	size_t i = 0;
	unsigned nkeys = 0;

	/* skip the command word */
	while (i < n && line[i] != ' ')
		i++;
	for (unsigned arg = 0;; arg++) {
		while (i < n && line[i] == ' ')
			i++;
		if (i == n)
			break;
		k.t = line + i;
		while (i < n && line[i] != ' ')
			i++;
		k.n = (size_t)(line + i - k.t);
		if (touch && arg == 0) {
			if (!parse_i32(&k, &exptime)) {
				sc->err_bad_format++;
				obuf_str(out, R_BAD_FORMAT);
				return;
			}
			exptime = mc_store_exptime(st, exptime);
			continue;
		}
		if (!key_ok(&k)) {
			out->ob_len = out->ob_off + mark;
			sc->err_bad_format++;
			obuf_str(out, R_BAD_FORMAT);
			return;
		}
		nkeys++;
		sc->cmd_get++;
		struct mc_item *it = mc_store_get(st, k.t, k.n);

		if (it == NULL) {
			sc->get_misses++;
			continue;
		}
		sc->get_hits++;
		if (touch) {
			sc->cmd_touch++;
			sc->touch_hits++;
			it->it_exptime = exptime;
		}
		if (with_cas)
			obuf_printf(out, "VALUE %.*s %" PRIu32 " %" PRIu32 " %" PRIu64 "\r\n",
				    (int)k.n, k.t, it->it_flags, it->it_nbytes, it->it_cas);
		else
			obuf_printf(out, "VALUE %.*s %" PRIu32 " %" PRIu32 "\r\n", (int)k.n, k.t,
				    it->it_flags, it->it_nbytes);
		mc_obuf_add(out, mc_item_value(it), (size_t)it->it_nbytes + 2);
	}
	if (nkeys == 0) {
		out->ob_len = out->ob_off + mark;
		unknown(s, out);
		return;
	}
	obuf_str(out, "END\r\n");
}

/* set/add/replace/append/prepend/cas <key> <flags> <exptime> <bytes> [cas] [noreply] */
static void
cmd_store(struct mc_session *s, struct tok *tk, unsigned nt, enum mc_store_mode mode,
	  struct mc_obuf *out)
{
	struct mc_store *st = s->ms_store;
	struct mc_stats *sc = mc_store_stats(st);
	unsigned want = mode == MC_CAS ? 6 : 5;
	uint64_t flags, len, cas = 0;
	int64_t exptime;
	struct mc_item *it;
	int rc;

	nt = strip_noreply(s, tk, nt);
	if (nt != want) {
		s->ms_noreply = false;
		unknown(s, out);
		return;
	}
	if (!key_ok(&tk[1]) || !parse_u64(&tk[2], UINT32_MAX, &flags) ||
	    !parse_i32(&tk[3], &exptime) || !parse_u64(&tk[4], INT32_MAX - 2, &len) ||
	    (mode == MC_CAS && !parse_u64(&tk[5], UINT64_MAX, &cas))) {
		bad_format(s, out);
		return;
	}
	sc->cmd_set++;
	rc = mc_store_alloc(st, tk[1].t, tk[1].n, (uint32_t)flags, mc_store_exptime(st, exptime),
			    len, &it);
	if (rc < 0) {
		if (rc == -E2BIG) {
			sc->store_too_large++;
			obuf_str(out, R_TOO_LARGE);  /* SERVER_ERRORs ignore noreply */
		} else {
			sc->store_no_memory++;
			obuf_str(out, R_NO_MEMORY);
		}
		/* memcached: a failed set must not leave the old value readable */
		if (mode == MC_SET)
			mc_store_delete(st, tk[1].t, tk[1].n);
		s->ms_state = MC_S_SWALLOW;
		s->ms_need = len + 2;
		return;
	}
	s->ms_item = it;
	s->ms_mode = mode;
	s->ms_cas = cas;
	s->ms_got = 0;
	s->ms_need = len + 2;
	s->ms_state = MC_S_DATA;
}

/* The data block is in ms_item: check its end and store it. */
static void
complete_store(struct mc_session *s, struct mc_obuf *out)
{
	struct mc_store *st = s->ms_store;
	struct mc_item *it = s->ms_item;
	const char *end = mc_item_value(it) + it->it_nbytes;

	s->ms_item = NULL;
	s->ms_state = MC_S_CMD;
	if (end[0] != '\r' || end[1] != '\n') {
		mc_store_stats(st)->err_bad_chunk++;
		mc_store_release(st, it);
		reply(s, out, R_BAD_CHUNK);
		return;
	}
	switch (mc_store_store(st, it, s->ms_mode, s->ms_cas)) {
	case MC_STORED:
		reply(s, out, "STORED\r\n");
		break;
	case MC_NOT_STORED:
		reply(s, out, "NOT_STORED\r\n");
		break;
	case MC_EXISTS:
		reply(s, out, "EXISTS\r\n");
		break;
	case MC_NOT_FOUND:
		reply(s, out, "NOT_FOUND\r\n");
		break;
	case MC_TOO_LARGE:
		mc_store_stats(st)->store_too_large++;
		obuf_str(out, R_TOO_LARGE);
		break;
	case MC_NO_MEMORY:
		mc_store_stats(st)->store_no_memory++;
		obuf_str(out, R_NO_MEMORY);
		break;
	}
}

/* delete <key> [0] [noreply]: the 0 is the old "time" argument, still accepted. */
static void
cmd_delete(struct mc_session *s, struct tok *tk, unsigned nt, struct mc_obuf *out)
{
	nt = strip_noreply(s, tk, nt);
	if (nt < 2 || nt > 3) {
		s->ms_noreply = false;
		unknown(s, out);
		return;
	}
	if (nt == 3 && !tok_is(&tk[2], "0")) {
		mc_store_stats(s->ms_store)->err_bad_format++;
		reply(s, out, R_DELETE_USAGE);
		return;
	}
	if (!key_ok(&tk[1])) {
		bad_format(s, out);
		return;
	}
	if (mc_store_delete(s->ms_store, tk[1].t, tk[1].n) == 0)
		reply(s, out, "DELETED\r\n");
	else
		reply(s, out, "NOT_FOUND\r\n");
}

/* incr/decr <key> <value> [noreply] */
static void
cmd_incr(struct mc_session *s, struct tok *tk, unsigned nt, bool incr, struct mc_obuf *out)
{
	struct mc_stats *sc = mc_store_stats(s->ms_store);
	uint64_t delta, v;
	char num[24];
	int rc;

	nt = strip_noreply(s, tk, nt);
	if (nt != 3) {
		s->ms_noreply = false;
		unknown(s, out);
		return;
	}
	if (!key_ok(&tk[1])) {
		bad_format(s, out);
		return;
	}
	if (!parse_u64(&tk[2], UINT64_MAX, &delta)) {
		sc->err_bad_delta++;
		reply(s, out, R_BAD_DELTA);
		return;
	}
	rc = mc_store_incr(s->ms_store, tk[1].t, tk[1].n, incr, delta, &v);
	switch (rc) {
	case 0:
		snprintf(num, sizeof(num), "%" PRIu64 "\r\n", v);
		reply(s, out, num);
		break;
	case -ENOENT:
		reply(s, out, "NOT_FOUND\r\n");
		break;
	case -EINVAL:
		sc->err_non_numeric++;
		reply(s, out, R_NON_NUMERIC);
		break;
	default:
		sc->store_no_memory++;
		obuf_str(out, R_NO_MEMORY);
		break;
	}
}

/* touch <key> <exptime> [noreply] */
static void
cmd_touch(struct mc_session *s, struct tok *tk, unsigned nt, struct mc_obuf *out)
{
	int64_t exptime;

	nt = strip_noreply(s, tk, nt);
	if (nt != 3) {
		s->ms_noreply = false;
		unknown(s, out);
		return;
	}
	if (!key_ok(&tk[1]) || !parse_i32(&tk[2], &exptime)) {
		bad_format(s, out);
		return;
	}
	if (mc_store_touch(s->ms_store, tk[1].t, tk[1].n,
			   mc_store_exptime(s->ms_store, exptime)) == 0)
		reply(s, out, "TOUCHED\r\n");
	else
		reply(s, out, "NOT_FOUND\r\n");
}

/* flush_all [delay] [noreply] */
static void
cmd_flush(struct mc_session *s, struct tok *tk, unsigned nt, struct mc_obuf *out)
{
	int64_t delay = 0;

	nt = strip_noreply(s, tk, nt);
	if (nt > 2) {
		s->ms_noreply = false;
		unknown(s, out);
		return;
	}
	if (nt == 2 && !parse_i32(&tk[1], &delay)) {
		bad_format(s, out);
		return;
	}
	/* the delay is an exptime: relative, or absolute past 30 days */
	mc_store_flush(s->ms_store, delay > 0 ? mc_store_exptime(s->ms_store, delay) : 0);
	reply(s, out, "OK\r\n");
}

/*
 * verbosity <level> [noreply]. memcached 1.6 reads the level leniently (strtoul: a word is
 * 0) and so "verbosity noreply" is a silent success; only the arity is checked.
 */
static void
cmd_verbosity(struct mc_session *s, struct tok *tk, unsigned nt, struct mc_obuf *out)
{
	uint64_t level = 0;

	if (nt < 2 || nt > 3) {
		unknown(s, out);
		return;
	}
	strip_noreply(s, tk, nt);
	if (!parse_u64(&tk[1], UINT32_MAX, &level))
		level = 0;
	s->ms_info->sv_verbosity = (uint32_t)level;
	reply(s, out, "OK\r\n");
}

static void
stats_general(struct mc_session *s, struct mc_obuf *out)
{
	struct mc_store *st = s->ms_store;
	const struct mc_server_info *si = s->ms_info;
	const uint64_t *c = (const uint64_t *)mc_store_stats(st);
	int64_t now = mc_store_now(st);
	struct rusage ru;

	memset(&ru, 0, sizeof(ru));
	getrusage(RUSAGE_SELF, &ru);
	obuf_printf(out, "STAT pid %" PRIu32 "\r\n", si->sv_pid);
	obuf_printf(out, "STAT uptime %" PRId64 "\r\n", now - si->sv_started);
	obuf_printf(out, "STAT time %" PRId64 "\r\n", now);
	obuf_str(out, "STAT version " MC_VERSION "\r\n");
	obuf_printf(out, "STAT pointer_size %zu\r\n", sizeof(void *) * 8);
	obuf_printf(out, "STAT rusage_user %ld.%06ld\r\n", (long)ru.ru_utime.tv_sec,
		    (long)ru.ru_utime.tv_usec);
	obuf_printf(out, "STAT rusage_system %ld.%06ld\r\n", (long)ru.ru_stime.tv_sec,
		    (long)ru.ru_stime.tv_usec);
	obuf_printf(out, "STAT max_connections %" PRIu32 "\r\n", si->sv_max_connections);
	obuf_printf(out, "STAT curr_connections %" PRIu64 "\r\n", si->sv_curr_connections);
	obuf_printf(out, "STAT total_connections %" PRIu64 "\r\n", si->sv_total_connections);
	for (unsigned i = 0; i < MC_STATS_COUNT; i++) {
		const char *name, *help;

		mc_stats_name(i, &name, &help);
		obuf_printf(out, "STAT %s %" PRIu64 "\r\n", name, c[i]);
	}
	obuf_printf(out, "STAT threads %" PRIu32 "\r\n", si->sv_threads);
	obuf_printf(out, "STAT curr_items %" PRIu64 "\r\n", mc_store_items(st));
	obuf_printf(out, "STAT bytes %" PRIu64 "\r\n", mc_store_bytes(st));
	obuf_printf(out, "STAT limit_maxbytes %" PRIu64 "\r\n", mc_store_conf(st)->mem_limit);
	obuf_str(out, "END\r\n");
}

/* stats [settings|reset] */
static void
cmd_stats(struct mc_session *s, struct tok *tk, unsigned nt, struct mc_obuf *out)
{
	struct mc_store *st = s->ms_store;

	if (nt == 1) {
		stats_general(s, out);
	} else if (nt == 2 && tok_is(&tk[1], "settings")) {
		obuf_printf(out, "STAT maxbytes %" PRIu64 "\r\n", mc_store_conf(st)->mem_limit);
		obuf_printf(out, "STAT maxconns %" PRIu32 "\r\n", s->ms_info->sv_max_connections);
		obuf_printf(out, "STAT verbosity %" PRIu32 "\r\n", s->ms_info->sv_verbosity);
		obuf_str(out, "STAT evictions on\r\n");
		obuf_printf(out, "STAT item_size_max %" PRIu32 "\r\n", mc_store_conf(st)->max_item);
		obuf_printf(out, "STAT num_threads %" PRIu32 "\r\n", s->ms_info->sv_threads);
		obuf_str(out, "STAT cas_enabled yes\r\n");
		obuf_str(out, "END\r\n");
	} else if (nt == 2 && tok_is(&tk[1], "reset")) {
		uint64_t total = mc_store_stats(st)->total_items;

		/* total_items is a count of the table's history memcached also keeps */
		memset(mc_store_stats(st), 0, sizeof(struct mc_stats));
		mc_store_stats(st)->total_items = total;
		obuf_str(out, "RESET\r\n");
	} else {
		unknown(s, out);
	}
}

/* One whole command line (without its end of line). */
static void
execute(struct mc_session *s, const char *line, size_t n, struct mc_obuf *out)
{
	struct tok tk[MC_MAX_TOKENS];
	unsigned nt;

	s->ms_noreply = false;
	mc_store_stats(s->ms_store)->commands++;
	/* the gets take any number of keys: they parse the line themselves */
	nt = tokenize(line, n, tk, 1);
	if (nt >= 1) {
		if (tok_is(&tk[0], "get"))
			{ cmd_get(s, line, n, false, false, out); return; }
		if (tok_is(&tk[0], "gets"))
			{ cmd_get(s, line, n, true, false, out); return; }
		if (tok_is(&tk[0], "gat"))
			{ cmd_get(s, line, n, false, true, out); return; }
		if (tok_is(&tk[0], "gats"))
			{ cmd_get(s, line, n, true, true, out); return; }
	}
	nt = tokenize(line, n, tk, MC_MAX_TOKENS);
	if (nt == 0 || nt > MC_MAX_TOKENS)
		{ unknown(s, out); return; }
	if (tok_is(&tk[0], "set"))
		{ cmd_store(s, tk, nt, MC_SET, out); return; }
	if (tok_is(&tk[0], "add"))
		{ cmd_store(s, tk, nt, MC_ADD, out); return; }
	if (tok_is(&tk[0], "replace"))
		{ cmd_store(s, tk, nt, MC_REPLACE, out); return; }
	if (tok_is(&tk[0], "append"))
		{ cmd_store(s, tk, nt, MC_APPEND, out); return; }
	if (tok_is(&tk[0], "prepend"))
		{ cmd_store(s, tk, nt, MC_PREPEND, out); return; }
	if (tok_is(&tk[0], "cas"))
		{ cmd_store(s, tk, nt, MC_CAS, out); return; }
	if (tok_is(&tk[0], "delete"))
		{ cmd_delete(s, tk, nt, out); return; }
	if (tok_is(&tk[0], "incr"))
		{ cmd_incr(s, tk, nt, true, out); return; }
	if (tok_is(&tk[0], "decr"))
		{ cmd_incr(s, tk, nt, false, out); return; }
	if (tok_is(&tk[0], "touch"))
		{ cmd_touch(s, tk, nt, out); return; }
	if (tok_is(&tk[0], "flush_all"))
		{ cmd_flush(s, tk, nt, out); return; }
	if (tok_is(&tk[0], "verbosity"))
		{ cmd_verbosity(s, tk, nt, out); return; }
	if (tok_is(&tk[0], "stats"))
		{ cmd_stats(s, tk, nt, out); return; }
	/* memcached 1.6 answers "version" whatever follows it (memcapable checks that) */
	if (tok_is(&tk[0], "version"))
		{ obuf_str(out, "VERSION " MC_VERSION "\r\n"); return; }
	if (tok_is(&tk[0], "quit") && nt == 1) {
		s->ms_close = true;
		return;
	}
	unknown(s, out);
}

/* Does a line that has no end yet begin like a multiget (which may be long)? */
static bool
is_get_line(const char *in, size_t len)
{
	static const char *const gets[] = { "get ", "gets ", "gat ", "gats " };

	for (unsigned i = 0; i < sizeof(gets) / sizeof(gets[0]); i++) {
		size_t n = strlen(gets[i]);

		if (len >= n && memcmp(in, gets[i], n) == 0)
			return true;
	}
	return false;
}

size_t
mc_proto_input(struct mc_session *s, const char *in, size_t len, struct mc_obuf *out,
	       size_t out_hiwat)
{
	size_t done = 0;

	while (done < len && !s->ms_close && !out->ob_failed &&
	       (out_hiwat == 0 || mc_obuf_pending(out) <= out_hiwat)) {
		const char *p = in + done;
		size_t avail = len - done;

		if (s->ms_state == MC_S_DATA) {
			size_t n = avail < s->ms_need ? avail : s->ms_need;

			memcpy(mc_item_value(s->ms_item) + s->ms_got, p, n);
			s->ms_got += n;
			s->ms_need -= n;
			done += n;
			if (s->ms_need == 0)
				complete_store(s, out);
			continue;
		}
		if (s->ms_state == MC_S_SWALLOW) {
			size_t n = avail < s->ms_need ? avail : s->ms_need;

			s->ms_need -= n;
			done += n;
			if (s->ms_need == 0)
				s->ms_state = MC_S_CMD;
			continue;
		}
		const char *nl = memchr(p, '\n', avail);

		if (nl == NULL) {
			if (avail > MC_GET_LINE_MAX ||
			    (avail > MC_LINE_MAX && !is_get_line(p, avail))) {
				mc_store_stats(s->ms_store)->err_line_too_long++;
				obuf_str(out, R_LINE_TOO_LONG);
				s->ms_close = true;
				s->ms_proto_error = true;
				done = len;
			}
			break;
		}
		size_t n = (size_t)(nl - p);

		done += n + 1;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		execute(s, p, n, out);
	}
	if (out->ob_failed && !s->ms_close) {
		mc_store_stats(s->ms_store)->err_out_of_buffer++;
		s->ms_close = true;
		s->ms_proto_error = true;
	}
	return done;
}
