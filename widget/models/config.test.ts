// @vitest-environment happy-dom
import { signal } from '@preact/signals';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SiteConfig } from '../../shared/schemas';
import { ConfigModel, keptAutonomy, SETTINGS_WAIT_MS } from './config';

const policy = { thresholds: { high: 0.8, low: 0.5 }, title: 'Help', greeting: 'Hi' };

describe('the site config model', () => {
  it('should find per-topic thresholds and autonomy only for topics the site set, whatever the topic is named', async () => {
    const config = JSON.parse(
      '{"siteId":"s","name":"n","policy":' + JSON.stringify(policy) +
        ',"topicThresholds":{"refunds":{"high":0.9,"low":0.6},"__proto__":{"high":0.7,"low":0.4}},"autonomy":{"defaultAutonomy":"auto","topics":{"refunds":"human_review"}}}',
    ) as SiteConfig;
    const model = new ConfigModel({ siteConfig: async () => config }, signal({}));
    await new Promise((r) => setTimeout(r, 0));
    const byTopic = model.thresholds.value.byTopic!;
    expect(byTopic.refunds).toEqual({ high: 0.9, low: 0.6 });
    expect(byTopic['__proto__']).toEqual({ high: 0.7, low: 0.4 });
    expect(byTopic.constructor).toBeUndefined();
    expect(byTopic.toString).toBeUndefined();
    const topics = model.autonomy.value!.topics;
    expect(topics.refunds).toBe('human_review');
    expect(topics.constructor).toBeUndefined();
    expect(topics.hasOwnProperty).toBeUndefined();
  });
});

describe("the site's autonomy while its settings are unknown", () => {
  const KEPT = 'backstop:pk_test:autonomy';
  const never = () => new Promise<never>(() => {});
  const failing = async (): Promise<never> => {
    throw new Error('HTTP 503');
  };
  const settings = (autonomy: SiteConfig['autonomy']) => async () => ({ siteId: 's', name: 'n', policy, autonomy }) as SiteConfig;
  const model = (siteConfig: () => Promise<SiteConfig>) => new ConfigModel({ siteConfig }, signal({}), KEPT);

  beforeEach(() => {
    localStorage.clear();
    vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('should wait for settings that are loading and decide by them', async () => {
    let load!: (c: SiteConfig) => void;
    const config = model(() => new Promise((r) => (load = r)));
    let decided: boolean | undefined;
    void config.review('refunds').then((r) => (decided = r));
    await new Promise((r) => setTimeout(r, 10));
    expect(decided).toBeUndefined();
    load(await settings({ defaultAutonomy: 'auto', topics: { refunds: 'human_review' } })());
    await vi.waitFor(() => expect(decided).toBe(true));
    expect(await config.review('shipping')).toBe(false);
  });

  it('should keep the loaded autonomy in localStorage for a later visit', async () => {
    const config = model(settings({ defaultAutonomy: 'auto', topics: { refunds: 'human_review' } }));
    await config.review();
    expect(JSON.parse(localStorage.getItem(KEPT)!)).toEqual({ defaultAutonomy: 'auto', topics: { refunds: 'human_review' } });
  });

  it('should use the autonomy kept by an earlier visit when the settings fail, and show answers without one', async () => {
    localStorage.setItem(KEPT, JSON.stringify({ defaultAutonomy: 'auto', topics: { refunds: 'human_review' } }));
    const kept = model(failing);
    expect(await kept.review('refunds')).toBe(true);
    expect(await kept.review('shipping')).toBe(false);
    expect(kept.reviewed('refunds')).toBe(true);
    localStorage.clear();
    const none = model(failing);
    expect(await none.review('shipping')).toBe(false);
    // Wrap mode's warning says only what is known.
    expect(none.reviewed('shipping')).toBe(false);
  });

  it('should decide without the settings once they are SETTINGS_WAIT_MS late', async () => {
    vi.useFakeTimers();
    localStorage.setItem(KEPT, JSON.stringify({ defaultAutonomy: 'auto', topics: { refunds: 'human_review' } }));
    const config = model(never);
    const decided: boolean[] = [];
    void config.review('shipping').then((r) => decided.push(r));
    await vi.advanceTimersByTimeAsync(SETTINGS_WAIT_MS - 1);
    expect(decided).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(decided).toEqual([false]);
    localStorage.clear();
    void model(never).review('shipping').then((r) => decided.push(r));
    await vi.advanceTimersByTimeAsync(SETTINGS_WAIT_MS);
    // Slow is not unreachable: with nothing known, a late load holds the answer (settledReview decides again).
    expect(decided).toEqual([false, true]);
  });

  it.each([
    ['not JSON', '{"defaultAutonomy":'],
    ['an array', '["human_review"]'],
    ['a string', '"auto"'],
    ['null', 'null'],
    ['a default that is not a string', '{"defaultAutonomy":1,"topics":{}}'],
    ['no topics', '{"defaultAutonomy":"auto"}'],
    ['topics as an array', '{"defaultAutonomy":"auto","topics":["auto"]}'],
    ['a topic that is not a string', '{"defaultAutonomy":"auto","topics":{"refunds":{"toString":"auto"}}}'],
    ['another key', '{"defaultAutonomy":"auto","topics":{},"extra":1}'],
    ['a __proto__ key', '{"defaultAutonomy":"auto","topics":{},"__proto__":{"x":1}}'],
    ['too long', JSON.stringify({ defaultAutonomy: 'auto', topics: { long: 'auto'.padEnd(70_000) } })],
  ])('should ignore a kept autonomy that is %s', async (_, raw) => {
    // Under review by default: only a kept autonomy that is read would let 'shipping' show.
    localStorage.setItem(KEPT, raw.replace('"defaultAutonomy":"auto"', '"defaultAutonomy":"human_review"'));
    expect(await model(failing).review('shipping')).toBe(false);
  });

  it('should find nothing for a topic named like an Object property in a kept autonomy', async () => {
    localStorage.setItem(KEPT, '{"defaultAutonomy":"human_review","topics":{"refunds":"auto","__proto__":"auto"}}');
    const config = model(failing);
    expect(await config.review('constructor')).toBe(true);
    expect(await config.review('toString')).toBe(true);
    expect(await config.review('hasOwnProperty')).toBe(true);
    // Set by the site: found as any other topic.
    expect(await config.review('__proto__')).toBe(false);
    expect(await config.review(' refunds ')).toBe(false);
    expect(keptAutonomy(JSON.parse('{"defaultAutonomy":"auto","topics":{}}'))!.topics.constructor).toBeUndefined();
  });

  it('should survive storage that throws on every access', async () => {
    vi.spyOn(Storage.prototype, 'getItem').mockImplementation(() => {
      throw new Error('SecurityError');
    });
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new Error('QuotaExceededError');
    });
    expect(await model(failing).review('shipping')).toBe(false);
    expect(await model(settings({ defaultAutonomy: 'human_review', topics: {} })).review('shipping')).toBe(true);
    expect(await model(settings({ defaultAutonomy: 'auto', topics: {} })).review('shipping')).toBe(false);
  });
});
