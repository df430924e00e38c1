#!/usr/bin/env bash
# veth (our ptp): two containers routed through a throwaway host namespace, dual stack without
# a DAD wait, ipMasq rules that DEL removes even with the netns gone, reference ptp configs.
. "$(dirname "$0")/lib.sh"

make_ns host
make_ns c1
make_ns c2
make_ns c3
make_tmpdir data
ip -n "$host" link set lo up

conf4=$(printf '{"cniVersion":"1.0.0","name":"vnet","type":"veth","ipMasq":true,"mtu":1400,
  "ipam":{"type":"host-local","dataDir":"%s","subnet":"10.77.0.0/24","routes":[{"dst":"0.0.0.0/0"}]}}' "$data")
dual=$(printf '{"cniVersion":"1.1.0","name":"vdual","type":"veth",
  "ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.78.0.0/24"}],[{"subnet":"fd78::/64"}]],
  "routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0"}]}}' "$data")

host_veths() { ip -n "$host" -j link show type veth | jq -r '[.[].ifname] | join(" ")'; }
masq_rules() {  # rules in our table mentioning container $1
  ip netns exec "$host" nft -j list ruleset 2>/dev/null |
    jq --arg id "$1" '[.nftables[] | select(.rule) | .rule | select((.comment // "") | contains("id: " + $id))] | length'
}

# --- IPv4 with ipMasq: two containers reach each other and the host through the host.
cni "$host" veth ADD ctr1 "/run/netns/$c1" eth0 "$conf4"
expect_eq "ADD c1 exits 0" "$RC" 0
ip1=$(printf '%s' "$OUT" | jq -r '.ips[0].address' | cut -d/ -f1)
res1=$OUT
expect_json "result: interfaces are [host veth, container]" "$OUT" \
  '[(.interfaces[0].name | startswith("veth")), .interfaces[1].name, (.interfaces[1].sandbox|length>0), .ips[0].interface]' \
  '[true,"eth0",true,1]'
cni "$host" veth ADD ctr2 "/run/netns/$c2" eth0 "$conf4"
expect_eq "ADD c2 exits 0" "$RC" 0
ip2=$(printf '%s' "$OUT" | jq -r '.ips[0].address' | cut -d/ -f1)
check "c1 pings c2 ($ip2) through the host" ip netns exec "$c1" ping -c1 -W2 "$ip2"
check "c2 pings c1 ($ip1)" ip netns exec "$c2" ping -c1 -W2 "$ip1"
check "c1 pings its gateway on the host side" ip netns exec "$c1" ping -c1 -W2 10.77.0.1
expect_eq "container MTU" "$(ip -n "$c1" -j link show eth0 | jq '.[0].mtu')" 1400
expect_eq "container default route via the gateway" \
  "$(ip -n "$c1" -j route show default | jq -r '.[0].gateway')" 10.77.0.1
expect_eq "host route to c1" "$(ip -n "$host" -j route show "$ip1" | jq -r '.[0].dev' | cut -c1-4)" veth
expect_eq "masquerade rule for c1" "$(masq_rules ctr1)" 1

# CHECK with the ADD result as prevResult.
chk=$(printf '%s' "$conf4" | jq -c --argjson r "$res1" '. + {prevResult: $r}')
cni "$host" veth CHECK ctr1 "/run/netns/$c1" eth0 "$chk"
expect_eq "CHECK after ADD" "$RC:$OUT" "0:"
ip -n "$c1" route del default
cni "$host" veth CHECK ctr1 "/run/netns/$c1" eth0 "$chk"
expect_cni_error "CHECK notices the missing default route" 106 "route"

# DEL: twice; c2 with its netns deleted first; nothing left.
cni "$host" veth DEL ctr1 "/run/netns/$c1" eth0 "$conf4"
expect_eq "DEL c1 exits 0" "$RC" 0
cni "$host" veth DEL ctr1 "/run/netns/$c1" eth0 "$conf4"
expect_eq "second DEL c1 exits 0" "$RC" 0
ip netns del "$c2"
cni "$host" veth DEL ctr2 "/run/netns/$c2" eth0 "$conf4"
expect_eq "DEL c2 with its netns gone exits 0" "$RC" 0
expect_eq "no veth left in the host" "$(host_veths)" ""
expect_eq "no host route left" "$(ip -n "$host" -j route show | jq -c '[.[] | select(.dst|startswith("10.77."))]')" "[]"
expect_eq "no masquerade rule left" "$(masq_rules ctr1):$(masq_rules ctr2)" "0:0"
expect_eq "no reservation left" "$(ls "$data/vnet" | grep -c '^10\.' || true)" 0

# DEL with CNI_NETNS empty still removes the masquerade rule and the reservation.
make_ns c4
cni "$host" veth ADD ctr4 "/run/netns/$c4" eth0 "$conf4"
expect_eq "masquerade rule for c4" "$(masq_rules ctr4)" 1
cni "$host" veth DEL ctr4 "" eth0 "$conf4"
expect_eq "DEL with empty CNI_NETNS exits 0" "$RC" 0
expect_eq "its masquerade rule is gone" "$(masq_rules ctr4)" 0
expect_eq "its reservation is gone" "$(ls "$data/vnet" | grep -c '^10\.' || true)" 0
ip netns del "$c4"

# --- The container MAC: runtimeConfig.mac beats CNI_ARGS MAC=.
make_ns c7
cni "$host" veth ADD mac1 "/run/netns/$c7" eth0 "$(printf '%s' "$conf4" | jq -c '.runtimeConfig = {mac: "0a:58:0a:4d:00:63"}')" \
  CNI_ARGS="IgnoreUnknown=1;MAC=0a:58:0a:4d:00:64"
expect_eq "container MAC from runtimeConfig.mac" "$(ip -n "$c7" -j link show eth0 | jq -r '.[0].address')" 0a:58:0a:4d:00:63
expect_json "result reports that MAC" "$OUT" '.interfaces[1].mac' '"0a:58:0a:4d:00:63"'
cni "$host" veth DEL mac1 "/run/netns/$c7" eth0 "$conf4"
cni "$host" veth ADD mac2 "/run/netns/$c7" eth0 "$conf4" CNI_ARGS="IgnoreUnknown=1;MAC=0a:58:0a:4d:00:64"
expect_eq "container MAC from CNI_ARGS" "$(ip -n "$c7" -j link show eth0 | jq -r '.[0].address')" 0a:58:0a:4d:00:64
cni "$host" veth DEL mac2 "/run/netns/$c7" eth0 "$conf4"

# --- STATUS and GC (CNI 1.1): GC drops the masquerade rule and reservation of a stale
# attachment, keeps the valid one.
conf11=$(printf '%s' "$conf4" | jq -c '.cniVersion = "1.1.0"')
make_ns c5
make_ns c6
cni "$host" veth ADD keep "/run/netns/$c5" eth0 "$conf11"
cni "$host" veth ADD stale "/run/netns/$c6" eth0 "$conf11"
cni "$host" veth STATUS "" "" "" "$conf11"
expect_eq "STATUS ready" "$RC:$OUT" "0:"
gc=$(printf '%s' "$conf11" | jq -c '. + {"cni.dev/valid-attachments": [{"containerID":"keep","ifname":"eth0"}]}')
cni "$host" veth GC "" "" "" "$gc"
expect_eq "GC exits 0" "$RC:$OUT" "0:"
expect_eq "GC kept the valid rule, dropped the stale one" "$(masq_rules keep):$(masq_rules stale)" "1:0"
expect_eq "GC kept one reservation" "$(grep -l stale "$data"/vnet/10.* 2>/dev/null | wc -l):$(grep -l keep "$data"/vnet/10.* | wc -l)" "0:1"
cni "$host" veth DEL keep "/run/netns/$c5" eth0 "$conf11"
cni "$host" veth DEL stale "/run/netns/$c6" eth0 "$conf11"
expect_eq "after DELs no masquerade rule" "$(masq_rules keep):$(masq_rules stale)" "0:0"

# --- Dual stack: no DAD wait, IPv6 between containers at once.
start=$(date +%s%N)
cni "$host" veth ADD d1 "/run/netns/$c1" eth1 "$dual"
t_ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "dual-stack ADD exits 0" "$RC" 0
[ "$t_ms" -lt 1000 ] && pass "dual-stack ADD took ${t_ms} ms (no DAD wait)" || fail "dual-stack ADD took ${t_ms} ms"
expect_json "two addresses" "$OUT" '[.ips[].address | contains(":")]' '[false,true]'
tentative=$(ip -n "$c1" -j addr show eth1 | jq '[.[0].addr_info[] | select(.tentative)] | length')
expect_eq "no tentative address right after ADD" "$tentative" 0
v6a=$(printf '%s' "$OUT" | jq -r '.ips[1].address' | cut -d/ -f1)
cni "$host" veth ADD d3 "/run/netns/$c3" eth0 "$dual"
v6b=$(printf '%s' "$OUT" | jq -r '.ips[1].address' | cut -d/ -f1)
check "ping6 c3 -> c1 ($v6a) right after ADD" ip netns exec "$c3" ping -6 -c1 -W2 "$v6a"
check "ping6 c1 -> c3 ($v6b)" ip netns exec "$c1" ping -6 -c1 -W2 "$v6b"
cni "$host" veth DEL d1 "/run/netns/$c1" eth1 "$dual"
cni "$host" veth DEL d3 "/run/netns/$c3" eth0 "$dual"
expect_eq "dual-stack DELs leave no veth" "$(host_veths)" ""

# --- A config written for the reference ptp, unchanged, through the "ptp" name.
ptpconf=$(printf '{"cniVersion":"0.3.1","name":"mynet","type":"ptp","ipMasq":true,
  "ipam":{"type":"host-local","subnet":"10.79.0.0/24","dataDir":"%s"}}' "$data")
cni "$host" ptp ADD p1 "/run/netns/$c1" eth0 "$ptpconf"
expect_eq "type ptp ADD through our binary" "$RC" 0
expect_json "0.3.1 result shape" "$OUT" '[.cniVersion, .ips[0].version]' '["0.3.1","4"]'
cni "$host" ptp DEL p1 "/run/netns/$c1" eth0 "$ptpconf"
expect_eq "type ptp DEL" "$RC" 0

# --- Bad input changes nothing.
cni "$host" veth ADD bad1 "/run/netns/$c1" eth0 '{"cniVersion":"1.0.0","name":"v","type":"veth"}'
expect_cni_error "missing ipam" 7 "ipam"
cni "$host" veth ADD bad2 "/run/netns/$c1" eth0 "$(printf '%s' "$conf4" | jq -c '.mtu = -5')"
expect_cni_error "negative mtu" 7 "mtu"
cni "$host" veth ADD bad3 "/run/netns/$c1" eth0 "$(printf '%s' "$conf4" | jq -c '.ipam.type = "nosuchipam"')"
expect_cni_error "unknown IPAM type" 7 "nosuchipam"
cni "$host" veth ADD bad4 "/run/netns/$c1" eth0 "$(printf '%s' "$conf4" | jq -c '.ipMasqBackend = "ebtables"')"
expect_cni_error "unknown masquerade backend" 7 "ipMasqBackend"
# A failure after IPAM (the kernel refuses a multicast MAC for the container end) rolls back.
cni "$host" veth ADD bad5 "/run/netns/$c1" eth0 "$(printf '%s' "$conf4" | jq -c '.runtimeConfig = {mac: "01:00:5e:00:00:01"}')"
[ "$RC" != 0 ] && pass "ADD with a multicast MAC fails" || fail "ADD with a multicast MAC fails"
# An interface of that name already in the container: refused before anything is created.
ip -n "$c1" link add eth0 type veth peer name eth0peer
cni "$host" veth ADD bad6 "/run/netns/$c1" eth0 "$conf4"
expect_cni_error "CNI_IFNAME already in the container" 4 "already exists"
ip -n "$c1" link del eth0
expect_eq "failed ADDs left no veth" "$(host_veths)" ""
expect_eq "failed ADDs left no masquerade rule" "$(masq_rules bad5):$(masq_rules bad6)" "0:0"
expect_eq "failed ADDs left no reservation" "$(ls "$data/vnet" | grep -c '^10\.' || true)" 0

finish
