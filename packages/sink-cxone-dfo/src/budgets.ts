import type { BudgetDeclaration } from '@cxarchive/core';
import { CXONE_BUDGETS } from '@cxarchive/cxone-api';

/**
 * NICE documents the Digital Engagement API's throttling per tenant and action
 * (developer.niceincontact.com/API/DigitalEngagementAPI, "Digital Engagement Throttling Limits"):
 * update contact 1,000,000 an hour (adding messages included), send outbound message 6,000 a minute,
 * get contact (its messages included) 120,000 an hour, and per contact 250 updates in a burst refilled
 * at 17 a minute. A delivery reads the contact and its messages, uploads, and sends; `confirm` reads
 * again. Every request counts against one `dfo` budget here, so it takes the lowest of those
 * tenant-wide limits: 120,000 reads an hour, as 2,000 a minute (a sliding minute never lets more than
 * 120,000 through in an hour, nor more than 6,000 sends in a minute). The per-contact limit is CXone's
 * own: its 429 comes back `Throttled` with its `Retry-After`. A tenant whose DFO API other integrations
 * (or the agents' desktops) also use lowers it in the pipeline's `budgets:`.
 */
export const DFO_BUDGET: BudgetDeclaration = {
  family: 'dfo',
  requests: 2000,
  per: '1m',
  description:
    'CXone Digital Engagement (DFO 3.0) API: 120,000 contact reads an hour per tenant, the lowest documented tenant-wide limit of the calls a delivery makes, as 2,000 a minute',
};

/** The auth server: no documented limit (see CXONE_BUDGETS). */
export const AUTH_BUDGET: BudgetDeclaration = CXONE_BUDGETS['cxone-auth'];
