/** Fakes and DOM helpers for the widget's component and model tests. */
import { signal } from '@preact/signals';
import { render, type ComponentChild } from 'preact';
import { act } from 'preact/test-utils';
import { vi } from 'vitest';
import type { Signal } from '../shared/schemas';
import type { Conversation } from './models/conversation';
import type { OutboxState } from './outbox';

export const conversation: Conversation = { id: '11111111-1111-4111-8111-111111111111', token: 'tok_0123456789abcdef0123' };

/** An outbox that only remembers what it was given; its state can be set by the test. */
export function fakeOutbox(initial: Partial<OutboxState> = {}) {
  const added: Signal[] = [];
  const state = signal<OutboxState>({ pending: 0, offline: false, waiting: false, rejected: [], limited: false, ...initial });
  return {
    added,
    state,
    add: vi.fn(async (s: Signal) => void added.push(s)),
    flush: vi.fn(async () => {}),
    dispose: vi.fn(),
  };
}

/** Renders into a fresh element in the document and lets effects run. */
export async function mount(vnode: ComponentChild): Promise<HTMLElement> {
  const scratch = document.createElement('div');
  document.body.append(scratch);
  await act(() => void render(vnode, scratch));
  return scratch;
}

/** Lets pending promises, renders and effects run. */
export async function settle(): Promise<void> {
  await act(async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
  });
}

/** A control's accessible name as these components give it: aria-label, else its text. */
export const nameOf = (el: Element): string => (el.getAttribute('aria-label') ?? el.textContent ?? '').trim();

/** The one button named exactly `name`, or undefined. */
export function button(root: ParentNode, name: string): HTMLButtonElement | undefined {
  const found = [...root.querySelectorAll('button')].filter((b) => nameOf(b) === name);
  if (found.length > 1) throw new Error(`${found.length} buttons named '${name}'`);
  return found[0];
}

/** Elements whose whole text is exactly `text`. */
export const withText = (root: ParentNode, text: string): Element[] => [...root.querySelectorAll('*')].filter((e) => e.textContent === text);

export async function click(el: Element | undefined): Promise<void> {
  if (!el) throw new Error('nothing to click');
  await act(() => (el as HTMLElement).click());
}

export async function typeInto(el: Element | null | undefined, value: string): Promise<void> {
  if (!el) throw new Error('nothing to type into');
  await act(() => {
    (el as HTMLTextAreaElement).value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}
