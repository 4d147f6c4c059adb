// Request and response shapes of the HTTP API, as zod schemas and the types inferred from them.
import { z } from 'zod';

export const VISIBILITIES = ['public', 'private'] as const;
export const visibilitySchema = z.enum(VISIBILITIES);
export type Visibility = z.infer<typeof visibilitySchema>;

export const METADATA_MAX_ENTRIES = 20;
export const METADATA_KEY_MAX = 64;
export const METADATA_VALUE_MAX = 512;
export const FILENAME_MAX = 255;

const base64Sha256 = z
  .string()
  .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be the base64 encoding of a 32-byte SHA-256 digest');

export const checksumSchema = z.strictObject({
  algorithm: z.literal('sha256'),
  value: base64Sha256,
});
export type Checksum = z.infer<typeof checksumSchema>;

export const metadataSchema = z
  .record(
    z.string().min(1).max(METADATA_KEY_MAX).regex(/^[A-Za-z0-9_.-]+$/, 'keys use letters, digits, "_", "." or "-"'),
    z.string().max(METADATA_VALUE_MAX),
  )
  .refine((m) => Object.keys(m).length <= METADATA_MAX_ENTRIES, `at most ${METADATA_MAX_ENTRIES} entries`);
export type Metadata = Record<string, string>;

/** Body of `POST /api/uploads`. Unknown fields (key, bucket, acl...) are ignored, never used. */
export const createUploadRequestSchema = z.object({
  filename: z.string().min(1).max(FILENAME_MAX),
  contentType: z.string().min(1).max(255),
  size: z.number().int().positive(),
  checksum: checksumSchema.optional(),
  visibility: visibilitySchema.optional(),
  metadata: metadataSchema.optional(),
});
export type CreateUploadRequest = z.infer<typeof createUploadRequestSchema>;

export const uploadStatusSchema = z.enum(['pending', 'processing', 'ready', 'rejected', 'expired']);
export type UploadStatus = z.infer<typeof uploadStatusSchema>;

export const uploadTargetSchema = z.object({
  method: z.literal('PUT'),
  url: z.string(),
  headers: z.record(z.string(), z.string()),
});
export type UploadTarget = z.infer<typeof uploadTargetSchema>;

export const createUploadResponseSchema = z.object({
  upload: z.object({ id: z.string(), status: z.literal('pending'), expiresAt: z.string() }),
  target: uploadTargetSchema,
});
export type CreateUploadResponse = z.infer<typeof createUploadResponseSchema>;

export const variantSchema = z.object({
  url: z.string(),
  width: z.number(),
  height: z.number(),
  contentType: z.string(),
  size: z.number(),
});
export type Variant = z.infer<typeof variantSchema>;

export const imageSchema = z.object({
  id: z.string(),
  status: z.literal('ready'),
  filename: z.string(),
  contentType: z.string(),
  size: z.number(),
  width: z.number(),
  height: z.number(),
  visibility: visibilitySchema,
  url: z.string(),
  createdAt: z.string(),
  metadata: z.record(z.string(), z.string()),
  /** Derived copies by name (e.g. `thumb`, `medium`), auto-oriented and metadata-free. */
  variants: z.record(z.string(), variantSchema),
  /** A CSS colour to show while the image loads, or null. */
  placeholder: z.string().nullable(),
});
export type Image = z.infer<typeof imageSchema>;

/** `202` from `complete`: the bytes are verified in the background; call `complete` again. */
export const processingResponseSchema = z.object({
  upload: z.object({ id: z.string(), status: z.literal('processing'), expiresAt: z.string() }),
});
export type ProcessingResponse = z.infer<typeof processingResponseSchema>;

export const contentQuerySchema = z.object({ variant: z.string().min(1).max(64).optional() });

export const imageResponseSchema = z.object({ image: imageSchema });
export type ImageResponse = z.infer<typeof imageResponseSchema>;

export const LIST_LIMIT_DEFAULT = 20;
export const LIST_LIMIT_MAX = 100;

export const listImagesQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(LIST_LIMIT_MAX).default(LIST_LIMIT_DEFAULT),
  cursor: z.string().min(1).max(200).optional(),
});
export type ListImagesQuery = z.infer<typeof listImagesQuerySchema>;

export const listImagesResponseSchema = z.object({
  images: z.array(imageSchema),
  nextCursor: z.string().nullable(),
});
export type ListImagesResponse = z.infer<typeof listImagesResponseSchema>;

export const clientConfigSchema = z.object({
  allowedTypes: z.array(z.string()),
  maxBytes: z.number(),
  defaultVisibility: visibilitySchema,
  checksum: z.literal('sha256'),
});
export type ClientConfig = z.infer<typeof clientConfigSchema>;

export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
