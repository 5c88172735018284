CREATE TABLE "event_endpoints" (
	"organization_id" text PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"secret_sealed" text NOT NULL,
	"previous_secret_sealed" text,
	"previous_until" timestamp with time zone,
	"seal_key_id" text NOT NULL,
	"updated_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "event_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"target" text NOT NULL,
	"project_id" uuid NOT NULL,
	"github_repo_id" bigint NOT NULL,
	"delivery_id" text NOT NULL,
	"event" text NOT NULL,
	"action" text,
	"found_by" text DEFAULT 'webhook' NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"last_status" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "event_outbox_delivery" ON "event_outbox" USING btree ("organization_id","target","delivery_id");--> statement-breakpoint
CREATE INDEX "event_outbox_due" ON "event_outbox" USING btree ("next_attempt_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "event_outbox_repo" ON "event_outbox" USING btree ("organization_id","target","github_repo_id","id") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "event_outbox_recent" ON "event_outbox" USING btree ("organization_id","id");--> statement-breakpoint
CREATE INDEX "repos_app_github_id" ON "repos" USING btree ("app_key","github_repo_id");