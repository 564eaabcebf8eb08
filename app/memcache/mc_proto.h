/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The memcached text protocol (memcached's doc/protocol.txt), independent of the transport:
 * bytes in, answers appended to an output buffer, commands executed on one mc_store.
 *
 * mc_proto_input() takes whatever a read brought: part of a command line, several pipelined
 * commands, part of a data block. It consumes what it could act on and returns how many
 * bytes; the caller keeps the rest (an incomplete command line) and calls again with it and
 * the next bytes in front. A data block is copied into its item as it arrives, so only a
 * command line ever waits in the caller's buffer (at most MC_LINE_MAX, MC_GET_LINE_MAX for
 * get/gets/gat/gats).
 *
 * Commands: get gets gat gats set add replace append prepend cas delete incr decr touch
 * flush_all version verbosity stats ("stats", "stats settings", "stats reset") quit, with
 * noreply where protocol.txt allows it. Answers and errors use memcached's exact strings.
 */
#ifndef YARD_APP_MC_PROTO_H
#define YARD_APP_MC_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/memcache/mc_store.h"

/** Longest command line but get/gets/gat/gats (memcached closes on longer ones too). */
#define MC_LINE_MAX 2048
/** Longest get/gets/gat/gats line (a multiget of many keys). */
#define MC_GET_LINE_MAX 65536
/** The version "version" and "stats" report. */
#define MC_VERSION "1.6.21-yard"

/** A growable output buffer: answers are appended at ob_len, sent from ob_off. */
struct mc_obuf {
	char *ob_data;
	size_t ob_off;     /**< first byte not yet sent */
	size_t ob_len;     /**< bytes held (sent ones included until compacted) */
	size_t ob_cap;
	bool ob_failed;    /**< an append could not grow the buffer: close the connection */
};

/** Append n bytes (grows the buffer; on failure sets ob_failed and drops them). */
void mc_obuf_add(struct mc_obuf *ob, const void *p, size_t n);
/** Bytes appended and not yet sent. */
static inline size_t
mc_obuf_pending(const struct mc_obuf *ob)
{
	return ob->ob_len - ob->ob_off;
}
/** Mark n bytes sent; the buffer empties (and shrinks if it grew large) when all are. */
void mc_obuf_sent(struct mc_obuf *ob, size_t n);
/** Free the buffer's memory. */
void mc_obuf_free(struct mc_obuf *ob);

/** What "stats" reports besides the table's own figures; kept by the service per lcore. */
struct mc_server_info {
	int64_t sv_started;             /**< unix time the service started */
	uint32_t sv_pid;
	uint32_t sv_threads;            /**< lcores serving */
	uint64_t sv_curr_connections;   /**< on this lcore */
	uint64_t sv_total_connections;  /**< accepted on this lcore */
	uint32_t sv_max_connections;
	uint32_t sv_verbosity;          /**< last "verbosity" (accepted, not used) */
};

/** Where a connection is between two calls. */
enum mc_session_state {
	MC_S_CMD,       /**< expecting a command line */
	MC_S_DATA,      /**< reading a storage command's data block into ms_item */
	MC_S_SWALLOW,   /**< discarding the data block of a refused storage command */
};

/** One connection's protocol state. */
struct mc_session {
	struct mc_store *ms_store;
	struct mc_server_info *ms_info;
	enum mc_session_state ms_state;
	struct mc_item *ms_item;         /**< MC_S_DATA: the item being filled */
	size_t ms_need;                  /**< MC_S_DATA/SWALLOW: bytes still to come (incl \r\n) */
	size_t ms_got;                   /**< MC_S_DATA: bytes already copied */
	enum mc_store_mode ms_mode;
	uint64_t ms_cas;
	bool ms_noreply;
	bool ms_close;                   /**< quit, or an error that ends the connection */
	bool ms_proto_error;             /**< ms_close for an error (line too long, no memory) */
};

/** Start a connection's session on store. */
void mc_session_init(struct mc_session *s, struct mc_store *store, struct mc_server_info *info);
/** End it: release a half-received item. */
void mc_session_fini(struct mc_session *s);

/**
 * Execute what can be executed of in[0..len), appending answers to out. Returns the bytes
 * consumed; stops early when ms_close is set or out holds more than out_hiwat pending bytes
 * (0: no bound), so a client that pipelines without reading is paced by its own backlog.
 */
size_t mc_proto_input(struct mc_session *s, const char *in, size_t len, struct mc_obuf *out,
		      size_t out_hiwat);

#endif
