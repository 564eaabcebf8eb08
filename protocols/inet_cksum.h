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

/*
 * Every way of adding here gives the same 64-bit value, not merely the same folded sum, so
 * a partial sum may be carried from one piece to the next (inet_sum_msg()) whatever the path
 * each piece took: with the carries added back, the result is 0 only when every addend is 0,
 * and otherwise the one value in 1..2^64-1 congruent to the addends' total mod 2^64-1.
 */

/** acc + a + b in one's complement: one add-with-carry chain where the CPU has one. */
static inline uint64_t
inet_sum_add2(uint64_t acc, uint64_t a, uint64_t b)
{
#if defined(__x86_64__)
	/*
	 * add, adc, adc $0, the words read from memory by the adds: three steps where two
	 * inet_sum_add()s take four (one a compare). The last adc cannot carry out: a sum is
	 * 2^64-1 with a carry only when both addends and the carry in were all ones, and the
	 * first add has no carry in. Not _addcarry_u64(): gcc 12 makes adc of it but, inlined
	 * into a loop, passed each result through the stack (a store and a load on the carry
	 * chain at every add).
	 */
	__asm__("addq %[a], %[acc]\n\t"
		"adcq %[b], %[acc]\n\t"
		"adcq $0, %[acc]"
		: [acc] "+r"(acc)
		: [a] "rm"(a), [b] "rm"(b)
		: "cc");
	return acc;
#else
	return inet_sum_add(inet_sum_add(acc, a), b);
#endif
}

/** Eight bytes at p (any alignment), host order. */
static inline uint64_t
inet_load64(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

/**
 * Add the len bytes at buf (any alignment) to the unfolded sum acc.
 *
 * Each add with carry waits for the one before it, so a single chain of them takes eight bytes
 * per cycle at best (the loop this replaced, one add and compare per word, about five cycles
 * per 32 bytes). Long buffers go 64 bytes a turn through four independent sums of two words
 * each (the CPU renames the flags: one sum's first add does not wait for another's carry),
 * joined once after the loop; each folds its carry back every turn, as the loop's compare
 * would clobber a carry left in the flags. What is left under 64 bytes is at most one piece
 * each of 32, 16 and 8 bytes, then the last 1..7 bytes as one addend. perf/cksum_bench.c
 * measures it against the old loop and rte_raw_cksum().
 */
static inline uint64_t
inet_sum_partial(const void *buf, size_t len, uint64_t acc)
{
	const uint8_t *p = buf;

	if (len >= 64) {
		uint64_t a1 = 0, a2 = 0, a3 = 0;

		do {
			acc = inet_sum_add2(acc, inet_load64(p), inet_load64(p + 8));
			a1 = inet_sum_add2(a1, inet_load64(p + 16), inet_load64(p + 24));
			a2 = inet_sum_add2(a2, inet_load64(p + 32), inet_load64(p + 40));
			a3 = inet_sum_add2(a3, inet_load64(p + 48), inet_load64(p + 56));
			p += 64;
			len -= 64;
		} while (len >= 64);
		acc = inet_sum_add(inet_sum_add(acc, a1), inet_sum_add(a2, a3));
	}
	if (len & 32) {
		acc = inet_sum_add2(acc, inet_load64(p), inet_load64(p + 8));
		acc = inet_sum_add2(acc, inet_load64(p + 16), inet_load64(p + 24));
		p += 32;
	}
	if (len & 16) {
		/* Not inet_sum_add2(): for a header summed from 0 (IPv4's 20 bytes) gcc folds
		 * the zero into these adds, but not into an asm. */
		acc = inet_sum_add(inet_sum_add(acc, inet_load64(p)), inet_load64(p + 8));
		p += 16;
	}
	if (len & 8) {
		acc = inet_sum_add(acc, inet_load64(p));
		p += 8;
	}
	if (len & 7) {
		/* The 4-, 2- and 1-byte pieces, each as the low bits of an addend: one add. */
		uint64_t v = 0;
		uint32_t d;
		uint16_t h;

		if (len & 4) {
			memcpy(&d, p, 4);
			v = d;
			p += 4;
		}
		if (len & 2) {
			memcpy(&h, p, 2);
			v += h;
			p += 2;
		}
		if (len & 1)
			v += *p;
		acc = inet_sum_add(acc, v);
	}
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
