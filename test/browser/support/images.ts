// Test images made with sharp: small solid ones of each type, and a large noisy PNG that barely compresses.
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

export interface TestFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

const solid = (width: number, height: number, r: number, g: number, b: number) =>
  sharp({ create: { width, height, channels: 3, background: { r, g, b } } });

export async function smallImages(): Promise<TestFile[]> {
  return [
    { name: 'red.png', mimeType: 'image/png', buffer: await solid(64, 48, 220, 30, 30).png().toBuffer() },
    { name: 'green.jpg', mimeType: 'image/jpeg', buffer: await solid(80, 60, 30, 200, 60).jpeg().toBuffer() },
    { name: 'blue.webp', mimeType: 'image/webp', buffer: await solid(40, 40, 30, 60, 220).webp().toBuffer() },
  ];
}

export async function noisyPng(name: string, side: number): Promise<TestFile> {
  const buffer = await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
  return { name, mimeType: 'image/png', buffer };
}

export async function singlePng(name: string, r: number, g: number, b: number): Promise<TestFile> {
  return { name, mimeType: 'image/png', buffer: await solid(20, 20, r, g, b).png().toBuffer() };
}
