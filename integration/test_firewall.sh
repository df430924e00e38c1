#!/usr/bin/env bash
# firewall: chained after our bridge on a host whose iptables FORWARD policy is DROP. Containers
# reach an "external" namespace routed through the host and get replies only once the firewall
# ADD ran; iptables -S shows the reference's layout; same-bridge / isolated stop traffic between
# bridges (isolated: between ports of one bridge too); DEL removes one container's rules only,
# twice, without prevResult; GC keeps exactly the listed attachments; the reference binary's
# rules are removed by our DEL (and the other way round, documented); a failed ADD changes
# nothing.
. "$(dirname "$0")/lib.sh"

make_ns host
make_ns ext
make_tmpdir data
ip -n "$host" link set lo up
ip -n "$ext" link set lo up
# host <-> ext link: ext is "the internet", routing back to every container subnet via host.
ip -n "$host" link add hx type veth peer name ex netns "$ext"
ip -n "$host" addr add 192.168.77.1/24 dev hx
ip -n "$host" addr add fd77::1/64 dev hx nodad
ip -n "$host" link set hx up
ip -n "$ext" addr add 192.168.77.2/24 dev ex
ip -n "$ext" addr add fd77::2/64 dev ex nodad
ip -n "$ext" link set ex up
ip -n "$ext" route add 10.60.0.0/14 via 192.168.77.1
ip -n "$ext" route add fd60::/12 via fd77::1
# Docker's setting, before any container exists.
ip netns exec "$host" iptables -P FORWARD DROP
ip netns exec "$host" ip6tables -P FORWARD DROP

ipt() { ip netns exec "$host" iptables "$@"; }
ip6t() { ip netns exec "$host" ip6tables "$@"; }
# The ruleset as text, counters left out (stray IPv6 neighbour traffic moves them).
ruleset() { ip netns exec "$host" nft list ruleset 2>/dev/null | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'; }

# bridge_conf NAME BRIDGE V4SUBNET V6SUBNET
bridge_conf() {
  printf '{"cniVersion":"1.1.0","name":"%s","type":"bridge","bridge":"%s","isGateway":true,
    "ipam":{"type":"host-local","dataDir":"%s","routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0"}],
    "ranges":[[{"subnet":"%s"}],[{"subnet":"%s"}]]}}' "$1" "$2" "$data" "$3" "$4"
}
# fw_conf NAME PREVRESULT [EXTRA-KEYS-JSON]
fw_conf() {
  jq -cn --arg n "$1" --argjson r "$2" --argjson x "${3:-{\}}" \
    '{cniVersion:"1.1.0",name:$n,type:"firewall",prevResult:$r} + $x'
}
# rules_of CID: how many rules (both families) carry CID's comment.
rules_of() { (ipt -S; ip6t -S) | grep -cF "id: \\\"$1\\\"" || true; }
ip_of() { printf '%s' "$1" | jq -r ".ips[$2].address" | cut -d/ -f1; }

declare -A res
# attach CID NS NET BRIDGE V4 V6 [FW-EXTRA]: bridge ADD then firewall ADD; result in res[CID].
attach_bridge() {
  cni "$host" bridge ADD "$1" "/run/netns/$2" eth0 "$(bridge_conf "$3" "$4" "$5" "$6")"
  expect_eq "bridge ADD $1" "$RC" 0
  res[$1]=$OUT
}
attach_fw() {
  cni "$host" firewall ADD "$1" "/run/netns/$2" eth0 "$(fw_conf "$3" "${res[$1]}" "${4:-}")"
  expect_eq "firewall ADD $1" "$RC" 0
  expect_json "firewall ADD $1 passes prevResult through" "$OUT" '.ips' \
    "$(printf '%s' "${res[$1]}" | jq -c .ips)"
}
ping_ok() { ip netns exec "$1" ping -c1 -W1 "$2" >/dev/null 2>&1; }
expect_ping() { if ping_ok "$2" "$3"; then pass "$1"; else fail "$1"; fi; }
expect_no_ping() { if ping_ok "$2" "$3"; then fail "$1"; else pass "$1"; fi; }

# --- Without the firewall plugin, FORWARD DROP cuts the container off.
make_ns c1
make_ns c2
attach_bridge ctr1 "$c1" fwnet fwbr0 10.60.0.0/24 fd60::/64
a1=$(ip_of "${res[ctr1]}" 0)
expect_no_ping "without firewall ADD: c1 cannot reach ext (FORWARD policy DROP)" "$c1" 192.168.77.2
expect_no_ping "without firewall ADD: no IPv6 either" "$c1" fd77::2

# --- Missing prevResult, then the real ADD.
cni "$host" firewall ADD ctr1 "/run/netns/$c1" eth0 '{"cniVersion":"1.1.0","name":"fwnet","type":"firewall"}'
expect_cni_error "ADD without prevResult is refused naming it" 7 "prevResult"
attach_fw ctr1 "$c1" fwnet
expect_ping "after firewall ADD: c1 reaches ext and gets replies" "$c1" 192.168.77.2
expect_ping "... over IPv6 too" "$c1" fd77::2
expect_no_ping "ext cannot open a connection to c1 (only replies are accepted)" "$ext" "$a1"
expect_eq "iptables -S FORWARD" "$(ipt -S FORWARD)" \
'-P FORWARD DROP
-A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD'
expect_eq "iptables -S CNI-FORWARD" "$(ipt -S CNI-FORWARD)" \
"-N CNI-FORWARD
-A CNI-FORWARD -m comment --comment \"CNI firewall plugin admin overrides\" -j CNI-ADMIN
-A CNI-FORWARD -d $a1/32 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment \"name: \\\"fwnet\\\" id: \\\"ctr1\\\" if: \\\"eth0\\\"\" -j ACCEPT
-A CNI-FORWARD -s $a1/32 -m comment --comment \"name: \\\"fwnet\\\" id: \\\"ctr1\\\" if: \\\"eth0\\\"\" -j ACCEPT
-A CNI-FORWARD -d $a1/32 -m conntrack --ctstate DNAT -m comment --comment \"name: \\\"fwnet\\\" id: \\\"ctr1\\\" if: \\\"eth0\\\"\" -j ACCEPT"
expect_eq "ip6tables -S CNI-FORWARD has ctr1's three IPv6 rules" \
  "$(ip6t -S CNI-FORWARD | grep -c 'id: \\"ctr1\\"')" 3
expect_eq "the FORWARD policy stays DROP" "$(ipt -S FORWARD | head -1):$(ip6t -S FORWARD | head -1)" \
  "-P FORWARD DROP:-P FORWARD DROP"

# ADD again (a runtime retrying) does not duplicate anything.
before=$(ipt -S; ip6t -S)
attach_fw ctr1 "$c1" fwnet
expect_eq "a second ADD of ctr1 changes nothing" "$(ipt -S; ip6t -S)" "$before"

# CHECK
chk=$(fw_conf fwnet "${res[ctr1]}")
cni "$host" firewall CHECK ctr1 "/run/netns/$c1" eth0 "$chk"
expect_eq "CHECK after ADD" "$RC:$OUT" "0:"
ipt -D CNI-FORWARD -s "$a1/32" -m comment --comment 'name: "fwnet" id: "ctr1" if: "eth0"' -j ACCEPT
cni "$host" firewall CHECK ctr1 "/run/netns/$c1" eth0 "$chk"
expect_cni_error "CHECK notices a per-IP rule deleted with iptables -D" 106 "-s $a1/32"
attach_fw ctr1 "$c1" fwnet
ipt -D FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD
cni "$host" firewall CHECK ctr1 "/run/netns/$c1" eth0 "$chk"
expect_cni_error "CHECK notices the missing jump from FORWARD" 106 "-j CNI-FORWARD"
attach_fw ctr1 "$c1" fwnet
cni "$host" firewall CHECK ctr1 "/run/netns/$c1" eth0 "$chk"
expect_eq "ADD repaired it" "$RC:$OUT" "0:"

# --- DEL removes that container's rules only; twice; without prevResult.
attach_bridge ctr2 "$c2" fwnet fwbr0 10.60.0.0/24 fd60::/64
attach_fw ctr2 "$c2" fwnet
a2=$(ip_of "${res[ctr2]}" 0)
expect_ping "c2 reaches ext" "$c2" 192.168.77.2
cni "$host" firewall DEL ctr1 "/run/netns/$c1" eth0 "$chk"
expect_eq "DEL ctr1" "$RC:$OUT" "0:"
expect_eq "no rule names ctr1 any more" "$(rules_of ctr1)" 0
expect_eq "ctr2's six rules stay" "$(rules_of ctr2)" 6
expect_no_ping "c1 is cut off again" "$c1" 192.168.77.2
expect_ping "c2 still reaches ext" "$c2" 192.168.77.2
cni "$host" firewall DEL ctr1 "/run/netns/$c1" eth0 "$chk"
expect_eq "DEL ctr1 twice" "$RC:$OUT" "0:"
cni "$host" firewall DEL ctr2 "" eth0 '{"cniVersion":"1.1.0","name":"fwnet","type":"firewall"}'
expect_eq "DEL ctr2 without prevResult and CNI_NETNS" "$RC:$OUT" "0:"
expect_eq "... removes its rules" "$(rules_of ctr2)" 0
expect_eq "chains and jumps stay, as the reference leaves them" \
  "$(ipt -S | grep -c -- '-j CNI-FORWARD\|-j CNI-ADMIN')" 2

# --- ingressPolicy: fwbr1 same-bridge (b1, b2), fwbr2 isolated (i1, i2).
for n in b1 b2 i1 i2; do make_ns "$n"; done
attach_bridge ctrb1 "$b1" fwsame fwbr1 10.61.0.0/24 fd61::/64
attach_fw ctrb1 "$b1" fwsame '{"ingressPolicy":"same-bridge"}'
attach_bridge ctrb2 "$b2" fwsame fwbr1 10.61.0.0/24 fd61::/64
attach_fw ctrb2 "$b2" fwsame '{"ingressPolicy":"same-bridge"}'
attach_bridge ctri1 "$i1" fwiso fwbr2 10.62.0.0/24 fd62::/64
attach_fw ctri1 "$i1" fwiso '{"ingressPolicy":"isolated"}'
attach_bridge ctri2 "$i2" fwiso fwbr2 10.62.0.0/24 fd62::/64
attach_fw ctri2 "$i2" fwiso '{"ingressPolicy":"isolated"}'
ab2=$(ip_of "${res[ctrb2]}" 0)
ai1=$(ip_of "${res[ctri1]}" 0)
ai2=$(ip_of "${res[ctri2]}" 0)
ab1=$(ip_of "${res[ctrb1]}" 0)
expect_ping "same-bridge: b1 reaches b2 on its bridge" "$b1" "$ab2"
expect_ping "same-bridge: b1 reaches ext" "$b1" 192.168.77.2
expect_no_ping "same-bridge: b1 cannot reach i1 on another isolated bridge" "$b1" "$ai1"
expect_no_ping "isolated: i1 cannot reach b1 on another isolated bridge" "$i1" "$ab1"
expect_no_ping "isolated: i1 cannot reach i2 on its own bridge" "$i1" "$ai2"
expect_no_ping "isolated: ... nor over IPv6" "$i1" "$(ip_of "${res[ctri2]}" 1)"
expect_ping "isolated: i1 reaches ext" "$i1" 192.168.77.2
expect_eq "iptables -S FORWARD: stage 1 first, then CNI-FORWARD" "$(ipt -S FORWARD)" \
'-P FORWARD DROP
-A FORWARD -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge)" -j CNI-ISOLATION-STAGE-1
-A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD'
c='-m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge)"'
expect_eq "iptables -S CNI-ISOLATION-STAGE-1" "$(ipt -S CNI-ISOLATION-STAGE-1)" \
"-N CNI-ISOLATION-STAGE-1
-A CNI-ISOLATION-STAGE-1 -i fwbr2 -o fwbr2 $c -j DROP
-A CNI-ISOLATION-STAGE-1 -i fwbr2 ! -o fwbr2 $c -j CNI-ISOLATION-STAGE-2
-A CNI-ISOLATION-STAGE-1 -i fwbr1 ! -o fwbr1 $c -j CNI-ISOLATION-STAGE-2
-A CNI-ISOLATION-STAGE-1 $c -j RETURN"
expect_eq "iptables -S CNI-ISOLATION-STAGE-2" "$(ipt -S CNI-ISOLATION-STAGE-2)" \
"-N CNI-ISOLATION-STAGE-2
-A CNI-ISOLATION-STAGE-2 -o fwbr2 $c -j DROP
-A CNI-ISOLATION-STAGE-2 -o fwbr1 $c -j DROP
-A CNI-ISOLATION-STAGE-2 $c -j RETURN"
cni "$host" firewall CHECK ctri1 "/run/netns/$i1" eth0 "$(fw_conf fwiso "${res[ctri1]}" '{"ingressPolicy":"isolated"}')"
expect_eq "CHECK isolated" "$RC:$OUT" "0:"
ipt -D CNI-ISOLATION-STAGE-1 -i fwbr2 -o fwbr2 -m comment --comment "CNI firewall plugin rules (ingressPolicy: same-bridge)" -j DROP
cni "$host" firewall CHECK ctri1 "/run/netns/$i1" eth0 "$(fw_conf fwiso "${res[ctri1]}" '{"ingressPolicy":"isolated"}')"
expect_cni_error "CHECK notices the missing isolated DROP" 106 "-i fwbr2 -o fwbr2"
attach_fw ctri1 "$i1" fwiso '{"ingressPolicy":"isolated"}'

# --- GC keeps exactly the listed attachments of its network.
for g in g1 g2 g3; do
  cni "$host" firewall ADD "$g" "/run/netns/$c1" eth0 \
    "$(fw_conf fwgc "$(jq -cn --arg a "10.60.9.${g#g}/24" '{cniVersion:"1.1.0",ips:[{address:$a}]}')")"
  expect_eq "ADD $g (network fwgc)" "$RC" 0
done
cni "$host" firewall ADD g2 "/run/netns/$c1" eth1 \
  "$(fw_conf fwgc '{"cniVersion":"1.1.0","ips":[{"address":"10.60.9.22/24"}]}')"
cni "$host" firewall GC "" "" "" \
  '{"cniVersion":"1.1.0","name":"fwgc","type":"firewall","cni.dev/valid-attachments":[{"containerID":"g1","ifname":"eth0"},{"containerID":"g2","ifname":"eth1"},{"containerID":"g3","ifname":"eth0"}]}'
expect_eq "GC" "$RC:$OUT" "0:"
owners() { ipt -S CNI-FORWARD | grep -o 'id: \\"[^\\]*\\" if: \\"[^\\]*\\"' | sort | uniq -c | awk '{print $1, $3, $5}' | tr -d '\\"' | tr '\n' ','; }
expect_eq "GC kept g1/eth0, g2/eth1, g3/eth0 and the other networks' rules; dropped g2/eth0" \
  "$(owners)" "3 ctrb1 eth0,3 ctrb2 eth0,3 ctri1 eth0,3 ctri2 eth0,3 g1 eth0,3 g2 eth1,3 g3 eth0,"
cni "$host" firewall GC "" "" "" '{"cniVersion":"1.1.0","name":"fwgc","type":"firewall","cni.dev/valid-attachments":[]}'
expect_eq "GC with none valid empties fwgc only" "$(owners)" "3 ctrb1 eth0,3 ctrb2 eth0,3 ctri1 eth0,3 ctri2 eth0,"

# --- The reference binary, iptables backend: its rules go with our DEL, and the other way round.
if [ -x "$REF_DIR/firewall" ]; then
  # Debian's 1.1.1 takes cniVersion 0.4.0 and 1.0.0.
  ref=$(fw_conf fwnet "${res[ctr1]}" '{"backend":"iptables"}' |
    jq -c '.cniVersion = "1.0.0" | .prevResult.cniVersion = "1.0.0"')
  accepts() { (ipt -S CNI-FORWARD; ip6t -S CNI-FORWARD) | grep -c -- "-j ACCEPT"; }
  accepts_before=$(accepts)
  cni "$host" "$REF_DIR/firewall" ADD ref1 "/run/netns/$c1" eth0 "$ref"
  expect_eq "reference ADD" "$RC" 0
  expect_ping "c1 reaches ext through the reference's rules" "$c1" 192.168.77.2
  expect_eq "the reference ADD added no second jump" "$(ipt -S FORWARD | grep -c -- '-j CNI-FORWARD')" 1
  expect_eq "its uncommented rules for $a1" "$(ipt -S CNI-FORWARD | grep -c -- "$a1/32 .*-j ACCEPT")" 2
  cni "$host" firewall CHECK ref1 "/run/netns/$c1" eth0 "$(fw_conf fwnet "${res[ctr1]}")"
  expect_eq "our CHECK accepts the reference's rules" "$RC:$OUT" "0:"
  cni "$host" firewall DEL ref1 "/run/netns/$c1" eth0 "$(fw_conf fwnet "${res[ctr1]}")"
  expect_eq "our DEL of the reference's container" "$RC" 0
  expect_eq "... removed its rules (both families)" "$(accepts)" "$accepts_before"
  expect_no_ping "c1 is cut off" "$c1" 192.168.77.2
  # Ours, then the reference's DEL: it deletes by exact rule and ours carry a comment, so they
  # stay (documented in the README); our DEL or GC removes them.
  attach_fw ctr1 "$c1" fwnet
  cni "$host" "$REF_DIR/firewall" DEL ctr1 "/run/netns/$c1" eth0 "$ref"
  expect_eq "reference DEL of our container exits 0" "$RC" 0
  expect_eq "... and leaves our commented rules (documented)" \
    "$(rules_of ctr1)" 6
  cni "$host" firewall DEL ctr1 "/run/netns/$c1" eth0 "$chk"
  expect_eq "our DEL removes them" "$(rules_of ctr1)" 0
else
  echo "skip - no reference firewall at $REF_DIR"
fi

# --- A failed ADD leaves the ruleset byte-identical: the admin chain is a base chain, which
# nothing may jump to, so the kernel refuses the IPv4 half of the one transaction.
ip netns exec "$host" nft add chain ip filter BASEADM '{ type filter hook input priority 10; }'
before=$(ruleset)
cni "$host" firewall ADD bad1 "/run/netns/$c1" eth0 \
  "$(fw_conf fwbad "${res[ctr1]}" '{"iptablesAdminChainName":"BASEADM","ingressPolicy":"isolated"}')"
expect_cni_error "ADD refused by the kernel" 103 "BASEADM"
expect_eq "... and the ruleset is identical (counters aside)" "$(ruleset)" "$before"
ip netns exec "$host" nft delete chain ip filter BASEADM

# --- STATUS, bad config.
cni "$host" firewall STATUS "" "" "" '{"cniVersion":"1.1.0","name":"fwnet","type":"firewall"}'
expect_eq "STATUS" "$RC:$OUT" "0:"
cni "$host" firewall ADD bad2 "/run/netns/$c1" eth0 "$(fw_conf fwnet "${res[ctr2]}" '{"ingressPolicy":"closed"}')"
expect_cni_error "unknown ingressPolicy" 7 "ingressPolicy"
cni "$host" firewall ADD bad3 "/run/netns/$c1" eth0 "$(fw_conf fwnet "${res[ctr2]}" '{"iptablesAdminChainName":"DROP"}')"
expect_cni_error "a target name as admin chain" 7 "iptablesAdminChainName"
cni "$host" firewall ADD bad4 "/run/netns/$c1" eth0 "$(fw_conf fwnet "${res[ctr2]}" '{"backend":"firewalld"}')"
expect_cni_error "backend firewalld is refused clearly" 103 "firewalld"
# firewalld's nftables table in the host (an empty stand-in): auto means firewalld, refused.
ip netns exec "$host" nft add table inet firewalld
cni "$host" firewall ADD bad5 "/run/netns/$c1" eth0 "$(fw_conf fwnet "${res[ctr2]}")"
expect_cni_error "auto backend with firewalld present is refused clearly" 103 "firewalld"
cni "$host" firewall STATUS "" "" "" '{"cniVersion":"1.1.0","name":"fwnet","type":"firewall"}'
expect_cni_error "... and STATUS says so" 50 "firewalld"
cni "$host" firewall ADD fwd1 "/run/netns/$c1" eth0 "$(fw_conf fwnet "${res[ctr2]}" '{"backend":"iptables"}')"
expect_eq "backend iptables writes its rules anyway" "$RC:$(rules_of fwd1)" "0:6"
cni "$host" firewall DEL fwd1 "" eth0 '{"cniVersion":"1.1.0","name":"fwnet","type":"firewall"}'
ip netns exec "$host" nft delete table inet firewalld
expect_eq "no rule names a refused container" "$(( $(rules_of bad1) + $(rules_of bad2) + $(rules_of bad3) + $(rules_of bad4) + $(rules_of bad5) + $(rules_of fwd1) ))" 0

# --- Legacy iptables (x_tables) in the host: its FORWARD DROP is not overridden by rules in
# nf_tables; ADD says so on stderr.
if command -v iptables-legacy >/dev/null; then
  ip netns exec "$host" iptables-legacy -P FORWARD DROP
  cni "$host" firewall ADD ctr1 "/run/netns/$c1" eth0 "$chk"
  expect_eq "ADD with legacy iptables loaded" "$RC" 0
  if [[ $ERR == *"legacy iptables filter table (IPv4)"* ]]; then pass "... warns about it"; else fail "... warns about it"; fi
  expect_no_ping "legacy FORWARD DROP still drops c1's traffic" "$c1" 192.168.77.2
  ip netns exec "$host" iptables-legacy -P FORWARD ACCEPT
  expect_ping "with the legacy policy back to ACCEPT, c1 reaches ext" "$c1" 192.168.77.2
  cni "$host" firewall DEL ctr1 "/run/netns/$c1" eth0 "$chk"
fi

# --- Many ADDs at once (one transaction each, retried when another changed the ruleset).
for k in $(seq 1 8); do
  (cni "$host" firewall ADD "par$k" "/run/netns/$c1" eth0 \
    "$(fw_conf fwpar "$(jq -cn --arg a "10.60.8.$k/24" '{cniVersion:"1.1.0",ips:[{address:$a}]}')")"
   echo "$RC" >"$data/par$k.rc") &
done
wait
expect_eq "8 parallel ADDs succeed" "$(cat "$data"/par*.rc | sort -u | tr -d '\n')" 0
expect_eq "... each with its 3 rules" "$(ipt -S CNI-FORWARD | grep -c 'fwpar')" 24
expect_eq "... and still one jump from FORWARD" "$(ipt -S FORWARD | grep -c -- '-j CNI-FORWARD')" 1
cni "$host" firewall GC "" "" "" '{"cniVersion":"1.1.0","name":"fwpar","type":"firewall","cni.dev/valid-attachments":[]}'
expect_eq "GC removes them" "$(ipt -S CNI-FORWARD | grep -c 'fwpar' || true)" 0

# --- Teardown of everything: no rule of any container is left.
for c in ctrb1:b1 ctrb2:b2 ctri1:i1 ctri2:i2; do
  cid=${c%%:*}
  cni "$host" firewall DEL "$cid" "" eth0 '{"cniVersion":"1.1.0","name":"any","type":"firewall"}'
done
expect_eq "DEL with the wrong network name removes nothing" "$( (ipt -S; ip6t -S) | grep -c ' id: ' || true)" 24
for c in ctrb1:fwsame ctrb2:fwsame ctri1:fwiso ctri2:fwiso; do
  cni "$host" firewall DEL "${c%%:*}" "" eth0 "{\"cniVersion\":\"1.1.0\",\"name\":\"${c#*:}\",\"type\":\"firewall\"}"
done
expect_eq "no per-container rule left" "$( (ipt -S; ip6t -S) | grep -c ' id: ' || true)" 0
finish
