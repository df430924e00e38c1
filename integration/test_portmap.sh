#!/usr/bin/env bash
# portmap: published ports answered through a throwaway host namespace, as a conflist runs them
# (bridge with host-local, then portmap with the bridge's result as prevResult). From an
# "external host" namespace on the host's address (IPv4 and IPv6), from the host itself on its
# address and on 127.0.0.1, hairpin from a second container, hostIP restriction, UDP (a stale
# conntrack entry is flushed on ADD), traffic routed through the host is not DNATed; a second
# container's mapping of a published port is refused and changes nothing; a bad mapping in the
# middle of the list changes nothing; CHECK; two networks of one container; rules of the
# reference's nftables layout removed by our DEL and ours by the reference's DEL (replayed
# here with nft); GC; DEL (twice, netns gone) leaves the bridge's masquerade rules alone.
. "$(dirname "$0")/lib.sh"

_pm_pids=()
_pm_cleanup() {
  local rc=$? p
  set +e  # (exit $rc) below must not end the trap before the namespaces are deleted
  for p in "${_pm_pids[@]}"; do kill "$p" 2>/dev/null; done
  (exit $rc)
  _cleanup
}
trap _pm_cleanup EXIT

PY=$(python3 -c 'import sys; print(sys.executable)')
make_ns host
make_ns ext
for i in 1 2 3; do make_ns "c$i"; done
make_tmpdir data
make_tmpdir www
for ns in "$host" "$ext" "$c1" "$c2" "$c3"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  ip -n "$ns" link set lo up
done
echo hello-c1 >"$www/index.html"

# The host's uplink: ext0 (192.168.77.1 and .10, fd77::1) <-> the external host's eth0.
ip -n "$host" link add ext0 type veth peer name eth0 netns "$ext"
ip -n "$host" addr add 192.168.77.1/24 dev ext0
ip -n "$host" addr add 192.168.77.10/24 dev ext0
ip -n "$host" addr add fd77::1/64 dev ext0 nodad
ip -n "$host" link set ext0 up
ip -n "$ext" addr add 192.168.77.2/24 dev eth0
ip -n "$ext" addr add fd77::2/64 dev eth0 nodad
ip -n "$ext" link set eth0 up
ip -n "$ext" route add default via 192.168.77.1
ip -n "$ext" -6 route add default via fd77::1
ip netns exec "$host" sysctl -qw net.ipv6.conf.all.forwarding=1

NET=pmnet
br_conf=$(printf '{"cniVersion":"1.1.0","name":"%s","type":"bridge","bridge":"pmbr0",
  "isGateway":true,"isDefaultGateway":true,"ipMasq":true,"hairpinMode":true,
  "ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.66.0.0/24"}],[{"subnet":"fd66::/64"}]]}}' "$NET" "$data")
# pm_conf RESULT MAPPINGS [NAME]: portmap's config as a conflist hands it over.
pm_conf() {
  jq -nc --argjson r "$1" --argjson m "$2" --arg n "${3:-$NET}" \
    '{cniVersion:"1.1.0",name:$n,type:"portmap",capabilities:{portMappings:true},
      runtimeConfig:{portMappings:$m},prevResult:$r}'
}
ruleset() { ip netns exec "$host" nft list ruleset; }
# (grep reads the ruleset from a here-string: `ruleset | grep -q` under pipefail fails when grep
# exits before nft has written everything.)
rules_with_comment() {
  ip netns exec "$host" nft -j list ruleset |
    jq --arg c "$1" '[.nftables[] | select(.rule) | .rule | select(.comment == $c)] | length'
}
bridge_masq() { ip netns exec "$host" nft list table inet cni_plugins_masquerade; }
http() { ip netns exec "$1" curl -sg --max-time 2 "http://$2/" 2>/dev/null || echo FAILED; }
# udp NS ADDR PORT [SPORT]: one datagram, prints the answer.
udp() {
  ip netns exec "$1" "$PY" -c '
import socket, sys
a, p, sp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.5)
s.bind(("", sp))
s.sendto(b"ping", (a, p))
try: print(s.recv(100).decode())
except OSError: print("FAILED")' "$2" "$3" "${4:-0}"
}
ip_of() { printf '%s' "$1" | jq -r ".ips[$2].address" | cut -d/ -f1; }

# --- Containers on the bridge; a web server (tcp/80) and a UDP echo (udp/53) in c1.
declare -A res
for i in 1 2 3; do
  ns=c$i
  cni "$host" bridge ADD "ctr$i" "/run/netns/${!ns}" eth0 "$br_conf"
  expect_eq "bridge ADD ctr$i" "$RC" 0
  res[$i]=$OUT
done
c1v4=$(ip_of "${res[1]}" 0)
c1v6=$(ip_of "${res[1]}" 1)
c2v4=$(ip_of "${res[2]}" 0)
ip netns exec "$c1" busybox httpd -f -p 80 -h "$www" &
_pm_pids+=($!)
ip netns exec "$c1" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 53))
while True:
    d, a = s.recvfrom(100)
    s.sendto(b"udp-" + d, a)' &
_pm_pids+=($!)
masq_before=$(bridge_masq)

# A UDP flow towards the future published port, from a fixed source port: the host answers
# nothing, but conntrack remembers the flow (untranslated) for 30 s.
expect_eq "before ADD: UDP 5353 unanswered" "$(udp "$ext" 192.168.77.1 5353 40000)" FAILED

# --- ADD: tcp 8080 (any address), tcp 8081 on 192.168.77.10 only, udp 5353.
maps1='[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},
        {"hostPort":8081,"containerPort":80,"protocol":"tcp","hostIP":"192.168.77.10"},
        {"hostPort":5353,"containerPort":53,"protocol":"udp"}]'
cni "$host" portmap ADD ctr1 "/run/netns/$c1" eth0 "$(pm_conf "${res[1]}" "$maps1")"
expect_eq "portmap ADD ctr1 exits 0" "$RC" 0
expect_eq "result is prevResult passed through" "$(printf '%s' "$OUT" | jq -cS 'del(.cniVersion)')" \
  "$(printf '%s' "${res[1]}" | jq -cS 'del(.cniVersion)')"
expect_eq "route_localnet on the bridge" "$(ip netns exec "$host" cat /proc/sys/net/ipv4/conf/pmbr0/route_localnet)" 1
grep -q "tcp dport 8080 dnat to $c1v4:80 comment \"ctr1\"" <<<"$(ruleset)" &&
  pass "nft shows the reference's DNAT rule text" || fail "DNAT rule text: $(ruleset)"
grep -q "tcp dport 8080 dnat to \[$c1v6\]:80 comment \"ctr1\"" <<<"$(ruleset)" &&
  pass "IPv6 DNAT rule" || fail "IPv6 DNAT rule: $(ruleset)"
grep -q 'fib daddr type local jump hostports_all' <<<"$(ruleset)" &&
  pass "entry rules match local destinations only" || fail "entry rules: $(ruleset)"

expect_eq "external host -> host:8080" "$(http "$ext" 192.168.77.1:8080)" hello-c1
expect_eq "external host -> [host]:8080 (IPv6)" "$(http "$ext" '[fd77::1]:8080')" hello-c1
expect_eq "host -> its own address:8080" "$(http "$host" 192.168.77.1:8080)" hello-c1
expect_eq "host -> 127.0.0.1:8080" "$(http "$host" 127.0.0.1:8080)" hello-c1
expect_eq "hairpin: c2 -> host:8080" "$(http "$c2" 192.168.77.1:8080)" hello-c1
expect_eq "hairpin: c1 -> host:8080 (itself)" "$(http "$c1" 192.168.77.1:8080)" hello-c1
expect_eq "hostIP: 192.168.77.10:8081 answers" "$(http "$ext" 192.168.77.10:8081)" hello-c1
expect_eq "hostIP: 192.168.77.1:8081 does not" "$(http "$ext" 192.168.77.1:8081)" FAILED
expect_eq "the stale UDP flow now reaches c1 (conntrack flushed)" "$(udp "$ext" 192.168.77.1 5353 40000)" udp-ping
expect_eq "UDP over IPv6" "$(udp "$ext" fd77::1 5353)" udp-ping
expect_eq "routed through the host (to c2:8080) is not DNATed" "$(http "$ext" "$c2v4:8080")" FAILED
expect_eq "c1 is reachable directly (routing works)" "$(http "$ext" "$c1v4:80")" hello-c1

# --- CHECK.
cni "$host" portmap CHECK ctr1 "/run/netns/$c1" eth0 "$(pm_conf "${res[1]}" "$maps1")"
expect_eq "CHECK after ADD" "$RC:$OUT" "0:"
h=$(ip netns exec "$host" nft -j -a list chain ip cni_hostport hostports |
  jq '[.nftables[] | select(.rule) | .rule | select(.expr | tostring | contains("8081"))][0].handle')
ip netns exec "$host" nft delete rule ip cni_hostport hostports handle "$h"
cni "$host" portmap CHECK ctr1 "/run/netns/$c1" eth0 "$(pm_conf "${res[1]}" "$maps1")"
expect_cni_error "CHECK notices the missing hostIP rule" 106 "192.168.77.10 tcp dport 8081"
cni "$host" portmap ADD ctr1 "/run/netns/$c1" eth0 "$(pm_conf "${res[1]}" "$maps1")"
expect_eq "ADD again (idempotent) exits 0" "$RC" 0
expect_eq "ADD again: no duplicate rules (3 DNAT v4 + 2 v6 + 2+1 masquerade)" "$(rules_with_comment ctr1)" 8

# --- A second container asking for a published port: refused, nothing changes.
before=$(ruleset)
cni "$host" portmap ADD ctr3 "/run/netns/$c3" eth0 \
  "$(pm_conf "${res[3]}" '[{"hostPort":9000,"containerPort":80,"protocol":"tcp"},{"hostPort":8080,"containerPort":80,"protocol":"TCP"}]')"
expect_cni_error "duplicate host port refused" 7 'runtimeConfig.portMappings[1]: the host port is already published by container "ctr1"'
expect_eq "ruleset unchanged by the refused ADD" "$(ruleset)" "$before"
expect_eq "the first mapping still answers" "$(http "$ext" 192.168.77.1:8080)" hello-c1
cni "$host" portmap ADD ctr3 "/run/netns/$c3" eth0 \
  "$(pm_conf "${res[3]}" '[{"hostPort":8080,"containerPort":80,"protocol":"udp"},{"hostPort":8081,"containerPort":80,"protocol":"tcp","hostIP":"192.168.77.1"}]')"
expect_eq "same port, other protocol / other host IP: accepted" "$RC" 0
cni "$host" portmap DEL ctr3 "/run/netns/$c3" eth0 \
  "$(pm_conf "${res[3]}" '[{"hostPort":8080,"containerPort":80,"protocol":"udp"}]')"

# --- Bad input in the middle of the list: nothing changes.
before=$(ruleset)
cni "$host" portmap ADD ctr3 "/run/netns/$c3" eth0 \
  "$(pm_conf "${res[3]}" '[{"hostPort":9001,"containerPort":80,"protocol":"tcp"},{"hostPort":0,"containerPort":80,"protocol":"tcp"},{"hostPort":9002,"containerPort":80,"protocol":"tcp"}]')"
expect_cni_error "hostPort 0 refused" 7 "runtimeConfig.portMappings[1].hostPort: 0 is out of range"
cni "$host" portmap ADD ctr3 "/run/netns/$c3" eth0 \
  "$(pm_conf "${res[3]}" '[{"hostPort":9001,"containerPort":80,"protocol":"icmp"}]')"
expect_cni_error "unknown protocol refused" 7 "runtimeConfig.portMappings[0].protocol"
cni "$host" portmap ADD ctr3 "/run/netns/$c3" eth0 \
  "$(pm_conf "${res[3]}" '[{"hostPort":9001,"containerPort":80,"protocol":"tcp","hostIP":"host.example"}]')"
expect_cni_error "bad hostIP refused" 7 "runtimeConfig.portMappings[0].hostIP"
cni "$host" portmap ADD ctr3 "/run/netns/$c3" eth0 \
  "$(pm_conf "${res[3]}" '[{"hostPort":9001,"containerPort":80,"protocol":"tcp"}]' | jq -c '.conditionsV4 = ["tcp", "flags", "syn"]')"
expect_cni_error "unparsable condition refused" 7 "conditionsV4"
cni "$host" portmap ADD ctr3 "/run/netns/$c3" eth0 \
  "$(pm_conf "${res[3]}" '[{"hostPort":9001,"containerPort":80,"protocol":"tcp"}]' | jq -c 'del(.prevResult)')"
expect_cni_error "ADD without prevResult refused" 7 "prevResult"
cni "$host" portmap ADD ctr3 "/run/netns/$c3" eth0 \
  "$(pm_conf "${res[3]}" '[{"hostPort":9001,"containerPort":80,"protocol":"tcp"}]' | jq -c '.externalSetMarkChain = "KUBE-MARK-MASQ"')"
expect_cni_error "externalSetMarkChain refused" 7 "externalSetMarkChain"
expect_eq "ruleset byte-identical after the failed ADDs" "$(ruleset)" "$before"
cni "$host" portmap ADD ctr3 "/run/netns/$c3" eth0 "$(pm_conf "${res[3]}" '[]')"
expect_eq "no mappings: prevResult passed through" "$RC:$(printf '%s' "$OUT" | jq -c '.ips | length')" "0:2"
expect_eq "no mappings: ruleset untouched" "$(ruleset)" "$before"

# --- containerd 1.6's capitalised keys (Go's case-insensitive decoding).
cni "$host" portmap ADD ctr3 "/run/netns/$c3" eth0 \
  "$(pm_conf "${res[3]}" '[{"HostPort":9093,"ContainerPort":80,"Protocol":"tcp","HostIP":""}]' | jq -c '.SNAT = false')"
expect_eq "capitalised keys: ADD exits 0, 2 DNAT rules, SNAT=false honoured" "$RC:$(rules_with_comment ctr3)" "0:2"
grep -q 'tcp dport 9093 dnat to' <<<"$(ruleset)" && pass "capitalised keys: port 9093 published" || fail "port 9093: $(ruleset)"
cni "$host" portmap DEL ctr3 "/run/netns/$c3" eth0 "$(pm_conf "${res[3]}" '[{"hostPort":9093,"containerPort":80,"protocol":"tcp"}]')"
expect_eq "DEL ctr3" "$RC:$(rules_with_comment ctr3)" "0:0"

# --- Two networks of one container: DEL of one keeps the other's rules.
cni "$host" portmap ADD ctr1 "/run/netns/$c1" eth0 \
  "$(pm_conf "${res[1]}" '[{"hostPort":8088,"containerPort":80,"protocol":"tcp"}]' othernet)"
expect_eq "ADD of ctr1 on a second network" "$RC" 0
expect_eq "second network's port answers" "$(http "$ext" 192.168.77.1:8088)" hello-c1
cni "$host" portmap DEL ctr1 "/run/netns/$c1" eth0 \
  "$(pm_conf "${res[1]}" '[{"hostPort":8088,"containerPort":80,"protocol":"tcp"}]' othernet)"
expect_eq "second network's port gone" "$(http "$ext" 192.168.77.1:8088)" FAILED
expect_eq "first network's port still answers" "$(http "$ext" 192.168.77.1:8080)" hello-c1
expect_eq "first network's rules all there" "$(rules_with_comment ctr1)" 8

# --- The reference's rules (nftables backend, as its ADD writes them: one transaction that
# also rewrites prerouting, output and hostports_all, and rules whose comment is the container
# ID). Our index does not know them: the rewrite is how our next ADD notices.
ip netns exec "$host" nft -f - <<EOF
add table ip cni_hostport { comment "CNI portmap plugin" ; }
add chain ip cni_hostport hostports
add chain ip cni_hostport hostip_hostports
add chain ip cni_hostport hostports_all
flush chain ip cni_hostport hostports_all
add rule ip cni_hostport hostports_all jump hostip_hostports
add rule ip cni_hostport hostports_all jump hostports
add chain ip cni_hostport prerouting { type nat hook prerouting priority -100 ; }
flush chain ip cni_hostport prerouting
add rule ip cni_hostport prerouting fib daddr type local jump hostports_all
add chain ip cni_hostport output { type nat hook output priority -100 ; }
flush chain ip cni_hostport output
add rule ip cni_hostport output fib daddr type local jump hostports_all
add chain ip cni_hostport masquerading { type nat hook postrouting priority 100 ; }
add rule ip cni_hostport hostports tcp dport 9090 dnat to 10.66.0.99:80 comment "upctr"
add rule ip cni_hostport masquerading ip saddr 10.66.0.99 ip daddr 10.66.0.99 masquerade comment "upctr"
add rule ip cni_hostport masquerading ip saddr 127.0.0.1 ip daddr 10.66.0.99 masquerade comment "upctr"
EOF
cni "$host" portmap ADD ctr2 "/run/netns/$c2" eth0 \
  "$(pm_conf "${res[2]}" '[{"hostPort":9090,"containerPort":80,"protocol":"tcp"}]')"
expect_cni_error "a port the reference published is refused too" 7 '"upctr"'
cni "$host" portmap DEL upctr "" eth0 "$(pm_conf "${res[2]}" '[{"hostPort":9090,"containerPort":80,"protocol":"tcp"}]')"
expect_eq "our DEL removes the reference's rules" "$RC:$(rules_with_comment upctr)" "0:0"
# The reference's DEL, replayed: every rule of the three chains whose comment is the ID.
reference_del() {
  local fam chain h
  for fam in ip ip6; do
    for chain in hostports hostip_hostports masquerading; do
      for h in $(ip netns exec "$host" nft -j -a list chain "$fam" cni_hostport "$chain" 2>/dev/null |
        jq --arg c "$1" '.nftables[] | select(.rule) | .rule | select(.comment == $c) | .handle'); do
        ip netns exec "$host" nft delete rule "$fam" cni_hostport "$chain" handle "$h"
      done
    done
  done
}
cni "$host" portmap ADD ctr2 "/run/netns/$c2" eth0 \
  "$(pm_conf "${res[2]}" '[{"hostPort":9090,"containerPort":80,"protocol":"tcp"}]')"
expect_eq "ADD ctr2" "$RC:$(rules_with_comment ctr2)" "0:5"
reference_del ctr2
expect_eq "the reference's DEL removes our rules" "$(rules_with_comment ctr2)" 0

# --- The Debian 12 reference (1.1.1, iptables-nft layout): its rules of a container are removed
# by our DEL; GC removes those of containers no longer valid.
REF=$REF_DIR/portmap
if [ -x "$REF" ]; then
  for id in refa refb; do
    cni "$host" "$REF" ADD "$id" "/run/netns/$c3" eth0 \
      "$(pm_conf "${res[3]}" '[{"hostPort":7070,"containerPort":80,"protocol":"tcp"},{"hostPort":7071,"containerPort":81,"protocol":"udp"}]' |
        jq -c '.cniVersion = "0.4.0" | .prevResult.cniVersion = "0.4.0"')"
    expect_eq "reference 1.1.1 ADD $id" "$RC" 0
  done
  legacy() { ip netns exec "$host" iptables-save -t nat | grep -c "$1" || true; }
  expect_eq "reference rules written (2 jumps for refa)" "$(legacy 'id: \\"refa\\"')" 2
  chain_a=$(ip netns exec "$host" iptables-save -t nat | grep 'id: \\"refa\\"' | head -1 | sed 's/.*-j //')
  expect_eq "its chain has 6 rules" "$(legacy "^-A $chain_a ")" 6
  cni "$host" portmap DEL refa "" eth0 "$(pm_conf "${res[3]}" '[{"hostPort":7070,"containerPort":80,"protocol":"tcp"}]')"
  expect_eq "our DEL removes the reference's iptables rules of refa" "$RC:$(legacy "$chain_a"):$(legacy 'id: \\"refa\\"')" "0:0:0"
  expect_eq "refb's stay" "$(legacy 'id: \\"refb\\"')" 2
  gcl=$(jq -nc --arg n "$NET" '{cniVersion:"1.1.0",name:$n,type:"portmap","cni.dev/valid-attachments":[{containerID:"ctr1",ifname:"eth0"}]}')
  cni "$host" portmap GC "" "" "" "$gcl"
  expect_eq "GC removes the reference's iptables rules of refb" "$RC:$(legacy 'refb')" "0:0"
  expect_eq "iptables-save still works on the table" "$(ip netns exec "$host" iptables-save -t nat | grep -c 'CNI-HOSTPORT-DNAT' || true)" 3
else
  echo "skip - no reference portmap at $REF"
fi

# --- GC: keeps exactly the listed attachments' rules, of this network only.
cni "$host" portmap ADD ctr2 "/run/netns/$c2" eth0 \
  "$(pm_conf "${res[2]}" '[{"hostPort":9091,"containerPort":80,"protocol":"tcp"}]')"
cni "$host" portmap ADD ctr2 "/run/netns/$c2" eth0 \
  "$(pm_conf "${res[2]}" '[{"hostPort":9092,"containerPort":80,"protocol":"tcp"}]' othernet)"
gc=$(jq -nc --arg n "$NET" '{cniVersion:"1.1.0",name:$n,type:"portmap",
  "cni.dev/valid-attachments":[{containerID:"ctr1",ifname:"eth0"}]}')
cni "$host" portmap GC "" "" "" "$gc"
expect_eq "GC exits 0" "$RC:$OUT" "0:"
expect_eq "GC kept ctr1's rules" "$(rules_with_comment ctr1)" 8
expect_eq "GC removed ctr2's rules of this network only" "$(rules_with_comment ctr2)" 5
cni "$host" portmap STATUS "" "" "" "$gc"
expect_eq "STATUS ready" "$RC:$OUT" "0:"

# --- DEL: every rule of ctr1 goes, the bridge's masquerade rules stay; twice; netns gone.
cni "$host" portmap DEL ctr1 "/run/netns/$c1" eth0 "$(pm_conf "${res[1]}" "$maps1" | jq -c 'del(.prevResult)')"
expect_eq "DEL ctr1 exits 0" "$RC:$OUT" "0:"
expect_eq "no rule with ctr1's comment left" "$(rules_with_comment ctr1)" 0
expect_eq "bridge's masquerade rules untouched" "$(bridge_masq)" "$masq_before"
expect_eq "host:8080 no longer answers" "$(http "$ext" 192.168.77.1:8080)" FAILED
cni "$host" portmap DEL ctr1 "/run/netns/$c1" eth0 "$(pm_conf "${res[1]}" "$maps1")"
expect_eq "DEL twice exits 0" "$RC:$OUT" "0:"
cni "$host" portmap DEL ctr2 "/run/netns/gone-$$" eth0 \
  "$(pm_conf "${res[2]}" '[{"hostPort":9092,"containerPort":80,"protocol":"tcp"}]' othernet)"
expect_eq "DEL with the netns gone exits 0" "$RC:$OUT" "0:"
cni "$host" portmap DEL ctr2 "" eth0 "$(pm_conf "${res[2]}" '[]' othernet)"
expect_eq "DEL without mappings does nothing, exits 0" "$RC:$OUT" "0:"
expect_eq "no portmap rule left" \
  "$(ip netns exec "$host" nft -j list ruleset | jq '[.nftables[] | select(.rule) | .rule | select(.table == "cni_hostport" and .comment != null)] | length')" 0
expect_eq "no UDP conntrack entry for 5353 left" \
  "$(ip netns exec "$host" grep -c 'dport=5353' /proc/net/nf_conntrack || true)" 0

for i in 1 2 3; do
  ns=c$i
  cni "$host" bridge DEL "ctr$i" "/run/netns/${!ns}" eth0 "$br_conf"
done
finish
