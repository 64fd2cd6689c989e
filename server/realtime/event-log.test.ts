import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Db } from '../db/client';
import { openTestDatabase, testDbKind } from '../test/test-db';
import { conversationKey, openBus, siteKey, type Bus } from './bus';
import { appendEvents, followEvents, lastEventId, readEvents } from './event-log';

let database: Database;
let bus: Bus;
beforeAll(async () => {
  database = await openTestDatabase();
  bus = await openBus(database);
});
afterAll(async () => {
  await bus.close();
  await database.close();
});

const append = (siteId: string, audience: 'widget' | 'staff' = 'widget', conversationId: string | null = null) =>
  database.db.transaction((tx) => appendEvents(tx as unknown as Db, [{ siteId, conversationId, type: 'message.human', audience, payload: { n: Math.random() } }]));

describe(`event log (${testDbKind})`, () => {
  it('should give increasing ids in the order transactions append', async () => {
    const site = randomUUID();
    const ids = [(await append(site))[0]!, (await append(site))[0]!, (await append(site))[0]!];
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    expect(await lastEventId(database.db)).toBe(ids[2]);
  });

  it('should read only the events after an id, of the filtered sites and audience', async () => {
    const site = randomUUID();
    const conv = randomUUID();
    const before = await lastEventId(database.db);
    await append(site, 'widget', conv);
    await append(site, 'staff', conv);
    await append(randomUUID(), 'widget', conv);
    const widgetOnly = await readEvents(database.db, { siteIds: [site], conversationId: conv, widgetOnly: true }, before);
    expect(widgetOnly.map((e) => e.audience)).toEqual(['widget']);
    expect(await readEvents(database.db, { siteIds: [site] }, before)).toHaveLength(2);
  });

  it('should not deliver an event to a follower until its transaction commits', async () => {
    const site = randomUUID();
    const controller = new AbortController();
    const got: number[] = [];
    const follower = (async () => {
      for await (const e of followEvents(database.db, bus, { siteIds: [site] }, null, controller.signal)) got.push(e.id);
    })();
    await new Promise((r) => setTimeout(r, 50));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const tx = database.db.transaction(async (t) => {
      await appendEvents(t as unknown as Db, [{ siteId: site, type: 'message.human', audience: 'widget', payload: {} }]);
      await held;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([]);
    release();
    await tx;
    const deadline = Date.now() + 3000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(got).toHaveLength(1);
    controller.abort();
    await follower;
  });

  it('should wake a follower within a second of a commit, from notifications rather than polling', async () => {
    const site = randomUUID();
    const controller = new AbortController();
    const got: number[] = [];
    const follower = (async () => {
      for await (const e of followEvents(database.db, bus, { siteIds: [site] }, null, controller.signal)) got.push(e.id);
    })();
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await append(site);
    while (got.length === 0 && Date.now() - started < 1000) await new Promise((r) => setTimeout(r, 5));
    expect(got).toHaveLength(1);
    controller.abort();
    await follower;
  });

  it('should notify the waiters of the event\'s conversation and site, not the streams of the site\'s other conversations', async () => {
    const site = randomUUID();
    const [convA, convB] = [randomUUID(), randomUUID()];
    const within = (promise: Promise<void>, ms: number) => Promise.race([promise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
    const widgetA = bus.arm(new Set([conversationKey(convA)]));
    const inbox = bus.arm(new Set([siteKey(site)]));
    await append(site, 'widget', convB);
    expect(await within(inbox.promise, 2000)).toBe(true);
    expect(await within(widgetA.promise, 200)).toBe(false);
    await append(site, 'widget', convA);
    expect(await within(widgetA.promise, 2000)).toBe(true);
  });
});
