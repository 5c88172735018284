// The Repositories settings page: reads the session and the connection, and drives connect/disconnect/claim.
const $ = (id) => document.getElementById(id);
const text = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
let csrfToken = '';

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken, ...(options.headers ?? {}) },
    credentials: 'same-origin',
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
  return body;
}

function showError(message) {
  $('error').hidden = !message;
  $('error').textContent = message ?? '';
}

function connectedView(c) {
  const installed = new Date(c.installedAt).toLocaleDateString('en-US', {
    month: 'short',
    day: 'numeric',
    year: 'numeric',
  });
  return `<p class="ok">✓ Connected to ${text(c.account.login)}</p>
    <p class="muted">${c.account.type === 'Organization' ? 'Organization' : 'Personal account'} · Installed ${text(installed)}</p>
    ${c.suspended ? '<p class="warn">This installation is suspended on GitHub: tokens cannot be issued until it is unsuspended.</p>' : ''}
    ${c.warning ? `<p class="warn">${text(c.warning)}</p>` : ''}
    <p><a class="button" href="${text(c.manageUrl)}" target="_blank" rel="noopener">Manage on GitHub</a>
    ${c.canManage ? '<button id="disconnect" class="danger">Disconnect</button>' : ''}</p>`;
}

function disconnectedView(canManage, claimId) {
  const claim = claimId
    ? `<p class="warn">GitHub installation ${text(claimId)} arrived without a connection request (an owner approved it).
       ${canManage ? `<button id="claim" data-id="${text(claimId)}">Claim installation ${text(claimId)}</button>` : 'An admin can claim it.'}</p>`
    : '';
  return `${claim}<p>Connect your GitHub organization or account to store projects and tickets in your own repos.</p>
    <p class="muted">When prompted, select "Only select repositories". hubgate will only access repos it creates for your projects and teams, never your codebases.</p>
    ${canManage ? '<p><button id="connect" class="primary">Connect GitHub</button></p>' : '<p class="muted">Only organization admins can connect GitHub.</p>'}`;
}

async function render() {
  showError(null);
  const session = await api('/api/session');
  if (!session.signedIn) {
    $('connection').innerHTML =
      `<p><a class="button" href="/auth/login?return_to=${encodeURIComponent(location.pathname + location.search)}">Sign in</a></p>`;
    return;
  }
  csrfToken = session.csrfToken;
  $('who').textContent =
    `${session.user.name ?? session.user.id} · ${session.isAdmin ? 'admin' : 'member'} of ${session.organizationId}`;
  const params = new URLSearchParams(location.search);
  const connection = await api('/api/github/connection');
  $('connection').innerHTML = connection.connected
    ? connectedView(connection)
    : disconnectedView(
        connection.canManage,
        params.get('notice') === 'claim' ? params.get('installation_id') : null,
      );
  $('projects').innerHTML = connection.connected
    ? '<p class="muted">No projects yet.</p>'
    : '<p class="muted">Connect GitHub to create projects</p>';
  $('connect')?.addEventListener('click', async () => {
    try {
      location.assign((await api('/api/github/connect', { method: 'POST', body: '{}' })).installUrl);
    } catch (error) {
      showError(error.message);
    }
  });
  $('claim')?.addEventListener('click', async (event) => {
    try {
      location.assign(
        (
          await api('/api/github/claim', {
            method: 'POST',
            body: JSON.stringify({ installationId: Number(event.target.dataset.id) }),
          })
        ).authorizeUrl,
      );
    } catch (error) {
      showError(error.message);
    }
  });
  $('disconnect')?.addEventListener('click', async () => {
    if (!confirm('Disconnect GitHub? Tokens are revoked; your repositories stay on GitHub.')) return;
    try {
      await api('/api/github/disconnect', { method: 'POST', body: '{}' });
      await render();
    } catch (error) {
      showError(error.message);
    }
  });
}

render().catch((error) => showError(error.message));
