// Real image files for tests, made with sharp: solid colours or noise (which does not compress).
import sharp from 'sharp';

export async function pngFile(name: string, width = 32, height = 24, colour = { r: 200, g: 40, b: 90 }): Promise<File> {
  const bytes = await sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();
  return new File([bytes], name, { type: 'image/png' });
}

export async function jpegFile(name: string, width = 40, height = 30): Promise<File> {
  const bytes = await sharp({ create: { width, height, channels: 3, background: { r: 10, g: 120, b: 200 } } }).jpeg().toBuffer();
  return new File([bytes], name, { type: 'image/jpeg' });
}
