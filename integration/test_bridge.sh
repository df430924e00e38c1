#!/usr/bin/env bash
# bridge: the seed walkthrough (four containers on one bridge), a re-added container reachable
# at once by a peer that cached its old MAC, dual stack without a DAD wait, DEL in every state,
# chained calls and every result version.
. "$(dirname "$0")/lib.sh"

make_ns host
for i in 1 2 3 4 5; do make_ns "c$i"; done
make_tmpdir data
ip -n "$host" link set lo up

conf=$(printf '{"cniVersion":"1.0.0","name":"seednet","type":"bridge","bridge":"br0",
  "isGateway":true,"isDefaultGateway":true,"ipMasq":true,
  "ipam":{"type":"host-local","dataDir":"%s","subnet":"10.0.0.0/24"}}' "$data")

host_veths() { ip -n "$host" -j link show type veth | jq -r '[.[].ifname] | join(" ")'; }
reservations() { find "$data/$1" -maxdepth 1 -type f ! -name 'lock' ! -name 'last_reserved_ip.*' 2>/dev/null | wc -l; }
nft_rules() { ip netns exec "$host" nft -j list ruleset | jq '[.nftables[] | select(.rule)] | length'; }
masq_rules() {
  ip netns exec "$host" nft -j list ruleset 2>/dev/null |
    jq --arg id "$1" '[.nftables[] | select(.rule) | .rule | select((.comment // "") | contains("id: " + $id))] | length'
}
ip_of() { printf '%s' "$1" | jq -r ".ips[$2].address" | cut -d/ -f1; }

# --- The seed scenario: four namespaces on br0, each pings the three others and the gateway.
declare -A addr result
for i in 1 2 3 4; do
  ns=c$i
  cni "$host" bridge ADD "ctr$i" "/run/netns/${!ns}" eth0 "$conf"
  expect_eq "ADD ctr$i exits 0" "$RC" 0
  addr[$i]=$(ip_of "$OUT" 0)
  result[$i]=$OUT
done
expect_json "result: [bridge, host veth, container], IP on the container iface" "${result[1]}" \
  '[.interfaces[0].name, (.interfaces[1].name|test("^veth[0-9a-f]{8}$")), .interfaces[2].name, (.interfaces[2].sandbox|length>0), .ips[0].interface, .ips[0].gateway]' \
  '["br0",true,"eth0",true,2,"10.0.0.1"]'
expect_json "isDefaultGateway adds the default route" "${result[1]}" '.routes' '[{"dst":"0.0.0.0/0","gw":"10.0.0.1"}]'
expect_eq "four distinct addresses" "$(printf '%s\n' "${addr[@]}" | sort -u | wc -l)" 4
for i in 1 2 3 4; do
  ns=c$i
  for j in 1 2 3 4; do
    [ "$i" = "$j" ] && continue
    check "c$i pings c$j (${addr[$j]})" ip netns exec "${!ns}" ping -c1 -W2 "${addr[$j]}"
  done
  check "c$i pings the gateway" ip netns exec "${!ns}" ping -c1 -W2 10.0.0.1
done
expect_eq "bridge holds the gateway address" \
  "$(ip -n "$host" -j addr show br0 | jq -r '[.[0].addr_info[] | select(.family=="inet") | "\(.local)/\(.prefixlen)"] | join(",")')" "10.0.0.1/24"
expect_eq "four ports on br0" "$(ip -n "$host" -j link show master br0 | jq length)" 4
expect_eq "result's bridge MAC is the bridge's" "$(printf '%s' "${result[4]}" | jq -r '.interfaces[0].mac')" \
  "$(ip -n "$host" -j link show br0 | jq -r '.[0].address')"
expect_eq "bridge MAC pinned (did not change as ports came)" "$(printf '%s' "${result[1]}" | jq -r '.interfaces[0].mac')" \
  "$(printf '%s' "${result[4]}" | jq -r '.interfaces[0].mac')"
expect_eq "arp_notify on in the container" "$(ip netns exec "$c1" cat /proc/sys/net/ipv4/conf/eth0/arp_notify)" 1
expect_eq "ip_forward on in the host" "$(ip netns exec "$host" cat /proc/sys/net/ipv4/ip_forward)" 1
expect_eq "a masquerade rule per container" "$(masq_rules ctr3)" 1

# CHECK with the ADD result, and after breaking things.
chk=$(printf '%s' "$conf" | jq -c --argjson r "${result[1]}" '. + {prevResult: $r}')
cni "$host" bridge CHECK ctr1 "/run/netns/$c1" eth0 "$chk"
expect_eq "CHECK after ADD" "$RC:$OUT" "0:"
ip -n "$c1" route del default
cni "$host" bridge CHECK ctr1 "/run/netns/$c1" eth0 "$chk"
expect_cni_error "CHECK notices the missing default route" 106 "route"
ip -n "$c1" route add default via 10.0.0.1
# Every container's eth0 has the same ifindex: CHECK of ctr3 must look at ctr3's own host veth.
veth3=$(printf '%s' "${result[3]}" | jq -r '.interfaces[1].name')
ip -n "$host" link set "$veth3" nomaster
cni "$host" bridge CHECK ctr3 "/run/netns/$c3" eth0 \
  "$(printf '%s' "$conf" | jq -c --argjson r "${result[3]}" '. + {prevResult: $r}')"
expect_cni_error "CHECK notices ctr3's host veth off the bridge" 106 "$veth3 of eth0 is not on br0"
cni "$host" bridge CHECK ctr1 "/run/netns/$c1" eth0 "$chk"
expect_eq "CHECK of ctr1 still passes" "$RC:$OUT" "0:"
ip -n "$host" link set "$veth3" master br0

# --- Re-added with the same address: the peer that cached the old MAC reaches it at once.
old_mac=$(printf '%s' "${result[2]}" | jq -r '.interfaces[2].mac')
ip netns exec "$c1" ping -c1 -W2 "${addr[2]}" >/dev/null
expect_eq "c1 has c2's old MAC cached" "$(ip -n "$c1" -j neigh show "${addr[2]}" | jq -r '.[0].lladdr')" "$old_mac"
cni "$host" bridge DEL ctr2 "/run/netns/$c2" eth0 "$conf"
expect_eq "DEL ctr2 exits 0" "$RC" 0
cni "$host" bridge ADD ctr2b "/run/netns/$c5" eth0 "$conf" CNI_ARGS="IP=${addr[2]}"
expect_eq "ADD ctr2b with IP=${addr[2]}" "$RC:$(ip_of "$OUT" 0)" "0:${addr[2]}"
new_mac=$(printf '%s' "$OUT" | jq -r '.interfaces[2].mac')
t0=$EPOCHREALTIME
ok=0
for _ in $(seq 1 20); do
  [ "$(ip -n "$c1" -j neigh show "${addr[2]}" | jq -r '.[0].lladdr')" = "$new_mac" ] && { ok=1; break; }
  sleep 0.05
done
expect_eq "c1's neighbour entry switched to the new MAC without a flush" "$ok" 1
check "c1 reaches the new container within one second" ip netns exec "$c1" ping -c1 -W1 "${addr[2]}"
elapsed=$(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 ))
check "... in ${elapsed} ms (< 1000)" [ "$elapsed" -lt 1000 ]

# --- DEL: twice, with the netns deleted first, with CNI_NETNS empty; nothing left but br0.
cni "$host" bridge DEL ctr1 "/run/netns/$c1" eth0 "$conf"
expect_eq "DEL ctr1" "$RC" 0
cni "$host" bridge DEL ctr1 "/run/netns/$c1" eth0 "$conf"
expect_eq "second DEL ctr1" "$RC" 0
ip netns del "$c3"
cni "$host" bridge DEL ctr3 "/run/netns/$c3" eth0 "$conf"
expect_eq "DEL ctr3 with its netns gone" "$RC" 0
cni "$host" bridge DEL ctr4 "" eth0 "$conf"
expect_eq "DEL ctr4 with CNI_NETNS empty" "$RC" 0
expect_eq "ctr4's masquerade rule is gone (CNI_NETNS empty)" "$(masq_rules ctr4)" 0
expect_eq "ctr3's masquerade rule is gone (netns deleted)" "$(masq_rules ctr3)" 0
ip netns del "$c4"
cni "$host" bridge DEL ctr2b "/run/netns/$c5" eth0 "$conf"
expect_eq "DEL ctr2b" "$RC" 0
# The veths of the deleted namespaces go when the kernel's netns cleanup runs (asynchronous).
for _ in $(seq 50); do [ -z "$(host_veths)" ] && break; sleep 0.1; done
expect_eq "no veth left" "$(host_veths)" ""
expect_eq "no reservation left" "$(reservations seednet)" 0
expect_eq "no nftables rule left but the masquerade base chain's 3" "$(nft_rules)" 3
check "the bridge remains" ip -n "$host" link show br0

# --- Dual stack: both addresses and default routes, ping6 at once (no DAD wait).
make_ns d1
make_ns d2
dual=$(printf '{"cniVersion":"1.1.0","name":"dualnet","type":"bridge","bridge":"br6","isDefaultGateway":true,
  "ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.66.0.0/24"}],[{"subnet":"fd66::/64"}]]}}' "$data")
t0=$EPOCHREALTIME
cni "$host" bridge ADD dual1 "/run/netns/$d1" eth0 "$dual"
t1=$EPOCHREALTIME
expect_eq "dual ADD 1" "$RC" 0
expect_json "two addresses, two default routes" "$OUT" '[.ips[].address, .routes[].dst]' \
  '["10.66.0.2/24","fd66::2/64","0.0.0.0/0","::/0"]'
cni "$host" bridge ADD dual2 "/run/netns/$d2" eth0 "$dual"
expect_eq "dual ADD 2" "$RC" 0
add_ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
check "dual ADD does not wait for DAD (${add_ms} ms < 500)" [ "$add_ms" -lt 500 ]
expect_eq "container IPv6 address is not tentative" \
  "$(ip -n "$d1" -j addr show eth0 | jq -r '[.[0].addr_info[] | select(.local=="fd66::2") | (.tentative // false)] | .[0]')" false
check "ping6 between the containers right after ADD" ip netns exec "$d1" ping -6 -c1 -W2 fd66::3
check "ping6 to the gateway" ip netns exec "$d1" ping -6 -c1 -W2 fd66::1
check "ping (v4) between them" ip netns exec "$d2" ping -c1 -W2 10.66.0.2
expect_eq "IPv6 default route in the container" "$(ip -n "$d1" -j -6 route show default | jq -r '.[0].gateway')" fd66::1
expect_eq "forwarding on for IPv6" "$(ip netns exec "$host" cat /proc/sys/net/ipv6/conf/all/forwarding)" 1
expect_eq "accept_dad off in the container" "$(ip netns exec "$d1" cat /proc/sys/net/ipv6/conf/eth0/accept_dad)" 0

# --- Result versions and chaining.
make_ns v1
for v in 0.3.1 0.4.0 1.0.0 1.1.0; do
  vc=$(printf '%s' "$dual" | jq -c --arg v "$v" '.cniVersion=$v | .name="vnet"')
  cni "$host" bridge ADD "ver$v" "/run/netns/$v1" "e${v//./}" "$vc"
  expect_eq "ADD with cniVersion $v" "$RC" 0
  case $v in
    0.3.1|0.4.0) want='["'$v'",["4","6"],3]' ;;
    *) want='["'$v'",[null,null],3]' ;;
  esac
  expect_json "result printed as $v" "$OUT" '[.cniVersion, [.ips[].version], (.interfaces|length)]' "$want"
  cni "$host" bridge DEL "ver$v" "/run/netns/$v1" "e${v//./}" "$vc"
  expect_eq "DEL with cniVersion $v" "$RC" 0
done
prev='{"cniVersion":"1.0.0","interfaces":[{"name":"lo","mac":"00:00:00:00:00:00","sandbox":"/run/netns/x"}],
  "ips":[{"address":"127.0.0.1/8","interface":0}],"dns":{"nameservers":["10.0.0.53"]}}'
chained=$(printf '%s' "$dual" | jq -c --argjson p "$prev" '.cniVersion="1.0.0" | .name="chain" | . + {prevResult: $p}')
cni "$host" bridge ADD chained "/run/netns/$v1" eth0 "$chained"
expect_eq "chained ADD" "$RC" 0
expect_json "prevResult kept, ours appended with shifted indices" "$OUT" \
  '[.interfaces[0].name, .interfaces[3].name, [.ips[].interface], .dns.nameservers[0]]' '["lo","eth0",[0,3,3],"10.0.0.53"]'
cni "$host" bridge DEL chained "/run/netns/$v1" eth0 "$chained"
expect_eq "chained DEL" "$RC" 0

finish
