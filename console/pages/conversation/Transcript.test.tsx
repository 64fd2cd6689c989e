// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, it } from 'vitest';
import type { TranscriptEntry } from './conversation-model';
import { Transcript } from './Transcript';

const entry = (over: Partial<TranscriptEntry>): TranscriptEntry => ({
  messageId: crypto.randomUUID(),
  role: 'agent',
  text: 'Hello',
  confidence: null,
  author: null,
  createdAt: new Date().toISOString(),
  traceId: null,
  topic: null,
  error: null,
  feedback: [],
  ...over,
});

async function show(entries: TranscriptEntry[]): Promise<HTMLElement> {
  const root = document.createElement('div');
  document.body.append(root);
  await act(() => render(<Transcript entries={entries} />, root));
  return root;
}

describe('Transcript', () => {
  it('should keep user text inert: markup stays text and no element is made from it', async () => {
    const root = await show([entry({ role: 'user', text: '<img src=x onerror="alert(1)"><script>alert(2)</script>' })]);
    expect(root.querySelector('img, script')).toBeNull();
    expect(root.textContent).toContain('<script>alert(2)</script>');
  });

  it("should show an agent answer's confidence level, trace id and the user's feedback", async () => {
    const root = await show([
      entry({ confidence: 0.3, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', feedback: [{ rating: -1, reasons: ['wrong'], comment: 'It is **April**', createdAt: new Date().toISOString() }] }),
    ]);
    expect(root.querySelector('.badge')?.textContent).toBe('Low confidence');
    expect(root.textContent).toContain('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(root.textContent).toContain('Rated not helpful: Wrong or made up');
    expect(root.querySelector('.comment strong')?.textContent).toBe('April');
  });

  it("should name the person who wrote a support reply", async () => {
    const root = await show([entry({ role: 'human', author: 'Maya', text: 'Hi, Maya here.' })]);
    expect(root.querySelector('.msg-head strong')?.textContent).toBe('Maya');
  });

  it('should show what the user saw for an answer edited in review', async () => {
    const root = await show([entry({ text: 'Refunds take 30 days.', draft: { status: 'edited', finalText: 'Refunds take 5 days.' } })]);
    expect(root.textContent).toContain('Edited in review; the user saw:');
    expect(root.querySelector('blockquote')?.textContent).toBe('Refunds take 5 days.');
  });
});
