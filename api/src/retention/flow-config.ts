// The retention flow's default configuration, checked in: the reasons (Stripe's
// cancellation_details.feedback vocabulary), their wording, at most one offer per reason, and
// the page's copy and colours. An admin's edit (FlowConfigService) replaces it while it exists.

export type CancelReasonKey =
  | 'too_expensive'
  | 'missing_features'
  | 'switched_service'
  | 'unused'
  | 'customer_service'
  | 'too_complex'
  | 'low_quality'
  | 'other';

export type CancelOfferConfig =
  | { kind: 'discount'; percentOff: number; durationMonths: number; title: string; description: string }
  | { kind: 'pause'; months: 1 | 2 | 3; title: string; description: string }
  | { kind: 'switch_plan'; planKey: string; title: string; description: string }
  | { kind: 'contact_support'; url: string; title: string; description: string }
  | { kind: 'none' };

export interface CancelReasonConfig {
  reason: CancelReasonKey;
  label: string;
  askComment: boolean;
  offer: CancelOfferConfig;
}

export interface CancelFlowAppearance {
  title: string;
  intro: string;
  acceptLabel: string;
  declineLabel: string;
  keepLabel: string;
  accentColor: string;
  backgroundColor: string;
  textColor: string;
}

export interface CancelFlowConfig {
  appearance: CancelFlowAppearance;
  reasons: CancelReasonConfig[];
  /** The App Store promotional offer (configured in App Store Connect) shown for discount-type offers. */
  appStorePromotionalOfferId: string | null;
}

export const defaultCancelFlowConfig: CancelFlowConfig = {
  appearance: {
    title: 'Before you go',
    intro: 'Tell us why, and we’ll see if there’s something that helps.',
    acceptLabel: 'Accept offer',
    declineLabel: 'No thanks, cancel',
    keepLabel: 'Keep my subscription',
    accentColor: '#4f46e5',
    backgroundColor: '#ffffff',
    textColor: '#111827',
  },
  reasons: [
    {
      reason: 'too_expensive',
      label: 'It costs too much',
      askComment: false,
      offer: { kind: 'discount', percentOff: 30, durationMonths: 3, title: '30% off for 3 months', description: 'Stay on Pro and pay 30% less for the next three months.' },
    },
    {
      reason: 'unused',
      label: 'I don’t use it enough',
      askComment: false,
      offer: { kind: 'pause', months: 2, title: 'Pause for 2 months', description: 'Keep your account and pay nothing for two months; it picks up again after.' },
    },
    {
      reason: 'missing_features',
      label: 'It’s missing something I need',
      askComment: true,
      offer: { kind: 'contact_support', url: 'mailto:support@crossbill.local', title: 'Tell us what’s missing', description: 'We read every message and often ship what people ask for.' },
    },
    { reason: 'switched_service', label: 'I switched to another service', askComment: true, offer: { kind: 'none' } },
    {
      reason: 'customer_service',
      label: 'Support didn’t help',
      askComment: true,
      offer: { kind: 'contact_support', url: 'mailto:support@crossbill.local', title: 'Let us make it right', description: 'Write to us: a person answers within a day.' },
    },
    {
      reason: 'too_complex',
      label: 'It’s too complicated',
      askComment: true,
      offer: { kind: 'contact_support', url: 'mailto:support@crossbill.local', title: 'Get a walkthrough', description: 'We’ll show you around in 15 minutes.' },
    },
    { reason: 'low_quality', label: 'It doesn’t work well enough', askComment: true, offer: { kind: 'none' } },
    {
      reason: 'other',
      label: 'Something else',
      askComment: true,
      offer: { kind: 'switch_plan', planKey: 'pro-yearly', title: 'Switch to yearly', description: 'Two months free compared with paying monthly.' },
    },
  ],
  appStorePromotionalOfferId: 'crossbill.retention.30off',
};
