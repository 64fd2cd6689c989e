/** The state of the page's live stream, which the shell shows when it is not connected. */
import { signal } from '@preact/signals';

export type LiveStatus = 'idle' | 'connecting' | 'live' | 'down';

/** Set by the model that owns the page's subscription; `idle` when the page has none. */
export const liveStatus = signal<LiveStatus>('idle');
