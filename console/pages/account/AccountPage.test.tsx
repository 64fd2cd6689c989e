// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { newPasswordProblem } from './AccountPage';

describe('the password change form', () => {
  it.each([
    ['', 'a-new-long-password', 'a-new-long-password', 'Enter your current password.'],
    ['old-password-1', 'short', 'short', 'The new password must be at least 12 characters.'],
    ['same-password-1', 'same-password-1', 'same-password-1', 'The new password must differ from the current one.'],
    ['old-password-1', 'a-new-long-password', 'a-new-long-passw0rd', 'The two new passwords differ.'],
    ['old-password-1', 'a-new-long-password', 'a-new-long-password', null],
  ])('should say what is wrong before asking the server (%#)', (current, next, repeat, problem) => {
    expect(newPasswordProblem(current, next, repeat)).toBe(problem);
  });
});
