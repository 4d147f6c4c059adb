// Links to an image's bytes through the API's redirecting content route.
import { describe, expect, it } from 'vitest';
import { contentUrl } from './content-url.js';

describe('contentUrl', () => {
  it('points at the original, or at a named variant', () => {
    expect(contentUrl('', 'abc')).toBe('/api/images/abc/content');
    expect(contentUrl('', 'abc', 'thumb')).toBe('/api/images/abc/content?variant=thumb');
  });

  it('joins the endpoint without doubling its slash and escapes what it is given', () => {
    expect(contentUrl('https://api.example.test/', 'a/b', 'x&y')).toBe('https://api.example.test/api/images/a%2Fb/content?variant=x%26y');
    expect(contentUrl('https://api.example.test', 'abc', '')).toBe('https://api.example.test/api/images/abc/content');
  });
});
