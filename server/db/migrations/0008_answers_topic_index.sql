DROP INDEX "messages_site_answers_idx";--> statement-breakpoint
CREATE INDEX "messages_site_answers_topic_idx" ON "messages" USING btree ("site_id","sent_at","topic") WHERE role = 'agent';