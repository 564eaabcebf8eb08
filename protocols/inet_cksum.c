/* SPDX-License-Identifier: BSD-3-Clause */
/* The Internet checksum over a message's blocks (inet_cksum.h). */
#include <rte_byteorder.h>
#include <rte_common.h>

#include <streams/mblk.h>

#include "inet_cksum.h"

uint64_t
inet_sum_msg(const mblk_t *mp, size_t off, size_t len, uint64_t acc)
{
	size_t done = 0;

	for (; mp != NULL && done < len; mp = mp->b_cont) {
		size_t bl = MBLKL(mp), take;

		if (off >= bl) {
			off -= bl;
			continue;
		}
		take = RTE_MIN(bl - off, len - done);
		/* A block at an odd offset of the whole has its bytes swapped (RFC 1071 2(B)). */
		if (done & 1)
			acc = inet_sum_add(acc, rte_bswap16(inet_sum(mp->b_rptr + off, take)));
		else
			acc = inet_sum_partial(mp->b_rptr + off, take, acc);
		done += take;
		off = 0;
	}
	return acc;
}

/* Store len bytes into mp at offset off, across blocks. */
static void
inet_msg_store(mblk_t *mp, size_t off, const void *src, size_t len)
{
	const uint8_t *s = src;

	for (; mp != NULL && len != 0; mp = mp->b_cont) {
		size_t bl = MBLKL(mp), take;

		if (off >= bl) {
			off -= bl;
			continue;
		}
		take = RTE_MIN(bl - off, len);
		memcpy(mp->b_rptr + off, s, take);
		s += take;
		len -= take;
		off = 0;
	}
}

void
inet_l4_cksum_complete(mblk_t *mp, unsigned hlen, unsigned tot, bool udp)
{
	/* The field already holds the pseudo-header's sum: the L4 bytes' sum is the whole. */
	uint16_t ck = (uint16_t)~inet_sum_fold(inet_sum_msg(mp, hlen, tot - hlen, 0));

	if (ck == 0 && udp)
		ck = 0xffff; /* RFC 768: zero means "no checksum" */
	/* The sum is in memory order (RFC 1071 section 2(B)): stored as it is. */
	inet_msg_store(mp, hlen + (udp ? 6u : 16u), &ck, sizeof(ck));
}
