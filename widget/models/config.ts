/** What the widget shows that the site decides: badge thresholds, texts and theme. Init options win over the policy. */
import { computed, createModel, signal, type ReadonlySignal } from '@preact/signals';
import { DEFAULT_THRESHOLDS, type BadgeThresholds } from '../../shared/confidence';
import type { SiteConfig, SitePolicy } from '../../shared/schemas';
import type { InitOptions } from '../options';
import { readSession, writeSession } from '../storage';
import { warn } from '../warn';

/** Shown until the site's policy arrives, and for good when it cannot be loaded. */
export const DEFAULT_TITLE = 'Support';
export const DEFAULT_GREETING = 'Hi! How can we help?';

/** Badge thresholds with the per-topic ones of calibrated badges, if any. */
export type TopicThresholds = BadgeThresholds & { byTopic?: Record<string, BadgeThresholds> };

/** A map keyed by topic names without a prototype: a topic named "constructor" or "__proto__" finds nothing it did not set. */
const own = <T,>(map: Record<string, T> | undefined): Record<string, T> | undefined => map && Object.assign(Object.create(null) as Record<string, T>, map);

type Autonomy = NonNullable<SiteConfig['autonomy']>;

/** How long an answer waits for the site's settings before the widget decides without them. */
export const SETTINGS_WAIT_MS = 4000;
/** A longer autonomy in localStorage is not read (the server's own is far smaller but for huge topic lists). */
const MAX_KEPT_CHARS = 64 * 1024;

/** The autonomy kept by an earlier visit, only in the exact shape written: the host page can write anything there. */
export function keptAutonomy(value: unknown): Autonomy | undefined {
  const { defaultAutonomy, topics, ...rest } = (value ?? {}) as Record<string, unknown>;
  return typeof defaultAutonomy == 'string' &&
    !Object.keys(rest).length &&
    !!topics &&
    typeof topics == 'object' &&
    !Array.isArray(topics) &&
    Object.values(topics).every((t) => typeof t == 'string')
    ? ({ defaultAutonomy, topics: own(topics as Record<string, string>) } as Autonomy)
    : undefined;
}

/** Whether `autonomy` puts answers of `topic` under human review; `unknown` without an autonomy. */
const underReview = (topic: string | undefined, autonomy: Autonomy | undefined, unknown: boolean): boolean =>
  autonomy ? ((topic && autonomy.topics[topic.trim()]) || autonomy.defaultAutonomy) === 'human_review' : unknown;

export const ConfigModel = createModel(
  /** `keptKey`: the localStorage key of the autonomy last loaded for this site (none: nothing is kept). */
  (api: { siteConfig(): Promise<SiteConfig> }, options: ReadonlySignal<Partial<InitOptions>>, keptKey?: string) => {
    const policy = signal<SitePolicy | undefined>(undefined);
    const byTopic = signal<SiteConfig['topicThresholds']>(undefined);
    const nobodyOnline = signal(false);
    const autonomy = signal<SiteConfig['autonomy']>(undefined);
    // Read from localStorage only when needed (the settings did not come), and once.
    let kept: [Autonomy | undefined] | undefined;
    const lastKnown = () => autonomy.peek() ?? (kept ??= [keptKey ? keptAutonomy(readSession(keptKey, true, MAX_KEPT_CHARS)) : undefined])[0];
    // Loaded or failed: either way final. Still pending means slow, which is not the same as unreachable.
    let settled = false;
    const loading = Promise.resolve()
      .then(() => api.siteConfig())
      .then(
        (config) => {
          policy.value = config.policy;
          byTopic.value = own(config.topicThresholds);
          nobodyOnline.value = !!config.handoff?.nobodyOnline;
          autonomy.value = config.autonomy && { ...config.autonomy, topics: own(config.autonomy.topics)! };
          // For the next visit whose settings cannot be loaded.
          if (keptKey && config.autonomy) writeSession(keptKey, config.autonomy, true);
        },
        (e: unknown) => warn("could not load the site's settings, using defaults:", e instanceof Error ? e.message : e),
      )
      .then(() => {
        settled = true;
      });
    return {
      /** Site-wide thresholds, carrying the calibrated per-topic ones (`byTopic`) that AnswerFooter prefers. */
      thresholds: computed((): TopicThresholds => ({ ...(policy.value?.thresholds ?? DEFAULT_THRESHOLDS), byTopic: byTopic.value })),
      title: computed(() => options.value.title ?? policy.value?.title ?? DEFAULT_TITLE),
      greeting: computed(() => options.value.greeting ?? policy.value?.greeting ?? DEFAULT_GREETING),
      primaryColor: computed(() => options.value.primaryColor ?? policy.value?.primaryColor),
      position: computed(() => options.value.position ?? 'right'),
      /**
       * Whether a person reviews answers of this topic before the user sees them, as far as is known now: the
       * site's settings, else the autonomy kept from an earlier visit, else no (wrap mode's warning only).
       */
      reviewed: (topic?: string): boolean => underReview(topic, lastKnown(), false),
      /**
       * The same for an answer about to be shown: waits for the site's settings (at most SETTINGS_WAIT_MS), then
       * decides by them, else by the autonomy kept from an earlier visit. With no evidence at all that the site
       * reviews answers: a load that failed (a first visit while Backstop cannot be reached) shows the answer, since
       * holding every answer would make an unreachable Backstop hide the site's own agent and stop ratings given
       * offline (the server still holds the draft of a reviewed topic, and the text reaches the page from the
       * site's agent either way); a load that is only slow holds it, and `settledReview` decides again.
       */
      review: async (topic?: string): Promise<boolean> => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([loading, new Promise((resolve) => (timer = setTimeout(resolve, SETTINGS_WAIT_MS)))]);
        clearTimeout(timer);
        return underReview(topic, lastKnown(), !settled);
      },
      /** For an answer held while the settings were late: whether it is under review once they are final (loaded or failed). */
      settledReview: (topic?: string): Promise<boolean> => loading.then(() => underReview(topic, lastKnown(), false)),
      /** No person can answer a handoff now (as of start). */
      nobodyOnline: nobodyOnline as ReadonlySignal<boolean>,
      /** The autonomy per topic (the site's trust framework), once loaded. */
      autonomy: autonomy as ReadonlySignal<SiteConfig['autonomy']>,
    };
  },
);
export type ConfigModel = InstanceType<typeof ConfigModel>;
