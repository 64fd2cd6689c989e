// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { FeedbackSignal } from '../../shared/schemas';
import { FeedbackModel } from '../models/feedback';
import { button, click, conversation, fakeOutbox, mount, settle, typeInto, withText } from '../test-utils';
import { FeedbackControls } from './FeedbackControls';

const MESSAGE_ID = '22222222-2222-4222-8222-222222222222';
const THANKS = 'Thanks — this helps us improve.';

async function setup(outbox = fakeOutbox()) {
  const model = new FeedbackModel({ messageId: MESSAGE_ID, conversation, outbox });
  const root = await mount(<FeedbackControls model={model} />);
  return { root, outbox, sent: () => outbox.added as FeedbackSignal[] };
}

describe('FeedbackControls', () => {
  it('should offer Helpful and Not helpful, neither pressed', async () => {
    const { root } = await setup();
    expect(button(root, 'Helpful')?.getAttribute('aria-pressed')).toBe('false');
    expect(button(root, 'Not helpful')?.getAttribute('aria-pressed')).toBe('false');
  });

  it('should send a +1 feedback signal when Helpful is pressed and show thanks', async () => {
    const { root, sent } = await setup();
    await click(button(root, 'Helpful'));
    expect(button(root, 'Helpful')?.getAttribute('aria-pressed')).toBe('true');
    expect(sent()).toHaveLength(1);
    expect(sent()[0]).toMatchObject({ kind: 'feedback', messageId: MESSAGE_ID, rating: 1, reasons: [], conversationId: conversation.id });
    expect(withText(root, THANKS)).toHaveLength(1);
  });

  it('should reveal the reason chips and comment box when Not helpful is pressed, sending nothing yet', async () => {
    const { root, sent } = await setup();
    await click(button(root, 'Not helpful'));
    expect(button(root, 'Not helpful')?.getAttribute('aria-pressed')).toBe('true');
    for (const name of ['Wrong or made up', "Didn't do what I asked", 'Forgot earlier context', 'An action failed', 'Unsafe or inappropriate', 'Other']) {
      expect(button(root, name)?.getAttribute('aria-pressed')).toBe('false');
    }
    const box = root.querySelector('textarea')!;
    expect(root.querySelector(`label[for="${box.id}"]`)?.textContent).toBe('Tell us more (optional)');
    expect(box.maxLength).toBe(2000);
    expect(sent()).toHaveLength(0);
  });

  it('should toggle a reason chip', async () => {
    const { root } = await setup();
    await click(button(root, 'Not helpful'));
    await click(button(root, 'Forgot earlier context'));
    expect(button(root, 'Forgot earlier context')?.getAttribute('aria-pressed')).toBe('true');
    await click(button(root, 'Forgot earlier context'));
    expect(button(root, 'Forgot earlier context')?.getAttribute('aria-pressed')).toBe('false');
  });

  it('should count the comment characters', async () => {
    const { root } = await setup();
    await click(button(root, 'Not helpful'));
    expect(withText(root, '0/2000')).toHaveLength(1);
    await typeInto(root.querySelector('textarea'), 'It made up a refund policy');
    expect(withText(root, '26/2000')).toHaveLength(1);
  });

  it('should send a -1 feedback signal with reasons and comment, then thank the user', async () => {
    const { root, sent } = await setup();
    await click(button(root, 'Not helpful'));
    await click(button(root, 'Wrong or made up'));
    await click(button(root, 'An action failed'));
    await typeInto(root.querySelector('textarea'), '  It made up a refund policy ');
    await click(button(root, 'Send feedback'));
    expect(sent()).toHaveLength(1);
    expect(sent()[0]).toMatchObject({ rating: -1, reasons: ['wrong', 'action_failed'], comment: 'It made up a refund policy', messageId: MESSAGE_ID });
    expect(root.querySelector('textarea')).toBeNull();
    expect(withText(root, THANKS)).toHaveLength(1);
  });

  it('should send a new signal with a new clientEventId when the rating changes', async () => {
    const { root, sent } = await setup();
    await click(button(root, 'Helpful'));
    await click(button(root, 'Not helpful'));
    await click(button(root, 'Other'));
    await click(button(root, 'Send feedback'));
    await click(button(root, 'Helpful'));
    expect(sent().map((s) => s.rating)).toEqual([1, -1, 1]);
    expect(new Set(sent().map((s) => s.clientEventId)).size).toBe(3);
    expect(button(root, 'Helpful')?.getAttribute('aria-pressed')).toBe('true');
  });

  it('should not send Helpful twice in a row', async () => {
    const { root, sent } = await setup();
    await click(button(root, 'Helpful'));
    await click(button(root, 'Helpful'));
    expect(sent()).toHaveLength(1);
  });

  it("should show the server's reason when the feedback was refused", async () => {
    const { root, outbox, sent } = await setup();
    await click(button(root, 'Helpful'));
    outbox.state.value = { ...outbox.state.value, rejected: [{ message: 'This site no longer accepts feedback', clientEventIds: [sent()[0]!.clientEventId] }] };
    await settle();
    expect(withText(root, 'Your feedback could not be sent: This site no longer accepts feedback')).toHaveLength(1);
    expect(withText(root, THANKS)).toHaveLength(0);
  });
});
