// Removes identifying metadata from an original image at the container level, never touching its coded pixels.
import { DomainError, type ImageType } from '@direct-upload/core';
import { hasExifHeader, orientationOnlyExif, readExifOrientation } from './exif-orientation.js';

/*
 * Each format is walked segment by segment (JPEG markers, PNG chunks, RIFF chunks, GIF blocks) and
 * whole segments are copied or dropped, so the coded image data is carried over byte for byte. What is
 * kept is an allow-list of what decoding and colour need; everything else (EXIF, XMP, IPTC, comments,
 * timestamps, embedded thumbnails and previews, vendor segments, bytes after the end of the image)
 * goes. An EXIF Orientation other than 1 is kept, as an EXIF block holding only that tag, written where
 * the EXIF was and in its byte order, so the image is still shown upright. When nothing is removed the
 * very same bytes are returned.
 *
 * AVIF is not handled: its Exif and XMP are items of the HEIF `meta` box, referenced from `iinf`,
 * `iloc`, `iref` and `ipma`, with their payload inside `mdat`; removing one means renumbering items and
 * rewriting offsets across boxes, which is not done here. `stripMetadata` returns null for AVIF and the
 * caller re-encodes it (via sharp) when, and only when, it carries such metadata.
 */

/** The bytes without identifying metadata (`bytes` itself when there was none), or null for AVIF. */
export function stripMetadata(bytes: Uint8Array, type: ImageType): Uint8Array | null {
  switch (type) {
    case 'image/jpeg':
      return stripJpeg(bytes);
    case 'image/png':
      return stripPng(bytes);
    case 'image/webp':
      return stripWebp(bytes);
    case 'image/gif':
      return stripGif(bytes);
    case 'image/avif':
      return null;
  }
}

const malformed = (format: string, what: string) => new DomainError('invalid_image', `Malformed ${format}: ${what}.`);

const ascii = (bytes: Uint8Array, at: number, length: number): string => String.fromCharCode(...bytes.subarray(at, at + length));

const startsWith = (bytes: Uint8Array, prefix: string): boolean => bytes.length >= prefix.length && ascii(bytes, 0, prefix.length) === prefix;

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * What replaces an EXIF block: an orientation-only block when the image is rotated by EXIF (the block
 * itself when it already is exactly that), or nothing.
 */
function exifReplacement(block: Uint8Array, withHeader: boolean): Uint8Array | null {
  const found = readExifOrientation(block);
  if (!found || found.orientation === 1) return null;
  const minimal = orientationOnlyExif(found, withHeader);
  return equalBytes(block, minimal) ? block : minimal;
}

/** Collects the output as runs of the input, so unchanged stretches are copied once, at the end. */
class Splicer {
  private readonly parts: Uint8Array[] = [];
  private runStart = 0;
  changed = false;

  constructor(private readonly bytes: Uint8Array) {}

  /** Replaces bytes [start, end) with `insert` (or removes them). */
  replace(start: number, end: number, insert?: Uint8Array): void {
    this.parts.push(this.bytes.subarray(this.runStart, start));
    if (insert) this.parts.push(insert);
    this.runStart = end;
    this.changed = true;
  }

  /** The result, ending at `end` (bytes after it are dropped). */
  finish(end: number): Uint8Array {
    if (end < this.bytes.length) this.changed = true;
    if (!this.changed) return this.bytes;
    this.parts.push(this.bytes.subarray(this.runStart, end));
    return concat(this.parts);
  }
}

// ---------------------------------------------------------------------------------------------- JPEG

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP14 = 0xee;
const APP15 = 0xef;
const COM = 0xfe;

const isRst = (marker: number) => marker >= 0xd0 && marker <= 0xd7;

/**
 * Keeps every non-APPn segment (tables, frame and scan headers, the entropy-coded data) and, of the
 * APPn segments, only JFIF (without its thumbnail), the ICC profile and Adobe's colour transform.
 * Drops APP1 (EXIF, XMP), APP13 (Photoshop/IPTC), APP2 other than ICC (MPF, FlashPix), all other
 * APPn, COM, and whatever follows EOI (MPF secondary images, appended payloads).
 */
function stripJpeg(bytes: Uint8Array): Uint8Array {
  if (bytes[0] !== 0xff || bytes[1] !== SOI) throw malformed('JPEG', 'no start of image');
  const out = new Splicer(bytes);
  let exifSeen = false;
  let at = 2;
  for (;;) {
    if (at >= bytes.length) throw malformed('JPEG', 'no end of image');
    if (bytes[at] !== 0xff) throw malformed('JPEG', `no marker at offset ${at}`);
    // A marker may be preceded by any number of 0xFF fill bytes; they belong to its segment.
    let m = at + 1;
    while (m < bytes.length && bytes[m] === 0xff) m++;
    if (m >= bytes.length) throw malformed('JPEG', 'no end of image');
    const marker = bytes[m]!;
    if (marker === EOI) return out.finish(m + 1);
    if (marker === 0x01 || isRst(marker)) {
      at = m + 1; // TEM and RSTn stand alone
      continue;
    }
    if (marker === 0x00 || marker === SOI || m + 3 > bytes.length) throw malformed('JPEG', `bad marker at offset ${m}`);
    const length = (bytes[m + 1]! << 8) | bytes[m + 2]!;
    const end = m + 1 + length;
    if (length < 2 || end > bytes.length) throw malformed('JPEG', `segment at offset ${m} overruns the file`);
    const payload = bytes.subarray(m + 3, end);

    if (marker === APP1 && !exifSeen && startsWith(payload, 'Exif\0')) {
      exifSeen = true;
      const replacement = exifReplacement(payload, true);
      if (replacement !== payload) out.replace(at, end, replacement ? jpegSegment(APP1, replacement) : undefined);
    } else if ((marker >= APP0 && marker <= APP15) || marker === COM) {
      const kept = keptAppSegment(marker, payload);
      if (kept !== payload) out.replace(at, end, kept ? jpegSegment(marker, kept) : undefined);
    }
    at = marker === SOS ? afterEntropyCodedData(bytes, end) : end;
  }
}

/** The payload to keep for an APPn or COM segment: itself, a reduced copy, or null to drop it. */
function keptAppSegment(marker: number, payload: Uint8Array): Uint8Array | null {
  if (marker === APP0 && startsWith(payload, 'JFIF\0') && payload.length >= 14) {
    // JFIF: version (2), units (1), densities (2+2), thumbnail width and height (1+1), thumbnail pixels.
    if (payload[12] === 0 && payload[13] === 0 && payload.length === 14) return payload;
    const bare = payload.slice(0, 14);
    bare[12] = bare[13] = 0;
    return bare;
  }
  if (marker === APP2 && startsWith(payload, 'ICC_PROFILE\0')) return payload;
  if (marker === APP14 && startsWith(payload, 'Adobe')) return payload;
  return null;
}

function jpegSegment(marker: number, payload: Uint8Array): Uint8Array {
  if (payload.length + 2 > 0xffff) throw new RangeError('JPEG segment too long');
  const segment = new Uint8Array(4 + payload.length);
  segment.set([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  segment.set(payload, 4);
  return segment;
}

/** Offset of the marker that ends a scan's entropy-coded data (0xFF00 is a stuffed byte, RSTn sit inside). */
function afterEntropyCodedData(bytes: Uint8Array, from: number): number {
  let i = from;
  for (;;) {
    i = bytes.indexOf(0xff, i);
    if (i < 0 || i + 1 >= bytes.length) throw malformed('JPEG', 'scan data without end');
    const next = bytes[i + 1]!;
    if (next === 0x00 || isRst(next)) i += 2;
    else if (next === 0xff) i += 1;
    else return i;
  }
}

// ----------------------------------------------------------------------------------------------- PNG

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Ancillary chunks that decoding, transparency, colour, physical size or animation (APNG) use. Critical
 * chunks (upper-case first letter) are always kept. Every other ancillary chunk goes: tEXt, zTXt and
 * iTXt (comments, XMP), eXIf, tIME, and private ones (previews, editor data, provenance manifests).
 */
const PNG_KEPT_ANCILLARY = new Set([
  'tRNS', 'cHRM', 'gAMA', 'iCCP', 'sBIT', 'sRGB', 'cICP', 'mDCV', 'cLLI', 'bKGD', 'hIST', 'pHYs', 'sPLT',
  'acTL', 'fcTL', 'fdAT',
]);

function stripPng(bytes: Uint8Array): Uint8Array {
  if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) throw malformed('PNG', 'no signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Splicer(bytes);
  let exifSeen = false;
  let at = 8;
  for (;;) {
    // Chunk: length (4, big-endian), type (4), data, CRC (4) over type and data.
    if (at + 12 > bytes.length) throw malformed('PNG', 'no IEND chunk');
    const length = view.getUint32(at);
    const type = ascii(bytes, at + 4, 4);
    const end = at + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) throw malformed('PNG', `chunk ${type} overruns the file`);
    if (at === 8 && type !== 'IHDR') throw malformed('PNG', 'IHDR is not the first chunk');
    if (type === 'IEND') return out.finish(end);

    const critical = (bytes[at + 4]! & 0x20) === 0;
    if (type === 'eXIf' && !exifSeen) {
      exifSeen = true;
      const data = bytes.subarray(at + 8, at + 8 + length);
      const replacement = exifReplacement(data, hasExifHeader(data));
      if (replacement !== data) out.replace(at, end, replacement ? pngChunk('eXIf', replacement) : undefined);
    } else if (!critical && !PNG_KEPT_ANCILLARY.has(type)) {
      out.replace(at, end);
    }
    at = end;
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG chunks carry it (zlib.crc32 needs Node 20.15). */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) chunk[4 + i] = type.charCodeAt(i);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}

// ---------------------------------------------------------------------------------------------- WebP

/** Chunks of the WebP container that carry the image; EXIF, XMP and unknown chunks go. */
const WEBP_KEPT = new Set(['VP8X', 'ICCP', 'ANIM', 'ANMF', 'ALPH', 'VP8 ', 'VP8L']);
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

function stripWebp(bytes: Uint8Array): Uint8Array {
  if (!startsWith(bytes, 'RIFF') || bytes.length < 12 || ascii(bytes, 8, 4) !== 'WEBP') throw malformed('WebP', 'no RIFF WEBP header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riffEnd = 8 + view.getUint32(4, true);
  if (riffEnd > bytes.length || riffEnd < 12) throw malformed('WebP', 'RIFF size beyond the file');

  const chunks: Uint8Array[] = [];
  let changed = riffEnd < bytes.length; // bytes after the RIFF end are dropped
  let vp8x = -1;
  let exifSeen = false;
  let hasExif = false;
  let at = 12;
  while (at < riffEnd) {
    // Chunk: FourCC (4), size (4, little-endian), payload, a pad byte when the size is odd.
    if (at + 8 > riffEnd) throw malformed('WebP', `chunk header at offset ${at} overruns the RIFF`);
    const fourcc = ascii(bytes, at, 4);
    const size = view.getUint32(at + 4, true);
    const payloadEnd = at + 8 + size;
    if (payloadEnd > riffEnd) throw malformed('WebP', `chunk ${fourcc} overruns the RIFF`);
    const end = Math.min(payloadEnd + (size & 1), riffEnd);
    const chunk = bytes.subarray(at, end);
    if (fourcc === 'EXIF' && !exifSeen) {
      exifSeen = true;
      const payload = bytes.subarray(at + 8, payloadEnd);
      const replacement = exifReplacement(payload, hasExifHeader(payload));
      if (replacement === payload) chunks.push(chunk);
      else {
        changed = true;
        if (replacement) chunks.push(riffChunk('EXIF', replacement));
      }
      hasExif = replacement !== null;
    } else if (WEBP_KEPT.has(fourcc)) {
      if (fourcc === 'VP8X' && vp8x < 0 && size >= 10) vp8x = chunks.length;
      chunks.push(chunk);
    } else {
      changed = true;
    }
    at = end;
  }
  if (!changed) return bytes;

  if (vp8x >= 0) {
    // The VP8X flags announce EXIF and XMP; they must match the chunks that remain (XMP never does).
    const header = chunks[vp8x]!.slice();
    header[8] = (header[8]! & ~(VP8X_EXIF | VP8X_XMP)) | (hasExif ? VP8X_EXIF : 0);
    chunks[vp8x] = header;
  }
  const body = concat(chunks);
  const out = new Uint8Array(12 + body.length);
  out.set(bytes.subarray(0, 12));
  new DataView(out.buffer).setUint32(4, 4 + body.length, true);
  out.set(body, 12);
  return out;
}

function riffChunk(fourcc: string, payload: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(8 + payload.length + (payload.length & 1));
  for (let i = 0; i < 4; i++) chunk[i] = fourcc.charCodeAt(i);
  new DataView(chunk.buffer).setUint32(4, payload.length, true);
  chunk.set(payload, 8);
  return chunk;
}

// ----------------------------------------------------------------------------------------------- GIF

const GIF_EXTENSION = 0x21;
const GIF_IMAGE = 0x2c;
const GIF_TRAILER = 0x3b;
const GIF_COMMENT = 0xfe;
const GIF_APPLICATION = 0xff;

/**
 * Application extensions that affect display: the loop count (Netscape, AnimExts) and the ICC profile.
 * Others go: XMP ("XMP DataXMP"), IPTC and 8BIM ("MGKIPTC0000", "MGK8BIM0000") and unknown ones.
 */
const GIF_KEPT_APPLICATIONS = new Set(['NETSCAPE2.0', 'ANIMEXTS1.0', 'ICCRGBG1012']);

/** Keeps the header, colour tables, images and control, plain-text and known application extensions. */
function stripGif(bytes: Uint8Array): Uint8Array {
  if (!startsWith(bytes, 'GIF87a') && !startsWith(bytes, 'GIF89a')) throw malformed('GIF', 'no header');
  if (bytes.length < 13) throw malformed('GIF', 'no logical screen descriptor');
  const out = new Splicer(bytes);
  const colourTable = (packed: number) => (packed & 0x80 ? 3 << ((packed & 0x07) + 1) : 0);
  let at = 13 + colourTable(bytes[10]!);
  for (;;) {
    // Decoders accept a file that ends after a whole block without its trailer; so does this.
    if (at === bytes.length) return out.finish(at);
    if (at > bytes.length) throw malformed('GIF', 'colour table overruns the file');
    const introducer = bytes[at]!;
    if (introducer === GIF_TRAILER) return out.finish(at + 1);
    if (introducer === GIF_IMAGE) {
      // Image descriptor: position (4), size (4), packed (1); local colour table; LZW code size (1); data.
      if (at + 11 > bytes.length) throw malformed('GIF', 'image descriptor overruns the file');
      at = afterSubBlocks(bytes, at + 10 + colourTable(bytes[at + 9]!) + 1);
    } else if (introducer === GIF_EXTENSION) {
      if (at + 2 > bytes.length) throw malformed('GIF', 'extension overruns the file');
      const label = bytes[at + 1]!;
      const end = afterSubBlocks(bytes, at + 2);
      if (label === GIF_COMMENT || (label === GIF_APPLICATION && !GIF_KEPT_APPLICATIONS.has(applicationId(bytes, at + 2)))) {
        out.replace(at, end);
      }
      at = end;
    } else {
      throw malformed('GIF', `unknown block 0x${introducer.toString(16)} at offset ${at}`);
    }
  }
}

/** The 11-byte identifier and authentication code in the first sub-block of an application extension. */
const applicationId = (bytes: Uint8Array, at: number): string => (bytes[at] === 11 ? ascii(bytes, at + 1, 11) : '');

/** Offset after a chain of data sub-blocks (size byte, data) ended by a zero-size block. */
function afterSubBlocks(bytes: Uint8Array, from: number): number {
  let at = from;
  for (;;) {
    if (at >= bytes.length) throw malformed('GIF', 'data sub-blocks overrun the file');
    const size = bytes[at]!;
    at += 1 + size;
    if (size === 0) return at;
  }
}
