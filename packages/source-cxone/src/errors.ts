import { type PluginError, PluginErrors } from '@cxarchive/core';
import { describeRequest, type RequestInfo, redactUrl } from '@cxarchive/cxone-api';

/**
 * The source's own failures, each classified here once. Failures of a CXone response (per API
 * family: token, ACD, Media Playback, media files) are classified by `@cxarchive/cxone-api`.
 */
export const SourceErrors = {
  /** An item reference without a contact id (a ledger entry this plugin never wrote). */
  badRef: (id: string): PluginError =>
    PluginErrors.invalidInput(`item ${id}: the reference carries no contactId`, 'ref.data.contactId'),

  /** A contact record without a usable start date: the item cannot be dated (object keys). */
  noStartDate: (contactId: string): PluginError =>
    PluginErrors.invalidInput(`contact ${contactId} has no valid contactStartDate`, 'contactStartDate'),

  /** `contacts/{id}` answered 204 (or 404): CXone does not know the contact (any more). */
  contactNotFound: (contactId: string, req: RequestInfo): PluginError =>
    PluginErrors.notFound(`contact ${contactId}: ${describeRequest(req)} found no such contact`),

  /**
   * Media Playback has no recording for a voice contact that ended less than `recordingLag` ago:
   * recording metadata can lag the contact by up to 30 minutes, so it is not "no recording" yet.
   */
  recordingNotYet: (contactId: string, retryAt: Date): PluginError =>
    PluginErrors.notYet(
      `contact ${contactId}: Media Playback has no recording yet; looking again after ${retryAt.toISOString()}`,
      retryAt,
    ),

  /** A media-download request still packing the contact's recording (recordings: bulk). */
  bulkNotYet: (contactId: string, requestId: string, status: string, retryAt: Date): PluginError =>
    PluginErrors.notYet(
      `contact ${contactId}: media-download request ${requestId} is ${status}; looking again after ${retryAt.toISOString()}`,
      retryAt,
    ),

  /** Data Extraction cannot say yet whether the contact has a recording (recordingCheck: dataExtraction). */
  extractionNotYet: (contactId: string, why: string, retryAt: Date): PluginError =>
    PluginErrors.notYet(
      `contact ${contactId}: ${why}; looking again after ${retryAt.toISOString()}`,
      retryAt,
    ),

  /** Media Playback has no chat/email transcript yet for a contact that ended within the lag. */
  transcriptNotYet: (contactId: string, kind: string, retryAt: Date): PluginError =>
    PluginErrors.notYet(
      `contact ${contactId}: Media Playback has no ${kind} transcript yet; looking again after ${retryAt.toISOString()}`,
      retryAt,
    ),

  /** Media Playback gave a `fileToPlayUrl` the URL rule refuses (plain http to a remote host, …). */
  badMediaUrl: (contactId: string, problem: string): PluginError =>
    PluginErrors.permanent(`contact ${contactId}: Media Playback gave a fileToPlayUrl that ${problem}`),

  /** Renewing an expired media URL: Media Playback no longer lists that recording. */
  recordingGone: (contactId: string, artifact: string): PluginError =>
    PluginErrors.notFound(`contact ${contactId}: Media Playback no longer lists ${artifact}`),

  /** `_links.next` naming the page just read: following it would loop for ever. */
  repeatedNextLink: (url: string): PluginError =>
    PluginErrors.permanent(`contacts/completed: _links.next repeats ${redactUrl(url)}`),

  /** No response head within the request timeout. */
  downloadNoResponse: (req: RequestInfo, timeoutMs: number): PluginError =>
    PluginErrors.transient(`${describeRequest(req)}: no response within ${timeoutMs} ms`),

  /** The recording body broke (connection cut) or stalled (no byte for the request timeout). */
  downloadBroke: (req: RequestInfo, received: number, stalled: boolean, cause?: unknown): PluginError =>
    PluginErrors.transient(
      `${describeRequest(req)}: the recording download ${stalled ? 'stalled' : 'broke'} after ${received} bytes` +
        (cause instanceof Error && !stalled ? ` (${cause.message})` : ''),
    ),

  /**
   * The recording body is not a whole recording: shorter or longer than the server announced, or
   * its container (MP4 boxes, RIFF/WAVE chunks) cut or broken. Another download may be whole
   * (Transient); a body whose length nothing can confirm stays refused (Permanent).
   */
  recordingIncomplete: (
    req: RequestInfo,
    verdict: { readonly problem: string; readonly transient: boolean },
    received: number,
  ): PluginError =>
    (verdict.transient ? PluginErrors.transient : PluginErrors.permanent)(
      `${describeRequest(req)}: the recording is not whole after ${received} bytes: ${verdict.problem}`,
    ),

  /** A GET without a Range answered 206 (a part): not the recording. */
  unexpectedPartial: (req: RequestInfo): PluginError =>
    PluginErrors.transient(`${describeRequest(req)}: a part (206) came back for a whole-file request`),

  /**
   * Media Playback answered 403: the API user lacks the permission NICE documents for the API
   * (developer.niceincontact.com/API/MediaPlaybackAPI; reference/cxone-api.md §2).
   */
  playAnyMissing: (cause: PluginError): PluginError =>
    PluginErrors.auth(
      `${cause.message} — the CXone API user needs the permission "Search & Playback > Player > ` +
        'Play/download recordings: Play Any" to use Media Playback',
    ),
} as const;
