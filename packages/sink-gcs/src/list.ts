import type { ListedObject, ListPage } from '@cxarchive/core';
import type { Bucket } from '@google-cloud/storage';

/** Most objects in one page of `list` (the JSON API's own most) unless a test makes it smaller. */
export const LIST_PAGE_SIZE = 1000;

export interface ListRequest {
  /** The sink's own prefix: removed from every name listed. */
  readonly sinkPrefix: string;
  /** The logical prefix asked for. */
  readonly prefix: string;
  /** The `nextPageToken` of the previous page. */
  readonly after?: string;
  readonly pageSize: number;
}

/**
 * One page of objects.list under the sink's prefix plus `prefix` (live objects only, in name
 * order; an unfinished resumable upload is no object). `next` is GCS's page token.
 */
export const listPage = async (bucket: Bucket, request: ListRequest): Promise<ListPage> => {
  const [files, nextQuery] = await bucket.getFiles({
    prefix: `${request.sinkPrefix}${request.prefix}`,
    maxResults: request.pageSize,
    autoPaginate: false,
    ...(request.after === undefined ? {} : { pageToken: request.after }),
  });
  const objects = files.flatMap((file): ListedObject[] =>
    file.name.startsWith(request.sinkPrefix)
      ? [
          {
            key: file.name.slice(request.sinkPrefix.length),
            physicalKey: file.name,
            size: Number(file.metadata.size ?? 0),
          },
        ]
      : [],
  );
  const next = (nextQuery as { pageToken?: unknown } | null | undefined)?.pageToken;
  return typeof next === 'string' && next !== '' ? { objects, next } : { objects };
};
