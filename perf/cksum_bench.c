/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * yard-cksum-bench: what the software Internet checksum costs per byte, in TSC cycles.
 *
 * Three sums of the same buffer, each in the same run and at the same sizes (a minimal
 * datagram, RFC 791's 576, a TCP segment in a 1500-byte MTU, a jumbo frame, the largest UDP
 * datagram):
 *
 *   new   inet_sum_partial() (protocols/inet_cksum.h), what tcp, udp and ip sum data with
 *   old   the loop it replaced: 32 bytes a turn, each 8-byte add followed by a compare for
 *         its carry (one long dependency chain); kept here only, as the reference
 *   rte   DPDK's rte_raw_cksum(), 16 bits a step
 *
 * Before any timing the three are checked against each other (new and old to the bit, all
 * three folded) at every size and alignment used: a wrong sum fails the run (exit 1).
 *
 * Each figure is the median of --runs timed runs, after one untimed warm-up, of enough calls
 * to sum about --bytes bytes (the three sums take turns, run by run); the buffer stays in cache (a packet being summed has just been
 * written or received). Each call's result feeds the next one's start (new, old) or is kept
 * (rte), and the buffer's address is hidden from the compiler each call, so no call can be
 * hoisted out of the loop or dropped. Cycles are the TSC's: on a CPU whose core clock differs
 * from the TSC the absolute figures scale, the ratios (old/new, rte/new) do not. Timings on a
 * shared machine are noisy: compare the ratios of one run, and never treat this as a test.
 *
 * Output: a table, then one line per size starting with RESULT (key=value) for scripts.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ip.h>

#include <protocols/inet_cksum.h>

#define BENCH_RUNS_MAX 101
#define BENCH_BUF_MAX  65536

static const size_t bench_sizes[] = { 64, 576, 1448, 9000, 65507 };
#define BENCH_NSIZES (sizeof(bench_sizes) / sizeof(bench_sizes[0]))

/* The loop inet_sum_partial() had before the add-with-carry chains, as it was. */
static inline uint64_t
old_sum_partial(const void *buf, size_t len, uint64_t acc)
{
	const uint8_t *p = buf;
	uint64_t w;
	uint32_t d;
	uint16_t h;

	for (; len >= 32; p += 32, len -= 32) {
		uint64_t a, b, c, e;

		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		memcpy(&c, p + 16, 8);
		memcpy(&e, p + 24, 8);
		acc = inet_sum_add(acc, a);
		acc = inet_sum_add(acc, b);
		acc = inet_sum_add(acc, c);
		acc = inet_sum_add(acc, e);
	}
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		acc = inet_sum_add(acc, w);
	}
	if (len & 4) {
		memcpy(&d, p, 4);
		acc = inet_sum_add(acc, d);
		p += 4;
	}
	if (len & 2) {
		memcpy(&h, p, 2);
		acc = inet_sum_add(acc, h);
		p += 2;
	}
	if (len & 1)
		acc = inet_sum_add(acc, *p);
	return acc;
}

enum bench_fn { FN_NEW, FN_OLD, FN_RTE, FN_COUNT };

/* One timed run: calls of fn over len bytes at p; TSC cycles per byte. */
static inline __attribute__((always_inline)) double
bench_run(enum bench_fn fn, const uint8_t *p, size_t len, unsigned long calls)
{
	uint64_t acc = 0, t0, t1;

	t0 = rte_rdtsc_precise();
	for (unsigned long i = 0; i < calls; i++) {
		const uint8_t *q = p;

		__asm__ volatile("" : "+r"(q)); /* the buffer's address unknown: sum it again */
		switch (fn) {
		case FN_NEW:
			acc = inet_sum_partial(q, len, acc);
			break;
		case FN_OLD:
			acc = old_sum_partial(q, len, acc);
			break;
		default:
			acc += rte_raw_cksum(q, len);
			break;
		}
	}
	t1 = rte_rdtsc_precise();
	__asm__ volatile("" : : "r"(acc));
	return (double)(t1 - t0) / ((double)calls * (double)len);
}

/*
 * A copy of the loop for each sum, with its switch resolved: a test per call would weigh on
 * the smallest size. noinline keeps each loop whole and alike.
 */
static __attribute__((noinline)) double
bench_new(const uint8_t *p, size_t len, unsigned long calls)
{
	return bench_run(FN_NEW, p, len, calls);
}

static __attribute__((noinline)) double
bench_old(const uint8_t *p, size_t len, unsigned long calls)
{
	return bench_run(FN_OLD, p, len, calls);
}

static __attribute__((noinline)) double
bench_rte(const uint8_t *p, size_t len, unsigned long calls)
{
	return bench_run(FN_RTE, p, len, calls);
}

static double (*const bench_fns[FN_COUNT])(const uint8_t *, size_t, unsigned long) = {
	bench_new, bench_old, bench_rte,
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The three sums agree at len bytes from p (new and old to the bit); 0 or -1. */
static int
bench_check(const uint8_t *p, size_t len)
{
	static const uint64_t starts[] = { 0, 1, 0xfffffffffffffffeull, 0xffffffffffffffffull };

	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		uint64_t n = inet_sum_partial(p, len, starts[i]), o = old_sum_partial(p, len, starts[i]);

		if (n != o) {
			fprintf(stderr, "cksum-bench: new 0x%" PRIx64 " != old 0x%" PRIx64 " at %zu bytes"
				" from %p, start 0x%" PRIx64 "\n", n, o, len, (const void *)p, starts[i]);
			return -1;
		}
	}
	if (inet_sum(p, len) != rte_raw_cksum(p, len)) {
		fprintf(stderr, "cksum-bench: new 0x%04x != rte_raw_cksum 0x%04x at %zu bytes\n",
			inet_sum(p, len), rte_raw_cksum(p, len), len);
		return -1;
	}
	return 0;
}

static void
usage(const char *prog)
{
	printf("usage: %s [--runs N] [--bytes N] [--offset N]\n"
	       "  --runs N    timed runs per figure; the median is reported (default 9)\n"
	       "  --bytes N   bytes summed per run, about (default 16000000)\n"
	       "  --offset N  the buffer's offset from a 64-byte boundary (default 0)\n", prog);
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "runs", required_argument, NULL, 'r' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "offset", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static uint8_t buf[BENCH_BUF_MAX + 64] __attribute__((aligned(64)));
	double cpb[BENCH_NSIZES][FN_COUNT], samples[FN_COUNT][BENCH_RUNS_MAX];
	unsigned long runs = 9, bytes = 16000000, offset = 0;
	const uint8_t *p;
	int c;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			runs = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			bytes = strtoul(optarg, NULL, 0);
			break;
		case 'o':
			offset = strtoul(optarg, NULL, 0);
			break;
		default:
			usage(argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	if (runs == 0 || runs > BENCH_RUNS_MAX || offset >= 64 || bytes == 0) {
		usage(argv[0]);
		return 2;
	}
	srand(1);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	p = buf + offset;
	/* Every length to 2 KB at every alignment, all ones too, then the sizes timed. */
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len <= 2048; len++)
			if (bench_check(buf + off, len) != 0)
				return 1;
	memset(buf + 4096, 0xff, 4096);
	for (size_t len = 0; len <= 2048; len++)
		if (bench_check(buf + 4096 + (len & 7), len) != 0)
			return 1;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t s = 0; s < BENCH_NSIZES; s++)
		if (bench_check(p, bench_sizes[s]) != 0)
			return 1;

	for (size_t s = 0; s < BENCH_NSIZES; s++) {
		size_t len = bench_sizes[s];
		unsigned long calls = bytes / len != 0 ? bytes / len : 1;

		/* The three take turns, run by run, so that a busy spell falls on all of them. */
		for (int fn = 0; fn < FN_COUNT; fn++)
			bench_fns[fn](p, len, calls); /* warm-up */
		for (unsigned long r = 0; r < runs; r++)
			for (int fn = 0; fn < FN_COUNT; fn++)
				samples[fn][r] = bench_fns[fn](p, len, calls);
		for (int fn = 0; fn < FN_COUNT; fn++) {
			qsort(samples[fn], runs, sizeof(samples[fn][0]), cmp_double);
			cpb[s][fn] = samples[fn][runs / 2];
		}
	}

	printf("cksum-bench: TSC cycles per byte, median of %lu runs of ~%lu bytes, buffer at"
	       " 64n+%lu\n", runs, bytes, offset);
	printf("%8s %8s %8s %8s %8s %8s\n", "bytes", "new", "old", "rte", "old/new", "rte/new");
	for (size_t s = 0; s < BENCH_NSIZES; s++)
		printf("%8zu %8.3f %8.3f %8.3f %8.2f %8.2f\n", bench_sizes[s], cpb[s][FN_NEW],
		       cpb[s][FN_OLD], cpb[s][FN_RTE], cpb[s][FN_OLD] / cpb[s][FN_NEW],
		       cpb[s][FN_RTE] / cpb[s][FN_NEW]);
	for (size_t s = 0; s < BENCH_NSIZES; s++)
		printf("RESULT bench=cksum bytes=%zu offset=%lu new_cpb=%.4f old_cpb=%.4f "
		       "rte_cpb=%.4f old_over_new=%.2f rte_over_new=%.2f\n", bench_sizes[s], offset,
		       cpb[s][FN_NEW], cpb[s][FN_OLD], cpb[s][FN_RTE],
		       cpb[s][FN_OLD] / cpb[s][FN_NEW], cpb[s][FN_RTE] / cpb[s][FN_NEW]);
	return 0;
}
