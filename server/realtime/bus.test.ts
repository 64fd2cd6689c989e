import { describe, expect, it } from 'vitest';
import { conversationKey, createBus, siteKey } from './bus';
import { changePayload } from './notifications';

/** Whether a waiter's promise has resolved after the pending callbacks ran. */
async function woken(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((r) => setTimeout(r, 20));
  return done;
}

describe('event bus', () => {
  it('should wake a waiter armed for the notified site', async () => {
    const bus = createBus();
    const w = bus.arm(new Set([siteKey('s1')]));
    bus.wake({ siteId: 's1', conversationId: null });
    await expect(w.promise).resolves.toBeUndefined();
    expect(bus.waiting()).toBe(0);
  });

  it('should not wake a waiter of another site', async () => {
    const bus = createBus({ maxIdleMs: 10_000 });
    const w = bus.arm(new Set([siteKey('s1')]));
    bus.wake({ siteId: 's2', conversationId: null });
    expect(await woken(w.promise)).toBe(false);
    w.cancel();
  });

  it('should not wake the stream of conversation A for an event of conversation B of the same site', async () => {
    const bus = createBus({ maxIdleMs: 10_000 });
    const widgetA = bus.arm(new Set([conversationKey('conv-a')]));
    bus.handlers.onNotify(changePayload({ siteId: 's1', conversationId: 'conv-b' }));
    expect(await woken(widgetA.promise)).toBe(false);
    expect(bus.waiting()).toBe(1);
    widgetA.cancel();
  });

  it('should wake the stream of conversation A for an event of conversation A', async () => {
    const bus = createBus({ maxIdleMs: 10_000 });
    const widgetA = bus.arm(new Set([conversationKey('conv-a')]));
    bus.handlers.onNotify(changePayload({ siteId: 's1', conversationId: 'conv-a' }));
    expect(await woken(widgetA.promise)).toBe(true);
  });

  it('should wake the Inbox of the site, and a waiter for any change, for an event of any of its conversations', async () => {
    const bus = createBus({ maxIdleMs: 10_000 });
    const inbox = bus.arm(new Set([siteKey('s0'), siteKey('s1')]));
    const worker = bus.arm(null);
    const otherInbox = bus.arm(new Set([siteKey('s2')]));
    bus.handlers.onNotify(changePayload({ siteId: 's1', conversationId: 'conv-b' }));
    expect(await woken(inbox.promise)).toBe(true);
    expect(await woken(worker.promise)).toBe(true);
    expect(await woken(otherInbox.promise)).toBe(false);
    otherInbox.cancel();
  });

  it('should wake only site waiters for a notification naming no conversation (as older writers send)', async () => {
    const bus = createBus({ maxIdleMs: 10_000 });
    const inbox = bus.arm(new Set([siteKey('s1')]));
    const widget = bus.arm(new Set([conversationKey('conv-a')]));
    bus.handlers.onNotify('s1');
    expect(await woken(inbox.promise)).toBe(true);
    expect(await woken(widget.promise)).toBe(false);
    widget.cancel();
  });

  it('should wake every waiter when the listener resets (notifications may have been lost)', async () => {
    const bus = createBus();
    const waiters = [bus.arm(new Set([siteKey('a')])), bus.arm(new Set([conversationKey('b')])), bus.arm(null)];
    bus.handlers.onReset();
    await Promise.all(waiters.map((w) => w.promise));
    expect(bus.waiting()).toBe(0);
  });

  it('should wake a waiter after its idle timeout so it re-reads the log even without notifications', async () => {
    const bus = createBus({ maxIdleMs: 30 });
    const started = Date.now();
    await bus.arm(new Set([conversationKey('c1')])).promise;
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(bus.waiting()).toBe(0);
  });

  it('should release a waiter when its signal aborts', async () => {
    const bus = createBus({ maxIdleMs: 10_000 });
    const controller = new AbortController();
    const w = bus.arm(null, controller.signal);
    controller.abort();
    await w.promise;
    expect(bus.waiting()).toBe(0);
  });
});
