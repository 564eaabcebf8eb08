/* SPDX-License-Identifier: BSD-3-Clause */
/* Telemetry of a table of named things (tel_named.h). Runs on the telemetry thread. */
#include <errno.h>
#include <string.h>

#include <rte_telemetry.h>

#include <protocols/tel_named.h>

int
yard_tel_named_fill(struct rte_tel_data *d, unsigned n, yard_tel_name_fn name,
		    yard_tel_one_fn one)
{
	int rc = rte_tel_data_start_dict(d);

	for (unsigned i = 0; rc == 0 && i < n; i++) {
		const char *nm = name(i);
		struct rte_tel_data *c;

		if (nm == NULL)
			continue;
		c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		rc = one(c, i);
		if (rc == 0)
			rc = rte_tel_data_add_dict_container(d, nm, c, 0);
		if (rc != 0)
			rte_tel_data_free(c);
	}
	return rc;
}

int
yard_tel_named_cmd(struct rte_tel_data *d, const char *params, unsigned n,
		   yard_tel_name_fn name, yard_tel_one_fn one)
{
	if (params == NULL || *params == '\0')
		return yard_tel_named_fill(d, n, name, one);
	for (unsigned i = 0; i < n; i++) {
		const char *nm = name(i);

		if (nm != NULL && strcmp(nm, params) == 0)
			return one(d, i);
	}
	return -EINVAL;
}
