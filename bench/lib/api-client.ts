// The client side of one upload, as the browser SDK does it: create, transfer, complete; and the 2-hop upload.
import type { TestImage } from './images.js';

export interface Created {
  id: string;
  target: { method: 'PUT'; url: string; headers: Record<string, string> };
}

async function expectStatus(response: Response, expected: number[], what: string): Promise<unknown> {
  const text = await response.text();
  if (!expected.includes(response.status)) throw new Error(`${what}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

export async function createUpload(api: string, token: string, image: TestImage, filename = 'photo.jpg'): Promise<Created> {
  const response = await fetch(`${api}/api/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      filename,
      contentType: image.contentType,
      size: image.bytes.length,
      checksum: { algorithm: 'sha256', value: image.sha256 },
    }),
  });
  const body = (await expectStatus(response, [201], 'create')) as { upload: { id: string }; target: Created['target'] };
  return { id: body.upload.id, target: body.target };
}

/** The transfer, straight to object storage with the signed URL and exactly its headers. */
export async function transfer(target: Created['target'], image: TestImage): Promise<void> {
  const response = await fetch(target.url, { method: target.method, headers: target.headers, body: image.bytes });
  await expectStatus(response, [200, 201, 204], 'transfer');
}

/** `complete`; answers 200 (ready) or 202 (processing), anything else throws. */
export async function complete(api: string, token: string, id: string): Promise<number> {
  const response = await fetch(`${api}/api/uploads/${id}/complete`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  await expectStatus(response, [200, 202], 'complete');
  return response.status;
}

/** One upload through the 2-hop proxy, as a browser form sends it: multipart/form-data, the size field first. */
export async function twoHopUpload(proxy: string, token: string, image: TestImage): Promise<void> {
  const form = new FormData();
  form.append('size', String(image.bytes.length));
  form.append('file', new Blob([image.bytes], { type: image.contentType }), 'photo.jpg');
  const response = await fetch(`${proxy}/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  await expectStatus(response, [201], '2-hop upload');
}

/** Runs `task` for 0..count-1 with at most `concurrency` at once. */
export async function pooled(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}
