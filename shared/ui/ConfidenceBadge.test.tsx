// @vitest-environment happy-dom
import { signal } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import { CONFIDENCE_DESCRIPTION } from '../confidence';
import { render, type ComponentChild } from 'preact';
import { act } from 'preact/test-utils';
import { ConfidenceBadge } from './ConfidenceBadge';

async function mount(vnode: ComponentChild): Promise<HTMLElement> {
  const scratch = document.createElement('div');
  document.body.append(scratch);
  await act(() => void render(vnode, scratch));
  return scratch;
}

async function settle(): Promise<void> {
  await act(async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
  });
}

const badge = async (confidence: number, thresholds = { high: 0.8, low: 0.5 }) =>
  (await mount(<ConfidenceBadge confidence={confidence} thresholds={signal(thresholds)} />)).querySelector('.badge')!;

describe('ConfidenceBadge', () => {
  it.each([
    [0.95, 'High confidence'],
    [0.8, 'High confidence'],
    [0.79, 'Medium confidence'],
    [0.5, 'Medium confidence'],
    [0.49, 'Low confidence'],
    [0, 'Low confidence'],
  ])('should label %s as %s with the default thresholds', async (confidence, text) => {
    expect((await badge(confidence)).textContent).toBe(text);
  });

  it("should follow the site's own thresholds", async () => {
    expect((await badge(0.7, { high: 0.6, low: 0.3 })).textContent).toBe('High confidence');
    expect((await badge(0.35, { high: 0.9, low: 0.4 })).textContent).toBe('Low confidence');
  });

  it('should describe the level in its title and through aria-describedby', async () => {
    const el = await badge(0.2);
    expect(el.getAttribute('title')).toBe(CONFIDENCE_DESCRIPTION.low);
    const description = el.parentElement?.querySelector(`[id="${el.getAttribute('aria-describedby')}"]`);
    expect(description?.textContent).toBe(CONFIDENCE_DESCRIPTION.low);
  });

  it('should relabel when the thresholds arrive later', async () => {
    const thresholds = signal({ high: 0.8, low: 0.5 });
    const root = await mount(<ConfidenceBadge confidence={0.7} thresholds={thresholds} />);
    thresholds.value = { high: 0.7, low: 0.5 };
    await settle();
    expect(root.querySelector('.badge')?.textContent).toBe('High confidence');
  });
});
