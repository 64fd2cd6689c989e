/**
 * The case list: the first page for the current filters, then "Load more" pages by keyset (the server's
 * `nextCursor` passed back as `cursor`), so a page deep in a long list costs what the first one does.
 */
import { signal } from '@preact/signals';
import type { CaseFilter, CaseListItem } from '../../../shared/review';
import { errorMessage } from '../../api/client';
import { sessionEnded } from '../../shell/session';
import { reviewApi } from './review-api';

/** Rows per page. */
export const PAGE_SIZE = 50;

export function createCasesModel() {
  const items = signal<CaseListItem[]>([]);
  const nextCursor = signal<string | null>(null);
  const loading = signal(false);
  const loadingMore = signal(false);
  const error = signal<string | null>(null);
  /** Whether the first page for the current filters has arrived. */
  const loaded = signal(false);
  let filter: CaseFilter | null = null;
  let seq = 0;

  async function page(cursor: string | undefined, mine: number): Promise<void> {
    try {
      const result = await reviewApi.cases.query({ ...filter!, cursor, limit: PAGE_SIZE });
      if (mine !== seq) return;
      items.value = cursor ? [...items.value, ...result.items] : result.items;
      nextCursor.value = result.nextCursor;
      error.value = null;
      loaded.value = true;
    } catch (err) {
      if (mine === seq && !sessionEnded(err)) error.value = `The cases could not be loaded: ${errorMessage(err)}`;
    } finally {
      if (mine === seq) loading.value = loadingMore.value = false;
    }
  }

  return {
    items,
    nextCursor,
    loading,
    loadingMore,
    loaded,
    error,
    /** Starts again from the first page for `next` (the time range already resolved to instants). */
    load(next: CaseFilter) {
      filter = next;
      loading.value = true;
      loaded.value = false;
      items.value = [];
      nextCursor.value = null;
      return page(undefined, ++seq);
    },
    loadMore() {
      if (!filter || !nextCursor.value || loadingMore.value) return Promise.resolve();
      loadingMore.value = true;
      return page(nextCursor.value, ++seq);
    },
    retry() {
      if (!filter) return Promise.resolve();
      // After a failed "Load more", ask for that page again rather than starting over.
      if (items.value.length && nextCursor.value) return this.loadMore();
      return this.load(filter);
    },
    dispose: () => void seq++,
  };
}

export type CasesModel = ReturnType<typeof createCasesModel>;
