#!/usr/bin/env bash
# Podman (4.x, CNI backend) on our plugins: conf/podman/containers.conf and
# conf/podman/cni-podman-ours.conflist (bridge + host-local). Two busybox containers on
# "ournet" get their addresses from our host-local (one with --mac-address), ping each other and
# the gateway; a third one gets a fixed address with `--ip`, which a fourth cannot take, and
# is reachable again right after `podman restart`; `podman rm -f` leaves nothing behind (no
# host veth, reservation, masquerade rule, libcni cache file, netns file, process or cgroup).
# Podman 4.3 passes --ip and --mac-address as CNI_ARGS IP= and MAC= (no runtimeConfig).
# The harness (throwaway host netns, private mounts, the image) is podman_lib.sh's.
. "$(dirname "$0")/lib.sh"

CONF_SNIPPET=$SOURCE_DIR/conf/podman/containers.conf
CONFLIST=$SOURCE_DIR/conf/podman/cni-podman-ours.conflist
NET=ournet
BRIDGE=cni-ours0
SUBNET_PREFIX=10.87.7
GW=$SUBNET_PREFIX.1

SCRIPT_ARGS=("$@")
. "$(dirname "$0")/podman_lib.sh"
podman_outer bridge host-local

# --- Inner part: in the host netns, private mount namespace (ip netns exec).
podman_inner_setup sh sleep ping ip cat ls
names=("$tag-c1" "$tag-c2" "$tag-c3")
data=$work/ipam
mkdir -p "$data"
# The example conflist with host-local's dataDir in $work.
jq --arg d "$data" '.plugins[0].ipam.dataDir = $d' "$CONFLIST" >"$work/net.d/$NET.conflist"


expect_eq "podman sees $NET (its conflist names only plugins it finds)" \
  "$(pm network ls --format '{{.Name}}' 2>"$work/netls.err" | grep -cx "$NET" || true)" 1
check "no warning about the network configs" test ! -s "$work/netls.err"
expect_json "podman network inspect: bridge, subnet and gateway from the conflist" \
  "$(pm network inspect "$NET" 2>/dev/null || echo '[{}]')" \
  '.[0] | [.driver, .network_interface, .subnets[0].subnet, .subnets[0].gateway, .ipam_options.driver]' \
  "[\"bridge\",\"$BRIDGE\",\"$SUBNET_PREFIX.0/24\",\"$GW\",\"host-local\"]"

reservations() { find "$data" -type f -name "$SUBNET_PREFIX.*" 2>/dev/null | sort; }
ct_ip() { pm inspect "$1" --format "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}"; }
ct_id() { pm inspect "$1" --format '{{.Id}}'; }
run_ct() {
  local n=$1 rc=0
  shift
  pm run -d --name "$n" --network "$NET" --cgroup-parent "/$tag" "$@" localhost/box sleep 1000 \
    >"$work/$n.run" 2>&1 || rc=$?
  expect_eq "$n: podman run exits 0" "$rc" 0
  [ "$rc" = 0 ] || { cat "$work/$n.run"; exit 1; }
}

declare -A addr
i=2
# c2 with --mac-address: podman passes CNI_ARGS MAC=, which our bridge honours.
mac2=0a:58:0a:57:07:63
for n in "${names[@]:0:2}"; do
  if [ "$n" = "${names[1]}" ]; then run_ct "$n" --mac-address "$mac2"; else run_ct "$n"; fi
  addr[$n]=$(ct_ip "$n")
  # host-local hands out addresses in order from .2 in a fresh dataDir.
  expect_eq "$n: podman inspect shows host-local's address" "${addr[$n]}" "$SUBNET_PREFIX.$i"
  expect_eq "$n: eth0 in the container has it" \
    "$(pm exec "$n" ip -4 -o addr show dev eth0 | awk '{print $4}')" "$SUBNET_PREFIX.$i/24"
  expect_eq "$n: reservation file holds its container ID and eth0" \
    "$(tr -d '\r' <"$data/$NET/${addr[$n]}" 2>/dev/null | paste -sd' ')" "$(ct_id "$n") eth0"
  expect_eq "$n: default route via the gateway" \
    "$(pm exec "$n" ip -4 route show default | awk '{print $3}')" "$GW"
  i=$((i + 1))
done
expect_eq "c2: eth0 has the --mac-address MAC" "$(pm exec "${names[1]}" cat /sys/class/net/eth0/address)" "$mac2"
expect_eq "host: $BRIDGE has the gateway address" \
  "$(ip -4 -j addr show dev "$BRIDGE" | jq -c '[.[0].addr_info[] | "\(.local)/\(.prefixlen)"]')" "[\"$GW/24\"]"
expect_eq "host: one veth per container on $BRIDGE" "$(ip -j link show master "$BRIDGE" type veth | jq length)" 2
expect_eq "host: hairpin mode on the bridge ports" \
  "$(bridge -d -j link show | jq -c '[.[] | select(.master == "'"$BRIDGE"'") | .hairpin] | unique')" '[true]'
expect_eq "host: two reservations" "$(reservations | wc -l)" 2
expect_eq "host: a masquerade rule per container" \
  "$(nft -j list ruleset | jq '[.nftables[] | select(.rule) | .rule | select(any(.expr[]; has("masquerade")))] | length')" 2
c1=${names[0]} c2=${names[1]}
check "c1 pings c2" pm exec "$c1" ping -c1 -W2 "${addr[$c2]}"
check "c2 pings c1" pm exec "$c2" ping -c1 -W2 "${addr[$c1]}"
for n in "$c1" "$c2"; do check "$n pings the gateway $GW" pm exec "$n" ping -c1 -W2 "$GW"; done
check "the host pings c1 through $BRIDGE" ping -c1 -W2 "${addr[$c1]}"

# --ip: podman 4.3 passes CNI_ARGS IP=<address> (not runtimeConfig.ips, although the bridge
# declares the ips capability as in the conflists podman writes); host-local reserves it. A
# second container asking for it fails in host-local, and its DEL does not free c3's address.
c3=${names[2]}
fixed=$SUBNET_PREFIX.77
run_ct "$c3" --ip "$fixed"
expect_eq "c3: podman inspect shows the --ip address" "$(ct_ip "$c3")" "$fixed"
expect_eq "c3: eth0 has it" "$(pm exec "$c3" ip -4 -o addr show dev eth0 | awk '{print $4}')" "$fixed/24"
expect_eq "c3: reservation file for $fixed holds its container ID" \
  "$(head -n1 "$data/$NET/$fixed" 2>/dev/null | tr -d '\r')" "$(ct_id "$c3")"
check "c1 pings c3 ($fixed)" pm exec "$c1" ping -c1 -W2 "$fixed"
rc=0
pm run -d --name "$tag-dup" --network "$NET" --cgroup-parent "/$tag" --ip "$fixed" localhost/box sleep 1000 \
  >"$work/dup.run" 2>&1 || rc=$?
names+=("$tag-dup")
[ "$rc" != 0 ] && pass "a second --ip $fixed is refused" || fail "a second --ip $fixed was accepted"
check "the refusal is host-local's" grep -q "host-local: .*requested IP address $fixed is not available" "$work/dup.run"
expect_eq "after the refused run: still three reservations" "$(reservations | wc -l)" 3
expect_eq "after the refused run: three veths" "$(ip -j link show type veth | jq length)" 3
pm rm -f -t 0 "$tag-dup" >/dev/null 2>&1 || true

# podman restart: DEL, then ADD in a new netns with a new veth and MAC, the same --ip. c1
# still has c3's old MAC in its neighbour cache; the gratuitous ARP our bridge makes the
# kernel send on ADD updates it, so c1 reaches c3 at once (not 15 to 45 s later).
old_mac=$(pm exec "$c3" cat /sys/class/net/eth0/address)
check "c3: podman restart" pm restart -t 0 "$c3"
expect_eq "c3: same address after the restart" "$(ct_ip "$c3")" "$fixed"
check "c3: new MAC after the restart" test "$(pm exec "$c3" cat /sys/class/net/eth0/address)" != "$old_mac"
expect_eq "after the restart: three reservations, three veths" \
  "$(reservations | wc -l):$(ip -j link show type veth | jq length)" "3:3"
check "c1 pings c3 right after its restart" pm exec "$c1" ping -c1 -W2 "$fixed"

# Netns files podman created (in the private /run/netns) and libcni's result cache (in the
# private /var/lib/cni) while the containers run.
expect_eq "three podman netns files in /run/netns" "$(find /run/netns -mindepth 1 2>/dev/null | wc -l)" 3
expect_eq "three libcni cache files in /var/lib/cni/results" \
  "$(find /var/lib/cni/results -type f -name "$NET-*-eth0" 2>/dev/null | wc -l)" 3

# podman rm -f: DEL through our plugins, then nothing left.
for n in "$c1" "$c2" "$c3"; do check "$n: podman rm -f" pm rm -f -t 0 "$n"; done
expect_eq "podman lists no container" "$(pm ps -a --format '{{.Names}}' | grep -c "$tag" || true)" 0
expect_eq "no veth left in the host netns" "$(ip -j link show type veth | jq -c '[.[].ifname]')" '[]'
expect_eq "no reservation left" "$(reservations)" ""
expect_eq "$BRIDGE keeps only the gateway address" \
  "$(ip -4 -j addr show dev "$BRIDGE" | jq -c '[.[0].addr_info[] | "\(.local)/\(.prefixlen)"]')" "[\"$GW/24\"]"
expect_eq "no masquerade rule left" \
  "$(nft -j list ruleset | jq '[.nftables[] | select(.rule) | .rule | select(any(.expr[]; has("masquerade")))] | length')" 0
expect_eq "no netns file left in /run/netns" "$(find /run/netns -mindepth 1 2>/dev/null)" ""
expect_eq "no libcni cache file left in /var/lib/cni" "$(find /var/lib/cni -type f 2>/dev/null)" ""
expect_eq "no container cgroup (libpod-*) left under /$tag" \
  "$(find /sys/fs/cgroup -mindepth 3 -maxdepth 3 -type d -path "*/$tag/libpod-*" 2>/dev/null)" ""
expect_eq "no process left in the cgroups under /$tag (conmon's included)" \
  "$(find /sys/fs/cgroup -mindepth 3 -maxdepth 4 -path "*/$tag/*" -name cgroup.procs -exec cat {} + 2>/dev/null)" ""
remove_cgroup_parent
names=()
finish
