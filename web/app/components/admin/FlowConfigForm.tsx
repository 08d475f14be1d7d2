import { Form } from '@remix-run/react';
import type { CSSProperties, ReactNode } from 'react';
import { Field } from '~/components/Field';
import { FormError } from '~/components/FormError';
import { SubmitButton } from '~/components/SubmitButton';
import type { CancelOfferKind } from '~/graphql/generated';
import { appearanceName, FIELDS_OF_KIND, reasonName, type ConfigFormState, type OfferField, type ReasonRow } from './flow-config-form';
import { OFFER_KIND_NAMES, OFFER_KINDS, REASON_NAMES } from './retention-words';

// The configuration form. Plain HTML that posts as it is: without JavaScript every field is
// there; the stylesheet (`:has()`) hides the fields an offer kind does not use and the details of
// a reason that is switched off, and shows them again as soon as the select or checkbox changes.

interface Props {
  state: ConfigFormState;
  plans: Array<{ key: string; label: string }>;
  fieldErrors: Record<string, string>;
  formError: string | null;
}

export function FlowConfigForm({ state, plans, fieldErrors, formError }: Props) {
  const { appearance } = state;
  const err = (name: string) => fieldErrors[name] ?? null;
  const preview = {
    '--preview-accent': appearance.accentColor,
    '--preview-background': appearance.backgroundColor,
    '--preview-text': appearance.textColor,
  } as CSSProperties;
  return (
    <Form method="post" noValidate className="admin-config" data-testid="config-form">
      <FormError message={formError} hasFieldErrors={Object.keys(fieldErrors).length > 0} />

      <section className="card" aria-labelledby="appearance-title">
        <h2 id="appearance-title">Words and colours</h2>
        <div className="form">
          <Field label="Title" name={appearanceName('title')} defaultValue={appearance.title} error={err(appearanceName('title'))} maxLength={120} />
          <TextArea label="Introduction" name={appearanceName('intro')} defaultValue={appearance.intro} error={err(appearanceName('intro'))} maxLength={500} />
          <div className="admin-grid">
            <Field label="Accept button" name={appearanceName('acceptLabel')} defaultValue={appearance.acceptLabel} error={err(appearanceName('acceptLabel'))} maxLength={40} />
            <Field label="Decline button" name={appearanceName('declineLabel')} defaultValue={appearance.declineLabel} error={err(appearanceName('declineLabel'))} maxLength={40} />
            <Field label="Keep button" name={appearanceName('keepLabel')} defaultValue={appearance.keepLabel} error={err(appearanceName('keepLabel'))} maxLength={40} />
          </div>
          <div className="admin-grid admin-grid--colours">
            <Field label="Accent colour" type="color" className="admin-colour" name={appearanceName('accentColor')} defaultValue={appearance.accentColor} error={err(appearanceName('accentColor'))} />
            <Field label="Background colour" type="color" className="admin-colour" name={appearanceName('backgroundColor')} defaultValue={appearance.backgroundColor} error={err(appearanceName('backgroundColor'))} />
            <Field label="Text colour" type="color" className="admin-colour" name={appearanceName('textColor')} defaultValue={appearance.textColor} error={err(appearanceName('textColor'))} />
          </div>
          <div className="admin-preview" style={preview} aria-label="Preview of the saved colours" role="img">
            <strong>{appearance.title}</strong>
            <span className="admin-preview__button">{appearance.acceptLabel}</span>
          </div>
          <Field
            label="App Store promotional offer id (optional)"
            name="appStorePromotionalOfferId"
            defaultValue={state.appStorePromotionalOfferId}
            error={err('appStorePromotionalOfferId')}
            hint="From App Store Connect: signed for App Store subscribers who are offered a discount."
            maxLength={100}
          />
        </div>
      </section>

      <section className="card" aria-labelledby="reasons-title">
        <h2 id="reasons-title">Reasons and offers</h2>
        <p className="muted">
          Subscribers pick one reason, then see its offer. Switch off the reasons you don’t want to ask about; the
          position sets the order (1 first).
        </p>
        {fieldErrors.reasons ? (
          <p className="field-error" id="reasons-error">
            {fieldErrors.reasons}
          </p>
        ) : null}
        <ol className="admin-reasons">
          {state.reasons.map((row) => (
            <li key={row.reason}>
              <ReasonFields row={row} plans={plans} err={err} />
            </li>
          ))}
        </ol>
      </section>

      <div className="admin-config__actions">
        <SubmitButton intent="save">Save changes</SubmitButton>
      </div>
    </Form>
  );
}

function ReasonFields({ row, plans, err }: { row: ReasonRow; plans: Props['plans']; err: (name: string) => string | null }) {
  const name = (field: keyof ReasonRow) => reasonName(row.reason, field);
  const reasonTitle = REASON_NAMES[row.reason];
  const offerField = (field: OfferField, node: ReactNode) => (
    <div className="admin-offer-field" data-kinds={kindsUsing(field)}>
      {node}
    </div>
  );
  return (
    <fieldset className="admin-reason" data-testid={`reason-${row.reason}`}>
      <legend>{reasonTitle}</legend>
      <input type="hidden" name="row" value={row.reason} />
      <div className="admin-reason__head">
        <label className="admin-check">
          <input type="checkbox" name={name('enabled')} defaultChecked={row.enabled} />
          Ask this reason
        </label>
        <Field
          label="Position"
          name={name('order')}
          type="number"
          inputMode="numeric"
          min={1}
          max={8}
          className="admin-order"
          defaultValue={row.order}
          error={err(name('order'))}
        />
      </div>
      <div className="admin-reason__body">
        <Field label="Label subscribers see" name={name('label')} defaultValue={row.label} error={err(name('label'))} maxLength={120} />
        <label className="admin-check">
          <input type="checkbox" name={name('askComment')} defaultChecked={row.askComment} />
          Ask for a comment after this reason
        </label>
        <div className="admin-offer">
          <SelectField label="Offer" name={name('kind')} defaultValue={row.kind} error={err(name('kind'))}>
            {OFFER_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {OFFER_KIND_NAMES[kind]}
              </option>
            ))}
          </SelectField>
          <div className="admin-grid">
            {offerField(
              'percentOff',
              <Field label="Percent off" name={name('percentOff')} type="number" inputMode="numeric" min={1} max={100} defaultValue={row.percentOff} error={err(name('percentOff'))} />,
            )}
            {offerField(
              'durationMonths',
              <Field label="For how many months" name={name('durationMonths')} type="number" inputMode="numeric" min={1} max={36} defaultValue={row.durationMonths} error={err(name('durationMonths'))} />,
            )}
            {offerField(
              'pauseMonths',
              <SelectField label="Pause for" name={name('pauseMonths')} defaultValue={row.pauseMonths || '1'} error={err(name('pauseMonths'))}>
                <option value="1">1 month</option>
                <option value="2">2 months</option>
                <option value="3">3 months</option>
              </SelectField>,
            )}
            {offerField(
              'planKey',
              <SelectField label="Switch to plan" name={name('planKey')} defaultValue={row.planKey} error={err(name('planKey'))}>
                <option value="">Choose a plan</option>
                {plans.map((p) => (
                  <option key={p.key} value={p.key}>
                    {p.label}
                  </option>
                ))}
              </SelectField>,
            )}
            {offerField(
              'supportUrl',
              <Field
                label="Support address"
                name={name('supportUrl')}
                type="text"
                inputMode="url"
                placeholder="https://… or mailto:…"
                defaultValue={row.supportUrl}
                error={err(name('supportUrl'))}
                hint="An https:// page or a mailto: address."
              />,
            )}
          </div>
          {offerField(
            'title',
            <Field label="Offer title" name={name('title')} defaultValue={row.title} error={err(name('title'))} maxLength={80} hint="Subscribers see the title and description: keep them in line with the numbers." />,
          )}
          {offerField('description', <TextArea label="Offer description" name={name('description')} defaultValue={row.description} error={err(name('description'))} maxLength={300} />)}
        </div>
      </div>
    </fieldset>
  );
}

/** "DISCOUNT PAUSE" — the kinds that use a field (the stylesheet shows it only for those). */
function kindsUsing(field: OfferField): string {
  return (Object.keys(FIELDS_OF_KIND) as CancelOfferKind[]).filter((k) => FIELDS_OF_KIND[k].includes(field)).join(' ');
}

function describedBy(id: string, error: string | null, hint?: ReactNode) {
  return [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(' ') || undefined;
}

function TextArea({ label, name, defaultValue, error, maxLength }: { label: string; name: string; defaultValue: string; error: string | null; maxLength?: number }) {
  return (
    <div className={error ? 'field field--invalid' : 'field'}>
      <label htmlFor={name}>{label}</label>
      <textarea id={name} name={name} rows={3} defaultValue={defaultValue} maxLength={maxLength} aria-invalid={error ? true : undefined} aria-describedby={describedBy(name, error)} />
      {error ? (
        <p id={`${name}-error`} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

function SelectField({ label, name, defaultValue, error, children }: { label: string; name: string; defaultValue: string; error: string | null; children: ReactNode }) {
  return (
    <div className={error ? 'field select-field field--invalid' : 'field select-field'}>
      <label htmlFor={name}>{label}</label>
      <select id={name} name={name} defaultValue={defaultValue} aria-invalid={error ? true : undefined} aria-describedby={describedBy(name, error)}>
        {children}
      </select>
      {error ? (
        <p id={`${name}-error`} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
