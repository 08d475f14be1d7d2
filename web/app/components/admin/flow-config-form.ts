import type { AdminFlowConfigFieldsFragment, CancelOfferKind, CancelReason, RetentionFlowConfigInput } from '~/graphql/generated';
import { CANCEL_REASONS, isCancelReason, isOfferKind, REASON_NAMES } from './retention-words';

// The flow configuration as the admin form holds it: every field a string (what was typed,
// kept when the API refuses it), all eight reasons present (enabled or not), rows in the order
// shown. Pure: the route's loader and action and the form component all use it.

export const APPEARANCE_FIELDS = ['title', 'intro', 'acceptLabel', 'declineLabel', 'keepLabel', 'accentColor', 'backgroundColor', 'textColor'] as const;
export type AppearanceField = (typeof APPEARANCE_FIELDS)[number];

export const OFFER_FIELDS = ['title', 'description', 'percentOff', 'durationMonths', 'pauseMonths', 'planKey', 'supportUrl'] as const;
export type OfferField = (typeof OFFER_FIELDS)[number];

/** Which offer fields each kind uses (the others are ignored, and hidden on the form). */
export const FIELDS_OF_KIND: Record<CancelOfferKind, readonly OfferField[]> = {
  DISCOUNT: ['percentOff', 'durationMonths', 'title', 'description'],
  PAUSE: ['pauseMonths', 'title', 'description'],
  SWITCH_PLAN: ['planKey', 'title', 'description'],
  CONTACT_SUPPORT: ['supportUrl', 'title', 'description'],
  NONE: [],
};

const NUMBER_FIELDS: readonly OfferField[] = ['percentOff', 'durationMonths', 'pauseMonths'];

export interface ReasonRow extends Record<OfferField, string> {
  reason: CancelReason;
  enabled: boolean;
  /** Display position as typed ("" for a disabled reason). */
  order: string;
  label: string;
  askComment: boolean;
  kind: CancelOfferKind;
}

export interface ConfigFormState {
  appearance: Record<AppearanceField, string>;
  appStorePromotionalOfferId: string;
  reasons: ReasonRow[];
}

/** Form field names: `appearance.title`, `reasons.TOO_EXPENSIVE.percentOff`, … */
export const appearanceName = (field: AppearanceField) => `appearance.${field}`;
export const reasonName = (reason: CancelReason, field: keyof ReasonRow) => `reasons.${reason}.${field}`;

const str = (value: number | string | null | undefined) => (value == null ? '' : String(value));

export function stateFromConfig(config: AdminFlowConfigFieldsFragment): ConfigFormState {
  const enabled: ReasonRow[] = config.reasons.map((r, i) => ({
    reason: r.reason,
    enabled: true,
    order: String(i + 1),
    label: r.label,
    askComment: r.askComment,
    kind: r.offer.kind,
    title: r.offer.kind === 'NONE' ? '' : r.offer.title,
    description: r.offer.kind === 'NONE' ? '' : r.offer.description,
    percentOff: str(r.offer.percentOff),
    durationMonths: str(r.offer.durationMonths),
    pauseMonths: str(r.offer.pauseMonths),
    planKey: str(r.offer.planKey),
    supportUrl: str(r.offer.supportUrl),
  }));
  const present = new Set(enabled.map((r) => r.reason));
  const disabled: ReasonRow[] = CANCEL_REASONS.filter((r) => !present.has(r)).map((reason) => ({
    reason,
    enabled: false,
    order: '',
    label: REASON_NAMES[reason],
    askComment: true,
    kind: 'NONE',
    title: '',
    description: '',
    percentOff: '',
    durationMonths: '',
    pauseMonths: '',
    planKey: '',
    supportUrl: '',
  }));
  return {
    appearance: { ...config.appearance },
    appStorePromotionalOfferId: config.appStorePromotionalOfferId ?? '',
    reasons: [...enabled, ...disabled],
  };
}

/** The posted form as state. Rows come back in the order they were on the page (`row` inputs). */
export function stateFromForm(form: FormData): ConfigFormState {
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === 'string' ? value : '';
  };
  const appearance = Object.fromEntries(APPEARANCE_FIELDS.map((f) => [f, text(appearanceName(f))])) as Record<AppearanceField, string>;
  const posted = form.getAll('row').filter(isCancelReason);
  const rows = [...new Set([...posted, ...CANCEL_REASONS])];
  const reasons = rows.map((reason): ReasonRow => {
    const kind = text(reasonName(reason, 'kind'));
    return {
      reason,
      enabled: form.has(reasonName(reason, 'enabled')),
      order: text(reasonName(reason, 'order')).trim(),
      label: text(reasonName(reason, 'label')),
      askComment: form.has(reasonName(reason, 'askComment')),
      kind: isOfferKind(kind) ? kind : 'NONE',
      ...(Object.fromEntries(OFFER_FIELDS.map((f) => [f, text(reasonName(reason, f))])) as Record<OfferField, string>),
    };
  });
  return { appearance, appStorePromotionalOfferId: text('appStorePromotionalOfferId'), reasons };
}

export type BuildResult =
  | { ok: true; input: RetentionFlowConfigInput; order: CancelReason[] }
  | { ok: false; fieldErrors: Record<string, string> };

/**
 * The API input from the form: the enabled reasons sorted by position (rows without one keep
 * their place after the numbered ones), each offer with only its kind's fields. Only what the
 * API cannot be sent is checked here (a number that is not one); the API validates the rest.
 */
export function toInput(state: ConfigFormState): BuildResult {
  const fieldErrors: Record<string, string> = {};
  const enabled = state.reasons
    .map((row, index) => ({ row, index }))
    .filter(({ row }) => row.enabled)
    .map(({ row, index }) => {
      let position = Number.POSITIVE_INFINITY;
      if (row.order !== '') {
        position = Number(row.order);
        if (!Number.isFinite(position)) fieldErrors[reasonName(row.reason, 'order')] = 'Enter a number, like 1 for the top.';
      }
      return { row, index, position };
    })
    .sort((a, b) => a.position - b.position || a.index - b.index)
    .map(({ row }) => row);

  const reasons = enabled.map((row) => {
    const used = FIELDS_OF_KIND[row.kind];
    const offer: RetentionFlowConfigInput['reasons'][number]['offer'] = {
      kind: row.kind,
      title: null,
      description: null,
      percentOff: null,
      durationMonths: null,
      pauseMonths: null,
      planKey: null,
      supportUrl: null,
    };
    for (const field of used) {
      const raw = row[field].trim();
      if (NUMBER_FIELDS.includes(field)) {
        if (raw === '') {
          (offer as Record<string, unknown>)[field] = null;
        } else if (!/^-?\d+$/.test(raw)) {
          fieldErrors[reasonName(row.reason, field)] = 'Enter a whole number.';
        } else {
          (offer as Record<string, unknown>)[field] = Number(raw);
        }
      } else {
        (offer as Record<string, unknown>)[field] = raw === '' ? null : raw;
      }
    }
    return { reason: row.reason, label: row.label.trim(), askComment: row.askComment, offer };
  });

  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  return {
    ok: true,
    order: enabled.map((r) => r.reason),
    input: {
      appearance: Object.fromEntries(APPEARANCE_FIELDS.map((f) => [f, state.appearance[f].trim()])) as RetentionFlowConfigInput['appearance'],
      reasons,
      appStorePromotionalOfferId: state.appStorePromotionalOfferId.trim() || null,
    },
  };
}

/**
 * Where an API field problem goes on the form. The API names reasons by their index in the
 * list sent (`reasons.2.offer.percentOff`); the form by reason (`reasons.UNUSED.percentOff`).
 * Null: no field of its own (shown with the form's message).
 */
export function formFieldOf(apiField: string, order: readonly CancelReason[]): string | null {
  const parts = apiField.split('.');
  if (parts[0] === 'appearance' && (APPEARANCE_FIELDS as readonly string[]).includes(parts[1] ?? '')) return apiField;
  if (apiField === 'appStorePromotionalOfferId') return apiField;
  if (parts[0] !== 'reasons') return null;
  if (parts.length === 1) return 'reasons';
  const reason = order[Number(parts[1])];
  if (!reason) return 'reasons';
  if (parts[2] === 'offer') {
    const field = parts[3] ?? '';
    if ((OFFER_FIELDS as readonly string[]).includes(field)) return reasonName(reason, field as OfferField);
    return reasonName(reason, 'kind');
  }
  if (parts[2] === 'label' || parts[2] === 'askComment') return reasonName(reason, parts[2]);
  return reasonName(reason, 'label');
}

/** The ranges the API allows (schema.graphql, CancelOfferInput). */
const RANGES: Partial<Record<OfferField, readonly [number, number]>> = { percentOff: [1, 100], durationMonths: [1, 36], pauseMonths: [1, 3] };

/**
 * The API's message for a form field, in the form's words where the API's is a generic range
 * message ("Too small: expected number to be >=1" becomes "Enter a whole number from 1 to 100.").
 */
export function fieldMessage(formField: string, message: string): string {
  const field = formField.split('.').pop() as OfferField;
  const range = RANGES[field];
  if (range && /too (small|big)|expected (number|int)/i.test(message)) return `Enter a whole number from ${range[0]} to ${range[1]}.`;
  return message;
}
