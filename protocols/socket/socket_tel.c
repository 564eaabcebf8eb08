/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /yard/sockets: the sockets library's counters (socket.def), sockmod's (sockmod.def) and the
 * socket echo service's, summed over lcores or for one lcore. Plain loads of per-lcore memory
 * only its lcore writes, as every yard counter is read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include <protocols/sockmod/sockmod.h>

#include "sock_echo.h"
#include "yard_socket.h"

static int
sock_tel_lib(struct rte_tel_data *d, int lcore)
{
	int rc = rte_tel_data_start_dict(d);

	for (unsigned i = 0; rc == 0 && i < yard_sockstat_count(); i++)
		rc = rte_tel_data_add_dict_u64(d, yard_sockstat_name(i), yard_sockstat_get(i, lcore));
	return rc;
}

static int
sock_tel_sockmod(struct rte_tel_data *d, int lcore)
{
	struct sockmodstat st;
	const uint64_t *v = (const uint64_t *)&st;
	int rc;

	sockmodstat_sum(&st, lcore);
	rc = rte_tel_data_start_dict(d);
	for (unsigned i = 0; rc == 0 && i < SOCKMODS__COUNT; i++)
		rc = rte_tel_data_add_dict_u64(d, sockmodstat_name(i), v[i]);
	return rc;
}

static int
sock_tel_echo(struct rte_tel_data *d, int lcore)
{
	struct yard_sock_echo_stats st;
	int rc;

	yard_sock_echo_stats(&st, lcore);
	rc = rte_tel_data_start_dict(d);
#define SE_ADD(f) if (rc == 0) rc = rte_tel_data_add_dict_u64(d, #f, st.f)
	SE_ADD(accepted);
	SE_ADD(refused);
	SE_ADD(closed);
	SE_ADD(resets);
	SE_ADD(rx_bytes);
	SE_ADD(tx_bytes);
	SE_ADD(flow_waits);
	SE_ADD(datagrams);
	SE_ADD(dgram_drops);
#undef SE_ADD
	return rc;
}

int
yard_sock_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const struct {
		const char *name;
		int (*fill)(struct rte_tel_data *, int);
	} parts[] = {
		{ "library", sock_tel_lib },
		{ "sockmod", sock_tel_sockmod },
		{ "sock_echo", sock_tel_echo },
	};
	int lcore = -1, rc;
	char *end;

	(void)cmd;
	if (params != NULL && *params != '\0') {
		long lc = strtol(params, &end, 10);

		if (end == params || *end != '\0' || lc < 0 || lc >= RTE_MAX_LCORE)
			return -EINVAL;
		lcore = (int)lc;
	}
	rc = rte_tel_data_start_dict(d);
	for (unsigned i = 0; rc == 0 && i < RTE_DIM(parts); i++) {
		struct rte_tel_data *c = rte_tel_data_alloc();

		if (c == NULL)
			return -ENOMEM;
		rc = parts[i].fill(c, lcore);
		if (rc == 0)
			rc = rte_tel_data_add_dict_container(d, parts[i].name, c, 0);
		else
			rte_tel_data_free(c);
	}
	return rc;
}
