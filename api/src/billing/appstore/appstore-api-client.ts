import { AppStoreServerAPIClient, Environment } from '@apple/app-store-server-library';

/**
 * Apple's Server API client. `apiUrl` points it at another server speaking the same API (the
 * local sandbox): the library has no option for that, so the base URL it chose is replaced.
 */
export function createAppStoreApiClient(options: {
  privateKey: string;
  keyId: string;
  issuerId: string;
  bundleId: string;
  environment: 'Production' | 'Sandbox';
  apiUrl?: string;
}): AppStoreServerAPIClient {
  const client = new AppStoreServerAPIClient(
    options.privateKey,
    options.keyId,
    options.issuerId,
    options.bundleId,
    options.environment === 'Production' ? Environment.PRODUCTION : Environment.SANDBOX,
  );
  if (options.apiUrl) (client as unknown as { urlBase: string }).urlBase = options.apiUrl.replace(/\/$/, '');
  return client;
}
