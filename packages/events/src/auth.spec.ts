import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SHARED_DIR, webhookFixture } from '../test/shared';
import { authenticate, safeEqual, type WebhookAuth } from './auth';

const body = Buffer.from('{"hello":"world"}');
const basic = (user: string, pass: string) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

describe('authenticate: GitHub HMAC over the raw body', () => {
  const rawBody = webhookFixture('github/registry-package-published.json');
  const signature = readFileSync(path.join(SHARED_DIR, 'fixtures/webhooks/github/registry-package-published.sig256'), 'utf8').trim();
  const hmac = (secret: string): WebhookAuth => ({ type: 'hmac-sha256', secret });

  it("accepts the fixture's X-Hub-Signature-256 with secret fixture-secret", () => {
    expect(authenticate(hmac('fixture-secret'), { headers: { 'X-Hub-Signature-256': signature }, rawBody })).toEqual({
      ok: true,
    });
  });

  it('rejects it with a wrong secret', () => {
    const result = authenticate(hmac('other-secret'), { headers: { 'x-hub-signature-256': signature }, rawBody });
    expect(result).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('rejects it when one body byte is flipped', () => {
    const flipped = Buffer.from(rawBody);
    flipped[10] = (flipped[10] ?? 0) ^ 0x01;
    const result = authenticate(hmac('fixture-secret'), { headers: { 'x-hub-signature-256': signature }, rawBody: flipped });
    expect(result).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts an upper-case hex signature', () => {
    const upper = 'sha256=' + signature.slice('sha256='.length).toUpperCase();
    expect(authenticate(hmac('fixture-secret'), { headers: { 'x-hub-signature-256': upper }, rawBody }).ok).toBe(true);
  });

  it('says missing without the header and malformed without the prefix or with short hex', () => {
    expect(authenticate(hmac('fixture-secret'), { headers: {}, rawBody })).toEqual({ ok: false, reason: 'missing' });
    const noPrefix = signature.slice('sha256='.length);
    expect(authenticate(hmac('fixture-secret'), { headers: { 'x-hub-signature-256': noPrefix }, rawBody })).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(authenticate(hmac('fixture-secret'), { headers: { 'x-hub-signature-256': 'sha256=abcd' }, rawBody })).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('reads a configured header and prefix', () => {
    const auth: WebhookAuth = { type: 'hmac-sha256', secret: 'fixture-secret', header: 'X-Signature', prefix: '' };
    const hex = signature.slice('sha256='.length);
    expect(authenticate(auth, { headers: { 'x-signature': hex }, rawBody }).ok).toBe(true);
  });

  it('never accepts anything under an empty secret', () => {
    const forged = 'sha256=' + createHmac('sha256', '').update(rawBody).digest('hex');
    expect(authenticate(hmac(''), { headers: { 'x-hub-signature-256': forged }, rawBody }).ok).toBe(false);
  });
});

describe('authenticate: bearer, basic, header, path secret', () => {
  const bearer: WebhookAuth = { type: 'bearer', token: 'tok-123' };
  const basicAuth: WebhookAuth = { type: 'basic', username: 'hook', password: 'pa:ss' };
  const header: WebhookAuth = { type: 'header', name: 'X-Webhook-Secret', value: 's3cret' };

  it('accepts the right bearer token and rejects a wrong, missing or malformed one', () => {
    const check = (value?: string) => authenticate(bearer, { headers: value === undefined ? {} : { authorization: value }, rawBody: body });
    expect(check('Bearer tok-123')).toEqual({ ok: true });
    expect(check('bearer tok-123')).toEqual({ ok: true });
    expect(check('Bearer tok-1234')).toEqual({ ok: false, reason: 'mismatch' });
    expect(check('Bearer tok-12')).toEqual({ ok: false, reason: 'mismatch' });
    expect(check(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(check('')).toEqual({ ok: false, reason: 'missing' });
    expect(check('tok-123')).toEqual({ ok: false, reason: 'malformed' });
    expect(check(basic('hook', 'tok-123'))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('treats a repeated Authorization header as malformed', () => {
    const headers = { authorization: ['Bearer tok-123', 'Bearer other'] };
    expect(authenticate(bearer, { headers, rawBody: body })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('accepts the right basic credentials (password with a colon) and rejects wrong or missing ones', () => {
    const check = (value?: string) =>
      authenticate(basicAuth, { headers: value === undefined ? {} : { Authorization: value }, rawBody: body });
    expect(check(basic('hook', 'pa:ss'))).toEqual({ ok: true });
    expect(check(basic('hook', 'pa:sS'))).toEqual({ ok: false, reason: 'mismatch' });
    expect(check(basic('Hook', 'pa:ss'))).toEqual({ ok: false, reason: 'mismatch' });
    expect(check(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(check('Basic ' + Buffer.from('no-colon').toString('base64'))).toEqual({ ok: false, reason: 'malformed' });
    expect(check('Bearer x')).toEqual({ ok: false, reason: 'malformed' });
  });

  it('matches a shared-secret header by name case-insensitively and rejects wrong or missing values', () => {
    const check = (headers: Record<string, string>) => authenticate(header, { headers, rawBody: body });
    expect(check({ 'x-webhook-secret': 's3cret' })).toEqual({ ok: true });
    expect(check({ 'x-webhook-secret': 's3cre' })).toEqual({ ok: false, reason: 'mismatch' });
    expect(check({ 'x-other': 's3cret' })).toEqual({ ok: false, reason: 'missing' });
  });

  it('compares the path secret and reports its absence', () => {
    const auth: WebhookAuth = { type: 'path-secret', secret: 'abc123' };
    expect(authenticate(auth, { headers: {}, rawBody: body, pathSecret: 'abc123' })).toEqual({ ok: true });
    expect(authenticate(auth, { headers: {}, rawBody: body, pathSecret: 'abc124' })).toEqual({ ok: false, reason: 'mismatch' });
    expect(authenticate(auth, { headers: {}, rawBody: body })).toEqual({ ok: false, reason: 'missing' });
  });

  it('lets everything through for type none', () => {
    expect(authenticate({ type: 'none' }, { headers: {}, rawBody: body })).toEqual({ ok: true });
  });
});

describe('safeEqual', () => {
  it('compares strings of different lengths without throwing', () => {
    expect(safeEqual('a', 'a')).toBe(true);
    expect(safeEqual('a', 'ab')).toBe(false);
    expect(safeEqual('', '')).toBe(false);
  });
});
