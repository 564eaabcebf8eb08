/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The "netem" STREAMS module: loss, duplication, reordering, delay, corruption and rate
 * limiting of the M_DATA messages that cross it, seeded and deterministic, for tests that must
 * prove recovery (TCP under loss) and for users testing their applications. Modelled on Linux
 * netem (tc-netem(8)), which the kernels yard runs on may not have.
 *
 * Where it sits. netem is pushed anywhere in a stream; typically on a link stream between the
 * driver and "arp" (it then sees Ethernet frames), or between "arp" and the lower side of
 * "ip" (it then sees IPv4 packets). It does not look inside the messages.
 *
 *   arp (or ip's lower side, or a test)
 *     |  M_DATA, impaired on the way down by the write-side settings
 *   netem
 *     |  M_DATA, impaired on the way up by the read-side settings
 *   driver (pmd / loop)
 *
 * Each direction has its own settings, its own generator and its own counters. A message
 * goes through these stages, in this order, each drawing from its direction's generator only
 * when it is enabled:
 *   1. loss: independent (nc_drop_ppm), with an optional correlation (nc_drop_corr_ppm: the
 *      chance a message shares its predecessor's fate; the mean loss stays nc_drop_ppm), or
 *      the Gilbert-Elliott two-state burst model (nc_ge_*). Dropped messages are freed.
 *   2. duplication (nc_dup_ppm): dupmsg(), so the copy shares the data (zero copy). The copy
 *      follows the original through the stages below on its own (it is never dropped or
 *      duplicated again).
 *   3. corruption (nc_corrupt_ppm): one bit, uniformly chosen over the message's bytes, is
 *      flipped. A block whose data is shared (DB_REF > 1: a duplicate, a TCP retransmission
 *      queue, a test's reference) is copied first, so no other holder sees the flip. The RX
 *      checksum verdicts in the mbuf are cleared, so the layer above verifies in software.
 *   4. reordering (nc_reorder_ppm, nc_reorder_gap): the message is held back and goes on right
 *      after the next nc_reorder_gap messages of its direction, or after nc_reorder_us if
 *      fewer come, so a quiet link does not strand it.
 *   5. delay (nc_delay_us plus a uniform jitter in [-nc_jitter_us, +nc_jitter_us], never below
 *      zero): messages are held on a time-ordered list and released by a yard timer. Without
 *      NETEM_F_JITTER_REORDER a message never leaves before one that arrived earlier (jitter
 *      then bunches messages instead of reordering them).
 *   6. rate (nc_rate_bps): a token bucket of nc_rate_burst bytes (0: strict pacing, one
 *      message's serialisation time after another). Messages wait their turn; a message that
 *      would find more than nc_rate_backlog bytes waiting ahead of it is dropped
 *      (rate_limited_drops), like a bottleneck router's buffer.
 * At most nc_limit messages are held at once (stages 4 to 6) per direction; beyond that a
 * message that would be held is dropped (limit_drops).
 *
 * Determinism. The generator of a direction is seeded from nc_seed (and the direction) by
 * every NETEM_SET and NETEM_RESET. The same settings and the same sequence of M_DATA messages
 * then give the same decisions (which are dropped, duplicated, corrupted at which bit,
 * reordered, and the jitter drawn). Only the moments of release depend on the clock.
 *
 * What is not impaired. Only M_DATA is impaired. Every other message (M_PROTO, M_PCPROTO,
 * M_CTL, M_IOCTL, M_FLUSH, every high-priority message) passes at once, untouched: it may
 * overtake M_DATA that netem holds (as a control message overtakes data held in a router).
 * Normal-priority ones still obey flow control. M_FLUSH frees what netem holds on the side(s)
 * it names (FLUSHW: write, FLUSHR: read; with FLUSHBAND only that band), then passes on.
 *
 * Flow control. Held messages due for release stay held while the next queue is full; netem's
 * service procedure is back-enabled and releases them when it drains. With every impairment
 * off (the state after I_PUSH) netem is a pass-through module: bursts go on whole with one
 * putnext_burst(), and a full next queue makes netem queue and refuse writers like any
 * module, so it can be left pushed at no cost.
 *
 * Close frees whatever is held (counted closed_drops) and cancels the timers.
 *
 * Transmit checksum offload: a packet going down whose mbuf asks the NIC for IPv4 or L4
 * checksums (RTE_MBUF_F_TX_IP_CKSUM, RTE_MBUF_F_TX_L4_MASK) is checksummed by the NIC after
 * the bit flip, so the receiver cannot see the corruption. Such corruptions are counted
 * (corrupt_tx_csum); corrupt on the receive side, or on ports without TX checksum offload,
 * to test checksum handling.
 *
 * Configuration: the I_STR ioctls below, with struct netem_conf; or a string
 * ("drop=1% delay=10ms jitter=2ms seed=42") parsed by netem_parse() for configuration files
 * and yardctl.
 */
#ifndef YARD_PROTOCOLS_NETEM_H
#define YARD_PROTOCOLS_NETEM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Module name to I_PUSH. */
#define NETEM_MODNAME "netem"

/** @name netem ioctls (I_STR ic_cmd; ic_dp/ic_len as given). */
/**@{*/
#define NETEM_IOC ('N' << 8)
/**
 * Set the impairments of the direction(s) named in nc_side: struct netem_conf in. Zero
 * fields mean "off", except nc_limit, nc_reorder_gap, nc_reorder_us and nc_rate_backlog,
 * whose zero means the default. Restarts the direction's generator from nc_seed and resets
 * its loss and rate state; messages already held keep their release times. EINVAL for a bad
 * side mask, an unknown flag or an out-of-range field (see netem_conf_check()).
 */
#define NETEM_SET      (NETEM_IOC | 1)
/**
 * Get the settings of one direction: struct netem_conf in (nc_side: NETEM_SIDE_RD or
 * NETEM_SIDE_WR) and out, with the defaults resolved. EINVAL for any other nc_side.
 */
#define NETEM_GET      (NETEM_IOC | 2)
/** Counters of both directions: struct netem_stats out. */
#define NETEM_GETSTATS (NETEM_IOC | 3)
/**
 * Zero the counters (held_now excepted: it is a gauge), restart the generators from their
 * seeds and reset the loss and rate state, keeping the settings and what is held. Optional
 * uint32_t side mask in (no data: both directions). EINVAL for a bad mask.
 */
#define NETEM_RESET    (NETEM_IOC | 4)
/**@}*/

/** @name Directions (nc_side, NETEM_RESET's mask). */
/**@{*/
#define NETEM_SIDE_RD 0x1u /**< read side: messages going up */
#define NETEM_SIDE_WR 0x2u /**< write side: messages going down */
#define NETEM_SIDE_RW (NETEM_SIDE_RD | NETEM_SIDE_WR)
/**@}*/

/** @name Flags (nc_flags). */
/**@{*/
/** Jitter may reorder messages (a later message with less delay overtakes). */
#define NETEM_F_JITTER_REORDER 0x1u
#define NETEM_F_ALL            NETEM_F_JITTER_REORDER
/**@}*/

/** @name Limits and defaults. Probabilities are in parts per million (1% = 10000). */
/**@{*/
#define NETEM_PPM              1000000u  /**< 100% */
#define NETEM_MAX_US           60000000u /**< longest delay, jitter or reorder timeout (60 s) */
#define NETEM_MAX_GAP          65535u    /**< longest reorder gap */
#define NETEM_MAX_LIMIT        1000000u  /**< most messages held per direction */
#define NETEM_LIMIT_DEF        1000u     /**< nc_limit 0 (as Linux netem) */
#define NETEM_REORDER_GAP_DEF  1u        /**< nc_reorder_gap 0 */
#define NETEM_REORDER_US_DEF   1000u     /**< nc_reorder_us 0 */
#define NETEM_RATE_BACKLOG_DEF 65536u    /**< nc_rate_backlog 0, bytes */
/**@}*/

/** NETEM_SET / NETEM_GET argument: the settings of one or both directions. */
struct netem_conf {
	uint32_t nc_side;          /**< NETEM_SIDE_* mask (NETEM_GET: exactly one) */
	uint32_t nc_flags;         /**< NETEM_F_* */
	uint32_t nc_drop_ppm;      /**< independent loss probability */
	uint32_t nc_drop_corr_ppm; /**< chance a message shares its predecessor's fate (bursts) */
	uint32_t nc_ge_p_ppm;      /**< Gilbert-Elliott: good -> bad per message; 0: model off */
	uint32_t nc_ge_r_ppm;      /**< Gilbert-Elliott: bad -> good per message */
	uint32_t nc_ge_bad_ppm;    /**< Gilbert-Elliott: loss probability in the bad state (1-h) */
	uint32_t nc_ge_good_ppm;   /**< Gilbert-Elliott: loss probability in the good state (1-k) */
	uint32_t nc_dup_ppm;       /**< duplication probability */
	uint32_t nc_corrupt_ppm;   /**< one-bit corruption probability */
	uint32_t nc_reorder_ppm;   /**< probability a message is held back */
	uint32_t nc_reorder_gap;   /**< ... until this many later messages went on [1] */
	uint32_t nc_reorder_us;    /**< ... or this long, if fewer came [1000] */
	uint32_t nc_delay_us;      /**< fixed delay */
	uint32_t nc_jitter_us;     /**< uniform jitter around the delay */
	uint32_t nc_limit;         /**< most messages held [1000] */
	uint64_t nc_rate_bps;      /**< rate limit in bits per second; 0: none */
	uint32_t nc_rate_burst;    /**< token bucket depth in bytes; 0: strict pacing */
	uint32_t nc_rate_backlog;  /**< most bytes waiting for the rate limiter [65536] */
	uint64_t nc_seed;          /**< generator seed (0 is a seed like any other) */
};

/** Counters of one direction: nems_<name> for every NETEM_STAT() in netem/netem.def. */
struct netemstat {
#define NETEM_STAT(name, help) uint64_t nems_##name;
#include <protocols/netem/netem.def>
#undef NETEM_STAT
};

/** Counter indexes: NEMS_<name>, in netem.def order; NEMS__COUNT of them. */
enum netemstat_index {
#define NETEM_STAT(name, help) NEMS_##name,
#include <protocols/netem/netem.def>
#undef NETEM_STAT
	NEMS__COUNT
};

/** NETEM_GETSTATS answer. */
struct netem_stats {
	struct netemstat nst_rd; /**< read side: messages going up */
	struct netemstat nst_wr; /**< write side: messages going down */
};

/** Name of counter i (the netem.def name), NULL past the end. */
const char *netemstat_name(unsigned i);
/** Help text of counter i, NULL past the end. */
const char *netemstat_help(unsigned i);

/**
 * Check settings as NETEM_SET would: 0, or -EINVAL with a one-line reason in err (if err is
 * not NULL and errlen > 0). Probabilities must be at most NETEM_PPM; delays, jitter and the
 * reorder timeout at most NETEM_MAX_US; the gap at most NETEM_MAX_GAP; the limit at most
 * NETEM_MAX_LIMIT; nc_drop_ppm and the Gilbert-Elliott model are exclusive.
 */
int netem_conf_check(const struct netem_conf *cfg, char *err, size_t errlen);

/**
 * Parse a settings string into *cfg (zeroed first; nc_side NETEM_SIDE_RW unless "side=" says
 * otherwise). Words separated by white space, each key=value:
 *   side=rd|wr|rw
 *   drop=P  drop_corr=P  ge=P,P[,P[,P]]  (Gilbert-Elliott p, r, loss when bad [100%], loss
 *                                         when good [0%]; r given)
 *   dup=P  corrupt=P  reorder=P  gap=N  reorder_timeout=T
 *   delay=T  jitter=T  jitter_reorder=0|1
 *   rate=R  burst=S  backlog=S  limit=N  seed=N
 * P is a percentage ("1%", "0.25%") or parts per million ("2500ppm"); T a time with its unit
 * ("250us", "10ms", "1.5s"); R a rate with its unit ("100bit", "64kbit", "10mbit", "1gbit";
 * decimal multiples); S a size in bytes ("1500", "64k", "1m"; binary multiples); N an
 * integer (seed: decimal or 0x hex). A later word overrides an earlier one. The empty string
 * is valid (everything off).
 * @return 0, or -EINVAL (unknown key, bad syntax, missing unit) or -ERANGE (value out of
 * range), with a one-line reason naming the word in err (if err is not NULL and errlen > 0).
 */
int netem_parse_err(const char *str, struct netem_conf *cfg, char *err, size_t errlen);
/** netem_parse_err() without the reason. */
int netem_parse(const char *str, struct netem_conf *cfg);

struct queue;

/**
 * The counters of the netem instance that owns q (its read or write queue), for observers
 * such as yardctl's /yard/streamq. Call on the stream's lcore, or while the stream cannot be
 * popped under you (the counters are plain words: a reading may be a few messages old).
 * @return 0, or -ENOENT if q is not a netem queue.
 */
int yard_netem_stats(const struct queue *q, struct netem_stats *out);

/**
 * Write cfg as a string netem_parse() reads back to the same settings (the side and every
 * non-zero field; the seed always). Returns the length it needed, as snprintf() does.
 */
int netem_format(const struct netem_conf *cfg, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* YARD_PROTOCOLS_NETEM_H */
