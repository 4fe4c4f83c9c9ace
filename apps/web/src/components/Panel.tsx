import type { ReactNode } from 'react';
import { PHONE_QUERY, useMedia } from '../ui/hooks';

interface Props {
  id: string;
  title: string;
  /** Shown beside the title while collapsed, e.g. the current setting. */
  summary?: ReactNode;
  /** Collapsed at first on phones (long panels); open everywhere else. */
  collapseOnPhone?: boolean;
  className?: string;
  children: ReactNode;
}

/**
 * A panel with a heading. Long panels are a <details> that starts collapsed
 * on a phone, so the input and the answer stay near the top there.
 */
export function Panel({ id, title, summary, collapseOnPhone, className, children }: Props) {
  const phone = useMedia(PHONE_QUERY);
  const headingId = `${id}-h`;
  if (!collapseOnPhone) {
    return (
      <section className={`panel ${className ?? ''}`} aria-labelledby={headingId}>
        <h2 id={headingId}>{title}</h2>
        {children}
      </section>
    );
  }
  return (
    <section className={`panel ${className ?? ''}`} aria-labelledby={headingId}>
      <details open={!phone} className="panel-details">
        <summary>
          <h2 id={headingId}>{title}</h2>
          {summary !== undefined && <span className="panel-summary">{summary}</span>}
        </summary>
        {children}
      </details>
    </section>
  );
}
