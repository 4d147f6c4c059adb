import { describe, expect, it } from 'vitest';
import { ByteSink } from './byte-sink.js';

const chunksOf = (bytes: Uint8Array, size: number) => {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.slice(at, at + size));
  return chunks;
};
const sample = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);

function collect(expected: number | undefined, chunks: Uint8Array[]): Uint8Array {
  const sink = new ByteSink(expected);
  for (const chunk of chunks) sink.push(chunk);
  expect(sink.size).toBe(chunks.reduce((n, c) => n + c.byteLength, 0));
  return sink.bytes();
}

describe('ByteSink', () => {
  it('joins the chunks in order, with or without an announced length', () => {
    const bytes = sample(10_000);
    for (const expected of [10_000, undefined]) {
      const out = collect(expected, chunksOf(bytes, 999));
      expect(Buffer.from(out).equals(Buffer.from(bytes))).toBe(true);
      // The result owns its memory: nothing else is reachable through its ArrayBuffer.
      expect(out.buffer.byteLength).toBe(out.byteLength);
    }
  });

  it('writes into one buffer of the announced length', () => {
    const sink = new ByteSink(4);
    sink.push(Uint8Array.of(1, 2));
    sink.push(Uint8Array.of(3, 4));
    const out = sink.bytes();
    expect([...out]).toEqual([1, 2, 3, 4]);
    expect(out.buffer.byteLength).toBe(4);
  });

  it('takes more bytes than announced, in order', () => {
    const bytes = sample(5_000);
    const out = collect(3_000, chunksOf(bytes, 700));
    expect(Buffer.from(out).equals(Buffer.from(bytes))).toBe(true);
  });

  it('answers only the bytes written when the body is shorter than announced', () => {
    const out = collect(10, [Uint8Array.of(9, 8, 7)]);
    expect([...out]).toEqual([9, 8, 7]);
    expect(out.buffer.byteLength).toBe(3);
  });

  it('answers an empty body', () => {
    expect(collect(0, []).byteLength).toBe(0);
    expect(collect(undefined, []).byteLength).toBe(0);
    expect(collect(5, []).byteLength).toBe(0);
  });
});
