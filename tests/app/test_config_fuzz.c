/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mutation fuzzing of the configuration parser (app/config.c): every file in config/ and one
 * that sets every documented key to its default are mutated -- lines deleted, repeated,
 * swapped, cut; keys given strange values (huge, negative, empty, lists, suffixes); section
 * headers bent; bytes flipped, NULs, CRs and tabs put in; very long lines -- and loaded.
 *
 * What must hold: no crash and nothing the sanitizers see; the answer is 0, or -1 with one
 * line of message that begins with the file's name; and a configuration accepted is usable
 * (its EAL arguments can be made). FUZZ_ITERS (files, default 4000) and FUZZ_SEED set the run.
 * No EAL: the parser runs before rte_eal_init().
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "app/config.h"
#include "../common/fuzz_rand.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))
#define TEXT_MAX (1 << 16)

TestSuite(config_fuzz);

/* Seeds: the shipped files, and one with every documented key at its default. */
static char *seeds[16];
static unsigned nseeds;

static void
seeds_load(void)
{
	static char all[TEXT_MAX];
	const char *section, *key, *def, *range, *last = "";
	size_t n = 0;
	glob_t g;

	cr_assert_eq(glob(YARD_SOURCE_DIR "/config/*.ini", 0, NULL, &g), 0, "no config/*.ini");
	for (size_t i = 0; i < g.gl_pathc && nseeds < DIM(seeds) - 1; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");
		char *t = calloc(1, TEXT_MAX);

		cr_assert(f != NULL && t != NULL);
		(void)fread(t, 1, TEXT_MAX - 1, f);
		fclose(f);
		seeds[nseeds++] = t;
	}
	globfree(&g);
	for (unsigned i = 0; yard_config_key_at(i, &section, &key, &def, &range) >= 0; i++) {
		if (strcmp(section, last) != 0)
			n += (size_t)snprintf(all + n, sizeof(all) - n, "\n[%s]\n", section);
		last = section;
		if (def != NULL && def[0] != '\0' && strchr(def, ' ') == NULL)
			n += (size_t)snprintf(all + n, sizeof(all) - n, "%s = %s\n", key, def);
	}
	n += (size_t)snprintf(all + n, sizeof(all) - n,
			      "\n[port0]\ndev = net_tap0,iface=yard0\naddress = 198.18.0.2/24\n");
	seeds[nseeds++] = all;
	(void)n;
}

static const char *const fz_values[] = {
	"", "0", "-1", "1", "65535", "65536", "4294967295", "4294967296",
	"18446744073709551616", "99999999999999999999999", "0x10", "1e3", "1k", "1K", "64M",
	"3g", "1T", "1.5", "on", "off", "yes", "auto", "0-1", "1-0", "0,0", "0-127", "128",
	"198.18.0.2/24", "198.18.0.2/33", "255.255.255.255/32", "0.0.0.0/0", "1.2.3",
	"net_tap0,iface=yard0", "net_pcap0,rx_pcap=/nonexistent", "newreno", "vegas", "10s",
	"24h", "25h", "0ms", "a=b", "= =", "\"quoted\"", "x y z", "[port0]",
};

static const char *const fz_sections[] = {
	"[yard]", "[eal]", "[port0]", "[port1]", "[port31]", "[port32]", "[services]", "[tcp]",
	"[memcached]", "[client.a]", "[client.]", "[client.a b]", "[]", "[port", "port0]",
	"[ yard ]", "[YARD]",
};

/* A line somewhere: a real key with a strange value, or a section header. */
static size_t
fz_insert_line(char *t, size_t n)
{
	char line[512];
	const char *section, *key, *def, *range;
	size_t at, len;
	unsigned nkeys = 0;

	while (yard_config_key_at(nkeys, &section, &key, &def, &range) >= 0)
		nkeys++;
	if (fz_below(4) == 0) {
		len = (size_t)snprintf(line, sizeof(line), "%s\n",
				       fz_sections[fz_below(DIM(fz_sections))]);
	} else {
		(void)yard_config_key_at(fz_below(nkeys), &section, &key, &def, &range);
		len = (size_t)snprintf(line, sizeof(line), "%s%s=%s%s\n", key,
				       fz_below(2) ? " " : "", fz_below(2) ? " " : "",
				       fz_values[fz_below(DIM(fz_values))]);
	}
	if (n + len >= TEXT_MAX)
		return n;
	/* at the start of a line */
	at = fz_below((unsigned)n + 1);
	while (at > 0 && t[at - 1] != '\n')
		at--;
	memmove(t + at + len, t + at, n - at);
	memcpy(t + at, line, len);
	return n + len;
}

/* Bounds of the line that holds byte at: [*s, *e), e past its \n. */
static void
fz_line(const char *t, size_t n, size_t at, size_t *s, size_t *e)
{
	*s = at;
	while (*s > 0 && t[*s - 1] != '\n')
		(*s)--;
	*e = at;
	while (*e < n && t[*e] != '\n')
		(*e)++;
	if (*e < n)
		(*e)++;
}

static size_t
fz_mutate(char *t, size_t n)
{
	unsigned k = 1 + fz_below(4);

	for (unsigned m = 0; m < k; m++) {
		size_t at = fz_below((unsigned)n + 1), s, e;

		switch (fz_below(9)) {
		case 0: case 1: case 2:
			n = fz_insert_line(t, n);
			break;
		case 3: /* a line deleted */
			if (n > 0) {
				fz_line(t, n, at < n ? at : n - 1, &s, &e);
				memmove(t + s, t + e, n - e);
				n -= e - s;
			}
			break;
		case 4: /* a line repeated */
			if (n > 0) {
				fz_line(t, n, at < n ? at : n - 1, &s, &e);
				if (n + (e - s) < TEXT_MAX) {
					memmove(t + e + (e - s), t + e, n - e);
					memcpy(t + e, t + s, e - s);
					n += e - s;
				}
			}
			break;
		case 5: /* a byte */
			if (n > 0) {
				static const char b[] = { '\0', '\r', '\t', '=', '[', ']', '#', ';', ' ',
							  '\n', '\\', '"', (char)0xff, (char)0x80 };

				t[at < n ? at : n - 1] = fz_below(3) ? b[fz_below(DIM(b))]
								     : (char)fz_rand();
			}
			break;
		case 6: /* cut */
			n = at;
			break;
		case 7: /* a very long token */
			if (n + 5000 < TEXT_MAX) {
				size_t len = 100 + fz_below(4900);

				memmove(t + at + len, t + at, n - at);
				memset(t + at, fz_below(2) ? '9' : 'x', len);
				n += len;
			}
			break;
		default: /* no final newline, or CRLF ends */
			if (n > 0 && t[n - 1] == '\n')
				n--;
			break;
		}
	}
	return n;
}

Test(config_fuzz, the_parser_answers_every_mutated_file_with_a_value_or_one_line,
     .timeout = 600)
{
	unsigned long iters = fz_env("FUZZ_ITERS", 4000);
	static char text[TEXT_MAX], err[YARD_CFG_ERRLEN];
	static struct yard_config cfg;
	char path[64];
	unsigned accepted = 0;

	fz_seed_init_env(0);
	cr_log_info("fuzz seed %#lx", (unsigned long)fz_seed);
	seeds_load();
	snprintf(path, sizeof(path), "/tmp/yard-cfg-fuzz-XXXXXX.ini");
	{
		int fd = mkstemps(path, 4);

		cr_assert_geq(fd, 0, "mkstemps: %s", strerror(errno));
		close(fd);
	}
	for (unsigned long i = 0; i < iters; i++) {
		const char *seed = seeds[fz_below(nseeds)];
		size_t n = strlen(seed);
		FILE *f;
		int rc;

		memcpy(text, seed, n);
		n = fz_mutate(text, n);
		f = fopen(path, "w");
		cr_assert_not_null(f);
		cr_assert_eq(fwrite(text, 1, n, f), n);
		fclose(f);
		memset(err, 0x55, sizeof(err));
		rc = yard_config_load(path, &cfg, err, sizeof(err));
		if (rc == 0) {
			char *argv[128], buf[4096];

			accepted++;
			cr_assert_geq(yard_config_eal_args(&cfg, false, argv, (int)DIM(argv), buf,
							   sizeof(buf)), -1);
			continue;
		}
		cr_assert_eq(rc, -1, "seed %#lx, file %lu: answer %d", (unsigned long)fz_seed, i, rc);
		cr_assert_not_null(memchr(err, '\0', sizeof(err)), "message not terminated");
		cr_assert_eq(strncmp(err, path, strlen(path)), 0,
			     "seed %#lx, file %lu: message does not start with the file: %s",
			     (unsigned long)fz_seed, i, err);
		cr_assert_gt(strlen(err), strlen(path) + 2, "an empty message");
		cr_assert_null(strchr(err, '\n'), "seed %#lx, file %lu: more than one line: %s",
			       (unsigned long)fz_seed, i, err);
	}
	unlink(path);
	cr_log_info("fuzz seed %#lx: %lu files, %u accepted", (unsigned long)fz_seed, iters,
		    accepted);
}
