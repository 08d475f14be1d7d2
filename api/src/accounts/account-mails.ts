import type { OutgoingMail } from '../platform/mail/mailer';

// Plain, short transactional mails. Links point at the web app, which calls the API.

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function layout(to: string, subject: string, lines: string[], action?: { label: string; url: string }): OutgoingMail {
  const text = [...lines, ...(action ? ['', `${action.label}: ${action.url}`] : [])].join('\n');
  const html = [
    '<div style="font-family:system-ui,sans-serif;max-width:480px;line-height:1.5">',
    ...lines.map((l) => `<p>${escape(l)}</p>`),
    action
      ? `<p><a href="${escape(action.url)}" style="display:inline-block;padding:10px 16px;background:#1f6f5c;color:#fff;border-radius:6px;text-decoration:none">${escape(action.label)}</a></p>`
      : '',
    '</div>',
  ].join('');
  return { to, subject, text, html };
}

export function verificationMail(to: string, name: string, url: string, validHours: number): OutgoingMail {
  return layout(
    to,
    'Confirm your email address',
    [`Hi ${name},`, `Confirm that ${to} is your email address. The link works for ${validHours} hours.`],
    { label: 'Confirm email address', url },
  );
}

export function passwordResetMail(to: string, url: string, validMinutes: number): OutgoingMail {
  return layout(
    to,
    'Reset your password',
    [
      'Someone (hopefully you) asked to reset the password of this account.',
      `The link works once, for ${validMinutes} minutes. If you did not ask for it, ignore this mail: your password stays as it is.`,
    ],
    { label: 'Choose a new password', url },
  );
}

export function passwordChangedMail(to: string, name: string): OutgoingMail {
  return layout(to, 'Your password was changed', [
    `Hi ${name},`,
    'The password of your account was just changed, and every device was signed out.',
    'If this was not you, reset your password now and contact support.',
  ]);
}
