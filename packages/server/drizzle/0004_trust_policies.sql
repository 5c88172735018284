CREATE TABLE "trust_policies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" text NOT NULL,
	"name" text NOT NULL,
	"issuer" text NOT NULL,
	"subject" text NOT NULL,
	"claims" jsonb NOT NULL,
	"key_id" uuid NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "agent_keys" ADD COLUMN "purpose" text DEFAULT 'key' NOT NULL;--> statement-breakpoint
CREATE INDEX "trust_policies_org_issuer" ON "trust_policies" USING btree ("organization_id","issuer");--> statement-breakpoint
CREATE INDEX "token_leases_live_job" ON "token_leases" USING btree ("key_id","job") WHERE ended_at is null;