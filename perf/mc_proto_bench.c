/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cost of the memcached protocol and table alone (app/memcache/), without any transport:
 * 10000 keys of 100-byte values, then batches of 100 pipelined "get" (one hit each) and of
 * 100 pipelined "set", parsed and executed from one buffer as a read would bring them.
 * Prints one RESULT line: nanoseconds and TSC cycles per request of each kind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "app/memcache/mc_proto.h"

#define KEYS 10000
#define BATCH 100
#define ROUNDS 2000

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Run buf through the protocol ROUNDS times; ns and cycles per request into *ns, *cyc. */
static void
run(struct mc_session *s, struct mc_obuf *out, const char *buf, size_t len, double *ns,
    double *cyc)
{
	double t0 = now_ns();
	unsigned long long c0 = __rdtsc();

	for (int r = 0; r < ROUNDS; r++) {
		size_t used = mc_proto_input(s, buf, len, out, 0);

		if (used != len || out->ob_failed) {
			fprintf(stderr, "mc_proto_bench: the batch was not consumed whole\n");
			exit(1);
		}
		mc_obuf_sent(out, mc_obuf_pending(out));
	}
	*cyc = (double)(__rdtsc() - c0) / (ROUNDS * BATCH);
	*ns = (now_ns() - t0) / (ROUNDS * BATCH);
}

int
main(void)
{
	struct mc_store_conf conf = { .mem_limit = 64u << 20, .max_item = 1u << 20 };
	struct mc_server_info info = { .sv_threads = 1 };
	struct mc_store *st = mc_store_create(&conf);
	struct mc_session s;
	struct mc_obuf out = { 0 };
	static char gets[BATCH * 32], sets[BATCH * 160], value[101];
	size_t gl = 0, sl = 0;
	double gns, gcyc, sns, scyc;

	if (st == NULL)
		return 1;
	mc_store_set_time(st, time(NULL));
	mc_session_init(&s, st, &info);
	memset(value, 'v', 100);
	for (int k = 0; k < KEYS; k++) {
		char line[200];
		int n = snprintf(line, sizeof(line), "set key:%d 0 0 100\r\n%s\r\n", k, value);

		mc_proto_input(&s, line, (size_t)n, &out, 0);
	}
	mc_obuf_sent(&out, mc_obuf_pending(&out));
	for (int i = 0; i < BATCH; i++) {
		gl += (size_t)sprintf(gets + gl, "get key:%d\r\n", (i * 97) % KEYS);
		sl += (size_t)sprintf(sets + sl, "set key:%d 0 0 100\r\n%s\r\n", (i * 89) % KEYS,
				      value);
	}
	run(&s, &out, gets, gl, &gns, &gcyc);
	run(&s, &out, sets, sl, &sns, &scyc);
	printf("RESULT bench=mc_proto keys=%d value=100 batch=%d get_ns=%.0f get_cycles=%.0f "
	       "set_ns=%.0f set_cycles=%.0f hits=%llu\n", KEYS, BATCH, gns, gcyc, sns, scyc,
	       (unsigned long long)mc_store_stats(st)->get_hits);
	mc_session_fini(&s);
	mc_obuf_free(&out);
	mc_store_destroy(st);
	return 0;
}
