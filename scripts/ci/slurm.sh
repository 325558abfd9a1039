#!/usr/bin/env bash
# A real one-host Slurm cluster for the control plane's Slurm tests (see ../shared/notes/slurm-one-host.md):
# installs slurm-wlm, slurmrestd and munge if missing, declares 8 GPUs backed by fake device files,
# starts munged, slurmctld, slurmd and slurmrestd (127.0.0.1:6820, as user slurmrest, JWT auth),
# and exports SUPERFACTORY_SLURM_URL, SUPERFACTORY_SLURM_TOKEN and SUPERFACTORY_SLURM_USER.
# Idempotent. Use: `source scripts/ci/slurm.sh`. Needs root.
_sf_slurm_main() {
  local port="${SUPERFACTORY_SLURM_PORT:-6820}" host
  host=$(hostname -s)
  export DEBIAN_FRONTEND=noninteractive
  if ! command -v slurmctld >/dev/null || ! command -v slurmrestd >/dev/null || ! command -v munged >/dev/null; then
    echo "slurm.sh: installing slurm-wlm slurmrestd munge from Debian's packages" >&2
    apt-get update -qq >&2 || return 1
    apt-get install -y -qq slurm-wlm slurmrestd munge >&2 || return 1
  fi
  # munge
  mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
  fi
  chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
  chmod 700 /etc/munge; chmod 400 /etc/munge/munge.key; chmod 755 /run/munge
  if ! pgrep -u munge -x munged >/dev/null; then
    su -s /bin/sh munge -c /usr/sbin/munged >&2 || return 1
  fi
  # fake GPU device files: GRES by count alone leaves the node INVALID
  local i
  for i in 0 1 2 3 4 5 6 7; do [ -e /dev/fakegpu$i ] || mknod /dev/fakegpu$i c 1 3; done
  # JWT key and config
  mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
  if [ ! -s /var/spool/slurmctld/jwt_hs256.key ]; then
    dd if=/dev/urandom bs=32 count=1 of=/var/spool/slurmctld/jwt_hs256.key 2>/dev/null
  fi
  chmod 600 /var/spool/slurmctld/jwt_hs256.key
  local mem
  mem=$(awk '/MemTotal/ {print int($2/1024*0.8)}' /proc/meminfo)
  cat > /etc/slurm/slurm.conf.new <<CONF
ClusterName=superfactory
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
AuthAltTypes=auth/jwt
AuthAltParameters=jwt_key=/var/spool/slurmctld/jwt_hs256.key
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=600
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=$host CPUs=$(nproc) RealMemory=$mem Gres=gpu:8 State=UNKNOWN
PartitionName=gpu Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
CONF
  echo "NodeName=$host Name=gpu File=/dev/fakegpu[0-7]" > /etc/slurm/gres.conf.new
  local changed=0
  cmp -s /etc/slurm/slurm.conf.new /etc/slurm/slurm.conf || { mv /etc/slurm/slurm.conf.new /etc/slurm/slurm.conf; changed=1; }
  cmp -s /etc/slurm/gres.conf.new /etc/slurm/gres.conf || { mv /etc/slurm/gres.conf.new /etc/slurm/gres.conf; changed=1; }
  rm -f /etc/slurm/slurm.conf.new /etc/slurm/gres.conf.new
  if [ "$changed" = 1 ]; then
    pkill -x slurmrestd 2>/dev/null; pkill -x slurmctld 2>/dev/null; pkill -x slurmd 2>/dev/null; sleep 1
  fi
  pgrep -x slurmctld >/dev/null || /usr/sbin/slurmctld >&2 || return 1
  pgrep -x slurmd >/dev/null || /usr/sbin/slurmd >&2 || return 1
  for i in $(seq 1 30); do
    scontrol ping 2>/dev/null | grep -q UP && break
    sleep 1
  done
  # bring the node back if an earlier run left it down/drained
  scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true
  id slurmrest >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin slurmrest
  if ! pgrep -x slurmrestd >/dev/null; then
    (SLURM_JWT=daemon setsid /usr/sbin/slurmrestd -u slurmrest -a rest_auth/jwt -s openapi/v0.0.38 "127.0.0.1:$port" \
      >/var/log/slurm/slurmrestd.log 2>&1 </dev/null &)
  fi
  for i in $(seq 1 30); do
    (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.5
  done
  local tok
  tok=$(scontrol token lifespan=86400 username=root 2>/dev/null | sed -n 's/^SLURM_JWT=//p')
  [ -n "$tok" ] || { echo "slurm.sh: could not mint a JWT (scontrol token)" >&2; return 1; }
  export SUPERFACTORY_SLURM_URL="http://127.0.0.1:$port"
  export SUPERFACTORY_SLURM_TOKEN="$tok"
  export SUPERFACTORY_SLURM_USER=root
  echo "export SUPERFACTORY_SLURM_URL=$SUPERFACTORY_SLURM_URL SUPERFACTORY_SLURM_USER=root SUPERFACTORY_SLURM_TOKEN=<jwt>"
  sinfo -N -o '%N %T %G' >&2 || true
}

# A second, independent cluster on the same host (a second "site"; ../shared/notes/slurm-one-host.md): its own
# slurm.conf (SLURM_CONF), cluster name, ports (6917/6918), state, spool, pid and log files, and slurmrestd on
# 127.0.0.1:6821. Exports SUPERFACTORY_SLURM_B_URL and SUPERFACTORY_SLURM_B_TOKEN. Daemons are found by pid file.
_sf_slurm_b() {
  local conf=/etc/slurm-b/slurm.conf port="${SUPERFACTORY_SLURM_B_PORT:-6821}" host i
  host=$(hostname -s)
  [ -s /etc/slurm/slurm.conf ] || return 1
  mkdir -p /etc/slurm-b /var/spool/slurmctld-b /var/spool/slurmd-b /var/log/slurm
  cp -n /var/spool/slurmctld/jwt_hs256.key /var/spool/slurmctld-b/jwt_hs256.key
  chmod 600 /var/spool/slurmctld-b/jwt_hs256.key
  sed -e 's/^ClusterName=.*/ClusterName=superfactory-b/' \
    -e 's#^AuthAltParameters=.*#AuthAltParameters=jwt_key=/var/spool/slurmctld-b/jwt_hs256.key#' \
    -e 's#^StateSaveLocation=.*#StateSaveLocation=/var/spool/slurmctld-b#' \
    -e 's#^SlurmdSpoolDir=.*#SlurmdSpoolDir=/var/spool/slurmd-b#' \
    -e 's#^SlurmctldPidFile=.*#SlurmctldPidFile=/run/slurmctld-b.pid#' \
    -e 's#^SlurmdPidFile=.*#SlurmdPidFile=/run/slurmd-b.pid#' \
    -e 's#^SlurmctldLogFile=.*#SlurmctldLogFile=/var/log/slurm/slurmctld-b.log#' \
    -e 's#^SlurmdLogFile=.*#SlurmdLogFile=/var/log/slurm/slurmd-b.log#' \
    /etc/slurm/slurm.conf > "$conf.new"
  printf 'SlurmctldPort=6917\nSlurmdPort=6918\n' >> "$conf.new"
  cmp -s "$conf.new" "$conf" || mv "$conf.new" "$conf"
  rm -f "$conf.new"
  cp /etc/slurm/gres.conf /etc/slurm-b/gres.conf
  _alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
  _alive /run/slurmctld-b.pid || SLURM_CONF=$conf /usr/sbin/slurmctld >&2 || return 1
  _alive /run/slurmd-b.pid || SLURM_CONF=$conf /usr/sbin/slurmd >&2 || return 1
  for i in $(seq 1 30); do
    SLURM_CONF=$conf scontrol ping 2>/dev/null | grep -q UP && break
    sleep 1
  done
  SLURM_CONF=$conf scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true
  if ! (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    (SLURM_CONF=$conf SLURM_JWT=daemon setsid /usr/sbin/slurmrestd -u slurmrest -a rest_auth/jwt -s openapi/v0.0.38 \
      "127.0.0.1:$port" >/var/log/slurm/slurmrestd-b.log 2>&1 </dev/null &)
  fi
  for i in $(seq 1 30); do
    (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.5
  done
  local tok
  tok=$(SLURM_CONF=$conf scontrol token lifespan=86400 username=root 2>/dev/null | sed -n 's/^SLURM_JWT=//p')
  [ -n "$tok" ] || { echo "slurm.sh: could not mint a JWT for the second cluster" >&2; return 1; }
  export SUPERFACTORY_SLURM_B_URL="http://127.0.0.1:$port"
  export SUPERFACTORY_SLURM_B_TOKEN="$tok"
  echo "export SUPERFACTORY_SLURM_B_URL=$SUPERFACTORY_SLURM_B_URL SUPERFACTORY_SLURM_B_TOKEN=<jwt>"
  SLURM_CONF=$conf sinfo -N -o '%N %T %G' >&2 || true
}
_sf_slurm_main && _sf_slurm_b
