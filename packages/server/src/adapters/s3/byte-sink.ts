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
  /** Bytes taken so far. */
  size = 0;

  constructor(expected: number | undefined) {
    // Never from Buffer's shared pool: the result's ArrayBuffer holds this body's bytes alone.
    this.buffer = expected !== undefined && expected > 0 ? Buffer.allocUnsafeSlow(expected) : null;
  }

  push(chunk: Uint8Array): void {
    if (this.buffer && this.size + chunk.byteLength <= this.buffer.byteLength) this.buffer.set(chunk, this.size);
    else this.spill().push(chunk);
    this.size += chunk.byteLength;
  }

  /** The bytes taken, in order; a body shorter than announced is copied out, so no unwritten byte is reachable. */
  bytes(): Uint8Array {
    if (!this.buffer) return Buffer.concat(this.chunks, this.size);
    if (this.size === this.buffer.byteLength) return this.buffer;
    const taken = new Uint8Array(this.size);
    taken.set(this.buffer.subarray(0, this.size));
    return taken;
  }

  private spill(): Uint8Array[] {
    if (this.buffer) {
      this.chunks = [this.buffer.subarray(0, this.size)];
      this.buffer = null;
    }
    return this.chunks;
  }
}
