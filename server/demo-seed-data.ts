/**
 * What the demo history is made of: the demo shop's topics with their policy and how well the agent does on
 * each, the questions and answers of each, and the demo support team. Plain data; demo-seed.ts draws from it.
 */
import type { Autonomy, FailureCost } from '../shared/trust';

export interface DemoTopic {
  name: string;
  failureCost: FailureCost | null;
  autonomy: Autonomy;
  criterion: string | null;
  /** Share of all answers. */
  weight: number;
  /** Shifts the agent's stated confidence on this topic (harder topics: lower). */
  confidenceShift: number;
  /** Shifts how often an answer helps at a given confidence (the agent over- or under-states). */
  qualityShift: number;
  /** A worse record over the last week (a change that hurt this topic), so Track record warns to step down. */
  recentDrop?: number;
  /** Traces whose tool call failed (a timeout, retried). */
  toolFailureRate: number;
  questions: string[];
  answers: string[];
}

/** Topics with a policy; the last one is seen in answers but not defined, so Settings offers to define it. */
export const DEMO_TOPICS: DemoTopic[] = [
  {
    name: 'billing dates',
    failureCost: 'low',
    autonomy: 'auto',
    criterion: 'names the right date and links the invoice',
    weight: 0.3,
    confidenceShift: 0.06,
    qualityShift: 0.02,
    toolFailureRate: 0.01,
    questions: ['When is my next bill?', 'Why was I charged on the 3rd?', 'Can I move my billing date?', 'When does my trial end?'],
    answers: [
      'Your next bill is on **March 1** for $49. The invoice is under Settings → Billing.',
      'You were charged on the 3rd because your plan renews on the day you signed up.',
      'Yes: Settings → Billing → Billing date lets you pick a day between the 1st and the 28th.',
    ],
  },
  {
    name: 'refunds',
    failureCost: 'high',
    autonomy: 'human_review',
    criterion: 'states the refund amount and when it arrives',
    weight: 0.11,
    confidenceShift: 0,
    qualityShift: 0.03,
    toolFailureRate: 0.06,
    questions: ['Can I get a refund for last month?', 'I was charged twice, refund please', 'How long does a refund take?'],
    answers: [
      'I have started a refund of **$49** for your last invoice; it reaches your card within 5–10 business days.',
      'You were charged twice on Nov 3. The second charge of $49 will be refunded within 5 business days.',
      'Refunds reach your card within 5–10 business days of approval.',
    ],
  },
  {
    name: 'account deletion',
    failureCost: 'high',
    autonomy: 'suggest_handoff',
    criterion: 'explains what is deleted and that it cannot be undone',
    weight: 0.1,
    confidenceShift: -0.08,
    qualityShift: -0.05,
    toolFailureRate: 0.02,
    questions: ['How do I delete my account?', 'Delete all my data please', 'What happens to my files if I close my account?'],
    answers: [
      'Settings → Account → Delete account removes your workspace, files and invoices after 30 days. It cannot be undone.',
      'I can start the deletion of your account and all its data; a person from our team will confirm it by email.',
    ],
  },
  {
    name: 'shipping',
    failureCost: 'low',
    autonomy: 'auto',
    criterion: 'gives the tracking link and the expected delivery date',
    weight: 0.24,
    confidenceShift: 0.02,
    qualityShift: 0,
    recentDrop: 0.25,
    toolFailureRate: 0.03,
    questions: ['Where is my order?', 'My hardware key has not arrived', 'Do you ship to Canada?'],
    answers: [
      'Your order shipped on Monday with UPS; track it here: https://ups.example/track/1Z999. Expected on Thursday.',
      'We ship to Canada; delivery takes 5–8 business days.',
    ],
  },
  {
    name: 'password reset',
    failureCost: 'low',
    autonomy: 'auto',
    criterion: 'sends the reset link to the account email',
    weight: 0.2,
    confidenceShift: 0.08,
    qualityShift: 0.04,
    toolFailureRate: 0.01,
    questions: ['I forgot my password', 'The reset link does not work', 'How do I change my password?'],
    answers: [
      'I have sent a reset link to the email on your account; it works for 1 hour.',
      'Settings → Security → Change password. You will be signed out on other devices.',
    ],
  },
  {
    name: 'plan upgrade',
    failureCost: null,
    autonomy: 'auto',
    criterion: null,
    weight: 0.05,
    confidenceShift: 0,
    qualityShift: 0,
    toolFailureRate: 0.01,
    questions: ['How do I upgrade to Pro?', 'What does the Team plan cost?'],
    answers: ['Settings → Billing → Change plan. Pro is $49 a month, billed from today, prorated.'],
  },
];

/** Topics the seed defines (all but the last, which stays undefined). */
export const DEFINED_DEMO_TOPICS = DEMO_TOPICS.slice(0, -1);

/** Texts of a reviewer's edit and of a replacement after a rejection (refunds). */
export const EDITED_REFUND = 'I have started a refund of **$49**; it reaches your card within 5–10 business days (you will get an email when it is sent).';
export const REPLACED_REFUND = 'A colleague from billing will check this charge and email you today; refunds of this kind need a person.';

/**
 * The demo support team (accounts that cannot sign in; they only appear as who decided and resolved).
 * `fastShare`: the share of their approvals made in under a second (Track record's rubber-stamp guard).
 */
export const DEMO_TEAM = [
  { email: 'maya@demo.backstop.local', name: 'Maya', role: 'agent' as const, share: 0.55, fastShare: 0 },
  { email: 'sam@demo.backstop.local', name: 'Sam', role: 'agent' as const, share: 0.45, fastShare: 0.7 },
];

/** Reasons of "Not helpful", drawn with these weights (an action failing is given when the trace has a failed tool). */
export const NEGATIVE_REASONS = ['wrong', 'wrong', 'wrong', 'wrong', 'wrong', 'other', 'other', 'forgot_context', 'ignored_instruction'] as const;
export const NEGATIVE_COMMENTS = ['That is not my date.', 'This did not answer my question.', 'I already told you that.', 'The refund never arrived.', null, null];

/** Releases of the demo agent: the older one until three weeks ago. */
export const OLD_RELEASE = 'support-agent@2026.11.2';
