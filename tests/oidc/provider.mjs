// A real OpenID provider for the single sign-on stories (tests/e2e/people/sso.rs):
// oidc-provider (OpenID Certified) with its own development sign-in form, one client
// (Overdue, at REDIRECT_URI: one or more, separated by commas), and the people of the
// JSON file PEOPLE_FILE, read again at every sign-in so a story can change someone's
// groups between two sign-ins:
//   { "<account id>": { "email": "...", "email_verified": true, "groups": ["ops"] } }
// With CLAIMS_IN_ID_TOKEN=1 the claims ride in the ID token; else (the provider's
// default) the ID token carries `sub` and the claims come from the userinfo endpoint.
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const people = () => JSON.parse(readFileSync(process.env.PEOPLE_FILE, 'utf8'));

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'overdue',
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: process.env.REDIRECT_URI.split(','),
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  async findAccount(_ctx, id) {
    const person = people()[id];
    if (!person) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...person }; } };
  },
  // Overdue is the company's own client: the consent screen is skipped, as a provider
  // is set up for first-party applications.
  async loadExistingGrant(ctx) {
    const id = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (id) return ctx.oidc.provider.Grant.find(id);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile groups');
    await grant.save();
    return grant;
  },
  pkce: { required: () => true },
  conformIdTokenClaims: !process.env.CLAIMS_IN_ID_TOKEN,
  cookies: { keys: ['overdue-test-cookie-key'] },
  features: { devInteractions: { enabled: true } },
});

http.createServer(provider.callback()).listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
