// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { RangeControls } from './RangeControls';
import type { ReviewQuery } from './review-query';

const SITES = [
  { id: 's1', name: 'Shop' },
  { id: 's2', name: 'Docs' },
];
const base: ReviewQuery = { site: 's1', range: '7d', from: null, to: null, filters: { mode: 'tool_failure', topic: 'billing', release: 'r1' } };

async function show(q: ReviewQuery, onChange: (q: ReviewQuery) => void): Promise<HTMLElement> {
  const root = document.createElement('div');
  document.body.append(root);
  await act(() => render(<RangeControls q={q} sites={SITES} onChange={onChange} />, root));
  return root;
}

async function pick(select: HTMLSelectElement, value: string) {
  await act(() => {
    select.value = value;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

describe('RangeControls', () => {
  it("should switch sites without carrying over the old site's topic, release and model", async () => {
    const onChange = vi.fn();
    const root = await show(base, onChange);
    await pick(root.querySelector<HTMLSelectElement>('#review-site')!, 's2');
    expect(onChange).toHaveBeenCalledWith({ ...base, site: 's2', filters: { mode: 'tool_failure' } });
  });

  it('should apply a preset at once, and a custom range only with both days', async () => {
    const onChange = vi.fn();
    const root = await show(base, onChange);
    await pick(root.querySelector<HTMLSelectElement>('#review-range')!, '30d');
    expect(onChange).toHaveBeenLastCalledWith({ ...base, range: '30d', from: null, to: null });

    await pick(root.querySelector<HTMLSelectElement>('#review-range')!, 'custom');
    expect(onChange).toHaveBeenCalledTimes(1);
    const from = root.querySelector<HTMLInputElement>('#review-from')!;
    const to = root.querySelector<HTMLInputElement>('#review-to')!;
    await act(() => {
      from.value = '2026-11-01';
      from.dispatchEvent(new Event('input', { bubbles: true }));
      to.value = '2026-11-03';
      to.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await act(() => void root.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true })));
    expect(onChange).toHaveBeenLastCalledWith({ ...base, range: 'custom', from: '2026-11-01', to: '2026-11-03' });
  });
});
