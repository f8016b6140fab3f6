import { webhookSchema } from './schema';

const hook = (source: string, extra: Record<string, unknown> = {}) =>
  webhookSchema.safeParse({ name: 'h', source, registry: 'r', auth: { type: 'hmac-sha256', secretEnv: 'S' }, ...extra });

describe('webhooks[].maxEventAge', () => {
  it('defaults to 24 h for github webhooks and takes a duration, 0 turning the window off', () => {
    expect(hook('github').data?.maxEventAge).toBe(24 * 3_600_000);
    expect(hook('github', { maxEventAge: '90m' }).data?.maxEventAge).toBe(90 * 60_000);
    expect(hook('github', { maxEventAge: 0 }).data?.maxEventAge).toBe(0);
  });

  it('is refused on sources that carry no signed delivery time, and absent there by default', () => {
    const harbor = hook('harbor', { maxEventAge: '1h' });
    expect(harbor.success).toBe(false);
    expect(harbor.error?.issues).toEqual([
      expect.objectContaining({ path: ['maxEventAge'], message: expect.stringMatching(/only github/) }),
    ]);
    expect(hook('harbor').data).not.toHaveProperty('maxEventAge');
  });

  it('refuses a negative or unreadable window', () => {
    expect(hook('github', { maxEventAge: -1 }).success).toBe(false);
    expect(hook('github', { maxEventAge: 'soon' }).success).toBe(false);
  });
});
