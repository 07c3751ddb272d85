// The board's init, run by tini as PID 1's only child (tini reaps orphans). No systemd: mount the basics, bring
// up QEMU user networking, start the agent first, then containerd and dockerd. Each phase prints a line with the
// guest's uptime on the console, which the host turns into boot phases (consolePhases.ts). SIGTERM (from tini,
// or the power button: ACPI through QMP system_powerdown, or the aarch64 board's virtio-serial port) stops the engine and powers off cleanly.
import { powerPort } from './qemuArgs.js';

export const phaseMarker = 'edgepush-phase:';

export const initScript = `#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
phase() { read -r up _ </proc/uptime; echo "${phaseMarker} $1 $up" >/dev/console; }
mount -t proc proc /proc
phase init
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# the virtio disk and network drivers were loaded by the initramfs (initramfs.ts): no modprobe before the agent
mkdir -p /opt/edgepush /var/lib/edgepush /var/log
mount /dev/vdb /opt/edgepush
NAME=edgepush-board
ENGINE_TCP=0
[ -f /opt/edgepush/board.env ] && . /opt/edgepush/board.env
hostname "$NAME"

# The agent first (Node takes the longest to start under TCG); it binds 0.0.0.0, so the network can follow.
# A board is a whole machine, as a balenaOS device is: privileged services are honoured inside it.
# boot.js (agentLoader.ts) runs cli.js with a V8 code cache kept on the agent disk (codeCache.ts).
AGENT_PID=
if [ -f /opt/edgepush/cli.js ]; then
  node /opt/edgepush/boot.js /opt/edgepush/cli.js /opt/edgepush/agent.v8cache \\
    device --address 0.0.0.0 --local-mode-open --engine unix:///run/docker.sock \\
    --name "$NAME" --data /var/lib/edgepush --allow-privileged >/dev/console 2>&1 &
  AGENT_PID=$!
  phase agent-started
fi

# one ip process for the whole set-up (each process start costs under TCG, beside the agent's start-up)
ip -batch - <<'NET'
link set lo up
link set eth0 up
addr add 10.0.2.15/24 dev eth0
route add default via 10.0.2.2
NET
echo 'nameserver 10.0.2.3' >/etc/resolv.conf
phase network

nice -n 10 modprobe -a overlay veth bridge br_netfilter nf_nat 2>/dev/null
# The engine starts at a lower priority so the agent's start-up (the /ping users wait for) is not starved; it gets
# its normal priority back once its socket is up, before any container starts.
nice -n 10 containerd --config /etc/containerd/edgepush.toml >/var/log/containerd.log 2>&1 &
CONTAINERD_PID=$!
TCP=
[ "$ENGINE_TCP" = 1 ] && TCP="-H tcp://0.0.0.0:2375"
nice -n 10 dockerd --containerd=/run/containerd/containerd.sock -H unix:///run/docker.sock $TCP --tls=false \\
  --iptables=false --log-level=warn >/var/log/dockerd.log 2>&1 &
DOCKERD_PID=$!
(
  while [ ! -S /run/docker.sock ]; do sleep 0.2; done
  renice -n 0 -p "$CONTAINERD_PID" "$DOCKERD_PID" >/dev/null 2>&1
  phase engine
  iptables -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE 2>/dev/null
) &

stop_board() {
  phase poweroff
  [ -n "$AGENT_PID" ] && kill -TERM "$AGENT_PID" 2>/dev/null
  kill -TERM "$DOCKERD_PID" 2>/dev/null
  i=0
  while kill -0 "$DOCKERD_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
  kill -TERM "$CONTAINERD_PID" 2>/dev/null
  i=0
  while kill -0 "$CONTAINERD_PID" 2>/dev/null && [ $i -lt 25 ]; do sleep 0.2; i=$((i + 1)); done
  sync
  mount -o remount,ro / 2>/dev/null || { echo u >/proc/sysrq-trigger; sleep 1; }
  phase halted
  echo o >/proc/sysrq-trigger
  sleep 10
}
trap stop_board TERM INT

# The ACPI power button (QMP system_powerdown) arrives as an input event (24 bytes): any event means "power off".
(
  sleep 1
  nice -n 10 modprobe -a button evdev 2>/dev/null
  for d in /sys/class/input/event*; do
    [ "$(cat "$d/device/name" 2>/dev/null)" = "Power Button" ] || continue
    dd if="/dev/input/\${d##*/}" of=/dev/null bs=24 count=1 2>/dev/null && kill -TERM $$
  done
) &
# The aarch64 board's power button (its kernel has no driver for the virt machine's gpio-keys): a line on the
# virtio-serial port ${powerPort.name} (qemuArgs.ts), written by the host through its socket (power.ts). Read
# returns at once while the host side is not connected, hence the loop.
(
  sleep 1
  grep -qx 0x0003 /sys/bus/virtio/devices/*/device 2>/dev/null || exit 0 # no virtio console device: not this board
  nice -n 10 modprobe virtio_console 2>/dev/null
  sleep 1
  for p in /sys/class/virtio-ports/vport*; do
    [ "$(cat "$p/name" 2>/dev/null)" = ${powerPort.name} ] || continue
    while :; do
      read -r _ <"/dev/\${p##*/}" && kill -TERM $$ && break
      sleep 1
    done
  done
) &

# A board restored from its saved state (snapshot.ts) wakes up with the clock of the moment it was saved; QEMU's
# RTC follows the host clock, so the system clock is set from it whenever the two part by more than 2 s (shell
# builtins only, one sleep every 2 s).
(
  read rtc0 </sys/class/rtc/rtc0/since_epoch 2>/dev/null || exit 0
  read up0 _ </proc/uptime
  up0=\${up0%.*}
  while sleep 2; do
    read rtc </sys/class/rtc/rtc0/since_epoch || continue
    read up _ </proc/uptime
    up=\${up%.*}
    drift=$((rtc - rtc0 - (up - up0)))
    if [ "$drift" -gt 2 ] || [ "$drift" -lt -2 ]; then
      date -s "@$rtc" >/dev/null 2>&1 && echo "edgepush: clock set from the RTC (it was $drift s behind)" >/dev/console
    fi
    rtc0=$rtc
    up0=$up
  done
) &

while :; do
  sleep 86400 &
  wait $!
done
`;

/** containerd without the CRI plugin and the snapshotters a board never uses: starts faster under TCG. */
export const containerdConfig = `version = 2
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "/run/containerd/containerd.sock"
`;
