// Turns a request's credentials into an owner id, per AUTH_MODE.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type Authorizer } from '@direct-upload/core';
import type { AnonymousCookieAuthorizer } from '../adapters/cookie/anonymous-cookie-authorizer.js';

export type Authenticate = (request: FastifyRequest, reply: FastifyReply) => Promise<string>;

export const SESSION_COOKIE = 'du_session';
const ONE_YEAR_SECONDS = 365 * 24 * 3600;

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** AUTH_MODE=jwt: no valid bearer token, no access. */
export function bearerAuthentication(authorizer: Authorizer): Authenticate {
  return async (request) => {
    const principal = await authorizer.authenticate({ bearerToken: bearerToken(request) });
    if (!principal) throw new DomainError('unauthorized', 'A valid bearer token is required.');
    return principal.owner;
  };
}

/** AUTH_MODE=anonymous: a browser without a valid session cookie gets a new owner id. */
export function anonymousAuthentication(authorizer: AnonymousCookieAuthorizer, options: { secure: boolean }): Authenticate {
  return async (request, reply) => {
    const principal = await authorizer.authenticate({ sessionToken: request.cookies[SESSION_COOKIE] });
    if (principal) return principal.owner;
    const issued = authorizer.issue();
    reply.setCookie(SESSION_COOKIE, issued.token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: options.secure,
      path: '/',
      maxAge: ONE_YEAR_SECONDS,
    });
    // Later requests of the same burst (before the browser stores the cookie) still map to one owner.
    request.cookies[SESSION_COOKIE] = issued.token;
    return issued.owner;
  };
}
