export interface EmbedOriginPolicy {
  /** `*` was configured (or the non-production default): any site may embed. */
  any: boolean;
  origins: string[];
}
export function parseEmbedOrigins(value: string | undefined, production: boolean): EmbedOriginPolicy;
export function frameAncestors(policy: EmbedOriginPolicy): string;
export function mayEmbed(policy: EmbedOriginPolicy, origin: string, self: string[]): boolean;
export const FRAMEABLE_PREFIX: string;
