/** The audience a tenant's ID tokens must carry: it names the tenant, so one minted for A is no use at B. */
export const tenantAudience = (publicUrl: string, organizationId: string) => `${publicUrl.replace(/\/+$/, '')}/tenants/${organizationId}`;
