import type { BudgetFamily } from './budgets.js';
import type { Route, RouteHandler } from './route.js';
import { CONTACT_DETAILS_PATH, contactDetails } from './routes/contact-details.js';
import { CONTACTS_COMPLETED_PATH, contactsCompleted } from './routes/contacts-completed.js';
import { DFO_ROUTES } from './routes/dfo-routes.js';
import { cxoneConfiguration, jwks, openidConfiguration } from './routes/discovery.js';
import { EXPORT_ROUTES } from './routes/export-routes.js';
import { MEDIA_FILE_PATH, mediaFile } from './routes/media-files.js';
import { mediaPlaybackContacts } from './routes/media-playback.js';
import { token } from './routes/token.js';

const ROUTES: readonly Route[] = [
  {
    name: 'openid-configuration',
    path: '/.well-known/openid-configuration',
    methods: ['GET'],
    handler: openidConfiguration,
    family: 'cxone-auth',
  },
  {
    name: 'cxone-configuration',
    path: '/.well-known/cxone-configuration',
    methods: ['GET'],
    handler: cxoneConfiguration,
    family: 'cxone-auth',
  },
  { name: 'token', path: '/auth/token', methods: ['POST'], handler: token, family: 'cxone-auth' },
  { name: 'jwks', path: '/auth/jwks', methods: ['GET'], handler: jwks, family: 'cxone-auth' },
  {
    name: 'contacts-completed',
    path: CONTACTS_COMPLETED_PATH,
    methods: ['GET'],
    handler: contactsCompleted,
    family: 'cxone-acd',
  },
  // After contacts/completed: the first matching route wins.
  {
    name: 'contact-details',
    path: CONTACT_DETAILS_PATH,
    methods: ['GET'],
    handler: contactDetails,
    family: 'cxone-acd',
  },
  {
    name: 'media-playback',
    path: '/media-playback/v1/contacts',
    methods: ['GET'],
    handler: mediaPlaybackContacts,
    family: 'media-playback',
  },
  { name: 'media-file', path: MEDIA_FILE_PATH, methods: ['GET', 'HEAD'], handler: mediaFile },
  // Data Extraction, media-download, Business Data and the contact sub-resources.
  ...EXPORT_ROUTES,
  // The digital (DFO 3.0) API.
  ...DFO_ROUTES,
];

const nameOf = (route: Route): string =>
  route.name ?? (typeof route.path === 'string' ? route.path : route.path.source);

/** The name of every route, in matching order (for faults and the request log). */
export const ROUTE_NAMES: readonly string[] = ROUTES.map(nameOf);

export type RouteMatch =
  | {
      readonly kind: 'found';
      readonly name: string;
      readonly handler: RouteHandler;
      readonly family?: BudgetFamily;
    }
  | { readonly kind: 'method-not-allowed'; readonly name: string; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

export function matchRoute(method: string, pathname: string): RouteMatch {
  const route = ROUTES.find((candidate) =>
    typeof candidate.path === 'string' ? candidate.path === pathname : candidate.path.test(pathname),
  );
  if (route === undefined) return { kind: 'not-found' };
  const name = nameOf(route);
  if (!route.methods.includes(method)) return { kind: 'method-not-allowed', name, allow: route.methods };
  return route.family === undefined
    ? { kind: 'found', name, handler: route.handler }
    : { kind: 'found', name, handler: route.handler, family: route.family };
}
