import type { Route } from '../route.js';
import {
  DFO_ATTACHMENT_FILE_PATH,
  temporaryAttachmentFile,
  uploadTemporaryAttachment,
} from './dfo-attachments.js';
import {
  CONSUMER_CONTACT_CUSTOM_FIELDS_PATH,
  CONTACT_CUSTOM_FIELD_PATH,
  CONTACT_CUSTOM_FIELDS_PATH,
  CONTACT_MESSAGES_PATH,
  CONTACT_PATH,
  CUSTOM_FIELD_DEFINITIONS_PATH,
  customFieldDefinitions,
  deleteCustomField,
  getContact,
  getContactMessages,
  putCustomFields,
} from './dfo-contacts.js';
import {
  addMessageNote,
  CHANNEL_MESSAGES_PATH,
  CHANNEL_OUTBOUND_PATH,
  createChannelMessage,
  MESSAGE_NOTES_PATH,
  MESSAGE_STATUS_PATH,
  sendOutbound,
  updateMessageStatus,
} from './dfo-send.js';
import { addMessageTag, listTags, MESSAGE_TAG_PATH, TAGS_PATH } from './dfo-tags.js';

/**
 * The digital (DFO 3.0) routes, served under `/dfo/3.0` on the simulator's base URL (real CXone:
 * `https://api-de-{area}.{domain}/dfo/3.0`, SDK-CFG; reference/cxone-fidelity.md §4). Every one but
 * the attachment file counts against the `dfo` budget family; the file URL is a signed storage-like
 * URL (no bearer, no family).
 */
export const DFO_ROUTES: readonly Route[] = [
  {
    name: 'dfo-attachment-upload',
    path: '/dfo/3.0/attachments/temporary',
    methods: ['POST'],
    handler: uploadTemporaryAttachment,
    family: 'dfo',
  },
  {
    name: 'dfo-attachment-file',
    path: DFO_ATTACHMENT_FILE_PATH,
    methods: ['GET', 'HEAD'],
    handler: temporaryAttachmentFile,
  },
  {
    name: 'dfo-outbound',
    path: CHANNEL_OUTBOUND_PATH,
    methods: ['POST'],
    handler: sendOutbound,
    family: 'dfo',
  },
  {
    name: 'dfo-channel-message',
    path: CHANNEL_MESSAGES_PATH,
    methods: ['POST'],
    handler: createChannelMessage,
    family: 'dfo',
  },
  {
    name: 'dfo-message-status',
    path: MESSAGE_STATUS_PATH,
    methods: ['PUT'],
    handler: updateMessageStatus,
    family: 'dfo',
  },
  {
    name: 'dfo-message-note',
    path: MESSAGE_NOTES_PATH,
    methods: ['POST'],
    handler: addMessageNote,
    family: 'dfo',
  },
  {
    name: 'dfo-tags',
    path: TAGS_PATH,
    methods: ['GET'],
    handler: listTags,
    family: 'dfo',
  },
  {
    name: 'dfo-message-tag',
    path: MESSAGE_TAG_PATH,
    methods: ['PUT'],
    handler: addMessageTag,
    family: 'dfo',
  },
  // Before the contact route: the first matching route wins.
  {
    name: 'dfo-custom-field-definitions',
    path: CUSTOM_FIELD_DEFINITIONS_PATH,
    methods: ['GET'],
    handler: customFieldDefinitions,
    family: 'dfo',
  },
  {
    name: 'dfo-consumer-contact-custom-fields',
    path: CONSUMER_CONTACT_CUSTOM_FIELDS_PATH,
    methods: ['GET'],
    handler: customFieldDefinitions,
    family: 'dfo',
  },
  { name: 'dfo-contact', path: CONTACT_PATH, methods: ['GET'], handler: getContact, family: 'dfo' },
  {
    name: 'dfo-contact-messages',
    path: CONTACT_MESSAGES_PATH,
    methods: ['GET'],
    handler: getContactMessages,
    family: 'dfo',
  },
  {
    name: 'dfo-custom-fields',
    path: CONTACT_CUSTOM_FIELDS_PATH,
    methods: ['PUT'],
    handler: putCustomFields,
    family: 'dfo',
  },
  {
    name: 'dfo-custom-field',
    path: CONTACT_CUSTOM_FIELD_PATH,
    methods: ['DELETE'],
    handler: deleteCustomField,
    family: 'dfo',
  },
];
