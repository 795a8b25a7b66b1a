import type { BudgetDeclaration } from '@cxarchive/core';

/**
 * The CXone API families this library calls. Each is one budget (a request limit of its own) and
 * one error-body shape:
 * - `cxone-auth`: the auth server on the issuer host: OpenID discovery, `/auth/token`,
 *   `.well-known/cxone-configuration`;
 * - `cxone-acd`: the ACD reporting/admin API, `{api}/incontactapi/services/vNN.0/...`;
 * - `media-playback`: `{api}/media-playback/v1/...` (NICE's own name for the API);
 * - `data-extraction`: `{api}/data-extraction/v1/jobs...` (asynchronous exports);
 * - `media-download`: `{api}/media-download/v1/...` (bulk recording requests);
 * - `business-data`: `{api}/business-data-manager/v1/business-data/...` (write-back to recordings);
 * - `dfo`: the digital API, `https://api-de-{area}.{domain}/dfo/3.0/...`.
 * A run's budgets are shared by family name across all its plugins, so the generic names carry a
 * `cxone-` prefix: a sink's own `auth` never shares CXone's bucket.
 */
export type CxoneFamily =
  | 'cxone-auth'
  | 'cxone-acd'
  | 'media-playback'
  | 'data-extraction'
  | 'media-download'
  | 'business-data'
  | 'dfo';

export const CXONE_FAMILIES: readonly CxoneFamily[] = [
  'cxone-auth',
  'cxone-acd',
  'media-playback',
  'data-extraction',
  'media-download',
  'business-data',
  'dfo',
];

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
  // "Only one caller per tenant ... one call per 30 seconds" (NICE Data Extraction API docs, D-DX;
  // reference/cxone-api.md §6). Every call counts: submit, status polls and the result URL request.
  'data-extraction': {
    family: 'data-extraction',
    requests: 1,
    per: '30s',
    description: 'CXone Data Extraction API: 1 call per 30 seconds per tenant, the documented limit',
  },
  // No public page for the media-download API (GEN-MD, "New in 26.3"; reference/cxone-fidelity.md
  // §2.8). 60 a minute is this project's conservative choice.
  'media-download': {
    family: 'media-download',
    requests: 60,
    per: '1m',
    description:
      'CXone media-download API (bulk recording requests and status): no documented limit; 60 per minute chosen conservatively',
  },
  // A staging copy of NICE's Business Data page says "only one user per tenant can call an API ...
  // once in a 30 second period" (reference/cxone-fidelity.md §4(c), unconfirmed): taken as the default,
  // since write-back is best-effort and never on the archive's critical path.
  'business-data': {
    family: 'business-data',
    requests: 1,
    per: '30s',
    description:
      "CXone Business Data API (write-back): 1 call per 30 seconds, after a staging copy of NICE's page (unconfirmed)",
  },
  // NICE documents the Digital Engagement API's throttling per tenant and action
  // (developer.niceincontact.com/API/DigitalEngagementAPI, "Digital Engagement Throttling Limits"):
  // update contact 1,000,000 an hour, send outbound message 6,000 a minute, get contact (its messages
  // included) 120,000 an hour, and per contact 250 updates in a burst refilled at 17 a minute. One
  // `dfo` budget covers every call, so it takes the lowest tenant-wide limit, 120,000 reads an hour,
  // as 2,000 a minute (a sliding minute never lets more than 120,000 through in an hour, nor more than
  // 6,000 sends in a minute). The per-contact limit is CXone's own: its 429 comes back `Throttled`.
  dfo: {
    family: 'dfo',
    requests: 2000,
    per: '1m',
    description:
      'CXone Digital Engagement (DFO 3.0) API: 120,000 contact reads an hour per tenant (developer.niceincontact.com/API/DigitalEngagementAPI), the lowest documented tenant-wide limit, as 2,000 a minute',
  },
} as const satisfies Readonly<Record<CxoneFamily, BudgetDeclaration>>;

/**
 * Waits until `family`'s budget allows one more request (a plugin passes
 * `(family, signal) => context.budget(family).take(signal)`). Rejects only when `signal` aborts.
 */
export type BudgetHook = (family: CxoneFamily, signal: AbortSignal) => Promise<void>;
