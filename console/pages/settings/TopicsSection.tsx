/**
 * Topics and autonomy: each topic's failure cost, success criterion and autonomy, changed inline with a save
 * per row; a new topic; the autonomy of answers without a defined topic; and the topics answers carried
 * that are not defined yet, each one click from being defined.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { AUTONOMY_LABELS, AUTONOMY_LEVELS, FAILURE_COSTS, type Autonomy, type FailureCost } from '../../../shared/trust-levels';
import type { TopicPolicy } from '../../../shared/trust';
import { announce } from '../../shell/announcer';
import { createTopicsModel, type TopicsModel } from './topics-model';

const when = (iso: string) => <time dateTime={iso}>{new Date(iso).toLocaleString()}</time>;
const valueOf = (e: Event) => (e.target as HTMLInputElement | HTMLSelectElement).value;

function AutonomySelect({ value, onChange, label }: { value: Autonomy; onChange: (v: Autonomy) => void; label: string }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(valueOf(e) as Autonomy)}>
      {AUTONOMY_LEVELS.map((level) => (
        <option key={level} value={level}>
          {AUTONOMY_LABELS[level]}
        </option>
      ))}
    </select>
  );
}

function CostSelect({ value, onChange, label }: { value: FailureCost | ''; onChange: (v: FailureCost | '') => void; label: string }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(valueOf(e) as FailureCost | '')}>
      <option value="" disabled={value !== ''}>
        Not set
      </option>
      {FAILURE_COSTS.map((cost) => (
        <option key={cost} value={cost}>
          {cost === 'high' ? 'High' : 'Low'}
        </option>
      ))}
    </select>
  );
}

/** One topic, editable; "Save" sends only what changed (and the reason, when the autonomy changes). */
function TopicRow({ topic, model, siteId }: { topic: TopicPolicy; model: TopicsModel; siteId: string }) {
  const [cost, setCost] = useState<FailureCost | ''>(topic.failureCost ?? '');
  const [autonomy, setAutonomy] = useState<Autonomy>(topic.autonomy);
  const [criterion, setCriterion] = useState(topic.criterion ?? '');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  // A stored value that changed (saved here, or loaded again) replaces the field; a confirmation that leaves it as it
  // was (the server's answer to adding this topic) keeps what the admin has started to change meanwhile.
  const stored = useRef(topic);
  useEffect(() => {
    const before = stored.current;
    stored.current = topic;
    if (topic.failureCost !== before.failureCost) setCost(topic.failureCost ?? '');
    if (topic.autonomy !== before.autonomy) setAutonomy(topic.autonomy);
    if (topic.criterion !== before.criterion) setCriterion(topic.criterion ?? '');
  }, [topic.failureCost, topic.autonomy, topic.criterion, topic.updatedAt]);

  const changed = {
    failureCost: cost !== (topic.failureCost ?? '') && cost !== '' ? cost : undefined,
    autonomy: autonomy !== topic.autonomy ? autonomy : undefined,
    criterion: criterion.trim() !== (topic.criterion ?? '') ? criterion.trim() : undefined,
  };
  const dirty = Object.values(changed).some((v) => v !== undefined);
  const busy = model.saving.value.has(topic.name);

  const save = async (e: Event) => {
    e.preventDefault();
    if (!dirty) return;
    setProblem(null);
    try {
      await model.save({ siteId, name: topic.name, ...changed, ...(changed.autonomy && reason.trim() ? { reason: reason.trim() } : {}) });
      setReason('');
      announce(`Topic "${topic.name}" saved.`, 'info');
    } catch (err) {
      setProblem((err as Error).message);
    }
  };

  // A row is not a form (a table row cannot hold one), so Enter in its text boxes saves it as a form would.
  const onEnter = (e: KeyboardEvent) => e.key === 'Enter' && void save(e);
  const id = `topic-${topic.name.replace(/[^\w-]/g, '_')}`;
  return (
    <tr>
      <th scope="row" id={id}>
        {topic.name}
      </th>
      <td>
        <CostSelect value={cost} onChange={setCost} label={`Failure cost of ${topic.name}`} />
      </td>
      <td>
        <AutonomySelect value={autonomy} onChange={setAutonomy} label={`Autonomy of ${topic.name}`} />
        {autonomy !== topic.autonomy && (
          <input
            class="reason"
            aria-label={`Reason for changing the autonomy of ${topic.name}`}
            placeholder="Reason (kept in the audit log)"
            maxLength={1000}
            value={reason}
            onInput={(e) => setReason(valueOf(e))}
            onKeyDown={onEnter}
          />
        )}
      </td>
      <td>
        <input aria-label={`Success criterion of ${topic.name}`} maxLength={300} value={criterion} placeholder="What a good answer does" onInput={(e) => setCriterion(valueOf(e))} onKeyDown={onEnter} />
      </td>
      <td>
        {when(topic.updatedAt)}
        {topic.updatedBy && <span class="hint"> by {topic.updatedBy}</span>}
      </td>
      <td>
        <button type="button" aria-label={`Save ${topic.name}`} disabled={!dirty || busy} onClick={save}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        {problem && (
          <p class="error" role="alert">
            {problem}
          </p>
        )}
      </td>
    </tr>
  );
}

function AddTopicForm({ model, siteId }: { model: TopicsModel; siteId: string }) {
  const [name, setName] = useState('');
  const [cost, setCost] = useState<FailureCost | ''>('');
  const [autonomy, setAutonomy] = useState<Autonomy>('auto');
  const [criterion, setCriterion] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setProblem(null);
    const trimmed = name.trim();
    if (model.topics.value?.some((t) => t.name === trimmed)) return setProblem(`"${trimmed}" is defined already: change it in its row.`);
    try {
      await model.save({ siteId, name: trimmed, autonomy, ...(cost ? { failureCost: cost } : {}), ...(criterion.trim() ? { criterion: criterion.trim() } : {}) });
      [setName, setCriterion].forEach((set) => set(''));
      setCost('');
      setAutonomy('auto');
      announce(`Topic "${trimmed}" added.`, 'info');
    } catch (err) {
      setProblem((err as Error).message);
    }
  };
  return (
    <form class="inline-form" onSubmit={submit} aria-labelledby="add-topic-title">
      <h3 id="add-topic-title">Add a topic</h3>
      <label>
        Name <input value={name} required maxLength={200} placeholder="refunds" onInput={(e) => setName(valueOf(e))} />
      </label>{' '}
      <label>
        Failure cost <CostSelect value={cost} onChange={setCost} label="Failure cost" />
      </label>{' '}
      <label>
        Autonomy <AutonomySelect value={autonomy} onChange={setAutonomy} label="Autonomy" />
      </label>{' '}
      <label>
        Success criterion <input value={criterion} maxLength={300} placeholder="names the refund amount" onInput={(e) => setCriterion(valueOf(e))} />
      </label>{' '}
      <button type="submit">Add topic</button>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}

function DefaultAutonomy({ model, siteId }: { model: TopicsModel; siteId: string }) {
  const stored = model.defaultAutonomy.value;
  const [level, setLevel] = useState<Autonomy | null>(stored);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setLevel(stored), [stored]);
  if (!stored || !level) return null;
  const submit = async (e: Event) => {
    e.preventDefault();
    setProblem(null);
    try {
      await model.setDefault(siteId, level, reason.trim() || undefined);
      setReason('');
      announce('Default autonomy saved.', 'info');
    } catch (err) {
      setProblem((err as Error).message);
    }
  };
  return (
    <form class="inline-form" onSubmit={submit}>
      <label>
        Answers without a defined topic <AutonomySelect value={level} onChange={setLevel} label="Default autonomy" />
      </label>{' '}
      {level !== stored && (
        <input aria-label="Reason for changing the default autonomy" placeholder="Reason (kept in the audit log)" maxLength={1000} value={reason} onInput={(e) => setReason(valueOf(e))} />
      )}{' '}
      <button type="submit" disabled={level === stored}>
        Save default
      </button>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}

export function TopicsSection({ siteId, model: given }: { siteId: string; model?: TopicsModel }) {
  const model = useMemo(() => given ?? createTopicsModel(), [given]);
  useEffect(() => () => model.dispose(), [model]);
  useEffect(() => void model.load(siteId), [model, siteId]);
  const topics = model.topics.value;
  const seen = model.undefinedSeen.value;

  const define = async (name: string) => {
    try {
      await model.save({ siteId, name });
      announce(`Topic "${name}" defined. Set its failure cost and autonomy in the table.`, 'info');
    } catch (err) {
      announce((err as Error).message, 'error');
    }
  };

  return (
    <section aria-labelledby="topics-title">
      <h2 id="topics-title">Topics and autonomy</h2>
      <p class="hint">
        Topics are the kinds of question your agent answers (it names one per answer). For each, say what a wrong answer costs, what a good answer does, and how much the
        agent may do on its own. Every change is kept in the audit log.
      </p>
      {model.error.value && (
        <p class="error" role="alert">
          {model.error.value}{' '}
          <button type="button" class="secondary" onClick={() => void model.load(siteId)}>
            Try again
          </button>
        </p>
      )}
      {!topics && !model.error.value && <p class="muted">Loading topics…</p>}
      {topics && <DefaultAutonomy model={model} siteId={siteId} />}
      {topics && topics.length === 0 && <p class="empty">No topics yet. Add the first one below.</p>}
      {topics && topics.length > 0 && (
        <table class="data topics">
          <caption>Topics of this site</caption>
          <thead>
            <tr>
              <th scope="col">Topic</th>
              <th scope="col">Failure cost</th>
              <th scope="col">Autonomy</th>
              <th scope="col">Success criterion</th>
              <th scope="col">Last changed</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {topics.map((t) => (
              <TopicRow key={t.name} topic={t} model={model} siteId={siteId} />
            ))}
          </tbody>
        </table>
      )}
      {topics && <AddTopicForm model={model} siteId={siteId} />}
      {seen.length > 0 && (
        <section aria-labelledby="undefined-topics-title">
          <h3 id="undefined-topics-title">Undefined topics seen in answers</h3>
          <p class="hint">Topics your agent named in the last 90 days that have no policy yet: they fall under the default autonomy.</p>
          <ul class="undefined-topics">
            {seen.map((u) => (
              <li key={u.name}>
                <strong>{u.name}</strong> <span class="hint">{u.answers} answers, last {when(u.lastSeenAt)}</span>{' '}
                <button type="button" class="secondary" aria-label={`Define ${u.name}`} onClick={() => void define(u.name)}>
                  Define
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}
