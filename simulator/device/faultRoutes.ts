// Fault injection for fleet rehearsals (simulated devices only; a real device has no such route):
// `POST /v2/edgepush/faults/link {"downMs": N}` drops the device's link for N ms, so a registry pull under way
// fails at its next chunk and the reconciler retries once the link is back (resuming a delta from the bytes it
// holds). Power cuts need no route: the fleet kills the agent's process.
import * as z from 'zod';
import { readJson, sendFailed, sendJson, type Route } from './http.js';
import type { Link } from './link.js';

const linkFaultSchema = z.object({ downMs: z.number().int().min(0).max(600_000) });

export function faultRoutes(link: Link, log: (line: string) => void): Route[] {
  return [
    {
      method: 'POST',
      path: '/v2/edgepush/faults/link',
      handler: async (req, res) => {
        const body = linkFaultSchema.safeParse(await readJson(req, 4096).catch(() => undefined));
        if (!body.success) return sendFailed(res, 400, 'expected {"downMs": milliseconds up to 600000}');
        link.cut(body.data.downMs);
        log(`Link down for ${body.data.downMs} ms (fault injected)`);
        sendJson(res, 200, { status: 'success', downMs: body.data.downMs });
      },
    },
  ];
}
