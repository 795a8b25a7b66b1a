import type { BudgetFamily } from './budgets.js';
import type { RouteHandler } from './route.js';
import { CONTACT_DETAILS_PATH, contactDetails } from './routes/contact-details.js';
import { CONTACTS_COMPLETED_PATH, contactsCompleted } from './routes/contacts-completed.js';
import { cxoneConfiguration, jwks, openidConfiguration } from './routes/discovery.js';
import { MEDIA_FILE_PATH, mediaFile } from './routes/media-files.js';
import { mediaPlaybackContacts } from './routes/media-playback.js';
import { token } from './routes/token.js';

interface Route {
  readonly path: string | RegExp;
  readonly methods: readonly string[];
  readonly handler: RouteHandler;
  /** The API family whose request budget the route counts against, if it has one. */
  readonly family?: BudgetFamily;
}

const ROUTES: readonly Route[] = [
  { path: '/.well-known/openid-configuration', methods: ['GET'], handler: openidConfiguration },
  { path: '/.well-known/cxone-configuration', methods: ['GET'], handler: cxoneConfiguration },
  { path: '/auth/token', methods: ['POST'], handler: token },
  { path: '/auth/jwks', methods: ['GET'], handler: jwks },
  { path: CONTACTS_COMPLETED_PATH, methods: ['GET'], handler: contactsCompleted },
  // After contacts/completed: the first matching route wins.
  { path: CONTACT_DETAILS_PATH, methods: ['GET'], handler: contactDetails },
  {
    path: '/media-playback/v1/contacts',
    methods: ['GET'],
    handler: mediaPlaybackContacts,
    family: 'media-playback',
  },
  { path: MEDIA_FILE_PATH, methods: ['GET', 'HEAD'], handler: mediaFile },
];

export type RouteMatch =
  | { readonly kind: 'found'; readonly handler: RouteHandler; readonly family?: BudgetFamily }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

export function matchRoute(method: string, pathname: string): RouteMatch {
  const route = ROUTES.find((candidate) =>
    typeof candidate.path === 'string' ? candidate.path === pathname : candidate.path.test(pathname),
  );
  if (route === undefined) return { kind: 'not-found' };
  if (!route.methods.includes(method)) return { kind: 'method-not-allowed', allow: route.methods };
  return route.family === undefined
    ? { kind: 'found', handler: route.handler }
    : { kind: 'found', handler: route.handler, family: route.family };
}
