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
