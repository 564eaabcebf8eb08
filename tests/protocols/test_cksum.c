/* SPDX-License-Identifier: BSD-3-Clause */
/* The packet-path Internet checksum (protocols/inet_cksum.h) against DPDK's reference sum. */
#include <stdlib.h>

#include <criterion/criterion.h>
#include <rte_ip.h>

#include <streams/mblk.h>

#include "inet_cksum.h"

static uint16_t
ref_sum(const void *p, size_t len)
{
	return __rte_raw_cksum_reduce(__rte_raw_cksum(p, len, 0));
}

/* Every length to 300 at every alignment to 8, of random bytes and of all-ones (carries). */
Test(cksum, matches_dpdk_every_length_and_alignment)
{
	static uint8_t buf[320 + 8];
	unsigned checked = 0;

	srand(7);
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = pass == 0 ? (uint8_t)rand() : pass == 1 ? 0xff : (uint8_t)(i * 37);
		for (size_t off = 0; off < 8; off++)
			for (size_t len = 0; len <= 300; len++) {
				cr_assert_eq(inet_sum(buf + off, len), ref_sum(buf + off, len),
					     "pass %d off %zu len %zu", pass, off, len);
				checked++;
			}
	}
	cr_assert_eq(checked, 3u * 8 * 301);
}

/* A partial sum carried across pieces equals the sum of the whole (even-length pieces). */
Test(cksum, partial_sums_chain)
{
	uint8_t buf[200];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(0xf0 ^ (i * 13));
	uint64_t acc = inet_sum_partial(buf, 64, 0);
	acc = inet_sum_partial(buf + 64, 100, acc);
	acc = inet_sum_partial(buf + 164, 36, acc);
	cr_assert_eq(inet_sum_fold(acc), ref_sum(buf, sizeof(buf)));
}

/* 16-bit one's complement folding, the plain way. */
static uint16_t
ref_fold(uint64_t a)
{
	while (a >> 16)
		a = (a & 0xffff) + (a >> 16);
	return (uint16_t)a;
}

/*
 * The unfolded sum, from its definition rather than from a loop: the start plus the buffer's
 * 8-byte words and then its last 4-, 2- and 1-byte pieces, each piece a little-endian value
 * (the host's order here), added exactly in 128 bits; then the one value that end-around
 * carries leave: 0 only when the total is 0, else the value in 1..2^64-1 congruent to it
 * mod 2^64-1. inet_sum_partial() must give these 64 bits exactly (not only their fold):
 * callers carry partial sums from one piece of a message to the next.
 */
static uint64_t
ref_partial(const uint8_t *p, size_t len, uint64_t acc)
{
	unsigned __int128 t = acc;
	size_t piece = 8;

	while (len != 0) {
		uint64_t v = 0;

		while (piece > len)
			piece /= 2;
		for (size_t k = 0; k < piece; k++)
			v |= (uint64_t)p[k] << (8 * k);
		t += v;
		p += piece;
		len -= piece;
	}
	return t == 0 ? 0 : (uint64_t)((t - 1) % UINT64_MAX) + 1;
}

/* Starting sums where the carries wrap: near 0, near 2^64, one's-complement zero (all ones). */
static const uint64_t starts[] = {
	0, 1, 0xffff, 0x8000000000000000ull, 0xffffffff00000000ull, 0xffffffffffff0000ull,
	0xfffffffffffffffdull, 0xfffffffffffffffeull, 0xffffffffffffffffull,
};
#define NSTARTS (sizeof(starts) / sizeof(starts[0]))

static uint64_t
rand64(void)
{
	return ((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand();
}

static void
fill(uint8_t *buf, size_t n, int pattern)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = pattern == 0 ? (uint8_t)rand() : pattern == 1 ? 0xff : 0;
}

/*
 * Every length to 600 (the 64-byte loop run 0..9 times, then each of the 32-, 16-, 8-byte and
 * 4/2/1 tails) at every alignment to 8 and from every start, of random bytes, all ones (every
 * add carries) and zeros (the result is the start, all ones kept as all ones).
 */
Test(cksum, partial_is_exact_every_length_alignment_and_start)
{
	static uint8_t buf[600 + 8];

	srand(13);
	for (int pattern = 0; pattern < 3; pattern++) {
		fill(buf, sizeof(buf), pattern);
		for (size_t off = 0; off < 8; off++)
			for (size_t len = 0; len <= 600; len++)
				for (size_t i = 0; i < NSTARTS; i++) {
					uint64_t got = inet_sum_partial(buf + off, len, starts[i]);

					cr_assert_eq(got, ref_partial(buf + off, len, starts[i]),
						     "pattern %d off %zu len %zu start 0x%llx", pattern,
						     off, len, (unsigned long long)starts[i]);
				}
	}
	cr_assert_eq(inet_sum_partial(buf, 0, UINT64_MAX), UINT64_MAX);
}

/* Each side of every unroll boundary, up to the largest UDP datagram, all ones and random. */
Test(cksum, partial_is_exact_at_unroll_boundaries)
{
	static uint8_t buf[65536 + 8];
	static const size_t base[] = { 8, 16, 32, 64, 128, 192, 576, 1024, 1448, 1472, 4096, 8192,
				       9000, 16384, 65472, 65507, 65536 };

	srand(17);
	for (int pattern = 0; pattern < 2; pattern++) {
		fill(buf, sizeof(buf), pattern);
		for (size_t b = 0; b < sizeof(base) / sizeof(base[0]); b++)
			for (size_t len = base[b] - 8; len <= base[b] && len <= 65536; len++)
				for (size_t off = 0; off < 8; off += 3)
					for (size_t i = 0; i < NSTARTS; i++)
						cr_assert_eq(inet_sum_partial(buf + off, len, starts[i]),
							     ref_partial(buf + off, len, starts[i]),
							     "pattern %d len %zu off %zu start %zu",
							     pattern, len, off, i);
	}
}

/* Random lengths, alignments, starting sums and contents (some runs of all ones in them). */
Test(cksum, partial_is_exact_random)
{
	static uint8_t buf[9100];

	srand(19);
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)rand() % (round & 1 ? 9000 : 300), off = (size_t)rand() % 64;
		uint64_t acc = round % 3 == 0 ? rand64() : UINT64_MAX - (uint64_t)(rand() % 70000);

		if (round % 500 == 0) {
			fill(buf, sizeof(buf), 0);
			memset(buf + rand() % 4000, 0xff, (size_t)rand() % 5000);
		}
		cr_assert_eq(inet_sum_partial(buf + off, len, acc), ref_partial(buf + off, len, acc),
			     "round %d len %zu off %zu acc 0x%llx", round, len, off,
			     (unsigned long long)acc);
	}
}

/*
 * inet_sum_msg() over a chain of blocks cut anywhere (odd cuts swap the next block's bytes,
 * RFC 1071 2(B)), from any offset, for any length, from any start: the fold equals DPDK's
 * sum of the same bytes in one piece, added to the start. The blocks are laid by hand over
 * one buffer: inet_sum_msg() reads only b_rptr, b_wptr and b_cont.
 */
Test(cksum, msg_across_blocks_cut_anywhere)
{
	static uint8_t buf[4096];
	mblk_t blk[8];

	srand(23);
	for (int round = 0; round < 20000; round++) {
		size_t nblk = 1 + (size_t)rand() % 8, total = 0, off, len;
		uint64_t acc = round & 1 ? starts[(size_t)rand() % NSTARTS] : rand64();
		uint8_t *q = buf + rand() % 8;

		if (round % 1000 == 0)
			fill(buf, sizeof(buf), round % 3000 == 1000 ? 1 : 0);
		memset(blk, 0, sizeof(blk));
		for (size_t i = 0; i < nblk; i++) {
			size_t bl = round & 2 ? (size_t)rand() % 8 : (size_t)rand() % 500;

			blk[i].b_rptr = q;
			blk[i].b_wptr = q + bl;
			blk[i].b_cont = i + 1 < nblk ? &blk[i + 1] : NULL;
			q += bl;
			total += bl;
		}
		off = total != 0 ? (size_t)rand() % (total + 1) : 0;
		len = (size_t)rand() % (total - off + 1);

		uint16_t want = ref_fold((uint64_t)ref_fold(acc) + ref_sum(blk[0].b_rptr + off, len));

		cr_assert_eq(inet_sum_fold(inet_sum_msg(&blk[0], off, len, acc)), want,
			     "round %d blocks %zu off %zu len %zu", round, nblk, off, len);
	}
}

/* The IPv4 header sum: a header checksummed by DPDK verifies, and options go the long way. */
Test(cksum, ipv4_header)
{
	uint8_t h[60];

	for (size_t hlen = 20; hlen <= 60; hlen += 4) {
		for (size_t i = 0; i < hlen; i++)
			h[i] = (uint8_t)(i * 71 + hlen);
		h[0] = (uint8_t)(0x40 | (hlen / 4));
		h[10] = h[11] = 0;
		uint16_t ck = (uint16_t)~ref_sum(h, hlen);
		cr_assert_eq((uint16_t)~inet_ipv4_hdr_sum(h, hlen), ck, "hlen %zu", hlen);
		memcpy(h + 10, &ck, 2);
		cr_assert_eq(inet_ipv4_hdr_sum(h, hlen), 0xffff, "hlen %zu", hlen);
	}
}

/* The fold against plain mask-and-add folding, at the carries' edges and on random sums. */

Test(cksum, fold_edges)
{
	static const uint64_t edge[] = {
		0, 1, 0xfffe, 0xffff, 0x10000, 0x1fffe, 0xffffffffull, 0x100000000ull,
		0xffff0000ffffull, 0xfffffffffffeull, 0xffffffffffffffffull, 0x8000000000000000ull,
		0xffffffff00000000ull, 0x00000001ffffffffull,
	};

	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		cr_assert_eq(inet_sum_fold(edge[i]), ref_fold(edge[i]), "0x%llx",
			     (unsigned long long)edge[i]);
	srand(11);
	for (int i = 0; i < 100000; i++) {
		uint64_t a = ((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand();

		cr_assert_eq(inet_sum_fold(a), ref_fold(a), "0x%llx", (unsigned long long)a);
	}
}
