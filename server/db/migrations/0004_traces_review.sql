CREATE TABLE "alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"site_id" uuid NOT NULL,
	"topic" text DEFAULT '' NOT NULL,
	"metric" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"observed_count" integer NOT NULL,
	"observed_total" integer NOT NULL,
	"observed_rate" double precision NOT NULL,
	"baseline_rate" double precision NOT NULL,
	"baseline_total" integer NOT NULL,
	"message" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"site_id" uuid NOT NULL,
	"source" text NOT NULL,
	"source_id" uuid NOT NULL,
	"conversation_id" uuid NOT NULL,
	"message_id" uuid,
	"trace_id" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"rating" smallint,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"comment" text,
	"confidence" real,
	"topic" text,
	"release" text,
	"model" text,
	"escalated" boolean DEFAULT false NOT NULL,
	"outcome" text,
	"negative" boolean NOT NULL,
	"auto_mode" text,
	"auto_modes" jsonb,
	"auto_confidence" real,
	"rationale" text,
	"evidence_span_id" text,
	"human_mode" text,
	"human_note" text,
	"labelled_by" uuid,
	"labelled_at" timestamp with time zone,
	"mode" text GENERATED ALWAYS AS (coalesce(human_mode, auto_mode)) STORED,
	"classified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cases_source_id_unique" UNIQUE("source_id")
);
--> statement-breakpoint
CREATE TABLE "spans" (
	"site_id" uuid NOT NULL,
	"trace_id" text NOT NULL,
	"span_id" text NOT NULL,
	"parent_span_id" text,
	"name" text NOT NULL,
	"kind" smallint DEFAULT 0 NOT NULL,
	"start_time" timestamp with time zone NOT NULL,
	"duration_ms" double precision NOT NULL,
	"status_code" smallint DEFAULT 0 NOT NULL,
	"status_message" text,
	"operation" text,
	"model" text,
	"tool_name" text,
	"error_type" text,
	"input_tokens" integer,
	"output_tokens" integer,
	"attributes" jsonb NOT NULL,
	"events" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "spans_site_id_trace_id_span_id_pk" PRIMARY KEY("site_id","trace_id","span_id")
);
--> statement-breakpoint
CREATE TABLE "traces" (
	"site_id" uuid NOT NULL,
	"trace_id" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"summary" jsonb NOT NULL,
	"model" text,
	"release" text,
	"topic" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "traces_site_id_trace_id_pk" PRIMARY KEY("site_id","trace_id")
);
--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases" ADD CONSTRAINT "cases_labelled_by_staff_id_fk" FOREIGN KEY ("labelled_by") REFERENCES "staff"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "spans" ADD CONSTRAINT "spans_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "traces" ADD CONSTRAINT "traces_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_site_metric_window_uq" ON "alerts" USING btree ("site_id","topic","metric","window_start");--> statement-breakpoint
CREATE INDEX "alerts_site_time_idx" ON "alerts" USING btree ("site_id","window_start");--> statement-breakpoint
CREATE INDEX "cases_site_time_idx" ON "cases" USING btree ("site_id","occurred_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "cases_site_mode_time_idx" ON "cases" USING btree ("site_id","mode","occurred_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "cases_site_trace_idx" ON "cases" USING btree ("site_id","trace_id");--> statement-breakpoint
CREATE INDEX "cases_conversation_idx" ON "cases" USING btree ("conversation_id");--> statement-breakpoint
CREATE INDEX "cases_unclassified_idx" ON "cases" USING btree ("created_at") WHERE classified_at IS NULL;--> statement-breakpoint
CREATE INDEX "messages_site_answers_idx" ON "messages" USING btree ("site_id","sent_at") WHERE role = 'agent';