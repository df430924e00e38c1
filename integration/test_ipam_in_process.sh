#!/usr/bin/env bash
# In-process IPAM (common/cni/in_process.hpp): our plugins are one executable; when the
# host-local that CNI_PATH resolves to is that same file, bridge and veth run it on a thread
# instead of exec'ing it. Every scenario runs twice, in-process and with CNI_CPP_IPAM_EXEC=1
# (exec forced), each in its own throwaway host namespace and data dir, and the two must agree:
# results, error codes and messages, and the data dir's files and contents after each step.
# Which way ran is read from the plugin's log: host-local's lines carry the pid of the process
# that ran them. A host-local that is another file (a copy of ours, the reference's) is exec'd.
. "$(dirname "$0")/lib.sh"

make_tmpdir work

# conf NAME SUBNET DATADIR LOGFILE [plugin]: a bridge (or ptp) network with host-local, dual stack
# when SUBNET6 is set.
conf() {
  local name=$1 subnet=$2 data=$3 log=$4 type=${5:-bridge} ranges
  ranges=$(printf '[[{"subnet":"%s"}]' "$subnet")
  [ -z "${SUBNET6:-}" ] || ranges+=$(printf ',[{"subnet":"%s"}]' "$SUBNET6")
  ranges+="]"
  printf '{"cniVersion":"1.1.0","name":"%s","type":"%s","bridge":"ipbr0","isGateway":true,
    "logLevel":"debug","logFile":"%s",
    "ipam":{"type":"host-local","dataDir":"%s","ranges":%s}}' \
    "$name" "$type" "$log" "$data" "$ranges"
}

# The result without what differs between two runs by construction (MACs, netns paths, the
# host veth's random name).
normalise() {
  printf '%s' "$1" | jq -cS 'del(.interfaces[]?.mac, .interfaces[]?.sandbox) |
    .interfaces |= map(if (.name | startswith("veth")) then .name = "veth*" else . end)' \
    2>/dev/null || printf '%s' "$1"
}

# files DIR: every file of the data dir with its content, but for our index (its seal records
# mtimes) and the lock (empty either way, but created on first use).
files() {
  (cd "$1" && find . -path ./.cni-cpp-host-local -prune -o -type f ! -name lock -print | sort |
    while read -r f; do printf '%s: %s\n' "$f" "$(tr '\n' '|' <"$f")"; done)
}

# pids_of LOG PLUGIN: the distinct pids of PLUGIN's lines in LOG.
pids_of() { sed -n "s/.* $2\[\([0-9]*\)\].*/\1/p" "$1" | sort -u | tr '\n' ' '; }

# run_way WAY: runs every scenario in a fresh host namespace; WAY is inproc or exec. Writes
# one line per step to $work/WAY.out ("step: normalised output") and the data dir listing.
run_way() {
  local way=$1 host c1 c2 c3 data log extra=() n add1
  [ "$way" = exec ] && extra=(CNI_CPP_IPAM_EXEC=1)
  make_ns host
  make_ns c1
  make_ns c2
  make_ns c3
  ip -n "$host" link set lo up
  data=$work/$way-data
  log=$work/$way.log
  mkdir -p "$data"
  : >"$log"
  # Namespace names differ between the two runs: the output names them by role.
  exec 3> >(sed -e "s/$host/HOST/g" -e "s/$c1/C1/g" -e "s/$c2/C2/g" -e "s/$c3/C3/g" \
    >"$work/$way.out")
  SUBNET6=fd77::/64
  local main small
  main=$(conf ipnet 10.77.0.0/24 "$data" "$log")
  small=$(SUBNET6="" conf ipsmall 10.78.0.0/30 "$data" "$log" | jq -c '.bridge = "ipbr1"')
  for n in 1 2; do
    local ns=c$n
    cni "$host" bridge ADD "ct$n" "/run/netns/${!ns}" eth0 "$main" "${extra[@]}"
    [ "$n" = 2 ] || add1=$OUT
    echo "ADD ct$n: rc=$RC $(normalise "$OUT")" >&3
    echo "files after ADD ct$n:" >&3
    files "$data" >&3
  done
  cni "$host" bridge CHECK ct1 "/run/netns/$c1" eth0 \
    "$(printf '%s' "$main" | jq -c --argjson r "$add1" '. + {prevResult: $r}')" "${extra[@]}"
  echo "CHECK ct1: rc=$RC $OUT" >&3
  # An exhausted range: a /30 holds the gateway and one address.
  cni "$host" bridge ADD ct3 "/run/netns/$c3" eth1 "$small" "${extra[@]}"
  echo "ADD ct3 small: rc=$RC $(normalise "$OUT")" >&3
  cni "$host" bridge ADD ct2 "/run/netns/$c2" eth1 "$small" "${extra[@]}"
  echo "ADD ct2 small (exhausted): rc=$RC $OUT" >&3
  # A config host-local refuses, and a requested address outside the range.
  cni "$host" bridge ADD ct2 "/run/netns/$c2" eth2 \
    "$(printf '%s' "$main" | jq -c '.name = "ipbad" | .ipam.ranges[0][0].subnet = "10.79.0.0/33"')" \
    "${extra[@]}"
  echo "ADD bad subnet: rc=$RC $OUT" >&3
  cni "$host" bridge ADD ct2 "/run/netns/$c2" eth2 "$main" "${extra[@]}" CNI_ARGS="IP=10.80.0.9"
  echo "ADD IP outside: rc=$RC $OUT" >&3
  # The same address twice.
  cni "$host" bridge ADD ct3 "/run/netns/$c3" eth3 "$main" "${extra[@]}" CNI_ARGS="IP=10.77.0.2"
  echo "ADD taken IP: rc=$RC $OUT" >&3
  echo "files after the failures:" >&3
  files "$data" >&3
  ip -n "$c3" -br link show | awk '{print "c3 link", $1}' | sort >&3
  # veth (ptp) delegates the same way.
  cni "$host" ptp ADD ct3 "/run/netns/$c3" eth4 \
    "$(SUBNET6="" conf ipptp 10.81.0.0/24 "$data" "$log" ptp)" "${extra[@]}"
  echo "ptp ADD ct3: rc=$RC $(normalise "$OUT")" >&3
  # DEL, twice, then GC.
  for n in 1 2; do
    local ns=c$n
    cni "$host" bridge DEL "ct$n" "/run/netns/${!ns}" eth0 "$main" "${extra[@]}"
    echo "DEL ct$n: rc=$RC $OUT" >&3
  done
  cni "$host" bridge DEL ct1 "" eth0 "$main" "${extra[@]}"
  echo "DEL ct1 again, no netns: rc=$RC $OUT" >&3
  cni "$host" bridge DEL ct3 "/run/netns/$c3" eth1 "$small" "${extra[@]}"
  echo "DEL ct3 small: rc=$RC $OUT" >&3
  cni "$host" ptp DEL ct3 "/run/netns/$c3" eth4 \
    "$(SUBNET6="" conf ipptp 10.81.0.0/24 "$data" "$log" ptp)" "${extra[@]}"
  echo "ptp DEL ct3: rc=$RC $OUT" >&3
  echo "files at the end:" >&3
  files "$data" >&3
  exec 3>&-
  sleep 0.2  # the sed behind fd 3 finishes writing
}

run_way inproc
run_way exec
if diff -u "$work/exec.out" "$work/inproc.out" >"$work/diff"; then
  pass "in-process and exec'd host-local agree on $(grep -c . "$work/inproc.out") lines of results, errors and files"
else
  OUT=$(cat "$work/diff") fail "in-process and exec'd host-local differ"
fi
# The scenario exercised what it meant to (so an agreement of two broken runs cannot pass).
expect_eq "ADD ct1 succeeded" "$(grep -c '^ADD ct1: rc=0 .*10\.77\.0\.2/24.*fd77::2/64' "$work/inproc.out")" 1
expect_eq "CHECK ct1 succeeded" "$(grep -c '^CHECK ct1: rc=0 $' "$work/inproc.out")" 1
check "the exhausted range is host-local's error" \
  grep -q '"msg": "host-local: failed to allocate for range 0: no IP addresses available' \
  "$work/inproc.out"
check "ptp ADD succeeded" grep -q '^ptp ADD ct3: rc=0 .*10\.81\.0\.2/24' "$work/inproc.out"
check "the failed ADDs left no interface in the container" \
  bash -c "! grep -q '^c3 link eth[23]' '$work/inproc.out'"
expect_eq "nothing is reserved at the end" \
  "$(sed -n '/^files at the end:/,$p' "$work/inproc.out" | grep '^\./' | grep -vc last_reserved_ip)" 0

# Which way ran: in-process, host-local logs with its caller's pid; exec'd, with its own.
inproc_pids=$(pids_of "$work/inproc.log" host-local)
exec_pids=$(pids_of "$work/exec.log" host-local)
plugin_pids=$(cat <(pids_of "$work/inproc.log" bridge) <(pids_of "$work/inproc.log" veth) | tr ' ' '\n' |
  sed '/^$/d' | sort -u | tr '\n' ' ')
echo "host-local pids: in-process $inproc_pids; exec'd $exec_pids; plugins' $plugin_pids"
check "in-process: host-local logged" test -n "$inproc_pids"
check "in-process: every host-local line has a plugin's pid" \
  bash -c "for p in $inproc_pids; do [[ ' $plugin_pids' == *\" \$p \"* ]] || exit 1; done"
exec_plugin_pids=$(cat <(pids_of "$work/exec.log" bridge) <(pids_of "$work/exec.log" veth) | tr ' ' '\n' |
  sed '/^$/d' | sort -u | tr '\n' ' ')
check "exec forced: host-local logged" test -n "$exec_pids"
check "exec forced: no host-local line has a plugin's pid" \
  bash -c "for p in $exec_pids; do [[ ' $exec_plugin_pids' == *\" \$p \"* ]] && exit 1; done; exit 0"

# Another file at CNI_PATH/host-local is exec'd: a copy of our executable, the reference's.
make_ns host
make_ns cns
ip -n "$host" link set lo up
for kind in copy reference; do
  dir=$work/path-$kind
  mkdir -p "$dir"
  ln -s "$(readlink -f "$BIN_DIR/bridge")" "$dir/bridge"
  if [ "$kind" = copy ]; then
    cp "$(readlink -f "$BIN_DIR/host-local")" "$dir/host-local"
  elif [ -x "$REF_DIR/host-local" ]; then
    ln -s "$REF_DIR/host-local" "$dir/host-local"
  else
    echo "SKIP: no reference host-local in $REF_DIR"
    continue
  fi
  data=$work/$kind-data
  log=$work/$kind.log
  : >"$log"
  # The reference's host-local (1.1.1) speaks CNI up to 1.0.0.
  c=$(SUBNET6="" conf "ip$kind" 10.82.0.0/24 "$data" "$log" | jq -c '.cniVersion = "1.0.0"')
  CNI_PATH_OVERRIDE=$dir cni "$host" "$dir/bridge" ADD "ct-$kind" "/run/netns/$cns" eth0 "$c"
  expect_json "$kind host-local: ADD succeeds" "$OUT" '.ips[0].address' '"10.82.0.2/24"'
  check "$kind host-local: the address is reserved" test -f "$data/ip$kind/10.82.0.2"
  bridge_pid=$(pids_of "$log" bridge)
  if [ "$kind" = copy ]; then
    hl_pid=$(pids_of "$log" host-local)
    check "copy: host-local ran in a process of its own" \
      bash -c "[ -n '$hl_pid' ] && [ '$hl_pid' != '$bridge_pid' ]"
  else
    expect_eq "reference: nothing of ours wrote to its data dir (no index)" \
      "$(test -e "$data/.cni-cpp-host-local" && echo index || echo none)" none
    expect_eq "reference: no host-local line of ours in the log" "$(pids_of "$log" host-local)" ""
  fi
  CNI_PATH_OVERRIDE=$dir cni "$host" "$dir/bridge" DEL "ct-$kind" "/run/netns/$cns" eth0 "$c"
  expect_eq "$kind host-local: DEL succeeds" "$RC:$OUT" "0:"
  check "$kind host-local: the address is released" test ! -e "$data/ip$kind/10.82.0.2"
done
finish
