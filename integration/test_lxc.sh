#!/usr/bin/env bash
# LXC: two busybox containers attached to conf/lxc/lxcnet.conflist (bridge + host-local +
# loopback) by conf/lxc/cni-hook through our cnitool, configured with conf/lxc/container.conf.
# They get their host-local addresses, ping each other and the gateway, and stopping them
# leaves nothing behind (no host veth, reservation, cache file, process or cgroup).
#
# Everything runs in one throwaway "host" netns and the private mount namespace of
# `ip netns exec`, where /sys/fs/cgroup is mounted again (the same hierarchies) and /run is a
# tmpfs; LXC gets a private lxcpath and cgroup dir names, cnitool a private cache dir and
# host-local a private dataDir. The script runs itself again inside (--inner); the outer part
# checks what the inner one could leave in the machine's real /sys/fs/cgroup.
. "$(dirname "$0")/lib.sh"

HOOK=$SOURCE_DIR/conf/lxc/cni-hook
SNIPPET=$SOURCE_DIR/conf/lxc/container.conf
CONFLIST=$SOURCE_DIR/conf/lxc/lxcnet.conflist

if [ "${1:-}" != --inner ]; then
  for b in lxc-create lxc-start lxc-stop lxc-destroy lxc-attach lxc-info lxc-wait; do
    command -v "$b" >/dev/null || { echo "SKIP: $TEST_NAME: $b not installed (apt-get install lxc lxc-templates)"; exit 0; }
  done
  [ -x "$BIN_DIR/cnitool" ] || { echo "FAIL: no cnitool in $BIN_DIR (tools/ not built?)"; exit 1; }
  [ -f /usr/share/lxc/templates/lxc-busybox ] || { echo "FAIL: no lxc busybox template (lxc-templates)"; exit 1; }
  command -v busybox >/dev/null || { echo "FAIL: no busybox (busybox-static)"; exit 1; }
  make_ns host
  make_tmpdir work
  chmod 755 "$work"
  tag="cnit-lxc-$$"
  # Cgroup hierarchies to mount again inside (`ip netns exec` remounts /sys): TYPE DIR OPTIONS.
  awk '$5 ~ "^/sys/fs/cgroup(/|$)" && $4 == "/" { for (i = 7; $i != "-"; i++); print $(i+1), $5, $(i+3) }' \
    /proc/self/mountinfo >"$work/cgroups"
  cgroup_residue() { find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d -name "$tag*" 2>/dev/null || true; }
  # The inner part records every PID it starts (lxc monitors, container inits) in $work/pids.
  inner_pid=""
  outer_cleanup() {
    local pid d i
    # Interrupted: the inner part stops and destroys its containers on TERM.
    if [ -n "$inner_pid" ] && kill -0 "$inner_pid" 2>/dev/null; then
      kill -TERM "$inner_pid" 2>/dev/null
      for i in $(seq 300); do kill -0 "$inner_pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$inner_pid" 2>/dev/null && kill -9 "$inner_pid" 2>/dev/null
    fi
    while read -r pid; do
      if [ -r "/proc/$pid/cgroup" ] && grep -q "$tag" "/proc/$pid/cgroup" "/proc/$pid/cmdline" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null || true
      fi
    done < <(cat "$work/pids" 2>/dev/null)
    for i in $(seq 30); do
      [ -z "$(cgroup_residue)" ] && break
      for d in $(cgroup_residue | sort -r); do rmdir "$d" 2>/dev/null; done
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
  alive=""
  while read -r pid; do [ ! -d "/proc/$pid" ] || alive+=" $pid"; done < <(cat "$work/pids" 2>/dev/null)
  expect_eq "no process started by the test is left" "$alive" ""
  expect_eq "no cgroup named $tag* left in the real /sys/fs/cgroup" "$(cgroup_residue)" ""
  if [ "$rc" != 0 ]; then
    echo "--- cni-hook log"
    cat "$work/hook.log" 2>/dev/null || true
    echo "--- LXC errors"
    grep -h -v 'Unsupported config key' "$work"/*.log 2>/dev/null | grep -E 'ERROR|FAIL|failed' | tail -n 30 || true
  fi
  finish
  exit
fi

# --- Inner part: in the host netns, private mount namespace (ip netns exec).
work=$2 tag=$3
lxcpath=$work/lxc
names=("$tag-c1" "$tag-c2")
created=()
data=$work/ipam
cache=$work/cache
mkdir -p "$lxcpath" "$work/net.d"

inner_cleanup() {
  local n pid
  for n in "${created[@]}"; do
    lxc-stop -P "$lxcpath" -n "$n" -k -t 5 >/dev/null 2>&1 || true
    lxc-destroy -P "$lxcpath" -n "$n" -f >/dev/null 2>&1 || true
  done
  while read -r pid; do
    if [ -r "/proc/$pid/cgroup" ] && grep -q "$tag" "/proc/$pid/cgroup" "/proc/$pid/cmdline" 2>/dev/null; then
      kill -9 "$pid" 2>/dev/null || true
    fi
  done < <(cat "$work/pids" 2>/dev/null)
}
trap 'rc=$?; set +e; inner_cleanup; (exit $rc); _cleanup' EXIT

# The cgroup hierarchies again (on a private tmpfs unless cgroup2 is /sys/fs/cgroup itself);
# /run private (LXC's lock files).
grep -q '^cgroup2 /sys/fs/cgroup ' "$work/cgroups" || mount -t tmpfs -o mode=755 cgroup_root /sys/fs/cgroup
while read -r type dir opts; do
  case $type in cgroup | cgroup2) ;; *) continue ;; esac
  [ "$dir" = /sys/fs/cgroup ] || mkdir -p "$dir"
  mount -t "$type" -o "$opts" "$type" "$dir"
done <"$work/cgroups"
mount -t tmpfs -o mode=755 run_private /run
ip link set lo up

# Network config: the example conflist with its dataDir in $work; the hook's config file.
jq --arg d "$data" '.plugins[0].ipam.dataDir = $d' "$CONFLIST" >"$work/net.d/lxcnet.conflist"
cat >"$work/cni-hook.conf" <<EOF
# cni-hook configuration for $TEST_NAME
CNI_NETWORK=lxcnet
NETCONFPATH="$work/net.d"
CNI_PATH=$BIN_DIR
CNI_CACHE_DIR='$cache'
HOOK_LOG_FILE=$work/hook.log
EOF

# container_conf NAME: conf/lxc/container.conf with the real paths, plus private cgroup names.
container_conf() {
  sed -e "s#/opt/cni/lxc/cni-hook#$HOOK#g" -e "s#/etc/lxc/cni-hook.conf#$work/cni-hook.conf#g" "$SNIPPET"
  echo "lxc.cgroup.dir.container = $1"
  echo "lxc.cgroup.dir.monitor = $1-monitor"
}
in_ct() { lxc-attach -P "$lxcpath" -n "$1" --clear-env -- "${@:2}"; }
ct_addr() { nsenter -t "$(lxc-info -P "$lxcpath" -n "$1" -pH)" -n ip -4 -j addr show dev eth0 | jq -r '.[0].addr_info[0] | "\(.local)/\(.prefixlen)"'; }
reservations() { find "$data" -type f -name '10.*' 2>/dev/null | sort; }
cache_files() { find "$cache" -type f 2>/dev/null | sort; }

for n in "${names[@]}"; do
  container_conf "$n" >"$work/$n.conf"
  created+=("$n")
  if ! lxc-create -P "$lxcpath" -n "$n" -t busybox -f "$work/$n.conf" >"$work/$n-create.log" 2>&1; then
    cat "$work/$n-create.log"
    fail "lxc-create $n"
    exit 1
  fi
  # udhcpc would flush the address CNI sets.
  sed -i '/udhcpc/d' "$lxcpath/$n/rootfs/etc/init.d/rcS"
  check "$n: config has the hooks from container.conf" grep -q "^lxc.hook.start-host = $HOOK" "$lxcpath/$n/config"
done

gw=10.89.0.1
i=2
declare -A addr
for n in "${names[@]}"; do
  rc=0
  lxc-start -P "$lxcpath" -n "$n" -d -p "$work/$n.monitor.pid" -o "$work/$n.log" -l INFO || rc=$?
  expect_eq "$n: lxc-start exits 0" "$rc" 0
  [ "$rc" = 0 ] || exit 1
  cat "$work/$n.monitor.pid" >>"$work/pids"
  check "$n: RUNNING" lxc-wait -P "$lxcpath" -n "$n" -s RUNNING -t 10
  lxc-info -P "$lxcpath" -n "$n" -pH >>"$work/pids"
  addr[$n]=$(ct_addr "$n")
  # host-local hands out addresses in order from .2 in a fresh dataDir.
  expect_eq "$n: eth0 has host-local's address" "${addr[$n]}" "10.89.0.$i/24"
  ip=${addr[$n]%/*}
  expect_eq "$n: reservation file holds its container ID (LXC_NAME)" \
    "$(head -n1 "$data/lxcnet/$ip" 2>/dev/null | tr -d '\r')" "$n"
  f=$cache/results/lxcnet-$n-eth0
  check "$n: cnitool cache file $(basename "$f")" test -f "$f"
  expect_json "$n: cached result is the address on eth0" "$(cat "$f" 2>/dev/null || echo '{}')" \
    '.result.ips[0].address' "\"${addr[$n]}\""
  expect_eq "$n: default route via the gateway" \
    "$(nsenter -t "$(lxc-info -P "$lxcpath" -n "$n" -pH)" -n ip -4 -j route show default | jq -r '.[0].gateway')" "$gw"
  expect_eq "$n: lo is up (loopback plugin)" \
    "$(nsenter -t "$(lxc-info -P "$lxcpath" -n "$n" -pH)" -n ip -j link show lo | jq -r '.[0].flags | index("UP") != null')" true
  i=$((i + 1))
done
expect_eq "host: one veth per container on cni-lxc0" "$(ip -j link show master cni-lxc0 type veth | jq length)" 2
expect_eq "host: two reservations" "$(reservations | wc -l)" 2
check "c1 pings c2" in_ct "${names[0]}" /bin/ping -c1 -W2 "${addr[${names[1]}]%/*}"
check "c2 pings c1" in_ct "${names[1]}" /bin/ping -c1 -W2 "${addr[${names[0]}]%/*}"
for n in "${names[@]}"; do check "$n pings the gateway $gw" in_ct "$n" /bin/ping -c1 -W2 "$gw"; done
check "the host pings c1 through cni-lxc0" ping -c1 -W2 "${addr[${names[0]}]%/*}"

# Stop: the stop hook DELs (lxc.hook.version = 1, LXC_NET_NS).
for n in "${names[@]}"; do
  check "$n: lxc-stop" lxc-stop -P "$lxcpath" -n "$n" -t 10
done
for _ in $(seq 50); do
  alive=0
  while read -r pid; do [ ! -d "/proc/$pid" ] || alive=1; done <"$work/pids"
  [ "$alive" = 0 ] && break
  sleep 0.1
done
alive=""
while read -r pid; do [ ! -d "/proc/$pid" ] || alive+=" $pid"; done <"$work/pids"
expect_eq "monitors and container inits are gone" "$alive" ""
expect_eq "no veth left in the host netns" "$(ip -j link show type veth | jq -c '[.[].ifname]')" '[]'
expect_eq "no reservation left" "$(reservations)" ""
expect_eq "no cache file left" "$(cache_files)" ""
expect_eq "the hook logged one ADD and one DEL per container" \
  "$(grep -c 'cnitool add ok' "$work/hook.log"):$(grep -c 'cnitool del ok' "$work/hook.log")" "2:2"

# A start that fails after ADD (a second start-host hook fails): LXC still runs the stop hook,
# whose DEL undoes the ADD. A start whose ADD fails (host-local refuses CNI_ARGS IP= outside
# the range; the bridge plugin rolls back): the stop hook's DEL finds nothing and succeeds.
bad=("$tag-c3" "$tag-c4")
container_conf "${bad[0]}" >"$work/${bad[0]}.conf"
echo "lxc.hook.start-host = /bin/false" >>"$work/${bad[0]}.conf"
container_conf "${bad[1]}" | sed "s#^lxc.hook.start-host = .*#& CNI_ARGS=IP=192.0.2.9#" >"$work/${bad[1]}.conf"
for n in "${bad[@]}"; do
  created+=("$n")
  lxc-create -P "$lxcpath" -n "$n" -t busybox -f "$work/$n.conf" >"$work/$n-create.log" 2>&1 || { fail "lxc-create $n"; exit 1; }
  sed -i '/udhcpc/d' "$lxcpath/$n/rootfs/etc/init.d/rcS"
  rc=0
  lxc-start -P "$lxcpath" -n "$n" -d -p "$work/$n.monitor.pid" -o "$work/$n.log" -l INFO 2>>"$work/$n-start.log" || rc=$?
  cat "$work/$n.monitor.pid" >>"$work/pids" 2>/dev/null || true
  [ "$rc" != 0 ] && pass "$n: lxc-start fails" || fail "$n: lxc-start succeeded"
  lxc-wait -P "$lxcpath" -n "$n" -s STOPPED -t 10 >/dev/null 2>&1 || true
done
for _ in $(seq 50); do
  [ "$(grep -c "${bad[1]} stop: cnitool del ok\|${bad[0]} stop: cnitool del ok" "$work/hook.log")" = 2 ] && break
  sleep 0.1
done
expect_eq "${bad[0]}: ADD ran, then the stop hook's DEL" \
  "$(grep -c "${bad[0]} start-host: cnitool add ok" "$work/hook.log"):$(grep -c "${bad[0]} stop: cnitool del ok" "$work/hook.log")" "1:1"
check "${bad[1]}: ADD failed on the requested IP" grep -q "${bad[1]} start-host: cnitool .*192.0.2.9" "$work/hook.log"
expect_eq "${bad[1]}: ADD failed, the stop hook's DEL succeeded" \
  "$(grep -c "${bad[1]} start-host: error: cnitool add failed" "$work/hook.log"):$(grep -c "${bad[1]} stop: cnitool del ok" "$work/hook.log")" "1:1"
expect_eq "after the failed starts: no veth" "$(ip -j link show type veth | jq -c '[.[].ifname]')" '[]'
expect_eq "after the failed starts: no reservation" "$(reservations)" ""
expect_eq "after the failed starts: no cache file" "$(cache_files)" ""

# The hook refuses its own network namespace (here: the test's host netns) for ADD and DEL,
# and a version 0 hook; nothing changes.
hook() { env -i PATH="$PATH" LXC_NAME="$tag-self" LXC_HOOK_VERSION=1 "$@" "$HOOK" "$work/cni-hook.conf" 2>>"$work/refused.log"; }
rc=0; hook LXC_HOOK_TYPE=start-host LXC_PID=$$ || rc=$?
expect_eq "start-host with LXC_PID in the hook's netns: refused (3)" "$rc" 3
rc=0; hook LXC_HOOK_TYPE=stop LXC_NET_NS=/proc/$$/ns/net || rc=$?
expect_eq "stop with LXC_NET_NS = the hook's netns: refused (3)" "$rc" 3
rc=0; hook LXC_HOOK_TYPE=stop LXC_NET_NS=/proc/$$/ns/net LXC_HOOK_VERSION=0 || rc=$?
expect_eq "lxc.hook.version 0: refused (2)" "$rc" 2
check "the refusals say why" grep -q "own network namespace.*refusing" "$work/refused.log"
expect_eq "host lo still up" "$(ip -j link show lo | jq -r '.[0].flags | index("UP") != null')" true
expect_eq "host: no veth, reservation or cache file from the refused calls" \
  "$(ip -j link show type veth | jq length):$(reservations | wc -l):$(cache_files | wc -l)" "0:0:0"

alive=""
while read -r pid; do [ ! -d "/proc/$pid" ] || alive+=" $pid"; done <"$work/pids"
expect_eq "failed starts left no process" "$alive" ""

for n in "${names[@]}" "${bad[@]}"; do
  check "$n: lxc-destroy" lxc-destroy -P "$lxcpath" -n "$n"
  check "$n: its directory is gone" test ! -e "$lxcpath/$n"
done
expect_eq "no cgroup named $tag* left" \
  "$(find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d -name "$tag*" 2>/dev/null)" ""
created=()
finish
