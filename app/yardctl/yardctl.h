/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What yardctl's command files share: the telemetry socket's requests, JSON field readers and
 * the exits (yardctl.c). Each command file (neigh.c: neighbours and routes) builds on these.
 */
#ifndef YARD_YARDCTL_H
#define YARD_YARDCTL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#define EXIT_REFUSED 1 /* yard refused or lacks what was asked */
#define EXIT_USAGE 2   /* a usage error, or yard not reachable */

/** The telemetry socket, -1 before the first request. */
extern int tel_fd;

/** Print "yardctl: MESSAGE" on stderr and exit with status. */
void __attribute__((noreturn, format(printf, 2, 3))) die(int status, const char *fmt, ...);
/** Is cmd registered? */
bool tel_has(const char *cmd);
/** cmd's answer; exits with yard's message on {"ok": 0, "error": ...} or on no answer. */
json_t *tel_get_ok(const char *cmd);
/** An integer field (0 if missing), a string field ("" if missing). */
uint64_t ju(const json_t *o, const char *k);
const char *js(const json_t *o, const char *k);
/** --lcore's value, or exit with a usage error. */
int lcore_arg(const char *arg);
/** Print o as indented JSON and let it go. */
void dump_json(json_t *o);
/**
 * Every row of a paged table (/yard/conns, /yard/neigh, ...: keys key_prefix0, 1, ...) for
 * lcore (all if < 0), page after page, as a JSON array; *truncated if yard left some out.
 */
json_t *get_rows(const char *what, const char *key_prefix, int lcore, bool *truncated);

/** --port's value, or exit with a usage error. */
int port_arg(const char *arg);

/** A table command (groups, neigh, routes): what it asks for, and what its options said. */
struct table_req {
	const char *usage;  /**< printed on a usage error, e.g. "groups [--lcore N] [--json]" */
	const char *cmd;    /**< the telemetry table: "groups" for /yard/groups */
	const char *key;    /**< its rows' key: "group" for group0, group1, ... */
	const char *what;   /**< named when yard lacks the command: "multicast group table" */
	bool has_port;      /**< takes --port N */
	int port;           /**< out: --port, -1 if not given */
	bool json;          /**< out: --json */
	bool truncated;     /**< out: yard left rows out */
};
/**
 * Parse a table command's options (--lcore N, --json, and --port N where has_port), or exit
 * with the usage; then every row of the table, as get_rows() gives them.
 */
json_t *table_rows(struct table_req *t, int argc, char **argv);
/** Print {"count", "truncated", name: rows} (what --json prints) and let rows go. */
void table_json(json_t *rows, bool truncated, const char *name);

/** yardctl neigh [show|add|del|flush] ... (neigh.c) */
int cmd_neigh(int argc, char **argv);
/** yardctl routes [show|add|del] ... (neigh.c) */
int cmd_routes(int argc, char **argv);

#endif /* YARD_YARDCTL_H */
