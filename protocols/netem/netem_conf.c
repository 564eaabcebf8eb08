/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netem settings outside the data path: the range checks NETEM_SET applies, the string form
 * ("drop=1% delay=10ms seed=42") for configuration files and yardctl, its inverse, and the
 * counter names and help from netem.def. Nothing here runs in a put or service procedure
 * except netem_conf_check(), which is a handful of comparisons.
 *
 * The string form: words separated by white space, each key=value. Values carry their unit
 * (a bare "delay=10" is refused rather than guessed: tc reads it as microseconds, people
 * mean milliseconds). Decimal fractions are exact: a value is parsed as an integer scaled to
 * the unit's finest step (ppm, microsecond, bit), and more digits than that step allows are
 * refused instead of rounded.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <rte_common.h>

#include <protocols/netem.h>

/* ---- counter names ------------------------------------------------------------------------ */

static const char *const netemstat_names[] = {
#define NETEM_STAT(name, help) #name,
#include "netem.def"
#undef NETEM_STAT
};

static const char *const netemstat_helps[] = {
#define NETEM_STAT(name, help) help,
#include "netem.def"
#undef NETEM_STAT
};

const char *
netemstat_name(unsigned i)
{
	return i < NEMS__COUNT ? netemstat_names[i] : NULL;
}

const char *
netemstat_help(unsigned i)
{
	return i < NEMS__COUNT ? netemstat_helps[i] : NULL;
}

/* ---- checks ------------------------------------------------------------------------------- */

static int __attribute__((format(printf, 3, 4)))
netem_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int
netem_conf_check(const struct netem_conf *c, char *err, size_t errlen)
{
	const struct {
		const char *name;
		uint32_t val;
	} ppm[] = {
		{ "drop", c->nc_drop_ppm },         { "drop_corr", c->nc_drop_corr_ppm },
		{ "ge p", c->nc_ge_p_ppm },         { "ge r", c->nc_ge_r_ppm },
		{ "ge bad-state loss", c->nc_ge_bad_ppm },
		{ "ge good-state loss", c->nc_ge_good_ppm },
		{ "dup", c->nc_dup_ppm },           { "corrupt", c->nc_corrupt_ppm },
		{ "reorder", c->nc_reorder_ppm },
	};
	const struct {
		const char *name;
		uint32_t val;
	} us[] = {
		{ "delay", c->nc_delay_us },
		{ "jitter", c->nc_jitter_us },
		{ "reorder_timeout", c->nc_reorder_us },
	};

	if (c->nc_side == 0 || (c->nc_side & ~NETEM_SIDE_RW) != 0)
		return netem_err(err, errlen, "side mask 0x%" PRIx32 " is not rd, wr or both",
				 c->nc_side);
	if (c->nc_flags & ~NETEM_F_ALL)
		return netem_err(err, errlen, "unknown flags 0x%" PRIx32,
				 c->nc_flags & ~NETEM_F_ALL);
	for (size_t i = 0; i < RTE_DIM(ppm); i++)
		if (ppm[i].val > NETEM_PPM)
			return netem_err(err, errlen, "%s is over 100%% (%" PRIu32 " ppm)",
					 ppm[i].name, ppm[i].val);
	for (size_t i = 0; i < RTE_DIM(us); i++)
		if (us[i].val > NETEM_MAX_US)
			return netem_err(err, errlen, "%s is over %u s (%" PRIu32 " us)", us[i].name,
					 NETEM_MAX_US / 1000000, us[i].val);
	if (c->nc_reorder_gap > NETEM_MAX_GAP)
		return netem_err(err, errlen, "gap %" PRIu32 " is over %u", c->nc_reorder_gap,
				 NETEM_MAX_GAP);
	if (c->nc_limit > NETEM_MAX_LIMIT)
		return netem_err(err, errlen, "limit %" PRIu32 " is over %u", c->nc_limit,
				 NETEM_MAX_LIMIT);
	if (c->nc_drop_ppm != 0 && c->nc_ge_p_ppm != 0)
		return netem_err(err, errlen,
				 "drop and ge (Gilbert-Elliott) are exclusive loss models");
	return 0;
}

/* ---- parsing ------------------------------------------------------------------------------ */

/* A unit: its spelling and how many of the finest step one of it is. */
struct netem_unit {
	const char *nu_name;
	uint64_t nu_scale;
};

static const struct netem_unit netem_units_ppm[] = {
	{ "%", 10000 }, { "ppm", 1 }, { NULL, 0 },
};
static const struct netem_unit netem_units_time[] = {
	{ "us", 1 }, { "ms", 1000 }, { "s", 1000000 }, { NULL, 0 },
};
static const struct netem_unit netem_units_rate[] = {
	{ "bit", 1 }, { "kbit", 1000 }, { "mbit", 1000000 }, { "gbit", 1000000000 },
	{ NULL, 0 },
};
static const struct netem_unit netem_units_size[] = {
	{ "", 1 }, { "b", 1 }, { "k", 1024 }, { "kb", 1024 }, { "m", 1048576 },
	{ "mb", 1048576 }, { NULL, 0 },
};

/* What went wrong with a value, for the message. */
enum netem_verr { NV_OK, NV_SYNTAX, NV_UNIT, NV_PRECISION, NV_RANGE };

/*
 * A decimal number with an optional fraction and a unit from units, as an integer count of
 * the finest step, at most max. "1.5ms" with the time units is 1500.
 */
static enum netem_verr
netem_num(const char *s, const struct netem_unit *units, uint64_t max, uint64_t *out)
{
	uint64_t ip = 0, frac = 0, fscale = 1, v;
	const struct netem_unit *u;
	unsigned ndig = 0, nfrac = 0;
	const char *p = s;

	for (; isdigit((unsigned char)*p); p++, ndig++) {
		if (ip > (UINT64_MAX - 9) / 10)
			return NV_RANGE;
		ip = ip * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, nfrac++) {
			if (nfrac >= 18)
				return NV_PRECISION;
			frac = frac * 10 + (uint64_t)(*p - '0');
			fscale *= 10;
		}
		if (nfrac == 0)
			return NV_SYNTAX;
	}
	if (ndig == 0 && nfrac == 0)
		return NV_SYNTAX;
	for (u = units; u->nu_name != NULL; u++)
		if (strcasecmp(p, u->nu_name) == 0)
			break;
	if (u->nu_name == NULL)
		return NV_UNIT;
	/* The fraction must land on a whole step: 0.5us is refused, 0.5ms is 500 us. */
	if (frac != 0 && (__extension__(unsigned __int128)frac * u->nu_scale) % fscale != 0)
		return NV_PRECISION;
	if (ip > max / u->nu_scale)
		return NV_RANGE;
	/* frac < fscale, so the fraction adds less than one unit. */
	v = ip * u->nu_scale +
	    (uint64_t)((__extension__(unsigned __int128)frac * u->nu_scale) / fscale);
	if (v < ip * u->nu_scale)
		return NV_RANGE;
	if (v > max)
		return NV_RANGE;
	*out = v;
	return NV_OK;
}

/* A plain unsigned integer (decimal, or hex with 0x), at most max. */
static enum netem_verr
netem_int(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10, nd = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s != '\0'; s++, nd++) {
		unsigned d;

		if (isdigit((unsigned char)*s))
			d = (unsigned)(*s - '0');
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = (unsigned)(tolower((unsigned char)*s) - 'a' + 10);
		else
			return NV_SYNTAX;
		if (v > (UINT64_MAX - d) / base)
			return NV_RANGE;
		v = v * base + d;
	}
	if (nd == 0)
		return NV_SYNTAX;
	if (v > max)
		return NV_RANGE;
	*out = v;
	return NV_OK;
}

/* The kinds of value, with what the message says about each. */
enum netem_kind { NK_PPM, NK_TIME, NK_RATE, NK_SIZE, NK_INT, NK_BOOL, NK_SIDE, NK_GE };

static const char *const netem_kind_help[] = {
	[NK_PPM] = "a probability like 1%, 0.25% or 2500ppm, at most 100%",
	[NK_TIME] = "a time like 250us, 10ms or 1.5s, at most 60s",
	[NK_RATE] = "a rate like 100bit, 64kbit, 10mbit or 1gbit",
	[NK_SIZE] = "a size in bytes like 1500, 64k or 1m, below 4g",
	[NK_INT] = "an unsigned integer",
	[NK_BOOL] = "0 or 1",
	[NK_SIDE] = "rd, wr or rw",
	[NK_GE] = "p,r[,bad[,good]] probabilities, like 1%,30% or 1%,30%,100%,0%",
};

/* The keys: the field each sets (an offset, or -1 when set by hand) and its kind. */
struct netem_key {
	const char *nk_name;
	enum netem_kind nk_kind;
	size_t nk_off;
	uint64_t nk_max;
};

#define NK_FIELD(f) offsetof(struct netem_conf, f)
#define NK_BYHAND   ((size_t)-1)

static const struct netem_key netem_keys[] = {
	{ "side", NK_SIDE, NK_BYHAND, 0 },
	{ "drop", NK_PPM, NK_FIELD(nc_drop_ppm), NETEM_PPM },
	{ "drop_corr", NK_PPM, NK_FIELD(nc_drop_corr_ppm), NETEM_PPM },
	{ "ge", NK_GE, NK_BYHAND, NETEM_PPM },
	{ "dup", NK_PPM, NK_FIELD(nc_dup_ppm), NETEM_PPM },
	{ "corrupt", NK_PPM, NK_FIELD(nc_corrupt_ppm), NETEM_PPM },
	{ "reorder", NK_PPM, NK_FIELD(nc_reorder_ppm), NETEM_PPM },
	{ "gap", NK_INT, NK_FIELD(nc_reorder_gap), NETEM_MAX_GAP },
	{ "reorder_timeout", NK_TIME, NK_FIELD(nc_reorder_us), NETEM_MAX_US },
	{ "delay", NK_TIME, NK_FIELD(nc_delay_us), NETEM_MAX_US },
	{ "jitter", NK_TIME, NK_FIELD(nc_jitter_us), NETEM_MAX_US },
	{ "jitter_reorder", NK_BOOL, NK_BYHAND, 1 },
	{ "rate", NK_RATE, NK_FIELD(nc_rate_bps), UINT64_MAX / 2 },
	{ "burst", NK_SIZE, NK_FIELD(nc_rate_burst), UINT32_MAX },
	{ "backlog", NK_SIZE, NK_FIELD(nc_rate_backlog), UINT32_MAX },
	{ "limit", NK_INT, NK_FIELD(nc_limit), NETEM_MAX_LIMIT },
	{ "seed", NK_INT, NK_FIELD(nc_seed), UINT64_MAX },
};

static void
netem_store(struct netem_conf *c, const struct netem_key *k, uint64_t v)
{
	void *f = (char *)c + k->nk_off;

	if (k->nk_off == NK_FIELD(nc_rate_bps) || k->nk_off == NK_FIELD(nc_seed))
		memcpy(f, &v, sizeof(uint64_t));
	else
		*(uint32_t *)f = (uint32_t)v;
}

/* One value of a kind; NV_OK and *v, or what was wrong. */
static enum netem_verr
netem_value(enum netem_kind kind, const char *val, uint64_t max, uint64_t *v)
{
	switch (kind) {
	case NK_PPM:
		return netem_num(val, netem_units_ppm, max, v);
	case NK_TIME:
		return netem_num(val, netem_units_time, max, v);
	case NK_RATE:
		return netem_num(val, netem_units_rate, max, v);
	case NK_SIZE:
		return netem_num(val, netem_units_size, max, v);
	case NK_INT:
		return netem_int(val, max, v);
	default:
		return NV_SYNTAX;
	}
}

/* Gilbert-Elliott "p,r[,bad[,good]]". */
static enum netem_verr
netem_ge(char *val, struct netem_conf *c)
{
	uint32_t f[4] = { 0, 0, NETEM_PPM, 0 }; /* loss when bad: 100%, when good: 0% */
	unsigned n = 0;
	char *save = NULL, *tok;

	if (val[0] == ',' || val[strlen(val) - 1] == ',' || strstr(val, ",,") != NULL)
		return NV_SYNTAX;
	for (tok = strtok_r(val, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		enum netem_verr e;

		if (n == 4)
			return NV_SYNTAX;
		e = netem_num(tok, netem_units_ppm, NETEM_PPM, &v);
		if (e != NV_OK)
			return e;
		f[n++] = (uint32_t)v;
	}
	if (n < 2)
		return NV_SYNTAX;
	if (f[0] == 0)
		return NV_RANGE; /* p = 0 would turn the model off */
	c->nc_ge_p_ppm = f[0];
	c->nc_ge_r_ppm = f[1];
	c->nc_ge_bad_ppm = f[2];
	c->nc_ge_good_ppm = f[3];
	return NV_OK;
}

static int
netem_word_err(char *err, size_t errlen, const char *word, size_t wlen,
	       const struct netem_key *k, enum netem_verr e, const char *val)
{
	const char *why;
	int rc = -EINVAL;

	switch (e) {
	case NV_UNIT:
		why = *val == '\0' ? "no value" : "missing or unknown unit";
		break;
	case NV_PRECISION:
		why = "more decimals than the unit allows";
		break;
	case NV_RANGE:
		why = "out of range";
		rc = -ERANGE;
		break;
	default:
		why = "not understood";
		break;
	}
	netem_err(err, errlen, "'%.*s': %s; expected %s", (int)wlen, word, why,
		  netem_kind_help[k->nk_kind]);
	return rc;
}

int
netem_parse_err(const char *str, struct netem_conf *cfg, char *err, size_t errlen)
{
	struct netem_conf c = { .nc_side = NETEM_SIDE_RW };
	const char *p = str;
	char cerr[128];

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (str == NULL || cfg == NULL)
		return netem_err(err, errlen, "no string or no settings to fill");
	for (;;) {
		const char *word, *eq;
		const struct netem_key *k = NULL;
		char val[64];
		size_t wlen, klen, vlen;
		enum netem_verr e = NV_OK;
		uint64_t v = 0;

		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		word = p;
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
		wlen = (size_t)(p - word);
		eq = memchr(word, '=', wlen);
		if (eq == NULL)
			return netem_err(err, errlen, "'%.*s': expected key=value", (int)wlen, word);
		klen = (size_t)(eq - word);
		for (size_t i = 0; i < RTE_DIM(netem_keys); i++) {
			if (strlen(netem_keys[i].nk_name) == klen &&
			    strncmp(netem_keys[i].nk_name, word, klen) == 0) {
				k = &netem_keys[i];
				break;
			}
		}
		if (k == NULL)
			return netem_err(err, errlen,
					 "'%.*s': unknown key '%.*s' (keys: side drop drop_corr ge "
					 "dup corrupt reorder gap reorder_timeout delay jitter "
					 "jitter_reorder rate burst backlog limit seed)",
					 (int)wlen, word, (int)klen, word);
		vlen = wlen - klen - 1;
		if (vlen >= sizeof(val))
			return netem_err(err, errlen, "'%.*s': value too long", (int)wlen, word);
		memcpy(val, eq + 1, vlen);
		val[vlen] = '\0';
		if (vlen == 0)
			return netem_word_err(err, errlen, word, wlen, k, NV_UNIT, val);
		switch (k->nk_kind) {
		case NK_SIDE:
			if (strcmp(val, "rd") == 0)
				c.nc_side = NETEM_SIDE_RD;
			else if (strcmp(val, "wr") == 0)
				c.nc_side = NETEM_SIDE_WR;
			else if (strcmp(val, "rw") == 0 || strcmp(val, "both") == 0)
				c.nc_side = NETEM_SIDE_RW;
			else
				e = NV_SYNTAX;
			break;
		case NK_BOOL:
			if (strcmp(val, "1") == 0)
				c.nc_flags |= NETEM_F_JITTER_REORDER;
			else if (strcmp(val, "0") == 0)
				c.nc_flags &= ~NETEM_F_JITTER_REORDER;
			else
				e = NV_SYNTAX;
			break;
		case NK_GE:
			e = netem_ge(val, &c);
			break;
		default:
			/* "rate=10mbps": bytes or bits? tc says bytes; refuse rather than guess. */
			if (k->nk_kind == NK_RATE && vlen > 3 &&
			    strcasecmp(val + vlen - 3, "bps") == 0)
				return netem_err(err, errlen,
						 "'%.*s': 'bps' is ambiguous (bits or bytes?); "
						 "expected %s", (int)wlen, word,
						 netem_kind_help[NK_RATE]);
			e = netem_value(k->nk_kind, val, k->nk_max, &v);
			if (e == NV_OK)
				netem_store(&c, k, v);
			break;
		}
		if (e != NV_OK)
			return netem_word_err(err, errlen, word, wlen, k, e, val);
	}
	if (netem_conf_check(&c, cerr, sizeof(cerr)) != 0)
		return netem_err(err, errlen, "%s", cerr);
	*cfg = c;
	return 0;
}

int
netem_parse(const char *str, struct netem_conf *cfg)
{
	return netem_parse_err(str, cfg, NULL, 0);
}

/* ---- formatting --------------------------------------------------------------------------- */

int
netem_format(const struct netem_conf *c, char *buf, size_t len)
{
	static const char *const sides[] = { "", "rd", "wr", "rw" };
	size_t used = 0;
	int n;

#define NF_PUT(...)                                                                 \
	do {                                                                        \
		n = snprintf(used < len ? buf + used : NULL, used < len ? len - used : 0, \
			     __VA_ARGS__);                                          \
		if (n < 0)                                                          \
			return n;                                                   \
		used += (size_t)n;                                                  \
	} while (0)
#define NF_PPM(key, f)                                                   \
	do {                                                             \
		if (c->f != 0)                                           \
			NF_PUT(" " key "=%" PRIu32 "ppm", c->f);         \
	} while (0)
#define NF_US(key, f)                                                    \
	do {                                                             \
		if (c->f != 0)                                           \
			NF_PUT(" " key "=%" PRIu32 "us", c->f);          \
	} while (0)

	if (buf == NULL)
		len = 0;
	NF_PUT("side=%s", sides[c->nc_side & NETEM_SIDE_RW]);
	NF_PPM("drop", nc_drop_ppm);
	NF_PPM("drop_corr", nc_drop_corr_ppm);
	if (c->nc_ge_p_ppm != 0)
		NF_PUT(" ge=%" PRIu32 "ppm,%" PRIu32 "ppm,%" PRIu32 "ppm,%" PRIu32 "ppm",
		       c->nc_ge_p_ppm, c->nc_ge_r_ppm, c->nc_ge_bad_ppm, c->nc_ge_good_ppm);
	NF_PPM("dup", nc_dup_ppm);
	NF_PPM("corrupt", nc_corrupt_ppm);
	NF_PPM("reorder", nc_reorder_ppm);
	if (c->nc_reorder_gap != 0)
		NF_PUT(" gap=%" PRIu32, c->nc_reorder_gap);
	NF_US("reorder_timeout", nc_reorder_us);
	NF_US("delay", nc_delay_us);
	NF_US("jitter", nc_jitter_us);
	if (c->nc_flags & NETEM_F_JITTER_REORDER)
		NF_PUT(" jitter_reorder=1");
	if (c->nc_rate_bps != 0)
		NF_PUT(" rate=%" PRIu64 "bit", c->nc_rate_bps);
	if (c->nc_rate_burst != 0)
		NF_PUT(" burst=%" PRIu32, c->nc_rate_burst);
	if (c->nc_rate_backlog != 0)
		NF_PUT(" backlog=%" PRIu32, c->nc_rate_backlog);
	if (c->nc_limit != 0)
		NF_PUT(" limit=%" PRIu32, c->nc_limit);
	NF_PUT(" seed=%" PRIu64, c->nc_seed);
#undef NF_US
#undef NF_PPM
#undef NF_PUT
	return (int)used;
}
