// Boot phases from the serial console, as plain data: the host shows them while a board boots. The Debian board's
// init prints `edgepush-phase: NAME UPTIME` lines (initScript.ts); a balenaOS image is recognised by its usual
// kernel and systemd lines. "agent online" is decided by the host (the supervisor API answers), not by the console.
import { phaseMarker } from './initScript.js';

/** `restored`: the guest woke from its saved state (snapshot.ts) instead of booting: no kernel or init phases. */
export const bootPhases = ['qemu', 'restored', 'kernel', 'init', 'network', 'engine', 'agent', 'online', 'poweroff'] as const;
export type BootPhase = (typeof bootPhases)[number];

export interface PhaseEvent {
  phase: BootPhase;
  /** Seconds since QEMU was started, measured on the host. */
  at: number;
  /** The guest's own uptime when it printed the line, when known. */
  guestUptime?: number;
  detail?: string;
}

const debianNames: Record<string, BootPhase> = {
  init: 'init',
  network: 'network',
  'agent-started': 'agent',
  engine: 'engine',
  poweroff: 'poweroff',
};

/** The phase a console line announces, if any. */
export function phaseOfLine(line: string): { phase: BootPhase; guestUptime?: number; detail?: string } | undefined {
  const i = line.indexOf(phaseMarker);
  if (i >= 0) {
    const [name, up] = line
      .slice(i + phaseMarker.length)
      .trim()
      .split(/\s+/);
    const phase = name ? debianNames[name] : undefined;
    if (!phase) return undefined;
    const guestUptime = up !== undefined && Number.isFinite(Number(up)) ? Number(up) : undefined;
    return { phase, guestUptime, detail: name };
  }
  if (/Linux version \d/.test(line) || /^\[\s*\d+\.\d+\]/.test(line)) return { phase: 'kernel' };
  // balenaOS (systemd) lines
  if (/systemd\[1\]: .*(Detected|Welcome)|Welcome to balenaOS/i.test(line)) return { phase: 'init' };
  if (/Started (Balena|balenaEngine).*Engine/i.test(line)) return { phase: 'engine' };
  if (/Started (Balena|resin) supervisor/i.test(line)) return { phase: 'agent' };
  return undefined;
}

/** Keeps the furthest phase reached and reports each new one once, in boot order. */
export class PhaseTracker {
  private reached = new Set<BootPhase>();
  constructor(private readonly onPhase: (e: PhaseEvent) => void) {}

  has(phase: BootPhase): boolean {
    return this.reached.has(phase);
  }

  mark(phase: BootPhase, at: number, extra: { guestUptime?: number; detail?: string } = {}): void {
    if (this.reached.has(phase)) return;
    // a later phase implies the earlier boot phases (e.g. quiet kernels print nothing before init)
    const idx = bootPhases.indexOf(phase);
    if (phase !== 'poweroff' && !this.reached.has('restored')) {
      for (const p of bootPhases.slice(2, idx)) {
        if (!this.reached.has(p) && (p === 'kernel' || p === 'init')) {
          this.reached.add(p);
          this.onPhase({ phase: p, at });
        }
      }
    }
    this.reached.add(phase);
    this.onPhase({ phase, at, ...extra });
  }

  line(text: string, at: number): void {
    const found = phaseOfLine(text);
    if (found) this.mark(found.phase, at, { guestUptime: found.guestUptime, detail: found.detail });
  }
}
