/**
 * `@cxarchive/cxone-api`: what every cxarchive plugin that talks to NICE CXone shares. Auth
 * (OpenID discovery, password grant, early renewal, one retry after a 401), tenant discovery,
 * authorised requests per API family with a budget hook, and the decoding of each family's errors
 * into the plugin error taxonomy. Not a plugin itself.
 */
export { type Auth, isFresh, passwordGrant, type TokenState, tokenExpiry } from './auth.js';
export {
  type BusinessDataTarget,
  type BusinessDataValue,
  putBusinessData,
} from './business-data.js';
export {
  type ApiRequest,
  type CxoneClient,
  type CxoneClientOptions,
  createCxoneClient,
  type JsonAnswer,
  type JsonRequest,
} from './client.js';
export {
  baseUrlOption,
  CONNECTION_DEFAULTS,
  CONNECTION_REQUIRED,
  type CxoneConnection,
  type CxoneConnectionInput,
  connectionOptionsSchema,
  durationOption,
  resolveConnection,
} from './connection-options.js';
export {
  type ContactExtrasContext,
  type CustomDataItem,
  getCustomData,
  getDisposition,
  getStateHistory,
} from './contact-extras.js';
export {
  type ExtractionContext,
  type ExtractionJob,
  type ExtractionRequest,
  type ExtractionStatus,
  extractionRows,
  getExtraction,
  listExtractions,
  RECORDING_INTERACTION_METADATA,
  RESULT_URL_MAX_AGE_MS,
  runExtractionSync,
  submitExtraction,
} from './data-extraction.js';
export {
  type ChannelMessage,
  type ContactMessages,
  type CustomField,
  createDfoApi,
  type DfoApi,
  type DfoApiOptions,
  type MessageContent,
  type MessageDetail,
  type MessageResult,
  type MessageStatus,
  type OutboundMessage,
  resolveDfoBase,
  type TemporaryAttachment,
  type UploadInput,
} from './dfo.js';
export { apiBaseFromConfiguration, type TenantConfiguration } from './discovery.js';
export {
  abortedError,
  bodyReadError,
  type ClassifyOptions,
  classifyResponse,
  cleanDetail,
  describeRequest,
  errorDetail,
  errorFromResponse,
  networkError,
  type RequestInfo,
  type ResponseFacts,
  unexpectedBody,
} from './errors.js';
export {
  type BudgetHook,
  CXONE_BUDGETS,
  CXONE_FAMILIES,
  type CxoneFamily,
  type ErrorFamily,
} from './families.js';
export { discard, type HttpRequest, readJsonObject, type SendOptions, send, withSignal } from './http.js';
export { decodeJwtClaims, stringClaim } from './jwt.js';
export {
  getMediaDownload,
  type MediaDownloadContext,
  type MediaDownloadEntity,
  type MediaDownloadState,
  type MediaDownloadStatus,
  submitMediaDownload,
} from './media-download.js';
export { RemoteZip, type ZipEntryBody, type ZipEntryInfo, type ZipSource } from './media-download-zip.js';
export {
  basicCredentials,
  type ClientAuth,
  type CxoneCredentials,
  formEncode,
  registerCredentials,
  type Scrubber,
  scrubText,
} from './secrets.js';
export { isAllowedUrl, queryString, redactUrl, sameOrigin, trimBase, urlProblem } from './urls.js';
