/**
 * The tenant's predefined digital tags (GEN `DigitalTag_Tag`: `{id: number, color?, title}`; listed
 * by `GET /dfo/3.0/tags`, GEN DigitalTagService `getTags`). Messages carry tags by id: `tagIds` of a
 * custom channel's `NewMessage`, or `PUT /messages/{id}/tags/{tagId}` afterwards (GEN-MSG
 * `addMessageTag`); a message detail lists them as `tags: [{id, color, title}]`. Which tags a real
 * tenant has is its own configuration: these are the simulator's.
 */
export interface DfoTag {
  readonly id: number;
  readonly color: string;
  readonly title: string;
}

export const DFO_TAGS: readonly DfoTag[] = Object.freeze([
  { id: 101, color: '#2E8FCE', title: 'document' },
  { id: 102, color: '#289D29', title: 'invoice' },
  { id: 103, color: '#FFC20A', title: 'signed-form' },
  { id: 104, color: '#ADADAD', title: 'cxarchive' },
] as const);

export const tagById = (id: number): DfoTag | undefined => DFO_TAGS.find((tag) => tag.id === id);
