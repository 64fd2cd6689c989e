DROP INDEX "cases_site_time_stats_idx";--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "superseded" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Existing ratings: every feedback case but the newest of its answer is superseded, newest by the user's
-- rating time then arrival (the order the review projector keeps, server/review/case-feed.ts).
UPDATE "cases" c SET "superseded" = true
FROM (
  SELECT c2.id, row_number() OVER (PARTITION BY c2.message_id ORDER BY f.sent_at DESC NULLS LAST, f.seq DESC NULLS LAST, c2.id DESC) AS newest_first
  FROM "cases" c2 LEFT JOIN "feedback" f ON f.id = c2.source_id
  WHERE c2.source = 'feedback' AND c2.message_id IS NOT NULL
) r
WHERE c.id = r.id AND r.newest_first > 1;--> statement-breakpoint
CREATE INDEX "cases_site_time_stats_idx" ON "cases" USING btree ("site_id","occurred_at","source","rating","negative","mode","auto_mode","human_mode","message_id","confidence","topic","release") WHERE NOT superseded;
