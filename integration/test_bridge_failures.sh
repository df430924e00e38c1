#!/usr/bin/env bash
# bridge: an ADD that fails at any step leaves zero residue (no veth, no reservation, no
# nftables rule, no container interface), and the same attachment can be added afterwards.
. "$(dirname "$0")/lib.sh"

make_ns host
make_ns c1
make_ns c2
make_tmpdir data
ip -n "$host" link set lo up

base=$(printf '{"cniVersion":"1.0.0","name":"failnet","type":"bridge","bridge":"fbr0","isGateway":true,
  "ipMasq":true,"macspoofchk":true,"ipam":{"type":"host-local","dataDir":"%s","subnet":"10.55.0.0/30"}}' "$data")

residue() {  # prints what is left: host veths, container links, reservations, tagged rules
  local veths links res rules
  veths=$(ip -n "$host" -j link show type veth | jq length)
  links=$(ip -n "$c1" -j link show | jq '[.[] | select(.ifname != "lo")] | length')
  res=$(find "$data" -type f -name '10.*' | wc -l)
  rules=$(ip netns exec "$host" nft -j list ruleset | jq '[.nftables[] | select(.rule) | .rule | select((.comment // "") | test("ctr1"))] | length')
  echo "veths=$veths links=$links reservations=$res rules=$rules"
}
clean="veths=0 links=0 reservations=0 rules=0"

# 1. IPAM failure: the /30 has one usable address, taken by c2.
cni "$host" bridge ADD ctr2 "/run/netns/$c2" eth0 "$base"
expect_eq "ctr2 takes the only address" "$RC" 0
cni "$host" bridge ADD ctr1 "/run/netns/$c1" eth0 "$base"
expect_cni_error "IPAM failure (range exhausted) fails the ADD" 105 "host-local"
cni "$host" bridge DEL ctr2 "/run/netns/$c2" eth0 "$base"
expect_eq "DEL ctr2" "$RC" 0
expect_eq "... and the failed ADD left zero residue" "$(residue)" "$clean"

# 2. Unknown IPAM type.
bad=$(printf '%s' "$base" | jq -c '.ipam.type="no-such-ipam"')
cni "$host" bridge ADD ctr1 "/run/netns/$c1" eth0 "$bad"
if [ "$RC" != 0 ] && printf '%s' "$OUT" | jq -r .msg | grep -q "no-such-ipam"; then
  pass "unknown IPAM type fails the ADD, naming it"
else
  fail "unknown IPAM type fails the ADD, naming it"
fi
expect_eq "... with zero residue" "$(residue)" "$clean"

# 3. Netlink failures mid-ADD, after the veth, the spoof check and IPAM are in place:
#    a. the bridge holds another address (the gateway step fails);
ip -n "$host" addr add 10.9.9.1/24 dev fbr0
cni "$host" bridge ADD ctr1 "/run/netns/$c1" eth0 "$base"
expect_cni_error "gateway step refused by a conflicting bridge address" 7 "already has an IP address"
expect_eq "... with zero residue" "$(residue)" "$clean"
ip -n "$host" addr del 10.9.9.1/24 dev fbr0
#    b. VLANs on a bridge the kernel cannot filter (or a bridge without vlan_filtering): the
#       port VLAN step fails after the veth exists.
vl=$(printf '%s' "$base" | jq -c '.vlan=100')
cni "$host" bridge ADD ctr1 "/run/netns/$c1" eth0 "$vl"
if [ "$RC" != 0 ]; then
  pass "port VLAN step fails (RC=$RC: $(printf '%s' "$OUT" | jq -r .msg))"
  expect_eq "... with zero residue" "$(residue)" "$clean"
else
  echo "SKIP - VLAN filtering works here; undo by DEL"
  cni "$host" bridge DEL ctr1 "/run/netns/$c1" eth0 "$vl"
fi
#    c. the container interface name is taken (refused before anything is created).
ip -n "$c1" link add eth0 type veth peer name eth0p
cni "$host" bridge ADD ctr1 "/run/netns/$c1" eth0 "$base"
expect_cni_error "an existing container interface is refused" 4 "eth0"
ip -n "$c1" link del eth0
expect_eq "... with zero residue" "$(residue)" "$clean"
#    d. the bridge name is taken by a link that is not a bridge.
ip -n "$host" link add fbr1 type veth peer name fbr1p
nb=$(printf '%s' "$base" | jq -c '.bridge="fbr1"')
cni "$host" bridge ADD ctr1 "/run/netns/$c1" eth0 "$nb"
expect_cni_error "a non-bridge link named like the bridge is refused" 7 "not a bridge"
ip -n "$host" link del fbr1
expect_eq "... with zero residue" "$(residue)" "$clean"

# After all that, the attachment works and DEL cleans it.
cni "$host" bridge ADD ctr1 "/run/netns/$c1" eth0 "$base"
expect_eq "ADD ctr1 now succeeds" "$RC" 0
expect_eq "its spoof check and masquerade rules exist" "$(residue | sed 's/.*rules=//')" 5
cni "$host" bridge DEL ctr1 "/run/netns/$c1" eth0 "$base"
expect_eq "DEL ctr1" "$RC" 0
expect_eq "zero residue after DEL" "$(residue)" "$clean"

# The plugin dies (SIGKILL) while its host-local waits for the network's lock: host-local must
# not reserve for a caller that is gone (its DEL may already have run), or the address leaks.
# Exec forced: run in-process (cni/in_process.hpp), host-local dies with its caller.
lock="$data/failnet/lock"
exec 9>>"$lock"
flock 9
printf '%s' "$base" | ip netns exec "$host" env -i PATH="$PATH" CNI_COMMAND=ADD CNI_CONTAINERID=ctr1 \
  CNI_NETNS="/run/netns/$c1" CNI_IFNAME=eth0 CNI_PATH="$BIN_DIR" CNI_CPP_IPAM_EXEC=1 \
  "$BIN_DIR/bridge" >/dev/null 2>&1 &
plugin=$!
child=""
for _ in $(seq 100); do
  child=$(pgrep -P "$plugin" -x host-local || true)
  [ -n "$child" ] && break
  sleep 0.05
done
check "host-local started and waits for the lock" test -n "$child"
kill -9 "$plugin"
wait "$plugin" 2>/dev/null || true
flock -u 9
exec 9>&-
for _ in $(seq 100); do
  [ -n "$child" ] && kill -0 "$child" 2>/dev/null || break
  sleep 0.05
done
expect_eq "no reservation for the dead caller" "$(find "$data" -type f -name '10.*' | wc -l)" 0
cni "$host" bridge DEL ctr1 "/run/netns/$c1" eth0 "$base"
expect_eq "DEL after the crash" "$RC" 0
expect_eq "zero residue after the crash and DEL" "$(residue)" "$clean"
# The same, killed before host-local even ran its first instruction (as under a loaded host or
# ASan's slow start): host-local then finds init as its parent from the start, so it must learn
# its caller's pid from the plugin, not from getppid() at start-up. A wrapper in CNI_PATH holds
# host-local back until the plugin is dead.
make_tmpdir slowbin
# (Through the link: our executable runs as the plugin its file name says.)
bin=$(cd "$BIN_DIR" && pwd)
printf '#!/bin/sh\nsleep 1\nexec %q "$@"\n' "$bin/host-local" >"$slowbin/host-local"
chmod +x "$slowbin/host-local"
ln -s "$bin/bridge" "$slowbin/bridge"
printf '%s' "$base" | ip netns exec "$host" env -i PATH="$PATH" CNI_COMMAND=ADD CNI_CONTAINERID=ctr1 \
  CNI_NETNS="/run/netns/$c1" CNI_IFNAME=eth0 CNI_PATH="$slowbin" "$slowbin/bridge" >/dev/null 2>&1 &
plugin=$!
child=""
for _ in $(seq 100); do
  child=$(pgrep -P "$plugin" || true)
  [ -n "$child" ] && break
  sleep 0.05
done
check "the delayed host-local started" test -n "$child"
kill -9 "$plugin"
wait "$plugin" 2>/dev/null || true
for _ in $(seq 100); do
  [ -n "$child" ] && kill -0 "$child" 2>/dev/null || break
  sleep 0.05
done
expect_eq "no reservation for a caller dead before host-local ran" \
  "$(find "$data" -type f -name '10.*' | wc -l)" 0
cni "$host" bridge DEL ctr1 "/run/netns/$c1" eth0 "$base"
expect_eq "DEL after that crash" "$RC" 0
expect_eq "zero residue after that crash and DEL" "$(residue)" "$clean"
finish
