// React bindings for the direct-upload SDK: a hook over the uploader store and a ready-made widget.
export { useUploader, useUploaderState } from './use-uploader.js';
export type { UseUploaderResult } from './use-uploader.js';
export { useUploaded } from './use-uploaded.js';
export { ImageUpload } from './image-upload.js';
export type { ImageUploadProps } from './image-upload.js';
export { UploadRow } from './upload-row.js';
export type { UploadRowProps } from './upload-row.js';
export { filesFromTransfer } from './files-from-transfer.js';
