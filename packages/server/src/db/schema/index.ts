export { auditEvents } from './audit-events.js';
export { githubInstallations } from './github-installations.js';
export { githubUserGrants } from './github-user-grants.js';
export { installStates } from './install-states.js';
export { repos } from './repos.js';
export { oidcLogins, sessions } from './sessions.js';
export { webhookDeliveries } from './webhook-deliveries.js';
