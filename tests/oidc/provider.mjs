// A real OpenID Connect provider (the npm package oidc-provider) for riskreg's sign-on tests.
//
// Started by tests/oidc_provider.py on 127.0.0.1 with:
//   node provider.mjs <port> <accounts.json>
// and the client in the environment (OIDC_TEST_CLIENT_ID, OIDC_TEST_CLIENT_SECRET,
// OIDC_TEST_REDIRECT_URIS, comma-separated). Accounts are read from the JSON file on every
// lookup, so a test changes a user's groups or disables them by rewriting the file:
//   {"alice": {"name": "Alice Adams", "email": "alice@example.police.uk",
//              "groups": ["RR-Risk-Officers"], "disabled": false}}
// The login page is the package's own (devInteractions): any password is accepted for an
// account in the file. A disabled or unknown account has no session: a silent (prompt=none)
// request answers login_required, as a real provider does for a disabled user.

import { readFileSync } from 'node:fs';

import Provider, { interactionPolicy } from 'oidc-provider';

const [port, accountsFile] = process.argv.slice(2);
if (!port || !accountsFile) {
  console.error('usage: node provider.mjs <port> <accounts.json>');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

function readAccounts() {
  return JSON.parse(readFileSync(accountsFile, 'utf8'));
}

async function findAccount(ctx, id) {
  const account = readAccounts()[id];
  if (!account || account.disabled) {
    return undefined;
  }
  return {
    accountId: id,
    async claims() {
      const [given, ...family] = (account.name || id).split(' ');
      return {
        sub: id,
        preferred_username: id,
        name: account.name || id,
        given_name: given,
        family_name: family.join(' '),
        email: account.email,
        email_verified: true,
        groups: account.groups || [],
      };
    },
  };
}

const policy = interactionPolicy.base();
policy.get('login').checks.add(new interactionPolicy.Check(
  'account_unavailable',
  'the account is disabled or no longer exists',
  (ctx) => (ctx.oidc.session.accountId && !ctx.oidc.account
    ? interactionPolicy.Check.REQUEST_PROMPT
    : interactionPolicy.Check.NO_NEED_TO_PROMPT),
));

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_TEST_CLIENT_ID,
    client_secret: process.env.OIDC_TEST_CLIENT_SECRET,
    redirect_uris: process.env.OIDC_TEST_REDIRECT_URIS.split(','),
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  findAccount,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  interactions: { policy },
  // A first-party client, as an organisation's own app registration is: no consent page.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile groups');
    await grant.save();
    return grant;
  },
  cookies: { keys: ['riskreg-test-provider-cookie-key'] },
  features: { devInteractions: { enabled: true } },
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
