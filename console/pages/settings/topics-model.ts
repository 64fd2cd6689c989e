/**
 * Settings → Topics and autonomy: the site's topics, the topics answers carry that are not defined, and the
 * default autonomy. Changes show at once (optimistic) and are rolled back with a sentence when refused.
 */
import { signal } from '@preact/signals';
import type { Autonomy, TopicPolicy, TopicSetInput, TrustSettings, UndefinedTopic } from '../../../shared/trust';
import { api, errorMessage } from '../../api/client';
import { sessionEnded } from '../../shell/session';

/** The server calls the model makes (the tRPC client's `topic` router; tests pass a stand-in). */
export interface TopicsClient {
  list: { query(input: { siteId: string }): Promise<TopicPolicy[]> };
  undefinedSeen: { query(input: { siteId: string }): Promise<UndefinedTopic[]> };
  settings: { query(input: { siteId: string }): Promise<TrustSettings> };
  set: { mutate(input: TopicSetInput): Promise<TopicPolicy> };
  setSettings: { mutate(input: { siteId: string; settings: Partial<TrustSettings>; reason?: string }): Promise<TrustSettings> };
}

const byName = (a: TopicPolicy, b: TopicPolicy) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function createTopicsModel(client: TopicsClient = api.topic as unknown as TopicsClient) {
  const topics = signal<TopicPolicy[] | null>(null);
  const undefinedSeen = signal<UndefinedTopic[]>([]);
  const defaultAutonomy = signal<Autonomy | null>(null);
  const error = signal<string | null>(null);
  /** Names of topics whose change is on its way to the server. */
  const saving = signal<ReadonlySet<string>>(new Set());
  let site: string | null = null;

  const mark = (name: string, on: boolean) => {
    const next = new Set(saving.value);
    if (on) next.add(name);
    else next.delete(name);
    saving.value = next;
  };

  return {
    topics,
    undefinedSeen,
    defaultAutonomy,
    error,
    saving,
    async load(siteId: string) {
      site = siteId;
      topics.value = null;
      error.value = null;
      try {
        const [list, seen, settings] = await Promise.all([client.list.query({ siteId }), client.undefinedSeen.query({ siteId }), client.settings.query({ siteId })]);
        if (site !== siteId) return;
        [topics.value, undefinedSeen.value, defaultAutonomy.value] = [list, seen, settings.defaultAutonomy];
      } catch (err) {
        if (!sessionEnded(err)) error.value = `The topics could not be loaded: ${errorMessage(err)}`;
      }
    },
    /**
     * Creates or changes a topic. The row shows the new values at once; a refusal puts the old ones back
     * and throws a sentence for the row.
     */
    async save(input: TopicSetInput): Promise<TopicPolicy> {
      const before = topics.value ?? [];
      const old = before.find((t) => t.name === input.name);
      const optimistic: TopicPolicy = {
        name: input.name,
        failureCost: input.failureCost ?? old?.failureCost ?? null,
        autonomy: input.autonomy ?? old?.autonomy ?? 'auto',
        criterion: input.criterion === undefined ? (old?.criterion ?? null) : input.criterion || null,
        updatedBy: old?.updatedBy ?? null,
        updatedAt: old?.updatedAt ?? new Date().toISOString(),
      };
      topics.value = [...before.filter((t) => t.name !== input.name), optimistic].sort(byName);
      mark(input.name, true);
      try {
        const stored = await client.set.mutate(input);
        if (site === input.siteId) {
          topics.value = [...(topics.value ?? []).filter((t) => t.name !== stored.name), stored].sort(byName);
          undefinedSeen.value = undefinedSeen.value.filter((u) => u.name !== stored.name);
        }
        return stored;
      } catch (err) {
        if (site === input.siteId) topics.value = old ? (topics.value ?? []).map((t) => (t.name === input.name ? old : t)) : (topics.value ?? []).filter((t) => t.name !== input.name);
        throw new Error(errorMessage(err));
      } finally {
        mark(input.name, false);
      }
    },
    /** Sets the autonomy of answers without a defined topic (optimistic, like `save`). */
    async setDefault(siteId: string, autonomy: Autonomy, reason?: string): Promise<void> {
      const old = defaultAutonomy.value;
      defaultAutonomy.value = autonomy;
      try {
        const stored = await client.setSettings.mutate({ siteId, settings: { defaultAutonomy: autonomy }, ...(reason ? { reason } : {}) });
        if (site === siteId) defaultAutonomy.value = stored.defaultAutonomy;
      } catch (err) {
        if (site === siteId) defaultAutonomy.value = old;
        throw new Error(errorMessage(err));
      }
    },
    dispose() {
      site = null;
    },
  };
}
export type TopicsModel = ReturnType<typeof createTopicsModel>;
