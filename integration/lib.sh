# Shared helpers for integration tests. Source it first thing:  . "$(dirname "$0")/lib.sh"
#
# Every test runs the real binaries inside throwaway network namespaces it creates with
# make_ns, including the "host" side. Namespaces and temp dirs are removed by exact name on
# exit, whatever happened. Nothing here touches the machine's root network namespace.
set -euo pipefail

SOURCE_DIR=${CNI_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BIN_DIR=${CNI_BIN_DIR:-$SOURCE_DIR/build/bin}
TEST_NAME=$(basename "$0" .sh)
REF_DIR=${CNI_REFERENCE_DIR:-/usr/lib/cni}

# Sanitizer settings (scripts/test sets them for the ASan build) survive the `env -i` below.
SAN_ENV=()
for _v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
  [ -z "${!_v:-}" ] || SAN_ENV+=("$_v=${!_v}")
done

_ns_list=()
_dir_list=()
_ns_counter=0
_failures=0
_checks=0

_cleanup() {
  local rc=$?
  local ns d
  for ns in "${_ns_list[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  for d in "${_dir_list[@]}"; do rm -rf -- "$d"; done
  exit $rc
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || { echo "SKIP: $TEST_NAME needs root"; exit 0; }

# make_ns VAR: creates a uniquely named throwaway netns and stores its name in VAR.
make_ns() {
  _ns_counter=$((_ns_counter + 1))
  local name="cnit-${TEST_NAME:0:12}-$$-$_ns_counter"
  ip netns add "$name"
  _ns_list+=("$name")
  printf -v "$1" '%s' "$name"
}

# make_tmpdir VAR: a temp dir removed at exit.
make_tmpdir() {
  local d
  d=$(mktemp -d "/tmp/cnit-${TEST_NAME:0:12}.XXXXXX")
  _dir_list+=("$d")
  printf -v "$1" '%s' "$d"
}

# cni HOSTNS PLUGIN COMMAND CONTAINERID NETNS IFNAME CONFIG [extra VAR=value...]
# Runs PLUGIN (a path, or a name looked up in BIN_DIR) inside the host namespace HOSTNS with
# the CNI environment, config on stdin. Sets OUT (stdout), ERR (stderr), RC (exit code).
cni() {
  local host=$1 plugin=$2 cmd=$3 cid=$4 netns=$5 ifname=$6 config=$7
  shift 7
  [[ $plugin == /* ]] || plugin=$BIN_DIR/$plugin
  local errf
  errf=$(mktemp)
  set +e
  OUT=$(printf '%s' "$config" | ip netns exec "$host" env -i PATH="$PATH" "${SAN_ENV[@]}" \
    CNI_COMMAND="$cmd" CNI_CONTAINERID="$cid" CNI_NETNS="$netns" CNI_IFNAME="$ifname" \
    CNI_PATH="${CNI_PATH_OVERRIDE:-$BIN_DIR}" "$@" "$plugin" 2>"$errf")
  RC=$?
  set -e
  ERR=$(cat "$errf")
  rm -f "$errf"
}

pass() { _checks=$((_checks + 1)); echo "ok   - $*"; }
fail() {
  _checks=$((_checks + 1))
  _failures=$((_failures + 1))
  echo "FAIL - $*"
  [ -z "${OUT:-}" ] || echo "       stdout: $OUT"
  [ -z "${ERR:-}" ] || echo "       stderr: $ERR"
}

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then pass "$what"; else OUT=$out ERR="" fail "$what"; fi
}

# expect_eq DESCRIPTION ACTUAL EXPECTED
expect_eq() {
  if [ "$2" == "$3" ]; then pass "$1"; else fail "$1: got '$2', want '$3'"; fi
}

# expect_json DESCRIPTION JSON JQ-FILTER EXPECTED: compares `jq -c FILTER` output.
expect_json() {
  local got
  got=$(printf '%s' "$2" | jq -c "$3" 2>&1) || got="<jq error: $got>"
  expect_eq "$1" "$got" "$4"
}

# expect_cni_error DESCRIPTION CODE MSG-SUBSTRING: checks the last cni call failed that way.
expect_cni_error() {
  local code msg
  code=$(printf '%s' "$OUT" | jq -r '.code' 2>/dev/null || echo none)
  msg=$(printf '%s' "$OUT" | jq -r '.msg' 2>/dev/null || echo none)
  if [ "$RC" != 0 ] && [ "$code" == "$2" ] && [[ $msg == *"$3"* ]]; then
    pass "$1"
  else
    fail "$1: rc=$RC code=$code msg=$msg (want code $2, msg containing '$3')"
  fi
}

# link_flag NS IFNAME: prints "UP" or "DOWN" from the link's admin flags.
link_state() {
  ip -n "$1" -j link show dev "$2" | jq -r 'if (.[0].flags | index("UP")) then "UP" else "DOWN" end'
}

# finish: prints the closing line and sets the exit code.
finish() {
  echo "$TEST_NAME: $((_checks - _failures)) passed, $_failures failed"
  [ "$_failures" = 0 ]
}
