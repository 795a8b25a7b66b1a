import { timingSafeEqual } from 'node:crypto';
import type { SimulatorCredentials } from '../options.js';
import { BodyTooLargeError, readBody } from '../read-body.js';
import type { Reply } from '../reply.js';
import type { RouteHandler } from '../route.js';
import { checkToken, issueTokens } from '../tokens.js';

/**
 * POST /auth/token, as NICE documents it ("Using the API global authentication service"; reference
 * §1; cxone-fidelity.md §2.2):
 * - `grant_type=password&username={accessKeyId}&password={accessKeySecret}`, form-urlencoded ("You must
 *   set the Content-Type header to application/x-www-form-urlencoded"), the client by HTTP Basic
 *   (`base64(urlencode(id):urlencode(secret))`) or as `client_id`/`client_secret` in the form;
 * - `grant_type=refresh_token&refresh_token=…`: the published spec sends `client_id` and no secret, and
 *   NICE's own SDK sends no client at all and labels the form `application/json` (SDK-AUTH
 *   `getRefreshToken`), which the real server evidently accepts; a client that does authenticate
 *   must get it right, and a `client_id` must be the one the refresh token was issued to.
 * Error bodies are RFC 6749's `{error, error_description}` (the spelling the clients read, MCP; which
 * statuses CXone uses is not public: RFC 6749's 401 `invalid_client` and 400 for the rest). No error
 * echoes what was sent.
 */

interface ClientAuth {
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly basic: boolean;
}

/** Form-urlencoded decoding of one Basic credential part ('+' is a space, %XX escapes). */
function formDecode(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

type ClientParse =
  | { readonly kind: 'none' }
  | { readonly kind: 'bad' }
  | ({ readonly kind: 'given' } & ClientAuth);

/** client_secret_basic: base64(urlencode(id):urlencode(secret)); client_secret_post: fields in the form. */
function clientAuth(authorization: string | undefined, form: URLSearchParams): ClientParse {
  if (authorization !== undefined && /^Basic\b/i.test(authorization)) {
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
    if (basic === null) return { kind: 'bad' };
    const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { kind: 'bad' };
    const clientId = formDecode(decoded.slice(0, colon));
    const clientSecret = formDecode(decoded.slice(colon + 1));
    if (clientId === null || clientSecret === null) return { kind: 'bad' };
    return { kind: 'given', clientId, clientSecret, basic: true };
  }
  const clientId = form.get('client_id');
  if (clientId === null) return { kind: 'none' };
  return { kind: 'given', clientId, clientSecret: form.get('client_secret') ?? undefined, basic: false };
}

/** Constant-time comparison, so a probe cannot learn a credential a character at a time. */
function same(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const clientValid = (client: ClientAuth, credentials: SimulatorCredentials): boolean =>
  same(client.clientId, credentials.clientId) && same(client.clientSecret, credentials.clientSecret);

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

function oauthError(reply: Reply, status: number, error: string, description: string, basic = false): void {
  const headers = basic ? { ...NO_STORE, 'www-authenticate': 'Basic realm="cxone"' } : NO_STORE;
  reply.json(status, { error, error_description: description }, headers);
}

const invalidClient = (reply: Reply, basic: boolean) =>
  oauthError(reply, 401, 'invalid_client', 'Client authentication failed', basic);

/** The grants NICE's SDK posts as a form labelled `application/json`. */
const LENIENT_GRANTS = new Set([
  'refresh_token',
  'authorization_code',
  'urn:ietf:params:oauth:grant-type:token-exchange',
]);

export const token: RouteHandler = async ({ req, reply, ctx }) => {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded' && contentType !== 'application/json') {
    oauthError(reply, 400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    return;
  }
  let form: URLSearchParams;
  try {
    form = new URLSearchParams(await readBody(req));
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      oauthError(reply, 413, 'invalid_request', 'Request body too large');
      return;
    }
    throw error;
  }
  const grantType = form.get('grant_type');
  if (grantType === null || grantType === '') {
    oauthError(reply, 400, 'invalid_request', 'grant_type is required');
    return;
  }
  if (contentType === 'application/json' && !LENIENT_GRANTS.has(grantType)) {
    oauthError(reply, 400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    return;
  }
  const { credentials } = ctx.options;
  const client = clientAuth(req.headers.authorization, form);
  if (client.kind === 'bad') {
    invalidClient(reply, true);
    return;
  }
  if (grantType === 'password') {
    if (client.kind === 'none' || !clientValid(client, credentials)) {
      invalidClient(reply, client.kind === 'given' && client.basic);
      return;
    }
    if (
      !same(form.get('username'), credentials.accessKeyId) ||
      !same(form.get('password'), credentials.accessKeySecret)
    ) {
      oauthError(reply, 400, 'invalid_grant', 'Invalid access key');
      return;
    }
    reply.json(200, await issueTokens(ctx, client.clientId), NO_STORE);
    return;
  }
  if (grantType === 'refresh_token') {
    // The client is optional here; one that is given (with a secret) must be right.
    if (client.kind === 'given' && client.clientSecret !== undefined && !clientValid(client, credentials)) {
      invalidClient(reply, client.basic);
      return;
    }
    const check = checkToken(ctx, form.get('refresh_token') ?? '', 'refresh');
    const audience = check.ok ? check.claims.aud : undefined;
    if (
      !check.ok ||
      typeof audience !== 'string' ||
      (client.kind === 'given' && client.clientId !== audience)
    ) {
      oauthError(reply, 400, 'invalid_grant', 'Invalid or expired refresh token');
      return;
    }
    const session = check.claims.sessionId;
    reply.json(
      200,
      await issueTokens(ctx, audience, typeof session === 'string' ? session : undefined),
      NO_STORE,
    );
    return;
  }
  oauthError(reply, 400, 'unsupported_grant_type', 'The grant type is not supported');
};
