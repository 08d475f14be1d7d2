// `npm run appstore:test-notification`: asks Apple (or the local sandbox, via APPSTORE_API_URL)
// to send a TEST notification to the configured notification URL, and prints its token.
import { loadConfig } from '../../config';
import { createAppStoreApiClient } from './appstore-api-client';

async function main(): Promise<void> {
  const appStore = loadConfig().appStore;
  if (!appStore?.serverApi) {
    console.error('Set APPSTORE_BUNDLE_ID, APPSTORE_ISSUER_ID, APPSTORE_KEY_ID and APPSTORE_PRIVATE_KEY (see .env.example).');
    process.exitCode = 1;
    return;
  }
  const environment = appStore.environments.includes('Production') ? 'Production' : 'Sandbox';
  const client = createAppStoreApiClient({ ...appStore.serverApi, bundleId: appStore.bundleId, environment });
  const response = await client.requestTestNotification();
  console.log(JSON.stringify({ environment, testNotificationToken: response.testNotificationToken }));
}

main().catch((error: { httpStatusCode?: number; apiError?: number; errorMessage?: string; message?: string }) => {
  // The library's APIException carries the HTTP status and Apple's error code, not a message.
  const detail = error.httpStatusCode ? `HTTP ${error.httpStatusCode}${error.apiError ? `, App Store error ${error.apiError}` : ''}${error.errorMessage ? `: ${error.errorMessage}` : ''}` : error.message;
  console.error(`Requesting a test notification failed: ${detail || String(error)}`);
  process.exitCode = 1;
});
