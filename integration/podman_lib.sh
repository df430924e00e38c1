# Shared by the Podman scenarios (test_podman*.sh). Source it after lib.sh.
#
# The harness is runtime_lib.sh's (throwaway host netns, private mount namespace with the
# cgroup hierarchies mounted again, private /run and /var/lib). Podman gets a private
# CONTAINERS_CONF, --root/--runroot/--tmpdir, network_config_dir and image_copy_tmp_dir;
# containers a cgroup parent of our own name. The runtime is runc: crun 1.8 refuses hybrid
# cgroup v1+v2 hosts. A scenario script calls podman_outer first; the inner part calls
# podman_inner_setup.
. "$(dirname "${BASH_SOURCE[0]}")/runtime_lib.sh"

# podman_outer PLUGIN...: the outer part (returns only with --inner); the plugins must be built.
podman_outer() {
  CONF_SNIPPET=${CONF_SNIPPET:-$SOURCE_DIR/conf/podman/containers.conf}
  [ "${SCRIPT_ARGS[0]:-}" != --inner ] || return 0
  command -v podman >/dev/null || { echo "SKIP: $TEST_NAME: podman not installed (apt-get install podman)"; exit 0; }
  for b in runc conmon busybox jq; do
    command -v "$b" >/dev/null || { echo "FAIL: $TEST_NAME: $b not installed"; exit 1; }
  done
  runtime_need_static_busybox
  for p in "$@"; do
    [ -x "$BIN_DIR/$p" ] || { echo "FAIL: no $p in $BIN_DIR"; exit 1; }
  done
  runtime_outer "cnit-podman-$$"
}

# podman_inner_setup APPLET...: in the host netns: private mounts, containers.conf (network
# configs in $work/net.d), the image localhost/box (busybox-static with these applets). Sets
# work, tag, names (containers to remove on exit: add yours), CONTAINERS_CONF; defines pm.
podman_inner_setup() {
  CONF_SNIPPET=${CONF_SNIPPET:-$SOURCE_DIR/conf/podman/containers.conf}
  runtime_inner_mounts
  names=()
  export CONTAINERS_CONF=$work/containers.conf
  export TMPDIR=$work/tmp
  mkdir -p "$work/net.d" "$work/tmp"
  trap 'rc=$?; set +e; inner_cleanup; (exit $rc); _cleanup' EXIT

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

  # The image: busybox-static and its applet links.
  rootfs=$work/rootfs
  busybox_rootfs "$rootfs" "$@"
  # For containers that bind-mount the host's /usr read-only (a python3 server).
  ln -s usr/lib "$rootfs/lib"
  ln -s usr/lib64 "$rootfs/lib64"
  if ! tar -C "$rootfs" -c . | pm import - localhost/box >"$work/import.log" 2>&1; then
    cat "$work/import.log"
    fail "podman import"
    exit 1
  fi
  pass "podman import of busybox-static as localhost/box"
}

pm() { podman --root "$work/storage" --runroot "$work/runroot" --tmpdir "$work/libpod" --storage-driver vfs "$@"; }

inner_cleanup() {
  local n
  for n in "${names[@]}"; do pm rm -f -t 0 "$n" >/dev/null 2>&1 || true; done
  remove_cgroup_parent
}
