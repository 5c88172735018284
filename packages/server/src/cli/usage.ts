export const commands = ['serve', 'doctor', 'migrate', 'setup', 'reconcile', 'git-credential', 'mcp'] as const;
export type Command = (typeof commands)[number];

const settings = `Settings come from the environment, or a YAML/JSON file named by HUBGATE_CONFIG_FILE (the environment
wins). The README's "Running the service for real" lists each one.`;

const perCommand: Record<Command, { summary: string; text: string }> = {
  serve: {
    summary: 'start the service (the sandbox when no GitHub App is configured)',
    text: `hubgate serve

Starts the service on HOST:PORT (default 127.0.0.1:3000) and applies pending database migrations first
(one replica at a time, under a PostgreSQL advisory lock). With no GITHUB_APP_* settings it starts the
sandbox: a simulated GitHub, a demo app and a local OpenID provider with demo users; with
HUBGATE_SANDBOX=off it serves the first-run page instead (/first-run: registers the app from a manifest,
opened with the setup token in HUBGATE_DATA_DIR/first-run-token or HUBGATE_SETUP_TOKEN).

Ready when GET /readyz answers 200. Logs are JSON lines, or readable text when stdout is a terminal
(LOG_FORMAT=json|pretty to choose; LOG_LEVEL=debug|info|warn|error).

${settings}`,
  },
  doctor: {
    summary: 'check every setting against the outside world, naming the one at fault',
    text: `hubgate doctor

Checks, one line each (ok, warn or FAIL), and exits 1 when any check fails:
  - the configuration parses (every problem listed at once)
  - the app's private key parses, GitHub accepts its JWT, and GET /app names the same app id
    (GITHUB_APP_ID), client id (GITHUB_APP_CLIENT_ID) and slug (GITHUB_APP_SLUG)
  - clock skew with GitHub's Date header
  - webhook secrets are 32+ random characters; HUBGATE_SECRET_KEY and HUBGATE_CACHE_KEY are 32-byte keys
  - the OpenID issuer (OIDC_ISSUER) serves its discovery document and a JWKS with keys
  - the database (DATABASE_URL, or PGlite in HUBGATE_DATA_DIR) and Redis (REDIS_URL) answer
  - PUBLIC_URL is set, https, and answers /healthz (a warning while hubgate is not serving)
Secrets are never printed. Run it with the same settings as serve: npx hubgate doctor

${settings}`,
  },
  migrate: {
    summary: 'apply pending database migrations, then exit',
    text: `hubgate migrate

Applies pending migrations to DATABASE_URL (or PGlite in HUBGATE_DATA_DIR) and exits. serve does the same
at start; run this as a release step to migrate before the new version takes traffic (docs/deploy.md).`,
  },
  setup: {
    summary: 'register the GitHub App from a manifest and write its settings',
    text: `hubgate setup --public-url URL [--org ORG] [--name NAME] [--out FILE] [--api-url URL] [--web-url URL] [--port N]

Registers hubgate's GitHub App from a manifest: opens a local page that posts the manifest to GitHub, you
confirm there, and GitHub's answer becomes the app's id, client id and secret, private key and webhook
secret, added to FILE (YAML, mode 0600, its other settings kept; for HUBGATE_CONFIG_FILE) or printed once.
  --public-url URL   where GitHub will reach hubgate (PUBLIC_URL); its webhook, setup and callback URLs
  --org ORG          register under this organization instead of your own account
  --name NAME        the app's name
  --out FILE         write the settings here instead of printing them
  --api-url URL      GitHub's REST URL (GITHUB_API_URL; GHES https://HOST/api/v3)
  --web-url URL      GitHub's web URL (GITHUB_WEB_URL)
  --port N           the local page's port`,
  },
  reconcile: {
    summary: 'compare what hubgate knows with GitHub once, now, and print the report',
    text: `hubgate reconcile [--org ORG]

One reconcile pass (what serve runs periodically): installations gone, suspended or renamed, project
repositories missing, renamed or moved, failed webhook deliveries asked again. --org limits it to one
tenant organization. Needs a configured GitHub App and the service's database; prints the report as JSON.

${settings}`,
  },
  mcp: {
    summary: 'the MCP server over stdio, for an agent (its tools come from hubgate at HUBGATE_URL)',
    text: `hubgate mcp

An MCP server on stdin/stdout that forwards every message to HUBGATE_URL/mcp with HUBGATE_AGENT_KEY (or
the workload ID token in HUBGATE_ID_TOKEN_FILE, read for each request): the
tools are those the key's grant allows (list projects, list and read files, write a file as a commit,
create a branch, open a pull request), each call scoped to one repository of the tenant's projects.
HUBGATE_URL must be https (or a loopback address). docs/mcp.md shows a client configuration.`,
  },
  'git-credential': {
    summary: 'git credential helper (get | store | erase)',
    text: `hubgate git-credential <get|store|erase>

git's credential helper protocol on stdin/stdout, from a local app key (GITHUB_APP_*,
HUBGATE_GITHUB_CONFIG) or hubgate's broker (HUBGATE_URL, HUBGATE_AGENT_KEY). For git itself prefer
the faster standalone helper of @hubgate/github-auth:
  git config --global credential.helper "$(npm root)/@hubgate/github-auth/bin/hubgate-git-credential.mjs"
  git config --global credential.useHttpPath true`,
  },
};

/** The usage of one command, or of all. */
export function usage(command?: Command): string {
  if (command) return perCommand[command].text;
  const width = Math.max(...commands.map((c) => c.length)) + 3;
  return `hubgate <command> [--help]

${commands.map((c) => `  ${c.padEnd(width)}${perCommand[c].summary}`).join('\n')}

  hubgate <command> --help   what a command does and the settings it reads
  hubgate --version          the installed version

${settings}`;
}
