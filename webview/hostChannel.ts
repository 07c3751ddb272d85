// The view's end of the protocol: says `ready` once, sends requests matched to replies by id, and hands
// validated notifications to the view. Anything that does not match the protocol is dropped.
import type { NotificationBody, RequestBody, ViewKind } from './protocol.js';
import { parseHostToView } from './protocol.js';

interface VsCodeApi {
  postMessage(message: unknown): void;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** The API as the page's inline loader acquired it (VS Code hands it out once per page). */
function vsCodeApi(): VsCodeApi {
  return (window as { edgepushVsCodeApi?: VsCodeApi }).edgepushVsCodeApi ?? acquireVsCodeApi();
}

export class HostChannel {
  private readonly api: VsCodeApi;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  constructor(view: ViewKind, onNotify: (body: NotificationBody) => void) {
    this.api = vsCodeApi();
    window.addEventListener('message', (ev: MessageEvent) => {
      const msg = parseHostToView(ev.data);
      if (!msg) return;
      if (msg.kind === 'notify') onNotify(msg.body);
      else {
        const w = this.waiting.get(msg.id);
        this.waiting.delete(msg.id);
        if (msg.ok) w?.resolve();
        else w?.reject(new Error(msg.error ?? 'request failed'));
      }
    });
    this.api.postMessage({ kind: 'ready', view });
  }

  /** What VS Code hands the panel's serializer after a window reload. */
  setState(state: { device?: string }): void {
    this.api.setState(state);
  }

  request(body: RequestBody): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.api.postMessage({ kind: 'request', id, body });
    });
  }
}
