// Log floods on a real `edgepush device`: lines may be lost under a flood, but never silently and never with
// an unbounded lag. A reader that stalls gets a gap notice that passes a service filter (what `edgepush logs
// --service` and the log panel apply), and a device that falls more than a few seconds behind a service's
// output skips to the present, saying so in that service's log.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startTestDevice, postTarget, serviceContainers, docker, waitFor, type TestDevice } from './helpers.js';
import { wantedLine } from '../../../simulator/push/logFollow.js';
import type { DeviceLogLine } from '../../../simulator/push/types.js';
import { testAddress } from '../../testNet.js';

let dev: TestDevice;

before(async () => {
  dev = await startTestDevice(testAddress(50, 40));
});
after(async () => {
  await dev?.cleanup();
});

/** A raw follower of /v2/local/logs that can stop reading (as a slow terminal or a busy editor would). */
function follower(): { lines: DeviceLogLine[]; pause(): void; resume(): void; close(): void } {
  const lines: DeviceLogLine[] = [];
  let res: http.IncomingMessage | undefined;
  let paused = false;
  const req = http.get({ host: dev.address, port: 48484, path: '/v2/local/logs' }, (r) => {
    res = r;
    if (paused) r.pause();
    let buf = '';
    r.setEncoding('utf8');
    r.on('data', (c: string) => {
      buf += c;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        lines.push(JSON.parse(buf.slice(0, i)) as DeviceLogLine);
        buf = buf.slice(i + 1);
      }
    });
  });
  req.on('error', () => undefined);
  return {
    lines,
    pause: () => ((paused = true), res?.pause()),
    resume: () => ((paused = false), res?.resume()),
    close: () => req.destroy(),
  };
}

const flood = (script: string, commit: string) =>
  postTarget(dev, [{ serviceName: 'flood', image: 'edgepush-base/busybox:latest', command: ['sh', '-c', script], restart: 'no' }], commit);

test('a reader that stalls during a flood is told how many lines it lost, through a service filter', async () => {
  const f = follower();
  try {
    f.pause();
    // 4,000 lines of 10 kB: far more than the socket and the device's 1 MiB queue for one reader hold.
    await flood(
      'sleep 1; x=$(head -c 10000 /dev/zero | tr "\\0" x); i=0; while [ $i -lt 4000 ]; do echo "$i $x"; i=$((i+1)); done; while true; do echo END; sleep 1; done',
      'flood1',
    );
    // The reader stays stalled until the service has printed it all (as the engine tells). END comes again every
    // second: the first may itself be among the lines dropped (or skipped by an agent running behind on a busy
    // machine), and the reader must still see the flood end.
    await waitFor(
      'the whole flood printed',
      async () => {
        const [c] = await serviceContainers(dev, 'flood');
        if (!c) return false;
        const tail = (await docker.getContainer(c.Id).logs({ stdout: true, tail: 1 })).toString();
        return tail.includes('END');
      },
      60000,
    );
    f.resume();
    await waitFor('the end of the flood', async () => f.lines.some((l) => l.serviceName === 'flood' && l.message === 'END'), 60000);
    const shown = f.lines.filter((l) => wantedLine(l, ['flood'], false));
    const gap = shown.find((l) => l.gap);
    assert.ok(gap, `a gap notice among the lines a --service flood view shows (saw ${shown.length} lines)`);
    assert.match(gap.message, /^\d+ log lines dropped \(slow reader\)$/);
    assert.ok(shown.filter((l) => l.serviceName === 'flood' && /^\d+ x/.test(l.message)).length < 4000, 'lines were lost');
  } finally {
    f.close();
  }
});

test('a device that falls behind a flood skips to the present and says so in the service log', async () => {
  const f = follower();
  try {
    // A line every few milliseconds, for ever.
    await flood('i=0; while true; do echo "tick $i"; i=$((i+1)); usleep 2000; done', 'flood2');
    await waitFor('ticks', async () => f.lines.some((l) => l.serviceName === 'flood' && l.message.startsWith('tick')), 30000);
    // Freeze the agent for 7 s: the service keeps printing, and the agent wakes up 7 s behind.
    process.kill(dev.proc.pid, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 7000));
    process.kill(dev.proc.pid, 'SIGCONT');
    const gap = await waitFor('a skip notice', async () => f.lines.find((l) => l.gap && l.serviceName === 'flood'), 30000);
    assert.match(gap.message, /skipped: the service printed faster than the device forwards/);
    // After the skip, lines arrive close to when they were printed.
    const at = f.lines.indexOf(gap);
    await waitFor('lines after the skip', async () => f.lines.slice(at + 1).filter((l) => l.serviceName === 'flood').length >= 50, 30000);
    const after = f.lines.slice(at + 1).filter((l) => l.serviceName === 'flood');
    const lag = Date.now() - after[after.length - 1]!.timestamp!;
    assert.ok(lag < 5000, `the lag is bounded (${lag} ms)`);
  } finally {
    f.close();
    if (dev) process.kill(dev.proc.pid, 'SIGCONT');
  }
});
