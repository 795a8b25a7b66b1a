import { type Checkpoint, escapeControl, parseDuration } from '@cxarchive/core/host';
import { DEFAULTS as CXONE_DEFAULTS } from '@cxarchive/source-cxone';

/** What the stored checkpoint says, for people (`lines`) and for scripts (`window`). */
export interface CheckpointView {
  readonly checkpoint: Checkpoint | null;
  /**
   * For the CXone source: the listing window covered so far (from `since` as the pipeline says
   * now, up to the checkpoint) and where the next run starts listing (the checkpoint less the
   * overlap it re-reads for late contacts).
   */
  readonly window?: {
    readonly since: string | null;
    readonly through: string;
    readonly nextFrom: string | null;
    readonly overlap: string;
  };
  readonly lines: readonly string[];
}

const isCxone = (use: string): boolean => use === 'cxone' || use === '@cxarchive/source-cxone';

/** A plain option value of the pipeline file, not an unexpanded `${VAR}` nor anything else. */
const plain = (options: Record<string, unknown> | undefined, name: string): string | undefined => {
  const value = options?.[name];
  return typeof value === 'string' && !value.includes('${') ? value : undefined;
};

const MAX_VALUE = 200;
const shown = (value: unknown): string => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return escapeControl(text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text);
};

/**
 * The checkpoint made readable. For source-cxone it holds the listing position (`updatedSince`:
 * the newest `lastUpdateTime` listed): the window from `since` up to it is covered, and the next
 * run lists again from it less `overlap` (source-cxone's listing-window.ts). Other sources' checkpoints
 * are shown key by key, escaped and cut at 200 characters a value.
 */
export const viewCheckpoint = (
  use: string,
  options: Record<string, unknown> | undefined,
  checkpoint: Checkpoint | undefined,
): CheckpointView => {
  if (checkpoint === undefined)
    return {
      checkpoint: null,
      lines: [
        'checkpoint: none yet (nothing listed so far; the next run lists from the start: `since` for CXone)',
      ],
    };
  const through = checkpoint.updatedSince;
  const throughMs = typeof through === 'string' ? Date.parse(through) : Number.NaN;
  if (isCxone(use) && typeof through === 'string' && !Number.isNaN(throughMs)) {
    const since = plain(options, 'since') ?? null;
    const overlap = plain(options, 'overlap') ?? CXONE_DEFAULTS.overlap;
    let overlapMs: number | undefined;
    try {
      overlapMs = parseDuration(overlap);
    } catch {
      overlapMs = undefined;
    }
    const sinceMs = since === null ? Number.NaN : Date.parse(since);
    const nextFrom =
      overlapMs === undefined
        ? null
        : new Date(
            Number.isNaN(sinceMs) ? throughMs - overlapMs : Math.max(sinceMs, throughMs - overlapMs),
          ).toISOString();
    const lines = [
      `checkpoint: contacts last updated up to ${escapeControl(through)} are listed`,
      `  listed so far: from the first run's since${since === null ? '' : ` (the pipeline says ${escapeControl(since)} now)`} up to ${escapeControl(through)}`,
    ];
    if (nextFrom !== null)
      lines.push(
        `  the next run lists contacts updated from ${nextFrom} (the checkpoint less the overlap of ${escapeControl(overlap)})`,
      );
    if (!Number.isNaN(sinceMs) && sinceMs > throughMs)
      lines.push(
        `  since (${escapeControl(since!)}) is later than the checkpoint: the next run starts at since`,
      );
    lines.push(
      '  an earlier since is not listed while this checkpoint stands: runs resume from the checkpoint',
    );
    return { checkpoint, window: { since, through, nextFrom, overlap }, lines };
  }
  const entries = Object.entries(checkpoint);
  return {
    checkpoint,
    lines: [
      entries.length === 0
        ? 'checkpoint: {} (empty)'
        : `checkpoint: ${entries.map(([k, v]) => `${escapeControl(k)} ${shown(v)}`).join(', ')}`,
    ],
  };
};
