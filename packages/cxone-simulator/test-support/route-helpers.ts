import { request } from 'node:http';
import { compareContactIds, type SimContact } from '../src/dataset.js';
import { type NameSet, renderContact } from '../src/versions.js';

/** A bearer token of the demo API user (for route tests). */
export { demoToken } from '../src/demo-token.js';

/** A GET with exactly the headers given (fetch would add `Accept: *\/*`). */
export function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The data set's contacts in (lastUpdateTime, contactId) order, from `since` on. */
export function byUpdate(contacts: readonly SimContact[], since?: string): SimContact[] {
  const sinceMs = since === undefined ? Number.NEGATIVE_INFINITY : Date.parse(since);
  return contacts
    .filter((contact) => Date.parse(contact.lastUpdateTime) >= sinceMs)
    .sort(
      (a, b) =>
        Date.parse(a.lastUpdateTime) - Date.parse(b.lastUpdateTime) ||
        compareContactIds(a.contactId, b.contactId),
    );
}

export const wire = (contacts: readonly SimContact[], names: NameSet = 'pre-v33') =>
  contacts.map((contact) => renderContact(contact, names));
