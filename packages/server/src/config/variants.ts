// Parses VARIANTS, e.g. "thumb=256x256:cover:webp,medium=1280x1280:inside:webp".
import type { VariantSpec } from '@direct-upload/core';

export const DEFAULT_VARIANTS = 'thumb=256x256:cover:webp,medium=1280x1280:inside:webp';

const SPEC = /^([a-z][a-z0-9_-]{0,31})=(\d{1,5})x(\d{1,5}):(cover|inside):(webp|jpeg|avif|png)$/;

/** The specs, or a message saying what is wrong with the first bad one. */
export function parseVariants(text: string): VariantSpec[] | string {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  const specs: VariantSpec[] = [];
  for (const item of items) {
    const match = SPEC.exec(item);
    if (!match) return `"${item}" is not name=WIDTHxHEIGHT:cover|inside:webp|jpeg|avif|png (name: lower-case letters, digits, _ or -)`;
    const [, name, width, height, fit, format] = match;
    if (Number(width) < 1 || Number(height) < 1 || Number(width) > 8192 || Number(height) > 8192) {
      return `"${item}": width and height must be 1 to 8192`;
    }
    if (name === 'original') return `"${item}": "original" is reserved`;
    if (specs.some((s) => s.name === name)) return `"${name}" is named twice`;
    specs.push({ name: name!, width: Number(width), height: Number(height), fit: fit as VariantSpec['fit'], format: format as VariantSpec['format'] });
  }
  return specs;
}
