// @vitest-environment happy-dom
import { signal } from '@preact/signals';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, it, vi } from 'vitest';
import type { ConversationModel } from './conversation-model';
import { ReplyBox } from './ReplyBox';

async function setup(disabledReason: string | null = null) {
  const model = { busy: signal(false), reply: vi.fn(async () => true) };
  const root = document.createElement('div');
  document.body.append(root);
  await act(() => render(<ReplyBox model={model as unknown as ConversationModel} disabledReason={disabledReason} />, root));
  const box = root.querySelector('textarea')!;
  const type = async (text: string) => act(() => {
    box.value = text;
    box.dispatchEvent(new Event('input', { bubbles: true }));
  });
  const key = async (init: KeyboardEventInit) => act(() => void box.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init })));
  return { model, root, box, type, key };
}

describe('ReplyBox', () => {
  it('should send the reply on Enter and clear the box', async () => {
    const { model, box, type, key } = await setup();
    await type('  On its way.  ');
    await key({ key: 'Enter' });
    await act(async () => {});
    expect(model.reply).toHaveBeenCalledWith('On its way.');
    expect(box.value).toBe('');
  });

  it('should not send on Shift+Enter', async () => {
    const { model, type, key } = await setup();
    await type('First line');
    await key({ key: 'Enter', shiftKey: true });
    expect(model.reply).not.toHaveBeenCalled();
  });

  it('should not send an empty reply', async () => {
    const { model, type, key } = await setup();
    await type('   ');
    await key({ key: 'Enter' });
    expect(model.reply).not.toHaveBeenCalled();
  });

  it('should be labelled "Reply", disabled with the reason when the agent may not reply', async () => {
    const { root, box } = await setup('Claim this handoff to reply.');
    expect(root.querySelector(`label[for="${box.id}"]`)?.textContent).toBe('Reply');
    expect(box.disabled).toBe(true);
    expect(root.querySelector(`#${box.getAttribute('aria-describedby')}`)?.textContent).toBe('Claim this handoff to reply.');
    expect([...root.querySelectorAll('button')].find((b) => b.textContent === 'Send reply')?.disabled).toBe(true);
  });
});
