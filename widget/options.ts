/** The options of `Backstop('init', …)`, checked by hand (no zod in the bundle). */
import type { AgentFn } from './agent';
import { warn } from './warn';

export interface InitOptions {
  /** Public site key (`pk_…`); defaults to the script tag's `data-site-key`. */
  siteKey: string;
  /** Backstop server; defaults to the origin the script was loaded from. */
  apiUrl?: string;
  /** Chat mode: the host's agent. Takes precedence over `agentUrl`. */
  agent?: AgentFn;
  /** Chat mode: a URL answering POST `{ conversationId, message }` with an AgentAnswer. */
  agentUrl?: string;
  /** Hex colour of the launcher, header and user bubbles; overrides the site policy. */
  primaryColor?: string;
  position?: 'left' | 'right';
  /** Panel title; overrides the site policy. */
  title?: string;
  /** First line shown in the panel; overrides the site policy. */
  greeting?: string;
}

const isHttpUrl = (v: unknown): boolean => {
  try {
    return typeof v === 'string' && /^https?:$/.test(new URL(v, location.href).protocol);
  } catch {
    return false;
  }
};
const isText = (max: number, min = 0) => (v: unknown) => typeof v === 'string' && v.length >= min && v.length <= max;

const RULES: { [K in keyof InitOptions]-?: [(v: unknown) => boolean, string] } = {
  siteKey: [(v) => typeof v === 'string' && /^pk_[\w-]{8,64}$/.test(v), 'must be a public site key starting with pk_'],
  apiUrl: [isHttpUrl, 'must be an http(s) URL'],
  agent: [(v) => typeof v === 'function', 'must be a function (message, context) => AgentAnswer or a promise of one'],
  agentUrl: [isHttpUrl, 'must be an http(s) URL, absolute or relative to the page'],
  primaryColor: [(v) => typeof v === 'string' && /^#[0-9a-f]{3,8}$/i.test(v), 'must be a hex colour like #2563eb'],
  position: [(v) => v === 'left' || v === 'right', "must be 'left' or 'right'"],
  title: [isText(80, 1), 'must be a string of 1 to 80 characters'],
  greeting: [isText(500), 'must be a string of at most 500 characters'],
};

/** Option names that can also come from the script tag, as `data-site-key`, `data-agent-url`, … */
export const SCRIPT_OPTIONS = ['siteKey', 'apiUrl', 'agentUrl', 'primaryColor', 'position', 'title', 'greeting'] as const;

/**
 * The valid options in `value`. Each bad or unknown field is left out with one warning naming it, so a typo
 * in one option never costs the whole widget.
 */
export function checkOptions(value: unknown, source: string): Partial<InitOptions> {
  if (typeof value !== 'object' || value === null) {
    warn(`${source} expects an options object like { siteKey: 'pk_…' }; got ${value === null ? 'null' : typeof value}.`);
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const [field, v] of Object.entries(value)) {
    // Own fields only: `constructor`, `toString`, `__proto__`… are found on every plain object.
    const rule = Object.prototype.hasOwnProperty.call(RULES, field) ? RULES[field as keyof InitOptions] : undefined;
    if (v === undefined) continue;
    if (!rule) warn(`${source}: unknown option '${field}' was ignored.`);
    else if (!rule[0](v)) warn(`${source}: option '${field}' ${rule[1]}; it was ignored.`);
    else out[field] = v;
  }
  return out;
}
