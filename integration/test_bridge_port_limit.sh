#!/usr/bin/env bash
# bridge: a bridge holding the kernel's maximum of 1023 ports (BR_MAX_PORTS 1024, port 0
# unused) refuses one more with a CNI error naming the bridge (not the kernel's "Exchange
# full"), leaves nothing behind (no veth, no reservation), and works again once a port is free.
# The ports are ifb links (one interface each, cheaper than veth pairs). Budget: ~5 s (~15 s under ASan).
. "$(dirname "$0")/lib.sh"

make_ns host
make_ns c1
make_tmpdir data
ip -n "$host" link set lo up
ip -n "$host" link add pl0 type bridge
ip -n "$host" link set pl0 up
for i in $(seq 1 1023); do echo "link add d$i master pl0 type ifb"; done | ip -n "$host" -batch -
expect_eq "the bridge has 1023 ports" "$(ip -n "$host" -o link show master pl0 | wc -l)" 1023
check "the kernel refuses a 1024th port" bash -c "! ip -n '$host' link add d1024 master pl0 type ifb 2>/dev/null"

conf=$(printf '{"cniVersion":"1.0.0","name":"plnet","type":"bridge","bridge":"pl0","isGateway":true,
  "ipam":{"type":"host-local","dataDir":"%s","subnet":"10.56.0.0/16"}}' "$data")
cni "$host" bridge ADD ctr1 "/run/netns/$c1" eth0 "$conf"
expect_cni_error "ADD on a full bridge fails naming it" 105 "bridge pl0 is full"
msg=$(jq -r .msg <<<"$OUT" 2>/dev/null || true)
if [[ ${msg,,} == *"exchange full"* ]]; then
  fail "... without the kernel's \"Exchange full\" in the message"
else
  pass "... without the kernel's \"Exchange full\" in the message"
fi
expect_eq "... and leaves no veth" "$(ip -n "$host" -o link show type veth | wc -l)" 0
expect_eq "... no container interface" "$(ip -n "$c1" -o link show | grep -vc ': lo:')" 0
expect_eq "... no reservation" "$(find "$data" -type f -name '10.*' | wc -l)" 0

ip -n "$host" link del d1
cni "$host" bridge ADD ctr1 "/run/netns/$c1" eth0 "$conf"
expect_eq "with one port free, the ADD succeeds" "$RC" 0
expect_eq "... as the bridge's 1023rd port" "$(ip -n "$host" -o link show master pl0 | wc -l)" 1023
cni "$host" bridge DEL ctr1 "/run/netns/$c1" eth0 "$conf"
expect_eq "DEL" "$RC" 0
finish
