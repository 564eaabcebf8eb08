/* SPDX-License-Identifier: BSD-3-Clause */
/* The packet-path Internet checksum (protocols/inet_cksum.h) against DPDK's reference sum. */
#include <stdlib.h>

#include <criterion/criterion.h>
#include <rte_ip.h>

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
static uint16_t
ref_fold(uint64_t a)
{
	while (a >> 16)
		a = (a & 0xffff) + (a >> 16);
	return (uint16_t)a;
}

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
