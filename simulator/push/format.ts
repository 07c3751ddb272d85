// Text renderings for the CLI (and anyone else who wants them): the delta report table, log lines, device
// status. Pure functions returning strings; printing is the caller's business.
import { formatBytes } from '../shared/units.js';
import { statusWithHealth } from './serviceState.js';
import type { StateStatus } from './supervisorSchemas.js';
import type { DeviceLogLine, PushEvent, PushReport } from './types.js';

function pad(cells: string[][]): string {
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** "12x smaller than X" or, when the delta is the larger one, "1.3x the size of X". */
export function compareTo(delta: number, other: number, what: string): string {
  if (delta <= 0 || other <= 0) return `- vs ${what}`;
  const r = other / delta;
  const fmt = (x: number) => (x >= 10 ? x.toFixed(0) : x.toFixed(1));
  return r >= 1 ? `${fmt(r)}x smaller than ${what}` : `${fmt(1 / r)}x the size of ${what}`;
}

export function formatSeconds(s: number): string {
  return s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
}

/** The delta report as a table: one row per service, then how much smaller the delta is than a layer pull. */
export function formatReport(r: PushReport): string {
  const shipped = r.services.some((s) => s.method !== undefined);
  const helper = r.services.some((s) => (s.helperBytes ?? 0) > 0);
  const rows = [
    [
      'service',
      'image',
      'layer pull',
      'librsync',
      'EdgePush delta',
      'sent',
      ...(shipped ? ['method'] : []),
      ...(helper ? ['helper'] : []),
      'transfer',
      'state',
    ],
  ];
  for (const s of r.services) {
    rows.push([
      s.name,
      formatBytes(s.imageBytes),
      formatBytes(s.layerPullBytes),
      formatBytes(s.librsyncBytes),
      formatBytes(s.deltaBytes),
      formatBytes(s.sentBytes),
      ...(shipped ? [s.method ?? '-'] : []),
      ...(helper ? [formatBytes(s.helperBytes ?? 0)] : []),
      formatSeconds(s.transferSeconds),
      s.state,
    ]);
  }
  const lines = [`Delta report for ${r.device}, release ${r.release.slice(0, 12)}:`, pad(rows)];
  for (const s of r.services) {
    if (s.deltaBytes > 0 && s.layerPullBytes > 0) {
      lines.push(
        `  ${s.name}: EdgePush delta ${compareTo(s.deltaBytes, s.layerPullBytes, 'a layer pull')}, ${compareTo(s.deltaBytes, s.librsyncBytes, 'librsync')}`,
      );
    } else if (s.layerPullBytes === 0 && s.imageBytes > 0) {
      lines.push(`  ${s.name}: no layer changed, nothing to send`);
    }
  }
  return lines.join('\n');
}

/** `HH:MM:SS.mmm` in the machine's local time, as `docker logs -t` users read their own clock. */
export function localClock(ts: number | undefined): string {
  const d = ts === undefined ? new Date() : new Date(ts);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export interface LogLineStyle {
  /** Wraps the service name (colour on a terminal). */
  service?: (name: string) => string;
  /** Wraps the time stamp and the stderr mark. */
  dim?: (text: string) => string;
}

/** `12:00:01.123 [main] text` in local time (stderr lines marked `!`, system lines `[system]`). */
export function formatLogLine(l: DeviceLogLine, style: LogLineStyle = {}): string {
  const who = l.serviceName ?? 'system';
  const dim = style.dim ?? ((t: string) => t);
  const name = style.service ? style.service(who) : who;
  return `${dim(localClock(l.timestamp))} [${name}]${l.isStdErr ? '!' : ''} ${l.message.replace(/\n$/, '')}`;
}

export interface DeviceSummary {
  device: string;
  supervisorVersion: string;
  deviceType: string;
  arch: string;
  appState: string;
  status: string;
  release: string | null;
  services: Array<{ name: string; status: string; containerId: string | null; imageId: number | null }>;
}

export function summarizeStatus(
  device: string,
  version: string,
  info: { deviceType: string; arch: string },
  s: StateStatus,
): DeviceSummary {
  return {
    device,
    supervisorVersion: version,
    deviceType: info.deviceType,
    arch: info.arch,
    appState: s.appState,
    status: s.status,
    release: s.release ?? null,
    services: s.containers.map((c) => ({
      name: c.serviceName,
      status: statusWithHealth(c.status, c.health),
      containerId: c.containerId ?? null,
      imageId: c.imageId ?? null,
    })),
  };
}

export function formatStatus(d: DeviceSummary): string {
  const head = [
    `device     ${d.device}`,
    `type       ${d.deviceType} (${d.arch})`,
    `supervisor ${d.supervisorVersion}`,
    `state      ${d.appState}${d.release ? `, release ${d.release.slice(0, 12)}` : ''}`,
  ];
  if (d.services.length === 0) return [...head, 'services   none'].join('\n');
  const rows = [['service', 'status', 'container'], ...d.services.map((s) => [s.name, s.status, (s.containerId ?? '-').slice(0, 12)])];
  return [...head, '', pad(rows)].join('\n');
}

/**
 * One push event as a line for a terminal; `transient` lines (percent updates) may be overwritten by the next.
 * Returns undefined for events that need no line.
 */
export function describePushEvent(e: PushEvent): { text: string; transient: boolean } | undefined {
  switch (e.type) {
    case 'step':
      return { text: `${e.message}...`, transient: false };
    case 'release':
      return { text: `release ${e.release.slice(0, 12)}`, transient: false };
    case 'build-output':
      return { text: `[${e.service}] ${e.line}`, transient: false };
    case 'service':
      if (e.percent !== undefined && e.percent < 100) {
        return {
          text: `[${e.service}] ${e.phase} ${e.percent}%${e.bytes !== undefined ? ` ${formatBytes(e.bytes)}` : ''}`,
          transient: true,
        };
      }
      if (e.percent !== undefined) return undefined;
      return { text: `[${e.service}] ${e.phase}${e.message ? `: ${e.message}` : ''}`, transient: false };
    case 'report':
      return undefined;
  }
}
