/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runtime control of a running yard (control.c): the telemetry commands yardctl needs beyond
 * telemetry.c's - /yard/push, /yard/pop, /yard/modules, /yard/stats, /yard/streamq - and the
 * per-lcore control queues that carry push and pop to the lcore owning the stream. Not
 * installed.
 */
#ifndef YARD_APP_CONTROL_H
#define YARD_APP_CONTROL_H

#include "app/config.h"

/** Register the control telemetry commands. 0 or -errno. */
int yard_ctl_register(const struct yard_config *cfg);
/** Create each configured lcore's control queue, on that lcore (loops not running). 0/-errno. */
int yard_ctl_setup(const struct yard_config *cfg);
/** Let the commands answer (the stack is up, the loops are about to run). */
void yard_ctl_start(void);
/** Stop answering and wait for the commands in progress; then free the control queues. */
void yard_ctl_quiesce(void);

#endif /* YARD_APP_CONTROL_H */
