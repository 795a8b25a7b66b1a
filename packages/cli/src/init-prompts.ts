import type { Readable, Writable } from 'node:stream';
import { cancel, intro, isCancel, select, text } from '@clack/prompts';
import { issuerUrl, tenantFromDir, tenantProblem } from './init-answers.js';
import { ISSUERS, type IssuerName, SINK_KINDS, type SinkKind } from './init-template.js';

/** What the flags already said; the prompts ask only for the rest. */
export interface Given {
  readonly dir: string;
  readonly tenant?: string | undefined;
  readonly sink?: SinkKind | undefined;
  readonly issuer?: string | undefined;
}

export interface PromptStreams {
  readonly input?: Readable;
  readonly output?: Writable;
}

const SINK_HINTS: Readonly<Record<SinkKind, string>> = {
  fs: 'a directory on this machine or a mounted volume',
  s3: 'Amazon S3 or an S3-compatible store',
  gcs: 'Google Cloud Storage',
  azure: 'Azure Blob Storage',
};

/**
 * Asks on a terminal (@clack/prompts) for the tenant, the sink and the CXone issuer the flags left
 * open. Resolves undefined when the user cancels (Ctrl-C, Escape): nothing is written then.
 */
export const askAnswers = async (
  given: Given,
  streams: PromptStreams = {},
): Promise<{ tenant: string; sink: SinkKind; issuer: string } | undefined> => {
  const io = {
    ...(streams.input ? { input: streams.input } : {}),
    ...(streams.output ? { output: streams.output } : {}),
  };
  intro('cxarchive init: a pipeline, its key and what to set', io);
  let tenant = given.tenant;
  if (tenant === undefined) {
    const guess = tenantFromDir(given.dir);
    const answer = await text({
      ...io,
      message: 'Tenant name (part of every object key)',
      ...(guess ? { placeholder: guess, defaultValue: guess } : { placeholder: 'acme' }),
      validate: (value) =>
        value === undefined || value === ''
          ? guess
            ? undefined
            : 'a tenant name is needed'
          : tenantProblem(value),
    });
    if (isCancel(answer)) return cancelled(io);
    tenant = answer;
  }
  let sink = given.sink;
  if (sink === undefined) {
    const answer = await select<SinkKind>({
      ...io,
      message: 'Where should the archive be stored?',
      options: SINK_KINDS.map((kind) => ({ value: kind, label: kind, hint: SINK_HINTS[kind] })),
      initialValue: 'fs',
    });
    if (isCancel(answer)) return cancelled(io);
    sink = answer;
  }
  let issuer = given.issuer;
  if (issuer === undefined) {
    const answer = await select<IssuerName | 'custom'>({
      ...io,
      message: 'Which CXone does the tenant live on?',
      options: [
        ...(Object.keys(ISSUERS) as IssuerName[]).map((name) => ({
          value: name,
          label: ISSUERS[name].url,
          hint: ISSUERS[name].label,
        })),
        { value: 'custom' as const, label: 'another issuer URL', hint: 'e.g. the cxone-simulator' },
      ],
      initialValue: 'global',
    });
    if (isCancel(answer)) return cancelled(io);
    if (answer === 'custom') {
      const url = await text({
        ...io,
        message: 'Issuer URL (https; http only to a loopback host)',
        placeholder: 'http://127.0.0.1:8787',
        validate: (value) => {
          try {
            issuerUrl(value ?? '');
            return undefined;
          } catch (error) {
            return error instanceof Error ? error.message : String(error);
          }
        },
      });
      if (isCancel(url)) return cancelled(io);
      issuer = issuerUrl(url);
    } else {
      issuer = ISSUERS[answer].url;
    }
  }
  return { tenant, sink, issuer };
};

const cancelled = (io: PromptStreams): undefined => {
  cancel('cancelled: nothing was written', io);
  return undefined;
};
