/** Toasts: short messages shown on screen and read out by screen readers through one polite live region. */
import { signal } from '@preact/signals';

export interface Toast {
  id: number;
  text: string;
  tone: 'info' | 'error';
}

/** What is on screen now; each toast leaves after a few seconds. */
export const toasts = signal<Toast[]>([]);

const TOAST_MS = 6000;
let next = 1;

/** Shows and announces a message. */
export function announce(text: string, tone: Toast['tone'] = 'info'): void {
  const toast = { id: next++, text, tone };
  toasts.value = [...toasts.value, toast].slice(-4);
  setTimeout(() => (toasts.value = toasts.value.filter((t) => t !== toast)), TOAST_MS);
}
