/** Hands a signal to the outbox without ever letting its failure reach the caller (or the host page). */
import type { Signal } from '../../shared/schemas';
import type { Outbox } from '../outbox';
import { warn } from '../warn';

/** The part of the outbox the models write to. */
export type SignalSink = Pick<Outbox, 'add'>;

export function record(outbox: SignalSink, signal: Signal): void {
  try {
    outbox.add(signal).catch((e: unknown) => warn('could not store a signal:', e));
  } catch (e) {
    warn('could not store a signal:', e);
  }
}
