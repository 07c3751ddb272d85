// Instances of one of the engine's WebAssembly modules (wasm/*.wasm.ts), compiled once per thread, with one
// instance kept for the next user while its memory is small: a delta indexes each program of a layer on its own,
// and an apply reads a diff section per block, and a fresh instance's memory is fresh pages each time. Larger
// ones go with their last user (a module's memory never shrinks).
export class WasmInstances<T extends { memory: WebAssembly.Memory }> {
  private module: WebAssembly.Module | undefined;
  private spare: T | undefined;

  /** `base64`: the module's bytes; `keepBytes`: the largest memory kept for the next user. */
  constructor(
    private readonly base64: string,
    private readonly keepBytes: number,
  ) {}

  /** The kept instance, or a new one: its memory holds what its last user left there. */
  take(): T {
    const kept = this.spare;
    this.spare = undefined;
    if (kept) return kept;
    this.module ??= new WebAssembly.Module(Buffer.from(this.base64, 'base64'));
    return new WebAssembly.Instance(this.module).exports as unknown as T;
  }

  /** Done with `instance`: kept for the next user if its memory is small enough. */
  giveBack(instance: T): void {
    if (instance.memory.buffer.byteLength <= this.keepBytes) this.spare = instance;
  }
}
