import type { SimContact } from './dataset.js';
import { createRngFromString } from './prng.js';

/**
 * Chat and email transcripts as Media Playback returns them for `media-type=chat|email` (NICE's
 * Media Playback help: "for chat and email … metadata and transcript"; the shapes are the
 * `Chat{participants, messages}` and `Email{participants, content}` data of the client generated
 * from NICE's OpenAPI spec, calljacob/nice-cxone-api `MediaplaybackMediaplaybackService.ts`;
 * reference/cxone-fidelity.md §2.6). Deterministic per master contact.
 */

const CUSTOMER_LINES = [
  'Hi, I have a question about my last invoice.',
  'My order has not arrived yet.',
  'Can I change the address on my account?',
  'Thanks, that helps.',
  'Is there a fee for that?',
] as const;
const AGENT_LINES = [
  'Hello, thanks for contacting us. Let me look into that.',
  'I can see your account here.',
  'That is done now; you will get a confirmation.',
  'Is there anything else I can help with?',
] as const;

const iso = (ms: number): string => new Date(ms).toISOString();

/** When a leg's handling ended (start + total duration). */
export const legEndMs = (leg: SimContact): number =>
  Date.parse(leg.contactStartDate) + leg.totalDurationSeconds * 1000;

const agentOf = (leg: SimContact) => `${leg.firstName} ${leg.lastName}`;

export function chatData(legs: readonly SimContact[]): Record<string, unknown> {
  const first = legs[0] as SimContact;
  const last = legs[legs.length - 1] as SimContact;
  const rng = createRngFromString(`chat:${first.contactId}`);
  const start = Date.parse(first.contactStartDate);
  const end = legEndMs(last);
  const count = rng.int(2, 8);
  const step = Math.max(1, Math.floor((end - start) / (count + 1)));
  const messages = Array.from({ length: count }, (_, i) => {
    const customer = i % 2 === 0;
    const leg = legs[Math.min(legs.length - 1, Math.floor((i * legs.length) / count))] as SimContact;
    return {
      participantType: customer ? 'CUSTOMER' : 'AGENT',
      participantName: customer ? 'Customer' : agentOf(leg),
      text: customer ? rng.pick(CUSTOMER_LINES) : rng.pick(AGENT_LINES),
      timeStamp: iso(start + (i + 1) * step),
    };
  });
  return {
    startTime: iso(start),
    endTime: iso(end),
    acwEndTime: iso(end + last.acwSeconds * 1000),
    participants: [
      { participantType: 'CUSTOMER', participantName: 'Customer', screenStages: [] },
      ...legs.map((leg) => ({ participantType: 'AGENT', participantName: agentOf(leg), screenStages: [] })),
    ],
    messages,
  };
}

export function emailData(legs: readonly SimContact[]): Record<string, unknown> {
  const first = legs[0] as SimContact;
  const last = legs[legs.length - 1] as SimContact;
  const rng = createRngFromString(`email:${first.contactId}`);
  const start = Date.parse(first.contactStartDate);
  const end = legEndMs(last);
  return {
    startTime: iso(start),
    endTime: iso(end),
    acwEndTime: iso(end + last.acwSeconds * 1000),
    participants: [
      {
        participantType: 'AGENT',
        participantName: agentOf(last),
        actions: [
          { timeStamp: iso(start), action: 'Accept' },
          { timeStamp: iso(end), action: 'Reply' },
        ],
        screenStages: [],
      },
    ],
    content: {
      sentTime: iso(start),
      from: first.isOutbound ? first.toAddress : first.fromAddress,
      to: [first.isOutbound ? first.fromAddress : first.toAddress],
      cc: [],
      bcc: [],
      subject: rng.pick(['Invoice question', 'Order status', 'Address change']),
      body: rng.pick(CUSTOMER_LINES),
    },
  };
}
