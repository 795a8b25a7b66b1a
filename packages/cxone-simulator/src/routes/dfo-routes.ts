import type { Route } from '../route.js';

/** The digital (DFO 3.0) routes, served under `/dfo/3.0` on the simulator's base URL. */
export const DFO_ROUTES: readonly Route[] = [];
