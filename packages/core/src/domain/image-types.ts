// Raster image types the service accepts, and their recognition from magic bytes.

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

export function isImageType(value: string): value is ImageType {
  return (IMAGE_TYPES as readonly string[]).includes(value);
}

/** How many leading bytes `sniffImageType` needs at most. */
export const SNIFF_BYTES = 32;

const startsWith = (bytes: Uint8Array, prefix: readonly number[], offset = 0): boolean =>
  bytes.length >= offset + prefix.length && prefix.every((b, i) => bytes[offset + i] === b);

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

const AVIF_BRANDS = new Set(['avif', 'avis']);

function isAvif(bytes: Uint8Array): boolean {
  // ISO-BMFF: [size:4]["ftyp"][major brand:4][minor:4][compatible brands:4*n]
  if (!startsWith(bytes, ascii('ftyp'), 4)) return false;
  const boxSize = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  const end = Math.min(bytes.length, boxSize);
  const brandAt = (i: number) => String.fromCharCode(...bytes.subarray(i, i + 4));
  if (end >= 12 && AVIF_BRANDS.has(brandAt(8))) return true;
  for (let i = 16; i + 4 <= end; i += 4) if (AVIF_BRANDS.has(brandAt(i))) return true;
  return false;
}

/** The image type the bytes start with, or null when they are not one of the accepted types. */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  if (isAvif(bytes)) return 'image/avif';
  return null;
}
