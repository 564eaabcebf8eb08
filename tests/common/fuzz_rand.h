/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fuzz tests' random numbers and knobs (header only: the app fuzzers run without EAL or
 * the test fixture). xorshift64*, seeded from FUZZ_SEED (a fixed default, so CI repeats
 * itself) plus a salt per test; FUZZ_ITERS is read with fz_env().
 */
#ifndef YARD_TEST_FUZZ_RAND_H
#define YARD_TEST_FUZZ_RAND_H

#include <stdint.h>
#include <stdlib.h>

static uint64_t fz_state, fz_seed;

static inline uint64_t
fz_rand(void)
{
	fz_state ^= fz_state >> 12;
	fz_state ^= fz_state << 25;
	fz_state ^= fz_state >> 27;
	return fz_state * 0x2545f4914f6cdd1dull;
}

/* A number in [0, n); 0 when n is 0. */
static inline unsigned
fz_below(unsigned n)
{
	return n == 0 ? 0 : (unsigned)(fz_rand() % n);
}

/* An unsigned from the environment, dflt when unset or empty. */
static inline unsigned long
fz_env(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? strtoul(v, NULL, 0) : dflt;
}

/* Seed the stream: FUZZ_SEED (default 0x5eed0000) plus salt; the seed in fz_seed. */
static inline void
fz_seed_init_env(uint64_t salt)
{
	fz_seed = fz_env("FUZZ_SEED", 0x5eed0000ul) + salt;
	fz_state = fz_seed * 0x9e3779b97f4a7c15ull + 1;
}

#endif
