// Watches the engine's container events for this device: starts following output when a container starts,
// says "Service exited" when one stops by itself, and nudges the reconciler. Reconnects when the engine returns.
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import * as z from 'zod';
import type { DeviceScope } from './scope.js';
import type { LogHub } from './logHub.js';
import type { UpdateEventBus } from './updateEventBus.js';
import { L } from './containerSpec.js';
import { LineSplitter } from '../shared/lineStream.js';

const eventSchema = z.object({
  Type: z.string().optional(),
  Action: z.string().optional(),
  Actor: z.object({ ID: z.string(), Attributes: z.record(z.string(), z.string()).default({}) }).optional(),
});

export interface EngineEventsDeps {
  docker: Docker;
  scope: DeviceScope;
  hub: LogHub;
  events: UpdateEventBus;
  follow(containerId: string): void;
  forget(containerId: string): void;
  changed(): void;
}

export function watchEngineEvents(deps: EngineEventsDeps): { stop(): void } {
  let stopped = false;
  let stream: Readable | undefined;
  let timer: NodeJS.Timeout | undefined;
  const connect = async () => {
    if (stopped) return;
    try {
      const s = (await deps.docker.getEvents({ filters: { type: ['container'], label: [deps.scope.filter] } })) as unknown as Readable;
      if (stopped) {
        s.destroy();
        return;
      }
      stream = s;
      const lines = new LineSplitter();
      s.on('data', (chunk: Buffer | string) => {
        for (const line of lines.push(chunk)) handle(deps, line);
      });
      const again = () => {
        if (stream === s) stream = undefined;
        if (!stopped) {
          timer = setTimeout(() => void connect(), 1000);
          deps.changed();
        }
      };
      s.on('end', again);
      s.on('error', again);
      deps.changed();
    } catch {
      timer = setTimeout(() => void connect(), 1000);
    }
  };
  void connect();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      stream?.destroy();
    },
  };
}

function handle(deps: EngineEventsDeps, line: string): void {
  let e: z.infer<typeof eventSchema>;
  try {
    e = eventSchema.parse(JSON.parse(line));
  } catch {
    return;
  }
  const id = e.Actor?.ID;
  const attrs = e.Actor?.Attributes ?? {};
  const serviceName = attrs[L.service];
  if (!id || !serviceName) return;
  const appId = Number(attrs[L.app] ?? 0);
  const release = attrs[L.commit] ?? '';
  if (e.Action === 'start') {
    deps.follow(id);
  } else if (e.Action === 'die') {
    const code = Number(attrs.exitCode ?? NaN);
    deps.hub.system(`Service exited '${serviceName}${attrs.image ? ` ${attrs.image.slice(0, 19)}` : ''}'`);
    deps.events.emit({
      type: 'service',
      appId,
      serviceName,
      release,
      phase: 'exited',
      containerId: id,
      ...(Number.isFinite(code) ? { exitCode: code } : {}),
    });
    deps.changed();
  } else if (e.Action === 'destroy') {
    deps.forget(id);
    deps.changed();
  }
}
