import { Flags } from '@oclif/core';

/** The window flags `run` and `plan` share. */
export const windowFlags = {
  since: Flags.string({
    description:
      "List this window instead of resuming from the stored checkpoint (a backfill): from this UTC day or ISO time, in the source's own dates (CXone: lastUpdateTime). The stored checkpoint is not moved.",
    helpValue: '<time>',
  }),
  until: Flags.string({
    description: 'End of the --since window (exclusive); default: as far as the source lists now.',
    helpValue: '<time>',
    dependsOn: ['since'],
  }),
};

/** How many items a plan lists before it stops and estimates. */
export const maxFlag = Flags.integer({
  description: 'Stop listing after this many items and estimate the rest (default 1000).',
  helpValue: '<n>',
  min: 1,
});
