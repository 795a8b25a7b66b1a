import { err, ok, type PluginError, PluginErrors, type Result } from '@cxarchive/core';
import type { CxoneClient, DfoApi } from '@cxarchive/cxone-api';

/**
 * Digital tags are the tenant's own predefined tags, `{id: number, color?, title}`, listed by
 * `GET /dfo/3.0/tags` (GEN DigitalTagService `getTags` → `{hits, data}`). A message carries them by
 * id: `tagIds` in a custom channel's `NewMessage` (GEN-MSG), or `PUT /messages/{id}/tags/{tagId}`
 * once sent (GEN-MSG `addMessageTag`; reference/cxone-fidelity.md §4(c)). The manifest names tags by
 * title (or by id); an unknown one is refused before anything is sent: the sink never creates tags.
 */
export interface Tags {
  /** The ids of `names` (titles, or ids written as numbers), in order, without repeats. */
  ids(names: readonly string[], signal: AbortSignal): Promise<Result<number[], PluginError>>;
  /** Adds a tag to a message already sent (a tag it has is left as it is). */
  add(messageId: string, tagId: number, signal: AbortSignal): Promise<Result<void, PluginError>>;
}

interface Tag {
  readonly id: number;
  readonly title: string;
}

export const createTags = (client: CxoneClient, dfo: DfoApi): Tags => {
  let known: Promise<Result<readonly Tag[], PluginError>> | undefined;

  const load = async (signal: AbortSignal): Promise<Result<readonly Tag[], PluginError>> => {
    const base = await dfo.base(signal);
    if (base.isErr()) return err(base.error);
    const answer = await client.requestJson({ family: 'dfo', url: `${base.value}/tags`, signal });
    if (answer.isErr()) return err(answer.error);
    const data = answer.value.body?.data;
    if (!Array.isArray(data)) {
      return err(
        PluginErrors.permanent('GET /dfo/3.0/tags: unexpected response: data is not a list of tags'),
      );
    }
    return ok(
      data.flatMap((t: { id?: unknown; title?: unknown }) =>
        typeof t?.id === 'number' && typeof t.title === 'string' ? [{ id: t.id, title: t.title }] : [],
      ),
    );
  };

  /** Listed once per sink; a failure is not kept, so the next call asks again. */
  const list = (signal: AbortSignal) => {
    if (known === undefined) {
      const attempt = load(signal);
      known = attempt;
      attempt.then((r) => {
        if (r.isErr() && known === attempt) known = undefined;
      });
    }
    return known;
  };

  return {
    async ids(names, signal) {
      if (names.length === 0) return ok([]);
      const tags = await list(signal);
      if (tags.isErr()) return err(tags.error);
      const ids: number[] = [];
      for (const name of names) {
        const tag =
          tags.value.find((t) => t.title === name) ??
          (/^\d{1,9}$/.test(name) ? tags.value.find((t) => t.id === Number(name)) : undefined);
        if (tag === undefined) {
          return err(
            PluginErrors.invalidInput(
              `tag "${name.slice(0, 80)}" is not one of the tenant's digital tags; define it in CXone first or remove it from the manifest`,
              'tags',
            ),
          );
        }
        if (!ids.includes(tag.id)) ids.push(tag.id);
      }
      return ok(ids);
    },

    async add(messageId, tagId, signal) {
      const base = await dfo.base(signal);
      if (base.isErr()) return err(base.error);
      const url = `${base.value}/messages/${encodeURIComponent(messageId)}/tags/${tagId}`;
      const answer = await client.requestJson({ family: 'dfo', method: 'PUT', url, signal, empty: [204] });
      return answer.map(() => undefined);
    },
  };
};

/** The tag ids a message detail lists (`tags: [{id, title}]`). */
export const tagIdsOf = (message: Record<string, unknown>): number[] =>
  Array.isArray(message.tags)
    ? message.tags.flatMap((t: { id?: unknown }) => (typeof t?.id === 'number' ? [t.id] : []))
    : [];
