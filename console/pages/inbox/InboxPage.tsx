/** The Inbox: handoffs of the staff member's sites, live, under a filter with counts. */
import { useEffect, useMemo } from 'preact/hooks';
import type { EscalationFilter } from '../../../shared/handoff';
import { formatWait, OUTCOME_LABEL, TRIGGER_LABEL } from '../../format';
import { paths } from '../../routes';
import { me } from '../../shell/session';
import { createDraftsModel } from './drafts-model';
import { DraftsQueue } from './DraftsQueue';
import { createInboxModel, type InboxItem, type InboxModel } from './inbox-model';

const FILTERS: { id: EscalationFilter; label: string }[] = [
  { id: 'queued', label: 'Queued' },
  { id: 'mine', label: 'Mine' },
  { id: 'open', label: 'All open' },
  { id: 'resolved', label: 'Resolved' },
];

const EMPTY: Record<EscalationFilter, string> = {
  queued: 'Nobody is waiting. New handoffs appear here as they arrive.',
  mine: 'You have no open handoffs. Claim one from Queued.',
  open: 'No open handoffs.',
  resolved: 'Nothing resolved yet.',
};

function Filters({ model }: { model: InboxModel }) {
  const counts = model.list.value?.counts;
  return (
    <div class="filters" role="group" aria-label="Filter">
      {FILTERS.map((f) => (
        <button key={f.id} type="button" class="filter" aria-pressed={model.filter.value === f.id} onClick={() => model.setFilter(f.id)}>
          {f.label} <span class="count">{counts ? counts[f.id] : '–'}</span>
        </button>
      ))}
    </div>
  );
}

function Row({ item, model }: { item: InboxItem; model: InboxModel }) {
  const status =
    item.status === 'queued'
      ? `Waiting ${formatWait(model.waitingMs(item))}`
      : item.status === 'claimed'
        ? `With ${item.assignee?.displayName ?? 'someone'} · waited ${formatWait(item.waitingMs)}`
        : `Resolved: ${item.outcome ? OUTCOME_LABEL[item.outcome] : 'no outcome'}`;
  return (
    <li class={`row ${item.status}`}>
      <a href={paths.conversation(item.id)}>
        <span class="reason">{TRIGGER_LABEL[item.trigger]}</span>
        <span class="meta">
          {status} · {item.siteName}
          {item.user && (
            <>
              {' · '}
              {item.user.name} {item.user.verified ? <span class="tag ok">Verified</span> : <span class="tag warn">Unverified</span>}
            </>
          )}
        </span>
      </a>
      {item.note && <p class="note">“{item.note}”</p>}
    </li>
  );
}

export function InboxPage() {
  const drafts = useMemo(() => createDraftsModel(() => me.value?.id), []);
  const model = useMemo(() => createInboxModel(drafts.onEvent), [drafts]);
  useEffect(() => {
    model.start();
    drafts.start();
    return () => {
      model.dispose();
      drafts.dispose();
    };
  }, [model, drafts]);

  const queued = model.queued.value;
  useEffect(() => {
    document.title = queued > 0 ? `(${queued}) Inbox · Backstop` : 'Inbox · Backstop';
  }, [queued]);
  useEffect(() => () => void (document.title = 'Backstop console'), []);

  const list = model.list.value;
  return (
    <section class="page-body inbox">
      <h1>Inbox</h1>
      <DraftsQueue model={drafts} canDecide={me.value?.role === 'admin' || me.value?.role === 'agent'} />
      <Filters model={model} />
      {model.error.value ? (
        <div class="error" role="alert">
          <p>{model.error.value}</p>
          <button type="button" onClick={model.retry}>
            Try again
          </button>
        </div>
      ) : model.loading.value && !list ? (
        <p aria-busy="true">Loading handoffs…</p>
      ) : list && list.items.length === 0 ? (
        <p class="empty">{EMPTY[model.filter.value]}</p>
      ) : (
        <ul class="rows" aria-label="Handoffs" aria-busy={model.loading.value}>
          {list?.items.map((item) => <Row key={item.id} item={item} model={model} />)}
        </ul>
      )}
    </section>
  );
}
