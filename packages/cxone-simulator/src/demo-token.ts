import { DEMO_CREDENTIALS } from './options.js';
import type { RunningSimulator } from './server.js';

/**
 * A bearer token of the simulator's demo API user (the password grant, the client in the form):
 * for tests that call the simulator's routes themselves.
 */
export async function demoToken(sim: Pick<RunningSimulator, 'url'>): Promise<string> {
  const response = await fetch(`${sim.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      username: DEMO_CREDENTIALS.accessKeyId,
      password: DEMO_CREDENTIALS.accessKeySecret,
      client_id: DEMO_CREDENTIALS.clientId,
      client_secret: DEMO_CREDENTIALS.clientSecret,
    }).toString(),
  });
  if (response.status !== 200)
    throw new Error(`the simulator refused the demo user: HTTP ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
