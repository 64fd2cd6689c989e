/**
 * Prompt-injection patterns looked for in what the user sent the agent. Each is narrow on purpose: a false
 * "adversarial input" hides the real failure, so every pattern has near-miss tests (injection-patterns.test.ts)
 * of ordinary support questions that share its words ("ignore the previous invoice", "show me the system
 * requirements", "act as my guarantor").
 *
 * | id                    | catches                                                                 |
 * |-----------------------|-------------------------------------------------------------------------|
 * | ignore_instructions   | "ignore / disregard / forget / override (all) previous instructions"    |
 * | reveal_system_prompt  | "reveal / print / repeat … your system prompt / initial instructions"   |
 * | role_play_jailbreak   | "you are now DAN", "pretend you have no restrictions", "act as … unfiltered" |
 * | developer_mode        | "enable developer mode", "enter jailbreak mode"                         |
 * | new_instructions      | "your new instructions are …", "from now on you will ignore …"          |
 * | bypass_safety         | "bypass / disable your safety filters / content policy" (the agent's own: "your") |
 * | chat_template_markup  | chat-template tokens pasted into a message: `<|im_start|>`, `[INST]`, `<system>` |
 */

export interface InjectionPattern {
  id: string;
  /** What the rationale calls it. */
  label: string;
  regex: RegExp;
}

export const INJECTION_PATTERNS: readonly InjectionPattern[] = [
  {
    id: 'ignore_instructions',
    label: 'an instruction to ignore previous instructions',
    regex: /\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding|system|original)\s+(?:instructions|prompts?|rules|directions|guidelines)\b/i,
  },
  {
    id: 'reveal_system_prompt',
    label: 'a request to reveal the system prompt',
    regex: /\b(?:reveal|show|print|repeat|output|leak|display|tell\s+me|give\s+me|what\s+(?:is|are|was|were))\b[^.?!\n]{0,30}?\b(?:your|the)\s+(?:system\s+prompt|initial\s+instructions|hidden\s+instructions|original\s+instructions|instructions\s+above|prompt\s+above)\b/i,
  },
  {
    id: 'role_play_jailbreak',
    label: 'a role-play jailbreak',
    regex:
      /\b(?:you\s+are\s+now|pretend\s+(?:to\s+be|you\s+are|you\s+have)|act\s+as|role-?play\s+as|imagine\s+you\s+are)\b[^.?!\n]{0,40}?(?:\bDAN\b|\bjailbroken\b|\bunrestricted\b|\bunfiltered\b|\bno\s+(?:rules|restrictions|limits|filters|guidelines)\b|\bwithout\s+(?:any\s+)?(?:rules|restrictions|limits|filters|guidelines)\b)/i,
  },
  { id: 'developer_mode', label: 'a request to enter developer mode', regex: /\b(?:enable|enter|activate|switch\s+to)\s+(?:developer|dev|god|jailbreak|DAN)\s+mode\b/i },
  {
    id: 'new_instructions',
    label: 'replacement instructions',
    regex: /\byour\s+new\s+(?:instructions|rules|task)\s+(?:are|is|:)|\bfrom\s+now\s+on,?\s+you\s+(?:will|must|shall|are\s+to)\s+(?:ignore|disregard|not\s+follow|only\s+obey|answer\s+without)\b/i,
  },
  {
    id: 'bypass_safety',
    label: 'a request to bypass safety rules',
    regex: /\b(?:bypass|disable|turn\s+off|ignore|circumvent)\s+(?:all\s+(?:of\s+)?)?your\s+(?:own\s+)?(?:safety|content|moderation)\s+(?:filters?|guidelines|rules|policy|policies|restrictions)\b/i,
  },
  { id: 'chat_template_markup', label: 'chat-template markup', regex: /<\|im_(?:start|end)\|>|\[\/?INST\]|<\/?\s*system\s*>/i },
];

export interface InjectionMatch {
  pattern: InjectionPattern;
  /** The matched text, trimmed to a quotable length. */
  excerpt: string;
}

const EXCERPT_MAX = 60;

/** The first injection pattern the text matches, or null. */
export function findInjection(text: string): InjectionMatch | null {
  for (const pattern of INJECTION_PATTERNS) {
    const m = pattern.regex.exec(text);
    if (m) {
      const raw = m[0].replace(/\s+/g, ' ').trim();
      return { pattern, excerpt: raw.length > EXCERPT_MAX ? `${raw.slice(0, EXCERPT_MAX - 1)}…` : raw };
    }
  }
  return null;
}
