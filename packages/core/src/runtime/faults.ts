/**
 * Test-only fault injection at named steps of the archive and attach flows. Inert unless a test enables it:
 * in-process with `setFaultHook`, or in a child process through the environment variable
 * `CXARCHIVE_TEST_FAULT=<step>:<itemId|*>:<kill|throw>[:<nth>]`, which is read only when
 * `CXARCHIVE_TEST_HOOKS=1` is also set. Never set either in production.
 */
export type FaultStep =
  | 'after-fetch'
  | 'after-encode'
  | 'mid-upload'
  | 'after-put'
  | 'after-verify'
  | 'after-commit';

/** The attach flow's steps: an upload recorded (the job `sending`), a send answered (before `sent` is recorded). */
export type AttachFaultStep = 'after-upload' | 'after-send';

/** The archive flow's steps, in the order an item reaches them. */
export const FAULT_STEPS: readonly FaultStep[] = [
  'after-fetch',
  'after-encode',
  'mid-upload',
  'after-put',
  'after-verify',
  'after-commit',
];

/** The attach flow's steps (attach-item.ts). */
export const ATTACH_FAULT_STEPS: readonly AttachFaultStep[] = ['after-upload', 'after-send'];

export type FaultHook = (step: FaultStep | AttachFaultStep, itemId: string) => void;

let hook: FaultHook | undefined;

/** Installs (or, with undefined, removes) the in-process fault hook. Tests only. */
export const setFaultHook = (next: FaultHook | undefined): void => {
  hook = next;
};

/** A fault the hook threw on purpose. */
export class InjectedFault extends Error {
  constructor(step: FaultStep | AttachFaultStep, itemId: string) {
    super(`injected fault at ${step} for ${itemId}`);
    this.name = 'InjectedFault';
  }
}

const fromEnvironment = (): FaultHook | undefined => {
  if (process.env.CXARCHIVE_TEST_HOOKS !== '1') return undefined;
  const spec = process.env.CXARCHIVE_TEST_FAULT;
  if (!spec) return undefined;
  const [step, item, action, nth] = spec.split(':');
  let seen = 0;
  const wanted = Number(nth ?? '1');
  return (at, itemId) => {
    if (at !== step || (item !== '*' && item !== itemId)) return;
    seen++;
    if (seen !== wanted) return;
    if (action === 'kill') process.kill(process.pid, 'SIGKILL');
    throw new InjectedFault(at, itemId);
  };
};

const environmentHook = fromEnvironment();

/** Called by the flow at each named step. */
export const faultPoint = (step: FaultStep | AttachFaultStep, itemId: string): void => {
  hook?.(step, itemId);
  environmentHook?.(step, itemId);
};
