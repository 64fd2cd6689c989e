// @vitest-environment happy-dom
import { signal } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import { ConfigModel } from '../models/config';
import { FeedbackModel } from '../models/feedback';
import { conversation, fakeOutbox, mount, settle } from '../test-utils';
import { AnswerFooter } from './AnswerFooter';

const MESSAGE_ID = '33333333-3333-4333-8333-333333333333';

/** An answer's footer with the thresholds site.config gave: site-wide High ≥ 0.8, refunds (calibrated) High ≥ 0.95. */
async function footer(topic: string | undefined, confidence: number) {
  const config = new ConfigModel(
    { siteConfig: async () => ({ siteId: 's', name: 'Shop', policy: { thresholds: { high: 0.8, low: 0.5 }, title: 'Help', greeting: 'Hi' }, topicThresholds: { refunds: { high: 0.95, low: 0.7 } } }) },
    signal({}),
  );
  await settle();
  const feedback = new FeedbackModel({ messageId: MESSAGE_ID, conversation, outbox: fakeOutbox() });
  const root = await mount(<AnswerFooter answer={{ id: 'a', text: 'x', confidence, topic }} thresholds={config.thresholds} feedback={feedback} />);
  return root.querySelector('.badge')!.textContent;
}

describe('AnswerFooter badge thresholds', () => {
  it("should use a topic's calibrated thresholds when the site sent them", async () => {
    expect(await footer('refunds', 0.9)).toContain('Medium confidence');
    expect(await footer('refunds', 0.6)).toContain('Low confidence');
  });

  it("should use the site's thresholds for other topics and answers without one", async () => {
    expect(await footer('billing', 0.9)).toContain('High confidence');
    expect(await footer(undefined, 0.6)).toContain('Medium confidence');
  });
});
