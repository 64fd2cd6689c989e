import { describe, expect, it } from 'vitest';
import { createBus } from './bus';

describe('event bus', () => {
  it('should wake a waiter armed for the notified site', async () => {
    const bus = createBus();
    const w = bus.arm(new Set(['s1']));
    bus.wake('s1');
    await expect(w.promise).resolves.toBeUndefined();
    expect(bus.waiting()).toBe(0);
  });

  it('should not wake a waiter of another site', async () => {
    const bus = createBus({ maxIdleMs: 10_000 });
    const w = bus.arm(new Set(['s1']));
    let woke = false;
    void w.promise.then(() => (woke = true));
    bus.wake('s2');
    await new Promise((r) => setTimeout(r, 20));
    expect(woke).toBe(false);
    w.cancel();
  });

  it('should wake every waiter when the listener resets (notifications may have been lost)', async () => {
    const bus = createBus();
    const waiters = [bus.arm(new Set(['a'])), bus.arm(new Set(['b'])), bus.arm(null)];
    bus.handlers.onReset();
    await Promise.all(waiters.map((w) => w.promise));
    expect(bus.waiting()).toBe(0);
  });

  it('should wake a waiter after its idle timeout so it re-reads the log even without notifications', async () => {
    const bus = createBus({ maxIdleMs: 30 });
    const started = Date.now();
    await bus.arm(new Set(['s1'])).promise;
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
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
