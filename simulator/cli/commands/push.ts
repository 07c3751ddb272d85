import type { CliCommand } from '../command.js';
import { notYetAvailable } from '../notYetAvailable.js';

export const pushCommand: CliCommand = {
  name: 'push',
  summary: 'build a project and run it on a device',
  usage: `edgepush push [DIR] --device ADDR [--build-on device|local] [--env K=V | --env svc:K=V]... [--service S] [--nolive] [--detached] [--json]`,
  options: { device: { type: 'string' }, 'build-on': { type: 'string' }, env: { type: 'string', multiple: true }, service: { type: 'string', multiple: true }, nolive: { type: 'boolean' }, detached: { type: 'boolean' }, json: { type: 'boolean' } },
  run: () => notYetAvailable('push', 4),
};
