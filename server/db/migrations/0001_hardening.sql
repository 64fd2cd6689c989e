ALTER TABLE "dropped_signals" ADD COLUMN "report_id" uuid;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "allow_server_senders" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "dropped_signals_site_report_uq" ON "dropped_signals" USING btree ("site_id","report_id");