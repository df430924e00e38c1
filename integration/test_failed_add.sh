#!/usr/bin/env bash
# A failed ADD changes nothing on the host, whoever finds the failure: starting from a host
# namespace without the bridge, bridge and veth ADDs that fail because of the IPAM config
# (several kinds), an exhausted range, a missing IPAM binary or a kernel refusal mid-ADD leave
# the host's links, addresses, routes, forwarding sysctls, nftables ruleset and the data dir
# as they were. And while another container is added to the same bridge in a loop, failing
# ADDs never take its bridge (or gateway, or forwarding) away.
. "$(dirname "$0")/lib.sh"

make_ns host
make_ns c1
make_ns c2
make_tmpdir data
ip -n "$host" link set lo up

fi_build=no
grep -qaF 'fault injected at' "$BIN_DIR/bridge" && fi_build=yes

bridge_conf() {  # bridge_conf NAME SUBNET [jq filter]
  printf '{"cniVersion":"1.1.0","name":"%s","type":"bridge","bridge":"fabr0","isGateway":true,
    "ipMasq":true,"macspoofchk":true,"ipam":{"type":"host-local","dataDir":"%s","subnet":"%s",
    "routes":[{"dst":"0.0.0.0/0"}]}}' "$1" "$data" "$2" | jq -c "${3:-.}"
}
veth_conf() {
  printf '{"cniVersion":"1.1.0","name":"%s","type":"veth","ipMasq":true,
    "ipam":{"type":"host-local","dataDir":"%s","subnet":"%s","routes":[{"dst":"0.0.0.0/0"}]}}' \
    "$1" "$data" "$2" | jq -c "${3:-.}"
}

# Everything an ADD could change in the host namespace, and the data dir, as text.
snapshot() {
  ip -j -d -n "$host" link show | jq -c '.[] | del(.. | .stats?, .stats64?) |
    walk(if type == "object" then with_entries(select(.key | test("timer") | not)) else . end)'
  ip -n "$host" addr show | grep -v valid_lft
  ip -n "$host" route show table all
  ip -n "$host" -6 route show table all
  ip netns exec "$host" sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding \
    net.ipv6.conf.default.forwarding net.ipv4.conf.all.forwarding
  ip netns exec "$host" nft list ruleset
  # The reservations byte for byte. host-local's bookkeeping (lock, last_reserved_ip, its
  # index) is left by an ADD that reserved and was undone: see the README's "where we differ".
  (cd "$data" && find . -path ./.cni-cpp-host-local -prune -o -type f ! -name lock \
    ! -name 'last_reserved_ip.*' -printf '%p %m %s\n' -exec md5sum {} + | sort)
}

# expect_unchanged WHAT BEFORE: the state now equals BEFORE (waits for late kernel events).
expect_unchanged() {
  local now i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    now=$(snapshot)
    [ "$now" == "$2" ] && break
    sleep 0.2
  done
  if [ "$now" == "$2" ]; then
    pass "$1: host unchanged"
  else
    fail "$1: host changed: $(diff <(echo "$2") <(echo "$now") | grep '^[<>]' | head -8 | tr '\n' ' ')"
  fi
}

# An earlier network user: host-local holds a reservation in "exhausted" (a /30: one address).
cni "$host" host-local ADD other "/run/netns/$c2" eth0 "$(bridge_conf exhausted 10.71.0.0/30)"
expect_eq "setup: the only address of the /30 is taken" "$RC" 0

# fail_case PLUGIN WHAT CONFIG CODE MSG
fail_case() {
  local before
  before=$(snapshot)
  cni "$host" "$1" ADD ctr1 "/run/netns/$c1" eth0 "$3" "${@:6}"
  expect_cni_error "$1, $2: ADD fails" "$4" "$5"
  expect_unchanged "$1, $2" "$before"
  expect_eq "$1, $2: no container interface" "$(ip -n "$c1" -o link show | grep -vc ' lo:')" 0
}

for p in bridge veth; do
  conf=${p}_conf
  fail_case $p "subnet not a CIDR" "$($conf bad1 10.72.0.0/24 '.ipam.subnet="10.72.0.0/33"')" 7 "subnet"
  fail_case $p "rangeStart outside the subnet" \
    "$($conf bad2 10.72.0.0/24 '.ipam.rangeStart="10.99.0.5"')" 7 "rangeStart"
  fail_case $p "routes of the wrong type" "$($conf bad3 10.72.0.0/24 '.ipam.routes={}')" 6 "routes"
  fail_case $p "no range at all" "$($conf bad4 10.72.0.0/24 'del(.ipam.subnet)')" 7 "ipam"
  fail_case $p "range exhausted" "$($conf exhausted 10.71.0.0/30)" 105 "host-local"
  fail_case $p "IPAM binary missing" "$($conf bad5 10.72.0.0/24 '.ipam.type="no-such-ipam"')" 7 "no-such-ipam"
  # The kernel refuses a route (its gateway is not on-link) after the links, the spoof check
  # table and the reservation exist (and for veth, forwarding is on).
  fail_case $p "a route the kernel refuses" \
    "$($conf mid 10.73.0.0/24 '.ipam.routes=[{"dst":"192.0.2.0/24","gw":"198.51.100.1"}]')" 100 "add route"
  if [ "$fi_build" = yes ]; then
    # The very last host change: after gateway addresses, forwarding and masquerading.
    fail_case $p "failure after masquerading (fault injection)" "$($conf mid 10.73.0.0/24)" \
      999 "fault injected" CNI_FAULT_POINT=$p.after_masq
  fi
done

# --- Concurrency: a container is added to fabr0 and removed again, in a loop, while failing
# ADDs on the same bridge run next to it; each round starts without the bridge, so the failing
# ADDs keep creating it and giving it back. The loop's ADDs must always succeed and work.
ip -n "$host" link del fabr0 2>/dev/null || true
good=$(bridge_conf good 10.74.0.0/24)
make_tmpdir logs
failing_loop() {  # failing_loop TAG CONFIG: failing ADDs until the stop file appears
  local n=0
  while [ ! -e "$logs/stop" ]; do
    n=$((n + 1))
    cni "$host" bridge ADD "f$1-$n" "/run/netns/$c2" "e$1" "$2"
    [ "$RC" != 0 ] || echo "unexpected success" >>"$logs/failing"
  done
  echo "$n" >"$logs/count-$1"
}
failing_loop a "$(bridge_conf fa 10.75.0.0/24 '.ipam.type="no-such-ipam"')" &
pid_a=$!
failing_loop b "$(bridge_conf fb 10.76.0.0/24 '.ipam.subnet="10.76.0.0/40"')" &
pid_b=$!
ok=0
rounds=50
for i in $(seq "$rounds"); do
  cni "$host" bridge ADD "good-$i" "/run/netns/$c1" eth0 "$good"
  if [ "$RC" = 0 ] && ip netns exec "$c1" ping -c1 -W2 10.74.0.1 >/dev/null; then
    ok=$((ok + 1))
  else
    echo "round $i: rc=$RC $OUT $(ip -n "$host" -br link show fabr0 2>&1)" >>"$logs/good"
  fi
  cni "$host" bridge DEL "good-$i" "/run/netns/$c1" eth0 "$good"
  ip -n "$host" link del fabr0 2>/dev/null || true
done
touch "$logs/stop"
wait "$pid_a" "$pid_b"
expect_eq "every looped ADD succeeded and reached its gateway ($(cat "$logs/count-a") + $(cat "$logs/count-b") failing ADDs ran alongside)" \
  "$ok $(cat "$logs/good" 2>/dev/null)" "$rounds "
expect_eq "every failing ADD failed" "$(cat "$logs/failing" 2>/dev/null)" ""
expect_eq "no container interface left by the failing ADDs" "$(ip -n "$c2" -o link show | grep -vc ' lo:')" 0
expect_eq "no veth left in the host" "$(ip -n "$host" -o link show type veth | wc -l)" 0

finish
