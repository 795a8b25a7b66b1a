/** Fixed reference data of the simulated business unit: teams, agents, skills, campaigns, points of contact. */

export interface SimTeam {
  readonly teamId: number;
  readonly teamName: string;
}

export interface SimAgent {
  readonly agentId: number;
  readonly userId: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly team: SimTeam;
}

export type MediaKind = 'voice' | 'chat' | 'email';

export interface SimMediaType {
  readonly mediaTypeId: number;
  readonly mediaTypeName: string;
  readonly mediaSubTypeId: number;
  readonly mediaSubTypeName: string;
}

export interface SimSkill {
  readonly skillId: number;
  readonly skillName: string;
  readonly campaignId: number;
  readonly campaignName: string;
  readonly pointOfContactId: number;
  readonly pointOfContactName: string;
  /** The business side address: a DNIS for voice, a chat entry point, a mailbox. */
  readonly address: string;
  readonly isOutbound: boolean;
}

export const MEDIA_TYPES: Readonly<Record<MediaKind, SimMediaType>> = Object.freeze({
  voice: { mediaTypeId: 4, mediaTypeName: 'Call', mediaSubTypeId: 0, mediaSubTypeName: 'None' },
  chat: { mediaTypeId: 3, mediaTypeName: 'Chat', mediaSubTypeId: 3, mediaSubTypeName: 'Chat' },
  email: { mediaTypeId: 1, mediaTypeName: 'Email', mediaSubTypeId: 1, mediaSubTypeName: 'Email' },
});

const TEAMS: readonly SimTeam[] = [
  { teamId: 1_201, teamName: 'Customer Care' },
  { teamId: 1_202, teamName: 'Billing' },
  { teamId: 1_203, teamName: 'Technical Support' },
];

const NAMES: readonly (readonly [string, string])[] = [
  ['Ada', 'Lovelace'],
  ['Alan', 'Turing'],
  ['Grace', 'Hopper'],
  ['Edsger', 'Dijkstra'],
  ['Barbara', 'Liskov'],
  ['Donald', 'Knuth'],
  ['Frances', 'Allen'],
  ['Ken', 'Thompson'],
  ['Margaret', 'Hamilton'],
  ['Dennis', 'Ritchie'],
  ['Radia', 'Perlman'],
  ['John', 'Backus'],
];

export const AGENTS: readonly SimAgent[] = NAMES.map(([firstName, lastName], index) => ({
  agentId: 3_100_101 + index,
  userId: `5a1e0000-0000-4000-8000-${(index + 1).toString(16).padStart(12, '0')}`,
  firstName,
  lastName,
  team: TEAMS[index % TEAMS.length] as SimTeam,
}));

export const SKILLS: Readonly<Record<MediaKind, readonly SimSkill[]>> = Object.freeze({
  voice: [
    {
      skillId: 4_410_001,
      skillName: 'Inbound Sales',
      campaignId: 77_001,
      campaignName: 'Sales',
      pointOfContactId: 9_910_001,
      pointOfContactName: 'Sales Line',
      address: '8005550100',
      isOutbound: false,
    },
    {
      skillId: 4_410_002,
      skillName: 'Inbound Support',
      campaignId: 77_002,
      campaignName: 'Support',
      pointOfContactId: 9_910_002,
      pointOfContactName: 'Support Line',
      address: '8005550101',
      isOutbound: false,
    },
    {
      skillId: 4_410_003,
      skillName: 'Outbound Renewals',
      campaignId: 77_003,
      campaignName: 'Renewals',
      pointOfContactId: 9_910_003,
      pointOfContactName: 'Renewals Caller ID',
      address: '8005550102',
      isOutbound: true,
    },
  ],
  chat: [
    {
      skillId: 4_410_101,
      skillName: 'Web Chat',
      campaignId: 77_002,
      campaignName: 'Support',
      pointOfContactId: 9_910_101,
      pointOfContactName: 'Website Chat',
      address: 'chat.example.com',
      isOutbound: false,
    },
  ],
  email: [
    {
      skillId: 4_410_201,
      skillName: 'Email Support',
      campaignId: 77_002,
      campaignName: 'Support',
      pointOfContactId: 9_910_201,
      pointOfContactName: 'Support Mailbox',
      address: 'support@example.com',
      isOutbound: false,
    },
  ],
});

export const DISPOSITIONS: readonly number[] = [0, 501, 502, 503, 504];

/** A tag on a contact. The API returns tags as objects (GEN-REP; SDK-CC for v33.0), not strings. */
export interface SimTag {
  readonly tagId: number;
  readonly tagName: string;
}

export const TAGS: readonly SimTag[] = [
  { tagId: 6_001, tagName: 'vip' },
  { tagId: 6_002, tagName: 'complaint' },
  { tagId: 6_003, tagName: 'renewal' },
  { tagId: 6_004, tagName: 'follow-up' },
];

/**
 * `transferIndicatorName` takes the values of the published spec (GEN-REP agent history):
 * None, ReSkill, ReAgent, Consult, TakeOver, External. A leg handed to another agent is `ReAgent`.
 */
export const TRANSFER_INDICATORS = Object.freeze({
  none: { transferIndicatorId: 0, transferIndicatorName: 'None' },
  reAgent: { transferIndicatorId: 2, transferIndicatorName: 'ReAgent' },
} as const);
