/**
 * Test-only fault injection at named steps of the archive flow. Inert unless a test enables it:
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

export const FAULT_STEPS: readonly FaultStep[] = [
  'after-fetch',
  'after-encode',
  'mid-upload',
  'after-put',
  'after-verify',
  'after-commit',
];

export type FaultHook = (step: FaultStep, itemId: string) => void;

let hook: FaultHook | undefined;

/** Installs (or, with undefined, removes) the in-process fault hook. Tests only. */
export const setFaultHook = (next: FaultHook | undefined): void => {
  hook = next;
};

/** A fault the hook threw on purpose. */
export class InjectedFault extends Error {
  constructor(step: FaultStep, itemId: string) {
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
export const faultPoint = (step: FaultStep, itemId: string): void => {
  hook?.(step, itemId);
  environmentHook?.(step, itemId);
};
