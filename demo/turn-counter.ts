/**
 * Counts user messages per conversation so the mock agent can drift in long ones. Bounded: the least
 * recently used conversation is forgotten first, so a flood of new conversation ids cannot grow memory.
 */

/** Default number of conversations remembered. */
export const MAX_TRACKED_CONVERSATIONS = 10_000;

export class TurnCounter {
  // A Map iterates in insertion order; re-inserting on each use keeps the least recently used first.
  private readonly turns = new Map<string, number>();

  constructor(private readonly capacity = MAX_TRACKED_CONVERSATIONS) {}

  /** Records one more message in the conversation and returns its 1-based turn number. */
  next(conversationId: string): number {
    const turn = (this.turns.get(conversationId) ?? 0) + 1;
    this.turns.delete(conversationId);
    this.turns.set(conversationId, turn);
    if (this.turns.size > this.capacity) {
      const oldest = this.turns.keys().next();
      if (!oldest.done) this.turns.delete(oldest.value);
    }
    return turn;
  }

  /** Number of conversations currently remembered. */
  get size(): number {
    return this.turns.size;
  }
}
