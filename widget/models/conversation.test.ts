// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MessageSignal } from '../../shared/schemas';
import { lazyConversation, loadConversation, stamp } from './conversation';

beforeEach(() => sessionStorage.clear());
afterEach(() => vi.restoreAllMocks());

describe('loadConversation', () => {
  it('should mint a UUID and a 32-byte base64url token', () => {
    const c = loadConversation('pk_test_12345678');
    expect(c.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(c.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('should continue the same conversation after a reload', () => {
    expect(loadConversation('pk_test_12345678')).toEqual(loadConversation('pk_test_12345678'));
  });

  it('should keep conversations of different sites apart', () => {
    expect(loadConversation('pk_site_a_1234').id).not.toBe(loadConversation('pk_site_b_1234').id);
  });

  it('should still work when storage throws', () => {
    vi.spyOn(Storage.prototype, 'getItem').mockImplementation(() => {
      throw new Error('SecurityError');
    });
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new Error('QuotaExceededError');
    });
    expect(loadConversation('pk_test_12345678').token).toHaveLength(43);
  });
});

describe('lazyConversation', () => {
  it('should touch storage only when first used, then be the stored conversation', () => {
    const getItem = vi.spyOn(sessionStorage, 'getItem');
    const c = lazyConversation('pk_test_12345678');
    expect(getItem).not.toHaveBeenCalled();
    expect({ id: c.id, token: c.token }).toEqual(loadConversation('pk_test_12345678'));
  });
});

describe('stamp', () => {
  it('should add a fresh clientEventId, the conversation and an ISO time', () => {
    const c = loadConversation('pk_test_12345678');
    const a = stamp<MessageSignal>(c, { kind: 'message', role: 'user', text: 'hi' });
    const b = stamp<MessageSignal>(c, { kind: 'message', role: 'user', text: 'hi' });
    expect(a).toMatchObject({ conversationId: c.id, conversationToken: c.token, text: 'hi' });
    expect(a.clientEventId).not.toBe(b.clientEventId);
    expect(new Date(a.createdAt).toISOString()).toBe(a.createdAt);
  });
});
