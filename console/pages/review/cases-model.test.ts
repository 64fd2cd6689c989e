// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaseList } from '../../../shared/review';

// The model talks to the server only through the review client; the test stands in for the server.
const server = vi.hoisted(() => ({ cases: vi.fn() }));
vi.mock('./review-api', () => ({ reviewApi: { cases: { query: server.cases } } }));
vi.mock('../../api/client', () => ({ errorCode: () => undefined, errorMessage: (e: Error) => e.message, api: {} }));

const { createCasesModel, PAGE_SIZE } = await import('./cases-model');

const SITE = '11111111-1111-4111-8111-111111111111';
const page = (ids: string[], nextCursor: string | null): CaseList => ({ items: ids.map((id) => ({ id }) as CaseList['items'][number]), nextCursor });
const filter = { siteId: SITE, from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z', mode: 'tool_failure' as const };

describe('cases model', () => {
  beforeEach(() => server.cases.mockReset());

  it('should load the first page, then pass the cursor back for the next and append it', async () => {
    server.cases.mockResolvedValueOnce(page(['a', 'b'], 'c1')).mockResolvedValueOnce(page(['c'], null));
    const model = createCasesModel();
    await model.load(filter);
    expect(server.cases).toHaveBeenLastCalledWith({ ...filter, cursor: undefined, limit: PAGE_SIZE });
    expect(model.nextCursor.value).toBe('c1');
    await model.loadMore();
    expect(server.cases).toHaveBeenLastCalledWith({ ...filter, cursor: 'c1', limit: PAGE_SIZE });
    expect(model.items.value.map((c) => c.id)).toEqual(['a', 'b', 'c']);
    expect(model.nextCursor.value).toBeNull();
    await model.loadMore();
    expect(server.cases).toHaveBeenCalledTimes(2);
  });

  it('should start over when the filters change, and ignore the answer of the older list', async () => {
    let answerOld!: (l: CaseList) => void;
    server.cases.mockReturnValueOnce(new Promise((r) => (answerOld = r))).mockResolvedValueOnce(page(['new'], null));
    const model = createCasesModel();
    const old = model.load(filter);
    await model.load({ ...filter, mode: 'hallucination' as never });
    answerOld(page(['old'], 'x'));
    await old;
    expect(model.items.value.map((c) => c.id)).toEqual(['new']);
    expect(model.nextCursor.value).toBeNull();
  });

  it('should keep the loaded rows when "Load more" fails, and ask for that page again on retry', async () => {
    server.cases.mockResolvedValueOnce(page(['a'], 'c1')).mockRejectedValueOnce(new Error('Server down')).mockResolvedValueOnce(page(['b'], null));
    const model = createCasesModel();
    await model.load(filter);
    await model.loadMore();
    expect(model.error.value).toBe('The cases could not be loaded: Server down');
    expect(model.items.value.map((c) => c.id)).toEqual(['a']);
    await model.retry();
    expect(server.cases).toHaveBeenLastCalledWith({ ...filter, cursor: 'c1', limit: PAGE_SIZE });
    expect(model.items.value.map((c) => c.id)).toEqual(['a', 'b']);
    expect(model.error.value).toBeNull();
  });
});
