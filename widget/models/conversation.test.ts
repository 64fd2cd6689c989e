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

describe('forget', () => {
  const KEY = 'pk_test_12345678';
  beforeEach(() => localStorage.clear());

  it('should remove the stored conversation and its live event ids, so the next one is new', () => {
    const c = lazyConversation(KEY);
    const first = c.id;
    const earlier = { id: '22222222-2222-4222-8222-222222222222', token: 'tok_0123456789abcdef' };
    c.set(earlier);
    localStorage.setItem(`backstop:live:${first}`, '4');
    localStorage.setItem(`backstop:live:${earlier.id}`, '9');
    localStorage.setItem('backstop:live:33333333-3333-4333-8333-333333333333', '2');
    sessionStorage.setItem('backstop:pk_other_12345:conversation', 'kept');
    c.forget();
    expect(sessionStorage.getItem(`backstop:${KEY}:conversation`)).toBeNull();
    expect(localStorage.getItem(`backstop:live:${first}`)).toBeNull();
    expect(localStorage.getItem(`backstop:live:${earlier.id}`)).toBeNull();
    expect(localStorage.getItem('backstop:live:33333333-3333-4333-8333-333333333333')).toBe('2');
    expect(sessionStorage.getItem('backstop:pk_other_12345:conversation')).toBe('kept');
    expect(lazyConversation(KEY).id).not.toBe(earlier.id);
    // The forgotten object stays with its own conversation: a late caller never writes into the next one.
    expect(c.id).toBe(earlier.id);
  });

  it('should forget a conversation an earlier page stored without having read it, and mint none', () => {
    const stored = loadConversation(KEY);
    localStorage.setItem(`backstop:live:${stored.id}`, '4');
    const c = lazyConversation(KEY);
    c.forget();
    expect(localStorage.getItem(`backstop:live:${stored.id}`)).toBeNull();
    expect(sessionStorage.getItem(`backstop:${KEY}:conversation`)).toBeNull();
    expect(c.id).toBe(stored.id);
    c.forget();
    expect(sessionStorage.length).toBe(0);
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
