/**
 * Calibrated badges in the database: the refit (rated answers → fits → `calibrated_thresholds` rows), the
 * thresholds in force for the widget, and the badge settings (a merge patch of `sites.trust`, audited).
 *
 * "Thresholds change only with enough data": a scope (the site, or one topic) gets new thresholds only when
 * its fit has `calibrationMinSamples` rated answers and High or Low moved by at least CHANGE_STEP; otherwise
 * the stored thresholds stay (its curve, samples and fit time are refreshed). A scope that falls below the
 * minimum keeps its last thresholds rather than flapping back to the fixed ones.
 */
import { and, eq, sql } from 'drizzle-orm';
import { DEFAULT_THRESHOLDS, type BadgeThresholds } from '../../shared/confidence';
import { trustSettingsOf, type BadgeFit, type BadgesSetInput, type BadgesState, type RefitResult, type TrustSettings } from '../../shared/trust';
import type { Db } from '../db/client';
import { calibratedThresholds, sites } from '../db/schema';
import { recordAudit, type Actor } from './audit';
import { fitSiteThresholds, type ThresholdFit } from './calibrated-thresholds';
import { FieldError } from './errors';
import { rowsOf } from './review-queries';

/** Smallest move of High or Low (two 0.01 bins) that replaces stored thresholds: one bin is noise. */
export const CHANGE_STEP = 0.02;
/** Rated answers of the last this many days feed a refit (the track record's default window). */
export const REFIT_WINDOW_DAYS = 90;

const DAY_MS = 86_400_000;

type ThresholdRow = typeof calibratedThresholds.$inferSelect;
const toFit = (r: ThresholdRow): BadgeFit => ({ topic: r.topic, high: r.high, low: r.low, samples: r.samples, curve: r.curve, fittedAt: r.fittedAt.toISOString() });

/** float4 columns read back as 0.80000001: thresholds are on 0.01 steps, so round to them. */
const round2 = (x: number) => Math.round(x * 100) / 100;

async function siteRow(db: Db, siteId: string) {
  const [site] = await db.select({ id: sites.id, policy: sites.policy, trust: sites.trust }).from(sites).where(eq(sites.id, siteId));
  if (!site) throw new FieldError('NOT_FOUND', `No site with id '${siteId}'.`);
  return site;
}

const fixedOf = (policy: { thresholds?: BadgeThresholds } | null | undefined): BadgeThresholds => policy?.thresholds ?? DEFAULT_THRESHOLDS;

/**
 * The thresholds the widget uses: site-wide (`policy.thresholds`) and per topic. Calibrated ones only when
 * the site's badge mode is `calibrated` and a fit is stored; else the policy's fixed thresholds and no topics.
 */
export async function thresholdsInForce(
  db: Db,
  site: { id: string; policy: { thresholds?: BadgeThresholds }; trust?: unknown },
): Promise<{ thresholds: BadgeThresholds; topicThresholds: Record<string, BadgeThresholds> }> {
  const fixed = fixedOf(site.policy);
  if (trustSettingsOf(site.trust).badgeMode !== 'calibrated') return { thresholds: fixed, topicThresholds: {} };
  const rows = await db
    .select({ topic: calibratedThresholds.topic, high: calibratedThresholds.high, low: calibratedThresholds.low })
    .from(calibratedThresholds)
    .where(eq(calibratedThresholds.siteId, site.id));
  let thresholds = fixed;
  // No prototype: a topic named `__proto__` (agents name topics) is kept like any other.
  const topicThresholds: Record<string, BadgeThresholds> = Object.create(null);
  for (const r of rows) {
    const t = { high: round2(r.high), low: round2(r.low) };
    if (r.topic === '') thresholds = t;
    else topicThresholds[r.topic] = t;
  }
  return { thresholds, topicThresholds };
}

/** The stored fits of a site: site-wide ('' topic) and per topic, by topic. */
export async function storedFits(db: Db, siteId: string): Promise<BadgeFit[]> {
  const rows = await db.select().from(calibratedThresholds).where(eq(calibratedThresholds.siteId, siteId)).orderBy(calibratedThresholds.topic);
  return rows.map((r) => ({ ...toFit(r), high: round2(r.high), low: round2(r.low) }));
}

/** Rated answers of the window (each by its newest rating) per (topic, 0.01 confidence bin): at most 101 rows per topic. */
async function ratedBins(db: Db, siteId: string, since: Date) {
  const rows = rowsOf<{ topic: string | null; confidence: number; n: number; helpful: number }>(
    await db.execute(sql`
      select topic, round(confidence::numeric, 2)::float8 as confidence, count(*)::int as n, count(*) filter (where rating = 1)::int as helpful
      from cases
      where site_id = ${siteId} and source = 'feedback' and rating is not null and confidence is not null and not superseded and occurred_at >= ${since}
      group by 1, 2`),
  );
  return rows.map((r) => ({ topic: r.topic, confidence: Number(r.confidence), n: Number(r.n), helpful: Number(r.helpful) }));
}

/**
 * Fits the site's thresholds from its rated answers of the last REFIT_WINDOW_DAYS and stores them (rules in
 * this module's header). Does nothing under fixed badges. Safe to run concurrently: rows are upserted.
 */
export async function refitCalibration(db: Db, siteId: string, now = new Date()): Promise<RefitResult> {
  const site = await siteRow(db, siteId);
  const settings = trustSettingsOf(site.trust);
  if (settings.badgeMode !== 'calibrated') return { mode: 'fixed', samples: 0, changed: [], kept: [] };
  const bins = await ratedBins(db, siteId, new Date(now.getTime() - REFIT_WINDOW_DAYS * DAY_MS));
  const samples = bins.reduce((s, b) => s + b.n, 0);
  const fits = fitSiteThresholds(bins, {
    target: settings.calibrationTarget,
    confidence: settings.calibrationConfidence,
    minSamples: settings.calibrationMinSamples,
    fixed: fixedOf(site.policy),
  });
  const scopes: [string, ThresholdFit][] = Object.entries(fits.topics);
  if (fits.site) scopes.unshift(['', fits.site]);
  const stored = new Map((await storedFits(db, siteId)).map((f) => [f.topic, f]));
  const changed: string[] = [];
  const kept: string[] = [];
  for (const [topic, fit] of scopes) {
    const before = stored.get(topic);
    const moved = !before || Math.abs(before.high - fit.high) >= CHANGE_STEP - 1e-9 || Math.abs(before.low - fit.low) >= CHANGE_STEP - 1e-9;
    const high = moved ? fit.high : before!.high;
    const low = moved ? fit.low : before!.low;
    (moved ? changed : kept).push(topic);
    const values = { high, low, samples: fit.samples, curve: fit.curve, fittedAt: now };
    await db
      .insert(calibratedThresholds)
      .values({ siteId, topic, ...values })
      .onConflictDoUpdate({ target: [calibratedThresholds.siteId, calibratedThresholds.topic], set: values });
  }
  return { mode: 'calibrated', samples, changed, kept };
}

/** The badge settings, the fixed thresholds, those in force, and the stored fits. */
export async function badgesState(db: Db, siteId: string): Promise<BadgesState> {
  const site = await siteRow(db, siteId);
  const settings = trustSettingsOf(site.trust);
  const fits = await storedFits(db, siteId);
  const inForce = await thresholdsInForce(db, site);
  return {
    siteId,
    mode: settings.badgeMode,
    target: settings.calibrationTarget,
    confidence: settings.calibrationConfidence,
    minSamples: settings.calibrationMinSamples,
    fixed: fixedOf(site.policy),
    inForce: inForce.thresholds,
    site: fits.find((f) => f.topic === '') ?? null,
    topics: fits.filter((f) => f.topic !== ''),
  };
}

type BadgeSettings = Pick<TrustSettings, 'badgeMode' | 'calibrationTarget' | 'calibrationConfidence' | 'calibrationMinSamples'>;
const badgeSettingsOf = (s: TrustSettings): BadgeSettings => ({
  badgeMode: s.badgeMode,
  calibrationTarget: s.calibrationTarget,
  calibrationConfidence: s.calibrationConfidence,
  calibrationMinSamples: s.calibrationMinSamples,
});

/**
 * Changes the badge settings by merging the given keys into `sites.trust` (`trust || patch`: other trust
 * settings are never overwritten), audited as `badges.set` with before, after and reason. Switching to
 * calibrated fits at once, so the widget gets thresholds without waiting for the next periodic refit.
 */
export async function setBadges(db: Db, who: Actor, input: BadgesSetInput): Promise<BadgesState> {
  const { siteId, reason, ...patch } = input;
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  await db.transaction(async (t) => {
    const tx = t as unknown as Db;
    const [row] = await tx.select({ trust: sites.trust }).from(sites).where(eq(sites.id, siteId)).for('update');
    if (!row) throw new FieldError('NOT_FOUND', `No site with id '${siteId}'.`);
    const before = badgeSettingsOf(trustSettingsOf(row.trust));
    await tx.update(sites).set({ trust: sql`${sites.trust} || ${JSON.stringify(defined)}::jsonb` }).where(eq(sites.id, siteId));
    const after = badgeSettingsOf(trustSettingsOf({ ...row.trust, ...defined }));
    await recordAudit(tx, who, { action: 'badges.set', siteId, targetType: 'site', targetId: siteId, details: { before, after, reason: reason ?? null } });
  });
  await refitCalibration(db, siteId); // does nothing under fixed badges
  return badgesState(db, siteId);
}

/** Sites under calibrated badges, at most `limit`, the longest unfitted first (the periodic refit's work list). */
export async function calibratedSites(db: Db, limit: number): Promise<string[]> {
  const rows = rowsOf<{ id: string }>(
    await db.execute(sql`
      select s.id from sites s
      left join calibrated_thresholds c on c.site_id = s.id and c.topic = ''
      where s.trust->>'badgeMode' = 'calibrated'
      order by c.fitted_at asc nulls first, s.id
      limit ${limit}`),
  );
  return rows.map((r) => r.id);
}

/** One stored fit (the site's with topic ''), or null. */
export async function storedFit(db: Db, siteId: string, topic: string): Promise<BadgeFit | null> {
  const [row] = await db.select().from(calibratedThresholds).where(and(eq(calibratedThresholds.siteId, siteId), eq(calibratedThresholds.topic, topic)));
  return row ? { ...toFit(row), high: round2(row.high), low: round2(row.low) } : null;
}
