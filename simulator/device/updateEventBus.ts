// The device's in-process bus of update events (simulator/shared/updateEvents.ts), streamed by /v2/edgepush/events.
import { EventEmitter } from 'node:events';
import type { UpdateEvent, UpdateEventInput } from '../shared/updateEvents.js';

/** In-process bus; keeps the last event per service so a new subscriber first gets the current picture. */
export class UpdateEventBus {
  private readonly emitter = new EventEmitter();
  private readonly latest = new Map<string, UpdateEvent>();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  emit(e: UpdateEventInput): void {
    const event = { ...e, time: Date.now() } as UpdateEvent;
    if (event.type === 'service') this.latest.set(`${event.appId}/${event.serviceName}`, event);
    if (event.type === 'device') this.latest.set('device', event);
    this.emitter.emit('event', event);
  }

  snapshot(): UpdateEvent[] {
    return [...this.latest.values()];
  }

  subscribe(fn: (e: UpdateEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }
}
