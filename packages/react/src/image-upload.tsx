// The upload widget: pick, drop or paste images; a preview, progress, cancel and retry per file.
import { useEffect, useId, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { createUploader, type AddOptions, type Image, type Uploader, type UploaderOptions } from '@direct-upload/client';
import { filesFromTransfer, isEditableTarget } from './files-from-transfer.js';
import { UploadRow } from './upload-row.js';
import { useUploaded } from './use-uploaded.js';
import { useCancelOnUnmount, useUploaderState } from './use-uploader.js';

export interface ImageUploadProps extends AddOptions {
  /** An uploader to show; when absent the widget makes its own from `options`. */
  uploader?: Uploader;
  options?: UploaderOptions;
  /** Called once per file when its upload is complete. */
  onUploaded?: (image: Image) => void;
  label?: ReactNode;
  hint?: ReactNode;
  /** The picker's filter; by default the server's allowed types. */
  accept?: string;
  /** Take pasted files from anywhere on the page (not from text fields); otherwise only inside the widget. */
  pasteFromDocument?: boolean;
  className?: string;
  id?: string;
}

export function ImageUpload(props: ImageUploadProps) {
  const { onUploaded, label = 'Choose images', hint = 'or drop them here, or paste from the clipboard', pasteFromDocument = true } = props;
  const [owned] = useState(() => (props.uploader ? null : createUploader(props.options)));
  const uploader = props.uploader ?? owned!;
  useCancelOnUnmount(owned);
  const { items } = useUploaderState(uploader);
  useUploaded(uploader, onUploaded);
  const generatedId = useId();
  const inputId = props.id ?? `${generatedId}-input`;
  const hintId = `${inputId}-hint`;
  const [dragging, setDragging] = useState(false);
  const accept = useAccept(uploader, props.accept);

  const addOptions: AddOptions = {
    ...(props.visibility ? { visibility: props.visibility } : {}),
    ...(props.metadata ? { metadata: props.metadata } : {}),
  };
  const latestOptions = useRef(addOptions);
  useEffect(() => {
    latestOptions.current = addOptions;
  });
  const add = (files: File[]) => {
    if (files.length > 0) uploader.add(files, latestOptions.current);
  };

  useEffect(() => {
    if (!pasteFromDocument) return undefined;
    const onPaste = (event: ClipboardEvent) => {
      if (isEditableTarget(event.target)) return;
      const files = filesFromTransfer(event.clipboardData);
      if (files.length === 0) return;
      event.preventDefault();
      uploader.add(files, latestOptions.current);
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, [uploader, pasteFromDocument]);

  const onDragOver = (event: DragEvent) => {
    if (!Array.from(event.dataTransfer.types).includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };
  const onDragLeave = (event: DragEvent) => {
    // Moving between children fires leave events too; only leaving the zone counts.
    if (event.currentTarget.contains(event.relatedTarget as Node | null)) return;
    setDragging(false);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    add(filesFromTransfer(event.dataTransfer));
  };

  return (
    <div
      className={['du-upload', props.className].filter(Boolean).join(' ')}
      data-dragging={dragging || undefined}
      onDragOver={onDragOver}
      onDragEnter={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
      onPaste={
        pasteFromDocument
          ? undefined
          : (event) => {
              const files = filesFromTransfer(event.clipboardData);
              if (files.length === 0) return;
              event.preventDefault();
              add(files);
            }
      }
    >
      <div className="du-upload__zone">
        <input
          id={inputId}
          className="du-upload__input"
          type="file"
          multiple
          accept={accept}
          aria-describedby={hintId}
          onChange={(event) => {
            add(Array.from(event.currentTarget.files ?? []));
            // Cleared so that choosing the same file again still counts as a change.
            event.currentTarget.value = '';
          }}
        />
        <label htmlFor={inputId} className="du-upload__label">
          {label}
        </label>
        <span id={hintId} className="du-upload__hint">
          {hint}
        </span>
      </div>
      {items.length > 0 ? (
        <ul className="du-upload__list" aria-label="Uploads">
          {items.map((item) => (
            <UploadRow key={item.id} item={item} onCancel={uploader.cancel} onRetry={uploader.retry} onRemove={uploader.remove} />
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The picker's filter: the caller's, else the server's allowed types once known, else any image. */
function useAccept(uploader: Uploader, given: string | undefined): string {
  const [fromServer, setFromServer] = useState<string | null>(null);
  useEffect(() => {
    if (given !== undefined) return undefined;
    const controller = new AbortController();
    uploader.getConfig(controller.signal).then(
      (config) => setFromServer(config.allowedTypes.join(',')),
      () => undefined,
    );
    return () => controller.abort();
  }, [uploader, given]);
  return given ?? fromServer ?? 'image/*';
}
