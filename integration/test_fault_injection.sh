#!/usr/bin/env bash
# Crash consistency: every fault point of ADD (cni::fault::point, compiled in only with
# -DCNI_FAULT_INJECTION=ON) is hit once in each mode, for each plugin configuration:
#   fail:  ADD returns the injected error and its rollback leaves zero residue;
#   abort: ADD dies by SIGABRT (no rollback at all); DEL with the same arguments (no prevResult)
#          and then GC with no valid attachment succeed and leave zero residue.
# A point in the delegated IPAM plugin is hit in-process (host-local runs on a thread of the
# plugin, cni/in_process.hpp: an abort there kills the plugin) and once more with the exec
# forced (CNI_CPP_IPAM_EXEC=1: the IPAM process dies, the plugin reports it and rolls back).
# Zero residue: the host and container namespaces' links (name, master, admin up; in the
# container also MTU, MAC and promiscuity), addresses and routes, the host's qdiscs, the
# nftables ruleset (handles aside) and the dataDir file list are the same as before the ADD;
# besides, no container interface (but the one the test made for tuning and bandwidth), no file
# naming the container ID, no nftables object naming it, and the network's host-local lock is
# free.
. "$(dirname "$0")/lib.sh"

if ! grep -qaF 'fault injected at' "$BIN_DIR/bridge"; then
  echo "SKIP: binaries built without CNI_FAULT_INJECTION"
  exit 0
fi

# Which points each configuration passes. A point in the sources that no configuration
# lists (or a listed point that is gone) fails the test.
declare -A POINTS=(
  [bridge]="bridge.after_bridge bridge.after_veth bridge.after_port bridge.after_spoofcheck
            host-local.after_reserve bridge.after_ipam ipconfig.after_addresses
            ipconfig.after_routes bridge.after_gateway bridge.after_masq bridge.before_result"
  [veth]="veth.after_veth host-local.after_reserve veth.after_ipam ipconfig.after_addresses
          ipconfig.after_routes veth.after_host_side veth.after_masq veth.before_result"
  [loopback]="loopback.after_lo_up"
  [host-local]="host-local.after_reserve"
  [firewall]="firewall.before_commit"
  [portmap]="portmap.after_rules portmap.after_localnet"
  [tuning]="tuning.after_sysctls tuning.after_backup tuning.after_link_attrs"
  [bandwidth]="bandwidth.after_ingress bandwidth.after_ifb bandwidth.after_redirect"
)
# Points that need more than this test sets up, exercised in fail and abort mode elsewhere.
ELSEWHERE="ovs.after_veth ovs.after_port ovs.before_result"  # test_ovs.sh (its OVS daemons)
# Points reached in the delegated IPAM plugin.
is_delegated() { [[ $1 != host-local && $2 == host-local.* ]]; }

in_sources=$(grep -rhoE 'fault::point\("[^"]+"\)' "$SOURCE_DIR"/common "$SOURCE_DIR"/plugins \
  "$SOURCE_DIR"/ipam | sed -E 's/.*\("([^"]+)"\)/\1/' | sort -u)
in_test=$(printf '%s\n' "${POINTS[@]}" $ELSEWHERE | tr -s ' \n' '\n' | sed '/^$/d' | sort -u)
expect_eq "every fault point in the sources is exercised here" "$in_test" "$in_sources"

make_ns host
ip -n "$host" link set lo up
make_tmpdir data

conf_of() {  # conf_of PLUGIN: the network configuration (cniVersion 1.1.0, for GC)
  local ipam
  case $1 in
    bridge)
      ipam=$(printf '{"type":"host-local","dataDir":"%s","subnet":"10.61.0.0/24"}' "$data")
      printf '{"cniVersion":"1.1.0","name":"fi-br","type":"bridge","bridge":"fibr0",
        "isGateway":true,"ipMasq":true,"macspoofchk":true,"ipam":%s}' "$ipam" ;;
    veth)
      ipam=$(printf '{"type":"host-local","dataDir":"%s","subnet":"10.62.0.0/24"}' "$data")
      printf '{"cniVersion":"1.1.0","name":"fi-veth","type":"veth","ipMasq":true,"ipam":%s}' \
        "$ipam" ;;
    loopback) printf '{"cniVersion":"1.1.0","name":"fi-lo","type":"loopback"}' ;;
    host-local)
      printf '{"cniVersion":"1.1.0","name":"fi-hl","type":"host-local",
        "ipam":{"type":"host-local","dataDir":"%s","subnet":"10.63.0.0/24"}}' "$data" ;;
    tuning)
      # On an eth0 the test made (a veth pair): tuning changes a link it does not own.
      printf '{"cniVersion":"1.1.0","name":"fi-tun","type":"tuning","dataDir":"%s/tuning",
        "mtu":1400,"promisc":true,"mac":"02:aa:bb:cc:dd:01",
        "sysctl":{"net.ipv4.conf.eth0.arp_filter":"1"},
        "prevResult":{"cniVersion":"1.1.0","interfaces":[{"name":"eth0","sandbox":"/x"}],
        "ips":[{"address":"10.65.0.2/24","interface":0}]}}' "$data" ;;
    bandwidth)
      # Shapes the host end (fibw0) of a veth pair the test made.
      printf '{"cniVersion":"1.1.0","name":"fi-bw","type":"bandwidth",
        "ingressRate":8000000,"ingressBurst":160000,"egressRate":8000000,"egressBurst":160000,
        "prevResult":{"cniVersion":"1.1.0","interfaces":[{"name":"fibw0"},
          {"name":"eth0","sandbox":"/x"}],"ips":[{"address":"10.66.0.2/24","interface":1}]}}' ;;
    portmap)
      # The bridge's cases before made fibr0 (10.61.0.1/24): the route for route_localnet.
      printf '{"cniVersion":"1.1.0","name":"fi-pm","type":"portmap",
        "runtimeConfig":{"portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp"},
          {"hostPort":15353,"containerPort":53,"protocol":"udp"}]},
        "prevResult":{"cniVersion":"1.1.0","interfaces":[{"name":"eth0","sandbox":"/x"}],
        "ips":[{"address":"10.61.0.50/24","interface":0},{"address":"fd61::50/64","interface":0}]}}' ;;
    firewall)
      printf '{"cniVersion":"1.1.0","name":"fi-fw","type":"firewall","ingressPolicy":"isolated",
        "prevResult":{"cniVersion":"1.1.0","interfaces":[{"name":"fibr9"}],
        "ips":[{"address":"10.64.0.2/24"},{"address":"fd64::2/64"}]}}' ;;
  esac
}

gc_conf_of() { conf_of "$1" | jq -c '. + {"cni.dev/valid-attachments": []}'; }

settle() {  # settle NS: waits (up to 3 s) for IPv6 DAD, whose end adds local routes
  local _
  for _ in $(seq 30); do
    [ -z "$(ip -n "$1" -6 addr show tentative)" ] && return 0
    sleep 0.1
  done
}

snapshot() {  # snapshot NS: links, addresses, routes (and nftables in the host), as text
  local ns=$1
  ip -n "$ns" -j link show |
    jq -r '.[] | "link \(.ifname) master=\(.master // "-") up=\(.flags | index("UP") != null)"'
  ip -n "$ns" -j addr show |
    jq -r '.[] | .ifname as $i | .addr_info[] | "addr \($i) \(.local)/\(.prefixlen)"'
  # "linkdown" follows the bridge's carrier, which the kernel updates after the fact.
  ip -n "$ns" route show table all | sed -e 's/ linkdown//' -e 's/^/route /'
  if [ "$ns" = "$host" ]; then
    ip netns exec "$ns" nft -j list ruleset 2>/dev/null |
      jq -c 'walk(if type == "object" then del(.handle) else . end) | .nftables[]' |
      sed 's/^/nft /'
    (cd "$data" && find . -printf 'file %p %y\n' | sort)
    tc -n "$ns" -j qdisc show | jq -r '.[] | "qdisc \(.dev) \(.kind) \(.handle) \(.parent // "-")"'
  else
    # What tuning changes (and its DEL restores) on a container's links.
    ip -n "$ns" -j link show |
      jq -r '.[] | "link \(.ifname) mtu=\(.mtu) mac=\(.address) promisc=\(.flags | index("PROMISC") != null)"'
  fi
}

# residue PLUGIN CID CNS BEFORE_HOST BEFORE_CONT: prints what differs from the snapshots.
residue() {
  local plugin=$1 cid=$2 cns=$3 before_host=$4 before_cont=$5 net
  net=$(conf_of "$plugin" | jq -r .name)
  diff <(printf '%s\n' "$before_host") <(snapshot "$host") | grep '^[<>]' | sed 's/^/host: /'
  diff <(printf '%s\n' "$before_cont") <(snapshot "$cns") | grep '^[<>]' | sed 's/^/container: /'
  if [ "$plugin" != tuning ] && [ "$plugin" != bandwidth ] &&
    ip -n "$cns" link show eth0 >/dev/null 2>&1; then
    echo "container: eth0 exists"
  fi
  find "$data" -name "*$cid*" | sed 's/^/file named after the container: /'
  grep -rlF -- "$cid" "$data" | sed 's/^/file naming the container: /'
  if ip netns exec "$host" nft list ruleset 2>/dev/null | grep -F -- "$cid" >/dev/null; then
    echo "nftables: an object names $cid"
  fi
  if [ -e "$data/$net/lock" ] && ! flock -n "$data/$net/lock" true; then
    echo "lock: $data/$net/lock is held"
  fi
  return 0
}

cases=0
run_case() {  # run_case PLUGIN CNS POINT MODE [exec]
  local plugin=$1 cns=$2 point=$3 mode=$4 via=${5:-} conf gc cid before_host before_cont left what
  local extra=()
  [ "$via" != exec ] || extra=(CNI_CPP_IPAM_EXEC=1)
  conf=$(conf_of "$plugin")
  gc=$(gc_conf_of "$plugin")
  cases=$((cases + 1))
  cid="fi${cases}-$$"
  what="$plugin $point $mode${via:+ (IPAM exec forced)}"
  before_host=$(snapshot "$host")
  before_cont=$(snapshot "$cns")
  cni "$host" "$plugin" ADD "$cid" "/run/netns/$cns" eth0 "$conf" \
    CNI_FAULT_POINT="$point" CNI_FAULT_MODE="$mode" "${extra[@]}"
  if [ "$mode" = fail ]; then
    expect_cni_error "$what: ADD fails with the injected error" 999 "fault injected at $point"
  elif [ "$via" = exec ]; then
    # The IPAM process crashed; the plugin reports it and rolls back its own steps.
    if [ "$RC" = 1 ] && printf '%s' "$OUT" | jq -e '.code' >/dev/null 2>&1 &&
      [[ $ERR == *"fault injected at $point (abort)"* ]]; then
      pass "$what: IPAM crashes, ADD fails with a CNI error"
    else
      fail "$what: IPAM crashes, ADD fails with a CNI error (RC=$RC)"
    fi
  else
    if [ "$RC" = 134 ] && [[ $ERR == *"fault injected at $point (abort)"* ]]; then
      pass "$what: ADD crashes (SIGABRT)"
    else
      fail "$what: ADD crashes (SIGABRT) (RC=$RC)"
    fi
  fi
  if [ "$mode" = abort ] || [ "$RC" = 0 ]; then
    cni "$host" "$plugin" DEL "$cid" "/run/netns/$cns" eth0 "$conf"
    expect_eq "$what: DEL succeeds" "$RC:$OUT" "0:"
    cni "$host" "$plugin" GC "" "" "" "$gc"
    expect_eq "$what: GC succeeds" "$RC:$OUT" "0:"
  fi
  left=$(residue "$plugin" "$cid" "$cns" "$before_host" "$before_cont")
  if [ -z "$left" ]; then
    pass "$what: zero residue"
  else
    OUT="" ERR="" fail "$what: residue:"$'\n'"$(printf '%s\n' "$left" | sed 's/^/       /')"
    # Back to a clean state for the next cases (not counted).
    cni "$host" "$plugin" DEL "$cid" "/run/netns/$cns" eth0 "$conf"
    cni "$host" "$plugin" GC "" "" "" "$gc"
  fi
}

for plugin in bridge veth loopback host-local firewall portmap tuning bandwidth; do
  make_ns cns
  # tuning and bandwidth work on a veth pair made by the bridge in a real chain: made here.
  case $plugin in
    tuning) host_end=fitun0 ;;
    bandwidth) host_end=fibw0 ;;
    *) host_end= ;;
  esac
  if [ -n "$host_end" ]; then
    ip -n "$host" link add "$host_end" type veth peer name eth0 netns "$cns"
    ip -n "$host" link set "$host_end" up
    ip -n "$cns" link set eth0 up
  fi
  # A first attachment made and removed: the bridge with its gateway address, the nftables
  # tables, the network's data directory and lock, lo's addresses exist from here on, as they
  # would on any host that ran one container.
  conf=$(conf_of "$plugin")
  cni "$host" "$plugin" ADD "warm-$$" "/run/netns/$cns" eth0 "$conf"
  expect_eq "$plugin: a plain ADD works" "$RC" 0
  cni "$host" "$plugin" DEL "warm-$$" "/run/netns/$cns" eth0 "$conf"
  expect_eq "$plugin: ... and its DEL" "$RC" 0
  settle "$host"
  settle "$cns"
  for point in ${POINTS[$plugin]}; do
    for mode in fail abort; do
      run_case "$plugin" "$cns" "$point" "$mode"
    done
    if is_delegated "$plugin" "$point"; then run_case "$plugin" "$cns" "$point" abort exec; fi
  done
done
echo "$cases (plugin, point, mode) cases"
finish
