// BuildKit's progress, as a Docker engine streams it from `POST /build?version=2`: JSON messages
// `{"id":"moby.buildkit.trace","aux":"<base64>"}` whose payload is a protobuf `moby.buildkit.v1.StatusResponse`
// (buildkit's api/services/control/control.proto: vertexes, statuses, logs). Decoded with protobufjs from the
// fields we read, and rendered as the lines `docker build --progress=plain` prints: `#N <step>`, `#N <output>`,
// `#N CACHED`, `#N DONE 1.2s`, `#N ERROR: ...`.
import protobuf from 'protobufjs';

const root = protobuf.Root.fromJSON({
  nested: {
    Timestamp: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
    Vertex: {
      fields: {
        digest: { type: 'string', id: 1 },
        name: { type: 'string', id: 3 },
        cached: { type: 'bool', id: 4 },
        started: { type: 'Timestamp', id: 5 },
        completed: { type: 'Timestamp', id: 6 },
        error: { type: 'string', id: 7 },
      },
    },
    VertexLog: { fields: { vertex: { type: 'string', id: 1 }, stream: { type: 'int64', id: 3 }, msg: { type: 'bytes', id: 4 } } },
    StatusResponse: {
      fields: { vertexes: { rule: 'repeated', type: 'Vertex', id: 1 }, logs: { rule: 'repeated', type: 'VertexLog', id: 3 } },
    },
  },
});
const StatusResponse = root.lookupType('StatusResponse');

interface Timestamp {
  seconds?: number;
  nanos?: number;
}
interface Vertex {
  digest?: string;
  name?: string;
  cached?: boolean;
  started?: Timestamp;
  completed?: Timestamp;
  error?: string;
}
interface Status {
  vertexes?: Vertex[];
  logs?: Array<{ vertex?: string; msg?: Uint8Array }>;
}

const seconds = (t: Timestamp) => (t.seconds ?? 0) + (t.nanos ?? 0) / 1e9;

/** Turns trace payloads into build lines; one per build (it numbers the steps). */
export class BuildkitTrace {
  private readonly numbers = new Map<string, number>();
  private readonly done = new Set<string>();
  /** Output not yet ended by a newline, per step. */
  private readonly partial = new Map<string, string>();

  /** Lines for one `moby.buildkit.trace` payload (base64); undecodable payloads give none. */
  push(base64: string): string[] {
    let status: Status;
    try {
      status = StatusResponse.toObject(StatusResponse.decode(Buffer.from(base64, 'base64')), { longs: Number, defaults: false }) as Status;
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const v of status.vertexes ?? []) {
      if (!v.digest || this.done.has(v.digest)) continue;
      const n = this.numberOf(v.digest, v.name ?? '', out, !!(v.started || v.cached));
      if (n === undefined) continue;
      if (v.cached) {
        out.push(`#${n} CACHED`);
        this.done.add(v.digest);
      } else if (v.completed) {
        out.push(...this.flush(v.digest, n));
        out.push(
          v.error ? `#${n} ERROR: ${v.error}` : `#${n} DONE ${v.started ? (seconds(v.completed) - seconds(v.started)).toFixed(1) : '0.0'}s`,
        );
        this.done.add(v.digest);
      }
    }
    for (const l of status.logs ?? []) {
      const n = l.vertex ? this.numbers.get(l.vertex) : undefined;
      if (n === undefined || !l.msg) continue;
      const text = (this.partial.get(l.vertex!) ?? '') + Buffer.from(l.msg).toString('utf8');
      const lines = text.split(/\r?\n/);
      this.partial.set(l.vertex!, lines.pop() ?? '');
      for (const line of lines) out.push(`#${n} ${line}`);
    }
    return out;
  }

  private numberOf(digest: string, name: string, out: string[], started: boolean): number | undefined {
    const known = this.numbers.get(digest);
    if (known !== undefined || !started) return known;
    const n = this.numbers.size + 1;
    this.numbers.set(digest, n);
    out.push(`#${n} ${name}`);
    return n;
  }

  private flush(digest: string, n: number): string[] {
    const rest = this.partial.get(digest);
    this.partial.delete(digest);
    return rest ? [`#${n} ${rest}`] : [];
  }
}
