#!/usr/bin/env bash
# valgrind memcheck on one ADD, CHECK and DEL of each plugin (firewall included) (bridge and veth also exec
# host-local, which valgrind follows): zero errors and no definite or indirect leak. Skipped
# on sanitizer builds, which valgrind cannot run, and when valgrind is not installed.
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || { echo "SKIP: valgrind is not installed"; exit 0; }
# The symbol tables are read whole before matching: `nm | grep -q` under pipefail fails when
# grep stops early and nm dies of SIGPIPE, which ran memcheck on an ASan build now and then.
symbols=$({ nm -D "$BIN_DIR/loopback"; nm "$BIN_DIR/loopback"; } 2>/dev/null || true)
if [[ $symbols == *__asan_init* ]]; then
  echo "SKIP: $BIN_DIR holds a sanitizer build"
  exit 0
fi

make_ns host
make_ns ctr
make_tmpdir data
make_tmpdir logs
ip -n "$host" link set lo up

# memcheck PLUGIN COMMAND CONFIG: runs one command under valgrind in the host namespace; sets
# OUT and RC; a memcheck error makes the run exit 99, whatever the plugin's own exit code.
memcheck() {
  local plugin=$1 cmd=$2 config=$3 log="$logs/$1-$2.%p.log"
  set +e
  OUT=$(printf '%s' "$config" | ip netns exec "$host" env -i PATH="$PATH" \
    CNI_COMMAND="$cmd" CNI_CONTAINERID=vg1 CNI_NETNS="/run/netns/$ctr" CNI_IFNAME="${IFNAME:-eth0}" \
    CNI_PATH="$BIN_DIR" valgrind --tool=memcheck --trace-children=yes \
    --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --log-file="$log" "$BIN_DIR/$plugin" 2>/dev/null)
  RC=$?
  set -e
  # valgrind's own warnings (ioctls it does not know) are not memcheck errors.
  local runs errors
  runs=$(cat "$logs/$plugin-$cmd".*.log | grep -c 'ERROR SUMMARY: 0 errors' || true)
  errors=$(grep -l 'ERROR SUMMARY: [1-9]' "$logs/$plugin-$cmd".*.log || true)
  if [ "$RC" = 0 ] && [ -z "$errors" ] && [ "$runs" -ge 1 ]; then
    pass "$plugin $cmd: exit 0, no memcheck error"
  else
    ERR=$(cat $errors /dev/null) fail "$plugin $cmd under memcheck: rc=$RC"
  fi
}

# each plugin: ADD, CHECK with the ADD result, DEL
cycle() {
  local plugin=$1 config=$2 result
  memcheck "$plugin" ADD "$config"
  result=$OUT
  memcheck "$plugin" CHECK "$(printf '%s' "$config" | jq -c --argjson r "$result" '. + {prevResult: $r}')"
  memcheck "$plugin" DEL "$config"
}

IFNAME=lo cycle loopback '{"cniVersion":"1.1.0","name":"vglo","type":"loopback"}'
cycle bridge "$(printf '{"cniVersion":"1.1.0","name":"vgbr","type":"bridge","bridge":"vgbr0",
  "isGateway":true,"ipMasq":true,"ipam":{"type":"host-local","dataDir":"%s","subnet":"10.66.0.0/24"}}' "$data")"
expect_eq "bridge DEL removed the container's veth" "$(ip -n "$ctr" -j link show | jq '[.[] | select(.ifname=="eth0")] | length')" 0
cycle veth "$(printf '{"cniVersion":"1.1.0","name":"vgveth","type":"veth","ipMasq":true,
  "ipam":{"type":"host-local","dataDir":"%s","subnet":"10.67.0.0/24"}}' "$data")"
expect_eq "no reservation left" "$(find "$data" -name '10.*' | wc -l)" 0
expect_eq "no host veth left" "$(ip -n "$host" -j link show type veth | jq length)" 0
cycle firewall '{"cniVersion":"1.1.0","name":"vgfw","type":"firewall","ingressPolicy":"isolated",
  "prevResult":{"cniVersion":"1.1.0","interfaces":[{"name":"vgbr0"}],
  "ips":[{"address":"10.66.0.9/24"},{"address":"fd66::9/64"}]}}'
expect_eq "firewall DEL removed its rules" \
  "$(ip netns exec "$host" iptables-save 2>/dev/null | grep -c 'vgfw' || true)" 0

finish
