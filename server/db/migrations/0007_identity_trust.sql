CREATE TABLE "calibrated_thresholds" (
	"site_id" uuid NOT NULL,
	"topic" text DEFAULT '' NOT NULL,
	"high" real NOT NULL,
	"low" real NOT NULL,
	"samples" integer NOT NULL,
	"curve" jsonb NOT NULL,
	"fitted_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calibrated_thresholds_site_id_topic_pk" PRIMARY KEY("site_id","topic")
);
--> statement-breakpoint
CREATE TABLE "drafts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"site_id" uuid NOT NULL,
	"conversation_id" uuid NOT NULL,
	"message_id" uuid NOT NULL,
	"topic" text,
	"confidence" real,
	"trace_id" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"final_text" text,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"opened_at" timestamp with time zone,
	"open_ms" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "drafts_message_id_unique" UNIQUE("message_id")
);
--> statement-breakpoint
CREATE TABLE "site_identity_secrets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"site_id" uuid NOT NULL,
	"secret" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "topics" (
	"site_id" uuid NOT NULL,
	"name" text NOT NULL,
	"failure_cost" text,
	"autonomy" text DEFAULT 'auto' NOT NULL,
	"criterion" text,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "topics_site_id_name_pk" PRIMARY KEY("site_id","name")
);
--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "user_id" text;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "user_verified" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "user_claims" jsonb;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "identity_mode" text DEFAULT 'optional' NOT NULL;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "trust" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "calibrated_thresholds" ADD CONSTRAINT "calibrated_thresholds_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drafts" ADD CONSTRAINT "drafts_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drafts" ADD CONSTRAINT "drafts_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drafts" ADD CONSTRAINT "drafts_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drafts" ADD CONSTRAINT "drafts_decided_by_staff_id_fk" FOREIGN KEY ("decided_by") REFERENCES "staff"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "site_identity_secrets" ADD CONSTRAINT "site_identity_secrets_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "site_identity_secrets" ADD CONSTRAINT "site_identity_secrets_created_by_staff_id_fk" FOREIGN KEY ("created_by") REFERENCES "staff"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "topics" ADD CONSTRAINT "topics_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "drafts_site_status_idx" ON "drafts" USING btree ("site_id","status","created_at");--> statement-breakpoint
CREATE INDEX "drafts_site_decided_idx" ON "drafts" USING btree ("site_id","decided_at");--> statement-breakpoint
CREATE INDEX "site_identity_secrets_site_idx" ON "site_identity_secrets" USING btree ("site_id");--> statement-breakpoint
CREATE INDEX "conversations_verified_user_idx" ON "conversations" USING btree ("site_id","user_id","created_at") WHERE user_verified;