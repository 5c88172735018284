import { createVerify } from 'node:crypto';
import type { SimApp } from './model.js';
import type { SimStore } from './store.js';

export type JwtCheck = { ok: true; app: SimApp } | { ok: false; message: string };

export interface JwtRules {
  /** GHES 3.12/3.13 accept only the numeric app id as `iss`. */
  appIdOnlyIssuer: boolean;
}

const couldNotDecode = 'A JSON web token could not be decoded';
const iatMessage =
  "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
const expPastMessage =
  "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
const expFarMessage = "'Expiration time' claim ('exp') is too far in the future";

function decodeSegment(segment: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value && typeof value === 'object' ? value : null;
  } catch {
    return null;
  }
}

/**
 * Checks an app JWT the way GitHub does, with GitHub's messages. Written here rather than with a JWT
 * library because the point is to reproduce GitHub's particular rules and wording, not generic ones.
 */
export function checkAppJwt(store: SimStore, jwt: string, nowMs: number, rules: JwtRules): JwtCheck {
  const parts = jwt.split('.');
  if (parts.length !== 3) return { ok: false, message: couldNotDecode };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeSegment(headerPart);
  const claims = decodeSegment(payloadPart);
  if (!header || !claims || header.alg !== 'RS256') return { ok: false, message: couldNotDecode };

  const app = findIssuer(store, claims.iss, rules);
  if (!app) return { ok: false, message: couldNotDecode };

  const signed = `${headerPart}.${payloadPart}`;
  const signature = Buffer.from(signaturePart, 'base64url');
  const valid = app.publicKeys.some((pem) =>
    createVerify('RSA-SHA256').update(signed).verify(pem, signature),
  );
  // GitHub answers the same when the key belongs to another app: "could not be decoded".
  if (!valid) return { ok: false, message: couldNotDecode };

  const now = Math.floor(nowMs / 1000);
  const { iat, exp } = claims;
  if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > now)
    return { ok: false, message: iatMessage };
  if (typeof exp !== 'number' || !Number.isInteger(exp) || exp <= now)
    return { ok: false, message: expPastMessage };
  if (exp > now + 600) return { ok: false, message: expFarMessage };
  return { ok: true, app };
}

function findIssuer(store: SimStore, iss: unknown, rules: JwtRules): SimApp | undefined {
  if (typeof iss === 'number' || (typeof iss === 'string' && /^\d+$/.test(iss)))
    return store.apps.get(Number(iss));
  if (typeof iss === 'string' && !rules.appIdOnlyIssuer) return store.appByClientId(iss);
  return undefined;
}
