// A stand-in for the upload API on node:http whose answers a test scripts: failures, expiries, held transfers.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientConfig, CreateUploadRequest, Image } from '@direct-upload/protocol';

/** How the next request of a kind is answered; 'ok' once the script runs out. */
export type TransferReply = 'ok' | 'fail503' | 'fail400' | 'expired' | 'drop' | 'hold' | 'already';
export type ApiReply = 'ok' | 'fail500' | 'fail429' | 'fail409';
/**
 * `processing`: 202, the image is not ready yet (with `retryAfter`: come back in that many seconds);
 * `refuse422`: processing refused the image.
 */
export type CompleteReply = ApiReply | 'processing' | { processing: { retryAfter: number } } | 'refuse422';

export interface LoggedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

export interface ScriptedApi {
  url: string;
  log: LoggedRequest[];
  creates: CreateUploadRequest[];
  transferPlan: TransferReply[];
  createPlan: ApiReply[];
  completePlan: CompleteReply[];
  /** Bytes received per upload id. */
  stored: Map<string, Buffer>;
  /** Most transfers the server was receiving or holding at the same time. */
  maxConcurrentTransfers: number;
  /** Transfers whose client went away before an answer. */
  abandonedTransfers: number;
  /** Resolves when `count` transfers are being held. */
  held(count: number): Promise<void>;
  /** Answers every held transfer with 200. */
  releaseHeld(): void;
  /** Requests with this method and path (a string: exact; a RegExp: matching). */
  count(method: string, path: string | RegExp): number;
  close(): Promise<void>;
}

const DEFAULT_CONFIG: ClientConfig = {
  allowedTypes: ['image/png', 'image/jpeg'],
  maxBytes: 10 * 1024 * 1024,
  defaultVisibility: 'public',
  checksum: 'sha256',
};

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const apiError = (res: ServerResponse, status: number, code: string) => sendJson(res, status, { error: { code, message: `${code} (scripted)` } });

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startScriptedApi(config: Partial<ClientConfig> = {}): Promise<ScriptedApi> {
  const limits = { ...DEFAULT_CONFIG, ...config };
  const uploads = new Map<string, CreateUploadRequest>();
  const holding: (() => void)[] = [];
  const holdWaiters: { count: number; resolve: () => void }[] = [];
  let receiving = 0;
  let nextId = 0;

  const api: ScriptedApi = {
    url: '',
    log: [],
    creates: [],
    transferPlan: [],
    createPlan: [],
    completePlan: [],
    stored: new Map(),
    maxConcurrentTransfers: 0,
    abandonedTransfers: 0,
    held: (count) =>
      new Promise((resolve) => {
        if (holding.length >= count) return resolve();
        holdWaiters.push({ count, resolve });
      }),
    releaseHeld: () => {
      for (const release of holding.splice(0)) release();
    },
    count: (method, path) =>
      api.log.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path))).length,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  async function transfer(req: IncomingMessage, res: ServerResponse, id: string) {
    const upload = uploads.get(id);
    receiving += 1;
    api.maxConcurrentTransfers = Math.max(api.maxConcurrentTransfers, receiving);
    let answered = false;
    res.once('finish', () => (answered = true));
    res.once('close', () => {
      receiving -= 1;
      if (!answered) api.abandonedTransfers += 1;
    });
    const body = await readBody(req).catch(() => null);
    if (!body) return;
    const reply = api.transferPlan.shift() ?? 'ok';
    if (!upload) return apiError(res, 403, 'invalid_upload_token');
    // The signed headers must come back exactly as they were handed out.
    if (req.headers['x-upload-token'] !== id || req.headers['content-type'] !== upload.contentType) {
      return apiError(res, 403, 'invalid_upload_token');
    }
    if (body.length !== upload.size) return apiError(res, 400, 'size_mismatch');
    switch (reply) {
      case 'fail503':
        return apiError(res, 503, 'service_unavailable');
      case 'fail400':
        return apiError(res, 400, 'invalid_request');
      case 'expired':
        return apiError(res, 403, 'upload_url_expired');
      case 'drop':
        api.stored.set(id, body);
        return req.socket.destroy();
      case 'already':
        api.stored.set(id, body);
        return apiError(res, 409, 'already_uploaded');
      case 'hold':
        holding.push(() => {
          api.stored.set(id, body);
          res.writeHead(200).end();
        });
        for (const waiter of [...holdWaiters]) {
          if (holding.length >= waiter.count) {
            holdWaiters.splice(holdWaiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
        return;
      case 'ok':
        api.stored.set(id, body);
        return res.writeHead(200).end();
    }
  }

  function complete(res: ServerResponse, id: string) {
    const reply = api.completePlan.shift() ?? 'ok';
    if (reply === 'fail500') return apiError(res, 500, 'internal_error');
    if (reply === 'fail429') return apiError(res, 429, 'rate_limited');
    if (reply === 'fail409') return apiError(res, 409, 'upload_in_progress');
    if (reply === 'refuse422') return apiError(res, 422, 'processing_failed');
    const upload = uploads.get(id);
    const bytes = api.stored.get(id);
    if (!upload) return apiError(res, 404, 'not_found');
    if (!bytes) return apiError(res, 409, 'not_uploaded');
    const digest = createHash('sha256').update(bytes).digest('base64');
    if (upload.checksum && upload.checksum.value !== digest) return apiError(res, 422, 'checksum_mismatch');
    if (reply === 'processing' || typeof reply === 'object') {
      if (typeof reply === 'object') res.setHeader('retry-after', String(reply.processing.retryAfter));
      return sendJson(res, 202, { upload: { id, status: 'processing', expiresAt: new Date(Date.now() + 60_000).toISOString() } });
    }
    const image: Image = {
      id,
      status: 'ready',
      filename: upload.filename,
      contentType: upload.contentType,
      size: bytes.length,
      width: 1,
      height: 1,
      visibility: upload.visibility ?? 'public',
      url: `/images/${id}`,
      createdAt: new Date().toISOString(),
      metadata: upload.metadata ?? {},
      variants: { thumb: { url: `/images/${id}/thumb.webp`, width: 1, height: 1, contentType: 'image/webp', size: 42 } },
      placeholder: '#a1b2c3',
    };
    sendJson(res, 200, { image });
  }

  const server = createServer(async (req, res) => {
    const path = req.url ?? '/';
    api.log.push({ method: req.method ?? '', path, headers: req.headers });
    const completeMatch = /^\/api\/uploads\/([^/]+)\/complete$/.exec(path);
    const transferMatch = /^\/store\/([^/?]+)$/.exec(path);
    if (req.method === 'GET' && path === '/api/config') return sendJson(res, 200, limits);
    if (req.method === 'POST' && path === '/api/uploads') {
      const body = JSON.parse((await readBody(req)).toString('utf8')) as CreateUploadRequest;
      api.creates.push(body);
      const reply = api.createPlan.shift() ?? 'ok';
      if (reply === 'fail429') return apiError(res, 429, 'rate_limited');
      if (reply === 'fail500') return apiError(res, 500, 'internal_error');
      nextId += 1;
      const id = `up${nextId}`;
      uploads.set(id, body);
      return sendJson(res, 201, {
        upload: { id, status: 'pending', expiresAt: new Date(Date.now() + 60_000).toISOString() },
        // A relative URL, as the embedded store hands out, resolved by the client against the endpoint.
        target: { method: 'PUT', url: `/store/${id}`, headers: { 'content-type': body.contentType, 'x-upload-token': id } },
      });
    }
    if (req.method === 'PUT' && transferMatch) return transfer(req, res, decodeURIComponent(transferMatch[1]!));
    if (req.method === 'POST' && completeMatch) {
      await readBody(req);
      return complete(res, decodeURIComponent(completeMatch[1]!));
    }
    apiError(res, 404, 'not_found');
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}
