/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp windowed minimum of the RTT (RACK.min_RTT, RFC 8985 6.2): Kathleen Nichols' filter.
 *
 * Principles of operation. Three samples are kept, each the least seen since its own time:
 * s0 the least of the window, s1 the least since s1's time, s2 the least since s2's. A new
 * sample at or below one of them replaces it and those after it (a later, smaller sample
 * makes the older, larger ones useless). When s0 has aged past the window, s1 takes its
 * place (and s2 s1's): the minimum rises to the best of what is left, no history needed.
 * So that s1 and s2 are never stale copies of s0, a sample taken a quarter of the window
 * after s0 while s1 still equals s0 becomes s1 (and s2), and one half a window after while
 * s2 still equals s1 becomes s2: each keeps covering its part of the window.
 *
 * Times are milliseconds in 32 bits: a connection silent for the 49 days of a wrap keeps its
 * old minimum one window more, no worse.
 */
#include "tcp_priv.h"

uint32_t
tcp_minrtt_update(struct tcp_minrtt *mr, uint32_t now_ms, uint32_t win_ms, uint32_t rtt_us)
{
	struct tcp_minrtt_sample *s = mr->mr_s, nw = { now_ms, rtt_us };
	uint32_t age;

	/* a new least, the first sample, or nothing left in the window: start over */
	if (s[0].ms_rtt == 0 || rtt_us <= s[0].ms_rtt || now_ms - s[2].ms_time > win_ms) {
		s[0] = s[1] = s[2] = nw;
		return rtt_us;
	}
	if (rtt_us <= s[1].ms_rtt)
		s[1] = s[2] = nw;
	else if (rtt_us <= s[2].ms_rtt)
		s[2] = nw;

	age = now_ms - s[0].ms_time;
	if (age > win_ms) {
		/* the least has left the window: the next ones move up */
		s[0] = s[1];
		s[1] = s[2];
		s[2] = nw;
		if (now_ms - s[0].ms_time > win_ms) {
			s[0] = s[1];
			s[1] = s[2];
		}
	} else if (s[1].ms_time == s[0].ms_time && age > win_ms / 4) {
		s[1] = s[2] = nw; /* a quarter window without a second choice: this one */
	} else if (s[2].ms_time == s[1].ms_time && age > win_ms / 2) {
		s[2] = nw;        /* half a window without a third */
	}
	return s[0].ms_rtt;
}
