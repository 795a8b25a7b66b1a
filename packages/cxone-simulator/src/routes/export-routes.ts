import type { Route } from '../route.js';

/**
 * Data Extraction, media-download, Business Data and the ACD contact sub-resources (state history,
 * disposition, custom data).
 */
export const EXPORT_ROUTES: readonly Route[] = [];
