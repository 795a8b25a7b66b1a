import type { BudgetDeclaration } from '@cxarchive/core';

/**
 * The CXone API families this library calls. Each is one budget (a request limit of its own) and
 * one error-body shape:
 * - `cxone-auth`: the auth server on the issuer host: OpenID discovery, `/auth/token`,
 *   `.well-known/cxone-configuration`;
 * - `cxone-acd`: the ACD reporting/admin API, `{api}/incontactapi/services/vNN.0/...`;
 * - `media-playback`: `{api}/media-playback/v1/...` (NICE's own name for the API).
 * A run's budgets are shared by family name across all its plugins, so the generic names carry a
 * `cxone-` prefix: a sink's own `auth` never shares CXone's bucket.
 */
export type CxoneFamily = 'cxone-auth' | 'cxone-acd' | 'media-playback';

export const CXONE_FAMILIES: readonly CxoneFamily[] = ['cxone-auth', 'cxone-acd', 'media-playback'];

/**
 * Error-body shapes: one per family, plus `media-file` for the signed `fileToPlayUrl` downloads,
 * which are storage URLs rather than an API family (no budget, status only).
 */
export type ErrorFamily = CxoneFamily | 'media-file';

/**
 * CXone's default budget of each family, for a plugin's `budgets` declaration. Where NICE documents
 * none, the number is a conservative choice of this project, and the description says so; a
 * pipeline's `budgets:` block overrides any of them (e.g. after NICE raised a tenant's limit).
 */
export const CXONE_BUDGETS = {
  // "Default API performance is set to 150 requests per five minutes" (NICE Media Playback API docs,
  // developer.niceincontact.com/API/MediaPlaybackAPI; reference/cxone-api.md §4, §7).
  'media-playback': {
    family: 'media-playback',
    requests: 150,
    per: '5m',
    description:
      'CXone Media Playback API: 150 requests per 5 minutes, the documented default (raised per tenant by NICE)',
  },
  // No public rate limit for the ACD reporting API (reference/cxone-api.md §7: "No global ACD rate
  // limit was found in public docs"). 300 a minute (5 a second) is this project's conservative choice.
  'cxone-acd': {
    family: 'cxone-acd',
    requests: 300,
    per: '1m',
    description:
      'CXone ACD reporting API (contacts/completed, contacts/{id}): no documented limit; 300 per minute chosen conservatively',
  },
  // No public rate limit for the auth server either. A run asks for a token about once an hour,
  // plus discovery at start; 20 a minute is this project's conservative choice.
  'cxone-auth': {
    family: 'cxone-auth',
    requests: 20,
    per: '1m',
    description:
      'CXone auth server (OpenID and tenant discovery, /auth/token): no documented limit; 20 per minute chosen conservatively',
  },
} as const satisfies Readonly<Record<CxoneFamily, BudgetDeclaration>>;

/**
 * Waits until `family`'s budget allows one more request (a plugin passes
 * `(family, signal) => context.budget(family).take(signal)`). Rejects only when `signal` aborts.
 */
export type BudgetHook = (family: CxoneFamily, signal: AbortSignal) => Promise<void>;
