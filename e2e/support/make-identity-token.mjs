// What a customer's server runs (the README's Node code): prints an identity token for the user id given
// as the first argument, signed with BACKSTOP_IDENTITY_SECRET. `--hmac` prints the hex HMAC instead of a JWT.
import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';

const [userId, kind] = process.argv.slice(2);
const secret = process.env.BACKSTOP_IDENTITY_SECRET;
if (!userId || !secret) {
  console.error('Usage: BACKSTOP_IDENTITY_SECRET=idsec_… node make-identity-token.mjs USER_ID [--hmac]');
  process.exit(2);
}
if (kind === '--hmac') console.log(createHmac('sha256', secret).update(userId, 'utf8').digest('hex'));
else console.log(await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setExpirationTime('1h').sign(new TextEncoder().encode(secret)));
