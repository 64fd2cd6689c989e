import { describe, expect, it } from 'vitest';
import { isContactEmail } from './contact-email';
import { escalationSignalSchema } from './schemas';

const inputs = [
  'ada@example.com',
  'a.b+c@mail.example.co.uk',
  "o'brien@example.ie",
  'x@y.io',
  'ada@example',
  'ada@@example.com',
  '.ada@example.com',
  'ada.@example.com',
  'a..b@example.com',
  'ada@-example.com',
  'ada@example.c',
  'ada example@example.com',
  '',
  '@example.com',
  'ada@exa_mple.com',
  `${'a'.repeat(190)}@example.com`,
  `${'a'.repeat(200)}@example.com`,
];

describe('isContactEmail', () => {
  it.each(inputs)('should agree with the server on %j', (input) => {
    const server = escalationSignalSchema.shape.contactEmail.safeParse(input).success;
    expect(isContactEmail(input)).toBe(server);
  });

  it('should accept a plain address and refuse one without a domain', () => {
    expect([isContactEmail('ada@example.com'), isContactEmail('ada@example')]).toEqual([true, false]);
  });
});
