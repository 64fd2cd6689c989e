// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { HandoffEvent } from '../../../shared/handoff';

// The model talks to the server only through the client; the test stands in for the server.
const server = vi.hoisted(() => ({ list: vi.fn(), approve: vi.fn(), edit: vi.fn(), reject: vi.fn(), open: vi.fn() }));
vi.mock('../../api/client', () => ({
  api: {
    draft: {
      list: { query: server.list },
      approve: { mutate: server.approve },
      edit: { mutate: server.edit },
      reject: { mutate: server.reject },
      open: { mutate: server.open },
    },
  },
  errorCode: () => undefined,
  errorMessage: (e: Error) => e.message,
}));

const { createDraftsModel } = await import('./drafts-model');
const { toasts } = await import('../../shell/announcer');

const draft = (id: string) => ({ id, siteId: 's', siteName: 'Shop', conversationId: 'c', topic: 'refunds', confidence: 0.6, traceId: null, caseId: null, question: 'Refund?', text: 'Yes.', createdAt: '', openedAt: null, waitingMs: 0 });
const list = (...ids: string[]) => ({ items: ids.map(draft), pending: ids.length, lastEventId: '1' });
const closed = (draftId: string, by: { id: string; displayName: string }): HandoffEvent => ({
  id: 9, type: 'draft.closed', siteId: 's', conversationId: 'c', escalationId: null, audience: 'staff', payload: { draftId, status: 'approved', staff: by }, createdAt: '',
});
const settle = () => new Promise((r) => setTimeout(r, 120));

describe('drafts model', () => {
  beforeEach(() => {
    for (const f of Object.values(server)) f.mockReset();
    toasts.value = [];
  });

  it('should re-read the queue and say who decided when another agent decides a shown draft', async () => {
    server.list.mockResolvedValueOnce(list('d1', 'd2')).mockResolvedValueOnce(list('d2'));
    const model = createDraftsModel(() => 'me');
    model.start();
    await settle();
    model.onEvent(closed('d1', { id: 'maya', displayName: 'Maya' }));
    await settle();
    expect(model.list.value?.items.map((d) => d.id)).toEqual(['d2']);
    expect(toasts.value.map((t) => t.text)).toContain('A draft was approved by Maya.');
    model.dispose();
  });

  it('should keep the server’s refusal on the draft that asked', async () => {
    server.list.mockResolvedValueOnce(list('d1'));
    server.approve.mockRejectedValueOnce(new Error('This draft was already approved by Maya (maya@example.com).'));
    const model = createDraftsModel(() => 'me');
    model.start();
    await settle();
    expect(await model.decide(draft('d1'), 'approve')).toBe(false);
    expect(model.refusals.value.d1).toBe('This draft was already approved by Maya (maya@example.com).');
    model.dispose();
  });

  it('should send an edit with its text and drop the draft from the queue', async () => {
    server.list.mockResolvedValueOnce(list('d1'));
    server.edit.mockResolvedValueOnce({});
    const model = createDraftsModel(() => 'me');
    model.start();
    await settle();
    expect(await model.decide(draft('d1'), 'edit', 'Yes, within 5 days.')).toBe(true);
    expect(server.edit).toHaveBeenCalledWith({ draftId: 'd1', text: 'Yes, within 5 days.' });
    expect(model.list.value?.items).toEqual([]);
    model.dispose();
  });

  it('should open a draft on the server once per page', async () => {
    server.open.mockResolvedValue({});
    const model = createDraftsModel(() => 'me');
    model.open(draft('d1'));
    model.open(draft('d1'));
    expect(server.open).toHaveBeenCalledTimes(1);
    model.dispose();
  });
});
