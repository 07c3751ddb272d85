import type { CliCommand } from '../command.js';
import { stringOpt, requiredOpt, flag, noExtraPositionals, UsageError } from '../command.js';
import { startDevice } from '../../device/device.js';
import { installLastResortGuard } from '../../device/lastResort.js';

export const deviceCommand: CliCommand = {
  usage: [
    'edgepush device --address ADDR [--name NAME] [--device-type TYPE] [--arch ARCH] [--data DIR] [--engine URL] [--link RATE] [--announce IFACE] [--api-key KEY | --local-mode-open] [--allow-privileged] [--stock] [--disk-free SIZE]',
    '',
    '  --address ADDR      loopback address to listen on (supervisor :48484, engine :2375), e.g. 127.0.0.2',
    '  --name NAME         device name (default sim-<address>); scopes its containers, images and volumes',
    '  --device-type TYPE  balena device type, e.g. raspberrypi4-64, raspberrypi3 (default genericx86-64-ext, or $EDGEPUSH_DEVICE_TYPE); its containers run that arch (qemu-user where foreign)',
    '  --arch ARCH         override the architecture the type implies (aarch64, armv7hf, rpi, amd64, i386)',
    '  --data DIR          state directory (default ~/.local/state/edgepush/devices/<name>)',
    '  --engine URL        Docker engine: unix:///var/run/docker.sock (default, or $DOCKER_HOST) or tcp://HOST:PORT',
    '  --link RATE         throttle what the device receives, e.g. 1mbit, 256kbit, 500kbps',
    '  --announce IFACE    publish mDNS _ssh._tcp (subtype resin-device) on that interface',
    '  --api-key KEY       require KEY on every request, engine port included (Authorization: Bearer KEY)',
    '  --local-mode-open   closed-network mode: no key on either port, any address (a balenaOS development device)',
    '  --allow-privileged  let containers reach the host (privileged, host binds, devices, capabilities, host namespaces); default: refused, each refusal logged',
    '  --stock             only what a stock balenaOS device offers: no EdgePush endpoints (events, stats, deltas), no log replay; host network allowed',
    '  --disk-free SIZE    pretend only SIZE of disk is free (e.g. 50MB): the free-space check before a push sees it',
  ].join('\n'),
  options: {
    address: { type: 'string' },
    name: { type: 'string' },
    'device-type': { type: 'string' },
    arch: { type: 'string' },
    data: { type: 'string' },
    engine: { type: 'string' },
    link: { type: 'string' },
    announce: { type: 'string' },
    'api-key': { type: 'string' },
    'local-mode-open': { type: 'boolean' },
    'allow-privileged': { type: 'boolean' },
    stock: { type: 'boolean' },
    'disk-free': { type: 'string' },
  },
  async run(args) {
    noExtraPositionals(args, 0);
    if (stringOpt(args, 'api-key') !== undefined && flag(args, 'local-mode-open')) {
      throw new UsageError('--api-key and --local-mode-open exclude each other (a key protects both ports; open means no key anywhere)');
    }
    const device = await startDevice({
      address: requiredOpt(args, 'address'),
      name: stringOpt(args, 'name'),
      // A board's init starts the agent with a fixed command line; its agent disk's board.env says the type.
      deviceType: stringOpt(args, 'device-type') ?? (process.env.EDGEPUSH_DEVICE_TYPE || undefined),
      arch: stringOpt(args, 'arch'),
      dataDir: stringOpt(args, 'data'),
      engine: stringOpt(args, 'engine'),
      link: stringOpt(args, 'link'),
      announce: stringOpt(args, 'announce'),
      apiKey: stringOpt(args, 'api-key'),
      localModeOpen: flag(args, 'local-mode-open'),
      allowPrivileged: flag(args, 'allow-privileged'),
      stock: flag(args, 'stock'),
      diskFreeBytes: diskFreeOpt(stringOpt(args, 'disk-free')),
    });
    const engine = device.enginePort ? `, engine ${device.address}:${device.enginePort}` : '';
    process.stderr.write(
      `device '${device.name}' (${device.uuid.slice(0, 7)}) ready: supervisor ${device.address}:${device.supervisorPort}${engine}, data ${device.dataDir}\n`,
    );
    const unguard = installLastResortGuard((line) => device.hub.system(line));
    const off = device.hub.onLine((l) => {
      if (l.isSystem) process.stderr.write(`[system] ${l.message}\n`);
    });
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    off();
    process.stderr.write('stopping device\n');
    await device.stop();
    unguard();
    return 0;
  },
};

function diskFreeOpt(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(v.trim());
  if (!m) throw new UsageError(`--disk-free takes a size such as 50MB, not '${v}'`);
  const unit = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Math.floor(Number(m[1]) * unit);
}
