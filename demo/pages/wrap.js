// Wrap mode, as a host page would write it: the page owns this chat UI and asks its agent itself,
// then hands each answer element to Backstop, which adds the badge, the feedback buttons and the handoff.
(() => {
  'use strict';

  const log = document.getElementById('chat-log');
  const form = document.getElementById('chat-form');
  const input = document.getElementById('chat-input');
  const status = document.getElementById('chat-status');
  const button = form.querySelector('button');

  // crypto.randomUUID exists only in secure contexts (https or localhost); the demo may be opened over plain http.
  const conversationId =
    typeof crypto.randomUUID === 'function'
      ? crypto.randomUUID()
      : `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

  // This host has no markdown renderer: it shows answers as plain text and only drops the bold markers.
  const plainText = (text) => text.replace(/\*\*(.+?)\*\*/g, '$1');

  /** Appends a message and returns its element; text goes in through textContent only. */
  function addMessage(role, label, text) {
    const item = document.createElement('li');
    item.className = `msg msg-${role}`;
    const who = document.createElement('span');
    who.className = 'msg-who';
    who.textContent = label;
    const body = document.createElement('div');
    body.className = 'msg-text';
    body.textContent = text;
    item.append(who, body);
    log.append(item);
    item.scrollIntoView({ block: 'nearest' });
    return item;
  }

  function setBusy(busy) {
    button.disabled = busy;
    status.textContent = busy ? 'The assistant is thinking…' : '';
  }

  async function ask(message) {
    let response;
    try {
      response = await fetch('/demo/agent', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ conversationId, message }),
      });
    } catch {
      throw new Error('Could not reach the assistant. Check your connection and try again.');
    }
    if (!response.ok) throw new Error(`The assistant is unavailable right now (HTTP ${response.status}).`);
    try {
      return await response.json();
    } catch {
      throw new Error('The assistant sent a reply this page cannot read.');
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const message = input.value.trim();
    if (!message || button.disabled) return;
    input.value = '';
    addMessage('user', 'You', message);
    setBusy(true);
    try {
      const answer = await ask(message);
      const text = answer && typeof answer.text === 'string' ? answer.text : '';
      const element = addMessage('agent', 'Acme assistant', plainText(text));
      // Backstop validates the answer itself; an invalid one is reported by the widget, not by this page.
      window.Backstop('attach', element, answer);
    } catch (error) {
      addMessage('error', 'Acme support', error instanceof Error ? error.message : 'Something went wrong.');
    } finally {
      setBusy(false);
      input.focus();
    }
  });
})();
