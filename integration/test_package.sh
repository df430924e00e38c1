#!/usr/bin/env bash
# The Debian package (cmake/package.cmake): cpack builds cni-plugins-cpp_<version>_<arch>.deb
# from this build directory into a temp dir; its control fields, its file list (every plugin
# and cnitool in /opt/cni/bin, README and examples in /usr/share/doc/cni-plugins-cpp, nothing
# in Debian's /usr/lib/cni), then `dpkg -x` into a scratch root: the binaries run from there,
# and the extracted cnitool wires a throwaway namespace with the extracted plugins.
# cpack runs in a private mount namespace with a tmpfs on /opt, so that even a wrong install
# rule could never write the machine's /opt/cni/bin. Budget: about 60 s (8-20 s measured);
# skipped on the ASan build.
. "$(dirname "$0")/lib.sh"

BUILD_DIR=${CNI_BUILD_DIR:-$(dirname "$BIN_DIR")}
[ -f "$BUILD_DIR/CPackConfig.cmake" ] || { echo "FAIL: no CPackConfig.cmake in $BUILD_DIR"; exit 1; }
# The package is made from the normal build. Packing the sanitizer build's binaries took 545 s
# here (far over budget) and would ship nothing anyone installs: skipped there.
if grep -q '^CNI_SANITIZE:BOOL=ON' "$BUILD_DIR/CMakeCache.txt"; then
  echo "SKIP: $TEST_NAME: sanitizer build ($BUILD_DIR); the package is checked on the normal build"
  exit 0
fi
command -v cpack >/dev/null || { echo "FAIL: cpack not installed (cmake)"; exit 1; }
start=$SECONDS
make_tmpdir work
version=$(sed -n 's/^project(cni-plugins-cpp VERSION \([0-9.]*\).*/\1/p' "$SOURCE_DIR/CMakeLists.txt")
arch=$(dpkg --print-architecture)
# What must be in /opt/cni/bin: every plugin directory of the source tree and ptp (links to the
# one executable, cni-plugins-cpp), cnitool.
plugins=()
for d in "$SOURCE_DIR"/plugins/*/ "$SOURCE_DIR"/ipam/*/; do
  [ -f "$d/CMakeLists.txt" ] && plugins+=("$(basename "$d")")
done
names=("${plugins[@]}" ptp)
plugins+=(ptp cnitool cni-plugins-cpp)

set +e
out=$(unshare -m --propagation private sh -c 'mount -t tmpfs cpack-opt /opt && exec "$@"' sh \
  cpack -G DEB --config "$BUILD_DIR/CPackConfig.cmake" -B "$work/out" 2>&1)
rc=$?
set -e
OUT=$out expect_eq "cpack -G DEB succeeds" "$rc" 0
debs=("$work/out/"cni-plugins-cpp_*.deb)
expect_eq "one package, named cni-plugins-cpp_<version>_<arch>.deb" \
  "${#debs[@]} $(basename "${debs[0]}")" "1 cni-plugins-cpp_${version}_$arch.deb"
deb=${debs[0]}
[ -f "$deb" ] || { finish; exit 1; }

# Control fields.
field() { dpkg-deb -f "$deb" "$1"; }
expect_eq "Package, Version, Architecture" "$(field Package) $(field Version) $(field Architecture)" \
  "cni-plugins-cpp $version $arch"
expect_eq "Conflicts with the upstream kubernetes-cni (same /opt/cni/bin files)" "$(field Conflicts)" kubernetes-cni
depends=$(field Depends)
for lib in libc6 libmnl0; do
  if [[ ", $depends," == *", $lib "* || ", $depends," == *", $lib,"* ]]; then
    pass "Depends names $lib ($depends)"
  else
    fail "Depends lacks $lib: $depends"
  fi
done
# Every library a packaged binary loads belongs to a Debian package, and Depends names it.
# owner PATH: that package (ldd prints /lib/..., which usrmerge-era packages may list as
# /usr/lib/...).
owner() { dpkg -S "$1" 2>/dev/null || dpkg -S "/usr$1" 2>/dev/null || echo "<none>: $1"; }
libs=$(for b in "${plugins[@]}"; do ldd "$BIN_DIR/$b"; done | awk '$3 ~ /^\// { print $3 }' | sort -u)
owners=$(while read -r lib; do owner "$lib"; done <<<"$libs")
expect_eq "every loaded library is from a package" "$(grep '^<none>' <<<"$owners" || true)" ""
needed=$(cut -d: -f1 <<<"$owners" | grep -v '^<none>' | sort -u || true)
expect_eq "ldd's libraries include libc6's" "$(grep -cx libc6 <<<"$needed")" 1
for pkg in $needed; do
  if [[ ", $depends," == *", $pkg"[\ ,]* ]]; then
    pass "Depends covers $pkg (ldd)"
  else
    fail "the binaries load a library of $pkg, which Depends lacks: $depends"
  fi
done

# Files.
listing=$(dpkg-deb -c "$deb" | awk '{ print $1, $6, $7, $8 }')
files=$(awk '{ print $2 }' <<<"$listing" | sed 's|^\./|/|; s|/$||' | grep -v '^$')
for p in "${plugins[@]}"; do
  expect_eq "/opt/cni/bin/$p packaged" "$(grep -cx "/opt/cni/bin/$p" <<<"$files")" 1
done
for p in "${names[@]}"; do
  expect_eq "$p is a symlink to cni-plugins-cpp" \
    "$(awk -v f="./opt/cni/bin/$p" '$2 == f { print substr($1, 1, 1), $4 }' <<<"$listing")" \
    "l cni-plugins-cpp"
done
expect_eq "binaries are executable (rwxr-xr-x)" \
  "$(awk '$2 ~ "^./opt/cni/bin/." && substr($1, 1, 1) == "-" && $1 != "-rwxr-xr-x"' <<<"$listing")" ""
expect_eq "README in /usr/share/doc/cni-plugins-cpp" "$(grep -cx /usr/share/doc/cni-plugins-cpp/README.md <<<"$files")" 1
expect_eq "examples in /usr/share/doc/cni-plugins-cpp/examples" \
  "$(grep -cx '/usr/share/doc/cni-plugins-cpp/examples/10-seednet.conflist' <<<"$files")" 1
expect_eq "nothing outside /opt/cni/bin and /usr/share/doc/cni-plugins-cpp" \
  "$(grep -Ev '^(/|/opt|/opt/cni|/opt/cni/bin(/.*)?|/usr|/usr/share|/usr/share/doc|/usr/share/doc/cni-plugins-cpp(/.*)?)$' <<<"$files" || true)" ""
expect_eq "nothing in /usr/lib/cni (Debian's containernetworking-plugins)" "$(grep -c '^/usr/lib' <<<"$files" || true)" 0

# Into a scratch root.
root=$work/root
dpkg -x "$deb" "$root"
expect_eq "extracted plugins answer VERSION" \
  "$(CNI_COMMAND=VERSION "$root/opt/cni/bin/bridge" | jq -c .supportedVersions)" \
  '["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]'
expect_eq "extracted ptp runs veth" "$(CNI_COMMAND=VERSION "$root/opt/cni/bin/ptp" | jq -r .cniVersion)" 1.1.0
# A copy of the executable (not a link) works under any plugin name, and refuses other names.
cp "$root/opt/cni/bin/cni-plugins-cpp" "$work/loopback"
expect_eq "a copy named loopback is loopback" "$("$work/loopback" 2>&1 | head -1)" \
  "CNI loopback plugin $version"
cp "$root/opt/cni/bin/cni-plugins-cpp" "$work/nonesuch"
OUT=$("$work/nonesuch" 2>/dev/null) && RC=0 || RC=$?
expect_cni_error "a copy under another name is a CNI error naming the names it answers to" 7 \
  'no plugin is called "nonesuch"'
expect_eq "installed size: one executable" \
  "$(find "$root/opt/cni/bin" -type f | sed 's|.*/||' | sort | tr '\n' ' ')" "cni-plugins-cpp cnitool "
echo "installed size: $(du -b "$root/opt/cni/bin/cni-plugins-cpp" | cut -f1) bytes (cni-plugins-cpp)," \
  "$(du -b "$root/opt/cni/bin/cnitool" | cut -f1) bytes (cnitool), stripped"
expect_eq "binaries are stripped (no .symtab)" \
  "$(for b in "$root"/opt/cni/bin/*; do readelf -S "$b" | grep -c ' .symtab' || true; done | sort -u)" 0
for f in "$root"/usr/share/doc/cni-plugins-cpp/examples/*.conflist; do
  check "example $(basename "$f") is JSON" jq -e .name "$f"
done

# The extracted cnitool and plugins wire a container: seednet (bridge + host-local + loopback).
make_ns host
make_ns c1
ip -n "$host" link set lo up
mkdir -p "$work/net.d"
jq --arg d "$work/ipam" '.plugins[0].ipam.dataDir = $d' \
  "$root/usr/share/doc/cni-plugins-cpp/examples/10-seednet.conflist" >"$work/net.d/10-seednet.conflist"
tool() {
  local errf
  errf=$(mktemp)
  set +e
  OUT=$(ip netns exec "$host" env -i PATH="$PATH" "${SAN_ENV[@]}" NETCONFPATH="$work/net.d" \
    CNI_CACHE_DIR="$work/cache" CNI_PATH="$root/opt/cni/bin" "$root/opt/cni/bin/cnitool" "$@" 2>"$errf")
  RC=$?
  set -e
  ERR=$(cat "$errf")
  rm -f "$errf"
}
tool add seednet "/run/netns/$c1"
expect_eq "cnitool add with the packaged binaries" "$RC" 0
expect_json "the container got its address" "$OUT" '.ips[0].address' '"10.0.0.2/24"'
check "and reaches the gateway" ip netns exec "$c1" ping -c1 -W2 10.0.0.1
tool del seednet "/run/netns/$c1"
expect_eq "cnitool del" "$RC:$(ip -n "$host" -j link show type veth | jq length)" "0:0"

echo "took $((SECONDS - start)) s"
finish
