// The widget's markup for each file state, rendered from a real uploader.
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUploader, fetchTransport, type Uploader } from '@direct-upload/client';
import { sleep } from '../../client/src/backoff.js';
import { startScriptedApi, type ScriptedApi } from '../../client/test/support/scripted-api-server.js';
import { waitForState } from '../../client/test/support/wait-for-state.js';
import { ImageUpload } from './image-upload.js';

let api: ScriptedApi;
let uploader: Uploader;

beforeEach(async () => {
  api = await startScriptedApi({ maxBytes: 1024 * 1024 });
  uploader = createUploader({ endpoint: api.url, transport: fetchTransport(), concurrency: 1, sleep: async () => undefined });
});
afterEach(() => api.close());

const file = (name: string, type: string, size = 64) => new File([new Uint8Array(size).fill(1)], name, { type });

/** The markup of the widget showing the uploader's current state. */
const render = (props: Partial<Parameters<typeof ImageUpload>[0]> = {}) => {
  const container = markup();
  container.innerHTML = renderToStaticMarkup(<ImageUpload uploader={uploader} id="pick" {...props} />);
  return container;
};

/** A tiny HTML reader over the static markup (Node has no DOM): attributes of the first matching tag. */
function markup() {
  return {
    innerHTML: '',
    tags(name: string): Record<string, string>[] {
      return [...this.innerHTML.matchAll(new RegExp(`<${name}\\b([^>]*)>`, 'g'))].map((m) =>
        Object.fromEntries([...m[1]!.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map((a) => [a[1]!, a[2] ?? ''])),
      );
    },
  };
}

describe('<ImageUpload /> markup', () => {
  it('has a real multiple file input with a label and a hint', () => {
    const html = render({ label: 'Add photos' });
    const [input] = html.tags('input');
    expect(input).toMatchObject({ id: 'pick', type: 'file', multiple: '', 'aria-describedby': 'pick-hint', accept: 'image/*' });
    expect(html.tags('label')).toEqual([{ for: 'pick', class: 'du-upload__label' }]);
    expect(html.innerHTML).toContain('>Add photos</label>');
    expect(html.innerHTML).toMatch(/<span id="pick-hint"[^>]*>or drop them here, or paste from the clipboard<\/span>/);
    expect(html.tags('ul')).toEqual([]);
  });

  it('shows a refused file with an alert naming it and a remove button, but no retry', async () => {
    uploader.add([file('photo.svg', 'image/svg+xml'), file('big.png', 'image/png', 1024 * 1024 + 1)]);
    await waitForState(uploader, (s) => s.items.every((i) => i.status === 'error'));
    const html = render();
    const alerts = [...html.innerHTML.matchAll(/<p class="du-upload__error" role="alert">([^<]*)<\/p>/g)].map((m) => m[1]);
    expect(alerts).toEqual(['photo.svg: this file type is not allowed', 'big.png is too large (max 1 MB)']);
    const buttons = html.tags('button').map((b) => b['aria-label']);
    expect(buttons).toEqual(['Remove photo.svg from the list', 'Remove big.png from the list']);
  });

  it('shows a progress bar and a cancel button while a file waits or travels, and retry once cancelled', async () => {
    api.transferPlan.push('hold');
    const [first, second] = uploader.add([file('a.png', 'image/png'), file('b.png', 'image/png')]);
    await api.held(1);
    let html = render();
    const bars = html.tags('progress');
    expect(bars).toHaveLength(2);
    expect(bars[0]).toMatchObject({ 'aria-label': 'a.png upload progress' });
    expect(bars[1]).toMatchObject({ 'aria-label': 'b.png upload progress', max: '1', value: '0' });
    expect(html.tags('button').map((b) => b['aria-label'])).toEqual(['Cancel a.png', 'Cancel b.png']);
    for (const button of html.tags('button')) expect(button.type).toBe('button');

    uploader.cancel(second!);
    api.releaseHeld();
    await waitForState(uploader, (s) => s.items.find((i) => i.id === first)?.status === 'done');
    html = render();
    expect(html.tags('button').map((b) => b['aria-label'])).toEqual(['Remove a.png from the list', 'Retry b.png', 'Remove b.png from the list']);
    expect(html.innerHTML).toContain('Uploaded');
    expect(html.innerHTML).toContain('Cancelled');
    expect(html.innerHTML).not.toContain('role="alert"');
  });

  it('shows "Processing…" with an indeterminate bar and a cancel button while the server processes the image', async () => {
    api.completePlan.push('processing');
    // Polls wait for real (until cancelled), so the file stays in processing while the markup is read.
    uploader = createUploader({ endpoint: api.url, transport: fetchTransport(), sleep: (_ms, signal) => sleep(10 * 60_000, signal) });
    const [id] = uploader.add([file('a.png', 'image/png')]);
    await waitForState(uploader, (s) => s.items[0]?.status === 'processing');
    const html = render();
    expect(html.innerHTML).toMatch(/<span class="du-upload__status">Processing…<\/span>/);
    expect(html.tags('progress')).toEqual([{ class: 'du-upload__progress', 'aria-label': 'a.png upload progress' }]);
    expect(html.tags('button').map((b) => b['aria-label'])).toEqual(['Cancel a.png']);
    expect(html.tags('li')[0]).toMatchObject({ 'data-status': 'processing' });
    uploader.cancel(id!);
    await waitForState(uploader, (s) => s.items[0]?.status === 'cancelled');
  });

  it('offers no retry when processing refused the image', async () => {
    api.completePlan.push('processing', 'refuse422');
    uploader.add([file('photo.jpg', 'image/jpeg')]);
    await waitForState(uploader, (s) => s.items[0]?.status === 'error');
    const html = render();
    expect(html.innerHTML).toContain('<p class="du-upload__error" role="alert">photo.jpg could not be processed</p>');
    expect(html.tags('button').map((b) => b['aria-label'])).toEqual(['Remove photo.jpg from the list']);
  });

  it('offers retry for a failure that may pass next time', async () => {
    api.createPlan.push('fail429');
    uploader.add([file('a.png', 'image/png')]);
    await waitForState(uploader, (s) => s.items[0]?.status === 'error');
    const html = render();
    expect(html.tags('button').map((b) => b['aria-label'])).toEqual(['Retry a.png', 'Remove a.png from the list']);
    expect(html.innerHTML).toContain('a.png: too many uploads at once; try again in a moment');
  });
});
