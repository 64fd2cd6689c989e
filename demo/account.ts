/**
 * The fictional customer account the demo page shows and the mock agent talks about. One source of
 * truth, so the good-path answer agrees with the billing card and the drifting answer visibly does not.
 */

/** Facts about the demo customer's Acme Cloud account. */
export const DEMO_ACCOUNT = {
  plan: 'Pro',
  /** The plan a drifting answer wrongly "remembers". */
  wrongPlan: 'Starter',
  monthlyPrice: '$49.00',
  paymentMethod: 'Visa ending in 4242',
  lastInvoice: 'INV-2041',
  lastInvoiceAmount: '$52.18',
} as const;

const DATE_FORMAT = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/**
 * The next bill date: the 1st of the month after `now`, in UTC. Computed rather than fixed so the
 * demo never shows a bill date in the past.
 */
export function nextBillDate(now: Date): string {
  return DATE_FORMAT.format(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)));
}
