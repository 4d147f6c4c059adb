// The gallery's picture: thumbnail or original, the placeholder colour behind it, a link to the original.
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { Image } from '@direct-upload/client';
import { GalleryImage } from './gallery-image.js';

const image: Image = {
  id: 'i1',
  status: 'ready',
  filename: 'cat.png',
  contentType: 'image/png',
  size: 5000,
  width: 1200,
  height: 800,
  visibility: 'public',
  url: 'https://cdn.example.test/i1.png',
  createdAt: '2026-01-01T00:00:00.000Z',
  metadata: {},
  variants: { thumb: { url: 'https://cdn.example.test/i1/thumb.webp', width: 256, height: 171, contentType: 'image/webp', size: 900 } },
  placeholder: '#a1b2c3',
};

describe('<GalleryImage />', () => {
  it('shows the thumbnail on the placeholder colour, inside a link to the original', () => {
    const html = renderToStaticMarkup(<GalleryImage image={image} />);
    expect(html).toMatch(/^<a class="gallery__link" href="https:\/\/cdn\.example\.test\/i1\.png"[^>]*><img [^>]*><\/a>$/);
    expect(html).toContain('src="https://cdn.example.test/i1/thumb.webp"');
    expect(html).toContain('alt="cat.png"');
    expect(html).toContain('width="256" height="171"');
    expect(html).toContain('style="background-color:#a1b2c3"');
  });

  it('falls back to the original, with its size, and no colour when there is none', () => {
    const html = renderToStaticMarkup(<GalleryImage image={{ ...image, variants: {}, placeholder: null }} />);
    expect(html).toContain('src="https://cdn.example.test/i1.png"');
    expect(html).toContain('width="1200" height="800"');
    expect(html).not.toContain('style=');
  });
});
