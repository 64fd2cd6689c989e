/** Words and numbers the console shows for escalation fields. */
import type { EscalationOutcome, EscalationTrigger } from '../shared/handoff';

/** Why the user was handed to a person. */
export const TRIGGER_LABEL: Record<EscalationTrigger, string> = {
  user: 'The user asked for a person',
  low_confidence: 'Low-confidence answer',
  agent: 'The agent handed over',
  repeated_negative: 'Repeated negative feedback',
};

/** How an escalation ended; the choice offered by "Resolve". */
export const OUTCOME_LABEL: Record<EscalationOutcome, string> = {
  resolved: 'Resolved',
  agent_was_right: 'The agent was right',
  agent_was_wrong: 'The agent was wrong',
  no_response: 'No response from the user',
};

/** The outcomes in the order "Resolve" offers them (the zod-free list; the server checks the same names). */
export const OUTCOMES = Object.keys(OUTCOME_LABEL) as EscalationOutcome[];

/** A wait as people say it: "45 s", "12 min", "3 h 5 min", "2 d". */
export function formatWait(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** A time of day (and date when not today) in the viewer's locale. */
export function formatTime(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const sameDay = d.toDateString() === now.toDateString();
  return sameDay ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}
