import { describe, expect, it } from 'vitest';
import { ROUTES } from '@direct-upload/protocol';
import { API_PATHS } from './api-paths.js';

describe('API paths', () => {
  it("equal the protocol's routes", () => {
    expect(API_PATHS.config).toBe(ROUTES.config);
    expect(API_PATHS.uploads).toBe(ROUTES.uploads);
    expect(API_PATHS.images).toBe(ROUTES.images);
    for (const id of ['0190a0b0-0000-7000-8000-000000000000', 'a/b?c']) {
      expect(API_PATHS.complete(id)).toBe(ROUTES.complete(id));
      expect(API_PATHS.image(id)).toBe(ROUTES.image(id));
    }
  });
});
