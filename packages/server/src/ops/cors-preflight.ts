// A browser's CORS preflight for a direct PUT, sent for real, and what its answer allows.
import { BROWSER_PUT_HEADERS } from './bucket-documents.js';

export interface PreflightAnswer {
  status: number;
  allowOrigin: string | null;
  allowMethods: string | null;
  allowHeaders: string | null;
}

export interface PreflightOptions {
  method?: string;
  requestHeaders?: readonly string[];
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** Sends `OPTIONS url` as a browser on `origin` would before a PUT with the signer's headers. */
export async function sendPreflight(url: string, origin: string, options: PreflightOptions = {}): Promise<PreflightAnswer> {
  const doFetch = options.fetch ?? fetch;
  const response = await doFetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': options.method ?? 'PUT',
      'access-control-request-headers': (options.requestHeaders ?? BROWSER_PUT_HEADERS).join(','),
    },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // The body (an XML error, or nothing) is not needed; reading it frees the connection.
  await response.arrayBuffer().catch(() => undefined);
  return {
    status: response.status,
    allowOrigin: response.headers.get('access-control-allow-origin'),
    allowMethods: response.headers.get('access-control-allow-methods'),
    allowHeaders: response.headers.get('access-control-allow-headers'),
  };
}

/** What a browser would refuse about this answer; empty when the PUT may go ahead. */
export function preflightProblems(
  answer: PreflightAnswer,
  origin: string,
  method = 'PUT',
  requestHeaders: readonly string[] = BROWSER_PUT_HEADERS,
): string[] {
  const problems: string[] = [];
  if (answer.status < 200 || answer.status > 299) problems.push(`the preflight was answered ${answer.status}`);
  if (answer.allowOrigin !== origin && answer.allowOrigin !== '*') {
    problems.push(answer.allowOrigin ? `Access-Control-Allow-Origin is ${answer.allowOrigin}` : 'no Access-Control-Allow-Origin');
  }
  // Browsers accept a missing Allow-Methods for simple methods only; PUT must be listed.
  if (!listed(answer.allowMethods, method, false)) problems.push(`${method} is not in Access-Control-Allow-Methods`);
  const missing = requestHeaders.filter((header) => !listed(answer.allowHeaders, header, true));
  if (missing.length > 0) problems.push(`Access-Control-Allow-Headers lacks ${missing.join(', ')}`);
  return problems;
}

function listed(headerValue: string | null, item: string, caseInsensitive: boolean): boolean {
  if (!headerValue) return false;
  const values = headerValue.split(',').map((v) => v.trim());
  if (values.includes('*')) return true;
  return caseInsensitive ? values.some((v) => v.toLowerCase() === item.toLowerCase()) : values.includes(item);
}
