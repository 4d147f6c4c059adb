// EXIF orientation: reads the Orientation tag of an EXIF block, and writes a block that holds nothing else.

/** "Exif\0\0": JPEG's APP1 identifier, which some writers also put in front of WebP and PNG EXIF. */
export const EXIF_HEADER: readonly number[] = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00];

const ORIENTATION_TAG = 0x0112;
const SHORT = 3;

export interface ExifOrientation {
  /** 1 (as stored) to 8. */
  orientation: number;
  /** Byte order of the block it was read from ("II"), so a rewritten block keeps it. */
  littleEndian: boolean;
}

export const hasExifHeader = (block: Uint8Array): boolean => EXIF_HEADER.every((b, i) => block[i] === b);

/**
 * The Orientation of IFD0 in a TIFF-structured EXIF block (with or without the "Exif\0\0" header).
 * Undefined when the block has none or is too damaged to read: the image is then shown as stored.
 */
export function readExifOrientation(block: Uint8Array): ExifOrientation | undefined {
  const tiff = hasExifHeader(block) ? block.subarray(EXIF_HEADER.length) : block;
  if (tiff.length < 8) return undefined;
  const littleEndian = tiff[0] === 0x49 && tiff[1] === 0x49;
  const bigEndian = tiff[0] === 0x4d && tiff[1] === 0x4d;
  if (!littleEndian && !bigEndian) return undefined;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  if (view.getUint16(2, littleEndian) !== 42) return undefined;
  const ifd = view.getUint32(4, littleEndian);
  if (ifd < 8 || ifd + 2 > tiff.length) return undefined;
  const count = view.getUint16(ifd, littleEndian);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > tiff.length) return undefined;
    if (view.getUint16(entry, littleEndian) !== ORIENTATION_TAG) continue;
    if (view.getUint16(entry + 2, littleEndian) !== SHORT || view.getUint32(entry + 4, littleEndian) !== 1) return undefined;
    // A single SHORT sits left-justified in the 4-byte value field.
    const orientation = view.getUint16(entry + 8, littleEndian);
    return orientation >= 1 && orientation <= 8 ? { orientation, littleEndian } : undefined;
  }
  return undefined;
}

/**
 * A TIFF-structured EXIF block whose IFD0 holds the Orientation tag and nothing else (26 bytes,
 * 32 with the "Exif\0\0" header): header, one-entry IFD0, no next IFD.
 */
export function orientationOnlyExif({ orientation, littleEndian }: ExifOrientation, withHeader: boolean): Uint8Array {
  if (!Number.isInteger(orientation) || orientation < 1 || orientation > 8) throw new RangeError(`orientation must be 1-8, got ${orientation}`);
  const prefix = withHeader ? EXIF_HEADER.length : 0;
  const block = new Uint8Array(prefix + 26);
  block.set(EXIF_HEADER.slice(0, prefix));
  const view = new DataView(block.buffer, prefix);
  block[prefix] = block[prefix + 1] = littleEndian ? 0x49 : 0x4d;
  view.setUint16(2, 42, littleEndian);
  view.setUint32(4, 8, littleEndian); // IFD0 right after the header
  view.setUint16(8, 1, littleEndian); // one entry
  view.setUint16(10, ORIENTATION_TAG, littleEndian);
  view.setUint16(12, SHORT, littleEndian);
  view.setUint32(14, 1, littleEndian); // count
  view.setUint16(18, orientation, littleEndian); // value, then 2 bytes of padding
  view.setUint32(22, 0, littleEndian); // no next IFD
  return block;
}
