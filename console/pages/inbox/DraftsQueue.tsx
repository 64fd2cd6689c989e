/**
 * "Drafts to review": answers held back from users until a person approves, edits or replaces them.
 * Button names ("Approve", "Edit and approve", "Reject") are what people and tests look for: keep them.
 */
import { signal } from '@preact/signals';
import { useEffect, useRef, useState } from 'preact/hooks';
import { DEFAULT_THRESHOLDS } from '../../../shared/confidence';
import type { PendingDraft } from '../../../shared/trust';
import { ConfidenceBadge } from '../../../shared/ui/ConfidenceBadge';
import { renderMarkdown } from '../../../shared/ui/markdown';
import { formatWait } from '../../format';
import type { DraftsModel } from './drafts-model';

const thresholds = signal(DEFAULT_THRESHOLDS);

type Mode = { kind: 'idle' } | { kind: 'edit' | 'reject'; text: string };

/** The editor for "Edit and approve" (the draft's text) and "Reject" (the replacement the user sees instead). */
function Editor({ mode, busy, onChange, onConfirm, onCancel }: { mode: Extract<Mode, { text: string }>; busy: boolean; onChange(text: string): void; onConfirm(): void; onCancel(): void }) {
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => ref.current?.focus(), []);
  const label = mode.kind === 'edit' ? 'Edited answer' : 'Replacement answer the user sees';
  const empty = mode.text.trim() === '';
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        if (!empty) onConfirm();
      }}
    >
      <label>
        {label}
        <textarea
          ref={ref}
          rows={4}
          value={mode.text}
          onInput={(e) => onChange(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') onCancel();
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !empty) onConfirm();
          }}
        />
      </label>
      <div class="actions">
        <button type="submit" disabled={busy || empty}>
          {mode.kind === 'edit' ? 'Approve edited answer' : 'Reject and send replacement'}
        </button>{' '}
        <button type="button" class="secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function DraftCard({ draft, model, canDecide }: { draft: PendingDraft; model: DraftsModel; canDecide: boolean }) {
  const [mode, setMode] = useState<Mode>({ kind: 'idle' });
  const busy = model.busy.value.has(draft.id);
  const refusal = model.refusals.value[draft.id];
  const headingId = `draft-${draft.id}`;
  // Its reading time starts when someone who may decide first points at or moves into the card, not when
  // the queue is shown: a queue left open on a screen would otherwise make every quick approval look read.
  const startReading = () => {
    if (canDecide) model.open(draft);
  };
  const confirm = async () => {
    if (mode.kind === 'idle') return;
    if (await model.decide(draft, mode.kind, mode.text)) setMode({ kind: 'idle' });
  };
  return (
    <li class="row draft" aria-labelledby={headingId} onPointerEnter={startReading} onFocusCapture={startReading}>
      <p class="msg-head" id={headingId}>
        <strong>{draft.topic ?? 'No topic'}</strong>{' '}
        {draft.confidence != null && (
          <>
            <ConfidenceBadge confidence={draft.confidence} thresholds={thresholds} /> <span class="figure">{Math.round(draft.confidence * 100)}%</span>{' '}
          </>
        )}
        <span class="meta">
          Waiting {formatWait(model.waitingMs(draft))} · {draft.siteName}
        </span>
      </p>
      {draft.question && (
        <blockquote class="question" aria-label="The user asked">
          {renderMarkdown(draft.question)}
        </blockquote>
      )}
      <div class="msg-text" aria-label="Draft answer">
        {renderMarkdown(draft.text)}
      </div>
      <p class="trace">
        {draft.caseId ? (
          <a href={`/console/review/cases/${encodeURIComponent(draft.caseId)}`}>Review case and trace</a>
        ) : draft.traceId ? (
          <>
            Trace <code>{draft.traceId}</code>
          </>
        ) : (
          'No trace'
        )}
      </p>
      {refusal && (
        <p class="error" role="alert">
          {refusal}
        </p>
      )}
      {!canDecide ? (
        <p class="meta">Agents and admins approve, edit or reject drafts.</p>
      ) : mode.kind === 'idle' ? (
        <div class="actions">
          <button type="button" disabled={busy} onClick={() => void model.decide(draft, 'approve')}>
            Approve
          </button>{' '}
          <button type="button" class="secondary" disabled={busy} onClick={() => setMode({ kind: 'edit', text: draft.text })}>
            Edit and approve
          </button>{' '}
          <button type="button" class="secondary" disabled={busy} onClick={() => setMode({ kind: 'reject', text: '' })}>
            Reject
          </button>
        </div>
      ) : (
        <Editor mode={mode} busy={busy} onChange={(text) => setMode({ ...mode, text })} onConfirm={() => void confirm()} onCancel={() => setMode({ kind: 'idle' })} />
      )}
    </li>
  );
}

/** The queue; hidden while there is nothing to review and nothing went wrong. */
export function DraftsQueue({ model, canDecide }: { model: DraftsModel; canDecide: boolean }) {
  const list = model.list.value;
  if (!model.error.value && (!list || list.items.length === 0)) return null;
  return (
    <section class="drafts" aria-labelledby="drafts-heading">
      <h2 id="drafts-heading">
        Drafts to review <span class="count">{list?.pending ?? '–'}</span>
      </h2>
      <p class="meta">The users see “A specialist is checking this answer” until you decide.</p>
      {model.error.value ? (
        <div class="error" role="alert">
          <p>{model.error.value}</p>
          <button type="button" onClick={model.retry}>
            Try again
          </button>
        </div>
      ) : (
        <ul class="rows" aria-label="Drafts to review">
          {list!.items.map((d) => (
            <DraftCard key={d.id} draft={d} model={model} canDecide={canDecide} />
          ))}
        </ul>
      )}
    </section>
  );
}
