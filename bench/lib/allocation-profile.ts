// Reads a V8 sampling heap profile and splits the bytes allocated by the library that allocated them.
import { readFileSync } from 'node:fs';
import { bucketOf, frameBucket } from './cpu-profile.js';

interface AllocationNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: AllocationNode[];
}

/**
 * Bytes allocated in all, and the share of each bucket in percent: each allocation goes to the
 * innermost frame of a known library (as in profileBuckets), else to frameBucket's of the allocating frame.
 */
export function allocationBuckets(file: string): { bytes: number; buckets: Array<[string, number]> } {
  const head = (JSON.parse(readFileSync(file, 'utf8')) as { head: AllocationNode }).head;
  const totals = new Map<string, number>();
  let bytes = 0;
  const walk = (node: AllocationNode, known: string | null) => {
    const own = bucketOf(node.callFrame.url) ?? known;
    if (node.selfSize > 0) {
      const bucket = own ?? frameBucket(node.callFrame.functionName, node.callFrame.url);
      totals.set(bucket, (totals.get(bucket) ?? 0) + node.selfSize);
      bytes += node.selfSize;
    }
    for (const child of node.children) walk(child, own);
  };
  walk(head, null);
  const buckets = [...totals].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, (v / bytes) * 100] as [string, number]);
  return { bytes, buckets };
}
