// @vitest-environment happy-dom
import { signal } from '@preact/signals';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, it, vi } from 'vitest';
import type { DraftsModel } from './drafts-model';
import { DraftsQueue } from './DraftsQueue';

const draft = { id: 'd1', siteId: 's', siteName: 'Shop', conversationId: 'c', topic: 'refunds', confidence: 0.6, traceId: null, caseId: null, question: 'Refund?', text: 'Yes.', createdAt: '', openedAt: null, waitingMs: 0 };

async function setup(canDecide: boolean) {
  const model = {
    list: signal({ items: [draft], pending: 1 }),
    error: signal(null),
    busy: signal(new Set()),
    refusals: signal({}),
    open: vi.fn(),
    decide: vi.fn(async () => true),
    waitingMs: () => 0,
    retry: vi.fn(),
  };
  const root = document.createElement('div');
  document.body.append(root);
  await act(() => render(<DraftsQueue model={model as unknown as DraftsModel} canDecide={canDecide} />, root));
  return { model, card: root.querySelector('li')! };
}

describe('the drafts queue', () => {
  it('should start a draft’s reading time when a person who may decide points at or moves into it, not when the queue is shown', async () => {
    const { model, card } = await setup(true);
    expect(model.open).not.toHaveBeenCalled();
    await act(() => void card.dispatchEvent(new Event('pointerenter')));
    expect(model.open).toHaveBeenCalledWith(draft);
    model.open.mockClear();
    await act(() => void card.querySelector('button')!.focus());
    expect(model.open).toHaveBeenCalledWith(draft);
  });

  it('should not start it for a person who may not decide', async () => {
    const { model, card } = await setup(false);
    await act(() => void card.dispatchEvent(new Event('pointerenter')));
    expect(model.open).not.toHaveBeenCalled();
  });
});
