/** The `data` of escalation webhooks: what a receiver (a ticketing system, a chat channel) needs to act. */
import type { escalations } from '../db/schema';

type Escalation = typeof escalations.$inferSelect;
const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function escalationWebhookData(row: Escalation) {
  return {
    escalation: {
      id: row.id,
      conversationId: row.conversationId,
      trigger: row.trigger,
      note: row.note,
      status: row.status,
      outcome: row.outcome,
      assigneeId: row.assigneeId,
      contactEmail: row.contactEmail,
      pageUrl: row.pageUrl,
      createdAt: row.createdAt.toISOString(),
      claimedAt: iso(row.claimedAt),
      firstHumanReplyAt: iso(row.firstHumanReplyAt),
      resolvedAt: iso(row.resolvedAt),
    },
  };
}
