// The dashboard's picture of one push, folded from the push pipeline's events by a pure reducer, and the list
// of recent pushes. No `vscode` import: unit-tested in plain Node.
import type { PushEvent, PushReport } from '../../simulator/push/types.js';
import { phaseOfServiceState } from '../../simulator/push/serviceState.js';
import type { PushStatus, PushView, ServicePhaseView, ServiceTimeline } from '../../webview/protocol.js';

export const HISTORY_LIMIT = 10;

export function startPush(id: number, device: string, project: string, now: number, linkBitsPerSecond?: number): PushView {
  return { id, device, project, startedAt: now, status: 'running', services: [], linkBitsPerSecond };
}

function withService(view: PushView, name: string, update: (s: ServiceTimeline) => ServiceTimeline): PushView {
  const existing = view.services.find((s) => s.name === name);
  const base: ServiceTimeline = existing ?? { name, phase: 'waiting', history: [] };
  const next = update(base);
  const services = existing ? view.services.map((s) => (s.name === name ? next : s)) : [...view.services, next];
  return { ...view, services };
}

function enterPhase(s: ServiceTimeline, phase: ServicePhaseView, atMs: number): ServiceTimeline {
  if (s.phase === phase && s.history.length > 0) return s;
  return { ...s, phase, percent: undefined, history: [...s.history, { phase, atMs }] };
}

/** Folds one pipeline event into the view of the running push. */
export function applyPushEvent(view: PushView, e: PushEvent, now: number): PushView {
  const atMs = Math.max(0, now - view.startedAt);
  switch (e.type) {
    case 'step':
      return { ...view, step: e.message };
    case 'release':
      return { ...view, release: e.release };
    case 'build-output':
      return withService(view, e.service, (s) => (s.phase === 'waiting' ? enterPhase(s, 'building', atMs) : s));
    case 'service':
      return withService(view, e.service, (s) => {
        const entered = enterPhase(s, e.phase, atMs);
        return { ...entered, percent: e.percent, bytes: e.bytes ?? entered.bytes, message: e.message ?? entered.message };
      });
    case 'report':
      return applyReport(view, e.report, now);
  }
}

/** The final report: figures per service, and each service's final state from the device. */
export function applyReport(view: PushView, report: PushReport, now: number): PushView {
  let next: PushView = { ...view, release: report.release, report: report.services.map((s) => ({ ...s })) };
  for (const s of report.services) {
    const phase = phaseOfServiceState(s.state);
    if (phase) next = withService(next, s.name, (t) => enterPhase(t, phase, Math.max(0, now - view.startedAt)));
  }
  return next;
}

export function finishPush(view: PushView, status: Exclude<PushStatus, 'running'>, now: number, error?: string): PushView {
  const services = view.services.map((s) =>
    status !== 'succeeded' && s.phase !== 'running' && s.phase !== 'exited' ? enterPhase(s, 'failed', now - view.startedAt) : s,
  );
  return { ...view, status, finishedAt: now, error, services, step: undefined };
}

/** Newest first, at most HISTORY_LIMIT pushes. */
export function addToHistory(history: PushView[], finished: PushView): PushView[] {
  return [finished, ...history.filter((p) => p.id !== finished.id)].slice(0, HISTORY_LIMIT);
}
