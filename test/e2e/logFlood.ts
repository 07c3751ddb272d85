// Feeds the real log panel 10,000 lines per second (as the host would: a batch every 50 ms) through the same
// message path the extension uses, and reports what a user would see: the last line, how many rows are kept, the
// frame rate while drawing, and how long the last batch took to show.
// The page script is a string: the test loader (tsx) would otherwise add helpers the page does not have.
import type { Frame } from 'playwright-core';

export interface FloodResult {
  fps: number;
  /** Lines the panel keeps (its buffer), from its line count. */
  kept: number;
  /** Row elements in the page: only those in view are drawn. */
  rowElements: number;
  /** The last flood line is on screen (the app's own lines may arrive after it). */
  lastShown: boolean;
  reconnectMarkers: number;
  lagMs: number;
}

const pageScript = `(async () => {
  const perBatch = 500;
  const batches = 60;
  const services = ['main', 'worker', 'api'];
  let frames = 0;
  let running = true;
  const tick = () => { frames++; if (running) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const t0 = performance.now();
  let n = 0;
  let seq = 1000000;
  for (let b = 0; b < batches; b++) {
    const entries = [];
    for (let i = 0; i < perBatch; i++) {
      // One reconnect marker near the end, so it is still within the kept lines.
      if (b === batches - 2 && i === 250) entries.push({ seq: ++seq, timestamp: Date.now(), kind: 'reconnect', message: 'log stream ended' });
      n++;
      const e = { seq: ++seq, timestamp: Date.now(), kind: 'line', service: services[n % 3], message: 'flood line ' + n };
      if (n % 7 === 0) e.stderr = true;
      entries.push(e);
    }
    window.postMessage({ kind: 'notify', body: { type: 'logs/append', entries } }, '*');
    await sleep(50);
  }
  const sent = performance.now();
  const lastShown = () => [...document.querySelectorAll('.lines .line .msg')].some((m) => m.textContent === 'flood line ' + n);
  while (!lastShown() && performance.now() - sent < 10000) await sleep(5);
  const lagMs = performance.now() - sent;
  running = false;
  const secs = (performance.now() - t0) / 1000;
  const shown = lastShown();
  const rowElements = document.querySelectorAll('.lines .line').length;
  const kept = parseInt(document.querySelector('.count').textContent, 10);
  // A filter that matches no line leaves only the reconnect markers, which are never filtered out.
  const field = document.querySelector('.filter-text');
  field.value = 'no line matches this';
  field.dispatchEvent(new Event('input'));
  await sleep(100);
  const reconnectMarkers = document.querySelectorAll('.lines .line.reconnect').length;
  field.value = '';
  field.dispatchEvent(new Event('input'));
  await sleep(100);
  return { fps: frames / secs, kept, rowElements, lastShown: shown, reconnectMarkers, lagMs };
})()`;

export function floodLogPanel(frame: Frame): Promise<FloodResult> {
  return frame.evaluate(pageScript) as Promise<FloodResult>;
}
