// Streamed text as lines, and Server-Sent Events as (event, data) records; used by the push client and the
// device alike. Pure splitting logic (LineSplitter, SseParser) is kept apart from the I/O so it can be unit-tested.

export class LineSplitter {
  private rest = '';
  private decoder = new TextDecoder();

  /** Feeds bytes; returns the complete lines (without their newline). */
  push(chunk: Uint8Array | string): string[] {
    this.rest += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const parts = this.rest.split('\n');
    this.rest = parts.pop() ?? '';
    return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }

  /** The unterminated last line, if any. */
  flush(): string[] {
    const r = this.rest;
    this.rest = '';
    return r ? [r] : [];
  }
}

export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

/** Server-Sent Events framing: fields until a blank line; `data:` lines joined with newlines. */
export class SseParser {
  private lines = new LineSplitter();
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  push(chunk: Uint8Array | string): SseMessage[] {
    const out: SseMessage[] = [];
    for (const line of this.lines.push(chunk)) {
      if (line === '') {
        if (this.data.length > 0)
          out.push({ event: this.event || 'message', data: this.data.join('\n'), ...(this.id ? { id: this.id } : {}) });
        this.event = '';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
      else if (field === 'id') this.id = value;
    }
    return out;
  }
}

/** Reads a fetch body chunk by chunk until it ends or the signal aborts. */
export async function readBody(body: ReadableStream<Uint8Array>, onChunk: (c: Uint8Array) => void, signal?: AbortSignal): Promise<void> {
  const reader = body.getReader();
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value) onChunk(value);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
