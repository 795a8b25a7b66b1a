import { Redacted } from '@cxarchive/core';
import {
  DEMO_CREDENTIALS,
  type RunningSimulator,
  type SimulatorOptions,
  startSimulator,
} from '@cxarchive/cxone-simulator';
import { afterEach } from 'vitest';
import type { CxoneSourceOptions } from '../src/schema.js';

/** The connection options to `sim` with its demo API user, secrets wrapped as core hands them over. */
export const simulatorConnection = (sim: RunningSimulator) => ({
  issuer: sim.url,
  accessKeyId: Redacted.make(DEMO_CREDENTIALS.accessKeyId),
  accessKeySecret: Redacted.make(DEMO_CREDENTIALS.accessKeySecret),
  clientId: DEMO_CREDENTIALS.clientId,
  clientSecret: Redacted.make(DEMO_CREDENTIALS.clientSecret),
});

/**
 * The source's options on `sim`: the connection, then `options` (which may override any of it, and
 * are not checked here: create() does).
 */
export const optionsOn = (
  sim: RunningSimulator,
  options: Readonly<Record<string, unknown>>,
): CxoneSourceOptions => ({ ...simulatorConnection(sim), ...options }) as unknown as CxoneSourceOptions;

/**
 * For a test file: starts simulators with the file's `defaults` (each call may override them), and
 * stops every one a test started after that test. Call it at the top level of the file; its
 * `afterEach` runs after the hooks registered later (vitest runs after-hooks as a stack).
 */
export const simulatorStarter = (defaults: SimulatorOptions) => {
  const running: RunningSimulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((sim) => sim.stop()));
  });
  return async (options: SimulatorOptions = {}): Promise<RunningSimulator> => {
    const sim = await startSimulator({ ...defaults, ...options });
    running.push(sim);
    return sim;
  };
};
