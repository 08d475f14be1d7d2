// `npm run keys -w api`: prints a new signing key as a JWT_SIGNING_KEYS value. To rotate,
// put the new key first and keep the old one after it for at least one access-token lifetime.
import { generateSigningJwk } from './signing-keys';

generateSigningJwk()
  .then((jwk) => console.log(JSON.stringify([jwk])))
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
