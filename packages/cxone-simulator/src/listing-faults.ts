import type { FaultSpec } from './faults.js';

/**
 * The `shift` and `duplicate` faults of the contact listing, applied around the route: the page
 * the route is asked for is moved (`skip`) or widened (`top`), and the answer's `totalRecords` and
 * `_links` are put back in the client's terms, so paging by `_links.next` and paging by `skip`
 * both see the same thing, as they would on a tenant where data moved:
 * - `shift`: `by` contacts arrived late before the page asked for. From that page to the end of
 *   the listing (the next request with `skip` 0 starts a new one) every page starts `by` earlier in
 *   the route's data: the contacts at the end of the previous page come again. The late contacts
 *   themselves stand before the client's position; `totalRecords` counts them.
 * - `duplicate`: one page carries `by` more contacts than asked, the first ones of the next page,
 *   and `_links.next` still points where the client expects: those contacts are on two pages.
 */
export class ListingFaults {
  /** Contacts the current listing moved by, from `shift` faults since its first page. */
  #offset = 0;

  /** The offset now in force (for tests). */
  get offset(): number {
    return this.#offset;
  }

  /**
   * The URL to hand the route, and how to map its JSON answer; undefined when nothing changes.
   * `base` is the simulator's URL, as the route builds its links from it.
   */
  view(
    url: URL,
    base: string,
    fault: FaultSpec | undefined,
  ): { readonly url: URL; readonly map: (status: number, body: unknown) => unknown } | undefined {
    const skip = count(url.searchParams.get('skip'), 0);
    const top = count(url.searchParams.get('top'), DEFAULT_TOP);
    if (skip === undefined || top === undefined) return undefined; // the route answers 400
    if (skip === 0) this.#offset = 0;
    if (fault?.kind === 'shift') this.#offset += fault.by ?? 1;
    const extra = fault?.kind === 'duplicate' ? (fault.by ?? 1) : 0;
    const offset = this.#offset;
    if (offset === 0 && extra === 0) return undefined;

    const routed = new URL(url);
    routed.searchParams.set('skip', String(Math.max(0, skip - offset)));
    routed.searchParams.set('top', String(top + extra));
    const page = (at: number) => {
      const params = new URLSearchParams(url.searchParams);
      params.set('skip', String(at));
      params.set('top', String(top));
      return `${base}${url.pathname}?${params.toString()}`;
    };
    const map = (status: number, body: unknown): unknown => {
      if (status !== 200 || typeof body !== 'object' || body === null) return body;
      const answer = body as Record<string, unknown>;
      if (typeof answer.totalRecords !== 'number' || !Array.isArray(answer.completedContacts)) return body;
      const total = answer.totalRecords + offset;
      return {
        ...answer,
        totalRecords: total,
        _links: {
          self: `${base}${url.pathname}${url.search}`,
          next: skip + top < total ? page(skip + top) : null,
          previous: skip > 0 ? page(Math.max(0, skip - top)) : null,
        },
      };
    };
    return { url: routed, map };
  }
}

/** The route's own default page size (reference/cxone-fidelity.md §2.4: default `top` 100). */
const DEFAULT_TOP = 100;

const count = (value: string | null, fallback: number): number | undefined => {
  if (value === null || value === '') return fallback;
  return /^\d{1,9}$/.test(value) ? Number(value) : undefined;
};
