// A fetch that keeps cookies like a browser does for one site, for Node tests of cookie sessions.

export interface CookieFetch {
  fetch: typeof fetch;
  cookies: Map<string, string>;
}

export function cookieFetch(): CookieFetch {
  const cookies = new Map<string, string>();
  const wrapped: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    if (cookies.size > 0) headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(input, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq > 0) cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    return response;
  };
  return { fetch: wrapped, cookies };
}
