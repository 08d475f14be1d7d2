/** The account picker's preset people and the stable, provider-shaped `sub` derived from an email. */
import { createHash } from 'node:crypto';

export type Provider = 'google' | 'apple';

export interface Account {
  sub: string;
  email: string;
  emailVerified: boolean;
  name: string;
  isPrivateEmail: boolean;
}

export interface PresetAccount {
  email: string;
  name: string;
  emailVerified: boolean;
  isPrivateEmail?: boolean;
  note?: string;
}

const COMMON: PresetAccount[] = [
  { email: 'ada@example.com', name: 'Ada Lovelace', emailVerified: true },
  { email: 'grace@example.com', name: 'Grace Hopper', emailVerified: true },
  { email: 'alan@example.com', name: 'Alan Turing', emailVerified: false, note: 'email not verified' },
];

export const PRESET_ACCOUNTS: Record<Provider, PresetAccount[]> = {
  google: COMMON,
  apple: [
    ...COMMON,
    {
      email: 'k7w2m9q4tb@privaterelay.appleid.com',
      name: 'Katherine Johnson',
      emailVerified: true,
      isPrivateEmail: true,
      note: 'Hide My Email (private relay)',
    },
  ],
};

/**
 * The same email always gets the same `sub` (per provider), across restarts and machines: Google's
 * look like 21 digits, Apple's like `001234.<32 hex>.1234`.
 */
export function subFor(provider: Provider, email: string): string {
  const hash = createHash('sha256').update(`${provider}:${email.trim().toLowerCase()}`).digest('hex');
  if (provider === 'google') {
    const digits = (BigInt(`0x${hash}`) % 10n ** 20n).toString().padStart(20, '0');
    return `1${digits}`;
  }
  const n = parseInt(hash.slice(32, 40), 16);
  return `00${String(n % 10000).padStart(4, '0')}.${hash.slice(0, 32)}.${String(Math.floor(n / 10000) % 10000).padStart(4, '0')}`;
}

export function accountFor(provider: Provider, p: { email: string; name?: string; emailVerified?: boolean; isPrivateEmail?: boolean }): Account {
  const email = p.email.trim();
  return {
    sub: subFor(provider, email),
    email,
    emailVerified: p.emailVerified ?? true,
    name: (p.name ?? '').trim(),
    isPrivateEmail: p.isPrivateEmail ?? (provider === 'apple' && /@privaterelay\.appleid\.com$/i.test(email)),
  };
}

export function splitName(name: string): { given: string; family: string } {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length <= 1) return { given: parts[0] ?? '', family: '' };
  return { given: parts.slice(0, -1).join(' '), family: parts[parts.length - 1]! };
}
