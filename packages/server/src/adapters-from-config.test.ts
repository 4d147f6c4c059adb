import { describe, expect, it } from 'vitest';
import { jobsAtOnce } from './adapters-from-config.js';

describe('jobsAtOnce', () => {
  it('runs one job more than the images decoded at once, and none for an API-only process', () => {
    expect(jobsAtOnce(0)).toBe(0);
    expect(jobsAtOnce(1)).toBe(2);
    expect(jobsAtOnce(4)).toBe(5);
  });
});
