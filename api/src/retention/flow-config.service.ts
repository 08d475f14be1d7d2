import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { planByKey } from '../billing/plans';
import { AppError } from '../platform/errors';
import { defaultCancelFlowConfig, type CancelFlowConfig, type CancelOfferConfig, type CancelReasonKey } from './flow-config';
import { RetentionFlowConfigEntity } from './flow-config.entity';

const REASONS = ['too_expensive', 'missing_features', 'switched_service', 'unused', 'customer_service', 'too_complex', 'low_quality', 'other'] as const;

const text = (max: number) => z.string().trim().min(1, 'Required.').max(max, `At most ${max} characters.`);
const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'A hex colour like #4f46e5.');
const supportUrl = z
  .string()
  .trim()
  .refine((u) => /^(https:\/\/|mailto:)\S+$/i.test(u) && URL.canParse(u), 'An https:// or mailto: address.');

/** The GraphQL input, flat (kind + fields), as the admin page and API send it. */
export interface FlowConfigInput {
  appearance: Record<keyof CancelFlowConfig['appearance'], string>;
  reasons: Array<{
    reason: string;
    label: string;
    askComment: boolean;
    offer: {
      kind: string;
      title?: string | null;
      description?: string | null;
      percentOff?: number | null;
      durationMonths?: number | null;
      pauseMonths?: number | null;
      planKey?: string | null;
      supportUrl?: string | null;
    };
  }>;
  appStorePromotionalOfferId?: string | null;
}

const offerSchema = z
  .object({
    kind: z.enum(['DISCOUNT', 'PAUSE', 'SWITCH_PLAN', 'CONTACT_SUPPORT', 'NONE']),
    title: z.string().trim().max(80, 'At most 80 characters.').nullish(),
    description: z.string().trim().max(300, 'At most 300 characters.').nullish(),
    percentOff: z.number().int().min(1, 'Enter a whole number from 1 to 100.').max(100, 'Enter a whole number from 1 to 100.').nullish(),
    durationMonths: z.number().int().min(1, 'Enter a whole number from 1 to 36.').max(36, 'Enter a whole number from 1 to 36.').nullish(),
    pauseMonths: z.number().int().min(1, 'Enter a whole number from 1 to 3.').max(3, 'Enter a whole number from 1 to 3.').nullish(),
    planKey: z.string().nullish(),
    supportUrl: supportUrl.nullish(),
  })
  .superRefine((o, ctx) => {
    const need = (field: keyof typeof o, message: string) => {
      if (o[field] === null || o[field] === undefined || o[field] === '') ctx.addIssue({ code: 'custom', path: [field], message });
    };
    if (o.kind === 'NONE') return;
    need('title', 'An offer needs a title.');
    need('description', 'An offer needs a description.');
    if (o.kind === 'DISCOUNT') {
      need('percentOff', 'A discount needs a percentage (1–100).');
      need('durationMonths', 'A discount needs a duration (1–36 months).');
    }
    if (o.kind === 'PAUSE') need('pauseMonths', 'A pause lasts 1–3 months.');
    if (o.kind === 'SWITCH_PLAN' && (!o.planKey || !planByKey(o.planKey))) ctx.addIssue({ code: 'custom', path: ['planKey'], message: 'Choose a plan of the catalogue.' });
    if (o.kind === 'CONTACT_SUPPORT') need('supportUrl', 'Contact support needs an https:// or mailto: address.');
  });

const inputSchema = z.object({
  appearance: z.object({
    title: text(120),
    intro: text(500),
    acceptLabel: text(40),
    declineLabel: text(40),
    keepLabel: text(40),
    accentColor: colour,
    backgroundColor: colour,
    textColor: colour,
  }),
  reasons: z
    .array(
      z.object({
        reason: z.string().transform((r, ctx) => {
          const key = r.toLowerCase();
          if (!(REASONS as readonly string[]).includes(key)) ctx.addIssue({ code: 'custom', message: 'Unknown reason.' });
          return key as CancelReasonKey;
        }),
        label: text(120),
        askComment: z.boolean(),
        offer: offerSchema,
      }),
    )
    .min(1, 'Keep at least one reason.')
    .refine((rs) => new Set(rs.map((r) => r.reason)).size === rs.length, 'Each reason at most once.'),
  appStorePromotionalOfferId: z.string().trim().max(100).nullish(),
});

function toOffer(o: z.infer<typeof offerSchema>): CancelOfferConfig {
  const title = o.title ?? '';
  const description = o.description ?? '';
  switch (o.kind) {
    case 'DISCOUNT':
      return { kind: 'discount', percentOff: o.percentOff!, durationMonths: o.durationMonths!, title, description };
    case 'PAUSE':
      return { kind: 'pause', months: o.pauseMonths as 1 | 2 | 3, title, description };
    case 'SWITCH_PLAN':
      return { kind: 'switch_plan', planKey: o.planKey!, title, description };
    case 'CONTACT_SUPPORT':
      return { kind: 'contact_support', url: o.supportUrl!, title, description };
    default:
      return { kind: 'none' };
  }
}

/** Validates the admin's input as a whole; BAD_USER_INPUT with one entry per wrong field otherwise. */
export function parseFlowConfigInput(input: FlowConfigInput): CancelFlowConfig {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'input', message: i.message }));
    throw new AppError('BAD_USER_INPUT', `The configuration has ${fields.length === 1 ? 'a problem' : `${fields.length} problems`}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
  }
  const c = parsed.data;
  return {
    appearance: c.appearance,
    reasons: c.reasons.map((r) => ({ reason: r.reason, label: r.label, askComment: r.askComment, offer: toOffer(r.offer) })),
    appStorePromotionalOfferId: c.appStorePromotionalOfferId || null,
  };
}

export interface LoadedFlowConfig {
  config: CancelFlowConfig;
  updatedAt: Date | null;
}

/** The configuration in force: the admin's saved one, or the checked-in default. */
export class FlowConfigService {
  constructor(private readonly dataSource: DataSource) {}

  async current(): Promise<LoadedFlowConfig> {
    const row = await this.dataSource.getRepository(RetentionFlowConfigEntity).findOneBy({ id: 1 });
    if (!row) return { config: defaultCancelFlowConfig, updatedAt: null };
    return { config: row.config as CancelFlowConfig, updatedAt: row.updatedAt };
  }

  async update(adminId: string, input: FlowConfigInput): Promise<LoadedFlowConfig> {
    const config = parseFlowConfigInput(input);
    await this.dataSource.getRepository(RetentionFlowConfigEntity).upsert({ id: 1, config, updatedBy: adminId }, ['id']);
    return this.current();
  }

  async reset(): Promise<LoadedFlowConfig> {
    await this.dataSource.getRepository(RetentionFlowConfigEntity).delete({ id: 1 });
    return this.current();
  }
}
