/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bring STREAMS up after rte_eal_init() and down again: pools, rte_timer, one scheduler per
 * enabled lcore (the main one included), the timeout pool and the built-in modules.
 */
#include <errno.h>
#include <stdbool.h>

#include <rte_timer.h>

#include "streams_priv.h"

static bool yard_streams_up;
/* rte_timer was set up here (not by the application before us): finalize it at fini. */
static bool yard_timer_owned;

int
yard_streams_init(const struct yard_streams_conf *conf)
{
	static const struct yard_streams_conf defaults;
	unsigned lcore;
	int rc;

	if (yard_streams_up)
		return -EALREADY;
	if (conf == NULL)
		conf = &defaults;

	rc = yard_pools_init(&conf->pools);
	if (rc < 0)
		return rc;
	rc = rte_timer_subsystem_init();
	if (rc < 0 && rc != -EALREADY)
		goto fail_pools;
	yard_timer_owned = (rc == 0);
	RTE_LCORE_FOREACH(lcore) {
		rc = yard_sched_init(lcore, conf->mbox_size);
		if (rc < 0)
			goto fail_scheds;
		if (conf->budget != 0)
			yard_sched_of(lcore)->sc_budget = conf->budget;
		rc = yard_sched_set_idle_sleep(yard_sched_of(lcore), conf->idle_sleep_us,
					       conf->idle_passes != 0 ? conf->idle_passes :
					       YARD_SCHED_IDLE_PASSES_DEFAULT);
		if (rc < 0)
			goto fail_scheds;
	}
	rc = yard_timer_init(YARD_TIMEOUTS_DEFAULT);
	if (rc < 0)
		goto fail_scheds;
	yard_streams_register_builtins();
	yard_streams_up = true;
	return 0;

fail_scheds:
	yard_sched_fini_all();
	if (yard_timer_owned)
		rte_timer_subsystem_finalize();
fail_pools:
	yard_pools_fini();
	return rc;
}

void
yard_streams_fini(void)
{
	if (!yard_streams_up)
		return;
	yard_timer_fini();
	yard_sched_fini_all();
	if (yard_timer_owned)
		rte_timer_subsystem_finalize();
	yard_pools_fini();
	yard_streams_up = false;
}
