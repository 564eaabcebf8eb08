/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Internet checksum (RFC 1071) on the packet path.
 *
 * DPDK's __rte_raw_cksum() adds one 16-bit word per iteration (a 20-byte IPv4 header is ten
 * trips round a loop the compiler cannot unroll for an unknown length). RFC 1071 section 2
 * allows any word width: the one's complement sum of 64-bit words, with each carry out added
 * back in, folds to the same 16-bit sum. So the sum here takes eight bytes per add, and the
 * IPv4 header, whose length is almost always 20, has a straight-line version.
 *
 * Byte order: words are loaded in host order, like __rte_raw_cksum(); the folded result is in
 * the same (network-in-memory) order and may be stored into a header as it is. A trailing odd
 * byte counts as the high-order byte of a word padded with zero (RFC 1071), which in host
 * (little-endian) order is the byte itself.
 */
#ifndef YARD_INET_CKSUM_H
#define YARD_INET_CKSUM_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/**
 * A 16-bit header value in network order, for values known only at run time (lengths, ids).
 * rte_cpu_to_be_16() of such a value is an asm volatile xchg on x86, which pins its operand
 * to a byte-addressable register and which the compiler may not combine with the shifts
 * around it; the builtin costs a few instructions less per use on the packet path.
 */
static inline uint16_t
inet_be16(uint16_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap16(v);
#else
	return v;
#endif
}

/** acc + v in one's complement arithmetic on 64 bits (the carry out added back). */
static inline uint64_t
inet_sum_add(uint64_t acc, uint64_t v)
{
	acc += v;
	return acc + (acc < v);
}

/** Add the len bytes at buf (any alignment) to the unfolded sum acc. */
static inline uint64_t
inet_sum_partial(const void *buf, size_t len, uint64_t acc)
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

/**
 * Fold an unfolded sum to 16 bits (not complemented). Adding a value to itself rotated by half
 * its width leaves, in the high half, the two halves' sum with the end-around carry: two
 * rotates and adds instead of four masks, shifts and adds.
 */
static inline uint16_t
inet_sum_fold(uint64_t acc)
{
	uint32_t s;

	acc += (acc >> 32) | (acc << 32);
	s = (uint32_t)(acc >> 32);
	s += (s >> 16) | (s << 16);
	return (uint16_t)(s >> 16);
}

/** The folded sum of len bytes at buf: __rte_raw_cksum_reduce(__rte_raw_cksum(buf, len, 0)). */
static inline uint16_t
inet_sum(const void *buf, size_t len)
{
	return inet_sum_fold(inet_sum_partial(buf, len, 0));
}

/**
 * The folded sum of an IPv4 header of hlen bytes (hlen a multiple of 4, at least 20): 0xffff
 * when a received header's checksum is right; ~ of it is the checksum to store (with the
 * checksum field zero). Straight-line for the usual 20 bytes.
 */
static inline uint16_t
inet_ipv4_hdr_sum(const void *hdr, size_t hlen)
{
	const uint8_t *p = hdr;
	uint64_t a, b, acc;
	uint32_t c;

	if (__builtin_expect(hlen != 20, 0))
		return inet_sum(hdr, hlen);
	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	memcpy(&c, p + 16, 4);
	acc = inet_sum_add(a, b);
	acc = inet_sum_add(acc, c);
	return inet_sum_fold(acc);
}

struct msgb;

/**
 * Add len bytes of the message mp, from offset off, to the unfolded sum acc (any block
 * boundaries, odd ones included): inet_cksum.c.
 */
uint64_t inet_sum_msg(const struct msgb *mp, size_t off, size_t len, uint64_t acc);

/**
 * Complete a transport checksum left "partial" (ip.h, "Transport checksums"): the IPv4
 * datagram mp (header at b_rptr, hlen bytes; tot bytes in all, L4 part holding at least its
 * header) has the pseudo-header's sum in the UDP (udp true) or TCP checksum field; store the
 * checksum of the L4 bytes, field included, complemented (UDP: 0 sent as 0xffff). The field
 * may straddle blocks. What a port's TX L4 offload does: for ip on a link without it, and for
 * a module (netem) that changes data after the request was made.
 */
void inet_l4_cksum_complete(struct msgb *mp, unsigned hlen, unsigned tot, bool udp);

#endif /* YARD_INET_CKSUM_H */
