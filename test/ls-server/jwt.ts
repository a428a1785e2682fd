/**
 * Minimal HS256 JSON Web Tokens for the LS test server, shaped like the tokens of
 * djangorestframework-simplejwt that Label Studio issues (protocol §4.1): claims `token_type`
 * (`refresh` for a personal access token, `access` for the short-lived token), `exp` and `iat`
 * in whole seconds, `jti`, `user_id`.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export interface JwtClaims {
  token_type: 'access' | 'refresh';
  exp: number;
  iat: number;
  jti: string;
  user_id: number;
  [claim: string]: unknown;
}

export type JwtCheck = { ok: true; claims: JwtClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function sign(input: string, secret: string): string {
  return createHmac('sha256', secret).update(input).digest('base64url');
}

/** Issues a token of the given type expiring `lifetimeMs` from `nowMs` (exp floored to seconds, as simplejwt does). */
export function issueJwt(
  tokenType: JwtClaims['token_type'],
  lifetimeMs: number,
  secret: string,
  userId: number,
  nowMs = Date.now(),
): string {
  const claims: JwtClaims = {
    token_type: tokenType,
    exp: Math.floor((nowMs + lifetimeMs) / 1000),
    iat: Math.floor(nowMs / 1000),
    jti: randomUUID().replaceAll('-', ''),
    user_id: userId,
  };
  const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${sign(body, secret)}`;
}

/** Same structural test LS's middleware applies before trying JWT authentication (three dot-separated parts). */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

export function verifyJwt(token: string, secret: string, nowMs = Date.now()): JwtCheck {
  if (!looksLikeJwt(token)) return { ok: false, reason: 'malformed' };
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const expected = Buffer.from(sign(`${header}.${payload}`, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'signature' };
  let claims: JwtClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JwtClaims;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  // simplejwt rejects a token whose exp is at or before "now" (fractional seconds included).
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
