import type { ContainerClient } from '@azure/storage-blob';
import type { ListedObject, ListPage } from '@cxarchive/core';

/** Most blobs in one page of `list` unless a test makes it smaller (the service's own most is 5000). */
export const LIST_PAGE_SIZE = 1000;

export interface ListRequest {
  /** The sink's own prefix: removed from every blob name listed. */
  readonly sinkPrefix: string;
  /** The logical prefix asked for. */
  readonly prefix: string;
  /** The service's continuation marker of the previous page. */
  readonly after?: string;
  readonly pageSize: number;
  readonly signal: AbortSignal;
}

/**
 * One page of List Blobs (flat) under the sink's prefix plus `prefix`: committed blobs only (a
 * put that staged blocks and never committed is no blob), current versions, in name order. `next`
 * is the service's continuation marker.
 */
export const listPage = async (container: ContainerClient, request: ListRequest): Promise<ListPage> => {
  const pages = container
    .listBlobsFlat({ prefix: `${request.sinkPrefix}${request.prefix}`, abortSignal: request.signal })
    .byPage({
      maxPageSize: request.pageSize,
      ...(request.after === undefined ? {} : { continuationToken: request.after }),
    });
  const step = await pages.next();
  if (step.done === true) return { objects: [] };
  const objects = step.value.segment.blobItems.flatMap((blob): ListedObject[] =>
    blob.name.startsWith(request.sinkPrefix)
      ? [
          {
            key: blob.name.slice(request.sinkPrefix.length),
            physicalKey: blob.name,
            size: blob.properties.contentLength ?? 0,
          },
        ]
      : [],
  );
  const next = step.value.continuationToken;
  return typeof next === 'string' && next !== '' ? { objects, next } : { objects };
};
