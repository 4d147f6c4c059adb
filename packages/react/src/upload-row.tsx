// One file in the upload list: preview, name, progress, status, the refusal message and its buttons.
import { useState } from 'react';
import type { UploadItem } from '@direct-upload/client';
import { formatBytes } from '@direct-upload/client';
import { useObjectUrl } from './use-object-url.js';

export interface UploadRowProps {
  item: UploadItem;
  onCancel(id: string): void;
  onRetry(id: string): void;
  onRemove(id: string): void;
}

/** Refusals that the same file would meet again: retrying them is pointless. */
const FINAL_CODES = new Set([
  'unsupported_type',
  'file_too_large',
  'empty_file',
  'invalid_image',
  'type_mismatch',
  'image_too_large',
  'processing_failed',
]);

function statusText(item: UploadItem): string {
  switch (item.status) {
    case 'queued':
      return 'Waiting';
    case 'hashing':
      return 'Preparing';
    case 'uploading':
      return item.total > 0 ? `Uploading ${Math.floor((item.loaded / item.total) * 100)}%` : 'Uploading';
    case 'verifying':
      return 'Checking';
    case 'processing':
      return 'Processing…';
    case 'done':
      return 'Uploaded';
    case 'error':
      return 'Failed';
    case 'cancelled':
      return 'Cancelled';
  }
}

function Progress({ item }: { item: UploadItem }) {
  const label = `${item.name} upload progress`;
  switch (item.status) {
    case 'queued':
      return <progress className="du-upload__progress" aria-label={label} max={1} value={0} />;
    case 'uploading':
      return <progress className="du-upload__progress" aria-label={label} max={Math.max(1, item.total)} value={item.loaded} />;
    case 'done':
      return <progress className="du-upload__progress" aria-label={label} max={1} value={1} />;
    case 'hashing':
    case 'verifying':
    case 'processing':
      // No value: the bar shows work whose end is unknown.
      return <progress className="du-upload__progress" aria-label={label} />;
    default:
      return null;
  }
}

function Preview({ file }: { file: Blob }) {
  const url = useObjectUrl(file.type.startsWith('image/') ? file : null);
  // A file that claims to be an image but does not decode gets an empty frame, not a broken icon.
  const [broken, setBroken] = useState(false);
  return <span className="du-upload__preview">{url && !broken ? <img src={url} alt="" onError={() => setBroken(true)} /> : null}</span>;
}

export function UploadRow({ item, onCancel, onRetry, onRemove }: UploadRowProps) {
  const active = item.status !== 'done' && item.status !== 'error' && item.status !== 'cancelled';
  const canRetry = item.status === 'cancelled' || (item.status === 'error' && !FINAL_CODES.has(item.error.code));
  return (
    <li className="du-upload__item" data-status={item.status}>
      <Preview file={item.file} />
      <div className="du-upload__body">
        <span className="du-upload__name">{item.name}</span> <span className="du-upload__size">({formatBytes(item.size)})</span>
        <Progress item={item} />
        <span className="du-upload__status">{statusText(item)}</span>
        {item.status === 'error' ? (
          <p className="du-upload__error" role="alert">
            {item.error.message}
          </p>
        ) : null}
      </div>
      <div className="du-upload__actions">
        {active ? (
          <button type="button" className="du-upload__button" aria-label={`Cancel ${item.name}`} onClick={() => onCancel(item.id)}>
            Cancel
          </button>
        ) : null}
        {canRetry ? (
          <button type="button" className="du-upload__button" aria-label={`Retry ${item.name}`} onClick={() => onRetry(item.id)}>
            Retry
          </button>
        ) : null}
        {active ? null : (
          <button type="button" className="du-upload__button" aria-label={`Remove ${item.name} from the list`} onClick={() => onRemove(item.id)}>
            Remove
          </button>
        )}
      </div>
    </li>
  );
}
