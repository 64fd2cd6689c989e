/**
 * A deterministic mock agent for the demo: the words of a message pick a scenario, one per failure mode
 * of the reliability gap plus a good path, so a tester can make each badge and handoff appear on demand.
 * Only the ids are random; the scenario and the text depend on the message, the turn and the date alone.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AgentAnswer } from '../shared/agent-answer';
import { DEMO_ACCOUNT, nextBillDate } from './account';

export type ScenarioId =
  | 'greeting'
  | 'billing'
  | 'uncertain'
  | 'tool_timeout'
  | 'drift'
  | 'ignored_instruction'
  | 'injection'
  | 'broken_answer'
  | 'agent_error';

export interface AgentInput {
  conversationId: string;
  message: string;
  /** 1-based number of this user message in its conversation. */
  turn: number;
  /** Clock for the dates in answers; defaults to now. */
  now?: Date;
}

export interface AgentReply {
  scenario: ScenarioId;
  /** Invalid on purpose for `broken_answer`; not sent for `agent_error`. */
  answer: AgentAnswer;
  /** How long the agent "thinks" before answering. */
  delayMs: number;
  /** 500 for `agent_error`, so a tester can see how the widget handles a failing agent. */
  httpStatus: 200 | 500;
}

/** From this turn on, a conversation is long enough for the agent to drift. */
export const DRIFT_FROM_TURN = 6;

/** Matches any of the phrases as whole words; `'` in phrases also matches a typographic apostrophe. */
const phrases = (...list: string[]): RegExp =>
  new RegExp(`\\b(?:${list.map((p) => p.replace(/'/g, "['’]").replace(/ /g, '\\s+')).join('|')})\\b`, 'i');

const KEYWORDS = {
  agentError: phrases('agent error'),
  brokenAnswer: phrases('broken answer'),
  injection: phrases(
    'ignore (?:all )?(?:previous|prior|above) instructions',
    'system prompt',
    'you are now',
    'developer mode',
    'jailbreak',
  ),
  drift: phrases('remember', 'earlier'),
  refund: phrases('refund\\w*'),
  instruction: phrases('in one sentence', 'only yes or no', 'yes or no', 'in french', "don't", 'dont', 'do not', 'without'),
  billing: phrases('bill', 'bills', 'billing', 'billed', 'invoice date', 'billing date', 'next bill'),
  tax: phrases('tax\\w*', 'vat'),
  compliance: phrases('gdpr', 'legal\\w*', 'compliance', 'compliant', 'law', 'lawyer', 'contract', 'dpa', 'hipaa', 'soc 2'),
  greeting: phrases('hi', 'hello', 'hey', 'good (?:morning|afternoon|evening)'),
};

/**
 * Picks the scenario for a message. Order matters: the test hooks and injection win over everything, so
 * a tester can always reach them; drift wins over ordinary questions once a conversation is long.
 */
export function pickScenario(message: string, turn: number): ScenarioId {
  if (KEYWORDS.agentError.test(message)) return 'agent_error';
  if (KEYWORDS.brokenAnswer.test(message)) return 'broken_answer';
  if (KEYWORDS.injection.test(message)) return 'injection';
  if (turn >= DRIFT_FROM_TURN || KEYWORDS.drift.test(message)) return 'drift';
  if (KEYWORDS.refund.test(message)) return 'tool_timeout';
  if (KEYWORDS.instruction.test(message)) return 'ignored_instruction';
  if (KEYWORDS.billing.test(message)) return 'billing';
  if (KEYWORDS.greeting.test(message)) return 'greeting';
  return 'uncertain';
}

const DOCS = 'https://docs.acme-cloud.example';

type Draft = Omit<AgentAnswer, 'id' | 'traceId' | 'spanId'> & { delayMs: number };

function billing(now: Date): Draft {
  const a = DEMO_ACCOUNT;
  return {
    text: [
      `Your next bill is on **${nextBillDate(now)}**.`,
      '',
      'It will include:',
      `- your ${a.plan} plan, ${a.monthlyPrice} for the month`,
      '- any usage above the bandwidth your plan includes',
      '- VAT, where it applies to your billing address',
      '',
      `It will be charged to your ${a.paymentMethod}.`,
    ].join('\n'),
    confidence: 0.92,
    topic: 'billing',
    sources: [
      { title: 'How billing dates work', url: `${DOCS}/billing/billing-dates` },
      { title: 'Invoices and receipts', url: `${DOCS}/billing/invoices` },
    ],
    delayMs: 700,
  };
}

function uncertain(message: string): Draft {
  const base = { confidence: 0.3, delayMs: 900 };
  if (KEYWORDS.tax.test(message))
    return {
      ...base,
      topic: 'tax',
      text:
        "I'm not completely sure, but I think VAT is probably added based on your billing address, and it might be " +
        'possible to remove it by entering a valid VAT ID. Rules differ from country to country, so I may be wrong ' +
        'about yours. It would be safer to check with a person before relying on this.',
    };
  if (KEYWORDS.compliance.test(message))
    return {
      ...base,
      topic: 'compliance',
      text:
        'I might be wrong here. As far as I know, Acme Cloud may offer a data processing agreement, but I cannot ' +
        'confirm what it covers or whether it meets your legal obligations. For anything legal or compliance-related, ' +
        'please check with a person.',
    };
  return {
    ...base,
    topic: 'general',
    text:
      "I'm not sure I understood that, and I'd rather not guess. I can probably help with bills, invoices, refunds " +
      'and your plan, or you can talk to a person.',
  };
}

const DRAFTS: Record<Exclude<ScenarioId, 'billing' | 'uncertain'>, Draft> = {
  greeting: {
    text: "Hi! I'm the Acme Cloud assistant. I can help with bills, invoices, refunds and your plan. What would you like to know?",
    confidence: 0.95,
    topic: 'greeting',
    delayMs: 300,
  },
  tool_timeout: {
    text: [
      `I tried to refund invoice **${DEMO_ACCOUNT.lastInvoice}** (${DEMO_ACCOUNT.lastInvoiceAmount}), but the payments tool ` +
        'timed out, so **the refund was not completed** and no money has moved.',
      '',
      'You can:',
      '- try again in a few minutes, or',
      '- ask a person to finish the refund for you.',
    ].join('\n'),
    confidence: 0.55,
    topic: 'refunds',
    delayMs: 1500,
  },
  drift: {
    // Contradicts DEMO_ACCOUNT (Pro plan, $49.00) with full confidence: the context-drift failure.
    text:
      `As you mentioned earlier, you're on the **${DEMO_ACCOUNT.wrongPlan}** plan, so you pay $19.00 a month and ` +
      'can run one server. If you need more, upgrading to Pro takes effect immediately.',
    confidence: 0.85,
    topic: 'account',
    delayMs: 600,
  },
  ignored_instruction: {
    // Long on purpose, whatever constraint the user asked for: the instruction-following failure.
    text: [
      'Great question! Let me walk you through everything about how billing works at Acme Cloud, so you have the full picture.',
      `Every account is billed monthly in advance for its plan. Your ${DEMO_ACCOUNT.plan} plan costs ${DEMO_ACCOUNT.monthlyPrice} a month, ` +
        'and the charge is taken on the 1st of each month from your default payment method. If you change plans in the middle ' +
        'of a month, the difference is prorated to the day and appears on your next invoice.',
      'Usage is billed in arrears. Bandwidth above what your plan includes, extra backups and additional IP addresses are ' +
        'metered through the month and added to the following invoice, so that invoice can be a little higher than the plan price.',
      'Invoices are emailed to the billing contact and are always available under Billing → Invoices, where you can also ' +
        'download receipts, update your billing address and add a VAT ID.',
      'I hope this helps! Let me know if there is anything else you would like to know about billing, plans or your account.',
    ].join('\n\n'),
    confidence: 0.8,
    topic: 'instructions',
    delayMs: 1200,
  },
  injection: {
    text:
      "Sorry, I can't do that. I won't share my internal instructions or change how I work, but I'm happy to help " +
      'with your Acme Cloud billing or account. What do you need?',
    confidence: 0.4,
    topic: 'security',
    delayMs: 500,
  },
  broken_answer: {
    text: 'This answer is invalid on purpose: its confidence is 7, outside 0..1.',
    confidence: 7,
    topic: 'test',
    delayMs: 300,
  },
  agent_error: {
    text: 'The demo agent failed on purpose.',
    confidence: 0,
    topic: 'test',
    delayMs: 300,
  },
};

/** A W3C trace-context id: `bytes` random bytes as lowercase hex, never all zeros (which the spec forbids). */
function traceContextId(bytes: number): string {
  for (;;) {
    const hex = randomBytes(bytes).toString('hex');
    if (/[^0]/.test(hex)) return hex;
  }
}

/** Answers a message as the mock agent would, with fresh ids on every call. */
export function replyTo(input: AgentInput): AgentReply {
  const scenario = pickScenario(input.message, input.turn);
  const draft =
    scenario === 'billing' ? billing(input.now ?? new Date()) : scenario === 'uncertain' ? uncertain(input.message) : DRAFTS[scenario];
  const { delayMs, ...rest } = draft;
  const answer: AgentAnswer = { id: randomUUID(), ...rest, traceId: traceContextId(16), spanId: traceContextId(8) };
  if (rest.sources) answer.sources = rest.sources.map((s) => ({ ...s }));
  return { scenario, answer, delayMs, httpStatus: scenario === 'agent_error' ? 500 : 200 };
}
