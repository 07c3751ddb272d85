// The live timeline of one service's update: the phases in order, each done, current or still to come, with the
// percentage and bytes of the current one. Pure, unit-tested.
import type { ServicePhaseView, ServiceTimeline } from '../protocol.js';

export const TIMELINE_PHASES = ['building', 'shipping', 'downloaded', 'installing', 'running'] as const;
type TimelinePhase = (typeof TIMELINE_PHASES)[number];

export interface PhaseStep {
  phase: TimelinePhase | 'exited' | 'failed';
  label: string;
  state: 'done' | 'current' | 'pending' | 'bad';
  percent?: number;
  /** Bytes moved so far in the current phase (shipping), when known. */
  bytes?: number;
  atMs?: number;
}

const labels: Record<ServicePhaseView, string> = {
  waiting: 'Waiting',
  building: 'Building',
  shipping: 'Shipping',
  downloaded: 'Downloaded',
  installing: 'Installing',
  running: 'Running',
  exited: 'Exited',
  failed: 'Failed',
};

export function timelineSteps(s: ServiceTimeline, pushRunning: boolean): PhaseStep[] {
  const reached = new Map(s.history.map((h) => [h.phase, h.atMs]));
  const currentIdx = TIMELINE_PHASES.indexOf(s.phase as TimelinePhase);
  const bad = s.phase === 'exited' || s.phase === 'failed';
  // The furthest normal phase reached (a service may skip phases, e.g. nothing to ship).
  let furthest = currentIdx;
  if (furthest < 0) for (const [i, p] of TIMELINE_PHASES.entries()) if (reached.has(p)) furthest = i;
  const steps: PhaseStep[] = TIMELINE_PHASES.map((phase, i) => {
    let state: PhaseStep['state'];
    if (i < furthest) state = 'done';
    else if (i === furthest && !bad) state = phase === 'running' || !pushRunning ? 'done' : 'current';
    else if (i === furthest) state = 'done';
    else state = 'pending';
    return {
      phase,
      label: labels[phase],
      state,
      atMs: reached.get(phase),
      percent: state === 'current' ? s.percent : undefined,
      bytes: state === 'current' ? s.bytes : undefined,
    };
  });
  if (bad) {
    const at = reached.get(s.phase);
    // A bad end replaces the steps that were never reached.
    return [
      ...steps.filter((st) => st.state === 'done'),
      { phase: s.phase as 'exited' | 'failed', label: labels[s.phase], state: 'bad', atMs: at },
    ];
  }
  return steps;
}
