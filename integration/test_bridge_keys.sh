#!/usr/bin/env bash
# bridge: each config key checked against the kernel state it must produce.
. "$(dirname "$0")/lib.sh"

make_ns host
make_tmpdir data
ip -n "$host" link set lo up
n=0

# conf JSON-FRAGMENT [JQ-FILTER]: sets c to a bridge config on its own bridge and subnet
# (kbrN, 10.(100+N).0.0/24) with the fragment merged in and the filter applied.
conf() {
  n=$((n + 1))
  br=kbr$n net=keys$n
  c=$(printf '{"cniVersion":"1.1.0","name":"keys%d","type":"bridge","bridge":"kbr%d",
    "ipam":{"type":"host-local","dataDir":"%s","subnet":"10.%d.0.0/24"}}' "$n" "$n" "$data" $((100 + n)) |
    jq -c --argjson extra "$1" ". * \$extra | ${2:-.}")
}
# add VAR CONFIG [VAR=val...]: ADD in a fresh container namespace named by VAR.
add() {
  local var=$1 config=$2
  shift 2
  make_ns "$var"
  cni "$host" bridge ADD "cid-$var" "/run/netns/${!var}" eth0 "$config" "$@"
}
del() { cni "$host" bridge DEL "cid-$1" "/run/netns/${!1}" eth0 "$2"; }
slave() {  # slave VETH KEY: a bridge-port attribute of the host veth
  ip -n "$host" -j -d link show "$1" | jq -r ".[0].linkinfo.info_slave_data.$2"
}
hostveth() { printf '%s' "$OUT" | jq -r '.interfaces[1].name'; }
sysctl_in() { ip netns exec "$1" cat "/proc/sys/$2"; }

# bridge (default cni0), no isGateway: no address on the bridge.
conf '{}' 'del(.bridge)'
add a "$c"
expect_eq "bridge defaults to cni0" "$RC:$(printf '%s' "$OUT" | jq -r '.interfaces[0].name')" "0:cni0"
expect_eq "cni0 is a bridge" "$(ip -n "$host" -j -d link show cni0 | jq -r '.[0].linkinfo.info_kind')" bridge
expect_eq "without isGateway the bridge has no IPv4 address" \
  "$(ip -n "$host" -j -4 addr show cni0 | jq '[.[].addr_info[]] | length')" 0
expect_eq "without isGateway no gateway in the result" "$(printf '%s' "$OUT" | jq -r '.ips[0].gateway')" 10.101.0.1
expect_eq "accept_ra off on the bridge" "$(sysctl_in "$host" net/ipv6/conf/cni0/accept_ra)" 0
expect_eq "bridge MAC pinned (addr_assign_type set)" \
  "$(ip netns exec "$host" cat /sys/class/net/cni0/addr_assign_type)" 3
del a "$c"

# isGateway: the gateway address on the bridge, forwarding on.
conf '{"isGateway":true}'
add b "$c"
expect_eq "isGateway: gateway on the bridge" \
  "$(ip -n "$host" -j -4 addr show $br | jq -r '.[0].addr_info[0] | "\(.local)/\(.prefixlen)"')" 10.102.0.1/24
expect_eq "isGateway: no default route without isDefaultGateway" "$(printf '%s' "$OUT" | jq -c '.routes // []')" '[]'
expect_eq "isGateway: ip_forward" "$(sysctl_in "$host" net/ipv4/ip_forward)" 1
check "isGateway: container pings the gateway" ip netns exec "$b" ping -c1 -W2 10.102.0.1
del b "$c"

# isDefaultGateway: a default route in the container via the bridge.
conf '{"isDefaultGateway":true}'
add nc "$c"
expect_eq "isDefaultGateway: default route" "$(ip -n "$nc" -j route show default | jq -r '.[0].gateway')" 10.103.0.1
expect_eq "isDefaultGateway implies isGateway" \
  "$(ip -n "$host" -j -4 addr show $br | jq -r '.[0].addr_info[0].local')" 10.103.0.1
del nc "$c"

# forceAddress: the bridge already holds another address.
conf '{"isGateway":true}'
ip -n "$host" link add "$br" type bridge
ip -n "$host" addr add 10.99.99.1/24 dev "$br"
add d "$c"
expect_cni_error "another address on the bridge is refused" 7 "already has an IP address different from 10.104.0.1/24"
expect_eq "... and the failed ADD left no veth" "$(ip -n "$host" -j link show type veth | jq length)" 0
expect_eq "... and released its reservation" "$(find "$data/$net" -type f -name '10.*' | wc -l)" 0
c=$(printf '%s' "$c" | jq -c '. + {forceAddress:true}')
cni "$host" bridge ADD cid-d "/run/netns/$d" eth0 "$c"
expect_eq "forceAddress replaces it" "$RC:$(ip -n "$host" -j -4 addr show $br | jq -r '[.[0].addr_info[].local] | join(",")')" \
  "0:10.104.0.1"
del d "$c"

# mtu: bridge (created), both veth ends.
conf '{"mtu":1400}'
add e "$c"
expect_eq "mtu: container end" "$(ip -n "$e" -j link show eth0 | jq '.[0].mtu')" 1400
expect_eq "mtu: host end" "$(ip -n "$host" -j link show "$(hostveth)" | jq '.[0].mtu')" 1400
expect_eq "mtu: bridge" "$(ip -n "$host" -j link show $br | jq '.[0].mtu')" 1400
del e "$c"

# hairpinMode, portIsolation: bridge port flags of the host veth.
conf '{"hairpinMode":true,"portIsolation":true}'
add f "$c"
hv=$(hostveth)
expect_eq "hairpinMode: port hairpin on" "$(slave "$hv" hairpin)" true
expect_eq "portIsolation: port isolated" "$(slave "$hv" isolated)" true
expect_eq "host veth is a port of the bridge" "$(ip -n "$host" -j link show "$hv" | jq -r '.[0].master')" $br
del f "$c"
conf '{}'
add g "$c"
hv=$(hostveth)
expect_eq "default: hairpin off" "$(slave "$hv" hairpin)" false
expect_eq "default: not isolated" "$(slave "$hv" isolated)" false
del g "$c"

# promiscMode: the bridge is promiscuous; hairpinMode with it is refused.
conf '{"promiscMode":true}'
add h "$c"
expect_eq "promiscMode: bridge PROMISC" "$(ip -n "$host" -j link show $br | jq -r '.[0].flags | index("PROMISC") != null')" true
del h "$c"
conf '{"promiscMode":true,"hairpinMode":true}'
add i "$c"
expect_cni_error "hairpinMode with promiscMode is refused" 7 "hairpinMode"

# enabledad: DAD on and enhanced in the container; off by default.
conf '{"enabledad":true}'
add j "$c"
expect_eq "enabledad: accept_dad 1" "$(sysctl_in "$j" net/ipv6/conf/eth0/accept_dad)" 1
expect_eq "enabledad: enhanced_dad 1" "$(sysctl_in "$j" net/ipv6/conf/eth0/enhanced_dad)" 1
del j "$c"
conf '{}'
add k "$c"
expect_eq "default: accept_dad 0" "$(sysctl_in "$k" net/ipv6/conf/eth0/accept_dad)" 0
expect_eq "default: arp_notify 1" "$(sysctl_in "$k" net/ipv4/conf/eth0/arp_notify)" 1
del k "$c"

# ipMasq: the rule after ADD, none after DEL; backends.
masq() { ip netns exec "$host" nft -j list ruleset | jq --arg id "$1" '[.nftables[] | select(.rule) | .rule | select((.comment // "") | contains("id: " + $id)) | select(.expr[-1] | has("masquerade"))] | length'; }
conf '{"ipMasq":true,"isGateway":true}'
add l "$c"
expect_eq "ipMasq: one masquerade rule" "$(masq cid-l)" 1
del l "$c"
expect_eq "ipMasq: gone after DEL" "$(masq cid-l)" 0
conf '{"ipMasq":true,"ipMasqBackend":"iptables"}'
add m "$c"
expect_eq "ipMasqBackend iptables: accepted, rule in nftables" "$RC:$(masq cid-m)" "0:1"
del m "$c"
conf '{"ipMasq":true,"ipMasqBackend":"pf"}'
add m2 "$c"
expect_cni_error "unknown ipMasqBackend is refused" 7 "ipMasqBackend"

# macspoofchk: frames from another MAC are dropped at the bridge; rules gone after DEL.
conf '{"macspoofchk":true,"isGateway":true}'
add o "$c"
gw=$(printf '%s' "$OUT" | jq -r '.ips[0].gateway')
expect_eq "macspoofchk: PREROUTING jump" \
  "$(ip netns exec "$host" nft -j list chain bridge nat PREROUTING | jq '[.nftables[] | select(.rule) | select(.rule.comment == "macspoofchk-cid-o-eth0")] | length')" 1
check "macspoofchk: the container's own MAC passes" ip netns exec "$o" ping -c1 -W2 "$gw"
ip -n "$o" link set eth0 address 02:00:00:00:00:99
ip -n "$o" neigh flush all
if ip netns exec "$o" ping -c1 -W1 "$gw" >/dev/null 2>&1; then fail "macspoofchk: a spoofed MAC is dropped"; else pass "macspoofchk: a spoofed MAC is dropped"; fi
del o "$c"
expect_eq "macspoofchk: chains gone after DEL" \
  "$(ip netns exec "$host" nft -j list ruleset | jq '[.nftables[] | select(.chain) | select(.chain.name | startswith("cni-br-iface-cid-o"))] | length')" 0

# disableContainerInterface: the container end stays down; with IPAM it is refused.
conf '{"disableContainerInterface":true}' '.ipam={}'
add p "$c"
expect_eq "disableContainerInterface: eth0 down" "$RC:$(link_state "$p" eth0)" "0:DOWN"
del p "$c"
conf '{"disableContainerInterface":true}'
add q "$c"
expect_cni_error "disableContainerInterface with IPAM is refused" 7 "disableContainerInterface"

# ipam {}: a pure L2 attachment, the container end up without addresses.
conf '{}' '.ipam={}'
add r "$c"
expect_json "L2 only: no IPs in the result" "$OUT" '[((.ips // []) | length), (.interfaces | length)]' '[0,3]'
expect_eq "L2 only: container end up" "$(link_state "$r" eth0)" UP
del r "$c"

# dns: overrides the IPAM result's.
conf '{"dns":{"nameservers":["10.1.1.53"],"search":["example.test"]}}'
add s "$c"
expect_json "dns in the result" "$OUT" '.dns' '{"nameservers":["10.1.1.53"],"search":["example.test"]}'
del s "$c"

# The container MAC: runtimeConfig.mac > args.cni.mac > CNI_ARGS MAC=.
conf '{}'
add t "$c" CNI_ARGS="IgnoreUnknown=1;MAC=02:00:00:00:00:03"
expect_eq "CNI_ARGS MAC=" "$(ip -n "$t" -j link show eth0 | jq -r '.[0].address')" 02:00:00:00:00:03
del t "$c"
c2=$(printf '%s' "$c" | jq -c '. + {args:{cni:{mac:"02:00:00:00:00:02"}}}')
add u "$c2" CNI_ARGS="IgnoreUnknown=1;MAC=02:00:00:00:00:03"
expect_eq "args.cni.mac over CNI_ARGS" "$(ip -n "$u" -j link show eth0 | jq -r '.[0].address')" 02:00:00:00:00:02
del u "$c2"
c3=$(printf '%s' "$c2" | jq -c '. + {runtimeConfig:{mac:"02:00:00:00:00:01"}}')
add v "$c3" CNI_ARGS="IgnoreUnknown=1;MAC=02:00:00:00:00:03"
expect_eq "runtimeConfig.mac over both" "$(ip -n "$v" -j link show eth0 | jq -r '.[0].address')" 02:00:00:00:00:01
expect_eq "... and in the result" "$(printf '%s' "$OUT" | jq -r '.interfaces[2].mac')" 02:00:00:00:00:01
del v "$c3"

# vlan, vlanTrunk, preserveDefaultVlan: need the kernel's bridge VLAN filtering.
if ip -n "$host" link add vlanprobe type bridge vlan_filtering 1 2>/dev/null; then
  ip -n "$host" link del vlanprobe
  conf '{"vlan":100,"vlanTrunk":[{"id":200},{"minID":300,"maxID":302}]}'
  add w "$c"
  hv=$(hostveth)
  vl=$(ip netns exec "$host" bridge -j vlan show dev "$hv")
  expect_json "vlan: PVID untagged 100" "$vl" '[.[0].vlans[] | select(.vlan==100) | .flags] | .[0] | sort' '["PVID","Egress Untagged"]'
  expect_json "vlanTrunk: 200 and 300-302 tagged, VLAN 1 removed" "$vl" '[.[0].vlans[].vlan]' '[100,200,300]'
  expect_eq "vlan: bridge vlan_filtering on" "$(ip -n "$host" -j -d link show $br | jq '.[0].linkinfo.info_data.vlan_filtering')" 1
  del w "$c"
  conf '{"vlan":100,"preserveDefaultVlan":true}'
  add x "$c"
  expect_json "preserveDefaultVlan keeps VLAN 1" "$(ip netns exec "$host" bridge -j vlan show dev "$(hostveth)")" '[.[0].vlans[].vlan]' '[1,100]'
  del x "$c"
else
  echo "SKIP - vlan/vlanTrunk/preserveDefaultVlan: this kernel has no bridge VLAN filtering"
  conf '{"vlan":100}'
  add w "$c"
  if [ "$RC" != 0 ]; then pass "vlan: ADD fails cleanly on a kernel without VLAN filtering"; else fail "vlan ADD should fail here"; fi
  expect_eq "vlan: the failed ADD left no veth" "$(ip -n "$host" -j link show type veth | jq length)" 0
fi
conf '{"vlan":4095}'
add y "$c"
expect_cni_error "vlan out of range is refused" 7 "vlan"
conf '{"vlanTrunk":[{"minID":10}]}'
add z "$c"
expect_cni_error "vlanTrunk minID without maxID is refused" 7 "vlanTrunk[0]"

expect_eq "no veth left in the host" "$(ip -n "$host" -j link show type veth | jq length)" 0
expect_eq "no reservation left" "$(find "$data" -type f -name '10.*' | wc -l)" 0
finish
