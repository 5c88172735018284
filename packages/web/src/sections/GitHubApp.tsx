import { type FormEvent, useId, useState } from 'react';
import type { ApiError } from '../api/client.ts';
import type { TenantApp, TenantAppInput, TenantAppSetup } from '@hubgate/contract';
import { CopyField } from '../components/CopyField.tsx';
import { Button } from '../components/Button.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { LoadFailed } from '../components/LoadFailed.tsx';
import { Notice } from '../components/Notice.tsx';
import { Loading, Section } from '../components/Section.tsx';
import { useCanManage, useHubgate, useTenantApp } from '../context.tsx';
import { formatDateTime } from '../format.ts';

const describe = (productName: string) =>
  `For GitHub Enterprise Server: your organization registers its own GitHub App on your host, and ${productName} uses it instead of the shared one. The key and secrets are validated against the host and stored encrypted; only their fingerprints are shown.`;

/** `?app=registered`: the host sent the admin back from the one-click registration, and the app was saved. */
function takeRegistered(): boolean {
  if (typeof window === 'undefined') return false;
  const params = new URLSearchParams(window.location.search);
  if (params.get('app') !== 'registered') return false;
  window.history.replaceState(null, '', window.location.pathname);
  return true;
}

/** The tenant's own GitHub App (GHES): register, see what was validated and the fingerprints, replace the key. */
export function GitHubApp() {
  const tenantApp = useTenantApp();
  const canManage = useCanManage();
  const { productName } = useHubgate();
  const description = describe(productName);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState<string | null>(() => (takeRegistered() ? 'The app was registered on your host and validated.' : null));

  if (tenantApp.error?.missingEndpoint) {
    return (
      <Section title="Your own GitHub App" description={description}>
        <p className="muted">Registering your own GitHub App is not available on this server yet.</p>
      </Section>
    );
  }
  const app = tenantApp.data?.app;
  return (
    <Section title="Your own GitHub App" description={description}>
      {tenantApp.error && tenantApp.data === undefined ? (
        <LoadFailed what="The app's settings" error={tenantApp.error} retry={() => void tenantApp.reload()} />
      ) : tenantApp.data === undefined ? (
        <Loading what="the GitHub App" />
      ) : (
        <div className="stack">
          {saved && <Notice tone="success" title={saved} />}
          {app ? <AppDetails app={app} /> : <p className="empty">No app of your own: the shared app is used.</p>}
          {!canManage && <p className="muted small">Only organization admins can register, replace or remove the app.</p>}
          {canManage && !app && <OneClickRegistration />}
          {canManage && (editing || !app) && <SetupUrls setup={tenantApp.data.setup} />}
          {canManage &&
            (editing || !app ? (
              <AppForm
                current={app ?? null}
                onCancel={app ? () => setEditing(false) : undefined}
                onSaved={() => {
                  setSaved(app ? 'The app was validated and saved.' : 'The app was registered and validated.');
                  setEditing(false);
                  void tenantApp.reload();
                }}
              />
            ) : (
              <div className="actions">
                <Button onClick={() => { setSaved(null); setEditing(true); }}>Replace the key</Button>
                <RemoveApp onRemoved={() => { setSaved('The app was removed: the shared app is used again.'); void tenantApp.reload(); }} />
              </div>
            ))}
        </div>
      )}
    </Section>
  );
}

function AppDetails({ app }: { app: TenantApp }) {
  const rows: [string, string | number | null | undefined][] = [
    ['API URL', app.apiUrl],
    ['Web URL', app.webUrl],
    ['App ID', app.appId],
    ['Client ID', app.clientId],
    ['Slug', app.slug],
    ['Repository URL pattern', app.urlPattern],
    ['Webhook URL', app.webhookUrl],
    ['Private key fingerprint', app.keyFingerprint],
    ['Webhook secret fingerprint', app.webhookSecretFingerprint],
    ['Validated', app.validatedAt ? formatDateTime(app.validatedAt) : 'Not validated'],
  ];
  return (
    <>
      {app.problems.length > 0 && (
        <Notice tone="warning" title="Problems found when validating against the host:">
          <ul>
            {app.problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </Notice>
      )}
      <dl className="details">
        {rows
          .filter(([, v]) => v !== null && v !== undefined && v !== '')
          .map(([label, value]) => (
            <div key={label} className="details-row">
              <dt>{label}</dt>
              <dd className="mono">{String(value)}</dd>
            </div>
          ))}
      </dl>
    </>
  );
}

type FormState = Record<'apiUrl' | 'webUrl' | 'appOrClientId' | 'slug' | 'urlPattern' | 'privateKey' | 'webhookSecret' | 'clientSecret', string>;

function validate(form: FormState): Partial<Record<keyof FormState, string>> {
  const problems: Partial<Record<keyof FormState, string>> = {};
  const url = (value: string) => {
    try {
      return ['https:', 'http:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  };
  if (!url(form.apiUrl)) problems.apiUrl = 'Enter the API URL, e.g. https://github.example.com/api/v3.';
  if (form.webUrl && !url(form.webUrl)) problems.webUrl = 'Enter a URL such as https://github.example.com, or leave it empty.';
  if (!form.appOrClientId.trim()) problems.appOrClientId = 'Enter the app’s Client ID (Iv…) or its numeric App ID.';
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(form.privateKey)) problems.privateKey = 'Paste the whole .pem file, from -----BEGIN to -----END.';
  if (form.webhookSecret.length < 16) problems.webhookSecret = 'Enter the webhook secret (16 characters or more).';
  return problems;
}

function AppForm({ current, onCancel, onSaved }: { current: TenantApp | null; onCancel?: () => void; onSaved: () => void }) {
  const { client } = useHubgate();
  const [form, setForm] = useState<FormState>({
    apiUrl: current?.apiUrl ?? '',
    webUrl: current?.webUrl ?? '',
    appOrClientId: current?.clientId ?? (current?.appId ? String(current.appId) : ''),
    slug: current?.slug ?? '',
    urlPattern: current?.urlPattern ?? '',
    privateKey: '',
    webhookSecret: '',
    clientSecret: '',
  });
  const [problems, setProblems] = useState<Partial<Record<keyof FormState, string>>>({});
  const [serverError, setServerError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const baseId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = validate(form);
    setProblems(found);
    setServerError(null);
    const first = Object.keys(found)[0];
    if (first) {
      document.getElementById(`${baseId}-${first}`)?.focus();
      return;
    }
    const id = form.appOrClientId.trim();
    const input: TenantAppInput = {
      ...(/^\d+$/.test(id) ? { appId: Number(id) } : { clientId: id }),
      apiUrl: form.apiUrl.trim(),
      privateKey: form.privateKey,
      webhookSecret: form.webhookSecret,
      ...(form.webUrl.trim() ? { webUrl: form.webUrl.trim() } : {}),
      ...(form.slug.trim() ? { slug: form.slug.trim() } : {}),
      ...(form.urlPattern.trim() ? { urlPattern: form.urlPattern.trim() } : {}),
      ...(form.clientSecret ? { clientSecret: form.clientSecret } : {}),
    };
    setPending(true);
    try {
      await client.saveTenantApp(input);
      onSaved();
    } catch (e) {
      const err = e as ApiError;
      const field = err.details.field === 'clientId' || err.details.field === 'appId' ? 'appOrClientId' : err.details.field;
      if (field && field in form) setProblems({ [field]: err.message });
      else setServerError(err.message);
    } finally {
      setPending(false);
    }
  };

  const field = (name: keyof FormState, label: string, options: { hint?: string; multiline?: boolean; secret?: boolean; optional?: boolean } = {}) => {
    const id = `${baseId}-${name}`;
    const describedBy = [problems[name] ? `${id}-error` : '', options.hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
    const common = {
      id,
      className: options.multiline ? 'input mono textarea' : 'input',
      value: form[name],
      disabled: pending,
      'aria-invalid': problems[name] ? true : undefined,
      'aria-describedby': describedBy,
      onChange: (e: { currentTarget: { value: string } }) => setForm({ ...form, [name]: e.currentTarget.value }),
    };
    return (
      <div className="field">
        <label htmlFor={id}>
          {label}
          {options.optional && <span className="muted"> (optional)</span>}
        </label>
        {options.multiline ? <textarea {...common} rows={5} spellCheck={false} /> : <input {...common} type={options.secret ? 'password' : 'text'} autoComplete="off" />}
        {options.hint && (
          <p className="hint" id={`${id}-hint`}>
            {options.hint}
          </p>
        )}
        {problems[name] && (
          <p className="field-error" id={`${id}-error`}>
            {problems[name]}
          </p>
        )}
      </div>
    );
  };

  return (
    <form className="subsection form" onSubmit={submit} noValidate aria-label={current ? 'Replace the app key' : 'Register your GitHub App'}>
      <h3>{current ? 'Replace the key' : 'Register your GitHub App'}</h3>
      {current && <p className="muted">Paste the new private key and the webhook secret; the app is validated again before anything is replaced.</p>}
      {field('apiUrl', 'API URL', { hint: 'https://HOST/api/v3 on GitHub Enterprise Server.' })}
      {field('webUrl', 'Web URL', { optional: true, hint: 'Derived from the API URL when empty.' })}
      {field('appOrClientId', 'Client ID or App ID', { hint: 'The Client ID (Iv…) is GitHub’s recommended JWT issuer; GHES 3.12–3.13 need the App ID.' })}
      {field('slug', 'App slug', { optional: true, hint: 'The last part of the app’s public page: /apps/<slug>.' })}
      {field('urlPattern', 'Repository URL pattern', { optional: true, hint: 'Which repository URLs this app serves; the host by default.' })}
      {field('privateKey', 'Private key (.pem)', { multiline: true })}
      {field('webhookSecret', 'Webhook secret', { secret: true })}
      {field('clientSecret', 'Client secret', { secret: true, optional: true })}
      {serverError && (
        <Notice tone="error" title="The app was not saved.">
          <p>{serverError}</p>
        </Notice>
      )}
      <div className="actions">
        <Button type="submit" variant="primary" pending={pending} pendingLabel="Validating against the host…">
          {current ? 'Validate and replace' : 'Validate and register'}
        </Button>
        {onCancel && (
          <Button onClick={onCancel} disabled={pending}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}

function RemoveApp({ onRemoved }: { onRemoved: () => void }) {
  const { client, productName } = useHubgate();
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <Button variant="danger" onClick={() => setOpen(true)}>
        Remove the app
      </Button>
      <Dialog
        open={open}
        title="Remove your GitHub App?"
        onClose={() => !pending && setOpen(false)}
        footer={
          <>
            <Button onClick={() => setOpen(false)} disabled={pending}>
              Cancel
            </Button>
            <Button
              variant="destructive"
              pending={pending}
              pendingLabel="Removing…"
              onClick={async () => {
                setPending(true);
                setError(null);
                try {
                  await client.removeTenantApp();
                  setOpen(false);
                  onRemoved();
                } catch (e) {
                  setError((e as ApiError).message);
                } finally {
                  setPending(false);
                }
              }}
            >
              Remove
            </Button>
          </>
        }
      >
        <p>{productName} forgets the key and secrets of this app. Installations of it can no longer be reached until it is registered again.</p>
        {error && (
          <Notice tone="error" title="The app was not removed.">
            <p>{error}</p>
          </Notice>
        )}
      </Dialog>
    </>
  );
}

/** The URLs the app on the host must be set up with, for the manual registration (the one-click flow sets them). */
function SetupUrls({ setup }: { setup: TenantAppSetup }) {
  return (
    <div className="subsection">
      <h3>Set up the app on your host with</h3>
      <CopyField label="Callback URL" value={setup.callbackUrl} />
      <CopyField label="Setup URL (tick “Redirect on update”)" value={setup.setupUrl} />
      <CopyField label="Webhook URL" value={setup.webhookUrl} />
    </div>
  );
}

/**
 * GitHub's manifest flow on the tenant's host: the server builds the manifest (name, URLs, permissions, events) and
 * a state; the browser posts it to the host, where an owner confirms; the host sends the admin back with a code the
 * server converts into the app's credentials. Nothing is typed or pasted.
 */
function OneClickRegistration() {
  const { client } = useHubgate();
  const [webUrl, setWebUrl] = useState('');
  const [organization, setOrganization] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const baseId = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      if (!['https:', 'http:'].includes(new URL(webUrl.trim()).protocol)) throw new Error();
    } catch {
      setError('Enter your host’s address, e.g. https://github.example.com.');
      return;
    }
    setPending(true);
    try {
      const started = await client.startManifest({
        webUrl: webUrl.trim(),
        ...(organization.trim() ? { organization: organization.trim() } : {}),
      });
      // A form post, as GitHub's manifest flow wants: the manifest never travels in a URL.
      const form = document.createElement('form');
      form.method = 'post';
      form.action = `${started.postUrl}?state=${encodeURIComponent(started.state)}`;
      for (const [name, value] of [['manifest', JSON.stringify(started.manifest)], ['state', started.state]] as const) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.append(input);
      }
      document.body.append(form);
      form.submit();
    } catch (e) {
      setError((e as ApiError).message);
      setPending(false);
    }
  };
  return (
    <form className="subsection form" onSubmit={submit} noValidate aria-label="Register in one click">
      <h3>Register in one click</h3>
      <p className="muted">Your host creates the app with every URL and permission set; an owner confirms it there.</p>
      <div className="field">
        <label htmlFor={`${baseId}-web`}>Your GitHub Enterprise Server</label>
        <input
          id={`${baseId}-web`}
          className="input"
          value={webUrl}
          placeholder="https://github.example.com"
          disabled={pending}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${baseId}-error` : undefined}
          onChange={(e) => setWebUrl(e.currentTarget.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${baseId}-org`}>
          Organization on the host<span className="muted"> (optional: the app is owned by your own account otherwise)</span>
        </label>
        <input id={`${baseId}-org`} className="input" value={organization} disabled={pending} onChange={(e) => setOrganization(e.currentTarget.value)} />
      </div>
      {error && (
        <p className="field-error" id={`${baseId}-error`} role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <Button type="submit" variant="primary" pending={pending} pendingLabel="Opening your host…">
          Register on your host
        </Button>
      </div>
      <p className="muted small">Or register it by hand below.</p>
    </form>
  );
}
