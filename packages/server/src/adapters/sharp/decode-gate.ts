// Bounds how many decodes run at once and how many may wait, so a burst of uploads cannot exhaust memory.
import { DomainError } from '@direct-upload/core';

export class DecodeGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly maxActive: number,
    private readonly maxWaiting: number,
  ) {}

  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.active >= this.maxActive) {
      if (this.waiting.length >= this.maxWaiting) {
        throw new DomainError('service_unavailable', 'Image verification is busy; try again shortly.', { retryAfterSeconds: 2 });
      }
      await new Promise<void>((resolve, reject) => {
        const start = () => {
          signal?.removeEventListener('abort', cancel);
          resolve();
        };
        const cancel = () => {
          this.waiting.splice(this.waiting.indexOf(start), 1);
          reject(signal!.reason);
        };
        this.waiting.push(start);
        signal?.addEventListener('abort', cancel, { once: true });
      });
    } else {
      this.active += 1;
    }
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter, or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
