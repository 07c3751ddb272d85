// The delta report as bars: for each service, what each way of updating would send (full image, layer pull,
// balenaEngine's librsync method, EdgePush's delta), with bytes, the time at the link rate, and the bar's width
// relative to the largest figure of that service. Pure, unit-tested.
import type { ServiceReportView } from '../protocol.js';

export interface Bar {
  key: 'image' | 'layers' | 'librsync' | 'delta';
  label: string;
  bytes: number;
  /** 0..100, at least 0.5 for a non-zero figure so it stays visible. */
  widthPercent: number;
  /** Seconds at the link rate; undefined when the rate is not known. */
  seconds?: number;
  /** True for the EdgePush delta, the figure the dashboard highlights. */
  highlight: boolean;
}

export interface ServiceBars {
  service: string;
  state: string;
  bars: Bar[];
  /** How many times smaller the EdgePush delta is than a layer pull (undefined when it cannot be said). */
  savingFactor?: number;
  sentBytes: number;
  transferSeconds: number;
  /** How the image got there, in words (`delta via helper`), when it was built here. */
  method?: string;
  helperBytes: number;
}

const METHOD_TEXT = {
  'delta-agent': 'delta to the EdgePush agent',
  'delta-helper': 'delta via helper container',
  load: 'full image (docker load)',
} as const;

/**
 * Times are shown only at a known link rate (a device that says it, e.g. a simulated device with `--link`):
 * on an unthrottled loopback link a time per figure would mean nothing.
 */
export function deltaBars(report: readonly ServiceReportView[], linkBitsPerSecond?: number): ServiceBars[] {
  const rate = linkBitsPerSecond && linkBitsPerSecond > 0 ? linkBitsPerSecond : undefined;
  return report.map((s) => {
    const figures: [Bar['key'], string, number][] = [
      ['image', 'Full image', s.imageBytes],
      ['layers', 'Layer pull', s.layerPullBytes],
      ['librsync', 'librsync (balenaEngine)', s.librsyncBytes],
      ['delta', 'EdgePush delta', s.deltaBytes],
    ];
    const max = Math.max(1, ...figures.map(([, , b]) => b));
    const bars = figures.map(([key, label, bytes]) => ({
      key,
      label,
      bytes,
      widthPercent: bytes === 0 ? 0 : Math.max(0.5, Math.round((bytes / max) * 1000) / 10),
      seconds: rate ? (bytes * 8) / rate : undefined,
      highlight: key === 'delta',
    }));
    const savingFactor = s.deltaBytes > 0 && s.layerPullBytes > 0 ? s.layerPullBytes / s.deltaBytes : undefined;
    return {
      service: s.name,
      state: s.state,
      bars,
      savingFactor,
      sentBytes: s.sentBytes,
      transferSeconds: s.transferSeconds,
      method: s.method ? METHOD_TEXT[s.method] : undefined,
      helperBytes: s.helperBytes ?? 0,
    };
  });
}

/** "12× smaller than a layer pull", or larger when the delta lost (e.g. the layers were already there). */
export function savingText(factor: number): string {
  const f = factor >= 1 ? factor : 1 / factor;
  return `${f.toFixed(f < 10 ? 1 : 0)}× ${factor >= 1 ? 'smaller' : 'larger'} than a layer pull`;
}
