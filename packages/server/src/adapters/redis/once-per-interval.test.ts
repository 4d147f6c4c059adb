import { describe, expect, it } from 'vitest';
import { oncePerInterval } from './once-per-interval.js';

describe('oncePerInterval', () => {
  it('lets one report through per interval and counts the dropped ones', () => {
    let clock = 0;
    const seen: Array<[string, number]> = [];
    const report = oncePerInterval<string>((value, suppressed) => seen.push([value, suppressed]), 1000, () => clock);
    report('a');
    clock = 500;
    report('b');
    report('c');
    clock = 1000;
    report('d');
    clock = 1999;
    report('e');
    clock = 2000;
    report('f');
    expect(seen).toEqual([
      ['a', 0],
      ['d', 2],
      ['f', 1],
    ]);
  });
});
