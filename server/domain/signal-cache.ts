/**
 * Facts the ingestion hot path would otherwise query on every batch, and which never change once
 * stored: a conversation's site and token hash, and a message's conversation, role and trace. Entries
 * are added only after the transaction that wrote or read them commits, so a rolled-back batch never
 * leaves a fact behind that the database does not hold.
 */

export interface BoundConversation {
  siteId: string;
  tokenHash: string;
}

export interface RatedMessage {
  id: string;
  conversationId: string;
  role: 'user' | 'agent' | 'human';
  traceId: string | null;
  confidence: number | null;
  topic: string | null;
}

/** A Map that forgets its least recently used entries past `max`. */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }

  get size(): number {
    return this.map.size;
  }
}

export function createSignalCache(max = 50_000) {
  return {
    conversations: new LruMap<string, BoundConversation>(max),
    /** Keyed by `${siteId}:${clientEventId}`. */
    messages: new LruMap<string, RatedMessage>(max),
  };
}
export type SignalCache = ReturnType<typeof createSignalCache>;
