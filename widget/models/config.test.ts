import { signal } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import type { SiteConfig } from '../../shared/schemas';
import { ConfigModel } from './config';

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
