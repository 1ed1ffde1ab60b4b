#!/usr/bin/env bash
# local-slurm.sh — a real, single-node Slurm cluster (Debian's slurm-wlm + munge)
# on this machine, for tests of sbatch job arrays and dependent jobs.
#
# Usage:
#   local-slurm.sh install            apt-get install slurm-wlm munge (exit 3: cannot)
#   local-slurm.sh start  STATE_DIR   write config, (re)start munged + slurmctld + slurmd,
#                                     wait until the node is idle, print `export …` lines
#   local-slurm.sh env    STATE_DIR   print the `export …` lines clients need
#   local-slurm.sh status STATE_DIR   show which daemons run, and sinfo (exit 1: not all up)
#   local-slurm.sh stop   STATE_DIR   cancel jobs, stop the daemons this STATE_DIR started
#
# Typical use:
#   bash local-slurm.sh install || exit   # 3 means "skip: no Slurm here"
#   eval "$(bash local-slurm.sh start /tmp/slurm-state)"   # exports SLURM_CONF
#   sbatch --parsable --array=1-2 job.sh
#   bash local-slurm.sh stop /tmp/slurm-state
#
# Design:
#   * Everything lives in STATE_DIR: slurm.conf, munge key and socket, state, spool,
#     logs, pid files. Nothing under /etc is written, so a system-wide /etc/slurm or
#     /etc/munge is left alone; clients find this cluster through SLURM_CONF, and
#     Slurm finds this munged through AuthInfo=socket=… in that slurm.conf.
#   * No systemd: the daemons are started directly (they daemonize and write pid
#     files); `stop` signals only the pids in STATE_DIR's pid files, after checking
#     that each pid still is that daemon.
#   * `start` always starts clean (slurmctld -c): jobs and node state from an earlier
#     run are dropped, daemons still running from an earlier start of the same
#     STATE_DIR are stopped first, and stale pid files/sockets are ignored.
#   * Single node: NodeName=$(hostname -s) with NodeAddr=127.0.0.1, so nothing needs
#     DNS; CPUs, sockets, cores and RealMemory come from `slurmd -C`.
#   * No cgroups, no accounting database (no sacct): ProctrackType=proctrack/linuxproc,
#     TaskPlugin=task/none. --mem is used for scheduling but NOT enforced; --time is
#     enforced by slurmctld.
#   * Runs as root (SlurmUser=root), as CI and the sandbox do.
#
# Environment knobs (optional):
#   LOCAL_SLURM_CTLD_PORT  slurmctld port (default 6817); slurmd uses this + 1
#   LOCAL_SLURM_TIMEOUT    seconds to wait for the node to become idle (default 60)
#
# Exit codes: 0 ok, 1 failure (one-line message on stderr), 2 usage, 3 Slurm cannot run
# here (packages not installable / binaries missing / not root) — callers may skip.
set -euo pipefail

PROG=local-slurm
CTLD_PORT=${LOCAL_SLURM_CTLD_PORT:-6817}
SLURMD_PORT=$((CTLD_PORT + 1))
WAIT_S=${LOCAL_SLURM_TIMEOUT:-60}

say() { echo "$PROG: $*" >&2; }
die() { echo "$PROG: $*" >&2; exit 1; }
skip() { echo "$PROG: $*" >&2; exit 3; }

usage() {
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ---------------------------------------------------------------------------
# install
# ---------------------------------------------------------------------------
have_binaries() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
    command -v sbatch >/dev/null && command -v munged >/dev/null
}

cmd_install() {
  if have_binaries; then
    say "slurm-wlm and munge already installed ($(slurmd -V 2>/dev/null))"
    return 0
  fi
  [ "$(id -u)" = 0 ] || skip "cannot install slurm-wlm/munge (not root)"
  command -v apt-get >/dev/null || skip "cannot install slurm-wlm/munge (no apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  local log
  log=$(mktemp)
  # First try without `apt-get update` (fast when the lists are fresh); on failure
  # update the lists once and try again.
  if ! apt-get install -y -q slurm-wlm munge >"$log" 2>&1; then
    if ! { apt-get update -q && apt-get install -y -q slurm-wlm munge; } >"$log" 2>&1; then
      local reason
      reason=$(grep -E '^(E|W):' "$log" | tail -n 1)
      rm -f "$log"
      skip "cannot install slurm-wlm/munge (${reason:-apt-get failed})"
    fi
  fi
  rm -f "$log"
  have_binaries || skip "cannot install slurm-wlm/munge (installed, but slurmctld/slurmd/sbatch/munged not on PATH)"
  say "installed $(slurmd -V 2>/dev/null)"
}

# ---------------------------------------------------------------------------
# paths inside STATE_DIR
# ---------------------------------------------------------------------------
set_paths() { # STATE_DIR [create]
  [ -n "${1:-}" ] || usage
  if [ "${2:-}" = create ]; then
    mkdir -p "$1"
  elif [ ! -d "$1" ]; then
    die "no state folder $1 (nothing was started there)"
  fi
  S=$(cd "$1" && pwd -P)           # absolute: slurm.conf paths must be absolute
  CONF="$S/etc/slurm.conf"
  MUNGE_DIR="$S/munge"             # socket dir: must be 0755 (munged checks)
  MUNGE_KEY_DIR="$S/munge-key"     # key dir: 0700
  MUNGE_SOCKET="$MUNGE_DIR/munge.socket"
  MUNGE_KEY="$MUNGE_KEY_DIR/munge.key"
  MUNGE_PID="$MUNGE_DIR/munged.pid"
  MUNGE_LOG="$S/log/munged.log"
  CTLD_PID="$S/run/slurmctld.pid"
  CTLD_LOG="$S/log/slurmctld.log"
  SLURMD_PID="$S/run/slurmd.pid"
  SLURMD_LOG="$S/log/slurmd.log"
  NODE=$(hostname -s 2>/dev/null || hostname)
  [ -n "$NODE" ] || NODE=localhost
}

# pid of daemon NAME from pid file FILE, if that process is alive and is NAME.
live_pid() {
  local file=$1 name=$2 pid
  [ -s "$file" ] || return 1
  pid=$(tr -dc '0-9' <"$file")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$name" || return 1
  echo "$pid"
}

# last lines of a log, on one line, for error messages
log_tail() {
  [ -s "$1" ] || { echo "(no log at $1)"; return; }
  tail -n "${2:-3}" "$1" | tr '\n' ' ' | sed 's/  */ /g'
}

# is something listening on 127.0.0.1:PORT?
port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Slurm daemons running now, with the SLURM_CONF each was started with, so that
# "port in use" can say which STATE_DIR to stop.
other_daemons() {
  local d pid conf out=""
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    case "$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)" in
    slurmctld* | slurmd* | */slurmctld* | */slurmd*) ;;
    *) continue ;;
    esac
    conf=$(tr '\0' '\n' <"$d/environ" 2>/dev/null | sed -n 's/^SLURM_CONF=//p')
    out+="${out:+, }$(tr '\0' ' ' <"$d/cmdline" | cut -d' ' -f1) pid $pid (SLURM_CONF=${conf:-default})"
  done
  echo "${out:-none}"
}

print_env() {
  echo "export SLURM_CONF=$CONF"
}

# ---------------------------------------------------------------------------
# start
# ---------------------------------------------------------------------------
write_munge_key() {
  mkdir -p "$MUNGE_KEY_DIR"
  chmod 0700 "$MUNGE_KEY_DIR"
  if [ ! -s "$MUNGE_KEY" ]; then
    if command -v mungekey >/dev/null; then
      mungekey --create --keyfile="$MUNGE_KEY" >/dev/null
    else
      dd if=/dev/urandom of="$MUNGE_KEY" bs=1024 count=1 status=none
    fi
  fi
  chmod 0600 "$MUNGE_KEY"
}

write_conf() {
  # Hardware as slurmd itself sees it, so the node is not drained for a mismatch:
  # "NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105"
  local hw cpus mem defmem
  hw=$(slurmd -C 2>/dev/null | grep '^NodeName=' | sed 's/^NodeName=[^ ]* //') ||
    die "slurmd -C failed (cannot read this machine's CPUs and memory)"
  [ -n "$hw" ] || die "slurmd -C printed no NodeName line"
  cpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$hw")
  mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
  # Jobs without --mem get DefMemPerCPU each; without it they would get the whole
  # node's memory under CR_Core_Memory and array tasks would run one at a time.
  defmem=$((mem / cpus)); [ "$defmem" -le 1024 ] || defmem=1024

  mkdir -p "$S/etc"
  cat >"$CONF.tmp" <<EOF
# Written by test/slurm/local-slurm.sh — single-node test cluster; regenerated on start.
ClusterName=selfprop
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$S/ctld
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$CTLD_LOG
SlurmdLogFile=$SLURMD_LOG
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$S/etc/plugstack.conf
# no cgroups, no accounting database
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$defmem
ReturnToService=2
KillWait=5
# keep finished jobs visible to \`scontrol show job\` for 5 minutes
MinJobAge=300
NodeName=$NODE NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=local Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$CONF.tmp" "$CONF"
  : >"$S/etc/plugstack.conf"   # empty: don't pick up /etc/slurm/plugstack.conf.d
}

# Rotate a log so that error tails show this start only.
fresh_log() {
  if [ -f "$1" ]; then mv -f "$1" "$1.old"; fi
  : >"$1"
}

start_munged() {
  mkdir -p "$MUNGE_DIR" "$S/log"
  chmod 0755 "$S" "$MUNGE_DIR"   # munged wants the socket dir reachable by all
  rm -f "$MUNGE_SOCKET" "$MUNGE_SOCKET.lock" "$MUNGE_PID"
  fresh_log "$MUNGE_LOG"
  # --origin: don't look up the hostname (it need not resolve)
  munged --socket="$MUNGE_SOCKET" --key-file="$MUNGE_KEY" --pid-file="$MUNGE_PID" \
    --log-file="$MUNGE_LOG" --seed-file="$MUNGE_DIR/munged.seed" --origin=127.0.0.1 ||
    die "munged failed to start: $(log_tail "$MUNGE_LOG")"
  # round trip a credential to be sure
  for _ in $(seq 50); do
    if munge -n -S "$MUNGE_SOCKET" 2>/dev/null | unmunge -S "$MUNGE_SOCKET" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  die "munged does not answer on $MUNGE_SOCKET: $(log_tail "$MUNGE_LOG")"
}

on_start_exit() {
  local rc=$?
  if [ $rc != 0 ]; then cmd_stop_quiet 2>/dev/null || true; fi
  exit $rc
}

cmd_start() {
  [ "$(id -u)" = 0 ] || skip "must run as root (slurmd needs root)"
  have_binaries || skip "slurm-wlm/munge not installed (run: $0 install)"
  set_paths "$1" create
  # If anything below fails, stop whatever this start got running.
  trap on_start_exit EXIT

  # Daemons of an earlier start of this STATE_DIR: stop them, start clean.
  if live_pid "$CTLD_PID" slurmctld >/dev/null || live_pid "$SLURMD_PID" slurmd >/dev/null ||
    live_pid "$MUNGE_PID" munged >/dev/null; then
    say "stopping daemons left running in $S"
    cmd_stop_quiet
  fi
  local p
  for p in "$CTLD_PORT" "$SLURMD_PORT"; do
    if port_busy "$p"; then
      die "port $p is already in use (Slurm daemons running: $(other_daemons); stop them, e.g. with \`$0 stop OTHER_STATE_DIR\`, or set LOCAL_SLURM_CTLD_PORT)"
    fi
  done

  mkdir -p "$S/ctld" "$S/spool" "$S/run" "$S/log"
  chmod 0755 "$S/ctld" "$S/spool"
  rm -f "$CTLD_PID" "$SLURMD_PID"
  write_munge_key
  write_conf
  export SLURM_CONF=$CONF

  start_munged

  fresh_log "$CTLD_LOG"
  # -c: clean start (drop jobs and node state of earlier runs)
  slurmctld -c || die "slurmctld failed to start: $(log_tail "$CTLD_LOG")"
  fresh_log "$SLURMD_LOG"
  slurmd -N "$NODE" || die "slurmd failed to start: $(log_tail "$SLURMD_LOG")"

  # Wait (bounded) for the node to be idle ("idle*" = not responding yet).
  local t0=$SECONDS state=""
  while :; do
    state=$(sinfo -h -n "$NODE" -o '%T' 2>/dev/null | head -n 1 || true)
    if [ "$state" = idle ]; then break; fi
    # the daemons write their pid files right after forking; give them 2 s
    if [ $((SECONDS - t0)) -ge 2 ]; then
      live_pid "$CTLD_PID" slurmctld >/dev/null || die "slurmctld exited: $(log_tail "$CTLD_LOG")"
      live_pid "$SLURMD_PID" slurmd >/dev/null || die "slurmd exited: $(log_tail "$SLURMD_LOG")"
    fi
    if [ $((SECONDS - t0)) -ge "$WAIT_S" ]; then
      die "node $NODE not idle after ${WAIT_S}s (state '${state:-no answer}'): slurmctld: $(log_tail "$CTLD_LOG" 2) | slurmd: $(log_tail "$SLURMD_LOG" 2)"
    fi
    sleep 0.2
  done
  trap - EXIT
  say "up: node $NODE idle ($(slurmd -V), ports $CTLD_PORT/$SLURMD_PORT, state $S)"
  print_env
}

# ---------------------------------------------------------------------------
# stop / status / env
# ---------------------------------------------------------------------------

# Cancel this cluster's jobs (their slurmstepd would outlive slurmd otherwise),
# then TERM each daemon and wait; KILL after 15 s.
cmd_stop_quiet() {
  export SLURM_CONF=$CONF
  if live_pid "$CTLD_PID" slurmctld >/dev/null && [ -f "$CONF" ]; then
    local jobs
    jobs=$(squeue -h -o '%A' 2>/dev/null || true)
    if [ -n "$jobs" ]; then
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null || true
      for _ in $(seq 50); do
        [ -z "$(squeue -h -o '%A' 2>/dev/null || true)" ] && break
        sleep 0.2
      done
    fi
  fi
  # TERM all three at once (each takes 1-2 s to exit), then wait for each.
  local spec file name pid pids=()
  for spec in "$SLURMD_PID:slurmd" "$CTLD_PID:slurmctld" "$MUNGE_PID:munged"; do
    file=${spec%:*} name=${spec##*:}
    if pid=$(live_pid "$file" "$name"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid:$name")
    else
      rm -f "$file"   # stale
    fi
  done
  for spec in ${pids[@]+"${pids[@]}"}; do
    pid=${spec%:*} name=${spec##*:}
    for _ in $(seq 150); do
      [ -d "/proc/$pid" ] || break
      sleep 0.1
    done
    if [ -d "/proc/$pid" ]; then
      say "$name (pid $pid) did not exit within 15 s of TERM; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
  done
  rm -f "$SLURMD_PID" "$CTLD_PID" "$MUNGE_PID"
}

cmd_stop() {
  if [ -n "${1:-}" ] && [ ! -d "$1" ]; then
    say "nothing to stop (no state folder $1)"
    return 0
  fi
  set_paths "$1"
  cmd_stop_quiet
  say "stopped (state $S)"
}

cmd_status() {
  set_paths "$1"
  local ok=0 spec file name pid
  for spec in "$MUNGE_PID:munged" "$CTLD_PID:slurmctld" "$SLURMD_PID:slurmd"; do
    file=${spec%:*} name=${spec##*:}
    if pid=$(live_pid "$file" "$name"); then
      echo "$name: running (pid $pid)"
    else
      echo "$name: not running"
      ok=1
    fi
  done
  if [ $ok = 0 ]; then
    SLURM_CONF=$CONF sinfo -N -o '%N %T %c %m' || ok=1
    SLURM_CONF=$CONF squeue || ok=1
  fi
  return $ok
}

cmd_env() {
  set_paths "$1"
  [ -f "$CONF" ] || die "no $CONF (run: $0 start $1)"
  print_env
}

case "${1:-}" in
install) cmd_install ;;
start) cmd_start "${2:-}" ;;
stop) cmd_stop "${2:-}" ;;
status) cmd_status "${2:-}" ;;
env) cmd_env "${2:-}" ;;
*) usage ;;
esac
