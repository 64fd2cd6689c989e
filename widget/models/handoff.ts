/**
 * A request for a person and what follows it. The request is an escalation signal through the outbox, like
 * every signal (so it works offline and survives reloads); what follows (the state the server reports, the
 * live events) is handled by `widget-live.js`, loaded once the conversation has an escalation.
 */
import { computed, createModel, effect, signal, useSignal, type ReadonlySignal } from '@preact/signals';
import { h, type ComponentChild } from 'preact';
import { useId } from 'preact/hooks';
import type { EscalationTrigger } from '../../shared/handoff';
import { cleanText } from '../../shared/normalise';
import type { EscalationSignal, SiteConfig } from '../../shared/schemas';
import type { HandoffFormProps } from '../live/handoff-form';
import type { HandoffState, LiveModule } from '../live/index';
import type { OutboxState } from '../outbox';
import { pageUrl } from '../page-url';
import { readSession, writeSession } from '../storage';
import { stamp, type Conversation } from './conversation';
import { record, type SignalSink } from './record';

/** A row the handoff adds to the transcript: a person's reply, or a line about the handoff. */
export type HandoffItem = { type: 'human'; id: string; text: string; author: string } | { type: 'notice'; id: string; text: string };

export interface HandoffDeps {
  conversation: Conversation;
  outbox: SignalSink & { state: ReadonlySignal<OutboxState> };
  siteKey: string;
  /** Loads `widget-live.js` (a second file in the script-tag build). */
  loadLive: () => Promise<LiveModule>;
  apiUrl: string;
  /** From the site's settings: nobody can answer now. */
  nobodyOnline: ReadonlySignal<boolean>;
  /** From the site's settings: the autonomy per topic. */
  autonomy?: ReadonlySignal<SiteConfig['autonomy']>;
  /** sessionStorage key of this tab's request. */
  storageKey: string;
  /** Adds a row to the transcript; rows whose id is already there are ignored. */
  show: (item: HandoffItem) => void;
}

/** Where the form is open: `'panel'` or the id of the answer it is under. */
export interface HandoffForm {
  at: string;
  trigger: EscalationTrigger;
}

interface Saved {
  trigger: EscalationTrigger;
  contactEmail?: string;
}

const MAX_NOTE = 2000;
/** Wait before loading `widget-live.js` again when it could not be loaded (offline). */
const RELOAD_MS = 5000;
/** The outbox's own words (the panel shows them under the status), so the request reads the same as a message. */
export const OFFLINE_TEXT = "Saved — will send when you're back online";
export const WAITING_TEXT = 'Waiting for a person.';


export const HandoffModel = createModel((deps: HandoffDeps) => {
  const { conversation } = deps;
  // Read in a task after the one that made the model (the widget's start-up): see the restore below.
  const saved = signal<Saved | undefined>(undefined);
  const state = signal<HandoffState>({});
  const form = signal<HandoffForm | undefined>(undefined);
  const live = signal<LiveModule | undefined>(undefined);
  /** "Not helpful" ratings in a row; a "Helpful" starts again. */
  let negatives = 0;
  let stop: (() => void) | undefined;
  let stopped = false;
  const timers: ReturnType<typeof setTimeout>[] = [];
  effect(() => () => {
    stopped = true;
    stop?.();
    timers.forEach(clearTimeout);
  });

  const nobodyOnline = computed(() => state.value.nobodyOnline ?? deps.nobodyOnline.value);
  /** A person is asked or is answering: the user's messages go to them, not to the agent. */
  const active = computed(() => !!saved.value && state.value.status !== 'resolved');
  const waiting = computed(() => !!saved.value && !state.value.status && deps.outbox.state.value.waiting);

  const Form = signal<((props: HandoffFormProps) => ComponentChild) | undefined>(undefined);
  let loading: Promise<LiveModule> | undefined;
  /** Loads `widget-live.js` once; a failed load (offline) is tried again on the next call. */
  const load = () =>
    (loading ??= deps.loadLive().then(
      (m) => {
        Form.value = m.makeHandoffForm({ h, useId, useSignal });
        return (live.value = m);
      },
      (e: unknown) => {
        loading = undefined;
        throw e;
      },
    ));

  /** Loads the live part (again later if offline) and follows the conversation with it. */
  const follow = () => {
    if (stop || stopped) return;
    load().then(
      (m) => {
        if (stop || stopped) return;
        stop = m.follow({ siteKey: deps.siteKey, conversation, apiUrl: deps.apiUrl, show: deps.show, set: (s) => (state.value = { ...state.peek(), ...s }) });
      },
      () => void timers.push(setTimeout(follow, RELOAD_MS)),
    );
  };

  /** Records the request; `email` comes checked by the form (widget-live.js). */
  const request = (trigger: EscalationTrigger, note = '', contactEmail = ''): void => {
    // Once disposed (the widget was reset or destroyed), a form closing late sends nothing.
    if (active.value || stopped) return;
    const text = cleanText(note.trim().slice(0, MAX_NOTE));
    const s = stamp<EscalationSignal>(conversation, {
      kind: 'escalation',
      trigger,
      ...(text ? { note: text } : {}),
      ...(contactEmail ? { contactEmail } : {}),
      pageUrl: pageUrl(),
    });
    record(deps.outbox, s);
    const next: Saved = contactEmail ? { trigger, contactEmail } : { trigger };
    saved.value = next;
    writeSession(deps.storageKey, next);
    // A new request after a resolved one: its state comes with its events.
    state.value = { nobodyOnline: state.peek().nobodyOnline };
    form.value = undefined;
    negatives = 0;
    follow();
  };

  // A request made before a reload: show its state again and follow its events.
  timers.push(
    setTimeout(() => {
      const restored = readSession<Saved>(deps.storageKey);
      if (restored && !saved.peek() && typeof restored.trigger === 'string') {
        saved.value = restored;
        follow();
      }
    }),
  );

  return {
    form: form as ReadonlySignal<HandoffForm | undefined>,
    nobodyOnline,
    active,
    /** The request is stored on this device but not sent (offline). */
    waiting,
    /** What happens next, in words ('' when there is nothing to say). */
    statusText: computed(() => {
      if (!saved.value) return '';
      return live.value?.statusText({ ...state.value, contactEmail: saved.value.contactEmail }) ?? WAITING_TEXT;
    }),
    /** Opens the form at a place, or closes it when it is open there. */
    toggle(at: string, trigger: EscalationTrigger): void {
      const f = (form.value = form.value?.at === at ? undefined : { at, trigger });
      // The form is in widget-live.js; offline on first use it cannot load, so the request goes without a note.
      if (f) load().catch(() => form.peek() === f && request(trigger));
    },
    /** The form component, once widget-live.js is loaded. */
    Form: Form as ReadonlySignal<((props: HandoffFormProps) => ComponentChild) | undefined>,
    /** Loads widget-live.js ahead of need (the panel opened, a Low-confidence answer is shown). */
    preload(): void {
      load().catch(() => {});
    },
    /** The site offers a person under every answer of this topic (`suggest_handoff`; no topic: the site's default). */
    offered(topic = ''): boolean {
      const a = deps.autonomy?.value;
      return !!a && (a.topics[topic.trim()] ?? a.defaultAutonomy) == 'suggest_handoff';
    },
    /** Counts ratings: a second "Not helpful" in a row opens the request form in the panel. */
    rated(rating: 1 | -1): void {
      negatives = rating === -1 ? negatives + 1 : 0;
      if (negatives > 1 && !active.value) {
        form.value = { at: 'panel', trigger: 'repeated_negative' };
        load().catch(() => {});
      }
    },
    request,
  };
});
export type HandoffModel = InstanceType<typeof HandoffModel>;
