import type { ReactNode } from 'react';

export type NoticeKind = 'success' | 'info' | 'error';

/** A calm banner: success and info are polite status messages, errors are alerts. */
export function Notice({ kind = 'info', children, testId }: { kind?: NoticeKind; children: ReactNode; testId?: string }) {
  return (
    <div className={`notice notice--${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-testid={testId}>
      {children}
    </div>
  );
}
