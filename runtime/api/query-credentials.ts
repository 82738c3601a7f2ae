// Credentials in a URL end up in access logs, proxies' logs, browser history and Referer headers.
// A request carrying one in its query string is refused before anything else, whatever the route,
// so no client can come to rely on it working.
import { looksLikeApiKey } from '../core/api-keys.js';
import { HttpError } from '../core/errors.js';

/** Query parameter names that carry credentials by convention (compared lower-cased). */
export const CREDENTIAL_PARAMS = new Set(['api_key', 'apikey', 'api-key', 'x-api-key', 'key', 'token', 'access_token', 'auth', 'authorization', 'bearer', 'jwt', 'id_token']);

// A compact JWS (header.payload.signature, the header starting `{"`) under any name.
const JWT = /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/;

/** Throws a 400 when the URL's query string carries a credential, by its name or by its shape. */
export function refuseCredentialsInQuery(url: string): void {
  const q = url.indexOf('?');
  if (q < 0) return;
  for (const [name, value] of new URLSearchParams(url.slice(q + 1))) {
    const byName = CREDENTIAL_PARAMS.has(name.toLowerCase());
    if (!byName && !looksLikeApiKey(value) && !JWT.test(value)) continue;
    throw new HttpError(
      400,
      'credentials_in_query',
      `credentials are not accepted in the URL (query parameter "${name.slice(0, 40)}"): URLs are logged; send them as Authorization: Bearer <key or token>, and revoke a key that was sent this way`,
      {},
      `querystring.${name.slice(0, 40)}`,
    );
  }
}
