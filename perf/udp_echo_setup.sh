# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the UDP echo benchmarks (udp_echo_bench.sh, udp_echo_instr.sh, udp_echo_ab.sh):
# the one set-up they all measure, so their figures describe the same thing.
#
#   udp_echo_setup DIR PREFIX [FLOWS]
# writes DIR/in.pcap (FLOWS flows of 64-byte UDP frames, 1024 unless given) and DIR/yard.ini:
# one lcore, net_pcap replaying the capture (infinite_rx=1, TX dropped), the echo service on
# port 7 and nothing else, the generator's address a static neighbour (net_pcap never answers
# ARP), EAL file prefix PREFIX. VLAN=ID in the environment (1..4094) tags every frame with that
# 802.1Q VLAN and puts yard's port on it: what a VLAN link costs. GROUP=a.b.c.d (a multicast
# address) sends the datagrams to that group, which the echo service joins (udp_join): what
# multicast reception costs; the replies go to the sender, as ever. SSM=1 with GROUP joins it
# for the generator's address only (198.18.2.1@GROUP): what a source filter costs, every
# datagram's source judged.
udp_echo_setup() {
	local dir=$1 prefix=$2 flows=${3:-1024} vlan=${VLAN:-0} group=${GROUP:-}
	local root join=${GROUP:-}
	if [ -n "${SSM:-}" ] && [ -n "$group" ]; then
		join="198.18.2.1@$group"
	fi
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	/usr/bin/python3 "$root/perf/mkpcap.py" "$dir/in.pcap" "$flows" 60 "$vlan" "$group" \
		>/dev/null || return 1
	cat >"$dir/yard.ini" <<INI
[yard]
lcores = 1
mbufs = 65535
mbuf_cache = 512
log_level = notice
[eal]
args = --file-prefix $prefix
hugepages = auto
memory = 1024
[port0]
dev = net_pcap0,rx_pcap=$dir/in.pcap,infinite_rx=1
address = 198.18.2.2/24
vlan = $vlan
rx_desc = 2048
tx_desc = 2048
queue_lcores = 1
neighbours = 198.18.2.1 02:00:00:00:00:01
[arp]
timeout_ms = 3600000
[services]
udp_echo = 7
udp_discard = 0
tcp_echo = 0
tcp_discard = 0
http = 0
udp_join = $join
INI
}
