# shellcheck shell=bash
# Private Open vSwitch daemons for tests, demo and bench (source after lib.sh, or standalone with
# OVS_HOST_NS set). Everything lives in one temp dir: database, sockets, pid files, logs
# (OVS_RUNDIR/OVS_DBDIR/OVS_LOGDIR/OVS_SYSCONFDIR point there, so /var/run/openvswitch is never
# used). ovs-vswitchd runs inside the throwaway "host" namespace, with the userspace (netdev)
# datapath: the kernel here has no openvswitch module. Daemons are stopped by PID.

# ovs_start DIR HOSTNS: ovsdb-server on unix:DIR/db.sock, then ovs-vswitchd in HOSTNS.
ovs_start() {
  OVS_DIR=$1
  OVS_HOST_NS=$2
  export OVS_RUNDIR=$OVS_DIR OVS_DBDIR=$OVS_DIR OVS_LOGDIR=$OVS_DIR OVS_SYSCONFDIR=$OVS_DIR
  OVS_DB="unix:$OVS_DIR/db.sock"
  ovsdb-tool create "$OVS_DIR/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  ovsdb-server "$OVS_DIR/conf.db" --remote="punix:$OVS_DIR/db.sock" \
    --pidfile="$OVS_DIR/ovsdb-server.pid" --unixctl="$OVS_DIR/ovsdb-server.ctl" \
    --log-file="$OVS_DIR/ovsdb-server.log" -vconsole:off --detach --no-chdir
  ovs-vsctl --db="$OVS_DB" --no-wait init
  ovs_start_vswitchd
}

ovs_start_vswitchd() {
  ip netns exec "$OVS_HOST_NS" ovs-vswitchd "$OVS_DB" --pidfile="$OVS_DIR/ovs-vswitchd.pid" \
    --unixctl="$OVS_DIR/ovs-vswitchd.ctl" --log-file="$OVS_DIR/ovs-vswitchd.log" -vconsole:off --detach \
    --no-chdir
}

# ovs_vsctl ARGS...: ovs-vsctl on the private database (waits for vswitchd unless --no-wait).
ovs_vsctl() {
  ovs-vsctl --db="$OVS_DB" --timeout=10 "$@"
}

# ovs_kill NAME: SIGKILLs the daemon NAME (ovsdb-server or ovs-vswitchd) by its pid file and
# waits for it to go.
ovs_kill() {
  local f="$OVS_DIR/$1.pid" pid _
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  kill -9 "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  rm -f "$f"
}

# ovs_stop: both daemons, by PID.
ovs_stop() {
  [ -n "${OVS_DIR:-}" ] || return 0
  local d pid
  for d in ovs-vswitchd ovsdb-server; do
    [ -f "$OVS_DIR/$d.pid" ] || continue
    pid=$(cat "$OVS_DIR/$d.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
