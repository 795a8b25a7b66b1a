import { EXPORT_FILE_PATH } from '../media-download-url.js';
import type { Route } from '../route.js';
import { BUSINESS_DATA_PATH, businessDataPut } from './business-data.js';
import { CONTACT_EXTRAS_PATH, contactExtras } from './contact-extras.js';
import {
  DX_JOB_PATH,
  DX_JOBS_PATH,
  DX_SYNC_PATH,
  dataExtractionJob,
  dataExtractionJobs,
  dataExtractionSync,
} from './data-extraction.js';
import {
  MD_STATUS_PATH,
  MD_SUBMIT_PATH,
  mediaDownloadStatus,
  mediaDownloadSubmit,
} from './media-download.js';
import { exportFile } from './media-download-files.js';

/**
 * Data Extraction, media-download, Business Data and the ACD contact sub-resources (state history,
 * disposition, custom data), and the signed export files (result CSVs, download archives).
 */
export const EXPORT_ROUTES: readonly Route[] = [
  {
    name: 'data-extraction-sync',
    path: DX_SYNC_PATH,
    methods: ['POST'],
    handler: dataExtractionSync,
    family: 'data-extraction',
  },
  {
    name: 'data-extraction-jobs',
    path: DX_JOBS_PATH,
    methods: ['GET', 'POST'],
    handler: dataExtractionJobs,
    family: 'data-extraction',
  },
  {
    name: 'data-extraction-job',
    path: DX_JOB_PATH,
    methods: ['GET'],
    handler: dataExtractionJob,
    family: 'data-extraction',
  },
  {
    name: 'media-download-request',
    path: MD_SUBMIT_PATH,
    methods: ['POST'],
    handler: mediaDownloadSubmit,
    family: 'media-download',
  },
  {
    name: 'media-download-status',
    path: MD_STATUS_PATH,
    methods: ['GET'],
    handler: mediaDownloadStatus,
    family: 'media-download',
  },
  { name: 'export-file', path: EXPORT_FILE_PATH, methods: ['GET', 'HEAD'], handler: exportFile },
  {
    name: 'business-data',
    path: BUSINESS_DATA_PATH,
    methods: ['PUT'],
    handler: businessDataPut,
    family: 'business-data',
  },
  {
    name: 'contact-extras',
    path: CONTACT_EXTRAS_PATH,
    methods: ['GET'],
    handler: contactExtras,
    family: 'cxone-acd',
  },
];
