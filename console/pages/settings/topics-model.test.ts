// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import type { TopicPolicy, TrustSettings } from '../../../shared/trust';

vi.mock('../../api/client', () => ({ errorCode: () => undefined, errorMessage: (e: Error) => e.message, api: {} }));
const { createTopicsModel } = await import('./topics-model');

const SITE = '11111111-1111-4111-8111-111111111111';
const policy = (name: string, over: Partial<TopicPolicy> = {}): TopicPolicy => ({ name, failureCost: null, autonomy: 'auto', criterion: null, updatedBy: 'admin@example.com', updatedAt: '2026-12-01T00:00:00.000Z', ...over });

function fakeServer() {
  return {
    list: { query: vi.fn(async () => [policy('refunds', { failureCost: 'high' })]) },
    undefinedSeen: { query: vi.fn(async () => [{ name: 'shipping', answers: 12, lastSeenAt: '2026-12-04T00:00:00.000Z' }]) },
    settings: { query: vi.fn(async () => ({ defaultAutonomy: 'auto' }) as TrustSettings) },
    set: { mutate: vi.fn() },
    setSettings: { mutate: vi.fn() },
  };
}

describe('topics model', () => {
  it('should load the topics, the undefined ones and the default autonomy', async () => {
    const model = createTopicsModel(fakeServer());
    await model.load(SITE);
    expect(model.topics.value!.map((t) => t.name)).toEqual(['refunds']);
    expect(model.undefinedSeen.value.map((t) => t.name)).toEqual(['shipping']);
    expect(model.defaultAutonomy.value).toBe('auto');
  });

  it('should show a change at once, then the stored row, and drop a newly defined topic from the undefined ones', async () => {
    const server = fakeServer();
    let answer!: (p: TopicPolicy) => void;
    server.set.mutate.mockReturnValueOnce(new Promise((r) => (answer = r)));
    const model = createTopicsModel(server);
    await model.load(SITE);
    const saving = model.save({ siteId: SITE, name: 'shipping', autonomy: 'suggest_handoff' });
    expect(model.topics.value!.map((t) => [t.name, t.autonomy])).toEqual([
      ['refunds', 'auto'],
      ['shipping', 'suggest_handoff'],
    ]);
    expect(model.saving.value.has('shipping')).toBe(true);
    answer(policy('shipping', { autonomy: 'suggest_handoff', updatedBy: 'me@example.com' }));
    await saving;
    expect(model.topics.value!.find((t) => t.name === 'shipping')!.updatedBy).toBe('me@example.com');
    expect(model.undefinedSeen.value).toEqual([]);
    expect(model.saving.value.size).toBe(0);
  });

  it('should put the old values back and throw the server\'s sentence when a change is refused', async () => {
    const server = fakeServer();
    server.set.mutate.mockRejectedValueOnce(new Error('Only admins may change site settings.'));
    const model = createTopicsModel(server);
    await model.load(SITE);
    await expect(model.save({ siteId: SITE, name: 'refunds', autonomy: 'human_review' })).rejects.toThrow('Only admins may change site settings.');
    expect(model.topics.value).toEqual([policy('refunds', { failureCost: 'high' })]);
    server.set.mutate.mockRejectedValueOnce(new Error('down'));
    await expect(model.save({ siteId: SITE, name: 'new topic' })).rejects.toThrow('down');
    expect(model.topics.value!.map((t) => t.name)).toEqual(['refunds']);
  });

  it('should set the default autonomy with its reason, and roll it back when refused', async () => {
    const server = fakeServer();
    server.setSettings.mutate.mockResolvedValueOnce({ defaultAutonomy: 'suggest_handoff' }).mockRejectedValueOnce(new Error('nope'));
    const model = createTopicsModel(server);
    await model.load(SITE);
    await model.setDefault(SITE, 'suggest_handoff', 'new release');
    expect(server.setSettings.mutate).toHaveBeenCalledWith({ siteId: SITE, settings: { defaultAutonomy: 'suggest_handoff' }, reason: 'new release' });
    expect(model.defaultAutonomy.value).toBe('suggest_handoff');
    await expect(model.setDefault(SITE, 'human_review')).rejects.toThrow('nope');
    expect(model.defaultAutonomy.value).toBe('suggest_handoff');
  });

  it('should say when the topics could not be loaded', async () => {
    const server = fakeServer();
    server.list.query.mockRejectedValueOnce(new Error('Server down'));
    const model = createTopicsModel(server);
    await model.load(SITE);
    expect(model.error.value).toBe('The topics could not be loaded: Server down');
    expect(model.topics.value).toBeNull();
  });
});
