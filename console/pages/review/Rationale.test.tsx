// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, it } from 'vitest';
import { Rationale } from './Rationale';

describe('Rationale', () => {
  it('should show a quoted tool name as code and keep quoted user text inert', async () => {
    const root = document.createElement('div');
    await act(() => render(<Rationale text={'tool `refund.create` failed; user comment: <img src=x onerror="alert(1)">'} />, root));
    expect(root.querySelector('code')?.textContent).toBe('refund.create');
    expect(root.querySelector('img')).toBeNull();
    expect(root.textContent).toContain('<img src=x onerror="alert(1)">');
  });
});
