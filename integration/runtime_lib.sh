# A real container runtime (Podman, containerd) run by a test in a throwaway "host" netns and
# a private mount namespace. Source it after lib.sh; podman_lib.sh and test_containerd.sh
# build on it.
#
# The scenario script runs twice: runtime_outer (in the test's own namespaces) creates the
# host netns and a work dir, runs the script again inside `ip netns exec HOST` with
# `--inner WORK TAG`, then checks what the inner part could have left in the machine's real
# /sys/fs/cgroup, process table and mount table. The inner part calls runtime_inner_mounts
# first: `ip netns exec` remounts /sys, so the cgroup hierarchies are mounted again (the same
# v1 and v2 hierarchies) on a private tmpfs, and /run and /var/lib become private tmpfs mounts
# (runtime state, shim sockets, netns files, libcni's cache, host-local's default dataDir).
# Containers get a cgroup parent named TAG, so leftovers are found and removed by that name;
# every process the runtime starts has WORK in its command line or TAG in its cgroup path.

# runtime_outer TAG: the outer part. Returns only in the inner run (--inner WORK TAG in
# SCRIPT_ARGS); otherwise runs it, checks, prints the summary and exits.
runtime_outer() {
  [ "${SCRIPT_ARGS[0]:-}" != --inner ] || return 0
  tag=$1
  make_ns host
  make_tmpdir work
  chmod 755 "$work"
  # Cgroup hierarchies to mount again inside (`ip netns exec` remounts /sys): TYPE DIR OPTIONS.
  awk '$5 ~ "^/sys/fs/cgroup/" && $4 == "/" { for (i = 7; $i != "-"; i++); print $(i+1), $5, $(i+3) }' \
    /proc/self/mountinfo >"$work/cgroups"
  # Containers' cgroups are under a parent named $tag: list children first.
  cgroup_residue() {
    find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d \( -name "$tag*" -o -path "*/$tag*/*" \) 2>/dev/null |
      sort -r || true
  }
  # Our processes: every daemon, shim, container process of this run has $work in its
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

# runtime_inner_mounts: the inner part's first step (in the host netns, in the private mount
# namespace of `ip netns exec`). Sets work and tag from SCRIPT_ARGS.
runtime_inner_mounts() {
  work=${SCRIPT_ARGS[1]} tag=${SCRIPT_ARGS[2]}
  mount -t tmpfs -o mode=755 cgroup_root /sys/fs/cgroup
  while read -r type dir opts; do
    case $type in cgroup | cgroup2) ;; *) continue ;; esac
    mkdir -p "$dir"
    mount -t "$type" -o "$opts" "$type" "$dir"
  done <"$work/cgroups"
  mount -t tmpfs -o mode=755 run_private /run
  mount -t tmpfs -o mode=755 varlib_private /var/lib
  ip link set lo up
}

# busybox_rootfs DIR APPLET...: a rootfs holding busybox-static and these applet links.
busybox_rootfs() {
  local rootfs=$1 a
  shift
  mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp"
  cp "$(command -v busybox)" "$rootfs/bin/busybox"
  for a in "$@"; do ln -s busybox "$rootfs/bin/$a"; done
}

# runtime_need_static_busybox: the images hold nothing but busybox: it must be the static one.
runtime_need_static_busybox() {
  if ldd "$(command -v busybox)" >/dev/null 2>&1; then
    echo "FAIL: $TEST_NAME: busybox is dynamically linked (apt-get install busybox-static)"
    exit 1
  fi
}

# remove_cgroup_parent: our cgroup parent and what runtimes leave in it (conmon's cgroup).
remove_cgroup_parent() {
  find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -depth -type d \( -name "$tag" -o -path "*/$tag/*" \) \
    -exec rmdir {} + 2>/dev/null || true
}
