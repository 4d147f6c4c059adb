// Files out of drops and pastes, and which paste targets are left alone.
import { describe, expect, it } from 'vitest';
import { filesFromTransfer, isEditableTarget } from './files-from-transfer.js';

const png = (name: string) => new File([new Uint8Array([1])], name, { type: 'image/png' });

describe('filesFromTransfer', () => {
  it('takes the file list when the browser filled it', () => {
    const a = png('a.png');
    const b = png('b.png');
    expect(filesFromTransfer({ files: [a, b], items: [] })).toEqual([a, b]);
  });

  it('falls back to file items (pasted screenshots often come only that way)', () => {
    const shot = png('image.png');
    const items = [
      { kind: 'string', getAsFile: () => null },
      { kind: 'file', getAsFile: () => shot },
      { kind: 'file', getAsFile: () => null },
    ];
    expect(filesFromTransfer({ files: [], items })).toEqual([shot]);
  });

  it('returns nothing for text or for no transfer', () => {
    expect(filesFromTransfer({ files: [], items: [{ kind: 'string', getAsFile: () => null }] })).toEqual([]);
    expect(filesFromTransfer(null)).toEqual([]);
  });
});

describe('isEditableTarget', () => {
  it('leaves pastes into text fields alone', () => {
    expect(isEditableTarget({ tagName: 'TEXTAREA' } as unknown as EventTarget)).toBe(true);
    expect(isEditableTarget({ tagName: 'INPUT', type: 'text' } as unknown as EventTarget)).toBe(true);
    expect(isEditableTarget({ tagName: 'DIV', isContentEditable: true } as unknown as EventTarget)).toBe(true);
  });

  it('takes pastes aimed at the page, buttons or the file input', () => {
    expect(isEditableTarget({ tagName: 'BODY' } as unknown as EventTarget)).toBe(false);
    expect(isEditableTarget({ tagName: 'INPUT', type: 'file' } as unknown as EventTarget)).toBe(false);
    expect(isEditableTarget({ tagName: 'BUTTON' } as unknown as EventTarget)).toBe(false);
    expect(isEditableTarget(null)).toBe(false);
  });
});
