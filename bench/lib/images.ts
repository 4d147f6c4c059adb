// Upload bodies: real JPEGs of about a given size (incompressible noise), made on the fly.
import { createHash, randomBytes } from 'node:crypto';
import sharp from 'sharp';

export interface TestImage {
  bytes: Buffer;
  width: number;
  height: number;
  contentType: 'image/jpeg' | 'image/png';
  /** Base64 SHA-256, as the client SDK declares it. */
  sha256: string;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');

async function noiseJpeg(width: number, height: number): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
    .toBuffer();
}

/** A 4:3 JPEG within a few percent of `targetBytes` (noise at quality 100 costs about 2.9 bytes a pixel). */
export async function jpegOfSize(targetBytes: number): Promise<TestImage> {
  let bytesPerPixel = 2.9;
  let best: { bytes: Buffer; width: number; height: number } | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const pixels = targetBytes / bytesPerPixel;
    const width = Math.max(16, Math.round(Math.sqrt((pixels * 4) / 3)));
    const height = Math.max(16, Math.round((width * 3) / 4));
    const bytes = await noiseJpeg(width, height);
    best = { bytes, width, height };
    if (Math.abs(bytes.length - targetBytes) / targetBytes < 0.03) break;
    bytesPerPixel = bytes.length / (width * height);
  }
  return { ...best!, contentType: 'image/jpeg', sha256: sha256(best!.bytes) };
}

/** A small PNG for tests where only the count of uploads matters. */
export async function smallPng(): Promise<TestImage> {
  const bytes = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a7bd5' } }).png().toBuffer();
  return { bytes, width: 64, height: 48, contentType: 'image/png', sha256: sha256(bytes) };
}
