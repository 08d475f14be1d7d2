// `npm run admin -- grant-role <email>` / `revoke-role <email>`: make a user an admin (who may
// grant promotional entitlements) or take it back. Runs against DATABASE_URL.
import { loadConfig } from '../config';
import { openCliDataSource } from '../platform/db/local-database-url';
import { UserEntity } from './user.entity';

async function main(): Promise<void> {
  const [command, rawEmail] = process.argv.slice(2);
  if (!['grant-role', 'revoke-role'].includes(command ?? '') || !rawEmail) {
    console.error('usage: npm run admin -- grant-role <email> | revoke-role <email>');
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const dataSource = await openCliDataSource(config);
  if (!dataSource) return;
  try {
    const email = rawEmail.trim().toLowerCase();
    const result = await dataSource.getRepository(UserEntity).update({ email }, { role: command === 'grant-role' ? 'admin' : 'user' });
    if (!result.affected) {
      console.error(`No user with the email ${email}.`);
      process.exitCode = 1;
      return;
    }
    console.log(JSON.stringify({ email, role: command === 'grant-role' ? 'admin' : 'user' }));
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
