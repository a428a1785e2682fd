/**
 * Label Studio 1.22 authentication as the test server emulates it (protocol §4.1):
 *
 * - `Authorization: Token <legacy>` (or `X-Api-Key: <legacy>`) authenticates unless legacy tokens are
 *   disabled, then 401 "Authentication token no longer valid: legacy token authentication has been
 *   disabled for this organization".
 * - The personal access token (PAT) is a JWT *refresh* token (200 years); it is not accepted as Bearer.
 *   `POST /api/token/refresh/ {"refresh": PAT}` → `{"access": <JWT>}` valid `accessTokenTtlMs`.
 * - `Authorization: Bearer <access>` authenticates while unexpired and API tokens are enabled. As in LS,
 *   a Bearer token that fails (expired, a refresh token, bad signature) is silently ignored by the JWT
 *   middleware, so the request ends as 401 "Authentication credentials were not provided.".
 * All 401s carry `WWW-Authenticate: Token` (DRF's first authenticator), refresh failures
 * `WWW-Authenticate: Bearer realm="api"` (simplejwt's token views).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from './http.ts';
import { issueJwt, looksLikeJwt, verifyJwt } from './jwt.ts';

const USER_ID = 1;
const PAT_LIFETIME_MS = 200 * 365 * 24 * 3600 * 1000;

export interface AuthSettings {
  legacyTokensEnabled: boolean;
  /** LS's organisation switch for JWT (PAT / access token) authentication. */
  apiTokensEnabled: boolean;
  accessTokenTtlMs: number;
}

export interface TokenAuthorityOptions extends Partial<AuthSettings> {
  legacyToken?: string;
  jwtSecret?: string;
}

function unauthorized(detail: string): ApiError {
  return new ApiError(401, detail, { headers: { 'WWW-Authenticate': 'Token' } });
}

function refreshRejected(detail: string): ApiError {
  return new ApiError(401, detail, { headers: { 'WWW-Authenticate': 'Bearer realm="api"' } });
}

export class TokenAuthority {
  settings: AuthSettings;
  readonly legacyToken: string;
  readonly personalAccessToken: string;
  private readonly secret: string;
  private readonly refreshJtis = new Set<string>();

  constructor(options: TokenAuthorityOptions = {}) {
    this.settings = {
      legacyTokensEnabled: options.legacyTokensEnabled ?? true,
      apiTokensEnabled: options.apiTokensEnabled ?? true,
      accessTokenTtlMs: options.accessTokenTtlMs ?? 5 * 60 * 1000,
    };
    this.legacyToken = options.legacyToken ?? randomBytes(20).toString('hex');
    this.secret = options.jwtSecret ?? randomBytes(32).toString('hex');
    this.personalAccessToken = issueJwt('refresh', PAT_LIFETIME_MS, this.secret, USER_ID);
    const check = verifyJwt(this.personalAccessToken, this.secret);
    if (check.ok) this.refreshJtis.add(check.claims.jti);
  }

  /** Null when the request is authenticated, else the 401 to answer. */
  authenticate(headers: IncomingHttpHeaders): ApiError | null {
    const apiKey = headers['x-api-key'];
    const header = headers.authorization ?? (typeof apiKey === 'string' ? `Token ${apiKey}` : undefined);
    if (header === undefined) return unauthorized('Authentication credentials were not provided.');
    const parts = header.trim().split(/\s+/);
    const scheme = parts[0]?.toLowerCase();
    if (scheme === 'bearer' && parts.length === 2 && looksLikeJwt(parts[1]!) && this.settings.apiTokensEnabled) {
      const check = verifyJwt(parts[1]!, this.secret);
      if (check.ok && check.claims.token_type === 'access') return null;
    }
    if (scheme !== 'token') return unauthorized('Authentication credentials were not provided.');
    if (parts.length === 1) return unauthorized('Invalid token header. No credentials provided.');
    if (parts.length > 2) return unauthorized('Invalid token header. Token string should not contain spaces.');
    if (parts[1] !== this.legacyToken) return unauthorized('Invalid token.');
    if (!this.settings.legacyTokensEnabled) {
      return unauthorized(
        'Authentication token no longer valid: legacy token authentication has been disabled for this organization',
      );
    }
    return null;
  }

  /** `POST /api/token/refresh/`: the new access token, or throws the 400/401 LS answers. */
  refresh(body: unknown): { access: string } {
    const refresh =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['refresh'] : undefined;
    if (typeof refresh !== 'string' || refresh === '') {
      throw ApiError.validation({ refresh: ['This field is required.'] });
    }
    const check = verifyJwt(refresh, this.secret);
    if (!check.ok) throw refreshRejected(check.reason === 'expired' ? 'Token is expired' : 'Token is invalid');
    if (check.claims.token_type !== 'refresh') throw refreshRejected('Token has wrong type');
    if (!this.refreshJtis.has(check.claims.jti)) throw refreshRejected('Token is blacklisted');
    return { access: this.issueAccessToken() };
  }

  issueAccessToken(): string {
    return issueJwt('access', this.settings.accessTokenTtlMs, this.secret, USER_ID);
  }
}
