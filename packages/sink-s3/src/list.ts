import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { ListedObject, ListPage } from '@cxarchive/core';

/** Most objects in one page of `list` (S3's own most for ListObjectsV2) unless a test makes it smaller. */
export const LIST_PAGE_SIZE = 1000;

export interface ListRequest {
  readonly bucket: string;
  /** The sink's own prefix: removed from every key listed. */
  readonly sinkPrefix: string;
  /** The logical prefix asked for. */
  readonly prefix: string;
  /** S3's NextContinuationToken of the previous page. */
  readonly after?: string;
  readonly pageSize: number;
  readonly signal: AbortSignal;
}

/**
 * One page of ListObjectsV2 under the sink's prefix plus `prefix`: S3 lists finished objects only
 * (an open multipart upload is not one), in UTF-8 binary key order. `next` is S3's continuation
 * token, handed back as `ContinuationToken`.
 */
export const listPage = async (client: S3Client, request: ListRequest): Promise<ListPage> => {
  const answer = await client.send(
    new ListObjectsV2Command({
      Bucket: request.bucket,
      Prefix: `${request.sinkPrefix}${request.prefix}`,
      MaxKeys: request.pageSize,
      ...(request.after === undefined ? {} : { ContinuationToken: request.after }),
    }),
    { abortSignal: request.signal },
  );
  const objects = (answer.Contents ?? []).flatMap((object): ListedObject[] =>
    object.Key?.startsWith(request.sinkPrefix)
      ? [
          {
            key: object.Key.slice(request.sinkPrefix.length),
            physicalKey: object.Key,
            size: object.Size ?? 0,
          },
        ]
      : [],
  );
  const next = answer.IsTruncated ? answer.NextContinuationToken : undefined;
  return next === undefined || next === '' ? { objects } : { objects, next };
};
