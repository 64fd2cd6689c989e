/**
 * Redaction of personal data and secrets, before anything is stored or logged: email addresses, phone
 * numbers, payment card numbers, IBANs and secrets (cloud and API keys, tokens, private keys) are
 * replaced by typed placeholders such as `[email]`.
 *
 * Precision matters as much as recall: a support conversation is full of order numbers, dates, times,
 * amounts, ids and versions, and redacting those would make it useless to the people reading it. So
 * every pattern is anchored on what only the real thing has: a Luhn check digit for cards, the mod-97
 * check and the country's length for IBANs (ibantools), the numbering plans of libphonenumber-js (full
 * metadata, which checks the digits and not only the length) for phones, a header that decodes to JSON
 * with `alg` for JWTs. Texts are read once for cheap facts (how many digits, an `@`) so that the costly
 * passes run only where they can match: most chat messages have no `@` and fewer than seven digits.
 */
import { getCountrySpecifications, isValidIBAN } from 'ibantools';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/** The placeholder each kind of value is replaced by. */
export const PLACEHOLDER = { email: '[email]', phone: '[phone]', card: '[card]', iban: '[iban]', secret: '[secret]' } as const;
export type RedactedKind = keyof typeof PLACEHOLDER;

/** The shortest text any pattern can match (`a@b.co`); shorter strings are returned untouched. */
const MIN_LENGTH = 6;

/**
 * Replaces personal data and secrets in a text by placeholders; returns the same string when nothing matched.
 * `keepContacts` keeps email addresses and phone numbers: a support agent's reply legitimately gives the
 * user an address or a number to call, while cards, IBANs and secrets are still removed.
 */
export function redactText(text: string, opts: { keepContacts?: boolean } = {}): string {
  if (text.length < MIN_LENGTH) return text;
  // Secrets first: keys and tokens hold digits and letters the later patterns could take for part of a number.
  let out = SECRET_HINT.test(text) ? text.replace(SECRET, secretReplacer) : text;
  if (!opts.keepContacts && out.includes('@')) out = out.replace(EMAIL, emailReplacer);
  // The number patterns need a run of digits and separators: 7+ characters for phones, 13+ for cards and IBANs.
  if (!DIGIT_RUN.test(out)) return out;
  if (IBAN_HINT.test(out)) out = redactIbans(out);
  if (LONG_DIGIT_RUN.test(out)) out = out.replace(CARD, cardReplacer);
  return opts.keepContacts ? out : out.replace(PHONE, phoneReplacer);
}

/** Cheap necessary conditions (a simple first character lets the regex engine skip ahead). */
const DIGIT_RUN = /\d[\d ().-]{5,}\d/;
const LONG_DIGIT_RUN = /\d[\d -]{11,}\d/;

/**
 * Redacts every string inside a JSON-like value (arrays and plain objects, keys kept); numbers and
 * booleans are kept. Returns the same reference when nothing changed, so callers copy nothing for
 * clean values.
 */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    value.forEach((v, i) => {
      const r = redactDeep(v);
      if (r !== v) (copy ??= value.slice())[i] = r;
    });
    return (copy ?? value) as T;
  }
  if (isPlainObject(value)) {
    let copy: Record<string, unknown> | null = null;
    for (const [k, v] of Object.entries(value)) {
      const r = redactDeep(v);
      if (r !== v) (copy ??= { ...value })[k] = r;
    }
    return (copy ?? value) as T;
  }
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// ---- secrets

/** A cheap test for text that may hold a secret: each alternative is the fixed start of one pattern below. */
const SECRET_HINT = /-----BEGIN|AKIA|ASIA|[sr]k_|gh[pousr]_|github_pat_|e[wy][A-Za-z0-9_-]{8}|[Bb]earer|BEARER|Basic /;

const SECRET = new RegExp(
  [
    // PEM private keys (PKCS#1, PKCS#8, EC, OpenSSH, encrypted); a block cut short is redacted to the end of the text.
    String.raw`-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY-----|$)`,
    // AWS access key ids (long-term and temporary).
    String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
    // Stripe secret and restricted keys, live and test; then this server's own ingest keys (sk_ and 32 characters).
    String.raw`\b[sr]k_(?:live|test)_[0-9A-Za-z]{10,}`,
    String.raw`\bsk_[A-Za-z0-9_-]{24,}`,
    // GitHub tokens: personal, OAuth, user-to-server, server-to-server, refresh; fine-grained personal tokens.
    String.raw`\bgh[pousr]_[A-Za-z0-9]{30,}`,
    String.raw`\bgithub_pat_[A-Za-z0-9_]{20,}`,
    // JWT candidates (three base64url parts, the header starting like base64 of '{'); checked in the replacer.
    String.raw`\be[wy][A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*`,
    // `Bearer <token>` (RFC 6750 token characters) and HTTP Basic credentials; checked in the replacer.
    String.raw`\b(?:Bearer|bearer|BEARER)[ \t]+[A-Za-z0-9\-._~+/]{8,}=*`,
    String.raw`\bBasic [A-Za-z0-9+/]{8,}={0,2}`,
  ].join('|'),
  'g',
);

function secretReplacer(match: string): string {
  if (match.startsWith('ey') || match.startsWith('ew')) return isJwt(match) ? PLACEHOLDER.secret : match;
  if (/^bearer/i.test(match)) {
    // "the bearer instrument" is prose: real tokens carry digits or are long.
    const token = match.slice(6).trim();
    return /\d/.test(token) || token.length >= 24 ? `${match.slice(0, 6)} ${PLACEHOLDER.secret}` : match;
  }
  if (match.startsWith('Basic ')) return isBasicCredential(match.slice(6)) ? `Basic ${PLACEHOLDER.secret}` : match;
  return PLACEHOLDER.secret;
}

/** A JWT's header is base64url of a JSON object naming its algorithm. */
function isJwt(candidate: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(candidate.slice(0, candidate.indexOf('.')), 'base64url').toString('utf8'));
    return isPlainObject(header) && typeof header.alg === 'string';
  } catch {
    return false;
  }
}

/** Basic credentials are base64 of `user:password`. */
function isBasicCredential(encoded: string): boolean {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  return decoded.includes(':') && !/[\u0000-\u001f\ufffd]/.test(decoded);
}

// ---- email addresses

const EMAIL = /[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;
/** `icon@2x.png`: retina image names look like addresses. */
const IMAGE_NAME = /@\d(?:\.\d)?x\.(?:png|jpe?g|gif|webp|svg|avif)$/i;

function emailReplacer(match: string): string {
  return IMAGE_NAME.test(match) ? match : PLACEHOLDER.email;
}

// ---- IBANs

/** IBANs start with a country code and check digits, and hold a run of digits (DIGIT_RUN) somewhere. */
const IBAN_HINT = /[A-Za-z]{2}\d{2}/;
/** Where an IBAN may start: a country code and two check digits, not inside a word. */
const IBAN_START = /(?<![\p{L}\p{N}])[A-Za-z]{2}\d{2}/gu;
const IBAN_LENGTH: Record<string, number> = Object.fromEntries(
  Object.entries(getCountrySpecifications())
    .filter(([, spec]) => typeof spec.chars === 'number')
    .map(([code, spec]) => [code, spec.chars as number]),
);

/**
 * IBANs, electronic (`DE89370400440532013000`) or printed in groups (`DE89 3704 0044 0532 0130 00`):
 * exactly the country's length, mod-97 valid. The length comes from the country, so the words after
 * an IBAN are never taken for part of it.
 */
function redactIbans(text: string): string {
  let out = '';
  let last = 0;
  IBAN_START.lastIndex = 0;
  for (let m = IBAN_START.exec(text); m; m = IBAN_START.exec(text)) {
    const length = IBAN_LENGTH[m[0].slice(0, 2).toUpperCase()];
    if (!length) continue;
    let chars = '';
    let i = m.index;
    while (i < text.length && chars.length < length) {
      const c = text[i]!;
      if (/[A-Za-z0-9]/.test(c)) chars += c;
      else if (!(c === ' ' && chars.length > 0 && /[A-Za-z0-9]/.test(text[i + 1] ?? ''))) break;
      i++;
    }
    if (chars.length !== length || /[\p{L}\p{N}]/u.test(text[i] ?? '') || !isValidIBAN(chars.toUpperCase())) continue;
    out += text.slice(last, m.index) + PLACEHOLDER.iban;
    last = i;
    IBAN_START.lastIndex = i;
  }
  return last === 0 ? text : out + text.slice(last);
}

// ---- payment cards

/**
 * 13 to 19 digits, in groups separated by single spaces or dashes, starting with a card network's first
 * digit (2 to 6: Mastercard, Amex, Diners, JCB, Visa, Discover, UnionPay, Maestro), not glued to an
 * identifier (`#`, `-`, letters) or to more digits. Epoch-millisecond times start with 1 and are not taken.
 */
const CARD = /(?<![\p{L}\p{N}_#.,/-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\p{L}\p{N}_]|[.,-]\d)/gu;

function cardReplacer(match: string): string {
  // The longest Luhn-valid prefix that ends at a group boundary: "4111 1111 1111 1111 12" is a card and a number.
  const ends = [match.length];
  for (let i = match.length - 1; i > 0; i--) if (match[i] === ' ' || match[i] === '-') ends.push(i);
  for (const end of ends) {
    const digits = match.slice(0, end).replace(/\D/g, '');
    if (digits.length < 13) break;
    if (digits.length <= 19 && luhnValid(digits)) return PLACEHOLDER.card + match.slice(end);
  }
  return match;
}

/** The Luhn (mod 10) check every payment card number satisfies. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

// ---- phone numbers

/**
 * A run of 7 to 17 digits in phone notation: an optional `+`, single separators (space, dot, dash) and
 * an area code in parentheses; not glued to identifiers (`ORD-2024-000123`, `#100234`, paths, versions,
 * amounts with decimals). Each run is then judged by `isPhone`.
 */
const PHONE =
  /(?<![\p{L}\p{N}_#@/\\.,:+-])\+?\s?(?:\(\d{1,5}\)\s?)?\d(?:[ .-]?(?:\(\d{1,4}\)\s?)?\d){6,16}(?![\p{L}\p{N}_@/\\]|[.,:-]\p{N})/gu;
/** Countries whose national numbers start with a trunk 0, tried in turn for `0…` numbers. */
const TRUNK_ZERO: CountryCode[] = ['GB', 'DE', 'FR', 'NL', 'BE', 'CH', 'AT', 'IE', 'IT', 'SE', 'FI', 'AU', 'NZ', 'IN', 'ZA', 'JP'];
/** North American layouts: (415) 555-2671, 415-555-2671, 415.555.2671, 1 415 555 2671. */
const NANP = /^(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?\d{3}|\d{3}[ .-]\d{3})[ .-]\d{4}$/;
/** Dates (2026-03-01, 01.03.2026, 01 03 2026) and IPv4 addresses, which the digit run also matches. */
const DATE_OR_IP = /^(?:\d{1,4}([ .-])\d{1,2}\1\d{1,4}|\d{1,3}(?:\.\d{1,3}){3})$/;
/** Words that make a bare digit run (no separators) a phone number: without them it is an id. */
const PHONE_CONTEXT = /\b(?:phone|tel|telephone|call|mobile|cell|whats ?app|sms|text me|fax|ring|my number|number is|reach me|contact me|telefon|handy|t[ée]l[ée]phone|portable|m[óo]vil)\b/i;

function phoneReplacer(match: string, offset: number, text: string): string {
  const candidate = match.trim();
  if (isPhone(candidate, text, offset)) return match.replace(candidate, PLACEHOLDER.phone);
  // "020 7946 0958 2 times": a trailing group that is not part of the number.
  const cut = candidate.replace(/[ .-]\d+$/, '');
  if (cut !== candidate && isPhone(cut, text, offset)) return match.replace(cut, PLACEHOLDER.phone);
  return match;
}

function isPhone(candidate: string, text: string, offset: number): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return false;
  // International notation is a phone number whenever the country's numbering plan allows its length.
  if (candidate.startsWith('+')) return parsePhoneNumberFromString(candidate)?.isPossible() ?? false;
  if (digits.startsWith('00')) return digits.length >= 10 && (parsePhoneNumberFromString(`+${digits.slice(2)}`)?.isPossible() ?? false);
  if (DATE_OR_IP.test(candidate)) return false;
  const bare = !/[ .()-]/.test(candidate);
  if (bare && !PHONE_CONTEXT.test(text.slice(Math.max(0, offset - 40), offset))) return false;
  if (NANP.test(candidate)) return parsePhoneNumberFromString(candidate, 'US')?.isPossible() ?? false;
  if (digits.startsWith('0')) return TRUNK_ZERO.some((country) => parsePhoneNumberFromString(candidate, country)?.isValid() ?? false);
  // Bare ten digits after "call me" etc.: a North American number if its area code and exchange exist.
  return bare && parsePhoneNumberFromString(candidate, 'US')?.isValid() === true;
}
