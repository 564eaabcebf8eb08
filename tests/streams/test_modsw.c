/* SPDX-License-Identifier: BSD-3-Clause */
/* The module and driver registry and autopush (streams/modsw.c). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "yard_test.h"

/* ---- a driver and modules that log their opens and closes --------------------------------- */

#define LOGMAX 32
static char oplog[LOGMAX][16];
static int noplog;

static void
logop(const char *what, queue_t *q)
{
	cr_assert_lt(noplog, LOGMAX);
	snprintf(oplog[noplog++], sizeof(oplog[0]), "%s:%s", what, q->q_qinfo->qi_minfo->mi_idname);
}

static int
t_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	logop("open", q);
	return 0;
}

static int
t_close(queue_t *q, int flag, cred_t *crp)
{
	logop("close", q);
	return 0;
}

static int
t_fail_open(queue_t *q, dev_t *devp, int oflag, int sflag, cred_t *crp)
{
	return ENOSR;
}

static int
t_pass(queue_t *q, mblk_t *mp)
{
	putnext(q, mp);
	return 0;
}

static int
t_drv_wput(queue_t *q, mblk_t *mp)
{
	freemsg(mp);
	return 0;
}

#define TMOD(var, name, openfn) \
	static struct module_info var##_minfo = { .mi_idname = name, .mi_maxpsz = INFPSZ, \
						  .mi_hiwat = 4096, .mi_lowat = 1024 }; \
	static struct qinit var##_rinit = { .qi_putp = t_pass, .qi_qopen = openfn, \
					    .qi_qclose = t_close, .qi_minfo = &var##_minfo }; \
	static struct qinit var##_winit = { .qi_putp = t_pass, .qi_minfo = &var##_minfo }; \
	static struct streamtab var##_info = { .st_rdinit = &var##_rinit, \
					       .st_wrinit = &var##_winit }

TMOD(tmoda, "tmoda", t_open);
TMOD(tmodb, "tmodb", t_open);
TMOD(tfail, "tfail", t_fail_open);

static struct module_info tdrv_minfo = { .mi_idname = "tdrv", .mi_maxpsz = INFPSZ,
					 .mi_hiwat = 4096, .mi_lowat = 1024 };
static struct qinit tdrv_rinit = { .qi_putp = t_pass, .qi_qopen = t_open,
				   .qi_qclose = t_close, .qi_minfo = &tdrv_minfo };
static struct qinit tdrv_winit = { .qi_putp = t_drv_wput, .qi_minfo = &tdrv_minfo };
static struct streamtab tdrv_info = { .st_rdinit = &tdrv_rinit, .st_wrinit = &tdrv_winit };

static void
modsw_setup(void)
{
	yt_setup();
	noplog = 0;
}

TestSuite(modsw, .init = modsw_setup, .fini = yt_teardown);

static unsigned
count_modules(void)
{
	unsigned n = 0;

	while (yard_mod_at(n) != NULL)
		n++;
	return n;
}

static unsigned
count_drivers(void)
{
	unsigned n = 0;

	while (yard_drv_at(n) != NULL)
		n++;
	return n;
}

/* ---- registration ------------------------------------------------------------------------- */

YT_TEST(modsw, registers_a_module_and_finds_it_by_name)
{
	const struct fmodsw *f;

	cr_assert_eq(yard_mod_register("tmoda", &tmoda_info, D_MP), 0);
	f = yard_mod_find("tmoda");
	cr_assert_not_null(f);
	cr_assert_str_eq(f->f_name, "tmoda");
	cr_assert_eq(f->f_str, &tmoda_info);
	cr_assert_eq(f->f_flag, D_MP);
	cr_assert_null(yard_mod_find("tmodb"));
	cr_assert_null(yard_mod_find(NULL));
	cr_assert_null(yard_drv_find("tmoda"), "modules and drivers are separate tables");
}

YT_TEST(modsw, registers_a_driver_and_finds_it_by_name)
{
	const struct yard_devsw *d;

	cr_assert_eq(yard_drv_register("tdrv", &tdrv_info, D_MP | D_CLONE), 0);
	d = yard_drv_find("tdrv");
	cr_assert_not_null(d);
	cr_assert_str_eq(d->d_name, "tdrv");
	cr_assert_eq(d->d_str, &tdrv_info);
	cr_assert_eq(d->d_flag, D_MP | D_CLONE);
	cr_assert_eq(d->d_nautopush, 0);
	cr_assert_null(yard_mod_find("tdrv"));
}

YT_TEST(modsw, refuses_a_duplicate_name_with_eexist)
{
	cr_assert_eq(yard_mod_register("tmoda", &tmoda_info, 0), 0);
	cr_assert_eq(yard_mod_register("tmoda", &tmodb_info, 0), -EEXIST);
	cr_assert_eq(yard_mod_find("tmoda")->f_str, &tmoda_info, "the first one stays");
	cr_assert_eq(yard_drv_register("tdrv", &tdrv_info, 0), 0);
	cr_assert_eq(yard_drv_register("tdrv", &tdrv_info, 0), -EEXIST);
	cr_assert_eq(yard_drv_register("loop", &tdrv_info, 0), -EEXIST, "loop is built in");
}

YT_TEST(modsw, refuses_a_name_longer_than_fmnamesz)
{
	char name[FMNAMESZ + 2];

	memset(name, 'x', sizeof(name));
	name[FMNAMESZ + 1] = '\0';
	cr_assert_eq(yard_mod_register(name, &tmoda_info, 0), -ENAMETOOLONG);
	cr_assert_eq(yard_drv_register(name, &tdrv_info, 0), -ENAMETOOLONG);
	name[FMNAMESZ] = '\0'; /* exactly FMNAMESZ characters fit */
	cr_assert_eq(yard_mod_register(name, &tmoda_info, 0), 0);
	cr_assert_not_null(yard_mod_find(name));
}

YT_TEST(modsw, refuses_an_empty_name_or_an_incomplete_streamtab)
{
	static struct streamtab halfmux = {
		.st_rdinit = &tdrv_rinit, .st_wrinit = &tdrv_winit, .st_muxrinit = &tdrv_rinit,
	};
	static struct streamtab noread = { .st_wrinit = &tdrv_winit };

	cr_assert_eq(yard_mod_register("", &tmoda_info, 0), -EINVAL);
	cr_assert_eq(yard_mod_register(NULL, &tmoda_info, 0), -EINVAL);
	cr_assert_eq(yard_mod_register("tmoda", NULL, 0), -EINVAL);
	cr_assert_eq(yard_mod_register("tmoda", &noread, 0), -EINVAL);
	cr_assert_eq(yard_drv_register("tdrv", &halfmux, 0), -EINVAL, "a mux needs both sides");
	cr_assert_null(yard_mod_find("tmoda"));
	cr_assert_null(yard_drv_find("tdrv"));
}

YT_TEST(modsw, unregisters_and_registers_again)
{
	cr_assert_eq(yard_mod_register("tmoda", &tmoda_info, 0), 0);
	cr_assert_eq(yard_mod_unregister("tmoda"), 0);
	cr_assert_null(yard_mod_find("tmoda"));
	cr_assert_eq(yard_mod_unregister("tmoda"), -ENOENT);
	cr_assert_eq(yard_mod_register("tmoda", &tmodb_info, 0), 0);
	cr_assert_eq(yard_mod_find("tmoda")->f_str, &tmodb_info);

	cr_assert_eq(yard_drv_register("tdrv", &tdrv_info, 0), 0);
	cr_assert_eq(yard_drv_unregister("tdrv"), 0);
	cr_assert_null(yard_drv_find("tdrv"));
	cr_assert_eq(yard_drv_unregister("tdrv"), -ENOENT);
	cr_assert_eq(yard_drv_unregister(NULL), -ENOENT);
}

YT_TEST(modsw, iterates_over_every_registration_and_skips_the_removed)
{
	unsigned m0 = count_modules(), d0 = count_drivers();
	bool seen_a = false, seen_b = false;

	cr_assert_geq(m0, 1, "passthru is built in");
	cr_assert_geq(d0, 1, "loop is built in");
	cr_assert_eq(yard_mod_register("tmoda", &tmoda_info, 0), 0);
	cr_assert_eq(yard_mod_register("tfail", &tfail_info, 0), 0);
	cr_assert_eq(yard_mod_register("tmodb", &tmodb_info, 0), 0);
	cr_assert_eq(yard_drv_register("tdrv", &tdrv_info, 0), 0);
	cr_assert_eq(count_modules(), m0 + 3);
	cr_assert_eq(count_drivers(), d0 + 1);

	cr_assert_eq(yard_mod_unregister("tfail"), 0);
	cr_assert_eq(count_modules(), m0 + 2);
	for (unsigned i = 0; yard_mod_at(i) != NULL; i++) {
		const char *n = yard_mod_at(i)->f_name;

		cr_assert_str_neq(n, "tfail");
		seen_a |= strcmp(n, "tmoda") == 0;
		seen_b |= strcmp(n, "tmodb") == 0;
	}
	cr_assert(seen_a && seen_b);
	cr_assert_null(yard_mod_at(m0 + 2));
}

YT_TEST(modsw, has_the_builtin_loop_driver_and_passthru_module)
{
	const struct yard_devsw *d = yard_drv_find("loop");

	cr_assert_not_null(d);
	cr_assert(d->d_flag & D_CLONE, "every open of loop is a clone open");
	cr_assert_not_null(yard_mod_find("passthru"));
	/* Registering the built-ins again is harmless. */
	yard_streams_register_builtins();
	cr_assert_eq(yard_drv_find("loop"), d);
}

YT_TEST(modsw, refuses_with_enospc_when_the_table_is_full)
{
	char name[FMNAMESZ + 1];
	unsigned added = 0;
	int rc;

	for (;;) {
		snprintf(name, sizeof(name), "m%u", added);
		rc = yard_mod_register(name, &tmoda_info, 0);
		if (rc != 0)
			break;
		added++;
		cr_assert_leq(added, YARD_MAX_MODULES);
	}
	cr_assert_eq(rc, -ENOSPC);
	cr_assert_eq(count_modules(), YARD_MAX_MODULES);
	cr_assert_eq(yard_mod_unregister("m0"), 0);
	cr_assert_eq(yard_mod_register("again", &tmoda_info, 0), 0, "a freed slot is reused");
}

/* ---- autopush ----------------------------------------------------------------------------- */

YT_TEST(modsw, autopush_pushes_the_modules_in_order_at_every_open)
{
	const char *const mods[] = { "tmoda", "tmodb" };
	struct str_mlist names[4];
	struct str_list sl = { .sl_nmods = 4, .sl_modlist = names };
	struct stdata *sd;

	cr_assert_eq(yard_mod_register("tmoda", &tmoda_info, D_MP), 0);
	cr_assert_eq(yard_mod_register("tmodb", &tmodb_info, D_MP), 0);
	cr_assert_eq(yard_drv_register("tdrv", &tdrv_info, D_MP), 0);
	cr_assert_eq(yard_autopush_set("tdrv", mods, 2), 0);
	cr_assert_eq(yard_drv_find("tdrv")->d_nautopush, 2);

	for (int round = 0; round < 2; round++) {
		noplog = 0;
		cr_assert_eq(sth_open("tdrv", 0, &sd), 0);
		cr_assert_eq(sd->sd_pushcnt, 2);
		cr_assert_eq(sth_ioctl(sd, I_LIST, 0), 3, "two modules and the driver");
		cr_assert_eq(sth_ioctl(sd, I_LIST, (intptr_t)&sl), 0);
		cr_assert_eq(sl.sl_nmods, 3);
		cr_assert_str_eq(names[0].l_name, "tmodb", "the last pushed is on top");
		cr_assert_str_eq(names[1].l_name, "tmoda");
		cr_assert_str_eq(names[2].l_name, "tdrv");
		cr_assert_eq(noplog, 3);
		cr_assert_str_eq(oplog[0], "open:tdrv");
		cr_assert_str_eq(oplog[1], "open:tmoda");
		cr_assert_str_eq(oplog[2], "open:tmodb");
		cr_assert_eq(sth_close(sd), 0);
		cr_assert_eq(noplog, 6);
		cr_assert_str_eq(oplog[3], "close:tmodb", "modules close from the top");
		cr_assert_str_eq(oplog[4], "close:tmoda");
		cr_assert_str_eq(oplog[5], "close:tdrv", "the driver closes last");
		sl.sl_nmods = 4;
	}

	cr_assert_eq(yard_autopush_set("tdrv", NULL, 0), 0, "nmods 0 clears the list");
	cr_assert_eq(sth_open("tdrv", 0, &sd), 0);
	cr_assert_eq(sd->sd_pushcnt, 0);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(modsw, autopush_refuses_unknown_modules_and_drivers)
{
	const char *const good[] = { "tmoda" };
	const char *const bad[] = { "tmoda", "nosuch" };
	const char *const many[YARD_MAX_AUTOPUSH + 1] = {
		"tmoda", "tmoda", "tmoda", "tmoda", "tmoda", "tmoda", "tmoda", "tmoda", "tmoda",
	};
	struct stdata *sd;

	cr_assert_eq(yard_mod_register("tmoda", &tmoda_info, 0), 0);
	cr_assert_eq(yard_drv_register("tdrv", &tdrv_info, 0), 0);
	cr_assert_eq(yard_autopush_set("tdrv", good, 1), 0);
	cr_assert_eq(yard_autopush_set("tdrv", bad, 2), -ENOENT);
	cr_assert_eq(yard_autopush_set("nodrv", good, 1), -ENOENT);
	cr_assert_eq(yard_autopush_set("tdrv", many, YARD_MAX_AUTOPUSH + 1), -EINVAL);
	cr_assert_eq(yard_autopush_set("tdrv", good, -1), -EINVAL);
	cr_assert_eq(yard_autopush_set("tdrv", NULL, 1), -EINVAL);

	/* A refused list leaves the one in force alone. */
	cr_assert_eq(yard_drv_find("tdrv")->d_nautopush, 1);
	cr_assert_eq(sth_open("tdrv", 0, &sd), 0);
	cr_assert_eq(sd->sd_pushcnt, 1);
	cr_assert_eq(sth_ioctl(sd, I_FIND, (intptr_t)"tmoda"), 1);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(modsw, autopush_failure_fails_the_open_and_leaves_nothing)
{
	const char *const mods[] = { "tmoda", "tfail" };
	unsigned nstreams = sth_count();
	struct stdata *sd = (struct stdata *)&sd;

	cr_assert_eq(yard_mod_register("tmoda", &tmoda_info, 0), 0);
	cr_assert_eq(yard_mod_register("tfail", &tfail_info, 0), 0);
	cr_assert_eq(yard_drv_register("tdrv", &tdrv_info, 0), 0);
	cr_assert_eq(yard_autopush_set("tdrv", mods, 2), 0);
	cr_assert_eq(sth_open("tdrv", 0, &sd), -ENOSR, "the module's open error");
	cr_assert_null(sd);
	cr_assert_eq(sth_count(), nstreams);
	/* What was opened was closed again, top down. */
	cr_assert_eq(noplog, 4);
	cr_assert_str_eq(oplog[2], "close:tmoda");
	cr_assert_str_eq(oplog[3], "close:tdrv");
}

YT_TEST(modsw, unregistering_a_module_drops_it_from_autopush_lists)
{
	const char *const mods[] = { "tmoda" };
	struct stdata *sd;

	cr_assert_eq(yard_mod_register("tmoda", &tmoda_info, 0), 0);
	cr_assert_eq(yard_drv_register("tdrv", &tdrv_info, 0), 0);
	cr_assert_eq(yard_autopush_set("tdrv", mods, 1), 0);
	cr_assert_eq(yard_mod_unregister("tmoda"), 0);
	cr_assert_eq(yard_drv_find("tdrv")->d_nautopush, 0);
	cr_assert_eq(sth_open("tdrv", 0, &sd), 0);
	cr_assert_eq(sd->sd_pushcnt, 0);
	cr_assert_eq(sth_close(sd), 0);
}
