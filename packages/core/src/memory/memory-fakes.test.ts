// The memory fakes are held to the same contracts as the real adapters.
import { describeImageProcessorContract, describeStorageContract } from '../../testing/index.js';
import { fakePng, pngHeaderProcessor } from '../../testing/use-case-harness.js';
import { MemoryStorage } from './memory-storage.js';

describeStorageContract('MemoryStorage', async () => ({ storage: new MemoryStorage() }));

describeImageProcessorContract('PNG header fake (use-case tests)', pngHeaderProcessor, async () => ({
  valid: [{ bytes: fakePng(30, 20), type: 'image/png', width: 30, height: 20 }],
  invalid: [new TextEncoder().encode('<!doctype html><script>alert(1)</script>'.padEnd(64))],
  bomb: { bytes: fakePng(20_000, 20_000), width: 20_000, height: 20_000 },
}));
