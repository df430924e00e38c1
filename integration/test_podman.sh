#!/usr/bin/env bash
# Podman (4.x, CNI backend) on our plugins: conf/podman/containers.conf and
# conf/podman/cni-podman-ours.conflist (bridge + host-local). Two busybox containers on
# "ournet" get their addresses from our host-local (one with --mac-address), ping each other and
# the gateway; a third one gets a fixed address with `--ip`, which a fourth cannot take, and
# is reachable again right after `podman restart`; `podman rm -f` leaves nothing behind (no
# host veth, reservation, masquerade rule, libcni cache file, netns file, process or cgroup).
# Podman 4.3 passes --ip and --mac-address as CNI_ARGS IP= and MAC= (no runtimeConfig).
#
# Everything runs in one throwaway "host" netns and the private mount namespace of
# `ip netns exec`, where /sys/fs/cgroup is mounted again (the same cgroup v1 and v2
# hierarchies), and /run and /var/lib are private tmpfs mounts (podman's netns files, libpod
# and runc state, the libcni cache in /var/lib/cni). Podman gets a private CONTAINERS_CONF,
# --root/--runroot/--tmpdir, network_config_dir and image_copy_tmp_dir; host-local a private
# dataDir; containers a cgroup parent of our own name. The runtime is runc: crun 1.8 refuses
# hybrid cgroup v1+v2 hosts. The script runs itself again inside (--inner); the outer part
# checks what the inner one could leave in the machine's real /sys/fs/cgroup and process table.
. "$(dirname "$0")/lib.sh"

CONF_SNIPPET=$SOURCE_DIR/conf/podman/containers.conf
CONFLIST=$SOURCE_DIR/conf/podman/cni-podman-ours.conflist
NET=ournet
BRIDGE=cni-ours0
SUBNET_PREFIX=10.87.7
GW=$SUBNET_PREFIX.1

if [ "${1:-}" != --inner ]; then
  command -v podman >/dev/null || { echo "SKIP: $TEST_NAME: podman not installed (apt-get install podman)"; exit 0; }
  for b in runc conmon busybox jq; do
    command -v "$b" >/dev/null || { echo "FAIL: $TEST_NAME: $b not installed"; exit 1; }
  done
  # The image holds nothing but busybox: it must be the static one (busybox-static).
  if ldd "$(command -v busybox)" >/dev/null 2>&1; then
    echo "FAIL: $TEST_NAME: busybox is dynamically linked (apt-get install busybox-static)"
    exit 1
  fi
  for p in bridge host-local; do
    [ -x "$BIN_DIR/$p" ] || { echo "FAIL: no $p in $BIN_DIR"; exit 1; }
  done
  make_ns host
  make_tmpdir work
  chmod 755 "$work"
  tag="cnit-podman-$$"
  # Cgroup hierarchies to mount again inside (`ip netns exec` remounts /sys): TYPE DIR OPTIONS.
  awk '$5 ~ "^/sys/fs/cgroup/" && $4 == "/" { for (i = 7; $i != "-"; i++); print $(i+1), $5, $(i+3) }' \
    /proc/self/mountinfo >"$work/cgroups"
  # Containers' cgroups are under a parent named $tag (libpod-<id>, conmon): list children first.
  cgroup_residue() {
    find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d \( -name "$tag*" -o -path "*/$tag*/*" \) 2>/dev/null |
      sort -r || true
  }
  # Our processes: every conmon, container process and podman of this run has $work in its
  # command line or $tag in its cgroup path (the inner part's own shell has neither).
  our_pids() {
    local d pid
    for d in /proc/[0-9]*; do
      pid=${d#/proc/}
      [ "$pid" != $$ ] || continue
      if grep -qF -- "$tag" "$d/cgroup" 2>/dev/null ||
        { tr '\0' ' ' <"$d/cmdline" | grep -qF -- "$work/"; } 2>/dev/null; then
        echo "$pid"
      fi
    done
  }
  inner_pid=""
  outer_cleanup() {
    local pid d i
    # Interrupted: the inner part removes its containers on TERM.
    if [ -n "$inner_pid" ] && kill -0 "$inner_pid" 2>/dev/null; then
      kill -TERM "$inner_pid" 2>/dev/null
      for i in $(seq 300); do kill -0 "$inner_pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$inner_pid" 2>/dev/null && kill -9 "$inner_pid" 2>/dev/null
    fi
    for pid in $(our_pids); do kill -9 "$pid" 2>/dev/null || true; done
    for i in $(seq 30); do
      [ -z "$(cgroup_residue)" ] && break
      for d in $(cgroup_residue); do rmdir "$d" 2>/dev/null; done
      sleep 0.1
    done
  }
  # lib.sh's _cleanup exits with the status it finds in $?: hand it the script's.
  trap 'rc=$?; set +e; outer_cleanup; (exit $rc); _cleanup' EXIT

  ip netns exec "$host" bash "$0" --inner "$work" "$tag" &
  inner_pid=$!
  rc=0
  wait "$inner_pid" || rc=$?
  inner_pid=""
  expect_eq "inner scenario (in netns $host) passed" "$rc" 0
  sleep 0.2
  expect_eq "no process started by the test is left" "$(our_pids | tr '\n' ' ')" ""
  expect_eq "no cgroup named $tag* left in the real /sys/fs/cgroup" "$(cgroup_residue)" ""
  expect_eq "no mount of the test's left in the root mount namespace" \
    "$(grep -cF -- "$work" /proc/self/mountinfo || true)" 0
  finish
  exit
fi

# --- Inner part: in the host netns, private mount namespace (ip netns exec).
work=$2 tag=$3
names=("$tag-c1" "$tag-c2" "$tag-c3")
data=$work/ipam
export CONTAINERS_CONF=$work/containers.conf
export TMPDIR=$work/tmp
mkdir -p "$work/net.d" "$work/tmp" "$data"
pm() { podman --root "$work/storage" --runroot "$work/runroot" --tmpdir "$work/libpod" --storage-driver vfs "$@"; }

# remove_cgroup_parent: our cgroup parent and conmon's cgroup in it (podman leaves both).
remove_cgroup_parent() {
  find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -depth -type d \( -name "$tag" -o -path "*/$tag/*" \) \
    -exec rmdir {} + 2>/dev/null || true
}
inner_cleanup() {
  local n
  for n in "${names[@]}"; do pm rm -f -t 0 "$n" >/dev/null 2>&1 || true; done
  remove_cgroup_parent
}
trap 'rc=$?; set +e; inner_cleanup; (exit $rc); _cleanup' EXIT

# The cgroup hierarchies again, on a private tmpfs; /run and /var/lib private.
mount -t tmpfs -o mode=755 cgroup_root /sys/fs/cgroup
while read -r type dir opts; do
  case $type in cgroup | cgroup2) ;; *) continue ;; esac
  mkdir -p "$dir"
  mount -t "$type" -o "$opts" "$type" "$dir"
done <"$work/cgroups"
mount -t tmpfs -o mode=755 run_private /run
mount -t tmpfs -o mode=755 varlib_private /var/lib
ip link set lo up

# containers.conf: the user snippet with our paths, plus what this machine needs.
{
  sed -e "s#^cni_plugin_dirs = .*#cni_plugin_dirs = [\"$BIN_DIR\"]#" \
    -e "s#^network_config_dir = .*#network_config_dir = \"$work/net.d\"#" "$CONF_SNIPPET"
  cat <<EOF

[containers]
# No CAP_SYS_RESOURCE here: Podman's default rlimits would fail in setrlimit.
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
image_copy_tmp_dir = "$work/tmp"
EOF
} >"$CONTAINERS_CONF"
# The example conflist with host-local's dataDir in $work.
jq --arg d "$data" '.plugins[0].ipam.dataDir = $d' "$CONFLIST" >"$work/net.d/$NET.conflist"

# The image: busybox-static and its applet links.
rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp"
cp "$(command -v busybox)" "$rootfs/bin/busybox"
for a in sh sleep ping ip cat ls; do ln -s busybox "$rootfs/bin/$a"; done
if ! tar -C "$rootfs" -c . | pm import - localhost/box >"$work/import.log" 2>&1; then
  cat "$work/import.log"
  fail "podman import"
  exit 1
fi
pass "podman import of busybox-static as localhost/box"

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
