// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, it, vi } from 'vitest';
import type { TopicPolicy, TrustSettings } from '../../../shared/trust';

vi.mock('../../api/client', () => ({ errorCode: () => undefined, errorMessage: (e: Error) => e.message, api: {} }));
const { createTopicsModel } = await import('./topics-model');
const { TopicsSection } = await import('./TopicsSection');

const SITE = '11111111-1111-4111-8111-111111111111';
const policy = (name: string, over: Partial<TopicPolicy> = {}): TopicPolicy => ({ name, failureCost: 'high', autonomy: 'auto', criterion: null, updatedBy: 'admin@example.com', updatedAt: '2026-12-01T00:00:00.000Z', ...over });

async function setup() {
  const server = {
    list: { query: vi.fn(async () => [policy('refunds')]) },
    undefinedSeen: { query: vi.fn(async () => [{ name: 'shipping', answers: 12, lastSeenAt: '2026-12-04T00:00:00.000Z' }]) },
    settings: { query: vi.fn(async () => ({ defaultAutonomy: 'auto' }) as TrustSettings) },
    set: { mutate: vi.fn(async (input: { name: string; autonomy?: 'auto' | 'suggest_handoff' | 'human_review' }) => policy(input.name, { autonomy: input.autonomy ?? 'auto', updatedAt: '2026-12-05T00:00:00.000Z' })) },
    setSettings: { mutate: vi.fn() },
  };
  const model = createTopicsModel(server);
  const root = document.createElement('div');
  document.body.append(root);
  await act(async () => render(<TopicsSection siteId={SITE} model={model} />, root));
  await act(async () => {});
  const byLabel = <T extends Element>(label: string) => root.querySelector<T & HTMLElement>(`[aria-label="${label}"]`)!;
  const choose = (label: string, value: string) =>
    act(() => {
      const el = byLabel<HTMLSelectElement | HTMLInputElement>(label) as HTMLSelectElement | HTMLInputElement;
      el.value = value;
      el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));
    });
  return { root, server, model, byLabel, choose };
}

describe('Topics and autonomy', () => {
  it('should save a row\'s autonomy change with its reason, the Save button enabled only once something changed', async () => {
    const { server, byLabel, choose } = await setup();
    expect(byLabel<HTMLButtonElement>('Save refunds').disabled).toBe(true);
    await choose('Autonomy of refunds', 'human_review');
    await choose('Reason for changing the autonomy of refunds', 'no track record yet');
    expect(byLabel<HTMLButtonElement>('Save refunds').disabled).toBe(false);
    await act(async () => byLabel('Save refunds').click());
    expect(server.set.mutate).toHaveBeenCalledWith({ siteId: SITE, name: 'refunds', autonomy: 'human_review', reason: 'no track record yet' });
  });

  it('should save a row when Enter is pressed in its criterion box', async () => {
    const { server, byLabel, choose } = await setup();
    await choose('Success criterion of refunds', 'names the refund amount');
    await act(async () => void byLabel('Success criterion of refunds').dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true })));
    expect(server.set.mutate).toHaveBeenCalledWith({ siteId: SITE, name: 'refunds', criterion: 'names the refund amount' });
  });

  it('should keep an autonomy change made while the server confirms the topic just added', async () => {
    const { server, byLabel, choose } = await setup();
    let confirm!: () => void;
    server.set.mutate.mockImplementationOnce(
      (input) => new Promise((resolve) => (confirm = () => resolve(policy(input.name, { failureCost: null, updatedAt: '2026-12-05T00:00:00.000Z' })))),
    );
    await act(async () => byLabel('Define shipping').click());
    await choose('Autonomy of shipping', 'human_review');
    await act(async () => confirm());
    await act(async () => {});
    expect(byLabel<HTMLSelectElement>('Autonomy of shipping').value).toBe('human_review');
    expect(byLabel('Reason for changing the autonomy of shipping')).not.toBeNull();
  });

  it('should define an undefined topic seen in answers with one click', async () => {
    const { root, server, byLabel } = await setup();
    expect(root.textContent).toContain('Undefined topics seen in answers');
    await act(async () => byLabel('Define shipping').click());
    expect(server.set.mutate).toHaveBeenCalledWith({ siteId: SITE, name: 'shipping' });
    expect(root.querySelector('[aria-label="Define shipping"]')).toBeNull();
    expect(root.querySelector('[aria-label="Save shipping"]')).not.toBeNull();
  });

  it('should show the server\'s refusal in the row and keep the choice, unsaved, to try again', async () => {
    const { root, server, model, byLabel, choose } = await setup();
    server.set.mutate.mockRejectedValueOnce(new Error('Only admins may change site settings.'));
    await choose('Autonomy of refunds', 'suggest_handoff');
    await act(async () => byLabel('Save refunds').click());
    await act(async () => {});
    expect(root.querySelector('[role="alert"]')!.textContent).toBe('Only admins may change site settings.');
    expect(model.topics.value![0]!.autonomy).toBe('auto');
    expect(byLabel<HTMLSelectElement>('Autonomy of refunds').value).toBe('suggest_handoff');
    expect(byLabel<HTMLButtonElement>('Save refunds').disabled).toBe(false);
  });
});
