import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SiteConfig } from '../shared/schemas';
import { message } from './outbox/test-utils';
import { createServices, type ServiceDeps } from './services';
import { fakeOutbox } from './test-utils';

const SITE: SiteConfig = { siteId: '00000000-0000-4000-8000-000000000000', name: 'Acme' } as SiteConfig;
/** Lets timers (the idle fallback outside browsers) and promises run. */
const tick = () => new Promise((r) => setTimeout(r, 5));

function setup() {
  const outbox = fakeOutbox({ pending: 3 });
  const api = { siteConfig: vi.fn(async () => SITE), pushSignals: vi.fn() };
  const deps = { createApi: vi.fn(() => api), createOutbox: vi.fn(() => outbox) };
  const services = createServices({ siteKey: 'pk_test_12345678', apiUrl: 'https://api.example.com' }, deps as unknown as ServiceDeps);
  return { services, deps, api, outbox };
}

let running: ReturnType<typeof setup>['services'] | undefined;
afterEach(() => running?.dispose());

describe('createServices', () => {
  it('should make neither the api client nor the outbox while starting', () => {
    const { services, deps } = setup();
    running = services;
    services.start();
    void services.siteConfig();
    expect(deps.createApi).not.toHaveBeenCalled();
    expect(deps.createOutbox).not.toHaveBeenCalled();
  });

  it('should make the outbox in a later task, so what earlier pages left is sent', async () => {
    const { services, deps, outbox } = setup();
    running = services;
    services.start();
    await tick();
    expect(deps.createOutbox).toHaveBeenCalledTimes(1);
    expect(services.outbox.state.value).toBe(outbox.state.value);
  });

  it('should fetch the site settings in a later task', async () => {
    const { services, api } = setup();
    running = services;
    await expect(services.siteConfig()).resolves.toBe(SITE);
    expect(api.siteConfig).toHaveBeenCalledTimes(1);
  });

  it('should store a signal recorded before the outbox exists at once and in order', async () => {
    const { services, deps, outbox } = setup();
    running = services;
    services.start();
    void services.outbox.add(message(1));
    void services.outbox.add(message(2));
    expect(outbox.added.map((s) => s.clientEventId)).toEqual([message(1).clientEventId, message(2).clientEventId]);
    await tick();
    expect(deps.createOutbox).toHaveBeenCalledTimes(1);
  });

  it('should report nothing waiting before the outbox has read its store', () => {
    const { services } = setup();
    running = services;
    expect(services.outbox.state.value).toMatchObject({ pending: 0, waiting: false, rejected: [] });
  });

  it('should make nothing once disposed, and dispose the outbox it made', async () => {
    const first = setup();
    void first.services.outbox.add(message(1));
    first.services.dispose();
    expect(first.outbox.dispose).toHaveBeenCalled();

    const { services, deps } = setup();
    services.start();
    services.dispose();
    await services.outbox.add(message(2));
    await tick();
    expect(deps.createOutbox).not.toHaveBeenCalled();
  });
});
