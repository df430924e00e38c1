# Shared by the Podman scenarios (test_podman*.sh). Source it after lib.sh.
#
# Everything runs in one throwaway "host" netns and the private mount namespace of
# `ip netns exec`, where /sys/fs/cgroup is mounted again (the same cgroup v1 and v2
# hierarchies), and /run and /var/lib are private tmpfs mounts (podman's netns files, libpod
# and runc state, the libcni cache in /var/lib/cni, host-local's default dataDir). Podman gets
# a private CONTAINERS_CONF, --root/--runroot/--tmpdir, network_config_dir and
# image_copy_tmp_dir; containers a cgroup parent of our own name. The runtime is runc: crun
# 1.8 refuses hybrid cgroup v1+v2 hosts. A scenario script calls podman_outer first: it runs
# the script again inside (--inner WORK TAG) and checks what the inner part could leave in the
# machine's real /sys/fs/cgroup and process table. The inner part calls podman_inner_setup.

# podman_outer PLUGIN...: the outer part (returns only with --inner); the plugins must be built.
podman_outer() {
  CONF_SNIPPET=${CONF_SNIPPET:-$SOURCE_DIR/conf/podman/containers.conf}
  [ "${SCRIPT_ARGS[0]:-}" != --inner ] || return 0
  command -v podman >/dev/null || { echo "SKIP: $TEST_NAME: podman not installed (apt-get install podman)"; exit 0; }
  for b in runc conmon busybox jq; do
    command -v "$b" >/dev/null || { echo "FAIL: $TEST_NAME: $b not installed"; exit 1; }
  done
  # The image holds nothing but busybox: it must be the static one (busybox-static).
  if ldd "$(command -v busybox)" >/dev/null 2>&1; then
    echo "FAIL: $TEST_NAME: busybox is dynamically linked (apt-get install busybox-static)"
    exit 1
  fi
  for p in "$@"; do
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
}

# podman_inner_setup APPLET...: in the host netns: private mounts, containers.conf (network
# configs in $work/net.d), the image localhost/box (busybox-static with these applets). Sets
# work, tag, names (containers to remove on exit: add yours), CONTAINERS_CONF; defines pm.
podman_inner_setup() {
  CONF_SNIPPET=${CONF_SNIPPET:-$SOURCE_DIR/conf/podman/containers.conf}
  work=${SCRIPT_ARGS[1]} tag=${SCRIPT_ARGS[2]}
  names=()
  export CONTAINERS_CONF=$work/containers.conf
  export TMPDIR=$work/tmp
  mkdir -p "$work/net.d" "$work/tmp"
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

  # The image: busybox-static and its applet links.
  rootfs=$work/rootfs
  mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp"
  cp "$(command -v busybox)" "$rootfs/bin/busybox"
  for a in "$@"; do ln -s busybox "$rootfs/bin/$a"; done
  if ! tar -C "$rootfs" -c . | pm import - localhost/box >"$work/import.log" 2>&1; then
    cat "$work/import.log"
    fail "podman import"
    exit 1
  fi
  pass "podman import of busybox-static as localhost/box"
}

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
