/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The module and driver registry (SVR4 fmodsw and devsw) and autopush.
 *
 * Modules and drivers register by name, at start-up, from the main lcore, before any stream is
 * opened (the tables are read without locks afterwards). YARD_MODULE() and YARD_DRIVER()
 * register from a constructor; the libraries that use them are linked whole.
 */
#ifndef YARD_STREAMS_MODSW_H
#define YARD_STREAMS_MODSW_H

#include <rte_common.h>

#include <streams/queue.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Driver/module flags (subset of illumos D_*). */
#define D_MP      0x0020 /**< MT safe (all yard modules are: one lcore per stream) */
#define D_MTPERMOD 0x0040
#define D_CLONE   0x0001 /**< driver: every open makes a new minor (clone open) */

#define YARD_MAX_MODULES 64
#define YARD_MAX_DRIVERS 64
#define YARD_MAX_AUTOPUSH 8
#define YARD_NSTRPUSH 9 /**< most modules on one stream (illumos nstrpush) */

struct fmodsw {
	char f_name[FMNAMESZ + 1];
	struct streamtab *f_str;
	uint32_t f_flag;
};

struct yard_devsw {
	char d_name[FMNAMESZ + 1];
	struct streamtab *d_str;
	uint32_t d_flag;
	int d_nautopush;
	char d_autopush[YARD_MAX_AUTOPUSH][FMNAMESZ + 1];
};

/** Register a module. 0, -EEXIST (name taken), -ENAMETOOLONG, -EINVAL, -ENOSPC. */
int yard_mod_register(const char *name, struct streamtab *str, uint32_t flags);
/** Register a driver. Same returns as yard_mod_register(). */
int yard_drv_register(const char *name, struct streamtab *str, uint32_t flags);
/** Unregister (tests). 0 or -ENOENT. */
int yard_mod_unregister(const char *name);
int yard_drv_unregister(const char *name);
/** Look up by name; NULL if unknown. */
const struct fmodsw *yard_mod_find(const char *name);
const struct yard_devsw *yard_drv_find(const char *name);
/** Iterate: the i-th registered module/driver, NULL past the end. */
const struct fmodsw *yard_mod_at(unsigned i);
const struct yard_devsw *yard_drv_at(unsigned i);

/**
 * Autopush (SVR4 SAD_SAP): modules pushed, in order, every time drv is opened. nmods 0 clears.
 * 0, -ENOENT (driver or a module unknown), -EINVAL (too many).
 */
int yard_autopush_set(const char *drv, const char *const *mods, int nmods);

/** Register the modules and drivers built into the streams library (loop, passthru). */
void yard_streams_register_builtins(void);

#define YARD_MODULE(name, str, flags) \
	RTE_INIT(yard_modreg_##str) { yard_mod_register(name, &(str), flags); }
#define YARD_DRIVER(name, str, flags) \
	RTE_INIT(yard_drvreg_##str) { yard_drv_register(name, &(str), flags); }

#ifdef __cplusplus
}
#endif
#endif /* YARD_STREAMS_MODSW_H */
