import type { BudgetDeclaration } from '@cxarchive/core';
import { CXONE_BUDGETS } from '@cxarchive/cxone-api';

/**
 * The digital API at NICE's documented limit (see `CXONE_BUDGETS.dfo` for the source): a delivery
 * reads the contact and its messages, uploads, and sends; `confirm` reads again. Every request counts
 * against one `dfo` budget, at the lowest documented tenant-wide limit of those calls (120,000 contact
 * reads an hour, as 2,000 a minute). The per-contact limit is CXone's own: its 429 comes back
 * `Throttled` with its `Retry-After`. A tenant whose DFO API other integrations (or the agents'
 * desktops) also use lowers it in the pipeline's `budgets:`.
 */
export const DFO_BUDGET: BudgetDeclaration = CXONE_BUDGETS.dfo;

/** The auth server: no documented limit (see CXONE_BUDGETS). */
export const AUTH_BUDGET: BudgetDeclaration = CXONE_BUDGETS['cxone-auth'];
