// @vitest-environment happy-dom
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { describe, expect, it } from 'vitest';
import { EscalationContext } from './EscalationContext';
import type { Detail } from './conversation-model';

function detail(user: Detail['user']): Detail {
  return {
    user,
    escalation: {
      id: 'e1',
      siteId: 's1',
      siteName: 'Shop',
      conversationId: 'c1',
      trigger: 'user',
      note: null,
      status: 'queued',
      outcome: null,
      assignee: null,
      contactEmail: null,
      pageUrl: null,
      claimedIdentity: null,
      createdAt: new Date().toISOString(),
      claimedAt: null,
      firstHumanReplyAt: null,
      resolvedAt: null,
      waitingMs: 1000,
    },
    requests: [],
    notes: [],
    transcript: [],
    lastEventId: '0',
  } as unknown as Detail;
}

async function show(d: Detail): Promise<HTMLElement> {
  const root = document.createElement('div');
  await act(() => render(<EscalationContext detail={d} />, root));
  return root;
}

describe('EscalationContext: the end user', () => {
  it('should label a verified user Verified, with name, email and id', async () => {
    const root = await show(detail({ id: 'u_42', name: 'Ada', email: 'ada@example.com', verified: true }));
    const user = [...root.querySelectorAll('dt')].find((dt) => dt.textContent === 'User')!.nextElementSibling!;
    expect(user.textContent).toBe('Ada · ada@example.com · u_42 Verified');
  });

  it('should label a claimed user Unverified and keep their text inert', async () => {
    const root = await show(detail({ id: 'u_7', name: '<img src=x onerror=alert(1)>', email: null, verified: false }));
    const user = [...root.querySelectorAll('dt')].find((dt) => dt.textContent === 'User')!.nextElementSibling!;
    expect(user.textContent).toBe('<img src=x onerror=alert(1)> · u_7 Unverified');
    expect(root.querySelector('img')).toBeNull();
  });

  it('should show no user row for an anonymous conversation', async () => {
    const root = await show(detail(null));
    expect([...root.querySelectorAll('dt')].map((dt) => dt.textContent)).not.toContain('User');
  });
});
