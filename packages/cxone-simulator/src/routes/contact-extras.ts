import type { SimContext } from '../context.js';
import type { SimContact } from '../dataset.js';
import { requireJsonAccept } from '../json-accept.js';
import { createRngFromString } from '../prng.js';
import type { RouteHandler, RouteRequest } from '../route.js';
import { checkBearer } from '../tokens.js';
import { acdError } from './acd-error.js';
import { acdVersion } from './acd-version.js';

/**
 * The ACD contact sub-resources (GEN-REP; reference/cxone-api.md §3), each derived from the
 * contact's own fields so they agree with `contacts/{id}` (agent, skill, start, durations):
 * - `state-history` → `{contactStateHistory:[{stateIndex, contactId, contactStateId,
 *   contactStateName, startDate, duration, agentId, skillId, skillName, isWarehoused, …}]}`;
 * - `disposition` → `{dispositionId, dispositionName, dispositionByAgendId, notes, lastUpdated}`
 *   (the misspelt `dispositionByAgendId` as published);
 * - `custom-data` → `{contactCustomData:[{name, value}]}` (read only over REST).
 * Strict as `contacts/{id}`: a served version, a bearer, `Accept` admitting JSON, a numeric id;
 * 404 with `icStatusDescription` for an unknown contact.
 */
export const CONTACT_EXTRAS_PATH =
  /^\/incontactapi\/services\/v(\d{1,3})\.0\/contacts\/([^/]+)\/(state-history|disposition|custom-data)\/?$/i;

/**
 * Contact state ids and names [U: the ids of CXone's contact states are not published; the names
 * follow the ACD's contact states].
 */
const STATES = {
  preQueue: { contactStateId: 1, contactStateName: 'PreQueue' },
  inQueue: { contactStateId: 3, contactStateName: 'InQueue' },
  active: { contactStateId: 4, contactStateName: 'Active' },
  hold: { contactStateId: 5, contactStateName: 'Hold' },
  end: { contactStateId: 10, contactStateName: 'EndContact' },
} as const;

/** ISO 8601 duration (`duration` is a string in GEN-REP) [U: the exact form]. */
const duration = (seconds: number): string => `PT${seconds}S`;

export function stateHistory(contact: SimContact): Record<string, unknown>[] {
  const start = Date.parse(contact.contactStartDate);
  const talk = contact.agentSeconds;
  const hold = Math.min(contact.holdSeconds, Math.max(0, talk - 1));
  const steps: [keyof typeof STATES, number, boolean][] = [];
  if (contact.preQueueSeconds > 0) steps.push(['preQueue', contact.preQueueSeconds, false]);
  if (contact.inQueueSeconds > 0) steps.push(['inQueue', contact.inQueueSeconds, false]);
  if (hold > 0) {
    const before = Math.floor((talk - hold) / 2);
    steps.push(['active', before, true], ['hold', hold, true], ['active', talk - hold - before, true]);
  } else {
    steps.push(['active', talk, true]);
  }
  steps.push(['end', 0, true]);
  let at = start;
  return steps.map(([state, seconds, withAgent], stateIndex) => {
    const entry = {
      stateIndex,
      contactId: contact.contactId,
      ...STATES[state],
      digitalContactStateName: null,
      digitalContactStateId: null,
      startDate: new Date(at).toISOString(),
      duration: duration(seconds),
      agentId: withAgent ? contact.agentId : 0,
      skillId: contact.skillId,
      skillName: contact.skillName,
      isWarehoused: true,
    };
    at += seconds * 1000;
    return entry;
  });
}

/** Disposition names of the catalog's ids (catalog.ts `DISPOSITIONS`; 0 = none). */
const DISPOSITION_NAMES: Readonly<Record<number, string>> = {
  501: 'Resolved',
  502: 'Callback Requested',
  503: 'Escalated',
  504: 'Sale',
};

export function disposition(contact: SimContact): Record<string, unknown> | undefined {
  const id = contact.primaryDispositionId;
  if (id === 0) return undefined;
  const endMs =
    Date.parse(contact.contactStartDate) + (contact.totalDurationSeconds + contact.acwSeconds) * 1000;
  return {
    dispositionId: id,
    dispositionName: DISPOSITION_NAMES[id] ?? `Disposition ${id}`,
    dispositionByAgendId: contact.agentId,
    notes: contact.dispositionNotes,
    lastUpdated: new Date(Math.min(endMs, Date.parse(contact.lastUpdateTime))).toISOString(),
  };
}

const TIERS = ['Bronze', 'Silver', 'Gold', 'Platinum'] as const;
const LANGUAGES = ['en-US', 'es-US', 'fr-CA'] as const;

/** Custom data set by the contact's script: deterministic per contact, none on about a third. */
export function customData(contact: SimContact): { name: string; value: string }[] {
  const rng = createRngFromString(`custom-data:${contact.contactId}`);
  if (rng.chance(1 / 3)) return [];
  const out: { name: string; value: string }[] = [
    { name: 'CustomerTier', value: rng.pick(TIERS) },
    { name: 'Language', value: rng.pick(LANGUAGES) },
  ];
  if (rng.chance(0.5)) out.push({ name: 'AccountNumber', value: String(rng.int(10_000_000, 99_999_999)) });
  return out;
}

const lookup = (
  ctx: SimContext,
  request: RouteRequest,
): { contact: SimContact; what: string } | undefined => {
  const { req, url, reply } = request;
  const match = CONTACT_EXTRAS_PATH.exec(url.pathname);
  if (acdVersion(reply, match?.[1]) === undefined) return undefined;
  const auth = checkBearer(ctx, req);
  if (!auth.ok) {
    acdError(reply, 401, auth.reason);
    return undefined;
  }
  if (!requireJsonAccept(req, reply)) return undefined;
  const contactId = match?.[2] ?? '';
  if (!/^\d{1,20}$/.test(contactId)) {
    acdError(reply, 400, 'Invalid contactId: expected a number');
    return undefined;
  }
  for (const name of url.searchParams.keys()) {
    acdError(reply, 400, `Unknown parameter ${name}`);
    return undefined;
  }
  const position = ctx.dataset.indexOf(contactId);
  if (position === undefined) {
    acdError(reply, 404, `Contact ${contactId} not found`);
    return undefined;
  }
  return { contact: ctx.dataset.contactAt(position), what: (match?.[3] ?? '').toLowerCase() };
};

/** GET /incontactapi/services/v{N}.0/contacts/{contactId}/state-history|disposition|custom-data */
export const contactExtras: RouteHandler = (request) => {
  const found = lookup(request.ctx, request);
  if (found === undefined) return;
  const { contact, what } = found;
  const { reply } = request;
  if (what === 'state-history') {
    reply.json(200, { contactStateHistory: stateHistory(contact) });
    return;
  }
  if (what === 'custom-data') {
    reply.json(200, { contactCustomData: customData(contact) });
    return;
  }
  const body = disposition(contact);
  // A contact nobody dispositioned: 204, as the ACD API answers "nothing" elsewhere (CS handles
  // 204/404) [U: what real tenants answer here is not published].
  if (body === undefined) reply.empty(204, { icStatusDescription: 'No disposition for the contact' });
  else reply.json(200, body);
};
