// verifyWebhook as a receiver uses it: against messages signed by the notifier's own signer.
import { describe, expect, it } from 'vitest';
import { testSecret } from '../test-support/receiver.js';
import { createSigner, messageId } from './signing.js';
import { createReplayGuard, verifyWebhook } from './verify.js';

const [A, B, C] = [testSecret(5), testSecret(6), testSecret(7)];
const body = JSON.stringify({
  type: 'run.completed',
  timestamp: '2026-11-30T12:00:00.000Z',
  data: { runId: 'r' },
});

const signed = (
  secrets: string[],
  at = new Date(),
  payload = body,
  id = messageId('r', 'run.completed'),
) => ({
  body: payload,
  headers: {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': createSigner(secrets)(id, at, payload),
  },
});

describe('verifyWebhook', () => {
  it('accepts an untouched message and returns its id, time and parsed body', () => {
    const m = signed([A]);
    const verified = verifyWebhook(m.body, m.headers, { secrets: A });
    expect(verified).toMatchObject({ ok: true, id: m.headers['webhook-id'], duplicate: false });
    if (verified.ok) expect(verified.payload).toEqual(JSON.parse(body));
    expect(verifyWebhook(Buffer.from(m.body), m.headers, { secrets: [A] }).ok).toBe(true);
  });

  it('refuses a tampered body, a tampered id and a tampered timestamp', () => {
    const m = signed([A]);
    expect(verifyWebhook(m.body.replace('"r"', '"s"'), m.headers, { secrets: A })).toEqual({
      ok: false,
      reason: 'no signature matches any of the secrets',
    });
    expect(verifyWebhook(`${m.body} `, m.headers, { secrets: A }).ok).toBe(false);
    expect(verifyWebhook(m.body, { ...m.headers, 'webhook-id': 'msg_other' }, { secrets: A }).ok).toBe(false);
    const later = String(Number(m.headers['webhook-timestamp']) + 1);
    expect(verifyWebhook(m.body, { ...m.headers, 'webhook-timestamp': later }, { secrets: A }).ok).toBe(
      false,
    );
  });

  it('refuses a stale or future timestamp even with a valid signature', () => {
    const stale = signed([A], new Date(Date.now() - 6 * 60_000));
    expect(verifyWebhook(stale.body, stale.headers, { secrets: A })).toEqual({
      ok: false,
      reason: 'Message timestamp too old',
    });
    const future = signed([A], new Date(Date.now() + 6 * 60_000));
    expect(verifyWebhook(future.body, future.headers, { secrets: A })).toEqual({
      ok: false,
      reason: 'Message timestamp too new',
    });
  });

  it('refuses a message without its headers and one signed with another secret', () => {
    const m = signed([A]);
    expect(verifyWebhook(m.body, { 'webhook-id': m.headers['webhook-id'] }, { secrets: A })).toEqual({
      ok: false,
      reason: 'Missing required headers',
    });
    expect(verifyWebhook(m.body, m.headers, { secrets: B }).ok).toBe(false);
  });

  it('rotation: a message signed with old and new passes either; a receiver holding both accepts either', () => {
    const both = signed([A, B]);
    expect(both.headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    expect(verifyWebhook(both.body, both.headers, { secrets: A }).ok).toBe(true);
    expect(verifyWebhook(both.body, both.headers, { secrets: B }).ok).toBe(true);
    expect(verifyWebhook(both.body, both.headers, { secrets: C }).ok).toBe(false);
    const onlyNew = signed([B]);
    expect(verifyWebhook(onlyNew.body, onlyNew.headers, { secrets: [A, B] }).ok).toBe(true);
    expect(verifyWebhook(onlyNew.body, onlyNew.headers, { secrets: [A, C] }).ok).toBe(false);
  });

  it('tells a replayed id once the receiver has processed it', () => {
    const replay = createReplayGuard();
    const m = signed([A]);
    const first = verifyWebhook(m.body, m.headers, { secrets: A, replay });
    expect(first).toMatchObject({ ok: true, duplicate: false });
    replay.add(m.headers['webhook-id']);
    expect(verifyWebhook(m.body, m.headers, { secrets: A, replay })).toMatchObject({
      ok: true,
      duplicate: true,
    });
    const other = signed([A], new Date(), body, 'msg_another');
    expect(verifyWebhook(other.body, other.headers, { secrets: A, replay })).toMatchObject({
      duplicate: false,
    });
  });

  it('refuses a secret that is not a Standard Webhooks secret, without printing it', () => {
    expect(() => verifyWebhook(body, {}, { secrets: 'hunter2-not-base64!' })).toThrow(/secret 1 of 1 is not/);
    expect(() => verifyWebhook(body, {}, { secrets: 'hunter2-not-base64!' })).not.toThrow(/hunter2/);
  });
});

describe('createReplayGuard', () => {
  it('forgets ids after their time and keeps at most maxIds', () => {
    let now = 0;
    const guard = createReplayGuard({ ttlMs: 100, maxIds: 2, now: () => now });
    guard.add('a');
    guard.add('b');
    expect(guard.has('a')).toBe(true);
    guard.add('c');
    expect(guard.has('a')).toBe(false);
    expect(guard.has('c')).toBe(true);
    now = 150;
    expect(guard.has('b')).toBe(false);
  });
});
