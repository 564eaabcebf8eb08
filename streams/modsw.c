/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The registry of modules (SVR4 fmodsw) and drivers (devsw), and autopush (SVR4 SAD_SAP).
 *
 * Both tables are fixed arrays written only at start-up from the main lcore and read without
 * locks afterwards (modsw.h). A slot is free when its name is empty. Unregistering empties the
 * slot instead of compacting the array, because an open stream keeps a pointer to its driver's
 * entry (sd_dev): moving entries would make that pointer name another driver. Iteration by
 * index (yard_mod_at/yard_drv_at) skips the holes, so callers see a dense list.
 */
#include <errno.h>
#include <string.h>

#include <streams/modsw.h>

#include "streams_priv.h"

static struct fmodsw yard_fmodsw[YARD_MAX_MODULES];
static struct yard_devsw yard_devsw[YARD_MAX_DRIVERS];

/* 0 if name is usable as a module or driver name, else the -errno registration returns. */
static int
name_check(const char *name)
{
	if (name == NULL || name[0] == '\0')
		return -EINVAL;
	if (strnlen(name, FMNAMESZ + 1) > FMNAMESZ)
		return -ENAMETOOLONG;
	return 0;
}

/* ---- modules ------------------------------------------------------------------------------ */

static struct fmodsw *
mod_lookup(const char *name)
{
	for (unsigned i = 0; i < YARD_MAX_MODULES; i++)
		if (yard_fmodsw[i].f_name[0] != '\0' &&
		    strncmp(yard_fmodsw[i].f_name, name, FMNAMESZ + 1) == 0)
			return &yard_fmodsw[i];
	return NULL;
}

int
yard_mod_register(const char *name, struct streamtab *str, uint32_t flags)
{
	int rc = name_check(name);
	struct fmodsw *free_slot = NULL;

	if (rc < 0)
		return rc;
	if (str == NULL || str->st_rdinit == NULL || str->st_wrinit == NULL)
		return -EINVAL;
	if (mod_lookup(name) != NULL)
		return -EEXIST;
	for (unsigned i = 0; i < YARD_MAX_MODULES && free_slot == NULL; i++)
		if (yard_fmodsw[i].f_name[0] == '\0')
			free_slot = &yard_fmodsw[i];
	if (free_slot == NULL)
		return -ENOSPC;
	memset(free_slot, 0, sizeof(*free_slot));
	strcpy(free_slot->f_name, name); /* length checked above */
	free_slot->f_str = str;
	free_slot->f_flag = flags;
	return 0;
}

int
yard_mod_unregister(const char *name)
{
	struct fmodsw *f;

	if (name == NULL || (f = mod_lookup(name)) == NULL)
		return -ENOENT;
	memset(f, 0, sizeof(*f));
	/* A driver's autopush list must not name a module that no longer exists. */
	for (unsigned d = 0; d < YARD_MAX_DRIVERS; d++) {
		struct yard_devsw *dv = &yard_devsw[d];

		for (int m = 0; m < dv->d_nautopush; m++) {
			if (strncmp(dv->d_autopush[m], name, FMNAMESZ + 1) == 0) {
				dv->d_nautopush = 0;
				break;
			}
		}
	}
	return 0;
}

const struct fmodsw *
yard_mod_find(const char *name)
{
	if (name == NULL)
		return NULL;
	return mod_lookup(name);
}

const struct fmodsw *
yard_mod_at(unsigned i)
{
	for (unsigned s = 0; s < YARD_MAX_MODULES; s++) {
		if (yard_fmodsw[s].f_name[0] == '\0')
			continue;
		if (i-- == 0)
			return &yard_fmodsw[s];
	}
	return NULL;
}

/* ---- drivers ------------------------------------------------------------------------------ */

static struct yard_devsw *
drv_lookup(const char *name)
{
	for (unsigned i = 0; i < YARD_MAX_DRIVERS; i++)
		if (yard_devsw[i].d_name[0] != '\0' &&
		    strncmp(yard_devsw[i].d_name, name, FMNAMESZ + 1) == 0)
			return &yard_devsw[i];
	return NULL;
}

int
yard_drv_register(const char *name, struct streamtab *str, uint32_t flags)
{
	int rc = name_check(name);
	struct yard_devsw *free_slot = NULL;

	if (rc < 0)
		return rc;
	if (str == NULL || str->st_rdinit == NULL || str->st_wrinit == NULL)
		return -EINVAL;
	/* A multiplexor needs both lower sides. */
	if ((str->st_muxrinit == NULL) != (str->st_muxwinit == NULL))
		return -EINVAL;
	if (drv_lookup(name) != NULL)
		return -EEXIST;
	for (unsigned i = 0; i < YARD_MAX_DRIVERS && free_slot == NULL; i++)
		if (yard_devsw[i].d_name[0] == '\0')
			free_slot = &yard_devsw[i];
	if (free_slot == NULL)
		return -ENOSPC;
	memset(free_slot, 0, sizeof(*free_slot));
	strcpy(free_slot->d_name, name); /* length checked above */
	free_slot->d_str = str;
	free_slot->d_flag = flags;
	return 0;
}

int
yard_drv_unregister(const char *name)
{
	struct yard_devsw *d;

	if (name == NULL || (d = drv_lookup(name)) == NULL)
		return -ENOENT;
	memset(d, 0, sizeof(*d));
	return 0;
}

const struct yard_devsw *
yard_drv_find(const char *name)
{
	if (name == NULL)
		return NULL;
	return drv_lookup(name);
}

const struct yard_devsw *
yard_drv_at(unsigned i)
{
	for (unsigned s = 0; s < YARD_MAX_DRIVERS; s++) {
		if (yard_devsw[s].d_name[0] == '\0')
			continue;
		if (i-- == 0)
			return &yard_devsw[s];
	}
	return NULL;
}

/* ---- autopush ----------------------------------------------------------------------------- */

int
yard_autopush_set(const char *drv, const char *const *mods, int nmods)
{
	struct yard_devsw *d;

	if (drv == NULL || (d = drv_lookup(drv)) == NULL)
		return -ENOENT;
	if (nmods < 0 || nmods > YARD_MAX_AUTOPUSH || (nmods > 0 && mods == NULL))
		return -EINVAL;
	/* All or nothing: check every name before the list changes. */
	for (int i = 0; i < nmods; i++)
		if (mods[i] == NULL || mod_lookup(mods[i]) == NULL)
			return -ENOENT;
	for (int i = 0; i < nmods; i++)
		strcpy(d->d_autopush[i], mods[i]); /* registered names fit */
	for (int i = nmods; i < YARD_MAX_AUTOPUSH; i++)
		d->d_autopush[i][0] = '\0';
	d->d_nautopush = nmods;
	return 0;
}

/* ---- built-ins ---------------------------------------------------------------------------- */

void
yard_streams_register_builtins(void)
{
	/* -EEXIST is fine: STREAMS may be brought up again in the same process. */
	(void)yard_drv_register("loop", &loopinfo, D_MP | D_CLONE);
	(void)yard_mod_register("passthru", &passthru_info, D_MP);
}
