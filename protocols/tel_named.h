/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Telemetry of a table of named things (the TCP and UDP clients): a dict with one container
 * per entry, keyed by its name, or one entry alone, asked for by its name. The table's owner
 * says which slots are in use and fills an entry's container.
 */
#ifndef YARD_PROTOCOLS_TEL_NAMED_H
#define YARD_PROTOCOLS_TEL_NAMED_H

#ifdef __cplusplus
extern "C" {
#endif

struct rte_tel_data;

/** The name of slot i, NULL when the slot is free. */
typedef const char *(*yard_tel_name_fn)(unsigned i);
/** Fill d (fresh) with slot i's dict. 0 or the first rte_tel_data_* error. */
typedef int (*yard_tel_one_fn)(struct rte_tel_data *d, unsigned i);

/** Fill d (fresh) with {"<name>": {...}, ...} over slots 0..n-1. 0, -ENOMEM or as one(). */
int yard_tel_named_fill(struct rte_tel_data *d, unsigned n, yard_tel_name_fn name,
			yard_tel_one_fn one);
/**
 * A telemetry command's answer: with params empty, yard_tel_named_fill(); else the slot named
 * params alone, -EINVAL if none is.
 */
int yard_tel_named_cmd(struct rte_tel_data *d, const char *params, unsigned n,
		       yard_tel_name_fn name, yard_tel_one_fn one);

#ifdef __cplusplus
}
#endif
#endif /* YARD_PROTOCOLS_TEL_NAMED_H */
