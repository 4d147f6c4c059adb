import { describe, expect, it } from 'vitest';
import { turnGate } from './turn-gate.js';

describe('turnGate', () => {
  it('lets the calls of one turn go on together, after the rest of that turn', async () => {
    const gate = turnGate();
    const order: string[] = [];
    const handlers = [1, 2, 3].map((n) => gate().then(() => order.push(`handler ${n}`)));
    void Promise.resolve().then(() => order.push('rest of the turn'));
    setImmediate(() => order.push('immediate queued after them'));
    await Promise.all(handlers);
    expect(order).toEqual(['rest of the turn', 'handler 1', 'handler 2', 'handler 3']);
  });

  it('holds a call made while it releases a turn until the next turn', async () => {
    const gate = turnGate();
    const order: string[] = [];
    let late: Promise<number> | undefined;
    await gate().then(() => {
      setImmediate(() => order.push('immediate queued first'));
      late = gate().then(() => order.push('late handler'));
    });
    await late;
    expect(order).toEqual(['immediate queued first', 'late handler']);
  });

  it('lets more calls through in one turn than a database batch holds', async () => {
    const gate = turnGate();
    let passed = 0;
    const handlers = Array.from({ length: 1000 }, () => gate().then(() => passed++));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(passed).toBe(1000);
    await Promise.all(handlers);
  });
});
