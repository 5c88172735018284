/** Who is calling, as established by sign-in: the tenant and role come from the issuer's claims. */
export interface Identity {
  userId: string;
  organizationId: string | null;
  organizationName: string | null;
  role: string | null;
  name: string | null;
  email: string | null;
  isAdmin: boolean;
}

export interface ClaimMapping {
  orgClaim: string;
  orgNameClaim: string;
  roleClaim: string;
  adminRole: string;
}

export function identityFromClaims(claims: Record<string, unknown>, mapping: ClaimMapping): Identity {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const role = str(claims[mapping.roleClaim]);
  const userId = str(claims.sub);
  if (!userId) throw new Error('the identity carries no subject');
  return {
    userId,
    organizationId: str(claims[mapping.orgClaim]),
    organizationName: str(claims[mapping.orgNameClaim]),
    role,
    name: str(claims.name),
    email: str(claims.email),
    isAdmin: role === mapping.adminRole,
  };
}
