// The baseline of benchmark (d): the worker's sharp work alone (full decode, placeholder, variants) on local files.
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import { keptDecodeSize, PLACEHOLDER_SIDE } from '../packages/server/src/adapters/sharp/decode-size.js';
import { loadConfig } from '../packages/server/src/config/config.js';

/*
 * Usage: node --import tsx bench/bare-sharp.ts <count> <file>...
 * Processes <count> images (the files in turn) and prints one JSON line with the figures.
 *
 * It reads the worker's configuration from the same environment (VARIANTS, UPLOAD_MAX_PIXELS, WORKERS),
 * so it makes the same variants and runs as many images at once as the worker runs jobs, and it leaves
 * sharp's own settings (threads per operation, cache) at their defaults, as the worker does.
 *
 * Per image, the sharp work of the worker's processor, the same way: the header read; one decode of
 * every pixel (fastShrinkOnLoad off), auto-oriented and kept as raw pixels at the size the variants
 * and the placeholder need (the processor's own keptDecodeSize); from those, the placeholder (a
 * 32-pixel thumbnail and its dominant colour) and each variant, resized and encoded with the worker's
 * settings. Nothing else: no object store, database, checksum or metadata stripping.
 */

const [countArg, ...files] = process.argv.slice(2);
const count = Number(countArg);
if (!Number.isInteger(count) || count < 1 || files.length === 0) {
  process.stderr.write('usage: bare-sharp.ts <count> <file>...\n');
  process.exit(2);
}

const config = loadConfig(process.env);
const concurrency = Math.max(1, config.processing.workers);
const { variants } = config.processing;
const options = { limitInputPixels: config.upload.maxPixels, failOn: 'warning', sequentialRead: true } as const;

function encode(image: Sharp, format: string): Sharp {
  switch (format) {
    case 'webp':
      return image.webp({ quality: 80 });
    case 'jpeg':
      return image.flatten({ background: '#ffffff' }).jpeg({ quality: 80, progressive: true });
    case 'avif':
      return image.avif({ quality: 55 });
    default:
      return image.png();
  }
}

async function processOne(file: string): Promise<void> {
  const input = await readFile(file);
  const metadata = await sharp(input, options).metadata();
  const size = keptDecodeSize(metadata.autoOrient ?? { width: metadata.width!, height: metadata.height! }, variants, PLACEHOLDER_SIDE);
  if (!size) throw new Error(`${file}: the variants need more pixels than the worker keeps; this script does not do the worker's other way`);
  const kept = await sharp(input, options)
    .rotate()
    .resize({ ...size, fit: 'inside', withoutEnlargement: true, fastShrinkOnLoad: false })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: kept.info.width, height: kept.info.height, channels: kept.info.channels } };
  const thumbnail = await sharp(kept.data, raw).resize(PLACEHOLDER_SIDE, PLACEHOLDER_SIDE, { fit: 'inside' }).flatten({ background: '#ffffff' }).raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = thumbnail.info;
  await sharp(thumbnail.data, { raw: { width, height, channels } }).stats();
  for (const spec of variants) {
    const resized = sharp(kept.data, raw).resize({ width: spec.width, height: spec.height, fit: spec.fit, withoutEnlargement: true });
    await encode(resized, spec.format).toBuffer();
  }
}

// One image first, untimed, as the worker under test is warm too (it processed uploads before the window).
await processOne(files[0]!);

let next = 0;
const started = performance.now();
const cpuBefore = process.cpuUsage();
await Promise.all(
  Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await processOne(files[next++ % files.length]!);
  }),
);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
process.stdout.write(
  `${JSON.stringify({
    images: count,
    seconds,
    imagesPerSecond: count / seconds,
    cpuSecondsPerImage: (cpu.user + cpu.system) / 1e6 / count,
    peakRssBytes: hwm ? Number(hwm[1]) * 1024 : null,
    concurrency,
    sharpConcurrency: sharp.concurrency(),
  })}\n`,
);
