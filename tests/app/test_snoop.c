/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The inspection modules yardctl pushes at run time, on the loop driver: "snoop" writes a
 * pcapng file of what passes it (read back here block by block, and with tshark when it is
 * installed), "trace" logs message types and timings; both pass every message on untouched.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <streams/loop.h>
#include <streams/snoop.h>

#include "yard_test.h"

TestSuite(snoop, .init = yt_setup, .fini = yt_teardown);
TestSuite(trace, .init = yt_setup, .fini = yt_teardown);

#define PATTERN(i, k) ((unsigned char)((i) * 7 + (k)))

/* A loop stream (echo) with name, and a scratch file name. */
static struct stdata *
loop_stream(const char *name)
{
	struct stdata *sd;

	cr_assert_eq(sth_open("loop", 0, &sd), 0);
	sth_set_name(sd, name);
	return sd;
}

static void
scratch(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "/tmp/yard-test-%s-%d.out", what, (int)getpid());
	unlink(buf);
}

/* Send n messages of len bytes down sd (patterned by index), let them echo, read them back. */
static void
echo_messages(struct stdata *sd, unsigned n, size_t len)
{
	unsigned char buf[2048];
	mblk_t *extra;

	for (unsigned i = 0; i < n; i++) {
		for (size_t k = 0; k < len; k++)
			buf[k] = PATTERN(i, k);
		cr_assert_eq(sth_write(sd, buf, len), (ssize_t)len, "write %u", i);
	}
	/* The stream head's read side holds STRHIGH bytes: read as the echoes come up. */
	for (unsigned i = 0; i < n; i++) {
		mblk_t *mp;
		int rc = sth_getmsg_mblk(sd, &mp);

		for (unsigned tries = 0; rc == -EAGAIN && tries < 100; tries++) {
			yt_drain();
			rc = sth_getmsg_mblk(sd, &mp);
		}
		cr_assert_eq(rc, 0, "message %u came back", i);
		cr_assert_eq(msgdsize(mp), len);
		for (size_t k = 0; k < len; k++)
			cr_assert_eq(mp->b_rptr[k], PATTERN(i, k), "message %u byte %zu", i, k);
		freemsg(mp);
	}
	yt_drain();
	cr_assert_eq(sth_getmsg_mblk(sd, &extra), -EAGAIN, "nothing more came back");
}

struct pcap_summary {
	unsigned idb, epb, in, out, isb, bad_data;
	uint16_t linktype;
};

/* Parse a pcapng file: count blocks; check each packet's bytes against PATTERN by order. */
static void
parse_pcapng(const char *path, size_t len, struct pcap_summary *ps)
{
	FILE *f = fopen(path, "rb");
	static unsigned char d[1 << 20];
	size_t size, off = 0;
	unsigned down = 0, up = 0;

	memset(ps, 0, sizeof(*ps));
	cr_assert_not_null(f, "%s exists", path);
	size = fread(d, 1, sizeof(d), f);
	fclose(f);
	cr_assert_gt(size, 28);
	while (off + 12 <= size) {
		uint32_t type, blen;

		memcpy(&type, d + off, 4);
		memcpy(&blen, d + off + 4, 4);
		cr_assert(blen >= 12 && blen % 4 == 0 && off + blen <= size,
			  "block at %zu: length %u (file %zu)", off, blen, size);
		if (off == 0)
			cr_assert_eq(type, 0x0a0d0d0a, "section header first");
		if (type == 1) {
			ps->idb++;
			memcpy(&ps->linktype, d + off + 8, 2);
		} else if (type == 5) {
			ps->isb++;
		} else if (type == 6) {
			uint32_t caplen, opt = 0;
			size_t o;
			unsigned idx;

			ps->epb++;
			memcpy(&caplen, d + off + 20, 4);
			cr_assert_eq(caplen, len, "packet %u: %u bytes captured", ps->epb, caplen);
			/* epb_flags (option 2): direction in the low 2 bits */
			for (o = off + 28 + ((caplen + 3) & ~3u); o + 4 <= off + blen - 4;) {
				uint16_t code, olen;

				memcpy(&code, d + o, 2);
				memcpy(&olen, d + o + 2, 2);
				if (code == 0)
					break;
				if (code == 2)
					memcpy(&opt, d + o + 4, 4);
				o += 4 + ((olen + 3u) & ~3u);
			}
			idx = (opt & 3) == 1 ? up++ : down++;
			if ((opt & 3) == 1)
				ps->in++;
			else if ((opt & 3) == 2)
				ps->out++;
			for (size_t k = 0; k < caplen; k++)
				if (d[off + 28 + k] != PATTERN(idx, k)) {
					ps->bad_data++;
					break;
				}
		}
		off += blen;
	}
	cr_assert_eq(off, size, "the file ends with a whole block");
}

YT_TEST(snoop, captures_every_message_both_ways_and_passes_all_on)
{
	struct stdata *sd = loop_stream("test/loop");
	struct snoopstat st;
	struct pcap_summary ps;
	char path[128];

	scratch(path, sizeof(path), "snoop");
	yard_modargs_set(path);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)SNOOP_MODNAME), 0);
	cr_assert_eq(yard_modargs_pending(), 0, "snoop took its arguments");
	cr_assert_str_eq(yard_snoop_path(sd), path);
	echo_messages(sd, 20, 100);
	cr_assert_eq(yard_snoop_stats(sd, &st), 0);
	cr_assert_eq(st.snoops_down, 20);
	cr_assert_eq(st.snoops_up, 20);
	cr_assert_eq(st.snoops_captured, 40);
	cr_assert_eq(st.snoops_missed, 0);
	cr_assert_eq(st.snoops_written, 40, "the flush hook wrote them: %lu",
		     (unsigned long)st.snoops_written);
	cr_assert_eq(sth_ioctl(sd, I_POP, 0), 0);
	cr_assert_eq(yard_snoop_stats(sd, &st), -ENOENT);
	cr_assert_eq(sth_close(sd), 0);

	parse_pcapng(path, 100, &ps);
	cr_assert_eq(ps.idb, 1, "one interface (no ethdev in the test)");
	cr_assert_eq(ps.linktype, 1, "Ethernet below no arp");
	cr_assert_eq(ps.epb, 40);
	cr_assert_eq(ps.out, 20, "20 going down");
	cr_assert_eq(ps.in, 20, "20 coming up");
	cr_assert_eq(ps.bad_data, 0, "every packet's bytes intact");
	cr_assert_eq(ps.isb, 1, "statistics at close");
	if (access("/usr/bin/tshark", X_OK) == 0) {
		char cmd[256], line[64];
		FILE *p;
		unsigned n = 0;

		snprintf(cmd, sizeof(cmd), "/usr/bin/tshark -r %s -T fields -e frame.len 2>/dev/null",
			 path);
		p = popen(cmd, "r");
		cr_assert_not_null(p);
		while (fgets(line, sizeof(line), p) != NULL)
			n += atoi(line) == 100;
		cr_assert_eq(pclose(p), 0, "tshark read the file");
		cr_assert_eq(n, 40, "tshark saw 40 packets of 100 bytes");
	}
	unlink(path);
}

YT_TEST(snoop, writes_to_the_default_file_named_after_the_stream)
{
	struct stdata *sd = loop_stream("ctl/test");
	char want[128];

	snprintf(want, sizeof(want), "%s/yard-snoop-ctl_test.pcapng", SNOOP_DEFAULT_DIR);
	unlink(want);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)SNOOP_MODNAME), 0);
	cr_assert_str_eq(yard_snoop_path(sd), want);
	echo_messages(sd, 3, 60);
	cr_assert_eq(sth_close(sd), 0, "close pops snoop and closes the file");
	cr_assert_eq(access(want, R_OK), 0, "%s written", want);
	unlink(want);
}

YT_TEST(snoop, counts_misses_when_its_buffer_is_full_and_loses_no_message)
{
	struct stdata *sd = loop_stream("test/full");
	struct snoopstat st;
	char path[128];

	scratch(path, sizeof(path), "snoopfull");
	yard_modargs_set(path);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)SNOOP_MODNAME), 0);
	/* 300 writes with no loop pass between them: 256 copies wait, 44 are missed. */
	echo_messages(sd, 300, 64);
	cr_assert_eq(yard_snoop_stats(sd, &st), 0);
	cr_assert_eq(st.snoops_down + st.snoops_up, 600);
	cr_assert_geq(st.snoops_missed, 44);
	cr_assert_eq(st.snoops_captured + st.snoops_missed, 600);
	cr_assert_eq(st.snoops_written, st.snoops_captured);
	cr_assert_eq(sth_close(sd), 0);
	unlink(path);
}

YT_TEST(snoop, refuses_a_snap_length_out_of_range)
{
	struct stdata *sd = loop_stream("test/bad");

	yard_modargs_set("/tmp/x.pcapng,snaplen=10");
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)SNOOP_MODNAME), -EINVAL);
	cr_assert_eq(sd->sd_pushcnt, 0);
	echo_messages(sd, 2, 32);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(snoop, refuses_a_file_it_cannot_create)
{
	struct stdata *sd = loop_stream("test/nofile");

	yard_modargs_set("/nonexistent-dir/x.pcapng");
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)SNOOP_MODNAME), -ENOENT);
	cr_assert_eq(sth_close(sd), 0);
}

/* ---- trace ------------------------------------------------------------------------------ */

static unsigned
count_lines(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[256];
	unsigned n = 0;

	cr_assert_not_null(f, "%s exists", path);
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

YT_TEST(trace, logs_each_message_with_direction_type_and_size)
{
	struct stdata *sd = loop_stream("test/trace");
	struct tracestat st;
	char path[128], args[160];

	scratch(path, sizeof(path), "trace");
	snprintf(args, sizeof(args), "%s,rate=0", path);
	yard_modargs_set(args);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)TRACE_MODNAME), 0);
	echo_messages(sd, 10, 90);
	cr_assert_eq(yard_trace_stats(sd, &st), 0);
	cr_assert_eq(st.traces_msgs, 20);
	cr_assert_eq(st.traces_logged, 20);
	cr_assert_eq(st.traces_ratelimited, 0);
	cr_assert_eq(sth_ioctl(sd, I_POP, 0), 0);
	cr_assert_eq(count_lines(path, "trace test/trace: "), 20);
	cr_assert_eq(count_lines(path, " down M_DATA    band 0 len 90 blocks 1"), 10);
	cr_assert_eq(count_lines(path, " up   M_DATA    band 0 len 90 blocks 1"), 10);
	cr_assert_eq(sth_close(sd), 0);
	unlink(path);
}

YT_TEST(trace, holds_to_its_rate_limit_and_still_passes_everything)
{
	struct stdata *sd = loop_stream("test/rate");
	struct tracestat st;
	char path[128], args[160];

	scratch(path, sizeof(path), "tracerate");
	snprintf(args, sizeof(args), "%s,rate=5", path);
	yard_modargs_set(args);
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)TRACE_MODNAME), 0);
	echo_messages(sd, 50, 40);
	cr_assert_eq(yard_trace_stats(sd, &st), 0);
	cr_assert_eq(st.traces_msgs, 100);
	cr_assert_leq(st.traces_logged, 6, "at most a second's worth (5) in well under a second, "
		      "got %lu", (unsigned long)st.traces_logged);
	cr_assert_eq(st.traces_logged + st.traces_ratelimited, 100);
	cr_assert_eq(sth_close(sd), 0);
	cr_assert_eq(count_lines(path, "trace test/rate: "), st.traces_logged);
	unlink(path);
}

YT_TEST(trace, logs_to_the_dpdk_log_without_a_file)
{
	struct stdata *sd = loop_stream("test/log");
	struct tracestat st;

	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)TRACE_MODNAME), 0);
	echo_messages(sd, 4, 30);
	cr_assert_eq(yard_trace_stats(sd, &st), 0);
	cr_assert_eq(st.traces_logged, 8);
	cr_assert_eq(st.traces_write_errors, 0);
	cr_assert_eq(sth_close(sd), 0);
}

YT_TEST(trace, refuses_a_malformed_rate)
{
	struct stdata *sd = loop_stream("test/badrate");

	yard_modargs_set("rate=fast");
	cr_assert_eq(sth_ioctl(sd, I_PUSH, (intptr_t)TRACE_MODNAME), -EINVAL);
	cr_assert_eq(sth_close(sd), 0);
}
