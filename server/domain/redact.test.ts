import { describe, expect, it } from 'vitest';
import { luhnValid, redactDeep, redactText } from './redact';

// A JWT as jose or jsonwebtoken writes it: {"alg":"HS256","typ":"JWT"}.{"sub":"1234567890",...}.signature
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const PEM = ['-----BEGIN PRIVATE KEY-----', 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7', 'c2VjcmV0IGtleSBtYXRlcmlhbA==', '-----END PRIVATE KEY-----'].join('\n');

/** [what, input, expected output]: each pattern's positives. */
const positives: [string, string, string][] = [
  ['an email address', 'Write to jane.doe+shop@example.co.uk today', 'Write to [email] today'],
  ['an email address with Unicode', 'mail: zoë@exämple.de', 'mail: [email]'],
  ['an email in a mailto link', '[mail us](mailto:help@shop.example.com)', '[mail us](mailto:[email])'],
  ['an international phone number', 'Call me at +44 20 7946 0958 please', 'Call me at [phone] please'],
  ['an international phone number with dashes', 'US: +1-415-555-2671.', 'US: [phone].'],
  ['an international phone number with (0)', 'Tel +44 (0)20 7946 0958', 'Tel [phone]'],
  ['a phone number with 00 prefix', 'ring 0049 30 901820', 'ring [phone]'],
  ['a French mobile in national format', 'mon portable: 06 12 34 56 78', 'mon portable: [phone]'],
  ['a London number in national format', 'ring 020 7946 0958 after 5pm', 'ring [phone] after 5pm'],
  ['a German number in national format', 'Festnetz 030 901820', 'Festnetz [phone]'],
  ['a US number with parentheses', 'my number is (415) 555-2671', 'my number is [phone]'],
  ['a US number with dots', 'call 415.555.2671', 'call [phone]'],
  ['a bare US number after "call me"', 'call me on 4155552671', 'call me on [phone]'],
  ['a phone number followed by a count', 'ring 020 7946 0958 2 times', 'ring [phone] 2 times'],
  ['a Visa number with spaces', 'card 4111 1111 1111 1111 exp 12/29', 'card [card] exp 12/29'],
  ['a Visa number without separators', 'pay with 4242424242424242', 'pay with [card]'],
  ['a Mastercard number with dashes', '5555-5555-5555-4444', '[card]'],
  ['an Amex number (15 digits)', 'amex 3782 822463 10005', 'amex [card]'],
  ['a card followed by more digits', '4111 1111 1111 1111 12', '[card] 12'],
  ['an IBAN, electronic', 'IBAN DE89370400440532013000 please', 'IBAN [iban] please'],
  ['an IBAN in groups', 'to DE89 3704 0044 0532 0130 00 AND THEN', 'to [iban] AND THEN'],
  ['a British IBAN with letters', 'GB82 WEST 1234 5698 7654 32', '[iban]'],
  ['an IBAN in lower case', 'fr14 2004 1010 0505 0001 3m02 606', '[iban]'],
  ['an AWS access key id', 'key AKIAIOSFODNN7EXAMPLE in the config', 'key [secret] in the config'],
  ['an AWS temporary key id', 'ASIAY34FZKBOKMUTVV7A', '[secret]'],
  ['a Stripe live secret key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', '[secret]'],
  ['a Stripe test key', 'use sk_test_4eC39HqLyjWDarjtT1zdp7dc', 'use [secret]'],
  ['a Stripe restricted key', 'rk_live_51H8abcdEFGHijklMNOP', '[secret]'],
  ['a GitHub personal token', 'token ghp_16C7e42F292c6912E7710c838347Ae178B4a done', 'token [secret] done'],
  ['a GitHub OAuth token', 'gho_16C7e42F292c6912E7710c838347Ae178B4a', '[secret]'],
  ['a GitHub app token', 'ghs_16C7e42F292c6912E7710c838347Ae178B4a', '[secret]'],
  ['a GitHub fine-grained token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEF', '[secret]'],
  ['a JWT', `id_token=${JWT}`, 'id_token=[secret]'],
  ['a bearer token', 'Authorization: Bearer abc123def456ghi789', 'Authorization: Bearer [secret]'],
  ['a bearer JWT', `Bearer ${JWT}`, 'Bearer [secret]'],
  ['Basic credentials', 'Authorization: Basic dXNlcjpodW50ZXIy', 'Authorization: Basic [secret]'],
  ['a PEM private key block', `here:\n${PEM}\nthanks`, 'here:\n[secret]\nthanks'],
  ['an RSA private key cut short', '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA', '[secret]'],
  ['this server\'s ingest key', 'sk_Zq3b8Jf0sXv5T2kLmN9pQr4Wy7Uc1aHd', '[secret]'],
  ['several kinds at once', 'I am jo@x.io, +33 6 12 34 56 78, card 4111111111111111', 'I am [email], [phone], card [card]'],
];

/** Texts that must come back unchanged: what support conversations and traces are full of. */
const nearMisses: [string, string][] = [
  ['an order number with #', 'Where is order #100234?'],
  ['an order id with dashes', 'Order ORD-2024-000123 is late'],
  ['an invoice number', 'invoice 2024-000123 and INV-55512345678'],
  ['an ISO date', 'delivered on 2026-03-01'],
  ['a European date', 'delivered on 01/03/2026 or 01.03.2026'],
  ['a date and time', '2026-03-01T12:30:45Z and 12:30:45'],
  ['a time range', 'open 09:00–17:30, Mon–Fri'],
  ['an amount', 'you were charged $1,234.56 (€1.234,56)'],
  ['a large amount with spaces', 'total 1 234 567,89 EUR'],
  ['a UUID', 'conversation 550e8400-e29b-41d4-a716-446655440000'],
  ['a trace id', 'trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7'],
  ['version numbers', 'upgrade from 1.2.3 to 10.4.0 (build 2024.11.28)'],
  ['a model name with a date', 'gpt-4o-2024-08-06 and claude-3-5-sonnet-20241022'],
  ['an IP address', 'from 192.168.100.200'],
  ['an epoch time in milliseconds', 'at 1733392904000'],
  ['a 16-digit number failing Luhn', 'ref 4111 1111 1111 1112'],
  ['a bare 16-digit id failing Luhn', 'tracking 4000123412341235'],
  ['an invalid IBAN (bad check digits)', 'DE88 3704 0044 0532 0130 00'],
  ['an IBAN-like code of the wrong length', 'DE89 3704 0044 0532'],
  ['a bare order number after "order number"', 'order number 12345678'],
  ['a bare number without phone words', 'reference 4155552671'],
  ['a social handle', 'ping @jane_doe on the forum'],
  ['a retina image name', 'logo@2x.png'],
  ['an npm scope', 'install @backstop/widget@1.2.3'],
  ['prose with "bearer"', 'The bearer instrument is payable to whoever holds it.'],
  ['a public site key', 'pk_Zq3b8Jf0sXv5T2kLmN9pQr4W'],
  ['a word starting like a JWT', 'eyebrows.are.nice and ewer.jugs.too'],
  ['a dotted non-JWT', 'eyJub3QganNvbg.eyJhIjoxfQ.sig'],
  ['a percentage and counts', '99.95% of 1,000,000 requests in 12 ms'],
  ['a short number', 'room 1234, extension 5678'],
  ['a tracking number', '1Z999AA10123456784'],
  ['an ISBN', 'ISBN 978-3-16-148410-0'],
];

describe('redactText', () => {
  it.each(positives)('should redact %s', (_what, input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it.each(nearMisses)('should keep %s', (_what, input) => {
    expect(redactText(input)).toBe(input);
  });

  it('should return the same string when nothing matched', () => {
    const text = 'When is my next bill?';
    expect(redactText(text)).toBe(text);
  });

  it('should be idempotent', () => {
    for (const [, input] of positives) expect(redactText(redactText(input))).toBe(redactText(input));
  });
});

describe('luhnValid', () => {
  it.each([
    ['4111111111111111', true],
    ['378282246310005', true],
    ['4111111111111112', false],
    ['1234567812345678', false],
  ])('should say %s is %s', (digits, valid) => {
    expect(luhnValid(digits)).toBe(valid);
  });
});

describe('redactDeep', () => {
  it('should redact strings in arrays and objects and keep keys, numbers and booleans', () => {
    const value = { 'user.email': 'jo@x.io', n: 4111111111111111, ok: true, list: ['fine', 'AKIAIOSFODNN7EXAMPLE'], nested: { 'a@b.co': 'x' } };
    expect(redactDeep(value)).toEqual({ 'user.email': '[email]', n: 4111111111111111, ok: true, list: ['fine', '[secret]'], nested: { 'a@b.co': 'x' } });
  });

  it('should return the same object when nothing changed', () => {
    const value = { model: 'gpt-4o-mini', tokens: 12, tags: ['a', 'b'] };
    expect(redactDeep(value)).toBe(value);
  });
});

describe('redactText with keepContacts (staff replies)', () => {
  it('should keep emails and phone numbers but remove cards, IBANs and secrets', () => {
    expect(redactText('Write to billing@acme.example or call +44 20 7946 0958; card 4111 1111 1111 1111, key AKIAIOSFODNN7EXAMPLE', { keepContacts: true })).toBe(
      'Write to billing@acme.example or call +44 20 7946 0958; card [card], key [secret]',
    );
  });
});
