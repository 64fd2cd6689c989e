import { describe, expect, it } from 'vitest';
import { trustSettingsOf } from '../../shared/trust';
import { decreaseTest, emptyCounts, normalCdf, recommend, type RecommendInput, type RecordCounts } from './recommendations';

const settings = trustSettingsOf({}); // 200 decisions, lower bound 0.95, 7 days, 90 days
const counts = (values: Partial<RecordCounts>): RecordCounts => ({ ...emptyCounts(), ...values });

/** A topic whose recent part is empty unless given; `before` is the total minus the recent part. */
function input(values: { label?: string; autonomy: RecommendInput['autonomy']; failureCost?: 'low' | 'high' | null; total: Partial<RecordCounts>; recent?: Partial<RecordCounts> }): RecommendInput {
  const total = counts(values.total);
  const recent = counts(values.recent ?? {});
  const before = counts(Object.fromEntries(Object.entries(total).map(([k, v]) => [k, v - recent[k as keyof RecordCounts]])));
  return { label: values.label ?? 'refunds', autonomy: values.autonomy, failureCost: values.failureCost ?? 'low', total, recent, before, settings };
}

describe('normalCdf and the one-sided two-proportion test', () => {
  it('should give the standard normal CDF at known points', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.6448536269514722)).toBeCloseTo(0.05, 6);
  });

  it('should match a hand-computed z and p for a fall from 91% to 82%', () => {
    // before 364/400 = 0.91, recent 82/100 = 0.82; pooled 446/500 = 0.892;
    // se = √(0.892 × 0.108 × (1/400 + 1/100)) = √0.00120420 = 0.0347016; z = 0.09 / 0.0347016 = 2.59354;
    // p = 1 − Φ(2.59354) = 0.0047497 (Python: 0.5 × erfc(z / √2)).
    const result = decreaseTest(364, 400, 82, 100)!;
    expect(result.z).toBeCloseTo(2.59354, 4);
    expect(result.p).toBeCloseTo(0.0047497, 5);
  });

  it('should not test when a period has fewer than 30 observations or no variation', () => {
    expect(decreaseTest(364, 400, 15, 20)).toBeNull();
    expect(decreaseTest(400, 400, 100, 100)).toBeNull();
  });
});

describe('recommend: step up', () => {
  it('should recommend suggest_handoff for 402 of 412 reviewed drafts approved unedited, in the documented words', () => {
    // p = 402/412 = 0.975728; Wilson 95%: centre (p + z²/2n)/(1 + z²/n) = 0.971333, margin 0.015430 → 95.59–98.68%.
    const out = recommend(input({ autonomy: 'human_review', total: { approved: 402, edited: 6, rejected: 4 } }));
    expect(out.recommendation).toEqual({
      kind: 'step_up',
      from: 'human_review',
      to: 'suggest_handoff',
      text: 'Refunds: 412 drafts reviewed, 97.6% approved unedited (95% CI 95.6–98.7%). Eligible for suggest_handoff.',
    });
  });

  it('should count only approvals slower than reading time: 440 approvals of which 38 too fast are 402 of 412 reviewed', () => {
    // decided 450 (440 + 6 + 4); reviewed 450 − 38 = 412; reviewed approvals 440 − 38 = 402: the same evidence as above.
    const out = recommend(input({ autonomy: 'human_review', total: { approved: 440, approvedTooFast: 38, edited: 6, rejected: 4 } }));
    expect(out.recommendation?.text).toBe('Refunds: 412 drafts reviewed, 97.6% approved unedited (95% CI 95.6–98.7%). Eligible for suggest_handoff.');
  });

  it('should not step up with too few decisions even when every draft was approved', () => {
    // 150/150: Wilson lower bound n/(n + z²) = 150/153.84 = 97.5% ≥ 95%, but 150 < 200 decisions.
    const out = recommend(input({ autonomy: 'human_review', total: { approved: 150 } }));
    expect(out.recommendation).toBeNull();
    expect(out.status).toBe('Refunds: 150 drafts reviewed, 100.0% approved unedited (95% CI 97.5–100.0%). Step up needs 200 or more with a 95% lower bound of at least 95%.');
  });

  it('should not step up when the lower bound is under the threshold although the rate is above it', () => {
    // 288/300 = 96%, Wilson lower bound 93.1% < 95%.
    const out = recommend(input({ autonomy: 'human_review', total: { approved: 288, rejected: 12 } }));
    expect(out.recommendation).toBeNull();
    expect(out.status).toContain('96.0% approved unedited (95% CI 93.1–97.7%)');
  });

  it('should recommend auto for a suggest_handoff topic that is helpful and rarely escalated', () => {
    // helpful 396/400: Wilson 97.46–99.61%; not escalated 1980/2000: lower bound 98.46% ≥ 95%.
    const out = recommend(input({ label: 'billing dates', autonomy: 'suggest_handoff', total: { rated: 400, helpful: 396, answers: 2000, escalations: 20 } }));
    expect(out.recommendation).toEqual({
      kind: 'step_up',
      from: 'suggest_handoff',
      to: 'auto',
      text: 'Billing dates: 400 answers rated, 99.0% helpful (95% CI 97.5–99.6%). 1.0% of 2,000 answers escalated. Eligible for auto.',
    });
  });

  it('should not recommend auto while a tenth of the answers are escalated', () => {
    // not escalated 1800/2000: lower bound 88.6% < 95%.
    const out = recommend(input({ autonomy: 'suggest_handoff', total: { rated: 400, helpful: 396, answers: 2000, escalations: 200 } }));
    expect(out.recommendation).toBeNull();
    expect(out.status).toContain('Too many answers escalated: the 95% lower bound of answers not escalated is 88.6%, below 95%.');
  });
});

describe('recommend: step down', () => {
  it('should warn when the helpful rate fell significantly over the last 7 days', () => {
    // before 364/400 = 91.0%, recent 82/100 = 82.0%; p = 0.0047 (above).
    const out = recommend(input({ label: 'billing dates', autonomy: 'auto', total: { rated: 500, helpful: 446 }, recent: { rated: 100, helpful: 82 } }));
    expect(out.recommendation).toEqual({
      kind: 'step_down',
      from: 'auto',
      to: 'suggest_handoff',
      text: 'Billing dates: helpful rate fell from 91.0% to 82.0% over the last 7 days (p = 0.005). Step down to suggest_handoff.',
    });
  });

  it('should word a warning exactly as documented: 91.2% to 78.5%, p = 0.003', () => {
    // before 145/159 = 91.19%, recent 62/79 = 78.48%; pooled 207/238 = 0.86975; se = √(0.86975 × 0.13025 × (1/159 + 1/79)) = 0.046330;
    // z = 0.12714 / 0.046330 = 2.7442; p = 0.5 × erfc(2.7442 / √2) = 0.00303.
    const out = recommend(input({ label: 'billing dates', autonomy: 'suggest_handoff', total: { rated: 238, helpful: 207 }, recent: { rated: 79, helpful: 62 } }));
    expect(out.recommendation?.text).toBe('Billing dates: helpful rate fell from 91.2% to 78.5% over the last 7 days (p = 0.003). Step down to human_review.');
  });

  it('should warn when the escalation rate rose significantly, and prefer the step down to a step up', () => {
    // escalated before 30/1000 = 3.0%, recent 30/300 = 10.0%; on the shares not escalated (970/1000 vs 270/300):
    // pooled 1240/1300, z = 5.068, p = 2.0e-7. The helpful record alone would earn auto.
    const out = recommend(input({
      autonomy: 'suggest_handoff',
      total: { rated: 400, helpful: 396, answers: 1300, escalations: 60 },
      recent: { rated: 100, helpful: 99, answers: 300, escalations: 30 },
    }));
    expect(out.recommendation).toEqual({
      kind: 'step_down',
      from: 'suggest_handoff',
      to: 'human_review',
      text: 'Refunds: escalation rate rose from 3.0% to 10.0% over the last 7 days (p < 0.001). Step down to human_review.',
    });
  });

  it('should not warn on a fall measured on too few recent ratings', () => {
    const out = recommend(input({ autonomy: 'auto', total: { rated: 420, helpful: 379 }, recent: { rated: 20, helpful: 15 } }));
    expect(out.recommendation).toBeNull();
  });

  it('should send a high-cost automatic topic without any record to human review', () => {
    const out = recommend(input({ label: 'account deletion', autonomy: 'auto', failureCost: 'high', total: { answers: 12 } }));
    expect(out.recommendation).toEqual({
      kind: 'step_down',
      from: 'auto',
      to: 'human_review',
      text: 'Account deletion: failure cost is high and it answers automatically with no record in the last 90 days. Step down to human_review.',
    });
    // With a record (a single rating) it is judged on that record instead.
    expect(recommend(input({ autonomy: 'auto', failureCost: 'high', total: { answers: 12, rated: 1, helpful: 1 } })).recommendation).toBeNull();
  });
});
