#!/usr/bin/env bash
# A three-node Kubernetes cluster emulated with namespaces (cluster_lib.sh): a fabric bridge,
# three nodes, pod subnets 10.244.N.0/24 routed host-gw style and over VXLAN as flannel does.
# Pods are added with exactly the bridge config flannel's CNI plugin generates and removed
# with the stored config and no prevResult; every pod pings every pod on every node, the MTU
# is flannel's, and DEL leaves nothing on the node or in the pod. Then kubenet's historical
# config (cniVersion 0.1.0, addIf, the 0.2.0-shaped result) on a cluster of its own.
# Budget: about 90 s per run (normal and ASan builds).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cluster_lib.sh"

for b in bridge host-local loopback; do
  [ -x "$BIN_DIR/$b" ] || { echo "FAIL: no $b in $BIN_DIR"; exit 1; }
done
NODES=(1 2 3)
PODS=(a b)
start=$SECONDS
machine_cbr0=$([ -e /var/lib/cni/networks/cbr0 ] && echo present || echo absent)

# The config flannel's plugin builds for node 1 (clients-notes.md, from flannel-io/cni-plugin).
FLANNEL_NODE1_CONF='{"cniVersion":"0.3.1","hairpinMode":true,"ipMasq":false,
  "ipam":{"ranges":[[{"subnet":"10.244.1.0/24"}]],"routes":[{"dst":"10.244.0.0/16"}],"type":"host-local"},
  "isDefaultGateway":true,"isGateway":true,"mtu":1450,"name":"cbr0","type":"bridge"}'

# node_state NODE: the node's links, addresses, routes and nftables rules, without the pods'
# bridge (cni0/cbr0 stays after the last DEL, as with the reference plugin).
node_state() {
  ip -n "$1" -j link show | jq -c '[.[] | select(.ifname != "cni0" and .ifname != "cbr0") | .ifname] | sort'
  ip -n "$1" -4 -j addr show | jq -c '[.[] | select(.ifname != "cni0" and .ifname != "cbr0") | {ifname, a: [.addr_info[] | .local]}]'
  ip -n "$1" -4 -j route show table all | jq -c '[.[] | select(.dev != "cni0" and .dev != "cbr0") | {dst, gateway, dev, table}] | sort_by(.dst)'
  ip netns exec "$1" nft list ruleset
}
node_veths() { ip -n "$1" -j link show type veth | jq -r '[.[] | select(.ifname != "eth0") | .ifname] | join(" ")'; }
reservations() { find "$1/var-lib/cni/networks" -type f -name '10.*' 2>/dev/null | wc -l; }
stored_confs() { find "$1/var-lib/cni/flannel" -type f 2>/dev/null | wc -l; }

# ping_all NAME...: every pod (netns in pod_ns) pings every other pod's address (pod_ip).
ping_all() {
  local from to
  for from in "$@"; do
    for to in "$@"; do
      [ "$from" = "$to" ] && continue
      check "$from pings $to (${pod_ip[$to]})" ip netns exec "${pod_ns[$from]}" ping -c1 -W2 "${pod_ip[$to]}"
    done
  done
}

# wait_gone NODE: veths of deleted pod namespaces go with the kernel's asynchronous cleanup.
wait_gone() { for _ in $(seq 50); do [ -z "$(node_veths "$1")" ] && break; sleep 0.1; done; }

# flannel_cluster MODE MTU: a cluster of three nodes on flannel's MODE backend.
flannel_cluster() {
  local mode=$1 mtu=$2 fabric n p pod far work
  echo "# flannel, $mode backend (FLANNEL_MTU=$mtu)"
  declare -gA node_ns=() node_root=() pod_ns=() pod_ip=() result=() before=()
  make_ns fabric
  make_tmpdir work
  cluster_fabric "$fabric"
  for n in "${NODES[@]}"; do
    make_ns "node_ns[$n]"
    node_root[$n]=$work/node$n
    cluster_node "$fabric" "${node_ns[$n]}" "$n" "${node_root[$n]}"
    cluster_subnet_env "${node_root[$n]}" "$n" "$mtu"
  done
  local ordered=()
  for n in "${NODES[@]}"; do ordered+=("${node_ns[$n]}"); done
  if ! cluster_routes "$mode" "${ordered[@]}"; then
    fail "$mode: the nodes' routing could not be set up"
    return
  fi
  for n in "${NODES[@]}"; do before[$n]=$(node_state "${node_ns[$n]}"); done

  if [ "$mode" = vxlan ]; then
    expect_json "the delegate config is exactly flannel's (node 1)" \
      "$(cluster_flannel_conf "${node_root[1]}")" '. == '"$FLANNEL_NODE1_CONF" true
  fi
  expect_json "no bridge key (the bridge is cni0), no prevResult" "$(cluster_flannel_conf "${node_root[2]}")" \
    '[has("bridge"), has("prevResult"), .mtu]' "[false,false,$mtu]"

  for n in "${NODES[@]}"; do
    for p in "${PODS[@]}"; do
      pod=pod$n$p
      make_ns "pod_ns[$pod]"
      flannel_add "${node_ns[$n]}" "${node_root[$n]}" "$pod" "/run/netns/${pod_ns[$pod]}"
      expect_eq "$mode: ADD $pod on node $n" "$RC" 0
      result[$pod]=$OUT
      pod_ip[$pod]=$(cluster_pod_ip "${pod_ns[$pod]}")
    done
  done
  expect_json "$mode: 0.3.1 result: [cni0, host veth, eth0], address on eth0 with the node's gateway" \
    "${result[pod2a]}" '[.cniVersion, .interfaces[0].name, (.interfaces[1].name | startswith("veth")), .interfaces[2].name,
      .ips[0].version, .ips[0].interface, (.ips[0].address | startswith("10.244.2.")), .ips[0].gateway]' \
    '["0.3.1","cni0",true,"eth0","4",2,true,"10.244.2.1"]'
  expect_json "$mode: routes: the cluster network and the default through the gateway" "${result[pod2a]}" \
    '[.routes[] | "\(.dst) \(.gw // "-")"] | sort' '["0.0.0.0/0 10.244.2.1","10.244.0.0/16 -"]'
  expect_eq "$mode: the pod's routes" \
    "$(ip -n "${pod_ns[pod2a]}" -j route show | jq -c '[.[] | "\(.dst) \(.gateway // "-")"] | sort')" \
    '["10.244.0.0/16 10.244.2.1","10.244.2.0/24 -","default 10.244.2.1"]'
  expect_eq "$mode: six distinct pod addresses" "$(printf '%s\n' "${pod_ip[@]}" | sort -u | grep -c .)" 6
  local veth
  veth=$(printf '%s' "${result[pod3b]}" | jq -r '.interfaces[1].name')
  expect_eq "$mode: hairpin on the host veth" \
    "$(ip netns exec "${node_ns[3]}" cat "/sys/class/net/$veth/brport/hairpin_mode")" 1
  expect_eq "$mode: node 1's cni0 holds the gateway" \
    "$(ip -n "${node_ns[1]}" -j addr show cni0 | jq -c '[.[0].addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"]')" \
    '["10.244.1.1/24"]'
  expect_eq "$mode: ipMasq false: no nftables rule on the node" "$(ip netns exec "${node_ns[1]}" nft list ruleset)" ""

  # MTU: FLANNEL_MTU on cni0, the host veth and eth0; a full-size unfragmentable packet crosses
  # to another node, one byte more is refused in the pod.
  expect_eq "$mode: MTU of cni0, host veth, pod eth0" \
    "$(ip -n "${node_ns[3]}" -j link show cni0 | jq .[0].mtu) $(ip -n "${node_ns[3]}" -j link show "$veth" | jq .[0].mtu) $(ip -n "${pod_ns[pod3b]}" -j link show eth0 | jq .[0].mtu)" \
    "$mtu $mtu $mtu"

  ping_all "${!pod_ns[@]}"
  far=${pod_ip[pod1a]}
  check "$mode: a $mtu-byte packet with DF crosses from node 3 to node 1" \
    ip netns exec "${pod_ns[pod3b]}" ping -c1 -W2 -M "do" -s $((mtu - 28)) "$far"
  if ip netns exec "${pod_ns[pod3b]}" ping -c1 -W2 -M "do" -s $((mtu - 27)) "$far" >/dev/null 2>&1; then
    fail "$mode: a $((mtu + 1))-byte packet with DF should not leave the pod"
  else
    pass "$mode: a $((mtu + 1))-byte packet with DF is refused"
  fi

  # DEL as flannel does it: the stored config, no prevResult. Pod a with its netns (CRI's
  # StopPodSandbox); pod b after its netns is gone, with CNI_NETNS empty (RemovePodSandbox).
  for n in "${NODES[@]}"; do
    flannel_del "${node_ns[$n]}" "${node_root[$n]}" "pod${n}a" "/run/netns/${pod_ns[pod${n}a]}"
    expect_eq "$mode: DEL pod${n}a" "$RC" 0
    expect_eq "$mode: pod${n}a has only lo left" "$(ip -n "${pod_ns[pod${n}a]}" -j link show | jq -c '[.[].ifname]')" '["lo"]'
    ip netns del "${pod_ns[pod${n}b]}"
    flannel_del "${node_ns[$n]}" "${node_root[$n]}" "pod${n}b" ""
    expect_eq "$mode: DEL pod${n}b (netns gone, CNI_NETNS empty)" "$RC" 0
  done
  # A repeated DEL (the stored config again, CNI_NETNS empty) succeeds and changes nothing.
  local cid
  cid=$(cluster_container_id pod1a)
  cluster_plugin "${node_ns[1]}" "${node_root[1]}" bridge DEL "$cid" "" eth0 "$(cluster_flannel_conf "${node_root[1]}")"
  expect_eq "$mode: a repeated DEL succeeds" "$RC:$OUT" "0:"
  for n in "${NODES[@]}"; do
    wait_gone "${node_ns[$n]}"
    expect_eq "$mode: node $n: no veth left" "$(node_veths "${node_ns[$n]}")" ""
    expect_eq "$mode: node $n: no port on cni0" "$(ip -n "${node_ns[$n]}" -j link show master cni0 | jq length)" 0
    expect_eq "$mode: node $n: no reservation left" "$(reservations "${node_root[$n]}")" 0
    expect_eq "$mode: node $n: no stored flannel config left" "$(stored_confs "${node_root[$n]}")" 0
    expect_eq "$mode: node $n: links, addresses, routes, rules as before the pods" \
      "$(node_state "${node_ns[$n]}")" "${before[$n]}"
  done
}

# kubenet_cluster: kubelet's kubenet (until Kubernetes 1.23) on three host-gw nodes: its
# 0.1.0 bridge config (bridge cbr0, addIf) and loopback, read back as a 0.2.0-shaped result.
kubenet_cluster() {
  local fabric n pod work conf lo='{"cniVersion":"0.1.0","name":"cni-loopback","type":"loopback"}'
  echo "# kubenet (cniVersion 0.1.0) on host-gw routes"
  declare -gA node_ns=() node_root=() pod_ns=() pod_ip=() result=() before=()
  make_ns fabric
  make_tmpdir work
  cluster_fabric "$fabric"
  local ordered=()
  for n in "${NODES[@]}"; do
    make_ns "node_ns[$n]"
    node_root[$n]=$work/node$n
    cluster_node "$fabric" "${node_ns[$n]}" "$n" "${node_root[$n]}"
    ordered+=("${node_ns[$n]}")
  done
  cluster_routes host-gw "${ordered[@]}"
  for n in "${NODES[@]}"; do
    before[$n]=$(node_state "${node_ns[$n]}")
    pod=kpod$n
    make_ns "pod_ns[$pod]"
    conf=$(cluster_kubenet_conf "$n" 1460)
    cluster_plugin "${node_ns[$n]}" "${node_root[$n]}" loopback ADD "$pod" "/run/netns/${pod_ns[$pod]}" lo "$lo"
    expect_eq "kubenet: loopback ADD $pod" "$RC" 0
    cluster_plugin "${node_ns[$n]}" "${node_root[$n]}" bridge ADD "$pod" "/run/netns/${pod_ns[$pod]}" eth0 "$conf"
    expect_eq "kubenet: ADD $pod" "$RC" 0
    result[$pod]=$OUT
    pod_ip[$pod]=$(printf '%s' "$OUT" | jq -r '.ip4.ip // empty' | cut -d/ -f1)
  done
  expect_json "kubenet: the 0.2.0-shaped result kubelet read (ip4.ip, ip4.gateway), nothing newer" \
    "${result[kpod2]}" '[.cniVersion, (.ip4.ip | test("^10\\.244\\.2\\.[0-9]+/24$")), .ip4.gateway,
      has("ips"), has("interfaces")]' '["0.1.0",true,"10.244.2.1",false,false]'
  expect_eq "kubenet: the pod's address is ip4.ip" "$(cluster_pod_ip "${pod_ns[kpod2]}")" "${pod_ip[kpod2]}"
  expect_eq "kubenet: bridge cbr0 with the gateway, MTU 1460 in the pod" \
    "$(ip -n "${node_ns[2]}" -j addr show cbr0 | jq -r '.[0].addr_info[] | select(.family == "inet") | .local') $(ip -n "${pod_ns[kpod2]}" -j link show eth0 | jq .[0].mtu)" \
    "10.244.2.1 1460"
  expect_eq "kubenet: lo up in the pod" "$(link_state "${pod_ns[kpod2]}" lo)" UP
  ping_all "${!pod_ns[@]}"
  for n in "${NODES[@]}"; do
    pod=kpod$n
    conf=$(cluster_kubenet_conf "$n" 1460)
    cluster_plugin "${node_ns[$n]}" "${node_root[$n]}" bridge DEL "$pod" "/run/netns/${pod_ns[$pod]}" eth0 "$conf"
    expect_eq "kubenet: DEL $pod" "$RC" 0
    cluster_plugin "${node_ns[$n]}" "${node_root[$n]}" loopback DEL "$pod" "/run/netns/${pod_ns[$pod]}" lo "$lo"
    expect_eq "kubenet: loopback DEL $pod" "$RC" 0
    expect_eq "kubenet: node $n: no veth, no reservation" \
      "$(node_veths "${node_ns[$n]}"):$(reservations "${node_root[$n]}")" ":0"
    expect_eq "kubenet: node $n: as before the pod" "$(node_state "${node_ns[$n]}")" "${before[$n]}"
  done
}

flannel_cluster host-gw 1500

make_ns probe
if cluster_vxlan_supported "$probe"; then
  flannel_cluster vxlan 1450
else
  echo "SKIP vxlan mode: this kernel cannot create a vxlan link (no CONFIG_VXLAN)"
  # The failure path only: the vxlan backend's set-up must say so instead of half-working.
  make_ns probe_node
  if cluster_vxlan_device "$probe_node" 1 >/dev/null 2>&1; then
    fail "vxlan: the device was created although the probe failed"
  else
    pass "vxlan: setting up the backend fails cleanly without vxlan"
  fi
fi

kubenet_cluster

# host-local's default dir was each node's private one: nothing reached the machine's.
if [ "$machine_cbr0" = absent ]; then
  expect_eq "the machine's /var/lib/cni/networks/cbr0 was not created" \
    "$([ -e /var/lib/cni/networks/cbr0 ] && echo present || echo absent)" absent
fi
echo "took $((SECONDS - start)) s"
finish
