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
