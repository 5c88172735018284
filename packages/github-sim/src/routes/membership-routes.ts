import type { Hono } from 'hono';
import type { SimContext } from '../context.js';
import { defineRoute } from '../define-route.js';
import { notFound, resourceNotAccessible } from '../errors.js';
import type { SimOrg } from '../model.js';
import { orgMembership } from '../payloads.js';
import { permits } from '../tokens.js';

/**
 * `GET /user/memberships/orgs/{org}`: the signed-in user's own membership (role `admin` or `member`, state
 * `active`). https://docs.github.com/en/rest/orgs/members#get-an-organization-membership-for-the-authenticated-user
 * A GitHub App user token needs the app's organization permission "Members: read" on an installation in that
 * organization (the docs' "fine-grained access" table for this route); without it GitHub answers
 * 403 "Resource not accessible by integration". A non-member gets 404.
 */
export function registerMembershipRoutes(api: Hono, ctx: SimContext) {
  const { store } = ctx;
  defineRoute(api, ctx, 'GET /user/memberships/orgs/{org}', ['user', 'pat'], (c, p) => {
    if (p.kind !== 'user' && p.kind !== 'pat') throw new Error('unreachable');
    const org = store.accountByLogin(c.req.param('org')!);
    if (!org || org.type !== 'Organization') throw notFound();
    if (p.kind === 'user') {
      const inst = store.installationFor(p.app.id, org.id);
      if (!inst || inst.suspendedAt || !permits(inst.permissions, 'members', 'read'))
        throw resourceNotAccessible();
    }
    const role = (org as SimOrg).members.get(p.user.id);
    if (!role) throw notFound();
    return c.json(orgMembership(ctx.urls(), org, p.user, role));
  });
}
