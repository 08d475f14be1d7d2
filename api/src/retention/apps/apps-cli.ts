// `npm run retention-apps -- create <name> | add-key <appId> | revoke-key <publicKey> | list`:
// manage the apps that may start cancel flows (precancel API, JS embed). Prints JSON on stdout;
// a new private key is printed once, with a warning on stderr, and only its ciphertext is kept.
// Runs against DATABASE_URL, or the embedded database of a running `npm start`.
import { loadConfig } from '../../config';
import { openCliDataSource } from '../../platform/db/local-database-url';
import { isAppError } from '../../platform/errors';
import type { RetentionAppEntity } from './retention-app.entities';
import { RetentionAppKeys, type AppCredentials } from './retention-app-keys';

const USAGE = 'usage: npm run retention-apps -- create <name> | add-key <appId> | revoke-key <publicKey> | list';

// What an admin sees of an app: never the private keys' ciphertext.
const appView = (app: RetentionAppEntity) => ({
  id: app.id,
  name: app.name,
  createdAt: app.createdAt.toISOString(),
  keys: (app.keys ?? []).map((key) => ({
    publicKey: key.publicKey,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  })),
});

const credentialsView = (credentials: AppCredentials) => ({ app: appView(credentials.app), publicKey: credentials.publicKey, privateKey: credentials.privateKey });

async function main(): Promise<void> {
  const [command, argument, ...rest] = process.argv.slice(2);
  const valid =
    command === 'list' ? argument === undefined
    : command === 'create' ? Boolean(argument?.trim())
    : (command === 'add-key' || command === 'revoke-key') && Boolean(argument) && rest.length === 0;
  if (!valid) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const dataSource = await openCliDataSource(config);
  if (!dataSource) return;
  try {
    const keys = new RetentionAppKeys(dataSource, config.retention.appKeysEncryptionKey);
    switch (command) {
      case 'create':
      case 'add-key': {
        // A name may be several words without quotes: `create My App`.
        const credentials = command === 'create' ? await keys.createApp([argument!, ...rest].join(' ')) : await keys.createKey(argument!);
        console.error('The private key below is shown only this once: store it in your app’s server secrets now.');
        console.log(JSON.stringify(credentialsView(credentials), null, 2));
        break;
      }
      case 'revoke-key':
        console.log(JSON.stringify(appView(await keys.revokeKey(argument!)), null, 2));
        break;
      default:
        console.log(JSON.stringify((await keys.list()).map(appView), null, 2));
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  console.error(isAppError(error) ? error.message : error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
