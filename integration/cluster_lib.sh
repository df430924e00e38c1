# shellcheck shell=bash
# An emulated Kubernetes cluster of namespaces, shared by integration/test_cluster.sh and
# scripts/demo-cluster. Source it after setting BIN_DIR (our plugins); the caller creates every
# namespace (and removes it by exact name) and passes the names in, so nothing here touches the
# machine's root network namespace or its files.
#
# Layout (the pattern the reference plugins' own integration tests use):
#   fabric netns: bridge fabric0, the L2 segment between the nodes
#   node N netns: eth0 on fabric0 with 192.168.200.1N/24, pod subnet 10.244.N.0/24 on cni0
#   routing between pod subnets, as flannel's backends program it:
#     host-gw: 10.244.M.0/24 via 192.168.200.1M
#     vxlan:   flannel.1 (VNI 1, UDP 8472, nolearning, MTU eth0 - 50) with 10.244.N.0/32,
#              10.244.M.0/24 via 10.244.M.0 dev flannel.1 onlink, a permanent neighbour entry
#              10.244.M.0 -> node M's VTEP MAC and an FDB entry VTEP MAC -> 192.168.200.1M
# Each node has a root directory of its own (NODE_ROOT): flannel's subnet.env and, bind-mounted
# over /var/lib in the private mount namespace of every plugin call, its /var/lib, so the
# unmodified configs use host-local's default data dir (/var/lib/cni/networks) and flannel's
# (/var/lib/cni/flannel) per node.

CLUSTER_NETWORK=10.244.0.0/16

# flannel's stock conflist (kube-flannel.yml's cni-conf.json).
FLANNEL_CONFLIST='{"name":"cbr0","cniVersion":"0.3.1","plugins":[
  {"type":"flannel","delegate":{"hairpinMode":true,"isDefaultGateway":true}},
  {"type":"portmap","capabilities":{"portMappings":true}}]}'

cluster_node_ip() { printf '192.168.200.1%s' "$1"; }

# cluster_vxlan_supported NS: whether the kernel can create a vxlan link (tried in NS, a
# throwaway namespace, and removed again).
cluster_vxlan_supported() {
  ip -n "$1" link add cluster-vxtest type vxlan id 42 dstport 8472 dev lo 2>/dev/null || return 1
  ip -n "$1" link del cluster-vxtest
}

# cluster_fabric FABRIC: the bridge joining the nodes.
cluster_fabric() {
  ip -n "$1" link set lo up
  ip -n "$1" link add fabric0 type bridge
  ip -n "$1" link set fabric0 up
}

# cluster_node FABRIC NODE N ROOT: node N's eth0 on the fabric, forwarding on (kube-proxy and
# flannel need it), an empty root directory ROOT.
cluster_node() {
  local fabric=$1 node=$2 n=$3 root=$4
  mkdir -p "$root/var-lib"
  ip -n "$node" link set lo up
  ip -n "$fabric" link add "node$n" type veth peer name eth0 netns "$node"
  ip -n "$fabric" link set "node$n" master fabric0 up
  ip -n "$node" addr add "$(cluster_node_ip "$n")/24" dev eth0
  ip -n "$node" link set eth0 up
  ip netns exec "$node" sysctl -qw net.ipv4.ip_forward=1
}

# cluster_subnet_env ROOT N MTU: /run/flannel/subnet.env as flanneld writes it for node N
# (flanneld masquerades itself: FLANNEL_IPMASQ=true, so the delegate gets ipMasq false).
cluster_subnet_env() {
  printf 'FLANNEL_NETWORK=%s\nFLANNEL_SUBNET=10.244.%s.1/24\nFLANNEL_MTU=%s\nFLANNEL_IPMASQ=true\n' \
    "$CLUSTER_NETWORK" "$2" "$3" >"$1/subnet.env"
}

# cluster_hostgw NODE N M...: flannel's host-gw backend on node N: a route to each other node's
# pod subnet through that node's address.
cluster_hostgw() {
  local node=$1 n=$2 m
  shift 2
  for m in "$@"; do
    ip -n "$node" route add "10.244.$m.0/24" via "$(cluster_node_ip "$m")" dev eth0
  done
}

# cluster_vxlan_device NODE N: flannel's vxlan backend's device on node N; prints its MAC.
cluster_vxlan_device() {
  local node=$1 n=$2 mtu
  mtu=$(($(ip -n "$node" -j link show eth0 | jq '.[0].mtu') - 50))
  ip -n "$node" link add flannel.1 type vxlan id 1 local "$(cluster_node_ip "$n")" dev eth0 \
    dstport 8472 nolearning || return 1
  ip -n "$node" link set flannel.1 mtu "$mtu"
  ip -n "$node" addr add "10.244.$n.0/32" dev flannel.1
  ip -n "$node" link set flannel.1 up
  ip -n "$node" -j link show flannel.1 | jq -r '.[0].address'
}

# cluster_vxlan_peer NODE M MAC: what flanneld programs on a node when node M (VTEP MAC) joins.
cluster_vxlan_peer() {
  local node=$1 m=$2 mac=$3
  ip -n "$node" route add "10.244.$m.0/24" via "10.244.$m.0" dev flannel.1 onlink
  ip -n "$node" neigh add "10.244.$m.0" lladdr "$mac" dev flannel.1 nud permanent
  bridge -n "$node" fdb append "$mac" dev flannel.1 dst "$(cluster_node_ip "$m")"
}

# cluster_routes MODE NODE...: the routing between the nodes' pod subnets (MODE host-gw or
# vxlan); node numbers are the positions in the list, from 1.
cluster_routes() {
  local mode=$1 n m
  shift
  local nodes=("$@") macs=()
  if [ "$mode" = vxlan ]; then
    for n in "${!nodes[@]}"; do
      macs[n]=$(cluster_vxlan_device "${nodes[n]}" $((n + 1))) || return 1
    done
  fi
  for n in "${!nodes[@]}"; do
    for m in "${!nodes[@]}"; do
      [ "$n" = "$m" ] && continue
      case $mode in
        host-gw) cluster_hostgw "${nodes[n]}" $((n + 1)) $((m + 1)) ;;
        vxlan) cluster_vxlan_peer "${nodes[n]}" $((m + 1)) "${macs[m]}" ;;
      esac
    done
  done
}

# cluster_flannel_conf ROOT: the bridge config flannel's CNI plugin (flannel-io/cni-plugin,
# doCmdAdd) builds from FLANNEL_CONFLIST's delegate and the node's subnet.env: type bridge,
# ipMasq = !FLANNEL_IPMASQ, mtu = FLANNEL_MTU, isGateway, the network's name and cniVersion,
# host-local with the node's subnet (network address) and a route to the cluster network.
cluster_flannel_conf() {
  local FLANNEL_NETWORK FLANNEL_SUBNET FLANNEL_MTU FLANNEL_IPMASQ
  # shellcheck disable=SC1091
  . "$1/subnet.env"
  # Go's net.ParseCIDR(FLANNEL_SUBNET) keeps the network: 10.244.N.1/24 -> 10.244.N.0/24.
  [[ $FLANNEL_SUBNET == */24 ]] || { echo "cluster_flannel_conf: only /24 node subnets" >&2; return 1; }
  printf '%s' "$FLANNEL_CONFLIST" | jq -c --arg net "$FLANNEL_NETWORK" \
    --arg sn "${FLANNEL_SUBNET%.*}.0/24" --argjson mtu "$FLANNEL_MTU" \
    --argjson masq "$FLANNEL_IPMASQ" '
    .name as $name | .cniVersion as $version
    | (.plugins[] | select(.type == "flannel") | .delegate)
    | if has("type") then . else .type = "bridge" end
    | if has("ipMasq") then . else .ipMasq = ($masq | not) end
    | if has("mtu") then . else .mtu = $mtu end
    | if .type == "bridge" and (has("isGateway") | not) then .isGateway = true else . end
    | .cniVersion = $version | .name = $name
    | .ipam = {type: "host-local", ranges: [[{subnet: $sn}]], routes: [{dst: $net}]}'
}

# cluster_kubenet_conf N MTU: the bridge config kubelet's kubenet (Kubernetes <= 1.23) wrote
# for node N's pod CIDR 10.244.N.0/24; it read the 0.1.0/0.2.0-shaped result (ip4.ip).
cluster_kubenet_conf() {
  printf '{"cniVersion":"0.1.0","name":"kubenet","type":"bridge","bridge":"cbr0","mtu":%s,"addIf":"eth0","isGateway":true,"ipMasq":false,"hairpinMode":false,"ipam":{"type":"host-local","ranges":[[{"subnet":"10.244.%s.0/24","gateway":"10.244.%s.1"}]],"routes":[{"dst":"0.0.0.0/0"}]}}' \
    "$2" "$1" "$1"
}

# cluster_plugin NODE ROOT PLUGIN COMMAND CONTAINERID NETNS IFNAME CONFIG [VAR=value...]: runs
# one of our plugins as the node's runtime would, in NODE's network namespace with ROOT's
# /var/lib. Sets OUT (stdout), ERR (stderr) and RC (exit code).
cluster_plugin() {
  local node=$1 root=$2 plugin=$3 cmd=$4 cid=$5 netns=$6 ifname=$7 config=$8 errf
  shift 8
  errf=$(mktemp)
  set +e
  # shellcheck disable=SC2016
  OUT=$(printf '%s' "$config" | ip netns exec "$node" sh -c 'mount --bind "$0" /var/lib && exec "$@"' \
    "$root/var-lib" env -i PATH="$PATH" ${SAN_ENV[@]+"${SAN_ENV[@]}"} CNI_COMMAND="$cmd" \
    CNI_CONTAINERID="$cid" CNI_NETNS="$netns" CNI_IFNAME="$ifname" CNI_PATH="$BIN_DIR" "$@" \
    "$BIN_DIR/$plugin" 2>"$errf")
  RC=$?
  set -e
  ERR=$(cat "$errf")
  rm -f "$errf"
}

# cluster_pod_args POD: the CNI_ARGS containerd's CRI plugin passes for a pod of that name.
cluster_pod_args() {
  printf 'CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=%s;K8S_POD_INFRA_CONTAINER_ID=%s' \
    "$1" "$2"
}

# cluster_container_id POD: a 64-hex sandbox ID, as CRI makes them.
cluster_container_id() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# flannel_add NODE ROOT POD NETNS: what flannel's CNI plugin does on ADD: build the delegate
# config, store it under /var/lib/cni/flannel/<containerID>, exec bridge with it.
flannel_add() {
  local node=$1 root=$2 pod=$3 netns=$4 cid conf
  cid=$(cluster_container_id "$pod")
  conf=$(cluster_flannel_conf "$root") || return 1
  mkdir -p "$root/var-lib/cni/flannel"
  printf '%s' "$conf" >"$root/var-lib/cni/flannel/$cid"
  cluster_plugin "$node" "$root" bridge ADD "$cid" "$netns" eth0 "$conf" "$(cluster_pod_args "$pod" "$cid")"
}

# flannel_del NODE ROOT POD NETNS: flannel's DEL: the stored config again, no prevResult; the
# stored file goes once the delegate succeeded (a missing one means nothing to do).
flannel_del() {
  local node=$1 root=$2 pod=$3 netns=$4 cid file
  cid=$(cluster_container_id "$pod")
  file=$root/var-lib/cni/flannel/$cid
  if [ ! -f "$file" ]; then
    OUT='' ERR='' RC=0
    return 0
  fi
  cluster_plugin "$node" "$root" bridge DEL "$cid" "$netns" eth0 "$(cat "$file")" \
    "$(cluster_pod_args "$pod" "$cid")"
  [ "$RC" != 0 ] || rm -f "$file"
}

# cluster_pod_ip NETNS: the pod's IPv4 address on eth0 (empty when none).
cluster_pod_ip() {
  ip -n "$1" -j addr show dev eth0 2>/dev/null |
    jq -r '.[0].addr_info[]? | select(.family == "inet") | .local'
}
