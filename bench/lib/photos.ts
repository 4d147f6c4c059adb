// 24-megapixel camera-like JPEGs (a rendered scene with edges, gradients, texture and grain, EXIF with GPS), cached.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type Create } from 'sharp';
import type { TestImage } from './images.js';

export const PHOTO_WIDTH = 6000;
export const PHOTO_HEIGHT = 4000;

/** Bump when the pictures change, so a cache of older ones is not reused. */
const VERSION = 1;
const CACHE = join(tmpdir(), `direct-upload-bench-photos-v${VERSION}`);

export interface Photo extends TestImage {
  /** Where the same bytes lie on local disk (for the bare sharp script). */
  path: string;
  /** The EXIF orientation the file carries (6: a portrait shot, stored sideways as cameras do). */
  orientation: number;
}

/** A small deterministic PRNG (mulberry32), so each seed always draws the same scene. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sky gradient, hills, buildings with window grids, trees: the large flat areas and hard edges of a street photo. */
function scene(seed: number): string {
  const r = random(seed);
  const W = PHOTO_WIDTH;
  const H = PHOTO_HEIGHT;
  const hsl = (h: number, s: number, l: number) => `hsl(${h.toFixed(0)},${s.toFixed(0)}%,${l.toFixed(0)}%)`;
  const horizon = H * (0.35 + r() * 0.2);
  const parts = [
    '<defs>',
    `<linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${hsl(200 + r() * 30, 60, 45)}"/><stop offset="1" stop-color="${hsl(190 + r() * 30, 40, 85)}"/></linearGradient>`,
    `<linearGradient id="ground" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${hsl(80 + r() * 40, 35, 35)}"/><stop offset="1" stop-color="${hsl(30 + r() * 20, 30, 20)}"/></linearGradient>`,
    '</defs>',
    `<rect width="${W}" height="${H}" fill="url(#sky)"/>`,
  ];
  for (let k = 0; k < 3; k++) {
    let d = `M0 ${H}`;
    for (let x = 0; x <= W; x += 250) d += ` L${x} ${(horizon - 300 * r() + k * 150).toFixed(0)}`;
    parts.push(`<path d="${d} L${W} ${H} Z" fill="${hsl(90 + r() * 60, 25 + r() * 20, 25 + k * 8)}"/>`);
  }
  parts.push(`<rect y="${(horizon + 500).toFixed(0)}" width="${W}" height="${H}" fill="url(#ground)"/>`);
  for (let b = 0; b < 12; b++) {
    const bw = 300 + r() * 500;
    const bh = 600 + r() * 1400;
    const bx = r() * (W - bw);
    const by = horizon + 700 - bh + r() * 600;
    parts.push(`<rect x="${bx.toFixed(0)}" y="${by.toFixed(0)}" width="${bw.toFixed(0)}" height="${bh.toFixed(0)}" fill="${hsl(r() * 40, 10 + r() * 20, 30 + r() * 40)}"/>`);
    for (let wy = by + 40; wy < by + bh - 80; wy += 90) {
      for (let wx = bx + 30; wx < bx + bw - 60; wx += 70) {
        parts.push(`<rect x="${wx.toFixed(0)}" y="${wy.toFixed(0)}" width="40" height="55" fill="${hsl(210, 20, 15 + r() * 50)}"/>`);
      }
    }
  }
  for (let t = 0; t < 60; t++) {
    const cx = r() * W;
    const cy = horizon + 400 + r() * (H - horizon);
    parts.push(`<circle cx="${cx.toFixed(0)}" cy="${cy.toFixed(0)}" r="${(60 + r() * 260).toFixed(0)}" fill="${hsl(90 + r() * 50, 30 + r() * 30, 15 + r() * 25)}"/>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join('')}</svg>`;
}

const noise = (width: number, height: number, sigma: number): { create: Create } => ({
  // The background is required by the type and unused with noise.
  create: { width, height, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma } },
});

/**
 * The scene, a blotchy texture at a quarter of the resolution (surfaces, foliage) and fine grain (sensor
 * noise), as a baseline JPEG at quality 92 with 4:2:0 chroma, as cameras write them: about 6 MB.
 */
async function render(seed: number, orientation: number): Promise<Buffer> {
  const W = PHOTO_WIDTH;
  const H = PHOTO_HEIGHT;
  const texture = await sharp(noise(W / 4, H / 4, 45)).greyscale().resize(W, H, { kernel: 'cubic', fit: 'fill' }).raw().toBuffer();
  return sharp(Buffer.from(scene(seed)))
    .removeAlpha()
    .composite([
      { input: texture, raw: { width: W, height: H, channels: 1 }, blend: 'soft-light' },
      { input: noise(W, H, 6), blend: 'soft-light' },
    ])
    .withExif({
      IFD0: { Make: 'Bench', Model: 'Camera 24', DateTime: '2026:11:29 12:00:00' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2400/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 4000/100' },
    })
    .withMetadata({ orientation })
    .jpeg({ quality: 92, chromaSubsampling: '4:2:0' })
    .toBuffer();
}

/**
 * `count` different photos (every third one a portrait with EXIF orientation 6), rendered on first use
 * (a few seconds each) and kept in the system's temporary folder for later runs.
 */
export async function photoJpegs(count: number): Promise<Photo[]> {
  mkdirSync(CACHE, { recursive: true });
  const one = async (index: number): Promise<Photo> => {
    const orientation = index % 3 === 2 ? 6 : 1;
    const path = join(CACHE, `photo-${index}-o${orientation}.jpg`);
    if (!existsSync(path)) {
      const bytes = await render(1000 + index, orientation);
      const partial = `${path}.${process.pid}.partial`;
      writeFileSync(partial, bytes);
      renameSync(partial, path);
    }
    const bytes = readFileSync(path);
    return {
      bytes,
      width: PHOTO_WIDTH,
      height: PHOTO_HEIGHT,
      contentType: 'image/jpeg',
      sha256: createHash('sha256').update(bytes).digest('base64'),
      path,
      orientation,
    };
  };
  // Two at a time: one per core.
  const photos: Photo[] = [];
  for (let i = 0; i < count; i += 2) photos.push(...(await Promise.all([i, i + 1].filter((j) => j < count).map(one))));
  return photos;
}
