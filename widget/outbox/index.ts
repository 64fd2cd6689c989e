export { createOutbox, MAX_AGE_MS, MAX_ITEMS } from './outbox';
export type { Outbox, OutboxOptions, OutboxState } from './outbox';
