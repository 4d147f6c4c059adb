// Joins a response body's chunks into one buffer, written in place when the body's length is known.

/**
 * With the announced length, each chunk is copied once into a buffer of that size: a photo is then
 * one allocation and one copy instead of a list of chunks joined at the end (two of each, and twice
 * the memory held at the moment of joining). Chunks beyond the announced length are still taken:
 * what was written becomes the first chunk of a list joined at the end.
 */
export class ByteSink {
  private buffer: Buffer | null;
  private chunks: Uint8Array[] = [];
  private taken = 0;

  constructor(expected: number | undefined) {
    // Never from Buffer's shared pool: the result's ArrayBuffer holds this body's bytes alone.
    this.buffer = expected !== undefined && expected > 0 ? Buffer.allocUnsafeSlow(expected) : null;
  }

  /** Bytes taken so far. */
  get size(): number {
    return this.taken;
  }

  push(chunk: Uint8Array): void {
    if (this.buffer && this.taken + chunk.byteLength <= this.buffer.byteLength) this.buffer.set(chunk, this.taken);
    else this.spill().push(chunk);
    this.taken += chunk.byteLength;
  }

  /** The bytes taken, in order; a body shorter than announced is copied out, so no unwritten byte is reachable. */
  bytes(): Uint8Array {
    if (!this.buffer) return Buffer.concat(this.chunks, this.taken);
    if (this.taken === this.buffer.byteLength) return this.buffer;
    const written = new Uint8Array(this.taken);
    written.set(this.buffer.subarray(0, this.taken));
    return written;
  }

  private spill(): Uint8Array[] {
    if (this.buffer) {
      this.chunks = [this.buffer.subarray(0, this.taken)];
      this.buffer = null;
    }
    return this.chunks;
  }
}
