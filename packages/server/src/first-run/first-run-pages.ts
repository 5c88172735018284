/**
 * The first-run pages, rendered by the server: they must work before anything else is configured, so they stay
 * out of the React build (packages/web) and need no script but the manifest's auto-submit.
 */
const esc = (v: string) => v.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const layout = (title: string, body: string) => `<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}label{display:block;margin:.8rem 0}
input[type=text],input[type=password],input[type=url]{width:100%;padding:.4rem;box-sizing:border-box}pre{background:#f4f4f4;padding:1rem;overflow:auto}
.problem{color:#a40000}fieldset{margin:1rem 0}button{padding:.5rem 1rem}</style>
<main>${body}</main></html>`;

export interface FormDefaults {
  productName: string;
  /** the service's URL, and whether PUBLIC_URL set it */
  url: string;
  publicUrlSet: boolean;
  webUrl: string;
  tokenFile: string | null;
  configFile: string;
}

/** The operator's form: the setup token, where the app is registered, and where its settings go. */
export function firstRunForm(d: FormDefaults, problem?: string): string {
  return layout(
    'Register the GitHub App',
    `<h1>Register ${esc(d.productName)}'s GitHub App</h1>
<p>No GitHub App is configured. This page registers one on GitHub from a manifest (its URLs, permissions and events
come from this service's public URL); GitHub asks you to confirm, then sends you back here.</p>
<p>The app's webhook, setup and callback URLs will be under <code>${esc(d.url)}</code>${d.publicUrlSet ? ' (PUBLIC_URL)' : ': PUBLIC_URL is not set, so this is the address the service listens on; set PUBLIC_URL and restart if GitHub and your users reach it elsewhere'}.</p>
${problem ? `<p class="problem" role="alert">${esc(problem)}</p>` : ''}
<form method="post" action="/first-run">
<label>Setup token <input type="password" name="token" autocomplete="off" required></label>
<p>${d.tokenFile ? `The token is in <code>${esc(d.tokenFile)}</code> on the server (readable by the service's user only); a restart makes a new one.` : 'The token is the <code>HUBGATE_SETUP_TOKEN</code> the operator set.'}</p>
<label>GitHub (github.com, or your GitHub Enterprise Server's address) <input type="url" name="webUrl" value="${esc(d.webUrl)}" required></label>
<label>Organization that owns the app (empty: your personal account) <input type="text" name="organization" pattern="[A-Za-z0-9-]{1,39}"></label>
<label>App name <input type="text" name="name" value="${esc(d.productName)}" required maxlength="34"></label>
<fieldset><legend>Where the app's settings go</legend>
<label><input type="radio" name="output" value="file" checked> the configuration file <code>${esc(d.configFile)}</code> (mode 0600)</label>
<label><input type="radio" name="output" value="env"> shown once on this page as environment lines (stored nowhere)</label>
</fieldset>
<button type="submit">Register on GitHub</button>
</form>`,
  );
}

export function problemPage(title: string, message: string): string {
  return layout(title, `<h1>${esc(title)}</h1><p class="problem" role="alert">${esc(message)}</p><p><a href="/first-run">Start again</a></p>`);
}

export interface DonePage {
  slug: string;
  appId: number;
  /** the file written, or null when the settings are shown once */
  file: string | null;
  /** the operator must set HUBGATE_CONFIG_FILE for later starts */
  fileNotReadAtStart: boolean;
  envLines: string[] | null;
  /** null: the service runs with the app now; otherwise what keeps it from starting */
  problems: string[] | null;
  writeProblem?: string;
}

/** After the conversion: where the settings are and whether the service already runs with them. */
export function donePage(d: DonePage): string {
  const saved = d.file
    ? `<p>Its settings are in <code>${esc(d.file)}</code> (mode 0600).${d.fileNotReadAtStart ? ` For later starts, set <code>HUBGATE_CONFIG_FILE=${esc(d.file)}</code>.` : ''}</p>`
    : `${d.writeProblem ? `<p class="problem">The settings could not be written (${esc(d.writeProblem)}), so they are shown here instead.</p>` : ''}
<p>Its settings are shown here once and stored nowhere: put them in the service's environment (or its
configuration file) before it restarts.</p><pre id="settings">${esc(d.envLines!.join('\n'))}</pre>`;
  const next = d.problems
    ? `<p>hubgate cannot run with it yet; set these, then restart it:</p><ul id="problems">${d.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>`
    : `<p id="live">hubgate now runs with this app (no restart needed): <a href="/workspace/settings/repos">open the settings</a>.</p>`;
  return layout('The GitHub App is registered', `<h1>The GitHub App ${esc(d.slug)} (id ${d.appId}) is registered</h1>${saved}${next}`);
}

export function registeredPage(): string {
  return layout(
    'The GitHub App is registered',
    '<h1>The GitHub App is registered</h1><p>This service has registered its GitHub App and waits for a restart with the settings it was given (see its log).</p>',
  );
}
