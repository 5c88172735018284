CREATE TABLE "agent_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" text NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "github_apps" (
	"key" text PRIMARY KEY NOT NULL,
	"organization_id" text NOT NULL,
	"api_url" text NOT NULL,
	"web_url" text NOT NULL,
	"app_id" bigint,
	"client_id" text,
	"slug" text,
	"url_pattern" text,
	"issuer_is_app_id" text DEFAULT 'no' NOT NULL,
	"private_key_sealed" text NOT NULL,
	"client_secret_sealed" text,
	"webhook_secret_sealed" text NOT NULL,
	"seal_key_id" text NOT NULL,
	"key_fingerprint" text NOT NULL,
	"webhook_secret_fingerprint" text NOT NULL,
	"permissions" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"validated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_state" (
	"name" text PRIMARY KEY NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "known_installations" (
	"app_key" text NOT NULL,
	"installation_id" bigint NOT NULL,
	"account_login" text NOT NULL,
	"account_id" bigint NOT NULL,
	"account_type" text NOT NULL,
	"sender_id" bigint,
	"sender_login" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "known_installations_app_key_installation_id_pk" PRIMARY KEY("app_key","installation_id")
);
--> statement-breakpoint
CREATE TABLE "token_revocations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"app_key" text NOT NULL,
	"installation_id" bigint NOT NULL,
	"token_sealed" text NOT NULL,
	"seal_key_id" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "oidc_logins" DISABLE ROW LEVEL SECURITY;--> statement-breakpoint
DROP TABLE "oidc_logins" CASCADE;--> statement-breakpoint
DROP INDEX "github_installations_live_installation";--> statement-breakpoint
ALTER TABLE "github_installations" ADD COLUMN "installed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "github_installations" ADD COLUMN "checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "github_installations" ADD COLUMN "end_reason" text;--> statement-breakpoint
ALTER TABLE "github_user_grants" ADD COLUMN "app_key" text DEFAULT 'system' NOT NULL;--> statement-breakpoint
-- grants sealed before this migration carried their key id inside the ciphertext: they open no more (reconnect)
DELETE FROM "github_user_grants";--> statement-breakpoint
ALTER TABLE "github_user_grants" ADD COLUMN "seal_key_id" text NOT NULL;--> statement-breakpoint
ALTER TABLE "install_states" ADD COLUMN "session_hash" text;--> statement-breakpoint
ALTER TABLE "repos" ADD COLUMN "app_key" text DEFAULT 'system' NOT NULL;--> statement-breakpoint
ALTER TABLE "repos" ADD COLUMN "account_id" bigint;--> statement-breakpoint
ALTER TABLE "repos" ADD COLUMN "private" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "repos" ADD COLUMN "checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "repos" ADD COLUMN "recheck_requested_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "repos" ADD COLUMN "created_by" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "organization_name" text;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "app_key" text DEFAULT 'system' NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "payload" jsonb;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "agent_keys_hash" ON "agent_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "agent_keys_org" ON "agent_keys" USING btree ("organization_id");--> statement-breakpoint
CREATE UNIQUE INDEX "github_apps_org" ON "github_apps" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "audit_events_token_hash" ON "audit_events" USING btree (("detail"->>'tokenHash')) WHERE ("audit_events"."detail"->>'tokenHash') is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "repos_org_github_id" ON "repos" USING btree ("organization_id","github_repo_id") WHERE github_repo_id is not null;--> statement-breakpoint
CREATE INDEX "sessions_expires" ON "sessions" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_status" ON "webhook_deliveries" USING btree ("status","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "github_installations_live_installation" ON "github_installations" USING btree ("app_key","installation_id") WHERE deleted_at is null;--> statement-breakpoint
UPDATE "repos" SET "access_state" = 'missing' WHERE "access_state" = 'missing_from_installation';--> statement-breakpoint
UPDATE "repos" SET "access_state" = 'deleted' WHERE "access_state" = 'deleted_on_github';