import { escapeControl, type PipelineEvent } from '@cxarchive/core/host';

/**
 * Progress on stderr: one rewritten line on a terminal, a line every `every` items otherwise
 * (logs and CI). Never shows item content; what it shows is escaped all the same, so the only
 * control sequences written are its own (return, clear line).
 */
export const createProgress = (stream: NodeJS.WriteStream, every = 25) => {
  const counts = { archived: 0, failed: 0, awaiting: 0, skipped: 0 };
  const tty = stream.isTTY === true;
  let done = 0;
  const line = () =>
    escapeControl(
      `archived ${counts.archived} · failed ${counts.failed} · skipped ${counts.skipped}` +
        (counts.awaiting ? ` · awaiting ${counts.awaiting}` : ''),
    );
  return {
    onEvent(event: PipelineEvent) {
      if (event.type === 'item.archived') counts.archived++;
      else if (event.type === 'item.failed') counts.failed++;
      else if (event.type === 'item.skipped') counts.skipped++;
      else if (event.type === 'item.awaiting') counts.awaiting++;
      else return;
      done++;
      if (tty) stream.write(`\r\x1b[2K${line()}`);
      else if (done % every === 0) stream.write(`${line()}\n`);
    },
    finish() {
      if (tty && done > 0) stream.write('\r\x1b[2K');
    },
  };
};
