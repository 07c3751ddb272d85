// The device's log hub (simulator/device/logHub.ts): a follower that never reads cannot stall the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { LogHub } from '../../../simulator/device/logHub.js';

test('a log follower that never reads loses lines instead of stalling the others', () => {
  const hub = new LogHub();
  class FakeResponse extends EventEmitter {
    readonly written: string[] = [];
    private held = 0;
    constructor(private readonly unread: boolean) {
      super();
    }
    get writableLength(): number {
      return this.unread ? this.held : 0;
    }
    writeHead(): this {
      return this;
    }
    write(chunk: string): boolean {
      this.written.push(chunk);
      this.held += chunk.length;
      return true;
    }
    end(): void {}
  }
  const fake = (unread: boolean) => {
    const res = new FakeResponse(unread);
    return { res: res as unknown as ServerResponse, written: res.written };
  };
  const slow = fake(true);
  const fast = fake(false);
  hub.follow(slow.res, []);
  hub.follow(fast.res, []);
  const line = 'x'.repeat(1000);
  for (let i = 0; i < 3000; i++) hub.system(line);
  assert.equal(fast.written.length, 3001);
  assert.ok(slow.written.length < 1200, `slow follower buffered ${slow.written.length} lines`);
  assert.equal(hub.since(0).length, 2000);
});
