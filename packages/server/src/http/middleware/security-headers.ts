import { secureHeaders } from 'hono/secure-headers';

/** hono's secure headers: no framing (`frame-ancestors 'none'`), no sniffing, same-origin referrers. */
export const securityHeaders = () =>
  secureHeaders({
    xFrameOptions: 'DENY',
    referrerPolicy: 'same-origin',
    contentSecurityPolicy: { frameAncestors: ["'none'"] },
    crossOriginResourcePolicy: 'same-origin',
    strictTransportSecurity: false,
  });
