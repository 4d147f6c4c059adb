// A page script that writes down every value each upload progress bar showed, to check progress after the fact.

declare global {
  interface Window {
    __progress?: Record<string, { value: number; max: number }[]>;
  }
}

/** Runs in the page (passed to addInitScript): watches <progress> elements by their accessible label. */
export function recordProgress(): void {
  const seen: Record<string, { value: number; max: number }[]> = {};
  window.__progress = seen;
  const scan = () => {
    for (const bar of Array.from(document.querySelectorAll('progress'))) {
      const label = bar.getAttribute('aria-label') ?? '';
      if (!bar.hasAttribute('value')) continue;
      const list = (seen[label] ??= []);
      const last = list[list.length - 1];
      if (!last || last.value !== bar.value || last.max !== bar.max) list.push({ value: bar.value, max: bar.max });
    }
  };
  new MutationObserver(scan).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['value', 'max'] });
}
