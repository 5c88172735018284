/** Who is calling, as established by sign-in: the tenant and role come from the issuer's claims. */
export interface Identity {
  userId: string;
  organizationId: string | null;
  role: string | null;
  name: string | null;
  email: string | null;
  isAdmin: boolean;
}

export function identityFromClaims(
  claims: Record<string, unknown>,
  mapping: { orgClaim: string; roleClaim: string; adminRole: string },
): Identity {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const role = str(claims[mapping.roleClaim]);
  return {
    userId: String(claims.sub),
    organizationId: str(claims[mapping.orgClaim]),
    role,
    name: str(claims.name),
    email: str(claims.email),
    isAdmin: role === mapping.adminRole,
  };
}
