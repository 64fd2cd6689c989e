/** What the widget shows that the site decides: badge thresholds, texts and theme. Init options win over the policy. */
import { computed, createModel, signal, type ReadonlySignal } from '@preact/signals';
import { DEFAULT_THRESHOLDS, type BadgeThresholds } from '../../shared/confidence';
import type { SiteConfig, SitePolicy } from '../../shared/schemas';
import type { InitOptions } from '../options';
import { warn } from '../warn';

/** Shown until the site's policy arrives, and for good when it cannot be loaded. */
export const DEFAULT_TITLE = 'Support';
export const DEFAULT_GREETING = 'Hi! How can we help?';

/** Badge thresholds with the per-topic ones of calibrated badges, if any. */
export type TopicThresholds = BadgeThresholds & { byTopic?: Record<string, BadgeThresholds> };

/** A map keyed by topic names without a prototype: a topic named "constructor" or "__proto__" finds nothing it did not set. */
const own = <T,>(map: Record<string, T> | undefined): Record<string, T> | undefined => map && Object.assign(Object.create(null) as Record<string, T>, map);

export const ConfigModel = createModel(
  (api: { siteConfig(): Promise<SiteConfig> }, options: ReadonlySignal<Partial<InitOptions>>) => {
    const policy = signal<SitePolicy | undefined>(undefined);
    const byTopic = signal<SiteConfig['topicThresholds']>(undefined);
    const nobodyOnline = signal(false);
    const autonomy = signal<SiteConfig['autonomy']>(undefined);
    Promise.resolve()
      .then(() => api.siteConfig())
      .then(
        (config) => {
          policy.value = config.policy;
          byTopic.value = own(config.topicThresholds);
          nobodyOnline.value = !!config.handoff?.nobodyOnline;
          autonomy.value = config.autonomy && { ...config.autonomy, topics: own(config.autonomy.topics)! };
        },
        (e: unknown) => warn("could not load the site's settings, using defaults:", e instanceof Error ? e.message : e),
      );
    return {
      /** Site-wide thresholds, carrying the calibrated per-topic ones (`byTopic`) that AnswerFooter prefers. */
      thresholds: computed((): TopicThresholds => ({ ...(policy.value?.thresholds ?? DEFAULT_THRESHOLDS), byTopic: byTopic.value })),
      title: computed(() => options.value.title ?? policy.value?.title ?? DEFAULT_TITLE),
      greeting: computed(() => options.value.greeting ?? policy.value?.greeting ?? DEFAULT_GREETING),
      primaryColor: computed(() => options.value.primaryColor ?? policy.value?.primaryColor),
      position: computed(() => options.value.position ?? 'right'),
      /** Whether a person reviews answers of this topic before the user sees them (`auto` until the site's settings say otherwise). */
      reviewed: (topic?: string): boolean => {
        const a = autonomy.peek();
        return (a && ((topic && a.topics[topic.trim()]) || a.defaultAutonomy)) === 'human_review';
      },
      /** No person can answer a handoff now (as of start). */
      nobodyOnline: nobodyOnline as ReadonlySignal<boolean>,
      /** The autonomy per topic (the site's trust framework), once loaded. */
      autonomy: autonomy as ReadonlySignal<SiteConfig['autonomy']>,
    };
  },
);
export type ConfigModel = InstanceType<typeof ConfigModel>;
