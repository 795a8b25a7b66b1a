import { DEMO_CREDENTIALS } from '../options.js';
import { BodyTooLargeError, readBody } from '../read-body.js';
import type { RouteHandler } from '../route.js';
import { checkToken, issueTokens } from '../tokens.js';

interface ClientAuth {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Form-urlencoded decoding of one Basic credential part ('+' is a space, %XX escapes). */
function formDecode(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** client_secret_basic: base64(urlencode(id):urlencode(secret)); client_secret_post: fields in the form. */
function clientAuth(authorization: string | undefined, form: URLSearchParams): ClientAuth | null {
  const basic = authorization === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (basic !== null) {
    const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    const clientId = formDecode(decoded.slice(0, colon));
    const clientSecret = formDecode(decoded.slice(colon + 1));
    return clientId === null || clientSecret === null ? null : { clientId, clientSecret };
  }
  const clientId = form.get('client_id');
  const clientSecret = form.get('client_secret');
  return clientId === null || clientSecret === null ? null : { clientId, clientSecret };
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** POST /auth/token: the password grant (access key) and the refresh_token grant. */
export const token: RouteHandler = async ({ req, reply, ctx }) => {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') {
    reply.json(
      400,
      {
        error: 'invalid_request',
        error_description: 'Content-Type must be application/x-www-form-urlencoded',
      },
      NO_STORE,
    );
    return;
  }
  let form: URLSearchParams;
  try {
    form = new URLSearchParams(await readBody(req));
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      reply.json(413, { error: 'invalid_request', error_description: 'Request body too large' }, NO_STORE);
      return;
    }
    throw error;
  }
  const client = clientAuth(req.headers.authorization, form);
  if (
    client === null ||
    client.clientId !== DEMO_CREDENTIALS.clientId ||
    client.clientSecret !== DEMO_CREDENTIALS.clientSecret
  ) {
    reply.json(401, { error: 'invalid_client', error_description: 'Client authentication failed' }, NO_STORE);
    return;
  }
  const grantType = form.get('grant_type');
  if (grantType === 'password') {
    if (
      form.get('username') !== DEMO_CREDENTIALS.accessKeyId ||
      form.get('password') !== DEMO_CREDENTIALS.accessKeySecret
    ) {
      reply.json(400, { error: 'invalid_grant', error_description: 'Invalid access key' }, NO_STORE);
      return;
    }
    reply.json(200, issueTokens(ctx, client.clientId), NO_STORE);
    return;
  }
  if (grantType === 'refresh_token') {
    const refreshToken = form.get('refresh_token') ?? '';
    const check = checkToken(ctx, refreshToken, 'refresh');
    if (!check.ok || check.claims.aud !== client.clientId) {
      reply.json(
        400,
        { error: 'invalid_grant', error_description: 'Invalid or expired refresh token' },
        NO_STORE,
      );
      return;
    }
    reply.json(200, issueTokens(ctx, client.clientId), NO_STORE);
    return;
  }
  if (grantType === null || grantType === '') {
    reply.json(400, { error: 'invalid_request', error_description: 'grant_type is required' }, NO_STORE);
    return;
  }
  reply.json(
    400,
    { error: 'unsupported_grant_type', error_description: `Grant type ${grantType} is not supported` },
    NO_STORE,
  );
};
