#!/usr/bin/env bash
# bandwidth: chained after our veth plugin (host-local IPAM) in a throwaway host namespace.
# iperf3 between the shaped container and an unshaped one measures both directions against
# the configured rates; the qdiscs read back as the reference's (tc -j); DEL (twice, netns
# gone, CNI_NETNS empty), GC, a failed ADD and DELs across binaries leave no ifb and no qdisc.
. "$(dirname "$0")/lib.sh"

command -v iperf3 >/dev/null || { echo "SKIP: $TEST_NAME needs iperf3"; exit 0; }

make_ns host
make_ns c1
make_ns c2
make_tmpdir data
ip -n "$host" link set lo up

# iperf3 servers are ours to stop (by PID) however the test ends.
server_pid=""
_stop_server() {
  local rc=$?
  set +e  # (exit $rc) below must not end the trap early
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null
  (exit $rc)
  _cleanup
}
trap _stop_server EXIT

net=bwnet
# 1.0.0: the reference (1.1.1) runs on the same configs; GC and STATUS add 1.1.0 themselves.
vconf=$(printf '{"cniVersion":"1.0.0","name":"%s","type":"veth",
  "ipam":{"type":"host-local","dataDir":"%s","subnet":"10.79.0.0/24"}}' "$net" "$data")
# 8 Mbit/s towards the container, 4 Mbit/s from it; bursts of 20 and 10 kB.
bconf=$(printf '{"cniVersion":"1.0.0","name":"%s","type":"bandwidth",
  "ingressRate":8000000,"ingressBurst":160000,"egressRate":4000000,"egressBurst":80000}' "$net")
REF=$REF_DIR/bandwidth

with_prev() { printf '%s' "$1" | jq -c --argjson p "$2" '. + {prevResult: $p}'; }
ifb_of() { printf 'bwp%s' "$(printf '%s%s' "$1" "$2" | sha512sum | cut -c1-12)"; }
ifbs() { ip -n "$host" -j link show type ifb | jq -r '[.[].ifname] | sort | join(" ")'; }
has_link() { ip -n "$host" link show dev "$1" >/dev/null 2>&1 && echo yes || echo no; }
# The veth's qdiscs other than the kernel's default, as "kind:handle" words.
qdiscs() {
  ip netns exec "$host" tc -j qdisc show dev "$1" |
    jq -r '[.[] | select(.kind != "noqueue") | .kind + ":" + .handle] | join(" ")'
}
# A qdisc listing without the link's name (to compare two links' qdiscs).
qdisc_shape() { ip netns exec "$host" tc -j qdisc show dev "$1" | jq -c 'map(del(.dev))'; }

# container ID -> veth result (in $VRES), host veth name (in $HVETH)
attach() {
  cni "$host" veth ADD "$1" "/run/netns/$2" eth0 "$vconf"
  [ "$RC" = 0 ] || { fail "veth ADD $1"; return 1; }
  VRES=$OUT
  HVETH=$(printf '%s' "$OUT" | jq -r '.interfaces[0].name')
}

# measure CLIENT_NS SERVER_NS SERVER_IP [-R]: bits per second received, from iperf3's JSON.
measure() {
  local port=5201 i
  ip netns exec "$2" iperf3 -s -1 -p $port >/dev/null 2>&1 &
  server_pid=$!
  for i in $(seq 50); do
    [ "$(ip netns exec "$2" ss -Htln "sport = :$port" | wc -l)" -gt 0 ] && break
    sleep 0.1
  done
  ip netns exec "$1" iperf3 -c "$3" -p $port -t "${SECONDS_PER_RUN:-3}" -J ${4:-} |
    jq '.end.sum_received.bits_per_second | floor'
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
# within DESCRIPTION GOT WANT: GOT within +-20 % of WANT.
within() {
  if [ "$2" -ge $(($3 * 8 / 10)) ] && [ "$2" -le $(($3 * 12 / 10)) ]; then
    pass "$1: $2 bit/s (want $3 +-20 %)"
  else
    fail "$1: $2 bit/s, want $3 +-20 %"
  fi
}

attach ctr1 "$c1"
veth1=$HVETH
res1=$VRES
ip1=$(printf '%s' "$res1" | jq -r '.ips[0].address' | cut -d/ -f1)
attach ctr2 "$c2"
ip2=$(printf '%s' "$VRES" | jq -r '.ips[0].address' | cut -d/ -f1)

# --- Unshaped first: the same path is much faster.
SECONDS_PER_RUN=1
base_out=$(measure "$c1" "$c2" "$ip2")
base_in=$(measure "$c2" "$c1" "$ip1")
SECONDS_PER_RUN=3
[ "$base_out" -gt 40000000 ] && [ "$base_in" -gt 80000000 ] &&
  pass "unshaped: $base_out bit/s out, $base_in bit/s in (over 10x the limits)" ||
  fail "unshaped: $base_out bit/s out, $base_in bit/s in"

# --- ADD: the result is prevResult plus the ifb; qdiscs on the veth and the ifb.
cni "$host" bandwidth ADD ctr1 "/run/netns/$c1" eth0 "$(with_prev "$bconf" "$res1")"
expect_eq "ADD exits 0" "$RC" 0
bres1=$OUT
ifb1=$(ifb_of "$net" ctr1)
expect_json "result: prevResult's interfaces + the ifb" "$OUT" '[.interfaces[].name]' \
  "$(printf '%s' "$res1" | jq -c --arg i "$ifb1" '[.interfaces[].name] + [$i]')"
expect_json "result: the ifb's MAC" "$OUT" '.interfaces[-1].mac' \
  "\"$(ip -n "$host" -j link show "$ifb1" | jq -r '.[0].address')\""
expect_json "result: prevResult's IPs untouched" "$OUT" '.ips' "$(printf '%s' "$res1" | jq -c .ips)"
expect_eq "veth qdiscs" "$(qdiscs "$veth1")" "tbf:1: ingress:ffff:"
expect_eq "ifb qdiscs" "$(qdiscs "$ifb1")" "tbf:1:"
expect_eq "ifb MTU is the veth's" "$(ip -n "$host" -j link show "$ifb1" | jq .[0].mtu)" \
  "$(ip -n "$host" -j link show "$veth1" | jq .[0].mtu)"
expect_eq "ifb alias marks its owner" "$(ip -n "$host" -j link show "$ifb1" | jq -r .[0].ifalias)" \
  "cni-bandwidth $net ctr1 eth0"
expect_eq "redirect filter to the ifb" \
  "$(ip netns exec "$host" tc -j filter show dev "$veth1" ingress |
    jq -r '[.[] | select(.options.actions) | .options.actions[0] | .kind + " " + .direction + " " + .mirred_action + " " + .to_dev] | join(",")')" \
  "mirred egress redirect $ifb1"

# --- Traffic: within 20 % of each rate.
within "container egress (iperf3 c1 -> c2)" "$(measure "$c1" "$c2" "$ip2")" 4000000
within "container ingress (iperf3 c2 -> c1)" "$(measure "$c2" "$c1" "$ip1")" 8000000

# --- CHECK with the ADD result; then with the veth's TBF changed.
chk=$(with_prev "$bconf" "$bres1")
cni "$host" bandwidth CHECK ctr1 "/run/netns/$c1" eth0 "$chk"
expect_eq "CHECK after ADD" "$RC:$OUT" "0:"

# --- The reference's ADD on a twin container: the same qdiscs, read back by tc.
make_ns c3
attach ctr3 "$c3"
veth3=$HVETH
cni "$host" "$REF" ADD ctr3 "/run/netns/$c3" eth0 "$(with_prev "$bconf" "$VRES")"
expect_eq "reference ADD exits 0" "$RC" 0
ifb3=$(ifb_of "$net" ctr3)
expect_eq "reference made ifb $ifb3" "$(has_link "$ifb3")" yes
expect_eq "veth qdiscs read back as the reference's" "$(qdisc_shape "$veth1")" "$(qdisc_shape "$veth3")"
expect_eq "ifb qdiscs read back as the reference's" "$(qdisc_shape "$ifb1")" "$(qdisc_shape "$ifb3")"
filter_shape() {  # the redirecting filter node, its target named by role
  ip netns exec "$host" tc -j filter show dev "$1" ingress |
    jq -c --arg ifb "$2" '[.[] | select(.options.actions) | {protocol, pref, kind,
      flowid: .options.flowid, match: .options.match,
      first: (.options.actions[0] | {kind, direction, mirred_action, control_action, to_ifb: (.to_dev == $ifb)})}]'
}
expect_eq "redirect filter reads back as the reference's (first action)" \
  "$(filter_shape "$veth1" "$ifb1")" "$(filter_shape "$veth3" "$ifb3")"
expect_eq "ifb link as the reference's (mtu, txqlen, flags)" \
  "$(ip -n "$host" -j link show "$ifb1" | jq -c '.[0] | {mtu, txqlen, flags, operstate}')" \
  "$(ip -n "$host" -j link show "$ifb3" | jq -c '.[0] | {mtu, txqlen, flags, operstate}')"

# --- Interop: our DEL removes the reference's ifb and qdiscs.
cni "$host" bandwidth DEL ctr3 "/run/netns/$c3" eth0 "$bconf"
expect_eq "our DEL of the reference's ADD exits 0" "$RC" 0
expect_eq "its ifb is gone" "$(has_link "$ifb3")" no
expect_eq "its veth has no qdisc left" "$(qdiscs "$veth3")" ""

# --- More readback comparisons on twins (ours on c9, the reference's on c3): containerd's
# default burst (2^32-1 bits, whose bucket wraps in 32 bits) and a rate beyond 32 bits of bytes.
make_ns c9
attach ctr9 "$c9"
veth9=$HVETH
res9=$VRES
res3=$(printf '%s' "$bres1" | jq -c --arg v "$veth3" --arg n "/run/netns/$c3" \
  '.interfaces = [{name: $v}, {name: "eth0", sandbox: $n}]')
for bw in '{"ingressRate":1000000,"ingressBurst":4294967295,"egressRate":10000000,"egressBurst":4294967295}' \
  '{"ingressRate":100000000000,"ingressBurst":1000000000,"egressRate":40000000000,"egressBurst":80000}'; do
  c=$(printf '{"cniVersion":"1.0.0","name":"%s","type":"bandwidth","runtimeConfig":{"bandwidth":%s}}' "$net" "$bw")
  cni "$host" bandwidth ADD ctr9 "/run/netns/$c9" eth0 "$(with_prev "$c" "$res9")"
  r1=$RC
  cni "$host" "$REF" ADD ctr3 "/run/netns/$c3" eth0 "$(with_prev "$c" "$res3")"
  expect_eq "both ADD $bw" "$r1:$RC" "0:0"
  expect_eq "veth qdiscs as the reference's ($bw)" "$(qdisc_shape "$veth9")" "$(qdisc_shape "$veth3")"
  expect_eq "ifb qdiscs as the reference's ($bw)" \
    "$(qdisc_shape "$(ifb_of "$net" ctr9)")" "$(qdisc_shape "$(ifb_of "$net" ctr3)")"
  cni "$host" bandwidth DEL ctr9 "/run/netns/$c9" eth0 "$c"
  cni "$host" bandwidth DEL ctr3 "/run/netns/$c3" eth0 "$c"
done
expect_eq "twins cleared" "$(ifbs):$(qdiscs "$veth9"):$(qdiscs "$veth3")" "$ifb1::"

# --- CHECK notices a changed rate.
ip netns exec "$host" tc qdisc change dev "$veth1" root tbf rate 9mbit burst 20000 latency 25ms
cni "$host" bandwidth CHECK ctr1 "/run/netns/$c1" eth0 "$chk"
expect_cni_error "CHECK notices the changed rate" 106 "ingress: tbf qdisc of $veth1 has rate 1125000"

# --- DEL: the ifb and both qdiscs go; the veth stays (the veth plugin's DEL removes it).
cni "$host" bandwidth DEL ctr1 "/run/netns/$c1" eth0 "$bconf"
expect_eq "DEL exits 0" "$RC" 0
expect_eq "no ifb left" "$(ifbs)" ""
expect_eq "no qdisc left on the veth" "$(qdiscs "$veth1")" ""
cni "$host" bandwidth DEL ctr1 "/run/netns/$c1" eth0 "$bconf"
expect_eq "second DEL exits 0" "$RC" 0

# --- Interop: the reference's DEL removes our ifb.
cni "$host" bandwidth ADD ctr1 "/run/netns/$c1" eth0 "$(with_prev "$bconf" "$res1")"
expect_eq "ADD again exits 0" "$RC" 0
cni "$host" "$REF" DEL ctr1 "/run/netns/$c1" eth0 "$bconf"
expect_eq "the reference's DEL of our ADD: ifb gone" "$RC:$(has_link "$ifb1")" "0:no"
cni "$host" bandwidth DEL ctr1 "/run/netns/$c1" eth0 "$bconf"
expect_eq "then our DEL clears the veth" "$RC:$(qdiscs "$veth1")" "0:"

# --- DEL with the netns gone, and with CNI_NETNS empty: the ifb still goes.
make_ns c4
attach ctr4 "$c4"
cni "$host" bandwidth ADD ctr4 "/run/netns/$c4" eth0 "$(with_prev "$bconf" "$VRES")"
expect_eq "ifb of ctr4 made" "$(has_link "$(ifb_of "$net" ctr4)")" yes
ip netns del "$c4"
cni "$host" bandwidth DEL ctr4 "/run/netns/$c4" eth0 "$bconf"
expect_eq "DEL with the netns gone: exit 0, ifb gone" "$RC:$(has_link "$(ifb_of "$net" ctr4)")" "0:no"
cni "$host" veth DEL ctr4 "/run/netns/$c4" eth0 "$vconf"
make_ns c5
attach ctr5 "$c5"
cni "$host" bandwidth ADD ctr5 "/run/netns/$c5" eth0 "$(with_prev "$bconf" "$VRES")"
bres5=$OUT
cni "$host" bandwidth DEL ctr5 "" eth0 "$bconf"
expect_eq "DEL with CNI_NETNS empty: exit 0, ifb gone" "$RC:$(has_link "$(ifb_of "$net" ctr5)")" "0:no"
expect_eq "... the veth's qdiscs stay (no proof which veth is the container's)" "$(qdiscs "$HVETH")" "tbf:1: ingress:ffff:"
cni "$host" bandwidth DEL ctr5 "/run/netns/$c5" eth0 "$bconf"
expect_eq "DEL with the netns clears them" "$RC:$(qdiscs "$HVETH")" "0:"
cni "$host" bandwidth ADD ctr5 "/run/netns/$c5" eth0 "$(with_prev "$bconf" "$VRES")"
cni "$host" bandwidth DEL ctr5 "" eth0 "$(with_prev "$bconf" "$bres5")"
expect_eq "DEL with CNI_NETNS empty and prevResult: the veth redirecting to the ifb is cleared" \
  "$RC:$(has_link "$(ifb_of "$net" ctr5)"):$(qdiscs "$HVETH")" "0:no:"

# --- A failed ADD leaves nothing: the ifb's name taken (after the veth's TBF was added), and
# an ingress qdisc already on the veth (after the ifb was made).
ip -n "$host" link add "$(ifb_of "$net" ctr5)" type veth peer name bwtaken
cni "$host" bandwidth ADD ctr5 "/run/netns/$c5" eth0 "$(with_prev "$bconf" "$VRES")"
expect_cni_error "ADD with the ifb name taken fails" 100 "create ifb"
expect_eq "... and leaves no qdisc on the veth" "$(qdiscs "$HVETH")" ""
ip -n "$host" link del "$(ifb_of "$net" ctr5)"
ip netns exec "$host" tc qdisc add dev "$HVETH" ingress
cni "$host" bandwidth ADD ctr5 "/run/netns/$c5" eth0 "$(with_prev "$bconf" "$VRES")"
expect_cni_error "ADD with an ingress qdisc in place fails" 100 "add ingress qdisc"
expect_eq "... and leaves no ifb and only that qdisc" "$(ifbs):$(qdiscs "$HVETH")" ":ingress:ffff:"
ip netns exec "$host" tc qdisc del dev "$HVETH" ingress

# --- Bad input is refused before anything is touched, naming the key.
cni "$host" bandwidth ADD ctr5 "/run/netns/$c5" eth0 \
  "$(with_prev "$(printf '%s' "$bconf" | jq -c '.egressBurst = 0')" "$VRES")"
expect_cni_error "egressRate without egressBurst" 7 "egressBurst: must be set"
cni "$host" bandwidth ADD ctr5 "/run/netns/$c5" eth0 "$bconf"
expect_cni_error "ADD without prevResult" 7 "prevResult"
expect_eq "nothing made" "$(ifbs):$(qdiscs "$HVETH")" ":"

# --- All zero: prevResult passed through, nothing touched.
zero=$(printf '{"cniVersion":"1.0.0","name":"%s","type":"bandwidth","runtimeConfig":{"bandwidth":{}}}' "$net")
cni "$host" bandwidth ADD ctr5 "/run/netns/$c5" eth0 "$(with_prev "$zero" "$VRES")"
expect_eq "no limits: prevResult passed through" "$RC:$(printf '%s' "$OUT" | jq -c .)" \
  "0:$(printf '%s' "$VRES" | jq -c .)"
expect_eq "no limits: nothing made" "$(ifbs):$(qdiscs "$HVETH")" ":"

# --- The bandwidth capability (runtimeConfig.bandwidth) alone.
cap=$(printf '{"cniVersion":"1.0.0","name":"%s","type":"bandwidth","capabilities":{"bandwidth":true},
  "runtimeConfig":{"bandwidth":{"egressRate":4000000,"egressBurst":80000}}}' "$net")
cni "$host" bandwidth ADD ctr5 "/run/netns/$c5" eth0 "$(with_prev "$cap" "$VRES")"
expect_eq "capability: egress only" "$RC:$(qdiscs "$HVETH"):$(ifbs)" "0:ingress:ffff::$(ifb_of "$net" ctr5)"
cni "$host" bandwidth DEL ctr5 "/run/netns/$c5" eth0 "$cap"
# containerd 1.6's spelling (Go field names), matched case-insensitively as the reference does.
ctrd=$(printf '{"cniVersion":"1.0.0","name":"%s","type":"bandwidth","capabilities":{"bandwidth":true},
  "runtimeConfig":{"bandwidth":{"IngressRate":8000000,"IngressBurst":160000,"EgressRate":4000000,"EgressBurst":80000}}}' "$net")
cni "$host" bandwidth ADD ctr5 "/run/netns/$c5" eth0 "$(with_prev "$ctrd" "$VRES")"
expect_eq "capability with capitalised keys: both directions" "$RC:$(qdiscs "$HVETH")" "0:tbf:1: ingress:ffff:"
expect_eq "... the TBF of those numbers" \
  "$(ip netns exec "$host" tc -j qdisc show dev "$HVETH" | jq -c '[.[] | select(.kind == "tbf") | .options]')" \
  '[{"rate":1000000,"burst":20000,"lat":25000}]'

# --- GC: drops the ifb of a stale attachment of this network; keeps the valid one, another
# network's, and an unmarked one (the reference's, which cannot be attributed).
make_ns c6
attach ctr6 "$c6"
cni "$host" bandwidth ADD ctr6 "/run/netns/$c6" eth0 "$(with_prev "$bconf" "$VRES")"
other=$(printf '%s' "$bconf" | jq -c '.name = "othernet"')
make_ns c7
attach ctr7 "$c7"
cni "$host" bandwidth ADD ctr7 "/run/netns/$c7" eth0 "$(with_prev "$other" "$VRES")"
make_ns c8
attach ctr8 "$c8"
cni "$host" "$REF" ADD ctr8 "/run/netns/$c8" eth0 "$(with_prev "$bconf" "$VRES")"
expect_eq "four ifbs before GC" "$(ifbs | wc -w)" 4
gc=$(printf '%s' "$bconf" | jq -c '.cniVersion = "1.1.0" | . + {"cni.dev/valid-attachments": [{"containerID":"ctr6","ifname":"eth0"}]}')
cni "$host" bandwidth GC "" "" "" "$gc"
expect_eq "GC exits 0" "$RC:$OUT" "0:"
expect_eq "GC removed the stale ifb (ctr5), kept ctr6's, othernet's and the unmarked one" \
  "$(ifbs)" "$(printf '%s\n' "$(ifb_of "$net" ctr6)" "$(ifb_of othernet ctr7)" "$(ifb_of "$net" ctr8)" | sort | xargs)"
cni "$host" bandwidth STATUS "" "" "" "$(printf '%s' "$bconf" | jq -c '.cniVersion = "1.1.0"')"
expect_eq "STATUS ready" "$RC:$OUT" "0:"
for c in ctr6:"$net" ctr7:othernet ctr8:"$net"; do
  cni "$host" bandwidth DEL "${c%%:*}" "" eth0 "$(printf '%s' "$bconf" | jq -c --arg n "${c#*:}" '.name = $n')"
done
expect_eq "after the DELs no ifb is left" "$(ifbs)" ""

finish
