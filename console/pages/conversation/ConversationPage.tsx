/** One handoff: transcript, reason and context, actions, the reply to the user and internal notes. */
import { useEffect, useMemo } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { paths } from '../../routes';
import { canWork, me } from '../../shell/session';
import { Actions } from './Actions';
import { createConversationModel } from './conversation-model';
import { EscalationContext } from './EscalationContext';
import { Notes } from './Notes';
import { ReplyBox } from './ReplyBox';
import { Transcript } from './Transcript';

export function ConversationPage() {
  const { params } = useRoute();
  const id = params.id ?? '';
  const model = useMemo(() => createConversationModel(id), [id]);
  useEffect(() => {
    model.start();
    return model.dispose;
  }, [model]);
  useEffect(() => {
    document.title = 'Handoff · Backstop';
  }, []);

  const detail = model.detail.value;
  if (model.error.value)
    return (
      <section class="page-body">
        <h1>Handoff</h1>
        <div class="error" role="alert">
          <p>{model.error.value}</p>
          <button type="button" onClick={model.retry}>
            Try again
          </button>
        </div>
        <p>
          <a href={paths.inbox}>Back to the Inbox</a>
        </p>
      </section>
    );
  if (!detail)
    return (
      <section class="page-body">
        <h1>Handoff</h1>
        <p aria-busy="true">Loading the conversation…</p>
      </section>
    );

  const e = detail.escalation;
  const worker = canWork(me.value);
  const mine = e.assignee?.id === me.value?.id;
  const replyBlocked =
    e.status === 'queued' ? 'Claim this handoff to reply.' : !mine ? `${e.assignee?.displayName ?? 'Someone else'} has this handoff; only they can reply.` : null;

  return (
    <section class="page-body conversation">
      <p>
        <a href={paths.inbox}>← Inbox</a>
      </p>
      <h1>Handoff from {e.siteName}</h1>
      {!worker && (
        <p class="readonly" role="note">
          Read-only: as a reviewer you can read handoffs; claiming, replying and notes are for agents and admins.
        </p>
      )}
      <div class="columns">
        <div class="main-col">
          <h2>Transcript</h2>
          <Transcript entries={detail.transcript} />
          {worker && e.status !== 'resolved' && <ReplyBox model={model} disabledReason={replyBlocked} />}
        </div>
        <aside class="side-col" aria-label="Handoff details">
          <EscalationContext detail={detail} />
          {worker && <Actions model={model} />}
          <Notes model={model} notes={detail.notes} canAdd={worker} />
        </aside>
      </div>
    </section>
  );
}
