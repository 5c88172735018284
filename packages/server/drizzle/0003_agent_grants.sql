CREATE TABLE "agent_tokens" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"key_id" uuid NOT NULL,
	"app_key" text NOT NULL,
	"installation_id" bigint NOT NULL,
	"github_repo_id" bigint NOT NULL,
	"permissions" jsonb NOT NULL,
	"exclusive_lease" text,
	"token_sealed" text NOT NULL,
	"seal_key_id" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "token_leases" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"key_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"job" text,
	"expires_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "audit_events_token_hash";--> statement-breakpoint
ALTER TABLE "agent_keys" ADD COLUMN "grant" jsonb DEFAULT '{"projects":{"all":true},"permissions":{"contents":"write","metadata":"read"},"maxTokenLifetimeSeconds":3600}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "agent_keys" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "agent_tokens_live_key" ON "agent_tokens" USING btree ("key_id") WHERE revoked_at is null;--> statement-breakpoint
CREATE INDEX "agent_tokens_live_org" ON "agent_tokens" USING btree ("organization_id") WHERE revoked_at is null;--> statement-breakpoint
CREATE INDEX "agent_tokens_expires" ON "agent_tokens" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "token_leases_live_token" ON "token_leases" USING btree ("token_hash") WHERE ended_at is null;--> statement-breakpoint
CREATE INDEX "token_leases_created" ON "token_leases" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "audit_events_action_created" ON "audit_events" USING btree ("action","created_at");--> statement-breakpoint
CREATE INDEX "audit_events_org_created" ON "audit_events" USING btree ("organization_id","created_at");--> statement-breakpoint
CREATE INDEX "repos_org_full_name" ON "repos" USING btree ("organization_id",lower("full_name"));